//! Device actions of `network-troubleshooting/v1` (issue 19), with visible effects
//! ([`super::effects`]):
//!
//! - `poeBounce`, `portBounce` (cx, aos-s, gateways) and `cableTest` (cx, aos-s): body
//!   `{"ports": [..]}` (1 or more port names); 202 with a `location` to poll, polled like ping
//!   (INITIATED → RUNNING → COMPLETED). A port bounce takes the ports down for the
//!   configured action time; a PoE bounce also reboots the devices those ports feed (their
//!   LLDP neighbours); a cable test answers per-pair results.
//! - `reboot` (aps, cx, aos-s, gateways) and `rebootSwarm` (aps): no body; 202
//!   `{startTime, status: INITIATED}`; the device (the swarm: the APs of its cluster) is OFFLINE
//!   for the configured time, then ONLINE again.
//! - `disconnectUserByMacAddress` / `disconnectUserByNetwork` / `disconnectUserAll` (aps) and
//!   `disconnectClientByMacAddress` / `disconnectClientAll` (gateways): the clients leave
//!   `/clients`.
//!
//! Unknown serial (or not of the path's type) → 404, offline or rebooting device → 409, a body
//! with unknown fields or wrong types → 400.

use hyper::Method;
use serde_json::{Map, Value, json};

use super::data::{DeviceType, rfc3339_ms};
use super::journal::now_unix_ms;
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::state::State;
use super::tasks::Phase;
use super::troubleshooting::{
    Finished, accept_task, bad_request, check_online, device, poll_task, segments,
};

/// Register the action routes.
pub(crate) fn register(router: &mut Router<State>) {
    const PORTS: [&str; 8] = [
        "/network-troubleshooting/v1/cx/{serial-number}/poeBounce",
        "/network-troubleshooting/v1/aos-s/{serial-number}/poeBounce",
        "/network-troubleshooting/v1/gateways/{serial-number}/poeBounce",
        "/network-troubleshooting/v1/cx/{serial-number}/portBounce",
        "/network-troubleshooting/v1/aos-s/{serial-number}/portBounce",
        "/network-troubleshooting/v1/gateways/{serial-number}/portBounce",
        "/network-troubleshooting/v1/cx/{serial-number}/cableTest",
        "/network-troubleshooting/v1/aos-s/{serial-number}/cableTest",
    ];
    const POLL: [&str; 8] = [
        "/network-troubleshooting/v1/cx/{serial-number}/poeBounce/async-operations/{task-id}",
        "/network-troubleshooting/v1/aos-s/{serial-number}/poeBounce/async-operations/{task-id}",
        "/network-troubleshooting/v1/gateways/{serial-number}/poeBounce/async-operations/{task-id}",
        "/network-troubleshooting/v1/cx/{serial-number}/portBounce/async-operations/{task-id}",
        "/network-troubleshooting/v1/aos-s/{serial-number}/portBounce/async-operations/{task-id}",
        "/network-troubleshooting/v1/gateways/{serial-number}/portBounce/async-operations/{task-id}",
        "/network-troubleshooting/v1/cx/{serial-number}/cableTest/async-operations/{task-id}",
        "/network-troubleshooting/v1/aos-s/{serial-number}/cableTest/async-operations/{task-id}",
    ];
    const REBOOT: [&str; 5] = [
        "/network-troubleshooting/v1/aps/{serial-number}/reboot",
        "/network-troubleshooting/v1/cx/{serial-number}/reboot",
        "/network-troubleshooting/v1/aos-s/{serial-number}/reboot",
        "/network-troubleshooting/v1/gateways/{serial-number}/reboot",
        "/network-troubleshooting/v1/aps/{serial-number}/rebootSwarm",
    ];
    const DISCONNECT: [&str; 5] = [
        "/network-troubleshooting/v1/aps/{serial-number}/disconnectUserByMacAddress",
        "/network-troubleshooting/v1/aps/{serial-number}/disconnectUserByNetwork",
        "/network-troubleshooting/v1/aps/{serial-number}/disconnectUserAll",
        "/network-troubleshooting/v1/gateways/{serial-number}/disconnectClientByMacAddress",
        "/network-troubleshooting/v1/gateways/{serial-number}/disconnectClientAll",
    ];
    for t in PORTS {
        router.add(Method::POST, t, start_ports);
    }
    for t in POLL {
        router.add(Method::GET, t, poll_ports);
    }
    for t in REBOOT {
        router.add(Method::POST, t, reboot);
    }
    for t in DISCONNECT {
        router.add(Method::POST, t, disconnect);
    }
}

/// The body as an object with only `allowed` string fields (an empty body is `{}`).
fn body_object(body: &[u8], allowed: &[&str]) -> Result<Map<String, Value>, ApiError> {
    let err = |m: String| bad_request(format!("Validation errors - {m}"));
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| err(format!("request body is not valid JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(err("request body must be a JSON object".into()));
    };
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(err(format!(
            "unknown field '{k}'; allowed fields: {}",
            allowed.join(", ")
        )));
    }
    Ok(map)
}

fn accepted() -> Value {
    json!({"startTime": rfc3339_ms(now_unix_ms()), "status": Phase::Initiated.api_name()})
}

/// `POST …/{poeBounce|portBounce|cableTest}` → 202 with a location.
fn start_ports(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let (device_type, serial, op) = segments(req);
    let d = device(state, device_type, serial)?;
    let body = body_object(&req.body, &["ports"])?;
    let ports: Vec<String> = match body.get("ports") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|p| p.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad_request("Validation errors - ports must be strings"))?,
        _ => {
            return Err(bad_request(
                "Validation errors - ports must be a non-empty array of port names",
            ));
        }
    };
    check_online(state, d)?;
    let now = now_unix_ms();
    if device_type != "gateways" && op != "cableTest" {
        let known = super::data::ports::switch_ports(&state.dataset, d);
        for p in &ports {
            let Some(port) = known.iter().find(|k| k.name == *p) else {
                return Err(bad_request(format!(
                    "Validation errors - unknown port '{p}'"
                )));
            };
            state.effects.bounce(&d.serial_number, p, now);
            if op == "poeBounce"
                && let Some(n) = &port.neighbour
                && state
                    .dataset
                    .device(&n.serial)
                    .is_some_and(|nd| nd.device_type == DeviceType::AccessPoint)
            {
                state.effects.reboot(&n.serial, now);
            }
        }
    }
    accept_task(state, req, d, json!({"ports": ports}), false)
}

/// `GET …/{poeBounce|portBounce|cableTest}/async-operations/{task-id}`.
fn poll_ports(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    poll_task(
        state,
        req,
        params,
        |_, t, _| {
            let ports = t.strings("ports");
            let results: Vec<Value> = if t.operation == "cableTest" {
                ports
                    .iter()
                    .map(|p| {
                        let pairs: Vec<Value> = ["1-2", "3-6", "4-5", "7-8"]
                            .iter()
                            .map(|pair| {
                                json!({"pairName": pair, "status": "Good", "length": "0", "accuracy": "10"})
                            })
                            .collect();
                        json!({"interfaceName": p, "state": "complete", "cablePairDiagnostics": pairs})
                    })
                    .collect()
            } else {
                ports
                    .iter()
                    .map(|p| json!({"port": p, "status": "Bounced"}))
                    .collect()
            };
            Finished {
                output: json!({"ports": ports, "results": results}),
                raw: None,
            }
        },
        |_| (String::new(), String::new()),
    )
}

/// `POST …/{reboot|rebootSwarm}` → 202; the device (or swarm) reboots.
fn reboot(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let (device_type, serial, op) = segments(req);
    let d = device(state, device_type, serial)?;
    body_object(&req.body, &[])?;
    check_online(state, d)?;
    let now = now_unix_ms();
    state.effects.reboot(&d.serial_number, now);
    if op == "rebootSwarm"
        && let Some(cluster) = &d.cluster_name
    {
        for ap in state.dataset.devices_of_type(DeviceType::AccessPoint) {
            if ap.cluster_name.as_ref() == Some(cluster) {
                state.effects.reboot(&ap.serial_number, now);
            }
        }
    }
    Ok(SimResponse::json(202, &accepted()))
}

/// `POST …/disconnect*` → 202; the clients leave `/clients`.
fn disconnect(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let (device_type, serial, op) = segments(req);
    let d = device(state, device_type, serial)?;
    let (field, needs) = match op {
        "disconnectUserByMacAddress" => (Some("userMacAddress"), true),
        "disconnectClientByMacAddress" => (Some("clientMacAddress"), true),
        "disconnectUserByNetwork" => (Some("networkName"), true),
        _ => (None, false),
    };
    let body = body_object(&req.body, field.as_slice())?;
    let value = match field {
        Some(f) if needs => body
            .get(f)
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| bad_request(format!("Validation errors - {f} is required")))?
            .to_string(),
        _ => String::new(),
    };
    check_online(state, d)?;
    let on_device = |c: &&super::data::Client| {
        c.connected_device_serial == d.serial_number || device_type == "gateways"
    };
    for c in state.dataset.clients.iter().filter(on_device) {
        let hit = match op {
            "disconnectUserByMacAddress" | "disconnectClientByMacAddress" => {
                c.mac_address.eq_ignore_ascii_case(&value)
            }
            "disconnectUserByNetwork" => c.wlan_name.as_deref() == Some(value.as_str()),
            // A gateway's "all" disconnects the clients of its site.
            "disconnectClientAll" => c.site_id == d.site_id,
            _ => true,
        };
        if hit {
            state.effects.disconnect(&c.mac_address);
        }
    }
    Ok(SimResponse::json(202, &accepted()))
}
