//! Null-safe reading of Central's JSON.
//!
//! Central omits fields, sends `null` for offline-only values and mixes numbers with numeric
//! strings (CONTRACT §8). Tools read every field through these helpers, so a missing or oddly typed
//! field becomes "unknown" (`None`) and never fails a call.

use serde_json::Value;

use super::scalar::Scalar;

/// A non-empty string field; numbers and booleans are rendered as text.
pub fn text(v: &Value, key: &str) -> Option<String> {
    Scalar::field(v, key).text()
}

/// A number field, also when Central sends it as a string (`"-95"`, `"12.5"`).
pub fn number(v: &Value, key: &str) -> Option<f64> {
    Scalar::field(v, key).number()
}

/// A non-negative whole number field (numbers or numeric strings; fractions are truncated).
pub fn count(v: &Value, key: &str) -> Option<u64> {
    Scalar::field(v, key).count()
}

/// A boolean field (also `"true"`/`"false"` strings).
pub fn boolean(v: &Value, key: &str) -> Option<bool> {
    match v.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" => Some(true),
            "false" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The elements of an array field; empty when absent or not an array.
pub fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    match v.get(key) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// An object field.
pub fn object<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|o| o.is_object())
}

/// A list page's `next` cursor (string or number per CONTRACT §3.2); `None` on the last page.
pub fn next_cursor(page: &Value) -> Option<String> {
    Scalar::field(page, "next").cursor()
}

/// Upper-cased status for comparisons across endpoints that disagree on casing.
pub fn status_upper(v: &Value, key: &str) -> Option<String> {
    Scalar::field(v, key).upper()
}

/// `uptimeInMillis` as whole seconds.
pub fn uptime_seconds(v: &Value) -> Option<u64> {
    number(v, "uptimeInMillis")
        .filter(|ms| *ms >= 0.0)
        .map(|ms| (ms / 1000.0) as u64)
}

/// An epoch timestamp field (seconds, or milliseconds when above 1e10 — CONTRACT §3.7) as
/// RFC 3339 UTC; an RFC 3339 string is passed through.
pub fn epoch_rfc3339(v: &Value, key: &str) -> Option<String> {
    if let Some(Value::String(s)) = v.get(key)
        && s.trim().parse::<f64>().is_err()
    {
        return text(v, key);
    }
    let n = number(v, key).filter(|n| *n > 0.0)?;
    let ms = if n > 1e10 { n } else { n * 1000.0 };
    let t = std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_millis(ms as u64))?;
    super::args::rfc3339_seconds(t)
}

/// "3d 4h", "5h 12m", "42m", "15s".
pub fn human_duration(seconds: u64) -> String {
    let (d, h, m) = (seconds / 86_400, (seconds / 3600) % 24, (seconds / 60) % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tolerates_missing_null_and_mistyped_fields() {
        let v = json!({"a": null, "b": "", "c": "12.5", "d": 7, "e": "x", "f": [1], "g": "true", "next": 4});
        assert_eq!(text(&v, "a"), None);
        assert_eq!(text(&v, "b"), None);
        assert_eq!(text(&v, "d").as_deref(), Some("7"));
        assert_eq!(number(&v, "c"), Some(12.5));
        assert_eq!(number(&v, "e"), None);
        assert_eq!(count(&v, "c"), Some(12));
        assert_eq!(list(&v, "f").len(), 1);
        assert!(list(&v, "missing").is_empty());
        assert_eq!(boolean(&v, "g"), Some(true));
        assert_eq!(next_cursor(&v).as_deref(), Some("4"));
        assert_eq!(next_cursor(&json!({"next": null})), None);
        assert_eq!(next_cursor(&json!({"next": "2"})).as_deref(), Some("2"));
        assert_eq!(text(&json!([1, 2]), "x"), None);
    }

    #[test]
    fn epochs_become_rfc3339() {
        let v = json!({"s": 1_752_054_000u64, "ms": 1_707_919_492_646u64, "t": "2026-03-21T10:00:00Z", "n": null});
        assert_eq!(
            epoch_rfc3339(&v, "s").as_deref(),
            Some("2025-07-09T09:40:00Z")
        );
        assert_eq!(
            epoch_rfc3339(&v, "ms").as_deref(),
            Some("2024-02-14T14:04:52Z")
        );
        assert_eq!(
            epoch_rfc3339(&v, "t").as_deref(),
            Some("2026-03-21T10:00:00Z")
        );
        assert_eq!(epoch_rfc3339(&v, "n"), None);
        assert_eq!(epoch_rfc3339(&v, "missing"), None);
        // Past year 9999 used to panic inside humantime's Display.
        assert_eq!(epoch_rfc3339(&json!({"x": 1e17}), "x"), None);
        assert_eq!(epoch_rfc3339(&json!({"x": "1e300"}), "x"), None);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(15), "15s");
        assert_eq!(human_duration(42 * 60), "42m");
        assert_eq!(human_duration(5 * 3600 + 12 * 60), "5h 12m");
        assert_eq!(human_duration(3 * 86_400 + 4 * 3600), "3d 4h");
        assert_eq!(
            uptime_seconds(&json!({"uptimeInMillis": 1_702_794_777u64})),
            Some(1_702_794)
        );
        assert_eq!(uptime_seconds(&json!({"uptimeInMillis": null})), None);
    }
}
