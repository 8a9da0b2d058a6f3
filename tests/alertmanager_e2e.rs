//! `packaging/monitoring/alertmanager/alertmanager.yml` in a real Alertmanager (Debian's
//! `prometheus-alertmanager`), on loopback with its secret files stubbed: alerts posted to its
//! API are routed by severity (critical to the pager and the team channel, warning to the team)
//! and the inhibition rules hold — an open breaker silences the failure-rate, 5xx and retry alerts
//! of the same appliance and only of it, a failing token request silences the expiring-token
//! warning, a service that is down silences its restart warning, and the fast SLO burn silences
//! the slow one. (`amtool check-config` and
//! `amtool config routes test` in tests/monitoring.sh check the same file statically.)

mod monitoring_support;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use monitoring_support::{self as m, KillOnDrop, TempDir, free_port};
use serde_json::{Value, json};

const JOB: &str = "aruba-noc-mcp";

fn alert(name: &str, severity: &str, extra: &[(&str, &str)]) -> Value {
    let mut labels: BTreeMap<&str, &str> =
        BTreeMap::from([("alertname", name), ("severity", severity), ("job", JOB)]);
    labels.extend(extra.iter().copied());
    json!({
        "labels": labels,
        "annotations": {"summary": format!("{name} test")},
        "generatorURL": "http://127.0.0.1/graph",
    })
}

/// The alert named `name` on `instance` (if given) among `alerts`, with its `extra` labels.
fn find<'a>(alerts: &'a [Value], name: &str, extra: &[(&str, &str)]) -> &'a Value {
    alerts
        .iter()
        .find(|a| {
            a["labels"]["alertname"] == name && extra.iter().all(|(k, v)| a["labels"][*k] == *v)
        })
        .unwrap_or_else(|| panic!("no {name} {extra:?} among {alerts:?}"))
}

fn inhibited(a: &Value) -> bool {
    a["status"]["inhibitedBy"]
        .as_array()
        .is_some_and(|v| !v.is_empty())
}

fn receivers(a: &Value) -> Vec<String> {
    a["receivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn routes_and_inhibitions_hold_in_a_real_alertmanager() {
    let Some(binary) = m::tool("prometheus-alertmanager", "prometheus-alertmanager") else {
        return;
    };
    let dir = TempDir::new("alertmanager-e2e");
    // The example's secret files, under the temp dir.
    let config = m::read("alertmanager/alertmanager.yml")
        .replace("/etc/alertmanager/", &format!("{}/etc/", dir.0.display()));
    std::fs::create_dir_all(dir.path("etc/secrets")).unwrap();
    for secret in ["smtp_password", "pagerduty_routing_key"] {
        std::fs::write(dir.path(&format!("etc/secrets/{secret}")), "stub\n").unwrap();
    }
    // Notifications go nowhere reachable: a closed loopback port.
    std::fs::write(
        dir.path("etc/secrets/slack_webhook_url"),
        format!("http://127.0.0.1:{}/slack\n", free_port()),
    )
    .unwrap();
    std::fs::write(dir.path("alertmanager.yml"), config).unwrap();

    let port = free_port();
    let log = std::fs::File::create(dir.path("alertmanager.log")).unwrap();
    let _am = KillOnDrop(
        std::process::Command::new(binary)
            .arg(format!(
                "--config.file={}",
                dir.path("alertmanager.yml").display()
            ))
            .arg(format!("--storage.path={}", dir.path("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("alertmanager starts"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let log_tail = || {
        std::fs::read_to_string(dir.path("alertmanager.log"))
            .unwrap_or_default()
            .lines()
            .rev()
            .take(15)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let start = Instant::now();
    loop {
        if agent
            .get(format!("{base}/-/ready"))
            .call()
            .is_ok_and(|r| r.status().as_u16() == 200)
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "alertmanager never became ready; log (newest first):\n{}",
            log_tail()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let a = [("instance", "noc-a:9464")];
    let b = [("instance", "noc-b:9464")];
    let c = [("instance", "noc-c:9464")];
    let posted = vec![
        alert("CircuitBreakerOpen", "critical", &a),
        alert("HighAPIFailureRate", "critical", &a),
        alert("HighAPIServerErrorRate", "warning", &a),
        alert("HighRetryRate", "warning", &a),
        // Another appliance: nothing of noc-a may silence it.
        alert("HighRetryRate", "warning", &b),
        alert("OAuth2TokenRefreshFailed", "critical", &b),
        alert("TokenExpiringSoon", "warning", &b),
        // A service that went down after restarting in a loop; and one restarting elsewhere.
        alert("ScrapeTargetDown", "critical", &c),
        alert("ServiceRestarting", "warning", &c),
        alert("ServiceRestarting", "warning", &b),
        alert(
            "ToolCallsErrorBudgetBurn",
            "critical",
            &[
                ("slo", "mcp-tool-calls"),
                ("long_window", "1h"),
                ("burn_rate", "14.4"),
            ],
        ),
        alert(
            "ToolCallsErrorBudgetBurn",
            "critical",
            &[
                ("slo", "mcp-tool-calls"),
                ("long_window", "6h"),
                ("burn_rate", "6"),
            ],
        ),
    ];
    let resp = agent
        .post(format!("{base}/api/v2/alerts"))
        .header("Content-Type", "application/json")
        .send(serde_json::to_string(&posted).unwrap())
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "alerts accepted");

    // The inhibitor learns of source alerts asynchronously: poll (bounded) until the expected
    // picture is there, then assert it in detail.
    let expected_inhibited: [(&str, &[(&str, &str)]); 6] = [
        ("HighAPIFailureRate", &a),
        ("HighAPIServerErrorRate", &a),
        ("HighRetryRate", &a),
        ("TokenExpiringSoon", &b),
        ("ServiceRestarting", &c),
        ("ToolCallsErrorBudgetBurn", &[("long_window", "6h")]),
    ];
    let start = Instant::now();
    let alerts: Vec<Value> = loop {
        let mut resp = agent.get(format!("{base}/api/v2/alerts")).call().unwrap();
        let body = resp.body_mut().read_to_string().unwrap();
        let alerts: Vec<Value> = serde_json::from_str(&body).unwrap();
        let settled = alerts.len() == posted.len()
            && expected_inhibited
                .iter()
                .all(|(name, extra)| inhibited(find(&alerts, name, extra)));
        if settled {
            break alerts;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "inhibitions never settled: {body}\nlog (newest first):\n{}",
            log_tail()
        );
        std::thread::sleep(Duration::from_millis(200));
    };

    for (name, extra) in expected_inhibited {
        let alert = find(&alerts, name, extra);
        assert_eq!(alert["status"]["state"], "suppressed", "{name} {extra:?}");
    }
    for (name, extra) in [
        ("CircuitBreakerOpen", &a[..]),
        ("HighRetryRate", &b[..]),
        ("OAuth2TokenRefreshFailed", &b[..]),
        ("ScrapeTargetDown", &c[..]),
        ("ServiceRestarting", &b[..]),
        ("ToolCallsErrorBudgetBurn", &[("long_window", "1h")][..]),
    ] {
        let alert = find(&alerts, name, extra);
        assert!(
            !inhibited(alert),
            "{name} {extra:?} must not be inhibited: {alert}"
        );
        assert_eq!(alert["status"]["state"], "active", "{name} {extra:?}");
    }

    // Routing by severity.
    for alert in &alerts {
        let want = match alert["labels"]["severity"].as_str() {
            Some("critical") => vec!["pager", "team"],
            _ => vec!["team"],
        };
        assert_eq!(receivers(alert), want, "{}", alert["labels"]);
    }
}
