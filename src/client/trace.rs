//! What the client tells `tracing` (feature `tracing`; with `log`, the same
//! events reach `log` through tracing's compatibility layer): a span per
//! call and an event per attempt, target `sparkrtc`, at debug level.
//!
//! - span `call`: `operation` (the upstream name, `ListApps`), `category`
//!   (the throttle category, `application_management`);
//! - event `attempt`, in that span: `operation`, `attempt` (1, 2, ...),
//!   `status` (the HTTP status, absent when no response came), `request_id`
//!   (the server's `X-Request-Id`, when it gave one), `wait_ms` (time waited
//!   for the throttle before this attempt), and on a failure `error` (its
//!   kind: `api`, `transport_timeout`, ...; see [`error_kind`]),
//!   `error_code` (the service's code, `APIG.0308`) and either `retry_in_ms`
//!   (the delay before the next attempt; 0 for an immediate re-signing after
//!   a clock-skew error) or `stop` (why the call gives up: a
//!   [`StopReason`](crate::retry::StopReason), `BudgetExhausted` when the
//!   retry budget refused the retry the policy wanted).
//!
//! Never a header other than the request id, a body, a message, a
//! credential or a signature. Without the feature every function here is
//! empty and the call sites compile to nothing; with it, a disabled level
//! costs an atomic load, and no field is computed.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

use crate::retry::RetryDecision;
use crate::{Error, OperationId};

/// The span of one call, entered until it is dropped.
#[cfg(feature = "tracing")]
pub(super) type CallSpan = tracing::span::EnteredSpan;
/// Nothing, without the feature.
#[cfg(not(feature = "tracing"))]
pub(super) struct CallSpan;

/// Opens and enters the span of a call of `id`.
#[cfg(feature = "tracing")]
pub(super) fn call(id: OperationId) -> CallSpan {
    let info = id.info();
    tracing::debug_span!(
        target: "sparkrtc",
        "call",
        operation = info.name,
        category = info.category.name(),
    )
    .entered()
}

#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(super) fn call(_: OperationId) -> CallSpan {
    CallSpan
}

/// An attempt that brought a successful answer.
#[cfg(feature = "tracing")]
pub(super) fn succeeded(
    id: OperationId,
    attempt: u32,
    waited: Duration,
    status: StatusCode,
    headers: &HeaderMap,
) {
    tracing::debug!(
        target: "sparkrtc",
        operation = id.info().name,
        attempt,
        status = status.as_u16(),
        request_id = request_id(headers),
        wait_ms = millis(waited),
        "attempt"
    );
}

#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(super) fn succeeded(_: OperationId, _: u32, _: Duration, _: StatusCode, _: &HeaderMap) {}

/// An attempt that failed with `error`, and what comes next: `Some` of the
/// retry decision (a stop of [`StopReason::BudgetExhausted`](crate::retry::StopReason::BudgetExhausted)
/// when the policy would retry and the retry budget cannot pay), or `None`
/// when the call ends at once (the pacer's own error, or a retry that would
/// wait for the throttle longer than the client's bound).
#[cfg(feature = "tracing")]
pub(super) fn failed(
    id: OperationId,
    attempt: u32,
    waited: Duration,
    error: &Error,
    next: Option<RetryDecision>,
) {
    let (retry_in_ms, stop) = match next {
        Some(RetryDecision::Retry(d)) => (Some(millis(d)), None),
        Some(RetryDecision::Stop(reason)) => (None, Some(tracing::field::debug(reason))),
        None => (None, None),
    };
    tracing::debug!(
        target: "sparkrtc",
        operation = id.info().name,
        attempt,
        status = error.status().map(|s| s.as_u16()),
        request_id = error.request_id(),
        wait_ms = millis(waited),
        error = error_kind(error),
        error_code = error.api().and_then(|e| e.error_code.as_deref()),
        retry_in_ms,
        stop,
        "attempt"
    );
}

#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(super) fn failed(_: OperationId, _: u32, _: Duration, _: &Error, _: Option<RetryDecision>) {}

/// A duration in milliseconds, fractions kept.
#[cfg(feature = "tracing")]
fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The `X-Request-Id` header as text, without copying it.
#[cfg(feature = "tracing")]
fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(crate::headers::X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
}

/// The kind of an error as a short stable name: the variant of [`Error`],
/// and for a transport error its [`TransportErrorKind`](crate::transport::TransportErrorKind).
#[cfg(feature = "tracing")]
pub(super) fn error_kind(error: &Error) -> &'static str {
    use crate::transport::TransportErrorKind;
    match error {
        Error::InvalidParameter { .. } => "invalid_parameter",
        Error::UnknownOperation(_) => "unknown_operation",
        Error::InvalidEndpoint(_) => "invalid_endpoint",
        Error::Api(_) => "api",
        Error::Decode(_) => "decode",
        Error::QuotaExhausted(_) => "quota_exhausted",
        Error::InvalidCredentials(_) => "invalid_credentials",
        Error::InvalidHeader { .. } => "invalid_header",
        Error::BodyTooLarge { .. } => "body_too_large",
        Error::PacerUnavailable(_) => "pacer_unavailable",
        Error::Transport(e) => match e.kind() {
            TransportErrorKind::NotSent => "transport_not_sent",
            TransportErrorKind::Timeout => "transport_timeout",
            TransportErrorKind::FailedAfterSend => "transport_failed_after_send",
            TransportErrorKind::BodyTooLarge => "transport_body_too_large",
        },
        Error::DeadlineExceeded { .. } => "deadline_exceeded",
        Error::RetryBudgetExhausted { .. } => "retry_budget_exhausted",
        Error::Throttled { .. } => "throttled",
    }
}
