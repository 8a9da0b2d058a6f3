//! The monitoring listener over the real binary and real loopback HTTP: every metric of the
//! monitoring plan with its type and the values scripted scenarios must produce (successes, a
//! 429, a 5xx storm that opens the breaker, its recovery, token renewals and failures),
//! `/readyz` and `/healthz`, bearer auth, TLS with a rustls client, a port already in use,
//! correlation ids on every log line of a call, and no secret anywhere.

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::net::TcpListener;
use std::process::Stdio;
use std::time::Duration;

use aruba_noc_mcp::simulator::{FaultSpec, SimulatorHandle};
use common::*;
use rmcp::service::{RoleClient, RunningService};
use serde_json::{Value, json};

/// The monitoring plan's metrics (§1.1–1.5) and the Prometheus type each must have.
const PLAN_METRICS: &[(&str, &str)] = &[
    ("api_calls_total", "counter"),
    ("api_calls_success", "counter"),
    ("api_calls_failure", "counter"),
    ("api_call_duration_seconds", "histogram"),
    ("api_retries_total", "counter"),
    ("oauth2_token_refreshes_total", "counter"),
    ("oauth2_token_refresh_failures", "counter"),
    ("oauth2_token_refresh_duration_seconds", "histogram"),
    ("oauth2_concurrent_refresh_prevented", "counter"),
    ("token_expiry_buffer_seconds", "gauge"),
    ("circuit_breaker_state", "gauge"),
    ("circuit_breaker_failures", "counter"),
    ("circuit_breaker_opens_total", "counter"),
    ("circuit_breaker_half_open_success", "counter"),
    ("circuit_breaker_half_open_failure", "counter"),
    ("rate_limiter_tokens_available", "gauge"),
    ("rate_limiter_wait_time_seconds", "histogram"),
    ("rate_limiter_throttled_requests", "counter"),
    ("health_check_status", "gauge"),
    ("health_check_dependencies_up", "gauge"),
    // Additions.
    ("aruba_noc_mcp_build_info", "gauge"),
    ("aruba_central_up", "gauge"),
    ("mcp_tool_calls_total", "counter"),
    ("mcp_tool_call_duration_seconds", "histogram"),
    ("process_resident_memory_bytes", "gauge"),
    ("process_cpu_seconds_total", "counter"),
    ("process_open_fds", "gauge"),
    ("process_start_time_seconds", "gauge"),
];

const DEVICES: &str = "/network-monitoring/v1/devices";
const SITES_HEALTH: &str = "/network-monitoring/v1/sites-health";

/// A server with its metrics listener on a free port, stderr captured.
struct Server {
    client: RunningService<RoleClient, ()>,
    base: String,
    stderr: tokio::task::JoinHandle<String>,
}

impl Server {
    async fn start(sim: &SimulatorHandle, extra: &[(&str, &str)]) -> Server {
        Self::start_on(sim, &format!("127.0.0.1:{}", free_port()), extra).await
    }

    async fn start_on(sim: &SimulatorHandle, addr: &str, extra: &[(&str, &str)]) -> Server {
        let mut env = env_for(sim);
        env.retain(|(k, _)| k != "ARUBA_METRICS_ADDR" && k != "ARUBA_LOG");
        env.push(("ARUBA_METRICS_ADDR".into(), addr.into()));
        env.push(("ARUBA_LOG".into(), "info".into()));
        for (k, v) in extra {
            env.retain(|(key, _)| key != k);
            env.push(((*k).into(), (*v).into()));
        }
        let LoggedServer { client, stderr, .. } = spawn_logged(&env).await;
        Server {
            client,
            base: format!("http://{addr}"),
            stderr,
        }
    }

    /// Ends the session and returns everything the server logged.
    async fn stop(self) -> String {
        self.client.cancel().await.unwrap();
        self.stderr.await.unwrap()
    }
}

/// A plain HTTP agent that reports every status as a response.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

/// GET `url` with an optional bearer token: (status, headers of interest, body).
fn get(
    agent: &ureq::Agent,
    url: &str,
    token: Option<&str>,
) -> (u16, HashMap<String, String>, String) {
    let mut request = agent.get(url);
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let mut response = request.call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = response.body_mut().read_to_string().unwrap();
    (status, headers, body)
}

/// Waits (bounded) until the listener answers `/healthz`.
fn wait_for_listener(agent: &ureq::Agent, base: &str, token: Option<&str>) {
    for _ in 0..100 {
        if let Ok(r) = {
            let mut req = agent.get(format!("{base}/healthz"));
            if let Some(t) = token {
                req = req.header("Authorization", &format!("Bearer {t}"));
            }
            req.call()
        } && r.status().as_u16() == 200
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the metrics listener at {base} never answered");
}

/// One scrape: sample values by `name{labels}` and types by family name.
struct Scrape {
    samples: HashMap<String, f64>,
    types: HashMap<String, String>,
    helps: HashMap<String, String>,
    text: String,
}

impl Scrape {
    fn parse(text: &str) -> Scrape {
        let mut samples = HashMap::new();
        let mut types = HashMap::new();
        let mut helps = HashMap::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                types.insert(name.to_string(), kind.to_string());
            } else if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, help) = rest.split_once(' ').unwrap();
                helps.insert(name.to_string(), help.to_string());
            } else if !line.starts_with('#') {
                let (series, value) = line.rsplit_once(' ').unwrap();
                samples.insert(series.to_string(), value.parse().unwrap());
            }
        }
        Scrape {
            samples,
            types,
            helps,
            text: text.to_string(),
        }
    }

    fn take(base: &str) -> Scrape {
        let (status, headers, body) = get(&agent(), &format!("{base}/metrics"), None);
        assert_eq!(status, 200);
        assert!(headers["content-type"].starts_with("text/plain; version=0.0.4"));
        Scrape::parse(&body)
    }

    /// The value of `series` (e.g. `name{a="b"}`), which must exist.
    fn value(&self, series: &str) -> f64 {
        *self
            .samples
            .get(series)
            .unwrap_or_else(|| panic!("no series {series} in\n{}", self.text))
    }

    fn api(&self, metric: &str, endpoint: &str, extra: &str) -> f64 {
        self.value(&format!(
            "{metric}{{endpoint=\"{endpoint}\",method=\"GET\"{extra}}}"
        ))
    }
}

#[tokio::test]
async fn every_plan_metric_has_its_type_help_and_the_scripted_values() {
    let sim = simulator();
    let server = Server::start(
        &sim,
        &[
            ("ARUBA_CIRCUIT_BREAKER_THRESHOLD", "2"),
            ("ARUBA_CIRCUIT_BREAKER_TIMEOUT", "1"),
        ],
    )
    .await;
    let base = server.base.clone();
    wait_for_listener(&agent(), &base, None);

    // A fresh process: alert series exist at 0 before anything happened.
    let fresh = Scrape::take(&base);
    assert_eq!(fresh.value("oauth2_token_refresh_failures"), 0.0);
    assert_eq!(fresh.value("circuit_breaker_opens_total"), 0.0);
    assert_eq!(fresh.api("api_calls_total", DEVICES, ""), 0.0);
    assert_eq!(fresh.value("rate_limiter_tokens_available"), 100.0);
    assert_eq!(fresh.value("rate_limiter_capacity"), 100.0);
    assert_eq!(fresh.value("token_expiry_buffer_seconds"), 0.0);
    assert_eq!(
        fresh.value("mcp_tool_calls_total{tool=\"get_device_list\",outcome=\"error\"}"),
        0.0
    );

    // Successes.
    for _ in 0..3 {
        let r = call(&server.client, "get_device_list", json!({"limit": 5})).await;
        assert_ne!(r.is_error, Some(true), "{}", text(&r));
    }
    let s = Scrape::take(&base);
    assert_eq!(s.api("api_calls_total", DEVICES, ""), 3.0);
    assert_eq!(s.api("api_calls_success", DEVICES, ""), 3.0);
    assert_eq!(s.api("api_call_duration_seconds_count", DEVICES, ""), 3.0);
    assert_eq!(
        s.api("api_call_duration_seconds_bucket", DEVICES, ",le=\"+Inf\""),
        3.0
    );
    assert_eq!(s.value("oauth2_token_refreshes_total"), 1.0);
    assert_eq!(s.value("oauth2_token_refresh_duration_seconds_count"), 1.0);
    assert!(s.value("token_expiry_buffer_seconds") > 3000.0);
    assert_eq!(s.value("circuit_breaker_state"), 0.0);
    assert_eq!(s.value("aruba_central_up"), 1.0);
    assert_eq!(s.value("health_check_status"), 1.0);
    assert_eq!(s.value("health_check_dependencies_up"), 1.0);
    assert_eq!(s.value("rate_limiter_throttled_requests"), 0.0);
    let tokens = s.value("rate_limiter_tokens_available");
    assert!((90.0..=98.0).contains(&tokens), "{tokens}");
    assert_eq!(
        s.value("mcp_tool_calls_total{tool=\"get_device_list\",outcome=\"ok\"}"),
        3.0
    );
    assert_eq!(
        s.value("mcp_tool_call_duration_seconds_count{tool=\"get_device_list\"}"),
        3.0
    );
    assert!(s.value("process_resident_memory_bytes") > 1_000_000.0);
    assert!(s.text.contains(&format!(
        "aruba_noc_mcp_build_info{{version=\"{}\",revision=\"",
        env!("CARGO_PKG_VERSION")
    )));
    // Labels are route templates from the catalogue, never filled-in paths.
    let templates: Vec<&str> = aruba_noc_mcp::central::routes::ALL
        .iter()
        .map(|r| r.template)
        .collect();
    for label in s.text.split("endpoint=\"").skip(1) {
        let value = label.split('"').next().unwrap();
        assert!(templates.contains(&value), "endpoint label {value:?}");
    }

    // A 429 with Retry-After: the call waits on the paused limiter and retries.
    sim.set_faults(
        "rate-limit=1@/network-monitoring/v1/sites-health#1"
            .parse::<FaultSpec>()
            .unwrap(),
    );
    let r = call(&server.client, "get_sites_health", json!({})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let s = Scrape::take(&base);
    assert_eq!(
        s.api("api_calls_failure", SITES_HEALTH, ",status_code=\"429\""),
        1.0
    );
    assert_eq!(s.api("api_calls_success", SITES_HEALTH, ""), 1.0);
    assert_eq!(s.api("api_retries_total", SITES_HEALTH, ""), 1.0);
    // The retry waited out Retry-After itself; the paused bucket then had one token ready.
    assert_eq!(s.value("rate_limiter_throttled_requests"), 0.0);

    // A 5xx storm: two failures open the breaker (threshold 2).
    sim.set_faults("error=503".parse::<FaultSpec>().unwrap());
    let r = call(&server.client, "get_device_list", json!({})).await;
    assert_eq!(r.is_error, Some(true));
    let s = Scrape::take(&base);
    assert_eq!(s.value("circuit_breaker_state"), 1.0);
    assert_eq!(s.value("circuit_breaker_opens_total"), 1.0);
    assert_eq!(s.value("circuit_breaker_failures"), 2.0);
    assert_eq!(
        s.api("api_calls_failure", DEVICES, ",status_code=\"503\""),
        2.0
    );
    assert_eq!(s.api("api_calls_total", DEVICES, ""), 5.0);
    assert_eq!(s.value("aruba_central_up"), 0.0);
    assert_eq!(
        s.value("health_check_status"),
        1.0,
        "degraded, not unhealthy"
    );
    assert_eq!(
        s.value("mcp_tool_calls_total{tool=\"get_device_list\",outcome=\"error\"}"),
        1.0
    );
    let (status, _, body) = get(&agent(), &format!("{base}/readyz"), None);
    assert_eq!(status, 503, "{body}");
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["ready"], false);
    assert!(
        ready["reasons"][0]
            .as_str()
            .unwrap()
            .contains("circuit breaker is open")
    );

    // The probe after the open timeout fails once (half-open failure), then Central recovers.
    std::thread::sleep(Duration::from_millis(1100));
    let _ = call(&server.client, "get_device_list", json!({})).await;
    let s = Scrape::take(&base);
    assert_eq!(s.value("circuit_breaker_half_open_failure"), 1.0);
    assert_eq!(s.value("circuit_breaker_opens_total"), 2.0);
    sim.clear_faults();
    std::thread::sleep(Duration::from_millis(1100));
    let r = call(&server.client, "get_device_list", json!({})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let s = Scrape::take(&base);
    assert_eq!(s.value("circuit_breaker_half_open_success"), 1.0);
    assert_eq!(s.value("circuit_breaker_state"), 0.0);
    assert_eq!(s.value("aruba_central_up"), 1.0);
    let (status, _, _) = get(&agent(), &format!("{base}/readyz"), None);
    assert_eq!(status, 200);

    // Token renewal after a 401, then a token endpoint that fails.
    sim.set_faults("unauthorized-once".parse::<FaultSpec>().unwrap());
    let r = call(&server.client, "get_device_list", json!({})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let s = Scrape::take(&base);
    assert_eq!(s.value("oauth2_token_refreshes_total"), 2.0);
    assert_eq!(
        s.api("api_calls_failure", DEVICES, ",status_code=\"401\""),
        1.0
    );
    // After these scenarios every metric of the plan exists, with its type and help.
    for (name, kind) in PLAN_METRICS {
        assert_eq!(
            s.types.get(*name).map(String::as_str),
            Some(*kind),
            "{name} must be a {kind}"
        );
        assert!(
            s.helps.get(*name).is_some_and(|h| h.len() > 10),
            "{name} has HELP text"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn limiter_waits_are_counted_and_the_gauge_is_current() {
    let sim = simulator();
    let server = Server::start(
        &sim,
        &[
            ("ARUBA_RATE_LIMIT_REQUESTS", "2"),
            ("ARUBA_RATE_LIMIT_WINDOW", "1"),
        ],
    )
    .await;
    wait_for_listener(&agent(), &server.base, None);
    for _ in 0..3 {
        let r = call(&server.client, "get_device_list", json!({"limit": 1})).await;
        assert_ne!(r.is_error, Some(true), "{}", text(&r));
    }
    let s = Scrape::take(&server.base);
    assert_eq!(s.value("rate_limiter_capacity"), 2.0);
    assert_eq!(s.value("rate_limiter_throttled_requests"), 1.0);
    assert_eq!(s.value("rate_limiter_wait_time_seconds_count"), 1.0);
    assert!(s.value("rate_limiter_wait_time_seconds_sum") > 0.1);
    assert!(s.value("rate_limiter_tokens_available") < 2.0);
    // Time alone refills the bucket, and the gauge shows it at the next scrape.
    std::thread::sleep(Duration::from_millis(1100));
    let s = Scrape::take(&server.base);
    assert_eq!(s.value("rate_limiter_tokens_available"), 2.0);
    server.stop().await;
}

#[tokio::test]
async fn token_failures_and_prevented_refreshes_are_counted() {
    let sim = simulator();
    let server = Server::start(&sim, &[]).await;
    wait_for_listener(&agent(), &server.base, None);
    sim.set_faults("token-down=503".parse::<FaultSpec>().unwrap());
    let r = call(&server.client, "get_device_list", json!({})).await;
    assert_eq!(r.is_error, Some(true));
    let s = Scrape::take(&server.base);
    assert_eq!(s.value("oauth2_token_refresh_failures"), 1.0);
    assert_eq!(s.value("oauth2_token_refreshes_total"), 0.0);
    assert_eq!(s.value("oauth2_token_refresh_duration_seconds_count"), 1.0);
    assert_eq!(s.value("health_check_status"), 0.0, "no token: unhealthy");
    assert_eq!(s.value("health_check_dependencies_up"), 0.0);
    let (status, _, body) = get(&agent(), &format!("{}/readyz", server.base), None);
    assert_eq!(status, 503);
    assert!(body.contains("no access token"), "{body}");

    // Eight concurrent calls with no token while the token endpoint takes 300 ms: one
    // refresh, and the seven calls queued behind it find its token.
    sim.set_faults("latency=300@/as/token.oauth2".parse::<FaultSpec>().unwrap());
    let calls = (0..8).map(|_| call(&server.client, "get_device_list", json!({"limit": 1})));
    for r in futures_join_all(calls).await {
        assert_ne!(r.is_error, Some(true), "{}", text(&r));
    }
    let s = Scrape::take(&server.base);
    assert_eq!(s.value("oauth2_token_refreshes_total"), 1.0);
    assert_eq!(s.value("oauth2_concurrent_refresh_prevented"), 7.0);
    server.stop().await;
}

#[tokio::test]
async fn the_endpoints_and_bearer_auth() {
    let sim = simulator();
    let dir = tempdir("auth");
    let token_file = dir.join("metrics-token");
    std::fs::write(&token_file, "scrape-token-8f3a91\n").unwrap();
    let server = Server::start(
        &sim,
        &[("ARUBA_METRICS_TOKEN_FILE", token_file.to_str().unwrap())],
    )
    .await;
    let base = server.base.clone();
    let a = agent();
    wait_for_listener(&a, &base, Some("scrape-token-8f3a91"));
    for path in ["/metrics", "/readyz", "/healthz", "/"] {
        let (status, headers, _) = get(&a, &format!("{base}{path}"), None);
        assert_eq!(status, 401, "{path} without a token");
        assert!(headers["www-authenticate"].starts_with("Bearer"));
        let (status, _, _) = get(&a, &format!("{base}{path}"), Some("scrape-token-8f3a90"));
        assert_eq!(status, 401, "{path} with a wrong token");
    }
    let (status, _, body) = get(&a, &format!("{base}/metrics"), Some("scrape-token-8f3a91"));
    assert_eq!(status, 200);
    assert!(body.contains("# TYPE api_calls_total counter"));
    let (status, _, body) = get(&a, &format!("{base}/healthz"), Some("scrape-token-8f3a91"));
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    let (status, headers, body) = get(&a, &format!("{base}/"), Some("scrape-token-8f3a91"));
    assert_eq!(status, 200);
    assert!(headers["content-type"].starts_with("text/html"));
    assert!(body.contains("href=\"metrics\""));
    // Before any call there is no token yet, but one can be had: ready.
    let (status, _, body) = get(&a, &format!("{base}/readyz"), Some("scrape-token-8f3a91"));
    assert_eq!(status, 200, "{body}");
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["components"]["circuit_breaker"], "closed");
    let (status, _, _) = get(&a, &format!("{base}/nope"), Some("scrape-token-8f3a91"));
    assert_eq!(status, 404);
    let post = a
        .post(format!("{base}/metrics"))
        .header("Authorization", "Bearer scrape-token-8f3a91")
        .send("x")
        .unwrap();
    assert_eq!(post.status().as_u16(), 405);
    let log = server.stop().await;
    assert!(
        !log.contains("scrape-token-8f3a91"),
        "the metrics token is never logged"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn https_with_a_rustls_client() {
    let sim = simulator();
    let dir = tempdir("tls");
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let cert_pem = certified.cert.pem();
    std::fs::write(dir.join("cert.pem"), &cert_pem).unwrap();
    std::fs::write(dir.join("key.pem"), certified.signing_key.serialize_pem()).unwrap();
    let port = free_port();
    let server = Server::start_on(
        &sim,
        &format!("127.0.0.1:{port}"),
        &[
            (
                "ARUBA_METRICS_TLS_CERT",
                dir.join("cert.pem").to_str().unwrap(),
            ),
            (
                "ARUBA_METRICS_TLS_KEY",
                dir.join("key.pem").to_str().unwrap(),
            ),
        ],
    )
    .await;
    let root = ureq::tls::Certificate::from_pem(cert_pem.as_bytes()).unwrap();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[root]))
        .build();
    let https: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let base = format!("https://127.0.0.1:{port}");
    wait_for_listener(&https, &base, None);
    let (status, _, body) = get(&https, &format!("{base}/metrics"), None);
    assert_eq!(status, 200);
    assert!(body.contains("# TYPE circuit_breaker_state gauge"));
    // Plain HTTP to the TLS port gets no HTTP answer.
    assert!(
        agent()
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .call()
            .is_err()
    );
    // A client that does not trust the certificate refuses the connection.
    assert!(agent().get(format!("{base}/metrics")).call().is_err());
    // MCP is unaffected.
    let r = call(&server.client, "get_device_list", json!({"limit": 1})).await;
    assert_ne!(r.is_error, Some(true));
    server.stop().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_port_in_use_is_a_warning_and_mcp_keeps_working() {
    let sim = simulator();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let server = Server::start_on(&sim, &addr, &[]).await;
    let r = call(&server.client, "get_device_list", json!({"limit": 2})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let log = server.stop().await;
    let warning = log
        .lines()
        .find(|l| l.contains("cannot listen for /metrics"))
        .unwrap_or_else(|| panic!("no warning in\n{log}"));
    assert!(warning.contains("\"WARN\""), "{warning}");
    assert!(warning.contains(&addr), "{warning}");
    drop(taken);
}

#[tokio::test]
async fn every_log_line_of_a_call_carries_its_correlation_ids() {
    let sim = simulator();
    let server = Server::start(&sim, &[("ARUBA_LOG", "debug")]).await;
    // One 503 then success: a retry log line, upstream call lines, a token request.
    sim.set_faults("error=503#1".parse::<FaultSpec>().unwrap());
    let r = call(&server.client, "get_device_list", json!({"limit": 2})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let log = server.stop().await;
    let lines: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let ours: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            l["target"].as_str().is_some_and(|t| {
                t.starts_with("aruba_noc_mcp::central") || t == "aruba_noc_mcp::server"
            })
        })
        .collect();
    let messages: Vec<&str> = ours
        .iter()
        .filter_map(|l| l["fields"]["message"].as_str())
        .collect();
    for expected in [
        "obtained a Central access token",
        "retrying Central call",
        "Central call succeeded",
        "tool call finished",
    ] {
        assert!(messages.contains(&expected), "{expected:?} in {messages:?}");
    }
    let mut call_ids = std::collections::BTreeSet::new();
    for line in &ours {
        let spans = line["spans"].as_array().expect("span list on every line");
        let call = spans
            .iter()
            .find(|s| s["name"] == "tool_call")
            .unwrap_or_else(|| panic!("a line outside the tool call span: {line}"));
        assert_eq!(call["tool"], "get_device_list");
        assert!(call["request_id"].is_string() || call["request_id"].is_number());
        call_ids.insert(call["call_id"].as_str().unwrap().to_string());
    }
    assert_eq!(call_ids.len(), 1, "one call, one id: {call_ids:?}");
    // Upstream attempts and token requests are spans of their own, inside the call.
    let token_line = ours
        .iter()
        .find(|l| l["fields"]["message"] == "obtained a Central access token")
        .unwrap();
    let names: Vec<&str> = token_line["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(
        names.ends_with(&["tool_call", "central_request", "token_refresh"]),
        "{names:?}"
    );
    let attempt = &token_line["spans"][names.len() - 2];
    assert_eq!(attempt["attempt"], 1);
    assert_eq!(attempt["endpoint"], DEVICES);
}

#[tokio::test]
async fn secrets_never_reach_metrics_readyz_or_logs() {
    let sim = simulator();
    let server = Server::start(&sim, &[("ARUBA_LOG", "trace")]).await;
    let a = agent();
    wait_for_listener(&a, &server.base, None);
    sim.set_faults("unauthorized-once".parse::<FaultSpec>().unwrap());
    let mut outputs = String::new();
    for tool in ["get_device_list", "get_sites_health", "check_server_health"] {
        let result = call(&server.client, tool, json!({})).await;
        outputs.push_str(&text(&result));
        outputs.push_str(&serde_json::to_string(&result.structured_content).unwrap());
    }
    let (_, _, metrics) = get(&a, &format!("{}/metrics", server.base), None);
    let (_, _, ready) = get(&a, &format!("{}/readyz", server.base), None);
    let log = server.stop().await;
    let issued: Vec<String> = sim
        .journal()
        .iter()
        .filter_map(|e| e.authorization.clone())
        .filter_map(|a| a.strip_prefix("Bearer ").map(str::to_string))
        .collect();
    assert!(issued.len() >= 2, "two tokens were used");
    for secret in issued
        .iter()
        .map(String::as_str)
        .chain([sim.client_secret()])
    {
        for (what, text) in [
            ("/metrics", &metrics),
            ("/readyz", &ready),
            ("stderr", &log),
        ] {
            assert!(!text.contains(secret), "{secret:?} leaked into {what}");
        }
    }
    assert!(!log.contains("Authorization"), "no header dump in the logs");
}

/// A fresh directory under the system temp dir.
fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "aruba-metrics-{name}-{}-{}",
        std::process::id(),
        fastrand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fastrand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        .into()
}

#[test]
fn a_bad_token_file_stops_startup_naming_the_variable() {
    let out = std::process::Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("ARUBA_METRICS_TOKEN_FILE", "/nonexistent/metrics-token")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let mut stderr = String::new();
    out.stderr.as_slice().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("ARUBA_METRICS_TOKEN_FILE"), "{stderr}");
}
