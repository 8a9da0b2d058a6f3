//! One evaluation of this server's health — token, circuit breaker, rate limiter and Central —
//! shared by the `check_server_health` tool, `/readyz` and the health gauges.
//!
//! Central's state comes first from *passive* signals: every request a tool sends leaves an
//! [`Observation`] (status, latency) on [`Central`]. Only when nothing has been sent for a while
//! does [`IdleProber`] spend one small call (sites-health, limit 1); at most one every
//! [`IDLE_PROBE_INTERVAL`], i.e. ≤ 48 a day: under 1% of a 5,000-call daily budget.

use std::time::{Duration, Instant, SystemTime};

use rmcp::schemars::{self, JsonSchema};
use serde::Serialize;

use crate::central::{ApiError, ApiRequest, Central, Observation, routes};
use crate::resilience::{State, clock};
use crate::telemetry::metrics as names;

/// A probe slower than this marks the API degraded.
pub const SLOW_ANSWER: Duration = Duration::from_secs(2);
/// Longest a probe may take.
pub const PROBE_DEADLINE: Duration = Duration::from_secs(5);
/// The idle prober spends at most one call per this interval.
pub const IDLE_PROBE_INTERVAL: Duration = Duration::from_secs(30 * 60);
/// How often the idle prober looks at the state.
pub const IDLE_CHECK_EVERY: Duration = Duration::from_secs(15);

/// healthy, degraded, unhealthy, or unknown (nothing observed yet).
#[derive(Debug, Clone, Copy, Serialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Working normally.
    Healthy,
    /// Working with reduced capacity, or recovering.
    Degraded,
    /// Not working.
    Unhealthy,
    /// Not observed yet (Central before any request).
    Unknown,
}

impl Status {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Healthy => "healthy",
            Status::Degraded => "degraded",
            Status::Unhealthy => "unhealthy",
            Status::Unknown => "unknown",
        }
    }
}

/// The access token.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AuthHealth {
    /// Component status.
    pub status: Status,
    /// A usable token is cached.
    pub has_token: bool,
    /// Seconds until the cached token expires (absent for a static token or none).
    pub token_expires_in_seconds: Option<u64>,
    /// Client credentials are configured, so tokens renew automatically.
    pub renewable: bool,
    /// Requests made to the token endpoint since start.
    pub token_requests: u64,
    /// Why the last token request failed, until one succeeds.
    pub error: Option<String>,
    /// What the status means.
    pub message: String,
}

/// The circuit breaker.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BreakerHealth {
    /// Component status.
    pub status: Status,
    /// closed, open or half_open.
    pub state: String,
    /// Consecutive failures counted.
    pub failures: u32,
    /// Failures that open the breaker.
    pub threshold: u32,
    /// Seconds until a probe is allowed, when open.
    pub retry_in_seconds: Option<f64>,
    /// What the state means.
    pub message: String,
}

/// The client-side token bucket.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LimiterHealth {
    /// Component status.
    pub status: Status,
    /// Requests that may go out right now.
    pub tokens_available: u32,
    /// Bucket capacity.
    pub max_tokens: u32,
    /// Share of the capacity in use, 0-100.
    pub utilization_percentage: f64,
    /// What the status means.
    pub message: String,
}

/// Central's API, from the last request sent to it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ApiHealth {
    /// Component status.
    pub status: Status,
    /// HTTP status Central answered, when it answered.
    pub response_code: Option<u16>,
    /// Duration of that request in milliseconds.
    pub latency_ms: Option<u64>,
    /// Seconds since that request ended.
    pub observed_seconds_ago: Option<u64>,
    /// `probe` (a health probe just now), `recent_call` (a tool's request) or `none`.
    pub source: String,
    /// Why there was no answer, when there was none.
    pub error: Option<String>,
    /// What the status means.
    pub message: String,
}

/// The four components of the monitoring plan's health shape.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Components {
    /// The access token.
    pub auth: AuthHealth,
    /// The circuit breaker.
    pub circuit_breaker: BreakerHealth,
    /// The rate limiter.
    pub rate_limiter: LimiterHealth,
    /// Central's API.
    pub aruba_api: ApiHealth,
}

/// Dependencies (token endpoint, Central API) up out of those known.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Dependencies {
    /// Dependencies up.
    pub up: u32,
    /// Dependencies whose state is known.
    pub total: u32,
}

impl Dependencies {
    /// `up / total`, 0 to 1 (1 when nothing is known).
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            f64::from(self.up) / f64::from(self.total)
        }
    }
}

/// This server's health, in the monitoring plan's §4.1 shape.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HealthReport {
    /// Overall: unhealthy when no token can be had or Central does not answer; degraded when
    /// any component is degraded (breaker open or half-open, limiter nearly empty, Central slow
    /// or failing with 5xx); otherwise healthy.
    pub status: Status,
    /// When this was evaluated (RFC 3339).
    pub timestamp: String,
    /// Server version.
    pub version: String,
    /// Central API gateway in use.
    pub base_url: String,
    /// The components.
    pub components: Components,
    /// Dependencies up.
    pub dependencies: Dependencies,
}

impl HealthReport {
    /// One-paragraph summary for people and models.
    pub fn summary(&self) -> String {
        let c = &self.components;
        let mut out = format!(
            "Server {} ({} of {} dependencies up). Token: {}. Circuit breaker: {} ({}). Rate limiter: {} of {} requests available. Central API: {}.",
            self.status.as_str(),
            self.dependencies.up,
            self.dependencies.total,
            c.auth.message,
            c.circuit_breaker.state,
            c.circuit_breaker.message,
            c.rate_limiter.tokens_available,
            c.rate_limiter.max_tokens,
            c.aruba_api.message,
        );
        if let Some(error) = &c.auth.error {
            out.push_str(&format!(" Last token error: {error}"));
        }
        out
    }

    /// Ready to serve: a token can be had and the breaker is not open. The reasons when not.
    pub fn readiness(&self) -> Result<(), Vec<String>> {
        let mut reasons = Vec::new();
        if self.components.auth.status == Status::Unhealthy {
            reasons.push(format!(
                "no access token can be had: {}",
                self.components.auth.message
            ));
        }
        if self.components.circuit_breaker.state == "open" {
            reasons.push(format!(
                "the circuit breaker is open: {}",
                self.components.circuit_breaker.message
            ));
        }
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons)
        }
    }
}

/// Where the Central observation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A probe made for this evaluation.
    Probe,
    /// A request some tool call made.
    RecentCall,
}

/// Evaluates health from local state and the last observation of Central; sends nothing.
pub fn evaluate(central: &Central, source: Source) -> HealthReport {
    let auth = auth_health(central);
    let circuit_breaker = breaker_health(central);
    let rate_limiter = limiter_health(central);
    let aruba_api = api_health(central.last_observation().as_ref(), source);

    let mut up = u32::from(auth.status != Status::Unhealthy);
    let mut total = 1;
    if aruba_api.status != Status::Unknown {
        total += 1;
        up += u32::from(aruba_api.status != Status::Unhealthy);
    }
    let statuses = [
        auth.status,
        circuit_breaker.status,
        rate_limiter.status,
        aruba_api.status,
    ];
    let status = if statuses.contains(&Status::Unhealthy) {
        Status::Unhealthy
    } else if statuses.contains(&Status::Degraded) {
        Status::Degraded
    } else {
        Status::Healthy
    };
    HealthReport {
        status,
        timestamp: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        base_url: central.base_url().to_string(),
        components: Components {
            auth,
            circuit_breaker,
            rate_limiter,
            aruba_api,
        },
        dependencies: Dependencies { up, total },
    }
}

fn auth_health(central: &Central) -> AuthHealth {
    let token = central.auth().status();
    let token_requests = central.auth().token_requests();
    let (status, message) = if let Some(reason) = central.auth().missing_reason() {
        (Status::Unhealthy, reason)
    } else if token.has_token {
        match (token.expires_in, &token.last_error) {
            (_, Some(_)) => (
                Status::Degraded,
                "the current token works but renewing it failed".to_string(),
            ),
            (Some(d), None) => (Status::Healthy, format!("valid for {} s", d.as_secs())),
            (None, None) => (
                Status::Healthy,
                "a static token (expiry unknown)".to_string(),
            ),
        }
    } else if token.last_error.is_some() {
        (
            Status::Unhealthy,
            "none, and the token endpoint did not give one".to_string(),
        )
    } else if token.renewable {
        (
            Status::Degraded,
            "none cached yet; one is requested on the next call".to_string(),
        )
    } else {
        (
            Status::Unhealthy,
            "the static token expired and there are no client credentials to renew it".to_string(),
        )
    };
    AuthHealth {
        status,
        has_token: token.has_token,
        token_expires_in_seconds: token.expires_in.map(|d| d.as_secs()),
        renewable: token.renewable,
        token_requests,
        error: token.last_error,
        message,
    }
}

fn breaker_health(central: &Central) -> BreakerHealth {
    let breaker = central.breaker();
    let (status, state, message) = match breaker.state() {
        State::Closed => (Status::Healthy, "closed", "calls flow"),
        State::HalfOpen => (
            Status::Degraded,
            "half_open",
            "one probe call is testing whether Central recovered",
        ),
        State::Open => (
            Status::Degraded,
            "open",
            "calls to Central are rejected after repeated failures until a probe succeeds",
        ),
    };
    BreakerHealth {
        status,
        state: state.to_string(),
        failures: breaker.failures(),
        threshold: breaker.threshold(),
        retry_in_seconds: breaker
            .retry_in_ms(clock::now_ms())
            .map(|ms| ms as f64 / 1000.0),
        message: message.to_string(),
    }
}

fn limiter_health(central: &Central) -> LimiterHealth {
    let limiter = central.limiter();
    let available = limiter.available();
    let capacity = limiter.capacity();
    let share = f64::from(available) / f64::from(capacity.max(1));
    LimiterHealth {
        status: if share > 0.1 {
            Status::Healthy
        } else {
            Status::Degraded
        },
        tokens_available: available,
        max_tokens: capacity,
        utilization_percentage: ((1.0 - share) * 1000.0).round() / 10.0,
        message: if share > 0.5 {
            "plenty of capacity".into()
        } else if share > 0.1 {
            "capacity below 50%".into()
        } else {
            "capacity critically low; calls will wait".into()
        },
    }
}

/// Central's component from `observation` (the last request sent to it).
pub fn api_health(observation: Option<&Observation>, source: Source) -> ApiHealth {
    let Some(o) = observation else {
        return ApiHealth {
            status: Status::Unknown,
            response_code: None,
            latency_ms: None,
            observed_seconds_ago: None,
            source: "none".into(),
            error: None,
            message: "no request has been sent to Central yet".into(),
        };
    };
    let latency_ms = u64::try_from(o.latency.as_millis()).unwrap_or(u64::MAX);
    let (status, message) = match o.status {
        Some(code) if code >= 500 => (
            Status::Degraded,
            format!("answered HTTP {code} (a server error)"),
        ),
        Some(code) if o.latency > SLOW_ANSWER => (
            Status::Degraded,
            format!("answered HTTP {code} slowly, in {latency_ms} ms"),
        ),
        Some(code) => (
            Status::Healthy,
            format!("answered HTTP {code} in {latency_ms} ms"),
        ),
        None => (
            Status::Unhealthy,
            format!(
                "did not answer: {}",
                o.error.as_deref().unwrap_or("no answer")
            ),
        ),
    };
    ApiHealth {
        status,
        response_code: o.status,
        latency_ms: Some(latency_ms),
        observed_seconds_ago: Some(o.at.elapsed().as_secs()),
        source: match source {
            Source::Probe => "probe",
            Source::RecentCall => "recent_call",
        }
        .into(),
        error: o.error.clone(),
        message,
    }
}

/// Sends one small authenticated request to Central (sites-health, limit 1) through the normal
/// pipeline, so its answer becomes the latest observation. A call the breaker or the limiter
/// stopped sends nothing; that is not an error here.
pub async fn probe(central: &Central, deadline: tokio::time::Instant) -> Result<(), ApiError> {
    let deadline = deadline.min(tokio::time::Instant::now() + PROBE_DEADLINE);
    let result = central
        .call(
            ApiRequest::new(routes::SITES_HEALTH)
                .query("limit", 1)
                .query("offset", 0),
            deadline,
        )
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(ApiError::CircuitOpen { .. } | ApiError::Throttled { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Sets every gauge whose value depends on time or on `report`: the health gauges,
/// `aruba_central_up`, the token expiry, breaker state and limiter tokens. Called at scrape
/// time, so the gauges are current whenever Prometheus reads them.
pub fn publish(central: &Central, report: &HealthReport) {
    metrics::gauge!(names::HEALTH_CHECK_STATUS).set(if report.status == Status::Unhealthy {
        0.0
    } else {
        1.0
    });
    metrics::gauge!(names::HEALTH_CHECK_DEPENDENCIES_UP).set(report.dependencies.ratio());
    let up = central.last_observation().is_some_and(|o| o.is_up());
    metrics::gauge!(names::ARUBA_CENTRAL_UP).set(if up { 1.0 } else { 0.0 });
    let expiry = central
        .auth()
        .status()
        .expires_in
        .map_or(0.0, |d| d.as_secs_f64());
    metrics::gauge!(names::TOKEN_EXPIRY_BUFFER_SECONDS).set(expiry);
    metrics::gauge!(names::CIRCUIT_BREAKER_STATE).set(f64::from(central.breaker().state() as u8));
    metrics::gauge!(names::RATE_LIMITER_TOKENS_AVAILABLE)
        .set(f64::from(central.limiter().available()));
    metrics::gauge!(names::RATE_LIMITER_CAPACITY).set(f64::from(central.limiter().capacity()));
}

/// Keeps Central's observation fresh while no tool is calling it, within the probe budget.
#[derive(Debug)]
pub struct IdleProber {
    interval: Duration,
    last_probe: Option<Instant>,
}

impl IdleProber {
    /// A prober that spends at most one call per `interval`.
    pub fn new(interval: Duration) -> IdleProber {
        IdleProber {
            interval,
            last_probe: None,
        }
    }

    /// Whether to probe now: credentials exist, nothing is in flight, the last observation (real
    /// call or probe) is older than the interval, and the last probe too.
    pub fn due(
        &self,
        now: Instant,
        configured: bool,
        in_flight: usize,
        last_observed: Option<Instant>,
    ) -> bool {
        let stale = |t: Option<Instant>| t.is_none_or(|t| now.duration_since(t) >= self.interval);
        configured && in_flight == 0 && stale(last_observed) && stale(self.last_probe)
    }

    /// Runs forever: every [`IDLE_CHECK_EVERY`], probes when [`IdleProber::due`].
    pub async fn run(mut self, central: std::sync::Arc<Central>) {
        loop {
            tokio::time::sleep(IDLE_CHECK_EVERY).await;
            let now = Instant::now();
            let due = self.due(
                now,
                central.auth().missing_reason().is_none(),
                central.calls_in_flight(),
                central.last_observation().map(|o| o.at),
            );
            if due {
                self.last_probe = Some(now);
                tracing::debug!("Central idle for a while; sending one health probe");
                if let Err(e) = probe(&central, central.deadline_from_now()).await {
                    tracing::info!(error = %e, "health probe of Central failed");
                }
            }
        }
    }
}

/// The monitoring listener's view of the live server: `/metrics` renders the recorder after
/// bringing the time-dependent gauges up to date, plus the `process_*` series; `/readyz`
/// evaluates [`HealthReport::readiness`].
pub struct HealthEndpoints {
    central: std::sync::Arc<Central>,
    handle: metrics_exporter_prometheus::PrometheusHandle,
}

impl HealthEndpoints {
    /// Endpoints over `central`, rendering the recorder behind `handle`.
    pub fn new(
        central: std::sync::Arc<Central>,
        handle: metrics_exporter_prometheus::PrometheusHandle,
    ) -> HealthEndpoints {
        HealthEndpoints { central, handle }
    }
}

impl crate::telemetry::http::Endpoints for HealthEndpoints {
    fn metrics(&self) -> String {
        let report = evaluate(&self.central, Source::RecentCall);
        publish(&self.central, &report);
        self.handle.run_upkeep();
        let mut out = self.handle.render();
        if let Some(stats) = crate::telemetry::process::read() {
            crate::telemetry::process::render(&stats, &mut out);
        }
        out
    }

    fn readiness(&self) -> (bool, String) {
        let report = evaluate(&self.central, Source::RecentCall);
        publish(&self.central, &report);
        let (ready, reasons) = match report.readiness() {
            Ok(()) => (true, Vec::new()),
            Err(reasons) => (false, reasons),
        };
        let body = serde_json::json!({
            "ready": ready,
            "status": report.status,
            "reasons": reasons,
            "components": {
                "auth": report.components.auth.status,
                "circuit_breaker": report.components.circuit_breaker.state,
                "rate_limiter": report.components.rate_limiter.status,
                "aruba_api": report.components.aruba_api.status,
            },
        });
        (ready, body.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(status: Option<u16>, latency_ms: u64) -> Observation {
        Observation {
            at: Instant::now(),
            status,
            latency: Duration::from_millis(latency_ms),
            error: status.is_none().then(|| "connection refused".to_string()),
        }
    }

    #[test]
    fn central_status_follows_the_plan() {
        let s = |o: Option<Observation>| api_health(o.as_ref(), Source::RecentCall).status;
        assert_eq!(s(None), Status::Unknown);
        assert_eq!(s(Some(observed(Some(200), 40))), Status::Healthy);
        assert_eq!(s(Some(observed(Some(404), 40))), Status::Healthy);
        assert_eq!(s(Some(observed(Some(200), 2500))), Status::Degraded);
        assert_eq!(s(Some(observed(Some(503), 40))), Status::Degraded);
        let down = api_health(Some(&observed(None, 10)), Source::Probe);
        assert_eq!(down.status, Status::Unhealthy);
        assert_eq!(down.source, "probe");
        assert!(down.message.contains("connection refused"));
    }

    #[test]
    fn the_idle_prober_stays_within_budget() {
        let p = IdleProber::new(IDLE_PROBE_INTERVAL);
        let now = Instant::now();
        assert!(p.due(now, true, 0, None), "nothing observed yet");
        assert!(!p.due(now, false, 0, None), "no credentials");
        assert!(!p.due(now, true, 1, None), "a call is in flight");
        assert!(!p.due(now, true, 0, Some(now)), "a real call just happened");
        let mut p = p;
        p.last_probe = Some(now);
        assert!(!p.due(now + Duration::from_secs(60), true, 0, None));
        assert!(p.due(now + IDLE_PROBE_INTERVAL, true, 0, None));
        // A day holds at most this many probes: under 1% of 5,000 calls.
        let per_day = 86_400 / IDLE_PROBE_INTERVAL.as_secs();
        assert!(per_day <= 50, "{per_day}");
    }

    #[test]
    fn dependencies_ratio() {
        assert_eq!(Dependencies { up: 1, total: 2 }.ratio(), 0.5);
        assert_eq!(Dependencies { up: 0, total: 0 }.ratio(), 1.0);
    }
}
