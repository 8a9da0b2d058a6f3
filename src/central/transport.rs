//! Blocking HTTP on a fixed pool of worker threads.
//!
//! The MCP side runs on one current_thread tokio runtime, so nothing there may block. Upstream
//! requests are handed to `N` worker threads that share one `ureq::Agent` (one connection pool)
//! through a bounded queue that wakes the most recently idle worker ([`super::dispatch`]); the
//! answer comes back on a `tokio::sync::oneshot`. When the queue is full, [`Transport::send`]
//! fails at once with [`TransportError::Busy`] instead of letting memory grow. Response bodies
//! are read up to a configured cap.

use std::io::Read;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

use super::dispatch::{Dispatch, Refused};

/// Size of each pooled connection's input and output buffers. ureq's default is 128 KiB each,
/// zero-filled (so resident) for every pooled connection: 2 MB of RSS with 8 workers' connections
/// (`benches/mcp.rs`). 32 KiB holds any request head (URL with its query, bearer token) and any
/// response head Central sends; bodies stream through it.
const CONNECTION_BUFFER_BYTES: usize = 32 * 1024;

/// HTTP method of an upstream request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET (idempotent).
    Get,
    /// POST.
    Post,
}

impl Method {
    /// The method as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One request for a worker.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Absolute URL, query included.
    pub url: String,
    /// Extra headers (`Authorization`, `Content-Type`, …).
    pub headers: Vec<(&'static str, String)>,
    /// Body for POST.
    pub body: Option<Vec<u8>>,
    /// Overall timeout of this request (connect, send, receive).
    pub timeout: Duration,
}

/// Response headers the client acts on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseHeaders {
    /// `Retry-After`.
    pub retry_after: Option<String>,
    /// `X-RateLimit-Reset` (or `X-Rate-Limit-Reset`).
    pub rate_limit_reset: Option<String>,
    /// `X-RateLimit-Remaining` (or `X-Rate-Limit-Remaining`).
    pub rate_limit_remaining: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
}

/// What a worker got back.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers of interest.
    pub headers: ResponseHeaders,
    /// Body, at most the configured cap.
    pub body: Vec<u8>,
}

/// Why a request produced no HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Every worker is busy and the queue is full.
    #[error(
        "the upstream request queue is full ({capacity} waiting); the server is busy, retry in a moment"
    )]
    Busy {
        /// Queue capacity.
        capacity: usize,
    },
    /// The workers have stopped (shutdown).
    #[error("the HTTP workers have stopped")]
    Stopped,
    /// Name resolution or TCP/TLS connection failed; the request was not sent.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The request did not complete in time.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The body was larger than the cap.
    #[error("response body larger than {limit} bytes")]
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// Any other I/O or protocol failure after the request may have been sent.
    #[error("{0}")]
    Io(String),
}

impl TransportError {
    /// True when the request provably never reached the server (safe to retry even a POST).
    pub fn request_not_sent(&self) -> bool {
        matches!(
            self,
            TransportError::Connect(_) | TransportError::Busy { .. } | TransportError::Stopped
        )
    }
}

struct Job {
    request: HttpRequest,
    reply: oneshot::Sender<Result<HttpResponse, TransportError>>,
}

/// Settings of the worker pool.
#[derive(Debug, Clone)]
pub struct TransportSettings {
    /// Worker threads.
    pub workers: usize,
    /// Requests that may wait for a worker.
    pub queue: usize,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Body cap in bytes.
    pub max_response_bytes: usize,
}

/// Answers requests in-process instead of over HTTP: see [`Transport::in_memory`].
pub type Responder =
    Arc<dyn Fn(&HttpRequest) -> Result<HttpResponse, TransportError> + Send + Sync>;

/// The worker pool. Cheap to share behind an `Arc`; dropping it stops the workers once the queue
/// drains.
pub struct Transport {
    inner: Inner,
}

enum Inner {
    Workers {
        dispatch: Arc<Dispatch<Job>>,
        _workers: Vec<JoinHandle<()>>,
    },
    InMemory(Responder),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Workers { dispatch, .. } => f
                .debug_struct("Transport")
                .field("capacity", &dispatch.capacity())
                .field("workers", &dispatch.workers())
                .finish(),
            Inner::InMemory(_) => f
                .debug_struct("Transport")
                .field("in_memory", &true)
                .finish(),
        }
    }
}

impl Transport {
    /// Starts the worker threads.
    pub fn start(settings: &TransportSettings) -> std::io::Result<Transport> {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(settings.connect_timeout))
            .max_redirects(0)
            .max_idle_connections_per_host(settings.workers.max(1))
            .input_buffer_size(CONNECTION_BUFFER_BYTES)
            .output_buffer_size(CONNECTION_BUFFER_BYTES)
            .user_agent(concat!("aruba-noc-mcp/", env!("CARGO_PKG_VERSION")))
            .build();
        let agent = crate::resolver::agent(config);
        let dispatch = Arc::new(Dispatch::new(settings.workers, settings.queue));
        let mut workers = Vec::with_capacity(dispatch.workers());
        for index in 0..dispatch.workers() {
            let agent = agent.clone();
            let queue = Arc::clone(&dispatch);
            let limit = settings.max_response_bytes;
            let started = std::thread::Builder::new()
                .name(format!("http-worker-{index}"))
                .stack_size(256 * 1024)
                .spawn(move || worker_loop(&agent, &queue, index, limit));
            match started {
                Ok(handle) => workers.push(handle),
                Err(e) => {
                    dispatch.close();
                    return Err(e);
                }
            }
        }
        Ok(Transport {
            inner: Inner::Workers {
                dispatch,
                _workers: workers,
            },
        })
    }

    /// A transport that sends nothing: `responder` answers every request at once, in-process.
    /// For the fuzz targets, which feed arbitrary bodies through the real call pipeline and the
    /// tools' mapping; the server itself always uses [`Transport::start`].
    pub fn in_memory(responder: Responder) -> Transport {
        Transport {
            inner: Inner::InMemory(responder),
        }
    }

    /// Queues `request` and waits for its response without blocking the runtime.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let dispatch = match &self.inner {
            Inner::Workers { dispatch, .. } => dispatch,
            Inner::InMemory(responder) => return responder(&request),
        };
        let (reply, answer) = oneshot::channel();
        match dispatch.push(Job { request, reply }) {
            Ok(()) => {}
            Err(Refused::Full(_)) => {
                return Err(TransportError::Busy {
                    capacity: dispatch.capacity(),
                });
            }
            Err(Refused::Closed(_)) => return Err(TransportError::Stopped),
        }
        answer.await.unwrap_or(Err(TransportError::Stopped))
    }
}

impl Drop for Transport {
    /// Stops the workers once they have finished the queued requests.
    fn drop(&mut self) {
        if let Inner::Workers { dispatch, .. } = &self.inner {
            dispatch.close();
        }
    }
}

fn worker_loop(agent: &ureq::Agent, dispatch: &Dispatch<Job>, index: usize, limit: usize) {
    while let Some(job) = dispatch.next(index) {
        if job.reply.is_closed() {
            // The caller gave up (cancelled or deadline) before a worker was free.
            continue;
        }
        let result = execute(agent, &job.request, limit);
        let _ = job.reply.send(result);
    }
}

fn execute(
    agent: &ureq::Agent,
    request: &HttpRequest,
    limit: usize,
) -> Result<HttpResponse, TransportError> {
    let timeout = Some(request.timeout);
    let result = match request.method {
        Method::Get => {
            let mut builder = agent.get(&request.url);
            for (name, value) in &request.headers {
                builder = builder.header(*name, value);
            }
            builder.config().timeout_global(timeout).build().call()
        }
        Method::Post => {
            let mut builder = agent.post(&request.url);
            for (name, value) in &request.headers {
                builder = builder.header(*name, value);
            }
            let builder = builder.config().timeout_global(timeout).build();
            match &request.body {
                Some(body) => builder.send(&body[..]),
                None => builder.send_empty(),
            }
        }
    };
    let mut response = result.map_err(|e| classify(e, request.timeout, limit))?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let headers = ResponseHeaders {
        retry_after: header("retry-after"),
        rate_limit_reset: header("x-ratelimit-reset").or_else(|| header("x-rate-limit-reset")),
        rate_limit_remaining: header("x-ratelimit-remaining")
            .or_else(|| header("x-rate-limit-remaining")),
        content_type: header("content-type"),
    };
    let status = response.status().as_u16();
    // Sized from Content-Length (within the cap) so the body is read without regrowing the
    // buffer: no copies, and a smaller high-water mark in this worker's allocator arena.
    let expected = response.body().content_length().unwrap_or(0);
    let mut body = Vec::with_capacity(expected.min(limit as u64) as usize);
    response
        .body_mut()
        .with_config()
        .limit(limit as u64)
        .reader()
        .read_to_end(&mut body)
        .map_err(|e| classify(ureq::Error::from(e), request.timeout, limit))?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

fn classify(error: ureq::Error, timeout: Duration, limit: usize) -> TransportError {
    match error {
        ureq::Error::Timeout(_) => TransportError::Timeout(timeout),
        ureq::Error::BodyExceedsLimit(_) => TransportError::BodyTooLarge { limit },
        ureq::Error::HostNotFound => TransportError::Connect("host not found".to_string()),
        ureq::Error::ConnectionFailed => TransportError::Connect("connection failed".to_string()),
        ureq::Error::Io(e) => match e.kind() {
            std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::AddrNotAvailable
            | std::io::ErrorKind::NetworkUnreachable
            | std::io::ErrorKind::HostUnreachable => TransportError::Connect(e.to_string()),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                TransportError::Timeout(timeout)
            }
            _ => TransportError::Io(e.to_string()),
        },
        other => TransportError::Io(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    fn settings(workers: usize, queue: usize, max: usize) -> TransportSettings {
        TransportSettings {
            workers,
            queue,
            connect_timeout: Duration::from_secs(2),
            max_response_bytes: max,
        }
    }

    /// A loopback server answering each connection with `reply` (after `delay`); the receiver
    /// gets one message per request read.
    fn serve_signalled(
        reply: &'static str,
        delay: Duration,
        connections: usize,
    ) -> (String, std::sync::mpsc::Receiver<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (seen, seen_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(connections) {
                let Ok(mut stream) = stream else { return };
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = seen.send(());
                std::thread::sleep(delay);
                let _ = stream.write_all(reply.as_bytes());
            }
        });
        (format!("http://{addr}/x"), seen_rx)
    }

    fn serve(reply: &'static str, delay: Duration, connections: usize) -> String {
        serve_signalled(reply, delay, connections).0
    }

    fn get(url: String, timeout: Duration) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            url,
            headers: vec![],
            body: None,
            timeout,
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn returns_status_headers_and_body() {
        let url = serve(
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nX-RateLimit-Reset: 2026-07-09T10:00:00Z\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            Duration::ZERO,
            1,
        );
        let t = Transport::start(&settings(1, 4, 1024)).unwrap();
        let r = t.send(get(url, Duration::from_secs(5))).await.unwrap();
        assert_eq!(r.status, 429);
        assert_eq!(r.headers.retry_after.as_deref(), Some("7"));
        assert_eq!(
            r.headers.rate_limit_reset.as_deref(),
            Some("2026-07-09T10:00:00Z")
        );
        assert_eq!(r.body, b"{}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn caps_the_body() {
        let url = serve(
            "HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close\r\n\r\n01234567890123456789",
            Duration::ZERO,
            1,
        );
        let t = Transport::start(&settings(1, 4, 10)).unwrap();
        let e = t.send(get(url, Duration::from_secs(5))).await.unwrap_err();
        assert_eq!(e, TransportError::BodyTooLarge { limit: 10 });
    }

    #[tokio::test(flavor = "current_thread")]
    async fn refused_connection_is_a_connect_error() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let t = Transport::start(&settings(1, 4, 10)).unwrap();
        let e = t
            .send(get(
                format!("http://127.0.0.1:{port}/"),
                Duration::from_secs(5),
            ))
            .await
            .unwrap_err();
        assert!(matches!(e, TransportError::Connect(_)), "{e:?}");
        assert!(e.request_not_sent());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn slow_server_times_out() {
        let url = serve(
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            Duration::from_secs(3),
            1,
        );
        let t = Transport::start(&settings(1, 4, 10)).unwrap();
        let e = t
            .send(get(url, Duration::from_millis(300)))
            .await
            .unwrap_err();
        assert!(matches!(e, TransportError::Timeout(_)), "{e:?}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn full_queue_is_busy_at_once() {
        // One worker busy on a slow server and a queue of one: the third request is refused.
        let (url, seen) = serve_signalled(
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            Duration::from_millis(500),
            3,
        );
        let t = Transport::start(&settings(1, 1, 10)).unwrap();
        let first = t.send(get(url.clone(), Duration::from_secs(10)));
        let second = t.send(get(url.clone(), Duration::from_secs(10)));
        tokio::pin!(first, second);
        // Poll `first` once so it is queued, then wait until the worker is inside it.
        tokio::select! { biased; _ = &mut first => panic!("finished early"), () = std::future::ready(()) => {} }
        seen.recv_timeout(Duration::from_secs(10)).unwrap();
        // `second` fills the queue.
        tokio::select! { biased; _ = &mut second => panic!("finished early"), () = std::future::ready(()) => {} }
        let third = t.send(get(url, Duration::from_secs(10))).await;
        assert_eq!(third.unwrap_err(), TransportError::Busy { capacity: 1 });
        assert_eq!(first.await.unwrap().status, 200);
        assert_eq!(second.await.unwrap().status, 200);
    }
}
