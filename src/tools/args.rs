//! Decoding and validating tool arguments.
//!
//! Arguments are decoded with the field path in every error (`argument limit: invalid type …`),
//! unknown arguments are refused with the list of accepted ones, and each argument type checks its
//! own bounds through [`Validate`]. A failure becomes an `isError` result that says what to fix, and
//! no request reaches Central.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::ToolError;

/// Bounds and format checks an argument struct applies after decoding.
pub trait Validate {
    /// Checks the decoded arguments; the error names the argument and the accepted form.
    fn validate(&mut self) -> Result<(), ToolError>;
}

/// Decodes `arguments` into `A` and validates it.
pub fn decode<A: DeserializeOwned + Validate>(
    arguments: Map<String, Value>,
) -> Result<A, ToolError> {
    let value = Value::Object(arguments);
    let mut args: A = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = cut(&e.path().to_string(), 64);
        let inner = compact(&e.into_inner().to_string());
        let message = if path == "." {
            inner
        } else {
            format!("argument `{path}`: {inner}")
        };
        ToolError::InvalidArgument(message)
    })?;
    args.validate()?;
    Ok(args)
}

/// `value` quoted for an error message, cut to 64 characters: errors name what was wrong
/// without echoing a huge or hostile argument back in full.
pub fn shown(value: &str) -> String {
    match value.char_indices().nth(64) {
        Some((end, _)) => format!("{:?}…", value.get(..end).unwrap_or_default()),
        None => format!("{value:?}"),
    }
}

/// A decoding error with every `…` or "…" span cut to 64 characters, and the whole to 1,000:
/// serde echoes the offending input in full (an unknown variant, an unknown field name).
fn compact(message: &str) -> String {
    let mut out = String::new();
    let mut span: Option<(char, String)> = None;
    for c in message.chars() {
        match &mut span {
            Some((open, text)) if c == *open => {
                out.push_str(&cut(text, 64));
                out.push(c);
                span = None;
            }
            Some((_, text)) => text.push(c),
            None => {
                out.push(c);
                if c == '`' || c == '"' {
                    span = Some((c, String::new()));
                }
            }
        }
    }
    if let Some((_, text)) = span {
        out.push_str(&cut(&text, 64));
    }
    cut(&out, 1000)
}

/// `text` cut to `max` characters, with `…` when something was cut.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_string(),
    }
}

/// `Err` naming `name` unless `min <= value <= max`.
pub fn check_range(name: &str, value: i64, min: i64, max: i64) -> Result<(), ToolError> {
    if value < min || value > max {
        return Err(ToolError::InvalidArgument(format!(
            "argument `{name}`: {value} is out of range; expected a whole number from {min} to {max}"
        )));
    }
    Ok(())
}

/// [`check_range`] for an optional argument: `None` is fine.
pub fn optional_range<T: TryInto<i64>>(
    name: &str,
    value: Option<T>,
    min: i64,
    max: i64,
) -> Result<(), ToolError> {
    match value {
        Some(v) => check_range(name, v.try_into().unwrap_or(i64::MAX), min, max),
        None => Ok(()),
    }
}

/// Whether `v` looks like a host name or an IP address: 1-253 letters, digits, `.`, `-`, `_` or
/// `:` (IPv6), not starting with `-` (so it cannot pass for a CLI option on the device).
pub fn is_host(v: &str) -> bool {
    (1..=253).contains(&v.len())
        && !v.starts_with('-')
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_:".contains(c))
}

/// Trims `value`; `None` when empty. Longer than `max` characters is an error naming `name`.
pub fn clean_text(
    name: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, ToolError> {
    let Some(v) = value else { return Ok(None) };
    let v = v.trim().to_string();
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > max {
        return Err(ToolError::InvalidArgument(format!(
            "argument `{name}`: longer than {max} characters"
        )));
    }
    if v.chars().any(char::is_control) {
        return Err(ToolError::InvalidArgument(format!(
            "argument `{name}`: contains control characters"
        )));
    }
    Ok(Some(v))
}

/// Normalises a device serial number: trimmed, upper-case, 5 to 30 letters or digits.
pub fn serial(name: &str, value: &str) -> Result<String, ToolError> {
    let v = value.trim().to_ascii_uppercase();
    let ok = (5..=30).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric());
    if !ok {
        return Err(ToolError::InvalidArgument(format!(
            "argument `{name}`: {} is not a serial number; expected 5 to 30 letters and digits, \
             e.g. CNK7ABC123 (get_device_list lists the serials)",
            shown(value)
        )));
    }
    Ok(v)
}

/// Checks a site id: 1 to 64 letters, digits, `-` or `_` (Central uses numeric strings).
pub fn site_id(name: &str, value: &str) -> Result<String, ToolError> {
    let v = value.trim();
    let ok = (1..=64).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(ToolError::InvalidArgument(format!(
            "argument `{name}`: {} is not a site id; expected the id from get_sites_health, e.g. 24833497",
            shown(value)
        )));
    }
    Ok(v.to_string())
}

/// Checks a pagination cursor: the `next` value a previous page returned (a page number).
pub fn cursor(name: &str, value: Option<String>) -> Result<Option<String>, ToolError> {
    let Some(v) = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    if v.len() > 64
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=.".contains(c))
    {
        return Err(ToolError::InvalidArgument(format!(
            "argument `{name}`: {} is not a cursor; pass the `next` value of the previous page unchanged",
            shown(&v)
        )));
    }
    Ok(Some(v))
}

/// The arguments every list tool shares: page size, raw OData filter, sort and cursor.
pub struct ListArgs<'a> {
    /// `limit`, checked against `1..=max_limit`.
    pub limit: Option<i64>,
    /// Largest page this tool allows.
    pub max_limit: i64,
    /// `filter`, trimmed, at most 256 characters.
    pub filter: &'a mut Option<String>,
    /// `sort`, trimmed, at most 256 characters.
    pub sort: &'a mut Option<String>,
    /// `next`, a cursor from the previous page.
    pub next: &'a mut Option<String>,
}

impl ListArgs<'_> {
    /// Checks and normalises the shared list arguments in place.
    pub fn validate(self) -> Result<(), ToolError> {
        if let Some(l) = self.limit {
            check_range("limit", l, 1, self.max_limit)?;
        }
        *self.filter = clean_text("filter", self.filter.take(), 256)?;
        *self.sort = clean_text("sort", self.sort.take(), 256)?;
        *self.next = cursor("next", self.next.take())?;
        Ok(())
    }
}

/// Quotes a value for an OData `eq` term (`'` doubled, as Central expects).
pub fn odata_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Joins filter terms with ` and `; `None` when there are none. The result must fit Central's
/// 256-character limit.
pub fn odata_and(terms: Vec<String>) -> Result<Option<String>, ToolError> {
    if terms.is_empty() {
        return Ok(None);
    }
    let filter = terms.join(" and ");
    if filter.len() > 256 {
        return Err(ToolError::InvalidArgument(format!(
            "the combined filter is {} characters; Central accepts at most 256 — narrow it",
            filter.len()
        )));
    }
    Ok(Some(filter))
}

/// A point in time given as RFC 3339 (`2026-03-21T10:00:00Z`), epoch milliseconds
/// (`1711015200000`), or an age relative to now (`1h`, `24h`, `7d`, `30m`).
pub fn time_point(name: &str, value: &str, now: SystemTime) -> Result<SystemTime, ToolError> {
    let v = value.trim();
    let bad = || {
        ToolError::InvalidArgument(format!(
            "argument `{name}`: {} is not a time; expected RFC 3339 (2026-03-21T10:00:00Z), \
             epoch milliseconds (1711015200000) or an age such as 30m, 1h, 24h, 7d",
            shown(value)
        ))
    };
    let t = if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) {
        let ms: u64 = v.parse().map_err(|_| bad())?;
        UNIX_EPOCH
            .checked_add(Duration::from_millis(ms))
            .ok_or_else(bad)?
    } else if let Ok(t) = humantime::parse_rfc3339_weak(v) {
        t
    } else {
        let age = humantime::parse_duration(v).map_err(|_| bad())?;
        now.checked_sub(age).ok_or_else(bad)?
    };
    // Epoch milliseconds past year 9999 and ages reaching before 1970 cannot be written as
    // RFC 3339 for Central.
    if !in_rfc3339_range(t) {
        return Err(ToolError::InvalidArgument(format!(
            "argument `{name}`: {} is outside 1970-01-01 to 9999-12-31",
            shown(value)
        )));
    }
    Ok(t)
}

/// The last second RFC 3339 (four-digit years) can express: 9999-12-31T23:59:59Z.
const LAST_RFC3339_SECOND: u64 = 253_402_300_799;

/// True when `t` lies between 1970-01-01 and 9999-12-31, the range [`rfc3339_millis`] and
/// [`rfc3339_seconds`] write (humantime panics outside it).
pub fn in_rfc3339_range(t: SystemTime) -> bool {
    t.duration_since(UNIX_EPOCH)
        .is_ok_and(|d| d.as_secs() <= LAST_RFC3339_SECOND)
}

/// `t` moved into the range [`in_rfc3339_range`] accepts.
fn clamp_rfc3339(t: SystemTime) -> SystemTime {
    match t.duration_since(UNIX_EPOCH) {
        Err(_) => UNIX_EPOCH,
        Ok(d) if d.as_secs() > LAST_RFC3339_SECOND => {
            UNIX_EPOCH + Duration::from_secs(LAST_RFC3339_SECOND)
        }
        Ok(_) => t,
    }
}

/// RFC 3339 UTC with milliseconds, the form Central's `start-at`/`end-at` take. Times outside
/// 1970–9999 are clamped to that range (callers validate first: see [`time_point`]).
pub fn rfc3339_millis(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(clamp_rfc3339(t)).to_string()
}

/// RFC 3339 UTC to the second; `None` outside 1970–9999 (a timestamp from Central that no
/// calendar date fits).
pub fn rfc3339_seconds(t: SystemTime) -> Option<String> {
    in_rfc3339_range(t).then(|| humantime::format_rfc3339_seconds(t).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Demo {
        limit: Option<i64>,
    }
    impl Validate for Demo {
        fn validate(&mut self) -> Result<(), ToolError> {
            if let Some(l) = self.limit {
                check_range("limit", l, 1, 100)?;
            }
            Ok(())
        }
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn errors_name_the_argument() {
        let e = decode::<Demo>(obj(serde_json::json!({"limit": "ten"}))).unwrap_err();
        assert!(e.to_string().contains("argument `limit`"), "{e}");
        let e = decode::<Demo>(obj(serde_json::json!({"limit": 500}))).unwrap_err();
        assert!(e.to_string().contains("from 1 to 100"), "{e}");
        // Hostile input is not echoed in full.
        let long = "z".repeat(100_000);
        let e = decode::<Demo>(obj(serde_json::json!({ long.clone(): 5 }))).unwrap_err();
        assert!(e.to_string().len() < 300, "{e}");
        assert!(e.to_string().contains("unknown field `zzzz"), "{e}");
        let e = decode::<Demo>(obj(serde_json::json!({"limit": long}))).unwrap_err();
        assert!(e.to_string().len() < 300, "{e}");
        assert_eq!(shown(&"é".repeat(100)).chars().count(), 67);
        let e = decode::<Demo>(obj(serde_json::json!({"limt": 5}))).unwrap_err();
        assert!(
            e.to_string().contains("unknown field `limt`") && e.to_string().contains("limit"),
            "{e}"
        );
        assert_eq!(
            decode::<Demo>(obj(serde_json::json!({"limit": 5})))
                .unwrap()
                .limit,
            Some(5)
        );
    }

    #[test]
    fn serials_are_normalised_and_checked() {
        assert_eq!(serial("s", " cnk7abc123 ").unwrap(), "CNK7ABC123");
        assert!(serial("s", "AB").is_err());
        assert!(serial("s", "CN12/../x").is_err());
    }

    #[test]
    fn odata_values_are_quoted() {
        assert_eq!(odata_quote("O'Brien"), "'O''Brien'");
        assert_eq!(
            odata_and(vec!["a eq 'b'".into(), "c eq 'd'".into()])
                .unwrap()
                .unwrap(),
            "a eq 'b' and c eq 'd'"
        );
        assert_eq!(odata_and(vec![]).unwrap(), None);
        assert!(odata_and(vec!["x".repeat(300)]).is_err());
    }

    #[test]
    fn time_points_accept_three_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(
            time_point("t", "1711015200000", now).unwrap(),
            UNIX_EPOCH + Duration::from_millis(1_711_015_200_000)
        );
        assert_eq!(
            rfc3339_millis(time_point("t", "2026-03-21T10:00:00Z", now).unwrap()),
            "2026-03-21T10:00:00.000Z"
        );
        assert_eq!(
            time_point("t", "24h", now).unwrap(),
            now - Duration::from_secs(86_400)
        );
        // Past year 9999 or before 1970: an argument error, not a panic while formatting.
        for v in ["99999999999999999", "100000000d", "100000y"] {
            let e = time_point("t", v, now).unwrap_err();
            assert!(
                e.to_string().contains("outside 1970-01-01 to 9999-12-31"),
                "{v}: {e}"
            );
        }
        assert_eq!(
            rfc3339_millis(UNIX_EPOCH + Duration::from_secs(u64::MAX / 4)),
            "9999-12-31T23:59:59.000Z"
        );
        assert_eq!(rfc3339_seconds(UNIX_EPOCH - Duration::from_secs(1)), None);
        let e = time_point("start_query_time", "yesterday", now).unwrap_err();
        assert!(e.to_string().contains("start_query_time") && e.to_string().contains("RFC 3339"));
    }
}
