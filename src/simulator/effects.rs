//! What device actions changed in the simulated network (issue 19), so tests and the demo can
//! see them: a rebooted device is OFFLINE for the configured time, then ONLINE again; a bounced
//! port is down as long; a disconnected client leaves `/clients`; a located device counts its
//! locate requests. The dataset itself never
//! changes: list handlers overlay these effects on their items.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;

#[derive(Debug, Default)]
struct Inner {
    /// Serial → until when (Unix ms) the device is rebooting.
    rebooting: HashMap<String, u64>,
    /// (switch serial, port) → until when the port is down.
    ports_down: HashMap<(String, String), u64>,
    /// MAC addresses of disconnected clients.
    gone: HashSet<String>,
    /// Serial → locate requests received (the locator LED blinks).
    locates: HashMap<String, u32>,
}

/// The effects of actions, shared by the handlers.
#[derive(Debug)]
pub(crate) struct Effects {
    duration_ms: u64,
    inner: Mutex<Inner>,
}

impl Effects {
    /// No effects yet; a reboot lasts `duration`.
    pub(crate) fn new(duration: Duration) -> Effects {
        Effects {
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The device goes OFFLINE from `now` for the configured time.
    pub(crate) fn reboot(&self, serial: &str, now: u64) {
        self.lock()
            .rebooting
            .insert(serial.to_string(), now.saturating_add(self.duration_ms));
    }

    /// Whether the device is rebooting at `now`.
    pub(crate) fn rebooting(&self, serial: &str, now: u64) -> bool {
        self.lock().rebooting.get(serial).is_some_and(|t| now < *t)
    }

    /// The port goes down from `now` for the configured time.
    pub(crate) fn bounce(&self, serial: &str, port: &str, now: u64) {
        self.lock().ports_down.insert(
            (serial.to_string(), port.to_string()),
            now.saturating_add(self.duration_ms),
        );
    }

    /// Whether the port is down at `now` after a bounce.
    pub(crate) fn port_down(&self, serial: &str, port: &str, now: u64) -> bool {
        self.lock()
            .ports_down
            .get(&(serial.to_string(), port.to_string()))
            .is_some_and(|t| now < *t)
    }

    /// The client leaves the network.
    pub(crate) fn disconnect(&self, mac: &str) {
        self.lock().gone.insert(mac.to_ascii_lowercase());
    }

    /// Whether the client was disconnected.
    pub(crate) fn gone(&self, mac: &str) -> bool {
        self.lock().gone.contains(&mac.to_ascii_lowercase())
    }

    /// The device's locator LED blinks (one more locate request).
    pub(crate) fn locate(&self, serial: &str) {
        let mut inner = self.lock();
        let n = inner.locates.entry(serial.to_string()).or_insert(0);
        *n = n.saturating_add(1);
    }

    /// How many locate requests the device received.
    pub(crate) fn locates(&self, serial: &str) -> u32 {
        self.lock().locates.get(serial).copied().unwrap_or(0)
    }

    /// Marks a device item (`serialNumber`, `status`) OFFLINE while it reboots.
    pub(crate) fn overlay_device(&self, item: &mut Value, now: u64) {
        let rebooting = item
            .get("serialNumber")
            .and_then(Value::as_str)
            .is_some_and(|s| self.rebooting(s, now));
        if rebooting && let Value::Object(m) = item {
            m.insert("status".into(), Value::from("OFFLINE"));
        }
    }

    /// Marks an interface item (`name`) of switch `serial` down while it is bounced.
    pub(crate) fn overlay_port(&self, serial: &str, item: &mut Value, now: u64) {
        let down = item
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|p| self.port_down(serial, p, now));
        if down && let Value::Object(m) = item {
            for key in ["status", "operStatus"] {
                m.insert(key.into(), Value::from("Down"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reboot_ends_and_a_disconnect_stays() {
        let e = Effects::new(Duration::from_millis(1000));
        e.reboot("SN1", 10_000);
        assert!(e.rebooting("SN1", 10_500));
        assert!(!e.rebooting("SN1", 11_000));
        e.bounce("SN2", "1/1/3", 10_000);
        assert!(e.port_down("SN2", "1/1/3", 10_900));
        assert!(!e.port_down("SN2", "1/1/3", 11_000));
        e.disconnect("AA:BB:CC:DD:EE:FF");
        assert!(e.gone("aa:bb:cc:dd:ee:ff"));
        assert_eq!(e.locates("SN3"), 0);
        e.locate("SN3");
        e.locate("SN3");
        assert_eq!(e.locates("SN3"), 2);
    }
}
