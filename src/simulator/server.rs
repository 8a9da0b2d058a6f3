//! HTTP/1.1 plumbing: accept loop, per-connection hyper service, body limits, the single
//! dispatch point every request passes through, and journal recording.
//!
//! Request flow: read the body (capped at [`MAX_BODY_BYTES`], 413 beyond) → build a
//! [`SimRequest`] → admin paths go to the admin table (not journaled) → everything else goes
//! through [`dispatch`] (bearer check on `/network-*`, route lookup, error envelope,
//! rate-limit headers) → the journal records what was received and the status answered.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};

use super::admin;
use super::auth;
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
            let service = service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(state, req).await) }
            });
            let conn = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "simulator connection ended with an error");
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
async fn handle(state: Arc<State>, req: Request<Incoming>) -> Response<Full<Bytes>> {
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

    let admin = admin::is_admin_path(&raw_path);
    let resp = if let Some(err) = body_error {
        // Central-style envelope; the connection is closed since the body was not drained.
        let err = match err {
            BodyError::TooLarge => ApiError::payload_too_large(MAX_BODY_BYTES),
            BodyError::Unreadable => ApiError::bad_request("The request body could not be read"),
        };
        err.into_response(state.debug_ids.next_id())
            .with_header("connection", "close")
    } else if admin {
        route(&state, &sim_req, &state.admin)
            .unwrap_or_else(|e| e.into_response(state.debug_ids.next_id()))
    } else {
        dispatch(&state, &sim_req).await
    };
    if !admin {
        state.journal.record(JournalEntry::from_request(
            &sim_req,
            resp.status,
            now_unix_ms(),
        ));
    }
    to_hyper(resp)
}

/// The one place every API request passes through before routing (fault injection hooks in
/// here): bearer check for `/network-*`, routing, error envelope, rate-limit headers.
pub(crate) async fn dispatch(state: &State, req: &SimRequest) -> SimResponse {
    let monitored = req.raw_path.starts_with("/network-");
    let result = if monitored {
        auth::require_bearer(state, req).and_then(|()| route(state, req, &state.routes))
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
    table: &super::router::Router,
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

fn to_hyper(resp: SimResponse) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = Response::new(Full::new(resp.body));
    *out.status_mut() = status;
    let headers = out.headers_mut();
    for (name, value) in resp.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.append(name, v);
        }
    }
    out
}
