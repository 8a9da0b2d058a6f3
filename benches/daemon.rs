//! The daemon benchmark: the real binary as `daemon` against the Central simulator over
//! loopback, driven with raw JSON-RPC through its Unix socket, through `connect`, over
//! Streamable HTTP, and (for comparison) through a standalone stdio `serve`; memory is read from
//! `/proc`. `benches/run.sh` runs it after `benches/mcp.rs`. Alone:
//!
//! ```sh
//! cargo bench --bench daemon -- [--bin PATH] [--calls N] [--sessions N] [--out FILE]
//! ```
//!
//! Figures: the daemon's idle RSS, its RSS with `--sessions` (100) idle sessions and so the cost
//! of one, calls/s and round-trip p50/p99 of `get_device_list` at 8 calls in flight through each
//! way in, `connect`'s own peak RSS and the latency it adds over the bare socket. Each is
//! compared with its budget (docs/performance.md); a miss is flagged, never a failure.
//!
//! Under `cargo test` (no `--bench` argument) it runs every phase briefly against the debug
//! binary and asserts that every call succeeded and every figure was measured: a smoke test of
//! the harness, with no timing asserted.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use aruba_noc_mcp::simulator::{Simulator, SimulatorConfig, SimulatorHandle};
use serde_json::{Value, json};

/// Calls in flight during the load phases.
const IN_FLIGHT: usize = 8;
/// The budgets: (figure, at most).
const BUDGETS: &[(&str, f64)] = &[
    ("daemon_idle_rss_mb", 8.0),
    ("rss_per_idle_session_kib", 64.0),
    ("connect_peak_rss_mb", 2.0),
    ("connect_added_p50_ms", 0.2),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bench = args.iter().any(|a| a == "--bench");
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let bin = value("--bin").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_aruba-noc-mcp")),
        PathBuf::from,
    );
    let calls: usize = value("--calls")
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 4000 } else { 80 });
    let sessions: usize = value("--sessions")
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 100 } else { 10 });
    let out = value("--out").unwrap_or_else(|| "target/bench/daemon.json".to_string());

    let sim = Simulator::start("127.0.0.1:0".parse().unwrap(), SimulatorConfig::default())
        .expect("simulator starts");
    let mut figures: Vec<(&'static str, f64)> = Vec::new();
    let daemon = Running::daemon(&bin, &sim, sessions + 16);
    std::thread::sleep(Duration::from_millis(300));
    figures.push((
        "daemon_idle_rss_mb",
        rss_kb(daemon.child.id(), "VmRSS") / 1024.0,
    ));

    eprintln!("daemon idle; opening {sessions} idle sessions");
    // Idle sessions: initialised, then left open.
    let before = rss_kb(daemon.child.id(), "VmRSS");
    let idle: Vec<UnixStream> = (0..sessions)
        .map(|_| {
            let stream = UnixStream::connect(&daemon.socket).expect("socket");
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut writer = stream.try_clone().unwrap();
            handshake(&mut writer, &mut reader);
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let with_sessions = rss_kb(daemon.child.id(), "VmRSS");
    figures.push((
        "rss_per_idle_session_kib",
        (with_sessions - before) / sessions as f64,
    ));
    figures.push(("rss_with_idle_sessions_mb", with_sessions / 1024.0));
    drop(idle);

    eprintln!("load: socket, connect, HTTP, stdio serve ({calls} calls each)");
    // Load through each way in.
    let socket = {
        let stream = UnixStream::connect(&daemon.socket).unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        load(Box::new(stream), Box::new(reader), calls)
    };
    let mut connect = Command::new(&bin)
        .args(["connect", "--socket"])
        .arg(&daemon.socket)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let through_connect = load(
        Box::new(connect.stdin.take().unwrap()),
        Box::new(BufReader::new(connect.stdout.take().unwrap())),
        calls,
    );
    figures.push((
        "connect_peak_rss_mb",
        rss_kb(connect.id(), "VmHWM") / 1024.0,
    ));
    let _ = connect.kill();
    let _ = connect.wait();
    let http = http_load(&daemon.http, calls);
    let mut serve = Command::new(&bin)
        .arg("serve")
        .env_clear()
        .envs(env_for(&sim))
        .env("ARUBA_METRICS_ADDR", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdio = load(
        Box::new(serve.stdin.take().unwrap()),
        Box::new(BufReader::new(serve.stdout.take().unwrap())),
        calls,
    );
    let _ = serve.kill();
    let _ = serve.wait();

    for (name, run) in [
        ("socket", &socket),
        ("connect", &through_connect),
        ("http", &http),
        ("stdio_serve", &stdio),
    ] {
        assert_eq!(run.failed, 0, "{name}: {} calls failed", run.failed);
        figures.push((leak(format!("{name}_calls_per_s")), run.per_second));
        figures.push((leak(format!("{name}_p50_ms")), run.p50_ms));
        figures.push((leak(format!("{name}_p99_ms")), run.p99_ms));
    }
    figures.push((
        "connect_added_p50_ms",
        through_connect.p50_ms - socket.p50_ms,
    ));
    figures.push((
        "daemon_rss_after_load_mb",
        rss_kb(daemon.child.id(), "VmRSS") / 1024.0,
    ));
    drop(daemon);

    report(&figures, &out);
    for (name, value) in &figures {
        assert!(value.is_finite(), "{name} was not measured");
    }
}

fn leak(name: String) -> &'static str {
    Box::leak(name.into_boxed_str())
}

fn env_for(sim: &SimulatorHandle) -> Vec<(String, String)> {
    vec![
        ("ARUBA_BASE_URL".into(), sim.base_url()),
        ("ARUBA_TOKEN_URL".into(), sim.token_url()),
        ("ARUBA_CLIENT_ID".into(), sim.client_id().into()),
        ("ARUBA_CLIENT_SECRET".into(), sim.client_secret().into()),
        ("ARUBA_LOG".into(), "warn".into()),
        ("ARUBA_RATE_LIMIT_REQUESTS".into(), "1000000".into()),
    ]
}

/// The daemon under test.
struct Running {
    child: Child,
    socket: PathBuf,
    http: String,
    dir: PathBuf,
}

impl Running {
    fn daemon(bin: &Path, sim: &SimulatorHandle, max_sessions: usize) -> Running {
        let dir = std::env::temp_dir().join(format!("aruba-bench-daemon-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("mcp.sock");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let http = format!("127.0.0.1:{port}");
        let child = Command::new(bin)
            .arg("daemon")
            .env_clear()
            .envs(env_for(sim))
            .env("ARUBA_METRICS_ADDR", "off")
            .env("ARUBA_MCP_SOCKET", &socket)
            .env("ARUBA_MCP_ADDR", &http)
            .env("ARUBA_MCP_MAX_SESSIONS", max_sessions.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("daemon spawns");
        let started = Instant::now();
        while UnixStream::connect(&socket).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "daemon did not listen"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Running {
            child,
            socket,
            http,
            dir,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rss_kb(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN)
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "bench", "version": "1"}}})
}

fn handshake(writer: &mut impl Write, reader: &mut impl BufRead) {
    writeln!(writer, "{}", initialize()).unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.contains("protocolVersion"), "{line}");
    writeln!(
        writer,
        "{}",
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
    )
    .unwrap();
}

fn tool_call(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": "get_device_list", "arguments": {"limit": 20}}})
}

/// What one load phase measured.
struct Run {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    failed: usize,
}

fn summarise(mut latencies: Vec<Duration>, failed: usize, elapsed: Duration) -> Run {
    latencies.sort();
    let pick = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies
            .get(i)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    Run {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: pick(0.5),
        p99_ms: pick(0.99),
        failed,
    }
}

/// `calls` tool calls over newline-delimited JSON-RPC, [`IN_FLIGHT`] at a time.
fn load(
    mut writer: Box<dyn Write + Send>,
    mut reader: Box<dyn BufRead + Send>,
    calls: usize,
) -> Run {
    handshake(&mut writer, &mut reader);
    let (tx, rx) = channel::<(u64, bool, Instant)>();
    let reading = std::thread::spawn(move || {
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            let at = Instant::now();
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && let Some(id) = v.get("id").and_then(Value::as_u64)
            {
                let ok = v["result"]["isError"] != json!(true) && v.get("error").is_none();
                if tx.send((id, ok, at)).is_err() {
                    return;
                }
            }
            line.clear();
        }
    });
    let mut sent: HashMap<u64, Instant> = HashMap::new();
    let mut latencies = Vec::with_capacity(calls);
    let mut failed = 0;
    let started = Instant::now();
    let mut next = 1u64;
    while latencies.len() + failed < calls {
        while sent.len() < IN_FLIGHT && (next as usize) <= calls {
            sent.insert(next, Instant::now());
            writeln!(writer, "{}", tool_call(next)).unwrap();
            next += 1;
        }
        let (id, ok, at) = rx.recv_timeout(Duration::from_secs(60)).expect("an answer");
        if let Some(t) = sent.remove(&id) {
            if ok {
                latencies.push(at - t);
            } else {
                failed += 1;
            }
        }
    }
    let elapsed = started.elapsed();
    // The reader ends when the other side closes (killed child, daemon shutdown); not waited for.
    drop(writer);
    drop(rx);
    drop(reading);
    summarise(latencies, failed, elapsed)
}

/// `calls` tool calls over Streamable HTTP: [`IN_FLIGHT`] sessions, one call at a time each.
fn http_load(addr: &str, calls: usize) -> Run {
    let url = format!("http://{addr}/mcp");
    let started = Instant::now();
    let per_session = calls.div_ceil(IN_FLIGHT);
    let threads: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let post = |body: Value, session: Option<&str>| {
                    let mut request = agent
                        .post(&url)
                        .header("content-type", "application/json")
                        .header("accept", "application/json, text/event-stream")
                        .header("mcp-protocol-version", "2025-06-18");
                    if let Some(session) = session {
                        request = request.header("mcp-session-id", session);
                    }
                    let mut response = request.send(body.to_string()).unwrap();
                    let id = response
                        .headers()
                        .get("mcp-session-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let mut text = String::new();
                    let _ = response.body_mut().as_reader().read_to_string(&mut text);
                    (response.status().as_u16(), id, text)
                };
                let (_, session, _) = post(initialize(), None);
                let session = session.expect("a session id");
                post(
                    json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
                    Some(&session),
                );
                let mut latencies = Vec::new();
                let mut failed = 0;
                for id in 1..=per_session as u64 {
                    let t = Instant::now();
                    let (status, _, text) = post(tool_call(id), Some(&session));
                    if status == 200
                        && text.contains("\"result\"")
                        && !text.contains("\"isError\":true")
                    {
                        latencies.push(t.elapsed());
                    } else {
                        failed += 1;
                    }
                }
                (latencies, failed)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failed = 0;
    for t in threads {
        let (l, f) = t.join().unwrap();
        latencies.extend(l);
        failed += f;
    }
    summarise(latencies, failed, started.elapsed())
}

fn report(figures: &[(&'static str, f64)], out: &str) {
    println!("\n{:<32} {:>12}  budget", "figure", "value");
    let mut json = serde_json::Map::new();
    for (name, value) in figures {
        let budget = BUDGETS.iter().find(|(b, _)| b == name).map(|(_, v)| *v);
        let verdict = match budget {
            Some(b) if *value <= b => format!("≤ {b} (met)"),
            Some(b) => format!("≤ {b} (MISSED)"),
            None => String::new(),
        };
        println!("{name:<32} {value:>12.3}  {verdict}");
        json.insert((*name).to_string(), json!(value));
    }
    if let Some(dir) = Path::new(out).parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(
        out,
        serde_json::to_string_pretty(&Value::Object(json)).unwrap(),
    );
    println!("written to {out}");
}
