//! The end-to-end benchmark: the real binary as an MCP server over real pipes (raw JSON-RPC
//! lines on its stdin/stdout), against the Central simulator over loopback, measured from
//! outside through `/proc`.
//!
//! `benches/run.sh [PROFILE]` builds PROFILE (default `release`) with and without default
//! features, runs the micro benchmarks and then this harness, which prints a table, compares
//! each figure with its target (a miss is flagged, never a failure) and writes
//! `target/bench/report.json`. Alone:
//!
//! ```sh
//! cargo bench --bench mcp -- [--bin PATH] [--lean-bin PATH] [--musl-bin PATH] [--profile NAME]
//!                            [--workers N] [--rss-calls N] [--spawns N] [--out FILE]
//! ```
//!
//! `--bin` defaults to the binary cargo built for the bench (`release` settings), `--lean-bin` is
//! the `--no-default-features` build (its size is reported), `--musl-bin` the same profile built
//! for `x86_64-unknown-linux-musl` (static, the ARM appliances' libc and allocator, run natively):
//! the musl phase measures it and `--bin` side by side, in interleaved rounds with the same
//! procedure (size, idle RSS, RSS after 10,000 calls, CPU per call, round trip p50/p99, the
//! `/metrics` scrape of an idle server), `--workers` sets `ARUBA_HTTP_WORKERS` (default: the
//! server's own default).
//!
//! Under `cargo test` (no `--bench` argument) it runs every phase briefly against the debug
//! binary (the musl phase with that binary on both sides unless `--musl-bin` is given) and
//! asserts that every call succeeded and every figure was measured: a smoke test of the harness,
//! with no timing asserted.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use aruba_noc_mcp::simulator::{Simulator, SimulatorConfig, SimulatorHandle};
use serde_json::{Map, Value, json};

/// The reference Python server on the same kind of 2-core machine (from the Benchmarks issue).
const REFERENCE: &[(&str, &str)] = &[
    ("spawn_initialize_p50_ms", "~600 ms"),
    ("idle_rss_mb", "60 MB"),
    ("rss_growth_10k_mb", "~80 MB (8 MB per 1,000 calls)"),
    ("cpu_get_device_list_ms", "~30 ms"),
];

/// The budgets the harness compares with: (figure, comparison, bound).
const TARGETS: &[(&str, Cmp, f64)] = &[
    ("spawn_initialize_p50_ms", Cmp::AtMost, 5.0),
    ("idle_rss_mb", Cmp::AtMost, 5.0),
    ("rss_growth_10k_mb", Cmp::AtMost, 1.0),
    ("cpu_get_device_list_ms", Cmp::AtMost, 0.5),
    ("rtt_get_device_list_p99_ms", Cmp::AtMost, 1.0),
    ("rtt_get_sites_health_p99_ms", Cmp::AtMost, 1.0),
    ("throughput_8_at_100ms", Cmp::AtLeast, 75.0),
    ("scrape_p99_ms", Cmp::AtMost, 1.0),
    ("binary_default_mb", Cmp::AtMost, 4.0),
    ("binary_lean_mb", Cmp::AtMost, 4.0),
];

/// Upstream latency of the slow simulator.
const SLOW_UPSTREAM_MS: u64 = 100;
/// A bucket large enough that the limiter never throttles the benchmark (reported).
const RATE_LIMIT_REQUESTS: &str = "1000000";
/// Longest wait for one answer before the harness gives up on the server.
const REPLY_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmp {
    AtMost,
    AtLeast,
}

/// How big each phase is.
#[derive(Debug, Clone)]
struct Plan {
    spawns: usize,
    sequential: u64,
    warmup: u64,
    phase: Duration,
    /// Tool-call counts at which the RSS is read; the last is the length of the long run.
    marks: [u64; 3],
    sweep: &'static [usize],
    idle_settle: Duration,
    /// Interleaved rounds of the musl phase (each: the `--bin` build, then the musl build).
    musl_rounds: usize,
    /// Sequential `/metrics` scrapes of an idle server per run of the musl phase.
    idle_scrapes: usize,
}

impl Plan {
    fn full() -> Plan {
        Plan {
            spawns: 50,
            sequential: 2_000,
            warmup: 100,
            phase: Duration::from_secs(5),
            marks: [1_000, 10_000, 100_000],
            sweep: &[4, 8, 16],
            idle_settle: Duration::from_millis(500),
            musl_rounds: 3,
            idle_scrapes: 200,
        }
    }
    fn smoke() -> Plan {
        Plan {
            spawns: 3,
            sequential: 20,
            warmup: 5,
            phase: Duration::from_millis(400),
            marks: [20, 40, 100],
            sweep: &[],
            idle_settle: Duration::from_millis(100),
            musl_rounds: 1,
            idle_scrapes: 5,
        }
    }
}

#[derive(Debug, Clone)]
struct Options {
    full: bool,
    bin: PathBuf,
    lean_bin: Option<PathBuf>,
    /// The same profile built for x86_64-unknown-linux-musl (static): the stand-in, run natively,
    /// for the ARM appliances' musl binaries; measured side by side with `bin`, not budgeted.
    musl_bin: Option<PathBuf>,
    profile: String,
    workers: Option<usize>,
    out: PathBuf,
    plan: Plan,
}

impl Options {
    fn parse() -> Options {
        let mut args = std::env::args().skip(1);
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut o = Options {
            full: false,
            bin: PathBuf::from(env!("CARGO_BIN_EXE_aruba-noc-mcp")),
            lean_bin: None,
            musl_bin: None,
            profile: "release".into(),
            workers: None,
            out: manifest.join("target/bench/report.json"),
            plan: Plan::smoke(),
        };
        let mut rss_calls = None;
        let mut spawns = None;
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .unwrap_or_else(|| panic!("{name} needs a value"))
            };
            match arg.as_str() {
                "--bench" => o.full = true,
                "--bin" => o.bin = PathBuf::from(value("--bin")),
                "--lean-bin" => o.lean_bin = Some(PathBuf::from(value("--lean-bin"))),
                "--musl-bin" => o.musl_bin = Some(PathBuf::from(value("--musl-bin"))),
                "--profile" => o.profile = value("--profile"),
                "--out" => o.out = PathBuf::from(value("--out")),
                "--workers" => o.workers = Some(number(&value("--workers"))),
                "--rss-calls" => rss_calls = Some(number(&value("--rss-calls"))),
                "--spawns" => spawns = Some(number(&value("--spawns"))),
                // libtest-style flags cargo may pass; filters do not apply here.
                _ if arg.starts_with('-') => {}
                _ => {}
            }
        }
        if o.full {
            o.plan = Plan::full();
        } else if o.profile == "release" {
            // `cargo test` builds the binary in the test (debug) profile.
            o.profile = "debug (smoke run)".into();
        }
        if let Some(n) = rss_calls {
            o.plan.marks[2] = (n as u64).max(o.plan.marks[1]);
        }
        if let Some(n) = spawns {
            o.plan.spawns = n.max(1);
        }
        o
    }
}

fn number(text: &str) -> usize {
    text.replace('_', "")
        .parse()
        .unwrap_or_else(|_| panic!("{text:?} is not a whole number"))
}

fn main() {
    let o = Options::parse();
    assert!(
        o.bin.is_file(),
        "{} is not a file: build it first",
        o.bin.display()
    );
    let started = Instant::now();
    let load_before = loadavg();
    eprintln!(
        "mcp benchmark: {} ({} profile), load average {load_before}",
        o.bin.display(),
        o.profile
    );
    let log_dir = o.out.parent().unwrap_or(Path::new(".")).join("server-logs");
    std::fs::create_dir_all(&log_dir).expect("the report folder can be created");
    let mut figures = Figures::default();
    let mut details = Map::new();

    // Sizes.
    figures.put_size(
        "binary_default_mb",
        "stripped binary, default features",
        &o.bin,
    );
    if let Some(lean) = &o.lean_bin {
        figures.put_size(
            "binary_lean_mb",
            "stripped binary, --no-default-features",
            lean,
        );
    }

    let fast = Simulator::start(local(0), SimulatorConfig::default()).expect("simulator starts");
    let slow = Simulator::start(
        local(0),
        SimulatorConfig {
            faults: format!("latency={SLOW_UPSTREAM_MS}")
                .parse()
                .expect("a valid fault spec"),
            ..SimulatorConfig::default()
        },
    )
    .expect("simulator starts");

    // Spawn → initialize.
    let spawn = spawn_phase(&o, &fast, &log_dir);
    figures.put(
        "spawn_initialize_p50_ms",
        &format!("spawn → `initialize` answered, median of {}", o.plan.spawns),
        ms(spawn.initialize.p50()),
        "ms",
        "",
    );
    figures.put(
        "spawn_initialize_p99_ms",
        "spawn → `initialize` answered, p99",
        ms(spawn.initialize.p99()),
        "ms",
        "",
    );
    figures.put(
        "spawn_tools_list_p50_ms",
        "spawn → `tools/list` answered, median",
        ms(spawn.tools_list.p50()),
        "ms",
        &format!("{} bytes of tools/list", spawn.tools_list_bytes),
    );
    details.insert("spawn".into(), spawn.to_json());

    // One long session against the 0 ms simulator.
    let mut s = Session::start(&o, &fast, o.workers, &log_dir.join("session-0ms.log"));
    std::thread::sleep(o.plan.idle_settle);
    let idle = s.memory();
    figures.put(
        "idle_rss_mb",
        "idle RSS after `initialize`",
        mb_kib(idle.rss_kib),
        "MB",
        &idle.note(),
    );
    let list_bytes = s.tools_list();
    std::thread::sleep(o.plan.idle_settle);
    let listed = s.memory();
    figures.put(
        "rss_after_tools_list_mb",
        "RSS after `tools/list`",
        mb_kib(listed.rss_kib),
        "MB",
        &format!("{}; tools/list is {list_bytes} bytes", listed.note()),
    );
    let [mark1, mark2, mark3] = o.plan.marks;
    s.checkpoints = o.plan.marks.to_vec();
    s.run(1, Stop::Calls(o.plan.warmup), &["get_device_list"]);
    let seq_devices = s.sequential("get_device_list", o.plan.sequential);
    let seq_sites = s.sequential("get_sites_health", o.plan.sequential);
    for (tool, phase) in [
        ("get_device_list", &seq_devices),
        ("get_sites_health", &seq_sites),
    ] {
        let l = &phase.latencies;
        figures.put(
            &format!("rtt_{tool}_p50_ms"),
            &format!("`{tool}` round trip, sequential, 0 ms upstream: p50"),
            ms(l.p50()),
            "ms",
            &format!("mean {:.3} ms over {} calls", ms(l.mean()), l.len()),
        );
        figures.put(
            &format!("rtt_{tool}_p99_ms"),
            &format!("`{tool}` round trip p99"),
            ms(l.p99()),
            "ms",
            "",
        );
        figures.put(
            &format!("cpu_{tool}_ms"),
            &format!("server CPU per `{tool}` (utime+stime / calls)"),
            phase.cpu_ms_per_call(),
            "ms",
            &format!("{} ticks over {} calls", phase.cpu_ticks, phase.completed),
        );
    }
    details.insert("sequential_get_device_list".into(), seq_devices.to_json());
    details.insert("sequential_get_sites_health".into(), seq_sites.to_json());

    // The long run for RSS: up to the last mark, 8 in flight, both tools in turn.
    let both = ["get_device_list", "get_sites_health"];
    let remaining = mark3.saturating_sub(s.calls);
    let bulk = s.run(8, Stop::Calls(remaining), &both);
    assert_eq!(bulk.errors, 0, "bulk calls failed: {:?}", bulk.first_error);
    let peak = s.memory();
    std::thread::sleep(o.plan.idle_settle * 4);
    let rested = s.memory();
    let at = |n: u64| {
        s.marks
            .iter()
            .find(|(calls, _)| *calls == n)
            .map(|(_, m)| m.clone())
            .unwrap_or_else(|| panic!("no RSS mark at {n} calls"))
    };
    let (m1, m2, m3) = (at(mark1), at(mark2), at(mark3));
    figures.put(
        "rss_1k_mb",
        &format!("RSS after {} tool calls", thousands(mark1)),
        mb_kib(m1.rss_kib),
        "MB",
        &m1.note(),
    );
    figures.put(
        "rss_10k_mb",
        &format!("RSS after {} tool calls", thousands(mark2)),
        mb_kib(m2.rss_kib),
        "MB",
        &m2.note(),
    );
    figures.put(
        "rss_growth_10k_mb",
        &format!(
            "RSS growth over the first {} calls (from idle after `initialize`)",
            thousands(mark2)
        ),
        mb_kib(m2.rss_kib) - mb_kib(idle.rss_kib),
        "MB",
        &format!(
            "{:+.2} MB from {} to {} calls",
            mb_kib(m2.rss_kib) - mb_kib(m1.rss_kib),
            thousands(mark1),
            thousands(mark2)
        ),
    );
    figures.put(
        "rss_100k_mb",
        &format!("RSS after {} tool calls", thousands(mark3)),
        mb_kib(m3.rss_kib),
        "MB",
        &format!(
            "{}; {:+.2} MB from {}; the long run: {}",
            m3.note(),
            mb_kib(m3.rss_kib) - mb_kib(m2.rss_kib),
            thousands(mark2),
            bulk.note()
        ),
    );
    figures.put(
        "vm_hwm_mb",
        "VmHWM (peak RSS) of the session",
        mb_kib(peak.hwm_kib),
        "MB",
        &format!(
            "RSS {:.2} MB after {:.0} s idle",
            mb_kib(rested.rss_kib),
            (o.plan.idle_settle * 4).as_secs_f64()
        ),
    );
    details.insert("long_run".into(), bulk.to_json());
    details.insert(
        "rss_marks".into(),
        Value::Array(
            s.marks
                .iter()
                .map(|(calls, m)| json!({"calls": calls, "memory": m.to_json()}))
                .collect(),
        ),
    );

    // Throughput at 0 ms upstream, scraping /metrics meanwhile.
    let mut scrapes = Samples::default();
    for in_flight in [8, 64] {
        let scraper = Scraper::start(s.metrics);
        let phase = s.run(in_flight, Stop::After(o.plan.phase), &both);
        scrapes.extend(scraper.stop());
        assert_eq!(phase.errors, 0, "calls failed: {:?}", phase.first_error);
        figures.put(
            &format!("throughput_{in_flight}_at_0ms"),
            &format!("throughput, {in_flight} in flight, 0 ms upstream"),
            phase.rate(),
            "calls/s",
            &phase.note(),
        );
        details.insert(format!("throughput_{in_flight}_at_0ms"), phase.to_json());
    }
    s.stop();

    // Throughput at 100 ms upstream.
    let mut s = Session::start(&o, &slow, o.workers, &log_dir.join("session-100ms.log"));
    s.run(1, Stop::Calls(o.plan.warmup.min(10)), &both);
    for in_flight in [8, 64] {
        let scraper = Scraper::start(s.metrics);
        let phase = s.run(in_flight, Stop::After(o.plan.phase * 2), &both);
        scrapes.extend(scraper.stop());
        figures.put(
            &format!("throughput_{in_flight}_at_100ms"),
            &format!("throughput, {in_flight} in flight, {SLOW_UPSTREAM_MS} ms upstream"),
            phase.rate(),
            "calls/s",
            &phase.note(),
        );
        details.insert(format!("throughput_{in_flight}_at_100ms"), phase.to_json());
    }
    let workers_used = s.threads_note();
    s.stop();
    figures.put(
        "scrape_p50_ms",
        "`/metrics` scrape under load: p50",
        ms(scrapes.p50()),
        "ms",
        &format!("{} scrapes during the four throughput runs", scrapes.len()),
    );
    figures.put(
        "scrape_p99_ms",
        "`/metrics` scrape under load: p99",
        ms(scrapes.p99()),
        "ms",
        "",
    );

    // Worker sweep: throughput at 8 in flight / 100 ms and RSS per worker count.
    let mut sweep = Vec::new();
    for &workers in o.plan.sweep {
        let mut s = Session::start(
            &o,
            &slow,
            Some(workers),
            &log_dir.join(format!("sweep-{workers}.log")),
        );
        std::thread::sleep(o.plan.idle_settle);
        let idle = s.memory();
        let phase = s.run(8, Stop::After(o.plan.phase), &both);
        let loaded = s.memory();
        sweep.push(json!({
            "workers": workers,
            "idle": idle.to_json(),
            "after_load": loaded.to_json(),
            "throughput_8_at_100ms": round3(phase.rate()),
            "errors": phase.errors,
        }));
        eprintln!(
            "  sweep: {workers} workers: {:.1} calls/s, RSS idle {:.2} MB, after load {:.2} MB",
            phase.rate(),
            mb_kib(idle.rss_kib),
            mb_kib(loaded.rss_kib)
        );
        s.stop();
    }
    if sweep.len() >= 2 {
        let first = &sweep[0];
        let last = &sweep[sweep.len() - 1];
        let dw =
            (last["workers"].as_u64().unwrap_or(0) - first["workers"].as_u64().unwrap_or(0)) as f64;
        let rss = |v: &Value| v["after_load"]["rss_kib"].as_f64().unwrap_or(0.0);
        figures.put(
            "rss_per_worker_kib",
            "RSS per extra HTTP worker thread (after load)",
            (rss(last) - rss(first)) / dw,
            "KiB",
            &format!("{} vs {} workers", first["workers"], last["workers"]),
        );
    }
    details.insert("worker_sweep".into(), Value::Array(sweep));

    // musl beside glibc: the same procedure on both builds, in interleaved rounds.
    let musl = musl_phase(&o, &fast, &log_dir);
    musl.put(&mut figures);
    details.insert("musl_vs_glibc".into(), musl.to_json());
    drop((fast, slow));

    // Results of the micro benchmarks, when `benches/run.sh` ran them first.
    let bench_dir = o.out.parent().unwrap_or(Path::new("."));
    let mut micro = Map::new();
    for name in ["micro", "resilience"] {
        if let Some(v) = read_json(&bench_dir.join(format!("{name}.json"))) {
            micro.insert(name.into(), v);
        }
    }

    let load_after = loadavg();
    let settings = json!({
        "ARUBA_RATE_LIMIT_REQUESTS": RATE_LIMIT_REQUESTS,
        "ARUBA_HTTP_WORKERS": o.workers.map_or("server default".to_string(), |w| w.to_string()),
        "ARUBA_METRICS_ADDR": "127.0.0.1:<free port>",
        "ARUBA_LOG": "server default (info), stderr to target/bench/server-logs",
        "slow_upstream_ms": SLOW_UPSTREAM_MS,
        "threads_seen_at_100ms": workers_used,
        "simulator": "in the harness process, seed 42 (50 devices per page)",
    });
    let command = if o.lean_bin.is_some() {
        format!("benches/run.sh {}", o.profile)
    } else {
        format!(
            "cargo bench --bench mcp -- --bin {} --profile {}",
            o.bin.display(),
            o.profile
        )
    };
    let machine = json!({
        "cores": cores(),
        "cpu": cpu_model(),
        "kernel": first_line("/proc/sys/kernel/osrelease"),
        "rustc": command_line("rustc", &["--version"]),
        "load_average_before": load_before,
        "load_average_after": load_after,
    });
    let report = json!({
        "date": humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        "profile": o.profile,
        "binary": o.bin.display().to_string(),
        "revision": command_line("git", &["rev-parse", "--short", "HEAD"]),
        "command": command,
        "machine": machine,
        "settings": settings,
        "figures": figures.to_json(),
        "details": details,
        "micro": micro,
        "harness_seconds": started.elapsed().as_secs(),
    });

    print_table(&report, &figures, &micro);
    musl.print_table();
    if o.full {
        std::fs::write(&o.out, format!("{report:#}\n")).expect("the report can be written");
        println!("report written to {}", o.out.display());
    } else {
        // Smoke run under `cargo test`: every figure measured, nothing failed.
        for f in &figures.rows {
            assert!(
                f.value.is_finite() && f.value >= 0.0,
                "{} was not measured: {}",
                f.key,
                f.value
            );
        }
        assert!(
            !scrapes.is_empty(),
            "no /metrics scrape succeeded under load"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// musl beside glibc.

/// What one run of the musl phase measured on one build.
#[derive(Debug, Clone, Default)]
struct BuildRun {
    idle: Memory,
    /// Memory once the session has answered `Plan::marks[1]` tool calls.
    marked: Memory,
    cpu_ms: f64,
    rtt_p50_ms: f64,
    rtt_p99_ms: f64,
    scrape_p50_ms: f64,
    scrape_p99_ms: f64,
}

impl BuildRun {
    fn to_json(&self) -> Value {
        json!({
            "idle": self.idle.to_json(),
            "marked": self.marked.to_json(),
            "cpu_get_device_list_ms": round3(self.cpu_ms),
            "rtt_get_device_list_p50_ms": round3(self.rtt_p50_ms),
            "rtt_get_device_list_p99_ms": round3(self.rtt_p99_ms),
            "idle_scrape_p50_ms": round3(self.scrape_p50_ms),
            "idle_scrape_p99_ms": round3(self.scrape_p99_ms),
        })
    }
}

/// One build of the comparison and its runs.
struct Side {
    label: &'static str,
    bin: PathBuf,
    bytes: u64,
    runs: Vec<BuildRun>,
}

impl Side {
    /// The median over the runs of `f`.
    fn median(&self, f: impl Fn(&BuildRun) -> f64) -> f64 {
        let mut values: Vec<f64> = self.runs.iter().map(f).collect();
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
    }
}

/// The glibc build (`--bin`) and the musl build (`--musl-bin`) measured the same way.
struct MuslPhase {
    sides: [Side; 2],
    calls: u64,
    sequential: u64,
    scrapes: usize,
}

/// The rows of the comparison: (figure key suffix, label, unit, value of a side).
type Row = (&'static str, &'static str, &'static str, fn(&Side) -> f64);

const MUSL_ROWS: &[Row] = &[
    ("binary_mb", "stripped binary", "MB", |s| {
        s.bytes as f64 / 1e6
    }),
    ("idle_rss_mb", "idle RSS after `initialize`", "MB", |s| {
        s.median(|r| mb_kib(r.idle.rss_kib))
    }),
    ("idle_anon_mb", "  of which anonymous", "MB", |s| {
        s.median(|r| mb_kib(r.idle.anon_kib))
    }),
    ("rss_10k_mb", "RSS after {calls} calls", "MB", |s| {
        s.median(|r| mb_kib(r.marked.rss_kib))
    }),
    (
        "cpu_get_device_list_ms",
        "server CPU per `get_device_list`",
        "ms",
        |s| s.median(|r| r.cpu_ms),
    ),
    (
        "rtt_get_device_list_p50_ms",
        "`get_device_list` round trip p50",
        "ms",
        |s| s.median(|r| r.rtt_p50_ms),
    ),
    (
        "rtt_get_device_list_p99_ms",
        "`get_device_list` round trip p99",
        "ms",
        |s| s.median(|r| r.rtt_p99_ms),
    ),
    (
        "idle_scrape_p50_ms",
        "`/metrics` scrape of the idle server, p50",
        "ms",
        |s| s.median(|r| r.scrape_p50_ms),
    ),
    (
        "idle_scrape_p99_ms",
        "`/metrics` scrape of the idle server, p99",
        "ms",
        |s| s.median(|r| r.scrape_p99_ms),
    ),
];

impl MuslPhase {
    /// A row's label with the call count of this plan.
    fn label(&self, label: &str) -> String {
        label.replace("{calls}", &thousands(self.calls))
    }

    fn put(&self, figures: &mut Figures) {
        let [glibc, musl] = &self.sides;
        for (key, label, unit, value) in MUSL_ROWS {
            let (g, m) = (value(glibc), value(musl));
            figures.put(
                &format!("musl_{key}"),
                &format!("musl build: {}", self.label(label)),
                m,
                unit,
                &format!(
                    "glibc {} in the same rounds; musl/glibc {:.2}",
                    pretty(g),
                    m / g
                ),
            );
        }
    }

    fn to_json(&self) -> Value {
        let side = |s: &Side| {
            json!({
                "binary": s.bin.display().to_string(),
                "bytes": s.bytes,
                "runs": s.runs.iter().map(BuildRun::to_json).collect::<Vec<_>>(),
            })
        };
        json!({
            "procedure": format!(
                "per run: idle RSS, {} sequential get_device_list, calls to {} (8 in flight, \
                 both tools), RSS, {} sequential /metrics scrapes; rounds interleave the builds; \
                 figures are medians over the rounds",
                self.sequential, self.calls, self.scrapes
            ),
            "glibc": side(&self.sides[0]),
            "musl": side(&self.sides[1]),
        })
    }

    fn print_table(&self) {
        let [glibc, musl] = &self.sides;
        println!();
        println!(
            "musl beside glibc: {} interleaved rounds, medians ({} and {})",
            glibc.runs.len(),
            glibc.bin.display(),
            musl.bin.display()
        );
        println!();
        println!("| figure | glibc | musl | musl / glibc |");
        println!("|---|---|---|---|");
        for (_, label, unit, value) in MUSL_ROWS {
            let (g, m) = (value(glibc), value(musl));
            println!(
                "| {} ({unit}) | {} | {} | {:.2} |",
                self.label(label),
                pretty(g),
                pretty(m),
                m / g
            );
        }
    }
}

/// Runs the same procedure on the `--bin` build and the musl build, alternating, for
/// `Plan::musl_rounds` rounds. Without `--musl-bin` both sides are `--bin` (the smoke run).
fn musl_phase(o: &Options, sim: &SimulatorHandle, log_dir: &Path) -> MuslPhase {
    let side = |label, bin: PathBuf| Side {
        label,
        bytes: stripped_size(&bin).0,
        bin,
        runs: Vec::new(),
    };
    let mut sides = [
        side("glibc", o.bin.clone()),
        side("musl", o.musl_bin.clone().unwrap_or_else(|| o.bin.clone())),
    ];
    for round in 0..o.plan.musl_rounds {
        for side in &mut sides {
            let log = log_dir.join(format!("musl-phase-{}-{round}.log", side.label));
            let run = measure_build(o, &side.bin, sim, &log);
            eprintln!(
                "  {} round {round}: idle {:.2} MB, {:.2} MB after {} calls, CPU {:.3} ms/call, \
                 p50 {:.2} ms, p99 {:.2} ms, idle scrape p50 {:.2} ms",
                side.label,
                mb_kib(run.idle.rss_kib),
                mb_kib(run.marked.rss_kib),
                o.plan.marks[1],
                run.cpu_ms,
                run.rtt_p50_ms,
                run.rtt_p99_ms,
                run.scrape_p50_ms
            );
            side.runs.push(run);
        }
    }
    MuslPhase {
        sides,
        calls: o.plan.marks[1],
        sequential: o.plan.sequential,
        scrapes: o.plan.idle_scrapes,
    }
}

/// One run of the musl phase on `bin`: idle memory, sequential `get_device_list` (round trips
/// and CPU), calls up to `Plan::marks[1]` (memory), then sequential scrapes of the idle server.
fn measure_build(o: &Options, bin: &Path, sim: &SimulatorHandle, log: &Path) -> BuildRun {
    let options = Options {
        bin: bin.to_path_buf(),
        ..o.clone()
    };
    let mut s = Session::start(&options, sim, o.workers, log);
    std::thread::sleep(o.plan.idle_settle);
    let idle = s.memory();
    s.sequential("get_device_list", o.plan.warmup);
    let seq = s.sequential("get_device_list", o.plan.sequential);
    let rest = o.plan.marks[1].saturating_sub(s.calls);
    let bulk = s.run(
        8,
        Stop::Calls(rest),
        &["get_device_list", "get_sites_health"],
    );
    assert_eq!(bulk.errors, 0, "calls failed: {:?}", bulk.first_error);
    let marked = s.memory();
    let mut scrapes = Samples::default();
    for _ in 0..o.plan.idle_scrapes {
        scrapes.push(scrape(s.metrics).expect("/metrics answers"));
        std::thread::sleep(Duration::from_millis(5));
    }
    s.stop();
    BuildRun {
        idle,
        marked,
        cpu_ms: seq.cpu_ms_per_call(),
        rtt_p50_ms: ms(seq.latencies.p50()),
        rtt_p99_ms: ms(seq.latencies.p99()),
        scrape_p50_ms: ms(scrapes.p50()),
        scrape_p99_ms: ms(scrapes.p99()),
    }
}

// ---------------------------------------------------------------------------------------------
// The server process and its JSON-RPC lines.

/// One answer from the server.
struct Reply {
    id: u64,
    at: Instant,
    ok: bool,
    bytes: usize,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
struct Envelope {
    id: Option<u64>,
    result: Option<ResultFlag>,
    error: Option<Value>,
}

#[derive(serde::Deserialize)]
struct ResultFlag {
    #[serde(rename = "isError")]
    is_error: Option<bool>,
}

/// The server's environment: pointed at `sim`, metrics on `metrics`, the bucket out of the way.
fn server_env(
    sim: &SimulatorHandle,
    metrics: SocketAddr,
    workers: Option<usize>,
) -> Vec<(String, String)> {
    let mut env = vec![
        ("ARUBA_BASE_URL".to_string(), sim.base_url()),
        ("ARUBA_TOKEN_URL".to_string(), sim.token_url()),
        ("ARUBA_CLIENT_ID".to_string(), sim.client_id().to_string()),
        (
            "ARUBA_CLIENT_SECRET".to_string(),
            sim.client_secret().to_string(),
        ),
        ("ARUBA_METRICS_ADDR".to_string(), metrics.to_string()),
        (
            "ARUBA_RATE_LIMIT_REQUESTS".to_string(),
            RATE_LIMIT_REQUESTS.to_string(),
        ),
    ];
    if let Some(w) = workers {
        env.push(("ARUBA_HTTP_WORKERS".to_string(), w.to_string()));
    }
    env
}

fn server_command(bin: &Path, env: &[(String, String)], stderr: Stdio) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("serve")
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr);
    cmd
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"aruba-noc-mcp-bench","version":"0"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

struct SpawnResults {
    initialize: Samples,
    tools_list: Samples,
    tools_list_bytes: usize,
}

impl SpawnResults {
    fn to_json(&self) -> Value {
        json!({
            "spawns": self.initialize.len(),
            "initialize_ms": self.initialize.summary_ms(),
            "tools_list_ms": self.tools_list.summary_ms(),
            "tools_list_bytes": self.tools_list_bytes,
        })
    }
}

/// Spawns the server `spawns` times; each time: `initialize` as soon as it is spawned, then
/// `notifications/initialized` and `tools/list`, then stdin closed and the exit awaited.
fn spawn_phase(o: &Options, sim: &SimulatorHandle, log_dir: &Path) -> SpawnResults {
    let mut initialize = Samples::default();
    let mut tools_list = Samples::default();
    let mut tools_list_bytes = 0;
    let log = log_dir.join("spawns.log");
    for _ in 0..o.plan.spawns {
        let env = server_env(sim, free_port(), o.workers);
        let stderr = std::fs::File::create(&log).expect("the log file can be created");
        let t0 = Instant::now();
        let mut child = server_command(&o.bin, &env, stderr.into())
            .spawn()
            .expect("the server spawns");
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        stdin
            .write_all(format!("{INITIALIZE}\n").as_bytes())
            .expect("initialize is sent");
        let mut line = String::new();
        stdout.read_line(&mut line).expect("initialize is answered");
        initialize.push(t0.elapsed());
        assert!(
            line.contains("\"serverInfo\""),
            "not an initialize result: {line} (log: {})",
            log.display()
        );
        stdin
            .write_all(
                format!(
                    "{INITIALIZED}\n{}\n",
                    r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#
                )
                .as_bytes(),
            )
            .expect("tools/list is sent");
        line.clear();
        stdout.read_line(&mut line).expect("tools/list is answered");
        tools_list.push(t0.elapsed());
        assert!(line.contains("\"tools\""), "not a tools/list result");
        tools_list_bytes = line.len();
        drop(stdin);
        let status = child.wait().expect("the server exits");
        assert!(status.success(), "the server exited with {status}");
    }
    SpawnResults {
        initialize,
        tools_list,
        tools_list_bytes,
    }
}

/// Memory of the server from `/proc/PID/status`.
#[derive(Debug, Clone, Default)]
struct Memory {
    rss_kib: u64,
    hwm_kib: u64,
    anon_kib: u64,
    file_kib: u64,
    threads: u64,
}

impl Memory {
    fn read(pid: u32) -> Memory {
        let text = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .expect("/proc/PID/status is readable");
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        Memory {
            rss_kib: field("VmRSS:"),
            hwm_kib: field("VmHWM:"),
            anon_kib: field("RssAnon:"),
            file_kib: field("RssFile:"),
            threads: field("Threads:"),
        }
    }
    fn note(&self) -> String {
        format!(
            "{} KiB: {} KiB anonymous, {} KiB file-backed; {} threads",
            self.rss_kib, self.anon_kib, self.file_kib, self.threads
        )
    }
    fn to_json(&self) -> Value {
        json!({"rss_kib": self.rss_kib, "hwm_kib": self.hwm_kib, "anon_kib": self.anon_kib,
               "file_kib": self.file_kib, "threads": self.threads})
    }
}

/// utime + stime of the whole process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let text =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat is readable");
    // Fields after the `(comm)`: state is field 3, utime 14, stime 15.
    let rest = &text[text.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| fields[i - 3].parse::<u64>().expect("a tick count");
    tick(14) + tick(15)
}

fn clock_ticks_per_second() -> f64 {
    command_line("getconf", &["CLK_TCK"])
        .and_then(|t| t.parse().ok())
        .unwrap_or(100.0)
}

enum Stop {
    Calls(u64),
    After(Duration),
}

/// What one run of calls measured.
struct Phase {
    in_flight: usize,
    completed: u64,
    errors: u64,
    first_error: Option<String>,
    elapsed: Duration,
    latencies: Samples,
    cpu_ticks: u64,
    ticks_per_second: f64,
    reply_bytes: usize,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    fn cpu_ms_per_call(&self) -> f64 {
        self.cpu_ticks as f64 * 1000.0 / self.ticks_per_second / self.completed.max(1) as f64
    }
    fn note(&self) -> String {
        let mut note = format!(
            "{} calls in {:.1} s, latency p50 {:.1} ms p99 {:.1} ms, CPU {:.3} ms/call",
            self.completed,
            self.elapsed.as_secs_f64(),
            ms(self.latencies.p50()),
            ms(self.latencies.p99()),
            self.cpu_ms_per_call()
        );
        if self.errors > 0 {
            note.push_str(&format!(
                "; {} ERRORS, first: {}",
                self.errors,
                self.first_error.as_deref().unwrap_or("?")
            ));
        }
        note
    }
    fn to_json(&self) -> Value {
        json!({
            "in_flight": self.in_flight,
            "calls": self.completed,
            "errors": self.errors,
            "first_error": self.first_error,
            "seconds": round3(self.elapsed.as_secs_f64()),
            "calls_per_s": round3(self.rate()),
            "latency_ms": self.latencies.summary_ms(),
            "cpu_ms_per_call": round3(self.cpu_ms_per_call()),
            "reply_bytes_last": self.reply_bytes,
        })
    }
}

/// A running server with a reader thread turning its stdout lines into [`Reply`]s.
struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    replies: Receiver<Reply>,
    reader: Option<JoinHandle<()>>,
    next_id: u64,
    pid: u32,
    metrics: SocketAddr,
    log: PathBuf,
    /// Tool calls answered so far.
    calls: u64,
    /// Call counts at which to read the memory.
    checkpoints: Vec<u64>,
    /// (calls, memory) read at each checkpoint.
    marks: Vec<(u64, Memory)>,
    ticks_per_second: f64,
}

impl Session {
    fn start(o: &Options, sim: &SimulatorHandle, workers: Option<usize>, log: &Path) -> Session {
        let metrics = free_port();
        let env = server_env(sim, metrics, workers);
        let stderr = std::fs::File::create(log).expect("the log file can be created");
        let mut child = server_command(&o.bin, &env, stderr.into())
            .spawn()
            .expect("the server spawns");
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, replies) = channel();
        let reader = std::thread::spawn(move || {
            let mut lines = BufReader::with_capacity(1 << 16, stdout);
            let mut line = String::new();
            loop {
                line.clear();
                match lines.read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        let at = Instant::now();
                        let Ok(env) = serde_json::from_str::<Envelope>(&line) else {
                            continue;
                        };
                        let Some(id) = env.id else { continue };
                        let ok = env.error.is_none()
                            && env.result.as_ref().and_then(|r| r.is_error) != Some(true);
                        let error = (!ok).then(|| line.chars().take(400).collect());
                        if tx
                            .send(Reply {
                                id,
                                at,
                                ok,
                                bytes: n,
                                error,
                            })
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            }
        });
        let pid = child.id();
        let mut s = Session {
            child,
            stdin: Some(stdin),
            replies,
            reader: Some(reader),
            next_id: 1,
            pid,
            metrics,
            log: log.to_path_buf(),
            calls: 0,
            checkpoints: Vec::new(),
            marks: Vec::new(),
            ticks_per_second: clock_ticks_per_second(),
        };
        s.write(INITIALIZE);
        let reply = s.recv();
        assert!(reply.id == 0 && reply.ok, "initialize failed");
        s.write(INITIALIZED);
        // The metrics listener starts with the runtime: wait until it answers.
        let deadline = Instant::now() + Duration::from_secs(10);
        while scrape(metrics).is_err() {
            assert!(
                Instant::now() < deadline,
                "/metrics on {metrics} never answered"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        s
    }

    fn write(&mut self, line: &str) {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        let stdin = self.stdin.as_mut().expect("stdin is open until stop");
        if let Err(e) = stdin.write_all(&bytes) {
            panic!(
                "cannot write to the server ({e}); its log: {}",
                self.log_tail()
            );
        }
    }

    fn recv(&mut self) -> Reply {
        match self.replies.recv_timeout(REPLY_TIMEOUT) {
            Ok(reply) => reply,
            Err(RecvTimeoutError::Timeout) => {
                panic!("no answer in {REPLY_TIMEOUT:?}; log: {}", self.log_tail())
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the server closed stdout; log: {}", self.log_tail())
            }
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = text.len().saturating_sub(2000);
        let start = (start..text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        text[start..].to_string()
    }

    fn memory(&self) -> Memory {
        Memory::read(self.pid)
    }

    fn threads_note(&self) -> String {
        format!("{} threads", self.memory().threads)
    }

    /// Sends `tools/list` and returns the size of its answer.
    fn tools_list(&mut self) -> usize {
        let id = self.next_id;
        self.next_id += 1;
        self.write(&format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/list"}}"#
        ));
        let reply = self.recv();
        assert!(reply.id == id && reply.ok, "tools/list failed");
        reply.bytes
    }

    fn send_call(&mut self, tool: &str) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.write(&format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{tool}","arguments":{{}}}}}}"#
        ));
        id
    }

    /// `n` calls of `tool`, one at a time.
    fn sequential(&mut self, tool: &str, n: u64) -> Phase {
        let phase = self.run(1, Stop::Calls(n), &[tool]);
        assert_eq!(phase.errors, 0, "{tool} failed: {:?}", phase.first_error);
        phase
    }

    /// Keeps `in_flight` calls outstanding (cycling through `tools`) until `stop`, then waits for
    /// the outstanding ones.
    fn run(&mut self, in_flight: usize, stop: Stop, tools: &[&str]) -> Phase {
        let ticks0 = cpu_ticks(self.pid);
        let started = Instant::now();
        let mut outstanding: HashMap<u64, Instant> = HashMap::with_capacity(in_flight);
        let mut latencies = Samples::default();
        let (mut sent, mut completed, mut errors) = (0u64, 0u64, 0u64);
        let mut first_error = None;
        let mut reply_bytes = 0;
        let mut last = started;
        let may_send = |sent: u64| match stop {
            Stop::Calls(n) => sent < n,
            Stop::After(d) => started.elapsed() < d,
        };
        while outstanding.len() < in_flight && may_send(sent) {
            let tool = tools[(sent % tools.len() as u64) as usize];
            let id = self.send_call(tool);
            outstanding.insert(id, Instant::now());
            sent += 1;
        }
        while !outstanding.is_empty() {
            let reply = self.recv();
            let Some(t0) = outstanding.remove(&reply.id) else {
                continue;
            };
            latencies.push(reply.at.saturating_duration_since(t0));
            last = reply.at;
            completed += 1;
            reply_bytes = reply.bytes;
            if !reply.ok {
                errors += 1;
                if first_error.is_none() {
                    first_error = reply.error;
                }
            }
            self.calls += 1;
            if self.checkpoints.contains(&self.calls) {
                let m = self.memory();
                self.marks.push((self.calls, m));
            }
            if may_send(sent) {
                let tool = tools[(sent % tools.len() as u64) as usize];
                let id = self.send_call(tool);
                outstanding.insert(id, Instant::now());
                sent += 1;
            }
        }
        let cpu = cpu_ticks(self.pid) - ticks0;
        Phase {
            in_flight,
            completed,
            errors,
            first_error,
            elapsed: last.saturating_duration_since(started),
            latencies,
            cpu_ticks: cpu,
            ticks_per_second: self.ticks_per_second,
            reply_bytes,
        }
    }

    /// Closes stdin and waits for a clean exit.
    fn stop(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("the server exits");
        assert!(
            status.success(),
            "the server exited with {status}; log: {}",
            self.log_tail()
        );
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// /metrics scraping.

/// One `GET /metrics` over a fresh connection; the time to the whole body.
fn scrape(addr: SocketAddr) -> std::io::Result<Duration> {
    let t0 = Instant::now();
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")?;
    let mut answer = Vec::with_capacity(64 * 1024);
    stream.read_to_end(&mut answer)?;
    let elapsed = t0.elapsed();
    if !answer.starts_with(b"HTTP/1.1 200") || !contains(&answer, b"# TYPE ") {
        return Err(std::io::Error::other("not a /metrics answer"));
    }
    Ok(elapsed)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Scrapes `/metrics` every 25 ms on its own thread until stopped.
struct Scraper {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Samples>,
}

impl Scraper {
    fn start(addr: SocketAddr) -> Scraper {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut samples = Samples::default();
            // Bounded: at most 10,000 scrapes (over four minutes at this pace).
            for _ in 0..10_000 {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                match scrape(addr) {
                    Ok(d) => samples.push(d),
                    Err(e) => eprintln!("  scrape failed: {e}"),
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            samples
        });
        Scraper { stop, thread }
    }
    fn stop(self) -> Samples {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the scraper thread ends")
    }
}

// ---------------------------------------------------------------------------------------------
// Samples, figures and the table.

#[derive(Debug, Default, Clone)]
struct Samples(Vec<Duration>);

impl Samples {
    fn push(&mut self, d: Duration) {
        self.0.push(d);
    }
    fn extend(&mut self, other: Samples) {
        self.0.extend(other.0);
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Nearest-rank percentile.
    fn percentile(&self, p: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }
    fn p50(&self) -> Duration {
        self.percentile(50.0)
    }
    fn p99(&self) -> Duration {
        self.percentile(99.0)
    }
    fn mean(&self) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        self.0.iter().sum::<Duration>() / self.0.len() as u32
    }
    fn summary_ms(&self) -> Value {
        json!({
            "n": self.len(),
            "mean": round3(ms(self.mean())),
            "p50": round3(ms(self.p50())),
            "p99": round3(ms(self.p99())),
            "max": round3(ms(self.percentile(100.0))),
        })
    }
}

struct Figure {
    key: String,
    label: String,
    value: f64,
    unit: &'static str,
    note: String,
}

#[derive(Default)]
struct Figures {
    rows: Vec<Figure>,
}

impl Figures {
    fn put(&mut self, key: &str, label: &str, value: f64, unit: &'static str, note: &str) {
        self.rows.push(Figure {
            key: key.to_string(),
            label: label.to_string(),
            value,
            unit,
            note: note.to_string(),
        });
    }
    /// The stripped size of `bin` in MB.
    fn put_size(&mut self, key: &str, label: &str, bin: &Path) {
        let (bytes, how) = stripped_size(bin);
        self.put(
            key,
            label,
            bytes as f64 / 1e6,
            "MB",
            &format!("{bytes} bytes, {how}"),
        );
    }
    fn to_json(&self) -> Value {
        let mut out = Map::new();
        for f in &self.rows {
            let target = target(&f.key);
            out.insert(
                f.key.clone(),
                json!({
                    "label": f.label,
                    "value": round3(f.value),
                    "unit": f.unit,
                    "target": target.map(|(cmp, bound)| format!("{} {bound}", cmp_text(cmp))),
                    "met": target.map(|(cmp, bound)| met(cmp, bound, f.value)),
                    "reference_python": reference(&f.key),
                    "note": f.note,
                }),
            );
        }
        Value::Object(out)
    }
}

fn target(key: &str) -> Option<(Cmp, f64)> {
    TARGETS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, c, b)| (*c, *b))
}

fn reference(key: &str) -> Option<&'static str> {
    REFERENCE.iter().find(|(k, _)| *k == key).map(|(_, r)| *r)
}

fn met(cmp: Cmp, bound: f64, value: f64) -> bool {
    match cmp {
        Cmp::AtMost => value <= bound,
        Cmp::AtLeast => value >= bound,
    }
}

fn cmp_text(cmp: Cmp) -> &'static str {
    match cmp {
        Cmp::AtMost => "≤",
        Cmp::AtLeast => "≥",
    }
}

fn print_table(report: &Value, figures: &Figures, micro: &Map<String, Value>) {
    let m = &report["machine"];
    println!();
    println!(
        "aruba-noc-mcp benchmark, {} — profile `{}`, {} cores ({}), load average {} before / {} after",
        report["date"].as_str().unwrap_or("?"),
        report["profile"].as_str().unwrap_or("?"),
        m["cores"],
        m["cpu"].as_str().unwrap_or("?"),
        m["load_average_before"].as_str().unwrap_or("?"),
        m["load_average_after"].as_str().unwrap_or("?"),
    );
    println!("reproduce: {}", report["command"].as_str().unwrap_or("?"));
    println!();
    println!("| figure | value | target | status | reference (Python) |");
    println!("|---|---|---|---|---|");
    let mut misses = Vec::new();
    for f in &figures.rows {
        let (target_text, status) = match target(&f.key) {
            Some((cmp, bound)) => {
                let ok = met(cmp, bound, f.value);
                if !ok {
                    misses.push(f.label.clone());
                }
                (
                    format!("{} {bound} {}", cmp_text(cmp), f.unit),
                    if ok { "met" } else { "**MISS**" }.to_string(),
                )
            }
            None => (String::new(), String::new()),
        };
        println!(
            "| {} | {} {} | {target_text} | {status} | {} |",
            f.label,
            pretty(f.value),
            f.unit,
            reference(&f.key).unwrap_or("")
        );
    }
    if let Some(v) = micro.get("micro") {
        println!(
            "| micro: decode + validate `get_device_list` arguments | {} ns | | | |",
            pretty(v["args_valid_ns"].as_f64().unwrap_or(f64::NAN))
        );
        println!(
            "| micro: map a 1,000-device page / + MCP result / + parse and serialise | {} / {} / {} µs | | | |",
            pretty(v["map_1000_ns"].as_f64().unwrap_or(f64::NAN) / 1000.0),
            pretty(v["result_1000_ns"].as_f64().unwrap_or(f64::NAN) / 1000.0),
            pretty(v["whole_1000_ns"].as_f64().unwrap_or(f64::NAN) / 1000.0),
        );
    }
    if let Some(v) = micro.get("resilience") {
        println!(
            "| micro: breaker admit + record / bucket take | {} / {} ns | | | |",
            pretty(v["breaker_ns_per_call"].as_f64().unwrap_or(f64::NAN)),
            pretty(v["limiter_ns_per_call"].as_f64().unwrap_or(f64::NAN)),
        );
        println!(
            "| bucket's achieved rate, 64 callers, configured {}/s | {} /s | | | |",
            v["limiter_configured_per_s"],
            pretty(v["limiter_achieved_per_s"].as_f64().unwrap_or(f64::NAN)),
        );
    }
    println!();
    println!("settings: {}", report["settings"]);
    if misses.is_empty() {
        println!("every target met");
    } else {
        println!("targets missed ({}): {}", misses.len(), misses.join("; "));
    }
}

fn pretty(v: f64) -> String {
    if !v.is_finite() {
        "?".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A loopback port free right now (bound, read, released).
fn free_port() -> SocketAddr {
    let listener = TcpListener::bind(local(0)).expect("a free loopback port");
    listener.local_addr().expect("its address")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// KiB to MB (10^6 bytes), the unit of the targets.
fn mb_kib(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn loadavg() -> String {
    first_line("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

fn first_line(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.lines().next().map(str::to_string))
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|r| r.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// The size of `bin` stripped of symbols: `strip` on a copy when `strip` is installed.
fn stripped_size(bin: &Path) -> (u64, &'static str) {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let copy = std::env::temp_dir().join(format!("aruba-noc-mcp-bench-{}", std::process::id()));
    let stripped = Command::new("strip")
        .arg("-o")
        .arg(&copy)
        .arg(bin)
        .status()
        .is_ok_and(|s| s.success());
    if stripped {
        let n = size(&copy);
        let _ = std::fs::remove_file(&copy);
        (n, "after `strip`")
    } else {
        (size(bin), "as built (`strip` not found)")
    }
}
