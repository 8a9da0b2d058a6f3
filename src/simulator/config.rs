//! How the simulator is started.

use std::time::Duration;

use super::faults::FaultSpec;

/// How the simulator is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatorConfig {
    /// Seed of the generated dataset (default 42). Same seed ⇒ same data and responses.
    pub seed: u64,
    /// Lifetime of issued bearer tokens, reported as `expires_in` (default 7200 s).
    pub token_lifetime: Duration,
    /// Client id accepted by the token endpoint (default `sim-client-id`).
    pub client_id: String,
    /// Client secret accepted by the token endpoint (default `sim-client-secret`).
    pub client_secret: String,
    /// Faults to inject from the start (default: none).
    pub faults: FaultSpec,
    /// How long a device rebooted by an action stays OFFLINE (then it is ONLINE again), and a
    /// bounced port down (default 10 s).
    pub action_duration: Duration,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            token_lifetime: Duration::from_secs(7200),
            client_id: "sim-client-id".to_string(),
            client_secret: "sim-client-secret".to_string(),
            faults: FaultSpec::none(),
            action_duration: Duration::from_secs(10),
        }
    }
}
