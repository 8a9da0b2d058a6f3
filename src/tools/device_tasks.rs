//! `list_device_tasks`: the asynchronous tasks (tests, show commands, actions) a device has
//! running or recently finished, from `GET /network-troubleshooting/v1/{device-type}/
//! {serial-number}/list-tasks`. Read-only; the device family comes from the serial.

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};

use super::args::{self, Validate};
use super::diagnostics::DeviceKind;
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset, actions};
use crate::central::{ApiRequest, routes};

/// Most tasks returned; the summary says when more were cut.
pub const MAX_TASKS: usize = 30;

/// Arguments of `list_device_tasks`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListDeviceTasksArgs {
    /// Serial number of the device, e.g. CNK7ABC123 (find_device gives it).
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial: String,
}

impl Validate for ListDeviceTasksArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        Ok(())
    }
}

/// One task of the device.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DeviceTask {
    /// Central's test name: ping, traceroute, showCommands, poeBounce, …
    pub test: String,
    /// The task id.
    pub task_id: Option<String>,
    /// The task's location (get_async_test_result takes a ping or traceroute location).
    pub location: String,
}

/// Result of `list_device_tasks`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ListDeviceTasksOutput {
    /// The device's serial.
    pub serial: String,
    /// Its troubleshooting family: aps, cx, aos-s or gateways.
    pub device_type: DeviceKind,
    /// The tasks, newest first within each test, at most 30.
    pub tasks: Vec<DeviceTask>,
    /// How many tasks Central listed.
    pub total: usize,
}

impl ToolOutput for ListDeviceTasksOutput {
    fn summary(&self) -> String {
        if self.total == 0 {
            return format!(
                "No running or recent tasks on {} {}.",
                self.device_type.noun(),
                self.serial
            );
        }
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for t in &self.tasks {
            match counts.iter_mut().find(|(n, _)| *n == t.test) {
                Some((_, c)) => *c += 1,
                None => counts.push((&t.test, 1)),
            }
        }
        let per: Vec<String> = counts.iter().map(|(n, c)| format!("{n} {c}")).collect();
        let mut s = format!(
            "{} task(s) on {} {}: {}.",
            self.total,
            self.device_type.noun(),
            self.serial,
            per.join(", ")
        );
        if self.tasks.len() < self.total {
            s.push_str(&format!(" Only the first {} are listed.", self.tasks.len()));
        }
        s.push_str(" get_async_test_result reads a ping or traceroute task by its location.");
        s
    }
}

async fn list_device_tasks_impl(
    ctx: ToolContext,
    a: ListDeviceTasksArgs,
) -> Result<ListDeviceTasksOutput, ToolError> {
    let kind = actions::device_kind(&ctx, &a.serial).await?;
    let body = ctx
        .call(
            ApiRequest::new(routes::LIST_TASKS)
                .path(kind.segment())
                .path(a.serial.clone()),
        )
        .await
        .map_err(ToolError::api(format!(
            "Listing the tasks of {} {}",
            kind.noun(),
            a.serial
        )))?
        .body;
    let Some(entries) = body.as_array() else {
        return Err(ToolError::Unexpected(format!(
            "Central answered the task list of {} {} with a body that is not an array",
            kind.noun(),
            a.serial
        )));
    };
    let mut tasks = Vec::new();
    for entry in entries {
        let test = fields::text(entry, "testName").unwrap_or_else(|| "unknown".into());
        for location in fields::list(entry, "locations") {
            let Some(location) = location.as_str() else {
                continue;
            };
            let task_id = location
                .rsplit_once("/async-operations/")
                .map(|(_, id)| id.to_string())
                .filter(|id| !id.is_empty() && !id.contains('/'));
            tasks.push(DeviceTask {
                test: test.clone(),
                task_id,
                location: location.to_string(),
            });
        }
    }
    let total = tasks.len();
    tasks.truncate(MAX_TASKS);
    Ok(ListDeviceTasksOutput {
        serial: a.serial,
        device_type: kind,
        tasks,
        total,
    })
}

/// The `list_device_tasks` tool.
pub fn list_device_tasks() -> ToolSpec {
    ToolSpec::read(
        ToolInfo {
            name: "list_device_tasks",
            title: "Tasks of a device",
            description: "Lists a device's running and recent async tasks (tests, show commands, actions) with their locations.",
            toolset: Toolset::Diagnostics,
        },
        list_device_tasks_impl,
    )
}
