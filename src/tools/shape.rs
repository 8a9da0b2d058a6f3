//! The shape of a tool result for telemetry: how many items it returned and whether more exist,
//! read from the structured content every list tool emits (`returned`, `total`, `truncated`,
//! `next`/`next_offset`/`resume_next`, and the `cut` note of a result cut to its size bound).
//! Never the items themselves.

use serde_json::Value;

/// Item count and truncation of one tool result, when the result says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResultShape {
    /// Items in this result (`returned`).
    pub items: Option<u64>,
    /// More items exist than this result holds.
    pub truncated: Option<bool>,
}

/// Cursor fields whose presence means another page exists.
const CURSORS: [&str; 3] = ["next", "next_offset", "resume_next"];

impl ResultShape {
    /// Reads the shape of `structured` (a tool's `structuredContent`).
    pub fn of(structured: &Value) -> ResultShape {
        let items = structured.get("returned").and_then(Value::as_u64);
        let cut = structured.get(super::bounds::CUT).is_some().then_some(true);
        let truncated = cut
            .or_else(|| structured.get("truncated").and_then(Value::as_bool))
            .or_else(|| {
                let cursors: Vec<&Value> =
                    CURSORS.iter().filter_map(|k| structured.get(*k)).collect();
                (!cursors.is_empty()).then(|| cursors.iter().any(|v| !v.is_null()))
            })
            .or_else(|| {
                let total = structured.get("total").and_then(Value::as_u64)?;
                Some(total > items?)
            });
        ResultShape { items, truncated }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_counts_and_cursors() {
        let page = ResultShape::of(&json!({"returned": 50, "total": 120, "next": "2"}));
        assert_eq!(page.items, Some(50));
        assert_eq!(page.truncated, Some(true));
        let last = ResultShape::of(&json!({"returned": 20, "total": 120, "next": null}));
        assert_eq!(last.truncated, Some(false));
        let flagged = ResultShape::of(&json!({"returned": 3, "truncated": true, "next": null}));
        assert_eq!(flagged.truncated, Some(true));
        let cut = ResultShape::of(&json!({"returned": 3, "total": 3, "cut": "Cut items"}));
        assert_eq!(cut.truncated, Some(true));
        let counted = ResultShape::of(&json!({"returned": 3, "total": 3}));
        assert_eq!(counted.truncated, Some(false));
        assert_eq!(
            ResultShape::of(&json!({"status": "healthy"})),
            ResultShape::default()
        );
    }
}
