//! aruba-noc-mcp
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app;
pub mod central;
pub mod cli;
pub mod config;
pub mod connect;
pub mod daemon;
#[cfg(feature = "demo")]
pub mod demo;
pub mod framing;
pub mod health;
pub mod prompts;
pub mod resilience;
pub mod resolver;
pub mod resources;
pub mod server;
pub mod sessions;
#[cfg(feature = "simulator")]
pub mod simulator;
pub mod telemetry;
pub mod tools;
