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
#[cfg(test)]
pub mod generate {
    use rmcp::model::JsonObject;
    use rmcp::schemars::{JsonSchema, Schema, generate::SchemaSettings};

    /// The input schema of `A`: what it deserialises from, JSON Schema 2020-12 (the schema
    /// rmcp's `schema_for_type` makes).
    pub fn input<A: JsonSchema>() -> JsonObject {
        object(
            SchemaSettings::draft2020_12()
                .into_generator()
                .into_root_schema_for::<A>(),
        )
    }

    /// The output schema of `O`: what it serialises to, JSON Schema 2020-12, without the
    /// top-level `title` and `description` (the Rust type's name and doc), as rmcp's
    /// `schema_for_output` makes it.
    pub fn output<O: JsonSchema>() -> JsonObject {
        let mut object = object(
            SchemaSettings::draft2020_12()
                .for_serialize()
                .into_generator()
                .into_root_schema_for::<O>(),
        );
        object.remove("title");
        object.remove("description");
        object
    }

    /// The JSON object of a root schema (a struct's schema always is one).
    fn object(schema: Schema) -> JsonObject {
        match schema.to_value() {
            serde_json::Value::Object(object) => object,
            other => panic!("a tool's schema is not an object: {other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/tools/schemas.json");

    /// The file's text for the whole catalogue: one tool per line, in catalogue order.
    fn generated_text() -> String {
        let lines: Vec<String> = crate::tools::catalogue()
            .iter()
            .map(|spec| {
                let (input, output) = spec.generate_schemas();
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
