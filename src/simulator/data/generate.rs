//! The generator: one SplitMix64 stream, consumed in a fixed order, turns a seed into sites,
//! devices and clients.

use std::collections::{HashMap, HashSet};

use super::catalog::*;
use super::{
    Client, ClientStatus, ConnectionType, DAY_MS, Dataset, Device, DeviceStatus, DeviceType,
    HOUR_MS, MINUTE_MS, Radio, Site, Wlan,
};
use crate::simulator::prng::SplitMix64;

/// Builds one [`Dataset`].
pub(super) struct Generator {
    rng: SplitMix64,
    seed: u64,
    snapshot: u64,
    used_serials: HashSet<String>,
    used_macs: HashSet<[u8; 6]>,
    used_ips: HashSet<String>,
}

impl Generator {
    pub(super) fn new(seed: u64, snapshot: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
            seed,
            snapshot,
            used_serials: HashSet::new(),
            used_macs: HashSet::new(),
            used_ips: HashSet::new(),
        }
    }

    pub(super) fn run(mut self) -> Dataset {
        let (sites, weights) = self.sites();
        let mut devices = self.devices(&sites, &weights);
        let wlans = wlans();
        let clients = self.clients(&sites, &weights, &devices, &wlans);
        for d in &mut devices {
            d.client_count = clients
                .iter()
                .filter(|c| {
                    c.status == ClientStatus::Connected
                        && c.connected_device_serial == d.serial_number
                })
                .count() as u32;
        }
        let mut ds = Dataset {
            seed: self.seed,
            snapshot_unix_ms: self.snapshot,
            sites,
            devices,
            clients,
            wlans,
            stacks: Vec::new(),
            uplinks: Vec::new(),
            tunnels: Vec::new(),
            alerts: Vec::new(),
            events: Vec::new(),
            threats: Vec::new(),
        };
        super::extra::extend(&mut ds);
        ds
    }

    fn sites(&mut self) -> (Vec<Site>, Vec<u64>) {
        let count = 5 + self.rng.index(2);
        let mut order: Vec<usize> = (1..SITE_TEMPLATES.len()).collect();
        self.rng.shuffle(&mut order);
        // The headquarters is always there; the others are drawn.
        order.insert(0, 0);
        order.truncate(count);
        let mut used_ids = HashSet::new();
        let mut sites = Vec::new();
        let mut weights = Vec::new();
        for (i, t) in order
            .iter()
            .filter_map(|&i| SITE_TEMPLATES.get(i))
            .enumerate()
        {
            let id = loop {
                let id = self.rng.range(10_000_000, 99_999_999).to_string();
                if used_ids.insert(id.clone()) {
                    break id;
                }
            };
            sites.push(Site {
                id,
                name: t.name.into(),
                address: t.address.into(),
                city: t.city.into(),
                state: t.state.into(),
                country: t.country.into(),
                zip_code: t.zip.into(),
                latitude: t.lat.into(),
                longitude: t.lon.into(),
                code: t.code.into(),
                index: (i + 1) as u8,
            });
            weights.push(t.weight);
        }
        (sites, weights)
    }

    /// Split `total` over the sites: each gets `min`, the rest goes by weight.
    fn distribute(&mut self, total: usize, min: usize, weights: &[u64]) -> Vec<usize> {
        let mut counts = vec![min; weights.len()];
        let floor = min * weights.len();
        for _ in floor..total {
            let i = self.rng.weighted(weights);
            if let Some(c) = counts.get_mut(i) {
                *c += 1;
            }
        }
        counts
    }

    fn serial(&mut self, prefix: &str) -> String {
        const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        loop {
            let mut s = String::from(prefix);
            while s.len() < 10 {
                s.push(char::from(*self.rng.choose(ALPHABET)));
            }
            if self.used_serials.insert(s.clone()) {
                return s;
            }
        }
    }

    /// A fresh MAC under one of `ouis`; the low `zero_bits` bits are cleared so that derived
    /// addresses (radios, BSSIDs, gateway ranges) stay unique.
    fn mac(&mut self, ouis: &[[u8; 3]], zero_bits: u32) -> [u8; 6] {
        loop {
            let oui = ouis
                .get(self.rng.index(ouis.len()))
                .copied()
                .unwrap_or([2, 0, 0]);
            let low = (self.rng.next_u64() & 0x00ff_ffff) as u32 >> zero_bits << zero_bits;
            let [_, a, b, c] = low.to_be_bytes();
            let mac = [oui[0], oui[1], oui[2], a, b, c];
            if self.used_macs.insert(mac) {
                return mac;
            }
        }
    }

    fn unique_ip(&mut self, prefix: &str, third_lo: u64, third_hi: u64) -> String {
        loop {
            let ip = format!(
                "{prefix}.{}.{}",
                self.rng.range(third_lo, third_hi),
                self.rng.range(10, 250)
            );
            if self.used_ips.insert(ip.clone()) {
                return ip;
            }
        }
    }

    fn devices(&mut self, sites: &[Site], weights: &[u64]) -> Vec<Device> {
        let total = self.rng.range(56, 64) as usize;
        let gateways = (total * 15 + 50) / 100;
        let switches = (total * 25 + 50) / 100;
        let aps = total - gateways - switches;
        let gw_counts = self.distribute(gateways, 1, weights);
        let sw_counts = self.distribute(switches, 1, weights);
        let ap_counts = self.distribute(aps, 2, weights);

        let mut devices = Vec::new();
        for (i, site) in sites.iter().enumerate() {
            let n_gw = gw_counts.get(i).copied().unwrap_or(1);
            let n_sw = sw_counts.get(i).copied().unwrap_or(1);
            let n_ap = ap_counts.get(i).copied().unwrap_or(2);
            for k in 0..n_gw {
                let d = self.gateway(site, k, n_gw);
                devices.push(d);
            }
            for k in 0..n_sw {
                let d = self.switch(site, k);
                devices.push(d);
            }
            let cluster = (n_ap >= 6).then(|| {
                let id: String = (0..4)
                    .map(|_| format!("{:012x}", self.rng.next_u64() >> 16))
                    .collect();
                (id, format!("{}-ap-cluster", site.code))
            });
            for k in 0..n_ap {
                let d = self.access_point(site, k, cluster.as_ref());
                devices.push(d);
            }
        }
        self.ensure_some_offline(&mut devices);
        devices
    }

    /// Decide online/offline and fill the fields that depend on it. The first device of each
    /// type in a site is always online so clients always have somewhere to attach.
    fn liveness(&mut self, d: &mut Device, always_online: bool, offline_percent: u64) {
        if !always_online && self.rng.chance(offline_percent) {
            self.make_offline(d);
        } else {
            d.status = DeviceStatus::Online;
            d.uptime_millis = Some(self.rng.range(2 * HOUR_MS, 120 * DAY_MS));
            d.last_seen_at_ms = None;
        }
    }

    fn make_offline(&mut self, d: &mut Device) {
        d.status = DeviceStatus::Offline;
        d.uptime_millis = None;
        d.last_seen_at_ms = Some(
            self.snapshot
                .saturating_sub(self.rng.range(12 * MINUTE_MS, 3 * DAY_MS)),
        );
        d.cpu_utilization = None;
        d.memory_utilization = None;
        d.power_deciwatts = None;
        for r in &mut d.radios {
            r.status = "DOWN".into();
            r.channel_utilization = 0;
        }
    }

    fn ensure_some_offline(&mut self, devices: &mut [Device]) {
        let offline = devices.iter().filter(|d| !d.status.is_online()).count();
        if offline >= 2 {
            return;
        }
        // Take the last AP of the largest sites (never the first device of a type in a site).
        let mut candidates: Vec<usize> = Vec::new();
        for (i, d) in devices.iter().enumerate() {
            let next_same = devices
                .get(i + 1)
                .is_some_and(|n| n.site_id == d.site_id && n.device_type == d.device_type);
            let prev_same = i > 0
                && devices
                    .get(i - 1)
                    .is_some_and(|p| p.site_id == d.site_id && p.device_type == d.device_type);
            if d.device_type == DeviceType::AccessPoint
                && prev_same
                && !next_same
                && d.status.is_online()
            {
                candidates.push(i);
            }
        }
        for i in candidates.into_iter().take(2 - offline) {
            if let Some(d) = devices.get_mut(i) {
                self.make_offline(d);
            }
        }
    }

    fn base_device(&mut self, site: &Site, device_type: DeviceType, prefix: &str) -> Device {
        let serial = self.serial(prefix);
        let mac = self.mac(&ARUBA_OUIS, 6);
        let config_age = self.rng.range(HOUR_MS, 45 * DAY_MS);
        Device {
            serial_number: serial,
            device_name: String::new(),
            device_type,
            site_id: site.id.clone(),
            site_name: site.name.clone(),
            status: DeviceStatus::Online,
            mac_address: fmt_mac(mac),
            ipv4: String::new(),
            subnet_mask: "255.255.255.0".into(),
            default_gateway: format!("10.{}.0.1", site.index),
            public_ipv4: format!("203.0.113.{}", 10 + u32::from(site.index) * 10),
            model: String::new(),
            part_number: String::new(),
            firmware_version: String::new(),
            deployment: "Standalone".into(),
            device_function: String::new(),
            role: "-".into(),
            cluster_id: None,
            cluster_name: None,
            uptime_millis: None,
            last_seen_at_ms: None,
            last_reboot_reason: String::new(),
            cpu_utilization: None,
            memory_utilization: None,
            power_deciwatts: None,
            config_status: if self.rng.chance(6) {
                "Out of Sync".into()
            } else {
                "Synchronized".into()
            },
            config_modified_at_ms: self.snapshot.saturating_sub(config_age),
            switch_type: None,
            mac_range: None,
            radios: Vec::new(),
            client_count: 0,
            stack_id: None,
        }
    }

    /// Utilisation figures; roughly one device in twelve runs hot (a "Fair" health device).
    fn load(&mut self, d: &mut Device, cpu: (u64, u64), mem: (u64, u64), watts: (u64, u64)) {
        let hot = self.rng.chance(8);
        let c = if hot {
            self.rng.range(86, 97)
        } else {
            self.rng.range(cpu.0, cpu.1)
        };
        d.cpu_utilization = Some(c as u8);
        d.memory_utilization = Some(self.rng.range(mem.0, mem.1) as u8);
        d.power_deciwatts = Some(self.rng.range(watts.0 * 10, watts.1 * 10) as u32);
    }

    fn gateway(&mut self, site: &Site, k: usize, n_gw: usize) -> Device {
        let mut d = self.base_device(site, DeviceType::Gateway, "TW");
        let m = self.rng.choose(&GATEWAY_MODELS);
        d.device_name = format!("{}-gw-{:02}", site.code, k + 1);
        d.ipv4 = format!("10.{}.0.{}", site.index, k + 1);
        d.default_gateway = format!("203.0.113.{}", 1 + u32::from(site.index) * 10);
        d.model = m.model.into();
        d.part_number = m.part.into();
        d.device_function = m.function.into();
        d.firmware_version = (*self.rng.choose(&GATEWAY_FIRMWARE)).into();
        if n_gw >= 2 {
            d.deployment = "Cluster".into();
            d.role = if k == 0 { "Leader" } else { "Member" }.into();
            d.cluster_name = Some(format!("{}-gw-cluster", site.code));
            d.cluster_id = Some(format!("{}-gw-cluster", site.code));
        } else {
            d.role = "Isoleader".into();
        }
        let base = parse_mac(&d.mac_address);
        let mut last = base;
        last[5] |= 0x1f;
        d.mac_range = Some(format!("{}-{}", fmt_mac(base), fmt_mac(last)));
        d.last_reboot_reason = (*self.rng.choose(&GATEWAY_REBOOT_REASONS)).into();
        self.load(&mut d, (8, 35), (35, 65), (60, 140));
        self.liveness(&mut d, k == 0, 6);
        d
    }

    fn switch(&mut self, site: &Site, k: usize) -> Device {
        let mut d = self.base_device(site, DeviceType::Switch, "SG");
        let m = if k == 0 {
            &CORE_SWITCH
        } else {
            self.rng.choose(&ACCESS_SWITCHES)
        };
        d.device_name = if k == 0 {
            format!("{}-agg-sw01", site.code)
        } else {
            format!("{}-idf{}-sw01", site.code, k)
        };
        d.ipv4 = format!("10.{}.0.{}", site.index, 10 + k);
        d.model = m.model.into();
        d.part_number = m.part.into();
        d.firmware_version = m.firmware.into();
        d.switch_type = Some(m.switch_type.into());
        d.device_function = if k == 0 {
            "AGGREGATION_SWITCH"
        } else {
            "ACCESS_SWITCH"
        }
        .into();
        d.last_reboot_reason = (*self.rng.choose(&SWITCH_REBOOT_REASONS)).into();
        self.load(&mut d, (3, 25), (20, 50), (90, 420));
        self.liveness(&mut d, k == 0, 6);
        d
    }

    fn access_point(
        &mut self,
        site: &Site,
        k: usize,
        cluster: Option<&(String, String)>,
    ) -> Device {
        let mut d = self.base_device(site, DeviceType::AccessPoint, "CN");
        let m = self.rng.choose(&AP_MODELS);
        d.device_name = format!("{}-ap-{:02}", site.code, k + 1);
        d.ipv4 = format!("10.{}.1.{}", site.index, 20 + k);
        d.default_gateway = format!("10.{}.1.1 (DHCP)", site.index);
        d.model = m.model.into();
        d.part_number = m.part.into();
        d.firmware_version = (*self.rng.choose(&AP_FIRMWARE)).into();
        d.device_function = "CAMPUS_AP".into();
        if let Some((id, name)) = cluster {
            d.deployment = "Cluster".into();
            d.cluster_id = Some(id.clone());
            d.cluster_name = Some(name.clone());
        }
        d.last_reboot_reason = (*self.rng.choose(&AP_REBOOT_REASONS)).into();
        d.radios = self.radios(&d.mac_address, m);
        self.load(&mut d, (3, 35), (25, 60), (9, 21));
        self.liveness(&mut d, k == 0, 9);
        d
    }

    fn radios(&mut self, base_mac: &str, m: &ApModel) -> Vec<Radio> {
        let base = parse_mac(base_mac);
        let mut bands: Vec<(&str, String, &str, u64)> = vec![
            (
                "2.4 GHz",
                (*self.rng.choose(&["1", "6", "11"])).to_string(),
                "20 MHz",
                9,
            ),
            (
                "5 GHz",
                (*self.rng.choose(&["36", "52", "100", "116", "132", "149"])).to_string(),
                "80 MHz",
                15,
            ),
        ];
        if m.six_ghz {
            bands.push((
                "6 GHz",
                (*self.rng.choose(&["5", "37", "69", "101", "133"])).to_string(),
                "160 MHz",
                18,
            ));
        }
        bands
            .into_iter()
            .enumerate()
            .map(|(n, (band, channel, width, power))| {
                let mut mac = base;
                mac[5] = mac[5].wrapping_add(0x10 * (n as u8 + 1));
                Radio {
                    radio_number: n as u8,
                    mac_address: fmt_mac(mac),
                    band: band.into(),
                    channel,
                    bandwidth: width.into(),
                    power_dbm: (power + self.rng.below(5)) as u8,
                    status: "UP".into(),
                    radio_type: if band == "2.4 GHz" {
                        "802.11n"
                    } else {
                        "802.11ax"
                    }
                    .into(),
                    spatial_stream: m.streams.into(),
                    channel_utilization: self.rng.range(8, 65) as u8,
                    noise_floor: -(self.rng.range(88, 97) as i32),
                }
            })
            .collect()
    }

    fn clients(
        &mut self,
        sites: &[Site],
        weights: &[u64],
        devices: &[Device],
        wlans: &[Wlan],
    ) -> Vec<Client> {
        let total = self.rng.range(220, 260) as usize;
        let mut next_port: HashMap<String, u32> = HashMap::new();
        let mut clients = Vec::with_capacity(total);
        // Every site has an online AP and switch, so this always finishes; the cap is a guard.
        let mut attempts = 0;
        while clients.len() < total && attempts < total * 50 {
            attempts += 1;
            let Some(site) = sites.get(self.rng.weighted(weights)) else {
                break;
            };
            let wireless = self.rng.chance(70);
            let wanted = if wireless {
                DeviceType::AccessPoint
            } else {
                DeviceType::Switch
            };
            let candidates: Vec<&Device> = devices
                .iter()
                .filter(|d| d.site_id == site.id && d.device_type == wanted && d.status.is_online())
                .collect();
            let Some(device) = self.rng.pick(&candidates).copied() else {
                continue;
            };
            let client = if wireless {
                self.wireless_client(site, device, wlans)
            } else {
                let port = next_port.entry(device.serial_number.clone()).or_insert(0);
                *port += 1;
                self.wired_client(site, device, *port)
            };
            clients.push(client);
        }
        clients
    }

    fn person(&mut self) -> (&'static str, &'static str) {
        (
            *self.rng.choose(&FIRST_NAMES),
            *self.rng.choose(&LAST_NAMES),
        )
    }

    fn tag(&mut self, len: usize) -> String {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        (0..len)
            .map(|_| char::from(*self.rng.choose(ALPHABET)))
            .collect()
    }

    /// Name, user name and profile of a new client.
    fn identity(&mut self, p: Profile) -> (String, Option<String>) {
        let (first, last) = self.person();
        let user = Some(format!("{first}.{last}@{USER_DOMAIN}"));
        let cap = capitalise(first);
        match p {
            Profile::WinLaptop => (format!("LAPTOP-{}", self.tag(7)), user),
            Profile::MacLaptop => (format!("{cap}s-MacBook-Pro"), user),
            Profile::IPhone => (format!("{cap}s-iPhone"), user),
            Profile::AndroidPhone => (format!("Galaxy-S24-{first}"), user),
            Profile::GuestPhone => (format!("android-{:08x}", self.rng.next_u64() as u32), None),
            Profile::Scanner => (format!("zebra-tc58-{:03}", self.rng.range(1, 400)), None),
            Profile::Thermostat => (format!("hvac-t6-{:03}", self.rng.range(1, 400)), None),
            Profile::Desktop => (format!("DESKTOP-{}", self.tag(7)), user),
            Profile::VoipPhone => (format!("poly-vvx450-{:03}", self.rng.range(1, 400)), None),
            Profile::Printer => (format!("hp-lj-m479-{:02}", self.rng.range(1, 99)), None),
            Profile::Camera => (format!("axis-p3265-{:03}", self.rng.range(1, 400)), None),
        }
    }

    fn session_times(&mut self, failed: bool) -> (Option<u64>, u64) {
        if failed {
            (
                None,
                self.snapshot
                    .saturating_sub(self.rng.range(MINUTE_MS, 170 * MINUTE_MS)),
            )
        } else {
            let connected = self
                .snapshot
                .saturating_sub(self.rng.range(5 * MINUTE_MS, 10 * HOUR_MS));
            (
                Some(connected),
                self.snapshot.saturating_sub(self.rng.range(0, 60_000)),
            )
        }
    }

    fn wireless_client(&mut self, site: &Site, ap: &Device, wlans: &[Wlan]) -> Client {
        let profile = *self.rng.choose(&[
            Profile::WinLaptop,
            Profile::WinLaptop,
            Profile::MacLaptop,
            Profile::MacLaptop,
            Profile::IPhone,
            Profile::IPhone,
            Profile::AndroidPhone,
            Profile::GuestPhone,
            Profile::GuestPhone,
            Profile::Scanner,
            Profile::Thermostat,
        ]);
        let wlan_index = match profile {
            Profile::GuestPhone => WLAN_GUEST,
            Profile::Scanner | Profile::Thermostat => WLAN_IOT,
            _ => WLAN_CORP,
        };
        let info = profile_info(profile);
        let failed = self.rng.chance(10);
        let (client_name, user_name) = self.identity(profile);
        let mac = fmt_mac(self.mac(&info.ouis, 0));
        // IoT stays on 2.4 GHz; others prefer 5 GHz, then 6 GHz where the AP has it.
        let radio = if wlan_index == WLAN_IOT {
            ap.radios.first()
        } else {
            let pick = self.rng.below(100);
            let wants_six = pick < 20 && ap.radios.len() > 2;
            if wants_six {
                ap.radios.get(2)
            } else if pick < 85 {
                ap.radios.get(1)
            } else {
                ap.radios.first()
            }
        };
        let (radio_mac, band, channel, bssid) = match radio {
            Some(r) => {
                let mut b = parse_mac(&r.mac_address);
                b[5] = b[5].wrapping_add(wlan_index as u8 + 1);
                (
                    Some(r.mac_address.clone()),
                    Some(r.band.replace(' ', "").to_uppercase()),
                    Some(r.channel.clone()),
                    Some(fmt_mac(b)),
                )
            }
            None => (None, None, None, None),
        };
        let phy = match band.as_deref() {
            Some("2.4GHZ") => "802.11n",
            _ => "802.11ax",
        };
        let (connected_at, last_seen) = self.session_times(failed);
        let wlan = wlans.get(wlan_index);
        let field = |f: fn(&Wlan) -> &String| wlan.map(f).cloned().unwrap_or_default();
        let vlan_id = field(|w| &w.vlan);
        let third = match wlan_index {
            WLAN_GUEST => (48, 51),
            WLAN_IOT => (64, 65),
            _ => (16, 19),
        };
        let ipv4 =
            (!failed).then(|| self.unique_ip(&format!("10.{}", site.index), third.0, third.1));
        let snr = (!failed).then(|| self.rng.range(14, 55) as u8);
        Client {
            mac_address: mac,
            host_name: client_name.clone(),
            client_name,
            connection_type: ConnectionType::Wireless,
            status: if failed {
                ClientStatus::Failed
            } else {
                ClientStatus::Connected
            },
            site_id: site.id.clone(),
            site_name: site.name.clone(),
            connected_device_serial: ap.serial_number.clone(),
            connected_device_type: "AP".into(),
            connected_to: ap.device_name.clone(),
            ipv4,
            user_name: if wlan_index == WLAN_CORP {
                user_name
            } else {
                None
            },
            vlan_id,
            vlan_name: field(|w| &w.vlan_name),
            role: field(|w| &w.role),
            tunnel_type: field(|w| &w.tunnel_type),
            authentication_type: field(|w| &w.authentication_type),
            wlan_name: wlan.map(|w| w.name.clone()),
            bssid,
            radio_mac_address: radio_mac,
            wireless_band: band,
            wireless_channel: channel,
            wireless_security: wlan.map(|w| w.security.clone()),
            key_management: wlan.map(|w| w.key_management.clone()),
            phy_type: Some(phy.into()),
            snr,
            port: None,
            manufacturer: info.manufacturer.into(),
            operating_system: info.os.into(),
            category: info.category.into(),
            function: info.function.into(),
            connected_at_ms: connected_at,
            last_seen_at_ms: last_seen,
            usage_bytes: 0,
        }
    }

    fn wired_client(&mut self, site: &Site, switch: &Device, port: u32) -> Client {
        let profile = *self.rng.choose(&[
            Profile::Desktop,
            Profile::Desktop,
            Profile::Desktop,
            Profile::VoipPhone,
            Profile::VoipPhone,
            Profile::Printer,
            Profile::Camera,
        ]);
        let info = profile_info(profile);
        let failed = self.rng.chance(7);
        let (client_name, user_name) = self.identity(profile);
        let mac = fmt_mac(self.mac(&info.ouis, 0));
        let (vlan, vlan_name, role, auth, third) = match profile {
            Profile::Desktop => ("20", "corp-wired", "employee", "802.1X", (32, 35)),
            Profile::VoipPhone => ("50", "voice", "voice", "MAC Auth", (80, 81)),
            Profile::Printer => ("40", "iot", "printer", "MAC Auth", (66, 67)),
            _ => ("40", "iot", "camera", "MAC Auth", (68, 69)),
        };
        let port_name = if switch.switch_type.as_deref() == Some("pvos") {
            port.to_string()
        } else {
            format!("1/1/{port}")
        };
        let (connected_at, last_seen) = self.session_times(failed);
        let ipv4 =
            (!failed).then(|| self.unique_ip(&format!("10.{}", site.index), third.0, third.1));
        Client {
            mac_address: mac,
            host_name: client_name.clone(),
            client_name,
            connection_type: ConnectionType::Wired,
            status: if failed {
                ClientStatus::Failed
            } else {
                ClientStatus::Connected
            },
            site_id: site.id.clone(),
            site_name: site.name.clone(),
            connected_device_serial: switch.serial_number.clone(),
            connected_device_type: "Switch".into(),
            connected_to: switch.device_name.clone(),
            ipv4,
            user_name: if profile == Profile::Desktop {
                user_name
            } else {
                None
            },
            vlan_id: vlan.into(),
            vlan_name: vlan_name.into(),
            role: role.into(),
            tunnel_type: "Port-based".into(),
            authentication_type: auth.into(),
            wlan_name: None,
            bssid: None,
            radio_mac_address: None,
            wireless_band: None,
            wireless_channel: None,
            wireless_security: None,
            key_management: None,
            phy_type: None,
            snr: None,
            port: Some(port_name),
            manufacturer: info.manufacturer.into(),
            operating_system: info.os.into(),
            category: info.category.into(),
            function: info.function.into(),
            connected_at_ms: connected_at,
            last_seen_at_ms: last_seen,
            usage_bytes: 0,
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn fmt_mac(m: [u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// Parse a MAC produced by [`fmt_mac`]; malformed parts become 0 (only used on our own output).
fn parse_mac(s: &str) -> [u8; 6] {
    let mut out = [0u8; 6];
    for (slot, part) in out.iter_mut().zip(s.split(':')) {
        *slot = u8::from_str_radix(part, 16).unwrap_or(0);
    }
    out
}
