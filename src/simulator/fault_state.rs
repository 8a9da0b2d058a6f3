//! The active fault rules of a running simulator: the [`FaultSpec`] with its per-rule
//! counters and ratio streams, and the choice of the rule for each request.

use std::sync::{Mutex, MutexGuard};

use serde_json::{Value, json};

use super::faults::{FaultMode, FaultSpec, RATIO_ONE};
use super::prng::{SplitMix64, mix};
use super::tokens::is_bearer_path;

/// Domain separator of the ratio streams (so they differ from the dataset's).
const STREAM_SALT: u64 = 0xFA17_0000_0000_0001;

/// Counters of one rule.
#[derive(Debug)]
struct RuleState {
    hits: u64,
    rng: SplitMix64,
}

#[derive(Debug)]
struct Active {
    spec: FaultSpec,
    rules: Vec<RuleState>,
}

impl Active {
    fn new(seed: u64, spec: FaultSpec) -> Self {
        let rules = (0..spec.rules().len() as u64)
            .map(|i| RuleState {
                hits: 0,
                rng: SplitMix64::new(mix(seed ^ STREAM_SALT) ^ mix(i + 1)),
            })
            .collect();
        Self { spec, rules }
    }
}

/// The active fault rules of a simulator.
#[derive(Debug)]
pub(crate) struct Faults {
    seed: u64,
    active: Mutex<Active>,
}

impl Faults {
    /// `spec` active, counters at zero.
    pub(crate) fn new(seed: u64, spec: FaultSpec) -> Self {
        Self {
            seed,
            active: Mutex::new(Active::new(seed, spec)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Active> {
        self.active.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replace the active rules (counters and ratio streams start again).
    pub(crate) fn set(&self, spec: FaultSpec) {
        *self.lock() = Active::new(self.seed, spec);
    }

    /// The active spec.
    pub(crate) fn spec(&self) -> FaultSpec {
        self.lock().spec.clone()
    }

    /// `{"spec": "<canonical text>", "rules": [{"rule", "mode", "scope", "limit", "remaining",
    /// "hits"}]}` (`limit`/`remaining` are null for unlimited rules).
    pub(crate) fn status_json(&self) -> Value {
        let active = self.lock();
        let rules: Vec<Value> = active
            .spec
            .rules()
            .iter()
            .zip(&active.rules)
            .map(|(rule, st)| {
                json!({
                    "rule": rule.to_string(),
                    "mode": rule.mode.to_string(),
                    "scope": rule.scope,
                    "limit": rule.limit,
                    "remaining": rule.limit.map(|n| n.saturating_sub(st.hits)),
                    "hits": st.hits,
                })
            })
            .collect();
        json!({"spec": active.spec.to_string(), "rules": rules})
    }

    /// The fault for a request to `path` (`bearer_valid`: it carries a currently valid token),
    /// counting the hit on the rule that applies; `None` when no rule applies.
    pub(crate) fn decide(&self, path: &str, bearer_valid: bool) -> Option<FaultMode> {
        let mut active = self.lock();
        let Active { spec, rules } = &mut *active;
        for (rule, st) in spec.rules().iter().zip(rules.iter_mut()) {
            if !rule.covers(path) || rule.limit.is_some_and(|n| st.hits >= n) {
                continue;
            }
            match rule.mode {
                FaultMode::UnauthorizedOnce if !(bearer_valid && is_bearer_path(path)) => continue,
                FaultMode::Error { ratio_ppm, .. }
                    if ratio_ppm < RATIO_ONE
                        && st.rng.below(u64::from(RATIO_ONE)) >= u64::from(ratio_ppm) =>
                {
                    continue;
                }
                _ => {}
            }
            st.hits = st.hits.saturating_add(1);
            return Some(rule.mode);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(spec: &str) -> Faults {
        Faults::new(42, spec.parse().expect("spec"))
    }

    const APS: &str = "/network-monitoring/v1/aps";
    const TOKEN: &str = super::super::tokens::TOKEN_PATH;

    #[test]
    fn first_unspent_matching_rule_applies() {
        let f = faults("error=500#2,error=502@/network-monitoring/v1/clients,latency=5");
        assert_eq!(
            f.decide(APS, true),
            Some(FaultMode::Error {
                status: 500,
                ratio_ppm: RATIO_ONE
            })
        );
        assert_eq!(
            f.decide(APS, true),
            Some(FaultMode::Error {
                status: 500,
                ratio_ppm: RATIO_ONE
            })
        );
        assert_eq!(f.decide(APS, true), Some(FaultMode::Latency { ms: 5 }));
        assert_eq!(
            f.decide("/network-monitoring/v1/clients", true),
            Some(FaultMode::Error {
                status: 502,
                ratio_ppm: RATIO_ONE
            })
        );
        assert_eq!(f.decide(TOKEN, false), None);
        let status = f.status_json();
        assert_eq!(status["rules"][0]["remaining"], 0);
        assert_eq!(status["rules"][0]["hits"], 2);
        assert_eq!(status["rules"][2]["remaining"], Value::Null);
        assert_eq!(status["rules"][2]["hits"], 1);
    }

    #[test]
    fn token_modes_only_on_the_token_endpoint() {
        let f = faults("token-down#1,token-expiry=3");
        assert_eq!(f.decide(APS, true), None);
        assert_eq!(
            f.decide(TOKEN, false),
            Some(FaultMode::TokenDown { status: 503 })
        );
        assert_eq!(
            f.decide(TOKEN, false),
            Some(FaultMode::TokenExpiry { secs: 3 })
        );
    }

    #[test]
    fn unauthorized_once_needs_a_valid_token() {
        let f = faults("unauthorized-once");
        assert_eq!(f.decide(APS, false), None);
        assert_eq!(f.decide(APS, true), Some(FaultMode::UnauthorizedOnce));
        assert_eq!(f.decide(APS, true), None);
    }

    #[test]
    fn ratios_are_deterministic_and_roughly_right() {
        let run = |seed| {
            let f = Faults::new(seed, "error=503:0.3".parse().expect("spec"));
            (0..1000)
                .map(|_| f.decide(APS, true).is_some())
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        let n = a.iter().filter(|x| **x).count();
        assert!((220..380).contains(&n), "{n}");
        // Replacing the spec restarts the stream.
        let f = Faults::new(7, "error=503:0.3".parse().expect("spec"));
        let first: Vec<bool> = (0..50).map(|_| f.decide(APS, true).is_some()).collect();
        f.set("error=503:0.3".parse().expect("spec"));
        let again: Vec<bool> = (0..50).map(|_| f.decide(APS, true).is_some()).collect();
        assert_eq!(first, again);
    }
}
