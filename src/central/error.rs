//! Errors of the Central call pipeline.
//!
//! Every failure says which call failed (method and route template), and, for an HTTP error, the
//! status and Central's `errorCode`, `message` and `debugId` from its error envelope. No variant
//! ever holds a token or a client secret.

use serde_json::Value;

use std::time::Duration;

use super::transport::TransportError;
use crate::resilience::{LimiterError, Rejection};

/// Central's error envelope (`httpStatusCode`, `errorCode`, `message`, `debugId`), all optional
/// because the troubleshooting and token endpoints send smaller shapes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorEnvelope {
    /// `errorCode`, e.g. `HPE_GL_ERROR_NOT_FOUND` (or OAuth2's `error`, e.g. `invalid_client`).
    pub error_code: Option<String>,
    /// `message` (or OAuth2's `error_description`).
    pub message: Option<String>,
    /// `debugId`, the id HPE support asks for.
    pub debug_id: Option<String>,
}

impl ErrorEnvelope {
    /// Parses an error body; when it is not JSON, keeps up to 200 characters of the text.
    pub fn parse(body: &[u8]) -> ErrorEnvelope {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => {
                let text = |keys: &[&str]| {
                    keys.iter().find_map(|k| match map.get(*k) {
                        Some(Value::String(s)) if !s.is_empty() => Some(truncate(s, 512)),
                        Some(Value::Number(n)) => Some(n.to_string()),
                        _ => None,
                    })
                };
                ErrorEnvelope {
                    error_code: text(&["errorCode", "error"]),
                    message: text(&["message", "error_description", "detail"]),
                    debug_id: text(&["debugId"]),
                }
            }
            _ => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                ErrorEnvelope {
                    message: (!text.is_empty()).then(|| truncate(text, 200)),
                    ..ErrorEnvelope::default()
                }
            }
        }
    }

    fn describe(&self) -> String {
        let mut out = String::new();
        if let Some(code) = &self.error_code {
            out.push(' ');
            out.push_str(code);
        }
        if let Some(message) = &self.message {
            out.push_str(": ");
            out.push_str(message);
        }
        if let Some(id) = &self.debug_id {
            out.push_str(" (debugId ");
            out.push_str(id);
            out.push(')');
        }
        out
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A failed call to Central.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// No usable credentials are configured.
    #[error("Central credentials are not configured: {reason}")]
    NotConfigured {
        /// What to set.
        reason: String,
    },
    /// The OAuth2 token endpoint refused or failed.
    #[error("getting an access token from {token_url} failed: HTTP {status}{}", envelope.describe())]
    TokenRejected {
        /// The token endpoint (no secrets in it).
        token_url: String,
        /// HTTP status.
        status: u16,
        /// `error` / `error_description` of the OAuth2 error body.
        envelope: ErrorEnvelope,
    },
    /// The token endpoint could not be reached or answered nonsense.
    #[error("getting an access token from {token_url} failed: {detail}")]
    TokenUnavailable {
        /// The token endpoint.
        token_url: String,
        /// What happened.
        detail: String,
    },
    /// A static `ARUBA_ACCESS_TOKEN` was rejected and no client credentials can replace it.
    #[error(
        "{call} was rejected with HTTP 401: the configured ARUBA_ACCESS_TOKEN is expired or invalid; \
         set a fresh token, or set ARUBA_CLIENT_ID and ARUBA_CLIENT_SECRET so tokens are renewed automatically"
    )]
    StaticTokenRejected {
        /// `GET /network-monitoring/v1/...`
        call: String,
    },
    /// Central answered with an HTTP error status.
    #[error("{call} failed: HTTP {status}{}", envelope.describe())]
    Http {
        /// Method and route template.
        call: String,
        /// HTTP status.
        status: u16,
        /// Central's error envelope.
        envelope: ErrorEnvelope,
        /// `Retry-After` seconds when Central sent one.
        retry_after: Option<String>,
    },
    /// No HTTP response: connection, timeout, body cap, busy queue.
    #[error("{call} failed: {source}")]
    Transport {
        /// Method and route template.
        call: String,
        /// What went wrong.
        #[source]
        source: TransportError,
    },
    /// A 2xx answer whose body is not the JSON Central documents.
    #[error("{call} returned a body that is not JSON: {detail}")]
    InvalidResponse {
        /// Method and route template.
        call: String,
        /// Parse error and the start of the body.
        detail: String,
    },
    /// The request could not be built (e.g. an empty path parameter).
    #[error("cannot build {call}: {detail}")]
    InvalidRequest {
        /// Method and route template.
        call: String,
        /// What is wrong.
        detail: String,
    },
    /// The circuit breaker is open or probing: the request was not sent.
    #[error("{call} was not sent: {rejection}")]
    CircuitOpen {
        /// Method and route template.
        call: String,
        /// Open (with the time left) or a probe in flight.
        rejection: Rejection,
    },
    /// The client-side rate limit has no token before the call's deadline: the request was not
    /// sent.
    #[error("{call} was not sent: {source}")]
    Throttled {
        /// Method and route template.
        call: String,
        /// The limiter's verdict.
        #[source]
        source: LimiterError,
    },
    /// The tool call's deadline passed before Central answered.
    #[error("{call} did not complete within the call deadline of {} s (ARUBA_CALL_DEADLINE); {attempts} attempt(s) made", deadline.as_secs())]
    DeadlineExceeded {
        /// Method and route template.
        call: String,
        /// The configured deadline.
        deadline: Duration,
        /// Upstream attempts started.
        attempts: u32,
    },
    /// The last of several attempts failed; the retries are spent.
    #[error("{last} (gave up after {attempts} attempts)")]
    Retried {
        /// Attempts made.
        attempts: u32,
        /// The last attempt's failure.
        #[source]
        last: Box<ApiError>,
    },
}

impl ApiError {
    /// The HTTP status Central answered, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Retried { last, .. } => last.status(),
            ApiError::Http { status, .. } | ApiError::TokenRejected { status, .. } => Some(*status),
            ApiError::StaticTokenRejected { .. } => Some(401),
            _ => None,
        }
    }

    /// Central's `errorCode`, when there was one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            ApiError::Retried { last, .. } => last.error_code(),
            ApiError::Http { envelope, .. } | ApiError::TokenRejected { envelope, .. } => {
                envelope.error_code.as_deref()
            }
            _ => None,
        }
    }

    /// A bounded label for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::NotConfigured { .. } => "not_configured",
            ApiError::TokenRejected { .. }
            | ApiError::TokenUnavailable { .. }
            | ApiError::StaticTokenRejected { .. } => "auth",
            ApiError::Http { status, .. } => match status {
                400..=499 => "http_4xx",
                _ => "http_5xx",
            },
            ApiError::Transport { source, .. } => match source {
                TransportError::Busy { .. } => "busy",
                TransportError::Timeout(_) => "timeout",
                TransportError::Connect(_) => "connect",
                TransportError::BodyTooLarge { .. } => "body_too_large",
                TransportError::Stopped | TransportError::Io(_) => "io",
            },
            ApiError::InvalidResponse { .. } => "invalid_response",
            ApiError::InvalidRequest { .. } => "invalid_request",
            ApiError::CircuitOpen { .. } => "circuit_open",
            ApiError::Throttled { .. } => "throttled",
            ApiError::DeadlineExceeded { .. } => "deadline",
            ApiError::Retried { last, .. } => last.kind(),
        }
    }

    /// What the user (or the model) can do about it, in one sentence.
    pub fn advice(&self) -> &'static str {
        match self {
            ApiError::NotConfigured { .. } => {
                "Configure credentials and restart the server (see the README's configuration table)."
            }
            ApiError::TokenRejected {
                status: 400..=401, ..
            } => {
                "Check ARUBA_CLIENT_ID / ARUBA_CLIENT_SECRET (a Personal API client for the Central service in HPE GreenLake) and ARUBA_TOKEN_URL."
            }
            ApiError::TokenRejected { .. } | ApiError::TokenUnavailable { .. } => {
                "The HPE token service is failing or unreachable; retry later and check ARUBA_TOKEN_URL and network access."
            }
            ApiError::StaticTokenRejected { .. } => {
                "Replace ARUBA_ACCESS_TOKEN or configure client credentials."
            }
            ApiError::Http { status, .. } => match status {
                400 => "Fix the arguments named in Central's message and call again.",
                401 => {
                    "Central did not accept a fresh token; check that the API client has the Central service and the right workspace."
                }
                403 => {
                    "The API client lacks permission for this data; grant it the needed role or scope in HPE GreenLake."
                }
                404 => "Check the identifier (list the items first to get a valid one).",
                409 => "The device is offline or busy; wait and try again.",
                429 => "Central is rate limiting; wait before calling again.",
                _ => {
                    "Central is failing; retry later and quote the debugId to HPE support if it persists."
                }
            },
            ApiError::Transport { source, .. } => match source {
                TransportError::Busy { .. } => "Too many calls are in flight; retry in a moment.",
                TransportError::BodyTooLarge { .. } => {
                    "Ask for a smaller page (lower `limit`) or raise ARUBA_MAX_RESPONSE_BYTES."
                }
                _ => {
                    "Central could not be reached; check network access and ARUBA_BASE_URL, then retry."
                }
            },
            ApiError::InvalidResponse { .. } => {
                "Central answered with an unexpected body; retry, and check ARUBA_BASE_URL points at the API gateway."
            }
            ApiError::InvalidRequest { .. } => "Correct the identifier and call again.",
            ApiError::CircuitOpen { .. } => {
                "Central failed repeatedly, so calls are paused to let it recover; wait the time given, then retry (check_server_health shows the breaker state)."
            }
            ApiError::Throttled { .. } => {
                "This server is pacing its calls to Central (ARUBA_RATE_LIMIT_REQUESTS per ARUBA_RATE_LIMIT_WINDOW, or a 429 from Central); retry after the time given."
            }
            ApiError::DeadlineExceeded { .. } => {
                "Central is slow or unreachable; retry later, ask for less data, or raise ARUBA_CALL_DEADLINE / ARUBA_API_TIMEOUT."
            }
            ApiError::Retried { last, .. } => last.advice(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_hpe_envelope() {
        let e = ErrorEnvelope::parse(
            br#"{"httpStatusCode":404,"errorCode":"HPE_GL_ERROR_NOT_FOUND","message":"Resource not found for the given input.","debugId":"78f0"}"#,
        );
        assert_eq!(e.error_code.as_deref(), Some("HPE_GL_ERROR_NOT_FOUND"));
        assert_eq!(
            e.message.as_deref(),
            Some("Resource not found for the given input.")
        );
        assert_eq!(e.debug_id.as_deref(), Some("78f0"));
    }

    #[test]
    fn parses_oauth_errors_and_plain_text() {
        let e = ErrorEnvelope::parse(
            br#"{"error":"invalid_client","error_description":"Invalid client"}"#,
        );
        assert_eq!(e.error_code.as_deref(), Some("invalid_client"));
        assert_eq!(e.message.as_deref(), Some("Invalid client"));
        let long = "x".repeat(500);
        let e = ErrorEnvelope::parse(long.as_bytes());
        assert_eq!(e.message.unwrap().chars().count(), 201);
        assert_eq!(ErrorEnvelope::parse(b""), ErrorEnvelope::default());
    }

    #[test]
    fn messages_name_the_call_status_and_envelope() {
        let err = ApiError::Http {
            call: "GET /network-monitoring/v1/aps/{serial-number}".into(),
            status: 404,
            envelope: ErrorEnvelope::parse(
                br#"{"errorCode":"HPE_GL_ERROR_NOT_FOUND","message":"nope","debugId":"abc"}"#,
            ),
            retry_after: None,
        };
        assert_eq!(
            err.to_string(),
            "GET /network-monitoring/v1/aps/{serial-number} failed: HTTP 404 HPE_GL_ERROR_NOT_FOUND: nope (debugId abc)"
        );
        assert_eq!(err.kind(), "http_4xx");
        assert_eq!(err.status(), Some(404));
    }
}
