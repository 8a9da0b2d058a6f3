//! The wireless, client, alert, event and IDPS tools over the real binary and the simulator:
//! the exact upstream requests (journal), the structured output against the simulator's
//! dataset, the text summary, pagination, and invalid arguments that never reach Central.
//!
//! The simulator's dataset describes one instant (`snapshot_unix_ms`), so tests
//! that need data in a window pass absolute RFC 3339 / epoch-ms times around that instant.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use aruba_noc_mcp::simulator::{ClientStatus, ConnectionType, DeviceStatus, DeviceType};
use common::*;
use serde_json::{Value, json};

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;

fn rfc3339(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

fn ms_of(t: &str) -> u64 {
    humantime::parse_rfc3339_weak(t)
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn array<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is not an array in {v}"))
}

#[tokio::test]
async fn get_ap_radios_reads_the_radios_of_one_ap() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let ap = ds
        .devices
        .iter()
        .find(|d| {
            d.device_type == DeviceType::AccessPoint
                && d.status == DeviceStatus::Online
                && !d.radios.is_empty()
        })
        .expect("an online AP with radios");
    let result = call(
        &client,
        "get_ap_radios",
        json!({"serial": ap.serial_number.to_lowercase()}),
    )
    .await;
    let out = structured(&result);
    assert_eq!(out["serial"], ap.serial_number);
    assert_eq!(out["total"], ap.radios.len());
    assert_eq!(out["returned"], ap.radios.len());
    for (got, want) in array(&out, "radios").iter().zip(&ap.radios) {
        assert_eq!(got["band"], want.band);
        assert_eq!(got["channel"], want.channel);
        assert_eq!(got["status"], want.status);
        assert_eq!(got["noise_floor_dbm"], f64::from(want.noise_floor));
        assert_eq!(
            got["channel_utilization_percent"],
            f64::from(want.channel_utilization)
        );
        assert_eq!(got["power_dbm"], f64::from(want.power_dbm));
    }
    assert!(text(&result).contains(&format!(
        "AP {} has {} radio(s)",
        ap.serial_number,
        ap.radios.len()
    )));
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].method, "GET");
    assert_eq!(
        api[0].path,
        format!("/network-monitoring/v1/aps/{}/radios", ap.serial_number)
    );
    assert!(api[0].query.is_empty());

    // An unknown AP is explained.
    let missing = call(&client, "get_ap_radios", json!({"serial": "NOSUCHAP01"})).await;
    assert_eq!(missing.is_error, Some(true));
    assert!(text(&missing).contains("No access point with serial NOSUCHAP01"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_ap_cpu_utilization_sends_a_timestamp_filter() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let ap = ds
        .devices
        .iter()
        .find(|d| d.device_type == DeviceType::AccessPoint && d.status == DeviceStatus::Online)
        .unwrap();
    let end = ds.snapshot_unix_ms;
    let start = end - HOUR_MS;
    let result = call(
        &client,
        "get_ap_cpu_utilization",
        json!({"serial": ap.serial_number, "start_time": rfc3339(start),
               "end_time": rfc3339(end), "interval": "1hour", "max_samples": 5}),
    )
    .await;
    let out = structured(&result);
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].path,
        format!(
            "/network-monitoring/v1/aps/{}/cpu-utilization-trends",
            ap.serial_number
        )
    );
    assert_eq!(
        query(&api[0], "filter"),
        Some(
            format!(
                "timestamp gt {} and timestamp lt {}",
                rfc3339(start),
                rfc3339(end)
            )
            .as_str()
        )
    );
    assert_eq!(query(&api[0], "interval"), None, "interval is not sent");
    assert_eq!(out["sampling_interval_minutes"], 5);
    assert!(out["total"].as_u64().unwrap() >= 12);
    assert_eq!(out["returned"], 5);
    // The newest sample equals the AP's current reading.
    assert_eq!(
        out["stats"]["latest"],
        f64::from(ap.cpu_utilization.unwrap())
    );
    assert!(text(&result).contains(&format!("AP {} CPU over", ap.serial_number)));
    assert!(text(&result).contains("Showing the newest 5 samples"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_wlans_lists_and_paginates() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let n = ds.wlans.len();
    assert!(n > 2, "the dataset has {n} WLANs");
    let result = call(&client, "list_wlans", json!({})).await;
    let out = structured(&result);
    assert_eq!(out["total"], n);
    assert_eq!(out["returned"], n);
    assert_eq!(out["next"], Value::Null);
    let mut names: Vec<&str> = ds.wlans.iter().map(|w| w.name.as_str()).collect();
    names.sort_unstable();
    let got: Vec<&str> = array(&out, "wlans")
        .iter()
        .map(|w| w["wlan_name"].as_str().unwrap())
        .collect();
    assert_eq!(got, names);
    assert!(text(&result).contains(&format!("{n} of {n} WLAN(s)")));

    let site = &ds.sites[0];
    let page1 = structured(
        &call(
            &client,
            "list_wlans",
            json!({"site_id": site.id, "limit": 2}),
        )
        .await,
    );
    assert_eq!(page1["returned"], 2);
    assert_eq!(page1["next"], "2");
    let page2 = structured(
        &call(
            &client,
            "list_wlans",
            json!({"site_id": site.id, "limit": 2, "next": "2"}),
        )
        .await,
    );
    assert_eq!(page2["wlans"][0]["wlan_name"], names[2]);

    let api = api_requests(&sim);
    assert_eq!(api.len(), 3);
    assert!(api.iter().all(|e| e.path == "/network-monitoring/v1/wlans"));
    assert_eq!(query(&api[0], "limit"), Some("50"));
    assert_eq!(query(&api[0], "site-id"), None);
    assert_eq!(query(&api[1], "site-id"), Some(site.id.as_str()));
    assert_eq!(query(&api[1], "limit"), Some("2"));
    assert_eq!(query(&api[1], "next"), None);
    assert_eq!(query(&api[2], "next"), Some("2"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_wlan_details_counts_clients_at_a_site() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let wlan = &ds.wlans[0];
    let site = &ds.sites[0];
    let expected = ds
        .clients
        .iter()
        .filter(|c| {
            c.status == ClientStatus::Connected
                && c.site_id == site.id
                && c.wlan_name.as_deref() == Some(wlan.name.as_str())
        })
        .count();
    let result = call(
        &client,
        "get_wlan_details",
        json!({"wlan_name": wlan.name, "site_id": site.id}),
    )
    .await;
    let out = structured(&result);
    assert_eq!(out["wlan_name"], wlan.name);
    assert_eq!(out["security_level"], wlan.security_level);
    assert_eq!(out["vlan"], wlan.vlan);
    assert_eq!(out["client_count"], expected);
    assert!(text(&result).contains(&format!("WLAN {} is ENABLED", wlan.name)));
    assert!(text(&result).contains(&format!("{expected} connected client(s)")));
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].path,
        format!(
            "/network-monitoring/v1/wlans/{}",
            wlan.name.replace(' ', "%20")
        )
    );
    assert_eq!(query(&api[0], "site-id"), Some(site.id.as_str()));

    let missing = call(
        &client,
        "get_wlan_details",
        json!({"wlan_name": "NoSuchWLAN"}),
    )
    .await;
    assert_eq!(missing.is_error, Some(true));
    assert!(text(&missing).contains("No WLAN named \"NoSuchWLAN\""));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_top_aps_by_bandwidth_converts_time_range() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    // 24 hours of usage = each wireless client's 24-hour usage on its AP.
    let mut usage: Vec<(String, u64)> = ds
        .devices
        .iter()
        .filter(|d| d.device_type == DeviceType::AccessPoint)
        .map(|d| {
            let u = ds
                .clients
                .iter()
                .filter(|c| {
                    c.connection_type == ConnectionType::Wireless
                        && c.connected_device_serial == d.serial_number
                })
                .map(|c| c.usage_bytes)
                .sum();
            (d.serial_number.clone(), u)
        })
        .filter(|(_, u)| *u > 0)
        .collect();
    usage.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let result = call(
        &client,
        "get_top_aps_by_bandwidth",
        json!({"time_range": "24hours", "limit": 3}),
    )
    .await;
    let out = structured(&result);
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].path,
        "/network-monitoring/v1/top-aps-by-wireless-usage"
    );
    assert_eq!(query(&api[0], "limit"), Some("3"));
    assert_eq!(query(&api[0], "time-range"), None);
    let start = ms_of(query(&api[0], "start-at").unwrap());
    let end = ms_of(query(&api[0], "end-at").unwrap());
    assert_eq!(end - start, DAY_MS);
    assert_eq!(out["returned"], 3);
    for (i, ap) in array(&out, "aps").iter().enumerate() {
        assert_eq!(ap["rank"], i + 1);
        assert_eq!(ap["serial_number"], usage[i].0);
        assert_eq!(ap["usage_bytes"], usage[i].1 as f64);
    }
    assert!(text(&result).contains("#1 ") && text(&result).contains(&usage[0].0));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_top_clients_by_usage_ranks_and_filters_by_type() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let site = &ds.sites[0];
    let mut ranked: Vec<(&str, u64, ConnectionType)> = ds
        .clients
        .iter()
        .filter(|c| c.site_id == site.id && c.usage_bytes > 0)
        .map(|c| (c.mac_address.as_str(), c.usage_bytes, c.connection_type))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let result = call(
        &client,
        "get_top_clients_by_usage",
        json!({"site_id": site.id, "limit": 4}),
    )
    .await;
    let out = structured(&result);
    assert_eq!(out["returned"], 4.min(ranked.len()));
    for (got, want) in array(&out, "clients").iter().zip(&ranked) {
        assert_eq!(got["mac_address"], want.0);
        assert_eq!(got["usage_bytes"], want.1);
    }
    assert!(text(&result).contains("#1 ") && text(&result).contains(ranked[0].0));

    let wired = structured(
        &call(
            &client,
            "get_top_clients_by_usage",
            json!({"site_id": site.id, "limit": 2, "connection_type": "WIRED", "time_range": "7days"}),
        )
        .await,
    );
    let want: Vec<&str> = ranked
        .iter()
        .filter(|c| c.2 == ConnectionType::Wired)
        .take(2)
        .map(|c| c.0)
        .collect();
    let got: Vec<&str> = array(&wired, "clients")
        .iter()
        .map(|c| c["mac_address"].as_str().unwrap())
        .collect();
    assert_eq!(got, want);
    assert!(
        array(&wired, "clients")
            .iter()
            .all(|c| c["connection_type"] == "Wired")
    );

    let api = api_requests(&sim);
    assert_eq!(api.len(), 2);
    assert!(
        api.iter()
            .all(|e| e.path == "/network-monitoring/v1/clients-topn-usage")
    );
    assert_eq!(query(&api[0], "site-id"), Some(site.id.as_str()));
    assert_eq!(query(&api[0], "limit"), Some("4"));
    assert_eq!(query(&api[0], "connection-type"), None);
    assert_eq!(query(&api[1], "limit"), Some("100"));
    let start = ms_of(query(&api[1], "start-at").unwrap());
    let end = ms_of(query(&api[1], "end-at").unwrap());
    assert_eq!(end - start, 7 * DAY_MS);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_client_trends_maps_keys_and_samples() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let site = &ds.sites[0];
    let end = ds.snapshot_unix_ms;
    let start = end - HOUR_MS;
    let connected = ds
        .clients
        .iter()
        .filter(|c| c.site_id == site.id && c.status == ClientStatus::Connected)
        .count() as f64;
    let result = call(
        &client,
        "get_client_trends",
        json!({"site_id": site.id, "start_time": rfc3339(start), "end_time": rfc3339(end),
               "interval": "15min", "group_by": "TYPE"}),
    )
    .await;
    let out = structured(&result);
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].path, "/network-monitoring/v1/clients-trend");
    assert_eq!(query(&api[0], "site-id"), Some(site.id.as_str()));
    assert_eq!(query(&api[0], "start-at"), Some(rfc3339(start).as_str()));
    assert_eq!(query(&api[0], "end-at"), Some(rfc3339(end).as_str()));
    assert_eq!(query(&api[0], "group-by"), Some("TYPE"));
    assert_eq!(query(&api[0], "interval"), None);
    assert_eq!(out["interval"], "5 mins");
    assert_eq!(out["groups"], json!(["Wired", "Wireless"]));
    assert_eq!(out["site"]["site_id"], site.id);
    assert!(out["total"].as_u64().unwrap() >= 12);
    let latest = out["total_stats"]["latest"].as_f64().unwrap();
    assert!(
        latest > 0.0 && latest <= connected,
        "{latest} vs {connected}"
    );
    let last = array(&out, "samples").last().unwrap();
    assert_eq!(
        last["total_clients"].as_u64().unwrap(),
        last["clients"]["Wired"].as_u64().unwrap() + last["clients"]["Wireless"].as_u64().unwrap()
    );
    assert!(text(&result).contains("at 5 mins intervals"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_idps_threats_uses_v1alpha1_with_epoch_ms_and_offsets() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let end = ds.snapshot_unix_ms;
    let start = end - 20 * DAY_MS;
    let in_window: Vec<_> = ds
        .threats
        .iter()
        .filter(|t| (start..=end).contains(&t.timestamp_ms))
        .collect();
    assert!(in_window.len() > 2, "{} threats", in_window.len());
    let result = call(
        &client,
        "list_idps_threats",
        json!({"start_time": start.to_string(), "end_time": rfc3339(end), "limit": 2}),
    )
    .await;
    let page1 = structured(&result);
    assert_eq!(page1["total"], in_window.len());
    assert_eq!(page1["returned"], 2);
    assert_eq!(page1["next_offset"], 2);
    assert_eq!(page1["threats"][0]["id"], in_window[0].id);
    assert_eq!(
        page1["threats"][0]["time"],
        rfc3339(in_window[0].timestamp_ms)
    );
    assert!(text(&result).contains(&format!("of {}", in_window.len())));
    assert!(text(&result).contains("offset=2"));
    let page2 = structured(
        &call(
            &client,
            "list_idps_threats",
            json!({"start_time": start.to_string(), "end_time": rfc3339(end), "limit": 2, "offset": 2}),
        )
        .await,
    );
    assert_eq!(page2["threats"][0]["id"], in_window[2].id);

    let critical = structured(
        &call(
            &client,
            "list_idps_threats",
            json!({"start_time": start.to_string(), "end_time": rfc3339(end), "limit": 100, "severity": "CRITICAL"}),
        )
        .await,
    );
    let want = in_window
        .iter()
        .take(100)
        .filter(|t| t.severity == "Critical")
        .count();
    assert_eq!(critical["returned"], want);

    let api = api_requests(&sim);
    assert_eq!(api.len(), 3);
    assert!(
        api.iter()
            .all(|e| e.path == "/network-monitoring/v1alpha1/threats")
    );
    assert_eq!(
        query(&api[0], "start-time"),
        Some(start.to_string().as_str())
    );
    assert_eq!(query(&api[0], "end-time"), Some(end.to_string().as_str()));
    assert_eq!(query(&api[0], "limit"), Some("2"));
    assert_eq!(query(&api[0], "offset"), Some("0"));
    assert_eq!(query(&api[1], "offset"), Some("2"));
    assert_eq!(query(&api[2], "severity"), None);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_client_details_normalises_the_mac() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let c = ds
        .clients
        .iter()
        .find(|c| {
            c.connection_type == ConnectionType::Wireless && c.status == ClientStatus::Connected
        })
        .unwrap();
    let dashed = c.mac_address.to_uppercase().replace(':', "-");
    let result = call(
        &client,
        "get_client_details",
        json!({"mac_address": dashed}),
    )
    .await;
    let out = structured(&result);
    assert_eq!(out["mac_address"], c.mac_address.to_lowercase());
    assert_eq!(out["client_name"], c.client_name);
    assert_eq!(out["status"], "Connected");
    assert_eq!(out["connection_type"], "Wireless");
    assert_eq!(out["site_id"], c.site_id);
    assert_eq!(out["connected_device_serial"], c.connected_device_serial);
    assert_eq!(out["connected_to"], c.connected_to);
    assert_eq!(out["wlan_name"], json!(c.wlan_name));
    assert_eq!(out["vlan_id"], c.vlan_id);
    assert_eq!(out["role"], c.role);
    assert!(text(&result).contains(&format!("is Connected (Wireless) at site {}", c.site_name)));
    assert!(text(&result).contains(&format!("on {}", c.connected_to)));
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].path,
        format!(
            "/network-monitoring/v1/clients/{}",
            c.mac_address.to_lowercase()
        )
    );

    let failed = ds
        .clients
        .iter()
        .find(|c| c.status == ClientStatus::Failed)
        .expect("a failed client");
    let result = call(
        &client,
        "get_client_details",
        json!({"mac_address": failed.mac_address.replace(':', "")}),
    )
    .await;
    let out = structured(&result);
    assert_eq!(out["status"], "Failed");
    assert!(text(&result).contains("list_events with client_mac"));

    let missing = call(
        &client,
        "get_client_details",
        json!({"mac_address": "02:00:00:00:00:01"}),
    )
    .await;
    assert_eq!(missing.is_error, Some(true));
    assert!(text(&missing).contains("no client with MAC 02:00:00:00:00:01"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn find_client_by_mac_is_one_lookup() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let c = &ds.clients[0];
    let result = call(
        &client,
        "find_client",
        json!({"query": c.mac_address.replace(':', "").to_uppercase()}),
    )
    .await;
    let out = structured(&result);
    assert_eq!(out["match_kind"], "mac");
    assert_eq!(out["returned"], 1);
    assert_eq!(out["complete"], true);
    assert_eq!(
        out["matches"][0]["mac_address"],
        c.mac_address.to_lowercase()
    );
    assert!(text(&result).contains("1 match(es)") && text(&result).contains("looked up the MAC"));
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].path,
        format!(
            "/network-monitoring/v1/clients/{}",
            c.mac_address.to_lowercase()
        )
    );
    // An unknown MAC is an empty answer, not an error.
    let none = structured(
        &call(
            &client,
            "find_client",
            json!({"query": "02:00:00:00:00:01"}),
        )
        .await,
    );
    assert_eq!(none["returned"], 0);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn find_client_by_name_and_ip_scans_pages() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let site = &ds.sites[0];
    let at_site: Vec<_> = ds.clients.iter().filter(|c| c.site_id == site.id).collect();
    let target = at_site.last().unwrap();
    let part = &target.client_name[..target.client_name.len().min(6)];
    let want = at_site
        .iter()
        .filter(|c| {
            [
                Some(&c.client_name),
                Some(&c.host_name),
                c.user_name.as_ref(),
                Some(&c.mac_address),
                c.ipv4.as_ref(),
            ]
            .into_iter()
            .flatten()
            .any(|t| t.to_lowercase().contains(&part.to_lowercase()))
        })
        .count();
    let result = call(
        &client,
        "find_client",
        json!({"query": part, "site_id": site.id, "limit": 50}),
    )
    .await;
    let out = structured(&result);
    assert_eq!(out["match_kind"], "text");
    assert_eq!(out["complete"], true);
    assert_eq!(out["scanned_clients"], at_site.len());
    assert_eq!(out["total"], at_site.len());
    assert_eq!(out["returned"], want.min(50));
    assert!(
        array(&out, "matches")
            .iter()
            .any(|m| m["mac_address"] == target.mac_address)
    );
    assert!(text(&result).contains(&format!("scanned {} client(s) on 1 page(s)", at_site.len())));
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].path, "/network-monitoring/v1/clients");
    assert_eq!(query(&api[0], "site-id"), Some(site.id.as_str()));
    assert_eq!(
        query(&api[0], "filter"),
        Some("status in ('Connected', 'Failed')")
    );
    assert_eq!(query(&api[0], "limit"), Some("1000"));

    // By IP, two small pages at most: the scan stops and says where to resume.
    let with_ip = at_site.iter().find(|c| c.ipv4.is_some()).unwrap();
    let ip = with_ip.ipv4.clone().unwrap();
    let out = structured(
        &call(
            &client,
            "find_client",
            json!({"query": ip, "site_id": site.id, "page_size": 10, "max_pages": 2}),
        )
        .await,
    );
    assert_eq!(out["match_kind"], "ip");
    assert_eq!(out["scanned_pages"], 2.min(at_site.len().div_ceil(10)));
    assert!(at_site.len() > 20, "{}", at_site.len());
    {
        assert_eq!(out["complete"], false);
        assert_eq!(out["resume_next"], "3");
        assert_eq!(out["scanned_clients"], 20);
        let api = api_requests(&sim);
        assert_eq!(query(&api[1], "next"), None);
        assert_eq!(query(&api[2], "next"), Some("2"));
        let rest = structured(
            &call(
                &client,
                "find_client",
                json!({"query": ip, "site_id": site.id, "page_size": 10, "max_pages": 10, "next": "3"}),
            )
            .await,
        );
        assert_eq!(query(&api_requests(&sim)[3], "next"), Some("3"));
        assert_eq!(rest["scanned_clients"], at_site.len() - 20);
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_alerts_leads_with_the_most_severe_and_paginates() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let active: Vec<_> = ds.alerts.iter().filter(|a| a.status == "Active").collect();
    assert!(active.len() > 2);
    let result = call(&client, "list_alerts", json!({})).await;
    let out = structured(&result);
    assert_eq!(out["total"], active.len());
    assert_eq!(out["returned"], active.len().min(50));
    assert_eq!(out["filter"], "status eq 'Active'");
    let rank = |s: &str| {
        ["Warning", "Minor", "Major", "Critical"]
            .iter()
            .position(|x| *x == s)
    };
    let sevs: Vec<usize> = array(&out, "alerts")
        .iter()
        .map(|a| rank(a["severity"].as_str().unwrap()).unwrap())
        .collect();
    assert!(sevs.windows(2).all(|w| w[0] >= w[1]), "{sevs:?}");
    let worst = active
        .iter()
        .map(|a| rank(&a.severity).unwrap())
        .max()
        .unwrap();
    assert_eq!(sevs[0], worst);
    let summary = text(&result);
    assert!(summary.contains("Most severe: ["), "{summary}");

    let site = &ds.sites[0];
    let at_site = active.iter().filter(|a| a.site_id == site.id).count();
    let page1 = structured(
        &call(
            &client,
            "list_alerts",
            json!({"site_id": site.id, "limit": 1}),
        )
        .await,
    );
    assert_eq!(page1["total"], at_site);
    if at_site > 1 {
        assert_eq!(page1["next"], "2");
    }
    let crit = structured(
        &call(
            &client,
            "list_alerts",
            json!({"severity": "Critical", "status": "All", "limit": 100}),
        )
        .await,
    );
    assert_eq!(
        crit["returned"],
        // Central sorts by severity, so a page of 100 holds the Critical alerts first.
        ds.alerts
            .iter()
            .filter(|a| a.severity == "Critical")
            .count()
            .min(100)
    );
    assert!(
        array(&crit, "alerts")
            .iter()
            .all(|a| a["severity"] == "Critical")
    );

    let api = api_requests(&sim);
    assert_eq!(api.len(), 3);
    assert!(
        api.iter()
            .all(|e| e.path == "/network-notifications/v1/alerts")
    );
    assert_eq!(query(&api[0], "filter"), Some("status eq 'Active'"));
    assert_eq!(query(&api[0], "sort"), Some("severity DESC"));
    assert_eq!(query(&api[0], "limit"), Some("50"));
    assert_eq!(
        query(&api[1], "filter"),
        Some(format!("status eq 'Active' and siteId eq '{}'", site.id).as_str())
    );
    assert_eq!(query(&api[1], "limit"), Some("1"));
    assert_eq!(query(&api[2], "filter"), None);
    assert_eq!(query(&api[2], "severity"), None);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_events_for_a_device_looks_up_its_type_and_site() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let end = ds.snapshot_unix_ms;
    let start = end - 7 * DAY_MS;
    let ap = ds
        .devices
        .iter()
        .filter(|d| d.device_type == DeviceType::AccessPoint)
        .max_by_key(|d| {
            ds.events
                .iter()
                .filter(|e| {
                    e.serial_number == d.serial_number && (start..=end).contains(&e.time_at_ms)
                })
                .count()
        })
        .unwrap();
    let want: Vec<_> = ds
        .events
        .iter()
        .filter(|e| e.serial_number == ap.serial_number && (start..=end).contains(&e.time_at_ms))
        .collect();
    assert!(want.len() > 2, "{} events", want.len());
    let args = json!({"serial_number": ap.serial_number, "start_time": rfc3339(start),
                      "end_time": rfc3339(end), "limit": 2, "fields": ["all"]});
    let result = call(&client, "list_events", args).await;
    let out = structured(&result);
    assert_eq!(out["context_type"], "ACCESS_POINT");
    assert_eq!(out["context_identifier"], ap.serial_number);
    assert_eq!(out["site_id"], ap.site_id);
    assert_eq!(out["total"], want.len());
    assert_eq!(out["returned"], 2);
    assert_eq!(out["next"], "2");
    assert_eq!(
        out["events"][0]["event_identifier"],
        want[0].event_identifier
    );
    assert!(text(&result).contains(&format!("2 of {} event(s) for ACCESS_POINT", want.len())));
    let api = api_requests(&sim);
    assert_eq!(api.len(), 2);
    assert_eq!(api[0].path, "/network-monitoring/v1/devices");
    assert_eq!(
        query(&api[0], "filter"),
        Some(format!("serialNumber eq '{}'", ap.serial_number).as_str())
    );
    assert_eq!(api[1].path, "/network-troubleshooting/v1/events");
    assert_eq!(query(&api[1], "context-type"), Some("ACCESS_POINT"));
    assert_eq!(
        query(&api[1], "context-identifier"),
        Some(ap.serial_number.as_str())
    );
    assert_eq!(query(&api[1], "site-id"), Some(ap.site_id.as_str()));
    assert_eq!(query(&api[1], "start-at"), Some(rfc3339(start).as_str()));
    assert_eq!(query(&api[1], "end-at"), Some(rfc3339(end).as_str()));
    assert_eq!(query(&api[1], "limit"), Some("2"));

    // Page 2, with type and site given: no device lookup.
    let page2 = structured(
        &call(
            &client,
            "list_events",
            json!({"serial_number": ap.serial_number, "device_type": "ACCESS_POINT",
                   "site_id": ap.site_id, "start_time": rfc3339(start), "end_time": rfc3339(end),
                   "limit": 2, "next": "2", "fields": ["event_identifier"]}),
        )
        .await,
    );
    assert_eq!(
        page2["events"][0]["event_identifier"],
        want[2].event_identifier
    );
    let api = api_requests(&sim);
    assert_eq!(api.len(), 3);
    assert_eq!(query(&api[2], "next"), Some("2"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_events_for_a_site_and_a_client() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ds = sim.dataset();
    let end = ds.snapshot_unix_ms;
    let start = end - 7 * DAY_MS;
    let site = &ds.sites[0];
    let at_site = ds
        .events
        .iter()
        .filter(|e| e.site_id == site.id && (start..=end).contains(&e.time_at_ms))
        .count();
    let out = structured(
        &call(
            &client,
            "list_events",
            json!({"site_id": site.id, "start_time": rfc3339(start), "end_time": rfc3339(end)}),
        )
        .await,
    );
    assert_eq!(out["context_type"], "SITE");
    assert_eq!(out["total"], at_site);
    let api = api_requests(&sim);
    assert_eq!(api.len(), 1);
    assert_eq!(query(&api[0], "context-type"), Some("SITE"));
    assert_eq!(query(&api[0], "context-identifier"), Some(site.id.as_str()));
    assert_eq!(query(&api[0], "limit"), Some("50"));

    let mac = ds
        .events
        .iter()
        .find(|e| e.client_mac_address.is_some() && (start..=end).contains(&e.time_at_ms))
        .and_then(|e| e.client_mac_address.clone())
        .expect("a client event");
    let c = ds.clients.iter().find(|c| c.mac_address == mac).unwrap();
    let want = ds
        .events
        .iter()
        .filter(|e| {
            e.client_mac_address.as_deref() == Some(mac.as_str())
                && (start..=end).contains(&e.time_at_ms)
        })
        .count();
    let out = structured(
        &call(
            &client,
            "list_events",
            json!({"client_mac": mac.to_uppercase(), "start_time": rfc3339(start), "end_time": rfc3339(end)}),
        )
        .await,
    );
    let kind = if c.connection_type == ConnectionType::Wired {
        "WIRED_CLIENT"
    } else {
        "WIRELESS_CLIENT"
    };
    assert_eq!(out["context_type"], kind);
    assert_eq!(out["total"], want);
    let api = api_requests(&sim);
    assert_eq!(api.len(), 3);
    assert_eq!(api[1].path, format!("/network-monitoring/v1/clients/{mac}"));
    assert_eq!(query(&api[2], "context-identifier"), Some(mac.as_str()));
    assert_eq!(query(&api[2], "site-id"), Some(c.site_id.as_str()));

    // Without device, client or site the error lists the sites.
    let none = call(&client, "list_events", json!({})).await;
    assert_eq!(none.is_error, Some(true));
    assert!(text(&none).contains("list_events needs a site") && text(&none).contains(&site.id));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn invalid_arguments_never_reach_central() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let cases: &[(&str, Value, &str)] = &[
        ("get_ap_radios", json!({}), "serial"),
        ("get_ap_radios", json!({"serial": "AB"}), "serial"),
        (
            "get_ap_cpu_utilization",
            json!({"serial": "CN12AB34CD", "interval": "2min"}),
            "interval",
        ),
        (
            "get_ap_cpu_utilization",
            json!({"serial": "CN12AB34CD", "start_time": "yesterday"}),
            "start_time",
        ),
        (
            "get_ap_cpu_utilization",
            json!({"serial": "CN12AB34CD", "start_time": "1h", "end_time": "2h"}),
            "start_time",
        ),
        (
            "get_ap_cpu_utilization",
            json!({"serial": "CN12AB34CD", "start_time": "100d"}),
            "90 days",
        ),
        ("list_wlans", json!({"limit": 0}), "limit"),
        ("list_wlans", json!({"next": "a b"}), "next"),
        ("list_wlans", json!({"site_id": "bad site!"}), "site_id"),
        ("get_wlan_details", json!({"wlan_name": "  "}), "wlan_name"),
        (
            "get_wlan_details",
            json!({"wlan_name": "x".repeat(65)}),
            "wlan_name",
        ),
        ("get_top_aps_by_bandwidth", json!({"limit": 26}), "limit"),
        (
            "get_top_aps_by_bandwidth",
            json!({"time_range": "1year"}),
            "time_range",
        ),
        (
            "get_top_clients_by_usage",
            json!({"connection_type": "BOTH"}),
            "connection_type",
        ),
        (
            "get_top_clients_by_usage",
            json!({"start_time": "8d"}),
            "7 days",
        ),
        (
            "get_client_trends",
            json!({"group_by": "COLOR"}),
            "group_by",
        ),
        (
            "get_client_trends",
            json!({"end_time": "2999-01-01T00:00:00Z"}),
            "end_time",
        ),
        (
            "list_idps_threats",
            json!({"severity": "SEVERE"}),
            "severity",
        ),
        (
            "list_idps_threats",
            json!({"gateway_serial": "x"}),
            "gateway_serial",
        ),
        ("list_idps_threats", json!({"limit": 101}), "limit"),
        (
            "get_client_details",
            json!({"mac_address": "aa:bb:cc"}),
            "mac_address",
        ),
        (
            "get_client_details",
            json!({"mac_address": "gg:bb:cc:dd:ee:ff"}),
            "mac_address",
        ),
        ("find_client", json!({"query": "a"}), "query"),
        (
            "find_client",
            json!({"query": "alice", "max_pages": 11}),
            "max_pages",
        ),
        (
            "find_client",
            json!({"query": "alice", "page_size": 5}),
            "page_size",
        ),
        ("list_alerts", json!({"severity": "High"}), "severity"),
        ("list_alerts", json!({"status": "Open"}), "status"),
        ("list_alerts", json!({"limit": 101}), "limit"),
        ("list_events", json!({"client_mac": "nope"}), "client_mac"),
        (
            "list_events",
            json!({"serial_number": "CN12AB34CD", "client_mac": "aa:bb:cc:dd:ee:ff"}),
            "client_mac",
        ),
        (
            "list_events",
            json!({"site_id": "1", "start_time": "31d"}),
            "30 days",
        ),
        (
            "list_events",
            json!({"site_id": "1", "limit": 1000}),
            "limit",
        ),
        (
            "list_events",
            json!({"site_id": "1", "unknown": 1}),
            "unknown",
        ),
    ];
    for (tool, args, needle) in cases {
        let result = call(&client, tool, args.clone()).await;
        assert_eq!(
            result.is_error,
            Some(true),
            "{tool} {args}: {}",
            text(&result)
        );
        let t = text(&result);
        assert!(t.contains(needle), "{tool} {args}: {t}");
    }
    assert!(sim.journal().is_empty(), "{:?}", sim.journal());
    client.cancel().await.unwrap();
}
