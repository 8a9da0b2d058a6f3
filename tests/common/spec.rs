//! HPE's troubleshooting OpenAPI file (`../shared/central-api/openapi/troubleshooting.json`)
//! as a test oracle: every troubleshooting request the server sent must be an operation the
//! spec documents, with a body its request schema accepts.

use aruba_noc_mcp::simulator::JournalEntry;
use serde_json::{Value, json};

/// The parsed troubleshooting spec.
pub fn troubleshooting() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/central-api/openapi/troubleshooting.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("the spec is JSON")
}

fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let mut node = spec;
            for part in r.trim_start_matches("#/").split('/') {
                node = &node[part];
            }
            resolve(spec, node)
        }
        None => v,
    }
}

/// The spec's operation for the request's method and concrete path.
fn operation<'a>(spec: &'a Value, e: &JournalEntry) -> &'a Value {
    let method = e.method.to_ascii_lowercase();
    let parts: Vec<&str> = e.path.split('/').collect();
    spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .find_map(|(template, item)| {
            let t: Vec<&str> = template.split('/').collect();
            let fits = t.len() == parts.len()
                && t.iter()
                    .zip(&parts)
                    .all(|(a, b)| a.starts_with('{') || a == b);
            item.get(&method).filter(|_| fits)
        })
        .unwrap_or_else(|| panic!("no {} {} in troubleshooting.json", e.method, e.path))
}

/// The request is an operation of the spec and, for a POST, its body fits the request schema:
/// required fields present, no field the schema does not list, types, `minimum`/`maximum` and
/// `enum` respected, and no body where the spec takes none.
pub fn check_request(spec: &Value, e: &JournalEntry) {
    let op = operation(spec, e);
    if e.method != "POST" {
        return;
    }
    let schema = op["requestBody"]["content"]["application/json"]["schema"].clone();
    let body: Option<Value> = e
        .body
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .map(|b| serde_json::from_str(b).expect("JSON body"));
    if schema.is_null() {
        assert!(
            body.as_ref().is_none_or(|b| b == &json!({})),
            "{}: the spec takes no body, sent {body:?}",
            e.path
        );
        return;
    }
    let schema = resolve(spec, &schema);
    let body = body.unwrap_or_else(|| panic!("{}: the spec requires a body", e.path));
    let props = schema["properties"].as_object().expect("properties");
    for r in schema["required"].as_array().into_iter().flatten() {
        assert!(
            body.get(r.as_str().unwrap()).is_some(),
            "{}: required {r} missing in {body}",
            e.path
        );
    }
    for (k, v) in body.as_object().expect("object body") {
        let p = resolve(
            spec,
            props
                .get(k)
                .unwrap_or_else(|| panic!("{}: field {k} not in the spec", e.path)),
        );
        let ok = match p["type"].as_str() {
            Some("array") => v.is_array(),
            Some("string") => v.is_string(),
            Some("boolean") => v.is_boolean(),
            Some("integer") => v.is_i64() || v.is_u64(),
            Some("number") => v.is_number(),
            _ => true,
        };
        assert!(ok, "{}: {k} = {v} is not a {}", e.path, p["type"]);
        if let (Some(min), Some(n)) = (p["minimum"].as_f64(), v.as_f64()) {
            assert!(n >= min, "{}: {k} = {n} is below the minimum {min}", e.path);
        }
        if let (Some(max), Some(n)) = (p["maximum"].as_f64(), v.as_f64()) {
            assert!(n <= max, "{}: {k} = {n} is above the maximum {max}", e.path);
        }
        if let Some(values) = p["enum"].as_array() {
            assert!(
                values.contains(v),
                "{}: {k} = {v} is not one of {values:?}",
                e.path
            );
        }
    }
}
