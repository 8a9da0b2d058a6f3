//! `get_arp_table`: the ARP table of an access point, gateway or AOS-Switch switch, read over
//! Central's asynchronous troubleshooting API (`POST …/getArpTable`, no body, then polls, as the
//! ping tools do). Each family's entries (AP: `ipAddress`, `macAddress`, `device`, `flags`;
//! AOS-S: `ipAddress`, `macAddress`, `port`, `entryType`; gateway: `address`, `macAddress`,
//! `interfaceAndPort`) are mapped into one shape and bounded. For an access point the default
//! gateway comes from its monitoring details, so the result can say whether the AP has resolved it.

use std::time::Duration;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;

use super::args::{self, Validate};
use super::diagnostics::{self, DeviceKind, MAX_DURATION, Operation, TaskHandle, TaskRequest};
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset, actions};
use crate::central::{ApiRequest, routes};

/// Most entries returned; the result says when Central listed more.
pub const MAX_ENTRIES: usize = 150;

/// Arguments of `get_arp_table`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetArpTableArgs {
    /// Serial of an access point, gateway or AOS-Switch switch, e.g. CNK7ABC123.
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial: String,
    /// Seconds to wait for the table, 1-300 (default 60).
    #[schemars(range(min = 1, max = 300))]
    #[schemars(description = "")]
    pub timeout_seconds: Option<u64>,
}

impl Validate for GetArpTableArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        if let Some(t) = self.timeout_seconds {
            args::check_range(
                "timeout_seconds",
                i64::try_from(t).unwrap_or(i64::MAX),
                1,
                diagnostics::MAX_TIMEOUT_SECONDS as i64,
            )?;
        }
        Ok(())
    }
}

/// One ARP entry, whatever the device family.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ArpEntry {
    /// IP address.
    pub ip: String,
    /// MAC address, aa:bb:cc:dd:ee:ff when it has 12 hex digits (as Central gave it otherwise).
    pub mac: String,
    /// Interface or port the entry was learnt on (br0.10, vlan1, 24 …).
    pub interface: Option<String>,
    /// VLAN, when the interface names one.
    pub vlan: Option<u32>,
    /// dynamic, static or incomplete (no answer), when the device says.
    #[serde(rename = "type")]
    pub entry_type: Option<String>,
}

/// Result of `get_arp_table`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ArpTableOutput {
    /// Serial of the device.
    pub serial: String,
    /// Its troubleshooting family: aps, aos-s or gateways.
    pub device_type: DeviceKind,
    /// Central's task status: INITIATED, RUNNING, COMPLETED or FAILED.
    pub status: String,
    /// The wait ended before the task finished.
    pub timed_out: bool,
    /// Why it failed (FAILED).
    pub fail_reason: Option<String>,
    /// The device's default gateway (access points), listed first when it has an entry.
    pub default_gateway: Option<String>,
    /// Entries in this result (at most 150).
    pub returned: usize,
    /// Entries in the device's table.
    pub total: usize,
    /// The table had more entries than this result holds.
    pub truncated: bool,
    /// The entries.
    pub entries: Vec<ArpEntry>,
    /// The task handle.
    pub task: TaskHandle,
}

impl ArpTableOutput {
    fn device(&self) -> String {
        format!("{} {}", self.device_type.noun(), self.serial)
    }

    fn gateway_text(&self) -> String {
        let Some(gw) = &self.default_gateway else {
            return String::new();
        };
        match self.entries.iter().find(|e| &e.ip == gw) {
            Some(e) if e.entry_type.as_deref() == Some("incomplete") => format!(
                " Its default gateway {gw} is INCOMPLETE: the gateway does not answer ARP, so the device cannot reach it."
            ),
            Some(e) => format!(
                " Its default gateway {gw} is at {}{}.",
                e.mac,
                e.interface
                    .as_deref()
                    .map(|i| format!(" on {i}"))
                    .unwrap_or_default()
            ),
            None => format!(
                " Its default gateway {gw} has no ARP entry: the device has not reached it recently."
            ),
        }
    }
}

impl ToolOutput for ArpTableOutput {
    fn summary(&self) -> String {
        let device = self.device();
        if self.timed_out {
            return format!(
                "The ARP table of {device} is still {} after the wait; get_async_test_result with location \"{}\" fetches the result (its `output`).",
                self.status, self.task.location
            );
        }
        if self.status == "FAILED" {
            return format!(
                "Reading the ARP table of {device} FAILED: {}.",
                self.fail_reason
                    .as_deref()
                    .unwrap_or("Central gave no reason")
            );
        }
        let incomplete = self
            .entries
            .iter()
            .filter(|e| e.entry_type.as_deref() == Some("incomplete"))
            .count();
        let mut interfaces: Vec<&str> = Vec::new();
        for i in self.entries.iter().filter_map(|e| e.interface.as_deref()) {
            if !interfaces.contains(&i) && interfaces.len() < 6 {
                interfaces.push(i);
            }
        }
        let mut s = format!("ARP table of {device}: {} entries", self.total);
        if incomplete > 0 {
            s.push_str(&format!(" ({incomplete} incomplete)"));
        }
        if !interfaces.is_empty() {
            s.push_str(&format!(" on {}", interfaces.join(", ")));
        }
        s.push('.');
        s.push_str(&self.gateway_text());
        if self.truncated {
            s.push_str(&format!(
                " Only the first {} entries are listed; run_show_commands \"show arp\" gives the whole table as text.",
                self.returned
            ));
        }
        s
    }
}

/// `aa:bb:cc:dd:ee:ff` for a MAC with 12 hex digits in any layout (`ec6794-7e1fc0`,
/// `EC:67:94:7E:1F:C0`); the trimmed text otherwise.
fn mac_text(value: &str) -> String {
    let hex: Vec<char> = value
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if hex.len() == 12 && hex.iter().all(char::is_ascii_hexdigit) {
        hex.chunks(2)
            .map(|p| p.iter().collect::<String>().to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(":")
    } else {
        value.trim().to_string()
    }
}

/// The VLAN an interface names: `br0.10` (AP bridge sub-interface), `vlan10` / `vlan 10`.
fn vlan_of(interface: &str) -> Option<u32> {
    let i = interface.trim().to_ascii_lowercase();
    let digits = if let Some(rest) = i.strip_prefix("vlan") {
        rest.trim()
    } else if i.starts_with("br") {
        i.rsplit_once('.').map(|(_, v)| v)?
    } else {
        return None;
    };
    digits.parse().ok().filter(|v| (1..=4094).contains(v))
}

/// The entry type: `entryType` (AOS-S), else from the Linux ARP `flags` of an AP (0x2 complete,
/// 0x4 permanent); an all-zero MAC is incomplete whatever the family.
fn entry_type(entry: &Value, mac: &str) -> Option<String> {
    if mac == "00:00:00:00:00:00" {
        return Some("incomplete".into());
    }
    if let Some(t) = fields::text(entry, "entryType") {
        return Some(t.trim().to_ascii_lowercase());
    }
    let flags = fields::text(entry, "flags")?;
    let bits = u32::from_str_radix(flags.trim().trim_start_matches("0x"), 16).ok()?;
    Some(
        if bits & 0x2 == 0 {
            "incomplete"
        } else if bits & 0x4 != 0 {
            "static"
        } else {
            "dynamic"
        }
        .into(),
    )
}

/// Maps Central's `output.entries` of any family.
fn entries(output: &Value) -> Vec<ArpEntry> {
    fields::list(output, "entries")
        .iter()
        .filter_map(|e| {
            let ip = fields::text(e, "ipAddress").or_else(|| fields::text(e, "address"))?;
            let mac = mac_text(&fields::text(e, "macAddress").unwrap_or_default());
            let interface = fields::text(e, "device")
                .or_else(|| fields::text(e, "interfaceAndPort"))
                .or_else(|| fields::text(e, "port"));
            Some(ArpEntry {
                vlan: interface.as_deref().and_then(vlan_of),
                entry_type: entry_type(e, &mac),
                ip: ip.trim().to_string(),
                mac,
                interface,
            })
        })
        .collect()
}

/// The default gateway of access point `serial` from its details (`defaultGateway`, e.g.
/// `10.1.1.1 (DHCP)`); `None` when Central does not say or the lookup fails (the table is the
/// result, the gateway only annotates it).
async fn ap_default_gateway(ctx: &ToolContext, serial: &str) -> Option<String> {
    let body = ctx
        .call(ApiRequest::new(routes::AP_DETAILS).path(serial.to_string()))
        .await
        .ok()?
        .body;
    fields::text(&body, "defaultGateway")?
        .split_whitespace()
        .next()
        .map(str::to_string)
}

/// The default gateway's entry first, then at most [`MAX_ENTRIES`] in Central's order; and
/// how many there were.
fn arrange(mut list: Vec<ArpEntry>, default_gateway: Option<&str>) -> (Vec<ArpEntry>, usize) {
    if let Some(gw) = default_gateway
        && let Some(at) = list.iter().position(|e| e.ip == gw)
    {
        let entry = list.remove(at);
        list.insert(0, entry);
    }
    let total = list.len();
    list.truncate(MAX_ENTRIES);
    (list, total)
}

async fn run(ctx: ToolContext, a: GetArpTableArgs) -> Result<ArpTableOutput, ToolError> {
    let started = Instant::now();
    let wait = Duration::from_secs(
        a.timeout_seconds
            .unwrap_or(diagnostics::DEFAULT_TIMEOUT_SECONDS),
    );
    let kind = actions::device_kind(&ctx, &a.serial).await?;
    if kind == DeviceKind::Cx {
        return Err(ToolError::InvalidArgument(format!(
            "argument `serial`: {} is an AOS-CX switch, and Central reads ARP tables only from access points, gateways and AOS-Switch switches; run_show_commands with \"show arp\" reads a CX switch's table",
            a.serial
        )));
    }
    let out = diagnostics::run_task(
        &ctx,
        TaskRequest {
            kind,
            operation: Operation::GetArpTable,
            serial: a.serial.clone(),
            body: None,
            destination: None,
            wait: wait.saturating_sub(started.elapsed()),
            want_raw: false,
        },
    )
    .await?;
    let list = out.action_output.as_ref().map(entries).unwrap_or_default();
    let default_gateway = if kind == DeviceKind::Aps && out.status == "COMPLETED" {
        ap_default_gateway(&ctx, &a.serial).await
    } else {
        None
    };
    let (list, total) = arrange(list, default_gateway.as_deref());
    Ok(ArpTableOutput {
        serial: out.serial,
        device_type: out.device_type,
        status: out.status,
        timed_out: out.timed_out,
        fail_reason: out.fail_reason,
        default_gateway,
        returned: list.len(),
        total,
        truncated: list.len() < total,
        entries: list,
        task: out.task,
    })
}

/// The `get_arp_table` tool.
pub fn get_arp_table() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "get_arp_table",
            title: "ARP table of a device",
            description: "Reads the ARP table (IP, MAC, interface) of an AP, gateway or AOS-Switch and waits for it.",
            toolset: Toolset::Diagnostics,
        },
        run,
    )
    .with_max_duration(MAX_DURATION)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_the_three_families_into_one_shape() {
        let ap = json!({"entries": [
            {"device": "br0.3333", "flags": "0x2", "hardwareType": "0x1", "ipAddress": "172.31.98.18", "macAddress": "A4:83:E7:18:EC:9F", "mask": "*"},
            {"device": "br0.3333", "flags": "0x0", "hardwareType": "0x1", "ipAddress": "172.31.98.36", "macAddress": "00:00:00:00:00:00", "mask": "*"},
            {"device": "br0", "flags": "0x6", "hardwareType": "0x1", "ipAddress": "10.27.113.225", "macAddress": "ec:eb:b8:19:aa:00", "mask": "*"}
        ]});
        let e = entries(&ap);
        assert_eq!(
            e[0],
            ArpEntry {
                ip: "172.31.98.18".into(),
                mac: "a4:83:e7:18:ec:9f".into(),
                interface: Some("br0.3333".into()),
                vlan: Some(3333),
                entry_type: Some("dynamic".into()),
            }
        );
        assert_eq!(e[1].entry_type.as_deref(), Some("incomplete"));
        assert_eq!(e[2].entry_type.as_deref(), Some("static"));
        assert_eq!(e[2].vlan, None);

        let aos_s = json!({"entries": [{"entryType": "Dynamic", "ipAddress": "10.97.118.2", "macAddress": "ec6794-7e1fc0", "port": "1"}]});
        let e = entries(&aos_s);
        assert_eq!(e[0].mac, "ec:67:94:7e:1f:c0");
        assert_eq!(e[0].interface.as_deref(), Some("1"));
        assert_eq!(e[0].entry_type.as_deref(), Some("dynamic"));

        let gw = json!({"entries": [
            {"address": "10.27.119.177", "interfaceAndPort": "vlan4094", "macAddress": "94:f1:28:0c:77:00", "protocol": "Internet"},
            {"address": "10.27.119.173", "interfaceAndPort": "docker_gwbridge", "macAddress": "02:42:a9:fe:80:04", "protocol": "Internet"},
            {"interfaceAndPort": "vlan1", "macAddress": "no ip"}
        ]});
        let e = entries(&gw);
        assert_eq!(e.len(), 2, "an entry without an address is dropped");
        assert_eq!(e[0].vlan, Some(4094));
        assert_eq!(e[0].entry_type, None);
        assert_eq!(e[1].vlan, None);
        assert!(entries(&json!({"entries": null})).is_empty());
    }

    #[test]
    fn macs_and_vlans_are_read_leniently() {
        assert_eq!(mac_text("0011.2233.4455"), "00:11:22:33:44:55");
        assert_eq!(mac_text(" (incomplete) "), "(incomplete)");
        assert_eq!(vlan_of("VLAN 20"), Some(20));
        assert_eq!(vlan_of("br0.0"), None);
        assert_eq!(vlan_of("bond0.x"), None);
        assert_eq!(vlan_of("1/1/1"), None);
    }

    fn output(entries: Vec<ArpEntry>, total: usize, gateway: Option<&str>) -> ArpTableOutput {
        ArpTableOutput {
            serial: "CN12AB34CD".into(),
            device_type: DeviceKind::Aps,
            status: "COMPLETED".into(),
            timed_out: false,
            fail_reason: None,
            default_gateway: gateway.map(str::to_string),
            returned: entries.len(),
            total,
            truncated: entries.len() < total,
            entries,
            task: TaskHandle::new(
                DeviceKind::Aps,
                "CN12AB34CD".into(),
                Operation::GetArpTable,
                "3f0e5a7c-2b1d-4c55-9d21-7a6b8c9d0e1f".into(),
            ),
        }
    }

    fn entry(ip: &str, kind: &str) -> ArpEntry {
        ArpEntry {
            ip: ip.into(),
            mac: "00:0b:86:00:00:01".into(),
            interface: Some("br0".into()),
            vlan: None,
            entry_type: Some(kind.into()),
        }
    }

    #[test]
    fn the_gateway_comes_first_and_the_list_is_bounded() {
        let list: Vec<ArpEntry> = (0..400)
            .map(|i| entry(&format!("10.1.{}.{}", i / 200, i % 200), "dynamic"))
            .collect();
        let (kept, total) = arrange(list.clone(), Some("10.1.1.199"));
        assert_eq!((kept.len(), total), (MAX_ENTRIES, 400));
        assert_eq!(kept[0].ip, "10.1.1.199");
        assert_eq!(kept[1].ip, "10.1.0.0");
        let (kept, total) = arrange(list[..3].to_vec(), Some("192.0.2.1"));
        assert_eq!((kept, total), (list[..3].to_vec(), 3));
    }

    #[test]
    fn the_summary_names_the_gateway_and_the_cut() {
        let s = output(
            vec![
                entry("10.1.1.1", "dynamic"),
                entry("10.1.1.9", "incomplete"),
            ],
            2,
            Some("10.1.1.1"),
        )
        .summary();
        assert!(
            s.contains("2 entries (1 incomplete) on br0.")
                && s.contains("default gateway 10.1.1.1 is at 00:0b:86:00:00:01 on br0"),
            "{s}"
        );
        let s = output(vec![entry("10.1.1.1", "incomplete")], 1, Some("10.1.1.1")).summary();
        assert!(s.contains("INCOMPLETE"), "{s}");
        let s = output(vec![entry("10.1.1.9", "dynamic")], 400, Some("10.1.1.1")).summary();
        assert!(
            s.contains("has no ARP entry") && s.contains("Only the first 1 entries"),
            "{s}"
        );
    }
}
