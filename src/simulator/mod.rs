//! The built-in simulator of HPE Aruba Networking Central's REST API.
//!
//! It serves, over plain HTTP/1.1 on a local socket, the endpoints described in
//! `central-api/CONTRACT.md`: the OAuth2 token endpoint and the routes of the NOC tool
//! catalogue in `network-monitoring` (v1, and v1alpha1 IDPS threats), `network-notifications`,
//! `network-services` and `network-troubleshooting` (events and asynchronous ping/traceroute
//! tasks), backed by a small network generated deterministically from a seed. It records every
//! request in a journal so tests can assert on exactly what a client sent.
//!
//! ```no_run
//! use aruba_noc_mcp::simulator::{Simulator, SimulatorConfig};
//!
//! let sim = Simulator::start("127.0.0.1:0".parse().unwrap(), SimulatorConfig::default()).unwrap();
//! println!("base URL {} token URL {}", sim.base_url(), sim.token_url());
//! sim.shutdown();
//! ```
//!
//! # Layout
//!
//! | module | its one job |
//! |---|---|
//! | `mod.rs` | public API: [`Simulator::start`], [`SimulatorHandle`], server thread and shutdown |
//! | `server` | hyper plumbing, body limits, the dispatch point, journal recording |
//! | `faults` | the fault-injection language: [`FaultSpec`] and its rules |
//! | `inject` | fault injection at run time: counters, rule choice, faulted answers |
//! | `body` | the response body type (whole, or truncated by a fault) |
//! | `router` | decoded requests, query parsing, route table of method + path template |
//! | `auth` | token endpoint, token store, bearer validation |
//! | `data` (`catalog`, `generate`, `extra`, `ports`) | the seeded [`Dataset`]: types, static catalogues, generator; operational data (stacks, uplinks, tunnels, alerts, events, threats, spares); switch ports |
//! | `views` | JSON shapes of the dataset (API field names) |
//! | `monitoring` | `network-monitoring/v1` sites-health, devices, aps, aps/{sn}, clients |
//! | `health` | site-health/{id}, tenant-device-health, tenant-client-health, sites-device-health, sites-client-health |
//! | `inventory` | device-inventory |
//! | `switches` | switches, switch detail, interfaces, stack members |
//! | `switch_more` | switch VLANs and hardware trends |
//! | `gateways` | gateways, detail, uplinks and tunnels (list and detail), cluster members and tunnels |
//! | `gateway_ports` | gateway ports (list and detail), LAN/WAN tunnel health summaries |
//! | `clients_detail` | clients/{mac}, clients-trend, clients-topn-usage |
//! | `wireless` | wlans, wlans/{name}, AP radios, WLANs and ports, fleet radios, top APs |
//! | `trends` | AP, gateway and WLAN trends (the "graph" shape) |
//! | `notifications` | `network-notifications/v1/alerts` |
//! | `events` | `network-troubleshooting/v1/events`, `event-filters`, `event-extra-attributes` |
//! | `services` | `network-services/v1/firmware-details` |
//! | `threats` | `network-monitoring/v1alpha1/threats` and `threats/{id}` (IDPS) |
//! | `troubleshooting`, `tasks` | async ping/traceroute, polling, list-tasks; the task store and its state machine |
//! | `arp_locate_dns` | getArpTable (aps, aos-s, gateways), locate (aps, cx, aos-s), nslookup (aps) |
//! | `lookup` | shared id lookups (404s), time windows, deterministic noise |
//! | `odata`, `sort` | the `filter` and `sort` query languages |
//! | `page` | cursor and offset pagination, list-parameter validation |
//! | `response` | responses, the error envelope, `debugId`s |
//! | `journal` | the bounded request journal |
//! | `ratelimit` | nominal `X-RateLimit-*` accounting |
//! | `admin` | `/_simulator/*` endpoints |
//! | `state`, `prng` | shared state; the SplitMix64 generator |
//!
//! # Admin endpoints (no auth, not journaled)
//!
//! `GET /_simulator/journal`, `DELETE /_simulator/journal` (204), `GET /_simulator/dataset`,
//! `GET /_simulator/routes`, and `GET`/`PUT`/`DELETE /_simulator/faults` (see [`FaultSpec`]).
//!
//! # Fault injection
//!
//! [`SimulatorConfig::faults`], [`SimulatorHandle::set_faults`] or `PUT /_simulator/faults`
//! make the simulator fail like a real upstream does (5xx, 429, slow or silent answers, broken
//! connections, bad bodies, token endpoint outages, expiring or revoked tokens); the grammar is
//! in the [`faults`](FaultSpec) documentation. Every faulted request is journaled with
//! [`JournalEntry::fault`] set.

mod actions;
mod admin;
mod api;
mod arp_locate_dns;
mod auth;
mod body;
mod clients_detail;
mod config;
mod connectivity;
mod data;
mod effects;
mod events;
mod fault_state;
mod faults;
mod gateway_ports;
mod gateways;
mod health;
mod inject;
mod inventory;
mod journal;
mod lookup;
mod monitoring;
mod notifications;
mod odata;
mod page;
mod prng;
mod ratelimit;
mod response;
mod router;
mod server;
mod services;
mod show_commands;
mod sort;
mod state;
mod switch_more;
mod switches;
mod tasks;
mod threats;
mod throughput;
mod tokens;
mod trends;
mod troubleshooting;
mod views;
mod wireless;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

pub use config::SimulatorConfig;
pub use data::{
    Client, ClientStatus, ConnectionType, Dataset, Device, DeviceStatus, DeviceType, Radio, Site,
    Wlan,
};
pub use faults::{FAULT_FORMS, FaultMode, FaultRule, FaultSpec, FaultSpecError, RATIO_ONE};
pub use journal::JournalEntry;

use state::State;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    /// The listening socket could not be bound.
    #[error("simulator cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The socket was bound but could not be prepared for serving.
    #[error("simulator cannot serve on {addr}: {source}")]
    Setup {
        /// The address bound.
        addr: SocketAddr,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Entry point: starts a simulator on its own thread.
#[derive(Debug, Clone, Copy)]
pub struct Simulator;

impl Simulator {
    /// Bind `listen` (e.g. `127.0.0.1:0`), spawn a dedicated OS thread running its own tokio
    /// current-thread runtime that serves HTTP/1.1, and return once the socket is bound.
    pub fn start(
        listen: SocketAddr,
        config: SimulatorConfig,
    ) -> Result<SimulatorHandle, SimulatorError> {
        let std_listener =
            std::net::TcpListener::bind(listen).map_err(|source| SimulatorError::Bind {
                addr: listen,
                source,
            })?;
        let addr = std_listener
            .local_addr()
            .map_err(|source| SimulatorError::Setup {
                addr: listen,
                source,
            })?;
        let setup = |source| SimulatorError::Setup { addr, source };
        std_listener.set_nonblocking(true).map_err(setup)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(setup)?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener).map_err(setup)?
        };

        let state = Arc::new(api::state(config));
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let thread_state = state.clone();
        let thread = std::thread::Builder::new()
            .name(format!("central-simulator-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(server::serve(listener, thread_state, shutdown_rx));
                // Dropping the runtime cancels the connection tasks still running.
                drop(runtime);
            })
            .map_err(setup)?;
        tracing::info!(%addr, seed = state.config.seed, "Central simulator listening");
        Ok(SimulatorHandle {
            addr,
            state,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        })
    }
}

/// A running simulator. Dropping it stops the server and joins its thread.
#[derive(Debug)]
pub struct SimulatorHandle {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl SimulatorHandle {
    /// The bound socket address (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL of the API, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// URL of the OAuth2 token endpoint, e.g. `http://127.0.0.1:41234/as/token.oauth2`.
    pub fn token_url(&self) -> String {
        format!("{}{}", self.base_url(), tokens::TOKEN_PATH)
    }

    /// The client id the token endpoint accepts.
    pub fn client_id(&self) -> &str {
        &self.state.config.client_id
    }

    /// The client secret the token endpoint accepts.
    pub fn client_secret(&self) -> &str {
        &self.state.config.client_secret
    }

    /// The seeded data the simulator serves (for tests to pick ids).
    pub fn dataset(&self) -> Arc<Dataset> {
        self.state.dataset.clone()
    }

    /// A snapshot of the journal, oldest first.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.state.journal.snapshot()
    }

    /// Empty the journal.
    pub fn clear_journal(&self) {
        self.state.journal.clear();
    }

    /// Replace the active fault rules (their counters start from zero).
    pub fn set_faults(&self, spec: FaultSpec) {
        self.state.faults.set(spec);
    }

    /// The canonical text of the active fault rules (empty when there are none).
    pub fn faults(&self) -> String {
        self.state.faults.spec().to_string()
    }

    /// Remove every fault rule.
    pub fn clear_faults(&self) {
        self.state.faults.set(FaultSpec::none());
    }

    /// How many locate requests (`POST …/locate`) device `serial` received: each one blinks its
    /// locator LED, which Central's API does not otherwise show.
    pub fn locates(&self, serial: &str) -> u32 {
        self.state.effects.locates(serial)
    }

    /// Stop serving and join the server thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    /// Block until the server thread ends (it runs until the process is stopped); for the
    /// foreground `simulator` command.
    pub fn wait(mut self) {
        // Keep the shutdown sender alive while waiting: dropping it would stop the server.
        let _keep = self.shutdown.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
