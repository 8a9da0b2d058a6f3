//! Telemetry: logs now; metrics, the HTTP listener and analytics join here.

pub mod logging;
