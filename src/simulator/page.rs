//! Pagination, both styles (CONTRACT §3.2 cursor, §3.3 offset), and list-query helpers.
//!
//! Cursor style: `next` is a 1-based page number sent as a string; page k holds items
//! `[(k-1)*limit, k*limit)`; the response carries `count` (page length), `total` (all matching
//! items) and `next` (`"k+1"` or `null` on the last page).
//!
//! Offset style: `offset` skips that many items; the response echoes `offset` as an integer.
//!
//! Bad `limit`/`offset`/`next` values are 400s whose message names the parameter.

use serde_json::{Map, Value, json};

use super::odata::{Filter, MAX_FILTER_LEN};
use super::response::ApiError;
use super::router::Query;
use super::sort::{MAX_SORT_LEN, SortKey, parse_sort};

/// The `limit` bounds and default of an endpoint (CONTRACT §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LimitSpec {
    /// Smallest accepted value.
    pub(crate) min: u64,
    /// Largest accepted value.
    pub(crate) max: u64,
    /// Value used when `limit` is absent.
    pub(crate) default: u64,
}

impl LimitSpec {
    /// Bounds `1..=max`, with a default.
    pub(crate) const fn up_to(max: u64, default: u64) -> Self {
        Self {
            min: 1,
            max,
            default,
        }
    }
}

/// A validated cursor-page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CursorParams {
    /// Page size.
    pub(crate) limit: u64,
    /// 1-based page number.
    pub(crate) page: u64,
}

/// A validated offset-page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OffsetParams {
    /// Page size.
    pub(crate) limit: u64,
    /// Items to skip.
    pub(crate) offset: u64,
}

/// Parse a non-negative integer parameter; absent (or blank) gives `None`.
fn parse_u64(query: &Query, name: &str) -> Result<Option<u64>, ApiError> {
    match query.get(name) {
        None => Ok(None),
        Some(raw) => {
            let raw = raw.trim();
            if raw.is_empty() {
                return Err(ApiError::bad_request(format!(
                    "Invalid value for '{name}': an integer is required"
                )));
            }
            raw.parse::<u64>().map(Some).map_err(|_| {
                ApiError::bad_request(format!(
                    "Invalid value '{raw}' for '{name}': must be a non-negative integer"
                ))
            })
        }
    }
}

/// Read and check `limit` against `spec`.
pub(crate) fn parse_limit(query: &Query, spec: LimitSpec) -> Result<u64, ApiError> {
    let limit = parse_u64(query, "limit")?.unwrap_or(spec.default);
    if limit < spec.min || limit > spec.max {
        return Err(ApiError::bad_request(format!(
            "Invalid value {limit} for 'limit': must be between {} and {}",
            spec.min, spec.max
        )));
    }
    Ok(limit)
}

/// Read `limit` and `next` for a cursor-paged endpoint.
pub(crate) fn parse_cursor(query: &Query, spec: LimitSpec) -> Result<CursorParams, ApiError> {
    let limit = parse_limit(query, spec)?;
    let page = parse_u64(query, "next")?.unwrap_or(1);
    if page < 1 {
        return Err(ApiError::bad_request(
            "Invalid value 0 for 'next': the minimum is 1",
        ));
    }
    Ok(CursorParams { limit, page })
}

/// Read `limit` and `offset` for an offset-paged endpoint.
pub(crate) fn parse_offset(query: &Query, spec: LimitSpec) -> Result<OffsetParams, ApiError> {
    let limit = parse_limit(query, spec)?;
    let offset = parse_u64(query, "offset")?.unwrap_or(0);
    Ok(OffsetParams { limit, offset })
}

/// The index range `[start, end)` of a slice of `len` items, clamped (never panics).
fn window(len: usize, start: u64, limit: u64) -> (usize, usize) {
    let start = usize::try_from(start).unwrap_or(usize::MAX).min(len);
    let end = start
        .saturating_add(usize::try_from(limit).unwrap_or(usize::MAX))
        .min(len);
    (start, end)
}

/// Cut page `p.page` out of `items`; returns `{items, count, total, next}`.
pub(crate) fn cursor_page(items: Vec<Value>, p: CursorParams) -> Map<String, Value> {
    let total = items.len();
    let start = p.page.saturating_sub(1).saturating_mul(p.limit);
    let (from, to) = window(total, start, p.limit);
    let page: Vec<Value> = items.into_iter().skip(from).take(to - from).collect();
    let next = if to < total {
        Value::String((p.page + 1).to_string())
    } else {
        Value::Null
    };
    let mut out = Map::new();
    out.insert("items".into(), Value::Array(page));
    out.insert("count".into(), json!(to - from));
    out.insert("total".into(), json!(total));
    out.insert("next".into(), next);
    out
}

/// Cut `[offset, offset+limit)` out of `items`; returns `{items, count, total, offset}`.
pub(crate) fn offset_page(items: Vec<Value>, p: OffsetParams) -> Map<String, Value> {
    let total = items.len();
    let (from, to) = window(total, p.offset, p.limit);
    let page: Vec<Value> = items.into_iter().skip(from).take(to - from).collect();
    let mut out = Map::new();
    out.insert("items".into(), Value::Array(page));
    out.insert("count".into(), json!(to - from));
    out.insert("total".into(), json!(total));
    out.insert("offset".into(), json!(p.offset));
    out
}

/// Parse the `filter` parameter against an endpoint's filterable fields (blank = no filter).
pub(crate) fn parse_filter(query: &Query, fields: &[&str]) -> Result<Filter, ApiError> {
    match query.get("filter") {
        None => Ok(Filter::default()),
        Some(raw) => Filter::parse(raw, fields, MAX_FILTER_LEN)
            .map_err(|e| ApiError::bad_request(format!("Invalid 'filter': {e}"))),
    }
}

/// Parse the `sort` parameter against an endpoint's sortable fields (absent = no keys).
pub(crate) fn parse_sort_param(query: &Query, fields: &[&str]) -> Result<Vec<SortKey>, ApiError> {
    match query.get("sort") {
        None => Ok(Vec::new()),
        Some(raw) => parse_sort(raw, fields, MAX_SORT_LEN)
            .map_err(|e| ApiError::bad_request(format!("Invalid 'sort': {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<Value> {
        (0..n).map(|i| json!(i)).collect()
    }

    fn q(s: &str) -> Query {
        Query::parse(s)
    }

    const SPEC: LimitSpec = LimitSpec::up_to(1000, 20);

    #[test]
    fn cursor_pages_cover_everything_once() {
        let all = items(23);
        let mut seen = Vec::new();
        let mut page = 1;
        loop {
            let out = cursor_page(all.clone(), CursorParams { limit: 7, page });
            let got = out["items"].as_array().cloned().unwrap_or_default();
            assert_eq!(out["count"], json!(got.len()));
            assert_eq!(out["total"], json!(23));
            seen.extend(got);
            match &out["next"] {
                Value::String(n) => {
                    assert_eq!(n, &(page + 1).to_string());
                    page += 1;
                }
                Value::Null => break,
                other => panic!("bad next {other}"),
            }
        }
        assert_eq!(page, 4);
        assert_eq!(seen, all);
    }

    #[test]
    fn cursor_exact_multiple_and_past_the_end() {
        let out = cursor_page(items(14), CursorParams { limit: 7, page: 2 });
        assert_eq!(out["count"], json!(7));
        assert_eq!(out["next"], Value::Null);
        let out = cursor_page(items(14), CursorParams { limit: 7, page: 9 });
        assert_eq!(out["count"], json!(0));
        assert_eq!(out["next"], Value::Null);
        let out = cursor_page(
            items(3),
            CursorParams {
                limit: 1000,
                page: u64::MAX,
            },
        );
        assert_eq!(out["count"], json!(0));
        let out = cursor_page(Vec::new(), CursorParams { limit: 5, page: 1 });
        assert_eq!(out["total"], json!(0));
        assert_eq!(out["next"], Value::Null);
    }

    #[test]
    fn offset_pages() {
        let out = offset_page(
            items(10),
            OffsetParams {
                limit: 4,
                offset: 8,
            },
        );
        assert_eq!(out["items"], json!([8, 9]));
        assert_eq!(out["count"], json!(2));
        assert_eq!(out["offset"], json!(8));
        let out = offset_page(
            items(10),
            OffsetParams {
                limit: 4,
                offset: u64::MAX,
            },
        );
        assert_eq!(out["count"], json!(0));
    }

    #[test]
    fn parameter_validation() {
        assert_eq!(
            parse_cursor(&q(""), SPEC).expect("ok"),
            CursorParams { limit: 20, page: 1 }
        );
        assert_eq!(
            parse_cursor(&q("limit=7&next=3"), SPEC).expect("ok"),
            CursorParams { limit: 7, page: 3 }
        );
        for bad in [
            "limit=0",
            "limit=1001",
            "limit=abc",
            "limit=",
            "limit=-1",
            "next=0",
            "next=x",
            "next=-2",
        ] {
            let e = parse_cursor(&q(bad), SPEC).expect_err(bad);
            assert_eq!(e.status, 400);
            let name = bad.split('=').next().unwrap_or("");
            assert!(e.message.contains(name), "{bad}: {}", e.message);
        }
        assert_eq!(
            parse_offset(&q("offset=5&limit=2"), LimitSpec::up_to(1000, 100)).expect("ok"),
            OffsetParams {
                limit: 2,
                offset: 5
            }
        );
        let e = parse_offset(&q("offset=x"), SPEC).expect_err("bad");
        assert!(e.message.contains("offset"));
    }

    #[test]
    fn filter_and_sort_errors_are_400() {
        let e = parse_filter(&q("filter=foo+eq+%27x%27"), &["status"]).expect_err("bad");
        assert_eq!(e.status, 400);
        assert!(e.message.contains("foo"));
        let e = parse_sort_param(&q("sort=foo"), &["status"]).expect_err("bad");
        assert!(e.message.contains("foo"));
    }
}
