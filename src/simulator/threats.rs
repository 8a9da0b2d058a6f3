//! IDPS threats, `network-monitoring/v1alpha1/threats` (CONTRACT §5.13; v1alpha1 only).
//!
//! `start-time` (epoch ms) is required — 400 when missing — as the NOC reference treats it;
//! `end-time` defaults to now. `limit` 1..=1000 (default 100) and `offset` are **[INFERRED]**
//! (the contract documents an offset-style response `{items, count, total, offset}`).
//! Newest first. The detail `threats/{id}` requires `site-id` and `timestamp` (the threat's
//! epoch ms) as the v1alpha1 API does; a threat that does not match all three → 404.

use hyper::Method;
use serde_json::{Value, json};

use super::data::{Dataset, Threat};
use super::journal::now_unix_ms;
use super::page::{LimitSpec, offset_page, parse_offset};
use super::response::{ApiError, SimResponse};
use super::router::{HandlerResult, Params, Query, Router, SimRequest};
use super::state::State;

/// Register the threat route.
pub(crate) fn register(router: &mut Router<State>) {
    router
        .add(Method::GET, "/network-monitoring/v1alpha1/threats", threats)
        .add(
            Method::GET,
            "/network-monitoring/v1alpha1/threats/{id}",
            threat_detail,
        );
}

const LIMIT: LimitSpec = LimitSpec::up_to(1000, 100);

fn epoch_ms(q: &Query, name: &str) -> Result<Option<u64>, ApiError> {
    match q.get(name) {
        None => Ok(None),
        Some(raw) => raw.trim().parse::<u64>().map(Some).map_err(|_| {
            ApiError::bad_request(format!(
                "Invalid value '{raw}' for '{name}': epoch milliseconds expected"
            ))
        }),
    }
}

fn item(ds: &Dataset, t: &Threat) -> Value {
    let gw = ds.device(&t.device_serial);
    let site = ds.site(&t.site_id);
    json!({
        "id": t.id,
        "type": "network-monitoring/idps",
        "timestamp": t.timestamp_ms.to_string(),
        "severity": t.severity,
        "action": t.action,
        "signatureId": t.signature_id,
        "signatureName": t.signature_name,
        "description": t.description,
        "cveReference": t.cve_reference,
        "malwareFamily": t.malware_family,
        "appProto": t.app_proto,
        "proto": t.proto,
        "srcIp": t.src_ip,
        "srcPort": t.src_port,
        "srcCity": site.map(|s| s.city.clone()),
        "srcCountry": site.map(|s| s.country.clone()),
        "destIp": t.dest_ip,
        "destPort": t.dest_port,
        "destCity": null,
        "destCountry": t.dest_country,
        "clientMacaddr": t.client_mac,
        "deviceSerialNum": t.device_serial,
        "deviceName": gw.map(|g| g.device_name.clone()),
        "deviceModel": gw.map(|g| g.model.clone()),
        "deviceIp": gw.map(|g| g.ipv4.clone()),
        "flowId": format!("{:x}", t.timestamp_ms ^ t.signature_id),
        "groupId": null,
        "groupName": null,
        "siteId": t.site_id,
        "siteName": site.map(|s| s.name.clone()),
        "strategy": "IPS_STRICT",
        "userName": t.user_name,
        "userRole": t.user_role,
        "customerId": format!("tenant-{}", ds.seed),
    })
}

/// `GET /network-monitoring/v1alpha1/threats` — offset paged.
fn threats(state: &State, req: &SimRequest, _: &Params) -> HandlerResult {
    let q = &req.query;
    let start = epoch_ms(q, "start-time")?.ok_or_else(|| {
        ApiError::bad_request("Missing required query parameter 'start-time' (epoch milliseconds)")
    })?;
    let end = epoch_ms(q, "end-time")?.unwrap_or_else(now_unix_ms);
    if start >= end {
        return Err(ApiError::bad_request(
            "'start-time' must be earlier than 'end-time'",
        ));
    }
    let page = parse_offset(q, LIMIT)?;
    let ds = &state.dataset;
    let items = ds
        .threats
        .iter()
        .filter(|t| (start..=end).contains(&t.timestamp_ms))
        .map(|t| item(ds, t))
        .collect();
    Ok(SimResponse::ok(&Value::Object(offset_page(items, page))))
}

/// Extra fields of a threat detail, by signature.
fn detail_fields(t: &Threat) -> Value {
    let (category, target, impact, tactic, technique) = match t.malware_family.as_str() {
        "Mirai" => (
            "Malware",
            "Client",
            "Device enrolled in a botnet",
            "Command and Control",
            "Application Layer Protocol",
        ),
        "CobaltStrike" => (
            "Malware",
            "Client",
            "Remote control of the client",
            "Command and Control",
            "Web Protocols",
        ),
        _ if !t.cve_reference.is_empty() => (
            "Exploit",
            "Server",
            "Remote code execution",
            "Initial Access",
            "Exploit Public-Facing Application",
        ),
        _ => (
            "Policy Violation",
            "Client",
            "Policy violation",
            "Discovery",
            "Network Service Discovery",
        ),
    };
    json!({
        "category": category,
        "attackTarget": target,
        "impact": impact,
        "affectedProducts": if t.cve_reference.is_empty() { "Any" } else { "Apache Log4j 2.0-2.14.1" },
        "summary": format!("{} ({})", t.signature_name, t.action),
        "mitreTags": [{"mitreTacticName": tactic, "mitreTechniqueName": technique}],
        "deviceType": "Gateway",
    })
}

/// `GET /network-monitoring/v1alpha1/threats/{id}?site-id=…&timestamp=…`.
fn threat_detail(state: &State, req: &SimRequest, params: &Params) -> HandlerResult {
    let q = &req.query;
    let id = params.get("id").unwrap_or("");
    let site = q
        .get_nonblank("site-id")
        .ok_or_else(|| ApiError::bad_request("Missing required query parameter 'site-id'"))?;
    let ts = epoch_ms(q, "timestamp")?.ok_or_else(|| {
        ApiError::bad_request("Missing required query parameter 'timestamp' (epoch milliseconds)")
    })?;
    let ds = &state.dataset;
    let t = ds
        .threats
        .iter()
        .find(|t| t.id == id && t.site_id == site && t.timestamp_ms == ts)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Resource not found for the given input. No threat '{id}'."
            ))
        })?;
    let mut v = item(ds, t);
    if let (Value::Object(map), Value::Object(extra)) = (&mut v, detail_fields(t)) {
        map.extend(extra);
        let mac = ds.device(&t.device_serial).map(|g| g.mac_address.clone());
        map.insert("deviceMac".into(), json!(mac));
    }
    Ok(SimResponse::ok(&v))
}
