//! `check_server_health`: this MCP server's own health — token, circuit breaker, rate limiter
//! and Central — in the monitoring plan's shape, so the model can tell "Central is failing" from
//! "this server is pacing itself" before it blames the network. The evaluation itself is
//! [`crate::health`], shared with `/readyz` and the health gauges.

use std::time::Duration;

use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;

use super::args::Validate;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::health::{self, HealthReport, Source};

/// A request to Central younger than this is as good as a probe.
const RECENT_ENOUGH: Duration = Duration::from_secs(30);

/// Arguments of `check_server_health`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthArgs {
    /// Check Central live: unless a tool call reached Central in the last 30 s (whose answer is
    /// used instead), make one small authenticated call (sites-health, limit 1) and report its
    /// status and latency. Default true; false reports only what is already known and sends
    /// nothing.
    #[schemars(
        description = "Default true: one small live call to Central (or a result under 30 s old). false: only what is known."
    )]
    pub probe: Option<bool>,
}

impl Validate for HealthArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        Ok(())
    }
}

impl ToolOutput for HealthReport {
    fn summary(&self) -> String {
        HealthReport::summary(self)
    }
}

async fn check_health(ctx: ToolContext, args: HealthArgs) -> Result<HealthReport, ToolError> {
    Ok(current(&ctx.central, args.probe.unwrap_or(true), ctx.deadline).await)
}

/// This server's health now, as `check_server_health` reports it (also the
/// `aruba-noc://health` resource): with `probe`, one small live call to Central unless a request
/// reached it in the last 30 s; the report is also published to the health gauges.
pub async fn current(
    central: &crate::central::Central,
    probe: bool,
    deadline: tokio::time::Instant,
) -> HealthReport {
    let recent = central
        .last_observation()
        .is_some_and(|o| o.at.elapsed() < RECENT_ENOUGH);
    let source = if probe && !recent {
        // A failed probe is itself the finding: it is now Central's latest observation.
        if let Err(e) = health::probe(central, deadline).await {
            tracing::info!(error = %e, "health probe of Central failed");
        }
        Source::Probe
    } else {
        Source::RecentCall
    };
    let report = health::evaluate(central, source);
    health::publish(central, &report);
    report
}

/// The `check_server_health` tool.
pub fn check_server_health() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "check_server_health",
            title: "Check this server's health",
            description: "This MCP server's own health: Central token, circuit breaker, rate limit, Central's reachability and latency.",
            toolset: Toolset::Monitoring,
        },
        check_health,
    )
}
