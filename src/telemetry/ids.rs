//! Identifiers and timestamps the exporters need: UUIDv7 run ids (RFC 9562), W3C trace and span
//! ids, RFC 3339 UTC times and LangSmith `dotted_order` segments.
//!
//! Hand-rolled on `fastrand` (already a dependency) instead of the `uuid` crate: a UUIDv7 is 48
//! bits of Unix milliseconds, the version and variant bits, and 74 random bits.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// A UUID in its 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// A version 7 UUID for `at`: time-ordered, so runs sort by start.
    pub fn v7(at: SystemTime) -> Uuid {
        let millis = unix_nanos(at) / 1_000_000;
        let mut bytes = fastrand::u128(..).to_be_bytes();
        bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..8]);
        bytes[6] = 0x70 | (bytes[6] & 0x0f);
        bytes[8] = 0x80 | (bytes[8] & 0x3f);
        Uuid(bytes)
    }
}

impl std::fmt::Display for Uuid {
    /// The hyphenated lower-case form, `0190a4e2-…`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_char('-')?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A random, non-zero 16-byte W3C trace id.
pub fn trace_id() -> [u8; 16] {
    loop {
        let id = fastrand::u128(..);
        if id != 0 {
            return id.to_be_bytes();
        }
    }
}

/// A random, non-zero 8-byte W3C span id.
pub fn span_id() -> [u8; 8] {
    loop {
        let id = fastrand::u64(..);
        if id != 0 {
            return id.to_be_bytes();
        }
    }
}

/// Lower-case hex of `bytes` (the OTLP JSON encoding of ids).
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Nanoseconds since the Unix epoch (0 for times before it).
pub fn unix_nanos(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// `at` truncated to whole microseconds: LangSmith keeps microseconds, and a run's `start_time`
/// must equal the time in its `dotted_order` segment.
pub fn to_micros(at: SystemTime) -> SystemTime {
    let micros = unix_nanos(at) / 1000;
    UNIX_EPOCH + std::time::Duration::from_micros(micros)
}

/// RFC 3339 UTC with microseconds, `2026-08-21T10:11:12.123456Z`.
pub fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_micros(at).to_string()
}

/// One `dotted_order` segment: `%Y%m%dT%H%M%S%fZ` (microseconds) followed by the run id.
pub fn dotted_segment(start: SystemTime, id: Uuid) -> String {
    let mut out: String = rfc3339(start)
        .chars()
        .filter(|c| !matches!(c, '-' | ':' | '.'))
        .collect();
    let _ = write!(out, "{id}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn uuid_v7_has_the_version_variant_and_time() {
        let at = UNIX_EPOCH + Duration::from_millis(0x0190_a4e2_1234);
        let id = Uuid::v7(at);
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert!(text.starts_with("0190a4e2-1234-7"), "{text}");
        assert!(matches!(&text[19..20], "8" | "9" | "a" | "b"), "{text}");
        assert_eq!(text.matches('-').count(), 4);
        assert_ne!(Uuid::v7(at), id, "random bits differ");
        // Later times sort later.
        let later = Uuid::v7(at + Duration::from_millis(1)).to_string();
        assert!(later > text);
    }

    #[test]
    fn timestamps_and_dotted_order_use_microseconds() {
        let at = UNIX_EPOCH + Duration::from_nanos(1_787_307_072_123_456_789);
        assert_eq!(rfc3339(at), "2026-08-21T10:11:12.123456Z");
        let id = Uuid([0xab; 16]);
        assert_eq!(
            dotted_segment(at, id),
            "20260821T101112123456Zabababab-abab-abab-abab-abababababab"
        );
        assert_eq!(unix_nanos(to_micros(at)), 1_787_307_072_123_456_000);
    }

    #[test]
    fn trace_and_span_ids_are_hex_and_non_zero() {
        let t = hex(&trace_id());
        let s = hex(&span_id());
        assert_eq!(t.len(), 32);
        assert_eq!(s.len(), 16);
        assert!(
            t.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(t, "0".repeat(32));
    }
}
