//! Client detail, trend and top-N (CONTRACT §5.6).
//!
//! Time rules: `start-at`/`end-at` default to the 3 hours before the dataset's snapshot
//! instant; a window is at most 7 days tenant-wide and 1 month (31 days) for a site. A client
//! counts in a trend sample when it is connected and its session started at or before the
//! sample, so the last sample equals what `GET /clients` reports as connected. Usage is the
//! client's 24-hour usage scaled to the window length, so top-N clients and top-N APs
//! (`wireless.rs`) add up.

use std::collections::BTreeMap;

use hyper::Method;
use serde_json::{Value, json};

use super::data::{Client, ClientStatus, ConnectionType, Dataset, Site, rfc3339_ms};
use super::lookup::{DAY_MS, HOUR_MS, MINUTE_MS, path_param, site_param, window};
use super::page::{LimitSpec, parse_limit};
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Query, Router, SimRequest};
use super::state::State;
use super::views;

/// Register the client routes.
pub(crate) fn register(router: &mut Router<State>) {
    router
        .add(
            Method::GET,
            "/network-monitoring/v1/clients/{mac-address}",
            client_detail,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/clients-trend",
            clients_trend,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/clients-topn-usage",
            clients_topn,
        );
}

/// Default window length.
const DEFAULT_WINDOW_MS: u64 = 3 * HOUR_MS;
/// Most samples a trend returns.
const MAX_SAMPLES: u64 = 600;

/// `GET /network-monitoring/v1/clients/{mac-address}` — connected or failed; 404 otherwise (and
/// after a disconnect action).
fn client_detail(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    let mac = path_param(params, "mac-address");
    let client = state
        .dataset
        .client(mac)
        .filter(|c| !state.effects.gone(&c.mac_address))
        .ok_or_else(|| ApiError::not_found("Resource not found for the given input."))?;
    Ok(SimResponse::ok(&views::client_item(client)))
}

/// The scope of a client query: optional site and connected device; the window.
struct Scope<'d> {
    site: Option<&'d Site>,
    serial: Option<String>,
    start: u64,
    end: u64,
}

fn scope<'d>(ds: &'d Dataset, q: &Query) -> Result<Scope<'d>, ApiError> {
    let site = site_param(ds, q)?;
    let serial = q.get_nonblank("serial-number").map(str::to_string);
    if let Some(sn) = &serial {
        let d = ds.device(sn).ok_or_else(|| {
            ApiError::not_found(format!(
                "Resource not found for the given input. No device with serial number '{sn}'."
            ))
        })?;
        if site.is_some_and(|s| s.id != d.site_id) {
            return Err(ApiError::bad_request(format!(
                "Device '{sn}' does not belong to the given site"
            )));
        }
    }
    let (max, label) = if site.is_some() {
        (31 * DAY_MS, "1 month for a site")
    } else {
        (7 * DAY_MS, "7 days for a tenant-wide query")
    };
    let (start, end) = window(q, ds.snapshot_unix_ms, DEFAULT_WINDOW_MS, max, label)?;
    Ok(Scope {
        site,
        serial,
        start,
        end,
    })
}

impl Scope<'_> {
    fn includes(&self, c: &Client) -> bool {
        self.site.is_none_or(|s| s.id == c.site_id)
            && self
                .serial
                .as_ref()
                .is_none_or(|sn| *sn == c.connected_device_serial)
    }
}

/// Usage of `c` over a window of `len_ms` (its 24-hour usage scaled linearly).
pub(crate) fn usage_in(c: &Client, len_ms: u64) -> u64 {
    (u128::from(c.usage_bytes) * u128::from(len_ms) / u128::from(DAY_MS)) as u64
}

/// The group a client falls in for `group-by`.
fn group_of(c: &Client, by: &str) -> String {
    let s = |o: &Option<String>| o.clone().unwrap_or_else(|| "Wired".to_string());
    match by {
        "ROLE" => c.role.clone(),
        "VLAN" => c.vlan_id.clone(),
        "WLAN" => s(&c.wlan_name),
        "RADIO" => s(&c.wireless_band),
        "SECURITY" => c
            .wireless_security
            .clone()
            .unwrap_or_else(|| c.authentication_type.clone()),
        "PROTOCOL" => s(&c.phy_type),
        _ => c.connection_type.api_name().to_string(),
    }
}

/// `GET /network-monitoring/v1/clients-trend` — connected clients over time, grouped.
fn clients_trend(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let q = &req.query;
    let by = q.get("group-by").unwrap_or("TYPE");
    if ![
        "TYPE", "ROLE", "VLAN", "WLAN", "RADIO", "SECURITY", "PROTOCOL",
    ]
    .contains(&by)
    {
        return Err(ApiError::bad_request(format!(
            "Invalid value '{by}' for 'group-by': must be one of TYPE, ROLE, VLAN, WLAN, RADIO, SECURITY, PROTOCOL"
        )));
    }
    let kind = match q.get("type").unwrap_or("ALL") {
        "ALL" => None,
        "WIRELESS" => Some(ConnectionType::Wireless),
        "WIRED" => Some(ConnectionType::Wired),
        other => {
            return Err(ApiError::bad_request(format!(
                "Invalid value '{other}' for 'type': must be ALL, WIRELESS or WIRED"
            )));
        }
    };
    let sc = scope(ds, q)?;
    let clients: Vec<&Client> = ds
        .clients
        .iter()
        .filter(|c| c.status == ClientStatus::Connected && sc.includes(c))
        .filter(|c| kind.is_none_or(|k| c.connection_type == k))
        .collect();
    // Keys: by client count, top 4 + "Others" when more than 5 (TYPE keeps Wired, Wireless).
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in &clients {
        *counts.entry(group_of(c, by)).or_default() += 1;
    }
    let mut keys: Vec<String> = if by == "TYPE" {
        match kind {
            Some(k) => vec![k.api_name().to_string()],
            None => vec!["Wired".into(), "Wireless".into()],
        }
    } else {
        let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.into_iter().map(|(k, _)| k).collect()
    };
    let fold = keys.len() > 5;
    if fold {
        keys.truncate(4);
        keys.push("Others".into());
    }
    let long = sc.end - sc.start > DAY_MS;
    let step = if long { 180 * MINUTE_MS } else { 5 * MINUTE_MS };
    let first = sc.start.div_ceil(step) * step;
    let samples: Vec<Value> = (0..MAX_SAMPLES)
        .map(|i| first + i * step)
        .take_while(|t| *t <= sc.end)
        .map(|t| {
            let data: Vec<u64> = keys
                .iter()
                .map(|k| {
                    clients
                        .iter()
                        .filter(|c| c.connected_at_ms.is_some_and(|at| at <= t))
                        .filter(|c| {
                            let g = group_of(c, by);
                            g == *k || (fold && k == "Others" && !keys[..4].contains(&g))
                        })
                        .count() as u64
                })
                .collect();
            json!({"ts": rfc3339_ms(t), "data": data})
        })
        .collect();
    Ok(SimResponse::ok(&json!({
        "id": sc.site.map_or_else(|| "tenant".to_string(), |s| s.id.clone()),
        "type": "network-monitoring/clients-trend",
        "interval": if long { "3 hours" } else { "5 mins" },
        "keys": keys,
        "samples": samples,
    })))
}

const TOPN_LIMIT: LimitSpec = LimitSpec::up_to(100, 5);

/// `GET /network-monitoring/v1/clients-topn-usage` — clients by usage, descending.
fn clients_topn(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let q = &req.query;
    let limit = parse_limit(q, TOPN_LIMIT)?;
    let sc = scope(ds, q)?;
    let len = sc.end - sc.start;
    let mut ranked: Vec<(&Client, u64)> = ds
        .clients
        .iter()
        .filter(|c| sc.includes(c))
        .map(|c| (c, usage_in(c, len)))
        .filter(|(_, u)| *u > 0)
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.mac_address.cmp(&b.0.mac_address)));
    let items: Vec<Value> = ranked
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|(c, usage)| {
            json!({
                "id": c.mac_address,
                "type": "network-monitoring/client-monitoring",
                "macAddress": c.mac_address,
                "clientName": c.client_name,
                "clientConnectionType": c.connection_type.api_name(),
                "siteId": c.site_id,
                "siteName": c.site_name,
                "usage": usage,
            })
        })
        .collect();
    Ok(SimResponse::ok(
        &json!({"count": items.len(), "items": items}),
    ))
}
