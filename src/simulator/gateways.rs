//! Gateway and cluster endpoints (CONTRACT §5.5): list, detail, uplinks, tunnels, cluster
//! members and cluster tunnels.
//!
//! Gateways report `status` in title case; cluster members in upper case (§9.19). A cluster
//! exists for every site with two or more gateways (`<code>-gw-cluster`).

use hyper::Method;
use serde_json::{Value, json};

use super::data::{Dataset, Device, DeviceType, Tunnel, Uplink, rfc3339_ms};
use super::lookup::{device_of, path_param};
use super::monitoring::cursor_list;
use super::page::{LimitSpec, parse_filter, parse_sort_param};
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::sort::sort_json;
use super::state::State;

/// Resource type of gateway items.
const GW_TYPE: &str = "network-monitoring/gateway-monitoring";

/// Register the gateway and cluster routes.
pub(crate) fn register(router: &mut Router<State>) {
    router
        .add(Method::GET, "/network-monitoring/v1/gateways", gateways)
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}",
            gateway_detail,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/uplinks",
            uplinks,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/uplinks/{link-tag}",
            uplink_detail,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/tunnels",
            tunnels,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/gateways/{serial-number}/tunnels/{tunnel-name}",
            tunnel_detail,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/clusters/{cluster-name}/members",
            cluster_members,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/clusters/{cluster-name}/tunnels",
            cluster_tunnels,
        );
}

/// A gateway list item (also the detail body).
fn gateway_item(d: &Device) -> Value {
    json!({
        "id": d.serial_number,
        "type": GW_TYPE,
        "serialNumber": d.serial_number,
        "macAddress": d.mac_address,
        "deviceName": d.device_name,
        "siteId": d.site_id,
        "siteName": d.site_name,
        "model": d.model,
        "firmwareVersion": d.firmware_version,
        "status": d.status.title(),
        "mode": d.deployment,
        "role": d.role,
        "deviceFunction": d.device_function,
        "clusterName": d.cluster_name.clone().unwrap_or_default(),
        "ipAddress": d.ipv4,
        "macRange": d.mac_range,
        "cpuUtilization": d.cpu_utilization,
        "memoryUtilization": d.memory_utilization,
        "rebootReason": d.last_reboot_reason,
        "uptimeInMillis": d.uptime_millis,
    })
}

const LIST_FILTER: &[&str] = &[
    "siteId",
    "model",
    "status",
    "deployment",
    "macAddress",
    "siteName",
    "deviceName",
    "firmwareVersion",
    "serialNumber",
    "clusterName",
];
const LIST_SORT: &[&str] = &[
    "siteId",
    "model",
    "status",
    "deployment",
    "serialNumber",
    "deviceName",
    "macAddress",
    "siteName",
    "firmwareVersion",
];
const LIST_LIMIT: LimitSpec = LimitSpec::up_to(1000, 20);

/// `GET /network-monitoring/v1/gateways` — cursor paged (`deployment` filters/sorts `mode`).
fn gateways(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let q = &req.query;
    let filter = parse_filter(q, LIST_FILTER)?;
    let mut sort = parse_sort_param(q, LIST_SORT)?;
    for k in &mut sort {
        if k.field == "deployment" {
            k.field = "mode".into();
        }
    }
    let page = super::page::parse_cursor(q, LIST_LIMIT)?;
    let mut items: Vec<Value> = state
        .dataset
        .devices_of_type(DeviceType::Gateway)
        .map(gateway_item)
        .filter(|v| {
            filter.matches_by(|f| match f {
                "deployment" => v.get("mode"),
                other => v.get(other),
            })
        })
        .collect();
    sort_json(&mut items, &sort);
    Ok(SimResponse::ok(&Value::Object(super::page::cursor_page(
        items, page,
    ))))
}

fn gateway<'d>(ds: &'d Dataset, params: &Params) -> Result<&'d Device, ApiError> {
    device_of(
        ds,
        path_param(params, "serial-number"),
        DeviceType::Gateway,
        "gateway",
    )
}

/// `GET /network-monitoring/v1/gateways/{serial-number}`.
fn gateway_detail(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    Ok(SimResponse::ok(&gateway_item(gateway(
        &state.dataset,
        params,
    )?)))
}

fn uplink_item(u: &Uplink) -> Value {
    json!({
        "id": format!("{}/uplinks/{}", u.gateway_serial, u.link_tag),
        "type": GW_TYPE,
        "linkTag": u.link_tag,
        "vlanId": u.vlan_id,
        "status": u.status,
        "linkStatus": u.status,
        "wanStatus": u.status,
        "isBackupUplink": u.is_backup,
        "publicIpAddress": u.public_ip,
        "privateIpAddress": u.private_ip,
        "throughput": {"sent": u.throughput_sent, "received": u.throughput_received},
        "usage": {
            "sent": u.usage_sent,
            "received": u.usage_received,
            "total": u.usage_sent + u.usage_received,
        },
    })
}

const UPLINK_SORT: &[&str] = &["linkTag", "status"];

/// `GET /network-monitoring/v1/gateways/{serial-number}/uplinks` — all uplinks, one page.
fn uplinks(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let g = gateway(ds, params)?;
    let sort = parse_sort_param(&req.query, UPLINK_SORT)?;
    let mut items: Vec<Value> = ds
        .uplinks
        .iter()
        .filter(|u| u.gateway_serial == g.serial_number)
        .map(uplink_item)
        .collect();
    sort_json(&mut items, &sort);
    Ok(SimResponse::ok(&json!({
        "items": items,
        "count": items.len(),
        "total": items.len(),
        "next": null,
    })))
}

/// `healthReasons` from the spec's enum: good performance, or the tunnel status.
fn health_reasons(t: &Tunnel) -> Vec<&'static str> {
    if t.health == "Good" {
        vec!["GOOD_PERFORMANCE"]
    } else {
        vec!["TUNNEL_STATUS"]
    }
}

fn tunnel_item(ds: &Dataset, t: &Tunnel) -> Value {
    let gw = ds.device(&t.gateway_serial);
    json!({
        "id": format!("{}/tunnels/{}", t.gateway_serial, t.tunnel_name),
        "type": GW_TYPE,
        "tunnelName": t.tunnel_name,
        "tunnelType": t.tunnel_type,
        "status": t.status,
        "health": t.health,
        "healthReasons": health_reasons(t),
        "encapsulation": t.encapsulation,
        "mode": t.mode,
        "gateway": gw.map(|g| g.device_name.clone()),
        "macAddress": gw.map(|g| g.mac_address.clone()),
        "sourceIpAddress": t.source_ip,
        "destinationIpAddress": t.destination_ip,
        "uplinkName": t.uplink_name,
        "vlanId": t.vlan_id,
        "mtu": if t.encapsulation == "IPSec" { 1400 } else { 1500 },
        "natEnabled": t.encapsulation == "IPSec",
        "authentication": if t.encapsulation == "IPSec" { "SHA-2 256" } else { "" },
        "encryption": if t.encapsulation == "IPSec" { "AES-256" } else { "ESP-NULL" },
        "inSpi": t.in_spi,
        "outSpi": t.out_spi,
        "nextReKey": if t.status == "Up" { 3600 } else { 0 },
        "lastConnected": t.last_connected_ms / 1000,
        "lastDownReason": t.last_down_reason,
        "uptime": if t.status == "Up" {
            (ds.snapshot_unix_ms.saturating_sub(t.last_connected_ms) / 1000).to_string()
        } else {
            "0".to_string()
        },
        "peerType": if t.tunnel_type == "WAN" { "VPNC" } else { "Cluster Peer" },
        "greTunnelId": if t.encapsulation == "GRE" { "1" } else { "" },
        "greTunnelIpAddress": if t.encapsulation == "GRE" { t.destination_ip.as_str() } else { "0.0.0.0" },
        "vni": 0,
        "droppedPackets": t.dropped_packets,
        "throughput": {"sent": t.throughput_sent, "received": t.throughput_received},
        "usage": {
            "sent": t.throughput_sent * 3600,
            "received": t.throughput_received * 3600,
            "total": (t.throughput_sent + t.throughput_received) * 3600,
        },
    })
}

const TUNNEL_FILTER: &[&str] = &[
    "tunnelName",
    "status",
    "mode",
    "encapsulation",
    "tunnelType",
];
const TUNNEL_LIMIT: LimitSpec = LimitSpec::up_to(1000, 20);

/// `GET /network-monitoring/v1/gateways/{serial-number}/tunnels` — cursor paged.
fn tunnels(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let g = gateway(ds, params)?;
    let q = &req.query;
    let filter = parse_filter(q, TUNNEL_FILTER)?;
    let sort = parse_sort_param(q, TUNNEL_FILTER)?;
    let items = ds
        .tunnels
        .iter()
        .filter(|t| t.gateway_serial == g.serial_number)
        .map(|t| tunnel_item(ds, t));
    cursor_list(q, items, &filter, &sort, TUNNEL_LIMIT)
}

/// `GET /network-monitoring/v1/gateways/{serial-number}/uplinks/{link-tag}` — one uplink.
fn uplink_detail(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let g = gateway(ds, params)?;
    let tag = path_param(params, "link-tag");
    let u = ds
        .uplinks
        .iter()
        .find(|u| u.gateway_serial == g.serial_number && u.link_tag == tag)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Resource not found for the given input. No uplink '{tag}' on gateway '{}'.",
                g.serial_number
            ))
        })?;
    Ok(SimResponse::ok(&uplink_item(u)))
}

/// `GET /network-monitoring/v1/gateways/{serial-number}/tunnels/{tunnel-name}` — one tunnel.
fn tunnel_detail(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let g = gateway(ds, params)?;
    let name = path_param(params, "tunnel-name");
    let t = ds
        .tunnels
        .iter()
        .find(|t| t.gateway_serial == g.serial_number && t.tunnel_name == name)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Resource not found for the given input. No tunnel '{name}' on gateway '{}'.",
                g.serial_number
            ))
        })?;
    Ok(SimResponse::ok(&tunnel_item(ds, t)))
}

/// The gateways of cluster `name`; 404 when no gateway is in it.
fn cluster<'d>(ds: &'d Dataset, params: &Params) -> Result<Vec<&'d Device>, ApiError> {
    let name = path_param(params, "cluster-name");
    let members: Vec<&Device> = ds
        .devices_of_type(DeviceType::Gateway)
        .filter(|g| g.cluster_name.as_deref() == Some(name))
        .collect();
    if members.is_empty() {
        return Err(ApiError::not_found(format!(
            "Resource not found for the given input. No gateway cluster named '{name}'."
        )));
    }
    Ok(members)
}

const MEMBER_FIELDS: &[&str] = &[
    "status",
    "role",
    "model",
    "softwareVersion",
    "firmwareVersion",
    "siteName",
];
const CLUSTER_LIMIT: LimitSpec = LimitSpec::up_to(100, 20);

/// `GET /network-monitoring/v1/clusters/{cluster-name}/members` — cursor paged (≤100).
fn cluster_members(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let members = cluster(ds, params)?;
    let q = &req.query;
    let filter = parse_filter(q, MEMBER_FIELDS)?;
    let sort = parse_sort_param(q, MEMBER_FIELDS)?;
    let items = members.into_iter().map(|d| {
        json!({
            "id": d.serial_number,
            "type": GW_TYPE,
            "serialNumber": d.serial_number,
            "deviceName": d.device_name,
            "macAddress": d.mac_address,
            "clusterName": d.cluster_name,
            "role": d.role,
            "status": d.status.upper(),
            "model": d.model,
            "partNumber": d.part_number,
            "softwareVersion": d.firmware_version,
            "firmwareVersion": d.firmware_version,
            "ipv4": d.ipv4,
            "ipv6": null,
            "lastSeenAt": rfc3339_ms(d.last_seen_at_ms.unwrap_or(ds.snapshot_unix_ms)),
            "siteId": d.site_id,
            "siteName": d.site_name,
        })
    });
    cursor_list(q, items, &filter, &sort, CLUSTER_LIMIT)
}

const CLUSTER_TUNNEL_FIELDS: &[&str] = &["tunnelName", "status", "encapsulation", "mode"];

/// `GET /network-monitoring/v1/clusters/{cluster-name}/tunnels` — tunnels of the members.
fn cluster_tunnels(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let members = cluster(ds, params)?;
    let q = &req.query;
    let filter = parse_filter(q, CLUSTER_TUNNEL_FIELDS)?;
    let sort = parse_sort_param(q, CLUSTER_TUNNEL_FIELDS)?;
    let items = ds
        .tunnels
        .iter()
        .filter(|t| members.iter().any(|m| m.serial_number == t.gateway_serial))
        .map(|t| {
            let gw = ds.device(&t.gateway_serial);
            let peer = ds.device(&t.peer_serial);
            json!({
                "id": format!("{}/tunnels/{}", t.gateway_serial, t.tunnel_name),
                "type": GW_TYPE,
                "tunnelName": t.tunnel_name,
                "gateway": gw.map(|g| g.device_name.clone()),
                "gatewayRole": gw.map(|g| g.role.clone()),
                "health": t.health,
                "healthReasons": health_reasons(t),
                "status": t.status,
                "encapsulation": t.encapsulation,
                "destinationName": peer.map(|p| p.device_name.clone()),
                "destinationSerial": t.peer_serial,
                "destinationSite": peer.map(|p| p.site_name.clone()),
                "sourceIpAddress": t.source_ip,
                "destinationIpAddress": t.destination_ip,
                "mode": t.mode,
            })
        });
    cursor_list(q, items, &filter, &sort, CLUSTER_LIMIT)
}
