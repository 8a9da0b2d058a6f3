//! Access points: `get_ap_details` over `GET /network-monitoring/v1/aps/{serial-number}`.

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::devices::{Device, map_device};
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiError, ApiRequest, routes};

/// CPU or memory use above this is flagged.
const HIGH_UTILISATION_PERCENT: f64 = 80.0;
/// Channel utilisation above this is flagged.
const BUSY_CHANNEL_PERCENT: f64 = 70.0;

/// Arguments of `get_ap_details`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApDetailsArgs {
    /// The AP's serial number, e.g. CNK7ABC123 (5-30 letters and digits; case-insensitive).
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial_number: String,
}

impl Validate for ApDetailsArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial_number = args::serial("serial_number", &self.serial_number)?;
        Ok(())
    }
}

/// One radio.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Radio {
    /// Radio number (0, 1, 2).
    pub radio_number: Option<u64>,
    /// Band, e.g. "5 GHz".
    pub band: Option<String>,
    /// UP, DOWN or DISABLED.
    pub status: Option<String>,
    /// Channel.
    pub channel: Option<String>,
    /// Channel width, e.g. "80 MHz".
    pub bandwidth: Option<String>,
    /// Transmit power as Central reports it (dBm).
    pub power: Option<String>,
    /// Radio mode, e.g. Access.
    pub mode: Option<String>,
    /// Channel utilisation, percent.
    pub channel_utilization_percent: Option<f64>,
    /// Noise floor, dBm.
    pub noise_floor_dbm: Option<f64>,
}

/// One Ethernet port.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Port {
    /// Port name, e.g. eth0.
    pub name: Option<String>,
    /// UP, DOWN or DISABLED.
    pub status: Option<String>,
    /// The port is the AP's uplink.
    pub is_uplink: Option<bool>,
    /// Negotiated speed.
    pub speed: Option<String>,
    /// Duplex.
    pub duplex: Option<String>,
}

/// Result of `get_ap_details`: the device fields every device tool reports, then the AP's own.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ApDetailsOutput {
    /// Identity and state (serial, name, status, model, firmware, site, addresses, uptime).
    #[serde(flatten)]
    pub device: Device,
    /// Operating mode, e.g. Client Access.
    pub mode: Option<String>,
    /// Why it last rebooted.
    pub last_reboot_reason: Option<String>,
    /// CPU utilisation, percent.
    pub cpu_utilization_percent: Option<f64>,
    /// Memory utilisation, percent.
    pub memory_utilization_percent: Option<f64>,
    /// Connected clients.
    pub client_count: Option<u64>,
    /// Uplink in use.
    pub current_uplink: Option<String>,
    /// Radios.
    pub radios: Vec<Radio>,
    /// Ethernet ports.
    pub ports: Vec<Port>,
    /// Names of the WLANs it broadcasts.
    pub wlans: Vec<String>,
    /// Problems worth a look (high CPU/memory, radios down, busy channels, offline).
    pub warnings: Vec<String>,
}

fn map_radio(r: &Value) -> Radio {
    let stats = fields::object(r, "radioStats");
    Radio {
        radio_number: fields::count(r, "radioNumber"),
        band: fields::text(r, "band"),
        status: fields::status_upper(r, "status"),
        channel: fields::text(r, "channel"),
        bandwidth: fields::text(r, "bandwidth"),
        power: fields::text(r, "power"),
        mode: fields::text(r, "mode"),
        channel_utilization_percent: stats
            .and_then(|s| fields::number(s, "channelUtilization"))
            .or_else(|| fields::number(r, "channelUtilization")),
        noise_floor_dbm: stats
            .and_then(|s| fields::number(s, "noiseFloor"))
            .or_else(|| fields::number(r, "noiseFloor")),
    }
}

fn map_ap(v: &Value, serial: &str) -> ApDetailsOutput {
    let stats = fields::object(v, "apStats");
    let stat = |key: &str| {
        stats
            .and_then(|s| fields::number(s, key))
            .or_else(|| fields::number(v, key))
    };
    let radios: Vec<Radio> = fields::list(v, "radios").iter().map(map_radio).collect();
    let ports = fields::list(v, "ports")
        .iter()
        .map(|p| Port {
            name: fields::text(p, "name"),
            status: fields::status_upper(p, "portStatus")
                .or_else(|| fields::status_upper(p, "status")),
            is_uplink: fields::boolean(p, "isUplink"),
            speed: fields::text(p, "speed"),
            duplex: fields::text(p, "duplex"),
        })
        .collect();
    let wlans = fields::list(v, "wlans")
        .iter()
        .filter_map(|w| fields::text(w, "wlanName").or_else(|| fields::text(w, "wLanName")))
        .collect();
    let mut device = map_device(v);
    if device.serial_number.is_empty() {
        device.serial_number = serial.to_string();
    }
    device
        .device_type
        .get_or_insert_with(|| "ACCESS_POINT".to_string());
    let mut out = ApDetailsOutput {
        device,
        mode: fields::text(v, "mode"),
        last_reboot_reason: fields::text(v, "lastRebootReason"),
        cpu_utilization_percent: stat("cpuUtilization"),
        memory_utilization_percent: stat("memoryUtilization"),
        client_count: stats
            .and_then(|s| fields::count(s, "clientCount"))
            .or_else(|| fields::count(v, "clientCount")),
        current_uplink: fields::text(v, "currentUplinkInUse"),
        radios,
        ports,
        wlans,
        warnings: Vec::new(),
    };
    out.warnings = warnings(&out);
    out
}

fn warnings(ap: &ApDetailsOutput) -> Vec<String> {
    let mut w = Vec::new();
    if ap.device.status.as_deref() == Some("OFFLINE") {
        w.push(format!(
            "AP is OFFLINE{}",
            ap.device
                .last_seen_at
                .as_deref()
                .map(|t| format!(" (last seen {t})"))
                .unwrap_or_default()
        ));
    }
    if let Some(cpu) = ap
        .cpu_utilization_percent
        .filter(|c| *c > HIGH_UTILISATION_PERCENT)
    {
        w.push(format!("high CPU {cpu}%"));
    }
    if let Some(mem) = ap
        .memory_utilization_percent
        .filter(|m| *m > HIGH_UTILISATION_PERCENT)
    {
        w.push(format!("high memory {mem}%"));
    }
    for r in &ap.radios {
        let band = r.band.as_deref().unwrap_or("radio");
        if r.status.as_deref() == Some("DOWN") {
            w.push(format!("{band} radio is DOWN"));
        }
        if let Some(u) = r
            .channel_utilization_percent
            .filter(|u| *u > BUSY_CHANNEL_PERCENT)
        {
            w.push(format!(
                "{band} channel {} is {u}% utilised",
                r.channel.as_deref().unwrap_or("?")
            ));
        }
    }
    w
}

impl ToolOutput for ApDetailsOutput {
    fn summary(&self) -> String {
        let mut out = format!(
            "AP {} ({}) is {} at {}",
            self.device.device_name.as_deref().unwrap_or("unnamed"),
            self.device.serial_number,
            self.device
                .status
                .as_deref()
                .unwrap_or("in an unknown state"),
            self.device
                .site_name
                .as_deref()
                .unwrap_or("an unknown site"),
        );
        if let Some(m) = &self.device.model {
            out.push_str(&format!(", model {m}"));
        }
        if let Some(f) = &self.device.firmware_version {
            out.push_str(&format!(", firmware {f}"));
        }
        out.push('.');
        if let Some(up) = self.device.uptime_seconds {
            out.push_str(&format!(" Up {}.", fields::human_duration(up)));
        }
        if let Some(c) = self.client_count {
            out.push_str(&format!(" {c} client(s)."));
        }
        let radios: Vec<String> = self
            .radios
            .iter()
            .map(|r| {
                format!(
                    "{} ch {} {}",
                    r.band.as_deref().unwrap_or("?"),
                    r.channel.as_deref().unwrap_or("?"),
                    r.status.as_deref().unwrap_or("?")
                )
            })
            .collect();
        if !radios.is_empty() {
            out.push_str(&format!(" Radios: {}.", radios.join(", ")));
        }
        if self.warnings.is_empty() {
            out.push_str(" No problems flagged.");
        } else {
            out.push_str(&format!(" Warnings: {}.", self.warnings.join("; ")));
        }
        out
    }
}

async fn ap_details(ctx: ToolContext, args: ApDetailsArgs) -> Result<ApDetailsOutput, ToolError> {
    let serial = args.serial_number;
    let body = ctx.call(ApiRequest::new(routes::AP_DETAILS).path(serial.clone()))
        .await
        .map_err(|e| match e {
            ApiError::Http { status: 404, .. } => ToolError::Explained {
                message: format!(
                    "No access point with serial {serial} in Central. Check the serial with \
                     get_device_list (device_type ACCESS_POINT); switches and gateways have their own tools"
                ),
                source: Box::new(e),
            },
            other => ToolError::api(format!("Reading AP {serial}"))(other),
        })?
        .body;
    if !body.is_object() {
        return Err(ToolError::Explained {
            message: format!("Central returned no AP object for {serial}"),
            source: Box::new(ApiError::InvalidResponse {
                call: routes::AP_DETAILS.call_name(),
                detail: "expected a JSON object".into(),
            }),
        });
    }
    Ok(map_ap(&body, &serial))
}

/// The `get_ap_details` tool.
pub fn get_ap_details() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_ap_details",
            title: "Access point details",
            description: "One AP: status, uptime, CPU, memory, clients, radios (channel, power, utilisation, noise), ports, WLANs, warnings.",
            toolset: Toolset::Monitoring,
        },
        ap_details,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_the_documented_ap_shape_and_flags_problems() {
        let v = json!({"serialNumber":"CN12AB34CD","deviceName":"ap-lobby-01","status":"ONLINE",
            "apStats":{"cpuUtilization":91,"memoryUtilization":41,"clientCount":23},
            "radios":[{"radioNumber":0,"band":"2.4 GHz","status":"UP","channel":"6","radioStats":{"channelUtilization":75,"noiseFloor":-92}},
                      {"radioNumber":1,"band":"5 GHz","status":"DOWN","channel":"36"}],
            "ports":[{"name":"eth0","portStatus":"UP","isUplink":true,"speed":"1000"}],
            "wlans":[{"wlanName":"CorpWLAN"}]});
        let ap = map_ap(&v, "CN12AB34CD");
        assert_eq!(ap.client_count, Some(23));
        assert_eq!(ap.cpu_utilization_percent, Some(91.0));
        assert_eq!(ap.radios[0].channel_utilization_percent, Some(75.0));
        assert_eq!(ap.radios[0].noise_floor_dbm, Some(-92.0));
        assert_eq!(ap.ports[0].is_uplink, Some(true));
        assert_eq!(ap.wlans, ["CorpWLAN"]);
        assert!(ap.warnings.iter().any(|w| w.contains("high CPU 91")));
        assert!(
            ap.warnings
                .iter()
                .any(|w| w.contains("5 GHz radio is DOWN"))
        );
        assert!(
            ap.warnings
                .iter()
                .any(|w| w.contains("channel 6 is 75% utilised"))
        );
        assert!(!ap.warnings.iter().any(|w| w.contains("memory")));
    }

    #[test]
    fn nulls_do_not_fail() {
        let ap = map_ap(
            &json!({"apStats": null, "radios": null, "status": null}),
            "X",
        );
        assert_eq!(ap.device.serial_number, "X");
        assert!(ap.radios.is_empty() && ap.warnings.is_empty());
        assert!(ap.summary().contains("unknown state"));
    }
}
