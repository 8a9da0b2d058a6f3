//! `run_throughput_test`: a throughput test against an iperf3 server, run by an access point
//! (`POST …/aps/{serial}/speedtest`) or a gateway (`POST …/gateways/{serial}/iperf`) over
//! Central's asynchronous troubleshooting API. The family comes from the serial; switches are
//! refused before anything is sent. The two families' results (the AP's upstream/downstream
//! fields, the gateway's sender/receiver rates and iperf3 text) are mapped into one shape:
//! upload and download, in Mbit/s, with TCP retransmits and UDP jitter and loss where given.

use std::time::Duration;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::args::{self, Validate};
use super::diagnostics::{self, DeviceKind, MAX_DURATION, Operation, TaskHandle, TaskRequest};
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset, actions};

/// Test length when `seconds` is not given (valid for both families).
pub const DEFAULT_SECONDS: u64 = 10;
/// Added to the test's own duration for the default wait (start, server setup, polling).
pub const WAIT_MARGIN_SECONDS: u64 = 30;
/// Most parallel streams (the AP's limit; the gateway takes up to 128).
pub const MAX_PARALLEL: u64 = 30;

/// Transport of the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP: throughput and retransmits.
    Tcp,
    /// UDP: jitter and loss at iperf3's default rate.
    Udp,
}

impl Protocol {
    fn api(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// Arguments of `run_throughput_test`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunThroughputTestArgs {
    /// Serial of the access point or gateway that runs the test, e.g. CNK7ABC123.
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial: String,
    /// IP address or host name of the iperf3 server.
    #[schemars(description = "")]
    pub iperf_server: String,
    /// tcp (default) or udp.
    #[schemars(description = "")]
    pub protocol: Option<Protocol>,
    /// Test length in seconds: an access point takes 1-20, a gateway 10-120 (default 10).
    #[schemars(range(min = 1, max = 120))]
    #[schemars(description = "AP 1-20, gateway 10-120.")]
    pub seconds: Option<u64>,
    /// Also measure the download (server to device) after the upload.
    #[schemars(description = "")]
    pub reverse: Option<bool>,
    /// Parallel streams, 1-30.
    #[schemars(range(min = 1, max = 30))]
    #[schemars(description = "")]
    pub parallel: Option<u64>,
    /// The iperf3 server's port, 1-65535 (iperf3's default 5201 when omitted).
    #[schemars(range(min = 1))]
    #[schemars(description = "")]
    pub port: Option<u64>,
}

/// An IP address or host name: 1-253 letters, digits, `.`, `-`, `_` or `:`, not starting with
/// `-`; the error names `name`.
pub(crate) fn host(name: &str, value: &str) -> Result<String, ToolError> {
    let v = value.trim();
    if !args::is_host(v) {
        return Err(ToolError::InvalidArgument(format!(
            "argument `{name}`: {} is not an IP address or host name; expected e.g. 203.0.113.10 or iperf.example.com",
            args::shown(value)
        )));
    }
    Ok(v.to_string())
}

impl RunThroughputTestArgs {
    fn seconds(&self) -> u64 {
        self.seconds.unwrap_or(DEFAULT_SECONDS)
    }

    /// How long the device measures: the test, and the reverse test after it.
    fn test_seconds(&self) -> u64 {
        self.seconds() * if self.reverse == Some(true) { 2 } else { 1 }
    }

    /// How long to wait for the result: the test plus [`WAIT_MARGIN_SECONDS`].
    fn wait(&self) -> Duration {
        Duration::from_secs(
            (self.test_seconds() + WAIT_MARGIN_SECONDS).min(diagnostics::MAX_TIMEOUT_SECONDS),
        )
    }
}

impl Validate for RunThroughputTestArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        self.iperf_server = host("iperf_server", &self.iperf_server)?;
        args::optional_range("seconds", self.seconds, 1, 120)?;
        args::optional_range("parallel", self.parallel, 1, MAX_PARALLEL as i64)?;
        args::optional_range("port", self.port, 1, 65535)?;
        Ok(())
    }
}

/// One direction of a throughput test.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct Direction {
    /// Throughput in Mbit/s: what the receiving end got, where both ends report.
    pub mbps: Option<f64>,
    /// What the sending end sent, Mbit/s (gateway iperf only).
    pub sender_mbps: Option<f64>,
    /// TCP retransmissions.
    pub retransmits: Option<u64>,
    /// UDP jitter, milliseconds.
    pub jitter_ms: Option<f64>,
    /// UDP datagrams lost, percent.
    pub loss_percent: Option<f64>,
}

impl Direction {
    fn is_empty(&self) -> bool {
        self == &Direction::default()
    }

    /// `d`'s fields where this one has none.
    fn or(self, d: Direction) -> Direction {
        Direction {
            mbps: self.mbps.or(d.mbps),
            sender_mbps: self.sender_mbps.or(d.sender_mbps),
            retransmits: self.retransmits.or(d.retransmits),
            jitter_ms: self.jitter_ms.or(d.jitter_ms),
            loss_percent: self.loss_percent.or(d.loss_percent),
        }
    }

    fn text(&self) -> String {
        let mut s = match self.mbps {
            Some(m) => format!("{} Mbit/s", round2(m)),
            None => "? Mbit/s".to_string(),
        };
        if let Some(x) = self.sender_mbps {
            s.push_str(&format!(" (sender {})", round2(x)));
        }
        if let Some(r) = self.retransmits {
            s.push_str(&format!(", {r} retransmits"));
        }
        if let Some(j) = self.jitter_ms {
            s.push_str(&format!(", jitter {} ms", round2(j)));
        }
        if let Some(l) = self.loss_percent {
            s.push_str(&format!(", {}% loss", round2(l)));
        }
        s
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Result of `run_throughput_test`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RunThroughputTestOutput {
    /// Serial of the device.
    pub serial: String,
    /// Its troubleshooting family: aps or gateways.
    pub device_type: DeviceKind,
    /// Central's test: speedtest (access point) or iperf (gateway).
    pub test: String,
    /// The iperf3 server.
    pub server: String,
    /// tcp or udp.
    pub protocol: String,
    /// Length of the test (each direction), seconds.
    pub seconds: u64,
    /// Central's task status: INITIATED, RUNNING, COMPLETED or FAILED.
    pub status: String,
    /// The wait ended before the task finished.
    pub timed_out: bool,
    /// Why it failed (FAILED).
    pub fail_reason: Option<String>,
    /// Device to server.
    pub upload: Option<Direction>,
    /// Server to device (with `reverse`).
    pub download: Option<Direction>,
    /// The task handle.
    pub task: TaskHandle,
}

impl ToolOutput for RunThroughputTestOutput {
    fn summary(&self) -> String {
        let what = format!(
            "{} ({}, {} s) from {} {} to {}",
            self.test,
            self.protocol.to_ascii_uppercase(),
            self.seconds,
            self.device_type.noun(),
            self.serial,
            self.server
        );
        match self.status.as_str() {
            "COMPLETED" => {
                let mut parts = Vec::new();
                if let Some(u) = &self.upload {
                    parts.push(format!("upload {}", u.text()));
                }
                if let Some(d) = &self.download {
                    parts.push(format!("download {}", d.text()));
                }
                let mut s = if parts.is_empty() {
                    format!("The {what} completed, but Central reported no throughput figures.")
                } else {
                    format!("The {what} completed: {}.", parts.join("; "))
                };
                if self.download.is_none() {
                    s.push_str(" Download not measured (reverse: true measures it).");
                }
                s
            }
            "FAILED" => format!(
                "The {what} FAILED: {}. Check that an iperf3 server listens there (and its port) and that the device can reach it; a failed test is a result, not a server error.",
                self.fail_reason
                    .as_deref()
                    .unwrap_or("Central gave no reason")
            ),
            status => format!(
                "The {what} is still {status} after the wait{}. get_async_test_result with location \"{}\" fetches the result (its `output`).",
                if self.timed_out {
                    " (the wait limit was reached)"
                } else {
                    ""
                },
                self.task.location
            ),
        }
    }
}

/// A number read leniently: a JSON number, or the first word of a string (`"0.032 ms"`).
fn lead_number(v: &Value, key: &str) -> Option<f64> {
    fields::number(v, key).or_else(|| {
        fields::text(v, key)?
            .split_whitespace()
            .next()?
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
    })
}

/// One direction of the AP's speedtest output (`upstream…` or `downstream…` fields).
fn ap_direction(out: &Value, prefix: &str) -> Option<Direction> {
    let key = |k: &str| format!("{prefix}{k}");
    let lost = lead_number(out, &key("LostPackets"));
    let datagrams = lead_number(out, &key("Datagrams"));
    let d = Direction {
        mbps: lead_number(out, &key("BandwidthInMbps")),
        sender_mbps: None,
        retransmits: lead_number(out, &key("Retries")).map(|r| r as u64),
        jitter_ms: lead_number(out, &key("Jitter")),
        loss_percent: match (lost, datagrams) {
            (Some(l), Some(n)) if n > 0.0 => Some(round2(l * 100.0 / n)),
            _ => None,
        },
    };
    (!d.is_empty()).then_some(d)
}

/// A rate such as `7.67 Mbits/sec` (or `bits`, `Kbits`, `Gbits`) in Mbit/s.
fn rate_mbps(number: &str, unit: &str) -> Option<f64> {
    let n: f64 = number.parse().ok().filter(|f: &f64| f.is_finite())?;
    let factor = match unit.trim_end_matches("/sec").trim_end_matches("/s") {
        "bits" => 1e-6,
        "Kbits" => 1e-3,
        "Mbits" => 1.0,
        "Gbits" => 1e3,
        _ => return None,
    };
    Some(n * factor)
}

/// A rate field of the gateway's output, e.g. `"9.58 Mbits/sec"`.
fn rate_field(out: &Value, key: &str) -> Option<f64> {
    let t = fields::text(out, key)?;
    let mut words = t.split_whitespace();
    let (n, unit) = (words.next()?, words.next()?);
    rate_mbps(n, unit).map(round2)
}

/// The summary figures of one iperf3 run in the gateway's raw output, and whether it ran in
/// reverse (server sending).
#[derive(Debug, Default, PartialEq)]
struct Run {
    reverse: bool,
    direction: Direction,
}

/// Parses iperf3 text: one run per `Connecting to host`, reverse when it says `Reverse mode`;
/// from the summary lines after the `- - -` rule, the sender's rate and TCP retransmits, the
/// receiver's rate, UDP jitter and loss (`[SUM]` lines win over per-stream lines).
fn iperf_runs(raw: &str) -> Vec<Run> {
    raw.split("Connecting to host")
        .skip(1)
        .filter_map(|chunk| {
            let mut d = Direction::default();
            let mut sum = (false, false);
            let mut in_summary = false;
            for line in chunk.lines().map(str::trim) {
                if line.starts_with("- - -") {
                    in_summary = true;
                    continue;
                }
                if !in_summary || !line.starts_with('[') {
                    continue;
                }
                let Some((id, rest)) = line.split_once(']') else {
                    continue;
                };
                let is_sum = id.trim_start_matches('[').trim() == "SUM";
                let words: Vec<&str> = rest.split_whitespace().collect();
                let Some(at) = words.iter().position(|w| *w == "sec") else {
                    continue;
                };
                let (Some(n), Some(unit)) = (words.get(at + 3), words.get(at + 4)) else {
                    continue;
                };
                let Some(mbps) = rate_mbps(n, unit) else {
                    continue;
                };
                let tail = words.get(at + 5..).unwrap_or_default();
                let sender = tail.last() == Some(&"sender");
                let seen = if sender { &mut sum.0 } else { &mut sum.1 };
                if *seen && !is_sum {
                    continue;
                }
                *seen |= is_sum;
                if sender {
                    d.sender_mbps = Some(round2(mbps));
                    d.retransmits = tail
                        .first()
                        .and_then(|w| w.parse::<u64>().ok())
                        .or(d.retransmits);
                    continue;
                }
                d.mbps = Some(round2(mbps));
                if let Some(ms) = tail.iter().position(|w| *w == "ms") {
                    d.jitter_ms = ms
                        .checked_sub(1)
                        .and_then(|i| tail.get(i))
                        .and_then(|w| w.parse::<f64>().ok());
                    d.loss_percent = tail.get(ms + 1).and_then(|w| w.split_once('/')).and_then(
                        |(lost, total)| {
                            let (l, t) = (lost.parse::<f64>().ok()?, total.parse::<f64>().ok()?);
                            (t > 0.0).then(|| round2(l * 100.0 / t))
                        },
                    );
                }
            }
            (!d.is_empty()).then(|| Run {
                reverse: chunk.contains("Reverse mode"),
                direction: d,
            })
        })
        .collect()
}

/// Upload and download of the gateway's iperf: its parsed `output` (sender and receiver rates)
/// describes the first run, the raw iperf3 text adds retransmits, jitter, loss and the reverse
/// run.
fn gateway_directions(
    out: Option<&Value>,
    raw: Option<&str>,
) -> (Option<Direction>, Option<Direction>) {
    let mut runs = raw.map(iperf_runs).unwrap_or_default();
    let parsed = out
        .map(|o| Direction {
            mbps: rate_field(o, "receiverBandwidth"),
            sender_mbps: rate_field(o, "senderBandwidth"),
            ..Direction::default()
        })
        .unwrap_or_default();
    match runs.first_mut() {
        Some(first) => first.direction = parsed.or(std::mem::take(&mut first.direction)),
        None if !parsed.is_empty() => runs.push(Run {
            reverse: false,
            direction: parsed,
        }),
        None => {}
    }
    let pick = |reverse: bool| {
        runs.iter()
            .find(|r| r.reverse == reverse)
            .map(|r| r.direction.clone())
    };
    (pick(false), pick(true))
}

async fn run(
    ctx: ToolContext,
    a: RunThroughputTestArgs,
) -> Result<RunThroughputTestOutput, ToolError> {
    let started = Instant::now();
    let kind = actions::device_kind(&ctx, &a.serial).await?;
    let seconds = a.seconds();
    let (operation, range) = match kind {
        DeviceKind::Aps => (Operation::Speedtest, (1, 20)),
        DeviceKind::Gateways => (Operation::Iperf, (10, 120)),
        other => {
            return Err(ToolError::InvalidArgument(format!(
                "argument `serial`: {} is an {}; run_throughput_test runs on access points (speedtest) and gateways (iperf)",
                a.serial,
                other.noun()
            )));
        }
    };
    if !(range.0..=range.1).contains(&seconds) {
        return Err(ToolError::InvalidArgument(format!(
            "argument `seconds`: {seconds} is out of range for {} {}; {} takes {} to {} seconds",
            kind.noun(),
            a.serial,
            if kind == DeviceKind::Aps {
                "an access point's speedtest"
            } else {
                "a gateway's iperf"
            },
            range.0,
            range.1
        )));
    }
    let mut body = Map::new();
    body.insert("iperfServerAddress".into(), json!(a.iperf_server));
    if let Some(p) = a.protocol {
        body.insert("protocol".into(), json!(p.api()));
    }
    if let Some(r) = a.reverse {
        body.insert("includeReverse".into(), json!(r));
    }
    if let Some(p) = a.parallel {
        body.insert("parallel".into(), json!(p));
    }
    let gateway = kind == DeviceKind::Gateways;
    let (seconds_field, port_field) = if gateway {
        ("duration", "port")
    } else {
        ("secondsToMeasure", "serverPort")
    };
    body.insert(seconds_field.into(), json!(seconds));
    if let Some(p) = a.port {
        body.insert(port_field.into(), json!(p));
    }
    if gateway {
        // Retransmits, UDP jitter and loss, and the reverse run are only in the iperf3 text.
        body.insert("includeRawOutput".into(), json!(true));
    }
    let out = diagnostics::run_task(
        &ctx,
        TaskRequest {
            kind,
            operation,
            serial: a.serial.clone(),
            body: Some(Value::Object(body)),
            destination: Some(a.iperf_server.clone()),
            wait: a.wait().saturating_sub(started.elapsed()),
            want_raw: gateway,
        },
    )
    .await?;
    let output = out.action_output.as_ref();
    let (upload, download) = if gateway {
        gateway_directions(output, out.raw_output.as_deref())
    } else {
        (
            output.and_then(|o| ap_direction(o, "upstream")),
            output.and_then(|o| ap_direction(o, "downstream")),
        )
    };
    let protocol = output
        .and_then(|o| fields::text(o, "protocol"))
        .map(|p| p.to_ascii_lowercase())
        .unwrap_or_else(|| a.protocol.unwrap_or(Protocol::Tcp).api().to_string());
    Ok(RunThroughputTestOutput {
        serial: out.serial,
        device_type: out.device_type,
        test: operation.segment().to_string(),
        server: a.iperf_server,
        protocol,
        seconds,
        status: out.status,
        timed_out: out.timed_out,
        fail_reason: out.fail_reason,
        upload,
        download,
        task: out.task,
    })
}

/// The `run_throughput_test` tool.
pub fn run_throughput_test() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "run_throughput_test",
            title: "Throughput test",
            description: "iperf3 test from an AP or gateway to iperf_server: upload, and download with reverse.",
            toolset: Toolset::Diagnostics,
        },
        run,
    )
    .with_max_duration(MAX_DURATION)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: Value) -> Result<RunThroughputTestArgs, ToolError> {
        args::decode(v.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn arguments_are_bounded_and_the_wait_covers_the_test() {
        let a = args(json!({"serial": "cnk7abc123", "iperf_server": " 203.0.113.10 "})).unwrap();
        assert_eq!(a.serial, "CNK7ABC123");
        assert_eq!(a.iperf_server, "203.0.113.10");
        assert_eq!(a.wait(), Duration::from_secs(40));
        let a = args(
            json!({"serial": "CNK7ABC123", "iperf_server": "x", "seconds": 120, "reverse": true}),
        )
        .unwrap();
        assert_eq!(a.wait(), Duration::from_secs(270));
        for (bad, name) in [
            (
                json!({"serial": "CNK7ABC123", "iperf_server": "a b"}),
                "iperf_server",
            ),
            (
                json!({"serial": "CNK7ABC123", "iperf_server": "x", "seconds": 0}),
                "seconds",
            ),
            (
                json!({"serial": "CNK7ABC123", "iperf_server": "x", "seconds": 121}),
                "seconds",
            ),
            (
                json!({"serial": "CNK7ABC123", "iperf_server": "x", "parallel": 31}),
                "parallel",
            ),
            (
                json!({"serial": "CNK7ABC123", "iperf_server": "x", "port": 0}),
                "port",
            ),
            (
                json!({"serial": "CNK7ABC123", "iperf_server": "x", "protocol": "icmp"}),
                "protocol",
            ),
            (
                json!({"serial": "CNK7ABC123", "iperf_server": "x", "timeout_seconds": 30}),
                "timeout_seconds",
            ),
        ] {
            let e = args(bad.clone()).unwrap_err().to_string();
            assert!(e.contains(&format!("`{name}")), "{bad}: {e}");
        }
    }

    #[test]
    fn ap_fields_map_to_upload_and_download() {
        let out = json!({"upstreamBandwidthInMbps": "16.855683", "upstreamRetries": "1442",
            "downstreamBandwidthInMbps": null, "downstreamDatagrams": "906",
            "downstreamLostPackets": "9", "downstreamJitter": "0.032 ms"});
        let up = ap_direction(&out, "upstream").unwrap();
        assert_eq!(up.mbps, Some(16.855683));
        assert_eq!(up.retransmits, Some(1442));
        let down = ap_direction(&out, "downstream").unwrap();
        assert_eq!(down.mbps, None);
        assert_eq!(down.jitter_ms, Some(0.032));
        assert_eq!(down.loss_percent, Some(0.99));
        assert_eq!(ap_direction(&json!({}), "upstream"), None);
    }

    const RAW_TCP: &str = "\nPerf-test: Finished\nConnecting to host 84.17.57.129, port 5201\n[  4] local 10.27.119.178 port 55312 connected to 84.17.57.129 port 5201\n[ ID] Interval           Transfer     Bandwidth       Retr  Cwnd\n[  4]   0.00-1.00   sec  6.42 MBytes  53.9 Mbits/sec    3    618 KBytes\n- - - - - - - - - - - - - - - - - - - - - - - - -\nTest Complete. Summary Results:\n[ ID] Interval           Transfer     Bandwidth       Retr\n[  4]   0.00-10.00  sec  11.4 MBytes  9.58 Mbits/sec  239             sender\n[  4]   0.00-10.00  sec  9.14 MBytes  7.67 Mbits/sec                  receiver\n\niperf Done.\nConnecting to host 84.17.57.129, port 5201\nReverse mode, remote host 84.17.57.129 is sending\n[  4] local 10.27.119.178 port 55314 connected to 84.17.57.129 port 5201\n- - - - - - - - - - - - - - - - - - - - - - - - -\n[  4]   0.00-10.00  sec  60.1 MBytes  50.4 Mbits/sec  12             sender\n[  5]   0.00-10.00  sec  30.0 MBytes  25.0 Mbits/sec                  receiver\n[SUM]   0.00-10.00  sec  59.9 MBytes  50.2 Mbits/sec                  receiver\n";

    #[test]
    fn gateway_output_and_iperf_text_map_to_both_directions() {
        let out =
            json!({"senderBandwidth": "9.58 Mbits/sec", "receiverBandwidth": "7.67 Mbits/sec"});
        let (up, down) = gateway_directions(Some(&out), Some(RAW_TCP));
        let up = up.unwrap();
        assert_eq!(
            (up.mbps, up.sender_mbps, up.retransmits),
            (Some(7.67), Some(9.58), Some(239))
        );
        let down = down.unwrap();
        assert_eq!(
            (down.mbps, down.sender_mbps, down.retransmits),
            (Some(50.2), Some(50.4), Some(12))
        );
        // Without the text: the parsed rates alone; nothing at all: no direction.
        let (up, down) = gateway_directions(Some(&out), None);
        assert_eq!(up.unwrap().retransmits, None);
        assert!(down.is_none());
        assert_eq!(gateway_directions(None, Some("garbage")), (None, None));
    }

    #[test]
    fn udp_summary_lines_give_jitter_and_loss() {
        let raw = "Connecting to host 1.2.3.4, port 5201\n- - - - -\n[ ID] Interval Transfer Bandwidth Jitter Lost/Total Datagrams\n[  4]   0.00-10.00  sec  1.25 MBytes  1.05 Mbits/sec  0.000 ms  0/906 (0%)  sender\n[  4]   0.00-10.00  sec  1.24 MBytes  1.04 Mbits/sec  0.015 ms  9/906 (1%)  receiver\n";
        let runs = iperf_runs(raw);
        assert_eq!(runs.len(), 1);
        let d = &runs[0].direction;
        assert_eq!(d.sender_mbps, Some(1.05));
        assert_eq!(d.retransmits, None);
        assert_eq!(d.mbps, Some(1.04));
        assert_eq!(d.jitter_ms, Some(0.015));
        assert_eq!(d.loss_percent, Some(0.99));
    }
}
