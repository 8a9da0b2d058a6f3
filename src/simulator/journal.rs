//! The request journal: what the simulator received and what it answered.
//!
//! Tests and demos read it (through [`SimulatorHandle::journal`](super::SimulatorHandle::journal)
//! or `GET /_simulator/journal`) to assert on the exact requests a client made. It keeps the
//! newest [`JOURNAL_CAPACITY`] entries.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use super::router::SimRequest;

/// How many entries the journal keeps (the oldest are dropped first).
pub(crate) const JOURNAL_CAPACITY: usize = 10_000;

/// One request received by the simulator, with the status it answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JournalEntry {
    /// HTTP method, e.g. `"GET"`.
    pub method: String,
    /// Raw request path as received, without the query string.
    pub path: String,
    /// Percent-decoded query pairs (`+` decoded as a space), in request order.
    pub query: Vec<(String, String)>,
    /// The `Authorization` header value as received.
    pub authorization: Option<String>,
    /// The `Content-Type` header value as received.
    pub content_type: Option<String>,
    /// The request body (UTF-8, lossy); `None` when the body was empty.
    pub body: Option<String>,
    /// The HTTP status the simulator answered; 0 when no status line was sent (an injected
    /// `stall` or `reset`).
    pub status: u16,
    /// When the request was received, Unix epoch milliseconds.
    pub at_unix_ms: u64,
    /// The injected fault that shaped the answer (its mode, e.g. `error=503` or `reset`);
    /// `None` for a normal answer.
    #[serde(default)]
    pub fault: Option<String>,
}

impl JournalEntry {
    /// The entry for `req`, answered with `status`, received at `at_unix_ms`.
    pub(crate) fn from_request(req: &SimRequest, status: u16, at_unix_ms: u64) -> Self {
        Self {
            method: req.method.as_str().to_string(),
            path: req.raw_path.clone(),
            query: req.query.pairs().to_vec(),
            authorization: req.authorization.clone(),
            content_type: req.content_type.clone(),
            body: (!req.body.is_empty()).then(|| String::from_utf8_lossy(&req.body).into_owned()),
            status,
            at_unix_ms,
            fault: None,
        }
    }

    /// The same entry, naming the injected fault.
    pub(crate) fn with_fault(mut self, fault: Option<String>) -> Self {
        self.fault = fault;
        self
    }
}

/// A bounded, thread-safe list of [`JournalEntry`].
#[derive(Debug)]
pub(crate) struct Journal {
    capacity: usize,
    entries: Mutex<VecDeque<JournalEntry>>,
}

impl Journal {
    /// An empty journal keeping at most `capacity` entries.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(VecDeque::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<JournalEntry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Append an entry, dropping the oldest when full.
    pub(crate) fn record(&self, entry: JournalEntry) {
        let mut entries = self.lock();
        while entries.len() >= self.capacity.max(1) {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// A copy of every entry, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<JournalEntry> {
        self.lock().iter().cloned().collect()
    }

    /// Forget every entry.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

/// Wall-clock time in Unix milliseconds (0 if the clock is before 1970).
pub(crate) fn now_unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use hyper::Method;

    fn req(path: &str) -> SimRequest {
        SimRequest::new(
            Method::GET,
            path,
            Some("a=1&b=x+y"),
            Some("Bearer t".into()),
            None,
            Bytes::new(),
        )
    }

    #[test]
    fn keeps_the_newest_entries() {
        let j = Journal::new(3);
        for i in 0..5 {
            j.record(JournalEntry::from_request(&req(&format!("/p{i}")), 200, i));
        }
        let paths: Vec<_> = j.snapshot().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, vec!["/p2", "/p3", "/p4"]);
        j.clear();
        assert!(j.snapshot().is_empty());
    }

    #[test]
    fn entry_reflects_the_request() {
        let e = JournalEntry::from_request(&req("/x"), 401, 5);
        assert_eq!(e.method, "GET");
        assert_eq!(
            e.query,
            vec![("a".into(), "1".into()), ("b".into(), "x y".into())]
        );
        assert_eq!(e.authorization.as_deref(), Some("Bearer t"));
        assert_eq!(e.body, None);
        assert_eq!(e.status, 401);
    }
}
