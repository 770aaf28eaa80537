//! Clock skew: how far the server's clock is from ours, learnt from responses.
//!
//! The gateway refuses a signature whose `X-Sdk-Date` is more than 15 minutes
//! from its own clock. A machine with a wrong clock can learn the offset from
//! any response's `Date` header, or from the refusal itself, and sign with
//! `skew.server_time(local_now)`. Pure functions: the caller passes its times.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

use crate::sansio::wire::time::{parse_basic, parse_iso8601_prefix};
use crate::ApiError;

/// The server's clock minus the local clock, in whole seconds (the resolution
/// of both the `Date` header and `X-Sdk-Date`).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sparkrtc::clock::ClockSkew;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("date", "Tue, 02 Jan 2024 03:04:05 GMT".parse().unwrap());
/// let local = UNIX_EPOCH + Duration::from_secs(1_704_164_645 - 1200); // 20 minutes slow
/// let skew = ClockSkew::from_date_header(&headers, local).unwrap();
/// assert_eq!(skew.seconds(), 1200);
/// assert_eq!(skew.server_time(local), UNIX_EPOCH + Duration::from_secs(1_704_164_645));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockSkew {
    seconds: i64,
}

/// How far apart the clocks may be before the gateway refuses a signature.
pub const GATEWAY_TOLERANCE: Duration = Duration::from_secs(15 * 60);

impl ClockSkew {
    /// No skew.
    pub const ZERO: ClockSkew = ClockSkew { seconds: 0 };

    /// A skew of `seconds` (positive: the server is ahead).
    pub fn from_seconds(seconds: i64) -> Self {
        ClockSkew { seconds }
    }

    /// Server minus local, in seconds.
    pub fn seconds(self) -> i64 {
        self.seconds
    }

    /// The skew between a local and a server reading of the same moment.
    pub fn between(local: SystemTime, server: SystemTime) -> Self {
        let seconds = match server.duration_since(local) {
            Ok(ahead) => i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX),
            Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
        };
        ClockSkew { seconds }
    }

    /// From a response's `Date` header (any RFC 9110 format) and the local
    /// time the response arrived. `None` when the header is missing or bad.
    pub fn from_date_header(headers: &HeaderMap, received_at: SystemTime) -> Option<Self> {
        let date = headers.get(http::header::DATE)?.to_str().ok()?;
        let server = httpdate::parse_http_date(date).ok()?;
        Some(Self::between(received_at, server))
    }

    /// From the gateway's refusal of an expired signature (see
    /// [`is_signature_expired`]): the server time quoted in the message,
    /// against the time the request was signed with. The message format is
    /// not documented; timestamps in the `X-Sdk-Date` form
    /// (`20240102T030405Z`) and the ISO 8601 form (`2024-01-02T03:04:05Z`,
    /// fractions allowed)
    /// are read, and the first one that differs from the signing time is
    /// taken as the server's. `None` when the error is not a signature expiry
    /// or quotes no usable time (fall back to [`from_date_header`](Self::from_date_header)).
    pub fn from_error(error: &ApiError, signed_at: SystemTime) -> Option<Self> {
        if !is_signature_expired(error) {
            return None;
        }
        let signed = signed_at.duration_since(UNIX_EPOCH).ok()?.as_secs();
        let message = error.error_msg.as_deref()?;
        timestamps(message)
            .find(|t| t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).ok() != Some(signed))
            .map(|server| Self::between(signed_at, server))
    }

    /// The server's time for a local reading (saturating at the epoch and at
    /// the far future).
    pub fn server_time(self, local: SystemTime) -> SystemTime {
        let by = Duration::from_secs(self.seconds.unsigned_abs());
        if self.seconds >= 0 {
            local.checked_add(by).unwrap_or(local)
        } else {
            local
                .checked_sub(by)
                .filter(|t| *t >= UNIX_EPOCH)
                .unwrap_or(UNIX_EPOCH)
        }
    }

    /// Whether the skew is larger than `tolerance` either way.
    pub fn exceeds(self, tolerance: Duration) -> bool {
        self.seconds.unsigned_abs() > tolerance.as_secs()
    }
}

/// Whether an error is the gateway refusing an expired (or not yet valid)
/// signature: code `APIG.0301`/`APIGW.0301` with a message about the
/// signature expiring or `x-sdk-date`, as opposed to a wrong key or an
/// expired IAM token.
pub fn is_signature_expired(error: &ApiError) -> bool {
    let code = error.error_code.as_deref().unwrap_or("");
    if code != "APIG.0301" && code != "APIGW.0301" {
        return false;
    }
    let msg = error
        .error_msg
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    msg.contains("signature expired") || msg.contains("x-sdk-date")
}

/// Every timestamp in a text, in order.
fn timestamps(text: &str) -> impl Iterator<Item = SystemTime> + '_ {
    let bytes = text.as_bytes();
    (0..bytes.len()).filter_map(move |i| {
        if i > 0 && bytes[i - 1].is_ascii_digit() {
            return None;
        }
        let rest = text.get(i..)?;
        rest.get(..16)
            .and_then(parse_basic)
            .or_else(|| parse_iso8601_prefix(rest).map(|(t, _)| t))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    fn err(code: &str, msg: &str) -> ApiError {
        ApiError::from_response(
            http::StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            serde_json::json!({"error_code": code, "error_msg": msg})
                .to_string()
                .as_bytes(),
        )
    }

    #[test]
    fn date_header_in_every_format() {
        let server = 1_704_164_645; // Tue, 02 Jan 2024 03:04:05 GMT
        for date in [
            "Tue, 02 Jan 2024 03:04:05 GMT",
            "Tuesday, 02-Jan-24 03:04:05 GMT",
            "Tue Jan  2 03:04:05 2024",
        ] {
            let mut h = HeaderMap::new();
            h.insert("date", date.parse().unwrap());
            assert_eq!(
                ClockSkew::from_date_header(&h, t(server + 30)),
                Some(ClockSkew::from_seconds(-30)),
                "{date}"
            );
        }
        let mut h = HeaderMap::new();
        h.insert("date", "yesterday".parse().unwrap());
        assert_eq!(ClockSkew::from_date_header(&h, t(0)), None);
        assert_eq!(ClockSkew::from_date_header(&HeaderMap::new(), t(0)), None);
    }

    #[test]
    fn signature_expiry_messages() {
        let signed = t(1_704_164_645); // 20240102T030405Z
        let e = err("APIG.0301", "Incorrect IAM authentication information: x-sdk-date 20240102T030405Z expired, server time 20240102T032405Z");
        assert_eq!(
            ClockSkew::from_error(&e, signed),
            Some(ClockSkew::from_seconds(1200))
        );
        let e = err(
            "APIGW.0301",
            "signature expired: server time is 2024-01-02T02:44:05Z",
        );
        assert_eq!(
            ClockSkew::from_error(&e, signed),
            Some(ClockSkew::from_seconds(-1200))
        );
        // A time is read only where it starts: digits glued to the front
        // of one (a request id, say) make it no time at all.
        let e = err(
            "APIG.0301",
            "signature expired: request 920240102T040405Z, 12024-01-02T04:04:05Z; server time 2024-01-02T03:09:05Z",
        );
        assert_eq!(
            ClockSkew::from_error(&e, signed),
            Some(ClockSkew::from_seconds(300))
        );
        // The documented message quotes no time.
        let e = err(
            "APIG.0301",
            "Incorrect IAM authentication information: calc ak sk signature fail:signature expired",
        );
        assert!(is_signature_expired(&e));
        assert_eq!(ClockSkew::from_error(&e, signed), None);
        // Not a clock problem.
        for (code, msg) in [
            ("APIG.0301", "Incorrect IAM authentication information: verify aksk signature fail"),
            ("APIG.0301", "Incorrect IAM authentication information: token expires, expires_at: 2024-01-02T03:04:05Z"),
            ("APIG.0308", "signature expired 20240102T032405Z"),
        ] {
            let e = err(code, msg);
            assert!(!is_signature_expired(&e), "{msg}");
            assert_eq!(ClockSkew::from_error(&e, signed), None);
        }
    }

    #[test]
    fn applying_and_saturating() {
        assert_eq!(ClockSkew::from_seconds(10).server_time(t(5)), t(15));
        assert_eq!(ClockSkew::from_seconds(-10).server_time(t(5)), UNIX_EPOCH);
        assert_eq!(
            ClockSkew::from_seconds(i64::MIN).server_time(t(5)),
            UNIX_EPOCH
        );
        assert_eq!(
            ClockSkew::between(t(100), t(40)),
            ClockSkew::from_seconds(-60)
        );
        assert!(ClockSkew::from_seconds(-901).exceeds(GATEWAY_TOLERANCE));
        assert!(!ClockSkew::from_seconds(900).exceeds(GATEWAY_TOLERANCE));
    }
}
