//! What `test_connectivity` takes: the kinds, the arguments and their checks, and the request
//! body each device family's operation documents.

use std::net::IpAddr;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::tools::ToolError;
use crate::tools::args::{self, Validate};
use crate::tools::diagnostics::{DeviceKind, Operation};
use crate::tools::secret::SecretArg;

/// The test to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConnectivityKind {
    /// An HTTP request.
    Http,
    /// An HTTPS request.
    Https,
    /// A TCP connection (access points).
    Tcp,
    /// A RADIUS login (access points, AOS-CX switches).
    Aaa,
}

impl ConnectivityKind {
    pub(super) fn name(self) -> &'static str {
        match self {
            ConnectivityKind::Http => "http",
            ConnectivityKind::Https => "https",
            ConnectivityKind::Tcp => "tcp",
            ConnectivityKind::Aaa => "aaa",
        }
    }

    /// What this kind takes besides `serial`, on any family.
    fn takes_anywhere(self) -> &'static str {
        match self {
            ConnectivityKind::Http | ConnectivityKind::Https => {
                "target, plus vrf on an AOS-CX switch"
            }
            ConnectivityKind::Tcp => "target and port (access points only)",
            ConnectivityKind::Aaa => {
                "target, username and password, plus port, auth_method and vrf on an AOS-CX switch"
            }
        }
    }
}

/// RADIUS authentication method of an AOS-CX AAA test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// PAP.
    Pap,
    /// CHAP.
    Chap,
}

impl AuthMethod {
    fn api(self) -> &'static str {
        match self {
            AuthMethod::Pap => "pap",
            AuthMethod::Chap => "chap",
        }
    }
}

/// Arguments of `test_connectivity`. `Debug` shows the password as `[redacted]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestConnectivityArgs {
    /// Serial of the device that runs the test, 5-30 letters and digits.
    #[schemars(description = "")]
    pub serial: String,
    /// http, https, tcp or aaa (a RADIUS login).
    #[schemars(description = "")]
    pub kind: ConnectivityKind,
    /// http/https: URL or host; tcp: host; aaa: the RADIUS server (its name on an AP, its IP on
    /// a switch).
    #[schemars(description = "")]
    pub target: String,
    /// tcp: the port; aaa on a switch: the RADIUS port. 1-65535.
    #[schemars(description = "")]
    pub port: Option<i64>,
    /// aaa: the test user.
    #[schemars(description = "")]
    pub username: Option<String>,
    /// aaa: the test user's password (never logged or shown).
    #[schemars(description = "")]
    pub password: Option<SecretArg>,
    /// aaa on a switch: pap (default) or chap.
    #[schemars(description = "")]
    pub auth_method: Option<AuthMethod>,
    /// Switch: the VRF to test from.
    #[schemars(description = "")]
    pub vrf: Option<String>,
}

impl TestConnectivityArgs {
    /// The optional arguments given, by name.
    fn given(&self) -> Vec<&'static str> {
        [
            ("port", self.port.is_some()),
            ("username", self.username.is_some()),
            ("password", self.password.is_some()),
            ("auth_method", self.auth_method.is_some()),
            ("vrf", self.vrf.is_some()),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(name, _)| name)
        .collect()
    }
}

/// The optional arguments `kind` takes on `family` (`None`: the family does not run it).
fn takes(kind: ConnectivityKind, family: DeviceKind) -> Option<&'static [&'static str]> {
    use ConnectivityKind::*;
    match (family, kind) {
        (DeviceKind::Aps, Http | Https) => Some(&[]),
        (DeviceKind::Aps, Tcp) => Some(&["port"]),
        (DeviceKind::Aps, Aaa) => Some(&["username", "password"]),
        (DeviceKind::Cx, Http | Https) => Some(&["vrf"]),
        (DeviceKind::Cx, Aaa) => Some(&["port", "username", "password", "auth_method", "vrf"]),
        (DeviceKind::Gateways, Http | Https) => Some(&[]),
        _ => None,
    }
}

/// "target", "target and port", "target, username and password".
fn listed(optional: &[&str]) -> String {
    let mut all = vec!["target"];
    all.extend_from_slice(optional);
    match all.split_last() {
        Some((last, [])) => format!("only {last}"),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The noun with its article: "an access point", "a gateway".
fn a_noun(family: DeviceKind) -> String {
    let noun = family.noun();
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

fn invalid(message: String) -> ToolError {
    ToolError::InvalidArgument(message)
}

/// Checks an http/https target: a host, or a URL whose scheme matches `kind`.
fn check_url(kind: ConnectivityKind, target: &str) -> Result<(), ToolError> {
    let lower = target.to_ascii_lowercase();
    let rest = if let Some(rest) = lower.strip_prefix("https://") {
        if kind == ConnectivityKind::Http {
            return Err(invalid(format!(
                "argument `target`: {} is an https URL; use kind https, or give the host alone",
                args::shown(target)
            )));
        }
        rest
    } else if let Some(rest) = lower.strip_prefix("http://") {
        if kind == ConnectivityKind::Https {
            return Err(invalid(format!(
                "argument `target`: {} is an http URL; use kind http, or give the host alone",
                args::shown(target)
            )));
        }
        rest
    } else {
        lower.as_str()
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(host_end);
    let host = authority
        .strip_prefix('[')
        .and_then(|h| h.split_once(']').map(|(ip, _)| ip))
        .unwrap_or_else(|| authority.rsplit_once(':').map_or(authority, |(h, _)| h));
    let path_ok = path
        .chars()
        .all(|c| c.is_ascii_graphic() && !"\"'<>\\`{}|^".contains(c));
    if !args::is_host(host) || !path_ok || target.len() > 255 {
        return Err(invalid(format!(
            "argument `target`: {} is not a host or URL; expected e.g. www.example.com or \
             https://portal.example.com/health",
            args::shown(target)
        )));
    }
    Ok(())
}

impl Validate for TestConnectivityArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        let kind = self.kind;
        self.target = self.target.trim().to_string();
        if self.target.is_empty() {
            return Err(invalid(
                "argument `target` is required: the URL or host to test, or for aaa the RADIUS server"
                    .into(),
            ));
        }
        match kind {
            ConnectivityKind::Http | ConnectivityKind::Https => check_url(kind, &self.target)?,
            ConnectivityKind::Tcp => {
                if !args::is_host(&self.target) {
                    return Err(invalid(format!(
                        "argument `target`: {} is not a host name or IP address; kind tcp takes \
                         the host in `target` and the port in `port`, e.g. target mail.example.com, port 443",
                        args::shown(&self.target)
                    )));
                }
            }
            ConnectivityKind::Aaa => {
                let ok = (1..=64).contains(&self.target.len())
                    && self
                        .target
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-_:".contains(c));
                if !ok {
                    return Err(invalid(format!(
                        "argument `target`: {} is not a RADIUS server; expected its name as \
                         configured on the access point (e.g. radius-1) or, on a switch, its IP address",
                        args::shown(&self.target)
                    )));
                }
            }
        }
        // Arguments no family takes for this kind, before any request.
        for name in self.given() {
            let somewhere = [DeviceKind::Aps, DeviceKind::Cx, DeviceKind::Gateways]
                .into_iter()
                .any(|f| takes(kind, f).is_some_and(|t| t.contains(&name)));
            if !somewhere {
                let hint = match name {
                    "username" | "password" | "auth_method" => "; it is for kind aaa",
                    "port" => "; it is for kind tcp (and the RADIUS port of aaa on a switch)",
                    _ => "",
                };
                return Err(invalid(format!(
                    "argument `{name}`: kind {} takes {}, not `{name}`{hint}",
                    kind.name(),
                    kind.takes_anywhere()
                )));
            }
        }
        if let Some(p) = self.port {
            args::check_range("port", p, 1, 65535)?;
        }
        if let Some(v) = &self.vrf {
            let v = v.trim();
            let ok = (1..=32).contains(&v.len())
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !ok {
                return Err(invalid(format!(
                    "argument `vrf`: {} is not a VRF name; expected e.g. default or mgmt",
                    args::shown(v)
                )));
            }
            self.vrf = Some(v.to_string());
        }
        match kind {
            ConnectivityKind::Tcp if self.port.is_none() => {
                return Err(invalid(
                    "argument `port` is required for kind tcp: the TCP port to connect to, 1-65535"
                        .into(),
                ));
            }
            ConnectivityKind::Aaa => {
                self.username = args::clean_text("username", self.username.take(), 64)?;
                if self.username.is_none() {
                    return Err(invalid(
                        "argument `username` is required for kind aaa: the user the RADIUS login is tried with"
                            .into(),
                    ));
                }
                // The value is never part of a message.
                let password = self.password.as_ref().map(SecretArg::expose);
                match password {
                    None | Some("") => {
                        return Err(invalid(
                            "argument `password` is required for kind aaa: the test user's password \
                             (it is sent only to Central, never logged or shown)"
                                .into(),
                        ));
                    }
                    Some(p) if p.chars().count() > 128 => {
                        return Err(invalid(
                            "argument `password`: longer than 128 characters (the value is not shown)"
                                .into(),
                        ));
                    }
                    Some(p) if p.chars().any(char::is_control) => {
                        return Err(invalid(
                            "argument `password`: contains control characters (the value is not shown)"
                                .into(),
                        ));
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The operation and request body of `a` on a device of `family`, with only the fields that
/// family's operation documents; `Err` names the argument it does not take.
pub(super) fn request(
    a: &TestConnectivityArgs,
    family: DeviceKind,
) -> Result<(Operation, Value), ToolError> {
    use ConnectivityKind::*;
    if family == DeviceKind::AosS {
        return Err(invalid(format!(
            "argument `serial`: {} is an AOS-Switch switch; test_connectivity runs on access \
             points (http, https, tcp, aaa), AOS-CX switches (http, https, aaa) and gateways \
             (http, https). ping_from_switch and traceroute_from_switch run on it",
            a.serial
        )));
    }
    let Some(allowed) = takes(a.kind, family) else {
        let kinds = match family {
            DeviceKind::Cx => "http, https or aaa",
            _ => "http or https",
        };
        return Err(invalid(format!(
            "argument `kind`: {} {} cannot run a {} test; it takes {kinds}",
            family.noun(),
            a.serial,
            a.kind.name()
        )));
    };
    if let Some(extra) = a.given().into_iter().find(|g| !allowed.contains(g)) {
        return Err(invalid(format!(
            "argument `{extra}`: kind {} on {} takes {}; leave `{extra}` out",
            a.kind.name(),
            a_noun(family),
            listed(allowed)
        )));
    }
    let mut body = Map::new();
    let mut put = |k: &str, v: Value| {
        body.insert(k.to_string(), v);
    };
    let password = a.password.as_ref().map(SecretArg::expose).unwrap_or("");
    let username = a.username.as_deref().unwrap_or("");
    let operation = match (family, a.kind) {
        (DeviceKind::Aps | DeviceKind::Gateways, Http | Https) => {
            put("url", json!(a.target));
            if a.kind == Http {
                Operation::Http
            } else {
                Operation::Https
            }
        }
        (DeviceKind::Aps, Tcp) => {
            put("host", json!(a.target));
            put("port", json!(a.port.unwrap_or_default()));
            Operation::Tcp
        }
        (DeviceKind::Aps, Aaa) => {
            put("serverName", json!(a.target));
            put("username", json!(username));
            put("password", json!(password));
            Operation::Aaa
        }
        (DeviceKind::Cx, Http | Https) => {
            put("destination", json!(a.target));
            put(
                "protocol",
                json!(if a.kind == Http { "HTTP" } else { "HTTPS" }),
            );
            if let Some(v) = &a.vrf {
                put("vrfName", json!(v));
            }
            Operation::Http
        }
        (DeviceKind::Cx, Aaa) => {
            if a.target.parse::<IpAddr>().is_err() {
                return Err(invalid(format!(
                    "argument `target`: on an AOS-CX switch the aaa target is the RADIUS \
                     server's IP address, e.g. 10.1.1.10; got {}",
                    args::shown(&a.target)
                )));
            }
            put(
                "authMethodType",
                json!(a.auth_method.unwrap_or(AuthMethod::Pap).api()),
            );
            put("radiusServerIp", json!(a.target));
            if let Some(p) = a.port {
                put("radiusServerPort", json!(p));
            }
            put("username", json!(username));
            put("password", json!(password));
            if let Some(v) = &a.vrf {
                put("vrfName", json!(v));
            }
            Operation::Aaa
        }
        // `takes` has ruled the other pairs out.
        _ => {
            return Err(invalid(format!(
                "argument `kind`: {} {} cannot run a {} test",
                family.noun(),
                a.serial,
                a.kind.name()
            )));
        }
    };
    Ok((operation, Value::Object(body)))
}
