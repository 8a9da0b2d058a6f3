//! `run_show_commands`: CLI `show` commands run by a device over Central's asynchronous
//! troubleshooting API. Each command is checked against the device type's catalogue
//! (`GET …/show-commands`, fetched once per device type and Central and cached), then
//! `POST …/showCommands` starts the task and the tool polls it as the ping tools do (progress,
//! cancellation, the task handle when the wait runs out). Each output is cut to a bound and says so.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::time::Instant;

use super::args::{self, Validate};
use super::diagnostics::{self, DeviceKind, MAX_DURATION, Operation, TaskHandle, TaskRequest};
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset, actions};
use crate::central::{ApiRequest, routes};

/// Most characters of one command's output; a longer one is cut and says so.
pub const MAX_OUTPUT_CHARS: usize = 2_000;
/// Most commands per call.
pub const MAX_COMMANDS: usize = 10;

/// Arguments of `run_show_commands`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunShowCommandsArgs {
    /// Serial number of the device, e.g. CNK7ABC123 (find_device gives it).
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial: String,
    /// 1-10 CLI commands, each starting with `show ` and supported by the device type.
    #[schemars(length(min = 1, max = 10))]
    #[schemars(description = "e.g. [\"show version\"]")]
    pub commands: Vec<String>,
    /// Seconds to wait for the output, 1-300 (default 60).
    #[schemars(range(min = 1, max = 300))]
    #[schemars(description = "")]
    pub timeout_seconds: Option<u64>,
}

/// Lower-case, single-spaced form of a command, for comparison.
fn normal(command: &str) -> String {
    command
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

impl Validate for RunShowCommandsArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        if self.commands.is_empty() || self.commands.len() > MAX_COMMANDS {
            return Err(ToolError::InvalidArgument(format!(
                "argument `commands`: give 1 to {MAX_COMMANDS} commands, got {}",
                self.commands.len()
            )));
        }
        for c in &mut self.commands {
            let n = normal(c);
            if !n.starts_with("show ") || n.len() > 200 {
                return Err(ToolError::InvalidArgument(format!(
                    "argument `commands`: {c:?} is not a show command; each starts with `show `, e.g. \"show version\""
                )));
            }
            *c = n;
        }
        if let Some(t) = self.timeout_seconds
            && !(1..=300).contains(&t)
        {
            return Err(ToolError::InvalidArgument(format!(
                "argument `timeout_seconds`: {t} is out of range; expected 1 to 300"
            )));
        }
        Ok(())
    }
}

/// One command's output.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CommandOutput {
    /// The command.
    pub command: String,
    /// Its CLI output, at most 2,000 characters.
    pub output: String,
    /// The output was longer and was cut.
    pub cut: bool,
}

/// Result of `run_show_commands`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RunShowCommandsOutput {
    /// Serial of the device.
    pub serial: String,
    /// Its troubleshooting family: aps, cx, aos-s or gateways.
    pub device_type: DeviceKind,
    /// Central's task status: INITIATED, RUNNING, COMPLETED or FAILED.
    pub status: String,
    /// The wait ended before the task finished.
    pub timed_out: bool,
    /// Why it failed (FAILED).
    pub fail_reason: Option<String>,
    /// The outputs, in command order.
    pub results: Vec<CommandOutput>,
    /// The task handle.
    pub task: TaskHandle,
}

impl ToolOutput for RunShowCommandsOutput {
    fn summary(&self) -> String {
        let device = format!("{} {}", self.device_type.noun(), self.serial);
        if self.timed_out {
            return format!(
                "The show commands on {device} are still {} after the wait; get_async_test_result with location \"{}\" fetches the result (its `output`).",
                self.status, self.task.location
            );
        }
        if self.status == "FAILED" {
            return format!(
                "The show commands on {device} FAILED: {}.",
                self.fail_reason
                    .as_deref()
                    .unwrap_or("Central gave no reason")
            );
        }
        let cut: Vec<&str> = self
            .results
            .iter()
            .filter(|r| r.cut)
            .map(|r| r.command.as_str())
            .collect();
        let mut s = format!("{} show command(s) ran on {device}.", self.results.len());
        if !cut.is_empty() {
            s.push_str(&format!(
                " Output cut at {MAX_OUTPUT_CHARS} characters for: {}; run a narrower command for the rest.",
                cut.join(", ")
            ));
        }
        s
    }
}

type CatalogueCache = Mutex<HashMap<(String, DeviceKind), Vec<String>>>;

fn cache() -> &'static CatalogueCache {
    static CACHE: OnceLock<CatalogueCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The supported commands of `kind`, from the cache or `GET …/show-commands` of `serial`.
async fn catalogue(
    ctx: &ToolContext,
    kind: DeviceKind,
    serial: &str,
) -> Result<Vec<String>, ToolError> {
    let key = (ctx.central.base_url().to_string(), kind);
    if let Some(list) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(list);
    }
    let body = ctx
        .call(
            ApiRequest::new(routes::SHOW_COMMAND_CATALOGUE)
                .path(kind.segment())
                .path(serial.to_string()),
        )
        .await
        .map_err(ToolError::api(format!(
            "Listing the show commands of {} {serial}",
            kind.noun()
        )))?
        .body;
    let list: Vec<String> = body
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|category| fields::list(category, "commands"))
        .filter_map(|c| fields::text(c, "command"))
        .map(|c| normal(&c))
        .collect();
    if list.is_empty() {
        return Err(ToolError::Unexpected(format!(
            "Central listed no show commands for {} {serial}",
            kind.noun()
        )));
    }
    if let Ok(mut c) = cache().lock() {
        c.insert(key, list.clone());
    }
    Ok(list)
}

/// Cuts `text` to [`MAX_OUTPUT_CHARS`] characters.
fn bounded(text: &str) -> (String, bool) {
    match text.char_indices().nth(MAX_OUTPUT_CHARS) {
        Some((at, _)) => (text.get(..at).unwrap_or(text).to_string(), true),
        None => (text.to_string(), false),
    }
}

async fn run(ctx: ToolContext, a: RunShowCommandsArgs) -> Result<RunShowCommandsOutput, ToolError> {
    let started = Instant::now();
    let wait = Duration::from_secs(
        a.timeout_seconds
            .unwrap_or(diagnostics::DEFAULT_TIMEOUT_SECONDS),
    );
    let kind = actions::device_kind(&ctx, &a.serial).await?;
    let supported = catalogue(&ctx, kind, &a.serial).await?;
    for c in &a.commands {
        if !supported.contains(c) {
            let word = c.split(' ').nth(1).unwrap_or("");
            let near: Vec<&str> = supported
                .iter()
                .filter(|s| s.contains(word))
                .take(5)
                .map(String::as_str)
                .collect();
            let near = if near.is_empty() {
                supported.iter().take(5).map(String::as_str).collect()
            } else {
                near
            };
            return Err(ToolError::InvalidArgument(format!(
                "argument `commands`: {c:?} is not a supported show command on a {}; e.g. {}",
                kind.noun(),
                near.join(", ")
            )));
        }
    }
    let out = diagnostics::run_task(
        &ctx,
        TaskRequest {
            kind,
            operation: Operation::ShowCommands,
            serial: a.serial.clone(),
            body: Some(json!({"commands": a.commands})),
            destination: None,
            wait: wait.saturating_sub(started.elapsed()),
            want_raw: false,
        },
    )
    .await?;
    let results = out
        .action_output
        .as_ref()
        .map(|o| {
            fields::list(o, "results")
                .iter()
                .map(|r| {
                    let (output, cut) = bounded(&fields::text(r, "output").unwrap_or_default());
                    CommandOutput {
                        command: fields::text(r, "command").unwrap_or_default(),
                        output,
                        cut,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(RunShowCommandsOutput {
        serial: out.serial,
        device_type: out.device_type,
        status: out.status,
        timed_out: out.timed_out,
        fail_reason: out.fail_reason,
        results,
        task: out.task,
    })
}

/// The `run_show_commands` tool.
pub fn run_show_commands() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "run_show_commands",
            title: "Run show commands",
            description: "Runs 1-10 CLI show commands the device type supports on a device and waits for the output.",
            toolset: Toolset::Diagnostics,
        },
        run,
    )
    .with_max_duration(MAX_DURATION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_cut_on_a_character_boundary_and_say_so() {
        let long = "é".repeat(MAX_OUTPUT_CHARS + 5);
        let (text, cut) = bounded(&long);
        assert!(cut);
        assert_eq!(text.chars().count(), MAX_OUTPUT_CHARS);
        let (text, cut) = bounded("show version output");
        assert!(!cut);
        assert_eq!(text, "show version output");
    }

    #[test]
    fn commands_are_normalised_and_checked() {
        let mut a = RunShowCommandsArgs {
            serial: "cnk7abc123".into(),
            commands: vec!["  SHOW   Version ".into()],
            timeout_seconds: None,
        };
        a.validate().unwrap();
        assert_eq!(a.commands, ["show version"]);
        a.commands = vec!["configure terminal".into()];
        assert!(
            a.validate()
                .unwrap_err()
                .to_string()
                .contains("argument `commands`")
        );
        a.commands = vec!["show version".into()];
        a.timeout_seconds = Some(0);
        assert!(
            a.validate()
                .unwrap_err()
                .to_string()
                .contains("timeout_seconds")
        );
    }
}
