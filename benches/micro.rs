//! Micro benchmarks of the hot pure functions of a tool call: decoding and validating a tool's
//! arguments, and turning a 1,000-device page of `GET /network-monitoring/v1/devices` into the
//! tool's result. (The breaker and the token bucket are in `benches/resilience.rs`.)
//!
//! `cargo bench --bench micro` measures, prints a table and writes `target/bench/micro.json`.
//! Under `cargo test` (no `--bench` argument) it runs a few iterations only, as a smoke check of
//! the code paths it times.

use std::hint::black_box;
use std::time::Instant;

use aruba_noc_mcp::tools::args;
use aruba_noc_mcp::tools::devices::{DeviceListArgs, DevicePage, map_device_page};
use aruba_noc_mcp::tools::scalar::ObjectOnly;
use serde_json::{Map, Value, json};

/// Devices on the large page.
const PAGE_ITEMS: usize = 1_000;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let scale: u64 = if full { 1 } else { 1_000 };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    // Arguments: a typical call (four filters) and a refused one (unknown argument).
    let good = object(json!({
        "device_type": "ACCESS_POINT", "status": "OFFLINE", "site_id": "24833497", "limit": 100
    }));
    let bad = object(json!({"device_type": "ACCESS_POINT", "colour": "red"}));
    let args_ok_ns = per_call_ns(200_000 / scale, || {
        let decoded = args::decode::<DeviceListArgs>(black_box(good.clone()));
        assert!(decoded.is_ok(), "valid arguments are accepted");
        black_box(decoded.is_ok());
    });
    let args_bad_ns = per_call_ns(200_000 / scale, || {
        let decoded = args::decode::<DeviceListArgs>(black_box(bad.clone()));
        assert!(decoded.is_err(), "an unknown argument is refused");
        black_box(decoded.is_err());
    });
    // The clone of the argument map is part of both rows (the server owns the map it decodes);
    // measured alone so it can be subtracted.
    let clone_ns = per_call_ns(200_000 / scale, || {
        black_box(black_box(&good).clone());
    });

    // A 1,000-device page as Central (and the simulator, `views::device_item`) sends it. The
    // result is built without a size bound (a tool call's 64 kB bound would cut it), so the rows
    // time mapping and serialising all of it.
    const NO_BOUND: usize = usize::MAX;
    let page = device_page(PAGE_ITEMS);
    let body = serde_json::to_vec(&page).expect("the page serialises");
    let map_ns = per_call_ns(2_000 / scale, || {
        let output = map_device_page(black_box(&page), None);
        assert_eq!(output.returned, PAGE_ITEMS);
        black_box(output);
    });
    let result_ns = per_call_ns(2_000 / scale, || {
        let output = map_device_page(black_box(&page), None);
        black_box(aruba_noc_mcp::tools::success(&output, NO_BOUND));
    });
    let whole_ns = per_call_ns(1_000 / scale, || {
        let parsed: Value = serde_json::from_slice(black_box(&body)).expect("valid JSON");
        let output = map_device_page(&parsed, None);
        let result = aruba_noc_mcp::tools::success(&output, NO_BOUND);
        black_box(serde_json::to_vec(&result).expect("the result serialises"));
    });
    // What `get_device_list` does: decode the page straight into typed fields, no `Value` tree.
    let typed_ns = per_call_ns(1_000 / scale, || {
        let ObjectOnly(page) = serde_json::from_slice::<ObjectOnly<DevicePage>>(black_box(&body))
            .expect("the documented page shape decodes");
        let output = page.to_output(None);
        assert_eq!(output.returned, PAGE_ITEMS);
        let result = aruba_noc_mcp::tools::success(&output, NO_BOUND);
        black_box(serde_json::to_vec(&result).expect("the result serialises"));
    });
    let result_bytes = {
        let output = map_device_page(&page, None);
        serde_json::to_vec(&aruba_noc_mcp::tools::success(&output, NO_BOUND))
            .expect("the result serialises")
            .len()
    };

    let rows = [
        (
            "decode + validate get_device_list arguments (4 filters)",
            args_ok_ns,
            "args_valid_ns",
        ),
        (
            "decode + refuse get_device_list arguments (unknown argument)",
            args_bad_ns,
            "args_refused_ns",
        ),
        (
            "  of which: cloning the argument map",
            clone_ns,
            "args_clone_ns",
        ),
        (
            "map a 1,000-device page to the tool output",
            map_ns,
            "map_1000_ns",
        ),
        (
            "map + build the MCP result (summary, JSON text, structuredContent)",
            result_ns,
            "result_1000_ns",
        ),
        (
            "parse the body into a Value + map + result + serialise the JSON-RPC result",
            whole_ns,
            "whole_1000_ns",
        ),
        (
            "the same with the typed page decode that get_device_list uses",
            typed_ns,
            "whole_typed_1000_ns",
        ),
    ];
    println!(
        "micro benchmark ({cores} cores; page of {PAGE_ITEMS} devices, {} bytes in, {result_bytes} bytes out)",
        body.len()
    );
    println!("| what | cost |");
    println!("|---|---|");
    for (what, ns, _) in &rows {
        println!("| {what} | {} |", human_ns(*ns));
    }
    let mut report = Map::new();
    report.insert("cores".into(), json!(cores));
    report.insert("page_items".into(), json!(PAGE_ITEMS));
    report.insert("page_bytes".into(), json!(body.len()));
    report.insert("result_bytes".into(), json!(result_bytes));
    for (_, ns, key) in &rows {
        report.insert((*key).into(), json!((ns * 10.0).round() / 10.0));
    }
    report.insert("command".into(), json!("cargo bench --bench micro"));
    let report = Value::Object(report);
    println!("{report}");
    if full {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
        std::fs::create_dir_all(&dir).expect("target/bench can be created");
        std::fs::write(dir.join("micro.json"), format!("{report:#}\n"))
            .expect("target/bench/micro.json can be written");
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

/// A page of `GET /network-monitoring/v1/devices` with `items` devices in the shape of the
/// simulator's `views::device_item`: a mix of types, one in seven offline.
fn device_page(items: usize) -> Value {
    let types = ["ACCESS_POINT", "SWITCH", "GATEWAY"];
    let devices: Vec<Value> = (0..items)
        .map(|i| {
            let offline = i % 7 == 3;
            let serial = format!("CNK{i:07}");
            json!({
                "id": serial,
                "type": "network-monitoring/device-monitoring",
                "serialNumber": serial,
                "macAddress": format!("20:4c:03:{:02x}:{:02x}:{:02x}", i >> 16 & 0xff, i >> 8 & 0xff, i & 0xff),
                "deviceName": format!("dev-{i:04}"),
                "deviceType": types[i % 3],
                "siteId": format!("{}", 24_833_000 + i % 40),
                "siteName": format!("Site {}", i % 40),
                "model": "AP-635",
                "partNumber": "R7J28A",
                "status": if offline { "OFFLINE" } else { "ONLINE" },
                "firmwareVersion": "10.6.0.2_90581",
                "deployment": "Standalone",
                "deviceFunction": null,
                "role": "AP",
                "ipv4": format!("10.{}.{}.{}", i >> 16 & 0xff, i >> 8 & 0xff, i & 0xff),
                "ipv6": null,
                "uptimeInMillis": if offline { Value::Null } else { json!(86_400_000u64 * (i as u64 % 30 + 1)) },
                "lastSeenAt": "2026-03-21T10:00:00.000Z",
                "clusterName": null,
                "configStatus": "SYNCED",
                "configLastModifiedAt": "2026-03-01T08:00:00.000Z",
            })
        })
        .collect();
    json!({"items": devices, "count": items, "total": items * 3, "next": "2"})
}

fn per_call_ns(iterations: u64, mut f: impl FnMut()) -> f64 {
    let iterations = iterations.max(1);
    // Warm caches and the allocator first.
    for _ in 0..iterations.div_ceil(10) {
        f();
    }
    let started = Instant::now();
    for _ in 0..iterations {
        f();
    }
    started.elapsed().as_nanos() as f64 / iterations as f64
}

fn human_ns(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.1} µs", ns / 1_000.0)
    } else {
        format!("{ns:.0} ns")
    }
}
