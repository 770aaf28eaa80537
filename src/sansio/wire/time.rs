//! UTC calendar arithmetic and the timestamp formats the APIs use. Pure: no
//! clock is read here.

use std::ops::Range;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) to days since 1970-01-01, for dates from 1970.
fn days_from_civil(y: u64, m: u64, d: u64) -> Option<u64> {
    let y = if m <= 2 { y.checked_sub(1)? } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).checked_sub(719_468)
}

/// A validated UTC calendar time, from 1970 on.
fn utc_time(y: u64, mo: u64, d: u64, h: u64, mi: u64, s: u64) -> Option<SystemTime> {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let valid = (1..=12).contains(&mo)
        && (1..=month_days[(mo.clamp(1, 12) - 1) as usize]).contains(&d)
        && h <= 23
        && mi <= 59
        && s <= 59;
    if !valid {
        return None;
    }
    let secs = days_from_civil(y, mo, d)? * 86_400 + h * 3600 + mi * 60 + s;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// The ASCII digits at `range` of `text` as a number.
fn digits(text: &str, range: Range<usize>) -> Option<u64> {
    let t = text.get(range)?;
    if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// `YYYYMMDDTHHMMSSZ` (UTC), the `X-Sdk-Date` form, for times from 1970 to 9999.
pub(crate) fn format_basic(time: SystemTime) -> Option<[u8; 16]> {
    let secs = time.duration_since(UNIX_EPOCH).ok()?.as_secs();
    let (y, m, d) = civil_from_days(secs / 86_400);
    if y > 9999 {
        return None;
    }
    let rem = secs % 86_400;
    let mut out = *b"00000000T000000Z";
    let mut put = |at: usize, width: usize, mut v: u64| {
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, y);
    put(4, 2, m);
    put(6, 2, d);
    put(9, 2, rem / 3600);
    put(11, 2, rem / 60 % 60);
    put(13, 2, rem % 60);
    Some(out)
}

/// Parses exactly `YYYYMMDDTHHMMSSZ`.
pub(crate) fn parse_basic(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let n = |r| digits(text, r);
    utc_time(
        n(0..4)?,
        n(4..6)?,
        n(6..8)?,
        n(9..11)?,
        n(11..13)?,
        n(13..15)?,
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)` at the start of `text`;
/// returns the time and how many bytes it took.
pub(crate) fn parse_iso8601_prefix(text: &str) -> Option<(SystemTime, usize)> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let n = |r| digits(text, r);
    let base = utc_time(
        n(0..4)?,
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
    )?;
    let mut at = 19;
    let mut nanos = 0u64;
    if b[at] == b'.' {
        let frac = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if frac == 0 {
            return None;
        }
        for i in 0..9 {
            nanos = nanos * 10
                + b.get(at + 1 + i)
                    .filter(|_| i < frac)
                    .map_or(0, |c| u64::from(c - b'0'));
        }
        at += 1 + frac;
    }
    let zone = if text.get(at..at + 1) == Some("Z") {
        1
    } else if text.get(at..at + 6) == Some("+00:00") {
        6
    } else {
        return None;
    };
    Some((base.checked_add(Duration::from_nanos(nanos))?, at + zone))
}

/// Parses exactly an ISO 8601 UTC time (see [`parse_iso8601_prefix`]).
pub(crate) fn parse_iso8601(text: &str) -> Option<SystemTime> {
    match parse_iso8601_prefix(text)? {
        (t, n) if n == text.len() => Some(t),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    #[test]
    fn basic_round_trips() {
        for secs in [
            0,
            59,
            86_399,
            86_400,
            951_782_400,
            1_704_164_645,
            4_102_444_800,
            253_402_300_799,
        ] {
            let s = format_basic(t(secs)).unwrap();
            let text = std::str::from_utf8(&s).unwrap();
            assert_eq!(parse_basic(text), Some(t(secs)), "{text}");
        }
        assert_eq!(
            &format_basic(t(1_704_164_645)).unwrap(),
            b"20240102T030405Z"
        );
        assert_eq!(&format_basic(t(951_782_400)).unwrap(), b"20000229T000000Z");
        assert_eq!(format_basic(t(253_402_300_800)), None);
        for bad in [
            "",
            "20240230T000000Z",
            "20241301T000000Z",
            "2024010xT000000Z",
            "20240102 030405Z",
            "20240102T240000Z",
            // No leap seconds: 23:59:60 would not format back.
            "20240102T235960Z",
            "99991231T235960Z",
            "19690101T000000Z",
        ] {
            assert_eq!(parse_basic(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso8601() {
        assert_eq!(
            parse_iso8601("2024-01-02T03:04:05Z"),
            Some(t(1_704_164_645))
        );
        assert_eq!(
            parse_iso8601("2024-01-02T03:04:05+00:00"),
            Some(t(1_704_164_645))
        );
        assert_eq!(
            parse_iso8601("2024-01-02T03:04:05.123456789Z"),
            Some(t(1_704_164_645) + Duration::from_nanos(123_456_789))
        );
        assert_eq!(
            parse_iso8601("2024-01-02T03:04:05.5Z"),
            Some(t(1_704_164_645) + Duration::from_millis(500))
        );
        assert_eq!(
            parse_iso8601_prefix("2024-01-02T03:04:05Z and more"),
            Some((t(1_704_164_645), 20))
        );
        for bad in [
            "2024-01-02T03:04:05",
            "2024-01-02T03:04:05.Z",
            "2024-01-02T03:04:05+08:00",
            "2024-02-30T00:00:00Z",
            "2024-01-02T03:04:05Zx",
            "x",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }
}
