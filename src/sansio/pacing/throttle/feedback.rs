//! What the server says back: `Retry-After`, the limit named in a 429's
//! message, daily quotas.

use std::hash::{Hash, Hasher};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use super::config::MAX_WINDOW;
use super::scope::ScopeHasher;
use super::{BlockCause, RateLimit, Scope, ThrottleConfig};
use crate::sansio::pacing::{nanos, splitmix64, uniform};
use crate::{ApiError, Error};

/// What a response asks of a scope's pacing: how long to hold it, and a
/// stricter limit to keep. Pure; [`Throttle::on_response`](super::Throttle::on_response)
/// applies it to its windows, a pacer shared by a fleet to its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Feedback {
    /// How long from `now` to hold the scope, cut to the configured cap.
    pub wait: Duration,
    /// Where the wait came from.
    pub cause: BlockCause,
    /// Whether the wait asked for was longer than the cap.
    pub capped: bool,
    /// The limit the `APIG.0308` message names, as written.
    pub server_limit: Option<RateLimit>,
    /// That limit as the scope should keep it: its period cut to the cap,
    /// so that no learned limit stalls a scope longer than a `Retry-After`
    /// could.
    pub learned: Option<RateLimit>,
}

impl Feedback {
    /// Reads a response for `scope` at `now` under `config`.
    ///
    /// - **429** (the gateway's `APIG.0308`): hold the scope for its
    ///   `Retry-After` (see [`retry_after`]), or, without a usable one, for
    ///   the default backoff (jittered by the configured seed, the scope and
    ///   `now`), cut to the cap; keep the limit the message names.
    /// - A 429 whose message names a daily (or longer) quota is
    ///   [`Error::QuotaExhausted`]: waiting will not help.
    /// - **503 with `Retry-After`**: hold the scope until then.
    /// - Anything else: `Ok(None)` (the body is not read).
    pub fn of(
        config: &ThrottleConfig,
        scope: Scope,
        now: Duration,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Option<Feedback>, Error> {
        let throttled = status == StatusCode::TOO_MANY_REQUESTS;
        if !throttled && status != StatusCode::SERVICE_UNAVAILABLE {
            return Ok(None);
        }
        let requested = retry_after(headers);
        let mut server_limit = None;
        if throttled {
            let error = ApiError::from_response(status, headers, body);
            if let Some(msg) = error.error_msg.as_deref() {
                if is_quota_message(msg) {
                    return Err(Error::QuotaExhausted(Box::new(error)));
                }
                server_limit = parse_limit_message(msg);
            }
        } else if requested.is_none() {
            return Ok(None);
        }
        let cap = config.max_server_wait();
        let (wait, cause) = match requested {
            Some(d) => (d, BlockCause::RetryAfter),
            None => (
                default_backoff(config, scope, now),
                BlockCause::DefaultBackoff,
            ),
        };
        Ok(Some(Feedback {
            wait: wait.min(cap),
            cause,
            capped: wait > cap,
            server_limit,
            learned: server_limit.map(|limit| RateLimit {
                requests: limit.requests,
                window: limit.window.min(cap),
            }),
        }))
    }
}

/// The default backoff for `scope` at `now`: uniform in the configured
/// range, from the seed, the scope and the time.
fn default_backoff(config: &ThrottleConfig, scope: Scope, now: Duration) -> Duration {
    let (lo, hi) = config.default_backoff();
    let mut h = ScopeHasher(config.seed());
    scope.hash(&mut h);
    h.write_u64(nanos(now));
    let r = splitmix64(h.finish());
    Duration::from_nanos(uniform(r, nanos(lo), nanos(hi)))
}

/// The wait a response's `Retry-After` header asks for (RFC 9110 §10.2.3).
///
/// - delta-seconds (`120`): that many seconds (values too large for a
///   `u64` saturate);
/// - an HTTP-date in any of the three formats (IMF-fixdate
///   `Sun, 06 Nov 1994 08:49:37 GMT`, obsolete RFC 850
///   `Sunday, 06-Nov-94 08:49:37 GMT`, asctime `Sun Nov  6 08:49:37 1994`):
///   the time from the response's `Date` header to it, zero if it is earlier.
///   Without a valid `Date` there is no reference (this crate reads no
///   clock), so the date is not used: `None`.
///
/// Malformed values are ignored. With several values, the longest wait wins;
/// with several `Date` headers, the earliest. Uncapped: [`Throttle`](super::Throttle) caps.
///
/// ```
/// use std::time::Duration;
/// use http::HeaderMap;
/// use sparkrtc::throttle::retry_after;
///
/// let mut h = HeaderMap::new();
/// h.insert("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap());
/// assert_eq!(retry_after(&h), None); // no Date to measure from
/// h.insert("date", "Sun, 06 Nov 1994 08:49:30 GMT".parse().unwrap());
/// assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
/// h.insert("retry-after", "3".parse().unwrap());
/// assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
/// ```
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let mut date: Option<Option<SystemTime>> = None;
    let mut best: Option<Duration> = None;
    for value in headers.get_all(http::header::RETRY_AFTER) {
        let Ok(text) = value.to_str() else { continue };
        let text = text.trim_matches(|c: char| c == ' ' || c == '\t');
        let wait = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            Some(Duration::from_secs(parse_digits(text)))
        } else if let Ok(at) = httpdate::parse_http_date(text) {
            let reference = *date.get_or_insert_with(|| response_date(headers));
            reference.map(|d| at.duration_since(d).unwrap_or(Duration::ZERO))
        } else {
            None
        };
        if let Some(wait) = wait {
            best = Some(best.map_or(wait, |b| b.max(wait)));
        }
    }
    best
}

/// The earliest valid `Date` header.
fn response_date(headers: &HeaderMap) -> Option<SystemTime> {
    headers
        .get_all(http::header::DATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|s| httpdate::parse_http_date(s.trim()).ok())
        .min()
}

/// A run of ASCII digits as a number, saturating.
fn parse_digits(digits: &str) -> u64 {
    digits.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    })
}

/// The limit named in an `APIG.0308` message, e.g.
/// `The throttling threshold has been reached: policy user over
/// ratelimit,limit:60,time:1 minute` gives 60 per minute.
///
/// Reads `limit:N` and `time:[T ]UNIT` case-insensitively, with optional
/// spaces; `T` defaults to 1; `UNIT` is one of `ms`, `s`/`sec`/`second`,
/// `m`/`min`/`minute`, `h`/`hour`, `d`/`day`, `w`/`week`, `month` (30 days),
/// `y`/`year` (365 days), singular or plural. Numbers saturate. `None` when
/// either part is missing or unreadable.
///
/// ```
/// use std::time::Duration;
/// use sparkrtc::throttle::parse_limit_message;
/// use sparkrtc::throttle::RateLimit;
///
/// let msg = "The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute";
/// assert_eq!(
///     parse_limit_message(msg),
///     Some(RateLimit { requests: 60, window: Duration::from_secs(60) })
/// );
/// assert_eq!(parse_limit_message("too many requests"), None);
/// ```
pub fn parse_limit_message(message: &str) -> Option<RateLimit> {
    let lower = message.to_ascii_lowercase();
    // The first `limit:` followed by a number (`ratelimit:` may come first).
    let (after_limit, digits) = lower.match_indices("limit:").find_map(|(at, key)| {
        let rest = lower[at + key.len()..].trim_start();
        let digits = leading_digits(rest);
        (!digits.is_empty()).then_some((at, digits))
    })?;
    let requests = u32::try_from(parse_digits(digits)).unwrap_or(u32::MAX);
    // The `time:` after it, or any.
    let rest = after_key(&lower[after_limit..], "time:").or_else(|| after_key(&lower, "time:"))?;
    let digits = leading_digits(rest);
    let count = if digits.is_empty() {
        1
    } else {
        parse_digits(digits)
    };
    let unit_text = rest[digits.len()..].trim_start();
    let unit_len = unit_text
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .count();
    let unit = unit_seconds(&unit_text[..unit_len])?;
    let window = match unit {
        Unit::Millis => Duration::from_millis(count),
        Unit::Secs(s) => Duration::from_secs(count.saturating_mul(s)),
    };
    Some(RateLimit { requests, window })
}

/// The text after the first `key`, spaces skipped.
fn after_key<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let at = text.find(key)?;
    Some(text[at + key.len()..].trim_start())
}

fn leading_digits(text: &str) -> &str {
    let n = text.bytes().take_while(u8::is_ascii_digit).count();
    &text[..n]
}

enum Unit {
    Millis,
    Secs(u64),
}

fn unit_seconds(unit: &str) -> Option<Unit> {
    const DAY: u64 = 24 * 60 * 60;
    let unit = match unit {
        "ms" | "millisecond" | "milliseconds" => return Some(Unit::Millis),
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 60 * 60,
        "d" | "day" | "days" => DAY,
        "w" | "week" | "weeks" => 7 * DAY,
        "mon" | "month" | "months" => 30 * DAY,
        "y" | "year" | "years" => 365 * DAY,
        _ => return None,
    };
    Some(Unit::Secs(unit))
}

/// Whether a throttling message names a daily (or longer) quota rather than a
/// rate: it says `daily`, `per day` or `quota`, or its `limit:N,time:T UNIT`
/// period is a day or longer (`time:1 day`, `time:24 hour`). Waiting seconds
/// does not help against those. Case-insensitive.
///
/// ```
/// use sparkrtc::throttle::is_quota_message;
///
/// assert!(is_quota_message("The throttling threshold has been reached: policy user over ratelimit,limit:1000,time:1 day"));
/// assert!(is_quota_message("Daily API quota exhausted"));
/// assert!(!is_quota_message("The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute"));
/// ```
pub fn is_quota_message(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    if lower.contains("daily") || lower.contains("per day") || lower.contains("quota") {
        return true;
    }
    matches!(parse_limit_message(message), Some(limit) if limit.window >= MAX_WINDOW)
}
