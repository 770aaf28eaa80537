//! The crate's one error type.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use http::{HeaderMap, StatusCode};

use super::redact::redact_json_secrets;
use super::TransportError;

/// Everything that can go wrong building a request or reading a response.
///
/// Secrets never appear in the `Display` or `Debug` output of an error: body
/// snippets have the values of secret-looking keys (`app_key`, `auth_key`,
/// `password`, `token`, ...) replaced with `***`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request parameter is missing, empty or out of the documented range.
    /// Raised before anything is sent.
    #[error("invalid parameter `{field}`{}: {reason}", in_op(operation))]
    InvalidParameter {
        /// The operation's upstream name (`CreateMixJob`), or `""` when not known.
        operation: &'static str,
        /// The parameter's path, for example `body.mix_param.layout_panes[0].x`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The dynamic entry point was given an operation name that does not exist.
    #[error("unknown operation `{0}`")]
    UnknownOperation(String),
    /// The endpoint URL or project id cannot be used.
    #[error("invalid endpoint: {0}")]
    InvalidEndpoint(String),
    /// The service answered with a non-2xx status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A 2xx response whose body is not what the operation documents.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The service refused the call because a daily (or other long-period)
    /// quota is used up: waiting a few seconds will not help.
    #[error("quota exhausted: {0}")]
    QuotaExhausted(Box<ApiError>),
    /// Credentials that cannot be used (an empty AK or SK, a value with
    /// characters a header cannot carry). Never contains the secret itself.
    #[error("invalid credentials: {0}")]
    InvalidCredentials(String),
    /// A request header that cannot be signed or sent.
    #[error("invalid header `{name}`: {reason}")]
    InvalidHeader {
        /// Header name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The response body is larger than the parsers accept (32 MiB), or
    /// than a transport's configured cap.
    #[error("response body of {len} bytes exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The body's length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The pacer could not decide (a throttle shared through a store that
    /// did not answer in time, with a policy of failing rather than pacing
    /// alone).
    #[error("pacer unavailable: {0}")]
    PacerUnavailable(String),
    /// No complete response: the transport failed (see
    /// [`TransportError::kind`] for whether the request may have reached the
    /// server).
    #[error(transparent)]
    Transport(TransportError),
    /// The call's deadline passed before it could finish: the next wait
    /// (for the throttle, a `Retry-After` or a retry's backoff) would have
    /// ended after it.
    #[error(
        "deadline of {deadline:?} exceeded after {attempts} attempt(s){}",
        last_error(last)
    )]
    DeadlineExceeded {
        /// The deadline the call had.
        deadline: std::time::Duration,
        /// Attempts sent.
        attempts: u32,
        /// The last attempt's error, if an attempt failed.
        last: Option<Box<Error>>,
    },
}

fn last_error(last: &Option<Box<Error>>) -> String {
    match last {
        Some(e) => format!("; last error: {e}"),
        None => String::new(),
    }
}

fn in_op(operation: &str) -> String {
    if operation.is_empty() {
        String::new()
    } else {
        format!(" of {operation}")
    }
}

/// The largest response body the parsers accept (32 MiB). Transports should
/// stop reading at this size too.
pub(crate) const MAX_RESPONSE_BODY: usize = 32 * 1024 * 1024;

/// How many characters of a body an error message quotes.
pub(crate) const SNIPPET_CHARS: usize = 256;

/// How many characters of a server's error message (or a decoder's message)
/// are kept.
const MESSAGE_CHARS: usize = 1024;

/// How many characters of a server's error code or request id are kept.
const ID_CHARS: usize = 128;

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            operation: "",
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Names the operation in an [`Error::InvalidParameter`] that has none yet.
    pub(crate) fn in_operation(mut self, name: &'static str) -> Self {
        if let Error::InvalidParameter { operation, .. } = &mut self {
            if operation.is_empty() {
                *operation = name;
            }
        }
        self
    }

    /// The request id of the answer this error came from, if the server
    /// gave one (for a deadline, that of the last attempt).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) | Error::QuotaExhausted(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            Error::DeadlineExceeded { last: Some(e), .. } => e.request_id(),
            _ => None,
        }
    }

    /// The name meant, for an unknown operation or an unknown parameter of
    /// the [dynamic entry point](crate::dynamic): the known name closest to
    /// the one given, when one is close enough (see
    /// [`dynamic::closest_operation`](crate::dynamic::closest_operation)).
    ///
    /// ```
    /// use serde_json::json;
    /// use sparkrtc::{dynamic, Endpoint};
    ///
    /// let endpoint = Endpoint::default();
    /// let err = dynamic::build("ShowMixjob", &json!({}), &endpoint).unwrap_err();
    /// assert_eq!(err.suggestion(), Some("ShowMixJob"));
    ///
    /// let mix = json!({"room_id": "r", "encode_template": "audio_only", "layout_templat": "custom"});
    /// let params = json!({"app_id": "a", "body": {"mix_param": mix}});
    /// let err = dynamic::build("CreateMixJob", &params, &endpoint).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid parameter `body.mix_param.layout_templat` of CreateMixJob: unknown parameter");
    /// assert_eq!(err.suggestion(), Some("layout_template"));
    /// ```
    pub fn suggestion(&self) -> Option<&'static str> {
        match self {
            Error::UnknownOperation(name) => {
                crate::dynamic::closest_operation(name).map(crate::OperationId::name)
            }
            Error::InvalidParameter {
                operation,
                field,
                reason,
            } if reason == crate::sansio::operations::dynamic::UNKNOWN_PARAMETER => {
                let id = crate::OperationId::from_name(operation)?;
                crate::sansio::operations::fields::suggest(id, field)
            }
            _ => None,
        }
    }

    /// The [`ApiError`], if the service answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) | Error::QuotaExhausted(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status of the response this error came from, if any.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) | Error::QuotaExhausted(e) => StatusCode::from_u16(e.status).ok(),
            Error::Decode(e) => StatusCode::from_u16(e.status).ok(),
            _ => None,
        }
    }
}

/// An error answer from the service (any non-2xx status).
///
/// Huawei Cloud services answer `{"error_code": "...", "error_msg": "..."}`;
/// the API gateway sometimes adds `request_id`; some components answer
/// `{"code": ..., "message": ...}` or `{"error": {"code": ..., "message": ...}}`.
/// All of these are read. When the body is none of them, `error_code` and
/// `error_msg` are `None` and `body_snippet` quotes the start of the body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// Service error code, for example `RTC.00001` or `APIG.0308`. At most
    /// 128 characters are kept (`…` marks a cut).
    pub error_code: Option<String>,
    /// Service error message. At most 1024 characters are kept (`…` marks a
    /// cut).
    pub error_msg: Option<String>,
    /// The request id (`X-Request-Id` header, or `request_id` in the body).
    /// At most 128 characters are kept (`…` marks a cut).
    pub request_id: Option<String>,
    /// The start of the body (secrets redacted) when it was not a recognised
    /// error object.
    pub body_snippet: Option<String>,
}

impl ApiError {
    /// Reads an error response. Never fails: unreadable bodies become a snippet.
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ApiError {
        let mut err = ApiError {
            status: status.as_u16(),
            error_code: None,
            error_msg: None,
            request_id: request_id(headers),
            body_snippet: None,
        };
        let parsed = if body.len() <= MAX_RESPONSE_BODY {
            serde_json::from_slice::<serde_json::Value>(body).ok()
        } else {
            None
        };
        if let Some(serde_json::Value::Object(map)) = parsed {
            let nested = match map.get("error") {
                Some(serde_json::Value::Object(inner)) => Some(inner),
                _ => None,
            };
            let pick = |keys: &[&str]| -> Option<String> {
                for src in std::iter::once(&map).chain(nested) {
                    for k in keys {
                        match src.get(*k) {
                            Some(serde_json::Value::String(s)) => return Some(s.clone()),
                            Some(serde_json::Value::Number(n)) => return Some(n.to_string()),
                            _ => {}
                        }
                    }
                }
                None
            };
            err.error_code =
                pick(&["error_code", "code", "errorCode"]).map(|s| bounded(s, ID_CHARS));
            err.error_msg = pick(&["error_msg", "message", "msg", "errorMsg", "error_message"])
                .map(|s| bounded(s, MESSAGE_CHARS));
            if err.request_id.is_none() {
                err.request_id = pick(&["request_id", "requestId"]).map(|s| bounded(s, ID_CHARS));
            }
        }
        if err.error_code.is_none() && err.error_msg.is_none() && !body.is_empty() {
            err.body_snippet = Some(snippet(body));
        }
        err
    }

    /// True for HTTP 429 (the gateway's throttling answer, error code `APIG.0308`).
    pub fn is_throttled(&self) -> bool {
        self.status == 429
    }
}

/// Server text in `Display` output is bounded and has its control characters
/// escaped (the fields are public, so this holds even for edited values).
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SparkRTC API error: HTTP {}", self.status)?;
        if let Some(code) = &self.error_code {
            write!(f, " {}", shown(code, ID_CHARS))?;
        }
        if let Some(msg) = &self.error_msg {
            write!(f, ": {}", shown(msg, MESSAGE_CHARS))?;
        }
        if let Some(snippet) = &self.body_snippet {
            write!(f, ": body {:?}", cut(snippet, SNIPPET_CHARS))?;
        }
        write_request_id(f, self.request_id.as_deref())
    }
}

impl std::error::Error for ApiError {}

/// A successful (2xx) response whose body does not match the documented model.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation's upstream name.
    pub operation: &'static str,
    /// HTTP status code.
    pub status: u16,
    /// The JSON path that failed, for example `users[3].join_time`: `.` for
    /// the root, `?` for a failure between fields (say, the body ends before
    /// the next key).
    pub path: String,
    /// What was wrong there (serde_json's message, with line and column).
    /// `Display` and `Debug` show at most 1024 characters of it, control
    /// characters escaped in `Display`.
    pub message: String,
    /// The start of the body, secrets redacted.
    pub body_snippet: String,
    /// The request id from the `X-Request-Id` header.
    pub request_id: Option<String>,
}

/// The path and message come from the response (keys, quoted values): they
/// are bounded and have their control characters escaped.
impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot decode {} response (HTTP {}) at `{}`: {}; body {:?}",
            self.operation,
            self.status,
            shown(&self.path, MESSAGE_CHARS),
            shown(&self.message, MESSAGE_CHARS),
            cut(&self.body_snippet, SNIPPET_CHARS)
        )?;
        write_request_id(f, self.request_id.as_deref())
    }
}

/// Like a derived `Debug`, with the path and message bounded as in `Display`.
impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("path", &cut(&self.path, MESSAGE_CHARS))
            .field("message", &cut(&self.message, MESSAGE_CHARS))
            .field("body_snippet", &cut(&self.body_snippet, SNIPPET_CHARS))
            .field(
                "request_id",
                &self.request_id.as_deref().map(|id| cut(id, ID_CHARS)),
            )
            .finish()
    }
}

impl std::error::Error for DecodeError {}

impl DecodeError {
    /// The error for a 2xx response of `operation` that did not decode at
    /// `path`: the body is quoted as a redacted snippet, the path and the
    /// message are bounded, the request id comes from the headers.
    pub(crate) fn error(
        operation: &'static str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        path: String,
        message: String,
    ) -> Error {
        Error::Decode(Box::new(DecodeError {
            operation,
            status: status.as_u16(),
            path: bounded(path, MESSAGE_CHARS),
            message: bounded(message, MESSAGE_CHARS),
            body_snippet: snippet(body),
            request_id: request_id(headers),
        }))
    }
}

/// Writes ` (request id ...)`, bounded and escaped, when there is one.
fn write_request_id(f: &mut fmt::Formatter<'_>, id: Option<&str>) -> fmt::Result {
    match id {
        Some(id) => write!(f, " (request id {})", shown(id, ID_CHARS)),
        None => Ok(()),
    }
}

/// The `X-Request-Id` response header (matched case-insensitively, as all
/// header names are), if present and valid UTF-8; at most 128 characters.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| cut(v, ID_CHARS).into_owned())
}

/// `text` cut to at most `max` characters, on a char boundary, with `…`
/// appended when cut.
fn bounded(mut text: String, max: usize) -> String {
    if let Some((end, _)) = text.char_indices().nth(max) {
        text.truncate(end);
        text.push('…');
    }
    text
}

/// [`bounded`] without copying text that is short enough. Cutting a cut text
/// again at the same length changes nothing.
fn cut(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
        None => Cow::Borrowed(text),
    }
}

/// Server text for `Display`: [`cut`] to `max` characters, control
/// characters escaped.
fn shown(text: &str, max: usize) -> Escaped<'_> {
    Escaped(cut(text, max))
}

/// Displays text with its control characters (CR, LF, ESC, C1 controls, ...)
/// escaped as Rust does (`\r`, `\n`, `\u{1b}`); everything else, non-ASCII
/// text included, is written as is.
struct Escaped<'a>(Cow<'a, str>);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// The start of a body for an error message: at most [`SNIPPET_CHARS`]
/// characters, invalid UTF-8 replaced, secret values redacted, `…` appended
/// when cut.
pub(crate) fn snippet(body: &[u8]) -> String {
    // Redact over a window larger than the snippet so that a secret value that
    // starts inside the snippet is recognised even if the snippet cuts it.
    let window = &body[..body.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(window);
    let redacted = redact_json_secrets(&text);
    let mut out: String = redacted.chars().take(SNIPPET_CHARS).collect();
    if out.len() < redacted.len() || window.len() < body.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_of_a_body_cut_before_redaction_says_it_was_cut() {
        // Redaction reads the first 64 KiB. A secret value longer than that
        // shrinks to `***`: the snippet is short, yet the body was cut.
        let body = format!(r#"{{"token":"{}"}}"#, "x".repeat(70_000));
        assert_eq!(snippet(body.as_bytes()), r#"{"token":"***"…"#);
        // Exactly 64 KiB is read whole: no mark.
        let fill = 64 * 1024 - r#"{"token":""}"#.len();
        let body = format!(r#"{{"token":"{}"}}"#, "x".repeat(fill));
        assert_eq!(body.len(), 64 * 1024);
        assert_eq!(snippet(body.as_bytes()), r#"{"token":"***"}"#);
    }

    #[test]
    fn redacts_secret_values() {
        let body = br#"{"app_id":"a","authentication":{"app_key":"SENTINEL","enable":true},"x":{"auth_key" : "SEN\"TINEL2"},"token":12345}"#;
        let s = snippet(body);
        assert!(!s.contains("SENTINEL"), "{s}");
        assert!(!s.contains("12345"), "{s}");
        assert_eq!(
            s,
            r#"{"app_id":"a","authentication":{"app_key":"***","enable":true},"x":{"auth_key" : "***"},"token":"***"}"#
        );
    }

    #[test]
    fn redacts_truncated_secret() {
        let body = br#"{"auth_key":"SENTINEL-AND-THE-REST"#;
        assert_eq!(snippet(body), r#"{"auth_key":"***""#);
    }

    #[test]
    fn snippet_is_cut_on_a_char_boundary() {
        let body = "房".repeat(1000);
        let s = snippet(body.as_bytes());
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn snippet_of_non_utf8() {
        assert_eq!(snippet(&[0xff, b'a', 0xfe]), "\u{fffd}a\u{fffd}");
    }

    #[test]
    fn api_error_shapes() {
        let h = HeaderMap::new();
        let e = ApiError::from_response(
            StatusCode::NOT_FOUND,
            &h,
            br#"{"error_code":"RTC.00001","error_msg":"app not found","request_id":"r1"}"#,
        );
        assert_eq!(e.error_code.as_deref(), Some("RTC.00001"));
        assert_eq!(e.error_msg.as_deref(), Some("app not found"));
        assert_eq!(e.request_id.as_deref(), Some("r1"));
        assert_eq!(e.body_snippet, None);
        assert_eq!(
            e.to_string(),
            "SparkRTC API error: HTTP 404 RTC.00001: app not found (request id r1)"
        );

        let e = ApiError::from_response(
            StatusCode::BAD_REQUEST,
            &h,
            br#"{"error":{"code":400,"message":"bad"}}"#,
        );
        assert_eq!(e.error_code.as_deref(), Some("400"));
        assert_eq!(e.error_msg.as_deref(), Some("bad"));

        let e = ApiError::from_response(StatusCode::BAD_GATEWAY, &h, b"<html>bad gateway</html>");
        assert_eq!(e.body_snippet.as_deref(), Some("<html>bad gateway</html>"));
        assert_eq!(
            e.to_string(),
            "SparkRTC API error: HTTP 502: body \"<html>bad gateway</html>\""
        );

        let e = ApiError::from_response(StatusCode::SERVICE_UNAVAILABLE, &h, b"");
        assert_eq!(e.body_snippet, None);
        assert_eq!(e.to_string(), "SparkRTC API error: HTTP 503");
    }

    #[test]
    fn decode_error_display_escapes_and_bounds_server_text() {
        let e = DecodeError {
            operation: "ShowApp",
            status: 200,
            path: "users.a\u{1b}[2J".into(),
            message: format!("unknown variant `\r\n\u{9b}房`{}", "m".repeat(5000)),
            body_snippet: "{}".into(),
            request_id: Some("r\u{7f}".into()),
        };
        let shown = e.to_string();
        let expected_message = format!(
            "unknown variant `\\r\\n\\u{{9b}}房`{}…",
            "m".repeat(1024 - "unknown variant `\r\n\u{9b}房`".chars().count())
        );
        assert_eq!(
            shown,
            format!(
                "cannot decode ShowApp response (HTTP 200) at `users.a\\u{{1b}}[2J`: {expected_message}; body \"{{}}\" (request id r\\u{{7f}})"
            )
        );
        let debug = format!("{e:?}");
        assert!(debug.len() < 1200, "{debug}");
        assert!(debug.contains("m…\""), "{debug}");
    }

    #[test]
    fn bounding_is_idempotent() {
        let once = bounded("é".repeat(300), ID_CHARS);
        assert_eq!(once.chars().count(), ID_CHARS + 1);
        assert_eq!(cut(&once, ID_CHARS), once);
        assert_eq!(bounded(once.clone(), ID_CHARS), once);
        assert_eq!(shown("short", ID_CHARS).to_string(), "short");
    }
}
