//! The subcommands: what `serve`, `check` and `simulator` do once the command line is parsed
//! (`daemon` is in [`crate::daemon`], `connect` in [`crate::connect`]). `main` only parses, dispatches here and maps [`Failure`] to an exit code.

use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::PrometheusRecorder;
use rmcp::ServiceExt;

use crate::central::{ApiRequest, Central, routes};
use crate::cli::Cli;
use crate::config::{Config, ConfigError, Inputs};
use crate::framing::LineTransport;
use crate::health::{HealthEndpoints, IDLE_PROBE_INTERVAL, IdleProber};
use crate::server::NocServer;
use crate::sessions::{SessionSlots, Transport as SessionTransport};
use crate::telemetry;
use crate::telemetry::http::HttpSettings;
use crate::tools::{self, Registry};

/// Why a command failed, and so its exit code.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Bad configuration or usage: exit code 2.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Anything else: exit code 1.
    #[error("{0}")]
    Other(String),
}

impl Failure {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Config(_) => 2,
            Failure::Other(_) => 1,
        }
    }
}

fn other(context: &str) -> impl FnOnce(std::io::Error) -> Failure + '_ {
    move |e| Failure::Other(format!("{context}: {e}"))
}

/// Loads the configuration for `cli` from flags, the environment, the config file and secrets.
pub fn load_config(cli: &Cli) -> Result<Config, Failure> {
    let inputs = Inputs::from_process(cli.settings.clone(), cli.config_file.clone());
    Ok(Config::load(&inputs)?)
}

/// A current_thread runtime: `serve` runs MCP and its timers on one, and monitoring (the metrics
/// listener, upkeep, idle prober) on a second, on its own thread; blocking HTTP runs on the
/// transport's own worker threads.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(2)
        .thread_name("aruba-noc-mcp")
        .build()
        .map_err(other("cannot start the runtime"))
}

/// Logs the configuration's warnings and what is missing for Central.
pub(crate) fn log_startup(config: &Config) {
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    if let Some(reason) = config.central.credentials.missing_reason() {
        tracing::warn!("{reason}; tool calls will explain this until it is fixed");
    }
}

/// Parses a `--faults` value; a bad one is a usage error naming `--faults`.
#[cfg(feature = "simulator")]
fn fault_spec(text: &str) -> Result<crate::simulator::FaultSpec, Failure> {
    text.parse()
        .map_err(|e| Failure::Config(ConfigError::Usage(format!("--faults: {e}"))))
}

/// Starts the built-in simulator with the fault spec `faults` (empty: none) and points
/// `config` at it (base URL, token URL, credentials).
#[cfg(feature = "simulator")]
pub fn start_simulator(
    config: &mut Config,
    seed: u64,
    faults: &str,
) -> Result<crate::simulator::SimulatorHandle, Failure> {
    use crate::simulator::{Simulator, SimulatorConfig};
    let handle = Simulator::start(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        SimulatorConfig {
            seed,
            faults: fault_spec(faults)?,
            ..SimulatorConfig::default()
        },
    )
    .map_err(|e| Failure::Other(format!("cannot start the simulator: {e}")))?;
    point_at(config, &handle);
    tracing::info!(
        base_url = %handle.base_url(),
        seed,
        faults = %handle.faults(),
        "built-in Central simulator started"
    );
    Ok(handle)
}

/// Points `config` at the simulator behind `handle` (base URL, token URL, credentials).
#[cfg(feature = "simulator")]
fn point_at(config: &mut Config, handle: &crate::simulator::SimulatorHandle) {
    config.central.base_url = handle.base_url();
    config.central.token_url = handle.token_url();
    config.central.credentials = crate::config::Credentials {
        client_id: Some(handle.client_id().to_string()),
        client_secret: Some(crate::config::Secret::new(handle.client_secret())),
        access_token: None,
    };
}

#[cfg(not(feature = "simulator"))]
fn no_simulator() -> Failure {
    Failure::Config(ConfigError::Usage(
        "this build has no simulator (cargo feature `simulator`)".to_string(),
    ))
}

/// Keeps an in-process simulator (if any) alive while a command runs.
pub(crate) struct SimulatorGuard {
    #[cfg(feature = "simulator")]
    handle: Option<crate::simulator::SimulatorHandle>,
}

impl SimulatorGuard {
    /// Points a freshly loaded `config` at the running simulator, if there is one (the daemon's
    /// reload keeps talking to it).
    pub(crate) fn apply(&self, config: &mut Config) {
        #[cfg(feature = "simulator")]
        if let Some(handle) = &self.handle {
            point_at(config, handle);
        }
        #[cfg(not(feature = "simulator"))]
        let _ = config;
    }
}

/// With `simulate`, starts the simulator (with `faults`) and points `config` at it.
#[cfg(feature = "simulator")]
pub(crate) fn simulate_if(
    config: &mut Config,
    simulate: bool,
    seed: u64,
    faults: &str,
) -> Result<SimulatorGuard, Failure> {
    let handle = if simulate {
        Some(start_simulator(config, seed, faults)?)
    } else {
        None
    };
    Ok(SimulatorGuard { handle })
}

/// With `simulate`, fails: this build has no simulator.
#[cfg(not(feature = "simulator"))]
pub(crate) fn simulate_if(
    _config: &mut Config,
    simulate: bool,
    _seed: u64,
    _faults: &str,
) -> Result<SimulatorGuard, Failure> {
    if simulate {
        Err(no_simulator())
    } else {
        Ok(SimulatorGuard {})
    }
}

/// What `serve` and `daemon` share: the tool registry, the one `Central` (token cache, breaker,
/// bucket, workers), monitoring, and the MCP handler every session is made from.
pub(crate) struct Core {
    /// The tools offered.
    pub(crate) registry: Arc<Registry>,
    /// The call pipeline to Central.
    pub(crate) central: Arc<Central>,
    /// The handler sessions are made from (with the start-up gate).
    pub(crate) server: NocServer,
    /// True once monitoring has started (or failed to); tool calls wait for it.
    pub(crate) monitoring: tokio::sync::watch::Receiver<bool>,
}

impl Core {
    /// Builds the registry and `Central` for `config` and starts monitoring on its own thread.
    pub(crate) fn start(config: &Config) -> Result<Core, Failure> {
        let listener = HttpSettings::load(&config.metrics)?;
        let registry = Arc::new(
            Registry::select(tools::catalogue(), &config.tools)
                .map_err(|e| Failure::Config(ConfigError::Usage(e.to_string())))?,
        );
        let central = Arc::new(
            Central::new(config.central.clone(), &config.resilience)
                .map_err(other("cannot start the HTTP workers"))?,
        );
        let tool_names: Vec<String> = registry.names().into_iter().collect();
        // Tool calls wait until monitoring has started, so none of their metrics are lost.
        let (monitoring_started, ready) = tokio::sync::watch::channel(listener.is_none());
        let server = NocServer::new(Arc::clone(&registry), Arc::clone(&central))
            .with_startup_gate(ready.clone());
        match listener {
            Some(listener) => spawn_monitoring(
                listener,
                Arc::clone(&central),
                tool_names,
                monitoring_started,
            )?,
            // Without the listener the recorder is never installed; metrics are no-ops.
            None => drop(monitoring_started),
        }
        Ok(Core {
            registry,
            central,
            server,
            monitoring: ready,
        })
    }

    /// Waits until monitoring has started (the metrics recorder is installed or failed).
    pub(crate) async fn monitoring_started(&self) {
        let _ = self.monitoring.clone().wait_for(|ready| *ready).await;
    }
}

/// `serve [--simulate [--faults SPEC]]`: the MCP server on stdio until stdin closes.
pub fn serve(cli: &Cli, simulate: bool, seed: u64, faults: &str) -> Result<(), Failure> {
    let mut config = load_config(cli)?;
    let exporters = telemetry::Telemetry::start(&config);
    let _simulator = simulate_if(&mut config, simulate, seed, faults)?;
    log_startup(&config);
    let core = Core::start(&config)?;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        revision = telemetry::REVISION,
        base_url = core.central.base_url(),
        tools = core.registry.len(),
        read_only = config.tools.read_only,
        "aruba-noc-mcp serving MCP on stdio"
    );
    let runtime = runtime()?;
    let result = runtime.block_on(async move {
        // The session is counted once the recorder exists; `initialize` does not wait for it.
        let slots = SessionSlots::new(1);
        let counted = {
            let monitoring = core.monitoring.clone();
            tokio::spawn(async move {
                let _ = monitoring.clone().wait_for(|ready| *ready).await;
                let _slot = slots.try_open(SessionTransport::Stdio);
                std::future::pending::<()>().await;
            })
        };
        let (stdin, stdout) = rmcp::transport::stdio_pipes();
        let transport = LineTransport::new(stdin, stdout);
        let served = async {
            let service = match core.server.serve(transport).await {
                Ok(service) => service,
                // The client closed stdin without initialising: a normal, if short, session.
                Err(rmcp::service::ServerInitializeError::ConnectionClosed(_)) => return Ok(()),
                Err(e) => return Err(Failure::Other(format!("MCP initialisation failed: {e}"))),
            };
            tokio::select! {
                ended = service.waiting() => {
                    ended.map_err(|e| Failure::Other(format!("MCP session ended with an error: {e}")))?;
                }
                // Dropping the session cancels it; the exporters still flush below.
                signal = termination_signal() => {
                    tracing::info!(signal, "stopping on a signal");
                }
            }
            Ok::<(), Failure>(())
        };
        let result = served.await;
        counted.abort();
        result
    });
    // A pending stdin read cannot be cancelled; do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(100));
    tracing::info!("session over; exiting");
    // The last analytics runs and spans, within ARUBA_ANALYTICS_TIMEOUT.
    exporters.shutdown();
    result
}

/// Resolves with the name of the first SIGTERM or SIGINT, so that `serve` ends as it does when
/// stdin closes: the session is cancelled and the analytics and trace exporters send what they
/// hold (within `ARUBA_ANALYTICS_TIMEOUT`). Never resolves if the handlers cannot be installed.
pub(crate) async fn termination_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut terminate), Ok(mut interrupt)) => tokio::select! {
                _ = terminate.recv() => "SIGTERM",
                _ = interrupt.recv() => "SIGINT",
            },
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            Err(_) => std::future::pending().await,
        }
    }
}

/// Starts the monitoring thread: its own current_thread runtime serving `/metrics`, `/healthz`
/// and `/readyz`, the histogram upkeep and the idle prober, so that a scrape never waits behind
/// MCP work and a slow or hostile scraper never delays a tool call. It first builds the metrics
/// recorder (whose clock calibration is a busy loop of milliseconds); `initialize` does not wait
/// for that, tool calls do (`started` is set once the recorder is installed or has failed).
fn spawn_monitoring(
    settings: HttpSettings,
    central: Arc<Central>,
    tools: Vec<String>,
    started: tokio::sync::watch::Sender<bool>,
) -> Result<(), Failure> {
    let thread = std::thread::Builder::new()
        .name("monitoring".into())
        .spawn(move || {
            let runtime = match runtime() {
                Ok(runtime) => runtime,
                Err(e) => {
                    tracing::warn!(error = %e, "monitoring is unavailable: no runtime for it");
                    let _ = started.send(true);
                    return;
                }
            };
            runtime.block_on(async move {
                let recorder = telemetry::metrics::build().map_err(|e| e.to_string());
                start_monitoring(settings, recorder, central, &tools).await;
                let _ = started.send(true);
                // Serves until the process exits.
                std::future::pending::<()>().await;
            });
        });
    thread
        .map(drop)
        .map_err(other("cannot start the monitoring thread"))
}

/// Installs the metrics recorder, starts the `/metrics` listener and the idle health prober.
/// Nothing here stops MCP: a port in use or a second recorder is a warning.
async fn start_monitoring(
    settings: HttpSettings,
    recorder: Result<PrometheusRecorder, String>,
    central: Arc<Central>,
    tools: &[String],
) {
    let endpoints: Vec<telemetry::metrics::Endpoint> = routes::ALL
        .iter()
        .map(|route| (route.template, route.method.as_str()))
        .collect();
    let installed = recorder
        .and_then(|r| telemetry::metrics::install(r, &endpoints, tools).map_err(|e| e.to_string()));
    let handle = match installed {
        Ok(handle) => handle,
        Err(e) => {
            tracing::warn!(error = %e, "metrics are unavailable: the recorder could not be installed");
            return;
        }
    };
    // Before anything can fail: histogram samples must be drained whether or not the listener
    // comes up and whether or not anyone scrapes it.
    tokio::spawn(telemetry::metrics::upkeep(
        handle.clone(),
        telemetry::metrics::UPKEEP_INTERVAL,
    ));
    let addr = settings.addr;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            tracing::warn!(
                %addr,
                error = %e,
                "cannot listen for /metrics (ARUBA_METRICS_ADDR); is another instance running? MCP continues without it"
            );
            return;
        }
    };
    let local = listener.local_addr().unwrap_or(addr);
    tracing::info!(
        addr = %local,
        tls = settings.is_tls(),
        bearer_auth = settings.has_token(),
        "serving /metrics, /healthz and /readyz"
    );
    let endpoints = Arc::new(HealthEndpoints::new(Arc::clone(&central), handle));
    tokio::spawn(telemetry::http::serve(
        listener,
        Arc::new(settings),
        endpoints,
    ));
    tokio::spawn(IdleProber::new(IDLE_PROBE_INTERVAL).run(central));
}

/// `connect [--socket PATH] [--fallback]`: relays stdin/stdout to the daemon's socket. With
/// `fallback`, runs `serve` in-process when no daemon listens.
pub fn connect(cli: &Cli, socket: Option<&std::path::Path>, fallback: bool) -> Result<(), Failure> {
    let mut flags = std::collections::BTreeMap::new();
    if let Some(socket) = socket {
        flags.insert("mcp_socket".to_string(), socket.display().to_string());
    }
    let inputs = Inputs::from_process(flags, cli.config_file.clone());
    let Some(path) = crate::config::McpSettings::client_socket(&inputs)? else {
        return Err(Failure::Config(ConfigError::Usage(
            "ARUBA_MCP_SOCKET is off, so there is no daemon socket to connect to; give --socket PATH"
                .to_string(),
        )));
    };
    match crate::connect::open(&path) {
        Ok(stream) => {
            crate::connect::relay(stream, &path).map_err(|e| Failure::Other(e.to_string()))
        }
        Err(e) if fallback && e.no_daemon() => {
            eprintln!("aruba-noc-mcp connect: {e}; running standalone instead (--fallback)");
            serve(cli, false, crate::cli::DEFAULT_SEED, "")
        }
        Err(e) => Err(Failure::Other(e.to_string())),
    }
}

/// `check [--simulate]`: one token request and one cheap API call, reported on stdout.
pub fn check(cli: &Cli, simulate: bool) -> Result<(), Failure> {
    let mut config = load_config(cli)?;
    telemetry::logging::init(&config.log);
    let _simulator = simulate_if(&mut config, simulate, crate::cli::DEFAULT_SEED, "")?;
    for warning in &config.warnings {
        println!("warning: {warning}");
    }
    if let Some(reason) = config.central.credentials.missing_reason() {
        return Err(Failure::Other(format!("check failed: {reason}")));
    }
    let central = Central::new(config.central.clone(), &config.resilience)
        .map_err(other("cannot start the HTTP workers"))?;
    let runtime = runtime()?;
    runtime.block_on(async {
        println!("Central API gateway: {}", central.base_url());
        println!("Token endpoint:      {}", central.auth().token_url());
        let started = Instant::now();
        let page = central
            .call(
                ApiRequest::new(routes::SITES_HEALTH)
                    .query("limit", 1)
                    .query("offset", 0),
                central.deadline_from_now(),
            )
            .await
            .map_err(|e| Failure::Other(format!("check failed: {e}. {}", e.advice())))?;
        let status = central.auth().status();
        let expires = status.expires_in.map_or_else(
            || "a static token".to_string(),
            |d| format!("a token valid for {} s", d.as_secs()),
        );
        let sites = crate::tools::fields::count(&page.body, "total")
            .map_or_else(|| "an unknown number of".to_string(), |n| n.to_string());
        println!("Credentials:         OK ({expires})");
        println!(
            "API call:            OK ({} answered {} with {sites} site(s) in {} ms)",
            routes::SITES_HEALTH.call_name(),
            page.status,
            started.elapsed().as_millis()
        );
        Ok(())
    })
}

/// `simulator`: the fake Central (injecting `faults`, empty for none) in the foreground until
/// killed.
#[cfg(feature = "simulator")]
pub fn simulator(
    listen: std::net::SocketAddr,
    seed: u64,
    token_lifetime: Duration,
    faults: &str,
) -> Result<(), Failure> {
    use crate::simulator::{Simulator, SimulatorConfig};
    let handle = Simulator::start(
        listen,
        SimulatorConfig {
            seed,
            token_lifetime,
            faults: fault_spec(faults)?,
            ..SimulatorConfig::default()
        },
    )
    .map_err(|e| Failure::Other(format!("cannot start the simulator: {e}")))?;
    let base = handle.base_url();
    let faults = handle.faults();
    let faults = if faults.is_empty() {
        format!("none (PUT a spec to {base}/_simulator/faults)")
    } else {
        faults
    };
    let banner = format!(
        "Central simulator (seed {seed}) listening on {base}\n\
         Point aruba-noc-mcp at it with:\n  ARUBA_BASE_URL={base}\n  ARUBA_TOKEN_URL={}\n  \
         ARUBA_CLIENT_ID={}\n  ARUBA_CLIENT_SECRET={}\n\
         Request journal: {base}/_simulator/journal\nFaults: {faults}\n",
        handle.token_url(),
        handle.client_id(),
        handle.client_secret(),
    );
    // The banner is a courtesy: a closed stdout (the reader went away) must not stop the
    // simulator, so write errors are ignored rather than panicking like `println!`.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(banner.as_bytes());
        let _ = out.flush();
    }
    handle.wait();
    Ok(())
}

/// `simulator` in a build without the simulator.
#[cfg(not(feature = "simulator"))]
pub fn simulator(_: std::net::SocketAddr, _: u64, _: Duration, _: &str) -> Result<(), Failure> {
    Err(no_simulator())
}
