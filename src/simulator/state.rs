//! The state shared by the server task and the [`SimulatorHandle`](super::SimulatorHandle).

use std::sync::{Arc, Mutex, MutexGuard};

use super::config::SimulatorConfig;
use super::data::Dataset;
use super::fault_state::Faults;
use super::journal::Journal;
use super::ratelimit::RateWindow;
use super::response::DebugIds;
use super::router::Router;
use super::tokens::TokenStore;
use super::{effects, tasks};

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
    pub(crate) routes: Router<State>,
    /// The `/_simulator/*` routes.
    pub(crate) admin: Router<State>,
    /// Troubleshooting tasks (ping, traceroute, bounces, cable tests) and their state.
    pub(crate) tasks: tasks::TaskStore,
    /// What device actions changed (rebooting devices, bounced ports, disconnected clients).
    pub(crate) effects: effects::Effects,
}

impl State {
    /// Build the state: generate the dataset (as of the start of the current UTC hour) and the
    /// route tables `routes` (the API) and `admin` (`/_simulator/*`).
    pub(crate) fn new(
        config: SimulatorConfig,
        routes: Router<State>,
        admin: Router<State>,
    ) -> Self {
        let snapshot = super::data::hour_start(super::journal::now_unix_ms());
        let dataset = Arc::new(Dataset::generate_at(config.seed, snapshot));
        Self {
            tokens: Mutex::new(TokenStore::new(config.seed)),
            debug_ids: DebugIds::new(config.seed),
            journal: Journal::new(super::journal::JOURNAL_CAPACITY),
            rate: RateWindow::new(),
            faults: Faults::new(config.seed, config.faults.clone()),
            dataset,
            routes,
            admin,
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
