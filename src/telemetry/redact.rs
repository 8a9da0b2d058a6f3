//! The argument policy of the exporters: what LangSmith and OTLP may see of a tool call's
//! arguments (`ARUBA_ANALYTICS_ARGS`, `ARUBA_ANALYTICS_REDACT` and the keys always redacted).

use serde_json::{Map, Value};

use crate::config::AnalyticsSettings;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";
/// Longest string argument sent (in characters); longer ones are cut and marked.
const MAX_STRING: usize = 1000;
/// Deepest nesting of arguments sent.
const MAX_DEPTH: usize = 16;
/// Applies the argument policy: `ARUBA_ANALYTICS_ARGS` and `ARUBA_ANALYTICS_REDACT`.
#[derive(Debug, Clone)]
pub struct Redactor {
    send_arguments: bool,
    keys: Vec<String>,
}

impl Redactor {
    /// The policy of `settings`.
    pub fn new(settings: &AnalyticsSettings) -> Redactor {
        Redactor {
            send_arguments: settings.send_arguments,
            keys: settings
                .redact
                .iter()
                .map(|k| k.to_ascii_lowercase())
                .collect(),
        }
    }

    /// What LangSmith may see of `arguments`: `None` when arguments are off, otherwise a copy
    /// where every value under a key containing a redacted substring (case-insensitive, at any
    /// depth) is `"[redacted]"`, long strings are cut and deep nesting is cut off.
    pub fn apply(&self, arguments: &Map<String, Value>) -> Option<Value> {
        self.send_arguments
            .then(|| Value::Object(self.object(arguments, 0)))
    }

    fn secret_key(&self, key: &str) -> bool {
        let key = key.to_ascii_lowercase();
        self.keys.iter().any(|k| key.contains(k.as_str()))
    }

    fn object(&self, map: &Map<String, Value>, depth: usize) -> Map<String, Value> {
        map.iter()
            .map(|(k, v)| {
                let value = if self.secret_key(k) {
                    Value::from(REDACTED)
                } else {
                    self.value(v, depth + 1)
                };
                (k.clone(), value)
            })
            .collect()
    }

    fn value(&self, value: &Value, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::from("[truncated: nested too deep]");
        }
        match value {
            Value::Object(map) => Value::Object(self.object(map, depth)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.value(item, depth + 1))
                    .collect(),
            ),
            Value::String(s) => Value::from(cut(s, MAX_STRING)),
            other => other.clone(),
        }
    }
}

/// `text` cut to `max` characters, marked when cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => format!("{}… [truncated]", text.get(..end).unwrap_or(text)),
    }
}
