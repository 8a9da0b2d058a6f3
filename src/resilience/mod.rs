//! Resilience building blocks, as pure logic with no I/O: a lock-free circuit breaker, a lock-free
//! token-bucket rate limiter, and the retry policy. [`crate::central::Central::call`] composes
//! them around every upstream request.
//!
//! The breaker and the limiter use atomics only, so no caller ever waits on a lock held by
//! another; under `--cfg aruba_loom` the atomics come from `loom`, whose model checker explores
//! every interleaving of the concurrency tests.

pub mod breaker;
pub mod clock;
pub mod limiter;
pub mod retry;

pub use breaker::{CircuitBreaker, Outcome, Permit, Rejection, State, Transition};
pub use limiter::{LimiterError, RateLimiter};
pub use retry::{AttemptFailure, Decision, RetryPolicy, StopReason};

/// The atomics the breaker and limiter are built on: std's, or loom's when model checking.
mod sync {
    #[cfg(aruba_loom)]
    pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering};
    #[cfg(not(aruba_loom))]
    pub(crate) use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
}
