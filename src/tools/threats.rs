//! IDPS threats: `list_idps_threats` over `GET /network-monitoring/v1alpha1/threats`.
//!
//! This is the one tool on the v1alpha1 API: Central's v1 API has no IDPS endpoint. The
//! endpoint takes epoch-millisecond `start-time`/`end-time` and pages with `limit`/`offset`;
//! it has no severity or gateway parameter, so those filters apply to the returned page.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::fields;
use super::projection::{Fields, Item, Items};
use super::scope::{self, Window};
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// Default window: the last 7 days (as the reference server).
const DEFAULT_WINDOW: Duration = Duration::from_secs(7 * 86_400);

/// Threat severities (Central's IDPS uses Critical, Major, Minor, Informational; the reference
/// server's HIGH, MEDIUM, LOW are kept and matched as written).
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
#[serde(rename_all = "UPPERCASE")]
pub enum ThreatSeverity {
    /// Critical.
    Critical,
    /// High.
    High,
    /// Major.
    Major,
    /// Medium.
    Medium,
    /// Minor.
    Minor,
    /// Low.
    Low,
    /// Informational.
    Informational,
}

/// Arguments of `list_idps_threats`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreatListArgs {
    /// Only threats of this severity (case-insensitive; applied to the returned page).
    #[schemars(description = "Applied to the returned page.")]
    pub severity: Option<ThreatSeverity>,
    /// Only threats seen by this gateway (serial number; applied to the returned page).
    #[schemars(description = "Applied to the returned page.")]
    pub gateway_serial: Option<String>,
    /// Window start: RFC 3339, epoch milliseconds or an age such as 24h, 7d (default 7 days
    /// before the end). Sent as epoch milliseconds.
    #[schemars(description = "RFC 3339, epoch ms or an age like 7d (default 7d).")]
    pub start_time: Option<String>,
    /// Window end: RFC 3339, epoch milliseconds or an age (default now).
    #[schemars(description = "")]
    pub end_time: Option<String>,
    /// Threats per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Threats to skip: the `next_offset` of the previous answer (default 0).
    #[schemars(range(min = 0, max = 1000000))]
    #[schemars(description = "`next_offset` of the previous page.")]
    pub offset: Option<i64>,
    /// The threat fields to return instead of the default ones ([`Item::DEFAULT`] of
    /// [`Threat`]); `all` for every field. `id` is always returned.
    #[schemars(description = "Default: the main fields.")]
    pub fields: Option<Fields<Threat>>,
}

impl Validate for ThreatListArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        if let Some(s) = self.gateway_serial.take() {
            self.gateway_serial = Some(args::serial("gateway_serial", &s)?);
        }
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 100)?;
        }
        if let Some(o) = self.offset {
            args::check_range("offset", o, 0, 1_000_000)?;
        }
        let now = SystemTime::now();
        let w = Window::parse(
            "start_time",
            self.start_time.as_deref(),
            "end_time",
            self.end_time.as_deref(),
            now,
        )?;
        let (s, e) = w.closed(now, DEFAULT_WINDOW);
        self.start_time = Some(scope::epoch_ms(s).to_string());
        self.end_time = Some(scope::epoch_ms(e).to_string());
        Ok(())
    }
}

/// One threat.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Threat {
    /// Threat id.
    pub id: String,
    /// When it was seen (RFC 3339).
    pub time: Option<String>,
    /// Severity, e.g. Critical.
    pub severity: Option<String>,
    /// ALLOWED or BLOCKED.
    pub action: Option<String>,
    /// Signature name.
    pub signature_name: Option<String>,
    /// Signature id.
    pub signature_id: Option<u64>,
    /// Description.
    pub description: Option<String>,
    /// CVE reference.
    pub cve_reference: Option<String>,
    /// Source IP.
    pub src_ip: Option<String>,
    /// Source port.
    pub src_port: Option<u64>,
    /// Destination IP.
    pub dest_ip: Option<String>,
    /// Destination port.
    pub dest_port: Option<u64>,
    /// Destination country.
    pub dest_country: Option<String>,
    /// Client MAC.
    pub client_mac: Option<String>,
    /// User name.
    pub user_name: Option<String>,
    /// Gateway serial.
    pub device_serial: Option<String>,
    /// Gateway name.
    pub device_name: Option<String>,
    /// Site name.
    pub site_name: Option<String>,
}

impl Item for Threat {
    const ALL: &'static [&'static str] = &[
        "id",
        "time",
        "severity",
        "action",
        "signature_name",
        "signature_id",
        "description",
        "cve_reference",
        "src_ip",
        "src_port",
        "dest_ip",
        "dest_port",
        "dest_country",
        "client_mac",
        "user_name",
        "device_serial",
        "device_name",
        "site_name",
    ];
    const DEFAULT: &'static [&'static str] = &[
        "id",
        "time",
        "severity",
        "action",
        "signature_name",
        "src_ip",
        "dest_ip",
        "device_name",
    ];
    const KEY: &'static str = "id";
}

fn map_threat(v: &Value) -> Threat {
    let t = |k: &str| fields::text(v, k);
    Threat {
        id: t("id").unwrap_or_default(),
        time: fields::count(v, "timestamp")
            .and_then(scope::rfc3339_of_ms)
            .or_else(|| t("timestamp")),
        severity: t("severity"),
        action: fields::status_upper(v, "action"),
        signature_name: t("signatureName"),
        signature_id: fields::count(v, "signatureId"),
        description: t("description"),
        cve_reference: t("cveReference"),
        src_ip: t("srcIp"),
        src_port: fields::count(v, "srcPort"),
        dest_ip: t("destIp"),
        dest_port: fields::count(v, "destPort"),
        dest_country: t("destCountry"),
        client_mac: t("clientMacaddr"),
        user_name: t("userName"),
        device_serial: t("deviceSerialNum"),
        device_name: t("deviceName"),
        site_name: t("siteName"),
    }
}

/// 5 = Critical … 1 = Informational, 0 = unknown.
fn severity_rank(s: Option<&str>) -> u8 {
    match s.map(str::to_ascii_lowercase).as_deref() {
        Some("critical") => 5,
        Some("high" | "major") => 4,
        Some("medium" | "minor") => 3,
        Some("low" | "warning") => 2,
        Some("informational" | "info") => 1,
        _ => 0,
    }
}

/// Result of `list_idps_threats`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ThreatListOutput {
    /// Window start sent (epoch ms).
    pub start_time_ms: u64,
    /// Window end sent (epoch ms).
    pub end_time_ms: u64,
    /// Threats in the window in all (before the severity/gateway filters).
    pub total: Option<u64>,
    /// Threats Central returned on this page.
    pub page_items: usize,
    /// Threats in this answer (after the severity/gateway filters).
    pub returned: usize,
    /// Pass as `offset` for the next page; `null` on the last page.
    pub next_offset: Option<u64>,
    /// Threats per severity in this answer.
    pub by_severity: BTreeMap<String, usize>,
    /// Threats per action in this answer.
    pub by_action: BTreeMap<String, usize>,
    /// Share blocked in this answer, percent.
    pub blocked_percent: Option<f64>,
    /// The threats, newest first.
    pub threats: Items<Threat>,
}

fn threat_page(
    page: &Value,
    window: (u64, u64),
    offset: u64,
    severity: Option<&str>,
    gateway: Option<&str>,
) -> ThreatListOutput {
    let items = fields::list(page, "items");
    let threats: Vec<Threat> = items
        .iter()
        .map(map_threat)
        .filter(|t| {
            severity.is_none_or(|s| {
                t.severity
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(s))
            })
        })
        .filter(|t| {
            gateway.is_none_or(|g| {
                t.device_serial
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(g))
            })
        })
        .collect();
    let mut by_severity = BTreeMap::new();
    let mut by_action = BTreeMap::new();
    for t in &threats {
        *by_severity
            .entry(t.severity.clone().unwrap_or_else(|| "Unknown".into()))
            .or_default() += 1;
        *by_action
            .entry(t.action.clone().unwrap_or_else(|| "UNKNOWN".into()))
            .or_default() += 1;
    }
    let blocked = by_action.get("BLOCKED").copied().unwrap_or(0);
    let total = fields::count(page, "total");
    let consumed = offset + items.len() as u64;
    ThreatListOutput {
        start_time_ms: window.0,
        end_time_ms: window.1,
        total,
        page_items: items.len(),
        returned: threats.len(),
        next_offset: (!items.is_empty() && total.is_some_and(|t| consumed < t)).then_some(consumed),
        blocked_percent: (!threats.is_empty())
            .then(|| (blocked as f64 / threats.len() as f64 * 1000.0).round() / 10.0),
        by_severity,
        by_action,
        threats: threats.into(),
    }
}

impl ToolOutput for ThreatListOutput {
    fn summary(&self) -> String {
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let mut counts: Vec<(&String, &usize)> = self.by_severity.iter().collect();
        counts.sort_by_key(|(s, _)| std::cmp::Reverse(severity_rank(Some(s))));
        let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
        let mut out = format!(
            "{} IDPS threat(s) of {total} between {} and {}",
            self.returned,
            scope::rfc3339_of_ms(self.start_time_ms).unwrap_or_default(),
            scope::rfc3339_of_ms(self.end_time_ms).unwrap_or_default()
        );
        if !counts.is_empty() {
            out.push_str(&format!(": {}", counts.join(", ")));
        }
        if let Some(b) = self.blocked_percent {
            out.push_str(&format!("; {b}% blocked"));
        }
        out.push('.');
        let mut worst: Vec<&Threat> = self.threats.iter().collect();
        worst.sort_by_key(|t| std::cmp::Reverse(severity_rank(t.severity.as_deref())));
        let worst: Vec<String> = worst
            .iter()
            .filter(|t| severity_rank(t.severity.as_deref()) >= 4)
            .take(3)
            .map(|t| {
                format!(
                    "[{}] {} {} -> {} {}",
                    t.severity.as_deref().unwrap_or("?"),
                    t.signature_name.as_deref().unwrap_or("?"),
                    t.src_ip.as_deref().unwrap_or("?"),
                    t.dest_ip.as_deref().unwrap_or("?"),
                    t.action.as_deref().unwrap_or("?")
                )
            })
            .collect();
        if !worst.is_empty() {
            out.push_str(&format!(" Most severe: {}.", worst.join("; ")));
        }
        if self.returned < self.page_items {
            out.push_str(&format!(
                " {} threat(s) on this page were left out by the severity/gateway filters.",
                self.page_items - self.returned
            ));
        }
        if let Some(o) = self.next_offset {
            out.push_str(&format!(" More threats: call again with offset={o}."));
        }
        out
    }
}

async fn threat_list(
    ctx: ToolContext,
    args: ThreatListArgs,
) -> Result<ThreatListOutput, ToolError> {
    let start: u64 = args
        .start_time
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let end: u64 = args
        .end_time
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let offset = args.offset.unwrap_or(0);
    let page = ctx
        .call(
            ApiRequest::new(routes::THREATS)
                .query("start-time", start)
                .query("end-time", end)
                .query("limit", args.limit.unwrap_or(50))
                .query("offset", offset),
        )
        .await
        .map_err(ToolError::api("Listing IDPS threats"))?
        .body;
    let severity = args.severity.map(|s| format!("{s:?}"));
    let mut output = threat_page(
        &page,
        (start, end),
        offset as u64,
        severity.as_deref(),
        args.gateway_serial.as_deref(),
    );
    output.threats.select(args.fields);
    Ok(output)
}

/// The `list_idps_threats` tool.
pub fn list_idps_threats() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "list_idps_threats",
            title: "IDPS threats",
            description: "IDPS threats seen by gateways over a window, most severe first, with actions taken.",
            toolset: Toolset::Security,
        },
        threat_list,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_threats_and_pages_by_offset() {
        let page = json!({"items":[
            {"id":"t1","timestamp":"1732223424345","severity":"Critical","action":"BLOCKED",
             "signatureName":"ET EXPLOIT","srcIp":"1.2.3.4","destIp":"10.0.0.5","deviceSerialNum":"GW1"},
            {"id":"t2","timestamp":"1732223424000","severity":"Minor","action":"ALLOWED","deviceSerialNum":"GW2"}],
            "count":2,"total":5,"offset":0});
        let out = threat_page(&page, (0, 1), 0, None, None);
        assert_eq!(out.next_offset, Some(2));
        assert_eq!(out.blocked_percent, Some(50.0));
        assert_eq!(
            out.threats[0].time.as_deref(),
            Some("2024-11-21T21:10:24.345Z")
        );
        assert!(out.summary().contains("[Critical] ET EXPLOIT"));
        let out = threat_page(&page, (0, 1), 3, Some("critical"), Some("gw1"));
        assert_eq!(out.returned, 1);
        assert_eq!(out.next_offset, None);
    }

    #[test]
    fn nulls_do_not_fail() {
        let page = json!({"items":[{"id":null,"timestamp":null,"severity":null,"action":null,
            "signatureId":null,"srcPort":null}],"total":null,"offset":null});
        let out = threat_page(&page, (0, 1), 0, None, None);
        assert_eq!(out.returned, 1);
        assert_eq!(out.next_offset, None);
        assert_eq!(out.by_action["UNKNOWN"], 1);
        assert!(out.summary().contains("1 IDPS threat"));
    }

    #[test]
    fn timestamps_past_year_9999_are_shown_raw() {
        // Used to panic inside humantime's Display while formatting the time.
        let page = json!({"items":[{"id":"t","timestamp":18446744073709551615u64}],"total":1});
        let out = threat_page(&page, (0, 1), 0, None, None);
        assert_eq!(out.threats[0].time.as_deref(), Some("18446744073709551615"));
        assert!(out.summary().contains("1 IDPS threat"));
    }
}
