//! Connectivity tests of `network-troubleshooting/v1` (issue 19, `test_connectivity`): HTTP,
//! HTTPS, TCP and AAA (RADIUS login) tests with the asynchronous lifecycle, for the device
//! types the spec gives them: access points (`http`, `https`, `tcp`, `aaa`), AOS-CX switches
//! (`http` with `protocol` HTTP or HTTPS, `aaa`) and gateways (`http`, `https`).
//!
//! POST checks, in order: the device exists and is of the path's type (404), the body has only
//! the fields troubleshooting.json lists for that device type and operation, of the right types,
//! ranges and enums, with the required ones present and not blank (400), and the device is
//! online (409). Polling advances the task one step per poll (INITIATED → RUNNING → terminal).
//!
//! Outcomes, by construction:
//! - http, https, tcp: a target host ending in `.invalid` or in 192.0.2.0/24 is unreachable and
//!   the task ends FAILED with a `failReason`; any other completes with the measurements.
//! - aaa: the task COMPLETES; the login is accepted unless the password starts with `wrong`
//!   (case-insensitive), which the server rejects (AP `authenticationStatus` `Failed` with
//!   `failReason` `Access-Reject`; CX `reject`), or the server is unreachable as above (AP
//!   `Failed` with `Authentication timed out`, as the spec's example; CX `timeout`). The
//!   password is never part of an answer.

use hyper::Method;
use serde_json::{Map, Value, json};

use super::data::Device;
use super::lookup::{noise, round1};
use super::response::SimResponse;
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::state::State;
use super::tasks::Task;
use super::troubleshooting::{
    Finished, Flag, Int, Kind, OneOf, Text, accept_task, bad_request, check_fields, check_online,
    device, poll_task, resolve, segments, unreachable,
};

/// Register the start and poll routes of the (device type, operation) pairs the spec
/// documents.
pub(crate) fn register(router: &mut Router<State>) {
    const START: [&str; 8] = [
        "/network-troubleshooting/v1/aps/{serial-number}/http",
        "/network-troubleshooting/v1/aps/{serial-number}/https",
        "/network-troubleshooting/v1/aps/{serial-number}/tcp",
        "/network-troubleshooting/v1/aps/{serial-number}/aaa",
        "/network-troubleshooting/v1/cx/{serial-number}/http",
        "/network-troubleshooting/v1/cx/{serial-number}/aaa",
        "/network-troubleshooting/v1/gateways/{serial-number}/http",
        "/network-troubleshooting/v1/gateways/{serial-number}/https",
    ];
    const POLL: [&str; 8] = [
        "/network-troubleshooting/v1/aps/{serial-number}/http/async-operations/{task-id}",
        "/network-troubleshooting/v1/aps/{serial-number}/https/async-operations/{task-id}",
        "/network-troubleshooting/v1/aps/{serial-number}/tcp/async-operations/{task-id}",
        "/network-troubleshooting/v1/aps/{serial-number}/aaa/async-operations/{task-id}",
        "/network-troubleshooting/v1/cx/{serial-number}/http/async-operations/{task-id}",
        "/network-troubleshooting/v1/cx/{serial-number}/aaa/async-operations/{task-id}",
        "/network-troubleshooting/v1/gateways/{serial-number}/http/async-operations/{task-id}",
        "/network-troubleshooting/v1/gateways/{serial-number}/https/async-operations/{task-id}",
    ];
    for t in START {
        router.add(Method::POST, t, start);
    }
    for t in POLL {
        router.add(Method::GET, t, poll);
    }
}

/// The body fields and the required ones of a device type's operation (troubleshooting.json).
fn schema(family: &str, op: &str) -> (&'static [(&'static str, Kind)], &'static [&'static str]) {
    const TIMEOUT: (&str, Kind) = ("timeout", Int(1, 10));
    match (family, op) {
        ("aps", "tcp") => (
            &[("host", Text), ("port", Int(1, 65535)), TIMEOUT],
            &["host", "port"],
        ),
        ("aps", "aaa") => (
            &[("serverName", Text), ("username", Text), ("password", Text)],
            &["serverName", "username", "password"],
        ),
        ("aps", _) => (&[("url", Text), TIMEOUT], &["url"]),
        ("cx", "aaa") => (
            &[
                ("authMethodType", OneOf(&["chap", "pap"])),
                ("radiusServerIp", Text),
                ("radiusServerPort", Int(1, 65535)),
                ("username", Text),
                ("password", Text),
                ("vrfName", Text),
            ],
            &["authMethodType", "radiusServerIp", "username", "password"],
        ),
        ("cx", _) => (
            &[
                ("destination", Text),
                ("protocol", OneOf(&["HTTP", "HTTPS"])),
                ("nameServer", Text),
                ("sourceInterface", Text),
                ("sourcePort", Int(1, 65535)),
                ("vrfName", Text),
            ],
            &["destination"],
        ),
        _ => (
            &[
                ("url", Text),
                ("count", Int(1, 10)),
                ("interval", Int(1, 10)),
                ("includeRawOutput", Flag),
            ],
            &["url"],
        ),
    }
}

/// The field naming what is tested.
fn target_field(family: &str, op: &str) -> &'static str {
    match (family, op) {
        ("aps", "tcp") => "host",
        ("aps", "aaa") => "serverName",
        ("cx", "aaa") => "radiusServerIp",
        ("cx", _) => "destination",
        _ => "url",
    }
}

fn text<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The host of a URL or host target: without scheme, path and port.
fn host_of(target: &str) -> &str {
    let t = target.trim();
    let t = t.split_once("://").map_or(
        t,
        |(scheme, rest)| if scheme.contains('.') { t } else { rest },
    );
    let t = t.split('/').next().unwrap_or(t);
    if let Some(v6) = t.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    match t.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => t,
    }
}

/// `POST …/{http|https|tcp|aaa}` → 202 with the task location.
fn start(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let (family, serial, op) = segments(req);
    let d = device(state, family, serial)?;
    let (fields, required) = schema(family, op);
    let body = check_fields(&req.body, fields, required)?;
    let target = body
        .get(target_field(family, op))
        .and_then(Value::as_str)
        .unwrap_or("");
    if target.contains(char::is_whitespace) {
        return Err(bad_request(format!(
            "Validation errors - {} must be a host name, URL or IP address",
            target_field(family, op)
        )));
    }
    check_online(state, d)?;
    // An unreachable RADIUS server is a COMPLETED test whose login failed (see the module doc).
    let fails = op != "aaa" && unreachable(host_of(target));
    accept_task(state, req, d, Value::Object(body), fails)
}

/// A whole number from 1 to `span` picked by `key`, `n`.
fn pick(key: &str, n: u64, from: f64, span: f64) -> f64 {
    round1(from + noise(key, n) * span)
}

fn int_text(v: f64) -> String {
    format!("{}", v.round() as i64)
}

/// AP http/https: bytes and rate of the download.
fn ap_http(t: &Task) -> Value {
    let url = text(&t.body, "url");
    json!({
        "url": url,
        "downloadBytesInKB": int_text(pick(url, 1, 12.0, 30.0)),
        "downloadRateInKbps": int_text(pick(url, 2, 90.0, 900.0) + noise(&t.id, 1) * 20.0),
    })
}

/// AP tcp: the connect time.
fn ap_tcp(t: &Task) -> Value {
    let host = text(&t.body, "host");
    json!({
        "host": host,
        "connectionTimeInMilliseconds": int_text(pick(host, 3, 4.0, 240.0) + noise(&t.id, 2) * 5.0),
    })
}

/// Whether a login with this body is rejected: a password starting with `wrong`.
fn rejected(body: &Value) -> bool {
    text(body, "password")
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("wrong"))
}

/// AP aaa: Passed or Failed, and the fail reason.
fn ap_aaa(t: &Task) -> (Value, Option<String>) {
    let server = text(&t.body, "serverName");
    let (status, reason) = if unreachable(server) {
        ("Failed", Some("Authentication timed out".to_string()))
    } else if rejected(&t.body) {
        ("Failed", Some("Access-Reject".to_string()))
    } else {
        ("Passed", None)
    };
    (
        json!({"authenticationStatus": status, "serverName": server}),
        reason,
    )
}

/// CX aaa: accept, reject or timeout.
fn cx_aaa(t: &Task) -> (Value, Option<String>) {
    let server = text(&t.body, "radiusServerIp");
    let (status, reason) = if unreachable(server) {
        (
            "timeout",
            Some(format!("No response from RADIUS server {server}")),
        )
    } else if rejected(&t.body) {
        ("reject", None)
    } else {
        ("accept", None)
    };
    (
        json!({
            "authMethodType": text(&t.body, "authMethodType"),
            "authenticationStatus": status,
            "radiusServerIp": server,
            "username": text(&t.body, "username"),
        }),
        reason,
    )
}

/// CX http: the IP-SLA results and statistics.
fn cx_http(t: &Task) -> Value {
    let dest = text(&t.body, "destination");
    let https = text(&t.body, "protocol") == "HTTPS";
    let shown = if dest.contains("://") {
        dest.to_string()
    } else {
        format!("{}://{dest}", if https { "https" } else { "http" })
    };
    let rtt = pick(dest, 4, 8.0, 60.0).round() as i64;
    let dns = pick(dest, 5, 1.0, 12.0).round() as i64;
    let transaction = rtt + dns + (noise(&t.id, 3) * 40.0).round() as i64;
    let mut stats = Map::new();
    for key in [
        "bindError",
        "destinationAddressUnreachableCount",
        "dnsResolutionFailures",
        "probesTimedOut",
        "socketReceiveError",
        "transmissionError",
    ] {
        stats.insert(key.into(), json!(0));
    }
    for key in [
        "dhcpFailed",
        "dhcpNack",
        "dhcpNoOffer",
        "dnsFormatError",
        "dnsNameExists",
        "dnsNonExistentDomain",
        "dnsNotAuthoritative",
        "dnsNotImplemented",
        "dnsNotZone",
        "dnsQueryRefused",
        "dnsRrsetExists",
        "dnsServerFailure",
    ] {
        stats.insert(key.into(), Value::Null);
    }
    stats.insert("probesTransmitted".into(), json!(1));
    json!({
        "destination": shown,
        "results": {
            "averageRttInMilliseconds": rtt,
            "minimumRttInMilliseconds": rtt,
            "maximumRttInMilliseconds": rtt,
            "dhcpServerIp": null,
            "dnsError": 0,
            "dnsRttInMilliseconds": dns,
            "httpError": 0,
            "httpTransactionRttInMilliseconds": transaction,
            "packetsReceived": 1,
            "packetsTransmitted": 1,
            "resolvedIp": resolve(host_of(dest)),
        },
        "statistics": Value::Object(stats),
    })
}

/// Gateway http/https: one row per request, the summary and the CLI text.
fn gateway_http(t: &Task) -> (Value, String) {
    let url = text(&t.body, "url");
    let count = t.body.get("count").and_then(Value::as_u64).unwrap_or(5);
    let mut raw = format!("\nPinging '{url}'\n\nPress 'q' to abort.\r\n");
    let mut times = Vec::new();
    let rows: Vec<Value> = (1..=count)
        .map(|i| {
            let ms = (pick(url, 6, 120.0, 380.0) + noise(&t.id, i) * 90.0).round();
            let bytes = (19_400.0 + noise(&t.id, 100 + i) * 700.0).round();
            let rate = bytes / 1024.0 / (ms / 1000.0);
            times.push(ms);
            raw.push_str(&format!(
                "{i}> Reply: [200/OK] bytes={bytes} time={ms}ms Rate={rate:.2}KB/sec\n"
            ));
            json!({
                "responseNumber": i.to_string(),
                "responseCode": "200/OK",
                "responseBytes": format!("{bytes}"),
                "responseTimeMilliseconds": format!("{ms}"),
                "downloadRate": format!("{rate:.2}KB/sec"),
            })
        })
        .collect();
    let min = times.iter().copied().fold(f64::MAX, f64::min);
    let max = times.iter().copied().fold(0.0, f64::max);
    let avg = (times.iter().sum::<f64>() / times.len().max(1) as f64).round();
    raw.push_str(&format!(
        "\nPing Statistics for {url}\nPackets: Sent : {count} Received : {count} Success Rate is 100 percent ({count}/{count})\nApproximate round trip time : max/avg/min = {max}/{avg}/{min} ms\n"
    ));
    (
        json!({
            "url": url,
            "sentPacketsCount": count.to_string(),
            "receivedPacketsCount": count.to_string(),
            "successRatePercent": "100",
            "minimumLatencyMilliseconds": format!("{min}"),
            "averageLatencyMilliseconds": format!("{avg}"),
            "maximumLatencyMilliseconds": format!("{max}"),
            "responses": rows,
        }),
        raw,
    )
}

/// `GET …/{http|https|tcp|aaa}/async-operations/{task-id}` — advances the task one step.
fn poll(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    // An AAA test that completes with a failed login reports `failReason` beside its output.
    let mut aaa_reason: Option<String> = None;
    let answer = poll_task(
        state,
        req,
        params,
        |_, t: &Task, _: &Device| {
            let (output, raw) = match (t.device_type.as_str(), t.operation.as_str()) {
                ("aps", "tcp") => (ap_tcp(t), None),
                ("aps", "aaa") => {
                    let (o, reason) = ap_aaa(t);
                    aaa_reason = reason;
                    (o, None)
                }
                ("aps", _) => (ap_http(t), None),
                ("cx", "aaa") => {
                    let (o, reason) = cx_aaa(t);
                    aaa_reason = reason;
                    (o, None)
                }
                ("cx", _) => (cx_http(t), None),
                _ => {
                    let (o, raw) = gateway_http(t);
                    (o, Some(raw))
                }
            };
            Finished { output, raw }
        },
        |t: &Task| {
            let target = t
                .body
                .get(target_field(&t.device_type, &t.operation))
                .and_then(Value::as_str)
                .unwrap_or("");
            let host = host_of(target);
            let reason = if host.to_ascii_lowercase().ends_with(".invalid") {
                format!("Could not resolve host: {host}")
            } else {
                format!("Connection to {host} timed out")
            };
            let raw = format!("\nTesting '{target}'\n{reason}\n");
            (reason, raw)
        },
    )?;
    match aaa_reason {
        Some(reason) => with_fail_reason(answer, &reason),
        None => Ok(answer),
    }
}

/// `answer` (a poll's 200) with `failReason` set.
fn with_fail_reason(answer: SimResponse, reason: &str) -> HandlerResult {
    let mut body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut body {
        m.insert("failReason".into(), json!(reason));
    }
    Ok(SimResponse::ok(&body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_targets() {
        assert_eq!(host_of("www.example.com"), "www.example.com");
        assert_eq!(host_of("https://x.invalid/health"), "x.invalid");
        assert_eq!(host_of("http://192.0.2.7:8080/"), "192.0.2.7");
        assert_eq!(host_of("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(host_of("2001:db8::1"), "2001:db8::1");
        assert!(unreachable(host_of("https://portal.invalid/x")));
    }

    #[test]
    fn wrong_passwords_are_rejected() {
        assert!(rejected(&json!({"password": "WRONG-pass"})));
        assert!(!rejected(&json!({"password": "right"})));
        assert!(!rejected(&json!({"password": "wr"})));
        assert!(!rejected(&json!({"password": "é-wrong"})));
    }

    #[test]
    fn gateway_download_rates_match_the_spec_format() {
        let t = Task {
            id: "t-1".into(),
            device_type: "gateways".into(),
            serial: "GW1".into(),
            operation: "https".into(),
            body: json!({"url": "www.example.com", "count": 3}),
            start_ms: 0,
            end_ms: None,
            phase: super::super::tasks::Phase::Completed,
            unreachable: false,
        };
        let (o, raw) = gateway_http(&t);
        assert_eq!(o["responses"].as_array().unwrap().len(), 3);
        assert!(
            o["responses"][0]["downloadRate"]
                .as_str()
                .unwrap()
                .ends_with("KB/sec")
        );
        assert!(raw.contains("Success Rate is 100 percent (3/3)"), "{raw}");
    }
}
