//! Every metric this server exports: names (the monitoring plan's, exactly), help texts, units,
//! histogram buckets, the recorder, pre-initialised series, and the recording helpers the rest of
//! the code calls where events happen.
//!
//! Labels are bounded: `endpoint` is a route template from the endpoint catalogue (never a serial
//! or a filled-in path), `method` is GET or POST, `status_code` an HTTP status or one of
//! [`NO_ANSWER_LABELS`], `tool` a tool name from the catalogue, `outcome` `ok` or `error`.

use std::time::Duration;

use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge};
use metrics_exporter_prometheus::{
    BuildError, Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

/// An endpoint as metrics label it: its route template and HTTP method (`GET`, `POST`).
pub type Endpoint = (&'static str, &'static str);

/// Total HTTP requests sent to Central (every attempt), by `endpoint` and `method`.
pub const API_CALLS_TOTAL: &str = "api_calls_total";
/// Requests Central answered with 2xx.
pub const API_CALLS_SUCCESS: &str = "api_calls_success";
/// Requests that failed, by `status_code`.
pub const API_CALLS_FAILURE: &str = "api_calls_failure";
/// Duration of one request to Central.
pub const API_CALL_DURATION_SECONDS: &str = "api_call_duration_seconds";
/// Retries of a Central call.
pub const API_RETRIES_TOTAL: &str = "api_retries_total";
/// Successful token requests.
pub const OAUTH2_TOKEN_REFRESHES_TOTAL: &str = "oauth2_token_refreshes_total";
/// Failed token requests.
pub const OAUTH2_TOKEN_REFRESH_FAILURES: &str = "oauth2_token_refresh_failures";
/// Duration of one token request.
pub const OAUTH2_TOKEN_REFRESH_DURATION_SECONDS: &str = "oauth2_token_refresh_duration_seconds";
/// Token requests avoided because a concurrent caller had just refreshed.
pub const OAUTH2_CONCURRENT_REFRESH_PREVENTED: &str = "oauth2_concurrent_refresh_prevented";
/// Seconds until the cached token expires.
pub const TOKEN_EXPIRY_BUFFER_SECONDS: &str = "token_expiry_buffer_seconds";
/// Breaker state: 0 closed, 1 open, 2 half-open.
pub const CIRCUIT_BREAKER_STATE: &str = "circuit_breaker_state";
/// Failures the breaker counted.
pub const CIRCUIT_BREAKER_FAILURES: &str = "circuit_breaker_failures";
/// Times the breaker opened (re-opening after a failed probe included).
pub const CIRCUIT_BREAKER_OPENS_TOTAL: &str = "circuit_breaker_opens_total";
/// Half-open probes that succeeded.
pub const CIRCUIT_BREAKER_HALF_OPEN_SUCCESS: &str = "circuit_breaker_half_open_success";
/// Half-open probes that failed.
pub const CIRCUIT_BREAKER_HALF_OPEN_FAILURE: &str = "circuit_breaker_half_open_failure";
/// Requests the token bucket would admit now.
pub const RATE_LIMITER_TOKENS_AVAILABLE: &str = "rate_limiter_tokens_available";
/// The token bucket's capacity.
pub const RATE_LIMITER_CAPACITY: &str = "rate_limiter_capacity";
/// Time a request waited for a token.
pub const RATE_LIMITER_WAIT_TIME_SECONDS: &str = "rate_limiter_wait_time_seconds";
/// Requests that had to wait for a token (or gave up waiting).
pub const RATE_LIMITER_THROTTLED_REQUESTS: &str = "rate_limiter_throttled_requests";
/// Overall health: 1 healthy or degraded, 0 unhealthy.
pub const HEALTH_CHECK_STATUS: &str = "health_check_status";
/// Share of dependencies (token endpoint, Central API) that are up, 0..1.
pub const HEALTH_CHECK_DEPENDENCIES_UP: &str = "health_check_dependencies_up";
/// Build metadata, value 1.
pub const BUILD_INFO: &str = "aruba_noc_mcp_build_info";
/// Whether Central answered the last request (or probe) without a 5xx: 1 or 0.
pub const ARUBA_CENTRAL_UP: &str = "aruba_central_up";
/// MCP tool calls by `tool` and `outcome`.
pub const MCP_TOOL_CALLS_TOTAL: &str = "mcp_tool_calls_total";
/// Device actions by `tool` and `outcome` (see [`ACTION_OUTCOMES`]).
pub const MCP_ACTIONS_TOTAL: &str = "mcp_actions_total";
/// The device-action tools: their [`MCP_ACTIONS_TOTAL`] series are created at 0 at start.
pub const ACTION_TOOLS: [&str; 5] = [
    "bounce_poe",
    "bounce_port",
    "reboot_device",
    "run_cable_test",
    "disconnect_clients",
];
/// The `outcome` values of [`MCP_ACTIONS_TOTAL`]: a preview was shown (code or elicitation),
/// the engineer confirmed, declined or cancelled, the call was refused (a bad code, no
/// elicitation, an uplink), the per-minute limit stopped it, Central ran it, or it failed.
pub const ACTION_OUTCOMES: [&str; 7] = [
    "preview",
    "confirmed",
    "declined",
    "refused",
    "rate_limited",
    "executed",
    "failed",
];
/// Duration of MCP tool calls by `tool`.
pub const MCP_TOOL_CALL_DURATION_SECONDS: &str = "mcp_tool_call_duration_seconds";
/// MCP sessions open now, by `transport` (`stdio`, `socket`, `http`).
pub const MCP_SESSIONS_ACTIVE: &str = "mcp_sessions_active";
/// MCP sessions opened, by `transport`.
pub const MCP_SESSIONS_TOTAL: &str = "mcp_sessions_total";
/// Sessions or requests refused, by `reason` (see [`SESSION_REJECT_REASONS`]).
pub const MCP_SESSIONS_REJECTED_TOTAL: &str = "mcp_sessions_rejected_total";
/// Responses of the Streamable HTTP endpoint (`/mcp`), by status `code`.
pub const MCP_HTTP_REQUESTS_TOTAL: &str = "mcp_http_requests_total";

/// The `transport` label values of the session metrics.
pub const SESSION_TRANSPORTS: [&str; 3] = ["stdio", "socket", "http"];
/// The `reason` label values of [`MCP_SESSIONS_REJECTED_TOTAL`]: the session limit was reached,
/// the bearer token was missing or wrong, the `Origin` was not allowed.
pub const SESSION_REJECT_REASONS: [&str; 3] = ["max_sessions", "unauthorized", "origin"];
/// The `code` values of [`MCP_HTTP_REQUESTS_TOTAL`] created at 0 (others appear when they occur).
const HTTP_CODES: [&str; 8] = ["200", "202", "400", "401", "403", "404", "413", "503"];

/// `status_code` values for requests that got no HTTP answer.
pub const NO_ANSWER_LABELS: [&str; 4] = ["timeout", "connect_error", "io_error", "oversize"];

/// Central request latency: fast loopback to the 60 s worst case.
const API_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// Token endpoint latency; the plan alerts at p95 > 2 s.
const TOKEN_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];
/// Limiter waits: from a millisecond to a minute (Retry-After pauses); the plan alerts at p95 > 1 s.
const WAIT_BUCKETS: &[f64] = &[
    0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// Tool calls: local validation errors in microseconds to diagnostics that wait minutes.
const TOOL_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

/// How often [`upkeep`] drains histogram samples.
pub const UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// Drains recorded histogram samples into their buckets every `interval`, forever. The recorder
/// keeps each sample until upkeep runs, and a scrape is the only other thing that runs it:
/// without this, a server nobody scrapes grows by every call's durations (about 100 bytes a
/// tool call, found by the soak test).
pub async fn upkeep(handle: PrometheusHandle, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        handle.run_upkeep();
    }
}

/// Builds the Prometheus recorder, with real histograms (explicit buckets) for every `_seconds`
/// metric, without installing it.
///
/// Building it calibrates the clock the exporter stamps samples with (`quanta`: a busy loop of a
/// few milliseconds, up to 200 ms on a noisy machine), the largest single cost of start-up, so
/// `serve` builds it on a helper thread while the tool catalogue is generated and answers
/// `initialize` without waiting for it.
pub fn build() -> Result<PrometheusRecorder, BuildError> {
    Ok(PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(API_CALL_DURATION_SECONDS.into()), API_BUCKETS)?
        .set_buckets_for_metric(
            Matcher::Full(OAUTH2_TOKEN_REFRESH_DURATION_SECONDS.into()),
            TOKEN_BUCKETS,
        )?
        .set_buckets_for_metric(
            Matcher::Full(RATE_LIMITER_WAIT_TIME_SECONDS.into()),
            WAIT_BUCKETS,
        )?
        .set_buckets_for_metric(
            Matcher::Full(MCP_TOOL_CALL_DURATION_SECONDS.into()),
            TOOL_BUCKETS,
        )?
        .build_recorder())
}

/// Installs `recorder` (from [`build`]) for the process, describes every metric and
/// pre-initialises the series alerts use.
///
/// Fails when a recorder is already installed.
pub fn install(
    recorder: PrometheusRecorder,
    endpoints: &[Endpoint],
    tools: &[String],
) -> Result<PrometheusHandle, BuildError> {
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder)?;
    describe();
    preinitialise(endpoints, tools);
    describe_exporters();
    Ok(handle)
}

/// Registers the help text and unit of every metric.
pub fn describe() {
    describe_counter!(
        API_CALLS_TOTAL,
        "HTTP requests sent to Aruba Central (each attempt), by route template and method."
    );
    describe_counter!(
        API_CALLS_SUCCESS,
        "Requests to Aruba Central answered with a 2xx status."
    );
    describe_counter!(
        API_CALLS_FAILURE,
        "Requests to Aruba Central that failed, by HTTP status code (or timeout, connect_error, io_error, oversize)."
    );
    describe_histogram!(
        API_CALL_DURATION_SECONDS,
        Unit::Seconds,
        "Duration of one HTTP request to Aruba Central."
    );
    describe_counter!(
        API_RETRIES_TOTAL,
        "Retries of Aruba Central calls after a transient failure, by route template."
    );
    describe_counter!(
        OAUTH2_TOKEN_REFRESHES_TOTAL,
        "Access tokens obtained from the OAuth2 token endpoint."
    );
    describe_counter!(
        OAUTH2_TOKEN_REFRESH_FAILURES,
        "Failed requests to the OAuth2 token endpoint."
    );
    describe_histogram!(
        OAUTH2_TOKEN_REFRESH_DURATION_SECONDS,
        Unit::Seconds,
        "Duration of one request to the OAuth2 token endpoint."
    );
    describe_counter!(
        OAUTH2_CONCURRENT_REFRESH_PREVENTED,
        "Token requests avoided because a concurrent call had just obtained a token (single-flight)."
    );
    describe_gauge!(
        TOKEN_EXPIRY_BUFFER_SECONDS,
        Unit::Seconds,
        "Seconds until the cached access token expires (0 when none is cached or it has expired)."
    );
    describe_gauge!(
        CIRCUIT_BREAKER_STATE,
        "Circuit breaker state: 0 closed, 1 open, 2 half-open."
    );
    describe_counter!(
        CIRCUIT_BREAKER_FAILURES,
        "Failures of Aruba Central counted by the circuit breaker (5xx, timeouts, connection errors)."
    );
    describe_counter!(
        CIRCUIT_BREAKER_OPENS_TOTAL,
        "Times the circuit breaker opened, re-opening after a failed probe included."
    );
    describe_counter!(
        CIRCUIT_BREAKER_HALF_OPEN_SUCCESS,
        "Half-open probe calls that succeeded and closed the breaker."
    );
    describe_counter!(
        CIRCUIT_BREAKER_HALF_OPEN_FAILURE,
        "Half-open probe calls that failed and re-opened the breaker."
    );
    describe_gauge!(
        RATE_LIMITER_TOKENS_AVAILABLE,
        "Requests the client-side token bucket would admit right now."
    );
    describe_gauge!(
        RATE_LIMITER_CAPACITY,
        "Capacity of the client-side token bucket (ARUBA_RATE_LIMIT_REQUESTS)."
    );
    describe_histogram!(
        RATE_LIMITER_WAIT_TIME_SECONDS,
        Unit::Seconds,
        "Time a request waited for a rate-limiter token."
    );
    describe_counter!(
        RATE_LIMITER_THROTTLED_REQUESTS,
        "Requests that had to wait for a rate-limiter token, or gave up because none came before the deadline."
    );
    describe_gauge!(
        HEALTH_CHECK_STATUS,
        "Overall health: 1 healthy or degraded, 0 unhealthy."
    );
    describe_gauge!(
        HEALTH_CHECK_DEPENDENCIES_UP,
        "Share of dependencies (OAuth2 token endpoint, Aruba Central API) that are up, 0 to 1."
    );
    describe_gauge!(
        BUILD_INFO,
        "Build information of aruba-noc-mcp; the value is always 1."
    );
    describe_gauge!(
        ARUBA_CENTRAL_UP,
        "1 when Aruba Central answered the last request or probe without a 5xx, else 0."
    );
    describe_counter!(
        MCP_TOOL_CALLS_TOTAL,
        "MCP tool calls, by tool and outcome (ok, error)."
    );
    describe_counter!(
        MCP_ACTIONS_TOTAL,
        "Device actions (reboot, bounce, cable test, disconnect), by tool and outcome."
    );
    describe_histogram!(
        MCP_TOOL_CALL_DURATION_SECONDS,
        Unit::Seconds,
        "Duration of MCP tool calls, by tool."
    );
    describe_gauge!(
        MCP_SESSIONS_ACTIVE,
        "MCP sessions open now, by transport (stdio, socket, http)."
    );
    describe_counter!(MCP_SESSIONS_TOTAL, "MCP sessions opened, by transport.");
    describe_counter!(
        MCP_SESSIONS_REJECTED_TOTAL,
        "MCP sessions or requests refused, by reason (max_sessions, unauthorized, origin)."
    );
    describe_counter!(
        MCP_HTTP_REQUESTS_TOTAL,
        "Responses of the Streamable HTTP endpoint /mcp, by HTTP status code."
    );
}

/// Creates, at 0, every series an alert or dashboard reads, so that a rate over a fresh process
/// is 0 rather than absent: the label-free counters and gauges, the per-route call counters,
/// the per-tool call counters, the session series, the limiter wait histogram, and build info.
pub fn preinitialise(endpoints: &[Endpoint], tools: &[String]) {
    for name in [
        OAUTH2_TOKEN_REFRESHES_TOTAL,
        OAUTH2_TOKEN_REFRESH_FAILURES,
        OAUTH2_CONCURRENT_REFRESH_PREVENTED,
        CIRCUIT_BREAKER_FAILURES,
        CIRCUIT_BREAKER_OPENS_TOTAL,
        CIRCUIT_BREAKER_HALF_OPEN_SUCCESS,
        CIRCUIT_BREAKER_HALF_OPEN_FAILURE,
        RATE_LIMITER_THROTTLED_REQUESTS,
    ] {
        counter!(name).absolute(0);
    }
    for name in [
        TOKEN_EXPIRY_BUFFER_SECONDS,
        CIRCUIT_BREAKER_STATE,
        RATE_LIMITER_TOKENS_AVAILABLE,
        RATE_LIMITER_CAPACITY,
        HEALTH_CHECK_STATUS,
        HEALTH_CHECK_DEPENDENCIES_UP,
        ARUBA_CENTRAL_UP,
    ] {
        gauge!(name).set(0.0);
    }
    for &(endpoint, method) in endpoints {
        for name in [API_CALLS_TOTAL, API_CALLS_SUCCESS, API_RETRIES_TOTAL] {
            counter!(name, "endpoint" => endpoint, "method" => method).absolute(0);
        }
    }
    for tool in tools {
        for outcome in ["ok", "error"] {
            counter!(MCP_TOOL_CALLS_TOTAL, "tool" => tool.clone(), "outcome" => outcome)
                .absolute(0);
        }
    }
    // Whether or not the actions are offered: the series exist, so the assets can read them.
    for tool in ACTION_TOOLS {
        for outcome in ACTION_OUTCOMES {
            counter!(MCP_ACTIONS_TOTAL, "tool" => tool, "outcome" => outcome).absolute(0);
        }
    }
    for transport in SESSION_TRANSPORTS {
        gauge!(MCP_SESSIONS_ACTIVE, "transport" => transport).set(0.0);
        counter!(MCP_SESSIONS_TOTAL, "transport" => transport).absolute(0);
    }
    for reason in SESSION_REJECT_REASONS {
        counter!(MCP_SESSIONS_REJECTED_TOTAL, "reason" => reason).absolute(0);
    }
    for code in HTTP_CODES {
        counter!(MCP_HTTP_REQUESTS_TOTAL, "code" => code).absolute(0);
    }
    // Registered, not recorded: the histogram is exported (all buckets at 0) before the first wait.
    let _ = metrics::histogram!(RATE_LIMITER_WAIT_TIME_SECONDS);
    gauge!(
        BUILD_INFO,
        "version" => env!("CARGO_PKG_VERSION"),
        "revision" => crate::telemetry::REVISION
    )
    .set(1.0);
}

/// Counts one audited step of a device action.
pub fn record_action(tool: &str, outcome: &'static str) {
    counter!(MCP_ACTIONS_TOTAL, "tool" => tool.to_string(), "outcome" => outcome).increment(1);
}

/// How one request to Central ended, for the call metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestEnd {
    /// Central answered with this HTTP status.
    Status(u16),
    /// No answer in time.
    Timeout,
    /// The connection could not be made.
    ConnectError,
    /// The connection broke mid-request.
    IoError,
    /// The answer was larger than the body cap.
    Oversize,
}

impl RequestEnd {
    /// The `status_code` label value.
    pub fn label(self) -> String {
        match self {
            RequestEnd::Status(code) => code.to_string(),
            RequestEnd::Timeout => NO_ANSWER_LABELS[0].to_string(),
            RequestEnd::ConnectError => NO_ANSWER_LABELS[1].to_string(),
            RequestEnd::IoError => NO_ANSWER_LABELS[2].to_string(),
            RequestEnd::Oversize => NO_ANSWER_LABELS[3].to_string(),
        }
    }

    /// Central answered 2xx.
    pub fn is_success(self) -> bool {
        matches!(self, RequestEnd::Status(200..=299))
    }
}

/// Records one request sent to Central: total, success or failure by status, and duration.
pub fn record_api_request(endpoint: Endpoint, end: RequestEnd, elapsed: Duration) {
    let (endpoint, method) = endpoint;
    counter!(API_CALLS_TOTAL, "endpoint" => endpoint, "method" => method).increment(1);
    if end.is_success() {
        counter!(API_CALLS_SUCCESS, "endpoint" => endpoint, "method" => method).increment(1);
    } else {
        counter!(API_CALLS_FAILURE, "endpoint" => endpoint, "method" => method, "status_code" => end.label())
            .increment(1);
    }
    metrics::histogram!(API_CALL_DURATION_SECONDS, "endpoint" => endpoint, "method" => method)
        .record(elapsed.as_secs_f64());
}

/// Records one finished MCP tool call.
pub fn record_tool_call(tool: &str, outcome: &'static str, elapsed: Duration) {
    let tool = tool.to_string();
    counter!(MCP_TOOL_CALLS_TOTAL, "tool" => tool.clone(), "outcome" => outcome).increment(1);
    metrics::histogram!(MCP_TOOL_CALL_DURATION_SECONDS, "tool" => tool)
        .record(elapsed.as_secs_f64());
}

/// Counter of runs not delivered to LangSmith (label `reason`).
pub const ANALYTICS_DROPPED: &str = "analytics_dropped_total";
/// Counter of runs delivered to LangSmith.
pub const ANALYTICS_RUNS_SENT: &str = "analytics_runs_sent_total";
/// Counter of spans not delivered to the OTLP collector (label `reason`).
pub const OTLP_SPANS_DROPPED: &str = "otlp_spans_dropped_total";
/// Counter of spans delivered to the OTLP collector.
pub const OTLP_SPANS_SENT: &str = "otlp_spans_sent_total";

/// Why items were dropped (the `reason` label).
pub const DROP_REASONS: &[&str] = &["queue_full", "send_failed", "rejected"];

/// Describes the exporters' counters and creates them at 0 (called when the Prometheus recorder
/// is installed, whether or not an exporter runs, so a dashboard never sees them missing).
pub fn describe_exporters() {
    metrics::describe_counter!(
        ANALYTICS_DROPPED,
        "LangSmith runs not delivered, by reason (queue_full, send_failed, rejected)."
    );
    metrics::describe_counter!(
        ANALYTICS_RUNS_SENT,
        "LangSmith runs delivered (POST /runs/batch answered 2xx or 409)."
    );
    metrics::describe_counter!(
        OTLP_SPANS_DROPPED,
        "OTLP spans not delivered, by reason (queue_full, send_failed, rejected)."
    );
    metrics::describe_counter!(OTLP_SPANS_SENT, "OTLP spans delivered.");
    for dropped in [ANALYTICS_DROPPED, OTLP_SPANS_DROPPED] {
        for reason in DROP_REASONS {
            metrics::counter!(dropped, "reason" => *reason).absolute(0);
        }
    }
    metrics::counter!(ANALYTICS_RUNS_SENT).absolute(0);
    metrics::counter!(OTLP_SPANS_SENT).absolute(0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics_exporter_prometheus::PrometheusBuilder;

    const DEVICES: Endpoint = ("network-monitoring/v1/devices", "GET");

    /// Renders what `f` records with a local recorder shaped like the installed one.
    fn render(f: impl FnOnce()) -> String {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(API_CALL_DURATION_SECONDS.into()), API_BUCKETS)
            .unwrap()
            .set_buckets_for_metric(
                Matcher::Full(RATE_LIMITER_WAIT_TIME_SECONDS.into()),
                WAIT_BUCKETS,
            )
            .unwrap()
            .build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            describe();
            f();
        });
        handle.render()
    }

    #[test]
    fn api_requests_are_counted_by_route_and_status() {
        let out = render(|| {
            record_api_request(DEVICES, RequestEnd::Status(200), Duration::from_millis(30));
            record_api_request(DEVICES, RequestEnd::Status(503), Duration::from_millis(3));
            record_api_request(DEVICES, RequestEnd::Timeout, Duration::from_secs(30));
        });
        let endpoint = DEVICES.0;
        assert!(out.contains(&format!(
            "api_calls_total{{endpoint=\"{endpoint}\",method=\"GET\"}} 3"
        )));
        assert!(out.contains(&format!(
            "api_calls_success{{endpoint=\"{endpoint}\",method=\"GET\"}} 1"
        )));
        assert!(out.contains(&format!(
            "api_calls_failure{{endpoint=\"{endpoint}\",method=\"GET\",status_code=\"503\"}} 1"
        )));
        assert!(out.contains("status_code=\"timeout\"} 1"));
        assert!(
            out.contains("# TYPE api_call_duration_seconds histogram"),
            "{out}"
        );
        assert!(out.contains("api_call_duration_seconds_bucket{endpoint"));
        assert!(out.contains("# HELP api_calls_failure "));
    }

    #[test]
    fn preinitialised_series_exist_at_zero() {
        let out = render(|| preinitialise(&[DEVICES], &["get_device_list".to_string()]));
        for line in [
            "oauth2_token_refresh_failures 0",
            "circuit_breaker_opens_total 0",
            "circuit_breaker_state 0",
            "health_check_status 0",
            "mcp_tool_calls_total{tool=\"get_device_list\",outcome=\"error\"} 0",
            "mcp_sessions_active{transport=\"socket\"} 0",
            "mcp_sessions_total{transport=\"http\"} 0",
            "mcp_sessions_rejected_total{reason=\"max_sessions\"} 0",
            "mcp_http_requests_total{code=\"401\"} 0",
            "rate_limiter_wait_time_seconds_count 0",
            "rate_limiter_wait_time_seconds_bucket{le=\"+Inf\"} 0",
        ] {
            assert!(out.contains(line), "missing {line:?} in\n{out}");
        }
        assert!(out.contains("aruba_noc_mcp_build_info{version=\""));
    }
}
