//! Shared argument helpers for the wireless, client, alert and event tools: MAC addresses, an
//! optional site, time windows and bounded trend samples.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rmcp::schemars::{self, JsonSchema};
use serde::Serialize;

use super::args;
use super::sites::{SiteRef, resolve_site};
use super::{ToolContext, ToolError};

/// Normalises a MAC address given as `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff`,
/// `aabb.ccdd.eeff` or `aabbccddeeff` to the lower-case colon form Central documents.
pub fn mac(name: &str, value: &str) -> Result<String, ToolError> {
    let hex: String = value
        .trim()
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ToolError::InvalidArgument(format!(
            "argument `{name}`: {} is not a MAC address; expected 12 hex digits as \
             aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff or aabbccddeeff",
            args::shown(value)
        )));
    }
    let lower = hex.to_ascii_lowercase();
    let pairs: Vec<&str> = (0..6).map(|i| &lower[i * 2..i * 2 + 2]).collect();
    Ok(pairs.join(":"))
}

/// True when `value` reads as a MAC address in any accepted form.
pub fn looks_like_mac(value: &str) -> bool {
    mac("q", value).is_ok()
}

/// Resolves a site only when one was given (`None` otherwise: the endpoint is tenant-wide).
pub async fn optional_site(
    ctx: &ToolContext,
    tool: &str,
    site_id: Option<String>,
    site_name: Option<String>,
) -> Result<Option<SiteRef>, ToolError> {
    if site_id.is_none() && site_name.is_none() {
        return Ok(None);
    }
    resolve_site(ctx, tool, site_id, site_name).await.map(Some)
}

/// Checks and trims the optional site arguments in place.
pub fn clean_site(
    site_id: &mut Option<String>,
    site_name: &mut Option<String>,
) -> Result<(), ToolError> {
    *site_id = match args::clean_text("site_id", site_id.take(), 64)? {
        Some(id) => Some(args::site_id("site_id", &id)?),
        None => None,
    };
    *site_name = args::clean_text("site_name", site_name.take(), 128)?;
    Ok(())
}

/// A validated time window; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Start, when given.
    pub start: Option<SystemTime>,
    /// End, when given.
    pub end: Option<SystemTime>,
}

impl Window {
    /// Parses `start`/`end` (RFC 3339, epoch ms or an age such as `24h`) named `start_name` and
    /// `end_name`; the start must be before the end and neither in the future.
    pub fn parse(
        start_name: &str,
        start: Option<&str>,
        end_name: &str,
        end: Option<&str>,
        now: SystemTime,
    ) -> Result<Window, ToolError> {
        let parse = |name: &str, v: Option<&str>| -> Result<Option<SystemTime>, ToolError> {
            match v.map(str::trim).filter(|v| !v.is_empty()) {
                Some(v) => args::time_point(name, v, now).map(Some),
                None => Ok(None),
            }
        };
        let w = Window {
            start: parse(start_name, start)?,
            end: parse(end_name, end)?,
        };
        let skew = Duration::from_secs(300);
        for (name, t) in [(start_name, w.start), (end_name, w.end)] {
            if t.is_some_and(|t| t > now + skew) {
                return Err(ToolError::InvalidArgument(format!(
                    "argument `{name}` is in the future; give a past time or an age such as 1h"
                )));
            }
        }
        if let (Some(s), Some(e)) = (w.start, w.end)
            && s >= e
        {
            return Err(ToolError::InvalidArgument(format!(
                "argument `{start_name}` must be before `{end_name}`"
            )));
        }
        Ok(w)
    }

    /// Both ends: the end defaults to `now`, the start to `default_len` before the end.
    pub fn closed(self, now: SystemTime, default_len: Duration) -> (SystemTime, SystemTime) {
        let end = self.end.unwrap_or(now);
        let start = self
            .start
            .unwrap_or_else(|| end.checked_sub(default_len).unwrap_or(UNIX_EPOCH));
        (start, end)
    }

    /// Central's trend filter: `timestamp gt <RFC 3339> and timestamp lt <RFC 3339>` (only the
    /// given ends); `None` when neither was given (Central then uses the last 3 hours).
    pub fn trend_filter(&self) -> Option<String> {
        let mut terms = Vec::new();
        if let Some(s) = self.start {
            terms.push(format!("timestamp gt {}", args::rfc3339_millis(s)));
        }
        if let Some(e) = self.end {
            terms.push(format!("timestamp lt {}", args::rfc3339_millis(e)));
        }
        (!terms.is_empty()).then(|| terms.join(" and "))
    }

    /// Longest span allowed between the ends; longer is an error naming both arguments.
    pub fn check_span(
        &self,
        start_name: &str,
        end_name: &str,
        now: SystemTime,
        default_len: Duration,
        max: Duration,
        what: &str,
    ) -> Result<(), ToolError> {
        let (s, e) = self.closed(now, default_len);
        if e.duration_since(s).unwrap_or_default() > max {
            return Err(ToolError::InvalidArgument(format!(
                "arguments `{start_name}`/`{end_name}`: the window is longer than {what}; narrow it"
            )));
        }
        Ok(())
    }
}

/// Milliseconds since the Unix epoch.
pub fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// RFC 3339 (milliseconds) of an epoch-milliseconds value; `None` after year 9999.
pub fn rfc3339_of_ms(ms: u64) -> Option<String> {
    let t = UNIX_EPOCH.checked_add(Duration::from_millis(ms))?;
    args::in_rfc3339_range(t).then(|| args::rfc3339_millis(t))
}

/// Minimum, maximum, mean and latest of a series, and when it peaked.
#[derive(Debug, Clone, Default, Serialize, JsonSchema, PartialEq)]
pub struct SeriesStats {
    /// Samples with a value.
    pub samples_with_data: usize,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Mean, one decimal.
    pub average: Option<f64>,
    /// Newest value.
    pub latest: Option<f64>,
    /// Time of the first maximum (RFC 3339).
    pub peak_at: Option<String>,
}

impl SeriesStats {
    /// Stats over `(timestamp, value)` pairs, oldest first; `None` values are gaps.
    pub fn of<'a>(points: impl IntoIterator<Item = (&'a str, Option<f64>)>) -> SeriesStats {
        let mut out = SeriesStats::default();
        let mut sum = 0.0;
        for (ts, v) in points {
            let Some(v) = v else { continue };
            out.samples_with_data += 1;
            sum += v;
            out.min = Some(out.min.map_or(v, |m: f64| m.min(v)));
            if out.max.is_none_or(|m| v > m) {
                out.max = Some(v);
                out.peak_at = Some(ts.to_string());
            }
            out.latest = Some(v);
        }
        if out.samples_with_data > 0 {
            out.average = Some((sum / out.samples_with_data as f64 * 10.0).round() / 10.0);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_in_every_form_normalise_to_colons() {
        for v in [
            "AA:BB:CC:DD:EE:0F",
            "aa-bb-cc-dd-ee-0f",
            "aabbccddee0f",
            "aabb.ccdd.ee0f",
        ] {
            assert_eq!(mac("m", v).unwrap(), "aa:bb:cc:dd:ee:0f");
        }
        let e = mac("mac_address", "zz:bb").unwrap_err();
        assert!(e.to_string().contains("mac_address") && e.to_string().contains("aa:bb"));
    }

    #[test]
    fn windows_validate_and_render() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let w = Window::parse("start_time", Some("2h"), "end_time", Some("1h"), now).unwrap();
        let f = w.trend_filter().unwrap();
        assert!(f.starts_with("timestamp gt ") && f.contains(" and timestamp lt "));
        assert!(Window::parse("start_time", Some("1h"), "end_time", Some("2h"), now).is_err());
        assert_eq!(Window::default().trend_filter(), None);
        let (s, e) = Window::default().closed(now, Duration::from_secs(60));
        assert_eq!(e.duration_since(s).unwrap(), Duration::from_secs(60));
    }

    #[test]
    fn stats_skip_gaps() {
        let s = SeriesStats::of([
            ("a", Some(1.0)),
            ("b", None),
            ("c", Some(5.0)),
            ("d", Some(3.0)),
        ]);
        assert_eq!(s.max, Some(5.0));
        assert_eq!(s.peak_at.as_deref(), Some("c"));
        assert_eq!(s.latest, Some(3.0));
        assert_eq!(s.average, Some(3.0));
        assert_eq!(SeriesStats::of([("a", None)]).max, None);
    }
}
