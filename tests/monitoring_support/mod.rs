//! Shared by the monitoring tests: loads the assets under `packaging/monitoring/`, lists the
//! metric names the server exports, finds the metric names a PromQL expression reads, and
//! collects every query of the Grafana dashboard.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::Value;

/// `packaging/monitoring/` of this checkout.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("packaging/monitoring")
}

/// Text of `packaging/monitoring/<rel>`.
pub fn read(rel: &str) -> String {
    let path = dir().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Gauges the server exports (docs/operations.md, Monitoring).
pub const GAUGES: &[&str] = &[
    "token_expiry_buffer_seconds",
    "circuit_breaker_state",
    "rate_limiter_tokens_available",
    "rate_limiter_capacity",
    "health_check_status",
    "health_check_dependencies_up",
    "aruba_noc_mcp_build_info",
    "aruba_central_up",
    "process_resident_memory_bytes",
    "process_open_fds",
    "process_max_fds",
    "process_start_time_seconds",
    "process_virtual_memory_bytes",
    "process_threads",
    "mcp_sessions_active",
];

/// Counters the server exports: PromQL may only read them through a range (rate, increase…).
pub const COUNTERS: &[&str] = &[
    "api_calls_total",
    "api_calls_success",
    "api_calls_failure",
    "api_retries_total",
    "oauth2_token_refreshes_total",
    "oauth2_token_refresh_failures",
    "oauth2_concurrent_refresh_prevented",
    "circuit_breaker_failures",
    "circuit_breaker_opens_total",
    "circuit_breaker_half_open_success",
    "circuit_breaker_half_open_failure",
    "rate_limiter_throttled_requests",
    "mcp_tool_calls_total",
    "process_cpu_seconds_total",
    "mcp_sessions_total",
    "mcp_sessions_rejected_total",
    "mcp_http_requests_total",
    "mcp_actions_total",
];

/// Histograms the server exports (as `_bucket`, `_sum`, `_count` series).
pub const HISTOGRAMS: &[&str] = &[
    "api_call_duration_seconds",
    "oauth2_token_refresh_duration_seconds",
    "rate_limiter_wait_time_seconds",
    "mcp_tool_call_duration_seconds",
];

/// Series Prometheus itself makes that the assets may read.
pub const PROMETHEUS_SERIES: &[&str] = &["up", "ALERTS"];

/// Every series name the server exports, histograms expanded.
pub fn exported_series() -> Vec<String> {
    let mut names: Vec<String> = GAUGES
        .iter()
        .chain(COUNTERS)
        .map(|s| s.to_string())
        .collect();
    for h in HISTOGRAMS {
        for suffix in ["_bucket", "_sum", "_count"] {
            names.push(format!("{h}{suffix}"));
        }
    }
    names
}

/// Series that only grow: counters and the histograms' series.
pub fn is_counter_series(name: &str) -> bool {
    COUNTERS.contains(&name)
        || HISTOGRAMS.iter().any(|h| {
            name.strip_prefix(h)
                .is_some_and(|s| matches!(s, "_bucket" | "_sum" | "_count"))
        })
}

/// A Prometheus rule file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Rule groups.
    pub groups: Vec<RuleGroup>,
}

/// One rule group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleGroup {
    /// Group name.
    pub name: String,
    /// Evaluation interval of the group, if not the global one.
    #[serde(default)]
    pub interval: Option<String>,
    /// Rules in order.
    pub rules: Vec<Rule>,
}

/// An alerting or recording rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Alert name (alerting rules).
    #[serde(default)]
    pub alert: Option<String>,
    /// Recorded series name (recording rules).
    #[serde(default)]
    pub record: Option<String>,
    /// PromQL.
    pub expr: String,
    /// Pending duration.
    #[serde(default, rename = "for")]
    pub for_: Option<String>,
    /// Labels added.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// Parses `packaging/monitoring/prometheus/<name>`.
pub fn rules(name: &str) -> RuleFile {
    let text = read(&format!("prometheus/{name}"));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("parsing prometheus/{name}: {e}"))
}

/// Every alerting rule of alerts.yml.
pub fn alert_rules() -> Vec<Rule> {
    rules("alerts.yml")
        .groups
        .into_iter()
        .flat_map(|g| g.rules)
        .inspect(|r| {
            assert!(
                r.alert.is_some(),
                "alerts.yml holds a recording rule: {r:?}"
            )
        })
        .collect()
}

/// Every recording rule of recording.yml.
pub fn recording_rules() -> Vec<Rule> {
    rules("recording.yml")
        .groups
        .into_iter()
        .flat_map(|g| g.rules)
        .inspect(|r| assert!(r.record.is_some(), "recording.yml holds an alert: {r:?}"))
        .collect()
}

/// One metric name read by a PromQL expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricRef {
    /// The series name.
    pub name: String,
    /// Whether a range selector (`[5m]`) follows it, i.e. it is read over a window.
    pub ranged: bool,
    /// Whether it is the right-hand side of `unless` or `and`, which reads only which series
    /// exist, not their values.
    pub presence_only: bool,
}

/// Aggregation operators (they may be followed by `by`/`without` before their parenthesis).
const AGGREGATIONS: &[&str] = &[
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
];
/// Keywords followed by a parenthesised label list.
const LABEL_LIST_KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];
/// Other keywords and literals that are not series names.
const KEYWORDS: &[&str] = &[
    "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "Inf", "NaN",
];

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b':'
}

/// Index just past the string literal starting at `i` (a quote).
fn skip_string(b: &[u8], i: usize) -> usize {
    let quote = b[i];
    let mut j = i + 1;
    while j < b.len() && b[j] != quote {
        if b[j] == b'\\' && quote != b'`' {
            j += 1;
        }
        j += 1;
    }
    j + 1
}

/// Index just past the bracketed group starting at `i` (`open`), skipping strings inside.
fn skip_group(b: &[u8], i: usize, open: u8, close: u8) -> usize {
    let mut depth = 0;
    let mut j = i;
    while j < b.len() {
        match b[j] {
            b'"' | b'\'' | b'`' => {
                j = skip_string(b, j);
                continue;
            }
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    panic!(
        "unbalanced {} in {:?}",
        open as char,
        String::from_utf8_lossy(b)
    );
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The series names `expr` reads, in order, with whether each is read over a range.
/// Understands PromQL plus Grafana's `$var`/`${var}` placeholders (skipped).
pub fn metric_refs(expr: &str) -> Vec<MetricRef> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    // The word just before the current token, if the token directly follows it.
    let mut last_word = "";
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let before = std::mem::take(&mut last_word);
        if matches!(c, b'"' | b'\'' | b'`') {
            i = skip_string(b, i);
        } else if c == b'{' {
            i = skip_group(b, i, b'{', b'}');
        } else if c == b'[' {
            i = skip_group(b, i, b'[', b']');
        } else if c == b'$' {
            i += 1;
            if i < b.len() && b[i] == b'{' {
                i = skip_group(b, i, b'{', b'}');
            } else {
                while i < b.len() && is_ident(b[i]) {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            // Numbers and durations (1e3, 0.95, 5m, 1h30m).
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
        } else if is_ident_start(c) {
            let start = i;
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            let word = &expr[start..i];
            let next = skip_space(b, i);
            if LABEL_LIST_KEYWORDS.contains(&word) {
                if next < b.len() && b[next] == b'(' {
                    i = skip_group(b, next, b'(', b')');
                }
                // `unless on (…) x` still reads only which series of x exist.
                if matches!(word, "on" | "ignoring") {
                    last_word = before;
                }
            } else if KEYWORDS.contains(&word) || AGGREGATIONS.contains(&word) {
                // not a series
                last_word = word;
            } else if next < b.len() && b[next] == b'(' {
                // a function call
            } else {
                let mut after = next;
                if after < b.len() && b[after] == b'{' {
                    after = skip_space(b, skip_group(b, after, b'{', b'}'));
                }
                out.push(MetricRef {
                    name: word.to_string(),
                    ranged: after < b.len() && b[after] == b'[',
                    presence_only: matches!(before, "unless" | "and"),
                });
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The dashboard JSON.
pub fn dashboard() -> Value {
    serde_json::from_str(&read("grafana/dashboard.json")).expect("dashboard.json is valid JSON")
}

/// One PromQL query of the dashboard, and where it is.
#[derive(Debug, Clone)]
pub struct DashboardQuery {
    /// e.g. `panel "API latency" target B`.
    pub place: String,
    /// The PromQL, with Grafana placeholders still in.
    pub expr: String,
}

/// Every non-row panel, including panels nested in collapsed rows.
pub fn dashboard_panels(dash: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for p in dash["panels"].as_array().expect("panels array") {
        if p["type"] == "row" {
            out.extend(p["panels"].as_array().cloned().unwrap_or_default());
        } else {
            out.push(p.clone());
        }
    }
    out
}

/// Every PromQL expression of the dashboard: panel targets, annotation queries and the metric
/// selectors of `label_values(…)` variable queries.
pub fn dashboard_queries(dash: &Value) -> Vec<DashboardQuery> {
    let mut out = Vec::new();
    for p in dashboard_panels(dash) {
        for t in p["targets"].as_array().cloned().unwrap_or_default() {
            out.push(DashboardQuery {
                place: format!(
                    "panel {:?} target {}",
                    p["title"].as_str().unwrap_or("?"),
                    t["refId"].as_str().unwrap_or("?")
                ),
                expr: t["expr"].as_str().expect("target expr").to_string(),
            });
        }
    }
    for a in dash["annotations"]["list"].as_array().expect("annotations") {
        if let Some(expr) = a["expr"].as_str() {
            out.push(DashboardQuery {
                place: format!("annotation {:?}", a["name"].as_str().unwrap_or("?")),
                expr: expr.to_string(),
            });
        }
    }
    for v in dash["templating"]["list"].as_array().expect("templating") {
        if v["type"] != "query" {
            continue;
        }
        let q = v["query"]["query"]
            .as_str()
            .or_else(|| v["query"].as_str())
            .expect("variable query");
        let inner = q
            .strip_prefix("label_values(")
            .and_then(|s| s.rsplit_once(','))
            .map(|(selector, _label)| selector.trim().to_string())
            .unwrap_or_else(|| panic!("variable {:?}: expected label_values(…): {q}", v["name"]));
        out.push(DashboardQuery {
            place: format!("variable {:?}", v["name"].as_str().unwrap_or("?")),
            expr: inner,
        });
    }
    out
}

/// `expr` with Grafana's placeholders replaced by concrete values, ready for Prometheus.
pub fn resolve_grafana_vars(expr: &str, job: &str, instance: &str, rate_interval: &str) -> String {
    expr.replace("$__rate_interval", rate_interval)
        .replace("$__interval", rate_interval)
        .replace("$job", job)
        .replace("$instance", instance)
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh directory under the system temp dir.
    pub fn new(name: &str) -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir = std::env::temp_dir().join(format!("aruba-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// `rel` inside the directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process killed and reaped on drop.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free port on 127.0.0.1 (bound and released; the next process binds it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `binary` on PATH. Missing: a failure under `CI=true` (the test cannot be skipped there),
/// otherwise `None` after saying the test is skipped. `package` is the Debian package with it.
pub fn tool(binary: &str, package: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(binary))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "`{binary}` is not on PATH (apt-get install {package}; tests/monitoring.sh does)"
        );
        eprintln!("SKIPPED: `{binary}` is not on PATH (apt-get install {package})");
    }
    found
}
