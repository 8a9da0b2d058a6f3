//! `nslookup_from_ap`: a DNS lookup run by an access point over Central's asynchronous
//! troubleshooting API (`POST /network-troubleshooting/v1/aps/{serial}/nslookup` with
//! `{host, dnsServer?}`, then polls, as the ping tools do). The result is the resolved addresses
//! and the server that answered; a lookup that fails on the device is a FAILED result, not an
//! error.

use std::net::IpAddr;
use std::time::Duration;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::args::{self, Validate};
use super::diagnostics::{self, DeviceKind, MAX_DURATION, Operation, TaskHandle, TaskRequest};
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset, actions};

/// Most addresses returned.
pub const MAX_ADDRESSES: usize = 32;

/// Arguments of `nslookup_from_ap`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NslookupArgs {
    /// Serial of the access point, e.g. CNK7ABC123.
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial: String,
    /// Host name to resolve, e.g. www.example.com.
    #[schemars(length(min = 1, max = 253))]
    #[schemars(description = "")]
    pub host: String,
    /// IP address of the DNS server to ask (default: the AP's own).
    #[schemars(description = "IP; default the AP's own.")]
    pub dns_server: Option<String>,
}

/// A host name (or address) to look up: 1-253 letters, digits, `.`, `-`, `_` or `:`.
fn host(value: &str) -> Result<String, ToolError> {
    let v = value.trim().trim_end_matches('.');
    if args::is_host(v) && !v.starts_with('.') {
        Ok(v.to_string())
    } else {
        Err(ToolError::InvalidArgument(format!(
            "argument `host`: {} is not a host name; expected e.g. www.example.com",
            args::shown(value)
        )))
    }
}

fn dns_server(value: &str) -> Result<String, ToolError> {
    value
        .trim()
        .parse::<IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| {
            ToolError::InvalidArgument(format!(
                "argument `dns_server`: {} is not an IP address; expected e.g. 8.8.8.8, or leave it out to use the AP's own server",
                args::shown(value)
            ))
        })
}

impl Validate for NslookupArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        self.host = host(&self.host)?;
        if let Some(s) = &self.dns_server {
            self.dns_server = Some(dns_server(s)?);
        }
        Ok(())
    }
}

/// Result of `nslookup_from_ap`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NslookupOutput {
    /// Serial of the access point.
    pub serial: String,
    /// The name looked up.
    pub host: String,
    /// Central's task status: INITIATED, RUNNING, COMPLETED or FAILED (the name did not
    /// resolve).
    pub status: String,
    /// The wait ended before the task finished.
    pub timed_out: bool,
    /// Why it failed (FAILED).
    pub fail_reason: Option<String>,
    /// The addresses the name resolved to (at most 32).
    pub addresses: Vec<String>,
    /// The DNS server that answered.
    pub dns_server: Option<String>,
    /// The task handle.
    pub task: TaskHandle,
}

impl ToolOutput for NslookupOutput {
    fn summary(&self) -> String {
        let ap = format!("access point {}", self.serial);
        let server = self
            .dns_server
            .as_deref()
            .map(|s| format!(" (DNS server {s})"))
            .unwrap_or_default();
        if self.timed_out {
            return format!(
                "The lookup of {} from {ap} is still {} after the wait; get_async_test_result with location \"{}\" fetches the result (its `output`).",
                self.host, self.status, self.task.location
            );
        }
        match self.status.as_str() {
            "FAILED" => format!(
                "The lookup of {} from {ap}{server} FAILED: {}. The name does not resolve from this AP; check the name, the DNS server and the AP's uplink. A failed lookup is a result, not a server error.",
                self.host,
                self.fail_reason
                    .as_deref()
                    .unwrap_or("Central gave no reason")
            ),
            _ if self.addresses.is_empty() => format!(
                "The lookup of {} from {ap}{server} returned no address.",
                self.host
            ),
            _ => format!(
                "{} resolved from {ap} to {}{server}.",
                self.host,
                self.addresses.join(", ")
            ),
        }
    }
}

async fn run(ctx: ToolContext, a: NslookupArgs) -> Result<NslookupOutput, ToolError> {
    let started = Instant::now();
    let wait = Duration::from_secs(diagnostics::DEFAULT_TIMEOUT_SECONDS);
    let kind = actions::device_kind(&ctx, &a.serial).await?;
    if kind != DeviceKind::Aps {
        return Err(ToolError::InvalidArgument(format!(
            "argument `serial`: {} is a {}, and Central runs DNS lookups only from access points",
            a.serial,
            kind.noun()
        )));
    }
    let mut body = Map::new();
    body.insert("host".into(), json!(a.host));
    if let Some(s) = &a.dns_server {
        body.insert("dnsServer".into(), json!(s));
    }
    let out = diagnostics::run_task(
        &ctx,
        TaskRequest {
            kind,
            operation: Operation::Nslookup,
            serial: a.serial.clone(),
            body: Some(Value::Object(body)),
            destination: Some(a.host.clone()),
            wait: wait.saturating_sub(started.elapsed()),
            want_raw: false,
        },
    )
    .await?;
    let output = out.action_output.as_ref();
    let addresses: Vec<String> = output
        .map(|o| fields::list(o, "resolvedAddresses"))
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .take(MAX_ADDRESSES)
        .collect();
    Ok(NslookupOutput {
        serial: out.serial,
        host: a.host,
        status: out.status,
        timed_out: out.timed_out,
        fail_reason: out.fail_reason,
        addresses,
        dns_server: output
            .and_then(|o| fields::text(o, "dnsServer"))
            .or(a.dns_server),
        task: out.task,
    })
}

/// The `nslookup_from_ap` tool.
pub fn nslookup_from_ap() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "nslookup_from_ap",
            title: "DNS lookup from an access point",
            description: "Resolves a host name from an AP (optionally via a given DNS server) and waits for the addresses.",
            toolset: Toolset::Diagnostics,
        },
        run,
    )
    .with_max_duration(MAX_DURATION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_dns_server_are_checked() {
        assert_eq!(host(" www.Example.com. ").unwrap(), "www.Example.com");
        for bad in ["", "a b", "-x", "x;reboot", &"a".repeat(254)] {
            let e = host(bad).unwrap_err().to_string();
            assert!(e.contains("argument `host`"), "{e}");
        }
        assert_eq!(dns_server(" 8.8.8.8 ").unwrap(), "8.8.8.8");
        assert_eq!(dns_server("2001:DB8::1").unwrap(), "2001:db8::1");
        let e = dns_server("dns.google").unwrap_err().to_string();
        assert!(e.contains("argument `dns_server`"), "{e}");
    }
}
