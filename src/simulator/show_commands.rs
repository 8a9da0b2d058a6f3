//! `show` commands of `network-troubleshooting/v1` (issue 19): the per-device-type catalogue
//! (`GET …/show-commands`), the asynchronous run (`POST …/showCommands` → 202) and its polls,
//! with canned output per device family and command.
//!
//! POST checks, in order: the device exists and is of the path's type (404), the body is
//! `{"commands": [...]}` with 1 to 20 strings that each start with `show ` (400), and the device
//! is online (409). Polling advances the task one step per poll (INITIATED → RUNNING →
//! COMPLETED).

use hyper::Method;
use serde_json::{Value, json};

use super::data::Device;
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::state::State;
use super::troubleshooting::{
    Finished, accept_task, bad_request, check_online, device, poll_task, segments,
};

/// Register the catalogue, start and poll routes of every device type.
pub(crate) fn register(router: &mut Router<State>) {
    const CATALOGUE: [&str; 4] = [
        "/network-troubleshooting/v1/aps/{serial-number}/show-commands",
        "/network-troubleshooting/v1/cx/{serial-number}/show-commands",
        "/network-troubleshooting/v1/aos-s/{serial-number}/show-commands",
        "/network-troubleshooting/v1/gateways/{serial-number}/show-commands",
    ];
    const START: [&str; 4] = [
        "/network-troubleshooting/v1/aps/{serial-number}/showCommands",
        "/network-troubleshooting/v1/cx/{serial-number}/showCommands",
        "/network-troubleshooting/v1/aos-s/{serial-number}/showCommands",
        "/network-troubleshooting/v1/gateways/{serial-number}/showCommands",
    ];
    const POLL: [&str; 4] = [
        "/network-troubleshooting/v1/aps/{serial-number}/showCommands/async-operations/{task-id}",
        "/network-troubleshooting/v1/cx/{serial-number}/showCommands/async-operations/{task-id}",
        "/network-troubleshooting/v1/aos-s/{serial-number}/showCommands/async-operations/{task-id}",
        "/network-troubleshooting/v1/gateways/{serial-number}/showCommands/async-operations/{task-id}",
    ];
    for t in CATALOGUE {
        router.add(Method::GET, t, catalogue);
    }
    for t in START {
        router.add(Method::POST, t, start);
    }
    for t in POLL {
        router.add(Method::GET, t, poll);
    }
}

/// The supported commands of a device type, by category.
fn commands(family: &str) -> &'static [(&'static str, &'static [&'static str])] {
    match family {
        "aps" => &[
            (
                "System",
                &["show version", "show clock", "show ap debug system-status"],
            ),
            (
                "Network",
                &["show ip interface brief", "show arp", "show lldp neighbors"],
            ),
            ("Wireless", &["show ap bss-table", "show clients"]),
        ],
        "cx" => &[
            ("System", &["show version", "show system", "show clock"]),
            (
                "Interfaces",
                &[
                    "show interface brief",
                    "show lldp neighbor-info",
                    "show power-over-ethernet",
                ],
            ),
            ("Layer 3", &["show ip route", "show arp"]),
        ],
        "aos-s" => &[
            ("System", &["show version", "show system", "show clock"]),
            (
                "Interfaces",
                &[
                    "show interfaces brief",
                    "show lldp info remote-device",
                    "show power-over-ethernet brief",
                ],
            ),
            ("Layer 3", &["show ip route", "show arp"]),
        ],
        _ => &[
            ("System", &["show version", "show clock", "show switches"]),
            (
                "Network",
                &["show ip interface brief", "show ip route", "show arp"],
            ),
            ("Tunnels", &["show datapath tunnel table"]),
        ],
    }
}

/// `GET …/show-commands` — the catalogue of the path's device type.
fn catalogue(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let (family, serial, _) = segments(req);
    device(state, family, serial)?;
    let list: Vec<Value> = commands(family)
        .iter()
        .map(|(category, cmds)| {
            json!({
                "categoryName": category,
                "count": cmds.len(),
                "commands": cmds.iter().map(|c| json!({"command": c})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(SimResponse::ok(&Value::Array(list)))
}

/// The `commands` of a start body, checked as the spec says.
fn check_body(body: &[u8]) -> Result<Vec<String>, ApiError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| bad_request("Validation errors - body: not JSON"))?;
    let Some(obj) = v.as_object() else {
        return Err(bad_request("Validation errors - body: not an object"));
    };
    if let Some(k) = obj.keys().find(|k| *k != "commands") {
        return Err(bad_request(format!(
            "Validation errors - {k}: unknown field"
        )));
    }
    let Some(list) = obj.get("commands").and_then(Value::as_array) else {
        return Err(bad_request("Validation errors - commands: required array"));
    };
    if list.is_empty() || list.len() > 20 {
        return Err(bad_request(
            "Validation errors - commands: 1 to 20 commands",
        ));
    }
    list.iter()
        .map(|c| match c.as_str() {
            Some(s) if s.trim_start().starts_with("show ") && s.trim().len() > 5 => {
                Ok(s.trim().to_string())
            }
            _ => Err(bad_request(format!(
                "Validation errors - commands: {c} does not start with 'show '"
            ))),
        })
        .collect()
}

/// `POST …/showCommands` → 202 with the task location.
fn start(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let (family, serial, _) = segments(req);
    let d = device(state, family, serial)?;
    let list = check_body(&req.body)?;
    check_online(state, d)?;
    accept_task(state, req, d, json!({"commands": list}), false)
}

/// Canned CLI output of `command` on `d`.
fn output(family: &str, command: &str, d: &Device) -> String {
    let head = format!(
        "\r\n\r\n## Command: {command}\n====================================================\n\n"
    );
    let body = match (family, command) {
        (_, "show version") => match family {
            "aps" => format!(
                "Hewlett Packard Enterprise Networking Wireless Operating System.\nAOS-10 (MODEL: {}), Version {}\nAP uptime is 12 days 3 hours 4 minutes\nReboot Cause: Power Cycle\n",
                d.model, d.firmware_version
            ),
            "cx" => format!(
                "-----------------------------------------------------------------------------\nArubaOS-CX\n(c) Copyright Hewlett Packard Enterprise Development LP\n-----------------------------------------------------------------------------\nVersion      : {}\nBuild Date   : 2025-02-10 15:26:21 UTC\nBuild ID     : ArubaOS-CX:{}:91891\nActive Image : primary\n",
                d.firmware_version, d.firmware_version
            ),
            "aos-s" => format!(
                "Image stamp:    /ws/swbuildm/rel_ukiah_qaoff/code/build/bom(swbuildm_rel_ukiah_qaoff_rel_ukiah)\n                 {}\nBoot Image:     Primary\n",
                d.firmware_version
            ),
            _ => format!(
                "HPE Aruba Networking Wireless Operating System.\nAOS-10 (MODEL: {}), Version {}\nSwitch uptime is 43 days 14 hours 8 minutes\n",
                d.model, d.firmware_version
            ),
        },
        (_, "show clock") => "Tue Feb 03 06:39:02.313 2026 UTC\n".to_string(),
        (_, "show arp") => format!(
            "Protocol  Address          Hardware Addr       Interface\nInternet  {}  {}   vlan1\nInternet  {}  00:0b:86:aa:01:02   vlan1\n",
            d.default_gateway, "00:0b:86:aa:01:01", d.ipv4
        ),
        (_, c) if c.contains("interface") => format!(
            "Interface    IP Address        Status  Protocol\nvlan1        {} / {}  up      up\nloopback0    127.0.0.1         up      up\n",
            d.ipv4, d.subnet_mask
        ),
        (_, c) if c.contains("lldp") => format!(
            "LocalPort  ChassisId          PortId   SysName\n1/1/1      00:0b:86:aa:01:01  1/1/48   core-{}\n",
            d.site_name.to_ascii_lowercase().replace(' ', "-")
        ),
        (_, c) if c.contains("power-over-ethernet") => {
            "Port   Power Enable  Status      Power Drawn\n1/1/1  Yes           Delivering  12.4 W\n1/1/2  Yes           Searching    0.0 W\n".to_string()
        }
        _ => format!("{} ({}) is up; {} ok.\n", d.device_name, d.serial_number, command),
    };
    head + &body
}

/// `GET …/showCommands/async-operations/{task-id}` — advances the task one step.
fn poll(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    poll_task(
        state,
        req,
        params,
        |_, t, d| {
            let list = t.strings("commands");
            let results: Vec<Value> = list
                .iter()
                .map(|c| json!({"command": c, "output": output(&t.device_type, c, d)}))
                .collect();
            Finished {
                output: json!({"commands": list, "results": results}),
                raw: None,
            }
        },
        |_| (String::new(), String::new()),
    )
}
