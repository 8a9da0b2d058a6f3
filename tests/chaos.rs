//! Chaos suite: the real binary against the simulator with injected faults, one test per fault
//! mode. Each asserts the resilience behaviour from the simulator's journal (what reached
//! "Central", and when) and that the server still answers afterwards.

mod common;

use std::time::Duration;

use aruba_noc_mcp::simulator::{FaultSpec, JournalEntry, SimulatorConfig, SimulatorHandle};
use common::*;
use rmcp::service::{RoleClient, RunningService};
use serde_json::json;

const TOOL: &str = "get_sites_health";

fn faults(spec: &str) -> FaultSpec {
    spec.parse()
        .unwrap_or_else(|e| panic!("fault spec {spec:?}: {e}"))
}

/// API requests whose path is the sites-health listing.
fn sites_requests(sim: &SimulatorHandle) -> Vec<JournalEntry> {
    api_requests(sim)
        .into_iter()
        .filter(|e| e.path.ends_with("/sites-health"))
        .collect()
}

/// Calls the tool and returns (is_error, text).
async fn sites_health(client: &RunningService<RoleClient, ()>) -> (bool, String) {
    let result = call(client, TOOL, json!({})).await;
    (result.is_error == Some(true), text(&result))
}

/// After the chaos: faults cleared, the same session answers normally.
async fn still_answers(sim: &SimulatorHandle, client: &RunningService<RoleClient, ()>) {
    sim.clear_faults();
    let (failed, text) = sites_health(client).await;
    assert!(!failed, "the server no longer answers: {text}");
}

fn gap_ms(earlier: &JournalEntry, later: &JournalEntry) -> u64 {
    later.at_unix_ms.saturating_sub(earlier.at_unix_ms)
}

#[tokio::test]
async fn fifty_concurrent_calls_across_a_token_expiry_make_one_token_request() {
    let sim = simulator_with(SimulatorConfig {
        token_lifetime: Duration::from_secs(3),
        ..SimulatorConfig::default()
    });
    let client = session(&sim, &[("ARUBA_RATE_LIMIT_REQUESTS", "1000")]).await;
    assert!(!sites_health(&client).await.0);
    assert_eq!(token_requests(&sim).len(), 1);
    // Let the token expire on both sides.
    tokio::time::sleep(Duration::from_millis(3300)).await;
    sim.clear_journal();

    let calls = (0..50).map(|_| sites_health(&client));
    let results = futures_join_all(calls).await;
    for (failed, text) in &results {
        assert!(!failed, "{text}");
    }
    assert_eq!(token_requests(&sim).len(), 1, "single-flight refresh");
    assert_eq!(sites_requests(&sim).len(), 50);
    assert!(
        sites_requests(&sim).iter().all(|e| e.status == 200),
        "no request went out with the expired token"
    );
}

#[tokio::test]
async fn a_burst_of_401s_for_one_token_causes_one_renewal() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_RATE_LIMIT_REQUESTS", "1000")]).await;
    assert!(!sites_health(&client).await.0);
    sim.clear_journal();
    // The current token is revoked: every request carrying it gets 401.
    sim.set_faults(faults("unauthorized-once"));
    let results = futures_join_all((0..20).map(|_| sites_health(&client))).await;
    for (failed, text) in &results {
        assert!(!failed, "{text}");
    }
    assert_eq!(token_requests(&sim).len(), 1, "one renewal for the burst");
    let unauthorized = sites_requests(&sim)
        .iter()
        .filter(|e| e.status == 401)
        .count();
    assert!(unauthorized >= 1, "the fault was injected");
    assert_eq!(
        sites_requests(&sim).len(),
        20 + unauthorized,
        "each 401 replayed once"
    );
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn eight_concurrent_calls_when_the_open_timeout_elapses_send_one_probe() {
    let sim = simulator();
    let client = session(
        &sim,
        &[
            ("ARUBA_CIRCUIT_BREAKER_THRESHOLD", "2"),
            ("ARUBA_CIRCUIT_BREAKER_TIMEOUT", "1"),
        ],
    )
    .await;
    sim.set_faults(faults("error=503"));
    let (failed, text) = sites_health(&client).await;
    assert!(failed);
    assert!(
        text.contains("HTTP 503") && text.contains("gave up after 2 attempts"),
        "Central's failure is reported, not the breaker that stopped the third attempt: {text}"
    );
    assert_eq!(
        sites_requests(&sim).len(),
        2,
        "two failures opened the breaker; the third attempt was not sent"
    );
    // While open: rejected at once, nothing sent.
    sim.clear_journal();
    let (failed, text) = sites_health(&client).await;
    assert!(failed && text.contains("next attempt allowed in"), "{text}");
    assert!(sites_requests(&sim).is_empty());

    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Central recovered but is slow, so the probe is still in flight when the others arrive.
    sim.set_faults(faults("latency=800"));
    sim.clear_journal();
    let results = futures_join_all((0..8).map(|_| sites_health(&client))).await;
    assert_eq!(
        sites_requests(&sim).len(),
        1,
        "exactly one probe reached Central"
    );
    let succeeded = results.iter().filter(|(failed, _)| !failed).count();
    assert_eq!(succeeded, 1, "{results:?}");
    for (_, text) in results.iter().filter(|(failed, _)| *failed) {
        assert!(text.contains("half-open"), "{text}");
    }
    // The probe succeeded: the breaker is closed again.
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn a_failed_probe_reopens_the_breaker() {
    let sim = simulator();
    let client = session(
        &sim,
        &[
            ("ARUBA_CIRCUIT_BREAKER_THRESHOLD", "1"),
            ("ARUBA_CIRCUIT_BREAKER_TIMEOUT", "1"),
        ],
    )
    .await;
    sim.set_faults(faults("error=500"));
    assert!(sites_health(&client).await.0);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    sim.clear_journal();
    let (failed, text) = sites_health(&client).await;
    assert!(
        failed && text.contains("HTTP 500"),
        "the probe went out: {text}"
    );
    assert_eq!(sites_requests(&sim).len(), 1);
    let (failed, text) = sites_health(&client).await;
    assert!(failed && text.contains("circuit breaker is open"), "{text}");
    assert_eq!(
        sites_requests(&sim).len(),
        1,
        "re-opened: nothing more sent"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn retry_after_is_honoured_before_the_next_request() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    sim.set_faults(faults("rate-limit=2#1"));
    let (failed, text) = sites_health(&client).await;
    assert!(!failed, "the retry after the 429 succeeds: {text}");
    let requests = sites_requests(&sim);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].status, 429);
    assert!(
        gap_ms(&requests[0], &requests[1]) >= 2000,
        "next request only {} ms after the 429",
        gap_ms(&requests[0], &requests[1])
    );
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn a_429_pauses_every_caller_until_x_ratelimit_reset() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    sim.set_faults(faults("rate-limit-reset=2#1"));
    let (failed, text) = sites_health(&client).await;
    assert!(!failed, "{text}");
    let requests = sites_requests(&sim);
    assert_eq!(requests.len(), 2);
    // The reset time has whole-second precision: at least one second passes.
    assert!(
        gap_ms(&requests[0], &requests[1]) >= 1000,
        "{} ms",
        gap_ms(&requests[0], &requests[1])
    );
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn transient_5xx_are_retried_with_backoff() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    sim.set_faults(faults("error=503#2"));
    let (failed, text) = sites_health(&client).await;
    assert!(!failed, "third attempt succeeds: {text}");
    let statuses: Vec<u16> = sites_requests(&sim).iter().map(|e| e.status).collect();
    assert_eq!(statuses, [503, 503, 200]);
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn a_5xx_storm_gives_up_after_three_attempts_with_centrals_error() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    sim.set_faults(faults("error=502"));
    let (failed, text) = sites_health(&client).await;
    assert!(failed);
    assert!(text.contains("HTTP 502"), "{text}");
    assert!(
        text.contains("debugId"),
        "Central's debugId is reported: {text}"
    );
    assert!(text.contains("gave up after 3 attempts"), "{text}");
    assert_eq!(sites_requests(&sim).len(), 3);
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn a_500_is_not_retried() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    sim.set_faults(faults("error=500#1"));
    let (failed, text) = sites_health(&client).await;
    assert!(failed && text.contains("HTTP 500"), "{text}");
    assert_eq!(sites_requests(&sim).len(), 1);
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn a_partial_5xx_ratio_is_absorbed_by_retries() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_CIRCUIT_BREAKER_THRESHOLD", "50")]).await;
    sim.set_faults(faults("error=503:0.3"));
    let mut failures = 0;
    for _ in 0..20 {
        if sites_health(&client).await.0 {
            failures += 1;
        }
    }
    let requests = sites_requests(&sim);
    let injected = requests.iter().filter(|e| e.status == 503).count();
    assert!(injected > 0, "the ratio injected some 503s");
    assert!(requests.len() > 20, "some calls were retried");
    assert!(
        failures <= 2,
        "{failures} of 20 calls failed at a 30% error ratio"
    );
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn latency_below_the_timeout_is_only_slower() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    sim.set_faults(faults("latency=300"));
    let started = std::time::Instant::now();
    let (failed, text) = sites_health(&client).await;
    assert!(!failed, "{text}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(sites_requests(&sim).len(), 1);
}

#[tokio::test]
async fn a_stall_longer_than_the_timeout_is_cut_and_retried() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_API_TIMEOUT", "1")]).await;
    sim.set_faults(faults("stall=4000#1"));
    let (failed, text) = sites_health(&client).await;
    assert!(!failed, "the retry succeeds: {text}");
    let requests = sites_requests(&sim);
    assert_eq!(requests.len(), 2);
    assert!(
        gap_ms(&requests[0], &requests[1]) >= 1000,
        "timed out first"
    );
    assert!(
        gap_ms(&requests[0], &requests[1]) < 4000,
        "did not wait out the stall"
    );
}

#[tokio::test]
async fn a_stall_past_the_deadline_reports_the_deadline() {
    let sim = simulator();
    let client = session(
        &sim,
        &[("ARUBA_API_TIMEOUT", "5"), ("ARUBA_CALL_DEADLINE", "2")],
    )
    .await;
    sim.set_faults(faults("stall=6000#1"));
    let started = std::time::Instant::now();
    let (failed, text) = sites_health(&client).await;
    assert!(failed);
    assert!(text.contains("call deadline of 2 s"), "{text}");
    assert!(
        started.elapsed() < Duration::from_millis(4500),
        "the deadline bounded the call"
    );
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn a_connection_reset_is_retried() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    sim.set_faults(faults("reset#1"));
    let (failed, text) = sites_health(&client).await;
    assert!(!failed, "{text}");
    assert_eq!(sites_requests(&sim).len(), 2);
}

#[tokio::test]
async fn a_truncated_body_is_retried() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    sim.set_faults(faults("truncate#1"));
    let (failed, text) = sites_health(&client).await;
    assert!(!failed, "{text}");
    assert_eq!(sites_requests(&sim).len(), 2);
}

#[tokio::test]
async fn a_non_json_body_is_reported_not_retried() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    sim.set_faults(faults("garbage#1"));
    let (failed, text) = sites_health(&client).await;
    assert!(failed && text.contains("not JSON"), "{text}");
    assert_eq!(sites_requests(&sim).len(), 1);
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn an_oversized_body_is_cut_at_the_cap() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_MAX_RESPONSE_BYTES", "65536")]).await;
    sim.set_faults(faults("oversize=1000000#1"));
    let (failed, text) = sites_health(&client).await;
    assert!(failed && text.contains("larger than 65536 bytes"), "{text}");
    assert_eq!(sites_requests(&sim).len(), 1);
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn a_down_token_endpoint_is_reported_as_such_and_sends_nothing() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    sim.set_faults(faults("token-down"));
    let (failed, text) = sites_health(&client).await;
    assert!(failed);
    assert!(text.contains("getting an access token"), "{text}");
    assert!(text.contains("HTTP 503"), "{text}");
    assert!(sites_requests(&sim).is_empty());
    assert!(!token_requests(&sim).is_empty());
    still_answers(&sim, &client).await;
}

#[tokio::test]
async fn tokens_that_expire_early_are_renewed() {
    let sim = simulator();
    sim.set_faults(faults("token-expiry=2"));
    let client = session(&sim, &[]).await;
    assert!(!sites_health(&client).await.0);
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let (failed, text) = sites_health(&client).await;
    assert!(!failed, "{text}");
    assert_eq!(token_requests(&sim).len(), 2);
}

#[tokio::test]
async fn the_client_side_limit_fails_fast_before_the_deadline() {
    let sim = simulator();
    let client = session(
        &sim,
        &[
            ("ARUBA_RATE_LIMIT_REQUESTS", "2"),
            ("ARUBA_RATE_LIMIT_WINDOW", "60"),
            ("ARUBA_CALL_DEADLINE", "5"),
        ],
    )
    .await;
    assert!(!sites_health(&client).await.0);
    assert!(!sites_health(&client).await.0);
    let started = std::time::Instant::now();
    let (failed, text) = sites_health(&client).await;
    assert!(failed && text.contains("client-side rate limit"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "failed at once instead of waiting"
    );
    assert_eq!(sites_requests(&sim).len(), 2);
}
