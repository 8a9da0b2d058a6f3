//! Clients: `list_all_clients` over `GET /network-monitoring/v1/clients`.
//!
//! The reference server's `start_query_time`/`end_query_time` (epoch milliseconds) are kept as
//! argument names; they also accept RFC 3339 and relative ages and are sent as Central's
//! documented `start-at`/`end-at` (RFC 3339), which only affect *failed* clients.

use std::collections::BTreeMap;
use std::time::SystemTime;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::fields;
use super::projection::{Fields, Item, Items};
use super::sites::{SiteRef, resolve_site};
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// Wired or wireless.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
pub enum ConnectionType {
    /// Wired clients.
    Wired,
    /// Wireless clients.
    Wireless,
}

/// Client status filter.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[schemars(inline)]
pub enum ClientStatus {
    /// Connected now (Central's default).
    Connected,
    /// Failed to connect in the time window.
    Failed,
}

/// Arguments of `list_all_clients`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientListArgs {
    /// Site id (from get_sites_health). A site (id or name) is required.
    #[schemars(description = "")]
    pub site_id: Option<String>,
    /// Site name, instead of site_id.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// Only clients connected to this device (AP or switch serial).
    #[schemars(description = "Only clients of this AP or switch.")]
    pub serial_number: Option<String>,
    /// Only wired or only wireless clients.
    #[schemars(description = "")]
    pub connection_type: Option<ConnectionType>,
    /// Connected (default) or Failed clients.
    #[schemars(description = "", extend("default" = "Connected"))]
    pub status: Option<ClientStatus>,
    /// Start of the window for failed clients: RFC 3339, epoch milliseconds, or an age such as
    /// 1h, 24h, 7d (default: 3 hours before the end).
    #[schemars(
        description = "Failed clients only: RFC 3339, epoch ms or an age like 24h (default 3h)."
    )]
    pub start_query_time: Option<String>,
    /// End of the window for failed clients: RFC 3339, epoch milliseconds, or an age (default now).
    #[schemars(description = "Failed clients only (default now).")]
    pub end_query_time: Option<String>,
    /// Extra OData filter combined by `and`. Fields: clientConnectionType (Wired|Wireless),
    /// status (Connected|Failed), wlanName, vlanId, tunnelType, role.
    #[schemars(
        description = "OData, ANDed. Fields: clientConnectionType, status, wlanName, vlanId, tunnelType, role."
    )]
    pub filter: Option<String>,
    /// Sort, e.g. `clientName asc`. Fields include clientName, status, macAddress, ipv4,
    /// connectedTo, lastSeenAt, wlanName, vlanId, connectedAt.
    #[schemars(description = "E.g. `clientName asc`.")]
    pub sort: Option<String>,
    /// Clients per page, 1-100 (default 50).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(description = "", extend("default" = 50))]
    pub limit: Option<i64>,
    /// Cursor: the `next` value of the previous page.
    #[schemars(description = "")]
    pub next: Option<String>,
    /// The client fields to return instead of the default ones ([`Item::DEFAULT`] of
    /// [`Client`]); `all` for every field. `mac_address` is always returned.
    #[schemars(description = "Default: the main fields.")]
    pub fields: Option<Fields<Client>>,
}

impl Validate for ClientListArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        args::ListArgs {
            limit: self.limit,
            max_limit: 100,
            filter: &mut self.filter,
            sort: &mut self.sort,
            next: &mut self.next,
        }
        .validate()?;
        self.site_name = args::clean_text("site_name", self.site_name.take(), 128)?;
        self.site_id = args::clean_text("site_id", self.site_id.take(), 64)?;
        if let Some(s) = self.serial_number.take() {
            self.serial_number = Some(args::serial("serial_number", &s)?);
        }
        let now = SystemTime::now();
        let start = match &self.start_query_time {
            Some(s) => Some(args::time_point("start_query_time", s, now)?),
            None => None,
        };
        let end = match &self.end_query_time {
            Some(s) => Some(args::time_point("end_query_time", s, now)?),
            None => None,
        };
        if let (Some(s), Some(e)) = (start, end)
            && s >= e
        {
            return Err(ToolError::InvalidArgument(
                "argument `start_query_time` must be before `end_query_time`".into(),
            ));
        }
        self.start_query_time = start.map(args::rfc3339_millis);
        self.end_query_time = end.map(args::rfc3339_millis);
        Ok(())
    }
}

/// One client.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Client {
    /// MAC address (the client id).
    pub mac_address: String,
    /// Client name.
    pub client_name: Option<String>,
    /// Host name.
    pub host_name: Option<String>,
    /// User name (802.1X identity).
    pub user_name: Option<String>,
    /// Wired or Wireless.
    pub connection_type: Option<String>,
    /// Connected, Failed, …
    pub status: Option<String>,
    /// IPv4 address.
    pub ipv4: Option<String>,
    /// Serial of the AP or switch it is on.
    pub connected_device_serial: Option<String>,
    /// Name of that device.
    pub connected_to: Option<String>,
    /// Site name.
    pub site_name: Option<String>,
    /// WLAN (wireless).
    pub wlan_name: Option<String>,
    /// VLAN id.
    pub vlan_id: Option<String>,
    /// Band (wireless), e.g. 5GHZ.
    pub band: Option<String>,
    /// Signal-to-noise ratio, dB (wireless).
    pub snr_db: Option<f64>,
    /// Switch port (wired).
    pub port: Option<String>,
    /// Connected since (RFC 3339).
    pub connected_at: Option<String>,
    /// Last seen (RFC 3339).
    pub last_seen_at: Option<String>,
}

impl Item for Client {
    const ALL: &'static [&'static str] = &[
        "mac_address",
        "client_name",
        "host_name",
        "user_name",
        "connection_type",
        "status",
        "ipv4",
        "connected_device_serial",
        "connected_to",
        "site_name",
        "wlan_name",
        "vlan_id",
        "band",
        "snr_db",
        "port",
        "connected_at",
        "last_seen_at",
    ];
    const DEFAULT: &'static [&'static str] = &[
        "mac_address",
        "client_name",
        "status",
        "ipv4",
        "connected_to",
        "wlan_name",
        "band",
        "snr_db",
    ];
    const KEY: &'static str = "mac_address";
}

fn map_client(v: &Value) -> Client {
    Client {
        mac_address: fields::text(v, "macAddress")
            .or_else(|| fields::text(v, "id"))
            .unwrap_or_default(),
        client_name: fields::text(v, "clientName"),
        host_name: fields::text(v, "hostName"),
        user_name: fields::text(v, "userName"),
        connection_type: fields::text(v, "clientConnectionType"),
        status: fields::text(v, "status"),
        ipv4: fields::text(v, "ipv4"),
        connected_device_serial: fields::text(v, "connectedDeviceSerial"),
        connected_to: fields::text(v, "connectedTo"),
        site_name: fields::text(v, "siteName"),
        wlan_name: fields::text(v, "wlanName"),
        vlan_id: fields::text(v, "vlanId"),
        band: fields::text(v, "wirelessBand"),
        snr_db: fields::number(v, "snr"),
        port: fields::text(v, "port"),
        connected_at: fields::text(v, "connectedAt"),
        last_seen_at: fields::text(v, "lastSeenAt"),
    }
}

/// Counts over the returned page.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct ClientCounts {
    /// Clients per connection type on this page.
    pub by_connection_type: BTreeMap<String, usize>,
    /// Clients per status on this page.
    pub by_status: BTreeMap<String, usize>,
}

/// Result of `list_all_clients`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClientListOutput {
    /// The site queried.
    pub site: SiteRef,
    /// Clients matching in all.
    pub total: Option<u64>,
    /// Clients on this page.
    pub returned: usize,
    /// Pass as `next` for the following page; `null` on the last page.
    pub next: Option<String>,
    /// The filter sent to Central (Central applies `status eq 'Connected'` when none names status).
    pub filter: Option<String>,
    /// Counts over this page.
    pub counts: ClientCounts,
    /// The clients.
    pub clients: Items<Client>,
}

impl ToolOutput for ClientListOutput {
    fn summary(&self) -> String {
        let site = self.site.site_name.as_deref().unwrap_or(&self.site.site_id);
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let mut out = format!("{} of {total} client(s) at site {site}", self.returned);
        if let Some(f) = &self.filter {
            out.push_str(&format!(" matching `{f}`"));
        } else {
            out.push_str(" (connected clients; pass status Failed for failed ones)");
        }
        out.push('.');
        let kinds: Vec<String> = self
            .counts
            .by_connection_type
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        if !kinds.is_empty() {
            out.push_str(&format!(" This page: {}.", kinds.join(", ")));
        }
        let weak: Vec<String> = self
            .clients
            .iter()
            .filter(|c| c.snr_db.is_some_and(|s| s < 20.0))
            .take(5)
            .map(|c| {
                format!(
                    "{} ({} dB on {})",
                    c.client_name.as_deref().unwrap_or(&c.mac_address),
                    c.snr_db.unwrap_or_default(),
                    c.connected_to.as_deref().unwrap_or("?")
                )
            })
            .collect();
        if !weak.is_empty() {
            out.push_str(&format!(" Low SNR (<20 dB): {}.", weak.join("; ")));
        }
        if let Some(next) = &self.next {
            out.push_str(&format!(" More clients: call again with next=\"{next}\"."));
        }
        out
    }
}

async fn client_list(
    ctx: ToolContext,
    args: ClientListArgs,
) -> Result<ClientListOutput, ToolError> {
    let site = resolve_site(
        &ctx,
        "list_all_clients",
        args.site_id.clone(),
        args.site_name.clone(),
    )
    .await?;
    let mut terms = Vec::new();
    if let Some(t) = args.connection_type {
        terms.push(format!("clientConnectionType eq '{t:?}'"));
    }
    if let Some(s) = args.status {
        terms.push(format!("status eq '{s:?}'"));
    }
    if let Some(f) = &args.filter {
        terms.push(f.clone());
    }
    let filter = args::odata_and(terms)?;
    let limit = args.limit.unwrap_or(50);
    let page = ctx
        .call(
            ApiRequest::new(routes::CLIENTS)
                .query("site-id", &site.site_id)
                .query_opt("serial-number", args.serial_number.clone())
                .query_opt("start-at", args.start_query_time.clone())
                .query_opt("end-at", args.end_query_time.clone())
                .query_opt("filter", filter.clone())
                .query_opt("sort", args.sort.clone())
                .query("limit", limit)
                .query_opt("next", args.next.clone()),
        )
        .await
        .map_err(ToolError::api(format!(
            "Listing clients at site {}",
            site.site_id
        )))?
        .body;
    let clients: Vec<Client> = fields::list(&page, "items")
        .iter()
        .map(map_client)
        .collect();
    let mut counts = ClientCounts::default();
    for c in &clients {
        *counts
            .by_connection_type
            .entry(
                c.connection_type
                    .clone()
                    .unwrap_or_else(|| "Unknown".into()),
            )
            .or_default() += 1;
        *counts
            .by_status
            .entry(c.status.clone().unwrap_or_else(|| "Unknown".into()))
            .or_default() += 1;
    }
    Ok(ClientListOutput {
        site,
        total: fields::count(&page, "total"),
        returned: clients.len(),
        next: fields::next_cursor(&page),
        filter,
        counts,
        clients: Items::new(clients, args.fields),
    })
}

/// The `list_all_clients` tool.
pub fn list_all_clients() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "list_all_clients",
            title: "List clients at a site",
            description: "Clients at one site (site_id or site_name required): MAC, name, IP, AP/switch, WLAN, band, SNR.",
            toolset: Toolset::Clients,
        },
        client_list,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_the_documented_client_shape() {
        let c = map_client(
            &json!({"id":"f0:1a:a0:3d:00:af","macAddress":"f0:1a:a0:3d:00:af","clientName":"MyLaptop",
            "clientConnectionType":"Wireless","status":"Connected","connectedTo":"ap-lobby-01","snr":42,
            "wirelessBand":"5GHZ","vlanId":"10","userName":"user@corp.com"}),
        );
        assert_eq!(c.mac_address, "f0:1a:a0:3d:00:af");
        assert_eq!(c.snr_db, Some(42.0));
        assert_eq!(c.band.as_deref(), Some("5GHZ"));
        assert_eq!(c.user_name.as_deref(), Some("user@corp.com"));
        assert_eq!(map_client(&json!({"snr": null})).snr_db, None);
    }
}
