//! The real binary as an MCP server over pipes, against the simulator over loopback HTTP:
//! protocol surface, each tool's happy path with the exact upstream requests, and the failures.

mod common;

use aruba_noc_mcp::simulator::{ClientStatus, DeviceStatus, DeviceType, SimulatorConfig};
use common::*;
use rmcp::model::{CacheScope, CallToolRequestParams};
use serde_json::{Value, json};

#[tokio::test]
async fn initialize_reports_identity_and_instructions() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let info = client.peer_info().expect("server info");
    let server = info.server_info.as_ref().expect("serverInfo");
    assert_eq!(server.name, "aruba-noc-mcp");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));
    assert!(info.capabilities.tools.is_some());
    let instructions = info.instructions.as_deref().unwrap_or_default();
    assert!(instructions.contains("get_sites_health") && instructions.contains("site_id"));
    // Nothing reaches Central before a tool is called.
    assert!(sim.journal().is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn tools_list_has_typed_schemas_and_annotations() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        [
            // The reference server's 28 tools, in its order.
            "get_device_list",
            "list_all_clients",
            "get_firmware_details",
            "list_gateways",
            "get_sites_health",
            "get_device_inventory",
            "get_switch_details",
            "get_ap_details",
            "get_site_details",
            "get_tenant_device_health",
            "get_client_trends",
            "get_gateway_details",
            "get_top_aps_by_bandwidth",
            "get_top_clients_by_usage",
            "get_ap_cpu_utilization",
            "list_wlans",
            "get_wlan_details",
            "get_ap_radios",
            "get_gateway_cluster_info",
            "list_gateway_tunnels",
            "get_gateway_uplinks",
            "ping_from_ap",
            "ping_from_gateway",
            "traceroute_from_ap",
            "get_async_test_result",
            "list_idps_threats",
            "get_stack_members",
            "get_switch_interfaces",
            // What it lacked.
            "list_sites",
            "find_device",
            "find_client",
            "get_client_details",
            "list_alerts",
            "list_events",
            "ping_from_switch",
            "traceroute_from_gateway",
            "traceroute_from_switch",
            "check_server_health",
            // Issue 19 troubleshooting.
            "list_device_tasks",
            "run_show_commands",
            "run_throughput_test",
            "ping_sweep_from_gateway",
            "get_arp_table",
            "locate_device",
            "nslookup_from_ap",
            "test_connectivity",
        ]
    );
    for t in &tools {
        let annotations = t.annotations.as_ref().expect("annotations");
        // Only the tools that start a device test are not read-only; none is destructive.
        let active = t.name.starts_with("ping_")
            || t.name.starts_with("traceroute_")
            || t.name == "run_show_commands"
            || t.name == "run_throughput_test"
            || t.name == "get_arp_table"
            || t.name == "locate_device"
            || t.name == "nslookup_from_ap"
            || t.name == "test_connectivity";
        assert_eq!(annotations.read_only_hint, Some(!active), "{}", t.name);
        assert_eq!(annotations.open_world_hint, Some(true), "{}", t.name);
        // The destructive and idempotent hints only mean something for tools that are not
        // read-only (MCP spec), so only those carry them.
        let hints = (annotations.destructive_hint, annotations.idempotent_hint);
        let expected = if active {
            (Some(false), Some(false))
        } else {
            (None, None)
        };
        assert_eq!(hints, expected, "{}", t.name);
        assert_eq!(
            annotations.title, None,
            "{}: the title is the tool's own",
            t.name
        );
        assert!(t.title.is_some(), "{}", t.name);
        let output = t.output_schema.as_ref().expect("outputSchema");
        assert_eq!(output["type"], "object", "{}", t.name);
        assert_eq!(t.input_schema["type"], "object", "{}", t.name);
        assert_eq!(t.input_schema["additionalProperties"], false, "{}", t.name);
        // Short: what the model needs to choose the tool (the README has the rest).
        let description = t.description.as_deref().unwrap_or_default();
        assert!(
            (40..=160).contains(&description.len()),
            "{}: {description}",
            t.name
        );
    }
    // MCP 2026-07-28 list hints: both lists say how long they stay fresh (an hour; rmcp's
    // client caches the answer and reports what is left) and that they are private to this
    // server's settings.
    let fresh = 3_590_000..=3_600_000;
    let page = client.list_tools(None).await.unwrap();
    assert_eq!(page.tools, tools);
    assert_eq!(page.next_cursor, None);
    assert!(
        page.ttl_ms.is_some_and(|t| fresh.contains(&t)),
        "{:?}",
        page.ttl_ms
    );
    assert_eq!(page.cache_scope, Some(CacheScope::Private));
    let prompts = client.list_prompts(None).await.unwrap();
    assert!(
        prompts.ttl_ms.is_some_and(|t| fresh.contains(&t)),
        "{:?}",
        prompts.ttl_ms
    );
    assert_eq!(prompts.cache_scope, Some(CacheScope::Private));
    // The order is stable: another server process lists the same tools in the same order.
    let other = session(&sim, &[]).await;
    assert_eq!(
        other.list_all_tools().await.unwrap(),
        tools,
        "tools/list is stable"
    );
    other.cancel().await.unwrap();
    let ap = tools.iter().find(|t| t.name == "get_ap_details").unwrap();
    assert_eq!(ap.input_schema["required"], json!(["serial_number"]));
    let devices = tools.iter().find(|t| t.name == "get_device_list").unwrap();
    let limit = &devices.input_schema["properties"]["limit"];
    assert_eq!(limit["maximum"], 100);
    assert_eq!(limit["minimum"], 1);
    let device_type =
        serde_json::to_string(&devices.input_schema["properties"]["device_type"]).unwrap();
    assert!(
        device_type.contains("ACCESS_POINT") && device_type.contains("GATEWAY"),
        "{device_type}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_sites_health_reads_the_documented_endpoint() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let result = call(&client, "get_sites_health", json!({})).await;
    let out = structured(&result);
    let dataset = sim.dataset();
    assert_eq!(out["total"], dataset.sites.len());
    assert_eq!(out["returned"], dataset.sites.len());
    assert_eq!(out["next_offset"], Value::Null);
    let ids: Vec<&str> = out["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["site_id"].as_str().unwrap())
        .collect();
    for site in &dataset.sites {
        assert!(ids.contains(&site.id.as_str()), "site {} missing", site.id);
    }
    let device_total: u64 = out["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["device_count"].as_u64().unwrap())
        .sum();
    assert_eq!(device_total, dataset.devices.len() as u64);
    assert_eq!(out["totals"]["devices"], dataset.devices.len());
    assert!(text(&result).contains(&format!("{} site(s) returned", dataset.sites.len())));

    // Exactly one token request, then the documented GET with the bearer it returned.
    assert_eq!(token_requests(&sim).len(), 1);
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].method, "GET");
    assert_eq!(api[0].path, "/network-monitoring/v1/sites-health");
    assert_eq!(query(&api[0], "limit"), Some("100"));
    assert_eq!(query(&api[0], "offset"), Some("0"));
    assert!(
        api[0]
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Bearer ") && a.len() > 20)
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_sites_health_pages_with_offset() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let n = sim.dataset().sites.len();
    let first = structured(&call(&client, "get_sites_health", json!({"limit": 2})).await);
    assert_eq!(first["returned"], 2);
    assert_eq!(first["next_offset"], 2);
    let last = structured(
        &call(
            &client,
            "get_sites_health",
            json!({"limit": 2, "offset": n - 1}),
        )
        .await,
    );
    assert_eq!(last["returned"], 1);
    assert_eq!(last["next_offset"], Value::Null);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_device_list_filters_and_paginates() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let dataset = sim.dataset();
    let aps = dataset
        .devices
        .iter()
        .filter(|d| d.device_type == DeviceType::AccessPoint)
        .count();
    assert!(aps > 5);

    let page1 = structured(
        &call(
            &client,
            "get_device_list",
            json!({"device_type": "ACCESS_POINT", "limit": 5}),
        )
        .await,
    );
    assert_eq!(page1["total"], aps);
    assert_eq!(page1["returned"], 5);
    assert_eq!(page1["next"], "2");
    assert!(
        page1["devices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["device_type"] == "ACCESS_POINT")
    );
    let page2 = structured(
        &call(
            &client,
            "get_device_list",
            json!({"device_type": "ACCESS_POINT", "limit": 5, "next": "2"}),
        )
        .await,
    );
    let serials = |p: &Value| -> Vec<String> {
        p["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["serial_number"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(serials(&page1).iter().all(|s| !serials(&page2).contains(s)));

    let api = api_requests(&sim);
    assert_eq!(api.len(), 2);
    assert_eq!(api[0].path, "/network-monitoring/v1/devices");
    assert_eq!(
        query(&api[0], "filter"),
        Some("deviceType eq 'ACCESS_POINT'")
    );
    assert_eq!(query(&api[0], "limit"), Some("5"));
    assert_eq!(query(&api[0], "next"), None);
    assert_eq!(query(&api[1], "next"), Some("2"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_device_list_finds_offline_devices_at_a_site() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let dataset = sim.dataset();
    let offline = dataset
        .devices
        .iter()
        .find(|d| d.status == DeviceStatus::Offline)
        .expect("an offline device");
    let result = call(
        &client,
        "get_device_list",
        json!({"status": "OFFLINE", "site_id": offline.site_id}),
    )
    .await;
    let out = structured(&result);
    let expected = dataset
        .devices
        .iter()
        .filter(|d| d.status == DeviceStatus::Offline && d.site_id == offline.site_id)
        .count();
    assert_eq!(out["total"], expected);
    assert!(
        out["devices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["serial_number"] == offline.serial_number.as_str())
    );
    assert!(
        text(&result).contains(&offline.serial_number),
        "{}",
        text(&result)
    );
    let api = api_requests(&sim);
    assert_eq!(
        query(&api[0], "filter"),
        Some(format!("status eq 'OFFLINE' and siteId eq '{}'", offline.site_id).as_str())
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_ap_details_reads_one_ap() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let dataset = sim.dataset();
    let ap = dataset
        .devices
        .iter()
        .find(|d| d.device_type == DeviceType::AccessPoint && d.status == DeviceStatus::Online)
        .unwrap();
    // Lower case is accepted and normalised.
    let result = call(
        &client,
        "get_ap_details",
        json!({"serial_number": ap.serial_number.to_lowercase()}),
    )
    .await;
    let out = structured(&result);
    assert_eq!(out["serial_number"], ap.serial_number.as_str());
    assert_eq!(out["device_name"], ap.device_name.as_str());
    assert_eq!(out["site_id"], ap.site_id.as_str());
    assert_eq!(out["status"], "ONLINE");
    assert!(!out["radios"].as_array().unwrap().is_empty());
    assert!(out["radios"][0]["band"].is_string());
    assert!(text(&result).contains(&ap.device_name));
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].path,
        format!("/network-monitoring/v1/aps/{}", ap.serial_number)
    );
    assert!(api[0].query.is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_all_clients_resolves_a_site_name_and_sends_site_id() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let dataset = sim.dataset();
    let site = &dataset.sites[1];
    let connected = dataset
        .clients
        .iter()
        .filter(|c| c.site_id == site.id && c.status == ClientStatus::Connected)
        .count();
    let result = call(
        &client,
        "list_all_clients",
        json!({"site_name": site.name, "limit": 100, "fields": ["all"]}),
    )
    .await;
    let out = structured(&result);
    assert_eq!(out["site"]["site_id"], site.id.as_str());
    assert_eq!(out["total"], connected);
    assert_eq!(out["returned"], connected.min(100));
    assert!(
        out["clients"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "Connected" && c["site_name"] == site.name.as_str())
    );

    let api = api_requests(&sim);
    assert_eq!(api.len(), 2);
    assert_eq!(api[0].path, "/network-monitoring/v1/sites-health");
    assert_eq!(
        query(&api[0], "filter"),
        Some(format!("siteName eq '{}'", site.name).as_str())
    );
    assert_eq!(api[1].path, "/network-monitoring/v1/clients");
    assert_eq!(query(&api[1], "site-id"), Some(site.id.as_str()));
    assert_eq!(query(&api[1], "limit"), Some("100"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_all_clients_by_id_filters_failed_wireless_clients_in_a_window() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let site = sim.dataset().sites[0].id.clone();
    let result = call(
        &client,
        "list_all_clients",
        json!({"site_id": site, "status": "Failed", "connection_type": "Wireless", "start_query_time": "24h"}),
    )
    .await;
    let out = structured(&result);
    assert!(
        out["clients"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "Failed")
    );
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1, "a site id needs no lookup");
    assert_eq!(query(&api[0], "site-id"), Some(site.as_str()));
    assert_eq!(
        query(&api[0], "filter"),
        Some("clientConnectionType eq 'Wireless' and status eq 'Failed'")
    );
    let start = query(&api[0], "start-at").expect("start-at sent");
    assert!(
        start.ends_with('Z') && start.contains('T') && start.len() == 24,
        "{start}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_all_clients_without_a_site_lists_sites_and_never_guesses() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let result = call(&client, "list_all_clients", json!({})).await;
    assert_eq!(result.is_error, Some(true));
    let message = text(&result);
    assert!(message.contains("needs a site"), "{message}");
    for site in &sim.dataset().sites {
        assert!(
            message.contains(&site.name) && message.contains(&site.id),
            "{message}"
        );
    }
    assert!(
        api_requests(&sim)
            .iter()
            .all(|e| e.path != "/network-monitoring/v1/clients")
    );

    let result = call(
        &client,
        "list_all_clients",
        json!({"site_name": "Atlantis"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(
        text(&result).contains("No site is named \"Atlantis\""),
        "{}",
        text(&result)
    );
    assert!(
        api_requests(&sim)
            .iter()
            .all(|e| e.path != "/network-monitoring/v1/clients")
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn bad_arguments_are_tool_errors_and_reach_no_upstream() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let cases = [
        (
            "get_device_list",
            json!({"limit": 5000}),
            "argument `limit`",
        ),
        (
            "get_device_list",
            json!({"limit": "ten"}),
            "argument `limit`",
        ),
        (
            "get_device_list",
            json!({"device_type": "ROUTER"}),
            "argument `device_type`",
        ),
        (
            "get_device_list",
            json!({"colour": "red"}),
            "unknown field `colour`",
        ),
        ("get_ap_details", json!({}), "missing field `serial_number`"),
        (
            "get_ap_details",
            json!({"serial_number": "ab/../c"}),
            "not a serial number",
        ),
        (
            "get_sites_health",
            json!({"offset": -1}),
            "argument `offset`",
        ),
        (
            "list_all_clients",
            json!({"site_id": "1", "start_query_time": "yesterday"}),
            "start_query_time",
        ),
        (
            "list_all_clients",
            json!({"site_id": "1 OR 1=1"}),
            "not a site id",
        ),
    ];
    for (tool, args, expected) in cases {
        let result = call(&client, tool, args.clone()).await;
        assert_eq!(result.is_error, Some(true), "{tool} {args}");
        let message = text(&result);
        assert!(message.contains(expected), "{tool} {args}: {message}");
    }
    assert!(
        sim.journal().is_empty(),
        "no request may reach Central: {:?}",
        sim.journal()
    );
    // The session is still healthy.
    assert!(
        structured(&call(&client, "get_sites_health", json!({"limit": 1})).await)["returned"] == 1
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn upstream_404_and_400_are_explained_with_the_envelope() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let result = call(
        &client,
        "get_ap_details",
        json!({"serial_number": "NOSUCHAP01"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let message = text(&result);
    for part in [
        "NOSUCHAP01",
        "HTTP 404",
        "HPE_GL_ERROR_NOT_FOUND",
        "debugId",
        "GET /network-monitoring/v1/aps/{serial-number}",
    ] {
        assert!(message.contains(part), "missing {part}: {message}");
    }
    let result = call(
        &client,
        "get_device_list",
        json!({"filter": "colour eq 'red'"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let message = text(&result);
    for part in [
        "Listing devices failed",
        "HTTP 400",
        "HPE_GL_NETWORK_MONITORING_INVALID_INPUT",
        "debugId",
    ] {
        assert!(message.contains(part), "missing {part}: {message}");
    }
    assert_eq!(
        api_requests(&sim)
            .iter()
            .map(|e| e.status)
            .collect::<Vec<_>>(),
        [404, 400]
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn unknown_tools_are_protocol_errors() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let error = client
        .call_tool(CallToolRequestParams::new("verify_facts"))
        .await
        .expect_err("unknown tool is a JSON-RPC error");
    assert!(error.to_string().contains("verify_facts"), "{error}");
    assert_eq!(
        client.list_all_tools().await.unwrap().len(),
        aruba_noc_mcp::tools::catalogue().len() - aruba_noc_mcp::tools::ACTION_NAMES.len(),
        "every tool but the device actions (off by default)"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn wrong_credentials_are_explained_and_the_server_stays_up() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_CLIENT_SECRET", "not-the-secret")]).await;
    let result = call(&client, "get_sites_health", json!({})).await;
    assert_eq!(result.is_error, Some(true));
    let message = text(&result);
    for part in ["HTTP 401", "invalid_client", "ARUBA_CLIENT_ID"] {
        assert!(message.contains(part), "missing {part}: {message}");
    }
    assert!(!message.contains("not-the-secret"));
    assert!(api_requests(&sim).is_empty());
    assert_eq!(token_requests(&sim)[0].status, 401);
    // Still answering.
    assert_eq!(
        client.list_all_tools().await.unwrap().len(),
        aruba_noc_mcp::tools::catalogue().len() - aruba_noc_mcp::tools::ACTION_NAMES.len(),
        "every tool but the device actions (off by default)"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn missing_credentials_say_what_to_set() {
    let sim = simulator();
    let env: Vec<(String, String)> = env_for(&sim)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("ARUBA_CLIENT"))
        .collect();
    let client = connect(server_command(&env, std::process::Stdio::null())).await;
    let result = call(&client, "get_device_list", json!({})).await;
    assert_eq!(result.is_error, Some(true));
    let message = text(&result);
    for part in [
        "ARUBA_CLIENT_ID",
        "ARUBA_CLIENT_SECRET",
        "ARUBA_ACCESS_TOKEN",
        "--simulate",
    ] {
        assert!(message.contains(part), "missing {part}: {message}");
    }
    assert!(sim.journal().is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_rejected_token_is_renewed_once_and_the_call_replayed() {
    let sim = simulator();
    // A stale static token plus client credentials: 401, one token request, one replay.
    let client = session(
        &sim,
        &[("ARUBA_ACCESS_TOKEN", "stale-token-from-yesterday")],
    )
    .await;
    let out = structured(&call(&client, "get_sites_health", json!({"limit": 1})).await);
    assert_eq!(out["returned"], 1);
    let journal = sim.journal();
    let summary: Vec<(String, u16)> = journal.iter().map(|e| (e.path.clone(), e.status)).collect();
    assert_eq!(
        summary,
        [
            ("/network-monitoring/v1/sites-health".to_string(), 401),
            ("/as/token.oauth2".to_string(), 200),
            ("/network-monitoring/v1/sites-health".to_string(), 200),
        ]
    );
    assert_eq!(
        journal[0].authorization.as_deref(),
        Some("Bearer stale-token-from-yesterday")
    );
    assert_ne!(journal[2].authorization, journal[0].authorization);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_rejected_static_token_without_client_credentials_is_explained() {
    let sim = simulator();
    let env: Vec<(String, String)> = env_for(&sim)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("ARUBA_CLIENT"))
        .chain([(
            "ARUBA_ACCESS_TOKEN".to_string(),
            "expired-token".to_string(),
        )])
        .collect();
    let client = connect(server_command(&env, std::process::Stdio::null())).await;
    let result = call(&client, "get_sites_health", json!({})).await;
    assert_eq!(result.is_error, Some(true));
    let message = text(&result);
    assert!(
        message.contains("ARUBA_ACCESS_TOKEN is expired or invalid"),
        "{message}"
    );
    assert!(token_requests(&sim).is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn tokens_are_renewed_before_they_expire() {
    let sim = simulator_with(SimulatorConfig {
        token_lifetime: std::time::Duration::from_secs(2),
        ..SimulatorConfig::default()
    });
    let client = session(&sim, &[]).await;
    structured(&call(&client, "get_sites_health", json!({"limit": 1})).await);
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    structured(&call(&client, "get_sites_health", json!({"limit": 1})).await);
    assert_eq!(token_requests(&sim).len(), 2);
    assert!(
        api_requests(&sim).iter().all(|e| e.status == 200),
        "no 401 needed: {:?}",
        sim.journal()
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn read_only_and_toolset_selection_narrow_the_catalogue() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_TOOLSETS", "clients")]).await;
    let names = tool_names(&client).await;
    assert_eq!(
        names,
        [
            "list_all_clients",
            "get_top_clients_by_usage",
            "find_client",
            "get_client_details"
        ]
    );
    let result = call(&client, "get_device_list", json!({})).await;
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).contains("not available"), "{}", text(&result));
    assert!(sim.journal().is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn secrets_never_reach_the_logs_or_results() {
    let sim = simulator();
    let mut env = env_for(&sim);
    env.retain(|(k, _)| k != "ARUBA_LOG");
    env.push(("ARUBA_LOG".into(), "trace".into()));
    env.push((
        "ARUBA_ACCESS_TOKEN".into(),
        "stale-static-token-0123456789".into(),
    ));
    let (transport, stderr) = rmcp::transport::TokioChildProcess::builder(server_command(
        &env,
        std::process::Stdio::piped(),
    ))
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let mut stderr = stderr.expect("stderr piped");
    let log = tokio::spawn(async move {
        let mut buf = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut buf)
            .await
            .unwrap();
        buf
    });
    let client = rmcp::ServiceExt::serve((), transport).await.unwrap();
    let mut outputs = Vec::new();
    for (tool, args) in [
        ("get_sites_health", json!({})),
        ("get_ap_details", json!({"serial_number": "NOSUCHAP01"})),
        ("list_all_clients", json!({})),
    ] {
        outputs.push(text(&call(&client, tool, args).await));
    }
    client.cancel().await.unwrap();
    let log = log.await.unwrap();
    assert!(
        log.contains("tool call finished"),
        "trace logs were captured: {log}"
    );
    // The token the simulator issued, as the server sent it upstream.
    let issued = sim
        .journal()
        .iter()
        .filter_map(|e| e.authorization.clone())
        .find(|a| a.starts_with("Bearer ") && !a.contains("stale-static"))
        .expect("an issued token was used");
    let issued = issued.trim_start_matches("Bearer ");
    for secret in [sim.client_secret(), issued, "stale-static-token-0123456789"] {
        assert!(
            !log.contains(secret),
            "secret {secret:?} leaked into the logs"
        );
        assert!(
            outputs.iter().all(|o| !o.contains(secret)),
            "secret {secret:?} leaked into a result"
        );
    }
}
