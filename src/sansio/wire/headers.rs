//! Every header name and fixed header value the API uses, in one place.
//!
//! Names are lower case, as `http::HeaderName` stores them; header names are
//! case-insensitive on the wire.

/// `X-Sdk-Date`: the signing time, `YYYYMMDDTHHMMSSZ` (UTC).
pub const X_SDK_DATE: &str = "x-sdk-date";
/// `X-Sdk-Content-Sha256`: overrides the body hash in the signature.
pub const X_SDK_CONTENT_SHA256: &str = "x-sdk-content-sha256";
/// `X-Security-Token`: the token of temporary AK/SK credentials (signed).
pub const X_SECURITY_TOKEN: &str = "x-security-token";
/// `X-Auth-Token`: an IAM token (no signature).
pub const X_AUTH_TOKEN: &str = "x-auth-token";
/// `X-Project-Id`: the project a request acts for.
pub const X_PROJECT_ID: &str = "x-project-id";
/// `X-Request-Id`: the id of a request, in every answer.
pub const X_REQUEST_ID: &str = "x-request-id";
/// `X-Subject-Token`: the token in an IAM answer.
pub const X_SUBJECT_TOKEN: &str = "x-subject-token";

/// The `Content-Type` of every request.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// The `User-Agent` of every request.
pub const DEFAULT_USER_AGENT: &str = concat!("sparkrtc-rust/", env!("CARGO_PKG_VERSION"));

/// `X-Rtc-Rand`: the random part of a recording callback's signature.
pub const X_RTC_RAND: &str = "x-rtc-rand";
/// `X-Rtc-Timestamp`: when a recording callback was sent.
pub const X_RTC_TIMESTAMP: &str = "x-rtc-timestamp";
/// `X-Rtc-Signature`: a recording callback's signature.
pub const X_RTC_SIGNATURE: &str = "x-rtc-signature";
