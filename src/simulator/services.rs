//! `network-services/v1` (CONTRACT §5.12): firmware details of every device. Errors use the
//! monitoring envelope (§4.1: monitoring and services share it).
//!
//! The recommended version is the newest release of each device family; a device running
//! something else reports `upgradeStatus` "Upgrade Available".

use hyper::Method;
use serde_json::{Value, json};

use super::data::{Dataset, Device, DeviceType, rfc3339_ms};
use super::lookup::{DAY_MS, noise};
use super::monitoring::cursor_list;
use super::page::{LimitSpec, parse_filter, parse_sort_param};
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::state::State;

/// Register the services routes.
pub(crate) fn register(router: &mut Router<State>) {
    router.add(
        Method::GET,
        "/network-services/v1/firmware-details",
        firmware_details,
    );
}

const FILTER: &[&str] = &[
    "siteId",
    "siteName",
    "serialNumber",
    "deviceName",
    "deviceType",
    "upgradeStatus",
    "firmwareClassification",
    "firmwareVersion",
];
const SORT: &[&str] = &[
    "siteId",
    "siteName",
    "serialNumber",
    "deviceName",
    "deviceType",
    "upgradeStatus",
    "firmwareClassification",
    "firmwareVersion",
];
const LIMIT: LimitSpec = LimitSpec::up_to(1000, 20);

/// The recommended firmware of a device (newest of its family).
pub(crate) fn recommended_version(d: &Device) -> String {
    match d.device_type {
        DeviceType::AccessPoint | DeviceType::Gateway => "10.7.1.0_90711".to_string(),
        DeviceType::Switch if d.firmware_version.starts_with("WC.") => "WC.16.11.0021".to_string(),
        DeviceType::Switch => d.firmware_version.clone(),
    }
}

/// A `firmware-details` item.
fn item(ds: &Dataset, d: &Device) -> Value {
    let recommended = recommended_version(d);
    let up_to_date = recommended == d.firmware_version;
    let classification = if d.firmware_version.starts_with("10.6") {
        "Feature Release"
    } else if d.firmware_version.starts_with("WC.") {
        "Security Patch"
    } else {
        "Bug Fix"
    };
    let upgraded = ds
        .snapshot_unix_ms
        .saturating_sub(DAY_MS * (20 + (noise(&d.serial_number, 7) * 200.0) as u64));
    json!({
        "id": d.serial_number,
        "type": "network-services/firmware-management",
        "serialNumber": d.serial_number,
        "deviceName": d.device_name,
        "deviceType": d.device_type.api_name(),
        "siteId": d.site_id,
        "siteName": d.site_name,
        "firmwareVersion": d.firmware_version,
        "recommendedVersion": recommended,
        "upgradeStatus": if up_to_date { "Up To Date" } else { "Upgrade Available" },
        "firmwareClassification": classification,
        "lastUpgradedTimeAt": rfc3339_ms(upgraded),
    })
}

/// `GET /network-services/v1/firmware-details` — cursor paged.
fn firmware_details(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let q = &req.query;
    let filter = parse_filter(q, FILTER)?;
    let sort = parse_sort_param(q, SORT)?;
    let ds = &state.dataset;
    cursor_list(
        q,
        ds.devices.iter().map(|d| item(ds, d)),
        &filter,
        &sort,
        LIMIT,
    )
}
