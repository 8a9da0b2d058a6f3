//! Admin endpoints under `/_simulator/` (no authentication, never journaled).
//!
//! | method | path | answer |
//! |---|---|---|
//! | GET | `/_simulator/journal` | JSON array of journal entries, oldest first |
//! | DELETE | `/_simulator/journal` | 204, journal emptied |
//! | GET | `/_simulator/dataset` | summary of the seeded data (sites, devices, client count) |
//! | GET | `/_simulator/routes` | the API routes served (method + path template) |
//! | GET | `/_simulator/faults` | `{"spec": "<canonical text>", "rules": [{"rule", "mode", "scope", "limit", "remaining", "hits"}]}` |
//! | PUT | `/_simulator/faults` | body = fault spec text; replaces the rules, answers as GET; 400 with the parse error |
//! | DELETE | `/_simulator/faults` | 204, no faults |

use hyper::Method;
use serde_json::{Value, json};

use super::data::DeviceType;
use super::faults::FaultSpec;
use super::response::{ApiError, SimResponse};
use super::router::{ADMIN_PREFIX, HandlerResult, Params, Router, SimRequest};
use super::state::State;

/// Register the admin routes.
pub(crate) fn register(router: &mut Router<State>) {
    router
        .add(Method::GET, "/_simulator/journal", journal)
        .add(Method::DELETE, "/_simulator/journal", clear_journal)
        .add(Method::GET, "/_simulator/dataset", dataset)
        .add(Method::GET, "/_simulator/routes", routes)
        .add(Method::GET, "/_simulator/faults", faults)
        .add(Method::PUT, "/_simulator/faults", set_faults)
        .add(Method::DELETE, "/_simulator/faults", clear_faults);
}

/// `true` when `path` addresses an admin endpoint.
pub(crate) fn is_admin_path(path: &str) -> bool {
    path == ADMIN_PREFIX || path.starts_with("/_simulator/")
}

fn journal(state: &State, _: &SimRequest, _: &Params) -> HandlerResult {
    let entries = serde_json::to_value(state.journal.snapshot())
        .map_err(|e| ApiError::internal(format!("cannot serialise the journal: {e}")))?;
    Ok(SimResponse::ok(&entries))
}

fn clear_journal(state: &State, _: &SimRequest, _: &Params) -> HandlerResult {
    state.journal.clear();
    Ok(SimResponse::empty(204))
}

fn faults(state: &State, _: &SimRequest, _: &Params) -> HandlerResult {
    Ok(SimResponse::ok(&state.faults.status_json()))
}

fn set_faults(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let text = std::str::from_utf8(&req.body)
        .map_err(|_| ApiError::bad_request("The fault spec must be UTF-8 text"))?;
    let spec: FaultSpec = text
        .parse()
        .map_err(|e: super::faults::FaultSpecError| ApiError::bad_request(e.to_string()))?;
    state.faults.set(spec);
    Ok(SimResponse::ok(&state.faults.status_json()))
}

fn clear_faults(state: &State, _: &SimRequest, _: &Params) -> HandlerResult {
    state.faults.set(FaultSpec::none());
    Ok(SimResponse::empty(204))
}

fn dataset(state: &State, _: &SimRequest, _: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let sites: Vec<Value> = ds
        .sites
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "name": s.name,
                "devices": ds.devices.iter().filter(|d| d.site_id == s.id).count(),
                "clients": ds.clients.iter().filter(|c| c.site_id == s.id).count(),
            })
        })
        .collect();
    let devices: Vec<Value> = ds
        .devices
        .iter()
        .map(|d| {
            json!({
                "serialNumber": d.serial_number,
                "deviceName": d.device_name,
                "deviceType": d.device_type.api_name(),
                "siteId": d.site_id,
                "status": d.status.upper(),
            })
        })
        .collect();
    let count = |t| ds.devices_of_type(t).count();
    Ok(SimResponse::ok(&json!({
        "seed": ds.seed,
        "snapshotAt": super::data::rfc3339_ms(ds.snapshot_unix_ms),
        "sites": sites,
        "devices": devices,
        "deviceCounts": {
            "ACCESS_POINT": count(DeviceType::AccessPoint),
            "SWITCH": count(DeviceType::Switch),
            "GATEWAY": count(DeviceType::Gateway),
        },
        "clientCount": ds.clients.len(),
        "unassignedDeviceCount": ds.unassigned.len(),
        "stackCount": ds.stacks.len(),
        "tunnelCount": ds.tunnels.len(),
        "alertCount": ds.alerts.len(),
        "eventCount": ds.events.len(),
        "threatCount": ds.threats.len(),
    })))
}

fn routes(state: &State, _: &SimRequest, _: &Params) -> HandlerResult {
    let list: Vec<Value> = state
        .routes
        .routes()
        .iter()
        .map(|r| json!({"method": r.method.as_str(), "path": r.template}))
        .collect();
    Ok(SimResponse::ok(&Value::Array(list)))
}
