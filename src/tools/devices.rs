//! Devices: `get_device_list` over `GET /network-monitoring/v1/devices`.

use std::collections::BTreeMap;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::fields;
use super::projection::{Fields, Item, Items};
use super::scalar::{ObjectOnly, Scalar};
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
    #[schemars(description = "")]
    pub device_type: Option<DeviceType>,
    /// Only devices with this status.
    #[schemars(description = "")]
    pub status: Option<DeviceStatus>,
    /// Only devices at this site (id from get_sites_health).
    #[schemars(description = "")]
    pub site_id: Option<String>,
    /// Only devices at the site with this exact name.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// Extra OData filter, combined with the above by `and`. Terms: `field eq 'value'` or
    /// `field in ('a','b')`. Fields: siteId, siteName, serialNumber, deviceName, deviceType,
    /// status, model, firmwareVersion, deployment, clusterName.
    #[schemars(
        description = "OData, ANDed: `field eq 'v'`, `field in ('a','b')`. Fields: siteId, siteName, serialNumber, deviceName, deviceType, status, model, firmwareVersion, deployment, clusterName."
    )]
    pub filter: Option<String>,
    /// Sort, e.g. `deviceName asc`. Fields: siteId, siteName, serialNumber, deviceName,
    /// deployment, model.
    #[schemars(description = "E.g. `deviceName asc`.")]
    pub sort: Option<String>,
    /// Devices per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Cursor: the `next` value of the previous page.
    #[schemars(description = "")]
    pub next: Option<String>,
    /// The device fields to return, instead of the default ones (see [`Device`]'s
    /// [`Item::DEFAULT`]); `all` for every field. The serial number is always returned.
    #[schemars(description = "Default: the main fields.")]
    pub fields: Option<Fields<Device>>,
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

impl Item for Device {
    const ALL: &'static [&'static str] = &[
        "serial_number",
        "device_name",
        "device_type",
        "status",
        "model",
        "firmware_version",
        "site_id",
        "site_name",
        "ipv4",
        "mac_address",
        "deployment",
        "uptime_seconds",
        "last_seen_at",
    ];
    const DEFAULT: &'static [&'static str] = &[
        "serial_number",
        "device_name",
        "device_type",
        "status",
        "model",
        "site_name",
        "ipv4",
    ];
    const KEY: &'static str = "serial_number";
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
    /// The devices, with the fields asked for.
    pub devices: Items<Device>,
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
    let response = ctx
        .call(
            ApiRequest::new(routes::DEVICES)
                .query_opt("filter", filter.clone())
                .query_opt("sort", args.sort.clone())
                .query("limit", limit)
                .query_opt("next", args.next.clone())
                .unparsed(),
        )
        .await
        .map_err(ToolError::api("Listing devices"))?;
    // The documented page shape decodes straight into typed fields (a third of the call's CPU
    // was building and dropping a `Value` tree of every field of every device); anything else
    // goes through `Value` and the null-safe helpers, with the same result.
    let mut output = match response.decode::<ObjectOnly<DevicePage>>() {
        Some(ObjectOnly(page)) => page.to_output(filter),
        None => {
            let page = response
                .into_json()
                .map_err(ToolError::api("Listing devices"))?;
            map_device_page(&page, filter)
        }
    };
    output.devices.select(args.fields);
    Ok(output)
}

/// Maps one page of `GET /network-monitoring/v1/devices` (`items`, `total`, `next`) to the
/// tool's output; `filter` is the filter that was sent. Public so that `benches/micro.rs` can time
/// the mapping of a large page without a server.
pub fn map_device_page(page: &Value, filter: Option<String>) -> DeviceListOutput {
    let devices: Vec<Device> = fields::list(page, "items").iter().map(map_device).collect();
    device_list_output(
        devices,
        fields::count(page, "total"),
        fields::next_cursor(page),
        filter,
    )
}

/// The tool's output for `devices` (with the page's `total` and `next`), counted by type and
/// status.
fn device_list_output(
    devices: Vec<Device>,
    total: Option<u64>,
    next: Option<String>,
    filter: Option<String>,
) -> DeviceListOutput {
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
        total,
        returned: devices.len(),
        next,
        filter,
        counts,
        devices: devices.into(),
    }
}

/// One page of `GET /network-monitoring/v1/devices` decoded without a `Value` tree: only the
/// fields [`map_device`] reads, each read as [`map_device`] reads it (strings borrowed from the
/// body, every other field skipped). Decoded as [`ObjectOnly`]; decoding fails, and the caller
/// falls back to [`map_device_page`], for any other shape: `items` not an array of objects, a
/// duplicate key.
#[derive(Debug, Deserialize)]
pub struct DevicePage<'a> {
    #[serde(default, borrow)]
    items: Option<Vec<ObjectOnly<DeviceItem<'a>>>>,
    #[serde(default, borrow)]
    total: Scalar<'a>,
    #[serde(default, borrow)]
    next: Scalar<'a>,
}

/// The fields of one device that [`map_device`] reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeviceItem<'a> {
    #[serde(default, borrow)]
    serial_number: Scalar<'a>,
    #[serde(default, borrow)]
    id: Scalar<'a>,
    #[serde(default, borrow)]
    device_name: Scalar<'a>,
    #[serde(default, borrow)]
    device_type: Scalar<'a>,
    #[serde(default, borrow)]
    status: Scalar<'a>,
    #[serde(default, borrow)]
    model: Scalar<'a>,
    #[serde(default, borrow)]
    firmware_version: Scalar<'a>,
    #[serde(default, borrow)]
    site_id: Scalar<'a>,
    #[serde(default, borrow)]
    site_name: Scalar<'a>,
    #[serde(default, borrow)]
    ipv4: Scalar<'a>,
    #[serde(default, borrow)]
    mac_address: Scalar<'a>,
    #[serde(default, borrow)]
    deployment: Scalar<'a>,
    #[serde(default, borrow)]
    uptime_in_millis: Scalar<'a>,
    #[serde(default, borrow)]
    last_seen_at: Scalar<'a>,
}

impl DeviceItem<'_> {
    /// [`map_device`] of the same object.
    fn to_device(&self) -> Device {
        Device {
            serial_number: self
                .serial_number
                .text()
                .or_else(|| self.id.text())
                .unwrap_or_default(),
            device_name: self.device_name.text(),
            device_type: self.device_type.upper(),
            status: self.status.upper(),
            model: self.model.text(),
            firmware_version: self.firmware_version.text(),
            site_id: self.site_id.text(),
            site_name: self.site_name.text(),
            ipv4: self.ipv4.text(),
            mac_address: self.mac_address.text(),
            deployment: self.deployment.text(),
            uptime_seconds: self
                .uptime_in_millis
                .number()
                .filter(|ms| *ms >= 0.0)
                .map(|ms| (ms / 1000.0) as u64),
            last_seen_at: self.last_seen_at.text(),
        }
    }
}

impl DevicePage<'_> {
    /// The tool's output for this page: [`map_device_page`] of the same document.
    pub fn to_output(&self, filter: Option<String>) -> DeviceListOutput {
        let devices = self
            .items
            .iter()
            .flatten()
            .map(|item| item.0.to_device())
            .collect();
        device_list_output(devices, self.total.count(), self.next.cursor(), filter)
    }
}

/// The `get_device_list` tool.
pub fn get_device_list() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_device_list",
            title: "List devices",
            description: "APs, switches and gateways with status, model, site and IP. Use it to find serials and offline devices.",
            toolset: Toolset::Monitoring,
        },
        device_list,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
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

    /// What the tool returns for `body`: the typed page when it decodes, else the `Value` path.
    fn typed_or_fallback(body: &[u8]) -> (bool, Value) {
        let output = match serde_json::from_slice::<ObjectOnly<DevicePage>>(body) {
            Ok(ObjectOnly(page)) => (true, page.to_output(Some("f".into()))),
            Err(_) => {
                let page: Value = serde_json::from_slice(body).unwrap();
                (false, map_device_page(&page, Some("f".into())))
            }
        };
        (output.0, serde_json::to_value(output.1).unwrap())
    }

    /// The `Value` path alone.
    fn through_value(body: &[u8]) -> Value {
        let page: Value = serde_json::from_slice(body).unwrap();
        serde_json::to_value(map_device_page(&page, Some("f".into()))).unwrap()
    }

    #[test]
    fn typed_page_maps_like_the_value_path() {
        let page = json!({
            "items": [
                {"id": "CN1", "serialNumber": " CN1 ", "deviceName": "ap-1",
                 "deviceType": "access_point", "status": "Online", "model": "AP-635",
                 "firmwareVersion": "10.7.1.0", "siteId": 24833497, "siteName": "HQ \"main\"",
                 "ipv4": "10.0.0.1", "macAddress": "aa:bb", "deployment": "Standalone",
                 "uptimeInMillis": "86400000", "lastSeenAt": null,
                 "ipv6": "::1", "partNumber": "R7J27A", "clusterName": {"x": [1]}},
                {"id": 7, "serialNumber": "", "status": "OFFLINE", "uptimeInMillis": -5,
                 "lastSeenAt": "2026-03-21T10:00:00Z", "deviceType": ["SWITCH"]},
                {}
            ],
            "total": "120", "next": 2, "count": 3
        });
        let body = serde_json::to_vec(&page).unwrap();
        let (typed, output) = typed_or_fallback(&body);
        assert!(typed, "the documented shape decodes without a Value tree");
        assert_eq!(output, through_value(&body));
        assert_eq!(output["devices"][1]["serial_number"], "7");
        assert_eq!(output["next"], "2");
    }

    #[test]
    fn other_shapes_fall_back_to_the_value_path() {
        for body in [
            r#"{"items":[{"status":"online","status":"offline"}]}"#,
            r#"{"items":{"not":"a list"},"total":3}"#,
            r#"{"items":[1,null,"x"],"next":"n"}"#,
            r#"[{"items":[]}]"#,
            r#"[[["CN1"]], 5, "n"]"#,
            r#"{"items":[["CN1", "CN1", "ap-1"]]}"#,
            r#""text""#,
            r#"null"#,
        ] {
            let (typed, output) = typed_or_fallback(body.as_bytes());
            assert!(!typed, "{body}");
            assert_eq!(output, through_value(body.as_bytes()), "{body}");
        }
        assert!(typed_or_fallback(br#"{"items":null}"#).0);
    }

    /// Any JSON value, small.
    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[ a-zA-Z0-9_.:\\\"é-]{0,10}".prop_map(Value::from),
            "[ ]?-?[0-9]{1,4}(\\.[0-9]{1,3})?[ ]?".prop_map(Value::from),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
                proptest::collection::btree_map("[a-z]{1,3}", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// The keys a device item may have: every key `map_device` reads, and two it does not.
    const KEYS: [&str; 16] = [
        "serialNumber",
        "id",
        "deviceName",
        "deviceType",
        "status",
        "model",
        "firmwareVersion",
        "siteId",
        "siteName",
        "ipv4",
        "macAddress",
        "deployment",
        "uptimeInMillis",
        "lastSeenAt",
        "ipv6",
        "partNumber",
    ];

    proptest! {
        /// For any page of objects with any values, the typed page is used and maps exactly as
        /// the `Value` path does; for items that are not objects, the fallback is used.
        #[test]
        fn typed_and_value_paths_agree(
            items in proptest::collection::vec(
                proptest::collection::btree_map(proptest::sample::select(&KEYS[..]), any_value(), 0..16),
                0..6,
            ),
            stray in proptest::option::of(any_value()),
            total in any_value(),
            next in any_value(),
        ) {
            let mut list: Vec<Value> = items
                .into_iter()
                .map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
                .collect();
            let objects_only = stray.as_ref().is_none_or(Value::is_object);
            list.extend(stray);
            let page = json!({"items": list, "total": total, "next": next});
            let body = serde_json::to_vec(&page).unwrap();
            let (typed, output) = typed_or_fallback(&body);
            prop_assert_eq!(typed, objects_only);
            prop_assert_eq!(output, through_value(&body));
        }
    }
}
