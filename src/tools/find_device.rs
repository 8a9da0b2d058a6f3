//! `find_device`: one device by name, serial, MAC or IP over
//! `GET /network-monitoring/v1/devices`.
//!
//! Serial numbers and exact names are looked up with Central's OData filter (`serialNumber` and
//! `deviceName` are filterable). MAC and IP addresses are not, and neither is a partial name, so
//! for those the tool pages through the device list — at most [`MAX_SCAN_PAGES`] pages — and
//! matches each page itself, reporting how many pages and devices it looked at.

use std::net::IpAddr;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::devices::{Device, DeviceType, map_device};
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// Most device-list pages a scan reads.
pub const MAX_SCAN_PAGES: usize = 5;
/// Default (and largest) page size of a scan: the endpoint's documented maximum.
const SCAN_PAGE_SIZE: i64 = 1000;

/// Arguments of `find_device`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindDeviceArgs {
    /// What to look for: a serial (CN12AB34CD), a device name or part of one (lobby), a MAC
    /// address in any common notation (aa:bb:cc:dd:ee:01, AABB.CCDD.EE01, aabbccddee01) or an
    /// IP address (10.10.1.21). Case-insensitive.
    #[schemars(length(min = 2, max = 128))]
    #[schemars(description = "Serial, name or part of one, MAC (any notation) or IP.")]
    pub query: String,
    /// Only devices of this type (narrows the lookup and any scan).
    #[schemars(description = "")]
    pub device_type: Option<DeviceType>,
    /// Matches to return, 1-50 (default 20).
    #[schemars(range(min = 1, max = 50))]
    #[schemars(description = "", extend("default" = 20))]
    pub limit: Option<i64>,
    /// Devices per page when the tool has to scan the list, 1-1000 (default 1000, Central's
    /// maximum). At most 5 pages are read.
    #[schemars(range(min = 1, max = 1000))]
    #[schemars(description = "Devices per scanned page (default 1000; at most 5 pages).")]
    pub page_size: Option<i64>,
}

impl Validate for FindDeviceArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        let q = args::clean_text("query", Some(self.query.clone()), 128)?.unwrap_or_default();
        if q.chars().count() < 2 {
            return Err(ToolError::InvalidArgument(
                "argument `query`: give at least 2 characters of a name, serial, MAC or IP".into(),
            ));
        }
        self.query = q;
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 50)?;
        }
        if let Some(p) = self.page_size {
            args::check_range("page_size", p, 1, SCAN_PAGE_SIZE)?;
        }
        Ok(())
    }
}

/// What the query looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Query {
    /// 12 hex digits once separators are removed (lower case, no separators).
    Mac(String),
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// Anything else: a serial or a (partial) name.
    Text(String),
}

fn classify(q: &str) -> Query {
    if let Ok(ip) = q.parse::<IpAddr>() {
        return Query::Ip(ip);
    }
    let hex: String = q
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    let separated = hex.len() != q.len();
    if hex.len() == 12
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && (separated || hex.chars().any(|c| c.is_ascii_digit()))
        && (separated || q.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Query::Mac(hex.to_ascii_lowercase());
    }
    Query::Text(q.to_string())
}

fn mac_key(mac: &str) -> String {
    mac.chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_lowercase()
}

fn matches(query: &Query, d: &Device, raw: &Value) -> bool {
    match query {
        Query::Mac(m) => d.mac_address.as_deref().is_some_and(|x| mac_key(x) == *m),
        Query::Ip(ip) => [d.ipv4.clone(), fields::text(raw, "ipv6")]
            .into_iter()
            .flatten()
            .any(|x| x.parse::<IpAddr>().is_ok_and(|a| a == *ip)),
        Query::Text(t) => {
            let t = t.to_lowercase();
            d.serial_number.to_lowercase().contains(&t)
                || d.device_name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&t))
        }
    }
}

/// Result of `find_device`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FindDeviceOutput {
    /// The query as given.
    pub query: String,
    /// How it was read: mac, ip or text.
    pub query_kind: String,
    /// How the match was made: serial_filter, name_filter (Central's OData filter) or scan
    /// (pages read and matched by this tool).
    pub method: String,
    /// Requests sent to Central.
    pub requests: usize,
    /// Device-list pages scanned (0 when a filter found it).
    pub pages_scanned: usize,
    /// Devices looked at while scanning.
    pub devices_scanned: usize,
    /// Devices in the (type-filtered) list according to Central.
    pub total_devices: Option<u64>,
    /// The scan reached the end of the list (or found enough matches); when false, devices
    /// beyond `devices_scanned` were not searched.
    pub complete: bool,
    /// Matches returned.
    pub returned: usize,
    /// More matches exist than were returned.
    pub truncated: bool,
    /// The matching devices.
    pub devices: Vec<Device>,
}

impl ToolOutput for FindDeviceOutput {
    fn summary(&self) -> String {
        let how = match self.method.as_str() {
            "serial_filter" => "by serial number".to_string(),
            "name_filter" => "by exact name".to_string(),
            _ => format!(
                "by scanning {} page(s), {} of {} device(s)",
                self.pages_scanned,
                self.devices_scanned,
                self.total_devices
                    .map_or_else(|| "?".to_string(), |t| t.to_string())
            ),
        };
        if self.devices.is_empty() {
            let mut out = format!(
                "No device matches {:?} ({}), searched {how}.",
                self.query, self.query_kind
            );
            if !self.complete {
                out.push_str(&format!(
                    " The scan stopped after {MAX_SCAN_PAGES} pages; narrow it with device_type."
                ));
            }
            return out;
        }
        let list: Vec<String> = self
            .devices
            .iter()
            .take(10)
            .map(|d| {
                format!(
                    "{} ({}, {}, {}, site {}, IP {}, MAC {})",
                    d.device_name.as_deref().unwrap_or("unnamed"),
                    d.serial_number,
                    d.device_type.as_deref().unwrap_or("?"),
                    d.status.as_deref().unwrap_or("status ?"),
                    d.site_name.as_deref().unwrap_or("?"),
                    d.ipv4.as_deref().unwrap_or("?"),
                    d.mac_address.as_deref().unwrap_or("?")
                )
            })
            .collect();
        let mut out = format!(
            "{} device(s) match {:?}, found {how}: {}",
            self.returned,
            self.query,
            list.join("; ")
        );
        if self.devices.len() > list.len() {
            out.push_str(&format!(
                " and {} more in the structured result",
                self.devices.len() - list.len()
            ));
        }
        out.push('.');
        if self.truncated {
            out.push_str(" More devices match; raise `limit` or refine the query.");
        }
        if !self.complete {
            out.push_str(&format!(
                " The scan stopped after {MAX_SCAN_PAGES} pages; devices beyond those were not searched."
            ));
        }
        out
    }
}

async fn filtered(
    ctx: &ToolContext,
    filter: String,
    limit: i64,
) -> Result<(Vec<Device>, Option<u64>), ToolError> {
    let page = ctx
        .call(
            ApiRequest::new(routes::DEVICES)
                .query("filter", filter)
                .query("limit", limit),
        )
        .await
        .map_err(ToolError::api("Looking up the device"))?
        .body;
    Ok((
        fields::list(&page, "items")
            .iter()
            .map(map_device)
            .collect(),
        fields::count(&page, "total"),
    ))
}

async fn find_device_handler(
    ctx: ToolContext,
    args: FindDeviceArgs,
) -> Result<FindDeviceOutput, ToolError> {
    let query = classify(&args.query);
    let limit = args.limit.unwrap_or(20) as usize;
    let type_term = args
        .device_type
        .map(|t| format!("deviceType eq '{}'", t.api_value()));
    let with_type =
        |term: String| args::odata_and(type_term.iter().cloned().chain([term]).collect());
    let kind = match &query {
        Query::Mac(_) => "mac",
        Query::Ip(_) => "ip",
        Query::Text(_) => "text",
    };
    let mut out = FindDeviceOutput {
        query: args.query.clone(),
        query_kind: kind.to_string(),
        method: String::new(),
        requests: 0,
        pages_scanned: 0,
        devices_scanned: 0,
        total_devices: None,
        complete: true,
        returned: 0,
        truncated: false,
        devices: Vec::new(),
    };
    if let Query::Text(t) = &query {
        // A serial: exact match through the filter (serials are upper case in Central).
        let upper = t.to_ascii_uppercase();
        if args::serial("query", t).is_ok() {
            let filter = with_type(format!("serialNumber eq {}", args::odata_quote(&upper)))?
                .unwrap_or_default();
            out.requests += 1;
            let (found, _) = filtered(&ctx, filter, limit as i64).await?;
            if !found.is_empty() {
                out.method = "serial_filter".into();
                out.returned = found.len();
                out.devices = found;
                return Ok(out);
            }
        }
        // An exact name.
        let filter =
            with_type(format!("deviceName eq {}", args::odata_quote(t)))?.unwrap_or_default();
        out.requests += 1;
        let (found, total) = filtered(&ctx, filter, limit as i64).await?;
        if !found.is_empty() {
            out.method = "name_filter".into();
            out.truncated = total.is_some_and(|t| t as usize > found.len());
            out.returned = found.len();
            out.devices = found;
            return Ok(out);
        }
    }
    // Scan: MAC, IP or partial name.
    out.method = "scan".into();
    let filter = args::odata_and(type_term.into_iter().collect())?;
    let page_size = args.page_size.unwrap_or(SCAN_PAGE_SIZE);
    let mut next: Option<String> = None;
    out.complete = false;
    for _ in 0..MAX_SCAN_PAGES {
        let page = ctx
            .call(
                ApiRequest::new(routes::DEVICES)
                    .query_opt("filter", filter.clone())
                    .query("limit", page_size)
                    .query_opt("next", next.clone()),
            )
            .await
            .map_err(ToolError::api("Scanning the device list"))?
            .body;
        out.requests += 1;
        out.pages_scanned += 1;
        out.total_devices = fields::count(&page, "total").or(out.total_devices);
        let items = fields::list(&page, "items");
        out.devices_scanned += items.len();
        for raw in items {
            let d = map_device(raw);
            if matches(&query, &d, raw) {
                if out.devices.len() < limit {
                    out.devices.push(d);
                } else {
                    out.truncated = true;
                }
            }
        }
        next = fields::next_cursor(&page);
        if next.is_none() || items.is_empty() {
            out.complete = true;
            break;
        }
        if out.truncated {
            // Enough matches: the rest of the list is not needed.
            out.complete = true;
            break;
        }
    }
    out.returned = out.devices.len();
    Ok(out)
}

/// The `find_device` tool.
pub fn find_device() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "find_device",
            title: "Find a device",
            description: "Finds devices by serial, name (or part), MAC or IP.",
            toolset: Toolset::Monitoring,
        },
        find_device_handler,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn queries_are_classified() {
        assert_eq!(
            classify("AA:BB:CC:DD:EE:01"),
            Query::Mac("aabbccddee01".into())
        );
        assert_eq!(
            classify("aabb.ccdd.ee01"),
            Query::Mac("aabbccddee01".into())
        );
        assert_eq!(classify("aabbccddee01"), Query::Mac("aabbccddee01".into()));
        assert_eq!(classify("10.1.0.1"), Query::Ip("10.1.0.1".parse().unwrap()));
        assert_eq!(classify("CN12AB34CD"), Query::Text("CN12AB34CD".into()));
        assert_eq!(classify("lobby"), Query::Text("lobby".into()));
        // 12 hex letters without digits or separators read as a name.
        assert_eq!(classify("deadbeefcafe"), Query::Text("deadbeefcafe".into()));
    }

    #[test]
    fn matching_tolerates_nulls() {
        let raw = json!({"serialNumber": null, "deviceName": null, "macAddress": null, "ipv4": null, "ipv6": null});
        let d = map_device(&raw);
        assert!(!matches(&classify("aa:bb:cc:dd:ee:01"), &d, &raw));
        assert!(!matches(&classify("10.0.0.1"), &d, &raw));
        assert!(!matches(&classify("lobby"), &d, &raw));
        let raw = json!({"serialNumber": "CN1", "deviceName": "AP-Lobby-01", "macAddress": "aa:bb:cc:dd:ee:01", "ipv4": "10.0.0.1"});
        let d = map_device(&raw);
        assert!(matches(&classify("AABB-CCDD-EE01"), &d, &raw));
        assert!(matches(&classify("10.0.0.1"), &d, &raw));
        assert!(matches(&classify("lobby"), &d, &raw));
    }
}
