//! More switch endpoints (CONTRACT §5.4): VLANs and hardware trends.
//!
//! VLANs are derived from the switch's ports (a VLAN exists on a switch when some port
//! carries it); hardware-trend samples use epoch **milliseconds** and one series per stack
//! member (or the one switch), aligned with `keys`.

use hyper::Method;
use serde_json::{Value, json};

use super::data::Device;
use super::data::ports::switch_ports;
use super::lookup::path_param;
use super::page::{LimitSpec, parse_filter, parse_offset, parse_sort_param};
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::sort::sort_json;
use super::state::State;
use super::switches::{find_switch, switch_role, trends};
use super::trends::{around, instants, reporting, trend_window};

/// Register the routes.
pub(crate) fn register(router: &mut Router<State>) {
    router
        .add(
            Method::GET,
            "/network-monitoring/v1/switches/{serial-number}/vlans",
            vlans,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/switches/{serial-number}/hardware-trends",
            hardware_trends,
        );
}

/// VLAN names of the simulated address plan.
fn vlan_name(id: u32) -> &'static str {
    match id {
        1 => "default",
        10 => "corp-wifi",
        20 => "corp-wired",
        30 => "guest",
        40 => "iot",
        50 => "voice",
        _ => "vlan",
    }
}

const VLAN_FILTER: &[&str] = &["status", "voice", "type"];
const VLAN_SORT: &[&str] = &["id", "name", "status"];
const VLAN_LIMIT: LimitSpec = LimitSpec::up_to(1000, 1000);

/// `GET /network-monitoring/v1/switches/{serial-number}/vlans` — offset paged like the
/// interfaces (`offset` in the response is the next offset as a string, or null).
fn vlans(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let q = &req.query;
    let sw = find_switch(ds, path_param(params, "serial-number"))?;
    let filter = parse_filter(q, VLAN_FILTER)?;
    let sort = parse_sort_param(q, VLAN_SORT)?;
    let page = parse_offset(q, VLAN_LIMIT)?;
    let search = q.get_nonblank("search").map(str::to_lowercase);
    let ports = switch_ports(ds, sw);
    let mut ids: Vec<u32> = ports
        .iter()
        .flat_map(|p| p.allowed_vlans.iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut items: Vec<Value> = ids
        .into_iter()
        .map(|id| {
            let members: Vec<&str> = ports
                .iter()
                .filter(|p| p.allowed_vlans.contains(&id))
                .map(|p| p.name.as_str())
                .collect();
            let up = ports
                .iter()
                .any(|p| p.status == "Up" && p.allowed_vlans.contains(&id));
            json!({
                "id": id.to_string(),
                "type": "Static",
                "name": vlan_name(id),
                "status": if up { "Up" } else { "Down" },
                "voice": if id == 50 { "Enabled" } else { "Disabled" },
                "ipv4": if id == 1 { Value::from(sw.ipv4.clone()) } else { Value::Null },
                "interfaces": members,
            })
        })
        .filter(|v| filter.matches(v))
        .filter(|v| {
            search.as_ref().is_none_or(|s| {
                ["id", "name"].iter().any(|f| {
                    v[*f]
                        .as_str()
                        .is_some_and(|t| t.to_lowercase().contains(s.as_str()))
                })
            })
        })
        .collect();
    sort_json(&mut items, &sort);
    let total = items.len() as u64;
    let end = page.offset.saturating_add(page.limit);
    let page_items: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
        .collect();
    Ok(SimResponse::ok(&json!({
        "items": page_items,
        "count": page_items.len(),
        "total": total,
        "offset": if end < total { json!(end.to_string()) } else { Value::Null },
    })))
}

const HW_KEYS: [&str; 5] = [
    "cpuUtilization",
    "memoryUtilization",
    "poeAvailable",
    "poeConsumption",
    "powerConsumption",
];
const HW_UNITS: [&str; 5] = ["%", "%", "W", "W", "W"];

/// One `switchMetrics` series.
fn series(state: &State, d: &Device, times: &[u64]) -> Value {
    let ds = &state.dataset;
    let ports = switch_ports(ds, d);
    let current = trends(ds, d, &ports);
    let snapshot = ds.snapshot_unix_ms;
    let samples: Vec<Value> = times
        .iter()
        .map(|&t| {
            let data: Vec<Value> = HW_KEYS
                .iter()
                .enumerate()
                .map(|(i, k)| match current[*k].as_f64() {
                    Some(base) if reporting(d, t, snapshot) => {
                        let swing = if i < 2 { 10.0 } else { base * 0.1 };
                        let key = format!("{}/{k}", d.serial_number);
                        json!(around(&key, t, snapshot, base, swing, (0.0, f64::MAX)))
                    }
                    _ => Value::Null,
                })
                .collect();
            json!({"timestamp": t, "data": data})
        })
        .collect();
    json!({
        "serialNumber": d.serial_number,
        "switchRole": switch_role(ds, d),
        "samples": samples,
    })
}

/// `GET /network-monitoring/v1/switches/{serial-number}/hardware-trends` — by switch serial,
/// stack id or conductor serial; `filter` `timestamp gt/lt` as the other trends.
fn hardware_trends(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let key = path_param(params, "serial-number");
    let sw = find_switch(ds, key)?;
    if let Some(site) = req.query.get_nonblank("site-id")
        && site != sw.site_id
    {
        return Err(ApiError::bad_request(format!(
            "Switch '{}' does not belong to site '{site}'",
            sw.serial_number
        )));
    }
    let (start, end) = trend_window(&req.query, ds.snapshot_unix_ms)?;
    let (_, times) = instants(start, end);
    let members: Vec<&Device> = match sw.stack_id.as_deref().and_then(|id| ds.stack(id)) {
        Some(st) => st.members.iter().filter_map(|m| ds.device(m)).collect(),
        None => vec![sw],
    };
    let metrics: Vec<Value> = members.iter().map(|d| series(state, d, &times)).collect();
    Ok(SimResponse::ok(&json!({
        "id": key,
        "type": "network-monitoring/switch-monitoring",
        "metric": "SwitchNetworkHardwareTrends",
        "keys": HW_KEYS,
        "units": HW_UNITS,
        "switchMetrics": metrics,
    })))
}
