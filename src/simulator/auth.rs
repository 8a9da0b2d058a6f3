//! OAuth2 client-credentials token endpoint and bearer-token validation (CONTRACT §2).
//!
//! `POST /as/token.oauth2` with `grant_type=client_credentials` and the client credentials
//! either as form fields (`client_id`, `client_secret`) or as HTTP Basic authentication.
//! Issued tokens are opaque random strings remembered with their expiry in a bounded
//! [`TokenStore`]; every `/network-*` request must present one as `Authorization: Bearer`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hyper::Method;
use serde_json::json;

use super::prng::{SplitMix64, mix};
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Query, Router, SimRequest};
use super::state::State;

/// Path of the token endpoint.
pub(crate) const TOKEN_PATH: &str = "/as/token.oauth2";

/// How many live tokens the store keeps at most.
pub(crate) const MAX_TOKENS: usize = 4096;

/// Register the token endpoint.
pub(crate) fn register(router: &mut Router) {
    router.add(Method::POST, TOKEN_PATH, token);
}

/// Result of checking a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    /// Issued and not expired.
    Valid,
    /// Issued but expired (and now forgotten).
    Expired,
    /// Never issued (or already pruned).
    Unknown,
}

/// Issued tokens and their expiry instants.
#[derive(Debug)]
pub(crate) struct TokenStore {
    rng: SplitMix64,
    tokens: HashMap<String, Instant>,
    capacity: usize,
}

impl TokenStore {
    /// An empty store; tokens are drawn from a generator seeded by `seed` and the clock.
    pub(crate) fn new(seed: u64) -> Self {
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Self {
            rng: SplitMix64::new(mix(seed) ^ clock),
            tokens: HashMap::new(),
            capacity: MAX_TOKENS,
        }
    }

    /// Issue a token valid for `lifetime` from `now`.
    pub(crate) fn issue(&mut self, now: Instant, lifetime: Duration) -> String {
        self.prune(now);
        while self.tokens.len() >= self.capacity.max(1) {
            // Full of live tokens: forget the one closest to expiry.
            let oldest = self
                .tokens
                .iter()
                .min_by_key(|(_, exp)| **exp)
                .map(|(t, _)| t.clone());
            match oldest {
                Some(t) => {
                    self.tokens.remove(&t);
                }
                None => break,
            }
        }
        let mut bytes = [0u8; 32];
        for chunk in bytes.chunks_mut(8) {
            let word = self.rng.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let expiry = now.checked_add(lifetime).unwrap_or(now);
        self.tokens.insert(token.clone(), expiry);
        token
    }

    /// Check `token` at `now`.
    pub(crate) fn check(&mut self, token: &str, now: Instant) -> TokenCheck {
        match self.tokens.get(token) {
            None => TokenCheck::Unknown,
            Some(exp) if now < *exp => TokenCheck::Valid,
            Some(_) => {
                self.tokens.remove(token);
                TokenCheck::Expired
            }
        }
    }

    /// `true` when `token` was issued and has not expired at `now` (the store is unchanged).
    pub(crate) fn is_valid(&self, token: &str, now: Instant) -> bool {
        self.tokens.get(token).is_some_and(|exp| now < *exp)
    }

    /// Forget `token`, so it is rejected from now on (an injected revocation).
    pub(crate) fn revoke(&mut self, token: &str) {
        self.tokens.remove(token);
    }

    /// Forget every expired token.
    pub(crate) fn prune(&mut self, now: Instant) {
        self.tokens.retain(|_, exp| now < *exp);
    }

    /// Number of tokens held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.tokens.len()
    }
}

/// An OAuth2 error response (RFC 6749 §5.2 shape).
pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> SimResponse {
    SimResponse::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
    .with_header("cache-control", "no-store")
}

/// Client credentials from a `Basic` authorization header.
enum BasicAuth {
    Absent,
    Malformed,
    Present(String, String),
}

fn basic_credentials(header: Option<&str>) -> BasicAuth {
    let Some(value) = header else {
        return BasicAuth::Absent;
    };
    let mut parts = value.trim().splitn(2, ' ');
    let scheme = parts.next().unwrap_or("");
    if !scheme.eq_ignore_ascii_case("basic") {
        return BasicAuth::Absent;
    }
    let encoded = parts.next().unwrap_or("").trim();
    let Ok(decoded) = STANDARD.decode(encoded) else {
        return BasicAuth::Malformed;
    };
    let text = String::from_utf8_lossy(&decoded).into_owned();
    match text.split_once(':') {
        Some((id, secret)) => BasicAuth::Present(id.to_string(), secret.to_string()),
        None => BasicAuth::Malformed,
    }
}

/// Constant-shape comparison of credentials (also accepts RFC 6749 form-encoded Basic parts).
fn credentials_match(state: &State, id: &str, secret: &str) -> bool {
    let cfg = &state.config;
    let plain = id == cfg.client_id && secret == cfg.client_secret;
    plain || {
        let (id, secret) = (
            super::router::decode(id, true),
            super::router::decode(secret, true),
        );
        id == cfg.client_id && secret == cfg.client_secret
    }
}

/// `POST /as/token.oauth2`.
fn token(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    token_with_lifetime(state, req, state.config.token_lifetime)
}

/// `POST /as/token.oauth2`, issuing a token valid for `lifetime` (the configured lifetime, or
/// an injected `token-expiry`).
pub(crate) fn token_with_lifetime(
    state: &State,
    req: &SimRequest,
    lifetime: Duration,
) -> HandlerResult {
    if let Some(ct) = req.content_type.as_deref() {
        let media = ct.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Ok(oauth_error(
                400,
                "invalid_request",
                "Content-Type must be application/x-www-form-urlencoded",
            ));
        }
    }
    let form = Query::parse(&String::from_utf8_lossy(&req.body));
    match form.get("grant_type") {
        Some("client_credentials") => {}
        Some(other) => {
            return Ok(oauth_error(
                400,
                "unsupported_grant_type",
                &format!("grant_type '{other}' is not supported; use client_credentials"),
            ));
        }
        None => {
            return Ok(oauth_error(
                400,
                "unsupported_grant_type",
                "grant_type is required and must be client_credentials",
            ));
        }
    }
    let (id, secret) = match basic_credentials(req.authorization.as_deref()) {
        BasicAuth::Present(id, secret) => (id, secret),
        BasicAuth::Malformed => {
            return Ok(oauth_error(
                400,
                "invalid_request",
                "Malformed Basic authorization header",
            ));
        }
        BasicAuth::Absent => match (form.get("client_id"), form.get("client_secret")) {
            (Some(id), Some(secret)) => (id.to_string(), secret.to_string()),
            _ => {
                return Ok(oauth_error(
                    400,
                    "invalid_request",
                    "Client authentication is required: client_id and client_secret form fields or HTTP Basic",
                ));
            }
        },
    };
    if !credentials_match(state, &id, &secret) {
        return Ok(oauth_error(
            401,
            "invalid_client",
            "Invalid client or Invalid client credentials",
        ));
    }
    let access_token = state.tokens().issue(Instant::now(), lifetime);
    let expires_in = lifetime.as_secs() + u64::from(lifetime.subsec_nanos() > 0);
    Ok(SimResponse::ok(&json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
    }))
    .with_header("cache-control", "no-store")
    .with_header("pragma", "no-cache"))
}

/// The bearer token of `req`, if its `Authorization` header is `Bearer <token>`.
pub(crate) fn bearer_token(req: &SimRequest) -> Option<&str> {
    let mut parts = req.authorization.as_deref()?.trim().splitn(2, ' ');
    let scheme = parts.next().unwrap_or("");
    let token = parts.next().unwrap_or("").trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Require a valid `Authorization: Bearer <token>`; a 401 envelope otherwise.
pub(crate) fn require_bearer(state: &State, req: &SimRequest) -> Result<(), ApiError> {
    let Some(header) = req.authorization.as_deref() else {
        return Err(ApiError::unauthorized(
            "Authentication required: missing Authorization header with a Bearer token",
        ));
    };
    let mut parts = header.trim().splitn(2, ' ');
    let scheme = parts.next().unwrap_or("");
    let token = parts.next().unwrap_or("").trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::unauthorized(
            "Authentication required: the Authorization header must be 'Bearer <access token>'",
        ));
    }
    match state.tokens().check(token, Instant::now()) {
        TokenCheck::Valid => Ok(()),
        TokenCheck::Expired => Err(ApiError::unauthorized(
            "The access token has expired; request a new one",
        )),
        TokenCheck::Unknown => Err(ApiError::unauthorized("The access token is invalid")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_expire() {
        let mut store = TokenStore::new(1);
        let t0 = Instant::now();
        let tok = store.issue(t0, Duration::from_secs(10));
        assert!(tok.len() >= 40);
        assert_eq!(store.check(&tok, t0), TokenCheck::Valid);
        assert_eq!(
            store.check(&tok, t0 + Duration::from_secs(9)),
            TokenCheck::Valid
        );
        assert_eq!(
            store.check(&tok, t0 + Duration::from_secs(10)),
            TokenCheck::Expired
        );
        assert_eq!(
            store.check(&tok, t0 + Duration::from_secs(11)),
            TokenCheck::Unknown
        );
        assert_eq!(store.check("nope", t0), TokenCheck::Unknown);
    }

    #[test]
    fn revoked_tokens_are_rejected() {
        let mut store = TokenStore::new(3);
        let t0 = Instant::now();
        let tok = store.issue(t0, Duration::from_secs(10));
        assert!(store.is_valid(&tok, t0));
        assert!(!store.is_valid(&tok, t0 + Duration::from_secs(10)));
        store.revoke(&tok);
        assert!(!store.is_valid(&tok, t0));
        assert_eq!(store.check(&tok, t0), TokenCheck::Unknown);
    }

    #[test]
    fn tokens_are_distinct_and_store_is_bounded() {
        let mut store = TokenStore::new(1);
        store.capacity = 3;
        let t0 = Instant::now();
        let toks: Vec<_> = (0..5)
            .map(|i| store.issue(t0 + Duration::from_millis(i), Duration::from_secs(60)))
            .collect();
        assert_eq!(store.len(), 3);
        assert_eq!(store.check(&toks[0], t0), TokenCheck::Unknown);
        assert_eq!(store.check(&toks[4], t0), TokenCheck::Valid);
        let mut sorted = toks.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 5);
    }

    #[test]
    fn prune_drops_expired() {
        let mut store = TokenStore::new(2);
        let t0 = Instant::now();
        store.issue(t0, Duration::from_secs(1));
        store.issue(t0, Duration::from_secs(100));
        store.prune(t0 + Duration::from_secs(2));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn basic_header_parsing() {
        let h = format!("Basic {}", STANDARD.encode("id:se:cret"));
        assert!(matches!(
            basic_credentials(Some(&h)),
            BasicAuth::Present(id, s) if id == "id" && s == "se:cret"
        ));
        assert!(matches!(basic_credentials(None), BasicAuth::Absent));
        assert!(matches!(
            basic_credentials(Some("Bearer x")),
            BasicAuth::Absent
        ));
        assert!(matches!(
            basic_credentials(Some("Basic !!!")),
            BasicAuth::Malformed
        ));
        let no_colon = format!("basic {}", STANDARD.encode("idonly"));
        assert!(matches!(
            basic_credentials(Some(&no_colon)),
            BasicAuth::Malformed
        ));
    }
}
