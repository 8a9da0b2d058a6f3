//! `test_connectivity`: an HTTP, HTTPS, TCP or AAA (RADIUS login) test run by a device over
//! Central's asynchronous troubleshooting API.
//!
//! The model gives a few family-neutral arguments (`target`, `port`, `username`, `password`,
//! `auth_method`, `vrf`); the tool finds the device's family from its serial and maps
//! them onto the body that family's operation documents (troubleshooting.json):
//!
//! | family | http / https | tcp | aaa |
//! |---|---|---|---|
//! | aps | `POST …/aps/{sn}/http(s)` `{url}` | `…/tcp` `{host, port}` | `…/aaa` `{serverName, username, password}` |
//! | cx | `POST …/cx/{sn}/http` `{destination, protocol: HTTP\|HTTPS, vrfName}` | — | `…/aaa` `{authMethodType, radiusServerIp, radiusServerPort, username, password, vrfName}` |
//! | gateways | `POST …/gateways/{sn}/http(s)` `{url}` | — | — |
//!
//! AOS-Switch switches run none of these. An argument the kind or family does not take is
//! refused with an `isError` naming it and what that kind takes there; nothing is POSTed. The
//! test's result, whatever the family, is one shape: passed or not, and the HTTP status,
//! response time, download rate, TCP connect time or RADIUS accept/reject the family reports. A
//! test that FAILED (the target did not answer) is a result, not an error.
//!
//! The password is a [`SecretArg`]: never in `Debug`, a log line or an error; LangSmith sees its
//! key redacted; it leaves the process only in the POST body, and any echo of it in Central's
//! answers (results, error messages) is replaced by `[redacted]`.

use std::net::IpAddr;
use std::time::Duration;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::args::{self, Validate};
use super::diagnostics::{self, DeviceKind, MAX_DURATION, Operation, TaskHandle, TaskRequest};
use super::fields;
use super::secret::SecretArg;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset, actions};
use crate::central::ApiError;

/// Longest `fail_reason` kept, in characters.
const MAX_REASON_CHARS: usize = 300;
/// Most entries of `problems`.
const MAX_PROBLEMS: usize = 8;

/// The test to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConnectivityKind {
    /// An HTTP request.
    Http,
    /// An HTTPS request.
    Https,
    /// A TCP connection (access points).
    Tcp,
    /// A RADIUS login (access points, AOS-CX switches).
    Aaa,
}

impl ConnectivityKind {
    fn name(self) -> &'static str {
        match self {
            ConnectivityKind::Http => "http",
            ConnectivityKind::Https => "https",
            ConnectivityKind::Tcp => "tcp",
            ConnectivityKind::Aaa => "aaa",
        }
    }

    /// What this kind takes besides `serial`, on any family.
    fn takes_anywhere(self) -> &'static str {
        match self {
            ConnectivityKind::Http | ConnectivityKind::Https => {
                "target, plus vrf on an AOS-CX switch"
            }
            ConnectivityKind::Tcp => "target and port (access points only)",
            ConnectivityKind::Aaa => {
                "target, username and password, plus port, auth_method and vrf on an AOS-CX switch"
            }
        }
    }
}

/// RADIUS authentication method of an AOS-CX AAA test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// PAP.
    Pap,
    /// CHAP.
    Chap,
}

impl AuthMethod {
    fn api(self) -> &'static str {
        match self {
            AuthMethod::Pap => "pap",
            AuthMethod::Chap => "chap",
        }
    }
}

/// Arguments of `test_connectivity`. `Debug` shows the password as `[redacted]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestConnectivityArgs {
    /// Serial of the device that runs the test, 5-30 letters and digits.
    #[schemars(description = "")]
    pub serial: String,
    /// http, https, tcp or aaa (a RADIUS login).
    #[schemars(description = "")]
    pub kind: ConnectivityKind,
    /// http/https: URL or host; tcp: host; aaa: the RADIUS server (its name on an AP, its IP on
    /// a switch).
    #[schemars(description = "")]
    pub target: String,
    /// tcp: the port; aaa on a switch: the RADIUS port. 1-65535.
    #[schemars(description = "")]
    pub port: Option<i64>,
    /// aaa: the test user.
    #[schemars(description = "")]
    pub username: Option<String>,
    /// aaa: the test user's password (never logged or shown).
    #[schemars(description = "")]
    pub password: Option<SecretArg>,
    /// aaa on a switch: pap (default) or chap.
    #[schemars(description = "")]
    pub auth_method: Option<AuthMethod>,
    /// Switch: the VRF to test from.
    #[schemars(description = "")]
    pub vrf: Option<String>,
}

impl TestConnectivityArgs {
    /// The optional arguments given, by name.
    fn given(&self) -> Vec<&'static str> {
        [
            ("port", self.port.is_some()),
            ("username", self.username.is_some()),
            ("password", self.password.is_some()),
            ("auth_method", self.auth_method.is_some()),
            ("vrf", self.vrf.is_some()),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(name, _)| name)
        .collect()
    }
}

/// The optional arguments `kind` takes on `family` (`None`: the family does not run it).
fn takes(kind: ConnectivityKind, family: DeviceKind) -> Option<&'static [&'static str]> {
    use ConnectivityKind::*;
    match (family, kind) {
        (DeviceKind::Aps, Http | Https) => Some(&[]),
        (DeviceKind::Aps, Tcp) => Some(&["port"]),
        (DeviceKind::Aps, Aaa) => Some(&["username", "password"]),
        (DeviceKind::Cx, Http | Https) => Some(&["vrf"]),
        (DeviceKind::Cx, Aaa) => Some(&["port", "username", "password", "auth_method", "vrf"]),
        (DeviceKind::Gateways, Http | Https) => Some(&[]),
        _ => None,
    }
}

/// "target", "target and port", "target, username and password".
fn listed(optional: &[&str]) -> String {
    let mut all = vec!["target"];
    all.extend_from_slice(optional);
    match all.split_last() {
        Some((last, [])) => format!("only {last}"),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The noun with its article: "an access point", "a gateway".
fn a_noun(family: DeviceKind) -> String {
    let noun = family.noun();
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

fn invalid(message: String) -> ToolError {
    ToolError::InvalidArgument(message)
}

/// A host name or IP address: 1-253 letters, digits, `.`, `-`, `_` or `:`.
fn is_host(v: &str) -> bool {
    (1..=253).contains(&v.len())
        && !v.starts_with('-')
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_:".contains(c))
}

/// Checks an http/https target: a host, or a URL whose scheme matches `kind`.
fn check_url(kind: ConnectivityKind, target: &str) -> Result<(), ToolError> {
    let lower = target.to_ascii_lowercase();
    let rest = if let Some(rest) = lower.strip_prefix("https://") {
        if kind == ConnectivityKind::Http {
            return Err(invalid(format!(
                "argument `target`: {} is an https URL; use kind https, or give the host alone",
                args::shown(target)
            )));
        }
        rest
    } else if let Some(rest) = lower.strip_prefix("http://") {
        if kind == ConnectivityKind::Https {
            return Err(invalid(format!(
                "argument `target`: {} is an http URL; use kind http, or give the host alone",
                args::shown(target)
            )));
        }
        rest
    } else {
        lower.as_str()
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(host_end);
    let host = authority
        .strip_prefix('[')
        .and_then(|h| h.split_once(']').map(|(ip, _)| ip))
        .unwrap_or_else(|| authority.rsplit_once(':').map_or(authority, |(h, _)| h));
    let path_ok = path
        .chars()
        .all(|c| c.is_ascii_graphic() && !"\"'<>\\`{}|^".contains(c));
    if !is_host(host) || !path_ok || target.len() > 255 {
        return Err(invalid(format!(
            "argument `target`: {} is not a host or URL; expected e.g. www.example.com or \
             https://portal.example.com/health",
            args::shown(target)
        )));
    }
    Ok(())
}

impl Validate for TestConnectivityArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        let kind = self.kind;
        self.target = self.target.trim().to_string();
        if self.target.is_empty() {
            return Err(invalid(
                "argument `target` is required: the URL or host to test, or for aaa the RADIUS server"
                    .into(),
            ));
        }
        match kind {
            ConnectivityKind::Http | ConnectivityKind::Https => check_url(kind, &self.target)?,
            ConnectivityKind::Tcp => {
                if !is_host(&self.target) {
                    return Err(invalid(format!(
                        "argument `target`: {} is not a host name or IP address; kind tcp takes \
                         the host in `target` and the port in `port`, e.g. target mail.example.com, port 443",
                        args::shown(&self.target)
                    )));
                }
            }
            ConnectivityKind::Aaa => {
                let ok = (1..=64).contains(&self.target.len())
                    && self
                        .target
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-_:".contains(c));
                if !ok {
                    return Err(invalid(format!(
                        "argument `target`: {} is not a RADIUS server; expected its name as \
                         configured on the access point (e.g. radius-1) or, on a switch, its IP address",
                        args::shown(&self.target)
                    )));
                }
            }
        }
        // Arguments no family takes for this kind, before any request.
        for name in self.given() {
            let somewhere = [DeviceKind::Aps, DeviceKind::Cx, DeviceKind::Gateways]
                .into_iter()
                .any(|f| takes(kind, f).is_some_and(|t| t.contains(&name)));
            if !somewhere {
                let hint = match name {
                    "username" | "password" | "auth_method" => "; it is for kind aaa",
                    "port" => "; it is for kind tcp (and the RADIUS port of aaa on a switch)",
                    _ => "",
                };
                return Err(invalid(format!(
                    "argument `{name}`: kind {} takes {}, not `{name}`{hint}",
                    kind.name(),
                    kind.takes_anywhere()
                )));
            }
        }
        if let Some(p) = self.port {
            args::check_range("port", p, 1, 65535)?;
        }
        if let Some(v) = &self.vrf {
            let v = v.trim();
            let ok = (1..=32).contains(&v.len())
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !ok {
                return Err(invalid(format!(
                    "argument `vrf`: {} is not a VRF name; expected e.g. default or mgmt",
                    args::shown(v)
                )));
            }
            self.vrf = Some(v.to_string());
        }
        match kind {
            ConnectivityKind::Tcp if self.port.is_none() => {
                return Err(invalid(
                    "argument `port` is required for kind tcp: the TCP port to connect to, 1-65535"
                        .into(),
                ));
            }
            ConnectivityKind::Aaa => {
                self.username = args::clean_text("username", self.username.take(), 64)?;
                if self.username.is_none() {
                    return Err(invalid(
                        "argument `username` is required for kind aaa: the user the RADIUS login is tried with"
                            .into(),
                    ));
                }
                // The value is never part of a message.
                let password = self.password.as_ref().map(SecretArg::expose);
                match password {
                    None | Some("") => {
                        return Err(invalid(
                            "argument `password` is required for kind aaa: the test user's password \
                             (it is sent only to Central, never logged or shown)"
                                .into(),
                        ));
                    }
                    Some(p) if p.chars().count() > 128 => {
                        return Err(invalid(
                            "argument `password`: longer than 128 characters (the value is not shown)"
                                .into(),
                        ));
                    }
                    Some(p) if p.chars().any(char::is_control) => {
                        return Err(invalid(
                            "argument `password`: contains control characters (the value is not shown)"
                                .into(),
                        ));
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The operation and request body of `a` on a device of `family`, with only the fields that
/// family's operation documents; `Err` names the argument it does not take.
fn request(a: &TestConnectivityArgs, family: DeviceKind) -> Result<(Operation, Value), ToolError> {
    use ConnectivityKind::*;
    if family == DeviceKind::AosS {
        return Err(invalid(format!(
            "argument `serial`: {} is an AOS-Switch switch; test_connectivity runs on access \
             points (http, https, tcp, aaa), AOS-CX switches (http, https, aaa) and gateways \
             (http, https). ping_from_switch and traceroute_from_switch run on it",
            a.serial
        )));
    }
    let Some(allowed) = takes(a.kind, family) else {
        let kinds = match family {
            DeviceKind::Cx => "http, https or aaa",
            _ => "http or https",
        };
        return Err(invalid(format!(
            "argument `kind`: {} {} cannot run a {} test; it takes {kinds}",
            family.noun(),
            a.serial,
            a.kind.name()
        )));
    };
    if let Some(extra) = a.given().into_iter().find(|g| !allowed.contains(g)) {
        return Err(invalid(format!(
            "argument `{extra}`: kind {} on {} takes {}; leave `{extra}` out",
            a.kind.name(),
            a_noun(family),
            listed(allowed)
        )));
    }
    let mut body = Map::new();
    let mut put = |k: &str, v: Value| {
        body.insert(k.to_string(), v);
    };
    let password = a.password.as_ref().map(SecretArg::expose).unwrap_or("");
    let username = a.username.as_deref().unwrap_or("");
    let operation = match (family, a.kind) {
        (DeviceKind::Aps | DeviceKind::Gateways, Http | Https) => {
            put("url", json!(a.target));
            if a.kind == Http {
                Operation::Http
            } else {
                Operation::Https
            }
        }
        (DeviceKind::Aps, Tcp) => {
            put("host", json!(a.target));
            put("port", json!(a.port.unwrap_or_default()));
            Operation::Tcp
        }
        (DeviceKind::Aps, Aaa) => {
            put("serverName", json!(a.target));
            put("username", json!(username));
            put("password", json!(password));
            Operation::Aaa
        }
        (DeviceKind::Cx, Http | Https) => {
            put("destination", json!(a.target));
            put(
                "protocol",
                json!(if a.kind == Http { "HTTP" } else { "HTTPS" }),
            );
            if let Some(v) = &a.vrf {
                put("vrfName", json!(v));
            }
            Operation::Http
        }
        (DeviceKind::Cx, Aaa) => {
            if a.target.parse::<IpAddr>().is_err() {
                return Err(invalid(format!(
                    "argument `target`: on an AOS-CX switch the aaa target is the RADIUS \
                     server's IP address, e.g. 10.1.1.10; got {}",
                    args::shown(&a.target)
                )));
            }
            put(
                "authMethodType",
                json!(a.auth_method.unwrap_or(AuthMethod::Pap).api()),
            );
            put("radiusServerIp", json!(a.target));
            if let Some(p) = a.port {
                put("radiusServerPort", json!(p));
            }
            put("username", json!(username));
            put("password", json!(password));
            if let Some(v) = &a.vrf {
                put("vrfName", json!(v));
            }
            Operation::Aaa
        }
        // `takes` has ruled the other pairs out.
        _ => {
            return Err(invalid(format!(
                "argument `kind`: {} {} cannot run a {} test",
                family.noun(),
                a.serial,
                a.kind.name()
            )));
        }
    };
    Ok((operation, Value::Object(body)))
}

/// Result of `test_connectivity`: the test's outcome in one shape whatever the device family.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TestConnectivityOutput {
    /// Serial of the device that ran the test.
    pub serial: String,
    /// Its troubleshooting family: aps, cx or gateways.
    pub device_type: DeviceKind,
    /// http, https, tcp or aaa.
    pub kind: ConnectivityKind,
    /// What was tested: URL, host (with `port` for tcp) or RADIUS server.
    pub target: String,
    /// tcp: the port; aaa on a switch: the RADIUS port, when given.
    pub port: Option<i64>,
    /// Central's task status: INITIATED, RUNNING, COMPLETED or FAILED.
    pub status: String,
    /// The wait ended before the task finished.
    pub timed_out: bool,
    /// The test passed: the target answered (http, https, tcp) or the login was accepted (aaa).
    /// Null until the task finishes.
    pub passed: Option<bool>,
    /// aaa: the RADIUS server accepted (true) or refused (false) the login.
    pub authenticated: Option<bool>,
    /// http/https: the HTTP status code of the last response (gateways report it).
    pub http_status: Option<u16>,
    /// http/https: response time, milliseconds (the average when several requests were made).
    pub response_ms: Option<f64>,
    /// tcp: time to connect, milliseconds.
    pub connect_ms: Option<f64>,
    /// http/https: download rate, kbit/s.
    pub download_kbps: Option<f64>,
    /// Requests or probes answered, percent (gateways, switches).
    pub success_percent: Option<f64>,
    /// The address the target resolved to (switches).
    pub resolved_ip: Option<String>,
    /// Why the test failed, as Central says.
    pub fail_reason: Option<String>,
    /// Non-zero error counters the device reported (switches), e.g. "probesTimedOut 2"; at
    /// most 8.
    pub problems: Vec<String>,
    /// The task handle (list_device_tasks lists it).
    pub task: TaskHandle,
}

impl TestConnectivityOutput {
    /// Fills in the measurements from Central's `output` of a COMPLETED task.
    fn apply(&mut self, o: &Value) {
        use ConnectivityKind::*;
        match (self.device_type, self.kind) {
            (DeviceKind::Aps, Http | Https) => {
                self.download_kbps = fields::number(o, "downloadRateInKbps");
                let kb = fields::number(o, "downloadBytesInKB");
                self.passed = Some(kb.is_none_or(|kb| kb > 0.0));
            }
            (DeviceKind::Aps, Tcp) => {
                self.connect_ms = fields::number(o, "connectionTimeInMilliseconds");
                self.passed = Some(self.connect_ms.is_some());
            }
            (_, Aaa) => {
                let status = fields::text(o, "authenticationStatus")
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let accepted = matches!(
                    status.as_str(),
                    "passed" | "accept" | "accepted" | "success" | "pass"
                );
                self.authenticated = Some(accepted);
                self.passed = Some(accepted);
            }
            (DeviceKind::Cx, _) => {
                let empty = Value::Null;
                let r = fields::object(o, "results").unwrap_or(&empty);
                let received = fields::count(r, "packetsReceived");
                let sent = fields::count(r, "packetsTransmitted");
                self.response_ms = fields::number(r, "httpTransactionRttInMilliseconds")
                    .or_else(|| fields::number(r, "averageRttInMilliseconds"));
                self.resolved_ip = fields::text(r, "resolvedIp");
                self.success_percent = match (received, sent) {
                    (Some(rx), Some(tx)) if tx > 0 => {
                        Some((rx.min(tx) as f64 * 1000.0 / tx as f64).round() / 10.0)
                    }
                    _ => None,
                };
                let mut problems = Vec::new();
                for key in ["httpError", "dnsError"] {
                    if let Some(n) = fields::count(r, key).filter(|n| *n > 0) {
                        problems.push(format!("{key} {n}"));
                    }
                }
                if let Some(stats) = fields::object(o, "statistics")
                    && let Some(map) = stats.as_object()
                {
                    for key in map.keys().filter(|k| *k != "probesTransmitted") {
                        if let Some(n) = fields::count(stats, key).filter(|n| *n > 0) {
                            problems.push(format!("{} {n}", cut(key, 40)));
                        }
                    }
                }
                problems.truncate(MAX_PROBLEMS);
                let http_errors = fields::count(r, "httpError").unwrap_or(0);
                self.passed = Some(received.unwrap_or(0) > 0 && http_errors == 0);
                self.problems = problems;
            }
            (DeviceKind::Gateways, _) => {
                let responses = fields::list(o, "responses");
                self.http_status = responses
                    .iter()
                    .rev()
                    .find_map(|r| fields::text(r, "responseCode"))
                    .and_then(|c| {
                        let digits: String =
                            c.trim().chars().take_while(char::is_ascii_digit).collect();
                        digits.parse().ok()
                    });
                self.response_ms = fields::number(o, "averageLatencyMilliseconds");
                self.success_percent = fields::number(o, "successRatePercent");
                let rates: Vec<f64> = responses
                    .iter()
                    .filter_map(|r| fields::text(r, "downloadRate"))
                    .filter_map(|t| kbps(&t))
                    .collect();
                if !rates.is_empty() {
                    let avg = rates.iter().sum::<f64>() / rates.len() as f64;
                    self.download_kbps = Some((avg * 10.0).round() / 10.0);
                }
                let received = fields::count(o, "receivedPacketsCount")
                    .map(|n| n > 0)
                    .or(self.success_percent.map(|p| p > 0.0))
                    .unwrap_or(!responses.is_empty());
                self.passed = Some(received && self.http_status.is_none_or(|s| s < 400));
            }
            (DeviceKind::AosS, _) => {}
        }
    }

    fn device(&self) -> String {
        format!("{} {}", self.device_type.noun(), self.serial)
    }

    fn what(&self) -> String {
        let kind = self.kind.name().to_ascii_uppercase();
        match (self.kind, self.port) {
            (ConnectivityKind::Aaa, _) => format!(
                "{kind} test from {} against RADIUS server {}",
                self.device(),
                self.target
            ),
            (_, Some(p)) => format!("{kind} test from {} to {}:{p}", self.device(), self.target),
            _ => format!("{kind} test from {} to {}", self.device(), self.target),
        }
    }
}

/// A gateway's download rate ("57.52KB/sec", "1.2MB/sec", "900B/sec") in kbit/s.
fn kbps(text: &str) -> Option<f64> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.strip_suffix("/sec").or_else(|| t.strip_suffix("/s"))?;
    let (number, factor) = if let Some(n) = t.strip_suffix("kb") {
        (n, 8.0)
    } else if let Some(n) = t.strip_suffix("mb") {
        (n, 8000.0)
    } else if let Some(n) = t.strip_suffix('b') {
        (n, 0.008)
    } else {
        return None;
    };
    number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n * factor)
}

/// `text` cut to `max` characters, with `…` when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", text.get(..at).unwrap_or(text)),
        None => text.to_string(),
    }
}

fn ms(v: f64) -> String {
    format!("{}", (v * 10.0).round() / 10.0)
}

impl ToolOutput for TestConnectivityOutput {
    fn summary(&self) -> String {
        let what = self.what();
        if self.status != "COMPLETED" && self.status != "FAILED" {
            return format!(
                "The {what} is still {} after the wait; get_async_test_result with location \"{}\" fetches the result (its `output`).",
                self.status, self.task.location
            );
        }
        let reason = self
            .fail_reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        if self.status == "FAILED" {
            return format!(
                "The {what} FAILED{reason}. The device could not reach it; a failed test is a \
                 result, not a server error."
            );
        }
        if self.kind == ConnectivityKind::Aaa {
            return if self.passed == Some(true) {
                format!("The {what} PASSED: the server accepted the login.")
            } else {
                format!(
                    "The {what} FAILED: the login was not accepted{reason}. Check the user name, \
                     the password and the server's shared secret for this device."
                )
            };
        }
        let mut facts = Vec::new();
        if let Some(s) = self.http_status {
            facts.push(format!("HTTP {s}"));
        }
        if let Some(t) = self.connect_ms {
            facts.push(format!("connected in {} ms", ms(t)));
        }
        if let Some(t) = self.response_ms {
            facts.push(format!("response {} ms", ms(t)));
        }
        if let Some(r) = self.download_kbps {
            facts.push(format!("{} kbit/s", ms(r)));
        }
        if let Some(p) = self.success_percent {
            facts.push(format!("{p}% answered"));
        }
        if !self.problems.is_empty() {
            facts.push(format!("errors: {}", self.problems.join(", ")));
        }
        let facts = if facts.is_empty() {
            String::new()
        } else {
            format!(": {}", facts.join(", "))
        };
        if self.passed == Some(true) {
            format!("The {what} PASSED{facts}.")
        } else {
            format!("The {what} FAILED{facts}{reason}.")
        }
    }
}

/// `e` with every echo of the secret in its text replaced (Central's error message may quote
/// the request).
fn scrub_api(e: ApiError, s: &SecretArg) -> ApiError {
    match e {
        ApiError::Http {
            call,
            status,
            mut envelope,
            retry_after,
        } => {
            for field in [
                &mut envelope.message,
                &mut envelope.error_code,
                &mut envelope.debug_id,
            ] {
                if let Some(text) = field.as_mut() {
                    *text = s.scrub(text);
                }
            }
            ApiError::Http {
                call,
                status,
                envelope,
                retry_after,
            }
        }
        ApiError::InvalidResponse { call, detail } => ApiError::InvalidResponse {
            call,
            detail: s.scrub(&detail),
        },
        ApiError::Retried { attempts, last } => ApiError::Retried {
            attempts,
            last: Box::new(scrub_api(*last, s)),
        },
        other => other,
    }
}

/// `e` without the secret anywhere in its text.
fn scrub_error(e: ToolError, s: &SecretArg) -> ToolError {
    match e {
        ToolError::InvalidArgument(m) => ToolError::InvalidArgument(s.scrub(&m)),
        ToolError::SiteRequired(m) => ToolError::SiteRequired(s.scrub(&m)),
        ToolError::Refused(m) => ToolError::Refused(s.scrub(&m)),
        ToolError::Cancelled(m) => ToolError::Cancelled(s.scrub(&m)),
        ToolError::Unexpected(m) => ToolError::Unexpected(s.scrub(&m)),
        ToolError::Api { context, source } => ToolError::Api {
            context: s.scrub(&context),
            source: Box::new(scrub_api(*source, s)),
        },
        ToolError::Explained { message, source } => ToolError::Explained {
            message: s.scrub(&message),
            source: Box::new(scrub_api(*source, s)),
        },
    }
}

async fn run(
    ctx: ToolContext,
    a: TestConnectivityArgs,
) -> Result<TestConnectivityOutput, ToolError> {
    let secret = a.password.clone();
    let result = run_test(ctx, a).await;
    match secret {
        Some(s) => result.map_err(|e| scrub_error(e, &s)),
        None => result,
    }
}

async fn run_test(
    ctx: ToolContext,
    a: TestConnectivityArgs,
) -> Result<TestConnectivityOutput, ToolError> {
    let started = Instant::now();
    let wait = Duration::from_secs(diagnostics::DEFAULT_TIMEOUT_SECONDS);
    let family = actions::device_kind(&ctx, &a.serial).await?;
    let (operation, body) = request(&a, family)?;
    let target = match a.kind {
        ConnectivityKind::Tcp => format!("{}:{}", a.target, a.port.unwrap_or_default()),
        _ => a.target.clone(),
    };
    let out = diagnostics::run_task(
        &ctx,
        TaskRequest {
            kind: family,
            operation,
            serial: a.serial.clone(),
            body: Some(body),
            destination: Some(target),
            wait: wait.saturating_sub(started.elapsed()),
            want_raw: false,
        },
    )
    .await?;
    let mut output = TestConnectivityOutput {
        serial: out.serial,
        device_type: out.device_type,
        kind: a.kind,
        target: a.target.clone(),
        port: a.port,
        status: out.status,
        timed_out: out.timed_out,
        passed: None,
        authenticated: None,
        http_status: None,
        response_ms: None,
        connect_ms: None,
        download_kbps: None,
        success_percent: None,
        resolved_ip: None,
        fail_reason: out.fail_reason.map(|r| cut(&r, MAX_REASON_CHARS)),
        problems: Vec::new(),
        task: out.task,
    };
    // Whatever Central echoes of the password is gone before anything is mapped.
    let mut central_output = out.action_output;
    if let Some(s) = &a.password {
        output.fail_reason = output.fail_reason.map(|r| s.scrub(&r));
        if let Some(o) = central_output.as_mut() {
            s.scrub_value(o);
        }
    }
    match output.status.as_str() {
        "FAILED" => output.passed = Some(false),
        "COMPLETED" => match central_output {
            Some(o) => output.apply(&o),
            None => output.passed = Some(false),
        },
        _ => {}
    }
    Ok(output)
}

/// The `test_connectivity` tool.
pub fn test_connectivity() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "test_connectivity",
            title: "Test connectivity",
            description: "Runs http/https (target URL or host), tcp (host + port, APs) or aaa (RADIUS login; target: AP server name or switch IP) from a device.",
            toolset: Toolset::Diagnostics,
        },
        run,
    )
    .with_max_duration(MAX_DURATION)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::central::ErrorEnvelope;

    fn args(v: Value) -> Result<TestConnectivityArgs, ToolError> {
        let mut v = v;
        v["serial"] = json!("cnk7abc123");
        args::decode::<TestConnectivityArgs>(v.as_object().unwrap().clone())
    }

    fn aaa(extra: Value) -> TestConnectivityArgs {
        let mut v = json!({"kind": "aaa", "target": "10.1.1.10", "username": "noc",
                           "password": "Plum-Tree-4411"});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        args(v).unwrap()
    }

    #[test]
    fn debug_never_shows_the_password() {
        let a = aaa(json!({}));
        let shown = format!("{a:?} {a:#?}");
        assert!(!shown.contains("Plum-Tree"), "{shown}");
        assert!(
            shown.contains("[redacted]") && shown.contains("noc"),
            "{shown}"
        );
    }

    #[test]
    fn each_family_gets_only_its_documented_fields() {
        let a = aaa(json!({"port": 1812, "vrf": "mgmt", "auth_method": "chap"}));
        let (op, body) = request(&a, DeviceKind::Cx).unwrap();
        assert_eq!(op, Operation::Aaa);
        assert_eq!(
            body,
            json!({"authMethodType": "chap", "radiusServerIp": "10.1.1.10",
                   "radiusServerPort": 1812, "username": "noc", "password": "Plum-Tree-4411",
                   "vrfName": "mgmt"})
        );
        let e = request(&a, DeviceKind::Aps).unwrap_err().to_string();
        assert!(
            e.contains("argument `port`")
                && e.contains("kind aaa on an access point takes target, username and password"),
            "{e}"
        );
        assert!(!e.contains("Plum"));
        let a = aaa(json!({"target": "radius-1"}));
        assert_eq!(
            request(&a, DeviceKind::Aps).unwrap().1,
            json!({"serverName": "radius-1", "username": "noc", "password": "Plum-Tree-4411"})
        );
        assert!(
            request(&a, DeviceKind::Cx)
                .unwrap_err()
                .to_string()
                .contains("argument `target`")
        );
        assert!(
            request(&a, DeviceKind::Gateways)
                .unwrap_err()
                .to_string()
                .contains("argument `kind`")
        );

        let h = args(json!({"kind": "https", "target": "www.example.com"})).unwrap();
        assert_eq!(
            request(&h, DeviceKind::Cx).unwrap(),
            (
                Operation::Http,
                json!({"destination": "www.example.com", "protocol": "HTTPS"})
            )
        );
        for family in [DeviceKind::Aps, DeviceKind::Gateways] {
            assert_eq!(
                request(&h, family).unwrap(),
                (Operation::Https, json!({"url": "www.example.com"}))
            );
        }
        let e = request(&h, DeviceKind::AosS).unwrap_err().to_string();
        assert!(
            e.contains("argument `serial`") && e.contains("AOS-Switch"),
            "{e}"
        );

        let t = args(json!({"kind": "tcp", "target": "mail.example.com", "port": 25})).unwrap();
        assert_eq!(
            request(&t, DeviceKind::Aps).unwrap(),
            (
                Operation::Tcp,
                json!({"host": "mail.example.com", "port": 25})
            )
        );
        assert!(
            request(&t, DeviceKind::Cx)
                .unwrap_err()
                .to_string()
                .contains("http, https or aaa")
        );
    }

    #[test]
    fn arguments_are_checked_before_any_request_without_echoing_the_password() {
        for (v, needle) in [
            (
                json!({"kind": "http", "target": "x.example.com", "password": "Plum-Tree-4411"}),
                "argument `password`",
            ),
            (
                json!({"kind": "tcp", "target": "x.example.com", "port": 25, "vrf": "a"}),
                "argument `vrf`",
            ),
            (
                json!({"kind": "aaa", "target": "r", "username": "u", "password": ""}),
                "argument `password` is required",
            ),
            (
                json!({"kind": "aaa", "target": "r", "username": "u", "password": "Plum-Tree-4411".repeat(10)}),
                "longer than 128",
            ),
            (
                json!({"kind": "aaa", "target": "r", "username": "u", "password": 44114411}),
                "expected a string",
            ),
            (
                json!({"kind": "aaa", "target": "r", "username": "  ", "password": "Plum-Tree-4411"}),
                "argument `username` is required",
            ),
            (
                json!({"kind": "https", "target": "http://x.example.com"}),
                "use kind http",
            ),
            (
                json!({"kind": "http", "target": "x.example.com/a b"}),
                "argument `target`",
            ),
            (
                json!({"kind": "http", "target": "x.example.com", "vrf": "a b"}),
                "argument `vrf`",
            ),
        ] {
            let e = args(v.clone()).unwrap_err().to_string();
            assert!(e.contains(needle), "{v}: {e}");
            assert!(!e.contains("Plum") && !e.contains("44114411"), "{e}");
        }
        let ok = args(json!({"kind": "http", "target": "http://[2001:db8::1]:8080/x?y=1"}));
        assert!(ok.is_ok(), "{ok:?}");
    }

    fn output(family: DeviceKind, kind: ConnectivityKind, op: Operation) -> TestConnectivityOutput {
        TestConnectivityOutput {
            serial: "CN12AB34CD".into(),
            device_type: family,
            kind,
            target: "www.google.com".into(),
            port: None,
            status: "COMPLETED".into(),
            timed_out: false,
            passed: None,
            authenticated: None,
            http_status: None,
            response_ms: None,
            connect_ms: None,
            download_kbps: None,
            success_percent: None,
            resolved_ip: None,
            fail_reason: None,
            problems: vec![],
            task: TaskHandle::new(
                family,
                "CN12AB34CD".into(),
                op,
                "3f0e5a7c-2b1d-4c55-9d21-7a6b8c9d0e1f".into(),
            ),
        }
    }

    /// The spec's examples, mapped.
    #[test]
    fn maps_the_result_schemas_of_every_family() {
        let mut o = output(DeviceKind::Aps, ConnectivityKind::Http, Operation::Http);
        o.apply(&json!({"downloadBytesInKB": "19", "downloadRateInKbps": "125", "url": "www.google.com"}));
        assert_eq!((o.passed, o.download_kbps), (Some(true), Some(125.0)));
        assert!(
            o.summary().contains("PASSED: 125 kbit/s"),
            "{}",
            o.summary()
        );

        let mut o = output(DeviceKind::Aps, ConnectivityKind::Tcp, Operation::Tcp);
        o.port = Some(443);
        o.apply(&json!({"connectionTimeInMilliseconds": "209", "host": "www.google.com"}));
        assert_eq!((o.passed, o.connect_ms), (Some(true), Some(209.0)));
        assert!(
            o.summary()
                .contains("TCP test from access point CN12AB34CD to www.google.com:443 PASSED: connected in 209 ms"),
            "{}",
            o.summary()
        );

        let mut o = output(DeviceKind::Aps, ConnectivityKind::Aaa, Operation::Aaa);
        o.fail_reason = Some("Authentication timed out".into());
        o.apply(&json!({"authenticationStatus": "Failed", "serverName": "radius-server-1"}));
        assert_eq!((o.passed, o.authenticated), (Some(false), Some(false)));
        assert!(
            o.summary()
                .contains("not accepted: Authentication timed out")
        );

        let mut o = output(DeviceKind::Cx, ConnectivityKind::Aaa, Operation::Aaa);
        o.apply(
            &json!({"authMethodType": "chap", "authenticationStatus": "accept",
                        "radiusServerIp": "10.1.1.10", "username": "005056bd4115"}),
        );
        assert_eq!(o.authenticated, Some(true));

        let mut o = output(DeviceKind::Cx, ConnectivityKind::Https, Operation::Http);
        o.apply(
            &json!({"destination": "https://switch1.google.com", "results": {
            "averageRttInMilliseconds": 0, "dhcpServerIp": null, "dnsError": null,
            "dnsRttInMilliseconds": 0, "httpError": null, "httpTransactionRttInMilliseconds": null,
            "maximumRttInMilliseconds": 0, "minimumRttInMilliseconds": 0, "packetsReceived": 1,
            "packetsTransmitted": 1, "resolvedIp": null},
            "statistics": {"bindError": 0, "probesTimedOut": 0, "probesTransmitted": 2,
            "dnsResolutionFailures": 0, "dhcpFailed": null}}),
        );
        assert_eq!(o.passed, Some(true));
        assert_eq!(o.success_percent, Some(100.0));
        assert_eq!(o.response_ms, Some(0.0));
        assert!(o.problems.is_empty());
        let mut o = output(DeviceKind::Cx, ConnectivityKind::Http, Operation::Http);
        o.apply(
            &json!({"results": {"packetsReceived": 0, "packetsTransmitted": 2},
                        "statistics": {"probesTimedOut": 2, "dnsResolutionFailures": 1}}),
        );
        assert_eq!(o.passed, Some(false));
        assert_eq!(o.problems, ["dnsResolutionFailures 1", "probesTimedOut 2"]);
        assert!(
            o.summary()
                .contains("FAILED: 0% answered, errors: dnsResolutionFailures 1")
        );

        let mut o = output(
            DeviceKind::Gateways,
            ConnectivityKind::Https,
            Operation::Https,
        );
        o.apply(&json!({"averageLatencyMilliseconds": "407", "receivedPacketsCount": "5",
            "successRatePercent": "100", "sentPacketsCount": "5", "responses": [
                {"downloadRate": "57.52KB/sec", "responseCode": "200/OK", "responseTimeMilliseconds": "340"},
                {"downloadRate": "29.85KB/sec", "responseCode": "200/OK", "responseTimeMilliseconds": "654"}]}));
        assert_eq!(o.http_status, Some(200));
        assert_eq!(o.response_ms, Some(407.0));
        assert_eq!(o.download_kbps, Some(349.5));
        assert_eq!(o.passed, Some(true));
        let mut o = output(
            DeviceKind::Gateways,
            ConnectivityKind::Http,
            Operation::Http,
        );
        o.apply(&json!({"receivedPacketsCount": "3", "responses": [{"responseCode": "503/Service Unavailable"}]}));
        assert_eq!((o.http_status, o.passed), (Some(503), Some(false)));
    }

    #[test]
    fn download_rates_in_kbit_per_second() {
        assert_eq!(kbps("57.52KB/sec"), Some(460.16));
        assert_eq!(kbps("1.5MB/sec"), Some(12000.0));
        assert_eq!(kbps("1000B/sec"), Some(8.0));
        assert_eq!(kbps("fast"), None);
        assert_eq!(kbps("-1KB/sec"), None);
    }

    #[test]
    fn errors_lose_an_echoed_password() {
        let s = SecretArg::new("Plum-Tree-4411");
        let e = ToolError::Explained {
            message: "Central rejected it".into(),
            source: Box::new(ApiError::Retried {
                attempts: 1,
                last: Box::new(ApiError::Http {
                    call: "POST /x".into(),
                    status: 400,
                    envelope: ErrorEnvelope {
                        error_code: None,
                        message: Some("bad password 'Plum-Tree-4411'".into()),
                        debug_id: None,
                    },
                    retry_after: None,
                }),
            }),
        };
        let before = e.to_string();
        assert!(before.contains("Plum-Tree-4411"), "{before}");
        let after = scrub_error(e, &s).to_string();
        assert!(
            !after.contains("Plum") && after.contains("bad password '[redacted]'"),
            "{after}"
        );
        let e = scrub_error(ToolError::Unexpected("x Plum-Tree-4411".into()), &s);
        assert_eq!(e.to_string(), "x [redacted]");
    }
}
