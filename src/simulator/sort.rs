//! The `sort` query parameter (CONTRACT §3.6): `field [asc|desc]`, comma-separated.
//!
//! Directions are case-insensitive (`asc`, `DESC`); a missing direction means ascending.
//! Only the endpoint's documented sortable fields are accepted. Sorting is stable and compares
//! JSON values: numbers numerically, strings lexicographically, with nulls and missing
//! fields last in ascending order (first in descending order).

use std::cmp::Ordering;

use serde_json::Value;

/// Maximum length of a sort expression.
pub(crate) const MAX_SORT_LEN: usize = 256;

/// Why a sort expression was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SortError {
    /// Longer than allowed.
    #[error("sort is {len} characters long; the maximum is {max}")]
    TooLong {
        /// Length in characters.
        len: usize,
        /// Allowed maximum.
        max: usize,
    },
    /// A field that is not sortable on this endpoint.
    #[error("sort field '{field}' is not supported; supported fields: {allowed}")]
    UnknownField {
        /// The field named.
        field: String,
        /// The supported fields, comma-separated.
        allowed: String,
    },
    /// A direction other than asc/desc.
    #[error("sort direction '{0}' is not supported; use asc or desc")]
    BadDirection(String),
    /// An empty or otherwise malformed expression.
    #[error("malformed sort expression '{0}': expected 'field [asc|desc]'")]
    Malformed(String),
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SortKey {
    /// The field.
    pub(crate) field: String,
    /// `true` for descending.
    pub(crate) descending: bool,
}

/// Parse a sort expression; a blank one yields no keys.
pub(crate) fn parse_sort(
    input: &str,
    allowed: &[&str],
    max_len: usize,
) -> Result<Vec<SortKey>, SortError> {
    let len = input.chars().count();
    if len > max_len {
        return Err(SortError::TooLong { len, max: max_len });
    }
    if input.trim().is_empty() {
        return Ok(Vec::new());
    }
    input
        .split(',')
        .map(|expr| {
            let words: Vec<&str> = expr.split_whitespace().collect();
            let (field, descending) = match words.as_slice() {
                [field] => (*field, false),
                [field, dir] if dir.eq_ignore_ascii_case("asc") => (*field, false),
                [field, dir] if dir.eq_ignore_ascii_case("desc") => (*field, true),
                [_, dir] => return Err(SortError::BadDirection((*dir).to_string())),
                _ => return Err(SortError::Malformed(expr.trim().to_string())),
            };
            if !allowed.contains(&field) {
                return Err(SortError::UnknownField {
                    field: field.to_string(),
                    allowed: allowed.join(", "),
                });
            }
            Ok(SortKey {
                field: field.to_string(),
                descending,
            })
        })
        .collect()
}

/// Stable sort of `items` by `keys`, reading each key's value with `lookup(item, field)`.
pub(crate) fn sort_by_keys<T>(
    items: &mut [T],
    keys: &[SortKey],
    lookup: impl Fn(&T, &str) -> Option<Value>,
) {
    if keys.is_empty() {
        return;
    }
    items.sort_by(|a, b| {
        for key in keys {
            let ord = compare(
                lookup(a, &key.field).as_ref(),
                lookup(b, &key.field).as_ref(),
            );
            let ord = if key.descending { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
}

/// Stable sort of JSON objects by `keys` (fields looked up by name).
pub(crate) fn sort_json(items: &mut [Value], keys: &[SortKey]) {
    sort_by_keys(items, keys, |item, field| item.get(field).cloned());
}

fn rank(v: Option<&Value>) -> u8 {
    match v {
        Some(Value::Number(_)) => 0,
        Some(Value::Bool(_)) => 1,
        Some(Value::String(_)) => 2,
        Some(Value::Array(_)) | Some(Value::Object(_)) => 3,
        Some(Value::Null) | None => 4,
    }
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FIELDS: &[&str] = &["deviceName", "model", "uptime"];

    #[test]
    fn parses_directions() {
        let keys =
            parse_sort("deviceName, model DESC,uptime asc", FIELDS, MAX_SORT_LEN).expect("ok");
        assert_eq!(
            keys,
            vec![
                SortKey {
                    field: "deviceName".into(),
                    descending: false
                },
                SortKey {
                    field: "model".into(),
                    descending: true
                },
                SortKey {
                    field: "uptime".into(),
                    descending: false
                },
            ]
        );
        assert!(parse_sort("", FIELDS, MAX_SORT_LEN).expect("ok").is_empty());
    }

    #[test]
    fn rejects_bad_expressions() {
        assert!(matches!(
            parse_sort("serial asc", FIELDS, MAX_SORT_LEN),
            Err(SortError::UnknownField { .. })
        ));
        assert!(matches!(
            parse_sort("model up", FIELDS, MAX_SORT_LEN),
            Err(SortError::BadDirection(_))
        ));
        assert!(matches!(
            parse_sort("model,,deviceName", FIELDS, MAX_SORT_LEN),
            Err(SortError::Malformed(_))
        ));
        assert!(matches!(
            parse_sort("model asc desc", FIELDS, MAX_SORT_LEN),
            Err(SortError::Malformed(_))
        ));
        assert!(matches!(
            parse_sort(&"model,".repeat(60), FIELDS, MAX_SORT_LEN),
            Err(SortError::TooLong { .. })
        ));
    }

    #[test]
    fn sorts_stably_with_nulls_last() {
        let mut items = vec![
            json!({"deviceName": "b", "model": "x", "uptime": 5}),
            json!({"deviceName": "a", "model": "y", "uptime": null}),
            json!({"deviceName": "c", "model": "x", "uptime": 40}),
        ];
        let keys = parse_sort("model desc,uptime", FIELDS, MAX_SORT_LEN).expect("ok");
        sort_json(&mut items, &keys);
        let names: Vec<_> = items
            .iter()
            .map(|i| i["deviceName"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(names, vec!["a", "b", "c"]);
        let keys = parse_sort("uptime", FIELDS, MAX_SORT_LEN).expect("ok");
        sort_json(&mut items, &keys);
        let names: Vec<_> = items
            .iter()
            .map(|i| i["deviceName"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(names, vec!["b", "c", "a"]);
    }
}
