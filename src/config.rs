//! Configuration: command-line flags, environment, an optional TOML file and secret files, merged
//! into one validated [`Config`].
//!
//! Precedence is flags > environment > TOML file > default. Secrets (client id, client secret,
//! static access token, LangSmith key) never come from flags or the TOML file: they are read from
//! `$CREDENTIALS_DIRECTORY/<name>` (systemd), `/run/secrets/<name>`, `/secrets/<name>`,
//! `/etc/aruba-noc-mcp/secrets/<name>`, then the environment variable. Placeholder values such as
//! `your_client_id` or an empty string count as absent.
//!
//! This is the only module that reads the process environment. Every invalid value stops start-up
//! with a [`ConfigError`] that names the setting, where it came from and the accepted form.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Default Central API gateway (US-1).
pub const DEFAULT_BASE_URL: &str = "https://us1.api.central.arubanetworks.com";
/// Default OAuth2 token endpoint (HPE SSO, global for every cluster).
pub const DEFAULT_TOKEN_URL: &str = "https://sso.common.cloud.hpe.com/as/token.oauth2";
/// Config file read when `--config` is not given and the file exists.
pub const DEFAULT_CONFIG_FILE: &str = "/etc/aruba-noc-mcp/config.toml";
/// Default cap on one upstream response body (16 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Default worker threads doing blocking HTTP (`ARUBA_HTTP_WORKERS`). Each worker holds one
/// upstream request at a time, so this bounds the calls in flight: at Central's ~100 ms per
/// request, 8 workers allow ~80 calls/s (the ≥ 75 calls/s budget at 8 calls in flight; 4 allowed
/// ~40). A worker costs ~13 KiB of RSS idle and ~90 KiB once it has served requests (its stack
/// and allocator cache), measured by `benches/mcp.rs` (docs/performance.md).
pub const DEFAULT_HTTP_WORKERS: usize = 8;

/// Central clusters by their short name, as in HPE's published server list.
pub const CLUSTERS: &[(&str, &str)] = &[
    ("de1", "https://de1.api.central.arubanetworks.com"),
    ("de2", "https://de2.api.central.arubanetworks.com"),
    ("de3", "https://de3.api.central.arubanetworks.com"),
    ("gb1", "https://gb1.api.central.arubanetworks.com"),
    ("us1", "https://us1.api.central.arubanetworks.com"),
    ("us2", "https://us2.api.central.arubanetworks.com"),
    ("us4", "https://us4.api.central.arubanetworks.com"),
    ("us5", "https://us5.api.central.arubanetworks.com"),
    ("us6", "https://us6.api.central.arubanetworks.com"),
    ("ca1", "https://ca1.api.central.arubanetworks.com"),
    ("in1", "https://in1.api.central.arubanetworks.com"),
    ("jp1", "https://jp1.api.central.arubanetworks.com"),
    ("au1", "https://au1.api.central.arubanetworks.com"),
    ("ae1", "https://ae1.api.central.arubanetworks.com"),
    ("cn1", "https://cn1.api.central.arubanetworks.com.cn"),
];

/// A configuration problem that stops start-up (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A setting has a value outside its accepted form.
    #[error("invalid {setting}{origin}: {problem}; expected {expected}")]
    Invalid {
        /// The setting's environment variable name (the canonical name users look up).
        setting: &'static str,
        /// Where the value came from, e.g. " (from --api-timeout)".
        origin: String,
        /// What is wrong with the value (never echoes a secret).
        problem: String,
        /// The accepted form.
        expected: &'static str,
    },
    /// Two settings that must be given together, or must not be combined.
    #[error("{0}")]
    Inconsistent(String),
    /// The config file could not be read or parsed.
    #[error("config file {path}: {problem}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
    /// A command-line flag problem (unknown flag, missing value).
    #[error("{0} (see --help)")]
    Usage(String),
}

/// A secret string: never printed by `Debug`, never serialised.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Self(value.into())
    }
    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// How the server authenticates to Central.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// OAuth2 client id (`ARUBA_CLIENT_ID`, secret file `aruba_client_id`).
    pub client_id: Option<String>,
    /// OAuth2 client secret (`ARUBA_CLIENT_SECRET`, secret file `aruba_client_secret`).
    pub client_secret: Option<Secret>,
    /// A static bearer token (`ARUBA_ACCESS_TOKEN`, secret file `aruba_access_token`).
    pub access_token: Option<Secret>,
}

impl Credentials {
    /// True when client credentials (id and secret) are both present.
    pub fn has_client_credentials(&self) -> bool {
        self.client_id.is_some() && self.client_secret.is_some()
    }

    /// Why no Central call can be authenticated, or `None` when something usable is configured.
    pub fn missing_reason(&self) -> Option<String> {
        if self.access_token.is_some() || self.has_client_credentials() {
            return None;
        }
        Some(
            match (&self.client_id, &self.client_secret) {
                (Some(_), None) => {
                    "ARUBA_CLIENT_ID is set but ARUBA_CLIENT_SECRET is not".to_string()
                }
                (None, Some(_)) => {
                    "ARUBA_CLIENT_SECRET is set but ARUBA_CLIENT_ID is not".to_string()
                }
                _ => "no Central credentials are configured".to_string(),
            } + ": set ARUBA_CLIENT_ID and ARUBA_CLIENT_SECRET (or the secret files aruba_client_id and \
              aruba_client_secret in $CREDENTIALS_DIRECTORY, /run/secrets, /secrets or \
              /etc/aruba-noc-mcp/secrets), or ARUBA_ACCESS_TOKEN; or run `aruba-noc-mcp serve \
              --simulate` to try the built-in simulator",
        )
    }
}

/// Everything about reaching Central.
#[derive(Debug, Clone)]
pub struct CentralSettings {
    /// API gateway, without a trailing slash.
    pub base_url: String,
    /// OAuth2 token endpoint.
    pub token_url: String,
    /// Credentials.
    pub credentials: Credentials,
    /// Timeout of one upstream request (`ARUBA_API_TIMEOUT`).
    pub api_timeout: Duration,
    /// TCP/TLS connect timeout (`ARUBA_CONNECT_TIMEOUT`).
    pub connect_timeout: Duration,
    /// Deadline of one whole tool call, waits and retries included (`ARUBA_CALL_DEADLINE`).
    pub call_deadline: Duration,
    /// Worker threads doing blocking HTTP (`ARUBA_HTTP_WORKERS`).
    pub http_workers: usize,
    /// Requests that may wait for a worker before calls are refused as busy (`ARUBA_HTTP_QUEUE`).
    pub http_queue: usize,
    /// Cap on one response body (`ARUBA_MAX_RESPONSE_BYTES`).
    pub max_response_bytes: usize,
    /// Refresh the token when less than this remains (`ARUBA_TOKEN_REFRESH_BUFFER`).
    pub token_refresh_buffer: Duration,
}

/// Rate limiter and circuit breaker settings.
#[derive(Debug, Clone)]
pub struct ResilienceSettings {
    /// Token bucket capacity (`ARUBA_RATE_LIMIT_REQUESTS`).
    pub rate_limit_requests: u32,
    /// Token bucket refill window (`ARUBA_RATE_LIMIT_WINDOW`).
    pub rate_limit_window: Duration,
    /// Consecutive failures that open the breaker (`ARUBA_CIRCUIT_BREAKER_THRESHOLD`).
    pub breaker_threshold: u32,
    /// How long the breaker stays open (`ARUBA_CIRCUIT_BREAKER_TIMEOUT`).
    pub breaker_timeout: Duration,
    /// Longest wait taken from Central's `Retry-After` / `X-RateLimit-Reset`
    /// (`ARUBA_RETRY_AFTER_MAX`).
    pub retry_after_max: Duration,
}

/// The /metrics, /healthz, /readyz listener.
#[derive(Debug, Clone)]
pub struct MetricsSettings {
    /// Listen address, `None` when `ARUBA_METRICS_ADDR=off`.
    pub addr: Option<SocketAddr>,
    /// File holding the bearer token scrapers must present.
    pub token_file: Option<PathBuf>,
    /// PEM certificate and key to serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// The daemon's MCP listeners (`aruba-noc-mcp daemon`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpSettings {
    /// The Unix socket, `None` when `ARUBA_MCP_SOCKET=off`.
    pub socket: Option<PathBuf>,
    /// The Streamable HTTP listener, `None` when `ARUBA_MCP_ADDR=off` (the default).
    pub http: Option<McpHttpSettings>,
    /// Sessions served at once over every transport (`ARUBA_MCP_MAX_SESSIONS`).
    pub max_sessions: usize,
}

/// The Streamable HTTP listener at `/mcp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpHttpSettings {
    /// Listen address (`ARUBA_MCP_ADDR`).
    pub addr: SocketAddr,
    /// File holding the bearer token every request must carry (`ARUBA_MCP_TOKEN_FILE`).
    pub token_file: Option<PathBuf>,
    /// PEM certificate and key to serve HTTPS (`ARUBA_MCP_TLS_CERT`, `ARUBA_MCP_TLS_KEY`).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// `Origin` values accepted (`ARUBA_MCP_ALLOWED_ORIGINS`); requests without one are accepted.
    pub allowed_origins: Vec<String>,
}

impl McpSettings {
    /// The daemon's socket as `connect` finds it (`--socket` is the `mcp_socket` flag, then
    /// `ARUBA_MCP_SOCKET`, the config file, the default); `None` when it is off. No secret is
    /// read.
    pub fn client_socket(inputs: &Inputs) -> Result<Option<PathBuf>, ConfigError> {
        let layers = Layers::read(inputs)?;
        Ok(Config::mcp(&layers)?.socket)
    }
}

/// Default socket when neither `ARUBA_MCP_SOCKET` nor systemd's `RUNTIME_DIRECTORY` is set.
pub const DEFAULT_MCP_SOCKET: &str = "/run/aruba-noc-mcp/mcp.sock";
/// Default `ARUBA_MCP_MAX_SESSIONS`.
pub const DEFAULT_MAX_SESSIONS: usize = 32;

/// Which tools are offered.
#[derive(Debug, Clone)]
pub struct ToolSettings {
    /// Hide and refuse every tool that POSTs to Central (`ARUBA_READ_ONLY`).
    pub read_only: bool,
    /// Only these toolsets (`ARUBA_TOOLSETS`), `None` = all.
    pub toolsets: Option<Vec<String>>,
    /// Only these tools (`ARUBA_TOOLS`), `None` = all.
    pub tools: Option<Vec<String>>,
    /// Offer the `actions` toolset (`ARUBA_ACTIONS`, default off; read-only hides it anyway).
    pub actions: bool,
    /// How an action is confirmed (`ARUBA_ACTIONS_CONFIRM`).
    pub actions_confirm: ConfirmMode,
    /// Most actions a minute for the whole server (`ARUBA_ACTIONS_PER_MINUTE`, default 6).
    pub actions_per_minute: u32,
}

/// Default `ARUBA_ACTIONS_PER_MINUTE`.
pub const DEFAULT_ACTIONS_PER_MINUTE: u32 = 6;

impl Default for ToolSettings {
    fn default() -> ToolSettings {
        ToolSettings {
            read_only: false,
            toolsets: None,
            tools: None,
            actions: false,
            actions_confirm: ConfirmMode::Auto,
            actions_per_minute: DEFAULT_ACTIONS_PER_MINUTE,
        }
    }
}

/// How a device action is confirmed (`ARUBA_ACTIONS_CONFIRM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConfirmMode {
    /// Elicitation when the client declared it, otherwise the two-step confirmation code.
    #[default]
    Auto,
    /// Elicitation only: a client without it cannot run actions.
    Elicitation,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Text,
}

/// Logging settings (always to stderr).
#[derive(Debug, Clone)]
pub struct LogSettings {
    /// `tracing` filter directives (`ARUBA_LOG`), e.g. `info` or `warn,aruba_noc_mcp=debug`.
    pub filter: String,
    /// Output format (`ARUBA_LOG_FORMAT`).
    pub format: LogFormat,
}

/// Opt-in LangSmith tool-usage analytics.
#[derive(Debug, Clone)]
pub struct LangSmithSettings {
    /// `LANGSMITH_TRACING=true` and a key present.
    pub enabled: bool,
    /// `LANGSMITH_API_KEY`.
    pub api_key: Option<Secret>,
    /// `LANGSMITH_PROJECT`.
    pub project: String,
    /// `LANGSMITH_ENDPOINT`.
    pub endpoint: String,
    /// `LANGSMITH_WORKSPACE_ID`, sent as `x-tenant-id` when set.
    pub workspace_id: Option<String>,
}

/// Argument keys (substrings, lower case) that are always redacted, whatever
/// `ARUBA_ANALYTICS_REDACT` adds: secrets never leave the process.
pub const ALWAYS_REDACTED: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "key",
    "credential",
    "authorization",
    "cookie",
    "psk",
];

/// What the exporters may send and how they queue (shared by LangSmith and OTLP).
#[derive(Debug, Clone)]
pub struct AnalyticsSettings {
    /// Send tool arguments as LangSmith `inputs` (`ARUBA_ANALYTICS_ARGS`, default on).
    pub send_arguments: bool,
    /// Argument key substrings (lower case) whose values become `[redacted]`: [`ALWAYS_REDACTED`]
    /// plus `ARUBA_ANALYTICS_REDACT`.
    pub redact: Vec<String>,
    /// Runs or spans that may wait for the exporter thread before new ones are dropped
    /// (`ARUBA_ANALYTICS_QUEUE`).
    pub queue_size: usize,
    /// How often queued runs and spans are sent (`ARUBA_ANALYTICS_FLUSH_INTERVAL`).
    pub flush_interval: Duration,
    /// Timeout of one export request, and the longest the process waits at exit for the last
    /// batch (`ARUBA_ANALYTICS_TIMEOUT`).
    pub timeout: Duration,
}

/// OTLP/HTTP JSON span export, set up by the standard `OTEL_*` variables.
#[derive(Debug, Clone)]
pub struct OtlpSettings {
    /// Where spans are POSTed: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`.
    pub traces_endpoint: String,
    /// Extra request headers (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TRACES_HEADERS`);
    /// values are secrets (they usually carry an API key).
    pub headers: Vec<(String, Secret)>,
    /// `service.name` (`OTEL_SERVICE_NAME`, default `aruba-noc-mcp`).
    pub service_name: String,
    /// Further resource attributes (`OTEL_RESOURCE_ATTRIBUTES`).
    pub resource_attributes: Vec<(String, String)>,
}

/// The whole validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Central connection.
    pub central: CentralSettings,
    /// Breaker and limiter.
    pub resilience: ResilienceSettings,
    /// Metrics listener.
    pub metrics: MetricsSettings,
    /// The daemon's MCP listeners.
    pub mcp: McpSettings,
    /// Tool selection.
    pub tools: ToolSettings,
    /// Logging.
    pub log: LogSettings,
    /// LangSmith analytics.
    pub langsmith: LangSmithSettings,
    /// Privacy and queueing rules of the exporters.
    pub analytics: AnalyticsSettings,
    /// OTLP span export, when an endpoint is set (and `OTEL_SDK_DISABLED` is not true).
    pub otlp: Option<OtlpSettings>,
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// Non-fatal problems found while loading (logged once logging is up).
    pub warnings: Vec<String>,
}

/// Where the raw inputs come from; [`Inputs::from_process`] for the real process, or built by
/// hand in tests.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Setting flags given on the command line, keyed by setting key (e.g. `api_timeout`).
    pub flags: BTreeMap<String, String>,
    /// Environment variables.
    pub env: HashMap<String, String>,
    /// `--config PATH`, when given (then the file must exist).
    pub config_file: Option<PathBuf>,
    /// File read when `config_file` is `None` and this file exists.
    pub default_config_file: Option<PathBuf>,
    /// Directories searched for secret files, in order.
    pub secret_dirs: Vec<PathBuf>,
}

impl Inputs {
    /// The process environment (UTF-8 variables only), the default config file location and the
    /// standard secret directories.
    pub fn from_process(flags: BTreeMap<String, String>, config_file: Option<PathBuf>) -> Self {
        let env: HashMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let mut secret_dirs = Vec::new();
        if let Some(dir) = env.get("CREDENTIALS_DIRECTORY").filter(|d| !d.is_empty()) {
            secret_dirs.push(PathBuf::from(dir));
        }
        for dir in ["/run/secrets", "/secrets", "/etc/aruba-noc-mcp/secrets"] {
            secret_dirs.push(PathBuf::from(dir));
        }
        Self {
            flags,
            env,
            config_file,
            default_config_file: Some(PathBuf::from(DEFAULT_CONFIG_FILE)),
            secret_dirs,
        }
    }
}

/// One setting: its environment name, its key in flags (`--key-with-dashes`) and the TOML file.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Environment variable, the canonical name.
    pub env: &'static str,
    /// Key in the TOML file; the flag is this with `_` replaced by `-`.
    pub key: &'static str,
    /// One-line help.
    pub help: &'static str,
    /// Whether the setting takes no value on the command line (a boolean switch).
    pub switch: bool,
}

const fn setting(env: &'static str, key: &'static str, help: &'static str) -> Setting {
    Setting {
        env,
        key,
        help,
        switch: false,
    }
}

/// Every non-secret setting that flags, env and the TOML file can carry.
pub const SETTINGS: &[Setting] = &[
    setting("ARUBA_BASE_URL", "base_url", "Central API gateway URL"),
    setting(
        "ARUBA_CLUSTER",
        "cluster",
        "cluster short name (us1, de1, ...) instead of a base URL",
    ),
    setting("ARUBA_TOKEN_URL", "token_url", "OAuth2 token endpoint"),
    setting(
        "ARUBA_API_TIMEOUT",
        "api_timeout",
        "timeout of one upstream request, seconds",
    ),
    setting(
        "ARUBA_CONNECT_TIMEOUT",
        "connect_timeout",
        "connect timeout, seconds",
    ),
    setting(
        "ARUBA_CALL_DEADLINE",
        "call_deadline",
        "deadline of one tool call, seconds",
    ),
    setting(
        "ARUBA_HTTP_WORKERS",
        "http_workers",
        "worker threads for upstream HTTP",
    ),
    setting(
        "ARUBA_HTTP_QUEUE",
        "http_queue",
        "requests that may wait for a worker",
    ),
    setting(
        "ARUBA_MAX_RESPONSE_BYTES",
        "max_response_bytes",
        "cap on one response body",
    ),
    setting(
        "ARUBA_TOKEN_REFRESH_BUFFER",
        "token_refresh_buffer",
        "refresh a token this early, seconds",
    ),
    setting(
        "ARUBA_RATE_LIMIT_REQUESTS",
        "rate_limit_requests",
        "token bucket capacity",
    ),
    setting(
        "ARUBA_RATE_LIMIT_WINDOW",
        "rate_limit_window",
        "token bucket window, seconds",
    ),
    setting(
        "ARUBA_CIRCUIT_BREAKER_THRESHOLD",
        "circuit_breaker_threshold",
        "failures that open the breaker",
    ),
    setting(
        "ARUBA_CIRCUIT_BREAKER_TIMEOUT",
        "circuit_breaker_timeout",
        "seconds the breaker stays open",
    ),
    setting(
        "ARUBA_RETRY_AFTER_MAX",
        "retry_after_max",
        "longest wait honoured from Retry-After / X-RateLimit-Reset, seconds",
    ),
    setting(
        "ARUBA_METRICS_ADDR",
        "metrics_addr",
        "/metrics listen address, or off",
    ),
    setting(
        "ARUBA_METRICS_TOKEN_FILE",
        "metrics_token_file",
        "bearer token file for /metrics",
    ),
    setting(
        "ARUBA_METRICS_TLS_CERT",
        "metrics_tls_cert",
        "PEM certificate for /metrics HTTPS",
    ),
    setting(
        "ARUBA_METRICS_TLS_KEY",
        "metrics_tls_key",
        "PEM key for /metrics HTTPS",
    ),
    setting(
        "ARUBA_MCP_SOCKET",
        "mcp_socket",
        "daemon: Unix socket path, or off",
    ),
    setting(
        "ARUBA_MCP_ADDR",
        "mcp_addr",
        "daemon: Streamable HTTP /mcp address, or off",
    ),
    setting(
        "ARUBA_MCP_TOKEN_FILE",
        "mcp_token_file",
        "daemon: bearer token file for /mcp",
    ),
    setting(
        "ARUBA_MCP_TLS_CERT",
        "mcp_tls_cert",
        "daemon: PEM certificate for /mcp HTTPS",
    ),
    setting(
        "ARUBA_MCP_TLS_KEY",
        "mcp_tls_key",
        "daemon: PEM key for /mcp HTTPS",
    ),
    setting(
        "ARUBA_MCP_ALLOWED_ORIGINS",
        "mcp_allowed_origins",
        "daemon: comma list of Origins accepted on /mcp",
    ),
    setting(
        "ARUBA_MCP_MAX_SESSIONS",
        "mcp_max_sessions",
        "daemon: MCP sessions served at once",
    ),
    Setting {
        env: "ARUBA_READ_ONLY",
        key: "read_only",
        help: "hide and refuse tools that POST to Central",
        switch: true,
    },
    setting(
        "ARUBA_TOOLSETS",
        "toolsets",
        "comma list of toolsets to offer, or dynamic (loaded on demand)",
    ),
    setting("ARUBA_TOOLS", "tools", "comma list of tools to offer"),
    setting(
        "ARUBA_ACTIONS",
        "actions",
        "on to offer the device actions (reboot, bounce, ...); default off",
    ),
    setting(
        "ARUBA_ACTIONS_CONFIRM",
        "actions_confirm",
        "auto (elicitation, else a confirmation code) or elicitation",
    ),
    setting(
        "ARUBA_ACTIONS_PER_MINUTE",
        "actions_per_minute",
        "most device actions a minute for the whole server (default 6)",
    ),
    setting(
        "ARUBA_LOG",
        "log",
        "log filter, e.g. info or warn,aruba_noc_mcp=debug",
    ),
    setting("ARUBA_LOG_FORMAT", "log_format", "json or text"),
    setting(
        "LANGSMITH_TRACING",
        "langsmith_tracing",
        "true to send tool-usage runs",
    ),
    setting(
        "LANGSMITH_PROJECT",
        "langsmith_project",
        "LangSmith project name",
    ),
    setting(
        "LANGSMITH_ENDPOINT",
        "langsmith_endpoint",
        "LangSmith API endpoint",
    ),
    setting(
        "LANGSMITH_WORKSPACE_ID",
        "langsmith_workspace_id",
        "LangSmith workspace id (x-tenant-id)",
    ),
    setting(
        "ARUBA_ANALYTICS_ARGS",
        "analytics_args",
        "on to send tool arguments to LangSmith, off to drop them",
    ),
    setting(
        "ARUBA_ANALYTICS_REDACT",
        "analytics_redact",
        "comma list of extra argument key substrings to redact",
    ),
    setting(
        "ARUBA_ANALYTICS_QUEUE",
        "analytics_queue",
        "runs/spans queued for export before drops",
    ),
    setting(
        "ARUBA_ANALYTICS_FLUSH_INTERVAL",
        "analytics_flush_interval",
        "export interval, seconds",
    ),
    setting(
        "ARUBA_ANALYTICS_TIMEOUT",
        "analytics_timeout",
        "one export request / the wait at exit, seconds",
    ),
    setting(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "otel_exporter_otlp_endpoint",
        "OTLP/HTTP base URL (spans go to /v1/traces)",
    ),
    setting(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "otel_exporter_otlp_traces_endpoint",
        "exact OTLP/HTTP traces URL",
    ),
    setting(
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "otel_exporter_otlp_protocol",
        "http/json (the only one spoken)",
    ),
    setting(
        "OTEL_SERVICE_NAME",
        "otel_service_name",
        "service.name of exported spans",
    ),
    setting(
        "OTEL_RESOURCE_ATTRIBUTES",
        "otel_resource_attributes",
        "k=v,... resource attributes",
    ),
    setting(
        "OTEL_SDK_DISABLED",
        "otel_sdk_disabled",
        "true turns span export off",
    ),
];

/// Looks a setting up by its flag/TOML key.
pub fn setting_by_key(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// A raw value and where it came from.
struct Raw {
    value: String,
    origin: String,
}

/// The layered sources, consulted in precedence order.
struct Layers<'a> {
    inputs: &'a Inputs,
    file: BTreeMap<String, String>,
    file_path: Option<PathBuf>,
    warnings: Vec<String>,
}

impl<'a> Layers<'a> {
    /// The sources of `inputs`: its flags and environment, and the config file it names (or
    /// the default one, when that exists).
    fn read(inputs: &'a Inputs) -> Result<Layers<'a>, ConfigError> {
        let (file_path, file) = match &inputs.config_file {
            Some(path) => (Some(path.clone()), read_file(path)?),
            None => match inputs.default_config_file.as_deref() {
                Some(default) if default.exists() => {
                    (Some(default.to_path_buf()), read_file(default)?)
                }
                _ => (None, BTreeMap::new()),
            },
        };
        Ok(Layers {
            inputs,
            file,
            file_path,
            warnings: Vec::new(),
        })
    }

    fn raw(&self, s: &Setting) -> Option<Raw> {
        if let Some(v) = self.inputs.flags.get(s.key) {
            return Some(Raw {
                value: v.clone(),
                origin: format!(" (from --{})", s.key.replace('_', "-")),
            });
        }
        if let Some(v) = self.inputs.env.get(s.env) {
            return Some(Raw {
                value: v.clone(),
                origin: " (from the environment)".to_string(),
            });
        }
        let v = self.file.get(s.key)?;
        let path = self
            .file_path
            .as_deref()
            .unwrap_or(Path::new("config file"));
        Some(Raw {
            value: v.clone(),
            origin: format!(" (from {} key {})", path.display(), s.key),
        })
    }

    fn get(&self, env: &'static str) -> Option<(Raw, &'static Setting)> {
        let s = SETTINGS.iter().find(|s| s.env == env)?;
        Some((self.raw(s)?, s))
    }

    /// Reads a secret from the secret directories, then the environment.
    fn secret(&mut self, env: &'static str, file_name: &str) -> Option<String> {
        for dir in &self.inputs.secret_dirs {
            let path = dir.join(file_name);
            match std::fs::read_to_string(&path) {
                Ok(content) => {
                    let value = content.trim().to_string();
                    if !is_placeholder(&value) {
                        return Some(value);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => self.warnings.push(format!(
                    "secret file {} could not be read ({}); trying the next source",
                    path.display(),
                    e.kind()
                )),
            }
        }
        let value = self.inputs.env.get(env)?.trim().to_string();
        (!is_placeholder(&value)).then_some(value)
    }
}

/// An HTTP origin as browsers send it (`scheme://host[:port]`, port `*` for any), or `null`.
fn is_origin(text: &str) -> bool {
    if text == "null" {
        return true;
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', ' ', '@'])
}

/// Values that example files and deploy scripts write instead of a real credential.
fn is_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.is_empty()
        || v.starts_with("your_")
        || v.starts_with("your-")
        || (v.starts_with('<') && v.ends_with('>'))
        || matches!(
            v.as_str(),
            "changeme" | "change_me" | "auto_generated" | "none" | "null"
        )
}

fn invalid(
    s: &Setting,
    raw: &Raw,
    problem: impl Into<String>,
    expected: &'static str,
) -> ConfigError {
    ConfigError::Invalid {
        setting: s.env,
        origin: raw.origin.clone(),
        problem: problem.into(),
        expected,
    }
}

/// Parses seconds: a whole number (`30`) or a humantime duration (`30s`, `2m`).
fn parse_seconds(
    layers: &Layers<'_>,
    env: &'static str,
    default: u64,
    min: u64,
    max: u64,
    expected: &'static str,
) -> Result<Duration, ConfigError> {
    let Some((raw, s)) = layers.get(env) else {
        return Ok(Duration::from_secs(default));
    };
    let text = raw.value.trim();
    let duration = match text.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => humantime::parse_duration(text)
            .map_err(|_| invalid(s, &raw, format!("{text:?} is not a duration"), expected))?,
    };
    if duration < Duration::from_secs(min) || duration > Duration::from_secs(max) {
        return Err(invalid(
            s,
            &raw,
            format!("{text:?} is out of range"),
            expected,
        ));
    }
    Ok(duration)
}

fn parse_number<T: std::str::FromStr + PartialOrd + Copy + fmt::Display>(
    layers: &Layers<'_>,
    env: &'static str,
    default: T,
    min: T,
    max: T,
    expected: &'static str,
) -> Result<T, ConfigError> {
    let Some((raw, s)) = layers.get(env) else {
        return Ok(default);
    };
    let text = raw.value.trim();
    let n: T = text
        .parse()
        .map_err(|_| invalid(s, &raw, format!("{text:?} is not a whole number"), expected))?;
    if n < min || n > max {
        return Err(invalid(s, &raw, format!("{n} is out of range"), expected));
    }
    Ok(n)
}

fn parse_confirm(layers: &Layers<'_>) -> Result<ConfirmMode, ConfigError> {
    let Some((raw, s)) = layers.get("ARUBA_ACTIONS_CONFIRM") else {
        return Ok(ConfirmMode::Auto);
    };
    match raw.value.trim().to_ascii_lowercase().as_str() {
        "auto" | "" => Ok(ConfirmMode::Auto),
        "elicitation" => Ok(ConfirmMode::Elicitation),
        other => Err(invalid(
            s,
            &raw,
            format!("{other:?} is not a confirmation mode"),
            "auto or elicitation",
        )),
    }
}

fn parse_bool(layers: &Layers<'_>, env: &'static str, default: bool) -> Result<bool, ConfigError> {
    let Some((raw, s)) = layers.get(env) else {
        return Ok(default);
    };
    match raw.value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => Err(invalid(
            s,
            &raw,
            format!("{other:?} is not a boolean"),
            "true or false (also 1/0, yes/no, on/off)",
        )),
    }
}

/// Validates an http(s) URL and strips a trailing slash.
fn parse_url(
    layers: &Layers<'_>,
    env: &'static str,
    default: &str,
) -> Result<(String, bool), ConfigError> {
    let Some((raw, s)) = layers.get(env) else {
        return Ok((default.to_string(), false));
    };
    let text = raw.value.trim().trim_end_matches('/').to_string();
    let expected =
        "an http:// or https:// URL with a host, e.g. https://us1.api.central.arubanetworks.com";
    let uri: ureq::http::Uri = text
        .parse()
        .map_err(|_| invalid(s, &raw, format!("{text:?} is not a URL"), expected))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    if !scheme_ok || uri.host().is_none_or(str::is_empty) || uri.query().is_some() {
        return Err(invalid(
            s,
            &raw,
            format!("{text:?} is not an http(s) URL"),
            expected,
        ));
    }
    Ok((text, true))
}

/// Checks an http(s) URL given exactly (no trailing-slash stripping).
fn check_url(s: &Setting, raw: &Raw, text: &str) -> Result<(), ConfigError> {
    let expected = "an http:// or https:// URL with a host, e.g. http://127.0.0.1:4318/v1/traces";
    let uri: ureq::http::Uri = text
        .parse()
        .map_err(|_| invalid(s, raw, format!("{text:?} is not a URL"), expected))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none_or(str::is_empty) {
        return Err(invalid(
            s,
            raw,
            format!("{text:?} is not an http(s) URL"),
            expected,
        ));
    }
    Ok(())
}

/// Parses the W3C-baggage-like `key=value,key2=value2` list of the OTel spec (values
/// percent-decoded, blanks around entries ignored).
fn parse_key_values(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (index, entry) in text.split(',').enumerate() {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let Some((key, value)) = entry.split_once('=') else {
            return Err(format!("entry {} has no '='", index + 1));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("entry {} has an empty key", index + 1));
        }
        let value = percent_encoding::percent_decode_str(value.trim())
            .decode_utf8()
            .map_err(|_| format!("entry {} is not UTF-8 once percent-decoded", index + 1))?;
        out.push((key.to_string(), value.into_owned()));
    }
    Ok(out)
}

/// Parses `OTEL_EXPORTER_OTLP_HEADERS`; the error never echoes a value (they hold API keys).
fn parse_headers(env: &'static str, text: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let bad = |problem: String| ConfigError::Invalid {
        setting: env,
        origin: String::new(),
        problem,
        expected: "comma-separated name=value pairs with percent-encoded values, e.g. \
                   x-api-key=abc123,x-team=noc",
    };
    let pairs = parse_key_values(text).map_err(bad)?;
    for (name, value) in &pairs {
        let name_ok = ureq::http::HeaderName::from_bytes(name.as_bytes()).is_ok();
        if !name_ok {
            return Err(bad(format!("{name:?} is not a header name")));
        }
        if ureq::http::HeaderValue::from_str(value).is_err() {
            return Err(bad(format!(
                "the value of {name} is not a valid header value"
            )));
        }
    }
    Ok(pairs)
}

fn parse_list(layers: &Layers<'_>, env: &'static str) -> Option<Vec<String>> {
    let (raw, _) = layers.get(env)?;
    let items: Vec<String> = raw
        .value
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    (!items.is_empty()).then_some(items)
}

fn parse_path(layers: &Layers<'_>, env: &'static str) -> Option<PathBuf> {
    let (raw, _) = layers.get(env)?;
    let text = raw.value.trim();
    (!text.is_empty()).then(|| PathBuf::from(text))
}

/// Reads and flattens the TOML file into key → string.
fn read_file(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let file_err = |problem: String| ConfigError::File {
        path: path.to_path_buf(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|e| file_err(format!("cannot read: {e}")))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| file_err(format!("not valid TOML: {}", e.message())))?;
    let mut out = BTreeMap::new();
    for (key, value) in table {
        if let Some(file_name) = match key.as_str() {
            "client_id" | "client_secret" | "access_token" => Some(format!("aruba_{key}")),
            "langsmith_api_key" | "otel_exporter_otlp_headers" => Some(key.clone()),
            _ => None,
        } {
            return Err(file_err(format!(
                "key {key} is a credential and is not read from the config file; put it in \
                 /etc/aruba-noc-mcp/secrets/{file_name} (mode 0600) or the environment"
            )));
        }
        if setting_by_key(&key).is_none() {
            let valid: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
            return Err(file_err(format!(
                "unknown key {key}; valid keys: {}",
                valid.join(", ")
            )));
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => {
                let mut parts = Vec::new();
                for item in items {
                    match item {
                        toml::Value::String(s) => parts.push(s),
                        _ => {
                            return Err(file_err(format!("key {key}: list items must be strings")));
                        }
                    }
                }
                parts.join(",")
            }
            _ => {
                return Err(file_err(format!(
                    "key {key}: expected a string, number or boolean"
                )));
            }
        };
        out.insert(key, text);
    }
    Ok(out)
}

impl Config {
    /// Loads and validates the configuration from `inputs`.
    pub fn load(inputs: &Inputs) -> Result<Config, ConfigError> {
        let mut layers = Layers::read(inputs)?;
        let file_path = layers.file_path.clone();

        let central = Self::central(&mut layers)?;
        let resilience = ResilienceSettings {
            rate_limit_requests: parse_number(
                &layers,
                "ARUBA_RATE_LIMIT_REQUESTS",
                100,
                1,
                1_000_000,
                "a whole number of requests from 1 to 1000000",
            )?,
            rate_limit_window: parse_seconds(
                &layers,
                "ARUBA_RATE_LIMIT_WINDOW",
                60,
                1,
                86_400,
                "seconds from 1 to 86400 (e.g. 60 or 1m)",
            )?,
            breaker_threshold: parse_number(
                &layers,
                "ARUBA_CIRCUIT_BREAKER_THRESHOLD",
                5,
                1,
                1000,
                "a whole number of consecutive failures from 1 to 1000",
            )?,
            breaker_timeout: parse_seconds(
                &layers,
                "ARUBA_CIRCUIT_BREAKER_TIMEOUT",
                60,
                1,
                3600,
                "seconds from 1 to 3600 (e.g. 60 or 1m)",
            )?,
            retry_after_max: parse_seconds(
                &layers,
                "ARUBA_RETRY_AFTER_MAX",
                60,
                1,
                3600,
                "seconds from 1 to 3600 (e.g. 60 or 1m)",
            )?,
        };
        let metrics = Self::metrics(&layers)?;
        let mcp = Self::mcp(&layers)?;
        let tools = ToolSettings {
            read_only: parse_bool(&layers, "ARUBA_READ_ONLY", false)?,
            toolsets: parse_list(&layers, "ARUBA_TOOLSETS"),
            tools: parse_list(&layers, "ARUBA_TOOLS"),
            actions: parse_bool(&layers, "ARUBA_ACTIONS", false)?,
            actions_confirm: parse_confirm(&layers)?,
            actions_per_minute: parse_number(
                &layers,
                "ARUBA_ACTIONS_PER_MINUTE",
                DEFAULT_ACTIONS_PER_MINUTE,
                1,
                600,
                "a whole number of actions from 1 to 600",
            )?,
        };
        let log = Self::log(&layers)?;
        let langsmith = Self::langsmith(&mut layers)?;
        let analytics = Self::analytics(&layers)?;
        let otlp = Self::otlp(&mut layers)?;

        Ok(Config {
            central,
            resilience,
            metrics,
            mcp,
            tools,
            log,
            langsmith,
            analytics,
            otlp,
            config_file: file_path,
            warnings: layers.warnings,
        })
    }

    fn central(layers: &mut Layers<'_>) -> Result<CentralSettings, ConfigError> {
        let (mut base_url, explicit_base) = parse_url(layers, "ARUBA_BASE_URL", DEFAULT_BASE_URL)?;
        if let Some((raw, s)) = layers.get("ARUBA_CLUSTER") {
            let name = raw.value.trim().to_ascii_lowercase();
            let url = CLUSTERS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, u)| (*u).to_string())
                .ok_or_else(|| {
                    invalid(
                        s,
                        &raw,
                        format!("{name:?} is not a known cluster"),
                        "one of de1, de2, de3, gb1, us1, us2, us4, us5, us6, ca1, in1, jp1, au1, ae1, cn1",
                    )
                })?;
            if explicit_base && url != base_url {
                layers.warnings.push(format!(
                    "ARUBA_BASE_URL ({base_url}) takes precedence over ARUBA_CLUSTER={name}"
                ));
            } else {
                base_url = url;
            }
        }
        let (token_url, _) = parse_url(layers, "ARUBA_TOKEN_URL", DEFAULT_TOKEN_URL)?;
        let credentials = Credentials {
            client_id: layers.secret("ARUBA_CLIENT_ID", "aruba_client_id"),
            client_secret: layers
                .secret("ARUBA_CLIENT_SECRET", "aruba_client_secret")
                .map(Secret::new),
            access_token: layers
                .secret("ARUBA_ACCESS_TOKEN", "aruba_access_token")
                .map(Secret::new),
        };
        let api_timeout = parse_seconds(
            layers,
            "ARUBA_API_TIMEOUT",
            30,
            1,
            600,
            "seconds from 1 to 600 (e.g. 30 or 30s)",
        )?;
        let connect_timeout = parse_seconds(
            layers,
            "ARUBA_CONNECT_TIMEOUT",
            10,
            1,
            120,
            "seconds from 1 to 120 (e.g. 10)",
        )?;
        let call_deadline = parse_seconds(
            layers,
            "ARUBA_CALL_DEADLINE",
            45,
            1,
            3600,
            "seconds from 1 to 3600 (e.g. 45)",
        )?;
        Ok(CentralSettings {
            base_url,
            token_url,
            credentials,
            api_timeout,
            connect_timeout,
            call_deadline,
            http_workers: parse_number(
                layers,
                "ARUBA_HTTP_WORKERS",
                DEFAULT_HTTP_WORKERS,
                1,
                64,
                "a whole number of threads from 1 to 64",
            )?,
            http_queue: parse_number(
                layers,
                "ARUBA_HTTP_QUEUE",
                64,
                1,
                10_000,
                "a whole number from 1 to 10000",
            )?,
            max_response_bytes: parse_number(
                layers,
                "ARUBA_MAX_RESPONSE_BYTES",
                DEFAULT_MAX_RESPONSE_BYTES,
                1024,
                1024 * 1024 * 1024,
                "a number of bytes from 1024 to 1073741824",
            )?,
            token_refresh_buffer: parse_seconds(
                layers,
                "ARUBA_TOKEN_REFRESH_BUFFER",
                120,
                0,
                3600,
                "seconds from 0 to 3600 (e.g. 120)",
            )?,
        })
    }

    fn metrics(layers: &Layers<'_>) -> Result<MetricsSettings, ConfigError> {
        let addr = match layers.get("ARUBA_METRICS_ADDR") {
            None => Some(SocketAddr::from(([127, 0, 0, 1], 9464))),
            Some((raw, s)) => {
                let text = raw.value.trim();
                if matches!(
                    text.to_ascii_lowercase().as_str(),
                    "off" | "none" | "disabled" | ""
                ) {
                    None
                } else {
                    Some(text.parse::<SocketAddr>().map_err(|_| {
                        invalid(
                            s,
                            &raw,
                            format!("{text:?} is not an address"),
                            "IP:PORT (e.g. 127.0.0.1:9464) or off",
                        )
                    })?)
                }
            }
        };
        let cert = parse_path(layers, "ARUBA_METRICS_TLS_CERT");
        let key = parse_path(layers, "ARUBA_METRICS_TLS_KEY");
        let tls = match (cert, key) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => {
                return Err(ConfigError::Inconsistent(
                    "ARUBA_METRICS_TLS_CERT and ARUBA_METRICS_TLS_KEY must be set together \
                     (PEM certificate chain and private key)"
                        .to_string(),
                ));
            }
        };
        Ok(MetricsSettings {
            addr,
            token_file: parse_path(layers, "ARUBA_METRICS_TOKEN_FILE"),
            tls,
        })
    }

    fn mcp(layers: &Layers<'_>) -> Result<McpSettings, ConfigError> {
        let off = |text: &str| {
            matches!(
                text.to_ascii_lowercase().as_str(),
                "off" | "none" | "disabled" | ""
            )
        };
        let socket = match layers.get("ARUBA_MCP_SOCKET") {
            Some((raw, _)) if off(raw.value.trim()) => None,
            Some((raw, _)) => Some(PathBuf::from(raw.value.trim())),
            None => Some(
                layers
                    .inputs
                    .env
                    .get("RUNTIME_DIRECTORY")
                    .and_then(|dirs| dirs.split(':').find(|d| !d.is_empty()))
                    .map_or_else(
                        || PathBuf::from(DEFAULT_MCP_SOCKET),
                        |dir| Path::new(dir).join("mcp.sock"),
                    ),
            ),
        };
        let addr = match layers.get("ARUBA_MCP_ADDR") {
            None => None,
            Some((raw, _)) if off(raw.value.trim()) => None,
            Some((raw, s)) => {
                let text = raw.value.trim();
                Some(text.parse::<SocketAddr>().map_err(|_| {
                    invalid(
                        s,
                        &raw,
                        format!("{text:?} is not an address"),
                        "IP:PORT (e.g. 127.0.0.1:9465) or off",
                    )
                })?)
            }
        };
        let tls = match (
            parse_path(layers, "ARUBA_MCP_TLS_CERT"),
            parse_path(layers, "ARUBA_MCP_TLS_KEY"),
        ) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => {
                return Err(ConfigError::Inconsistent(
                    "ARUBA_MCP_TLS_CERT and ARUBA_MCP_TLS_KEY must be set together \
                     (PEM certificate chain and private key)"
                        .to_string(),
                ));
            }
        };
        let token_file = parse_path(layers, "ARUBA_MCP_TOKEN_FILE");
        let allowed_origins = parse_list(layers, "ARUBA_MCP_ALLOWED_ORIGINS").unwrap_or_default();
        if let Some((raw, s)) = layers.get("ARUBA_MCP_ALLOWED_ORIGINS")
            && let Some(bad) = allowed_origins.iter().find(|o| !is_origin(o))
        {
            return Err(invalid(
                s,
                &raw,
                format!("{bad:?} is not an origin"),
                "comma-separated origins with a scheme, e.g. https://noc.example.com,http://localhost:6274",
            ));
        }
        let http = match addr {
            None => None,
            Some(addr) => {
                if !addr.ip().is_loopback() && (token_file.is_none() || tls.is_none()) {
                    return Err(ConfigError::Inconsistent(format!(
                        "ARUBA_MCP_ADDR={addr} is not a loopback address: serving MCP beyond this \
                         host needs both ARUBA_MCP_TOKEN_FILE (bearer token) and \
                         ARUBA_MCP_TLS_CERT/ARUBA_MCP_TLS_KEY (HTTPS); set them, or listen on \
                         127.0.0.1"
                    )));
                }
                Some(McpHttpSettings {
                    addr,
                    token_file,
                    tls,
                    allowed_origins,
                })
            }
        };
        Ok(McpSettings {
            socket,
            http,
            max_sessions: parse_number(
                layers,
                "ARUBA_MCP_MAX_SESSIONS",
                DEFAULT_MAX_SESSIONS,
                1,
                1024,
                "a whole number of sessions from 1 to 1024",
            )?,
        })
    }

    fn log(layers: &Layers<'_>) -> Result<LogSettings, ConfigError> {
        let filter = match layers.get("ARUBA_LOG") {
            None => "info".to_string(),
            Some((raw, s)) => {
                let text = raw.value.trim().to_string();
                text.parse::<tracing_subscriber::filter::Targets>()
                    .map_err(|e| {
                        invalid(
                            s,
                            &raw,
                            format!("{text:?} is not a log filter ({e})"),
                            "a level (error, warn, info, debug, trace) or target=level pairs, e.g. warn,aruba_noc_mcp=debug",
                        )
                    })?;
                text
            }
        };
        let format = match layers.get("ARUBA_LOG_FORMAT") {
            None => LogFormat::Json,
            Some((raw, s)) => match raw.value.trim().to_ascii_lowercase().as_str() {
                "json" => LogFormat::Json,
                "text" | "pretty" => LogFormat::Text,
                other => {
                    return Err(invalid(
                        s,
                        &raw,
                        format!("{other:?} is not a format"),
                        "json or text",
                    ));
                }
            },
        };
        Ok(LogSettings { filter, format })
    }

    fn langsmith(layers: &mut Layers<'_>) -> Result<LangSmithSettings, ConfigError> {
        let wanted = parse_bool(layers, "LANGSMITH_TRACING", false)?;
        let api_key = layers
            .secret("LANGSMITH_API_KEY", "langsmith_api_key")
            .map(Secret::new);
        if wanted && api_key.is_none() {
            layers.warnings.push(
                "LANGSMITH_TRACING is true but LANGSMITH_API_KEY is not set; analytics stay off"
                    .to_string(),
            );
        }
        let project = layers
            .get("LANGSMITH_PROJECT")
            .map(|(raw, _)| raw.value.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "aruba-noc-server".to_string());
        let (endpoint, _) = parse_url(
            layers,
            "LANGSMITH_ENDPOINT",
            "https://api.smith.langchain.com",
        )?;
        let workspace_id = match layers.get("LANGSMITH_WORKSPACE_ID") {
            None => None,
            Some((raw, s)) => {
                let text = raw.value.trim();
                if text.is_empty() {
                    None
                } else if text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    Some(text.to_string())
                } else {
                    return Err(invalid(
                        s,
                        &raw,
                        format!("{text:?} is not a workspace id"),
                        "the workspace UUID from LangSmith's settings page",
                    ));
                }
            }
        };
        Ok(LangSmithSettings {
            enabled: wanted && api_key.is_some(),
            api_key,
            project,
            endpoint,
            workspace_id,
        })
    }

    fn analytics(layers: &Layers<'_>) -> Result<AnalyticsSettings, ConfigError> {
        let send_arguments = parse_bool(layers, "ARUBA_ANALYTICS_ARGS", true)?;
        let mut redact: Vec<String> = ALWAYS_REDACTED.iter().map(|s| (*s).to_string()).collect();
        for extra in parse_list(layers, "ARUBA_ANALYTICS_REDACT").unwrap_or_default() {
            let extra = extra.to_ascii_lowercase();
            if !redact.contains(&extra) {
                redact.push(extra);
            }
        }
        let flush_interval = parse_seconds(
            layers,
            "ARUBA_ANALYTICS_FLUSH_INTERVAL",
            2,
            1,
            3600,
            "seconds from 1 to 3600 (e.g. 2 or 5s)",
        )?;
        let timeout = parse_seconds(
            layers,
            "ARUBA_ANALYTICS_TIMEOUT",
            5,
            1,
            120,
            "seconds from 1 to 120 (e.g. 5)",
        )?;
        Ok(AnalyticsSettings {
            send_arguments,
            redact,
            queue_size: parse_number(
                layers,
                "ARUBA_ANALYTICS_QUEUE",
                1000,
                1,
                1_000_000,
                "a whole number from 1 to 1000000",
            )?,
            flush_interval,
            timeout,
        })
    }

    fn otlp(layers: &mut Layers<'_>) -> Result<Option<OtlpSettings>, ConfigError> {
        let disabled = parse_bool(layers, "OTEL_SDK_DISABLED", false)?;
        let base = layers
            .get("OTEL_EXPORTER_OTLP_ENDPOINT")
            .is_some_and(|(raw, _)| !raw.value.trim().is_empty());
        let exact = layers
            .get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            .filter(|(raw, _)| !raw.value.trim().is_empty());
        let traces_endpoint = if let Some((raw, s)) = exact {
            // The signal-specific URL is used exactly as given (spec), a trailing slash included.
            check_url(s, &raw, raw.value.trim())?;
            raw.value.trim().to_string()
        } else if base {
            let (url, _) = parse_url(layers, "OTEL_EXPORTER_OTLP_ENDPOINT", "")?;
            format!("{url}/v1/traces")
        } else {
            return Ok(None);
        };
        if let Some((raw, s)) = layers.get("OTEL_EXPORTER_OTLP_PROTOCOL") {
            match raw.value.trim().to_ascii_lowercase().as_str() {
                "http/json" | "" => {}
                "http/protobuf" => layers.warnings.push(
                    "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf: this server sends OTLP/HTTP JSON \
                     (Content-Type: application/json), which OTLP/HTTP receivers accept too"
                        .to_string(),
                ),
                other => {
                    return Err(invalid(
                        s,
                        &raw,
                        format!("{other:?} is not spoken by this server"),
                        "http/json (point the endpoint at the collector's OTLP/HTTP port, usually 4318)",
                    ));
                }
            }
        }
        let mut headers: Vec<(String, Secret)> = Vec::new();
        for (env, file) in [
            ("OTEL_EXPORTER_OTLP_HEADERS", "otel_exporter_otlp_headers"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
                "otel_exporter_otlp_traces_headers",
            ),
        ] {
            let Some(text) = layers.secret(env, file) else {
                continue;
            };
            for (name, value) in parse_headers(env, &text)? {
                headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
                headers.push((name, Secret::new(value)));
            }
        }
        let service_name = layers
            .get("OTEL_SERVICE_NAME")
            .map(|(raw, _)| raw.value.trim().to_string())
            .filter(|v| !v.is_empty());
        let mut resource_attributes = Vec::new();
        if let Some((raw, s)) = layers.get("OTEL_RESOURCE_ATTRIBUTES") {
            for (key, value) in parse_key_values(&raw.value).map_err(|problem| {
                invalid(
                    s,
                    &raw,
                    problem,
                    "comma-separated key=value pairs with percent-encoded values, e.g. \
                     deployment.environment=prod,host.name=noc-1",
                )
            })? {
                resource_attributes.retain(|(k, _): &(String, String)| *k != key);
                resource_attributes.push((key, value));
            }
        }
        // OTEL_SERVICE_NAME wins over a service.name resource attribute (spec).
        let service_name = service_name
            .or_else(|| {
                resource_attributes
                    .iter()
                    .find(|(k, _)| k == "service.name")
                    .map(|(_, v)| v.clone())
            })
            .unwrap_or_else(|| "aruba-noc-mcp".to_string());
        resource_attributes.retain(|(k, _)| k != "service.name");
        if disabled {
            layers
                .warnings
                .push("OTEL_SDK_DISABLED is true: no spans are exported".to_string());
            return Ok(None);
        }
        Ok(Some(OtlpSettings {
            traces_endpoint,
            headers,
            service_name,
            resource_attributes,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(env: &[(&str, &str)]) -> Inputs {
        Inputs {
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            ..Inputs::default()
        }
    }

    fn load(env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::load(&inputs(env))
    }

    #[test]
    fn defaults_match_the_design() {
        let c = load(&[]).unwrap();
        assert_eq!(c.central.base_url, DEFAULT_BASE_URL);
        assert_eq!(c.central.token_url, DEFAULT_TOKEN_URL);
        assert_eq!(c.central.api_timeout, Duration::from_secs(30));
        assert_eq!(c.central.http_workers, 8);
        assert_eq!(c.central.max_response_bytes, 16 * 1024 * 1024);
        assert_eq!(c.resilience.rate_limit_requests, 100);
        assert_eq!(c.resilience.rate_limit_window, Duration::from_secs(60));
        assert_eq!(c.resilience.breaker_threshold, 5);
        assert_eq!(c.resilience.breaker_timeout, Duration::from_secs(60));
        assert_eq!(c.metrics.addr, Some("127.0.0.1:9464".parse().unwrap()));
        assert!(!c.tools.read_only);
        assert_eq!(c.log.filter, "info");
        assert_eq!(c.log.format, LogFormat::Json);
        assert_eq!(c.langsmith.project, "aruba-noc-server");
        assert!(!c.langsmith.enabled);
        assert!(c.central.credentials.missing_reason().is_some());
    }

    #[test]
    fn invalid_values_name_the_setting_and_the_accepted_form() {
        let err = load(&[("ARUBA_API_TIMEOUT", "soon")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ARUBA_API_TIMEOUT"), "{err}");
        assert!(err.contains("seconds from 1 to 600"), "{err}");
        let err = load(&[("ARUBA_HTTP_WORKERS", "0")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ARUBA_HTTP_WORKERS") && err.contains("out of range"),
            "{err}"
        );
        let err = load(&[("ARUBA_BASE_URL", "ftp://x")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ARUBA_BASE_URL") && err.contains("https://"),
            "{err}"
        );
        let err = load(&[("ARUBA_METRICS_ADDR", "localhost")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ARUBA_METRICS_ADDR") && err.contains("IP:PORT"),
            "{err}"
        );
        let err = load(&[("ARUBA_READ_ONLY", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ARUBA_READ_ONLY"), "{err}");
        let err = load(&[("ARUBA_ACTIONS_CONFIRM", "never")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ARUBA_ACTIONS_CONFIRM") && err.contains("auto or elicitation"),
            "{err}"
        );
        let err = load(&[("ARUBA_ACTIONS_PER_MINUTE", "0")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ARUBA_ACTIONS_PER_MINUTE"), "{err}");
        let c = load(&[
            ("ARUBA_ACTIONS", "on"),
            ("ARUBA_ACTIONS_CONFIRM", "elicitation"),
            ("ARUBA_ACTIONS_PER_MINUTE", "2"),
        ])
        .unwrap();
        assert!(c.tools.actions);
        assert_eq!(c.tools.actions_confirm, ConfirmMode::Elicitation);
        assert_eq!(c.tools.actions_per_minute, 2);
        let c = load(&[]).unwrap();
        assert!(!c.tools.actions);
        assert_eq!(c.tools.actions_confirm, ConfirmMode::Auto);
        assert_eq!(c.tools.actions_per_minute, DEFAULT_ACTIONS_PER_MINUTE);
        let err = load(&[("ARUBA_LOG_FORMAT", "xml")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("json or text"), "{err}");
        let err = load(&[("ARUBA_CLUSTER", "mars1")]).unwrap_err().to_string();
        assert!(
            err.contains("ARUBA_CLUSTER") && err.contains("de1"),
            "{err}"
        );
        let err = load(&[("ARUBA_METRICS_TLS_CERT", "/c.pem")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ARUBA_METRICS_TLS_KEY"), "{err}");
    }

    #[test]
    fn mcp_listeners_default_to_the_socket_only() {
        let c = load(&[]).unwrap();
        assert_eq!(c.mcp.socket, Some(PathBuf::from(DEFAULT_MCP_SOCKET)));
        assert_eq!(c.mcp.http, None);
        assert_eq!(c.mcp.max_sessions, DEFAULT_MAX_SESSIONS);
        let c = load(&[("RUNTIME_DIRECTORY", "/run/aruba-noc-mcp-test:/other")]).unwrap();
        assert_eq!(
            c.mcp.socket,
            Some(PathBuf::from("/run/aruba-noc-mcp-test/mcp.sock"))
        );
        let c = load(&[
            ("ARUBA_MCP_SOCKET", "off"),
            ("ARUBA_MCP_ADDR", "127.0.0.1:9465"),
            (
                "ARUBA_MCP_ALLOWED_ORIGINS",
                "http://localhost:6274, https://noc.example.com",
            ),
            ("ARUBA_MCP_MAX_SESSIONS", "4"),
        ])
        .unwrap();
        assert_eq!(c.mcp.socket, None);
        let http = c.mcp.http.unwrap();
        assert_eq!(http.addr, "127.0.0.1:9465".parse().unwrap());
        assert_eq!(
            http.allowed_origins,
            ["http://localhost:6274", "https://noc.example.com"]
        );
        assert_eq!(c.mcp.max_sessions, 4);
    }

    #[test]
    fn mcp_beyond_loopback_needs_a_token_and_tls() {
        let err = load(&[("ARUBA_MCP_ADDR", "0.0.0.0:9465")]).unwrap_err();
        let text = err.to_string();
        for setting in [
            "ARUBA_MCP_ADDR",
            "ARUBA_MCP_TOKEN_FILE",
            "ARUBA_MCP_TLS_CERT",
        ] {
            assert!(text.contains(setting), "{text}");
        }
        let only_token = load(&[
            ("ARUBA_MCP_ADDR", "0.0.0.0:9465"),
            ("ARUBA_MCP_TOKEN_FILE", "/etc/t"),
        ]);
        assert!(only_token.is_err());
        let both = load(&[
            ("ARUBA_MCP_ADDR", "0.0.0.0:9465"),
            ("ARUBA_MCP_TOKEN_FILE", "/etc/t"),
            ("ARUBA_MCP_TLS_CERT", "/etc/c.pem"),
            ("ARUBA_MCP_TLS_KEY", "/etc/k.pem"),
        ])
        .unwrap();
        assert!(both.mcp.http.is_some());
        let err = load(&[("ARUBA_MCP_ALLOWED_ORIGINS", "example.com")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ARUBA_MCP_ALLOWED_ORIGINS"), "{err}");
        let err = load(&[("ARUBA_MCP_MAX_SESSIONS", "0")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ARUBA_MCP_MAX_SESSIONS"), "{err}");
    }

    #[test]
    fn durations_accept_seconds_and_humantime() {
        let c = load(&[
            ("ARUBA_API_TIMEOUT", "2m"),
            ("ARUBA_RATE_LIMIT_WINDOW", "90"),
        ])
        .unwrap();
        assert_eq!(c.central.api_timeout, Duration::from_secs(120));
        assert_eq!(c.resilience.rate_limit_window, Duration::from_secs(90));
    }

    #[test]
    fn flags_override_env_and_env_overrides_file() {
        let dir = std::env::temp_dir().join(format!("anm-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.toml");
        std::fs::write(
            &file,
            "api_timeout = 11\nhttp_workers = 3\ntoolsets = [\"monitoring\", \"clients\"]\nread_only = true\n",
        )
        .unwrap();
        let mut i = inputs(&[("ARUBA_API_TIMEOUT", "22"), ("ARUBA_HTTP_WORKERS", "5")]);
        i.config_file = Some(file.clone());
        i.flags.insert("api_timeout".into(), "33".into());
        let c = Config::load(&i).unwrap();
        assert_eq!(c.central.api_timeout, Duration::from_secs(33));
        assert_eq!(c.central.http_workers, 5);
        assert!(c.tools.read_only);
        assert_eq!(
            c.tools.toolsets,
            Some(vec!["monitoring".to_string(), "clients".to_string()])
        );
        assert_eq!(c.config_file.as_deref(), Some(file.as_path()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn file_errors_name_the_file_and_key() {
        let dir = std::env::temp_dir().join(format!("anm-cfg-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.toml");
        std::fs::write(&file, "api_timout = 3\n").unwrap();
        let mut i = inputs(&[]);
        i.config_file = Some(file.clone());
        let err = Config::load(&i).unwrap_err().to_string();
        assert!(
            err.contains("unknown key api_timout") && err.contains("api_timeout"),
            "{err}"
        );
        std::fs::write(&file, "client_secret = \"s3cr3t\"\n").unwrap();
        let err = Config::load(&i).unwrap_err().to_string();
        assert!(
            err.contains("credential") && !err.contains("s3cr3t"),
            "{err}"
        );
        i.config_file = Some(dir.join("missing.toml"));
        let err = Config::load(&i).unwrap_err().to_string();
        assert!(
            err.contains("missing.toml") && err.contains("cannot read"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn secret_files_win_over_env_and_placeholders_are_absent() {
        let dir = std::env::temp_dir().join(format!("anm-sec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("aruba_client_id"), "file-id\n").unwrap();
        std::fs::write(dir.join("aruba_client_secret"), "your_client_secret").unwrap();
        let mut i = inputs(&[
            ("ARUBA_CLIENT_ID", "env-id"),
            ("ARUBA_CLIENT_SECRET", "env-secret"),
            ("ARUBA_ACCESS_TOKEN", "your_access_token"),
        ]);
        i.secret_dirs = vec![dir.clone()];
        let c = Config::load(&i).unwrap();
        assert_eq!(c.central.credentials.client_id.as_deref(), Some("file-id"));
        // The file holds a placeholder, so the env value is used.
        assert_eq!(
            c.central
                .credentials
                .client_secret
                .as_ref()
                .map(Secret::expose),
            Some("env-secret")
        );
        assert!(c.central.credentials.access_token.is_none());
        assert!(c.central.credentials.missing_reason().is_none());
        assert!(!format!("{c:?}").contains("env-secret"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn cluster_selects_base_url_unless_base_url_is_explicit() {
        let c = load(&[("ARUBA_CLUSTER", "DE1")]).unwrap();
        assert_eq!(
            c.central.base_url,
            "https://de1.api.central.arubanetworks.com"
        );
        let c = load(&[
            ("ARUBA_CLUSTER", "de1"),
            ("ARUBA_BASE_URL", "http://127.0.0.1:9/"),
        ])
        .unwrap();
        assert_eq!(c.central.base_url, "http://127.0.0.1:9");
        assert_eq!(c.warnings.len(), 1);
    }

    #[test]
    fn metrics_can_be_turned_off_and_missing_credentials_explain_what_to_set() {
        let c = load(&[("ARUBA_METRICS_ADDR", "off"), ("ARUBA_CLIENT_ID", "x")]).unwrap();
        assert_eq!(c.metrics.addr, None);
        let reason = c.central.credentials.missing_reason().unwrap();
        assert!(
            reason.contains("ARUBA_CLIENT_SECRET is set but")
                || reason.contains("ARUBA_CLIENT_ID is set but")
        );
        assert!(reason.contains("--simulate"));
    }

    #[test]
    fn analytics_defaults_and_overrides() {
        let c = load(&[]).unwrap();
        assert!(c.analytics.send_arguments);
        assert!(c.analytics.redact.iter().any(|k| k == "password"));
        assert_eq!(c.analytics.queue_size, 1000);
        assert_eq!(c.analytics.flush_interval, Duration::from_secs(2));
        assert_eq!(c.analytics.timeout, Duration::from_secs(5));
        assert!(c.otlp.is_none());
        assert!(c.langsmith.workspace_id.is_none());
        let c = load(&[
            ("LANGSMITH_TRACING", "true"),
            ("LANGSMITH_API_KEY", "lsv2_pt_abc"),
            (
                "LANGSMITH_WORKSPACE_ID",
                "0f6c7b1e-0000-4000-8000-000000000001",
            ),
            ("ARUBA_ANALYTICS_ARGS", "off"),
            ("ARUBA_ANALYTICS_REDACT", "Serial, mac"),
            ("ARUBA_ANALYTICS_QUEUE", "5"),
        ])
        .unwrap();
        assert!(c.langsmith.enabled);
        assert_eq!(
            c.langsmith.workspace_id.as_deref(),
            Some("0f6c7b1e-0000-4000-8000-000000000001")
        );
        assert!(!c.analytics.send_arguments);
        // Extra keys add to the built-in ones, which always stay.
        for key in ["serial", "mac", "secret", "token", "key"] {
            assert!(c.analytics.redact.iter().any(|k| k == key), "{key}");
        }
        assert_eq!(c.analytics.queue_size, 5);
        assert!(!format!("{c:?}").contains("lsv2_pt_abc"));
        let err = load(&[("ARUBA_ANALYTICS_QUEUE", "0")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ARUBA_ANALYTICS_QUEUE"), "{err}");
        let err = load(&[("ARUBA_ANALYTICS_ARGS", "some")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ARUBA_ANALYTICS_ARGS"), "{err}");
        let err = load(&[("LANGSMITH_WORKSPACE_ID", "a b")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("LANGSMITH_WORKSPACE_ID"), "{err}");
    }

    #[test]
    fn otlp_endpoints_headers_and_resource() {
        let c = load(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/")]).unwrap();
        let o = c.otlp.unwrap();
        assert_eq!(o.traces_endpoint, "http://127.0.0.1:4318/v1/traces");
        assert_eq!(o.service_name, "aruba-noc-mcp");
        assert!(o.headers.is_empty());
        let c = load(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "https://otlp.example.com/custom/traces/",
            ),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "x-api-key=abc%3D1, x-team=noc",
            ),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "X-Team=netops"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "service.name=from-attrs,deployment.environment=lab%20one",
            ),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ])
        .unwrap();
        let o = c.otlp.unwrap();
        assert_eq!(o.traces_endpoint, "https://otlp.example.com/custom/traces/");
        let headers: Vec<(&str, &str)> = o
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose()))
            .collect();
        assert_eq!(headers, [("x-api-key", "abc=1"), ("X-Team", "netops")]);
        assert_eq!(o.service_name, "from-attrs");
        assert_eq!(
            o.resource_attributes,
            [("deployment.environment".to_string(), "lab one".to_string())]
        );
        assert!(
            !format!("{o:?}").contains("abc=1"),
            "header values are secrets"
        );
        let c = load(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
            ("OTEL_SERVICE_NAME", "noc-7"),
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=other"),
        ])
        .unwrap();
        assert_eq!(c.otlp.unwrap().service_name, "noc-7");
        let c = load(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
            ("OTEL_SDK_DISABLED", "true"),
        ])
        .unwrap();
        assert!(c.otlp.is_none());
    }

    #[test]
    fn bad_otlp_values_name_the_variable_and_hide_header_values() {
        let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318");
        let err = load(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "{err}");
        let err = load(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "grpc://x")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), "{err}");
        let err = load(&[base, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("OTEL_EXPORTER_OTLP_PROTOCOL") && err.contains("http/json"),
            "{err}"
        );
        let err = load(&[base, ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key:topsecret")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("OTEL_EXPORTER_OTLP_HEADERS"), "{err}");
        assert!(!err.contains("topsecret"), "{err}");
        let err = load(&[base, ("OTEL_EXPORTER_OTLP_HEADERS", "bad name=topsecret")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a header name") && !err.contains("topsecret"),
            "{err}"
        );
        let err = load(&[base, ("OTEL_RESOURCE_ATTRIBUTES", "=x")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("OTEL_RESOURCE_ATTRIBUTES"), "{err}");
        let c = load(&[base, ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")]).unwrap();
        assert!(c.otlp.is_some());
        assert!(c.warnings.iter().any(|w| w.contains("http/protobuf")));
    }
}
