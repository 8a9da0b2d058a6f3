//! The background exporter both sinks use: a bounded queue that the tool path only `try_send`s
//! to, one `std::thread` that batches what arrives and POSTs JSON with `ureq` (no async runtime),
//! bounded retries with backoff, and a flush on an interval and at shutdown with a bounded wait.
//!
//! Nothing is ever waited for on the caller's side: a full queue drops the item and counts it in
//! the exporter's drop counter (`reason="queue_full"`); a batch that still fails after the retries
//! is dropped and counted (`reason="send_failed"`), one the endpoint refuses outright (a 4xx other
//! than 408/409/429) too (`reason="rejected"`). 409 Conflict counts as delivered (LangSmith
//! answers it for a run it already has).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::config::Secret;

/// Attempts per batch (the first try and two retries).
const ATTEMPTS: u32 = 3;
/// Wait before the first retry; doubled for the next, with ±25 % jitter.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// Turns a batch of queued items into one request body.
pub trait Encoder: Send + 'static {
    /// What the queue carries.
    type Item: Send + 'static;
    /// How many runs or spans `item` stands for (what the drop counter counts).
    fn weight(&self, item: &Self::Item) -> u64;
    /// The JSON body for `batch` (never empty).
    fn encode(&mut self, batch: &[Self::Item]) -> Vec<u8>;
}

/// Where and how an exporter sends.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Name in log lines: `LangSmith`, `OTLP`.
    pub name: &'static str,
    /// Full URL of the POST.
    pub url: String,
    /// Request headers; values may be secrets and are never logged.
    pub headers: Vec<(String, Secret)>,
    /// Counter of dropped items (label `reason`).
    pub dropped_metric: &'static str,
    /// Counter of delivered items.
    pub sent_metric: &'static str,
    /// Queue capacity in items.
    pub queue: usize,
    /// Largest batch in one request.
    pub max_batch: usize,
    /// Send at least this often when something is queued.
    pub interval: Duration,
    /// Timeout of one request.
    pub timeout: Duration,
}

enum Message<T> {
    Item(T),
    /// Look at the stop flag now.
    Wake,
}

#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    /// Items dropped because the queue was full, not yet reported in a log line.
    unreported_full: AtomicU64,
    /// Items dropped since start, for any reason.
    dropped: AtomicU64,
    /// Items delivered since start.
    sent: AtomicU64,
    /// When shutting down: the moment the process stops waiting for this exporter.
    deadline: Mutex<Option<Instant>>,
    /// Set when the thread has sent its last batch.
    done: Mutex<bool>,
    finished: Condvar,
}

/// The handle the sink holds: a queue to offer items to, and shutdown.
#[derive(Debug)]
pub struct Exporter<T> {
    sender: SyncSender<Message<T>>,
    shared: Arc<Shared>,
    name: &'static str,
    dropped_metric: &'static str,
}

impl<T: Send + 'static> Exporter<T> {
    /// Starts the exporter thread for `endpoint` with `encoder`.
    pub fn start<E>(endpoint: Endpoint, encoder: E) -> std::io::Result<Exporter<T>>
    where
        E: Encoder<Item = T>,
    {
        let (sender, receiver) = sync_channel(endpoint.queue.max(1));
        let shared = Arc::new(Shared::default());
        let name = endpoint.name;
        let dropped_metric = endpoint.dropped_metric;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(endpoint.timeout))
            .max_redirects(0)
            .max_idle_connections_per_host(1)
            .user_agent(concat!("aruba-noc-mcp/", env!("CARGO_PKG_VERSION")))
            .build();
        // DNS cached: plain ureq looks the host up on a new thread before every POST.
        let agent = crate::resolver::agent(config);
        let worker = Worker {
            endpoint,
            encoder,
            agent,
            receiver,
            shared: Arc::clone(&shared),
            warned: false,
        };
        std::thread::Builder::new()
            .name(format!("{}-export", name.to_ascii_lowercase()))
            .stack_size(256 * 1024)
            .spawn(move || worker.run())?;
        Ok(Exporter {
            sender,
            shared,
            name,
            dropped_metric,
        })
    }

    /// Queues `item` without waiting; a full queue drops it and counts it.
    pub fn offer(&self, item: T, weight: u64) {
        match self.sender.try_send(Message::Item(item)) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                metrics::counter!(self.dropped_metric, "reason" => "queue_full").increment(weight);
                self.shared
                    .unreported_full
                    .fetch_add(weight, Ordering::Relaxed);
                self.shared.dropped.fetch_add(weight, Ordering::Relaxed);
            }
        }
    }

    /// Asks the thread to send what it holds and stop, retrying only while it can finish before
    /// `deadline`; returns at once.
    pub fn begin_shutdown(&self, deadline: Instant) {
        match self.shared.deadline.lock() {
            Ok(mut guard) => *guard = Some(deadline),
            Err(poisoned) => *poisoned.into_inner() = Some(deadline),
        }
        self.shared.stop.store(true, Ordering::SeqCst);
        // A full queue means the thread is busy and will see the flag after this item.
        let _ = self.sender.try_send(Message::Wake);
    }

    /// Waits until the thread has sent its last batch, or `deadline`. True when it finished.
    pub fn wait(&self, deadline: Instant) -> bool {
        let mut done = match self.shared.done.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        while !*done {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tracing::warn!(
                    exporter = self.name,
                    "export did not finish before exit; what was still queued is lost"
                );
                return false;
            }
            done = match self.shared.finished.wait_timeout(done, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }

    /// Items dropped since start (all reasons).
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Items delivered since start.
    pub fn sent(&self) -> u64 {
        self.shared.sent.load(Ordering::Relaxed)
    }
}

/// The exporter thread's state.
struct Worker<E: Encoder> {
    endpoint: Endpoint,
    encoder: E,
    agent: ureq::Agent,
    receiver: Receiver<Message<E::Item>>,
    shared: Arc<Shared>,
    /// Whether a delivery failure was already logged at warn (later ones are debug).
    warned: bool,
}

/// How one POST ended.
enum Delivery {
    Delivered,
    Retry(String),
    Rejected(u16),
}

impl<E: Encoder> Worker<E> {
    fn run(mut self) {
        let mut batch: Vec<E::Item> = Vec::new();
        let mut next_flush = Instant::now() + self.endpoint.interval;
        loop {
            self.report_queue_drops();
            if self.shared.stop.load(Ordering::SeqCst) {
                while let Ok(message) = self.receiver.try_recv() {
                    if let Message::Item(item) = message {
                        batch.push(item);
                    }
                }
                self.flush(&mut batch, true);
                break;
            }
            let wait = next_flush.saturating_duration_since(Instant::now());
            match self.receiver.recv_timeout(wait) {
                Ok(Message::Item(item)) => {
                    batch.push(item);
                    if batch.len() >= self.endpoint.max_batch {
                        self.flush(&mut batch, false);
                        next_flush = Instant::now() + self.endpoint.interval;
                    }
                }
                Ok(Message::Wake) => {}
                Err(RecvTimeoutError::Timeout) => {
                    self.flush(&mut batch, false);
                    next_flush = Instant::now() + self.endpoint.interval;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.flush(&mut batch, true);
                    break;
                }
            }
        }
        let mut done = match self.shared.done.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *done = true;
        self.shared.finished.notify_all();
    }

    fn report_queue_drops(&self) {
        let n = self.shared.unreported_full.swap(0, Ordering::Relaxed);
        if n > 0 {
            tracing::warn!(
                exporter = self.endpoint.name,
                dropped = n,
                metric = self.endpoint.dropped_metric,
                "export queue full; dropped items (ARUBA_ANALYTICS_QUEUE)"
            );
        }
    }

    /// Sends `batch` in chunks of at most `max_batch`, then clears it.
    fn flush(&mut self, batch: &mut Vec<E::Item>, last: bool) {
        if batch.is_empty() {
            return;
        }
        let items = std::mem::take(batch);
        for chunk in items.chunks(self.endpoint.max_batch.max(1)) {
            let weight: u64 = chunk.iter().map(|i| self.encoder.weight(i)).sum();
            let body = self.encoder.encode(chunk);
            self.deliver(&body, weight, last);
        }
    }

    /// The shutdown deadline, once shutdown began.
    fn deadline(&self) -> Option<Instant> {
        match self.shared.deadline.lock() {
            Ok(guard) => *guard,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    fn deliver(&mut self, body: &[u8], weight: u64, last: bool) {
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            let deadline = self.deadline();
            if let Some(deadline) = deadline
                && deadline <= Instant::now()
            {
                self.drop_batch(weight, "send_failed", "no time left before exit");
                return;
            }
            match self.post(body, deadline) {
                Delivery::Delivered => {
                    metrics::counter!(self.endpoint.sent_metric).increment(weight);
                    self.shared.sent.fetch_add(weight, Ordering::Relaxed);
                    tracing::debug!(
                        exporter = self.endpoint.name,
                        items = weight,
                        "export batch delivered"
                    );
                    return;
                }
                Delivery::Rejected(status) => {
                    self.drop_batch(weight, "rejected", &format!("HTTP {status}"));
                    return;
                }
                Delivery::Retry(why) => {
                    let wait = backoff.mul_f64(0.75 + fastrand::f64() * 0.5);
                    // At shutdown, retry only when the wait still ends before the deadline.
                    let no_time = match self.deadline() {
                        Some(deadline) => Instant::now() + wait >= deadline,
                        None => last,
                    };
                    if attempt == ATTEMPTS || no_time {
                        self.drop_batch(weight, "send_failed", &why);
                        return;
                    }
                    std::thread::sleep(wait);
                    backoff *= 2;
                }
            }
        }
    }

    /// One POST of `body`, given up at `deadline` when shutting down.
    fn post(&self, body: &[u8], deadline: Option<Instant>) -> Delivery {
        let mut request = self
            .agent
            .post(&self.endpoint.url)
            .header("Content-Type", "application/json");
        for (name, value) in &self.endpoint.headers {
            request = request.header(name.as_str(), value.expose());
        }
        let timeout = deadline.map_or(self.endpoint.timeout, |d| {
            self.endpoint
                .timeout
                .min(d.saturating_duration_since(Instant::now()))
        });
        let request = request
            .config()
            .timeout_global(Some(timeout.max(Duration::from_millis(1))))
            .build();
        match request.send(body) {
            Ok(mut response) => {
                let status = response.status().as_u16();
                // Read (a little of) the body so the connection can be reused.
                let _ = response
                    .body_mut()
                    .with_config()
                    .limit(64 * 1024)
                    .read_to_vec();
                match status {
                    200..=299 | 409 => Delivery::Delivered,
                    408 | 429 | 500..=599 => Delivery::Retry(format!("HTTP {status}")),
                    _ => Delivery::Rejected(status),
                }
            }
            // ureq's errors name the failure (timeout, connection refused), never our headers.
            Err(e) => Delivery::Retry(e.to_string()),
        }
    }

    fn drop_batch(&mut self, weight: u64, reason: &'static str, why: &str) {
        metrics::counter!(self.endpoint.dropped_metric, "reason" => reason).increment(weight);
        self.shared.dropped.fetch_add(weight, Ordering::Relaxed);
        if self.warned {
            tracing::debug!(
                exporter = self.endpoint.name,
                dropped = weight,
                reason,
                error = why,
                "export failed; batch dropped"
            );
        } else {
            self.warned = true;
            tracing::warn!(
                exporter = self.endpoint.name,
                dropped = weight,
                reason,
                error = why,
                metric = self.endpoint.dropped_metric,
                "export failed; batch dropped (later failures are logged at debug)"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    struct Lines;
    impl Encoder for Lines {
        type Item = u32;
        fn weight(&self, _: &u32) -> u64 {
            1
        }
        fn encode(&mut self, batch: &[u32]) -> Vec<u8> {
            serde_json::to_vec(batch).unwrap()
        }
    }

    fn endpoint(url: String, queue: usize) -> Endpoint {
        Endpoint {
            name: "test",
            url,
            headers: vec![("x-api-key".into(), Secret::new("k"))],
            dropped_metric: "test_dropped_total",
            sent_metric: "test_sent_total",
            queue,
            max_batch: 2,
            interval: Duration::from_secs(3600),
            timeout: Duration::from_secs(2),
        }
    }

    /// A loopback server answering request N with `statuses[N]` (500 once they run out) until
    /// `linger` passes without a request; returns the (x-api-key, body) pairs it received.
    fn server(
        statuses: Vec<u16>,
        linger: Duration,
    ) -> (String, std::thread::JoinHandle<Vec<(String, String)>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/ingest", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut quiet_since = Instant::now();
            while quiet_since.elapsed() < linger {
                let stream = match listener.accept() {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                };
                stream.set_nonblocking(false).unwrap();
                let mut reader = BufReader::new(stream);
                let mut length = 0usize;
                let mut key = String::new();
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                    if let Some(v) = lower.strip_prefix("x-api-key:") {
                        key = v.trim().to_string();
                    }
                    if line == "\r\n" || line.is_empty() {
                        break;
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let status = statuses.get(seen.len()).copied().unwrap_or(500);
                seen.push((key, String::from_utf8(body).unwrap()));
                let mut stream = reader.into_inner();
                write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                .unwrap();
                quiet_since = Instant::now();
            }
            seen
        });
        (url, handle)
    }

    #[test]
    fn batches_retry_on_5xx_and_treat_409_as_delivered() {
        let (url, server) = server(vec![503, 200, 409], Duration::from_millis(1500));
        let exporter = Exporter::start(endpoint(url, 16), Lines).unwrap();
        for i in 0..4 {
            exporter.offer(i, 1);
        }
        // Wait for both batches of two.
        let deadline = Instant::now() + Duration::from_secs(10);
        while exporter.sent() < 4 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        exporter.begin_shutdown(Instant::now() + Duration::from_secs(5));
        assert!(exporter.wait(Instant::now() + Duration::from_secs(5)));
        let seen = server.join().unwrap();
        assert_eq!(exporter.sent(), 4);
        assert_eq!(exporter.dropped(), 0);
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[0].1, "[0,1]");
        assert_eq!(seen[1].1, "[0,1]", "the 503 batch is sent again");
        assert_eq!(seen[2].1, "[2,3]");
        assert!(seen.iter().all(|(key, _)| key == "k"));
    }

    #[test]
    fn a_4xx_is_not_retried() {
        let (url, server) = server(vec![400], Duration::from_millis(1500));
        let exporter = Exporter::start(endpoint(url, 16), Lines).unwrap();
        exporter.offer(1, 1);
        exporter.offer(2, 1);
        let deadline = Instant::now() + Duration::from_secs(10);
        while exporter.dropped() < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(exporter.dropped(), 2);
        let seen = server.join().unwrap();
        assert_eq!(seen.len(), 1, "one request, no retry");
        exporter.begin_shutdown(Instant::now() + Duration::from_secs(5));
        assert!(exporter.wait(Instant::now() + Duration::from_secs(5)));
    }

    #[test]
    fn a_full_queue_drops_instead_of_waiting() {
        // The endpoint takes the first request and never answers it: the thread is stuck.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let (accepted_tx, accepted) = std::sync::mpsc::channel();
        let hold = std::thread::spawn(move || {
            let conn = listener.accept().map(|c| c.0);
            accepted_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_secs(3));
            drop(conn);
        });
        let exporter = Exporter::start(
            Endpoint {
                max_batch: 1,
                timeout: Duration::from_secs(2),
                ..endpoint(url, 3)
            },
            Lines,
        )
        .unwrap();
        exporter.offer(0, 1);
        accepted.recv_timeout(Duration::from_secs(10)).unwrap();
        let started = Instant::now();
        for i in 1..=10 {
            exporter.offer(i, 1);
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "offer never waits"
        );
        assert_eq!(exporter.dropped(), 7, "3 queued, 7 dropped");
        exporter.begin_shutdown(Instant::now());
        hold.join().unwrap();
    }

    #[test]
    fn shutdown_wait_is_bounded_when_the_endpoint_hangs() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        // Accepts and never answers.
        let hold = std::thread::spawn(move || {
            let conn = listener.accept().map(|c| c.0);
            std::thread::sleep(Duration::from_secs(3));
            drop(conn);
        });
        let exporter = Exporter::start(
            Endpoint {
                timeout: Duration::from_secs(2),
                ..endpoint(url, 4)
            },
            Lines,
        )
        .unwrap();
        exporter.offer(1, 1);
        exporter.begin_shutdown(Instant::now() + Duration::from_secs(1));
        let started = Instant::now();
        let finished = exporter.wait(Instant::now() + Duration::from_millis(300));
        assert!(!finished);
        assert!(started.elapsed() < Duration::from_secs(2));
        hold.join().unwrap();
    }
}
