//! ARP tables, locate and DNS lookups of `network-troubleshooting/v1` (issue 19):
//!
//! - `getArpTable` (aps, aos-s, gateways): no body; 202 with a `location`, polled like ping
//!   (INITIATED → RUNNING → COMPLETED). The table comes from the dataset in each family's
//!   shape: an AP sees its default gateway (the site gateway's MAC), the other APs of its site
//!   (an offline one as an incomplete entry) and its own clients on `br0.<vlan>`; an AOS-Switch
//!   sees its LLDP neighbours, the site gateway on its uplink and its wired clients, per port;
//!   a gateway sees its upstream next hop, the site's switches, APs and other gateways on
//!   `vlan1` and the site's clients on their VLANs.
//! - `locate` (aps, cx, aos-s): no body; 202 `{startTime, status: INITIATED}`, nothing to poll.
//!   The device's locate count goes up ([`super::SimulatorHandle::locates`]).
//! - `nslookup` (aps): body `{host, dnsServer?}`; 202 with a `location`. The lookup resolves a
//!   device name of the dataset to its address, other names to stable public addresses; it
//!   FAILS for a host under `.invalid` (NXDOMAIN) or a DNS server in 192.0.2.0/24 (no answer).
//!   Without `dnsServer` the AP's own server (its default gateway) answers.
//!
//! Unknown serial (or not of the path's type) → 404, offline device → 409, a body with unknown
//! fields or wrong types → 400 (the shared helpers of [`super::troubleshooting`]).

use hyper::Method;
use serde_json::{Value, json};

use super::data::ports::switch_ports;
use super::data::{ClientStatus, Device, DeviceType, rfc3339_ms};
use super::journal::now_unix_ms;
use super::lookup::noise;
use super::response::SimResponse;
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::state::State;
use super::tasks::{Phase, Task};
use super::troubleshooting::{
    Finished, Text, accept_task, check_fields, check_online, device, poll_task, resolve, segments,
    unreachable,
};

/// Register the ARP, locate and nslookup routes.
pub(crate) fn register(router: &mut Router<State>) {
    const ARP: [&str; 3] = [
        "/network-troubleshooting/v1/aps/{serial-number}/getArpTable",
        "/network-troubleshooting/v1/aos-s/{serial-number}/getArpTable",
        "/network-troubleshooting/v1/gateways/{serial-number}/getArpTable",
    ];
    const ARP_POLL: [&str; 3] = [
        "/network-troubleshooting/v1/aps/{serial-number}/getArpTable/async-operations/{task-id}",
        "/network-troubleshooting/v1/aos-s/{serial-number}/getArpTable/async-operations/{task-id}",
        "/network-troubleshooting/v1/gateways/{serial-number}/getArpTable/async-operations/{task-id}",
    ];
    const LOCATE: [&str; 3] = [
        "/network-troubleshooting/v1/aps/{serial-number}/locate",
        "/network-troubleshooting/v1/cx/{serial-number}/locate",
        "/network-troubleshooting/v1/aos-s/{serial-number}/locate",
    ];
    for t in ARP {
        router.add(Method::POST, t, start_arp);
    }
    for t in ARP_POLL {
        router.add(Method::GET, t, poll_arp);
    }
    for t in LOCATE {
        router.add(Method::POST, t, locate);
    }
    router
        .add(
            Method::POST,
            "/network-troubleshooting/v1/aps/{serial-number}/nslookup",
            start_nslookup,
        )
        .add(
            Method::GET,
            "/network-troubleshooting/v1/aps/{serial-number}/nslookup/async-operations/{task-id}",
            poll_nslookup,
        );
}

/// `POST …/getArpTable` → 202 with the task location (the spec takes no body).
fn start_arp(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let (family, serial, _) = segments(req);
    let d = device(state, family, serial)?;
    check_fields(&req.body, &[], &[])?;
    check_online(state, d)?;
    accept_task(state, req, d, json!({}), false)
}

/// `GET …/getArpTable/async-operations/{task-id}` — advances the task one step.
fn poll_arp(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    poll_task(
        state,
        req,
        params,
        |state, t, d| {
            let entries = match t.device_type.as_str() {
                "aps" => ap_table(state, d),
                "aos-s" => switch_table(state, d),
                _ => gateway_table(state, d),
            };
            Finished {
                output: json!({ "entries": entries }),
                raw: None,
            }
        },
        |_| (String::new(), String::new()),
    )
}

/// A stable MAC under `oui` for something the dataset has no MAC for (an ISP router).
fn derived_mac(key: &str, oui: [u8; 3]) -> String {
    let low = (noise(key, 11) * f64::from(0x00ff_ffff)) as u32;
    let [_, a, b, c] = low.to_be_bytes();
    let [x, y, z] = oui;
    format!("{x:02x}:{y:02x}:{z:02x}:{a:02x}:{b:02x}:{c:02x}")
}

/// The first token of a `defaultGateway` such as `10.1.1.1 (DHCP)`.
fn gateway_ip(d: &Device) -> &str {
    d.default_gateway.split_whitespace().next().unwrap_or("")
}

/// The site's first gateway (the one its switches uplink to).
fn site_gateway<'a>(state: &'a State, d: &Device) -> Option<&'a Device> {
    state
        .dataset
        .devices_of_type(DeviceType::Gateway)
        .find(|g| g.site_id == d.site_id)
}

/// Clients of the site that are connected now, have an address and pass `keep`.
fn clients<'a>(
    state: &'a State,
    d: &Device,
    keep: impl Fn(&super::data::Client) -> bool + 'a,
) -> impl Iterator<Item = (&'a super::data::Client, &'a str)> + 'a {
    let site = d.site_id.clone();
    state.dataset.clients.iter().filter_map(move |c| {
        let ip = c.ipv4.as_deref()?;
        (c.site_id == site
            && c.status == ClientStatus::Connected
            && !state.effects.gone(&c.mac_address)
            && keep(c))
        .then_some((c, ip))
    })
}

/// An AP's table (`device`, `flags`, `hardwareType`, `ipAddress`, `macAddress`, `mask`): its
/// default gateway, the other APs of its site, its clients.
fn ap_table(state: &State, d: &Device) -> Vec<Value> {
    let entry = |ip: &str, mac: &str, dev: &str, up: bool| {
        json!({
            "device": dev,
            "flags": if up { "0x2" } else { "0x0" },
            "hardwareType": "0x1",
            "ipAddress": ip,
            "macAddress": if up { mac } else { "00:00:00:00:00:00" },
            "mask": "*",
        })
    };
    let mut out = Vec::new();
    if let Some(gw) = site_gateway(state, d) {
        out.push(entry(
            gateway_ip(d),
            &gw.mac_address,
            "br0",
            gw.status.is_online(),
        ));
    }
    for ap in state.dataset.devices_of_type(DeviceType::AccessPoint) {
        if ap.site_id == d.site_id && ap.serial_number != d.serial_number {
            let up = ap.status.is_online() && !state.effects.rebooting(&ap.serial_number, now());
            out.push(entry(&ap.ipv4, &ap.mac_address, "br0", up));
        }
    }
    let serial = d.serial_number.clone();
    for (c, ip) in clients(state, d, move |c| c.connected_device_serial == serial) {
        out.push(entry(
            ip,
            &c.mac_address,
            &format!("br0.{}", c.vlan_id),
            true,
        ));
    }
    out
}

/// `ec6794-7e1fc0`, the AOS-Switch way of writing a MAC.
fn aos_s_mac(mac: &str) -> String {
    let hex: String = mac.chars().filter(char::is_ascii_hexdigit).collect();
    match (hex.get(..6), hex.get(6..)) {
        (Some(a), Some(b)) => format!("{a}-{b}").to_ascii_lowercase(),
        _ => hex,
    }
}

/// An AOS-Switch's table (`entryType`, `ipAddress`, `macAddress`, `port`): its online LLDP
/// neighbours on their ports, the site gateway on the first uplink, its wired clients.
fn switch_table(state: &State, d: &Device) -> Vec<Value> {
    let entry = |ip: &str, mac: &str, port: &str| json!({"entryType": "dynamic", "ipAddress": ip, "macAddress": aos_s_mac(mac), "port": port});
    let ports = switch_ports(&state.dataset, d);
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let uplink = ports.iter().find(|p| p.uplink).map(|p| p.name.clone());
    if let (Some(gw), Some(port)) = (site_gateway(state, d), &uplink)
        && gw.status.is_online()
    {
        out.push(entry(&gw.ipv4, &gw.mac_address, port));
        seen.push(&gw.serial_number);
    }
    for p in &ports {
        let Some(n) = &p.neighbour else { continue };
        let Some(nd) = state.dataset.device(&n.serial) else {
            continue;
        };
        if nd.status.is_online() && !seen.contains(&nd.serial_number.as_str()) {
            out.push(entry(&nd.ipv4, &nd.mac_address, &p.name));
            seen.push(&nd.serial_number);
        }
    }
    let serial = d.serial_number.clone();
    for (c, ip) in clients(state, d, move |c| c.connected_device_serial == serial) {
        out.push(entry(ip, &c.mac_address, c.port.as_deref().unwrap_or("")));
    }
    out
}

/// A gateway's table (`address`, `interfaceAndPort`, `macAddress`, `protocol`): the upstream
/// next hop on its INET uplink VLAN, the site's other devices on `vlan1`, the site's clients
/// on their VLANs.
fn gateway_table(state: &State, d: &Device) -> Vec<Value> {
    let entry = |ip: &str, mac: &str, interface: &str| json!({"address": ip, "interfaceAndPort": interface, "macAddress": mac, "protocol": "Internet"});
    let ds = &state.dataset;
    let inet = ds
        .uplinks
        .iter()
        .find(|u| u.gateway_serial == d.serial_number && !u.is_backup)
        .map_or(4094, |u| u.vlan_id);
    let mut out = vec![entry(
        gateway_ip(d),
        &derived_mac(&d.default_gateway, [0x00, 0x1b, 0x54]),
        &format!("vlan{inet}"),
    )];
    let now = now();
    for other in &ds.devices {
        if other.site_id == d.site_id
            && other.serial_number != d.serial_number
            && other.status.is_online()
            && !state.effects.rebooting(&other.serial_number, now)
        {
            out.push(entry(&other.ipv4, &other.mac_address, "vlan1"));
        }
    }
    for (c, ip) in clients(state, d, |_| true) {
        out.push(entry(ip, &c.mac_address, &format!("vlan{}", c.vlan_id)));
    }
    out
}

fn now() -> u64 {
    now_unix_ms()
}

/// `POST …/locate` → 202 `{startTime, status}`; the device's locate count goes up.
fn locate(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let (family, serial, _) = segments(req);
    let d = device(state, family, serial)?;
    check_fields(&req.body, &[], &[])?;
    check_online(state, d)?;
    state.effects.locate(&d.serial_number);
    Ok(SimResponse::json(
        202,
        &json!({"startTime": rfc3339_ms(now()), "status": Phase::Initiated.api_name()}),
    ))
}

/// `POST …/aps/{serial}/nslookup` → 202 with the task location.
fn start_nslookup(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let (family, serial, _) = segments(req);
    let d = device(state, family, serial)?;
    let body = check_fields(&req.body, &[("host", Text), ("dnsServer", Text)], &["host"])?;
    check_online(state, d)?;
    let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
    let fails = unreachable(text("host")) || unreachable(text("dnsServer"));
    accept_task(state, req, d, Value::Object(body), fails)
}

/// The host and DNS server of an nslookup task (the AP's default gateway when none was given).
fn lookup_of<'t>(t: &'t Task, d: &'t Device) -> (&'t str, &'t str) {
    let text = |k: &str| t.body.get(k).and_then(Value::as_str);
    (
        text("host").unwrap_or(""),
        text("dnsServer").unwrap_or_else(|| gateway_ip(d)),
    )
}

/// The addresses `host` resolves to: a device of the dataset by name (with or without a
/// domain), an address as itself, other names one or two stable public addresses.
fn addresses(state: &State, host: &str) -> Vec<String> {
    let first = host.split('.').next().unwrap_or(host);
    if let Some(d) = state
        .dataset
        .devices
        .iter()
        .find(|d| d.device_name.eq_ignore_ascii_case(first) && !d.ipv4.is_empty())
    {
        return vec![d.ipv4.clone()];
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        return vec![host.to_string()];
    }
    let mut list = vec![resolve(host)];
    if noise(host, 9) < 0.5 {
        list.push(resolve(&format!("{host}#2")));
    }
    list
}

/// `GET …/nslookup/async-operations/{task-id}` — advances the task one step.
fn poll_nslookup(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    let (family, serial, _) = segments(req);
    let d = device(state, family, serial)?;
    poll_task(
        state,
        req,
        params,
        |state, t, d| {
            let (host, server) = lookup_of(t, d);
            Finished {
                output: json!({
                    "dnsServer": server,
                    "hostName": host,
                    "resolvedAddresses": addresses(state, host),
                }),
                raw: None,
            }
        },
        |t| {
            let (host, server) = lookup_of(t, d);
            let reason = if unreachable(server) {
                format!("connection timed out; no servers could be reached ({server})")
            } else {
                format!("server can't find {host}: NXDOMAIN")
            };
            (
                reason.clone(),
                format!("\nCOMMAND=nslookup {host}\n** {reason}\n"),
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_are_written_the_aos_s_way_and_derived_stably() {
        assert_eq!(aos_s_mac("EC:67:94:7E:1F:C0"), "ec6794-7e1fc0");
        let a = derived_mac("203.0.113.11", [0, 0x1b, 0x54]);
        assert_eq!(a, derived_mac("203.0.113.11", [0, 0x1b, 0x54]));
        assert!(a.starts_with("00:1b:54:") && a.len() == 17, "{a}");
    }
}
