//! Responses and errors shared by every handler.
//!
//! Handlers return `Result<SimResponse, ApiError>`; the dispatcher turns an [`ApiError`] into
//! Central's error envelope (CONTRACT §4.1):
//! `{"httpStatusCode":404,"errorCode":"HPE_GL_ERROR_NOT_FOUND","message":"…","debugId":"<32 hex>"}`.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use serde_json::{Value, json};

use super::prng::mix;

/// A response about to be written: status, extra headers and body bytes.
#[derive(Debug, Clone)]
pub(crate) struct SimResponse {
    /// HTTP status code.
    pub(crate) status: u16,
    /// Headers (name, value); `Content-Type` included when there is a body.
    pub(crate) headers: Vec<(&'static str, String)>,
    /// Body bytes (may be empty).
    pub(crate) body: Bytes,
}

impl SimResponse {
    /// A JSON response with `Content-Type: application/json`.
    pub(crate) fn json(status: u16, value: &Value) -> Self {
        // Serialising a `Value` cannot fail (all keys are strings).
        let body = serde_json::to_vec(value).unwrap_or_default();
        Self {
            status,
            headers: vec![("content-type", "application/json".to_string())],
            body: Bytes::from(body),
        }
    }

    /// A 200 JSON response.
    pub(crate) fn ok(value: &Value) -> Self {
        Self::json(200, value)
    }

    /// A response without a body (e.g. 204).
    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Add (or append) a header.
    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The value of the first header with this (lower-case) name.
    #[cfg(test)]
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A failure answered with Central's error envelope.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub(crate) struct ApiError {
    /// HTTP status code (mirrored in `httpStatusCode`).
    pub(crate) status: u16,
    /// Central error code, e.g. `HPE_GL_ERROR_NOT_FOUND`.
    pub(crate) code: &'static str,
    /// Human-readable message.
    pub(crate) message: String,
    /// Extra response headers (`Allow` for 405, `WWW-Authenticate` for 401).
    pub(crate) headers: Vec<(&'static str, String)>,
    /// Extra envelope fields some families add (troubleshooting: `errorType`, `serviceName`).
    pub(crate) extra: Vec<(&'static str, Value)>,
}

/// Error code for 400 responses of the monitoring service.
pub(crate) const INVALID_INPUT: &str = "HPE_GL_NETWORK_MONITORING_INVALID_INPUT";
/// Error code for 401 responses.
pub(crate) const UNAUTHORIZED: &str = "HPE_GL_ERROR_UNAUTHORIZED";
/// Error code for 404 responses.
pub(crate) const NOT_FOUND: &str = "HPE_GL_ERROR_NOT_FOUND";
/// Error code for 405 responses (not in the contract's table; the generic `HPE_GL_ERROR_*` style).
pub(crate) const METHOD_NOT_ALLOWED: &str = "HPE_GL_ERROR_METHOD_NOT_ALLOWED";
/// Error code for 413 responses (generic `HPE_GL_ERROR_*` style).
pub(crate) const PAYLOAD_TOO_LARGE: &str = "HPE_GL_ERROR_PAYLOAD_TOO_LARGE";
/// Error code for 429 responses.
pub(crate) const TOO_MANY_REQUESTS: &str = "HPE_GL_ERROR_TOO_MANY_REQUESTS";
/// Error code for 500 responses of the monitoring service.
pub(crate) const INTERNAL: &str = "HPE_GL_NETWORK_MONITORING_INTERNAL_SERVER_ERROR";
/// Error code for 400 responses of `network-notifications` (CONTRACT §4.2).
pub(crate) const NOTIFICATIONS_BAD_REQUEST: &str = "HPE_GL_NETWORK_NOTIFICATIONS_BAD_REQUEST";
/// Error code for 400 responses of the troubleshooting device tests (CONTRACT §4.3).
pub(crate) const TS_BAD_REQUEST: &str = "HPE_GL_ERROR_BAD_REQUEST";
/// Error code for 409 responses of the troubleshooting device tests.
pub(crate) const CONFLICT: &str = "HPE_GL_ERROR_CONFLICT";
/// Error code for 400 responses of `network-troubleshooting/v1/events`.
pub(crate) const EVENTS_INVALID_INPUT: &str = "HPE_GL_NETWORK_EVENTS_INVALID_INPUT";
/// Error code for 404 responses of `network-troubleshooting/v1/events`.
pub(crate) const EVENTS_NOT_FOUND: &str = "HPE_GL_NETWORK_EVENTS_NOT_FOUND";

impl ApiError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// An error with an explicit status and code (for the other API families).
    pub(crate) fn with_code(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(status, code, message)
    }

    /// The same error under another family's code (e.g. a shared 400 helper used by
    /// `network-notifications`).
    pub(crate) fn recode(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    /// Add an extra envelope field.
    pub(crate) fn with_field(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    /// 400 `HPE_GL_NETWORK_MONITORING_INVALID_INPUT`.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, INVALID_INPUT, message)
    }

    /// 401 `HPE_GL_ERROR_UNAUTHORIZED`, with `WWW-Authenticate: Bearer`.
    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        let mut e = Self::new(401, UNAUTHORIZED, message);
        e.headers.push(("www-authenticate", "Bearer".to_string()));
        e
    }

    /// 404 `HPE_GL_ERROR_NOT_FOUND`.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, NOT_FOUND, message)
    }

    /// 405 with an `Allow` header listing the methods the path accepts.
    pub(crate) fn method_not_allowed(method: &str, path: &str, allowed: &[&str]) -> Self {
        let mut e = Self::new(
            405,
            METHOD_NOT_ALLOWED,
            format!(
                "Method {method} is not allowed on {path}; allowed: {}",
                allowed.join(", ")
            ),
        );
        e.headers.push(("allow", allowed.join(", ")));
        e
    }

    /// 413: the request body is larger than the simulator accepts.
    pub(crate) fn payload_too_large(limit: usize) -> Self {
        Self::new(
            413,
            PAYLOAD_TOO_LARGE,
            format!("Request body exceeds the limit of {limit} bytes"),
        )
    }

    /// 429 `HPE_GL_ERROR_TOO_MANY_REQUESTS`.
    pub(crate) fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(429, TOO_MANY_REQUESTS, message)
    }

    /// Any error status with the error code Central uses for it (generic `HPE_GL_ERROR_*`
    /// codes where the contract lists none), e.g. for an injected fault.
    pub(crate) fn with_status(status: u16, message: impl Into<String>) -> Self {
        let code = match status {
            400 => INVALID_INPUT,
            401 => return Self::unauthorized(message),
            403 => "HPE_GL_ERROR_FORBIDDEN",
            404 => NOT_FOUND,
            405 => METHOD_NOT_ALLOWED,
            409 => "HPE_GL_ERROR_CONFLICT",
            413 => PAYLOAD_TOO_LARGE,
            429 => TOO_MANY_REQUESTS,
            500 => INTERNAL,
            502 => "HPE_GL_ERROR_BAD_GATEWAY",
            503 => "HPE_GL_ERROR_SERVICE_UNAVAILABLE",
            504 => "HPE_GL_ERROR_GATEWAY_TIMEOUT",
            501..=599 => "HPE_GL_ERROR_INTERNAL_SERVER_ERROR",
            _ => "HPE_GL_ERROR_BAD_REQUEST",
        };
        Self::new(status, code, message)
    }

    /// 500 `HPE_GL_NETWORK_MONITORING_INTERNAL_SERVER_ERROR`.
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(500, INTERNAL, message)
    }

    /// The §4.1 envelope for this error.
    pub(crate) fn into_response(self, debug_id: String) -> SimResponse {
        let mut body = json!({
            "httpStatusCode": self.status,
            "errorCode": self.code,
            "message": self.message,
            "debugId": debug_id,
        });
        if let Value::Object(map) = &mut body {
            for (name, value) in self.extra {
                map.insert(name.to_string(), value);
            }
        }
        let mut resp = SimResponse::json(self.status, &body);
        resp.headers.extend(self.headers);
        resp
    }
}

/// Generator of `debugId` values: 32 lower-case hex digits, derived from the seed and a
/// counter so that identical request sequences get identical ids.
#[derive(Debug)]
pub(crate) struct DebugIds {
    seed: u64,
    counter: AtomicU64,
}

impl DebugIds {
    /// A generator for this seed.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            seed,
            counter: AtomicU64::new(0),
        }
    }

    /// The next id.
    pub(crate) fn next_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let a = mix(self.seed ^ mix(n));
        let b = mix(a ^ n.rotate_left(29));
        format!("{a:016x}{b:016x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_the_four_fields() {
        let resp = ApiError::not_found("Resource not found for the given input.")
            .into_response("0123456789abcdef0123456789abcdef".into());
        assert_eq!(resp.status, 404);
        assert_eq!(resp.header("content-type"), Some("application/json"));
        let v: Value = serde_json::from_slice(&resp.body).expect("json");
        assert_eq!(v["httpStatusCode"], 404);
        assert_eq!(v["errorCode"], "HPE_GL_ERROR_NOT_FOUND");
        assert_eq!(v["message"], "Resource not found for the given input.");
        assert_eq!(v["debugId"], "0123456789abcdef0123456789abcdef");
    }

    #[test]
    fn debug_ids_are_32_hex_and_distinct() {
        let ids = DebugIds::new(42);
        let a = ids.next_id();
        let b = ids.next_id();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(DebugIds::new(42).next_id(), a);
    }

    #[test]
    fn method_not_allowed_lists_methods() {
        let resp = ApiError::method_not_allowed("POST", "/x", &["GET"]).into_response("d".into());
        assert_eq!(resp.status, 405);
        assert_eq!(resp.header("allow"), Some("GET"));
    }
}
