//! Recording callbacks: the events SparkRTC POSTs to the URL configured with
//! [`UpdateRecordCallback`](crate::ops::UpdateRecordCallback), how to verify
//! them, and the answer to give.
//!
//! When a recording job starts or completes a file, and when it ends, the
//! service POSTs a JSON event. With an `auth_key` configured it signs it:
//!
//! - `X-Rtc-Rand`: a random string;
//! - `X-Rtc-Timestamp`: the time it was sent;
//! - `X-Rtc-Signature`: the lower-case hex HMAC-SHA256, keyed with the
//!   `auth_key` (UTF-8), of `X-Rtc-Rand + X-Rtc-Timestamp + body`, the body
//!   exactly as sent.
//!
//! A receiver must check the signature before acting on an event (a forged
//! "file complete" could make it publish or delete the wrong recording). A
//! [`Verifier`] does, from the headers, the raw body bytes and the caller's
//! time (it reads no clock): it recomputes the signature and compares in
//! constant time, refuses a timestamp outside a tolerance window (default 5
//! minutes), can refuse an `X-Rtc-Rand` seen before, and parses the event.
//! With no `auth_key` configured the service signs nothing; only a verifier
//! made with [`Verifier::unsigned`] accepts that.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use sparkrtc::callback::{self, CallbackEvent, Verifier};
//!
//! let key = "0123456789abcdef0123456789abcdef"; // the app's callback auth_key
//! let body = br#"{"event_type":"RECORD_FILE_COMPLETE","job_id":"j-1","file_size":26254952,"record_format":"HLS"}"#;
//! // What the service sends (here signed by the crate's own signer).
//! let headers = callback::signed_headers(&key.into(), "r4nd", "1700000000", body)?;
//!
//! let now = UNIX_EPOCH + Duration::from_secs(1_700_000_030);
//! let event = Verifier::new(key)?.verify(&headers, body, now)?;
//! match event {
//!     CallbackEvent::FileCompleted(file) => assert_eq!(file.file_size, Some(26_254_952)),
//!     other => panic!("{other:?}"),
//! }
//! let ack = callback::acknowledgement();
//! assert_eq!(ack.body(), br#"{"status":1,"result":"success"}"#);
//!
//! // A forged body fails.
//! let forged = br#"{"event_type":"RECORD_FILE_COMPLETE","job_id":"j-2"}"#;
//! assert!(Verifier::new(key)?.verify(&headers, forged, now).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use http::header::{HeaderValue, CONTENT_TYPE};
use http::{HeaderMap, Request, Response, StatusCode};
use serde_json::Value;
use sha2::Sha256;

use crate::headers::{JSON_CONTENT_TYPE, X_RTC_RAND, X_RTC_SIGNATURE, X_RTC_TIMESTAMP};
use crate::model::RecordFormat;
use crate::sansio::auth::hex::{decode32, encode};
use crate::Secret;

/// The default tolerance between an event's timestamp and the receiver's
/// clock: 5 minutes either way.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The default cap on a callback body: 64 KiB (the documented events are
/// under 2 KiB).
pub const DEFAULT_MAX_BODY: usize = 64 * 1024;

/// A timestamp above this is in milliseconds, at or below in seconds:
/// 10^11 seconds is the year 5138, 10^11 milliseconds March 1973.
pub const MILLISECONDS_ABOVE: u64 = 100_000_000_000;

string_enum! {
    /// The `event_type` of a callback.
    pub enum EventType {
        /// The recorder started a new file.
        RecordNewFileStart = "RECORD_NEW_FILE_START",
        /// A file is complete (the file fields are set).
        RecordFileComplete = "RECORD_FILE_COMPLETE",
        /// The recording job ended.
        CloudRecordServerOver = "CLOUD_RECORD_SERVER_OVER",
        /// A user's role changed.
        RtcUserRoleChanged = "RTC_USER_ROLE_CHANGED",
        /// An audio stream opened.
        RtcAudioStreamOpen = "RTC_AUDIO_STREAM_OPEN",
        /// An audio stream closed.
        RtcAudioStreamClose = "RTC_AUDIO_STREAM_CLOSE",
        /// A video stream opened.
        RtcVideoStreamOpen = "RTC_VIDEO_STREAM_OPEN",
        /// A video stream closed.
        RtcVideoStreamClose = "RTC_VIDEO_STREAM_CLOSE",
    }
}

response_model! {
    /// The fields of a recording event. All are optional; the file fields
    /// come with `RECORD_FILE_COMPLETE`.
    pub struct RecordingEvent {
        fields {
            /// The event.
            event_type: EventType,
            /// The recording job.
            job_id: String,
            /// The recorded stream.
            stream_name: String,
            /// The application.
            app_id: String,
            /// The room.
            room_id: String,
            /// `HLS` or `MP4`.
            record_format: RecordFormat,
            /// Where the file can be downloaded.
            download_url: String,
            /// Size in bytes.
            file_size: i64,
            /// Length in seconds.
            record_duration: i64,
            /// Start, UTC, `YYYY-MM-DDThh:mm:ssZ`.
            start_time: String,
            /// End, UTC, `YYYY-MM-DDThh:mm:ssZ`.
            end_time: String,
            /// Video width.
            width: i64,
            /// Video height.
            height: i64,
            /// The OBS endpoint.
            obs_location: String,
            /// The OBS bucket.
            obs_bucket: String,
            /// The object in the bucket.
            obs_object: String,
            /// More detail.
            detail_message: String,
        }
    }
}

/// A callback event, by type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CallbackEvent {
    /// `RECORD_NEW_FILE_START`: the recorder started a new file.
    FileStarted(RecordingEvent),
    /// `RECORD_FILE_COMPLETE`: a file is complete.
    FileCompleted(RecordingEvent),
    /// `CLOUD_RECORD_SERVER_OVER`: the recording job ended.
    JobEnded(RecordingEvent),
    /// Any other event (the stream and role events, types added later),
    /// kept as received.
    Other {
        /// The `event_type`, or `""` when the body has none.
        event_type: String,
        /// The whole body.
        raw: Value,
    },
}

impl CallbackEvent {
    /// Parses an event body. Unknown fields are ignored, unknown event types
    /// kept whole; a body that is not a JSON object is an error. Never panics.
    pub fn parse(body: &[u8]) -> Result<CallbackEvent, CallbackError> {
        let raw: Value =
            serde_json::from_slice(body).map_err(|e| CallbackError::InvalidEvent(e.to_string()))?;
        if !raw.is_object() {
            return Err(CallbackError::InvalidEvent("not a JSON object".into()));
        }
        let kind = raw
            .get("event_type")
            .and_then(Value::as_str)
            .map(EventType::from);
        let recording = |raw: Value| {
            serde_json::from_value::<RecordingEvent>(raw)
                .map_err(|e| CallbackError::InvalidEvent(e.to_string()))
        };
        Ok(match kind {
            Some(EventType::RecordNewFileStart) => CallbackEvent::FileStarted(recording(raw)?),
            Some(EventType::RecordFileComplete) => CallbackEvent::FileCompleted(recording(raw)?),
            Some(EventType::CloudRecordServerOver) => CallbackEvent::JobEnded(recording(raw)?),
            other => CallbackEvent::Other {
                event_type: other.map(|t| t.as_str().to_owned()).unwrap_or_default(),
                raw,
            },
        })
    }

    /// The `event_type`.
    pub fn event_type(&self) -> &str {
        match self {
            CallbackEvent::FileStarted(_) => EventType::RecordNewFileStart.as_str(),
            CallbackEvent::FileCompleted(_) => EventType::RecordFileComplete.as_str(),
            CallbackEvent::JobEnded(_) => EventType::CloudRecordServerOver.as_str(),
            CallbackEvent::Other { event_type, .. } => event_type,
        }
    }

    /// The recording fields, for the recording events.
    pub fn recording(&self) -> Option<&RecordingEvent> {
        match self {
            CallbackEvent::FileStarted(e)
            | CallbackEvent::FileCompleted(e)
            | CallbackEvent::JobEnded(e) => Some(e),
            CallbackEvent::Other { .. } => None,
        }
    }
}

/// Why a callback was refused. The messages never contain the key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// A key is configured but the request carries no authentication
    /// headers at all.
    #[error("the callback is unsigned, but an auth_key is configured")]
    Unsigned,
    /// One of the three authentication headers is missing.
    #[error("the callback has no {0} header")]
    MissingHeader(&'static str),
    /// An authentication header appears more than once.
    #[error("the callback has more than one {0} header")]
    DuplicateHeader(&'static str),
    /// An authentication header cannot be read.
    #[error("the callback's {name} header is malformed: {reason}")]
    MalformedHeader {
        /// The header.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The signature does not match the key, rand, timestamp and body.
    #[error("the callback's signature does not match")]
    BadSignature,
    /// The timestamp is older than the tolerance allows.
    #[error("the callback's timestamp is {0:?} old, beyond the tolerance")]
    Stale(Duration),
    /// The timestamp is later than the tolerance allows.
    #[error("the callback's timestamp is {0:?} ahead, beyond the tolerance")]
    FromTheFuture(Duration),
    /// The `X-Rtc-Rand` was seen before: a replay.
    #[error("the callback's X-Rtc-Rand was seen before (replay)")]
    Replayed,
    /// The body is larger than the cap.
    #[error("the callback body of {len} bytes exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The body's length.
        len: usize,
        /// The cap.
        limit: usize,
    },
    /// The body is not a JSON object.
    #[error("the callback body is not a valid event: {0}")]
    InvalidEvent(String),
    /// The key cannot be used (empty).
    #[error("the callback auth_key is empty")]
    EmptyKey,
}

/// Checks callbacks: signature, freshness, size; then parses them.
///
/// Made with the app's callback `auth_key` ([`Verifier::new`]), or, when no
/// key is configured, with [`Verifier::unsigned`], which accepts only
/// unsigned callbacks. `Debug` does not show the key.
#[derive(Clone)]
pub struct Verifier {
    key: Option<Secret>,
    tolerance: Duration,
    max_body: usize,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("key", &self.key)
            .field("tolerance", &self.tolerance)
            .field("max_body", &self.max_body)
            .finish()
    }
}

/// The three authentication headers of a callback, as received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature<'a> {
    /// `X-Rtc-Rand`.
    pub rand: &'a str,
    /// `X-Rtc-Timestamp`.
    pub timestamp: &'a str,
    /// `X-Rtc-Signature`.
    pub signature: &'a str,
}

impl Verifier {
    /// A verifier for callbacks signed with `auth_key`.
    pub fn new(auth_key: impl Into<Secret>) -> Result<Self, CallbackError> {
        let key = auth_key.into();
        if key.is_empty() {
            return Err(CallbackError::EmptyKey);
        }
        Ok(Verifier {
            key: Some(key),
            tolerance: DEFAULT_TOLERANCE,
            max_body: DEFAULT_MAX_BODY,
        })
    }

    /// A verifier for an application with no `auth_key`: it accepts only
    /// unsigned callbacks (and refuses signed ones, which it cannot check).
    pub fn unsigned() -> Self {
        Verifier {
            key: None,
            tolerance: DEFAULT_TOLERANCE,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// How far the timestamp may be from `now`, either way (default
    /// [`DEFAULT_TOLERANCE`]).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The largest body accepted (default [`DEFAULT_MAX_BODY`]).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body = limit;
        self
    }

    /// Verifies a callback from its headers and raw body at the caller's
    /// time `now`, and parses it.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<CallbackEvent, CallbackError> {
        self.verify_with_replay_check(headers, body, now, |_| true)
    }

    /// [`verify`](Self::verify), refusing a replay: `is_new(rand)` says
    /// whether this `X-Rtc-Rand` is new (and records it); it is asked only
    /// once the signature and timestamp hold, so forged requests cannot fill
    /// the caller's store.
    pub fn verify_with_replay_check(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
        is_new: impl FnOnce(&str) -> bool,
    ) -> Result<CallbackEvent, CallbackError> {
        let signature = signature_headers(headers)?;
        self.verify_parts(signature, body, now, is_new)
    }

    /// [`verify`](Self::verify) for an `http::Request`.
    pub fn verify_request<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
        now: SystemTime,
    ) -> Result<CallbackEvent, CallbackError> {
        self.verify(request.headers(), request.body().as_ref(), now)
    }

    /// Verification from bare parts, for any web framework: the three header
    /// values (`None` when the callback is unsigned) and the raw body.
    pub fn verify_parts(
        &self,
        signature: Option<Signature<'_>>,
        body: &[u8],
        now: SystemTime,
        is_new: impl FnOnce(&str) -> bool,
    ) -> Result<CallbackEvent, CallbackError> {
        if body.len() > self.max_body {
            return Err(CallbackError::BodyTooLarge {
                len: body.len(),
                limit: self.max_body,
            });
        }
        match (&self.key, signature) {
            (None, None) => {}
            (None, Some(_)) => {
                return Err(CallbackError::MalformedHeader {
                    name: "X-Rtc-Signature",
                    reason: "the callback is signed, but no auth_key is configured to check it"
                        .into(),
                })
            }
            (Some(_), None) => return Err(CallbackError::Unsigned),
            (Some(key), Some(sig)) => {
                let expected =
                    decode32(sig.signature).ok_or_else(|| CallbackError::MalformedHeader {
                        name: "X-Rtc-Signature",
                        reason: "not 64 hexadecimal digits".into(),
                    })?;
                let sent_at = parse_timestamp(sig.timestamp)?;
                let mac = mac(key, sig.rand, sig.timestamp, body)?;
                if mac.verify_slice(&expected).is_err() {
                    return Err(CallbackError::BadSignature);
                }
                check_window(sent_at, now, self.tolerance)?;
                if !is_new(sig.rand) {
                    return Err(CallbackError::Replayed);
                }
            }
        }
        CallbackEvent::parse(body)
    }
}

/// The three headers from a header map: all absent is `None` (unsigned);
/// some absent, repeated or not text is an error.
fn signature_headers(headers: &HeaderMap) -> Result<Option<Signature<'_>>, CallbackError> {
    let names = [
        ("X-Rtc-Rand", X_RTC_RAND),
        ("X-Rtc-Timestamp", X_RTC_TIMESTAMP),
        ("X-Rtc-Signature", X_RTC_SIGNATURE),
    ];
    if names.iter().all(|(_, n)| !headers.contains_key(*n)) {
        return Ok(None);
    }
    let mut values = [""; 3];
    for (slot, (shown, name)) in values.iter_mut().zip(names) {
        let mut all = headers.get_all(name).iter();
        let value = all.next().ok_or(CallbackError::MissingHeader(shown))?;
        if all.next().is_some() {
            return Err(CallbackError::DuplicateHeader(shown));
        }
        *slot = value.to_str().map_err(|_| CallbackError::MalformedHeader {
            name: shown,
            reason: "not visible ASCII".into(),
        })?;
    }
    Ok(Some(Signature {
        rand: values[0],
        timestamp: values[1],
        signature: values[2],
    }))
}

/// The HMAC of `rand + timestamp + body` under the key.
fn mac(
    key: &Secret,
    rand: &str,
    timestamp: &str,
    body: &[u8],
) -> Result<Hmac<Sha256>, CallbackError> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.expose_secret().as_bytes())
        .map_err(|_| CallbackError::EmptyKey)?;
    mac.update(rand.as_bytes());
    mac.update(timestamp.as_bytes());
    mac.update(body);
    Ok(mac)
}

/// A callback timestamp: decimal seconds, or milliseconds above
/// [`MILLISECONDS_ABOVE`].
fn parse_timestamp(text: &str) -> Result<SystemTime, CallbackError> {
    let malformed = |reason: &str| CallbackError::MalformedHeader {
        name: "X-Rtc-Timestamp",
        reason: reason.into(),
    };
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(
            "not a number of seconds or milliseconds since 1970",
        ));
    }
    let n: u64 = text.parse().map_err(|_| malformed("out of range"))?;
    let since_epoch = if n > MILLISECONDS_ABOVE {
        Duration::from_millis(n)
    } else {
        Duration::from_secs(n)
    };
    UNIX_EPOCH
        .checked_add(since_epoch)
        .ok_or_else(|| malformed("out of range"))
}

fn check_window(
    sent_at: SystemTime,
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), CallbackError> {
    match now.duration_since(sent_at) {
        Ok(age) if age > tolerance => Err(CallbackError::Stale(age)),
        Ok(_) => Ok(()),
        Err(ahead) if ahead.duration() > tolerance => {
            Err(CallbackError::FromTheFuture(ahead.duration()))
        }
        Err(_) => Ok(()),
    }
}

/// The signature of a callback: lower-case hex HMAC-SHA256 under `auth_key`
/// of `rand + timestamp + body`. For tests and for simulators.
pub fn sign(
    auth_key: &Secret,
    rand: &str,
    timestamp: &str,
    body: &[u8],
) -> Result<String, CallbackError> {
    let tag = mac(auth_key, rand, timestamp, body)?
        .finalize()
        .into_bytes();
    Ok(encode(&tag, &mut [0; 64]).to_owned())
}

/// The three authentication headers of a callback, signed. The values must
/// be visible ASCII.
pub fn signed_headers(
    auth_key: &Secret,
    rand: &str,
    timestamp: &str,
    body: &[u8],
) -> Result<HeaderMap, CallbackError> {
    // Only what a verifier can read back (`HeaderValue::to_str`).
    let value = |name: &'static str, text: &str| {
        HeaderValue::from_str(text)
            .ok()
            .filter(|v| v.to_str().is_ok())
            .ok_or_else(|| CallbackError::MalformedHeader {
                name,
                reason: "not visible ASCII".into(),
            })
    };
    let mut headers = HeaderMap::new();
    headers.insert(X_RTC_RAND, value("X-Rtc-Rand", rand)?);
    headers.insert(X_RTC_TIMESTAMP, value("X-Rtc-Timestamp", timestamp)?);
    headers.insert(
        X_RTC_SIGNATURE,
        value("X-Rtc-Signature", &sign(auth_key, rand, timestamp, body)?)?,
    );
    Ok(headers)
}

/// The acknowledgement a receiver answers: HTTP 200 with the documented
/// body `{"status":1,"result":"success"}`.
pub fn acknowledgement() -> Response<Vec<u8>> {
    let mut response = Response::new(br#"{"status":1,"result":"success"}"#.to_vec());
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_seconds_or_milliseconds() {
        let s = parse_timestamp("1700000000").unwrap();
        let ms = parse_timestamp("1700000000123").unwrap();
        assert_eq!(s, UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        assert_eq!(ms, UNIX_EPOCH + Duration::from_millis(1_700_000_000_123));
        assert_eq!(
            parse_timestamp("100000000000").unwrap(),
            UNIX_EPOCH + Duration::from_secs(100_000_000_000)
        );
        assert_eq!(
            parse_timestamp("100000000001").unwrap(),
            UNIX_EPOCH + Duration::from_millis(100_000_000_001)
        );
        for bad in ["", "-1", "1.5", " 1", "99999999999999999999", "0x10"] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }
}
