//! Soak: many tool calls mixed across the read tools, with 1% of Central's answers replaced by
//! an injected HTTP 500 (the simulator's `error=500:0.01`; 500 is not retried, so each one that
//! lands surfaces as an `isError` result). Asserts zero unexpected errors — every `isError` names
//! the injected HTTP 500, nothing fails at the protocol level — and that the server's resident
//! memory (VmRSS of the child, from /proc) stays flat within 1 MiB after warm-up.
//!
//! `ARUBA_SOAK_CALLS` sets the number of calls (default 5,000: well under two minutes in a
//! debug build); the long run is `ARUBA_SOAK_CALLS=100000 cargo test --release --test soak --
//! --nocapture`, which prints its figures.

mod common;

use std::process::Stdio;
use std::time::Instant;

use aruba_noc_mcp::simulator::{
    ClientStatus, DeviceStatus, DeviceType, SimulatorConfig, SimulatorHandle,
};
use common::*;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

/// Concurrent callers.
const WORKERS: usize = 4;
/// Largest RSS growth allowed after warm-up.
const FLAT_KIB: i64 = 1024;

fn rss_kib(pid: u32) -> i64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("proc status")
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS")
}

/// `(tool, arguments)` covering every read tool, with ids from the simulator's dataset.
fn mix(sim: &SimulatorHandle) -> Vec<(&'static str, Value)> {
    let ds = sim.dataset();
    let find = |t: DeviceType| {
        ds.devices
            .iter()
            .find(|d| {
                d.device_type == t
                    && d.status == DeviceStatus::Online
                    && (t != DeviceType::AccessPoint || !d.radios.is_empty())
            })
            .expect("an online device of each type")
    };
    let (ap, switch, gateway) = (
        find(DeviceType::AccessPoint),
        find(DeviceType::Switch),
        ds.devices
            .iter()
            .find(|d| d.device_type == DeviceType::Gateway && d.cluster_name.is_some())
            .expect("a clustered gateway"),
    );
    let client = ds
        .clients
        .iter()
        .find(|c| c.status == ClientStatus::Connected)
        .expect("a connected client");
    let site = &ds.sites[0];
    let stack = ds
        .devices
        .iter()
        .find_map(|d| d.stack_id.clone())
        .expect("a stack");
    vec![
        ("get_device_list", json!({"limit": 20})),
        (
            "get_device_list",
            json!({"device_type": "ACCESS_POINT", "status": "ONLINE"}),
        ),
        ("list_all_clients", json!({"site_id": site.id, "limit": 20})),
        ("get_firmware_details", json!({"limit": 10})),
        ("list_gateways", json!({})),
        ("get_sites_health", json!({})),
        ("get_device_inventory", json!({"limit": 10})),
        (
            "get_switch_details",
            json!({"serial": switch.serial_number}),
        ),
        ("get_ap_details", json!({"serial_number": ap.serial_number})),
        ("get_site_details", json!({"site_id": site.id})),
        ("get_tenant_device_health", json!({})),
        ("get_client_trends", json!({"site_id": site.id})),
        (
            "get_gateway_details",
            json!({"serial_number": gateway.serial_number}),
        ),
        ("get_top_aps_by_bandwidth", json!({"site_id": site.id})),
        ("get_top_clients_by_usage", json!({"site_id": site.id})),
        (
            "get_ap_cpu_utilization",
            json!({"serial": ap.serial_number}),
        ),
        ("list_wlans", json!({"site_id": site.id})),
        (
            "get_wlan_details",
            json!({"wlan_name": ds.wlans[0].name, "site_id": site.id}),
        ),
        ("get_ap_radios", json!({"serial": ap.serial_number})),
        (
            "get_gateway_cluster_info",
            json!({"cluster_name": gateway.cluster_name}),
        ),
        (
            "list_gateway_tunnels",
            json!({"serial_number": gateway.serial_number}),
        ),
        (
            "get_gateway_uplinks",
            json!({"serial": gateway.serial_number}),
        ),
        ("list_idps_threats", json!({"limit": 10})),
        ("get_stack_members", json!({"stack_id": stack})),
        (
            "get_switch_interfaces",
            json!({"serial": switch.serial_number, "limit": 10}),
        ),
        ("list_sites", json!({})),
        ("find_device", json!({"query": switch.device_name})),
        ("find_client", json!({"query": client.mac_address})),
        (
            "get_client_details",
            json!({"mac_address": client.mac_address}),
        ),
        ("list_alerts", json!({"limit": 10})),
        ("list_events", json!({"site_id": site.id, "limit": 10})),
        ("check_server_health", json!({})),
        ("list_device_tasks", json!({"serial": ap.serial_number})),
    ]
}

#[tokio::test(flavor = "current_thread")]
async fn soak_mixed_calls_with_injected_faults() {
    let calls: usize = std::env::var("ARUBA_SOAK_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let sim = simulator_with(SimulatorConfig {
        faults: "error=500:0.01".parse().expect("fault spec"),
        ..SimulatorConfig::default()
    });
    let mut env = env_for(&sim);
    // The default configuration serves /metrics; nobody scrapes it here, which is how a desktop
    // MCP client runs the server, and what once let histogram samples pile up.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    env.retain(|(k, _)| k != "ARUBA_METRICS_ADDR");
    env.push(("ARUBA_METRICS_ADDR".into(), format!("127.0.0.1:{port}")));
    // The client-side limiter would otherwise pace this to Central's 100 calls a minute.
    env.push(("ARUBA_RATE_LIMIT_REQUESTS".into(), "1000000".into()));
    env.push(("ARUBA_RATE_LIMIT_WINDOW".into(), "1".into()));
    let transport = TokioChildProcess::builder(server_command(&env, Stdio::null()))
        .stderr(Stdio::null())
        .spawn()
        .expect("server spawns")
        .0;
    let pid = transport.id().expect("pid");
    let client = ().serve(transport).await.expect("initialize");

    let mix = mix(&sim);
    let names: std::collections::BTreeSet<&str> = mix.iter().map(|(t, _)| *t).collect();
    let offered = client.list_all_tools().await.expect("tools/list");
    for t in &offered {
        let read_only = t.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true);
        assert!(
            !read_only || names.contains(t.name.as_ref()) || t.name == "get_async_test_result",
            "the soak mix lacks the read tool {}",
            t.name
        );
    }

    let warmup = (calls / 10).max(500).min(calls);
    let sample_every = (calls / 50).max(50);
    let started = Instant::now();
    let mut done = 0usize;
    let mut ok = 0usize;
    let mut injected = 0usize;
    let mut unexpected: Vec<String> = Vec::new();
    let mut baseline: Option<i64> = None;
    let mut samples: Vec<(usize, i64)> = Vec::new();
    let mut next_sample = warmup;
    let mut rng = fastrand::Rng::with_seed(11);
    while done < calls {
        let batch = WORKERS.min(calls - done);
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..batch {
            let (tool, args) = mix[rng.usize(..mix.len())].clone();
            let peer = client.peer().clone();
            set.spawn(async move {
                let outcome = peer
                    .call_tool(
                        CallToolRequestParams::new(tool)
                            .with_arguments(args.as_object().cloned().unwrap_or_default()),
                    )
                    .await;
                (tool, outcome)
            });
        }
        while let Some(joined) = set.join_next().await {
            let (tool, outcome) = joined.expect("task");
            done += 1;
            match outcome {
                Err(e) => unexpected.push(format!("{tool}: protocol error {e}")),
                Ok(result) if result.is_error == Some(true) => {
                    let message = text(&result);
                    if message.contains("HTTP 500") {
                        injected += 1;
                    } else {
                        unexpected.push(format!("{tool}: {message}"));
                    }
                }
                Ok(result) => {
                    if result
                        .structured_content
                        .as_ref()
                        .is_some_and(Value::is_object)
                    {
                        ok += 1;
                    } else {
                        unexpected.push(format!("{tool}: success without structured content"));
                    }
                }
            }
        }
        if done >= next_sample {
            let rss = rss_kib(pid);
            if baseline.is_none() {
                baseline = Some(rss);
            }
            samples.push((done, rss));
            next_sample = done + sample_every;
        }
    }
    let elapsed = started.elapsed();
    let end_rss = rss_kib(pid);
    samples.push((done, end_rss));
    let baseline = baseline.unwrap_or(end_rss);
    let peak = samples.iter().map(|(_, r)| *r).max().unwrap_or(end_rss);
    println!(
        "soak: {done} calls in {:.1} s ({:.0}/s, {WORKERS} concurrent): {ok} ok, {injected} injected HTTP 500, \
         {} unexpected; VmRSS after {warmup}-call warm-up \
         {baseline} KiB, peak {peak} KiB, end {end_rss} KiB (growth {} KiB)",
        elapsed.as_secs_f64(),
        done as f64 / elapsed.as_secs_f64(),
        unexpected.len(),
        peak - baseline,
    );
    println!("soak: RSS samples (calls, KiB): {samples:?}");
    assert!(
        unexpected.is_empty(),
        "{} unexpected errors, first: {:?}",
        unexpected.len(),
        &unexpected[..unexpected.len().min(5)]
    );
    assert_eq!(ok + injected, calls);
    if calls >= 2_000 {
        assert!(injected > 0, "the 1% fault injection never surfaced");
        assert!(
            injected * 20 < calls,
            "{injected} of {calls} calls failed: far more than 1% of requests were faulted"
        );
    }
    assert!(
        peak - baseline <= FLAT_KIB,
        "RSS grew {} KiB after warm-up (from {baseline} to a peak of {peak} KiB): {samples:?}",
        peak - baseline
    );
    client.cancel().await.expect("clean shutdown");
}
