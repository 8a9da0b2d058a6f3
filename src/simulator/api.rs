//! The simulator's route tables: every Central endpoint it serves and its `/_simulator/*`
//! admin endpoints, gathered from the handler modules, and the [`State`] that holds them.

use super::config::SimulatorConfig;
use super::router::Router;
use super::state::State;
use super::{
    actions, admin, arp_locate_dns, auth, clients_detail, connectivity, events, gateway_ports,
    gateways, health, inventory, monitoring, notifications, services, show_commands, switch_more,
    switches, threats, throughput, trends, troubleshooting, wireless,
};

/// The API routes: the token endpoint and the Central services.
pub(crate) fn routes() -> Router<State> {
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
    throughput::register(&mut routes);
    arp_locate_dns::register(&mut routes);
    connectivity::register(&mut routes);
    routes
}

/// The `/_simulator/*` routes.
pub(crate) fn admin_routes() -> Router<State> {
    let mut admin_routes = Router::new();
    admin::register(&mut admin_routes);
    admin_routes
}

/// A fresh simulator state for `config`, with both route tables.
pub(crate) fn state(config: SimulatorConfig) -> State {
    State::new(config, routes(), admin_routes())
}
