//! Health roll-ups (CONTRACT §5.1): one site, the tenant, and the per-site device-type and
//! client-type lists. Figures use the same rules as `sites-health` (offline device = Poor,
//! CPU or memory above 85 % = Fair; failed client = Poor, SNR below 25 dB = Fair), so every
//! endpoint agrees with every other.

use hyper::Method;
use serde_json::{Value, json};

use super::data::{ConnectionType, Dataset, DeviceType, Site};
use super::lookup::path_param;
use super::page::{LimitSpec, offset_page, parse_filter, parse_offset, parse_sort_param};
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::sort::{parse_sort, sort_by_keys};
use super::state::State;
use super::views::{self, Buckets, bucketize, client_bucket, device_bucket};

/// Register the health routes.
pub(crate) fn register(router: &mut Router<State>) {
    router
        .add(
            Method::GET,
            "/network-monitoring/v1/site-health/{site-id}",
            site_health,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/tenant-device-health",
            tenant_device_health,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/tenant-client-health",
            tenant_client_health,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/sites-device-health",
            sites_device_health,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/sites-client-health",
            sites_client_health,
        );
}

const DEVICE_TYPES: [(DeviceType, &str); 3] = [
    (DeviceType::AccessPoint, "Access Points"),
    (DeviceType::Switch, "Switches"),
    (DeviceType::Gateway, "Gateways"),
];

/// Device health buckets of one type, optionally restricted to a site.
fn device_buckets(ds: &Dataset, site: Option<&Site>, kind: DeviceType) -> Buckets {
    bucketize(
        ds.devices_of_type(kind)
            .filter(|d| site.is_none_or(|s| d.site_id == s.id)),
        device_bucket,
    )
}

/// Client health buckets of one connection type in a site.
fn client_buckets(ds: &Dataset, site: &Site, kind: ConnectionType) -> Buckets {
    bucketize(
        ds.clients
            .iter()
            .filter(|c| c.site_id == site.id && c.connection_type == kind),
        client_bucket,
    )
}

fn device_types(ds: &Dataset, site: Option<&Site>) -> Vec<Value> {
    DEVICE_TYPES
        .iter()
        .map(|(kind, name)| {
            json!({"name": name, "health": {"groups": device_buckets(ds, site, *kind).groups()}})
        })
        .collect()
}

fn client_types(ds: &Dataset, site: &Site) -> Vec<Value> {
    [ConnectionType::Wired, ConnectionType::Wireless]
        .iter()
        .map(|kind| {
            json!({"name": kind.api_name(), "health": {"groups": client_buckets(ds, site, *kind).groups()}})
        })
        .collect()
}

/// `GET /network-monitoring/v1/site-health/{site-id}` — one site; 404 for an unknown id.
fn site_health(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let id = path_param(params, "site-id");
    let site = ds.site(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "Resource not found for the given input. No site with id '{id}'."
        ))
    })?;
    // Reuse the sites-health item for health and reasons, so both endpoints agree.
    let item = views::site_health_item(ds, site);
    Ok(SimResponse::ok(&json!({
        "id": site.id,
        "type": "network-monitoring/site-health",
        "response": {
            "status": "SUCCESS",
            "code": "SITE-HEALTH-SUCCESS-001",
            "message": "Site details fetched successfully",
        },
        "reasons": item["reasons"],
        "health": item["health"],
        "deviceTypes": device_types(ds, Some(site)),
        "clientTypes": client_types(ds, site),
        "compute": [],
    })))
}

/// `GET /network-monitoring/v1/tenant-device-health` — device health per type, all sites.
fn tenant_device_health(state: &State, _req: &SimRequest, _: &Params) -> HandlerResult {
    let ds = &state.dataset;
    Ok(SimResponse::ok(&json!({
        "id": format!("tenant-{}", ds.seed),
        "type": "network-monitoring/tenant-device-health",
        "deviceTypes": device_types(ds, None),
    })))
}

/// `GET /network-monitoring/v1/tenant-client-health` — client health per type, all sites.
fn tenant_client_health(state: &State, _req: &SimRequest, _: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let types: Vec<Value> = [ConnectionType::Wired, ConnectionType::Wireless]
        .iter()
        .map(|kind| {
            let b = bucketize(
                ds.clients.iter().filter(|c| c.connection_type == *kind),
                client_bucket,
            );
            json!({"name": kind.api_name(), "health": {"groups": b.groups()}})
        })
        .collect();
    Ok(SimResponse::ok(&json!({
        "id": format!("tenant-{}", ds.seed),
        "type": "network-monitoring/tenant-client-health",
        "clientTypes": types,
    })))
}

const SITES_FILTER: &[&str] = &["siteId", "siteName"];
const SITES_LIMIT: LimitSpec = LimitSpec::up_to(1000, 100);
const DEVICE_SORT: &[&str] = &[
    "siteName",
    "apHealth",
    "switchHealth",
    "gatewayHealth",
    "bridgeHealth",
];
const CLIENT_SORT: &[&str] = &["siteName", "wirelessClientHealth", "wiredClientHealth"];

/// Shared body of the two per-site lists: `rows` are (item, sort scores by field name).
fn site_list(
    req: &SimRequest,
    sortable: &[&str],
    rows: Vec<(Value, Vec<(&'static str, f64)>)>,
) -> HandlerResult {
    let filter = parse_filter(&req.query, SITES_FILTER)?;
    let sort = match req.query.get("sort") {
        Some(_) => parse_sort_param(&req.query, sortable)?,
        None => parse_sort("siteName ASC", sortable, usize::MAX)
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
    };
    let page = parse_offset(&req.query, SITES_LIMIT)?;
    let mut rows: Vec<_> = rows
        .into_iter()
        .filter(|(item, _)| {
            filter.matches_by(|field| match field {
                "siteId" => item.get("id"),
                other => item.get(other),
            })
        })
        .collect();
    sort_by_keys(&mut rows, &sort, |(item, scores), field| {
        scores
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| json!(v))
            .or_else(|| item.get(field).cloned())
    });
    let items = rows.into_iter().map(|(item, _)| item).collect();
    Ok(SimResponse::ok(&Value::Object(offset_page(items, page))))
}

/// `GET /network-monitoring/v1/sites-device-health` — offset paged.
fn sites_device_health(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let rows = ds
        .sites
        .iter()
        .map(|s| {
            let scores = vec![
                (
                    "apHealth",
                    device_buckets(ds, Some(s), DeviceType::AccessPoint).score(),
                ),
                (
                    "switchHealth",
                    device_buckets(ds, Some(s), DeviceType::Switch).score(),
                ),
                (
                    "gatewayHealth",
                    device_buckets(ds, Some(s), DeviceType::Gateway).score(),
                ),
                ("bridgeHealth", 0.0),
            ];
            let item = json!({
                "id": s.id,
                "type": "network-monitoring/sites-device-health",
                "siteName": s.name,
                "deviceTypes": device_types(ds, Some(s)),
            });
            (item, scores)
        })
        .collect();
    site_list(req, DEVICE_SORT, rows)
}

/// `GET /network-monitoring/v1/sites-client-health` — offset paged.
fn sites_client_health(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let rows = ds
        .sites
        .iter()
        .map(|s| {
            let scores = vec![
                (
                    "wirelessClientHealth",
                    client_buckets(ds, s, ConnectionType::Wireless).score(),
                ),
                (
                    "wiredClientHealth",
                    client_buckets(ds, s, ConnectionType::Wired).score(),
                ),
            ];
            let item = json!({
                "id": s.id,
                "type": "network-monitoring/sites-client-health",
                "siteName": s.name,
                "clientTypes": client_types(ds, s),
            });
            (item, scores)
        })
        .collect();
    site_list(req, CLIENT_SORT, rows)
}
