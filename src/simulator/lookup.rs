//! Helpers shared by the handlers added for the NOC catalogue: resolving ids given as path or
//! query parameters (unknown → 404), `start-at`/`end-at` windows, and deterministic noise for
//! time series.

use super::data::{Dataset, Device, DeviceType, Site};
use super::monitoring::parse_time;
use super::prng::mix;
use super::response::ApiError;
use super::router::{Params, Query};

/// Milliseconds in a minute.
pub(crate) const MINUTE_MS: u64 = 60_000;
/// Milliseconds in an hour.
pub(crate) const HOUR_MS: u64 = 60 * MINUTE_MS;
/// Milliseconds in a day.
pub(crate) const DAY_MS: u64 = 24 * HOUR_MS;

/// The captured path parameter `name` ("" when absent, which no id matches).
pub(crate) fn path_param<'p>(params: &'p Params, name: &str) -> &'p str {
    params.get(name).unwrap_or("")
}

/// The site named by the optional `site-id` / `site-name` query parameters; 404 when one is
/// given and matches no site.
pub(crate) fn site_param<'d>(ds: &'d Dataset, q: &Query) -> Result<Option<&'d Site>, ApiError> {
    if let Some(id) = q.get_nonblank("site-id") {
        return ds.site(id).map(Some).ok_or_else(|| {
            ApiError::not_found(format!(
                "Resource not found for the given input. No site with id '{id}'."
            ))
        });
    }
    if let Some(name) = q.get_nonblank("site-name") {
        return ds.site_by_name(name).map(Some).ok_or_else(|| {
            ApiError::not_found(format!(
                "Resource not found for the given input. No site named '{name}'."
            ))
        });
    }
    Ok(None)
}

/// The device `serial` of type `kind`; 404 (naming `what`) otherwise.
pub(crate) fn device_of<'d>(
    ds: &'d Dataset,
    serial: &str,
    kind: DeviceType,
    what: &str,
) -> Result<&'d Device, ApiError> {
    ds.device(serial)
        .filter(|d| d.device_type == kind)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Resource not found for the given input. No {what} with serial number '{serial}'."
            ))
        })
}

/// A `start-at`/`end-at` window (Unix ms). Defaults: `end = now`, `start = end - default_len`.
/// 400 when `start >= end` or the window is longer than `max_len` (`max_label` names it).
pub(crate) fn window(
    q: &Query,
    now: u64,
    default_len: u64,
    max_len: u64,
    max_label: &str,
) -> Result<(u64, u64), ApiError> {
    let start = parse_time(q, "start-at")?;
    let end = parse_time(q, "end-at")?;
    let (start, end) = match (start, end) {
        (None, None) => (now.saturating_sub(default_len), now),
        (Some(s), None) => (s, s.saturating_add(default_len).min(now.max(s + 1))),
        (None, Some(e)) => (e.saturating_sub(default_len), e),
        (Some(s), Some(e)) => (s, e),
    };
    if start >= end {
        return Err(ApiError::bad_request(
            "Invalid time window: 'start-at' must be earlier than 'end-at'",
        ));
    }
    if end - start > max_len {
        return Err(ApiError::bad_request(format!(
            "Invalid time window: 'start-at' to 'end-at' must not exceed {max_label}"
        )));
    }
    Ok((start, end))
}

/// A deterministic value in `[0, 1)` from a string and a number (e.g. a serial and a time).
pub(crate) fn noise(key: &str, n: u64) -> f64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for b in key.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (mix(h ^ mix(n)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Round to one decimal.
pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
