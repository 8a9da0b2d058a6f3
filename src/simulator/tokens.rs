//! Bearer tokens: the token endpoint's path, the bounded store of issued tokens and their
//! expiry, reading a request's bearer token, and the OAuth2 error answer.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::prng::{SplitMix64, mix};
use super::response::SimResponse;
use super::router::SimRequest;

/// Path of the token endpoint.
pub(crate) const TOKEN_PATH: &str = "/as/token.oauth2";

/// How many live tokens the store keeps at most.
pub(crate) const MAX_TOKENS: usize = 4096;

/// `true` for the paths that require a bearer token.
pub(crate) fn is_bearer_path(path: &str) -> bool {
    path.starts_with("/network-")
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

/// The bearer token of `req`, if its `Authorization` header is `Bearer <token>`.
pub(crate) fn bearer_token(req: &SimRequest) -> Option<&str> {
    let mut parts = req.authorization.as_deref()?.trim().splitn(2, ' ');
    let scheme = parts.next().unwrap_or("");
    let token = parts.next().unwrap_or("").trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
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
}
