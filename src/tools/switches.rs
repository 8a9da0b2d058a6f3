//! Switches: `get_switch_details` (`GET /network-monitoring/v1/switches/{serial-number}`),
//! `get_switch_interfaces` (`…/switches/{serial-number}/interfaces`, offset paged) and
//! `get_stack_members` (`GET /network-monitoring/v1/stack/{serial-number}/members`).
//!
//! Switch endpoints report `status` in title case and timestamps as epoch numbers (CONTRACT §3.7);
//! this module reports upper-case statuses and RFC 3339 times like every other tool.

use std::collections::BTreeSet;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::devices::{Device, map_device};
use super::fields;
use super::projection::{Fields, Item, Items};
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// CPU or memory use above this is flagged.
const HIGH_UTILISATION_PERCENT: f64 = 80.0;
/// PoE draw above this share of the budget is flagged.
const POE_BUDGET_HIGH_PERCENT: f64 = 80.0;

fn not_found(serial: &str) -> String {
    format!(
        "No switch or stack with serial {serial} in Central. Check it with get_device_list \
         (device_type SWITCH) or find_device"
    )
}

// === get_switch_details ===

/// Arguments of `get_switch_details`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchDetailsArgs {
    /// The switch's serial number (or a stack's conductor serial), e.g. SG12XY3456; 5-30
    /// letters and digits, case-insensitive. Central v1 needs no site for this call.
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "Switch or stack conductor serial.")]
    pub serial: String,
}

impl Validate for SwitchDetailsArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        Ok(())
    }
}

/// Result of `get_switch_details`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SwitchDetailsOutput {
    /// Identity and state (serial, name, status, model, firmware, site, addresses, uptime).
    #[serde(flatten)]
    pub device: Device,
    /// Central's health verdict: Good, Fair or Poor.
    pub health: Option<String>,
    /// Why health is Poor or Fair, e.g. DEVICE_OFFLINE.
    pub health_reasons: Vec<String>,
    /// cx (AOS-CX) or pvos (AOS-S).
    pub switch_type: Option<String>,
    /// Standalone, Conductor, Member, …
    pub switch_role: Option<String>,
    /// Stack id, when the switch is in a stack.
    pub stack_id: Option<String>,
    /// Public IP address.
    pub public_ip: Option<String>,
    /// Why it last restarted.
    pub last_restart_reason: Option<String>,
    /// Last configuration change (RFC 3339).
    pub last_config_change_at: Option<String>,
    /// CPU utilisation, percent.
    pub cpu_utilization_percent: Option<f64>,
    /// Memory utilisation, percent.
    pub memory_utilization_percent: Option<f64>,
    /// PoE budget, watts.
    pub poe_available_watts: Option<f64>,
    /// PoE drawn, watts.
    pub poe_consumption_watts: Option<f64>,
    /// Power drawn by the switch, watts.
    pub power_consumption_watts: Option<f64>,
    /// System temperature, °C.
    pub system_temperature_celsius: Option<f64>,
    /// Uplink ports as Central lists them, e.g. "['1/1/49']".
    pub uplink_ports: Option<String>,
    /// Problems worth a look (offline, Poor/Fair health, high CPU/memory, PoE budget).
    pub warnings: Vec<String>,
}

fn map_switch(v: &Value, serial: &str) -> SwitchDetailsOutput {
    let trends = fields::object(v, "switchTrends");
    let trend = |key: &str| trends.and_then(|t| fields::number(t, key));
    let mut device = map_device(v);
    if device.serial_number.is_empty() {
        device.serial_number = serial.to_string();
    }
    device.device_type.get_or_insert_with(|| "SWITCH".into());
    device.last_seen_at = fields::epoch_rfc3339(v, "lastSeenAt");
    let reasons = fields::object(v, "healthReasons");
    let health_reasons = ["poorReasons", "fairReasons"]
        .iter()
        .flat_map(|k| reasons.map(|r| fields::list(r, k)).unwrap_or(&[]))
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    let mut out = SwitchDetailsOutput {
        device,
        health: fields::text(v, "health"),
        health_reasons,
        switch_type: fields::text(v, "switchType"),
        switch_role: fields::text(v, "switchRole")
            .or_else(|| trends.and_then(|t| fields::text(t, "switchRole"))),
        stack_id: fields::text(v, "stackId"),
        public_ip: fields::text(v, "publicIp"),
        last_restart_reason: fields::text(v, "lastRestartReason"),
        last_config_change_at: fields::epoch_rfc3339(v, "lastConfigChange"),
        cpu_utilization_percent: trend("cpuUtilization"),
        memory_utilization_percent: trend("memoryUtilization"),
        poe_available_watts: trend("poeAvailable"),
        poe_consumption_watts: trend("poeConsumption"),
        power_consumption_watts: trend("powerConsumption"),
        system_temperature_celsius: trend("systemTemperature"),
        uplink_ports: trends.and_then(|t| fields::text(t, "upLinkPorts")),
        warnings: Vec::new(),
    };
    out.warnings = switch_warnings(&out);
    out
}

fn switch_warnings(s: &SwitchDetailsOutput) -> Vec<String> {
    let mut w = Vec::new();
    if s.device.status.as_deref() == Some("OFFLINE") {
        w.push(format!(
            "switch is OFFLINE{}",
            s.device
                .last_seen_at
                .as_deref()
                .map(|t| format!(" (last seen {t})"))
                .unwrap_or_default()
        ));
    }
    if let Some(h) = s
        .health
        .as_deref()
        .filter(|h| !h.eq_ignore_ascii_case("good"))
    {
        let why = if s.health_reasons.is_empty() {
            String::new()
        } else {
            format!(": {}", s.health_reasons.join(", "))
        };
        w.push(format!("health {h}{why}"));
    }
    if let Some(c) = s
        .cpu_utilization_percent
        .filter(|c| *c > HIGH_UTILISATION_PERCENT)
    {
        w.push(format!("high CPU {c}%"));
    }
    if let Some(m) = s
        .memory_utilization_percent
        .filter(|m| *m > HIGH_UTILISATION_PERCENT)
    {
        w.push(format!("high memory {m}%"));
    }
    if let (Some(used), Some(budget)) = (s.poe_consumption_watts, s.poe_available_watts)
        && budget > 0.0
        && used / budget * 100.0 > POE_BUDGET_HIGH_PERCENT
    {
        w.push(format!(
            "PoE at {:.0}% of the {budget} W budget",
            used / budget * 100.0
        ));
    }
    w
}

impl ToolOutput for SwitchDetailsOutput {
    fn summary(&self) -> String {
        let d = &self.device;
        let mut out = format!(
            "Switch {} ({}) is {} at {}",
            d.device_name.as_deref().unwrap_or("unnamed"),
            d.serial_number,
            d.status.as_deref().unwrap_or("in an unknown state"),
            d.site_name.as_deref().unwrap_or("an unknown site"),
        );
        if let Some(m) = &d.model {
            out.push_str(&format!(", model {m}"));
        }
        if let Some(f) = &d.firmware_version {
            out.push_str(&format!(", firmware {f}"));
        }
        out.push('.');
        if let Some(h) = &self.health {
            out.push_str(&format!(" Health {h}."));
        }
        if let Some(r) = &self.switch_role {
            out.push_str(&format!(" Role {r}."));
        }
        if let Some(up) = d.uptime_seconds {
            out.push_str(&format!(" Up {}.", fields::human_duration(up)));
        }
        if let (Some(c), Some(m)) = (
            self.cpu_utilization_percent,
            self.memory_utilization_percent,
        ) {
            out.push_str(&format!(" CPU {c}%, memory {m}%."));
        }
        if self.warnings.is_empty() {
            out.push_str(" No problems flagged.");
        } else {
            out.push_str(&format!(" Warnings: {}.", self.warnings.join("; ")));
        }
        out.push_str(" Ports: get_switch_interfaces.");
        out
    }
}

async fn switch_details(
    ctx: ToolContext,
    args: SwitchDetailsArgs,
) -> Result<SwitchDetailsOutput, ToolError> {
    let serial = args.serial;
    let body = ctx
        .call_object(
            ApiRequest::new(routes::SWITCH_DETAILS).path(serial.clone()),
            ToolError::not_found(format!("Reading switch {serial}"), not_found(&serial)),
        )
        .await?;
    Ok(map_switch(&body, &serial))
}

/// The `get_switch_details` tool.
pub fn get_switch_details() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_switch_details",
            title: "Switch details",
            description: "One switch: status, health reasons, role and stack, uptime, CPU, memory, PoE, temperature, uplinks.",
            toolset: Toolset::Monitoring,
        },
        switch_details,
    )
}

// === get_switch_interfaces ===

/// Which ports to list.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PortStatusFilter {
    /// Only ports that are operationally up.
    Up,
    /// Only ports that are operationally down.
    Down,
    /// All ports (default).
    #[default]
    All,
}

/// Arguments of `get_switch_interfaces`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchInterfacesArgs {
    /// The switch's serial number, e.g. SG12XY3456 (5-30 letters and digits).
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial: String,
    /// UP, DOWN or ALL (default). Sent to Central as `operStatus eq 'Up'|'Down'`, so `total`
    /// counts the matching ports.
    #[schemars(description = "", extend("default" = "ALL"))]
    pub status_filter: Option<PortStatusFilter>,
    /// Text to look for in port name, description or neighbour (Central's `search`).
    #[schemars(description = "Port name, description or neighbour.")]
    pub search: Option<String>,
    /// Ports per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Ports to skip; pass the `next_offset` of the previous answer (default 0).
    #[schemars(range(min = 0))]
    #[schemars(description = "`next_offset` of the previous page.")]
    pub offset: Option<i64>,
    /// The port fields to return instead of the default ones ([`Item::DEFAULT`] of
    /// [`SwitchPort`]); `all` for every field. `name` is always returned.
    #[schemars(description = "Default: the main fields.")]
    pub fields: Option<Fields<SwitchPort>>,
}

impl Validate for SwitchInterfacesArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 100)?;
        }
        if let Some(o) = self.offset {
            args::check_range("offset", o, 0, 100_000)?;
        }
        self.search = args::clean_text("search", self.search.take(), 256)?;
        Ok(())
    }
}

/// One switch port.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SwitchPort {
    /// Port name, e.g. 1/1/1.
    pub name: String,
    /// Port index.
    pub index: Option<u64>,
    /// Interface type, e.g. GigabitEthernet.
    pub port_type: Option<String>,
    /// Operational status, UP or DOWN.
    pub oper_status: Option<String>,
    /// Administrative status, UP or DOWN.
    pub admin_status: Option<String>,
    /// Speed, Mbps.
    pub speed_mbps: Option<f64>,
    /// Duplex.
    pub duplex: Option<String>,
    /// Description / alias.
    pub description: Option<String>,
    /// Access or Trunk.
    pub vlan_mode: Option<String>,
    /// Native (access) VLAN.
    pub native_vlan: Option<u64>,
    /// Allowed VLAN ids on a trunk.
    pub allowed_vlans: Vec<u64>,
    /// PoE status, e.g. Delivering.
    pub poe_status: Option<String>,
    /// PoE class.
    pub poe_class: Option<String>,
    /// The port is an uplink.
    pub uplink: Option<bool>,
    /// LAG it belongs to.
    pub lag: Option<String>,
    /// LLDP/CDP neighbour name.
    pub neighbour: Option<String>,
    /// Neighbour's port.
    pub neighbour_port: Option<String>,
    /// Why the port is in error, if Central says.
    pub error_reason: Option<String>,
    /// Port errors Central lists.
    pub port_errors: Vec<String>,
    /// STP port state, e.g. Forwarding.
    pub stp_state: Option<String>,
}

impl Item for SwitchPort {
    const ALL: &'static [&'static str] = &[
        "name",
        "index",
        "port_type",
        "oper_status",
        "admin_status",
        "speed_mbps",
        "duplex",
        "description",
        "vlan_mode",
        "native_vlan",
        "allowed_vlans",
        "poe_status",
        "poe_class",
        "uplink",
        "lag",
        "neighbour",
        "neighbour_port",
        "error_reason",
        "port_errors",
        "stp_state",
    ];
    const DEFAULT: &'static [&'static str] = &[
        "name",
        "oper_status",
        "admin_status",
        "speed_mbps",
        "native_vlan",
        "uplink",
        "neighbour",
        "error_reason",
    ];
    const KEY: &'static str = "name";
}

fn map_port(v: &Value) -> SwitchPort {
    SwitchPort {
        name: fields::text(v, "name")
            .or_else(|| fields::text(v, "id"))
            .unwrap_or_default(),
        index: fields::count(v, "index"),
        port_type: fields::text(v, "type"),
        oper_status: fields::status_upper(v, "operStatus")
            .or_else(|| fields::status_upper(v, "status")),
        admin_status: fields::status_upper(v, "adminStatus"),
        speed_mbps: fields::number(v, "speed"),
        duplex: fields::text(v, "duplex"),
        description: fields::text(v, "description").or_else(|| fields::text(v, "alias")),
        vlan_mode: fields::text(v, "vlanMode"),
        native_vlan: fields::count(v, "nativeVlan"),
        allowed_vlans: fields::list(v, "allowedVlanIds")
            .iter()
            .filter_map(Value::as_u64)
            .collect(),
        poe_status: fields::text(v, "poeStatus"),
        poe_class: fields::text(v, "poeClass"),
        uplink: fields::boolean(v, "uplink"),
        lag: fields::text(v, "lag"),
        neighbour: fields::text(v, "neighbour"),
        neighbour_port: fields::text(v, "neighbourPort"),
        error_reason: fields::text(v, "errorReason"),
        port_errors: fields::list(v, "portError")
            .iter()
            .filter_map(|e| e.as_str().map(str::to_string))
            .collect(),
        stp_state: fields::text(v, "stpPortState"),
    }
}

/// Counts over the returned ports.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct PortCounts {
    /// Ports operationally up.
    pub up: usize,
    /// Ports operationally down.
    pub down: usize,
    /// Of the down ports, those administratively disabled.
    pub admin_down: usize,
    /// Uplink ports that are down.
    pub uplinks_down: usize,
    /// Ports delivering PoE.
    pub poe_delivering: usize,
    /// Ports with an error reason or port errors.
    pub with_errors: usize,
}

/// Result of `get_switch_interfaces`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SwitchInterfacesOutput {
    /// The switch.
    pub serial_number: String,
    /// The status filter applied (UP, DOWN or ALL).
    pub status_filter: String,
    /// Ports matching the filter in all.
    pub total: Option<u64>,
    /// Ports in this answer.
    pub returned: usize,
    /// Offset of this page.
    pub offset: u64,
    /// Pass as `offset` for the next page; `null` on the last page.
    pub next_offset: Option<u64>,
    /// Counts over this page.
    pub counts: PortCounts,
    /// The ports.
    pub ports: Items<SwitchPort>,
}

fn count_ports(ports: &[SwitchPort]) -> PortCounts {
    let mut c = PortCounts::default();
    for p in ports {
        match p.oper_status.as_deref() {
            Some("UP") => c.up += 1,
            Some("DOWN") => {
                c.down += 1;
                c.admin_down += usize::from(p.admin_status.as_deref() == Some("DOWN"));
                c.uplinks_down += usize::from(p.uplink == Some(true));
            }
            _ => {}
        }
        c.poe_delivering += usize::from(
            p.poe_status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("delivering")),
        );
        c.with_errors += usize::from(p.error_reason.is_some() || !p.port_errors.is_empty());
    }
    c
}

impl ToolOutput for SwitchInterfacesOutput {
    fn summary(&self) -> String {
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let which = match self.status_filter.as_str() {
            "ALL" => String::new(),
            s => format!(" {s}"),
        };
        let c = &self.counts;
        let mut out = format!(
            "Switch {}: {} of {total}{which} port(s) from offset {}; on this page {} up, {} down \
             ({} admin down), {} delivering PoE.",
            self.serial_number,
            self.returned,
            self.offset,
            c.up,
            c.down,
            c.admin_down,
            c.poe_delivering
        );
        let uplinks_down: Vec<&str> = self
            .ports
            .iter()
            .filter(|p| p.uplink == Some(true) && p.oper_status.as_deref() == Some("DOWN"))
            .map(|p| p.name.as_str())
            .collect();
        if !uplinks_down.is_empty() {
            out.push_str(&format!(" UPLINKS DOWN: {}.", uplinks_down.join(", ")));
        }
        let down: Vec<&str> = self
            .ports
            .iter()
            .filter(|p| p.oper_status.as_deref() == Some("DOWN"))
            .map(|p| p.name.as_str())
            .collect();
        if !down.is_empty() {
            let shown = down.iter().take(15).copied().collect::<Vec<_>>().join(", ");
            out.push_str(&format!(" Down: {shown}"));
            if down.len() > 15 {
                out.push_str(&format!(" and {} more", down.len() - 15));
            }
            out.push('.');
        }
        let errors: Vec<String> = self
            .ports
            .iter()
            .filter(|p| p.error_reason.is_some() || !p.port_errors.is_empty())
            .take(5)
            .map(|p| {
                format!(
                    "{} ({})",
                    p.name,
                    p.error_reason
                        .clone()
                        .unwrap_or_else(|| p.port_errors.join(", "))
                )
            })
            .collect();
        if !errors.is_empty() {
            out.push_str(&format!(" Errors: {}.", errors.join("; ")));
        }
        if let Some(n) = self.next_offset {
            out.push_str(&format!(" More ports: call again with offset={n}."));
        }
        out
    }
}

async fn switch_interfaces(
    ctx: ToolContext,
    args: SwitchInterfacesArgs,
) -> Result<SwitchInterfacesOutput, ToolError> {
    let serial = args.serial;
    let status_filter = args.status_filter.unwrap_or_default();
    let filter = match status_filter {
        PortStatusFilter::Up => Some("operStatus eq 'Up'"),
        PortStatusFilter::Down => Some("operStatus eq 'Down'"),
        PortStatusFilter::All => None,
    };
    let limit = args.limit.unwrap_or(50) as u64;
    let offset = args.offset.unwrap_or(0) as u64;
    let page = ctx
        .call(
            ApiRequest::new(routes::SWITCH_INTERFACES)
                .path(serial.clone())
                .query("limit", limit)
                .query("offset", offset)
                .query_opt("filter", filter)
                .query_opt("search", args.search.clone()),
        )
        .await
        .map_err(ToolError::not_found(
            format!("Reading the interfaces of switch {serial}"),
            not_found(&serial),
        ))?
        .body;
    let ports: Vec<SwitchPort> = fields::list(&page, "items").iter().map(map_port).collect();
    let total = fields::count(&page, "total");
    let seen = offset + ports.len() as u64;
    let next_offset = match total {
        Some(t) => (seen < t).then_some(seen),
        None => (ports.len() as u64 == limit).then_some(seen),
    };
    Ok(SwitchInterfacesOutput {
        serial_number: serial,
        status_filter: match status_filter {
            PortStatusFilter::Up => "UP",
            PortStatusFilter::Down => "DOWN",
            PortStatusFilter::All => "ALL",
        }
        .to_string(),
        total,
        returned: ports.len(),
        offset,
        next_offset,
        counts: count_ports(&ports),
        ports: Items::new(ports, args.fields),
    })
}

/// The `get_switch_interfaces` tool.
pub fn get_switch_interfaces() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_switch_interfaces",
            title: "Switch ports",
            description: "A switch's ports: status, speed, VLANs, PoE, neighbour, errors; down ports and uplinks named.",
            toolset: Toolset::Monitoring,
        },
        switch_interfaces,
    )
}

// === get_stack_members ===

/// Arguments of `get_stack_members`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StackMembersArgs {
    /// The stack id (e.g. ST-sjc-01, from get_switch_details' `stack_id`) or the serial of its
    /// conductor or any member. 1-64 letters, digits, `-`, `_` or `.`.
    #[schemars(length(min = 1, max = 64))]
    #[schemars(description = "Stack id (get_switch_details) or a member serial.")]
    pub stack_id: String,
}

impl Validate for StackMembersArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        let v = self.stack_id.trim();
        let ok = (1..=64).contains(&v.len())
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !ok {
            return Err(ToolError::InvalidArgument(format!(
                "argument `stack_id`: {} is not a stack id or serial; expected 1 to 64 letters, \
                 digits, `-`, `_` or `.`, e.g. ST-sjc-01 (get_switch_details reports stack_id)",
                args::shown(&self.stack_id)
            )));
        }
        self.stack_id = v.to_string();
        Ok(())
    }
}

/// One stack member.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StackMember {
    /// Serial number.
    pub serial_number: String,
    /// Name.
    pub device_name: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// ONLINE or OFFLINE.
    pub status: Option<String>,
    /// Member id (position) in the stack.
    pub member_id: Option<u64>,
    /// Central's member status, e.g. Active or Missing.
    pub member_status: Option<String>,
    /// Election priority.
    pub priority: Option<u64>,
    /// Conductor, Standby, Member, …
    pub role: Option<String>,
    /// Firmware version.
    pub firmware_version: Option<String>,
    /// Health: Good, Fair or Poor.
    pub health: Option<String>,
    /// Uptime in seconds.
    pub uptime_seconds: Option<u64>,
}

/// Result of `get_stack_members`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StackMembersOutput {
    /// Stack id.
    pub stack_id: String,
    /// Ring or Chain.
    pub topology: Option<String>,
    /// Stack technology, e.g. VSF.
    pub stack_type: Option<String>,
    /// Members in all.
    pub total: usize,
    /// Members ONLINE.
    pub members_up: usize,
    /// Members not ONLINE (or not Active).
    pub members_down: usize,
    /// The conductor's name (or serial), if one is reported.
    pub conductor: Option<String>,
    /// The standby's name (or serial), if one is reported.
    pub standby: Option<String>,
    /// Distinct firmware versions, sorted.
    pub firmware_versions: Vec<String>,
    /// The members, by member id.
    pub members: Vec<StackMember>,
    /// Problems worth a look (members down, no conductor, mixed firmware).
    pub warnings: Vec<String>,
}

fn map_member(v: &Value) -> StackMember {
    StackMember {
        serial_number: fields::text(v, "serialNumber")
            .or_else(|| fields::text(v, "id"))
            .unwrap_or_default(),
        device_name: fields::text(v, "deviceName"),
        model: fields::text(v, "model"),
        status: fields::status_upper(v, "status"),
        member_id: fields::count(v, "stackMemberId"),
        member_status: fields::text(v, "stackMemberStatus"),
        priority: fields::count(v, "stackMemberPriority"),
        role: fields::text(v, "switchRole"),
        firmware_version: fields::text(v, "firmwareVersion"),
        health: fields::text(v, "health"),
        uptime_seconds: fields::uptime_seconds(v),
    }
}

fn member_is_down(m: &StackMember) -> bool {
    m.status.as_deref().is_some_and(|s| s != "ONLINE")
        || m.member_status
            .as_deref()
            .is_some_and(|s| !s.eq_ignore_ascii_case("active"))
}

fn map_stack(body: &Value, stack_id: &str) -> StackMembersOutput {
    let stacks = fields::list(body, "items");
    let first = stacks.first();
    let mut members: Vec<StackMember> = stacks
        .iter()
        .flat_map(|s| fields::list(s, "members"))
        .map(map_member)
        .collect();
    members.sort_by_key(|m| m.member_id.unwrap_or(u64::MAX));
    let name_of = |m: &StackMember| {
        m.device_name
            .clone()
            .unwrap_or_else(|| m.serial_number.clone())
    };
    let with_role = |role: &str| {
        members
            .iter()
            .find(|m| {
                m.role
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case(role))
            })
            .map(name_of)
    };
    let conductor = with_role("conductor").or_else(|| with_role("commander"));
    let standby = with_role("standby");
    let firmware_versions: Vec<String> = members
        .iter()
        .filter_map(|m| m.firmware_version.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let down: Vec<&StackMember> = members.iter().filter(|m| member_is_down(m)).collect();
    let mut warnings = Vec::new();
    for m in &down {
        warnings.push(format!(
            "member {} ({}) is {}",
            name_of(m),
            m.member_id.map_or("?".to_string(), |i| i.to_string()),
            m.member_status
                .as_deref()
                .or(m.status.as_deref())
                .unwrap_or("down")
        ));
    }
    if conductor.is_none() && !members.is_empty() {
        warnings.push("no conductor reported".to_string());
    }
    if firmware_versions.len() > 1 {
        warnings.push(format!("mixed firmware: {}", firmware_versions.join(", ")));
    }
    StackMembersOutput {
        stack_id: first
            .and_then(|s| fields::text(s, "id"))
            .unwrap_or_else(|| stack_id.to_string()),
        topology: first.and_then(|s| fields::text(s, "topology")),
        stack_type: first.and_then(|s| fields::text(s, "stackType")),
        total: members.len(),
        members_up: members.len() - down.len(),
        members_down: down.len(),
        conductor,
        standby,
        firmware_versions,
        members,
        warnings,
    }
}

impl ToolOutput for StackMembersOutput {
    fn summary(&self) -> String {
        let mut out = format!(
            "Stack {}{}: {} member(s), {} up, {} down.",
            self.stack_id,
            self.topology
                .as_deref()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default(),
            self.total,
            self.members_up,
            self.members_down
        );
        if let Some(c) = &self.conductor {
            out.push_str(&format!(" Conductor {c}."));
        }
        if let Some(s) = &self.standby {
            out.push_str(&format!(" Standby {s}."));
        }
        if self.warnings.is_empty() {
            out.push_str(" No problems flagged.");
        } else {
            out.push_str(&format!(" Warnings: {}.", self.warnings.join("; ")));
        }
        out
    }
}

async fn stack_members(
    ctx: ToolContext,
    args: StackMembersArgs,
) -> Result<StackMembersOutput, ToolError> {
    let id = args.stack_id;
    let body = ctx
        .call_object(
            ApiRequest::new(routes::STACK_MEMBERS).path(id.clone()),
            ToolError::not_found(
                format!("Reading stack {id}"),
                format!(
                    "No stack {id} in Central (a standalone switch has none). get_switch_details \
                 reports a switch's stack_id"
                ),
            ),
        )
        .await?;
    Ok(map_stack(&body, &id))
}

/// The `get_stack_members` tool.
pub fn get_stack_members() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_stack_members",
            title: "Switch stack members",
            description: "A switch stack's members: position, role, status, firmware; missing members flagged.",
            toolset: Toolset::Monitoring,
        },
        stack_members,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn switch_details_tolerate_nulls() {
        let s = map_switch(
            &json!({"serialNumber": null, "status": null, "switchTrends": null, "healthReasons": null,
                    "lastSeenAt": null, "health": null}),
            "SG1",
        );
        assert_eq!(s.device.serial_number, "SG1");
        assert_eq!(s.device.device_type.as_deref(), Some("SWITCH"));
        assert_eq!(s.cpu_utilization_percent, None);
        assert!(s.warnings.is_empty() && s.health_reasons.is_empty());
        assert!(s.summary().contains("unknown state"));
    }

    #[test]
    fn switch_details_read_the_documented_shape() {
        let s = map_switch(
            &json!({"serialNumber": "SG1", "status": "Offline", "lastSeenAt": 1_752_054_000u64,
                    "health": "Poor", "healthReasons": {"poorReasons": ["DEVICE_OFFLINE"], "fairReasons": []},
                    "switchTrends": {"cpuUtilization": 91, "poeAvailable": 100, "poeConsumption": 90}}),
            "SG1",
        );
        assert_eq!(s.device.status.as_deref(), Some("OFFLINE"));
        assert_eq!(
            s.device.last_seen_at.as_deref(),
            Some("2025-07-09T09:40:00Z")
        );
        assert_eq!(s.health_reasons, ["DEVICE_OFFLINE"]);
        let w = s.warnings.join("|");
        assert!(w.contains("OFFLINE") && w.contains("health Poor") && w.contains("high CPU 91"));
        assert!(w.contains("PoE at 90%"), "{w}");
    }

    #[test]
    fn ports_tolerate_nulls() {
        let p = map_port(
            &json!({"name": null, "id": null, "operStatus": null, "status": "Down", "speed": null,
                    "allowedVlanIds": null, "portError": null, "uplink": null}),
        );
        assert_eq!(p.name, "");
        assert_eq!(p.oper_status.as_deref(), Some("DOWN"));
        assert_eq!(p.speed_mbps, None);
        assert!(p.allowed_vlans.is_empty() && p.port_errors.is_empty());
        let c = count_ports(&[p]);
        assert_eq!((c.up, c.down, c.uplinks_down), (0, 1, 0));
    }

    #[test]
    fn stacks_tolerate_nulls_and_flag_problems() {
        let empty = map_stack(&json!({"items": null}), "ST-1");
        assert_eq!(empty.stack_id, "ST-1");
        assert_eq!(empty.total, 0);
        assert!(empty.warnings.is_empty());
        let s = map_stack(
            &json!({"items": [{"id": null, "topology": null, "members": [
                {"serialNumber": "B", "stackMemberId": 2, "status": "Offline", "stackMemberStatus": "Missing", "firmwareVersion": "10.1"},
                {"serialNumber": "A", "stackMemberId": null, "status": null, "switchRole": null, "firmwareVersion": "10.2"}]}]}),
            "ST-1",
        );
        assert_eq!(s.stack_id, "ST-1");
        assert_eq!((s.total, s.members_up, s.members_down), (2, 1, 1));
        assert_eq!(s.members[0].serial_number, "B");
        let w = s.warnings.join("|");
        assert!(w.contains("member B (2) is Missing"), "{w}");
        assert!(w.contains("no conductor") && w.contains("mixed firmware: 10.1, 10.2"));
    }
}
