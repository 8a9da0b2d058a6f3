//! `ARUBA_TOOLSETS=dynamic` over the real binary and rmcp's client: a session starts with the
//! core tools plus `list_toolsets` and `enable_toolset`; enabling `diagnostics` sends
//! `notifications/tools/list_changed` and adds the toolset's tools, which can then be called;
//! read-only still hides the active tests; in the daemon, what one session enables the other
//! does not see.

mod common;

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aruba_noc_mcp::simulator::{DeviceStatus, DeviceType, SimulatorHandle};
use common::daemon::{Daemon, Options};
use common::*;
use rmcp::model::CallToolRequestParams;
use rmcp::service::{NotificationContext, RunningService};
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::json;

const CORE: [&str; 6] = [
    "get_device_list",
    "get_sites_health",
    "list_sites",
    "find_device",
    "list_alerts",
    "check_server_health",
];

/// A client that counts `notifications/tools/list_changed`.
#[derive(Clone, Default)]
struct Changes(Arc<AtomicUsize>);

impl ClientHandler for Changes {
    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

async fn dynamic_session(
    sim: &SimulatorHandle,
    extra: &[(&str, &str)],
) -> (RunningService<RoleClient, Changes>, Changes) {
    let mut env = env_for(sim);
    env.push(("ARUBA_TOOLSETS".into(), "dynamic".into()));
    for (k, v) in extra {
        env.push(((*k).into(), (*v).into()));
    }
    let transport =
        rmcp::transport::TokioChildProcess::builder(server_command(&env, Stdio::null()))
            .stderr(Stdio::null())
            .spawn()
            .expect("server spawns")
            .0;
    let changes = Changes::default();
    let client = changes.clone().serve(transport).await.expect("initialize");
    (client, changes)
}

async fn call_with<H: ClientHandler>(
    client: &RunningService<RoleClient, H>,
    tool: &str,
    args: serde_json::Value,
) -> rmcp::model::CallToolResult {
    client
        .call_tool(
            CallToolRequestParams::new(tool.to_string())
                .with_arguments(args.as_object().cloned().unwrap_or_default()),
        )
        .await
        .unwrap_or_else(|e| panic!("tools/call {tool}: {e}"))
}

/// Waits (bounded) until `changes` has counted `n` notifications.
async fn wait_for(changes: &Changes, n: usize) {
    for _ in 0..100 {
        if changes.0.load(Ordering::SeqCst) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("notifications/tools/list_changed not received");
}

fn online_ap(sim: &SimulatorHandle) -> String {
    sim.dataset()
        .devices
        .iter()
        .find(|d| d.device_type == DeviceType::AccessPoint && d.status == DeviceStatus::Online)
        .map(|d| d.serial_number.clone())
        .expect("an online AP")
}

fn core_plus_meta() -> Vec<String> {
    CORE.iter()
        .chain(["list_toolsets", "enable_toolset"].iter())
        .map(|s| s.to_string())
        .collect()
}

#[tokio::test]
async fn enabling_diagnostics_adds_its_tools_and_announces_it() {
    let sim = simulator();
    let (client, changes) = dynamic_session(&sim, &[]).await;
    let caps = &client.peer_info().unwrap().capabilities;
    assert_eq!(caps.tools.as_ref().unwrap().list_changed, Some(true));
    assert_eq!(tool_names(&client).await, core_plus_meta());

    let listed = structured(&call_with(&client, "list_toolsets", json!({})).await);
    let diagnostics = listed["toolsets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "diagnostics")
        .expect("diagnostics listed")
        .clone();
    assert_eq!(diagnostics["enabled"], false);
    assert!(diagnostics["tools"].as_u64().unwrap() >= 3, "{diagnostics}");
    assert!(
        !listed["toolsets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "actions"),
        "actions stay behind ARUBA_ACTIONS: {listed}"
    );

    let ap = online_ap(&sim);
    let ping = json!({"serial": ap, "destination": "8.8.8.8"});
    let refused = call_with(&client, "ping_from_ap", ping.clone()).await;
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text(&refused).contains("enable_toolset"),
        "{}",
        text(&refused)
    );
    assert!(
        api_requests(&sim).iter().all(|r| r.method == "GET"),
        "nothing posted"
    );

    let enabled = call_with(&client, "enable_toolset", json!({"toolset": "diagnostics"})).await;
    assert_eq!(enabled.is_error, Some(false), "{}", text(&enabled));
    wait_for(&changes, 1).await;
    let now = tool_names(&client).await;
    for tool in [
        "ping_from_ap",
        "traceroute_from_switch",
        "get_async_test_result",
    ] {
        assert!(now.contains(&tool.to_string()), "{tool} in {now:?}");
    }
    assert_eq!(
        now.len(),
        core_plus_meta().len() + diagnostics["tools"].as_u64().unwrap() as usize
    );
    let result = call_with(&client, "ping_from_ap", ping).await;
    assert_eq!(result.is_error, Some(false), "{}", text(&result));
    assert!(structured(&result)["summary"].is_string());

    let listed = structured(&call_with(&client, "list_toolsets", json!({})).await);
    assert!(
        listed["toolsets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "diagnostics" && t["enabled"] == true)
    );
    // Enabling again changes nothing and announces nothing.
    let again = call_with(&client, "enable_toolset", json!({"toolset": "diagnostics"})).await;
    assert_eq!(again.is_error, Some(false));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(changes.0.load(Ordering::SeqCst), 1);
    let bad = call_with(&client, "enable_toolset", json!({"toolset": "nope"})).await;
    assert_eq!(bad.is_error, Some(true));
    assert!(text(&bad).contains("nope"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn read_only_still_hides_the_active_tests() {
    let sim = simulator();
    let (client, _changes) = dynamic_session(&sim, &[("ARUBA_READ_ONLY", "true")]).await;
    let enabled = call_with(&client, "enable_toolset", json!({"toolset": "diagnostics"})).await;
    assert_eq!(enabled.is_error, Some(false), "{}", text(&enabled));
    let now = tool_names(&client).await;
    assert!(
        now.contains(&"get_async_test_result".to_string()),
        "{now:?}"
    );
    for hidden in [
        "ping_from_ap",
        "ping_from_switch",
        "traceroute_from_gateway",
    ] {
        assert!(
            !now.contains(&hidden.to_string()),
            "{hidden} revealed: {now:?}"
        );
    }
    let refused = call_with(
        &client,
        "ping_from_ap",
        json!({"serial": online_ap(&sim), "destination": "8.8.8.8"}),
    )
    .await;
    assert_eq!(refused.is_error, Some(true));
    assert!(text(&refused).contains("read-only"), "{}", text(&refused));
    let actions = call_with(&client, "enable_toolset", json!({"toolset": "actions"})).await;
    assert_eq!(actions.is_error, Some(true));
    assert!(
        !tool_names(&client)
            .await
            .contains(&"reboot_device".to_string())
    );
    assert!(
        api_requests(&sim).iter().all(|r| r.method == "GET"),
        "nothing posted"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_daemon_keeps_enabled_toolsets_per_session() {
    let sim = simulator();
    let daemon = Daemon::start(
        &sim,
        Options {
            env: vec![("ARUBA_TOOLSETS", "dynamic".into())],
            ..Options::default()
        },
    );
    let first = daemon.via_connect_with(Changes::default()).await;
    let second = daemon.via_connect_with(Changes::default()).await;
    let enabled = call_with(&first, "enable_toolset", json!({"toolset": "clients"})).await;
    assert_eq!(enabled.is_error, Some(false), "{}", text(&enabled));
    let first_names = tool_names(&first).await;
    assert!(
        first_names.contains(&"find_client".to_string()),
        "{first_names:?}"
    );
    assert_eq!(tool_names(&second).await, core_plus_meta());
    let refused = call_with(&second, "find_client", json!({"query": "x"})).await;
    assert!(
        text(&refused).contains("enable_toolset"),
        "{}",
        text(&refused)
    );
    first.cancel().await.unwrap();
    second.cancel().await.unwrap();
}
