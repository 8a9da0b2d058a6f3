//! The Debian package's files and the packaged binary.
//!
//! - `packaging/debian/config.toml` (installed as the conffile `/etc/aruba-noc-mcp/config.toml`)
//!   names every setting, parses with the real loader as shipped (all commented: the defaults)
//!   and with every line uncommented (every example value is valid, tool names included).
//! - The man page names every command (the service's `daemon` and `connect` too), setting flag
//!   and variable, the reload signal and the service's files.
//! - An MCP session against `BIN serve --simulate`, where BIN is `$ARUBA_NOC_MCP_BIN` when set
//!   (tests/deb.sh sets it to the installed `/usr/bin/aruba-noc-mcp`), else the binary cargo
//!   built: the server answers with this version and lists exactly the snapshot's tools.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;

use aruba_noc_mcp::config::{Config, Inputs, LogFormat, SETTINGS};
use serde_json::json;

use common::{call, connect, structured};

const CONFFILE: &str = include_str!("../packaging/debian/config.toml");
const MAN_PAGE: &str = include_str!("../packaging/debian/aruba-noc-mcp.1");

/// `# key = value` lines of the conffile: (key, the line without the comment mark).
fn commented_settings() -> Vec<(String, String)> {
    CONFFILE
        .lines()
        .filter_map(|line| {
            let body = line.strip_prefix("# ")?;
            let (key, _) = body.split_once(" = ")?;
            let is_key = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            is_key.then(|| (key.to_string(), body.to_string()))
        })
        .collect()
}

/// Loads `text` as the config file, with no flags, environment or secret directories.
fn load(text: &str, name: &str) -> Config {
    let dir = std::env::temp_dir().join(format!("aruba-noc-mcp-pkg-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    let inputs = Inputs {
        flags: BTreeMap::new(),
        env: Default::default(),
        config_file: Some(path.clone()),
        default_config_file: None,
        secret_dirs: Vec::new(),
    };
    let config = Config::load(&inputs).unwrap_or_else(|e| panic!("{name}: {e}"));
    std::fs::remove_dir_all(&dir).unwrap();
    config
}

#[test]
fn conffile_names_every_setting_once() {
    let keys: Vec<String> = commented_settings().into_iter().map(|(k, _)| k).collect();
    for s in SETTINGS {
        let n = keys.iter().filter(|k| *k == s.key).count();
        assert_eq!(
            n, 1,
            "{} ({}) appears {n} times in the conffile",
            s.key, s.env
        );
        assert!(CONFFILE.contains(s.env), "the conffile names {}", s.env);
    }
    for key in &keys {
        assert!(
            SETTINGS.iter().any(|s| s.key == key),
            "the conffile has {key}, which is no setting"
        );
    }
}

#[test]
fn conffile_as_shipped_gives_the_defaults() {
    let shipped = load(CONFFILE, "shipped");
    let defaults = Config::load(&Inputs::default()).expect("defaults load");
    assert_eq!(shipped.central.base_url, defaults.central.base_url);
    assert_eq!(shipped.central.api_timeout, defaults.central.api_timeout);
    assert_eq!(shipped.metrics.addr, defaults.metrics.addr);
    assert_eq!(shipped.tools.toolsets, None);
    assert!(shipped.warnings.is_empty(), "{:?}", shipped.warnings);
}

#[test]
fn conffile_with_every_line_uncommented_is_valid() {
    let text: String = commented_settings()
        .into_iter()
        .map(|(_, line)| line + "\n")
        .collect();
    let config = load(&text, "uncommented");
    // The values shown are the defaults where a setting has one, so they load unchanged.
    assert_eq!(
        config.central.base_url,
        "https://us1.api.central.arubanetworks.com"
    );
    assert_eq!(config.central.http_workers, 8);
    assert_eq!(config.resilience.rate_limit_requests, 100);
    assert_eq!(config.resilience.breaker_threshold, 5);
    assert_eq!(config.metrics.addr, Some("127.0.0.1:9464".parse().unwrap()));
    assert!(config.metrics.tls.is_some());
    assert_eq!(
        config.metrics.token_file,
        Some(PathBuf::from("/etc/aruba-noc-mcp/secrets/metrics_token"))
    );
    assert_eq!(config.tools.toolsets.as_ref().map(Vec::len), Some(4));
    assert_eq!(config.log.format, LogFormat::Json);
    assert!(!config.langsmith.enabled);
    assert!(config.otlp.is_some());
    // The example toolsets and tool names are real: the server would start with them.
    let registry =
        aruba_noc_mcp::tools::Registry::select(aruba_noc_mcp::tools::catalogue(), &config.tools);
    assert!(registry.is_ok(), "{:?}", registry.err());
}

#[test]
fn man_page_names_every_command_and_setting() {
    for command in [
        "serve",
        "check",
        "daemon",
        "connect",
        "simulator",
        "demo",
        "\\-\\-simulate",
        "\\-\\-socket",
        "\\-\\-fallback",
    ] {
        assert!(MAN_PAGE.contains(command), "man page: {command}");
    }
    // The service's side: the reload signal and the files it uses.
    for needle in [
        "SIGHUP",
        "systemctl reload aruba\\-noc\\-mcp",
        "/run/aruba\\-noc\\-mcp/mcp.sock",
        "aruba\\-noc\\-mcp.service",
    ] {
        assert!(MAN_PAGE.contains(needle), "man page: {needle}");
    }
    for s in SETTINGS {
        let flag = format!("\\-\\-{}", s.key.replace('_', "\\-"));
        assert!(MAN_PAGE.contains(&flag), "man page: {flag}");
        assert!(MAN_PAGE.contains(s.env), "man page: {}", s.env);
    }
    assert!(
        MAN_PAGE.contains(&format!("\"aruba-noc-mcp {}\"", env!("CARGO_PKG_VERSION"))),
        "the man page header carries this version"
    );
}

/// The binary under test: the installed one when tests/deb.sh says so.
fn binary() -> String {
    std::env::var("ARUBA_NOC_MCP_BIN").unwrap_or_else(|_| common::BIN.to_string())
}

#[tokio::test]
async fn packaged_binary_serves_mcp_with_the_simulator() {
    let bin = binary();
    let version = std::process::Command::new(&bin)
        .arg("--version")
        .output()
        .expect("the binary runs");
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("aruba-noc-mcp {}", env!("CARGO_PKG_VERSION"))
    );

    let mut cmd = tokio::process::Command::new(&bin);
    cmd.args(["serve", "--simulate"])
        .env_clear()
        .env("ARUBA_METRICS_ADDR", "off")
        .env("ARUBA_LOG", "warn")
        .stderr(Stdio::null());
    let client = connect(cmd).await;
    let info = client.peer_info().expect("initialize result");
    let server = info.server_info.as_ref().expect("serverInfo");
    assert_eq!(server.name, "aruba-noc-mcp");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));

    // The size-tuned build offers exactly the tools, schemas and annotations of the snapshot.
    let tools = client.list_all_tools().await.expect("tools/list");
    let snapshot: serde_json::Value =
        serde_json::from_str(include_str!("snapshots/tools_list.json")).expect("snapshot parses");
    assert_eq!(serde_json::to_value(&tools).unwrap(), snapshot);

    let sites = structured(&call(&client, "get_sites_health", json!({})).await);
    assert!(
        sites["sites"].as_array().is_some_and(|s| !s.is_empty()),
        "{sites}"
    );
    let health = structured(&call(&client, "check_server_health", json!({})).await);
    assert_eq!(health["status"], "healthy", "{health}");
    assert_eq!(
        health["components"]["aruba_api"]["response_code"], 200,
        "{health}"
    );
    client.cancel().await.expect("clean shutdown");
}
