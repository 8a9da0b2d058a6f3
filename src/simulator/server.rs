//! HTTP/1.1 plumbing: accept loop, per-connection hyper service, body limits, fault
//! injection, the single dispatch point every request passes through, and journal recording.
//!
//! Request flow: note the arrival time → read the body (capped at [`MAX_BODY_BYTES`], 413
//! beyond) → build a [`SimRequest`] → admin paths go to the admin table (not journaled) →
//! the fault rules are consulted ([`inject`]) → unless a fault replaces the answer, the request
//! goes through [`dispatch`] (bearer check on `/network-*`, route lookup, error envelope,
//! rate-limit headers) → the journal records what was received, when, the status answered and
//! the fault injected (before any injected delay, so stalled and reset requests appear too).
//!
//! Faults that must not answer (`stall`, `reset`) signal the connection task, which drops the
//! hyper connection and so closes the socket without a status line.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, oneshot};

use super::admin;
use super::auth;
use super::body::SimBody;
use super::inject::{self, Action};
use super::journal::{JournalEntry, now_unix_ms};
use super::response::{ApiError, SimResponse};
use super::router::{Match, SimRequest};
use super::state::State;

/// Largest request body accepted; larger bodies get 413.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Most connections served at once; further connections wait to be accepted.
const MAX_CONNECTIONS: usize = 256;

/// Accept and serve connections until `shutdown` fires (or its sender is dropped).
pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::debug!(error = %e, "simulator accept failed");
                // Back off briefly on errors such as EMFILE instead of spinning.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        let state = state.clone();
        tokio::spawn(async move {
            let _permit = permit;
            // Fired by a request whose injected fault closes the connection unanswered.
            let abort = Arc::new(Notify::new());
            let service_abort = abort.clone();
            let service = service_fn(move |req| {
                let state = state.clone();
                let abort = service_abort.clone();
                async move { Ok::<_, Infallible>(handle(state, abort, req).await) }
            });
            let conn = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                ended = conn => if let Err(e) = ended {
                    tracing::debug!(%peer, error = %e, "simulator connection ended with an error");
                },
                () = abort.notified() => {
                    // Dropping the connection closes the socket without a response.
                    tracing::debug!(%peer, "simulator closed a connection (injected fault)");
                }
            }
        });
    }
}

/// Why a request body could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyError {
    /// Larger than [`MAX_BODY_BYTES`].
    TooLarge,
    /// The connection failed while reading it.
    Unreadable,
}

fn header_string(req: &Request<Incoming>, name: hyper::header::HeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Handle one HTTP request end to end.
async fn handle(
    state: Arc<State>,
    abort: Arc<Notify>,
    req: Request<Incoming>,
) -> Response<SimBody> {
    let arrived = now_unix_ms();
    let method = req.method().clone();
    let raw_path = req.uri().path().to_string();
    let raw_query = req.uri().query().map(str::to_string);
    let authorization = header_string(&req, AUTHORIZATION);
    let content_type = header_string(&req, CONTENT_TYPE);
    let declared_len = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());

    let body = if declared_len.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        Err(BodyError::TooLarge)
    } else {
        match Limited::new(req.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
        {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(BodyError::TooLarge),
            Err(e) => {
                tracing::debug!(error = %e, "simulator could not read a request body");
                Err(BodyError::Unreadable)
            }
        }
    };
    let body_error = body.as_ref().err().copied();
    let sim_req = SimRequest::new(
        method,
        &raw_path,
        raw_query.as_deref(),
        authorization,
        content_type,
        body.unwrap_or_default(),
    );

    if admin::is_admin_path(&raw_path) {
        let resp = match body_error {
            Some(err) => body_error_response(&state, err),
            None => route(&state, &sim_req, &state.admin)
                .unwrap_or_else(|e| e.into_response(state.debug_ids.next_id())),
        };
        return to_hyper(resp);
    }
    let record = |status: u16, fault: Option<String>| {
        state
            .journal
            .record(JournalEntry::from_request(&sim_req, status, arrived).with_fault(fault));
    };
    if let Some(err) = body_error {
        let resp = body_error_response(&state, err);
        record(resp.status, None);
        return to_hyper(resp);
    }

    let bearer_valid = super::tokens::is_bearer_path(&raw_path)
        && super::tokens::bearer_token(&sim_req)
            .is_some_and(|t| state.tokens().is_valid(t, std::time::Instant::now()));
    let Some(mode) = state.faults.decide(&raw_path, bearer_valid) else {
        let resp = dispatch(&state, &sim_req, None);
        record(resp.status, None);
        return to_hyper(resp);
    };
    let fault = Some(mode.to_string());
    match inject::action(&state, mode, &sim_req) {
        Action::Replace(resp) => {
            record(resp.status, fault);
            to_hyper(resp)
        }
        Action::Delay(delay) => {
            let resp = dispatch(&state, &sim_req, None);
            record(resp.status, fault);
            tokio::time::sleep(delay).await;
            to_hyper(resp)
        }
        Action::TokenLifetime(lifetime) => {
            let resp = dispatch(&state, &sim_req, Some(lifetime));
            record(resp.status, fault);
            to_hyper(resp)
        }
        Action::Truncate => {
            let resp = dispatch(&state, &sim_req, None);
            record(resp.status, fault);
            to_hyper_truncated(resp)
        }
        Action::Stall(silence) => {
            record(0, fault);
            tokio::time::sleep(silence).await;
            close_unanswered(&abort).await
        }
        Action::Reset => {
            record(0, fault);
            close_unanswered(&abort).await
        }
    }
}

/// Ask the connection task to drop the connection, and never answer.
async fn close_unanswered(abort: &Notify) -> Response<SimBody> {
    abort.notify_one();
    std::future::pending().await
}

/// Central-style envelope for an unusable request body; the connection is closed since the
/// body was not drained.
fn body_error_response(state: &State, err: BodyError) -> SimResponse {
    let err = match err {
        BodyError::TooLarge => ApiError::payload_too_large(MAX_BODY_BYTES),
        BodyError::Unreadable => ApiError::bad_request("The request body could not be read"),
    };
    err.into_response(state.debug_ids.next_id())
        .with_header("connection", "close")
}

/// The one place every API request passes through for its normal answer: bearer check for
/// `/network-*`, routing, error envelope, rate-limit headers. `token_lifetime` overrides the
/// lifetime of a token issued by this request (an injected `token-expiry`).
pub(crate) fn dispatch(
    state: &State,
    req: &SimRequest,
    token_lifetime: Option<std::time::Duration>,
) -> SimResponse {
    let monitored = super::tokens::is_bearer_path(&req.raw_path);
    let result = if monitored {
        auth::require_bearer(state, req).and_then(|()| route(state, req, &state.routes))
    } else if let Some(lifetime) = token_lifetime
        .filter(|_| req.method == hyper::Method::POST && req.raw_path == super::tokens::TOKEN_PATH)
    {
        auth::token_with_lifetime(state, req, lifetime)
    } else {
        route(state, req, &state.routes)
    };
    let mut resp = result.unwrap_or_else(|e| e.into_response(state.debug_ids.next_id()));
    if monitored {
        resp.headers.extend(state.rate.hit(now_unix_ms()));
    }
    resp
}

/// Look the request up in `table` and run the handler.
fn route(
    state: &State,
    req: &SimRequest,
    table: &super::router::Router<State>,
) -> Result<SimResponse, ApiError> {
    match table.find(&req.method, &req.segments) {
        Match::Found(route, params) => (route.handler)(state, req, &params),
        Match::MethodNotAllowed(allowed) => Err(ApiError::method_not_allowed(
            req.method.as_str(),
            &req.raw_path,
            &allowed,
        )),
        Match::NotFound => Err(ApiError::not_found(format!(
            "Resource not found for the given input. No route for {} {}",
            req.method, req.raw_path
        ))),
    }
}

fn to_hyper(resp: SimResponse) -> Response<SimBody> {
    with_parts(resp.status, resp.headers, SimBody::full(resp.body))
}

/// The response with a `Content-Length` of its whole body but only the first half of the body
/// (at least one byte short), after which the connection breaks.
fn to_hyper_truncated(resp: SimResponse) -> Response<SimBody> {
    let full_len = resp.body.len().max(2);
    let part = resp.body.slice(..resp.body.len().min(full_len / 2));
    let mut headers = resp.headers;
    headers.retain(|(name, _)| !name.eq_ignore_ascii_case("content-length"));
    headers.push(("content-length", full_len.to_string()));
    with_parts(resp.status, headers, SimBody::truncated(part))
}

fn with_parts(
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: SimBody,
) -> Response<SimBody> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = Response::new(body);
    *out.status_mut() = status;
    let out_headers = out.headers_mut();
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            out_headers.append(name, v);
        }
    }
    out
}
