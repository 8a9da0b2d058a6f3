//! Switch interfaces, derived from the dataset (a pure function of it, nothing stored).
//!
//! Each switch has access ports (24 or 48 by model) and four uplink ports. Wired clients sit
//! on the port their record names; the aggregation switch of a site (`<code>-agg-sw01`) feeds
//! the site's access points from its highest access ports and uplinks to the site's first
//! gateway; access switches (`idfN`) uplink to the aggregation switch. An offline switch
//! reports every port down.

use super::{ClientStatus, Dataset, Device, DeviceType};

/// The other end of a link, as LLDP reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbour {
    /// Neighbour host name.
    pub name: String,
    /// Neighbour serial.
    pub serial: String,
    /// `Access Point`, `Switch` or `Gateway`.
    pub family: String,
    /// Neighbour port.
    pub port: String,
}

/// One switch interface.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchPort {
    /// Name, `1/1/7` (AOS-CX) or `7` (AOS-Switch).
    pub name: String,
    /// 1-based index.
    pub index: u32,
    /// `Up` or `Down`.
    pub status: &'static str,
    /// Speed in Mbps (0 when down).
    pub speed: u32,
    /// `true` for the four uplink ports.
    pub uplink: bool,
    /// `Access` or `Trunk`.
    pub vlan_mode: &'static str,
    /// Native / access VLAN.
    pub native_vlan: u32,
    /// Allowed VLANs (trunks) or the access VLAN.
    pub allowed_vlans: Vec<u32>,
    /// `Delivering`, `Searching` or `Disabled`.
    pub poe_status: &'static str,
    /// PoE class when delivering.
    pub poe_class: Option<&'static str>,
    /// Description (what is plugged in).
    pub description: String,
    /// LLDP neighbour for infrastructure links.
    pub neighbour: Option<Neighbour>,
}

/// Number of access ports of a switch model.
fn access_ports(model: &str) -> u32 {
    if model == "CX 6300M" { 48 } else { 24 }
}

/// The port name of `index` on `sw`.
pub fn port_name(sw: &Device, index: u32) -> String {
    if sw.switch_type.as_deref() == Some("pvos") {
        index.to_string()
    } else {
        format!("1/1/{index}")
    }
}

/// All interfaces of switch `sw`, in index order.
pub fn switch_ports(ds: &Dataset, sw: &Device) -> Vec<SwitchPort> {
    let access = access_ports(&sw.model);
    let online = sw.status.is_online();
    let site_switches: Vec<&Device> = ds
        .devices_of_type(DeviceType::Switch)
        .filter(|d| d.site_id == sw.site_id)
        .collect();
    let agg = site_switches.first().copied();
    let is_agg = agg.is_some_and(|a| a.serial_number == sw.serial_number);
    let gateway = ds
        .devices_of_type(DeviceType::Gateway)
        .find(|g| g.site_id == sw.site_id);
    let aps: Vec<&Device> = if is_agg {
        ds.devices_of_type(DeviceType::AccessPoint)
            .filter(|d| d.site_id == sw.site_id)
            .collect()
    } else {
        Vec::new()
    };
    let mut ports = Vec::with_capacity((access + 4) as usize);
    for index in 1..=access + 4 {
        let name = port_name(sw, index);
        let uplink = index > access;
        let mut p = SwitchPort {
            name: name.clone(),
            index,
            status: "Down",
            speed: 0,
            uplink,
            vlan_mode: if uplink { "Trunk" } else { "Access" },
            native_vlan: 1,
            allowed_vlans: if uplink {
                vec![1, 10, 20, 30, 40, 50]
            } else {
                vec![1]
            },
            poe_status: if uplink { "Disabled" } else { "Searching" },
            poe_class: None,
            description: String::new(),
            neighbour: None,
        };
        if let Some(c) = ds.clients.iter().find(|c| {
            c.connected_device_serial == sw.serial_number && c.port.as_ref() == Some(&name)
        }) {
            p.status = "Up";
            p.speed = 1000;
            p.native_vlan = c.vlan_id.parse().unwrap_or(1);
            p.allowed_vlans = vec![p.native_vlan];
            p.description = c.client_name.clone();
            if matches!(c.function.as_str(), "IP Phone" | "IP Camera") {
                p.poe_status = "Delivering";
                p.poe_class = Some("2");
            }
            if c.status == ClientStatus::Failed {
                p.description = format!("{} (unauthenticated)", c.client_name);
            }
        } else if !uplink && index + (aps.len() as u32) > access {
            // Top access ports of the aggregation switch feed the site's APs.
            let slot = (access - index) as usize;
            if let Some(ap) = aps.get(slot) {
                p.status = if ap.status.is_online() { "Up" } else { "Down" };
                p.speed = if p.status == "Up" { 2500 } else { 0 };
                p.vlan_mode = "Trunk";
                p.allowed_vlans = vec![1, 10, 30, 40];
                p.poe_status = "Delivering";
                p.poe_class = Some("4");
                p.description = ap.device_name.clone();
                p.neighbour = Some(Neighbour {
                    name: ap.device_name.clone(),
                    serial: ap.serial_number.clone(),
                    family: "Access Point".into(),
                    port: "eth0".into(),
                });
            }
        } else if index == access + 1 {
            // First uplink: the aggregation switch goes to the gateway, the others to the
            // aggregation switch.
            let peer = if is_agg {
                gateway.map(|g| (g, "GE 0/0/1".to_string(), "Gateway"))
            } else {
                let k = site_switches
                    .iter()
                    .position(|d| d.serial_number == sw.serial_number)
                    .unwrap_or(1) as u32;
                agg.filter(|_| k <= 3)
                    .map(|a| (a, port_name(a, access_ports(&a.model) + 1 + k), "Switch"))
            };
            if let Some((dev, port, family)) = peer {
                p.status = if dev.status.is_online() { "Up" } else { "Down" };
                p.speed = if p.status == "Up" { 10_000 } else { 0 };
                p.description = format!("uplink to {}", dev.device_name);
                p.neighbour = Some(Neighbour {
                    name: dev.device_name.clone(),
                    serial: dev.serial_number.clone(),
                    family: family.into(),
                    port,
                });
            }
        } else if is_agg && uplink {
            // Downlinks of the aggregation switch to access switches 1..=3.
            let k = (index - access - 1) as usize;
            if let Some(idf) = site_switches.get(k) {
                p.status = if idf.status.is_online() { "Up" } else { "Down" };
                p.speed = if p.status == "Up" { 10_000 } else { 0 };
                p.description = format!("downlink to {}", idf.device_name);
                p.neighbour = Some(Neighbour {
                    name: idf.device_name.clone(),
                    serial: idf.serial_number.clone(),
                    family: "Switch".into(),
                    port: port_name(idf, access_ports(&idf.model) + 1),
                });
            }
        }
        if !online {
            p.status = "Down";
            p.speed = 0;
        }
        ports.push(p);
    }
    ports
}
