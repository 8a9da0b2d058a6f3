//! Sites: `get_sites_health`, and site resolution (id or name → id) for tools that need a site.
//!
//! Site resolution never guesses: when a tool needs a site and none was given, or the name matches
//! no site, the error lists up to 20 sites with their ids so the model can ask or choose.

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// Arguments of `get_sites_health`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SitesHealthArgs {
    /// Sites per page, 1-100 (default 100).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 100))]
    pub limit: Option<i64>,
    /// Sites to skip, for the next page use the `next_offset` of the previous answer (default 0).
    #[schemars(range(min = 0))]
    #[schemars(description = "`next_offset` of the previous page.")]
    pub offset: Option<i64>,
}

impl Validate for SitesHealthArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 100)?;
        }
        if let Some(o) = self.offset {
            args::check_range("offset", o, 0, 1_000_000)?;
        }
        Ok(())
    }
}

/// Good/Fair/Poor values of a Central health breakdown.
#[derive(Debug, Clone, Default, Serialize, JsonSchema, PartialEq)]
pub struct HealthGroups {
    /// Value of the "Good" group.
    pub good: u64,
    /// Value of the "Fair" group.
    pub fair: u64,
    /// Value of the "Poor" group.
    pub poor: u64,
}

impl HealthGroups {
    /// Reads `{"groups":[{"name":"Good","value":80},…]}` (missing groups are 0).
    pub fn read(health: Option<&Value>) -> HealthGroups {
        let mut out = HealthGroups::default();
        if let Some(h) = health {
            for g in fields::list(h, "groups") {
                let value = fields::count(g, "value").unwrap_or(0);
                match fields::text(g, "name")
                    .map(|n| n.to_ascii_lowercase())
                    .as_deref()
                {
                    Some("good") => out.good = value,
                    Some("fair") => out.fair = value,
                    Some("poor") => out.poor = value,
                    _ => {}
                }
            }
        }
        out
    }

    /// 0-100: Good counts fully, Fair half, Poor nothing; `None` without data.
    pub fn score(&self) -> Option<f64> {
        let sum = self.good + self.fair + self.poor;
        (sum > 0).then(|| {
            let s = (self.good as f64 + 0.5 * self.fair as f64) / sum as f64 * 100.0;
            (s * 10.0).round() / 10.0
        })
    }
}

/// One site's health.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SiteHealth {
    /// Site id (use it as `site_id` in other tools).
    pub site_id: String,
    /// Site name.
    pub site_name: Option<String>,
    /// City and country, when Central has an address.
    pub location: Option<String>,
    /// Overall health score 0-100 (Good = 100, Fair = 50, Poor = 0, weighted by Central's groups).
    pub health_score: Option<f64>,
    /// Central's overall health groups.
    pub health: HealthGroups,
    /// Devices at the site.
    pub device_count: Option<u64>,
    /// Device health groups.
    pub device_health: HealthGroups,
    /// Clients at the site.
    pub client_count: Option<u64>,
    /// Client health groups.
    pub client_health: HealthGroups,
    /// Open alerts at the site.
    pub alert_count: Option<u64>,
    /// Of which critical.
    pub critical_alerts: u64,
    /// Why health is degraded, e.g. "CLIENT_HEALTH_POOR (Poor, 5)".
    pub reasons: Vec<String>,
}

/// Sums over the sites returned.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct SiteTotals {
    /// Devices at the returned sites.
    pub devices: u64,
    /// Clients at the returned sites.
    pub clients: u64,
    /// Alerts at the returned sites.
    pub alerts: u64,
    /// Critical alerts at the returned sites.
    pub critical_alerts: u64,
}

/// Result of `get_sites_health`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SitesHealthOutput {
    /// Sites Central has in all (`None` when it did not say).
    pub total: Option<u64>,
    /// Sites in this answer.
    pub returned: usize,
    /// Offset of this page.
    pub offset: u64,
    /// Pass as `offset` for the next page; `null` when this is the last page.
    pub next_offset: Option<u64>,
    /// Sums over the returned sites.
    pub totals: SiteTotals,
    /// The sites, in Central's order (by name).
    pub sites: Vec<SiteHealth>,
}

fn map_site(v: &Value) -> SiteHealth {
    let address = fields::object(v, "address");
    let location = address.map(|a| {
        [fields::text(a, "city"), fields::text(a, "country")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    });
    let devices = fields::object(v, "devices");
    let clients = fields::object(v, "clients");
    let alerts = fields::object(v, "alerts");
    let critical_alerts = alerts
        .map(|a| {
            fields::list(a, "groups")
                .iter()
                .filter(|g| {
                    fields::text(g, "name").is_some_and(|n| n.eq_ignore_ascii_case("critical"))
                })
                .filter_map(|g| fields::count(g, "count"))
                .sum()
        })
        .unwrap_or(0);
    let health = HealthGroups::read(fields::object(v, "health"));
    SiteHealth {
        site_id: fields::text(v, "id").unwrap_or_default(),
        site_name: fields::text(v, "siteName").or_else(|| fields::text(v, "name")),
        location: location.filter(|l| !l.is_empty()),
        health_score: health.score(),
        health,
        device_count: devices.and_then(|d| fields::count(d, "count")),
        device_health: HealthGroups::read(devices.and_then(|d| fields::object(d, "health"))),
        client_count: clients.and_then(|c| fields::count(c, "count")),
        client_health: HealthGroups::read(clients.and_then(|c| fields::object(c, "health"))),
        alert_count: alerts.and_then(|a| fields::count(a, "totalCount")),
        critical_alerts,
        reasons: fields::list(v, "reasons")
            .iter()
            .filter_map(|r| {
                let reason = fields::text(r, "reason")?;
                let health = fields::text(r, "health");
                let count = fields::object(r, "data").and_then(|d| fields::count(d, "count"));
                Some(match (health, count) {
                    (Some(h), Some(c)) => format!("{reason} ({h}, {c})"),
                    (Some(h), None) => format!("{reason} ({h})"),
                    (None, Some(c)) => format!("{reason} ({c})"),
                    (None, None) => reason,
                })
            })
            .collect(),
    }
}

impl ToolOutput for SitesHealthOutput {
    fn summary(&self) -> String {
        let total = self
            .total
            .map_or_else(|| "?".to_string(), |t| t.to_string());
        let mut out = format!(
            "{} site(s) returned (offset {}, {} in all).",
            self.returned, self.offset, total
        );
        let mut scored: Vec<&SiteHealth> = self
            .sites
            .iter()
            .filter(|s| s.health_score.is_some())
            .collect();
        scored.sort_by(|a, b| {
            a.health_score
                .partial_cmp(&b.health_score)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let poor = scored
            .iter()
            .filter(|s| s.health_score.is_some_and(|x| x < 50.0))
            .count();
        let fair = scored
            .iter()
            .filter(|s| s.health_score.is_some_and(|x| (50.0..80.0).contains(&x)))
            .count();
        out.push_str(&format!(
            " By health score: {poor} poor (<50), {fair} fair (50-80), {} good (>=80), {} without data.",
            scored.len() - poor - fair,
            self.sites.len() - scored.len()
        ));
        let worst: Vec<String> = scored
            .iter()
            .take(3)
            .filter(|s| s.health_score.is_some_and(|x| x < 80.0) || s.critical_alerts > 0)
            .map(|s| {
                format!(
                    "{} (id {}, score {}, {} critical alert(s))",
                    s.site_name.as_deref().unwrap_or("unnamed"),
                    s.site_id,
                    s.health_score.map_or("?".into(), |x| x.to_string()),
                    s.critical_alerts
                )
            })
            .collect();
        if !worst.is_empty() {
            out.push_str(&format!(" Needs attention: {}.", worst.join("; ")));
        }
        out.push_str(&format!(
            " Totals over these sites: {} devices, {} clients, {} alerts ({} critical).",
            self.totals.devices,
            self.totals.clients,
            self.totals.alerts,
            self.totals.critical_alerts
        ));
        if let Some(next) = self.next_offset {
            out.push_str(&format!(" More sites: call again with offset={next}."));
        }
        out
    }
}

async fn sites_health(
    ctx: ToolContext,
    args: SitesHealthArgs,
) -> Result<SitesHealthOutput, ToolError> {
    let limit = args.limit.unwrap_or(100) as u64;
    let offset = args.offset.unwrap_or(0) as u64;
    let page = ctx
        .call(
            ApiRequest::new(routes::SITES_HEALTH)
                .query("limit", limit)
                .query("offset", offset),
        )
        .await
        .map_err(ToolError::api("Reading site health"))?
        .body;
    let sites: Vec<SiteHealth> = fields::list(&page, "items").iter().map(map_site).collect();
    let total = fields::count(&page, "total");
    let returned = sites.len();
    let seen = offset + returned as u64;
    let next_offset = match total {
        Some(t) => (seen < t).then_some(seen),
        None => (returned as u64 == limit).then_some(seen),
    };
    let totals = sites.iter().fold(SiteTotals::default(), |mut t, s| {
        t.devices += s.device_count.unwrap_or(0);
        t.clients += s.client_count.unwrap_or(0);
        t.alerts += s.alert_count.unwrap_or(0);
        t.critical_alerts += s.critical_alerts;
        t
    });
    Ok(SitesHealthOutput {
        total,
        returned,
        offset,
        next_offset,
        totals,
        sites,
    })
}

/// The `get_sites_health` tool.
pub fn get_sites_health() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_sites_health",
            title: "Site health overview",
            description: "Every site's 0-100 health score, device and client counts, open alerts and degradation reasons. Start here; it gives site ids.",
            toolset: Toolset::Monitoring,
        },
        sites_health,
    )
}

/// A site chosen by id or name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SiteRef {
    /// Site id.
    pub site_id: String,
    /// Site name, when known.
    pub site_name: Option<String>,
}

/// Sites to list in a "which site?" error.
const SITES_IN_ERROR: u64 = 20;

/// Resolves `site_id` / `site_name` to a site. Neither given, or an unknown name, is an error that
/// lists sites with their ids; `tool` names the caller in that message.
pub async fn resolve_site(
    ctx: &ToolContext,
    tool: &str,
    site_id: Option<String>,
    site_name: Option<String>,
) -> Result<SiteRef, ToolError> {
    if let Some(id) = site_id {
        return Ok(SiteRef {
            site_id: args::site_id("site_id", &id)?,
            site_name,
        });
    }
    let Some(name) = site_name else {
        let listing = list_sites_for_error(ctx).await?;
        return Err(ToolError::SiteRequired(format!(
            "{tool} needs a site: pass site_id or site_name. {listing}"
        )));
    };
    // Exact match through Central's filter first, then a case-insensitive look at the list.
    let filter = format!("siteName eq {}", args::odata_quote(&name));
    let page = ctx
        .call(
            ApiRequest::new(routes::SITES_HEALTH)
                .query("limit", 1)
                .query("filter", filter),
        )
        .await
        .map_err(ToolError::api(format!("Looking up site {name:?}")))?
        .body;
    if let Some(site) = fields::list(&page, "items").first() {
        return Ok(SiteRef {
            site_id: fields::text(site, "id").unwrap_or_default(),
            site_name: fields::text(site, "siteName").or(Some(name)),
        });
    }
    let all = ctx
        .call(
            ApiRequest::new(routes::SITES_HEALTH)
                .query("limit", 1000)
                .query("offset", 0),
        )
        .await
        .map_err(ToolError::api("Listing sites"))?
        .body;
    let items = fields::list(&all, "items");
    if let Some(site) = items
        .iter()
        .find(|s| fields::text(s, "siteName").is_some_and(|n| n.eq_ignore_ascii_case(name.trim())))
    {
        return Ok(SiteRef {
            site_id: fields::text(site, "id").unwrap_or_default(),
            site_name: fields::text(site, "siteName"),
        });
    }
    Err(ToolError::SiteRequired(format!(
        "No site is named {name:?}. {}",
        describe_sites(items, fields::count(&all, "total"))
    )))
}

async fn list_sites_for_error(ctx: &ToolContext) -> Result<String, ToolError> {
    let page = ctx
        .call(
            ApiRequest::new(routes::SITES_HEALTH)
                .query("limit", SITES_IN_ERROR)
                .query("offset", 0),
        )
        .await
        .map_err(ToolError::api("Listing sites"))?
        .body;
    Ok(describe_sites(
        fields::list(&page, "items"),
        fields::count(&page, "total"),
    ))
}

fn describe_sites(items: &[Value], total: Option<u64>) -> String {
    if items.is_empty() {
        return "Central returned no sites.".to_string();
    }
    let shown: Vec<String> = items
        .iter()
        .take(SITES_IN_ERROR as usize)
        .map(|s| {
            format!(
                "{} (site_id {})",
                fields::text(s, "siteName").unwrap_or_else(|| "unnamed".into()),
                fields::text(s, "id").unwrap_or_else(|| "?".into())
            )
        })
        .collect();
    let total = total.unwrap_or(items.len() as u64);
    format!("Sites ({} of {total}): {}.", shown.len(), shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_the_documented_site_shape() {
        let v = json!({"id":"24833497","type":"network-monitoring/sites-health","siteName":"HQ",
            "address":{"city":"Bangalore","country":"India"},
            "health":{"groups":[{"name":"Good","value":80},{"name":"Fair","value":15},{"name":"Poor","value":5}]},
            "devices":{"count":125,"health":{"groups":[{"name":"Good","value":120},{"name":"Poor","value":5}]}},
            "clients":{"count":850,"health":{"groups":[{"name":"Good","value":800}]}},
            "alerts":{"totalCount":15,"groups":[{"name":"Critical","count":3}]},
            "reasons":[{"health":"Poor","reason":"CLIENT_HEALTH_POOR","data":{"count":5}}]});
        let s = map_site(&v);
        assert_eq!(s.site_id, "24833497");
        assert_eq!(s.site_name.as_deref(), Some("HQ"));
        assert_eq!(s.location.as_deref(), Some("Bangalore, India"));
        assert_eq!(
            s.health,
            HealthGroups {
                good: 80,
                fair: 15,
                poor: 5
            }
        );
        assert_eq!(s.health_score, Some(87.5));
        assert_eq!(s.device_count, Some(125));
        assert_eq!(s.device_health.poor, 5);
        assert_eq!(s.client_count, Some(850));
        assert_eq!(s.alert_count, Some(15));
        assert_eq!(s.critical_alerts, 3);
        assert_eq!(s.reasons, ["CLIENT_HEALTH_POOR (Poor, 5)"]);
    }

    #[test]
    fn null_fields_become_unknown() {
        let s = map_site(
            &json!({"id": "1", "siteName": null, "health": null, "devices": {"count": null}, "alerts": 3}),
        );
        assert_eq!(s.site_name, None);
        assert_eq!(s.health_score, None);
        assert_eq!(s.device_count, None);
        assert_eq!(s.alert_count, None);
        assert!(s.reasons.is_empty());
    }
}
