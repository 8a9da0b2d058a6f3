//! Fault injection at run time: the active [`FaultSpec`] with its per-rule counters, the
//! choice of the rule for each request, and the faulted answers.
//!
//! The server asks [`Faults::decide`] once per API request (admin routes never), then turns
//! the chosen [`FaultMode`] into an [`Action`] with [`action`]. Ratios are drawn from one
//! SplitMix64 stream per rule, seeded from the simulator seed and the rule's position, so the
//! same seed, spec and request sequence fail the same requests. Replacing the spec resets the
//! counters and the streams.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{Value, json};

use super::faults::{FaultMode, FaultSpec, RATIO_ONE};
use super::journal::now_unix_ms;
use super::prng::{SplitMix64, mix};
use super::ratelimit::HOURLY_LIMIT;
use super::response::{ApiError, SimResponse};
use super::router::SimRequest;
use super::state::State;

/// Domain separator of the ratio streams (so they differ from the dataset's).
const STREAM_SALT: u64 = 0xFA17_0000_0000_0001;

/// Counters of one rule.
#[derive(Debug)]
struct RuleState {
    hits: u64,
    rng: SplitMix64,
}

#[derive(Debug)]
struct Active {
    spec: FaultSpec,
    rules: Vec<RuleState>,
}

impl Active {
    fn new(seed: u64, spec: FaultSpec) -> Self {
        let rules = (0..spec.rules().len() as u64)
            .map(|i| RuleState {
                hits: 0,
                rng: SplitMix64::new(mix(seed ^ STREAM_SALT) ^ mix(i + 1)),
            })
            .collect();
        Self { spec, rules }
    }
}

/// The active fault rules of a simulator.
#[derive(Debug)]
pub(crate) struct Faults {
    seed: u64,
    active: Mutex<Active>,
}

impl Faults {
    /// `spec` active, counters at zero.
    pub(crate) fn new(seed: u64, spec: FaultSpec) -> Self {
        Self {
            seed,
            active: Mutex::new(Active::new(seed, spec)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Active> {
        self.active.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replace the active rules (counters and ratio streams start again).
    pub(crate) fn set(&self, spec: FaultSpec) {
        *self.lock() = Active::new(self.seed, spec);
    }

    /// The active spec.
    pub(crate) fn spec(&self) -> FaultSpec {
        self.lock().spec.clone()
    }

    /// `{"spec": "<canonical text>", "rules": [{"rule", "mode", "scope", "limit", "remaining",
    /// "hits"}]}` (`limit`/`remaining` are null for unlimited rules).
    pub(crate) fn status_json(&self) -> Value {
        let active = self.lock();
        let rules: Vec<Value> = active
            .spec
            .rules()
            .iter()
            .zip(&active.rules)
            .map(|(rule, st)| {
                json!({
                    "rule": rule.to_string(),
                    "mode": rule.mode.to_string(),
                    "scope": rule.scope,
                    "limit": rule.limit,
                    "remaining": rule.limit.map(|n| n.saturating_sub(st.hits)),
                    "hits": st.hits,
                })
            })
            .collect();
        json!({"spec": active.spec.to_string(), "rules": rules})
    }

    /// The fault for a request to `path` (`bearer_valid`: it carries a currently valid token),
    /// counting the hit on the rule that applies; `None` when no rule applies.
    pub(crate) fn decide(&self, path: &str, bearer_valid: bool) -> Option<FaultMode> {
        let mut active = self.lock();
        let Active { spec, rules } = &mut *active;
        for (rule, st) in spec.rules().iter().zip(rules.iter_mut()) {
            if !rule.covers(path) || rule.limit.is_some_and(|n| st.hits >= n) {
                continue;
            }
            match rule.mode {
                FaultMode::UnauthorizedOnce if !(bearer_valid && is_bearer_path(path)) => continue,
                FaultMode::Error { ratio_ppm, .. }
                    if ratio_ppm < RATIO_ONE
                        && st.rng.below(u64::from(RATIO_ONE)) >= u64::from(ratio_ppm) =>
                {
                    continue;
                }
                _ => {}
            }
            st.hits = st.hits.saturating_add(1);
            return Some(rule.mode);
        }
        None
    }
}

/// `true` for the paths that require a bearer token.
pub(crate) fn is_bearer_path(path: &str) -> bool {
    path.starts_with("/network-")
}

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
            if is_bearer_path(&req.raw_path) {
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
            Action::Replace(super::auth::oauth_error(status, error, text))
        }
        FaultMode::TokenExpiry { secs } => Action::TokenLifetime(Duration::from_secs(secs)),
        FaultMode::UnauthorizedOnce => {
            if let Some(token) = super::auth::bearer_token(req) {
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

    fn faults(spec: &str) -> Faults {
        Faults::new(42, spec.parse().expect("spec"))
    }

    const APS: &str = "/network-monitoring/v1/aps";
    const TOKEN: &str = super::super::auth::TOKEN_PATH;

    #[test]
    fn first_unspent_matching_rule_applies() {
        let f = faults("error=500#2,error=502@/network-monitoring/v1/clients,latency=5");
        assert_eq!(
            f.decide(APS, true),
            Some(FaultMode::Error {
                status: 500,
                ratio_ppm: RATIO_ONE
            })
        );
        assert_eq!(
            f.decide(APS, true),
            Some(FaultMode::Error {
                status: 500,
                ratio_ppm: RATIO_ONE
            })
        );
        assert_eq!(f.decide(APS, true), Some(FaultMode::Latency { ms: 5 }));
        assert_eq!(
            f.decide("/network-monitoring/v1/clients", true),
            Some(FaultMode::Error {
                status: 502,
                ratio_ppm: RATIO_ONE
            })
        );
        assert_eq!(f.decide(TOKEN, false), None);
        let status = f.status_json();
        assert_eq!(status["rules"][0]["remaining"], 0);
        assert_eq!(status["rules"][0]["hits"], 2);
        assert_eq!(status["rules"][2]["remaining"], Value::Null);
        assert_eq!(status["rules"][2]["hits"], 1);
    }

    #[test]
    fn token_modes_only_on_the_token_endpoint() {
        let f = faults("token-down#1,token-expiry=3");
        assert_eq!(f.decide(APS, true), None);
        assert_eq!(
            f.decide(TOKEN, false),
            Some(FaultMode::TokenDown { status: 503 })
        );
        assert_eq!(
            f.decide(TOKEN, false),
            Some(FaultMode::TokenExpiry { secs: 3 })
        );
    }

    #[test]
    fn unauthorized_once_needs_a_valid_token() {
        let f = faults("unauthorized-once");
        assert_eq!(f.decide(APS, false), None);
        assert_eq!(f.decide(APS, true), Some(FaultMode::UnauthorizedOnce));
        assert_eq!(f.decide(APS, true), None);
    }

    #[test]
    fn ratios_are_deterministic_and_roughly_right() {
        let run = |seed| {
            let f = Faults::new(seed, "error=503:0.3".parse().expect("spec"));
            (0..1000)
                .map(|_| f.decide(APS, true).is_some())
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        let n = a.iter().filter(|x| **x).count();
        assert!((220..380).contains(&n), "{n}");
        // Replacing the spec restarts the stream.
        let f = Faults::new(7, "error=503:0.3".parse().expect("spec"));
        let first: Vec<bool> = (0..50).map(|_| f.decide(APS, true).is_some()).collect();
        f.set("error=503:0.3".parse().expect("spec"));
        let again: Vec<bool> = (0..50).map(|_| f.decide(APS, true).is_some()).collect();
        assert_eq!(first, again);
    }

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
