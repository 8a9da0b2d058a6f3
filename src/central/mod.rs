//! Everything about talking to HPE Aruba Networking Central.
//!
//! [`Central::call`] is the one call pipeline every tool uses:
//!
//! 1. render the [`Route`] template with percent-encoded path parameters and the query;
//! 2. *(resilience seam: circuit breaker admission and rate-limiter wait go here)*;
//! 3. get a bearer token from [`Auth`] (cached, refreshed early, single-flight);
//! 4. hand the request to the [`Transport`] worker pool (blocking `ureq` off the runtime thread);
//! 5. on 401, renew the token once and replay the request once;
//! 6. classify the answer: 2xx JSON → [`ApiResponse`]; anything else → a typed [`ApiError`] naming
//!    the call, the status and Central's `errorCode`/`message`/`debugId`
//!    *(resilience seam: retry decisions and breaker bookkeeping go here)*.

pub mod auth;
pub mod error;
pub mod routes;
pub mod transport;

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

pub use auth::{Auth, Bearer, TokenStatus};
pub use error::{ApiError, ErrorEnvelope};
pub use routes::Route;
pub use transport::{
    HttpRequest, HttpResponse, Method, Transport, TransportError, TransportSettings,
};

use crate::config::CentralSettings;

/// One request to Central: a route, its path parameters, query and optional JSON body.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// The endpoint.
    pub route: Route,
    /// Values for the template's placeholders, in order.
    pub path_params: Vec<String>,
    /// Query parameters in the documented kebab-case names.
    pub query: Vec<(&'static str, String)>,
    /// JSON body (POST).
    pub body: Option<Value>,
}

impl ApiRequest {
    /// A request for `route` with no parameters.
    pub fn new(route: Route) -> ApiRequest {
        ApiRequest {
            route,
            path_params: Vec::new(),
            query: Vec::new(),
            body: None,
        }
    }

    /// Adds the next path parameter.
    pub fn path(mut self, value: impl Into<String>) -> ApiRequest {
        self.path_params.push(value.into());
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &'static str, value: impl ToString) -> ApiRequest {
        self.query.push((name, value.to_string()));
        self
    }

    /// Adds a query parameter when `value` is present.
    pub fn query_opt(self, name: &'static str, value: Option<impl ToString>) -> ApiRequest {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// Sets the JSON body.
    pub fn body(mut self, body: Value) -> ApiRequest {
        self.body = Some(body);
        self
    }

    /// Path and query as sent (relative to the base URL).
    pub fn path_and_query(&self) -> Result<String, String> {
        let mut out = self.route.render(&self.path_params)?;
        for (i, (name, value)) in self.query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(name);
            out.push('=');
            out.push_str(&routes::encode_query_component(value));
        }
        Ok(out)
    }
}

/// A successful (2xx) answer.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: u16,
    /// Parsed JSON body (`Null` for an empty body).
    pub body: Value,
}

/// The Central client: configuration, token cache and worker pool.
#[derive(Debug)]
pub struct Central {
    base_url: String,
    settings: CentralSettings,
    auth: Auth,
    transport: Arc<Transport>,
}

impl Central {
    /// Builds the client and starts its worker threads.
    pub fn new(settings: CentralSettings) -> std::io::Result<Central> {
        let transport = Transport::start(&TransportSettings {
            workers: settings.http_workers,
            queue: settings.http_queue,
            connect_timeout: settings.connect_timeout,
            max_response_bytes: settings.max_response_bytes,
        })?;
        let auth = Auth::new(
            settings.token_url.clone(),
            settings.credentials.clone(),
            settings.token_refresh_buffer,
            settings.api_timeout,
        );
        Ok(Central {
            base_url: settings.base_url.trim_end_matches('/').to_string(),
            settings,
            auth,
            transport: Arc::new(transport),
        })
    }

    /// The API gateway in use.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The token cache.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// Sends `request` through the pipeline described in the module docs.
    pub async fn call(&self, request: ApiRequest) -> Result<ApiResponse, ApiError> {
        let call = request.route.call_name();
        let path = request
            .path_and_query()
            .map_err(|detail| ApiError::InvalidRequest {
                call: call.clone(),
                detail,
            })?;
        if let Some(reason) = self.auth.missing_reason() {
            return Err(ApiError::NotConfigured { reason });
        }
        let url = format!("{}{}", self.base_url, path);
        let body = match &request.body {
            Some(v) => Some(serde_json::to_vec(v).map_err(|e| ApiError::InvalidRequest {
                call: call.clone(),
                detail: e.to_string(),
            })?),
            None => None,
        };

        let started = Instant::now();
        let mut bearer = self.auth.bearer(&self.transport).await?;
        let mut response = self.send(&request, &url, &body, &bearer, &call).await?;
        if response.status == 401 {
            tracing::info!(
                endpoint = request.route.template,
                "Central answered 401; renewing the token and replaying once"
            );
            bearer = self
                .auth
                .renew_after_rejection(&bearer, &self.transport, &call)
                .await?;
            response = self.send(&request, &url, &body, &bearer, &call).await?;
        }
        let outcome = classify(&call, response);
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        match &outcome {
            Ok(r) => tracing::debug!(
                endpoint = request.route.template,
                method = request.route.method.as_str(),
                status = r.status,
                elapsed_ms,
                "Central call succeeded"
            ),
            // A 400, 404 or 409 answers the caller's request; only failures of Central, auth,
            // limits or the network are warnings.
            Err(e) if matches!(e.status(), Some(400 | 404 | 409)) => tracing::info!(
                endpoint = request.route.template,
                method = request.route.method.as_str(),
                status = e.status(),
                error = %e,
                elapsed_ms,
                "Central rejected the call"
            ),
            Err(e) => tracing::warn!(
                endpoint = request.route.template,
                method = request.route.method.as_str(),
                status = e.status(),
                error_kind = e.kind(),
                error = %e,
                elapsed_ms,
                "Central call failed"
            ),
        }
        outcome
    }

    async fn send(
        &self,
        request: &ApiRequest,
        url: &str,
        body: &Option<Vec<u8>>,
        bearer: &Bearer,
        call: &str,
    ) -> Result<HttpResponse, ApiError> {
        let mut headers = vec![
            ("Authorization", format!("Bearer {}", bearer.value.expose())),
            ("Accept", "application/json".to_string()),
        ];
        if body.is_some() {
            headers.push(("Content-Type", "application/json".to_string()));
        }
        self.transport
            .send(HttpRequest {
                method: request.route.method,
                url: url.to_string(),
                headers,
                body: body.clone(),
                timeout: self.settings.api_timeout,
            })
            .await
            .map_err(|source| ApiError::Transport {
                call: call.to_string(),
                source,
            })
    }
}

/// Turns an HTTP answer into a JSON body or a typed error.
fn classify(call: &str, response: HttpResponse) -> Result<ApiResponse, ApiError> {
    if !(200..300).contains(&response.status) {
        return Err(ApiError::Http {
            call: call.to_string(),
            status: response.status,
            envelope: ErrorEnvelope::parse(&response.body),
            retry_after: response.headers.retry_after,
        });
    }
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ApiResponse {
            status: response.status,
            body: Value::Null,
        });
    }
    serde_json::from_slice(&response.body)
        .map(|body| ApiResponse {
            status: response.status,
            body,
        })
        .map_err(|e| {
            let start =
                String::from_utf8_lossy(&response.body[..response.body.len().min(80)]).into_owned();
            ApiError::InvalidResponse {
                call: call.to_string(),
                detail: format!("{e}; body starts with {start:?}"),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::central::transport::ResponseHeaders;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: ResponseHeaders::default(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn builds_path_and_query() {
        let r = ApiRequest::new(routes::CLIENTS)
            .query("site-id", "24833497")
            .query("filter", "clientConnectionType eq 'Wired'")
            .query_opt("next", None::<String>)
            .query("limit", 50);
        assert_eq!(
            r.path_and_query().unwrap(),
            "/network-monitoring/v1/clients?site-id=24833497&filter=clientConnectionType%20eq%20%27Wired%27&limit=50"
        );
    }

    #[test]
    fn classifies_answers() {
        let ok = classify("GET /x", response(200, r#"{"items":[]}"#)).unwrap();
        assert_eq!(ok.body["items"], Value::Array(vec![]));
        assert_eq!(
            classify("GET /x", response(204, "")).unwrap().body,
            Value::Null
        );
        let err = classify(
            "GET /x",
            response(400, r#"{"errorCode":"HPE_GL_NETWORK_MONITORING_INVALID_INPUT","message":"site-id is required","debugId":"d1"}"#),
        )
        .unwrap_err();
        assert_eq!(err.status(), Some(400));
        assert!(err.to_string().contains("site-id is required"));
        let err = classify("GET /x", response(200, "<html>oops</html>")).unwrap_err();
        assert_eq!(err.kind(), "invalid_response");
        assert!(err.to_string().contains("<html>"));
    }
}
