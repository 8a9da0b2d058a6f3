//! The MCP server: identity, instructions for the model, and `tools/list` / `tools/call`
//! dispatch over the [`Registry`].
//!
//! Unknown tool names are JSON-RPC errors (-32602); tools excluded by configuration get an
//! `isError` refusal that says why; everything a tool does wrong or Central does wrong comes back
//! as an `isError` result. Each call runs in a tracing span carrying the tool name, the MCP request
//! id and a generated call id, so every log line it causes can be correlated.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
    CustomRequest, CustomResult, ErrorCode, GetPromptRequestParams, GetPromptResponse,
    Implementation, ListPromptsResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse,
    ReadResourceResult, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use tracing::Instrument;

use crate::central::Central;
use crate::prompts;
use crate::resources::{self, ResourceError};
use crate::sessions::{CALLS_PER_SESSION, CallTracker, SessionSlot};
use crate::telemetry;
use crate::tools::actions::ActionEnv;
use crate::tools::toolsets;
use crate::tools::{Access, LIST_TTL_MS, Progress, Registry, ToolContext, Toolset};

/// Time a tool gets after its deadline to report the deadline error it got from Central.
const TOOL_DEADLINE_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// What device-action confirmations of stateless (MCP 2026-07-28) requests are bound to instead
/// of a session (session ids never equal it).
const STATELESS_SCOPE: &str = "stateless";

/// Server name reported in `initialize`.
pub const SERVER_NAME: &str = telemetry::SERVER_NAME;

/// Guidance sent to the model in `initialize`.
pub const INSTRUCTIONS: &str = "Tools for operating an HPE Aruba Networking Central network \
(NOC work). Start with get_sites_health to see which sites are degraded and to learn site ids and \
names (list_sites maps a site name to its id); get_device_list lists devices (filter by type, status \
or site) and find_device finds one by name, serial, MAC or IP; get_ap_details, get_switch_details and \
get_gateway_details explain one device, get_switch_interfaces its ports, get_gateway_uplinks and \
list_gateway_tunnels its WAN; get_firmware_details shows devices off the recommended firmware; \
list_alerts and list_events show what happened; find_client and get_client_details explain one \
client, list_all_clients lists a site's clients (it needs site_id or site_name). If calls fail with \
circuit-breaker, rate-limit or token errors, check_server_health tells whether Central or this \
server is the problem. Never invent ids: take them from earlier results, or ask the user when a \
tool lists the choices. Only tools listed in tools/list are available. Lists are paginated: pass the returned `next` (or `next_offset`) to continue. \
Results carry structured data plus a short summary; quote numbers from them rather than estimating. \
When a tool returns an error, read it: it says which argument to fix or what Central answered \
(status, errorCode, debugId). Resources: aruba-noc://runbooks/<AlertName> is the runbook for \
an alert of this server (read it when one fires, then follow it with the tools); \
aruba-noc://health is this server's live health.";

/// The MCP handler: one per session, over state every session shares. It knows nothing of its
/// transport: stdio, the daemon's socket and Streamable HTTP all serve the same handler.
#[derive(Clone)]
pub struct NocServer {
    registry: Arc<Registry>,
    central: Arc<Central>,
    calls: Arc<AtomicU64>,
    ready: tokio::sync::watch::Receiver<bool>,
    tracker: Arc<CallTracker>,
    session: Arc<Session>,
}

/// What belongs to one session.
#[derive(Debug)]
struct Session {
    /// Its id: binds device-action confirmation codes to the session that received them.
    id: String,
    /// Its tool calls in flight, at most [`CALLS_PER_SESSION`] when it shares the server with
    /// others (the daemon); `None` for `serve`, whose process is its own.
    calls: Option<tokio::sync::Semaphore>,
    /// Its place under the session limit, given back when the last handler clone is dropped.
    _slot: Option<SessionSlot>,
    /// With `ARUBA_TOOLSETS=dynamic`, the toolsets it has enabled (beside the core).
    enabled: std::sync::Mutex<BTreeSet<Toolset>>,
}

/// Sessions started by this process (part of each session id).
static SESSIONS: AtomicU64 = AtomicU64::new(0);

impl Session {
    fn new(calls: Option<usize>, slot: Option<SessionSlot>, registry: &Registry) -> Arc<Session> {
        let n = SESSIONS.fetch_add(1, Ordering::Relaxed) + 1;
        Arc::new(Session {
            id: format!("{:x}-s{n}-{:04x}", std::process::id(), fastrand::u16(..)),
            calls: calls.map(tokio::sync::Semaphore::new),
            _slot: slot,
            enabled: std::sync::Mutex::new(registry.dynamic().cloned().unwrap_or_default()),
        })
    }

    /// The session of a `serve` process: no cap of its own.
    fn alone(registry: &Registry) -> Arc<Session> {
        Session::new(None, None, registry)
    }

    /// A session of a shared server (the daemon).
    fn shared(slot: Option<SessionSlot>, registry: &Registry) -> Arc<Session> {
        Session::new(Some(CALLS_PER_SESSION), slot, registry)
    }

    /// The toolsets it has enabled (a poisoned lock still holds a valid set).
    fn enabled(&self) -> std::sync::MutexGuard<'_, BTreeSet<Toolset>> {
        self.enabled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl NocServer {
    /// A server offering `registry`'s tools against `central`.
    pub fn new(registry: Arc<Registry>, central: Arc<Central>) -> NocServer {
        NocServer {
            session: Session::alone(&registry),
            registry,
            central,
            calls: Arc::new(AtomicU64::new(0)),
            ready: tokio::sync::watch::channel(true).1,
            tracker: CallTracker::new(),
        }
    }

    /// Holds tool calls until `ready` is true (monitoring has started and the metrics recorder is
    /// installed), so no call's metrics are lost while `initialize` and `tools/list` are answered
    /// without waiting for it. A closed channel releases the calls.
    pub fn with_startup_gate(mut self, ready: tokio::sync::watch::Receiver<bool>) -> NocServer {
        self.ready = ready;
        self
    }

    /// Counts this server's calls with `tracker` (shared by every session of a daemon, so that
    /// shutdown can drain them).
    pub fn with_tracker(mut self, tracker: Arc<CallTracker>) -> NocServer {
        self.tracker = tracker;
        self
    }

    /// What a device action needs from this call: the session, the guard rails, and how the
    /// client can be asked to confirm (elicitation, through a request or an
    /// `InputRequiredResult`, per the protocol version).
    fn action_env(
        &self,
        context: &RequestContext<RoleServer>,
        call_id: &str,
        request: &CallToolRequestParams,
    ) -> ActionEnv {
        // An MCP 2026-07-28 request is stateless: it carries its protocol version (and the
        // client's capabilities) in `_meta`, and over HTTP each one is served by a fresh handler,
        // so there is no session to bind a confirmation to. Its codes and pending elicitations
        // are bound to the tool and the exact arguments (still single-use, 120 s), under one
        // scope that no session id can equal.
        let stateless = context
            .meta
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
        let session = if stateless {
            STATELESS_SCOPE.to_string()
        } else {
            self.session.id.clone()
        };
        let mut env = ActionEnv::new(
            Arc::clone(self.registry.guard()),
            session,
            call_id.to_string(),
        );
        env.elicitation = context
            .client_capabilities()
            .and_then(|c| c.elicitation)
            .is_some_and(|e| e.form.is_some() || e.url.is_none());
        env.input_required_rounds = context
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
        env.peer = Some(context.peer.clone());
        env.input_responses = request.input_responses.clone();
        env.request_state = request.request_state.clone();
        env
    }

    /// With `ARUBA_TOOLSETS=dynamic`: answers the two meta-tools, and refuses a tool of a toolset
    /// this session has not enabled. `None`: an ordinary call.
    async fn dynamic_call(
        &self,
        name: &str,
        request: &CallToolRequestParams,
        context: &RequestContext<RoleServer>,
    ) -> Option<CallToolResponse> {
        if name == toolsets::LIST_TOOLSETS {
            let enabled = self.session.enabled().clone();
            return Some(toolsets::list(&self.registry, &enabled).into());
        }
        if name == toolsets::ENABLE_TOOLSET {
            let arguments = request.arguments.clone().unwrap_or_default();
            let (result, changed) = {
                let mut enabled = self.session.enabled();
                toolsets::enable(&self.registry, &mut enabled, &arguments)
            };
            if changed && let Err(e) = context.peer.notify_tool_list_changed().await {
                tracing::info!(error = %e, "tools/list_changed not sent");
            }
            return Some(result.into());
        }
        let spec = self.registry.get(name)?;
        if toolsets::visible(spec, &self.session.enabled()) {
            return None;
        }
        Some(refuse(format!(
            "{name} is not enabled in this session: call enable_toolset with toolset {:?} first",
            spec.toolset.name()
        )))
    }

    /// A handler for a new session of a shared server holding `slot`: same tools, Central and
    /// tracker, its own limit of [`CALLS_PER_SESSION`] calls in flight.
    pub fn for_session(&self, slot: Option<SessionSlot>) -> NocServer {
        NocServer {
            session: Session::shared(slot, &self.registry),
            ..self.clone()
        }
    }
}

impl ServerHandler for NocServer {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources();
        let capabilities = if self.registry.dynamic().is_some() {
            capabilities.enable_tool_list_changed().build()
        } else {
            capabilities.build()
        };
        ServerConfig::new(capabilities)
            .with_server_info(
                Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION"))
                    .with_title("Aruba NOC (HPE Aruba Networking Central)"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = match self.registry.dynamic() {
            None => self.registry.list(),
            Some(_) => {
                let enabled = self.session.enabled().clone();
                let mut tools: Vec<_> = self
                    .registry
                    .list()
                    .into_iter()
                    .zip(self.registry.specs())
                    .filter(|(_, spec)| toolsets::visible(spec, &enabled))
                    .map(|(tool, _)| tool)
                    .collect();
                tools.extend(toolsets::meta_tools());
                tools
            }
        };
        Ok(ListToolsResult::with_all_items(tools)
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Private))
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(
            ListPromptsResult::with_all_items(prompts::list(&self.registry.names()))
                .with_ttl_ms(LIST_TTL_MS)
                .with_cache_scope(CacheScope::Private),
        )
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(resources::list())
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Private))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        match resources::read(&self.central, &request.uri).await {
            Ok(contents) => Ok(ReadResourceResult::new(vec![contents]).into()),
            Err(e @ ResourceError::NotFound(_)) => {
                Err(ErrorData::resource_not_found(e.to_string(), None))
            }
            Err(e) => Err(ErrorData::internal_error(e.to_string(), None)),
        }
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        prompts::get(
            &request.name,
            request.arguments.as_ref(),
            &self.registry.names(),
        )
        .map(Into::into)
        .map_err(|e| ErrorData::invalid_params(e.to_string(), None))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        // Err: monitoring start-up ended without saying so; do not hold calls for it.
        let _ = self.ready.clone().wait_for(|ready| *ready).await;
        let name = request.name.to_string();
        if self.registry.dynamic().is_some()
            && let Some(answer) = self.dynamic_call(&name, &request, &context).await
        {
            return Ok(answer);
        }
        let Some(spec) = self.registry.get(&name) else {
            return match self.registry.refusal(&name) {
                Some(refusal) => Ok(refusal.into_result().into()),
                None => Err(ErrorData::invalid_params(
                    format!("unknown tool {name:?}; tools/list shows the tools this server offers"),
                    None,
                )),
            };
        };
        let Some(_in_flight) = self.tracker.start() else {
            return Ok(refuse(format!(
                "{name} was not run: this aruba-noc-mcp server is shutting down; retry in a moment"
            )));
        };
        let session_turn = self.session.calls.as_ref().map(|calls| calls.try_acquire());
        let Ok(_session_turn) = session_turn.transpose() else {
            return Ok(refuse(format!(
                "{name} was not run: busy, this session already has {CALLS_PER_SESSION} tool calls \
                 in flight; wait for one to finish, then call again"
            )));
        };
        let call_id = format!(
            "{:x}-{}",
            std::process::id(),
            self.calls.fetch_add(1, Ordering::Relaxed) + 1
        );
        let span = tracing::info_span!(
            "tool_call",
            tool = %name,
            request_id = %context.id,
            call_id = %call_id,
            outcome = tracing::field::Empty,
            action = tracing::field::Empty,
            error = tracing::field::Empty,
            items = tracing::field::Empty,
            truncated = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let progress = context
            .meta
            .get_progress_token()
            .map(|token| Progress::new(context.peer.clone(), token));
        let mut ctx = ToolContext::new(Arc::clone(&self.central))
            .with_max_duration(spec.max_duration)
            .with_request(progress, context.ct.clone());
        let mut action_env = None;
        if spec.access == Access::Action {
            let env = self.action_env(&context, &call_id, &request);
            ctx = ctx.with_action(env.clone());
            action_env = Some(env);
        }
        let arguments = request.arguments.unwrap_or_default();
        telemetry::analytics::attach_arguments(&span, &arguments);
        async move {
            let started = Instant::now();
            // Central::call keeps every upstream wait inside the deadline; this bound also covers
            // the tool's own work and gives it a moment to report a deadline error itself.
            let hard_stop = ctx.deadline + TOOL_DEADLINE_GRACE;
            let result = match tokio::time::timeout_at(hard_stop, spec.call(ctx, arguments)).await {
                Ok(result) => result,
                Err(_) => CallToolResult::error(vec![ContentBlock::text(format!(
                    "{name} did not finish within the call deadline (ARUBA_CALL_DEADLINE); Central is slow or unreachable, retry later"
                ))]),
            };
            if let Some(input_required) = action_env.as_ref().and_then(ActionEnv::take_input_required) {
                // The action waits for the engineer's answer (MCP 2026-07-28 elicitation).
                tracing::info!("tool call waits for the client's input");
                return Ok(input_required.into());
            }
            let elapsed = started.elapsed();
            let outcome = record_outcome(&tracing::Span::current(), &result, elapsed);
            telemetry::metrics::record_tool_call(&name, outcome, elapsed);
            tracing::info!(
                outcome,
                elapsed_ms = elapsed.as_secs_f64() * 1000.0,
                "tool call finished"
            );
            Ok(result.into())
        }
        .instrument(span)
        .await
    }

    /// rmcp hands over every request it could not decode: unknown methods, and known methods
    /// whose params have the wrong shape (`tools/call` without a `name`, `arguments` that is not
    /// an object). The latter get -32602 naming what is wrong instead of "method not found".
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        Err(malformed_request(&request.method, request.params))
    }
}

/// An `isError` result that ran nothing.
fn refuse(message: String) -> CallToolResponse {
    CallToolResult::error(vec![ContentBlock::text(message)]).into()
}

/// The JSON-RPC error for a request rmcp could not decode.
fn malformed_request(method: &str, params: Option<serde_json::Value>) -> ErrorData {
    let params = params.unwrap_or(serde_json::Value::Null);
    let problem = match method {
        "tools/call" => serde_json::from_value::<CallToolRequestParams>(params)
            .err()
            .map(|e| (e, r#"{"name": "<tool>", "arguments": {…}}"#)),
        "prompts/get" => serde_json::from_value::<GetPromptRequestParams>(params)
            .err()
            .map(|e| {
                (
                    e,
                    r#"{"name": "<prompt>", "arguments": {"<name>": "<text>", …}}"#,
                )
            }),
        _ => None,
    };
    match problem {
        Some((e, expected)) => ErrorData::invalid_params(
            format!("{method}: invalid params ({e}); expected {expected}"),
            None,
        ),
        None => ErrorData::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("method not found: {method:?}"),
            None,
        ),
    }
}

/// Records how a tool call ended on its span (`outcome`, `error`, `items`, `truncated`,
/// `elapsed_ms`) and returns the outcome label, `ok` or `error`.
fn record_outcome(
    span: &tracing::Span,
    result: &CallToolResult,
    elapsed: std::time::Duration,
) -> &'static str {
    let failed = result.is_error == Some(true);
    let outcome = if failed { "error" } else { "ok" };
    span.record("outcome", outcome);
    span.record("elapsed_ms", elapsed.as_secs_f64() * 1000.0);
    if failed {
        let message: String = result
            .content
            .iter()
            .filter_map(|block| block.as_text().map(|t| t.text.as_str()))
            .collect::<Vec<_>>()
            .join(" ");
        span.record("error", message.as_str());
    } else if let Some(shape) = result
        .structured_content
        .as_ref()
        .map(crate::tools::ResultShape::of)
    {
        if let Some(items) = shape.items {
            span.record("items", items);
        }
        if let Some(truncated) = shape.truncated {
            span.record("truncated", truncated);
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn malformed_known_methods_are_invalid_params() {
        let e = malformed_request("tools/call", Some(json!({"arguments": {}})));
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
        assert!(e.message.contains("missing field `name`"), "{}", e.message);
        let e = malformed_request("tools/call", Some(json!({"name": "x", "arguments": 5})));
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
        let e = malformed_request("tools/call", None);
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
        let e = malformed_request("prompts/get", Some(json!({"name": 7})));
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
        let e = malformed_request("no/such", None);
        assert_eq!(e.code, ErrorCode::METHOD_NOT_FOUND);
        assert!(e.message.contains("no/such"));
    }
}
