//! Firmware: `get_firmware_details` over `GET /network-services/v1/firmware-details`.

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

/// Arguments of `get_firmware_details`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FirmwareArgs {
    /// Only this device type.
    #[schemars(description = "")]
    pub device_type: Option<DeviceType>,
    /// Only devices at this site id.
    #[schemars(description = "")]
    pub site_id: Option<String>,
    /// Only devices at the site with this exact name.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// Extra OData filter, combined with the above by `and`: `field eq 'v'` or
    /// `field in ('a','b')`. Fields: siteId, siteName, serialNumber, deviceName, deviceType,
    /// upgradeStatus, firmwareClassification, firmwareVersion (v1 name of the reference's
    /// softwareVersion).
    #[schemars(
        description = "OData, ANDed. Fields: siteId, siteName, serialNumber, deviceName, deviceType, upgradeStatus, firmwareClassification, firmwareVersion."
    )]
    pub filter: Option<String>,
    /// Sort, e.g. `deviceName asc`.
    #[schemars(description = "")]
    pub sort: Option<String>,
    /// Text to look for in the device name, serial or firmware version (case-insensitive).
    /// Central v1 has no `search` parameter, so this is matched by this tool on the page it
    /// returns; `total` stays Central's count before the search.
    #[schemars(description = "Name, serial or version, matched on the returned page.")]
    pub search: Option<String>,
    /// Devices per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Cursor: the `next` value of the previous page.
    #[schemars(description = "")]
    pub next: Option<String>,
    /// The device fields to return instead of the default ones ([`Item::DEFAULT`] of
    /// [`FirmwareItem`]); `all` for every field. `serial_number` is always returned.
    #[schemars(description = "Default: the main fields.")]
    pub fields: Option<Fields<FirmwareItem>>,
}

impl Validate for FirmwareArgs {
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
        self.search = args::clean_text("search", self.search.take(), 128)?;
        Ok(())
    }
}

/// One device's firmware state.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FirmwareItem {
    /// Serial number.
    pub serial_number: String,
    /// Name.
    pub device_name: Option<String>,
    /// ACCESS_POINT, SWITCH or GATEWAY.
    pub device_type: Option<String>,
    /// Site id.
    pub site_id: Option<String>,
    /// Site name.
    pub site_name: Option<String>,
    /// Running firmware.
    pub firmware_version: Option<String>,
    /// Central's recommended firmware.
    pub recommended_version: Option<String>,
    /// Central's upgrade status, e.g. "Up To Date".
    pub upgrade_status: Option<String>,
    /// Classification of the recommended release, e.g. "Bug Fix", "Security Patch".
    pub firmware_classification: Option<String>,
    /// Last upgrade (RFC 3339).
    pub last_upgraded_at: Option<String>,
    /// Not on the recommended firmware (by status, or by comparing versions); `None` if unknown.
    pub needs_update: Option<bool>,
}

impl Item for FirmwareItem {
    const ALL: &'static [&'static str] = &[
        "serial_number",
        "device_name",
        "device_type",
        "site_id",
        "site_name",
        "firmware_version",
        "recommended_version",
        "upgrade_status",
        "firmware_classification",
        "last_upgraded_at",
        "needs_update",
    ];
    const DEFAULT: &'static [&'static str] = &[
        "serial_number",
        "device_name",
        "device_type",
        "firmware_version",
        "recommended_version",
        "upgrade_status",
    ];
    const KEY: &'static str = "serial_number";
}

fn map_firmware(v: &Value) -> FirmwareItem {
    let firmware_version =
        fields::text(v, "firmwareVersion").or_else(|| fields::text(v, "softwareVersion"));
    let recommended_version = fields::text(v, "recommendedVersion");
    let upgrade_status = fields::text(v, "upgradeStatus");
    let needs_update = match (&upgrade_status, &firmware_version, &recommended_version) {
        (Some(s), _, _) if s.eq_ignore_ascii_case("up to date") => Some(false),
        (Some(s), _, _)
            if s.to_ascii_lowercase().contains("available")
                || s.to_ascii_lowercase().contains("required") =>
        {
            Some(true)
        }
        (_, Some(f), Some(r)) => Some(f != r),
        _ => None,
    };
    FirmwareItem {
        serial_number: fields::text(v, "serialNumber")
            .or_else(|| fields::text(v, "id"))
            .unwrap_or_default(),
        device_name: fields::text(v, "deviceName"),
        device_type: fields::status_upper(v, "deviceType"),
        site_id: fields::text(v, "siteId"),
        site_name: fields::text(v, "siteName"),
        firmware_version,
        recommended_version,
        upgrade_status,
        firmware_classification: fields::text(v, "firmwareClassification"),
        last_upgraded_at: fields::text(v, "lastUpgradedTimeAt"),
        needs_update,
    }
}

/// Counts over the returned devices.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct FirmwareCounts {
    /// Devices per upgrade status ("Unknown" when Central sent none).
    pub by_upgrade_status: BTreeMap<String, usize>,
    /// Devices per device type.
    pub by_device_type: BTreeMap<String, usize>,
    /// Devices per release classification.
    pub by_classification: BTreeMap<String, usize>,
    /// Devices per running firmware version.
    pub by_firmware_version: BTreeMap<String, usize>,
    /// Devices not on the recommended firmware.
    pub needs_update: usize,
}

/// Result of `get_firmware_details`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FirmwareOutput {
    /// Devices matching the filter in all (before `search`).
    pub total: Option<u64>,
    /// Devices Central returned on this page.
    pub page_size: usize,
    /// Devices in this answer (after `search`).
    pub returned: usize,
    /// Pass as `next` for the following page; `null` on the last page.
    pub next: Option<String>,
    /// The filter sent to Central.
    pub filter: Option<String>,
    /// The text search applied to this page.
    pub search: Option<String>,
    /// Counts over the returned devices.
    pub counts: FirmwareCounts,
    /// The devices.
    pub devices: Items<FirmwareItem>,
}

fn count_firmware(items: &[FirmwareItem]) -> FirmwareCounts {
    let mut c = FirmwareCounts::default();
    let key = |v: &Option<String>| v.clone().unwrap_or_else(|| "Unknown".into());
    for i in items {
        *c.by_upgrade_status
            .entry(key(&i.upgrade_status))
            .or_default() += 1;
        *c.by_device_type.entry(key(&i.device_type)).or_default() += 1;
        *c.by_classification
            .entry(key(&i.firmware_classification))
            .or_default() += 1;
        *c.by_firmware_version
            .entry(key(&i.firmware_version))
            .or_default() += 1;
        c.needs_update += usize::from(i.needs_update == Some(true));
    }
    c
}

impl ToolOutput for FirmwareOutput {
    fn summary(&self) -> String {
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let mut out = format!("Firmware of {} of {total} device(s)", self.returned);
        if let Some(s) = &self.search {
            out.push_str(&format!(
                " ({} of {} on this page match {s:?})",
                self.returned, self.page_size
            ));
        }
        out.push('.');
        let statuses: Vec<String> = self
            .counts
            .by_upgrade_status
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        if !statuses.is_empty() {
            out.push_str(&format!(" Status: {}.", statuses.join(", ")));
        }
        let mut outdated: Vec<&FirmwareItem> = self
            .devices
            .iter()
            .filter(|d| d.needs_update == Some(true))
            .collect();
        // "Update Required" first, then by name.
        outdated.sort_by_key(|d| {
            (
                !d.upgrade_status
                    .as_deref()
                    .is_some_and(|s| s.to_ascii_lowercase().contains("required")),
                d.device_name.clone().unwrap_or_default(),
            )
        });
        if outdated.is_empty() {
            if self.returned > 0 {
                out.push_str(" All listed devices run the recommended firmware.");
            }
        } else {
            let named: Vec<String> = outdated
                .iter()
                .take(10)
                .map(|d| {
                    format!(
                        "{} ({}): {} -> {}",
                        d.device_name.as_deref().unwrap_or("unnamed"),
                        d.serial_number,
                        d.firmware_version.as_deref().unwrap_or("?"),
                        d.recommended_version.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            out.push_str(&format!(
                " Not on the recommended firmware ({}): {}",
                outdated.len(),
                named.join("; ")
            ));
            if outdated.len() > named.len() {
                out.push_str(&format!(" and {} more", outdated.len() - named.len()));
            }
            out.push('.');
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

async fn firmware(ctx: ToolContext, args: FirmwareArgs) -> Result<FirmwareOutput, ToolError> {
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
    let page = ctx
        .call(
            ApiRequest::new(routes::FIRMWARE_DETAILS)
                .query_opt("filter", filter.clone())
                .query_opt("sort", args.sort.clone())
                .query("limit", args.limit.unwrap_or(50))
                .query_opt("next", args.next.clone()),
        )
        .await
        .map_err(ToolError::api("Reading firmware details"))?
        .body;
    let all: Vec<FirmwareItem> = fields::list(&page, "items")
        .iter()
        .map(map_firmware)
        .collect();
    let page_size = all.len();
    let needle = args.search.as_ref().map(|s| s.to_lowercase());
    let devices: Vec<FirmwareItem> = all
        .into_iter()
        .filter(|d| {
            needle.as_ref().is_none_or(|n| {
                [
                    d.device_name.as_deref(),
                    Some(d.serial_number.as_str()),
                    d.firmware_version.as_deref(),
                ]
                .into_iter()
                .flatten()
                .any(|t| t.to_lowercase().contains(n.as_str()))
            })
        })
        .collect();
    Ok(FirmwareOutput {
        total: fields::count(&page, "total"),
        page_size,
        returned: devices.len(),
        next: fields::next_cursor(&page),
        filter,
        search: args.search,
        counts: count_firmware(&devices),
        devices: Items::new(devices, args.fields),
    })
}

/// The `get_firmware_details` tool.
pub fn get_firmware_details() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_firmware_details",
            title: "Firmware compliance",
            description: "Running vs recommended firmware per device, with upgrade status and the devices not on the recommended version.",
            toolset: Toolset::Monitoring,
        },
        firmware,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn firmware_items_tolerate_nulls() {
        let i = map_firmware(
            &json!({"serialNumber": null, "id": null, "upgradeStatus": null, "firmwareVersion": null,
                    "recommendedVersion": null, "deviceType": null}),
        );
        assert_eq!(i.serial_number, "");
        assert_eq!(i.needs_update, None);
        let c = count_firmware(&[i]);
        assert_eq!(c.by_upgrade_status.get("Unknown"), Some(&1));
        assert_eq!(c.needs_update, 0);
    }

    #[test]
    fn needs_update_follows_status_then_versions() {
        let by_status = map_firmware(&json!({"upgradeStatus": "Upgrade Available"}));
        assert_eq!(by_status.needs_update, Some(true));
        let ok = map_firmware(
            &json!({"upgradeStatus": "Up To Date", "firmwareVersion": "a", "recommendedVersion": "b"}),
        );
        assert_eq!(ok.needs_update, Some(false));
        let by_version =
            map_firmware(&json!({"softwareVersion": "10.6", "recommendedVersion": "10.7"}));
        assert_eq!(by_version.firmware_version.as_deref(), Some("10.6"));
        assert_eq!(by_version.needs_update, Some(true));
    }
}
