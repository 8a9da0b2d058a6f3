//! Trend ("graph") endpoints (CONTRACT §5.9): AP CPU, memory, power and throughput; gateway
//! CPU, memory, WAN/VPN availability and hardware temperature; WLAN throughput.
//!
//! Window: `filter=timestamp gt <RFC 3339> and timestamp lt <RFC 3339>` (only `gt`/`lt` on
//! `timestamp`); default the 3 hours before the dataset snapshot; only `gt` ⇒ 3 h after it;
//! only `lt` ⇒ 3 h before it; at most 90 days. Samples every 5 minutes up to 24 h, every
//! 180 minutes beyond, aligned to the interval. Values are deterministic per device and
//! instant; from 5 minutes before the snapshot on they equal the device's current reading (so
//! the newest sample matches `/aps`), and they are `null` after an offline device was last
//! seen.

use hyper::Method;
use serde_json::{Value, json};

use super::data::{Device, DeviceType, rfc3339_ms};
use super::lookup::{DAY_MS, HOUR_MS, MINUTE_MS, device_of, noise, path_param, round1};
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Query, Router, SimRequest};
use super::state::State;

/// Register the trend routes.
pub(crate) fn register(router: &mut Router<State>) {
    router
        .add(
            Method::GET,
            "/network-monitoring/v1/aps/{serial-number}/cpu-utilization-trends",
            ap_cpu,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/aps/{serial-number}/memory-utilization-trends",
            ap_memory,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/aps/{serial-number}/power-consumption-trends",
            ap_power,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/aps/{serial-number}/throughput-trends",
            ap_throughput,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/cpu-utilization-trends",
            gateway_cpu,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/wan-availability-trends",
            gateway_wan,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/vpn-availability-trends",
            gateway_vpn,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/hardware-temperature-trends",
            gateway_temperature,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/wlans/{wlan-name}/throughput-trends",
            wlan_throughput,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/memory-utilization-trends",
            gateway_memory,
        );
}

const DEFAULT_WINDOW_MS: u64 = 3 * HOUR_MS;
const MAX_WINDOW_MS: u64 = 90 * DAY_MS;

/// Parse the timestamp filter into a `(start, end)` window around `now`.
pub(crate) fn trend_window(q: &Query, now: u64) -> Result<(u64, u64), ApiError> {
    let bad = |why: &str| ApiError::bad_request(format!("Invalid 'filter': {why}"));
    let mut gt = None;
    let mut lt = None;
    if let Some(raw) = q.get_nonblank("filter") {
        if raw.chars().count() > 256 {
            return Err(bad("longer than 256 characters"));
        }
        for term in raw.split(" and ") {
            let words: Vec<&str> = term.split_whitespace().collect();
            let [field, op, value] = words.as_slice() else {
                return Err(bad(&format!("malformed term '{}'", term.trim())));
            };
            if *field != "timestamp" {
                return Err(bad(&format!(
                    "filter field '{field}' is not supported; supported fields: timestamp"
                )));
            }
            let value = value.trim_matches('\'');
            let t = humantime::parse_rfc3339_weak(value)
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as u64)
                .ok_or_else(|| bad(&format!("'{value}' is not an RFC 3339 date-time")))?;
            match *op {
                "gt" => gt = Some(t),
                "lt" => lt = Some(t),
                other => {
                    return Err(bad(&format!(
                        "operator '{other}' is not supported on timestamp; use gt and lt"
                    )));
                }
            }
        }
    }
    let (start, end) = match (gt, lt) {
        (None, None) => (now.saturating_sub(DEFAULT_WINDOW_MS), now),
        (Some(s), None) => (s, s.saturating_add(DEFAULT_WINDOW_MS)),
        (None, Some(e)) => (e.saturating_sub(DEFAULT_WINDOW_MS), e),
        (Some(s), Some(e)) => (s, e),
    };
    if start >= end {
        return Err(bad(
            "the 'gt' timestamp must be earlier than the 'lt' timestamp",
        ));
    }
    if end - start > MAX_WINDOW_MS {
        return Err(bad("the window must not exceed 90 days"));
    }
    Ok((start, end))
}

#[derive(Clone, Copy, PartialEq)]
enum Metric {
    Cpu,
    Memory,
    Power,
    Throughput,
    WanAvailability,
    VpnAvailability,
    Temperature,
}

impl Metric {
    /// The `metric` value of the response.
    fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu_utilization",
            Self::Memory => "memory_utilization",
            Self::Power => "power_consumption",
            Self::Throughput => "ap_throughput",
            Self::WanAvailability => "wan_availability",
            Self::VpnAvailability => "vpn_availability",
            Self::Temperature => "hardware_temperature",
        }
    }

    /// `graph.keys`.
    fn keys(self) -> Vec<&'static str> {
        match self {
            Self::Throughput => vec!["tx", "rx"],
            other => vec![other.name()],
        }
    }
}

/// Was `d` reporting at `t` (after its last boot, before it was last seen)?
pub(crate) fn reporting(d: &Device, t: u64, snapshot: u64) -> bool {
    d.last_seen_at_ms.is_none_or(|seen| t <= seen)
        && d.uptime_millis
            .is_none_or(|up| t >= snapshot.saturating_sub(up))
}

/// A value around `base` at `t`: equal to `base` in the last 5 minutes before the snapshot
/// and later, otherwise `base ± swing/2`, clamped to `[lo, hi]`.
pub(crate) fn around(
    key: &str,
    t: u64,
    snapshot: u64,
    base: f64,
    swing: f64,
    (lo, hi): (f64, f64),
) -> f64 {
    if t + 5 * MINUTE_MS >= snapshot {
        return base;
    }
    round1((base + (noise(key, t / MINUTE_MS) - 0.5) * swing).clamp(lo, hi))
}

/// The data of `metric` for `d` at instant `t`, aligned with `metric.keys()` (nulls when the
/// device was not reporting). `tx_rx` is the device's mean (tx, rx) rate in bits/s.
fn values_at(d: &Device, metric: Metric, t: u64, snapshot: u64, tx_rx: (f64, f64)) -> Vec<Value> {
    let n = metric.keys().len();
    if !reporting(d, t, snapshot) {
        return vec![Value::Null; n];
    }
    let key = d.serial_number.as_str();
    let pct = |c: Option<u8>, fallback: f64| c.map_or(fallback, f64::from);
    let v = match metric {
        Metric::Cpu => around(
            key,
            t,
            snapshot,
            pct(d.cpu_utilization, 20.0),
            12.0,
            (0.5, 99.0),
        ),
        Metric::Memory => around(
            key,
            t,
            snapshot,
            pct(d.memory_utilization, 45.0),
            12.0,
            (0.5, 99.0),
        ),
        Metric::Power => {
            let w = d.power_deciwatts.map_or(10.0, |w| f64::from(w) / 10.0);
            around(key, t, snapshot, w, 3.0, (0.0, 1_000.0))
        }
        Metric::WanAvailability | Metric::VpnAvailability => {
            let dip = noise(key, t / MINUTE_MS + 7) < 0.03;
            if dip {
                round1(90.0 + noise(key, t) * 9.0)
            } else {
                100.0
            }
        }
        Metric::Temperature => around(key, t, snapshot, 42.0, 6.0, (20.0, 90.0)),
        Metric::Throughput => {
            let scale = 0.4 + noise(key, t / MINUTE_MS) * 1.2;
            return vec![
                json!(round1(tx_rx.0 * scale)),
                json!(round1(tx_rx.1 * scale)),
            ];
        }
    };
    vec![json!(v)]
}

/// Sample instants of a window: every 5 minutes up to 24 h, every 180 minutes beyond.
pub(crate) fn instants(start: u64, end: u64) -> (u64, Vec<u64>) {
    let minutes = if end - start > DAY_MS { 180 } else { 5 };
    let step = minutes * MINUTE_MS;
    let first = start.div_ceil(step) * step;
    let times = (0..)
        .map(|i| first + i * step)
        .take_while(|t| *t <= end)
        .collect();
    (minutes, times)
}

fn graph(
    state: &State,
    req: &SimRequest,
    d: &Device,
    metric: Metric,
    tx_rx: (f64, f64),
) -> HandlerResult {
    let ds = &state.dataset;
    if let Some(site) = req.query.get_nonblank("site-id")
        && site != d.site_id
    {
        return Err(ApiError::bad_request(format!(
            "Device '{}' does not belong to site '{site}'",
            d.serial_number
        )));
    }
    let (start, end) = trend_window(&req.query, ds.snapshot_unix_ms)?;
    let (minutes, times) = instants(start, end);
    let samples: Vec<Value> = times
        .into_iter()
        .map(|t| {
            json!({
                "timestamp": rfc3339_ms(t),
                "data": values_at(d, metric, t, ds.snapshot_unix_ms, tx_rx),
            })
        })
        .collect();
    let gateway = d.device_type == DeviceType::Gateway;
    let mut graph = json!({"keys": metric.keys(), "samples": samples});
    // Gateway graphs omit the sampling interval in the spec.
    if !gateway && let Value::Object(map) = &mut graph {
        map.insert("samplingIntervalInMinutes".into(), json!(minutes));
    }
    let kind = if gateway {
        "network-monitoring/gateway-monitoring"
    } else {
        "network-monitoring/access-point-monitoring"
    };
    Ok(SimResponse::ok(&json!({
        "id": d.serial_number,
        "type": kind,
        "metric": metric.name(),
        "graph": graph,
    })))
}

/// Mean (tx, rx) bits/s of an AP's wireless side, from its clients' 24-hour usage.
fn ap_rates(state: &State, d: &Device) -> (f64, f64) {
    let bytes = super::wireless::ap_wireless_usage(&state.dataset, d, DAY_MS) as f64;
    let bits_per_s = bytes * 8.0 / (DAY_MS / 1000) as f64;
    // Clients download about three times what they upload; the AP transmits the downloads.
    (bits_per_s * 0.75, bits_per_s * 0.25)
}

fn ap_graph(state: &State, req: &SimRequest, params: &Params, metric: Metric) -> HandlerResult {
    let d = device_of(
        &state.dataset,
        path_param(params, "serial-number"),
        DeviceType::AccessPoint,
        "access point",
    )?;
    let mut rates = (0.0, 0.0);
    if metric == Metric::Throughput {
        match req.query.get("interface-type").unwrap_or("WIRELESS") {
            "WIRELESS" => rates = ap_rates(state, d),
            "WIRED" => {
                let (tx, rx) = ap_rates(state, d);
                // The uplink carries the same traffic the other way, plus 4 % overhead.
                rates = (rx * 1.04, tx * 1.04);
            }
            "LTE" => {}
            other => {
                return Err(ApiError::bad_request(format!(
                    "Invalid value '{other}' for 'interface-type': must be WIRELESS, WIRED or LTE"
                )));
            }
        }
    }
    graph(state, req, d, metric, rates)
}

fn gateway_graph(
    state: &State,
    req: &SimRequest,
    params: &Params,
    metric: Metric,
) -> HandlerResult {
    let d = device_of(
        &state.dataset,
        path_param(params, "serial-number"),
        DeviceType::Gateway,
        "gateway",
    )?;
    graph(state, req, d, metric, (0.0, 0.0))
}

/// `GET /network-monitoring/v1/aps/{serial-number}/cpu-utilization-trends`.
fn ap_cpu(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    ap_graph(state, req, params, Metric::Cpu)
}

/// `GET /network-monitoring/v1/aps/{serial-number}/memory-utilization-trends`.
fn ap_memory(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    ap_graph(state, req, params, Metric::Memory)
}

/// `GET /network-monitoring/v1/aps/{serial-number}/power-consumption-trends` (watts).
fn ap_power(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    ap_graph(state, req, params, Metric::Power)
}

/// `GET /network-monitoring/v1/aps/{serial-number}/throughput-trends` — keys `tx`, `rx`
/// (bits/s); `interface-type` WIRELESS (default), WIRED or LTE (no modem: zeros).
fn ap_throughput(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    ap_graph(state, req, params, Metric::Throughput)
}

/// `GET /network-monitoring/v1/gateways/{serial-number}/cpu-utilization-trends`.
fn gateway_cpu(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    gateway_graph(state, req, params, Metric::Cpu)
}

/// `GET /network-monitoring/v1/gateways/{serial-number}/memory-utilization-trends`.
fn gateway_memory(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    gateway_graph(state, req, params, Metric::Memory)
}

/// `GET /network-monitoring/v1/gateways/{serial-number}/wan-availability-trends` (percent).
fn gateway_wan(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    gateway_graph(state, req, params, Metric::WanAvailability)
}

/// `GET /network-monitoring/v1/gateways/{serial-number}/vpn-availability-trends` (percent).
fn gateway_vpn(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    gateway_graph(state, req, params, Metric::VpnAvailability)
}

/// `GET /network-monitoring/v1/gateways/{serial-number}/hardware-temperature-trends` (°C).
fn gateway_temperature(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    gateway_graph(state, req, params, Metric::Temperature)
}

/// `GET /network-monitoring/v1/wlans/{wlan-name}/throughput-trends` — keys `tx`, `rx`
/// (bits/s) summed over the WLAN's clients; an unknown WLAN answers 200 with `null` data (as
/// Central does, CONTRACT §5.7).
fn wlan_throughput(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let name = path_param(params, "wlan-name");
    let site = super::lookup::site_param(ds, &req.query)?;
    let known = ds.wlans.iter().any(|w| w.name == name);
    let bytes: u64 = ds
        .clients
        .iter()
        .filter(|c| c.wlan_name.as_deref() == Some(name))
        .filter(|c| site.is_none_or(|s| s.id == c.site_id))
        .map(|c| c.usage_bytes)
        .sum();
    let bits_per_s = bytes as f64 * 8.0 / (DAY_MS / 1000) as f64;
    let (start, end) = trend_window(&req.query, ds.snapshot_unix_ms)?;
    let (minutes, times) = instants(start, end);
    let samples: Vec<Value> = times
        .into_iter()
        .map(|t| {
            let data = if known {
                let scale = 0.4 + noise(name, t / MINUTE_MS) * 1.2;
                json!([
                    round1(bits_per_s * 0.75 * scale),
                    round1(bits_per_s * 0.25 * scale)
                ])
            } else {
                json!([null, null])
            };
            json!({"timestamp": rfc3339_ms(t), "data": data})
        })
        .collect();
    Ok(SimResponse::ok(&json!({
        "id": format!("wlans/{name}"),
        "type": "network-monitoring/wlan",
        "metric": "wlan_throughput",
        "graph": {"keys": ["tx", "rx"], "samples": samples, "samplingIntervalInMinutes": minutes},
    })))
}
