//! Contract tests of the built-in Central simulator: start it on 127.0.0.1:0 and talk real
//! HTTP to it with ureq, checking what CONTRACT.md promises (token endpoint, bearer checks,
//! envelopes, pagination, filters, journal, determinism).
#![cfg(feature = "simulator")]

use std::collections::HashSet;
use std::time::Duration;

use aruba_noc_mcp::simulator::{DeviceType, Simulator, SimulatorConfig, SimulatorHandle};
use base64::Engine as _;
use serde_json::Value;

const FORM: &str = "application/x-www-form-urlencoded";

fn start(config: SimulatorConfig) -> SimulatorHandle {
    Simulator::start("127.0.0.1:0".parse().expect("addr"), config).expect("simulator starts")
}

fn start_default() -> SimulatorHandle {
    start(SimulatorConfig::default())
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent()
}

/// A parsed response: status, JSON body (Null when not JSON), headers.
struct Reply {
    status: u16,
    json: Value,
    text: String,
    headers: ureq::http::HeaderMap,
}

fn reply(resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut resp = resp.expect("request succeeds at the transport level");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        json,
        text,
        headers,
    }
}

fn token(agent: &ureq::Agent, sim: &SimulatorHandle) -> String {
    let r = reply(agent.post(sim.token_url()).send_form([
        ("grant_type", "client_credentials"),
        ("client_id", sim.client_id()),
        ("client_secret", sim.client_secret()),
    ]));
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

fn get(
    agent: &ureq::Agent,
    sim: &SimulatorHandle,
    path: &str,
    token: Option<&str>,
    query: &[(&str, &str)],
) -> Reply {
    let mut req = agent.get(format!("{}{}", sim.base_url(), path));
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    for (k, v) in query {
        req = req.query(*k, *v);
    }
    reply(req.call())
}

fn items(r: &Reply) -> Vec<Value> {
    r.json["items"].as_array().cloned().unwrap_or_default()
}

fn assert_envelope(r: &Reply, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["httpStatusCode"], status, "{}", r.text);
    assert_eq!(r.json["errorCode"], code, "{}", r.text);
    assert!(r.json["message"].as_str().is_some_and(|m| !m.is_empty()));
    let debug = r.json["debugId"].as_str().expect("debugId");
    assert_eq!(debug.len(), 32, "{debug}");
    assert!(debug.chars().all(|c| c.is_ascii_hexdigit()));
}

// === token endpoint ===

#[test]
fn token_with_form_credentials() {
    let sim = start_default();
    let agent = agent();
    let r = reply(agent.post(sim.token_url()).send_form([
        ("grant_type", "client_credentials"),
        ("client_id", "sim-client-id"),
        ("client_secret", "sim-client-secret"),
    ]));
    assert_eq!(r.status, 200);
    assert_eq!(r.json["token_type"], "Bearer");
    assert_eq!(r.json["expires_in"], 7200);
    let tok = r.json["access_token"].as_str().expect("token");
    assert!(tok.len() >= 32);
    assert!(
        r.headers
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("application/json"))
    );
}

#[test]
fn token_with_basic_auth() {
    let sim = start_default();
    let agent = agent();
    let basic = base64::engine::general_purpose::STANDARD.encode("sim-client-id:sim-client-secret");
    let r = reply(
        agent
            .post(sim.token_url())
            .header("Authorization", format!("Basic {basic}"))
            .content_type(FORM)
            .send("grant_type=client_credentials"),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let tok = r.json["access_token"].as_str().expect("token").to_string();
    // The token works on the API.
    let r = get(
        &agent,
        &sim,
        "/network-monitoring/v1/devices",
        Some(&tok),
        &[("limit", "1")],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn token_errors() {
    let sim = start_default();
    let agent = agent();
    let wrong = reply(agent.post(sim.token_url()).send_form([
        ("grant_type", "client_credentials"),
        ("client_id", "sim-client-id"),
        ("client_secret", "nope"),
    ]));
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json["error"], "invalid_client");
    assert_eq!(
        wrong.json["error_description"],
        "Invalid client or Invalid client credentials"
    );

    let basic = base64::engine::general_purpose::STANDARD.encode("someone:else");
    let wrong_basic = reply(
        agent
            .post(sim.token_url())
            .header("Authorization", format!("Basic {basic}"))
            .content_type(FORM)
            .send("grant_type=client_credentials"),
    );
    assert_eq!(wrong_basic.status, 401);
    assert_eq!(wrong_basic.json["error"], "invalid_client");

    let bad_grant = reply(agent.post(sim.token_url()).send_form([
        ("grant_type", "password"),
        ("client_id", "sim-client-id"),
        ("client_secret", "sim-client-secret"),
    ]));
    assert_eq!(bad_grant.status, 400);
    assert_eq!(bad_grant.json["error"], "unsupported_grant_type");

    let no_grant = reply(
        agent
            .post(sim.token_url())
            .content_type(FORM)
            .send("client_id=sim-client-id&client_secret=sim-client-secret"),
    );
    assert_eq!(no_grant.status, 400);
    assert_eq!(no_grant.json["error"], "unsupported_grant_type");

    let no_auth = reply(
        agent
            .post(sim.token_url())
            .send_form([("grant_type", "client_credentials")]),
    );
    assert_eq!(no_auth.status, 400);
    assert_eq!(no_auth.json["error"], "invalid_request");

    let get_token = reply(agent.get(sim.token_url()).call());
    assert_envelope(&get_token, 405, "HPE_GL_ERROR_METHOD_NOT_ALLOWED");
    assert_eq!(
        get_token.headers.get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );
}

// === bearer validation ===

#[test]
fn api_requires_a_valid_bearer_token() {
    let sim = start_default();
    let agent = agent();
    let none = get(&agent, &sim, "/network-monitoring/v1/devices", None, &[]);
    assert_envelope(&none, 401, "HPE_GL_ERROR_UNAUTHORIZED");
    let bogus = get(
        &agent,
        &sim,
        "/network-monitoring/v1/devices",
        Some("not-a-token"),
        &[],
    );
    assert_envelope(&bogus, 401, "HPE_GL_ERROR_UNAUTHORIZED");
    // Unknown /network-* paths are also behind authentication.
    let unknown = get(&agent, &sim, "/network-monitoring/v1/nothing", None, &[]);
    assert_envelope(&unknown, 401, "HPE_GL_ERROR_UNAUTHORIZED");
}

#[test]
fn expired_token_is_rejected() {
    let sim = start(SimulatorConfig {
        token_lifetime: Duration::from_secs(1),
        ..SimulatorConfig::default()
    });
    let agent = agent();
    let r = reply(agent.post(sim.token_url()).send_form([
        ("grant_type", "client_credentials"),
        ("client_id", sim.client_id()),
        ("client_secret", sim.client_secret()),
    ]));
    assert_eq!(r.json["expires_in"], 1);
    let tok = r.json["access_token"].as_str().expect("token").to_string();
    let ok = get(&agent, &sim, "/network-monitoring/v1/aps", Some(&tok), &[]);
    assert_eq!(ok.status, 200);
    std::thread::sleep(Duration::from_millis(1200));
    let expired = get(&agent, &sim, "/network-monitoring/v1/aps", Some(&tok), &[]);
    assert_envelope(&expired, 401, "HPE_GL_ERROR_UNAUTHORIZED");
    assert!(
        expired.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("expired"))
    );
}

// === sites-health ===

#[test]
fn sites_health_happy_path_and_offset_pagination() {
    let sim = start_default();
    let agent = agent();
    let tok = token(&agent, &sim);
    let ds = sim.dataset();
    let path = "/network-monitoring/v1/sites-health";

    let all = get(&agent, &sim, path, Some(&tok), &[]);
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.json["total"], ds.sites.len());
    assert_eq!(all.json["count"], ds.sites.len());
    assert_eq!(all.json["offset"], 0);
    assert_eq!(all.json["response"]["status"], "SUCCESS");
    assert_eq!(all.json["response"]["code"], "SITE-HEALTH-SUCCESS-001");
    for item in items(&all) {
        for key in [
            "id", "type", "siteName", "address", "health", "devices", "clients", "alerts",
            "reasons",
        ] {
            assert!(item.get(key).is_some(), "missing {key} in {item}");
        }
        assert_eq!(item["type"], "network-monitoring/sites-health");
        assert!(item["address"]["city"].is_string());
        assert!(item["health"]["groups"].is_array());
        let id = item["id"].as_str().expect("id");
        let devices = ds.devices.iter().filter(|d| d.site_id == id).count();
        assert_eq!(item["devices"]["count"], devices);
        let clients = ds.clients.iter().filter(|c| c.site_id == id).count();
        assert_eq!(item["clients"]["count"], clients);
    }

    // Offset walk, two at a time.
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let off = offset.to_string();
        let page = get(
            &agent,
            &sim,
            path,
            Some(&tok),
            &[("limit", "2"), ("offset", off.as_str())],
        );
        assert_eq!(page.status, 200);
        assert_eq!(page.json["offset"], offset);
        assert_eq!(page.json["total"], ds.sites.len());
        let got = items(&page);
        if got.is_empty() {
            break;
        }
        assert!(got.len() <= 2);
        seen.extend(
            got.into_iter()
                .map(|i| i["id"].as_str().unwrap_or("").to_string()),
        );
        offset += 2;
    }
    assert_eq!(seen.len(), ds.sites.len());
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), ds.sites.len());

    // Filter on a site name (with a space: exercises query decoding).
    let name = ds.sites[0].name.clone();
    let filter = format!("siteName eq '{name}'");
    let one = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[("filter", filter.as_str())],
    );
    assert_eq!(one.json["total"], 1);
    assert_eq!(items(&one)[0]["siteName"], name.as_str());
    let by_id = format!("siteId eq '{}'", ds.sites[1].id);
    let one = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[("filter", by_id.as_str())],
    );
    assert_eq!(items(&one)[0]["id"], ds.sites[1].id.as_str());

    // Bad parameters.
    let bad = get(&agent, &sim, path, Some(&tok), &[("limit", "0")]);
    assert_envelope(&bad, 400, "HPE_GL_NETWORK_MONITORING_INVALID_INPUT");
    let bad = get(&agent, &sim, path, Some(&tok), &[("limit", "1001")]);
    assert_envelope(&bad, 400, "HPE_GL_NETWORK_MONITORING_INVALID_INPUT");
    let bad = get(&agent, &sim, path, Some(&tok), &[("offset", "abc")]);
    assert_envelope(&bad, 400, "HPE_GL_NETWORK_MONITORING_INVALID_INPUT");
    assert!(
        bad.json["message"]
            .as_str()
            .unwrap_or("")
            .contains("offset")
    );
}

// === devices ===

#[test]
fn devices_happy_path_and_headers() {
    let sim = start_default();
    let agent = agent();
    let tok = token(&agent, &sim);
    let r = get(
        &agent,
        &sim,
        "/network-monitoring/v1/devices",
        Some(&tok),
        &[],
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        assert!(r.headers.get(h).is_some(), "missing {h}");
    }
    let ds = sim.dataset();
    assert_eq!(r.json["total"], ds.devices.len());
    assert_eq!(r.json["count"], ds.devices.len());
    assert_eq!(r.json["next"], Value::Null);
    let list = items(&r);
    let types: HashSet<_> = list
        .iter()
        .map(|i| i["deviceType"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(types, HashSet::from(["ACCESS_POINT", "SWITCH", "GATEWAY"]));
    for item in &list {
        for key in [
            "id",
            "type",
            "serialNumber",
            "macAddress",
            "deviceName",
            "deviceType",
            "siteId",
            "siteName",
            "model",
            "status",
            "firmwareVersion",
            "ipv4",
            "uptimeInMillis",
            "lastSeenAt",
        ] {
            assert!(item.get(key).is_some(), "missing {key}");
        }
        assert_eq!(item["id"], item["serialNumber"]);
        assert_eq!(item["type"], "network-monitoring/device-monitoring");
        match item["status"].as_str() {
            Some("ONLINE") => {
                assert!(item["uptimeInMillis"].is_number() && item["lastSeenAt"].is_null())
            }
            Some("OFFLINE") => {
                assert!(item["uptimeInMillis"].is_null() && item["lastSeenAt"].is_string())
            }
            other => panic!("bad status {other:?}"),
        }
    }
    assert!(list.iter().any(|i| i["status"] == "OFFLINE"));
}

#[test]
fn devices_cursor_walk_limit_7() {
    let sim = start_default();
    let agent = agent();
    let tok = token(&agent, &sim);
    let mut serials = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    let mut total;
    loop {
        let mut q = vec![("limit", "7".to_string())];
        if let Some(n) = &next {
            q.push(("next", n.clone()));
        }
        let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = get(
            &agent,
            &sim,
            "/network-monitoring/v1/devices",
            Some(&tok),
            &q,
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let page = items(&r);
        assert_eq!(r.json["count"], page.len());
        assert!(page.len() <= 7);
        total = r.json["total"].as_u64().expect("total") as usize;
        serials.extend(
            page.iter()
                .map(|i| i["serialNumber"].as_str().unwrap_or("").to_string()),
        );
        pages += 1;
        match &r.json["next"] {
            Value::String(n) => {
                assert_eq!(n, &(pages + 1).to_string());
                next = Some(n.clone());
            }
            Value::Null => break,
            other => panic!("next must be a string or null, got {other}"),
        }
        assert!(pages < 100, "runaway pagination");
    }
    assert_eq!(serials.len(), total);
    assert_eq!(serials.iter().collect::<HashSet<_>>().len(), total);
    assert_eq!(pages, total.div_ceil(7));
    assert_eq!(total, sim.dataset().devices.len());

    // Bad cursor parameters.
    for (k, v) in [
        ("next", "0"),
        ("next", "abc"),
        ("limit", "1001"),
        ("limit", "x"),
    ] {
        let r = get(
            &agent,
            &sim,
            "/network-monitoring/v1/devices",
            Some(&tok),
            &[(k, v)],
        );
        assert_envelope(&r, 400, "HPE_GL_NETWORK_MONITORING_INVALID_INPUT");
        assert!(
            r.json["message"].as_str().unwrap_or("").contains(k),
            "{}",
            r.text
        );
    }
}

#[test]
fn devices_filters() {
    let sim = start_default();
    let agent = agent();
    let tok = token(&agent, &sim);
    let ds = sim.dataset();
    let path = "/network-monitoring/v1/devices";

    let r = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[("filter", "deviceType eq 'SWITCH'")],
    );
    let switches = ds.devices_of_type(DeviceType::Switch).count();
    assert_eq!(r.json["total"], switches);
    assert!(items(&r).iter().all(|i| i["deviceType"] == "SWITCH"));

    let r = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[("filter", "deviceType in ('SWITCH', 'GATEWAY')")],
    );
    let expected = switches + ds.devices_of_type(DeviceType::Gateway).count();
    assert_eq!(r.json["total"], expected);

    let site = &ds.sites[0];
    let f = format!(
        "siteId eq '{}' and status eq 'ONLINE' and deviceType eq 'ACCESS_POINT'",
        site.id
    );
    let r = get(&agent, &sim, path, Some(&tok), &[("filter", f.as_str())]);
    let expected = ds
        .devices
        .iter()
        .filter(|d| {
            d.site_id == site.id && d.status.is_online() && d.device_type == DeviceType::AccessPoint
        })
        .count();
    assert_eq!(r.json["total"], expected);
    assert!(expected > 0);

    // Status values are case-sensitive, as documented.
    let r = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[("filter", "status eq 'online'")],
    );
    assert_eq!(r.json["total"], 0);

    for bad in [
        "color eq 'red'",
        "status ne 'ONLINE'",
        "status eq 'ONLINE' or status eq 'OFFLINE'",
        "status eq ONLINE",
        "status eq 'ONLINE",
    ] {
        let r = get(&agent, &sim, path, Some(&tok), &[("filter", bad)]);
        assert_envelope(&r, 400, "HPE_GL_NETWORK_MONITORING_INVALID_INPUT");
    }
    let r = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[("filter", "color eq 'red'")],
    );
    assert!(r.json["message"].as_str().unwrap_or("").contains("color"));
    let long = format!("deviceName eq '{}'", "a".repeat(300));
    let r = get(&agent, &sim, path, Some(&tok), &[("filter", long.as_str())]);
    assert_envelope(&r, 400, "HPE_GL_NETWORK_MONITORING_INVALID_INPUT");
}

#[test]
fn devices_sort() {
    let sim = start_default();
    let agent = agent();
    let tok = token(&agent, &sim);
    let r = get(
        &agent,
        &sim,
        "/network-monitoring/v1/devices",
        Some(&tok),
        &[("sort", "deviceName desc")],
    );
    let names: Vec<String> = items(&r)
        .iter()
        .map(|i| i["deviceName"].as_str().unwrap_or("").to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(names, sorted);
    let r = get(
        &agent,
        &sim,
        "/network-monitoring/v1/devices",
        Some(&tok),
        &[("sort", "color asc")],
    );
    assert_envelope(&r, 400, "HPE_GL_NETWORK_MONITORING_INVALID_INPUT");
}

// === aps ===

#[test]
fn aps_list_and_detail() {
    let sim = start_default();
    let agent = agent();
    let tok = token(&agent, &sim);
    let ds = sim.dataset();
    let aps: Vec<_> = ds.devices_of_type(DeviceType::AccessPoint).collect();

    let r = get(&agent, &sim, "/network-monitoring/v1/aps", Some(&tok), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.json["count"], 20, "default limit is 20");
    assert_eq!(r.json["total"], aps.len());
    assert_eq!(r.json["next"], "2");
    for item in items(&r) {
        assert_eq!(item["type"], "network-monitoring/access-point-monitoring");
        for key in [
            "serialNumber",
            "macAddress",
            "deviceName",
            "siteId",
            "status",
            "model",
            "clientCount",
            "cpuUtilization",
        ] {
            assert!(item.get(key).is_some(), "missing {key}");
        }
        assert!(
            aps.iter()
                .any(|a| item["serialNumber"] == a.serial_number.as_str())
        );
    }
    let r = get(
        &agent,
        &sim,
        "/network-monitoring/v1/aps",
        Some(&tok),
        &[("filter", "status eq 'OFFLINE'")],
    );
    assert!(
        items(&r)
            .iter()
            .all(|i| i["status"] == "OFFLINE" && i["uptimeInMillis"].is_null())
    );

    let ap = aps
        .iter()
        .find(|a| a.status.is_online())
        .expect("online AP");
    let r = get(
        &agent,
        &sim,
        &format!("/network-monitoring/v1/aps/{}", ap.serial_number),
        Some(&tok),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["serialNumber"], ap.serial_number.as_str());
    assert!(r.json["radios"].as_array().is_some_and(|r| r.len() >= 2));
    assert!(r.json["radios"][0]["band"].is_string());
    assert!(r.json["radios"][0]["radioNumber"].is_number());
    assert!(r.json["ports"].as_array().is_some_and(|p| !p.is_empty()));
    assert_eq!(r.json["ports"][0]["name"], "eth0");
    assert!(r.json["apStats"]["cpuUtilization"].is_number());
    assert_eq!(r.json["apStats"]["clientCount"], ap.client_count);
    assert!(r.json["modem"].is_object());

    // Percent-encoded path segments are decoded before matching.
    let encoded: String = ap
        .serial_number
        .chars()
        .map(|c| format!("%{:02X}", c as u32))
        .collect();
    let r = get(
        &agent,
        &sim,
        &format!("/network-monitoring/v1/aps/{encoded}"),
        Some(&tok),
        &[],
    );
    assert_eq!(r.status, 200);

    let r = get(
        &agent,
        &sim,
        "/network-monitoring/v1/aps/ZZ00000000",
        Some(&tok),
        &[],
    );
    assert_envelope(&r, 404, "HPE_GL_ERROR_NOT_FOUND");
    let switch = ds
        .devices_of_type(DeviceType::Switch)
        .next()
        .expect("switch");
    let r = get(
        &agent,
        &sim,
        &format!("/network-monitoring/v1/aps/{}", switch.serial_number),
        Some(&tok),
        &[],
    );
    assert_envelope(&r, 404, "HPE_GL_ERROR_NOT_FOUND");
}

// === clients ===

#[test]
fn clients_require_a_site_and_filter() {
    let sim = start_default();
    let agent = agent();
    let tok = token(&agent, &sim);
    let ds = sim.dataset();
    let path = "/network-monitoring/v1/clients";

    let r = get(&agent, &sim, path, Some(&tok), &[]);
    assert_envelope(&r, 400, "HPE_GL_NETWORK_MONITORING_INVALID_INPUT");
    assert!(r.json["message"].as_str().unwrap_or("").contains("site-id"));

    let site = &ds.sites[0];
    let connected = ds
        .clients
        .iter()
        .filter(|c| c.site_id == site.id && c.status.api_name() == "Connected")
        .count();
    let r = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[("site-id", site.id.as_str()), ("limit", "1000")],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["total"], connected);
    for item in items(&r) {
        assert_eq!(item["status"], "Connected");
        assert_eq!(item["siteId"], site.id.as_str());
        for key in [
            "id",
            "type",
            "macAddress",
            "clientName",
            "clientConnectionType",
            "connectedDeviceSerial",
            "ipv4",
            "userName",
            "vlanId",
        ] {
            assert!(item.get(key).is_some(), "missing {key}");
        }
        assert_eq!(item["type"], "network-monitoring/client-monitoring");
    }
    // Default page size is 100.
    let r = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[("site-id", site.id.as_str())],
    );
    assert_eq!(r.json["count"], connected.min(100));

    // site-name works (the name has a space) and gives the same clients.
    let by_name = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[("site-name", site.name.as_str()), ("limit", "1000")],
    );
    assert_eq!(by_name.json["total"], connected);

    // Unknown site: empty list, not an error.
    let r = get(&agent, &sim, path, Some(&tok), &[("site-id", "11111111")]);
    assert_eq!(r.status, 200);
    assert_eq!(r.json["total"], 0);
    assert_eq!(r.json["next"], Value::Null);

    // Explicit status filter replaces the default.
    let all = ds.clients.iter().filter(|c| c.site_id == site.id).count();
    let r = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[
            ("site-id", site.id.as_str()),
            ("filter", "status in ('Connected', 'Failed')"),
            ("limit", "1000"),
        ],
    );
    assert_eq!(r.json["total"], all);

    // Wired only, plus the connected-device parameter.
    let r = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[
            ("site-id", site.id.as_str()),
            ("filter", "clientConnectionType eq 'Wired'"),
            ("limit", "1000"),
        ],
    );
    assert!(
        items(&r)
            .iter()
            .all(|i| i["clientConnectionType"] == "Wired")
    );
    let client = ds
        .clients
        .iter()
        .find(|c| c.site_id == site.id && c.status.api_name() == "Connected")
        .expect("a connected client");
    let r = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[
            ("site-id", site.id.as_str()),
            ("serial-number", client.connected_device_serial.as_str()),
        ],
    );
    assert!(
        items(&r)
            .iter()
            .all(|i| i["connectedDeviceSerial"] == client.connected_device_serial.as_str())
    );
    assert!(
        items(&r)
            .iter()
            .any(|i| i["macAddress"] == client.mac_address.as_str())
    );

    // Time window accepted; sort validated.
    let r = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[
            ("site-id", site.id.as_str()),
            ("start-at", "2026-07-01T00:00:00.000Z"),
            ("end-at", "2026-07-30T00:00:00.000Z"),
            ("sort", "clientName asc"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[("site-id", site.id.as_str()), ("sort", "bogus")],
    );
    assert_envelope(&r, 400, "HPE_GL_NETWORK_MONITORING_INVALID_INPUT");
    let r = get(
        &agent,
        &sim,
        path,
        Some(&tok),
        &[("site-id", site.id.as_str()), ("filter", "siteId eq '1'")],
    );
    assert_envelope(&r, 400, "HPE_GL_NETWORK_MONITORING_INVALID_INPUT");
}

// === routing errors ===

#[test]
fn unknown_path_and_wrong_method() {
    let sim = start_default();
    let agent = agent();
    let tok = token(&agent, &sim);
    let r = get(
        &agent,
        &sim,
        "/network-monitoring/v1/nothing-here",
        Some(&tok),
        &[],
    );
    assert_envelope(&r, 404, "HPE_GL_ERROR_NOT_FOUND");
    let r = get(&agent, &sim, "/elsewhere", None, &[]);
    assert_envelope(&r, 404, "HPE_GL_ERROR_NOT_FOUND");
    let r = reply(
        agent
            .post(format!("{}/network-monitoring/v1/devices", sim.base_url()))
            .header("Authorization", format!("Bearer {tok}"))
            .content_type("application/json")
            .send("{}"),
    );
    assert_envelope(&r, 405, "HPE_GL_ERROR_METHOD_NOT_ALLOWED");
}

#[test]
fn oversized_body_is_refused() {
    let sim = start_default();
    let agent = agent();
    let big = vec![b'a'; 2 * 1024 * 1024];
    // The server answers 413 without reading the body; the client may see the answer or a
    // broken connection, but the journal always records the 413.
    if let Ok(resp) = agent
        .post(sim.token_url())
        .content_type(FORM)
        .send(&big[..])
    {
        assert_eq!(resp.status().as_u16(), 413);
    }
    assert!(
        sim.journal()
            .iter()
            .any(|e| e.status == 413 && e.body.is_none())
    );
}

// === journal and admin ===

#[test]
fn journal_records_requests() {
    let sim = start_default();
    let agent = agent();
    let tok = token(&agent, &sim);
    let site_name = sim.dataset().sites[0].name.clone();
    get(
        &agent,
        &sim,
        "/network-monitoring/v1/clients",
        Some(&tok),
        &[
            ("site-name", site_name.as_str()),
            ("filter", "status eq 'Failed'"),
        ],
    );
    get(&agent, &sim, "/network-monitoring/v1/devices", None, &[]);

    let journal = sim.journal();
    assert_eq!(journal.len(), 3, "{journal:?}");
    let tok_entry = &journal[0];
    assert_eq!(tok_entry.method, "POST");
    assert_eq!(tok_entry.path, "/as/token.oauth2");
    assert_eq!(tok_entry.status, 200);
    assert_eq!(tok_entry.content_type.as_deref(), Some(FORM));
    assert!(
        tok_entry
            .body
            .as_deref()
            .is_some_and(|b| b.contains("grant_type=client_credentials"))
    );

    let clients = &journal[1];
    assert_eq!(clients.method, "GET");
    assert_eq!(clients.path, "/network-monitoring/v1/clients");
    assert_eq!(
        clients.query,
        vec![
            ("site-name".to_string(), site_name.clone()),
            ("filter".to_string(), "status eq 'Failed'".to_string()),
        ]
    );
    assert_eq!(
        clients.authorization.as_deref(),
        Some(format!("Bearer {tok}").as_str())
    );
    assert_eq!(clients.status, 200);
    assert!(clients.body.is_none());
    assert!(clients.at_unix_ms > 0);

    let unauth = &journal[2];
    assert_eq!(unauth.status, 401);
    assert_eq!(unauth.authorization, None);

    // Admin endpoints: JSON journal, not journaled themselves.
    let r = reply(
        agent
            .get(format!("{}/_simulator/journal", sim.base_url()))
            .call(),
    );
    assert_eq!(r.status, 200);
    let entries = r.json.as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[1]["path"], "/network-monitoring/v1/clients");
    assert_eq!(entries[1]["query"][1][1], "status eq 'Failed'");

    let r = reply(
        agent
            .get(format!("{}/_simulator/dataset", sim.base_url()))
            .call(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json["clientCount"], sim.dataset().clients.len());
    assert_eq!(
        r.json["sites"].as_array().map(Vec::len),
        Some(sim.dataset().sites.len())
    );
    assert_eq!(
        r.json["devices"].as_array().map(Vec::len),
        Some(sim.dataset().devices.len())
    );
    assert_eq!(sim.journal().len(), 3);

    let r = reply(
        agent
            .delete(format!("{}/_simulator/journal", sim.base_url()))
            .call(),
    );
    assert_eq!(r.status, 204);
    assert!(sim.journal().is_empty());
    get(&agent, &sim, "/network-monitoring/v1/aps", Some(&tok), &[]);
    assert_eq!(sim.journal().len(), 1);
    sim.clear_journal();
    assert!(sim.journal().is_empty());
}

#[test]
fn keep_alive_connection_serves_many_requests() {
    let sim = start_default();
    let agent = agent();
    let tok = token(&agent, &sim);
    for _ in 0..50 {
        let r = get(
            &agent,
            &sim,
            "/network-monitoring/v1/aps",
            Some(&tok),
            &[("limit", "5")],
        );
        assert_eq!(r.status, 200);
    }
    assert_eq!(sim.journal().len(), 51);
}

// === determinism ===

/// The `/devices` body and a `/clients` body of a fresh simulator, with its snapshot instant.
fn bodies(seed: u64) -> (u64, String) {
    let sim = start(SimulatorConfig {
        seed,
        ..SimulatorConfig::default()
    });
    let agent = agent();
    let tok = token(&agent, &sim);
    let r = get(
        &agent,
        &sim,
        "/network-monitoring/v1/devices",
        Some(&tok),
        &[],
    );
    assert_eq!(r.status, 200);
    let clients = get(
        &agent,
        &sim,
        "/network-monitoring/v1/clients",
        Some(&tok),
        &[("site-id", sim.dataset().sites[0].id.as_str())],
    );
    (
        sim.dataset().snapshot_unix_ms,
        format!("{}\n{}", r.text, clients.text),
    )
}

#[test]
fn same_seed_same_bodies_different_seed_different_bodies() {
    // Timestamps are anchored to the start of the current UTC hour: retry if the two
    // simulators happened to start on either side of an hour boundary.
    let mut attempts = 0;
    let (a, b) = loop {
        attempts += 1;
        let (ta, a) = bodies(42);
        let (tb, b) = bodies(42);
        if ta == tb || attempts == 3 {
            break (a, b);
        }
    };
    assert_eq!(a, b);
    let (_, c) = bodies(43);
    assert_ne!(a, c);
}

#[test]
fn shutdown_stops_serving() {
    let sim = start_default();
    let url = sim.token_url();
    sim.shutdown();
    let agent = agent();
    let r = agent
        .post(url)
        .send_form([("grant_type", "client_credentials")]);
    assert!(r.is_err(), "the port must be closed after shutdown");
}
