//! Wireless endpoints (CONTRACT §5.3, §5.7, §5.8): WLANs, AP radios, fleet radios, AP WLANs
//! and top APs by usage.
//!
//! Every online AP broadcasts every WLAN of the tenant; an offline AP broadcasts none. Radio
//! metrics are strings, as the spec types them. Top-AP usage is the sum of the window usage
//! of the AP's connected wireless clients (wired usage: that plus 4 % uplink overhead).

use hyper::Method;
use serde_json::{Value, json};

use super::clients_detail::usage_in;
use super::data::{ClientStatus, ConnectionType, Dataset, Device, DeviceType, Radio, Wlan};
use super::journal::now_unix_ms;
use super::lookup::{DAY_MS, device_of, noise, path_param, site_param, window};
use super::monitoring::cursor_list;
use super::page::{LimitSpec, parse_filter, parse_limit, parse_sort_param};
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::sort::parse_sort;
use super::state::State;

/// Register the wireless routes.
pub(crate) fn register(router: &mut Router<State>) {
    router
        .add(Method::GET, "/network-monitoring/v1/wlans", wlans)
        .add(
            Method::GET,
            "/network-monitoring/v1/wlans/{wlan-name}",
            wlan_detail,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/aps/{serial-number}/radios",
            ap_radios,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/aps/{serial-number}/wlans",
            ap_wlans,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/aps/{serial-number}/ports",
            ap_ports,
        )
        .add(Method::GET, "/network-monitoring/v1/radios", radios)
        .add(
            Method::GET,
            "/network-monitoring/v1/top-aps-by-wireless-usage",
            top_aps_wireless,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/top-aps-by-wired-usage",
            top_aps_wired,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/top-aps-by-usage",
            top_aps_total,
        );
}

const WLAN_TYPE: &str = "network-monitoring/wlan";
const AP_TYPE: &str = "network-monitoring/access-point-monitoring";

fn wlan_item(w: &Wlan) -> Value {
    json!({
        "id": format!("wlans/{}", w.name),
        "type": WLAN_TYPE,
        "wlanName": w.name,
        "securityLevel": w.security_level,
        "security": w.security,
        "band": w.band,
        "status": "ENABLED",
        "vlan": w.vlan,
    })
}

/// Does some online AP in scope (optional site, optional AP serial) exist? 404 for an unknown
/// site or AP.
fn broadcasting(
    ds: &Dataset,
    req: &SimRequest,
) -> Result<(Option<String>, Option<String>, bool), ApiError> {
    let q = &req.query;
    let site = site_param(ds, q)?.map(|s| s.id.clone());
    let serial = match q.get_nonblank("serial-number") {
        Some(sn) => Some(
            device_of(ds, sn, DeviceType::AccessPoint, "access point")?
                .serial_number
                .clone(),
        ),
        None => None,
    };
    let any = ds
        .devices_of_type(DeviceType::AccessPoint)
        .filter(|d| site.as_ref().is_none_or(|s| *s == d.site_id))
        .filter(|d| serial.as_ref().is_none_or(|sn| *sn == d.serial_number))
        .any(|d| d.status.is_online());
    Ok((site, serial, any))
}

const WLAN_SORT: &[&str] = &[
    "wlanName",
    "band",
    "status",
    "securityLevel",
    "security",
    "vlan",
];
const WLAN_LIMIT: LimitSpec = LimitSpec::up_to(1000, 20);

/// `GET /network-monitoring/v1/wlans` — cursor paged; default sort `wlanName asc`.
fn wlans(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let q = &req.query;
    let filter = parse_filter(q, &["band"])?;
    let sort = match q.get("sort") {
        Some(_) => parse_sort_param(q, WLAN_SORT)?,
        None => parse_sort("wlanName asc", WLAN_SORT, usize::MAX)
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
    };
    let (_, _, any) = broadcasting(ds, req)?;
    let items: Vec<Value> = if any {
        ds.wlans.iter().map(wlan_item).collect()
    } else {
        Vec::new()
    };
    cursor_list(q, items.into_iter(), &filter, &sort, WLAN_LIMIT)
}

/// `GET /network-monitoring/v1/wlans/{wlan-name}` — plus `clientCount` (connected clients of
/// the WLAN in scope); 404 for an unknown WLAN.
fn wlan_detail(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let name = path_param(params, "wlan-name");
    let w = ds.wlans.iter().find(|w| w.name == name).ok_or_else(|| {
        ApiError::not_found(format!(
            "Resource not found for the given input. No WLAN named '{name}'."
        ))
    })?;
    let (site, serial, _) = broadcasting(ds, req)?;
    let count = ds
        .clients
        .iter()
        .filter(|c| c.status == ClientStatus::Connected && c.wlan_name.as_deref() == Some(name))
        .filter(|c| site.as_ref().is_none_or(|s| *s == c.site_id))
        .filter(|c| {
            serial
                .as_ref()
                .is_none_or(|sn| *sn == c.connected_device_serial)
        })
        .count();
    let mut v = wlan_item(w);
    if let Value::Object(map) = &mut v {
        map.insert("clientCount".into(), json!(count));
    }
    Ok(SimResponse::ok(&v))
}

/// A radio as `aps/{sn}/radios` renders it (metrics are strings).
fn radio_item(ds: &Dataset, d: &Device, r: &Radio) -> Value {
    let up = r.status == "UP";
    let key = format!("{}/{}", d.serial_number, r.radio_number);
    let pct = |n: u64, max: f64| {
        if up {
            json!(format!("{}", (noise(&key, n) * max).round() as u64))
        } else {
            json!("0")
        }
    };
    let clients = ds
        .clients
        .iter()
        .filter(|c| {
            c.status == ClientStatus::Connected
                && c.radio_mac_address.as_deref() == Some(r.mac_address.as_str())
        })
        .count();
    json!({
        "id": format!("{}/radios/{}", d.serial_number, r.radio_number),
        "type": AP_TYPE,
        "radioNumber": r.radio_number,
        "macAddress": r.mac_address,
        "band": r.band,
        "bandRange": r.band,
        "status": r.status,
        "siteId": d.site_id,
        "bandwidth": r.bandwidth,
        "channel": r.channel,
        "mode": "Access",
        "power": r.power_dbm.to_string(),
        "clientCount": clients,
        "channelUtilization": r.channel_utilization.to_string(),
        "channelQuality": if up { (100 - u32::from(r.channel_utilization) / 2).to_string() } else { "0".to_string() },
        "txUtilization": pct(1, f64::from(r.channel_utilization) / 2.0),
        "rxUtilization": pct(2, f64::from(r.channel_utilization) / 2.0),
        "nonWifiInterference": pct(3, 6.0),
        "noiseFloor": r.noise_floor.to_string(),
        "errors": pct(4, 3.0),
        "drops": pct(5, 2.0),
        "retries": pct(6, 12.0),
        "channelChangeCount": (noise(&key, 7) * 4.0) as u32,
        "powerChangeCount": (noise(&key, 8) * 3.0) as u32,
    })
}

fn access_point<'d>(ds: &'d Dataset, params: &Params) -> Result<&'d Device, ApiError> {
    device_of(
        ds,
        path_param(params, "serial-number"),
        DeviceType::AccessPoint,
        "access point",
    )
}

/// `GET /network-monitoring/v1/aps/{serial-number}/radios` — `{items, count, total}`.
fn ap_radios(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let d = access_point(ds, params)?;
    let items: Vec<Value> = d.radios.iter().map(|r| radio_item(ds, d, r)).collect();
    Ok(SimResponse::ok(
        &json!({"items": items, "count": items.len(), "total": items.len()}),
    ))
}

/// `GET /network-monitoring/v1/aps/{serial-number}/wlans` — `{items, count, total}`.
fn ap_wlans(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let d = access_point(ds, params)?;
    let items: Vec<Value> = if d.status.is_online() {
        ds.wlans.iter().map(wlan_item).collect()
    } else {
        Vec::new()
    };
    Ok(SimResponse::ok(
        &json!({"items": items, "count": items.len(), "total": items.len()}),
    ))
}

/// `GET /network-monitoring/v1/aps/{serial-number}/ports` — the AP detail's ports as a list.
/// The spec spells the status field `porStatus` here (and `portStatus` in the AP detail); both
/// are sent so either reading works.
fn ap_ports(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let d = access_point(ds, params)?;
    let detail = super::views::ap_detail(ds, d);
    let items: Vec<Value> = detail["ports"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut p| {
            if let Value::Object(map) = &mut p {
                let index = map.get("portIndex").cloned().unwrap_or(Value::Null);
                let status = map.get("portStatus").cloned().unwrap_or(Value::Null);
                map.insert(
                    "id".into(),
                    json!(format!(
                        "{}/ports/{}",
                        d.serial_number,
                        index.as_str().unwrap_or("")
                    )),
                );
                map.insert("type".into(), json!(AP_TYPE));
                map.insert("porStatus".into(), status);
            }
            p
        })
        .collect();
    Ok(SimResponse::ok(
        &json!({"items": items, "count": items.len(), "total": items.len()}),
    ))
}

const RADIO_FILTER: &[&str] = &[
    "siteId",
    "siteName",
    "serialNumber",
    "deviceName",
    "band",
    "bandwidth",
    "status",
];
const RADIO_SORT: &[&str] = &["deviceName", "serialNumber", "band"];
const RADIO_LIMIT: LimitSpec = LimitSpec::up_to(1000, 20);

/// `GET /network-monitoring/v1/radios` — every AP radio, cursor paged; default sort
/// `deviceName asc, band desc`.
fn radios(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let q = &req.query;
    let filter = parse_filter(q, RADIO_FILTER)?;
    let sort = match q.get("sort") {
        Some(_) => parse_sort_param(q, RADIO_SORT)?,
        None => parse_sort("deviceName asc, band desc", RADIO_SORT, usize::MAX)
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
    };
    let items = ds.devices_of_type(DeviceType::AccessPoint).flat_map(|d| {
        d.radios.iter().map(move |r| {
            let mut v = radio_item(ds, d, r);
            if let Value::Object(map) = &mut v {
                map.insert("serialNumber".into(), json!(d.serial_number));
                map.insert("deviceName".into(), json!(d.device_name));
                map.insert("siteName".into(), json!(d.site_name));
                map.insert("antenna".into(), json!("Internal"));
                map.insert("radioType".into(), json!(r.radio_type));
                map.insert("spatialStream".into(), json!(r.spatial_stream));
            }
            v
        })
    });
    cursor_list(q, items, &filter, &sort, RADIO_LIMIT)
}

/// Which usage a top-AP endpoint ranks by.
#[derive(Clone, Copy, PartialEq)]
enum Usage {
    Wireless,
    Wired,
    Total,
}

const TOP_APS_LIMIT: LimitSpec = LimitSpec {
    min: 0,
    max: 25,
    default: 10,
};

/// Wireless usage of an AP over a window: its connected wireless clients' usage.
pub(crate) fn ap_wireless_usage(ds: &Dataset, d: &Device, len_ms: u64) -> u64 {
    ds.clients
        .iter()
        .filter(|c| {
            c.connection_type == ConnectionType::Wireless
                && c.connected_device_serial == d.serial_number
        })
        .map(|c| usage_in(c, len_ms))
        .sum()
}

fn top_aps(state: &State, req: &SimRequest, which: Usage) -> HandlerResult {
    let ds = &state.dataset;
    let q = &req.query;
    let limit = parse_limit(q, TOP_APS_LIMIT)?;
    let site = site_param(ds, q)?;
    let (start, end) = window(q, ds.snapshot_unix_ms, DAY_MS, 30 * DAY_MS, "30 days")?;
    if end > now_unix_ms().max(ds.snapshot_unix_ms) + 5 * 60_000 {
        return Err(ApiError::bad_request(
            "Invalid 'end-at': must be earlier than the current time",
        ));
    }
    let mut ranked: Vec<(&Device, u64)> = ds
        .devices_of_type(DeviceType::AccessPoint)
        .filter(|d| site.is_none_or(|s| s.id == d.site_id))
        .map(|d| {
            let wireless = ap_wireless_usage(ds, d, end - start);
            let wired = wireless + wireless / 25;
            let v = match which {
                Usage::Wireless => wireless,
                Usage::Wired => wired,
                Usage::Total => wireless + wired,
            };
            (d, v)
        })
        .filter(|(_, v)| *v > 0)
        .collect();
    ranked.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(a.0.serial_number.cmp(&b.0.serial_number))
    });
    let items: Vec<Value> = ranked
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|(d, v)| {
            json!({
                "id": d.serial_number,
                "type": AP_TYPE,
                "serialNumber": d.serial_number,
                "deviceName": d.device_name,
                "totalValue": v as f64,
                "units": "Bytes",
            })
        })
        .collect();
    Ok(SimResponse::ok(
        &json!({"count": items.len(), "items": items}),
    ))
}

/// `GET /network-monitoring/v1/top-aps-by-wireless-usage`.
fn top_aps_wireless(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    top_aps(state, req, Usage::Wireless)
}

/// `GET /network-monitoring/v1/top-aps-by-wired-usage`.
fn top_aps_wired(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    top_aps(state, req, Usage::Wired)
}

/// `GET /network-monitoring/v1/top-aps-by-usage` (wireless + wired).
fn top_aps_total(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    top_aps(state, req, Usage::Total)
}
