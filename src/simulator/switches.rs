//! Switch endpoints (CONTRACT §5.4): list, detail, interfaces and stack members.
//!
//! Switch endpoints report `status` in title case and `lastSeenAt` as epoch **seconds**
//! (§3.7, §9.20). The detail accepts a switch serial, a stack id or a stack conductor's
//! serial. Unknown serials get 404 `HPE_GL_ERROR_RESOURCE_NOT_FOUND` ("Switch with serial
//! number not found"), the code the spec's switch examples use (§4.1).

use hyper::Method;
use serde_json::{Value, json};

use super::data::ports::{SwitchPort, switch_ports};
use super::data::{Dataset, Device, DeviceType, Stack, is_hot};
use super::lookup::{noise, path_param, round1};
use super::monitoring::cursor_list;
use super::page::{LimitSpec, parse_filter, parse_offset, parse_sort_param};
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::sort::sort_json;
use super::state::State;

/// Register the switch routes.
pub(crate) fn register(router: &mut Router<State>) {
    router
        .add(Method::GET, "/network-monitoring/v1/switches", switches)
        .add(
            Method::GET,
            "/network-monitoring/v1/switches/{serial-number}",
            switch_detail,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/switches/{serial-number}/interfaces",
            interfaces,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/stack/{serial-number}/members",
            stack_members,
        );
}

/// 404 code the switch endpoints use.
const RESOURCE_NOT_FOUND: &str = "HPE_GL_ERROR_RESOURCE_NOT_FOUND";

fn not_found(serial: &str) -> ApiError {
    ApiError::with_code(
        404,
        RESOURCE_NOT_FOUND,
        format!("Switch with serial number not found: '{serial}'"),
    )
}

/// The switch `serial` (or the conductor of stack `serial`); 404 otherwise.
pub(crate) fn find_switch<'d>(ds: &'d Dataset, serial: &str) -> Result<&'d Device, ApiError> {
    let serial = ds
        .stack(serial)
        .and_then(|s| s.members.first())
        .map_or(serial, String::as_str);
    ds.device(serial)
        .filter(|d| d.device_type == DeviceType::Switch)
        .ok_or_else(|| not_found(serial))
}

/// Epoch seconds the switch was last heard from (the snapshot when online).
fn last_seen_secs(ds: &Dataset, d: &Device) -> u64 {
    d.last_seen_at_ms.unwrap_or(ds.snapshot_unix_ms) / 1000
}

/// `Standalone`, or `Conductor`/`Member` in a stack.
pub(crate) fn switch_role(ds: &Dataset, d: &Device) -> &'static str {
    match d.stack_id.as_deref().and_then(|id| ds.stack(id)) {
        Some(s) if s.members.first() == Some(&d.serial_number) => "Conductor",
        Some(_) => "Member",
        None => "Standalone",
    }
}

/// `switchTrends`: latest hardware figures (null when offline).
pub(crate) fn trends(ds: &Dataset, d: &Device, ports: &[SwitchPort]) -> Value {
    let online = d.status.is_online();
    let poe_budget = if ports.len() > 40 { 740.0 } else { 370.0 };
    let delivering = ports
        .iter()
        .filter(|p| p.poe_status == "Delivering")
        .count() as f64;
    let uplinks: Vec<String> = ports
        .iter()
        .filter(|p| p.uplink && p.status == "Up")
        .map(|p| format!("'{}'", p.name))
        .collect();
    let power = d.power_deciwatts.map(|w| f64::from(w) / 10.0);
    let num = |v: f64| {
        if online {
            json!(round1(v))
        } else {
            Value::Null
        }
    };
    json!({
        "serialNumber": d.serial_number,
        "switchRole": switch_role(ds, d),
        "cpuUtilization": d.cpu_utilization,
        "memoryUtilization": d.memory_utilization,
        "poeAvailable": num(poe_budget),
        "poeConsumption": num(delivering * 6.5),
        "powerConsumption": power.map(round1),
        "totalPowerConsumption": power.map(|p| round1(p + delivering * 6.5)),
        "systemTemperature": num(34.0 + noise(&d.serial_number, 1) * 14.0),
        "usage": num(1_000.0 + noise(&d.serial_number, 2) * 9_000.0),
        "upLinkPorts": format!("[{}]", uplinks.join(", ")),
    })
}

/// A `switches` list item.
fn list_item(ds: &Dataset, d: &Device) -> Value {
    let ports = switch_ports(ds, d);
    json!({
        "id": d.serial_number,
        "type": "switch",
        "serialNumber": d.serial_number,
        "macAddress": d.mac_address,
        "deviceName": d.device_name,
        "siteId": d.site_id,
        "siteName": d.site_name,
        "model": d.model,
        "partNumber": d.part_number,
        "firmwareVersion": d.firmware_version,
        "deployment": d.deployment,
        "deviceFunction": d.device_function,
        "ipv4": d.ipv4,
        "ipv6": null,
        "stackId": d.stack_id,
        "switchType": d.switch_type,
        "status": d.status.title(),
        "lastSeenAt": last_seen_secs(ds, d),
        "uptimeInMillis": d.uptime_millis,
        "switchTrends": trends(ds, d, &ports),
    })
}

/// Good / Fair / Poor and the reasons, by the site-health rules.
fn health(d: &Device) -> (&'static str, Value) {
    let (health, poor, fair, primary) = if !d.status.is_online() {
        (
            "Poor",
            vec!["DEVICE_OFFLINE"],
            vec![],
            Some("DEVICE_OFFLINE"),
        )
    } else if is_hot(d.cpu_utilization, d.memory_utilization) {
        (
            "Fair",
            vec![],
            vec!["HIGH_CPU_UTILIZATION"],
            Some("HIGH_CPU_UTILIZATION"),
        )
    } else {
        ("Good", vec![], vec![], None)
    };
    let total = poor.len() + fair.len();
    (
        health,
        json!({
            "poorReasons": poor,
            "fairReasons": fair,
            "primaryReason": {
                "reasonEnum": primary,
                "typeId": primary.map(|p| p.to_lowercase()),
                "totalReasons": total,
            },
        }),
    )
}

/// `GET /network-monitoring/v1/switches/{serial-number}` body (also a stack member).
fn detail(ds: &Dataset, d: &Device) -> Value {
    let ports = switch_ports(ds, d);
    let (health, reasons) = health(d);
    json!({
        "id": d.serial_number,
        "type": "switch",
        "serialNumber": d.serial_number,
        "macAddress": d.mac_address,
        "deviceName": d.device_name,
        "siteId": d.site_id,
        "siteName": d.site_name,
        "model": d.model,
        "firmwareVersion": d.firmware_version,
        "deployment": d.deployment,
        "ipv4": d.ipv4,
        "ipv6": null,
        "publicIp": d.public_ipv4,
        "status": d.status.title(),
        "health": health,
        "healthReasons": reasons,
        "switchType": d.switch_type,
        "switchRole": switch_role(ds, d),
        "switchLinkType": if d.device_function == "AGGREGATION_SWITCH" { "Aggregation" } else { "Access" },
        "jNumber": d.part_number,
        "manufacturer": "Aruba",
        "lastConfigChange": d.config_modified_at_ms / 1000,
        "lastRestartReason": d.last_reboot_reason,
        "lastSeenAt": last_seen_secs(ds, d),
        "uptimeInMillis": d.uptime_millis,
        "switchTrends": trends(ds, d, &ports),
    })
}

const LIST_FILTER: &[&str] = &["siteId", "siteName", "model", "status", "deployment"];
const LIST_SORT: &[&str] = &[
    "siteId",
    "model",
    "status",
    "deployment",
    "serialNumber",
    "deviceName",
];
const LIST_LIMIT: LimitSpec = LimitSpec::up_to(1000, 1000);

/// `GET /network-monitoring/v1/switches` — cursor paged.
fn switches(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let q = &req.query;
    let filter = parse_filter(q, LIST_FILTER)?;
    let sort = parse_sort_param(q, LIST_SORT)?;
    let ds = &state.dataset;
    let items = ds
        .devices_of_type(DeviceType::Switch)
        .map(|d| list_item(ds, d));
    cursor_list(q, items, &filter, &sort, LIST_LIMIT)
}

/// `GET /network-monitoring/v1/switches/{serial-number}`.
fn switch_detail(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let d = find_switch(ds, path_param(params, "serial-number"))?;
    Ok(SimResponse::ok(&detail(ds, d)))
}

/// One interface as the API renders it.
fn interface_item(sw: &Device, p: &SwitchPort) -> Value {
    let n = p.neighbour.as_ref();
    let cx = sw.switch_type.as_deref() != Some("pvos");
    json!({
        "id": p.name,
        "name": p.name,
        "index": p.index,
        "type": if p.uplink { "TenGigabitEthernet" } else { "GigabitEthernet" },
        "status": p.status,
        "adminStatus": "Up",
        "operStatus": p.status,
        "speed": p.speed,
        "duplex": if p.status == "Up" { "Full" } else { "Auto" },
        "mtu": if cx { 1500 } else { 1522 },
        "connector": if p.uplink { "SFP+" } else { "RJ45" },
        "alias": p.description,
        "description": p.description,
        "errorReason": null,
        "portError": [],
        "lag": null,
        "vlanMode": p.vlan_mode,
        "nativeVlan": p.native_vlan,
        "allowedVlanIds": p.allowed_vlans,
        "allowedVlans": p.allowed_vlans.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
        "poeStatus": p.poe_status,
        "poeClass": p.poe_class,
        "uplink": p.uplink,
        "module": "1",
        "serialNumber": sw.serial_number,
        "neighbour": n.map(|n| n.name.clone()),
        "neighbourPort": n.map(|n| n.port.clone()),
        "neighbourFamily": n.map(|n| n.family.clone()),
        "neighbourSerial": n.map(|n| n.serial.clone()),
        "neighbourType": n.map(|_| "LLDP"),
        "isMultipleNeighbourClients": false,
        "stpPortState": if p.status == "Up" { "Forwarding" } else { "Disabled" },
        "stpPortRole": if p.uplink { "Root" } else { "Designated" },
    })
}

const IF_FILTER: &[&str] = &[
    "name",
    "speed",
    "status",
    "connector",
    "duplex",
    "lag",
    "vlanmode",
    "vlanMode",
    "neighbourFamily",
    "neighbourFunction",
    "poeClass",
    "poeStatus",
    "operStatus",
];
const IF_SORT: &[&str] = &[
    "name",
    "index",
    "status",
    "operStatus",
    "speed",
    "poeStatus",
];
const IF_LIMIT: LimitSpec = LimitSpec::up_to(1000, 1000);

/// `GET /network-monitoring/v1/switches/{serial-number}/interfaces` — offset paged; the
/// response `offset` is the next offset as a string, `null` on the last page.
fn interfaces(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    let q = &req.query;
    let ds = &state.dataset;
    let sw = find_switch(ds, path_param(params, "serial-number"))?;
    let filter = parse_filter(q, IF_FILTER)?;
    let sort = parse_sort_param(q, IF_SORT)?;
    let page = parse_offset(q, IF_LIMIT)?;
    let search = q.get_nonblank("search").map(str::to_lowercase);
    if search.as_ref().is_some_and(|s| s.chars().count() > 256) {
        return Err(ApiError::bad_request(
            "'search' must not exceed 256 characters",
        ));
    }
    let now = super::journal::now_unix_ms();
    let mut items: Vec<Value> = switch_ports(ds, sw)
        .iter()
        .map(|p| {
            let mut item = interface_item(sw, p);
            state
                .effects
                .overlay_port(&sw.serial_number, &mut item, now);
            item
        })
        .filter(|v| {
            filter.matches_by(|f| match f {
                "vlanmode" => v.get("vlanMode"),
                other => v.get(other),
            })
        })
        .filter(|v| {
            search.as_ref().is_none_or(|s| {
                ["name", "description", "neighbour"].iter().any(|f| {
                    v[*f]
                        .as_str()
                        .is_some_and(|t| t.to_lowercase().contains(s.as_str()))
                })
            })
        })
        .collect();
    sort_json(&mut items, &sort);
    let total = items.len() as u64;
    let end = page.offset.saturating_add(page.limit);
    let page_items: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
        .collect();
    let next = if end < total {
        json!(end.to_string())
    } else {
        Value::Null
    };
    Ok(SimResponse::ok(&json!({
        "items": page_items,
        "count": page_items.len(),
        "total": total,
        "offset": next,
    })))
}

/// A stack as `stack/{serial-number}/members` renders it.
fn stack_item(ds: &Dataset, st: &Stack) -> Value {
    let members: Vec<&Device> = st.members.iter().filter_map(|s| ds.device(s)).collect();
    let count = members.len();
    let member_items: Vec<Value> = members
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut v = detail(ds, d);
            if let Value::Object(map) = &mut v {
                map.insert("stackId".into(), json!(st.id));
                map.insert("stackMemberId".into(), json!(i + 1));
                map.insert(
                    "stackMemberStatus".into(),
                    json!(if d.status.is_online() {
                        "Active"
                    } else {
                        "Missing"
                    }),
                );
                map.insert(
                    "stackMemberPriority".into(),
                    json!(if i == 0 { 255 } else { 128 }),
                );
            }
            v
        })
        .collect();
    // Members are chained by their last uplink port (a ring closes back to the first).
    let port_links: Vec<Value> = members
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let ports = switch_ports(ds, d);
            let links: Vec<Value> = ports
                .last()
                .map(|p| {
                    let mut v = interface_item(d, p);
                    let peer = members
                        .get((i + 1) % count)
                        .filter(|_| i + 1 < count || st.topology == "Ring");
                    if let (Value::Object(map), Some(peer)) = (&mut v, peer) {
                        map.insert("peerMemberId".into(), json!((i + 1) % count + 1));
                        map.insert(
                            "peerPort".into(),
                            json!(switch_ports(ds, peer).last().map(|q| q.name.clone())),
                        );
                    }
                    vec![v]
                })
                .unwrap_or_default();
            json!({"serialNumber": d.serial_number, "links": links})
        })
        .collect();
    json!({
        "id": st.id,
        "type": "stack-members",
        "topology": st.topology,
        "stackType": "VSF",
        "members": member_items,
        "portLinks": port_links,
    })
}

/// `GET /network-monitoring/v1/stack/{serial-number}/members` — by stack id or conductor
/// serial (a member serial also finds its stack); 404 for a standalone or unknown switch.
fn stack_members(state: &State, _req: &SimRequest, params: &Params) -> HandlerResult {
    let ds = &state.dataset;
    let key = path_param(params, "serial-number");
    let stack = ds.stack(key).or_else(|| {
        ds.device(key)
            .and_then(|d| d.stack_id.as_deref())
            .and_then(|id| ds.stack(id))
    });
    let stack = stack.ok_or_else(|| {
        ApiError::with_code(
            404,
            RESOURCE_NOT_FOUND,
            format!("Stack not found for serial number or stack id '{key}'"),
        )
    })?;
    Ok(SimResponse::ok(&json!({
        "count": 1,
        "items": [stack_item(ds, stack)],
    })))
}
