//! OTLP trace export: the same spans (tool call → upstream attempts → token refresh) as
//! OTLP/HTTP JSON (`Content-Type: application/json`, the protobuf JSON mapping: hex ids, 64-bit
//! integers as strings) POSTed to `/v1/traces`, from the shared bounded-queue exporter.
//!
//! No OpenTelemetry crates: the JSON is built with `serde_json` and sent with `ureq`, both
//! already here. One trace per tool call; span names and attributes follow the OpenTelemetry
//! semantic conventions where they exist (`tools/call {tool}` with `mcp.method.name`,
//! `gen_ai.tool.name`, `jsonrpc.request.id`; HTTP client spans `GET {url.template}` with
//! `http.request.method`, `url.template`, `http.response.status_code`, `error.type`).

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use super::export::{Encoder, Endpoint, Exporter};
use super::ids;
use super::metrics;
use super::spans::{FieldValue, FinishedSpan, SpanKind, SpanSink};
use crate::config::{AnalyticsSettings, OtlpSettings};

/// Spans per request (the OTel batch processor's default).
const MAX_BATCH: usize = 512;

/// OTLP `SpanKind` values.
const KIND_INTERNAL: u8 = 1;
const KIND_SERVER: u8 = 2;
const KIND_CLIENT: u8 = 3;
/// OTLP `Status.code` for an error.
const STATUS_ERROR: u8 = 2;

/// The OTLP sink.
#[derive(Debug)]
pub struct Otlp {
    exporter: Exporter<Arc<FinishedSpan>>,
}

impl Otlp {
    /// Starts the exporter thread.
    pub fn start(settings: &OtlpSettings, analytics: &AnalyticsSettings) -> std::io::Result<Otlp> {
        let endpoint = Endpoint {
            name: "OTLP",
            url: settings.traces_endpoint.clone(),
            headers: settings.headers.clone(),
            dropped_metric: metrics::OTLP_SPANS_DROPPED,
            sent_metric: metrics::OTLP_SPANS_SENT,
            queue: analytics.queue_size,
            max_batch: MAX_BATCH,
            interval: analytics.flush_interval,
            timeout: analytics.timeout,
        };
        Ok(Otlp {
            exporter: Exporter::start(endpoint, SpanEncoder::new(settings))?,
        })
    }

    /// Asks the thread to send everything and stop by `deadline`.
    pub fn begin_shutdown(&self, deadline: Instant) {
        self.exporter.begin_shutdown(deadline);
    }

    /// Waits for the last batch until `deadline`.
    pub fn wait(&self, deadline: Instant) -> bool {
        self.exporter.wait(deadline)
    }
}

impl SpanSink for Otlp {
    fn export(&self, span: &Arc<FinishedSpan>) {
        self.exporter.offer(Arc::clone(span), 1);
    }
}

/// Builds `ExportTraceServiceRequest` JSON.
#[derive(Debug)]
pub struct SpanEncoder {
    resource: Value,
}

fn string_attr(key: &str, value: &str) -> Value {
    json!({"key": key, "value": {"stringValue": value}})
}

/// An attribute from a recorded field, typed as OTLP `AnyValue`.
fn attr(key: &str, value: &FieldValue) -> Value {
    let any = match value {
        FieldValue::Str(s) => json!({"stringValue": s}),
        FieldValue::U64(n) => json!({"intValue": n.to_string()}),
        FieldValue::I64(n) => json!({"intValue": n.to_string()}),
        FieldValue::F64(n) => json!({"doubleValue": n}),
        FieldValue::Bool(b) => json!({"boolValue": b}),
    };
    json!({"key": key, "value": any})
}

impl SpanEncoder {
    /// An encoder with the resource of `settings`.
    pub fn new(settings: &OtlpSettings) -> SpanEncoder {
        let mut attributes = vec![
            string_attr("service.name", &settings.service_name),
            string_attr("service.version", env!("CARGO_PKG_VERSION")),
            string_attr("telemetry.sdk.name", "aruba-noc-mcp"),
            string_attr("telemetry.sdk.language", "rust"),
            json!({"key": "process.pid", "value": {"intValue": std::process::id().to_string()}}),
        ];
        for (key, value) in &settings.resource_attributes {
            attributes.retain(|a| a["key"] != key.as_str());
            attributes.push(string_attr(key, value));
        }
        SpanEncoder {
            resource: json!({"attributes": attributes}),
        }
    }

    /// One span in the OTLP JSON mapping.
    pub fn span(span: &FinishedSpan) -> Value {
        let mut attributes = Vec::new();
        let mut add = |key: &str, field: &str| {
            if let Some(v) = span.field(field) {
                attributes.push(attr(key, v));
            }
        };
        let (name, kind) = match span.kind {
            SpanKind::ToolCall => {
                add("gen_ai.tool.name", "tool");
                add("jsonrpc.request.id", "request_id");
                add("aruba.call_id", "call_id");
                add("aruba.outcome", "outcome");
                add("aruba.items", "items");
                add("aruba.truncated", "truncated");
                attributes.push(string_attr("mcp.method.name", "tools/call"));
                attributes.push(string_attr("gen_ai.operation.name", "execute_tool"));
                if span.failed() {
                    attributes.push(string_attr("error.type", "tool_error"));
                }
                (
                    format!("tools/call {}", span.str("tool").unwrap_or("unknown")),
                    KIND_SERVER,
                )
            }
            SpanKind::CentralRequest => {
                add("http.request.method", "method");
                add("url.template", "endpoint");
                add("http.response.status_code", "status");
                add("aruba.attempt", "attempt");
                if let Some(attempt) = span.u64("attempt").filter(|a| *a > 1) {
                    attributes.push(attr(
                        "http.request.resend_count",
                        &FieldValue::U64(attempt - 1),
                    ));
                }
                let error_type = span.str("error_kind").map(str::to_string).or_else(|| {
                    span.u64("status")
                        .filter(|s| *s >= 400)
                        .map(|s| s.to_string())
                });
                if let Some(error_type) = error_type {
                    attributes.push(string_attr("error.type", &error_type));
                }
                (
                    format!(
                        "{} {}",
                        span.str("method").unwrap_or("GET"),
                        span.str("endpoint").unwrap_or("unknown")
                    ),
                    KIND_CLIENT,
                )
            }
            SpanKind::TokenRefresh => {
                add("aruba.outcome", "outcome");
                add("http.response.status_code", "status");
                if span.failed() {
                    attributes.push(string_attr("error.type", "token_refresh_failed"));
                }
                ("token_refresh".to_string(), KIND_CLIENT)
            }
            SpanKind::DeviceAction => {
                add("gen_ai.tool.name", "tool");
                add("aruba.call_id", "call_id");
                add("aruba.action", "action");
                add("aruba.device", "device");
                add("aruba.ports", "ports");
                add("aruba.outcome", "outcome");
                add("aruba.session", "session");
                if span.failed() {
                    attributes.push(string_attr("error.type", "device_action_failed"));
                }
                (
                    format!("device_action {}", span.str("outcome").unwrap_or("unknown")),
                    KIND_INTERNAL,
                )
            }
        };
        let mut out = json!({
            "traceId": ids::hex(&span.trace_id),
            "spanId": ids::hex(&span.span_id),
            "name": name,
            "kind": kind,
            "startTimeUnixNano": ids::unix_nanos(span.start).to_string(),
            "endTimeUnixNano": ids::unix_nanos(span.end).to_string(),
            "attributes": attributes,
        });
        if let Some(parent) = span.parent_span_id {
            out["parentSpanId"] = json!(ids::hex(&parent));
        }
        if span.failed() {
            let message = span
                .str("error")
                .or_else(|| span.str("error_kind"))
                .or_else(|| span.str("detail"))
                .map(|m| m.chars().take(1000).collect::<String>())
                .unwrap_or_default();
            out["status"] = json!({"code": STATUS_ERROR, "message": message});
        }
        out
    }
}

impl Encoder for SpanEncoder {
    type Item = Arc<FinishedSpan>;

    fn weight(&self, _: &Self::Item) -> u64 {
        1
    }

    fn encode(&mut self, batch: &[Self::Item]) -> Vec<u8> {
        let spans: Vec<Value> = batch.iter().map(|s| SpanEncoder::span(s)).collect();
        let body = json!({"resourceSpans": [{
            "resource": self.resource,
            "scopeSpans": [{
                "scope": {"name": "aruba-noc-mcp", "version": env!("CARGO_PKG_VERSION")},
                "spans": spans,
            }],
        }]});
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::spans::tests::{capture, contract_spans};

    fn attribute<'a>(span: &'a Value, key: &str) -> Option<&'a Value> {
        span["attributes"]
            .as_array()?
            .iter()
            .find(|a| a["key"] == key)
            .map(|a| &a["value"])
    }

    #[test]
    fn spans_follow_the_otlp_json_mapping() {
        let (_, spans) = capture(contract_spans);
        let mut encoder = SpanEncoder::new(&OtlpSettings {
            traces_endpoint: "http://127.0.0.1:4318/v1/traces".into(),
            headers: vec![],
            service_name: "noc-edge".into(),
            resource_attributes: vec![("deployment.environment".into(), "lab".into())],
        });
        let body: Value = serde_json::from_slice(&encoder.encode(&spans)).unwrap();
        let rs = &body["resourceSpans"][0];
        let resource = &rs["resource"];
        assert_eq!(
            attribute(resource, "service.name"),
            Some(&json!({"stringValue": "noc-edge"}))
        );
        assert_eq!(
            attribute(resource, "deployment.environment"),
            Some(&json!({"stringValue": "lab"}))
        );
        let out = rs["scopeSpans"][0]["spans"].as_array().unwrap();
        assert_eq!(out.len(), 4);
        let tool = &out[3];
        assert_eq!(tool["name"], "tools/call get_device_list");
        assert_eq!(tool["kind"], KIND_SERVER);
        assert!(tool.get("parentSpanId").is_none());
        assert!(tool.get("status").is_none());
        assert_eq!(tool["traceId"].as_str().unwrap().len(), 32);
        assert_eq!(tool["spanId"].as_str().unwrap().len(), 16);
        assert_eq!(
            attribute(tool, "aruba.items"),
            Some(&json!({"intValue": "50"}))
        );
        let start: u64 = tool["startTimeUnixNano"].as_str().unwrap().parse().unwrap();
        let end: u64 = tool["endTimeUnixNano"].as_str().unwrap().parse().unwrap();
        assert_eq!(end - start, 40_000_000);
        let first = &out[0];
        assert_eq!(first["name"], "GET /network-monitoring/v1/devices");
        assert_eq!(first["kind"], KIND_CLIENT);
        assert_eq!(first["parentSpanId"], tool["spanId"]);
        assert_eq!(first["traceId"], tool["traceId"]);
        assert_eq!(first["status"]["code"], STATUS_ERROR);
        assert_eq!(
            attribute(first, "error.type"),
            Some(&json!({"stringValue": "503"}))
        );
        let second = &out[2];
        assert_eq!(
            attribute(second, "http.request.resend_count"),
            Some(&json!({"intValue": "1"}))
        );
        assert_eq!(out[1]["name"], "token_refresh");
        assert_eq!(out[1]["parentSpanId"], second["spanId"]);
    }
    #[test]
    fn a_device_action_step_is_an_internal_span_of_its_call() {
        let (_, spans) = capture(|| {
            let call = tracing::info_span!("tool_call", tool = "reboot_device", call_id = "x-1");
            call.in_scope(|| {
                let _step = tracing::info_span!(
                    "device_action",
                    tool = "reboot_device",
                    device = "CNK7ABC123",
                    ports = "",
                    outcome = "failed",
                    detail = "HTTP 409",
                );
            });
        });
        let step = SpanEncoder::span(&spans[0]);
        let call = SpanEncoder::span(&spans[1]);
        assert_eq!(step["name"], "device_action failed");
        assert_eq!(step["kind"], KIND_INTERNAL);
        assert_eq!(step["parentSpanId"], call["spanId"]);
        assert_eq!(
            attribute(&step, "aruba.device"),
            Some(&json!({"stringValue": "CNK7ABC123"}))
        );
        assert_eq!(step["status"]["code"], STATUS_ERROR);
        assert_eq!(step["status"]["message"], "HTTP 409");
        assert!(call.get("status").is_none());
    }
}
