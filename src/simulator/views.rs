//! JSON shapes of the dataset, with the field names of the v1 API (CONTRACT §5).
//!
//! Each function renders one resource as the endpoint returns it. Fields a real tenant would
//! have but the dataset does not model (IPv6, building/floor ids, notes) are `null` or omitted,
//! never invented under names the API does not use.

use serde_json::{Value, json};

use super::data::{Client, ClientStatus, ConnectionType, Dataset, Device, DeviceStatus, Site};

/// Resource type of `devices` items.
const DEVICE_TYPE: &str = "network-monitoring/device-monitoring";
/// Resource type of AP items.
const AP_TYPE: &str = "network-monitoring/access-point-monitoring";
/// Resource type of client items.
const CLIENT_TYPE: &str = "network-monitoring/client-monitoring";
/// Resource type of `sites-health` items.
const SITE_HEALTH_TYPE: &str = "network-monitoring/sites-health";

/// RFC 3339 (ms) string of a Unix-ms instant, or null.
pub(crate) fn ts(ms: Option<u64>) -> Value {
    ms.map_or(Value::Null, |ms| Value::String(super::data::rfc3339_ms(ms)))
}

/// Watts from deci-watts, or null.
pub(crate) fn watts(dw: Option<u32>) -> Value {
    dw.map_or(Value::Null, |dw| json!(f64::from(dw) / 10.0))
}

/// An item of `GET /network-monitoring/v1/devices` (§5.2).
pub(crate) fn device_item(d: &Device) -> Value {
    json!({
        "id": d.serial_number,
        "type": DEVICE_TYPE,
        "serialNumber": d.serial_number,
        "macAddress": d.mac_address,
        "deviceName": d.device_name,
        "deviceType": d.device_type.api_name(),
        "siteId": d.site_id,
        "siteName": d.site_name,
        "model": d.model,
        "partNumber": d.part_number,
        "status": d.status.upper(),
        "firmwareVersion": d.firmware_version,
        "deployment": d.deployment,
        "deviceFunction": d.device_function,
        "role": d.role,
        "ipv4": d.ipv4,
        "ipv6": null,
        "uptimeInMillis": d.uptime_millis,
        "lastSeenAt": ts(d.last_seen_at_ms),
        "clusterName": d.cluster_name,
        "configStatus": d.config_status,
        "configLastModifiedAt": ts(Some(d.config_modified_at_ms)),
    })
}

/// An item of `GET /network-monitoring/v1/aps` (§5.3).
pub(crate) fn ap_item(d: &Device, wlan_count: usize) -> Value {
    let online = d.status.is_online();
    json!({
        "id": d.serial_number,
        "type": AP_TYPE,
        "serialNumber": d.serial_number,
        "macAddress": d.mac_address,
        "deviceName": d.device_name,
        "siteId": d.site_id,
        "siteName": d.site_name,
        "model": d.model,
        "partNumber": d.part_number,
        "firmwareVersion": d.firmware_version,
        "status": d.status.upper(),
        "deployment": d.deployment,
        "deviceFunction": d.device_function,
        "role": d.role,
        "clusterId": d.cluster_id,
        "clusterName": d.cluster_name,
        "ipv4": d.ipv4,
        "ipv6": null,
        "publicIpv4": d.public_ipv4,
        "subnetMask": d.subnet_mask,
        "uptimeInMillis": d.uptime_millis,
        "lastSeenAt": ts(d.last_seen_at_ms),
        "lastRebootReason": d.last_reboot_reason,
        "cpuUtilization": d.cpu_utilization,
        "memoryUtilization": d.memory_utilization,
        "powerConsumption": watts(d.power_deciwatts),
        "clientCount": d.client_count,
        "wlanCount": if online { wlan_count } else { 0 },
    })
}

fn uplink_speed(model: &str) -> &'static str {
    match model {
        "AP-655" | "AP-535" => "5 Gbps",
        "AP-635" | "AP-515" => "2.5 Gbps",
        _ => "1 Gbps",
    }
}

fn country_code(country: &str) -> &'static str {
    match country {
        "United States" => "US",
        "India" => "IN",
        "United Kingdom" => "GB",
        "Australia" => "AU",
        _ => "US",
    }
}

/// Offset a MAC's last byte (used for the AP's second Ethernet port).
fn mac_plus(mac: &str, n: u8) -> String {
    match mac.rsplit_once(':') {
        Some((head, last)) => {
            let b = u8::from_str_radix(last, 16).unwrap_or(0).wrapping_add(n);
            format!("{head}:{b:02x}")
        }
        None => mac.to_string(),
    }
}

/// `GET /network-monitoring/v1/aps/{serial-number}` (§5.3): identity, `apStats`, `radios`,
/// `ports`, `modem`, `wlans`.
pub(crate) fn ap_detail(ds: &Dataset, d: &Device) -> Value {
    let online = d.status.is_online();
    let country = ds
        .site(&d.site_id)
        .map_or("US", |s| country_code(&s.country));
    let radios: Vec<Value> = d
        .radios
        .iter()
        .map(|r| {
            json!({
                "radioNumber": r.radio_number,
                "macAddress": r.mac_address,
                "band": r.band,
                "status": r.status,
                "channel": r.channel,
                "bandwidth": r.bandwidth,
                "power": r.power_dbm.to_string(),
                "mode": "Client Access",
                "antenna": "Internal",
                "spatialStream": r.spatial_stream,
                "radioType": r.radio_type,
                "radioStats": {
                    "channelUtilization": f64::from(r.channel_utilization),
                    "noiseFloor": r.noise_floor,
                },
            })
        })
        .collect();
    let port_status = if online { "UP" } else { "DOWN" };
    let ports = json!([
        {
            "name": "eth0",
            "macAddress": d.mac_address,
            "portIndex": "0",
            "portStatus": port_status,
            "isUplink": true,
            "speed": uplink_speed(&d.model),
            "duplex": "Full",
            "vlanMode": "Trunk",
            "nativeVlan": "1",
            "accessVlan": "1",
            "allowedVlan": "all",
            "connector": "RJ45",
        },
        {
            "name": "eth1",
            "macAddress": mac_plus(&d.mac_address, 1),
            "portIndex": "1",
            "portStatus": "DOWN",
            "isUplink": false,
            "speed": "Auto",
            "duplex": "Auto",
            "vlanMode": "Access",
            "nativeVlan": "1",
            "accessVlan": "1",
            "allowedVlan": "1",
            "connector": "RJ45",
        }
    ]);
    let wlans: Vec<Value> = if online {
        ds.wlans
            .iter()
            .map(|w| {
                json!({
                    "id": format!("wlans/{}", w.name),
                    "type": AP_TYPE,
                    "wlanName": w.name,
                    "securityLevel": w.security_level,
                    "security": w.security,
                    "band": w.band,
                    "status": "ENABLED",
                    "vlan": w.vlan,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    json!({
        "id": d.serial_number,
        "type": AP_TYPE,
        "serialNumber": d.serial_number,
        "macAddress": d.mac_address,
        "deviceName": d.device_name,
        "siteId": d.site_id,
        "siteName": d.site_name,
        "model": d.model,
        "partNumber": d.part_number,
        "firmwareVersion": d.firmware_version,
        "status": d.status.upper(),
        "deployment": d.deployment,
        "deviceFunction": d.device_function,
        "role": d.role,
        "clusterId": d.cluster_id,
        "clusterName": d.cluster_name,
        "ipv4": d.ipv4,
        "ipv6": null,
        "publicIpv4": d.public_ipv4,
        "subnetMask": d.subnet_mask,
        "defaultGateway": d.default_gateway,
        "uptimeInMillis": d.uptime_millis,
        "lastSeenAt": ts(d.last_seen_at_ms),
        "lastRebootReason": d.last_reboot_reason,
        "apStats": {
            "cpuUtilization": d.cpu_utilization.map(f64::from),
            "memoryUtilization": d.memory_utilization.map(f64::from),
            "clientCount": d.client_count,
        },
        "bandSelection": if d.radios.len() > 2 { "Tri Band" } else { "Dual Band" },
        "countryCode": country,
        "currentUplinkInUse": "Ethernet",
        "manufacturer": "Aruba",
        "mode": "Client Access",
        "negotiatedPower": if !online { "-" } else if d.model == "AP-655" { "802.3bt" } else { "802.3at" },
        "notes": null,
        "radios": radios,
        "ports": ports,
        "modem": {
            "status": "DISCONNECTED",
            "state": "OTHER_STATE",
            "simState": "SIM_ABSENT",
        },
        "wlans": wlans,
    })
}

/// An item of `GET /network-monitoring/v1/clients` (§5.6).
pub(crate) fn client_item(c: &Client) -> Value {
    let wireless = c.connection_type == ConnectionType::Wireless;
    json!({
        "id": c.mac_address,
        "type": CLIENT_TYPE,
        "macAddress": c.mac_address,
        "clientName": c.client_name,
        "hostName": c.host_name,
        "userName": c.user_name,
        "clientConnectionType": c.connection_type.api_name(),
        "status": c.status.api_name(),
        "ipv4": c.ipv4,
        "ipv6": null,
        "connectedDeviceSerial": c.connected_device_serial,
        "connectedDeviceType": c.connected_device_type,
        "connectedTo": c.connected_to,
        "connectedAt": ts(c.connected_at_ms),
        "lastSeenAt": ts(Some(c.last_seen_at_ms)),
        "siteId": c.site_id,
        "siteName": c.site_name,
        "vlanId": c.vlan_id,
        "vlanName": c.vlan_name,
        "role": c.role,
        "tunnelType": c.tunnel_type,
        "tunnelId": 0,
        "port": c.port,
        "wlanName": c.wlan_name,
        "bssid": c.bssid,
        "radioMacAddress": c.radio_mac_address,
        "wirelessBand": c.wireless_band,
        "wirelessChannel": c.wireless_channel,
        "wirelessSecurity": c.wireless_security,
        "keyManagement": c.key_management,
        "phyType": c.phy_type,
        "mloOperMode": if wireless { Value::from("MLO Disabled") } else { Value::Null },
        "snr": c.snr,
        "authenticationType": c.authentication_type,
        "clientCategory": c.category,
        "clientFunction": c.function,
        "clientManufacturer": c.manufacturer,
        "clientVendor": c.manufacturer,
        "clientOperatingSystem": c.operating_system,
    })
}

/// Good / Fair / Poor counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Buckets {
    /// Healthy.
    pub(crate) good: u64,
    /// Degraded.
    pub(crate) fair: u64,
    /// Failing.
    pub(crate) poor: u64,
}

impl Buckets {
    /// Number of items counted.
    pub(crate) fn total(self) -> u64 {
        self.good + self.fair + self.poor
    }

    /// `[{name, value}]` with zero buckets omitted, Good first.
    pub(crate) fn groups(self) -> Value {
        let groups: Vec<Value> = [
            ("Good", self.good),
            ("Fair", self.fair),
            ("Poor", self.poor),
        ]
        .into_iter()
        .filter(|(_, v)| *v > 0)
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
        Value::Array(groups)
    }

    /// As percentages summing to 100 (all zero when empty).
    fn percent(self) -> Self {
        let total = self.total();
        if total == 0 {
            return Self::default();
        }
        let pct = |n: u64| (n * 100 + total / 2) / total;
        let poor = pct(self.poor);
        let fair = pct(self.fair).min(100 - poor);
        Self {
            good: 100 - poor - fair,
            fair,
            poor,
        }
    }

    /// The 0–100 score `Good + Fair/2` of the percentages (pycentral's formula).
    pub(crate) fn score(self) -> f64 {
        let p = self.percent();
        p.good as f64 + p.fair as f64 * 0.5
    }
}

/// Device health: offline is Poor, CPU or memory above 85 % is Fair, otherwise Good.
pub(crate) fn device_bucket(d: &Device) -> usize {
    if d.status == DeviceStatus::Offline {
        2
    } else if d.cpu_utilization.unwrap_or(0) > 85 || d.memory_utilization.unwrap_or(0) > 85 {
        1
    } else {
        0
    }
}

/// Client health: failed is Poor, a wireless client with SNR below 25 dB is Fair.
pub(crate) fn client_bucket(c: &Client) -> usize {
    if c.status == ClientStatus::Failed {
        2
    } else if c.snr.is_some_and(|snr| snr < 25) {
        1
    } else {
        0
    }
}

/// Count items into Good / Fair / Poor by `f` (0, 1, 2).
pub(crate) fn bucketize<T>(items: impl Iterator<Item = T>, f: impl Fn(T) -> usize) -> Buckets {
    let mut b = Buckets::default();
    for item in items {
        match f(item) {
            0 => b.good += 1,
            1 => b.fair += 1,
            _ => b.poor += 1,
        }
    }
    b
}

/// Health figures of one site, derived from its devices and clients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SiteHealth {
    /// Devices by health.
    pub(crate) devices: Buckets,
    /// Clients (connected and failed) by health.
    pub(crate) clients: Buckets,
    /// Overall health percentages (mean of the device and client percentages).
    pub(crate) overall: Buckets,
}

/// Compute the health of `site`.
pub(crate) fn site_health(ds: &Dataset, site: &Site) -> SiteHealth {
    let devices = bucketize(
        ds.devices.iter().filter(|d| d.site_id == site.id),
        device_bucket,
    );
    let clients = bucketize(
        ds.clients.iter().filter(|c| c.site_id == site.id),
        client_bucket,
    );
    let (dp, cp) = (devices.percent(), clients.percent());
    let poor = (dp.poor + cp.poor).div_ceil(2);
    let fair = ((dp.fair + cp.fair) / 2).min(100 - poor);
    SiteHealth {
        devices,
        clients,
        overall: Buckets {
            good: 100 - poor - fair,
            fair,
            poor,
        },
    }
}

/// An item of `GET /network-monitoring/v1/sites-health` (§5.1). Counts are consistent with the
/// devices and clients endpoints: `devices.count` is every device of the site, `clients.count`
/// every client (connected and failed). Alerts: one Critical per offline device, one Major per
/// hot device, one Minor per failed client.
pub(crate) fn site_health_item(ds: &Dataset, site: &Site) -> Value {
    let h = site_health(ds, site);
    let alerts: Vec<Value> = [
        ("Critical", h.devices.poor),
        ("Major", h.devices.fair),
        ("Minor", h.clients.poor),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(name, count)| json!({"name": name, "count": count}))
    .collect();
    let total_alerts = h.devices.poor + h.devices.fair + h.clients.poor;
    let reasons: Vec<Value> = [
        ("Poor", "DEVICE_HEALTH_POOR", h.devices.poor),
        ("Poor", "CLIENT_HEALTH_POOR", h.clients.poor),
        ("Fair", "DEVICE_HEALTH_FAIR", h.devices.fair),
        ("Fair", "CLIENT_HEALTH_FAIR", h.clients.fair),
    ]
    .into_iter()
    .filter(|(_, _, n)| *n > 0)
    .map(|(health, reason, count)| json!({"health": health, "reason": reason, "data": {"count": count}}))
    .collect();
    json!({
        "id": site.id,
        "type": SITE_HEALTH_TYPE,
        "siteName": site.name,
        "address": {
            "address": site.address,
            "city": site.city,
            "state": site.state,
            "country": site.country,
            "zipCode": site.zip_code,
        },
        "location": {"latitude": site.latitude, "longitude": site.longitude},
        "health": {"groups": h.overall.groups()},
        "devices": {"count": h.devices.total(), "health": {"groups": h.devices.groups()}},
        "clients": {"count": h.clients.total(), "health": {"groups": h.clients.groups()}},
        "alerts": {"totalCount": total_alerts, "groups": alerts},
        "reasons": reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::data::DeviceType;

    #[test]
    fn percentages_sum_to_100() {
        let b = Buckets {
            good: 7,
            fair: 2,
            poor: 1,
        };
        let p = b.percent();
        assert_eq!(p.good + p.fair + p.poor, 100);
        assert_eq!(p.poor, 10);
        assert_eq!(Buckets::default().percent(), Buckets::default());
    }

    #[test]
    fn site_counts_match_the_dataset() {
        let ds = Dataset::generate(42);
        for site in &ds.sites {
            let item = site_health_item(&ds, site);
            let devices = ds.devices.iter().filter(|d| d.site_id == site.id).count();
            let clients = ds.clients.iter().filter(|c| c.site_id == site.id).count();
            assert_eq!(item["devices"]["count"], json!(devices));
            assert_eq!(item["clients"]["count"], json!(clients));
            let sum: u64 = item["devices"]["health"]["groups"]
                .as_array()
                .map(|g| g.iter().filter_map(|x| x["value"].as_u64()).sum())
                .unwrap_or(0);
            assert_eq!(sum as usize, devices);
            let overall: u64 = item["health"]["groups"]
                .as_array()
                .map(|g| g.iter().filter_map(|x| x["value"].as_u64()).sum())
                .unwrap_or(0);
            assert_eq!(overall, 100);
        }
    }

    #[test]
    fn ap_detail_has_required_parts() {
        let ds = Dataset::generate(42);
        let ap = ds
            .devices_of_type(DeviceType::AccessPoint)
            .next()
            .expect("an AP");
        let v = ap_detail(&ds, ap);
        for key in [
            "radios",
            "ports",
            "modem",
            "apStats",
            "serialNumber",
            "macAddress",
            "deviceName",
            "siteId",
            "type",
            "id",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert!(v["radios"].as_array().is_some_and(|r| r.len() >= 2));
        assert_eq!(
            v["ports"][1]["macAddress"],
            json!(mac_plus(&ap.mac_address, 1))
        );
    }
}
