//! One MCP session with the binary under test, as an MCP client launches it: `--version`, then
//! `serve` over pipes against the simulator on 127.0.0.1: `initialize`, `tools/list` (exactly the
//! snapshot's tools) and two tool calls that reach Central.
//!
//! On its own (`cargo test`) it drives the binary cargo built. tests/arm.sh runs it against the
//! aarch64 musl appliance build under qemu-user:
//!
//! ```sh
//! ARUBA_TEST_BIN=target/aarch64-unknown-linux-musl/appliance/aruba-noc-mcp \
//! ARUBA_TEST_RUNNER=qemu-aarch64-static ARUBA_TEST_EXPECT_ARCH=aarch64 \
//!     cargo test --test appliance_binary
//! ```
//!
//! With `ARUBA_TEST_EXPECT_ARCH` set, the binary under test must be an ELF executable for that
//! architecture: a run meant for the ARM build fails, rather than passing with the host binary,
//! when `ARUBA_TEST_BIN` is missing.

mod common;

use std::process::Stdio;

use serde_json::json;

use common::{
    api_requests, bin, bin_command, call, connect, env_for, runner, simulator, structured,
};

/// The ELF `e_machine` of an architecture name as `uname -m` prints it.
fn elf_machine(arch: &str) -> u16 {
    match arch {
        "x86_64" => 62,
        "aarch64" => 183,
        "arm" | "armv7l" => 40,
        other => panic!("ARUBA_TEST_EXPECT_ARCH={other}: expected x86_64, aarch64 or arm"),
    }
}

#[test]
fn binary_under_test_is_for_the_expected_architecture() {
    let path = bin();
    let header = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    assert!(
        header.len() > 20 && header.starts_with(b"\x7fELF"),
        "{path} is not an ELF file"
    );
    let machine = u16::from_le_bytes([header[18], header[19]]);
    let expected = match std::env::var("ARUBA_TEST_EXPECT_ARCH") {
        Ok(arch) => elf_machine(&arch),
        Err(_) => elf_machine(std::env::consts::ARCH),
    };
    assert_eq!(machine, expected, "ELF e_machine of {path}");
}

#[tokio::test]
async fn appliance_binary_serves_an_mcp_session() {
    let version = bin_command()
        .arg("--version")
        .env_clear()
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {:?} {}: {e}", runner(), bin()));
    assert!(version.status.success(), "--version: {version:?}");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("aruba-noc-mcp {}", env!("CARGO_PKG_VERSION"))
    );

    let sim = simulator();
    let client = connect(common::server_command(&env_for(&sim), Stdio::null())).await;
    let info = client.peer_info().expect("initialize result");
    let server = info.server_info.as_ref().expect("serverInfo");
    assert_eq!(server.name, "aruba-noc-mcp");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));

    // The tools, schemas and annotations are exactly the snapshot's.
    let tools = client.list_all_tools().await.expect("tools/list");
    let snapshot: serde_json::Value =
        serde_json::from_str(include_str!("snapshots/tools_list.json")).expect("snapshot parses");
    assert_eq!(serde_json::to_value(&tools).unwrap(), snapshot);

    // Two calls that go through OAuth, TLS-less HTTP to the simulator and back.
    let sites = structured(&call(&client, "get_sites_health", json!({})).await);
    let expected_sites = sim.dataset().sites.len();
    assert_eq!(
        sites["sites"].as_array().map(Vec::len),
        Some(expected_sites),
        "{sites}"
    );
    let devices = structured(
        &call(
            &client,
            "get_device_list",
            json!({"device_type": "SWITCH", "limit": 3}),
        )
        .await,
    );
    let page = devices["devices"].as_array().expect("devices");
    assert_eq!(page.len(), 3, "{devices}");
    assert!(
        page.iter().all(|d| d["device_type"] == "SWITCH"),
        "{devices}"
    );

    let paths: Vec<String> = api_requests(&sim).into_iter().map(|e| e.path).collect();
    assert_eq!(
        paths,
        [
            "/network-monitoring/v1/sites-health",
            "/network-monitoring/v1/devices"
        ],
        "the upstream requests of the two calls"
    );
    client.cancel().await.expect("clean shutdown");
}
