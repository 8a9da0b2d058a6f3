//! Top-N usage: `get_top_aps_by_bandwidth` over
//! `GET /network-monitoring/v1/top-aps-by-wireless-usage` and `get_top_clients_by_usage` over
//! `GET /network-monitoring/v1/clients-topn-usage`.
//!
//! The reference server's `time_range` is kept and converted to Central's documented
//! `start-at`/`end-at` (RFC 3339); `start_time`/`end_time` override it.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::fields;
use super::scope::{self, Window};
use super::sites::SiteRef;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// Time ranges of the reference server.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
pub enum TimeRange {
    /// The last hour.
    #[serde(rename = "1hour")]
    OneHour,
    /// The last 24 hours (default).
    #[serde(rename = "24hours")]
    Day,
    /// The last 7 days.
    #[serde(rename = "7days")]
    Week,
    /// The last 30 days (sent as 30 days minus one minute: Central needs less than 30 days).
    #[serde(rename = "30days")]
    Month,
}

impl TimeRange {
    fn length(self) -> Duration {
        match self {
            TimeRange::OneHour => Duration::from_secs(3600),
            TimeRange::Day => Duration::from_secs(86_400),
            TimeRange::Week => Duration::from_secs(7 * 86_400),
            TimeRange::Month => Duration::from_secs(30 * 86_400 - 60),
        }
    }
}

/// Resolves the window of a top-N call: explicit times win, else `time_range` back from now.
fn top_window(
    range: Option<TimeRange>,
    start: Option<&str>,
    end: Option<&str>,
    max: Duration,
    what: &str,
) -> Result<(String, String), ToolError> {
    let now = SystemTime::now();
    let w = Window::parse("start_time", start, "end_time", end, now)?;
    let len = range.unwrap_or(TimeRange::Day).length();
    w.check_span("start_time", "end_time", now, len, max, what)?;
    let (s, e) = w.closed(now, len);
    Ok((args::rfc3339_millis(s), args::rfc3339_millis(e)))
}

/// Human bytes: 1.5 GB, 12.0 MB.
fn human_bytes(b: f64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut v = b;
    let mut i = 0;
    while v >= 1000.0 && i < units.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    format!("{v:.1} {}", units[i])
}

/// Arguments of `get_top_aps_by_bandwidth`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopApsArgs {
    /// Site id (from get_sites_health); omit both site arguments for the whole tenant.
    #[schemars(description = "")]
    pub site_id: Option<String>,
    /// Site name, instead of site_id.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// APs to return, 1-25 (default 10; Central returns at most 25).
    #[schemars(range(min = 1, max = 25))]
    #[schemars(description = "", extend("default" = 10))]
    pub limit: Option<i64>,
    /// Window back from now (default 24hours). Ignored when start_time is given.
    #[schemars(description = "", extend("default" = "24hours"))]
    pub time_range: Option<TimeRange>,
    /// Window start: RFC 3339, epoch milliseconds or an age such as 24h (overrides time_range).
    #[schemars(description = "RFC 3339, epoch ms or an age; overrides time_range.")]
    pub start_time: Option<String>,
    /// Window end: RFC 3339, epoch milliseconds or an age (default now). Less than 30 days.
    #[schemars(description = "")]
    pub end_time: Option<String>,
}

impl Validate for TopApsArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        scope::clean_site(&mut self.site_id, &mut self.site_name)?;
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 25)?;
        }
        let (s, e) = top_window(
            self.time_range,
            self.start_time.as_deref(),
            self.end_time.as_deref(),
            Duration::from_secs(30 * 86_400 - 1),
            "30 days",
        )?;
        self.start_time = Some(s);
        self.end_time = Some(e);
        Ok(())
    }
}

/// One AP in the ranking.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TopAp {
    /// 1 = most traffic.
    pub rank: usize,
    /// Serial number.
    pub serial_number: String,
    /// AP name.
    pub device_name: Option<String>,
    /// Wireless traffic in the window, bytes.
    pub usage_bytes: Option<f64>,
    /// Share of the traffic of the returned APs, percent.
    pub share_percent: Option<f64>,
}

/// Result of `get_top_aps_by_bandwidth`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TopApsOutput {
    /// The site, or `null` for the tenant.
    pub site: Option<SiteRef>,
    /// Window start (RFC 3339).
    pub start_time: String,
    /// Window end (RFC 3339).
    pub end_time: String,
    /// APs Central ranked (Central returns no grand total for this endpoint).
    pub total: usize,
    /// APs in this answer.
    pub returned: usize,
    /// Traffic of the returned APs, bytes.
    pub total_usage_bytes: f64,
    /// The APs, most traffic first.
    pub aps: Vec<TopAp>,
}

fn map_top_aps(body: &Value, site: Option<SiteRef>, window: (String, String)) -> TopApsOutput {
    let mut aps: Vec<TopAp> = fields::list(body, "items")
        .iter()
        .map(|v| {
            let mut usage = fields::number(v, "totalValue");
            // Central documents bytes; convert if it says otherwise.
            if let (Some(u), Some(unit)) = (usage, fields::text(v, "units")) {
                let factor = match unit.to_ascii_lowercase().as_str() {
                    "kb" | "kilobytes" => 1e3,
                    "mb" | "megabytes" => 1e6,
                    "gb" | "gigabytes" => 1e9,
                    _ => 1.0,
                };
                usage = Some(u * factor);
            }
            TopAp {
                rank: 0,
                serial_number: fields::text(v, "serialNumber")
                    .or_else(|| fields::text(v, "id"))
                    .unwrap_or_default(),
                device_name: fields::text(v, "deviceName"),
                usage_bytes: usage,
                share_percent: None,
            }
        })
        .collect();
    aps.sort_by(|a, b| {
        b.usage_bytes
            .unwrap_or(0.0)
            .total_cmp(&a.usage_bytes.unwrap_or(0.0))
    });
    let total_usage_bytes: f64 = aps.iter().filter_map(|a| a.usage_bytes).sum();
    for (i, a) in aps.iter_mut().enumerate() {
        a.rank = i + 1;
        if total_usage_bytes > 0.0 {
            a.share_percent = a
                .usage_bytes
                .map(|u| (u / total_usage_bytes * 1000.0).round() / 10.0);
        }
    }
    TopApsOutput {
        site,
        start_time: window.0,
        end_time: window.1,
        total: aps.len(),
        returned: aps.len(),
        total_usage_bytes,
        aps,
    }
}

impl ToolOutput for TopApsOutput {
    fn summary(&self) -> String {
        let scope = self
            .site
            .as_ref()
            .map(|s| format!("site {}", s.site_name.as_deref().unwrap_or(&s.site_id)))
            .unwrap_or_else(|| "the tenant".to_string());
        if self.aps.is_empty() {
            return format!(
                "No AP carried wireless traffic at {scope} between {} and {}.",
                self.start_time, self.end_time
            );
        }
        let top: Vec<String> = self
            .aps
            .iter()
            .take(3)
            .map(|a| {
                format!(
                    "#{} {} ({}) {} ({}%)",
                    a.rank,
                    a.device_name.as_deref().unwrap_or("?"),
                    a.serial_number,
                    human_bytes(a.usage_bytes.unwrap_or(0.0)),
                    a.share_percent.unwrap_or(0.0)
                )
            })
            .collect();
        format!(
            "Top {} AP(s) by wireless traffic at {scope} between {} and {}: {} in all. {}.",
            self.returned,
            self.start_time,
            self.end_time,
            human_bytes(self.total_usage_bytes),
            top.join("; ")
        )
    }
}

async fn top_aps(ctx: ToolContext, args: TopApsArgs) -> Result<TopApsOutput, ToolError> {
    let site = scope::optional_site(
        &ctx,
        "get_top_aps_by_bandwidth",
        args.site_id,
        args.site_name,
    )
    .await?;
    let start = args.start_time.unwrap_or_default();
    let end = args.end_time.unwrap_or_default();
    let body = ctx
        .call(
            ApiRequest::new(routes::TOP_APS_BY_WIRELESS_USAGE)
                .query_opt("site-id", site.as_ref().map(|s| s.site_id.clone()))
                .query("limit", args.limit.unwrap_or(10))
                .query("start-at", &start)
                .query("end-at", &end),
        )
        .await
        .map_err(ToolError::api("Ranking APs by wireless usage"))?
        .body;
    Ok(map_top_aps(&body, site, (start, end)))
}

/// The `get_top_aps_by_bandwidth` tool.
pub fn get_top_aps_by_bandwidth() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_top_aps_by_bandwidth",
            title: "Top APs by wireless traffic",
            description: "APs ranked by wireless traffic over a window, with their share.",
            toolset: Toolset::Monitoring,
        },
        top_aps,
    )
}

// === get_top_clients_by_usage ===

/// Connection types of the reference server.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
#[serde(rename_all = "UPPERCASE")]
pub enum TopConnectionType {
    /// Wireless clients only.
    Wireless,
    /// Wired clients only.
    Wired,
    /// Both (default).
    All,
}

/// Time ranges for top clients.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
pub enum ClientTimeRange {
    /// The last hour.
    #[serde(rename = "1hour")]
    OneHour,
    /// The last 24 hours (default).
    #[serde(rename = "24hours")]
    Day,
    /// The last 7 days.
    #[serde(rename = "7days")]
    Week,
}

/// Arguments of `get_top_clients_by_usage`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopClientsArgs {
    /// Site id (from get_sites_health); omit both site arguments for the whole tenant.
    #[schemars(description = "")]
    pub site_id: Option<String>,
    /// Site name, instead of site_id.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// Only clients of this AP or switch (serial number).
    #[schemars(description = "Only clients of this AP or switch.")]
    pub serial_number: Option<String>,
    /// Clients to return, 1-100 (default 10).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 10))]
    pub limit: Option<i64>,
    /// Window back from now (default 24hours). Ignored when start_time is given.
    #[schemars(description = "", extend("default" = "24hours"))]
    pub time_range: Option<ClientTimeRange>,
    /// Window start: RFC 3339, epoch milliseconds or an age (overrides time_range). At most 7
    /// days tenant-wide, 31 days for a site.
    #[schemars(description = "RFC 3339, epoch ms or an age; overrides time_range.")]
    pub start_time: Option<String>,
    /// Window end: RFC 3339, epoch milliseconds or an age (default now).
    #[schemars(description = "")]
    pub end_time: Option<String>,
    /// WIRELESS, WIRED or ALL (default). Central has no such parameter: when WIRELESS or WIRED,
    /// the tool asks Central for its top 100 and keeps the first `limit` of that type.
    #[schemars(description = "", extend("default" = "ALL"))]
    pub connection_type: Option<TopConnectionType>,
}

impl Validate for TopClientsArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        scope::clean_site(&mut self.site_id, &mut self.site_name)?;
        if let Some(s) = self.serial_number.take() {
            self.serial_number = Some(args::serial("serial_number", &s)?);
        }
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 100)?;
        }
        let range = self.time_range.map(|r| match r {
            ClientTimeRange::OneHour => TimeRange::OneHour,
            ClientTimeRange::Day => TimeRange::Day,
            ClientTimeRange::Week => TimeRange::Week,
        });
        let (max, what) = if self.site_id.is_some() || self.site_name.is_some() {
            (31 * 86_400, "31 days for a site")
        } else {
            (7 * 86_400, "7 days tenant-wide")
        };
        let (s, e) = top_window(
            range,
            self.start_time.as_deref(),
            self.end_time.as_deref(),
            Duration::from_secs(max),
            what,
        )?;
        self.start_time = Some(s);
        self.end_time = Some(e);
        Ok(())
    }
}

/// One client in the ranking.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TopClient {
    /// 1 = most traffic.
    pub rank: usize,
    /// MAC address.
    pub mac_address: String,
    /// Client name.
    pub client_name: Option<String>,
    /// Wired or Wireless.
    pub connection_type: Option<String>,
    /// Site name.
    pub site_name: Option<String>,
    /// Traffic in the window, bytes.
    pub usage_bytes: Option<u64>,
}

/// Result of `get_top_clients_by_usage`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TopClientsOutput {
    /// The site, or `null` for the tenant.
    pub site: Option<SiteRef>,
    /// Window start (RFC 3339).
    pub start_time: String,
    /// Window end (RFC 3339).
    pub end_time: String,
    /// The connection type kept (`null` = all).
    pub connection_type: Option<String>,
    /// Clients Central ranked (before the connection-type filter).
    pub total: usize,
    /// Clients in this answer.
    pub returned: usize,
    /// Traffic of the returned clients, bytes.
    pub total_usage_bytes: u64,
    /// Per connection type: traffic of the returned clients, bytes.
    pub usage_bytes_by_connection_type: BTreeMap<String, u64>,
    /// The clients, most traffic first.
    pub clients: Vec<TopClient>,
}

fn map_top_clients(
    body: &Value,
    site: Option<SiteRef>,
    window: (String, String),
    keep_type: Option<&str>,
    limit: usize,
) -> TopClientsOutput {
    let ranked: Vec<TopClient> = fields::list(body, "items")
        .iter()
        .map(|v| TopClient {
            rank: 0,
            mac_address: fields::text(v, "macAddress")
                .or_else(|| fields::text(v, "id"))
                .unwrap_or_default(),
            client_name: fields::text(v, "clientName"),
            connection_type: fields::text(v, "clientConnectionType"),
            site_name: fields::text(v, "siteName"),
            usage_bytes: fields::count(v, "usage"),
        })
        .collect();
    let total = ranked.len();
    let mut clients: Vec<TopClient> = ranked
        .into_iter()
        .filter(|c| {
            keep_type.is_none_or(|t| {
                c.connection_type
                    .as_deref()
                    .is_some_and(|ct| ct.eq_ignore_ascii_case(t))
            })
        })
        .take(limit)
        .collect();
    let mut by_type = BTreeMap::new();
    for (i, c) in clients.iter_mut().enumerate() {
        c.rank = i + 1;
        *by_type
            .entry(
                c.connection_type
                    .clone()
                    .unwrap_or_else(|| "Unknown".into()),
            )
            .or_default() += c.usage_bytes.unwrap_or(0);
    }
    TopClientsOutput {
        site,
        start_time: window.0,
        end_time: window.1,
        connection_type: keep_type.map(str::to_string),
        total,
        returned: clients.len(),
        total_usage_bytes: clients.iter().filter_map(|c| c.usage_bytes).sum(),
        usage_bytes_by_connection_type: by_type,
        clients,
    }
}

impl ToolOutput for TopClientsOutput {
    fn summary(&self) -> String {
        let scope = self
            .site
            .as_ref()
            .map(|s| format!("site {}", s.site_name.as_deref().unwrap_or(&s.site_id)))
            .unwrap_or_else(|| "the tenant".to_string());
        let kind = self
            .connection_type
            .as_deref()
            .map(|t| format!(" {t}"))
            .unwrap_or_default();
        if self.clients.is_empty() {
            return format!(
                "No{kind} client used traffic at {scope} between {} and {}.",
                self.start_time, self.end_time
            );
        }
        let top: Vec<String> = self
            .clients
            .iter()
            .take(3)
            .map(|c| {
                format!(
                    "#{} {} ({}) {}",
                    c.rank,
                    c.client_name.as_deref().unwrap_or("?"),
                    c.mac_address,
                    human_bytes(c.usage_bytes.unwrap_or(0) as f64)
                )
            })
            .collect();
        format!(
            "Top {}{kind} client(s) by traffic at {scope} between {} and {}: {} combined. {}.",
            self.returned,
            self.start_time,
            self.end_time,
            human_bytes(self.total_usage_bytes as f64),
            top.join("; ")
        )
    }
}

async fn top_clients(
    ctx: ToolContext,
    args: TopClientsArgs,
) -> Result<TopClientsOutput, ToolError> {
    let site = scope::optional_site(
        &ctx,
        "get_top_clients_by_usage",
        args.site_id,
        args.site_name,
    )
    .await?;
    let limit = args.limit.unwrap_or(10);
    let keep_type = match args.connection_type {
        Some(TopConnectionType::Wireless) => Some("Wireless"),
        Some(TopConnectionType::Wired) => Some("Wired"),
        _ => None,
    };
    let start = args.start_time.unwrap_or_default();
    let end = args.end_time.unwrap_or_default();
    let body = ctx
        .call(
            ApiRequest::new(routes::CLIENTS_TOPN_USAGE)
                .query_opt("site-id", site.as_ref().map(|s| s.site_id.clone()))
                .query_opt("serial-number", args.serial_number)
                .query("start-at", &start)
                .query("end-at", &end)
                .query("limit", if keep_type.is_some() { 100 } else { limit }),
        )
        .await
        .map_err(ToolError::api("Ranking clients by usage"))?
        .body;
    Ok(map_top_clients(
        &body,
        site,
        (start, end),
        keep_type,
        limit as usize,
    ))
}

/// The `get_top_clients_by_usage` tool.
pub fn get_top_clients_by_usage() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_top_clients_by_usage",
            title: "Top clients by traffic",
            description: "Clients ranked by traffic over a window.",
            toolset: Toolset::Clients,
        },
        top_clients,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn w() -> (String, String) {
        ("s".into(), "e".into())
    }

    #[test]
    fn ranks_aps_with_shares() {
        let out = map_top_aps(
            &json!({"count":2,"items":[
                {"serialNumber":"B","deviceName":"ap-b","totalValue":100.0,"units":"Bytes"},
                {"serialNumber":"A","deviceName":"ap-a","totalValue":300.0,"units":"Bytes"}]}),
            None,
            w(),
        );
        assert_eq!(out.aps[0].serial_number, "A");
        assert_eq!(out.aps[0].share_percent, Some(75.0));
        assert_eq!(out.total_usage_bytes, 400.0);
    }

    #[test]
    fn top_aps_nulls_do_not_fail() {
        let out = map_top_aps(
            &json!({"items":[{"serialNumber":null,"id":null,"deviceName":null,"totalValue":null,"units":null}]}),
            None,
            w(),
        );
        assert_eq!(out.returned, 1);
        assert_eq!(out.aps[0].share_percent, None);
        assert!(out.summary().contains("#1"));
        assert!(
            map_top_aps(&json!(null), None, w())
                .summary()
                .contains("No AP")
        );
    }

    #[test]
    fn top_clients_filter_by_type_and_tolerate_nulls() {
        let body = json!({"items":[
            {"macAddress":"a","clientConnectionType":"Wired","usage":10},
            {"macAddress":"b","clientConnectionType":"Wireless","usage":5},
            {"macAddress":null,"clientConnectionType":null,"usage":null,"clientName":null}]});
        let out = map_top_clients(&body, None, w(), Some("Wireless"), 10);
        assert_eq!(out.total, 3);
        assert_eq!(out.returned, 1);
        assert_eq!(out.clients[0].rank, 1);
        let all = map_top_clients(&body, None, w(), None, 10);
        assert_eq!(all.returned, 3);
        assert_eq!(all.usage_bytes_by_connection_type["Unknown"], 0);
        assert!(all.summary().contains("15 B") || all.summary().contains("15.0 B"));
    }
}
