//! Fault injection of the built-in Central simulator, over real loopback HTTP: one test per
//! mode (status, headers, body, connection behaviour, journal entry), plus `#N` spending,
//! `@prefix` scoping, ratio determinism and the `/_simulator/faults` admin routes.
#![cfg(feature = "simulator")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime};

use aruba_noc_mcp::simulator::{
    FaultSpec, JournalEntry, Simulator, SimulatorConfig, SimulatorHandle,
};
use serde_json::Value;

const APS: &str = "/network-monitoring/v1/aps";
const SITES: &str = "/network-monitoring/v1/sites-health";

fn spec(text: &str) -> FaultSpec {
    text.parse().expect("valid fault spec")
}

fn start_with(faults: &str, seed: u64) -> SimulatorHandle {
    let config = SimulatorConfig {
        seed,
        faults: spec(faults),
        ..SimulatorConfig::default()
    };
    Simulator::start("127.0.0.1:0".parse().expect("addr"), config).expect("simulator starts")
}

fn start(faults: &str) -> SimulatorHandle {
    start_with(faults, 42)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .new_agent()
}

struct Reply {
    status: u16,
    json: Value,
    text: String,
    headers: ureq::http::HeaderMap,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn reply(resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut resp = resp.expect("request succeeds at the transport level");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp
        .body_mut()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_string()
        .expect("body readable");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        json,
        text,
        headers,
    }
}

fn token_reply(agent: &ureq::Agent, sim: &SimulatorHandle) -> Reply {
    reply(agent.post(sim.token_url()).send_form([
        ("grant_type", "client_credentials"),
        ("client_id", sim.client_id()),
        ("client_secret", sim.client_secret()),
    ]))
}

fn token(agent: &ureq::Agent, sim: &SimulatorHandle) -> String {
    let r = token_reply(agent, sim);
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

fn get(agent: &ureq::Agent, sim: &SimulatorHandle, path: &str, token: &str) -> Reply {
    reply(
        agent
            .get(format!("{}{}", sim.base_url(), path))
            .header("Authorization", format!("Bearer {token}"))
            .call(),
    )
}

fn last_entry(sim: &SimulatorHandle) -> JournalEntry {
    sim.journal().pop().expect("a journal entry")
}

fn assert_envelope(r: &Reply, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json["httpStatusCode"], status, "{}", r.text);
    assert_eq!(r.json["errorCode"], code, "{}", r.text);
    assert!(r.json["message"].as_str().is_some_and(|m| !m.is_empty()));
    let debug_id = r.json["debugId"].as_str().expect("debugId");
    assert_eq!(debug_id.len(), 32);
}

/// What a raw HTTP/1.1 GET got back before the server closed the connection.
struct Raw {
    bytes: Vec<u8>,
    /// The read ended with an error (e.g. connection reset) rather than a clean EOF.
    error: Option<std::io::ErrorKind>,
    elapsed: Duration,
}

fn raw_get(sim: &SimulatorHandle, path: &str, token: &str) -> Raw {
    let mut stream = TcpStream::connect(sim.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let started = Instant::now();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Accept: application/json\r\n\r\n"
    )
    .expect("send request");
    let mut bytes = Vec::new();
    let mut buf = [0u8; 8192];
    let mut error = None;
    // Bounded: the server closes the connection (or the 5 s read timeout ends the loop).
    for _ in 0..10_000 {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) => {
                error = Some(e.kind());
                break;
            }
        }
    }
    Raw {
        bytes,
        error,
        elapsed: started.elapsed(),
    }
}

// === error ===

#[test]
fn error_answers_the_central_envelope() {
    let sim = start("error=503");
    let agent = agent();
    let tok = token(&agent, &sim);
    let r = get(&agent, &sim, APS, &tok);
    assert_envelope(&r, 503, "HPE_GL_ERROR_SERVICE_UNAVAILABLE");
    assert!(r.header("x-ratelimit-limit").is_some());
    let e = last_entry(&sim);
    assert_eq!((e.path.as_str(), e.status), (APS, 503));
    assert_eq!(e.fault.as_deref(), Some("error=503"));
    // The token endpoint is outside the default scope.
    let journal = sim.journal();
    assert_eq!(journal[0].status, 200);
    assert_eq!(journal[0].fault, None);
}

#[test]
fn error_ratio_is_deterministic_for_a_seed() {
    let statuses = |seed: u64| {
        let sim = start_with("error=500:0.5", seed);
        let agent = agent();
        let tok = token(&agent, &sim);
        (0..40)
            .map(|_| get(&agent, &sim, SITES, &tok).status)
            .collect::<Vec<_>>()
    };
    let a = statuses(7);
    assert_eq!(a, statuses(7));
    let failed = a.iter().filter(|s| **s == 500).count();
    assert!((8..=32).contains(&failed), "{failed} of 40 failed");
    assert!(a.iter().all(|s| *s == 500 || *s == 200));
    assert_ne!(a, statuses(8));
}

// === rate limits ===

#[test]
fn rate_limit_sends_retry_after_and_rate_headers() {
    let sim = start("rate-limit=7");
    let agent = agent();
    let tok = token(&agent, &sim);
    let r = get(&agent, &sim, APS, &tok);
    assert_envelope(&r, 429, "HPE_GL_ERROR_TOO_MANY_REQUESTS");
    assert_eq!(r.header("retry-after"), Some("7"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert!(
        r.header("x-ratelimit-limit")
            .is_some_and(|v| v.parse::<u64>().is_ok())
    );
    let reset = humantime::parse_rfc3339(r.header("x-ratelimit-reset").expect("reset"))
        .expect("RFC 3339 reset");
    let ahead = reset
        .duration_since(SystemTime::now())
        .expect("reset in the future");
    assert!(ahead <= Duration::from_secs(8), "{ahead:?}");
    assert_eq!(last_entry(&sim).fault.as_deref(), Some("rate-limit=7"));
}

#[test]
fn rate_limit_reset_sends_only_the_reset_header() {
    let sim = start("rate-limit-reset=30");
    let agent = agent();
    let tok = token(&agent, &sim);
    let r = get(&agent, &sim, APS, &tok);
    assert_envelope(&r, 429, "HPE_GL_ERROR_TOO_MANY_REQUESTS");
    assert_eq!(r.header("retry-after"), None);
    assert_eq!(r.header("x-ratelimit-limit"), None);
    assert_eq!(r.header("x-ratelimit-remaining"), None);
    let text = r.header("x-ratelimit-reset").expect("reset header");
    assert_eq!(text.len(), 20, "{text}");
    let reset = humantime::parse_rfc3339(text).expect("RFC 3339 reset");
    let ahead = reset
        .duration_since(SystemTime::now())
        .expect("reset in the future");
    assert!(
        ahead > Duration::from_secs(28) && ahead <= Duration::from_secs(31),
        "{ahead:?}"
    );
    assert_eq!(
        last_entry(&sim).fault.as_deref(),
        Some("rate-limit-reset=30")
    );
}

// === timing and connection faults ===

#[test]
fn latency_delays_the_normal_answer() {
    let sim = start("latency=150");
    let agent = agent();
    let tok = token(&agent, &sim);
    let started = Instant::now();
    let r = get(&agent, &sim, SITES, &tok);
    let elapsed = started.elapsed();
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json["items"].is_array());
    assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
    let e = last_entry(&sim);
    assert_eq!((e.status, e.fault.as_deref()), (200, Some("latency=150")));
}

#[test]
fn stall_sends_nothing_then_closes() {
    let sim = start("stall=300");
    let agent = agent();
    let tok = token(&agent, &sim);
    // A client with a shorter timeout gives up.
    let short = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_millis(100)))
        .build()
        .new_agent();
    let timed_out = short
        .get(format!("{}{}", sim.base_url(), APS))
        .header("Authorization", format!("Bearer {tok}"))
        .call();
    assert!(timed_out.is_err(), "a stalled request must time out");
    // On a raw socket: silence for the whole stall, then the connection closes.
    let raw = raw_get(&sim, APS, &tok);
    assert!(
        raw.bytes.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&raw.bytes)
    );
    assert!(
        raw.elapsed >= Duration::from_millis(290),
        "{:?}",
        raw.elapsed
    );
    assert!(raw.elapsed < Duration::from_secs(4), "{:?}", raw.elapsed);
    let journal = sim.journal();
    let stalled: Vec<_> = journal.iter().filter(|e| e.path == APS).collect();
    assert_eq!(stalled.len(), 2);
    for e in stalled {
        assert_eq!((e.status, e.fault.as_deref()), (0, Some("stall=300")));
        assert!(e.at_unix_ms > 0);
    }
}

#[test]
fn reset_closes_without_a_status_line() {
    let sim = start("reset");
    let agent = agent();
    let tok = token(&agent, &sim);
    let raw = raw_get(&sim, APS, &tok);
    assert!(
        raw.bytes.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&raw.bytes)
    );
    assert!(raw.elapsed < Duration::from_secs(2), "{:?}", raw.elapsed);
    if let Some(kind) = raw.error {
        assert_eq!(kind, std::io::ErrorKind::ConnectionReset);
    }
    assert!(
        agent
            .get(format!("{}{}", sim.base_url(), APS))
            .header("Authorization", format!("Bearer {tok}"))
            .call()
            .is_err()
    );
    let e = last_entry(&sim);
    assert_eq!((e.status, e.fault.as_deref()), (0, Some("reset")));
}

#[test]
fn truncate_sends_less_body_than_declared() {
    let sim = start("truncate");
    let agent = agent();
    let tok = token(&agent, &sim);
    let raw = raw_get(&sim, SITES, &tok);
    let text = String::from_utf8_lossy(&raw.bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("headers then body");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let declared: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().expect("length"))
        })
        .expect("content-length");
    assert!(!body.is_empty());
    assert!(body.len() < declared, "{} of {declared}", body.len());
    assert!(body.starts_with('{'));
    assert!(serde_json::from_str::<Value>(body).is_err());
    // A client reading the body sees the failure.
    let resp = agent
        .get(format!("{}{}", sim.base_url(), SITES))
        .header("Authorization", format!("Bearer {tok}"))
        .call();
    if let Ok(mut resp) = resp {
        assert!(resp.body_mut().read_to_string().is_err());
    }
    let e = last_entry(&sim);
    assert_eq!((e.status, e.fault.as_deref()), (200, Some("truncate")));
}

// === bad bodies ===

#[test]
fn garbage_is_an_html_page() {
    let sim = start("garbage");
    let agent = agent();
    let tok = token(&agent, &sim);
    let r = get(&agent, &sim, APS, &tok);
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    assert!(r.text.contains("<html>"));
    assert!(serde_json::from_str::<Value>(&r.text).is_err());
    assert_eq!(last_entry(&sim).fault.as_deref(), Some("garbage"));
}

#[test]
fn oversize_is_large_valid_json() {
    let sim = start("oversize=300000");
    let agent = agent();
    let tok = token(&agent, &sim);
    let r = get(&agent, &sim, APS, &tok);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.text.len() >= 300_000, "{}", r.text.len());
    assert!(r.json.is_object(), "valid JSON");
    assert_eq!(last_entry(&sim).fault.as_deref(), Some("oversize=300000"));
}

// === token faults ===

#[test]
fn token_down_fails_the_token_endpoint_only() {
    let sim = start("token-down#1");
    let agent = agent();
    let down = token_reply(&agent, &sim);
    assert_eq!(down.status, 503, "{}", down.text);
    assert_eq!(down.json["error"], "temporarily_unavailable");
    assert_eq!(last_entry(&sim).fault.as_deref(), Some("token-down=503"));
    let tok = token(&agent, &sim);
    assert_eq!(get(&agent, &sim, APS, &tok).status, 200);
    sim.set_faults(spec("token-down=500"));
    assert_eq!(token_reply(&agent, &sim).status, 500);
    assert_eq!(get(&agent, &sim, APS, &tok).status, 200);
}

#[test]
fn token_expiry_shortens_new_tokens() {
    let sim = start("");
    let agent = agent();
    let long = token(&agent, &sim);
    sim.set_faults(spec("token-expiry=1"));
    let r = token_reply(&agent, &sim);
    assert_eq!(r.json["expires_in"], 1);
    assert_eq!(last_entry(&sim).fault.as_deref(), Some("token-expiry=1"));
    let short = r.json["access_token"].as_str().expect("token").to_string();
    assert_eq!(get(&agent, &sim, APS, &short).status, 200);
    std::thread::sleep(Duration::from_millis(1100));
    let expired = get(&agent, &sim, APS, &short);
    assert_envelope(&expired, 401, "HPE_GL_ERROR_UNAUTHORIZED");
    // Tokens issued before the fault keep their lifetime.
    assert_eq!(get(&agent, &sim, APS, &long).status, 200);
}

#[test]
fn unauthorized_once_revokes_the_token() {
    let sim = start("");
    let agent = agent();
    let first = token(&agent, &sim);
    assert_eq!(get(&agent, &sim, APS, &first).status, 200);
    sim.set_faults(spec("unauthorized-once"));
    // A request without a valid token does not spend the rule.
    assert_eq!(get(&agent, &sim, APS, "not-a-token").status, 401);
    assert_eq!(last_entry(&sim).fault, None);
    let r = get(&agent, &sim, APS, &first);
    assert_envelope(&r, 401, "HPE_GL_ERROR_UNAUTHORIZED");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    assert_eq!(last_entry(&sim).fault.as_deref(), Some("unauthorized-once"));
    // The token stays rejected, without a fault.
    assert_eq!(get(&agent, &sim, APS, &first).status, 401);
    assert_eq!(last_entry(&sim).fault, None);
    let fresh = token(&agent, &sim);
    assert_eq!(get(&agent, &sim, APS, &fresh).status, 200);
}

// === rule selection ===

#[test]
fn limit_spends_the_rule() {
    let sim = start("error=500#2,error=502#1");
    let agent = agent();
    let tok = token(&agent, &sim);
    let statuses: Vec<u16> = (0..5)
        .map(|_| get(&agent, &sim, APS, &tok).status)
        .collect();
    assert_eq!(statuses, vec![500, 500, 502, 200, 200]);
    let faults: Vec<Option<String>> = sim
        .journal()
        .into_iter()
        .filter(|e| e.path == APS)
        .map(|e| e.fault)
        .collect();
    assert_eq!(
        faults,
        vec![
            Some("error=500".to_string()),
            Some("error=500".to_string()),
            Some("error=502".to_string()),
            None,
            None
        ]
    );
    let status = reply(
        agent
            .get(format!("{}/_simulator/faults", sim.base_url()))
            .call(),
    );
    assert_eq!(status.json["rules"][0]["remaining"], 0);
    assert_eq!(status.json["rules"][0]["hits"], 2);
    assert_eq!(status.json["rules"][1]["remaining"], 0);
}

#[test]
fn prefix_scopes_the_rule() {
    let sim = start("error=502@/network-monitoring/v1/aps,latency=1@/as/token.oauth2");
    let agent = agent();
    let tok = token(&agent, &sim);
    assert_eq!(
        sim.journal()[0].fault.as_deref(),
        Some("latency=1"),
        "an explicit prefix can reach the token endpoint"
    );
    assert_eq!(get(&agent, &sim, APS, &tok).status, 502);
    assert_eq!(
        get(&agent, &sim, &format!("{APS}/SN-NOPE"), &tok).status,
        502
    );
    assert_eq!(get(&agent, &sim, SITES, &tok).status, 200);
    assert_eq!(last_entry(&sim).fault, None);
}

#[test]
fn journal_keeps_arrival_times_of_faulted_requests() {
    let sim = start("latency=100#1,reset#1");
    let agent = agent();
    let tok = token(&agent, &sim);
    let before = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64;
    assert_eq!(get(&agent, &sim, SITES, &tok).status, 200);
    let raw = raw_get(&sim, SITES, &tok);
    assert!(raw.bytes.is_empty());
    let entries: Vec<JournalEntry> = sim
        .journal()
        .into_iter()
        .filter(|e| e.path == SITES)
        .collect();
    assert_eq!(entries.len(), 2);
    // The delayed request is stamped on arrival, before its 100 ms delay.
    assert!(entries[0].at_unix_ms >= before && entries[0].at_unix_ms < before + 90);
    assert!(entries[1].at_unix_ms >= entries[0].at_unix_ms + 100);
    assert_eq!(entries[1].fault.as_deref(), Some("reset"));
}

// === control ===

#[test]
fn admin_routes_put_get_delete() {
    let sim = start("");
    let agent = agent();
    let url = format!("{}/_simulator/faults", sim.base_url());
    let empty = reply(agent.get(&url).call());
    assert_eq!(empty.json["spec"], "");
    assert_eq!(empty.json["rules"], Value::Array(vec![]));

    let bad = reply(agent.put(&url).send("error=200"));
    assert_eq!(bad.status, 400, "{}", bad.text);
    let message = bad.json["message"].as_str().expect("message");
    assert!(
        message.contains("error=200") && message.contains("400 to 599"),
        "{message}"
    );
    assert_eq!(sim.faults(), "");

    let put = reply(
        agent
            .put(&url)
            .send(" error=503:0.5#3 , reset@/network-monitoring/v1/clients"),
    );
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(
        put.json["spec"],
        "error=503:0.5#3,reset@/network-monitoring/v1/clients"
    );
    let got = reply(agent.get(&url).call());
    assert_eq!(got.json["rules"][0]["remaining"], 3);
    assert_eq!(got.json["rules"][0]["hits"], 0);
    assert_eq!(
        got.json["rules"][1]["scope"],
        "/network-monitoring/v1/clients"
    );
    assert_eq!(got.json["rules"][1]["remaining"], Value::Null);
    assert_eq!(
        sim.faults(),
        "error=503:0.5#3,reset@/network-monitoring/v1/clients"
    );

    let del = reply(agent.delete(&url).call());
    assert_eq!(del.status, 204);
    assert_eq!(sim.faults(), "");
    // Admin calls are never journaled nor faulted.
    sim.set_faults(spec("reset"));
    assert_eq!(reply(agent.get(&url).call()).json["spec"], "reset");
    sim.clear_faults();
    assert_eq!(sim.faults(), "");
    assert!(sim.journal().is_empty());
}
