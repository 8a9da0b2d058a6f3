//! A process-wide monotonic clock in milliseconds, for the circuit breaker's timestamps.

use std::sync::OnceLock;
use std::time::Instant;

static EPOCH: OnceLock<Instant> = OnceLock::new();

/// Milliseconds since the first call in this process (monotonic, never goes back).
pub fn now_ms() -> u64 {
    let epoch = EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    #[test]
    fn never_goes_back() {
        let a = super::now_ms();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = super::now_ms();
        assert!(b >= a + 2, "{a} then {b}");
    }
}
