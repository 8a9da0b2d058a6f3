//! The daemon's remote transport: MCP Streamable HTTP at `/mcp`, rmcp's server
//! ([`StreamableHttpService`]) behind this project's bounded hyper listener
//! ([`telemetry::http::serve_with`]: header size and count, header timeout, connection cap and
//! lifetime, optional TLS).
//!
//! In front of rmcp, every request is checked, in this order: the path (`/mcp` only, 404), the
//! `Origin` (403 unless listed in `ARUBA_MCP_ALLOWED_ORIGINS`; no `Origin` is accepted), the
//! bearer token (401 with `WWW-Authenticate`), the body (at most [`MAX_BODY_BYTES`], sent
//! within [`BODY_TIMEOUT`]; 413 or 408), and JSON (a body that is not JSON gets 400 with the
//! JSON-RPC parse error, `-32700`, `id: null`). A new session beyond `ARUBA_MCP_MAX_SESSIONS`
//! gets 503 with a JSON-RPC error. Every answer is counted in `mcp_http_requests_total{code}`.
//!
//! rmcp serves every protocol version it knows: sessions (`Mcp-Session-Id`) for 2025-06-18 and
//! 2025-11-25, stateless requests for 2026-07-28. Idle sessions expire after
//! [`SESSION_IDLE_TIMEOUT`].

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use rmcp::RoleServer;
use rmcp::model::{ClientJsonRpcMessage, ErrorCode, ServerJsonRpcMessage};
use rmcp::transport::Transport;
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError, SessionConfig,
};
use rmcp::transport::streamable_http_server::session::{ServerSseMessage, SessionId};
use rmcp::transport::streamable_http_server::{SessionManager, StreamableHttpServerConfig};
use rmcp::transport::{StreamableHttpService, WorkerTransport};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{ConfigError, McpHttpSettings};
use crate::framing;
use crate::server::NocServer;
use crate::sessions::{self, Reclaim, SessionLimit, SessionSlot, SessionSlots, Transport as Via};
use crate::telemetry;
use crate::telemetry::http::{HttpSettings, Limits, SettingNames};

/// Largest request body accepted on `/mcp`.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Time a client gets to send a request body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// An HTTP session with no request for this long is closed.
pub const SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest a connection may live: long enough for a diagnostic's progress stream.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(3600);

const MCP_SETTINGS: SettingNames = SettingNames {
    token_file: "ARUBA_MCP_TOKEN_FILE",
    tls_cert: "ARUBA_MCP_TLS_CERT",
    tls_key: "ARUBA_MCP_TLS_KEY",
};

type Body = BoxBody<Bytes, Infallible>;
type Service = StreamableHttpService<NocServer, BoundedSessions>;

/// The `/mcp` listener's validated settings.
pub struct McpHttp {
    listener: Arc<HttpSettings>,
    origins: Vec<String>,
}

impl McpHttp {
    /// Reads the token file and TLS files of `settings`; problems name the setting.
    pub fn load(settings: &McpHttpSettings, max_sessions: usize) -> Result<McpHttp, ConfigError> {
        let limits = Limits {
            // Each session may hold a stream open besides its requests.
            max_connections: (2 * max_sessions + 8).max(16),
            connection_lifetime: CONNECTION_LIFETIME,
            ..Limits::default()
        };
        let listener = HttpSettings::build(
            settings.addr,
            settings.token_file.as_deref(),
            settings.tls.as_ref(),
            MCP_SETTINGS,
            limits,
        )?;
        Ok(McpHttp {
            listener: Arc::new(listener),
            origins: settings
                .allowed_origins
                .iter()
                .map(|o| normalise_origin(o))
                .collect(),
        })
    }

    /// The address to bind.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.listener.addr
    }

    /// Serves `/mcp` on `listener` with a handler per session made from `server`, until the
    /// task is aborted; `stop` ends every HTTP session.
    pub async fn serve(
        self,
        listener: TcpListener,
        server: NocServer,
        slots: Arc<SessionSlots>,
        stop: CancellationToken,
    ) {
        let loopback = self.listener.addr.ip().is_loopback();
        let mut config = StreamableHttpServerConfig::default()
            .with_cancellation_token(stop)
            .with_max_request_body_bytes(MAX_BODY_BYTES);
        if !loopback {
            // Beyond loopback the bearer token and TLS (both required) guard the endpoint; the
            // Host is whatever name clients use for this appliance.
            config = config.disable_allowed_hosts();
        }
        let mut manager = LocalSessionManager::default();
        manager.session_config = session_config();
        let sessions = Arc::new(BoundedSessions {
            inner: manager,
            slots: Arc::clone(&slots),
            activity: Arc::default(),
        });
        let weak = Arc::downgrade(&sessions);
        slots.set_reclaimer(weak);
        let service =
            StreamableHttpService::new(move || Ok(server.for_session(None)), sessions, config);
        let gate = Arc::new(Gate {
            listener: Arc::clone(&self.listener),
            origins: self.origins,
            slots,
            service,
        });
        telemetry::http::serve_with(listener, self.listener, "MCP HTTP listener", move |peer| {
            let gate = Arc::clone(&gate);
            hyper::service::service_fn(move |request: Request<Incoming>| {
                let gate = Arc::clone(&gate);
                async move {
                    let method = request.method().clone();
                    let response = gate.handle(request).await;
                    let code = response.status().as_u16();
                    metrics::counter!(
                        telemetry::metrics::MCP_HTTP_REQUESTS_TOTAL,
                        "code" => code.to_string()
                    )
                    .increment(1);
                    tracing::debug!(%peer, %method, status = code, "MCP HTTP request");
                    Ok::<_, Infallible>(response)
                }
            })
        })
        .await;
    }
}

fn session_config() -> SessionConfig {
    let mut config = SessionConfig::default();
    config.keep_alive = Some(SESSION_IDLE_TIMEOUT);
    config
}

/// Lower case, without a trailing slash, as browsers send it.
fn normalise_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// The checks in front of rmcp.
struct Gate {
    listener: Arc<HttpSettings>,
    origins: Vec<String>,
    slots: Arc<SessionSlots>,
    service: Service,
}

impl Gate {
    async fn handle(&self, request: Request<Incoming>) -> Response<Body> {
        if request.uri().path() != "/mcp" {
            return plain(StatusCode::NOT_FOUND, "not found; MCP is served at /mcp\n");
        }
        if let Some(origin) = request.headers().get(header::ORIGIN) {
            let allowed = origin
                .to_str()
                .is_ok_and(|o| self.origins.contains(&normalise_origin(o)));
            if !allowed {
                sessions::reject("origin");
                return rpc_error(
                    StatusCode::FORBIDDEN,
                    ErrorCode::INVALID_REQUEST,
                    "Forbidden: this Origin is not allowed (ARUBA_MCP_ALLOWED_ORIGINS)",
                );
            }
        }
        if !self.listener.authorised(request.headers()) {
            sessions::reject("unauthorized");
            let mut response = rpc_error(
                StatusCode::UNAUTHORIZED,
                ErrorCode::INVALID_REQUEST,
                "Unauthorized: a bearer token is required (ARUBA_MCP_TOKEN_FILE)",
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"aruba-noc-mcp\""),
            );
            return response;
        }
        if request.method() != Method::POST {
            return self.service.handle(request).await;
        }
        if declared_length(request.headers()).is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            // Refused on its declared length, before a byte of it is read.
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body larger than 1 MiB\n",
            );
        }
        let (parts, body) = request.into_parts();
        let bytes = match read_body(body).await {
            Ok(bytes) => bytes,
            Err(response) => return *response,
        };
        let message = match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(message) => message,
            Err(_) => {
                return rpc_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::PARSE_ERROR,
                    "Parse error: the body is not valid JSON",
                );
            }
        };
        let opens_session = !parts.headers.contains_key("mcp-session-id")
            && message.get("method").and_then(|m| m.as_str()) == Some("initialize");
        if opens_session && !self.slots.make_room().await {
            sessions::reject("max_sessions");
            return rpc_error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::INTERNAL_ERROR,
                "this aruba-noc-mcp server already serves its maximum of MCP sessions \
                 (ARUBA_MCP_MAX_SESSIONS); close one or try again later",
            );
        }
        self.service
            .handle(Request::from_parts(parts, Full::new(bytes)))
            .await
    }
}

/// The `Content-Length` a request declares, if any.
fn declared_length(headers: &header::HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads a request body within [`MAX_BODY_BYTES`] and [`BODY_TIMEOUT`] (a chunked body is cut
/// off at the limit).
async fn read_body(body: Incoming) -> Result<Bytes, Box<Response<Body>>> {
    let collected =
        tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_BODY_BYTES).collect());
    match collected.await {
        Ok(Ok(body)) => Ok(body.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(Box::new(plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body larger than 1 MiB\n",
        ))),
        Ok(Err(_)) => Err(Box::new(plain(
            StatusCode::BAD_REQUEST,
            "the request body could not be read\n",
        ))),
        Err(_) => Err(Box::new(plain(
            StatusCode::REQUEST_TIMEOUT,
            "the request body was not sent in time\n",
        ))),
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())).boxed());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// A JSON-RPC error (`id: null`) as an HTTP response.
fn rpc_error(status: StatusCode, code: ErrorCode, message: &'static str) -> Response<Body> {
    let body = framing::error_line(code, message, None);
    let mut response = Response::new(Full::new(Bytes::from(body)).boxed());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// rmcp's in-memory session manager, with each session holding a place under the shared
/// session limit for as long as it lives (the slot travels with the session's transport).
///
/// HTTP clients often leave without ending their session (`DELETE`), so when the limit is
/// reached the session idle longest, with no stream open and idle for at least
/// [`RECLAIMABLE_AFTER`], is ended to make room ([`Reclaim`]); its client starts a new one on
/// its next request (it gets 404, as the specification says).
struct BoundedSessions {
    inner: LocalSessionManager,
    slots: Arc<SessionSlots>,
    activity: Arc<Mutex<HashMap<SessionId, Activity>>>,
}

/// An HTTP session idle at least this long, with no stream open, may be ended to make room.
pub const RECLAIMABLE_AFTER: Duration = Duration::from_secs(5);

/// When a session was last used, and how many of its streams are open.
#[derive(Debug, Clone, Copy)]
struct Activity {
    last: Instant,
    streams: usize,
}

impl BoundedSessions {
    fn touch(&self, id: &SessionId) {
        lock(&self.activity)
            .entry(id.clone())
            .or_insert(Activity {
                last: Instant::now(),
                streams: 0,
            })
            .last = Instant::now();
    }

    /// Counts `stream` as open on session `id` until it is dropped.
    fn track<S>(&self, id: &SessionId, stream: S) -> TrackedStream
    where
        S: futures_core::Stream<Item = ServerSseMessage> + Send + Sync + 'static,
    {
        self.touch(id);
        if let Some(activity) = lock(&self.activity).get_mut(id) {
            activity.streams += 1;
        }
        TrackedStream {
            inner: Box::pin(stream),
            _open: OpenStream {
                activity: Arc::clone(&self.activity),
                id: id.clone(),
            },
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Reclaim for BoundedSessions {
    fn reclaim(&self) -> Pin<Box<dyn Future<Output = bool> + Send + '_>> {
        Box::pin(async move {
            let mut idle: Vec<(Instant, SessionId)> = lock(&self.activity)
                .iter()
                .filter(|(_, a)| a.streams == 0 && a.last.elapsed() >= RECLAIMABLE_AFTER)
                .map(|(id, a)| (a.last, id.clone()))
                .collect();
            idle.sort();
            for (last, id) in idle {
                lock(&self.activity).remove(&id);
                if !self.inner.has_session(&id).await.unwrap_or(false) {
                    continue;
                }
                if self.inner.close_session(&id).await.is_ok() {
                    tracing::info!(
                        idle_s = last.elapsed().as_secs(),
                        "ended the longest-idle HTTP session to make room for a new one"
                    );
                    return true;
                }
            }
            false
        })
    }
}

/// A session's stream, counted as open until dropped.
struct TrackedStream {
    inner: Pin<Box<dyn futures_core::Stream<Item = ServerSseMessage> + Send + Sync>>,
    _open: OpenStream,
}

impl futures_core::Stream for TrackedStream {
    type Item = ServerSseMessage;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<ServerSseMessage>> {
        self.inner.as_mut().poll_next(cx)
    }
}

struct OpenStream {
    activity: Arc<Mutex<HashMap<SessionId, Activity>>>,
    id: SessionId,
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        if let Some(activity) = lock(&self.activity).get_mut(&self.id) {
            activity.streams = activity.streams.saturating_sub(1);
            activity.last = Instant::now();
        }
    }
}

/// Why a session operation failed.
#[derive(Debug, thiserror::Error)]
enum BoundedSessionError {
    /// The limit is reached.
    #[error(transparent)]
    Full(#[from] SessionLimit),
    /// rmcp's session manager failed.
    #[error(transparent)]
    Session(#[from] LocalSessionManagerError),
}

/// A session's transport and its place under the limit.
struct SlottedTransport {
    inner: WorkerTransport<
        rmcp::transport::streamable_http_server::session::local::LocalSessionWorker,
    >,
    _slot: SessionSlot,
}

impl Transport<RoleServer> for SlottedTransport {
    type Error = <WorkerTransport<
        rmcp::transport::streamable_http_server::session::local::LocalSessionWorker,
    > as Transport<RoleServer>>::Error;

    fn send(
        &mut self,
        item: rmcp::service::TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        self.inner.send(item)
    }

    fn receive(
        &mut self,
    ) -> impl Future<Output = Option<rmcp::service::RxJsonRpcMessage<RoleServer>>> + Send {
        self.inner.receive()
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}

impl SessionManager for BoundedSessions {
    type Error = BoundedSessionError;
    type Transport = SlottedTransport;

    async fn create_session(&self) -> Result<(SessionId, SlottedTransport), BoundedSessionError> {
        let slot = self.slots.try_open(Via::Http)?;
        let (id, inner) = self.inner.create_session().await?;
        self.touch(&id);
        Ok((id, SlottedTransport { inner, _slot: slot }))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, BoundedSessionError> {
        self.touch(id);
        Ok(self.inner.initialize_session(id, message).await?)
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, BoundedSessionError> {
        Ok(self.inner.has_session(id).await?)
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), BoundedSessionError> {
        lock(&self.activity).remove(id);
        Ok(self.inner.close_session(id).await?)
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<
        impl futures_core::Stream<Item = ServerSseMessage> + Send + Sync + 'static,
        BoundedSessionError,
    > {
        let stream = self.inner.create_stream(id, message).await?;
        Ok(self.track(id, stream))
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), BoundedSessionError> {
        self.touch(id);
        Ok(self.inner.accept_message(id, message).await?)
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<
        impl futures_core::Stream<Item = ServerSseMessage> + Send + Sync + 'static,
        BoundedSessionError,
    > {
        let stream = self.inner.create_standalone_stream(id).await?;
        Ok(self.track(id, stream))
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<
        impl futures_core::Stream<Item = ServerSseMessage> + Send + Sync + 'static,
        BoundedSessionError,
    > {
        let stream = self.inner.resume(id, last_event_id).await?;
        Ok(self.track(id, stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_as_browsers_send_them() {
        assert_eq!(
            normalise_origin(" HTTP://LocalHost:6274/ "),
            "http://localhost:6274"
        );
    }

    #[test]
    fn a_parse_error_response_is_json_rpc_with_a_null_id() {
        let response = rpc_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::PARSE_ERROR,
            "Parse error",
        );
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let line = framing::parse_error_line();
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["error"]["code"], -32700);
        assert_eq!(value.get("id"), Some(&serde_json::Value::Null));
    }
}
