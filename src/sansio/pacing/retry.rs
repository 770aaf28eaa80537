//! When to try a failed call again: a pure, deterministic retry policy.
//!
//! [`RetryPolicy::decide`] takes the operation, the attempt number, the time
//! spent so far, what went wrong ([`Outcome`]) and a seed, and answers
//! [`RetryDecision::Retry`]`(delay)` or [`RetryDecision::Stop`]`(reason)`.
//! It reads no clock and draws no random numbers: the jitter is the
//! `attempt`-th value of the SplitMix64 stream of the caller's seed.
//!
//! What is retried, by default:
//!
//! | outcome | safe to repeat (GET, PUT, DELETE, state-setting POST) | creates a job or app (`retry_safe: false`) |
//! |---|---|---|
//! | 429, 500, 502, 503 | retry | retry |
//! | 504 (the gateway timed out waiting for the service) | retry | stop ([`StopReason::Ambiguous`]) |
//! | connection failed before sending ([`Outcome::NotSent`]) | retry | retry |
//! | failed after sending, timeout | retry | stop ([`StopReason::Ambiguous`]) |
//! | other statuses, other errors | stop | stop |
//! | daily quota used up | stop | stop |
//!
//! "Safe to repeat" is [`OperationInfo::retry_safe`](crate::OperationInfo::retry_safe).
//! An ambiguous failure may have taken effect: repeating `CreateMixJob` could
//! start a second recording job, so it is not repeated unless the caller opts
//! in with [`RetryPolicy::with_ambiguous_retries`] (say, once it has checked
//! that no job started). A 504 counts as ambiguous for the same reason: the
//! request reached the service, which may still be acting on it.
//!
//! Delays grow exponentially with full jitter: after attempt `k`, uniform in
//! `0..=min(max_delay, base * 2^(k-1))`. The policy stops after
//! `max_attempts` attempts, or when the delay would take the total past
//! `max_elapsed`.
//!
//! **Every retry is a new request**: build and sign it again, so that it
//! carries a fresh date (`X-Sdk-Date`); a replayed signature goes stale.
//!
//! The delay here does not read `Retry-After`: the
//! [`Throttle`](super::throttle::Throttle) does, and holds the scope until
//! then. Sleep the delay, then acquire, which waits out whatever is left of
//! the server's block (see [the drive loop](crate#the-drive-loop)).
//!
//! ```
//! use std::time::Duration;
//! use sparkrtc::retry::{Outcome, RetryDecision, RetryPolicy, StopReason};
//! use sparkrtc::OperationId;
//!
//! let policy = RetryPolicy::default();
//! let throttled = Outcome::Status { status: 429, error_code: Some("APIG.0308") };
//! let RetryDecision::Retry(d) = policy.decide(OperationId::CreateMixJob, 1, Duration::ZERO, throttled, 7) else {
//!     panic!("a 429 is retried");
//! };
//! assert!(d <= Duration::from_millis(500));
//!
//! // A timeout after sending: fine to repeat a read, not a job creation.
//! let read = policy.decide(OperationId::ShowMixJob, 1, Duration::ZERO, Outcome::Timeout, 7);
//! assert!(matches!(read, RetryDecision::Retry(_)));
//! let create = policy.decide(OperationId::CreateMixJob, 1, Duration::ZERO, Outcome::Timeout, 7);
//! assert_eq!(create, RetryDecision::Stop(StopReason::Ambiguous));
//! ```

use std::time::Duration;

use super::{nanos, splitmix64, uniform};
use crate::throttle::is_quota_message;
use crate::transport::TransportErrorKind;
use crate::{ApiError, Error, OperationId};

/// Default: attempts in all, the first included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 4;
/// Default: the ceiling of the first retry's delay.
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(500);
/// Default: the largest delay.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(10);
/// Default: no retry would start later than this after the first attempt.
pub const DEFAULT_MAX_ELAPSED: Duration = Duration::from_secs(60);

/// What happened to an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome<'a> {
    /// The service answered with this (non-2xx) status and error code.
    Status {
        /// HTTP status.
        status: u16,
        /// The service's error code (`APIG.0308`, `RTC.00001`, ...), if any.
        error_code: Option<&'a str>,
    },
    /// A daily (or longer) quota is used up ([`Error::QuotaExhausted`]).
    QuotaExhausted,
    /// The connection failed before any of the request was written: name
    /// resolution, connection refused or timed out, TLS handshake. The
    /// service cannot have seen the request.
    NotSent,
    /// The connection failed after the request was (or may have been)
    /// written: reset, broken pipe, closed before a complete response. The
    /// service may have acted on it.
    FailedAfterSend,
    /// The request was sent and no complete response came in time. The
    /// service may have acted on it.
    Timeout,
    /// Any other error (an invalid parameter, a 2xx body that does not
    /// decode): repeating the call does not help.
    Other,
}

impl<'a> From<&'a ApiError> for Outcome<'a> {
    /// [`Outcome::Status`], or [`Outcome::QuotaExhausted`] for a 429 whose
    /// message names a daily quota ([`is_quota_message`]).
    fn from(error: &'a ApiError) -> Self {
        let quota = error.status == 429 && error.error_msg.as_deref().is_some_and(is_quota_message);
        if quota {
            return Outcome::QuotaExhausted;
        }
        Outcome::Status {
            status: error.status,
            error_code: error.error_code.as_deref(),
        }
    }
}

impl<'a> From<&'a Error> for Outcome<'a> {
    /// [`Error::Api`] is read as an [`ApiError`] (above),
    /// [`Error::QuotaExhausted`] is [`Outcome::QuotaExhausted`],
    /// [`Error::Transport`] is [`Outcome::NotSent`], [`Outcome::Timeout`] or
    /// [`Outcome::FailedAfterSend`] by its kind, every other error
    /// [`Outcome::Other`].
    fn from(error: &'a Error) -> Self {
        match error {
            Error::Api(e) => Outcome::from(&**e),
            Error::QuotaExhausted(_) => Outcome::QuotaExhausted,
            Error::Transport(e) => match e.kind() {
                TransportErrorKind::NotSent => Outcome::NotSent,
                TransportErrorKind::Timeout => Outcome::Timeout,
                TransportErrorKind::FailedAfterSend => Outcome::FailedAfterSend,
                // A complete answer came; repeating brings the same one.
                _ => Outcome::Other,
            },
            _ => Outcome::Other,
        }
    }
}

/// The answer of [`RetryPolicy::decide`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use]
pub enum RetryDecision {
    /// Build, sign and send the call again after this delay.
    Retry(Duration),
    /// Give up and report the failure.
    Stop(StopReason),
}

/// Why [`RetryPolicy::decide`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// The failure is not transient (a 4xx other than 429, a decode error...).
    NotRetryable,
    /// The call may have taken effect and the operation is not safe to repeat.
    Ambiguous,
    /// A daily quota is used up.
    QuotaExhausted,
    /// `max_attempts` attempts were made.
    AttemptsExhausted,
    /// The delay would end after `max_elapsed`.
    OutOfTime,
}

/// The retry policy: which failures to retry, how long to wait, when to give
/// up. See the [module documentation](self) for the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_elapsed: Duration,
    ambiguous_retries: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::new()
    }
}

impl RetryPolicy {
    /// The defaults: 4 attempts, delays from 500 ms doubling up to 10 s, 60 s
    /// in all, no ambiguous retries of unsafe operations.
    pub const fn new() -> RetryPolicy {
        RetryPolicy {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            base_delay: DEFAULT_BASE_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            max_elapsed: DEFAULT_MAX_ELAPSED,
            ambiguous_retries: false,
        }
    }

    /// A policy that never retries.
    pub const fn never() -> RetryPolicy {
        RetryPolicy::new().with_max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub const fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = if attempts == 0 { 1 } else { attempts };
        self
    }

    /// The delay ceiling after the first attempt, doubling per attempt up to
    /// `max` (`base` is cut to `max`).
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base.min(max);
        self.max_delay = max;
        self
    }

    /// The time after the first attempt's start past which no retry is made.
    pub const fn with_max_elapsed(mut self, max: Duration) -> Self {
        self.max_elapsed = max;
        self
    }

    /// Whether to retry ambiguous failures (timeout or failure after sending,
    /// 504) of operations that are not safe to repeat, such as `CreateMixJob`.
    /// Off by default: a repeat may create a second job.
    pub const fn with_ambiguous_retries(mut self, allow: bool) -> Self {
        self.ambiguous_retries = allow;
        self
    }

    /// Attempts in all.
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Decides about a failed attempt.
    ///
    /// `attempt` is the number of the attempt that failed (1 for the first;
    /// 0 reads as 1); `elapsed` is the time since the first attempt started,
    /// on the caller's clock; `seed` spreads the jitter (any value; the same
    /// inputs give the same answer).
    pub fn decide(
        &self,
        operation: OperationId,
        attempt: u32,
        elapsed: Duration,
        outcome: Outcome<'_>,
        seed: u64,
    ) -> RetryDecision {
        if let Some(reason) = self.refusal(operation, outcome) {
            return RetryDecision::Stop(reason);
        }
        if attempt.max(1) >= self.max_attempts {
            return RetryDecision::Stop(StopReason::AttemptsExhausted);
        }
        let delay = self.backoff(attempt, seed);
        if elapsed.saturating_add(delay) > self.max_elapsed {
            return RetryDecision::Stop(StopReason::OutOfTime);
        }
        RetryDecision::Retry(delay)
    }

    /// Why `outcome` of `operation` is not retried at all, if it is not.
    pub fn refusal(&self, operation: OperationId, outcome: Outcome<'_>) -> Option<StopReason> {
        let repeatable = operation.retry_safe() || self.ambiguous_retries;
        let ambiguous = || (!repeatable).then_some(StopReason::Ambiguous);
        match outcome {
            Outcome::Status { status, .. } => match status {
                429 | 500 | 502 | 503 => None,
                504 => ambiguous(),
                _ => Some(StopReason::NotRetryable),
            },
            Outcome::NotSent => None,
            Outcome::FailedAfterSend | Outcome::Timeout => ambiguous(),
            Outcome::QuotaExhausted => Some(StopReason::QuotaExhausted),
            Outcome::Other => Some(StopReason::NotRetryable),
        }
    }

    /// The delay after attempt `attempt` (from 1), before the limits: uniform
    /// in `0..=min(max_delay, base * 2^(attempt-1))`, drawn from the
    /// `attempt`-th SplitMix64 output of `seed`.
    pub fn backoff(&self, attempt: u32, seed: u64) -> Duration {
        let attempt = attempt.max(1);
        let shift = attempt - 1;
        let base = nanos(self.base_delay);
        let max = nanos(self.max_delay);
        let ceiling = if shift >= 63 {
            max
        } else {
            base.saturating_mul(1u64 << shift).min(max)
        };
        let r =
            splitmix64(seed.wrapping_add(u64::from(attempt).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        Duration::from_nanos(uniform(r, 0, ceiling))
    }
}
