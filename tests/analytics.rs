//! LangSmith analytics end to end: the real binary against the simulator, with a fake LangSmith
//! (`POST /runs/batch`) on 127.0.0.1. Checks the runs' required fields and their parent/child
//! structure for a success, tool errors, an upstream retry and token refreshes; redaction; and
//! that a hanging or absent receiver neither slows tool calls nor goes unnoticed (the drop
//! counters on /metrics rise).

mod common;

use std::time::{Duration, Instant};

use aruba_noc_mcp::simulator::SimulatorConfig;
use common::receiver::{Behaviour, Received, Receiver, closed_port_url};
use common::{call, env_for, session, simulator, simulator_with, spawn_logged};
use serde_json::{Value, json};

const API_KEY: &str = "lsv2_pt_test_key_0123456789";

fn langsmith_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("LANGSMITH_TRACING", "true"),
        ("LANGSMITH_API_KEY", API_KEY),
        ("LANGSMITH_ENDPOINT", endpoint),
        ("LANGSMITH_PROJECT", "noc-test"),
        ("LANGSMITH_WORKSPACE_ID", "ws-0001"),
        ("ARUBA_ANALYTICS_FLUSH_INTERVAL", "1"),
        ("ARUBA_ANALYTICS_REDACT", "building_code,HIDDEN"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Every posted run and every patch, over all requests.
fn runs(received: &[Received]) -> (Vec<Value>, Vec<Value>) {
    let (mut post, mut patch) = (Vec::new(), Vec::new());
    for r in received {
        let body = r.json();
        post.extend(body["post"].as_array().cloned().unwrap_or_default());
        patch.extend(body["patch"].as_array().cloned().unwrap_or_default());
    }
    (post, patch)
}

/// The session root as closed at shutdown: a patch, or (when the whole session fitted in one
/// batch) the posted root with its end.
fn session_closed(received: &[Received]) -> Option<Value> {
    let (post, patch) = runs(received);
    patch
        .into_iter()
        .chain(post)
        .find(|r| r["name"] == "mcp_session" && r.get("end_time").is_some())
}

fn children<'a>(runs: &'a [Value], parent: &Value) -> Vec<&'a Value> {
    let mut out: Vec<&Value> = runs
        .iter()
        .filter(|r| r["parent_run_id"] == parent["id"])
        .collect();
    out.sort_by_key(|r| r["dotted_order"].as_str().unwrap_or_default().to_string());
    out
}

#[tokio::test]
async fn tool_runs_nest_under_the_session_with_attempts_refreshes_errors_and_redaction() {
    let sim = simulator_with(SimulatorConfig {
        faults: "error=503@/network-monitoring/v1/devices#1"
            .parse()
            .unwrap(),
        ..SimulatorConfig::default()
    });
    // LangSmith answers the first batch with 503: the exporter retries it, nothing is lost.
    let langsmith = Receiver::start(Behaviour::Statuses(vec![503]));
    let env = langsmith_env(&langsmith.url());
    let client = session(&sim, &borrowed(&env)).await;

    // 1. Success after one retried 503; the first call also fetches the first token.
    let ok = call(&client, "get_device_list", json!({"limit": 5})).await;
    assert_ne!(ok.is_error, Some(true));
    // 2. A tool error before any upstream request, with arguments that must be redacted.
    let bad = call(
        &client,
        "get_device_list",
        json!({
            "site_name": "HQ",
            "password": "hunter2",
            "options": {"API_Key": "k-123456", "hidden": "invisible-ink", "depth": 3},
            "building_code": "bldg-4711",
        }),
    )
    .await;
    assert_eq!(bad.is_error, Some(true));
    // 3. Central answers 404.
    let missing = call(
        &client,
        "get_ap_details",
        json!({"serial_number": "NOSUCHAP01"}),
    )
    .await;
    assert_eq!(missing.is_error, Some(true));
    // 4. Central rejects the token once: renewed (a refresh) and replayed.
    sim.set_faults("unauthorized-once".parse().unwrap());
    let renewed = call(&client, "get_sites_health", json!({})).await;
    assert_ne!(renewed.is_error, Some(true));
    client.cancel().await.unwrap();

    // The session root is closed at shutdown, after every tool run was queued.
    assert!(
        langsmith.wait_until(Duration::from_secs(20), |r| session_closed(r).is_some()),
        "the session run was not closed: {:?}",
        langsmith.received()
    );
    let received = langsmith.received();
    for r in &received {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/runs/batch");
        assert_eq!(r.header("x-api-key"), Some(API_KEY));
        assert_eq!(r.header("x-tenant-id"), Some("ws-0001"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body = String::from_utf8_lossy(&r.body);
        for secret in [
            API_KEY,
            "hunter2",
            "k-123456",
            "invisible-ink",
            "bldg-4711",
            "sim-client-secret",
        ] {
            assert!(!body.contains(secret), "{secret} was sent: {body}");
        }
    }
    let (mut post, patch) = runs(&received);
    assert!(received.len() >= 2, "the 503'd batch was sent again");
    // The 503'd first batch was sent again: drop the duplicates it caused.
    post.sort_by_key(|r| r["id"].as_str().unwrap().to_string());
    post.dedup_by_key(|r| r["id"].clone());

    let root = post
        .iter()
        .find(|r| r["name"] == "mcp_session")
        .expect("session root posted");
    let root_id = root["id"].clone();
    assert_eq!(root["trace_id"], root_id);
    assert_eq!(root["run_type"], "chain");
    assert!(root.get("parent_run_id").is_none());
    assert!(patch.len() <= 1);
    let closed = session_closed(&received).unwrap();
    assert_eq!(closed["id"], root_id);
    assert_eq!(closed["trace_id"], root_id);
    assert_eq!(closed["dotted_order"], root["dotted_order"]);
    assert_eq!(
        closed["outputs"],
        json!({"tool_calls": 4, "tool_errors": 2})
    );
    assert!(closed["end_time"].as_str() >= root["start_time"].as_str());

    for run in &post {
        for key in [
            "id",
            "trace_id",
            "dotted_order",
            "name",
            "run_type",
            "start_time",
            "session_name",
            "inputs",
            "extra",
        ] {
            assert!(run.get(key).is_some(), "{key} missing: {run}");
        }
        assert_eq!(run["trace_id"], root_id, "one trace per session");
        assert_eq!(run["session_name"], "noc-test");
        assert_eq!(
            run["extra"]["metadata"]["server_version"],
            env!("CARGO_PKG_VERSION")
        );
        let start = run["start_time"].as_str().unwrap();
        assert!(start.ends_with('Z') && start.len() == 27, "{start}");
        if run != root {
            assert!(run["end_time"].as_str().unwrap() >= start);
            // The parent's dotted order, then this run's own segment.
            let parent = post
                .iter()
                .find(|p| p["id"] == run["parent_run_id"])
                .unwrap_or_else(|| panic!("parent of {run} not posted"));
            let dotted = run["dotted_order"].as_str().unwrap();
            let own = format!(
                "{}{}",
                start.replace(['-', ':', '.'], ""),
                run["id"].as_str().unwrap()
            );
            assert_eq!(
                dotted,
                format!("{}.{own}", parent["dotted_order"].as_str().unwrap())
            );
        }
    }

    let tools = children(&post, root);
    let names: Vec<&str> = tools.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "get_device_list",
            "get_device_list",
            "get_ap_details",
            "get_sites_health"
        ]
    );
    assert!(tools.iter().all(|r| r["run_type"] == "tool"));
    let call_ids: Vec<&str> = tools
        .iter()
        .map(|r| r["extra"]["metadata"]["call_id"].as_str().unwrap())
        .collect();
    assert!(call_ids.windows(2).all(|w| w[0] != w[1]), "{call_ids:?}");
    assert!(
        tools
            .iter()
            .all(|r| r["extra"]["metadata"]["request_id"].is_string())
    );

    // 1: success, a 503 attempt with the first token refresh inside, then a 200 attempt.
    let (success, attempts) = (tools[0], children(&post, tools[0]));
    assert_eq!(success["inputs"], json!({"limit": 5}));
    assert_eq!(success["outputs"]["outcome"], "ok");
    assert_eq!(success["outputs"]["items"], 5);
    assert!(success["outputs"]["truncated"].is_boolean(), "{success}");
    assert!(success.get("error").is_none());
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    for (i, attempt) in attempts.iter().enumerate() {
        assert_eq!(attempt["name"], "GET /network-monitoring/v1/devices");
        assert_eq!(attempt["inputs"]["attempt"], i + 1);
        assert_eq!(attempt["inputs"]["method"], "GET");
        assert_eq!(
            attempt["extra"]["metadata"]["call_id"],
            success["extra"]["metadata"]["call_id"]
        );
    }
    assert_eq!(attempts[0]["outputs"]["status"], 503);
    assert!(
        attempts[0]["error"].as_str().unwrap().contains("503"),
        "{}",
        attempts[0]
    );
    assert_eq!(attempts[1]["outputs"]["status"], 200);
    assert!(attempts[1].get("error").is_none());
    let refresh = children(&post, attempts[0]);
    assert_eq!(refresh.len(), 1);
    assert_eq!(refresh[0]["name"], "token_refresh");
    assert_eq!(
        refresh[0]["outputs"],
        json!({"outcome": "ok", "status": 200})
    );
    assert!(children(&post, attempts[1]).is_empty());

    // 2: argument error, redacted inputs, no upstream request.
    let invalid = tools[1];
    assert_eq!(invalid["outputs"]["outcome"], "error");
    assert!(
        invalid["error"].as_str().unwrap().contains("unknown field"),
        "{invalid}"
    );
    assert_eq!(
        invalid["inputs"],
        json!({
            "site_name": "HQ",
            "password": "[redacted]",
            "options": {"API_Key": "[redacted]", "hidden": "[redacted]", "depth": 3},
            "building_code": "[redacted]",
        })
    );
    assert!(children(&post, invalid).is_empty());

    // 3: Central's 404, with the route template (not the serial) as the child's name.
    let not_found = tools[2];
    assert!(not_found["error"].as_str().unwrap().contains("HTTP 404"));
    let attempts = children(&post, not_found);
    assert_eq!(attempts.len(), 1);
    assert_eq!(
        attempts[0]["name"],
        "GET /network-monitoring/v1/aps/{serial-number}"
    );
    assert_eq!(attempts[0]["outputs"]["status"], 404);

    // 4: the 401 renewed the token inside the attempt, which then succeeded.
    let attempts = children(&post, tools[3]);
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["outputs"]["status"], 200);
    let refresh = children(&post, attempts[0]);
    assert_eq!(refresh.len(), 1, "{attempts:?}");
    assert_eq!(refresh[0]["name"], "token_refresh");
    assert_eq!(refresh[0]["outputs"]["outcome"], "ok");
}

#[tokio::test]
async fn arguments_can_be_left_out_entirely() {
    let sim = simulator();
    let langsmith = Receiver::start(Behaviour::Statuses(vec![]));
    let mut env = langsmith_env(&langsmith.url());
    env.push(("ARUBA_ANALYTICS_ARGS", "off".into()));
    let client = session(&sim, &borrowed(&env)).await;
    call(&client, "get_device_list", json!({"site_name": "Campus-7"})).await;
    client.cancel().await.unwrap();
    assert!(langsmith.wait_until(Duration::from_secs(20), |r| session_closed(r).is_some()));
    let (post, _) = runs(&langsmith.received());
    let tool = post.iter().find(|r| r["run_type"] == "tool").unwrap();
    assert_eq!(tool["inputs"], json!({}));
    assert!(
        !langsmith
            .received()
            .iter()
            .any(|r| String::from_utf8_lossy(&r.body).contains("Campus-7"))
    );
}

#[tokio::test]
async fn sigterm_sends_the_queued_runs_before_exiting() {
    let sim = simulator();
    let langsmith = Receiver::start(Behaviour::Statuses(vec![]));
    let mut env = env_for(&sim);
    // An hour between flushes: only the shutdown can send the tool run.
    for (k, v) in langsmith_env(&langsmith.url()).into_iter().chain([
        ("ARUBA_ANALYTICS_FLUSH_INTERVAL", "3600".to_string()),
        ("ARUBA_LOG", "info".to_string()),
    ]) {
        env.retain(|(key, _)| key != k);
        env.push((k.to_string(), v));
    }
    let server = spawn_logged(&env).await;
    let result = call(&server.client, "get_device_list", json!({"limit": 2})).await;
    assert_ne!(result.is_error, Some(true));
    std::thread::sleep(Duration::from_millis(500));
    let tool_runs = |received: &[Received]| {
        runs(received)
            .0
            .into_iter()
            .filter(|r| r["run_type"] == "tool")
            .count()
    };
    assert_eq!(tool_runs(&langsmith.received()), 0, "sent before shutdown");

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    assert!(
        langsmith.wait_until(Duration::from_secs(20), |r| session_closed(r).is_some()),
        "the session root is closed at shutdown"
    );
    assert_eq!(tool_runs(&langsmith.received()), 1);
    let stderr = tokio::time::timeout(Duration::from_secs(20), server.stderr)
        .await
        .expect("the server exits")
        .unwrap();
    assert!(stderr.contains("stopping on a signal"), "{stderr}");
    assert!(stderr.contains("SIGTERM"), "{stderr}");
}

/// Sequential `get_device_list` calls; returns how long they took.
async fn timed_calls(client: &rmcp::service::RunningService<rmcp::RoleClient, ()>) -> Duration {
    let started = Instant::now();
    for _ in 0..40 {
        let result = call(client, "get_device_list", json!({"limit": 2})).await;
        assert_ne!(result.is_error, Some(true));
    }
    started.elapsed()
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The value of the series `series` (exact name and labels) on /metrics, when present.
fn scrape(port: u16, series: &str) -> Option<f64> {
    let body = ureq::get(&format!("http://127.0.0.1:{port}/metrics"))
        .call()
        .ok()?
        .body_mut()
        .read_to_string()
        .ok()?;
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test]
async fn a_hanging_or_absent_receiver_does_not_slow_tool_calls_and_drops_are_counted() {
    let sim = simulator();
    // Baseline: analytics and tracing off.
    let plain = session(&sim, &[]).await;
    call(&plain, "get_device_list", json!({"limit": 2})).await; // token, connections
    let baseline = timed_calls(&plain).await;
    plain.cancel().await.unwrap();

    // LangSmith accepts the connection and never answers; OTLP has nobody listening.
    let hanging = Receiver::start(Behaviour::Hang);
    let port = free_port();
    let metrics_addr = format!("127.0.0.1:{port}");
    let mut env = langsmith_env(&hanging.url());
    env.extend([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", closed_port_url()),
        ("ARUBA_ANALYTICS_QUEUE", "4".into()),
        ("ARUBA_ANALYTICS_TIMEOUT", "2".into()),
        ("ARUBA_METRICS_ADDR", metrics_addr),
    ]);
    let client = session(&sim, &borrowed(&env)).await;
    call(&client, "get_device_list", json!({"limit": 2})).await;
    // The exporter thread is now stuck in its first POST.
    assert!(hanging.wait_until(Duration::from_secs(10), |r| !r.is_empty()));
    let exporting = timed_calls(&client).await;
    assert!(
        exporting <= baseline * 3 + Duration::from_secs(1),
        "40 calls took {exporting:?} with a hanging receiver, {baseline:?} without analytics"
    );

    // Far more runs than the queue holds were produced: the drops are counted.
    let queue_full = "analytics_dropped_total{reason=\"queue_full\"}";
    let mut dropped = None;
    for _ in 0..100 {
        dropped = scrape(port, queue_full).filter(|n| *n > 0.0);
        if dropped.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(dropped.is_some(), "{queue_full} did not rise");
    let otlp_dropped = |reason: &str| {
        scrape(
            port,
            &format!("otlp_spans_dropped_total{{reason=\"{reason}\"}}"),
        )
        .unwrap_or(0.0)
    };
    assert!(otlp_dropped("queue_full") + otlp_dropped("send_failed") > 0.0);
    assert_eq!(
        scrape(port, "analytics_runs_sent_total"),
        Some(0.0),
        "nothing was delivered"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn analytics_stay_off_without_an_api_key() {
    let sim = simulator();
    let langsmith = Receiver::start(Behaviour::Statuses(vec![]));
    let env: Vec<(&str, String)> = langsmith_env(&langsmith.url())
        .into_iter()
        .filter(|(k, _)| *k != "LANGSMITH_API_KEY")
        .collect();
    let client = session(&sim, &borrowed(&env)).await;
    call(&client, "get_device_list", json!({})).await;
    client.cancel().await.unwrap();
    // Twice the flush interval and the exit flush have passed.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(langsmith.received().is_empty());
}

#[tokio::test]
async fn every_audited_step_of_a_device_action_is_a_run_under_its_call() {
    use aruba_noc_mcp::simulator::{DeviceStatus, DeviceType};
    let sim = simulator();
    let device = |t: DeviceType, s: DeviceStatus| {
        sim.dataset()
            .devices
            .iter()
            .find(|d| d.device_type == t && d.status == s)
            .map(|d| d.serial_number.clone())
            .expect("the dataset has such a device")
    };
    let (ap, offline_ap) = (
        device(DeviceType::AccessPoint, DeviceStatus::Online),
        device(DeviceType::AccessPoint, DeviceStatus::Offline),
    );
    let switch = sim
        .dataset()
        .devices
        .iter()
        .find(|d| {
            d.device_type == DeviceType::Switch
                && d.status == DeviceStatus::Online
                && d.switch_type.as_deref() == Some("cx")
        })
        .map(|d| d.serial_number.clone())
        .expect("a CX switch");
    let langsmith = Receiver::start(Behaviour::Statuses(vec![]));
    let mut env = langsmith_env(&langsmith.url());
    env.retain(|(k, _)| *k != "ARUBA_ANALYTICS_REDACT");
    // The confirmation code is redacted like any secret-named argument would be.
    env.push(("ARUBA_ANALYTICS_REDACT", "confirmation".into()));
    env.push(("ARUBA_ACTIONS", "on".into()));
    let client = session(&sim, &borrowed(&env)).await;

    // 1-2. Reboot an AP: a preview, then the confirmed call that runs it.
    let preview = call(&client, "reboot_device", json!({"serial": ap})).await;
    let preview = preview.structured_content.expect("a preview");
    assert_eq!(preview["stage"], "preview", "{preview}");
    let code = preview["confirmation"].as_str().unwrap().to_string();
    let done = call(
        &client,
        "reboot_device",
        json!({"serial": ap, "confirmation": code}),
    )
    .await;
    assert_ne!(done.is_error, Some(true), "{done:?}");
    // 3. A PoE bounce preview on one access port of a switch: the run names the ports.
    let ifs = call(
        &client,
        "get_switch_interfaces",
        json!({"serial": switch, "fields": ["name", "uplink"], "limit": 100}),
    )
    .await
    .structured_content
    .expect("interfaces");
    let port = ifs["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["uplink"] != true)
        .and_then(|p| p["name"].as_str())
        .expect("an access port")
        .to_string();
    let bounce = call(
        &client,
        "bounce_poe",
        json!({"serial": switch, "ports": [port]}),
    )
    .await;
    assert_ne!(bounce.is_error, Some(true));
    // 4-5. Reboot an offline AP: Central refuses (409), a failure.
    let preview = call(&client, "reboot_device", json!({"serial": offline_ap})).await;
    let code2 = preview.structured_content.expect("a preview")["confirmation"]
        .as_str()
        .unwrap()
        .to_string();
    let failed = call(
        &client,
        "reboot_device",
        json!({"serial": offline_ap, "confirmation": code2}),
    )
    .await;
    assert_eq!(failed.is_error, Some(true));
    client.cancel().await.unwrap();

    assert!(
        langsmith.wait_until(Duration::from_secs(20), |r| session_closed(r).is_some()),
        "the session run was not closed: {:?}",
        langsmith.received()
    );
    let received = langsmith.received();
    for r in &received {
        let body = String::from_utf8_lossy(&r.body);
        for secret in [API_KEY, code.as_str(), code2.as_str(), "sim-client-secret"] {
            assert!(!body.contains(secret), "{secret} was sent: {body}");
        }
    }
    let (post, _) = runs(&received);
    let root = post.iter().find(|r| r["name"] == "mcp_session").unwrap();
    let tools = children(&post, root);
    let names: Vec<&str> = tools.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "reboot_device",
            "reboot_device",
            "get_switch_interfaces",
            "bounce_poe",
            "reboot_device",
            "reboot_device"
        ]
    );
    let steps = |tool: &Value| -> Vec<Value> {
        children(&post, tool)
            .into_iter()
            .filter(|r| r["name"] == "device_action")
            .cloned()
            .collect()
    };
    let outcomes = |tool: &Value| -> Vec<String> {
        steps(tool)
            .iter()
            .map(|r| r["outputs"]["outcome"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(outcomes(tools[0]), ["preview"]);
    assert_eq!(outcomes(tools[1]), ["confirmed", "executed"]);
    assert!(
        steps(tools[2]).is_empty(),
        "a read-only tool has no action run"
    );
    assert_eq!(outcomes(tools[3]), ["preview"]);
    assert_eq!(outcomes(tools[4]), ["preview"]);
    assert_eq!(outcomes(tools[5]), ["confirmed", "failed"]);

    for (tool, serial, ports) in [
        (tools[0], &ap, json!([])),
        (tools[1], &ap, json!([])),
        (tools[3], &switch, json!([port])),
        (tools[5], &offline_ap, json!([])),
    ] {
        for run in steps(tool) {
            assert_eq!(run["run_type"], "chain", "{run}");
            assert_eq!(run["trace_id"], root["id"]);
            let inputs = &run["inputs"];
            assert_eq!(inputs["tool"], tool["name"], "{run}");
            assert_eq!(inputs["device"], serial.as_str(), "{run}");
            assert_eq!(inputs["ports"], ports, "{run}");
            assert!(inputs["action"].is_string(), "{run}");
            assert!(
                inputs["session"].as_str().is_some_and(|s| !s.is_empty()),
                "{run}"
            );
            let call_id = &tool["extra"]["metadata"]["call_id"];
            assert_eq!(&inputs["call_id"], call_id, "{run}");
            assert_eq!(&run["extra"]["metadata"]["call_id"], call_id, "{run}");
            // The call's arguments, through the same redaction as the tool run's.
            assert_eq!(inputs["arguments"]["serial"], serial.as_str(), "{run}");
            assert_eq!(inputs["arguments"], tool["inputs"], "{run}");
            assert!(run["outputs"]["detail"].is_string(), "{run}");
            let failed = run["outputs"]["outcome"] == "failed";
            assert_eq!(run.get("error").is_some(), failed, "{run}");
        }
    }
    assert_eq!(
        tools[1]["inputs"]["confirmation"], "[redacted]",
        "{}",
        tools[1]
    );
    let session_ids: std::collections::BTreeSet<String> = [tools[0], tools[1], tools[5]]
        .iter()
        .flat_map(|t| steps(t))
        .map(|r| r["inputs"]["session"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(session_ids.len(), 1, "one MCP session: {session_ids:?}");
    let executed = &steps(tools[1])[1];
    assert_eq!(executed["outputs"]["outcome"], "executed");
    let failure = &steps(tools[5])[1];
    assert!(
        failure["error"].as_str().unwrap().contains("409"),
        "{failure}"
    );
}
