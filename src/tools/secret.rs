//! A secret tool argument (the RADIUS password of `test_connectivity`).
//!
//! [`SecretArg`] decodes from a JSON string, shows `[redacted]` in `Debug` (so an argument struct
//! holding one can be debug-printed, logged or put in a panic message without the value), is never
//! serialised, and a decoding error never quotes the value: serde would echo a wrong-typed value
//! (`invalid type: integer 1234`), this type only says what it expected. Arguments reach LangSmith
//! redacted by key (`password` is in [`crate::config::ALWAYS_REDACTED`]) and never reach a log
//! line; [`SecretArg::scrub`] takes the value out of text that came back from Central, in case
//! Central echoes it.

use std::borrow::Cow;
use std::fmt;

use rmcp::schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{Deserialize, Deserializer, Error as _};
use serde_json::Value;

use super::ToolError;
use crate::central::ApiError;
use crate::config::Secret;

/// What a scrubbed secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Shortest secret that [`SecretArg::scrub`] looks for: replacing every `a` of a one-letter
/// password would garble a message and hide nothing.
const MIN_SCRUB_LEN: usize = 4;

/// A secret string argument.
#[derive(Clone)]
pub struct SecretArg(Secret);

impl SecretArg {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> SecretArg {
        SecretArg(Secret::new(value.into()))
    }

    /// The value, for the one request that must carry it.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// `text` with every occurrence of the secret replaced by `[redacted]` (secrets shorter than
    /// four characters are not looked for).
    pub fn scrub(&self, text: &str) -> String {
        let secret = self.expose();
        if secret.chars().count() < MIN_SCRUB_LEN || !text.contains(secret) {
            return text.to_string();
        }
        text.replace(secret, REDACTED)
    }

    /// Scrubs every string in `value`, keys included.
    pub fn scrub_value(&self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.scrub(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Value::Object(map) => {
                let old = std::mem::take(map);
                for (k, mut v) in old {
                    self.scrub_value(&mut v);
                    map.insert(self.scrub(&k), v);
                }
            }
            _ => {}
        }
    }
}

impl fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for SecretArg {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Through `Value`, so a wrong type is reported without the value in the message.
        match Value::deserialize(deserializer)? {
            Value::String(s) => Ok(SecretArg::new(s)),
            other => {
                let kind = match other {
                    Value::Null => "null",
                    Value::Bool(_) => "a boolean",
                    Value::Number(_) => "a number",
                    Value::Array(_) => "an array",
                    Value::Object(_) => "an object",
                    Value::String(_) => "a string",
                };
                Err(D::Error::custom(format!(
                    "expected a string, got {kind} (the value is not shown)"
                )))
            }
        }
    }
}

impl JsonSchema for SecretArg {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        String::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        String::json_schema(generator)
    }
}

/// `e` with every echo of the secret in its text replaced (Central's error message may quote
/// the request).
pub fn scrub_api(e: ApiError, s: &SecretArg) -> ApiError {
    match e {
        ApiError::Http {
            call,
            status,
            mut envelope,
            retry_after,
        } => {
            for field in [
                &mut envelope.message,
                &mut envelope.error_code,
                &mut envelope.debug_id,
            ] {
                if let Some(text) = field.as_mut() {
                    *text = s.scrub(text);
                }
            }
            ApiError::Http {
                call,
                status,
                envelope,
                retry_after,
            }
        }
        ApiError::InvalidResponse { call, detail } => ApiError::InvalidResponse {
            call,
            detail: s.scrub(&detail),
        },
        ApiError::Retried { attempts, last } => ApiError::Retried {
            attempts,
            last: Box::new(scrub_api(*last, s)),
        },
        other => other,
    }
}

/// `e` without the secret anywhere in its text.
pub fn scrub_error(e: ToolError, s: &SecretArg) -> ToolError {
    match e {
        ToolError::InvalidArgument(m) => ToolError::InvalidArgument(s.scrub(&m)),
        ToolError::SiteRequired(m) => ToolError::SiteRequired(s.scrub(&m)),
        ToolError::Refused(m) => ToolError::Refused(s.scrub(&m)),
        ToolError::Cancelled(m) => ToolError::Cancelled(s.scrub(&m)),
        ToolError::Unexpected(m) => ToolError::Unexpected(s.scrub(&m)),
        ToolError::Api { context, source } => ToolError::Api {
            context: s.scrub(&context),
            source: Box::new(scrub_api(*source, s)),
        },
        ToolError::Explained { message, source } => ToolError::Explained {
            message: s.scrub(&message),
            source: Box::new(scrub_api(*source, s)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn debug_and_decoding_errors_never_show_the_value() {
        let s: SecretArg = serde_json::from_value(json!("Kiwi-Lantern-9071")).unwrap();
        assert_eq!(s.expose(), "Kiwi-Lantern-9071");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some([redacted])");
        for bad in [json!(90719071), json!(["Kiwi-Lantern"]), json!({"Kiwi": 1})] {
            let e = serde_json::from_value::<SecretArg>(bad)
                .unwrap_err()
                .to_string();
            assert!(e.contains("expected a string"), "{e}");
            assert!(!e.contains("9071") && !e.contains("Kiwi"), "{e}");
        }
    }

    #[test]
    fn scrub_replaces_the_value_everywhere_but_leaves_short_ones() {
        let s = SecretArg::new("Kiwi-9071");
        assert_eq!(
            s.scrub("bad password Kiwi-9071 for Kiwi-9071"),
            "bad password [redacted] for [redacted]"
        );
        let mut v = json!({"a": ["x Kiwi-9071 y", 1], "Kiwi-9071": "z"});
        s.scrub_value(&mut v);
        assert_eq!(v, json!({"a": ["x [redacted] y", 1], "[redacted]": "z"}));
        assert_eq!(SecretArg::new("ab").scrub("a cab"), "a cab");
    }
}
