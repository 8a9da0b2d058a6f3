//! `check_server_health`: this MCP server's own health — token, circuit breaker, rate limiter
//! and (optionally) a live probe of Central — so the model can tell "Central is failing" from
//! "this server is pacing itself" before it blames the network.

use std::time::{Duration, SystemTime};

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};

use super::args::Validate;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};
use crate::resilience::{State, clock};

/// Longest the live probe may take.
const PROBE_DEADLINE: Duration = Duration::from_secs(5);
/// A probe slower than this marks the API degraded.
const SLOW_PROBE_MS: u64 = 2000;

/// Arguments of `check_server_health`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthArgs {
    /// Also make one small authenticated call to Central (sites-health, limit 1) and report
    /// its status and latency. Default true; false reports only local state and sends nothing.
    pub probe: Option<bool>,
}

impl Validate for HealthArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        Ok(())
    }
}

/// healthy, degraded or unhealthy.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
#[schemars(inline)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Working normally.
    Healthy,
    /// Working with reduced capacity, or recovering.
    Degraded,
    /// Not working.
    Unhealthy,
}

/// The access token.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuthHealth {
    /// Component status.
    pub status: Status,
    /// A usable token is cached.
    pub has_token: bool,
    /// Seconds until the cached token expires (unknown for a static token).
    pub token_expires_in_seconds: Option<u64>,
    /// Client credentials are configured, so tokens renew automatically.
    pub renewable: bool,
    /// Requests made to the token endpoint since start.
    pub token_requests: u64,
    /// What the status means.
    pub message: String,
}

/// The circuit breaker.
#[derive(Debug, Serialize, JsonSchema)]
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
#[derive(Debug, Serialize, JsonSchema)]
pub struct LimiterHealth {
    /// Component status.
    pub status: Status,
    /// Requests that may go out right now.
    pub tokens_available: u32,
    /// Bucket capacity.
    pub max_tokens: u32,
    /// Share of the capacity in use, 0-100.
    pub utilization_percent: f64,
    /// What the status means.
    pub message: String,
}

/// The live probe of Central.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ApiHealth {
    /// Component status.
    pub status: Status,
    /// HTTP status Central answered, when it answered.
    pub response_code: Option<u16>,
    /// Probe duration in milliseconds.
    pub latency_ms: u64,
    /// The error, when the probe failed.
    pub error: Option<String>,
}

/// Dependencies up out of those checked.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Dependencies {
    /// Healthy components.
    pub healthy: u32,
    /// Components checked.
    pub total: u32,
}

/// Output of `check_server_health`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HealthOutput {
    /// Overall status: the worst that matters of the components.
    pub status: Status,
    /// When this was measured (RFC 3339).
    pub timestamp: String,
    /// Server version.
    pub version: String,
    /// Central API gateway in use.
    pub base_url: String,
    /// Token state.
    pub auth: AuthHealth,
    /// Breaker state.
    pub circuit_breaker: BreakerHealth,
    /// Limiter state.
    pub rate_limiter: LimiterHealth,
    /// Live probe (absent when `probe` is false).
    pub central_api: Option<ApiHealth>,
    /// Dependencies up.
    pub dependencies: Dependencies,
}

impl ToolOutput for HealthOutput {
    fn summary(&self) -> String {
        let status = |s: Status| match s {
            Status::Healthy => "healthy",
            Status::Degraded => "degraded",
            Status::Unhealthy => "unhealthy",
        };
        let mut out = format!(
            "Server {} ({} of {} dependencies healthy). Token: {}. Circuit breaker: {} ({}). Rate limiter: {} of {} requests available.",
            status(self.status),
            self.dependencies.healthy,
            self.dependencies.total,
            self.auth.message,
            self.circuit_breaker.state,
            self.circuit_breaker.message,
            self.rate_limiter.tokens_available,
            self.rate_limiter.max_tokens,
        );
        if let Some(api) = &self.central_api {
            match (&api.error, api.response_code) {
                (Some(e), _) => out.push_str(&format!(" Central probe failed: {e}")),
                (None, Some(code)) => out.push_str(&format!(
                    " Central answered HTTP {code} in {} ms.",
                    api.latency_ms
                )),
                _ => {}
            }
        }
        out
    }
}

async fn check_health(ctx: ToolContext, args: HealthArgs) -> Result<HealthOutput, ToolError> {
    let central = &ctx.central;
    let mut healthy = 0u32;
    let mut total = 3u32;

    // Probe first, so the token and limiter figures below include its effect.
    let central_api = if args.probe.unwrap_or(true) {
        total += 1;
        let started = tokio::time::Instant::now();
        let deadline = ctx.deadline.min(started + PROBE_DEADLINE);
        let result = central
            .call(
                ApiRequest::new(routes::SITES_HEALTH)
                    .query("limit", 1)
                    .query("offset", 0),
                deadline,
            )
            .await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Some(match result {
            Ok(response) => ApiHealth {
                status: if latency_ms > SLOW_PROBE_MS {
                    Status::Degraded
                } else {
                    Status::Healthy
                },
                response_code: Some(response.status),
                latency_ms,
                error: None,
            },
            Err(e) => ApiHealth {
                status: match e.status() {
                    Some(code) if code < 500 && code != 401 && code != 403 => Status::Degraded,
                    _ => Status::Unhealthy,
                },
                response_code: e.status(),
                latency_ms,
                error: Some(e.to_string()),
            },
        })
    } else {
        None
    };

    let token = central.auth().status();
    let auth = if token.has_token {
        AuthHealth {
            status: Status::Healthy,
            has_token: true,
            token_expires_in_seconds: token.expires_in.map(|d| d.as_secs()),
            renewable: token.renewable,
            token_requests: central.auth().token_requests(),
            message: match token.expires_in {
                Some(d) => format!("valid for {} s", d.as_secs()),
                None => "a static token (expiry unknown)".to_string(),
            },
        }
    } else {
        AuthHealth {
            status: Status::Degraded,
            has_token: false,
            token_expires_in_seconds: None,
            renewable: token.renewable,
            token_requests: central.auth().token_requests(),
            message: if token.renewable {
                "none cached yet; one is requested on the next call".to_string()
            } else {
                "none, and no client credentials to get one".to_string()
            },
        }
    };

    let now_ms = clock::now_ms();
    let breaker = central.breaker();
    let retry_in = breaker.retry_in_ms(now_ms);
    let circuit_breaker = match breaker.state() {
        State::Closed => BreakerHealth {
            status: Status::Healthy,
            state: "closed".into(),
            failures: breaker.failures(),
            threshold: breaker.threshold(),
            retry_in_seconds: None,
            message: "calls flow".into(),
        },
        State::HalfOpen => BreakerHealth {
            status: Status::Degraded,
            state: "half_open".into(),
            failures: breaker.failures(),
            threshold: breaker.threshold(),
            retry_in_seconds: None,
            message: "one probe call is testing whether Central recovered".into(),
        },
        State::Open => BreakerHealth {
            status: Status::Unhealthy,
            state: "open".into(),
            failures: breaker.failures(),
            threshold: breaker.threshold(),
            retry_in_seconds: retry_in.map(|ms| ms as f64 / 1000.0),
            message: "calls to Central are blocked after repeated failures".into(),
        },
    };

    let limiter = central.limiter();
    let available = limiter.available();
    let capacity = limiter.capacity();
    let share = f64::from(available) / f64::from(capacity.max(1));
    let rate_limiter = LimiterHealth {
        status: if share > 0.1 {
            Status::Healthy
        } else {
            Status::Degraded
        },
        tokens_available: available,
        max_tokens: capacity,
        utilization_percent: ((1.0 - share) * 1000.0).round() / 10.0,
        message: if share > 0.5 {
            "plenty of capacity".into()
        } else if share > 0.1 {
            "capacity below 50%".into()
        } else {
            "capacity critically low; calls will wait".into()
        },
    };

    let statuses = [
        Some(auth.status),
        Some(circuit_breaker.status),
        Some(rate_limiter.status),
        central_api.as_ref().map(|a| a.status),
    ];
    for s in statuses.iter().flatten() {
        if *s == Status::Healthy {
            healthy += 1;
        }
    }
    // An open breaker or a failing probe makes the server unable to serve; anything else
    // that is not healthy is a degradation.
    let overall = if central_api
        .as_ref()
        .is_some_and(|a| a.status == Status::Unhealthy)
    {
        Status::Unhealthy
    } else if statuses.iter().flatten().any(|s| *s != Status::Healthy) {
        Status::Degraded
    } else {
        Status::Healthy
    };
    metrics::gauge!("health_check_status").set(if overall == Status::Healthy { 1.0 } else { 0.0 });
    metrics::gauge!("health_check_dependencies_up").set(f64::from(healthy));

    Ok(HealthOutput {
        status: overall,
        timestamp: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        base_url: central.base_url().to_string(),
        auth,
        circuit_breaker,
        rate_limiter,
        central_api,
        dependencies: Dependencies { healthy, total },
    })
}

/// The `check_server_health` tool.
pub fn check_server_health() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "check_server_health",
            title: "Check this server's health",
            description: "Reports this MCP server's own health: the Central access token, the \
                circuit breaker (closed/open/half_open, failures, seconds until retry), the \
                client-side rate limiter (requests available) and, unless probe=false, a live \
                probe of Central with its HTTP status and latency. Call it when tools fail with \
                breaker, rate-limit or token errors, before concluding that the network is down.",
            toolset: Toolset::Monitoring,
        },
        check_health,
    )
}
