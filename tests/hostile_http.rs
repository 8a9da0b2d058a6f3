//! Hostile clients on the /metrics port — slowloris, oversized headers, a connection flood,
//! garbage bytes, and TLS handshake garbage when TLS is on — while an MCP client keeps calling
//! tools. The listener shares the MCP runtime, so this proves its limits (connection cap, header
//! timeout and size, TLS handshake timeout) protect the MCP side: every call still succeeds,
//! the median call latency stays within a generous factor of a baseline measured in the same
//! test, the server's memory and open file descriptors stay bounded, and the listener serves a
//! normal scrape again afterwards.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use rmcp::RoleClient;
use rmcp::service::RunningService;
use serde_json::json;

/// Calls measured before and during the attack.
const CALLS: usize = 40;
/// How much slower (median) MCP calls may get under attack.
const SLOWDOWN: u32 = 10;

fn proc_status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("proc status")
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("status field")
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

struct Server {
    client: RunningService<RoleClient, ()>,
    pid: u32,
    port: u16,
    stderr: tokio::task::JoinHandle<String>,
}

async fn start(
    sim: &aruba_noc_mcp::simulator::SimulatorHandle,
    extra: &[(&str, String)],
) -> Server {
    let port = free_port();
    let mut env = env_for(sim);
    env.retain(|(k, _)| k != "ARUBA_METRICS_ADDR");
    env.push(("ARUBA_METRICS_ADDR".into(), format!("127.0.0.1:{port}")));
    // ~200 calls are measured: the client-side limiter (100 a minute by default) would pace
    // them to 0.6 s each and hide what the attack does.
    env.push(("ARUBA_RATE_LIMIT_REQUESTS".into(), "1000000".into()));
    env.push(("ARUBA_RATE_LIMIT_WINDOW".into(), "1".into()));
    for (k, v) in extra {
        env.push(((*k).into(), v.clone()));
    }
    let LoggedServer {
        client,
        pid,
        stderr,
    } = spawn_logged(&env).await;
    // The listener is up once it accepts a connection.
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server {
        client,
        pid,
        port,
        stderr,
    }
}

/// Median latency of `CALLS` sequential tool calls, each of which must succeed.
async fn median_call(client: &RunningService<RoleClient, ()>) -> Duration {
    let mut times = Vec::with_capacity(CALLS);
    for i in 0..CALLS {
        let started = Instant::now();
        let tool = if i % 2 == 0 {
            "get_device_list"
        } else {
            "get_sites_health"
        };
        let result = call(client, tool, json!({"limit": 5})).await;
        assert_ne!(
            result.is_error,
            Some(true),
            "{tool} failed: {}",
            text(&result)
        );
        times.push(started.elapsed());
    }
    times.sort();
    times[CALLS / 2]
}

/// Runs `attack` on a thread until `stop` is set (each attack loop is bounded by it).
fn spawn(
    stop: &Arc<AtomicBool>,
    attack: impl FnOnce(Arc<AtomicBool>) + Send + 'static,
) -> JoinHandle<()> {
    let stop = Arc::clone(stop);
    std::thread::spawn(move || attack(stop))
}

fn connect(port: u16) -> Option<TcpStream> {
    let s =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).ok()?;
    let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    Some(s)
}

/// Slowloris: many connections each dribbling a never-finished request head. Counts the
/// connections the server closed (over the connection cap, or past the header timeout).
fn slowloris(port: u16, stop: Arc<AtomicBool>, closed: Arc<AtomicUsize>) {
    let mut conns: Vec<TcpStream> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        while conns.len() < 48 {
            let Some(mut s) = connect(port) else { break };
            if s.write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .is_err()
            {
                continue;
            }
            conns.push(s);
        }
        // One more header byte on each; a connection the server closed reads EOF (or an error
        // status) or fails the write.
        conns.retain_mut(|s| {
            let _ = s.set_nonblocking(true);
            let mut buf = [0u8; 256];
            let gone = match s.read(&mut buf) {
                Ok(_) => true,
                Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
            };
            let _ = s.set_nonblocking(false);
            let alive = !gone && s.write_all(b"X").is_ok();
            if !alive {
                closed.fetch_add(1, Ordering::Relaxed);
            }
            alive
        });
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Request heads far over the 16 KiB buffer and the header count limit. Counts the attempts,
/// and in `served` any that got a 200 (which would mean the limits are not applied).
fn oversized(port: u16, stop: Arc<AtomicBool>, sent: Arc<AtomicUsize>, served: Arc<AtomicUsize>) {
    let big_value = format!(
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(256 * 1024)
    );
    let many: String = (0..2_000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many = format!("GET /metrics HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    let long_uri = format!(
        "GET /{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "m".repeat(512 * 1024)
    );
    let heads = [big_value, many, long_uri];
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        if let Some(mut s) = connect(port) {
            let _ = s.write_all(heads[i % heads.len()].as_bytes());
            let mut answer = [0u8; 64];
            let n = s.read(&mut answer).unwrap_or(0);
            if answer[..n].starts_with(b"HTTP/1.1 200") {
                served.fetch_add(1, Ordering::Relaxed);
            }
            sent.fetch_add(1, Ordering::Relaxed);
        }
        i += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Connection flood: connect, sometimes send half a request, drop.
fn flood(port: u16, stop: Arc<AtomicBool>, sent: Arc<AtomicUsize>) {
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        if let Some(mut s) = connect(port) {
            if i.is_multiple_of(3) {
                let _ = s.write_all(b"GET /met");
            }
            if i.is_multiple_of(5) {
                let _ = s.shutdown(Shutdown::Both);
            }
            sent.fetch_add(1, Ordering::Relaxed);
        }
        i += 1;
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Garbage bytes, binary and text, to plain HTTP or (when `tls`) to the TLS handshake: random
/// bytes, a TLS record header announcing a huge ClientHello that never comes, and half-written
/// handshakes left open.
fn garbage(port: u16, stop: Arc<AtomicBool>, sent: Arc<AtomicUsize>, tls: bool) {
    let mut rng = fastrand::Rng::with_seed(3);
    let mut held: Vec<TcpStream> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        if let Some(mut s) = connect(port) {
            let bytes: Vec<u8> = match rng.u8(..4) {
                0 => (0..rng.usize(1..8192)).map(|_| rng.u8(..)).collect(),
                // TLS handshake record, length 16 KiB, then a few bytes of it.
                1 => vec![
                    0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3f, 0xfc, 0x03, 0x03,
                ],
                2 => b"\x16\x03\x03\x00\x05hello\x15\x03\x03\x00\x02\x02\x28".to_vec(),
                _ => b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04".to_vec(),
            };
            let _ = s.write_all(&bytes);
            if tls && held.len() < 8 {
                held.push(s);
            } else {
                let mut answer = [0u8; 256];
                let _ = s.read(&mut answer);
            }
            sent.fetch_add(1, Ordering::Relaxed);
        }
        if held.len() >= 8 && rng.bool() {
            held.clear();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

async fn hostile_run(tls: bool) {
    let sim = simulator();
    let mut extra = Vec::new();
    let dir = std::env::temp_dir().join(format!(
        "aruba-hostile-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    if tls {
        std::fs::create_dir_all(&dir).unwrap();
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        std::fs::write(dir.join("cert.pem"), certified.cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), certified.signing_key.serialize_pem()).unwrap();
        extra.push((
            "ARUBA_METRICS_TLS_CERT",
            dir.join("cert.pem").display().to_string(),
        ));
        extra.push((
            "ARUBA_METRICS_TLS_KEY",
            dir.join("key.pem").display().to_string(),
        ));
    }
    let server = start(&sim, &extra).await;
    let (pid, port) = (server.pid, server.port);

    // Warm up, then the baseline.
    median_call(&server.client).await;
    let baseline = median_call(&server.client).await;
    let rss_before = proc_status_kib(pid, "VmRSS:");
    let fds_before = open_fds(pid);

    let stop = Arc::new(AtomicBool::new(false));
    let counters: Vec<Arc<AtomicUsize>> = (0..4).map(|_| Arc::new(AtomicUsize::new(0))).collect();
    let oversized_served = Arc::new(AtomicUsize::new(0));
    let attackers = vec![
        spawn(&stop, {
            let c = Arc::clone(&counters[0]);
            move |s| slowloris(port, s, c)
        }),
        spawn(&stop, {
            let c = Arc::clone(&counters[1]);
            let served = Arc::clone(&oversized_served);
            move |s| oversized(port, s, c, served)
        }),
        spawn(&stop, {
            let c = Arc::clone(&counters[2]);
            move |s| flood(port, s, c)
        }),
        spawn(&stop, {
            let c = Arc::clone(&counters[3]);
            move |s| garbage(port, s, c, tls)
        }),
    ];
    // Let the attack build up (slowloris fills the connection cap), then measure under it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let under_attack = median_call(&server.client).await;
    let mut rss_peak = proc_status_kib(pid, "VmRSS:");
    // Keep it going well past the 5 s header and handshake timeouts, sampling memory.
    for _ in 0..16 {
        let r = call(&server.client, "get_device_list", json!({"limit": 1})).await;
        assert_ne!(r.is_error, Some(true), "{}", text(&r));
        rss_peak = rss_peak.max(proc_status_kib(pid, "VmRSS:"));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let under_attack_late = median_call(&server.client).await;
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        a.join().expect("attacker thread");
    }
    let attempts: Vec<usize> = counters.iter().map(|c| c.load(Ordering::Relaxed)).collect();

    // Afterwards: connections are released and a normal scrape works again.
    let mut fds_after = open_fds(pid);
    for _ in 0..100 {
        if fds_after <= fds_before + 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        fds_after = open_fds(pid);
    }
    let scraped = scrape(port, tls, &dir).await;
    let rss_after = proc_status_kib(pid, "VmRSS:");
    println!(
        "hostile ({}): slowloris connections closed by the server, then oversized/flood/garbage attempts: {attempts:?}; median call {baseline:?} \
         before, {under_attack:?} and {under_attack_late:?} under attack; VmRSS {rss_before} KiB before, \
         peak {rss_peak} KiB, {rss_after} KiB after; fds {fds_before} → {fds_after}",
        if tls { "TLS" } else { "plain" }
    );

    assert!(
        attempts.iter().all(|n| *n > 0),
        "every attacker ran: {attempts:?}"
    );
    assert_eq!(
        oversized_served.load(Ordering::Relaxed),
        0,
        "an oversized request head was served"
    );
    for (what, median) in [("early", under_attack), ("late", under_attack_late)] {
        assert!(
            median <= baseline * SLOWDOWN,
            "MCP calls slowed down under attack ({what}): median {median:?} vs {baseline:?} before"
        );
    }
    assert!(
        rss_peak < rss_before + 16 * 1024,
        "memory grew under attack: {rss_before} → {rss_peak} KiB"
    );
    assert!(
        fds_after <= fds_before + 2,
        "connections were not released: {fds_before} → {fds_after} fds"
    );
    assert!(scraped, "a normal scrape fails after the attack");

    server.client.cancel().await.expect("clean shutdown");
    let log = server.stderr.await.unwrap();
    assert!(!log.contains("panicked"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A normal scrape of /metrics answers 200 within a few tries.
async fn scrape(port: u16, tls: bool, dir: &std::path::Path) -> bool {
    let agent: ureq::Agent = if tls {
        let pem = std::fs::read(dir.join("cert.pem")).unwrap();
        let root = ureq::tls::Certificate::from_pem(&pem).unwrap();
        ureq::Agent::config_builder()
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&[root]))
                    .build(),
            )
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into()
    } else {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into()
    };
    let url = format!(
        "{}://127.0.0.1:{port}/metrics",
        if tls { "https" } else { "http" }
    );
    for _ in 0..20 {
        let ok = tokio::task::spawn_blocking({
            let (agent, url) = (agent.clone(), url.clone());
            move || {
                agent.get(&url).call().ok().is_some_and(|mut r| {
                    r.status().as_u16() == 200
                        && r.body_mut()
                            .read_to_string()
                            .is_ok_and(|b| b.contains("mcp_tool_calls_total"))
                })
            }
        })
        .await
        .unwrap();
        if ok {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    false
}

#[tokio::test]
async fn hostile_clients_on_plain_http_do_not_hurt_mcp() {
    hostile_run(false).await;
}

#[tokio::test]
async fn hostile_clients_on_https_do_not_hurt_mcp() {
    hostile_run(true).await;
}
