//! What the circuit breaker and the token bucket cost per call, and the rate the bucket achieves
//! under 64 concurrent callers.
//!
//! `cargo bench --bench resilience` measures and prints a table and one JSON line (also written to
//! `target/bench/resilience.json`).
//! Under `cargo test` (no `--bench` argument) it runs a few iterations only, as a smoke check.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aruba_noc_mcp::resilience::{CircuitBreaker, Outcome, RateLimiter};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let iterations: u64 = if full { 5_000_000 } else { 1_000 };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let breaker = CircuitBreaker::new(5, 60_000);
    let breaker_ns = per_call_ns(iterations, |i| {
        let permit = breaker.admit(black_box(i)).expect("closed breaker admits");
        black_box(permit.record(Outcome::Success, i));
    });

    let limiter = RateLimiter::new(u32::MAX, Duration::from_secs(1));
    let limiter_ns = per_call_ns(iterations, |i| {
        black_box(limiter.try_acquire_at(black_box(i)).is_ok());
    });
    let available_ns = per_call_ns(iterations, |i| {
        black_box(limiter.available_at(black_box(i)));
    });

    // 64 callers contending for a bucket of `rate` per second.
    let rate: u32 = if full { 200 } else { 50 };
    let run_for = if full {
        Duration::from_secs(5)
    } else {
        Duration::from_millis(300)
    };
    let (admitted, elapsed) = contended_rate(rate, run_for);
    // The bucket starts full: `rate` tokens of burst, then `rate` per second.
    let achieved = (admitted.saturating_sub(u64::from(rate))) as f64 / elapsed.as_secs_f64();

    println!("resilience benchmark ({cores} cores, {iterations} iterations per row)");
    println!("| what | cost |");
    println!("|---|---|");
    println!("| breaker admit + record (closed) | {breaker_ns:.1} ns/call |");
    println!("| bucket try_acquire | {limiter_ns:.1} ns/call |");
    println!("| bucket available (gauge) | {available_ns:.1} ns/call |");
    println!(
        "| bucket under 64 concurrent callers, configured {rate}/s | {achieved:.1}/s after the initial burst ({admitted} admitted in {:.2} s) |",
        elapsed.as_secs_f64()
    );
    let json = format!(
        "{{\"cores\":{cores},\"breaker_ns_per_call\":{breaker_ns:.1},\"limiter_ns_per_call\":{limiter_ns:.1},\"limiter_available_ns\":{available_ns:.1},\"limiter_configured_per_s\":{rate},\"limiter_achieved_per_s\":{achieved:.1},\"command\":\"cargo bench --bench resilience\"}}"
    );
    println!("{json}");
    if full {
        // Picked up by `benches/mcp.rs` for the combined report (`benches/run.sh`).
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
        std::fs::create_dir_all(&dir).expect("target/bench can be created");
        std::fs::write(dir.join("resilience.json"), json + "\n")
            .expect("target/bench/resilience.json can be written");
    }
    // Sanity: the bucket may not beat its configured rate by more than one token's worth.
    assert!(
        achieved <= f64::from(rate) * 1.05 + 1.0 / elapsed.as_secs_f64(),
        "bucket admitted {achieved:.1}/s, configured {rate}/s"
    );
}

fn per_call_ns(iterations: u64, mut f: impl FnMut(u64)) -> f64 {
    let started = Instant::now();
    for i in 0..iterations {
        f(i);
    }
    started.elapsed().as_nanos() as f64 / iterations as f64
}

fn contended_rate(rate: u32, run_for: Duration) -> (u64, Duration) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current_thread runtime");
    runtime.block_on(async {
        let limiter = Arc::new(RateLimiter::new(rate, Duration::from_secs(1)));
        let admitted = Arc::new(AtomicU64::new(0));
        let started = tokio::time::Instant::now();
        let stop_at = started + run_for;
        let callers: Vec<_> = (0..64)
            .map(|_| {
                let (limiter, admitted) = (Arc::clone(&limiter), Arc::clone(&admitted));
                tokio::spawn(async move {
                    while limiter.acquire(stop_at).await.is_ok() {
                        if tokio::time::Instant::now() > stop_at {
                            break;
                        }
                        admitted.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for caller in callers {
            let _ = caller.await;
        }
        (admitted.load(Ordering::Relaxed), started.elapsed())
    })
}
