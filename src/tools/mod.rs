//! The MCP tool surface: one file per domain, plus the shared machinery here.
//!
//! A tool is a [`ToolSpec`]: name, title, description, toolset, whether it only reads or also
//! POSTs to Central, and a handler. Its input and output JSON schemas are generated from the Rust
//! types ahead of time and embedded ([`schemas`]). The [`Registry`] holds the tools this process
//! offers, after `ARUBA_TOOLSETS`, `ARUBA_TOOLS` and `ARUBA_READ_ONLY` have narrowed the
//! catalogue; what is not offered is neither listed nor callable.
//!
//! Every handler decodes and validates its arguments (no upstream request on bad input), calls
//! Central through [`crate::central::Central::call`], and returns a typed output that becomes
//! `structuredContent` plus a short text summary. Failures become `isError` results that say what
//! happened and what to do.

pub mod actions;
pub mod alerts;
pub mod aps;
pub mod args;
pub mod arp_table;
pub mod bounds;
pub mod client_details;
pub mod clients;
pub mod connectivity;
pub mod device_tasks;
pub mod devices;
pub mod diagnostics;
pub mod events;
pub mod fields;
pub mod find_client;
pub mod find_device;
pub mod firmware;
pub mod gateways;
pub mod guard;
pub mod health;
pub mod inventory;
pub mod locate;
pub mod nslookup;
pub mod ping_sweep;
pub mod projection;
pub mod radios;
pub mod scalar;
pub mod schemas;
pub mod scope;
pub mod secret;
pub mod shape;
pub mod show_commands;
pub mod site_details;
pub mod sites;
pub mod switches;
pub mod threats;
pub mod throughput;
pub mod toolsets;
pub mod top;
pub mod trends;
pub mod wlans;

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::model::{
    CallToolResult, ContentBlock, JsonObject, ProgressNotificationParam, ProgressToken, Tool,
    ToolAnnotations,
};
use rmcp::schemars::JsonSchema;
use rmcp::service::Peer;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

pub use shape::ResultShape;

use crate::central::{ApiError, Central};
use crate::config::ToolSettings;

/// A tool call that did not produce a result.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ToolError {
    /// The arguments are wrong; the message names the argument and the accepted form.
    #[error("Invalid arguments: {0}")]
    InvalidArgument(String),
    /// The tool needs a site and none (or an unknown one) was given; the message lists sites.
    #[error("{0}")]
    SiteRequired(String),
    /// Central answered with an error or could not be reached.
    #[error("{context} failed: {source}. {}", source.advice())]
    Api {
        /// What the tool was doing, e.g. "Listing devices".
        context: String,
        /// The pipeline error.
        #[source]
        source: Box<ApiError>,
    },
    /// A more specific explanation of an upstream answer (e.g. "No AP with serial X").
    #[error("{message} ({source})")]
    Explained {
        /// The explanation and what to do.
        message: String,
        /// The pipeline error it explains.
        #[source]
        source: Box<ApiError>,
    },
    /// The tool is not offered by this server (read-only mode or toolset selection).
    #[error("{0}")]
    Refused(String),
    /// The client cancelled the call (`notifications/cancelled`); the message says what was
    /// left running upstream and how to pick it up.
    #[error("{0}")]
    Cancelled(String),
    /// Central answered 2xx with a body this server cannot use.
    #[error("{0}")]
    Unexpected(String),
}

impl ToolError {
    /// Wraps a pipeline error with what the tool was doing.
    pub fn api(context: impl Into<String>) -> impl FnOnce(ApiError) -> ToolError {
        let context = context.into();
        move |source| ToolError::Api {
            context,
            source: Box::new(source),
        }
    }

    /// A bounded label for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            ToolError::InvalidArgument(_) => "invalid_arguments",
            ToolError::SiteRequired(_) => "site_required",
            ToolError::Api { source, .. } | ToolError::Explained { source, .. } => source.kind(),
            ToolError::Refused(_) => "refused",
            ToolError::Cancelled(_) => "cancelled",
            ToolError::Unexpected(_) => "invalid_response",
        }
    }

    /// Maps HTTP 404 to `message` (what was not found and where to look it up), and any other
    /// failure to [`ToolError::api`] with `context`.
    pub fn not_found(
        context: impl Into<String>,
        message: impl Into<String>,
    ) -> impl FnOnce(ApiError) -> ToolError {
        let context = context.into();
        let message = message.into();
        move |source| match source {
            ApiError::Http { status: 404, .. } => ToolError::Explained {
                message,
                source: Box::new(source),
            },
            other => ToolError::api(context)(other),
        }
    }

    /// The error for a 2xx answer whose body is not the JSON object the route documents.
    pub fn not_an_object(route: crate::central::routes::Route) -> ToolError {
        ToolError::Explained {
            message: "Central's answer was not the documented JSON object".to_string(),
            source: Box::new(ApiError::InvalidResponse {
                call: route.call_name(),
                detail: "expected a JSON object".into(),
            }),
        }
    }

    /// The `isError` tool result carrying this error's message.
    pub fn into_result(self) -> CallToolResult {
        CallToolResult::error(vec![ContentBlock::text(self.to_string())])
    }
}

/// How long a client may treat `tools/list` and `prompts/list` as fresh (`ttlMs`, MCP
/// 2026-07-28), sent with `cacheScope: private`: the lists follow this server's settings
/// (`ARUBA_TOOLSETS`, `ARUBA_TOOLS`, `ARUBA_READ_ONLY`) and do not change while it runs; a
/// change is announced with `notifications/tools/list_changed`.
pub const LIST_TTL_MS: u64 = 3_600_000;

/// The field of every result's `structuredContent` that holds [`ToolOutput::summary`].
pub const SUMMARY: &str = "summary";

/// A tool's typed result: serialised as `structuredContent` (with its summary in the
/// [`SUMMARY`] field), and as text for clients that ignore structured content.
pub trait ToolOutput: Serialize + JsonSchema + Send + 'static {
    /// A few sentences for the model: counts, the worst items, what was left out and how to get it.
    fn summary(&self) -> String;
}

/// Turns a typed output into the MCP result: `structuredContent` is the output's JSON with the
/// summary in its [`SUMMARY`] field (clients that show the model only structured content still
/// get it), and one text block holds the summary and that JSON, compact, for clients that ignore
/// `structuredContent`. A result larger than `bound` bytes is cut to fit ([`bounds::fit`]), and
/// its summary says so.
pub fn success<O: ToolOutput>(output: &O, bound: usize) -> CallToolResult {
    let mut summary = output.summary();
    let mut object = match serde_json::to_value(output) {
        Ok(serde_json::Value::Object(object)) => object,
        Ok(other) => {
            return internal_error(format!(
                "the result is not a JSON object ({})",
                other.to_string().chars().take(64).collect::<String>()
            ));
        }
        Err(e) => return internal_error(format!("the result could not be serialised ({e})")),
    };
    object.insert(SUMMARY.into(), summary.clone().into());
    let mut json = serde_json::to_string(&object).unwrap_or_default();
    if json.len() > bound {
        match bounds::fit(&mut object, bound) {
            Ok(None) => {}
            Ok(Some(note)) => {
                summary = format!("{summary} {note}");
                object.insert(SUMMARY.into(), summary.clone().into());
            }
            Err(size) => {
                return ToolError::Unexpected(format!(
                    "The result is {size} bytes, more than the {} kB a result may have, even \
                     without its lists; narrow the call (a filter, a smaller limit, fewer fields).",
                    bound / 1024
                ))
                .into_result();
            }
        }
        json = serde_json::to_string(&object).unwrap_or_default();
    }
    let text = format!("{summary}\n{json}");
    let value = serde_json::Value::Object(object);
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(value);
    result
}

/// An `isError` result for a failure of this server itself.
fn internal_error(message: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(format!(
        "internal error: {message}"
    ))])
}

/// Sends MCP `notifications/progress` for one tool call, with the progress token the client put
/// in the request's `_meta`. `progress` only ever increases: a report that would not increase it
/// is dropped.
#[derive(Clone)]
pub struct Progress {
    peer: Peer<RoleServer>,
    token: ProgressToken,
    last: Arc<std::sync::Mutex<Option<f64>>>,
}

impl Progress {
    /// A reporter sending to `peer` under `token`.
    pub fn new(peer: Peer<RoleServer>, token: ProgressToken) -> Progress {
        Progress {
            peer,
            token,
            last: Arc::new(std::sync::Mutex::new(None)),
        }
    }

    /// The last progress value sent, if any.
    pub fn last(&self) -> Option<f64> {
        *self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends one notification when `progress` is larger than the last one sent. A failure to
    /// send (client gone) is logged and otherwise ignored.
    pub async fn report(&self, progress: f64, total: Option<f64>, message: impl Into<String>) {
        {
            let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
            if !progress.is_finite() || last.is_some_and(|l| progress <= l) {
                return;
            }
            *last = Some(progress);
        }
        let mut param =
            ProgressNotificationParam::new(self.token.clone(), progress).with_message(message);
        if let Some(total) = total {
            param = param.with_total(total);
        }
        if let Err(e) = self.peer.notify_progress(param).await {
            tracing::debug!(error = %e, "progress notification not sent");
        }
    }
}

/// What a handler gets besides its arguments.
#[derive(Clone)]
pub struct ToolContext {
    /// The Central client.
    pub central: Arc<Central>,
    /// When this tool call must be finished (`ARUBA_CALL_DEADLINE` after it started, or the
    /// tool's own longer limit, see [`ToolSpec::with_max_duration`]); every upstream call it
    /// makes shares this deadline.
    pub deadline: tokio::time::Instant,
    /// Progress reporting, when the client asked for it (a `progressToken` in `_meta`).
    pub progress: Option<Progress>,
    /// Cancelled when the client cancels the request; long-running tools stop waiting.
    pub cancel: CancellationToken,
    /// What a device action needs besides Central (session, guard rails, the client's
    /// confirmation channel); `None` outside an MCP call.
    pub action: Option<actions::ActionEnv>,
}

impl ToolContext {
    /// A context for a call starting now, without progress reporting or cancellation.
    pub fn new(central: Arc<Central>) -> ToolContext {
        let deadline = central.deadline_from_now();
        ToolContext {
            central,
            deadline,
            progress: None,
            cancel: CancellationToken::new(),
            action: None,
        }
    }

    /// Sets what a device action needs (the MCP session, the guard rails, the client's
    /// confirmation channel).
    pub fn with_action(mut self, env: actions::ActionEnv) -> ToolContext {
        self.action = Some(env);
        self
    }

    /// Sets the progress reporter and the cancellation token of the MCP request.
    pub fn with_request(
        mut self,
        progress: Option<Progress>,
        cancel: CancellationToken,
    ) -> ToolContext {
        self.progress = progress;
        self.cancel = cancel;
        self
    }

    /// Extends the deadline to at least `duration` from now (for tools that wait on Central).
    pub fn with_max_duration(mut self, duration: Option<std::time::Duration>) -> ToolContext {
        if let Some(d) = duration {
            self.deadline = self.deadline.max(tokio::time::Instant::now() + d);
        }
        self
    }

    /// Sends a progress notification when the client asked for progress.
    pub async fn report_progress(&self, progress: f64, total: Option<f64>, message: String) {
        if let Some(p) = &self.progress {
            p.report(progress, total, message).await;
        }
    }

    /// Sends one request to Central within this call's deadline.
    pub async fn call(
        &self,
        request: crate::central::ApiRequest,
    ) -> Result<crate::central::ApiResponse, crate::central::ApiError> {
        self.central.call(request, self.deadline).await
    }

    /// Sends one request whose answer is documented as a JSON object and returns that object;
    /// `on_error` turns a failed call into the tool's error.
    pub async fn call_object(
        &self,
        request: crate::central::ApiRequest,
        on_error: impl FnOnce(crate::central::ApiError) -> ToolError,
    ) -> Result<serde_json::Value, ToolError> {
        let route = request.route;
        let body = self.call(request).await.map_err(on_error)?.body;
        if !body.is_object() {
            return Err(ToolError::not_an_object(route));
        }
        Ok(body)
    }
}

/// Groups of tools that `ARUBA_TOOLSETS` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Toolset {
    /// Sites, devices, APs, switches, gateways, WLANs, firmware.
    Monitoring,
    /// Wired and wireless clients.
    Clients,
    /// Active tests (ping, traceroute) that POST to Central.
    Diagnostics,
    /// Alerts, events, IDPS threats.
    Security,
    /// Device actions that change a device's state (reboot, bounce): offered only with
    /// `ARUBA_ACTIONS=on`, never in read-only mode, each call confirmed.
    Actions,
}

impl Toolset {
    /// Every toolset.
    pub const ALL: [Toolset; 5] = [
        Toolset::Monitoring,
        Toolset::Clients,
        Toolset::Diagnostics,
        Toolset::Security,
        Toolset::Actions,
    ];

    /// The name used in `ARUBA_TOOLSETS`.
    pub fn name(self) -> &'static str {
        match self {
            Toolset::Monitoring => "monitoring",
            Toolset::Clients => "clients",
            Toolset::Diagnostics => "diagnostics",
            Toolset::Security => "security",
            Toolset::Actions => "actions",
        }
    }
}

/// Whether a tool only reads, or also starts actions on devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// GET only.
    Read,
    /// POSTs to Central (hidden and refused in read-only mode).
    Active,
    /// Changes a device's state: hidden unless `ARUBA_ACTIONS` is on, and in read-only mode.
    Action,
}

type Handler = Arc<
    dyn Fn(ToolContext, JsonObject) -> Pin<Box<dyn Future<Output = CallToolResult> + Send>>
        + Send
        + Sync,
>;

type Checker = fn(JsonObject) -> Result<(), ToolError>;

/// One tool: its MCP definition and its handler.
#[derive(Clone)]
pub struct ToolSpec {
    /// The MCP definition without its JSON schemas (name, title, description, annotations):
    /// [`Registry::list`] adds the embedded schemas when `tools/list` needs them.
    tool: Tool,
    /// Generates the input and output schemas from the types (for the test that checks the
    /// embedded ones).
    #[cfg(test)]
    generate_schemas: fn(bool) -> (JsonObject, JsonObject),
    /// Its toolset.
    pub toolset: Toolset,
    /// Read or active.
    pub access: Access,
    /// How long a call may run when that is longer than `ARUBA_CALL_DEADLINE` (tools that wait
    /// for a device test to finish).
    pub max_duration: Option<std::time::Duration>,
    handler: Handler,
    checker: Checker,
}

impl std::fmt::Debug for ToolSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolSpec")
            .field("name", &self.tool.name)
            .field("toolset", &self.toolset)
            .field("access", &self.access)
            .finish()
    }
}

/// Name, title and description of a tool.
#[derive(Debug, Clone, Copy)]
pub struct ToolInfo {
    /// Tool name (the reference server's name where one exists).
    pub name: &'static str,
    /// Human-readable title.
    pub title: &'static str,
    /// What it does, for the model: when to use it, what it returns, which arguments matter.
    pub description: &'static str,
    /// Its toolset.
    pub toolset: Toolset,
}

impl ToolSpec {
    /// A read-only tool from a typed async handler.
    pub fn read<A, O, F, Fut>(info: ToolInfo, handler: F) -> ToolSpec
    where
        A: DeserializeOwned + JsonSchema + args::Validate + Send + 'static,
        O: ToolOutput,
        F: Fn(ToolContext, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
    {
        // The destructive and idempotent hints mean nothing when readOnlyHint is true (MCP
        // spec), and the title is the tool's own `title`: neither is repeated here.
        let annotations = ToolAnnotations::new().read_only(true).open_world(true);
        Self::build::<A, O, F, Fut>(info, Access::Read, annotations, handler)
    }

    /// A tool that starts a test on a device (POSTs to Central): not read-only, not destructive,
    /// not idempotent (each call starts a new test), open world. Hidden and refused when
    /// `ARUBA_READ_ONLY` is set.
    pub fn active<A, O, F, Fut>(info: ToolInfo, handler: F) -> ToolSpec
    where
        A: DeserializeOwned + JsonSchema + args::Validate + Send + 'static,
        O: ToolOutput,
        F: Fn(ToolContext, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
    {
        let annotations = ToolAnnotations::new()
            .read_only(false)
            .destructive(false)
            .idempotent(false)
            .open_world(true);
        Self::build::<A, O, F, Fut>(info, Access::Active, annotations, handler)
    }

    /// A device action (reboot, bounce, disconnect): not read-only, destructive, not idempotent,
    /// open world. Hidden and refused unless `ARUBA_ACTIONS` is on, and in read-only mode.
    pub fn action<A, O, F, Fut>(info: ToolInfo, handler: F) -> ToolSpec
    where
        A: DeserializeOwned + JsonSchema + args::Validate + Send + 'static,
        O: ToolOutput,
        F: Fn(ToolContext, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
    {
        let annotations = ToolAnnotations::new()
            .read_only(false)
            .destructive(true)
            .idempotent(false)
            .open_world(true);
        Self::build::<A, O, F, Fut>(info, Access::Action, annotations, handler)
    }

    /// Lets a call run for up to `duration` when that is longer than `ARUBA_CALL_DEADLINE`.
    pub fn with_max_duration(mut self, duration: std::time::Duration) -> ToolSpec {
        self.max_duration = Some(duration);
        self
    }

    fn build<A, O, F, Fut>(
        info: ToolInfo,
        access: Access,
        annotations: ToolAnnotations,
        handler: F,
    ) -> ToolSpec
    where
        A: DeserializeOwned + JsonSchema + args::Validate + Send + 'static,
        O: ToolOutput,
        F: Fn(ToolContext, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
    {
        let tool = Tool::new(info.name, info.description, Arc::new(JsonObject::new()))
            .with_title(info.title)
            .with_annotations(annotations);
        let handler = Arc::new(handler);
        let call: Handler = Arc::new(move |ctx: ToolContext, arguments: JsonObject| {
            let bound = bounds::bound_for(&arguments);
            let decoded = args::decode::<A>(arguments);
            let handler = Arc::clone(&handler);
            Box::pin(async move {
                let result = match decoded {
                    Ok(a) => handler(ctx, a).await,
                    Err(e) => Err(e),
                };
                match result {
                    Ok(output) => success(&output, bound),
                    Err(error) => error.into_result(),
                }
            })
        });
        ToolSpec {
            tool,
            #[cfg(test)]
            generate_schemas: |compact| {
                (
                    schemas::generate::input::<A>(compact),
                    schemas::generate::output::<O>(compact),
                )
            },
            toolset: info.toolset,
            access,
            max_duration: None,
            handler: call,
            checker: |arguments| args::decode::<A>(arguments).map(drop),
        }
    }

    /// The complete MCP definition with the given schemas.
    fn definition(&self, schemas: schemas::ToolSchemas) -> Tool {
        let mut tool = self.tool.clone();
        tool.input_schema = schemas.input;
        tool.output_schema = Some(schemas.output);
        tool
    }

    /// The input and output schemas generated from the tool's types, in the compact dialect
    /// (what is embedded) or as schemars writes them (to check that compacting loses nothing).
    #[cfg(test)]
    pub(crate) fn generate_schemas(&self, compact: bool) -> (JsonObject, JsonObject) {
        (self.generate_schemas)(compact)
    }

    /// The tool's MCP annotations (read-only, destructive, idempotent, open-world hints).
    pub fn annotations(&self) -> Option<&ToolAnnotations> {
        self.tool.annotations.as_ref()
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.tool.name
    }

    /// Decodes and validates `arguments` exactly as [`ToolSpec::call`] does first, without
    /// calling Central: `Err` is the `isError` message a call would get. For the fuzz targets
    /// and the bad-input tests.
    pub fn check_arguments(&self, arguments: JsonObject) -> Result<(), ToolError> {
        (self.checker)(arguments)
    }

    /// Runs the tool; never fails: errors are `isError` results.
    pub async fn call(&self, ctx: ToolContext, arguments: JsonObject) -> CallToolResult {
        (self.handler)(ctx, arguments).await
    }
}

/// Every tool this server knows, in a fixed order: the reference server's 28 tools in its order,
/// then the tools it lacked, then `check_server_health`.
pub fn catalogue() -> Vec<ToolSpec> {
    vec![
        devices::get_device_list(),
        clients::list_all_clients(),
        firmware::get_firmware_details(),
        gateways::list_gateways(),
        sites::get_sites_health(),
        inventory::get_device_inventory(),
        switches::get_switch_details(),
        aps::get_ap_details(),
        site_details::get_site_details(),
        site_details::get_tenant_device_health(),
        trends::get_client_trends(),
        gateways::get_gateway_details(),
        top::get_top_aps_by_bandwidth(),
        top::get_top_clients_by_usage(),
        trends::get_ap_cpu_utilization(),
        wlans::list_wlans(),
        wlans::get_wlan_details(),
        radios::get_ap_radios(),
        gateways::get_gateway_cluster_info(),
        gateways::list_gateway_tunnels(),
        gateways::get_gateway_uplinks(),
        diagnostics::ping_from_ap(),
        diagnostics::ping_from_gateway(),
        diagnostics::traceroute_from_ap(),
        diagnostics::get_async_test_result(),
        threats::list_idps_threats(),
        switches::get_stack_members(),
        switches::get_switch_interfaces(),
        site_details::list_sites(),
        find_device::find_device(),
        find_client::find_client(),
        client_details::get_client_details(),
        alerts::list_alerts(),
        events::list_events(),
        diagnostics::ping_from_switch(),
        diagnostics::traceroute_from_gateway(),
        diagnostics::traceroute_from_switch(),
        health::check_server_health(),
        device_tasks::list_device_tasks(),
        show_commands::run_show_commands(),
        throughput::run_throughput_test(),
        ping_sweep::ping_sweep_from_gateway(),
        arp_table::get_arp_table(),
        locate::locate_device(),
        nslookup::nslookup_from_ap(),
        connectivity::test_connectivity(),
        actions::bounce_poe(),
        actions::bounce_port(),
        actions::reboot_device(),
        actions::run_cable_test(),
        actions::disconnect_clients(),
    ]
}

/// The names of the device actions (toolset `actions`).
pub const ACTION_NAMES: [&str; 5] = [
    "bounce_poe",
    "bounce_port",
    "reboot_device",
    "run_cable_test",
    "disconnect_clients",
];

/// The troubleshooting tools of issue 19 that came after the fuzz seeds were committed (the
/// fuzz harness leaves them out so the seeds keep their tool indices).
pub const TROUBLESHOOT_NAMES: [&str; 8] = [
    "list_device_tasks",
    "run_show_commands",
    "run_throughput_test",
    "ping_sweep_from_gateway",
    "get_arp_table",
    "locate_device",
    "nslookup_from_ap",
    "test_connectivity",
];

fn catalogue_action_names() -> &'static [&'static str] {
    &ACTION_NAMES
}

/// The tools this process offers, after selection.
pub struct Registry {
    tools: Vec<ToolSpec>,
    index: HashMap<String, usize>,
    read_only: bool,
    actions: bool,
    known: BTreeSet<String>,
    guard: Arc<guard::ActionGuard>,
    /// `ARUBA_TOOLSETS=dynamic`: the toolsets enabled at the start of each session (beside the
    /// core, [`toolsets::CORE`]); `None` when every selected tool is offered from the start.
    dynamic: Option<BTreeSet<Toolset>>,
}

/// A tool selection that names something that does not exist.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: unknown {what} {names}; valid: {valid}")]
pub struct SelectionError {
    /// `ARUBA_TOOLSETS` or `ARUBA_TOOLS`.
    pub setting: &'static str,
    /// "toolset(s)" or "tool(s)".
    pub what: &'static str,
    /// The unknown names.
    pub names: String,
    /// The valid names.
    pub valid: String,
}

impl Registry {
    /// Narrows `catalogue` by the settings. Unknown toolset or tool names are an error naming the
    /// setting and listing the valid names.
    pub fn select(
        catalogue: Vec<ToolSpec>,
        settings: &ToolSettings,
    ) -> Result<Registry, SelectionError> {
        let known: BTreeSet<String> = catalogue.iter().map(|t| t.name().to_string()).collect();
        let dynamic = settings
            .toolsets
            .as_ref()
            .is_some_and(|names| names.iter().any(|n| toolsets::is_dynamic(n)));
        let mut toolsets: Option<BTreeSet<Toolset>> = match &settings.toolsets {
            None => None,
            Some(names) => {
                let mut chosen = BTreeSet::new();
                let mut unknown = Vec::new();
                for n in names.iter().filter(|n| !toolsets::is_dynamic(n)) {
                    match Toolset::ALL
                        .iter()
                        .find(|t| t.name().eq_ignore_ascii_case(n))
                    {
                        Some(t) => {
                            chosen.insert(*t);
                        }
                        None => unknown.push(n.clone()),
                    }
                }
                if !unknown.is_empty() {
                    return Err(SelectionError {
                        setting: "ARUBA_TOOLSETS",
                        what: "toolset(s)",
                        names: unknown.join(", "),
                        valid: toolsets::VALID.to_string(),
                    });
                }
                Some(chosen)
            }
        };
        // Dynamic: every toolset can be enabled later; the named ones start enabled.
        let dynamic = dynamic.then(|| toolsets.take().unwrap_or_default());
        if let Some(names) = &settings.tools {
            let unknown: Vec<&str> = names
                .iter()
                .filter(|n| !known.contains(n.as_str()))
                .map(String::as_str)
                .collect();
            if !unknown.is_empty() {
                return Err(SelectionError {
                    setting: "ARUBA_TOOLS",
                    what: "tool(s)",
                    names: unknown.join(", "),
                    valid: known.iter().cloned().collect::<Vec<_>>().join(", "),
                });
            }
        }
        let tools: Vec<ToolSpec> = catalogue
            .into_iter()
            .filter(|t| toolsets.as_ref().is_none_or(|s| s.contains(&t.toolset)))
            .filter(|t| {
                settings
                    .tools
                    .as_ref()
                    .is_none_or(|names| names.iter().any(|n| n == t.name()))
            })
            .filter(|t| !(settings.read_only && t.access != Access::Read))
            .filter(|t| t.access != Access::Action || settings.actions)
            .collect();
        let index = tools
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name().to_string(), i))
            .collect();
        Ok(Registry {
            tools,
            index,
            read_only: settings.read_only,
            actions: settings.actions,
            known,
            guard: Arc::new(guard::ActionGuard::new(
                settings.actions_confirm,
                settings.actions_per_minute,
            )),
            dynamic,
        })
    }

    /// The guard rails of the device actions, one per server whatever the number of sessions.
    pub fn guard(&self) -> &Arc<guard::ActionGuard> {
        &self.guard
    }

    /// The offered tools' complete MCP definitions, JSON schemas included, in catalogue order.
    /// Parses the embedded schemas on each call (about 1 ms for the catalogue; `tools/list` comes
    /// once or twice a session), so no process keeps them between calls.
    pub fn list(&self) -> Vec<Tool> {
        let mut embedded = schemas::embedded();
        self.tools
            .iter()
            .map(|spec| spec.definition(schemas::take(&mut embedded, spec.name())))
            .collect()
    }

    /// Names of the offered tools.
    pub fn names(&self) -> std::collections::BTreeSet<String> {
        self.index.keys().map(|k| k.to_string()).collect()
    }

    /// The offered tool called `name`.
    pub fn get(&self, name: &str) -> Option<&ToolSpec> {
        self.index.get(name).and_then(|i| self.tools.get(*i))
    }

    /// Why `name` cannot be called: not offered here (a refusal) or unknown (`None`).
    pub fn refusal(&self, name: &str) -> Option<ToolError> {
        if !self.known.contains(name) || self.index.contains_key(name) {
            return None;
        }
        let is_action = catalogue_action_names().contains(&name);
        if is_action && self.read_only {
            return Some(ToolError::Refused(format!(
                "{name} is not available: this server runs read-only (ARUBA_READ_ONLY), which hides \
                 the device actions whatever ARUBA_ACTIONS says"
            )));
        }
        if is_action && !self.actions {
            return Some(ToolError::Refused(format!(
                "{name} is not available: device actions are off; the operator turns them on with \
                 ARUBA_ACTIONS=on (flag --actions on, or actions = true in the config file)"
            )));
        }
        Some(ToolError::Refused(if self.read_only {
            format!(
                "{name} is not available: this server runs read-only (ARUBA_READ_ONLY) or the tool \
                 is excluded by ARUBA_TOOLSETS/ARUBA_TOOLS"
            )
        } else {
            format!("{name} is not available: it is excluded by ARUBA_TOOLSETS/ARUBA_TOOLS")
        }))
    }

    /// With `ARUBA_TOOLSETS=dynamic`, the toolsets each session starts with beside the core.
    pub fn dynamic(&self) -> Option<&BTreeSet<Toolset>> {
        self.dynamic.as_ref()
    }

    /// Every offered tool's spec, in catalogue order.
    pub fn specs(&self) -> &[ToolSpec] {
        &self.tools
    }

    /// Number of offered tools.
    pub fn len(&self) -> usize {
        self.tools.len()
    }

    /// True when no tool is offered.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(
        toolsets: Option<&[&str]>,
        tools: Option<&[&str]>,
        read_only: bool,
    ) -> ToolSettings {
        let owned = |l: &[&str]| l.iter().map(|s| (*s).to_string()).collect();
        ToolSettings {
            read_only,
            toolsets: toolsets.map(owned),
            tools: tools.map(owned),
            ..ToolSettings::default()
        }
    }

    #[test]
    fn catalogue_names_are_unique_and_schemas_are_objects() {
        let all = catalogue();
        let names: BTreeSet<&str> = all.iter().map(ToolSpec::name).collect();
        assert_eq!(names.len(), all.len());
        let registry = Registry::select(catalogue(), &settings(None, None, false)).unwrap();
        for (spec, t) in all.iter().zip(registry.list()) {
            assert_eq!(spec.name(), t.name);
            assert_eq!(
                t.input_schema.get("type").and_then(|v| v.as_str()),
                Some("object"),
                "{}",
                spec.name()
            );
            let out = t.output_schema.as_ref().expect("output schema");
            assert_eq!(
                out.get("type").and_then(|v| v.as_str()),
                Some("object"),
                "{}",
                spec.name()
            );
            assert!(t.annotations.is_some());
            assert_eq!(spec.annotations(), t.annotations.as_ref());
        }
    }

    /// The input schemas show optional arguments as their plain type, but `null` stays what it
    /// was: "not given". Every tool takes `null` for each optional argument beside a valid call.
    #[test]
    fn null_still_means_not_given_for_every_optional_argument() {
        let valid = |name: &str| -> serde_json::Value {
            match name {
                "serial" | "serial_number" | "gateway_serial" => "CNK7ABC123".into(),
                "site_id" => "24833497".into(),
                "mac_address" | "client_mac" => "aa:bb:cc:dd:ee:ff".into(),
                "destination" => "8.8.8.8".into(),
                "commands" => serde_json::json!(["show version"]),
                "start_size" | "end_size" => 1400.into(),
                "kind" => "http".into(),
                "location" => "/network-troubleshooting/v1/aps/CNK7ABC123/ping/async-operations/\
                               0b0f5f5e-1111-4222-8333-444455556666"
                    .into(),
                _ => "lobby-1".into(),
            }
        };
        // Arguments some tools need although the schema cannot say so ("this or that").
        let extras = ["site_id", "destination", "location", "cluster_name"];
        let registry = Registry::select(catalogue(), &settings(None, None, false)).unwrap();
        let mut checked = 0;
        for tool in registry.list() {
            let spec = registry.get(&tool.name).unwrap();
            let properties = tool
                .input_schema
                .get("properties")
                .and_then(|p| p.as_object());
            let required: Vec<&str> = tool
                .input_schema
                .get("required")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_str())
                .collect();
            let mut base: JsonObject = required.iter().map(|n| (n.to_string(), valid(n))).collect();
            for extra in extras {
                if spec.check_arguments(base.clone()).is_ok() {
                    break;
                }
                if properties.is_some_and(|p| p.contains_key(extra)) {
                    base.insert(extra.into(), valid(extra));
                }
            }
            if let Err(e) = spec.check_arguments(base.clone()) {
                panic!("{}: no valid call from {base:?}: {e}", tool.name);
            }
            for name in properties.into_iter().flat_map(|p| p.keys()) {
                if base.contains_key(name) {
                    continue;
                }
                let mut args = base.clone();
                args.insert(name.clone(), serde_json::Value::Null);
                if let Err(e) = spec.check_arguments(args) {
                    panic!("{}: `{name}: null` is refused: {e}", tool.name);
                }
                checked += 1;
            }
        }
        assert!(checked > 150, "only {checked} optional arguments checked");
    }

    #[derive(Serialize, JsonSchema)]
    #[schemars(crate = "rmcp::schemars")]
    struct Listing {
        returned: usize,
        items: Vec<String>,
    }

    impl ToolOutput for Listing {
        fn summary(&self) -> String {
            format!("{} items.", self.returned)
        }
    }

    fn text_of(result: &CallToolResult) -> Vec<String> {
        result
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.clone()))
            .collect()
    }

    #[test]
    fn a_result_carries_its_summary_and_one_compact_text_block() {
        let small = Listing {
            returned: 2,
            items: vec!["a".into(), "b".into()],
        };
        let result = success(&small, bounds::DEFAULT_BOUND);
        let structured = result.structured_content.clone().expect("structured");
        assert_eq!(
            structured,
            serde_json::json!({"returned": 2, "items": ["a", "b"], "summary": "2 items."})
        );
        assert_eq!(
            text_of(&result),
            [format!("2 items.\n{structured}")],
            "the summary, then the JSON, compact"
        );
    }

    #[test]
    fn a_result_over_its_bound_is_cut_and_its_summary_says_so() {
        let big = Listing {
            returned: 50,
            items: vec!["x".repeat(1000); 50],
        };
        let result = success(&big, bounds::DEFAULT_BOUND);
        let structured = result.structured_content.clone().expect("structured");
        assert!(structured.to_string().len() <= bounds::DEFAULT_BOUND);
        let kept = structured["items"].as_array().unwrap().len();
        assert_eq!(structured["returned"], kept);
        let summary = structured[SUMMARY].as_str().unwrap();
        assert!(
            summary.starts_with("50 items. Cut items to the first"),
            "{summary}"
        );
        assert!(structured[bounds::CUT].as_str().is_some());
        assert_eq!(ResultShape::of(&structured).truncated, Some(true));
        let larger = success(&big, bounds::MAX_BOUND);
        let all = larger.structured_content.expect("structured");
        assert_eq!(all["items"].as_array().unwrap().len(), 50);
        assert!(all.get(bounds::CUT).is_none());
    }

    /// The bytes of `value` as compact JSON.
    fn json_len(value: &impl Serialize) -> usize {
        serde_json::to_string(value).expect("serialise").len()
    }

    /// What clients put in front of the model for `tool`: name, title, description, inputSchema
    /// and annotations.
    fn model_view(tool: &Tool) -> serde_json::Value {
        serde_json::json!({
            "name": tool.name,
            "title": tool.title,
            "description": tool.description,
            "inputSchema": tool.input_schema,
            "annotations": tool.annotations,
        })
    }

    /// Budgets of the whole catalogue (issues 18, 19): the model view at most 32,690 B, the whole
    /// `tools/list` result at most 100.9 kB. `ARUBA_PRINT_SIZES=1` prints the sizes per tool.
    #[test]
    fn the_catalogue_fits_its_budgets() {
        let registry = Registry::select(catalogue(), &settings(None, None, false)).unwrap();
        let tools = registry.list();
        assert_eq!(tools.len(), 46);
        let model: usize = tools.iter().map(|t| json_len(&model_view(t))).sum();
        let wire = json_len(&rmcp::model::ListToolsResult::with_all_items(tools.clone()));
        if std::env::var_os("ARUBA_PRINT_SIZES").is_some() {
            for t in &tools {
                println!(
                    "| `{}` | {} | {} | {} |",
                    t.name,
                    json_len(&model_view(t)),
                    json_len(&t.input_schema),
                    json_len(&t.output_schema)
                );
            }
            println!("model view {model} B, tools/list {wire} B");
        }
        // 28,000 B for the 38 tools of issue 18, plus exactly what the issue 19 troubleshooting
        // tools in the default catalogue need: list_device_tasks 385 B, run_show_commands 617 B,
        // and 15 B for `showCommands` in get_async_test_result's `operation` enum;
        // run_throughput_test 733 B, ping_sweep_from_gateway 731 B, get_arp_table 485 B,
        // locate_device 412 B, nslookup_from_ap 576 B and test_connectivity 736 B.
        assert!(
            model <= 32_690,
            "model view is {model} bytes; the budget is 32,690"
        );
        // tools/list: 96,000 B for the 40 tools of issues 18 and 19's first part, plus 4,800 B for
        // the six diagnostics tools after them (their output schemas are most of it), plus 100 B
        // for the `output` a ping-shaped result carries for any other test (get_async_test_result).
        assert!(
            wire <= 100_900,
            "tools/list is {wire} bytes; the budget is 100,900"
        );
    }

    #[test]
    fn read_only_drops_and_refuses_the_active_tools() {
        let all = Registry::select(catalogue(), &settings(None, None, false)).unwrap();
        let ro = Registry::select(catalogue(), &settings(None, None, true)).unwrap();
        let active: Vec<String> = catalogue()
            .iter()
            .filter(|t| t.access == Access::Active)
            .map(|t| t.name().to_string())
            .collect();
        assert_eq!(active.len(), 13);
        assert_eq!(ro.len() + active.len(), all.len());
        for name in active.iter().map(String::as_str) {
            assert!(ro.get(name).is_none(), "{name}");
            let refusal = ro.refusal(name).expect("refused").to_string();
            assert!(refusal.contains("read-only"), "{refusal}");
            let a = all
                .get(name)
                .expect("offered")
                .annotations()
                .expect("annotations");
            assert_eq!(a.read_only_hint, Some(false));
            assert_eq!(a.destructive_hint, Some(false));
            assert_eq!(a.idempotent_hint, Some(false));
            assert_eq!(a.open_world_hint, Some(true));
            // The active tools wait for a task, so they may outlive ARUBA_CALL_DEADLINE; only
            // locate_device, which has nothing to wait for, keeps the normal deadline.
            assert_eq!(
                all.get(name).unwrap().max_duration.is_some(),
                name != "locate_device",
                "{name}"
            );
        }
        assert!(ro.get("get_async_test_result").is_some());
    }

    /// The gating matrix of the device actions: off by default, on with `ARUBA_ACTIONS`, hidden
    /// by read-only whatever else; a refusal names the setting; destructive, not idempotent; and
    /// each within the per-tool share of the catalogue budget (740 bytes on average).
    #[test]
    fn actions_are_off_unless_switched_on_and_read_only_hides_them() {
        let with = |actions: bool, read_only: bool| {
            Registry::select(
                catalogue(),
                &ToolSettings {
                    actions,
                    read_only,
                    ..ToolSettings::default()
                },
            )
            .unwrap()
        };
        let off = with(false, false);
        let on = with(true, false);
        let ro = with(true, true);
        assert_eq!(off.len(), 46);
        assert_eq!(on.len(), 46 + ACTION_NAMES.len());
        for name in ACTION_NAMES {
            assert!(off.get(name).is_none(), "{name}");
            let refusal = off.refusal(name).expect("refused").to_string();
            assert!(refusal.contains("ARUBA_ACTIONS=on"), "{refusal}");
            assert!(ro.get(name).is_none(), "{name}");
            let refusal = ro.refusal(name).expect("refused").to_string();
            assert!(refusal.contains("ARUBA_READ_ONLY"), "{refusal}");
            let spec = on.get(name).expect("offered");
            assert_eq!(spec.toolset, Toolset::Actions);
            assert_eq!(spec.access, Access::Action);
            let a = spec.annotations().expect("annotations");
            assert_eq!(a.read_only_hint, Some(false));
            assert_eq!(a.destructive_hint, Some(true));
            assert_eq!(a.idempotent_hint, Some(false));
        }
        let views: Vec<usize> = on
            .list()
            .iter()
            .filter(|t| ACTION_NAMES.contains(&t.name.as_ref()))
            .map(|t| json_len(&model_view(t)))
            .collect();
        assert_eq!(views.len(), ACTION_NAMES.len());
        let average = views.iter().sum::<usize>() / views.len();
        assert!(
            average <= 740,
            "action model views {views:?}, average {average}"
        );
        let sel = Registry::select(
            catalogue(),
            &ToolSettings {
                actions: true,
                toolsets: Some(vec!["actions".into()]),
                ..ToolSettings::default()
            },
        )
        .unwrap();
        assert_eq!(sel.len(), ACTION_NAMES.len());
    }

    #[test]
    fn selection_narrows_and_rejects_unknown_names() {
        let r = Registry::select(catalogue(), &settings(Some(&["clients"]), None, false)).unwrap();
        assert_eq!(
            r.list()
                .iter()
                .map(|t| t.name.to_string())
                .collect::<Vec<_>>(),
            [
                "list_all_clients",
                "get_top_clients_by_usage",
                "find_client",
                "get_client_details"
            ]
        );
        assert!(r.refusal("get_device_list").is_some());
        assert!(r.refusal("no_such_tool").is_none());
        let r = Registry::select(
            catalogue(),
            &settings(None, Some(&["get_ap_details"]), false),
        )
        .unwrap();
        assert_eq!(r.len(), 1);
        let e = Registry::select(catalogue(), &settings(Some(&["bogus"]), None, false))
            .err()
            .unwrap();
        assert!(e.to_string().contains("ARUBA_TOOLSETS") && e.to_string().contains("monitoring"));
        let e = Registry::select(catalogue(), &settings(None, Some(&["get_nothing"]), false))
            .err()
            .unwrap();
        assert!(e.to_string().contains("ARUBA_TOOLS") && e.to_string().contains("get_device_list"));
    }
}
