//! LangSmith tool-usage analytics (opt-in: `LANGSMITH_TRACING=true` and `LANGSMITH_API_KEY`).
//!
//! Runs, per ../shared/CONVENTIONS.md §5, sent with `POST {LANGSMITH_ENDPOINT}/runs/batch`:
//!
//! - one root run per MCP session (this process): `name: "mcp_session"`, `run_type: "chain"`,
//!   posted when the server starts and patched with its end time and a summary (tool calls,
//!   errors) at shutdown, so every tool run of the session shares its `trace_id` and the trace
//!   view shows the session's flow even while it runs (or if the process is killed);
//! - one `run_type: "tool"` run per tool call, named after the tool: `inputs` = the redacted
//!   arguments, `outputs` = `{outcome, items, truncated}` (never the upstream response), `error` =
//!   the error text;
//! - a `chain` child run per upstream attempt (`GET /network-monitoring/v1/devices`, with
//!   status, attempt, error kind) and per token refresh (`token_refresh`).
//! - a `chain` child run `device_action` per audited step of a device action (preview,
//!   confirmation, decline, refusal, execution, failure): `inputs` = tool, action, device serial,
//!   ports, MCP session and call ids, and the call's redacted arguments; `outputs` = `{outcome,
//!   detail}`; `error` when the action failed.
//!
//! Every run carries `id` (UUIDv7), `trace_id`, `parent_run_id`, `dotted_order`, `start_time`,
//! `end_time` (RFC 3339 UTC), `session_name` (the project) and `extra.metadata` (server version,
//! MCP request id, call id). Runs are posted once they are complete; children close, and so are
//! queued, before their parents.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use serde_json::{Map, Value, json};
use tracing_subscriber::registry::LookupSpan;

use super::export::{Encoder, Endpoint, Exporter};
use super::ids;
use super::metrics;
use super::redact::cut;
use super::spans::{FinishedSpan, Session, SpanKind, SpanLayer, SpanRecord, SpanSink};
use crate::config::{AnalyticsSettings, LangSmithSettings, Secret};

/// Longest error text sent (in characters).
const MAX_ERROR: usize = 4000;
/// Runs per `POST /runs/batch`.
const MAX_BATCH: usize = 100;

/// Keeps a tool call's arguments (redacted per the policy) on its `tool_call` span for the
/// LangSmith run's `inputs`. They go into the span's extensions, never into a field, so no log
/// line can show them. Does nothing when LangSmith is off, arguments are off, or `span` is not a
/// `tool_call` span.
pub fn attach_arguments(span: &tracing::Span, arguments: &Map<String, Value>) {
    span.with_subscriber(|(id, dispatch)| {
        let Some(redactor) = dispatch
            .downcast_ref::<SpanLayer>()
            .and_then(|layer| layer.redactor.as_ref())
        else {
            return;
        };
        let Some(registry) = dispatch.downcast_ref::<tracing_subscriber::Registry>() else {
            return;
        };
        let Some(span) = registry.span(id) else {
            return;
        };
        let mut ext = span.extensions_mut();
        if let Some(record) = ext.get_mut::<SpanRecord>()
            && record.is_tool_call()
        {
            record.arguments = redactor.apply(arguments);
        }
    });
}

/// What the LangSmith queue carries.
#[derive(Debug)]
pub enum Item {
    /// Post the session root.
    SessionStart,
    /// Patch the session root with its end.
    SessionEnd {
        /// When the session ended.
        end: SystemTime,
        /// Tool calls in the session.
        tool_calls: u64,
        /// Of which failed.
        tool_errors: u64,
    },
    /// A finished span.
    Span(Arc<FinishedSpan>),
}

/// The LangSmith sink: counts the session's tool calls and queues runs.
#[derive(Debug)]
pub struct LangSmith {
    exporter: Exporter<Item>,
    tool_calls: AtomicU64,
    tool_errors: AtomicU64,
}

impl LangSmith {
    /// Starts the exporter thread and queues the session root.
    pub fn start(
        settings: &LangSmithSettings,
        analytics: &AnalyticsSettings,
        session: Session,
        with_otlp: bool,
    ) -> std::io::Result<LangSmith> {
        let mut headers = Vec::new();
        if let Some(key) = &settings.api_key {
            headers.push(("x-api-key".to_string(), key.clone()));
        }
        if let Some(workspace) = &settings.workspace_id {
            headers.push(("x-tenant-id".to_string(), Secret::new(workspace.as_str())));
        }
        let endpoint = Endpoint {
            name: "LangSmith",
            url: format!("{}/runs/batch", settings.endpoint.trim_end_matches('/')),
            headers,
            dropped_metric: metrics::ANALYTICS_DROPPED,
            sent_metric: metrics::ANALYTICS_RUNS_SENT,
            queue: analytics.queue_size,
            max_batch: MAX_BATCH,
            interval: analytics.flush_interval,
            timeout: analytics.timeout,
        };
        let encoder = RunEncoder {
            project: settings.project.clone(),
            session,
            with_otlp,
        };
        let exporter = Exporter::start(endpoint, encoder)?;
        exporter.offer(Item::SessionStart, 1);
        Ok(LangSmith {
            exporter,
            tool_calls: AtomicU64::new(0),
            tool_errors: AtomicU64::new(0),
        })
    }

    /// Queues the session's end and asks the thread to send everything and stop by `deadline`.
    pub fn begin_shutdown(&self, deadline: Instant) {
        self.exporter.offer(
            Item::SessionEnd {
                end: SystemTime::now(),
                tool_calls: self.tool_calls.load(Ordering::Relaxed),
                tool_errors: self.tool_errors.load(Ordering::Relaxed),
            },
            1,
        );
        self.exporter.begin_shutdown(deadline);
    }

    /// Waits for the last batch until `deadline`; true when it was sent (or dropped) in time.
    pub fn wait(&self, deadline: Instant) -> bool {
        self.exporter.wait(deadline)
    }
}

impl SpanSink for LangSmith {
    fn export(&self, span: &Arc<FinishedSpan>) {
        if span.kind == SpanKind::ToolCall {
            self.tool_calls.fetch_add(1, Ordering::Relaxed);
            if span.failed() {
                self.tool_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.exporter.offer(Item::Span(Arc::clone(span)), 1);
    }
}

/// Builds `{"post": [...], "patch": [...]}` bodies.
#[derive(Debug)]
pub struct RunEncoder {
    /// `session_name` of every run.
    pub project: String,
    /// The session root.
    pub session: Session,
    /// Whether OTLP export is on (then runs name their OTLP trace id).
    pub with_otlp: bool,
}

impl Encoder for RunEncoder {
    type Item = Item;

    fn weight(&self, _: &Item) -> u64 {
        1
    }

    fn encode(&mut self, batch: &[Item]) -> Vec<u8> {
        let mut post = Vec::new();
        let mut patch = Vec::new();
        let starts = batch.iter().any(|i| matches!(i, Item::SessionStart));
        for item in batch {
            match item {
                // Posted together with its end when both are in this batch.
                Item::SessionStart => {
                    if !batch.iter().any(|i| matches!(i, Item::SessionEnd { .. })) {
                        post.push(self.session_run(None));
                    }
                }
                Item::SessionEnd {
                    end,
                    tool_calls,
                    tool_errors,
                } => {
                    let run = self.session_run(Some((*end, *tool_calls, *tool_errors)));
                    if starts {
                        post.push(run)
                    } else {
                        patch.push(run)
                    }
                }
                Item::Span(span) => post.push(self.span_run(span)),
            }
        }
        let mut body = Map::new();
        if !post.is_empty() {
            body.insert("post".into(), Value::Array(post));
        }
        if !patch.is_empty() {
            body.insert("patch".into(), Value::Array(patch));
        }
        serde_json::to_vec(&Value::Object(body)).unwrap_or_default()
    }
}

impl RunEncoder {
    fn metadata(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("server".into(), json!(crate::telemetry::SERVER_NAME));
        m.insert("server_version".into(), json!(env!("CARGO_PKG_VERSION")));
        m
    }

    /// The session root, open (`None`) or closed with its summary.
    pub fn session_run(&self, end: Option<(SystemTime, u64, u64)>) -> Value {
        let s = &self.session;
        let mut metadata = self.metadata();
        metadata.insert("pid".into(), json!(std::process::id()));
        let mut run = json!({
            "id": s.id.to_string(),
            "trace_id": s.id.to_string(),
            "dotted_order": s.dotted_order,
            "name": "mcp_session",
            "run_type": "chain",
            "start_time": ids::rfc3339(s.start),
            "session_name": self.project,
            "inputs": {"server": crate::telemetry::SERVER_NAME, "version": env!("CARGO_PKG_VERSION")},
            "extra": {"metadata": metadata},
            "tags": ["aruba-noc-mcp", "mcp-session"],
        });
        if let Some((end, calls, errors)) = end {
            let end = ids::to_micros(end).max(s.start);
            run["end_time"] = json!(ids::rfc3339(end));
            run["outputs"] = json!({"tool_calls": calls, "tool_errors": errors});
        }
        run
    }

    /// One finished span as a run.
    pub fn span_run(&self, span: &FinishedSpan) -> Value {
        let mut metadata = self.metadata();
        if let Some((request_id, call_id)) = &span.call {
            metadata.insert("request_id".into(), json!(request_id));
            metadata.insert("call_id".into(), json!(call_id));
        }
        if self.with_otlp {
            metadata.insert("otel_trace_id".into(), json!(ids::hex(&span.trace_id)));
            metadata.insert("otel_span_id".into(), json!(ids::hex(&span.span_id)));
        }
        let field = |name: &str| span.field(name).map(super::spans::FieldValue::to_json);
        let pick = |names: &[&str]| -> Map<String, Value> {
            names
                .iter()
                .filter_map(|n| field(n).map(|v| ((*n).to_string(), v)))
                .collect()
        };
        let (name, run_type, inputs, outputs, error, tag) = match span.kind {
            SpanKind::ToolCall => {
                let error = span.failed().then(|| {
                    span.str("error")
                        .map_or_else(|| "tool call failed".to_string(), |e| cut(e, MAX_ERROR))
                });
                (
                    span.str("tool").unwrap_or("tool_call").to_string(),
                    "tool",
                    span.arguments.clone().unwrap_or_else(|| json!({})),
                    pick(&["outcome", "action", "items", "truncated"]),
                    error,
                    "mcp-tool",
                )
            }
            SpanKind::CentralRequest => {
                for key in ["attempt", "status"] {
                    if let Some(v) = field(key) {
                        metadata.insert(key.into(), v);
                    }
                }
                let method = span.str("method").unwrap_or("GET");
                let endpoint = span.str("endpoint").unwrap_or("unknown");
                let error =
                    span.failed()
                        .then(|| match (span.str("error_kind"), span.u64("status")) {
                            (Some(kind), Some(status)) => format!("{kind} (HTTP {status})"),
                            (Some(kind), None) => kind.to_string(),
                            (None, Some(status)) => format!("HTTP {status}"),
                            (None, None) => "request failed".to_string(),
                        });
                (
                    format!("{method} {endpoint}"),
                    "chain",
                    Value::Object(pick(&["method", "endpoint", "attempt"])),
                    pick(&["status", "error_kind"]),
                    error,
                    "central-api",
                )
            }
            SpanKind::TokenRefresh => {
                let error = span
                    .failed()
                    .then(|| match (span.str("error"), span.u64("status")) {
                        (Some(e), _) => cut(e, MAX_ERROR),
                        (None, Some(status)) => format!("token request failed (HTTP {status})"),
                        (None, None) => "token request failed".to_string(),
                    });
                (
                    "token_refresh".to_string(),
                    "chain",
                    json!({}),
                    pick(&["outcome", "status"]),
                    error,
                    "oauth2",
                )
            }
            SpanKind::DeviceAction => {
                let detail = span.str("detail").map(|d| cut(d, MAX_ERROR));
                let error = span.failed().then(|| {
                    detail
                        .clone()
                        .unwrap_or_else(|| "device action failed".into())
                });
                let mut inputs = pick(&["tool", "action", "device", "session", "call_id"]);
                let ports: Vec<&str> = span
                    .str("ports")
                    .unwrap_or_default()
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .collect();
                inputs.insert("ports".into(), json!(ports));
                if let Some(arguments) = &span.arguments {
                    inputs.insert("arguments".into(), arguments.clone());
                }
                let mut outputs = pick(&["outcome"]);
                if let Some(detail) = detail {
                    outputs.insert("detail".into(), json!(detail));
                }
                (
                    "device_action".to_string(),
                    "chain",
                    Value::Object(inputs),
                    outputs,
                    error,
                    "device-action",
                )
            }
        };
        let mut run = json!({
            "id": span.run_id.to_string(),
            "trace_id": span.run_trace_id.to_string(),
            "parent_run_id": span.parent_run_id.to_string(),
            "dotted_order": span.dotted_order,
            "name": name,
            "run_type": run_type,
            "start_time": ids::rfc3339(span.start),
            "end_time": ids::rfc3339(span.end),
            "session_name": self.project,
            "inputs": inputs,
            "outputs": outputs,
            "extra": {"metadata": metadata},
            "tags": [tag],
        });
        if let Some(error) = error {
            run["error"] = json!(error);
        }
        run
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::redact::{REDACTED, Redactor};
    use crate::telemetry::spans::tests::{capture, contract_spans};

    fn redactor(extra: &[&str], send: bool) -> Redactor {
        let mut redact: Vec<String> = crate::config::ALWAYS_REDACTED
            .iter()
            .map(|s| s.to_string())
            .collect();
        redact.extend(extra.iter().map(|s| s.to_string()));
        Redactor::new(&AnalyticsSettings {
            send_arguments: send,
            redact,
            queue_size: 10,
            flush_interval: std::time::Duration::from_secs(1),
            timeout: std::time::Duration::from_secs(1),
        })
    }

    #[test]
    fn redaction_is_case_insensitive_and_reaches_nested_values() {
        let args = json!({
            "site_name": "HQ",
            "Password": "hunter2",
            "options": {"api_KEY": "abc", "depth": 2, "list": [{"client_secret": "s"}, "ok"]},
            "serial": "CN123",
            "long": "x".repeat(1500),
        });
        let out = redactor(&["SERIAL"], true)
            .apply(args.as_object().unwrap())
            .unwrap();
        assert_eq!(out["site_name"], "HQ");
        assert_eq!(out["Password"], REDACTED);
        assert_eq!(out["options"]["api_KEY"], REDACTED);
        assert_eq!(out["options"]["depth"], 2);
        assert_eq!(out["options"]["list"][0]["client_secret"], REDACTED);
        assert_eq!(out["options"]["list"][1], "ok");
        assert_eq!(
            out["serial"], REDACTED,
            "an extra key from ARUBA_ANALYTICS_REDACT"
        );
        let long = out["long"].as_str().unwrap();
        assert!(long.ends_with("[truncated]") && long.len() < 1100);
        let text = out.to_string();
        for secret in ["hunter2", "\"abc\"", "\"s\"", "CN123"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert_eq!(
            redactor(&[], false).apply(args.as_object().unwrap()),
            None,
            "ARUBA_ANALYTICS_ARGS=off drops arguments"
        );
    }

    #[test]
    fn runs_have_the_required_fields_and_nest_under_the_session() {
        let (session, spans) = capture(contract_spans);
        let mut encoder = RunEncoder {
            project: "noc".into(),
            session: session.clone(),
            with_otlp: true,
        };
        let items: Vec<Item> = std::iter::once(Item::SessionStart)
            .chain(spans.iter().map(|s| Item::Span(Arc::clone(s))))
            .collect();
        let body: Value = serde_json::from_slice(&encoder.encode(&items)).unwrap();
        let post = body["post"].as_array().unwrap();
        assert!(body.get("patch").is_none());
        assert_eq!(post.len(), 5);
        let root = &post[0];
        assert_eq!(root["name"], "mcp_session");
        assert_eq!(root["id"], root["trace_id"]);
        assert!(root.get("parent_run_id").is_none() && root.get("end_time").is_none());
        for run in post {
            for key in [
                "id",
                "trace_id",
                "dotted_order",
                "name",
                "run_type",
                "start_time",
                "session_name",
            ] {
                assert!(run.get(key).is_some(), "{key} missing in {run}");
            }
            assert_eq!(run["trace_id"], root["id"]);
            assert_eq!(run["session_name"], "noc");
            let dotted = run["dotted_order"].as_str().unwrap();
            let id = run["id"].as_str().unwrap();
            assert!(dotted.ends_with(id), "{dotted}");
            // The last segment's time is the start time.
            let start = run["start_time"]
                .as_str()
                .unwrap()
                .replace(['-', ':', '.'], "");
            assert!(
                dotted.ends_with(&format!("{start}{id}")),
                "{dotted} {start}"
            );
        }
        let tool = post.iter().find(|r| r["run_type"] == "tool").unwrap();
        assert_eq!(tool["name"], "get_device_list");
        assert_eq!(tool["parent_run_id"], root["id"]);
        assert_eq!(
            tool["outputs"],
            json!({"outcome": "ok", "items": 50, "truncated": false})
        );
        assert!(tool.get("error").is_none());
        assert_eq!(tool["extra"]["metadata"]["call_id"], "1a-1");
        assert_eq!(tool["extra"]["metadata"]["request_id"], "7");
        assert_eq!(
            tool["extra"]["metadata"]["server_version"],
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(
            tool["extra"]["metadata"]["otel_trace_id"]
                .as_str()
                .unwrap()
                .len(),
            32
        );
        let requests: Vec<&Value> = post
            .iter()
            .filter(|r| r["name"] == "GET /network-monitoring/v1/devices")
            .collect();
        assert_eq!(requests.len(), 2);
        assert!(requests.iter().all(|r| r["parent_run_id"] == tool["id"]));
        assert_eq!(requests[0]["error"], "HTTP 503");
        assert_eq!(requests[0]["inputs"]["attempt"], 1);
        assert_eq!(requests[1]["outputs"]["status"], 200);
        assert!(requests[1].get("error").is_none());
        let refresh = post.iter().find(|r| r["name"] == "token_refresh").unwrap();
        assert_eq!(refresh["parent_run_id"], requests[1]["id"]);
        assert_eq!(refresh["outputs"], json!({"outcome": "ok", "status": 200}));
        assert!(tool["end_time"].as_str() >= tool["start_time"].as_str());

        // The end alone is a patch; start and end together are one complete post.
        let end = Item::SessionEnd {
            end: SystemTime::now(),
            tool_calls: 1,
            tool_errors: 0,
        };
        let body: Value = serde_json::from_slice(&encoder.encode(&[end])).unwrap();
        assert!(body.get("post").is_none());
        assert_eq!(body["patch"][0]["id"], root["id"]);
        assert_eq!(body["patch"][0]["outputs"]["tool_calls"], 1);
        assert!(body["patch"][0]["end_time"].is_string());
        let both = [
            Item::SessionStart,
            Item::SessionEnd {
                end: SystemTime::now(),
                tool_calls: 0,
                tool_errors: 0,
            },
        ];
        let body: Value = serde_json::from_slice(&encoder.encode(&both)).unwrap();
        assert_eq!(body["post"].as_array().unwrap().len(), 1);
        assert!(body["post"][0]["end_time"].is_string());
        assert!(body.get("patch").is_none());
    }

    #[test]
    fn a_failed_tool_call_carries_its_error() {
        let (session, spans) = capture(|| {
            let span = tracing::info_span!(
                "tool_call",
                tool = "get_ap_details",
                request_id = 3,
                call_id = "x-2",
                outcome = tracing::field::Empty,
                error = tracing::field::Empty,
            );
            span.record("outcome", "error");
            span.record("error", "serial_number is required");
        });
        let encoder = RunEncoder {
            project: "p".into(),
            session,
            with_otlp: false,
        };
        let run = encoder.span_run(&spans[0]);
        assert_eq!(run["error"], "serial_number is required");
        assert_eq!(run["outputs"]["outcome"], "error");
        assert_eq!(run["inputs"], json!({}));
        assert!(run["extra"]["metadata"].get("otel_trace_id").is_none());
    }

    #[test]
    fn a_device_action_step_is_a_chain_run_under_its_call() {
        let (session, spans) = capture(|| {
            let call = tracing::info_span!(
                "tool_call",
                tool = "bounce_poe",
                request_id = 4,
                call_id = "x-3",
                outcome = tracing::field::Empty,
            );
            call.in_scope(|| {
                for (outcome, detail) in [("confirmed", "code"), ("failed", "HTTP 409")] {
                    let _step = tracing::info_span!(
                        "device_action",
                        action = "PoE bounce",
                        tool = "bounce_poe",
                        device = "SG1",
                        ports = "1/1/3,1/1/4",
                        session = "s-1",
                        call_id = "x-3",
                        outcome,
                        detail,
                    );
                }
            });
        });
        let encoder = RunEncoder {
            project: "p".into(),
            session,
            with_otlp: false,
        };
        assert_eq!(spans.len(), 3, "two steps, then their call");
        let (confirmed, failed, call) = (
            encoder.span_run(&spans[0]),
            encoder.span_run(&spans[1]),
            encoder.span_run(&spans[2]),
        );
        assert_eq!(confirmed["name"], "device_action");
        assert_eq!(confirmed["run_type"], "chain");
        assert_eq!(confirmed["parent_run_id"], call["id"]);
        assert_eq!(
            confirmed["inputs"],
            json!({"tool": "bounce_poe", "action": "PoE bounce", "device": "SG1",
                   "ports": ["1/1/3", "1/1/4"], "session": "s-1", "call_id": "x-3"})
        );
        assert_eq!(
            confirmed["outputs"],
            json!({"outcome": "confirmed", "detail": "code"})
        );
        assert!(confirmed.get("error").is_none());
        assert_eq!(confirmed["extra"]["metadata"]["call_id"], "x-3");
        assert_eq!(failed["error"], "HTTP 409");
        assert!(
            call.get("error").is_none(),
            "the call's own outcome decides"
        );
    }
}
