//! When to try an upstream request again, and how long to wait first.
//!
//! * Only idempotent requests (GETs) are retried after a failure that may have reached Central:
//!   timeouts, dropped connections, 502/503/504 and 429. A POST (an active diagnostic) is retried
//!   only when it provably was never sent (the connection could not be made).
//! * The wait is exponential backoff with full jitter — a uniformly random duration between zero
//!   and `min(cap, base × 2^(attempt−1))` — unless Central said how long to wait (`Retry-After`, or
//!   `X-RateLimit-Reset` on a 429), which is honoured up to a cap.
//! * At most `max_attempts` attempts, and never a wait that would leave no time before the call's
//!   deadline.
//!
//! The policy is a pure function of its inputs (the jitter fraction is passed in), so every branch
//! is unit-tested without clocks or randomness.

use std::time::{Duration, SystemTime};

/// Retry settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt, before jitter.
    pub base: Duration,
    /// Largest backoff, before jitter.
    pub cap: Duration,
    /// Largest wait taken from `Retry-After` / `X-RateLimit-Reset`.
    pub max_server_wait: Duration,
    /// Wait after a 429 that names no time.
    pub default_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(8),
            max_server_wait: Duration::from_secs(60),
            default_rate_limit_wait: Duration::from_secs(5),
        }
    }
}

/// How one attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptFailure {
    /// The connection could not be made: the request was never sent.
    NotSent,
    /// No complete answer in time.
    Timeout,
    /// The connection broke after the request may have been sent (reset, truncated body).
    Dropped,
    /// Central answered with this status; `server_wait` is the wait it asked for, if any.
    Status {
        /// HTTP status.
        status: u16,
        /// Parsed `Retry-After` (or `X-RateLimit-Reset` for a 429).
        server_wait: Option<Duration>,
    },
    /// Anything else (a body that is not JSON, a body over the cap, a busy local queue): retrying
    /// would not help.
    Permanent,
}

/// Why no further attempt is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// This failure is not worth retrying for this method.
    NotRetryable,
    /// All attempts are used.
    AttemptsExhausted,
    /// The wait would leave no time before the deadline.
    DeadlineTooClose,
}

/// The policy's verdict after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Give up and report the failure.
    Stop(StopReason),
}

impl RetryPolicy {
    /// Whether Central's status invites a retry of an idempotent request.
    pub fn retryable_status(status: u16) -> bool {
        matches!(status, 429 | 502 | 503 | 504)
    }

    /// The backoff before attempt `attempt + 1`, for a jitter fraction in `[0, 1)`.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        let ceiling = self.base.saturating_mul(1 << doublings).min(self.cap);
        ceiling.mul_f64(jitter.clamp(0.0, 1.0))
    }

    /// What to do after attempt number `attempt` (1-based) failed with `failure`, with
    /// `remaining` time before the deadline.
    pub fn decide(
        &self,
        idempotent: bool,
        attempt: u32,
        failure: AttemptFailure,
        remaining: Duration,
        jitter: f64,
    ) -> Decision {
        let retryable = match failure {
            AttemptFailure::NotSent => true,
            AttemptFailure::Timeout | AttemptFailure::Dropped => idempotent,
            AttemptFailure::Status { status, .. } => {
                idempotent && RetryPolicy::retryable_status(status)
            }
            AttemptFailure::Permanent => false,
        };
        if !retryable {
            return Decision::Stop(StopReason::NotRetryable);
        }
        if attempt >= self.max_attempts {
            return Decision::Stop(StopReason::AttemptsExhausted);
        }
        let wait = match failure {
            AttemptFailure::Status {
                server_wait: Some(wait),
                ..
            } => wait.min(self.max_server_wait),
            AttemptFailure::Status { status: 429, .. } => self.default_rate_limit_wait,
            _ => self.backoff(attempt, jitter),
        };
        if wait >= remaining {
            return Decision::Stop(StopReason::DeadlineTooClose);
        }
        Decision::RetryAfter(wait)
    }
}

/// Parses `Retry-After`: delay-seconds (fractions tolerated) or an HTTP-date, relative to `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(86_400.0)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses `X-RateLimit-Reset`: Central sends an RFC 3339 time; epoch seconds and delay-seconds
/// are accepted too. Returns the time left until the reset, relative to `now`.
pub fn parse_rate_limit_reset(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(number) = value.parse::<u64>() {
        // Values this large are a point in time, smaller ones a delay.
        if number > 1_000_000_000 {
            let at = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(number))?;
            return Some(at.duration_since(now).unwrap_or(Duration::ZERO));
        }
        return Some(Duration::from_secs(number.min(86_400)));
    }
    let at = humantime::parse_rfc3339_weak(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOTS: Duration = Duration::from_secs(45);

    fn status(status: u16) -> AttemptFailure {
        AttemptFailure::Status {
            status,
            server_wait: None,
        }
    }

    #[test]
    fn gets_retry_the_transient_failures_only() {
        let p = RetryPolicy::default();
        for f in [
            AttemptFailure::NotSent,
            AttemptFailure::Timeout,
            AttemptFailure::Dropped,
            status(502),
            status(503),
            status(504),
        ] {
            assert!(
                matches!(p.decide(true, 1, f, LOTS, 0.5), Decision::RetryAfter(_)),
                "{f:?}"
            );
        }
        for f in [
            status(400),
            status(401),
            status(404),
            status(409),
            status(500),
            AttemptFailure::Permanent,
        ] {
            assert_eq!(
                p.decide(true, 1, f, LOTS, 0.5),
                Decision::Stop(StopReason::NotRetryable),
                "{f:?}"
            );
        }
    }

    #[test]
    fn posts_retry_only_what_was_never_sent() {
        let p = RetryPolicy::default();
        assert!(matches!(
            p.decide(false, 1, AttemptFailure::NotSent, LOTS, 0.5),
            Decision::RetryAfter(_)
        ));
        for f in [
            AttemptFailure::Timeout,
            AttemptFailure::Dropped,
            status(503),
            status(429),
        ] {
            assert_eq!(
                p.decide(false, 1, f, LOTS, 0.5),
                Decision::Stop(StopReason::NotRetryable),
                "{f:?}"
            );
        }
    }

    #[test]
    fn at_most_three_attempts() {
        let p = RetryPolicy::default();
        assert!(matches!(
            p.decide(true, 2, status(503), LOTS, 0.5),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            p.decide(true, 3, status(503), LOTS, 0.5),
            Decision::Stop(StopReason::AttemptsExhausted)
        );
    }

    #[test]
    fn backoff_is_full_jitter_under_an_exponential_ceiling() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1, 0.0), Duration::ZERO);
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(250));
        assert_eq!(p.backoff(2, 1.0), Duration::from_millis(500));
        assert_eq!(p.backoff(3, 0.5), Duration::from_millis(500));
        assert_eq!(p.backoff(6, 1.0), Duration::from_secs(8), "capped");
        assert_eq!(p.backoff(60, 1.0), Duration::from_secs(8), "no overflow");
    }

    #[test]
    fn server_waits_are_honoured_and_capped() {
        let p = RetryPolicy::default();
        let asked = |s| AttemptFailure::Status {
            status: 429,
            server_wait: Some(Duration::from_secs(s)),
        };
        assert_eq!(
            p.decide(true, 1, asked(2), LOTS, 0.0),
            Decision::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            p.decide(true, 1, asked(600), Duration::from_secs(3600), 0.0),
            Decision::RetryAfter(Duration::from_secs(60))
        );
        assert_eq!(
            p.decide(true, 1, status(429), LOTS, 0.0),
            Decision::RetryAfter(Duration::from_secs(5)),
            "a 429 without a time waits the default"
        );
    }

    #[test]
    fn never_waits_past_the_deadline() {
        let p = RetryPolicy::default();
        let asked = AttemptFailure::Status {
            status: 503,
            server_wait: Some(Duration::from_secs(10)),
        };
        assert_eq!(
            p.decide(true, 1, asked, Duration::from_secs(9), 0.0),
            Decision::Stop(StopReason::DeadlineTooClose)
        );
        assert_eq!(
            p.decide(true, 1, AttemptFailure::Timeout, Duration::ZERO, 0.0),
            Decision::Stop(StopReason::DeadlineTooClose)
        );
    }

    #[test]
    fn parses_retry_after() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_783_591_200);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after(" 0.5 ", now),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_retry_after(&httpdate::fmt_http_date(now + Duration::from_secs(7)), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(&httpdate::fmt_http_date(now - Duration::from_secs(7)), now),
            Some(Duration::ZERO)
        );
        for bad in ["", "-1", "soon", "NaN", "inf"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn parses_rate_limit_reset() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_783_591_200); // 2026-07-09T10:00:00Z
        assert_eq!(
            parse_rate_limit_reset("2026-07-09T10:00:30Z", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_rate_limit_reset("2026-07-09T09:00:00Z", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_rate_limit_reset("1783591212", now),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            parse_rate_limit_reset("12", now),
            Some(Duration::from_secs(12))
        );
        assert_eq!(parse_rate_limit_reset("tomorrow", now), None);
        // An epoch past what SystemTime holds used to panic adding it to the epoch.
        assert_eq!(parse_rate_limit_reset("18446744073709551615", now), None);
        assert!(parse_retry_after("-0", now).is_some());
        assert_eq!(parse_retry_after("1e400", now), None);
    }
}
