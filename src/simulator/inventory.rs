//! `GET /network-monitoring/v1/device-inventory` (CONTRACT §5.2): every device of the tenant
//! with its subscription and group, cursor paged, with the `site-assigned` selector. Besides
//! the monitored devices (assigned, `isProvisioned` "YES") it lists the dataset's unassigned
//! spares (no site, `isProvisioned` "NO", no group), which `/devices` does not show.

use hyper::Method;
use serde_json::{Value, json};

use super::data::{Device, DeviceType};
use super::monitoring::cursor_list;
use super::page::{LimitSpec, parse_filter, parse_sort_param};
use super::response::ApiError;
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::state::State;

/// Register the inventory route.
pub(crate) fn register(router: &mut Router<State>) {
    router.add(
        Method::GET,
        "/network-monitoring/v1/device-inventory",
        device_inventory,
    );
}

const FILTER: &[&str] = &[
    "siteId",
    "siteName",
    "serialNumber",
    "deviceName",
    "deviceType",
    "model",
    "firmwareVersion",
    "deviceFunction",
    "isProvisioned",
    "deviceGroupName",
];
const SORT: &[&str] = &[
    "siteId",
    "siteName",
    "serialNumber",
    "deviceName",
    "deployment",
    "model",
    "macAddress",
    "deviceType",
    "ipv4",
    "deviceGroupName",
    "deviceFunction",
];
const LIMIT: LimitSpec = LimitSpec::up_to(1000, 20);

/// Subscription tier of a device.
fn tier(d: &Device) -> &'static str {
    match d.device_type {
        DeviceType::AccessPoint => "ADVANCED_AP",
        DeviceType::Switch if d.model == "CX 6300M" => "ADVANCED_SWITCH_6300",
        DeviceType::Switch => "FOUNDATION_SWITCH",
        DeviceType::Gateway => "ADVANCED_GW",
    }
}

/// Device group (configuration group) of a device: one per type and site.
fn group(d: &Device) -> (String, String) {
    let code = d.device_name.split('-').next().unwrap_or("site");
    let kind = match d.device_type {
        DeviceType::AccessPoint => "APs",
        DeviceType::Switch => "Switches",
        DeviceType::Gateway => "Gateways",
    };
    let id = d
        .site_id
        .bytes()
        .fold(8_100_000_000_u64 + d.device_type as u64, |h, b| {
            (h * 31 + u64::from(b)) % 9_000_000_000 + 1_000_000_000
        });
    (id.to_string(), format!("{}-{kind}", code.to_uppercase()))
}

/// An item of `device-inventory`.
fn item(d: &Device) -> Value {
    let assigned = !d.site_id.is_empty();
    let (group_id, group_name) = if assigned {
        let (id, name) = group(d);
        (Value::from(id), Value::from(name))
    } else {
        (Value::Null, Value::Null)
    };
    json!({
        "id": d.serial_number,
        "type": "network-monitoring/device-monitoring",
        "serialNumber": d.serial_number,
        "macAddress": d.mac_address,
        "deviceName": d.device_name,
        "deviceType": d.device_type.api_name(),
        "model": d.model,
        "partNumber": d.part_number,
        "status": d.status.upper(),
        "firmwareVersion": d.firmware_version,
        "siteId": if assigned { Value::from(d.site_id.clone()) } else { Value::Null },
        "siteName": if assigned { Value::from(d.site_name.clone()) } else { Value::Null },
        "deployment": d.deployment,
        "deviceFunction": d.device_function,
        "role": d.role,
        "ipv4": if assigned { Value::from(d.ipv4.clone()) } else { Value::Null },
        "deviceGroupId": group_id,
        "deviceGroupName": group_name,
        "scopeId": if assigned { Value::from(d.site_id.clone()) } else { Value::Null },
        "stackId": d.stack_id,
        "tier": tier(d),
        "subscriptionKey": format!("E{}", &d.serial_number[..d.serial_number.len().min(9)]),
        "isProvisioned": if assigned { "YES" } else { "NO" },
    })
}

/// `GET /network-monitoring/v1/device-inventory` — cursor paged, `site-assigned` optional.
fn device_inventory(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let q = &req.query;
    let assigned = match q.get("site-assigned") {
        None => None,
        Some("ASSIGNED") => Some(true),
        Some("UNASSIGNED") => Some(false),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Invalid value '{other}' for 'site-assigned': must be ASSIGNED or UNASSIGNED"
            )));
        }
    };
    let filter = parse_filter(q, FILTER)?;
    let sort = parse_sort_param(q, SORT)?;
    let ds = &state.dataset;
    let items = ds
        .devices
        .iter()
        .filter(|_| assigned != Some(false))
        .chain(ds.unassigned.iter().filter(|_| assigned != Some(true)))
        .map(item);
    cursor_list(q, items, &filter, &sort, LIMIT)
}
