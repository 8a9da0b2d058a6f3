//! `get_arp_table`, `locate_device` and `nslookup_from_ap` (issue 19) over the real binary and the
//! simulator: per family the exact requests (each checked against troubleshooting.json), the
//! mapped results, FAILED lookups as results, device errors explained, argument errors naming the
//! argument, unsupported families refused with nothing sent, and read-only mode.

mod common;

use aruba_noc_mcp::simulator::{
    ClientStatus, Device, DeviceStatus, DeviceType, JournalEntry, SimulatorHandle,
};
use common::devices::*;
use common::*;
use serde_json::{Value, json};

fn offline_ap(sim: &SimulatorHandle) -> Device {
    device(sim, |d| {
        d.device_type == DeviceType::AccessPoint && d.status == DeviceStatus::Offline
    })
}

/// The site's first gateway (its switches uplink to it; the APs' default gateway is on it).
fn site_gateway(sim: &SimulatorHandle, d: &Device) -> Device {
    device(sim, |g| {
        g.device_type == DeviceType::Gateway && g.site_id == d.site_id
    })
}

/// Every troubleshooting request is an operation of the spec with a body it accepts.
fn all_valid(sim: &SimulatorHandle) {
    let api = spec::troubleshooting();
    for e in troubleshooting(sim) {
        spec::check_request(&api, &e);
    }
}

fn entry<'a>(out: &'a Value, ip: &str) -> &'a Value {
    out["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["ip"] == ip)
        .unwrap_or_else(|| panic!("no entry for {ip} in {out}"))
}

fn summary(out: &Value) -> &str {
    out["summary"].as_str().expect("a summary")
}

/// The first token of a `defaultGateway` such as `10.1.1.1 (DHCP)`.
fn gateway_ip(d: &Device) -> String {
    d.default_gateway
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn get_arp_table_of_an_ap_lists_its_gateway_neighbours_and_clients() {
    let sim = simulator();
    let ds = sim.dataset();
    let client = session(&sim, &[]).await;
    // An online AP with a connected client, in a site that has an offline AP too.
    let down = offline_ap(&sim);
    let has_client = |d: &Device| {
        ds.clients.iter().any(|c| {
            c.connected_device_serial == d.serial_number
                && c.status == ClientStatus::Connected
                && c.ipv4.is_some()
        })
    };
    let ap = device(&sim, |d| {
        d.device_type == DeviceType::AccessPoint
            && d.status == DeviceStatus::Online
            && d.site_id == down.site_id
            && has_client(d)
    });
    let wifi = ds
        .clients
        .iter()
        .find(|c| {
            c.connected_device_serial == ap.serial_number
                && c.status == ClientStatus::Connected
                && c.ipv4.is_some()
        })
        .cloned()
        .expect("a connected client");
    let gw = site_gateway(&sim, &ap);

    let result = call(
        &client,
        "get_arp_table",
        json!({"serial": ap.serial_number.to_lowercase()}),
    )
    .await;
    let out = structured(&result);
    assert_eq!(out["device_type"], "aps");
    assert_eq!(out["status"], "COMPLETED", "{out}");
    assert_eq!(out["timed_out"], false);
    let gw_ip = gateway_ip(&ap);
    assert_eq!(out["default_gateway"], gw_ip.as_str());
    // The default gateway is listed first, at the site gateway's MAC.
    assert_eq!(
        out["entries"][0],
        json!({"ip": gw_ip, "mac": gw.mac_address, "interface": "br0", "vlan": null, "type": "dynamic"})
    );
    // The offline AP of the site no longer answers: an incomplete entry.
    let e = entry(&out, &down.ipv4);
    assert_eq!(e["type"], "incomplete");
    assert_eq!(e["mac"], "00:00:00:00:00:00");
    let e = entry(&out, wifi.ipv4.as_deref().unwrap());
    assert_eq!(e["mac"], wifi.mac_address.as_str());
    assert_eq!(e["interface"], format!("br0.{}", wifi.vlan_id));
    assert_eq!(e["vlan"], wifi.vlan_id.parse::<u64>().unwrap());
    assert_eq!(e["type"], "dynamic");
    let n = out["entries"].as_array().unwrap().len();
    assert_eq!(
        (out["returned"].as_u64(), out["total"].as_u64()),
        (Some(n as u64), Some(n as u64))
    );
    assert_eq!(out["truncated"], false);
    let s = summary(&out);
    assert!(
        s.contains(&format!(
            "ARP table of access point {}: {n} entries (",
            ap.serial_number
        )) && s.contains(" incomplete) on br0")
            && s.contains(&format!(
                "default gateway {gw_ip} is at {} on br0",
                gw.mac_address
            )),
        "{s}"
    );

    // The device lookup, one POST without a body, the polls, then the AP's details.
    let api = api_requests(&sim);
    assert_eq!(api[0].path, "/network-monitoring/v1/devices");
    let sent = posts(&sim);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        sent[0].path,
        format!(
            "/network-troubleshooting/v1/aps/{}/getArpTable",
            ap.serial_number
        )
    );
    assert_eq!(sent[0].body, None);
    let polls: Vec<&JournalEntry> = api
        .iter()
        .filter(|e| e.path.contains("/getArpTable/async-operations/"))
        .collect();
    assert_eq!(polls.len(), 2, "INITIATED → RUNNING → COMPLETED: {api:?}");
    assert_eq!(
        api.last().unwrap().path,
        format!("/network-monitoring/v1/aps/{}", ap.serial_number)
    );
    all_valid(&sim);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_arp_table_of_a_switch_and_a_gateway_maps_their_fields() {
    let sim = simulator();
    let ds = sim.dataset();
    let client = session(&sim, &[]).await;

    // AOS-Switch: `ec6794-7e1fc0` MACs and ports; the site gateway on an uplink port.
    let sw = online(&sim, DeviceType::Switch, Some("pvos"));
    let gw = site_gateway(&sim, &sw);
    let out = structured(
        &call(
            &client,
            "get_arp_table",
            json!({"serial": sw.serial_number}),
        )
        .await,
    );
    assert_eq!(out["device_type"], "aos-s");
    assert_eq!(out["status"], "COMPLETED", "{out}");
    assert_eq!(out["default_gateway"], Value::Null);
    let e = entry(&out, &gw.ipv4);
    assert_eq!(
        e["mac"],
        gw.mac_address.as_str(),
        "normalised from the AOS-S form"
    );
    assert_eq!(e["type"], "dynamic");
    assert!(
        e["interface"].as_str().unwrap().parse::<u32>().is_ok(),
        "an AOS-Switch port number: {e}"
    );
    let wired: Vec<_> = ds
        .clients
        .iter()
        .filter(|c| {
            c.connected_device_serial == sw.serial_number
                && c.status == ClientStatus::Connected
                && c.ipv4.is_some()
        })
        .collect();
    assert!(!wired.is_empty(), "the AOS-Switch has wired clients");
    for c in wired {
        let e = entry(&out, c.ipv4.as_deref().unwrap());
        assert_eq!(e["interface"], c.port.as_deref().unwrap());
        assert_eq!(e["mac"], c.mac_address.as_str());
    }
    assert!(
        summary(&out).starts_with(&format!(
            "ARP table of AOS-Switch switch {}: {} entries",
            sw.serial_number, out["total"]
        )),
        "{out}"
    );
    let sent = posts(&sim);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].path,
        format!(
            "/network-troubleshooting/v1/aos-s/{}/getArpTable",
            sw.serial_number
        )
    );
    assert_eq!(sent[0].body, None);
    all_valid(&sim);

    // Gateway: `address` and `interfaceAndPort`; its upstream next hop first, then the site.
    sim.clear_journal();
    let gw = online(&sim, DeviceType::Gateway, None);
    let out = structured(
        &call(
            &client,
            "get_arp_table",
            json!({"serial": gw.serial_number}),
        )
        .await,
    );
    assert_eq!(out["device_type"], "gateways");
    let first = &out["entries"][0];
    assert_eq!(first["ip"], gateway_ip(&gw).as_str());
    assert!(
        first["interface"].as_str().unwrap().starts_with("vlan"),
        "{first}"
    );
    assert!(first["vlan"].is_u64(), "{first}");
    assert_eq!(first["type"], Value::Null, "gateways give no entry type");
    let peer = device(&sim, |d| {
        d.site_id == gw.site_id
            && d.device_type == DeviceType::Switch
            && d.status == DeviceStatus::Online
    });
    let e = entry(&out, &peer.ipv4);
    assert_eq!(
        (
            e["mac"].as_str(),
            e["interface"].as_str(),
            e["vlan"].as_u64()
        ),
        (Some(peer.mac_address.as_str()), Some("vlan1"), Some(1))
    );
    let sent = posts(&sim);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].path,
        format!(
            "/network-troubleshooting/v1/gateways/{}/getArpTable",
            gw.serial_number
        )
    );
    // No AP details for a gateway: only the lookup, the POST and the polls.
    assert!(
        api_requests(&sim)
            .iter()
            .all(|e| !e.path.starts_with("/network-monitoring/v1/aps/")),
        "{:?}",
        api_requests(&sim)
    );
    all_valid(&sim);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_arp_table_refuses_cx_and_explains_device_errors() {
    let sim = simulator();
    let client = session(&sim, &[]).await;

    // AOS-CX: Central has no ARP operation for it; refused, nothing started.
    let cx = online(&sim, DeviceType::Switch, Some("cx"));
    let result = call(
        &client,
        "get_arp_table",
        json!({"serial": cx.serial_number}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let t = text(&result);
    assert!(
        t.contains("argument `serial`")
            && t.contains(&cx.serial_number)
            && t.contains("AOS-CX")
            && t.contains("access points, gateways and AOS-Switch switches"),
        "{t}"
    );
    assert!(troubleshooting(&sim).is_empty());

    // Offline AP: Central's 409, explained.
    let down = offline_ap(&sim);
    let result = call(
        &client,
        "get_arp_table",
        json!({"serial": down.serial_number}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let t = text(&result);
    assert!(t.contains("offline or busy") && t.contains("409"), "{t}");

    // Unknown serial: named, nothing started.
    sim.clear_journal();
    let result = call(&client, "get_arp_table", json!({"serial": "ZZ99NOPE01"})).await;
    assert_eq!(result.is_error, Some(true));
    let t = text(&result);
    assert!(t.contains("ZZ99NOPE01") && t.contains("serial"), "{t}");
    assert!(troubleshooting(&sim).is_empty());

    // Argument errors name the argument; nothing reaches Central.
    sim.clear_journal();
    for (args, needle) in [
        (
            json!({"serial": cx.serial_number, "timeout_seconds": 0}),
            "timeout_seconds",
        ),
        (
            json!({"serial": cx.serial_number, "timeout_seconds": 301}),
            "timeout_seconds",
        ),
        (json!({"serial": "no"}), "argument `serial`"),
        (json!({}), "serial"),
        (json!({"serial": cx.serial_number, "vlan": 1}), "vlan"),
    ] {
        let result = call(&client, "get_arp_table", args.clone()).await;
        assert_eq!(result.is_error, Some(true), "{args}");
        let t = text(&result);
        assert!(t.contains(needle), "{args}: {t}");
    }
    assert!(api_requests(&sim).is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn locate_device_starts_one_locate_per_call_and_polls_nothing() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    for (d, family, noun) in [
        (
            online(&sim, DeviceType::AccessPoint, None),
            "aps",
            "access point",
        ),
        (
            online(&sim, DeviceType::Switch, Some("cx")),
            "cx",
            "AOS-CX switch",
        ),
        (
            online(&sim, DeviceType::Switch, Some("pvos")),
            "aos-s",
            "AOS-Switch switch",
        ),
    ] {
        sim.clear_journal();
        assert_eq!(sim.locates(&d.serial_number), 0);
        let out =
            structured(&call(&client, "locate_device", json!({"serial": d.serial_number})).await);
        assert_eq!(out["device_type"], family);
        assert_eq!(out["serial"], d.serial_number.as_str());
        assert_eq!(out["status"], "INITIATED");
        assert!(out["started_at"].as_str().unwrap().ends_with('Z'), "{out}");
        let s = summary(&out);
        assert!(
            s.contains(&format!(
                "Central started locating {noun} {}",
                d.serial_number
            )) && s.contains("locator LED blinks")
                && s.contains("does not document how long"),
            "{s}"
        );
        // Exactly one POST, no body, nothing polled; the device's LED blinks.
        let ts = troubleshooting(&sim);
        assert_eq!(ts.len(), 1, "{ts:?}");
        assert_eq!(ts[0].method, "POST");
        assert_eq!(
            ts[0].path,
            format!(
                "/network-troubleshooting/v1/{family}/{}/locate",
                d.serial_number
            )
        );
        assert_eq!(ts[0].body, None);
        assert_eq!(ts[0].status, 202);
        all_valid(&sim);
        assert_eq!(sim.locates(&d.serial_number), 1);
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn locate_device_refuses_gateways_and_explains_device_errors() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let gw = online(&sim, DeviceType::Gateway, None);
    let result = call(
        &client,
        "locate_device",
        json!({"serial": gw.serial_number}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let t = text(&result);
    assert!(
        t.contains("argument `serial`")
            && t.contains("is a gateway")
            && t.contains("only access points and switches"),
        "{t}"
    );
    assert!(posts(&sim).is_empty());
    assert_eq!(sim.locates(&gw.serial_number), 0);

    let down = offline_ap(&sim);
    let result = call(
        &client,
        "locate_device",
        json!({"serial": down.serial_number}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let t = text(&result);
    assert!(
        t.contains("cannot blink its locator LED now") && t.contains("409"),
        "{t}"
    );
    assert_eq!(sim.locates(&down.serial_number), 0);

    sim.clear_journal();
    let result = call(&client, "locate_device", json!({"serial": "ZZ99NOPE01"})).await;
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).contains("ZZ99NOPE01"), "{}", text(&result));
    assert!(posts(&sim).is_empty());

    sim.clear_journal();
    for (args, needle) in [
        (json!({"serial": "x"}), "argument `serial`"),
        (
            json!({"serial": gw.serial_number, "duration_seconds": 30}),
            "duration_seconds",
        ),
    ] {
        let result = call(&client, "locate_device", args.clone()).await;
        assert_eq!(result.is_error, Some(true), "{args}");
        assert!(text(&result).contains(needle), "{args}: {}", text(&result));
    }
    assert!(api_requests(&sim).is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn nslookup_from_ap_resolves_and_reports_the_server() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online(&sim, DeviceType::AccessPoint, None);
    let sw = online(&sim, DeviceType::Switch, None);

    // The AP's own DNS server (the simulator's: its default gateway).
    let out = structured(
        &call(
            &client,
            "nslookup_from_ap",
            json!({"serial": ap.serial_number, "host": " WWW.Example.com. "}),
        )
        .await,
    );
    assert_eq!(out["status"], "COMPLETED", "{out}");
    assert_eq!(out["host"], "WWW.Example.com");
    assert_eq!(out["dns_server"], gateway_ip(&ap).as_str());
    let addresses: Vec<&str> = out["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(!addresses.is_empty(), "{out}");
    assert!(
        addresses
            .iter()
            .all(|a| a.parse::<std::net::IpAddr>().is_ok()),
        "{out}"
    );
    assert!(
        summary(&out).contains(&format!(
            "WWW.Example.com resolved from access point {} to {}",
            ap.serial_number,
            addresses.join(", ")
        )),
        "{out}"
    );
    let sent = posts(&sim);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].path,
        format!(
            "/network-troubleshooting/v1/aps/{}/nslookup",
            ap.serial_number
        )
    );
    let body: Value = serde_json::from_str(sent[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body, json!({"host": "WWW.Example.com"}));
    all_valid(&sim);

    // A given server; a name of the network resolves to its address.
    sim.clear_journal();
    let out = structured(
        &call(
            &client,
            "nslookup_from_ap",
            json!({"serial": ap.serial_number, "host": format!("{}.corp.example", sw.device_name), "dns_server": "10.1.0.53"}),
        )
        .await,
    );
    assert_eq!(out["addresses"], json!([sw.ipv4]));
    assert_eq!(out["dns_server"], "10.1.0.53");
    assert!(summary(&out).contains("(DNS server 10.1.0.53)"), "{out}");
    let sent = posts(&sim);
    let body: Value = serde_json::from_str(sent[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"host": format!("{}.corp.example", sw.device_name), "dnsServer": "10.1.0.53"})
    );
    all_valid(&sim);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn nslookup_from_ap_failures_are_results_and_bad_input_is_refused() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online(&sim, DeviceType::AccessPoint, None);

    // A name that does not exist, and a server that does not answer: FAILED results.
    for (args, reason) in [
        (
            json!({"serial": ap.serial_number, "host": "nothing.invalid"}),
            "server can't find nothing.invalid: NXDOMAIN",
        ),
        (
            json!({"serial": ap.serial_number, "host": "www.example.com", "dns_server": "192.0.2.53"}),
            "connection timed out; no servers could be reached (192.0.2.53)",
        ),
    ] {
        let result = call(&client, "nslookup_from_ap", args.clone()).await;
        assert_ne!(result.is_error, Some(true), "{}", text(&result));
        let out = structured(&result);
        assert_eq!(out["status"], "FAILED", "{out}");
        assert_eq!(out["addresses"], json!([]));
        assert_eq!(out["fail_reason"], reason);
        let s = summary(&out);
        assert!(
            s.contains("FAILED")
                && s.contains(reason)
                && s.contains("a result, not a server error"),
            "{s}"
        );
    }
    all_valid(&sim);

    // Not an AP: refused, nothing started.
    sim.clear_journal();
    let gw = online(&sim, DeviceType::Gateway, None);
    let result = call(
        &client,
        "nslookup_from_ap",
        json!({"serial": gw.serial_number, "host": "www.example.com"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let t = text(&result);
    assert!(
        t.contains("argument `serial`")
            && t.contains("is a gateway")
            && t.contains("only from access points"),
        "{t}"
    );
    assert!(posts(&sim).is_empty());

    // Offline AP: 409 explained.
    let down = offline_ap(&sim);
    let result = call(
        &client,
        "nslookup_from_ap",
        json!({"serial": down.serial_number, "host": "www.example.com"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let t = text(&result);
    assert!(t.contains("offline or busy") && t.contains("409"), "{t}");

    // Argument errors name the argument; nothing reaches Central.
    sim.clear_journal();
    for (args, needle) in [
        (json!({"serial": ap.serial_number}), "host"),
        (
            json!({"serial": ap.serial_number, "host": "a b; reboot"}),
            "argument `host`",
        ),
        (
            json!({"serial": ap.serial_number, "host": "x.example", "dns_server": "dns.google"}),
            "argument `dns_server`",
        ),
        (
            json!({"serial": "!", "host": "x.example"}),
            "argument `serial`",
        ),
    ] {
        let result = call(&client, "nslookup_from_ap", args.clone()).await;
        assert_eq!(result.is_error, Some(true), "{args}");
        assert!(text(&result).contains(needle), "{args}: {}", text(&result));
    }
    assert!(api_requests(&sim).is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn read_only_hides_and_refuses_all_three() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_READ_ONLY", "true")]).await;
    let names = tool_names(&client).await;
    assert!(
        names.contains(&"list_device_tasks".to_string()),
        "{names:?}"
    );
    let ap = online(&sim, DeviceType::AccessPoint, None);
    for (tool, args) in [
        ("get_arp_table", json!({"serial": ap.serial_number})),
        ("locate_device", json!({"serial": ap.serial_number})),
        (
            "nslookup_from_ap",
            json!({"serial": ap.serial_number, "host": "www.example.com"}),
        ),
    ] {
        assert!(
            !names.contains(&tool.to_string()),
            "{tool} listed: {names:?}"
        );
        let result = call(&client, tool, args).await;
        assert_eq!(result.is_error, Some(true), "{tool}");
        assert!(
            text(&result).contains("read-only"),
            "{tool}: {}",
            text(&result)
        );
    }
    assert!(api_requests(&sim).is_empty());
    assert_eq!(sim.locates(&ap.serial_number), 0);
    client.cancel().await.unwrap();
}
