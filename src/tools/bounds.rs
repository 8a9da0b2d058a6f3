//! The size bounds of a result: what a tool returns is paid for in the model's context window.
//!
//! A call at its default arguments returns at most [`DEFAULT_BOUND`] bytes of structured JSON,
//! a call with any size argument (`limit`, `max_samples`, `max_pages`, `fields`) at most
//! [`MAX_BOUND`]. The tools' defaults keep well inside these on realistic data (the result-bounds
//! test measures every tool); when a tenant's data is larger, [`fit`] cuts the longest item list
//! and the result says so in its [`CUT`] field and its summary, with how to get the rest.

use serde_json::{Map, Value};

/// The bound of a call at its default arguments (bytes of structured JSON).
pub const DEFAULT_BOUND: usize = 16 * 1024;
/// The bound of any call.
pub const MAX_BOUND: usize = 64 * 1024;
/// Arguments that make a result larger than the default one: a call with any of them gets
/// [`MAX_BOUND`].
pub const SIZE_ARGUMENTS: [&str; 4] = ["limit", "max_samples", "max_pages", "fields"];
/// The field of a result that says what a bound cut and how to get the rest (absent when
/// nothing was cut).
pub const CUT: &str = "cut";

/// Room kept for the note and the summary's addition when cutting.
const NOTE_ROOM: usize = 1024;

/// The bound for a call with these arguments.
pub fn bound_for(arguments: &Map<String, Value>) -> usize {
    if SIZE_ARGUMENTS.iter().any(|k| arguments.contains_key(*k)) {
        MAX_BOUND
    } else {
        DEFAULT_BOUND
    }
}

/// Cuts `result` (a result's structured JSON) to at most `bound` bytes by dropping the last
/// items of its longest top-level lists, and returns the note saying what was cut and how to
/// get the rest (`None` when it fit). `returned` and `truncated`, where the result has them,
/// follow the cut. `Err` when even empty lists do not fit.
pub fn fit(result: &mut Map<String, Value>, bound: usize) -> Result<Option<String>, usize> {
    let size = map_len(result);
    if size <= bound {
        return Ok(None);
    }
    let target = bound.saturating_sub(NOTE_ROOM);
    let mut excess = size.saturating_sub(target);
    let mut cuts = Vec::new();
    // Longest list first, until the excess is gone.
    let mut lists: Vec<(String, usize)> = result
        .iter()
        .filter_map(|(k, v)| match v {
            Value::Array(items) if !items.is_empty() => Some((k.clone(), json_len(v))),
            _ => None,
        })
        .collect();
    lists.sort_by_key(|(_, len)| std::cmp::Reverse(*len));
    for (key, _) in lists {
        if excess == 0 {
            break;
        }
        let Some(Value::Array(items)) = result.get_mut(&key) else {
            continue;
        };
        let before = items.len();
        while excess > 0 {
            let Some(last) = items.pop() else { break };
            // The item and the comma before it.
            excess = excess.saturating_sub(json_len(&last) + 1);
        }
        cuts.push((key, items.len(), before));
    }
    if excess > 0 {
        return Err(size);
    }
    let kept: usize = cuts.iter().map(|(_, kept, _)| kept).sum();
    if result.get("returned").is_some_and(Value::is_u64) && cuts.len() == 1 {
        result.insert("returned".into(), kept.into());
    }
    if result.get("truncated").is_some_and(Value::is_boolean) {
        result.insert("truncated".into(), true.into());
    }
    let what: Vec<String> = cuts
        .iter()
        .map(|(key, kept, before)| format!("{key} to the first {kept} of {before}"))
        .collect();
    let note = format!(
        "Cut {} to stay under {} kB. The cut items are not on the next page: to see them, call \
         again with a smaller limit, fewer fields, or a narrower filter.",
        what.join(", "),
        bound / 1024
    );
    result.insert(CUT.into(), note.clone().into());
    Ok(Some(note))
}

/// The bytes of `value` as compact JSON.
pub fn json_len(value: &Value) -> usize {
    value.to_string().len()
}

/// The bytes of `object` as compact JSON.
fn map_len(object: &Map<String, Value>) -> usize {
    serde_json::to_string(object).map_or(usize::MAX, |s| s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(items: usize, width: usize) -> Map<String, Value> {
        let items: Vec<Value> = (0..items)
            .map(|i| json!({"id": i, "text": "x".repeat(width)}))
            .collect();
        let n = items.len();
        json!({"returned": n, "total": 1000, "next": "2", "items": items, "tags": ["a"]})
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn a_result_within_its_bound_is_left_alone() {
        let mut small = page(10, 100);
        let before = small.clone();
        assert_eq!(fit(&mut small, DEFAULT_BOUND), Ok(None));
        assert_eq!(small, before);
    }

    #[test]
    fn a_larger_result_is_cut_and_says_how_to_get_the_rest() {
        let mut big = page(100, 1000);
        let note = fit(&mut big, DEFAULT_BOUND).unwrap().expect("cut");
        let size = json_len(&Value::Object(big.clone()));
        assert!(size <= DEFAULT_BOUND, "{size}");
        let kept = big["items"].as_array().unwrap().len();
        assert!(kept > 5 && kept < 100, "{kept}");
        assert_eq!(big["returned"], kept);
        assert_eq!(big["tags"], json!(["a"]));
        assert_eq!(big[CUT], note);
        assert!(
            note.contains(&format!("items to the first {kept} of 100")),
            "{note}"
        );
        assert!(
            note.contains("smaller limit") && note.contains("16 kB"),
            "{note}"
        );
        // The kept items are the first ones, unchanged.
        assert_eq!(big["items"][0]["id"], 0);
        assert_eq!(big["items"][kept - 1]["id"], kept - 1);
    }

    #[test]
    fn truncated_follows_a_cut_and_an_unfittable_result_is_an_error() {
        let mut big = page(100, 1000);
        big.insert("truncated".into(), false.into());
        fit(&mut big, MAX_BOUND).unwrap().expect("cut");
        assert_eq!(big["truncated"], true);
        let mut huge: Map<String, Value> = json!({"text": "x".repeat(70_000), "items": [1]})
            .as_object()
            .cloned()
            .unwrap();
        assert!(fit(&mut huge, MAX_BOUND).is_err());
    }

    #[test]
    fn size_arguments_raise_the_bound() {
        assert_eq!(bound_for(&Map::new()), DEFAULT_BOUND);
        let site = json!({"site_id": "1"}).as_object().cloned().unwrap();
        assert_eq!(bound_for(&site), DEFAULT_BOUND);
        for k in SIZE_ARGUMENTS {
            let args = json!({ k: 1 }).as_object().cloned().unwrap();
            assert_eq!(bound_for(&args), MAX_BOUND, "{k}");
        }
    }
}
