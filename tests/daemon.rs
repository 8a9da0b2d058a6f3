//! The appliance service, end to end: the real binary as `daemon` on a temporary Unix socket and
//! loopback HTTP against the in-process simulator, used at once by clients through `connect`
//! (rmcp's client over the child's stdio) and over Streamable HTTP (rmcp's HTTP client). It
//! checks that sessions share one token, breaker and bucket, the limits, the protocol errors,
//! reload and shutdown, and systemd's notifications.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aruba_noc_mcp::simulator::{DeviceStatus, DeviceType, SimulatorConfig, SimulatorHandle};
use common::daemon::{Daemon, Options, temp_dir, write_secret};
use common::{
    BIN, api_requests, call, futures_join_all, simulator, simulator_with, structured, text,
    token_requests,
};
use rmcp::ClientHandler;
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, ClientRequest, ProgressNotificationParam,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RoleClient};
use serde_json::{Value, json};

fn initialize_line() -> &'static str {
    r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#
}

/// A POST to `/mcp` with `body` and extra headers; returns status, headers and body.
fn post(url: &str, body: &str, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut request = agent
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut response = request.send(body).unwrap();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    (status, headers, body)
}

#[tokio::test]
async fn three_clients_share_one_token_and_get_the_same_answers() {
    let sim = simulator();
    let daemon = Daemon::start(
        &sim,
        Options {
            http: true,
            ..Options::default()
        },
    );
    let (a, b, c) = tokio::join!(
        daemon.via_connect(),
        daemon.via_connect(),
        daemon.via_http()
    );
    let clients = [&a, &b, &c];
    let results = futures_join_all(clients.iter().map(|client| async move {
        let health = call(client, "get_sites_health", json!({})).await;
        let devices = call(client, "get_device_list", json!({"limit": 5})).await;
        (structured(&health), structured(&devices))
    }))
    .await;
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2], "HTTP answers like the socket");
    assert_eq!(
        token_requests(&sim).len(),
        1,
        "three sessions, one token: {:?}",
        token_requests(&sim)
    );
    assert_eq!(
        daemon.metric("mcp_sessions_active{transport=\"socket\"}"),
        Some(2.0)
    );
    assert_eq!(
        daemon.metric("mcp_sessions_active{transport=\"http\"}"),
        Some(1.0)
    );
    assert_eq!(
        daemon.metric("mcp_sessions_total{transport=\"socket\"}"),
        Some(2.0)
    );

    // The same call through stdio `serve` answers the same.
    let standalone = common::session(&sim, &[]).await;
    let health = structured(&call(&standalone, "get_sites_health", json!({})).await);
    assert_eq!(health, results[0].0, "stdio answers like the daemon");
    standalone.cancel().await.unwrap();
    for client in [a, b, c] {
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn a_breaker_opened_by_one_session_protects_the_others() {
    let sim = simulator();
    let daemon = Daemon::start(
        &sim,
        Options {
            http: true,
            env: vec![
                ("ARUBA_CIRCUIT_BREAKER_THRESHOLD", "2".into()),
                ("ARUBA_CIRCUIT_BREAKER_TIMEOUT", "600".into()),
            ],
            ..Options::default()
        },
    );
    let failing = daemon.via_connect().await;
    let other = daemon.via_http().await;
    sim.set_faults("error=503@/network-monitoring".parse().unwrap());
    let mut opened = false;
    for _ in 0..10 {
        let r = call(&failing, "get_device_list", json!({})).await;
        assert_eq!(r.is_error, Some(true));
        if text(&r).contains("was not sent") {
            opened = true;
            break;
        }
    }
    assert!(opened, "the breaker never opened: {}", daemon.stderr());
    sim.clear_journal();
    let r = call(&other, "get_sites_health", json!({})).await;
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("was not sent"), "{}", text(&r));
    assert!(
        api_requests(&sim).is_empty(),
        "the other session's call reached Central: {:?}",
        api_requests(&sim)
    );
    failing.cancel().await.unwrap();
    other.cancel().await.unwrap();
}

#[tokio::test]
async fn the_rate_limit_is_shared_by_every_session() {
    let sim = simulator();
    let daemon = Daemon::start(
        &sim,
        Options {
            http: true,
            env: vec![
                ("ARUBA_RATE_LIMIT_REQUESTS", "4".into()),
                ("ARUBA_RATE_LIMIT_WINDOW", "3600".into()),
                ("ARUBA_CALL_DEADLINE", "2".into()),
            ],
            ..Options::default()
        },
    );
    let (a, b, c) = tokio::join!(
        daemon.via_connect(),
        daemon.via_connect(),
        daemon.via_http()
    );
    let clients = [&a, &b, &c];
    let outcomes = futures_join_all(clients.iter().flat_map(|client| {
        (0..3).map(move |_| async move { call(client, "get_sites_health", json!({})).await })
    }))
    .await;
    let api = api_requests(&sim);
    assert!(
        api.len() <= 4,
        "{} requests passed a bucket of 4: {api:?}",
        api.len()
    );
    let throttled = outcomes
        .iter()
        .filter(|r| r.is_error == Some(true) && text(r).contains("was not sent"))
        .count();
    assert!(
        throttled >= 9 - 4,
        "only {throttled} of 9 calls were held back by the shared bucket"
    );
    for client in [a, b, c] {
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn sessions_beyond_the_limit_are_refused_until_one_closes() {
    let sim = simulator();
    let daemon = Daemon::start(
        &sim,
        Options {
            http: true,
            env: vec![("ARUBA_MCP_MAX_SESSIONS", "2".into())],
            ..Options::default()
        },
    );
    let first = daemon.via_connect().await;
    let second = daemon.via_http().await;

    // A third client on the socket: one JSON-RPC error line naming the limit, then EOF.
    let mut raw = UnixStream::connect(&daemon.socket).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    writeln!(raw, "{}", initialize_line()).unwrap();
    let mut answer = String::new();
    raw.read_to_string(&mut answer).unwrap();
    let error: Value = serde_json::from_str(answer.trim()).unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ARUBA_MCP_MAX_SESSIONS"),
        "{answer}"
    );
    // And on HTTP: 503 with a JSON-RPC error.
    let (status, _, body) = post(&daemon.url(), initialize_line(), &[]);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("ARUBA_MCP_MAX_SESSIONS"), "{body}");
    assert_eq!(
        daemon.metric("mcp_sessions_rejected_total{reason=\"max_sessions\"}"),
        Some(2.0)
    );

    // A slot frees when a session ends.
    first.cancel().await.unwrap();
    let started = Instant::now();
    while daemon.metric("mcp_sessions_active{transport=\"socket\"}") != Some(0.0) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "slot not freed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let third = daemon.via_connect().await;
    let r = call(&third, "get_sites_health", json!({})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    third.cancel().await.unwrap();
    second.cancel().await.unwrap();
}

#[tokio::test]
async fn http_checks_the_origin_and_the_bearer_token() {
    let sim = simulator();
    let dir = temp_dir("token");
    let token_file = dir.join("mcp_token");
    std::fs::write(&token_file, "s3cret-mcp-token\n").unwrap();
    let daemon = Daemon::start(
        &sim,
        Options {
            http: true,
            env: vec![
                ("ARUBA_MCP_TOKEN_FILE", token_file.display().to_string()),
                (
                    "ARUBA_MCP_ALLOWED_ORIGINS",
                    "http://localhost:6274".to_string(),
                ),
            ],
            ..Options::default()
        },
    );
    let url = daemon.url();
    let bearer = [("authorization", "Bearer s3cret-mcp-token")];
    let (status, _, body) = post(
        &url,
        initialize_line(),
        &[bearer[0], ("origin", "http://evil.example")],
    );
    assert_eq!(status, 403, "{body}");
    let (status, headers, _) = post(&url, initialize_line(), &[]);
    assert_eq!(status, 401);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "www-authenticate" && v.starts_with("Bearer")),
        "{headers:?}"
    );
    let (status, _, _) = post(
        &url,
        initialize_line(),
        &[("authorization", "Bearer wrong-token")],
    );
    assert_eq!(status, 401);
    let (status, _, body) = post(
        &url,
        initialize_line(),
        &[bearer[0], ("origin", "http://localhost:6274")],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("aruba-noc-mcp"), "{body}");
    // rmcp's client with the token works end to end.
    let client = daemon.via_http_with((), Some("s3cret-mcp-token")).await;
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "get_sites_health"));
    client.cancel().await.unwrap();
    assert_eq!(
        daemon.metric("mcp_sessions_rejected_total{reason=\"unauthorized\"}"),
        Some(2.0)
    );
    assert_eq!(
        daemon.metric("mcp_sessions_rejected_total{reason=\"origin\"}"),
        Some(1.0)
    );
    assert!(!daemon.stderr().contains("s3cret-mcp-token"));
    assert!(!daemon.metrics().contains("s3cret-mcp-token"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serving_mcp_beyond_loopback_needs_a_token_and_tls() {
    let output = Command::new(BIN)
        .args(["daemon", "--simulate"])
        .env_clear()
        .env("ARUBA_MCP_ADDR", "0.0.0.0:9")
        .env("ARUBA_MCP_SOCKET", "off")
        .env("ARUBA_METRICS_ADDR", "off")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for setting in [
        "ARUBA_MCP_ADDR",
        "ARUBA_MCP_TOKEN_FILE",
        "ARUBA_MCP_TLS_CERT",
    ] {
        assert!(stderr.contains(setting), "{stderr}");
    }
}

#[test]
fn connect_without_a_daemon_says_how_to_start_one() {
    let dir = temp_dir("nodaemon");
    let output = Command::new(BIN)
        .args(["connect", "--socket"])
        .arg(dir.join("missing.sock"))
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no aruba-noc-mcp daemon is listening"),
        "{stderr}"
    );
    assert!(stderr.contains("systemctl start aruba-noc-mcp"), "{stderr}");
    assert!(stderr.contains("aruba-noc-mcp daemon"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn connect_with_fallback_serves_standalone() {
    let sim = simulator();
    let dir = temp_dir("fallback");
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(["connect", "--fallback", "--socket"])
        .arg(dir.join("missing.sock"))
        .env_clear()
        .envs(common::env_for(&sim))
        .stderr(Stdio::null());
    let client = common::connect(cmd).await;
    let r = call(&client, "get_sites_health", json!({})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    client.cancel().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

fn assert_parse_error(line: &str) {
    let v: Value = serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(v["jsonrpc"], "2.0", "{line}");
    assert_eq!(v["error"]["code"], -32700, "{line}");
    assert_eq!(v.get("id"), Some(&Value::Null), "{line}");
}

#[tokio::test]
async fn a_line_that_is_not_json_gets_a_parse_error_on_every_transport() {
    let sim = simulator();
    // stdio `serve`: the error, then the session goes on.
    let mut serve = Command::new(BIN)
        .arg("serve")
        .env_clear()
        .envs(common::env_for(&sim))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = serve.stdin.take().unwrap();
    let mut stdout = BufReader::new(serve.stdout.take().unwrap());
    writeln!(stdin, "this is not json").unwrap();
    writeln!(stdin, "{}", initialize_line()).unwrap();
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_parse_error(&line);
    line.clear();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("\"protocolVersion\""), "{line}");
    drop(stdin);
    assert!(serve.wait().unwrap().success());

    // The daemon's socket and HTTP.
    let daemon = Daemon::start(
        &sim,
        Options {
            http: true,
            ..Options::default()
        },
    );
    let stream = UnixStream::connect(&daemon.socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    writeln!(writer, "{{\"jsonrpc\": \"2.0\", \"id\": 1,").unwrap();
    writeln!(writer, "{}", initialize_line()).unwrap();
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert_parse_error(&line);
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert!(line.contains("\"protocolVersion\""), "{line}");
    let (status, _, body) = post(&daemon.url(), "{not json", &[]);
    assert_eq!(status, 400);
    assert_parse_error(&body);
}

#[tokio::test]
async fn sighup_picks_up_a_rotated_secret_without_dropping_sessions() {
    let sim = simulator_with(SimulatorConfig {
        token_lifetime: Duration::from_secs(2),
        ..SimulatorConfig::default()
    });
    let secrets = temp_dir("secrets");
    write_secret(&secrets, "aruba_client_id", sim.client_id());
    write_secret(&secrets, "aruba_client_secret", sim.client_secret());
    let daemon = Daemon::start(
        &sim,
        Options {
            http: true,
            env: vec![
                ("CREDENTIALS_DIRECTORY", secrets.display().to_string()),
                ("ARUBA_TOKEN_REFRESH_BUFFER", "0".into()),
            ],
            without: vec!["ARUBA_CLIENT_ID", "ARUBA_CLIENT_SECRET"],
        },
    );
    let socket_client = daemon.via_connect().await;
    let http_client = daemon.via_http().await;
    let ok = call(&socket_client, "get_sites_health", json!({})).await;
    assert_ne!(ok.is_error, Some(true), "{}", text(&ok));
    assert_eq!(token_requests(&sim).len(), 1);

    // Rotate the secret (to one the simulator does not know, so its use is visible) and reload.
    write_secret(&secrets, "aruba_client_secret", "rotated-secret-2");
    daemon.signal("HUP");
    daemon.wait_for_log("configuration reloaded", Duration::from_secs(10));
    // Once the cached token expires, the next token request carries the new secret.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let r = call(&http_client, "get_sites_health", json!({})).await;
    assert_eq!(r.is_error, Some(true), "the rotated secret was not used");
    let last = token_requests(&sim).pop().unwrap();
    let body = last.body.unwrap_or_default();
    assert!(body.contains("client_secret=rotated-secret-2"), "{body}");

    // Rotate back: the same sessions work again.
    write_secret(&secrets, "aruba_client_secret", sim.client_secret());
    daemon.signal("HUP");
    let started = Instant::now();
    while daemon.log_count("configuration reloaded") < 2 {
        assert!(started.elapsed() < Duration::from_secs(10), "second reload");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for client in [&socket_client, &http_client] {
        let r = call(client, "get_sites_health", json!({})).await;
        assert_ne!(r.is_error, Some(true), "{}", text(&r));
    }
    assert!(!daemon.stderr().contains("rotated-secret-2"));
    socket_client.cancel().await.unwrap();
    http_client.cancel().await.unwrap();
    let _ = std::fs::remove_dir_all(&secrets);
}

#[tokio::test]
async fn sigterm_drains_the_call_in_flight_then_exits_and_removes_the_socket() {
    let sim = simulator();
    let mut daemon = Daemon::start(&sim, Options::default());
    let client = daemon.via_connect().await;
    sim.set_faults("latency=1500@/network-monitoring".parse().unwrap());
    let pending = tokio::spawn(async move {
        let r = call(&client, "get_sites_health", json!({})).await;
        (r, client)
    });
    let started = Instant::now();
    while api_requests(&sim).is_empty() && sim.journal().len() < 2 {
        assert!(started.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    daemon.signal("TERM");
    let (result, client) = pending.await.unwrap();
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    assert_eq!(daemon.wait_exit(Duration::from_secs(15)), Some(0));
    assert!(!daemon.socket.exists(), "the socket file is left behind");
    assert!(daemon.stderr().contains("draining"), "{}", daemon.stderr());
    drop(client);
}

#[tokio::test]
async fn systemd_hears_ready_watchdog_reloading_and_stopping() {
    let sim = simulator();
    let dir = temp_dir("notify");
    let notify = dir.join("notify.sock");
    let listener = UnixDatagram::bind(&notify).unwrap();
    listener
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut daemon = Daemon::start(
        &sim,
        Options {
            env: vec![
                ("NOTIFY_SOCKET", notify.display().to_string()),
                ("WATCHDOG_USEC", "400000".into()),
            ],
            ..Options::default()
        },
    );
    let messages = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&messages);
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = listener.recv(&mut buffer) {
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buffer[..n]).into_owned());
        }
    });
    let wait_for = |text: &str, count: usize| {
        let started = Instant::now();
        loop {
            let n = messages
                .lock()
                .unwrap()
                .iter()
                .filter(|m| m.lines().any(|l| l == text))
                .count();
            if n >= count {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no {text} ({count}): {:?}",
                messages.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for("READY=1", 1);
    wait_for("WATCHDOG=1", 2);
    daemon.signal("HUP");
    wait_for("RELOADING=1", 1);
    wait_for("READY=1", 2);
    assert!(
        messages
            .lock()
            .unwrap()
            .iter()
            .any(|m| m.contains("MONOTONIC_USEC=")),
        "RELOADING comes with MONOTONIC_USEC"
    );
    daemon.signal("TERM");
    wait_for("STOPPING=1", 1);
    assert_eq!(daemon.wait_exit(Duration::from_secs(15)), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A client that records progress notifications.
#[derive(Clone, Default)]
struct Recorder {
    progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
}

impl ClientHandler for Recorder {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params);
    }
}

fn online_ap(sim: &SimulatorHandle) -> String {
    sim.dataset()
        .devices
        .iter()
        .find(|d| d.device_type == DeviceType::AccessPoint && d.status == DeviceStatus::Online)
        .map(|d| d.serial_number.clone())
        .expect("an online AP")
}

fn ping_request(serial: &str) -> ClientRequest {
    ClientRequest::CallToolRequest(CallToolRequest::new(
        CallToolRequestParams::new("ping_from_ap").with_arguments(
            json!({"serial": serial, "destination": "8.8.8.8"})
                .as_object()
                .cloned()
                .unwrap(),
        ),
    ))
}

#[tokio::test]
async fn progress_and_cancellation_work_through_the_socket_and_http() {
    let sim = simulator();
    let daemon = Daemon::start(
        &sim,
        Options {
            http: true,
            ..Options::default()
        },
    );
    let serial = online_ap(&sim);
    let socket_recorder = Recorder::default();
    let http_recorder = Recorder::default();
    let via_socket = daemon.via_connect_with(socket_recorder.clone()).await;
    let via_http = daemon.via_http_with(http_recorder.clone(), None).await;
    for (client, recorder) in [
        (via_socket.peer(), &socket_recorder),
        (via_http.peer(), &http_recorder),
    ] {
        let handle = client
            .send_cancellable_request(ping_request(&serial), PeerRequestOptions::no_options())
            .await
            .unwrap();
        let response = handle.await_response().await.unwrap();
        assert!(format!("{response:?}").contains("COMPLETED"));
        tokio::time::sleep(Duration::from_millis(200)).await;
        let seen = recorder.progress.lock().unwrap().clone();
        assert!(seen.len() >= 3, "{seen:?}");
        assert_eq!(seen.last().unwrap().progress, 100.0);
    }

    // Cancelling stops the polling on both transports.
    let polls = |sim: &SimulatorHandle| {
        sim.journal()
            .into_iter()
            .filter(|e| e.method == "GET" && e.path.contains("async-operations"))
            .count()
    };
    for client in [via_socket.peer(), via_http.peer()] {
        sim.clear_journal();
        let handle = client
            .send_cancellable_request(ping_request(&serial), PeerRequestOptions::no_options())
            .await
            .unwrap();
        let started = Instant::now();
        while polls(&sim) == 0 {
            assert!(started.elapsed() < Duration::from_secs(10), "no poll");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        handle.cancel(Some("changed my mind".into())).await.unwrap();
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert_eq!(polls(&sim), 1, "polling went on after the cancel");
    }
    via_socket.cancel().await.unwrap();
    via_http.cancel().await.unwrap();
}

#[tokio::test]
async fn hostile_http_leaves_socket_clients_answering_and_memory_bounded() {
    use std::net::TcpStream;
    let sim = simulator();
    let daemon = Daemon::start(
        &sim,
        Options {
            http: true,
            env: vec![("ARUBA_MCP_MAX_SESSIONS", "8".into())],
            ..Options::default()
        },
    );
    let local = daemon.via_connect().await;
    let warm = call(&local, "get_sites_health", json!({})).await;
    assert_ne!(warm.is_error, Some(true));
    let before = daemon.rss_kb();
    let addr = daemon.http.clone().unwrap();

    // Slowloris: many connections that never finish their headers.
    let mut slow = Vec::new();
    for _ in 0..40 {
        if let Ok(mut s) = TcpStream::connect(&addr) {
            let _ = s.write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
            slow.push(s);
        }
    }
    // Oversized headers: refused, not buffered.
    let mut big = TcpStream::connect(&addr).unwrap();
    big.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let huge = "a".repeat(64 * 1024);
    let _ = write!(
        big,
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {huge}\r\n\r\n"
    );
    let mut answer = String::new();
    let _ = big.read_to_string(&mut answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{answer:.80}"
    );
    // The socket client still answers while the slow connections hang.
    let r = call(&local, "get_device_list", json!({"limit": 3})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    drop(slow);

    // Oversized bodies: refused on their declared length with 413, before the body is sent
    // (the client here sends none, so the answer cannot race its upload).
    let mut oversized = TcpStream::connect(&addr).unwrap();
    oversized
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        oversized,
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n",
        2 * 1024 * 1024
    )
    .unwrap();
    let mut head = [0u8; 12];
    oversized.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 413", "{}", String::from_utf8_lossy(&head));
    drop(oversized);
    // A chunked body (no declared length) is cut off at the limit: 413 too.
    let mut chunked = TcpStream::connect(&addr).unwrap();
    chunked
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        chunked,
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    // Exactly 1 MiB in 16 chunks, then one byte more: the server answers once it reads that
    // byte, with nothing of the request left unread (an unread rest would reset the connection).
    let chunk = "x".repeat(64 * 1024);
    for _ in 0..16 {
        write!(chunked, "{:x}\r\n{chunk}\r\n", chunk.len()).unwrap();
    }
    write!(chunked, "1\r\nx\r\n").unwrap();
    let mut head = [0u8; 12];
    chunked.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 413", "{}", String::from_utf8_lossy(&head));

    // A flood of sessions: at most the limit is served, the rest get 503.
    let mut ok = 0;
    let mut refused = 0;
    for _ in 0..40 {
        let (status, _, _) = post(&daemon.url(), initialize_line(), &[]);
        match status {
            200 => ok += 1,
            503 => refused += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(ok, 8 - 1, "the socket session holds one of the 8 places");
    assert_eq!(refused, 40 - 7);
    let r = call(&local, "get_sites_health", json!({})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let after = daemon.rss_kb();
    assert!(
        after < before + 16 * 1024,
        "RSS grew from {before} kB to {after} kB under hostile HTTP"
    );
    local.cancel().await.unwrap();
}

#[tokio::test]
async fn abandoned_http_sessions_make_room_for_new_clients() {
    let sim = simulator();
    let daemon = Daemon::start(
        &sim,
        Options {
            http: true,
            env: vec![("ARUBA_MCP_MAX_SESSIONS", "2".into())],
            ..Options::default()
        },
    );
    // Two scripted HTTP clients initialise and leave without DELETE.
    let mut abandoned = Vec::new();
    for _ in 0..2 {
        let (status, headers, _) = post(&daemon.url(), initialize_line(), &[]);
        assert_eq!(status, 200);
        let id = headers
            .iter()
            .find(|(k, _)| k == "mcp-session-id")
            .map(|(_, v)| v.clone())
            .expect("a session id");
        abandoned.push(id);
    }
    let (status, _, _) = post(&daemon.url(), initialize_line(), &[]);
    assert_eq!(status, 503, "both places are taken and neither is idle yet");
    // Once idle long enough, the oldest is ended to make room: a socket client gets in.
    tokio::time::sleep(Duration::from_millis(5500)).await;
    let local = daemon.via_connect().await;
    let r = call(&local, "get_sites_health", json!({})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    // The ended session answers 404, so its client knows to start a new one.
    let ping = r#"{"jsonrpc":"2.0","id":5,"method":"ping"}"#;
    let (status, _, _) = post(
        &daemon.url(),
        ping,
        &[
            ("mcp-session-id", abandoned[0].as_str()),
            ("mcp-protocol-version", "2025-06-18"),
        ],
    );
    assert_eq!(status, 404);
    assert!(
        daemon
            .stderr()
            .contains("ended the longest-idle HTTP session")
    );
    local.cancel().await.unwrap();
}

#[tokio::test]
async fn a_session_beyond_eight_calls_in_flight_gets_busy_results() {
    let sim = simulator();
    let daemon = Daemon::start(&sim, Options::default());
    let client = daemon.via_connect().await;
    let other = daemon.via_connect().await;
    sim.set_faults("latency=1500@/network-monitoring".parse().unwrap());
    let (results, other_result) = tokio::join!(
        futures_join_all(
            (0..12).map(|_| async { call(&client, "get_sites_health", json!({})).await })
        ),
        async {
            // Another session is not held back by this one's limit.
            tokio::time::sleep(Duration::from_millis(300)).await;
            call(&other, "get_sites_health", json!({})).await
        }
    );
    let busy = results
        .iter()
        .filter(|r| r.is_error == Some(true) && text(r).contains("busy"))
        .count();
    let ok = results.iter().filter(|r| r.is_error != Some(true)).count();
    assert_eq!((ok, busy), (8, 4), "ok/busy of 12 concurrent calls");
    assert_ne!(other_result.is_error, Some(true), "{}", text(&other_result));
    client.cancel().await.unwrap();
    other.cancel().await.unwrap();
}
