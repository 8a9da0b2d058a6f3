//! `run_throughput_test` and `ping_sweep_from_gateway` (issue 19) over the real binary and the
//! simulator: the exact requests (each checked against troubleshooting.json), the mapped
//! results, FAILED tests, device errors (404, 409), argument errors, refused families and
//! read-only mode.

mod common;

use aruba_noc_mcp::simulator::{Device, DeviceStatus, DeviceType, JournalEntry, SimulatorHandle};
use common::devices::*;
use common::*;
use serde_json::{Value, json};

fn site_index(sim: &SimulatorHandle, d: &Device) -> u8 {
    sim.dataset().site(&d.site_id).expect("site").index
}

fn body(e: &JournalEntry) -> Value {
    serde_json::from_str(e.body.as_deref().expect("a body")).expect("JSON body")
}

/// The one POST and its polls went to `path` and its task, all documented in the spec.
fn check_task_requests(sim: &SimulatorHandle, path: &str) -> Value {
    let sent = posts(sim);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].path, path);
    let spec = spec::troubleshooting();
    let ts = troubleshooting(sim);
    assert!(ts.len() >= 3, "a POST and at least two polls: {ts:?}");
    for e in &ts {
        spec::check_request(&spec, e);
        assert!(
            e.path.starts_with(path),
            "{} is not {path} or its task",
            e.path
        );
    }
    assert!(
        ts.iter()
            .skip(1)
            .all(|e| e.method == "GET" && e.path.contains("/async-operations/"))
    );
    body(&sent[0])
}

fn ok(result: &rmcp::model::CallToolResult) -> Value {
    assert_ne!(result.is_error, Some(true), "{}", text(result));
    structured(result)
}

fn refused(result: &rmcp::model::CallToolResult, needles: &[&str]) {
    assert_eq!(result.is_error, Some(true), "{result:?}");
    let t = text(result);
    for n in needles {
        assert!(t.contains(n), "{n:?} not in {t}");
    }
}

fn mbps(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a rate"))
}

#[tokio::test]
async fn throughput_runs_speedtest_on_an_ap_and_iperf_on_a_gateway() {
    let sim = simulator();
    let client = session(&sim, &[]).await;

    // Access point: speedtest, the AP's field names, both directions.
    let ap = online(&sim, DeviceType::AccessPoint, None);
    let result = call(
        &client,
        "run_throughput_test",
        json!({"serial": ap.serial_number.to_lowercase(), "iperf_server": "203.0.113.10",
               "protocol": "tcp", "seconds": 15, "reverse": true, "parallel": 4, "port": 5202}),
    )
    .await;
    let out = ok(&result);
    let api = api_requests(&sim);
    assert_eq!(api[0].path, "/network-monitoring/v1/devices");
    let sent = check_task_requests(
        &sim,
        &format!(
            "/network-troubleshooting/v1/aps/{}/speedtest",
            ap.serial_number
        ),
    );
    assert_eq!(
        sent,
        json!({"iperfServerAddress": "203.0.113.10", "protocol": "tcp", "includeReverse": true,
               "parallel": 4, "secondsToMeasure": 15, "serverPort": 5202})
    );
    assert_eq!(out["device_type"], "aps");
    assert_eq!(out["test"], "speedtest");
    assert_eq!(out["status"], "COMPLETED", "{out}");
    assert_eq!(out["timed_out"], false);
    assert_eq!(out["protocol"], "tcp");
    assert_eq!(out["seconds"], 15);
    assert_eq!(out["server"], "203.0.113.10");
    for dir in ["upload", "download"] {
        let d = &out[dir];
        assert!(mbps(&d["mbps"]) > 0.5, "{out}");
        assert!(d["retransmits"].as_u64().is_some(), "{out}");
        assert_eq!(d["jitter_ms"], Value::Null);
        assert_eq!(d["sender_mbps"], Value::Null, "the AP reports one rate");
    }
    let summary = out["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!(
            "speedtest (TCP, 15 s) from access point {} to 203.0.113.10 completed: upload ",
            ap.serial_number
        )) && summary.contains("; download "),
        "{summary}"
    );

    // Gateway: iperf, duration and port under the gateway's names, the iperf3 text asked for.
    sim.clear_journal();
    let gw = online(&sim, DeviceType::Gateway, None);
    let result = call(
        &client,
        "run_throughput_test",
        json!({"serial": gw.serial_number, "iperf_server": "203.0.113.10", "reverse": true,
               "parallel": 2, "port": 5202}),
    )
    .await;
    let out = ok(&result);
    let sent = check_task_requests(
        &sim,
        &format!(
            "/network-troubleshooting/v1/gateways/{}/iperf",
            gw.serial_number
        ),
    );
    assert_eq!(
        sent,
        json!({"iperfServerAddress": "203.0.113.10", "includeReverse": true, "parallel": 2,
               "duration": 10, "port": 5202, "includeRawOutput": true})
    );
    assert_eq!(out["device_type"], "gateways");
    assert_eq!(out["test"], "iperf");
    assert_eq!(out["status"], "COMPLETED", "{out}");
    assert_eq!(out["seconds"], 10);
    for dir in ["upload", "download"] {
        let d = &out[dir];
        let (got, sent) = (mbps(&d["mbps"]), mbps(&d["sender_mbps"]));
        assert!(got > 0.5 && sent >= got, "{out}");
        assert!(d["retransmits"].as_u64().is_some(), "{out}");
    }
    assert!(
        out["summary"]
            .as_str()
            .unwrap()
            .contains("iperf (TCP, 10 s) from gateway"),
        "{out}"
    );
    // No raw text in the result: it was read for retransmits and the reverse run only.
    assert!(!out.to_string().contains("iperf Done"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn throughput_follows_the_site_uplink_and_udp_reports_jitter_and_loss() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    // A gateway at a branch (site index 2: a 500/100 Mbit/s internet plan in the simulator).
    let gw = device(&sim, |d| {
        d.device_type == DeviceType::Gateway
            && d.status == DeviceStatus::Online
            && site_index(&sim, d) == 2
    });
    let lan = format!("10.{}.0.20", site_index(&sim, &gw));
    let run = |server: &str, extra: Value| {
        let mut args = json!({"serial": gw.serial_number, "iperf_server": server});
        for (k, v) in extra.as_object().unwrap() {
            args[k] = v.clone();
        }
        call(&client, "run_throughput_test", args)
    };
    let over_lan = ok(&run(&lan, json!({})).await);
    let over_wan = ok(&run("203.0.113.10", json!({"reverse": true})).await);
    let lan_up = mbps(&over_lan["upload"]["mbps"]);
    let wan_up = mbps(&over_wan["upload"]["mbps"]);
    let wan_down = mbps(&over_wan["download"]["mbps"]);
    assert!(lan_up > 800.0 && lan_up < 1000.0, "{over_lan}");
    assert!(wan_up < 100.0, "{over_wan}");
    assert!(wan_down > wan_up && wan_down < 500.0, "{over_wan}");
    assert_eq!(over_lan["download"], Value::Null);
    assert!(
        over_lan["summary"]
            .as_str()
            .unwrap()
            .contains("Download not measured (reverse: true measures it)"),
        "{over_lan}"
    );

    // UDP: jitter and loss, no retransmits, from the gateway's iperf3 text and the AP's fields.
    sim.clear_journal();
    let udp = ok(&run("203.0.113.10", json!({"protocol": "udp"})).await);
    assert_eq!(body(&posts(&sim)[0])["protocol"], "udp");
    assert_eq!(udp["protocol"], "udp");
    let up = &udp["upload"];
    assert!(up["jitter_ms"].as_f64().is_some(), "{udp}");
    assert!(up["loss_percent"].as_f64().is_some(), "{udp}");
    assert_eq!(up["retransmits"], Value::Null);
    assert!(
        (mbps(&up["mbps"]) - 1.0).abs() < 0.1,
        "iperf3's 1 Mbit/s: {udp}"
    );
    let ap = online(&sim, DeviceType::AccessPoint, None);
    let ap_udp = ok(&call(
        &client,
        "run_throughput_test",
        json!({"serial": ap.serial_number, "iperf_server": "203.0.113.10", "protocol": "udp", "reverse": true}),
    )
    .await);
    for dir in ["upload", "download"] {
        assert!(ap_udp[dir]["jitter_ms"].as_f64().is_some(), "{ap_udp}");
        assert!(ap_udp[dir]["loss_percent"].as_f64().is_some(), "{ap_udp}");
        assert_eq!(ap_udp[dir]["retransmits"], Value::Null);
    }
    assert!(
        ap_udp["summary"].as_str().unwrap().contains("jitter"),
        "{ap_udp}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn throughput_fails_for_an_unreachable_server_and_explains_device_errors() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online(&sim, DeviceType::AccessPoint, None);
    let gw = online(&sim, DeviceType::Gateway, None);
    for (serial, server) in [
        (&ap.serial_number, "192.0.2.7"),
        (&gw.serial_number, "iperf.invalid"),
    ] {
        let out = ok(&call(
            &client,
            "run_throughput_test",
            json!({"serial": serial, "iperf_server": server}),
        )
        .await);
        assert_eq!(out["status"], "FAILED", "{out}");
        assert!(
            out["fail_reason"]
                .as_str()
                .unwrap()
                .contains("unable to connect to server"),
            "{out}"
        );
        assert_eq!(out["upload"], Value::Null);
        let summary = out["summary"].as_str().unwrap();
        assert!(
            summary.contains("FAILED") && summary.contains(server),
            "{summary}"
        );
    }

    // Offline: 409 from Central, explained.
    let offline = device(&sim, |d| {
        d.device_type == DeviceType::AccessPoint && d.status == DeviceStatus::Offline
    });
    refused(
        &call(
            &client,
            "run_throughput_test",
            json!({"serial": offline.serial_number, "iperf_server": "203.0.113.10"}),
        )
        .await,
        &["offline or busy", "409"],
    );
    // Central does not know the device on the start path: 404, explained.
    sim.set_faults(
        format!(
            "error=404@/network-troubleshooting/v1/aps/{}/speedtest#1",
            ap.serial_number
        )
        .parse()
        .unwrap(),
    );
    refused(
        &call(
            &client,
            "run_throughput_test",
            json!({"serial": ap.serial_number, "iperf_server": "203.0.113.10"}),
        )
        .await,
        &[
            format!("No access point with serial {}", ap.serial_number).as_str(),
            "404",
        ],
    );
    sim.clear_faults();
    // Not in Central at all: the lookup says so, nothing is started.
    sim.clear_journal();
    refused(
        &call(
            &client,
            "run_throughput_test",
            json!({"serial": "ZZ99NOPE01", "iperf_server": "203.0.113.10"}),
        )
        .await,
        &["argument `serial`", "ZZ99NOPE01"],
    );
    assert!(posts(&sim).is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn throughput_arguments_are_checked_per_family_and_switches_are_refused() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let ap = online(&sim, DeviceType::AccessPoint, None);
    let gw = online(&sim, DeviceType::Gateway, None);
    // Wrong everywhere: refused before any request.
    for (args, needle) in [
        (json!({"serial": ap.serial_number}), "iperf_server"),
        (
            json!({"serial": ap.serial_number, "iperf_server": "1.2.3.4; reboot"}),
            "argument `iperf_server`",
        ),
        (
            json!({"serial": ap.serial_number, "iperf_server": "x", "seconds": 0}),
            "argument `seconds`",
        ),
        (
            json!({"serial": ap.serial_number, "iperf_server": "x", "seconds": 121}),
            "argument `seconds`",
        ),
        (
            json!({"serial": ap.serial_number, "iperf_server": "x", "parallel": 31}),
            "argument `parallel`",
        ),
        (
            json!({"serial": ap.serial_number, "iperf_server": "x", "port": 65536}),
            "argument `port`",
        ),
        (
            json!({"serial": ap.serial_number, "iperf_server": "x", "protocol": "icmp"}),
            "argument `protocol`",
        ),
        (
            json!({"serial": ap.serial_number, "iperf_server": "x", "timeout_seconds": 5}),
            "timeout_seconds",
        ),
    ] {
        refused(
            &call(&client, "run_throughput_test", args.clone()).await,
            &[needle],
        );
    }
    assert!(api_requests(&sim).is_empty());

    // Valid for one family, not the other: the lookup runs, nothing is started.
    refused(
        &call(
            &client,
            "run_throughput_test",
            json!({"serial": ap.serial_number, "iperf_server": "x", "seconds": 30}),
        )
        .await,
        &[
            "argument `seconds`",
            "access point's speedtest takes 1 to 20",
        ],
    );
    refused(
        &call(
            &client,
            "run_throughput_test",
            json!({"serial": gw.serial_number, "iperf_server": "x", "seconds": 5}),
        )
        .await,
        &["argument `seconds`", "gateway's iperf takes 10 to 120"],
    );
    for (switch_type, noun) in [("cx", "AOS-CX switch"), ("pvos", "AOS-Switch switch")] {
        let sw = online(&sim, DeviceType::Switch, Some(switch_type));
        refused(
            &call(
                &client,
                "run_throughput_test",
                json!({"serial": sw.serial_number, "iperf_server": "203.0.113.10"}),
            )
            .await,
            &[
                "argument `serial`",
                noun,
                "access points (speedtest) and gateways (iperf)",
            ],
        );
    }
    assert!(posts(&sim).is_empty(), "{:?}", posts(&sim));
    assert!(troubleshooting(&sim).is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn ping_sweep_finds_the_path_mtu_of_the_uplink_and_of_the_tunnel() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let gw = online(&sim, DeviceType::Gateway, None);

    // Internet: the 1500-byte uplink, so payloads above 1472 get no reply.
    let out = ok(&call(
        &client,
        "ping_sweep_from_gateway",
        json!({"serial": gw.serial_number, "destination": "1.1.1.1", "start_size": 1400,
               "end_size": 1500, "step": 10, "count": 2}),
    )
    .await);
    let sent = check_task_requests(
        &sim,
        &format!(
            "/network-troubleshooting/v1/gateways/{}/pingSweep",
            gw.serial_number
        ),
    );
    assert_eq!(
        sent,
        json!({"destination": "1.1.1.1", "startPacketSize": 1400, "endPacketSize": 1500,
               "sweepInterval": 10, "count": 2})
    );
    assert_eq!(out["status"], "COMPLETED", "{out}");
    let sizes = out["sizes"].as_array().unwrap();
    assert_eq!(sizes.len(), 11);
    for s in sizes {
        let size = s["size"].as_u64().unwrap();
        assert_eq!(s["sent"], 2);
        assert_eq!(s["passed"], size <= 1472, "{s}");
        assert_eq!(s["received"], if size <= 1472 { 2 } else { 0 }, "{s}");
    }
    assert_eq!(out["largest_passed"], 1470);
    assert_eq!(out["smallest_failed"], 1480);
    assert_eq!(out["path_mtu"], 1498);
    assert!(out["rtt_avg_ms"].as_f64().unwrap() > 0.0);
    let summary = out["summary"].as_str().unwrap();
    assert!(
        summary.contains("8 got through")
            && summary.contains("path MTU between 1498 and 1507 bytes"),
        "{summary}"
    );

    // Step 1 around the limit: the exact MTU.
    let out = ok(&call(
        &client,
        "ping_sweep_from_gateway",
        json!({"serial": gw.serial_number, "destination": "one.one.one.one", "start_size": 1465,
               "end_size": 1480, "step": 1, "count": 1}),
    )
    .await);
    assert_eq!(out["largest_passed"], 1472);
    assert_eq!(out["smallest_failed"], 1473);
    assert_eq!(out["path_mtu"], 1500);
    assert!(
        out["summary"]
            .as_str()
            .unwrap()
            .contains("path MTU 1500 bytes (1472 + 28 bytes of headers)"),
        "{out}"
    );

    // To a private address at another site, through the gateway's IPSec tunnel: MTU 1400.
    let ds = sim.dataset();
    let branch = ds
        .devices
        .iter()
        .find(|d| {
            d.device_type == DeviceType::Gateway
                && d.status == DeviceStatus::Online
                && site_index(&sim, d) != 1
                && ds.tunnels.iter().any(|t| {
                    t.gateway_serial == d.serial_number
                        && t.encapsulation == "IPSec"
                        && t.status == "Up"
                })
        })
        .expect("a branch gateway with an IPSec tunnel up");
    sim.clear_journal();
    let out = ok(&call(
        &client,
        "ping_sweep_from_gateway",
        json!({"serial": branch.serial_number, "destination": "10.1.0.10", "start_size": 1000,
               "end_size": 1500}),
    )
    .await);
    // No step: the smallest that keeps to 100 steps; no count: Central's default.
    assert_eq!(
        body(&posts(&sim)[0]),
        json!({"destination": "10.1.0.10", "startPacketSize": 1000, "endPacketSize": 1500,
               "sweepInterval": 5})
    );
    assert_eq!(out["sizes"].as_array().unwrap().len(), 101);
    assert_eq!(out["sizes"][0]["sent"], 5);
    assert_eq!(out["largest_passed"], 1370);
    assert_eq!(out["smallest_failed"], 1375);
    assert_eq!(out["path_mtu"], 1398);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn ping_sweep_checks_its_arguments_refuses_other_families_and_reports_failures() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let gw = online(&sim, DeviceType::Gateway, None);
    let sweep = |extra: Value| {
        let mut args = json!({"serial": gw.serial_number, "destination": "1.1.1.1"});
        for (k, v) in extra.as_object().unwrap() {
            args[k] = v.clone();
        }
        call(&client, "ping_sweep_from_gateway", args)
    };
    for (extra, needles) in [
        (
            json!({"start_size": 1500, "end_size": 1400}),
            vec!["argument `end_size`", "below start_size 1500"],
        ),
        (
            json!({"start_size": 1000, "end_size": 1500, "step": 1}),
            vec!["argument `step`", "500 steps", "at least 5"],
        ),
        (
            json!({"start_size": 0, "end_size": 1500}),
            vec!["argument `start_size`"],
        ),
        (
            json!({"start_size": 10, "end_size": 9001}),
            vec!["argument `end_size`"],
        ),
        (
            json!({"start_size": 10, "end_size": 20, "count": 11}),
            vec!["argument `count`"],
        ),
        (json!({"start_size": 10}), vec!["end_size"]),
        (
            json!({"start_size": 10, "end_size": 20, "packet_size": 64}),
            vec!["packet_size"],
        ),
        (
            json!({"start_size": 10, "end_size": 20, "destination": "a b"}),
            vec!["argument `destination`"],
        ),
    ] {
        refused(&sweep(extra).await, &needles);
    }
    assert!(api_requests(&sim).is_empty());

    // Not a gateway: refused after the lookup, nothing started.
    for (d, noun) in [
        (online(&sim, DeviceType::AccessPoint, None), "access point"),
        (
            online(&sim, DeviceType::Switch, Some("cx")),
            "AOS-CX switch",
        ),
    ] {
        refused(
            &call(
                &client,
                "ping_sweep_from_gateway",
                json!({"serial": d.serial_number, "destination": "1.1.1.1", "start_size": 1400, "end_size": 1500}),
            )
            .await,
            &["argument `serial`", noun, "gateways only"],
        );
    }
    assert!(posts(&sim).is_empty());

    // Unreachable destination: a FAILED test, a result.
    let out = ok(&sweep(
        json!({"start_size": 1400, "end_size": 1500, "destination": "192.0.2.1", "count": 1}),
    )
    .await);
    assert_eq!(out["status"], "FAILED");
    assert_eq!(
        out["fail_reason"],
        "Destination host unreachable: 192.0.2.1"
    );
    assert_eq!(out["sizes"], json!([]));
    assert_eq!(out["path_mtu"], Value::Null);
    assert!(out["summary"].as_str().unwrap().contains("FAILED"));

    // Busy or offline (every gateway of the default dataset is online): 409, explained; unknown
    // on the start path: 404, explained.
    sim.set_faults(
        format!(
            "error=409@/network-troubleshooting/v1/gateways/{}/pingSweep#1",
            gw.serial_number
        )
        .parse()
        .unwrap(),
    );
    refused(
        &sweep(json!({"start_size": 1400, "end_size": 1500})).await,
        &["offline or busy", "409"],
    );
    sim.set_faults(
        format!(
            "error=404@/network-troubleshooting/v1/gateways/{}/pingSweep#1",
            gw.serial_number
        )
        .parse()
        .unwrap(),
    );
    refused(
        &sweep(json!({"start_size": 1400, "end_size": 1500})).await,
        &[
            format!("No gateway with serial {}", gw.serial_number).as_str(),
            "404",
        ],
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn read_only_hides_and_refuses_both_tools() {
    let sim = simulator();
    let client = session(&sim, &[("ARUBA_READ_ONLY", "true")]).await;
    let names = tool_names(&client).await;
    assert!(names.contains(&"list_device_tasks".to_string()));
    let gw = online(&sim, DeviceType::Gateway, None);
    for (tool, args) in [
        (
            "run_throughput_test",
            json!({"serial": gw.serial_number, "iperf_server": "203.0.113.10"}),
        ),
        (
            "ping_sweep_from_gateway",
            json!({"serial": gw.serial_number, "destination": "1.1.1.1", "start_size": 1400, "end_size": 1500}),
        ),
    ] {
        assert!(!names.contains(&tool.to_string()), "{tool} listed");
        refused(&call(&client, tool, args).await, &["read-only"]);
    }
    assert!(api_requests(&sim).is_empty());
    client.cancel().await.unwrap();

    // Without read-only both are listed as active, non-destructive tools.
    let client = session(&sim, &[]).await;
    let tools = client.list_all_tools().await.unwrap();
    for name in ["run_throughput_test", "ping_sweep_from_gateway"] {
        let t = tools.iter().find(|t| t.name == name).expect(name);
        let a = t.annotations.as_ref().unwrap();
        assert_eq!(a.read_only_hint, Some(false));
        assert_eq!(a.destructive_hint, Some(false));
    }
    client.cancel().await.unwrap();
}
