//! Asynchronous device tests of `network-troubleshooting/v1` (CONTRACT §6): ping and
//! traceroute from access points (`aps`), AOS-CX switches (`cx`), AOS-Switch switches
//! (`aos-s`) and gateways (`gateways`), polling, and `list-tasks`.
//!
//! POST checks, in order: the device exists and is of the path's type (404 `Device not found:
//! <sn>`), the body is a JSON object with only the fields the spec lists for that device and
//! operation, of the right types and ranges, and a non-blank `destination` (400 `Validation
//! errors - …`), and the device is online (409 `Device offline: <sn>`). It answers 202 with the
//! `location` to poll. Polling advances the task one step per poll (see `tasks.rs`):
//! INITIATED → RUNNING → COMPLETED, or FAILED when the destination is unreachable — a host
//! name ending in `.invalid` (RFC 2606) or an address in 192.0.2.0/24 (TEST-NET-1). Errors
//! use the troubleshooting envelope: the four standard fields plus `errorType` and
//! `serviceName` (§4.3).

use std::net::Ipv4Addr;

use hyper::Method;
use serde_json::{Map, Value, json};

use super::data::{Device, DeviceType, rfc3339_ms};
use super::journal::now_unix_ms;
use super::lookup::{noise, round1};
use super::response::{ApiError, CONFLICT, NOT_FOUND, SimResponse, TS_BAD_REQUEST};
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::state::State;
use super::tasks::{Phase, Task};

/// Register the troubleshooting routes (exact templates per device type and operation).
pub(crate) fn register(router: &mut Router<State>) {
    const START: [&str; 8] = [
        "/network-troubleshooting/v1/aps/{serial-number}/ping",
        "/network-troubleshooting/v1/aps/{serial-number}/traceroute",
        "/network-troubleshooting/v1/cx/{serial-number}/ping",
        "/network-troubleshooting/v1/cx/{serial-number}/traceroute",
        "/network-troubleshooting/v1/aos-s/{serial-number}/ping",
        "/network-troubleshooting/v1/aos-s/{serial-number}/traceroute",
        "/network-troubleshooting/v1/gateways/{serial-number}/ping",
        "/network-troubleshooting/v1/gateways/{serial-number}/traceroute",
    ];
    const POLL: [&str; 8] = [
        "/network-troubleshooting/v1/aps/{serial-number}/ping/async-operations/{task-id}",
        "/network-troubleshooting/v1/aps/{serial-number}/traceroute/async-operations/{task-id}",
        "/network-troubleshooting/v1/cx/{serial-number}/ping/async-operations/{task-id}",
        "/network-troubleshooting/v1/cx/{serial-number}/traceroute/async-operations/{task-id}",
        "/network-troubleshooting/v1/aos-s/{serial-number}/ping/async-operations/{task-id}",
        "/network-troubleshooting/v1/aos-s/{serial-number}/traceroute/async-operations/{task-id}",
        "/network-troubleshooting/v1/gateways/{serial-number}/ping/async-operations/{task-id}",
        "/network-troubleshooting/v1/gateways/{serial-number}/traceroute/async-operations/{task-id}",
    ];
    const LIST: [&str; 4] = [
        "/network-troubleshooting/v1/aps/{serial-number}/list-tasks",
        "/network-troubleshooting/v1/cx/{serial-number}/list-tasks",
        "/network-troubleshooting/v1/aos-s/{serial-number}/list-tasks",
        "/network-troubleshooting/v1/gateways/{serial-number}/list-tasks",
    ];
    for t in START {
        router.add(Method::POST, t, start_test);
    }
    for t in POLL {
        router.add(Method::GET, t, poll_test);
    }
    for t in LIST {
        router.add(Method::GET, t, list_tasks);
    }
}

pub(crate) fn bad_request(msg: impl Into<String>) -> ApiError {
    ApiError::with_code(400, TS_BAD_REQUEST, msg)
        .with_field("errorType", "BAD_REQUEST")
        .with_field("serviceName", "Troubleshooting")
}

pub(crate) fn not_found(msg: impl Into<String>) -> ApiError {
    ApiError::with_code(404, NOT_FOUND, msg)
        .with_field("errorType", "NOT_FOUND")
        .with_field("serviceName", "Troubleshooting")
}

/// The (device-type, serial, operation) segments of a troubleshooting path.
pub(crate) fn segments(req: &SimRequest) -> (&str, &str, &str) {
    let s = |i: usize| req.segments.get(i).map_or("", String::as_str);
    (s(2), s(3), s(4))
}

/// The device `serial` if it is of the path's `device_type`.
pub(crate) fn device<'d>(
    state: &'d State,
    device_type: &str,
    serial: &str,
) -> Result<&'d Device, ApiError> {
    let ds = &state.dataset;
    ds.device(serial)
        .filter(|d| match device_type {
            "aps" => d.device_type == DeviceType::AccessPoint,
            "gateways" => d.device_type == DeviceType::Gateway,
            "cx" => d.device_type == DeviceType::Switch && d.switch_type.as_deref() == Some("cx"),
            "aos-s" => {
                d.device_type == DeviceType::Switch && d.switch_type.as_deref() == Some("pvos")
            }
            _ => false,
        })
        .ok_or_else(|| not_found(format!("Device not found: {serial}")))
}

/// The type of a body field.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// A string.
    Text,
    /// A boolean.
    Flag,
    /// An integer within the bounds.
    Int(i64, i64),
    /// A number within the bounds.
    Num(f64, f64),
    /// One of these strings.
    OneOf(&'static [&'static str]),
}

pub(crate) use Kind::{Flag, Int, Num, OneOf, Text};

const COUNT: (&str, Kind) = ("count", Int(1, 100));
const SIZE: (&str, Kind) = ("packetSize", Int(10, 2000));
const DEST: (&str, Kind) = ("destination", Text);
const RAW: (&str, Kind) = ("includeRawOutput", Flag);

/// The body fields the spec lists for a device type and operation (§6.2).
fn schema(device_type: &str, op: &str) -> &'static [(&'static str, Kind)] {
    match (device_type, op) {
        ("aps", "ping") => &[
            DEST,
            COUNT,
            SIZE,
            ("interfacePort", Text),
            ("vlan", Int(1, 4095)),
            ("role", Text),
            RAW,
        ],
        ("cx", "ping") => &[
            DEST,
            COUNT,
            SIZE,
            ("useIpv6", Flag),
            ("useManagementInterface", Flag),
            ("vrfName", Text),
            RAW,
        ],
        ("aos-s", "ping") => &[
            DEST,
            COUNT,
            SIZE,
            ("useIpv6", Flag),
            ("loopbackPort", Int(1, 8)),
            ("vlan", Int(1, 4094)),
            ("ipAddress", Text),
            RAW,
        ],
        ("gateways", "ping") => &[
            DEST,
            COUNT,
            SIZE,
            ("ttl", Int(1, 255)),
            ("dscp", Int(0, 63)),
            ("dontFragmentFlag", Flag),
            ("useIpv6", Flag),
            (
                "sourceInterface",
                OneOf(&["loopback", "mgmt-interface", "vlan-interface"]),
            ),
            ("vlan", Num(1.0, 4095.0)),
            RAW,
        ],
        ("aps", _) => &[DEST, ("sourceInterface", Text), RAW],
        ("cx", _) => &[
            DEST,
            ("useIpv6", Flag),
            ("useManagementInterface", Flag),
            ("vrfName", Text),
            RAW,
        ],
        ("aos-s", _) => &[
            DEST,
            (
                "sourceInterface",
                OneOf(&["loopback", "vlan-interface", "ip-address"]),
            ),
            ("loopbackPort", Int(1, 8)),
            ("vlan", Int(1, 4094)),
            ("ipAddress", Text),
            RAW,
        ],
        _ => &[DEST, ("vlanIp", Text), RAW],
    }
}

/// Validate a ping or traceroute body against `fields`: a non-blank `destination` without
/// spaces is required.
fn validate(body: &[u8], fields: &[(&str, Kind)]) -> Result<Map<String, Value>, ApiError> {
    let map = check_fields(body, fields, &[])?;
    match map.get("destination").and_then(Value::as_str) {
        Some(d) if !d.trim().is_empty() && d.len() <= 255 && !d.contains(char::is_whitespace) => {
            Ok(map)
        }
        Some(_) => Err(bad_request(
            "Validation errors - destination must be a host name or IP address",
        )),
        None => Err(bad_request(
            "Validation errors - destination must not be blank",
        )),
    }
}

/// Validate a request body against `fields` (name and type of every field the spec lists)
/// with the `required` ones present and, when strings, not blank; the message names the first
/// problem. An empty body is `{}`.
pub(crate) fn check_fields(
    body: &[u8],
    fields: &[(&str, Kind)],
    required: &[&str],
) -> Result<Map<String, Value>, ApiError> {
    let err = |m: String| bad_request(format!("Validation errors - {m}"));
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(body)
            .map_err(|e| err(format!("request body is not valid JSON: {e}")))?
    };
    let Value::Object(map) = value else {
        return Err(err("request body must be a JSON object".into()));
    };
    for (name, v) in &map {
        let Some((_, kind)) = fields.iter().find(|(f, _)| f == name) else {
            let allowed: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
            return Err(err(format!(
                "unknown field '{name}'; allowed fields: {}",
                allowed.join(", ")
            )));
        };
        let ok = match *kind {
            Text => v.is_string(),
            Flag => v.is_boolean(),
            Int(lo, hi) => {
                if let Some(n) = v.as_i64() {
                    if n < lo || n > hi {
                        return Err(err(format!("{name} must be between {lo} and {hi}")));
                    }
                    true
                } else {
                    false
                }
            }
            Num(lo, hi) => {
                if let Some(n) = v.as_f64() {
                    if n < lo || n > hi {
                        return Err(err(format!("{name} must be between {lo} and {hi}")));
                    }
                    true
                } else {
                    false
                }
            }
            OneOf(values) => {
                if v.as_str().is_some_and(|s| values.contains(&s)) {
                    true
                } else {
                    return Err(err(format!("{name} must be one of {}", values.join(", "))));
                }
            }
        };
        if !ok {
            let what = match kind {
                Text | OneOf(_) => "a string",
                Flag => "a boolean",
                Int(..) => "an integer",
                Num(..) => "a number",
            };
            return Err(err(format!("{name} must be {what}")));
        }
    }
    for name in required {
        match map.get(*name) {
            None => return Err(err(format!("{name} is required"))),
            Some(Value::String(v)) if v.trim().is_empty() => {
                return Err(err(format!("{name} must not be blank")));
            }
            Some(_) => {}
        }
    }
    Ok(map)
}

/// Unreachable by construction: `*.invalid` or 192.0.2.0/24.
pub(crate) fn unreachable(destination: &str) -> bool {
    destination.to_ascii_lowercase().ends_with(".invalid")
        || destination
            .parse::<Ipv4Addr>()
            .is_ok_and(|ip| ip.octets()[..3] == [192, 0, 2])
}

/// `POST /network-troubleshooting/v1/{type}/{serial-number}/{ping|traceroute}` → 202.
fn start_test(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let (device_type, serial, op) = segments(req);
    let d = device(state, device_type, serial)?;
    let body = validate(&req.body, schema(device_type, op))?;
    check_online(state, d)?;
    let unreachable = unreachable(
        body.get("destination")
            .and_then(Value::as_str)
            .unwrap_or(""),
    );
    accept_task(state, req, d, Value::Object(body), unreachable)
}

/// 409 `Device offline` when the device is offline, or rebooting after an action.
pub(crate) fn check_online(state: &State, d: &Device) -> Result<(), ApiError> {
    if d.status.is_online() && !state.effects.rebooting(&d.serial_number, now_unix_ms()) {
        return Ok(());
    }
    Err(ApiError::with_code(
        409,
        CONFLICT,
        format!("Device offline: {}", d.serial_number),
    )
    .with_field("errorType", "CONFLICT")
    .with_field("serviceName", "Troubleshooting"))
}

/// Create a task for `d` running the request's operation with `body` and answer 202 with its
/// `location` (every asynchronous troubleshooting POST ends here). `unreachable` makes the task
/// end FAILED.
pub(crate) fn accept_task(
    state: &State,
    req: &SimRequest,
    d: &Device,
    body: Value,
    unreachable: bool,
) -> HandlerResult {
    let (device_type, _, op) = segments(req);
    let task = Task {
        id: state.tasks.next_id(),
        device_type: device_type.to_string(),
        serial: d.serial_number.clone(),
        operation: op.to_string(),
        unreachable,
        body,
        start_ms: now_unix_ms(),
        end_ms: None,
        phase: Phase::Initiated,
    };
    let reply = json!({
        "location": task.location(),
        "status": Phase::Initiated.api_name(),
        "startTime": rfc3339_ms(task.start_ms),
    });
    state.tasks.insert(task);
    Ok(SimResponse::json(202, &reply))
}

/// What a finished task reports.
pub(crate) struct Finished {
    /// The `output` object.
    pub(crate) output: Value,
    /// The CLI text, sent as `rawOutput` when the body asked for it.
    pub(crate) raw: Option<String>,
}

/// `GET …/{operation}/async-operations/{task-id}`: advance the task one step and answer the
/// result envelope; `finish` builds the output of a COMPLETED task. A FAILED task (unreachable)
/// reports `fail_reason` and, when asked, `fail_raw` as its raw output.
pub(crate) fn poll_task(
    state: &State,
    req: &SimRequest,
    params: &Params,
    finish: impl FnOnce(&State, &Task, &Device) -> Finished,
    failed: impl FnOnce(&Task) -> (String, String),
) -> HandlerResult {
    let (device_type, serial, op) = segments(req);
    let d = device(state, device_type, serial)?;
    let id = params.get("task-id").unwrap_or("");
    let t = state
        .tasks
        .poll(id, device_type, &d.serial_number, op, now_unix_ms())
        .ok_or_else(|| not_found(format!("Async operation task not found: {id}")))?;
    let want_raw = t.body.get("includeRawOutput").and_then(Value::as_bool) == Some(true);
    let (progress, output, raw, fail): (u8, Value, Option<String>, Value) = match t.phase {
        Phase::Initiated => (0, Value::Null, None, Value::Null),
        Phase::Running => (50, Value::Null, None, Value::Null),
        Phase::Failed => {
            let (reason, raw) = failed(&t);
            (100, Value::Null, Some(raw), json!(reason))
        }
        Phase::Completed => {
            let f = finish(state, &t, d);
            (100, f.output, f.raw, Value::Null)
        }
    };
    let mut body = json!({
        "status": t.phase.api_name(),
        "progressPercent": progress,
        "startTime": rfc3339_ms(t.start_ms),
        "endTime": t.end_ms.map(rfc3339_ms),
        "output": output,
        "failReason": fail,
    });
    if want_raw && let (Some(raw), Value::Object(m)) = (raw, &mut body) {
        m.insert("rawOutput".into(), json!(raw));
    }
    Ok(SimResponse::ok(&body))
}

/// The address a destination resolves to.
pub(crate) fn resolve(destination: &str) -> String {
    match destination.parse::<Ipv4Addr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => format!(
            "142.250.{}.{}",
            (noise(destination, 1) * 250.0) as u8,
            1 + (noise(destination, 2) * 250.0) as u8
        ),
    }
}

fn ms(x: f64) -> String {
    format!("{:.1}", round1(x))
}

/// The `output` and raw text of a finished ping.
fn ping_output(t: &Task, d: &Device) -> (Value, String) {
    let dest = t
        .body
        .get("destination")
        .and_then(Value::as_str)
        .unwrap_or("");
    let count = t.body.get("count").and_then(Value::as_u64).unwrap_or(5);
    let size = t
        .body
        .get("packetSize")
        .and_then(Value::as_u64)
        .unwrap_or(64);
    let ip = resolve(dest);
    let base = 2.0 + noise(dest, 3) * 40.0;
    let rtts: Vec<f64> = (0..count)
        .map(|i| round1(base + noise(&t.id, i) * 6.0))
        .collect();
    let min = rtts.iter().copied().fold(f64::MAX, f64::min);
    let max = rtts.iter().copied().fold(0.0, f64::max);
    let total: f64 = rtts.iter().sum();
    let avg = total / rtts.len().max(1) as f64;
    let raw = format!(
        "\nCOMMAND=ping {dest}\nPING {ip} ({ip}) from {} : {size} bytes of data.\n{count} packets transmitted, {count} packets received, 0% packet loss\nround-trip min/avg/max = {}/{}/{} ms\n",
        d.ipv4,
        ms(min),
        ms(avg),
        ms(max)
    );
    let replies = |with_extra: bool| -> Vec<Value> {
        rtts.iter()
            .enumerate()
            .map(|(i, r)| {
                let mut v = json!({
                    "sentPacketAddress": ip,
                    "sentPacketIcmpSequenceNumber": i.to_string(),
                    "sentPacketTimeMilliseconds": ms(*r),
                });
                if with_extra && let Value::Object(m) = &mut v {
                    m.insert("sentPacketTimeToLive".into(), json!("56"));
                    m.insert("sentPacketSizeBytes".into(), json!(size.to_string()));
                }
                v
            })
            .collect()
    };
    let output = match t.device_type.as_str() {
        "gateways" => json!({
            "destination": dest,
            "packetSizeBytes": size.to_string(),
            "timeoutSeconds": "2",
            "sentPacketsCount": count.to_string(),
            "receivedPacketsCount": count.to_string(),
            "successRatePercent": "100",
            "minimumLatencyMilliseconds": ms(min),
            "averageLatencyMilliseconds": ms(avg),
            "maximumLatencyMilliseconds": ms(max),
        }),
        "aos-s" => json!({
            "transmittedPacketsCount": count.to_string(),
            "receivedPacketsCount": count.to_string(),
            "packetLossPercent": "0",
            "minimumRoundTripTimeMilliseconds": ms(min),
            "averageRoundTripTimeMilliseconds": ms(avg),
            "maximumRoundTripTimeMilliseconds": ms(max),
            "replies": replies(false),
        }),
        kind => {
            let mut v = json!({
                "destination": dest,
                "resolvedIp": ip,
                "transmittedPacketsCount": count.to_string(),
                "receivedPacketsCount": count.to_string(),
                "packetLossPercent": "0",
                "minimumRoundTripTimeMilliseconds": ms(min),
                "averageRoundTripTimeMilliseconds": ms(avg),
                "maximumRoundTripTimeMilliseconds": ms(max),
                "replies": replies(true),
            });
            if kind == "cx"
                && let Value::Object(m) = &mut v
            {
                let var =
                    rtts.iter().map(|r| (r - avg).powi(2)).sum::<f64>() / rtts.len().max(1) as f64;
                m.insert(
                    "standardDeviationRoundTripTimeMilliseconds".into(),
                    json!(format!("{:.3}", var.sqrt())),
                );
                m.insert("totalRoundTripTimeMilliseconds".into(), json!(ms(total)));
            }
            v
        }
    };
    (output, raw)
}

/// The `output` and raw text of a finished traceroute: the site gateway, two ISP hops, the
/// destination.
fn traceroute_output(state: &State, t: &Task, d: &Device) -> (Value, String) {
    let dest = t
        .body
        .get("destination")
        .and_then(Value::as_str)
        .unwrap_or("");
    let ip = resolve(dest);
    let site_index = state.dataset.site(&d.site_id).map_or(1, |s| s.index);
    let hops_ips = [
        format!("10.{site_index}.0.1"),
        format!("100.64.{}.1", site_index),
        "null".to_string(),
        ip.clone(),
    ];
    let mut raw =
        format!("\nCOMMAND=traceroute {dest}\ntraceroute to {dest} ({ip}), 30 hops max\n");
    let hops: Vec<Value> = hops_ips
        .iter()
        .enumerate()
        .map(|(i, hop_ip)| {
            let probes: Vec<Value> = (0..3)
                .map(|p| {
                    let rtt = 1.0 + i as f64 * 6.0 + noise(&t.id, (i * 3 + p) as u64) * 4.0;
                    json!({
                        "ipAddress": hop_ip,
                        "responseTimeMilliseconds": if hop_ip == "null" { "*".to_string() } else { format!("{rtt:.3} ms") },
                        "reverseDnsResolution": if hop_ip == "null" { "".to_string() } else { hop_ip.clone() },
                    })
                })
                .collect();
            raw.push_str(&format!(" {}  {}\n", i + 1, if hop_ip == "null" { "* * *" } else { hop_ip }));
            json!({"hop": (i + 1).to_string(), "probes": probes})
        })
        .collect();
    let mut output = json!({"destination": dest, "hops": hops});
    if matches!(t.device_type.as_str(), "aps" | "cx")
        && let Value::Object(m) = &mut output
    {
        m.insert("resolvedIp".into(), json!(ip));
    }
    (output, raw)
}

/// `GET …/{ping|traceroute}/async-operations/{task-id}` — advances the task one step.
fn poll_test(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    poll_task(
        state,
        req,
        params,
        |state, t, d| {
            let (output, raw) = if t.operation == "ping" {
                ping_output(t, d)
            } else {
                traceroute_output(state, t, d)
            };
            Finished {
                output,
                raw: Some(raw),
            }
        },
        |t| {
            let dest = t
                .body
                .get("destination")
                .and_then(Value::as_str)
                .unwrap_or("");
            (
                format!("Destination host unreachable: {dest}"),
                format!(
                    "\nCOMMAND={} {dest}\n{dest}: Destination host unreachable\n",
                    t.operation
                ),
            )
        },
    )
}

/// `GET /network-troubleshooting/v1/{type}/{serial-number}/list-tasks` — a JSON array of
/// `{testName, locations}`, newest first.
fn list_tasks(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let (device_type, serial, _) = segments(req);
    let d = device(state, device_type, serial)?;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for t in state.tasks.of_device(device_type, &d.serial_number) {
        match out.iter_mut().find(|(name, _)| *name == t.operation) {
            Some((_, locs)) => locs.push(t.location()),
            None => out.push((t.operation.clone(), vec![t.location()])),
        }
    }
    let list: Vec<Value> = out
        .into_iter()
        .map(|(name, locations)| json!({"testName": name, "locations": locations}))
        .collect();
    Ok(SimResponse::ok(&Value::Array(list)))
}
