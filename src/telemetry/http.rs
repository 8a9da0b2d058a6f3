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
use std::path::Path;
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

impl HttpSettings {
    /// Reads the token file and the TLS certificate and key; `None` when the listener is off.
    /// Any problem is a configuration error naming the variable.
    pub fn load(settings: &MetricsSettings) -> Result<Option<HttpSettings>, ConfigError> {
        let Some(addr) = settings.addr else {
            return Ok(None);
        };
        let token = settings
            .token_file
            .as_deref()
            .map(read_token_file)
            .transpose()?;
        let tls = settings
            .tls
            .as_ref()
            .map(|(cert, key)| tls_acceptor(cert, key))
            .transpose()?;
        Ok(Some(HttpSettings {
            addr,
            token,
            tls,
            limits: Limits::default(),
        }))
    }

    /// Serves HTTPS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Requires a bearer token.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
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

fn read_token_file(path: &Path) -> Result<Secret, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        invalid(
            "ARUBA_METRICS_TOKEN_FILE",
            format!("cannot read {}: {e}", path.display()),
            "a readable file holding the bearer token",
        )
    })?;
    let token = text.trim();
    if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            "ARUBA_METRICS_TOKEN_FILE",
            format!("{} is empty or has spaces inside", path.display()),
            "a file holding one token without spaces",
        ));
    }
    Ok(Secret::new(token))
}

fn tls_acceptor(cert: &Path, key: &Path) -> Result<tokio_rustls::TlsAcceptor, ConfigError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            invalid(
                "ARUBA_METRICS_TLS_CERT",
                format!("cannot read a certificate from {}: {e}", cert.display()),
                "a PEM certificate chain file",
            )
        })?;
    if certs.is_empty() {
        return Err(invalid(
            "ARUBA_METRICS_TLS_CERT",
            format!("{} holds no certificate", cert.display()),
            "a PEM certificate chain file",
        ));
    }
    let private_key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        invalid(
            "ARUBA_METRICS_TLS_KEY",
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
                "ARUBA_METRICS_TLS_KEY",
                format!("the key does not fit the certificate: {e}"),
                "the private key of the certificate in ARUBA_METRICS_TLS_CERT",
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

/// Accepts connections on `listener` until the runtime stops.
pub async fn serve(
    listener: TcpListener,
    settings: Arc<HttpSettings>,
    endpoints: Arc<dyn Endpoints>,
) {
    let slots = Arc::new(Semaphore::new(settings.limits.max_connections));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(error = %e, "metrics listener accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::debug!(%peer, "metrics listener: too many connections; closing this one");
            drop(stream);
            continue;
        };
        let settings = Arc::clone(&settings);
        let endpoints = Arc::clone(&endpoints);
        tokio::spawn(async move {
            let _slot = slot;
            let limits = settings.limits;
            match &settings.tls {
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(limits.tls_handshake_timeout, acceptor.accept(stream))
                            .await;
                    match handshake {
                        Ok(Ok(tls)) => connection(tls, peer, settings, endpoints).await,
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "metrics listener: TLS handshake failed")
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "metrics listener: TLS handshake timed out")
                        }
                    }
                }
                None => connection(stream, peer, settings, endpoints).await,
            }
        });
    }
}

/// Serves HTTP/1 requests on one connection within the limits.
async fn connection<IO>(
    io: IO,
    peer: SocketAddr,
    settings: Arc<HttpSettings>,
    endpoints: Arc<dyn Endpoints>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = settings.limits;
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let response = respond(&request, &settings, endpoints.as_ref());
        tracing::debug!(
            %peer,
            method = %request.method(),
            path = route_label(request.uri().path()),
            status = response.status().as_u16(),
            "metrics listener request"
        );
        std::future::ready(Ok::<_, Infallible>(response))
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_buf_size)
        .max_headers(limits.max_headers);
    let served = builder.serve_connection(TokioIo::new(io), service);
    match tokio::time::timeout(limits.connection_lifetime, served).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "metrics listener connection ended"),
        Err(_) => tracing::debug!(%peer, "metrics listener connection reached its lifetime"),
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

fn authorised(request: &Request<Incoming>, token: Option<&Secret>) -> bool {
    let Some(token) = token else {
        return true;
    };
    let presented = request
        .headers()
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
    if !authorised(request, settings.token.as_ref()) {
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
