//! `network-monitoring/v1` handlers (CONTRACT §5.1–§5.6).
//!
//! Every list handler follows the same steps, validating all parameters before doing any work:
//! parse `filter` (endpoint's filterable fields), `sort` (sortable fields) and the pagination
//! parameters; render the items; filter; sort (stable); cut the page.

use hyper::Method;
use serde_json::{Value, json};

use super::data::DeviceType;
use super::odata::Filter;
use super::page::{
    LimitSpec, cursor_page, offset_page, parse_cursor, parse_filter, parse_offset, parse_sort_param,
};
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Query, Router, SimRequest};
use super::sort::{SortKey, parse_sort, sort_by_keys, sort_json};
use super::state::State;
use super::views;

/// Register the monitoring routes.
pub(crate) fn register(router: &mut Router<State>) {
    router
        .add(
            Method::GET,
            "/network-monitoring/v1/sites-health",
            sites_health,
        )
        .add(Method::GET, "/network-monitoring/v1/devices", devices)
        .add(Method::GET, "/network-monitoring/v1/aps", aps)
        .add(
            Method::GET,
            "/network-monitoring/v1/aps/{serial-number}",
            ap_detail,
        )
        .add(Method::GET, "/network-monitoring/v1/clients", clients);
}

// === sites-health ===

const SITES_FILTER: &[&str] = &["siteId", "siteName"];
const SITES_SORT: &[&str] = &["siteName", "siteHealth", "deviceHealth", "clientHealth"];
const SITES_LIMIT: LimitSpec = LimitSpec::up_to(1000, 100);
const SITES_DEFAULT_SORT: &str = "siteName ASC";

/// `GET /network-monitoring/v1/sites-health` — offset paged (§5.1).
fn sites_health(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let filter = parse_filter(&req.query, SITES_FILTER)?;
    let sort = match req.query.get("sort") {
        Some(_) => parse_sort_param(&req.query, SITES_SORT)?,
        None => parse_sort(SITES_DEFAULT_SORT, SITES_SORT, usize::MAX)
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
    };
    let page = parse_offset(&req.query, SITES_LIMIT)?;
    let ds = &state.dataset;
    let mut rows: Vec<(Value, views::SiteHealth)> = ds
        .sites
        .iter()
        .map(|s| (views::site_health_item(ds, s), views::site_health(ds, s)))
        .filter(|(item, _)| {
            filter.matches_by(|field| match field {
                "siteId" => item.get("id"),
                other => item.get(other),
            })
        })
        .collect();
    sort_by_keys(&mut rows, &sort, |(item, health), field| match field {
        "siteHealth" => Some(json!(health.overall.score())),
        "deviceHealth" => Some(json!(health.devices.score())),
        "clientHealth" => Some(json!(health.clients.score())),
        other => item.get(other).cloned(),
    });
    let items = rows.into_iter().map(|(item, _)| item).collect();
    let mut body = offset_page(items, page);
    body.insert(
        "response".into(),
        json!({
            "status": "SUCCESS",
            "code": "SITE-HEALTH-SUCCESS-001",
            "message": "Sites details fetched successfully",
        }),
    );
    Ok(SimResponse::ok(&Value::Object(body)))
}

// === devices ===

const DEVICES_FILTER: &[&str] = &[
    "siteId",
    "siteName",
    "serialNumber",
    "deviceName",
    "deviceType",
    "status",
    "model",
    "firmwareVersion",
    "deployment",
    "clusterName",
];
const DEVICES_SORT: &[&str] = &[
    "siteId",
    "siteName",
    "serialNumber",
    "deviceName",
    "deployment",
    "model",
];
const DEVICES_LIMIT: LimitSpec = LimitSpec::up_to(1000, 1000);

/// Filter, sort and cursor-page rendered items.
pub(crate) fn cursor_list(
    query: &Query,
    items: impl Iterator<Item = Value>,
    filter: &Filter,
    sort: &[SortKey],
    limits: LimitSpec,
) -> HandlerResult {
    let page = parse_cursor(query, limits)?;
    let mut items: Vec<Value> = items.filter(|v| filter.matches(v)).collect();
    sort_json(&mut items, sort);
    Ok(SimResponse::ok(&Value::Object(cursor_page(items, page))))
}

/// `GET /network-monitoring/v1/devices` — cursor paged (§5.2).
fn devices(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let filter = parse_filter(&req.query, DEVICES_FILTER)?;
    let sort = parse_sort_param(&req.query, DEVICES_SORT)?;
    let now = super::journal::now_unix_ms();
    let items = state.dataset.devices.iter().map(|d| {
        let mut item = views::device_item(d);
        state.effects.overlay_device(&mut item, now);
        item
    });
    cursor_list(&req.query, items, &filter, &sort, DEVICES_LIMIT)
}

// === aps ===

const APS_FILTER: &[&str] = &[
    "siteId",
    "siteName",
    "serialNumber",
    "deviceName",
    "status",
    "model",
    "firmwareVersion",
    "deployment",
    "clusterId",
    "clusterName",
];
const APS_SORT: &[&str] = &[
    "siteId",
    "serialNumber",
    "deviceName",
    "model",
    "status",
    "deployment",
];
const APS_LIMIT: LimitSpec = LimitSpec::up_to(1000, 20);

/// `GET /network-monitoring/v1/aps` — cursor paged, access points only (§5.3).
fn aps(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let filter = parse_filter(&req.query, APS_FILTER)?;
    let sort = parse_sort_param(&req.query, APS_SORT)?;
    let ds = &state.dataset;
    let items = ds.devices_of_type(DeviceType::AccessPoint).map(|d| {
        let mut item = views::ap_item(d, ds.wlans.len());
        state
            .effects
            .overlay_device(&mut item, super::journal::now_unix_ms());
        item
    });
    cursor_list(&req.query, items, &filter, &sort, APS_LIMIT)
}

/// `GET /network-monitoring/v1/aps/{serial-number}` — one AP, 404 otherwise (§5.3).
fn ap_detail(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    let serial = params.get("serial-number").unwrap_or("");
    let ds = &state.dataset;
    match ds.device(serial) {
        Some(d) if d.device_type == DeviceType::AccessPoint => {
            Ok(SimResponse::ok(&views::ap_detail(ds, d)))
        }
        _ => Err(ApiError::not_found(format!(
            "Resource not found for the given input. No access point with serial number '{serial}'."
        ))),
    }
}

// === clients ===

const CLIENTS_FILTER: &[&str] = &[
    "clientConnectionType",
    "status",
    "wlanName",
    "vlanId",
    "tunnelType",
    "role",
];
const CLIENTS_SORT: &[&str] = &[
    "clientName",
    "status",
    "clientConnectionType",
    "macAddress",
    "ipv4",
    "ipv6",
    "connectedDeviceSerial",
    "connectedTo",
    "lastSeenAt",
    "port",
    "role",
    "wlanName",
    "vlanId",
    "tunnelType",
    "tunnelId",
    "connectedAt",
];
const CLIENTS_LIMIT: LimitSpec = LimitSpec::up_to(1000, 100);
/// Longest `start-at`..`end-at` window for a site-scoped query (one month).
const MAX_SITE_WINDOW_MS: u64 = 31 * 24 * 3_600_000;
/// Window length when only `end-at` is given.
const DEFAULT_WINDOW_MS: u64 = 3 * 3_600_000;

/// Parse an RFC 3339 time parameter into Unix milliseconds.
pub(crate) fn parse_time(query: &Query, name: &str) -> Result<Option<u64>, ApiError> {
    let Some(raw) = query.get(name) else {
        return Ok(None);
    };
    humantime::parse_rfc3339_weak(raw.trim())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| Some(d.as_millis() as u64))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid value '{raw}' for '{name}': expected an RFC 3339 date-time such as 2025-07-10T08:09:17.419Z"
            ))
        })
}

/// The `[start, end]` window that restricts failed clients, if the request gave one.
fn failed_window(query: &Query) -> Result<Option<(u64, u64)>, ApiError> {
    let start = parse_time(query, "start-at")?;
    let end = parse_time(query, "end-at")?;
    let window = match (start, end) {
        (None, None) => return Ok(None),
        (Some(s), None) => (s, u64::MAX),
        (None, Some(e)) => (e.saturating_sub(DEFAULT_WINDOW_MS), e),
        (Some(s), Some(e)) => {
            if s >= e {
                return Err(ApiError::bad_request(
                    "Invalid time window: 'start-at' must be earlier than 'end-at'",
                ));
            }
            if e - s > MAX_SITE_WINDOW_MS {
                return Err(ApiError::bad_request(
                    "Invalid time window: 'start-at' to 'end-at' must not exceed 1 month for a site",
                ));
            }
            (s, e)
        }
    };
    Ok(Some(window))
}

/// `GET /network-monitoring/v1/clients` — cursor paged; `site-id` or `site-name` required;
/// default filter `status eq 'Connected'` unless the filter names `status` (§5.6).
fn clients(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let q = &req.query;
    let site_id = q.get_nonblank("site-id");
    let site_name = q.get_nonblank("site-name");
    if site_id.is_none() && site_name.is_none() {
        return Err(ApiError::bad_request(
            "Missing required query parameter: either 'site-id' or 'site-name' must be provided",
        ));
    }
    let mut filter = parse_filter(q, CLIENTS_FILTER)?;
    if !filter.names("status") {
        filter.push("status", &["Connected"]);
    }
    let sort = parse_sort_param(q, CLIENTS_SORT)?;
    let window = failed_window(q)?;
    let serial = q.get_nonblank("serial-number");
    let items = state
        .dataset
        .clients
        .iter()
        .filter(|c| site_id.is_none_or(|id| c.site_id == id))
        .filter(|c| site_name.is_none_or(|name| c.site_name == name))
        .filter(|c| serial.is_none_or(|sn| c.connected_device_serial == sn))
        .filter(|c| !state.effects.gone(&c.mac_address))
        .filter(|c| match (window, c.status) {
            (Some((from, to)), super::data::ClientStatus::Failed) => {
                (from..=to).contains(&c.last_seen_at_ms)
            }
            _ => true,
        })
        .map(views::client_item);
    cursor_list(q, items, &filter, &sort, CLIENTS_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::SimulatorConfig;
    use bytes::Bytes;

    fn get(state: &State, path: &str, query: &str) -> Result<Value, ApiError> {
        let req = SimRequest::new(Method::GET, path, Some(query), None, None, Bytes::new());
        let resp = match state.routes.find(&Method::GET, &req.segments) {
            super::super::router::Match::Found(route, params) => {
                (route.handler)(state, &req, &params)?
            }
            other => panic!("no route for {path}: {other:?}"),
        };
        Ok(serde_json::from_slice(&resp.body).unwrap_or(Value::Null))
    }

    fn state() -> State {
        crate::simulator::api::state(SimulatorConfig::default())
    }

    #[test]
    fn devices_filter_by_type_and_status() {
        let st = state();
        let v = get(
            &st,
            "/network-monitoring/v1/devices",
            "filter=deviceType+eq+%27SWITCH%27+and+status+eq+%27ONLINE%27",
        )
        .expect("ok");
        let items = v["items"].as_array().cloned().unwrap_or_default();
        assert!(!items.is_empty());
        assert!(
            items
                .iter()
                .all(|i| i["deviceType"] == "SWITCH" && i["status"] == "ONLINE")
        );
        assert_eq!(v["total"], json!(items.len()));
    }

    #[test]
    fn clients_default_to_connected() {
        let st = state();
        let site = st.dataset.sites[0].id.clone();
        let v = get(
            &st,
            "/network-monitoring/v1/clients",
            &format!("site-id={site}&limit=1000"),
        )
        .expect("ok");
        let items = v["items"].as_array().cloned().unwrap_or_default();
        assert!(
            items
                .iter()
                .all(|i| i["status"] == "Connected" && i["siteId"] == site.as_str())
        );
        let v = get(
            &st,
            "/network-monitoring/v1/clients",
            &format!("site-id={site}&filter=status+eq+%27Failed%27"),
        )
        .expect("ok");
        let failed = v["items"].as_array().cloned().unwrap_or_default();
        assert!(failed.iter().all(|i| i["status"] == "Failed"));
    }

    #[test]
    fn clients_time_window_validation() {
        let st = state();
        let site = st.dataset.sites[0].id.clone();
        let e = get(
            &st,
            "/network-monitoring/v1/clients",
            &format!("site-id={site}&start-at=2026-07-09T10:00:00Z&end-at=2026-07-09T09:00:00Z"),
        )
        .expect_err("bad window");
        assert!(e.message.contains("start-at"));
        let e = get(
            &st,
            "/network-monitoring/v1/clients",
            &format!("site-id={site}&end-at=yesterday"),
        )
        .expect_err("bad time");
        assert!(e.message.contains("end-at"));
    }

    #[test]
    fn sites_health_default_sort_and_sort_by_health() {
        let st = state();
        let v = get(&st, "/network-monitoring/v1/sites-health", "").expect("ok");
        let names: Vec<String> = v["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["siteName"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(
            get(
                &st,
                "/network-monitoring/v1/sites-health",
                "sort=siteHealth+DESC"
            )
            .is_ok()
        );
        assert!(get(&st, "/network-monitoring/v1/sites-health", "sort=bogus").is_err());
    }
}
