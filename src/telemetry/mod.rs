//! Telemetry: structured logs, the Prometheus metrics and their HTTP listener.
//!
//! | module | its one job |
//! |---|---|
//! | [`logging`] | the tracing subscriber: JSON or text lines on stderr |
//! | [`metrics`] | every metric name, help text and bucket; the recorder; recording helpers |
//! | [`process`] | the standard `process_*` metrics, read from `/proc` at scrape time |
//! | [`http`] | the `/metrics`, `/healthz`, `/readyz` listener (bearer auth, TLS, limits) |

pub mod http;
pub mod logging;
pub mod metrics;
pub mod process;

/// The git revision this binary was built from (`unknown` outside a checkout).
pub const REVISION: &str = env!("ARUBA_NOC_MCP_REVISION");
