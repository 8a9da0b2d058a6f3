//! Fault injection at run time: the active [`FaultSpec`] with its per-rule counters, the
//! choice of the rule for each request, and the faulted answers.
//!
//! The server asks [`Faults::decide`] once per API request (admin routes never), then turns
//! the chosen [`FaultMode`] into an [`Action`] with [`action`]. Ratios are drawn from one
//! SplitMix64 stream per rule, seeded from the simulator seed and the rule's position, so the
//! same seed, spec and request sequence fail the same requests. Replacing the spec resets the
//! counters and the streams.

use std::time::{Duration, UNIX_EPOCH};

use super::faults::FaultMode;
use super::journal::now_unix_ms;
use super::ratelimit::HOURLY_LIMIT;
use super::response::{ApiError, SimResponse};
use super::router::SimRequest;
use super::state::State;

/// What the server does with a faulted request.
#[derive(Debug)]
pub(crate) enum Action {
    /// Answer this instead of routing the request.
    Replace(SimResponse),
    /// Route normally, then wait this long before answering.
    Delay(Duration),
    /// Route normally, then send the headers and only part of the body, and close.
    Truncate,
    /// Route normally, issuing tokens with this lifetime.
    TokenLifetime(Duration),
    /// Send nothing for this long, then close the connection.
    Stall(Duration),
    /// Close the connection at once.
    Reset,
}

/// Turn `mode` into what the server must do for `req` (revoking the token for
/// `unauthorized-once`).
pub(crate) fn action(state: &State, mode: FaultMode, req: &SimRequest) -> Action {
    let envelope = |e: ApiError| e.into_response(state.debug_ids.next_id());
    match mode {
        FaultMode::Error { status, .. } => {
            let mut resp = envelope(ApiError::with_status(
                status,
                format!("Injected fault: the service answered {status}"),
            ));
            if super::tokens::is_bearer_path(&req.raw_path) {
                resp.headers.extend(state.rate.hit(now_unix_ms()));
            }
            Action::Replace(resp)
        }
        FaultMode::RateLimit { secs } => Action::Replace(
            envelope(ApiError::too_many_requests("Rate limit exceeded."))
                .with_header("retry-after", secs.to_string())
                .with_header("x-ratelimit-limit", HOURLY_LIMIT.to_string())
                .with_header("x-ratelimit-remaining", "0")
                .with_header("x-ratelimit-reset", reset_at(secs)),
        ),
        FaultMode::RateLimitReset { secs } => Action::Replace(
            envelope(ApiError::too_many_requests("Rate limit exceeded."))
                .with_header("x-ratelimit-reset", reset_at(secs)),
        ),
        FaultMode::Latency { ms } => Action::Delay(Duration::from_millis(ms)),
        FaultMode::Stall { ms } => Action::Stall(Duration::from_millis(ms)),
        FaultMode::Reset => Action::Reset,
        FaultMode::Truncate => Action::Truncate,
        FaultMode::Garbage => Action::Replace(garbage()),
        FaultMode::Oversize { bytes } => Action::Replace(oversize(bytes)),
        FaultMode::TokenDown { status } => {
            let (error, text) = match status {
                401 => (
                    "invalid_client",
                    "Invalid client or Invalid client credentials",
                ),
                400..=499 => ("invalid_request", "The token request was refused"),
                503 => (
                    "temporarily_unavailable",
                    "The authorization server is temporarily unavailable",
                ),
                _ => ("server_error", "The authorization server failed"),
            };
            Action::Replace(super::tokens::oauth_error(status, error, text))
        }
        FaultMode::TokenExpiry { secs } => Action::TokenLifetime(Duration::from_secs(secs)),
        FaultMode::UnauthorizedOnce => {
            if let Some(token) = super::tokens::bearer_token(req) {
                state.tokens().revoke(token);
            }
            Action::Replace(envelope(ApiError::unauthorized(
                "The access token has been revoked; request a new one",
            )))
        }
    }
}

/// `X-RateLimit-Reset` for `secs` from now: RFC 3339, whole seconds, rounded up.
fn reset_at(secs: u64) -> String {
    let at_ms = now_unix_ms().saturating_add(secs.saturating_mul(1000));
    let at = UNIX_EPOCH + Duration::from_secs(at_ms.div_ceil(1000));
    humantime::format_rfc3339_seconds(at).to_string()
}

/// A 200 HTML error page, as a misbehaving proxy might send.
fn garbage() -> SimResponse {
    let html = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\
<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream \
server.</p></body></html>\n";
    SimResponse {
        status: 200,
        headers: vec![("content-type", "text/html; charset=utf-8".to_string())],
        body: bytes::Bytes::from_static(html.as_bytes()),
    }
}

/// A 200 JSON list envelope padded to at least `bytes` bytes.
fn oversize(bytes: u64) -> SimResponse {
    let head = br#"{"items":[],"count":0,"total":0,"next":null,"padding":""#;
    let tail = br#""}"#;
    let fixed = head.len() + tail.len();
    let pad = usize::try_from(bytes)
        .unwrap_or(usize::MAX)
        .saturating_sub(fixed);
    let mut body = Vec::with_capacity(fixed + pad);
    body.extend_from_slice(head);
    body.resize(head.len() + pad, b'x');
    body.extend_from_slice(tail);
    SimResponse {
        status: 200,
        headers: vec![("content-type", "application/json".to_string())],
        body: bytes::Bytes::from(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn oversize_is_valid_json_of_at_least_the_size() {
        for n in [1u64, 10, 1000, 70_000] {
            let resp = oversize(n);
            assert!(resp.body.len() as u64 >= n);
            let v: Value = serde_json::from_slice(&resp.body).expect("json");
            assert_eq!(v["count"], 0);
        }
        assert_eq!(oversize(5000).body.len(), 5000);
    }

    #[test]
    fn reset_time_is_rfc3339_seconds() {
        let t = reset_at(5);
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z'));
    }
}
