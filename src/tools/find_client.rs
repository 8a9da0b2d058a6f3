//! Finding a client: `find_client` by MAC (`GET /network-monitoring/v1/clients/{mac-address}`)
//! or by name, IP or user (a bounded scan of `GET /network-monitoring/v1/clients`, matched here:
//! Central's client filter has no name, IP or user field).

use std::net::IpAddr;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{self, Validate};
use super::client_details::fetch_client;
use super::fields;
use super::scope;
use super::sites::SiteRef;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, routes};

/// The filter of the scan: connected and failed clients (Central's default is connected only).
const SCAN_FILTER: &str = "status in ('Connected', 'Failed')";

/// Arguments of `find_client`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindClientArgs {
    /// What to look for: a full MAC address (any of aa:bb:cc:dd:ee:ff, aa-bb-…, aabbccddeeff:
    /// one direct lookup), an IP address (exact match), or part of a client name, host name,
    /// user name or MAC (case-insensitive). 2-128 characters.
    #[schemars(length(min = 2, max = 128))]
    #[schemars(description = "MAC (any notation), IP, or part of a name, host, user or MAC.")]
    pub query: String,
    /// Only this site (site id from get_sites_health); omit both site arguments for the tenant.
    #[schemars(description = "")]
    pub site_id: Option<String>,
    /// Site name, instead of site_id.
    #[schemars(description = "")]
    pub site_name: Option<String>,
    /// Matches to return, 1-50 (default 20).
    #[schemars(range(min = 1, max = 50))]
    #[schemars(description = "", extend("default" = 20))]
    pub limit: Option<i64>,
    /// Pages of the client list to scan, 1-10 (default 3).
    #[schemars(range(min = 1, max = 10))]
    #[schemars(description = "Pages to scan (default 3).")]
    pub max_pages: Option<i64>,
    /// Clients per scanned page, 10-1000 (default 1000).
    #[schemars(range(min = 10, max = 1000))]
    #[schemars(description = "", extend("default" = 1000))]
    pub page_size: Option<i64>,
    /// Continue a scan: the `resume_next` value of the previous answer.
    #[schemars(description = "`resume_next` of the previous answer.")]
    pub next: Option<String>,
}

impl Validate for FindClientArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        let q = args::clean_text("query", Some(self.query.clone()), 128)?.unwrap_or_default();
        if q.chars().count() < 2 {
            return Err(ToolError::InvalidArgument(
                "argument `query`: give at least 2 characters of a MAC, IP, name or user".into(),
            ));
        }
        self.query = q;
        scope::clean_site(&mut self.site_id, &mut self.site_name)?;
        if let Some(l) = self.limit {
            args::check_range("limit", l, 1, 50)?;
        }
        if let Some(p) = self.max_pages {
            args::check_range("max_pages", p, 1, 10)?;
        }
        if let Some(p) = self.page_size {
            args::check_range("page_size", p, 10, 1000)?;
        }
        self.next = args::cursor("next", self.next.take())?;
        Ok(())
    }
}

/// How the query was interpreted.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// A full MAC address: one direct lookup.
    Mac,
    /// An IP address: exact match on ipv4/ipv6.
    Ip,
    /// Text: substring of name, host name, user name or MAC.
    Text,
}

/// One matching client.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClientMatch {
    /// MAC address (pass to get_client_details).
    pub mac_address: String,
    /// Client name.
    pub client_name: Option<String>,
    /// Host name.
    pub host_name: Option<String>,
    /// User name.
    pub user_name: Option<String>,
    /// IPv4 address.
    pub ipv4: Option<String>,
    /// Connected, Failed, …
    pub status: Option<String>,
    /// Wired or Wireless.
    pub connection_type: Option<String>,
    /// Site name.
    pub site_name: Option<String>,
    /// The AP or switch it is on.
    pub connected_to: Option<String>,
    /// Which field matched: mac_address, ipv4, ipv6, client_name, host_name or user_name.
    pub matched_field: String,
}

/// Result of `find_client`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FindClientOutput {
    /// The query as interpreted (MACs normalised).
    pub query: String,
    /// How it was interpreted.
    pub match_kind: MatchKind,
    /// The site searched, `null` for the tenant.
    pub site: Option<SiteRef>,
    /// Pages of the client list scanned (0 for a MAC lookup).
    pub scanned_pages: usize,
    /// Clients looked at.
    pub scanned_clients: usize,
    /// Clients in scope according to Central (connected and failed).
    pub total: Option<u64>,
    /// True when every client in scope was looked at (or the MAC was looked up).
    pub complete: bool,
    /// Pass as `next` to continue scanning where this answer stopped; `null` when complete.
    pub resume_next: Option<String>,
    /// Matches returned.
    pub returned: usize,
    /// True when more matches were found than returned.
    pub truncated: bool,
    /// The matching clients.
    pub matches: Vec<ClientMatch>,
}

fn client_match(v: &Value, field: &str) -> ClientMatch {
    ClientMatch {
        mac_address: fields::text(v, "macAddress")
            .or_else(|| fields::text(v, "id"))
            .unwrap_or_default()
            .to_ascii_lowercase(),
        client_name: fields::text(v, "clientName"),
        host_name: fields::text(v, "hostName"),
        user_name: fields::text(v, "userName"),
        ipv4: fields::text(v, "ipv4"),
        status: fields::text(v, "status"),
        connection_type: fields::text(v, "clientConnectionType"),
        site_name: fields::text(v, "siteName"),
        connected_to: fields::text(v, "connectedTo"),
        matched_field: field.to_string(),
    }
}

/// The field of `v` that matches `query` under `kind`, if any.
fn matching_field(v: &Value, query: &str, kind: MatchKind) -> Option<&'static str> {
    match kind {
        MatchKind::Mac => {
            let mac = fields::text(v, "macAddress").or_else(|| fields::text(v, "id"))?;
            mac.eq_ignore_ascii_case(query).then_some("mac_address")
        }
        MatchKind::Ip => {
            let want: IpAddr = query.parse().ok()?;
            [("ipv4", "ipv4"), ("ipv6", "ipv6")]
                .into_iter()
                .find(|(k, _)| {
                    fields::text(v, k)
                        .and_then(|ip| ip.parse::<IpAddr>().ok())
                        .is_some_and(|ip| ip == want)
                })
                .map(|(_, f)| f)
        }
        MatchKind::Text => {
            let q = query.to_lowercase();
            [
                ("clientName", "client_name"),
                ("hostName", "host_name"),
                ("userName", "user_name"),
                ("macAddress", "mac_address"),
                ("ipv4", "ipv4"),
            ]
            .into_iter()
            .find(|(k, _)| fields::text(v, k).is_some_and(|t| t.to_lowercase().contains(&q)))
            .map(|(_, f)| f)
        }
    }
}

impl ToolOutput for FindClientOutput {
    fn summary(&self) -> String {
        let scope = self
            .site
            .as_ref()
            .map(|s| format!("site {}", s.site_name.as_deref().unwrap_or(&s.site_id)))
            .unwrap_or_else(|| "the tenant".to_string());
        let how = match self.match_kind {
            MatchKind::Mac => "looked up the MAC directly".to_string(),
            _ => format!(
                "scanned {} client(s) on {} page(s) of {} in {scope}{}",
                self.scanned_clients,
                self.scanned_pages,
                self.total.map_or("?".to_string(), |t| t.to_string()),
                if self.complete {
                    " (all of them)".to_string()
                } else {
                    String::new()
                }
            ),
        };
        let mut out = format!("{} match(es) for {:?}: {how}.", self.returned, self.query);
        let shown: Vec<String> = self
            .matches
            .iter()
            .take(5)
            .map(|m| {
                format!(
                    "{} {} ({}, {} on {})",
                    m.client_name.as_deref().unwrap_or("unnamed"),
                    m.mac_address,
                    m.status.as_deref().unwrap_or("?"),
                    m.ipv4.as_deref().unwrap_or("no IP"),
                    m.connected_to.as_deref().unwrap_or("?")
                )
            })
            .collect();
        if !shown.is_empty() {
            let more = if self.returned > shown.len() {
                format!(
                    " (first {} of {} shown; all are in `matches`)",
                    shown.len(),
                    self.returned
                )
            } else {
                String::new()
            };
            out.push_str(&format!(" {}{more}.", shown.join("; ")));
        }
        if self.truncated {
            out.push_str(" More matches exist: narrow the query or raise limit.");
        }
        if let Some(n) = &self.resume_next {
            out.push_str(&format!(
                " Not every client was scanned: call again with next=\"{n}\" to continue."
            ));
        }
        out
    }
}

async fn find(ctx: ToolContext, args: FindClientArgs) -> Result<FindClientOutput, ToolError> {
    let site = scope::optional_site(&ctx, "find_client", args.site_id, args.site_name).await?;
    let limit = args.limit.unwrap_or(20) as usize;
    if scope::looks_like_mac(&args.query) {
        let mac = scope::mac("query", &args.query)?;
        let found = match fetch_client(&ctx, &mac).await {
            Ok(v) => Some(v),
            Err(ToolError::Explained { source, .. })
                if matches!(*source, crate::central::ApiError::Http { status: 404, .. }) =>
            {
                None
            }
            Err(e) => return Err(e),
        };
        let matches: Vec<ClientMatch> = found
            .iter()
            .filter(|v| {
                site.as_ref()
                    .is_none_or(|s| fields::text(v, "siteId").as_deref() == Some(&s.site_id))
            })
            .map(|v| client_match(v, "mac_address"))
            .collect();
        return Ok(FindClientOutput {
            query: mac,
            match_kind: MatchKind::Mac,
            site,
            scanned_pages: 0,
            scanned_clients: matches.len(),
            total: None,
            complete: true,
            resume_next: None,
            returned: matches.len(),
            truncated: false,
            matches,
        });
    }
    let kind = if args.query.parse::<IpAddr>().is_ok() {
        MatchKind::Ip
    } else {
        MatchKind::Text
    };
    let page_size = args.page_size.unwrap_or(1000);
    let max_pages = args.max_pages.unwrap_or(3) as usize;
    let mut cursor = args.next;
    let mut out = FindClientOutput {
        query: args.query.clone(),
        match_kind: kind,
        site,
        scanned_pages: 0,
        scanned_clients: 0,
        total: None,
        complete: false,
        resume_next: None,
        returned: 0,
        truncated: false,
        matches: Vec::new(),
    };
    loop {
        let page = ctx
            .call(
                ApiRequest::new(routes::CLIENTS)
                    .query_opt("site-id", out.site.as_ref().map(|s| s.site_id.clone()))
                    .query("filter", SCAN_FILTER)
                    .query("limit", page_size)
                    .query_opt("next", cursor.clone()),
            )
            .await
            .map_err(ToolError::api("Scanning clients"))?
            .body;
        out.scanned_pages += 1;
        out.total = fields::count(&page, "total").or(out.total);
        let items = fields::list(&page, "items");
        out.scanned_clients += items.len();
        for v in items {
            if let Some(f) = matching_field(v, &args.query, kind) {
                if out.matches.len() < limit {
                    out.matches.push(client_match(v, f));
                } else {
                    out.truncated = true;
                }
            }
        }
        cursor = fields::next_cursor(&page).filter(|_| !items.is_empty());
        if cursor.is_none() {
            out.complete = true;
            break;
        }
        if out.scanned_pages >= max_pages {
            out.resume_next = cursor;
            break;
        }
    }
    out.returned = out.matches.len();
    Ok(out)
}

/// The `find_client` tool.
pub fn find_client() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "find_client",
            title: "Find a client",
            description: "Finds clients by MAC, IP, or part of a name, host or user.",
            toolset: Toolset::Clients,
        },
        find,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_by_kind() {
        let v = json!({"macAddress":"f0:1a:a0:3d:00:af","clientName":"Alice-Laptop",
            "userName":"alice@corp.com","ipv4":"10.1.2.3"});
        assert_eq!(
            matching_field(&v, "laptop", MatchKind::Text),
            Some("client_name")
        );
        assert_eq!(
            matching_field(&v, "ALICE@", MatchKind::Text),
            Some("user_name")
        );
        assert_eq!(
            matching_field(&v, "corp.com", MatchKind::Text),
            Some("user_name")
        );
        assert_eq!(
            matching_field(&v, "3d:00", MatchKind::Text),
            Some("mac_address")
        );
        assert_eq!(matching_field(&v, "10.1.2.3", MatchKind::Ip), Some("ipv4"));
        assert_eq!(matching_field(&v, "10.1.2.30", MatchKind::Ip), None);
    }

    #[test]
    fn nulls_do_not_fail() {
        let v = json!({"macAddress":null,"id":null,"clientName":null,"ipv4":null,"userName":null});
        assert_eq!(matching_field(&v, "x", MatchKind::Text), None);
        assert_eq!(matching_field(&v, "10.0.0.1", MatchKind::Ip), None);
        assert_eq!(
            matching_field(&v, "aa:bb:cc:dd:ee:ff", MatchKind::Mac),
            None
        );
        let m = client_match(&v, "client_name");
        assert_eq!(m.mac_address, "");
        assert_eq!(m.status, None);
    }
}
