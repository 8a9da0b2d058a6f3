//! One client: `get_client_details` over `GET /network-monitoring/v1/clients/{mac-address}`.

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::Validate;
use super::fields;
use super::scope;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiError, ApiRequest, routes};

/// SNR below this (dB) is flagged as a weak signal.
pub const WEAK_SNR_DB: f64 = 20.0;

/// Arguments of `get_client_details`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientDetailsArgs {
    /// The client's MAC address: aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff or aabbccddeeff
    /// (case-insensitive). Use find_client to look a client up by name, IP or user.
    #[schemars(length(min = 12, max = 17))]
    #[schemars(description = "Any notation; find_client looks up names and IPs.")]
    pub mac_address: String,
}

impl Validate for ClientDetailsArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.mac_address = scope::mac("mac_address", &self.mac_address)?;
        Ok(())
    }
}

/// Everything Central reports about one client.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClientDetailsOutput {
    /// MAC address.
    pub mac_address: String,
    /// Client name.
    pub client_name: Option<String>,
    /// Host name.
    pub host_name: Option<String>,
    /// User name (802.1X identity).
    pub user_name: Option<String>,
    /// Wired or Wireless.
    pub connection_type: Option<String>,
    /// Connected, Failed, Connecting, Disconnected or Blocked.
    pub status: Option<String>,
    /// IPv4 address.
    pub ipv4: Option<String>,
    /// IPv6 address.
    pub ipv6: Option<String>,
    /// Site id.
    pub site_id: Option<String>,
    /// Site name.
    pub site_name: Option<String>,
    /// Serial of the AP, switch or gateway it is on.
    pub connected_device_serial: Option<String>,
    /// AP, Switch or Gateway.
    pub connected_device_type: Option<String>,
    /// Name of that device.
    pub connected_to: Option<String>,
    /// Switch port (wired).
    pub port: Option<String>,
    /// WLAN (wireless).
    pub wlan_name: Option<String>,
    /// BSSID (wireless).
    pub bssid: Option<String>,
    /// Band, e.g. 5GHZ (wireless).
    pub band: Option<String>,
    /// Channel (wireless).
    pub channel: Option<String>,
    /// Signal-to-noise ratio, dB (wireless).
    pub snr_db: Option<f64>,
    /// 802.11 PHY, e.g. 802.11ax.
    pub phy_type: Option<String>,
    /// Wireless security, e.g. WPA3-Enterprise.
    pub wireless_security: Option<String>,
    /// Authentication, e.g. 802.1X, MAC.
    pub authentication_type: Option<String>,
    /// VLAN id.
    pub vlan_id: Option<String>,
    /// VLAN name.
    pub vlan_name: Option<String>,
    /// User role.
    pub role: Option<String>,
    /// Tunnel type (Port-based, User-based, Overlay).
    pub tunnel_type: Option<String>,
    /// Operating system.
    pub operating_system: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Category, e.g. Computer.
    pub category: Option<String>,
    /// Connected since (RFC 3339).
    pub connected_at: Option<String>,
    /// Last seen (RFC 3339).
    pub last_seen_at: Option<String>,
    /// Problems worth a look (failed, weak signal) and where to look next.
    pub warnings: Vec<String>,
}

/// Maps Central's client object (null-safe); `mac` fills a missing MAC.
pub fn map_client_details(v: &Value, mac: &str) -> ClientDetailsOutput {
    let t = |k: &str| fields::text(v, k);
    let mut out = ClientDetailsOutput {
        mac_address: t("macAddress")
            .or_else(|| t("id"))
            .map(|m| m.to_ascii_lowercase())
            .unwrap_or_else(|| mac.to_string()),
        client_name: t("clientName"),
        host_name: t("hostName"),
        user_name: t("userName"),
        connection_type: t("clientConnectionType"),
        status: t("status"),
        ipv4: t("ipv4"),
        ipv6: t("ipv6"),
        site_id: t("siteId"),
        site_name: t("siteName"),
        connected_device_serial: t("connectedDeviceSerial"),
        connected_device_type: t("connectedDeviceType"),
        connected_to: t("connectedTo"),
        port: t("port"),
        wlan_name: t("wlanName"),
        bssid: t("bssid"),
        band: t("wirelessBand"),
        channel: t("wirelessChannel"),
        snr_db: fields::number(v, "snr"),
        phy_type: t("phyType"),
        wireless_security: t("wirelessSecurity"),
        authentication_type: t("authenticationType"),
        vlan_id: t("vlanId"),
        vlan_name: t("vlanName"),
        role: t("role"),
        tunnel_type: t("tunnelType"),
        operating_system: t("clientOperatingSystem"),
        vendor: t("clientVendor").or_else(|| t("clientManufacturer")),
        category: t("clientCategory"),
        connected_at: t("connectedAt"),
        last_seen_at: t("lastSeenAt"),
        warnings: Vec::new(),
    };
    if out
        .status
        .as_deref()
        .is_some_and(|s| !s.eq_ignore_ascii_case("connected"))
    {
        out.warnings.push(format!(
            "client is {}; Central's client record carries no failure reason — list_events with \
             client_mac {} shows the authentication/association events",
            out.status.as_deref().unwrap_or("?"),
            out.mac_address
        ));
    }
    if let Some(snr) = out.snr_db.filter(|s| *s < WEAK_SNR_DB) {
        out.warnings.push(format!(
            "weak signal: SNR {snr} dB (below {WEAK_SNR_DB} dB)"
        ));
    }
    out
}

impl ToolOutput for ClientDetailsOutput {
    fn summary(&self) -> String {
        let name = self
            .client_name
            .as_deref()
            .or(self.host_name.as_deref())
            .unwrap_or("unnamed client");
        let mut out = format!(
            "{name} ({}) is {} ({}) at site {}",
            self.mac_address,
            self.status.as_deref().unwrap_or("in an unknown state"),
            self.connection_type.as_deref().unwrap_or("?"),
            self.site_name
                .as_deref()
                .or(self.site_id.as_deref())
                .unwrap_or("?"),
        );
        if let Some(dev) = self
            .connected_to
            .as_deref()
            .or(self.connected_device_serial.as_deref())
        {
            out.push_str(&format!(", on {dev}"));
            if let Some(p) = &self.port {
                out.push_str(&format!(" port {p}"));
            }
        }
        if let Some(w) = &self.wlan_name {
            out.push_str(&format!(
                ", WLAN {w} {} ch {}",
                self.band.as_deref().unwrap_or("?"),
                self.channel.as_deref().unwrap_or("?")
            ));
        }
        if let Some(s) = self.snr_db {
            out.push_str(&format!(", SNR {s} dB"));
        }
        out.push_str(&format!(
            ", IP {}, VLAN {}, role {}, user {}.",
            self.ipv4.as_deref().unwrap_or("?"),
            self.vlan_id.as_deref().unwrap_or("?"),
            self.role.as_deref().unwrap_or("?"),
            self.user_name.as_deref().unwrap_or("?")
        ));
        if !self.warnings.is_empty() {
            out.push_str(&format!(" Warnings: {}.", self.warnings.join("; ")));
        }
        out
    }
}

/// Reads one client; a 404 is explained (unknown or aged-out MAC).
pub async fn fetch_client(ctx: &ToolContext, mac: &str) -> Result<Value, ToolError> {
    Ok(ctx
        .call(ApiRequest::new(routes::CLIENT_DETAILS).path(mac.to_string()))
        .await
        .map_err(|e| match e {
            ApiError::Http { status: 404, .. } => ToolError::Explained {
                message: format!(
                    "Central knows no client with MAC {mac} (it may have left or aged out). \
                     find_client searches by name, IP or user"
                ),
                source: Box::new(e),
            },
            other => ToolError::api(format!("Reading client {mac}"))(other),
        })?
        .body)
}

async fn client_details(
    ctx: ToolContext,
    args: ClientDetailsArgs,
) -> Result<ClientDetailsOutput, ToolError> {
    let body = fetch_client(&ctx, &args.mac_address).await?;
    Ok(map_client_details(&body, &args.mac_address))
}

/// The `get_client_details` tool.
pub fn get_client_details() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "get_client_details",
            title: "Client details",
            description: "One client by MAC: status, AP/switch and port, site, WLAN, band, SNR, IP, VLAN, role.",
            toolset: Toolset::Clients,
        },
        client_details,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_a_failed_weak_client() {
        let out = map_client_details(
            &json!({"macAddress":"F0:1A:A0:3D:00:AF","status":"Failed","snr":12,
                "clientConnectionType":"Wireless","connectedTo":"ap-1","wlanName":"Corp"}),
            "x",
        );
        assert_eq!(out.mac_address, "f0:1a:a0:3d:00:af");
        assert_eq!(out.warnings.len(), 2);
        assert!(out.summary().contains("on ap-1"));
    }

    #[test]
    fn nulls_do_not_fail() {
        let v = json!({"macAddress":null,"id":null,"status":null,"snr":null,"clientName":null,
            "siteName":null,"connectedTo":null,"port":null,"wlanName":null,"vlanId":null});
        let out = map_client_details(&v, "aa:bb:cc:dd:ee:ff");
        assert_eq!(out.mac_address, "aa:bb:cc:dd:ee:ff");
        assert!(out.warnings.is_empty());
        assert!(out.summary().contains("unknown state"));
    }
}
