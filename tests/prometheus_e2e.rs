//! The monitoring assets in a real Prometheus (Debian's `prometheus` binary): the simulator, the
//! real server binary with its metrics listener over TLS with a bearer token (scraped the way
//! `packaging/monitoring/prometheus/prometheus.yml` does), an rmcp client session driving tool
//! calls, and Prometheus on loopback with a 1 s scrape and evaluation interval, the recording
//! rules and a copy of the alert rules whose `for` is shortened to 2 s.
//!
//! It checks, through Prometheus' HTTP API, that:
//! - every series the assets read exists with the type the assets assume;
//! - every alerting and recording rule evaluates without error;
//! - a 5xx storm opens the breaker: `circuit_breaker_state` goes to 1, `CircuitBreakerOpen` fires
//!   with its labels and annotations (and `HighAPIFailureRate` with it); when the fault is
//!   removed and a call probes Central, the state goes back to 0 and the alert resolves;
//! - every PromQL expression of the Grafana dashboard parses and evaluates, and returns data
//!   (the one exception is named below, with the reason).
//!
//! Needs `prometheus` on PATH (tests/monitoring.sh installs it): a failure under `CI=true`,
//! otherwise the test says it was skipped.

mod common;
mod monitoring_support;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use monitoring_support::{KillOnDrop, TempDir, free_port};

use common::*;
use monitoring_support as m;
use serde_json::{Value, json};

const JOB: &str = "aruba-noc-mcp";
const METRICS_TOKEN: &str = "e2e-scrape-token-5d1c";
/// `$__rate_interval` as Grafana computes it for a 1 s scrape interval and a 1 s step:
/// max(4 × scrape interval, step + scrape interval).
const RATE_INTERVAL: &str = "4s";
/// The breaker's open time in this test (`ARUBA_CIRCUIT_BREAKER_TIMEOUT`).
const BREAKER_TIMEOUT_S: u64 = 2;

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// alerts.yml with every `for:` shortened to 2 s, and how many were shortened.
fn alerts_with_short_for(text: &str) -> (String, usize) {
    let mut n = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed.starts_with("for: ") {
                n += 1;
                format!("{}for: 2s", &line[..line.len() - trimmed.len()])
            } else {
                line.to_string()
            }
        })
        .collect();
    (lines.join("\n") + "\n", n)
}

/// Prometheus' HTTP API.
struct Prometheus {
    base: String,
    agent: ureq::Agent,
    log: PathBuf,
}

impl Prometheus {
    /// GET `path` with `params`: the JSON body, whatever the status.
    fn get(&self, path: &str, params: &[(&str, &str)]) -> Result<(u16, Value), String> {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        for (k, v) in params {
            req = req.query(*k, *v);
        }
        let mut resp = req.call().map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        let json = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
        Ok((status, json))
    }

    /// `data` of a successful API answer (panics with the error otherwise).
    fn data(&self, path: &str, params: &[(&str, &str)]) -> Value {
        match self.get(path, params) {
            Ok((200, v)) if v["status"] == "success" => v["data"].clone(),
            other => panic!("GET {path} {params:?}: {other:?}"),
        }
    }

    /// The instant vector of `expr` now.
    fn query(&self, expr: &str) -> Vec<Value> {
        let data = self.data("/api/v1/query", &[("query", expr)]);
        data["result"].as_array().cloned().unwrap_or_default()
    }

    /// The single value of `expr` now, if it has exactly one sample.
    fn scalar(&self, expr: &str) -> Option<f64> {
        match self.query(expr).as_slice() {
            [one] => one["value"][1].as_str()?.parse().ok(),
            _ => None,
        }
    }

    /// The active (pending or firing) alerts.
    fn alerts(&self) -> Vec<Value> {
        self.data("/api/v1/alerts", &[])["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn firing(&self, name: &str) -> Option<Value> {
        self.alerts()
            .into_iter()
            .find(|a| a["labels"]["alertname"] == name && a["state"] == "firing")
    }

    /// Polls `check` every 250 ms until it gives `Ok`, at most `limit`; then panics naming
    /// `what`, with the last `Err` (what was seen instead) and the end of Prometheus' log.
    async fn wait_for<T>(
        &self,
        what: &str,
        limit: Duration,
        check: impl Fn(&Self) -> Result<T, String>,
    ) -> T {
        let start = Instant::now();
        loop {
            let seen = match check(self) {
                Ok(v) => return v,
                Err(seen) => seen,
            };
            if start.elapsed() > limit {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                let tail: String = log.lines().rev().take(20).collect::<Vec<_>>().join("\n");
                panic!(
                    "waited {limit:?} for {what}; saw: {seen}\nactive alerts: {:?}\nprometheus log (last lines, newest first):\n{tail}",
                    self.get("/api/v1/alerts", &[]).ok()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// `Ok` when `expr` has exactly one sample and it equals `want`.
fn expect_value(p: &Prometheus, expr: &str, want: f64) -> Result<(), String> {
    match p.scalar(expr) {
        Some(v) if v == want => Ok(()),
        other => Err(format!("{expr} = {other:?}, want {want}")),
    }
}

/// `alertname/state` of each alert.
fn names_of(alerts: &[Value]) -> Vec<String> {
    alerts
        .iter()
        .map(|a| format!("{}/{}", a["labels"]["alertname"], a["state"]))
        .collect()
}

#[tokio::test]
async fn alerts_and_dashboard_work_in_a_real_prometheus() {
    let Some(prometheus_bin) = m::tool("prometheus", "prometheus") else {
        return;
    };
    let dir = TempDir::new("prometheus-e2e");

    // ---------------------------------------------------------------- the server, like production
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    std::fs::write(dir.path("cert.pem"), certified.cert.pem()).unwrap();
    std::fs::write(dir.path("key.pem"), certified.signing_key.serialize_pem()).unwrap();
    std::fs::write(dir.path("metrics.token"), format!("{METRICS_TOKEN}\n")).unwrap();
    let sim = simulator();
    let target = format!("127.0.0.1:{}", free_port());
    let mut env = env_for(&sim);
    env.retain(|(k, _)| k != "ARUBA_METRICS_ADDR");
    let path = |rel: &str| dir.path(rel).to_str().unwrap().to_string();
    for (k, v) in [
        ("ARUBA_METRICS_ADDR", target.clone()),
        ("ARUBA_METRICS_TOKEN_FILE", path("metrics.token")),
        ("ARUBA_METRICS_TLS_CERT", path("cert.pem")),
        ("ARUBA_METRICS_TLS_KEY", path("key.pem")),
        (
            "ARUBA_CIRCUIT_BREAKER_TIMEOUT",
            BREAKER_TIMEOUT_S.to_string(),
        ),
        // A small bucket so that some calls wait and the limiter histogram has data.
        ("ARUBA_RATE_LIMIT_REQUESTS", "5".to_string()),
        ("ARUBA_RATE_LIMIT_WINDOW", "1".to_string()),
    ] {
        env.push((k.to_string(), v));
    }
    let mut cmd = server_command(&env, Stdio::null());
    cmd.kill_on_drop(true);
    let client = connect(cmd).await;

    // ---------------------------------------------------------------- Prometheus
    let (alerts, shortened) = alerts_with_short_for(&m::read("prometheus/alerts.yml"));
    let with_for = m::alert_rules().iter().filter(|r| r.for_.is_some()).count();
    assert_eq!(shortened, with_for, "every `for:` of alerts.yml shortened");
    std::fs::write(dir.path("alerts.yml"), alerts).unwrap();
    std::fs::write(
        dir.path("recording.yml"),
        m::read("prometheus/recording.yml"),
    )
    .unwrap();
    // The scrape job of the example prometheus.yml: https, bearer token from a file, the CA.
    let config = format!(
        r#"global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {rules_a}
  - {rules_b}
scrape_configs:
  - job_name: {JOB}
    scheme: https
    authorization:
      type: Bearer
      credentials_file: {token}
    tls_config:
      ca_file: {ca}
    scrape_timeout: 1s
    static_configs:
      - targets: ["{target}"]
"#,
        rules_a = path("recording.yml"),
        rules_b = path("alerts.yml"),
        token = path("metrics.token"),
        ca = path("cert.pem"),
    );
    std::fs::write(dir.path("prometheus.yml"), config).unwrap();
    let prom_port = free_port();
    let log = std::fs::File::create(dir.path("prometheus.log")).unwrap();
    let _prometheus = KillOnDrop(
        std::process::Command::new(&prometheus_bin)
            .arg(format!("--config.file={}", path("prometheus.yml")))
            .arg(format!("--storage.tsdb.path={}", path("data")))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("prometheus starts"),
    );
    let prom = Prometheus {
        base: format!("http://127.0.0.1:{prom_port}"),
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into(),
        log: dir.path("prometheus.log"),
    };
    let started = unix_now();
    prom.wait_for("Prometheus to be ready", Duration::from_secs(60), |p| {
        p.agent
            .get(format!("{}/-/ready", p.base))
            .call()
            .map_err(|e| e.to_string())
            .and_then(|r| match r.status().as_u16() {
                200 => Ok(()),
                other => Err(format!("HTTP {other}")),
            })
    })
    .await;
    let up = format!("up{{job=\"{JOB}\", instance=\"{target}\"}}");
    prom.wait_for(
        "the server scraped over TLS with the bearer token (up == 1)",
        Duration::from_secs(30),
        |p| expect_value(p, &up, 1.0),
    )
    .await;

    // ---------------------------------------------------------------- normal traffic
    for (tool, args) in [
        ("get_sites_health", json!({})),
        ("check_server_health", json!({})),
    ]
    .into_iter()
    .chain((0..8).map(|_| ("get_device_list", json!({"limit": 5}))))
    {
        let r = call(&client, tool, args).await;
        assert_ne!(r.is_error, Some(true), "{tool}: {}", text(&r));
    }
    // Prometheus counts exactly the requests the simulator received, all successful, and some
    // of them waited for the 5-per-second limiter.
    let sent = api_requests(&sim).len() as f64;
    // At least one per get_sites_health/get_device_list (check_server_health may rely on the
    // last observation instead of probing).
    assert!(sent >= 9.0, "{sent} requests for 10 tool calls");
    prom.wait_for(
        "the requests and a rate-limiter wait in Prometheus",
        Duration::from_secs(20),
        |p| {
            let total = p.scalar(&format!("sum(api_calls_total{{job=\"{JOB}\"}})"));
            let ok = p.scalar(&format!("sum(api_calls_success{{job=\"{JOB}\"}})"));
            let waited = p.scalar(&format!(
                "sum(rate_limiter_wait_time_seconds_count{{job=\"{JOB}\"}})"
            ));
            match (total, ok, waited) {
                (Some(t), Some(ok), Some(w)) if t == sent && ok == sent && w >= 1.0 => Ok(()),
                other => Err(format!(
                    "(total, successes, waits) = {other:?}; sent {sent}"
                )),
            }
        },
    )
    .await;
    assert_eq!(
        prom.scalar(&format!("circuit_breaker_state{{job=\"{JOB}\"}}")),
        Some(0.0)
    );

    // ---------------------------------------------------------------- a 5xx storm
    sim.set_faults("error=503".parse().unwrap());
    let mut rejected = false;
    for _ in 0..10 {
        let r = call(&client, "get_device_list", json!({"limit": 5})).await;
        assert_eq!(r.is_error, Some(true), "503s make the call fail");
        if text(&r).contains("circuit breaker is open") {
            rejected = true;
            break;
        }
    }
    assert!(rejected, "the breaker opened and rejected a call");
    prom.wait_for(
        "circuit_breaker_state == 1 in Prometheus",
        Duration::from_secs(20),
        |p| expect_value(p, &format!("circuit_breaker_state{{job=\"{JOB}\"}}"), 1.0),
    )
    .await;
    let alert = prom
        .wait_for("CircuitBreakerOpen firing", Duration::from_secs(30), |p| {
            p.firing("CircuitBreakerOpen")
                .ok_or_else(|| format!("active: {:?}", names_of(&p.alerts())))
        })
        .await;
    assert_eq!(alert["labels"]["severity"], "critical");
    assert_eq!(alert["labels"]["job"], JOB);
    assert_eq!(alert["labels"]["instance"], target.as_str());
    assert_eq!(
        alert["annotations"]["summary"],
        format!("Circuit breaker not closed on {target}: Central API unavailable")
    );
    let rule = m::alert_rules()
        .into_iter()
        .find(|r| r.alert.as_deref() == Some("CircuitBreakerOpen"))
        .unwrap();
    assert_eq!(
        alert["annotations"]["runbook_url"],
        rule.annotations["runbook_url"].as_str()
    );
    assert!(
        alert["annotations"]["description"]
            .as_str()
            .unwrap()
            .contains("(state 1; 1 open, 2 half-open)"),
        "{alert}"
    );
    // The storm also breaches the failure-rate, 5xx and Central-SLO alerts: well over their
    // thresholds of at least 10 requests. The 503 series appeared only with the storm, after
    // its failures were counted, and the breaker stopped traffic right after: these alerts see
    // the failures only because the rules count a new series' first value.
    for (name, severity) in [
        ("HighAPIFailureRate", "critical"),
        ("HighAPIServerErrorRate", "warning"),
        ("CentralAPIErrorBudgetBurn", "critical"),
    ] {
        let alert = prom
            .wait_for(&format!("{name} firing"), Duration::from_secs(30), |p| {
                p.firing(name)
                    .ok_or_else(|| format!("active: {:?}", names_of(&p.alerts())))
            })
            .await;
        assert_eq!(alert["labels"]["severity"], severity, "{name}");
        assert_eq!(alert["labels"]["job"], JOB, "{name}");
    }

    // ---------------------------------------------------------------- recovery
    sim.clear_faults();
    tokio::time::sleep(Duration::from_secs(BREAKER_TIMEOUT_S) + Duration::from_millis(500)).await;
    let mut recovered = false;
    for _ in 0..10 {
        let r = call(&client, "get_device_list", json!({"limit": 5})).await;
        if r.is_error != Some(true) {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(recovered, "a probe call closed the breaker");
    prom.wait_for(
        "circuit_breaker_state back to 0",
        Duration::from_secs(20),
        |p| expect_value(p, &format!("circuit_breaker_state{{job=\"{JOB}\"}}"), 0.0),
    )
    .await;
    prom.wait_for(
        "CircuitBreakerOpen resolved (no longer active)",
        Duration::from_secs(30),
        |p| {
            let active = p.alerts();
            if active
                .iter()
                .any(|a| a["labels"]["alertname"] == "CircuitBreakerOpen")
            {
                Err(format!("active: {:?}", names_of(&active)))
            } else {
                Ok(())
            }
        },
    )
    .await;

    // The server's one token request (at its first call) is in the recorded token latency.
    let p95 = prom
        .scalar(&format!(
            "instance:oauth2_token_refresh_duration_seconds:p95_increase1h{{instance=\"{target}\"}}"
        ))
        .expect("a recorded token-request p95");
    assert!(p95.is_finite() && p95 < 2.0, "token p95 {p95}");

    // ---------------------------------------------------------------- every rule evaluates
    let groups = prom
        .wait_for(
            "every rule evaluated at least once",
            Duration::from_secs(20),
            |p| {
                let data = p.data("/api/v1/rules", &[]);
                let groups = data["groups"].as_array().cloned().unwrap_or_default();
                let all_known = groups.iter().all(|g| {
                    g["rules"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|r| r["health"] != "unknown")
                });
                if all_known && !groups.is_empty() {
                    Ok(groups)
                } else {
                    Err(format!(
                        "{} groups, some rules not evaluated yet",
                        groups.len()
                    ))
                }
            },
        )
        .await;
    let mut evaluated = 0;
    for g in &groups {
        for r in g["rules"].as_array().unwrap() {
            assert_eq!(
                r["health"], "ok",
                "rule {} in group {}: {}",
                r["name"], g["name"], r["lastError"]
            );
            evaluated += 1;
        }
    }
    let expected = m::alert_rules().len() + m::recording_rules().len();
    assert_eq!(evaluated, expected, "Prometheus loaded every rule");

    // ---------------------------------------------------------------- series and their types
    let names: BTreeSet<String> = prom
        .data("/api/v1/label/__name__/values", &[])
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let dash = m::dashboard();
    let mut read_by_assets = BTreeSet::new();
    for rule in m::alert_rules().iter().chain(&m::recording_rules()) {
        read_by_assets.extend(m::metric_refs(&rule.expr).into_iter().map(|r| r.name));
    }
    for q in m::dashboard_queries(&dash) {
        read_by_assets.extend(m::metric_refs(&q.expr).into_iter().map(|r| r.name));
    }
    for name in &read_by_assets {
        assert!(
            names.contains(name),
            "the assets read {name}, which this Prometheus never saw"
        );
    }
    let metadata = prom.data("/api/v1/metadata", &[]);
    let kind_of = |family: &str| -> String {
        metadata[family][0]["type"]
            .as_str()
            .unwrap_or_else(|| panic!("no metadata for {family}"))
            .to_string()
    };
    for name in m::COUNTERS {
        assert_eq!(kind_of(name), "counter", "{name}");
    }
    for name in m::GAUGES {
        assert_eq!(kind_of(name), "gauge", "{name}");
    }
    for name in m::HISTOGRAMS {
        assert_eq!(kind_of(name), "histogram", "{name}");
    }

    // ---------------------------------------------------------------- the dashboard's queries
    // Empty results are allowed only here, with the reason.
    let may_be_empty = [
        (
            "annotation \"Token request failed\"",
            "no token request fails in this test",
        ),
        (
            "annotation \"Service started\"",
            "the server starts once, before the first scrape: its start time never changes",
        ),
    ];
    let end = unix_now();
    let (start_s, end_s) = (format!("{started:.3}"), format!("{end:.3}"));
    let mut checked = 0;
    for q in m::dashboard_queries(&dash) {
        let expr = m::resolve_grafana_vars(&q.expr, JOB, &target, RATE_INTERVAL);
        assert!(
            !expr.contains('$'),
            "{}: unresolved variable in {expr}",
            q.place
        );
        // Instant (stat, gauge and table panels) …
        let (status, body) = prom
            .get("/api/v1/query", &[("query", &expr)])
            .unwrap_or_else(|e| panic!("{}: {e}", q.place));
        assert!(
            status == 200 && body["status"] == "success",
            "{}: {expr}\n{body}",
            q.place
        );
        // … and over the whole test (time series panels, annotations), as Grafana asks.
        let (status, body) = prom
            .get(
                "/api/v1/query_range",
                &[
                    ("query", &expr),
                    ("start", &start_s),
                    ("end", &end_s),
                    ("step", "1"),
                ],
            )
            .unwrap_or_else(|e| panic!("{}: {e}", q.place));
        assert!(
            status == 200 && body["status"] == "success",
            "{}: {expr}\n{body}",
            q.place
        );
        let empty = body["data"]["result"]
            .as_array()
            .is_none_or(|r| r.is_empty());
        if empty {
            assert!(
                may_be_empty.iter().any(|(place, _why)| *place == q.place),
                "{}: no data over the test: {expr}",
                q.place
            );
        }
        checked += 1;
    }
    assert!(checked > 30, "{checked} dashboard queries");

    client.cancel().await.unwrap();
    sim.shutdown();
}
