//! `aruba-noc-mcp daemon`: the appliance service. One long-lived process owns Central access
//! (one token cache, breaker, bucket and worker pool) and monitoring (one `/metrics`, the
//! exporters, the idle prober), and serves MCP sessions to every client: local ones on a Unix
//! socket ([`socket`]), remote ones over Streamable HTTP ([`http`]). Each session gets its own
//! [`NocServer`](crate::server::NocServer) handler over the shared state; the handler does not
//! know its transport.
//!
//! Signals: SIGHUP re-reads the config file and the secret files without dropping a session
//! (new credentials are used from the next token request; settings that need a restart are
//! named in a warning). SIGTERM or SIGINT stop accepting sessions, let the tool calls in flight
//! finish (at most [`DRAIN_LIMIT`]), end the sessions, remove the socket, flush the exporters
//! and exit 0. systemd hears of each step ([`systemd`]).

pub mod http;
pub mod socket;
pub mod systemd;

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::app::{self, Core, Failure, SimulatorGuard};
use crate::central::Central;
use crate::cli::Cli;
use crate::config::{Config, ConfigError};
use crate::sessions::{CallTracker, SessionSlots};
use crate::telemetry;

use http::McpHttp;
use socket::SocketListener;

/// How long shutdown waits for tool calls in flight before ending the sessions.
pub const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// Runs the daemon until SIGTERM or SIGINT.
pub fn run(cli: &Cli, simulate: bool, seed: u64, faults: &str) -> Result<(), Failure> {
    let mut config = app::load_config(cli)?;
    let exporters = telemetry::Telemetry::start(&config);
    let simulator = app::simulate_if(&mut config, simulate, seed, faults)?;
    app::log_startup(&config);
    let http = config
        .mcp
        .http
        .as_ref()
        .map(|settings| McpHttp::load(settings, config.mcp.max_sessions))
        .transpose()?;
    if config.mcp.socket.is_none() && http.is_none() {
        return Err(Failure::Config(ConfigError::Inconsistent(
            "the daemon has nothing to serve MCP on: ARUBA_MCP_SOCKET is off and ARUBA_MCP_ADDR \
             is off; enable at least one"
                .to_string(),
        )));
    }
    let core = Core::start(&config)?;
    let tracker = CallTracker::new();
    let server = core.server.clone().with_tracker(Arc::clone(&tracker));
    let slots = SessionSlots::new(config.mcp.max_sessions);
    let runtime = app::runtime()?;
    let result = runtime.block_on(async {
        // Sessions are counted from the first one on: wait for the recorder.
        core.monitoring_started().await;
        let socket = config
            .mcp
            .socket
            .as_deref()
            .map(SocketListener::bind)
            .transpose()
            .map_err(|e| Failure::Other(e.to_string()))?
            .map(Arc::new);
        let tcp =
            match &http {
                Some(http) => Some(tokio::net::TcpListener::bind(http.addr()).await.map_err(
                    |e| {
                        Failure::Other(format!(
                            "cannot listen on {} (ARUBA_MCP_ADDR): {e}",
                            http.addr()
                        ))
                    },
                )?),
                None => None,
            };
        let stop = CancellationToken::new();
        let mut accepting = Vec::new();
        if let Some(socket) = &socket {
            let (socket, server, slots, stop) = (
                Arc::clone(socket),
                server.clone(),
                Arc::clone(&slots),
                stop.clone(),
            );
            accepting.push(tokio::spawn(async move {
                socket.serve(server, slots, stop).await;
            }));
        }
        let http_addr = tcp.as_ref().and_then(|l| l.local_addr().ok());
        if let (Some(http), Some(tcp)) = (http, tcp) {
            accepting.push(tokio::spawn(http.serve(
                tcp,
                server.clone(),
                Arc::clone(&slots),
                stop.clone(),
            )));
        }
        tracing::info!(
            version = env!("CARGO_PKG_VERSION"),
            revision = telemetry::REVISION,
            base_url = core.central.base_url(),
            tools = core.registry.len(),
            socket = socket.as_ref().map(|s| s.path().display().to_string()),
            http = http_addr.map(|a| format!("{a}/mcp")),
            max_sessions = config.mcp.max_sessions,
            "aruba-noc-mcp daemon serving MCP"
        );
        systemd::ready("serving MCP");
        let watchdog = tokio::spawn(systemd::watchdog());
        let signal = wait_for_stop(cli, &core.central, &simulator, &mut config).await;
        tracing::info!(
            signal,
            calls_in_flight = tracker.in_flight(),
            sessions = slots.open(),
            "stopping: no new sessions; draining tool calls"
        );
        systemd::stopping();
        for task in accepting {
            task.abort();
            let _ = task.await;
        }
        // The accept loop held the other reference: this removes the socket file.
        drop(socket);
        tracker.stop_accepting();
        let left = tracker.drain(DRAIN_LIMIT).await;
        if left > 0 {
            tracing::warn!(
                calls = left,
                limit_s = DRAIN_LIMIT.as_secs(),
                "tool calls still running at the drain limit are cancelled"
            );
        }
        stop.cancel();
        // Let the sessions write their last responses and close.
        tokio::time::sleep(Duration::from_millis(100)).await;
        watchdog.abort();
        Ok::<(), Failure>(())
    });
    runtime.shutdown_timeout(Duration::from_millis(500));
    tracing::info!("daemon stopped");
    exporters.shutdown();
    result
}

/// Serves reloads until SIGTERM or SIGINT, and returns that signal's name.
async fn wait_for_stop(
    cli: &Cli,
    central: &Central,
    simulator: &SimulatorGuard,
    running: &mut Config,
) -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangup = match signal(SignalKind::hangup()) {
        Ok(hangup) => Some(hangup),
        Err(e) => {
            tracing::warn!(error = %e, "SIGHUP cannot be handled; reload by restarting");
            None
        }
    };
    let stop = app::termination_signal();
    tokio::pin!(stop);
    loop {
        let reload = async {
            match hangup.as_mut() {
                Some(hangup) => hangup.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            name = &mut stop => return name,
            _ = reload => {
                systemd::reloading();
                reload_config(cli, central, simulator, running);
                systemd::ready("serving MCP (reloaded)");
            }
        }
    }
}

/// Re-reads the configuration and the secret files. New credentials take effect at once (at
/// the next token request); other changes are named as needing a restart. An invalid
/// configuration is logged and the running one kept.
fn reload_config(cli: &Cli, central: &Central, simulator: &SimulatorGuard, running: &mut Config) {
    let mut fresh = match app::load_config(cli) {
        Ok(fresh) => fresh,
        Err(e) => {
            tracing::error!(error = %e, "reload failed: the configuration is invalid; the running one stays");
            return;
        }
    };
    simulator.apply(&mut fresh);
    for warning in &fresh.warnings {
        tracing::warn!("{warning}");
    }
    let credentials_changed = central
        .auth()
        .replace_credentials(fresh.central.credentials.clone());
    let restart = needs_restart(running, &fresh);
    for section in &restart {
        tracing::warn!(
            settings = section,
            "reload: these settings changed and take effect at the next restart (systemctl restart aruba-noc-mcp)"
        );
    }
    tracing::info!(
        credentials_changed,
        needs_restart = restart.len(),
        "configuration reloaded"
    );
    running.central.credentials = fresh.central.credentials;
}

/// The groups of settings that differ between `running` and `fresh` and cannot change while the
/// daemon runs (all but the credentials).
fn needs_restart(running: &Config, fresh: &Config) -> Vec<&'static str> {
    let mut central = fresh.central.clone();
    central.credentials = running.central.credentials.clone();
    let pairs: [(&'static str, String, String); 8] = [
        (
            "Central (ARUBA_BASE_URL, timeouts, workers)",
            format!("{:?}", running.central),
            format!("{central:?}"),
        ),
        (
            "rate limiter and circuit breaker",
            format!("{:?}", running.resilience),
            format!("{:?}", fresh.resilience),
        ),
        (
            "metrics listener (ARUBA_METRICS_*)",
            format!("{:?}", running.metrics),
            format!("{:?}", fresh.metrics),
        ),
        (
            "MCP listeners (ARUBA_MCP_*)",
            format!("{:?}", running.mcp),
            format!("{:?}", fresh.mcp),
        ),
        (
            "tool selection (ARUBA_TOOLSETS, ARUBA_TOOLS, ARUBA_READ_ONLY)",
            format!("{:?}", running.tools),
            format!("{:?}", fresh.tools),
        ),
        (
            "logging (ARUBA_LOG, ARUBA_LOG_FORMAT)",
            format!("{:?}", running.log),
            format!("{:?}", fresh.log),
        ),
        (
            "analytics (LANGSMITH_*, ARUBA_ANALYTICS_*)",
            format!("{:?}{:?}", running.langsmith, running.analytics),
            format!("{:?}{:?}", fresh.langsmith, fresh.analytics),
        ),
        (
            "tracing (OTEL_*)",
            format!("{:?}", running.otlp),
            format!("{:?}", fresh.otlp),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, before, after)| before != after)
        .map(|(name, _, _)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Inputs;

    fn load(env: &[(&str, &str)]) -> Config {
        Config::load(&Inputs {
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            ..Inputs::default()
        })
        .unwrap()
    }

    #[test]
    fn only_changed_settings_other_than_credentials_need_a_restart() {
        let running = load(&[("ARUBA_CLIENT_ID", "a"), ("ARUBA_CLIENT_SECRET", "s1")]);
        let rotated = load(&[("ARUBA_CLIENT_ID", "a"), ("ARUBA_CLIENT_SECRET", "s2")]);
        assert!(needs_restart(&running, &rotated).is_empty());
        let slower = load(&[
            ("ARUBA_CLIENT_ID", "a"),
            ("ARUBA_CLIENT_SECRET", "s1"),
            ("ARUBA_RATE_LIMIT_REQUESTS", "10"),
            ("ARUBA_LOG", "debug"),
        ]);
        assert_eq!(
            needs_restart(&running, &slower),
            [
                "rate limiter and circuit breaker",
                "logging (ARUBA_LOG, ARUBA_LOG_FORMAT)"
            ]
        );
    }
}
