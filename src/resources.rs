//! MCP resources: the alert runbooks (`aruba-noc://runbooks/<AlertName>`, Markdown embedded in
//! the binary from `packaging/monitoring/runbooks/`) and this server's live health
//! (`aruba-noc://health`, the same JSON as `check_server_health`'s structured result). When an
//! alert fires, the assistant can read its runbook and follow it with the tools.

use rmcp::model::{Resource, ResourceContents};

use crate::central::Central;

/// The URI prefix of every runbook resource.
pub const RUNBOOK_PREFIX: &str = "aruba-noc://runbooks/";

/// The URI of the live health resource.
pub const HEALTH_URI: &str = "aruba-noc://health";

/// How long reading the health resource may wait for its probe of Central.
const HEALTH_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

macro_rules! runbook {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/packaging/monitoring/runbooks/",
                $name,
                ".md"
            )),
        )
    };
}

/// Every runbook: alert name and Markdown text. A unit test checks this list against the
/// directory, so a new runbook cannot be forgotten.
pub const RUNBOOKS: &[(&str, &str)] = &[
    runbook!("APISuccessRateLow"),
    runbook!("CentralAPIErrorBudgetBurn"),
    runbook!("CircuitBreakerNearThreshold"),
    runbook!("CircuitBreakerOpen"),
    runbook!("CircuitBreakerRecoveryFailing"),
    runbook!("DeviceActionExecuted"),
    runbook!("FrequentTokenRefreshes"),
    runbook!("HealthCheckFailed"),
    runbook!("HealthDependencyDown"),
    runbook!("HighAPIFailureRate"),
    runbook!("HighAPILatency"),
    runbook!("HighAPIServerErrorRate"),
    runbook!("HighRetryRate"),
    runbook!("OAuth2TokenRefreshFailed"),
    runbook!("RateLimiterPressure"),
    runbook!("RateLimiterWaitHigh"),
    runbook!("ScrapeTargetDown"),
    runbook!("ServiceRestarting"),
    runbook!("SessionLimitReached"),
    runbook!("SlowOAuth2TokenRefresh"),
    runbook!("TokenExpiringSoon"),
    runbook!("ToolCallsErrorBudgetBurn"),
];

/// Why a resource could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// No resource has this URI.
    #[error("unknown resource {0:?}; resources/list shows the resources this server offers")]
    NotFound(String),
    /// The health report could not be serialised.
    #[error("the health report could not be serialised ({0})")]
    Serialise(#[from] serde_json::Error),
}

/// What `resources/list` returns: every runbook, then the health resource.
pub fn list() -> Vec<Resource> {
    let mut resources: Vec<Resource> = RUNBOOKS
        .iter()
        .map(|(name, text)| {
            Resource::new(format!("{RUNBOOK_PREFIX}{name}"), format!("runbook {name}"))
                .with_title(format!("Runbook: {name} alert"))
                .with_description(format!(
                    "What the {name} alert means and what to do about it."
                ))
                .with_mime_type("text/markdown")
                .with_size(text.len() as u64)
        })
        .collect();
    resources.push(
        Resource::new(HEALTH_URI, "health")
            .with_title("This server's live health")
            .with_description(
                "Central token, circuit breaker, rate limiter and Central's reachability, \
                 as check_server_health reports them (JSON).",
            )
            .with_mime_type("application/json"),
    );
    resources
}

/// The runbook text for `uri`, if it names one.
pub fn runbook(uri: &str) -> Option<&'static str> {
    let name = uri.strip_prefix(RUNBOOK_PREFIX)?;
    RUNBOOKS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// What `resources/read` returns for `uri`.
pub async fn read(central: &Central, uri: &str) -> Result<ResourceContents, ResourceError> {
    if let Some(text) = runbook(uri) {
        return Ok(ResourceContents::text(text, uri).with_mime_type("text/markdown"));
    }
    if uri != HEALTH_URI {
        return Err(ResourceError::NotFound(uri.to_string()));
    }
    let deadline = tokio::time::Instant::now() + HEALTH_DEADLINE;
    let report = crate::tools::health::current(central, true, deadline).await;
    let mut json = serde_json::to_value(&report)?;
    if let serde_json::Value::Object(object) = &mut json {
        object.insert(crate::tools::SUMMARY.into(), report.summary().into());
    }
    Ok(ResourceContents::text(json.to_string(), uri).with_mime_type("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runbook_in_the_directory_is_served() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/monitoring/runbooks");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|f| f.strip_suffix(".md").map(str::to_string))
            .filter(|f| f != "README")
            .collect();
        on_disk.sort();
        let served: Vec<String> = RUNBOOKS.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            served, on_disk,
            "RUNBOOKS must list packaging/monitoring/runbooks/*.md"
        );
        for (name, text) in RUNBOOKS {
            assert!(text.starts_with(&format!("# {name}")), "{name}");
        }
    }

    #[test]
    fn runbook_uris_resolve_and_others_do_not() {
        assert!(runbook("aruba-noc://runbooks/CircuitBreakerOpen").is_some());
        assert!(runbook("aruba-noc://runbooks/NoSuchAlert").is_none());
        assert!(runbook("aruba-noc://runbooks/README").is_none());
        assert_eq!(list().len(), RUNBOOKS.len() + 1);
    }
}
