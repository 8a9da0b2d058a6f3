//! Device actions (issue 19) over the real binary and the simulator: the gating matrix, the
//! two-step confirmation (every refusal, exactly one POST after a valid code), elicitation
//! (accept, decline, cancel through rmcp's client with an elicitation handler), the uplink rail,
//! the per-minute limit, the audit line and metric, the visible effects, and every POST checked
//! against ../shared/central-api/openapi/troubleshooting.json.

mod common;

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aruba_noc_mcp::simulator::{
    Device, DeviceStatus, DeviceType, JournalEntry, SimulatorConfig, SimulatorHandle,
};
use common::*;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, ElicitRequestParams,
    ElicitResult, ElicitationAction, Implementation,
};
use rmcp::service::{RequestContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, ErrorData, RoleClient, ServiceExt};
use serde_json::{Value, json};

const ACTIONS: [&str; 5] = [
    "bounce_poe",
    "bounce_port",
    "reboot_device",
    "run_cable_test",
    "disconnect_clients",
];

fn device(sim: &SimulatorHandle, f: impl Fn(&Device) -> bool) -> Device {
    sim.dataset()
        .devices
        .iter()
        .find(|d| f(d))
        .cloned()
        .expect("the dataset has such a device")
}

fn online(sim: &SimulatorHandle, t: DeviceType) -> Device {
    device(sim, |d| {
        d.device_type == t && d.status == DeviceStatus::Online
    })
}

fn cx_switch(sim: &SimulatorHandle) -> Device {
    device(sim, |d| {
        d.device_type == DeviceType::Switch
            && d.status == DeviceStatus::Online
            && d.switch_type.as_deref() == Some("cx")
    })
}

fn posts(sim: &SimulatorHandle) -> Vec<JournalEntry> {
    api_requests(sim)
        .into_iter()
        .filter(|e| e.method == "POST")
        .collect()
}

fn env_with(sim: &SimulatorHandle, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = env_for(sim);
    for (k, v) in extra {
        env.retain(|(key, _)| key != k);
        env.push(((*k).into(), (*v).into()));
    }
    env
}

async fn names(client: &RunningService<RoleClient, ()>) -> Vec<String> {
    client
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

fn failed(result: &CallToolResult) -> String {
    assert_eq!(
        result.is_error,
        Some(true),
        "expected an error: {}",
        text(result)
    );
    text(result)
}

/// A switch port with an AP as LLDP neighbour, and an uplink port, from get_switch_interfaces.
async fn ports(client: &RunningService<RoleClient, ()>, serial: &str) -> (String, String, String) {
    let out = structured(
        &call(
            client,
            "get_switch_interfaces",
            json!({"serial": serial, "fields": ["all"], "limit": 100}),
        )
        .await,
    );
    let items = out["ports"].as_array().expect("ports");
    let uplink = items
        .iter()
        .find(|p| p["uplink"] == true)
        .expect("an uplink")["name"]
        .as_str()
        .unwrap()
        .to_string();
    let ap_port = items
        .iter()
        .find(|p| p["uplink"] != true && p["neighbour"].is_string())
        .expect("a port with a neighbour");
    (
        ap_port["name"].as_str().unwrap().to_string(),
        ap_port["neighbour"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        uplink,
    )
}

#[tokio::test]
async fn the_gating_matrix_lists_and_refuses() {
    let sim = simulator();
    for (extra, listed, needle) in [
        (vec![], false, "ARUBA_ACTIONS=on"),
        (vec![("ARUBA_ACTIONS", "on")], true, ""),
        (
            vec![("ARUBA_ACTIONS", "on"), ("ARUBA_READ_ONLY", "true")],
            false,
            "ARUBA_READ_ONLY",
        ),
    ] {
        let client = session(&sim, &extra).await;
        let offered = names(&client).await;
        for tool in ACTIONS {
            assert_eq!(
                offered.iter().any(|n| n == tool),
                listed,
                "{tool} {extra:?}"
            );
            if !listed {
                let r = call(&client, tool, json!({"serial": "CNK7ABC123", "all": true})).await;
                assert!(failed(&r).contains(needle), "{tool}: {}", text(&r));
            }
        }
        if listed {
            let tools = client.list_all_tools().await.unwrap();
            for t in tools.iter().filter(|t| ACTIONS.contains(&t.name.as_ref())) {
                let a = t.annotations.as_ref().expect("annotations");
                assert_eq!(a.destructive_hint, Some(true), "{}", t.name);
                assert_eq!(a.idempotent_hint, Some(false), "{}", t.name);
                assert_eq!(a.read_only_hint, Some(false), "{}", t.name);
            }
        }
        client.cancel().await.unwrap();
    }
    assert!(posts(&sim).is_empty(), "no action reached Central");
}

#[tokio::test]
async fn two_steps_refuse_every_bad_code_and_post_once_after_a_good_one() {
    let sim = simulator();
    let ap = online(&sim, DeviceType::AccessPoint);
    let client = session(&sim, &[("ARUBA_ACTIONS", "on")]).await;
    let args = json!({"serial": ap.serial_number});
    let preview = structured(&call(&client, "reboot_device", args.clone()).await);
    assert_eq!(preview["stage"], "preview");
    assert_eq!(preview["device"]["serial"], ap.serial_number.as_str());
    assert_eq!(preview["device"]["status"], "ONLINE");
    assert!(preview["interrupts"].as_str().unwrap().contains("AP"));
    assert_eq!(preview["expires_in_seconds"], 120);
    let code = preview["confirmation"]
        .as_str()
        .expect("a code")
        .to_string();
    assert!(
        preview["summary"]
            .as_str()
            .unwrap()
            .contains("Nothing was sent")
    );
    assert!(posts(&sim).is_empty(), "the preview sends nothing");

    // A wrong code, changed arguments, another session's code: refused, nothing sent.
    let r = call(
        &client,
        "reboot_device",
        json!({"serial": ap.serial_number, "confirmation": "0123456789abcdef0123456789abcdef"}),
    )
    .await;
    assert!(
        failed(&r).contains("not one this server issued"),
        "{}",
        text(&r)
    );
    let other = online(&sim, DeviceType::Gateway);
    let r = call(
        &client,
        "reboot_device",
        json!({"serial": other.serial_number, "confirmation": code}),
    )
    .await;
    assert!(
        failed(&r).contains("exactly those of the preview"),
        "{}",
        text(&r)
    );
    let r = call(
        &client,
        "reboot_device",
        json!({"serial": ap.serial_number, "whole_swarm": false, "confirmation": code}),
    )
    .await;
    assert!(
        failed(&r).contains("exactly those of the preview"),
        "{}",
        text(&r)
    );
    // Another process is another server: the code is unknown there.
    let second = session(&sim, &[("ARUBA_ACTIONS", "on")]).await;
    let r = call(
        &second,
        "reboot_device",
        json!({"serial": ap.serial_number, "confirmation": code}),
    )
    .await;
    assert!(failed(&r).contains("not one this server issued"));
    second.cancel().await.unwrap();
    assert!(posts(&sim).is_empty(), "no refusal sent anything");

    // The right code: exactly one POST; the same code again: refused.
    let mut confirmed = args.clone();
    confirmed["confirmation"] = json!(code);
    let done = structured(&call(&client, "reboot_device", confirmed.clone()).await);
    assert_eq!(done["stage"], "done", "{done}");
    let sent = posts(&sim);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].path,
        format!(
            "/network-troubleshooting/v1/aps/{}/reboot",
            ap.serial_number
        )
    );
    assert_eq!(sent[0].status, 202);
    let r = call(&client, "reboot_device", confirmed).await;
    assert!(failed(&r).contains("already used"), "{}", text(&r));
    assert_eq!(posts(&sim).len(), 1);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_code_from_another_session_of_the_same_server_is_refused() {
    let sim = simulator();
    let ap = online(&sim, DeviceType::AccessPoint);
    let daemon = common::daemon::Daemon::start(
        &sim,
        common::daemon::Options {
            env: vec![("ARUBA_ACTIONS", "on".into())],
            ..Default::default()
        },
    );
    let a = daemon.via_connect().await;
    let b = daemon.via_connect().await;
    let args = json!({"serial": ap.serial_number});
    let preview = structured(&call(&a, "reboot_device", args).await);
    let code = preview["confirmation"].as_str().unwrap();
    let r = call(
        &b,
        "reboot_device",
        json!({"serial": ap.serial_number, "confirmation": code}),
    )
    .await;
    assert!(failed(&r).contains("another session"), "{}", text(&r));
    assert!(posts(&sim).is_empty());
    // The session that got it can still use it.
    let done = structured(
        &call(
            &a,
            "reboot_device",
            json!({"serial": ap.serial_number, "confirmation": code}),
        )
        .await,
    );
    assert_eq!(done["stage"], "done");
    assert_eq!(posts(&sim).len(), 1);
    a.cancel().await.unwrap();
    b.cancel().await.unwrap();
}

/// Runs `tool` with `args`: preview, then confirm; returns the final result.
async fn confirmed(
    client: &RunningService<RoleClient, ()>,
    tool: &str,
    args: Value,
) -> CallToolResult {
    let preview = call(client, tool, args.clone()).await;
    let p = structured(&preview);
    assert_eq!(p["stage"], "preview", "{p}");
    let mut args = args;
    args["confirmation"] = p["confirmation"].clone();
    call(client, tool, args).await
}

#[tokio::test]
async fn the_uplink_rail_and_the_per_minute_limit() {
    let sim = simulator();
    let sw = cx_switch(&sim);
    let client = session(
        &sim,
        &[("ARUBA_ACTIONS", "on"), ("ARUBA_ACTIONS_PER_MINUTE", "1")],
    )
    .await;
    let (port, _, uplink) = ports(&client, &sw.serial_number).await;
    for tool in ["bounce_port", "bounce_poe", "run_cable_test"] {
        let r = call(
            &client,
            tool,
            json!({"serial": sw.serial_number, "ports": [uplink]}),
        )
        .await;
        let t = failed(&r);
        assert!(t.contains("uplink") && t.contains("allow_uplink"), "{t}");
    }
    let p = structured(
        &call(
            &client,
            "bounce_port",
            json!({"serial": sw.serial_number, "ports": [uplink], "allow_uplink": true}),
        )
        .await,
    );
    assert_eq!(p["stage"], "preview");
    assert!(posts(&sim).is_empty());

    let first = confirmed(
        &client,
        "bounce_port",
        json!({"serial": sw.serial_number, "ports": [port]}),
    )
    .await;
    assert_eq!(structured(&first)["stage"], "done", "{}", text(&first));
    let second = confirmed(
        &client,
        "bounce_port",
        json!({"serial": sw.serial_number, "ports": [port]}),
    )
    .await;
    assert!(failed(&second).contains("ARUBA_ACTIONS_PER_MINUTE"));
    assert_eq!(posts(&sim).len(), 1, "the limited action sent nothing");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn actions_have_visible_effects_and_valid_requests() {
    let sim = simulator_with(SimulatorConfig {
        action_duration: Duration::from_secs(6),
        ..SimulatorConfig::default()
    });
    let sw = cx_switch(&sim);
    let client = session(&sim, &[("ARUBA_ACTIONS", "on")]).await;
    let (port, neighbour, _) = ports(&client, &sw.serial_number).await;

    // PoE bounce: the port goes down and the AP it feeds reboots.
    let r = confirmed(
        &client,
        "bounce_poe",
        json!({"serial": sw.serial_number, "ports": [port]}),
    )
    .await;
    let out = structured(&r);
    assert_eq!(out["stage"], "done", "{out}");
    assert_eq!(out["results"]["results"][0]["status"], "Bounced");
    let ifs = structured(
        &call(
            &client,
            "get_switch_interfaces",
            json!({"serial": sw.serial_number, "fields": ["all"], "limit": 100}),
        )
        .await,
    );
    let p = ifs["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == port.as_str())
        .unwrap()
        .clone();
    assert_eq!(p["oper_status"], "DOWN", "{p}");
    let fed = sim
        .dataset()
        .devices
        .iter()
        .find(|d| d.serial_number == neighbour || d.device_name == neighbour)
        .cloned();
    if let Some(ap) = fed.filter(|d| d.device_type == DeviceType::AccessPoint) {
        let list =
            structured(&call(&client, "find_device", json!({"query": ap.serial_number})).await);
        assert!(list.to_string().contains("OFFLINE"), "{list}");
    }

    // Cable test: per-pair results.
    let r = confirmed(
        &client,
        "run_cable_test",
        json!({"serial": sw.serial_number, "ports": [port]}),
    )
    .await;
    let out = structured(&r);
    assert_eq!(
        out["results"]["results"][0]["cablePairDiagnostics"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert!(out["summary"].as_str().unwrap().contains("Cable pairs"));

    // Disconnect: the client leaves /clients.
    let client_mac = sim
        .dataset()
        .clients
        .iter()
        .find(|c| {
            sim.dataset()
                .device(&c.connected_device_serial)
                .is_some_and(|d| {
                    d.device_type == DeviceType::AccessPoint && d.status == DeviceStatus::Online
                })
        })
        .cloned()
        .expect("a client on an online AP");
    let r = confirmed(
        &client,
        "disconnect_clients",
        json!({"serial": client_mac.connected_device_serial, "client_mac": client_mac.mac_address}),
    )
    .await;
    assert_eq!(structured(&r)["stage"], "done", "{}", text(&r));
    let found = call(
        &client,
        "find_client",
        json!({"query": client_mac.mac_address}),
    )
    .await;
    assert!(
        found.is_error == Some(true) || structured(&found)["returned"] == 0,
        "the client is gone: {}",
        text(&found)
    );

    // Reboot: OFFLINE, then ONLINE again.
    let gw = online(&sim, DeviceType::Gateway);
    let r = confirmed(
        &client,
        "reboot_device",
        json!({"serial": gw.serial_number}),
    )
    .await;
    assert_eq!(structured(&r)["stage"], "done");
    let list = |serial: String| {
        let client = &client;
        async move { structured(&call(client, "find_device", json!({"query": serial})).await) }
    };
    let now = list(gw.serial_number.clone()).await;
    assert!(now.to_string().contains("OFFLINE"), "{now}");
    let mut back = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let v = list(gw.serial_number.clone()).await;
        if !v.to_string().contains("OFFLINE") {
            back = true;
            break;
        }
    }
    assert!(back, "the gateway came back ONLINE");

    // Every POST matches troubleshooting.json (path, method, body schema).
    let api = spec::troubleshooting();
    let sent = posts(&sim);
    assert!(sent.len() >= 4, "{sent:?}");
    for e in &sent {
        spec::check_request(&api, e);
    }
    client.cancel().await.unwrap();
}

/// A client that declares elicitation and answers every request with `action`.
#[derive(Clone)]
struct Answering {
    action: ElicitationAction,
    confirm: bool,
    asked: Arc<Mutex<Vec<String>>>,
}

impl ClientHandler for Answering {
    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        if let ElicitRequestParams::FormElicitationParams { message, .. } = request {
            self.asked.lock().unwrap().push(message);
        }
        let mut r = ElicitResult::new(self.action.clone());
        if self.action == ElicitationAction::Accept {
            r = r.with_content(json!({"confirm": self.confirm}));
        }
        Ok(r)
    }

    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder().enable_elicitation().build(),
            Implementation::new("elicitation-test", "1.0"),
        )
    }
}

#[tokio::test]
async fn elicitation_runs_only_on_accept_with_confirm() {
    let sim = simulator();
    let ap = online(&sim, DeviceType::AccessPoint);
    let env = env_with(&sim, &[("ARUBA_ACTIONS", "on"), ("ARUBA_LOG", "warn")]);
    for (action, confirm, runs) in [
        (ElicitationAction::Decline, false, false),
        (ElicitationAction::Cancel, false, false),
        (ElicitationAction::Accept, false, false),
        (ElicitationAction::Accept, true, true),
    ] {
        let before = posts(&sim).len();
        let handler = Answering {
            action: action.clone(),
            confirm,
            asked: Arc::new(Mutex::new(Vec::new())),
        };
        let transport = TokioChildProcess::builder(server_command(&env, Stdio::null()))
            .stderr(Stdio::null())
            .spawn()
            .expect("server spawns")
            .0;
        let client = handler.clone().serve(transport).await.expect("initialize");
        let result = client
            .call_tool(
                CallToolRequestParams::new("reboot_device").with_arguments(
                    json!({"serial": ap.serial_number})
                        .as_object()
                        .cloned()
                        .unwrap(),
                ),
            )
            .await
            .expect("tools/call");
        let asked = handler.asked.lock().unwrap().clone();
        assert_eq!(asked.len(), 1, "asked once");
        assert!(
            asked[0].contains(&ap.serial_number) && asked[0].contains("ONLINE"),
            "the question shows the device as Central reports it: {}",
            asked[0]
        );
        if runs {
            assert_ne!(result.is_error, Some(true), "{}", text(&result));
            assert_eq!(posts(&sim).len(), before + 1, "exactly one POST");
        } else {
            assert_eq!(result.is_error, Some(true), "{action:?}: {}", text(&result));
            assert!(
                text(&result).contains("Nothing was sent"),
                "{}",
                text(&result)
            );
            assert_eq!(posts(&sim).len(), before, "{action:?}: no POST");
        }
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn strict_elicitation_refuses_a_client_without_it() {
    let sim = simulator();
    let ap = online(&sim, DeviceType::AccessPoint);
    let client = session(
        &sim,
        &[
            ("ARUBA_ACTIONS", "on"),
            ("ARUBA_ACTIONS_CONFIRM", "elicitation"),
        ],
    )
    .await;
    let r = call(
        &client,
        "reboot_device",
        json!({"serial": ap.serial_number}),
    )
    .await;
    let t = failed(&r);
    assert!(
        t.contains("ARUBA_ACTIONS_CONFIRM=elicitation") && t.contains("elicitation"),
        "{t}"
    );
    assert!(posts(&sim).is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn every_step_is_audited_in_the_log_and_counted() {
    let sim = simulator();
    let ap = online(&sim, DeviceType::AccessPoint);
    let port = free_port();
    let env = env_with(
        &sim,
        &[
            ("ARUBA_ACTIONS", "on"),
            ("ARUBA_LOG", "warn"),
            ("ARUBA_METRICS_ADDR", &format!("127.0.0.1:{port}")),
        ],
    );
    let server = spawn_logged(&env).await;
    let args = json!({"serial": ap.serial_number});
    let preview = structured(&call(&server.client, "reboot_device", args.clone()).await);
    let mut args = args;
    args["confirmation"] = preview["confirmation"].clone();
    let done = call(&server.client, "reboot_device", args).await;
    assert_eq!(structured(&done)["stage"], "done");
    let metrics = ureq::get(&format!("http://127.0.0.1:{port}/metrics"))
        .call()
        .expect("metrics")
        .into_body()
        .read_to_string()
        .unwrap();
    for outcome in ["preview", "confirmed", "executed"] {
        let line = format!("mcp_actions_total{{tool=\"reboot_device\",outcome=\"{outcome}\"}} 1");
        assert!(metrics.contains(&line), "{line} in\n{metrics}");
    }
    assert!(metrics.contains("mcp_actions_total{tool=\"bounce_poe\",outcome=\"executed\"} 0"));
    server.client.cancel().await.unwrap();
    let stderr = server.stderr.await.unwrap();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("device action"))
        .collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    for (line, outcome) in lines.iter().zip(["preview", "confirmed", "executed"]) {
        let v: Value = serde_json::from_str(line).expect("JSON log line");
        assert_eq!(v["level"], "WARN", "{line}");
        let f = &v["fields"];
        assert_eq!(f["outcome"], outcome, "{line}");
        assert_eq!(f["tool"], "reboot_device");
        assert_eq!(f["device"], ap.serial_number.as_str());
        assert!(
            f["session"].as_str().is_some_and(|s| !s.is_empty()),
            "{line}"
        );
        assert!(
            f["call_id"].as_str().is_some_and(|s| !s.is_empty()),
            "{line}"
        );
        assert!(f["action"].is_string(), "{line}");
    }
}

/// A stateless MCP 2026-07-28 `tools/call` over HTTP (no `initialize`, no session): the
/// protocol version, client info and capabilities ride in `_meta`; `extra` adds params (the
/// retry's `inputResponses` and `requestState`). The client declares form elicitation unless
/// `extra` has `"no_elicitation": true`. Returns the JSON-RPC response.
fn stateless_call(url: &str, id: u64, tool: &str, arguments: Value, mut extra: Value) -> Value {
    let elicitation = extra
        .as_object_mut()
        .and_then(|e| e.remove("no_elicitation"))
        .is_none();
    let capabilities = if elicitation {
        json!({"elicitation": {"form": {}}})
    } else {
        json!({})
    };
    let mut params = json!({
        "name": tool,
        "arguments": arguments,
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": {"name": "raw-mrtr", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": capabilities,
        },
    });
    if let (Some(p), Some(extra)) = (params.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params});
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut response = agent
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        // SEP-2243 (2026-07-28): the method and the tool name repeated as headers.
        .header("mcp-method", "tools/call")
        .header("mcp-name", tool)
        .send(body.to_string())
        .expect("POST /mcp");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    assert_eq!(status, 200, "{text}");
    // A JSON body, or an SSE stream whose `data:` lines carry the messages.
    let messages: Vec<Value> = match serde_json::from_str::<Value>(&text) {
        Ok(v) => vec![v],
        Err(_) => text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect(),
    };
    messages
        .into_iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no response to request {id} in {text}"))
}

#[tokio::test]
async fn stateless_2026_07_28_elicitation_goes_through_input_required_results() {
    let sim = simulator();
    let ap = online(&sim, DeviceType::AccessPoint);
    let daemon = common::daemon::Daemon::start(
        &sim,
        common::daemon::Options {
            http: true,
            env: vec![("ARUBA_ACTIONS", "on".into())],
            ..Default::default()
        },
    );
    let url = daemon.url();
    let args = json!({"serial": ap.serial_number});

    // 1. The call: no elicitation/create request (there is no session to send it on), but an
    //    InputRequiredResult holding the form and an opaque state. Nothing is sent to Central.
    let first = stateless_call(&url, 1, "reboot_device", args.clone(), json!({}));
    let result = &first["result"];
    assert_eq!(result["resultType"], "input_required", "{first}");
    let requests = result["inputRequests"].as_object().expect("inputRequests");
    assert_eq!(
        requests.keys().collect::<Vec<_>>(),
        ["confirm_action"],
        "{result}"
    );
    let ask = &requests["confirm_action"];
    assert_eq!(ask["method"], "elicitation/create", "{ask}");
    let message = ask["params"]["message"].as_str().expect("a message");
    assert!(
        message.contains(&ap.serial_number) && message.contains("ONLINE"),
        "the question shows the device as Central reports it: {message}"
    );
    let schema = &ask["params"]["requestedSchema"];
    assert_eq!(schema["type"], "object", "{schema}");
    assert_eq!(
        schema["properties"]["confirm"]["type"], "boolean",
        "{schema}"
    );
    assert_eq!(schema["required"], json!(["confirm"]), "{schema}");
    let state = result["requestState"]
        .as_str()
        .expect("a requestState")
        .to_string();
    assert!(state.len() >= 16, "an unguessable handle: {state}");
    assert!(result.get("content").is_none() && result.get("isError").is_none());
    assert!(posts(&sim).is_empty(), "asking sends nothing");

    // 2. The retry with the answer (accept, confirm: true) and the state: it runs, once.
    let accept = json!({
        "inputResponses": {"confirm_action": {"action": "accept", "content": {"confirm": true}}},
        "requestState": state,
    });
    let done = stateless_call(&url, 2, "reboot_device", args.clone(), accept.clone());
    let result = &done["result"];
    assert_ne!(result["isError"], true, "{done}");
    assert_eq!(result["structuredContent"]["stage"], "done", "{done}");
    let sent = posts(&sim);
    assert_eq!(sent.len(), 1, "exactly one POST: {sent:?}");
    assert_eq!(
        sent[0].path,
        format!(
            "/network-troubleshooting/v1/aps/{}/reboot",
            ap.serial_number
        )
    );
    // Its effect: the AP is OFFLINE while it reboots.
    let listed = api_requests(&sim).len();
    let found = stateless_call(
        &url,
        3,
        "find_device",
        json!({"query": ap.serial_number}),
        json!({}),
    );
    assert!(
        found["result"]["structuredContent"]
            .to_string()
            .contains("OFFLINE"),
        "{found}"
    );
    assert!(api_requests(&sim).len() > listed);

    // 3. The same answer again: the state is single-use.
    let again = stateless_call(&url, 4, "reboot_device", args.clone(), accept);
    assert_eq!(again["result"]["isError"], true, "{again}");
    assert!(again.to_string().contains("Nothing was sent"), "{again}");

    // 4. A fresh ask, declined: isError, nothing sent.
    let other = online(&sim, DeviceType::Gateway);
    let gw = json!({"serial": other.serial_number});
    let ask = stateless_call(&url, 5, "reboot_device", gw.clone(), json!({}));
    let state = ask["result"]["requestState"]
        .as_str()
        .expect("a requestState")
        .to_string();
    let declined = stateless_call(
        &url,
        6,
        "reboot_device",
        gw.clone(),
        json!({
            "inputResponses": {"confirm_action": {"action": "decline"}},
            "requestState": state,
        }),
    );
    assert_eq!(declined["result"]["isError"], true, "{declined}");
    let said = declined["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        said.contains("declined") && said.contains("Nothing was sent"),
        "{said}"
    );
    // 5. An answer for other arguments than those asked about: refused.
    let ask = stateless_call(&url, 7, "reboot_device", gw, json!({}));
    let state = ask["result"]["requestState"].as_str().unwrap().to_string();
    let swapped = stateless_call(
        &url,
        8,
        "reboot_device",
        args,
        json!({
            "inputResponses": {"confirm_action": {"action": "accept", "content": {"confirm": true}}},
            "requestState": state,
        }),
    );
    assert_eq!(swapped["result"]["isError"], true, "{swapped}");
    assert_eq!(posts(&sim).len(), 1, "only the accepted call was sent");

    // 6. A stateless client without elicitation gets the two-step code, which works across
    //    its (sessionless) requests; a session's client cannot use it.
    let sw = cx_switch(&sim);
    let reboot = json!({"serial": sw.serial_number});
    let plain = json!({"no_elicitation": true});
    let preview = stateless_call(&url, 9, "reboot_device", reboot.clone(), plain.clone());
    let preview = &preview["result"]["structuredContent"];
    assert_eq!(preview["stage"], "preview", "{preview}");
    let code = preview["confirmation"]
        .as_str()
        .expect("a code")
        .to_string();
    let session = daemon.via_http().await;
    let r = call(
        &session,
        "reboot_device",
        json!({"serial": sw.serial_number, "confirmation": code}),
    )
    .await;
    assert!(failed(&r).contains("another session"), "{}", text(&r));
    session.cancel().await.unwrap();
    let mut confirmed = reboot;
    confirmed["confirmation"] = json!(code);
    let done = stateless_call(&url, 10, "reboot_device", confirmed.clone(), plain.clone());
    assert_eq!(
        done["result"]["structuredContent"]["stage"], "done",
        "{done}"
    );
    let again = stateless_call(&url, 11, "reboot_device", confirmed, plain);
    assert_eq!(again["result"]["isError"], true, "{again}");
    assert_eq!(posts(&sim).len(), 2, "one POST per confirmed action");
}
