//! Active diagnostics: ping and traceroute run by a device, over Central's asynchronous
//! troubleshooting API (CONTRACT §6).
//!
//! A start tool validates its arguments, POSTs `/network-troubleshooting/v1/{device-type}/
//! {serial-number}/{ping|traceroute}` with only the documented body fields, takes the task from
//! the 202's `location`, then polls that task (1 s, 2 s, 4 s, then every 5 s) until it is
//! COMPLETED or FAILED, for at most `timeout_seconds`. It reports MCP progress while it waits
//! (when the client sent a progress token) and stops polling when the request is cancelled. When
//! the time is up it returns the task handle, not an error, and `get_async_test_result` picks the
//! task up later. The device-type-specific result fields (all strings upstream) are mapped into
//! one output shape.

use std::time::Duration;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::args::{self, Validate};
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiError, ApiRequest, Route, routes};

/// `timeout_seconds` when not given.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 60;
/// Largest `timeout_seconds`.
pub const MAX_TIMEOUT_SECONDS: u64 = 300;
/// `timeout_seconds` of `get_async_test_result` when not given.
pub const DEFAULT_RESULT_TIMEOUT_SECONDS: u64 = 30;
/// Longest a diagnostics call may run: the largest wait plus room for the start request (and a
/// switch lookup). It replaces `ARUBA_CALL_DEADLINE` when that is shorter.
pub const MAX_DURATION: Duration = Duration::from_secs(MAX_TIMEOUT_SECONDS + 30);
/// First wait before polling a new task.
const FIRST_POLL: Duration = Duration::from_secs(1);
/// Longest wait between polls.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// Kept free before the call's hard deadline to return the handle.
const RETURN_MARGIN: Duration = Duration::from_secs(2);

/// The `{device-type}` path segment of the troubleshooting API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceKind {
    /// Access point.
    Aps,
    /// AOS-CX switch.
    Cx,
    /// AOS-Switch (ProVision) switch.
    AosS,
    /// Gateway.
    Gateways,
}

impl DeviceKind {
    /// The path segment.
    pub fn segment(self) -> &'static str {
        match self {
            DeviceKind::Aps => "aps",
            DeviceKind::Cx => "cx",
            DeviceKind::AosS => "aos-s",
            DeviceKind::Gateways => "gateways",
        }
    }

    fn from_segment(s: &str) -> Option<DeviceKind> {
        [
            DeviceKind::Aps,
            DeviceKind::Cx,
            DeviceKind::AosS,
            DeviceKind::Gateways,
        ]
        .into_iter()
        .find(|k| k.segment() == s)
    }

    /// What the device is, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            DeviceKind::Aps => "access point",
            DeviceKind::Cx => "AOS-CX switch",
            DeviceKind::AosS => "AOS-Switch switch",
            DeviceKind::Gateways => "gateway",
        }
    }
}

/// The test (or device action) a task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Operation {
    /// ICMP echo.
    #[serde(rename = "ping")]
    Ping,
    /// Path discovery.
    #[serde(rename = "traceroute")]
    Traceroute,
    /// PoE bounce of switch or gateway ports (an action).
    #[serde(rename = "poeBounce")]
    PoeBounce,
    /// Port bounce of switch or gateway ports (an action).
    #[serde(rename = "portBounce")]
    PortBounce,
    /// Cable test of switch ports (an action: the link drops).
    #[serde(rename = "cableTest")]
    CableTest,
    /// CLI `show` commands (run_show_commands).
    #[serde(rename = "showCommands")]
    ShowCommands,
    /// ARP table of the device.
    #[serde(rename = "getArpTable")]
    GetArpTable,
    /// DNS lookup from an access point.
    #[serde(rename = "nslookup")]
    Nslookup,
    /// HTTP reachability test.
    #[serde(rename = "http")]
    Http,
    /// HTTPS reachability test.
    #[serde(rename = "https")]
    Https,
    /// TCP port reachability test.
    #[serde(rename = "tcp")]
    Tcp,
    /// RADIUS authentication test.
    #[serde(rename = "aaa")]
    Aaa,
    /// Throughput test of an access point against an iperf server.
    #[serde(rename = "speedtest")]
    Speedtest,
    /// Throughput test of a gateway against an iperf server.
    #[serde(rename = "iperf")]
    Iperf,
    /// Ping sweep over packet sizes (path MTU discovery).
    #[serde(rename = "pingSweep")]
    PingSweep,
}

impl Operation {
    /// The path segment.
    pub fn segment(self) -> &'static str {
        match self {
            Operation::Ping => "ping",
            Operation::Traceroute => "traceroute",
            Operation::PoeBounce => "poeBounce",
            Operation::PortBounce => "portBounce",
            Operation::CableTest => "cableTest",
            Operation::ShowCommands => "showCommands",
            Operation::GetArpTable => "getArpTable",
            Operation::Nslookup => "nslookup",
            Operation::Http => "http",
            Operation::Https => "https",
            Operation::Tcp => "tcp",
            Operation::Aaa => "aaa",
            Operation::Speedtest => "speedtest",
            Operation::Iperf => "iperf",
            Operation::PingSweep => "pingSweep",
        }
    }

    fn from_segment(s: &str) -> Option<Operation> {
        match s {
            "ping" => Some(Operation::Ping),
            "traceroute" => Some(Operation::Traceroute),
            "poeBounce" => Some(Operation::PoeBounce),
            "portBounce" => Some(Operation::PortBounce),
            "cableTest" => Some(Operation::CableTest),
            "showCommands" => Some(Operation::ShowCommands),
            "getArpTable" => Some(Operation::GetArpTable),
            "nslookup" => Some(Operation::Nslookup),
            "http" => Some(Operation::Http),
            "https" => Some(Operation::Https),
            "tcp" => Some(Operation::Tcp),
            "aaa" => Some(Operation::Aaa),
            "speedtest" => Some(Operation::Speedtest),
            "iperf" => Some(Operation::Iperf),
            "pingSweep" => Some(Operation::PingSweep),
            _ => None,
        }
    }

    /// The route that starts the task.
    pub(crate) fn start_route(self) -> Route {
        match self {
            Operation::Ping => routes::PING,
            Operation::Traceroute => routes::TRACEROUTE,
            Operation::PoeBounce => routes::POE_BOUNCE,
            Operation::PortBounce => routes::PORT_BOUNCE,
            Operation::CableTest => routes::CABLE_TEST,
            Operation::ShowCommands => routes::SHOW_COMMANDS,
            Operation::GetArpTable => routes::GET_ARP_TABLE,
            Operation::Nslookup => routes::NSLOOKUP,
            Operation::Http => routes::HTTP_TEST,
            Operation::Https => routes::HTTPS_TEST,
            Operation::Tcp => routes::TCP_TEST,
            Operation::Aaa => routes::AAA_TEST,
            Operation::Speedtest => routes::SPEEDTEST,
            Operation::Iperf => routes::IPERF,
            Operation::PingSweep => routes::PING_SWEEP,
        }
    }

    fn result_route(self) -> Route {
        match self {
            Operation::Ping => routes::PING_RESULT,
            Operation::Traceroute => routes::TRACEROUTE_RESULT,
            Operation::PoeBounce => routes::POE_BOUNCE_RESULT,
            Operation::PortBounce => routes::PORT_BOUNCE_RESULT,
            Operation::CableTest => routes::CABLE_TEST_RESULT,
            Operation::ShowCommands => routes::SHOW_COMMANDS_RESULT,
            Operation::GetArpTable => routes::GET_ARP_TABLE_RESULT,
            Operation::Nslookup => routes::NSLOOKUP_RESULT,
            Operation::Http => routes::HTTP_TEST_RESULT,
            Operation::Https => routes::HTTPS_TEST_RESULT,
            Operation::Tcp => routes::TCP_TEST_RESULT,
            Operation::Aaa => routes::AAA_TEST_RESULT,
            Operation::Speedtest => routes::SPEEDTEST_RESULT,
            Operation::Iperf => routes::IPERF_RESULT,
            Operation::PingSweep => routes::PING_SWEEP_RESULT,
        }
    }
}

/// Everything needed to poll a task again: pass it (or just `location`) to
/// `get_async_test_result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TaskHandle {
    /// Device-type path segment: aps, cx, aos-s or gateways.
    pub device_type: DeviceKind,
    /// Serial number of the device running the test.
    pub serial: String,
    /// Central's operation path segment: ping, traceroute, showCommands, poeBounce, …
    #[schemars(with = "String")]
    pub operation: Operation,
    /// Task id (a UUID), the last segment of `location`.
    pub task_id: String,
    /// The poll path Central returned.
    pub location: String,
}

impl TaskHandle {
    pub(crate) fn new(
        device_type: DeviceKind,
        serial: String,
        operation: Operation,
        task_id: String,
    ) -> Self {
        let location = format!(
            "/network-troubleshooting/v1/{}/{serial}/{}/async-operations/{task_id}",
            device_type.segment(),
            operation.segment()
        );
        TaskHandle {
            device_type,
            serial,
            operation,
            task_id,
            location,
        }
    }

    /// Parses a task `location`: a path (or the same path under `base_url`) of exactly the form
    /// `/network-troubleshooting/v1/{aps|cx|aos-s|gateways}/{serial}/{ping|traceroute}/
    /// async-operations/{uuid}`. Anything else is refused, so a handle can only address a
    /// troubleshooting task.
    pub fn parse_location(value: &str, base_url: &str) -> Result<TaskHandle, String> {
        let v = value.trim();
        let path = if v.starts_with('/') {
            v
        } else if let Some(rest) = v.strip_prefix(base_url).filter(|r| r.starts_with('/')) {
            rest
        } else {
            return Err(format!(
                "{} is not a task location; expected /network-troubleshooting/v1/<device-type>/<serial>/<ping|traceroute>/async-operations/<task-id>",
                args::shown(v)
            ));
        };
        let bad = || {
            format!(
                "{} is not a task location; expected /network-troubleshooting/v1/<aps|cx|aos-s|gateways>/<serial>/<ping|traceroute>/async-operations/<task-id>",
                args::shown(v)
            )
        };
        let parts: Vec<&str> = path.split('/').collect();
        let [
            "",
            "network-troubleshooting",
            "v1",
            device_type,
            serial,
            operation,
            "async-operations",
            task_id,
        ] = parts.as_slice()
        else {
            return Err(bad());
        };
        let device_type = DeviceKind::from_segment(device_type).ok_or_else(bad)?;
        let operation = Operation::from_segment(operation).ok_or_else(bad)?;
        let serial = args::serial("location", serial).map_err(|_| bad())?;
        let task_id = task_id_text(task_id).ok_or_else(bad)?;
        Ok(TaskHandle::new(device_type, serial, operation, task_id))
    }
}

/// `scheme://host[:port]` of an absolute URL; empty for anything else.
fn origin_of(value: &str) -> &str {
    let Some(after) = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
    else {
        return "";
    };
    let host_len = after.find('/').unwrap_or(after.len());
    &value[..value.len() - after.len() + host_len]
}

/// A task id in UUID form (8-4-4-4-12 hex digits), lower-cased.
fn task_id_text(value: &str) -> Option<String> {
    let v = value.trim();
    let groups: Vec<&str> = v.split('-').collect();
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    ok.then(|| v.to_ascii_lowercase())
}

/// A host name or IP address to test: 1-253 letters, digits, `.`, `-`, `_` or `:`.
fn destination(destination: Option<String>, target: Option<String>) -> Result<String, ToolError> {
    let (name, value) = match (destination, target) {
        (Some(_), Some(_)) => {
            return Err(ToolError::InvalidArgument(
                "argument `destination`: give either `destination` or its alias `target`, not both"
                    .into(),
            ));
        }
        (Some(d), None) => ("destination", d),
        (None, Some(t)) => ("target", t),
        (None, None) => {
            return Err(ToolError::InvalidArgument(
                "argument `destination` is required: the host name or IP address to test, e.g. 8.8.8.8"
                    .into(),
            ));
        }
    };
    let v = value.trim();
    if !args::is_host(v) {
        return Err(ToolError::InvalidArgument(format!(
            "argument `{name}`: {} is not a host name or IP address; expected e.g. 8.8.8.8, 2001:db8::1 or www.example.com",
            args::shown(&value)
        )));
    }
    Ok(v.to_string())
}

fn timeout(value: Option<u64>, default: u64, min: u64) -> Result<Duration, ToolError> {
    let t = value.unwrap_or(default);
    args::check_range(
        "timeout_seconds",
        i64::try_from(t).unwrap_or(i64::MAX),
        min as i64,
        MAX_TIMEOUT_SECONDS as i64,
    )?;
    Ok(Duration::from_secs(t))
}

/// What every start tool validates the same way.
#[derive(Debug)]
struct Common {
    serial: String,
    destination: String,
    include_raw_output: bool,
    timeout: Duration,
}

macro_rules! common_args {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Serial number of the device that runs the test, e.g. CNK7ABC123 (get_device_list
            /// lists serials).
            #[schemars(length(min = 5, max = 30))]
            #[schemars(description = "")]
            pub serial: String,
            /// Host name or IP address to test, e.g. 8.8.8.8. Required (or give `target`).
            #[schemars(description = "Host name or IP.")]
            pub destination: Option<String>,
            /// Alias of `destination` (the reference server's name).
            #[schemars(description = "Alias of destination.")]
            pub target: Option<String>,
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Also return Central's raw CLI output. Default false.
            #[schemars(description = "")]
            pub include_raw_output: Option<bool>,
            /// How long to wait for the result, 1-300 seconds (default 60). When the time is
            /// up the task handle is returned; get_async_test_result fetches the result later.
            #[schemars(range(min = 1, max = 300))]
            #[schemars(description = "", extend("default" = 60))]
            pub timeout_seconds: Option<u64>,
        }

        impl $name {
            fn common(&self) -> Result<Common, ToolError> {
                Ok(Common {
                    serial: args::serial("serial", &self.serial)?,
                    destination: destination(self.destination.clone(), self.target.clone())?,
                    include_raw_output: self.include_raw_output.unwrap_or(false),
                    timeout: timeout(self.timeout_seconds, DEFAULT_TIMEOUT_SECONDS, 1)?,
                })
            }
        }
    };
}

common_args!(
    /// Arguments of `ping_from_ap`.
    PingApArgs {
        /// Echo requests to send, 1-100 (Central's default when omitted).
        #[schemars(range(min = 1, max = 100))]
        #[schemars(description = "")]
        count: Option<i64>,
        /// ICMP payload size in bytes, 10-2000 (Central's default when omitted).
        #[schemars(range(min = 10, max = 2000))]
        #[schemars(description = "")]
        packet_size: Option<i64>,
    }
);

common_args!(
    /// Arguments of `ping_from_gateway`.
    PingGatewayArgs {
        /// Echo requests to send, 1-100 (Central's default when omitted).
        #[schemars(range(min = 1, max = 100))]
        #[schemars(description = "")]
        count: Option<i64>,
        /// ICMP payload size in bytes, 10-2000 (Central's default when omitted).
        #[schemars(range(min = 10, max = 2000))]
        #[schemars(description = "")]
        packet_size: Option<i64>,
        /// Source interface: loopback, mgmt-interface or vlan-interface (with `vlan`).
        #[schemars(description = "")]
        source_interface: Option<GatewaySource>,
        /// VLAN to ping from, 1-4095 (with source_interface vlan-interface).
        #[schemars(range(min = 1, max = 4095))]
        #[schemars(description = "With source_interface vlan-interface.")]
        vlan: Option<i64>,
    }
);

common_args!(
    /// Arguments of `ping_from_switch`.
    PingSwitchArgs {
        /// Echo requests to send, 1-100 (Central's default when omitted).
        #[schemars(range(min = 1, max = 100))]
        #[schemars(description = "")]
        count: Option<i64>,
        /// ICMP payload size in bytes, 10-2000 (Central's default when omitted).
        #[schemars(range(min = 10, max = 2000))]
        #[schemars(description = "")]
        packet_size: Option<i64>,
    }
);

common_args!(
    /// Arguments of `traceroute_from_ap`, `traceroute_from_gateway` and `traceroute_from_switch`.
    TracerouteArgs {
        /// Accepted for compatibility with the reference server and ignored: Central's
        /// traceroute has no hop limit. 1-255.
        #[schemars(range(min = 1, max = 255))]
        #[schemars(description = "Ignored (compatibility).")]
        max_hops: Option<i64>,
    }
);

/// Source interface of a gateway ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GatewaySource {
    /// The loopback address.
    Loopback,
    /// The management interface.
    MgmtInterface,
    /// A VLAN interface (give `vlan`).
    VlanInterface,
}

impl GatewaySource {
    fn api(self) -> &'static str {
        match self {
            GatewaySource::Loopback => "loopback",
            GatewaySource::MgmtInterface => "mgmt-interface",
            GatewaySource::VlanInterface => "vlan-interface",
        }
    }
}

fn check_ping(count: Option<i64>, packet_size: Option<i64>) -> Result<(), ToolError> {
    args::optional_range("count", count, 1, 100)?;
    args::optional_range("packet_size", packet_size, 10, 2000)
}

impl Validate for PingApArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.common()?;
        check_ping(self.count, self.packet_size)
    }
}

impl Validate for PingGatewayArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.common()?;
        check_ping(self.count, self.packet_size)?;
        args::optional_range("vlan", self.vlan, 1, 4095)
    }
}

impl Validate for PingSwitchArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.common()?;
        check_ping(self.count, self.packet_size)
    }
}

impl Validate for TracerouteArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.common()?;
        args::optional_range("max_hops", self.max_hops, 1, 255)
    }
}

/// The request body: `destination`, then only the optional fields that were given.
fn body(common: &Common, optional: &[(&str, Option<Value>)]) -> Value {
    let mut m = Map::new();
    m.insert("destination".into(), json!(common.destination));
    for (name, value) in optional {
        if let Some(v) = value {
            m.insert((*name).to_string(), v.clone());
        }
    }
    if common.include_raw_output {
        m.insert("includeRawOutput".into(), json!(true));
    }
    Value::Object(m)
}

/// One traceroute hop.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct Hop {
    /// Hop number, from 1.
    pub hop: u32,
    /// Address that answered (the first probe with one); null when no probe was answered.
    pub address: Option<String>,
    /// Its reverse-DNS name, when different from the address.
    pub hostname: Option<String>,
    /// Round-trip times of the answered probes, milliseconds.
    pub rtt_ms: Vec<f64>,
    /// Probes without an answer.
    pub lost_probes: u32,
}

/// Result of a ping or traceroute: the task, its state and, once finished, the measurements in
/// one shape whatever the device type.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TestOutput {
    /// The operation: ping, traceroute, or the test a troubleshooting tool ran.
    #[schemars(with = "String")]
    pub test: Operation,
    /// Device-type path segment: aps, cx, aos-s or gateways.
    pub device_type: DeviceKind,
    /// Serial of the device that ran the test.
    pub serial: String,
    /// What was tested, when known.
    pub destination: Option<String>,
    /// Central's task status: INITIATED, RUNNING, COMPLETED or FAILED.
    pub status: String,
    /// The task reached COMPLETED or FAILED.
    pub finished: bool,
    /// The wait ended before the task finished: call get_async_test_result with `task`.
    pub timed_out: bool,
    /// Central's progress, percent.
    pub progress_percent: Option<u64>,
    /// When the task started (RFC 3339).
    pub started_at: Option<String>,
    /// When it finished (RFC 3339).
    pub finished_at: Option<String>,
    /// Why it failed (FAILED).
    pub fail_reason: Option<String>,
    /// The address the destination resolved to.
    pub resolved_ip: Option<String>,
    /// Ping: echo requests sent.
    pub transmitted: Option<u64>,
    /// Ping: replies received.
    pub received: Option<u64>,
    /// Ping: packet loss, percent.
    pub loss_percent: Option<f64>,
    /// Ping: fastest round trip, milliseconds.
    pub rtt_min_ms: Option<f64>,
    /// Ping: average round trip, milliseconds.
    pub rtt_avg_ms: Option<f64>,
    /// Ping: slowest round trip, milliseconds.
    pub rtt_max_ms: Option<f64>,
    /// Traceroute: the hops in order (null for ping).
    pub hops: Option<Vec<Hop>>,
    /// Traceroute: the last hop answered from the resolved address.
    pub reached: Option<bool>,
    /// Central's CLI output, when asked for.
    pub raw_output: Option<String>,
    /// The task handle for get_async_test_result.
    pub task: TaskHandle,
    /// Polls made by this call.
    pub polls: u32,
    /// Seconds this call waited.
    pub elapsed_seconds: f64,
    /// Central's `output` of a task other than ping or traceroute (show commands, ARP table,
    /// connectivity, throughput, sweep, port actions) as Central gives it; the tools that start
    /// such tasks map it to their own result, get_async_test_result returns it as is.
    #[serde(rename = "output", skip_serializing_if = "Option::is_none")]
    #[schemars(description = "Central's output of a test other than ping/traceroute.")]
    pub action_output: Option<Value>,
}

impl TestOutput {
    pub(crate) fn new(task: TaskHandle, destination: Option<String>, status: String) -> TestOutput {
        TestOutput {
            test: task.operation,
            device_type: task.device_type,
            serial: task.serial.clone(),
            destination,
            status,
            finished: false,
            timed_out: false,
            progress_percent: None,
            started_at: None,
            finished_at: None,
            fail_reason: None,
            resolved_ip: None,
            transmitted: None,
            received: None,
            loss_percent: None,
            rtt_min_ms: None,
            rtt_avg_ms: None,
            rtt_max_ms: None,
            hops: None,
            reached: None,
            raw_output: None,
            task,
            polls: 0,
            elapsed_seconds: 0.0,
            action_output: None,
        }
    }

    /// Fills in a poll answer (`status`, `progressPercent`, times, `failReason`, `output`,
    /// `rawOutput`).
    fn apply(&mut self, v: &Value, want_raw: bool) {
        if let Some(s) = fields::text(v, "status") {
            self.status = s.to_ascii_uppercase();
        }
        self.finished = matches!(self.status.as_str(), "COMPLETED" | "FAILED");
        self.progress_percent = fields::count(v, "progressPercent").map(|p| p.min(100));
        self.started_at = fields::text(v, "startTime").or(self.started_at.take());
        self.finished_at = fields::text(v, "endTime");
        self.fail_reason = fields::text(v, "failReason");
        if want_raw {
            self.raw_output = fields::text(v, "rawOutput");
        }
        let Some(out) = fields::object(v, "output") else {
            return;
        };
        if self.destination.is_none() {
            self.destination = fields::text(out, "destination");
        }
        self.resolved_ip = fields::text(out, "resolvedIp");
        match self.test {
            Operation::Ping => self.apply_ping(out),
            Operation::Traceroute => self.apply_traceroute(out),
            _ => self.action_output = Some(out.clone()),
        }
    }

    fn apply_ping(&mut self, out: &Value) {
        // AP / CX / AOS-S vocabulary, then the gateway's.
        self.transmitted = fields::count(out, "transmittedPacketsCount")
            .or_else(|| fields::count(out, "sentPacketsCount"));
        self.received = fields::count(out, "receivedPacketsCount");
        self.rtt_min_ms = fields::number(out, "minimumRoundTripTimeMilliseconds")
            .or_else(|| fields::number(out, "minimumLatencyMilliseconds"));
        self.rtt_avg_ms = fields::number(out, "averageRoundTripTimeMilliseconds")
            .or_else(|| fields::number(out, "averageLatencyMilliseconds"));
        self.rtt_max_ms = fields::number(out, "maximumRoundTripTimeMilliseconds")
            .or_else(|| fields::number(out, "maximumLatencyMilliseconds"));
        self.loss_percent = fields::number(out, "packetLossPercent")
            .or_else(|| {
                fields::number(out, "successRatePercent").map(|s| (100.0 - s).clamp(0.0, 100.0))
            })
            .or_else(|| match (self.transmitted, self.received) {
                (Some(t), Some(r)) if t > 0 => {
                    Some(((t.saturating_sub(r)) as f64 * 100.0 / t as f64 * 10.0).round() / 10.0)
                }
                _ => None,
            });
    }

    fn apply_traceroute(&mut self, out: &Value) {
        let hops: Vec<Hop> = fields::list(out, "hops")
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let number = fields::count(h, "hop")
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(i as u32 + 1);
                let mut hop = Hop {
                    hop: number,
                    address: None,
                    hostname: None,
                    rtt_ms: Vec::new(),
                    lost_probes: 0,
                };
                for p in fields::list(h, "probes") {
                    let ip = fields::text(p, "ipAddress").filter(|a| a != "null" && a != "*");
                    let rtt = fields::text(p, "responseTimeMilliseconds").and_then(|t| {
                        t.trim_end_matches("ms")
                            .trim()
                            .parse::<f64>()
                            .ok()
                            .filter(|f| f.is_finite())
                    });
                    match rtt {
                        Some(r) => hop.rtt_ms.push(r),
                        None => hop.lost_probes += 1,
                    }
                    if hop.address.is_none() && ip.is_some() {
                        hop.address = ip;
                        hop.hostname = fields::text(p, "reverseDnsResolution")
                            .filter(|n| Some(n) != hop.address.as_ref() && n != "null");
                    }
                }
                hop
            })
            .collect();
        self.reached = match (&self.resolved_ip, hops.last()) {
            (Some(ip), Some(last)) => Some(last.address.as_deref() == Some(ip.as_str())),
            _ => None,
        };
        self.hops = Some(hops);
    }

    fn device(&self) -> String {
        format!("{} {}", self.device_type.noun(), self.serial)
    }

    fn destination_text(&self) -> String {
        let d = self.destination.as_deref().unwrap_or("the destination");
        match &self.resolved_ip {
            Some(ip) if ip != d => format!("{d} ({ip})"),
            _ => d.to_string(),
        }
    }

    fn handle_hint(&self) -> String {
        format!(
            "Call get_async_test_result with location \"{}\" (or device_type {}, serial {}, operation {}, task_id {}) to fetch the result.",
            self.task.location,
            self.task.device_type.segment(),
            self.task.serial,
            self.task.operation.segment(),
            self.task.task_id
        )
    }
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "?".to_string(), |f| format!("{f}"))
}

impl ToolOutput for TestOutput {
    fn summary(&self) -> String {
        let test = self.test.segment();
        match self.status.as_str() {
            "COMPLETED" => match self.test {
                Operation::Ping => {
                    let mut s = format!(
                        "Ping from {} to {} completed: {}/{} replies, {}% loss, round trip min/avg/max {}/{}/{} ms.",
                        self.device(),
                        self.destination_text(),
                        self.received.map_or("?".into(), |r| r.to_string()),
                        self.transmitted.map_or("?".into(), |t| t.to_string()),
                        num(self.loss_percent),
                        num(self.rtt_min_ms),
                        num(self.rtt_avg_ms),
                        num(self.rtt_max_ms),
                    );
                    let verdict = match (self.loss_percent, self.rtt_avg_ms) {
                        (Some(l), Some(a)) if l == 0.0 && a < 50.0 => {
                            " Healthy: no loss, low latency."
                        }
                        (Some(l), Some(a)) if l < 5.0 && a < 100.0 => {
                            " Good: little or no loss, moderate latency."
                        }
                        (Some(l), _) if l >= 100.0 => " Unreachable: no replies.",
                        (Some(l), _) if l < 20.0 => " Degraded: packet loss or high latency.",
                        (Some(_), _) => " Poor: heavy packet loss.",
                        _ => "",
                    };
                    s.push_str(verdict);
                    s
                }
                Operation::Traceroute => {
                    let hops = self.hops.as_deref().unwrap_or_default();
                    let path: Vec<String> = hops
                        .iter()
                        .map(|h| {
                            let addr = h.address.as_deref().unwrap_or("*");
                            match h.rtt_ms.first() {
                                Some(r) => format!("{}. {addr} ({r} ms)", h.hop),
                                None => format!("{}. {addr}", h.hop),
                            }
                        })
                        .collect();
                    let reached = match self.reached {
                        Some(true) => " The destination answered.",
                        Some(false) => " The destination did not answer the last hop.",
                        None => "",
                    };
                    format!(
                        "Traceroute from {} to {} completed: {} hop(s): {}.{reached}",
                        self.device(),
                        self.destination_text(),
                        hops.len(),
                        path.join(" → ")
                    )
                }
                _ => format!("The {test} on {} completed.", self.device()),
            },
            "FAILED" => format!(
                "The {test} from {} to {} FAILED: {}. Check the destination and the device's uplink; a failed test is a result, not a server error.",
                self.device(),
                self.destination_text(),
                self.fail_reason
                    .as_deref()
                    .unwrap_or("Central gave no reason")
            ),
            status => format!(
                "The {test} from {} to {} is still {status}{} after {:.0} s{}. {}",
                self.device(),
                self.destination_text(),
                self.progress_percent
                    .map(|p| format!(" ({p}%)"))
                    .unwrap_or_default(),
                self.elapsed_seconds,
                if self.timed_out {
                    " (the wait limit was reached)"
                } else {
                    ""
                },
                self.handle_hint()
            ),
        }
    }
}

/// How a wait for a task ended.
pub(crate) enum Waited {
    /// COMPLETED or FAILED.
    Finished,
    /// The wait limit came first.
    TimedOut,
}

/// Polls `out.task` until it finishes, `wait` passes, or the request is cancelled. With
/// `immediate`, the first poll is sent at once and may take the normal call deadline (so a wait of
/// 0 still polls once); otherwise the first poll waits [`FIRST_POLL`].
pub(crate) async fn wait_for(
    ctx: &ToolContext,
    out: &mut TestOutput,
    wait: Duration,
    immediate: bool,
    want_raw: bool,
) -> Result<Waited, ToolError> {
    let started = Instant::now();
    let hard = ctx.deadline.checked_sub(RETURN_MARGIN).unwrap_or(started);
    let until = (started + wait).min(hard);
    let mut interval = FIRST_POLL;
    let task = out.task.clone();
    let what = format!(
        "{} {} on {}",
        task.operation.segment(),
        task.task_id,
        out.device()
    );
    let result = loop {
        if !(immediate && out.polls == 0) {
            let next = Instant::now() + interval;
            if next > until {
                break Waited::TimedOut;
            }
            tokio::select! {
                biased;
                _ = ctx.cancel.cancelled() => return Err(cancelled(out)),
                _ = tokio::time::sleep_until(next) => {}
            }
            interval = (interval * 2).min(MAX_POLL_INTERVAL);
        }
        let call_deadline = if out.polls == 0 && immediate {
            ctx.central.deadline_from_now().min(hard).max(until)
        } else {
            until
        };
        let request = ApiRequest::new(task.operation.result_route())
            .path(task.device_type.segment())
            .path(task.serial.clone())
            .path(task.task_id.clone());
        let answer = tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => return Err(cancelled(out)),
            _ = tokio::time::sleep_until(call_deadline) => None,
            r = ctx.central.call(request, call_deadline) => Some(r),
        };
        out.polls += 1;
        let response = match answer {
            None => break Waited::TimedOut,
            Some(Err(_)) if Instant::now() >= until && !(immediate && out.polls == 1) => {
                break Waited::TimedOut;
            }
            Some(Err(e)) => return Err(poll_error(e, out)),
            Some(Ok(r)) => r,
        };
        if !response.body.is_object() {
            return Err(ToolError::Unexpected(format!(
                "Central answered the poll of {what} with a body that is not an object. {}",
                out.handle_hint()
            )));
        }
        out.apply(&response.body, want_raw);
        let percent = out.progress_percent.unwrap_or(0) as f64;
        if out.finished {
            ctx.report_progress(100.0, Some(100.0), format!("{what}: {}", out.status))
                .await;
            break Waited::Finished;
        }
        let last = ctx.progress.as_ref().and_then(|p| p.last()).unwrap_or(0.0);
        ctx.report_progress(
            percent.max(last + 1.0).min(99.0),
            Some(100.0),
            format!(
                "{what}: {} ({percent:.0}%), poll {}, {:.0} s",
                out.status,
                out.polls,
                started.elapsed().as_secs_f64()
            ),
        )
        .await;
    };
    out.elapsed_seconds += (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    out.timed_out = matches!(result, Waited::TimedOut);
    Ok(result)
}

fn cancelled(out: &TestOutput) -> ToolError {
    ToolError::Cancelled(format!(
        "Cancelled: stopped waiting for the {} from {} (the test may still run on the device). {}",
        out.test.segment(),
        out.device(),
        out.handle_hint()
    ))
}

fn poll_error(e: ApiError, out: &TestOutput) -> ToolError {
    match e.status() {
        Some(404) => ToolError::Explained {
            message: format!(
                "Central does not know task {} of the {} on {} (it may have expired, or the handle is wrong). Start a new test.",
                out.task.task_id,
                out.test.segment(),
                out.device()
            ),
            source: Box::new(e),
        },
        _ => ToolError::Explained {
            message: format!(
                "Polling the {} on {} failed. {}",
                out.test.segment(),
                out.device(),
                out.handle_hint()
            ),
            source: Box::new(e),
        },
    }
}

/// One asynchronous troubleshooting task to start on a device and wait for.
pub(crate) struct TaskRequest {
    /// The device's troubleshooting family.
    pub(crate) kind: DeviceKind,
    /// What to run.
    pub(crate) operation: Operation,
    /// The device's serial.
    pub(crate) serial: String,
    /// The POST body; `None` for operations the spec gives no body.
    pub(crate) body: Option<Value>,
    /// What is tested, for the result and messages.
    pub(crate) destination: Option<String>,
    /// How long to wait for the result in all.
    pub(crate) wait: Duration,
    /// Keep Central's raw CLI output.
    pub(crate) want_raw: bool,
}

/// Starts a task (`POST …/{operation}`, 202 + `location`), checks the location names that
/// task, and polls it with progress and cancellation until it finishes or `wait` runs out.
/// Every asynchronous troubleshooting tool goes through here.
pub(crate) async fn run_task(ctx: &ToolContext, r: TaskRequest) -> Result<TestOutput, ToolError> {
    let started = Instant::now();
    let TaskRequest {
        kind,
        operation,
        serial,
        ..
    } = r;
    let mut request = ApiRequest::new(operation.start_route())
        .path(kind.segment())
        .path(serial.clone());
    if let Some(body) = r.body {
        request = request.body(body);
    }
    let deadline = ctx.central.deadline_from_now().min(ctx.deadline);
    let accepted = ctx
        .central
        .call(request, deadline)
        .await
        .map_err(|e| start_error(e, kind, operation, &serial))?;
    let location = fields::text(&accepted.body, "location").ok_or_else(|| {
        ToolError::Unexpected(format!(
            "Central accepted the {} on {} {serial} (HTTP {}) but returned no task location, so the result cannot be fetched",
            operation.segment(),
            kind.noun(),
            accepted.status
        ))
    })?;
    let task = TaskHandle::parse_location(&location, ctx.central.base_url())
        .ok()
        .filter(|t| t.device_type == kind && t.operation == operation && t.serial == serial)
        .ok_or_else(|| {
            ToolError::Unexpected(format!(
                "Central accepted the {} on {} {serial} but returned an unexpected task location {location:?}; it was not polled",
                operation.segment(),
                kind.noun()
            ))
        })?;
    let status = fields::text(&accepted.body, "status").unwrap_or_else(|| "INITIATED".into());
    let mut out = TestOutput::new(task, r.destination.clone(), status);
    out.started_at = fields::text(&accepted.body, "startTime");
    let target = r
        .destination
        .map(|d| format!(" to {d}"))
        .unwrap_or_default();
    ctx.report_progress(
        1.0,
        Some(100.0),
        format!(
            "{} from {} {serial}{target} started (task {})",
            operation.segment(),
            kind.noun(),
            out.task.task_id
        ),
    )
    .await;
    let remaining = r.wait.saturating_sub(started.elapsed());
    wait_for(ctx, &mut out, remaining, false, r.want_raw).await?;
    out.elapsed_seconds = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    Ok(out)
}

/// Starts `operation` on the device and waits for the result.
async fn start_and_wait(
    ctx: ToolContext,
    kind: DeviceKind,
    operation: Operation,
    common: Common,
    body: Value,
) -> Result<TestOutput, ToolError> {
    run_task(
        &ctx,
        TaskRequest {
            kind,
            operation,
            serial: common.serial,
            body: Some(body),
            destination: Some(common.destination),
            wait: common.timeout,
            want_raw: common.include_raw_output,
        },
    )
    .await
}

fn start_error(e: ApiError, kind: DeviceKind, operation: Operation, serial: &str) -> ToolError {
    let message = match e.status() {
        Some(404) => format!(
            "No {} with serial {serial} in Central. Check the serial and the device type with get_device_list",
            kind.noun()
        ),
        Some(409) => format!(
            "The {} {serial} cannot run a {} now: it is offline or busy. Check its status with get_device_list and retry when it is online",
            kind.noun(),
            operation.segment()
        ),
        Some(400) => format!(
            "Central rejected the {} request for {} {serial}; fix the argument its message names",
            operation.segment(),
            kind.noun()
        ),
        _ => {
            return ToolError::api(format!(
                "Starting a {} on {} {serial}",
                operation.segment(),
                kind.noun()
            ))(e);
        }
    };
    ToolError::Explained {
        message,
        source: Box::new(e),
    }
}

/// The troubleshooting device type of switch `serial`, from its monitoring data (`switchType`:
/// `cx` → `cx`, `pvos`/`aos-s` → `aos-s`).
pub(crate) async fn switch_kind(ctx: &ToolContext, serial: &str) -> Result<DeviceKind, ToolError> {
    let deadline = ctx.central.deadline_from_now().min(ctx.deadline);
    let body = ctx
        .central
        .call(
            ApiRequest::new(routes::SWITCH_DETAILS).path(serial.to_string()),
            deadline,
        )
        .await
        .map_err(|e| match e.status() {
            Some(404) => ToolError::Explained {
                message: format!(
                    "No switch with serial {serial} in Central. Check the serial with get_device_list (device_type SWITCH); access points and gateways have their own tools"
                ),
                source: Box::new(e),
            },
            _ => ToolError::api(format!("Looking up switch {serial}"))(e),
        })?
        .body;
    let switch_type = fields::text(&body, "switchType").map(|t| t.to_ascii_lowercase());
    match switch_type.as_deref() {
        Some("cx" | "aos-cx" | "aoscx") => Ok(DeviceKind::Cx),
        Some("pvos" | "aos-s" | "aoss" | "aos-switch") => Ok(DeviceKind::AosS),
        other => Err(ToolError::Unexpected(format!(
            "Central reports switch {serial} with switchType {}; only AOS-CX (cx) and AOS-Switch (pvos) switches can run tests",
            other.unwrap_or("(none)")
        ))),
    }
}

async fn ping_ap(ctx: ToolContext, a: PingApArgs) -> Result<TestOutput, ToolError> {
    let common = a.common()?;
    let body = body(
        &common,
        &[
            ("count", a.count.map(Value::from)),
            ("packetSize", a.packet_size.map(Value::from)),
        ],
    );
    start_and_wait(ctx, DeviceKind::Aps, Operation::Ping, common, body).await
}

async fn ping_gateway(ctx: ToolContext, a: PingGatewayArgs) -> Result<TestOutput, ToolError> {
    let common = a.common()?;
    let body = body(
        &common,
        &[
            ("count", a.count.map(Value::from)),
            ("packetSize", a.packet_size.map(Value::from)),
            (
                "sourceInterface",
                a.source_interface.map(|s| Value::from(s.api())),
            ),
            ("vlan", a.vlan.map(Value::from)),
        ],
    );
    start_and_wait(ctx, DeviceKind::Gateways, Operation::Ping, common, body).await
}

async fn ping_switch(ctx: ToolContext, a: PingSwitchArgs) -> Result<TestOutput, ToolError> {
    let common = a.common()?;
    let kind = switch_kind(&ctx, &common.serial).await?;
    let body = body(
        &common,
        &[
            ("count", a.count.map(Value::from)),
            ("packetSize", a.packet_size.map(Value::from)),
        ],
    );
    start_and_wait(ctx, kind, Operation::Ping, common, body).await
}

async fn traceroute(
    ctx: ToolContext,
    a: TracerouteArgs,
    kind: Option<DeviceKind>,
) -> Result<TestOutput, ToolError> {
    let common = a.common()?;
    let kind = match kind {
        Some(k) => k,
        None => switch_kind(&ctx, &common.serial).await?,
    };
    let body = body(&common, &[]);
    start_and_wait(ctx, kind, Operation::Traceroute, common, body).await
}

/// Arguments of `get_async_test_result`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AsyncResultArgs {
    /// The task's `location` as a diagnostics tool returned it
    /// (`/network-troubleshooting/v1/<device-type>/<serial>/<operation>/async-operations/<task-id>`).
    /// Give this, or the four fields below.
    #[schemars(
        description = "The `location` a diagnostics tool returned; or give the four fields below."
    )]
    pub location: Option<String>,
    /// Device-type segment of the task: aps, cx, aos-s or gateways.
    #[schemars(description = "")]
    pub device_type: Option<DeviceKind>,
    /// Serial of the device running the test.
    #[schemars(description = "")]
    pub serial: Option<String>,
    /// The operation path segment: ping, traceroute, showCommands, getArpTable, …
    #[schemars(description = "")]
    pub operation: Option<Operation>,
    /// The task id (a UUID). A full location is also accepted here.
    #[schemars(description = "")]
    pub task_id: Option<String>,
    /// Also return Central's raw CLI output (present when the test was started with
    /// include_raw_output). Default false.
    #[schemars(description = "")]
    pub include_raw_output: Option<bool>,
    /// How long to wait for the task to finish, 0-300 seconds (default 30); 0 polls once.
    #[schemars(range(min = 0, max = 300))]
    #[schemars(description = "Default 30; 0 polls once.")]
    pub timeout_seconds: Option<u64>,
}

impl AsyncResultArgs {
    fn handle(&self, base_url: &str) -> Result<TaskHandle, ToolError> {
        let location = match (&self.location, &self.task_id) {
            (Some(l), _) => Some(("location", l)),
            (None, Some(t)) if t.contains('/') => Some(("task_id", t)),
            _ => None,
        };
        if let Some((name, l)) = location {
            // A task_id beside a location would be silently ignored: refuse it like the others.
            let task_id_too = name == "location" && self.task_id.is_some();
            if self.device_type.is_some()
                || self.serial.is_some()
                || self.operation.is_some()
                || task_id_too
            {
                return Err(ToolError::InvalidArgument(format!(
                    "argument `{name}`: give either a location, or device_type, serial, operation and task_id — not both"
                )));
            }
            return TaskHandle::parse_location(l, base_url)
                .map_err(|e| ToolError::InvalidArgument(format!("argument `{name}`: {e}")));
        }
        let missing: Vec<&str> = [
            ("device_type", self.device_type.is_none()),
            ("serial", self.serial.is_none()),
            ("operation", self.operation.is_none()),
            ("task_id", self.task_id.is_none()),
        ]
        .iter()
        .filter(|(_, m)| *m)
        .map(|(n, _)| *n)
        .collect();
        let (Some(device_type), Some(serial), Some(operation), Some(task_id)) = (
            self.device_type,
            &self.serial,
            self.operation,
            &self.task_id,
        ) else {
            return Err(ToolError::InvalidArgument(format!(
                "argument `{}` is required: give the task `location` a diagnostics tool returned, or all of device_type, serial, operation and task_id",
                missing.join("`, `")
            )));
        };
        let serial = args::serial("serial", serial)?;
        let task_id = task_id_text(task_id).ok_or_else(|| {
            ToolError::InvalidArgument(format!(
                "argument `task_id`: {task_id:?} is not a task id; expected a UUID such as 3f0e5a7c-2b1d-4c55-9d21-7a6b8c9d0e1f"
            ))
        })?;
        Ok(TaskHandle::new(device_type, serial, operation, task_id))
    }
}

impl Validate for AsyncResultArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        // The location's scheme and host are checked against ARUBA_BASE_URL when the tool runs;
        // here only the shape is checked.
        let given = self
            .location
            .as_deref()
            .or(self.task_id.as_deref())
            .unwrap_or("");
        self.handle(origin_of(given.trim()))?;
        timeout(self.timeout_seconds, DEFAULT_RESULT_TIMEOUT_SECONDS, 0)?;
        Ok(())
    }
}

async fn async_result(ctx: ToolContext, a: AsyncResultArgs) -> Result<TestOutput, ToolError> {
    let task = a.handle(ctx.central.base_url())?;
    let wait = timeout(a.timeout_seconds, DEFAULT_RESULT_TIMEOUT_SECONDS, 0)?;
    let mut out = TestOutput::new(task, None, "UNKNOWN".into());
    wait_for(
        &ctx,
        &mut out,
        wait,
        true,
        a.include_raw_output.unwrap_or(false),
    )
    .await?;
    Ok(out)
}

/// The `ping_from_ap` tool.
pub fn ping_from_ap() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "ping_from_ap",
            title: "Ping from an access point",
            description: "Pings a host from an AP and waits for the result (loss, round trips). Starts a test on the device.",
            toolset: Toolset::Diagnostics,
        },
        ping_ap,
    )
    .with_max_duration(MAX_DURATION)
}

/// The `ping_from_gateway` tool.
pub fn ping_from_gateway() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "ping_from_gateway",
            title: "Ping from a gateway",
            description: "Pings a host from a gateway, optionally from a VLAN or interface, and waits for the result.",
            toolset: Toolset::Diagnostics,
        },
        ping_gateway,
    )
    .with_max_duration(MAX_DURATION)
}

/// The `traceroute_from_ap` tool.
pub fn traceroute_from_ap() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "traceroute_from_ap",
            title: "Traceroute from an access point",
            description: "Traceroute from an AP to a host; waits for the hops.",
            toolset: Toolset::Diagnostics,
        },
        |ctx, a| traceroute(ctx, a, Some(DeviceKind::Aps)),
    )
    .with_max_duration(MAX_DURATION)
}

/// The `get_async_test_result` tool.
pub fn get_async_test_result() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_async_test_result",
            title: "Result of a diagnostics test",
            description: "Result of a ping, traceroute or other diagnostics test that returned before finishing (timed_out): pass its location.",
            toolset: Toolset::Diagnostics,
        },
        async_result,
    )
    .with_max_duration(MAX_DURATION)
}

/// The `ping_from_switch` tool.
pub fn ping_from_switch() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "ping_from_switch",
            title: "Ping from a switch",
            description: "Pings a host from a switch and waits for the result.",
            toolset: Toolset::Diagnostics,
        },
        ping_switch,
    )
    .with_max_duration(MAX_DURATION)
}

/// The `traceroute_from_gateway` tool.
pub fn traceroute_from_gateway() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "traceroute_from_gateway",
            title: "Traceroute from a gateway",
            description: "Traceroute from a gateway to a host; waits for the hops.",
            toolset: Toolset::Diagnostics,
        },
        |ctx, a| traceroute(ctx, a, Some(DeviceKind::Gateways)),
    )
    .with_max_duration(MAX_DURATION)
}

/// The `traceroute_from_switch` tool.
pub fn traceroute_from_switch() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "traceroute_from_switch",
            title: "Traceroute from a switch",
            description: "Traceroute from a switch to a host; waits for the hops.",
            toolset: Toolset::Diagnostics,
        },
        |ctx, a| traceroute(ctx, a, None),
    )
    .with_max_duration(MAX_DURATION)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f0e5a7c-2b1d-4c55-9d21-7a6b8c9d0e1f";

    #[test]
    fn locations_are_parsed_strictly() {
        let base = "https://us1.api.central.arubanetworks.com";
        let path = format!("/network-troubleshooting/v1/aps/CN12AB34CD/ping/async-operations/{ID}");
        let h = TaskHandle::parse_location(&path, base).unwrap();
        assert_eq!(h.device_type, DeviceKind::Aps);
        assert_eq!(h.serial, "CN12AB34CD");
        assert_eq!(h.operation, Operation::Ping);
        assert_eq!(h.task_id, ID);
        assert_eq!(h.location, path);
        assert_eq!(
            TaskHandle::parse_location(&format!("{base}{path}"), base).unwrap(),
            h
        );
        for bad in [
            format!("https://evil.example{path}"),
            format!("/network-troubleshooting/v1/aps/CN12AB34CD/reboot/async-operations/{ID}"),
            format!("/network-monitoring/v1/aps/CN12AB34CD/ping/async-operations/{ID}"),
            format!("/network-troubleshooting/v1/xx/CN12AB34CD/ping/async-operations/{ID}"),
            format!("/network-troubleshooting/v1/aps/CN12/../ping/async-operations/{ID}"),
            format!("{path}?x=1"),
            format!("{path}/more"),
            "/network-troubleshooting/v1/aps/CN12AB34CD/ping/async-operations/not-a-uuid".into(),
            "relative/path".into(),
        ] {
            assert!(TaskHandle::parse_location(&bad, base).is_err(), "{bad}");
        }
    }

    #[test]
    fn destinations_and_aliases() {
        assert_eq!(
            destination(Some(" 8.8.8.8 ".into()), None).unwrap(),
            "8.8.8.8"
        );
        assert_eq!(
            destination(None, Some("2001:db8::1".into())).unwrap(),
            "2001:db8::1"
        );
        assert!(
            destination(None, None)
                .unwrap_err()
                .to_string()
                .contains("destination")
        );
        assert!(destination(Some("a".into()), Some("b".into())).is_err());
        let e = destination(None, Some("8.8.8.8; reboot".into())).unwrap_err();
        assert!(e.to_string().contains("`target`"), "{e}");
        assert!(destination(Some("-x".into()), None).is_err());
    }

    fn out(op: Operation, kind: DeviceKind) -> TestOutput {
        TestOutput::new(
            TaskHandle::new(kind, "CN12AB34CD".into(), op, ID.into()),
            Some("8.8.8.8".into()),
            "INITIATED".into(),
        )
    }

    #[test]
    fn maps_ap_and_gateway_ping_vocabularies() {
        let mut o = out(Operation::Ping, DeviceKind::Aps);
        o.apply(
            &json!({"status":"COMPLETED","progressPercent":100,"endTime":"t","output":{
                "destination":"8.8.8.8","resolvedIp":"8.8.8.8","transmittedPacketsCount":"5",
                "receivedPacketsCount":"4","packetLossPercent":"20",
                "minimumRoundTripTimeMilliseconds":"200.2","averageRoundTripTimeMilliseconds":"204.7",
                "maximumRoundTripTimeMilliseconds":"209.8"},"rawOutput":"x"}),
            false,
        );
        assert!(o.finished);
        assert_eq!((o.transmitted, o.received), (Some(5), Some(4)));
        assert_eq!(o.loss_percent, Some(20.0));
        assert_eq!(o.rtt_avg_ms, Some(204.7));
        assert_eq!(o.raw_output, None);
        assert!(
            o.summary().contains("4/5 replies, 20% loss"),
            "{}",
            o.summary()
        );

        let mut g = out(Operation::Ping, DeviceKind::Gateways);
        g.apply(
            &json!({"status":"COMPLETED","output":{"sentPacketsCount":"4","receivedPacketsCount":"4",
                "successRatePercent":"100","minimumLatencyMilliseconds":"1.5",
                "averageLatencyMilliseconds":"2","maximumLatencyMilliseconds":"3"}}),
            true,
        );
        assert_eq!(g.loss_percent, Some(0.0));
        assert_eq!(g.rtt_max_ms, Some(3.0));
        assert!(g.summary().contains("Healthy"));
    }

    #[test]
    fn maps_traceroute_hops_and_tolerates_nulls() {
        let mut t = out(Operation::Traceroute, DeviceKind::Aps);
        t.apply(
            &json!({"status":"COMPLETED","output":{"resolvedIp":"8.8.8.8","hops":[
                {"hop":"1","probes":[{"ipAddress":"10.0.0.1","responseTimeMilliseconds":"1.5 ms","reverseDnsResolution":"gw.local"}]},
                {"hop":"2","probes":[{"ipAddress":"null","responseTimeMilliseconds":"*","reverseDnsResolution":""}]},
                {"hop":"3","probes":[{"ipAddress":"8.8.8.8","responseTimeMilliseconds":"9 ms","reverseDnsResolution":"8.8.8.8"}]}]}}),
            false,
        );
        let hops = t.hops.clone().unwrap();
        assert_eq!(hops.len(), 3);
        assert_eq!(hops[0].hostname.as_deref(), Some("gw.local"));
        assert_eq!(hops[1].address, None);
        assert_eq!(hops[1].lost_probes, 1);
        assert_eq!(hops[2].rtt_ms, [9.0]);
        assert_eq!(t.reached, Some(true));
        let mut n = out(Operation::Traceroute, DeviceKind::Cx);
        n.apply(&json!({"status": null, "output": {"hops": null}}), false);
        assert_eq!(n.hops, Some(vec![]));
        assert!(!n.finished);
        assert!(n.summary().contains("get_async_test_result"));
    }
}
