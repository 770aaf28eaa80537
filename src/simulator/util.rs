//! Small pure helpers: deterministic ids and numbers, time formats, errors.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::StatusCode;

use crate::sansio::pacing::splitmix64;
use crate::timefmt;

/// A refusal: the status, the error code and the message of the body
/// `{"error_code": ..., "error_msg": ...}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Fail {
    pub(super) status: StatusCode,
    pub(super) code: &'static str,
    pub(super) msg: String,
}

impl Fail {
    pub(super) fn new(status: StatusCode, code: &'static str, msg: impl Into<String>) -> Fail {
        Fail {
            status,
            code,
            msg: msg.into(),
        }
    }

    /// `RTC.00001003` InvalidParameterValue, 400, with a detail.
    pub(super) fn invalid(detail: impl std::fmt::Display) -> Fail {
        Fail::new(
            StatusCode::BAD_REQUEST,
            super::codes::INVALID_PARAMETER,
            format!("InvalidParameterValue: {detail}"),
        )
    }

    /// `RTC.00001003` with 404: the resource named does not exist (the
    /// reference's answer for an unknown application or job).
    pub(super) fn not_found(what: &str, id: &str) -> Fail {
        Fail::new(
            StatusCode::NOT_FOUND,
            super::codes::INVALID_PARAMETER,
            format!("InvalidParameterValue: {what} `{id}` does not exist"),
        )
    }
}

/// A number mixed from a seed and the parts, well spread.
pub(super) fn mix(seed: u64, parts: &[u64]) -> u64 {
    let mut h = splitmix64(seed ^ 0x5eed_5eed_5eed_5eed);
    for &p in parts {
        h = splitmix64(h ^ p);
    }
    h
}

/// FNV-1a of a text, to mix names into numbers.
pub(super) fn hash_str(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `len` lowercase hex digits drawn from `h`.
pub(super) fn hex_digits(h: u64, len: usize) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(len);
    let (mut state, mut word) = (h, 0u64);
    for i in 0..len {
        if i % 16 == 0 {
            state = splitmix64(state);
            word = state;
        }
        out.push(char::from(DIGITS[(word & 15) as usize]));
        word >>= 4;
    }
    out
}

/// A value in `lo..=hi` from `h`.
pub(super) fn range(h: u64, lo: u64, hi: u64) -> u64 {
    lo + h % (hi - lo + 1)
}

/// A fraction in `lo..=hi` from `h`, rounded to 4 decimals.
pub(super) fn fraction(h: u64, lo: f64, hi: f64) -> f64 {
    let unit = (h % 10_001) as f64 / 10_000.0;
    round4(lo + (hi - lo) * unit)
}

pub(super) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A time in one of the API's forms; the simulator's times are the wall
/// clock's or the virtual clock's, and one out of the forms' range (before
/// 1970, after 9999) is written as the epoch.
fn formatted(
    format: fn(SystemTime) -> Result<String, timefmt::TimeError>,
    t: SystemTime,
) -> String {
    format(t)
        .or_else(|_| format(UNIX_EPOCH))
        .unwrap_or_default()
}

/// `YYYY-MM-DDThh:mm:ssZ`.
pub(super) fn iso_secs(t: SystemTime) -> String {
    formatted(timefmt::format_utc_seconds, t)
}

/// `YYYY-MM-DDThh:mm:ss.mmmZ`.
pub(super) fn iso_millis(t: SystemTime) -> String {
    formatted(timefmt::format_utc_millis, t)
}

/// `YYYY-MM-DD`.
pub(super) fn day(t: SystemTime) -> String {
    formatted(timefmt::format_date, t)
}

/// The OBS form, `YYYY/MM/DD hh:mm:ss GMT+08:00` (Beijing time).
pub(super) fn obs_date(t: SystemTime) -> String {
    formatted(timefmt::format_obs, t)
}

/// Seconds since the epoch.
pub(super) fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The time at `secs` since the epoch.
pub(super) fn at_secs(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// Serde for the wall times of the state JSON: `YYYY-MM-DDThh:mm:ss.mmmZ`
/// out; any UTC ISO 8601 time with `Z` in.
pub(super) mod wall_time {
    use std::time::SystemTime;

    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    use crate::timefmt::parse_utc;

    pub(crate) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::iso_millis(*t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse_utc(&text).map_err(|_| {
            D::Error::custom(format!(
                "`{}` is not a UTC time YYYY-MM-DDThh:mm:ss[.mmm]Z",
                text.chars().take(64).collect::<String>()
            ))
        })
    }

    /// The same for optional times (absent or `null`: `None`).
    pub(crate) mod option {
        use std::time::SystemTime;

        use serde::{Deserialize, Deserializer, Serializer};

        pub(crate) fn serialize<S: Serializer>(
            t: &Option<SystemTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<SystemTime>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapped(#[serde(with = "super")] SystemTime);
            Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
        }
    }
}

/// Parses a `YYYY-MM-DDThh:mm:ssZ` query parameter.
pub(super) fn parse_time(field: &str, value: &str) -> Result<SystemTime, Fail> {
    timefmt::parse_utc_seconds(value)
        .map_err(|e| Fail::invalid(format!("{field} `{value}` is not {}", e.form())))
}

/// Parses a `YYYY-MM-DD` query parameter into the start of that day.
pub(super) fn parse_day(field: &str, value: &str) -> Result<SystemTime, Fail> {
    timefmt::parse_date(value)
        .map_err(|e| Fail::invalid(format!("{field} `{value}` is not {}", e.form())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let t = UNIX_EPOCH + Duration::from_millis(1_704_164_645_075);
        assert_eq!(iso_secs(t), "2024-01-02T03:04:05Z");
        assert_eq!(iso_millis(t), "2024-01-02T03:04:05.075Z");
        assert_eq!(day(t), "2024-01-02");
        assert_eq!(obs_date(t), "2024/01/02 11:04:05 GMT+08:00");
        assert_eq!(
            parse_time("t", "2024-01-02T03:04:05Z").unwrap(),
            UNIX_EPOCH + Duration::from_secs(1_704_164_645)
        );
        assert_eq!(
            parse_day("d", "2024-01-02").unwrap(),
            UNIX_EPOCH + Duration::from_secs(1_704_153_600)
        );
        assert!(parse_day("d", "2024-1-02").is_err());
    }

    #[test]
    fn ids() {
        assert_eq!(hex_digits(1, 24).len(), 24);
        assert_eq!(hex_digits(1, 24), hex_digits(1, 24));
        assert_ne!(hex_digits(1, 24), hex_digits(2, 24));
        // Every 16-digit block depends on the input.
        assert_ne!(hex_digits(1, 32)[16..], hex_digits(2, 32)[16..]);
        assert_ne!(hex_digits(1, 32)[..16], hex_digits(1, 32)[16..]);
        assert!(hex_digits(7, 40)
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
}
