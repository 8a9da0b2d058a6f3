//! Alerts: `list_alerts` over `GET /network-notifications/v1/alerts`.
//!
//! Central's documented filter covers site, status, category and device type; severity and a
//! time window are not documented parameters, so the tool sorts by severity upstream and
//! applies those two to the returned page itself (and says so).

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::fields;
use super::projection::{Fields, Item, Items};
use super::scope::{self, Window};
use super::sites::SiteRef;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// Alert severities, most severe first.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
pub enum AlertSeverity {
    /// Critical.
    Critical,
    /// Major.
    Major,
    /// Minor.
    Minor,
    /// Warning.
    Warning,
}

/// Alert status.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
pub enum AlertStatus {
    /// Open alerts (default).
    Active,
    /// Cleared alerts.
    Cleared,
    /// Deferred alerts.
    Deferred,
    /// Any status.
    All,
}

/// Alert categories.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
pub enum AlertCategory {
    /// Client alerts.
    Clients,
    /// System alerts.
    System,
    /// Wired LAN.
    #[serde(rename = "LAN")]
    Lan,
    /// Wireless LAN.
    #[serde(rename = "WLAN")]
    Wlan,
    /// WAN.
    #[serde(rename = "WAN")]
    Wan,
    /// Clusters.
    Cluster,
    /// Routing.
    Routing,
    /// Security.
    Security,
}

/// Device types alerts are raised for.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
pub enum AlertDeviceType {
    /// Access points.
    #[serde(rename = "Access Point")]
    AccessPoint,
    /// Gateways.
    Gateway,
    /// Switches.
    Switch,
    /// Bridges.
    Bridge,
}

impl AlertDeviceType {
    fn name(self) -> &'static str {
        match self {
            AlertDeviceType::AccessPoint => "Access Point",
            AlertDeviceType::Gateway => "Gateway",
            AlertDeviceType::Switch => "Switch",
            AlertDeviceType::Bridge => "Bridge",
        }
    }
}

/// Arguments of `list_alerts`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertListArgs {
    /// Only alerts of this severity (applied by this tool to the returned page; Central has no
    /// severity filter).
    #[schemars(description = "Applied to the returned page.")]
    pub severity: Option<AlertSeverity>,
    /// Alert status (default Active; All for every status).
    #[schemars(description = "", extend("default" = "Active"))]
    pub status: Option<AlertStatus>,
    /// Only alerts of this site (site id from get_sites_health).
    #[schemars(description = "")]
    pub site_id: Option<String>,
    /// Site name, instead of site_id.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// Only this category.
    #[schemars(description = "")]
    pub category: Option<AlertCategory>,
    /// Only alerts raised for this device type.
    #[schemars(description = "")]
    pub device_type: Option<AlertDeviceType>,
    /// Only alerts created at or after this time: RFC 3339, epoch ms or an age such as 24h
    /// (applied by this tool to the returned page; Central has no time parameters).
    #[schemars(
        description = "Created at or after: RFC 3339, epoch ms or an age; applied to the page."
    )]
    pub start_time: Option<String>,
    /// Only alerts created at or before this time (same forms; applied to the returned page).
    #[schemars(description = "Created at or before; applied to the page.")]
    pub end_time: Option<String>,
    /// Alerts per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Cursor: the `next` value of the previous page.
    #[schemars(description = "")]
    pub next: Option<String>,
    /// The alert fields to return instead of the default ones ([`Item::DEFAULT`] of
    /// [`Alert`]); `all` for every field. `id` is always returned.
    #[schemars(description = "Item fields instead of the default set.")]
    pub fields: Option<Fields<Alert>>,
}

impl Validate for AlertListArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        scope::clean_site(&mut self.site_id, &mut self.site_name)?;
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 100)?;
        }
        self.next = args::cursor("next", self.next.take())?;
        let w = Window::parse(
            "start_time",
            self.start_time.as_deref(),
            "end_time",
            self.end_time.as_deref(),
            SystemTime::now(),
        )?;
        self.start_time = w.start.map(args::rfc3339_millis);
        self.end_time = w.end.map(args::rfc3339_millis);
        Ok(())
    }
}

/// One alert.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Alert {
    /// Alert id.
    pub id: String,
    /// Alert name, e.g. AP Offline.
    pub name: Option<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Critical, Major, Minor or Warning.
    pub severity: Option<String>,
    /// High, Medium or Low.
    pub priority: Option<String>,
    /// Active, Cleared or Deferred.
    pub status: Option<String>,
    /// Category, e.g. System, WLAN.
    pub category: Option<String>,
    /// Device type, e.g. Access Point.
    pub device_type: Option<String>,
    /// Alert definition id.
    pub type_id: Option<String>,
    /// Created (RFC 3339).
    pub created_at: Option<String>,
    /// Last updated (RFC 3339).
    pub updated_at: Option<String>,
    /// Why it was cleared.
    pub cleared_reason: Option<String>,
}

impl Item for Alert {
    const ALL: &'static [&'static str] = &[
        "id",
        "name",
        "summary",
        "severity",
        "priority",
        "status",
        "category",
        "device_type",
        "type_id",
        "created_at",
        "updated_at",
        "cleared_reason",
    ];
    const DEFAULT: &'static [&'static str] =
        &["id", "name", "summary", "severity", "status", "created_at"];
    const KEY: &'static str = "id";
}

fn map_alert(v: &Value) -> Alert {
    let t = |k: &str| fields::text(v, k);
    Alert {
        id: t("id").unwrap_or_default(),
        name: t("name"),
        summary: t("summary"),
        severity: t("severity"),
        priority: t("priority"),
        status: t("status"),
        category: t("category"),
        device_type: t("deviceType"),
        type_id: t("typeId"),
        created_at: t("createdAt"),
        updated_at: t("updatedAt"),
        cleared_reason: t("clearedReason"),
    }
}

/// 4 = Critical … 1 = Warning, 0 = unknown.
fn severity_rank(s: Option<&str>) -> u8 {
    match s.map(str::to_ascii_lowercase).as_deref() {
        Some("critical") => 4,
        Some("major") => 3,
        Some("minor") => 2,
        Some("warning") => 1,
        _ => 0,
    }
}

fn parse_time(s: Option<&str>) -> Option<SystemTime> {
    s.and_then(|t| humantime::parse_rfc3339_weak(t.trim()).ok())
}

/// Result of `list_alerts`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AlertListOutput {
    /// The site, `null` for the tenant.
    pub site: Option<SiteRef>,
    /// The filter sent to Central.
    pub filter: Option<String>,
    /// Alerts matching Central's filter in all (before the severity/time filters of this tool).
    pub total: Option<u64>,
    /// Alerts Central returned on this page.
    pub page_items: usize,
    /// Alerts in this answer (after the severity/time filters).
    pub returned: usize,
    /// Pass as `next` for the following page; `null` on the last page.
    pub next: Option<String>,
    /// Alerts per severity in this answer.
    pub by_severity: BTreeMap<String, usize>,
    /// The alerts, most severe first, then newest first.
    pub alerts: Items<Alert>,
}

fn alert_page(
    page: &Value,
    site: Option<SiteRef>,
    filter: Option<String>,
    severity: Option<&str>,
    window: (Option<&str>, Option<&str>),
) -> AlertListOutput {
    let items = fields::list(page, "items");
    let (from, to) = (parse_time(window.0), parse_time(window.1));
    let mut alerts: Vec<Alert> = items
        .iter()
        .map(map_alert)
        .filter(|a| {
            severity.is_none_or(|s| {
                a.severity
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(s))
            })
        })
        .filter(|a| {
            if from.is_none() && to.is_none() {
                return true;
            }
            let Some(at) = parse_time(a.created_at.as_deref()) else {
                return false;
            };
            from.is_none_or(|f| at >= f) && to.is_none_or(|t| at <= t)
        })
        .collect();
    alerts.sort_by(|a, b| {
        let at = |x: &Alert| parse_time(x.created_at.as_deref()).unwrap_or(UNIX_EPOCH);
        severity_rank(b.severity.as_deref())
            .cmp(&severity_rank(a.severity.as_deref()))
            .then(at(b).cmp(&at(a)))
    });
    let mut by_severity = BTreeMap::new();
    for a in &alerts {
        *by_severity
            .entry(a.severity.clone().unwrap_or_else(|| "Unknown".into()))
            .or_default() += 1;
    }
    AlertListOutput {
        site,
        filter,
        total: fields::count(page, "total"),
        page_items: items.len(),
        returned: alerts.len(),
        next: fields::next_cursor(page),
        by_severity,
        alerts: alerts.into(),
    }
}

impl ToolOutput for AlertListOutput {
    fn summary(&self) -> String {
        let scope = self
            .site
            .as_ref()
            .map(|s| format!(" at site {}", s.site_name.as_deref().unwrap_or(&s.site_id)))
            .unwrap_or_default();
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let mut counts: Vec<(&String, &usize)> = self.by_severity.iter().collect();
        counts.sort_by_key(|(s, _)| std::cmp::Reverse(severity_rank(Some(s))));
        let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
        let mut out = format!("{} alert(s){scope} of {total}", self.returned);
        if !counts.is_empty() {
            out.push_str(&format!(": {}", counts.join(", ")));
        }
        out.push('.');
        let worst: Vec<String> = self
            .alerts
            .iter()
            .take(3)
            .map(|a| {
                format!(
                    "[{}] {}{}",
                    a.severity.as_deref().unwrap_or("?"),
                    a.summary.as_deref().or(a.name.as_deref()).unwrap_or("?"),
                    a.created_at
                        .as_deref()
                        .map(|t| format!(" ({t})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        if !worst.is_empty() {
            out.push_str(&format!(" Most severe: {}.", worst.join("; ")));
        }
        if self.returned < self.page_items {
            out.push_str(&format!(
                " {} alert(s) on this page were left out by the severity/time filters.",
                self.page_items - self.returned
            ));
        }
        if let Some(n) = &self.next {
            out.push_str(&format!(" More alerts: call again with next=\"{n}\"."));
        }
        out
    }
}

async fn alert_list(ctx: ToolContext, args: AlertListArgs) -> Result<AlertListOutput, ToolError> {
    let site = scope::optional_site(&ctx, "list_alerts", args.site_id, args.site_name).await?;
    let mut terms = Vec::new();
    match args.status.unwrap_or(AlertStatus::Active) {
        AlertStatus::All => {}
        s => terms.push(format!(
            "status eq {}",
            args::odata_quote(&format!("{s:?}"))
        )),
    }
    if let Some(s) = &site {
        terms.push(format!("siteId eq {}", args::odata_quote(&s.site_id)));
    }
    if let Some(c) = args.category {
        let name = match c {
            AlertCategory::Lan => "LAN".to_string(),
            AlertCategory::Wlan => "WLAN".to_string(),
            AlertCategory::Wan => "WAN".to_string(),
            other => format!("{other:?}"),
        };
        terms.push(format!("category eq {}", args::odata_quote(&name)));
    }
    if let Some(d) = args.device_type {
        terms.push(format!("deviceType eq {}", args::odata_quote(d.name())));
    }
    let filter = args::odata_and(terms)?;
    let page = ctx
        .call(
            ApiRequest::new(routes::ALERTS)
                .query_opt("filter", filter.clone())
                .query("sort", "severity DESC")
                .query("limit", args.limit.unwrap_or(50))
                .query_opt("next", args.next),
        )
        .await
        .map_err(ToolError::api("Listing alerts"))?
        .body;
    let severity = args.severity.map(|s| format!("{s:?}"));
    let mut output = alert_page(
        &page,
        site,
        filter,
        severity.as_deref(),
        (args.start_time.as_deref(), args.end_time.as_deref()),
    );
    output.alerts.select(args.fields);
    Ok(output)
}

/// The `list_alerts` tool.
pub fn list_alerts() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "list_alerts",
            title: "List alerts",
            description: "Alerts, most severe first (default Active).",
            toolset: Toolset::Monitoring,
        },
        alert_list,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_most_severe_first_and_filters_the_page() {
        let page = json!({"items":[
            {"id":"1","severity":"Minor","createdAt":"2026-07-01T10:00:00Z"},
            {"id":"2","severity":"Critical","createdAt":"2026-07-01T09:00:00Z"},
            {"id":"3","severity":"Critical","createdAt":"2026-07-01T11:00:00Z"}],
            "total":3,"next":"2"});
        let out = alert_page(&page, None, None, None, (None, None));
        let ids: Vec<&str> = out.alerts.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["3", "2", "1"]);
        assert_eq!(out.next.as_deref(), Some("2"));
        let out = alert_page(
            &page,
            None,
            None,
            Some("Critical"),
            (Some("2026-07-01T10:00:00Z"), None),
        );
        assert_eq!(out.returned, 1);
        assert!(out.summary().contains("left out"));
    }

    #[test]
    fn nulls_do_not_fail() {
        let page = json!({"items":[{"id":null,"severity":null,"createdAt":null,"name":null,
            "summary":null,"status":null}],"total":null,"next":null});
        let out = alert_page(&page, None, None, None, (None, None));
        assert_eq!(out.returned, 1);
        assert_eq!(out.by_severity["Unknown"], 1);
        assert!(out.summary().contains("1 alert(s)"));
        let out = alert_page(
            &page,
            None,
            None,
            None,
            (Some("2026-01-01T00:00:00Z"), None),
        );
        assert_eq!(out.returned, 0);
    }
}
