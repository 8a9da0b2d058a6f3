//! Writes the seed corpora in `fuzz/seeds/` (run from the repository root):
//!
//! ```sh
//! cargo run --manifest-path fuzz/Cargo.toml --example make_seeds -- ../shared/central-api/openapi
//! ```
//!
//! - `responses`: every tool runs against the built-in simulator (through an in-memory transport
//!   that forwards to it over loopback HTTP) and each distinct answer it got becomes a seed; the
//!   OpenAPI examples of the routes each tool called (success and error) are added.
//! - `tool_args`: each tool's arguments as used above, plus a few wrong ones.
//! - `error_envelope`: the simulator's error bodies and the OpenAPI error examples.
//! - `headers`, `odata`, `config`: hand-written inputs.
//!
//! Seeds are kept small (bodies over 16 KiB are skipped), so the corpus can be committed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use aruba_noc_mcp::central::transport::{Responder, ResponseHeaders};
use aruba_noc_mcp::central::{HttpRequest, HttpResponse, Method};
use aruba_noc_mcp::simulator::{
    ClientStatus, DeviceStatus, DeviceType, FaultSpec, Simulator, SimulatorConfig,
};
use aruba_noc_mcp_fuzz as harness;
use serde_json::{Value, json};

const MAX_SEED: usize = 16 * 1024;

/// One raw HTTP/1.0 exchange with the simulator (no chunking, connection closes).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).expect("simulator reachable");
    let mut head = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    HttpResponse {
        status,
        headers: ResponseHeaders::default(),
        body: raw[split + 4..].to_vec(),
    }
}

fn write_seed(dir: &Path, name: &str, data: &[u8], written: &mut BTreeSet<Vec<u8>>) {
    if data.len() > MAX_SEED || !written.insert(data.to_vec()) {
        return;
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), data).unwrap();
}

/// The OpenAPI path template (`/a/{b}/c`) matching a concrete path.
fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(spec: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let Some(r) = v["$ref"].as_str() else { break };
        let Some(path) = r.strip_prefix("#/") else {
            break;
        };
        v = path.split('/').fold(spec, |node, key| &node[key]);
    }
    v
}

/// An instance of `schema` built from its `example` values (types' defaults elsewhere).
fn synthesize(spec: &Value, schema: &Value, depth: u32) -> Value {
    let schema = resolve(spec, schema);
    if depth > 8 {
        return Value::Null;
    }
    if !schema["example"].is_null() {
        return schema["example"].clone();
    }
    if let Some(all) = schema["allOf"].as_array() {
        let mut out = serde_json::Map::new();
        for part in all {
            if let Value::Object(m) = synthesize(spec, part, depth + 1) {
                out.extend(m);
            }
        }
        return Value::Object(out);
    }
    for alt in ["oneOf", "anyOf"] {
        if let Some(first) = schema[alt].as_array().and_then(|a| a.first()) {
            return synthesize(spec, first, depth + 1);
        }
    }
    if let Some(first) = schema["enum"].as_array().and_then(|a| a.first()) {
        return first.clone();
    }
    match schema["type"].as_str() {
        Some("array") => json!([synthesize(spec, &schema["items"], depth + 1)]),
        Some("string") => json!("string"),
        Some("integer") => json!(0),
        Some("number") => json!(0.5),
        Some("boolean") => json!(true),
        _ => match schema["properties"].as_object() {
            Some(props) => Value::Object(
                props
                    .iter()
                    .map(|(k, p)| (k.clone(), synthesize(spec, p, depth + 1)))
                    .collect(),
            ),
            None => Value::Null,
        },
    }
}

/// `(template, status, body)` for every JSON response in the specs: its examples, and an
/// instance built from the schema's per-field examples.
fn openapi_examples(dir: &Path) -> Vec<(String, u16, Value)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!(
            "no OpenAPI directory at {}; skipping its examples",
            dir.display()
        );
        return out;
    };
    for entry in entries.filter_map(Result::ok) {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let Ok(spec) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let Some(paths) = spec["paths"].as_object() else {
            continue;
        };
        for (template, ops) in paths {
            let Some(ops) = ops.as_object() else { continue };
            for op in ops.values() {
                let Some(responses) = op["responses"].as_object() else {
                    continue;
                };
                for (code, response) in responses {
                    let Ok(status) = code.parse::<u16>() else {
                        continue;
                    };
                    let response = resolve(&spec, response);
                    let content = &response["content"]["application/json"];
                    if !content["example"].is_null() {
                        out.push((template.clone(), status, content["example"].clone()));
                    }
                    if let Some(examples) = content["examples"].as_object() {
                        for ex in examples.values() {
                            let ex = resolve(&spec, ex);
                            if !ex["value"].is_null() {
                                out.push((template.clone(), status, ex["value"].clone()));
                            }
                        }
                    }
                    if !content["schema"].is_null() {
                        let instance = synthesize(&spec, &content["schema"], 0);
                        if !instance.is_null() {
                            out.push((template.clone(), status, instance));
                        }
                    }
                }
            }
        }
    }
    out
}

fn main() {
    let openapi = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/central-api/openapi".into()),
    );
    let seeds = PathBuf::from("fuzz/seeds");
    let sim = Simulator::start("127.0.0.1:0".parse().unwrap(), SimulatorConfig::default()).unwrap();
    let addr = sim.addr().to_string();
    let ds = sim.dataset();

    // A token straight from the simulator; the proxy puts it on every forwarded API request.
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        sim.client_id(),
        sim.client_secret()
    );
    let token_answer = http(
        &addr,
        "POST",
        "/as/token.oauth2",
        &[(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        form.as_bytes(),
    );
    let token: Value = serde_json::from_slice(&token_answer.body).unwrap();
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());

    let ap = ds
        .devices
        .iter()
        .find(|d| {
            d.device_type == DeviceType::AccessPoint
                && d.status == DeviceStatus::Online
                && !d.radios.is_empty()
        })
        .unwrap();
    let switch = ds
        .devices
        .iter()
        .find(|d| d.device_type == DeviceType::Switch && d.status == DeviceStatus::Online)
        .unwrap();
    let stacked = ds
        .devices
        .iter()
        .find_map(|d| d.stack_id.clone())
        .unwrap_or_default();
    let gateway = ds
        .devices
        .iter()
        .find(|d| {
            d.device_type == DeviceType::Gateway
                && d.status == DeviceStatus::Online
                && d.cluster_name.is_some()
        })
        .unwrap();
    let client = ds
        .clients
        .iter()
        .find(|c| c.status == ClientStatus::Connected)
        .unwrap();
    let site = &ds.sites[0];
    let wlan = &ds.wlans[0];
    let real_args = |tool: &str| -> Value {
        let mut args = match tool {
            "get_switch_details" | "get_switch_interfaces" => {
                json!({"serial": switch.serial_number})
            }
            "get_ap_radios" | "get_ap_cpu_utilization" => json!({"serial": ap.serial_number}),
            "get_gateway_uplinks" => json!({"serial": gateway.serial_number}),
            "list_gateway_tunnels" => json!({"serial_number": gateway.serial_number}),
            "get_ap_details" => json!({"serial_number": ap.serial_number}),
            "get_gateway_details" => json!({"serial_number": gateway.serial_number}),
            "list_all_clients" => json!({"site_id": site.id}),
            "get_wlan_details" => json!({"wlan_name": wlan.name, "site_id": site.id}),
            "get_gateway_cluster_info" => json!({"cluster_name": gateway.cluster_name}),
            "get_stack_members" => json!({"stack_id": stacked}),
            "find_device" => json!({"query": switch.device_name}),
            "find_client" => json!({"query": client.mac_address}),
            "get_client_details" => json!({"mac_address": client.mac_address}),
            "get_site_details" => json!({"site_name": site.name}),
            "list_events" => json!({"serial_number": ap.serial_number}),
            "ping_from_ap" | "traceroute_from_ap" => {
                json!({"serial": ap.serial_number, "destination": "8.8.8.8", "timeout_seconds": 5})
            }
            "ping_from_gateway" | "traceroute_from_gateway" => {
                json!({"serial": gateway.serial_number, "destination": "8.8.8.8", "timeout_seconds": 5})
            }
            "ping_from_switch" | "traceroute_from_switch" => {
                json!({"serial": switch.serial_number, "destination": "8.8.8.8", "timeout_seconds": 5})
            }
            other => harness::sample_args(other),
        };
        // Small pages keep the seeds small.
        let schema = harness::catalogue()
            .iter()
            .find(|t| t.name() == tool)
            .map(|t| Value::Object((*t.tool.input_schema).clone()));
        if let (Some(obj), Some(schema)) = (args.as_object_mut(), schema)
            && schema["properties"].get("limit").is_some()
            && tool != "find_device"
        {
            obj.insert("limit".into(), json!(3));
        }
        args
    };

    let examples = openapi_examples(&openapi);
    // get_async_test_result polls the same task resource the ping/traceroute tools poll.
    let mut task_bodies: Vec<(u16, Vec<u8>)> = Vec::new();
    let mut written = BTreeSet::new();
    let mut error_bodies: Vec<Vec<u8>> = Vec::new();
    for (index, spec) in harness::catalogue().iter().enumerate() {
        let name = spec.name().to_string();
        let index = u8::try_from(index).expect("fewer than 256 tools");
        let args = real_args(&name);
        let seen: Arc<Mutex<Vec<(String, HttpResponse)>>> = Arc::default();
        let record = Arc::clone(&seen);
        let (addr2, bearer2) = (addr.clone(), bearer.clone());
        let responder: Responder = Arc::new(move |request: &HttpRequest| {
            if request.url == harness::TOKEN_URL {
                return Ok(harness::token_response());
            }
            let path = request
                .url
                .strip_prefix(harness::BASE_URL)
                .unwrap_or(&request.url);
            let mut headers = vec![("Authorization".to_string(), bearer2.clone())];
            if request.body.is_some() {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            let method = if request.method == Method::Get {
                "GET"
            } else {
                "POST"
            };
            let response = http(
                &addr2,
                method,
                path,
                &headers,
                request.body.as_deref().unwrap_or(&[]),
            );
            record.lock().unwrap().push((
                path.split('?').next().unwrap_or(path).to_string(),
                response.clone(),
            ));
            Ok(response)
        });
        let Value::Object(arguments) = args.clone() else {
            unreachable!()
        };
        let result = harness::run_tool(spec, arguments.clone(), responder);
        eprintln!(
            "{name}: {} call(s), isError={}",
            seen.lock().unwrap().len(),
            result.is_error
        );

        let mut tool_args = vec![index];
        tool_args.extend(serde_json::to_vec(&args).unwrap());
        write_seed(&seeds.join("tool_args"), &name, &tool_args, &mut written);

        let status_of = |code: u16| {
            harness::STATUSES
                .iter()
                .position(|s| *s == code)
                .unwrap_or(0) as u8
        };
        let mut paths = BTreeSet::new();
        for (n, (path, response)) in seen.lock().unwrap().iter().enumerate() {
            paths.insert(path.clone());
            let mut seed = vec![index, status_of(response.status), 0];
            seed.extend(&response.body);
            write_seed(
                &seeds.join("responses"),
                &format!("{name}-sim-{n}"),
                &seed,
                &mut written,
            );
            if response.status >= 400 {
                error_bodies.push(response.body.clone());
            }
            if path.contains("/async-operations/") {
                task_bodies.push((response.status, response.body.clone()));
            }
        }
        let mut n = 0;
        for (template, status, example) in &examples {
            if !paths.iter().any(|p| matches_template(template, p)) {
                continue;
            }
            let body = serde_json::to_vec(example).unwrap();
            let mut seed = vec![index, status_of(*status), 0];
            seed.extend(&body);
            write_seed(
                &seeds.join("responses"),
                &format!("{name}-openapi-{n}"),
                &seed,
                &mut written,
            );
            n += 1;
            if *status >= 400 {
                error_bodies.push(body);
            }
        }
    }

    let status_of = |code: u16| {
        harness::STATUSES
            .iter()
            .position(|s| *s == code)
            .unwrap_or(0) as u8
    };
    let async_index = harness::catalogue()
        .iter()
        .position(|t| t.name() == "get_async_test_result")
        .unwrap() as u8;
    for (n, (status, body)) in task_bodies.iter().enumerate() {
        let mut seed = vec![async_index, status_of(*status), 0];
        seed.extend(body);
        write_seed(
            &seeds.join("responses"),
            &format!("get_async_test_result-task-{n}"),
            &seed,
            &mut written,
        );
    }

    // Bad arguments for a few tools (one of each kind of mistake).
    let bad: &[(&str, Value)] = &[
        ("get_device_list", json!({"limit": "ten", "status": "UP"})),
        (
            "get_device_list",
            json!({"limit": 100000, "site_name": "x".repeat(300)}),
        ),
        (
            "list_alerts",
            json!({"start_time": "yesterday", "severity": 3}),
        ),
        ("get_client_details", json!({"mac_address": "zz:zz"})),
        ("find_device", json!({"query": ""})),
        (
            "ping_from_ap",
            json!({"serial": "AB", "destination": "a b", "count": -1}),
        ),
        (
            "list_events",
            json!({"start_time": "99999999999999999", "nope": null}),
        ),
        (
            "get_async_test_result",
            json!({"location": "/../../etc/passwd"}),
        ),
    ];
    for (i, (tool, args)) in bad.iter().enumerate() {
        let index = harness::catalogue()
            .iter()
            .position(|t| t.name() == *tool)
            .unwrap() as u8;
        let mut seed = vec![index];
        seed.extend(serde_json::to_vec(args).unwrap());
        write_seed(
            &seeds.join("tool_args"),
            &format!("bad-{i}"),
            &seed,
            &mut written,
        );
    }

    // Error bodies: what the simulator sends under injected faults, and the spec's examples.
    sim.set_faults("error=503".parse::<FaultSpec>().unwrap());
    let faulted = http(
        &addr,
        "GET",
        "/network-monitoring/v1/devices",
        &[("Authorization".into(), bearer.clone())],
        &[],
    );
    error_bodies.push(faulted.body);
    let not_found = http(
        &addr,
        "GET",
        "/network-monitoring/v1/nope",
        &[("Authorization".into(), bearer.clone())],
        &[],
    );
    error_bodies.push(not_found.body);
    error_bodies.push(
        br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#
            .to_vec(),
    );
    error_bodies.push(b"<html><body>502 Bad Gateway</body></html>".to_vec());
    for (i, body) in error_bodies.iter().enumerate() {
        write_seed(
            &seeds.join("error_envelope"),
            &format!("error-{i}"),
            body,
            &mut written,
        );
    }

    let hand: BTreeMap<&str, Vec<&[u8]>> = BTreeMap::from([
        ("headers", vec![
            &b"7"[..], b"0.5", b"Wed, 21 Oct 2026 07:28:00 GMT", b"2026-07-09T10:00:30Z",
            b"1783591212", b"-1", b"1e999", b"NaN", b"", b"  120  ",
        ]),
        ("odata", vec![
            &b"Main Campus"[..], b"O'Brien's Caf\xc3\xa9\x01siteId eq '1'", b"a&b=c#d\x01status eq 'ONLINE'",
            b"\x01", b"''''", b"%27%20or%201", b"x\x01deviceName in ('a','b')",
        ]),
        ("config", vec![
            &b"api_timeout = 30\ncall_deadline = \"45s\"\nlog = \"info\"\nread_only = true\ntoolsets = [\"monitoring\", \"clients\"]\n"[..],
            b"metrics_addr = \"127.0.0.1:9464\"\nbase_url = \"https://de1.api.central.arubanetworks.com\"\n",
            b"client_secret = \"no\"\n",
            b"\x00\x03 30s\x00\x0fnot-an-addr\x00\x81 https://x.invalid",
            b"rate_limit_requests = 0\n\x00\x0a99999999999999999999",
            b"[table]\nkey = 1\n",
        ]),
    ]);
    for (target, inputs) in hand {
        for (i, data) in inputs.iter().enumerate() {
            write_seed(
                &seeds.join(target),
                &format!("hand-{i}"),
                data,
                &mut written,
            );
        }
    }
    eprintln!(
        "{} seed(s) written under {}",
        written.len(),
        seeds.display()
    );
}
