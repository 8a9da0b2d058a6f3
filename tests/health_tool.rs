//! `check_server_health` over the real binary: healthy against the simulator, and reporting an
//! open breaker and a failing probe when Central fails.

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
    assert_eq!(out["circuit_breaker"]["state"], "closed");
    assert_eq!(out["central_api"]["response_code"], 200);
    assert_eq!(out["auth"]["has_token"], true);
    assert_eq!(out["rate_limiter"]["max_tokens"], 100);
    assert_eq!(out["dependencies"]["healthy"], 4);
    let probes = api_requests(&sim);
    assert_eq!(probes.len(), 1);
    assert!(probes[0].path.ends_with("/sites-health"));
    assert_eq!(query(&probes[0], "limit"), Some("1"));
    assert!(
        text(&result).starts_with("Server healthy (4 of 4"),
        "{}",
        text(&result)
    );
}

#[tokio::test]
async fn without_probe_nothing_is_sent() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let out = structured(&call(&client, "check_server_health", json!({"probe": false})).await);
    assert!(out["central_api"].is_null());
    assert_eq!(out["auth"]["has_token"], false);
    assert_eq!(out["status"], "degraded", "no token yet: {out}");
    assert!(sim.journal().is_empty(), "no request at all");
    let bad = call(&client, "check_server_health", json!({"probe": "yes"})).await;
    assert_eq!(bad.is_error, Some(true));
    assert!(text(&bad).contains("probe"), "{}", text(&bad));
}

#[tokio::test]
async fn reports_an_open_breaker_and_the_failing_probe() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_CIRCUIT_BREAKER_THRESHOLD", "1")]).await;
    sim.set_faults("error=500".parse::<FaultSpec>().unwrap());
    let _ = call(&client, "get_sites_health", json!({})).await;
    let out = structured(&call(&client, "check_server_health", json!({})).await);
    assert_eq!(out["status"], "unhealthy", "{out}");
    assert_eq!(out["circuit_breaker"]["state"], "open");
    assert!(out["circuit_breaker"]["retry_in_seconds"].as_f64().unwrap() > 50.0);
    assert!(
        out["central_api"]["error"]
            .as_str()
            .unwrap()
            .contains("circuit breaker is open"),
        "{out}"
    );
}
