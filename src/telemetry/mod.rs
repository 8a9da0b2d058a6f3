//! Telemetry: structured logs, the Prometheus metrics and their HTTP listener, and the opt-in
//! exporters that observe the contract's spans (LangSmith tool-usage runs, OTLP traces).
//!
//! | module | its one job |
//! |---|---|
//! | [`logging`] | the tracing subscriber: JSON or text lines on stderr (per-layer filter, trace ids) |
//! | [`metrics`] | every metric name, help text and bucket; the recorder; recording helpers |
//! | [`process`] | the standard `process_*` metrics, read from `/proc` at scrape time |
//! | [`http`] | the `/metrics`, `/healthz`, `/readyz` listener (bearer auth, TLS, limits) |
//! | [`spans`] | bookkeeping of the `tool_call` / `central_request` / `token_refresh` spans |
//! | [`analytics`] | LangSmith runs |
//! | [`redact`] | the argument policy: what exporters may see of tool arguments |
//! | [`otlp`] | OTLP/HTTP JSON spans |
//! | [`export`] | the exporters' bounded queue and background sender thread |
//! | [`ids`] | UUIDv7, trace/span ids, RFC 3339 and `dotted_order` times |
//!
//! [`Telemetry::start`] installs the log subscriber and, when LangSmith or OTLP is configured,
//! the [`spans::SpanLayer`] with its exporters; [`Telemetry::shutdown`] flushes them with a
//! bounded wait when the server exits.

pub mod analytics;
pub mod export;
pub mod http;
pub mod ids;
pub mod logging;
pub mod metrics;
pub mod otlp;
pub mod process;
pub mod redact;
pub mod spans;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;

/// The git revision this binary was built from (`unknown` outside a checkout).
pub const REVISION: &str = env!("ARUBA_NOC_MCP_REVISION");

/// The server's name: reported in MCP `initialize` and in analytics runs.
pub const SERVER_NAME: &str = "aruba-noc-mcp";

/// The running exporters (none when analytics and tracing are off).
#[derive(Debug, Default)]
pub struct Telemetry {
    langsmith: Option<Arc<analytics::LangSmith>>,
    otlp: Option<Arc<otlp::Otlp>>,
    wait: Duration,
}

impl Telemetry {
    /// Starts the configured exporters and installs the global subscriber (logs + span layer).
    /// An exporter that cannot start its thread is reported and left off; the server runs on.
    pub fn start(config: &Config) -> Telemetry {
        let session = spans::Session::start_now();
        let mut problems = Vec::new();
        let langsmith = if config.langsmith.enabled {
            match analytics::LangSmith::start(
                &config.langsmith,
                &config.analytics,
                session.clone(),
                config.otlp.is_some(),
            ) {
                Ok(sink) => Some(Arc::new(sink)),
                Err(e) => {
                    problems.push(format!("LangSmith analytics stay off: {e}"));
                    None
                }
            }
        } else {
            None
        };
        let otlp = match &config.otlp {
            Some(settings) => match otlp::Otlp::start(settings, &config.analytics) {
                Ok(sink) => Some(Arc::new(sink)),
                Err(e) => {
                    problems.push(format!("OTLP trace export stays off: {e}"));
                    None
                }
            },
            None => None,
        };
        let mut sinks: Vec<Arc<dyn spans::SpanSink>> = Vec::new();
        if let Some(sink) = &langsmith {
            sinks.push(Arc::clone(sink) as Arc<dyn spans::SpanSink>);
        }
        if let Some(sink) = &otlp {
            sinks.push(Arc::clone(sink) as Arc<dyn spans::SpanSink>);
        }
        let layer = (!sinks.is_empty()).then(|| {
            let redactor = langsmith
                .as_ref()
                .map(|_| Arc::new(redact::Redactor::new(&config.analytics)));
            spans::SpanLayer::new(sinks, session.clone(), otlp.is_some(), redactor)
        });
        logging::init_with(&config.log, layer);
        for problem in problems {
            tracing::warn!("{problem}");
        }
        if langsmith.is_some() {
            tracing::info!(
                project = %config.langsmith.project,
                endpoint = %config.langsmith.endpoint,
                session_run = %session.id,
                arguments = if config.analytics.send_arguments { "redacted" } else { "off" },
                "LangSmith tool-usage analytics on"
            );
        }
        if let Some(settings) = &config.otlp {
            tracing::info!(
                endpoint = %settings.traces_endpoint,
                service_name = %settings.service_name,
                "OTLP trace export on"
            );
        }
        Telemetry {
            langsmith,
            otlp,
            wait: config.analytics.timeout,
        }
    }

    /// Whether any exporter runs.
    pub fn exporting(&self) -> bool {
        self.langsmith.is_some() || self.otlp.is_some()
    }

    /// Sends what is queued (and closes the LangSmith session run), waiting at most
    /// `ARUBA_ANALYTICS_TIMEOUT` for both exporters together.
    pub fn shutdown(&self) {
        let deadline = Instant::now() + self.wait;
        if let Some(sink) = &self.langsmith {
            sink.begin_shutdown(deadline);
        }
        if let Some(sink) = &self.otlp {
            sink.begin_shutdown(deadline);
        }
        if let Some(sink) = &self.langsmith {
            sink.wait(deadline);
        }
        if let Some(sink) = &self.otlp {
            sink.wait(deadline);
        }
    }
}
