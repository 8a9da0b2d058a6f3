//! Harness for the daemon: start the real binary as `daemon` on a temporary socket (and
//! optionally loopback HTTP) against an in-process simulator, and reach it through `connect`
//! (rmcp's client over the child's stdio) or rmcp's Streamable HTTP client.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aruba_noc_mcp::simulator::SimulatorHandle;
use rmcp::ServiceExt;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::TokioChildProcess;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

use super::{BIN, env_for, free_port};

/// A fresh private directory under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "aruba-daemon-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running daemon; killed (and its directory removed) when dropped.
pub struct Daemon {
    /// The process.
    pub child: Child,
    /// Its socket.
    pub socket: PathBuf,
    /// Its `/mcp` address, when HTTP is on.
    pub http: Option<String>,
    /// Its `/metrics` address.
    pub metrics: String,
    /// Its private directory.
    pub dir: PathBuf,
    /// Everything it has written to stderr so far.
    pub stderr: Arc<Mutex<String>>,
}

/// Daemon options.
#[derive(Default)]
pub struct Options<'a> {
    /// Serve Streamable HTTP too.
    pub http: bool,
    /// Extra environment (overrides the defaults).
    pub env: Vec<(&'a str, String)>,
    /// Leave these variables of the defaults out (e.g. the credentials, to give them as files).
    pub without: Vec<&'a str>,
}

impl Daemon {
    /// Starts `daemon` against `sim` and waits (bounded) until its listeners accept.
    pub fn start(sim: &SimulatorHandle, options: Options<'_>) -> Daemon {
        let dir = temp_dir("d");
        let socket = dir.join("mcp.sock");
        let metrics = format!("127.0.0.1:{}", free_port());
        let http = options.http.then(|| format!("127.0.0.1:{}", free_port()));
        let mut env = env_for(sim);
        env.retain(|(k, _)| !options.without.contains(&k.as_str()));
        env.retain(|(k, _)| k != "ARUBA_METRICS_ADDR" && k != "ARUBA_LOG");
        env.push(("ARUBA_METRICS_ADDR".into(), metrics.clone()));
        env.push(("ARUBA_MCP_SOCKET".into(), socket.display().to_string()));
        env.push(("ARUBA_LOG".into(), "info".into()));
        env.push(("ARUBA_LOG_FORMAT".into(), "text".into()));
        if let Some(http) = &http {
            env.push(("ARUBA_MCP_ADDR".into(), http.clone()));
        }
        for (k, v) in &options.env {
            env.retain(|(key, _)| key != k);
            env.push(((*k).to_string(), v.clone()));
        }
        let mut child = Command::new(BIN)
            .arg("daemon")
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("daemon spawns");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let daemon = Daemon {
            child,
            socket,
            http,
            metrics,
            dir,
            stderr,
        };
        daemon.wait_for_log("daemon serving MCP", Duration::from_secs(20));
        daemon
    }

    /// Waits until stderr contains `text` (panics after `limit`, showing stderr).
    pub fn wait_for_log(&self, text: &str, limit: Duration) {
        let started = Instant::now();
        while !self.stderr.lock().unwrap().contains(text) {
            assert!(
                started.elapsed() < limit,
                "daemon did not log {text:?}; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// How often stderr contains `text`.
    pub fn log_count(&self, text: &str) -> usize {
        self.stderr().matches(text).count()
    }

    /// The `/mcp` URL.
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.http.as_ref().expect("HTTP is on"))
    }

    /// A `connect` command for this daemon.
    pub fn connect_command(&self) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.arg("connect")
            .arg("--socket")
            .arg(&self.socket)
            .env_clear()
            .stderr(Stdio::null());
        cmd
    }

    /// An MCP session through `connect`.
    pub async fn via_connect(&self) -> RunningService<RoleClient, ()> {
        self.via_connect_with(()).await
    }

    /// An MCP session through `connect` with the client handler `handler`.
    pub async fn via_connect_with<H: rmcp::ClientHandler>(
        &self,
        handler: H,
    ) -> RunningService<RoleClient, H> {
        let transport = TokioChildProcess::builder(self.connect_command())
            .stderr(Stdio::null())
            .spawn()
            .expect("connect spawns")
            .0;
        handler
            .serve(transport)
            .await
            .expect("initialize over connect")
    }

    /// An MCP session over Streamable HTTP.
    pub async fn via_http(&self) -> RunningService<RoleClient, ()> {
        self.via_http_with((), None).await
    }

    /// An MCP session over Streamable HTTP with `handler` and an optional bearer token.
    pub async fn via_http_with<H: rmcp::ClientHandler>(
        &self,
        handler: H,
        token: Option<&str>,
    ) -> RunningService<RoleClient, H> {
        let mut config = StreamableHttpClientTransportConfig::with_uri(self.url());
        if let Some(token) = token {
            config = config.auth_header(token);
        }
        let transport = StreamableHttpClientTransport::from_config(config);
        handler
            .serve(transport)
            .await
            .expect("initialize over HTTP")
    }

    /// The `/metrics` text.
    pub fn metrics(&self) -> String {
        ureq::get(format!("http://{}/metrics", self.metrics))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    }

    /// The value of the sample `series` (exact name and labels) in `/metrics`.
    pub fn metric(&self, series: &str) -> Option<f64> {
        self.metrics().lines().find_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            (name == series).then(|| value.parse().ok())?
        })
    }

    /// Sends `signal` (e.g. "TERM") to the daemon.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (bounded) for the daemon to exit and returns its exit code.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                started.elapsed() < limit,
                "daemon did not exit; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The daemon's resident memory, kB.
    pub fn rss_kb(&self) -> u64 {
        rss_kb(self.child.id())
    }
}

/// Resident memory of process `pid`, kB.
pub fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes `value` to the secret file `name` in `dir`.
pub fn write_secret(dir: &Path, name: &str, value: &str) {
    std::fs::write(dir.join(name), value).unwrap();
}
