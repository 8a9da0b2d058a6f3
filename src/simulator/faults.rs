//! The fault-injection language: which upstream failures the simulator should fake.
//!
//! A [`FaultSpec`] is a comma-separated list of rules, each `MODE[@/path-prefix][#N]`:
//!
//! | mode | effect |
//! |---|---|
//! | `error=CODE[:RATIO]` | answer CODE (400–599) with Central's error envelope, for RATIO (0..1, default 1) of matching requests, drawn deterministically from the seed |
//! | `rate-limit=SECS` | 429 with `Retry-After: SECS`, `X-RateLimit-Limit`, `X-RateLimit-Remaining: 0`, `X-RateLimit-Reset` |
//! | `rate-limit-reset=SECS` | 429 with only `X-RateLimit-Reset` (RFC 3339, SECS from now) |
//! | `latency=MS` | delay the normal response by MS milliseconds |
//! | `stall=MS` | read the request, send nothing for MS milliseconds, close the connection |
//! | `reset` | close the connection without any response |
//! | `truncate` | send the headers with a `Content-Length` larger than the body, part of the body, close |
//! | `garbage` | 200 with an HTML page (`text/html`) instead of JSON |
//! | `oversize=BYTES` | 200 with a valid JSON body of at least BYTES bytes |
//! | `token-down[=CODE]` | the token endpoint answers CODE (default 503) |
//! | `token-expiry=SECS` | tokens issued from now on expire after SECS seconds |
//! | `unauthorized-once` | the next API request with a valid token gets 401 and that token is revoked |
//!
//! `@/prefix` limits a rule to requests whose path starts with the prefix; without it a rule
//! applies to every API route except the token endpoint (the `token-*` modes apply to the token
//! endpoint only). `#N` makes the rule apply to the next N matching requests, after which it is
//! spent (`unauthorized-once` means `#1`). Rules are tried in order; the first matching, unspent
//! rule applies. An empty text (or `none`) is no faults.
//!
//! The canonical text ([`Display`](std::fmt::Display)) parses back to the same spec.

use std::fmt;
use std::str::FromStr;

/// The path of the token endpoint (the `token-*` modes apply only to it).
const TOKEN_PATH: &str = super::tokens::TOKEN_PATH;

/// Every accepted form, quoted in parse errors.
pub const FAULT_FORMS: &str = "accepted: comma-separated rules MODE[@/path-prefix][#N] where MODE is \
error=CODE[:RATIO], rate-limit=SECS, rate-limit-reset=SECS, latency=MS, stall=MS, reset, \
truncate, garbage, oversize=BYTES, token-down[=CODE], token-expiry=SECS or unauthorized-once";

/// Largest `oversize` body (64 MiB), so a typo cannot exhaust memory.
pub const MAX_OVERSIZE_BYTES: u64 = 64 * 1024 * 1024;

/// Longest `latency`/`stall` (10 minutes).
pub const MAX_DELAY_MS: u64 = 600_000;

/// Longest `rate-limit`/`rate-limit-reset`/`token-expiry` value (one day).
pub const MAX_SECS: u64 = 86_400;

/// One part per million: the unit of [`FaultMode::Error`]'s ratio.
pub const RATIO_ONE: u32 = 1_000_000;

/// A fault specification could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad fault rule {part:?}: {reason} ({FAULT_FORMS})")]
pub struct FaultSpecError {
    /// The offending part of the text.
    pub part: String,
    /// What is wrong with it.
    pub reason: String,
}

fn bad(part: &str, reason: impl Into<String>) -> FaultSpecError {
    FaultSpecError {
        part: part.to_string(),
        reason: reason.into(),
    }
}

/// What a rule does to a request it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultMode {
    /// `error=CODE[:RATIO]`: answer `status` with the error envelope for `ratio_ppm` parts per
    /// million of the matching requests ([`RATIO_ONE`] = all).
    Error {
        /// HTTP status, 400–599.
        status: u16,
        /// Share of matching requests to fail, in parts per million.
        ratio_ppm: u32,
    },
    /// `rate-limit=SECS`: 429 with `Retry-After: SECS` and the `X-RateLimit-*` headers.
    RateLimit {
        /// The `Retry-After` value.
        secs: u64,
    },
    /// `rate-limit-reset=SECS`: 429 with only `X-RateLimit-Reset` (SECS from now).
    RateLimitReset {
        /// Seconds until the advertised reset.
        secs: u64,
    },
    /// `latency=MS`: the normal response, MS milliseconds late.
    Latency {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// `stall=MS`: no response for MS milliseconds, then the connection is closed.
    Stall {
        /// How long to stay silent, in milliseconds.
        ms: u64,
    },
    /// `reset`: the connection is closed without a response.
    Reset,
    /// `truncate`: a `Content-Length` larger than the body sent, then the connection closes.
    Truncate,
    /// `garbage`: 200 with an HTML page.
    Garbage,
    /// `oversize=BYTES`: 200 with valid JSON of at least BYTES bytes.
    Oversize {
        /// Minimum body size in bytes.
        bytes: u64,
    },
    /// `token-down[=CODE]`: the token endpoint answers `status`.
    TokenDown {
        /// HTTP status, 400–599 (default 503).
        status: u16,
    },
    /// `token-expiry=SECS`: issued tokens expire after SECS seconds.
    TokenExpiry {
        /// Token lifetime in seconds.
        secs: u64,
    },
    /// `unauthorized-once`: 401 for a request with a valid token, which is then revoked.
    UnauthorizedOnce,
}

impl FaultMode {
    /// `true` for the modes that act on the token endpoint only.
    pub fn is_token_mode(&self) -> bool {
        matches!(self, Self::TokenDown { .. } | Self::TokenExpiry { .. })
    }

    fn parse(text: &str) -> Result<Self, FaultSpecError> {
        let (name, arg) = match text.split_once('=') {
            Some((n, a)) => (n.trim(), Some(a.trim())),
            None => (text.trim(), None),
        };
        let need = |what: &str| {
            arg.ok_or_else(|| bad(text, format!("{name} needs a value: {name}={what}")))
        };
        let none = || -> Result<(), FaultSpecError> {
            match arg {
                Some(_) => Err(bad(text, format!("{name} takes no value"))),
                None => Ok(()),
            }
        };
        Ok(match name {
            "error" => {
                let arg = need("CODE[:RATIO]")?;
                let (code, ratio) = match arg.split_once(':') {
                    Some((c, r)) => (c, Some(r)),
                    None => (arg, None),
                };
                Self::Error {
                    status: status(text, code)?,
                    ratio_ppm: match ratio {
                        Some(r) => parse_ratio(text, r)?,
                        None => RATIO_ONE,
                    },
                }
            }
            "rate-limit" => Self::RateLimit {
                secs: number(text, need("SECS")?, 0, MAX_SECS, "seconds")?,
            },
            "rate-limit-reset" => Self::RateLimitReset {
                secs: number(text, need("SECS")?, 0, MAX_SECS, "seconds")?,
            },
            "latency" => Self::Latency {
                ms: number(text, need("MS")?, 0, MAX_DELAY_MS, "milliseconds")?,
            },
            "stall" => Self::Stall {
                ms: number(text, need("MS")?, 0, MAX_DELAY_MS, "milliseconds")?,
            },
            "reset" => none().map(|()| Self::Reset)?,
            "truncate" => none().map(|()| Self::Truncate)?,
            "garbage" => none().map(|()| Self::Garbage)?,
            "oversize" => Self::Oversize {
                bytes: number(text, need("BYTES")?, 1, MAX_OVERSIZE_BYTES, "bytes")?,
            },
            "token-down" => Self::TokenDown {
                status: match arg {
                    Some(code) => status(text, code)?,
                    None => 503,
                },
            },
            "token-expiry" => Self::TokenExpiry {
                secs: number(text, need("SECS")?, 1, MAX_SECS, "seconds")?,
            },
            "unauthorized-once" => none().map(|()| Self::UnauthorizedOnce)?,
            "" => return Err(bad(text, "the mode is missing")),
            other => return Err(bad(text, format!("unknown mode {other:?}"))),
        })
    }
}

fn number(part: &str, value: &str, min: u64, max: u64, unit: &str) -> Result<u64, FaultSpecError> {
    match value.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(bad(
            part,
            format!("{value:?} is not a whole number of {unit} from {min} to {max}"),
        )),
    }
}

fn status(part: &str, value: &str) -> Result<u16, FaultSpecError> {
    match value.parse::<u16>() {
        Ok(n) if (400..=599).contains(&n) => Ok(n),
        _ => Err(bad(
            part,
            format!("{value:?} is not an HTTP error status from 400 to 599"),
        )),
    }
}

fn parse_ratio(part: &str, value: &str) -> Result<u32, FaultSpecError> {
    let err = || {
        bad(
            part,
            format!("{value:?} is not a ratio from 0 to 1 (e.g. 0.25)"),
        )
    };
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(err());
    }
    let r: f64 = value.parse().map_err(|_| err())?;
    if !(0.0..=1.0).contains(&r) {
        return Err(err());
    }
    Ok((r * f64::from(RATIO_ONE)).round() as u32)
}

impl fmt::Display for FaultMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Error { status, ratio_ppm } if *ratio_ppm >= RATIO_ONE => {
                write!(f, "error={status}")
            }
            Self::Error {
                status,
                ratio_ppm: 0,
            } => write!(f, "error={status}:0"),
            Self::Error { status, ratio_ppm } => {
                let frac = format!("{ratio_ppm:06}");
                write!(f, "error={status}:0.{}", frac.trim_end_matches('0'))
            }
            Self::RateLimit { secs } => write!(f, "rate-limit={secs}"),
            Self::RateLimitReset { secs } => write!(f, "rate-limit-reset={secs}"),
            Self::Latency { ms } => write!(f, "latency={ms}"),
            Self::Stall { ms } => write!(f, "stall={ms}"),
            Self::Reset => f.write_str("reset"),
            Self::Truncate => f.write_str("truncate"),
            Self::Garbage => f.write_str("garbage"),
            Self::Oversize { bytes } => write!(f, "oversize={bytes}"),
            Self::TokenDown { status } => write!(f, "token-down={status}"),
            Self::TokenExpiry { secs } => write!(f, "token-expiry={secs}"),
            Self::UnauthorizedOnce => f.write_str("unauthorized-once"),
        }
    }
}

/// One rule: a mode, an optional path-prefix scope and an optional use limit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FaultRule {
    /// What the rule does.
    pub mode: FaultMode,
    /// `@/prefix`: only requests whose path starts with it (`None`: the mode's default scope).
    pub scope: Option<String>,
    /// `#N`: how many requests the rule applies to before it is spent (`None`: unlimited).
    pub limit: Option<u64>,
}

impl FaultRule {
    /// Whether this rule's scope covers `path`, given whether `path` is the token endpoint.
    /// Without a scope, token modes cover only the token endpoint and other modes everything
    /// else.
    pub fn covers(&self, path: &str) -> bool {
        let is_token = path == TOKEN_PATH;
        match &self.scope {
            Some(prefix) => {
                path.starts_with(prefix.as_str()) && (is_token || !self.mode.is_token_mode())
            }
            None => is_token == self.mode.is_token_mode(),
        }
    }

    fn parse(text: &str) -> Result<Self, FaultSpecError> {
        let at = text.find('@');
        let hash = text.find('#');
        let mode_end = [at, hash].into_iter().flatten().min().unwrap_or(text.len());
        let mode = FaultMode::parse(&text[..mode_end]).map_err(|e| bad(text, e.reason))?;
        // Each modifier runs to the other modifier (if that comes later) or to the end.
        let extent = |start: usize, other: Option<usize>| match other {
            Some(o) if o > start => &text[start + 1..o],
            _ => &text[start + 1..],
        };
        if text.matches('@').count() > 1 || text.matches('#').count() > 1 {
            return Err(bad(text, "at most one @/path-prefix and one #N per rule"));
        }
        let scope = match at {
            Some(i) => {
                let prefix = extent(i, hash).trim();
                if !prefix.starts_with('/') || prefix.chars().any(char::is_whitespace) {
                    return Err(bad(
                        text,
                        format!("the scope {prefix:?} must be a path prefix starting with /"),
                    ));
                }
                if prefix.starts_with(super::router::ADMIN_PREFIX) {
                    return Err(bad(text, "the /_simulator admin routes cannot be faulted"));
                }
                if mode.is_token_mode() && !TOKEN_PATH.starts_with(prefix) {
                    return Err(bad(
                        text,
                        format!("{mode} applies only to the token endpoint {TOKEN_PATH}"),
                    ));
                }
                Some(prefix.to_string())
            }
            None => None,
        };
        let limit = match hash {
            Some(i) => Some(number(text, extent(i, at).trim(), 1, u64::MAX, "requests")?),
            None if mode == FaultMode::UnauthorizedOnce => Some(1),
            None => None,
        };
        Ok(Self { mode, scope, limit })
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.mode)?;
        if let Some(scope) = &self.scope {
            write!(f, "@{scope}")?;
        }
        match self.limit {
            Some(1) if self.mode == FaultMode::UnauthorizedOnce => Ok(()),
            Some(n) => write!(f, "#{n}"),
            None => Ok(()),
        }
    }
}

/// An ordered list of fault rules (empty: no faults). Parse it with [`str::parse`]; its
/// [`Display`](fmt::Display) is the canonical text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FaultSpec {
    rules: Vec<FaultRule>,
}

impl FaultSpec {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// A spec made of these rules, in order.
    pub fn from_rules(rules: Vec<FaultRule>) -> Self {
        Self { rules }
    }

    /// The rules, in evaluation order.
    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// `true` when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("none") {
            return Ok(Self::none());
        }
        let rules = text
            .split(',')
            .map(|part| {
                let part = part.trim();
                if part.is_empty() {
                    Err(bad(
                        part,
                        "empty rule (two commas in a row or a trailing comma)",
                    ))
                } else {
                    FaultRule::parse(part)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { rules })
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, rule) in self.rules.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{rule}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> FaultSpec {
        s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn err(s: &str) -> FaultSpecError {
        match s.parse::<FaultSpec>() {
            Ok(spec) => panic!("{s:?} parsed as {spec}"),
            Err(e) => e,
        }
    }

    #[test]
    fn parses_every_mode() {
        let spec = parse(
            "error=503, error=500:0.25, rate-limit=7, rate-limit-reset=3, latency=50, stall=900, \
             reset, truncate, garbage, oversize=4096, token-down, token-down=500, \
             token-expiry=2, unauthorized-once",
        );
        let modes: Vec<FaultMode> = spec.rules().iter().map(|r| r.mode).collect();
        assert_eq!(
            modes,
            vec![
                FaultMode::Error {
                    status: 503,
                    ratio_ppm: RATIO_ONE
                },
                FaultMode::Error {
                    status: 500,
                    ratio_ppm: 250_000
                },
                FaultMode::RateLimit { secs: 7 },
                FaultMode::RateLimitReset { secs: 3 },
                FaultMode::Latency { ms: 50 },
                FaultMode::Stall { ms: 900 },
                FaultMode::Reset,
                FaultMode::Truncate,
                FaultMode::Garbage,
                FaultMode::Oversize { bytes: 4096 },
                FaultMode::TokenDown { status: 503 },
                FaultMode::TokenDown { status: 500 },
                FaultMode::TokenExpiry { secs: 2 },
                FaultMode::UnauthorizedOnce,
            ]
        );
        assert!(spec.rules().iter().all(|r| r.scope.is_none()));
        assert_eq!(spec.rules()[13].limit, Some(1));
        assert_eq!(spec.rules()[0].limit, None);
    }

    #[test]
    fn scope_and_limit_in_either_order() {
        let a = parse("error=502@/network-monitoring/v1/aps#3");
        let b = parse("error=502#3@/network-monitoring/v1/aps");
        assert_eq!(a, b);
        let rule = &a.rules()[0];
        assert_eq!(rule.scope.as_deref(), Some("/network-monitoring/v1/aps"));
        assert_eq!(rule.limit, Some(3));
        assert_eq!(a.to_string(), "error=502@/network-monitoring/v1/aps#3");
    }

    #[test]
    fn canonical_text_round_trips() {
        for text in [
            "",
            "error=503",
            "error=500:0.5",
            "error=500:0.333333",
            "error=500:0.05#2",
            "error=429:0",
            "rate-limit=1@/network-monitoring#4",
            "rate-limit-reset=3,latency=20,stall=100#1,reset#2,truncate,garbage",
            "oversize=100000,token-down=503#1,token-expiry=2,unauthorized-once,unauthorized-once#2",
            "token-down=500@/as",
        ] {
            let spec = parse(text);
            assert_eq!(spec.to_string(), text);
            assert_eq!(parse(&spec.to_string()), spec);
        }
        // Non-canonical inputs normalise.
        assert_eq!(
            parse(" error=503:1.0 , token-down ").to_string(),
            "error=503,token-down=503"
        );
        assert_eq!(parse("error=500:.5").to_string(), "error=500:0.5");
        assert_eq!(
            parse("unauthorized-once#1").to_string(),
            "unauthorized-once"
        );
        assert!(parse("none").is_empty());
    }

    #[test]
    fn bad_specs_name_the_part_and_the_forms() {
        for (text, part, needle) in [
            ("bogus", "bogus", "unknown mode"),
            ("error", "error", "needs a value"),
            ("error=200", "error=200", "400 to 599"),
            ("error=503:1.5", "error=503:1.5", "ratio"),
            ("error=503:-0.1", "error=503:-0.1", "ratio"),
            ("error=503:abc", "error=503:abc", "ratio"),
            ("latency=fast", "latency=fast", "milliseconds"),
            ("latency=-1", "latency=-1", "milliseconds"),
            ("stall=99999999", "stall=99999999", "milliseconds"),
            ("oversize=0", "oversize=0", "bytes"),
            ("token-expiry=0", "token-expiry=0", "seconds"),
            ("reset=1", "reset=1", "takes no value"),
            ("reset#0", "reset#0", "requests"),
            ("reset#x", "reset#x", "requests"),
            ("reset@network", "reset@network", "starting with /"),
            ("reset@/a@/b", "reset@/a@/b", "at most one"),
            (
                "reset@/_simulator/journal",
                "reset@/_simulator/journal",
                "admin",
            ),
            (
                "token-down@/network-monitoring",
                "token-down@/network-monitoring",
                "token endpoint",
            ),
            ("reset,,garbage", "", "empty rule"),
            ("garbage,", "", "empty rule"),
            ("@/x", "@/x", "mode is missing"),
        ] {
            let e = err(text);
            assert_eq!(e.part, part, "{text}");
            let msg = e.to_string();
            assert!(msg.contains(needle), "{text}: {msg}");
            assert!(msg.contains("error=CODE[:RATIO]"), "{msg}");
            assert!(msg.contains(&format!("{part:?}")), "{msg}");
        }
    }

    #[test]
    fn default_scopes() {
        let spec = parse("error=500,token-down,error=502@/as,reset@/network-monitoring/v1/aps");
        let r = spec.rules();
        assert!(r[0].covers("/network-monitoring/v1/aps"));
        assert!(!r[0].covers(TOKEN_PATH));
        assert!(r[1].covers(TOKEN_PATH));
        assert!(!r[1].covers("/network-monitoring/v1/aps"));
        assert!(r[2].covers(TOKEN_PATH));
        assert!(r[3].covers("/network-monitoring/v1/aps/SN1"));
        assert!(!r[3].covers("/network-monitoring/v1/clients"));
    }
}
