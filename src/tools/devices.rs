//! Devices: `get_device_list` over `GET /network-monitoring/v1/devices`.

use std::collections::BTreeMap;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// Device types Central monitors.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeviceType {
    /// Access points.
    AccessPoint,
    /// Switches.
    Switch,
    /// Gateways.
    Gateway,
}

impl DeviceType {
    /// The value Central uses in `deviceType`.
    pub fn api_value(self) -> &'static str {
        match self {
            DeviceType::AccessPoint => "ACCESS_POINT",
            DeviceType::Switch => "SWITCH",
            DeviceType::Gateway => "GATEWAY",
        }
    }
}

/// Device status as Central reports it.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeviceStatus {
    /// Connected to Central.
    Online,
    /// Not connected.
    Offline,
}

/// Arguments of `get_device_list`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceListArgs {
    /// Only this device type.
    pub device_type: Option<DeviceType>,
    /// Only devices with this status.
    pub status: Option<DeviceStatus>,
    /// Only devices at this site (id from get_sites_health).
    pub site_id: Option<String>,
    /// Only devices at the site with this exact name.
    pub site_name: Option<String>,
    /// Extra OData filter, combined with the above by `and`. Terms: `field eq 'value'` or
    /// `field in ('a','b')`. Fields: siteId, siteName, serialNumber, deviceName, deviceType,
    /// status, model, firmwareVersion, deployment, clusterName.
    pub filter: Option<String>,
    /// Sort, e.g. `deviceName asc`. Fields: siteId, siteName, serialNumber, deviceName,
    /// deployment, model.
    pub sort: Option<String>,
    /// Devices per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
    /// Cursor: the `next` value of the previous page.
    pub next: Option<String>,
}

impl Validate for DeviceListArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        args::ListArgs {
            limit: self.limit,
            max_limit: 100,
            filter: &mut self.filter,
            sort: &mut self.sort,
            next: &mut self.next,
        }
        .validate()?;
        super::scope::clean_site(&mut self.site_id, &mut self.site_name)?;
        Ok(())
    }
}

/// One device.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Device {
    /// Serial number (the device id everywhere in Central).
    pub serial_number: String,
    /// Name.
    pub device_name: Option<String>,
    /// ACCESS_POINT, SWITCH or GATEWAY.
    pub device_type: Option<String>,
    /// ONLINE or OFFLINE.
    pub status: Option<String>,
    /// Model, e.g. AP-635.
    pub model: Option<String>,
    /// Firmware version.
    pub firmware_version: Option<String>,
    /// Site id.
    pub site_id: Option<String>,
    /// Site name.
    pub site_name: Option<String>,
    /// Management IPv4 address.
    pub ipv4: Option<String>,
    /// MAC address.
    pub mac_address: Option<String>,
    /// Deployment (Standalone, Cluster, Stack, …).
    pub deployment: Option<String>,
    /// Uptime in seconds (unknown when offline).
    pub uptime_seconds: Option<u64>,
    /// When an offline device was last seen (RFC 3339).
    pub last_seen_at: Option<String>,
}

/// Reads the identity and state fields every device payload shares (list items and details).
pub fn map_device(v: &Value) -> Device {
    Device {
        serial_number: fields::text(v, "serialNumber")
            .or_else(|| fields::text(v, "id"))
            .unwrap_or_default(),
        device_name: fields::text(v, "deviceName"),
        device_type: fields::status_upper(v, "deviceType"),
        status: fields::status_upper(v, "status"),
        model: fields::text(v, "model"),
        firmware_version: fields::text(v, "firmwareVersion"),
        site_id: fields::text(v, "siteId"),
        site_name: fields::text(v, "siteName"),
        ipv4: fields::text(v, "ipv4"),
        mac_address: fields::text(v, "macAddress"),
        deployment: fields::text(v, "deployment"),
        uptime_seconds: fields::uptime_seconds(v),
        last_seen_at: fields::text(v, "lastSeenAt"),
    }
}

/// Counts over the returned page.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct DeviceCounts {
    /// Devices per type on this page.
    pub by_type: BTreeMap<String, usize>,
    /// Devices per status on this page.
    pub by_status: BTreeMap<String, usize>,
}

/// Result of `get_device_list`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeviceListOutput {
    /// Devices matching the filter in all.
    pub total: Option<u64>,
    /// Devices on this page.
    pub returned: usize,
    /// Pass as `next` for the following page; `null` on the last page.
    pub next: Option<String>,
    /// The filter sent to Central.
    pub filter: Option<String>,
    /// Counts over this page.
    pub counts: DeviceCounts,
    /// The devices.
    pub devices: Vec<Device>,
}

impl ToolOutput for DeviceListOutput {
    fn summary(&self) -> String {
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let mut out = format!("{} of {total} device(s)", self.returned);
        if let Some(f) = &self.filter {
            out.push_str(&format!(" matching `{f}`"));
        }
        out.push('.');
        let types: Vec<String> = self
            .counts
            .by_type
            .iter()
            .map(|(t, n)| format!("{n} {t}"))
            .collect();
        if !types.is_empty() {
            out.push_str(&format!(" This page: {}.", types.join(", ")));
        }
        let offline: Vec<&Device> = self
            .devices
            .iter()
            .filter(|d| d.status.as_deref() == Some("OFFLINE"))
            .collect();
        if !offline.is_empty() {
            let names: Vec<String> = offline
                .iter()
                .take(5)
                .map(|d| {
                    format!(
                        "{} ({}, {})",
                        d.device_name.as_deref().unwrap_or("unnamed"),
                        d.serial_number,
                        d.site_name.as_deref().unwrap_or("no site")
                    )
                })
                .collect();
            out.push_str(&format!(" OFFLINE: {}", names.join("; ")));
            if offline.len() > 5 {
                out.push_str(&format!(" and {} more", offline.len() - 5));
            }
            out.push('.');
        } else if self.returned > 0 {
            out.push_str(" None offline on this page.");
        }
        if let Some(next) = &self.next {
            out.push_str(&format!(" More devices: call again with next=\"{next}\"."));
        }
        out
    }
}

async fn device_list(
    ctx: ToolContext,
    args: DeviceListArgs,
) -> Result<DeviceListOutput, ToolError> {
    let mut terms = Vec::new();
    if let Some(t) = args.device_type {
        terms.push(format!("deviceType eq '{}'", t.api_value()));
    }
    if let Some(s) = args.status {
        terms.push(format!(
            "status eq '{}'",
            if s == DeviceStatus::Online {
                "ONLINE"
            } else {
                "OFFLINE"
            }
        ));
    }
    if let Some(id) = &args.site_id {
        terms.push(format!("siteId eq {}", args::odata_quote(id)));
    }
    if let Some(name) = &args.site_name {
        terms.push(format!("siteName eq {}", args::odata_quote(name)));
    }
    if let Some(f) = &args.filter {
        terms.push(f.clone());
    }
    let filter = args::odata_and(terms)?;
    let limit = args.limit.unwrap_or(50);
    let page = ctx
        .call(
            ApiRequest::new(routes::DEVICES)
                .query_opt("filter", filter.clone())
                .query_opt("sort", args.sort.clone())
                .query("limit", limit)
                .query_opt("next", args.next.clone()),
        )
        .await
        .map_err(ToolError::api("Listing devices"))?
        .body;
    Ok(map_device_page(&page, filter))
}

/// Maps one page of `GET /network-monitoring/v1/devices` (`items`, `total`, `next`) to the
/// tool's output; `filter` is the filter that was sent. Public so that `benches/micro.rs` can time
/// the mapping of a large page without a server.
pub fn map_device_page(page: &Value, filter: Option<String>) -> DeviceListOutput {
    let devices: Vec<Device> = fields::list(page, "items").iter().map(map_device).collect();
    let mut counts = DeviceCounts::default();
    for d in &devices {
        *counts
            .by_type
            .entry(d.device_type.clone().unwrap_or_else(|| "UNKNOWN".into()))
            .or_default() += 1;
        *counts
            .by_status
            .entry(d.status.clone().unwrap_or_else(|| "UNKNOWN".into()))
            .or_default() += 1;
    }
    DeviceListOutput {
        total: fields::count(page, "total"),
        returned: devices.len(),
        next: fields::next_cursor(page),
        filter,
        counts,
        devices,
    }
}

/// The `get_device_list` tool.
pub fn get_device_list() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_device_list",
            title: "List devices",
            description: "Lists the APs, switches and gateways Central monitors, with status \
                (ONLINE/OFFLINE), model, firmware, site, IP and uptime. Narrow with device_type, \
                status, site_id or site_name, or an OData `filter`. Returns `total` and a `next` \
                cursor; pass it back as `next` for the following page. Use it to find serial \
                numbers for the detail tools and to spot offline devices.",
            toolset: Toolset::Monitoring,
        },
        device_list,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_devices_and_tolerates_nulls() {
        let d = map_device(
            &json!({"id":"CN1","serialNumber":"CN1","deviceName":"ap-1","deviceType":"ACCESS_POINT",
            "status":"OFFLINE","uptimeInMillis":null,"lastSeenAt":"2026-03-21T10:00:00Z","siteName":null}),
        );
        assert_eq!(d.serial_number, "CN1");
        assert_eq!(d.status.as_deref(), Some("OFFLINE"));
        assert_eq!(d.uptime_seconds, None);
        assert_eq!(d.site_name, None);
        assert_eq!(d.last_seen_at.as_deref(), Some("2026-03-21T10:00:00Z"));
        let empty = map_device(&json!({}));
        assert_eq!(empty.serial_number, "");
    }
}
