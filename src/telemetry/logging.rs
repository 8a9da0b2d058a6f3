//! Structured logs to stderr (stdout belongs to the MCP protocol).
//!
//! `ARUBA_LOG` is a `tracing` target filter (`info`, `warn,aruba_noc_mcp=debug`); `ARUBA_LOG_FORMAT`
//! chooses one JSON object per line (default, with the current span's fields such as `tool` and
//! `call_id`) or human-readable text. Nothing that holds a token or secret is ever a log field.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber. Safe to call once per process; a second call is ignored.
pub fn init(settings: &LogSettings) {
    // The filter was validated when the configuration was loaded; fall back to `info` regardless.
    let filter: Targets = settings
        .filter
        .parse()
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match settings.format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(true)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    // An already-installed subscriber (tests, embedding) is fine.
    drop(result);
}
