//! Shared harness: start the simulator in this process, launch the real binary as an MCP server
//! over pipes with a hermetic environment, and talk to it with rmcp's client.
#![allow(dead_code)]

use std::process::Stdio;

use aruba_noc_mcp::simulator::{JournalEntry, Simulator, SimulatorConfig, SimulatorHandle};
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, ServiceExt};
use serde_json::Value;

/// The binary cargo built for this test run.
pub const BIN: &str = env!("CARGO_BIN_EXE_aruba-noc-mcp");

/// The binary the session helpers launch: `$ARUBA_TEST_BIN` when set (tests/arm.sh points it at
/// the aarch64 musl appliance build), else [`BIN`].
pub fn bin() -> String {
    match std::env::var("ARUBA_TEST_BIN") {
        Ok(path) if !path.is_empty() => path,
        _ => BIN.to_string(),
    }
}

/// The runner prefix from `$ARUBA_TEST_RUNNER` (a program and its arguments, split on
/// whitespace, e.g. `qemu-aarch64-static`), empty when unset: the binary then runs directly.
pub fn runner() -> Vec<String> {
    std::env::var("ARUBA_TEST_RUNNER")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// A command that runs the binary under test ([`bin`]) through the runner ([`runner`]), if any.
pub fn bin_command() -> tokio::process::Command {
    let mut prefix = runner();
    if prefix.is_empty() {
        return tokio::process::Command::new(bin());
    }
    let mut cmd = tokio::process::Command::new(prefix.remove(0));
    cmd.args(prefix).arg(bin());
    cmd
}

/// A simulator on 127.0.0.1 with default settings.
pub fn simulator() -> SimulatorHandle {
    simulator_with(SimulatorConfig::default())
}

/// A simulator on 127.0.0.1 with `config`.
pub fn simulator_with(config: SimulatorConfig) -> SimulatorHandle {
    Simulator::start("127.0.0.1:0".parse().unwrap(), config).expect("simulator starts")
}

/// Environment pointing the server at `sim` with its valid credentials.
pub fn env_for(sim: &SimulatorHandle) -> Vec<(String, String)> {
    vec![
        ("ARUBA_BASE_URL".into(), sim.base_url()),
        ("ARUBA_TOKEN_URL".into(), sim.token_url()),
        ("ARUBA_CLIENT_ID".into(), sim.client_id().into()),
        ("ARUBA_CLIENT_SECRET".into(), sim.client_secret().into()),
        ("ARUBA_METRICS_ADDR".into(), "off".into()),
        ("ARUBA_LOG".into(), "warn".into()),
    ]
}

/// `serve` of the binary under test ([`bin_command`]) with exactly `env` (nothing inherited) and
/// stderr to `stderr`.
pub fn server_command(env: &[(String, String)], stderr: Stdio) -> tokio::process::Command {
    let mut cmd = bin_command();
    cmd.arg("serve").env_clear().stderr(stderr);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// A free port on 127.0.0.1 (bound and released; the server binds it next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server launched with exactly `env`, with its stderr read in the background.
pub struct LoggedServer {
    /// The MCP client session.
    pub client: RunningService<RoleClient, ()>,
    /// The server's process id.
    pub pid: u32,
    /// Everything the server wrote to stderr, once it has exited.
    pub stderr: tokio::task::JoinHandle<String>,
}

/// Launches `serve` with exactly `env`, captures its stderr and initialises an MCP session.
pub async fn spawn_logged(env: &[(String, String)]) -> LoggedServer {
    let (transport, stderr) = TokioChildProcess::builder(server_command(env, Stdio::piped()))
        .stderr(Stdio::piped())
        .spawn()
        .expect("server spawns");
    let pid = transport.id().expect("pid");
    let mut stderr = stderr.expect("stderr piped");
    let stderr = tokio::spawn(async move {
        let mut buf = String::new();
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut buf).await;
        buf
    });
    let client = ().serve(transport).await.expect("initialize");
    LoggedServer {
        client,
        pid,
        stderr,
    }
}

/// An MCP client session with the server launched by `cmd`.
pub async fn connect(cmd: tokio::process::Command) -> RunningService<RoleClient, ()> {
    let transport = TokioChildProcess::builder(cmd)
        .stderr(Stdio::null())
        .spawn()
        .expect("server spawns")
        .0;
    ().serve(transport).await.expect("initialize succeeds")
}

/// An MCP session against `sim` with valid credentials plus `extra` environment.
pub async fn session(
    sim: &SimulatorHandle,
    extra: &[(&str, &str)],
) -> RunningService<RoleClient, ()> {
    let mut env = env_for(sim);
    for (k, v) in extra {
        env.retain(|(key, _)| key != k);
        env.push(((*k).into(), (*v).into()));
    }
    connect(server_command(&env, Stdio::null())).await
}

/// The names `tools/list` gives the client, in order.
pub async fn tool_names<H: ClientHandler>(client: &RunningService<RoleClient, H>) -> Vec<String> {
    let tools = client.list_all_tools().await.expect("tools/list");
    tools.iter().map(|t| t.name.to_string()).collect()
}

/// Calls `tool` with `args` (a JSON object).
pub async fn call(
    client: &RunningService<RoleClient, ()>,
    tool: &str,
    args: Value,
) -> CallToolResult {
    let arguments = args.as_object().cloned().unwrap_or_default();
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(arguments))
        .await
        .unwrap_or_else(|e| panic!("tools/call {tool} failed at the protocol level: {e}"))
}

/// All text blocks of a result, joined.
pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| match c {
            ContentBlock::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The structured content of a successful result (panics with the text otherwise).
pub fn structured(result: &CallToolResult) -> Value {
    assert_ne!(result.is_error, Some(true), "tool failed: {}", text(result));
    result
        .structured_content
        .clone()
        .expect("structuredContent")
}

/// Requests to Central's API (not the token endpoint).
pub fn api_requests(sim: &SimulatorHandle) -> Vec<JournalEntry> {
    sim.journal()
        .into_iter()
        .filter(|e| e.path.starts_with("/network-"))
        .collect()
}

/// Requests to the token endpoint.
pub fn token_requests(sim: &SimulatorHandle) -> Vec<JournalEntry> {
    sim.journal()
        .into_iter()
        .filter(|e| e.path == "/as/token.oauth2")
        .collect()
}

/// The value of query parameter `name` in `entry`.
pub fn query<'a>(entry: &'a JournalEntry, name: &str) -> Option<&'a str> {
    entry
        .query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Runs futures concurrently on the test runtime and collects their outputs in order.
pub async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future,
{
    let mut set = Vec::new();
    for f in futures {
        set.push(f);
    }
    let mut pinned: Vec<_> = set.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if outputs[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => outputs[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

pub mod daemon;
pub mod devices;
pub mod receiver;
pub mod spec;
