//! `network-troubleshooting/v1/events`, `event-filters` and `event-extra-attributes`
//! (CONTRACT §5.11).
//!
//! Required: `context-type`, `context-identifier`, `site-id`, `start-at`, `end-at` and (for
//! events) `limit`; missing or invalid → 400 `HPE_GL_NETWORK_EVENTS_INVALID_INPUT`. The window
//! must be shorter than 30 days and end no later than now (5 minutes of clock skew allowed).
//! Unknown site, device or client (or one outside the site) → 404
//! `HPE_GL_NETWORK_EVENTS_NOT_FOUND`. A SITE context selects the site's events; a device
//! context the events the device reports (its own and its clients'); a client context the
//! client's events. The list key is `events`; default order `timeAt desc`.

use hyper::Method;
use serde_json::{Value, json};

use super::data::{ConnectionType, Dataset, DeviceType, Event, rfc3339_ms};
use super::journal::now_unix_ms;
use super::lookup::{DAY_MS, MINUTE_MS};
use super::monitoring::parse_time;
use super::odata::Filter;
use super::page::{LimitSpec, cursor_page, parse_cursor};
use super::response::{ApiError, EVENTS_INVALID_INPUT, EVENTS_NOT_FOUND, SimResponse};
use super::router::{HandlerResult, Params, Query, Router, SimRequest};
use super::sort::{parse_sort, sort_by_keys};
use super::state::State;

/// Register the event routes.
pub(crate) fn register(router: &mut Router<State>) {
    router
        .add(Method::GET, "/network-troubleshooting/v1/events", events)
        .add(
            Method::GET,
            "/network-troubleshooting/v1/event-filters",
            event_filters,
        )
        .add(
            Method::GET,
            "/network-troubleshooting/v1/event-extra-attributes",
            event_extra_attributes,
        );
}

const CONTEXT_TYPES: [&str; 7] = [
    "SITE",
    "ACCESS_POINT",
    "SWITCH",
    "GATEWAY",
    "WIRELESS_CLIENT",
    "WIRED_CLIENT",
    "BRIDGE",
];
const FILTER: &[&str] = &["eventId", "category", "sourceType"];
const LIMIT: LimitSpec = LimitSpec::up_to(1000, 100);

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::with_code(400, EVENTS_INVALID_INPUT, msg).with_field("serviceName", "Events")
}

fn not_found(msg: impl Into<String>) -> ApiError {
    ApiError::with_code(404, EVENTS_NOT_FOUND, msg).with_field("serviceName", "Events")
}

fn required<'q>(q: &'q Query, name: &str) -> Result<&'q str, ApiError> {
    q.get_nonblank(name)
        .ok_or_else(|| invalid(format!("Missing required query parameter '{name}'")))
}

/// The events selected by the five required parameters.
fn select<'d>(ds: &'d Dataset, q: &Query) -> Result<Vec<&'d Event>, ApiError> {
    let ctx = required(q, "context-type")?;
    let ident = required(q, "context-identifier")?;
    let site_id = required(q, "site-id")?;
    required(q, "start-at")?;
    required(q, "end-at")?;
    if !CONTEXT_TYPES.contains(&ctx) {
        return Err(invalid(format!(
            "Invalid value '{ctx}' for 'context-type': must be one of {}",
            CONTEXT_TYPES.join(", ")
        )));
    }
    let recode = |e: ApiError| invalid(e.message);
    let start = parse_time(q, "start-at").map_err(recode)?.unwrap_or(0);
    let end = parse_time(q, "end-at").map_err(recode)?.unwrap_or(0);
    if start >= end {
        return Err(invalid("'start-at' must be earlier than 'end-at'"));
    }
    if end - start >= 30 * DAY_MS {
        return Err(invalid(
            "The difference between 'end-at' and 'start-at' must be less than 30 days",
        ));
    }
    if end > now_unix_ms() + 5 * MINUTE_MS {
        return Err(invalid("'end-at' must be earlier than the current time"));
    }
    let site = ds
        .site(site_id)
        .ok_or_else(|| not_found(format!("Resource not found: no site with id '{site_id}'")))?;
    let device_kind = match ctx {
        "ACCESS_POINT" => Some(DeviceType::AccessPoint),
        "SWITCH" => Some(DeviceType::Switch),
        "GATEWAY" => Some(DeviceType::Gateway),
        _ => None,
    };
    let matches: Box<dyn Fn(&Event) -> bool> = match ctx {
        "SITE" => {
            if ident != site.id {
                return Err(invalid(
                    "For context-type SITE, 'context-identifier' must be the site id",
                ));
            }
            Box::new(|_| true)
        }
        "WIRELESS_CLIENT" | "WIRED_CLIENT" => {
            let want = if ctx == "WIRELESS_CLIENT" {
                ConnectionType::Wireless
            } else {
                ConnectionType::Wired
            };
            let c = ds
                .client(ident)
                .filter(|c| c.site_id == site.id && c.connection_type == want)
                .ok_or_else(|| {
                    not_found(format!(
                        "Resource not found: no {ctx} '{ident}' in site '{site_id}'"
                    ))
                })?;
            let mac = c.mac_address.clone();
            Box::new(move |e| e.client_mac_address.as_deref() == Some(mac.as_str()))
        }
        "BRIDGE" => {
            return Err(not_found(format!(
                "Resource not found: no bridge '{ident}' in site '{site_id}'"
            )));
        }
        _ => {
            let d = ds
                .device(ident)
                .filter(|d| Some(d.device_type) == device_kind && d.site_id == site.id)
                .ok_or_else(|| {
                    not_found(format!(
                        "Resource not found: no {ctx} '{ident}' in site '{site_id}'"
                    ))
                })?;
            let sn = d.serial_number.clone();
            Box::new(move |e| e.serial_number == sn)
        }
    };
    Ok(ds
        .events
        .iter()
        .filter(|e| e.site_id == site.id && (start..=end).contains(&e.time_at_ms))
        .filter(|e| matches(e))
        .collect())
}

fn item(e: &Event) -> Value {
    json!({
        "eventId": e.event_id,
        "eventIdentifier": e.event_identifier,
        "eventName": e.event_name,
        "category": e.category,
        "sourceType": e.source_type,
        "sourceName": e.source_name,
        "serialNumber": e.serial_number,
        "description": e.description,
        "reason": e.reason,
        "severity": e.severity,
        "timeAt": rfc3339_ms(e.time_at_ms),
        "clientMacAddress": e.client_mac_address,
        "deviceMacAddress": e.device_mac_address,
        "bssid": e.bssid,
        "stackId": e.stack_id,
    })
}

/// `GET /network-troubleshooting/v1/events` — cursor paged under `events`.
fn events(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let q = &req.query;
    required(q, "limit")?;
    let selected = select(&state.dataset, q)?;
    let filter = match q.get("filter") {
        Some(raw) => Filter::parse(raw, FILTER, 512)
            .map_err(|e| invalid(format!("Invalid 'filter': {e}")))?,
        None => Filter::default(),
    };
    let sort = parse_sort(q.get("sort").unwrap_or("timeAt desc"), &["timeAt"], 128)
        .map_err(|e| invalid(format!("Invalid 'sort': {e}")))?;
    let search = q.get_nonblank("search").map(str::to_lowercase);
    if search.as_ref().is_some_and(|s| s.chars().count() > 256) {
        return Err(invalid("'search' must not exceed 256 characters"));
    }
    let page = parse_cursor(q, LIMIT).map_err(|e| invalid(e.message))?;
    let mut rows: Vec<(Value, u64)> = selected
        .into_iter()
        .filter(|e| {
            search.as_ref().is_none_or(|s| {
                [
                    Some(e.source_name.as_str()),
                    Some(e.serial_number.as_str()),
                    Some(e.event_name.as_str()),
                    Some(e.device_mac_address.as_str()),
                    e.client_mac_address.as_deref(),
                ]
                .into_iter()
                .flatten()
                .any(|t| t.to_lowercase().contains(s.as_str()))
            })
        })
        .map(|e| (item(e), e.time_at_ms))
        .filter(|(v, _)| filter.matches(v))
        .collect();
    sort_by_keys(&mut rows, &sort, |(_, t), _| Some(json!(t)));
    let items = rows.into_iter().map(|(v, _)| v).collect();
    let mut body = cursor_page(items, page);
    if let Some(list) = body.remove("items") {
        body.insert("events".into(), list);
    }
    Ok(SimResponse::ok(&Value::Object(body)))
}

/// `GET /network-troubleshooting/v1/event-filters` — counts by category, event and source.
fn event_filters(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let selected = select(&state.dataset, &req.query)?;
    let mut categories: Vec<(String, u64)> = Vec::new();
    let mut names: Vec<(String, String, u64)> = Vec::new();
    let mut sources: Vec<(String, u64)> = Vec::new();
    for e in selected {
        match categories.iter_mut().find(|(c, _)| *c == e.category) {
            Some((_, n)) => *n += 1,
            None => categories.push((e.category.clone(), 1)),
        }
        match names.iter_mut().find(|(id, _, _)| *id == e.event_id) {
            Some((_, _, n)) => *n += 1,
            None => names.push((e.event_id.clone(), e.event_name.clone(), 1)),
        }
        match sources.iter_mut().find(|(s, _)| *s == e.source_type) {
            Some((_, n)) => *n += 1,
            None => sources.push((e.source_type.clone(), 1)),
        }
    }
    Ok(SimResponse::ok(&json!({
        "categories": categories.iter().map(|(c, n)| json!({"category": c, "count": n})).collect::<Vec<_>>(),
        "eventNames": names.iter().map(|(id, name, n)| json!({"eventId": id.parse::<u64>().unwrap_or(0), "eventName": name, "count": n})).collect::<Vec<_>>(),
        "sourceTypes": sources.iter().map(|(s, n)| json!({"sourceType": s, "count": n})).collect::<Vec<_>>(),
    })))
}

/// `GET /network-troubleshooting/v1/event-extra-attributes` — `event-identifier`, `site-id`
/// and `time-at` required (400); an event that does not match all three → 404.
fn event_extra_attributes(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let q = &req.query;
    let ident = required(q, "event-identifier")?;
    let site_id = required(q, "site-id")?;
    required(q, "time-at")?;
    let at = parse_time(q, "time-at")
        .map_err(|e| invalid(e.message))?
        .unwrap_or(0);
    let ds = &state.dataset;
    let e = ds
        .events
        .iter()
        .find(|e| e.event_identifier == ident && e.site_id == site_id && e.time_at_ms == at)
        .ok_or_else(|| {
            not_found(format!(
                "Resource not found: no event '{ident}' at that time in site '{site_id}'"
            ))
        })?;
    let device = ds.device(&e.serial_number);
    let mut attrs: Vec<(&str, String)> = vec![
        ("Event Type", e.event_name.clone()),
        ("Category", e.category.clone()),
        ("Reason", e.reason.clone()),
        (
            "Device Name",
            device.map(|d| d.device_name.clone()).unwrap_or_default(),
        ),
        ("Device Serial", e.serial_number.clone()),
        ("Device MAC", e.device_mac_address.clone()),
        (
            "Site",
            device.map(|d| d.site_name.clone()).unwrap_or_default(),
        ),
    ];
    if let Some(c) = e.client_mac_address.as_deref().and_then(|m| ds.client(m)) {
        attrs.push(("Client MAC", c.mac_address.clone()));
        attrs.push(("Client Name", c.client_name.clone()));
        attrs.push(("Authentication", c.authentication_type.clone()));
        attrs.push(("VLAN", c.vlan_id.clone()));
        if let Some(w) = &c.wlan_name {
            attrs.push(("WLAN", w.clone()));
        }
    }
    if let Some(b) = &e.bssid {
        attrs.push(("BSSID", b.clone()));
    }
    let list: Vec<Value> = attrs
        .into_iter()
        .map(|(label, value)| json!({"label": label, "value": value}))
        .collect();
    Ok(SimResponse::ok(&json!({"eventExtraAttributes": list})))
}
