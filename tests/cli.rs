//! The binary's commands and exit codes: 0 ok, 2 configuration or usage error, 1 other failure.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, simulator};

/// Runs the binary with exactly `env` and `args`, stdin closed.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_clear().stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn version_and_help() {
    let o = run(&["--version"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o).trim(),
        format!("aruba-noc-mcp {}", env!("CARGO_PKG_VERSION"))
    );
    let o = run(&["--help"], &[]);
    assert_eq!(o.status.code(), Some(0));
    for needle in [
        "serve --simulate",
        "simulator",
        "demo",
        "check",
        "ARUBA_BASE_URL",
        "ARUBA_READ_ONLY",
        "EXIT CODES",
    ] {
        assert!(stdout(&o).contains(needle), "help lacks {needle}");
    }
}

/// Arguments, environment, and what the error must name.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn invalid_configuration_exits_2_naming_the_setting() {
    let cases: [Case; 6] = [
        (
            &["serve"],
            &[("ARUBA_API_TIMEOUT", "soon")],
            "ARUBA_API_TIMEOUT",
        ),
        (
            &["serve"],
            &[("ARUBA_BASE_URL", "not a url")],
            "ARUBA_BASE_URL",
        ),
        (
            &["serve"],
            &[("ARUBA_HTTP_WORKERS", "0")],
            "ARUBA_HTTP_WORKERS",
        ),
        (
            &["serve"],
            &[("ARUBA_TOOLSETS", "monitoring,wizardry")],
            "ARUBA_TOOLSETS",
        ),
        (&["serve", "--api-timeout", "-3"], &[], "ARUBA_API_TIMEOUT"),
        (&["serve", "--no-such-flag"], &[], "--no-such-flag"),
    ];
    for (args, env, needle) in cases {
        let o = run(args, env);
        assert_eq!(o.status.code(), Some(2), "{args:?} {env:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(needle),
            "{args:?} {env:?}: {}",
            stderr(&o)
        );
        assert!(
            stdout(&o).is_empty(),
            "stdout belongs to MCP: {}",
            stdout(&o)
        );
    }
    let o = run(&["serve", "--config", "/nonexistent/aruba.toml"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/aruba.toml"));
}

#[test]
fn serve_exits_0_when_stdin_closes() {
    let started = Instant::now();
    let o = run(&["serve"], &[("ARUBA_METRICS_ADDR", "off")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    // Missing credentials are not fatal for serve, but they are logged.
    assert!(stderr(&o).contains("ARUBA_CLIENT_ID"), "{}", stderr(&o));
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn check_needs_credentials() {
    let o = run(&["check"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("ARUBA_CLIENT_ID"), "{}", stderr(&o));
}

#[test]
fn check_verifies_token_and_api_against_a_simulator() {
    let sim = simulator();
    let base = sim.base_url();
    let token = sim.token_url();
    let good = [
        ("ARUBA_BASE_URL", base.as_str()),
        ("ARUBA_TOKEN_URL", token.as_str()),
        ("ARUBA_CLIENT_ID", sim.client_id()),
        ("ARUBA_CLIENT_SECRET", sim.client_secret()),
    ];
    let o = run(&["check"], &good);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("Credentials:         OK"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("API call:            OK"),
        "{}",
        stdout(&o)
    );
    assert_eq!(sim.journal().len(), 2);

    let mut bad = good;
    bad[3] = ("ARUBA_CLIENT_SECRET", "wrong");
    let o = run(&["check"], &bad);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("invalid_client"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("wrong\""));
}

#[test]
fn check_simulate_needs_nothing() {
    let o = run(&["check", "--simulate"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("API call:            OK"));
}

#[test]
fn simulator_command_serves_on_the_requested_address() {
    let mut child = Command::new(BIN)
        .args(["simulator", "--listen", "127.0.0.1:0", "--seed", "7"])
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(
        first.contains("seed 7") && first.contains("http://127.0.0.1:"),
        "{first}"
    );
    let base = first.rsplit(' ').next().unwrap().to_string();
    // `by_ref`: keep stdout open while the simulator runs, or its next print fails.
    let rest: Vec<String> = lines.by_ref().take(6).map(Result::unwrap).collect();
    assert!(
        rest.iter()
            .any(|l| l.contains("ARUBA_TOKEN_URL=") && l.contains(&base)),
        "{rest:?}"
    );
    // It answers the token endpoint.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let status = agent
        .post(&format!("{base}/as/token.oauth2"))
        .content_type("application/x-www-form-urlencoded")
        .send("grant_type=client_credentials&client_id=x&client_secret=y")
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 401);
    drop(lines);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn demo_runs_end_to_end() {
    let o = run(&["demo"], &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    for needle in [
        "→ initialize",
        "← server aruba-noc-mcp",
        "→ tools/list",
        "→ tools/call get_sites_health",
        "→ tools/call get_ap_details",
        "isError: list_all_clients needs a site",
        "HPE_GL_ERROR_NOT_FOUND",
        "POST /as/token.oauth2",
        "GET /network-monitoring/v1/clients?site-id=",
        "→ tools/call check_server_health",
        "/metrics (a sample)",
        "api_calls_total{endpoint=\"/network-monitoring/v1/sites-health\",method=\"GET\"}",
        "mcp_tool_calls_total{tool=\"get_ap_details\",outcome=\"error\"} 1",
        // The guarded action: listed as one, a preview that sends nothing, the confirmed call,
        // the effect in the device list, exactly one action POST.
        "← reboot_device          Reboot a device (device action, confirmed per call)",
        "A guarded device action (ARUBA_ACTIONS=on)",
        "\"stage\":\"preview\"",
        "\"stage\":\"done\"",
        "The effect: the AP is OFFLINE while it reboots",
        "\"status\":\"OFFLINE\"",
        "mcp_actions_total{tool=\"reboot_device\",outcome=\"preview\"} 1",
        "mcp_actions_total{tool=\"reboot_device\",outcome=\"executed\"} 1",
        "Device-action POSTs: 1 (the preview sent none)",
        "every step behaved as expected",
    ] {
        assert!(out.contains(needle), "demo output lacks {needle:?}:\n{out}");
    }
    // The preview's code is what the confirmed call sends, and only that call reached Central.
    let code = out
        .split("\"confirmation\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a confirmation code in the preview");
    assert_eq!(code.len(), 32, "{code}");
    assert!(
        out.contains(&format!(
            "→ tools/call reboot_device {{\"confirmation\":\"{code}\""
        )),
        "{out}"
    );
    let action_posts: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("POST /network-troubleshooting/"))
        .collect();
    assert_eq!(action_posts.len(), 1, "{action_posts:?}");
    assert!(
        action_posts[0].contains("/reboot") && action_posts[0].ends_with("→ 202"),
        "{action_posts:?}"
    );
}

#[test]
fn bad_faults_spec_is_a_usage_error() {
    for args in [
        &["simulator", "--faults", "error=200"][..],
        &["serve", "--simulate", "--faults", "bogus"],
    ] {
        let o = run(args, &[("ARUBA_METRICS_ADDR", "off")]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("--faults"), "{}", stderr(&o));
    }
}

#[test]
fn simulator_command_injects_faults() {
    let mut child = Command::new(BIN)
        .args(["simulator", "--faults", "token-down=500#1"])
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first.rsplit(' ').next().unwrap().to_string();
    let rest: Vec<String> = lines.take(7).map(Result::unwrap).collect();
    assert!(
        rest.iter().any(|l| l == "Faults: token-down=500#1"),
        "{rest:?}"
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let token = |agent: &ureq::Agent| {
        agent
            .post(&format!("{base}/as/token.oauth2"))
            .content_type("application/x-www-form-urlencoded")
            .send("grant_type=client_credentials&client_id=sim-client-id&client_secret=sim-client-secret")
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(token(&agent), 500);
    assert_eq!(token(&agent), 200);
    child.kill().unwrap();
    child.wait().unwrap();
}
