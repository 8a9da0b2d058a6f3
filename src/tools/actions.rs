//! Device actions (toolset `actions`, issue 19): `bounce_poe`, `bounce_port`, `reboot_device`,
//! `run_cable_test` and `disconnect_clients`. They change a device's state, so each is guarded:
//!
//! - offered only with `ARUBA_ACTIONS=on` and never in read-only mode (the [`Registry`]);
//! - confirmed per call: MCP elicitation (form mode) when the client declared it — a
//!   `elicitation/create` request on protocols before 2026-07-28, an `InputRequiredResult` from
//!   2026-07-28 on — otherwise two steps: the first call sends nothing to Central and returns a
//!   preview with a single-use `confirmation` code ([`super::guard`]); the second call, same
//!   arguments plus the code, runs the action. `ARUBA_ACTIONS_CONFIRM=elicitation` refuses
//!   clients without elicitation;
//! - switch uplink ports are refused unless `allow_uplink: true`;
//! - at most `ARUBA_ACTIONS_PER_MINUTE` actions a minute per server;
//! - every preview, confirmation, decline, refusal, execution and failure is a WARN log line,
//!   counted in `mcp_actions_total{tool,outcome}`, recorded on the call's span (`action`), and
//!   a `device_action` span of its own inside the call, so it is a LangSmith run (and an OTLP
//!   span) of its own when analytics (tracing) are on.
//!
//! The device family comes from the serial (Central's device list, and the switch's type), so
//! the model never chooses an API family. The gateway `halt` is not exposed: it powers a remote
//! gateway off with no remote way back.
//!
//! [`Registry`]: super::Registry

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::{
    ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationSchema,
    InputRequest, InputRequiredResult, InputResponses, ServerRequest,
};
use rmcp::schemars::{self, JsonSchema};
use rmcp::service::{Peer, PeerRequestOptions};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::args::{self, Validate};
use super::diagnostics::{self, DeviceKind, Operation, TaskHandle, TestOutput};
use super::fields;
use super::guard::{ActionGuard, Binding, CODE_TTL};
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset};
use crate::central::{ApiRequest, Route, routes};
use crate::config::ConfirmMode;
use crate::telemetry;

/// Longest an action call may run: the wait for the engineer's answer plus the task's poll.
pub const MAX_DURATION: Duration = Duration::from_secs(330);
/// How long an action waits for its task before returning the handle.
const TASK_WAIT: Duration = Duration::from_secs(90);
/// The key of the elicitation request in an `InputRequiredResult`.
const CONFIRM_KEY: &str = "confirm_action";
/// Most ports one call may name.
const MAX_PORTS: usize = 24;
/// Most interface pages read to find a switch's uplinks.
const MAX_INTERFACE_PAGES: u64 = 10;

/// How the client can be asked to confirm, from the request that carried the call.
#[derive(Clone)]
pub struct ActionEnv {
    /// The server's guard rails (shared by every session).
    pub guard: Arc<ActionGuard>,
    /// This MCP session's id, or `stateless` for MCP 2026-07-28 requests (which have none):
    /// what confirmation codes and pending elicitations are bound to.
    pub session: String,
    /// This call's id (logs).
    pub call_id: String,
    /// The client declared form elicitation.
    pub elicitation: bool,
    /// The session speaks MCP 2026-07-28 or later: elicitation goes through an
    /// `InputRequiredResult`, not a server-to-client request.
    pub input_required_rounds: bool,
    /// The peer, to send `elicitation/create` on earlier protocols.
    pub peer: Option<Peer<RoleServer>>,
    /// The client's answers to an earlier `InputRequiredResult` (its retry).
    pub input_responses: Option<InputResponses>,
    /// The `requestState` echoed by that retry.
    pub request_state: Option<String>,
    /// Where the handler leaves an `InputRequiredResult` for the server to send instead of a
    /// result.
    pub input_required: Arc<Mutex<Option<InputRequiredResult>>>,
}

impl std::fmt::Debug for ActionEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionEnv")
            .field("session", &self.session)
            .field("call_id", &self.call_id)
            .field("elicitation", &self.elicitation)
            .finish()
    }
}

impl ActionEnv {
    /// An environment for one call in `session`, without elicitation (tests, the two-step flow).
    pub fn new(guard: Arc<ActionGuard>, session: String, call_id: String) -> ActionEnv {
        ActionEnv {
            guard,
            session,
            call_id,
            elicitation: false,
            input_required_rounds: false,
            peer: None,
            input_responses: None,
            request_state: None,
            input_required: Arc::new(Mutex::new(None)),
        }
    }

    /// The `InputRequiredResult` the handler left, if any.
    pub fn take_input_required(&self) -> Option<InputRequiredResult> {
        self.input_required
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

/// A device as Central reports it now, shown before an action.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeviceNow {
    /// Name.
    pub name: Option<String>,
    /// Serial number.
    pub serial: String,
    /// ACCESS_POINT, SWITCH or GATEWAY.
    pub device_type: String,
    /// Model.
    pub model: Option<String>,
    /// Site name.
    pub site: Option<String>,
    /// ONLINE or OFFLINE.
    pub status: Option<String>,
}

impl DeviceNow {
    fn text(&self) -> String {
        format!(
            "{} {} (serial {}, model {}, site {}, {})",
            self.device_type.to_ascii_lowercase().replace('_', " "),
            self.name.as_deref().unwrap_or("(no name)"),
            self.serial,
            self.model.as_deref().unwrap_or("?"),
            self.site.as_deref().unwrap_or("?"),
            self.status.as_deref().unwrap_or("status unknown"),
        )
    }
}

/// Where an action is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Nothing was sent: call again with `confirmation` to run it.
    Preview,
    /// Central accepted the action and it finished (or needs no task).
    Done,
    /// Central accepted the action; its task was still running when the wait ended.
    Running,
    /// Central's task failed.
    Failed,
}

/// The result of an action tool.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ActionOutput {
    /// preview, done, running or failed.
    pub stage: Stage,
    /// What is done, e.g. "PoE bounce".
    pub action: String,
    /// The device as Central reports it now.
    pub device: DeviceNow,
    /// The ports the action touches (empty for a whole device).
    pub ports: Vec<String>,
    /// What the action interrupts.
    pub interrupts: String,
    /// The single-use code to run it (preview only): call again with the same arguments plus
    /// `confirmation`.
    pub confirmation: Option<String>,
    /// Seconds the code stays valid.
    pub expires_in_seconds: Option<u64>,
    /// Central's status of the action or its task.
    pub status: Option<String>,
    /// Why Central's task failed.
    pub fail_reason: Option<String>,
    /// Central's per-port results (bounce) or per-pair results (cable test).
    pub results: Option<Value>,
    /// The task, for get_async_test_result when it was still running.
    pub task: Option<TaskHandle>,
}

impl ToolOutput for ActionOutput {
    fn summary(&self) -> String {
        let on = if self.ports.is_empty() {
            String::new()
        } else {
            format!(" on port(s) {}", self.ports.join(", "))
        };
        match self.stage {
            Stage::Preview => format!(
                "Nothing was sent. {}{on} of {} would interrupt: {}. To run it, call again with \
                 the same arguments and confirmation \"{}\" (valid {} s, once) — after the user \
                 agreed.",
                self.action,
                self.device.text(),
                self.interrupts,
                self.confirmation.as_deref().unwrap_or(""),
                self.expires_in_seconds.unwrap_or(0)
            ),
            Stage::Done => format!(
                "{}{on} of {} was accepted by Central ({}).{}",
                self.action,
                self.device.text(),
                self.status.as_deref().unwrap_or("INITIATED"),
                cable_summary(self.results.as_ref())
            ),
            Stage::Running => format!(
                "{}{on} of {} is still running; get_async_test_result with location \"{}\" \
                 fetches its result.",
                self.action,
                self.device.text(),
                self.task.as_ref().map_or("", |t| t.location.as_str())
            ),
            Stage::Failed => format!(
                "{}{on} of {} FAILED: {}.",
                self.action,
                self.device.text(),
                self.fail_reason
                    .as_deref()
                    .unwrap_or("Central gave no reason")
            ),
        }
    }
}

/// "Pairs: 1/1/3 1-2 Good, …" for a cable test's results.
fn cable_summary(results: Option<&Value>) -> String {
    let Some(r) = results else {
        return String::new();
    };
    let pairs: Vec<String> = fields::list(r, "results")
        .iter()
        .flat_map(|port| {
            let name = fields::text(port, "interfaceName").unwrap_or_default();
            fields::list(port, "cablePairDiagnostics")
                .iter()
                .map(move |p| {
                    format!(
                        "{name} {} {}",
                        fields::text(p, "pairName").unwrap_or_default(),
                        fields::text(p, "status").unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!(" Cable pairs: {}.", pairs.join(", "))
    }
}

/// One audited step of an action.
fn audit(ctx: &ToolContext, plan: &Plan, outcome: &'static str, detail: &str) {
    let (session, call_id) = ctx
        .action
        .as_ref()
        .map_or(("", ""), |e| (e.session.as_str(), e.call_id.as_str()));
    tracing::warn!(
        action = plan.action,
        tool = plan.tool,
        device = %plan.device.serial,
        ports = %plan.ports.join(","),
        session,
        call_id,
        outcome,
        detail,
        "device action {outcome}"
    );
    telemetry::metrics::record_action(plan.tool, outcome);
    tracing::Span::current().record("action", outcome);
    // Its own LangSmith run (and OTLP span) under the call's: a `device_action` span that opens
    // and closes here.
    let _step = tracing::info_span!(
        "device_action",
        action = plan.action,
        tool = plan.tool,
        device = %plan.device.serial,
        ports = %plan.ports.join(","),
        session,
        call_id,
        outcome,
        detail,
    );
}

/// What one call would do.
struct Plan {
    tool: &'static str,
    action: &'static str,
    device: DeviceNow,
    kind: DeviceKind,
    ports: Vec<String>,
    interrupts: String,
    route: Route,
    /// Path parameters after the route's `{device-type}` (when it has one): the serial.
    typed: bool,
    body: Option<Value>,
    /// The task operation when Central answers with a location to poll.
    operation: Option<Operation>,
}

impl Plan {
    fn output(&self, stage: Stage) -> ActionOutput {
        ActionOutput {
            stage,
            action: self.action.to_string(),
            device: self.device.clone(),
            ports: self.ports.clone(),
            interrupts: self.interrupts.clone(),
            confirmation: None,
            expires_in_seconds: None,
            status: None,
            fail_reason: None,
            results: None,
            task: None,
        }
    }

    fn message(&self) -> String {
        let ports = if self.ports.is_empty() {
            String::new()
        } else {
            format!(" on port(s) {}", self.ports.join(", "))
        };
        format!(
            "Run {}{ports} of {}? It interrupts: {}.",
            self.action,
            self.device.text(),
            self.interrupts
        )
    }
}

/// The device family of `serial` and the device as Central reports it now.
async fn device_now(ctx: &ToolContext, serial: &str) -> Result<(DeviceNow, DeviceKind), ToolError> {
    let page = ctx
        .call(
            ApiRequest::new(routes::DEVICES)
                .query(
                    "filter",
                    format!("serialNumber eq {}", args::odata_quote(serial)),
                )
                .query("limit", 1),
        )
        .await
        .map_err(ToolError::api(format!("Looking up device {serial}")))?
        .body;
    let Some(item) = fields::list(&page, "items").first() else {
        return Err(ToolError::InvalidArgument(format!(
            "argument `serial`: no device with serial {serial} in Central; find_device or \
             get_device_list gives the serials"
        )));
    };
    let device = DeviceNow {
        name: fields::text(item, "deviceName"),
        serial: fields::text(item, "serialNumber").unwrap_or_else(|| serial.to_string()),
        device_type: fields::text(item, "deviceType")
            .unwrap_or_default()
            .to_ascii_uppercase(),
        model: fields::text(item, "model"),
        site: fields::text(item, "siteName"),
        status: fields::status_upper(item, "status"),
    };
    let kind = match device.device_type.as_str() {
        "ACCESS_POINT" | "AP" => DeviceKind::Aps,
        "GATEWAY" => DeviceKind::Gateways,
        "SWITCH" => diagnostics::switch_kind(ctx, serial).await?,
        other => {
            return Err(ToolError::Unexpected(format!(
                "Central reports device {serial} as {other:?}; actions know access points, \
                 switches and gateways"
            )));
        }
    };
    Ok((device, kind))
}

/// The troubleshooting device family of `serial` (from the device list, and for a switch its
/// details), for the diagnostics tools.
pub(crate) async fn device_kind(ctx: &ToolContext, serial: &str) -> Result<DeviceKind, ToolError> {
    device_now(ctx, serial).await.map(|(_, kind)| kind)
}

/// Checks `ports`: 1-24 names like 1/1/3, 24 or GE0/0/1.
fn check_ports(ports: &[String]) -> Result<Vec<String>, ToolError> {
    if ports.is_empty() || ports.len() > MAX_PORTS {
        return Err(ToolError::InvalidArgument(format!(
            "argument `ports`: give 1 to {MAX_PORTS} port names, e.g. [\"1/1/3\"] \
             (get_switch_interfaces lists them)"
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(ports.len());
    for p in ports {
        let v = p.trim();
        let ok = (1..=32).contains(&v.len())
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/-._:".contains(c));
        if !ok {
            return Err(ToolError::InvalidArgument(format!(
                "argument `ports`: {} is not a port name; expected e.g. 1/1/3, 24 or GE0/0/1",
                args::shown(p)
            )));
        }
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    Ok(out)
}

/// Refuses a switch's uplink ports (from its interfaces) unless `allow_uplink`.
async fn uplink_rail(
    ctx: &ToolContext,
    serial: &str,
    ports: &[String],
    allow_uplink: bool,
) -> Result<(), ToolError> {
    if allow_uplink {
        return Ok(());
    }
    let mut uplinks = Vec::new();
    let mut offset = 0u64;
    for _ in 0..MAX_INTERFACE_PAGES {
        let page = ctx
            .call(
                ApiRequest::new(routes::SWITCH_INTERFACES)
                    .path(serial.to_string())
                    .query("limit", 100)
                    .query("offset", offset),
            )
            .await
            .map_err(ToolError::api(format!(
                "Reading the interfaces of switch {serial} (to keep its uplinks safe)"
            )))?
            .body;
        let items = fields::list(&page, "items");
        for i in items {
            if fields::boolean(i, "uplink") == Some(true)
                && let Some(name) = fields::text(i, "name").or_else(|| fields::text(i, "id"))
            {
                uplinks.push(name);
            }
        }
        offset += items.len() as u64;
        let total = fields::count(&page, "total").unwrap_or(offset);
        if items.is_empty() || offset >= total {
            break;
        }
    }
    let hit: Vec<&String> = ports.iter().filter(|p| uplinks.contains(p)).collect();
    if hit.is_empty() {
        return Ok(());
    }
    Err(ToolError::Refused(format!(
        "Refused: port(s) {} of switch {serial} are uplinks; bouncing or testing an uplink cuts \
         the switch (and everything behind it) off. Nothing was sent. If that is really meant, \
         call again with allow_uplink: true.",
        hit.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// The arguments, canonical, without `confirmation`: what a code is bound to.
fn canonical<A: Serialize>(args: &A) -> String {
    let mut v = serde_json::to_value(args).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.remove("confirmation");
        m.retain(|_, v| !v.is_null());
    }
    // serde_json's map is ordered by key (no preserve_order feature): stable text.
    v.to_string()
}

/// How the confirmation ended.
enum Confirmed {
    /// Run it.
    Yes,
    /// Return this preview (two-step, first call).
    Preview(Box<ActionOutput>),
}

/// Confirms `plan` with the engineer, the way the client allows.
async fn confirm(
    ctx: &ToolContext,
    plan: &Plan,
    arguments: String,
    code: Option<String>,
) -> Result<Confirmed, ToolError> {
    let Some(env) = ctx.action.clone() else {
        return Err(ToolError::Refused(format!(
            "{} was not run: actions run only through an MCP session",
            plan.tool
        )));
    };
    let binding = Binding {
        tool: plan.tool.to_string(),
        arguments,
        session: env.session.clone(),
    };
    if env.elicitation {
        return elicit(ctx, &env, plan, binding).await;
    }
    if env.guard.confirm_mode() == ConfirmMode::Elicitation {
        audit(ctx, plan, "refused", "client has no elicitation");
        return Err(ToolError::Refused(format!(
            "{} was not run: this server requires confirmation through MCP elicitation \
             (ARUBA_ACTIONS_CONFIRM=elicitation), and this client did not declare the elicitation \
             capability. Use a client that supports elicitation, or ask the operator.",
            plan.tool
        )));
    }
    match code {
        None => {
            let code = env.guard.issue(binding);
            audit(ctx, plan, "preview", "confirmation code issued");
            let mut out = plan.output(Stage::Preview);
            out.confirmation = Some(code);
            out.expires_in_seconds = Some(CODE_TTL.as_secs());
            Ok(Confirmed::Preview(Box::new(out)))
        }
        Some(code) => match env.guard.redeem(&code, &binding) {
            Ok(()) => {
                audit(ctx, plan, "confirmed", "confirmation code");
                Ok(Confirmed::Yes)
            }
            Err(refusal) => {
                audit(ctx, plan, "refused", &refusal.to_string());
                Err(ToolError::Refused(format!(
                    "{} was not run: {refusal}. Nothing was sent to Central. Call without \
                     `confirmation` for a new preview and code.",
                    plan.tool
                )))
            }
        },
    }
}

/// The form the engineer answers: one required boolean.
fn schema() -> Result<ElicitationSchema, ToolError> {
    ElicitationSchema::builder()
        .required_bool_property("confirm", |b| {
            b.title("Run this action")
                .description("true to run it now; anything else sends nothing")
        })
        .build()
        .map_err(|e| ToolError::Unexpected(format!("the confirmation form is invalid: {e}")))
}

fn elicit_params(plan: &Plan) -> Result<ElicitRequestParams, ToolError> {
    Ok(ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: plan.message(),
        requested_schema: schema()?,
    })
}

/// Asks the engineer through elicitation; anything but accept with `confirm: true` refuses.
async fn elicit(
    ctx: &ToolContext,
    env: &ActionEnv,
    plan: &Plan,
    binding: Binding,
) -> Result<Confirmed, ToolError> {
    let answer: ElicitResult = if env.input_required_rounds {
        match (&env.request_state, &env.input_responses) {
            (Some(state), Some(responses)) => {
                if let Err(refusal) = env.guard.unpark(state, &binding) {
                    audit(ctx, plan, "refused", &refusal.to_string());
                    return Err(ToolError::Refused(format!(
                        "{} was not run: the confirmation answer does not match this call \
                         ({refusal}). Nothing was sent to Central.",
                        plan.tool
                    )));
                }
                let raw = responses.get(CONFIRM_KEY).cloned().unwrap_or(Value::Null);
                serde_json::from_value(raw).map_err(|e| {
                    ToolError::InvalidArgument(format!(
                        "inputResponses.{CONFIRM_KEY} is not an elicitation result ({e})"
                    ))
                })?
            }
            _ => {
                let state = env.guard.park(binding);
                let request = ElicitRequest::new(elicit_params(plan)?);
                let mut requests = BTreeMap::new();
                requests.insert(CONFIRM_KEY.to_string(), InputRequest::Elicitation(request));
                *env.input_required.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(InputRequiredResult::new(Some(requests), Some(state)));
                audit(
                    ctx,
                    plan,
                    "preview",
                    "elicitation requested (input required)",
                );
                return Err(ToolError::Refused("input required".into()));
            }
        }
    } else {
        let Some(peer) = env.peer.clone() else {
            return Err(ToolError::Refused(format!(
                "{} was not run: no way to ask the client",
                plan.tool
            )));
        };
        audit(ctx, plan, "preview", "elicitation requested");
        let wait = ctx
            .deadline
            .saturating_duration_since(tokio::time::Instant::now())
            .min(CODE_TTL);
        let request = ServerRequest::ElicitRequest(ElicitRequest::new(elicit_params(plan)?));
        let mut options = PeerRequestOptions::no_options();
        options.timeout = Some(wait);
        let sent = tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => {
                audit(ctx, plan, "declined", "call cancelled while asking");
                return Err(ToolError::Cancelled(format!(
                    "Cancelled: {} was not run; nothing was sent to Central",
                    plan.tool
                )));
            }
            r = peer.send_request_with_option(request, options) => r,
        };
        let response = match sent {
            Ok(handle) => handle.await_response().await,
            Err(e) => Err(e),
        };
        match response {
            Ok(rmcp::model::ClientResult::ElicitResult(r)) => r,
            Ok(_) | Err(_) => {
                audit(ctx, plan, "declined", "no answer to the elicitation");
                return Err(ToolError::Refused(format!(
                    "{} was not run: the confirmation request got no answer in time. Nothing was \
                     sent to Central.",
                    plan.tool
                )));
            }
        }
    };
    let confirmed = answer.action == ElicitationAction::Accept
        && answer
            .content
            .as_ref()
            .and_then(|c| c.get("confirm"))
            .and_then(Value::as_bool)
            == Some(true);
    if confirmed {
        audit(ctx, plan, "confirmed", "elicitation accepted");
        return Ok(Confirmed::Yes);
    }
    let how = match answer.action {
        ElicitationAction::Accept => "accepted without confirm: true",
        ElicitationAction::Decline => "declined",
        ElicitationAction::Cancel => "cancelled",
        _ => "did not accept",
    };
    audit(ctx, plan, "declined", how);
    Err(ToolError::Refused(format!(
        "{} was not run: the user {how} the confirmation. Nothing was sent to Central.",
        plan.tool
    )))
}

/// Previews, confirms, rate-limits and runs `plan`.
async fn run(
    ctx: ToolContext,
    plan: Plan,
    arguments: String,
    code: Option<String>,
) -> Result<ActionOutput, ToolError> {
    match confirm(&ctx, &plan, arguments, code).await? {
        Confirmed::Preview(out) => return Ok(*out),
        Confirmed::Yes => {}
    }
    if let Some(env) = &ctx.action
        && let Err(wait) = env.guard.take()
    {
        audit(&ctx, &plan, "rate_limited", "per-minute limit");
        return Err(ToolError::Refused(format!(
            "{} was not run: this server allows at most {} device actions a minute \
             (ARUBA_ACTIONS_PER_MINUTE), for all sessions together. Try again in {wait} s.",
            plan.tool,
            env.guard.per_minute()
        )));
    }
    let mut request = ApiRequest::new(plan.route);
    if plan.typed {
        request = request.path(plan.kind.segment());
    }
    request = request.path(plan.device.serial.clone());
    if let Some(body) = &plan.body {
        request = request.body(body.clone());
    }
    let deadline = ctx.central.deadline_from_now().min(ctx.deadline);
    let accepted = match ctx.central.call(request, deadline).await {
        Ok(a) => a,
        Err(e) => {
            audit(&ctx, &plan, "failed", &e.to_string());
            let message = match e.status() {
                Some(404) => format!(
                    "Central does not know {} {}; nothing was done",
                    plan.kind.noun(),
                    plan.device.serial
                ),
                Some(409) => format!(
                    "The {} {} cannot run the {} now: it is offline or busy",
                    plan.kind.noun(),
                    plan.device.serial,
                    plan.action
                ),
                _ => format!("{} on {} failed", plan.action, plan.device.serial),
            };
            return Err(ToolError::Explained {
                message,
                source: Box::new(e),
            });
        }
    };
    let mut out = plan.output(Stage::Done);
    out.status = fields::text(&accepted.body, "status");
    let location = fields::text(&accepted.body, "location");
    let (Some(operation), Some(location)) = (plan.operation, location) else {
        audit(&ctx, &plan, "executed", "accepted");
        return Ok(out);
    };
    let task = TaskHandle::parse_location(&location, ctx.central.base_url())
        .ok()
        .filter(|t| t.operation == operation && t.serial == plan.device.serial)
        .ok_or_else(|| {
            audit(
                &ctx,
                &plan,
                "executed",
                "accepted, task location unexpected",
            );
            ToolError::Unexpected(format!(
                "Central accepted the {} on {} but returned an unexpected task location {:?}",
                plan.action, plan.device.serial, location
            ))
        })?;
    let mut poll = TestOutput::new(task.clone(), None, out.status.clone().unwrap_or_default());
    let waited = diagnostics::wait_for(&ctx, &mut poll, TASK_WAIT, false, false).await;
    out.task = Some(task);
    match waited {
        Ok(diagnostics::Waited::Finished) => {
            out.status = Some(poll.status.clone());
            out.results = poll.action_output.take();
            if poll.status == "FAILED" {
                out.stage = Stage::Failed;
                out.fail_reason = poll.fail_reason.clone();
                audit(
                    &ctx,
                    &plan,
                    "failed",
                    poll.fail_reason.as_deref().unwrap_or(""),
                );
            } else {
                audit(&ctx, &plan, "executed", "task completed");
            }
        }
        Ok(diagnostics::Waited::TimedOut) => {
            out.stage = Stage::Running;
            out.status = Some(poll.status.clone());
            audit(&ctx, &plan, "executed", "task still running");
        }
        Err(e) => {
            audit(
                &ctx,
                &plan,
                "executed",
                "accepted; the wait for its task ended early",
            );
            return Err(e);
        }
    }
    Ok(out)
}

/// `serial` and `confirmation`, common to every action.
macro_rules! action_args {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Serial number of the device (find_device gives it).
            #[schemars(length(min = 5, max = 30))]
            #[schemars(description = "")]
            pub serial: String,
            $($(#[$fmeta])* pub $field: $ty,)*
            /// The code a first call returned (two-step confirmation); omit it for the preview.
            #[schemars(length(max = 64))]
            #[schemars(description = "Code from the preview; omit for the preview.")]
            pub confirmation: Option<String>,
        }
    };
}

action_args!(
    /// Arguments of `bounce_poe`, `bounce_port` and `run_cable_test`.
    PortsArgs {
        /// Port names, e.g. ["1/1/3"] (get_switch_interfaces lists them).
        #[schemars(length(min = 1, max = 24))]
        #[schemars(description = "e.g. [\"1/1/3\"]")]
        ports: Vec<String>,
        /// Also allow the switch's uplink ports (cuts the switch off). Default false.
        #[schemars(description = "")]
        allow_uplink: Option<bool>,
    }
);

impl Validate for PortsArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        self.ports = check_ports(&self.ports)?;
        Ok(())
    }
}

action_args!(
    /// Arguments of `reboot_device`.
    RebootArgs {
        /// For an instant AP: reboot its whole swarm. Default false.
        #[schemars(description = "Instant AP: reboot the whole swarm.")]
        whole_swarm: Option<bool>,
    }
);

impl Validate for RebootArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        Ok(())
    }
}

action_args!(
    /// Arguments of `disconnect_clients`: exactly one of `client_mac`, `network`, `all`.
    DisconnectArgs {
        /// The client to disconnect (AP or gateway).
        #[schemars(description = "")]
        client_mac: Option<String>,
        /// Every client of this network (SSID) on the AP (AP only).
        #[schemars(length(min = 1, max = 64))]
        #[schemars(description = "SSID; AP only.")]
        network: Option<String>,
        /// Every client of the device.
        #[schemars(description = "")]
        all: Option<bool>,
    }
);

impl Validate for DisconnectArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        if let Some(mac) = &self.client_mac {
            self.client_mac = Some(super::scope::mac("client_mac", mac)?);
        }
        self.network = args::clean_text("network", self.network.take(), 64)?;
        let chosen = usize::from(self.client_mac.is_some())
            + usize::from(self.network.is_some())
            + usize::from(self.all == Some(true));
        if chosen != 1 {
            return Err(ToolError::InvalidArgument(
                "give exactly one of `client_mac`, `network` (AP only) or `all: true`".into(),
            ));
        }
        Ok(())
    }
}

/// Which port action.
#[derive(Clone, Copy)]
enum PortAction {
    Poe,
    Port,
    Cable,
}

async fn ports_action(
    ctx: ToolContext,
    a: PortsArgs,
    which: PortAction,
) -> Result<ActionOutput, ToolError> {
    let (tool, action, operation) = match which {
        PortAction::Poe => ("bounce_poe", "PoE bounce", Operation::PoeBounce),
        PortAction::Port => ("bounce_port", "port bounce", Operation::PortBounce),
        PortAction::Cable => ("run_cable_test", "cable test", Operation::CableTest),
    };
    let (device, kind) = device_now(&ctx, &a.serial).await?;
    let allowed = match which {
        PortAction::Cable => matches!(kind, DeviceKind::Cx | DeviceKind::AosS),
        _ => kind != DeviceKind::Aps,
    };
    if !allowed {
        let on = match which {
            PortAction::Cable => "AOS-CX and AOS-Switch switches",
            _ => "switches and gateways",
        };
        return Err(ToolError::InvalidArgument(format!(
            "argument `serial`: {} is an {}; {tool} runs on {on}",
            a.serial,
            kind.noun()
        )));
    }
    let interrupts = match which {
        PortAction::Poe => "power to whatever these ports feed (APs, phones, cameras reboot, 1-3 \
                            minutes)"
            .to_string(),
        PortAction::Port => "the link of these ports for a few seconds (everything behind them \
                             loses connectivity)"
            .to_string(),
        PortAction::Cable => {
            "the link of these ports while the test runs (about 10 seconds)".to_string()
        }
    };
    let plan = Plan {
        tool,
        action,
        device,
        kind,
        ports: a.ports.clone(),
        interrupts,
        route: operation.start_route(),
        typed: true,
        body: Some(json!({ "ports": a.ports })),
        operation: Some(operation),
    };
    if kind != DeviceKind::Gateways
        && let Err(e) = uplink_rail(
            &ctx,
            &plan.device.serial,
            &plan.ports,
            a.allow_uplink == Some(true),
        )
        .await
    {
        if matches!(e, ToolError::Refused(_)) {
            audit(&ctx, &plan, "refused", "uplink port");
        }
        return Err(e);
    }
    run(ctx, plan, canonical(&a), a.confirmation.clone()).await
}

async fn reboot(ctx: ToolContext, a: RebootArgs) -> Result<ActionOutput, ToolError> {
    let (device, kind) = device_now(&ctx, &a.serial).await?;
    let swarm = a.whole_swarm == Some(true);
    if swarm && kind != DeviceKind::Aps {
        return Err(ToolError::InvalidArgument(format!(
            "argument `whole_swarm`: {} is an {}; only an instant AP has a swarm",
            a.serial,
            kind.noun()
        )));
    }
    let interrupts = match kind {
        DeviceKind::Aps if swarm => {
            "every AP of the swarm and all their wireless clients (several minutes)"
        }
        DeviceKind::Aps => "the AP and its wireless clients (2-5 minutes)",
        DeviceKind::Gateways => {
            "everything routed through the gateway: WAN, tunnels, its clients (5-10 minutes)"
        }
        _ => "every port of the switch and what it powers (3-6 minutes)",
    };
    let plan = Plan {
        tool: "reboot_device",
        action: if swarm { "swarm reboot" } else { "reboot" },
        device,
        kind,
        ports: Vec::new(),
        interrupts: interrupts.to_string(),
        route: if swarm {
            routes::REBOOT_SWARM
        } else {
            routes::REBOOT
        },
        typed: !swarm,
        body: None,
        operation: None,
    };
    run(ctx, plan, canonical(&a), a.confirmation.clone()).await
}

async fn disconnect(ctx: ToolContext, a: DisconnectArgs) -> Result<ActionOutput, ToolError> {
    let (device, kind) = device_now(&ctx, &a.serial).await?;
    let (route, body, what) = match (kind, &a.client_mac, &a.network) {
        (DeviceKind::Aps, Some(mac), _) => (
            routes::AP_DISCONNECT_MAC,
            Some(json!({ "userMacAddress": mac })),
            format!("client {mac} (it reconnects on its own)"),
        ),
        (DeviceKind::Aps, None, Some(net)) => (
            routes::AP_DISCONNECT_NETWORK,
            Some(json!({ "networkName": net })),
            format!("every client of network {net} on this AP"),
        ),
        (DeviceKind::Aps, None, None) => (
            routes::AP_DISCONNECT_ALL,
            None,
            "every client of this AP".to_string(),
        ),
        (DeviceKind::Gateways, Some(mac), _) => (
            routes::GATEWAY_DISCONNECT_MAC,
            Some(json!({ "clientMacAddress": mac })),
            format!("client {mac} (it reconnects on its own)"),
        ),
        (DeviceKind::Gateways, None, Some(_)) => {
            return Err(ToolError::InvalidArgument(
                "argument `network`: a gateway disconnects by client_mac or all, not by network"
                    .into(),
            ));
        }
        (DeviceKind::Gateways, None, None) => (
            routes::GATEWAY_DISCONNECT_ALL,
            None,
            "every client of this gateway".to_string(),
        ),
        (other, _, _) => {
            return Err(ToolError::InvalidArgument(format!(
                "argument `serial`: {} is an {}; disconnect_clients runs on APs and gateways",
                a.serial,
                other.noun()
            )));
        }
    };
    let plan = Plan {
        tool: "disconnect_clients",
        action: "client disconnect",
        device,
        kind,
        ports: Vec::new(),
        interrupts: what,
        route,
        typed: false,
        body,
        operation: None,
    };
    run(ctx, plan, canonical(&a), a.confirmation.clone()).await
}

/// The `bounce_poe` tool.
pub fn bounce_poe() -> ToolSpec {
    ToolSpec::action(
        ToolInfo {
            name: "bounce_poe",
            title: "Bounce PoE on ports",
            description: "Power-cycles PoE on switch or gateway ports (reboots what they feed). \
                          Confirmed per call.",
            toolset: Toolset::Actions,
        },
        |ctx, a| ports_action(ctx, a, PortAction::Poe),
    )
    .with_max_duration(MAX_DURATION)
}

/// The `bounce_port` tool.
pub fn bounce_port() -> ToolSpec {
    ToolSpec::action(
        ToolInfo {
            name: "bounce_port",
            title: "Bounce ports",
            description: "Shuts and re-enables switch or gateway ports (link drops briefly). \
                          Confirmed per call.",
            toolset: Toolset::Actions,
        },
        |ctx, a| ports_action(ctx, a, PortAction::Port),
    )
    .with_max_duration(MAX_DURATION)
}

/// The `run_cable_test` tool.
pub fn run_cable_test() -> ToolSpec {
    ToolSpec::action(
        ToolInfo {
            name: "run_cable_test",
            title: "Cable test",
            description: "Tests the cable pairs of switch ports (the link drops during the test). \
                          Confirmed per call.",
            toolset: Toolset::Actions,
        },
        |ctx, a| ports_action(ctx, a, PortAction::Cable),
    )
    .with_max_duration(MAX_DURATION)
}

/// The `reboot_device` tool.
pub fn reboot_device() -> ToolSpec {
    ToolSpec::action(
        ToolInfo {
            name: "reboot_device",
            title: "Reboot a device",
            description: "Reboots an AP (or its swarm), switch or gateway. Confirmed per call.",
            toolset: Toolset::Actions,
        },
        reboot,
    )
    .with_max_duration(MAX_DURATION)
}

/// The `disconnect_clients` tool.
pub fn disconnect_clients() -> ToolSpec {
    ToolSpec::action(
        ToolInfo {
            name: "disconnect_clients",
            title: "Disconnect clients",
            description: "Disconnects one client, a network's clients or all clients from an AP \
                          or gateway. Confirmed per call.",
            toolset: Toolset::Actions,
        },
        disconnect,
    )
    .with_max_duration(MAX_DURATION)
}
