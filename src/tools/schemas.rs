//! The tools' input and output JSON schemas, generated from their Rust types ahead of time and
//! embedded in the binary (`schemas.json` beside this file, one tool per line).
//!
//! Generating the schemas at run time cost the binary the schema generator (about 150 KiB of
//! code) and every process the schemas' JSON trees (about 0.7 MB of heap), from start-up to exit,
//! although only `tools/list` needs them, once or twice a session. Now `tools/list` parses the
//! embedded text (about 1 ms) and the trees are freed once the answer is sent.
//!
//! The file is checked against the types by the unit test `embedded_schemas_match_the_types`;
//! after changing an argument or output type, regenerate it with
//! `UPDATE_SNAPSHOTS=1 cargo test --lib embedded_schemas_match_the_types` and commit it
//! (`tests/snapshots/tools_list.json`, the pretty-printed `tools/list`, shows the change in review).

use std::collections::HashMap;
use std::sync::Arc;

use rmcp::model::JsonObject;
use serde::Deserialize;

/// The embedded schemas: a JSON object from tool name to `{"input": …, "output": …}`.
const EMBEDDED: &str = include_str!("schemas.json");

/// One tool's schemas.
#[derive(Debug, Deserialize)]
pub struct ToolSchemas {
    /// What its arguments deserialise from (JSON Schema 2020-12).
    pub input: Arc<JsonObject>,
    /// What its result's `structuredContent` is (JSON Schema 2020-12).
    pub output: Arc<JsonObject>,
}

impl ToolSchemas {
    /// The schemas of a tool missing from the embedded file (which the unit test rules out): an
    /// object with any properties.
    fn any_object() -> ToolSchemas {
        let mut object = JsonObject::new();
        object.insert("type".into(), "object".into());
        let object = Arc::new(object);
        ToolSchemas {
            input: Arc::clone(&object),
            output: object,
        }
    }
}

/// Parses the embedded schemas, keyed by tool name.
pub fn embedded() -> HashMap<String, ToolSchemas> {
    serde_json::from_str(EMBEDDED).unwrap_or_else(|e| {
        // Cannot happen with a file the unit test accepted; answer `tools/list` all the same.
        tracing::error!(error = %e, "the embedded tool schemas do not parse");
        HashMap::new()
    })
}

/// Takes `name`'s schemas out of `schemas`, or an any-object schema (logged) if it has none.
pub fn take(schemas: &mut HashMap<String, ToolSchemas>, name: &str) -> ToolSchemas {
    schemas.remove(name).unwrap_or_else(|| {
        tracing::error!(tool = name, "no embedded schema for this tool");
        ToolSchemas::any_object()
    })
}

/// Generating the schemas from the types: only the test that checks (and rewrites) the embedded
/// file uses it, so none of it is in the binary.
///
/// The schemas are JSON Schema 2020-12 in a compact dialect (see [`generate::Compact`]): the same
/// constraints and enum values as schemars' standard output, without what tells a model or a
/// validator nothing.
#[cfg(test)]
pub mod generate {
    use rmcp::model::JsonObject;
    use rmcp::schemars::transform::{Transform, transform_subschemas};
    use rmcp::schemars::{JsonSchema, Schema, generate::SchemaSettings};
    use serde_json::{Map, Value};

    /// The input schema of `A`: what it deserialises from, subschemas inlined, without the
    /// root's `title` and `description` (the Rust type's name and doc); in the compact dialect
    /// when `compact`.
    pub fn input<A: JsonSchema>(compact: bool) -> JsonObject {
        let settings = SchemaSettings::draft2020_12().with(|s| {
            s.meta_schema = None;
            s.inline_subschemas = true;
        });
        let settings = if compact {
            settings.with_transform(Compact { input: true })
        } else {
            settings
        };
        root(settings.into_generator().into_root_schema_for::<A>())
    }

    /// The output schema of `O`: what it serialises to, without the root's `title` and
    /// `description`, plus what [`crate::tools::success`] adds: the `summary` string every
    /// result has, and the `cut` note of a result cut to its bound; in the compact dialect when
    /// `compact`.
    pub fn output<O: JsonSchema>(compact: bool) -> JsonObject {
        let settings = SchemaSettings::draft2020_12()
            .for_serialize()
            .with(|s| s.meta_schema = None);
        let settings = if compact {
            settings.with_transform(Compact { input: false })
        } else {
            settings
        };
        let mut object = root(settings.into_generator().into_root_schema_for::<O>());
        if let Some(Value::Object(properties)) = object.get_mut("properties") {
            properties.insert(
                crate::tools::SUMMARY.into(),
                serde_json::json!({ "type": "string" }),
            );
            properties.insert(
                crate::tools::bounds::CUT.into(),
                serde_json::json!({ "type": "string" }),
            );
        }
        let required = object
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(names) = required {
            names.insert(0, crate::tools::SUMMARY.into());
        }
        object
    }

    /// The JSON object of a root schema (a struct's schema always is one), without the root's
    /// `title` and `description`.
    fn root(schema: Schema) -> JsonObject {
        match schema.to_value() {
            Value::Object(mut object) => {
                object.remove("title");
                object.remove("description");
                object
            }
            other => panic!("a tool's schema is not an object: {other}"),
        }
    }

    /// Rewrites schemars' output into the compact dialect, keeping every constraint and every
    /// enum value:
    /// - an enum written as `oneOf` of `const` (each with its doc line) becomes `"enum": [...]`;
    ///   the argument's own description stays;
    /// - in input schemas, an optional value is its plain type: `anyOf [S, null]` becomes `S`,
    ///   `"type": [T, "null"]` becomes `T` (absence means "not given"; the decoder still accepts
    ///   `null`). Output schemas keep `null` where a result may carry it;
    /// - no `title`, no numeric `format` (`int64`, `uint32`, `double`: annotations that
    ///   validate nothing; the `minimum`/`maximum` that bound them stay);
    /// - descriptions on one line, and only in input schemas: clients show the model the input
    ///   schema, not the output schema, which is there to validate results (the fields are
    ///   documented on the Rust types and in `docs/what-the-model-sees.md`).
    #[derive(Debug, Clone, Copy)]
    pub struct Compact {
        /// Compacting an input schema (drops `null` from optional arguments).
        pub input: bool,
    }

    impl Transform for Compact {
        fn transform(&mut self, schema: &mut Schema) {
            transform_subschemas(self, schema);
            if let Some(object) = schema.as_object_mut() {
                self.compact(object);
            }
        }
    }

    /// Formats that only say how wide a number is.
    const NUMERIC_FORMATS: [&str; 11] = [
        "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
        "double",
    ];

    impl Compact {
        fn compact(&self, object: &mut Map<String, Value>) {
            object.remove("title");
            if object
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| NUMERIC_FORMATS.contains(&f) || f == "float")
            {
                object.remove("format");
            }
            if !self.input {
                object.remove("description");
            }
            if let Some(Value::String(d)) = object.get_mut("description") {
                *d = d.split_whitespace().collect::<Vec<_>>().join(" ");
            }
            for key in ["oneOf", "anyOf"] {
                if let Some(values) = object.get(key).and_then(enum_values) {
                    let (values, kind) = values;
                    object.remove(key);
                    object.insert("enum".into(), Value::Array(values));
                    if let Some(kind) = kind {
                        object.insert("type".into(), kind);
                    }
                }
            }
            if self.input {
                drop_null(object);
            }
        }
    }

    /// The values and common `type` of a `oneOf`/`anyOf` whose branches are all `const` (with at
    /// most a `type` and a description beside it); `None` for any other list of branches.
    fn enum_values(branches: &Value) -> Option<(Vec<Value>, Option<Value>)> {
        let branches = branches.as_array()?;
        let mut values = Vec::new();
        let mut kind: Option<&Value> = None;
        for branch in branches {
            let branch = branch.as_object()?;
            if branch
                .keys()
                .any(|k| !matches!(k.as_str(), "const" | "type" | "description"))
            {
                return None;
            }
            values.push(branch.get("const")?.clone());
            match (kind, branch.get("type")) {
                (_, None) => return None,
                (None, Some(t)) => kind = Some(t),
                (Some(k), Some(t)) if k == t => {}
                _ => return None,
            }
        }
        (!values.is_empty()).then(|| (values, kind.cloned()))
    }

    /// Makes an optional input value its plain type: `anyOf [S, {"type": "null"}]` becomes `S`
    /// (keeping this schema's own description), `"type": [T, "null"]` becomes `T`, and `null`
    /// leaves an `enum`.
    fn drop_null(object: &mut Map<String, Value>) {
        let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
        if let Some(Value::Array(branches)) = object.get("anyOf")
            && branches.len() == 2
            && let Some(i) = branches.iter().position(is_null)
            && let Some(Value::Object(inner)) = branches.get(1 - i).cloned()
        {
            object.remove("anyOf");
            // The argument's own description (or none) stays; the type's doc is not repeated.
            for (k, v) in inner {
                if k != "description" {
                    object.insert(k, v);
                }
            }
        }
        if let Some(Value::Array(types)) = object.get_mut("type") {
            types.retain(|t| t != "null");
            if types.len() == 1 {
                let only = types.remove(0);
                object.insert("type".into(), only);
            }
        }
        if let Some(Value::Array(values)) = object.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/tools/schemas.json");

    /// The file's text for the whole catalogue: one tool per line, in catalogue order.
    fn generated_text() -> String {
        let lines: Vec<String> = crate::tools::catalogue()
            .iter()
            .map(|spec| {
                let (input, output) = spec.generate_schemas(true);
                let schemas = serde_json::json!({ "input": input, "output": output });
                format!("{}:{schemas}", serde_json::Value::from(spec.name()))
            })
            .collect();
        format!("{{\n{}\n}}\n", lines.join(",\n"))
    }

    #[test]
    fn embedded_schemas_match_the_types() {
        let text = generated_text();
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(PATH, &text).expect("write src/tools/schemas.json");
            return;
        }
        if text != EMBEDDED {
            let first_difference = text
                .lines()
                .zip(EMBEDDED.lines())
                .find(|(now, file)| now != file)
                .map(|(now, _)| now.split(':').next().unwrap_or(now).to_string())
                .unwrap_or_else(|| "a tool was added or removed".to_string());
            panic!(
                "src/tools/schemas.json is not what the types generate (first difference: \
                 {first_difference}). Run UPDATE_SNAPSHOTS=1 cargo test --lib \
                 embedded_schemas_match_the_types and commit the file."
            );
        }
    }

    /// Keywords that constrain a value (what a validator checks), besides `type` and `enum`.
    const CONSTRAINTS: [&str; 13] = [
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
        "uniqueItems",
        "required",
        "additionalProperties",
        "$ref",
    ];

    /// Every constraint in `schema`, as (path, keyword, value) lines: the enum values (from
    /// `enum`, or the `const` of `oneOf`/`anyOf` branches, listed at the schema that holds
    /// them), the types (without `null` when `drop_null`), and [`CONSTRAINTS`]. Paths name
    /// properties, `items` and `$defs`, not the `anyOf` wrapping an optional value.
    fn constraints(schema: &Value, path: &str, drop_null: bool, out: &mut Vec<String>) {
        let Some(object) = schema.as_object() else {
            out.push(format!("{path} schema {schema}"));
            return;
        };
        for key in CONSTRAINTS {
            if let Some(v) = object.get(key) {
                if v.is_object() {
                    constraints(v, &format!("{path}{{{key}}}"), drop_null, out);
                    continue;
                }
                let v = if key == "required" {
                    let mut names: Vec<String> = v
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|n| n.to_string())
                        .collect();
                    names.sort();
                    names.join(",")
                } else {
                    v.to_string()
                };
                out.push(format!("{path} {key} {v}"));
            }
        }
        let mut types: Vec<String> = match object.get("type") {
            Some(Value::Array(t)) => t.iter().map(Value::to_string).collect(),
            Some(t) => vec![t.to_string()],
            None => Vec::new(),
        };
        let mut values: Vec<String> = object
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(Value::to_string)
            .collect();
        for key in ["oneOf", "anyOf"] {
            for branch in object
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match branch.get("const") {
                    Some(c) => {
                        values.push(c.to_string());
                        if let Some(t) = branch.get("type") {
                            types.push(t.to_string());
                        }
                    }
                    None => constraints(branch, path, drop_null, out),
                }
            }
        }
        if drop_null {
            types.retain(|t| t != "\"null\"");
            values.retain(|v| v != "null");
        }
        types.sort();
        types.dedup();
        values.sort();
        if !types.is_empty() {
            out.push(format!("{path} type {}", types.join(",")));
        }
        if !values.is_empty() {
            out.push(format!("{path} enum {}", values.join(",")));
        }
        for (key, sub) in [("properties", "."), ("$defs", "#")] {
            for (name, s) in object
                .get(key)
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                constraints(s, &format!("{path}{sub}{name}"), drop_null, out);
            }
        }
        if let Some(items) = object.get("items") {
            constraints(items, &format!("{path}[]"), drop_null, out);
        }
    }

    fn constraint_lines(schema: &JsonObject, drop_null: bool) -> Vec<String> {
        let mut out = Vec::new();
        constraints(&Value::Object(schema.clone()), "", drop_null, &mut out);
        out.sort();
        out
    }

    /// The compact dialect keeps every property, type, enum value and constraint of the
    /// schemas schemars writes: only `null` leaves the input schemas (the decoder still takes
    /// it), and descriptions, titles and numeric formats go.
    #[test]
    fn compact_schemas_keep_every_constraint() {
        for spec in crate::tools::catalogue() {
            let (input, output) = spec.generate_schemas(true);
            let (full_input, full_output) = spec.generate_schemas(false);
            assert_eq!(
                constraint_lines(&input, true),
                constraint_lines(&full_input, true),
                "{} input",
                spec.name()
            );
            assert_eq!(
                constraint_lines(&output, false),
                constraint_lines(&full_output, false),
                "{} output",
                spec.name()
            );
            let text = serde_json::to_string(&input).unwrap();
            for gone in ["\"null\"", "\"title\"", "\"format\"", "oneOf", "$schema"] {
                assert!(!text.contains(gone), "{}: {gone} in {text}", spec.name());
            }
            let text = serde_json::to_string(&output).unwrap();
            for gone in ["\"title\"", "\"format\"", "\"description\":\"", "$schema"] {
                assert!(
                    !text.contains(gone),
                    "{}: {gone} in the output schema",
                    spec.name()
                );
            }
        }
    }

    /// A `default` in an input schema is a value the argument accepts: one of its enum values,
    /// within its bounds, of its type. (Defaults are written by hand, beside the code that
    /// applies them.)
    #[test]
    fn input_defaults_are_values_the_argument_accepts() {
        let mut checked = 0;
        for (tool, schemas) in embedded() {
            let properties = schemas.input.get("properties").and_then(Value::as_object);
            for (name, p) in properties.into_iter().flatten() {
                let Some(d) = p.get("default") else { continue };
                let at = format!("{tool}.{name}: default {d}");
                if let Some(values) = p.get("enum").and_then(Value::as_array) {
                    assert!(values.contains(d), "{at} is no enum value");
                }
                if let Some(n) = d.as_f64() {
                    let min = p.get("minimum").and_then(Value::as_f64);
                    let max = p.get("maximum").and_then(Value::as_f64);
                    assert!(min.is_none_or(|m| n >= m), "{at} < minimum");
                    assert!(max.is_none_or(|m| n <= m), "{at} > maximum");
                }
                let kind = match d {
                    Value::String(_) => "string",
                    Value::Bool(_) => "boolean",
                    Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                    _ => "other",
                };
                assert_eq!(p.get("type").and_then(Value::as_str), Some(kind), "{at}");
                checked += 1;
            }
        }
        assert!(checked >= 20, "only {checked} defaults");
    }

    #[test]
    fn every_tool_has_object_schemas_and_nothing_else_is_embedded() {
        let mut schemas = embedded();
        for spec in crate::tools::catalogue() {
            let s = schemas
                .remove(spec.name())
                .unwrap_or_else(|| panic!("{} has no embedded schemas", spec.name()));
            for schema in [&s.input, &s.output] {
                assert_eq!(
                    schema.get("type").and_then(|v| v.as_str()),
                    Some("object"),
                    "{}",
                    spec.name()
                );
            }
        }
        assert!(schemas.is_empty(), "{:?}", schemas.keys());
    }

    #[test]
    fn a_missing_tool_gets_an_any_object_schema() {
        let mut none = HashMap::new();
        let s = take(&mut none, "no_such_tool");
        assert_eq!(s.input.get("type").and_then(|v| v.as_str()), Some("object"));
        assert_eq!(s.input.len(), 1);
    }
}
