//! Arbitrary text into every parser of times and throttling answers:
//! `SdkDate::parse`, `ClockSkew::from_date_header`, `ClockSkew::from_error`,
//! `throttle::retry_after`, `parse_limit_message` and `is_quota_message`.
//! None may panic, and:
//! - a parsed `X-Sdk-Date` formats back to the same text;
//! - a `Date` header gives a skew iff `httpdate` reads it, and applying the
//!   skew to the local time gives the server's time back;
//! - a signature-expiry refusal gives a skew only for a time the message
//!   quotes (to the second), and always when it quotes an
//!   `X-Sdk-Date`-form time other than the signing time;
//! - `retry_after` is delta-seconds (saturating), or an HTTP-date measured
//!   from a valid `Date`, or nothing;
//! - `is_quota_message` is "says daily / per day / quota, or names a limit
//!   whose window is at least a day", case-insensitively;
//! - a well-formed `limit:N,time:T UNIT` inside any text reads exactly.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arbitrary::Arbitrary;
use http::{HeaderMap, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;
use sparkrtc::clock::{is_signature_expired, ClockSkew};
use sparkrtc::sign::SdkDate;
use sparkrtc::throttle::{is_quota_message, parse_limit_message, retry_after, RateLimit};
use sparkrtc::ApiError;

const DAY: u64 = 24 * 60 * 60;

#[derive(Arbitrary, Debug)]
enum DateIn<'a> {
    None,
    /// An IMF-fixdate of this many seconds since the epoch.
    Http(u32),
    Raw(&'a [u8]),
}

#[derive(Arbitrary, Debug)]
struct LimitIn<'a> {
    prefix: &'a str,
    requests: u32,
    spaces: (bool, bool, bool),
    count: Option<u32>,
    unit: u8,
    upper: bool,
    suffix: &'a str,
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    text: &'a str,
    /// Local time (whole seconds) for the skew parsers.
    local: u32,
    code: u8,
    message_prefix: u8,
    date: DateIn<'a>,
    limit: LimitIn<'a>,
}

/// (unit, seconds; 0 for milliseconds)
const UNITS: &[(&str, u64)] = &[
    ("ms", 0),
    ("millisecond", 0),
    ("milliseconds", 0),
    ("s", 1),
    ("sec", 1),
    ("secs", 1),
    ("second", 1),
    ("seconds", 1),
    ("m", 60),
    ("min", 60),
    ("mins", 60),
    ("minute", 60),
    ("minutes", 60),
    ("h", 3600),
    ("hr", 3600),
    ("hrs", 3600),
    ("hour", 3600),
    ("hours", 3600),
    ("d", DAY),
    ("day", DAY),
    ("days", DAY),
    ("w", 7 * DAY),
    ("week", 7 * DAY),
    ("weeks", 7 * DAY),
    ("mon", 30 * DAY),
    ("month", 30 * DAY),
    ("months", 30 * DAY),
    ("y", 365 * DAY),
    ("year", 365 * DAY),
    ("years", 365 * DAY),
];

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Every `X-Sdk-Date`-form time in a text, and every ISO-form one (read to
/// the second, zone not checked: a superset of what the crate reads), as
/// (seconds since the epoch, whether X-Sdk-Date form).
fn quoted_times(text: &str) -> Vec<(u64, bool)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    for (i, _) in text.char_indices() {
        if i > 0 && b[i - 1].is_ascii_digit() {
            continue;
        }
        let rest = &text[i..];
        if let Some(t) = rest.get(..16).and_then(SdkDate::parse) {
            out.push((secs(t), true));
        }
        if let Some(iso) = rest.get(..19) {
            let ib = iso.as_bytes();
            if ib[4] == b'-' && ib[7] == b'-' && ib[10] == b'T' && ib[13] == b':' && ib[16] == b':'
            {
                let basic = format!(
                    "{}{}{}T{}{}{}Z",
                    &iso[0..4],
                    &iso[5..7],
                    &iso[8..10],
                    &iso[11..13],
                    &iso[14..16],
                    &iso[17..19]
                );
                if let Some(t) = SdkDate::parse(&basic) {
                    out.push((secs(t), false));
                }
            }
        }
    }
    out
}

fuzz_target!(|input: Input<'_>| {
    let text = input.text;
    let local = UNIX_EPOCH + Duration::from_secs(u64::from(input.local));

    // X-Sdk-Date round trip.
    if let Some(t) = SdkDate::parse(text) {
        let formatted = SdkDate::new(t).expect("a parsed X-Sdk-Date formats");
        assert_eq!(formatted.as_str(), text, "X-Sdk-Date does not round-trip");
    }

    // Date header: a skew iff httpdate reads it; the skew maps local to server.
    if let Ok(value) = HeaderValue::from_str(text) {
        let mut headers = HeaderMap::new();
        headers.insert("date", value);
        let skew = ClockSkew::from_date_header(&headers, local);
        match httpdate::parse_http_date(text) {
            Ok(server) => {
                let skew = skew.expect("httpdate reads the Date, the skew parser does not");
                assert_eq!(skew, ClockSkew::between(local, server));
                assert_eq!(skew.server_time(local), server);
            }
            Err(_) => assert_eq!(skew, None),
        }
    }

    // A signature-expiry refusal quoting the text.
    let code = ["APIG.0301", "APIGW.0301", "APIG.0308", "RTC.00001"][usize::from(input.code % 4)];
    let prefix = [
        "Incorrect IAM authentication information: calc ak sk signature fail:signature expired ",
        "x-sdk-date expired, server time ",
        "Signature Expired: ",
        "verify aksk signature fail ",
        "",
    ][usize::from(input.message_prefix % 5)];
    let message = format!("{prefix}{text}");
    let body = serde_json::json!({"error_code": code, "error_msg": message}).to_string();
    let error =
        ApiError::from_response(StatusCode::UNAUTHORIZED, &HeaderMap::new(), body.as_bytes());
    // The message is kept, up to 1024 characters (`…` marks a cut).
    let message = error.error_msg.clone().expect("the message is read");
    let full_message = format!("{prefix}{text}");
    if full_message.chars().count() <= 1024 {
        assert_eq!(message, full_message);
    } else {
        let kept = message.strip_suffix('…').expect("a cut without `…`");
        assert_eq!(kept.chars().count(), 1024);
        assert!(full_message.starts_with(kept));
    }
    let lower = message.to_ascii_lowercase();
    let expired = matches!(code, "APIG.0301" | "APIGW.0301")
        && (lower.contains("signature expired") || lower.contains("x-sdk-date"));
    assert_eq!(is_signature_expired(&error), expired, "{code}: {message}");
    let skew = ClockSkew::from_error(&error, local);
    let signed = u64::from(input.local);
    let quoted = quoted_times(&message);
    match skew {
        Some(skew) => {
            assert!(expired);
            let server = secs(skew.server_time(local));
            assert!(
                quoted
                    .iter()
                    .any(|&(t, _)| t != signed && t.abs_diff(server) <= 1),
                "a skew of {} s from `{message}`, which quotes {quoted:?} (signed at {signed})",
                skew.seconds()
            );
        }
        None => assert!(
            !expired || !quoted.iter().any(|&(t, basic)| basic && t != signed),
            "no skew from `{message}`, which quotes {quoted:?} (signed at {signed})"
        ),
    }

    // Retry-After: the text, against an arbitrary Date.
    if let Ok(value) = HeaderValue::from_bytes(text.as_bytes()) {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", value);
        match input.date {
            DateIn::None => {}
            DateIn::Http(s) => {
                let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(u64::from(s)));
                headers.insert("date", HeaderValue::from_str(&date).unwrap());
            }
            DateIn::Raw(b) => {
                if let Ok(v) = HeaderValue::from_bytes(b) {
                    headers.insert("date", v);
                }
            }
        }
        let date = headers
            .get("date")
            .and_then(|v| v.to_str().ok())
            .and_then(|d| httpdate::parse_http_date(d.trim()).ok());
        let value = text.trim_matches(|c| c == ' ' || c == '\t');
        let expected = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)))
        } else if let Ok(at) = httpdate::parse_http_date(value) {
            date.map(|d| at.duration_since(d).unwrap_or(Duration::ZERO))
        } else {
            None
        };
        // `to_str` refuses bytes outside visible ASCII: then nothing is read.
        let expected = if text
            .bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
        {
            expected
        } else {
            None
        };
        assert_eq!(retry_after(&headers), expected, "Retry-After `{text}`");
    }

    // Limits and quotas.
    let says = {
        let lower = text.to_ascii_lowercase();
        lower.contains("daily") || lower.contains("per day") || lower.contains("quota")
    };
    let limit = parse_limit_message(text);
    let long = limit.is_some_and(|l| l.window >= Duration::from_secs(DAY));
    assert_eq!(is_quota_message(text), says || long, "{text}: {limit:?}");
    assert_eq!(parse_limit_message(&text.to_ascii_uppercase()), limit);

    // A well-formed limit inside arbitrary text.
    let l = &input.limit;
    let (unit, unit_secs) = UNITS[usize::from(l.unit) % UNITS.len()];
    let sp = |b: bool| if b { " " } else { "" };
    let count = l.count.map_or(String::new(), |c| c.to_string());
    let mut inner = format!(
        "limit:{}{},time:{}{}{}{}",
        sp(l.spaces.0),
        l.requests,
        sp(l.spaces.1),
        count,
        sp(l.spaces.2 || l.count.is_none()),
        unit
    );
    if l.upper {
        inner = inner.to_ascii_uppercase();
    }
    let full = format!("{}{inner}{}", l.prefix, l.suffix);
    let lower = full.to_ascii_lowercase();
    let ours_first = lower.find("limit:") == Some(l.prefix.len());
    let unit_ends = !l.suffix.starts_with(|c: char| c.is_ascii_alphabetic());
    if ours_first && unit_ends {
        let n = u64::from(l.count.unwrap_or(1));
        let window = if unit_secs == 0 {
            Duration::from_millis(n)
        } else {
            Duration::from_secs(n * unit_secs)
        };
        assert_eq!(
            parse_limit_message(&full),
            Some(RateLimit {
                requests: l.requests,
                window
            }),
            "{full}"
        );
        let says = lower.contains("daily") || lower.contains("per day") || lower.contains("quota");
        assert_eq!(
            is_quota_message(&full),
            says || window >= Duration::from_secs(DAY),
            "{full}"
        );
    }
});
