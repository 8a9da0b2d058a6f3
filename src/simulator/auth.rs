//! OAuth2 client-credentials token endpoint and bearer-token validation (CONTRACT §2).
//!
//! `POST /as/token.oauth2` with `grant_type=client_credentials` and the client credentials
//! either as form fields (`client_id`, `client_secret`) or as HTTP Basic authentication.
//! Issued tokens are opaque random strings remembered with their expiry in a bounded
//! [`TokenStore`]; every `/network-*` request must present one as `Authorization: Bearer`.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hyper::Method;
use serde_json::json;

use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Query, Router, SimRequest};
use super::state::State;
use super::tokens::{TOKEN_PATH, TokenCheck, oauth_error};

/// Client credentials from a `Basic` authorization header.
enum BasicAuth {
    Absent,
    Malformed,
    Present(String, String),
}

/// Register the token endpoint.
pub(crate) fn register(router: &mut Router<State>) {
    router.add(Method::POST, TOKEN_PATH, token);
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
