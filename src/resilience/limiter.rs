//! A lock-free token bucket: `capacity` requests, refilled at `capacity / window`.
//!
//! Implemented as the generic cell rate algorithm (GCRA), which is exactly such a bucket but keeps
//! its whole state in one number: the *theoretical arrival time* (TAT) of the next request, in
//! microseconds on a monotonic clock. A request at `now` is admitted when
//! `max(TAT, now) + interval − now ≤ capacity × interval`, and then moves TAT forward by one
//! interval, with one compare-and-swap. The number of tokens left is derived from TAT without
//! changing it, for the gauge. Waiting for a token ([`RateLimiter::acquire`]) sleeps on the tokio
//! timer with no lock held and gives up at once when the wait would pass the caller's deadline. A
//! 429 from Central pauses the whole bucket ([`RateLimiter::pause_until`]): nobody is admitted
//! before the pause ends, and the bucket then refills from empty.

use std::time::Duration;

use tokio::time::Instant;

use super::sync::{AtomicU64, Ordering};

/// Why no token could be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LimiterError {
    /// The next token comes later than the call's deadline.
    #[error("the client-side rate limit ({capacity} requests per {window_s} s) has no token before the call's deadline (next in {:.1} s)", wait.as_secs_f64())]
    WouldExceedDeadline {
        /// How long the wait would have been.
        wait: Duration,
        /// Bucket capacity.
        capacity: u32,
        /// Window in seconds.
        window_s: u64,
    },
}

/// The bucket. Share it behind an `Arc`.
#[derive(Debug)]
pub struct RateLimiter {
    tat_us: AtomicU64,
    interval_us: u64,
    capacity: u32,
    window: Duration,
    epoch: Instant,
}

impl RateLimiter {
    /// `capacity` requests per `window`, starting full.
    pub fn new(capacity: u32, window: Duration) -> RateLimiter {
        let capacity = capacity.max(1);
        let interval_us = (window.as_micros() / u128::from(capacity)).max(1);
        RateLimiter {
            tat_us: AtomicU64::new(0),
            interval_us: u64::try_from(interval_us).unwrap_or(u64::MAX),
            capacity,
            window,
            epoch: Instant::now(),
        }
    }

    /// Microseconds since this limiter was created: the clock the `_at` methods use (tokio's
    /// clock, so tests with paused time see waits complete at once).
    pub fn now_us(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Bucket capacity.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    fn burst_us(&self) -> u64 {
        self.interval_us.saturating_mul(u64::from(self.capacity))
    }

    /// Takes a token at `now_us` if one is available; otherwise returns how long until one is.
    pub fn try_acquire_at(&self, now_us: u64) -> Result<(), Duration> {
        let mut tat = self.tat_us.load(Ordering::Acquire);
        loop {
            let next = tat.max(now_us).saturating_add(self.interval_us);
            let ahead = next - now_us;
            if ahead > self.burst_us() {
                return Err(Duration::from_micros(ahead - self.burst_us()));
            }
            match self
                .tat_us
                .compare_exchange_weak(tat, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(()),
                Err(current) => tat = current,
            }
        }
    }

    /// Takes a token now if one is available.
    pub fn try_acquire(&self) -> Result<(), Duration> {
        self.try_acquire_at(self.now_us())
    }

    /// Whole tokens available at `now_us`, without taking one.
    pub fn available_at(&self, now_us: u64) -> u32 {
        let used_us = self.tat_us.load(Ordering::Acquire).saturating_sub(now_us);
        let free_us = self.burst_us().saturating_sub(used_us);
        u32::try_from(free_us / self.interval_us)
            .unwrap_or(self.capacity)
            .min(self.capacity)
    }

    /// Whole tokens available now.
    pub fn available(&self) -> u32 {
        self.available_at(self.now_us())
    }

    /// Admits nobody before `until_us`; afterwards the bucket refills from empty.
    pub fn pause_until_at(&self, until_us: u64) {
        let resume = until_us.saturating_add(self.burst_us().saturating_sub(self.interval_us));
        self.tat_us.fetch_max(resume, Ordering::AcqRel);
    }

    /// Admits nobody for `pause` from now.
    pub fn pause_until(&self, pause: Duration) {
        let pause_us = u64::try_from(pause.as_micros()).unwrap_or(u64::MAX);
        self.pause_until_at(self.now_us().saturating_add(pause_us));
    }

    /// Waits for a token without blocking the runtime or holding a lock. Fails at once when the
    /// token would come after `deadline`. Returns how long it waited: exactly zero when a token
    /// was there at once, so callers can count only the requests that really waited.
    pub async fn acquire(&self, deadline: Instant) -> Result<Duration, LimiterError> {
        let started = Instant::now();
        let mut waited = false;
        loop {
            match self.try_acquire() {
                Ok(()) if !waited => return Ok(Duration::ZERO),
                Ok(()) => return Ok(started.elapsed()),
                Err(wait) => {
                    if Instant::now() + wait > deadline {
                        return Err(LimiterError::WouldExceedDeadline {
                            wait,
                            capacity: self.capacity,
                            window_s: self.window.as_secs(),
                        });
                    }
                    tokio::time::sleep(wait).await;
                    waited = true;
                }
            }
        }
    }
}

#[cfg(all(test, not(aruba_loom)))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: u64 = 1_000_000;

    #[test]
    fn starts_full_and_refills_at_the_rate() {
        let l = RateLimiter::new(10, Duration::from_secs(10)); // 1 per second
        assert_eq!(l.available_at(0), 10);
        for _ in 0..10 {
            l.try_acquire_at(0).unwrap();
        }
        assert_eq!(l.available_at(0), 0);
        assert_eq!(l.try_acquire_at(0), Err(Duration::from_secs(1)));
        assert_eq!(l.try_acquire_at(S / 2), Err(Duration::from_millis(500)));
        assert_eq!(l.available_at(S), 1);
        l.try_acquire_at(S).unwrap();
        assert_eq!(l.available_at(100 * S), 10, "never more than capacity");
    }

    #[test]
    fn pause_blocks_everyone_then_refills_from_empty() {
        let l = RateLimiter::new(10, Duration::from_secs(10));
        l.pause_until_at(2 * S);
        assert_eq!(l.available_at(S), 0);
        assert_eq!(l.try_acquire_at(S), Err(Duration::from_secs(1)));
        l.try_acquire_at(2 * S).unwrap();
        assert!(l.try_acquire_at(2 * S).is_err());
        l.try_acquire_at(3 * S).unwrap();
        // A shorter pause never shortens a longer one.
        l.pause_until_at(0);
        assert!(l.try_acquire_at(3 * S).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_waits_and_respects_the_deadline() {
        let l = RateLimiter::new(1, Duration::from_secs(2));
        l.try_acquire().unwrap();
        let too_soon = Instant::now() + Duration::from_millis(500);
        assert!(matches!(
            l.acquire(too_soon).await,
            Err(LimiterError::WouldExceedDeadline { .. })
        ));
        // With auto-advancing paused time the wait completes without real sleeping.
        let waited = l
            .acquire(Instant::now() + Duration::from_secs(5))
            .await
            .unwrap();
        assert!(waited >= Duration::from_millis(1900), "{waited:?}");
    }

    proptest! {
        /// Over any sequence of attempts, admissions never exceed capacity + rate × elapsed.
        #[test]
        fn never_admits_more_than_capacity_plus_refill(
            capacity in 1u32..50,
            window_ms in 10u64..5_000,
            steps in proptest::collection::vec(0u64..200_000, 1..300),
        ) {
            let l = RateLimiter::new(capacity, Duration::from_millis(window_ms));
            let mut now = 0u64;
            let mut admitted = 0u64;
            for step in steps {
                now += step;
                if l.try_acquire_at(now).is_ok() {
                    admitted += 1;
                }
                let refill = now as u128 * u128::from(capacity) / (u128::from(window_ms) * 1000);
                prop_assert!(u128::from(admitted) <= u128::from(capacity) + refill + 1,
                    "admitted {} capacity {} refill {}", admitted, capacity, refill);
                prop_assert!(l.available_at(now) <= capacity);
            }
        }
    }
}

#[cfg(all(test, aruba_loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Concurrent callers never take more tokens than the bucket holds.
    #[test]
    fn concurrent_acquire_respects_capacity() {
        loom::model(|| {
            let l = Arc::new(RateLimiter::new(2, Duration::from_secs(3600)));
            let handles: Vec<_> = (0..3)
                .map(|_| {
                    let l = l.clone();
                    loom::thread::spawn(move || u32::from(l.try_acquire_at(0).is_ok()))
                })
                .collect();
            let admitted: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
            assert_eq!(admitted, 2);
            assert_eq!(l.available_at(0), 0);
        });
    }
}
