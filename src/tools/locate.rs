//! `locate_device`: blinks the locator LED of an access point or switch so someone on site can
//! find it (`POST /network-troubleshooting/v1/{aps|cx|aos-s}/{serial}/locate`, no body). Central
//! answers 202 `{startTime, status: INITIATED}` with nothing to poll, so the tool returns what
//! was started. Central documents no duration for the blinking and no way to stop it.

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};

use super::args::{self, Validate};
use super::diagnostics::DeviceKind;
use super::fields;
use super::{ToolContext, ToolError, ToolInfo, ToolOutput, ToolSpec, Toolset, actions};
use crate::central::{ApiError, ApiRequest, routes};

/// Arguments of `locate_device`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocateDeviceArgs {
    /// Serial of an access point or switch, e.g. CNK7ABC123.
    #[schemars(length(min = 5, max = 30))]
    #[schemars(description = "")]
    pub serial: String,
}

impl Validate for LocateDeviceArgs {
    fn validate(&mut self) -> Result<(), ToolError> {
        self.serial = args::serial("serial", &self.serial)?;
        Ok(())
    }
}

/// Result of `locate_device`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LocateDeviceOutput {
    /// Serial of the device.
    pub serial: String,
    /// Its troubleshooting family: aps, cx or aos-s.
    pub device_type: DeviceKind,
    /// Central's answer: INITIATED (the locate has nothing to poll).
    pub status: String,
    /// When Central started it (RFC 3339).
    pub started_at: Option<String>,
}

impl ToolOutput for LocateDeviceOutput {
    fn summary(&self) -> String {
        format!(
            "Central started locating {} {} ({}{}): its locator LED blinks so someone on site can find it. Central does not document how long it blinks and reports no result; nothing else on the device changes.",
            self.device_type.noun(),
            self.serial,
            self.status,
            self.started_at
                .as_deref()
                .map(|t| format!(" at {t}"))
                .unwrap_or_default()
        )
    }
}

fn locate_error(e: ApiError, kind: DeviceKind, serial: &str) -> ToolError {
    let message = match e.status() {
        Some(404) => format!(
            "No {} with serial {serial} in Central. Check the serial with get_device_list",
            kind.noun()
        ),
        Some(409) => format!(
            "The {} {serial} cannot blink its locator LED now: it is offline or busy. Check its status with get_device_list and retry when it is online",
            kind.noun()
        ),
        _ => return ToolError::api(format!("Locating {} {serial}", kind.noun()))(e),
    };
    ToolError::Explained {
        message,
        source: Box::new(e),
    }
}

async fn run(ctx: ToolContext, a: LocateDeviceArgs) -> Result<LocateDeviceOutput, ToolError> {
    let kind = actions::device_kind(&ctx, &a.serial).await?;
    if kind == DeviceKind::Gateways {
        return Err(ToolError::InvalidArgument(format!(
            "argument `serial`: {} is a gateway, and Central locates only access points and switches (AOS-CX and AOS-Switch)",
            a.serial
        )));
    }
    let answer = ctx
        .call(
            ApiRequest::new(routes::LOCATE)
                .path(kind.segment())
                .path(a.serial.clone()),
        )
        .await
        .map_err(|e| locate_error(e, kind, &a.serial))?;
    Ok(LocateDeviceOutput {
        serial: a.serial,
        device_type: kind,
        status: fields::text(&answer.body, "status").unwrap_or_else(|| "INITIATED".into()),
        started_at: fields::text(&answer.body, "startTime"),
    })
}

/// The `locate_device` tool.
pub fn locate_device() -> ToolSpec {
    ToolSpec::active(
        ToolInfo {
            name: "locate_device",
            title: "Blink a device's locator LED",
            description: "Blinks the locator LED of an AP or switch so someone on site can find it.",
            toolset: Toolset::Diagnostics,
        },
        run,
    )
}
