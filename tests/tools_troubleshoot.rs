//! Troubleshooting tools of issue 19 over the real binary and the simulator: the exact requests
//! (each a GET or POST that troubleshooting.json documents), the mapped results, device errors,
//! argument errors and read-only mode. Today: `list_device_tasks`.

mod common;

use aruba_noc_mcp::simulator::{DeviceStatus, DeviceType};
use common::devices::*;
use common::*;
use serde_json::{Value, json};

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
    let api = spec::troubleshooting();
    for e in troubleshooting(&sim) {
        spec::check_request(&api, &e);
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_device_tasks_finds_the_family_of_switches_and_gateways() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let api = spec::troubleshooting();
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
        spec::check_request(&api, &ts[0]);
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_device_tasks_errors_name_the_serial_and_read_only_keeps_it() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_READ_ONLY", "true")]).await;
    let names = tool_names(&client).await;
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

#[tokio::test]
async fn run_show_commands_checks_the_catalogue_posts_and_polls_per_family() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let api = spec::troubleshooting();
    for (device, family, command, expect) in [
        (
            online(&sim, DeviceType::AccessPoint, None),
            "aps",
            "show version",
            "AOS-10",
        ),
        (
            online(&sim, DeviceType::Switch, Some("cx")),
            "cx",
            "show version",
            "ArubaOS-CX",
        ),
        (
            online(&sim, DeviceType::Switch, Some("pvos")),
            "aos-s",
            "show power-over-ethernet brief",
            "Delivering",
        ),
        (
            online(&sim, DeviceType::Gateway, None),
            "gateways",
            "show arp",
            "Hardware Addr",
        ),
    ] {
        sim.clear_journal();
        let result = call(
            &client,
            "run_show_commands",
            json!({"serial": device.serial_number, "commands": [format!("  {}  ", command.to_uppercase()), "show clock"]}),
        )
        .await;
        assert_ne!(result.is_error, Some(true), "{}", text(&result));
        let out = structured(&result);
        assert_eq!(out["device_type"], family);
        assert_eq!(out["status"], "COMPLETED", "{out}");
        assert_eq!(out["timed_out"], false);
        assert_eq!(out["results"][0]["command"], command);
        assert!(
            out["results"][0]["output"]
                .as_str()
                .unwrap()
                .contains(expect),
            "{out}"
        );
        assert_eq!(out["results"][0]["cut"], false);
        assert_eq!(out["results"][1]["command"], "show clock");
        assert!(
            out["summary"]
                .as_str()
                .unwrap()
                .contains("2 show command(s) ran on"),
            "{out}"
        );
        let sent = posts(&sim);
        assert_eq!(sent.len(), 1);
        assert_eq!(
            sent[0].path,
            format!(
                "/network-troubleshooting/v1/{family}/{}/showCommands",
                device.serial_number
            )
        );
        let body: Value = serde_json::from_str(sent[0].body.as_deref().unwrap()).unwrap();
        assert_eq!(body, json!({"commands": [command, "show clock"]}));
        let ts = troubleshooting(&sim);
        assert!(ts[0].path.ends_with("/show-commands"), "{ts:?}");
        assert!(
            ts.iter()
                .any(|e| e.path.contains("/showCommands/async-operations/"))
        );
        for e in &ts {
            spec::check_request(&api, e);
        }
    }

    // The catalogue is cached per device type: a second AP call does not fetch it again.
    sim.clear_journal();
    let ap = online(&sim, DeviceType::AccessPoint, None);
    let result = call(
        &client,
        "run_show_commands",
        json!({"serial": ap.serial_number, "commands": ["show arp"]}),
    )
    .await;
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    assert!(
        troubleshooting(&sim)
            .iter()
            .all(|e| !e.path.ends_with("/show-commands"))
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn run_show_commands_refuses_bad_commands_and_reports_device_errors() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online(&sim, DeviceType::AccessPoint, None);
    // Not a show command, too many, none: refused before any request.
    for (commands, needle) in [
        (json!(["reload"]), "is not a show command"),
        (json!([]), "1 to 10"),
        (
            json!([
                "show a", "show b", "show c", "show d", "show e", "show f", "show g", "show h",
                "show i", "show j", "show k"
            ]),
            "commands",
        ),
    ] {
        let result = call(
            &client,
            "run_show_commands",
            json!({"serial": ap.serial_number, "commands": commands}),
        )
        .await;
        assert_eq!(result.is_error, Some(true));
        let t = text(&result);
        assert!(
            t.contains("argument `commands`") && t.contains(needle),
            "{t}"
        );
    }
    assert!(api_requests(&sim).is_empty());

    // Not in the AP's catalogue: the catalogue is read, nothing is POSTed.
    let result = call(
        &client,
        "run_show_commands",
        json!({"serial": ap.serial_number, "commands": ["show running-config"]}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let t = text(&result);
    assert!(
        t.contains("not a supported show command on a access point"),
        "{t}"
    );
    assert!(posts(&sim).is_empty());

    // Offline device: 409 from Central, explained.
    let offline = device(&sim, |d| {
        d.device_type == DeviceType::AccessPoint && d.status == DeviceStatus::Offline
    });
    let result = call(
        &client,
        "run_show_commands",
        json!({"serial": offline.serial_number, "commands": ["show version"]}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let t = text(&result);
    assert!(t.contains("offline or busy") && t.contains("409"), "{t}");

    // Unknown serial.
    let result = call(
        &client,
        "run_show_commands",
        json!({"serial": "ZZ99NOPE01", "commands": ["show version"]}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).contains("ZZ99NOPE01"));
    client.cancel().await.unwrap();

    // Read-only mode hides and refuses it.
    let client = session(&sim, &[("ARUBA_READ_ONLY", "true")]).await;
    let names = tool_names(&client).await;
    assert!(!names.contains(&"run_show_commands".to_string()));
    let result = call(
        &client,
        "run_show_commands",
        json!({"serial": ap.serial_number, "commands": ["show version"]}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_timed_out_show_command_is_fetched_later_with_its_output() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online(&sim, DeviceType::AccessPoint, None);
    // A one-second wait ends before the task finishes (the simulator needs two polls and the
    // first poll waits a second).
    let result = call(
        &client,
        "run_show_commands",
        json!({"serial": ap.serial_number, "commands": ["show version"], "timeout_seconds": 1}),
    )
    .await;
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    let out = structured(&result);
    assert_eq!(out["timed_out"], true, "{out}");
    assert!(out["results"].as_array().unwrap().is_empty(), "{out}");
    let location = out["task"]["location"].as_str().unwrap().to_string();
    assert!(
        out["summary"].as_str().unwrap().contains(&format!(
            "get_async_test_result with location \"{location}\""
        )),
        "{out}"
    );

    // The handle fetches the finished task, with Central's output.
    let result = call(
        &client,
        "get_async_test_result",
        json!({"location": location, "timeout_seconds": 30}),
    )
    .await;
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    let out = structured(&result);
    assert_eq!(out["status"], "COMPLETED", "{out}");
    assert_eq!(out["test"], "showCommands");
    let results = out["output"]["results"].as_array().expect("output.results");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["command"], "show version");
    assert!(
        results[0]["output"].as_str().unwrap().contains("AOS-10"),
        "{out}"
    );
    client.cancel().await.unwrap();
}
