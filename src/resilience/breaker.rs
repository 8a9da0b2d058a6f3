//! A lock-free circuit breaker.
//!
//! CLOSED → OPEN after `threshold` consecutive failures; OPEN rejects at once and says how long is
//! left; when the open timeout has passed, exactly **one** caller is admitted as a probe
//! (HALF_OPEN) and everyone else is still rejected; the probe's success closes the breaker, its
//! failure re-opens it and restarts the timer.
//!
//! The state and the instant it was entered live in one `AtomicU64` (state in the top two bits,
//! milliseconds in the rest), so every transition is a single compare-and-swap and no caller ever
//! sees a state without its timestamp. The consecutive-failure count is a separate counter. No
//! mutex anywhere. Time is passed in (milliseconds on a monotonic clock), which keeps the logic
//! deterministic under test.

use super::sync::{AtomicU32, AtomicU64, Ordering};

/// Breaker states, with the values the `circuit_breaker_state` gauge reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Calls flow.
    Closed = 0,
    /// Calls are rejected until the timeout passes.
    Open = 1,
    /// One probe call is in flight; the rest are rejected.
    HalfOpen = 2,
}

const STATE_SHIFT: u32 = 62;
const TIME_MASK: u64 = (1 << STATE_SHIFT) - 1;

fn pack(state: State, at_ms: u64) -> u64 {
    ((state as u64) << STATE_SHIFT) | (at_ms & TIME_MASK)
}

fn unpack(word: u64) -> (State, u64) {
    let state = match word >> STATE_SHIFT {
        0 => State::Closed,
        1 => State::Open,
        _ => State::HalfOpen,
    };
    (state, word & TIME_MASK)
}

/// Why a call was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The breaker is open; the next probe is allowed in `retry_in_ms`.
    #[error("the circuit breaker is open after repeated failures; next attempt allowed in {:.1} s", *retry_in_ms as f64 / 1000.0)]
    Open {
        /// Milliseconds until a probe is allowed.
        retry_in_ms: u64,
    },
    /// A probe is testing whether Central recovered; other calls wait for its verdict.
    #[error(
        "the circuit breaker is half-open: one probe call is testing whether Central recovered"
    )]
    ProbeInFlight,
}

/// What a call's result means for the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Central answered (2xx).
    Success,
    /// A failure that counts: 5xx, timeout, connection error.
    Failure,
    /// Central answered, but with a client error (4xx incl. 401, 404, 429): not counted against
    /// Central, though it proves Central is up.
    Neutral,
}

/// A state change worth recording (for metrics and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// CLOSED → OPEN.
    Opened,
    /// HALF_OPEN → CLOSED (the probe succeeded).
    Closed,
    /// HALF_OPEN → OPEN (the probe failed).
    Reopened,
}

/// The breaker. Share it behind an `Arc`.
#[derive(Debug)]
pub struct CircuitBreaker {
    word: AtomicU64,
    failures: AtomicU32,
    threshold: u32,
    timeout_ms: u64,
}

/// Admission to make one call. A probe permit that is dropped without a recorded outcome (the
/// call was cancelled) re-arms the breaker so the next caller can probe at once.
#[derive(Debug)]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    probe: bool,
    settled: bool,
}

impl CircuitBreaker {
    /// A closed breaker that opens after `threshold` consecutive failures and stays open
    /// `timeout_ms`.
    pub fn new(threshold: u32, timeout_ms: u64) -> CircuitBreaker {
        CircuitBreaker {
            word: AtomicU64::new(pack(State::Closed, 0)),
            failures: AtomicU32::new(0),
            threshold: threshold.max(1),
            timeout_ms,
        }
    }

    /// The current state as seen at `now_ms` (an elapsed open timeout still reads OPEN until a
    /// caller takes the probe).
    pub fn state(&self) -> State {
        unpack(self.word.load(Ordering::Acquire)).0
    }

    /// Consecutive failures counted so far.
    pub fn failures(&self) -> u32 {
        self.failures.load(Ordering::Relaxed)
    }

    /// The failure threshold.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// Milliseconds until a probe is allowed, when open.
    pub fn retry_in_ms(&self, now_ms: u64) -> Option<u64> {
        match unpack(self.word.load(Ordering::Acquire)) {
            (State::Open, at) => Some((at + self.timeout_ms).saturating_sub(now_ms)),
            _ => None,
        }
    }

    /// Asks to make a call at `now_ms`.
    pub fn admit(&self, now_ms: u64) -> Result<Permit<'_>, Rejection> {
        loop {
            let word = self.word.load(Ordering::Acquire);
            match unpack(word) {
                (State::Closed, _) => return Ok(self.permit(false)),
                (State::HalfOpen, _) => return Err(Rejection::ProbeInFlight),
                (State::Open, at) => {
                    let reopen_at = at.saturating_add(self.timeout_ms);
                    if now_ms < reopen_at {
                        return Err(Rejection::Open {
                            retry_in_ms: reopen_at - now_ms,
                        });
                    }
                    // Exactly one caller wins this exchange and becomes the probe.
                    if self
                        .word
                        .compare_exchange(
                            word,
                            pack(State::HalfOpen, now_ms),
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        )
                        .is_ok()
                    {
                        return Ok(self.permit(true));
                    }
                    // Someone else changed the state: look again.
                }
            }
        }
    }

    fn permit(&self, probe: bool) -> Permit<'_> {
        Permit {
            breaker: self,
            probe,
            settled: false,
        }
    }

    fn settle(&self, probe: bool, outcome: Outcome, now_ms: u64) -> Option<Transition> {
        if probe {
            return match outcome {
                Outcome::Success | Outcome::Neutral => {
                    self.failures.store(0, Ordering::Relaxed);
                    self.word
                        .store(pack(State::Closed, now_ms), Ordering::Release);
                    Some(Transition::Closed)
                }
                Outcome::Failure => {
                    self.word
                        .store(pack(State::Open, now_ms), Ordering::Release);
                    Some(Transition::Reopened)
                }
            };
        }
        match outcome {
            Outcome::Success => {
                self.failures.store(0, Ordering::Relaxed);
                None
            }
            Outcome::Neutral => None,
            Outcome::Failure => {
                let count = self
                    .failures
                    .fetch_add(1, Ordering::AcqRel)
                    .saturating_add(1);
                if count < self.threshold {
                    return None;
                }
                let word = self.word.load(Ordering::Acquire);
                match unpack(word) {
                    (State::Closed, _) => self
                        .word
                        .compare_exchange(
                            word,
                            pack(State::Open, now_ms),
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        )
                        .ok()
                        .map(|_| Transition::Opened),
                    _ => None,
                }
            }
        }
    }

    /// Lets the next caller probe at once (used when a probe was abandoned).
    fn rearm(&self, now_ms: u64) {
        let word = self.word.load(Ordering::Acquire);
        if let (State::HalfOpen, _) = unpack(word) {
            let at = now_ms.saturating_sub(self.timeout_ms);
            let _ = self.word.compare_exchange(
                word,
                pack(State::Open, at),
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
    }
}

impl Permit<'_> {
    /// True for the single half-open probe.
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    /// Records the call's outcome at `now_ms`; returns the state change it caused, if any.
    pub fn record(mut self, outcome: Outcome, now_ms: u64) -> Option<Transition> {
        self.settled = true;
        self.breaker.settle(self.probe, outcome, now_ms)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.probe && !self.settled {
            self.breaker.rearm(super::clock::now_ms());
        }
    }
}

#[cfg(all(test, not(aruba_loom)))]
mod tests {
    use super::*;

    fn fail(b: &CircuitBreaker, now: u64) -> Option<Transition> {
        b.admit(now).unwrap().record(Outcome::Failure, now)
    }

    #[test]
    fn opens_after_threshold_consecutive_failures() {
        let b = CircuitBreaker::new(3, 1000);
        assert_eq!(fail(&b, 0), None);
        assert_eq!(fail(&b, 1), None);
        assert_eq!(b.state(), State::Closed);
        assert_eq!(fail(&b, 2), Some(Transition::Opened));
        assert_eq!(b.state(), State::Open);
        assert_eq!(
            b.admit(500).unwrap_err(),
            Rejection::Open { retry_in_ms: 502 }
        );
        assert_eq!(b.retry_in_ms(1000), Some(2));
    }

    #[test]
    fn success_resets_the_count_and_4xx_is_neutral() {
        let b = CircuitBreaker::new(2, 1000);
        fail(&b, 0);
        b.admit(1).unwrap().record(Outcome::Success, 1);
        assert_eq!(fail(&b, 2), None);
        b.admit(3).unwrap().record(Outcome::Neutral, 3);
        assert_eq!(b.failures(), 1, "a 4xx neither counts nor resets");
        assert_eq!(fail(&b, 4), Some(Transition::Opened));
    }

    #[test]
    fn exactly_one_probe_after_the_timeout() {
        let b = CircuitBreaker::new(1, 1000);
        fail(&b, 0);
        assert!(matches!(
            b.admit(999),
            Err(Rejection::Open { retry_in_ms: 1 })
        ));
        let probe = b.admit(1000).unwrap();
        assert!(probe.is_probe());
        assert_eq!(b.state(), State::HalfOpen);
        for now in [1000, 1001, 5000] {
            assert_eq!(b.admit(now).unwrap_err(), Rejection::ProbeInFlight);
        }
        assert_eq!(
            probe.record(Outcome::Success, 1002),
            Some(Transition::Closed)
        );
        assert_eq!(b.state(), State::Closed);
        assert_eq!(b.failures(), 0);
        assert!(!b.admit(1003).unwrap().is_probe());
    }

    #[test]
    fn a_failed_probe_reopens_and_restarts_the_timer() {
        let b = CircuitBreaker::new(1, 1000);
        fail(&b, 0);
        let probe = b.admit(1500).unwrap();
        assert_eq!(
            probe.record(Outcome::Failure, 1600),
            Some(Transition::Reopened)
        );
        assert_eq!(
            b.admit(2500).unwrap_err(),
            Rejection::Open { retry_in_ms: 100 }
        );
        assert!(b.admit(2600).unwrap().is_probe());
    }

    #[test]
    fn a_neutral_probe_closes() {
        let b = CircuitBreaker::new(1, 10);
        fail(&b, 0);
        let probe = b.admit(10).unwrap();
        assert_eq!(probe.record(Outcome::Neutral, 11), Some(Transition::Closed));
    }

    #[test]
    fn an_abandoned_probe_lets_the_next_caller_probe() {
        let b = CircuitBreaker::new(1, 10);
        fail(&b, 0);
        drop(b.admit(super::super::clock::now_ms().max(10)).unwrap());
        assert_eq!(b.state(), State::Open);
        assert!(
            b.admit(super::super::clock::now_ms().max(10))
                .unwrap()
                .is_probe()
        );
    }

    #[test]
    fn concurrent_callers_get_one_probe() {
        let b = std::sync::Arc::new(CircuitBreaker::new(1, 0));
        fail(&b, 0);
        let admitted = std::sync::Arc::new(AtomicU32::new(0));
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (b, admitted, barrier) = (b.clone(), admitted.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    if let Ok(p) = b.admit(1) {
                        admitted.fetch_add(1, Ordering::Relaxed);
                        std::mem::forget(p); // keep it in flight
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(admitted.load(Ordering::Relaxed), 1);
    }
}

#[cfg(all(test, aruba_loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Whatever the interleaving, two callers racing for the probe get exactly one.
    #[test]
    fn half_open_admits_a_single_probe() {
        loom::model(|| {
            let b = Arc::new(CircuitBreaker::new(1, 0));
            b.admit(0).unwrap().record(Outcome::Failure, 0);
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let b = b.clone();
                    loom::thread::spawn(move || match b.admit(1) {
                        Ok(p) => {
                            let probe = p.is_probe();
                            std::mem::forget(p);
                            u32::from(probe)
                        }
                        Err(_) => 0,
                    })
                })
                .collect();
            let probes: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
            assert_eq!(probes, 1);
            assert_eq!(b.state(), State::HalfOpen);
        });
    }

    /// Concurrent failures open the breaker exactly once.
    #[test]
    fn concurrent_failures_open_once() {
        loom::model(|| {
            let b = Arc::new(CircuitBreaker::new(2, 100));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let b = b.clone();
                    loom::thread::spawn(move || {
                        let p = b.admit(0).unwrap();
                        p.record(Outcome::Failure, 0)
                    })
                })
                .collect();
            let opened = handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|t| *t == Some(Transition::Opened))
                .count();
            assert_eq!(opened, 1);
            assert_eq!(b.state(), State::Open);
        });
    }
}
