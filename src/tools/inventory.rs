//! Inventory: `get_device_inventory` over `GET /network-monitoring/v1/device-inventory` (every
//! device of the tenant, including those not yet on-boarded, with subscription tier and group).

use std::collections::BTreeMap;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::devices::DeviceType;
use super::fields;
use super::projection::{Fields, Item, Items};
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// Whether devices are assigned to a site.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SiteAssigned {
    /// Only devices assigned to a site.
    Assigned,
    /// Only devices not assigned to any site.
    Unassigned,
}

/// Arguments of `get_device_inventory`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryArgs {
    /// Only this device type.
    #[schemars(description = "")]
    pub device_type: Option<DeviceType>,
    /// Only devices at this site id.
    #[schemars(description = "")]
    pub site_id: Option<String>,
    /// Only devices at the site with this exact name.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// Only devices assigned (ASSIGNED) or not assigned (UNASSIGNED) to a site.
    #[schemars(description = "")]
    pub site_assigned: Option<SiteAssigned>,
    /// Extra OData filter, combined with the above by `and`: `field eq 'v'` or
    /// `field in ('a','b')`. Fields: siteId, siteName, serialNumber, deviceName, deviceType,
    /// model, firmwareVersion, deviceFunction, isProvisioned, deviceGroupName. (The reference's
    /// `subscriptionTier` is not filterable in Central v1; the tier is reported as `tier`.)
    #[schemars(
        description = "OData, ANDed. Fields: siteId, siteName, serialNumber, deviceName, deviceType, model, firmwareVersion, deviceFunction, isProvisioned, deviceGroupName."
    )]
    pub filter: Option<String>,
    /// Sort, e.g. `model asc`. Fields: siteId, siteName, serialNumber, deviceName, deployment,
    /// model, macAddress, deviceType, ipv4, deviceGroupName, deviceFunction.
    #[schemars(description = "E.g. `model asc`.")]
    pub sort: Option<String>,
    /// Devices per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Cursor: the `next` value of the previous page.
    #[schemars(description = "")]
    pub next: Option<String>,
    /// The device fields to return instead of the default ones ([`Item::DEFAULT`] of
    /// [`InventoryDevice`]); `all` for every field. `serial_number` is always returned.
    #[schemars(description = "Default: the main fields.")]
    pub fields: Option<Fields<InventoryDevice>>,
}

impl Validate for InventoryArgs {
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

/// One inventory device.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InventoryDevice {
    /// Serial number.
    pub serial_number: String,
    /// Name.
    pub device_name: Option<String>,
    /// ACCESS_POINT, SWITCH or GATEWAY.
    pub device_type: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Part number (SKU).
    pub part_number: Option<String>,
    /// ONLINE / OFFLINE, when Central reports it.
    pub status: Option<String>,
    /// Firmware version.
    pub firmware_version: Option<String>,
    /// MAC address.
    pub mac_address: Option<String>,
    /// IPv4 address.
    pub ipv4: Option<String>,
    /// Site id (`None` when unassigned).
    pub site_id: Option<String>,
    /// Site name.
    pub site_name: Option<String>,
    /// Device group name.
    pub device_group_name: Option<String>,
    /// Device function, e.g. CAMPUS_AP.
    pub device_function: Option<String>,
    /// Subscription tier, e.g. ADVANCED_AP (the reference called it subscriptionTier).
    pub tier: Option<String>,
    /// Provisioned in Central (from `isProvisioned` YES/NO).
    pub is_provisioned: Option<bool>,
}

impl Item for InventoryDevice {
    const ALL: &'static [&'static str] = &[
        "serial_number",
        "device_name",
        "device_type",
        "model",
        "part_number",
        "status",
        "firmware_version",
        "mac_address",
        "ipv4",
        "site_id",
        "site_name",
        "device_group_name",
        "device_function",
        "tier",
        "is_provisioned",
    ];
    const DEFAULT: &'static [&'static str] = &[
        "serial_number",
        "device_name",
        "device_type",
        "model",
        "status",
        "site_name",
        "tier",
    ];
    const KEY: &'static str = "serial_number";
}

fn map_inventory(v: &Value) -> InventoryDevice {
    InventoryDevice {
        serial_number: fields::text(v, "serialNumber")
            .or_else(|| fields::text(v, "id"))
            .unwrap_or_default(),
        device_name: fields::text(v, "deviceName"),
        device_type: fields::status_upper(v, "deviceType"),
        model: fields::text(v, "model"),
        part_number: fields::text(v, "partNumber"),
        status: fields::status_upper(v, "status"),
        firmware_version: fields::text(v, "firmwareVersion"),
        mac_address: fields::text(v, "macAddress"),
        ipv4: fields::text(v, "ipv4"),
        site_id: fields::text(v, "siteId"),
        site_name: fields::text(v, "siteName"),
        device_group_name: fields::text(v, "deviceGroupName"),
        device_function: fields::text(v, "deviceFunction"),
        tier: fields::text(v, "tier"),
        is_provisioned: fields::boolean(v, "isProvisioned"),
    }
}

/// Counts over the returned page.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct InventoryCounts {
    /// Devices per model.
    pub by_model: BTreeMap<String, usize>,
    /// Devices per type.
    pub by_type: BTreeMap<String, usize>,
    /// Devices per subscription tier.
    pub by_tier: BTreeMap<String, usize>,
    /// Devices without a site.
    pub unassigned: usize,
    /// Devices not provisioned.
    pub not_provisioned: usize,
}

/// Result of `get_device_inventory`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InventoryOutput {
    /// Devices matching the filter in all.
    pub total: Option<u64>,
    /// Devices on this page.
    pub returned: usize,
    /// Pass as `next` for the following page; `null` on the last page.
    pub next: Option<String>,
    /// The filter sent to Central.
    pub filter: Option<String>,
    /// Counts over this page.
    pub counts: InventoryCounts,
    /// The devices.
    pub devices: Items<InventoryDevice>,
}

fn count_page(devices: &[InventoryDevice]) -> InventoryCounts {
    let mut c = InventoryCounts::default();
    let key = |v: &Option<String>| v.clone().unwrap_or_else(|| "UNKNOWN".into());
    for d in devices {
        *c.by_model.entry(key(&d.model)).or_default() += 1;
        *c.by_type.entry(key(&d.device_type)).or_default() += 1;
        *c.by_tier.entry(key(&d.tier)).or_default() += 1;
        c.unassigned += usize::from(d.site_id.is_none());
        c.not_provisioned += usize::from(d.is_provisioned == Some(false));
    }
    c
}

impl ToolOutput for InventoryOutput {
    fn summary(&self) -> String {
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let mut out = format!("{} of {total} inventory device(s)", self.returned);
        if let Some(f) = &self.filter {
            out.push_str(&format!(" matching `{f}`"));
        }
        out.push('.');
        let join = |m: &BTreeMap<String, usize>| {
            let mut v: Vec<(&String, &usize)> = m.iter().collect();
            v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            v.iter()
                .take(5)
                .map(|(k, n)| format!("{n} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if self.returned > 0 {
            out.push_str(&format!(
                " This page by type: {}. Top models: {}. Tiers: {}.",
                join(&self.counts.by_type),
                join(&self.counts.by_model),
                join(&self.counts.by_tier)
            ));
        }
        if self.counts.unassigned > 0 || self.counts.not_provisioned > 0 {
            out.push_str(&format!(
                " {} without a site, {} not provisioned.",
                self.counts.unassigned, self.counts.not_provisioned
            ));
        }
        if self.returned == 0 && self.filter.is_some() {
            out.push_str(
                " Nothing matches the filter; check site names and ids with list_sites and \
                 serials with find_device.",
            );
        }
        if let Some(next) = &self.next {
            out.push_str(&format!(" More devices: call again with next=\"{next}\"."));
        }
        out
    }
}

async fn inventory(ctx: ToolContext, args: InventoryArgs) -> Result<InventoryOutput, ToolError> {
    let mut terms = Vec::new();
    if let Some(t) = args.device_type {
        terms.push(format!("deviceType eq '{}'", t.api_value()));
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
    let assigned = args.site_assigned.map(|a| match a {
        SiteAssigned::Assigned => "ASSIGNED",
        SiteAssigned::Unassigned => "UNASSIGNED",
    });
    let page = ctx
        .call(
            ApiRequest::new(routes::DEVICE_INVENTORY)
                .query_opt("filter", filter.clone())
                .query_opt("sort", args.sort.clone())
                .query_opt("site-assigned", assigned)
                .query("limit", args.limit.unwrap_or(50))
                .query_opt("next", args.next.clone()),
        )
        .await
        .map_err(ToolError::api("Reading the device inventory"))?
        .body;
    let devices: Vec<InventoryDevice> = fields::list(&page, "items")
        .iter()
        .map(map_inventory)
        .collect();
    Ok(InventoryOutput {
        total: fields::count(&page, "total"),
        returned: devices.len(),
        next: fields::next_cursor(&page),
        filter,
        counts: count_page(&devices),
        devices: Items::new(devices, args.fields),
    })
}

/// The `get_device_inventory` tool.
pub fn get_device_inventory() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_device_inventory",
            title: "Device inventory",
            description: "Hardware inventory, also devices not on-boarded or unassigned: model, part number, subscription tier, group, site.",
            toolset: Toolset::Monitoring,
        },
        inventory,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inventory_items_tolerate_nulls() {
        let d = map_inventory(
            &json!({"id": "CN1", "serialNumber": null, "model": null, "tier": null, "siteId": null,
                    "isProvisioned": null, "deviceType": null}),
        );
        assert_eq!(d.serial_number, "CN1");
        assert_eq!(d.model, None);
        assert_eq!(d.is_provisioned, None);
        let c = count_page(&[
            d,
            map_inventory(&json!({"isProvisioned": "NO", "siteId": "1"})),
        ]);
        assert_eq!(c.by_model.get("UNKNOWN"), Some(&2));
        assert_eq!((c.unassigned, c.not_provisioned), (1, 1));
    }
}
