//! `network-notifications/v1/alerts` (CONTRACT §5.10), with its own 400 code
//! (`HPE_GL_NETWORK_NOTIFICATIONS_BAD_REQUEST`, §4.2).
//!
//! Besides the spec's `filter` (siteId, typeId, status, category, deviceType), `sort`,
//! `limit` and `next`, it honours what pycentral sends: `severity` (one value or a
//! comma-separated list) and `start-at`/`end-at` (RFC 3339, on `createdAt`). Default order:
//! `createdAt DESC`. Severity and priority sort by rank (Critical > Major > Minor > Warning;
//! High > Medium > Low), not alphabetically.

use hyper::Method;
use serde_json::{Value, json};

use super::data::{Alert, rfc3339_ms};
use super::monitoring::parse_time;
use super::page::{LimitSpec, cursor_page, parse_cursor, parse_filter};
use super::response::{ApiError, NOTIFICATIONS_BAD_REQUEST, SimResponse};
use super::router::{HandlerResult, Params, Router, SimRequest};
use super::sort::{parse_sort, sort_by_keys};
use super::state::State;

/// Register the notification routes.
pub(crate) fn register(router: &mut Router<State>) {
    router.add(Method::GET, "/network-notifications/v1/alerts", alerts);
}

const FILTER: &[&str] = &["siteId", "typeId", "status", "category", "deviceType"];
const SORT: &[&str] = &["createdAt", "severity", "status", "name", "priority"];
const LIMIT: LimitSpec = LimitSpec::up_to(100, 20);
const SEVERITIES: [&str; 4] = ["Critical", "Major", "Minor", "Warning"];

fn rank(field: &str, value: &str) -> Option<u64> {
    let order: &[&str] = match field {
        "severity" => &["Warning", "Minor", "Major", "Critical"],
        "priority" => &["Low", "Medium", "High"],
        _ => return None,
    };
    order.iter().position(|v| *v == value).map(|p| p as u64)
}

fn item(a: &Alert) -> Value {
    json!({
        "id": a.id,
        "key": a.key,
        "type": "network-notifications/alert",
        "typeId": a.type_id,
        "name": a.name,
        "summary": a.summary,
        "category": a.category,
        "severity": a.severity,
        "priority": a.priority,
        "status": a.status,
        "deviceType": a.device_type,
        "createdAt": rfc3339_ms(a.created_at_ms),
        "updatedAt": rfc3339_ms(a.updated_at_ms),
        "updatedBy": "system",
        "clearedReason": a.cleared_reason,
    })
}

fn bad(e: ApiError) -> ApiError {
    e.recode(NOTIFICATIONS_BAD_REQUEST)
}

/// `GET /network-notifications/v1/alerts` — cursor paged (1..=100, default 20).
fn alerts(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let q = &req.query;
    let filter = parse_filter(q, FILTER).map_err(bad)?;
    let sort_raw = q.get("sort").unwrap_or("createdAt DESC");
    let sort = parse_sort(sort_raw, SORT, 256)
        .map_err(|e| bad(ApiError::bad_request(format!("Invalid 'sort': {e}"))))?;
    let page = parse_cursor(q, LIMIT).map_err(bad)?;
    let severities: Option<Vec<&str>> = q
        .get_nonblank("severity")
        .map(|s| s.split(',').map(str::trim).collect());
    if let Some(list) = &severities
        && let Some(bad_one) = list.iter().find(|s| !SEVERITIES.contains(s))
    {
        return Err(ApiError::with_code(
            400,
            NOTIFICATIONS_BAD_REQUEST,
            format!(
                "Invalid value '{bad_one}' for 'severity': must be one of Critical, Major, Minor, Warning"
            ),
        ));
    }
    let from = parse_time(q, "start-at").map_err(bad)?;
    let to = parse_time(q, "end-at").map_err(bad)?;
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(ApiError::with_code(
            400,
            NOTIFICATIONS_BAD_REQUEST,
            "Invalid time window: 'start-at' must be earlier than 'end-at'",
        ));
    }
    let mut rows: Vec<(Value, u64)> = state
        .dataset
        .alerts
        .iter()
        .filter(|a| {
            severities
                .as_ref()
                .is_none_or(|l| l.contains(&a.severity.as_str()))
        })
        .filter(|a| {
            from.is_none_or(|f| a.created_at_ms >= f) && to.is_none_or(|t| a.created_at_ms <= t)
        })
        .filter_map(|a| {
            let v = item(a);
            let site = Value::String(a.site_id.clone());
            let keep = filter.matches_by(|f| match f {
                "siteId" => Some(&site),
                other => v.get(other),
            });
            keep.then_some((v, a.created_at_ms))
        })
        .collect();
    sort_by_keys(&mut rows, &sort, |(v, created), field| match field {
        "createdAt" => Some(json!(created)),
        "severity" | "priority" => v[field]
            .as_str()
            .and_then(|s| rank(field, s))
            .map(|r| json!(r)),
        other => v.get(other).cloned(),
    });
    let items = rows.into_iter().map(|(v, _)| v).collect();
    Ok(SimResponse::ok(&Value::Object(cursor_page(items, page))))
}
