//! Trends: `get_ap_cpu_utilization` over
//! `GET /network-monitoring/v1/aps/{serial-number}/cpu-utilization-trends` and
//! `get_client_trends` over `GET /network-monitoring/v1/clients-trend`.
//!
//! The reference server's `interval` argument is accepted but not sent: Central's v1 trend
//! endpoints have no interval parameter and choose the sampling themselves (5 minutes up to a
//! day, 3 hours beyond); the outputs report what Central used.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::fields;
use super::scope::{self, SeriesStats, Window};
use super::sites::SiteRef;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiError, ApiRequest, routes};

/// Samples returned by default (the newest ones; statistics cover all).
const DEFAULT_SAMPLES: i64 = 50;
/// Most samples a caller may ask for.
const MAX_SAMPLES: i64 = 300;

/// The reference server's sampling choices (accepted; Central picks the sampling).
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
pub enum CpuInterval {
    /// Five minutes.
    #[serde(rename = "5min")]
    FiveMinutes,
    /// One hour.
    #[serde(rename = "1hour")]
    OneHour,
}

/// Arguments of `get_ap_cpu_utilization`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApCpuArgs {
    /// The AP's serial number, e.g. CNK7ABC123 (5-30 letters and digits; case-insensitive).
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial: String,
    /// Window start: RFC 3339, epoch milliseconds or an age such as 1h, 24h, 7d (default: 3 hours
    /// before the end).
    #[schemars(description = "RFC 3339, epoch ms or an age like 24h (default 3h).")]
    pub start_time: Option<String>,
    /// Window end: RFC 3339, epoch milliseconds or an age (default now). At most 90 days long.
    #[schemars(description = "")]
    pub end_time: Option<String>,
    /// Accepted for compatibility and ignored: Central samples every 5 minutes for windows up
    /// to 24 hours and every 3 hours beyond (reported as sampling_interval_minutes).
    #[schemars(description = "Ignored (compatibility).")]
    pub interval: Option<CpuInterval>,
    /// Newest samples to return, 1-300 (default 50); statistics always cover the whole window.
    #[schemars(range(min = 1, max = 300))]
    #[schemars(description = "Newest samples returned (default 50).")]
    pub max_samples: Option<i64>,
}

impl Validate for ApCpuArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        if let Some(m) = self.max_samples {
            args::check_range("max_samples", m, 1, MAX_SAMPLES)?;
        }
        let now = SystemTime::now();
        let w = Window::parse(
            "start_time",
            self.start_time.as_deref(),
            "end_time",
            self.end_time.as_deref(),
            now,
        )?;
        w.check_span(
            "start_time",
            "end_time",
            now,
            Duration::from_secs(3 * 3600),
            Duration::from_secs(90 * 86_400),
            "90 days",
        )?;
        self.start_time = w.start.map(args::rfc3339_millis);
        self.end_time = w.end.map(args::rfc3339_millis);
        Ok(())
    }
}

/// One CPU sample.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CpuSample {
    /// Sample time (RFC 3339).
    pub timestamp: String,
    /// CPU utilisation, percent; `null` when the AP did not report.
    pub cpu_utilization_percent: Option<f64>,
}

/// Result of `get_ap_cpu_utilization`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ApCpuOutput {
    /// The AP's serial number.
    pub serial: String,
    /// Window start sent to Central (RFC 3339), `null` for Central's default (last 3 hours).
    pub start_time: Option<String>,
    /// Window end sent to Central (RFC 3339), `null` for Central's default.
    pub end_time: Option<String>,
    /// Minutes between samples, as Central chose.
    pub sampling_interval_minutes: Option<u64>,
    /// Samples Central returned.
    pub total: usize,
    /// Samples in this answer (the newest).
    pub returned: usize,
    /// Statistics over all samples, percent.
    pub stats: SeriesStats,
    /// The newest samples, oldest first.
    pub samples: Vec<CpuSample>,
    /// Health assessment: ok, elevated, high or critical.
    pub assessment: String,
}

fn map_cpu(
    body: &Value,
    serial: &str,
    window: (Option<String>, Option<String>),
    keep: usize,
) -> ApCpuOutput {
    // Some endpoints answer with an array of graphs; take the first.
    let trend = match body {
        Value::Array(a) => a.first().unwrap_or(&Value::Null),
        other => other,
    };
    let graph = fields::object(trend, "graph").unwrap_or(&Value::Null);
    let keys: Vec<String> = fields::list(graph, "keys")
        .iter()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    let index = keys
        .iter()
        .position(|k| k == "cpu_utilization")
        .unwrap_or(0);
    let all: Vec<CpuSample> = fields::list(graph, "samples")
        .iter()
        .map(|s| CpuSample {
            timestamp: fields::text(s, "timestamp").unwrap_or_default(),
            cpu_utilization_percent: s.get("data").and_then(|d| d.get(index)).and_then(
                |v| match v {
                    Value::Number(n) => n.as_f64(),
                    Value::String(t) => t.trim().parse().ok(),
                    _ => None,
                },
            ),
        })
        .collect();
    let stats = SeriesStats::of(
        all.iter()
            .map(|s| (s.timestamp.as_str(), s.cpu_utilization_percent)),
    );
    let assessment = match (stats.max, stats.average) {
        (Some(m), _) if m >= 90.0 => "critical",
        (Some(m), _) if m >= 80.0 => "high",
        (_, Some(a)) if a >= 70.0 => "elevated",
        (None, _) => "no data",
        _ => "ok",
    }
    .to_string();
    let total = all.len();
    let samples: Vec<CpuSample> = all.into_iter().skip(total.saturating_sub(keep)).collect();
    ApCpuOutput {
        serial: serial.to_string(),
        start_time: window.0,
        end_time: window.1,
        sampling_interval_minutes: fields::count(graph, "samplingIntervalInMinutes"),
        total,
        returned: samples.len(),
        stats,
        samples,
        assessment,
    }
}

impl ToolOutput for ApCpuOutput {
    fn summary(&self) -> String {
        let f = |v: Option<f64>| v.map_or("?".to_string(), |v| format!("{v}%"));
        let mut out = format!(
            "AP {} CPU over {} sample(s): current {}, average {}, peak {}{}, minimum {} — {}.",
            self.serial,
            self.total,
            f(self.stats.latest),
            f(self.stats.average),
            f(self.stats.max),
            self.stats
                .peak_at
                .as_deref()
                .map(|t| format!(" at {t}"))
                .unwrap_or_default(),
            f(self.stats.min),
            self.assessment
        );
        if self.returned < self.total {
            out.push_str(&format!(
                " Showing the newest {} samples; raise max_samples for more.",
                self.returned
            ));
        }
        out
    }
}

async fn ap_cpu(ctx: ToolContext, args: ApCpuArgs) -> Result<ApCpuOutput, ToolError> {
    let serial = args.serial;
    let window = Window {
        start: args
            .start_time
            .as_deref()
            .and_then(|t| humantime::parse_rfc3339_weak(t).ok()),
        end: args
            .end_time
            .as_deref()
            .and_then(|t| humantime::parse_rfc3339_weak(t).ok()),
    };
    let body = ctx
        .call(
            ApiRequest::new(routes::AP_CPU_TRENDS)
                .path(serial.clone())
                .query_opt("filter", window.trend_filter()),
        )
        .await
        .map_err(|e| match e {
            ApiError::Http { status: 404, .. } => ToolError::Explained {
                message: format!(
                    "No access point with serial {serial} in Central. Check the serial with \
                     get_device_list (device_type ACCESS_POINT)"
                ),
                source: Box::new(e),
            },
            other => ToolError::api(format!("Reading CPU trend of AP {serial}"))(other),
        })?
        .body;
    let keep = args.max_samples.unwrap_or(DEFAULT_SAMPLES) as usize;
    Ok(map_cpu(
        &body,
        &serial,
        (args.start_time, args.end_time),
        keep,
    ))
}

/// The `get_ap_cpu_utilization` tool.
pub fn get_ap_cpu_utilization() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_ap_cpu_utilization",
            title: "AP CPU utilisation trend",
            description: "One AP's CPU over a window: current, average, peak and when, samples.",
            toolset: Toolset::Monitoring,
        },
        ap_cpu,
    )
}

// === get_client_trends ===

/// The reference server's interval choices (accepted; Central picks the sampling).
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
pub enum TrendInterval {
    /// Five minutes.
    #[serde(rename = "5min")]
    FiveMinutes,
    /// Fifteen minutes.
    #[serde(rename = "15min")]
    FifteenMinutes,
    /// One hour.
    #[serde(rename = "1hour")]
    OneHour,
    /// One day.
    #[serde(rename = "1day")]
    OneDay,
}

/// How Central groups the client counts.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
#[serde(rename_all = "UPPERCASE")]
pub enum GroupBy {
    /// Wired / Wireless (default).
    Type,
    /// User role.
    Role,
    /// VLAN.
    Vlan,
    /// WLAN.
    Wlan,
    /// Radio band.
    Radio,
    /// Security.
    Security,
    /// 802.11 protocol.
    Protocol,
}

/// Which clients to count.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
#[serde(rename_all = "UPPERCASE")]
pub enum TrendClientType {
    /// All clients (default).
    All,
    /// Wireless only.
    Wireless,
    /// Wired only.
    Wired,
}

/// Arguments of `get_client_trends`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientTrendArgs {
    /// Site id (from get_sites_health); omit both site arguments for the whole tenant.
    #[schemars(description = "Omit site and serial for the tenant.")]
    pub site_id: Option<String>,
    /// Site name, instead of site_id.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// Only clients of this AP or switch (serial number).
    #[schemars(description = "Only clients of this AP or switch.")]
    pub serial_number: Option<String>,
    /// Window start: RFC 3339, epoch milliseconds or an age such as 1h, 24h, 7d (default: 3 hours
    /// before the end). Tenant-wide at most 7 days, one site at most 31 days.
    #[schemars(
        description = "RFC 3339, epoch ms or an age like 24h (default 3h). Max 7 days tenant-wide, 31 per site."
    )]
    pub start_time: Option<String>,
    /// Window end: RFC 3339, epoch milliseconds or an age (default now).
    #[schemars(description = "")]
    pub end_time: Option<String>,
    /// Accepted for compatibility and ignored: Central samples every 5 minutes for windows up
    /// to a day and every 3 hours beyond (reported as `interval`).
    #[schemars(description = "Ignored (compatibility).")]
    pub interval: Option<TrendInterval>,
    /// Grouping of the counts (default TYPE: Wired/Wireless). More than 5 groups are folded into
    /// the top 4 plus "Others" by Central.
    #[schemars(description = "", extend("default" = "TYPE"))]
    pub group_by: Option<GroupBy>,
    /// Which clients to count (default ALL).
    #[schemars(description = "")]
    pub client_type: Option<TrendClientType>,
    /// Newest samples to return, 1-300 (default 50); statistics always cover the whole window.
    #[schemars(range(min = 1, max = 300))]
    #[schemars(description = "Newest samples returned (default 50).")]
    pub max_samples: Option<i64>,
}

impl Validate for ClientTrendArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        scope::clean_site(&mut self.site_id, &mut self.site_name)?;
        if let Some(s) = self.serial_number.take() {
            self.serial_number = Some(args::serial("serial_number", &s)?);
        }
        if let Some(m) = self.max_samples {
            args::check_range("max_samples", m, 1, MAX_SAMPLES)?;
        }
        let now = SystemTime::now();
        let w = Window::parse(
            "start_time",
            self.start_time.as_deref(),
            "end_time",
            self.end_time.as_deref(),
            now,
        )?;
        let (max, what) = if self.site_id.is_some() || self.site_name.is_some() {
            (31 * 86_400, "31 days for a site")
        } else {
            (7 * 86_400, "7 days tenant-wide")
        };
        w.check_span(
            "start_time",
            "end_time",
            now,
            Duration::from_secs(3 * 3600),
            Duration::from_secs(max),
            what,
        )?;
        self.start_time = w.start.map(args::rfc3339_millis);
        self.end_time = w.end.map(args::rfc3339_millis);
        Ok(())
    }
}

/// One sample of client counts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClientTrendSample {
    /// Sample time (RFC 3339).
    pub timestamp: String,
    /// Sum over the groups.
    pub total_clients: u64,
    /// Clients per group (keys as in `groups`).
    pub clients: BTreeMap<String, u64>,
}

/// Statistics of one group.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupStats {
    /// Group name, e.g. Wireless.
    pub group: String,
    /// Statistics of its client count.
    pub stats: SeriesStats,
}

/// Result of `get_client_trends`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClientTrendOutput {
    /// The site, or `null` for the whole tenant.
    pub site: Option<SiteRef>,
    /// Sampling interval as Central reports it ("5 mins" or "3 hours").
    pub interval: Option<String>,
    /// Group names, in Central's order.
    pub groups: Vec<String>,
    /// Samples Central returned.
    pub total: usize,
    /// Samples in this answer (the newest).
    pub returned: usize,
    /// Statistics of the total client count.
    pub total_stats: SeriesStats,
    /// Statistics per group.
    pub group_stats: Vec<GroupStats>,
    /// Change from the mean of the first (up to 5) samples to the mean of the last: up, down or
    /// stable (±10 %); `null` with fewer than 2 samples.
    pub direction: Option<String>,
    /// The newest samples, oldest first.
    pub samples: Vec<ClientTrendSample>,
}

fn map_client_trend(body: &Value, site: Option<SiteRef>, keep: usize) -> ClientTrendOutput {
    let keys: Vec<String> = fields::list(body, "keys")
        .iter()
        .chain(fields::list(body, "categories"))
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    let all: Vec<ClientTrendSample> = fields::list(body, "samples")
        .iter()
        .map(|s| {
            let data = fields::list(s, "data");
            let clients: BTreeMap<String, u64> = keys
                .iter()
                .enumerate()
                .filter_map(|(i, k)| {
                    data.get(i)
                        .and_then(Value::as_f64)
                        .filter(|v| *v >= 0.0)
                        .map(|v| (k.clone(), v as u64))
                })
                .collect();
            ClientTrendSample {
                timestamp: fields::text(s, "ts")
                    .or_else(|| fields::text(s, "timestamp"))
                    .unwrap_or_default(),
                total_clients: clients.values().sum(),
                clients,
            }
        })
        .collect();
    let total_stats = SeriesStats::of(
        all.iter()
            .map(|s| (s.timestamp.as_str(), Some(s.total_clients as f64))),
    );
    let group_stats = keys
        .iter()
        .map(|k| GroupStats {
            group: k.clone(),
            stats: SeriesStats::of(
                all.iter()
                    .map(|s| (s.timestamp.as_str(), s.clients.get(k).map(|v| *v as f64))),
            ),
        })
        .collect();
    let direction = (all.len() >= 2).then(|| {
        let mean = |it: &[ClientTrendSample]| {
            it.iter().map(|s| s.total_clients as f64).sum::<f64>() / it.len().max(1) as f64
        };
        let n = (all.len() / 2).clamp(1, 5);
        let (older, recent) = (mean(&all[..n]), mean(&all[all.len() - n..]));
        if recent > older * 1.1 {
            "up"
        } else if recent < older * 0.9 {
            "down"
        } else {
            "stable"
        }
        .to_string()
    });
    let total = all.len();
    let samples: Vec<ClientTrendSample> =
        all.into_iter().skip(total.saturating_sub(keep)).collect();
    ClientTrendOutput {
        site,
        interval: fields::text(body, "interval"),
        groups: keys,
        total,
        returned: samples.len(),
        total_stats,
        group_stats,
        direction,
        samples,
    }
}

impl ToolOutput for ClientTrendOutput {
    fn summary(&self) -> String {
        let scope = self
            .site
            .as_ref()
            .map(|s| format!("site {}", s.site_name.as_deref().unwrap_or(&s.site_id)))
            .unwrap_or_else(|| "the whole tenant".to_string());
        let f = |v: Option<f64>| v.map_or("?".to_string(), |v| v.to_string());
        let mut out = format!(
            "Client counts for {scope} over {} sample(s) at {} intervals: now {}, peak {}{}, \
             average {}, minimum {}",
            self.total,
            self.interval.as_deref().unwrap_or("?"),
            f(self.total_stats.latest),
            f(self.total_stats.max),
            self.total_stats
                .peak_at
                .as_deref()
                .map(|t| format!(" at {t}"))
                .unwrap_or_default(),
            f(self.total_stats.average),
            f(self.total_stats.min),
        );
        if let Some(d) = &self.direction {
            out.push_str(&format!(", trend {d}"));
        }
        out.push('.');
        let groups: Vec<String> = self
            .group_stats
            .iter()
            .map(|g| format!("{} avg {}", g.group, f(g.stats.average)))
            .collect();
        if !groups.is_empty() {
            out.push_str(&format!(" By group: {}.", groups.join(", ")));
        }
        if self.returned < self.total {
            out.push_str(&format!(
                " Showing the newest {} samples; raise max_samples for more.",
                self.returned
            ));
        }
        out
    }
}

async fn client_trends(
    ctx: ToolContext,
    args: ClientTrendArgs,
) -> Result<ClientTrendOutput, ToolError> {
    let site = scope::optional_site(
        &ctx,
        "get_client_trends",
        args.site_id.clone(),
        args.site_name.clone(),
    )
    .await?;
    let group_by = args.group_by.map(|g| format!("{g:?}").to_ascii_uppercase());
    let client_type = args
        .client_type
        .map(|t| format!("{t:?}").to_ascii_uppercase());
    let body = ctx
        .call(
            ApiRequest::new(routes::CLIENTS_TREND)
                .query_opt("site-id", site.as_ref().map(|s| s.site_id.clone()))
                .query_opt("serial-number", args.serial_number.clone())
                .query_opt("start-at", args.start_time.clone())
                .query_opt("end-at", args.end_time.clone())
                .query_opt("group-by", group_by)
                .query_opt("type", client_type),
        )
        .await
        .map_err(ToolError::api("Reading the client trend"))?
        .body;
    let keep = args.max_samples.unwrap_or(DEFAULT_SAMPLES) as usize;
    Ok(map_client_trend(&body, site, keep))
}

/// The `get_client_trends` tool.
pub fn get_client_trends() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_client_trends",
            title: "Client count trend",
            description: "Client counts over a window (tenant, site or device): peak, average, current, trend.",
            toolset: Toolset::Monitoring,
        },
        client_trends,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cpu_trend_maps_and_bounds_samples() {
        let body = json!({"metric":"cpu_utilization","graph":{"keys":["cpu_utilization"],
            "samplingIntervalInMinutes":5,"samples":[
            {"timestamp":"t1","data":[10.0]},{"timestamp":"t2","data":[null]},
            {"timestamp":"t3","data":[95.0]},{"timestamp":"t4","data":[20.0]}]}});
        let out = map_cpu(&body, "CN1", (None, None), 2);
        assert_eq!(out.total, 4);
        assert_eq!(out.returned, 2);
        assert_eq!(out.samples[0].timestamp, "t3");
        assert_eq!(out.stats.max, Some(95.0));
        assert_eq!(out.assessment, "critical");
        assert_eq!(out.sampling_interval_minutes, Some(5));
    }

    #[test]
    fn cpu_trend_nulls_do_not_fail() {
        let out = map_cpu(
            &json!({"graph":{"keys":null,"samples":[{"timestamp":null,"data":null}],
                "samplingIntervalInMinutes":null}}),
            "CN1",
            (None, None),
            50,
        );
        assert_eq!(out.total, 1);
        assert_eq!(out.stats.max, None);
        assert_eq!(out.assessment, "no data");
        assert!(out.summary().contains("CN1"));
        assert_eq!(map_cpu(&json!(null), "X", (None, None), 5).total, 0);
    }

    #[test]
    fn client_trend_maps_groups_and_direction() {
        let body = json!({"interval":"5 mins","keys":["Wired","Wireless"],"samples":[
            {"ts":"a","data":[1,2]},{"ts":"b","data":[2,8]}]});
        let out = map_client_trend(&body, None, 50);
        assert_eq!(out.total_stats.max, Some(10.0));
        assert_eq!(out.samples[1].clients["Wireless"], 8);
        assert_eq!(out.direction.as_deref(), Some("up"));
        assert_eq!(out.group_stats[0].group, "Wired");
    }

    #[test]
    fn client_trend_nulls_do_not_fail() {
        let out = map_client_trend(
            &json!({"interval":null,"keys":["Wired",null],"samples":[{"ts":null,"data":[null,null]},null]}),
            None,
            50,
        );
        assert_eq!(out.total, 2);
        assert_eq!(out.samples[0].total_clients, 0);
        assert!(out.summary().contains("whole tenant"));
    }
}
