//! `ping_sweep_from_gateway`: path MTU discovery. A gateway pings a destination with payloads
//! from `start_size` to `end_size` (`POST …/gateways/{serial}/pingSweep`, then the polls of the
//! task), and the tool reports per size whether it got through and the largest that did: that
//! payload plus the IP and ICMP headers (28 bytes for IPv4, 48 for IPv6) estimates the path MTU,
//! provided the gateway's probes are not fragmented on the way. Only gateways run it; other
//! families are refused before anything is sent.

use std::collections::BTreeMap;
use std::time::Duration;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::args::{self, Validate};
use super::diagnostics::{self, DeviceKind, MAX_DURATION, Operation, TaskHandle, TaskRequest};
use super::fields;
use super::throughput::host;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset, actions};

/// Largest payload size, bytes (a jumbo frame's).
pub const MAX_SIZE: u64 = 9000;
/// Most steps between `start_size` and `end_size` (so at most 101 sizes).
pub const MAX_STEPS: u64 = 100;
/// Most pings per size.
pub const MAX_COUNT: u64 = 10;
/// Central's pings per size when `count` is not given.
pub const CENTRAL_DEFAULT_COUNT: u64 = 5;

/// Arguments of `ping_sweep_from_gateway`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PingSweepArgs {
    /// Serial of the gateway, e.g. CNK7ABC123.
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial: String,
    /// Host name or IP address to ping.
    #[schemars(description = "")]
    pub destination: String,
    /// First ICMP payload size in bytes, 1-9000, e.g. 1400.
    #[schemars(range(min = 1, max = 9000))]
    #[schemars(description = "Payload bytes.")]
    pub start_size: u64,
    /// Last payload size in bytes, 1-9000, at least `start_size`, e.g. 1500.
    #[schemars(range(min = 1, max = 9000))]
    #[schemars(description = "")]
    pub end_size: u64,
    /// Bytes between sizes, 1-9000; default the smallest step that keeps to 100 steps.
    #[schemars(range(min = 1))]
    #[schemars(description = "")]
    pub step: Option<u64>,
    /// Pings per size, 1-10 (Central's default 5).
    #[schemars(range(min = 1, max = 10))]
    #[schemars(description = "")]
    pub count: Option<u64>,
}

impl PingSweepArgs {
    /// The step given, or the smallest that keeps to [`MAX_STEPS`].
    fn step(&self) -> u64 {
        self.step.unwrap_or_else(|| {
            self.end_size
                .saturating_sub(self.start_size)
                .div_ceil(MAX_STEPS)
                .max(1)
        })
    }

    /// The sizes pinged: `start_size`, then every `step` up to `end_size`.
    fn sizes(&self) -> u64 {
        self.end_size.saturating_sub(self.start_size) / self.step().max(1) + 1
    }

    /// How long to wait for the result: 30 seconds plus one per ping, 60 to 300.
    fn wait(&self) -> Duration {
        let pings = self.sizes() * self.count.unwrap_or(CENTRAL_DEFAULT_COUNT);
        Duration::from_secs((30 + pings).clamp(
            diagnostics::DEFAULT_TIMEOUT_SECONDS,
            diagnostics::MAX_TIMEOUT_SECONDS,
        ))
    }
}

impl Validate for PingSweepArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        self.destination = host("destination", &self.destination)?;
        let max = MAX_SIZE as i64;
        let signed = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        args::check_range("start_size", signed(self.start_size), 1, max)?;
        args::check_range("end_size", signed(self.end_size), 1, max)?;
        if let Some(s) = self.step {
            args::check_range("step", signed(s), 1, max)?;
        }
        if let Some(c) = self.count {
            args::check_range("count", signed(c), 1, MAX_COUNT as i64)?;
        }
        if self.end_size < self.start_size {
            return Err(ToolError::InvalidArgument(format!(
                "argument `end_size`: {} is below start_size {}; the sweep goes up from start_size to end_size",
                self.end_size, self.start_size
            )));
        }
        let span = self.end_size - self.start_size;
        let steps = span / self.step();
        if steps > MAX_STEPS {
            return Err(ToolError::InvalidArgument(format!(
                "argument `step`: {} bytes from {} to {} is {steps} steps, more than {MAX_STEPS}; use a step of at least {} or a narrower range",
                self.step(),
                self.start_size,
                self.end_size,
                span.div_ceil(MAX_STEPS)
            )));
        }
        Ok(())
    }
}

/// The pings of one payload size.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SizeResult {
    /// ICMP payload, bytes.
    pub size: u64,
    /// Pings sent.
    pub sent: u64,
    /// Replies received.
    pub received: u64,
    /// At least one ping of this size got a reply.
    pub passed: bool,
}

/// Result of `ping_sweep_from_gateway`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PingSweepOutput {
    /// Serial of the gateway.
    pub serial: String,
    /// What was pinged.
    pub destination: String,
    /// Central's task status: INITIATED, RUNNING, COMPLETED or FAILED.
    pub status: String,
    /// The wait ended before the task finished.
    pub timed_out: bool,
    /// Why it failed (FAILED).
    pub fail_reason: Option<String>,
    /// Each size, smallest first.
    pub sizes: Vec<SizeResult>,
    /// The largest size that got a reply.
    pub largest_passed: Option<u64>,
    /// The smallest size above `largest_passed` that got none.
    pub smallest_failed: Option<u64>,
    /// Path MTU estimate: `largest_passed` plus the IP and ICMP headers (28 bytes for IPv4, 48
    /// for IPv6), valid when the probes are not fragmented.
    pub path_mtu: Option<u64>,
    /// Average round trip of the replies, milliseconds.
    pub rtt_avg_ms: Option<f64>,
    /// The task handle.
    pub task: TaskHandle,
}

impl PingSweepOutput {
    fn header(&self) -> u64 {
        if self.destination.contains(':') {
            48
        } else {
            28
        }
    }
}

impl ToolOutput for PingSweepOutput {
    fn summary(&self) -> String {
        let what = format!(
            "Ping sweep from gateway {} to {}",
            self.serial, self.destination
        );
        match self.status.as_str() {
            "COMPLETED" => {
                let (first, last) = (
                    self.sizes.first().map_or(0, |s| s.size),
                    self.sizes.last().map_or(0, |s| s.size),
                );
                let passed = self.sizes.iter().filter(|s| s.passed).count();
                let range = format!("{} size(s), {first}-{last} bytes", self.sizes.len());
                let Some(largest) = self.largest_passed else {
                    return format!(
                        "{what} ({range}): no size got a reply. The destination does not answer ping from the gateway, or even {first} bytes is above the path MTU; try a smaller start_size."
                    );
                };
                let mtu = largest + self.header();
                let mut s = match self.smallest_failed {
                    None => format!(
                        "{what} ({range}): {passed} got through, up to {largest} bytes, none above failed: the path MTU is at least {mtu} bytes (raise end_size to find the limit)."
                    ),
                    Some(f) if f == largest + 1 => format!(
                        "{what} ({range}): {passed} got through; {largest} bytes passed and {f} failed: path MTU {mtu} bytes ({largest} + {} bytes of headers).",
                        self.header()
                    ),
                    Some(f) => format!(
                        "{what} ({range}): {passed} got through; the largest was {largest} bytes, {f} failed: path MTU between {mtu} and {} bytes (a smaller step narrows it).",
                        f + self.header() - 1
                    ),
                };
                let lost_below = self
                    .sizes
                    .iter()
                    .filter(|x| !x.passed && x.size < largest)
                    .count();
                if lost_below > 0 {
                    s.push_str(&format!(
                        " {lost_below} smaller size(s) got no reply either: that is loss, not the MTU."
                    ));
                }
                s
            }
            "FAILED" => format!(
                "{what} FAILED: {}. Check the destination and the gateway's uplink; a failed test is a result, not a server error.",
                self.fail_reason
                    .as_deref()
                    .unwrap_or("Central gave no reason")
            ),
            status => format!(
                "{what} is still {status} after the wait{}. get_async_test_result with location \"{}\" fetches the result (its `output`).",
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

/// Per size, pings and replies from Central's `responses` (one bucket per cycle, a reply per
/// size with `size` and `timedOut`).
fn per_size(out: &Value) -> Vec<SizeResult> {
    let mut sizes: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    for bucket in fields::list(out, "responses") {
        for reply in fields::list(bucket, "replies") {
            let Some(size) = fields::count(reply, "size") else {
                continue;
            };
            let e = sizes.entry(size).or_default();
            e.0 += 1;
            if fields::boolean(reply, "timedOut") == Some(false) {
                e.1 += 1;
            }
        }
    }
    sizes
        .into_iter()
        .map(|(size, (sent, received))| SizeResult {
            size,
            sent,
            received,
            passed: received > 0,
        })
        .collect()
}

async fn run(ctx: ToolContext, a: PingSweepArgs) -> Result<PingSweepOutput, ToolError> {
    let started = Instant::now();
    let kind = actions::device_kind(&ctx, &a.serial).await?;
    if kind != DeviceKind::Gateways {
        return Err(ToolError::InvalidArgument(format!(
            "argument `serial`: {} is an {}; ping_sweep_from_gateway runs on gateways only (the ping tools of other devices take a packet_size)",
            a.serial,
            kind.noun()
        )));
    }
    let mut body = Map::new();
    body.insert("destination".into(), json!(a.destination));
    body.insert("startPacketSize".into(), json!(a.start_size));
    body.insert("endPacketSize".into(), json!(a.end_size));
    body.insert("sweepInterval".into(), json!(a.step()));
    if let Some(c) = a.count {
        body.insert("count".into(), json!(c));
    }
    let out = diagnostics::run_task(
        &ctx,
        TaskRequest {
            kind,
            operation: Operation::PingSweep,
            serial: a.serial.clone(),
            body: Some(Value::Object(body)),
            destination: Some(a.destination.clone()),
            wait: a.wait().saturating_sub(started.elapsed()),
            want_raw: false,
        },
    )
    .await?;
    let output = out.action_output.as_ref();
    let sizes = output.map(per_size).unwrap_or_default();
    let largest_passed = sizes.iter().filter(|s| s.passed).map(|s| s.size).max();
    let smallest_failed = sizes
        .iter()
        .filter(|s| !s.passed && largest_passed.is_none_or(|l| s.size > l))
        .map(|s| s.size)
        .min()
        .filter(|_| largest_passed.is_some());
    let mut result = PingSweepOutput {
        serial: out.serial,
        destination: a.destination,
        status: out.status,
        timed_out: out.timed_out,
        fail_reason: out.fail_reason,
        sizes,
        largest_passed,
        smallest_failed,
        path_mtu: None,
        rtt_avg_ms: output
            .and_then(|o| fields::number(o, "averageRoundTripTimeMilliseconds"))
            .filter(|_| largest_passed.is_some()),
        task: out.task,
    };
    result.path_mtu = largest_passed.map(|l| l + result.header());
    Ok(result)
}

/// The `ping_sweep_from_gateway` tool.
pub fn ping_sweep_from_gateway() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "ping_sweep_from_gateway",
            title: "Ping sweep",
            description: "Path MTU discovery: a gateway pings a host at payload sizes start_size..end_size; which pass.",
            toolset: Toolset::Diagnostics,
        },
        run,
    )
    .with_max_duration(MAX_DURATION)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: Value) -> Result<PingSweepArgs, ToolError> {
        args::decode(v.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn sizes_steps_and_waits() {
        let a = args(json!({"serial": "CNK7ABC123", "destination": "1.1.1.1", "start_size": 1400, "end_size": 1500}))
            .unwrap();
        assert_eq!((a.step(), a.sizes()), (1, 101));
        assert_eq!(a.wait(), Duration::from_secs(300));
        let a = args(json!({"serial": "CNK7ABC123", "destination": "1.1.1.1", "start_size": 100, "end_size": 1500, "count": 1}))
            .unwrap();
        assert_eq!((a.step(), a.sizes()), (14, 101));
        assert_eq!(a.wait(), Duration::from_secs(131));
        let a = args(json!({"serial": "CNK7ABC123", "destination": "1.1.1.1", "start_size": 10, "end_size": 10, "count": 1}))
            .unwrap();
        assert_eq!((a.step(), a.sizes()), (1, 1));
        assert_eq!(a.wait(), Duration::from_secs(60));
        for (bad, name) in [
            (json!({"start_size": 1500, "end_size": 1400}), "end_size"),
            (
                json!({"start_size": 1000, "end_size": 1500, "step": 1}),
                "step",
            ),
            (json!({"start_size": 0, "end_size": 1500}), "start_size"),
            (json!({"start_size": 10, "end_size": 9001}), "end_size"),
            (
                json!({"start_size": 10, "end_size": 20, "count": 11}),
                "count",
            ),
            (
                json!({"start_size": 10, "end_size": 20, "packet_size": 11}),
                "packet_size",
            ),
        ] {
            let mut v = bad.clone();
            v["serial"] = json!("CNK7ABC123");
            v["destination"] = json!("1.1.1.1");
            let e = args(v).unwrap_err().to_string();
            assert!(e.contains(&format!("`{name}`")), "{bad}: {e}");
        }
    }

    #[test]
    fn replies_are_counted_per_size() {
        let out = json!({"responses": [
            {"count": "1", "replies": [
                {"requestId": "1", "size": "1470", "timedOut": false},
                {"requestId": "2", "size": "1480", "timedOut": true}]},
            {"count": "2", "replies": [
                {"requestId": "3", "size": "1470", "timedOut": true},
                {"requestId": "4", "size": "1480", "timedOut": true},
                {"size": null}]}]});
        assert_eq!(
            per_size(&out),
            vec![
                SizeResult {
                    size: 1470,
                    sent: 2,
                    received: 1,
                    passed: true
                },
                SizeResult {
                    size: 1480,
                    sent: 2,
                    received: 0,
                    passed: false
                },
            ]
        );
        assert!(per_size(&json!({"responses": null})).is_empty());
    }
}
