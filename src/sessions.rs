//! MCP sessions: how many may be open at once, what each may have in flight, and the drain at
//! shutdown.
//!
//! [`SessionSlots`] bounds the sessions of every transport together (`ARUBA_MCP_MAX_SESSIONS`):
//! a [`SessionSlot`] is taken when a session opens and given back when it is dropped, and the
//! `mcp_sessions_*` metrics follow. [`CallTracker`] counts tool calls in flight over all
//! sessions, refuses new ones once the server is stopping, and lets shutdown wait for the rest.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use crate::telemetry::metrics as names;

/// Tool calls one session may have in flight; more get an `isError` "busy" result.
pub const CALLS_PER_SESSION: usize = 8;

/// The transport a session came in on (the `transport` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `serve`: the process's own stdin and stdout.
    Stdio,
    /// The daemon's Unix socket.
    Socket,
    /// The daemon's Streamable HTTP endpoint.
    Http,
}

impl Transport {
    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            Transport::Stdio => "stdio",
            Transport::Socket => "socket",
            Transport::Http => "http",
        }
    }
}

/// Why a session was refused.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "this aruba-noc-mcp server already serves {max} MCP sessions (ARUBA_MCP_MAX_SESSIONS); \
     close one or try again later"
)]
pub struct SessionLimit {
    /// The limit.
    pub max: usize,
}

/// Something that can end an idle session to make room for a new one: the HTTP session
/// manager, whose clients often leave without ending their session.
pub trait Reclaim: Send + Sync {
    /// Ends the session that has been idle longest, if one may be ended; true when one was.
    fn reclaim(&self) -> Pin<Box<dyn Future<Output = bool> + Send + '_>>;
}

/// How long [`SessionSlots::open_or_reclaim`] waits for a reclaimed session's place.
const RECLAIM_WAIT: Duration = Duration::from_secs(2);

/// The session limit shared by every transport.
pub struct SessionSlots {
    max: usize,
    open: AtomicUsize,
    reclaimer: OnceLock<Weak<dyn Reclaim>>,
}

impl std::fmt::Debug for SessionSlots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionSlots")
            .field("max", &self.max)
            .field("open", &self.open())
            .finish()
    }
}

impl SessionSlots {
    /// At most `max` sessions at once.
    pub fn new(max: usize) -> Arc<SessionSlots> {
        Arc::new(SessionSlots {
            max,
            open: AtomicUsize::new(0),
            reclaimer: OnceLock::new(),
        })
    }

    /// Lets a full limit end an idle session of `reclaimer` to make room (set once).
    pub fn set_reclaimer(&self, reclaimer: Weak<dyn Reclaim>) {
        let _ = self.reclaimer.set(reclaimer);
    }

    /// Frees a place when the limit is reached by ending an idle session, if a reclaimer can,
    /// and waits (briefly) for its place; true when a place is free.
    pub async fn make_room(&self) -> bool {
        if !self.is_full() {
            return true;
        }
        let Some(reclaimer) = self.reclaimer.get().and_then(Weak::upgrade) else {
            return false;
        };
        if !reclaimer.reclaim().await {
            return false;
        }
        let waited = tokio::time::timeout(RECLAIM_WAIT, async {
            while self.is_full() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        waited.await.is_ok()
    }

    /// Opens a session on `transport`, ending an idle session first when the limit is reached
    /// and one can be ended.
    pub async fn open_or_reclaim(
        self: &Arc<Self>,
        transport: Transport,
    ) -> Result<SessionSlot, SessionLimit> {
        self.make_room().await;
        self.try_open(transport)
    }

    /// Sessions open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    /// Whether a new session would be refused now.
    pub fn is_full(&self) -> bool {
        self.open() >= self.max
    }

    /// Opens a session on `transport`, or refuses it (counted as rejected, `max_sessions`).
    pub fn try_open(self: &Arc<Self>, transport: Transport) -> Result<SessionSlot, SessionLimit> {
        let taken = self
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.max).then_some(open + 1)
            });
        if taken.is_err() {
            reject("max_sessions");
            return Err(SessionLimit { max: self.max });
        }
        let label = transport.label();
        metrics::gauge!(names::MCP_SESSIONS_ACTIVE, "transport" => label).increment(1.0);
        metrics::counter!(names::MCP_SESSIONS_TOTAL, "transport" => label).increment(1);
        Ok(SessionSlot {
            slots: Arc::clone(self),
            transport,
        })
    }
}

/// Counts a refused session or request by `reason` (one of
/// [`names::SESSION_REJECT_REASONS`]).
pub fn reject(reason: &'static str) {
    metrics::counter!(names::MCP_SESSIONS_REJECTED_TOTAL, "reason" => reason).increment(1);
}

/// One open session's place; dropping it closes the session's account.
#[derive(Debug)]
pub struct SessionSlot {
    slots: Arc<SessionSlots>,
    transport: Transport,
}

impl SessionSlot {
    /// The transport the session came in on.
    pub fn transport(&self) -> Transport {
        self.transport
    }
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        self.slots.open.fetch_sub(1, Ordering::AcqRel);
        metrics::gauge!(names::MCP_SESSIONS_ACTIVE, "transport" => self.transport.label())
            .decrement(1.0);
    }
}

/// Tool calls in flight over every session, and whether the server is stopping.
#[derive(Debug, Default)]
pub struct CallTracker {
    in_flight: AtomicUsize,
    stopping: AtomicBool,
    idle: tokio::sync::Notify,
}

impl CallTracker {
    /// A tracker with nothing in flight.
    pub fn new() -> Arc<CallTracker> {
        Arc::new(CallTracker::default())
    }

    /// Starts a call, or `None` once the server is stopping.
    pub fn start(self: &Arc<Self>) -> Option<CallGuard> {
        if self.stopping.load(Ordering::Acquire) {
            return None;
        }
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Some(CallGuard {
            tracker: Arc::clone(self),
        })
    }

    /// Calls in flight now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Refuses new calls from now on.
    pub fn stop_accepting(&self) {
        self.stopping.store(true, Ordering::Release);
    }

    /// Waits until no call is in flight, at most `limit`; returns the calls still running.
    pub async fn drain(&self, limit: Duration) -> usize {
        let wait = async {
            loop {
                let idle = self.idle.notified();
                if self.in_flight() == 0 {
                    return;
                }
                idle.await;
            }
        };
        let _ = tokio::time::timeout(limit, wait).await;
        self.in_flight()
    }
}

/// One call in flight; dropping it ends the call.
#[derive(Debug)]
pub struct CallGuard {
    tracker: Arc<CallTracker>,
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        if self.tracker.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.tracker.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_and_given_back() {
        let slots = SessionSlots::new(2);
        let a = slots.try_open(Transport::Socket).unwrap();
        let b = slots.try_open(Transport::Http).unwrap();
        assert!(slots.is_full());
        let refused = slots.try_open(Transport::Socket).unwrap_err();
        assert!(refused.to_string().contains("ARUBA_MCP_MAX_SESSIONS"));
        assert_eq!(b.transport(), Transport::Http);
        drop(a);
        assert_eq!(slots.open(), 1);
        let _c = slots.try_open(Transport::Socket).unwrap();
        assert!(slots.is_full());
    }

    #[tokio::test]
    async fn drain_waits_for_calls_and_stopping_refuses_new_ones() {
        let tracker = CallTracker::new();
        let call = tracker.start().unwrap();
        tracker.stop_accepting();
        assert!(tracker.start().is_none());
        let finisher = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(call);
        });
        assert_eq!(tracker.drain(Duration::from_secs(5)).await, 0);
        finisher.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn drain_gives_up_at_its_limit() {
        let tracker = CallTracker::new();
        let _stuck = tracker.start().unwrap();
        assert_eq!(tracker.drain(Duration::from_secs(10)).await, 1);
    }
}
