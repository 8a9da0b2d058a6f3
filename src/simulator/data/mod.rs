//! The simulator's data model, generated deterministically from a seed.
//!
//! One call to [`Dataset::generate`] builds a small but realistic network: 5–6 sites, about 60
//! devices (≈60 % access points, 25 % switches, 15 % gateways, a few of them offline) and
//! 220–260 clients attached to the access points (wireless) and switches (wired) of their site.
//! Everything — ids, names, MAC and IP addresses, timestamps — comes from a SplitMix64 stream
//! seeded with the seed, so the same seed always yields the same data, byte for byte.
//!
//! Timestamps are relative to [`Dataset::snapshot_unix_ms`], the instant the data describes.
//! [`Dataset::generate`] uses a fixed instant derived from the seed (summer 2026), so it is a
//! pure function of the seed; the running simulator uses [`Dataset::generate_at`] with the start
//! of the current UTC hour, so that "last seen 2 h ago" reads naturally while every simulator
//! started within the same hour with the same seed serves byte-identical data. Only the
//! timestamps depend on the snapshot instant; everything else depends on the seed alone.
//!
//! The structs here are plain data; the JSON shapes of the API live in `views.rs`.

mod catalog;
mod extra;
mod generate;
pub mod ports;

use std::time::{Duration, UNIX_EPOCH};

use super::prng::mix;
pub(crate) use extra::is_hot;
pub use extra::{Alert, Event, Stack, Threat, Tunnel, Uplink};
use generate::Generator;

/// 2026-07-09T10:00:00Z, the base of every generated timestamp.
const SNAPSHOT_BASE_MS: u64 = 1_783_591_200_000;
/// The snapshot instant is the base plus up to this many minutes, derived from the seed.
const SNAPSHOT_SPREAD_MINUTES: u64 = 30 * 24 * 60;

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: u64 = 60 * MINUTE_MS;
const DAY_MS: u64 = 24 * HOUR_MS;

/// The whole simulated tenant: sites, devices and clients.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The seed this dataset was generated from.
    pub seed: u64,
    /// The instant the data describes ("now" for the simulated network), Unix epoch milliseconds.
    pub snapshot_unix_ms: u64,
    /// Sites, in generation order.
    pub sites: Vec<Site>,
    /// Devices of every type, grouped by site (gateways, then switches, then access points).
    pub devices: Vec<Device>,
    /// Clients, wired and wireless, in generation order.
    pub clients: Vec<Client>,
    /// WLANs (SSIDs) broadcast by every access point of the tenant.
    pub wlans: Vec<Wlan>,
    /// Switch stacks.
    pub stacks: Vec<Stack>,
    /// Gateway WAN uplinks (two per gateway).
    pub uplinks: Vec<Uplink>,
    /// Gateway tunnels (WAN to the headquarters, LAN inside clusters).
    pub tunnels: Vec<Tunnel>,
    /// Alerts, newest first.
    pub alerts: Vec<Alert>,
    /// Events, newest first.
    pub events: Vec<Event>,
    /// IDPS threats seen by gateways, newest first.
    pub threats: Vec<Threat>,
    /// Devices in the inventory that are not assigned to a site (not in `devices`).
    pub unassigned: Vec<Device>,
}

/// A site (a physical location with its own address).
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Site id: a numeric string such as `"24833497"`.
    pub id: String,
    /// Site name, e.g. `"San Jose HQ"`.
    pub name: String,
    /// Street address.
    pub address: String,
    /// City.
    pub city: String,
    /// State or region.
    pub state: String,
    /// Country.
    pub country: String,
    /// Postal code.
    pub zip_code: String,
    /// Latitude, decimal degrees as a string (as Central returns it).
    pub latitude: String,
    /// Longitude, decimal degrees as a string.
    pub longitude: String,
    /// Short lower-case code used in device names (`sjc`).
    pub code: String,
    /// 1-based index of the site, the second octet of its private address plan (`10.<n>.x.y`).
    pub index: u8,
}

/// The kind of a network device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceType {
    /// A wireless access point.
    AccessPoint,
    /// An Ethernet switch (AOS-CX or AOS-Switch).
    Switch,
    /// A gateway (branch gateway, mobility controller or VPNC).
    Gateway,
}

impl DeviceType {
    /// The `deviceType` value of the `devices` endpoint: `ACCESS_POINT`, `SWITCH`, `GATEWAY`.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::AccessPoint => "ACCESS_POINT",
            Self::Switch => "SWITCH",
            Self::Gateway => "GATEWAY",
        }
    }
}

/// Whether a device is reachable by Central.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceStatus {
    /// Connected to Central.
    Online,
    /// Not connected; `last_seen_at_ms` says since when.
    Offline,
}

impl DeviceStatus {
    /// Upper-case form used by `devices` and `aps`: `ONLINE` / `OFFLINE`.
    pub fn upper(self) -> &'static str {
        match self {
            Self::Online => "ONLINE",
            Self::Offline => "OFFLINE",
        }
    }

    /// Title-case form used by `switches` and `gateways`: `Online` / `Offline`.
    pub fn title(self) -> &'static str {
        match self {
            Self::Online => "Online",
            Self::Offline => "Offline",
        }
    }

    /// `true` when online.
    pub fn is_online(self) -> bool {
        self == Self::Online
    }
}

/// A network device (access point, switch or gateway).
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// Serial number: 10 upper-case alphanumerics, also the device `id`.
    pub serial_number: String,
    /// Host name, e.g. `sjc-ap-03`.
    pub device_name: String,
    /// Access point, switch or gateway.
    pub device_type: DeviceType,
    /// Id of the site the device belongs to.
    pub site_id: String,
    /// Name of that site.
    pub site_name: String,
    /// Online or offline.
    pub status: DeviceStatus,
    /// Base MAC address, lower-case colon form.
    pub mac_address: String,
    /// Management IPv4 address.
    pub ipv4: String,
    /// Subnet mask of the management address.
    pub subnet_mask: String,
    /// Default gateway of the management network, e.g. `10.1.1.1 (DHCP)`.
    pub default_gateway: String,
    /// Public (NAT) IPv4 address of the site.
    pub public_ipv4: String,
    /// Model, e.g. `AP-635`, `CX 6300M`, `A9004`.
    pub model: String,
    /// HPE part number.
    pub part_number: String,
    /// Running firmware version.
    pub firmware_version: String,
    /// Deployment: APs `Standalone`/`Cluster`, switches `Standalone`, gateways `Standalone`/`Cluster`.
    pub deployment: String,
    /// Function, e.g. `CAMPUS_AP`, `ACCESS_SWITCH`, `Branch Gateway`.
    pub device_function: String,
    /// Role: `-` for APs and switches; `Isoleader`/`Leader`/`Member` for gateways.
    pub role: String,
    /// AP swarm / gateway cluster id, when clustered.
    pub cluster_id: Option<String>,
    /// AP swarm / gateway cluster name, when clustered.
    pub cluster_name: Option<String>,
    /// Milliseconds since the last boot; `None` when offline.
    pub uptime_millis: Option<u64>,
    /// When the device was last seen (Unix ms); `Some` only when offline.
    pub last_seen_at_ms: Option<u64>,
    /// Reason of the last reboot, e.g. `AP_RELOAD`.
    pub last_reboot_reason: String,
    /// CPU utilisation in percent; `None` when offline.
    pub cpu_utilization: Option<u8>,
    /// Memory utilisation in percent; `None` when offline.
    pub memory_utilization: Option<u8>,
    /// Power draw in tenths of a watt; `None` when offline.
    pub power_deciwatts: Option<u32>,
    /// Configuration state, e.g. `Synchronized`.
    pub config_status: String,
    /// When the configuration last changed (Unix ms).
    pub config_modified_at_ms: u64,
    /// Switches only: `cx` (AOS-CX) or `pvos` (AOS-Switch).
    pub switch_type: Option<String>,
    /// Gateways only: the MAC range owned by the gateway.
    pub mac_range: Option<String>,
    /// Radios (access points only; empty for other types).
    pub radios: Vec<Radio>,
    /// Number of clients currently connected to this device.
    pub client_count: u32,
    /// Switches only: id of the stack the switch belongs to.
    pub stack_id: Option<String>,
}

/// One radio of an access point.
#[derive(Debug, Clone, PartialEq)]
pub struct Radio {
    /// Radio index (0, 1, 2).
    pub radio_number: u8,
    /// Radio MAC address; BSSIDs are derived from it.
    pub mac_address: String,
    /// Band label: `2.4 GHz`, `5 GHz` or `6 GHz`.
    pub band: String,
    /// Operating channel.
    pub channel: String,
    /// Channel width, e.g. `80 MHz`.
    pub bandwidth: String,
    /// Transmit power in dBm.
    pub power_dbm: u8,
    /// `UP`, `DOWN` or `DISABLED`.
    pub status: String,
    /// PHY type, e.g. `802.11ax`.
    pub radio_type: String,
    /// Spatial streams, e.g. `4x4:4`.
    pub spatial_stream: String,
    /// Channel utilisation in percent.
    pub channel_utilization: u8,
    /// Noise floor in dBm.
    pub noise_floor: i32,
}

/// A WLAN (SSID) profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Wlan {
    /// SSID name.
    pub name: String,
    /// `Enterprise`, `Personal`, `Open` or `Captive Portal`.
    pub security_level: String,
    /// Security mode, e.g. `WPA3-Enterprise`.
    pub security: String,
    /// Key management reported for clients, e.g. `WPA3_ENTERPRISE`.
    pub key_management: String,
    /// Bands the SSID is broadcast on, e.g. `2.4 GHz, 5 GHz`.
    pub band: String,
    /// VLAN id clients land in.
    pub vlan: String,
    /// VLAN name.
    pub vlan_name: String,
    /// User role assigned to clients.
    pub role: String,
    /// Authentication type reported for clients.
    pub authentication_type: String,
    /// Tunnel type reported for clients.
    pub tunnel_type: String,
}

/// How a client is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionType {
    /// Through a switch port.
    Wired,
    /// Through an access point radio.
    Wireless,
}

impl ConnectionType {
    /// The API value: `Wired` / `Wireless`.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Wired => "Wired",
            Self::Wireless => "Wireless",
        }
    }
}

/// Connection state of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientStatus {
    /// Associated/authenticated and passing traffic.
    Connected,
    /// Tried to connect and failed (authentication, DHCP, …).
    Failed,
}

impl ClientStatus {
    /// The API value: `Connected` / `Failed`.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Connected => "Connected",
            Self::Failed => "Failed",
        }
    }
}

/// A client (end-user device) seen by the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    /// MAC address, lower-case colon form; also the client `id`.
    pub mac_address: String,
    /// Display name, e.g. `Priyas-MacBook-Pro`.
    pub client_name: String,
    /// DHCP host name.
    pub host_name: String,
    /// Wired or wireless.
    pub connection_type: ConnectionType,
    /// Connected or failed.
    pub status: ClientStatus,
    /// Id of the client's site.
    pub site_id: String,
    /// Name of the client's site.
    pub site_name: String,
    /// Serial of the AP (wireless) or switch (wired) the client is attached to.
    pub connected_device_serial: String,
    /// `AP` or `Switch`.
    pub connected_device_type: String,
    /// Name of the device the client is attached to.
    pub connected_to: String,
    /// IPv4 address; `None` for failed clients that never got one.
    pub ipv4: Option<String>,
    /// Authenticated user name, when the client authenticates a user.
    pub user_name: Option<String>,
    /// VLAN id (a string, as in the API).
    pub vlan_id: String,
    /// VLAN name.
    pub vlan_name: String,
    /// User role.
    pub role: String,
    /// `Port-based`, `User-based` or `Overlay`.
    pub tunnel_type: String,
    /// Authentication type, e.g. `802.1X`, `MAC Auth`, `Captive Portal`.
    pub authentication_type: String,
    /// Wireless only: SSID.
    pub wlan_name: Option<String>,
    /// Wireless only: BSSID.
    pub bssid: Option<String>,
    /// Wireless only: MAC of the AP radio.
    pub radio_mac_address: Option<String>,
    /// Wireless only: band, `2.4GHZ`/`5GHZ`/`6GHZ`.
    pub wireless_band: Option<String>,
    /// Wireless only: channel.
    pub wireless_channel: Option<String>,
    /// Wireless only: security mode of the WLAN.
    pub wireless_security: Option<String>,
    /// Wireless only: key management.
    pub key_management: Option<String>,
    /// Wireless only: PHY type.
    pub phy_type: Option<String>,
    /// Wireless only: signal-to-noise ratio in dB (`None` for failed clients).
    pub snr: Option<u8>,
    /// Wired only: switch port, e.g. `1/1/14`.
    pub port: Option<String>,
    /// Manufacturer, e.g. `Apple`.
    pub manufacturer: String,
    /// Operating system, e.g. `macOS`.
    pub operating_system: String,
    /// Category, e.g. `Computer`, `Smart Device`.
    pub category: String,
    /// Function, e.g. `Laptop`, `Mobile`, `Printer`.
    pub function: String,
    /// When the current session started (Unix ms); `None` for failed clients.
    pub connected_at_ms: Option<u64>,
    /// When the client was last seen (Unix ms).
    pub last_seen_at_ms: u64,
    /// Bytes transferred over the last 24 h (0 for failed clients).
    pub usage_bytes: u64,
}

impl Dataset {
    /// Generate the dataset for `seed`, at a fixed snapshot instant derived from the seed
    /// (July–August 2026). Pure: the same seed always gives an equal dataset.
    pub fn generate(seed: u64) -> Self {
        Self::generate_at(seed, default_snapshot(seed))
    }

    /// Generate the dataset for `seed` as seen at `snapshot_unix_ms` (Unix milliseconds):
    /// every timestamp is that instant minus a seed-determined age.
    pub fn generate_at(seed: u64, snapshot_unix_ms: u64) -> Self {
        Generator::new(seed, snapshot_unix_ms).run()
    }

    /// The site with this id.
    pub fn site(&self, id: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }

    /// The site with this exact name.
    pub fn site_by_name(&self, name: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// The device with this serial number.
    pub fn device(&self, serial: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.serial_number == serial)
    }

    /// Devices of one type, in dataset order.
    pub fn devices_of_type(&self, device_type: DeviceType) -> impl Iterator<Item = &Device> {
        self.devices
            .iter()
            .filter(move |d| d.device_type == device_type)
    }

    /// The client with this MAC address (compared case-insensitively).
    pub fn client(&self, mac: &str) -> Option<&Client> {
        self.clients
            .iter()
            .find(|c| c.mac_address.eq_ignore_ascii_case(mac))
    }

    /// The stack with this id, or the stack whose conductor (first member) has this serial.
    pub fn stack(&self, id_or_serial: &str) -> Option<&Stack> {
        self.stacks
            .iter()
            .find(|s| s.id == id_or_serial || s.members.first().is_some_and(|m| m == id_or_serial))
    }
}

/// The fixed snapshot instant of [`Dataset::generate`] for `seed`.
fn default_snapshot(seed: u64) -> u64 {
    SNAPSHOT_BASE_MS + (mix(seed) % SNAPSHOT_SPREAD_MINUTES) * MINUTE_MS
}

/// The start of the UTC hour containing `unix_ms`.
pub(crate) fn hour_start(unix_ms: u64) -> u64 {
    unix_ms - unix_ms % HOUR_MS
}

/// Format Unix milliseconds as RFC 3339 UTC with milliseconds (`2026-07-09T10:00:00.000Z`);
/// past year 9999 it is clamped rather than panicking.
pub(crate) fn rfc3339_ms(unix_ms: u64) -> String {
    crate::tools::args::rfc3339_millis(UNIX_EPOCH + Duration::from_millis(unix_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn same_seed_same_dataset() {
        assert_eq!(Dataset::generate(42), Dataset::generate(42));
        assert_eq!(Dataset::generate(7), Dataset::generate(7));
    }

    #[test]
    fn different_seeds_differ() {
        let a = Dataset::generate(1);
        let b = Dataset::generate(2);
        assert_ne!(a.devices, b.devices);
        assert_ne!(a.sites[0].id, b.sites[0].id);
    }

    #[test]
    fn shape_is_as_documented() {
        for seed in [0, 1, 42, 1234, u64::MAX] {
            let ds = Dataset::generate(seed);
            assert!((5..=6).contains(&ds.sites.len()), "seed {seed}");
            assert!(ds.devices.len() >= 50, "seed {seed}");
            assert!(ds.clients.len() >= 200, "seed {seed}");
            let n = |t| ds.devices_of_type(t).count();
            let total = ds.devices.len() as f64;
            let ap_share = n(DeviceType::AccessPoint) as f64 / total;
            assert!((0.55..=0.65).contains(&ap_share), "ap share {ap_share}");
            assert!(n(DeviceType::Switch) >= ds.sites.len());
            assert!(n(DeviceType::Gateway) >= ds.sites.len());
            let offline = ds.devices.iter().filter(|d| !d.status.is_online()).count();
            assert!(offline >= 2, "seed {seed}: {offline} offline");
            assert!(offline <= 12, "seed {seed}: {offline} offline");
            for d in &ds.devices {
                assert_eq!(d.serial_number.len(), 10);
                assert!(
                    d.serial_number
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                );
                assert!(ds.site(&d.site_id).is_some());
                match d.status {
                    DeviceStatus::Online => {
                        assert!(d.uptime_millis.is_some() && d.last_seen_at_ms.is_none())
                    }
                    DeviceStatus::Offline => {
                        assert!(d.uptime_millis.is_none() && d.last_seen_at_ms.is_some())
                    }
                }
            }
            let serials: HashSet<_> = ds.devices.iter().map(|d| &d.serial_number).collect();
            assert_eq!(serials.len(), ds.devices.len());
            let macs: HashSet<_> = ds.clients.iter().map(|c| &c.mac_address).collect();
            assert_eq!(macs.len(), ds.clients.len());
        }
    }

    #[test]
    fn clients_attach_to_a_device_of_their_site() {
        let ds = Dataset::generate(42);
        let mut wired = 0;
        let mut failed = 0;
        for c in &ds.clients {
            let d = ds
                .device(&c.connected_device_serial)
                .expect("device exists");
            assert_eq!(d.site_id, c.site_id);
            assert!(d.status.is_online());
            match c.connection_type {
                ConnectionType::Wireless => {
                    assert_eq!(d.device_type, DeviceType::AccessPoint);
                    assert!(c.wlan_name.is_some());
                }
                ConnectionType::Wired => {
                    wired += 1;
                    assert_eq!(d.device_type, DeviceType::Switch);
                    assert!(c.port.is_some());
                }
            }
            if c.status == ClientStatus::Failed {
                failed += 1;
                assert!(c.ipv4.is_none());
            }
        }
        assert!(wired > 20 && wired < ds.clients.len() / 2);
        assert!(failed > 5 && failed < ds.clients.len() / 4);
        let connected = ds.clients.len() - failed;
        let counted: u32 = ds.devices.iter().map(|d| d.client_count).sum();
        assert_eq!(counted as usize, connected);
    }

    #[test]
    fn timestamps_are_fixed_for_a_seed() {
        let ds = Dataset::generate(42);
        assert!(ds.snapshot_unix_ms >= SNAPSHOT_BASE_MS);
        assert_eq!(rfc3339_ms(SNAPSHOT_BASE_MS), "2026-07-09T10:00:00.000Z");
        assert_eq!(
            hour_start(SNAPSHOT_BASE_MS + 59 * MINUTE_MS),
            SNAPSHOT_BASE_MS
        );
    }

    #[test]
    fn only_timestamps_depend_on_the_snapshot() {
        let a = Dataset::generate_at(42, SNAPSHOT_BASE_MS);
        let b = Dataset::generate_at(42, SNAPSHOT_BASE_MS + DAY_MS);
        assert_eq!(b.snapshot_unix_ms - a.snapshot_unix_ms, DAY_MS);
        for (x, y) in a.devices.iter().zip(&b.devices) {
            assert_eq!(x.serial_number, y.serial_number);
            assert_eq!(x.status, y.status);
            if let (Some(p), Some(q)) = (x.last_seen_at_ms, y.last_seen_at_ms) {
                assert_eq!(q - p, DAY_MS);
            }
        }
        for (x, y) in a.clients.iter().zip(&b.clients) {
            assert_eq!(x.mac_address, y.mac_address);
            assert_eq!(y.last_seen_at_ms - x.last_seen_at_ms, DAY_MS);
        }
        // A tiny snapshot never underflows.
        let _ = Dataset::generate_at(1, 0);
    }
}
