//! The state shared by the server task and the [`SimulatorHandle`](super::SimulatorHandle).

use std::sync::{Arc, Mutex, MutexGuard};

use super::SimulatorConfig;
use super::auth::TokenStore;
use super::data::Dataset;
use super::inject::Faults;
use super::journal::Journal;
use super::ratelimit::RateWindow;
use super::response::DebugIds;
use super::router::Router;
use super::{
    actions, admin, auth, clients_detail, connectivity, effects, events, gateway_ports, gateways,
    health, inventory, monitoring, notifications, services, show_commands, switch_more, switches,
    tasks, threats, trends, troubleshooting, wireless,
};

/// Everything a request handler may need. Shared behind an `Arc`.
#[derive(Debug)]
pub(crate) struct State {
    /// The configuration the simulator was started with.
    pub(crate) config: SimulatorConfig,
    /// The seeded data.
    pub(crate) dataset: Arc<Dataset>,
    /// Issued bearer tokens.
    pub(crate) tokens: Mutex<TokenStore>,
    /// Requests received (admin endpoints excluded).
    pub(crate) journal: Journal,
    /// `debugId` generator for error envelopes.
    pub(crate) debug_ids: DebugIds,
    /// Nominal rate-limit accounting for the `X-RateLimit-*` headers.
    pub(crate) rate: RateWindow,
    /// The active fault-injection rules.
    pub(crate) faults: Faults,
    /// The API routes (token endpoint and Central services).
    pub(crate) routes: Router,
    /// The `/_simulator/*` routes.
    pub(crate) admin: Router,
    /// Troubleshooting tasks (ping, traceroute, bounces, cable tests) and their state.
    pub(crate) tasks: tasks::TaskStore,
    /// What device actions changed (rebooting devices, bounced ports, disconnected clients).
    pub(crate) effects: effects::Effects,
}

impl State {
    /// Build the state: generate the dataset (as of the start of the current UTC hour) and the
    /// route tables.
    pub(crate) fn new(config: SimulatorConfig) -> Self {
        let snapshot = super::data::hour_start(super::journal::now_unix_ms());
        let dataset = Arc::new(Dataset::generate_at(config.seed, snapshot));
        let mut routes = Router::new();
        auth::register(&mut routes);
        monitoring::register(&mut routes);
        health::register(&mut routes);
        inventory::register(&mut routes);
        switches::register(&mut routes);
        switch_more::register(&mut routes);
        gateways::register(&mut routes);
        gateway_ports::register(&mut routes);
        services::register(&mut routes);
        clients_detail::register(&mut routes);
        wireless::register(&mut routes);
        trends::register(&mut routes);
        notifications::register(&mut routes);
        events::register(&mut routes);
        threats::register(&mut routes);
        troubleshooting::register(&mut routes);
        actions::register(&mut routes);
        show_commands::register(&mut routes);
        connectivity::register(&mut routes);
        let mut admin_routes = Router::new();
        admin::register(&mut admin_routes);
        Self {
            tokens: Mutex::new(TokenStore::new(config.seed)),
            debug_ids: DebugIds::new(config.seed),
            journal: Journal::new(super::journal::JOURNAL_CAPACITY),
            rate: RateWindow::new(),
            faults: Faults::new(config.seed, config.faults.clone()),
            dataset,
            routes,
            admin: admin_routes,
            tasks: tasks::TaskStore::new(config.seed),
            effects: effects::Effects::new(config.action_duration),
            config,
        }
    }

    /// Lock the token store (a poisoned lock is recovered: the store stays consistent).
    pub(crate) fn tokens(&self) -> MutexGuard<'_, TokenStore> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}
