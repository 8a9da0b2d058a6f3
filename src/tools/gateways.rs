//! Gateways and clusters: `list_gateways`, `get_gateway_details`, `get_gateway_uplinks`,
//! `list_gateway_tunnels` and `get_gateway_cluster_info` over
//! `/network-monitoring/v1/gateways…` and `/network-monitoring/v1/clusters/{cluster-name}/…`.
//!
//! Gateways report `status` in title case and cluster members in upper case (CONTRACT §5.5);
//! every output here uses upper case.

use std::collections::{BTreeMap, BTreeSet};

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::devices::{Device, DeviceStatus, map_device};
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// CPU or memory use above this is flagged.
const HIGH_UTILISATION_PERCENT: f64 = 80.0;

fn gateway_not_found(serial: &str) -> String {
    format!(
        "No gateway with serial {serial} in Central. list_gateways or find_device lists gateway \
         serials"
    )
}

fn cluster_not_found(name: &str) -> String {
    format!(
        "No gateway cluster named {name:?} in Central. list_gateways reports each gateway's \
         cluster_name"
    )
}

/// Checks a cluster name: 1-128 characters, no control characters.
fn cluster_name(value: &str) -> Result<String, ToolError> {
    args::clean_text("cluster_name", Some(value.to_string()), 128)?.ok_or_else(|| {
        ToolError::InvalidArgument(
            "argument `cluster_name`: empty; pass a cluster name such as sjc-gw-cluster \
             (list_gateways reports cluster_name)"
                .into(),
        )
    })
}

// === shared gateway mapping ===

/// One gateway.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Gateway {
    /// Identity and state (serial, name, status, model, firmware, site, addresses, uptime).
    #[serde(flatten)]
    pub device: Device,
    /// Standalone or Cluster.
    pub mode: Option<String>,
    /// Isoleader, Leader or Member.
    pub role: Option<String>,
    /// Branch Gateway, Mobility Controller, VPNC, …
    pub device_function: Option<String>,
    /// Cluster the gateway belongs to.
    pub cluster_name: Option<String>,
    /// CPU utilisation, percent.
    pub cpu_utilization_percent: Option<f64>,
    /// Memory utilisation, percent.
    pub memory_utilization_percent: Option<f64>,
    /// Why it last rebooted.
    pub reboot_reason: Option<String>,
}

fn map_gateway(v: &Value) -> Gateway {
    let mut device = map_device(v);
    device.device_type.get_or_insert_with(|| "GATEWAY".into());
    if device.ipv4.is_none() {
        device.ipv4 = fields::text(v, "ipAddress");
    }
    if device.deployment.is_none() {
        device.deployment = fields::text(v, "mode");
    }
    Gateway {
        device,
        mode: fields::text(v, "mode").or_else(|| fields::text(v, "deployment")),
        role: fields::text(v, "role"),
        device_function: fields::text(v, "deviceFunction"),
        cluster_name: fields::text(v, "clusterName"),
        cpu_utilization_percent: fields::number(v, "cpuUtilization"),
        memory_utilization_percent: fields::number(v, "memoryUtilization"),
        reboot_reason: fields::text(v, "rebootReason")
            .or_else(|| fields::text(v, "lastRebootReason")),
    }
}

fn gateway_warnings(g: &Gateway) -> Vec<String> {
    let mut w = Vec::new();
    if g.device.status.as_deref() == Some("OFFLINE") {
        w.push("gateway is OFFLINE".to_string());
    }
    if let Some(c) = g
        .cpu_utilization_percent
        .filter(|c| *c > HIGH_UTILISATION_PERCENT)
    {
        w.push(format!("high CPU {c}%"));
    }
    if let Some(m) = g
        .memory_utilization_percent
        .filter(|m| *m > HIGH_UTILISATION_PERCENT)
    {
        w.push(format!("high memory {m}%"));
    }
    w
}

fn gateway_label(g: &Gateway) -> String {
    format!(
        "{} ({})",
        g.device.device_name.as_deref().unwrap_or("unnamed"),
        g.device.serial_number
    )
}

// === list_gateways ===

/// Arguments of `list_gateways`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListGatewaysArgs {
    /// Only gateways with this status (sent as Central's title-case `Online`/`Offline`).
    #[schemars(description = "")]
    pub status: Option<DeviceStatus>,
    /// Only gateways at this site id.
    #[schemars(description = "")]
    pub site_id: Option<String>,
    /// Only gateways at the site with this exact name.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// Only gateways of this cluster.
    #[schemars(description = "")]
    pub cluster_name: Option<String>,
    /// Extra OData filter, combined with the above by `and`: `field eq 'v'` or
    /// `field in ('a','b')`. Fields: siteId, model, status (Online/Offline), deployment,
    /// macAddress, siteName, deviceName, firmwareVersion, serialNumber, clusterName.
    #[schemars(
        description = "OData, ANDed. Fields: siteId, siteName, model, status, deployment, macAddress, deviceName, firmwareVersion, serialNumber, clusterName."
    )]
    pub filter: Option<String>,
    /// Sort, e.g. `deviceName asc`. Fields: siteId, model, status, deployment, serialNumber,
    /// deviceName, macAddress, siteName, firmwareVersion.
    #[schemars(description = "E.g. `deviceName asc`.")]
    pub sort: Option<String>,
    /// Gateways per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Cursor: the `next` value of the previous page.
    #[schemars(description = "")]
    pub next: Option<String>,
}

impl Validate for ListGatewaysArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        args::ListArgs {
            limit: self.limit,
            max_limit: 100,
            filter: &mut self.filter,
            sort: &mut self.sort,
            next: &mut self.next,
        }
        .validate()?;
        super::scope::clean_site(&mut self.site_id, &mut self.site_name)?;
        self.cluster_name = args::clean_text("cluster_name", self.cluster_name.take(), 128)?;
        Ok(())
    }
}

/// Counts over the returned gateways.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct GatewayCounts {
    /// Gateways per status.
    pub by_status: BTreeMap<String, usize>,
    /// Gateways per mode (Standalone, Cluster).
    pub by_mode: BTreeMap<String, usize>,
    /// Gateways per model.
    pub by_model: BTreeMap<String, usize>,
}

/// Result of `list_gateways`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ListGatewaysOutput {
    /// Gateways matching the filter in all.
    pub total: Option<u64>,
    /// Gateways on this page.
    pub returned: usize,
    /// Pass as `next` for the following page; `null` on the last page.
    pub next: Option<String>,
    /// The filter sent to Central.
    pub filter: Option<String>,
    /// Counts over this page.
    pub counts: GatewayCounts,
    /// The gateways.
    pub gateways: Vec<Gateway>,
}

impl ToolOutput for ListGatewaysOutput {
    fn summary(&self) -> String {
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let mut out = format!("{} of {total} gateway(s)", self.returned);
        if let Some(f) = &self.filter {
            out.push_str(&format!(" matching `{f}`"));
        }
        out.push('.');
        let join = |m: &BTreeMap<String, usize>| {
            m.iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if self.returned > 0 {
            out.push_str(&format!(
                " Status: {}. Mode: {}.",
                join(&self.counts.by_status),
                join(&self.counts.by_mode)
            ));
        }
        let offline: Vec<String> = self
            .gateways
            .iter()
            .filter(|g| g.device.status.as_deref() == Some("OFFLINE"))
            .map(|g| {
                format!(
                    "{} at {}",
                    gateway_label(g),
                    g.device.site_name.as_deref().unwrap_or("no site")
                )
            })
            .collect();
        if offline.is_empty() {
            if self.returned > 0 {
                out.push_str(" None offline on this page.");
            }
        } else {
            out.push_str(&format!(" OFFLINE: {}.", offline.join("; ")));
        }
        let hot: Vec<String> = self
            .gateways
            .iter()
            .filter(|g| {
                g.cpu_utilization_percent
                    .is_some_and(|c| c > HIGH_UTILISATION_PERCENT)
                    || g.memory_utilization_percent
                        .is_some_and(|m| m > HIGH_UTILISATION_PERCENT)
            })
            .map(gateway_label)
            .collect();
        if !hot.is_empty() {
            out.push_str(&format!(" High CPU/memory: {}.", hot.join("; ")));
        }
        if self.returned == 0 && self.filter.is_some() {
            out.push_str(
                " Nothing matches the filter; check site names and ids with list_sites and \
                 serials with find_device.",
            );
        }
        if let Some(next) = &self.next {
            out.push_str(&format!(" More gateways: call again with next=\"{next}\"."));
        }
        out
    }
}

async fn list_gateways_handler(
    ctx: ToolContext,
    args: ListGatewaysArgs,
) -> Result<ListGatewaysOutput, ToolError> {
    let mut terms = Vec::new();
    if let Some(s) = args.status {
        terms.push(format!(
            "status eq '{}'",
            if s == DeviceStatus::Online {
                "Online"
            } else {
                "Offline"
            }
        ));
    }
    if let Some(id) = &args.site_id {
        terms.push(format!("siteId eq {}", args::odata_quote(id)));
    }
    if let Some(name) = &args.site_name {
        terms.push(format!("siteName eq {}", args::odata_quote(name)));
    }
    if let Some(c) = &args.cluster_name {
        terms.push(format!("clusterName eq {}", args::odata_quote(c)));
    }
    if let Some(f) = &args.filter {
        terms.push(f.clone());
    }
    let filter = args::odata_and(terms)?;
    let page = ctx
        .call(
            ApiRequest::new(routes::GATEWAYS)
                .query_opt("filter", filter.clone())
                .query_opt("sort", args.sort.clone())
                .query("limit", args.limit.unwrap_or(50))
                .query_opt("next", args.next.clone()),
        )
        .await
        .map_err(ToolError::api("Listing gateways"))?
        .body;
    let gateways: Vec<Gateway> = fields::list(&page, "items")
        .iter()
        .map(map_gateway)
        .collect();
    let mut counts = GatewayCounts::default();
    let key = |v: &Option<String>| v.clone().unwrap_or_else(|| "UNKNOWN".into());
    for g in &gateways {
        *counts.by_status.entry(key(&g.device.status)).or_default() += 1;
        *counts.by_mode.entry(key(&g.mode)).or_default() += 1;
        *counts.by_model.entry(key(&g.device.model)).or_default() += 1;
    }
    Ok(ListGatewaysOutput {
        total: fields::count(&page, "total"),
        returned: gateways.len(),
        next: fields::next_cursor(&page),
        filter,
        counts,
        gateways,
    })
}

/// The `list_gateways` tool.
pub fn list_gateways() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "list_gateways",
            title: "List gateways",
            description: "Gateways with status, mode, cluster, model, CPU and memory; offline and overloaded ones named.",
            toolset: Toolset::Monitoring,
        },
        list_gateways_handler,
    )
}

// === get_gateway_details ===

/// Arguments of `get_gateway_details`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GatewayDetailsArgs {
    /// The gateway's serial number, e.g. CNHJK9X0ZZ (5-30 letters and digits; case-insensitive).
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial_number: String,
}

impl Validate for GatewayDetailsArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial_number = args::serial("serial_number", &self.serial_number)?;
        Ok(())
    }
}

/// Result of `get_gateway_details`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GatewayDetailsOutput {
    /// The gateway.
    #[serde(flatten)]
    pub gateway: Gateway,
    /// MAC address range.
    pub mac_range: Option<String>,
    /// Problems worth a look (offline, high CPU/memory).
    pub warnings: Vec<String>,
}

impl ToolOutput for GatewayDetailsOutput {
    fn summary(&self) -> String {
        let g = &self.gateway;
        let d = &g.device;
        let mut out = format!(
            "Gateway {} is {} at {}",
            gateway_label(g),
            d.status.as_deref().unwrap_or("in an unknown state"),
            d.site_name.as_deref().unwrap_or("an unknown site")
        );
        if let Some(m) = &d.model {
            out.push_str(&format!(", model {m}"));
        }
        if let Some(f) = &d.firmware_version {
            out.push_str(&format!(", firmware {f}"));
        }
        out.push('.');
        match (&g.mode, &g.cluster_name) {
            (Some(m), Some(c)) => out.push_str(&format!(
                " {m}, cluster {c}, role {}.",
                g.role.as_deref().unwrap_or("unknown")
            )),
            (Some(m), None) => out.push_str(&format!(" {m}.")),
            _ => {}
        }
        if let Some(up) = d.uptime_seconds {
            out.push_str(&format!(" Up {}.", fields::human_duration(up)));
        }
        if let (Some(c), Some(m)) = (g.cpu_utilization_percent, g.memory_utilization_percent) {
            out.push_str(&format!(" CPU {c}%, memory {m}%."));
        }
        if self.warnings.is_empty() {
            out.push_str(" No problems flagged.");
        } else {
            out.push_str(&format!(" Warnings: {}.", self.warnings.join("; ")));
        }
        out.push_str(" WAN: get_gateway_uplinks; VPN: list_gateway_tunnels.");
        out
    }
}

fn map_gateway_details(v: &Value, serial: &str) -> GatewayDetailsOutput {
    let mut gateway = map_gateway(v);
    if gateway.device.serial_number.is_empty() {
        gateway.device.serial_number = serial.to_string();
    }
    let warnings = gateway_warnings(&gateway);
    GatewayDetailsOutput {
        gateway,
        mac_range: fields::text(v, "macRange"),
        warnings,
    }
}

async fn gateway_details(
    ctx: ToolContext,
    args: GatewayDetailsArgs,
) -> Result<GatewayDetailsOutput, ToolError> {
    let serial = args.serial_number;
    let body = ctx
        .call_object(
            ApiRequest::new(routes::GATEWAY_DETAILS).path(serial.clone()),
            ToolError::not_found(
                format!("Reading gateway {serial}"),
                gateway_not_found(&serial),
            ),
        )
        .await?;
    Ok(map_gateway_details(&body, &serial))
}

/// The `get_gateway_details` tool.
pub fn get_gateway_details() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_gateway_details",
            title: "Gateway details",
            description: "One gateway: status, mode, cluster role, IP, uptime, CPU, memory, reboot reason, warnings.",
            toolset: Toolset::Monitoring,
        },
        gateway_details,
    )
}

// === get_gateway_uplinks ===

/// Arguments of `get_gateway_uplinks`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GatewayUplinksArgs {
    /// The gateway's serial number (5-30 letters and digits; case-insensitive).
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial: String,
}

impl Validate for GatewayUplinksArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        Ok(())
    }
}

/// One WAN uplink.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Uplink {
    /// Link tag, e.g. INET, MPLS, LTE.
    pub link_tag: String,
    /// VLAN id.
    pub vlan_id: Option<u64>,
    /// Overall status, UP or DOWN.
    pub status: Option<String>,
    /// Physical link status, UP or DOWN.
    pub link_status: Option<String>,
    /// WAN reachability, UP or DOWN.
    pub wan_status: Option<String>,
    /// A backup uplink (not primary).
    pub is_backup: Option<bool>,
    /// Public IP address.
    pub public_ip: Option<String>,
    /// Private IP address.
    pub private_ip: Option<String>,
    /// Current throughput sent, bytes per second.
    pub throughput_sent_bytes_per_second: Option<f64>,
    /// Current throughput received, bytes per second.
    pub throughput_received_bytes_per_second: Option<f64>,
    /// Bytes sent.
    pub usage_sent_bytes: Option<u64>,
    /// Bytes received.
    pub usage_received_bytes: Option<u64>,
}

fn uplink_is_down(u: &Uplink) -> bool {
    [&u.status, &u.link_status, &u.wan_status]
        .iter()
        .any(|s| s.as_deref() == Some("DOWN"))
}

fn map_uplink(v: &Value) -> Uplink {
    let throughput = fields::object(v, "throughput");
    let usage = fields::object(v, "usage");
    Uplink {
        link_tag: fields::text(v, "linkTag")
            .or_else(|| fields::text(v, "id"))
            .unwrap_or_default(),
        vlan_id: fields::count(v, "vlanId"),
        status: fields::status_upper(v, "status"),
        link_status: fields::status_upper(v, "linkStatus"),
        wan_status: fields::status_upper(v, "wanStatus"),
        is_backup: fields::boolean(v, "isBackupUplink"),
        public_ip: fields::text(v, "publicIpAddress"),
        private_ip: fields::text(v, "privateIpAddress"),
        throughput_sent_bytes_per_second: throughput.and_then(|t| fields::number(t, "sent")),
        throughput_received_bytes_per_second: throughput
            .and_then(|t| fields::number(t, "received")),
        usage_sent_bytes: usage.and_then(|u| fields::count(u, "sent")),
        usage_received_bytes: usage.and_then(|u| fields::count(u, "received")),
    }
}

/// Result of `get_gateway_uplinks`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GatewayUplinksOutput {
    /// The gateway.
    pub serial_number: String,
    /// Uplinks in all.
    pub total: Option<u64>,
    /// Uplinks returned.
    pub returned: usize,
    /// Uplinks up (status, link and WAN all up or unknown).
    pub up: usize,
    /// Uplinks down (status, link or WAN down).
    pub down: usize,
    /// A primary (non-backup) uplink is down.
    pub primary_down: bool,
    /// The uplinks.
    pub uplinks: Vec<Uplink>,
}

fn map_uplinks(body: &Value, serial: &str) -> GatewayUplinksOutput {
    let uplinks: Vec<Uplink> = fields::list(body, "items").iter().map(map_uplink).collect();
    let down = uplinks.iter().filter(|u| uplink_is_down(u)).count();
    GatewayUplinksOutput {
        serial_number: serial.to_string(),
        total: fields::count(body, "total"),
        returned: uplinks.len(),
        up: uplinks.len() - down,
        down,
        primary_down: uplinks
            .iter()
            .any(|u| uplink_is_down(u) && u.is_backup != Some(true)),
        uplinks,
    }
}

impl ToolOutput for GatewayUplinksOutput {
    fn summary(&self) -> String {
        let mut out = format!(
            "Gateway {}: {} uplink(s), {} up, {} down.",
            self.serial_number, self.returned, self.up, self.down
        );
        if self.returned == 0 {
            out.push_str(" Central reports no uplinks for it.");
            return out;
        }
        let down: Vec<String> = self
            .uplinks
            .iter()
            .filter(|u| uplink_is_down(u))
            .map(|u| {
                format!(
                    "{} ({}; link {}, WAN {})",
                    u.link_tag,
                    if u.is_backup == Some(true) {
                        "backup"
                    } else {
                        "primary"
                    },
                    u.link_status.as_deref().unwrap_or("?"),
                    u.wan_status.as_deref().unwrap_or("?")
                )
            })
            .collect();
        if !down.is_empty() {
            out.push_str(&format!(" DOWN: {}.", down.join("; ")));
        }
        if self.down == self.returned {
            out.push_str(" All uplinks are down: no WAN connectivity.");
        } else if self.primary_down {
            out.push_str(" A primary uplink is down; traffic is on the remaining path(s).");
        } else if self.down == 0 {
            out.push_str(" All uplinks operational.");
        }
        out
    }
}

async fn gateway_uplinks(
    ctx: ToolContext,
    args: GatewayUplinksArgs,
) -> Result<GatewayUplinksOutput, ToolError> {
    let serial = args.serial;
    let body = ctx
        .call(ApiRequest::new(routes::GATEWAY_UPLINKS).path(serial.clone()))
        .await
        .map_err(ToolError::not_found(
            format!("Reading the uplinks of gateway {serial}"),
            gateway_not_found(&serial),
        ))?
        .body;
    Ok(map_uplinks(&body, &serial))
}

/// The `get_gateway_uplinks` tool.
pub fn get_gateway_uplinks() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_gateway_uplinks",
            title: "Gateway WAN uplinks",
            description: "One gateway's WAN uplinks: status, primary/backup, IPs, throughput; down ones flagged.",
            toolset: Toolset::Monitoring,
        },
        gateway_uplinks,
    )
}

// === list_gateway_tunnels ===

/// Tunnel status to keep.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TunnelStatus {
    /// Tunnels that are up.
    Up,
    /// Tunnels that are down.
    Down,
}

/// Arguments of `list_gateway_tunnels`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GatewayTunnelsArgs {
    /// Tunnels of every gateway in this cluster (`GET …/clusters/{cluster-name}/tunnels`).
    /// Give this or `serial_number`.
    #[schemars(description = "This or serial_number.")]
    pub cluster_name: Option<String>,
    /// Tunnels of this one gateway (`GET …/gateways/{serial-number}/tunnels`); includes the
    /// tunnel type (LAN/WAN), uplink, encryption and drop counts. Give this or `cluster_name`.
    #[schemars(description = "One gateway, instead of cluster_name.")]
    pub serial_number: Option<String>,
    /// Only tunnels with this status.
    #[schemars(description = "")]
    pub status: Option<TunnelStatus>,
    /// Tunnels per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Cursor: the `next` value of the previous page.
    #[schemars(description = "")]
    pub next: Option<String>,
}

impl Validate for GatewayTunnelsArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 100)?;
        }
        self.next = args::cursor("next", self.next.take())?;
        self.cluster_name = match self.cluster_name.take() {
            Some(c) if !c.trim().is_empty() => Some(cluster_name(&c)?),
            _ => None,
        };
        self.serial_number = match self.serial_number.take() {
            Some(s) if !s.trim().is_empty() => Some(args::serial("serial_number", &s)?),
            _ => None,
        };
        match (&self.cluster_name, &self.serial_number) {
            (Some(_), Some(_)) => Err(ToolError::InvalidArgument(
                "pass either `cluster_name` or `serial_number`, not both".into(),
            )),
            (None, None) => Err(ToolError::InvalidArgument(
                "pass `cluster_name` (e.g. sjc-gw-cluster) or a gateway `serial_number`; \
                 list_gateways reports both"
                    .into(),
            )),
            _ => Ok(()),
        }
    }
}

/// One tunnel.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Tunnel {
    /// Tunnel name.
    pub tunnel_name: String,
    /// UP or DOWN.
    pub status: Option<String>,
    /// Good, Fair or Poor.
    pub health: Option<String>,
    /// Why health is degraded.
    pub health_reasons: Vec<String>,
    /// LAN or WAN (gateway tunnels only).
    pub tunnel_type: Option<String>,
    /// IPSec, GRE or vxlan.
    pub encapsulation: Option<String>,
    /// Orchestrated, IKE, …
    pub mode: Option<String>,
    /// Gateway name at this end.
    pub gateway: Option<String>,
    /// Source IP.
    pub source_ip: Option<String>,
    /// Destination IP.
    pub destination_ip: Option<String>,
    /// Peer name (cluster tunnels).
    pub destination_name: Option<String>,
    /// Peer site (cluster tunnels).
    pub destination_site: Option<String>,
    /// Uplink it runs over (gateway tunnels).
    pub uplink_name: Option<String>,
    /// Encryption, e.g. AES-256 (gateway tunnels).
    pub encryption: Option<String>,
    /// Why it last went down.
    pub last_down_reason: Option<String>,
    /// Dropped packets.
    pub dropped_packets: Option<u64>,
    /// Throughput sent, bytes per second.
    pub throughput_sent_bytes_per_second: Option<f64>,
    /// Throughput received, bytes per second.
    pub throughput_received_bytes_per_second: Option<f64>,
}

fn map_tunnel(v: &Value) -> Tunnel {
    let throughput = fields::object(v, "throughput");
    Tunnel {
        tunnel_name: fields::text(v, "tunnelName")
            .or_else(|| fields::text(v, "id"))
            .unwrap_or_default(),
        status: fields::status_upper(v, "status"),
        health: fields::text(v, "health"),
        health_reasons: fields::list(v, "healthReasons")
            .iter()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect(),
        tunnel_type: fields::text(v, "tunnelType"),
        encapsulation: fields::text(v, "encapsulation"),
        mode: fields::text(v, "mode"),
        gateway: fields::text(v, "gateway"),
        source_ip: fields::text(v, "sourceIpAddress"),
        destination_ip: fields::text(v, "destinationIpAddress"),
        destination_name: fields::text(v, "destinationName"),
        destination_site: fields::text(v, "destinationSite"),
        uplink_name: fields::text(v, "uplinkName"),
        encryption: fields::text(v, "encryption"),
        last_down_reason: fields::text(v, "lastDownReason"),
        dropped_packets: fields::count(v, "droppedPackets"),
        throughput_sent_bytes_per_second: throughput.and_then(|t| fields::number(t, "sent")),
        throughput_received_bytes_per_second: throughput
            .and_then(|t| fields::number(t, "received")),
    }
}

fn tunnel_unhealthy(t: &Tunnel) -> bool {
    t.status.as_deref() == Some("DOWN")
        || t.health
            .as_deref()
            .is_some_and(|h| !h.eq_ignore_ascii_case("good"))
}

/// Result of `list_gateway_tunnels`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GatewayTunnelsOutput {
    /// The cluster asked about, if any.
    pub cluster_name: Option<String>,
    /// The gateway asked about, if any.
    pub serial_number: Option<String>,
    /// Tunnels matching in all.
    pub total: Option<u64>,
    /// Tunnels on this page.
    pub returned: usize,
    /// Pass as `next` for the following page; `null` on the last page.
    pub next: Option<String>,
    /// Tunnels UP on this page.
    pub up: usize,
    /// Tunnels DOWN on this page.
    pub down: usize,
    /// Tunnels down or not in Good health on this page.
    pub unhealthy: usize,
    /// The tunnels.
    pub tunnels: Vec<Tunnel>,
}

impl ToolOutput for GatewayTunnelsOutput {
    fn summary(&self) -> String {
        let scope = match (&self.cluster_name, &self.serial_number) {
            (Some(c), _) => format!("Cluster {c}"),
            (_, Some(s)) => format!("Gateway {s}"),
            _ => "Tunnels".to_string(),
        };
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let mut out = format!(
            "{scope}: {} of {total} tunnel(s); on this page {} up, {} down, {} unhealthy.",
            self.returned, self.up, self.down, self.unhealthy
        );
        let bad: Vec<String> = self
            .tunnels
            .iter()
            .filter(|t| tunnel_unhealthy(t))
            .take(10)
            .map(|t| {
                let mut s = format!(
                    "{} {} ({})",
                    t.tunnel_name,
                    t.status.as_deref().unwrap_or("?"),
                    t.health.as_deref().unwrap_or("health unknown")
                );
                if let Some(r) = &t.last_down_reason
                    && t.status.as_deref() == Some("DOWN")
                {
                    s.push_str(&format!(", last down: {r}"));
                }
                s
            })
            .collect();
        if bad.is_empty() {
            if self.returned > 0 {
                out.push_str(" All listed tunnels are up and healthy.");
            }
        } else {
            out.push_str(&format!(" Needs attention: {}", bad.join("; ")));
            if self.unhealthy > bad.len() {
                out.push_str(&format!(" and {} more", self.unhealthy - bad.len()));
            }
            out.push('.');
        }
        if let Some(next) = &self.next {
            out.push_str(&format!(" More tunnels: call again with next=\"{next}\"."));
        }
        out
    }
}

async fn gateway_tunnels(
    ctx: ToolContext,
    args: GatewayTunnelsArgs,
) -> Result<GatewayTunnelsOutput, ToolError> {
    let filter = args.status.map(|s| match s {
        TunnelStatus::Up => "status eq 'Up'",
        TunnelStatus::Down => "status eq 'Down'",
    });
    let (request, context, missing) = match (&args.cluster_name, &args.serial_number) {
        (Some(c), _) => (
            ApiRequest::new(routes::CLUSTER_TUNNELS).path(c.clone()),
            format!("Listing the tunnels of cluster {c}"),
            cluster_not_found(c),
        ),
        (None, Some(s)) => (
            ApiRequest::new(routes::GATEWAY_TUNNELS).path(s.clone()),
            format!("Listing the tunnels of gateway {s}"),
            gateway_not_found(s),
        ),
        (None, None) => {
            return Err(ToolError::InvalidArgument(
                "pass `cluster_name` or `serial_number`".into(),
            ));
        }
    };
    let page = ctx
        .call(
            request
                .query_opt("filter", filter)
                .query("limit", args.limit.unwrap_or(50))
                .query_opt("next", args.next.clone()),
        )
        .await
        .map_err(ToolError::not_found(context, missing))?
        .body;
    let tunnels: Vec<Tunnel> = fields::list(&page, "items")
        .iter()
        .map(map_tunnel)
        .collect();
    let up = tunnels
        .iter()
        .filter(|t| t.status.as_deref() == Some("UP"))
        .count();
    let down = tunnels
        .iter()
        .filter(|t| t.status.as_deref() == Some("DOWN"))
        .count();
    Ok(GatewayTunnelsOutput {
        cluster_name: args.cluster_name,
        serial_number: args.serial_number,
        total: fields::count(&page, "total"),
        returned: tunnels.len(),
        next: fields::next_cursor(&page),
        up,
        down,
        unhealthy: tunnels.iter().filter(|t| tunnel_unhealthy(t)).count(),
        tunnels,
    })
}

/// The `list_gateway_tunnels` tool.
pub fn list_gateway_tunnels() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "list_gateway_tunnels",
            title: "Gateway VPN tunnels",
            description: "Tunnels of a cluster or gateway: status, health, endpoints, drops; down ones named.",
            toolset: Toolset::Monitoring,
        },
        gateway_tunnels,
    )
}

// === get_gateway_cluster_info ===

/// Arguments of `get_gateway_cluster_info`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterInfoArgs {
    /// The cluster's name, e.g. sjc-gw-cluster (list_gateways reports cluster_name).
    #[schemars(length(min = 1, max = 128))]
    #[schemars(description = "")]
    pub cluster_name: String,
    /// Members per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Cursor: the `next` value of the previous page.
    #[schemars(description = "")]
    pub next: Option<String>,
}

impl Validate for ClusterInfoArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.cluster_name = cluster_name(&self.cluster_name)?;
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 100)?;
        }
        self.next = args::cursor("next", self.next.take())?;
        Ok(())
    }
}

/// One cluster member.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClusterMember {
    /// Serial number.
    pub serial_number: String,
    /// Name.
    pub device_name: Option<String>,
    /// Leader, Member or Isoleader.
    pub role: Option<String>,
    /// ONLINE or OFFLINE.
    pub status: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Firmware version.
    pub firmware_version: Option<String>,
    /// Site name.
    pub site_name: Option<String>,
    /// IPv4 address.
    pub ipv4: Option<String>,
    /// Last seen (RFC 3339).
    pub last_seen_at: Option<String>,
}

fn map_cluster_member(v: &Value) -> ClusterMember {
    ClusterMember {
        serial_number: fields::text(v, "serialNumber")
            .or_else(|| fields::text(v, "id"))
            .unwrap_or_default(),
        device_name: fields::text(v, "deviceName"),
        role: fields::text(v, "role"),
        status: fields::status_upper(v, "status"),
        model: fields::text(v, "model"),
        firmware_version: fields::text(v, "firmwareVersion")
            .or_else(|| fields::text(v, "softwareVersion")),
        site_name: fields::text(v, "siteName"),
        ipv4: fields::text(v, "ipv4"),
        last_seen_at: fields::text(v, "lastSeenAt"),
    }
}

/// Result of `get_gateway_cluster_info`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClusterInfoOutput {
    /// Cluster name.
    pub cluster_name: String,
    /// Members in all.
    pub total: Option<u64>,
    /// Members on this page.
    pub returned: usize,
    /// Pass as `next` for the following page; `null` on the last page.
    pub next: Option<String>,
    /// Members ONLINE on this page.
    pub online: usize,
    /// Members not ONLINE on this page.
    pub offline: usize,
    /// The leader's name (or serial), when one is on this page.
    pub leader: Option<String>,
    /// Distinct firmware versions on this page, sorted.
    pub firmware_versions: Vec<String>,
    /// The members.
    pub members: Vec<ClusterMember>,
    /// Problems worth a look (offline members, no leader, mixed firmware, no redundancy).
    pub warnings: Vec<String>,
}

fn map_cluster(page: &Value, name: &str) -> ClusterInfoOutput {
    let members: Vec<ClusterMember> = fields::list(page, "items")
        .iter()
        .map(map_cluster_member)
        .collect();
    let label = |m: &ClusterMember| {
        m.device_name
            .clone()
            .unwrap_or_else(|| m.serial_number.clone())
    };
    let offline: Vec<&ClusterMember> = members
        .iter()
        .filter(|m| m.status.as_deref().is_some_and(|s| s != "ONLINE"))
        .collect();
    let leader = members
        .iter()
        .find(|m| {
            m.role
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case("leader"))
        })
        .map(label);
    let firmware_versions: Vec<String> = members
        .iter()
        .filter_map(|m| m.firmware_version.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let next = fields::next_cursor(page);
    let mut warnings = Vec::new();
    for m in &offline {
        warnings.push(format!(
            "member {} ({}) is {}",
            label(m),
            m.role.as_deref().unwrap_or("role unknown"),
            m.status.as_deref().unwrap_or("down")
        ));
    }
    if leader.is_none() && !members.is_empty() && next.is_none() {
        warnings.push("no leader reported".into());
    }
    if firmware_versions.len() > 1 {
        warnings.push(format!("mixed firmware: {}", firmware_versions.join(", ")));
    }
    let online = members.len() - offline.len();
    if online < 2 && !members.is_empty() && next.is_none() {
        warnings.push(format!("only {online} member(s) online: no redundancy"));
    }
    ClusterInfoOutput {
        cluster_name: name.to_string(),
        total: fields::count(page, "total"),
        returned: members.len(),
        next,
        online,
        offline: offline.len(),
        leader,
        firmware_versions,
        members,
        warnings,
    }
}

impl ToolOutput for ClusterInfoOutput {
    fn summary(&self) -> String {
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let mut out = format!(
            "Cluster {}: {} of {total} member(s), {} online, {} offline.",
            self.cluster_name, self.returned, self.online, self.offline
        );
        if let Some(l) = &self.leader {
            out.push_str(&format!(" Leader {l}."));
        }
        if self.warnings.is_empty() {
            out.push_str(" No problems flagged.");
        } else {
            out.push_str(&format!(" Warnings: {}.", self.warnings.join("; ")));
        }
        if let Some(next) = &self.next {
            out.push_str(&format!(" More members: call again with next=\"{next}\"."));
        }
        out.push_str(" Tunnels: list_gateway_tunnels with this cluster_name.");
        out
    }
}

async fn cluster_info(
    ctx: ToolContext,
    args: ClusterInfoArgs,
) -> Result<ClusterInfoOutput, ToolError> {
    let name = args.cluster_name;
    let page = ctx
        .call(
            ApiRequest::new(routes::CLUSTER_MEMBERS)
                .path(name.clone())
                .query("limit", args.limit.unwrap_or(50))
                .query_opt("next", args.next.clone()),
        )
        .await
        .map_err(ToolError::not_found(
            format!("Reading cluster {name}"),
            cluster_not_found(&name),
        ))?
        .body;
    Ok(map_cluster(&page, &name))
}

/// The `get_gateway_cluster_info` tool.
pub fn get_gateway_cluster_info() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_gateway_cluster_info",
            title: "Gateway cluster members",
            description: "A gateway cluster's members, roles and status: leader, offline members, mixed firmware.",
            toolset: Toolset::Monitoring,
        },
        cluster_info,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gateways_tolerate_nulls() {
        let g = map_gateway_details(
            &json!({"serialNumber": null, "status": null, "cpuUtilization": null, "mode": null,
                    "clusterName": null, "ipAddress": null}),
            "TW1",
        );
        assert_eq!(g.gateway.device.serial_number, "TW1");
        assert_eq!(g.gateway.device.device_type.as_deref(), Some("GATEWAY"));
        assert_eq!(g.gateway.cpu_utilization_percent, None);
        assert!(g.warnings.is_empty());
        assert!(g.summary().contains("unknown state"));
    }

    #[test]
    fn gateways_read_the_documented_shape() {
        let g = map_gateway_details(
            &json!({"serialNumber": "TW1", "status": "Offline", "mode": "Cluster", "role": "Leader",
                    "clusterName": "c1", "ipAddress": "10.0.0.1", "cpuUtilization": 95}),
            "TW1",
        );
        assert_eq!(g.gateway.device.status.as_deref(), Some("OFFLINE"));
        assert_eq!(g.gateway.device.ipv4.as_deref(), Some("10.0.0.1"));
        assert!(g.warnings.iter().any(|w| w.contains("OFFLINE")));
        assert!(g.warnings.iter().any(|w| w.contains("high CPU 95")));
    }

    #[test]
    fn uplinks_tolerate_nulls() {
        let out = map_uplinks(
            &json!({"items": [{"linkTag": null, "status": null, "throughput": null, "usage": {"sent": null}}], "total": null}),
            "TW1",
        );
        assert_eq!(out.returned, 1);
        assert_eq!((out.up, out.down, out.primary_down), (1, 0, false));
        assert_eq!(out.uplinks[0].throughput_sent_bytes_per_second, None);
        let out = map_uplinks(&json!({"items": null}), "TW1");
        assert!(out.summary().contains("no uplinks"));
        let out = map_uplinks(
            &json!({"items": [{"linkTag": "INET", "status": "Down", "isBackupUplink": false}]}),
            "TW1",
        );
        assert!(out.primary_down && out.summary().contains("All uplinks are down"));
    }

    #[test]
    fn tunnels_tolerate_nulls() {
        let t = map_tunnel(
            &json!({"tunnelName": null, "status": null, "health": null, "healthReasons": null, "throughput": null}),
        );
        assert_eq!(t.tunnel_name, "");
        assert!(!tunnel_unhealthy(&t));
        let t = map_tunnel(&json!({"tunnelName": "t1", "status": "Up", "health": "Poor"}));
        assert!(tunnel_unhealthy(&t));
    }

    #[test]
    fn clusters_tolerate_nulls_and_flag_problems() {
        let c = map_cluster(&json!({"items": null, "total": null}), "c1");
        assert_eq!(c.returned, 0);
        assert!(c.warnings.is_empty());
        let c = map_cluster(
            &json!({"items": [{"serialNumber": "A", "role": null, "status": "OFFLINE", "firmwareVersion": null},
                               {"serialNumber": "B", "role": "Member", "status": null}], "next": null}),
            "c1",
        );
        assert_eq!((c.online, c.offline), (1, 1));
        let w = c.warnings.join("|");
        assert!(w.contains("member A (role unknown) is OFFLINE"), "{w}");
        assert!(w.contains("no leader") && w.contains("no redundancy"));
    }
}
