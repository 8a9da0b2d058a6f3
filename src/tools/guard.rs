//! The guard rails of the device actions (issue 19), shared by every session of a server: the
//! per-minute limit, the single-use confirmation codes of the two-step flow, and the pending
//! elicitations of clients that answer through `InputRequiredResult` (MCP 2026-07-28).
//!
//! A confirmation code is 16 random bytes (hex), bound to the tool, the exact arguments (without
//! `confirmation`) and the session that received it, valid [`CODE_TTL`]. Redeeming it removes it;
//! a used code is remembered (until it would have expired) so that a second use is refused as
//! "already used" rather than "unknown".

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::ConfirmMode;

/// How long a confirmation code (and a pending elicitation) stays valid.
pub const CODE_TTL: Duration = Duration::from_secs(120);

/// Most codes and pending elicitations kept at once (the oldest are dropped first).
const MAX_PENDING: usize = 1024;

/// Why a confirmation code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefusal {
    /// No such code was issued.
    #[error("the confirmation code is not one this server issued")]
    Unknown,
    /// The code was already used once.
    #[error("the confirmation code was already used; codes are single-use")]
    Reused,
    /// The code is older than its validity.
    #[error("the confirmation code expired (codes are valid 120 s)")]
    Expired,
    /// The code was issued to another MCP session.
    #[error("the confirmation code was issued to another session")]
    OtherSession,
    /// The code was issued for another tool or other arguments.
    #[error(
        "the confirmation code was issued for {0}; the arguments must be exactly those of the preview"
    )]
    Changed(String),
}

/// What a code or a pending elicitation is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Tool name.
    pub tool: String,
    /// The arguments, canonical JSON, without `confirmation`.
    pub arguments: String,
    /// The session id.
    pub session: String,
}

#[derive(Debug)]
struct Issued {
    binding: Binding,
    issued: Instant,
    used: bool,
}

/// The guard rails one server shares between its sessions.
#[derive(Debug)]
pub struct ActionGuard {
    confirm: ConfirmMode,
    per_minute: u32,
    recent: Mutex<VecDeque<Instant>>,
    codes: Mutex<HashMap<String, Issued>>,
    pending: Mutex<HashMap<String, Issued>>,
}

impl ActionGuard {
    /// A guard allowing `per_minute` actions a minute, confirming with `confirm`.
    pub fn new(confirm: ConfirmMode, per_minute: u32) -> ActionGuard {
        ActionGuard {
            confirm,
            per_minute: per_minute.max(1),
            recent: Mutex::new(VecDeque::new()),
            codes: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// The confirmation mode (`ARUBA_ACTIONS_CONFIRM`).
    pub fn confirm_mode(&self) -> ConfirmMode {
        self.confirm
    }

    /// The per-minute limit (`ARUBA_ACTIONS_PER_MINUTE`).
    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Takes one action from the per-minute budget; `Err` is the seconds until one is free.
    pub fn take(&self) -> Result<(), u64> {
        let now = Instant::now();
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        while recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            recent.pop_front();
        }
        if recent.len() >= self.per_minute as usize {
            let oldest = recent.front().copied().unwrap_or(now);
            let wait = Duration::from_secs(60).saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        recent.push_back(now);
        Ok(())
    }

    /// Issues a fresh single-use code bound to `binding`.
    pub fn issue(&self, binding: Binding) -> String {
        let code = random_hex(16);
        insert(&self.codes, code.clone(), binding);
        code
    }

    /// Redeems `code` for `binding`: it must exist, be unused, fresh, of the same session and
    /// bound to the same tool and arguments. Only a successful redemption uses the code up.
    pub fn redeem(&self, code: &str, binding: &Binding) -> Result<(), CodeRefusal> {
        let mut codes = self.codes.lock().unwrap_or_else(|e| e.into_inner());
        let Some(issued) = codes.get_mut(code.trim()) else {
            return Err(CodeRefusal::Unknown);
        };
        if issued.used {
            return Err(CodeRefusal::Reused);
        }
        if issued.issued.elapsed() > CODE_TTL {
            return Err(CodeRefusal::Expired);
        }
        if issued.binding.session != binding.session {
            return Err(CodeRefusal::OtherSession);
        }
        if issued.binding.tool != binding.tool || issued.binding.arguments != binding.arguments {
            return Err(CodeRefusal::Changed(format!(
                "{} with {}",
                issued.binding.tool, issued.binding.arguments
            )));
        }
        issued.used = true;
        Ok(())
    }

    /// Remembers a pending elicitation (MCP 2026-07-28 `InputRequiredResult`) and returns the
    /// opaque `requestState` that names it.
    pub fn park(&self, binding: Binding) -> String {
        let state = random_hex(16);
        insert(&self.pending, state.clone(), binding);
        state
    }

    /// Takes back the pending elicitation `state` for `binding` (single use, same rules as a
    /// code).
    pub fn unpark(&self, state: &str, binding: &Binding) -> Result<(), CodeRefusal> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let Some(issued) = pending.remove(state) else {
            return Err(CodeRefusal::Unknown);
        };
        if issued.issued.elapsed() > CODE_TTL {
            return Err(CodeRefusal::Expired);
        }
        if issued.binding.session != binding.session {
            return Err(CodeRefusal::OtherSession);
        }
        if issued.binding.tool != binding.tool || issued.binding.arguments != binding.arguments {
            return Err(CodeRefusal::Changed(issued.binding.tool));
        }
        Ok(())
    }
}

fn insert(map: &Mutex<HashMap<String, Issued>>, key: String, binding: Binding) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    // Forget what can no longer be redeemed, then the oldest beyond the cap.
    map.retain(|_, i| i.issued.elapsed() <= CODE_TTL);
    while map.len() >= MAX_PENDING {
        let Some(oldest) = map
            .iter()
            .min_by_key(|(_, i)| i.issued)
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        map.remove(&oldest);
    }
    map.insert(
        key,
        Issued {
            binding,
            issued: Instant::now(),
            used: false,
        },
    );
}

/// `n` random bytes from the operating system (through rustls' ring provider), as hex.
fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    let provider = rustls::crypto::ring::default_provider();
    if provider.secure_random.fill(&mut bytes).is_err() {
        // No OS randomness: fall back to fastrand seeded from the clock (still unguessable
        // enough to bind a preview to its call; codes are also bound to the session).
        for b in &mut bytes {
            *b = fastrand::u8(..);
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(tool: &str, args: &str, session: &str) -> Binding {
        Binding {
            tool: tool.into(),
            arguments: args.into(),
            session: session.into(),
        }
    }

    #[test]
    fn a_code_is_single_use_and_bound_to_tool_arguments_and_session() {
        let g = ActionGuard::new(ConfirmMode::Auto, 6);
        let b = binding("bounce_poe", r#"{"ports":["1/1/3"]}"#, "s1");
        let code = g.issue(b.clone());
        assert_eq!(code.len(), 32);
        assert_eq!(g.redeem("nope", &b), Err(CodeRefusal::Unknown));
        assert_eq!(
            g.redeem(&code, &binding("bounce_poe", &b.arguments, "s2")),
            Err(CodeRefusal::OtherSession)
        );
        assert!(matches!(
            g.redeem(
                &code,
                &binding("bounce_poe", r#"{"ports":["1/1/4"]}"#, "s1")
            ),
            Err(CodeRefusal::Changed(_))
        ));
        assert_eq!(g.redeem(&code, &b), Ok(()));
        assert_eq!(g.redeem(&code, &b), Err(CodeRefusal::Reused));
        assert_ne!(g.issue(b.clone()), code);
    }

    #[test]
    fn an_expired_code_is_refused() {
        let g = ActionGuard::new(ConfirmMode::Auto, 6);
        let b = binding("reboot_device", "{}", "s1");
        let code = g.issue(b.clone());
        let past = Instant::now()
            .checked_sub(CODE_TTL + Duration::from_secs(1))
            .expect("the monotonic clock is past 121 s");
        g.codes.lock().unwrap().get_mut(&code).unwrap().issued = past;
        assert_eq!(g.redeem(&code, &b), Err(CodeRefusal::Expired));
    }

    #[test]
    fn the_limit_counts_actions_in_the_last_minute() {
        let g = ActionGuard::new(ConfirmMode::Auto, 2);
        assert!(g.take().is_ok());
        assert!(g.take().is_ok());
        let wait = g.take().unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
    }

    #[test]
    fn a_pending_elicitation_is_taken_once() {
        let g = ActionGuard::new(ConfirmMode::Auto, 6);
        let b = binding("reboot_device", "{}", "s1");
        let state = g.park(b.clone());
        assert_eq!(g.unpark(&state, &b), Ok(()));
        assert_eq!(g.unpark(&state, &b), Err(CodeRefusal::Unknown));
    }
}
