//! The time forms of the API, formatted and parsed: one formatter and one
//! parser for each form the service documents. Pure: the times come in as
//! arguments; no clock is read here.
//!
//! | Form | Example | Where | Format | Parse |
//! | --- | --- | --- | --- | --- |
//! | UTC, seconds | `2020-04-23T06:00:00Z` | statistics parameters and samples, room and user times | [`format_utc_seconds`] | [`parse_utc_seconds`] |
//! | UTC, milliseconds | `2020-04-23T06:00:00.075Z` | creation and update times of applications, rules, jobs | [`format_utc_millis`] | [`parse_utc_millis`] |
//! | UTC, either | both of the above | any time an answer carries | | [`parse_utc`] |
//! | Date | `2020-04-23` | daily statistics (`start_date`, `end_date`, `date`) | [`format_date`] | [`parse_date`] |
//! | OBS | `2020/04/23 14:00:00 GMT+08:00` | OBS buckets and objects | [`format_obs`] | [`parse_obs`] |
//! | `X-Sdk-Date` | `20200423T060000Z` | the signing date header | [`format_sdk_date`] | [`parse_sdk_date`] |
//!
//! Every form carries times from 1970-01-01T00:00:00Z to the end of the
//! year 9999 (the OBS form, in Beijing time, from 1970-01-01 08:00:00).
//! Formatters truncate to the form's precision (seconds, milliseconds or
//! days) and fail with [`TimeError::OutOfRange`] outside that span; parsers
//! take exactly the form (no other zone, no missing digits, no day that
//! does not exist) and fail with [`TimeError::Malformed`], or with
//! [`TimeError::OutOfRange`] for a well-formed time before 1970 (such as
//! the `0001-01-01T00:00:00Z` some answers carry for "not yet").
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use sparkrtc::timefmt::{self, TimeError, TimeForm};
//!
//! let t = UNIX_EPOCH + Duration::from_millis(1_587_621_600_075);
//! assert_eq!(timefmt::format_utc_seconds(t)?, "2020-04-23T06:00:00Z");
//! assert_eq!(timefmt::format_utc_millis(t)?, "2020-04-23T06:00:00.075Z");
//! assert_eq!(timefmt::format_date(t)?, "2020-04-23");
//! assert_eq!(timefmt::format_obs(t)?, "2020/04/23 14:00:00 GMT+08:00");
//! assert_eq!(timefmt::format_sdk_date(t)?, "20200423T060000Z");
//!
//! // The hour before `t`, as the statistics operations take it.
//! let hour_ago = timefmt::format_utc_seconds(t - Duration::from_secs(3600))?;
//! assert_eq!(hour_ago, "2020-04-23T05:00:00Z");
//!
//! assert_eq!(timefmt::parse_utc("2020-04-23T06:00:00.075Z")?, t);
//! assert_eq!(
//!     timefmt::parse_date("2020-4-23"),
//!     Err(TimeError::Malformed { form: TimeForm::Date, text: "2020-4-23".into() })
//! );
//! assert_eq!(timefmt::parse_date("2020-04-23")?, UNIX_EPOCH + Duration::from_secs(1_587_600_000));
//! assert_eq!(
//!     timefmt::parse_utc_seconds("0001-01-01T00:00:00Z"),
//!     Err(TimeError::OutOfRange { form: TimeForm::UtcSeconds })
//! );
//! # Ok::<(), TimeError>(())
//! ```

use std::fmt;
use std::ops::Range;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The last second any form carries: 9999-12-31T23:59:59Z.
const MAX_SECS: u64 = 253_402_300_799;

/// Beijing time, the OBS form's zone, is UTC+8.
const OBS_OFFSET: u64 = 8 * 3600;

/// How much of a text an error quotes, in characters.
const QUOTED_CHARS: usize = 64;

/// One of the API's time forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeForm {
    /// `YYYY-MM-DDThh:mm:ssZ`, UTC, whole seconds.
    UtcSeconds,
    /// `YYYY-MM-DDThh:mm:ss.mmmZ`, UTC, milliseconds.
    UtcMillis,
    /// `YYYY-MM-DDThh:mm:ssZ` or with a fraction of a second of 1 to 9
    /// digits (`.075`), UTC: what [`parse_utc`] reads.
    Utc,
    /// `YYYY-MM-DD`, a UTC day.
    Date,
    /// `YYYY/MM/DD hh:mm:ss GMT+08:00`, Beijing time (the OBS answers).
    Obs,
    /// `YYYYMMDDThhmmssZ`, UTC (the `X-Sdk-Date` header).
    SdkDate,
}

impl TimeForm {
    /// The form's pattern, for example `YYYY-MM-DDThh:mm:ssZ`.
    pub fn pattern(self) -> &'static str {
        match self {
            TimeForm::UtcSeconds => "YYYY-MM-DDThh:mm:ssZ",
            TimeForm::UtcMillis => "YYYY-MM-DDThh:mm:ss.mmmZ",
            TimeForm::Utc => "YYYY-MM-DDThh:mm:ss[.fff]Z",
            TimeForm::Date => "YYYY-MM-DD",
            TimeForm::Obs => "YYYY/MM/DD hh:mm:ss GMT+08:00",
            TimeForm::SdkDate => "YYYYMMDDThhmmssZ",
        }
    }

    /// An example of the form, for messages.
    pub fn example(self) -> &'static str {
        match self {
            TimeForm::UtcSeconds | TimeForm::Utc => "2020-04-23T06:00:00Z",
            TimeForm::UtcMillis => "2020-04-23T06:00:00.075Z",
            TimeForm::Date => "2020-04-23",
            TimeForm::Obs => "2020/04/23 14:00:00 GMT+08:00",
            TimeForm::SdkDate => "20200423T060000Z",
        }
    }
}

/// What the form is, in words: `a UTC time YYYY-MM-DDThh:mm:ssZ`.
impl fmt::Display for TimeForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            TimeForm::UtcSeconds | TimeForm::UtcMillis | TimeForm::Utc => "a UTC time",
            TimeForm::Date => "a date",
            TimeForm::Obs => "an OBS time",
            TimeForm::SdkDate => "an X-Sdk-Date",
        };
        write!(f, "{what} {}", self.pattern())
    }
}

/// Why a time could not be formatted or parsed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeError {
    /// The text is not in the form, or names a day or time that does not
    /// exist (February 30, 24:00:00).
    Malformed {
        /// The form expected.
        form: TimeForm,
        /// The text, cut to 64 characters (`…` marks a cut).
        text: String,
    },
    /// The time is before 1970 or after 9999: the form cannot carry it, or
    /// this crate does not read it.
    OutOfRange {
        /// The form.
        form: TimeForm,
    },
}

impl TimeError {
    /// The form the time was to be in.
    pub fn form(&self) -> TimeForm {
        match self {
            TimeError::Malformed { form, .. } | TimeError::OutOfRange { form } => *form,
        }
    }

    fn malformed(form: TimeForm, text: &str) -> TimeError {
        let mut quoted: String = text.chars().take(QUOTED_CHARS).collect();
        if quoted.len() < text.len() {
            quoted.push('…');
        }
        TimeError::Malformed { form, text: quoted }
    }
}

/// The quoted text has its control characters escaped.
impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::Malformed { form, text } => {
                write!(f, "`{}` is not {form}", text.escape_debug())
            }
            TimeError::OutOfRange { form } => {
                write!(f, "{form} carries times from 1970 to 9999 only")
            }
        }
    }
}

impl std::error::Error for TimeError {}

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

/// Whether the calendar has this day and time (no leap seconds).
fn exists(y: u64, mo: u64, d: u64, h: u64, mi: u64, s: u64) -> bool {
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
    (1..=12).contains(&mo)
        && (1..=month_days[(mo.clamp(1, 12) - 1) as usize]).contains(&d)
        && h <= 23
        && mi <= 59
        && s <= 59
}

/// Seconds since the epoch of a calendar time that exists; `None` before 1970.
fn epoch_secs(y: u64, mo: u64, d: u64, h: u64, mi: u64, s: u64) -> Option<u64> {
    Some(days_from_civil(y, mo, d)? * 86_400 + h * 3600 + mi * 60 + s)
}

/// A validated UTC calendar time, from 1970 on.
fn utc_time(y: u64, mo: u64, d: u64, h: u64, mi: u64, s: u64) -> Option<SystemTime> {
    if !exists(y, mo, d, h, mi, s) {
        return None;
    }
    UNIX_EPOCH.checked_add(Duration::from_secs(epoch_secs(y, mo, d, h, mi, s)?))
}

/// The ASCII digits at `range` of `text` as a number.
fn digits(text: &str, range: Range<usize>) -> Option<u64> {
    let t = text.get(range)?;
    if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// The calendar fields of a second since the epoch.
struct Civil {
    year: u64,
    month: u64,
    day: u64,
    hour: u64,
    minute: u64,
    second: u64,
}

impl Civil {
    fn of(secs: u64) -> Civil {
        let (year, month, day) = civil_from_days(secs / 86_400);
        let rem = secs % 86_400;
        Civil {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
        }
    }
}

/// Appends `value` as exactly `width` digits (the values here always fit).
fn push_digits(out: &mut String, value: u64, width: usize) {
    let mut buf = [b'0'; 4];
    let mut v = value;
    for slot in buf[..width].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend(buf[..width].iter().map(|&b| char::from(b)));
}

/// Seconds and nanoseconds since the epoch of a time any form carries.
fn span(time: SystemTime, form: TimeForm) -> Result<Duration, TimeError> {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) if d.as_secs() <= MAX_SECS => Ok(d),
        _ => Err(TimeError::OutOfRange { form }),
    }
}

/// `YYYY-MM-DDThh:mm:ss` of a second since the epoch.
fn push_iso_seconds(out: &mut String, secs: u64) {
    let c = Civil::of(secs);
    push_digits(out, c.year, 4);
    out.push('-');
    push_digits(out, c.month, 2);
    out.push('-');
    push_digits(out, c.day, 2);
    out.push('T');
    push_digits(out, c.hour, 2);
    out.push(':');
    push_digits(out, c.minute, 2);
    out.push(':');
    push_digits(out, c.second, 2);
}

/// `2020-04-23T06:00:00Z`: UTC, the fraction of a second dropped.
pub fn format_utc_seconds(time: SystemTime) -> Result<String, TimeError> {
    let d = span(time, TimeForm::UtcSeconds)?;
    let mut out = String::with_capacity(20);
    push_iso_seconds(&mut out, d.as_secs());
    out.push('Z');
    Ok(out)
}

/// `2020-04-23T06:00:00.075Z`: UTC, milliseconds (finer digits dropped).
pub fn format_utc_millis(time: SystemTime) -> Result<String, TimeError> {
    let d = span(time, TimeForm::UtcMillis)?;
    let mut out = String::with_capacity(24);
    push_iso_seconds(&mut out, d.as_secs());
    out.push('.');
    push_digits(&mut out, u64::from(d.subsec_millis()), 3);
    out.push('Z');
    Ok(out)
}

/// `2020-04-23`: the UTC day the time falls on.
pub fn format_date(time: SystemTime) -> Result<String, TimeError> {
    let d = span(time, TimeForm::Date)?;
    let c = Civil::of(d.as_secs());
    let mut out = String::with_capacity(10);
    push_digits(&mut out, c.year, 4);
    out.push('-');
    push_digits(&mut out, c.month, 2);
    out.push('-');
    push_digits(&mut out, c.day, 2);
    Ok(out)
}

/// `2020/04/23 14:00:00 GMT+08:00`: Beijing time, whole seconds. Fails
/// after 9999-12-31 23:59:59 Beijing time.
pub fn format_obs(time: SystemTime) -> Result<String, TimeError> {
    let local = span(time, TimeForm::Obs)?.as_secs() + OBS_OFFSET;
    if local > MAX_SECS {
        return Err(TimeError::OutOfRange {
            form: TimeForm::Obs,
        });
    }
    let c = Civil::of(local);
    let mut out = String::with_capacity(29);
    push_digits(&mut out, c.year, 4);
    out.push('/');
    push_digits(&mut out, c.month, 2);
    out.push('/');
    push_digits(&mut out, c.day, 2);
    out.push(' ');
    push_digits(&mut out, c.hour, 2);
    out.push(':');
    push_digits(&mut out, c.minute, 2);
    out.push(':');
    push_digits(&mut out, c.second, 2);
    out.push_str(" GMT+08:00");
    Ok(out)
}

/// `20200423T060000Z`: the `X-Sdk-Date` form, UTC, whole seconds.
pub fn format_sdk_date(time: SystemTime) -> Result<String, TimeError> {
    let bytes = format_basic(time).ok_or(TimeError::OutOfRange {
        form: TimeForm::SdkDate,
    })?;
    Ok(bytes.iter().map(|&b| char::from(b)).collect())
}

/// `YYYYMMDDTHHMMSSZ` (UTC), the `X-Sdk-Date` form, for times from 1970 to
/// 9999, without allocating (the signer's form of [`format_sdk_date`]).
pub(crate) fn format_basic(time: SystemTime) -> Option<[u8; 16]> {
    let secs = time.duration_since(UNIX_EPOCH).ok()?.as_secs();
    if secs > MAX_SECS {
        return None;
    }
    let c = Civil::of(secs);
    let mut out = *b"00000000T000000Z";
    let mut put = |at: usize, width: usize, mut v: u64| {
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, c.year);
    put(4, 2, c.month);
    put(6, 2, c.day);
    put(9, 2, c.hour);
    put(11, 2, c.minute);
    put(13, 2, c.second);
    Some(out)
}

/// The fields of a calendar time read from a text: valid, or why not.
fn checked(
    form: TimeForm,
    text: &str,
    fields: Option<[u64; 6]>,
    offset: u64,
) -> Result<SystemTime, TimeError> {
    let [y, mo, d, h, mi, s] = fields.ok_or_else(|| TimeError::malformed(form, text))?;
    if !exists(y, mo, d, h, mi, s) {
        return Err(TimeError::malformed(form, text));
    }
    epoch_secs(y, mo, d, h, mi, s)
        .and_then(|secs| secs.checked_sub(offset))
        .map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
        .ok_or(TimeError::OutOfRange { form })
}

/// Reads `YYYY-MM-DDThh:mm:ss[.f{1,9}]Z` exactly: the calendar fields, the
/// nanoseconds, and how many fraction digits there were.
fn utc_fields(text: &str) -> Option<([u64; 6], u32, usize)> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[b.len() - 1] != b'Z'
    {
        return None;
    }
    let n = |r| digits(text, r);
    let fields = [
        n(0..4)?,
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
    ];
    let fraction = &b[19..b.len() - 1];
    let (nanos, frac_digits) = match fraction.split_first() {
        None => (0, 0),
        Some((b'.', f)) if (1..=9).contains(&f.len()) && f.iter().all(u8::is_ascii_digit) => {
            let value = f.iter().fold(0u32, |v, c| v * 10 + u32::from(c - b'0'));
            (value * 10u32.pow(9 - f.len() as u32), f.len())
        }
        Some(_) => return None,
    };
    Some((fields, nanos, frac_digits))
}

/// Parses a UTC time whose fraction has one of the `allowed` digit counts.
fn parse_utc_form(
    text: &str,
    form: TimeForm,
    allowed: fn(usize) -> bool,
) -> Result<SystemTime, TimeError> {
    let read = utc_fields(text).filter(|&(_, _, n)| allowed(n));
    let at = checked(form, text, read.map(|(f, _, _)| f), 0)?;
    let nanos = read.map_or(0, |(_, nanos, _)| nanos);
    Ok(at + Duration::from_nanos(u64::from(nanos)))
}

/// Reads `2020-04-23T06:00:00Z` exactly.
pub fn parse_utc_seconds(text: &str) -> Result<SystemTime, TimeError> {
    parse_utc_form(text, TimeForm::UtcSeconds, |n| n == 0)
}

/// Reads `2020-04-23T06:00:00.075Z` exactly (three digits of fraction).
pub fn parse_utc_millis(text: &str) -> Result<SystemTime, TimeError> {
    parse_utc_form(text, TimeForm::UtcMillis, |n| n == 3)
}

/// Reads a UTC time as answers carry it: `2020-04-23T06:00:00Z`, or with a
/// fraction of a second of 1 to 9 digits (`2020-04-23T06:00:00.075Z`).
pub fn parse_utc(text: &str) -> Result<SystemTime, TimeError> {
    parse_utc_form(text, TimeForm::Utc, |n| n <= 9)
}

/// Reads `2020-04-23` exactly: the start (00:00:00 UTC) of that day.
pub fn parse_date(text: &str) -> Result<SystemTime, TimeError> {
    let b = text.as_bytes();
    let fields = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| {
            Some([
                digits(text, 0..4)?,
                digits(text, 5..7)?,
                digits(text, 8..10)?,
                0,
                0,
                0,
            ])
        })
        .flatten();
    checked(TimeForm::Date, text, fields, 0)
}

/// Reads `2020/04/23 14:00:00 GMT+08:00` exactly (Beijing time).
pub fn parse_obs(text: &str) -> Result<SystemTime, TimeError> {
    let b = text.as_bytes();
    let fields = (b.len() == 29
        && b[4] == b'/'
        && b[7] == b'/'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':'
        && &b[19..] == b" GMT+08:00")
        .then(|| {
            let n = |r| digits(text, r);
            Some([
                n(0..4)?,
                n(5..7)?,
                n(8..10)?,
                n(11..13)?,
                n(14..16)?,
                n(17..19)?,
            ])
        })
        .flatten();
    checked(TimeForm::Obs, text, fields, OBS_OFFSET)
}

/// Reads `20200423T060000Z` (the `X-Sdk-Date` form) exactly.
pub fn parse_sdk_date(text: &str) -> Result<SystemTime, TimeError> {
    let b = text.as_bytes();
    let fields = (b.len() == 16 && b[8] == b'T' && b[15] == b'Z')
        .then(|| {
            let n = |r| digits(text, r);
            Some([
                n(0..4)?,
                n(4..6)?,
                n(6..8)?,
                n(9..11)?,
                n(11..13)?,
                n(13..15)?,
            ])
        })
        .flatten();
    checked(TimeForm::SdkDate, text, fields, 0)
}

/// Parses exactly `YYYYMMDDTHHMMSSZ` ([`parse_sdk_date`] without the reason).
pub(crate) fn parse_basic(text: &str) -> Option<SystemTime> {
    parse_sdk_date(text).ok()
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)` at the start of `text`;
/// returns the time and how many bytes it took. Wider than [`parse_utc`]
/// (any number of fraction digits, the `+00:00` zone): for the IAM token's
/// expiry and for times quoted inside error messages.
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

    fn ms(millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(millis)
    }

    fn malformed(form: TimeForm, text: &str) -> Result<SystemTime, TimeError> {
        Err(TimeError::Malformed {
            form,
            text: text.to_owned(),
        })
    }

    /// The last second a form carries, and the first it does not.
    const LAST: u64 = 253_402_300_799;

    #[test]
    fn forms_describe_themselves() {
        let all = [
            (
                TimeForm::UtcSeconds,
                "YYYY-MM-DDThh:mm:ssZ",
                "2020-04-23T06:00:00Z",
                "a UTC time",
            ),
            (
                TimeForm::UtcMillis,
                "YYYY-MM-DDThh:mm:ss.mmmZ",
                "2020-04-23T06:00:00.075Z",
                "a UTC time",
            ),
            (
                TimeForm::Utc,
                "YYYY-MM-DDThh:mm:ss[.fff]Z",
                "2020-04-23T06:00:00Z",
                "a UTC time",
            ),
            (TimeForm::Date, "YYYY-MM-DD", "2020-04-23", "a date"),
            (
                TimeForm::Obs,
                "YYYY/MM/DD hh:mm:ss GMT+08:00",
                "2020/04/23 14:00:00 GMT+08:00",
                "an OBS time",
            ),
            (
                TimeForm::SdkDate,
                "YYYYMMDDThhmmssZ",
                "20200423T060000Z",
                "an X-Sdk-Date",
            ),
        ];
        for (form, pattern, example, what) in all {
            assert_eq!(form.pattern(), pattern);
            assert_eq!(form.example(), example);
            assert_eq!(form.to_string(), format!("{what} {pattern}"));
        }
        // Every example parses in its form (the lenient one reads both UTC forms).
        assert_eq!(
            parse_utc_seconds(TimeForm::UtcSeconds.example()),
            Ok(t(1_587_621_600))
        );
        assert_eq!(
            parse_utc_millis(TimeForm::UtcMillis.example()),
            Ok(ms(1_587_621_600_075))
        );
        assert_eq!(parse_utc(TimeForm::Utc.example()), Ok(t(1_587_621_600)));
        assert_eq!(parse_date(TimeForm::Date.example()), Ok(t(1_587_600_000)));
        assert_eq!(parse_obs(TimeForm::Obs.example()), Ok(t(1_587_621_600)));
        assert_eq!(
            parse_sdk_date(TimeForm::SdkDate.example()),
            Ok(t(1_587_621_600))
        );
    }

    #[test]
    fn errors_say_what_and_quote_a_bounded_escaped_text() {
        let e = parse_date("2020-4-23").unwrap_err();
        assert_eq!(e.form(), TimeForm::Date);
        assert_eq!(e.to_string(), "`2020-4-23` is not a date YYYY-MM-DD");
        let e = parse_utc("a\nb\u{7}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`a\\nb\\u{7}` is not a UTC time YYYY-MM-DDThh:mm:ss[.fff]Z"
        );
        let e = TimeError::OutOfRange {
            form: TimeForm::Obs,
        };
        assert_eq!(e.form(), TimeForm::Obs);
        assert_eq!(
            e.to_string(),
            "an OBS time YYYY/MM/DD hh:mm:ss GMT+08:00 carries times from 1970 to 9999 only"
        );
        // 64 characters are quoted whole; a 65th is cut and marked.
        let exact = "é".repeat(64);
        assert_eq!(parse_sdk_date(&exact), malformed(TimeForm::SdkDate, &exact));
        let long = format!("{exact}x");
        assert_eq!(
            parse_sdk_date(&long),
            malformed(TimeForm::SdkDate, &format!("{exact}…"))
        );
    }

    #[test]
    fn utc_seconds() {
        for (secs, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (59, "1970-01-01T00:00:59Z"),
            (86_399, "1970-01-01T23:59:59Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_587_621_600, "2020-04-23T06:00:00Z"),
            (1_704_164_645, "2024-01-02T03:04:05Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (LAST, "9999-12-31T23:59:59Z"),
        ] {
            assert_eq!(format_utc_seconds(t(secs)).as_deref(), Ok(text));
            assert_eq!(parse_utc_seconds(text), Ok(t(secs)), "{text}");
            assert_eq!(parse_utc(text), Ok(t(secs)), "{text}");
        }
        // The fraction is dropped, not rounded.
        assert_eq!(
            format_utc_seconds(ms(1_704_164_645_999)).as_deref(),
            Ok("2024-01-02T03:04:05Z")
        );
        let out = Err(TimeError::OutOfRange {
            form: TimeForm::UtcSeconds,
        });
        assert_eq!(format_utc_seconds(t(LAST + 1)), out);
        assert_eq!(
            format_utc_seconds(UNIX_EPOCH - Duration::from_nanos(1)),
            out
        );
        assert_eq!(
            parse_utc_seconds("1969-12-31T23:59:59Z"),
            Err(TimeError::OutOfRange {
                form: TimeForm::UtcSeconds
            })
        );
        assert_eq!(
            parse_utc_seconds("0001-01-01T00:00:00Z"),
            Err(TimeError::OutOfRange {
                form: TimeForm::UtcSeconds
            })
        );
        for bad in [
            "",
            "2024-01-02T03:04:05",
            "2024-01-02T03:04:05z",
            "2024-01-02t03:04:05Z",
            "2024-01-02 03:04:05Z",
            "2024/01-02T03:04:05Z",
            "2024-01/02T03:04:05Z",
            "2024-01-02T03-04:05Z",
            "2024-01-02T03:04-05Z",
            "2024-01-02T03:04:05.000Z",
            "2024-01-02T03:04:05+00:00",
            "2024-01-02T03:04:05ZZ",
            " 2024-01-02T03:04:05Z",
            "2024-1-02T03:04:05Z",
            "+024-01-02T03:04:05Z",
            "2024-01-02T3:04:05Z",
            "2024-00-02T03:04:05Z",
            "2024-13-02T03:04:05Z",
            "2024-01-00T03:04:05Z",
            "2024-01-32T03:04:05Z",
            "2024-04-31T03:04:05Z",
            "2023-02-29T03:04:05Z",
            "2100-02-29T03:04:05Z",
            "2024-01-02T24:00:00Z",
            "2024-01-02T03:60:05Z",
            "2024-01-02T03:04:60Z",
        ] {
            assert_eq!(
                parse_utc_seconds(bad),
                malformed(TimeForm::UtcSeconds, bad),
                "{bad}"
            );
        }
        // Leap days that exist.
        assert_eq!(
            parse_utc_seconds("2024-02-29T00:00:00Z"),
            Ok(t(1_709_164_800))
        );
        assert_eq!(
            parse_utc_seconds("2400-02-29T00:00:00Z"),
            Ok(t(13_574_563_200))
        );
        assert_eq!(
            parse_utc_seconds("2024-12-31T00:00:00Z"),
            Ok(t(1_735_603_200))
        );
    }

    #[test]
    fn utc_millis_and_fractions() {
        for (millis, text) in [
            (0, "1970-01-01T00:00:00.000Z"),
            (7, "1970-01-01T00:00:00.007Z"),
            (1_587_621_600_075, "2020-04-23T06:00:00.075Z"),
            (LAST * 1000 + 999, "9999-12-31T23:59:59.999Z"),
        ] {
            assert_eq!(format_utc_millis(ms(millis)).as_deref(), Ok(text));
            assert_eq!(parse_utc_millis(text), Ok(ms(millis)), "{text}");
            assert_eq!(parse_utc(text), Ok(ms(millis)), "{text}");
        }
        assert_eq!(
            format_utc_millis(ms(1_000) + Duration::from_nanos(999_999)).as_deref(),
            Ok("1970-01-01T00:00:01.000Z")
        );
        assert_eq!(
            format_utc_millis(t(LAST + 1)),
            Err(TimeError::OutOfRange {
                form: TimeForm::UtcMillis
            })
        );
        for bad in [
            "2020-04-23T06:00:00Z",
            "2020-04-23T06:00:00.07Z",
            "2020-04-23T06:00:00.0750Z",
            "2020-04-23T06:00:00.07xZ",
            "2020-04-23T06:00:00,075Z",
        ] {
            assert_eq!(
                parse_utc_millis(bad),
                malformed(TimeForm::UtcMillis, bad),
                "{bad}"
            );
        }
        // The lenient reader: 1 to 9 digits, each scaled to nanoseconds.
        let base = t(1_587_621_600);
        for (text, nanos) in [
            ("2020-04-23T06:00:00.5Z", 500_000_000),
            ("2020-04-23T06:00:00.07Z", 70_000_000),
            ("2020-04-23T06:00:00.0001Z", 100_000),
            ("2020-04-23T06:00:00.123456Z", 123_456_000),
            ("2020-04-23T06:00:00.123456789Z", 123_456_789),
            ("2020-04-23T06:00:00.000000001Z", 1),
        ] {
            assert_eq!(
                parse_utc(text),
                Ok(base + Duration::from_nanos(nanos)),
                "{text}"
            );
        }
        for bad in [
            "2020-04-23T06:00:00.Z",
            "2020-04-23T06:00:00.1234567890Z",
            "2020-04-23T06:00:00.-1Z",
            "2020-04-23T06:00:00 Z",
            "2020-04-23T06:00:00.5",
            "2020-04-23T06:00:00.5+00:00",
        ] {
            assert_eq!(parse_utc(bad), malformed(TimeForm::Utc, bad), "{bad}");
        }
    }

    #[test]
    fn dates() {
        for (secs, text) in [
            (0, "1970-01-01"),
            (951_782_400, "2000-02-29"),
            (1_587_600_000, "2020-04-23"),
            (LAST - 86_399, "9999-12-31"),
        ] {
            assert_eq!(format_date(t(secs)).as_deref(), Ok(text));
            assert_eq!(
                format_date(t(secs + 86_399)).as_deref(),
                Ok(text),
                "the whole day"
            );
            assert_eq!(parse_date(text), Ok(t(secs)), "{text}");
        }
        assert_eq!(
            format_date(t(LAST + 1)),
            Err(TimeError::OutOfRange {
                form: TimeForm::Date
            })
        );
        assert_eq!(
            parse_date("1969-12-31"),
            Err(TimeError::OutOfRange {
                form: TimeForm::Date
            })
        );
        for bad in [
            "",
            "2020-04-2",
            "2020-04-233",
            "2020/04/23",
            "2020-04/23",
            "2020-04-23Z",
            "2020-4-023",
            "2020-02-30",
            "2021-02-29",
            "2020-00-01",
            "2020-01-00",
            "２０２０-04-23",
        ] {
            assert_eq!(parse_date(bad), malformed(TimeForm::Date, bad), "{bad}");
        }
    }

    #[test]
    fn obs_times_are_beijing_time() {
        for (secs, text) in [
            (0, "1970/01/01 08:00:00 GMT+08:00"),
            (1_587_621_600, "2020/04/23 14:00:00 GMT+08:00"),
            (1_594_883_515, "2020/07/16 15:11:55 GMT+08:00"),
            // Across midnight: 16:00 UTC is the next day in Beijing.
            (1_587_657_600, "2020/04/24 00:00:00 GMT+08:00"),
            (LAST - 8 * 3600, "9999/12/31 23:59:59 GMT+08:00"),
        ] {
            assert_eq!(format_obs(t(secs)).as_deref(), Ok(text));
            assert_eq!(parse_obs(text), Ok(t(secs)), "{text}");
        }
        let out = Err(TimeError::OutOfRange {
            form: TimeForm::Obs,
        });
        assert_eq!(format_obs(t(LAST - 8 * 3600 + 1)), out);
        assert_eq!(format_obs(UNIX_EPOCH - Duration::from_secs(1)), out);
        assert_eq!(
            parse_obs("1970/01/01 07:59:59 GMT+08:00"),
            Err(TimeError::OutOfRange {
                form: TimeForm::Obs
            })
        );
        for bad in [
            "2020/07/16 15:11:55",
            "2020/07/16 15:11:55 GMT+8:00",
            "2020/07/16 15:11:55 GMT+09:00",
            "2020/07/16 15:11:55 gmt+08:00",
            "2020-07/16 15:11:55 GMT+08:00",
            "2020/07-16 15:11:55 GMT+08:00",
            "2020/07/16T15:11:55 GMT+08:00",
            "2020/07/16 15-11:55 GMT+08:00",
            "2020/07/16 15:11-55 GMT+08:00",
            "2020/07/16 15:11:55 GMT+08:00 ",
            "2020/02/30 15:11:55 GMT+08:00",
            "2020/07/16 24:11:55 GMT+08:00",
        ] {
            assert_eq!(parse_obs(bad), malformed(TimeForm::Obs, bad), "{bad}");
        }
    }

    #[test]
    fn sdk_dates() {
        assert_eq!(
            format_sdk_date(t(1_704_164_645)).as_deref(),
            Ok("20240102T030405Z")
        );
        assert_eq!(format_sdk_date(t(LAST)).as_deref(), Ok("99991231T235959Z"));
        assert_eq!(
            format_sdk_date(t(LAST + 1)),
            Err(TimeError::OutOfRange {
                form: TimeForm::SdkDate
            })
        );
        assert_eq!(parse_sdk_date("20240102T030405Z"), Ok(t(1_704_164_645)));
        assert_eq!(
            parse_sdk_date("19691231T235959Z"),
            Err(TimeError::OutOfRange {
                form: TimeForm::SdkDate
            })
        );
        for bad in [
            "20240102T030405",
            "20240102X030405Z",
            "20240102T030405z",
            "2024010xT030405Z",
            "20240102T030405ZZ",
        ] {
            assert_eq!(
                parse_sdk_date(bad),
                malformed(TimeForm::SdkDate, bad),
                "{bad}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn every_form_round_trips(secs in 0..=LAST, nanos in 0u32..1_000_000_000) {
            let time = t(secs) + Duration::from_nanos(u64::from(nanos));
            let whole = t(secs);
            let text = format_utc_seconds(time).unwrap();
            proptest::prop_assert_eq!(parse_utc_seconds(&text), Ok(whole));
            proptest::prop_assert_eq!(parse_utc(&text), Ok(whole));
            let millis = whole + Duration::from_millis(u64::from(nanos / 1_000_000));
            let text = format_utc_millis(time).unwrap();
            proptest::prop_assert_eq!(parse_utc_millis(&text), Ok(millis));
            proptest::prop_assert_eq!(parse_utc(&text), Ok(millis));
            let text = format_date(time).unwrap();
            proptest::prop_assert_eq!(parse_date(&text), Ok(t(secs - secs % 86_400)));
            let text = format_sdk_date(time).unwrap();
            proptest::prop_assert_eq!(parse_sdk_date(&text), Ok(whole));
            if secs <= LAST - 8 * 3600 {
                let text = format_obs(time).unwrap();
                proptest::prop_assert_eq!(parse_obs(&text), Ok(whole));
            }
        }

        #[test]
        fn parsers_never_panic(text in "\\PC{0,40}") {
            for result in [
                parse_utc_seconds(&text),
                parse_utc_millis(&text),
                parse_utc(&text),
                parse_date(&text),
                parse_obs(&text),
                parse_sdk_date(&text),
            ] {
                if let Err(TimeError::Malformed { text: quoted, .. }) = result {
                    proptest::prop_assert_eq!(quoted, text.clone());
                }
            }
        }
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
        assert_eq!(format_basic(UNIX_EPOCH - Duration::from_secs(1)), None);
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
            // Each separator in its place, one wrong at a time.
            "2024/01-02T03:04:05Z",
            "2024-01/02T03:04:05Z",
            "2024-01-02 03:04:05Z",
            "2024-01-02T03.04:05Z",
            "2024-01-02T03:04.05Z",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }
}
