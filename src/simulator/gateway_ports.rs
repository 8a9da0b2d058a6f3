//! Gateway ports and tunnel health summaries (CONTRACT §5.5).
//!
//! Every gateway has four ports: `GE 0/0/0` carries the INET uplink, `GE 0/0/1` the LAN trunk
//! to the site's aggregation switch (whose first uplink names it as its neighbour port),
//! `GE 0/0/2` the LTE backup, `GE 0/0/3` is unused.

use hyper::Method;
use serde_json::{Value, json};

use super::data::{Dataset, Device, DeviceType};
use super::lookup::{device_of, noise, path_param};
use super::monitoring::cursor_list;
use super::page::{LimitSpec, parse_filter, parse_sort_param};
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::state::State;

/// Register the routes.
pub(crate) fn register(router: &mut Router<State>) {
    router
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/ports",
            ports,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/ports/{port-number}",
            port_detail,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/lan-tunnels-health-summary",
            lan_summary,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/wan-tunnels-health-summary",
            wan_summary,
        );
}

fn gateway<'d>(ds: &'d Dataset, params: &Params) -> Result<&'d Device, ApiError> {
    device_of(
        ds,
        path_param(params, "serial-number"),
        DeviceType::Gateway,
        "gateway",
    )
}

/// The MAC of port `n` (inside the gateway's MAC range).
fn port_mac(d: &Device, n: u8) -> String {
    match d.mac_address.rsplit_once(':') {
        Some((head, last)) => {
            let b = u8::from_str_radix(last, 16)
                .unwrap_or(0)
                .wrapping_add(n + 1);
            format!("{head}:{b:02x}")
        }
        None => d.mac_address.clone(),
    }
}

fn port_items(ds: &Dataset, d: &Device) -> Vec<Value> {
    let online = d.status.is_online();
    let uplink = |tag: &str| {
        ds.uplinks
            .iter()
            .find(|u| u.gateway_serial == d.serial_number && u.link_tag == tag)
    };
    let has_switch = ds
        .devices_of_type(DeviceType::Switch)
        .any(|s| s.site_id == d.site_id && s.status.is_online());
    (0u8..4)
        .map(|n| {
            let (up, vlan, port_type, tx, rx) = match n {
                0 | 2 => {
                    let u = uplink(if n == 0 { "INET" } else { "LTE" });
                    (
                        u.is_some_and(|u| u.status == "Up"),
                        u.map_or(String::new(), |u| u.vlan_id.to_string()),
                        "Access",
                        u.map_or(0, |u| u.throughput_sent),
                        u.map_or(0, |u| u.throughput_received),
                    )
                }
                1 => {
                    let (tx, rx) = uplink("INET")
                        .map_or((0, 0), |u| (u.throughput_received, u.throughput_sent));
                    (
                        online && has_switch,
                        "1,10,20,30,40,50".to_string(),
                        "Trunk",
                        tx,
                        rx,
                    )
                }
                _ => (false, "1".to_string(), "Access", 0, 0),
            };
            let key = format!("{}/{n}", d.serial_number);
            let packets = if up { (tx + rx) / 700 } else { 0 };
            let crc = if up {
                (noise(&key, 1) * 20.0) as u64
            } else {
                0
            };
            json!({
                "id": format!("{}/ports/{n}", d.serial_number),
                "type": "network-monitoring/gateway-monitoring",
                "name": format!("GE 0/0/{n}"),
                "portNumber": n,
                "macAddress": port_mac(d, n),
                "adminState": if n == 3 { "Disabled" } else { "Enabled" },
                "operState": if up { "Up" } else { "Down" },
                "health": if !up && n != 3 { "Poor" } else if crc > 15 { "Fair" } else { "Good" },
                "healthReasons": [],
                "connectorType": if n == 1 { "SFP" } else { "RJ45" },
                "portType": port_type,
                "duplex": if up { "Full" } else { "Auto" },
                "speed": if !up { 0 } else if n == 1 { 10_000 } else { 1_000 },
                "mtu": 1500,
                "vlan": vlan,
                "totalPackets": packets,
                "broadcastPackets": packets / 200,
                "multicastPackets": packets / 80,
                "collisions": 0,
                "crcErrors": crc,
                "giants": 0,
                "runts": 0,
                "throughput": {"sent": tx, "received": rx},
                "usage": {"sent": tx * 3600, "received": rx * 3600, "total": (tx + rx) * 3600},
            })
        })
        .collect()
}

const PORT_FIELDS: &[&str] = &["speed", "duplex", "vlan", "macAddress", "portType"];
const PORT_LIMIT: LimitSpec = LimitSpec::up_to(1000, 20);

/// `GET /network-monitoring/v1/gateways/{serial-number}/ports` — cursor paged.
fn ports(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let d = gateway(ds, params)?;
    let q = &req.query;
    let filter = parse_filter(q, PORT_FIELDS)?;
    let sort = parse_sort_param(q, PORT_FIELDS)?;
    cursor_list(q, port_items(ds, d).into_iter(), &filter, &sort, PORT_LIMIT)
}

/// `GET /network-monitoring/v1/gateways/{serial-number}/ports/{port-number}` — the port
/// `GE 0/0/{port-number}`.
fn port_detail(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let d = gateway(ds, params)?;
    let n = path_param(params, "port-number");
    port_items(ds, d)
        .into_iter()
        .find(|p| n.parse::<u64>().ok().is_some_and(|n| p["portNumber"] == n))
        .map(|p| SimResponse::ok(&p))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Resource not found for the given input. No port GE 0/0/{n} on gateway '{}'.",
                d.serial_number
            ))
        })
}

fn summary(state: &State, params: &Params, kind: &str) -> HandlerResult {
    let ds = &state.dataset;
    let d = gateway(ds, params)?;
    let count = |h: &str| {
        ds.tunnels
            .iter()
            .filter(|t| {
                t.gateway_serial == d.serial_number && t.tunnel_type == kind && t.health == h
            })
            .count()
    };
    Ok(SimResponse::ok(&json!({
        "id": d.serial_number,
        "type": "network-monitoring/gateway-monitoring",
        "encapsulation": if kind == "WAN" { "IPSec" } else { "GRE" },
        "tunnelHealth": {"good": count("Good"), "fair": count("Fair"), "poor": count("Poor")},
    })))
}

/// `GET /network-monitoring/v1/gateways/{serial-number}/lan-tunnels-health-summary`.
fn lan_summary(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    summary(state, params, "LAN")
}

/// `GET /network-monitoring/v1/gateways/{serial-number}/wan-tunnels-health-summary`.
fn wan_summary(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    summary(state, params, "WAN")
}
