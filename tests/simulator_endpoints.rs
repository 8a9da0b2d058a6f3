//! Integration tests of the simulator routes added for the NOC tool catalogue (CONTRACT
//! §5.1–§5.13, §6): real HTTP over loopback with ureq, checking shapes, pagination, the
//! documented errors of each API family, consistency across endpoints and the async task
//! lifecycle.
#![cfg(feature = "simulator")]

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aruba_noc_mcp::simulator::{
    ClientStatus, ConnectionType, Dataset, DeviceStatus, DeviceType, Simulator, SimulatorConfig,
    SimulatorHandle,
};
use serde_json::{Value, json};

/// A running simulator, an agent and a token.
struct Api {
    sim: SimulatorHandle,
    agent: ureq::Agent,
    token: String,
}

/// A parsed response.
struct Reply {
    status: u16,
    json: Value,
    text: String,
}

fn reply(resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut resp = resp.expect("request succeeds at the transport level");
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply { status, json, text }
}

impl Api {
    fn start() -> Self {
        let sim = Simulator::start(
            "127.0.0.1:0".parse().expect("addr"),
            SimulatorConfig::default(),
        )
        .expect("simulator starts");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .new_agent();
        let r = reply(agent.post(sim.token_url()).send_form([
            ("grant_type", "client_credentials"),
            ("client_id", sim.client_id()),
            ("client_secret", sim.client_secret()),
        ]));
        assert_eq!(r.status, 200, "{}", r.text);
        let token = r.json["access_token"].as_str().expect("token").to_string();
        Self { sim, agent, token }
    }

    fn ds(&self) -> std::sync::Arc<Dataset> {
        self.sim.dataset()
    }

    fn get(&self, path: &str, query: &[(&str, &str)]) -> Reply {
        let mut req = self
            .agent
            .get(format!("{}{}", self.sim.base_url(), path))
            .header("Authorization", format!("Bearer {}", self.token));
        for (k, v) in query {
            req = req.query(*k, *v);
        }
        reply(req.call())
    }

    fn ok(&self, path: &str, query: &[(&str, &str)]) -> Value {
        let r = self.get(path, query);
        assert_eq!(r.status, 200, "GET {path} {query:?}: {}", r.text);
        r.json
    }

    fn post(&self, path: &str, body: &str) -> Reply {
        reply(
            self.agent
                .post(format!("{}{}", self.sim.base_url(), path))
                .header("Authorization", format!("Bearer {}", self.token))
                .content_type("application/json")
                .send(body),
        )
    }

    /// Walk a cursor-paged list with `limit`, checking `count`/`total`/`next` on every page.
    fn walk(&self, path: &str, limit: usize, extra: &[(&str, &str)]) -> Vec<Value> {
        let mut all = Vec::new();
        let mut next = "1".to_string();
        let limit_s = limit.to_string();
        loop {
            let mut q: Vec<(&str, &str)> = extra.to_vec();
            q.push(("limit", &limit_s));
            q.push(("next", &next));
            let v = self.ok(path, &q);
            let items = v["items"].as_array().cloned().unwrap_or_default();
            assert!(items.len() <= limit);
            assert_eq!(v["count"], json!(items.len()), "{path}");
            all.extend(items);
            match &v["next"] {
                Value::String(n) => next = n.clone(),
                Value::Null => {
                    assert_eq!(v["total"], json!(all.len()), "{path}");
                    return all;
                }
                other => panic!("bad next {other}"),
            }
        }
    }
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

fn assert_error(r: &Reply, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["httpStatusCode"], status, "{}", r.text);
    assert_eq!(r.json["errorCode"], code, "{}", r.text);
    assert!(r.json["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(r.json["debugId"].as_str().map(str::len), Some(32));
}

const INVALID: &str = "HPE_GL_NETWORK_MONITORING_INVALID_INPUT";
const NOT_FOUND: &str = "HPE_GL_ERROR_NOT_FOUND";

fn has_fields(v: &Value, fields: &[&str]) {
    for f in fields {
        assert!(v.get(f).is_some(), "missing {f} in {v}");
    }
}

fn rfc3339(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;

// === §5.1 health ===

#[test]
fn site_health_detail_and_tenant_device_health() {
    let api = Api::start();
    let ds = api.ds();
    let site = &ds.sites[0];
    let v = api.ok(
        &format!("/network-monitoring/v1/site-health/{}", site.id),
        &[],
    );
    has_fields(
        &v,
        &[
            "id",
            "type",
            "response",
            "reasons",
            "health",
            "deviceTypes",
            "clientTypes",
            "compute",
        ],
    );
    assert_eq!(v["id"], site.id.as_str());
    assert_eq!(v["type"], "network-monitoring/site-health");
    // Device-type buckets add up to the site's devices.
    let sum = |arr: &Value| -> u64 {
        arr.as_array()
            .map(|a| {
                a.iter()
                    .flat_map(|t| {
                        t["health"]["groups"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default()
                    })
                    .filter_map(|g| g["value"].as_u64())
                    .sum()
            })
            .unwrap_or(0)
    };
    let devices = ds.devices.iter().filter(|d| d.site_id == site.id).count() as u64;
    let clients = ds.clients.iter().filter(|c| c.site_id == site.id).count() as u64;
    assert_eq!(sum(&v["deviceTypes"]), devices);
    assert_eq!(sum(&v["clientTypes"]), clients);
    // Same health as the sites-health item.
    let list = api.ok(
        "/network-monitoring/v1/sites-health",
        &[("filter", &format!("siteId eq '{}'", site.id))],
    );
    assert_eq!(items(&list)[0]["health"], v["health"]);

    let r = api.get("/network-monitoring/v1/site-health/00000000", &[]);
    assert_error(&r, 404, NOT_FOUND);

    let t = api.ok("/network-monitoring/v1/tenant-device-health", &[]);
    assert_eq!(t["type"], "network-monitoring/tenant-device-health");
    assert_eq!(sum(&t["deviceTypes"]), ds.devices.len() as u64);
    let names: Vec<&str> = t["deviceTypes"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["Access Points", "Switches", "Gateways"]);
}

#[test]
fn sites_device_and_client_health_offset_paging() {
    let api = Api::start();
    let n = api.ds().sites.len();
    for path in [
        "/network-monitoring/v1/sites-device-health",
        "/network-monitoring/v1/sites-client-health",
    ] {
        let mut seen = Vec::new();
        let mut offset = 0;
        while offset < n {
            let off = offset.to_string();
            let v = api.ok(path, &[("limit", "4"), ("offset", &off)]);
            assert_eq!(v["offset"], json!(offset));
            assert_eq!(v["total"], json!(n));
            seen.extend(items(&v));
            offset += 4;
        }
        assert_eq!(seen.len(), n);
        let names: Vec<String> = seen
            .iter()
            .filter_map(|i| i["siteName"].as_str().map(String::from))
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "default sort siteName ASC");
        assert_error(&api.get(path, &[("limit", "1001")]), 400, INVALID);
        assert_error(&api.get(path, &[("sort", "bogus")]), 400, INVALID);
    }
    let v = api.ok(
        "/network-monitoring/v1/sites-device-health",
        &[("sort", "apHealth DESC")],
    );
    assert!(items(&v)[0]["deviceTypes"].is_array());
    let v = api.ok(
        "/network-monitoring/v1/sites-client-health",
        &[("sort", "wiredClientHealth ASC")],
    );
    assert!(items(&v)[0]["clientTypes"].is_array());
}

// === §5.2 device inventory ===

#[test]
fn device_inventory_paging_filters_and_site_assigned() {
    let api = Api::start();
    let ds = api.ds();
    let all = api.walk("/network-monitoring/v1/device-inventory", 7, &[]);
    assert_eq!(all.len(), ds.devices.len() + ds.unassigned.len());
    assert!(!ds.unassigned.is_empty());
    let serials: HashSet<&str> = all
        .iter()
        .filter_map(|i| i["serialNumber"].as_str())
        .collect();
    assert_eq!(serials.len(), all.len());
    has_fields(
        &all[0],
        &[
            "id",
            "type",
            "serialNumber",
            "macAddress",
            "deviceName",
            "deviceType",
            "siteId",
            "isProvisioned",
            "tier",
            "deviceGroupName",
            "scopeId",
        ],
    );
    // Every monitored device is in the inventory with the same identity.
    for d in &ds.devices {
        let i = all
            .iter()
            .find(|i| i["serialNumber"] == d.serial_number.as_str())
            .expect("listed");
        assert_eq!(i["siteId"], d.site_id.as_str());
        assert_eq!(i["isProvisioned"], "YES");
    }
    // Default limit is 20.
    assert_eq!(
        items(&api.ok("/network-monitoring/v1/device-inventory", &[])).len(),
        20
    );
    let v = api.ok(
        "/network-monitoring/v1/device-inventory",
        &[("filter", "deviceType eq 'SWITCH'"), ("limit", "1000")],
    );
    assert!(items(&v).iter().all(|i| i["deviceType"] == "SWITCH"));
    let v = api.ok(
        "/network-monitoring/v1/device-inventory",
        &[("site-assigned", "UNASSIGNED"), ("limit", "1000")],
    );
    assert_eq!(v["total"], json!(ds.unassigned.len()));
    for i in items(&v) {
        assert_eq!(i["siteId"], Value::Null);
        assert_eq!(i["isProvisioned"], "NO");
        // Not on-boarded: not a monitored device.
        let sn = i["serialNumber"].as_str().unwrap_or("");
        let r = api.ok(
            "/network-monitoring/v1/devices",
            &[("filter", &format!("serialNumber eq '{sn}'"))],
        );
        assert_eq!(r["total"], 0);
    }
    let v = api.ok(
        "/network-monitoring/v1/device-inventory",
        &[
            ("site-assigned", "ASSIGNED"),
            ("filter", "isProvisioned eq 'NO'"),
        ],
    );
    assert_eq!(v["total"], 0);
    let r = api.get(
        "/network-monitoring/v1/device-inventory",
        &[("site-assigned", "maybe")],
    );
    assert_error(&r, 400, INVALID);
    let r = api.get(
        "/network-monitoring/v1/device-inventory",
        &[("limit", "1001")],
    );
    assert_error(&r, 400, INVALID);
    let r = api.get(
        "/network-monitoring/v1/device-inventory",
        &[("filter", "status eq 'ONLINE'")],
    );
    assert_error(&r, 400, INVALID);
}

// === §5.4 switches ===

#[test]
fn switches_list_detail_and_interfaces() {
    let api = Api::start();
    let ds = api.ds();
    let list = api.walk("/network-monitoring/v1/switches", 4, &[]);
    assert_eq!(list.len(), ds.devices_of_type(DeviceType::Switch).count());
    for s in &list {
        assert_eq!(s["type"], "switch");
        assert!(s["status"] == "Online" || s["status"] == "Offline");
        assert!(s["lastSeenAt"].is_number(), "epoch seconds");
        assert!(s["switchTrends"].is_object());
    }
    // A switch that has wired clients: detail and its client's port.
    let client = ds
        .clients
        .iter()
        .find(|c| c.connection_type == ConnectionType::Wired)
        .expect("a wired client");
    let sn = &client.connected_device_serial;
    let d = api.ok(&format!("/network-monitoring/v1/switches/{sn}"), &[]);
    has_fields(
        &d,
        &[
            "id",
            "type",
            "serialNumber",
            "health",
            "healthReasons",
            "switchType",
            "switchRole",
            "lastSeenAt",
            "switchTrends",
        ],
    );
    assert_eq!(d["serialNumber"], sn.as_str());
    assert_eq!(d["siteId"], client.site_id.as_str());

    let path = format!("/network-monitoring/v1/switches/{sn}/interfaces");
    let all = api.ok(&path, &[]);
    let total = all["total"].as_u64().unwrap_or(0) as usize;
    assert!(total >= 28);
    assert_eq!(all["offset"], Value::Null, "one page: no further offset");
    let port = client.port.clone().unwrap_or_default();
    let iface = items(&all)
        .into_iter()
        .find(|i| i["name"] == port.as_str())
        .expect("client port listed");
    assert_eq!(iface["status"], "Up");
    has_fields(
        &iface,
        &[
            "id",
            "name",
            "index",
            "type",
            "status",
            "adminStatus",
            "operStatus",
        ],
    );
    // Offset paging: offset is the next offset as a string, null on the last page.
    let mut seen = 0;
    let mut offset = "0".to_string();
    loop {
        let v = api.ok(&path, &[("limit", "10"), ("offset", &offset)]);
        seen += items(&v).len();
        match &v["offset"] {
            Value::String(o) => offset = o.clone(),
            Value::Null => break,
            other => panic!("bad offset {other}"),
        }
    }
    assert_eq!(seen, total);
    let up = api.ok(&path, &[("filter", "operStatus eq 'Up'")]);
    assert!(items(&up).iter().all(|i| i["operStatus"] == "Up"));
    let found = api.ok(&path, &[("search", &client.client_name)]);
    assert!(items(&found).iter().any(|i| i["name"] == port.as_str()));
    assert_error(&api.get(&path, &[("filter", "bogus eq 'x'")]), 400, INVALID);

    let r = api.get("/network-monitoring/v1/switches/NOSUCHSN01", &[]);
    assert_error(&r, 404, "HPE_GL_ERROR_RESOURCE_NOT_FOUND");
    let r = api.get("/network-monitoring/v1/switches/NOSUCHSN01/interfaces", &[]);
    assert_error(&r, 404, "HPE_GL_ERROR_RESOURCE_NOT_FOUND");
    let ap = ds
        .devices_of_type(DeviceType::AccessPoint)
        .next()
        .expect("ap");
    let r = api.get(
        &format!("/network-monitoring/v1/switches/{}", ap.serial_number),
        &[],
    );
    assert_eq!(r.status, 404);
}

#[test]
fn stack_members_by_stack_id_and_conductor() {
    let api = Api::start();
    let ds = api.ds();
    let stacked: Vec<_> = ds.devices.iter().filter(|d| d.stack_id.is_some()).collect();
    assert!(stacked.len() >= 2, "seed 42 has a stack");
    let stack_id = stacked[0].stack_id.clone().unwrap_or_default();
    let v = api.ok(
        &format!("/network-monitoring/v1/stack/{stack_id}/members"),
        &[],
    );
    assert_eq!(v["count"], 1);
    let stack = &items(&v)[0];
    assert_eq!(stack["id"], stack_id.as_str());
    assert_eq!(stack["type"], "stack-members");
    let members = stack["members"].as_array().cloned().unwrap_or_default();
    assert!(members.len() >= 2);
    for (i, m) in members.iter().enumerate() {
        assert_eq!(m["stackId"], stack_id.as_str());
        assert_eq!(m["stackMemberId"], json!(i + 1));
        // Every member is a switch of the list, deployed as a stack.
        let sn = m["serialNumber"].as_str().unwrap_or("");
        let d = api.ok(&format!("/network-monitoring/v1/switches/{sn}"), &[]);
        assert_eq!(d["deployment"], "Stack");
    }
    assert_eq!(members[0]["switchRole"], "Conductor");
    assert_eq!(
        stack["portLinks"].as_array().map(Vec::len),
        Some(members.len())
    );
    let conductor = members[0]["serialNumber"].as_str().unwrap_or("");
    let by_conductor = api.ok(
        &format!("/network-monitoring/v1/stack/{conductor}/members"),
        &[],
    );
    assert_eq!(items(&by_conductor)[0]["id"], stack_id.as_str());
    // The switch detail also answers for the stack id.
    let d = api.ok(&format!("/network-monitoring/v1/switches/{stack_id}"), &[]);
    assert_eq!(d["serialNumber"], conductor);

    let standalone = ds
        .devices_of_type(DeviceType::Switch)
        .find(|d| d.stack_id.is_none())
        .expect("standalone");
    let r = api.get(
        &format!(
            "/network-monitoring/v1/stack/{}/members",
            standalone.serial_number
        ),
        &[],
    );
    assert_error(&r, 404, "HPE_GL_ERROR_RESOURCE_NOT_FOUND");
}

#[test]
fn switch_vlans_and_hardware_trends() {
    let api = Api::start();
    let ds = api.ds();
    let client = ds
        .clients
        .iter()
        .find(|c| c.connection_type == ConnectionType::Wired && c.status == ClientStatus::Connected)
        .expect("wired client");
    let sn = &client.connected_device_serial;
    let path = format!("/network-monitoring/v1/switches/{sn}/vlans");
    let v = api.ok(&path, &[]);
    let vlans = items(&v);
    assert_eq!(v["offset"], Value::Null);
    let vlan = vlans
        .iter()
        .find(|x| x["id"] == client.vlan_id.as_str())
        .expect("the client's VLAN exists on its switch");
    assert_eq!(vlan["status"], "Up");
    assert!(vlan["interfaces"].as_array().is_some_and(|i| {
        i.iter()
            .any(|p| Some(p.as_str().unwrap_or("")) == client.port.as_deref())
    }));
    let first = api.ok(&path, &[("limit", "1")]);
    assert_eq!(items(&first).len(), 1);
    if vlans.len() > 1 {
        assert_eq!(first["offset"], "1");
    }
    let voice = api.ok(&path, &[("filter", "voice eq 'Enabled'")]);
    assert!(items(&voice).iter().all(|x| x["id"] == "50"));
    assert_error(&api.get(&path, &[("filter", "name eq 'x'")]), 400, INVALID);
    assert_error(
        &api.get("/network-monitoring/v1/switches/NOSUCHSN01/vlans", &[]),
        404,
        "HPE_GL_ERROR_RESOURCE_NOT_FOUND",
    );

    let stack = ds.stacks.first().expect("a stack");
    let v = api.ok(
        &format!(
            "/network-monitoring/v1/switches/{}/hardware-trends",
            stack.id
        ),
        &[],
    );
    assert_eq!(v["type"], "network-monitoring/switch-monitoring");
    assert_eq!(v["keys"].as_array().map(Vec::len), Some(5));
    assert_eq!(v["units"].as_array().map(Vec::len), Some(5));
    let series = v["switchMetrics"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        series.len(),
        stack.members.len(),
        "one series per stack member"
    );
    for (s, m) in series.iter().zip(&stack.members) {
        assert_eq!(s["serialNumber"], m.as_str());
        let samples = s["samples"].as_array().cloned().unwrap_or_default();
        assert_eq!(samples.len(), 37);
        assert!(
            samples[0]["timestamp"]
                .as_u64()
                .is_some_and(|t| t > 1_000_000_000_000),
            "epoch ms"
        );
        assert!(
            samples
                .iter()
                .all(|x| x["data"].as_array().map(Vec::len) == Some(5))
        );
    }
    let online = ds
        .devices_of_type(DeviceType::Switch)
        .find(|d| d.status == DeviceStatus::Online && d.stack_id.is_none())
        .expect("standalone switch");
    let v = api.ok(
        &format!(
            "/network-monitoring/v1/switches/{}/hardware-trends",
            online.serial_number
        ),
        &[],
    );
    let last = v["switchMetrics"][0]["samples"]
        .as_array()
        .and_then(|s| s.last().cloned())
        .unwrap_or_default();
    assert_eq!(
        last["data"][0].as_f64(),
        online.cpu_utilization.map(f64::from)
    );
    let r = api.get(
        &format!(
            "/network-monitoring/v1/switches/{}/hardware-trends",
            online.serial_number
        ),
        &[("filter", "timestamp eq 2026-07-09T10:00:00Z")],
    );
    assert_error(&r, 400, INVALID);
}

// === §5.5 gateways and clusters ===

#[test]
fn gateways_list_detail_uplinks_tunnels() {
    let api = Api::start();
    let ds = api.ds();
    let list = api.walk("/network-monitoring/v1/gateways", 3, &[]);
    assert_eq!(list.len(), ds.devices_of_type(DeviceType::Gateway).count());
    assert_eq!(
        items(&api.ok("/network-monitoring/v1/gateways", &[])).len(),
        list.len().min(20)
    );
    for g in &list {
        has_fields(
            g,
            &[
                "id",
                "serialNumber",
                "macAddress",
                "deviceName",
                "siteId",
                "siteName",
                "type",
                "model",
                "firmwareVersion",
                "status",
                "mode",
                "role",
                "deviceFunction",
                "clusterName",
                "ipAddress",
                "macRange",
                "cpuUtilization",
                "memoryUtilization",
                "rebootReason",
                "uptimeInMillis",
            ],
        );
        assert!(g["status"] == "Online" || g["status"] == "Offline");
        assert!(["Isoleader", "Leader", "Member"].contains(&g["role"].as_str().unwrap_or("")));
    }
    let clustered = api.ok(
        "/network-monitoring/v1/gateways",
        &[("filter", "deployment eq 'Cluster'"), ("limit", "1000")],
    );
    assert!(items(&clustered).iter().all(|g| g["mode"] == "Cluster"));

    let gw = ds.devices_of_type(DeviceType::Gateway).next().expect("gw");
    let sn = &gw.serial_number;
    let d = api.ok(&format!("/network-monitoring/v1/gateways/{sn}"), &[]);
    assert_eq!(
        d,
        list.iter()
            .find(|g| g["serialNumber"] == sn.as_str())
            .cloned()
            .unwrap_or_default()
    );

    let up = api.ok(
        &format!("/network-monitoring/v1/gateways/{sn}/uplinks"),
        &[("sort", "linkTag desc")],
    );
    let ups = items(&up);
    assert_eq!(ups.len(), 2);
    assert_eq!(up["total"], 2);
    assert_eq!(ups[0]["linkTag"], "LTE");
    has_fields(
        &ups[0],
        &[
            "id",
            "type",
            "linkTag",
            "vlanId",
            "status",
            "linkStatus",
            "wanStatus",
            "isBackupUplink",
            "publicIpAddress",
            "privateIpAddress",
            "throughput",
            "usage",
        ],
    );
    let tunnels = api.walk(
        &format!("/network-monitoring/v1/gateways/{sn}/tunnels"),
        1,
        &[],
    );
    assert!(!tunnels.is_empty());
    for t in &tunnels {
        assert_eq!(t["gateway"], gw.device_name.as_str());
        // Values from the spec's enums.
        assert!(
            t["healthReasons"]
                .as_array()
                .is_some_and(|r| r.iter().all(|x| {
                    [
                        "GOOD_PERFORMANCE",
                        "TUNNEL_STATUS",
                        "TUNNEL_ENCAPSULATION",
                        "TUNNEL_AUTHENTICATION",
                        "TUNNEL_ENCRYPTION",
                    ]
                    .contains(&x.as_str().unwrap_or(""))
                }))
        );
        assert!(["AES-256", "ESP-NULL"].contains(&t["encryption"].as_str().unwrap_or("")));
        assert!(
            t["uptime"]
                .as_str()
                .is_some_and(|u| u.parse::<u64>().is_ok())
        );
        has_fields(
            t,
            &[
                "tunnelName",
                "tunnelType",
                "status",
                "health",
                "encapsulation",
                "mode",
                "sourceIpAddress",
                "destinationIpAddress",
            ],
        );
    }
    // WAN tunnels of a branch gateway point at the headquarters gateway's INET address.
    let branch = ds
        .devices_of_type(DeviceType::Gateway)
        .find(|g| g.site_id != ds.sites[0].id)
        .expect("branch gateway");
    let wan = api.ok(
        &format!(
            "/network-monitoring/v1/gateways/{}/tunnels",
            branch.serial_number
        ),
        &[("filter", "tunnelType eq 'WAN'")],
    );
    let wan = items(&wan);
    assert!(!wan.is_empty());
    let hq_uplinks = api.ok(
        &format!("/network-monitoring/v1/gateways/{sn}/uplinks"),
        &[],
    );
    let hq_inet = items(&hq_uplinks)
        .into_iter()
        .find(|u| u["linkTag"] == "INET")
        .map(|u| u["publicIpAddress"].clone())
        .unwrap_or_default();
    assert!(
        wan.iter()
            .all(|t| t["destinationIpAddress"] == hq_inet && t["encapsulation"] == "IPSec")
    );

    let ap = ds
        .devices_of_type(DeviceType::AccessPoint)
        .next()
        .expect("ap");
    for suffix in ["", "/uplinks", "/tunnels"] {
        let r = api.get(
            &format!(
                "/network-monitoring/v1/gateways/{}{suffix}",
                ap.serial_number
            ),
            &[],
        );
        assert_error(&r, 404, NOT_FOUND);
    }
    let r = api.get(
        &format!("/network-monitoring/v1/gateways/{sn}/tunnels"),
        &[("limit", "1001")],
    );
    assert_error(&r, 400, INVALID);
}

#[test]
fn cluster_members_and_tunnels() {
    let api = Api::start();
    let ds = api.ds();
    let gw = ds
        .devices_of_type(DeviceType::Gateway)
        .find(|g| g.cluster_name.is_some())
        .expect("a clustered gateway");
    let name = gw.cluster_name.clone().unwrap_or_default();
    let path = format!("/network-monitoring/v1/clusters/{name}/members");
    let members = api.walk(&path, 1, &[]);
    let expected = ds
        .devices_of_type(DeviceType::Gateway)
        .filter(|g| g.cluster_name.as_deref() == Some(name.as_str()))
        .count();
    assert_eq!(members.len(), expected);
    for m in &members {
        assert!(
            m["status"] == "ONLINE" || m["status"] == "OFFLINE",
            "upper case here"
        );
        assert_eq!(m["clusterName"], name.as_str());
        let sn = m["serialNumber"].as_str().unwrap_or("");
        let g = api.ok(&format!("/network-monitoring/v1/gateways/{sn}"), &[]);
        assert_eq!(g["clusterName"], name.as_str());
        assert_eq!(g["role"], m["role"]);
    }
    assert_error(&api.get(&path, &[("limit", "101")]), 400, INVALID);
    let leaders = api.ok(&path, &[("filter", "role eq 'Leader'")]);
    assert_eq!(items(&leaders).len(), 1);

    let t = api.ok(
        &format!("/network-monitoring/v1/clusters/{name}/tunnels"),
        &[("limit", "100")],
    );
    let tunnels = items(&t);
    assert!(!tunnels.is_empty());
    for x in &tunnels {
        has_fields(
            x,
            &[
                "id",
                "type",
                "tunnelName",
                "gateway",
                "gatewayRole",
                "destinationSerial",
            ],
        );
    }
    for suffix in ["members", "tunnels"] {
        let r = api.get(
            &format!("/network-monitoring/v1/clusters/no-such-cluster/{suffix}"),
            &[],
        );
        assert_error(&r, 404, NOT_FOUND);
    }
}

#[test]
fn gateway_ports_and_tunnel_health_summaries() {
    let api = Api::start();
    let ds = api.ds();
    let gw = ds.devices_of_type(DeviceType::Gateway).next().expect("gw");
    let sn = &gw.serial_number;
    let ports = api.walk(
        &format!("/network-monitoring/v1/gateways/{sn}/ports"),
        3,
        &[],
    );
    assert_eq!(ports.len(), 4);
    for p in &ports {
        has_fields(
            p,
            &[
                "id",
                "type",
                "name",
                "portNumber",
                "macAddress",
                "adminState",
                "operState",
                "health",
                "connectorType",
                "portType",
                "duplex",
                "speed",
                "mtu",
                "vlan",
                "throughput",
                "usage",
            ],
        );
    }
    // GE 0/0/1 is the trunk the site's aggregation switch names as its uplink neighbour.
    let agg = ds
        .devices_of_type(DeviceType::Switch)
        .find(|d| d.site_id == gw.site_id)
        .expect("agg");
    let ifs = api.ok(
        &format!(
            "/network-monitoring/v1/switches/{}/interfaces",
            agg.serial_number
        ),
        &[],
    );
    let uplink = items(&ifs)
        .into_iter()
        .find(|i| i["neighbourSerial"] == sn.as_str())
        .expect("uplink to gw");
    assert_eq!(uplink["neighbourPort"], "GE 0/0/1");
    let trunk = ports
        .iter()
        .find(|p| p["name"] == "GE 0/0/1")
        .cloned()
        .unwrap_or_default();
    assert_eq!(trunk["portType"], "Trunk");
    assert_eq!(trunk["operState"], uplink["operStatus"]);
    let access = api.ok(
        &format!("/network-monitoring/v1/gateways/{sn}/ports"),
        &[("filter", "portType eq 'Access'")],
    );
    assert_eq!(items(&access).len(), 3);
    let ap = ds
        .devices_of_type(DeviceType::AccessPoint)
        .next()
        .expect("ap");
    assert_error(
        &api.get(
            &format!("/network-monitoring/v1/gateways/{}/ports", ap.serial_number),
            &[],
        ),
        404,
        NOT_FOUND,
    );

    for gw in ds.devices_of_type(DeviceType::Gateway) {
        for kind in ["LAN", "WAN"] {
            let s = api.ok(
                &format!(
                    "/network-monitoring/v1/gateways/{}/{}-tunnels-health-summary",
                    gw.serial_number,
                    kind.to_lowercase()
                ),
                &[],
            );
            let h = &s["tunnelHealth"];
            let sum = ["good", "fair", "poor"]
                .iter()
                .filter_map(|k| h[*k].as_u64())
                .sum::<u64>();
            let listed = api.ok(
                &format!(
                    "/network-monitoring/v1/gateways/{}/tunnels",
                    gw.serial_number
                ),
                &[
                    ("filter", &format!("tunnelType eq '{kind}'")),
                    ("limit", "1000"),
                ],
            );
            assert_eq!(json!(sum), listed["total"]);
        }
    }
}

#[test]
fn gateway_uplink_tunnel_and_port_details_match_the_lists() {
    let api = Api::start();
    let ds = api.ds();
    let gw = ds.devices_of_type(DeviceType::Gateway).next().expect("gw");
    let base = format!("/network-monitoring/v1/gateways/{}", gw.serial_number);
    for u in items(&api.ok(&format!("{base}/uplinks"), &[])) {
        let tag = u["linkTag"].as_str().unwrap_or("");
        assert_eq!(api.ok(&format!("{base}/uplinks/{tag}"), &[]), u);
    }
    for t in api.walk(&format!("{base}/tunnels"), 100, &[]) {
        let name = t["tunnelName"].as_str().unwrap_or("");
        assert_eq!(api.ok(&format!("{base}/tunnels/{name}"), &[]), t);
    }
    for p in api.walk(&format!("{base}/ports"), 100, &[]) {
        let n = p["portNumber"].to_string();
        assert_eq!(api.ok(&format!("{base}/ports/{n}"), &[]), p);
    }
    for suffix in ["uplinks/MPLS", "tunnels/nope", "ports/9"] {
        assert_error(&api.get(&format!("{base}/{suffix}"), &[]), 404, NOT_FOUND);
    }
    assert_error(
        &api.get(
            "/network-monitoring/v1/gateways/NOSUCHGW00/uplinks/INET",
            &[],
        ),
        404,
        NOT_FOUND,
    );

    let t = api.ok("/network-monitoring/v1/tenant-client-health", &[]);
    assert_eq!(t["type"], "network-monitoring/tenant-client-health");
    let sum: u64 = t["clientTypes"]
        .as_array()
        .map(|a| {
            a.iter()
                .flat_map(|x| {
                    x["health"]["groups"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                })
                .filter_map(|g| g["value"].as_u64())
                .sum()
        })
        .unwrap_or(0);
    assert_eq!(sum, ds.clients.len() as u64);

    let ap = ds
        .devices_of_type(DeviceType::AccessPoint)
        .next()
        .expect("ap");
    let ports = api.ok(
        &format!("/network-monitoring/v1/aps/{}/ports", ap.serial_number),
        &[],
    );
    let detail = api.ok(
        &format!("/network-monitoring/v1/aps/{}", ap.serial_number),
        &[],
    );
    assert_eq!(
        ports["count"],
        json!(detail["ports"].as_array().map_or(0, Vec::len))
    );
    for p in items(&ports) {
        has_fields(
            &p,
            &["id", "type", "name", "macAddress", "portIndex", "porStatus"],
        );
    }
}

// === §5.6 clients ===

#[test]
fn client_detail_is_consistent_with_lists() {
    let api = Api::start();
    let ds = api.ds();
    let c = ds
        .clients
        .iter()
        .find(|c| {
            c.connection_type == ConnectionType::Wireless && c.status == ClientStatus::Connected
        })
        .expect("a wireless client");
    let v = api.ok(
        &format!("/network-monitoring/v1/clients/{}", c.mac_address),
        &[],
    );
    assert_eq!(v["macAddress"], c.mac_address.as_str());
    assert_eq!(v["type"], "network-monitoring/client-monitoring");
    // Same object as in the site's client list.
    let list = api.ok(
        "/network-monitoring/v1/clients",
        &[("site-id", &c.site_id), ("limit", "1000")],
    );
    let from_list = items(&list)
        .into_iter()
        .find(|i| i["macAddress"] == c.mac_address.as_str());
    assert_eq!(from_list, Some(v.clone()));
    // Its AP exists in /aps, in the same site, and broadcasts its WLAN.
    let ap_sn = v["connectedDeviceSerial"].as_str().unwrap_or("");
    let aps = api.ok(
        "/network-monitoring/v1/aps",
        &[("filter", &format!("serialNumber eq '{ap_sn}'"))],
    );
    let ap = items(&aps).into_iter().next().expect("AP listed");
    assert_eq!(ap["siteId"], v["siteId"]);
    let wlans = api.ok("/network-monitoring/v1/wlans", &[("serial-number", ap_sn)]);
    assert!(items(&wlans).iter().any(|w| w["wlanName"] == v["wlanName"]));
    let radios = api.ok(&format!("/network-monitoring/v1/aps/{ap_sn}/radios"), &[]);
    assert!(
        items(&radios)
            .iter()
            .any(|r| r["macAddress"] == v["radioMacAddress"])
    );
    // Its site exists.
    let site = api.ok(
        &format!("/network-monitoring/v1/site-health/{}", c.site_id),
        &[],
    );
    assert_eq!(site["id"], c.site_id.as_str());
    // Upper-case MAC works; failed clients are found too; unknown → 404.
    let upper = api.ok(
        &format!(
            "/network-monitoring/v1/clients/{}",
            c.mac_address.to_uppercase()
        ),
        &[],
    );
    assert_eq!(upper["macAddress"], c.mac_address.as_str());
    let failed = ds
        .clients
        .iter()
        .find(|c| c.status == ClientStatus::Failed)
        .expect("failed");
    let f = api.ok(
        &format!("/network-monitoring/v1/clients/{}", failed.mac_address),
        &[],
    );
    assert_eq!(f["status"], "Failed");
    let r = api.get("/network-monitoring/v1/clients/00:00:00:00:00:00", &[]);
    assert_error(&r, 404, NOT_FOUND);
    assert_eq!(r.json["message"], "Resource not found for the given input.");
}

#[test]
fn clients_trend_and_top_clients() {
    let api = Api::start();
    let ds = api.ds();
    let site = &ds.sites[0];
    let v = api.ok(
        "/network-monitoring/v1/clients-trend",
        &[("site-id", &site.id)],
    );
    has_fields(&v, &["id", "type", "interval", "keys", "samples"]);
    assert_eq!(v["interval"], "5 mins");
    assert_eq!(v["keys"], json!(["Wired", "Wireless"]));
    let samples = v["samples"].as_array().cloned().unwrap_or_default();
    assert_eq!(samples.len(), 37, "3 h every 5 min, both ends");
    // The last sample equals the connected clients the clients list reports.
    let connected = |kind: &str| {
        let r = api.ok(
            "/network-monitoring/v1/clients",
            &[
                ("site-id", &site.id),
                ("limit", "1000"),
                ("filter", &format!("clientConnectionType eq '{kind}'")),
            ],
        );
        r["total"].as_u64().unwrap_or(0)
    };
    let last = samples.last().cloned().unwrap_or_default();
    assert_eq!(
        last["data"],
        json!([connected("Wired"), connected("Wireless")])
    );
    assert!(last["ts"].is_string());
    let week = api.ok(
        "/network-monitoring/v1/clients-trend",
        &[
            ("site-id", &site.id),
            ("start-at", &rfc3339(ds.snapshot_unix_ms - 5 * DAY)),
            ("end-at", &rfc3339(ds.snapshot_unix_ms)),
            ("group-by", "WLAN"),
            ("type", "WIRELESS"),
        ],
    );
    assert_eq!(week["interval"], "3 hours");
    assert!(
        week["keys"]
            .as_array()
            .is_some_and(|k| k.iter().any(|x| x == "Corp-Secure"))
    );
    let bad = [
        vec![("group-by", "COLOUR")],
        vec![("type", "BOTH")],
        vec![
            ("start-at", "2026-07-09T10:00:00Z"),
            ("end-at", "2026-07-09T09:00:00Z"),
        ],
        vec![
            ("start-at", "2026-07-01T00:00:00Z"),
            ("end-at", "2026-07-09T00:00:00Z"),
        ],
        vec![("end-at", "not a time")],
    ];
    for q in bad {
        assert_error(
            &api.get("/network-monitoring/v1/clients-trend", &q),
            400,
            INVALID,
        );
    }
    let r = api.get(
        "/network-monitoring/v1/clients-trend",
        &[("site-id", "00000000")],
    );
    assert_error(&r, 404, NOT_FOUND);

    // Top-N: sorted by usage, default 5, at most 100.
    let top = api.ok(
        "/network-monitoring/v1/clients-topn-usage",
        &[("site-id", &site.id)],
    );
    let list = items(&top);
    assert_eq!(list.len(), 5);
    assert_eq!(top["count"], 5);
    let usage: Vec<u64> = list.iter().filter_map(|i| i["usage"].as_u64()).collect();
    assert!(usage.windows(2).all(|w| w[0] >= w[1]));
    for i in &list {
        has_fields(
            i,
            &[
                "id",
                "type",
                "macAddress",
                "clientName",
                "clientConnectionType",
                "siteId",
                "siteName",
                "usage",
            ],
        );
        assert_eq!(i["siteId"], site.id.as_str());
        let mac = i["macAddress"].as_str().unwrap_or("");
        assert_eq!(
            api.get(&format!("/network-monitoring/v1/clients/{mac}"), &[])
                .status,
            200
        );
    }
    for bad in ["0", "101"] {
        let r = api.get(
            "/network-monitoring/v1/clients-topn-usage",
            &[("limit", bad)],
        );
        assert_error(&r, 400, INVALID);
    }
    let r = api.get(
        "/network-monitoring/v1/clients-topn-usage",
        &[
            ("start-at", "2026-07-01T00:00:00Z"),
            ("end-at", "2026-07-09T00:00:00Z"),
        ],
    );
    assert_error(&r, 400, INVALID);
}

// === §5.7 WLANs, §5.3 radios ===

#[test]
fn wlans_list_and_detail() {
    let api = Api::start();
    let ds = api.ds();
    let all = api.walk("/network-monitoring/v1/wlans", 1, &[]);
    assert_eq!(all.len(), ds.wlans.len());
    let names: Vec<&str> = all.iter().filter_map(|w| w["wlanName"].as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "default sort wlanName asc");
    for w in &all {
        has_fields(
            w,
            &[
                "id",
                "type",
                "wlanName",
                "securityLevel",
                "security",
                "band",
                "status",
                "vlan",
            ],
        );
        assert_eq!(
            w["id"],
            format!("wlans/{}", w["wlanName"].as_str().unwrap_or(""))
        );
    }
    let site = &ds.sites[0];
    let d = api.ok(
        "/network-monitoring/v1/wlans/Corp-Secure",
        &[("site-id", &site.id)],
    );
    let connected = api.ok(
        "/network-monitoring/v1/clients",
        &[
            ("site-id", &site.id),
            ("limit", "1000"),
            ("filter", "wlanName eq 'Corp-Secure'"),
        ],
    );
    assert_eq!(d["clientCount"], connected["total"]);
    let r = api.get("/network-monitoring/v1/wlans/No-Such-SSID", &[]);
    assert_error(&r, 404, NOT_FOUND);
    let offline = ds
        .devices_of_type(DeviceType::AccessPoint)
        .find(|d| d.status == DeviceStatus::Offline)
        .expect("an offline AP");
    let v = api.ok(
        "/network-monitoring/v1/wlans",
        &[("serial-number", &offline.serial_number)],
    );
    assert_eq!(v["total"], 0, "an offline AP broadcasts nothing");
    assert_error(
        &api.get(
            "/network-monitoring/v1/wlans",
            &[("serial-number", "NOSUCHAP00")],
        ),
        404,
        NOT_FOUND,
    );
    assert_error(
        &api.get("/network-monitoring/v1/wlans", &[("filter", "ssid eq 'x'")]),
        400,
        INVALID,
    );
    let v = api.ok(
        "/network-monitoring/v1/wlans",
        &[("filter", "band eq '2.4 GHz, 5 GHz'")],
    );
    assert!(items(&v).iter().all(|w| w["band"] == "2.4 GHz, 5 GHz"));
}

#[test]
fn ap_radios_wlans_and_fleet_radios() {
    let api = Api::start();
    let ds = api.ds();
    let ap = ds
        .devices_of_type(DeviceType::AccessPoint)
        .find(|d| d.status == DeviceStatus::Online)
        .expect("ap");
    let v = api.ok(
        &format!("/network-monitoring/v1/aps/{}/radios", ap.serial_number),
        &[],
    );
    let radios = items(&v);
    assert_eq!(radios.len(), ap.radios.len());
    assert_eq!(v["total"], json!(radios.len()));
    let detail = api.ok(
        &format!("/network-monitoring/v1/aps/{}", ap.serial_number),
        &[],
    );
    for (r, d) in radios
        .iter()
        .zip(detail["radios"].as_array().cloned().unwrap_or_default())
    {
        assert_eq!(r["macAddress"], d["macAddress"]);
        assert_eq!(r["channel"], d["channel"]);
        assert!(r["channelUtilization"].is_string() && r["noiseFloor"].is_string());
        assert_eq!(r["siteId"], ap.site_id.as_str());
    }
    let sum: u64 = radios
        .iter()
        .filter_map(|r| r["clientCount"].as_u64())
        .sum();
    let wireless = ds
        .clients
        .iter()
        .filter(|c| {
            c.connected_device_serial == ap.serial_number && c.status == ClientStatus::Connected
        })
        .count() as u64;
    assert_eq!(sum, wireless);
    let w = api.ok(
        &format!("/network-monitoring/v1/aps/{}/wlans", ap.serial_number),
        &[],
    );
    assert_eq!(w["count"], json!(ds.wlans.len()));
    let sw = ds
        .devices_of_type(DeviceType::Switch)
        .next()
        .expect("switch");
    let r = api.get(
        &format!("/network-monitoring/v1/aps/{}/radios", sw.serial_number),
        &[],
    );
    assert_error(&r, 404, NOT_FOUND);

    let fleet = api.walk("/network-monitoring/v1/radios", 50, &[]);
    let expected: usize = ds
        .devices_of_type(DeviceType::AccessPoint)
        .map(|d| d.radios.len())
        .sum();
    assert_eq!(fleet.len(), expected);
    assert!(
        fleet
            .iter()
            .all(|r| r["serialNumber"].is_string() && r["deviceName"].is_string())
    );
    let six = api.ok(
        "/network-monitoring/v1/radios",
        &[("filter", "band eq '6 GHz'"), ("limit", "1000")],
    );
    assert!(items(&six).iter().all(|r| r["band"] == "6 GHz"));
}

// === §5.8 top APs ===

#[test]
fn top_aps_by_usage_agree_with_client_usage() {
    let api = Api::start();
    let ds = api.ds();
    let site = &ds.sites[0];
    let start = rfc3339(ds.snapshot_unix_ms - 6 * HOUR);
    let end = rfc3339(ds.snapshot_unix_ms);
    let window = [("start-at", start.as_str()), ("end-at", end.as_str())];
    let mut q = window.to_vec();
    q.push(("site-id", &site.id));
    let top = api.ok("/network-monitoring/v1/top-aps-by-wireless-usage", &q);
    let list = items(&top);
    assert!(!list.is_empty() && list.len() <= 10);
    let values: Vec<f64> = list
        .iter()
        .filter_map(|i| i["totalValue"].as_f64())
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]));
    for i in &list {
        assert_eq!(i["units"], "Bytes");
        has_fields(
            i,
            &["id", "type", "serialNumber", "deviceName", "totalValue"],
        );
    }
    // The top AP's usage is the sum of its clients' usage over the same window.
    let sn = list[0]["serialNumber"].as_str().unwrap_or("");
    let mut cq = window.to_vec();
    cq.push(("serial-number", sn));
    cq.push(("limit", "100"));
    let clients = api.ok("/network-monitoring/v1/clients-topn-usage", &cq);
    let sum: u64 = items(&clients)
        .iter()
        .filter_map(|c| c["usage"].as_u64())
        .sum();
    assert_eq!(list[0]["totalValue"].as_f64(), Some(sum as f64));
    let ap = api.ok(&format!("/network-monitoring/v1/aps/{sn}"), &[]);
    assert_eq!(ap["siteId"], site.id.as_str());

    let wired = api.ok("/network-monitoring/v1/top-aps-by-wired-usage", &q);
    let total = api.ok("/network-monitoring/v1/top-aps-by-usage", &q);
    assert!(items(&wired)[0]["totalValue"].as_f64() > list[0]["totalValue"].as_f64());
    assert!(items(&total)[0]["totalValue"].as_f64() > items(&wired)[0]["totalValue"].as_f64());
    let five = api.ok("/network-monitoring/v1/top-aps-by-usage", &[("limit", "5")]);
    assert_eq!(five["count"], 5);
    assert_error(
        &api.get(
            "/network-monitoring/v1/top-aps-by-usage",
            &[("limit", "26")],
        ),
        400,
        INVALID,
    );
    let r = api.get(
        "/network-monitoring/v1/top-aps-by-wireless-usage",
        &[
            ("start-at", "2026-05-01T00:00:00Z"),
            ("end-at", "2026-07-01T00:00:00Z"),
        ],
    );
    assert_error(&r, 400, INVALID);
    let future = rfc3339(now_ms() + 2 * DAY);
    let r = api.get(
        "/network-monitoring/v1/top-aps-by-wireless-usage",
        &[("end-at", &future)],
    );
    assert_error(&r, 400, INVALID);
    let r = api.get(
        "/network-monitoring/v1/top-aps-by-wireless-usage",
        &[("site-name", "Atlantis")],
    );
    assert_error(&r, 404, NOT_FOUND);
}

// === §5.9 trends ===

#[test]
fn ap_and_gateway_utilization_trends() {
    let api = Api::start();
    let ds = api.ds();
    let ap = ds
        .devices_of_type(DeviceType::AccessPoint)
        .find(|d| d.status == DeviceStatus::Online)
        .expect("ap");
    for (metric, current) in [
        ("cpu-utilization", ap.cpu_utilization),
        ("memory-utilization", ap.memory_utilization),
    ] {
        let path = format!(
            "/network-monitoring/v1/aps/{}/{metric}-trends",
            ap.serial_number
        );
        let v = api.ok(&path, &[]);
        assert_eq!(v["id"], ap.serial_number.as_str());
        assert_eq!(v["type"], "network-monitoring/access-point-monitoring");
        assert_eq!(v["metric"], metric.replace('-', "_"));
        let graph = &v["graph"];
        assert_eq!(graph["keys"], json!([metric.replace('-', "_")]));
        assert_eq!(graph["samplingIntervalInMinutes"], 5);
        let samples = graph["samples"].as_array().cloned().unwrap_or_default();
        assert_eq!(samples.len(), 37);
        assert!(
            samples.iter().all(
                |s| s["timestamp"].is_string() && s["data"].as_array().map(Vec::len) == Some(1)
            )
        );
        // The newest sample is the current reading of /aps.
        let last = samples.last().cloned().unwrap_or_default();
        assert_eq!(last["data"][0].as_f64(), current.map(f64::from));
    }
    let path = format!(
        "/network-monitoring/v1/aps/{}/cpu-utilization-trends",
        ap.serial_number
    );
    let from = rfc3339(ds.snapshot_unix_ms - 2 * DAY);
    let to = rfc3339(ds.snapshot_unix_ms);
    let v = api.ok(
        &path,
        &[(
            "filter",
            &format!("timestamp gt {from} and timestamp lt {to}"),
        )],
    );
    assert_eq!(v["graph"]["samplingIntervalInMinutes"], 180);
    for bad in [
        "timestamp eq 2026-07-09T10:00:00Z",
        "cpu gt 2026-07-09T10:00:00Z",
        "timestamp gt yesterday",
        "timestamp gt 2026-07-09T10:00:00Z and timestamp lt 2026-07-09T09:00:00Z",
        "timestamp gt 2026-01-01T00:00:00Z and timestamp lt 2026-07-09T00:00:00Z",
    ] {
        assert_error(&api.get(&path, &[("filter", bad)]), 400, INVALID);
    }
    let r = api.get(
        "/network-monitoring/v1/aps/NOSUCHAP00/cpu-utilization-trends",
        &[],
    );
    assert_error(&r, 404, NOT_FOUND);
    // An offline AP has no data after it was last seen.
    let offline = ds
        .devices_of_type(DeviceType::AccessPoint)
        .find(|d| d.status == DeviceStatus::Offline)
        .expect("offline ap");
    let v = api.ok(
        &format!(
            "/network-monitoring/v1/aps/{}/cpu-utilization-trends",
            offline.serial_number
        ),
        &[],
    );
    let samples = v["graph"]["samples"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(samples.last().is_some_and(|s| s["data"][0].is_null()));

    let gw = ds
        .devices_of_type(DeviceType::Gateway)
        .find(|d| d.status == DeviceStatus::Online)
        .expect("gw");
    let v = api.ok(
        &format!(
            "/network-monitoring/v1/gateways/{}/memory-utilization-trends",
            gw.serial_number
        ),
        &[],
    );
    assert_eq!(v["type"], "network-monitoring/gateway-monitoring");
    assert!(
        v["graph"].get("samplingIntervalInMinutes").is_none(),
        "gateway graphs omit it"
    );
    let last = v["graph"]["samples"]
        .as_array()
        .and_then(|s| s.last().cloned())
        .unwrap_or_default();
    assert_eq!(
        last["data"][0].as_f64(),
        gw.memory_utilization.map(f64::from)
    );
}

#[test]
fn ap_power_and_throughput_gateway_availability_and_wlan_throughput_trends() {
    let api = Api::start();
    let ds = api.ds();
    let ap = ds
        .devices_of_type(DeviceType::AccessPoint)
        .find(|d| d.status == DeviceStatus::Online && d.client_count > 0)
        .expect("busy ap");
    let base = format!("/network-monitoring/v1/aps/{}", ap.serial_number);
    let v = api.ok(&format!("{base}/power-consumption-trends"), &[]);
    assert_eq!(v["metric"], "power_consumption");
    let listed = api.ok(
        "/network-monitoring/v1/aps",
        &[("filter", &format!("serialNumber eq '{}'", ap.serial_number))],
    );
    let last = v["graph"]["samples"]
        .as_array()
        .and_then(|s| s.last().cloned())
        .unwrap_or_default();
    assert_eq!(last["data"][0], items(&listed)[0]["powerConsumption"]);

    let t = api.ok(&format!("{base}/throughput-trends"), &[]);
    assert_eq!(t["metric"], "ap_throughput");
    assert_eq!(t["graph"]["keys"], json!(["tx", "rx"]));
    let samples = t["graph"]["samples"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        samples
            .iter()
            .all(|s| s["data"].as_array().map(Vec::len) == Some(2))
    );
    assert!(samples.iter().any(|s| s["data"][0].as_f64() > Some(0.0)));
    let wired = api.ok(
        &format!("{base}/throughput-trends"),
        &[("interface-type", "WIRED")],
    );
    assert_eq!(wired["graph"]["keys"], json!(["tx", "rx"]));
    let lte = api.ok(
        &format!("{base}/throughput-trends"),
        &[("interface-type", "LTE")],
    );
    assert!(
        lte["graph"]["samples"]
            .as_array()
            .is_some_and(|s| s.iter().all(|x| x["data"] == json!([0.0, 0.0])))
    );
    let r = api.get(
        &format!("{base}/throughput-trends"),
        &[("interface-type", "CARRIER-PIGEON")],
    );
    assert_error(&r, 400, INVALID);

    let gw = ds
        .devices_of_type(DeviceType::Gateway)
        .find(|d| d.status == DeviceStatus::Online)
        .expect("gw");
    let gbase = format!("/network-monitoring/v1/gateways/{}", gw.serial_number);
    for (path, metric) in [
        ("wan-availability-trends", "wan_availability"),
        ("vpn-availability-trends", "vpn_availability"),
        ("hardware-temperature-trends", "hardware_temperature"),
    ] {
        let v = api.ok(&format!("{gbase}/{path}"), &[]);
        assert_eq!(v["metric"], metric);
        assert_eq!(v["type"], "network-monitoring/gateway-monitoring");
        let vals: Vec<f64> = v["graph"]["samples"]
            .as_array()
            .map(|s| s.iter().filter_map(|x| x["data"][0].as_f64()).collect())
            .unwrap_or_default();
        assert_eq!(vals.len(), 37);
        if metric.ends_with("availability") {
            assert!(vals.iter().all(|v| (90.0..=100.0).contains(v)));
        }
    }
    let r = api.get(
        &format!(
            "/network-monitoring/v1/gateways/{}/wan-availability-trends",
            ap.serial_number
        ),
        &[],
    );
    assert_error(&r, 404, NOT_FOUND);

    let w = api.ok(
        "/network-monitoring/v1/wlans/Corp-Secure/throughput-trends",
        &[],
    );
    assert_eq!(w["id"], "wlans/Corp-Secure");
    assert_eq!(w["metric"], "wlan_throughput");
    assert_eq!(w["graph"]["keys"], json!(["tx", "rx"]));
    assert!(w["graph"]["samples"][0]["data"][0].is_number());
    // Unknown WLAN: 200 with null data (as Central answers).
    let u = api.ok(
        "/network-monitoring/v1/wlans/No-Such-SSID/throughput-trends",
        &[],
    );
    assert!(
        u["graph"]["samples"]
            .as_array()
            .is_some_and(|s| !s.is_empty() && s.iter().all(|x| x["data"] == json!([null, null])))
    );
}

// === §5.10 alerts ===

const NOTIF_BAD: &str = "HPE_GL_NETWORK_NOTIFICATIONS_BAD_REQUEST";

#[test]
fn alerts_filters_paging_and_consistency_with_site_health() {
    let api = Api::start();
    let ds = api.ds();
    let all = api.walk("/network-notifications/v1/alerts", 5, &[]);
    assert_eq!(all.len(), ds.alerts.len());
    let created: Vec<&str> = all.iter().filter_map(|a| a["createdAt"].as_str()).collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted, "default createdAt DESC");
    for a in &all {
        has_fields(
            a,
            &[
                "id",
                "key",
                "type",
                "typeId",
                "name",
                "summary",
                "category",
                "severity",
                "priority",
                "status",
                "deviceType",
                "createdAt",
                "updatedAt",
                "updatedBy",
                "clearedReason",
            ],
        );
        // Every alert names a real device or client.
        let subject = a["key"]
            .as_str()
            .and_then(|k| k.split_once(':'))
            .map(|(_, s)| s)
            .unwrap_or("");
        assert!(
            ds.device(subject).is_some() || ds.client(subject).is_some(),
            "{subject}"
        );
    }
    assert_eq!(
        items(&api.ok("/network-notifications/v1/alerts", &[])).len(),
        20.min(all.len())
    );
    // Active alerts of a site are what sites-health counts.
    for site in &ds.sites {
        let active = api.ok(
            "/network-notifications/v1/alerts",
            &[
                (
                    "filter",
                    &format!("status eq 'Active' and siteId eq '{}'", site.id),
                ),
                ("limit", "100"),
            ],
        );
        let health = api.ok(
            "/network-monitoring/v1/sites-health",
            &[("filter", &format!("siteId eq '{}'", site.id))],
        );
        assert_eq!(
            active["total"],
            items(&health)[0]["alerts"]["totalCount"],
            "{}",
            site.name
        );
        for group in items(&health)[0]["alerts"]["groups"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let n = items(&active)
                .iter()
                .filter(|a| a["severity"] == group["name"])
                .count();
            assert_eq!(json!(n), group["count"]);
        }
    }
    let crit = api.ok(
        "/network-notifications/v1/alerts",
        &[("severity", "Critical"), ("limit", "100")],
    );
    assert!(items(&crit).iter().all(|a| a["severity"] == "Critical"));
    let offline = ds
        .devices
        .iter()
        .filter(|d| d.status == DeviceStatus::Offline)
        .count();
    assert_eq!(crit["total"], json!(offline));
    let by_sev = api.ok(
        "/network-notifications/v1/alerts",
        &[("sort", "severity DESC"), ("limit", "1")],
    );
    assert_eq!(items(&by_sev)[0]["severity"], "Critical");
    let recent = api.ok(
        "/network-notifications/v1/alerts",
        &[
            ("start-at", &rfc3339(ds.snapshot_unix_ms - HOUR)),
            ("limit", "100"),
        ],
    );
    assert!(recent["total"].as_u64() < Some(all.len() as u64));
    for q in [
        vec![("limit", "0")],
        vec![("limit", "101")],
        vec![("filter", "severity eq 'Critical'")],
        vec![("filter", "status eq 'Active' or status eq 'Cleared'")],
        vec![("sort", "id DESC")],
        vec![("severity", "Apocalyptic")],
        vec![("next", "0")],
    ] {
        assert_error(
            &api.get("/network-notifications/v1/alerts", &q),
            400,
            NOTIF_BAD,
        );
    }
}

// === §5.11 events ===

const EVENTS_BAD: &str = "HPE_GL_NETWORK_EVENTS_INVALID_INPUT";

#[test]
fn events_required_parameters_window_and_contexts() {
    let api = Api::start();
    let ds = api.ds();
    let site = &ds.sites[0];
    let end = rfc3339(now_ms() - 60_000);
    let start = rfc3339(now_ms() - 20 * DAY);
    let base = [
        ("context-type", "SITE"),
        ("context-identifier", site.id.as_str()),
        ("site-id", site.id.as_str()),
        ("start-at", start.as_str()),
        ("end-at", end.as_str()),
        ("limit", "1000"),
    ];
    let v = api.ok("/network-troubleshooting/v1/events", &base);
    assert!(v.get("items").is_none(), "events use the 'events' key");
    let events = v["events"].as_array().cloned().unwrap_or_default();
    assert!(!events.is_empty());
    assert_eq!(v["total"], json!(events.len()));
    let times: Vec<&str> = events.iter().filter_map(|e| e["timeAt"].as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "default timeAt desc");
    for e in &events {
        has_fields(
            e,
            &[
                "eventId",
                "eventIdentifier",
                "eventName",
                "category",
                "sourceType",
                "sourceName",
                "description",
                "reason",
                "severity",
                "timeAt",
            ],
        );
        assert!(
            ["positive", "negative", "neutral"].contains(&e["severity"].as_str().unwrap_or(""))
        );
        let sn = e["serialNumber"].as_str().unwrap_or("");
        assert_eq!(
            ds.device(sn).map(|d| d.site_id.as_str()),
            Some(site.id.as_str())
        );
    }
    // Paging through `events`.
    let mut paged = 0;
    let mut next = "1".to_string();
    loop {
        let mut q = base.to_vec();
        q.retain(|(k, _)| *k != "limit");
        q.push(("limit", "25"));
        q.push(("next", &next));
        let p = api.ok("/network-troubleshooting/v1/events", &q);
        paged += p["events"].as_array().map_or(0, Vec::len);
        match &p["next"] {
            Value::String(n) => next = n.clone(),
            _ => break,
        }
    }
    assert_eq!(paged, events.len());
    let asc = {
        let mut q = base.to_vec();
        q.push(("sort", "timeAt asc"));
        api.ok("/network-troubleshooting/v1/events", &q)
    };
    assert_eq!(asc["events"][0], events[events.len() - 1]);
    let filtered = {
        let mut q = base.to_vec();
        q.push(("filter", "sourceType eq 'Wireless Client'"));
        api.ok("/network-troubleshooting/v1/events", &q)
    };
    assert!(
        filtered["events"]
            .as_array()
            .is_some_and(|e| e.iter().all(|x| x["sourceType"] == "Wireless Client"))
    );

    // Device context: the AP's events; client context: the client's events.
    let c = ds
        .clients
        .iter()
        .find(|c| c.site_id == site.id && c.connection_type == ConnectionType::Wireless)
        .expect("client");
    let mut q = base.to_vec();
    q[0] = ("context-type", "ACCESS_POINT");
    q[1] = ("context-identifier", c.connected_device_serial.as_str());
    let ap_events = api.ok("/network-troubleshooting/v1/events", &q);
    assert!(ap_events["events"].as_array().is_some_and(|e| {
        !e.is_empty()
            && e.iter()
                .all(|x| x["serialNumber"] == c.connected_device_serial.as_str())
    }));
    q[0] = ("context-type", "WIRELESS_CLIENT");
    q[1] = ("context-identifier", c.mac_address.as_str());
    let client_events = api.ok("/network-troubleshooting/v1/events", &q);
    assert!(client_events["events"].as_array().is_some_and(|e| {
        !e.is_empty()
            && e.iter()
                .all(|x| x["clientMacAddress"] == c.mac_address.as_str())
    }));
    let mut sq = base.to_vec();
    sq.push(("search", c.client_name.as_str()));
    let searched = api.ok("/network-troubleshooting/v1/events", &sq);
    assert!(searched["total"].as_u64() >= Some(1));

    // Event filters add up to the events.
    let mut fq = base.to_vec();
    fq.retain(|(k, _)| *k != "limit");
    let f = api.ok("/network-troubleshooting/v1/event-filters", &fq);
    let cat_sum: u64 = f["categories"]
        .as_array()
        .map_or(0, |a| a.iter().filter_map(|c| c["count"].as_u64()).sum());
    assert_eq!(cat_sum, events.len() as u64);
    assert!(
        f["eventNames"][0]["eventId"].is_u64(),
        "integer in event-filters"
    );

    // Every required parameter.
    for missing in [
        "context-type",
        "context-identifier",
        "site-id",
        "start-at",
        "end-at",
        "limit",
    ] {
        let q: Vec<_> = base
            .iter()
            .copied()
            .filter(|(k, _)| *k != missing)
            .collect();
        let r = api.get("/network-troubleshooting/v1/events", &q);
        assert_error(&r, 400, EVENTS_BAD);
        assert!(
            r.json["message"]
                .as_str()
                .is_some_and(|m| m.contains(missing)),
            "{}",
            r.text
        );
    }
    let long_start = rfc3339(now_ms() - 40 * DAY);
    let future = rfc3339(now_ms() + DAY);
    for (k, v) in [
        ("start-at", long_start.as_str()),
        ("end-at", future.as_str()),
        ("start-at", end.as_str()),
        ("context-type", "PLANET"),
        ("limit", "1001"),
        ("limit", "0"),
        ("filter", "severity eq 'negative'"),
        ("sort", "eventName asc"),
    ] {
        let mut q: Vec<_> = base.iter().copied().filter(|(key, _)| *key != k).collect();
        q.push((k, v));
        assert_error(
            &api.get("/network-troubleshooting/v1/events", &q),
            400,
            EVENTS_BAD,
        );
    }
    let mut q = base.to_vec();
    q[2] = ("site-id", "00000000");
    assert_error(
        &api.get("/network-troubleshooting/v1/events", &q),
        404,
        "HPE_GL_NETWORK_EVENTS_NOT_FOUND",
    );
    let mut q = base.to_vec();
    q[0] = ("context-type", "SWITCH");
    q[1] = ("context-identifier", "NOSUCHSW00");
    assert_error(
        &api.get("/network-troubleshooting/v1/events", &q),
        404,
        "HPE_GL_NETWORK_EVENTS_NOT_FOUND",
    );
}

#[test]
fn event_extra_attributes_and_threat_detail() {
    let api = Api::start();
    let ds = api.ds();
    let e = ds
        .events
        .iter()
        .find(|e| e.client_mac_address.is_some())
        .expect("a client event");
    let at = rfc3339(e.time_at_ms);
    let q = [
        ("event-identifier", e.event_identifier.as_str()),
        ("site-id", e.site_id.as_str()),
        ("time-at", at.as_str()),
    ];
    let v = api.ok("/network-troubleshooting/v1/event-extra-attributes", &q);
    let attrs = v["eventExtraAttributes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let get = |label: &str| {
        attrs
            .iter()
            .find(|a| a["label"] == label)
            .map(|a| a["value"].clone())
    };
    assert_eq!(get("Device Serial"), Some(json!(e.serial_number)));
    assert_eq!(
        get("Client MAC"),
        e.client_mac_address.clone().map(Value::from)
    );
    assert!(attrs.iter().all(|a| a["value"].is_string()));
    for missing in ["event-identifier", "site-id", "time-at"] {
        let q2: Vec<_> = q.iter().copied().filter(|(k, _)| *k != missing).collect();
        assert_error(
            &api.get("/network-troubleshooting/v1/event-extra-attributes", &q2),
            400,
            EVENTS_BAD,
        );
    }
    let mut q3 = q.to_vec();
    q3[0] = ("event-identifier", "00000000-0000-4000-8000-000000000000");
    assert_error(
        &api.get("/network-troubleshooting/v1/event-extra-attributes", &q3),
        404,
        "HPE_GL_NETWORK_EVENTS_NOT_FOUND",
    );

    let t = ds.threats.first().expect("a threat");
    let ts = t.timestamp_ms.to_string();
    let path = format!("/network-monitoring/v1alpha1/threats/{}", t.id);
    let v = api.ok(&path, &[("site-id", &t.site_id), ("timestamp", &ts)]);
    assert_eq!(v["id"], t.id.as_str());
    has_fields(
        &v,
        &[
            "category",
            "attackTarget",
            "impact",
            "affectedProducts",
            "summary",
            "mitreTags",
            "deviceMac",
            "deviceType",
        ],
    );
    assert_eq!(v["signatureName"], t.signature_name.as_str());
    assert_error(&api.get(&path, &[("site-id", &t.site_id)]), 400, INVALID);
    assert_error(&api.get(&path, &[("timestamp", &ts)]), 400, INVALID);
    assert_error(
        &api.get(&path, &[("site-id", "00000000"), ("timestamp", &ts)]),
        404,
        NOT_FOUND,
    );
}

// === §5.12 firmware ===

#[test]
fn firmware_details_paging_and_consistency() {
    let api = Api::start();
    let ds = api.ds();
    let all = api.walk("/network-services/v1/firmware-details", 9, &[]);
    assert_eq!(all.len(), ds.devices.len());
    let devices = api.ok("/network-monitoring/v1/devices", &[]);
    for f in &all {
        has_fields(
            f,
            &[
                "id",
                "type",
                "serialNumber",
                "deviceName",
                "deviceType",
                "siteId",
                "siteName",
                "firmwareVersion",
                "recommendedVersion",
                "upgradeStatus",
                "firmwareClassification",
                "lastUpgradedTimeAt",
            ],
        );
        assert_eq!(f["type"], "network-services/firmware-management");
        let d = items(&devices)
            .into_iter()
            .find(|d| d["serialNumber"] == f["serialNumber"])
            .expect("device");
        assert_eq!(d["firmwareVersion"], f["firmwareVersion"]);
        let expected = if f["firmwareVersion"] == f["recommendedVersion"] {
            "Up To Date"
        } else {
            "Upgrade Available"
        };
        assert_eq!(f["upgradeStatus"], expected);
    }
    let avail = api.ok(
        "/network-services/v1/firmware-details",
        &[
            (
                "filter",
                "upgradeStatus eq 'Upgrade Available' and deviceType eq 'ACCESS_POINT'",
            ),
            ("limit", "1000"),
        ],
    );
    assert!(items(&avail).iter().all(|f| f["upgradeStatus"] == "Upgrade Available" && f["deviceType"] == "ACCESS_POINT"));
    assert_error(
        &api.get(
            "/network-services/v1/firmware-details",
            &[("limit", "1001")],
        ),
        400,
        INVALID,
    );
    assert_error(
        &api.get(
            "/network-services/v1/firmware-details",
            &[("filter", "model eq 'x'")],
        ),
        400,
        INVALID,
    );
}

// === §5.13 IDPS threats (v1alpha1) ===

#[test]
fn idps_threats_require_start_time_and_reference_real_devices() {
    let api = Api::start();
    let ds = api.ds();
    let start = (now_ms() - 8 * DAY).to_string();
    let v = api.ok(
        "/network-monitoring/v1alpha1/threats",
        &[("start-time", &start), ("limit", "1000")],
    );
    let all = items(&v);
    assert!(!all.is_empty());
    assert_eq!(v["total"], json!(all.len()));
    assert_eq!(v["offset"], 0);
    for t in &all {
        has_fields(
            t,
            &[
                "id",
                "type",
                "timestamp",
                "severity",
                "action",
                "signatureId",
                "signatureName",
                "srcIp",
                "destIp",
                "deviceSerialNum",
                "siteId",
                "clientMacaddr",
            ],
        );
        assert_eq!(t["type"], "network-monitoring/idps");
        assert!(
            t["timestamp"]
                .as_str()
                .is_some_and(|s| s.parse::<u64>().is_ok()),
            "epoch-ms string"
        );
        let gw = ds
            .device(t["deviceSerialNum"].as_str().unwrap_or(""))
            .expect("gateway");
        assert_eq!(gw.device_type, DeviceType::Gateway);
        let c = ds
            .client(t["clientMacaddr"].as_str().unwrap_or(""))
            .expect("client");
        assert_eq!(c.ipv4.as_deref(), t["srcIp"].as_str());
        assert_eq!(c.site_id, gw.site_id);
    }
    let p = api.ok(
        "/network-monitoring/v1alpha1/threats",
        &[("start-time", &start), ("limit", "2"), ("offset", "2")],
    );
    assert_eq!(
        items(&p),
        all.iter().skip(2).take(2).cloned().collect::<Vec<_>>()
    );
    let r = api.get("/network-monitoring/v1alpha1/threats", &[]);
    assert_error(&r, 400, INVALID);
    assert!(
        r.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("start-time"))
    );
    let r = api.get(
        "/network-monitoring/v1alpha1/threats",
        &[("start-time", "last week")],
    );
    assert_error(&r, 400, INVALID);
    let later = (now_ms() + DAY).to_string();
    let r = api.get(
        "/network-monitoring/v1alpha1/threats",
        &[("start-time", &later), ("end-time", &start)],
    );
    assert_error(&r, 400, INVALID);
}

// === §6 troubleshooting ===

/// An online device of each troubleshooting path type, and the path segment.
fn test_targets(ds: &Dataset) -> Vec<(&'static str, String)> {
    let online = |t: DeviceType, switch_type: Option<&str>| {
        ds.devices
            .iter()
            .find(|d| {
                d.device_type == t
                    && d.status == DeviceStatus::Online
                    && (switch_type.is_none() || d.switch_type.as_deref() == switch_type)
            })
            .map(|d| d.serial_number.clone())
            .expect("online device")
    };
    vec![
        ("aps", online(DeviceType::AccessPoint, None)),
        ("cx", online(DeviceType::Switch, Some("cx"))),
        ("aos-s", online(DeviceType::Switch, Some("pvos"))),
        ("gateways", online(DeviceType::Gateway, None)),
    ]
}

#[test]
fn ping_and_traceroute_full_lifecycle_on_every_device_type() {
    let api = Api::start();
    let ds = api.ds();
    for (kind, sn) in test_targets(&ds) {
        for op in ["ping", "traceroute"] {
            let r = api.post(
                &format!("/network-troubleshooting/v1/{kind}/{sn}/{op}"),
                r#"{"destination":"8.8.8.8","includeRawOutput":true}"#,
            );
            assert_eq!(r.status, 202, "{kind} {op}: {}", r.text);
            assert_eq!(r.json["status"], "INITIATED");
            assert!(r.json["startTime"].is_string());
            let location = r.json["location"].as_str().unwrap_or("").to_string();
            let prefix = format!("/network-troubleshooting/v1/{kind}/{sn}/{op}/async-operations/");
            assert!(location.starts_with(&prefix), "{location}");
            let task_id = location.rsplit('/').next().unwrap_or("");
            assert_eq!(task_id.len(), 36, "UUID task id");

            let first = api.ok(&location, &[]);
            assert_eq!(first["status"], "RUNNING");
            assert_eq!(first["progressPercent"], 50);
            assert_eq!(first["output"], Value::Null);
            assert_eq!(first["endTime"], Value::Null);
            let done = api.ok(&location, &[]);
            assert_eq!(done["status"], "COMPLETED", "{kind} {op}");
            assert_eq!(done["progressPercent"], 100);
            assert!(done["endTime"].is_string());
            assert_eq!(done["failReason"], Value::Null);
            assert!(
                done["rawOutput"]
                    .as_str()
                    .is_some_and(|s| s.contains("8.8.8.8"))
            );
            let out = &done["output"];
            match (kind, op) {
                ("gateways", "ping") => has_fields(
                    out,
                    &[
                        "destination",
                        "sentPacketsCount",
                        "receivedPacketsCount",
                        "successRatePercent",
                        "averageLatencyMilliseconds",
                    ],
                ),
                ("aos-s", "ping") => {
                    has_fields(
                        out,
                        &["transmittedPacketsCount", "packetLossPercent", "replies"],
                    );
                    assert!(out.get("destination").is_none());
                }
                ("cx", "ping") => has_fields(
                    out,
                    &[
                        "resolvedIp",
                        "standardDeviationRoundTripTimeMilliseconds",
                        "totalRoundTripTimeMilliseconds",
                    ],
                ),
                (_, "ping") => {
                    has_fields(
                        out,
                        &[
                            "destination",
                            "resolvedIp",
                            "transmittedPacketsCount",
                            "averageRoundTripTimeMilliseconds",
                            "replies",
                        ],
                    );
                    assert!(
                        out["transmittedPacketsCount"].is_string(),
                        "numbers are strings"
                    );
                }
                _ => {
                    let hops = out["hops"].as_array().cloned().unwrap_or_default();
                    assert!(hops.len() >= 2);
                    assert!(
                        hops[0]["probes"][0]["responseTimeMilliseconds"]
                            .as_str()
                            .is_some_and(|s| s.ends_with(" ms"))
                    );
                    assert_eq!(
                        out.get("resolvedIp").is_some(),
                        kind == "aps" || kind == "cx"
                    );
                }
            }
            // Terminal state is stable.
            assert_eq!(api.ok(&location, &[]), done);
        }
        let tasks = api.ok(
            &format!("/network-troubleshooting/v1/{kind}/{sn}/list-tasks"),
            &[],
        );
        let names: Vec<&str> = tasks
            .as_array()
            .map(|a| a.iter().filter_map(|t| t["testName"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(names, ["traceroute", "ping"], "newest first");
    }
}

#[test]
fn troubleshooting_errors_and_failed_tasks() {
    let api = Api::start();
    let ds = api.ds();
    let targets = test_targets(&ds);
    let (_, ap) = &targets[0];
    let (_, gw) = &targets[3];
    let ping = |kind: &str, sn: &str, body: &str| {
        api.post(
            &format!("/network-troubleshooting/v1/{kind}/{sn}/ping"),
            body,
        )
    };

    // Unreachable destination: the task fails on its second poll.
    for dest in ["192.0.2.7", "nowhere.invalid"] {
        let r = ping(
            "gateways",
            gw,
            &format!(r#"{{"destination":"{dest}","count":2}}"#),
        );
        assert_eq!(r.status, 202);
        let location = r.json["location"].as_str().unwrap_or("").to_string();
        assert_eq!(api.ok(&location, &[])["status"], "RUNNING");
        let failed = api.ok(&location, &[]);
        assert_eq!(failed["status"], "FAILED");
        assert_eq!(failed["progressPercent"], 100);
        assert_eq!(failed["output"], Value::Null);
        assert!(
            failed["failReason"]
                .as_str()
                .is_some_and(|s| s.contains(dest))
        );
    }

    let with_type = |r: &Reply, status: u16, code: &str, error_type: &str| {
        assert_error(r, status, code);
        assert_eq!(r.json["errorType"], error_type);
        assert_eq!(r.json["serviceName"], "Troubleshooting");
    };
    // 404: unknown serial, or a device of another type on this path.
    with_type(
        &ping("aps", "NOSUCHAP00", r#"{"destination":"8.8.8.8"}"#),
        404,
        NOT_FOUND,
        "NOT_FOUND",
    );
    with_type(
        &ping("gateways", ap, r#"{"destination":"8.8.8.8"}"#),
        404,
        NOT_FOUND,
        "NOT_FOUND",
    );
    let (_, cx) = &targets[1];
    with_type(
        &ping("aos-s", cx, r#"{"destination":"8.8.8.8"}"#),
        404,
        NOT_FOUND,
        "NOT_FOUND",
    );
    // 409: offline device.
    let offline = ds
        .devices_of_type(DeviceType::AccessPoint)
        .find(|d| d.status == DeviceStatus::Offline)
        .expect("offline AP");
    let r = ping(
        "aps",
        &offline.serial_number,
        r#"{"destination":"8.8.8.8"}"#,
    );
    with_type(&r, 409, "HPE_GL_ERROR_CONFLICT", "CONFLICT");
    assert_eq!(
        r.json["message"],
        format!("Device offline: {}", offline.serial_number)
    );
    // 400: bad bodies.
    for body in [
        "",
        "{}",
        r#"{"target":"8.8.8.8"}"#,
        r#"{"destination":"8.8.8.8","maxHops":30}"#,
        r#"{"destination":""}"#,
        r#"{"destination":"8.8.8.8","count":0}"#,
        r#"{"destination":"8.8.8.8","packetSize":5000}"#,
        r#"{"destination":"8.8.8.8","count":"five"}"#,
        r#"{"destination":8}"#,
        r#"["8.8.8.8"]"#,
        "{not json",
    ] {
        let r = ping("aps", ap, body);
        with_type(&r, 400, "HPE_GL_ERROR_BAD_REQUEST", "BAD_REQUEST");
        assert!(
            r.json["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Validation errors - ")),
            "{}",
            r.text
        );
    }
    // Fields of another device type are unknown here (gateway ttl on an AP).
    let r = ping("aps", ap, r#"{"destination":"8.8.8.8","ttl":5}"#);
    assert_eq!(r.status, 400);
    let r = ping(
        "gateways",
        gw,
        r#"{"destination":"8.8.8.8","sourceInterface":"eth9"}"#,
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        ping(
            "gateways",
            gw,
            r#"{"destination":"8.8.8.8","ttl":5,"sourceInterface":"mgmt-interface"}"#
        )
        .status,
        202
    );
    // 404: unknown task, or a real task polled under another operation.
    let r = api.get(
        &format!("/network-troubleshooting/v1/aps/{ap}/ping/async-operations/00000000-0000-4000-8000-000000000000"),
        &[],
    );
    with_type(&r, 404, NOT_FOUND, "NOT_FOUND");
    let ok = ping("aps", ap, r#"{"destination":"example.com"}"#);
    let location = ok.json["location"]
        .as_str()
        .unwrap_or("")
        .replace("/ping/", "/traceroute/");
    assert_eq!(api.get(&location, &[]).status, 404);
    assert_eq!(
        api.get("/network-troubleshooting/v1/aps/NOSUCHAP00/list-tasks", &[])
            .status,
        404
    );
    // Operations the contract does not list for a type are not routed.
    assert_eq!(
        api.post(&format!("/network-troubleshooting/v1/aps/{ap}/halt"), "{}")
            .status,
        404
    );
}

// === admin ===

#[test]
fn routes_listing_includes_every_new_route() {
    let api = Api::start();
    let r = reply(
        api.agent
            .get(format!("{}/_simulator/routes", api.sim.base_url()))
            .call(),
    );
    assert_eq!(r.status, 200);
    let listed: HashSet<(String, String)> = r
        .json
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x["method"].as_str().unwrap_or("").to_string(),
                        x["path"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut expected = vec![
        "/network-monitoring/v1/site-health/{site-id}",
        "/network-monitoring/v1/tenant-device-health",
        "/network-monitoring/v1/sites-device-health",
        "/network-monitoring/v1/sites-client-health",
        "/network-monitoring/v1/device-inventory",
        "/network-monitoring/v1/switches",
        "/network-monitoring/v1/switches/{serial-number}",
        "/network-monitoring/v1/switches/{serial-number}/interfaces",
        "/network-monitoring/v1/stack/{serial-number}/members",
        "/network-monitoring/v1/gateways",
        "/network-monitoring/v1/gateways/{serial-number}",
        "/network-monitoring/v1/gateways/{serial-number}/uplinks",
        "/network-monitoring/v1/gateways/{serial-number}/tunnels",
        "/network-monitoring/v1/gateways/{serial-number}/cpu-utilization-trends",
        "/network-monitoring/v1/gateways/{serial-number}/memory-utilization-trends",
        "/network-monitoring/v1/clusters/{cluster-name}/members",
        "/network-monitoring/v1/clusters/{cluster-name}/tunnels",
        "/network-monitoring/v1/clients/{mac-address}",
        "/network-monitoring/v1/clients-trend",
        "/network-monitoring/v1/clients-topn-usage",
        "/network-monitoring/v1/top-aps-by-wireless-usage",
        "/network-monitoring/v1/top-aps-by-wired-usage",
        "/network-monitoring/v1/top-aps-by-usage",
        "/network-monitoring/v1/wlans",
        "/network-monitoring/v1/wlans/{wlan-name}",
        "/network-monitoring/v1/radios",
        "/network-monitoring/v1/aps/{serial-number}/radios",
        "/network-monitoring/v1/aps/{serial-number}/wlans",
        "/network-monitoring/v1/aps/{serial-number}/cpu-utilization-trends",
        "/network-monitoring/v1/aps/{serial-number}/memory-utilization-trends",
        "/network-monitoring/v1/aps/{serial-number}/power-consumption-trends",
        "/network-monitoring/v1/aps/{serial-number}/throughput-trends",
        "/network-monitoring/v1/gateways/{serial-number}/wan-availability-trends",
        "/network-monitoring/v1/gateways/{serial-number}/vpn-availability-trends",
        "/network-monitoring/v1/gateways/{serial-number}/hardware-temperature-trends",
        "/network-monitoring/v1/wlans/{wlan-name}/throughput-trends",
        "/network-monitoring/v1/switches/{serial-number}/vlans",
        "/network-monitoring/v1/switches/{serial-number}/hardware-trends",
        "/network-monitoring/v1/gateways/{serial-number}/ports",
        "/network-monitoring/v1/gateways/{serial-number}/ports/{port-number}",
        "/network-monitoring/v1/gateways/{serial-number}/uplinks/{link-tag}",
        "/network-monitoring/v1/gateways/{serial-number}/tunnels/{tunnel-name}",
        "/network-monitoring/v1/tenant-client-health",
        "/network-monitoring/v1/aps/{serial-number}/ports",
        "/network-monitoring/v1/gateways/{serial-number}/lan-tunnels-health-summary",
        "/network-monitoring/v1/gateways/{serial-number}/wan-tunnels-health-summary",
        "/network-monitoring/v1alpha1/threats",
        "/network-monitoring/v1alpha1/threats/{id}",
        "/network-troubleshooting/v1/event-extra-attributes",
        "/network-notifications/v1/alerts",
        "/network-troubleshooting/v1/events",
        "/network-troubleshooting/v1/event-filters",
        "/network-services/v1/firmware-details",
    ]
    .into_iter()
    .map(|p| ("GET".to_string(), p.to_string()))
    .collect::<Vec<_>>();
    for kind in ["aps", "cx", "aos-s", "gateways"] {
        for op in ["ping", "traceroute"] {
            expected.push((
                "POST".into(),
                format!("/network-troubleshooting/v1/{kind}/{{serial-number}}/{op}"),
            ));
            expected.push((
                "GET".into(),
                format!("/network-troubleshooting/v1/{kind}/{{serial-number}}/{op}/async-operations/{{task-id}}"),
            ));
        }
        expected.push((
            "GET".into(),
            format!("/network-troubleshooting/v1/{kind}/{{serial-number}}/list-tasks"),
        ));
    }
    for e in &expected {
        assert!(listed.contains(e), "missing {e:?}");
    }
}

// === determinism of the added data ===

#[test]
fn added_data_keeps_the_seed_42_counts_and_is_deterministic() {
    let a = Dataset::generate(42);
    assert_eq!(a.sites.len(), 6);
    assert_eq!(a.devices.len(), 60);
    assert_eq!(a.clients.len(), 222);
    assert_eq!(a, Dataset::generate(42));
    assert!(!a.alerts.is_empty() && !a.events.is_empty() && !a.threats.is_empty());
    assert_eq!(
        a.uplinks.len(),
        2 * a.devices_of_type(DeviceType::Gateway).count()
    );
}
