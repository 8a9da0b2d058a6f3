//! `aruba-noc-mcp demo`: a real end-to-end run on one machine, no credentials needed.
//!
//! 1. The Central simulator starts in this process on 127.0.0.1.
//! 2. This binary is launched again as `serve`, pointed at the simulator through the environment
//!    and a temporary `$CREDENTIALS_DIRECTORY` holding the simulator's client id and secret.
//! 3. This process acts as an MCP client (rmcp) over the child's stdin/stdout: `initialize`,
//!    `tools/list`, and a scripted series of tool calls, printing a readable transcript. The
//!    child runs with the device actions on (`ARUBA_ACTIONS=on`), so the script ends with a
//!    guarded action: a reboot's preview (nothing sent), the confirmed call, and the AP OFFLINE in
//!    the device list.
//! 4. It prints the upstream requests the simulator received (exactly one action POST), and
//!    exits 0 only when every step behaved as expected (errors included: the bad calls must fail
//!    the right way).

use std::path::PathBuf;
use std::process::Stdio;

use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock, JsonObject};
use rmcp::service::{Peer, RoleClient};
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

use crate::app::{Failure, runtime};
use crate::simulator::{Simulator, SimulatorConfig, SimulatorHandle};

const RULE: &str = "────────────────────────────────────────────────────────────────────────";

/// Runs the demo with simulator data from `seed`.
pub fn run(seed: u64) -> Result<(), Failure> {
    let simulator = Simulator::start(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        SimulatorConfig {
            seed,
            ..SimulatorConfig::default()
        },
    )
    .map_err(|e| Failure::Other(format!("cannot start the simulator: {e}")))?;
    let credentials = CredentialsDir::create(&simulator)?;
    println!("aruba-noc-mcp {} demo", env!("CARGO_PKG_VERSION"));
    println!(
        "Central simulator (seed {seed}) on {}",
        simulator.base_url()
    );
    let runtime = runtime()?;
    let outcome = runtime.block_on(session(&simulator, &credentials.path));
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    let action_posts = print_journal(&simulator);
    drop(credentials);
    simulator.shutdown();
    // The preview sent nothing; only the confirmed call reached Central.
    let outcome = outcome.map(|failures| {
        if action_posts == 1 {
            failures
        } else {
            println!("  !! expected exactly one device-action POST, saw {action_posts}");
            failures + 1
        }
    });
    match outcome {
        Ok(0) => {
            println!("\nDemo finished: every step behaved as expected.");
            Ok(())
        }
        Ok(n) => Err(Failure::Other(format!(
            "demo: {n} step(s) did not behave as expected"
        ))),
        Err(e) => Err(e),
    }
}

/// A private temporary directory with the simulator's credentials as secret files.
struct CredentialsDir {
    path: PathBuf,
}

impl CredentialsDir {
    fn create(simulator: &SimulatorHandle) -> Result<CredentialsDir, Failure> {
        let path = std::env::temp_dir().join(format!("aruba-noc-mcp-demo-{}", std::process::id()));
        let io = |e: std::io::Error| {
            Failure::Other(format!("demo: cannot write {}: {e}", path.display()))
        };
        std::fs::create_dir_all(&path).map_err(io)?;
        std::fs::write(path.join("aruba_client_id"), simulator.client_id()).map_err(io)?;
        std::fs::write(path.join("aruba_client_secret"), simulator.client_secret()).map_err(io)?;
        Ok(CredentialsDir { path })
    }
}

impl Drop for CredentialsDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn step(title: &'static str, tool: &'static str, arguments: Value, expect_error: bool) -> Step {
    Step {
        title,
        tool,
        arguments,
        expect_error,
    }
}

/// One scripted call and what must come of it.
struct Step {
    title: &'static str,
    tool: &'static str,
    arguments: Value,
    expect_error: bool,
}

async fn session(
    simulator: &SimulatorHandle,
    credentials: &std::path::Path,
) -> Result<usize, Failure> {
    let exe = std::env::current_exe()
        .map_err(|e| Failure::Other(format!("demo: cannot find this binary: {e}")))?;
    let metrics_addr = free_local_addr();
    let mut command = tokio::process::Command::new(exe);
    command
        .arg("serve")
        .env("ARUBA_BASE_URL", simulator.base_url())
        .env("ARUBA_TOKEN_URL", simulator.token_url())
        .env("CREDENTIALS_DIRECTORY", credentials)
        .env("ARUBA_METRICS_ADDR", metrics_addr.to_string())
        .env("ARUBA_LOG", "error")
        .env("ARUBA_LOG_FORMAT", "text")
        .env("ARUBA_ACTIONS", "on")
        .env_remove("ARUBA_ACTIONS_CONFIRM")
        .env_remove("ARUBA_ACTIONS_PER_MINUTE")
        .env_remove("ARUBA_ACCESS_TOKEN")
        .env_remove("ARUBA_TOOLSETS")
        .env_remove("ARUBA_TOOLS")
        .env_remove("ARUBA_READ_ONLY");
    let (transport, _stderr) = TokioChildProcess::builder(command)
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| Failure::Other(format!("demo: cannot launch the MCP server: {e}")))?;
    let client = ()
        .serve(transport)
        .await
        .map_err(|e| Failure::Other(format!("demo: MCP initialize failed: {e}")))?;

    println!("\n{RULE}\n→ initialize");
    if let Some(info) = client.peer_info() {
        let server = info.server_info.as_ref();
        println!(
            "← server {} {} (protocol {})",
            server.map_or("?", |s| s.name.as_str()),
            server.map_or("?", |s| s.version.as_str()),
            info.protocol_version
        );
        if let Some(instructions) = &info.instructions {
            println!(
                "  instructions: {}…",
                instructions.chars().take(110).collect::<String>()
            );
        }
    }

    println!("\n{RULE}\n→ tools/list");
    let tools = client
        .list_all_tools()
        .await
        .map_err(|e| Failure::Other(format!("demo: tools/list failed: {e}")))?;
    for t in &tools {
        let hint = |f: fn(&rmcp::model::ToolAnnotations) -> Option<bool>| {
            t.annotations.as_ref().and_then(f).unwrap_or(false)
        };
        let note = if hint(|a| a.read_only_hint) {
            " (read-only)"
        } else if hint(|a| a.destructive_hint) {
            " (device action, confirmed per call)"
        } else {
            ""
        };
        println!(
            "← {:<22} {}{note}",
            t.name,
            t.title.as_deref().unwrap_or("")
        );
    }

    let peer = client.peer().clone();
    let mut failures = 0;
    // The first answers provide the ids the later steps use, as a model would take them.
    let sites = call(
        &peer,
        &step(
            "Which sites need attention?",
            "get_sites_health",
            json!({}),
            false,
        ),
        &mut failures,
    )
    .await?;
    let first_site = sites
        .as_ref()
        .map_or(Value::Null, |s| s["sites"][0]["site_name"].clone());
    let aps = call(
        &peer,
        &step(
            "A page of access points",
            "get_device_list",
            json!({"device_type": "ACCESS_POINT", "limit": 5}),
            false,
        ),
        &mut failures,
    )
    .await?;
    let ap_serial = aps
        .as_ref()
        .and_then(|a| {
            a["devices"][0]["serial_number"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "UNKNOWN0000".to_string());
    let script = [
        step(
            "Which devices are offline?",
            "get_device_list",
            json!({"status": "OFFLINE"}),
            false,
        ),
        step(
            "One access point in detail",
            "get_ap_details",
            json!({"serial_number": ap_serial}),
            false,
        ),
        step(
            "Clients, without saying which site (the server never guesses)",
            "list_all_clients",
            json!({}),
            true,
        ),
        step(
            "Clients at the first site, by name",
            "list_all_clients",
            json!({"site_name": first_site, "limit": 5}),
            false,
        ),
        step(
            "An AP that does not exist (Central answers 404)",
            "get_ap_details",
            json!({"serial_number": "NOSUCHAP01"}),
            true,
        ),
        step(
            "A bad argument (rejected before any request to Central)",
            "get_device_list",
            json!({"limit": 5000}),
            true,
        ),
        step(
            "Is this server itself healthy? (token, breaker, limiter, Central)",
            "check_server_health",
            json!({}),
            false,
        ),
    ];
    for s in &script {
        call(&peer, s, &mut failures).await?;
    }
    guarded_action(&peer, &mut failures).await?;
    print_metrics_sample(metrics_addr).await;

    client
        .cancel()
        .await
        .map_err(|e| Failure::Other(format!("demo: closing the session failed: {e}")))?;
    Ok(failures)
}

/// Counts a step that did not behave as expected, saying what was expected.
fn expect(ok: bool, what: &str, failures: &mut usize) {
    if !ok {
        *failures += 1;
        println!("  !! expected {what}");
    }
}

/// A text field of `value`'s first device (`devices[0].<key>`).
fn first_device<'a>(value: Option<&'a Value>, key: &str) -> Option<&'a str> {
    value?
        .get("devices")?
        .as_array()?
        .first()?
        .get(key)?
        .as_str()
}

/// The guarded action: reboot an online AP. The first call is a preview (nothing is sent to
/// Central) with a single-use code; the same call plus the code runs it; the device list then
/// shows the AP OFFLINE (the simulator's reboot lasts 10 s).
async fn guarded_action(peer: &Peer<RoleClient>, failures: &mut usize) -> Result<(), Failure> {
    println!("\n{RULE}\nA guarded device action (ARUBA_ACTIONS=on): preview, confirm, effect");
    let online = call(
        peer,
        &step(
            "An online access point",
            "get_device_list",
            json!({"device_type": "ACCESS_POINT", "status": "ONLINE", "limit": 1}),
            false,
        ),
        failures,
    )
    .await?;
    let Some(serial) = first_device(online.as_ref(), "serial_number").map(str::to_string) else {
        expect(false, "an online access point", failures);
        return Ok(());
    };
    let preview = call(
        peer,
        &step(
            "Reboot it: the first call only previews (nothing is sent to Central)",
            "reboot_device",
            json!({"serial": serial}),
            false,
        ),
        failures,
    )
    .await?;
    let field = |v: Option<&Value>, key: &str| {
        v.and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    expect(
        field(preview.as_ref(), "stage").as_deref() == Some("preview"),
        "a preview",
        failures,
    );
    let Some(code) = field(preview.as_ref(), "confirmation") else {
        expect(false, "a confirmation code in the preview", failures);
        return Ok(());
    };
    let done = call(
        peer,
        &step(
            "Confirmed: the same arguments plus the code (in real use, only once the user agreed)",
            "reboot_device",
            json!({"serial": serial, "confirmation": code}),
            false,
        ),
        failures,
    )
    .await?;
    expect(
        field(done.as_ref(), "stage").as_deref() == Some("done"),
        "the reboot accepted by Central",
        failures,
    );
    let after = call(
        peer,
        &step(
            "The effect: the AP is OFFLINE while it reboots",
            "get_device_list",
            json!({"filter": format!("serialNumber eq '{serial}'")}),
            false,
        ),
        failures,
    )
    .await?;
    expect(
        first_device(after.as_ref(), "status") == Some("OFFLINE"),
        "the AP OFFLINE in the device list",
        failures,
    );
    Ok(())
}

/// Series worth showing from the server's `/metrics` after the script.
const METRICS_SAMPLE: &[&str] = &[
    "api_calls_total{",
    "api_calls_failure{",
    "oauth2_token_refreshes_total ",
    "token_expiry_buffer_seconds ",
    "circuit_breaker_state ",
    "rate_limiter_tokens_available ",
    "health_check_status ",
    "aruba_central_up ",
    "mcp_tool_calls_total{",
    "mcp_actions_total{",
    "process_resident_memory_bytes ",
];

/// Scrapes the child server's `/metrics` and prints the non-zero series of [`METRICS_SAMPLE`].
async fn print_metrics_sample(addr: std::net::SocketAddr) {
    println!("\n{RULE}\n→ GET http://{addr}/metrics (a sample)");
    let url = format!("http://{addr}/metrics");
    let scraped = tokio::task::spawn_blocking(move || {
        let mut response = ureq::get(&url).call().map_err(|e| e.to_string())?;
        response
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    match scraped {
        Ok(text) => {
            for line in text
                .lines()
                .filter(|l| METRICS_SAMPLE.iter().any(|p| l.starts_with(p)) && !l.ends_with(" 0"))
            {
                println!("  {line}");
            }
        }
        Err(e) => println!("  (could not scrape: {e})"),
    }
}

/// A free port on 127.0.0.1 for the child's metrics listener.
fn free_local_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|_| std::net::SocketAddr::from(([127, 0, 0, 1], 19464)))
}

/// Calls one tool, prints the exchange, and returns its structured content.
async fn call(
    peer: &Peer<RoleClient>,
    step: &Step,
    failures: &mut usize,
) -> Result<Option<Value>, Failure> {
    let arguments: JsonObject = step.arguments.as_object().cloned().unwrap_or_default();
    println!(
        "\n{RULE}\n{}\n→ tools/call {} {}",
        step.title,
        step.tool,
        Value::Object(arguments.clone())
    );
    let result: CallToolResult = peer
        .call_tool(CallToolRequestParams::new(step.tool).with_arguments(arguments))
        .await
        .map_err(|e| Failure::Other(format!("demo: tools/call {} failed: {e}", step.tool)))?;
    let is_error = result.is_error == Some(true);
    let first_text = result.content.iter().find_map(|c| match c {
        ContentBlock::Text(t) => Some(t.text.clone()),
        _ => None,
    });
    println!(
        "← {}{}",
        if is_error { "isError: " } else { "" },
        first_text.as_deref().unwrap_or("(no text)")
    );
    if is_error != step.expect_error {
        *failures += 1;
        println!(
            "  !! expected {}",
            if step.expect_error {
                "an error"
            } else {
                "success"
            }
        );
    }
    Ok(result.structured_content)
}

/// Prints the simulator's journal; returns how many device-action POSTs it holds.
fn print_journal(simulator: &SimulatorHandle) -> usize {
    let journal = simulator.journal();
    let action_posts = journal
        .iter()
        .filter(|e| e.method == "POST" && e.path.starts_with("/network-troubleshooting/"))
        .count();
    println!(
        "\n{RULE}\nUpstream requests the simulator received ({}):",
        journal.len()
    );
    for entry in journal {
        let query: Vec<String> = entry
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let auth = match entry.authorization.as_deref() {
            Some(a) if a.starts_with("Bearer ") => "Bearer …",
            Some(_) => "other auth",
            None => "no auth",
        };
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        println!(
            "  {} {}{query}  [{auth}] → {}",
            entry.method, entry.path, entry.status
        );
    }
    println!("Device-action POSTs: {action_posts} (the preview sent none)");
    action_posts
}
