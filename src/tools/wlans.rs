//! WLANs: `list_wlans` over `GET /network-monitoring/v1/wlans` and `get_wlan_details` over
//! `GET /network-monitoring/v1/wlans/{wlan-name}`.

use std::collections::BTreeMap;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::fields;
use super::scope;
use super::sites::SiteRef;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiError, ApiRequest, routes};

/// Arguments of `list_wlans`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WlanListArgs {
    /// Site id (from get_sites_health): only WLANs broadcast at this site. Omit for the tenant.
    #[schemars(description = "")]
    pub site_id: Option<String>,
    /// Site name, instead of site_id.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// Only WLANs broadcast by this AP (serial number).
    #[schemars(description = "Only WLANs of this AP.")]
    pub serial_number: Option<String>,
    /// WLANs per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Cursor: the `next` value of the previous page.
    #[schemars(description = "")]
    pub next: Option<String>,
}

impl Validate for WlanListArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 100)?;
        }
        self.next = args::cursor("next", self.next.take())?;
        scope::clean_site(&mut self.site_id, &mut self.site_name)?;
        if let Some(s) = self.serial_number.take() {
            self.serial_number = Some(args::serial("serial_number", &s)?);
        }
        Ok(())
    }
}

/// One WLAN.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Wlan {
    /// WLAN (SSID profile) name.
    pub wlan_name: String,
    /// Enterprise, Personal, Open or Captive Portal.
    pub security_level: Option<String>,
    /// Security, e.g. WPA3, Enhanced Open.
    pub security: Option<String>,
    /// Bands, e.g. "2.4 GHz, 5 GHz".
    pub band: Option<String>,
    /// ENABLED or DISABLED.
    pub status: Option<String>,
    /// VLAN.
    pub vlan: Option<String>,
}

fn map_wlan(v: &Value) -> Wlan {
    Wlan {
        wlan_name: fields::text(v, "wlanName")
            .or_else(|| fields::text(v, "id").map(|id| id.trim_start_matches("wlans/").to_string()))
            .unwrap_or_default(),
        security_level: fields::text(v, "securityLevel"),
        security: fields::text(v, "security"),
        band: fields::text(v, "band"),
        status: fields::status_upper(v, "status"),
        vlan: fields::text(v, "vlan"),
    }
}

fn is_open(w: &Wlan) -> bool {
    w.security_level
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("open"))
}

/// Result of `list_wlans`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WlanListOutput {
    /// The site queried, or `null` for the tenant.
    pub site: Option<SiteRef>,
    /// WLANs matching in all.
    pub total: Option<u64>,
    /// WLANs on this page.
    pub returned: usize,
    /// Pass as `next` for the following page; `null` on the last page.
    pub next: Option<String>,
    /// WLANs per security level on this page.
    pub by_security_level: BTreeMap<String, usize>,
    /// Enabled WLANs on this page.
    pub enabled: usize,
    /// The WLANs.
    pub wlans: Vec<Wlan>,
    /// Problems worth a look (open networks).
    pub warnings: Vec<String>,
}

impl ToolOutput for WlanListOutput {
    fn summary(&self) -> String {
        let scope = self
            .site
            .as_ref()
            .map(|s| format!(" at site {}", s.site_name.as_deref().unwrap_or(&s.site_id)))
            .unwrap_or_default();
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let mut out = format!(
            "{} of {total} WLAN(s){scope}, {} enabled",
            self.returned, self.enabled
        );
        let sec: Vec<String> = self
            .by_security_level
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        if !sec.is_empty() {
            out.push_str(&format!(" ({})", sec.join(", ")));
        }
        out.push('.');
        let names: Vec<&str> = self.wlans.iter().map(|w| w.wlan_name.as_str()).collect();
        if !names.is_empty() {
            out.push_str(&format!(" WLANs: {}.", names.join(", ")));
        }
        if !self.warnings.is_empty() {
            out.push_str(&format!(" Warnings: {}.", self.warnings.join("; ")));
        }
        if let Some(n) = &self.next {
            out.push_str(&format!(" More WLANs: call again with next=\"{n}\"."));
        }
        out
    }
}

async fn wlan_list(ctx: ToolContext, args: WlanListArgs) -> Result<WlanListOutput, ToolError> {
    let site = scope::optional_site(&ctx, "list_wlans", args.site_id, args.site_name).await?;
    let page = ctx
        .call(
            ApiRequest::new(routes::WLANS)
                .query_opt("site-id", site.as_ref().map(|s| s.site_id.clone()))
                .query_opt("serial-number", args.serial_number)
                .query("limit", args.limit.unwrap_or(50))
                .query_opt("next", args.next),
        )
        .await
        .map_err(ToolError::api("Listing WLANs"))?
        .body;
    Ok(wlan_page(&page, site))
}

fn wlan_page(page: &Value, site: Option<SiteRef>) -> WlanListOutput {
    let wlans: Vec<Wlan> = fields::list(page, "items").iter().map(map_wlan).collect();
    let mut by_security_level = BTreeMap::new();
    for w in &wlans {
        *by_security_level
            .entry(w.security_level.clone().unwrap_or_else(|| "Unknown".into()))
            .or_default() += 1;
    }
    let warnings = wlans
        .iter()
        .filter(|w| is_open(w) && w.status.as_deref() != Some("DISABLED"))
        .map(|w| format!("{} is an open network (no encryption)", w.wlan_name))
        .collect();
    WlanListOutput {
        site,
        total: fields::count(page, "total"),
        returned: wlans.len(),
        next: fields::next_cursor(page),
        enabled: wlans
            .iter()
            .filter(|w| w.status.as_deref() == Some("ENABLED"))
            .count(),
        by_security_level,
        wlans,
        warnings,
    }
}

/// The `list_wlans` tool.
pub fn list_wlans() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "list_wlans",
            title: "List WLANs",
            description: "WLANs of the tenant, a site or an AP: security, bands, status, VLAN; open networks flagged.",
            toolset: Toolset::Monitoring,
        },
        wlan_list,
    )
}

// === get_wlan_details ===

/// Arguments of `get_wlan_details`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WlanDetailsArgs {
    /// The WLAN name exactly as list_wlans shows it (case-sensitive, 1-64 characters).
    #[schemars(length(min = 1, max = 64))]
    #[schemars(description = "Exact, as list_wlans shows it.")]
    pub wlan_name: String,
    /// Count clients at this site only (site id).
    #[schemars(description = "")]
    pub site_id: Option<String>,
    /// Site name, instead of site_id.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// Count clients of this AP only (serial number).
    #[schemars(description = "Count clients of this AP only.")]
    pub serial_number: Option<String>,
}

impl Validate for WlanDetailsArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.wlan_name = args::clean_text("wlan_name", Some(self.wlan_name.clone()), 64)?
            .ok_or_else(|| {
                ToolError::InvalidArgument(
                    "argument `wlan_name`: empty; pass a WLAN name from list_wlans".into(),
                )
            })?;
        scope::clean_site(&mut self.site_id, &mut self.site_name)?;
        if let Some(s) = self.serial_number.take() {
            self.serial_number = Some(args::serial("serial_number", &s)?);
        }
        Ok(())
    }
}

/// Result of `get_wlan_details`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WlanDetailsOutput {
    /// The WLAN.
    #[serde(flatten)]
    pub wlan: Wlan,
    /// Connected clients in scope.
    pub client_count: Option<u64>,
    /// The site the count is for, `null` for the tenant.
    pub site: Option<SiteRef>,
    /// Problems worth a look.
    pub warnings: Vec<String>,
}

fn map_wlan_details(v: &Value, name: &str, site: Option<SiteRef>) -> WlanDetailsOutput {
    let mut wlan = map_wlan(v);
    if wlan.wlan_name.is_empty() {
        wlan.wlan_name = name.to_string();
    }
    let mut warnings = Vec::new();
    if is_open(&wlan) {
        warnings.push("open network: no encryption; consider Enhanced Open or WPA3".to_string());
    }
    if wlan.status.as_deref() == Some("DISABLED") {
        warnings.push("WLAN is disabled".to_string());
    }
    WlanDetailsOutput {
        client_count: fields::count(v, "clientCount"),
        wlan,
        site,
        warnings,
    }
}

impl ToolOutput for WlanDetailsOutput {
    fn summary(&self) -> String {
        let w = &self.wlan;
        let mut out = format!(
            "WLAN {} is {}: {} ({}), bands {}, VLAN {}, {} connected client(s){}.",
            w.wlan_name,
            w.status.as_deref().unwrap_or("in an unknown state"),
            w.security_level.as_deref().unwrap_or("?"),
            w.security.as_deref().unwrap_or("?"),
            w.band.as_deref().unwrap_or("?"),
            w.vlan.as_deref().unwrap_or("?"),
            self.client_count.map_or("?".to_string(), |c| c.to_string()),
            self.site
                .as_ref()
                .map(|s| format!(" at site {}", s.site_name.as_deref().unwrap_or(&s.site_id)))
                .unwrap_or_default()
        );
        if !self.warnings.is_empty() {
            out.push_str(&format!(" Warnings: {}.", self.warnings.join("; ")));
        }
        out
    }
}

async fn wlan_details(
    ctx: ToolContext,
    args: WlanDetailsArgs,
) -> Result<WlanDetailsOutput, ToolError> {
    let site = scope::optional_site(&ctx, "get_wlan_details", args.site_id, args.site_name).await?;
    let name = args.wlan_name;
    let body = ctx
        .call(
            ApiRequest::new(routes::WLAN_DETAILS)
                .path(name.clone())
                .query_opt("site-id", site.as_ref().map(|s| s.site_id.clone()))
                .query_opt("serial-number", args.serial_number),
        )
        .await
        .map_err(|e| match e {
            ApiError::Http { status: 404, .. } => ToolError::Explained {
                message: format!(
                    "No WLAN named {name:?} in Central (names are case-sensitive). list_wlans \
                     shows the names"
                ),
                source: Box::new(e),
            },
            other => ToolError::api(format!("Reading WLAN {name:?}"))(other),
        })?
        .body;
    Ok(map_wlan_details(&body, &name, site))
}

/// The `get_wlan_details` tool.
pub fn get_wlan_details() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_wlan_details",
            title: "WLAN details",
            description: "One WLAN's settings and its connected-client count.",
            toolset: Toolset::Monitoring,
        },
        wlan_details,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_wlans_and_flags_open_ones() {
        let out = wlan_page(
            &json!({"items":[{"id":"wlans/Corp","wlanName":"Corp","securityLevel":"Enterprise",
                "security":"WPA3","band":"5 GHz","status":"ENABLED","vlan":"10"},
                {"id":"wlans/Guest","securityLevel":"Open","status":"ENABLED"}],
                "total":2,"count":2,"next":null}),
            None,
        );
        assert_eq!(out.total, Some(2));
        assert_eq!(out.wlans[1].wlan_name, "Guest");
        assert_eq!(out.enabled, 2);
        assert_eq!(out.warnings.len(), 1);
    }

    #[test]
    fn nulls_do_not_fail() {
        let out = wlan_page(
            &json!({"items":[{"wlanName":null,"securityLevel":null,"status":null}],"total":null,"next":null}),
            None,
        );
        assert_eq!(out.returned, 1);
        assert!(out.summary().contains("1 of ? WLAN"));
        let d = map_wlan_details(&json!({"clientCount": null, "status": null}), "X", None);
        assert_eq!(d.wlan.wlan_name, "X");
        assert_eq!(d.client_count, None);
        assert!(d.summary().contains("unknown state"));
    }
}
