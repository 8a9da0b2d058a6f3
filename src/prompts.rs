//! MCP prompts: NOC workflows that tell the model which tools to call, in which order.
//!
//! Each prompt is a list of steps; a step names the tool it uses (and any other tool it relies
//! on), and steps whose tools this server does not offer (narrowed by
//! `ARUBA_TOOLSETS`/`ARUBA_TOOLS`, hidden by `ARUBA_READ_ONLY`, or device actions left off
//! without `ARUBA_ACTIONS=on`) are left out, so a prompt never sends the model to a tool it
//! cannot call.

use std::collections::BTreeSet;

use rmcp::model::{GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role};

/// A prompt argument: name, description, required.
struct Arg {
    name: &'static str,
    description: &'static str,
    required: bool,
}

/// One step of a workflow: the tool it needs (if any), other tools it relies on (e.g. a check
/// that only makes sense after an action), and the instruction text, in which `{name}` is
/// replaced by the argument's value.
struct Step {
    tool: Option<&'static str>,
    also: &'static [&'static str],
    text: &'static str,
}

/// A workflow prompt.
struct Workflow {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    args: &'static [Arg],
    intro: &'static str,
    steps: &'static [Step],
    outro: &'static str,
}

const fn step(tool: &'static str, text: &'static str) -> Step {
    Step {
        tool: Some(tool),
        also: &[],
        text,
    }
}

/// A step that uses `tool` and makes sense only when `also` are offered too.
const fn step_with(tool: &'static str, also: &'static [&'static str], text: &'static str) -> Step {
    Step {
        tool: Some(tool),
        also,
        text,
    }
}

const WINDOW: Arg = Arg {
    name: "window",
    description: "How far back to look: 1h, 24h, 7d or an RFC 3339 start time (default 24h).",
    required: false,
};

const WORKFLOWS: &[Workflow] = &[
    Workflow {
        name: "network_health_overview",
        title: "Network health overview",
        description: "What is wrong in my network right now? A ranked overview of sites, devices and alerts.",
        args: &[WINDOW],
        intro: "Give me a network health overview for the last {window}. Work through these steps, calling the tools named:",
        steps: &[
            step(
                "get_tenant_device_health",
                "Get the fleet-wide device health with get_tenant_device_health.",
            ),
            step(
                "get_sites_health",
                "List every site's health with get_sites_health; rank the sites from worst to best.",
            ),
            step(
                "get_device_list",
                "List offline devices with get_device_list (status OFFLINE).",
            ),
            step(
                "list_alerts",
                "List open alerts with list_alerts (status ACTIVE), critical and major first.",
            ),
            step(
                "list_idps_threats",
                "Check IDPS threats of the window with list_idps_threats.",
            ),
        ],
        outro: "Answer with: a one-line verdict; the worst sites with their reasons; offline devices; the top alerts; and what to look at first. Quote serial numbers and site names exactly as the tools return them.",
    },
    Workflow {
        name: "troubleshoot_site",
        title: "Troubleshoot a site",
        description: "Find out why one site is degraded: health reasons, devices, clients, alerts and events.",
        args: &[
            Arg {
                name: "site",
                description: "Site name or site id (list_sites shows both).",
                required: true,
            },
            WINDOW,
        ],
        intro: "Troubleshoot the site \"{site}\" over the last {window}. Steps:",
        steps: &[
            step(
                "list_sites",
                "Resolve the site with list_sites; never guess a site id.",
            ),
            step(
                "get_site_details",
                "Get its health, reasons and device and client breakdown with get_site_details.",
            ),
            step(
                "get_device_list",
                "List its devices with get_device_list (site_id) and note any offline.",
            ),
            step(
                "list_alerts",
                "List its active alerts with list_alerts (site_id).",
            ),
            step(
                "list_events",
                "List its recent events with list_events for the window.",
            ),
            step(
                "list_all_clients",
                "Check failed clients with list_all_clients (site_id, status FAILED).",
            ),
        ],
        outro: "Conclude with the most likely cause, the evidence for it, and the next action (including any active test worth running).",
    },
    Workflow {
        name: "investigate_client",
        title: "Investigate a client",
        description: "Why can a user or device not connect, or why is it slow?",
        args: &[
            Arg {
                name: "client",
                description: "Client MAC address, host name, IP address or username.",
                required: true,
            },
            WINDOW,
        ],
        intro: "Investigate the client \"{client}\" over the last {window}. Steps:",
        steps: &[
            step(
                "find_client",
                "Find it with find_client to get its MAC address and site.",
            ),
            step(
                "get_client_details",
                "Get its details with get_client_details: status, failure reason, AP or switch port, signal, VLAN, role.",
            ),
            step(
                "get_ap_details",
                "If wireless, check the AP it is on with get_ap_details and its radios with get_ap_radios.",
            ),
            step(
                "get_switch_interfaces",
                "If wired, check the switch port with get_switch_interfaces.",
            ),
            step(
                "list_events",
                "List the client's events with list_events for the window.",
            ),
        ],
        outro: "Explain in plain words what is wrong for this client and what to do about it.",
    },
    Workflow {
        name: "diagnose_device",
        title: "Diagnose an AP, switch or gateway",
        description: "Health, load, interfaces and reachability of one network device.",
        args: &[
            Arg {
                name: "device",
                description: "Device name, serial number, MAC or IP address.",
                required: true,
            },
            WINDOW,
        ],
        intro: "Diagnose the device \"{device}\" over the last {window}. Steps:",
        steps: &[
            step(
                "find_device",
                "Find it with find_device to get its serial number, type and site.",
            ),
            step(
                "get_ap_details",
                "For an AP: get_ap_details, get_ap_radios and get_ap_cpu_utilization.",
            ),
            step(
                "get_switch_details",
                "For a switch: get_switch_details, get_switch_interfaces (ports down, PoE, errors) and get_stack_members if stacked.",
            ),
            step(
                "get_gateway_details",
                "For a gateway: get_gateway_details, get_gateway_uplinks, list_gateway_tunnels and get_gateway_cluster_info.",
            ),
            step("list_alerts", "List its active alerts with list_alerts."),
            step("list_events", "List its recent events with list_events."),
            step(
                "ping_from_ap",
                "If reachability is in doubt and the device is online, run a ping from it (ping_from_ap, ping_from_switch or ping_from_gateway) to its gateway or a known host.",
            ),
        ],
        outro: "Conclude with the device's state, the evidence, and the recommended action.",
    },
    Workflow {
        name: "shift_handover_report",
        title: "Shift-handover report",
        description: "What happened during the shift and what the next shift must watch.",
        args: &[Arg {
            name: "window",
            description: "Length of the shift: 8h, 12h or an RFC 3339 start time (default 8h).",
            required: false,
        }],
        intro: "Write the shift-handover report for the last {window}. Steps:",
        steps: &[
            step(
                "get_sites_health",
                "Take the current state of every site with get_sites_health.",
            ),
            step(
                "list_alerts",
                "List alerts raised in the window with list_alerts, and which are still active.",
            ),
            step(
                "get_device_list",
                "List devices that are offline now with get_device_list (status OFFLINE).",
            ),
            step(
                "list_idps_threats",
                "List IDPS threats of the window with list_idps_threats.",
            ),
            step(
                "get_firmware_details",
                "Note devices whose firmware is not the recommended version with get_firmware_details.",
            ),
            step(
                "check_server_health",
                "Note this MCP server's own health with check_server_health.",
            ),
        ],
        outro: "Format: Summary (3 lines); Open issues (owner, impact, next step); Resolved during the shift; Watch list for the next shift.",
    },
    Workflow {
        name: "recover_unresponsive_ap",
        title: "Recover an unresponsive AP",
        description: "Find an AP's switch port, check its PoE, power-cycle it (confirmed) and verify the AP comes back.",
        args: &[Arg {
            name: "ap",
            description: "The AP's serial number or name (find_device takes either).",
            required: true,
        }],
        intro: "Recover the access point \"{ap}\", which is not responding. Steps:",
        steps: &[
            step(
                "find_device",
                "Find the AP with find_device (query \"{ap}\", device_type ACCESS_POINT): note its serial, name, site_id and status. If it is ONLINE, tell the user and ask before going on.",
            ),
            step(
                "get_device_list",
                "List the switches of its site with get_device_list (site_id, device_type SWITCH).",
            ),
            step(
                "get_switch_interfaces",
                "Find its switch port: on each of those switches, call get_switch_interfaces with search set to the AP's name and fields name, oper_status, uplink, neighbour, neighbour_port, poe_status, poe_class, port_errors. The port whose LLDP neighbour is the AP is its port. If no switch lists it, stop and say so; never guess a port.",
            ),
            step(
                "get_switch_details",
                "Check PoE on that port: poe_status and poe_class from the interfaces (Delivering, Searching, Fault?), and the switch's PoE budget (poe_available_watts, poe_consumption_watts) with get_switch_details.",
            ),
            step(
                "bounce_poe",
                "Power-cycle the AP with bounce_poe (serial: the switch, ports: [that one port]). It is confirmed per call: the client asks the user, or a first call sends nothing and returns a preview with a confirmation code; show the user the preview and call again with the same arguments plus confirmation only once they agree. Never set allow_uplink: an AP's port is not an uplink, and if bounce_poe calls it one, you have the wrong port.",
            ),
            step_with(
                "find_device",
                &["bounce_poe"],
                "Wait about three minutes for the AP to boot, then look it up again with find_device (its serial) until its status is ONLINE; check at most five times, a minute apart.",
            ),
        ],
        outro: "Report: the AP, its switch and port, what PoE showed, whether a PoE bounce ran (and the user's confirmation), and whether the AP is ONLINE again. If no bounce could run here (device actions are off on this server), end with the switch and port to power-cycle. If the AP stays offline, the next step is on site: cable, switch port or the AP itself.",
    },
    Workflow {
        name: "check_switch_port",
        title: "Check a switch port",
        description: "One switch port: status, errors and counters, then a cable test (confirmed; the link drops during it).",
        args: &[
            Arg {
                name: "switch",
                description: "The switch's serial number (find_device gives it).",
                required: true,
            },
            Arg {
                name: "port",
                description: "The port name, e.g. 1/1/3 (CX) or 24 (AOS-S).",
                required: true,
            },
        ],
        intro: "Check port {port} of the switch {switch}. Steps:",
        steps: &[
            step(
                "get_switch_details",
                "Check the switch with get_switch_details (serial {switch}): status, model, health reasons. If it is offline, stop and say so.",
            ),
            step(
                "get_switch_interfaces",
                "Read the port with get_switch_interfaces (serial {switch}, search \"{port}\", fields [\"all\"]) and take the row named exactly {port}: oper and admin status, speed and duplex, VLANs, PoE, LLDP neighbour, uplink, error_reason and port_errors.",
            ),
            step(
                "run_show_commands",
                "For its counters (CRC/FCS errors, drops, resets), run the switch's interface show command with run_show_commands (e.g. \"show interface brief\" on CX, \"show interfaces brief\" on AOS-S; an unsupported command is refused with the supported ones named).",
            ),
            step(
                "run_cable_test",
                "If the port is down, flapping or counting errors, test its cable with run_cable_test (serial {switch}, ports [\"{port}\"]). Tell the user first that the link drops during the test, so whatever is on the port loses its connection for a moment. It is confirmed per call: the client asks the user, or a first call sends nothing and returns a preview with a confirmation code; call again with the same arguments plus confirmation only once the user agrees. An uplink is refused; set allow_uplink only if the user, told that everything behind it goes offline, explicitly asks.",
            ),
        ],
        outro: "Conclude with the port's state, the evidence (errors, counters, cable pairs), the likely cause (cable, far-end device, port or configuration) and the next action.",
    },
];

/// The prompts offered when `tools` are the tools this server lists.
pub fn list(tools: &BTreeSet<String>) -> Vec<Prompt> {
    WORKFLOWS
        .iter()
        .filter(|w| usable_steps(w, tools).next().is_some())
        .map(|w| {
            let args = w
                .args
                .iter()
                .map(|a| {
                    PromptArgument::new(a.name)
                        .with_description(a.description)
                        .with_required(a.required)
                })
                .collect();
            Prompt::new(w.name, Some(w.description), Some(args)).with_title(w.title)
        })
        .collect()
}

/// Why a prompt could not be produced.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PromptError {
    /// No prompt of that name.
    #[error("unknown prompt {name:?}; prompts/list shows the prompts this server offers")]
    Unknown {
        /// The name asked for.
        name: String,
    },
    /// A required argument is missing or blank.
    #[error("prompt {prompt} needs the argument {argument:?}: {description}")]
    MissingArgument {
        /// The prompt.
        prompt: &'static str,
        /// The argument.
        argument: &'static str,
        /// What it is.
        description: &'static str,
    },
    /// An argument is too long or not text.
    #[error("prompt argument {argument:?} must be text of at most 200 characters")]
    BadArgument {
        /// The argument.
        argument: String,
    },
}

/// The messages of prompt `name` with `arguments`, using only `tools`.
pub fn get(
    name: &str,
    arguments: Option<&JsonObject>,
    tools: &BTreeSet<String>,
) -> Result<GetPromptResult, PromptError> {
    let workflow = WORKFLOWS
        .iter()
        .find(|w| w.name == name && usable_steps(w, tools).next().is_some())
        .ok_or_else(|| PromptError::Unknown {
            name: name.chars().take(100).collect(),
        })?;
    let empty = JsonObject::new();
    let arguments = arguments.unwrap_or(&empty);
    if let Some(unknown) = arguments
        .keys()
        .find(|k| !workflow.args.iter().any(|a| a.name == k.as_str()))
    {
        return Err(PromptError::BadArgument {
            argument: unknown.chars().take(100).collect(),
        });
    }
    let mut values: Vec<(&str, String)> = Vec::new();
    for arg in workflow.args {
        let value = match arguments.get(arg.name) {
            Some(serde_json::Value::String(s)) if s.chars().count() <= 200 => s.trim().to_string(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(_) => {
                return Err(PromptError::BadArgument {
                    argument: arg.name.to_string(),
                });
            }
        };
        if value.is_empty() && arg.required {
            return Err(PromptError::MissingArgument {
                prompt: workflow.name,
                argument: arg.name,
                description: arg.description,
            });
        }
        let value = if value.is_empty() && arg.name == "window" {
            if workflow.name == "shift_handover_report" {
                "8h".to_string()
            } else {
                "24h".to_string()
            }
        } else {
            value
        };
        values.push((arg.name, value));
    }
    let fill = |text: &str| {
        values.iter().fold(text.to_string(), |t, (k, v)| {
            t.replace(&format!("{{{k}}}"), v)
        })
    };
    let mut text = fill(workflow.intro);
    for (i, s) in usable_steps(workflow, tools).enumerate() {
        text.push_str(&format!("\n{}. {}", i + 1, fill(s.text)));
    }
    text.push_str("\n\n");
    text.push_str(&fill(workflow.outro));
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(workflow.description),
    )
}

fn usable_steps<'a>(
    workflow: &'a Workflow,
    tools: &'a BTreeSet<String>,
) -> impl Iterator<Item = &'a Step> + 'a {
    workflow.steps.iter().filter(move |s| {
        s.tool.is_none_or(|t| tools.contains(t)) && s.also.iter().all(|t| tools.contains(*t))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tools(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn every_tool() -> BTreeSet<String> {
        WORKFLOWS
            .iter()
            .flat_map(|w| {
                w.steps
                    .iter()
                    .flat_map(|s| s.tool.into_iter().chain(s.also.iter().copied()))
            })
            .map(str::to_string)
            .collect()
    }

    fn text(result: &GetPromptResult) -> String {
        serde_json::to_value(&result.messages[0]).unwrap()["content"]["text"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn seven_workflows_with_arguments() {
        let prompts = list(&every_tool());
        let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "network_health_overview",
                "troubleshoot_site",
                "investigate_client",
                "diagnose_device",
                "shift_handover_report",
                "recover_unresponsive_ap",
                "check_switch_port"
            ]
        );
        assert!(
            prompts
                .iter()
                .all(|p| p.arguments.as_ref().is_some_and(|a| !a.is_empty()))
        );
    }

    #[test]
    fn fills_arguments_and_numbers_the_steps() {
        let args = json!({"site": "HQ", "window": "4h"});
        let r = get("troubleshoot_site", args.as_object(), &every_tool()).unwrap();
        let t = text(&r);
        assert!(
            t.starts_with("Troubleshoot the site \"HQ\" over the last 4h."),
            "{t}"
        );
        assert!(t.contains("\n1. Resolve the site with list_sites"), "{t}");
        assert!(t.contains("\n6. Check failed clients"), "{t}");
    }

    #[test]
    fn leaves_out_steps_whose_tool_is_not_offered() {
        let offered = tools(&["find_device", "get_switch_details", "list_events"]);
        let r = get(
            "diagnose_device",
            json!({"device": "sw-1"}).as_object(),
            &offered,
        )
        .unwrap();
        let t = text(&r);
        assert!(
            !t.contains("ping_from_ap"),
            "read-only servers get no ping step: {t}"
        );
        assert!(t.contains("\n3. List its recent events"), "{t}");
        assert!(t.contains("last 24h"), "default window: {t}");
        // A workflow with no usable step is not offered at all.
        assert!(
            list(&tools(&["check_server_health"]))
                .iter()
                .all(|p| p.name == "shift_handover_report")
        );
    }

    #[test]
    fn action_steps_and_what_follows_them_need_the_action_tool() {
        let mut offered = every_tool();
        let args = json!({"ap": "AP-Lobby-1"});
        let with = text(&get("recover_unresponsive_ap", args.as_object(), &offered).unwrap());
        assert!(
            with.contains("\n5. Power-cycle the AP with bounce_poe"),
            "{with}"
        );
        assert!(with.contains("\n6. Wait about three minutes"), "{with}");
        assert!(with.contains("Never set allow_uplink"), "{with}");
        assert!(with.contains("query \"AP-Lobby-1\""), "{with}");
        offered.remove("bounce_poe");
        let without = text(&get("recover_unresponsive_ap", args.as_object(), &offered).unwrap());
        assert!(!without.contains("bounce_poe"), "{without}");
        assert!(
            !without.contains("Wait about"),
            "verify follows the bounce: {without}"
        );
        assert!(without.contains("\n4. Check PoE on that port"), "{without}");

        let args = json!({"switch": "SG12KW345", "port": "1/1/7"});
        let with = text(&get("check_switch_port", args.as_object(), &every_tool()).unwrap());
        assert!(
            with.starts_with("Check port 1/1/7 of the switch SG12KW345."),
            "{with}"
        );
        assert!(with.contains("\n4. If the port is down"), "{with}");
        assert!(with.contains("link drops during the test"), "{with}");
        offered.remove("run_cable_test");
        let without = text(&get("check_switch_port", args.as_object(), &offered).unwrap());
        assert!(!without.contains("run_cable_test"), "{without}");
        let e = get(
            "check_switch_port",
            json!({"switch": "SG1"}).as_object(),
            &offered,
        )
        .unwrap_err();
        assert!(e.to_string().contains("\"port\""), "{e}");
    }

    #[test]
    fn explains_bad_requests() {
        let all = every_tool();
        assert_eq!(
            get("nope", None, &all).unwrap_err(),
            PromptError::Unknown {
                name: "nope".into()
            }
        );
        let e = get("investigate_client", None, &all).unwrap_err();
        assert!(
            e.to_string().contains("needs the argument \"client\""),
            "{e}"
        );
        let e = get("investigate_client", json!({"client": 5}).as_object(), &all).unwrap_err();
        assert!(matches!(e, PromptError::BadArgument { .. }));
        let e = get(
            "investigate_client",
            json!({"client": "a", "x": "y"}).as_object(),
            &all,
        )
        .unwrap_err();
        assert!(matches!(e, PromptError::BadArgument { .. }));
    }
}
