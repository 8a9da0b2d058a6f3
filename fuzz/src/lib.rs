//! The fuzz harness: one function per target, each taking raw bytes, driving the server's real
//! parsing code and asserting what must hold for any input (besides "does not panic").
//!
//! `fuzz_targets/*.rs` call these under libFuzzer; `tests/fuzz_corpus.rs` in the main crate
//! includes this file and replays the committed seeds and regression inputs through the same
//! functions in plain `cargo test`.
//!
//! Input layouts (so seeds can be written by hand):
//! - `tool_args`: `[tool index] JSON-object` — decode + validate the arguments of tool
//!   `index % N` (catalogue order); valid arguments are then run against an in-memory Central
//!   answering `{}` and every URL the tool sends must be well-formed and percent-encoded.
//! - `responses`: `[tool index] [status selector] [flags] body` — run the tool with sample
//!   arguments against an in-memory Central that answers every API request with `body` and the
//!   selected status (flags: bit 0 — the token endpoint gets the body instead of a valid token;
//!   bit 1 — `Retry-After` is the body's first line; bit 2 — so is `X-RateLimit-Reset`).
//! - `error_envelope`: an HTTP error body.
//! - `headers`: a `Retry-After` / `X-RateLimit-Reset` value.
//! - `odata`: strings separated by `\x01` — quoted, joined and sent as `get_device_list`'s
//!   `site_name` and `filter`.
//! - `config`: `TOML file \x00 [key selector] value \x00 …` — flags (selector bit 7) or
//!   environment variables for `Config::load`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aruba_noc_mcp::central::transport::{Responder, ResponseHeaders};
use aruba_noc_mcp::central::{
    ApiError, Central, ErrorEnvelope, HttpRequest, HttpResponse, Method, Transport,
};
use aruba_noc_mcp::config::{CentralSettings, Config, Inputs, ResilienceSettings, SETTINGS};
use aruba_noc_mcp::resilience::retry::{parse_rate_limit_reset, parse_retry_after};
use aruba_noc_mcp::resilience::{AttemptFailure, RetryPolicy};
use aruba_noc_mcp::tools::{self, ToolContext, ToolSpec, args};
use serde_json::{Map, Value, json};

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// Every target, by name, for the corpus replay.
pub const TARGETS: &[(&str, Target)] = &[
    ("tool_args", tool_args),
    ("responses", responses),
    ("error_envelope", error_envelope),
    ("headers", headers),
    ("odata", odata),
    ("config", config),
];

/// The client secret the in-memory Central is configured with; must never show in a result.
pub const SECRET: &str = "fz-secret-7c1e0b9a44d2";
/// The bearer token the in-memory token endpoint issues; must never show in a result.
pub const TOKEN: &str = "fz-token-5a8d3f1b20e6";
/// The base URL the in-memory Central is configured with.
pub const BASE_URL: &str = "http://central.fuzz";
/// The token URL the in-memory Central is configured with.
pub const TOKEN_URL: &str = "http://sso.fuzz/as/token.oauth2";

/// Statuses the `responses` target picks from.
pub const STATUSES: &[u16] = &[
    200, 200, 200, 201, 202, 204, 400, 401, 404, 409, 429, 500, 503,
];

/// Format-valid arguments for every tool that needs some (others get `{}`); the in-memory
/// Central answers whatever they ask.
pub fn sample_args(tool: &str) -> Value {
    const SERIAL: &str = "CNK7ABC123";
    const MAC: &str = "aa:bb:cc:dd:ee:01";
    match tool {
        "get_switch_details"
        | "get_ap_radios"
        | "get_gateway_uplinks"
        | "get_switch_interfaces"
        | "get_ap_cpu_utilization" => json!({"serial": SERIAL}),
        "get_ap_details" | "get_gateway_details" => json!({"serial_number": SERIAL}),
        "list_all_clients" => json!({"site_id": "24833497"}),
        "get_wlan_details" => json!({"wlan_name": "Corp-WiFi", "site_id": "24833497"}),
        "get_gateway_cluster_info" | "list_gateway_tunnels" => {
            json!({"cluster_name": "cluster-1"})
        }
        "get_stack_members" => json!({"stack_id": "ST-sjc-01"}),
        "find_device" => json!({"query": SERIAL}),
        "find_client" => json!({"query": MAC}),
        "get_client_details" => json!({"mac_address": MAC}),
        "get_async_test_result" => json!({
            "location": "/network-troubleshooting/v1/aps/CNK7ABC123/ping/async-operations/0b7e5a4c-1d2e-4f3a-9b8c-7d6e5f4a3b2c",
            "timeout_seconds": 5
        }),
        t if t.starts_with("ping_from_") || t.starts_with("traceroute_from_") => {
            json!({"serial": SERIAL, "destination": "8.8.8.8", "timeout_seconds": 5})
        }
        _ => json!({}),
    }
}

/// The catalogue without the device actions (they need an MCP session to confirm) and without
/// the troubleshooting tools added after the seeds (the committed seeds index this list), built
/// once.
pub fn catalogue() -> &'static [ToolSpec] {
    static CATALOGUE: OnceLock<Vec<ToolSpec>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        tools::catalogue()
            .into_iter()
            .filter(|t| t.access != tools::Access::Action)
            .filter(|t| !tools::TROUBLESHOOT_NAMES.contains(&t.name()))
            .collect()
    })
}

fn settings() -> &'static (CentralSettings, ResilienceSettings) {
    static SETTINGS_ONCE: OnceLock<(CentralSettings, ResilienceSettings)> = OnceLock::new();
    SETTINGS_ONCE.get_or_init(|| {
        let env: HashMap<String, String> = [
            ("ARUBA_BASE_URL", BASE_URL),
            ("ARUBA_TOKEN_URL", TOKEN_URL),
            ("ARUBA_CLIENT_ID", "fuzz-client"),
            ("ARUBA_CLIENT_SECRET", SECRET),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let config = Config::load(&Inputs {
            env,
            ..Inputs::default()
        })
        .expect("the fuzz configuration is valid");
        (config.central, config.resilience)
    })
}

thread_local! {
    // Paused time: retry backoffs, limiter waits and diagnostics polls advance instantly.
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
}

/// Runs `spec` with `arguments` against an in-memory Central answered by `responder`.
pub fn run_tool(
    spec: &ToolSpec,
    arguments: Map<String, Value>,
    responder: Responder,
) -> CallResult {
    let (central, resilience) = settings();
    let central = Arc::new(Central::with_transport(
        central.clone(),
        resilience,
        Transport::in_memory(responder),
    ));
    let ctx = ToolContext::new(central).with_max_duration(spec.max_duration);
    let result = RUNTIME.with(|rt| rt.block_on(spec.call(ctx, arguments)));
    CallResult::of(&result)
}

/// A valid token endpoint answer issuing [`TOKEN`].
pub fn token_response() -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: ResponseHeaders::default(),
        body: format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":7199}}"#)
            .into_bytes(),
    }
}

/// Checks what every tool result must satisfy.
fn check_result(tool: &str, result: &CallResult, input: &[u8]) {
    if result.is_error {
        assert!(!result.text.trim().is_empty(), "{tool}: an empty error");
    } else {
        assert!(
            result.structured.as_ref().is_some_and(Value::is_object),
            "{tool}: success without structured content: {}",
            result.text
        );
    }
    let input = String::from_utf8_lossy(input);
    for secret in [SECRET, TOKEN] {
        if !input.contains(secret) {
            assert!(
                !result.all.contains(secret),
                "{tool}: a credential leaked into the result: {}",
                result.all
            );
        }
    }
}

/// Characters allowed in a URL the client sends: unreserved, `%` escapes and the delimiters
/// the request builder itself writes.
fn assert_well_formed_url(url: &str) {
    assert!(url.starts_with(BASE_URL), "{url}");
    let rest = &url[BASE_URL.len()..];
    assert!(rest.starts_with('/'), "{url}");
    for c in rest.chars() {
        assert!(
            c.is_ascii_alphanumeric() || "-._~%/?&=:".contains(c),
            "unencoded {c:?} in {url}"
        );
    }
    let bytes = rest.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let hex = bytes.get(i + 1..i + 3).unwrap_or(&[]);
            assert!(
                hex.len() == 2 && hex.iter().all(u8::is_ascii_hexdigit),
                "bad escape in {url}"
            );
        }
    }
    assert!(rest.matches('?').count() <= 1, "{url}");
}

/// Query parameters of `url`, percent-decoded.
pub fn query_params(url: &str) -> Vec<(String, String)> {
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}

fn pick(index: u8) -> &'static ToolSpec {
    let all = catalogue();
    &all[usize::from(index) % all.len()]
}

/// Target `tool_args`: argument decoding and validation for every tool, then request building.
pub fn tool_args(data: &[u8]) {
    let Some((&index, json)) = data.split_first() else {
        return;
    };
    let Ok(Value::Object(arguments)) = serde_json::from_slice::<Value>(json) else {
        return;
    };
    let spec = pick(index);
    let name = spec.name().to_string();
    match spec.check_arguments(arguments.clone()) {
        Err(e) => {
            assert!(
                matches!(e.kind(), "invalid_arguments" | "site_required"),
                "{name}: {e:?}"
            );
            assert!(!e.to_string().is_empty());
        }
        Ok(()) => {
            let urls = Arc::new(Mutex::new(Vec::new()));
            let seen = Arc::clone(&urls);
            let responder: Responder = Arc::new(move |request: &HttpRequest| {
                if request.url == TOKEN_URL {
                    return Ok(token_response());
                }
                seen.lock().unwrap().push(request.url.clone());
                Ok(HttpResponse {
                    status: 200,
                    headers: ResponseHeaders::default(),
                    body: b"{}".to_vec(),
                })
            });
            let result = run_tool(spec, arguments, responder);
            check_result(&name, &result, data);
            for url in urls.lock().unwrap().iter() {
                assert_well_formed_url(url);
            }
        }
    }
}

/// Target `responses`: every tool's mapping of Central's answers, valid JSON of the wrong shape
/// and non-JSON included, plus the token endpoint's answer and the retry headers.
pub fn responses(data: &[u8]) {
    let [index, status, flags, body @ ..] = data else {
        return;
    };
    let spec = pick(*index);
    let status = STATUSES[usize::from(*status) % STATUSES.len()];
    let token_gets_body = flags & 1 != 0;
    let first_line = String::from_utf8_lossy(body.split(|b| *b == b'\n').next().unwrap_or(&[]))
        .chars()
        .take(64)
        .collect::<String>();
    let headers = ResponseHeaders {
        retry_after: (flags & 2 != 0).then(|| first_line.clone()),
        rate_limit_reset: (flags & 4 != 0).then(|| first_line.clone()),
        ..ResponseHeaders::default()
    };
    let body = body.to_vec();
    let responder: Responder = Arc::new(move |request: &HttpRequest| {
        let answer = HttpResponse {
            status,
            headers: headers.clone(),
            body: body.clone(),
        };
        if request.url == TOKEN_URL {
            return Ok(if token_gets_body {
                answer
            } else {
                token_response()
            });
        }
        assert!(
            request
                .headers
                .iter()
                .any(|(k, v)| *k == "Authorization" && v.starts_with("Bearer ")),
            "an API request without a bearer token"
        );
        assert!(request.method == Method::Get || request.body.is_some());
        Ok(answer)
    });
    let name = spec.name().to_string();
    let Value::Object(arguments) = sample_args(&name) else {
        unreachable!("sample arguments are objects");
    };
    let result = run_tool(spec, arguments, responder);
    check_result(&name, &result, data);
}

/// Target `error_envelope`: Central's error body, and the error message built from it.
pub fn error_envelope(data: &[u8]) {
    let envelope = ErrorEnvelope::parse(data);
    for field in [&envelope.error_code, &envelope.message, &envelope.debug_id]
        .into_iter()
        .flatten()
    {
        assert!(field.chars().count() <= 513, "unbounded field: {field:?}");
        assert!(!field.is_empty());
    }
    let error = ApiError::Http {
        call: "GET /network-monitoring/v1/devices".to_string(),
        status: 500,
        envelope,
        retry_after: None,
    };
    let message = error.to_string();
    assert!(message.contains("HTTP 500"), "{message}");
    assert!(message.chars().count() < 2_000, "{message}");
    assert!(!error.advice().is_empty());
}

/// Target `headers`: `Retry-After` and `X-RateLimit-Reset`, and the retry decision using them.
pub fn headers(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let policy = RetryPolicy::default();
    for now in [
        UNIX_EPOCH,
        UNIX_EPOCH + Duration::from_secs(1_783_591_200),
        SystemTime::now(),
    ] {
        let waits = [
            parse_retry_after(&value, now),
            parse_rate_limit_reset(&value, now),
        ];
        for wait in waits.into_iter().flatten() {
            let failure = AttemptFailure::Status {
                status: 429,
                server_wait: Some(wait),
            };
            let _ = policy.decide(true, 1, failure, Duration::from_secs(30), 0.5);
        }
        if let Some(wait) = parse_retry_after(&value, now)
            && value.trim().parse::<f64>().is_ok()
        {
            assert!(wait <= Duration::from_secs(86_400), "{value:?}: {wait:?}");
        }
    }
}

/// Target `odata`: OData quoting and joining, and the filter a list tool sends for arbitrary
/// site names and raw filters.
pub fn odata(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parts: Vec<&str> = text.split('\u{1}').collect();
    for part in &parts {
        let quoted = args::odata_quote(part);
        let inner = quoted
            .strip_prefix('\'')
            .and_then(|q| q.strip_suffix('\''))
            .expect("quoted in single quotes");
        assert!(
            !inner.replace("''", "").contains('\''),
            "lone quote in {quoted}"
        );
        assert_eq!(inner.replace("''", "'"), *part);
    }
    let terms: Vec<String> = parts
        .iter()
        .map(|p| format!("siteName eq {}", args::odata_quote(p)))
        .collect();
    let total = terms.iter().map(String::len).sum::<usize>() + 5 * (terms.len() - 1);
    match args::odata_and(terms) {
        Ok(Some(filter)) => assert!(filter.len() <= 256 && filter.len() == total),
        Ok(None) => unreachable!("at least one term"),
        Err(e) => assert!(total > 256, "{e}"),
    }

    // Through get_device_list: the sent filter carries the site name quoted, and nothing the
    // caller typed adds query parameters.
    let Some(spec) = catalogue().iter().find(|t| t.name() == "get_device_list") else {
        return;
    };
    let site = parts[0];
    let mut arguments = Map::new();
    arguments.insert("site_name".into(), Value::from(site));
    if let Some(filter) = parts.get(1) {
        arguments.insert("filter".into(), Value::from(*filter));
    }
    if spec.check_arguments(arguments.clone()).is_err() {
        return;
    }
    let urls = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&urls);
    let responder: Responder = Arc::new(move |request: &HttpRequest| {
        if request.url == TOKEN_URL {
            return Ok(token_response());
        }
        seen.lock().unwrap().push(request.url.clone());
        Ok(HttpResponse {
            status: 200,
            headers: ResponseHeaders::default(),
            body: br#"{"items":[],"total":0}"#.to_vec(),
        })
    });
    let result = run_tool(spec, arguments, responder);
    check_result("get_device_list", &result, data);
    let urls = urls.lock().unwrap();
    if result.is_error {
        return;
    }
    let url = urls.last().expect("the devices request");
    assert_well_formed_url(url);
    let params = query_params(url);
    let allowed = BTreeMap::from([("filter", ()), ("sort", ()), ("limit", ()), ("next", ())]);
    for (k, _) in &params {
        assert!(
            allowed.contains_key(k.as_str()),
            "unexpected parameter {k:?} in {url}"
        );
    }
    let filter = params
        .iter()
        .find(|(k, _)| k == "filter")
        .map(|(_, v)| v.as_str());
    // A blank site name is no site name (found by this target: the empty input).
    if !site.trim().is_empty() {
        let expected = format!("siteName eq {}", args::odata_quote(site.trim()));
        let filter = filter.unwrap_or_default();
        assert!(filter.contains(&expected), "{filter:?} lacks {expected:?}");
    }
}

/// Secret-bearing variables the `config` target may also set.
const SECRET_ENV: &[&str] = &[
    "ARUBA_CLIENT_ID",
    "ARUBA_CLIENT_SECRET",
    "ARUBA_ACCESS_TOKEN",
    "LANGSMITH_API_KEY",
];

/// Target `config`: the TOML file, flags and environment merged by `Config::load`.
pub fn config(data: &[u8]) {
    let mut segments = data.split(|b| *b == 0);
    let file_text = segments.next().unwrap_or(&[]);
    let mut inputs = Inputs::default();
    inputs
        .env
        .insert("ARUBA_CLIENT_SECRET".to_string(), SECRET.to_string());
    let path = std::env::temp_dir().join(format!(
        "aruba-noc-mcp-fuzz-{}-{:?}.toml",
        std::process::id(),
        std::thread::current().id()
    ));
    if !file_text.is_empty() {
        std::fs::write(&path, file_text).expect("temp file");
        inputs.config_file = Some(path.clone());
    }
    for segment in segments {
        let Some((&selector, value)) = segment.split_first() else {
            continue;
        };
        let value = String::from_utf8_lossy(value).into_owned();
        let index = usize::from(selector & 0x7f) % (SETTINGS.len() + SECRET_ENV.len());
        match SETTINGS.get(index) {
            Some(s) if selector & 0x80 != 0 => {
                inputs.flags.insert(s.key.to_string(), value);
            }
            Some(s) => {
                inputs.env.insert(s.env.to_string(), value);
            }
            None => {
                let env = SECRET_ENV[index - SETTINGS.len()];
                inputs.env.insert(env.to_string(), value);
            }
        }
    }
    let outcome = Config::load(&inputs);
    let _ = std::fs::remove_file(&path);
    let shown = match &outcome {
        Ok(config) => format!("{config:?}"),
        Err(e) => e.to_string(),
    };
    if inputs.env.get("ARUBA_CLIENT_SECRET").map(String::as_str) == Some(SECRET)
        // A value that spells the secret (in any case) was given in a plain setting, which may
        // echo it (lower-cased, e.g. ARUBA_CLUSTER): not a leak of the secret.
        && !String::from_utf8_lossy(data)
            .to_ascii_lowercase()
            .contains(SECRET)
    {
        assert!(!shown.contains(SECRET), "the client secret leaked: {shown}");
    }
    if let Err(e) = &outcome {
        assert!(!e.to_string().is_empty());
    }
}

/// A tool result reduced to what the checks need: `isError`, the text blocks,
/// `structuredContent` and the whole result as JSON text.
pub struct CallResult {
    /// `isError`.
    pub is_error: bool,
    /// The text blocks, joined.
    pub text: String,
    /// `structuredContent`.
    pub structured: Option<Value>,
    /// The whole result as JSON text.
    pub all: String,
}

impl CallResult {
    fn of<T: serde::Serialize>(result: &T) -> CallResult {
        let value = serde_json::to_value(result).unwrap_or(Value::Null);
        let text = value["content"]
            .as_array()
            .map(|blocks| {
                blocks
                    .iter()
                    .filter_map(|b| b["text"].as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        CallResult {
            is_error: value["isError"] == Value::Bool(true),
            text,
            structured: value.get("structuredContent").cloned(),
            all: value.to_string(),
        }
    }
}
