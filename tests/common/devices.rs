//! Picking devices from the simulator's dataset and reading what the server sent it.

use aruba_noc_mcp::simulator::{Device, DeviceStatus, DeviceType, JournalEntry, SimulatorHandle};

use super::api_requests;

/// The first device of the dataset that `f` accepts.
pub fn device(sim: &SimulatorHandle, f: impl Fn(&Device) -> bool) -> Device {
    sim.dataset()
        .devices
        .iter()
        .find(|d| f(d))
        .cloned()
        .expect("the dataset has such a device")
}

/// The first online device of type `t` (and, for switches, of `switch_type`: `cx` or `pvos`).
pub fn online(sim: &SimulatorHandle, t: DeviceType, switch_type: Option<&str>) -> Device {
    device(sim, |d| {
        d.device_type == t
            && d.status == DeviceStatus::Online
            && (switch_type.is_none() || d.switch_type.as_deref() == switch_type)
    })
}

/// The troubleshooting requests the server sent.
pub fn troubleshooting(sim: &SimulatorHandle) -> Vec<JournalEntry> {
    api_requests(sim)
        .into_iter()
        .filter(|e| e.path.starts_with("/network-troubleshooting/"))
        .collect()
}

/// The POSTs the server sent.
pub fn posts(sim: &SimulatorHandle) -> Vec<JournalEntry> {
    api_requests(sim)
        .into_iter()
        .filter(|e| e.method == "POST")
        .collect()
}
