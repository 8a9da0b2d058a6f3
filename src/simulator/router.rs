//! Requests as the handlers see them, and the route table.
//!
//! A route is a method plus a path template such as
//! `/network-monitoring/v1/aps/{serial-number}`; `{name}` segments capture one decoded path
//! segment. Matching works on percent-decoded segments, so `%41` in a serial matches `A`
//! and an encoded `/` (`%2F`) stays inside its segment.

use std::borrow::Cow;

use bytes::Bytes;
use hyper::Method;
use percent_encoding::percent_decode_str;

use super::response::{ApiError, SimResponse};

/// Path prefix of every admin endpoint.
pub(crate) const ADMIN_PREFIX: &str = "/_simulator";

/// What a handler returns.
pub(crate) type HandlerResult = Result<SimResponse, ApiError>;

/// A route handler: plain function over the shared state `S`, the request and its path
/// captures. (`S` is the simulator's `State`; the table does not need to know it.)
pub(crate) type Handler<S> = fn(&S, &SimRequest, &Params) -> HandlerResult;

/// A request, fully read and decoded.
#[derive(Debug, Clone)]
pub(crate) struct SimRequest {
    /// HTTP method.
    pub(crate) method: Method,
    /// The raw path as received (no query string).
    pub(crate) raw_path: String,
    /// Percent-decoded path segments (no leading empty segment; one trailing `/` ignored).
    pub(crate) segments: Vec<String>,
    /// Decoded query pairs in request order.
    pub(crate) query: Query,
    /// The `Authorization` header, as received.
    pub(crate) authorization: Option<String>,
    /// The `Content-Type` header, as received.
    pub(crate) content_type: Option<String>,
    /// The request body.
    pub(crate) body: Bytes,
}

impl SimRequest {
    /// Build a request from its parts (`raw_query` without the `?`).
    pub(crate) fn new(
        method: Method,
        raw_path: &str,
        raw_query: Option<&str>,
        authorization: Option<String>,
        content_type: Option<String>,
        body: Bytes,
    ) -> Self {
        Self {
            method,
            raw_path: raw_path.to_string(),
            segments: split_path(raw_path),
            query: Query::parse(raw_query.unwrap_or("")),
            authorization,
            content_type,
            body,
        }
    }
}

/// Decode a path into segments: split on `/`, percent-decode each (lossy UTF-8).
pub(crate) fn split_path(raw: &str) -> Vec<String> {
    let trimmed = raw.strip_prefix('/').unwrap_or(raw);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed.split('/').map(|s| decode(s, false)).collect()
}

/// Percent-decode one component; with `plus_is_space`, `+` means a space (form/query rules).
pub(crate) fn decode(s: &str, plus_is_space: bool) -> String {
    let replaced: Cow<'_, str> = if plus_is_space && s.contains('+') {
        Cow::Owned(s.replace('+', " "))
    } else {
        Cow::Borrowed(s)
    };
    percent_decode_str(&replaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// Query-string (or form body) pairs, decoded, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parse `a=1&b=x+y&c`; `+` is a space, `%XX` is decoded, a key without `=` has value "".
    pub(crate) fn parse(raw: &str) -> Self {
        let pairs = raw
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (decode(k, true), decode(v, true)),
                None => (decode(p, true), String::new()),
            })
            .collect();
        Self { pairs }
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, treating an empty or blank value as absent.
    pub(crate) fn get_nonblank(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }

    /// All pairs, in order.
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// Path captures of a matched route.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Params(Vec<(&'static str, String)>);

impl Params {
    /// The captured value of `{name}`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(&'static str),
    Param(&'static str),
}

/// One entry of the route table.
#[derive(Debug)]
pub(crate) struct Route<S> {
    /// Method served.
    pub(crate) method: Method,
    /// Path template, e.g. `/network-monitoring/v1/aps/{serial-number}` (also a good metric label).
    pub(crate) template: &'static str,
    segments: Vec<Segment>,
    /// The handler.
    pub(crate) handler: Handler<S>,
}

/// Outcome of looking a request up in the table.
#[derive(Debug)]
pub(crate) enum Match<'r, S> {
    /// A route serves this method and path.
    Found(&'r Route<S>, Params),
    /// The path exists but not for this method; the methods it accepts.
    MethodNotAllowed(Vec<&'static str>),
    /// No route has this path.
    NotFound,
}

/// A route table: method + path template → handler.
#[derive(Debug)]
pub(crate) struct Router<S> {
    routes: Vec<Route<S>>,
}

impl<S> Router<S> {
    /// An empty table.
    pub(crate) fn new() -> Self {
        Self { routes: Vec::new() }
    }

    /// Add a route. When two templates match the same path, the one with more literal segments
    /// wins (so `aps/{sn}/radios` beats `aps/{sn}/{x}`), then the one added first.
    pub(crate) fn add(
        &mut self,
        method: Method,
        template: &'static str,
        handler: Handler<S>,
    ) -> &mut Self {
        let segments = template
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Param(name),
                    None => Segment::Literal(s),
                },
            )
            .collect();
        self.routes.push(Route {
            method,
            template,
            segments,
            handler,
        });
        self
    }

    /// Look up `method` on the decoded path `segments`.
    pub(crate) fn find(&self, method: &Method, segments: &[String]) -> Match<'_, S> {
        let mut best: Option<(&Route<S>, Params, usize)> = None;
        let mut allowed: Vec<&'static str> = Vec::new();
        for route in &self.routes {
            let Some((params, literals)) = match_template(&route.segments, segments) else {
                continue;
            };
            if route.method != *method {
                let name = method_name(&route.method);
                if !allowed.contains(&name) {
                    allowed.push(name);
                }
                continue;
            }
            if best.as_ref().is_none_or(|(_, _, l)| literals > *l) {
                best = Some((route, params, literals));
            }
        }
        match best {
            Some((route, params, _)) => Match::Found(route, params),
            None if !allowed.is_empty() => Match::MethodNotAllowed(allowed),
            None => Match::NotFound,
        }
    }

    /// Every route, in the order added.
    pub(crate) fn routes(&self) -> &[Route<S>] {
        &self.routes
    }
}

fn method_name(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Match a template against decoded segments; returns the captures and the literal count.
fn match_template(template: &[Segment], segments: &[String]) -> Option<(Params, usize)> {
    if template.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    let mut literals = 0;
    for (t, s) in template.iter().zip(segments) {
        match t {
            Segment::Literal(lit) if *lit == s => literals += 1,
            Segment::Literal(_) => return None,
            Segment::Param(_) if s.is_empty() => return None,
            Segment::Param(name) => params.push((*name, s.clone())),
        }
    }
    Some((Params(params), literals))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h_a(_: &(), _: &SimRequest, _: &Params) -> HandlerResult {
        Ok(SimResponse::empty(200))
    }

    fn h_b(_: &(), _: &SimRequest, _: &Params) -> HandlerResult {
        Ok(SimResponse::empty(201))
    }

    fn segs(p: &str) -> Vec<String> {
        split_path(p)
    }

    fn table() -> Router<()> {
        let mut r = Router::new();
        r.add(
            Method::GET,
            "/network-monitoring/v1/aps/{serial-number}/{metric}",
            h_b,
        )
        .add(Method::GET, "/network-monitoring/v1/aps", h_a)
        .add(
            Method::GET,
            "/network-monitoring/v1/aps/{serial-number}",
            h_a,
        )
        .add(
            Method::GET,
            "/network-monitoring/v1/aps/{serial-number}/radios",
            h_a,
        )
        .add(Method::POST, "/as/token.oauth2", h_a);
        r
    }

    #[test]
    fn literal_route_matches() {
        let r = table();
        match r.find(&Method::GET, &segs("/network-monitoring/v1/aps")) {
            Match::Found(route, params) => {
                assert_eq!(route.template, "/network-monitoring/v1/aps");
                assert_eq!(params, Params::default());
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn param_is_captured_and_decoded() {
        let r = table();
        match r.find(
            &Method::GET,
            &segs("/network-monitoring/v1/aps/CN%31234ABCD"),
        ) {
            Match::Found(route, params) => {
                assert_eq!(route.template, "/network-monitoring/v1/aps/{serial-number}");
                assert_eq!(params.get("serial-number"), Some("CN1234ABCD"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn more_literal_template_wins() {
        let r = table();
        match r.find(&Method::GET, &segs("/network-monitoring/v1/aps/X/radios")) {
            Match::Found(route, _) => {
                assert_eq!(
                    route.template,
                    "/network-monitoring/v1/aps/{serial-number}/radios"
                )
            }
            other => panic!("unexpected {other:?}"),
        }
        match r.find(&Method::GET, &segs("/network-monitoring/v1/aps/X/ports")) {
            Match::Found(route, p) => {
                assert_eq!(
                    route.template,
                    "/network-monitoring/v1/aps/{serial-number}/{metric}"
                );
                assert_eq!(p.get("metric"), Some("ports"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn wrong_method_and_unknown_path() {
        let r = table();
        match r.find(&Method::GET, &segs("/as/token.oauth2")) {
            Match::MethodNotAllowed(m) => assert_eq!(m, vec!["POST"]),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            r.find(&Method::GET, &segs("/nope")),
            Match::NotFound
        ));
        assert!(matches!(r.find(&Method::GET, &segs("/")), Match::NotFound));
        // An encoded slash stays inside its segment: three segments after aps → no route.
        assert!(matches!(
            r.find(&Method::GET, &segs("/network-monitoring/v1/aps/a%2Fb/c/d")),
            Match::NotFound
        ));
    }

    #[test]
    fn path_splitting() {
        assert_eq!(segs("/a/b/"), vec!["a", "b"]);
        assert_eq!(segs("/a%20b"), vec!["a b"]);
        assert_eq!(segs("/a+b"), vec!["a+b"]);
        assert!(segs("/").is_empty());
        assert_eq!(segs("/a//b"), vec!["a", "", "b"]);
    }

    #[test]
    fn query_parsing() {
        let q = Query::parse("limit=7&filter=siteName+eq+%27HQ%27&flag&x=%E2%9C%93&bad=%ZZ");
        assert_eq!(q.get("limit"), Some("7"));
        assert_eq!(q.get("filter"), Some("siteName eq 'HQ'"));
        assert_eq!(q.get("flag"), Some(""));
        assert_eq!(q.get_nonblank("flag"), None);
        assert_eq!(q.get("x"), Some("✓"));
        assert_eq!(q.get("bad"), Some("%ZZ"));
        assert_eq!(q.pairs().len(), 5);
        assert!(Query::parse("").pairs().is_empty());
    }
}
