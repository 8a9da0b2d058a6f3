//! What the model sees of a result (issue 18): every tool, called on the simulator at its default
//! arguments and at its largest `limit` (every `fields` on), returns `structuredContent` that
//! - carries the `summary` string,
//! - validates against the tool's `outputSchema` (a small JSON Schema validator below, for the
//!   keywords the schemas use),
//! - is at most 16 kB at the default arguments and at most 64 kB at the largest `limit`,
//!
//! and one text block: the summary, then the same JSON, compact.
//!
//! `ARUBA_PRINT_SIZES=1 cargo test --test result_bounds -- --nocapture` prints the sizes per tool
//! (the table in docs/what-the-model-sees.md).

mod common;

use aruba_noc_mcp::simulator::{DeviceStatus, DeviceType};
use common::*;
use rmcp::model::{CallToolResult, ContentBlock, Tool};
use serde_json::{Map, Value, json};

/// The bound of a result at the default arguments.
const DEFAULT_BOUND: usize = 16 * 1024;
/// The bound of a result at any `limit`.
const MAX_BOUND: usize = 64 * 1024;

/// Arguments that size a result: set to their schema `maximum` for the largest call.
const SIZE_ARGUMENTS: [&str; 3] = ["limit", "max_samples", "max_pages"];

/// Checks `value` against `schema` (resolving `#/$defs/…` in `root`); `Err` says where and why.
/// Covers what the tools' output schemas use: type, enum, const, properties, required,
/// additionalProperties, items, $ref, anyOf, oneOf, minimum, maximum.
fn validate(root: &Value, schema: &Value, value: &Value, path: &str) -> Result<(), String> {
    let Some(s) = schema.as_object() else {
        return match schema {
            Value::Bool(true) => Ok(()),
            _ => Err(format!("{path}: schema {schema} rejects everything")),
        };
    };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r
            .strip_prefix("#/$defs/")
            .ok_or_else(|| format!("{path}: unsupported $ref {r}"))?;
        let target = root
            .get("$defs")
            .and_then(|d| d.get(name))
            .ok_or_else(|| format!("{path}: $ref {r} not found"))?;
        validate(root, target, value, path)?;
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            Value::String(one) => vec![one.as_str()],
            _ => return Err(format!("{path}: bad type {t}")),
        };
        let ok = types.iter().any(|t| match *t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        });
        if !ok {
            return Err(format!("{path}: {value} is not of type {t}"));
        }
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array)
        && !values.contains(value)
    {
        return Err(format!("{path}: {value} is not one of {values:?}"));
    }
    if let Some(c) = s.get("const")
        && c != value
    {
        return Err(format!("{path}: {value} is not {c}"));
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = s.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            return Err(format!("{path}: {n} < minimum {min}"));
        }
        if let Some(max) = s.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            return Err(format!("{path}: {n} > maximum {max}"));
        }
    }
    for (key, need) in [("anyOf", 1..=usize::MAX), ("oneOf", 1..=1)] {
        if let Some(branches) = s.get(key).and_then(Value::as_array) {
            let passed = branches
                .iter()
                .filter(|b| validate(root, b, value, path).is_ok())
                .count();
            if !need.contains(&passed) {
                return Err(format!("{path}: {passed} {key} branches match {value}"));
            }
        }
    }
    if let Value::Object(object) = value {
        let properties = s.get("properties").and_then(Value::as_object);
        for name in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                return Err(format!("{path}: required `{name}` missing"));
            }
        }
        for (k, v) in object {
            let sub = format!("{path}.{k}");
            match properties.and_then(|p| p.get(k)) {
                Some(p) => validate(root, p, v, &sub)?,
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(format!("{sub}: not a declared property"));
                    }
                    Some(extra) => validate(root, extra, v, &sub)?,
                    // A result carries only declared fields (schemars writes no
                    // `additionalProperties` for a struct); an undeclared one is a bug.
                    None if properties.is_some() => {
                        return Err(format!("{sub}: not a declared property"));
                    }
                    None => {}
                },
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, s.get("items")) {
        for (i, v) in items.iter().enumerate() {
            validate(root, item, v, &format!("{path}[{i}]"))?;
        }
    }
    Ok(())
}

/// The schema validator rejects what it should (so the bounds test's validation means
/// something).
#[test]
fn the_validator_rejects_what_the_schema_rejects() {
    let schema = json!({
        "type": "object",
        "required": ["a"],
        "properties": {
            "a": {"type": "integer", "minimum": 0},
            "b": {"type": ["string", "null"], "enum": ["x", null]},
            "c": {"type": "array", "items": {"$ref": "#/$defs/C"}}
        },
        "$defs": {"C": {"type": "object", "properties": {"d": {"type": "boolean"}}, "required": ["d"]}}
    });
    let ok = json!({"a": 1, "b": null, "c": [{"d": true}]});
    assert_eq!(validate(&schema, &schema, &ok, ""), Ok(()));
    for bad in [
        json!({"b": "x"}),
        json!({"a": -1}),
        json!({"a": 1.5}),
        json!({"a": 1, "b": "y"}),
        json!({"a": 1, "c": [{}]}),
        json!({"a": 1, "c": [{"d": 1}]}),
        json!({"a": 1, "e": 2}),
    ] {
        assert!(validate(&schema, &schema, &bad, "").is_err(), "{bad}");
    }
}

/// The one text block: the summary, a newline, then the structured JSON, compact.
fn check_text(tool: &str, result: &CallToolResult, out: &Value) {
    let texts: Vec<&str> = result
        .content
        .iter()
        .filter_map(|c| match c {
            ContentBlock::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 1, "{tool}: one text block");
    let summary = out["summary"].as_str().unwrap_or_default();
    assert_eq!(texts[0], format!("{summary}\n{out}"), "{tool}: text block");
}

/// One call's structured result, checked against the schema and the bound; returns its size
/// and the size of the whole `CallToolResult` as sent (structured content and text block).
async fn measured(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &Tool,
    args: &Value,
    bound: usize,
) -> (usize, usize) {
    let name = tool.name.as_ref();
    let result = call(client, name, args.clone()).await;
    let out = structured(&result);
    let summary = out.get("summary").and_then(Value::as_str);
    assert!(
        summary.is_some_and(|s| !s.is_empty()),
        "{name} {args}: no summary in structuredContent"
    );
    let schema = Value::Object(
        tool.output_schema
            .as_deref()
            .cloned()
            .unwrap_or_else(|| panic!("{name}: no outputSchema")),
    );
    if let Err(e) = validate(&schema, &schema, &out, "") {
        panic!("{name} {args}: the result does not validate against its outputSchema: {e}");
    }
    check_text(name, &result, &out);
    let size = out.to_string().len();
    assert!(
        size <= bound,
        "{name} {args}: structuredContent is {size} bytes; the bound is {bound}"
    );
    let wire = serde_json::to_string(&result).expect("serialise").len();
    (size, wire)
}

/// `tool` at `args` (its default arguments) and at its largest call: every size argument at its
/// schema `maximum`, every field, the raw output of a test; the sizes of both.
async fn measured_both(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &Tool,
    args: &Value,
) -> ((usize, usize), (usize, usize)) {
    let default = measured(client, tool, args, DEFAULT_BOUND).await;
    let properties = tool
        .input_schema
        .get("properties")
        .and_then(Value::as_object);
    let mut max_args: Map<String, Value> = args.as_object().cloned().unwrap_or_default();
    for key in SIZE_ARGUMENTS {
        if let Some(max) = properties
            .and_then(|p| p.get(key))
            .and_then(|s| s.get("maximum"))
        {
            max_args.insert(key.into(), max.clone());
        }
    }
    if properties.is_some_and(|p| p.contains_key("fields")) {
        max_args.insert("fields".into(), json!(["all"]));
    }
    if properties.is_some_and(|p| p.contains_key("include_raw_output")) {
        max_args.insert("include_raw_output".into(), json!(true));
    }
    let max_args = Value::Object(max_args);
    let largest = if &max_args == args {
        default
    } else {
        measured(client, tool, &max_args, MAX_BOUND).await
    };
    (default, largest)
}

#[tokio::test]
async fn every_result_is_bounded_summarised_and_valid() {
    let sim = simulator();
    let ds = sim.dataset();
    let client = session(&sim, &[]).await;
    let tools = client.list_all_tools().await.unwrap();
    let online = |t: DeviceType| {
        ds.devices
            .iter()
            .find(|d| d.device_type == t && d.status == DeviceStatus::Online)
            .expect("an online device of the type")
            .clone()
    };
    let (ap, switch, gateway) = (
        online(DeviceType::AccessPoint),
        online(DeviceType::Switch),
        online(DeviceType::Gateway),
    );
    let cluster = ds
        .devices_of_type(DeviceType::Gateway)
        .find_map(|g| g.cluster_name.clone())
        .expect("a gateway cluster");
    // The site with the most clients, so the client lists are as long as they get.
    let busiest = ds
        .sites
        .iter()
        .max_by_key(|s| ds.clients.iter().filter(|c| c.site_id == s.id).count())
        .expect("a site");
    let client_mac = ds.clients[0].mac_address.clone();
    let test = |serial: &str| json!({"serial": serial, "destination": "8.8.8.8"});
    // A finished ping's task, for get_async_test_result.
    let ping = structured(&call(&client, "ping_from_ap", test(&ap.serial_number)).await);
    let location = ping["task"]["location"]
        .as_str()
        .unwrap_or_else(|| panic!("the ping's task location: {ping}"))
        .to_string();
    let defaults: Vec<(&str, Value)> = vec![
        ("get_device_list", json!({})),
        ("list_all_clients", json!({"site_id": busiest.id})),
        ("get_firmware_details", json!({})),
        ("list_gateways", json!({})),
        ("get_sites_health", json!({})),
        ("get_device_inventory", json!({})),
        (
            "get_switch_details",
            json!({"serial": switch.serial_number}),
        ),
        ("get_ap_details", json!({"serial_number": ap.serial_number})),
        ("get_site_details", json!({"site_id": busiest.id})),
        ("get_tenant_device_health", json!({})),
        ("get_client_trends", json!({})),
        (
            "get_gateway_details",
            json!({"serial_number": gateway.serial_number}),
        ),
        ("get_top_aps_by_bandwidth", json!({})),
        ("get_top_clients_by_usage", json!({})),
        (
            "get_ap_cpu_utilization",
            json!({"serial": ap.serial_number}),
        ),
        ("list_wlans", json!({})),
        ("get_wlan_details", json!({"wlan_name": ds.wlans[0].name})),
        ("get_ap_radios", json!({"serial": ap.serial_number})),
        ("get_gateway_cluster_info", json!({"cluster_name": cluster})),
        ("list_gateway_tunnels", json!({"cluster_name": cluster})),
        (
            "get_gateway_uplinks",
            json!({"serial": gateway.serial_number}),
        ),
        ("ping_from_ap", test(&ap.serial_number)),
        ("ping_from_gateway", test(&gateway.serial_number)),
        ("traceroute_from_ap", test(&ap.serial_number)),
        ("get_async_test_result", json!({"location": location})),
        ("list_idps_threats", json!({})),
        ("get_stack_members", json!({"stack_id": ds.stacks[0].id})),
        (
            "get_switch_interfaces",
            json!({"serial": switch.serial_number}),
        ),
        ("list_sites", json!({})),
        ("find_device", json!({"query": "ap"})),
        ("find_client", json!({"query": "10", "site_id": busiest.id})),
        ("get_client_details", json!({"mac_address": client_mac})),
        ("list_alerts", json!({})),
        ("list_events", json!({"site_id": busiest.id})),
        ("ping_from_switch", test(&switch.serial_number)),
        ("traceroute_from_gateway", test(&gateway.serial_number)),
        ("traceroute_from_switch", test(&switch.serial_number)),
        ("check_server_health", json!({})),
        ("list_device_tasks", json!({"serial": ap.serial_number})),
        (
            "run_show_commands",
            json!({"serial": ap.serial_number, "commands": ["show version"]}),
        ),
        (
            "run_throughput_test",
            json!({"serial": gateway.serial_number, "iperf_server": "203.0.113.10", "reverse": true}),
        ),
        (
            "ping_sweep_from_gateway",
            json!({"serial": gateway.serial_number, "destination": "1.1.1.1", "start_size": 1400, "end_size": 1500}),
        ),
        ("get_arp_table", json!({"serial": gateway.serial_number})),
        ("locate_device", json!({"serial": ap.serial_number})),
        (
            "nslookup_from_ap",
            json!({"serial": ap.serial_number, "host": "www.example.com"}),
        ),
        (
            "test_connectivity",
            json!({"serial": gateway.serial_number, "kind": "https", "target": "www.example.com"}),
        ),
    ];
    // Every tool is measured: a new tool needs its default arguments here.
    let mut listed: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    let mut covered: Vec<&str> = defaults.iter().map(|(n, _)| *n).collect();
    listed.sort_unstable();
    covered.sort_unstable();
    assert_eq!(listed, covered, "every tool has default arguments here");
    // Six tools at a time (a session runs at most eight calls at once); the active tests wait
    // seconds for their result, so one at a time would take a minute.
    let mut sizes = Vec::new();
    for chunk in defaults.chunks(6) {
        let calls = chunk.iter().map(|(name, args)| {
            let tool = tools.iter().find(|t| t.name == *name).unwrap();
            measured_both(&client, tool, args)
        });
        sizes.extend(futures_join_all(calls).await);
    }
    let print = std::env::var_os("ARUBA_PRINT_SIZES").is_some();
    let (mut largest_default, mut largest_max) = (("", 0), ("", 0));
    for ((name, _), ((default_size, default_wire), (max_size, max_wire))) in
        defaults.iter().zip(sizes)
    {
        if print {
            println!("| `{name}` | {default_size} | {default_wire} | {max_size} | {max_wire} |");
        }
        if default_size > largest_default.1 {
            largest_default = (name, default_size);
        }
        if max_size > largest_max.1 {
            largest_max = (name, max_size);
        }
    }
    if print {
        println!("largest default: {largest_default:?}; largest at max limit: {largest_max:?}");
    }
    client.cancel().await.unwrap();
}

/// `fields` chooses the item fields: fewer, more, `all`; the key is always there; an unknown
/// name is an `isError` result listing the valid ones, and nothing reaches Central.
#[tokio::test]
async fn fields_choose_the_item_fields() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let keys = |out: &Value| -> Vec<String> {
        let mut k: Vec<String> = out["devices"][0]
            .as_object()
            .expect("a device")
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    let lean = structured(&call(&client, "get_device_list", json!({})).await);
    assert_eq!(
        keys(&lean),
        [
            "device_name",
            "device_type",
            "ipv4",
            "model",
            "serial_number",
            "site_name",
            "status"
        ]
    );
    let fewer = structured(
        &call(
            &client,
            "get_device_list",
            json!({"fields": ["status", "uptime_seconds"]}),
        )
        .await,
    );
    assert_eq!(keys(&fewer), ["serial_number", "status", "uptime_seconds"]);
    let all = structured(&call(&client, "get_device_list", json!({"fields": ["all"]})).await);
    assert_eq!(keys(&all).len(), 13, "{:?}", keys(&all));
    assert!(all.to_string().len() > lean.to_string().len());
    let before = api_requests(&sim).len();
    let bad = call(
        &client,
        "get_device_list",
        json!({"fields": ["serial", "status"]}),
    )
    .await;
    assert_eq!(bad.is_error, Some(true));
    let message = text(&bad);
    assert!(
        message.contains("argument `fields")
            && message.contains("\"serial\"")
            && message.contains("serial_number, device_name"),
        "{message}"
    );
    assert_eq!(
        api_requests(&sim).len(),
        before,
        "no request for a bad `fields`"
    );
    // Every list tool with `fields` keeps its key under any selection.
    let ds = sim.dataset();
    let site = &ds.sites[0].id;
    let switch = ds
        .devices_of_type(DeviceType::Switch)
        .next()
        .expect("a switch")
        .serial_number
        .clone();
    for (tool, args, list, key) in [
        (
            "list_all_clients",
            json!({"site_id": site}),
            "clients",
            "mac_address",
        ),
        (
            "get_firmware_details",
            json!({}),
            "devices",
            "serial_number",
        ),
        (
            "get_device_inventory",
            json!({}),
            "devices",
            "serial_number",
        ),
        (
            "get_switch_interfaces",
            json!({"serial": switch}),
            "ports",
            "name",
        ),
        ("list_events", json!({"site_id": site}), "events", "time_at"),
        ("list_idps_threats", json!({}), "threats", "id"),
        ("list_alerts", json!({"status": "All"}), "alerts", "id"),
    ] {
        let mut args = args.as_object().cloned().unwrap();
        args.insert("fields".into(), json!([]));
        let out = structured(&call(&client, tool, Value::Object(args)).await);
        let first = out[list][0]
            .as_object()
            .unwrap_or_else(|| panic!("{tool}: no {list}: {out}"));
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            [key],
            "{tool}: only the key with fields=[]"
        );
    }
    client.cancel().await.unwrap();
}
