//! Toolsets loaded on demand (`ARUBA_TOOLSETS=dynamic`): a session starts with the core tools
//! ([`CORE`]) plus `list_toolsets` and `enable_toolset`; enabling a toolset adds its tools to
//! that session's `tools/list` (the server then sends `notifications/tools/list_changed`).
//! Only tools the registry offers can appear: read-only, `ARUBA_TOOLS` and `ARUBA_ACTIONS` apply
//! first, so enabling never reveals a tool they hide.

use std::collections::BTreeSet;
use std::sync::Arc;

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

use super::{Registry, SUMMARY, ToolSpec, Toolset};

/// The tools every dynamic session starts with, in catalogue order.
pub const CORE: [&str; 6] = [
    "get_device_list",
    "get_sites_health",
    "list_sites",
    "find_device",
    "list_alerts",
    "check_server_health",
];

/// The meta-tool that lists the toolsets.
pub const LIST_TOOLSETS: &str = "list_toolsets";

/// The meta-tool that enables one toolset.
pub const ENABLE_TOOLSET: &str = "enable_toolset";

/// The valid `ARUBA_TOOLSETS` names, for error messages.
pub const VALID: &str = "monitoring, clients, diagnostics, security, actions, dynamic";

/// True for the `dynamic` entry of `ARUBA_TOOLSETS`.
pub fn is_dynamic(name: &str) -> bool {
    name.eq_ignore_ascii_case("dynamic")
}

/// What a toolset holds, for `list_toolsets`.
fn describe(toolset: Toolset) -> &'static str {
    match toolset {
        Toolset::Monitoring => "Sites, devices, APs, switches, gateways, WLANs, firmware, trends.",
        Toolset::Clients => "Wired and wireless clients.",
        Toolset::Diagnostics => "Troubleshooting and active tests (ping, traceroute).",
        Toolset::Security => "Alerts, events, IDPS threats.",
        Toolset::Actions => "Device actions that change a device's state, each confirmed.",
    }
}

/// Whether a session with `enabled` toolsets sees `spec`.
pub fn visible(spec: &ToolSpec, enabled: &BTreeSet<Toolset>) -> bool {
    CORE.contains(&spec.name()) || enabled.contains(&spec.toolset)
}

fn object(value: Value) -> Arc<JsonObject> {
    match value {
        Value::Object(o) => Arc::new(o),
        _ => Arc::new(JsonObject::new()),
    }
}

/// The MCP definitions of `list_toolsets` and `enable_toolset`.
pub fn meta_tools() -> [Tool; 2] {
    let names: Vec<&str> = Toolset::ALL.iter().map(|t| t.name()).collect();
    [
        Tool::new(
            LIST_TOOLSETS,
            "The toolsets this server can add to tools/list: name, description, tool count, enabled.",
            object(json!({"type": "object", "properties": {}, "additionalProperties": false})),
        )
        .with_title("List toolsets")
        .with_annotations(ToolAnnotations::new().read_only(true).open_world(false)),
        Tool::new(
            ENABLE_TOOLSET,
            "Adds one toolset's tools to tools/list (see list_toolsets); the client is told the list changed.",
            object(json!({
                "type": "object",
                "properties": {"toolset": {"type": "string", "enum": names, "description": "Toolset name."}},
                "required": ["toolset"],
                "additionalProperties": false
            })),
        )
        .with_title("Enable a toolset")
        .with_annotations(
            ToolAnnotations::new()
                .read_only(true)
                .open_world(false),
        ),
    ]
}

/// A result whose structured content is `value` plus `summary`, and whose text is both.
fn result(mut value: serde_json::Map<String, Value>, summary: String) -> CallToolResult {
    value.insert(SUMMARY.into(), summary.clone().into());
    let json = Value::Object(value);
    let mut result = CallToolResult::structured(json.clone());
    result.content = vec![ContentBlock::text(format!("{summary}\n{json}"))];
    result
}

/// An `isError` result.
fn error(message: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// Offered tools per toolset.
fn count(registry: &Registry, toolset: Toolset) -> usize {
    registry
        .specs()
        .iter()
        .filter(|s| s.toolset == toolset)
        .count()
}

/// `list_toolsets`: every toolset with at least one offered tool.
pub fn list(registry: &Registry, enabled: &BTreeSet<Toolset>) -> CallToolResult {
    let toolsets: Vec<Value> = Toolset::ALL
        .iter()
        .map(|t| (*t, count(registry, *t)))
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| {
            json!({"name": t.name(), "description": describe(t), "tools": n, "enabled": enabled.contains(&t)})
        })
        .collect();
    let off: Vec<&str> = toolsets
        .iter()
        .filter(|t| t.get("enabled") == Some(&serde_json::Value::Bool(false)))
        .filter_map(|t| t.get("name").and_then(serde_json::Value::as_str))
        .collect();
    let summary = if off.is_empty() {
        format!("{} toolsets, all enabled.", toolsets.len())
    } else {
        format!(
            "{} toolsets; not enabled: {} (enable_toolset adds one).",
            toolsets.len(),
            off.join(", ")
        )
    };
    let mut out = serde_json::Map::new();
    out.insert("toolsets".into(), Value::Array(toolsets));
    result(out, summary)
}

/// `enable_toolset`: adds the named toolset to `enabled`. Returns the result and whether the
/// session's tool list changed.
pub fn enable(
    registry: &Registry,
    enabled: &mut BTreeSet<Toolset>,
    arguments: &JsonObject,
) -> (CallToolResult, bool) {
    let extra: Vec<&String> = arguments.keys().filter(|k| *k != "toolset").collect();
    if !extra.is_empty() {
        return (
            error(format!(
                "enable_toolset: unknown argument(s) {extra:?}; it takes only toolset"
            )),
            false,
        );
    }
    let Some(name) = arguments.get("toolset").and_then(Value::as_str) else {
        return (
            error(format!(
                "enable_toolset: toolset is required, one of {}",
                Toolset::ALL.map(Toolset::name).join(", ")
            )),
            false,
        );
    };
    let Some(toolset) = Toolset::ALL.into_iter().find(|t| t.name() == name) else {
        return (
            error(format!(
                "enable_toolset: unknown toolset {name:?}; valid: {}",
                Toolset::ALL.map(Toolset::name).join(", ")
            )),
            false,
        );
    };
    let tools: Vec<&str> = registry
        .specs()
        .iter()
        .filter(|s| s.toolset == toolset)
        .map(ToolSpec::name)
        .collect();
    if tools.is_empty() {
        return (
            error(format!(
                "enable_toolset: toolset {name} has no tools on this server (read-only mode, \
                 ARUBA_TOOLS or ARUBA_ACTIONS hide them)"
            )),
            false,
        );
    }
    let changed = enabled.insert(toolset);
    let summary = if changed {
        format!("Enabled {name}: {} tools added to tools/list.", tools.len())
    } else {
        format!("{name} was already enabled.")
    };
    let mut out = serde_json::Map::new();
    out.insert("toolset".into(), name.into());
    out.insert("tools".into(), json!(tools));
    (result(out, summary), changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ToolSettings;
    use crate::tools::catalogue;

    fn dynamic(read_only: bool) -> Registry {
        let settings = ToolSettings {
            read_only,
            toolsets: Some(vec!["dynamic".into()]),
            ..ToolSettings::default()
        };
        Registry::select(catalogue(), &settings).unwrap()
    }

    #[test]
    fn the_core_exists_and_valid_names_are_complete() {
        let all = catalogue();
        for name in CORE {
            assert!(all.iter().any(|s| s.name() == name), "{name}");
        }
        let mut names: Vec<&str> = Toolset::ALL.iter().map(|t| t.name()).collect();
        names.push("dynamic");
        assert_eq!(VALID, names.join(", "));
    }

    #[test]
    fn dynamic_starts_with_the_core_and_enabling_adds_only_offered_tools() {
        let registry = dynamic(true);
        let start = registry.dynamic().expect("dynamic").clone();
        assert!(start.is_empty());
        let visible_now: Vec<&str> = registry
            .specs()
            .iter()
            .filter(|s| visible(s, &start))
            .map(ToolSpec::name)
            .collect();
        assert_eq!(visible_now, CORE.to_vec());
        let mut enabled = start;
        let args = json!({"toolset": "diagnostics"});
        let (r, changed) = enable(&registry, &mut enabled, args.as_object().unwrap());
        assert!(changed && r.is_error == Some(false), "{r:?}");
        for spec in registry.specs() {
            assert!(spec.access == crate::tools::Access::Read, "{}", spec.name());
        }
        let (r, changed) = enable(&registry, &mut enabled, args.as_object().unwrap());
        assert!(!changed && r.is_error == Some(false));
        let bad = json!({"toolset": "actions"});
        let (r, _) = enable(&registry, &mut enabled, bad.as_object().unwrap());
        assert_eq!(r.is_error, Some(true), "actions are hidden: {r:?}");
        let bad = json!({"toolset": "nope"});
        assert_eq!(
            enable(&registry, &mut enabled, bad.as_object().unwrap())
                .0
                .is_error,
            Some(true)
        );
    }

    #[test]
    fn dynamic_mixed_with_names_starts_them_enabled_and_unknown_names_fail() {
        let settings = ToolSettings {
            toolsets: Some(vec!["dynamic".into(), "clients".into()]),
            ..ToolSettings::default()
        };
        let r = Registry::select(catalogue(), &settings).unwrap();
        assert_eq!(
            r.dynamic().unwrap().iter().copied().collect::<Vec<_>>(),
            [Toolset::Clients]
        );
        let settings = ToolSettings {
            toolsets: Some(vec!["dynamic".into(), "nope".into()]),
            ..ToolSettings::default()
        };
        let e = Registry::select(catalogue(), &settings).err().unwrap();
        assert!(e.to_string().contains("dynamic"), "{e}");
        assert!(
            Registry::select(catalogue(), &ToolSettings::default())
                .unwrap()
                .dynamic()
                .is_none()
        );
    }
}
