//! Nominal rate-limit accounting behind the `X-RateLimit-*` headers (CONTRACT §3.8).
//!
//! Central publishes no numeric limit; the simulator advertises [`HOURLY_LIMIT`] requests per
//! clock hour, counts the requests of the current hour and reports when the hour ends. Nothing
//! is refused yet: a 429 fault will be injected by the fault layer, which can read these
//! counters.

use std::sync::Mutex;
use std::time::{Duration, UNIX_EPOCH};

/// Advertised requests per hour.
pub(crate) const HOURLY_LIMIT: u64 = 5000;

/// Requests counted in the current clock hour.
#[derive(Debug, Default)]
pub(crate) struct RateWindow {
    window: Mutex<(u64, u64)>,
}

impl RateWindow {
    /// A window with no requests counted.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Count one request at `now_unix_ms`; return the three header values
    /// (`X-RateLimit-Limit`, `-Remaining`, `-Reset` as RFC 3339 seconds).
    pub(crate) fn hit(&self, now_unix_ms: u64) -> [(&'static str, String); 3] {
        let hour = now_unix_ms / 3_600_000;
        let used = {
            let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
            if w.0 != hour {
                *w = (hour, 0);
            }
            w.1 = w.1.saturating_add(1);
            w.1
        };
        let reset = UNIX_EPOCH + Duration::from_secs((hour + 1) * 3600);
        [
            ("x-ratelimit-limit", HOURLY_LIMIT.to_string()),
            (
                "x-ratelimit-remaining",
                HOURLY_LIMIT.saturating_sub(used).to_string(),
            ),
            (
                "x-ratelimit-reset",
                humantime::format_rfc3339_seconds(reset).to_string(),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_within_the_hour_and_resets() {
        let w = RateWindow::new();
        let t0 = 1_783_591_200_000; // 2026-07-09T10:00:00Z
        let h = w.hit(t0 + 1000);
        assert_eq!(h[0].1, "5000");
        assert_eq!(h[1].1, "4999");
        assert_eq!(h[2].1, "2026-07-09T11:00:00Z");
        assert_eq!(w.hit(t0 + 2000)[1].1, "4998");
        assert_eq!(w.hit(t0 + 3_600_000)[1].1, "4999");
    }
}
