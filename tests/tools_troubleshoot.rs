//! Troubleshooting tools of issue 19 over the real binary and the simulator: the exact requests
//! (each a GET or POST that troubleshooting.json documents), the mapped results, device errors,
//! argument errors and read-only mode. Today: `list_device_tasks`.

mod common;

use aruba_noc_mcp::simulator::{Device, DeviceStatus, DeviceType, JournalEntry, SimulatorHandle};
use common::*;
use serde_json::{Value, json};

fn device(sim: &SimulatorHandle, f: impl Fn(&Device) -> bool) -> Device {
    sim.dataset()
        .devices
        .iter()
        .find(|d| f(d))
        .cloned()
        .expect("the dataset has such a device")
}

fn online(sim: &SimulatorHandle, t: DeviceType, switch_type: Option<&str>) -> Device {
    device(sim, |d| {
        d.device_type == t
            && d.status == DeviceStatus::Online
            && (switch_type.is_none() || d.switch_type.as_deref() == switch_type)
    })
}

fn load_spec() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/central-api/openapi/troubleshooting.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("the spec is JSON")
}

/// A troubleshooting request's path and method match a template of the spec.
fn assert_documented(spec: &Value, e: &JournalEntry) {
    let method = e.method.to_ascii_lowercase();
    let parts: Vec<&str> = e.path.split('/').collect();
    let found = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .any(|(template, item)| {
            let t: Vec<&str> = template.split('/').collect();
            item.get(&method).is_some()
                && t.len() == parts.len()
                && t.iter()
                    .zip(&parts)
                    .all(|(a, b)| a.starts_with('{') || a == b)
        });
    assert!(found, "no {} {} in troubleshooting.json", e.method, e.path);
}

fn troubleshooting(sim: &SimulatorHandle) -> Vec<JournalEntry> {
    api_requests(sim)
        .into_iter()
        .filter(|e| e.path.starts_with("/network-troubleshooting/"))
        .collect()
}

#[tokio::test]
async fn list_device_tasks_lists_the_tasks_a_test_started() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online(&sim, DeviceType::AccessPoint, None);

    // Nothing yet.
    let result = call(
        &client,
        "list_device_tasks",
        json!({"serial": ap.serial_number.to_lowercase()}),
    )
    .await;
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    let out = structured(&result);
    assert_eq!(out["device_type"], "aps");
    assert_eq!(out["total"], 0);
    assert_eq!(out["tasks"], json!([]));
    assert!(
        out["summary"].as_str().unwrap().contains(&format!(
            "No running or recent tasks on access point {}",
            ap.serial_number
        )),
        "{out}"
    );

    let ping = call(
        &client,
        "ping_from_ap",
        json!({"serial": ap.serial_number, "destination": "8.8.8.8", "count": 2}),
    )
    .await;
    let location = structured(&ping)["task"]["location"]
        .as_str()
        .expect("a task location")
        .to_string();
    sim.clear_journal();

    let result = call(
        &client,
        "list_device_tasks",
        json!({"serial": ap.serial_number}),
    )
    .await;
    let out = structured(&result);
    assert_eq!(out["total"], 1, "{out}");
    assert_eq!(out["tasks"][0]["test"], "ping");
    assert_eq!(out["tasks"][0]["location"], location.as_str());
    assert!(location.ends_with(out["tasks"][0]["task_id"].as_str().unwrap()));
    let summary = out["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!(
            "1 task(s) on access point {}: ping 1.",
            ap.serial_number
        )),
        "{summary}"
    );

    // One device lookup, then the documented GET of the AP's task list.
    let api = api_requests(&sim);
    assert_eq!(api.len(), 2, "{api:?}");
    assert_eq!(api[0].path, "/network-monitoring/v1/devices");
    assert_eq!(
        (api[1].method.as_str(), api[1].path.clone()),
        (
            "GET",
            format!(
                "/network-troubleshooting/v1/aps/{}/list-tasks",
                ap.serial_number
            )
        )
    );
    let spec = load_spec();
    for e in troubleshooting(&sim) {
        assert_documented(&spec, &e);
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_device_tasks_finds_the_family_of_switches_and_gateways() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let spec = load_spec();
    for (device, family) in [
        (online(&sim, DeviceType::Switch, Some("cx")), "cx"),
        (online(&sim, DeviceType::Switch, Some("pvos")), "aos-s"),
        (online(&sim, DeviceType::Gateway, None), "gateways"),
    ] {
        sim.clear_journal();
        let result = call(
            &client,
            "list_device_tasks",
            json!({"serial": device.serial_number}),
        )
        .await;
        assert_ne!(result.is_error, Some(true), "{}", text(&result));
        let out = structured(&result);
        assert_eq!(out["device_type"], family);
        assert_eq!(out["serial"], device.serial_number.as_str());
        let ts = troubleshooting(&sim);
        assert_eq!(ts.len(), 1, "{ts:?}");
        assert_eq!(
            ts[0].path,
            format!(
                "/network-troubleshooting/v1/{family}/{}/list-tasks",
                device.serial_number
            )
        );
        assert_documented(&spec, &ts[0]);
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_device_tasks_errors_name_the_serial_and_read_only_keeps_it() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_READ_ONLY", "true")]).await;
    let names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(
        names.contains(&"list_device_tasks".to_string()),
        "{names:?}"
    );
    assert!(!names.contains(&"ping_from_ap".to_string()), "{names:?}");

    let result = call(
        &client,
        "list_device_tasks",
        json!({"serial": "ZZ99NOPE01"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let t = text(&result);
    assert!(t.contains("ZZ99NOPE01") && t.contains("serial"), "{t}");
    assert!(troubleshooting(&sim).is_empty());

    sim.clear_journal();
    let result = call(&client, "list_device_tasks", json!({"serial": "no"})).await;
    assert_eq!(result.is_error, Some(true));
    assert!(
        text(&result).contains("argument `serial`"),
        "{}",
        text(&result)
    );
    let result = call(
        &client,
        "list_device_tasks",
        json!({"serial": "CNK7ABC123", "extra": 1}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).contains("extra"), "{}", text(&result));
    assert!(api_requests(&sim).is_empty());
    client.cancel().await.unwrap();
}
