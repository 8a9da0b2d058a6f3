//! Trend ("graph") endpoints (CONTRACT §5.9): AP and gateway CPU and memory utilisation.
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
pub(crate) fn register(router: &mut Router) {
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
            "/network-monitoring/v1/gateways/{serial-number}/cpu-utilization-trends",
            gateway_cpu,
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

#[derive(Clone, Copy)]
enum Metric {
    Cpu,
    Memory,
}

impl Metric {
    fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu_utilization",
            Self::Memory => "memory_utilization",
        }
    }
}

/// The metric of `d` at instant `t` (null when the device was not reporting).
fn value_at(d: &Device, metric: Metric, t: u64, snapshot: u64) -> Value {
    let current = match metric {
        Metric::Cpu => d.cpu_utilization,
        Metric::Memory => d.memory_utilization,
    };
    if let Some(seen) = d.last_seen_at_ms
        && t > seen
    {
        return Value::Null;
    }
    if let Some(up) = d.uptime_millis
        && t < snapshot.saturating_sub(up)
    {
        return Value::Null;
    }
    let base = match (current, metric) {
        (Some(c), _) if t + 5 * MINUTE_MS >= snapshot => return json!(f64::from(c)),
        (Some(c), _) => f64::from(c),
        (None, Metric::Cpu) => 20.0,
        (None, Metric::Memory) => 45.0,
    };
    let swing = (noise(&d.serial_number, t / MINUTE_MS) - 0.5) * 12.0;
    json!(round1((base + swing).clamp(0.5, 99.0)))
}

fn graph(
    state: &State,
    req: &SimRequest,
    d: &Device,
    metric: Metric,
    interval_field: bool,
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
    let minutes = if end - start > DAY_MS { 180 } else { 5 };
    let step = minutes * MINUTE_MS;
    let first = start.div_ceil(step) * step;
    let samples: Vec<Value> = (0..)
        .map(|i| first + i * step)
        .take_while(|t| *t <= end)
        .map(|t| json!({"timestamp": rfc3339_ms(t), "data": [value_at(d, metric, t, ds.snapshot_unix_ms)]}))
        .collect();
    let mut graph = json!({"keys": [metric.name()], "samples": samples});
    if interval_field && let Value::Object(map) = &mut graph {
        map.insert("samplingIntervalInMinutes".into(), json!(minutes));
    }
    let kind = if d.device_type == DeviceType::Gateway {
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

fn ap_graph(state: &State, req: &SimRequest, params: &Params, metric: Metric) -> HandlerResult {
    let d = device_of(
        &state.dataset,
        path_param(params, "serial-number"),
        DeviceType::AccessPoint,
        "access point",
    )?;
    graph(state, req, d, metric, true)
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
    graph(state, req, d, metric, false)
}

/// `GET /network-monitoring/v1/aps/{serial-number}/cpu-utilization-trends`.
fn ap_cpu(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    ap_graph(state, req, params, Metric::Cpu)
}

/// `GET /network-monitoring/v1/aps/{serial-number}/memory-utilization-trends`.
fn ap_memory(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    ap_graph(state, req, params, Metric::Memory)
}

/// `GET /network-monitoring/v1/gateways/{serial-number}/cpu-utilization-trends`.
fn gateway_cpu(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    gateway_graph(state, req, params, Metric::Cpu)
}

/// `GET /network-monitoring/v1/gateways/{serial-number}/memory-utilization-trends`.
fn gateway_memory(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    gateway_graph(state, req, params, Metric::Memory)
}
