//! Everything about talking to HPE Aruba Networking Central.
//!
//! [`Central::call`] is the one call pipeline every tool uses:
//!
//! 1. render the [`Route`] template with percent-encoded path parameters and the query;
//! 2. for each attempt: ask the [`CircuitBreaker`] for admission (rejected at once when open),
//!    take a token from the [`RateLimiter`] (waiting, lock-free, no later than the deadline);
//! 3. get a bearer token from [`Auth`] (cached, refreshed early, single-flight);
//! 4. hand the request to the [`Transport`] worker pool (blocking `ureq` off the runtime thread),
//!    with a timeout of `min(ARUBA_API_TIMEOUT, time left)`;
//! 5. on 401, renew the token once and replay the request once;
//! 6. classify the answer: 2xx JSON → [`ApiResponse`]; anything else → a typed [`ApiError`] naming
//!    the call, the status and Central's `errorCode`/`message`/`debugId`; tell the breaker (5xx,
//!    timeouts and connection errors count as failures, 4xx does not); a 429 pauses the limiter
//!    for every caller;
//! 7. ask the [`RetryPolicy`] whether to try again, and how long to wait first.
//!
//! Everything, waits included, finishes by the call's deadline.

pub mod auth;
pub mod dispatch;
pub mod error;
pub mod routes;
pub mod transport;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use tracing::Instrument;

use tokio::time::Instant;

use serde_json::Value;

pub use auth::{Auth, Bearer, TokenStatus};
pub use error::{ApiError, ErrorEnvelope};
pub use routes::Route;
pub use transport::{
    HttpRequest, HttpResponse, Method, Transport, TransportError, TransportSettings,
};

use crate::config::{CentralSettings, ResilienceSettings};
use crate::resilience::retry;
use crate::resilience::{
    AttemptFailure, CircuitBreaker, Decision, Outcome, RateLimiter, RetryPolicy, StopReason,
    Transition, clock,
};
use crate::telemetry::metrics::{self as telemetry, RequestEnd};

/// One request to Central: a route, its path parameters, query and optional JSON body.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// The endpoint.
    pub route: Route,
    /// Values for the template's placeholders, in order.
    pub path_params: Vec<String>,
    /// Query parameters in the documented kebab-case names.
    pub query: Vec<(&'static str, String)>,
    /// JSON body (POST).
    pub body: Option<Value>,
    /// Keep a 2xx answer's body as bytes instead of parsing it into a `Value` tree (see
    /// [`ApiRequest::unparsed`]).
    pub unparsed: bool,
}

impl ApiRequest {
    /// A request for `route` with no parameters.
    pub fn new(route: Route) -> ApiRequest {
        ApiRequest {
            route,
            path_params: Vec::new(),
            query: Vec::new(),
            body: None,
            unparsed: false,
        }
    }

    /// Adds the next path parameter.
    pub fn path(mut self, value: impl Into<String>) -> ApiRequest {
        self.path_params.push(value.into());
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &'static str, value: impl ToString) -> ApiRequest {
        self.query.push((name, value.to_string()));
        self
    }

    /// Adds a query parameter when `value` is present.
    pub fn query_opt(self, name: &'static str, value: Option<impl ToString>) -> ApiRequest {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// Sets the JSON body.
    pub fn body(mut self, body: Value) -> ApiRequest {
        self.body = Some(body);
        self
    }

    /// Keeps a 2xx answer's body as bytes ([`ApiResponse::raw`]) instead of parsing it into
    /// [`ApiResponse::body`]: for tools that decode a large page straight into typed fields
    /// ([`ApiResponse::decode`]) and parse it as JSON only when that fails
    /// ([`ApiResponse::into_json`]). Error answers are classified as always.
    pub fn unparsed(mut self) -> ApiRequest {
        self.unparsed = true;
        self
    }

    /// Path and query as sent (relative to the base URL).
    pub fn path_and_query(&self) -> Result<String, String> {
        let mut out = self.route.render(&self.path_params)?;
        for (i, (name, value)) in self.query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(name);
            out.push('=');
            out.push_str(&routes::encode_query_component(value));
        }
        Ok(out)
    }
}

/// A successful (2xx) answer.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: u16,
    /// Parsed JSON body (`Null` for an empty body, and for a request made
    /// [`unparsed`](ApiRequest::unparsed)).
    pub body: Value,
    /// The body's bytes, for a request made [`unparsed`](ApiRequest::unparsed); else empty.
    pub raw: Vec<u8>,
    /// `METHOD /template` of the call, for errors found while decoding `raw` (empty without `raw`).
    call: String,
}

impl ApiResponse {
    /// Decodes the unparsed body as `T`, borrowing from it where `T` allows. `None` when there
    /// are no bytes or they are not a `T` (wrong shape, duplicate keys, bad JSON): the caller
    /// then falls back to [`ApiResponse::into_json`], which reports bad JSON as it always is.
    pub fn decode<'a, T: serde::Deserialize<'a>>(&'a self) -> Option<T> {
        if self.raw.is_empty() {
            return None;
        }
        serde_json::from_slice(&self.raw).ok()
    }

    /// The body as JSON: `body`, or for a request made [`unparsed`](ApiRequest::unparsed) the
    /// bytes parsed now, with the same empty-body rule and the same
    /// [`ApiError::InvalidResponse`] as a parsed request.
    pub fn into_json(self) -> Result<Value, ApiError> {
        if self.raw.is_empty() {
            return Ok(self.body);
        }
        parse_body(&self.call, &self.raw)
    }
}

/// The Central client: configuration, token cache, worker pool, breaker, limiter and retry
/// policy.
#[derive(Debug)]
pub struct Central {
    base_url: String,
    settings: CentralSettings,
    auth: Auth,
    transport: Arc<Transport>,
    breaker: CircuitBreaker,
    limiter: RateLimiter,
    retry: RetryPolicy,
    retry_after_max: Duration,
    observation: std::sync::Mutex<Option<Observation>>,
    in_flight: AtomicUsize,
}

/// What the last request sent to Central showed about it: the passive health signal that
/// real calls give for free (see `crate::health`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// When the request ended.
    pub at: std::time::Instant,
    /// The HTTP status, when Central answered.
    pub status: Option<u16>,
    /// How long the request took.
    pub latency: Duration,
    /// Why there was no answer (timeout, connection refused, …), when there was none.
    pub error: Option<String>,
}

impl Observation {
    /// Central answered, and not with a server error.
    pub fn is_up(&self) -> bool {
        self.status.is_some_and(|s| s < 500)
    }
}

/// How one attempt ended: the failure to report, and what it means for retrying.
struct AttemptError {
    error: ApiError,
    failure: AttemptFailure,
}

impl AttemptError {
    fn permanent(error: ApiError) -> AttemptError {
        AttemptError {
            error,
            failure: AttemptFailure::Permanent,
        }
    }
}

impl Central {
    /// Builds the client and starts its worker threads.
    pub fn new(
        settings: CentralSettings,
        resilience: &ResilienceSettings,
    ) -> std::io::Result<Central> {
        let transport = Transport::start(&TransportSettings {
            workers: settings.http_workers,
            queue: settings.http_queue,
            connect_timeout: settings.connect_timeout,
            max_response_bytes: settings.max_response_bytes,
        })?;
        Ok(Central::with_transport(settings, resilience, transport))
    }

    /// Builds the client over `transport` (e.g. [`Transport::in_memory`] in the fuzz targets).
    pub fn with_transport(
        settings: CentralSettings,
        resilience: &ResilienceSettings,
        transport: Transport,
    ) -> Central {
        let auth = Auth::new(
            settings.token_url.clone(),
            settings.credentials.clone(),
            settings.token_refresh_buffer,
            settings.api_timeout,
        );
        let breaker_timeout_ms =
            u64::try_from(resilience.breaker_timeout.as_millis()).unwrap_or(u64::MAX);
        Central {
            base_url: settings.base_url.trim_end_matches('/').to_string(),
            settings,
            auth,
            transport: Arc::new(transport),
            breaker: CircuitBreaker::new(resilience.breaker_threshold, breaker_timeout_ms),
            limiter: RateLimiter::new(resilience.rate_limit_requests, resilience.rate_limit_window),
            retry: RetryPolicy {
                max_server_wait: resilience.retry_after_max,
                ..RetryPolicy::default()
            },
            retry_after_max: resilience.retry_after_max,
            observation: std::sync::Mutex::new(None),
            in_flight: AtomicUsize::new(0),
        }
    }

    /// What the most recent request to Central showed, if one was sent.
    pub fn last_observation(&self) -> Option<Observation> {
        match self.observation.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Calls in progress (tool calls and probes).
    pub fn calls_in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    fn observe(&self, observation: Observation) {
        match self.observation.lock() {
            Ok(mut guard) => *guard = Some(observation),
            Err(poisoned) => *poisoned.into_inner() = Some(observation),
        }
    }

    /// The API gateway in use.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The token cache.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The circuit breaker guarding Central.
    pub fn breaker(&self) -> &CircuitBreaker {
        &self.breaker
    }

    /// The client-side token bucket.
    pub fn limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    /// The deadline a call started now gets (`ARUBA_CALL_DEADLINE`).
    pub fn deadline_from_now(&self) -> Instant {
        Instant::now() + self.settings.call_deadline
    }

    /// Sends `request` through the pipeline described in the module docs, finishing by
    /// `deadline` (waits, token, attempts and backoff included).
    pub async fn call(
        &self,
        request: ApiRequest,
        deadline: Instant,
    ) -> Result<ApiResponse, ApiError> {
        let call = request.route.call_name();
        let path = request
            .path_and_query()
            .map_err(|detail| ApiError::InvalidRequest {
                call: call.clone(),
                detail,
            })?;
        if let Some(reason) = self.auth.missing_reason() {
            return Err(ApiError::NotConfigured { reason });
        }
        let url = format!("{}{}", self.base_url, path);
        let body = match &request.body {
            Some(v) => Some(serde_json::to_vec(v).map_err(|e| ApiError::InvalidRequest {
                call: call.clone(),
                detail: e.to_string(),
            })?),
            None => None,
        };
        let prepared = Prepared {
            request: &request,
            call: &call,
            url: &url,
            body: &body,
            deadline,
        };

        let _in_flight = InFlight::enter(&self.in_flight);
        let started = Instant::now();
        let idempotent = request.route.method == Method::Get;
        let mut attempt = 0u32;
        // The last failure Central itself caused, to report when a later attempt is not even
        // sent (breaker opened, no limiter token): the user needs Central's status and debugId.
        let mut upstream_failure: Option<ApiError> = None;
        let outcome = loop {
            attempt += 1;
            let span = tracing::info_span!(
                "central_request",
                endpoint = request.route.template,
                method = request.route.method.as_str(),
                attempt,
                status = tracing::field::Empty,
                error_kind = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
            );
            let attempt_started = Instant::now();
            let result = self
                .attempt(&prepared, attempt)
                .instrument(span.clone())
                .await;
            span.record(
                "elapsed_ms",
                attempt_started.elapsed().as_secs_f64() * 1000.0,
            );
            let failed = match result {
                Ok(response) => {
                    span.record("status", response.status);
                    break Ok(response);
                }
                Err(failed) => {
                    if let Some(status) = failed.error.status() {
                        span.record("status", status);
                    }
                    span.record("error_kind", failed.error.kind());
                    failed
                }
            };
            if matches!(
                failed.error,
                ApiError::CircuitOpen { .. } | ApiError::Throttled { .. }
            ) && let Some(previous) = upstream_failure.take()
            {
                tracing::info!(
                    endpoint = request.route.template,
                    attempt,
                    reason = %failed.error,
                    "not retrying"
                );
                break Err(ApiError::Retried {
                    attempts: attempt - 1,
                    last: Box::new(previous),
                });
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            match self.retry.decide(
                idempotent,
                attempt,
                failed.failure,
                remaining,
                fastrand::f64(),
            ) {
                Decision::RetryAfter(wait) => {
                    upstream_failure = Some(failed.error.clone());
                    metrics::counter!(telemetry::API_RETRIES_TOTAL, "endpoint" => request.route.template, "method" => request.route.method.as_str()).increment(1);
                    tracing::info!(
                        endpoint = request.route.template,
                        method = request.route.method.as_str(),
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        error = %failed.error,
                        "retrying Central call"
                    );
                    tokio::time::sleep(wait).await;
                }
                Decision::Stop(reason) => {
                    let error = if attempt > 1 {
                        ApiError::Retried {
                            attempts: attempt,
                            last: Box::new(failed.error),
                        }
                    } else {
                        failed.error
                    };
                    if reason == StopReason::DeadlineTooClose {
                        tracing::info!(
                            endpoint = request.route.template,
                            attempt,
                            "not retrying: the wait would pass the call deadline"
                        );
                    }
                    break Err(error);
                }
            }
        };
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        match &outcome {
            Ok(r) => tracing::debug!(
                endpoint = request.route.template,
                method = request.route.method.as_str(),
                status = r.status,
                attempts = attempt,
                elapsed_ms,
                "Central call succeeded"
            ),
            // A 400, 404 or 409 answers the caller's request; only failures of Central, auth,
            // limits or the network are warnings.
            Err(e) if matches!(e.status(), Some(400 | 404 | 409)) => tracing::info!(
                endpoint = request.route.template,
                method = request.route.method.as_str(),
                status = e.status(),
                error = %e,
                elapsed_ms,
                "Central rejected the call"
            ),
            Err(e) => tracing::warn!(
                endpoint = request.route.template,
                method = request.route.method.as_str(),
                status = e.status(),
                error_kind = e.kind(),
                attempts = attempt,
                error = %e,
                elapsed_ms,
                "Central call failed"
            ),
        }
        outcome
    }

    /// One attempt: breaker admission, a limiter token, a bearer token, the request (and one
    /// replay after a 401), then the breaker's verdict.
    async fn attempt(&self, p: &Prepared<'_>, attempt: u32) -> Result<ApiResponse, AttemptError> {
        let permit = self.breaker.admit(clock::now_ms()).map_err(|rejection| {
            AttemptError::permanent(ApiError::CircuitOpen {
                call: p.call.to_string(),
                rejection,
            })
        })?;
        match self.limiter.acquire(p.deadline).await {
            Ok(waited) if !waited.is_zero() => {
                metrics::counter!(telemetry::RATE_LIMITER_THROTTLED_REQUESTS).increment(1);
                metrics::histogram!(telemetry::RATE_LIMITER_WAIT_TIME_SECONDS)
                    .record(waited.as_secs_f64());
            }
            Ok(_) => {}
            Err(source) => {
                metrics::counter!(telemetry::RATE_LIMITER_THROTTLED_REQUESTS).increment(1);
                return Err(AttemptError::permanent(ApiError::Throttled {
                    call: p.call.to_string(),
                    source,
                }));
            }
        }
        let deadline_error = || {
            AttemptError::permanent(ApiError::DeadlineExceeded {
                call: p.call.to_string(),
                deadline: self.settings.call_deadline,
                attempts: attempt,
            })
        };
        // Token failures say nothing about Central's API: the permit is dropped unrecorded.
        let bearer = tokio::time::timeout_at(p.deadline, self.auth.bearer(&self.transport))
            .await
            .map_err(|_| deadline_error())?
            .map_err(AttemptError::permanent)?;
        let mut response = self.send(p, &bearer, attempt).await;
        if matches!(&response, Ok(r) if r.status == 401) {
            tracing::info!(
                endpoint = p.request.route.template,
                "Central answered 401; renewing the token and replaying once"
            );
            let renewed = tokio::time::timeout_at(
                p.deadline,
                self.auth
                    .renew_after_rejection(&bearer, &self.transport, p.call),
            )
            .await
            .map_err(|_| deadline_error())?
            .map_err(AttemptError::permanent)?;
            response = self.send(p, &renewed, attempt).await;
        }
        let (outcome, result) = match response {
            Ok(response) => {
                let status = response.status;
                let server_wait = self.server_wait(&response);
                if status == 429 {
                    let pause = server_wait.unwrap_or(self.retry.default_rate_limit_wait);
                    tracing::warn!(
                        endpoint = p.request.route.template,
                        pause_ms = pause.as_millis() as u64,
                        "Central answered 429; pausing all calls"
                    );
                    self.limiter.pause_until(pause);
                }
                let outcome = match status {
                    200..=299 | 400..=499 => {
                        if (200..300).contains(&status) {
                            Outcome::Success
                        } else {
                            Outcome::Neutral
                        }
                    }
                    _ => Outcome::Failure,
                };
                let result = classify(p.call, response, p.request.unparsed).map_err(|error| {
                    let failure = match error {
                        ApiError::Http { status, .. } => AttemptFailure::Status {
                            status,
                            server_wait,
                        },
                        _ => AttemptFailure::Permanent,
                    };
                    AttemptError { error, failure }
                });
                (Some(outcome), result)
            }
            Err(failed) => {
                let outcome = match failed.failure {
                    AttemptFailure::NotSent | AttemptFailure::Timeout | AttemptFailure::Dropped => {
                        Some(Outcome::Failure)
                    }
                    AttemptFailure::Status { .. } => Some(Outcome::Neutral),
                    // Busy local queue, body over the cap: no verdict on Central.
                    AttemptFailure::Permanent => None,
                };
                (outcome, Err(failed))
            }
        };
        if let Some(outcome) = outcome {
            if outcome == Outcome::Failure {
                metrics::counter!(telemetry::CIRCUIT_BREAKER_FAILURES).increment(1);
            }
            let probe = permit.is_probe();
            if let Some(transition) = permit.record(outcome, clock::now_ms()) {
                self.log_transition(transition, p.request.route.template);
            } else if probe {
                tracing::debug!("half-open probe settled without a transition");
            }
        }
        result
    }

    /// Sends one request to a worker, bounded by the call deadline.
    async fn send(
        &self,
        p: &Prepared<'_>,
        bearer: &Bearer,
        attempt: u32,
    ) -> Result<HttpResponse, AttemptError> {
        let remaining = p.deadline.saturating_duration_since(Instant::now());
        let deadline_error = || AttemptError {
            error: ApiError::DeadlineExceeded {
                call: p.call.to_string(),
                deadline: self.settings.call_deadline,
                attempts: attempt,
            },
            failure: AttemptFailure::Timeout,
        };
        if remaining.is_zero() {
            return Err(deadline_error());
        }
        let mut headers = vec![
            ("Authorization", format!("Bearer {}", bearer.value.expose())),
            ("Accept", "application/json".to_string()),
        ];
        if p.body.is_some() {
            headers.push(("Content-Type", "application/json".to_string()));
        }
        let bounded_by_deadline = remaining < self.settings.api_timeout;
        let request = HttpRequest {
            method: p.request.route.method,
            url: p.url.to_string(),
            headers,
            body: p.body.clone(),
            timeout: self.settings.api_timeout.min(remaining),
        };
        let started = std::time::Instant::now();
        let sent = tokio::time::timeout_at(p.deadline, self.transport.send(request)).await;
        self.record_request(p.request.route, &sent, started.elapsed());
        match sent {
            Err(_) => Err(deadline_error()),
            Ok(Err(TransportError::Timeout(_))) if bounded_by_deadline => Err(deadline_error()),
            Ok(Ok(response)) => Ok(response),
            Ok(Err(source)) => {
                let failure = match &source {
                    TransportError::Connect(_) => AttemptFailure::NotSent,
                    TransportError::Timeout(_) => AttemptFailure::Timeout,
                    TransportError::Io(_) => AttemptFailure::Dropped,
                    TransportError::Busy { .. }
                    | TransportError::Stopped
                    | TransportError::BodyTooLarge { .. } => AttemptFailure::Permanent,
                };
                Err(AttemptError {
                    error: ApiError::Transport {
                        call: p.call.to_string(),
                        source,
                    },
                    failure,
                })
            }
        }
    }

    /// Counts one request in the call metrics and keeps what it showed about Central. Requests
    /// that never left this process (busy queue, stopped workers) are not API calls.
    fn record_request(
        &self,
        route: Route,
        sent: &Result<Result<HttpResponse, TransportError>, tokio::time::error::Elapsed>,
        latency: Duration,
    ) {
        let end = match sent {
            Err(_) | Ok(Err(TransportError::Timeout(_))) => RequestEnd::Timeout,
            Ok(Ok(response)) => RequestEnd::Status(response.status),
            Ok(Err(TransportError::Connect(_))) => RequestEnd::ConnectError,
            Ok(Err(TransportError::Io(_))) => RequestEnd::IoError,
            Ok(Err(TransportError::BodyTooLarge { .. })) => RequestEnd::Oversize,
            Ok(Err(TransportError::Busy { .. } | TransportError::Stopped)) => return,
        };
        telemetry::record_api_request((route.template, route.method.as_str()), end, latency);
        let (status, error) = match (end, sent) {
            (RequestEnd::Status(code), _) => (Some(code), None),
            // Central answered, only too much: it is up.
            (RequestEnd::Oversize, _) => (Some(200), None),
            (_, Ok(Err(e))) => (None, Some(e.to_string())),
            _ => (None, Some("no answer before the call deadline".to_string())),
        };
        self.observe(Observation {
            at: std::time::Instant::now(),
            status,
            latency,
            error,
        });
    }

    /// The wait Central asked for: `Retry-After`, else (on a 429) `X-RateLimit-Reset`; capped.
    fn server_wait(&self, response: &HttpResponse) -> Option<Duration> {
        let now = SystemTime::now();
        let asked = response
            .headers
            .retry_after
            .as_deref()
            .and_then(|v| retry::parse_retry_after(v, now))
            .or_else(|| {
                (response.status == 429)
                    .then_some(response.headers.rate_limit_reset.as_deref())
                    .flatten()
                    .and_then(|v| retry::parse_rate_limit_reset(v, now))
            })?;
        Some(asked.min(self.retry_after_max))
    }

    fn log_transition(&self, transition: Transition, endpoint: &'static str) {
        match transition {
            Transition::Opened => {
                metrics::counter!(telemetry::CIRCUIT_BREAKER_OPENS_TOTAL).increment(1);
                tracing::warn!(
                    endpoint,
                    failures = self.breaker.threshold(),
                    open_for_s = self.breaker.retry_in_ms(clock::now_ms()).unwrap_or(0) / 1000,
                    "circuit breaker opened: Central failed repeatedly; calls are rejected until a probe succeeds"
                );
            }
            Transition::Reopened => {
                metrics::counter!(telemetry::CIRCUIT_BREAKER_OPENS_TOTAL).increment(1);
                metrics::counter!(telemetry::CIRCUIT_BREAKER_HALF_OPEN_FAILURE).increment(1);
                tracing::warn!(endpoint, "circuit breaker probe failed; breaker re-opened");
            }
            Transition::Closed => {
                metrics::counter!(telemetry::CIRCUIT_BREAKER_HALF_OPEN_SUCCESS).increment(1);
                tracing::info!(endpoint, "circuit breaker probe succeeded; breaker closed");
            }
        }
    }
}

/// Counts a call in progress for as long as it lives.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(counter: &'a AtomicUsize) -> InFlight<'a> {
        counter.fetch_add(1, Ordering::Relaxed);
        InFlight(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A request rendered once and reused by every attempt.
struct Prepared<'a> {
    request: &'a ApiRequest,
    call: &'a str,
    url: &'a str,
    body: &'a Option<Vec<u8>>,
    deadline: Instant,
}

/// Turns an HTTP answer into a JSON body or a typed error.
fn classify(call: &str, response: HttpResponse, unparsed: bool) -> Result<ApiResponse, ApiError> {
    if !(200..300).contains(&response.status) {
        return Err(ApiError::Http {
            call: call.to_string(),
            status: response.status,
            envelope: ErrorEnvelope::parse(&response.body),
            retry_after: response.headers.retry_after,
        });
    }
    let (body, raw) = if unparsed {
        (Value::Null, response.body)
    } else {
        (parse_body(call, &response.body)?, Vec::new())
    };
    Ok(ApiResponse {
        status: response.status,
        body,
        // Only a kept body can still fail to parse, and only its error needs the call's name.
        call: if raw.is_empty() {
            String::new()
        } else {
            call.to_string()
        },
        raw,
    })
}

/// A 2xx body as JSON: `Null` when empty (or only whitespace), else the parsed document, or
/// [`ApiError::InvalidResponse`] quoting the start of what came instead.
fn parse_body(call: &str, body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|e| {
        let start = String::from_utf8_lossy(body.get(..80).unwrap_or(body)).into_owned();
        ApiError::InvalidResponse {
            call: call.to_string(),
            detail: format!("{e}; body starts with {start:?}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::central::transport::ResponseHeaders;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: ResponseHeaders::default(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn builds_path_and_query() {
        let r = ApiRequest::new(routes::CLIENTS)
            .query("site-id", "24833497")
            .query("filter", "clientConnectionType eq 'Wired'")
            .query_opt("next", None::<String>)
            .query("limit", 50);
        assert_eq!(
            r.path_and_query().unwrap(),
            "/network-monitoring/v1/clients?site-id=24833497&filter=clientConnectionType%20eq%20%27Wired%27&limit=50"
        );
    }

    #[test]
    fn classifies_answers() {
        let ok = classify("GET /x", response(200, r#"{"items":[]}"#), false).unwrap();
        assert_eq!(ok.body["items"], Value::Array(vec![]));
        assert!(ok.raw.is_empty());
        assert_eq!(
            classify("GET /x", response(204, ""), false).unwrap().body,
            Value::Null
        );
        let err = classify(
            "GET /x",
            response(400, r#"{"errorCode":"HPE_GL_NETWORK_MONITORING_INVALID_INPUT","message":"site-id is required","debugId":"d1"}"#),
            false,
        )
        .unwrap_err();
        assert_eq!(err.status(), Some(400));
        assert!(err.to_string().contains("site-id is required"));
        let err = classify("GET /x", response(200, "<html>oops</html>"), false).unwrap_err();
        assert_eq!(err.kind(), "invalid_response");
        assert!(err.to_string().contains("<html>"));
    }

    #[test]
    fn unparsed_answers_keep_their_bytes_and_parse_alike_later() {
        #[derive(serde::Deserialize)]
        struct Page<'a> {
            next: &'a str,
        }
        let kept = classify("GET /x", response(200, r#"{"next":"2"}"#), true).unwrap();
        assert_eq!(kept.body, Value::Null);
        assert_eq!(kept.decode::<Page>().map(|p| p.next), Some("2"));
        assert_eq!(kept.into_json().unwrap(), serde_json::json!({"next": "2"}));

        let empty = classify("GET /x", response(204, " "), true).unwrap();
        assert!(empty.decode::<Page>().is_none());
        assert_eq!(empty.into_json().unwrap(), Value::Null);

        // Bad JSON is the same error either way, found later.
        let parsed = classify("GET /x", response(200, "<html>oops</html>"), false).unwrap_err();
        let kept = classify("GET /x", response(200, "<html>oops</html>"), true).unwrap();
        assert!(kept.decode::<Page>().is_none());
        assert_eq!(
            kept.into_json().unwrap_err().to_string(),
            parsed.to_string()
        );

        // Errors are classified before anything is kept.
        let err = classify("GET /x", response(503, "{}"), true).unwrap_err();
        assert_eq!(err.status(), Some(503));
    }
}
