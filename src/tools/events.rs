//! Events: `list_events` over `GET /network-troubleshooting/v1/events`.
//!
//! Central requires `context-type`, `context-identifier`, `site-id`, `start-at`, `end-at` and
//! `limit`. The tool derives them from friendly arguments: a client MAC (one lookup of the client
//! gives its site and wired/wireless type), a device serial (one lookup in the device list gives
//! its type and site, unless both are given), or a site (the site's own events).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::client_details::fetch_client;
use super::fields;
use super::projection::{Fields, Item, Items};
use super::scope::{self, Window};
use super::sites::resolve_site;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// Default window: the last 24 hours.
const DEFAULT_WINDOW: Duration = Duration::from_secs(86_400);
/// Central needs the window shorter than 30 days.
const MAX_WINDOW: Duration = Duration::from_secs(30 * 86_400 - 1);

/// Device types events can be listed for.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventDeviceType {
    /// An access point.
    AccessPoint,
    /// A switch.
    Switch,
    /// A gateway.
    Gateway,
}

impl EventDeviceType {
    fn context(self) -> &'static str {
        match self {
            EventDeviceType::AccessPoint => "ACCESS_POINT",
            EventDeviceType::Switch => "SWITCH",
            EventDeviceType::Gateway => "GATEWAY",
        }
    }
}

/// Arguments of `list_events`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventListArgs {
    /// Events of this device (AP, switch or gateway serial number).
    #[schemars(description = "Events of this device.")]
    pub serial_number: Option<String>,
    /// The device's type; with site_id it saves the device lookup.
    #[schemars(description = "With site_id, saves the device lookup.")]
    pub device_type: Option<EventDeviceType>,
    /// Events of this client (MAC in colon, dash or bare form); its site and type are looked up.
    #[schemars(description = "Events of this client.")]
    pub client_mac: Option<String>,
    /// Site id (from get_sites_health): the site's events when no device or client is given.
    #[schemars(description = "Events of this site (when no device or client).")]
    pub site_id: Option<String>,
    /// Site name, instead of site_id.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// Window start: RFC 3339, epoch milliseconds or an age such as 1h, 24h, 7d (default: 24
    /// hours before the end). The window must be shorter than 30 days.
    #[schemars(
        description = "RFC 3339, epoch ms or an age like 1h (default 24h; window under 30 days)."
    )]
    pub start_time: Option<String>,
    /// Window end: RFC 3339, epoch milliseconds or an age (default now).
    #[schemars(description = "")]
    pub end_time: Option<String>,
    /// Only this event category, e.g. Connectivity, Clients, System.
    #[schemars(description = "E.g. Connectivity, Clients, System.")]
    pub category: Option<String>,
    /// Free-text search over names, serials, host names and MACs (up to 256 characters).
    #[schemars(description = "Free text.")]
    pub search: Option<String>,
    /// Events per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Cursor: the `next` value of the previous page.
    #[schemars(description = "")]
    pub next: Option<String>,
    /// The event fields to return instead of the default ones ([`Item::DEFAULT`] of
    /// [`Event`]); `all` for every field. `time_at` is always returned.
    #[schemars(description = "Default: the main fields.")]
    pub fields: Option<Fields<Event>>,
}

impl Validate for EventListArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        scope::clean_site(&mut self.site_id, &mut self.site_name)?;
        if let Some(s) = self.serial_number.take() {
            self.serial_number = Some(args::serial("serial_number", &s)?);
        }
        if let Some(m) = self.client_mac.take() {
            self.client_mac = Some(scope::mac("client_mac", &m)?);
        }
        if self.serial_number.is_some() && self.client_mac.is_some() {
            return Err(ToolError::InvalidArgument(
                "give either `serial_number` or `client_mac`, not both".into(),
            ));
        }
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 100)?;
        }
        self.next = args::cursor("next", self.next.take())?;
        self.category = args::clean_text("category", self.category.take(), 64)?;
        self.search = args::clean_text("search", self.search.take(), 256)?;
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
            DEFAULT_WINDOW,
            MAX_WINDOW,
            "30 days",
        )?;
        let (s, e) = w.closed(now, DEFAULT_WINDOW);
        self.start_time = Some(args::rfc3339_millis(s));
        self.end_time = Some(args::rfc3339_millis(e));
        Ok(())
    }
}

/// One event.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Event {
    /// When it happened (RFC 3339).
    pub time_at: Option<String>,
    /// Event name, e.g. Client 802.1x Radius Timeout.
    pub event_name: Option<String>,
    /// Event type id.
    pub event_id: Option<String>,
    /// Unique event id.
    pub event_identifier: Option<String>,
    /// Category, e.g. Connectivity.
    pub category: Option<String>,
    /// positive, negative or neutral.
    pub severity: Option<String>,
    /// Source type, e.g. Access Point.
    pub source_type: Option<String>,
    /// Source name.
    pub source_name: Option<String>,
    /// Device serial.
    pub serial_number: Option<String>,
    /// Client MAC, for client events.
    pub client_mac_address: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Reason.
    pub reason: Option<String>,
}

impl Item for Event {
    const ALL: &'static [&'static str] = &[
        "time_at",
        "event_name",
        "event_id",
        "event_identifier",
        "category",
        "severity",
        "source_type",
        "source_name",
        "serial_number",
        "client_mac_address",
        "description",
        "reason",
    ];
    const DEFAULT: &'static [&'static str] = &[
        "time_at",
        "event_name",
        "category",
        "severity",
        "source_name",
        "description",
    ];
    const KEY: &'static str = "time_at";
}

fn map_event(v: &Value) -> Event {
    let t = |k: &str| fields::text(v, k);
    Event {
        time_at: t("timeAt"),
        event_name: t("eventName"),
        event_id: t("eventId"),
        event_identifier: t("eventIdentifier"),
        category: t("category"),
        severity: t("severity"),
        source_type: t("sourceType"),
        source_name: t("sourceName"),
        serial_number: t("serialNumber"),
        client_mac_address: t("clientMacAddress"),
        description: t("description"),
        reason: t("reason"),
    }
}

/// Result of `list_events`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EventListOutput {
    /// SITE, ACCESS_POINT, SWITCH, GATEWAY, WIRELESS_CLIENT or WIRED_CLIENT.
    pub context_type: String,
    /// The site id, serial or MAC the events are for.
    pub context_identifier: String,
    /// The site id sent.
    pub site_id: String,
    /// Window start sent (RFC 3339 with ms).
    pub start_time: String,
    /// Window end sent (RFC 3339 with ms).
    pub end_time: String,
    /// Events in the window in all.
    pub total: Option<u64>,
    /// Events on this page.
    pub returned: usize,
    /// Pass as `next` for the following page; `null` on the last page.
    pub next: Option<String>,
    /// Events per severity (positive/negative/neutral) on this page.
    pub by_severity: BTreeMap<String, usize>,
    /// Events per category on this page.
    pub by_category: BTreeMap<String, usize>,
    /// The events, newest first.
    pub events: Items<Event>,
}

/// The resolved required parameters.
struct Context {
    kind: String,
    identifier: String,
    site_id: String,
}

fn event_page(page: &Value, ctx: Context, window: (String, String)) -> EventListOutput {
    let events: Vec<Event> = fields::list(page, "events")
        .iter()
        .chain(fields::list(page, "items"))
        .map(map_event)
        .collect();
    let mut by_severity = BTreeMap::new();
    let mut by_category = BTreeMap::new();
    for e in &events {
        *by_severity
            .entry(e.severity.clone().unwrap_or_else(|| "unknown".into()))
            .or_default() += 1;
        *by_category
            .entry(e.category.clone().unwrap_or_else(|| "Unknown".into()))
            .or_default() += 1;
    }
    EventListOutput {
        context_type: ctx.kind,
        context_identifier: ctx.identifier,
        site_id: ctx.site_id,
        start_time: window.0,
        end_time: window.1,
        total: fields::count(page, "total"),
        returned: events.len(),
        next: fields::next_cursor(page),
        by_severity,
        by_category,
        events: events.into(),
    }
}

impl ToolOutput for EventListOutput {
    fn summary(&self) -> String {
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let site = if self.context_type == "SITE" {
            String::new()
        } else {
            format!(" (site {})", self.site_id)
        };
        let mut out = format!(
            "{} of {total} event(s) for {} {}{site} between {} and {}",
            self.returned,
            self.context_type,
            self.context_identifier,
            self.start_time,
            self.end_time
        );
        let sev: Vec<String> = self
            .by_severity
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        if !sev.is_empty() {
            out.push_str(&format!(": {}", sev.join(", ")));
        }
        out.push('.');
        let bad: Vec<String> = self
            .events
            .iter()
            .filter(|e| e.severity.as_deref() == Some("negative"))
            .take(3)
            .map(|e| {
                format!(
                    "{} {} on {}{}",
                    e.time_at.as_deref().unwrap_or("?"),
                    e.event_name.as_deref().unwrap_or("?"),
                    e.source_name.as_deref().unwrap_or("?"),
                    e.reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        if !bad.is_empty() {
            out.push_str(&format!(" Latest negative: {}.", bad.join("; ")));
        }
        if let Some(n) = &self.next {
            out.push_str(&format!(" More events: call again with next=\"{n}\"."));
        }
        out
    }
}

async fn resolve_context(ctx: &ToolContext, args: &EventListArgs) -> Result<Context, ToolError> {
    let given_site = || async {
        match (&args.site_id, &args.site_name) {
            (None, None) => Ok(None),
            _ => resolve_site(
                ctx,
                "list_events",
                args.site_id.clone(),
                args.site_name.clone(),
            )
            .await
            .map(Some),
        }
    };
    if let Some(mac) = &args.client_mac {
        let client = fetch_client(ctx, mac).await?;
        let kind = match fields::text(&client, "clientConnectionType")
            .map(|t| t.to_ascii_lowercase())
            .as_deref()
        {
            Some("wired") => "WIRED_CLIENT",
            _ => "WIRELESS_CLIENT",
        };
        let site_id = match fields::text(&client, "siteId") {
            Some(s) => s,
            None => match given_site().await? {
                Some(s) => s.site_id,
                None => {
                    return Err(ToolError::InvalidArgument(format!(
                        "Central reports no site for client {mac}; pass site_id or site_name"
                    )));
                }
            },
        };
        return Ok(Context {
            kind: kind.into(),
            identifier: mac.clone(),
            site_id,
        });
    }
    if let Some(serial) = &args.serial_number {
        if let (Some(t), Some(site)) = (args.device_type, &args.site_id) {
            return Ok(Context {
                kind: t.context().into(),
                identifier: serial.clone(),
                site_id: site.clone(),
            });
        }
        let page = ctx
            .call(
                ApiRequest::new(routes::DEVICES)
                    .query(
                        "filter",
                        format!("serialNumber eq {}", args::odata_quote(serial)),
                    )
                    .query("limit", 1),
            )
            .await
            .map_err(ToolError::api(format!("Looking up device {serial}")))?
            .body;
        let Some(device) = fields::list(&page, "items").first() else {
            return Err(ToolError::InvalidArgument(format!(
                "argument `serial_number`: Central has no device {serial}; get_device_list lists serials"
            )));
        };
        let kind = match args.device_type {
            Some(t) => t.context().to_string(),
            None => match fields::status_upper(device, "deviceType").as_deref() {
                Some("ACCESS_POINT") => "ACCESS_POINT".into(),
                Some("SWITCH") => "SWITCH".into(),
                Some("GATEWAY") => "GATEWAY".into(),
                other => {
                    return Err(ToolError::InvalidArgument(format!(
                        "device {serial} has type {}; events are listed for access points, \
                         switches and gateways",
                        other.unwrap_or("unknown")
                    )));
                }
            },
        };
        let site_id = match (fields::text(device, "siteId"), args.site_id.clone()) {
            (Some(s), _) | (None, Some(s)) => s,
            (None, None) => {
                return Err(ToolError::InvalidArgument(format!(
                    "device {serial} is not assigned to a site; pass site_id"
                )));
            }
        };
        return Ok(Context {
            kind,
            identifier: serial.clone(),
            site_id,
        });
    }
    let site = resolve_site(
        ctx,
        "list_events",
        args.site_id.clone(),
        args.site_name.clone(),
    )
    .await?;
    Ok(Context {
        kind: "SITE".into(),
        identifier: site.site_id.clone(),
        site_id: site.site_id,
    })
}

async fn event_list(ctx: ToolContext, args: EventListArgs) -> Result<EventListOutput, ToolError> {
    let context = resolve_context(&ctx, &args).await?;
    let start = args.start_time.clone().unwrap_or_default();
    let end = args.end_time.clone().unwrap_or_default();
    let filter = args
        .category
        .as_ref()
        .map(|c| format!("category eq {}", args::odata_quote(c)));
    let page = ctx
        .call(
            ApiRequest::new(routes::EVENTS)
                .query("context-type", &context.kind)
                .query("context-identifier", &context.identifier)
                .query("site-id", &context.site_id)
                .query("start-at", &start)
                .query("end-at", &end)
                .query("limit", args.limit.unwrap_or(50))
                .query_opt("filter", filter)
                .query_opt("search", args.search.clone())
                .query_opt("next", args.next.clone()),
        )
        .await
        .map_err(ToolError::api(format!(
            "Listing events for {} {}",
            context.kind, context.identifier
        )))?
        .body;
    let mut output = event_page(&page, context, (start, end));
    output.events.select(args.fields);
    Ok(output)
}

/// The `list_events` tool.
pub fn list_events() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "list_events",
            title: "List events",
            description: "Events of a device, a client or a site over a window (default 24h), with counts and the latest problems.",
            toolset: Toolset::Monitoring,
        },
        event_list,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Context {
        Context {
            kind: "SITE".into(),
            identifier: "1".into(),
            site_id: "1".into(),
        }
    }

    #[test]
    fn maps_events_and_counts() {
        let page = json!({"events":[
            {"eventName":"Client 802.1x Radius Timeout","severity":"negative","category":"Connectivity",
             "timeAt":"2026-03-21T10:01:02.124Z","sourceName":"ap-1","reason":"Authentication timeout"},
            {"eventName":"Client Join","severity":"positive","category":"Clients"}],
            "count":2,"total":5,"next":"2"});
        let out = event_page(&page, ctx(), ("s".into(), "e".into()));
        assert_eq!(out.total, Some(5));
        assert_eq!(out.by_severity["negative"], 1);
        assert!(
            out.summary()
                .contains("Radius Timeout on ap-1 (Authentication timeout)")
        );
        assert!(out.summary().contains("next=\"2\""));
    }

    #[test]
    fn nulls_do_not_fail() {
        let page = json!({"events":[{"eventName":null,"severity":null,"category":null,"timeAt":null}],
            "total":null,"next":null});
        let out = event_page(&page, ctx(), ("s".into(), "e".into()));
        assert_eq!(out.returned, 1);
        assert_eq!(out.by_severity["unknown"], 1);
        assert!(out.summary().contains("1 of ? event"));
        assert_eq!(
            event_page(&json!(null), ctx(), ("s".into(), "e".into())).returned,
            0
        );
    }
}
