//! `test_connectivity`: an HTTP, HTTPS, TCP or AAA (RADIUS login) test run by a device over
//! Central's asynchronous troubleshooting API.
//!
//! The model gives a few family-neutral arguments (`target`, `port`, `username`, `password`,
//! `auth_method`, `vrf`); the tool finds the device's family from its serial and maps
//! them onto the body that family's operation documents (troubleshooting.json):
//!
//! | family | http / https | tcp | aaa |
//! |---|---|---|---|
//! | aps | `POST …/aps/{sn}/http(s)` `{url}` | `…/tcp` `{host, port}` | `…/aaa` `{serverName, username, password}` |
//! | cx | `POST …/cx/{sn}/http` `{destination, protocol: HTTP\|HTTPS, vrfName}` | — | `…/aaa` `{authMethodType, radiusServerIp, radiusServerPort, username, password, vrfName}` |
//! | gateways | `POST …/gateways/{sn}/http(s)` `{url}` | — | — |
//!
//! AOS-Switch switches run none of these. An argument the kind or family does not take is
//! refused with an `isError` naming it and what that kind takes there; nothing is POSTed. The
//! test's result, whatever the family, is one shape: passed or not, and the HTTP status,
//! response time, download rate, TCP connect time or RADIUS accept/reject the family reports. A
//! test that FAILED (the target did not answer) is a result, not an error.
//!
//! The password is a [`SecretArg`](super::secret::SecretArg): never in `Debug`, a log line or an error; LangSmith sees its
//! key redacted; it leaves the process only in the POST body, and any echo of it in Central's
//! answers (results, error messages) is replaced by `[redacted]`.

mod request;
mod result;

use std::time::Duration;

use tokio::time::Instant;

use super::diagnostics::{self, MAX_DURATION, TaskRequest};
use super::{ToolContext, ToolError, ToolInfo, ToolSpec, Toolset, actions};

use super::args::cut;
use super::secret::scrub_error;
pub use request::{AuthMethod, ConnectivityKind, TestConnectivityArgs};
use result::MAX_REASON_CHARS;
pub use result::TestConnectivityOutput;

async fn run(
    ctx: ToolContext,
    a: TestConnectivityArgs,
) -> Result<TestConnectivityOutput, ToolError> {
    let secret = a.password.clone();
    let result = run_test(ctx, a).await;
    match secret {
        Some(s) => result.map_err(|e| scrub_error(e, &s)),
        None => result,
    }
}

async fn run_test(
    ctx: ToolContext,
    a: TestConnectivityArgs,
) -> Result<TestConnectivityOutput, ToolError> {
    let started = Instant::now();
    let wait = Duration::from_secs(diagnostics::DEFAULT_TIMEOUT_SECONDS);
    let family = actions::device_kind(&ctx, &a.serial).await?;
    let (operation, body) = request::request(&a, family)?;
    let target = match a.kind {
        ConnectivityKind::Tcp => format!("{}:{}", a.target, a.port.unwrap_or_default()),
        _ => a.target.clone(),
    };
    let out = diagnostics::run_task(
        &ctx,
        TaskRequest {
            kind: family,
            operation,
            serial: a.serial.clone(),
            body: Some(body),
            destination: Some(target),
            wait: wait.saturating_sub(started.elapsed()),
            want_raw: false,
        },
    )
    .await?;
    let mut output = TestConnectivityOutput {
        serial: out.serial,
        device_type: out.device_type,
        kind: a.kind,
        target: a.target.clone(),
        port: a.port,
        status: out.status,
        timed_out: out.timed_out,
        passed: None,
        authenticated: None,
        http_status: None,
        response_ms: None,
        connect_ms: None,
        download_kbps: None,
        success_percent: None,
        resolved_ip: None,
        fail_reason: out.fail_reason.map(|r| cut(&r, MAX_REASON_CHARS)),
        problems: Vec::new(),
        task: out.task,
    };
    // Whatever Central echoes of the password is gone before anything is mapped.
    let mut central_output = out.action_output;
    if let Some(s) = &a.password {
        output.fail_reason = output.fail_reason.map(|r| s.scrub(&r));
        if let Some(o) = central_output.as_mut() {
            s.scrub_value(o);
        }
    }
    match output.status.as_str() {
        "FAILED" => output.passed = Some(false),
        "COMPLETED" => match central_output {
            Some(o) => output.apply(&o),
            None => output.passed = Some(false),
        },
        _ => {}
    }
    Ok(output)
}

/// The `test_connectivity` tool.
pub fn test_connectivity() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "test_connectivity",
            title: "Test connectivity",
            description: "Runs http/https (target URL or host), tcp (host + port, APs) or aaa (RADIUS login; target: AP server name or switch IP) from a device.",
            toolset: Toolset::Diagnostics,
        },
        run,
    )
    .with_max_duration(MAX_DURATION)
}

#[cfg(test)]
mod tests {
    use super::request::request;
    use super::result::*;
    use super::*;
    use crate::central::{ApiError, ErrorEnvelope};
    use crate::tools::ToolOutput;
    use crate::tools::args;
    use crate::tools::diagnostics::{DeviceKind, Operation, TaskHandle};
    use crate::tools::secret::{SecretArg, scrub_error};
    use serde_json::{Value, json};

    fn args(v: Value) -> Result<TestConnectivityArgs, ToolError> {
        let mut v = v;
        v["serial"] = json!("cnk7abc123");
        args::decode::<TestConnectivityArgs>(v.as_object().unwrap().clone())
    }

    fn aaa(extra: Value) -> TestConnectivityArgs {
        let mut v = json!({"kind": "aaa", "target": "10.1.1.10", "username": "noc",
                           "password": "Plum-Tree-4411"});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        args(v).unwrap()
    }

    #[test]
    fn debug_never_shows_the_password() {
        let a = aaa(json!({}));
        let shown = format!("{a:?} {a:#?}");
        assert!(!shown.contains("Plum-Tree"), "{shown}");
        assert!(
            shown.contains("[redacted]") && shown.contains("noc"),
            "{shown}"
        );
    }

    #[test]
    fn each_family_gets_only_its_documented_fields() {
        let a = aaa(json!({"port": 1812, "vrf": "mgmt", "auth_method": "chap"}));
        let (op, body) = request::request(&a, DeviceKind::Cx).unwrap();
        assert_eq!(op, Operation::Aaa);
        assert_eq!(
            body,
            json!({"authMethodType": "chap", "radiusServerIp": "10.1.1.10",
                   "radiusServerPort": 1812, "username": "noc", "password": "Plum-Tree-4411",
                   "vrfName": "mgmt"})
        );
        let e = request::request(&a, DeviceKind::Aps)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("argument `port`")
                && e.contains("kind aaa on an access point takes target, username and password"),
            "{e}"
        );
        assert!(!e.contains("Plum"));
        let a = aaa(json!({"target": "radius-1"}));
        assert_eq!(
            request::request(&a, DeviceKind::Aps).unwrap().1,
            json!({"serverName": "radius-1", "username": "noc", "password": "Plum-Tree-4411"})
        );
        assert!(
            request::request(&a, DeviceKind::Cx)
                .unwrap_err()
                .to_string()
                .contains("argument `target`")
        );
        assert!(
            request::request(&a, DeviceKind::Gateways)
                .unwrap_err()
                .to_string()
                .contains("argument `kind`")
        );

        let h = args(json!({"kind": "https", "target": "www.example.com"})).unwrap();
        assert_eq!(
            request(&h, DeviceKind::Cx).unwrap(),
            (
                Operation::Http,
                json!({"destination": "www.example.com", "protocol": "HTTPS"})
            )
        );
        for family in [DeviceKind::Aps, DeviceKind::Gateways] {
            assert_eq!(
                request(&h, family).unwrap(),
                (Operation::Https, json!({"url": "www.example.com"}))
            );
        }
        let e = request(&h, DeviceKind::AosS).unwrap_err().to_string();
        assert!(
            e.contains("argument `serial`") && e.contains("AOS-Switch"),
            "{e}"
        );

        let t = args(json!({"kind": "tcp", "target": "mail.example.com", "port": 25})).unwrap();
        assert_eq!(
            request(&t, DeviceKind::Aps).unwrap(),
            (
                Operation::Tcp,
                json!({"host": "mail.example.com", "port": 25})
            )
        );
        assert!(
            request(&t, DeviceKind::Cx)
                .unwrap_err()
                .to_string()
                .contains("http, https or aaa")
        );
    }

    #[test]
    fn arguments_are_checked_before_any_request_without_echoing_the_password() {
        for (v, needle) in [
            (
                json!({"kind": "http", "target": "x.example.com", "password": "Plum-Tree-4411"}),
                "argument `password`",
            ),
            (
                json!({"kind": "tcp", "target": "x.example.com", "port": 25, "vrf": "a"}),
                "argument `vrf`",
            ),
            (
                json!({"kind": "aaa", "target": "r", "username": "u", "password": ""}),
                "argument `password` is required",
            ),
            (
                json!({"kind": "aaa", "target": "r", "username": "u", "password": "Plum-Tree-4411".repeat(10)}),
                "longer than 128",
            ),
            (
                json!({"kind": "aaa", "target": "r", "username": "u", "password": 44114411}),
                "expected a string",
            ),
            (
                json!({"kind": "aaa", "target": "r", "username": "  ", "password": "Plum-Tree-4411"}),
                "argument `username` is required",
            ),
            (
                json!({"kind": "https", "target": "http://x.example.com"}),
                "use kind http",
            ),
            (
                json!({"kind": "http", "target": "x.example.com/a b"}),
                "argument `target`",
            ),
            (
                json!({"kind": "http", "target": "x.example.com", "vrf": "a b"}),
                "argument `vrf`",
            ),
        ] {
            let e = args(v.clone()).unwrap_err().to_string();
            assert!(e.contains(needle), "{v}: {e}");
            assert!(!e.contains("Plum") && !e.contains("44114411"), "{e}");
        }
        let ok = args(json!({"kind": "http", "target": "http://[2001:db8::1]:8080/x?y=1"}));
        assert!(ok.is_ok(), "{ok:?}");
    }

    fn output(family: DeviceKind, kind: ConnectivityKind, op: Operation) -> TestConnectivityOutput {
        TestConnectivityOutput {
            serial: "CN12AB34CD".into(),
            device_type: family,
            kind,
            target: "www.google.com".into(),
            port: None,
            status: "COMPLETED".into(),
            timed_out: false,
            passed: None,
            authenticated: None,
            http_status: None,
            response_ms: None,
            connect_ms: None,
            download_kbps: None,
            success_percent: None,
            resolved_ip: None,
            fail_reason: None,
            problems: vec![],
            task: TaskHandle::new(
                family,
                "CN12AB34CD".into(),
                op,
                "3f0e5a7c-2b1d-4c55-9d21-7a6b8c9d0e1f".into(),
            ),
        }
    }

    /// The spec's examples, mapped.
    #[test]
    fn maps_the_result_schemas_of_every_family() {
        let mut o = output(DeviceKind::Aps, ConnectivityKind::Http, Operation::Http);
        o.apply(&json!({"downloadBytesInKB": "19", "downloadRateInKbps": "125", "url": "www.google.com"}));
        assert_eq!((o.passed, o.download_kbps), (Some(true), Some(125.0)));
        assert!(
            o.summary().contains("PASSED: 125 kbit/s"),
            "{}",
            o.summary()
        );

        let mut o = output(DeviceKind::Aps, ConnectivityKind::Tcp, Operation::Tcp);
        o.port = Some(443);
        o.apply(&json!({"connectionTimeInMilliseconds": "209", "host": "www.google.com"}));
        assert_eq!((o.passed, o.connect_ms), (Some(true), Some(209.0)));
        assert!(
            o.summary()
                .contains("TCP test from access point CN12AB34CD to www.google.com:443 PASSED: connected in 209 ms"),
            "{}",
            o.summary()
        );

        let mut o = output(DeviceKind::Aps, ConnectivityKind::Aaa, Operation::Aaa);
        o.fail_reason = Some("Authentication timed out".into());
        o.apply(&json!({"authenticationStatus": "Failed", "serverName": "radius-server-1"}));
        assert_eq!((o.passed, o.authenticated), (Some(false), Some(false)));
        assert!(
            o.summary()
                .contains("not accepted: Authentication timed out")
        );

        let mut o = output(DeviceKind::Cx, ConnectivityKind::Aaa, Operation::Aaa);
        o.apply(
            &json!({"authMethodType": "chap", "authenticationStatus": "accept",
                        "radiusServerIp": "10.1.1.10", "username": "005056bd4115"}),
        );
        assert_eq!(o.authenticated, Some(true));

        let mut o = output(DeviceKind::Cx, ConnectivityKind::Https, Operation::Http);
        o.apply(
            &json!({"destination": "https://switch1.google.com", "results": {
            "averageRttInMilliseconds": 0, "dhcpServerIp": null, "dnsError": null,
            "dnsRttInMilliseconds": 0, "httpError": null, "httpTransactionRttInMilliseconds": null,
            "maximumRttInMilliseconds": 0, "minimumRttInMilliseconds": 0, "packetsReceived": 1,
            "packetsTransmitted": 1, "resolvedIp": null},
            "statistics": {"bindError": 0, "probesTimedOut": 0, "probesTransmitted": 2,
            "dnsResolutionFailures": 0, "dhcpFailed": null}}),
        );
        assert_eq!(o.passed, Some(true));
        assert_eq!(o.success_percent, Some(100.0));
        assert_eq!(o.response_ms, Some(0.0));
        assert!(o.problems.is_empty());
        let mut o = output(DeviceKind::Cx, ConnectivityKind::Http, Operation::Http);
        o.apply(
            &json!({"results": {"packetsReceived": 0, "packetsTransmitted": 2},
                        "statistics": {"probesTimedOut": 2, "dnsResolutionFailures": 1}}),
        );
        assert_eq!(o.passed, Some(false));
        assert_eq!(o.problems, ["dnsResolutionFailures 1", "probesTimedOut 2"]);
        assert!(
            o.summary()
                .contains("FAILED: 0% answered, errors: dnsResolutionFailures 1")
        );

        let mut o = output(
            DeviceKind::Gateways,
            ConnectivityKind::Https,
            Operation::Https,
        );
        o.apply(&json!({"averageLatencyMilliseconds": "407", "receivedPacketsCount": "5",
            "successRatePercent": "100", "sentPacketsCount": "5", "responses": [
                {"downloadRate": "57.52KB/sec", "responseCode": "200/OK", "responseTimeMilliseconds": "340"},
                {"downloadRate": "29.85KB/sec", "responseCode": "200/OK", "responseTimeMilliseconds": "654"}]}));
        assert_eq!(o.http_status, Some(200));
        assert_eq!(o.response_ms, Some(407.0));
        assert_eq!(o.download_kbps, Some(349.5));
        assert_eq!(o.passed, Some(true));
        let mut o = output(
            DeviceKind::Gateways,
            ConnectivityKind::Http,
            Operation::Http,
        );
        o.apply(&json!({"receivedPacketsCount": "3", "responses": [{"responseCode": "503/Service Unavailable"}]}));
        assert_eq!((o.http_status, o.passed), (Some(503), Some(false)));
    }

    #[test]
    fn download_rates_in_kbit_per_second() {
        assert_eq!(kbps("57.52KB/sec"), Some(460.16));
        assert_eq!(kbps("1.5MB/sec"), Some(12000.0));
        assert_eq!(kbps("1000B/sec"), Some(8.0));
        assert_eq!(kbps("fast"), None);
        assert_eq!(kbps("-1KB/sec"), None);
    }

    #[test]
    fn errors_lose_an_echoed_password() {
        let s = SecretArg::new("Plum-Tree-4411");
        let e = ToolError::Explained {
            message: "Central rejected it".into(),
            source: Box::new(ApiError::Retried {
                attempts: 1,
                last: Box::new(ApiError::Http {
                    call: "POST /x".into(),
                    status: 400,
                    envelope: ErrorEnvelope {
                        error_code: None,
                        message: Some("bad password 'Plum-Tree-4411'".into()),
                        debug_id: None,
                    },
                    retry_after: None,
                }),
            }),
        };
        let before = e.to_string();
        assert!(before.contains("Plum-Tree-4411"), "{before}");
        let after = scrub_error(e, &s).to_string();
        assert!(
            !after.contains("Plum") && after.contains("bad password '[redacted]'"),
            "{after}"
        );
        let e = scrub_error(ToolError::Unexpected("x Plum-Tree-4411".into()), &s);
        assert_eq!(e.to_string(), "x [redacted]");
    }
}
