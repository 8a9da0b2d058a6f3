//! Throughput and path-MTU tests of `network-troubleshooting/v1` (issue 19): the access point's
//! `speedtest`, the gateway's `iperf` and the gateway's `pingSweep`.
//!
//! POST checks, in order: the device exists and is of the path's type (404), the body has only
//! the fields the spec lists for the operation, of the right types and ranges, with the required
//! ones (400 `Validation errors - …`; a ping sweep also needs `endPacketSize >=
//! startPacketSize` and, as a guard of this simulator, at most 10,000 pings in all), and the
//! device is online (409). It answers 202 with the `location`; each poll advances the task one
//! step (INITIATED → RUNNING → COMPLETED), or ends FAILED when the iperf server or the sweep's
//! destination is unreachable by convention (`*.invalid`, 192.0.2.0/24).
//!
//! The figures come from the dataset, deterministically per task:
//! - **Capacity.** A server in the device's own site (`10.<site index>.x.x`) is reached over
//!   the LAN at 1 Gbit/s. Anything else goes through the site's internet uplink, whose plan
//!   depends on the site (down/up Mbit/s: 1000/1000 for site 1, then 500/100, 300/50, 200/20
//!   in turn), less what the site gateway's INET uplink carries now (its `throughput`), but at
//!   least 5 % of the plan. The upload uses the up direction, the reverse run the down one.
//! - **TCP** gets about 94 % of the capacity (a little less with a single stream over the WAN),
//!   with a few retransmits on the LAN and many more over the WAN. **UDP** sends at its target
//!   rate (the AP's `bandwidth` in Kbit/s, else iperf3's 1 Mbit/s) and loses what exceeds the
//!   capacity; jitter is tens of microseconds on the LAN, milliseconds over the WAN.
//! - The AP answers with its `upstream…`/`downstream…` fields (downstream only with
//!   `includeReverse`); the gateway with sender and receiver rates and per-second `metrics`
//!   (`[SUM]` rows with `parallel` > 1), and with `includeRawOutput` the iperf3 text, which
//!   holds a second, reverse-mode run when `includeReverse` is set.
//! - **Path MTU of a ping sweep**: 1400 bytes towards a private address outside the gateway's
//!   own site when it has an IPSec WAN tunnel up (the tunnel MTU `…/tunnels` reports), else
//!   1500 (the INET uplink). The sweep's probes are taken to carry don't-fragment, so a payload
//!   above the MTU less 28 bytes (IPv4 and ICMP headers; 48 for IPv6) times out, the rest answer.

use std::net::Ipv4Addr;

use hyper::Method;
use serde_json::{Map, Value, json};

use super::data::{Device, DeviceType};
use super::lookup::noise;
use super::response::ApiError;
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::state::State;
use super::tasks::Task;
use super::troubleshooting::{
    Finished, Flag, Int, Kind, OneOf, Text, accept_task, bad_request, check_fields, check_online,
    device, poll_task, resolve, segments, unreachable,
};

/// Most pings a sweep may send (sizes × count), a guard of the simulator.
const MAX_SWEEP_PINGS: u64 = 10_000;
/// iperf3's port when none is given.
const IPERF_PORT: u64 = 5201;
/// Bytes of an iperf3 UDP datagram.
const DATAGRAM_BYTES: f64 = 1448.0;

const PROTOCOL: (&str, Kind) = ("protocol", OneOf(&["tcp", "udp"]));

/// `POST …/aps/{serial-number}/speedtest` body fields.
const SPEEDTEST: &[(&str, Kind)] = &[
    ("iperfServerAddress", Text),
    ("bandwidth", Int(1, 100_000_000)),
    ("includeReverse", Flag),
    ("omit", Int(1, 5)),
    ("parallel", Int(1, 30)),
    PROTOCOL,
    ("secondsToMeasure", Int(0, 20)),
    ("serverPort", Int(0, 65535)),
    ("windowSize", Int(64, 1638)),
];

/// `POST …/gateways/{serial-number}/iperf` body fields.
const IPERF: &[(&str, Kind)] = &[
    ("iperfServerAddress", Text),
    ("duration", Int(10, 120)),
    ("includeRawOutput", Flag),
    ("includeReverse", Flag),
    ("omit", Int(1, 60)),
    ("parallel", Int(1, 128)),
    ("port", Int(1, 65535)),
    PROTOCOL,
    ("vlanInterface", Text),
];

/// `POST …/gateways/{serial-number}/pingSweep` body fields (`packetSize` is not allowed).
const PING_SWEEP: &[(&str, Kind)] = &[
    ("destination", Text),
    ("startPacketSize", Int(1, 65507)),
    ("endPacketSize", Int(1, 65507)),
    ("sweepInterval", Int(1, 65507)),
    ("count", Int(1, 100)),
];

/// Register the start and poll routes of the three operations.
pub(crate) fn register(router: &mut Router<State>) {
    const START: [&str; 3] = [
        "/network-troubleshooting/v1/aps/{serial-number}/speedtest",
        "/network-troubleshooting/v1/gateways/{serial-number}/iperf",
        "/network-troubleshooting/v1/gateways/{serial-number}/pingSweep",
    ];
    const POLL: [&str; 3] = [
        "/network-troubleshooting/v1/aps/{serial-number}/speedtest/async-operations/{task-id}",
        "/network-troubleshooting/v1/gateways/{serial-number}/iperf/async-operations/{task-id}",
        "/network-troubleshooting/v1/gateways/{serial-number}/pingSweep/async-operations/{task-id}",
    ];
    for t in START {
        router.add(Method::POST, t, start);
    }
    for t in POLL {
        router.add(Method::GET, t, poll);
    }
}

fn text<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or("")
}

fn int(body: &Value, key: &str) -> Option<u64> {
    body.get(key).and_then(Value::as_u64)
}

fn flag(body: &Value, key: &str) -> bool {
    body.get(key).and_then(Value::as_bool) == Some(true)
}

/// Validate a start body of `op`; the target address (iperf server or sweep destination).
fn check_body(op: &str, body: &[u8]) -> Result<(Map<String, Value>, String), ApiError> {
    let (fields, required, target): (&[(&str, Kind)], &[&str], &str) = match op {
        "speedtest" => (SPEEDTEST, &["iperfServerAddress"], "iperfServerAddress"),
        "iperf" => (IPERF, &["iperfServerAddress"], "iperfServerAddress"),
        _ => (
            PING_SWEEP,
            &[
                "destination",
                "startPacketSize",
                "endPacketSize",
                "sweepInterval",
            ],
            "destination",
        ),
    };
    let map = check_fields(body, fields, required)?;
    let address = map
        .get(target)
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    if address.len() > 255 || address.contains(char::is_whitespace) {
        return Err(bad_request(format!(
            "Validation errors - {target} must be an IP address or host name"
        )));
    }
    if op == "pingSweep" {
        let v = Value::Object(map.clone());
        let (start, end) = (
            int(&v, "startPacketSize").unwrap_or(1),
            int(&v, "endPacketSize").unwrap_or(1),
        );
        if end < start {
            return Err(bad_request(
                "Validation errors - endPacketSize must be >= startPacketSize",
            ));
        }
        let sizes = (end - start) / int(&v, "sweepInterval").unwrap_or(1).max(1) + 1;
        if sizes * int(&v, "count").unwrap_or(5) > MAX_SWEEP_PINGS {
            return Err(bad_request(format!(
                "Validation errors - the sweep would send more than {MAX_SWEEP_PINGS} pings"
            )));
        }
    }
    Ok((map, address))
}

/// `POST …/{speedtest|iperf|pingSweep}` → 202 with the task location.
fn start(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let (family, serial, op) = segments(req);
    let d = device(state, family, serial)?;
    let (body, address) = check_body(op, &req.body)?;
    check_online(state, d)?;
    accept_task(state, req, d, Value::Object(body), unreachable(&address))
}

/// `GET …/{speedtest|iperf|pingSweep}/async-operations/{task-id}` — advances the task a step.
fn poll(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    poll_task(
        state,
        req,
        params,
        |state, t, d| match t.operation.as_str() {
            "speedtest" => Finished {
                output: speedtest_output(state, t, d),
                raw: None,
            },
            "iperf" => iperf_output(state, t, d),
            _ => Finished {
                output: sweep_output(state, t, d),
                raw: None,
            },
        },
        |t| {
            if t.operation == "pingSweep" {
                let dest = text(&t.body, "destination");
                return (
                    format!("Destination host unreachable: {dest}"),
                    String::new(),
                );
            }
            let reason = "iperf3: error - unable to connect to server: Connection timed out";
            (
                reason.to_string(),
                format!("\nPerf-test: Failed\n\n{reason}\n"),
            )
        },
    )
}

/// What a path between the device and a server carries, Mbit/s.
struct Capacity {
    up: f64,
    down: f64,
    lan: bool,
}

/// Internet plan of a site (down, up), Mbit/s, by its 1-based index.
fn plan(site_index: u8) -> (f64, f64) {
    match site_index.saturating_sub(1) % 4 {
        0 => (1000.0, 1000.0),
        1 => (500.0, 100.0),
        2 => (300.0, 50.0),
        _ => (200.0, 20.0),
    }
}

fn site_index(state: &State, d: &Device) -> u8 {
    state.dataset.site(&d.site_id).map_or(1, |s| s.index)
}

/// Whether `ip` is in the device's own site (`10.<site index>.x.x`).
fn own_site(state: &State, d: &Device, ip: &str) -> bool {
    ip.parse::<Ipv4Addr>().is_ok_and(|a| {
        a.octets().first() == Some(&10) && a.octets().get(1) == Some(&site_index(state, d))
    })
}

/// The capacity between `d` and `server` (see the module documentation).
fn capacity(state: &State, d: &Device, server: &str) -> Capacity {
    if own_site(state, d, &resolve(server)) {
        return Capacity {
            up: 1000.0,
            down: 1000.0,
            lan: true,
        };
    }
    let ds = &state.dataset;
    let (down, up) = plan(site_index(state, d));
    let gateway = if d.device_type == DeviceType::Gateway {
        Some(d)
    } else {
        ds.devices_of_type(DeviceType::Gateway)
            .find(|g| g.site_id == d.site_id)
    };
    let inet = gateway.and_then(|g| {
        ds.uplinks
            .iter()
            .find(|u| u.gateway_serial == g.serial_number && !u.is_backup && u.status == "Up")
    });
    let (used_up, used_down) = inet.map_or((0.0, 0.0), |u| {
        (
            u.throughput_sent as f64 * 8.0 / 1e6,
            u.throughput_received as f64 * 8.0 / 1e6,
        )
    });
    Capacity {
        up: (up - used_up).max(up * 0.05),
        down: (down - used_down).max(down * 0.05),
        lan: false,
    }
}

/// One direction of a measurement.
struct Measured {
    sent_mbps: f64,
    received_mbps: f64,
    retransmits: Option<u64>,
    jitter_ms: Option<f64>,
    datagrams: Option<u64>,
    lost: Option<u64>,
}

/// How the test was asked for.
struct Setup {
    udp: bool,
    seconds: u64,
    parallel: u64,
    /// UDP target rate, Mbit/s.
    target_mbps: f64,
}

/// Measure one direction over a path of `capacity` Mbit/s; `n` tells the directions apart.
fn measure(key: &str, n: u64, capacity: f64, lan: bool, s: &Setup) -> Measured {
    let wobble = |k: u64| noise(key, n * 16 + k);
    let secs = s.seconds as f64;
    if s.udp {
        let cap = capacity * 0.97;
        let datagrams = (s.target_mbps * 1e6 / 8.0 * secs / DATAGRAM_BYTES)
            .round()
            .max(1.0);
        let loss = if s.target_mbps > cap {
            1.0 - cap / s.target_mbps
        } else {
            wobble(2) * 0.003
        };
        let lost = (datagrams * loss).round();
        Measured {
            sent_mbps: s.target_mbps,
            received_mbps: s.target_mbps * (1.0 - lost / datagrams),
            retransmits: None,
            jitter_ms: Some(if lan {
                0.01 + wobble(3) * 0.08
            } else {
                0.4 + wobble(3) * 3.0
            }),
            datagrams: Some(datagrams as u64),
            lost: Some(lost as u64),
        }
    } else {
        let streams = if lan {
            1.0
        } else {
            (0.8 + 0.05 * s.parallel as f64).min(1.0)
        };
        let received = capacity * 0.94 * streams * (0.92 + 0.08 * wobble(1));
        let retransmits = if lan {
            wobble(3) * 5.0
        } else {
            received * secs * (0.05 + 0.3 * wobble(3))
        };
        Measured {
            sent_mbps: received * (1.002 + wobble(2) * 0.01),
            received_mbps: received,
            retransmits: Some(retransmits.round() as u64),
            jitter_ms: None,
            datagrams: None,
            lost: None,
        }
    }
}

/// Bytes moved in `seconds` at `mbps`.
fn bytes(mbps: f64, seconds: u64) -> u64 {
    (mbps * 1e6 / 8.0 * seconds as f64).round() as u64
}

/// The `output` of a finished AP speedtest.
fn speedtest_output(state: &State, t: &Task, d: &Device) -> Value {
    let b = &t.body;
    let server = text(b, "iperfServerAddress");
    let udp = text(b, "protocol") == "udp";
    let setup = Setup {
        udp,
        seconds: int(b, "secondsToMeasure").filter(|s| *s > 0).unwrap_or(10),
        parallel: int(b, "parallel").unwrap_or(1),
        target_mbps: int(b, "bandwidth").map_or(1.0, |k| k as f64 / 1000.0),
    };
    let cap = capacity(state, d, server);
    let up = measure(&t.id, 0, cap.up, cap.lan, &setup);
    let down = flag(b, "includeReverse").then(|| measure(&t.id, 1, cap.down, cap.lan, &setup));
    let mut out = Map::new();
    out.insert("iperfServerAddress".into(), json!(server));
    out.insert("protocol".into(), json!(if udp { "UDP" } else { "TCP" }));
    out.insert(
        "serverPort".into(),
        json!(int(b, "serverPort").unwrap_or(IPERF_PORT).to_string()),
    );
    out.insert("intervalInSeconds".into(), json!(setup.seconds.to_string()));
    for (prefix, m) in [("upstream", Some(&up)), ("downstream", down.as_ref())] {
        let s = |v: Option<String>| v.map_or(Value::Null, Value::from);
        out.insert(
            format!("{prefix}BandwidthInMbps"),
            s(m.map(|m| format!("{:.6}", m.received_mbps))),
        );
        out.insert(
            format!("{prefix}Bytes"),
            s(m.map(|m| bytes(m.received_mbps, setup.seconds).to_string())),
        );
        out.insert(
            format!("{prefix}Datagrams"),
            s(m.and_then(|m| m.datagrams).map(|x| x.to_string())),
        );
        out.insert(
            format!("{prefix}Jitter"),
            s(m.and_then(|m| m.jitter_ms).map(|x| format!("{x:.3}"))),
        );
        out.insert(
            format!("{prefix}LostPackets"),
            s(m.and_then(|m| m.lost).map(|x| x.to_string())),
        );
        out.insert(
            format!("{prefix}Retries"),
            s(m.and_then(|m| m.retransmits).map(|x| x.to_string())),
        );
    }
    Value::Object(out)
}

/// iperf3's three significant digits.
fn sig3(x: f64) -> String {
    if x >= 99.95 {
        format!("{x:.0}")
    } else if x >= 9.995 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// A rate as iperf3 prints it, e.g. `9.58 Mbits/sec`.
fn rate(mbps: f64) -> String {
    if mbps >= 1000.0 {
        format!("{} Gbits/sec", sig3(mbps / 1000.0))
    } else if mbps >= 1.0 {
        format!("{} Mbits/sec", sig3(mbps))
    } else {
        format!("{} Kbits/sec", sig3(mbps * 1000.0))
    }
}

/// A byte count as iperf3 prints it (binary units), e.g. `11.4 MBytes`.
fn size(bytes: u64) -> String {
    let b = bytes as f64;
    let k = 1024.0;
    if b >= k * k * k {
        format!("{} GBytes", sig3(b / (k * k * k)))
    } else if b >= k * k {
        format!("{} MBytes", sig3(b / (k * k)))
    } else if b >= k {
        format!("{} KBytes", sig3(b / k))
    } else {
        format!("{bytes} Bytes")
    }
}

/// One iperf3 run as the gateway prints it.
fn iperf_run(t: &Task, d: &Device, m: &Measured, s: &Setup, reverse: bool) -> String {
    let server = text(&t.body, "iperfServerAddress");
    let port = int(&t.body, "port").unwrap_or(IPERF_PORT);
    let id = if s.parallel > 1 { "[SUM]" } else { "[  4]" };
    let mut out = format!("Connecting to host {server}, port {port}\n");
    if reverse {
        out.push_str(&format!("Reverse mode, remote host {server} is sending\n"));
    }
    out.push_str(&format!(
        "[  4] local {} port {} connected to {server} port {port}\nStarting Test: protocol: {}, {} streams, 131072 byte blocks, omitting 0 seconds, {} second test\n",
        d.ipv4,
        55312 + u64::from(reverse) * 2,
        if s.udp { "UDP" } else { "TCP" },
        s.parallel,
        s.seconds
    ));
    for i in 0..s.seconds {
        let r = m.received_mbps * (0.85 + 0.3 * noise(&t.id, 200 + u64::from(reverse) * 1000 + i));
        out.push_str(&format!(
            "{id}   {i}.00-{}.00   sec  {}  {}\n",
            i + 1,
            size(bytes(r, 1)),
            rate(r)
        ));
    }
    let span = format!("0.00-{}.00  sec", s.seconds);
    out.push_str(
        "- - - - - - - - - - - - - - - - - - - - - - - - -\nTest Complete. Summary Results:\n",
    );
    let sent = size(bytes(m.sent_mbps, s.seconds));
    let got = size(bytes(m.received_mbps, s.seconds));
    match (m.datagrams, m.lost, m.jitter_ms) {
        (Some(n), Some(lost), Some(jitter)) => {
            let pct = (lost as f64 * 100.0 / n.max(1) as f64).round();
            out.push_str(&format!(
                "[ ID] Interval           Transfer     Bandwidth       Jitter    Lost/Total Datagrams\n{id}   {span}  {sent}  {}  0.000 ms  0/{n} (0%)  sender\n{id}   {span}  {got}  {}  {jitter:.3} ms  {lost}/{n} ({pct}%)  receiver\n",
                rate(m.sent_mbps),
                rate(m.received_mbps)
            ));
        }
        _ => out.push_str(&format!(
            "[ ID] Interval           Transfer     Bandwidth       Retr\n{id}   {span}  {sent}  {}  {}             sender\n{id}   {span}  {got}  {}                  receiver\n",
            rate(m.sent_mbps),
            m.retransmits.unwrap_or(0),
            rate(m.received_mbps)
        )),
    }
    out.push_str("\niperf Done.\n");
    out
}

/// The `output` and iperf3 text of a finished gateway iperf.
fn iperf_output(state: &State, t: &Task, d: &Device) -> Finished {
    let b = &t.body;
    let server = text(b, "iperfServerAddress");
    let setup = Setup {
        udp: text(b, "protocol") == "udp",
        seconds: int(b, "duration").unwrap_or(10),
        parallel: int(b, "parallel").unwrap_or(1),
        target_mbps: 1.0,
    };
    let cap = capacity(state, d, server);
    let up = measure(&t.id, 0, cap.up, cap.lan, &setup);
    let id = if setup.parallel > 1 { "[SUM]" } else { "[  4]" };
    let metrics: Vec<Value> = (0..setup.seconds)
        .map(|i| {
            let r = up.received_mbps * (0.85 + 0.3 * noise(&t.id, 200 + i));
            json!({
                "id": id,
                "intervalInSeconds": format!("{i}.00-{}.00", i + 1),
                "bandwidthInbps": rate(r),
                "transferSizeInBytes": size(bytes(r, 1)),
            })
        })
        .collect();
    let output = json!({
        "iperfServerAddress": server,
        "metrics": metrics,
        "senderBandwidth": rate(up.sent_mbps),
        "receiverBandwidth": rate(up.received_mbps),
        "totalTransferredBytesFromSender": size(bytes(up.sent_mbps, setup.seconds)),
        "totalTransferredBytesFromReceiver": size(bytes(up.received_mbps, setup.seconds)),
    });
    let mut raw = format!(
        "\nPerf-test: Finished\n\niperf 3.0.11\nLinux {} 5.10.209 x86_64 GNU/Linux\n",
        d.device_name
    );
    raw.push_str(&iperf_run(t, d, &up, &setup, false));
    if flag(b, "includeReverse") {
        let down = measure(&t.id, 1, cap.down, cap.lan, &setup);
        raw.push_str(&iperf_run(t, d, &down, &setup, true));
    }
    Finished {
        output,
        raw: Some(raw),
    }
}

/// The path MTU from gateway `d` to `ip` (see the module documentation).
fn path_mtu(state: &State, d: &Device, ip: &str) -> u64 {
    let private = ip.parse::<Ipv4Addr>().is_ok_and(|a| a.is_private());
    let tunnel = state.dataset.tunnels.iter().any(|t| {
        t.gateway_serial == d.serial_number && t.encapsulation == "IPSec" && t.status == "Up"
    });
    if private && tunnel && !own_site(state, d, ip) {
        1400
    } else {
        1500
    }
}

/// The `output` of a finished ping sweep.
fn sweep_output(state: &State, t: &Task, d: &Device) -> Value {
    let b = &t.body;
    let dest = text(b, "destination");
    let start = int(b, "startPacketSize").unwrap_or(1);
    let end = int(b, "endPacketSize").unwrap_or(start);
    let step = usize::try_from(int(b, "sweepInterval").unwrap_or(1).max(1)).unwrap_or(1);
    let count = int(b, "count").unwrap_or(5);
    let v6 = dest.contains(':');
    let (header, mtu) = if v6 {
        (48, 1500)
    } else {
        (28, path_mtu(state, d, &resolve(dest)))
    };
    let base = 2.0 + noise(dest, 3) * 40.0;
    let mut request = 0u64;
    let mut rtts: Vec<f64> = Vec::new();
    let responses: Vec<Value> = (1..=count)
        .map(|cycle| {
            let replies: Vec<Value> = (start..=end)
                .step_by(step)
                .map(|size| {
                    request += 1;
                    let timed_out = size + header > mtu;
                    if !timed_out {
                        rtts.push(base + size as f64 * 0.004 + noise(&t.id, request) * 2.0);
                    }
                    json!({"requestId": request.to_string(), "size": size.to_string(), "timedOut": timed_out})
                })
                .collect();
            json!({"count": cycle.to_string(), "replies": replies})
        })
        .collect();
    let received = rtts.len() as u64;
    let (min, max) = rtts
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
    let avg = rtts.iter().sum::<f64>() / rtts.len().max(1) as f64;
    let ms = |x: f64| format!("{:.3}", if received == 0 { 0.0 } else { x });
    json!({
        "destination": dest,
        "transmittedPacketsCount": request.to_string(),
        "receivedPacketsCount": received.to_string(),
        "successRate": format!("{}", (received as f64 * 1000.0 / request.max(1) as f64).round() / 10.0),
        "minimumRoundTripTimeMilliseconds": ms(min),
        "averageRoundTripTimeMilliseconds": ms(avg),
        "maximumRoundTripTimeMilliseconds": ms(max),
        "responses": responses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iperf_units_read_like_iperf3() {
        assert_eq!(rate(9.581), "9.58 Mbits/sec");
        assert_eq!(rate(163.2), "163 Mbits/sec");
        assert_eq!(rate(0.5), "500 Kbits/sec");
        assert_eq!(rate(2228.0), "2.23 Gbits/sec");
        assert_eq!(size(11_953_766), "11.4 MBytes");
        assert_eq!(size(512), "512 Bytes");
    }

    #[test]
    fn sweep_bodies_are_checked() {
        let ok = br#"{"destination":"1.1.1.1","startPacketSize":1400,"endPacketSize":1500,"sweepInterval":10}"#;
        assert!(check_body("pingSweep", ok).is_ok());
        for bad in [
            r#"{"destination":"1.1.1.1","startPacketSize":1500,"endPacketSize":1400,"sweepInterval":10}"#,
            r#"{"destination":"1.1.1.1","startPacketSize":1,"endPacketSize":60000,"sweepInterval":1}"#,
            r#"{"destination":"1.1.1.1","startPacketSize":1,"endPacketSize":60,"sweepInterval":1,"packetSize":5}"#,
            r#"{"destination":"1.1.1.1","startPacketSize":1,"endPacketSize":60}"#,
            r#"{"destination":"a b","startPacketSize":1,"endPacketSize":60,"sweepInterval":1}"#,
        ] {
            assert!(check_body("pingSweep", bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(
            check_body(
                "speedtest",
                br#"{"iperfServerAddress":"1.2.3.4","secondsToMeasure":21}"#
            )
            .is_err()
        );
        assert!(check_body("iperf", br#"{"iperfServerAddress":"1.2.3.4","duration":9}"#).is_err());
        assert!(
            check_body(
                "iperf",
                br#"{"iperfServerAddress":"1.2.3.4","serverPort":9}"#
            )
            .is_err()
        );
        assert!(
            check_body(
                "speedtest",
                br#"{"iperfServerAddress":"1.2.3.4","serverPort":0,"parallel":30}"#
            )
            .is_ok()
        );
    }

    #[test]
    fn udp_above_capacity_loses_the_excess() {
        let s = Setup {
            udp: true,
            seconds: 10,
            parallel: 1,
            target_mbps: 100.0,
        };
        let m = measure("k", 0, 50.0, false, &s);
        let lost = m.lost.unwrap() as f64 / m.datagrams.unwrap() as f64;
        assert!((lost - (1.0 - 48.5 / 100.0)).abs() < 0.01, "{lost}");
        assert!(m.received_mbps < 50.0);
        let tcp = measure("k", 0, 1000.0, true, &Setup { udp: false, ..s });
        assert!(tcp.received_mbps > 850.0 && tcp.received_mbps < 941.0);
        assert!(tcp.sent_mbps > tcp.received_mbps);
    }
}
