//! Site and tenant health beyond the overview: `list_sites` (id ↔ name), `get_site_details` over
//! `GET /network-monitoring/v1/site-health/{site-id}` and `get_tenant_device_health` over
//! `GET /network-monitoring/v1/tenant-device-health`.

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::fields;
use super::sites::{HealthGroups, resolve_site};
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// Sites per upstream page when `list_sites` searches by name (the endpoint's maximum).
const SEARCH_PAGE: u64 = 1000;

// === list_sites ===

/// Arguments of `list_sites`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSitesArgs {
    /// Only sites whose name contains this text (case-insensitive), e.g. "store".
    #[schemars(description = "Name contains (case-insensitive).")]
    pub search: Option<String>,
    /// Sites to return, 1-1000 (default 50).
    #[schemars(range(min = 1, max = 1000))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Sites to skip; pass the `next_offset` of the previous answer (default 0).
    #[schemars(range(min = 0))]
    #[schemars(description = "`next_offset` of the previous page.")]
    pub offset: Option<i64>,
}

impl Validate for ListSitesArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 1000)?;
        }
        if let Some(o) = self.offset {
            args::check_range("offset", o, 0, 1_000_000)?;
        }
        self.search = args::clean_text("search", self.search.take(), 128)?;
        Ok(())
    }
}

/// One site, compactly.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SiteEntry {
    /// Site id (pass as `site_id` to other tools).
    pub site_id: String,
    /// Site name.
    pub site_name: Option<String>,
    /// City and country, when Central has an address.
    pub location: Option<String>,
}

/// Result of `list_sites`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ListSitesOutput {
    /// Sites Central has in all.
    pub total: Option<u64>,
    /// The name search applied (client-side, case-insensitive substring).
    pub search: Option<String>,
    /// Sites Central returned and this tool looked at.
    pub scanned: usize,
    /// Sites in this answer.
    pub returned: usize,
    /// Pass as `offset` for the next page; `null` when nothing is left.
    pub next_offset: Option<u64>,
    /// The sites.
    pub sites: Vec<SiteEntry>,
}

fn map_site_entry(v: &Value) -> SiteEntry {
    let location = fields::object(v, "address")
        .map(|a| {
            [fields::text(a, "city"), fields::text(a, "country")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|l| !l.is_empty());
    SiteEntry {
        site_id: fields::text(v, "id").unwrap_or_default(),
        site_name: fields::text(v, "siteName").or_else(|| fields::text(v, "name")),
        location,
    }
}

impl ToolOutput for ListSitesOutput {
    fn summary(&self) -> String {
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let mut out = match &self.search {
            Some(s) => format!(
                "{} site(s) with {s:?} in the name (looked at {} of {total}).",
                self.returned, self.scanned
            ),
            None => format!("{} of {total} site(s).", self.returned),
        };
        let shown: Vec<String> = self
            .sites
            .iter()
            .take(20)
            .map(|s| {
                format!(
                    "{} = {}",
                    s.site_name.as_deref().unwrap_or("unnamed"),
                    s.site_id
                )
            })
            .collect();
        if !shown.is_empty() {
            out.push_str(&format!(" Name = site_id: {}", shown.join(", ")));
            if self.sites.len() > shown.len() {
                out.push_str(&format!(
                    " and {} more in the structured result",
                    self.sites.len() - shown.len()
                ));
            }
            out.push('.');
        }
        if let Some(n) = self.next_offset {
            out.push_str(&format!(" More sites: call again with offset={n}."));
        }
        out
    }
}

async fn list_sites_handler(
    ctx: ToolContext,
    args: ListSitesArgs,
) -> Result<ListSitesOutput, ToolError> {
    let limit = args.limit.unwrap_or(50) as u64;
    let offset = args.offset.unwrap_or(0) as u64;
    let page_size = if args.search.is_some() {
        SEARCH_PAGE
    } else {
        limit
    };
    let page = ctx
        .call(
            ApiRequest::new(routes::SITES_HEALTH)
                .query("limit", page_size)
                .query("offset", offset),
        )
        .await
        .map_err(ToolError::api("Listing sites"))?
        .body;
    let items = fields::list(&page, "items");
    let total = fields::count(&page, "total");
    let needle = args.search.as_ref().map(|s| s.to_lowercase());
    let mut sites = Vec::new();
    let mut consumed = 0usize;
    for item in items {
        if sites.len() as u64 >= limit {
            break;
        }
        consumed += 1;
        let entry = map_site_entry(item);
        let hit = needle.as_ref().is_none_or(|n| {
            entry
                .site_name
                .as_ref()
                .is_some_and(|name| name.to_lowercase().contains(n.as_str()))
        });
        if hit {
            sites.push(entry);
        }
    }
    let seen = offset + consumed as u64;
    let next_offset = match total {
        Some(t) => (seen < t).then_some(seen),
        None => (items.len() as u64 == page_size).then_some(seen),
    };
    Ok(ListSitesOutput {
        total,
        search: args.search,
        scanned: consumed,
        returned: sites.len(),
        next_offset,
        sites,
    })
}

/// The `list_sites` tool.
pub fn list_sites() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "list_sites",
            title: "Site names and ids",
            description: "Site names and ids, optionally searched by name.",
            toolset: Toolset::Monitoring,
        },
        list_sites_handler,
    )
}

// === get_site_details ===

/// Arguments of `get_site_details`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteDetailsArgs {
    /// Site id, e.g. 24833497 (from list_sites or get_sites_health). Give this or `site_name`;
    /// with neither, the error lists the sites and their ids.
    #[schemars(description = "")]
    pub site_id: Option<String>,
    /// Site name instead of the id (exact, case-insensitive).
    #[schemars(description = "")]
    pub site_name: Option<String>,
}

impl Validate for SiteDetailsArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.site_id = match self.site_id.take().filter(|s| !s.trim().is_empty()) {
            Some(id) => Some(args::site_id("site_id", &id)?),
            None => None,
        };
        self.site_name = args::clean_text("site_name", self.site_name.take(), 128)?;
        // Neither given is not a format error: `resolve_site` answers with the list of sites.
        Ok(())
    }
}

/// Health of one kind of device or client at a site.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HealthByKind {
    /// "Access Points", "Switches", "Gateways", "Wired", "Wireless", …
    pub name: String,
    /// Devices (or clients) in all (Good + Fair + Poor).
    pub total: u64,
    /// Good/Fair/Poor counts.
    pub health: HealthGroups,
    /// 0-100 score (Good 100, Fair 50, Poor 0); `None` without data.
    pub health_score: Option<f64>,
}

fn map_kinds(v: &Value, key: &str) -> Vec<HealthByKind> {
    fields::list(v, key)
        .iter()
        .map(|k| {
            let health = HealthGroups::read(fields::object(k, "health"));
            HealthByKind {
                name: fields::text(k, "name").unwrap_or_else(|| "unknown".into()),
                total: health.good + health.fair + health.poor,
                health_score: health.score(),
                health,
            }
        })
        .collect()
}

fn map_reasons(v: &Value) -> Vec<String> {
    fields::list(v, "reasons")
        .iter()
        .filter_map(|r| {
            let reason = fields::text(r, "reason")?;
            let health = fields::text(r, "health").unwrap_or_else(|| "?".into());
            let count = fields::object(r, "data")
                .and_then(|d| fields::count(d, "count"))
                .map_or_else(|| "?".to_string(), |c| c.to_string());
            Some(format!("{reason} ({health}, {count})"))
        })
        .collect()
}

/// Result of `get_site_details`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SiteDetailsOutput {
    /// Site id.
    pub site_id: String,
    /// Site name (from the sites-health listing; the detail endpoint has none).
    pub site_name: Option<String>,
    /// City and country.
    pub location: Option<String>,
    /// Overall 0-100 health score from Central's Good/Fair/Poor groups.
    pub health_score: Option<f64>,
    /// Central's overall health groups.
    pub health: HealthGroups,
    /// Devices at the site (sum over device types).
    pub device_total: u64,
    /// Devices in Poor health.
    pub devices_poor: u64,
    /// Health per device type.
    pub device_types: Vec<HealthByKind>,
    /// Clients at the site (sum over client types).
    pub client_total: u64,
    /// Health per client type (Wired, Wireless).
    pub client_types: Vec<HealthByKind>,
    /// Open alerts (from the sites-health listing).
    pub alert_count: Option<u64>,
    /// Of which critical.
    pub critical_alerts: Option<u64>,
    /// Why health is degraded, e.g. "CLIENT_HEALTH_POOR (Poor, 5)".
    pub reasons: Vec<String>,
}

fn map_site_details(detail: &Value, listing: Option<&Value>, site_id: &str) -> SiteDetailsOutput {
    let health = HealthGroups::read(fields::object(detail, "health"));
    let device_types = map_kinds(detail, "deviceTypes");
    let client_types = map_kinds(detail, "clientTypes");
    let alerts = listing.and_then(|l| fields::object(l, "alerts"));
    SiteDetailsOutput {
        site_id: fields::text(detail, "id").unwrap_or_else(|| site_id.to_string()),
        site_name: listing.and_then(|l| fields::text(l, "siteName")),
        location: listing.map(map_site_entry).and_then(|e| e.location),
        health_score: health.score(),
        health,
        device_total: device_types.iter().map(|k| k.total).sum(),
        devices_poor: device_types.iter().map(|k| k.health.poor).sum(),
        device_types,
        client_total: client_types.iter().map(|k| k.total).sum(),
        client_types,
        alert_count: alerts.and_then(|a| fields::count(a, "totalCount")),
        critical_alerts: alerts.map(|a| {
            fields::list(a, "groups")
                .iter()
                .filter(|g| {
                    fields::text(g, "name").is_some_and(|n| n.eq_ignore_ascii_case("critical"))
                })
                .filter_map(|g| fields::count(g, "count"))
                .sum()
        }),
        reasons: map_reasons(detail),
    }
}

fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "no data".to_string(), |s| format!("{s}/100"))
}

impl ToolOutput for SiteDetailsOutput {
    fn summary(&self) -> String {
        let mut out = format!(
            "Site {} (id {}): health {}.",
            self.site_name.as_deref().unwrap_or("(name unknown)"),
            self.site_id,
            score_text(self.health_score)
        );
        let kinds = |l: &[HealthByKind]| {
            l.iter()
                .map(|k| {
                    format!(
                        "{} {} ({} poor, {} fair)",
                        k.total, k.name, k.health.poor, k.health.fair
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            " Devices: {} — {}.",
            self.device_total,
            kinds(&self.device_types)
        ));
        out.push_str(&format!(
            " Clients: {} — {}.",
            self.client_total,
            kinds(&self.client_types)
        ));
        match (self.alert_count, self.critical_alerts) {
            (Some(a), Some(c)) => out.push_str(&format!(" {a} open alert(s), {c} critical.")),
            (Some(a), None) => out.push_str(&format!(" {a} open alert(s).")),
            _ => out.push_str(" Alert counts unknown."),
        }
        if self.reasons.is_empty() {
            out.push_str(" Central gives no degradation reasons.");
        } else {
            out.push_str(&format!(" Reasons: {}.", self.reasons.join("; ")));
        }
        out
    }
}

async fn site_details(
    ctx: ToolContext,
    args: SiteDetailsArgs,
) -> Result<SiteDetailsOutput, ToolError> {
    let site = resolve_site(&ctx, "get_site_details", args.site_id, args.site_name).await?;
    let id = site.site_id.clone();
    let detail = ctx
        .call_object(
            ApiRequest::new(routes::SITE_HEALTH).path(id.clone()),
            ToolError::not_found(
                format!("Reading site {id}"),
                format!("No site with id {id} in Central; list_sites lists the site ids"),
            ),
        )
        .await?;
    let listing = ctx
        .call(
            ApiRequest::new(routes::SITES_HEALTH)
                .query("limit", 1)
                .query("filter", format!("siteId eq {}", args::odata_quote(&id))),
        )
        .await
        .map_err(ToolError::api(format!(
            "Reading the name and alerts of site {id}"
        )))?
        .body;
    let item = fields::list(&listing, "items").first();
    let mut out = map_site_details(&detail, item, &id);
    if out.site_name.is_none() {
        out.site_name = site.site_name;
    }
    Ok(out)
}

/// The `get_site_details` tool.
pub fn get_site_details() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_site_details",
            title: "Site health details",
            description: "One site's health: score, Good/Fair/Poor per device and client type, alerts, degradation reasons.",
            toolset: Toolset::Monitoring,
        },
        site_details,
    )
}

// === get_tenant_device_health ===

/// Arguments of `get_tenant_device_health` (none).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantHealthArgs {}

impl Validate for TenantHealthArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        Ok(())
    }
}

/// Result of `get_tenant_device_health`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TenantHealthOutput {
    /// Devices in the whole tenant (sum of the Good/Fair/Poor counts).
    pub device_total: u64,
    /// Good/Fair/Poor device counts over all types.
    pub health: HealthGroups,
    /// 0-100 score over all devices (Good 100, Fair 50, Poor 0); a score, not a device count.
    pub health_score: Option<f64>,
    /// Devices in Good health, percent of all devices.
    pub good_percent: Option<f64>,
    /// Health per device type.
    pub device_types: Vec<HealthByKind>,
}

fn map_tenant(v: &Value) -> TenantHealthOutput {
    let device_types = map_kinds(v, "deviceTypes");
    let health = device_types
        .iter()
        .fold(HealthGroups::default(), |mut h, k| {
            h.good += k.health.good;
            h.fair += k.health.fair;
            h.poor += k.health.poor;
            h
        });
    let total = health.good + health.fair + health.poor;
    TenantHealthOutput {
        device_total: total,
        health_score: health.score(),
        good_percent: (total > 0)
            .then(|| (health.good as f64 / total as f64 * 1000.0).round() / 10.0),
        health,
        device_types,
    }
}

impl ToolOutput for TenantHealthOutput {
    fn summary(&self) -> String {
        let mut out = format!(
            "Tenant: {} device(s), health score {}; {} good, {} fair, {} poor (device counts).",
            self.device_total,
            score_text(self.health_score),
            self.health.good,
            self.health.fair,
            self.health.poor
        );
        let per: Vec<String> = self
            .device_types
            .iter()
            .map(|k| {
                format!(
                    "{}: {} ({} poor, {} fair)",
                    k.name, k.total, k.health.poor, k.health.fair
                )
            })
            .collect();
        if !per.is_empty() {
            out.push_str(&format!(" By type — {}.", per.join("; ")));
        }
        if self.health.poor > 0 {
            out.push_str(
                " Poor devices are usually offline or overloaded: get_device_list with \
                 status OFFLINE names them.",
            );
        }
        out
    }
}

async fn tenant_health(
    ctx: ToolContext,
    _args: TenantHealthArgs,
) -> Result<TenantHealthOutput, ToolError> {
    let body = ctx
        .call_object(
            ApiRequest::new(routes::TENANT_DEVICE_HEALTH),
            ToolError::api("Reading tenant device health"),
        )
        .await?;
    Ok(map_tenant(&body))
}

/// The `get_tenant_device_health` tool.
pub fn get_tenant_device_health() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_tenant_device_health",
            title: "Organisation-wide device health",
            description: "Good/Fair/Poor device counts per type for the whole tenant, and a 0-100 score.",
            toolset: Toolset::Monitoring,
        },
        tenant_health,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn site_details_tolerate_nulls() {
        let out = map_site_details(
            &json!({"id": null, "health": null, "deviceTypes": [{"name": null, "health": null}],
                    "clientTypes": null, "reasons": [{"reason": null}, {"reason": "X", "data": null}]}),
            Some(&json!({"siteName": null, "alerts": null, "address": null})),
            "42",
        );
        assert_eq!(out.site_id, "42");
        assert_eq!(out.site_name, None);
        assert_eq!(out.health_score, None);
        assert_eq!(out.device_types[0].name, "unknown");
        assert_eq!(out.device_total, 0);
        assert!(out.client_types.is_empty());
        assert_eq!(out.alert_count, None);
        assert_eq!(out.reasons, ["X (?, ?)"]);
        assert!(out.summary().contains("Alert counts unknown"));
    }

    #[test]
    fn site_details_read_the_documented_shape() {
        let out = map_site_details(
            &json!({"id": "7", "health": {"groups": [{"name": "Good", "value": 80}, {"name": "Poor", "value": 20}]},
                    "deviceTypes": [{"name": "Switches", "health": {"groups": [{"name": "Good", "value": 4}, {"name": "Poor", "value": 1}]}}],
                    "clientTypes": [{"name": "Wired", "health": {"groups": [{"name": "Fair", "value": 3}]}}],
                    "reasons": [{"health": "Poor", "reason": "DEVICE_HEALTH_POOR", "data": {"count": 1}}]}),
            Some(
                &json!({"siteName": "HQ", "alerts": {"totalCount": 4, "groups": [{"name": "Critical", "count": 2}]}}),
            ),
            "7",
        );
        assert_eq!(out.health_score, Some(80.0));
        assert_eq!(
            (out.device_total, out.devices_poor, out.client_total),
            (5, 1, 3)
        );
        assert_eq!((out.alert_count, out.critical_alerts), (Some(4), Some(2)));
        assert_eq!(out.reasons, ["DEVICE_HEALTH_POOR (Poor, 1)"]);
    }

    #[test]
    fn tenant_health_tolerates_nulls() {
        let out = map_tenant(&json!({"deviceTypes": null}));
        assert_eq!(out.device_total, 0);
        assert_eq!(out.health_score, None);
        assert_eq!(out.good_percent, None);
        let out = map_tenant(
            &json!({"deviceTypes": [{"name": "Gateways", "health": {"groups": [{"name": "Good", "value": null}, {"name": "Poor", "value": 1}]}}]}),
        );
        assert_eq!(out.device_total, 1);
        assert_eq!(out.health.poor, 1);
        assert!(out.summary().contains("1 poor"));
    }

    #[test]
    fn site_entries_tolerate_nulls() {
        let e = map_site_entry(&json!({"id": null, "siteName": null, "address": {"city": null}}));
        assert_eq!(e.site_id, "");
        assert_eq!(e.site_name, None);
        assert_eq!(e.location, None);
    }
}
