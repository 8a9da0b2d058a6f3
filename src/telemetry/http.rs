//! The monitoring listener: `/metrics` (Prometheus text), `/healthz` (the process is alive),
//! `/readyz` (200 only when the server can serve, JSON reasons) and a landing page.
//!
//! It runs on the monitoring thread's own runtime (see `app::serve`), and it is still built so
//! that a hostile client cannot hurt the process: hyper's HTTP/1 server
//! (no hand-written parser) with a small header buffer and header count, a header read timeout,
//! a cap on each connection's lifetime, a cap on concurrent connections (extra ones are closed
//! at once), a TLS handshake timeout, and only GET/HEAD. Optional bearer-token auth (compared in
//! constant time) and HTTPS (rustls with ring). Every request is logged at debug level with the
//! peer and the status.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::{ConfigError, MetricsSettings, Secret};

/// What the listener serves; implemented over the live server state by the application.
pub trait Endpoints: Send + Sync + 'static {
    /// The whole Prometheus text exposition, with time-dependent gauges brought up to date.
    fn metrics(&self) -> String;
    /// Whether the server is ready, and a JSON body saying why (not).
    fn readiness(&self) -> (bool, String);
}

/// Resource limits of the listener.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; more are closed on accept.
    pub max_connections: usize,
    /// Time a client gets to send a request's headers.
    pub header_read_timeout: Duration,
    /// Longest a connection (keep-alive included) may live.
    pub connection_lifetime: Duration,
    /// Time a client gets to complete the TLS handshake.
    pub tls_handshake_timeout: Duration,
    /// Read buffer, and so the largest request head accepted (hyper's minimum is 8 KiB).
    pub max_buf_size: usize,
    /// Most headers accepted in one request.
    pub max_headers: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 16,
            header_read_timeout: Duration::from_secs(5),
            connection_lifetime: Duration::from_secs(60),
            tls_handshake_timeout: Duration::from_secs(5),
            max_buf_size: 16 * 1024,
            max_headers: 32,
        }
    }
}

/// The listener's validated settings: address, bearer token, TLS.
pub struct HttpSettings {
    /// Where to listen.
    pub addr: SocketAddr,
    token: Option<Secret>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    /// Resource limits.
    pub limits: Limits,
}

impl std::fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSettings")
            .field("addr", &self.addr)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("tls", &self.tls.is_some())
            .field("limits", &self.limits)
            .finish()
    }
}

/// The settings a listener's configuration errors name.
#[derive(Debug, Clone, Copy)]
pub struct SettingNames {
    /// The bearer token file setting.
    pub token_file: &'static str,
    /// The TLS certificate setting.
    pub tls_cert: &'static str,
    /// The TLS key setting.
    pub tls_key: &'static str,
}

/// The names of the monitoring listener's settings.
pub const METRICS_SETTINGS: SettingNames = SettingNames {
    token_file: "ARUBA_METRICS_TOKEN_FILE",
    tls_cert: "ARUBA_METRICS_TLS_CERT",
    tls_key: "ARUBA_METRICS_TLS_KEY",
};

impl HttpSettings {
    /// Reads the token file and the TLS certificate and key; `None` when the listener is off.
    /// Any problem is a configuration error naming the variable.
    pub fn load(settings: &MetricsSettings) -> Result<Option<HttpSettings>, ConfigError> {
        let Some(addr) = settings.addr else {
            return Ok(None);
        };
        HttpSettings::build(
            addr,
            settings.token_file.as_deref(),
            settings.tls.as_ref(),
            METRICS_SETTINGS,
            Limits::default(),
        )
        .map(Some)
    }

    /// A listener on `addr` with the bearer token in `token_file` and the TLS certificate and
    /// key in `tls`, if given; errors name the settings in `names`.
    pub fn build(
        addr: SocketAddr,
        token_file: Option<&Path>,
        tls: Option<&(PathBuf, PathBuf)>,
        names: SettingNames,
        limits: Limits,
    ) -> Result<HttpSettings, ConfigError> {
        let token = token_file
            .map(|path| read_token_file(path, names))
            .transpose()?;
        let tls = tls
            .map(|(cert, key)| tls_acceptor(cert, key, names))
            .transpose()?;
        Ok(HttpSettings {
            addr,
            token,
            tls,
            limits,
        })
    }

    /// Serves HTTPS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Requires a bearer token.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Whether `headers` carry the bearer token (always, when none is required); compared in
    /// constant time.
    pub fn authorised(&self, headers: &hyper::HeaderMap) -> bool {
        authorised(headers, self.token.as_ref())
    }
}

fn invalid(setting: &'static str, problem: String, expected: &'static str) -> ConfigError {
    ConfigError::Invalid {
        setting,
        origin: String::new(),
        problem,
        expected,
    }
}

fn read_token_file(path: &Path, names: SettingNames) -> Result<Secret, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        invalid(
            names.token_file,
            format!("cannot read {}: {e}", path.display()),
            "a readable file holding the bearer token",
        )
    })?;
    let token = text.trim();
    if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            names.token_file,
            format!("{} is empty or has spaces inside", path.display()),
            "a file holding one token without spaces",
        ));
    }
    Ok(Secret::new(token))
}

fn tls_acceptor(
    cert: &Path,
    key: &Path,
    names: SettingNames,
) -> Result<tokio_rustls::TlsAcceptor, ConfigError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            invalid(
                names.tls_cert,
                format!("cannot read a certificate from {}: {e}", cert.display()),
                "a PEM certificate chain file",
            )
        })?;
    if certs.is_empty() {
        return Err(invalid(
            names.tls_cert,
            format!("{} holds no certificate", cert.display()),
            "a PEM certificate chain file",
        ));
    }
    let private_key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        invalid(
            names.tls_key,
            format!("cannot read a private key from {}: {e}", key.display()),
            "a PEM private key file (PKCS#8, PKCS#1 or SEC1)",
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Inconsistent(format!("TLS setup failed: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, private_key)
        .map_err(|e| {
            invalid(
                names.tls_key,
                format!("the key does not fit the certificate: {e}"),
                "the private key of the certificate",
            )
        })?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Accepts connections on `listener` until the runtime stops, serving the monitoring endpoints.
pub async fn serve(
    listener: TcpListener,
    settings: Arc<HttpSettings>,
    endpoints: Arc<dyn Endpoints>,
) {
    let shared = Arc::clone(&settings);
    serve_with(listener, settings, "metrics listener", move |peer| {
        let settings = Arc::clone(&shared);
        let endpoints = Arc::clone(&endpoints);
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let response = respond(&request, &settings, endpoints.as_ref());
            tracing::debug!(
                %peer,
                method = %request.method(),
                path = route_label(request.uri().path()),
                status = response.status().as_u16(),
                "metrics listener request"
            );
            std::future::ready(Ok::<_, Infallible>(response))
        })
    })
    .await;
}

/// Accepts connections on `listener` until the runtime stops (or the task is aborted), and
/// serves each with the hyper service `make_service(peer)` within `settings`' limits and TLS.
/// `name` labels the log lines.
pub async fn serve_with<M, S, B>(
    listener: TcpListener,
    settings: Arc<HttpSettings>,
    name: &'static str,
    make_service: M,
) where
    M: Fn(SocketAddr) -> S + Send + Sync + 'static,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let slots = Arc::new(Semaphore::new(settings.limits.max_connections));
    let make_service = Arc::new(make_service);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(error = %e, "{name}: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::debug!(%peer, "{name}: too many connections; closing this one");
            drop(stream);
            continue;
        };
        let settings = Arc::clone(&settings);
        let service = make_service(peer);
        tokio::spawn(async move {
            let _slot = slot;
            let limits = settings.limits;
            match &settings.tls {
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(limits.tls_handshake_timeout, acceptor.accept(stream))
                            .await;
                    match handshake {
                        Ok(Ok(tls)) => connection(tls, peer, limits, name, service).await,
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "{name}: TLS handshake failed")
                        }
                        Err(_) => tracing::debug!(%peer, "{name}: TLS handshake timed out"),
                    }
                }
                None => connection(stream, peer, limits, name, service).await,
            }
        });
    }
}

/// Serves HTTP/1 requests on one connection within the limits.
async fn connection<IO, S, B>(io: IO, peer: SocketAddr, limits: Limits, name: &str, service: S)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>, Error = Infallible>,
    B: hyper::body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_buf_size)
        .max_headers(limits.max_headers);
    let served = builder.serve_connection(TokioIo::new(io), service);
    match tokio::time::timeout(limits.connection_lifetime, served).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "{name}: connection ended"),
        Err(_) => tracing::debug!(%peer, "{name}: connection reached its lifetime"),
    }
}

/// The path for logs: one of ours, or `other` (never an attacker's arbitrary string).
fn route_label(path: &str) -> &'static str {
    match path {
        "/" => "/",
        "/metrics" => "/metrics",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        _ => "other",
    }
}

const LANDING_PAGE: &str = "<!doctype html>\n<html><head><title>aruba-noc-mcp</title></head>\n<body><h1>aruba-noc-mcp</h1>\n<p>MCP server for HPE Aruba Networking Central.</p>\n<ul>\n<li><a href=\"metrics\">/metrics</a>: Prometheus metrics</li>\n<li><a href=\"healthz\">/healthz</a>: the process is alive</li>\n<li><a href=\"readyz\">/readyz</a>: ready to serve (token and circuit breaker)</li>\n</ul></body></html>\n";

fn reply(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn authorised(headers: &hyper::HeaderMap, token: Option<&Secret>) -> bool {
    let Some(token) = token else {
        return true;
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .unwrap_or("");
    constant_time_eq(presented.trim().as_bytes(), token.expose().as_bytes())
}

/// The response to one request.
fn respond(
    request: &Request<Incoming>,
    settings: &HttpSettings,
    endpoints: &dyn Endpoints,
) -> Response<Full<Bytes>> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut r = reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "only GET and HEAD\n",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    if !settings.authorised(request.headers()) {
        let mut r = reply(
            StatusCode::UNAUTHORIZED,
            "text/plain; charset=utf-8",
            "a bearer token is required (ARUBA_METRICS_TOKEN_FILE)\n",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"aruba-noc-mcp\""),
        );
        return r;
    }
    match request.uri().path() {
        "/metrics" => reply(
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            endpoints.metrics(),
        ),
        "/healthz" => reply(StatusCode::OK, "text/plain; charset=utf-8", "ok\n"),
        "/readyz" => {
            let (ready, body) = endpoints.readiness();
            let status = if ready {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            reply(status, "application/json", body)
        }
        "/" => reply(StatusCode::OK, "text/html; charset=utf-8", LANDING_PAGE),
        _ => reply(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "not found; see / for the endpoints\n",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3cres"));
        assert!(!constant_time_eq(b"s3cret", b"s3cret!"));
        assert!(!constant_time_eq(b"", b"x"));
    }

    #[test]
    fn logs_only_known_paths() {
        assert_eq!(route_label("/metrics"), "/metrics");
        assert_eq!(route_label("/metrics/../../etc/passwd"), "other");
    }

    #[test]
    fn token_and_tls_files_are_validated_naming_the_variable() {
        let dir = std::env::temp_dir().join(format!("aruba-http-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty");
        std::fs::write(&empty, "  \n").unwrap();
        let settings = |token: Option<&Path>, tls: Option<(&Path, &Path)>| MetricsSettings {
            addr: Some("127.0.0.1:0".parse().unwrap()),
            token_file: token.map(Path::to_path_buf),
            tls: tls.map(|(c, k)| (c.to_path_buf(), k.to_path_buf())),
        };
        let err = HttpSettings::load(&settings(Some(&empty), None)).unwrap_err();
        assert!(
            err.to_string().contains("ARUBA_METRICS_TOKEN_FILE"),
            "{err}"
        );
        let err = HttpSettings::load(&settings(Some(&dir.join("missing")), None)).unwrap_err();
        assert!(
            err.to_string().contains("ARUBA_METRICS_TOKEN_FILE"),
            "{err}"
        );
        let err = HttpSettings::load(&settings(None, Some((&empty, &empty)))).unwrap_err();
        assert!(err.to_string().contains("ARUBA_METRICS_TLS_CERT"), "{err}");
        let good = dir.join("token");
        std::fs::write(&good, "abc123\n").unwrap();
        let ok = HttpSettings::load(&settings(Some(&good), None))
            .unwrap()
            .unwrap();
        assert!(ok.has_token() && !ok.is_tls());
        assert!(!format!("{ok:?}").contains("abc123"));
        let off = MetricsSettings {
            addr: None,
            token_file: None,
            tls: None,
        };
        assert!(HttpSettings::load(&off).unwrap().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
