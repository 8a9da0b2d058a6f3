//! What `test_connectivity` answers: the test's outcome in one shape whatever the family, read
//! from Central's result, and its summary.

use rmcp::schemars::{self, JsonSchema};
use serde::Serialize;
use serde_json::Value;

use super::request::ConnectivityKind;
use crate::tools::ToolOutput;
use crate::tools::args::cut;
use crate::tools::diagnostics::{DeviceKind, TaskHandle};
use crate::tools::fields;

/// Longest `fail_reason` kept, in characters.
pub(super) const MAX_REASON_CHARS: usize = 300;
/// Most entries of `problems`.
const MAX_PROBLEMS: usize = 8;

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
    pub(super) fn apply(&mut self, o: &Value) {
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
pub(super) fn kbps(text: &str) -> Option<f64> {
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
