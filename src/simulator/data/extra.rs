//! Operational data derived from the core dataset: switch stacks, gateway uplinks and tunnels,
//! client usage, alerts, events and IDPS threats.
//!
//! It is generated *after* sites, devices and clients, from its own SplitMix64 stream (seeded
//! from the dataset seed and a fixed salt), so adding it changed none of the data generated
//! before it. Everything here references real sites, devices and clients:
//!
//! * a stack groups the AOS-CX access switches (`idfN`) of a site that has at least two;
//! * each gateway has an `INET` uplink and an `LTE` backup; branch gateways build IPSec WAN
//!   tunnels to the first gateway of the headquarters (which lists the reverse tunnels), and
//!   cluster members build GRE LAN tunnels to each other;
//! * Active alerts are exactly what `sites-health` counts (one Critical per offline device, one
//!   Major per hot device, one Minor per failed client), plus Cleared reboot alerts;
//! * events describe client sessions, device reboots, disconnections and configuration changes
//!   at the times the dataset records for them;
//! * threats are seen by online gateways, from connected clients of their site.

use super::{
    ClientStatus, ConnectionType, DAY_MS, Dataset, DeviceStatus, DeviceType, HOUR_MS, MINUTE_MS,
};
use crate::simulator::prng::{SplitMix64, mix};

/// Salt of the stream that generates this module's data.
const EXTRA_SALT: u64 = 0x0E7E_A7A5_EED5_A17E;

/// A stack of switches managed as one.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    /// Stack id, e.g. `ST-sjc-01`.
    pub id: String,
    /// Site of the stack.
    pub site_id: String,
    /// Serials of the members; the first is the conductor.
    pub members: Vec<String>,
    /// `Ring` or `Chain`.
    pub topology: String,
}

/// A WAN uplink of a gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct Uplink {
    /// Serial of the gateway.
    pub gateway_serial: String,
    /// Link tag, e.g. `INET`, `LTE`.
    pub link_tag: String,
    /// VLAN of the uplink.
    pub vlan_id: u32,
    /// `Up` or `Down`.
    pub status: String,
    /// `true` for the backup link.
    pub is_backup: bool,
    /// Public (NAT) address.
    pub public_ip: String,
    /// Private address on the uplink VLAN.
    pub private_ip: String,
    /// Current throughput sent, bytes/s.
    pub throughput_sent: u64,
    /// Current throughput received, bytes/s.
    pub throughput_received: u64,
    /// Bytes sent over the last 24 h.
    pub usage_sent: u64,
    /// Bytes received over the last 24 h.
    pub usage_received: u64,
}

/// A tunnel of a gateway (WAN IPSec towards the headquarters, or LAN GRE inside a cluster).
#[derive(Debug, Clone, PartialEq)]
pub struct Tunnel {
    /// Serial of the gateway that reports the tunnel.
    pub gateway_serial: String,
    /// Serial of the peer gateway.
    pub peer_serial: String,
    /// Tunnel name, unique per gateway.
    pub tunnel_name: String,
    /// `WAN` or `LAN`.
    pub tunnel_type: String,
    /// `IPSec` or `GRE`.
    pub encapsulation: String,
    /// `Orchestrated` (WAN) or `IKE`… (spec enum).
    pub mode: String,
    /// `Up` or `Down`.
    pub status: String,
    /// `Good`, `Fair` or `Poor`.
    pub health: String,
    /// Local tunnel end.
    pub source_ip: String,
    /// Remote tunnel end.
    pub destination_ip: String,
    /// Uplink the tunnel rides on (WAN) or `-`.
    pub uplink_name: String,
    /// VLAN of the uplink.
    pub vlan_id: u32,
    /// When the tunnel last came up (Unix ms).
    pub last_connected_ms: u64,
    /// Why it last went down.
    pub last_down_reason: String,
    /// Inbound SPI (0 for GRE).
    pub in_spi: u64,
    /// Outbound SPI (0 for GRE).
    pub out_spi: u64,
    /// Throughput sent, bytes/s.
    pub throughput_sent: u64,
    /// Throughput received, bytes/s.
    pub throughput_received: u64,
    /// Dropped packets over the last hour.
    pub dropped_packets: u64,
}

/// An alert of `network-notifications`.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Alert id (UUID form).
    pub id: String,
    /// `<typeId>:<serial or MAC>`.
    pub key: String,
    /// Alert definition id, e.g. `DEVICE_DISCONNECTED`.
    pub type_id: String,
    /// Alert name.
    pub name: String,
    /// One-line summary naming the device or client.
    pub summary: String,
    /// Category: System, Clients, …
    pub category: String,
    /// Critical, Major, Minor or Warning.
    pub severity: String,
    /// High, Medium or Low.
    pub priority: String,
    /// Active or Cleared.
    pub status: String,
    /// `Access Point`, `Switch` or `Gateway`.
    pub device_type: String,
    /// Site of the device or client (not in the item schema; used by the `siteId` filter).
    pub site_id: String,
    /// Serial of the device concerned.
    pub serial_number: String,
    /// When raised (Unix ms).
    pub created_at_ms: u64,
    /// When last updated (Unix ms).
    pub updated_at_ms: u64,
    /// Reason when cleared.
    pub cleared_reason: Option<String>,
}

/// An event of `network-troubleshooting/v1/events`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Event type id (numeric string).
    pub event_id: String,
    /// Unique id (UUID form).
    pub event_identifier: String,
    /// Event name.
    pub event_name: String,
    /// Category.
    pub category: String,
    /// `Access Point`, `Switch`, `Gateway`, `Wireless Client`, `Wired Client`.
    pub source_type: String,
    /// Name of the source.
    pub source_name: String,
    /// Description.
    pub description: String,
    /// Reason.
    pub reason: String,
    /// positive, negative or neutral.
    pub severity: String,
    /// When (Unix ms).
    pub time_at_ms: u64,
    /// Site.
    pub site_id: String,
    /// Device concerned (the reporting device for client events).
    pub serial_number: String,
    /// MAC of that device.
    pub device_mac_address: String,
    /// Client concerned, for client events.
    pub client_mac_address: Option<String>,
    /// BSSID, for wireless client events.
    pub bssid: Option<String>,
    /// Stack of the device, if any.
    pub stack_id: Option<String>,
}

/// An IDPS threat seen by a gateway (v1alpha1).
#[derive(Debug, Clone, PartialEq)]
pub struct Threat {
    /// Id, `threat~<epoch ms>~0~<signature id>-<n>`.
    pub id: String,
    /// When (Unix ms).
    pub timestamp_ms: u64,
    /// Informational … Critical.
    pub severity: String,
    /// ALLOWED or BLOCKED.
    pub action: String,
    /// Signature id.
    pub signature_id: u64,
    /// Signature name.
    pub signature_name: String,
    /// Description.
    pub description: String,
    /// CVE, or empty.
    pub cve_reference: String,
    /// Malware family, or empty.
    pub malware_family: String,
    /// Application protocol.
    pub app_proto: String,
    /// Transport protocol.
    pub proto: String,
    /// Source (client) address.
    pub src_ip: String,
    /// Source port.
    pub src_port: u32,
    /// Destination address.
    pub dest_ip: String,
    /// Destination port.
    pub dest_port: u32,
    /// Destination country.
    pub dest_country: String,
    /// Client MAC.
    pub client_mac: String,
    /// Client user name, if any.
    pub user_name: Option<String>,
    /// Client role.
    pub user_role: String,
    /// Gateway serial.
    pub device_serial: String,
    /// Site.
    pub site_id: String,
}

struct Signature {
    id: u64,
    name: &'static str,
    severity: &'static str,
    description: &'static str,
    cve: &'static str,
    family: &'static str,
    app: &'static str,
    port: u32,
    dest: &'static str,
    country: &'static str,
}

const SIGNATURES: [Signature; 6] = [
    Signature {
        id: 2016141,
        name: "ET INFO Executable Download from dotted-quad Host",
        severity: "Informational",
        description: "An executable was downloaded from a host addressed by IP literal",
        cve: "",
        family: "",
        app: "HTTP",
        port: 80,
        dest: "198.51.100.23",
        country: "Netherlands",
    },
    Signature {
        id: 2024897,
        name: "ET MALWARE Mirai Variant Checkin",
        severity: "Critical",
        description: "Mirai botnet variant command-and-control check-in",
        cve: "",
        family: "Mirai",
        app: "TELNET",
        port: 23,
        dest: "198.51.100.77",
        country: "Russia",
    },
    Signature {
        id: 2027865,
        name: "ET POLICY Observed DNS Query to .onion proxy Domain",
        severity: "Minor",
        description: "DNS lookup of a Tor2Web proxy domain",
        cve: "",
        family: "",
        app: "DNS",
        port: 53,
        dest: "198.51.100.53",
        country: "Germany",
    },
    Signature {
        id: 2034647,
        name: "ET EXPLOIT Apache log4j RCE Attempt (CVE-2021-44228)",
        severity: "Critical",
        description: "JNDI lookup string in an HTTP header (Log4Shell)",
        cve: "CVE-2021-44228",
        family: "",
        app: "HTTP",
        port: 8080,
        dest: "198.51.100.140",
        country: "United States",
    },
    Signature {
        id: 2019401,
        name: "ET POLICY Vulnerable Java Version 1.8.x Detected",
        severity: "Major",
        description: "A client announced an outdated Java runtime",
        cve: "CVE-2007-0015",
        family: "",
        app: "HTTP",
        port: 80,
        dest: "198.51.100.9",
        country: "United States",
    },
    Signature {
        id: 2031412,
        name: "ET MALWARE Cobalt Strike Beacon Observed",
        severity: "Critical",
        description: "HTTP traffic matching a Cobalt Strike beacon profile",
        cve: "",
        family: "CobaltStrike",
        app: "HTTPS",
        port: 443,
        dest: "198.51.100.201",
        country: "China",
    },
];

/// A UUID-shaped id (version 4 layout) from the stream.
pub(crate) fn uuid_from(rng: &mut SplitMix64) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// Is this device "hot" (CPU or memory above 85 %)? Same rule as site health.
pub(crate) fn is_hot(cpu: Option<u8>, mem: Option<u8>) -> bool {
    cpu.unwrap_or(0) > 85 || mem.unwrap_or(0) > 85
}

/// `Access Point` / `Switch` / `Gateway`, as alerts and events name device types.
pub(crate) fn display_type(t: DeviceType) -> &'static str {
    match t {
        DeviceType::AccessPoint => "Access Point",
        DeviceType::Switch => "Switch",
        DeviceType::Gateway => "Gateway",
    }
}

/// Add the operational data to a freshly generated dataset.
pub(super) fn extend(ds: &mut Dataset) {
    let mut rng = SplitMix64::new(mix(ds.seed ^ EXTRA_SALT));
    stacks(ds);
    for c in &mut ds.clients {
        c.usage_bytes = match c.status {
            ClientStatus::Connected => rng.range(2_000_000, 4_000_000_000),
            ClientStatus::Failed => 0,
        };
    }
    ds.uplinks = uplinks(ds, &mut rng);
    ds.tunnels = tunnels(ds, &mut rng);
    ds.alerts = alerts(ds, &mut rng);
    ds.events = events(ds, &mut rng);
    ds.threats = threats(ds, &mut rng);
}

fn stacks(ds: &mut Dataset) {
    let mut stacks = Vec::new();
    for site in &ds.sites {
        let members: Vec<String> = ds
            .devices
            .iter()
            .filter(|d| {
                d.site_id == site.id
                    && d.device_type == DeviceType::Switch
                    && d.device_name.contains("-idf")
                    && d.switch_type.as_deref() == Some("cx")
            })
            .map(|d| d.serial_number.clone())
            .collect();
        if members.len() >= 2 {
            stacks.push(Stack {
                id: format!("ST-{}-01", site.code),
                site_id: site.id.clone(),
                topology: if members.len() > 2 { "Ring" } else { "Chain" }.into(),
                members,
            });
        }
    }
    for st in &stacks {
        for d in ds
            .devices
            .iter_mut()
            .filter(|d| st.members.contains(&d.serial_number))
        {
            d.stack_id = Some(st.id.clone());
            d.deployment = "Stack".into();
        }
    }
    ds.stacks = stacks;
}

fn uplinks(ds: &Dataset, rng: &mut SplitMix64) -> Vec<Uplink> {
    let mut out = Vec::new();
    for (n, g) in ds.devices_of_type(DeviceType::Gateway).enumerate() {
        let site_index = ds.site(&g.site_id).map_or(0, |s| s.index);
        let online = g.status.is_online();
        for (k, (tag, vlan, backup)) in [("INET", 4094, false), ("LTE", 4093, true)]
            .into_iter()
            .enumerate()
        {
            let up = online && !(backup && rng.chance(20));
            let (tx, rx) = if up && !backup {
                (
                    rng.range(200_000, 9_000_000),
                    rng.range(800_000, 30_000_000),
                )
            } else if up {
                (rng.range(0, 2_000), rng.range(0, 4_000))
            } else {
                (0, 0)
            };
            let (us, ur) = (
                tx * rng.range(20_000, 60_000),
                rx * rng.range(20_000, 60_000),
            );
            out.push(Uplink {
                gateway_serial: g.serial_number.clone(),
                link_tag: tag.into(),
                vlan_id: vlan,
                status: if up { "Up" } else { "Down" }.into(),
                is_backup: backup,
                public_ip: if backup {
                    format!("100.64.{}.{}", site_index, 10 + n)
                } else {
                    g.public_ipv4.clone()
                },
                private_ip: format!(
                    "192.168.{}.{}",
                    100 + k * 10 + usize::from(site_index),
                    2 + n
                ),
                throughput_sent: tx,
                throughput_received: rx,
                usage_sent: us,
                usage_received: ur,
            });
        }
    }
    out
}

fn tunnels(ds: &Dataset, rng: &mut SplitMix64) -> Vec<Tunnel> {
    let mut out = Vec::new();
    let hq = ds.sites.first().and_then(|s| {
        ds.devices_of_type(DeviceType::Gateway)
            .find(|g| g.site_id == s.id)
    });
    let Some(hq) = hq else {
        return out;
    };
    let inet_ip = |serial: &str| {
        ds.uplinks
            .iter()
            .find(|u| u.gateway_serial == serial && !u.is_backup)
            .map_or_else(String::new, |u| u.public_ip.clone())
    };
    let push = |rng: &mut SplitMix64,
                from: &super::Device,
                to: &super::Device,
                wan: bool,
                out: &mut Vec<Tunnel>| {
        let up = from.status.is_online() && to.status.is_online();
        let health = if !up {
            "Poor"
        } else if rng.chance(10) {
            "Fair"
        } else {
            "Good"
        };
        let (tx, rx) = if up {
            (rng.range(10_000, 2_000_000), rng.range(10_000, 4_000_000))
        } else {
            (0, 0)
        };
        let age = rng.range(HOUR_MS, 20 * DAY_MS);
        out.push(Tunnel {
            gateway_serial: from.serial_number.clone(),
            peer_serial: to.serial_number.clone(),
            tunnel_name: if wan {
                format!("{}_INET_{}", from.device_name, to.device_name)
            } else {
                format!("{}_GRE_{}", from.device_name, to.device_name)
            },
            tunnel_type: if wan { "WAN" } else { "LAN" }.into(),
            encapsulation: if wan { "IPSec" } else { "GRE" }.into(),
            mode: if wan { "Orchestrated" } else { "IKE" }.into(),
            status: if up { "Up" } else { "Down" }.into(),
            health: health.into(),
            source_ip: if wan {
                inet_ip(&from.serial_number)
            } else {
                from.ipv4.clone()
            },
            destination_ip: if wan {
                inet_ip(&to.serial_number)
            } else {
                to.ipv4.clone()
            },
            uplink_name: if wan { "INET" } else { "-" }.into(),
            vlan_id: if wan { 4094 } else { 1 },
            last_connected_ms: ds.snapshot_unix_ms.saturating_sub(age),
            last_down_reason: if up { "SA expired" } else { "DPD failure" }.into(),
            in_spi: if wan {
                rng.range(0x1000_0000, 0xffff_ffff)
            } else {
                0
            },
            out_spi: if wan {
                rng.range(0x1000_0000, 0xffff_ffff)
            } else {
                0
            },
            throughput_sent: tx,
            throughput_received: rx,
            dropped_packets: if up { rng.range(0, 40) } else { 0 },
        });
    };
    for g in ds.devices_of_type(DeviceType::Gateway) {
        if g.site_id != hq.site_id {
            push(rng, g, hq, true, &mut out);
            push(rng, hq, g, true, &mut out);
        }
        if let Some(cluster) = &g.cluster_name {
            for peer in ds.devices_of_type(DeviceType::Gateway).filter(|p| {
                p.cluster_name.as_ref() == Some(cluster) && p.serial_number != g.serial_number
            }) {
                push(rng, g, peer, false, &mut out);
            }
        }
    }
    out
}

fn alerts(ds: &Dataset, rng: &mut SplitMix64) -> Vec<Alert> {
    let snap = ds.snapshot_unix_ms;
    let mut out = Vec::new();
    for d in &ds.devices {
        let kind = display_type(d.device_type);
        if d.status == DeviceStatus::Offline {
            let created = d
                .last_seen_at_ms
                .unwrap_or(snap)
                .saturating_add(5 * MINUTE_MS);
            let created = created.min(snap);
            out.push(Alert {
                id: uuid_from(rng),
                key: format!("DEVICE_DISCONNECTED:{}", d.serial_number),
                type_id: "DEVICE_DISCONNECTED".into(),
                name: format!("{kind} Disconnected"),
                summary: format!("{kind} {} is disconnected from Central", d.device_name),
                category: "System".into(),
                severity: "Critical".into(),
                priority: "High".into(),
                status: "Active".into(),
                device_type: kind.into(),
                site_id: d.site_id.clone(),
                serial_number: d.serial_number.clone(),
                created_at_ms: created,
                updated_at_ms: created,
                cleared_reason: None,
            });
        } else if is_hot(d.cpu_utilization, d.memory_utilization) {
            let created = snap.saturating_sub(rng.range(10 * MINUTE_MS, 6 * HOUR_MS));
            out.push(Alert {
                id: uuid_from(rng),
                key: format!("HIGH_CPU_UTILIZATION:{}", d.serial_number),
                type_id: "HIGH_CPU_UTILIZATION".into(),
                name: "High CPU Utilization".into(),
                summary: format!(
                    "CPU utilization of {kind} {} is {}%",
                    d.device_name,
                    d.cpu_utilization.unwrap_or(0)
                ),
                category: "System".into(),
                severity: "Major".into(),
                priority: "Medium".into(),
                status: "Active".into(),
                device_type: kind.into(),
                site_id: d.site_id.clone(),
                serial_number: d.serial_number.clone(),
                created_at_ms: created,
                updated_at_ms: created,
                cleared_reason: None,
            });
        }
        if let Some(up) = d.uptime_millis.filter(|u| *u < 7 * DAY_MS) {
            let created = snap.saturating_sub(up);
            out.push(Alert {
                id: uuid_from(rng),
                key: format!("DEVICE_REBOOTED:{}", d.serial_number),
                type_id: "DEVICE_REBOOTED".into(),
                name: format!("{kind} Rebooted"),
                summary: format!(
                    "{kind} {} rebooted: {}",
                    d.device_name, d.last_reboot_reason
                ),
                category: "System".into(),
                severity: "Warning".into(),
                priority: "Low".into(),
                status: "Cleared".into(),
                device_type: kind.into(),
                site_id: d.site_id.clone(),
                serial_number: d.serial_number.clone(),
                created_at_ms: created,
                updated_at_ms: created.saturating_add(10 * MINUTE_MS).min(snap),
                cleared_reason: Some("Device is back online".into()),
            });
        }
    }
    for c in ds
        .clients
        .iter()
        .filter(|c| c.status == ClientStatus::Failed)
    {
        let device_type = if c.connection_type == ConnectionType::Wireless {
            "Access Point"
        } else {
            "Switch"
        };
        out.push(Alert {
            id: uuid_from(rng),
            key: format!("CLIENT_AUTH_FAILURE:{}", c.mac_address),
            type_id: "CLIENT_AUTH_FAILURE".into(),
            name: "Client Authentication Failure".into(),
            summary: format!(
                "Client {} ({}) failed {} authentication on {}",
                c.client_name, c.mac_address, c.authentication_type, c.connected_to
            ),
            category: "Clients".into(),
            severity: "Minor".into(),
            priority: "Low".into(),
            status: "Active".into(),
            device_type: device_type.into(),
            site_id: c.site_id.clone(),
            serial_number: c.connected_device_serial.clone(),
            created_at_ms: c.last_seen_at_ms,
            updated_at_ms: c.last_seen_at_ms,
            cleared_reason: None,
        });
    }
    out.sort_by_key(|x| std::cmp::Reverse(x.created_at_ms));
    out
}

#[allow(clippy::too_many_arguments)]
fn event(
    rng: &mut SplitMix64,
    ds: &Dataset,
    d: &super::Device,
    (event_id, name, category, severity): (&str, &str, &str, &str),
    description: String,
    reason: &str,
    time_at_ms: u64,
    client: Option<&super::Client>,
) -> Event {
    let (source_type, source_name) = match client {
        Some(c) if c.connection_type == ConnectionType::Wireless => {
            ("Wireless Client", c.client_name.clone())
        }
        Some(c) => ("Wired Client", c.client_name.clone()),
        None => (display_type(d.device_type), d.device_name.clone()),
    };
    Event {
        event_id: event_id.into(),
        event_identifier: uuid_from(rng),
        event_name: name.into(),
        category: category.into(),
        source_type: source_type.into(),
        source_name,
        description,
        reason: reason.into(),
        severity: severity.into(),
        time_at_ms: time_at_ms.min(ds.snapshot_unix_ms),
        site_id: d.site_id.clone(),
        serial_number: d.serial_number.clone(),
        device_mac_address: d.mac_address.clone(),
        client_mac_address: client.map(|c| c.mac_address.clone()),
        bssid: client.and_then(|c| c.bssid.clone()),
        stack_id: d.stack_id.clone(),
    }
}

fn events(ds: &Dataset, rng: &mut SplitMix64) -> Vec<Event> {
    let snap = ds.snapshot_unix_ms;
    let mut out = Vec::new();
    for d in &ds.devices {
        let kind = display_type(d.device_type);
        if let Some(seen) = d.last_seen_at_ms {
            out.push(event(
                rng,
                ds,
                d,
                (
                    "1001",
                    &format!("{kind} Disconnected"),
                    "System",
                    "negative",
                ),
                format!("{kind} {} lost its connection to Central", d.device_name),
                "Heartbeat timeout",
                seen + MINUTE_MS,
                None,
            ));
        }
        if let Some(up) = d.uptime_millis.filter(|u| *u < 25 * DAY_MS) {
            out.push(event(
                rng,
                ds,
                d,
                ("1002", &format!("{kind} Rebooted"), "System", "neutral"),
                format!("{kind} {} rebooted", d.device_name),
                &d.last_reboot_reason,
                snap.saturating_sub(up),
                None,
            ));
        }
        if snap.saturating_sub(d.config_modified_at_ms) < 25 * DAY_MS {
            out.push(event(
                rng,
                ds,
                d,
                ("1010", "Configuration Changed", "Configuration", "neutral"),
                format!("Configuration of {} was updated", d.device_name),
                "Configuration pushed from Central",
                d.config_modified_at_ms,
                None,
            ));
        }
        if d.device_type == DeviceType::AccessPoint && d.status.is_online() {
            for r in &d.radios {
                if rng.chance(40) {
                    let at = snap.saturating_sub(rng.range(MINUTE_MS, DAY_MS));
                    out.push(event(
                        rng,
                        ds,
                        d,
                        ("1201", "Radio Channel Changed", "RF", "neutral"),
                        format!(
                            "Radio {} ({}) of {} moved to channel {}",
                            r.radio_number, r.band, d.device_name, r.channel
                        ),
                        "AirMatch optimisation",
                        at,
                        None,
                    ));
                }
            }
        }
    }
    for c in &ds.clients {
        let Some(d) = ds.device(&c.connected_device_serial) else {
            continue;
        };
        let wireless = c.connection_type == ConnectionType::Wireless;
        match (c.status, wireless) {
            (ClientStatus::Connected, true) => out.push(event(
                rng,
                ds,
                d,
                ("2001", "Client Associated", "Clients", "positive"),
                format!(
                    "Client {} associated to {} on {}",
                    c.client_name,
                    c.wlan_name.as_deref().unwrap_or("-"),
                    d.device_name
                ),
                "Association successful",
                c.connected_at_ms.unwrap_or(c.last_seen_at_ms),
                Some(c),
            )),
            (ClientStatus::Connected, false) => out.push(event(
                rng,
                ds,
                d,
                ("2101", "Wired Client Authenticated", "Clients", "positive"),
                format!(
                    "Client {} authenticated on port {} of {}",
                    c.client_name,
                    c.port.as_deref().unwrap_or("-"),
                    d.device_name
                ),
                "Authentication successful",
                c.connected_at_ms.unwrap_or(c.last_seen_at_ms),
                Some(c),
            )),
            (ClientStatus::Failed, true) => out.push(event(
                rng,
                ds,
                d,
                (
                    "55",
                    "Client 802.1x Radius Timeout",
                    "Connectivity",
                    "negative",
                ),
                "Client authentication timeout occurred during 802.1x authentication process"
                    .to_string(),
                "Authentication timeout",
                c.last_seen_at_ms,
                Some(c),
            )),
            (ClientStatus::Failed, false) => out.push(event(
                rng,
                ds,
                d,
                (
                    "2102",
                    "Wired Client Authentication Failed",
                    "Connectivity",
                    "negative",
                ),
                format!(
                    "{} authentication of {} failed on port {}",
                    c.authentication_type,
                    c.client_name,
                    c.port.as_deref().unwrap_or("-")
                ),
                "Authentication rejected",
                c.last_seen_at_ms,
                Some(c),
            )),
        }
    }
    out.sort_by_key(|x| std::cmp::Reverse(x.time_at_ms));
    out
}

fn threats(ds: &Dataset, rng: &mut SplitMix64) -> Vec<Threat> {
    let snap = ds.snapshot_unix_ms;
    let mut out = Vec::new();
    for g in ds
        .devices_of_type(DeviceType::Gateway)
        .filter(|g| g.status.is_online())
    {
        let sources: Vec<&super::Client> = ds
            .clients
            .iter()
            .filter(|c| c.site_id == g.site_id && c.ipv4.is_some())
            .collect();
        let n = rng.range(0, 5);
        for k in 0..n {
            let Some(c) = rng.pick(&sources).copied() else {
                break;
            };
            let Some(sig) = SIGNATURES.get(rng.index(SIGNATURES.len())) else {
                continue;
            };
            let ts = snap.saturating_sub(rng.range(MINUTE_MS, 6 * DAY_MS));
            let blocked = sig.severity == "Critical" || rng.chance(30);
            out.push(Threat {
                id: format!("threat~{ts}~0~{}-{k}", sig.id),
                timestamp_ms: ts,
                severity: sig.severity.into(),
                action: if blocked { "BLOCKED" } else { "ALLOWED" }.into(),
                signature_id: sig.id,
                signature_name: sig.name.into(),
                description: sig.description.into(),
                cve_reference: sig.cve.into(),
                malware_family: sig.family.into(),
                app_proto: sig.app.into(),
                proto: if sig.app == "DNS" { "UDP" } else { "TCP" }.into(),
                src_ip: c.ipv4.clone().unwrap_or_default(),
                src_port: rng.range(49152, 65535) as u32,
                dest_ip: sig.dest.into(),
                dest_port: sig.port,
                dest_country: sig.country.into(),
                client_mac: c.mac_address.clone(),
                user_name: c.user_name.clone(),
                user_role: c.role.clone(),
                device_serial: g.serial_number.clone(),
                site_id: g.site_id.clone(),
            });
        }
    }
    out.sort_by_key(|x| std::cmp::Reverse(x.timestamp_ms));
    out
}
