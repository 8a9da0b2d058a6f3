//! `test_connectivity` (issue 19) over the real binary and the simulator: per device family and
//! kind, the exact request (checked against troubleshooting.json) and the mapped result; FAILED
//! tests and rejected logins as results; 404/409 explained; argument errors naming the argument
//! with nothing sent; AOS-Switch refused; read-only mode; and the AAA password, which must reach
//! Central in the POST body and nothing else: not stderr at trace level, /metrics, LangSmith,
//! OTLP, the results or error messages.

mod common;

use std::time::Duration;

use aruba_noc_mcp::simulator::{Device, DeviceStatus, DeviceType, FaultSpec, JournalEntry};
use common::devices::*;
use common::receiver::{Behaviour, Receiver};
use common::*;
use rmcp::model::CallToolResult;
use serde_json::{Value, json};

fn body_of(e: &JournalEntry) -> Value {
    serde_json::from_str(e.body.as_deref().expect("a body")).expect("a JSON body")
}

fn summary(out: &Value) -> String {
    out["summary"].as_str().expect("a summary").to_string()
}

/// An `isError` result; its text.
fn error_text(result: &CallToolResult) -> String {
    assert_eq!(
        result.is_error,
        Some(true),
        "expected an error: {}",
        text(result)
    );
    text(result)
}

#[tokio::test]
async fn each_family_sends_its_documented_request_and_maps_the_result() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let api = spec::troubleshooting();
    // (family, arguments, POSTed operation, exact body)
    let cases = [
        (
            "aps",
            json!({"kind": "http", "target": "www.example.com"}),
            "http",
            json!({"url": "www.example.com"}),
        ),
        (
            "aps",
            json!({"kind": "https", "target": " https://portal.example.com/health "}),
            "https",
            json!({"url": "https://portal.example.com/health"}),
        ),
        (
            "aps",
            json!({"kind": "tcp", "target": "mail.example.com", "port": 443}),
            "tcp",
            json!({"host": "mail.example.com", "port": 443}),
        ),
        (
            "aps",
            json!({"kind": "aaa", "target": "radius-1", "username": "noc-test", "password": "Correct-Horse-1"}),
            "aaa",
            json!({"serverName": "radius-1", "username": "noc-test", "password": "Correct-Horse-1"}),
        ),
        (
            "cx",
            json!({"kind": "http", "target": "www.example.com", "vrf": "mgmt"}),
            "http",
            json!({"destination": "www.example.com", "protocol": "HTTP", "vrfName": "mgmt"}),
        ),
        (
            "cx",
            json!({"kind": "https", "target": "www.example.com"}),
            "http",
            json!({"destination": "www.example.com", "protocol": "HTTPS"}),
        ),
        (
            "cx",
            json!({"kind": "aaa", "target": "10.1.1.10", "port": 1812, "username": "noc-test",
                   "password": "Correct-Horse-1", "auth_method": "chap", "vrf": "default"}),
            "aaa",
            json!({"authMethodType": "chap", "radiusServerIp": "10.1.1.10", "radiusServerPort": 1812,
                   "username": "noc-test", "password": "Correct-Horse-1", "vrfName": "default"}),
        ),
        (
            "cx",
            json!({"kind": "aaa", "target": "10.1.1.10", "username": "noc-test", "password": "Correct-Horse-1"}),
            "aaa",
            json!({"authMethodType": "pap", "radiusServerIp": "10.1.1.10",
                   "username": "noc-test", "password": "Correct-Horse-1"}),
        ),
        (
            "gateways",
            json!({"kind": "http", "target": "www.example.com"}),
            "http",
            json!({"url": "www.example.com"}),
        ),
        (
            "gateways",
            json!({"kind": "https", "target": "www.example.com"}),
            "https",
            json!({"url": "www.example.com"}),
        ),
    ];
    // Each case on its own online device of the family where there are enough, and the calls
    // in rounds of at most six on distinct devices (each waits for two polls).
    let online_of = |family: &str| -> Vec<Device> {
        let (t, switch_type) = match family {
            "aps" => (DeviceType::AccessPoint, None),
            "cx" => (DeviceType::Switch, Some("cx")),
            _ => (DeviceType::Gateway, None),
        };
        sim.dataset()
            .devices
            .iter()
            .filter(|d| {
                d.device_type == t
                    && d.status == DeviceStatus::Online
                    && (switch_type.is_none() || d.switch_type.as_deref() == switch_type)
            })
            .cloned()
            .collect()
    };
    let mut pending: Vec<(Device, &str, Value, &str, Value)> = cases
        .into_iter()
        .enumerate()
        .map(|(i, (family, mut args, op, body))| {
            let devices = online_of(family);
            let d = devices[i % devices.len()].clone();
            args["serial"] = json!(d.serial_number.to_lowercase());
            (d, family, args, op, body)
        })
        .collect();
    while !pending.is_empty() {
        let (mut round, mut rest) = (Vec::new(), Vec::new());
        for case in pending {
            let clash = round
                .iter()
                .any(|(d, ..): &(Device, &str, Value, &str, Value)| {
                    d.serial_number == case.0.serial_number
                });
            if round.len() < 6 && !clash {
                round.push(case);
            } else {
                rest.push(case);
            }
        }
        pending = rest;
        sim.clear_journal();
        let results = futures_join_all(
            round
                .iter()
                .map(|(_, _, args, _, _)| call(&client, "test_connectivity", args.clone())),
        )
        .await;
        for ((d, family, args, op, body), result) in round.into_iter().zip(results) {
            let out = structured(&result);
            let kind = args["kind"].as_str().unwrap();
            assert_eq!(out["device_type"], family, "{out}");
            assert_eq!(out["serial"], d.serial_number.as_str());
            assert_eq!(out["kind"], kind);
            assert_eq!(out["status"], "COMPLETED", "{out}");
            assert_eq!(out["passed"], true, "{args} → {out}");
            assert_eq!(out["timed_out"], false);
            assert_eq!(out["task"]["operation"], op);
            assert!(
                summary(&out).contains(&format!(
                    "{} test from {}",
                    kind.to_uppercase(),
                    match family {
                        "aps" => "access point",
                        "cx" => "AOS-CX switch",
                        _ => "gateway",
                    }
                )) && summary(&out).contains("PASSED"),
                "{out}"
            );
            // One POST, the polls; all documented.
            let sent: Vec<JournalEntry> = posts(&sim)
                .into_iter()
                .filter(|e| e.path.contains(&d.serial_number))
                .collect();
            assert_eq!(sent.len(), 1, "{sent:?}");
            assert_eq!(
                sent[0].path,
                format!(
                    "/network-troubleshooting/v1/{family}/{}/{op}",
                    d.serial_number
                )
            );
            assert_eq!(body_of(&sent[0]), body, "{args}");
            let ts: Vec<JournalEntry> = troubleshooting(&sim)
                .into_iter()
                .filter(|e| e.path.contains(&d.serial_number))
                .collect();
            assert!(ts.len() >= 3, "POST and at least two polls: {ts:?}");
            for e in &ts {
                spec::check_request(&api, e);
            }
            assert!(
                ts[1..]
                    .iter()
                    .all(|e| e.method == "GET"
                        && e.path.contains(&format!("/{op}/async-operations/")))
            );
            // The measurements of each family's result schema.
            match (family, kind) {
                ("aps", "http" | "https") => {
                    assert!(out["download_kbps"].as_f64().unwrap() > 0.0, "{out}");
                }
                ("aps", "tcp") => {
                    assert!(out["connect_ms"].as_f64().unwrap() > 0.0, "{out}");
                    assert_eq!(out["port"], 443);
                    assert!(summary(&out).contains("mail.example.com:443"), "{out}");
                    assert!(summary(&out).contains("connected in"), "{out}");
                }
                (_, "aaa") => {
                    assert_eq!(out["authenticated"], true, "{out}");
                    assert!(summary(&out).contains("accepted the login"), "{out}");
                }
                ("cx", _) => {
                    assert!(out["response_ms"].as_f64().unwrap() > 0.0, "{out}");
                    assert_eq!(out["success_percent"], 100.0);
                    assert!(out["resolved_ip"].is_string(), "{out}");
                    assert_eq!(out["problems"], json!([]));
                }
                _ => {
                    assert_eq!(out["http_status"], 200, "{out}");
                    assert!(out["response_ms"].as_f64().unwrap() > 0.0, "{out}");
                    assert!(out["download_kbps"].as_f64().unwrap() > 0.0, "{out}");
                    assert_eq!(out["success_percent"], 100.0);
                    assert!(summary(&out).contains("HTTP 200"), "{out}");
                }
            }
        }
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn failed_tests_and_rejected_logins_are_results_not_errors() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online(&sim, DeviceType::AccessPoint, None);
    let cx = online(&sim, DeviceType::Switch, Some("cx"));
    let gw = online(&sim, DeviceType::Gateway, None);
    let failing = [
        (
            &ap,
            json!({"kind": "https", "target": "https://portal.invalid/health"}),
            "Could not resolve host: portal.invalid",
        ),
        (
            &ap,
            json!({"kind": "tcp", "target": "192.0.2.25", "port": 22}),
            "Connection to 192.0.2.25 timed out",
        ),
        (
            &cx,
            json!({"kind": "http", "target": "intranet.invalid"}),
            "Could not resolve host",
        ),
        (
            &gw,
            json!({"kind": "http", "target": "192.0.2.80"}),
            "timed out",
        ),
    ]
    .map(|(d, mut args, reason)| {
        args["serial"] = json!(d.serial_number);
        (args, reason)
    });
    let results = futures_join_all(
        failing
            .iter()
            .map(|(args, _)| call(&client, "test_connectivity", args.clone())),
    )
    .await;
    for ((_, reason), result) in failing.iter().zip(results) {
        let out = structured(&result);
        assert_eq!(out["status"], "FAILED", "{out}");
        assert_eq!(out["passed"], false);
        assert!(
            out["fail_reason"].as_str().unwrap().contains(reason),
            "{out}"
        );
        let s = summary(&out);
        assert!(
            s.contains("FAILED") && s.contains(reason) && s.contains("a failed test is a result"),
            "{s}"
        );
    }

    // A rejected login: the test COMPLETED, the login did not pass.
    let logins = [
        (&ap, "radius-1", "wrong-Horse-1", Some("Access-Reject")),
        (&cx, "10.1.1.10", "WRONG-horse-2", None),
        (
            &ap,
            "radius.invalid",
            "Correct-Horse-1",
            Some("Authentication timed out"),
        ),
        (
            &cx,
            "192.0.2.10",
            "Correct-Horse-1",
            Some("No response from RADIUS server"),
        ),
    ];
    let results = futures_join_all(logins.iter().map(|(d, target, password, _)| {
        call(
            &client,
            "test_connectivity",
            json!({"serial": d.serial_number, "kind": "aaa", "target": target,
                   "username": "noc-test", "password": password}),
        )
    }))
    .await;
    for ((_, _, password, reason), result) in logins.iter().zip(results) {
        let out = structured(&result);
        assert_eq!(out["status"], "COMPLETED", "{out}");
        assert_eq!(out["authenticated"], false, "{out}");
        assert_eq!(out["passed"], false);
        let s = summary(&out);
        assert!(s.contains("FAILED: the login was not accepted"), "{s}");
        if let Some(reason) = reason {
            assert!(
                out["fail_reason"].as_str().unwrap().contains(reason),
                "{out}"
            );
            assert!(s.contains(reason), "{s}");
        }
        assert!(!s.contains(password) && !out.to_string().contains(password));
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn device_errors_are_explained() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let offline = device(&sim, |d| {
        d.device_type == DeviceType::AccessPoint && d.status == DeviceStatus::Offline
    });
    let t = error_text(
        &call(
            &client,
            "test_connectivity",
            json!({"serial": offline.serial_number, "kind": "http", "target": "www.example.com"}),
        )
        .await,
    );
    assert!(
        t.contains("offline or busy") && t.contains("409") && t.contains(&offline.serial_number),
        "{t}"
    );

    sim.clear_journal();
    let t = error_text(
        &call(
            &client,
            "test_connectivity",
            json!({"serial": "ZZ99NOPE01", "kind": "http", "target": "www.example.com"}),
        )
        .await,
    );
    assert!(
        t.contains("argument `serial`") && t.contains("ZZ99NOPE01"),
        "{t}"
    );
    assert!(posts(&sim).is_empty());

    // Central answers the POST 404 or 400: explained, naming the device.
    let ap = online(&sim, DeviceType::AccessPoint, None);
    for (code, needle) in [
        (404, "No access point with serial"),
        (400, "Central rejected the aaa request"),
    ] {
        sim.set_faults(
            format!(
                "error={code}@/network-troubleshooting/v1/aps/{}/aaa#1",
                ap.serial_number
            )
            .parse::<FaultSpec>()
            .unwrap(),
        );
        let t = error_text(
            &call(
                &client,
                "test_connectivity",
                json!({"serial": ap.serial_number, "kind": "aaa", "target": "radius-1",
                       "username": "noc-test", "password": "Plum-Tree-4411"}),
            )
            .await,
        );
        assert!(
            t.contains(needle) && t.contains(&code.to_string()) && t.contains(&ap.serial_number),
            "{t}"
        );
        assert!(!t.contains("Plum-Tree-4411"), "{t}");
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn argument_errors_name_the_argument_and_send_nothing() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online(&sim, DeviceType::AccessPoint, None);
    let sn = ap.serial_number.as_str();
    // Refused before any request: the kind alone rules them out.
    for (args, needles) in [
        (
            json!({"kind": "http", "target": "www.example.com", "password": "Plum-Tree-4411"}),
            vec!["argument `password`", "kind aaa"],
        ),
        (
            json!({"kind": "https", "target": "www.example.com", "port": 8443}),
            vec!["argument `port`", "kind https takes target"],
        ),
        (
            json!({"kind": "tcp", "target": "mail.example.com"}),
            vec!["argument `port` is required"],
        ),
        (
            json!({"kind": "tcp", "target": "mail.example.com", "port": 70000}),
            vec!["argument `port`", "1 to 65535"],
        ),
        (
            json!({"kind": "aaa", "target": "radius-1", "password": "Plum-Tree-4411"}),
            vec!["argument `username` is required"],
        ),
        (
            json!({"kind": "aaa", "target": "radius-1", "username": "u"}),
            vec!["argument `password` is required"],
        ),
        (
            json!({"kind": "ftp", "target": "www.example.com"}),
            vec!["argument `kind`"],
        ),
        (
            json!({"kind": "http", "target": "www.example.com; reboot"}),
            vec!["argument `target`"],
        ),
        (
            json!({"kind": "http", "target": "https://portal.example.com"}),
            vec!["argument `target`", "use kind https"],
        ),
        (
            json!({"kind": "http", "target": "www.example.com", "timeout_seconds": 5}),
            vec!["timeout_seconds"],
        ),
        (
            json!({"kind": "aaa", "target": "radius-1", "username": "u", "password": 55443322}),
            vec!["argument `password`", "expected a string"],
        ),
    ] {
        sim.clear_journal();
        let mut args = args;
        args["serial"] = json!(sn);
        let t = error_text(&call(&client, "test_connectivity", args.clone()).await);
        for n in needles {
            assert!(t.contains(n), "{args}: {t}");
        }
        assert!(
            !t.contains("Plum-Tree-4411") && !t.contains("55443322"),
            "{t}"
        );
        assert!(api_requests(&sim).is_empty(), "{args}: nothing sent");
    }

    // Refused once the family is known: the device lookup, no POST.
    let cx = online(&sim, DeviceType::Switch, Some("cx"));
    let gw = online(&sim, DeviceType::Gateway, None);
    let aos_s = online(&sim, DeviceType::Switch, Some("pvos"));
    for (d, args, needles) in [
        (
            &ap,
            json!({"kind": "http", "target": "www.example.com", "vrf": "mgmt"}),
            vec![
                "argument `vrf`",
                "kind http on an access point takes only target",
            ],
        ),
        (
            &ap,
            json!({"kind": "aaa", "target": "radius-1", "username": "u",
                   "password": "Plum-Tree-4411", "auth_method": "chap"}),
            vec![
                "argument `auth_method`",
                "kind aaa on an access point takes target, username and password",
            ],
        ),
        (
            &gw,
            json!({"kind": "https", "target": "www.example.com", "vrf": "default"}),
            vec!["argument `vrf`", "on a gateway takes only target"],
        ),
        (
            &cx,
            json!({"kind": "tcp", "target": "mail.example.com", "port": 25}),
            vec![
                "argument `kind`",
                "cannot run a tcp test",
                "http, https or aaa",
            ],
        ),
        (
            &gw,
            json!({"kind": "aaa", "target": "radius-1", "username": "u", "password": "Plum-Tree-4411"}),
            vec!["argument `kind`", "gateway", "http or https"],
        ),
        (
            &cx,
            json!({"kind": "aaa", "target": "radius-1", "username": "u", "password": "Plum-Tree-4411"}),
            vec!["argument `target`", "RADIUS server's IP address"],
        ),
        (
            &aos_s,
            json!({"kind": "http", "target": "www.example.com"}),
            vec![
                "argument `serial`",
                "AOS-Switch",
                "runs on access points",
                "AOS-CX switches",
                "gateways",
            ],
        ),
    ] {
        sim.clear_journal();
        let mut args = args;
        args["serial"] = json!(d.serial_number);
        let t = error_text(&call(&client, "test_connectivity", args.clone()).await);
        for n in needles {
            assert!(t.contains(n), "{args}: {t}");
        }
        assert!(!t.contains("Plum-Tree-4411"), "{t}");
        assert!(!api_requests(&sim).is_empty(), "the family was looked up");
        assert!(posts(&sim).is_empty(), "{args}: nothing POSTed");
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn read_only_mode_hides_and_refuses_it() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_READ_ONLY", "true")]).await;
    let names = tool_names(&client).await;
    assert!(
        names.contains(&"list_device_tasks".to_string()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"test_connectivity".to_string()),
        "{names:?}"
    );
    let ap = online(&sim, DeviceType::AccessPoint, None);
    let t = error_text(
        &call(
            &client,
            "test_connectivity",
            json!({"serial": ap.serial_number, "kind": "http", "target": "www.example.com"}),
        )
        .await,
    );
    assert!(t.contains("ARUBA_READ_ONLY"), "{t}");
    assert!(sim.journal().is_empty());
    client.cancel().await.unwrap();
}

/// The password of the secrecy test: distinctive, so any leak is found.
const PASSWORD: &str = "Zq7-Kiwi-Lantern-90417";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn metrics_text(port: u16) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    for _ in 0..100 {
        if let Ok(mut r) = agent.get(format!("http://127.0.0.1:{port}/metrics")).call()
            && r.status().as_u16() == 200
        {
            return r.body_mut().read_to_string().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("/metrics on port {port} never answered");
}

#[tokio::test]
async fn the_aaa_password_reaches_central_and_nothing_else() {
    let sim = simulator();
    let langsmith = Receiver::start(Behaviour::Statuses(vec![]));
    let collector = Receiver::start(Behaviour::Statuses(vec![]));
    let port = free_port();
    let mut env = env_for(&sim);
    env.retain(|(k, _)| k != "ARUBA_LOG" && k != "ARUBA_METRICS_ADDR");
    for (k, v) in [
        ("ARUBA_LOG", "trace".to_string()),
        ("RUST_LOG", "trace".to_string()),
        ("ARUBA_METRICS_ADDR", format!("127.0.0.1:{port}")),
        ("LANGSMITH_TRACING", "true".into()),
        ("LANGSMITH_API_KEY", "lsv2_pt_test_key_0123456789".into()),
        ("LANGSMITH_ENDPOINT", langsmith.url()),
        ("LANGSMITH_PROJECT", "noc-test".into()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url()),
        ("ARUBA_ANALYTICS_FLUSH_INTERVAL", "1".into()),
    ] {
        env.push((k.to_string(), v));
    }
    let server = spawn_logged(&env).await;
    let ap = online(&sim, DeviceType::AccessPoint, None);
    let cx = online(&sim, DeviceType::Switch, Some("cx"));
    let offline = device(&sim, |d| {
        d.device_type == DeviceType::AccessPoint && d.status == DeviceStatus::Offline
    });
    let aaa = |serial: &str, target: &str, password: &str| {
        json!({"serial": serial, "kind": "aaa", "target": target, "username": "noc-test",
               "password": password})
    };
    let rejected = format!("wrong-{PASSWORD}");
    let mut results = Vec::new();
    // Accepted on an AP, rejected on a CX switch, a 409 from Central, and two argument errors
    // that name the password argument.
    for args in [
        aaa(&ap.serial_number, "radius-1", PASSWORD),
        aaa(&cx.serial_number, "10.1.1.10", &rejected),
        aaa(&offline.serial_number, "radius-1", PASSWORD),
        json!({"serial": ap.serial_number, "kind": "http", "target": "www.example.com",
               "password": PASSWORD}),
        aaa(&ap.serial_number, "radius-1", &format!("{PASSWORD}\u{7}")),
    ] {
        results.push(call(&server.client, "test_connectivity", args).await);
    }
    let outcomes: Vec<Option<bool>> = results.iter().map(|r| r.is_error).collect();
    assert_ne!(outcomes[0], Some(true), "{}", text(&results[0]));
    assert_ne!(outcomes[1], Some(true), "{}", text(&results[1]));
    assert_eq!(&outcomes[2..], &[Some(true); 3], "the errors");
    assert_eq!(
        results[0].structured_content.as_ref().unwrap()["authenticated"],
        true
    );
    assert_eq!(
        results[1].structured_content.as_ref().unwrap()["authenticated"],
        false
    );
    assert!(text(&results[2]).contains("409"), "{}", text(&results[2]));
    assert!(text(&results[3]).contains("argument `password`"));
    assert!(text(&results[4]).contains("argument `password`"));

    let metrics = metrics_text(port);
    assert!(
        metrics.contains("test_connectivity"),
        "the calls were counted"
    );
    server.client.cancel().await.unwrap();
    let stderr = tokio::time::timeout(Duration::from_secs(20), server.stderr)
        .await
        .expect("the server exits")
        .unwrap();

    // The password did reach Central, in the POST bodies (else this test proves nothing).
    let journal = sim.journal();
    let aaa_posts: Vec<&JournalEntry> = journal
        .iter()
        .filter(|e| e.method == "POST" && e.path.ends_with("/aaa"))
        .collect();
    assert_eq!(
        aaa_posts.len(),
        3,
        "AP, CX and the offline AP: {aaa_posts:?}"
    );
    assert_eq!(body_of(aaa_posts[0])["password"], PASSWORD);
    assert_eq!(body_of(aaa_posts[1])["password"], rejected.as_str());

    // The exporters received the five calls.
    let tool_runs = |received: &[common::receiver::Received]| -> Vec<Value> {
        received
            .iter()
            .flat_map(|r| r.json()["post"].as_array().cloned().unwrap_or_default())
            .filter(|run| run["run_type"] == "tool" && run["name"] == "test_connectivity")
            .collect()
    };
    assert!(
        langsmith.wait_until(Duration::from_secs(20), |r| tool_runs(r).len() >= 5),
        "LangSmith got the tool runs: {:?}",
        tool_runs(&langsmith.received())
    );
    assert!(
        collector.wait_until(Duration::from_secs(20), |r| r
            .iter()
            .map(|x| String::from_utf8_lossy(&x.body)
                .matches("test_connectivity")
                .count())
            .sum::<usize>()
            >= 5),
        "OTLP got the tool spans"
    );
    let langsmith_text: String = langsmith
        .received()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    let otlp_text: String = collector
        .received()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    // LangSmith has the tool runs with their inputs, the password redacted.
    let inputs: Vec<Value> = tool_runs(&langsmith.received())
        .into_iter()
        .map(|run| run["inputs"].clone())
        .collect();
    assert_eq!(inputs.len(), 5, "{inputs:?}");
    for i in &inputs {
        assert_eq!(i["password"], "[redacted]", "{i}");
        assert!(i["serial"].is_string(), "{i}");
    }
    // Verbose logging was on (ARUBA_LOG=trace; the server's own debug lines are there), and
    // every channel carried the calls' errors: a password in an error message would be seen.
    assert!(stderr.contains("\"level\":\"DEBUG\""), "{stderr}");
    assert!(stderr.contains("tool call finished"), "{stderr}");
    for (what, haystack) in [
        ("stderr", &stderr),
        ("LangSmith", &langsmith_text),
        ("OTLP", &otlp_text),
    ] {
        assert!(
            haystack.contains("argument `password`") && haystack.contains("offline or busy"),
            "{what} has the error texts"
        );
    }

    let results_text: String = results
        .iter()
        .map(|r| {
            format!(
                "{}\n{}",
                text(r),
                serde_json::to_string(&r.structured_content).unwrap()
            )
        })
        .collect();
    for (what, haystack) in [
        ("stderr", &stderr),
        ("/metrics", &metrics),
        ("LangSmith", &langsmith_text),
        ("OTLP", &otlp_text),
        ("the results", &results_text),
    ] {
        for secret in [PASSWORD, "Kiwi-Lantern-90417"] {
            let leaks: Vec<String> = haystack
                .lines()
                .filter(|l| l.contains(secret))
                .take(3)
                .map(|l| l.chars().take(400).collect())
                .collect();
            assert!(
                leaks.is_empty(),
                "the password leaked into {what}: {leaks:#?}"
            );
        }
    }
}
