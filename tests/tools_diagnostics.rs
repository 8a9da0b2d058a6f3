//! Active diagnostics over the real binary and the simulator: the exact POST (path and JSON
//! body) and polls, the mapped results, device errors, argument errors, read-only mode, progress
//! notifications, cancellation, and the timeout → get_async_test_result hand-over.

mod common;

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aruba_noc_mcp::simulator::{Device, DeviceStatus, DeviceType, JournalEntry, SimulatorHandle};
use common::*;
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, ClientRequest, ProgressNotificationParam,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Value, json};

fn device(sim: &SimulatorHandle, f: impl Fn(&Device) -> bool) -> Device {
    sim.dataset()
        .devices
        .iter()
        .find(|d| f(d))
        .cloned()
        .expect("the dataset has such a device")
}

fn online_ap(sim: &SimulatorHandle) -> Device {
    device(sim, |d| {
        d.device_type == DeviceType::AccessPoint && d.status == DeviceStatus::Online
    })
}

fn online_gateway(sim: &SimulatorHandle) -> Device {
    device(sim, |d| {
        d.device_type == DeviceType::Gateway && d.status == DeviceStatus::Online
    })
}

fn online_switch(sim: &SimulatorHandle, switch_type: &str) -> Device {
    device(sim, |d| {
        d.device_type == DeviceType::Switch
            && d.status == DeviceStatus::Online
            && d.switch_type.as_deref() == Some(switch_type)
    })
}

fn body(e: &JournalEntry) -> Value {
    serde_json::from_str(e.body.as_deref().unwrap_or("null")).expect("JSON body")
}

fn polls(sim: &SimulatorHandle) -> Vec<JournalEntry> {
    api_requests(sim)
        .into_iter()
        .filter(|e| e.method == "GET" && e.path.contains("/async-operations/"))
        .collect()
}

/// Checks the journal: optional lookups, one POST to `post_path` with `post_body`, then polls
/// of the location the POST returned; returns the task id.
fn assert_post_then_polls(
    sim: &SimulatorHandle,
    lookups: &[String],
    post_path: &str,
    post_body: Value,
    expected_polls: usize,
) -> String {
    let api = api_requests(sim);
    let (before, rest) = api.split_at(lookups.len());
    for (e, path) in before.iter().zip(lookups) {
        assert_eq!((e.method.as_str(), e.path.as_str()), ("GET", path.as_str()));
    }
    let post = &rest[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, post_path);
    assert_eq!(post.status, 202);
    assert_eq!(body(post), post_body);
    assert!(
        post.content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json"))
    );
    let polls = &rest[1..];
    assert_eq!(polls.len(), expected_polls, "{polls:?}");
    let task = polls[0].path.rsplit('/').next().unwrap().to_string();
    for p in polls {
        assert_eq!(p.method, "GET");
        assert_eq!(
            p.path,
            format!("{post_path}/async-operations/{task}"),
            "polls go to the location"
        );
        assert_eq!(p.status, 200);
        assert!(p.body.as_deref().unwrap_or("").is_empty());
    }
    task
}

#[tokio::test]
async fn ping_from_ap_posts_the_documented_body_and_polls_to_completion() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online_ap(&sim);
    let result = call(
        &client,
        "ping_from_ap",
        json!({"serial": ap.serial_number.to_lowercase(), "destination": "8.8.8.8", "count": 4, "packet_size": 128}),
    )
    .await;
    let out = structured(&result);
    let path = format!("/network-troubleshooting/v1/aps/{}/ping", ap.serial_number);
    let task = assert_post_then_polls(
        &sim,
        &[],
        &path,
        json!({"destination": "8.8.8.8", "count": 4, "packetSize": 128}),
        2,
    );
    assert_eq!(out["test"], "ping");
    assert_eq!(out["device_type"], "aps");
    assert_eq!(out["serial"], ap.serial_number.as_str());
    assert_eq!(out["destination"], "8.8.8.8");
    assert_eq!(out["status"], "COMPLETED");
    assert_eq!(out["finished"], true);
    assert_eq!(out["timed_out"], false);
    assert_eq!(out["progress_percent"], 100);
    assert_eq!(out["transmitted"], 4);
    assert_eq!(out["received"], 4);
    assert_eq!(out["loss_percent"], 0.0);
    assert_eq!(out["resolved_ip"], "8.8.8.8");
    let (min, avg, max) = (
        out["rtt_min_ms"].as_f64().unwrap(),
        out["rtt_avg_ms"].as_f64().unwrap(),
        out["rtt_max_ms"].as_f64().unwrap(),
    );
    assert!(min > 0.0 && min <= avg && avg <= max, "{min} {avg} {max}");
    assert_eq!(out["hops"], Value::Null);
    assert_eq!(out["raw_output"], Value::Null);
    assert_eq!(out["polls"], 2);
    assert_eq!(out["task"]["task_id"], task.as_str());
    assert_eq!(
        out["task"]["location"],
        format!("{path}/async-operations/{task}")
    );
    assert!(out["started_at"].is_string() && out["finished_at"].is_string());
    let t = text(&result);
    assert!(
        t.contains(&format!(
            "Ping from access point {} to 8.8.8.8 completed: 4/4 replies, 0% loss",
            ap.serial_number
        )),
        "{t}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn ping_from_gateway_maps_the_gateway_vocabulary_and_returns_raw_output() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let gw = online_gateway(&sim);
    // `target` is the reference server's name for the destination.
    let out = structured(
        &call(
            &client,
            "ping_from_gateway",
            json!({"serial": gw.serial_number, "target": "www.example.com", "source_interface": "vlan-interface", "vlan": 10, "include_raw_output": true}),
        )
        .await,
    );
    assert_post_then_polls(
        &sim,
        &[],
        &format!(
            "/network-troubleshooting/v1/gateways/{}/ping",
            gw.serial_number
        ),
        json!({"destination": "www.example.com", "sourceInterface": "vlan-interface", "vlan": 10, "includeRawOutput": true}),
        2,
    );
    assert_eq!(out["device_type"], "gateways");
    assert_eq!(out["destination"], "www.example.com");
    assert_eq!(out["status"], "COMPLETED");
    // Gateways report sentPacketsCount and successRatePercent; the output shape is the same.
    assert_eq!(out["transmitted"], 5);
    assert_eq!(out["received"], 5);
    assert_eq!(out["loss_percent"], 0.0);
    assert!(out["rtt_avg_ms"].as_f64().unwrap() > 0.0);
    assert!(
        out["raw_output"]
            .as_str()
            .unwrap()
            .contains("COMMAND=ping www.example.com")
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn ping_from_switch_looks_up_the_switch_type() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    for (switch_type, segment) in [("cx", "cx"), ("pvos", "aos-s")] {
        sim.clear_journal();
        let sw = online_switch(&sim, switch_type);
        let result = call(
            &client,
            "ping_from_switch",
            json!({"serial": sw.serial_number, "destination": "10.0.0.1", "count": 3}),
        )
        .await;
        let out = structured(&result);
        assert_post_then_polls(
            &sim,
            &[format!(
                "/network-monitoring/v1/switches/{}",
                sw.serial_number
            )],
            &format!(
                "/network-troubleshooting/v1/{segment}/{}/ping",
                sw.serial_number
            ),
            json!({"destination": "10.0.0.1", "count": 3}),
            2,
        );
        assert_eq!(out["device_type"], segment);
        assert_eq!(out["transmitted"], 3);
        assert_eq!(out["received"], 3);
        assert!(text(&result).contains("switch"), "{}", text(&result));
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn traceroutes_return_hops_in_one_shape() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online_ap(&sim);
    let result = call(
        &client,
        "traceroute_from_ap",
        // The reference's max_hops is accepted and not sent: Central has no such field.
        json!({"serial": ap.serial_number, "destination": "1.1.1.1", "max_hops": 30}),
    )
    .await;
    let out = structured(&result);
    assert_post_then_polls(
        &sim,
        &[],
        &format!(
            "/network-troubleshooting/v1/aps/{}/traceroute",
            ap.serial_number
        ),
        json!({"destination": "1.1.1.1"}),
        2,
    );
    assert_eq!(out["test"], "traceroute");
    assert_eq!(out["status"], "COMPLETED");
    let hops = out["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 4);
    assert_eq!(hops[0]["hop"], 1);
    assert!(hops[0]["address"].as_str().unwrap().starts_with("10."));
    assert_eq!(hops[0]["rtt_ms"].as_array().unwrap().len(), 3);
    // The simulator's third hop does not answer ("null" address, "*" times).
    assert_eq!(hops[2]["address"], Value::Null);
    assert_eq!(hops[2]["lost_probes"], 3);
    assert_eq!(hops[3]["address"], "1.1.1.1");
    assert_eq!(out["reached"], true);
    assert_eq!(out["transmitted"], Value::Null);
    let t = text(&result);
    assert!(t.contains("4 hop(s)") && t.contains("3. *"), "{t}");

    sim.clear_journal();
    let gw = online_gateway(&sim);
    let out = structured(
        &call(
            &client,
            "traceroute_from_gateway",
            json!({"serial": gw.serial_number, "destination": "1.1.1.1"}),
        )
        .await,
    );
    assert_post_then_polls(
        &sim,
        &[],
        &format!(
            "/network-troubleshooting/v1/gateways/{}/traceroute",
            gw.serial_number
        ),
        json!({"destination": "1.1.1.1"}),
        2,
    );
    assert_eq!(out["hops"].as_array().unwrap().len(), 4);
    // Gateways do not report resolvedIp, so whether the path reached is unknown.
    assert_eq!(out["reached"], Value::Null);

    sim.clear_journal();
    let sw = online_switch(&sim, "cx");
    let out = structured(
        &call(
            &client,
            "traceroute_from_switch",
            json!({"serial": sw.serial_number, "target": "1.1.1.1"}),
        )
        .await,
    );
    assert_post_then_polls(
        &sim,
        &[format!(
            "/network-monitoring/v1/switches/{}",
            sw.serial_number
        )],
        &format!(
            "/network-troubleshooting/v1/cx/{}/traceroute",
            sw.serial_number
        ),
        json!({"destination": "1.1.1.1"}),
        2,
    );
    assert_eq!(out["reached"], true);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_failed_test_is_a_result_not_an_error() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online_ap(&sim);
    let result = call(
        &client,
        "ping_from_ap",
        json!({"serial": ap.serial_number, "destination": "192.0.2.7"}),
    )
    .await;
    let out = structured(&result);
    assert_eq!(out["status"], "FAILED");
    assert_eq!(out["finished"], true);
    assert!(out["fail_reason"].as_str().unwrap().contains("unreachable"));
    assert_eq!(out["transmitted"], Value::Null);
    assert!(text(&result).contains("FAILED"), "{}", text(&result));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn offline_and_unknown_devices_are_clear_errors() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let offline = device(&sim, |d| {
        d.device_type == DeviceType::AccessPoint && d.status == DeviceStatus::Offline
    });
    let result = call(
        &client,
        "ping_from_ap",
        json!({"serial": offline.serial_number, "destination": "8.8.8.8"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let t = text(&result);
    assert!(
        t.contains("offline or busy") && t.contains("409") && t.contains(&offline.serial_number),
        "{t}"
    );
    // One POST, no polls.
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].status, 409);

    sim.clear_journal();
    let result = call(
        &client,
        "traceroute_from_gateway",
        json!({"serial": "ZZ99NOPE01", "destination": "8.8.8.8"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let t = text(&result);
    assert!(
        t.contains("No gateway with serial ZZ99NOPE01") && t.contains("404"),
        "{t}"
    );
    assert_eq!(api_requests(&sim).len(), 1);

    // An AP's serial is not a switch: the lookup says so before anything is POSTed.
    sim.clear_journal();
    let ap = online_ap(&sim);
    let result = call(
        &client,
        "ping_from_switch",
        json!({"serial": ap.serial_number, "destination": "8.8.8.8"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).contains("No switch with serial"));
    assert!(api_requests(&sim).iter().all(|e| e.method == "GET"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn invalid_arguments_name_the_field_and_send_nothing() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online_ap(&sim).serial_number;
    let cases = [
        ("ping_from_ap", json!({"serial": ap}), "destination"),
        (
            "ping_from_ap",
            json!({"serial": ap, "destination": "8.8.8.8", "count": 0}),
            "count",
        ),
        (
            "ping_from_ap",
            json!({"serial": ap, "destination": "8.8.8.8", "packet_size": 5000}),
            "packet_size",
        ),
        (
            "ping_from_ap",
            json!({"serial": ap, "destination": "8.8.8.8 && reboot"}),
            "destination",
        ),
        (
            "ping_from_ap",
            json!({"serial": ap, "destination": "8.8.8.8", "target": "1.1.1.1"}),
            "destination",
        ),
        (
            "ping_from_ap",
            json!({"serial": "../aps", "destination": "8.8.8.8"}),
            "serial",
        ),
        (
            "ping_from_ap",
            json!({"serial": ap, "destination": "8.8.8.8", "timeout_seconds": 301}),
            "timeout_seconds",
        ),
        (
            "ping_from_gateway",
            json!({"serial": ap, "destination": "8.8.8.8", "source_interface": "eth0"}),
            "source_interface",
        ),
        (
            "traceroute_from_ap",
            json!({"serial": ap, "destination": "8.8.8.8", "max_hops": 0}),
            "max_hops",
        ),
        ("get_async_test_result", json!({}), "device_type"),
        (
            "get_async_test_result",
            json!({"location": "/network-monitoring/v1/aps/CN12AB34CD/ping/async-operations/3f0e5a7c-2b1d-4c55-9d21-7a6b8c9d0e1f"}),
            "location",
        ),
        (
            "get_async_test_result",
            json!({"location": "https://evil.example/network-troubleshooting/v1/aps/CN12AB34CD/ping/async-operations/3f0e5a7c-2b1d-4c55-9d21-7a6b8c9d0e1f"}),
            "location",
        ),
        (
            "get_async_test_result",
            json!({"device_type": "aps", "serial": ap, "operation": "reboot", "task_id": "3f0e5a7c-2b1d-4c55-9d21-7a6b8c9d0e1f"}),
            "operation",
        ),
        (
            "get_async_test_result",
            json!({"device_type": "aps", "serial": ap, "operation": "ping", "task_id": "../../x"}),
            "task_id",
        ),
    ];
    for (tool, args, field) in cases {
        let result = call(&client, tool, args.clone()).await;
        assert_eq!(result.is_error, Some(true), "{tool} {args}");
        let t = text(&result);
        assert!(t.contains(field), "{tool} {args}: {t}");
    }
    assert!(sim.journal().is_empty(), "{:?}", sim.journal());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn read_only_mode_hides_and_refuses_the_test_starters() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_READ_ONLY", "true")]).await;
    let names = tool_names(&client).await;
    assert!(names.contains(&"get_async_test_result".to_string()));
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("ping_") || n.starts_with("traceroute_")),
        "{names:?}"
    );
    let ap = online_ap(&sim);
    for tool in [
        "ping_from_ap",
        "ping_from_gateway",
        "ping_from_switch",
        "traceroute_from_ap",
        "traceroute_from_gateway",
        "traceroute_from_switch",
    ] {
        let result = call(
            &client,
            tool,
            json!({"serial": ap.serial_number, "destination": "8.8.8.8"}),
        )
        .await;
        assert_eq!(result.is_error, Some(true), "{tool}");
        assert!(text(&result).contains("read-only"), "{}", text(&result));
    }
    assert!(sim.journal().is_empty());
    client.cancel().await.unwrap();
}

/// A client that records progress notifications.
#[derive(Clone, Default)]
struct Recorder {
    progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
}

impl ClientHandler for Recorder {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params);
    }
}

async fn recording_session(
    sim: &SimulatorHandle,
) -> (RunningService<RoleClient, Recorder>, Recorder) {
    let recorder = Recorder::default();
    let transport = TokioChildProcess::builder(server_command(&env_for(sim), Stdio::null()))
        .stderr(Stdio::null())
        .spawn()
        .expect("server spawns")
        .0;
    let client = recorder
        .clone()
        .serve(transport)
        .await
        .expect("initialize succeeds");
    (client, recorder)
}

fn call_request(tool: &str, args: Value) -> ClientRequest {
    ClientRequest::CallToolRequest(CallToolRequest::new(
        CallToolRequestParams::new(tool.to_string())
            .with_arguments(args.as_object().cloned().unwrap_or_default()),
    ))
}

#[tokio::test]
async fn progress_notifications_increase_while_the_test_runs() {
    let sim = simulator();
    let (client, recorder) = recording_session(&sim).await;
    let ap = online_ap(&sim);
    // rmcp's client puts a progressToken in every request's _meta.
    let handle = client
        .peer()
        .send_cancellable_request(
            call_request(
                "ping_from_ap",
                json!({"serial": ap.serial_number, "destination": "8.8.8.8"}),
            ),
            PeerRequestOptions::no_options(),
        )
        .await
        .unwrap();
    let token = handle.progress_token.clone();
    let response = handle.await_response().await.unwrap();
    assert!(format!("{response:?}").contains("COMPLETED"));
    // Notifications are sent before the result; give the client a moment to dispatch them.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let seen = recorder.progress.lock().unwrap().clone();
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(seen.iter().all(|p| p.progress_token == token));
    assert!(
        seen.windows(2).all(|w| w[1].progress > w[0].progress),
        "{seen:?}"
    );
    assert!(seen.iter().all(|p| p.total == Some(100.0)));
    assert_eq!(seen.last().unwrap().progress, 100.0);
    assert!(
        seen[0].message.as_deref().unwrap().contains("started"),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|p| p.message.as_deref().unwrap_or("").contains("RUNNING")),
        "{seen:?}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn cancelling_the_request_stops_polling() {
    let sim = simulator();
    let (client, _recorder) = recording_session(&sim).await;
    let ap = online_ap(&sim);
    let handle = client
        .peer()
        .send_cancellable_request(
            call_request(
                "ping_from_ap",
                json!({"serial": ap.serial_number, "destination": "8.8.8.8"}),
            ),
            PeerRequestOptions::no_options(),
        )
        .await
        .unwrap();
    // Wait for the first poll (about 1 s after the POST); the next would follow 2 s later.
    let started = tokio::time::Instant::now();
    while polls(&sim).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "no poll");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle
        .cancel(Some("operator changed their mind".into()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(polls(&sim).len(), 1, "{:?}", sim.journal());
    // The server is still usable.
    let r = client
        .call_tool(CallToolRequestParams::new("check_server_health"))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_timeout_returns_the_handle_and_get_async_test_result_finishes_the_job() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online_ap(&sim);
    let poll_prefix = format!("/network-troubleshooting/v1/aps/{}/ping/", ap.serial_number);
    // The first poll answers after 3 s, later than the 2 s the call may wait.
    sim.set_faults(format!("latency=3000@{poll_prefix}#1").parse().unwrap());
    let started = tokio::time::Instant::now();
    let result = call(
        &client,
        "ping_from_ap",
        json!({"serial": ap.serial_number, "destination": "8.8.8.8", "timeout_seconds": 2}),
    )
    .await;
    let waited = started.elapsed();
    assert!(waited < Duration::from_millis(2900), "{waited:?}");
    let out = structured(&result);
    assert_eq!(out["timed_out"], true);
    assert_eq!(out["finished"], false);
    assert_eq!(out["transmitted"], Value::Null);
    let location = out["task"]["location"].as_str().unwrap().to_string();
    assert!(location.starts_with(&poll_prefix), "{location}");
    let t = text(&result);
    assert!(
        t.contains("get_async_test_result") && t.contains(&location),
        "{t}"
    );
    // Let the slow poll finish upstream, then pick the task up by its location.
    tokio::time::sleep(Duration::from_secs(2)).await;
    sim.clear_faults();
    sim.clear_journal();
    let result = call(
        &client,
        "get_async_test_result",
        json!({"location": location}),
    )
    .await;
    let done = structured(&result);
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["timed_out"], false);
    assert_eq!(done["transmitted"], 5);
    assert_eq!(done["destination"], "8.8.8.8");
    assert_eq!(done["task"]["location"], location.as_str());
    let api = api_requests(&sim);
    assert!(!api.is_empty());
    assert!(
        api.iter().all(|e| e.method == "GET" && e.path == location),
        "{api:?}"
    );
    // The same task by its parts, polled once (timeout 0): still COMPLETED, nothing started.
    sim.clear_journal();
    let again = structured(
        &call(
            &client,
            "get_async_test_result",
            json!({"device_type": "aps", "serial": ap.serial_number, "operation": "ping",
                   "task_id": out["task"]["task_id"], "timeout_seconds": 0}),
        )
        .await,
    );
    assert_eq!(again["status"], "COMPLETED");
    assert_eq!(again["polls"], 1);
    assert_eq!(api_requests(&sim).len(), 1);
    // An unknown task is a clear error.
    let result = call(
        &client,
        "get_async_test_result",
        json!({"location": location.replace(&out["task"]["task_id"].as_str().unwrap()[..8], "00000000")}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(
        text(&result).contains("does not know task"),
        "{}",
        text(&result)
    );
    client.cancel().await.unwrap();
}
