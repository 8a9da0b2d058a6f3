//! AP radios: `get_ap_radios` over `GET /network-monitoring/v1/aps/{serial-number}/radios`.

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiError, ApiRequest, routes};

/// Channel utilisation above this is flagged.
const BUSY_CHANNEL_PERCENT: f64 = 70.0;
/// Noise floor above this (dBm) is flagged as interference.
const NOISY_FLOOR_DBM: f64 = -85.0;

/// Arguments of `get_ap_radios`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApRadiosArgs {
    /// The AP's serial number, e.g. CNK7ABC123 (5-30 letters and digits; case-insensitive).
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial: String,
}

impl Validate for ApRadiosArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        Ok(())
    }
}

/// One radio's state and RF metrics.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RadioState {
    /// Radio number (0-10).
    pub radio_number: Option<u64>,
    /// Band, e.g. "5 GHz".
    pub band: Option<String>,
    /// UP, DOWN or DISABLED.
    pub status: Option<String>,
    /// Channel.
    pub channel: Option<String>,
    /// Channel width, e.g. "80 MHz".
    pub bandwidth: Option<String>,
    /// Transmit power, dBm.
    pub power_dbm: Option<f64>,
    /// Radio mode, e.g. Access.
    pub mode: Option<String>,
    /// Clients on this radio.
    pub client_count: Option<u64>,
    /// Channel utilisation, percent.
    pub channel_utilization_percent: Option<f64>,
    /// Channel quality, percent.
    pub channel_quality_percent: Option<f64>,
    /// Transmit utilisation, percent.
    pub tx_utilization_percent: Option<f64>,
    /// Receive utilisation, percent.
    pub rx_utilization_percent: Option<f64>,
    /// Non-Wi-Fi interference, percent.
    pub non_wifi_interference_percent: Option<f64>,
    /// Noise floor, dBm.
    pub noise_floor_dbm: Option<f64>,
    /// Channel changes in the last 3 hours.
    pub channel_change_count: Option<u64>,
    /// Power changes in the last 3 hours.
    pub power_change_count: Option<u64>,
}

/// Result of `get_ap_radios`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ApRadiosOutput {
    /// The AP's serial number.
    pub serial: String,
    /// Radios Central reports.
    pub total: Option<u64>,
    /// Radios in this answer.
    pub returned: usize,
    /// Clients summed over the radios.
    pub total_clients: u64,
    /// The radios, in Central's order.
    pub radios: Vec<RadioState>,
    /// Problems worth a look (radio down, busy channel, high noise, duplicate channels).
    pub warnings: Vec<String>,
}

fn map_radio(r: &Value) -> RadioState {
    RadioState {
        radio_number: fields::count(r, "radioNumber"),
        band: fields::text(r, "band"),
        status: fields::status_upper(r, "status"),
        channel: fields::text(r, "channel"),
        bandwidth: fields::text(r, "bandwidth"),
        power_dbm: fields::number(r, "power"),
        mode: fields::text(r, "mode"),
        client_count: fields::count(r, "clientCount"),
        channel_utilization_percent: fields::number(r, "channelUtilization"),
        channel_quality_percent: fields::number(r, "channelQuality"),
        tx_utilization_percent: fields::number(r, "txUtilization"),
        rx_utilization_percent: fields::number(r, "rxUtilization"),
        non_wifi_interference_percent: fields::number(r, "nonWifiInterference"),
        noise_floor_dbm: fields::number(r, "noiseFloor"),
        channel_change_count: fields::count(r, "channelChangeCount"),
        power_change_count: fields::count(r, "powerChangeCount"),
    }
}

fn map_radios(body: &Value, serial: &str) -> ApRadiosOutput {
    let radios: Vec<RadioState> = fields::list(body, "items").iter().map(map_radio).collect();
    let mut warnings = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for r in &radios {
        let band = r.band.as_deref().unwrap_or("radio");
        if r.status.as_deref() == Some("DOWN") {
            warnings.push(format!("{band} radio is DOWN"));
        }
        if let Some(u) = r
            .channel_utilization_percent
            .filter(|u| *u > BUSY_CHANNEL_PERCENT)
        {
            warnings.push(format!(
                "{band} channel {} is {u}% utilised",
                r.channel.as_deref().unwrap_or("?")
            ));
        }
        if let Some(n) = r
            .noise_floor_dbm
            .filter(|n| *n > NOISY_FLOOR_DBM && r.status.as_deref() == Some("UP"))
        {
            warnings.push(format!("{band} noise floor {n} dBm (interference)"));
        }
        if let Some(ch) = r.channel.as_deref().filter(|c| !c.is_empty()) {
            if seen.contains(&ch) {
                warnings.push(format!("channel {ch} is used by two radios"));
            }
            seen.push(ch);
        }
    }
    ApRadiosOutput {
        serial: serial.to_string(),
        total: fields::count(body, "total"),
        returned: radios.len(),
        total_clients: radios.iter().filter_map(|r| r.client_count).sum(),
        radios,
        warnings,
    }
}

impl ToolOutput for ApRadiosOutput {
    fn summary(&self) -> String {
        let mut out = format!(
            "AP {} has {} radio(s) with {} client(s)",
            self.serial, self.returned, self.total_clients
        );
        let radios: Vec<String> = self
            .radios
            .iter()
            .map(|r| {
                format!(
                    "{} ch {} {} {}% util",
                    r.band.as_deref().unwrap_or("?"),
                    r.channel.as_deref().unwrap_or("?"),
                    r.status.as_deref().unwrap_or("?"),
                    r.channel_utilization_percent
                        .map_or("?".to_string(), |u| u.to_string())
                )
            })
            .collect();
        if !radios.is_empty() {
            out.push_str(&format!(": {}", radios.join(", ")));
        }
        out.push('.');
        if self.warnings.is_empty() {
            out.push_str(" No problems flagged.");
        } else {
            out.push_str(&format!(" Warnings: {}.", self.warnings.join("; ")));
        }
        out
    }
}

async fn ap_radios(ctx: ToolContext, args: ApRadiosArgs) -> Result<ApRadiosOutput, ToolError> {
    let serial = args.serial;
    let body = ctx
        .call(ApiRequest::new(routes::AP_RADIOS).path(serial.clone()))
        .await
        .map_err(|e| match e {
            ApiError::Http { status: 404, .. } => ToolError::Explained {
                message: format!(
                    "No access point with serial {serial} in Central. Check the serial with \
                     get_device_list (device_type ACCESS_POINT)"
                ),
                source: Box::new(e),
            },
            other => ToolError::api(format!("Reading radios of AP {serial}"))(other),
        })?
        .body;
    Ok(map_radios(&body, &serial))
}

/// The `get_ap_radios` tool.
pub fn get_ap_radios() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_ap_radios",
            title: "Access point radios",
            description: "One AP's radios: band, channel, width, power, clients, utilisation, interference, noise; warnings.",
            toolset: Toolset::Monitoring,
        },
        ap_radios,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_string_metrics_and_flags_problems() {
        let out = map_radios(
            &json!({"items":[
                {"radioNumber":0,"band":"2.4 GHz","status":"UP","channel":"6","power":"12",
                 "clientCount":3,"channelUtilization":"75","noiseFloor":"-80"},
                {"radioNumber":1,"band":"5 GHz","status":"DOWN","channel":"6"}],"total":2}),
            "CN1",
        );
        assert_eq!(out.total, Some(2));
        assert_eq!(out.radios[0].power_dbm, Some(12.0));
        assert_eq!(out.radios[0].noise_floor_dbm, Some(-80.0));
        assert_eq!(out.total_clients, 3);
        assert_eq!(out.warnings.len(), 4, "{:?}", out.warnings);
    }

    #[test]
    fn nulls_do_not_fail() {
        let out = map_radios(
            &json!({"items":[{"radioNumber":null,"band":null,"status":null,"channel":null,
                "power":null,"clientCount":null,"channelUtilization":null,"noiseFloor":null}],
                "total":null}),
            "CN1",
        );
        assert_eq!(out.returned, 1);
        assert!(out.warnings.is_empty());
        assert!(out.summary().contains("CN1"));
        assert_eq!(map_radios(&json!(null), "X").returned, 0);
    }
}
