//! `check_server_health` over the real binary, in the monitoring plan's shape (`status`,
//! `timestamp`, `components.auth|circuit_breaker|rate_limiter|aruba_api`): healthy against the
//! simulator, degraded with the breaker open after a 5xx storm, unhealthy with the token
//! endpoint down; and what it sends (one small probe, or nothing).

mod common;

use aruba_noc_mcp::simulator::FaultSpec;
use common::*;
use serde_json::json;

#[tokio::test]
async fn healthy_with_a_live_probe() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let result = call(&client, "check_server_health", json!({})).await;
    let out = structured(&result);
    assert_eq!(out["status"], "healthy", "{out}");
    assert!(out["timestamp"].as_str().unwrap().ends_with('Z'));
    let c = &out["components"];
    assert_eq!(c["circuit_breaker"]["state"], "closed");
    assert_eq!(c["circuit_breaker"]["status"], "healthy");
    assert_eq!(c["aruba_api"]["response_code"], 200);
    assert_eq!(c["aruba_api"]["source"], "probe");
    assert_eq!(c["auth"]["has_token"], true);
    assert_eq!(c["auth"]["status"], "healthy");
    assert!(c["auth"]["token_expires_in_seconds"].as_u64().unwrap() > 3000);
    assert_eq!(c["rate_limiter"]["max_tokens"], 100);
    assert_eq!(c["rate_limiter"]["tokens_available"], 99);
    assert_eq!(c["rate_limiter"]["utilization_percentage"], 1.0);
    assert_eq!(out["dependencies"], json!({"up": 2, "total": 2}));
    let probes = api_requests(&sim);
    assert_eq!(probes.len(), 1);
    assert!(probes[0].path.ends_with("/sites-health"));
    assert_eq!(query(&probes[0], "limit"), Some("1"));
    assert!(
        text(&result).starts_with("Server healthy (2 of 2"),
        "{}",
        text(&result)
    );
}

#[tokio::test]
async fn a_recent_tool_call_stands_in_for_the_probe() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let listed = call(&client, "get_device_list", json!({"limit": 5})).await;
    assert_ne!(listed.is_error, Some(true));
    let out = structured(&call(&client, "check_server_health", json!({})).await);
    assert_eq!(out["components"]["aruba_api"]["source"], "recent_call");
    assert_eq!(out["components"]["aruba_api"]["response_code"], 200);
    assert_eq!(api_requests(&sim).len(), 1, "no probe after a fresh call");
}

#[tokio::test]
async fn without_probe_nothing_is_sent() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let out = structured(&call(&client, "check_server_health", json!({"probe": false})).await);
    assert_eq!(out["components"]["aruba_api"]["status"], "unknown");
    assert_eq!(out["components"]["auth"]["has_token"], false);
    assert_eq!(out["status"], "degraded", "no token yet: {out}");
    assert!(sim.journal().is_empty(), "no request at all");
    let bad = call(&client, "check_server_health", json!({"probe": "yes"})).await;
    assert_eq!(bad.is_error, Some(true));
    assert!(text(&bad).contains("probe"), "{}", text(&bad));
}

#[tokio::test]
async fn degraded_while_the_breaker_is_open() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_CIRCUIT_BREAKER_THRESHOLD", "1")]).await;
    sim.set_faults("error=500".parse::<FaultSpec>().unwrap());
    let _ = call(&client, "get_sites_health", json!({})).await;
    let sent = sim.journal().len();
    let result = call(&client, "check_server_health", json!({})).await;
    let out = structured(&result);
    assert_eq!(out["status"], "degraded", "{out}");
    let c = &out["components"];
    assert_eq!(c["circuit_breaker"]["state"], "open");
    assert_eq!(c["circuit_breaker"]["status"], "degraded");
    assert!(c["circuit_breaker"]["retry_in_seconds"].as_f64().unwrap() > 50.0);
    assert_eq!(c["aruba_api"]["response_code"], 500, "{out}");
    assert_eq!(c["aruba_api"]["status"], "degraded");
    assert_eq!(sim.journal().len(), sent, "the open breaker sent nothing");
    assert!(text(&result).contains("open"), "{}", text(&result));
}

#[tokio::test]
async fn unhealthy_when_the_token_endpoint_is_down() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    sim.set_faults("token-down=503".parse::<FaultSpec>().unwrap());
    let result = call(&client, "check_server_health", json!({})).await;
    let out = structured(&result);
    assert_eq!(out["status"], "unhealthy", "{out}");
    let auth = &out["components"]["auth"];
    assert_eq!(auth["status"], "unhealthy");
    assert_eq!(auth["has_token"], false);
    assert!(auth["error"].as_str().unwrap().contains("503"), "{out}");
    assert_eq!(out["dependencies"]["up"], 0);
    assert!(
        text(&result).starts_with("Server unhealthy"),
        "{}",
        text(&result)
    );
}
