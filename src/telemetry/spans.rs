//! Span bookkeeping shared by the exporters: one `tracing` layer that follows the spans of the
//! span contract (`tool_call` → `central_request` → `token_refresh`, and `device_action`, one
//! per audited step of a device action inside its `tool_call`), gives each one its ids
//! (OTLP trace/span ids, LangSmith run id and `dotted_order`), collects its fields, and when it
//! closes hands an immutable [`FinishedSpan`] to every [`SpanSink`] (LangSmith, OTLP).
//!
//! The layer does no I/O and never waits: sinks only `try_send` to their exporter's bounded
//! queue. Nothing here reads a span's arguments from its fields; tool arguments reach LangSmith
//! through [`crate::telemetry::analytics::attach_arguments`] (span extensions, already redacted),
//! so they can never end up in a log line.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::ids::{self, Uuid};

/// The spans of the span contract this layer follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// `tool_call`: one MCP `tools/call`.
    ToolCall,
    /// `central_request`: one attempt of one upstream HTTP request.
    CentralRequest,
    /// `token_refresh`: one OAuth2 token request.
    TokenRefresh,
    /// `device_action`: one audited step of a device action (preview, confirmation, decline,
    /// refusal, execution, failure), a moment inside its `tool_call`. It carries the call's
    /// redacted arguments (copied from the `tool_call`).
    DeviceAction,
}

impl SpanKind {
    /// The kind of a span named `name`, if it is one of the contract's.
    pub fn from_name(name: &str) -> Option<SpanKind> {
        match name {
            "tool_call" => Some(SpanKind::ToolCall),
            "central_request" => Some(SpanKind::CentralRequest),
            "token_refresh" => Some(SpanKind::TokenRefresh),
            "device_action" => Some(SpanKind::DeviceAction),
            _ => None,
        }
    }

    /// The span name.
    pub fn name(self) -> &'static str {
        match self {
            SpanKind::ToolCall => "tool_call",
            SpanKind::CentralRequest => "central_request",
            SpanKind::TokenRefresh => "token_refresh",
            SpanKind::DeviceAction => "device_action",
        }
    }
}

/// True for the contract's spans emitted by this crate (the filter the span layer and the log
/// layer use).
pub fn is_contract_span(metadata: &Metadata<'_>) -> bool {
    metadata.is_span()
        && metadata.target().starts_with("aruba_noc_mcp")
        && SpanKind::from_name(metadata.name()).is_some()
}

/// One recorded field value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// Text (also `%` and `?` fields, formatted).
    Str(String),
    /// Unsigned integer.
    U64(u64),
    /// Signed integer.
    I64(i64),
    /// Floating point.
    F64(f64),
    /// Boolean.
    Bool(bool),
}

impl FieldValue {
    /// The value as JSON.
    pub fn to_json(&self) -> Value {
        match self {
            FieldValue::Str(s) => Value::from(s.as_str()),
            FieldValue::U64(n) => Value::from(*n),
            FieldValue::I64(n) => Value::from(*n),
            FieldValue::F64(n) => Value::from(*n),
            FieldValue::Bool(b) => Value::from(*b),
        }
    }
}

/// The LangSmith session root run every run of this process hangs under, so one MCP session is
/// one trace.
#[derive(Debug, Clone)]
pub struct Session {
    /// Run id, also the `trace_id` of every run.
    pub id: Uuid,
    /// When the session started (whole microseconds).
    pub start: SystemTime,
    /// The root's `dotted_order`.
    pub dotted_order: String,
}

impl Session {
    /// A session starting now.
    pub fn start_now() -> Session {
        let start = ids::to_micros(SystemTime::now());
        let id = Uuid::v7(start);
        Session {
            id,
            start,
            dotted_order: ids::dotted_segment(start, id),
        }
    }
}

/// A closed span, as the exporters see it.
#[derive(Debug, Clone)]
pub struct FinishedSpan {
    /// Which span.
    pub kind: SpanKind,
    /// Fields recorded at creation and later, in order of first appearance.
    pub fields: Vec<(&'static str, FieldValue)>,
    /// Start (whole microseconds, as in `dotted_order`).
    pub start: SystemTime,
    /// End: start + the recorded `elapsed_ms`, or the monotonic time until it closed.
    pub end: SystemTime,
    /// OTLP trace id (one per tool call).
    pub trace_id: [u8; 16],
    /// OTLP span id.
    pub span_id: [u8; 8],
    /// OTLP parent span id.
    pub parent_span_id: Option<[u8; 8]>,
    /// LangSmith run id.
    pub run_id: Uuid,
    /// LangSmith parent run id (the session root for a tool call).
    pub parent_run_id: Uuid,
    /// LangSmith trace id (the session root's id).
    pub run_trace_id: Uuid,
    /// LangSmith `dotted_order`.
    pub dotted_order: String,
    /// `request_id` and `call_id` of the enclosing tool call (for child spans' metadata).
    pub call: Option<(String, String)>,
    /// Redacted tool arguments (tool calls and their device actions, when LangSmith sends
    /// arguments).
    pub arguments: Option<Value>,
}

impl FinishedSpan {
    /// A recorded field.
    pub fn field(&self, name: &str) -> Option<&FieldValue> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// A text field.
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.field(name)? {
            FieldValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An unsigned integer field (also from a non-negative signed one).
    pub fn u64(&self, name: &str) -> Option<u64> {
        match self.field(name)? {
            FieldValue::U64(n) => Some(*n),
            FieldValue::I64(n) => u64::try_from(*n).ok(),
            FieldValue::Str(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// A floating-point field (integers convert).
    pub fn f64(&self, name: &str) -> Option<f64> {
        match self.field(name)? {
            FieldValue::F64(n) => Some(*n),
            FieldValue::U64(n) => Some(*n as f64),
            FieldValue::I64(n) => Some(*n as f64),
            _ => None,
        }
    }

    /// A boolean field.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.field(name)? {
            FieldValue::Bool(b) => Some(*b),
            FieldValue::Str(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// Whether the span ended in failure: `outcome = "error"` (a device action's `"failed"`),
    /// an `error_kind`, or an HTTP status of 400 or more.
    pub fn failed(&self) -> bool {
        self.str("outcome") == Some("error")
            || (self.kind == SpanKind::DeviceAction && self.str("outcome") == Some("failed"))
            || self.field("error_kind").is_some()
            || self.u64("status").is_some_and(|s| s >= 400)
    }

    /// Duration.
    pub fn duration(&self) -> Duration {
        self.end.duration_since(self.start).unwrap_or_default()
    }
}

/// Where finished spans go. Implementations must not block.
pub trait SpanSink: Send + Sync + 'static {
    /// Takes one finished span (children always arrive before their parent).
    fn export(&self, span: &Arc<FinishedSpan>);
}

/// What the layer keeps in a span's extensions while it is open.
#[derive(Debug)]
pub(crate) struct SpanRecord {
    kind: SpanKind,
    fields: Vec<(&'static str, FieldValue)>,
    start: SystemTime,
    opened: Instant,
    trace_id: [u8; 16],
    span_id: [u8; 8],
    parent_span_id: Option<[u8; 8]>,
    run_id: Uuid,
    parent_run_id: Uuid,
    run_trace_id: Uuid,
    dotted_order: String,
    call: Option<(String, String)>,
    /// Redacted arguments, set by `attach_arguments`.
    pub(crate) arguments: Option<Value>,
    /// Whether log lines inside this span name its trace (OTLP export is on).
    log_trace: bool,
}

impl SpanRecord {
    /// The OTLP trace and span ids, when log lines should carry them.
    pub(crate) fn log_ids(&self) -> Option<([u8; 16], [u8; 8])> {
        self.log_trace.then_some((self.trace_id, self.span_id))
    }

    /// Whether this is a tool call's record.
    pub(crate) fn is_tool_call(&self) -> bool {
        self.kind == SpanKind::ToolCall
    }

    fn set(&mut self, name: &'static str, value: FieldValue) {
        match self.fields.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => *v = value,
            None => self.fields.push((name, value)),
        }
    }

    fn finish(self) -> FinishedSpan {
        // The contract records `elapsed_ms` when the work ends; the span itself may be dropped a
        // little later. Fall back to the time until it closed.
        let elapsed = self
            .fields
            .iter()
            .find(|(n, _)| *n == "elapsed_ms")
            .and_then(|(_, v)| match v {
                FieldValue::F64(ms) if ms.is_finite() && *ms >= 0.0 => {
                    Duration::try_from_secs_f64(ms / 1000.0).ok()
                }
                FieldValue::U64(ms) => Some(Duration::from_millis(*ms)),
                _ => None,
            })
            .unwrap_or_else(|| self.opened.elapsed());
        FinishedSpan {
            kind: self.kind,
            fields: self.fields,
            start: self.start,
            end: self.start + elapsed,
            trace_id: self.trace_id,
            span_id: self.span_id,
            parent_span_id: self.parent_span_id,
            run_id: self.run_id,
            parent_run_id: self.parent_run_id,
            run_trace_id: self.run_trace_id,
            dotted_order: self.dotted_order,
            call: self.call,
            arguments: self.arguments,
        }
    }
}

struct FieldVisitor<'a>(&'a mut SpanRecord);

impl Visit for FieldVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.set(field.name(), FieldValue::F64(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.set(field.name(), FieldValue::I64(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.set(field.name(), FieldValue::U64(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.set(field.name(), FieldValue::Bool(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.set(field.name(), FieldValue::Str(value.to_string()));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.set(field.name(), FieldValue::Str(value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .set(field.name(), FieldValue::Str(format!("{value:?}")));
    }
}

/// The layer: ids and fields of the contract's spans, finished spans to the sinks.
pub struct SpanLayer {
    sinks: Vec<Arc<dyn SpanSink>>,
    session: Session,
    log_trace: bool,
    pub(crate) redactor: Option<Arc<super::redact::Redactor>>,
}

impl std::fmt::Debug for SpanLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpanLayer")
            .field("sinks", &self.sinks.len())
            .field("session", &self.session.id.to_string())
            .field("log_trace", &self.log_trace)
            .finish()
    }
}

impl SpanLayer {
    /// A layer feeding `sinks`, hanging LangSmith runs under `session`. With `log_trace`, log
    /// lines inside a span carry its OTLP `trace_id` and `span_id`. `redactor` (LangSmith on)
    /// lets [`crate::telemetry::analytics::attach_arguments`] keep a tool call's arguments.
    pub fn new(
        sinks: Vec<Arc<dyn SpanSink>>,
        session: Session,
        log_trace: bool,
        redactor: Option<Arc<super::redact::Redactor>>,
    ) -> SpanLayer {
        SpanLayer {
            sinks,
            session,
            log_trace,
            redactor,
        }
    }

    /// The session root.
    pub fn session(&self) -> &Session {
        &self.session
    }
}

impl<S> Layer<S> for SpanLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(kind) = SpanKind::from_name(attrs.metadata().name()) else {
            return;
        };
        if !attrs.metadata().target().starts_with("aruba_noc_mcp") {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        // The nearest enclosing span this layer follows (a device action also takes the redacted
        // arguments of its tool call).
        let parent = span.scope().skip(1).find_map(|ancestor| {
            let ext = ancestor.extensions();
            ext.get::<SpanRecord>().map(|p| {
                (
                    (
                        p.trace_id,
                        p.span_id,
                        p.run_id,
                        p.run_trace_id,
                        p.dotted_order.clone(),
                        p.call.clone(),
                    ),
                    (kind == SpanKind::DeviceAction)
                        .then(|| p.arguments.clone())
                        .flatten(),
                )
            })
        });
        let (parent, arguments) = match parent {
            Some((p, arguments)) => (Some(p), arguments),
            None => (None, None),
        };
        // Only tool calls and what they cause are exported: upstream requests of the idle health
        // prober are Prometheus' business, not tool-usage analytics.
        if parent.is_none() && kind != SpanKind::ToolCall {
            return;
        }
        let start = ids::to_micros(SystemTime::now());
        let run_id = Uuid::v7(start);
        let segment = ids::dotted_segment(start, run_id);
        let (trace_id, parent_span_id, parent_run_id, run_trace_id, dotted_order, call) =
            match parent {
                Some((trace, span_id, run, run_trace, dotted, call)) => (
                    trace,
                    Some(span_id),
                    run,
                    run_trace,
                    format!("{dotted}.{segment}"),
                    call,
                ),
                None => (
                    ids::trace_id(),
                    None,
                    self.session.id,
                    self.session.id,
                    format!("{}.{segment}", self.session.dotted_order),
                    None,
                ),
            };
        let mut record = SpanRecord {
            kind,
            fields: Vec::with_capacity(8),
            start,
            opened: Instant::now(),
            trace_id,
            span_id: ids::span_id(),
            parent_span_id,
            run_id,
            parent_run_id,
            run_trace_id,
            dotted_order,
            call,
            arguments,
            log_trace: self.log_trace,
        };
        attrs.record(&mut FieldVisitor(&mut record));
        if kind == SpanKind::ToolCall {
            let text = |name: &str| match record.fields.iter().find(|(n, _)| *n == name) {
                Some((_, FieldValue::Str(s))) => s.clone(),
                Some((_, other)) => other.to_json().to_string(),
                None => String::new(),
            };
            record.call = Some((text("request_id"), text("call_id")));
        }
        span.extensions_mut().insert(record);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(record) = ext.get_mut::<SpanRecord>() {
            values.record(&mut FieldVisitor(record));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(record) = span.extensions_mut().remove::<SpanRecord>() else {
            return;
        };
        let finished = Arc::new(record.finish());
        for sink in &self.sinks {
            sink.export(&finished);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Mutex;
    use tracing_subscriber::layer::SubscriberExt;

    /// A sink that keeps everything (for tests of the layer and the encoders).
    #[derive(Default)]
    pub(crate) struct Collect(pub Mutex<Vec<Arc<FinishedSpan>>>);

    impl SpanSink for Collect {
        fn export(&self, span: &Arc<FinishedSpan>) {
            self.0.lock().unwrap().push(Arc::clone(span));
        }
    }

    /// Runs `f` under a subscriber with a span layer feeding the returned spans.
    pub(crate) fn capture(f: impl FnOnce()) -> (Session, Vec<Arc<FinishedSpan>>) {
        let sink = Arc::new(Collect::default());
        let session = Session::start_now();
        let layer = SpanLayer::new(
            vec![sink.clone() as Arc<dyn SpanSink>],
            session.clone(),
            true,
            None,
        );
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, f);
        let spans = sink.0.lock().unwrap().clone();
        (session, spans)
    }

    /// The synthetic spans of the contract: a tool call with a retried request and a refresh.
    pub(crate) fn contract_spans() {
        let tool = tracing::info_span!(
            "tool_call",
            tool = "get_device_list",
            request_id = 7,
            call_id = "1a-1",
            outcome = tracing::field::Empty,
            error = tracing::field::Empty,
            items = tracing::field::Empty,
            truncated = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        tool.in_scope(|| {
            for attempt in 1..=2u32 {
                let req = tracing::info_span!(
                    "central_request",
                    endpoint = "/network-monitoring/v1/devices",
                    method = "GET",
                    attempt,
                    status = tracing::field::Empty,
                    error_kind = tracing::field::Empty,
                    elapsed_ms = tracing::field::Empty,
                );
                req.in_scope(|| {
                    if attempt == 2 {
                        let refresh = tracing::info_span!(
                            "token_refresh",
                            outcome = tracing::field::Empty,
                            status = tracing::field::Empty,
                            elapsed_ms = tracing::field::Empty,
                        );
                        refresh.record("outcome", "ok");
                        refresh.record("status", 200u16);
                        refresh.record("elapsed_ms", 3.5);
                    }
                });
                req.record("status", if attempt == 1 { 503u16 } else { 200 });
                req.record("elapsed_ms", 12.0);
            }
        });
        tool.record("outcome", "ok");
        tool.record("items", 50u64);
        tool.record("truncated", false);
        tool.record("elapsed_ms", 40.0);
    }

    #[test]
    fn children_share_the_trace_and_close_before_parents() {
        let (session, spans) = capture(contract_spans);
        let kinds: Vec<SpanKind> = spans.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                SpanKind::CentralRequest,
                SpanKind::TokenRefresh,
                SpanKind::CentralRequest,
                SpanKind::ToolCall
            ]
        );
        let tool = &spans[3];
        let (first, refresh, second) = (&spans[0], &spans[1], &spans[2]);
        // OTLP: one trace per tool call, parents by span id.
        assert_eq!(tool.parent_span_id, None);
        for child in [first, second] {
            assert_eq!(child.trace_id, tool.trace_id);
            assert_eq!(child.parent_span_id, Some(tool.span_id));
        }
        assert_eq!(refresh.parent_span_id, Some(second.span_id));
        assert_eq!(refresh.trace_id, tool.trace_id);
        // LangSmith: the session root is the trace; dotted orders nest.
        assert_eq!(tool.parent_run_id, session.id);
        for s in &spans {
            assert_eq!(s.run_trace_id, session.id);
            assert!(s.dotted_order.starts_with(&session.dotted_order));
        }
        assert_eq!(
            tool.dotted_order,
            format!(
                "{}.{}",
                session.dotted_order,
                ids::dotted_segment(tool.start, tool.run_id)
            )
        );
        assert_eq!(second.parent_run_id, tool.run_id);
        assert_eq!(refresh.parent_run_id, second.run_id);
        assert!(
            refresh
                .dotted_order
                .starts_with(&format!("{}.", second.dotted_order))
        );
        // Fields, including those recorded later; duration from elapsed_ms.
        assert_eq!(tool.str("tool"), Some("get_device_list"));
        assert_eq!(tool.u64("request_id"), Some(7));
        assert_eq!(tool.u64("items"), Some(50));
        assert_eq!(tool.bool("truncated"), Some(false));
        assert_eq!(tool.duration(), Duration::from_millis(40));
        assert!(!tool.failed());
        assert!(first.failed() && !second.failed());
        assert_eq!(first.u64("attempt"), Some(1));
        assert_eq!(second.call, Some(("7".to_string(), "1a-1".to_string())));
        assert_eq!(refresh.call, second.call);
    }

    #[test]
    fn only_tool_calls_and_their_children_are_exported() {
        let (session, spans) = capture(|| {
            let other = tracing::info_span!("something_else");
            other.in_scope(|| {
                let req = tracing::info_span!("central_request", endpoint = "/x", method = "GET");
                req.in_scope(|| {
                    let _refresh = tracing::info_span!("token_refresh");
                });
                let tool = tracing::info_span!("tool_call", tool = "t", call_id = "c");
                tool.in_scope(|| {
                    // An unrelated span in between does not break the parent chain.
                    let inner = tracing::info_span!("inner");
                    inner.in_scope(|| {
                        let _req =
                            tracing::info_span!("central_request", endpoint = "/y", method = "GET");
                    });
                });
            });
        });
        assert_eq!(
            spans.len(),
            2,
            "the probe-like request and its refresh are not exported"
        );
        let (req, tool) = (&spans[0], &spans[1]);
        assert_eq!(req.str("endpoint"), Some("/y"));
        assert_eq!(req.parent_span_id, Some(tool.span_id));
        assert_eq!(tool.parent_run_id, session.id);
        assert_eq!(tool.parent_span_id, None);
        assert!(
            tool.duration() < Duration::from_secs(5),
            "no elapsed_ms: time until close"
        );
    }
}
