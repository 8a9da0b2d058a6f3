//! The monitoring assets under `packaging/monitoring/` hold together: alert rules carry the
//! plan's names, severities and `for` durations, read only series the server exports (counters
//! only through a range), link runbooks that exist and name them back, every alert has promtool
//! tests that fire and near misses, and the Grafana dashboard is provisionable JSON with a data
//! source variable, an instance variable, the plan's rows and panels, and alert thresholds.
//! (`tests/monitoring.sh` runs promtool and amtool on the same files; `tests/prometheus_e2e.rs`
//! evaluates them in a real Prometheus.)

mod monitoring_support;

use std::collections::{BTreeMap, BTreeSet};

use monitoring_support as m;
use serde::Deserialize;
use serde_json::Value;

const RUNBOOK_DIR: &str = "packaging/monitoring/runbooks";

fn runbook_base() -> String {
    format!("{}/blob/main/{RUNBOOK_DIR}/", env!("CARGO_PKG_REPOSITORY"))
}

fn alert_names() -> BTreeSet<String> {
    m::alert_rules()
        .into_iter()
        .filter_map(|r| r.alert)
        .collect()
}

fn recorded_names() -> BTreeSet<String> {
    m::recording_rules()
        .into_iter()
        .filter_map(|r| r.record)
        .collect()
}

/// Series names a query in the assets may read.
fn readable_series() -> BTreeSet<String> {
    let mut names: BTreeSet<String> = m::exported_series().into_iter().collect();
    names.extend(m::PROMETHEUS_SERIES.iter().map(|s| s.to_string()));
    names.extend(recorded_names());
    names
}

#[test]
fn the_promql_scanner_finds_series_names_and_ranges() {
    let refs = m::metric_refs(
        r#"sum by (job, instance) (rate(foo_total{a="b}", c=~"x|y"}[5m] offset 1m)) / on (job) group_left(x) bar:ratio > 0.1
           and histogram_quantile(0.95, sum by (le) (rate(h_bucket[$__rate_interval]))) unless baz{job="$job"} [1h:1m]
           or vector(0) * 1e3 + time() - qux unless quux offset 5m and (corge) unless on (job) grault"#,
    );
    let got: Vec<(&str, bool, bool)> = refs
        .iter()
        .map(|r| (r.name.as_str(), r.ranged, r.presence_only))
        .collect();
    assert_eq!(
        got,
        vec![
            ("foo_total", true, false),
            ("bar:ratio", false, false),
            ("h_bucket", true, false),
            ("baz", true, true),
            ("qux", false, false),
            ("quux", false, true),
            ("corge", false, false),
            ("grault", false, true),
        ]
    );
}

#[test]
fn the_plans_alerts_keep_their_names_severities_and_for_durations() {
    let rules = m::alert_rules();
    let plan = [
        ("CircuitBreakerOpen", "critical", Some("1m")),
        ("OAuth2TokenRefreshFailed", "critical", None),
        ("HighAPIFailureRate", "critical", Some("5m")),
        ("HealthCheckFailed", "critical", Some("2m")),
        ("TokenExpiringSoon", "warning", Some("1m")),
        ("HighRetryRate", "warning", Some("5m")),
        ("RateLimiterPressure", "warning", Some("2m")),
    ];
    for (name, severity, for_) in plan {
        let rule = rules
            .iter()
            .find(|r| r.alert.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("the plan's alert {name} is missing"));
        assert_eq!(
            rule.labels.get("severity").map(String::as_str),
            Some(severity),
            "{name}"
        );
        assert_eq!(rule.for_.as_deref(), for_, "{name}: for");
    }
    // The §1 thresholds that had no alert in the plan, and the SLOs.
    let names = alert_names();
    // The service (issue 16): down pages, a restart loop and a full session table warn.
    for (name, severity) in [
        ("ScrapeTargetDown", "critical"),
        ("ServiceRestarting", "warning"),
        ("SessionLimitReached", "warning"),
        // Issue 19: what the assistant did goes to the team channel, not the pager.
        ("DeviceActionExecuted", "info"),
    ] {
        let rule = rules
            .iter()
            .find(|r| r.alert.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("the service's alert {name} is missing"));
        assert_eq!(
            rule.labels.get("severity").map(String::as_str),
            Some(severity),
            "{name}"
        );
    }
    for extra in [
        "APISuccessRateLow",
        "HighAPIServerErrorRate",
        "HighAPILatency",
        "SlowOAuth2TokenRefresh",
        "FrequentTokenRefreshes",
        "CircuitBreakerNearThreshold",
        "CircuitBreakerRecoveryFailing",
        "RateLimiterWaitHigh",
        "HealthDependencyDown",
        "ToolCallsErrorBudgetBurn",
        "CentralAPIErrorBudgetBurn",
    ] {
        assert!(names.contains(extra), "{extra} is missing");
    }
}

#[test]
fn every_alert_has_a_severity_label_and_the_four_annotations() {
    for rule in m::alert_rules() {
        let name = rule.alert.as_deref().unwrap();
        let severity = rule.labels.get("severity").map(String::as_str);
        assert!(
            matches!(severity, Some("critical" | "warning" | "info")),
            "{name}: severity {severity:?}"
        );
        for key in ["summary", "description", "action", "runbook_url"] {
            let value = rule.annotations.get(key).map(|s| s.trim()).unwrap_or("");
            assert!(!value.is_empty(), "{name}: annotation {key} missing");
        }
        assert!(
            !rule.annotations.contains_key("severity"),
            "{name}: severity belongs in labels"
        );
        // `for: 0s` says nothing; leave it out.
        assert_ne!(rule.for_.as_deref(), Some("0s"), "{name}");
    }
}

#[test]
fn every_runbook_url_points_at_an_existing_runbook_of_that_alert() {
    let base = runbook_base();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for rule in m::alert_rules() {
        let name = rule.alert.unwrap();
        let url = &rule.annotations["runbook_url"];
        let file = url
            .strip_prefix(&base)
            .unwrap_or_else(|| panic!("{name}: runbook_url {url} does not start with {base}"));
        assert_eq!(
            file,
            format!("{name}.md"),
            "{name}: runbook file named after the alert"
        );
        let path = root.join(RUNBOOK_DIR).join(file);
        assert!(path.is_file(), "{name}: {} does not exist", path.display());
    }
}

#[test]
fn every_runbook_names_an_existing_alert_and_has_the_five_parts() {
    let alerts = alert_names();
    let dir = m::dir().join("runbooks");
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("runbooks dir") {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        if file == "README.md" {
            continue;
        }
        let stem = file
            .strip_suffix(".md")
            .unwrap_or_else(|| panic!("{file}: runbooks are markdown"));
        assert!(
            alerts.contains(stem),
            "runbook {file} names no alert of alerts.yml"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines().next(),
            Some(format!("# {stem}").as_str()),
            "{file}: first line"
        );
        for section in [
            "## Symptom",
            "## Impact",
            "## Diagnosis",
            "## Remediation",
            "## Escalation",
        ] {
            assert!(text.lines().any(|l| l == section), "{file}: no {section:?}");
        }
        // Every series a runbook query names is one Prometheus can have.
        let readable = readable_series();
        for block in text.split("```promql").skip(1) {
            let block = block.split("```").next().unwrap();
            for r in m::metric_refs(block) {
                assert!(
                    readable.contains(&r.name),
                    "{file}: query reads unknown series {}",
                    r.name
                );
            }
        }
        seen.insert(stem.to_string());
    }
    assert_eq!(seen, alerts, "one runbook per alert");
    let index = std::fs::read_to_string(dir.join("README.md")).unwrap();
    for alert in &alerts {
        assert!(
            index.contains(&format!("[{alert}.md]({alert}.md)")),
            "runbooks/README.md does not list {alert}"
        );
    }
}

#[test]
fn the_plans_section_9_runbooks_keep_their_steps() {
    let breaker = m::read("runbooks/CircuitBreakerOpen.md");
    for needle in [
        "status.central.arubanetworks.com",
        "ARUBA_CIRCUIT_BREAKER_TIMEOUT",
        "check_server_health",
    ] {
        assert!(breaker.contains(needle), "CircuitBreakerOpen.md: {needle}");
    }
    let oauth = m::read("runbooks/OAuth2TokenRefreshFailed.md");
    for needle in [
        "ARUBA_CLIENT_ID",
        "ARUBA_CLIENT_SECRET",
        "/run/secrets/",
        "aruba-noc-mcp check",
        "restart",
    ] {
        assert!(
            oauth.contains(needle),
            "OAuth2TokenRefreshFailed.md: {needle}"
        );
    }
}

#[test]
fn rules_read_only_exported_series_and_counters_only_over_a_range() {
    let readable = readable_series();
    let rules = m::alert_rules()
        .into_iter()
        .chain(m::recording_rules())
        .collect::<Vec<_>>();
    for rule in rules {
        let name = rule.alert.or(rule.record).unwrap();
        let refs = m::metric_refs(&rule.expr);
        assert!(!refs.is_empty(), "{name}: reads no series?");
        for r in refs {
            assert!(
                readable.contains(&r.name),
                "{name}: reads {} which nothing exports",
                r.name
            );
            if m::is_counter_series(&r.name) {
                assert!(
                    r.ranged || r.presence_only,
                    "{name}: counter {} compared without rate()/increase()",
                    r.name
                );
            }
        }
    }
}

#[test]
fn recording_rules_follow_the_level_metric_operations_convention() {
    for name in recorded_names() {
        let parts: Vec<&str> = name.split(':').collect();
        assert_eq!(parts.len(), 3, "{name}: level:metric:operations");
        assert!(
            matches!(parts[0], "instance" | "job"),
            "{name}: level is instance or job"
        );
    }
}

#[derive(Debug, Deserialize)]
struct TestFile {
    rule_files: Vec<String>,
    tests: Vec<TestGroup>,
}

#[derive(Debug, Deserialize)]
struct TestGroup {
    name: String,
    #[serde(default)]
    input_series: Vec<InputSeries>,
    #[serde(default)]
    alert_rule_test: Vec<AlertTest>,
}

#[derive(Debug, Deserialize)]
struct InputSeries {
    series: String,
}

#[derive(Debug, Deserialize)]
struct AlertTest {
    alertname: String,
    #[serde(default)]
    exp_alerts: Vec<ExpectedAlert>,
}

#[derive(Debug, Deserialize)]
struct ExpectedAlert {
    #[serde(default)]
    exp_labels: BTreeMap<String, String>,
    #[serde(default)]
    exp_annotations: BTreeMap<String, String>,
}

fn test_files() -> Vec<(String, TestFile)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(m::dir().join("prometheus")).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        if file.ends_with(".test.yml") {
            let parsed: TestFile = serde_norway::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            out.push((file, parsed));
        }
    }
    assert!(out.len() >= 3, "alerts, slo and recording tests");
    out
}

#[test]
fn every_alert_rule_has_a_firing_test_with_its_labels_and_annotations_and_a_near_miss() {
    let files = test_files();
    let mut fired: Vec<&ExpectedAlert> = Vec::new();
    let mut near_misses: BTreeSet<&str> = BTreeSet::new();
    for (_, file) in &files {
        for group in &file.tests {
            for t in &group.alert_rule_test {
                if t.exp_alerts.is_empty() {
                    near_misses.insert(&t.alertname);
                }
                for e in &t.exp_alerts {
                    assert_eq!(
                        e.exp_labels.get("alertname"),
                        None,
                        "{}: alertname is implied",
                        group.name
                    );
                    fired.push(e);
                }
            }
        }
    }
    for rule in m::alert_rules() {
        let name = rule.alert.as_deref().unwrap();
        // A firing expectation of this very rule: all its labels and all its annotations' keys,
        // and its runbook_url exactly.
        let tested = fired.iter().any(|e| {
            rule.labels
                .iter()
                .all(|(k, v)| e.exp_labels.get(k) == Some(v))
                && rule
                    .annotations
                    .keys()
                    .all(|k| e.exp_annotations.contains_key(k))
                && e.exp_annotations.get("runbook_url") == rule.annotations.get("runbook_url")
        });
        assert!(
            tested,
            "{name} {:?}: no test expects it to fire with its labels and annotations",
            rule.labels
        );
        assert!(
            near_misses.contains(name),
            "{name}: no near-miss test (exp_alerts: [])"
        );
    }
}

#[test]
fn promtool_tests_feed_only_series_the_server_or_prometheus_has() {
    let exported: BTreeSet<String> = m::exported_series()
        .into_iter()
        .chain(m::PROMETHEUS_SERIES.iter().map(|s| s.to_string()))
        .collect();
    for (file, parsed) in test_files() {
        assert!(!parsed.rule_files.is_empty(), "{file}: rule_files");
        for group in parsed.tests {
            for s in group.input_series {
                let name = s.series.split('{').next().unwrap().trim();
                assert!(
                    exported.contains(name),
                    "{file} / {}: input series {name} is not exported",
                    group.name
                );
            }
        }
    }
}

// ------------------------------------------------------------------------------ dashboard

#[test]
fn dashboard_is_provisionable_with_a_datasource_variable() {
    let text = m::read("grafana/dashboard.json");
    let dash = m::dashboard();
    assert!(
        dash.get("__inputs").is_none(),
        "export-style __inputs are never filled by provisioning"
    );
    assert!(
        !text.contains("DS_PROMETHEUS"),
        "no ${{DS_PROMETHEUS}} placeholders"
    );
    assert!(dash["uid"].as_str().is_some_and(|u| !u.is_empty()));
    let vars = dash["templating"]["list"].as_array().unwrap();
    let var = |name: &str| {
        vars.iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("variable {name}"))
            .clone()
    };
    let ds = var("datasource");
    assert_eq!(ds["type"], "datasource");
    assert_eq!(ds["query"], "prometheus");
    let instance = var("instance");
    assert_eq!(instance["type"], "query");
    assert_eq!(instance["multi"], true, "one dashboard for a fleet");
    assert_eq!(instance["includeAll"], true);
    assert_eq!(var("job")["type"], "query");
    for v in vars.iter().filter(|v| v["type"] == "query") {
        assert_eq!(
            v["datasource"]["uid"], "${datasource}",
            "variable {}",
            v["name"]
        );
    }

    let uses_variable = |d: &Value| d["uid"] == "${datasource}" && d["type"] == "prometheus";
    let mut ids = BTreeSet::new();
    for p in dash["panels"].as_array().unwrap() {
        assert!(
            ids.insert(p["id"].as_u64().expect("panel id")),
            "unique ids"
        );
        let g = &p["gridPos"];
        assert!(g["x"].as_u64().unwrap() + g["w"].as_u64().unwrap() <= 24);
    }
    for p in m::dashboard_panels(&dash) {
        let title = p["title"].as_str().unwrap();
        assert!(uses_variable(&p["datasource"]), "panel {title}: datasource");
        let targets = p["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "panel {title}: no query");
        for t in targets {
            assert!(
                uses_variable(&t["datasource"]),
                "panel {title}: target datasource"
            );
        }
        assert!(
            p["description"].as_str().is_some_and(|d| !d.is_empty()),
            "panel {title}: description"
        );
    }
    for a in dash["annotations"]["list"].as_array().unwrap() {
        if a.get("expr").is_some() {
            assert!(uses_variable(&a["datasource"]), "annotation {}", a["name"]);
        }
    }
}

#[test]
fn dashboard_has_the_plans_rows_and_panels() {
    let dash = m::dashboard();
    let rows: Vec<&str> = dash["panels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "row")
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        rows,
        [
            "Overview",
            "Performance",
            "Resilience",
            "Authentication",
            "Sessions"
        ]
    );
    let titles: Vec<String> = m::dashboard_panels(&dash)
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_string())
        .collect();
    for (title, kind) in [
        ("Server health", "stat"),
        ("API success rate (5m)", "gauge"),
        ("Circuit breaker", "stat"),
        ("Active API calls", "stat"),
        ("API latency (p50, p95, p99)", "timeseries"),
        ("Throughput (requests/min)", "timeseries"),
        ("Errors by status code (per min)", "timeseries"),
        ("Circuit breaker timeline", "state-timeline"),
        ("Rate limiter tokens", "gauge"),
        ("Retry distribution", "heatmap"),
        ("Token refresh events", "timeseries"),
        ("Token expiry countdown", "gauge"),
        ("OAuth2 latency", "timeseries"),
        ("Active sessions by transport", "timeseries"),
        ("New sessions (per min)", "timeseries"),
        ("Refused sessions by reason (per min)", "timeseries"),
        ("MCP HTTP requests by status (per min)", "timeseries"),
        ("Service restarts (15m)", "timeseries"),
    ] {
        let panel = m::dashboard_panels(&dash)
            .into_iter()
            .find(|p| p["title"] == title)
            .unwrap_or_else(|| panic!("panel {title:?} missing; have {titles:?}"));
        assert_eq!(panel["type"], kind, "{title}");
    }
    // The error chart stacks bars, as the plan asks.
    let errors = m::dashboard_panels(&dash)
        .into_iter()
        .find(|p| p["title"] == "Errors by status code (per min)")
        .unwrap();
    let custom = &errors["fieldConfig"]["defaults"]["custom"];
    assert_eq!(custom["drawStyle"], "bars");
    assert_eq!(custom["stacking"]["mode"], "normal");
}

#[test]
fn dashboard_queries_read_exported_series_for_the_selected_job_and_instances() {
    let readable = readable_series();
    let dash = m::dashboard();
    let queries = m::dashboard_queries(&dash);
    assert!(queries.len() > 30, "{} queries", queries.len());
    for q in &queries {
        let refs = m::metric_refs(&q.expr);
        assert!(!refs.is_empty(), "{}: reads no series", q.place);
        for r in &refs {
            assert!(
                readable.contains(&r.name),
                "{}: reads {} which nothing exports",
                q.place,
                r.name
            );
            if m::is_counter_series(&r.name) {
                assert!(
                    r.ranged || r.presence_only,
                    "{}: counter {} read without a range",
                    q.place,
                    r.name
                );
            }
        }
        // Every query is scoped to the chosen job (except the variable that lists the jobs); the
        // per-appliance ones to the chosen instances.
        if q.place != "variable \"job\"" {
            assert!(
                q.expr.contains("job=\"$job\""),
                "{}: not scoped to $job",
                q.place
            );
        }
        let job_level = q.place.starts_with("variable")
            || q.expr.contains("job:")
            || q.expr.contains("ALERTS")
            || q.expr.contains("[30d]");
        if !job_level {
            assert!(
                q.expr.contains("instance=~\"$instance\""),
                "{}: not scoped to $instance: {}",
                q.place,
                q.expr
            );
        }
    }
}

#[test]
fn dashboard_thresholds_are_the_alerts_thresholds() {
    let dash = m::dashboard();
    let steps = |title: &str| -> Vec<f64> {
        let p = m::dashboard_panels(&dash)
            .into_iter()
            .find(|p| p["title"] == title)
            .unwrap_or_else(|| panic!("panel {title}"));
        p["fieldConfig"]["defaults"]["thresholds"]["steps"]
            .as_array()
            .unwrap_or_else(|| panic!("{title}: thresholds"))
            .iter()
            .filter_map(|s| s["value"].as_f64())
            .collect()
    };
    let alerts = m::alert_rules();
    // All rules of that name (the SLO alerts have two).
    let expr = |name: &str| {
        alerts
            .iter()
            .filter(|r| r.alert.as_deref() == Some(name))
            .map(|r| r.expr.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    // (panel, threshold on the panel, alert, the same threshold in the alert's expression)
    for (panel, value, alert, in_expr) in [
        (
            "API latency (p50, p95, p99)",
            5.0,
            "HighAPILatency",
            ") > 5\n",
        ),
        ("API success rate (5m)", 0.95, "APISuccessRateLow", "< 0.95"),
        (
            "API success rate (5m)",
            0.90,
            "HighAPIFailureRate",
            "> 0.10",
        ),
        ("Failure ratio (5m)", 0.10, "HighAPIFailureRate", "> 0.10"),
        (
            "Failure ratio (5m)",
            0.05,
            "HighAPIServerErrorRate",
            "> 0.05",
        ),
        ("Circuit breaker", 1.0, "CircuitBreakerOpen", "> 0"),
        (
            "Rate limiter tokens",
            0.10,
            "RateLimiterPressure",
            "< 0.10 * rate_limiter_capacity",
        ),
        ("Rate limiter waits", 1.0, "RateLimiterWaitHigh", ")) > 1"),
        (
            "Token expiry countdown",
            120.0,
            "TokenExpiringSoon",
            "token_expiry_buffer_seconds < 120",
        ),
        (
            "OAuth2 latency",
            2.0,
            "SlowOAuth2TokenRefresh",
            "p95_increase1h > 2",
        ),
        (
            "Error budget burn rate (1h)",
            14.4,
            "ToolCallsErrorBudgetBurn",
            "14.4 * 0.001",
        ),
        (
            "Error budget burn rate (1h)",
            6.0,
            "CentralAPIErrorBudgetBurn",
            "6 * 0.001",
        ),
        (
            "Service restarts (15m)",
            3.0,
            "ServiceRestarting",
            "[15m]) >= 3",
        ),
    ] {
        let have = steps(panel);
        assert!(
            have.iter().any(|v| (v - value).abs() < 1e-9),
            "panel {panel}: no threshold at {value} ({alert}); has {have:?}"
        );
        let e = expr(alert);
        assert!(e.contains(in_expr), "{alert}: expected {in_expr:?} in {e}");
    }
}

#[test]
fn grafana_provisioning_files_point_at_the_dashboard_and_a_prometheus() {
    #[derive(Deserialize)]
    struct Providers {
        #[serde(rename = "apiVersion")]
        api_version: u32,
        providers: Vec<serde_norway::Value>,
    }
    let p: Providers = serde_norway::from_str(&m::read(
        "grafana/provisioning/dashboards/aruba-noc-mcp.yml",
    ))
    .unwrap();
    assert_eq!(p.api_version, 1);
    assert_eq!(p.providers[0]["type"].as_str(), Some("file"));
    assert!(p.providers[0]["options"]["path"].as_str().is_some());

    #[derive(Deserialize)]
    struct Datasources {
        #[serde(rename = "apiVersion")]
        api_version: u32,
        datasources: Vec<serde_norway::Value>,
    }
    let d: Datasources =
        serde_norway::from_str(&m::read("grafana/provisioning/datasources/prometheus.yml"))
            .unwrap();
    assert_eq!(d.api_version, 1);
    assert_eq!(d.datasources[0]["type"].as_str(), Some("prometheus"));
}
