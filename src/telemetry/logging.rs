//! Structured logs to stderr (stdout belongs to the MCP protocol).
//!
//! `ARUBA_LOG` is a `tracing` target filter (`info`, `warn,aruba_noc_mcp=debug`); `ARUBA_LOG_FORMAT`
//! chooses one JSON object per line (default, with the current span's fields such as `tool` and
//! `call_id`) or human-readable text. Nothing that holds a token or secret is ever a log field.
//!
//! The filter applies to the log output only (a per-layer filter), so the span layer that feeds
//! LangSmith and OTLP sees the contract's spans whatever the log level, and the log layer always
//! keeps those spans too, so a warning inside a tool call names the tool and call id even with
//! `ARUBA_LOG=warn`. With OTLP export on, every log line inside a tool call carries the
//! `trace_id` and `span_id` of its span, so logs and traces join.
//!
//! rmcp's debug and trace events print whole JSON-RPC messages (`received request`, `new event`,
//! `response message`), tool arguments included, a RADIUS password among them. Whatever
//! `ARUBA_LOG` says, the log output keeps rmcp's events at INFO and above ([`protocol_dump`]).

use std::fmt::Write as _;

use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{FilterExt, Targets, filter_fn};
use tracing_subscriber::fmt::format::{FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormattedFields, MakeWriter};
use tracing_subscriber::layer::Filter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use super::ids;
use super::spans::{SpanLayer, SpanRecord, is_contract_span};
use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber (logs only). Safe to call once per process; a second call is
/// ignored.
pub fn init(settings: &LogSettings) {
    init_with(settings, None);
}

/// Installs the global subscriber: logs, plus `spans` (the exporters' layer) when given. A
/// second call is ignored.
pub fn init_with(settings: &LogSettings, spans: Option<SpanLayer>) {
    let result = subscriber(settings, spans, std::io::stderr).try_init();
    // An already-installed subscriber (tests, embedding) is fine.
    drop(result);
}

/// The subscriber [`init_with`] installs, writing log lines to `writer`.
pub fn subscriber<W>(
    settings: &LogSettings,
    spans: Option<SpanLayer>,
    writer: W,
) -> impl Subscriber + Send + Sync + for<'a> LookupSpan<'a>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    // The filter was validated when the configuration was loaded; fall back to `info` regardless.
    let targets: Targets = settings
        .filter
        .parse()
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO));
    let log_filter = log_filter(targets);
    let log_layer = match settings.format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_writer(writer)
            .map_event_format(|f| TraceIds {
                inner: f,
                json: true,
            })
            .with_filter(log_filter)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(writer)
            .map_event_format(|f| TraceIds {
                inner: f,
                json: false,
            })
            .with_filter(log_filter)
            .boxed(),
    };
    let span_layer = spans.map(|layer| {
        layer.with_filter(filter_fn(is_contract_span).with_max_level_hint(tracing::Level::INFO))
    });
    tracing_subscriber::registry()
        .with(log_layer)
        .with(span_layer)
}

/// What reaches the log output: `ARUBA_LOG`'s targets and the contract's spans, never rmcp's
/// message dumps. Keeps the targets' level hint, so callsites above it stay disabled.
fn log_filter<S: Subscriber>(targets: Targets) -> impl Filter<S> {
    let contract_spans = filter_fn(is_contract_span).with_max_level_hint(tracing::Level::INFO);
    let no_dumps =
        filter_fn(|meta| !protocol_dump(meta)).with_max_level_hint(tracing::Level::TRACE);
    targets.or(contract_spans).and(no_dumps)
}

/// An rmcp event below INFO: those print whole protocol messages with the tool arguments, so
/// they never reach the log.
pub fn protocol_dump(meta: &tracing::Metadata<'_>) -> bool {
    *meta.level() > tracing::Level::INFO
        && (meta.target() == "rmcp" || meta.target().starts_with("rmcp::"))
}

/// Wraps an event formatter and adds `trace_id`/`span_id` of the nearest exported span to the
/// line (a JSON member, or `trace_id=… span_id=…` at the end of a text line).
#[derive(Debug)]
pub struct TraceIds<F> {
    inner: F,
    json: bool,
}

impl<S, N, F> FormatEvent<S, N> for TraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
    FormattedFields<N>: 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let ids = ctx.event_scope().and_then(|scope| {
            scope
                .into_iter()
                .find_map(|span| span.extensions().get::<SpanRecord>()?.log_ids())
        });
        let Some((trace_id, span_id)) = ids else {
            return self.inner.format_event(ctx, writer, event);
        };
        let mut line = String::with_capacity(256);
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        let (trace_id, span_id) = (ids::hex(&trace_id), ids::hex(&span_id));
        insert_ids(&mut line, self.json, &trace_id, &span_id);
        writer.write_str(&line)
    }
}

/// Adds the ids to one formatted line (ending in a newline).
fn insert_ids(line: &mut String, json: bool, trace_id: &str, span_id: &str) {
    if json {
        if let Some(end) = line.rfind('}') {
            let mut ids = String::new();
            let _ = write!(
                ids,
                ",\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\""
            );
            line.insert_str(end, &ids);
        }
    } else {
        let end = line.trim_end_matches('\n').len();
        line.insert_str(end, &format!(" trace_id={trace_id} span_id={span_id}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::analytics::attach_arguments;
    use crate::telemetry::redact::Redactor;
    use crate::telemetry::spans::tests::Collect;
    use crate::telemetry::spans::{Session, SpanSink};
    use std::sync::{Arc, Mutex};

    /// A writer that keeps every byte written.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    fn settings(filter: &str, format: LogFormat) -> LogSettings {
        LogSettings {
            filter: filter.into(),
            format,
        }
    }

    /// A tool call that logs at info and warn, with a secret argument attached.
    fn tool_call_logging() {
        let span = tracing::info_span!(
            "tool_call",
            tool = "get_device_list",
            request_id = 1,
            call_id = "c-1"
        );
        let args = serde_json::json!({"site_name": "HQ", "api_token": "sekrit-123"});
        attach_arguments(&span, args.as_object().unwrap());
        span.in_scope(|| {
            tracing::info!("an info line");
            tracing::warn!("a warning line");
        });
    }

    #[test]
    fn with_log_level_warn_the_exporters_still_see_spans_and_warnings_carry_ids() {
        let out = Buffer::default();
        let sink = Arc::new(Collect::default());
        let layer = SpanLayer::new(
            vec![sink.clone() as Arc<dyn SpanSink>],
            Session::start_now(),
            true,
            Some(Arc::new(Redactor::new(&crate::config::AnalyticsSettings {
                send_arguments: true,
                redact: vec!["token".into()],
                queue_size: 1,
                flush_interval: std::time::Duration::from_secs(1),
                timeout: std::time::Duration::from_secs(1),
            }))),
        );
        let subscriber = subscriber(&settings("warn", LogFormat::Json), Some(layer), out.clone());
        tracing::subscriber::with_default(subscriber, tool_call_logging);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1, "only the warning: {text}");
        let spans = sink.0.lock().unwrap().clone();
        assert_eq!(
            spans.len(),
            1,
            "the INFO span reached the exporter at ARUBA_LOG=warn"
        );
        let line = &lines[0];
        assert_eq!(line["trace_id"], ids::hex(&spans[0].trace_id));
        assert_eq!(line["span_id"], ids::hex(&spans[0].span_id));
        assert_eq!(line["span"]["tool"], "get_device_list");
        assert_eq!(line["span"]["call_id"], "c-1");
        // Arguments reach the exporter redacted, and never the log.
        let args = spans[0].arguments.as_ref().unwrap();
        assert_eq!(args["site_name"], "HQ");
        assert_eq!(args["api_token"], "[redacted]");
        assert!(!text.contains("sekrit") && !text.contains("HQ"), "{text}");
    }

    #[test]
    fn without_exporters_lines_have_no_trace_ids_and_arguments_are_not_kept() {
        let out = Buffer::default();
        let subscriber = subscriber(&settings("info", LogFormat::Text), None, out.clone());
        tracing::subscriber::with_default(subscriber, tool_call_logging);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.contains("a warning line") && text.contains("call_id"));
        assert!(
            !text.contains("trace_id") && !text.contains("sekrit"),
            "{text}"
        );
    }

    #[test]
    fn rmcp_message_dumps_stay_out_of_the_log_at_any_level() {
        let out = Buffer::default();
        let subscriber = subscriber(&settings("trace", LogFormat::Json), None, out.clone());
        tracing::subscriber::with_default(subscriber, || {
            let request = r#"CallToolRequest { arguments: {"password": "hunter2-x"} }"#;
            tracing::trace!(target: "rmcp::service", evt = request, "new event");
            tracing::debug!(target: "rmcp::service", request, "received request");
            tracing::info!(target: "rmcp::service", "Service initialized as server");
            tracing::debug!(target: "rmcp_like", "another crate's debug line");
            tracing::trace!("our own trace line");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("Service initialized as server"), "{text}");
        assert!(text.contains("another crate's debug line"), "{text}");
        assert!(text.contains("our own trace line"), "{text}");
    }

    #[test]
    fn the_log_filter_keeps_the_level_hint() {
        use tracing_subscriber::filter::LevelFilter;
        for (directives, hint) in [
            ("warn", LevelFilter::INFO),
            ("info", LevelFilter::INFO),
            ("debug", LevelFilter::DEBUG),
            ("warn,aruba_noc_mcp=trace", LevelFilter::TRACE),
        ] {
            let f = log_filter::<tracing_subscriber::Registry>(directives.parse().unwrap());
            assert_eq!(f.max_level_hint(), Some(hint), "{directives}");
        }
    }

    #[test]
    fn text_lines_carry_ids_when_tracing() {
        let out = Buffer::default();
        let layer = SpanLayer::new(vec![], Session::start_now(), true, None);
        let subscriber = subscriber(&settings("info", LogFormat::Text), Some(layer), out.clone());
        tracing::subscriber::with_default(subscriber, tool_call_logging);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.lines()
                .all(|l| l.contains(" trace_id=") && l.contains(" span_id=")),
            "{text}"
        );
    }

    #[test]
    fn ids_go_inside_the_json_object_or_at_the_end_of_the_text_line() {
        let mut line = "{\"level\":\"INFO\",\"span\":{\"tool\":\"x\"}}\n".to_string();
        insert_ids(&mut line, true, "ab", "cd");
        assert_eq!(
            line,
            "{\"level\":\"INFO\",\"span\":{\"tool\":\"x\"},\"trace_id\":\"ab\",\"span_id\":\"cd\"}\n"
        );
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["trace_id"], "ab");
        let mut line = "2026 INFO tool_call: done\n".to_string();
        insert_ids(&mut line, false, "ab", "cd");
        assert_eq!(line, "2026 INFO tool_call: done trace_id=ab span_id=cd\n");
    }
}
