//! OTLP trace export end to end: the real binary against the simulator, with a fake OTLP/HTTP
//! receiver on 127.0.0.1. Checks the JSON mapping (resource, scope, hex ids, times as strings),
//! the parent/child structure of a tool call, its retried upstream request and the token
//! refresh, a tool error's status, the standard `OTEL_*` settings, and that log lines carry the
//! trace id of the span they were written in.

mod common;

use std::process::Stdio;
use std::time::Duration;

use aruba_noc_mcp::simulator::SimulatorConfig;
use common::receiver::{Behaviour, Received, Receiver};
use common::{call, env_for, server_command, simulator_with};
use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

fn spans(received: &[Received]) -> Vec<Value> {
    received
        .iter()
        .flat_map(|r| {
            let body = r.json();
            body["resourceSpans"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .flat_map(|rs| {
                    rs["scopeSpans"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .flat_map(|ss| ss["spans"].as_array().cloned().unwrap_or_default())
                })
        })
        .collect()
}

fn attribute<'a>(item: &'a Value, key: &str) -> Option<&'a Value> {
    item["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["key"] == key)
        .map(|a| &a["value"])
}

fn string(item: &Value, key: &str) -> Option<String> {
    attribute(item, key)?["stringValue"]
        .as_str()
        .map(str::to_string)
}

fn int(item: &Value, key: &str) -> Option<i64> {
    attribute(item, key)?["intValue"].as_str()?.parse().ok()
}

#[tokio::test]
async fn tool_calls_become_traces_and_log_lines_carry_their_ids() {
    let sim = simulator_with(SimulatorConfig {
        faults: "error=503@/network-monitoring/v1/devices#1"
            .parse()
            .unwrap(),
        ..SimulatorConfig::default()
    });
    let collector = Receiver::start(Behaviour::Statuses(vec![]));
    let mut env = env_for(&sim);
    env.retain(|(k, _)| k != "ARUBA_LOG");
    env.extend(
        [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url()),
            ("OTEL_SERVICE_NAME", "noc-edge-1".to_string()),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment=lab,host.name=noc%20one".to_string(),
            ),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "x-otlp-token=abc%20def".to_string(),
            ),
            ("ARUBA_ANALYTICS_FLUSH_INTERVAL", "1".to_string()),
            ("ARUBA_LOG", "info".to_string()),
            ("ARUBA_LOG_FORMAT", "json".to_string()),
        ]
        .map(|(k, v)| (k.to_string(), v)),
    );
    let (transport, stderr) = TokioChildProcess::builder(server_command(&env, Stdio::piped()))
        .stderr(Stdio::piped())
        .spawn()
        .expect("server spawns");
    let mut stderr = stderr.expect("stderr is piped");
    let logs = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let client = ().serve(transport).await.expect("initialize");
    let ok = call(&client, "get_device_list", json!({"limit": 3})).await;
    assert_ne!(ok.is_error, Some(true));
    let failed = call(
        &client,
        "get_ap_details",
        json!({"serial_number": "NOSUCHAP01"}),
    )
    .await;
    assert_eq!(failed.is_error, Some(true));
    client.cancel().await.unwrap();
    let logs = tokio::time::timeout(Duration::from_secs(20), logs)
        .await
        .expect("the server exits")
        .unwrap();

    assert!(
        collector.wait_until(Duration::from_secs(20), |r| spans(r).len() >= 6),
        "spans: {:?}",
        spans(&collector.received())
    );
    let received = collector.received();
    for r in &received {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v1/traces");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("x-otlp-token"), Some("abc def"));
        let body = r.json();
        let resource = &body["resourceSpans"][0]["resource"];
        assert_eq!(
            string(resource, "service.name").as_deref(),
            Some("noc-edge-1")
        );
        assert_eq!(
            string(resource, "service.version").as_deref(),
            Some(env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(
            string(resource, "deployment.environment").as_deref(),
            Some("lab")
        );
        assert_eq!(string(resource, "host.name").as_deref(), Some("noc one"));
        assert_eq!(
            body["resourceSpans"][0]["scopeSpans"][0]["scope"]["name"],
            "aruba-noc-mcp"
        );
    }
    let all = spans(&received);
    for span in &all {
        let trace = span["traceId"].as_str().unwrap();
        let id = span["spanId"].as_str().unwrap();
        assert!(trace.len() == 32 && trace.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()));
        let start: u64 = span["startTimeUnixNano"].as_str().unwrap().parse().unwrap();
        let end: u64 = span["endTimeUnixNano"].as_str().unwrap().parse().unwrap();
        assert!(start > 1_600_000_000_000_000_000 && end >= start, "{span}");
    }
    let tool = |name: &str| {
        all.iter()
            .find(|s| s["name"] == format!("tools/call {name}"))
            .unwrap_or_else(|| panic!("no span for {name}: {all:?}"))
    };
    let children = |parent: &Value| -> Vec<&Value> {
        let mut out: Vec<&Value> = all
            .iter()
            .filter(|s| s.get("parentSpanId") == parent.get("spanId"))
            .collect();
        out.sort_by_key(|s| {
            s["startTimeUnixNano"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
        });
        out
    };

    // The successful call: a server span with a retried client span and the token refresh.
    let list = tool("get_device_list");
    assert_eq!(list["kind"], 2);
    assert!(list.get("parentSpanId").is_none());
    assert!(list.get("status").is_none());
    assert_eq!(
        string(list, "mcp.method.name").as_deref(),
        Some("tools/call")
    );
    assert_eq!(
        string(list, "gen_ai.tool.name").as_deref(),
        Some("get_device_list")
    );
    assert_eq!(string(list, "aruba.outcome").as_deref(), Some("ok"));
    assert_eq!(int(list, "aruba.items"), Some(3));
    let attempts = children(list);
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    for (i, attempt) in attempts.iter().enumerate() {
        assert_eq!(attempt["name"], "GET /network-monitoring/v1/devices");
        assert_eq!(attempt["kind"], 3);
        assert_eq!(attempt["traceId"], list["traceId"]);
        assert_eq!(
            string(attempt, "url.template").as_deref(),
            Some("/network-monitoring/v1/devices")
        );
        assert_eq!(int(attempt, "aruba.attempt"), Some(i as i64 + 1));
    }
    assert_eq!(int(attempts[0], "http.response.status_code"), Some(503));
    assert_eq!(attempts[0]["status"]["code"], 2);
    assert_eq!(
        string(attempts[0], "error.type").as_deref(),
        Some("http_5xx")
    );
    assert_eq!(int(attempts[1], "http.response.status_code"), Some(200));
    assert_eq!(int(attempts[1], "http.request.resend_count"), Some(1));
    assert!(attempts[1].get("status").is_none());
    let refresh = children(attempts[0]);
    assert_eq!(refresh.len(), 1);
    assert_eq!(refresh[0]["name"], "token_refresh");
    assert_eq!(refresh[0]["traceId"], list["traceId"]);
    assert_eq!(string(refresh[0], "aruba.outcome").as_deref(), Some("ok"));

    // The failed call: its own trace, an error status with Central's message.
    let details = tool("get_ap_details");
    assert_ne!(
        details["traceId"], list["traceId"],
        "one trace per tool call"
    );
    assert_eq!(details["status"]["code"], 2);
    assert!(
        details["status"]["message"]
            .as_str()
            .unwrap()
            .contains("HTTP 404"),
        "{details}"
    );
    let attempt = children(details);
    assert_eq!(attempt.len(), 1);
    assert_eq!(int(attempt[0], "http.response.status_code"), Some(404));

    // Log lines inside the tool call name its trace and the span they were written in.
    let lines: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let finished: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "tool call finished")
        .collect();
    assert_eq!(finished.len(), 2, "{logs}");
    assert_eq!(finished[0]["trace_id"], list["traceId"]);
    assert_eq!(finished[0]["span_id"], list["spanId"]);
    assert_eq!(finished[1]["trace_id"], details["traceId"]);
    let token_line = lines
        .iter()
        .find(|l| l["fields"]["message"] == "obtained a Central access token")
        .expect("token log line");
    assert_eq!(token_line["trace_id"], list["traceId"]);
    assert_eq!(token_line["span_id"], refresh[0]["spanId"]);
    assert!(
        !logs.contains("abc def") && !logs.contains("abc%20def"),
        "header values are never logged"
    );
}
