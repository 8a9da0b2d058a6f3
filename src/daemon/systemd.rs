//! The daemon's side of systemd's `Type=notify` protocol (the `sd-notify` crate): READY once it
//! listens, WATCHDOG at half the unit's `WatchdogSec=`, RELOADING and READY around a reload,
//! STOPPING at shutdown. Outside systemd (`NOTIFY_SOCKET` unset) every call does nothing.

use std::time::Duration;

use sd_notify::NotifyState;

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd (NOTIFY_SOCKET)");
    }
}

/// The service is up: the listeners accept sessions.
pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// A reload (SIGHUP) has started.
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now]),
        Err(_) => send(&[NotifyState::Reloading]),
    }
}

/// Shutdown has started.
pub fn stopping() {
    send(&[
        NotifyState::Stopping,
        NotifyState::Status("draining tool calls"),
    ]);
}

/// Pings systemd's watchdog at half its interval, forever, when the unit enables it.
pub async fn watchdog() {
    let Some(interval) = sd_notify::watchdog_enabled() else {
        return std::future::pending().await;
    };
    let mut tick = tokio::time::interval((interval / 2).max(Duration::from_millis(100)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        send(&[NotifyState::Watchdog]);
    }
}
