//! The infrastructure tools (sites, inventory, firmware, switches, gateways, find_device) over
//! the real binary and the simulator: the exact upstream requests from the journal, the
//! structured output against the simulator's data, the text summary, pagination, and bad
//! arguments that never reach Central.

mod common;

use aruba_noc_mcp::simulator::{DeviceStatus, DeviceType, SimulatorHandle};
use common::*;
use rmcp::model::CallToolResult;
use rmcp::service::{RoleClient, RunningService};
use serde_json::{Value, json};

type Client = RunningService<RoleClient, ()>;

/// Calls `tool`, returns (structured output, text), and clears the journal before the call.
async fn run(sim: &SimulatorHandle, client: &Client, tool: &str, args: Value) -> (Value, String) {
    sim.clear_journal();
    let result: CallToolResult = call(client, tool, args).await;
    (structured(&result), text(&result))
}

fn strings(v: &Value, list: &str, field: &str) -> Vec<String> {
    v[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[field].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn get_site_details_reads_site_health_and_the_listing() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let site = &ds.sites[0];
    let at_site = ds.devices.iter().filter(|d| d.site_id == site.id).count();

    let (out, text) = run(
        &sim,
        &client,
        "get_site_details",
        json!({"site_id": site.id}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 2, "{api:?}");
    assert_eq!(
        api[0].path,
        format!("/network-monitoring/v1/site-health/{}", site.id)
    );
    assert!(api[0].query.is_empty());
    assert_eq!(api[1].path, "/network-monitoring/v1/sites-health");
    assert_eq!(
        query(&api[1], "filter"),
        Some(format!("siteId eq '{}'", site.id).as_str())
    );
    assert_eq!(query(&api[1], "limit"), Some("1"));
    assert_eq!(out["site_id"], site.id.as_str());
    assert_eq!(out["site_name"], site.name.as_str());
    assert_eq!(out["device_total"], at_site);
    assert_eq!(
        strings(&out, "device_types", "name"),
        ["Access Points", "Switches", "Gateways"]
    );
    assert!(out["health_score"].is_number());
    assert!(
        text.contains(&site.name) && text.contains(&format!("Devices: {at_site}")),
        "{text}"
    );

    // By name: the name is resolved through the sites-health filter first.
    let (out, _) = run(
        &sim,
        &client,
        "get_site_details",
        json!({"site_name": site.name}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 3, "{api:?}");
    assert_eq!(
        query(&api[0], "filter"),
        Some(format!("siteName eq '{}'", site.name.replace('\'', "''")).as_str())
    );
    assert_eq!(
        api[1].path,
        format!("/network-monitoring/v1/site-health/{}", site.id)
    );
    assert_eq!(out["site_id"], site.id.as_str());

    // Without a site the error lists the sites (one listing request) and nothing is guessed.
    sim.clear_journal();
    let result = call(&client, "get_site_details", json!({})).await;
    assert_eq!(result.is_error, Some(true));
    let message = common::text(&result);
    assert!(
        message.contains("site_id or site_name")
            && message.contains(&format!("{} (site_id {})", site.name, site.id)),
        "{message}"
    );
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].path, "/network-monitoring/v1/sites-health");

    // An unknown id is explained.
    let result = call(&client, "get_site_details", json!({"site_id": "999"})).await;
    assert_eq!(result.is_error, Some(true));
    assert!(common::text(&result).contains("list_sites"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_tenant_device_health_sums_device_types() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let (out, text) = run(&sim, &client, "get_tenant_device_health", json!({})).await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].path, "/network-monitoring/v1/tenant-device-health");
    assert!(api[0].query.is_empty());
    assert_eq!(out["device_total"], ds.devices.len());
    let switches = ds.devices_of_type(DeviceType::Switch).count();
    let sw = out["device_types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "Switches")
        .unwrap();
    assert_eq!(sw["total"], switches);
    let offline_switches = ds
        .devices_of_type(DeviceType::Switch)
        .filter(|d| d.status == DeviceStatus::Offline)
        .count() as u64;
    assert!(sw["health"]["poor"].as_u64().unwrap() >= offline_switches);
    assert!(
        text.contains(&format!("Tenant: {} device(s)", ds.devices.len())),
        "{text}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_sites_maps_names_to_ids_searches_and_pages() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let n = ds.sites.len();

    let (out, text) = run(&sim, &client, "list_sites", json!({})).await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].path, "/network-monitoring/v1/sites-health");
    assert_eq!(query(&api[0], "limit"), Some("50"));
    assert_eq!(query(&api[0], "offset"), Some("0"));
    assert_eq!(out["total"], n);
    assert_eq!(out["returned"], n);
    assert_eq!(out["next_offset"], Value::Null);
    for site in &ds.sites {
        let entry = out["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["site_id"] == site.id.as_str())
            .unwrap_or_else(|| panic!("site {} missing", site.id));
        assert_eq!(entry["site_name"], site.name.as_str());
        assert!(
            text.contains(&format!("{} = {}", site.name, site.id)),
            "{text}"
        );
    }

    // Search: reads up to 1000 sites, keeps the names containing the text.
    let needle = ds.sites[1]
        .name
        .split_whitespace()
        .next()
        .unwrap()
        .to_lowercase();
    let (out, text) = run(&sim, &client, "list_sites", json!({"search": needle})).await;
    let api = api_requests(&sim);
    assert_eq!(query(&api[0], "limit"), Some("1000"));
    let expected: Vec<&str> = ds
        .sites
        .iter()
        .filter(|s| s.name.to_lowercase().contains(&needle))
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(strings(&out, "sites", "site_id").len(), expected.len());
    assert!(text.contains("in the name"), "{text}");

    // Pages with limit/offset.
    let (first, text) = run(&sim, &client, "list_sites", json!({"limit": 2})).await;
    assert_eq!(first["returned"], 2);
    assert_eq!(first["next_offset"], 2);
    assert!(text.contains("offset=2"), "{text}");
    let (last, _) = run(
        &sim,
        &client,
        "list_sites",
        json!({"limit": 2, "offset": n - 1}),
    )
    .await;
    assert_eq!(
        query(&api_requests(&sim)[0], "offset"),
        Some(format!("{}", n - 1).as_str())
    );
    assert_eq!(last["returned"], 1);
    assert_eq!(last["next_offset"], Value::Null);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_device_inventory_filters_and_pages() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    // The inventory also holds spares that are on no site (and so not in /devices).
    let spare_switches = ds
        .unassigned
        .iter()
        .filter(|d| d.device_type == DeviceType::Switch)
        .count();
    let switches = ds.devices_of_type(DeviceType::Switch).count() + spare_switches;
    assert!(switches > 5);

    let (page1, text) = run(
        &sim,
        &client,
        "get_device_inventory",
        json!({"device_type": "SWITCH", "limit": 5, "fields": ["all"]}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].path, "/network-monitoring/v1/device-inventory");
    assert_eq!(query(&api[0], "filter"), Some("deviceType eq 'SWITCH'"));
    assert_eq!(query(&api[0], "limit"), Some("5"));
    assert_eq!(query(&api[0], "next"), None);
    assert_eq!(page1["total"], switches);
    assert_eq!(page1["returned"], 5);
    assert_eq!(page1["next"], "2");
    for d in page1["devices"].as_array().unwrap() {
        let serial = d["serial_number"].as_str().unwrap();
        match ds.device(serial) {
            Some(sim_dev) => {
                assert_eq!(d["model"], sim_dev.model.as_str());
                assert_eq!(d["site_id"], sim_dev.site_id.as_str());
                assert_eq!(d["is_provisioned"], true);
                assert!(d["tier"].is_string());
            }
            None => assert!(
                ds.unassigned.iter().any(|u| u.serial_number == serial),
                "{serial} is neither a device nor a spare"
            ),
        }
    }
    assert!(
        text.contains(&format!("5 of {switches} inventory device(s)"))
            && text.contains("next=\"2\""),
        "{text}"
    );

    let (page2, _) = run(
        &sim,
        &client,
        "get_device_inventory",
        json!({"device_type": "SWITCH", "limit": 5, "next": "2"}),
    )
    .await;
    assert_eq!(query(&api_requests(&sim)[0], "next"), Some("2"));
    let s1 = strings(&page1, "devices", "serial_number");
    assert!(
        strings(&page2, "devices", "serial_number")
            .iter()
            .all(|s| !s1.contains(s))
    );

    let (none, _) = run(
        &sim,
        &client,
        "get_device_inventory",
        json!({"site_assigned": "UNASSIGNED"}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(query(&api[0], "site-assigned"), Some("UNASSIGNED"));
    assert_eq!(query(&api[0], "limit"), Some("50"));
    assert_eq!(none["total"], ds.unassigned.len());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_firmware_details_flags_devices_off_the_recommended_version() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();

    let (out, text) = run(
        &sim,
        &client,
        "get_firmware_details",
        json!({"limit": 100, "fields": ["all"]}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].path, "/network-services/v1/firmware-details");
    assert_eq!(query(&api[0], "limit"), Some("100"));
    assert_eq!(query(&api[0], "filter"), None);
    assert_eq!(out["total"], ds.devices.len());
    assert_eq!(out["returned"], ds.devices.len());
    assert_eq!(out["next"], Value::Null);
    let mut outdated = 0;
    for d in out["devices"].as_array().unwrap() {
        let sim_dev = ds.device(d["serial_number"].as_str().unwrap()).unwrap();
        assert_eq!(d["firmware_version"], sim_dev.firmware_version.as_str());
        let needs = d["upgrade_status"] != "Up To Date";
        assert_eq!(d["needs_update"], needs);
        assert_eq!(
            needs,
            d["firmware_version"] != d["recommended_version"],
            "{d}"
        );
        outdated += usize::from(needs);
    }
    assert!(outdated > 0, "the seed has outdated devices");
    assert_eq!(out["counts"]["needs_update"], outdated);
    assert!(
        text.contains(&format!("Not on the recommended firmware ({outdated})")),
        "{text}"
    );

    // Typed filters, client-side search and the cursor.
    let ap = ds.devices_of_type(DeviceType::AccessPoint).next().unwrap();
    let (out, text) = run(
        &sim,
        &client,
        "get_firmware_details",
        json!({"device_type": "ACCESS_POINT", "site_id": ap.site_id, "search": ap.device_name}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(
        query(&api[0], "filter"),
        Some(
            format!(
                "deviceType eq 'ACCESS_POINT' and siteId eq '{}'",
                ap.site_id
            )
            .as_str()
        )
    );
    assert_eq!(query(&api[0], "limit"), Some("50"));
    assert!(query(&api[0], "search").is_none());
    assert!(
        strings(&out, "devices", "serial_number").contains(&ap.serial_number),
        "{out}"
    );
    assert!(text.contains("on this page match"), "{text}");

    let (p1, _) = run(&sim, &client, "get_firmware_details", json!({"limit": 10})).await;
    assert_eq!(p1["next"], "2");
    let (p2, _) = run(
        &sim,
        &client,
        "get_firmware_details",
        json!({"limit": 10, "next": "2"}),
    )
    .await;
    assert_eq!(query(&api_requests(&sim)[0], "next"), Some("2"));
    let s1 = strings(&p1, "devices", "serial_number");
    assert!(
        strings(&p2, "devices", "serial_number")
            .iter()
            .all(|s| !s1.contains(s))
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_switch_details_reads_one_switch() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let sw = ds
        .devices_of_type(DeviceType::Switch)
        .find(|d| d.status == DeviceStatus::Offline)
        .expect("an offline switch in the seed");

    let (out, text) = run(
        &sim,
        &client,
        "get_switch_details",
        json!({"serial": sw.serial_number.to_lowercase()}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1, "no device-list lookup: {api:?}");
    assert_eq!(
        api[0].path,
        format!("/network-monitoring/v1/switches/{}", sw.serial_number)
    );
    assert!(api[0].query.is_empty());
    assert_eq!(out["serial_number"], sw.serial_number.as_str());
    assert_eq!(out["device_name"], sw.device_name.as_str());
    assert_eq!(out["status"], "OFFLINE");
    assert_eq!(out["health"], "Poor");
    assert_eq!(out["health_reasons"], json!(["DEVICE_OFFLINE"]));
    assert_eq!(out["model"], sw.model.as_str());
    assert!(out["last_seen_at"].as_str().unwrap().ends_with('Z'));
    assert!(
        text.contains("is OFFLINE") && text.contains("switch is OFFLINE"),
        "{text}"
    );

    let result = call(
        &client,
        "get_switch_details",
        json!({"serial": "SGNOSUCH01"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(common::text(&result).contains("No switch or stack with serial SGNOSUCH01"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_switch_interfaces_filters_by_status_and_pages() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let sw = ds
        .devices_of_type(DeviceType::Switch)
        .find(|d| d.status == DeviceStatus::Online)
        .unwrap();
    let path = format!(
        "/network-monitoring/v1/switches/{}/interfaces",
        sw.serial_number
    );

    let (all, _) = run(
        &sim,
        &client,
        "get_switch_interfaces",
        json!({"serial": sw.serial_number, "limit": 100}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].path, path);
    assert_eq!(query(&api[0], "limit"), Some("100"));
    assert_eq!(query(&api[0], "offset"), Some("0"));
    assert_eq!(query(&api[0], "filter"), None);
    let total = all["total"].as_u64().unwrap();
    assert!(total > 10);
    assert_eq!(all["returned"], total);
    let up = all["counts"]["up"].as_u64().unwrap();
    let down = all["counts"]["down"].as_u64().unwrap();
    assert_eq!(up + down, total);

    let (downs, text) = run(
        &sim,
        &client,
        "get_switch_interfaces",
        json!({"serial": sw.serial_number, "status_filter": "DOWN"}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(query(&api[0], "filter"), Some("operStatus eq 'Down'"));
    assert_eq!(query(&api[0], "limit"), Some("50"));
    assert_eq!(downs["total"], down);
    assert!(
        downs["ports"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["oper_status"] == "DOWN")
    );
    assert!(text.contains(&format!("{down} DOWN port(s)")), "{text}");
    if down > 0 {
        let first = downs["ports"][0]["name"].as_str().unwrap();
        assert!(text.contains("Down: ") && text.contains(first), "{text}");
    }

    let (p1, text) = run(
        &sim,
        &client,
        "get_switch_interfaces",
        json!({"serial": sw.serial_number, "limit": 10}),
    )
    .await;
    assert_eq!(p1["next_offset"], 10);
    assert!(text.contains("offset=10"), "{text}");
    let (p2, _) = run(
        &sim,
        &client,
        "get_switch_interfaces",
        json!({"serial": sw.serial_number, "limit": 10, "offset": 10}),
    )
    .await;
    assert_eq!(query(&api_requests(&sim)[0], "offset"), Some("10"));
    assert_eq!(p2["offset"], 10);
    let n1 = strings(&p1, "ports", "name");
    assert!(
        strings(&p2, "ports", "name")
            .iter()
            .all(|n| !n1.contains(n))
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_stack_members_reads_the_stack() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let stack = ds.stacks.first().expect("a stack in the seed");

    let (out, text) = run(
        &sim,
        &client,
        "get_stack_members",
        json!({"stack_id": stack.id}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].path,
        format!("/network-monitoring/v1/stack/{}/members", stack.id)
    );
    assert!(api[0].query.is_empty());
    assert_eq!(out["stack_id"], stack.id.as_str());
    assert_eq!(out["topology"], stack.topology.as_str());
    assert_eq!(out["total"], stack.members.len());
    assert_eq!(strings(&out, "members", "serial_number"), stack.members);
    let conductor = ds.device(&stack.members[0]).unwrap();
    assert_eq!(out["conductor"], conductor.device_name.as_str());
    let down = stack
        .members
        .iter()
        .filter(|s| {
            ds.device(s)
                .is_some_and(|d| d.status == DeviceStatus::Offline)
        })
        .count();
    assert_eq!(out["members_down"], down);
    assert!(
        text.contains(&format!("{} member(s)", stack.members.len()))
            && text.contains(&format!("Conductor {}", conductor.device_name)),
        "{text}"
    );

    let result = call(&client, "get_stack_members", json!({"stack_id": "ST-none"})).await;
    assert_eq!(result.is_error, Some(true));
    assert!(common::text(&result).contains("No stack ST-none"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_gateways_filters_by_cluster_and_pages() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let cluster = ds
        .devices_of_type(DeviceType::Gateway)
        .find_map(|g| g.cluster_name.clone())
        .expect("a cluster in the seed");
    let members: Vec<&str> = ds
        .devices_of_type(DeviceType::Gateway)
        .filter(|g| g.cluster_name.as_deref() == Some(cluster.as_str()))
        .map(|g| g.serial_number.as_str())
        .collect();

    let (out, text) = run(
        &sim,
        &client,
        "list_gateways",
        json!({"cluster_name": cluster, "status": "ONLINE"}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].path, "/network-monitoring/v1/gateways");
    assert_eq!(
        query(&api[0], "filter"),
        Some(format!("status eq 'Online' and clusterName eq '{cluster}'").as_str())
    );
    assert_eq!(query(&api[0], "limit"), Some("50"));
    let online_members = members
        .iter()
        .filter(|s| ds.device(s).unwrap().status == DeviceStatus::Online)
        .count();
    assert_eq!(out["total"], online_members);
    for g in out["gateways"].as_array().unwrap() {
        assert_eq!(g["cluster_name"], cluster.as_str());
        assert_eq!(g["status"], "ONLINE");
        assert_eq!(g["mode"], "Cluster");
        assert_eq!(g["device_type"], "GATEWAY");
        assert!(g["ipv4"].is_string());
    }
    assert!(
        text.contains(&format!("{online_members} of {online_members} gateway(s)")),
        "{text}"
    );

    // An unknown site name matches nothing, and the summary says where to check.
    let (none, text) = run(
        &sim,
        &client,
        "list_gateways",
        json!({"site_name": "Nowhere"}),
    )
    .await;
    assert_eq!(
        query(&api_requests(&sim)[0], "filter"),
        Some("siteName eq 'Nowhere'")
    );
    assert_eq!(none["total"], 0);
    assert!(text.contains("list_sites"), "{text}");

    let all = ds.devices_of_type(DeviceType::Gateway).count();
    let (p1, text) = run(&sim, &client, "list_gateways", json!({"limit": 3})).await;
    assert_eq!(p1["total"], all);
    assert_eq!(p1["next"], "2");
    assert!(text.contains("next=\"2\""), "{text}");
    let (p2, _) = run(
        &sim,
        &client,
        "list_gateways",
        json!({"limit": 3, "next": "2"}),
    )
    .await;
    assert_eq!(query(&api_requests(&sim)[0], "next"), Some("2"));
    let s1 = strings(&p1, "gateways", "serial_number");
    assert!(
        strings(&p2, "gateways", "serial_number")
            .iter()
            .all(|s| !s1.contains(s))
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_gateway_details_reads_one_gateway() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let gw = ds
        .devices_of_type(DeviceType::Gateway)
        .find(|g| g.cluster_name.is_some())
        .unwrap();
    let (out, text) = run(
        &sim,
        &client,
        "get_gateway_details",
        json!({"serial_number": gw.serial_number}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].path,
        format!("/network-monitoring/v1/gateways/{}", gw.serial_number)
    );
    assert!(api[0].query.is_empty());
    assert_eq!(out["serial_number"], gw.serial_number.as_str());
    assert_eq!(out["device_name"], gw.device_name.as_str());
    assert_eq!(out["status"], gw.status.upper());
    assert_eq!(out["role"], gw.role.as_str());
    assert_eq!(out["cluster_name"], gw.cluster_name.as_deref().unwrap());
    assert_eq!(out["ipv4"], gw.ipv4.as_str());
    assert_eq!(
        out["cpu_utilization_percent"].as_f64(),
        gw.cpu_utilization.map(f64::from)
    );
    assert!(
        text.contains(&gw.device_name) && text.contains(gw.cluster_name.as_deref().unwrap()),
        "{text}"
    );
    let result = call(
        &client,
        "get_gateway_details",
        json!({"serial_number": "TWNOSUCH01"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(common::text(&result).contains("No gateway with serial TWNOSUCH01"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_gateway_uplinks_reports_down_links() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    // Prefer a gateway with a down uplink, so the summary has something to name.
    let uplink = ds
        .uplinks
        .iter()
        .find(|u| u.status != "Up")
        .or_else(|| ds.uplinks.first())
        .expect("uplinks in the seed");
    let serial = &uplink.gateway_serial;
    let mine: Vec<_> = ds
        .uplinks
        .iter()
        .filter(|u| &u.gateway_serial == serial)
        .collect();
    let down = mine.iter().filter(|u| u.status != "Up").count();

    let (out, text) = run(
        &sim,
        &client,
        "get_gateway_uplinks",
        json!({"serial": serial}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].path,
        format!("/network-monitoring/v1/gateways/{serial}/uplinks")
    );
    assert!(api[0].query.is_empty());
    assert_eq!(out["serial_number"], serial.as_str());
    assert_eq!(out["returned"], mine.len());
    assert_eq!(out["down"], down);
    assert_eq!(out["up"], mine.len() - down);
    let tags = strings(&out, "uplinks", "link_tag");
    for u in &mine {
        assert!(tags.contains(&u.link_tag));
    }
    let first = out["uplinks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["link_tag"] == mine[0].link_tag.as_str())
        .unwrap();
    assert_eq!(first["is_backup"], mine[0].is_backup);
    assert_eq!(
        first["throughput_sent_bytes_per_second"].as_f64(),
        Some(mine[0].throughput_sent as f64)
    );
    assert!(
        text.contains(&format!(
            "{} uplink(s), {} up, {down} down",
            mine.len(),
            mine.len() - down
        )),
        "{text}"
    );
    if down > 0 {
        assert!(text.contains("DOWN: "), "{text}");
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_gateway_tunnels_by_cluster_or_gateway() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let cluster = ds
        .devices_of_type(DeviceType::Gateway)
        .find_map(|g| g.cluster_name.clone())
        .unwrap();
    let members: Vec<String> = ds
        .devices_of_type(DeviceType::Gateway)
        .filter(|g| g.cluster_name.as_deref() == Some(cluster.as_str()))
        .map(|g| g.serial_number.clone())
        .collect();
    let cluster_tunnels = ds
        .tunnels
        .iter()
        .filter(|t| members.contains(&t.gateway_serial))
        .count();
    assert!(cluster_tunnels > 2);

    let (out, text) = run(
        &sim,
        &client,
        "list_gateway_tunnels",
        json!({"cluster_name": cluster}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].path,
        format!("/network-monitoring/v1/clusters/{cluster}/tunnels")
    );
    assert_eq!(query(&api[0], "limit"), Some("50"));
    assert_eq!(query(&api[0], "filter"), None);
    assert_eq!(out["total"], cluster_tunnels);
    let up = out["up"].as_u64().unwrap();
    let down = out["down"].as_u64().unwrap();
    assert_eq!(up + down, out["returned"].as_u64().unwrap());
    assert!(text.starts_with(&format!("Cluster {cluster}:")), "{text}");

    // Pages of 2.
    let (p1, _) = run(
        &sim,
        &client,
        "list_gateway_tunnels",
        json!({"cluster_name": cluster, "limit": 2}),
    )
    .await;
    assert_eq!(p1["next"], "2");
    let (p2, _) = run(
        &sim,
        &client,
        "list_gateway_tunnels",
        json!({"cluster_name": cluster, "limit": 2, "next": "2"}),
    )
    .await;
    assert_eq!(query(&api_requests(&sim)[0], "next"), Some("2"));
    let n1 = strings(&p1, "tunnels", "tunnel_name");
    let n2 = strings(&p2, "tunnels", "tunnel_name");
    assert_eq!(n2.len(), 2.min(cluster_tunnels - 2));
    assert!(n1 != n2);

    // One gateway's down tunnels.
    let t = ds
        .tunnels
        .iter()
        .find(|t| t.status == "Down")
        .or_else(|| ds.tunnels.first())
        .unwrap();
    let gw_down = ds
        .tunnels
        .iter()
        .filter(|x| x.gateway_serial == t.gateway_serial && x.status == "Down")
        .count();
    let (out, text) = run(
        &sim,
        &client,
        "list_gateway_tunnels",
        json!({"serial_number": t.gateway_serial, "status": "DOWN"}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(
        api[0].path,
        format!(
            "/network-monitoring/v1/gateways/{}/tunnels",
            t.gateway_serial
        )
    );
    assert_eq!(query(&api[0], "filter"), Some("status eq 'Down'"));
    assert_eq!(out["total"], gw_down);
    assert_eq!(out["down"], gw_down);
    if gw_down > 0 {
        assert!(
            text.contains("Needs attention") && text.contains(&t.tunnel_name),
            "{text}"
        );
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_gateway_cluster_info_lists_members_and_the_leader() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let leader = ds
        .devices_of_type(DeviceType::Gateway)
        .find(|g| g.cluster_name.is_some() && g.role == "Leader")
        .expect("a cluster leader");
    let cluster = leader.cluster_name.clone().unwrap();
    let members = ds
        .devices_of_type(DeviceType::Gateway)
        .filter(|g| g.cluster_name.as_deref() == Some(cluster.as_str()))
        .count();

    let (out, text) = run(
        &sim,
        &client,
        "get_gateway_cluster_info",
        json!({"cluster_name": cluster}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].path,
        format!("/network-monitoring/v1/clusters/{cluster}/members")
    );
    assert_eq!(query(&api[0], "limit"), Some("50"));
    assert_eq!(out["total"], members);
    assert_eq!(out["returned"], members);
    assert_eq!(out["leader"], leader.device_name.as_str());
    assert!(
        text.contains(&format!(
            "Cluster {cluster}: {members} of {members} member(s)"
        )) && text.contains(&format!("Leader {}", leader.device_name)),
        "{text}"
    );

    let (p1, text) = run(
        &sim,
        &client,
        "get_gateway_cluster_info",
        json!({"cluster_name": cluster, "limit": 1}),
    )
    .await;
    assert_eq!(p1["returned"], 1);
    assert_eq!(p1["next"], "2");
    assert!(text.contains("next=\"2\""), "{text}");
    let (_, _) = run(
        &sim,
        &client,
        "get_gateway_cluster_info",
        json!({"cluster_name": cluster, "limit": 1, "next": "2"}),
    )
    .await;
    assert_eq!(query(&api_requests(&sim)[0], "next"), Some("2"));

    let result = call(
        &client,
        "get_gateway_cluster_info",
        json!({"cluster_name": "no-such"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(common::text(&result).contains("No gateway cluster named \"no-such\""));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn find_device_uses_the_filter_for_serials_and_names() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let d = &ds.devices[3];

    let (out, text) = run(
        &sim,
        &client,
        "find_device",
        json!({"query": d.serial_number.to_lowercase()}),
    )
    .await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].path, "/network-monitoring/v1/devices");
    assert_eq!(
        query(&api[0], "filter"),
        Some(format!("serialNumber eq '{}'", d.serial_number).as_str())
    );
    assert_eq!(query(&api[0], "limit"), Some("20"));
    assert_eq!(out["method"], "serial_filter");
    assert_eq!(out["pages_scanned"], 0);
    assert_eq!(
        strings(&out, "devices", "serial_number"),
        [d.serial_number.as_str()]
    );
    assert!(
        text.contains("by serial number") && text.contains(&d.device_name),
        "{text}"
    );

    let (out, _) = run(
        &sim,
        &client,
        "find_device",
        json!({"query": d.device_name, "device_type": d.device_type.api_name()}),
    )
    .await;
    let api = api_requests(&sim);
    let last = api.last().unwrap();
    assert_eq!(
        query(last, "filter"),
        Some(
            format!(
                "deviceType eq '{}' and deviceName eq '{}'",
                d.device_type.api_name(),
                d.device_name
            )
            .as_str()
        )
    );
    assert_eq!(out["method"], "name_filter");
    assert_eq!(out["devices"][0]["serial_number"], d.serial_number.as_str());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn find_device_scans_for_mac_and_ip() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let d = &ds.devices[7];
    let dotted = {
        let hex: String = d
            .mac_address
            .chars()
            .filter(char::is_ascii_hexdigit)
            .collect();
        format!("{}.{}.{}", &hex[0..4], &hex[4..8], &hex[8..12]).to_uppercase()
    };

    let (out, text) = run(&sim, &client, "find_device", json!({"query": dotted})).await;
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].path, "/network-monitoring/v1/devices");
    assert_eq!(query(&api[0], "filter"), None);
    assert_eq!(query(&api[0], "limit"), Some("1000"));
    assert_eq!(query(&api[0], "next"), None);
    assert_eq!(out["query_kind"], "mac");
    assert_eq!(out["method"], "scan");
    assert_eq!(out["pages_scanned"], 1);
    assert_eq!(out["devices_scanned"], ds.devices.len());
    assert_eq!(out["complete"], true);
    assert_eq!(
        strings(&out, "devices", "serial_number"),
        [d.serial_number.as_str()]
    );
    assert!(text.contains("scanning 1 page(s)"), "{text}");

    let (out, _) = run(&sim, &client, "find_device", json!({"query": d.ipv4})).await;
    assert_eq!(out["query_kind"], "ip");
    assert!(strings(&out, "devices", "serial_number").contains(&d.serial_number));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn find_device_scans_at_most_five_pages() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let n = sim.dataset().devices.len();
    assert!(n > 50, "the seed needs more than 5 pages of 10");

    let (out, text) = run(
        &sim,
        &client,
        "find_device",
        json!({"query": "zz-no-such", "page_size": 10}),
    )
    .await;
    let api = api_requests(&sim);
    // One exact-name lookup, then five pages.
    assert_eq!(api.len(), 6, "{api:?}");
    assert_eq!(query(&api[0], "filter"), Some("deviceName eq 'zz-no-such'"));
    for (i, e) in api[1..].iter().enumerate() {
        assert_eq!(query(e, "limit"), Some("10"));
        let expected = (i > 0).then(|| (i + 1).to_string());
        assert_eq!(query(e, "next"), expected.as_deref());
    }
    assert_eq!(out["pages_scanned"], 5);
    assert_eq!(out["devices_scanned"], 50);
    assert_eq!(out["total_devices"], n);
    assert_eq!(out["complete"], false);
    assert_eq!(out["returned"], 0);
    assert!(
        text.contains("No device matches") && text.contains("stopped after 5 pages"),
        "{text}"
    );

    // A partial name found on the first page with a small limit is truncated.
    let (out, _) = run(
        &sim,
        &client,
        "find_device",
        json!({"query": "-ap-", "limit": 2, "page_size": 10}),
    )
    .await;
    // The scan stops on the page holding the third match.
    let third = sim
        .dataset()
        .devices
        .iter()
        .enumerate()
        .filter(|(_, d)| d.device_name.to_lowercase().contains("-ap-"))
        .nth(2)
        .map(|(i, _)| i)
        .unwrap();
    assert_eq!(out["returned"], 2);
    assert_eq!(out["truncated"], true);
    assert_eq!(out["complete"], true);
    assert_eq!(out["pages_scanned"], third / 10 + 1);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn bad_arguments_of_infra_tools_reach_no_upstream() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let cases = [
        (
            "get_site_details",
            json!({"site_id": "1 or 1"}),
            "not a site id",
        ),
        (
            "get_tenant_device_health",
            json!({"x": 1}),
            "unknown field `x`",
        ),
        ("list_sites", json!({"limit": 0}), "argument `limit`"),
        ("list_sites", json!({"offset": -5}), "argument `offset`"),
        (
            "get_device_inventory",
            json!({"limit": 101}),
            "argument `limit`",
        ),
        (
            "get_device_inventory",
            json!({"site_assigned": "MAYBE"}),
            "site_assigned",
        ),
        (
            "get_firmware_details",
            json!({"next": "a b"}),
            "not a cursor",
        ),
        (
            "get_firmware_details",
            json!({"search": "x".repeat(200)}),
            "argument `search`",
        ),
        ("get_switch_details", json!({}), "missing field `serial`"),
        (
            "get_switch_details",
            json!({"serial": "SG/1"}),
            "not a serial number",
        ),
        (
            "get_switch_interfaces",
            json!({"serial": "SG12345678", "status_filter": "HALF"}),
            "status_filter",
        ),
        (
            "get_switch_interfaces",
            json!({"serial": "SG12345678", "offset": -1}),
            "argument `offset`",
        ),
        (
            "get_stack_members",
            json!({"stack_id": "a/b"}),
            "not a stack id",
        ),
        (
            "list_gateways",
            json!({"status": "DOWN"}),
            "argument `status`",
        ),
        ("list_gateways", json!({"limit": 1000}), "argument `limit`"),
        (
            "get_gateway_details",
            json!({"serial": "TW12345678"}),
            "unknown field `serial`",
        ),
        (
            "get_gateway_uplinks",
            json!({"serial": "x"}),
            "not a serial number",
        ),
        ("list_gateway_tunnels", json!({}), "cluster_name"),
        (
            "list_gateway_tunnels",
            json!({"cluster_name": "c", "serial_number": "TW12345678"}),
            "not both",
        ),
        (
            "list_gateway_tunnels",
            json!({"cluster_name": "c", "status": "SIDEWAYS"}),
            "argument `status`",
        ),
        (
            "get_gateway_cluster_info",
            json!({"cluster_name": "  "}),
            "cluster_name",
        ),
        (
            "get_gateway_cluster_info",
            json!({"cluster_name": "c", "limit": 101}),
            "argument `limit`",
        ),
        ("find_device", json!({"query": "a"}), "argument `query`"),
        (
            "find_device",
            json!({"query": "ab", "page_size": 5000}),
            "argument `page_size`",
        ),
        (
            "find_device",
            json!({"query": "ab", "device_type": "PHONE"}),
            "device_type",
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
    client.cancel().await.unwrap();
}

/// Every key of `value` is a declared property of `schema`, and every required property is there.
fn conforms(tool: &str, schema: &serde_json::Map<String, Value>, value: &Value) {
    let props = schema["properties"].as_object().unwrap();
    let obj = value.as_object().unwrap();
    for k in obj.keys() {
        assert!(
            props.contains_key(k),
            "{tool}: `{k}` is not in the outputSchema"
        );
    }
    for r in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        assert!(
            obj.contains_key(r.as_str().unwrap()),
            "{tool}: required `{r}` missing"
        );
    }
}

#[tokio::test]
async fn structured_output_matches_the_declared_schema() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let tools = client.list_all_tools().await.unwrap();
    let switch = ds.devices_of_type(DeviceType::Switch).next().unwrap();
    let gateway = ds
        .devices_of_type(DeviceType::Gateway)
        .find(|g| g.cluster_name.is_some())
        .unwrap();
    let cluster = gateway.cluster_name.clone().unwrap();
    let calls = [
        ("get_site_details", json!({"site_id": ds.sites[0].id})),
        ("get_tenant_device_health", json!({})),
        ("list_sites", json!({})),
        ("get_device_inventory", json!({})),
        ("get_firmware_details", json!({})),
        (
            "get_switch_details",
            json!({"serial": switch.serial_number}),
        ),
        (
            "get_switch_interfaces",
            json!({"serial": switch.serial_number}),
        ),
        ("get_stack_members", json!({"stack_id": ds.stacks[0].id})),
        ("list_gateways", json!({})),
        (
            "get_gateway_details",
            json!({"serial_number": gateway.serial_number}),
        ),
        (
            "get_gateway_uplinks",
            json!({"serial": gateway.serial_number}),
        ),
        ("list_gateway_tunnels", json!({"cluster_name": cluster})),
        ("get_gateway_cluster_info", json!({"cluster_name": cluster})),
        ("find_device", json!({"query": switch.device_name})),
    ];
    for (tool, args) in calls {
        let schema = tools
            .iter()
            .find(|t| t.name == tool)
            .and_then(|t| t.output_schema.clone())
            .unwrap_or_else(|| panic!("{tool} has no outputSchema"));
        let result = call(&client, tool, args).await;
        let out = structured(&result);
        conforms(tool, &schema, &out);
        // The JSON text block mirrors structuredContent for clients that ignore it.
        assert!(
            text(&result).contains(&out.to_string()),
            "{tool}: JSON text block missing"
        );
    }
    client.cancel().await.unwrap();
}
