//! The catalogue of Central endpoints this server calls.
//!
//! A [`Route`] is a method plus a path template in the documented form
//! (`/network-monitoring/v1/aps/{serial-number}`). The template, never the filled-in path, is what
//! logs and metrics use as the `endpoint` label, so label values stay bounded. Path parameters are
//! percent-encoded when a route is rendered, so a serial or WLAN name can never change the route.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::transport::Method;

/// Characters left as they are in a path segment or query value (RFC 3986 unreserved).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Characters left as they are in a path segment: unreserved plus `:` (an RFC 3986 `pchar`), so a
/// MAC address reaches Central in its documented `aa:bb:cc:dd:ee:ff` form.
const PATH_SEGMENT: &AsciiSet = &UNRESERVED.remove(b':');

/// One documented Central endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Route {
    /// HTTP method.
    pub method: Method,
    /// Path template with `{param}` placeholders.
    pub template: &'static str,
}

impl Route {
    /// A GET route.
    pub const fn get(template: &'static str) -> Route {
        Route {
            method: Method::Get,
            template,
        }
    }

    /// A POST route.
    pub const fn post(template: &'static str) -> Route {
        Route {
            method: Method::Post,
            template,
        }
    }

    /// `GET /network-monitoring/v1/...`, for messages and logs.
    pub fn call_name(&self) -> String {
        format!("{} {}", self.method.as_str(), self.template)
    }

    /// Number of `{param}` placeholders.
    pub fn param_count(&self) -> usize {
        self.template.matches('{').count()
    }

    /// Fills the placeholders in order with percent-encoded `params`.
    pub fn render(&self, params: &[String]) -> Result<String, String> {
        if params.len() != self.param_count() {
            return Err(format!(
                "expected {} path parameter(s), got {}",
                self.param_count(),
                params.len()
            ));
        }
        let mut out = String::with_capacity(self.template.len() + 16);
        let mut rest = self.template;
        for param in params {
            let split = rest
                .find('{')
                .zip(rest.find('}'))
                .and_then(|(open, close)| {
                    Some((
                        rest.get(..open)?,
                        rest.get(open..=close)?,
                        rest.get(close + 1..)?,
                    ))
                });
            let Some((before, placeholder, after)) = split else {
                return Err("malformed route template".to_string());
            };
            if param.trim().is_empty() {
                return Err(format!("path parameter {placeholder} is empty"));
            }
            out.push_str(before);
            out.extend(utf8_percent_encode(param, PATH_SEGMENT));
            rest = after;
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Percent-encodes a query component (space as `%20`, quotes as `%27`).
pub fn encode_query_component(value: &str) -> String {
    utf8_percent_encode(value, UNRESERVED).to_string()
}

/// `GET /network-monitoring/v1/sites-health` (offset pagination).
pub const SITES_HEALTH: Route = Route::get("/network-monitoring/v1/sites-health");
/// `GET /network-monitoring/v1/site-health/{site-id}`.
pub const SITE_HEALTH: Route = Route::get("/network-monitoring/v1/site-health/{site-id}");
/// `GET /network-monitoring/v1/tenant-device-health`.
pub const TENANT_DEVICE_HEALTH: Route = Route::get("/network-monitoring/v1/tenant-device-health");
/// `GET /network-monitoring/v1/devices` (cursor pagination).
pub const DEVICES: Route = Route::get("/network-monitoring/v1/devices");
/// `GET /network-monitoring/v1/device-inventory` (cursor pagination).
pub const DEVICE_INVENTORY: Route = Route::get("/network-monitoring/v1/device-inventory");
/// `GET /network-monitoring/v1/aps` (cursor pagination).
pub const APS: Route = Route::get("/network-monitoring/v1/aps");
/// `GET /network-monitoring/v1/aps/{serial-number}`.
pub const AP_DETAILS: Route = Route::get("/network-monitoring/v1/aps/{serial-number}");
/// `GET /network-monitoring/v1/aps/{serial-number}/radios`.
pub const AP_RADIOS: Route = Route::get("/network-monitoring/v1/aps/{serial-number}/radios");
/// `GET /network-monitoring/v1/aps/{serial-number}/cpu-utilization-trends`.
pub const AP_CPU_TRENDS: Route =
    Route::get("/network-monitoring/v1/aps/{serial-number}/cpu-utilization-trends");
/// `GET /network-monitoring/v1/aps/{serial-number}/memory-utilization-trends`.
pub const AP_MEMORY_TRENDS: Route =
    Route::get("/network-monitoring/v1/aps/{serial-number}/memory-utilization-trends");
/// `GET /network-monitoring/v1/switches` (cursor pagination).
pub const SWITCHES: Route = Route::get("/network-monitoring/v1/switches");
/// `GET /network-monitoring/v1/switches/{serial-number}`.
pub const SWITCH_DETAILS: Route = Route::get("/network-monitoring/v1/switches/{serial-number}");
/// `GET /network-monitoring/v1/switches/{serial-number}/interfaces` (offset pagination).
pub const SWITCH_INTERFACES: Route =
    Route::get("/network-monitoring/v1/switches/{serial-number}/interfaces");
/// `GET /network-monitoring/v1/stack/{serial-number}/members`.
pub const STACK_MEMBERS: Route = Route::get("/network-monitoring/v1/stack/{serial-number}/members");
/// `GET /network-monitoring/v1/gateways` (cursor pagination).
pub const GATEWAYS: Route = Route::get("/network-monitoring/v1/gateways");
/// `GET /network-monitoring/v1/gateways/{serial-number}`.
pub const GATEWAY_DETAILS: Route = Route::get("/network-monitoring/v1/gateways/{serial-number}");
/// `GET /network-monitoring/v1/gateways/{serial-number}/uplinks`.
pub const GATEWAY_UPLINKS: Route =
    Route::get("/network-monitoring/v1/gateways/{serial-number}/uplinks");
/// `GET /network-monitoring/v1/gateways/{serial-number}/tunnels` (cursor pagination).
pub const GATEWAY_TUNNELS: Route =
    Route::get("/network-monitoring/v1/gateways/{serial-number}/tunnels");
/// `GET /network-monitoring/v1/clusters/{cluster-name}/members` (cursor pagination).
pub const CLUSTER_MEMBERS: Route =
    Route::get("/network-monitoring/v1/clusters/{cluster-name}/members");
/// `GET /network-monitoring/v1/clusters/{cluster-name}/tunnels` (cursor pagination).
pub const CLUSTER_TUNNELS: Route =
    Route::get("/network-monitoring/v1/clusters/{cluster-name}/tunnels");
/// `GET /network-monitoring/v1/clients` (cursor pagination).
pub const CLIENTS: Route = Route::get("/network-monitoring/v1/clients");
/// `GET /network-monitoring/v1/clients/{mac-address}`.
pub const CLIENT_DETAILS: Route = Route::get("/network-monitoring/v1/clients/{mac-address}");
/// `GET /network-monitoring/v1/clients-trend`.
pub const CLIENTS_TREND: Route = Route::get("/network-monitoring/v1/clients-trend");
/// `GET /network-monitoring/v1/clients-topn-usage`.
pub const CLIENTS_TOPN_USAGE: Route = Route::get("/network-monitoring/v1/clients-topn-usage");
/// `GET /network-monitoring/v1/top-aps-by-wireless-usage`.
pub const TOP_APS_BY_WIRELESS_USAGE: Route =
    Route::get("/network-monitoring/v1/top-aps-by-wireless-usage");
/// `GET /network-monitoring/v1/wlans` (cursor pagination).
pub const WLANS: Route = Route::get("/network-monitoring/v1/wlans");
/// `GET /network-monitoring/v1/wlans/{wlan-name}`.
pub const WLAN_DETAILS: Route = Route::get("/network-monitoring/v1/wlans/{wlan-name}");
/// `GET /network-monitoring/v1/wlans/{wlan-name}/throughput-trends`.
pub const WLAN_THROUGHPUT_TRENDS: Route =
    Route::get("/network-monitoring/v1/wlans/{wlan-name}/throughput-trends");
/// `GET /network-notifications/v1/alerts` (cursor pagination).
pub const ALERTS: Route = Route::get("/network-notifications/v1/alerts");
/// `GET /network-troubleshooting/v1/events` (cursor pagination).
pub const EVENTS: Route = Route::get("/network-troubleshooting/v1/events");
/// `GET /network-services/v1/firmware-details` (cursor pagination).
pub const FIRMWARE_DETAILS: Route = Route::get("/network-services/v1/firmware-details");
/// `GET /network-monitoring/v1alpha1/threats` (v1alpha1: v1 has no IDPS endpoint).
pub const THREATS: Route = Route::get("/network-monitoring/v1alpha1/threats");
/// `GET /network-troubleshooting/v1/{device-type}/{serial-number}/list-tasks` (a JSON array of
/// `{testName, locations}`, newest first).
pub const LIST_TASKS: Route =
    Route::get("/network-troubleshooting/v1/{device-type}/{serial-number}/list-tasks");
/// `GET /network-troubleshooting/v1/{device-type}/{serial-number}/show-commands` (the device
/// type's supported `show` commands, grouped by category).
pub const SHOW_COMMAND_CATALOGUE: Route =
    Route::get("/network-troubleshooting/v1/{device-type}/{serial-number}/show-commands");
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/showCommands` (async: 202 +
/// location).
pub const SHOW_COMMANDS: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/showCommands");
/// `GET /network-troubleshooting/v1/{device-type}/{serial-number}/showCommands/async-operations/{task-id}`.
pub const SHOW_COMMANDS_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/showCommands/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/ping` (async: 202 + location).
pub const PING: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/ping");
/// `GET /network-troubleshooting/v1/{device-type}/{serial-number}/ping/async-operations/{task-id}`.
pub const PING_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/ping/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/traceroute` (async: 202 + location).
pub const TRACEROUTE: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/traceroute");
/// `GET /network-troubleshooting/v1/{device-type}/{serial-number}/traceroute/async-operations/{task-id}`.
pub const TRACEROUTE_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/traceroute/async-operations/{task-id}",
);

/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/poeBounce` (cx, aos-s,
/// gateways; async: 202 + location).
pub const POE_BOUNCE: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/poeBounce");
/// `GET …/poeBounce/async-operations/{task-id}`.
pub const POE_BOUNCE_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/poeBounce/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/portBounce` (cx, aos-s,
/// gateways; async: 202 + location).
pub const PORT_BOUNCE: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/portBounce");
/// `GET …/portBounce/async-operations/{task-id}`.
pub const PORT_BOUNCE_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/portBounce/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/cableTest` (cx, aos-s;
/// async: 202 + location).
pub const CABLE_TEST: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/cableTest");
/// `GET …/cableTest/async-operations/{task-id}`.
pub const CABLE_TEST_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/cableTest/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/reboot` (aps, cx, aos-s,
/// gateways; 202, no body).
pub const REBOOT: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/reboot");
/// `POST /network-troubleshooting/v1/aps/{serial-number}/rebootSwarm` (202, no body).
pub const REBOOT_SWARM: Route =
    Route::post("/network-troubleshooting/v1/aps/{serial-number}/rebootSwarm");
/// `POST /network-troubleshooting/v1/aps/{serial-number}/disconnectUserByMacAddress`.
pub const AP_DISCONNECT_MAC: Route =
    Route::post("/network-troubleshooting/v1/aps/{serial-number}/disconnectUserByMacAddress");
/// `POST /network-troubleshooting/v1/aps/{serial-number}/disconnectUserByNetwork`.
pub const AP_DISCONNECT_NETWORK: Route =
    Route::post("/network-troubleshooting/v1/aps/{serial-number}/disconnectUserByNetwork");
/// `POST /network-troubleshooting/v1/aps/{serial-number}/disconnectUserAll`.
pub const AP_DISCONNECT_ALL: Route =
    Route::post("/network-troubleshooting/v1/aps/{serial-number}/disconnectUserAll");
/// `POST /network-troubleshooting/v1/gateways/{serial-number}/disconnectClientByMacAddress`.
pub const GATEWAY_DISCONNECT_MAC: Route = Route::post(
    "/network-troubleshooting/v1/gateways/{serial-number}/disconnectClientByMacAddress",
);
/// `POST /network-troubleshooting/v1/gateways/{serial-number}/disconnectClientAll`.
pub const GATEWAY_DISCONNECT_ALL: Route =
    Route::post("/network-troubleshooting/v1/gateways/{serial-number}/disconnectClientAll");

/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/getArpTable` (aps, aos-s, gateways; async: 202 +
/// location).
pub const GET_ARP_TABLE: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/getArpTable");
/// `GET …/getArpTable/async-operations/{task-id}`.
pub const GET_ARP_TABLE_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/getArpTable/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/nslookup` (aps; async: 202 +
/// location).
pub const NSLOOKUP: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/nslookup");
/// `GET …/nslookup/async-operations/{task-id}`.
pub const NSLOOKUP_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/nslookup/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/http` (aps, cx, gateways; async: 202 +
/// location).
pub const HTTP_TEST: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/http");
/// `GET …/http/async-operations/{task-id}`.
pub const HTTP_TEST_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/http/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/https` (aps, gateways; async: 202 +
/// location).
pub const HTTPS_TEST: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/https");
/// `GET …/https/async-operations/{task-id}`.
pub const HTTPS_TEST_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/https/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/tcp` (aps; async: 202 +
/// location).
pub const TCP_TEST: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/tcp");
/// `GET …/tcp/async-operations/{task-id}`.
pub const TCP_TEST_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/tcp/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/aaa` (aps, cx; async: 202 +
/// location).
pub const AAA_TEST: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/aaa");
/// `GET …/aaa/async-operations/{task-id}`.
pub const AAA_TEST_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/aaa/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/speedtest` (aps; async: 202 +
/// location).
pub const SPEEDTEST: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/speedtest");
/// `GET …/speedtest/async-operations/{task-id}`.
pub const SPEEDTEST_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/speedtest/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/iperf` (gateways; async: 202 +
/// location).
pub const IPERF: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/iperf");
/// `GET …/iperf/async-operations/{task-id}`.
pub const IPERF_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/iperf/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/pingSweep` (gateways; async: 202 +
/// location).
pub const PING_SWEEP: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/pingSweep");
/// `GET …/pingSweep/async-operations/{task-id}`.
pub const PING_SWEEP_RESULT: Route = Route::get(
    "/network-troubleshooting/v1/{device-type}/{serial-number}/pingSweep/async-operations/{task-id}",
);
/// `POST /network-troubleshooting/v1/{device-type}/{serial-number}/locate` (aps, cx, aos-s;
/// 202 without a location: the locator LED blinks).
pub const LOCATE: Route =
    Route::post("/network-troubleshooting/v1/{device-type}/{serial-number}/locate");

/// Every route above, for documentation and label pre-initialisation.
pub const ALL: &[Route] = &[
    SITES_HEALTH,
    SITE_HEALTH,
    TENANT_DEVICE_HEALTH,
    DEVICES,
    DEVICE_INVENTORY,
    APS,
    AP_DETAILS,
    AP_RADIOS,
    AP_CPU_TRENDS,
    AP_MEMORY_TRENDS,
    SWITCHES,
    SWITCH_DETAILS,
    SWITCH_INTERFACES,
    STACK_MEMBERS,
    GATEWAYS,
    GATEWAY_DETAILS,
    GATEWAY_UPLINKS,
    GATEWAY_TUNNELS,
    CLUSTER_MEMBERS,
    CLUSTER_TUNNELS,
    CLIENTS,
    CLIENT_DETAILS,
    CLIENTS_TREND,
    CLIENTS_TOPN_USAGE,
    TOP_APS_BY_WIRELESS_USAGE,
    WLANS,
    WLAN_DETAILS,
    WLAN_THROUGHPUT_TRENDS,
    ALERTS,
    EVENTS,
    FIRMWARE_DETAILS,
    THREATS,
    LIST_TASKS,
    SHOW_COMMAND_CATALOGUE,
    SHOW_COMMANDS,
    SHOW_COMMANDS_RESULT,
    PING,
    PING_RESULT,
    TRACEROUTE,
    TRACEROUTE_RESULT,
    POE_BOUNCE,
    POE_BOUNCE_RESULT,
    PORT_BOUNCE,
    PORT_BOUNCE_RESULT,
    CABLE_TEST,
    CABLE_TEST_RESULT,
    REBOOT,
    REBOOT_SWARM,
    AP_DISCONNECT_MAC,
    AP_DISCONNECT_NETWORK,
    AP_DISCONNECT_ALL,
    GATEWAY_DISCONNECT_MAC,
    GATEWAY_DISCONNECT_ALL,
    GET_ARP_TABLE,
    GET_ARP_TABLE_RESULT,
    NSLOOKUP,
    NSLOOKUP_RESULT,
    HTTP_TEST,
    HTTP_TEST_RESULT,
    HTTPS_TEST,
    HTTPS_TEST_RESULT,
    TCP_TEST,
    TCP_TEST_RESULT,
    AAA_TEST,
    AAA_TEST_RESULT,
    SPEEDTEST,
    SPEEDTEST_RESULT,
    IPERF,
    IPERF_RESULT,
    PING_SWEEP,
    PING_SWEEP_RESULT,
    LOCATE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_encodes_path_segments() {
        assert_eq!(
            AP_DETAILS.render(&["CN12AB34CD".into()]).unwrap(),
            "/network-monitoring/v1/aps/CN12AB34CD"
        );
        // A hostile value cannot change the route, add a query or a fragment.
        assert_eq!(
            AP_DETAILS.render(&["../x?y#z w".into()]).unwrap(),
            "/network-monitoring/v1/aps/..%2Fx%3Fy%23z%20w"
        );
        assert_eq!(
            CLIENT_DETAILS
                .render(&["f0:1a:a0:3d:00:af".into()])
                .unwrap(),
            "/network-monitoring/v1/clients/f0:1a:a0:3d:00:af"
        );
    }

    #[test]
    fn rejects_wrong_arity_and_empty_params() {
        assert!(AP_DETAILS.render(&[]).is_err());
        assert!(AP_DETAILS.render(&[" ".into()]).is_err());
        assert!(DEVICES.render(&["x".into()]).is_err());
        assert_eq!(DEVICES.render(&[]).unwrap(), DEVICES.template);
    }

    #[test]
    fn query_components_are_encoded() {
        assert_eq!(
            encode_query_component("status eq 'Connected'"),
            "status%20eq%20%27Connected%27"
        );
    }
}
