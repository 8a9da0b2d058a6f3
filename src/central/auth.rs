//! Access tokens for Central: OAuth2 client credentials or a static token.
//!
//! The cached token is refreshed before it expires (when less than the refresh buffer remains) and
//! after Central rejects it with 401. Refreshing is single-flight: however many calls need a token
//! at once, one request goes to the token endpoint and the others wait for its answer. A 401 only
//! invalidates the token it was issued with, so a burst of 401s for the same stale token causes
//! one refresh, not one per call.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tracing::Instrument;

use super::error::{ApiError, ErrorEnvelope};
use super::routes::encode_query_component;
use super::transport::{HttpRequest, Method, Transport};
use crate::config::{Credentials, Secret};
use crate::telemetry::metrics as telemetry;

/// Lifetime assumed when the token endpoint omits `expires_in` (HPE documents 2 hours).
const DEFAULT_EXPIRES_IN: Duration = Duration::from_secs(7200);
/// Longest token lifetime believed (Central issues two-hour tokens).
const MAX_EXPIRES_IN: Duration = Duration::from_secs(86_400);

/// A bearer token and the generation it belongs to.
#[derive(Clone, Debug)]
pub struct Bearer {
    /// The token.
    pub value: Secret,
    /// Increases with every new token; a 401 names the generation it rejected.
    pub generation: u64,
}

#[derive(Clone, Debug)]
struct Cached {
    bearer: Bearer,
    /// Refresh proactively from this instant on (`None`: never, a static token).
    refresh_at: Option<Instant>,
    /// The token is unusable from this instant on.
    expires_at: Option<Instant>,
}

/// What health checks need to know about the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenStatus {
    /// A token is cached.
    pub has_token: bool,
    /// Time left before it expires, when known.
    pub expires_in: Option<Duration>,
    /// Client credentials are configured, so tokens can be renewed.
    pub renewable: bool,
    /// Why the last token request failed, until one succeeds.
    pub last_error: Option<String>,
}

/// The token cache.
#[derive(Debug)]
pub struct Auth {
    token_url: String,
    credentials: Mutex<Credentials>,
    refresh_buffer: Duration,
    timeout: Duration,
    cached: Mutex<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
    generation: AtomicU64,
    token_requests: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl Auth {
    /// A cache for `credentials`; a static token, when configured, is used until rejected.
    pub fn new(
        token_url: String,
        credentials: Credentials,
        refresh_buffer: Duration,
        timeout: Duration,
    ) -> Auth {
        let cached = credentials.access_token.clone().map(|value| Cached {
            bearer: Bearer {
                value,
                generation: 1,
            },
            refresh_at: None,
            expires_at: None,
        });
        Auth {
            token_url,
            credentials: Mutex::new(credentials),
            refresh_buffer,
            timeout,
            cached: Mutex::new(cached),
            refresh: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(1),
            token_requests: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }

    /// The token endpoint.
    pub fn token_url(&self) -> &str {
        &self.token_url
    }

    /// Requests sent to the token endpoint so far.
    pub fn token_requests(&self) -> u64 {
        self.token_requests.load(Ordering::Relaxed)
    }

    /// Why no call can be authenticated, if that is so.
    pub fn missing_reason(&self) -> Option<String> {
        self.credentials().missing_reason()
    }

    /// The credentials in use now (a copy; secrets stay wrapped in [`Secret`]).
    fn credentials(&self) -> Credentials {
        match self.credentials.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the credentials (the daemon's reload). New client credentials are used from the
    /// next token request on; the cached token stays valid until it expires or is rejected. A
    /// changed static token replaces the cached one at once. Returns whether anything changed.
    pub fn replace_credentials(&self, credentials: Credentials) -> bool {
        let previous = self.credentials();
        if previous == credentials {
            return false;
        }
        let token_changed = previous.access_token != credentials.access_token;
        let new_static = credentials.access_token.clone();
        match self.credentials.lock() {
            Ok(mut guard) => *guard = credentials,
            Err(poisoned) => *poisoned.into_inner() = credentials,
        }
        if token_changed {
            let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
            self.store(new_static.map(|value| Cached {
                bearer: Bearer { value, generation },
                refresh_at: None,
                expires_at: None,
            }));
        }
        true
    }

    /// State of the cached token.
    pub fn status(&self) -> TokenStatus {
        let cached = self.snapshot();
        let now = Instant::now();
        TokenStatus {
            has_token: cached
                .as_ref()
                .is_some_and(|c| c.expires_at.is_none_or(|e| e > now)),
            expires_in: cached
                .and_then(|c| c.expires_at)
                .map(|e| e.saturating_duration_since(now)),
            renewable: self.credentials().has_client_credentials(),
            last_error: match self.last_error.lock() {
                Ok(guard) => guard.clone(),
                Err(poisoned) => poisoned.into_inner().clone(),
            },
        }
    }

    fn set_last_error(&self, error: Option<String>) {
        match self.last_error.lock() {
            Ok(mut guard) => *guard = error,
            Err(poisoned) => *poisoned.into_inner() = error,
        }
    }

    fn snapshot(&self) -> Option<Cached> {
        match self.cached.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn store(&self, value: Option<Cached>) {
        match self.cached.lock() {
            Ok(mut guard) => *guard = value,
            Err(poisoned) => *poisoned.into_inner() = value,
        }
    }

    /// A fresh cached token, if there is one that needs no refresh.
    fn fresh(&self) -> Option<Bearer> {
        let cached = self.snapshot()?;
        let now = Instant::now();
        cached
            .refresh_at
            .is_none_or(|at| at > now)
            .then_some(cached.bearer)
    }

    /// A token for the next request: the cached one, or a new one (single-flight).
    pub async fn bearer(&self, transport: &Transport) -> Result<Bearer, ApiError> {
        if let Some(bearer) = self.fresh() {
            return Ok(bearer);
        }
        let _turn = self.refresh.lock().await;
        // Someone else may have refreshed while this call waited for its turn.
        if let Some(bearer) = self.fresh() {
            metrics::counter!(telemetry::OAUTH2_CONCURRENT_REFRESH_PREVENTED).increment(1);
            return Ok(bearer);
        }
        let previous = self.snapshot();
        match self.fetch(transport).await {
            Ok(bearer) => Ok(bearer),
            Err(error) => {
                // A proactive refresh failed, but the old token has not expired yet: keep using it.
                let now = Instant::now();
                match previous {
                    Some(c) if c.expires_at.is_some_and(|e| e > now) => {
                        tracing::warn!(error = %error, "token refresh failed; using the current token until it expires");
                        Ok(c.bearer)
                    }
                    _ => Err(error),
                }
            }
        }
    }

    /// Central rejected `rejected` with 401: get a different token (single-flight), or explain why
    /// there cannot be one. `call` names the rejected request for the error message.
    pub async fn renew_after_rejection(
        &self,
        rejected: &Bearer,
        transport: &Transport,
        call: &str,
    ) -> Result<Bearer, ApiError> {
        let _turn = self.refresh.lock().await;
        if let Some(current) = self.snapshot()
            && current.bearer.generation != rejected.generation
            && current.expires_at.is_none_or(|e| e > Instant::now())
        {
            metrics::counter!(telemetry::OAUTH2_CONCURRENT_REFRESH_PREVENTED).increment(1);
            return Ok(current.bearer);
        }
        if !self.credentials().has_client_credentials() {
            return Err(ApiError::StaticTokenRejected {
                call: call.to_string(),
            });
        }
        self.store(None);
        self.fetch(transport).await
    }

    /// Requests a token from the token endpoint and caches it, counting the outcome, in a
    /// `token_refresh` span. Callers hold the refresh lock.
    async fn fetch(&self, transport: &Transport) -> Result<Bearer, ApiError> {
        let span = tracing::info_span!(
            "token_refresh",
            outcome = tracing::field::Empty,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self.request_token(transport).instrument(span.clone()).await;
        let elapsed = started.elapsed();
        span.record("elapsed_ms", elapsed.as_secs_f64() * 1000.0);
        match &result {
            Ok(_) => {
                span.record("outcome", "ok");
                span.record("status", 200u16);
                self.set_last_error(None);
                metrics::counter!(telemetry::OAUTH2_TOKEN_REFRESHES_TOTAL).increment(1);
            }
            Err(error) => {
                span.record("outcome", "error");
                if let Some(status) = error.status() {
                    span.record("status", status);
                }
                self.set_last_error(Some(error.to_string()));
                metrics::counter!(telemetry::OAUTH2_TOKEN_REFRESH_FAILURES).increment(1);
                span.in_scope(|| tracing::warn!(error = %error, "access token request failed"));
            }
        }
        // Only requests that reached the token endpoint say something about its latency.
        if !matches!(result, Err(ApiError::NotConfigured { .. })) {
            metrics::histogram!(telemetry::OAUTH2_TOKEN_REFRESH_DURATION_SECONDS)
                .record(elapsed.as_secs_f64());
        }
        result
    }

    async fn request_token(&self, transport: &Transport) -> Result<Bearer, ApiError> {
        let credentials = self.credentials();
        let (Some(id), Some(secret)) = (&credentials.client_id, &credentials.client_secret) else {
            return Err(ApiError::NotConfigured {
                reason: credentials
                    .missing_reason()
                    .unwrap_or_else(|| "client credentials are missing".to_string()),
            });
        };
        let body = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            encode_query_component(id),
            encode_query_component(secret.expose())
        );
        self.token_requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let response = transport
            .send(HttpRequest {
                method: Method::Post,
                url: self.token_url.clone(),
                headers: vec![
                    (
                        "Content-Type",
                        "application/x-www-form-urlencoded".to_string(),
                    ),
                    ("Accept", "application/json".to_string()),
                ],
                body: Some(body.into_bytes()),
                timeout: self.timeout,
            })
            .await
            .map_err(|e| ApiError::TokenUnavailable {
                token_url: self.token_url.clone(),
                detail: e.to_string(),
            })?;
        if response.status != 200 {
            return Err(ApiError::TokenRejected {
                token_url: self.token_url.clone(),
                status: response.status,
                envelope: ErrorEnvelope::parse(&response.body),
            });
        }
        let (token, expires_in) =
            parse_token_response(&response.body).map_err(|detail| ApiError::TokenUnavailable {
                token_url: self.token_url.clone(),
                detail,
            })?;
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let buffer = self.refresh_buffer.min(expires_in / 2);
        let bearer = Bearer {
            value: Secret::new(token),
            generation,
        };
        self.store(Some(Cached {
            bearer: bearer.clone(),
            refresh_at: Some(started + expires_in.saturating_sub(buffer)),
            expires_at: Some(started + expires_in),
        }));
        tracing::info!(
            expires_in_s = expires_in.as_secs(),
            generation,
            "obtained a Central access token"
        );
        Ok(bearer)
    }
}

/// Reads `access_token` and `expires_in` (number or numeric string) from a token response.
fn parse_token_response(body: &[u8]) -> Result<(String, Duration), String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the token response is not JSON ({e})"))?;
    let token = value
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or("the token response has no access_token")?;
    let seconds = match value.get("expires_in") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    // A lifetime that is not a positive number (NaN, "inf", 1e300) is ignored; a huge one is
    // capped so `now + expires_in` cannot overflow.
    let expires_in = seconds
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .map_or(DEFAULT_EXPIRES_IN, |d| d.min(MAX_EXPIRES_IN));
    Ok((token.to_string(), expires_in))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_response_parsing() {
        let (t, e) = parse_token_response(
            br#"{"access_token":"abc","token_type":"Bearer","expires_in":7199}"#,
        )
        .unwrap();
        assert_eq!(t, "abc");
        assert_eq!(e, Duration::from_secs(7199));
        let (_, e) = parse_token_response(br#"{"access_token":"abc","expires_in":"900"}"#).unwrap();
        assert_eq!(e, Duration::from_secs(900));
        let (_, e) = parse_token_response(br#"{"access_token":"abc"}"#).unwrap();
        assert_eq!(e, DEFAULT_EXPIRES_IN);
        assert!(parse_token_response(br#"{"token":"abc"}"#).is_err());
        // Lifetimes that used to panic converting to a Duration or adding it to now.
        for body in [
            r#"{"access_token":"a","expires_in":1e300}"#,
            r#"{"access_token":"a","expires_in":"inf"}"#,
            r#"{"access_token":"a","expires_in":"NaN"}"#,
            r#"{"access_token":"a","expires_in":18446744073709551615}"#,
        ] {
            let (_, e) = parse_token_response(body.as_bytes()).unwrap();
            assert!(
                e == MAX_EXPIRES_IN || e == DEFAULT_EXPIRES_IN,
                "{body}: {e:?}"
            );
        }
        let (_, e) = parse_token_response(br#"{"access_token":"a","expires_in":1e9}"#).unwrap();
        assert_eq!(e, MAX_EXPIRES_IN);
        assert!(parse_token_response(b"<html>").is_err());
    }

    #[test]
    fn a_static_token_is_used_as_is() {
        let auth = Auth::new(
            "http://127.0.0.1:1/token".into(),
            Credentials {
                access_token: Some(Secret::new("static")),
                ..Credentials::default()
            },
            Duration::from_secs(120),
            Duration::from_secs(5),
        );
        let fresh = auth.fresh().unwrap();
        assert_eq!(fresh.value.expose(), "static");
        let status = auth.status();
        assert!(status.has_token && !status.renewable && status.expires_in.is_none());
    }
}
