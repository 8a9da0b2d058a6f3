//! The command line: subcommands, their options, and setting flags (`--api-timeout 20`) that
//! override the environment. Parsed with `lexopt`; every mistake is a [`ConfigError::Usage`]
//! (exit code 2) that names the offending flag.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::{ConfigError, SETTINGS, setting_by_key};

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// MCP server on stdio; `simulate` starts the built-in simulator and points at it.
    Serve {
        /// Use the built-in simulator instead of the configured Central.
        simulate: bool,
        /// Simulator data seed.
        seed: u64,
        /// `--faults`: canonical fault spec for the simulator (empty: none).
        faults: String,
    },
    /// The appliance service: MCP sessions on a Unix socket and Streamable HTTP.
    Daemon {
        /// Use the built-in simulator instead of the configured Central.
        simulate: bool,
        /// Simulator data seed.
        seed: u64,
        /// `--faults`: canonical fault spec for the simulator (empty: none).
        faults: String,
    },
    /// Relay stdin/stdout to the daemon's socket.
    Connect {
        /// `--socket PATH`; otherwise `ARUBA_MCP_SOCKET` or the default.
        socket: Option<PathBuf>,
        /// Run `serve` in-process when no daemon listens.
        fallback: bool,
    },
    /// Verify configuration and credentials.
    Check {
        /// Check against the built-in simulator.
        simulate: bool,
    },
    /// The simulator alone.
    Simulator {
        /// Listen address.
        listen: SocketAddr,
        /// Data seed.
        seed: u64,
        /// Lifetime of issued tokens.
        token_lifetime: Duration,
        /// `--faults`: canonical fault spec (empty: none).
        faults: String,
    },
    /// The end-to-end demonstration.
    Demo {
        /// Simulator data seed.
        seed: u64,
    },
    /// Print help.
    Help,
    /// Print the version.
    Version,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cli {
    /// The subcommand.
    pub command: Command,
    /// `--config PATH`.
    pub config_file: Option<PathBuf>,
    /// Setting flags by setting key.
    pub settings: BTreeMap<String, String>,
}

/// Default simulator seed.
pub const DEFAULT_SEED: u64 = 42;

fn usage(message: impl Into<String>) -> ConfigError {
    ConfigError::Usage(message.into())
}

fn text(value: OsString, flag: &str) -> Result<String, ConfigError> {
    value
        .into_string()
        .map_err(|_| usage(format!("{flag}: the value is not valid UTF-8")))
}

fn number<T: std::str::FromStr>(
    value: OsString,
    flag: &str,
    expected: &str,
) -> Result<T, ConfigError> {
    let t = text(value, flag)?;
    t.trim()
        .parse()
        .map_err(|_| usage(format!("{flag}: {t:?} is not valid; expected {expected}")))
}

/// Checks a `--faults` value and returns its canonical text.
#[cfg(feature = "simulator")]
fn fault_spec(value: OsString) -> Result<String, ConfigError> {
    let text = text(value, "--faults")?;
    text.parse::<crate::simulator::FaultSpec>()
        .map(|spec| spec.to_string())
        .map_err(|e| usage(format!("--faults: {e}")))
}

/// `--faults` in a build without the simulator.
#[cfg(not(feature = "simulator"))]
fn fault_spec(_: OsString) -> Result<String, ConfigError> {
    Err(usage(
        "--faults: this build has no simulator (cargo feature `simulator`)",
    ))
}

/// Parses `args` (including the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli, ConfigError> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_iter(args);
    let mut subcommand: Option<String> = None;
    let mut simulate = false;
    let mut seed = DEFAULT_SEED;
    let mut listen: Option<SocketAddr> = None;
    let mut token_lifetime = Duration::from_secs(7200);
    let mut faults: Option<String> = None;
    let mut config_file = None;
    let mut settings = BTreeMap::new();
    let mut help = false;
    let mut version = false;
    let mut socket: Option<PathBuf> = None;
    let mut fallback = false;

    while let Some(arg) = parser.next().map_err(|e| usage(e.to_string()))? {
        match arg {
            Short('h') | Long("help") => help = true,
            Short('V') | Long("version") => version = true,
            Long("simulate") => simulate = true,
            Long("seed") => {
                seed = number(
                    parser.value().map_err(|e| usage(e.to_string()))?,
                    "--seed",
                    "a whole number",
                )?;
            }
            Long("listen") => {
                listen = Some(number(
                    parser.value().map_err(|e| usage(e.to_string()))?,
                    "--listen",
                    "IP:PORT, e.g. 127.0.0.1:8443",
                )?);
            }
            Long("token-lifetime") => {
                let secs: u64 = number(
                    parser.value().map_err(|e| usage(e.to_string()))?,
                    "--token-lifetime",
                    "a whole number of seconds from 1 to 86400",
                )?;
                if !(1..=86_400).contains(&secs) {
                    return Err(usage(
                        "--token-lifetime: expected a whole number of seconds from 1 to 86400",
                    ));
                }
                token_lifetime = Duration::from_secs(secs);
            }
            Long("faults") => {
                faults = Some(fault_spec(
                    parser.value().map_err(|e| usage(e.to_string()))?,
                )?);
            }
            Long("socket") => {
                socket = Some(PathBuf::from(
                    parser.value().map_err(|e| usage(e.to_string()))?,
                ));
            }
            Long("fallback") => fallback = true,
            Long("config") => {
                config_file = Some(PathBuf::from(
                    parser.value().map_err(|e| usage(e.to_string()))?,
                ));
            }
            Long(flag) => {
                let flag = flag.to_string();
                let key = flag.replace('-', "_");
                let Some(setting) = setting_by_key(&key) else {
                    return Err(usage(format!("unknown option --{flag}")));
                };
                let value = if setting.switch {
                    match parser.optional_value() {
                        Some(v) => text(v, &format!("--{flag}"))?,
                        None => "true".to_string(),
                    }
                } else {
                    text(
                        parser.value().map_err(|e| usage(e.to_string()))?,
                        &format!("--{flag}"),
                    )?
                };
                settings.insert(key, value);
            }
            Value(value) if subcommand.is_none() => subcommand = Some(text(value, "command")?),
            Value(value) => {
                return Err(usage(format!(
                    "unexpected argument {:?}",
                    value.to_string_lossy()
                )));
            }
            Short(c) => return Err(usage(format!("unknown option -{c}"))),
        }
    }

    let command = if help {
        Command::Help
    } else if version {
        Command::Version
    } else {
        match subcommand.as_deref() {
            None | Some("serve") => Command::Serve {
                simulate,
                seed,
                faults: faults.clone().unwrap_or_default(),
            },
            Some("daemon") => Command::Daemon {
                simulate,
                seed,
                faults: faults.clone().unwrap_or_default(),
            },
            Some("connect") => Command::Connect {
                socket: socket.clone(),
                fallback,
            },
            Some("check") => Command::Check { simulate },
            Some("demo") => Command::Demo { seed },
            Some("simulator") => Command::Simulator {
                listen: listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
                seed,
                token_lifetime,
                faults: faults.clone().unwrap_or_default(),
            },
            Some(other) => {
                return Err(usage(format!(
                    "unknown command {other:?}; commands: serve, daemon, connect, check, simulator, demo"
                )));
            }
        }
    };
    let only_for = |what: &str, allowed: bool| -> Result<(), ConfigError> {
        if allowed {
            Ok(())
        } else {
            Err(usage(format!("{what} does not apply to this command")))
        }
    };
    if !matches!(command, Command::Connect { .. }) {
        only_for("--socket", socket.is_none())?;
        only_for("--fallback", !fallback)?;
    }
    match &command {
        Command::Connect { .. } => {
            only_for("--simulate", !simulate)?;
            only_for("--listen", listen.is_none())?;
            only_for("--faults", faults.is_none())?;
            // The relay reads no configuration; with --fallback, `serve` does.
            only_for(
                "setting flags (they apply to --fallback only)",
                fallback || (settings.is_empty() && config_file.is_none()),
            )?;
        }
        Command::Simulator { .. } => {
            only_for("--simulate", !simulate)?;
            only_for(
                "setting flags",
                settings.is_empty() && config_file.is_none(),
            )?;
        }
        Command::Demo { .. } => {
            only_for(
                "setting flags",
                settings.is_empty() && config_file.is_none(),
            )?;
            only_for("--listen", listen.is_none())?;
            only_for("--faults", faults.is_none())?;
        }
        Command::Serve { .. } | Command::Daemon { .. } => {
            only_for("--listen", listen.is_none())?;
            if faults.is_some() && !simulate {
                return Err(usage(
                    "--faults needs --simulate (it applies to the simulator)",
                ));
            }
        }
        Command::Check { .. } => {
            only_for("--listen", listen.is_none())?;
            only_for("--faults", faults.is_none())?;
        }
        Command::Help | Command::Version => {}
    }
    Ok(Cli {
        command,
        config_file,
        settings,
    })
}

/// The `--help` text.
pub fn help() -> String {
    let mut out = format!(
        "aruba-noc-mcp {} — an MCP server for NOC work on HPE Aruba Networking Central\n\n\
USAGE:\n\
  aruba-noc-mcp [serve] [--simulate [--faults SPEC]] [--config PATH] [SETTING FLAGS]\n\
  aruba-noc-mcp daemon [--simulate [--faults SPEC]] [--config PATH] [SETTING FLAGS]\n\
  aruba-noc-mcp connect [--socket PATH] [--fallback [--config PATH] [SETTING FLAGS]]\n\
  aruba-noc-mcp check [--simulate] [--config PATH] [SETTING FLAGS]\n\
  aruba-noc-mcp simulator [--listen 127.0.0.1:PORT] [--seed N] [--token-lifetime SECS]\n\
                          [--faults SPEC]\n\
  aruba-noc-mcp demo [--seed N]\n\
  aruba-noc-mcp --version | --help\n\n\
COMMANDS:\n\
  serve       MCP server on stdin/stdout against the configured Central (default)\n\
  serve --simulate\n\
              the same against a built-in Central simulator on 127.0.0.1 (no credentials)\n\
  daemon      the appliance service: one process owning Central access and /metrics, serving\n\
              MCP sessions on a Unix socket (ARUBA_MCP_SOCKET) and, when ARUBA_MCP_ADDR is set,\n\
              Streamable HTTP at /mcp; SIGHUP re-reads the config and secret files, SIGTERM\n\
              drains calls (at most 10 s) and exits 0\n\
  connect     what a local MCP client launches to use the daemon: relays stdin/stdout to the\n\
              socket; exit 1 with a message when no daemon listens (--fallback: run serve)\n\
  check       one token request and one cheap API call; exit 0 when both work\n\
  simulator   the Central simulator alone; prints its base URL, token URL and credentials\n\
  demo        simulator + this binary as an MCP server over pipes + a scripted client session\n\n\
--faults SPEC makes the simulator inject upstream faults: comma-separated rules\n\
MODE[@/path-prefix][#N], MODE one of error=CODE[:RATIO], rate-limit=SECS,\n\
rate-limit-reset=SECS, latency=MS, stall=MS, reset, truncate, garbage, oversize=BYTES,\n\
token-down[=CODE], token-expiry=SECS, unauthorized-once (e.g. \"error=503:0.2,latency=200#10\").\n\n\
SETTING FLAGS (each overrides its environment variable, which overrides the config file;\n\
default config file: {}):\n",
        env!("CARGO_PKG_VERSION"),
        crate::config::DEFAULT_CONFIG_FILE
    );
    for s in SETTINGS {
        let flag = format!(
            "--{}{}",
            s.key.replace('_', "-"),
            if s.switch { "" } else { " V" }
        );
        out.push_str(&format!("  {flag:<34} {:<34} {}\n", s.env, s.help));
    }
    out.push_str(
        "\nCREDENTIALS (never flags): ARUBA_CLIENT_ID, ARUBA_CLIENT_SECRET or ARUBA_ACCESS_TOKEN,\n\
or files aruba_client_id, aruba_client_secret, aruba_access_token in $CREDENTIALS_DIRECTORY,\n\
/run/secrets, /secrets or /etc/aruba-noc-mcp/secrets. Likewise LANGSMITH_API_KEY\n\
(langsmith_api_key) and OTEL_EXPORTER_OTLP_HEADERS (otel_exporter_otlp_headers).\n\n\
EXIT CODES: 0 ok, 2 configuration or usage error, 1 other failure.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Cli, ConfigError> {
        parse(
            std::iter::once("aruba-noc-mcp")
                .chain(args.iter().copied())
                .map(OsString::from),
        )
    }

    #[test]
    fn defaults_to_serve() {
        let cli = p(&[]).unwrap();
        assert_eq!(
            cli.command,
            Command::Serve {
                simulate: false,
                seed: DEFAULT_SEED,
                faults: String::new()
            }
        );
        assert_eq!(
            p(&["serve", "--simulate", "--seed", "7"]).unwrap().command,
            Command::Serve {
                simulate: true,
                seed: 7,
                faults: String::new()
            }
        );
    }

    #[cfg(feature = "simulator")]
    #[test]
    fn faults_are_validated_and_canonical() {
        assert_eq!(
            p(&[
                "serve",
                "--simulate",
                "--faults",
                " error=503:0.50 , reset#2"
            ])
            .unwrap()
            .command,
            Command::Serve {
                simulate: true,
                seed: DEFAULT_SEED,
                faults: "error=503:0.5,reset#2".to_string()
            }
        );
        match p(&["simulator", "--faults=latency=5"]).unwrap().command {
            Command::Simulator { faults, .. } => assert_eq!(faults, "latency=5"),
            other => panic!("{other:?}"),
        }
        for args in [
            &["simulator", "--faults", "bogus"][..],
            &["serve", "--faults", "reset"],
            &["check", "--simulate", "--faults", "reset"],
            &["demo", "--faults", "reset"],
        ] {
            let e = p(args).unwrap_err();
            assert!(matches!(e, ConfigError::Usage(_)), "{args:?}");
            assert!(e.to_string().contains("--faults"), "{args:?}: {e}");
        }
    }

    #[test]
    fn setting_flags_become_settings() {
        let cli = p(&[
            "serve",
            "--api-timeout",
            "20",
            "--read-only",
            "--toolsets=monitoring",
            "--config",
            "/tmp/c.toml",
        ])
        .unwrap();
        assert_eq!(
            cli.settings.get("api_timeout").map(String::as_str),
            Some("20")
        );
        assert_eq!(
            cli.settings.get("read_only").map(String::as_str),
            Some("true")
        );
        assert_eq!(
            cli.settings.get("toolsets").map(String::as_str),
            Some("monitoring")
        );
        assert_eq!(cli.config_file, Some(PathBuf::from("/tmp/c.toml")));
    }

    #[test]
    fn daemon_and_connect() {
        assert_eq!(
            p(&["daemon", "--simulate", "--mcp-max-sessions", "3"])
                .unwrap()
                .command,
            Command::Daemon {
                simulate: true,
                seed: DEFAULT_SEED,
                faults: String::new()
            }
        );
        assert_eq!(
            p(&["connect", "--socket", "/run/x.sock"]).unwrap().command,
            Command::Connect {
                socket: Some(PathBuf::from("/run/x.sock")),
                fallback: false
            }
        );
        let cli = p(&["connect", "--fallback", "--read-only"]).unwrap();
        assert_eq!(
            cli.command,
            Command::Connect {
                socket: None,
                fallback: true
            }
        );
        assert_eq!(
            cli.settings.get("read_only").map(String::as_str),
            Some("true")
        );
    }

    #[test]
    fn simulator_options() {
        let cli = p(&[
            "simulator",
            "--listen",
            "127.0.0.1:8080",
            "--token-lifetime",
            "5",
        ])
        .unwrap();
        assert_eq!(
            cli.command,
            Command::Simulator {
                listen: "127.0.0.1:8080".parse().unwrap(),
                seed: DEFAULT_SEED,
                token_lifetime: Duration::from_secs(5),
                faults: String::new()
            }
        );
    }

    #[test]
    fn mistakes_name_the_flag() {
        assert!(p(&["--bogus"]).unwrap_err().to_string().contains("--bogus"));
        assert!(
            p(&["frobnicate"])
                .unwrap_err()
                .to_string()
                .contains("frobnicate")
        );
        assert!(
            p(&["simulator", "--listen", "localhost"])
                .unwrap_err()
                .to_string()
                .contains("--listen")
        );
        assert!(
            p(&["--api-timeout"])
                .unwrap_err()
                .to_string()
                .contains("api-timeout")
        );
        assert!(p(&["demo", "--base-url", "http://x"]).is_err());
        assert!(p(&["serve", "--socket", "/x"]).is_err());
        assert!(p(&["connect", "--api-timeout", "5"]).is_err());
        assert!(p(&["daemon", "--listen", "127.0.0.1:1"]).is_err());
        assert_eq!(p(&["--help"]).unwrap().command, Command::Help);
        assert_eq!(p(&["-V"]).unwrap().command, Command::Version);
    }

    #[test]
    fn help_lists_every_setting() {
        let h = help();
        for s in SETTINGS {
            assert!(h.contains(s.env), "{}", s.env);
        }
    }
}
