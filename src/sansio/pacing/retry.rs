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
//! # How long to wait
//!
//! Throttling and failures back off apart, each from its own base. After
//! attempt `k` fails:
//!
//! | failure | delay before attempt `k + 1` (defaults) |
//! |---|---|
//! | 429 for a rate (`APIG.0308`) | the longer of what the service said and `0..=min(10 s, 1 s * 2^(k-1))`, jittered ([`throttling_backoff`](RetryPolicy::throttling_backoff)) |
//! | 429 for a daily quota | none: the call stops at once ([`StopReason::QuotaExhausted`]) |
//! | 500, 502, 503, 504, connection failures, timeouts | `0..=min(10 s, 500 ms * 2^(k-1))`, jittered ([`backoff`](RetryPolicy::backoff)); a 503 with `Retry-After` also holds the scope until then |
//!
//! "What the service said" is kept by the [`Throttle`](super::throttle::Throttle)
//! (or any [`Pacer`](crate::pacer::Pacer)), not here: a 429's
//! `Retry-After` blocks the scope until then, a limit its message names
//! (`limit:60,time:1 minute`) is kept as the scope's window when it is
//! stricter than the configured one, and a 429 without `Retry-After`
//! blocks the scope for the throttle's default backoff (2 to 5 s,
//! jittered). The delay here is slept first, then acquiring the scope waits
//! out whatever is left of the block (see
//! [the drive loop](crate#the-drive-loop)): the longer of the two. A client
//! that fails fast
//! ([`ClientBuilder::max_throttle_wait`](crate::client::ClientBuilder::max_throttle_wait))
//! ends the call at once with [`Error::Throttled`] instead when that wait
//! is past its bound.
//!
//! The jitter is full: uniform in the range, drawn from the seed. The
//! policy stops after `max_attempts` attempts, or when the delay would take
//! the total past `max_elapsed`. Bases and ceilings are set with
//! [`RetryPolicy::with_backoff`] and [`RetryPolicy::with_throttling_backoff`].
//!
//! **Every retry is a new request**: build and sign it again, so that it
//! carries a fresh date (`X-Sdk-Date`); a replayed signature goes stale.
//!
//! # Across calls: the retry budget
//!
//! The policy decides about one call. During an outage every call would
//! retry in full, and the service would meet `max_attempts` times its load
//! when it tries to recover; a [`RetryBudget`] bounds the retries all calls
//! of a client make together (a retry costs tokens, a success gives some
//! back; first attempts are never refused). The
//! [`Client`](crate::client::Client) keeps one, on by default, and asks it
//! after the policy said `Retry`: a refusal ends the call with
//! [`StopReason::BudgetExhausted`] ([`Error::RetryBudgetExhausted`]). See
//! [`RetryBudget`] for its arithmetic and defaults.
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
//! assert!(d <= Duration::from_secs(1)); // the throttling base
//! let unavailable = Outcome::Status { status: 503, error_code: None };
//! let RetryDecision::Retry(d) = policy.decide(OperationId::ShowMixJob, 1, Duration::ZERO, unavailable, 7) else {
//!     panic!("a 503 is retried");
//! };
//! assert!(d <= Duration::from_millis(500)); // the base of failures
//!
//! // A timeout after sending: fine to repeat a read, not a job creation.
//! let read = policy.decide(OperationId::ShowMixJob, 1, Duration::ZERO, Outcome::Timeout, 7);
//! assert!(matches!(read, RetryDecision::Retry(_)));
//! let create = policy.decide(OperationId::CreateMixJob, 1, Duration::ZERO, Outcome::Timeout, 7);
//! assert_eq!(create, RetryDecision::Stop(StopReason::Ambiguous));
//! ```

use std::time::Duration;

use super::{nanos, splitmix64, uniform};

pub use super::budget::{
    RetryBudget, RetryKind, DEFAULT_BUDGET_CAPACITY, DEFAULT_RETRY_COST, DEFAULT_SUCCESS_REFILL,
    DEFAULT_THROTTLED_RETRY_COST,
};
use crate::throttle::is_quota_message;
use crate::transport::TransportErrorKind;
use crate::{ApiError, Error, OperationId};

/// Default: attempts in all, the first included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 4;
/// Default: the ceiling of the first retry's delay after a failure (a
/// 5xx, a connection failure, a timeout).
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(500);
/// Default: the largest delay after a failure.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(10);
/// Default: the ceiling of the first retry's delay after a 429 (throttled
/// for a rate), before the wait the service asked for.
pub const DEFAULT_THROTTLING_BASE_DELAY: Duration = Duration::from_secs(1);
/// Default: the largest delay after a 429.
pub const DEFAULT_THROTTLING_MAX_DELAY: Duration = Duration::from_secs(10);
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
    /// The policy would retry, but the client's [`RetryBudget`] cannot pay
    /// for it: too many retries across calls lately (an outage, most
    /// likely). Not a decision of [`RetryPolicy::decide`]: the
    /// [`Client`](crate::client::Client) makes it after.
    BudgetExhausted,
}

/// The retry policy: which failures to retry, how long to wait, when to give
/// up. See the [module documentation](self) for the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    throttling_base_delay: Duration,
    throttling_max_delay: Duration,
    max_elapsed: Duration,
    ambiguous_retries: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::new()
    }
}

impl RetryPolicy {
    /// The defaults: 4 attempts, delays from 500 ms doubling up to 10 s
    /// after failures and from 1 s doubling up to 10 s after 429s, 60 s in
    /// all, no ambiguous retries of unsafe operations.
    pub const fn new() -> RetryPolicy {
        RetryPolicy {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            base_delay: DEFAULT_BASE_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            throttling_base_delay: DEFAULT_THROTTLING_BASE_DELAY,
            throttling_max_delay: DEFAULT_THROTTLING_MAX_DELAY,
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

    /// After a failure (a 5xx, a connection failure, a timeout): the delay
    /// ceiling after the first attempt, doubling per attempt up to `max`
    /// (`base` is cut to `max`).
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base.min(max);
        self.max_delay = max;
        self
    }

    /// After a 429 for a rate: the delay ceiling after the first attempt,
    /// doubling per attempt up to `max` (`base` is cut to `max`). The
    /// client waits the longer of this delay and the service's own
    /// (`Retry-After`, kept by the throttle).
    pub fn with_throttling_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.throttling_base_delay = base.min(max);
        self.throttling_max_delay = max;
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
        let delay = match RetryKind::of(outcome) {
            RetryKind::Throttled => self.throttling_backoff(attempt, seed),
            RetryKind::Failure => self.backoff(attempt, seed),
        };
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

    /// The delay after attempt `attempt` (from 1) failed, before the
    /// limits: uniform in `0..=min(max_delay, base * 2^(attempt-1))`, drawn
    /// from the `attempt`-th SplitMix64 output of `seed`.
    pub fn backoff(&self, attempt: u32, seed: u64) -> Duration {
        jittered(self.base_delay, self.max_delay, attempt, seed)
    }

    /// [`backoff`](Self::backoff) after a 429, from the throttling base and
    /// ceiling ([`with_throttling_backoff`](Self::with_throttling_backoff)).
    pub fn throttling_backoff(&self, attempt: u32, seed: u64) -> Duration {
        jittered(
            self.throttling_base_delay,
            self.throttling_max_delay,
            attempt,
            seed,
        )
    }
}

/// Uniform in `0..=min(max, base * 2^(attempt-1))`, drawn from the
/// `attempt`-th SplitMix64 output of `seed`.
fn jittered(base: Duration, max: Duration, attempt: u32, seed: u64) -> Duration {
    let attempt = attempt.max(1);
    let shift = attempt - 1;
    let base = nanos(base);
    let max = nanos(max);
    let ceiling = if shift >= 63 {
        max
    } else {
        base.saturating_mul(1u64 << shift).min(max)
    };
    let r = splitmix64(seed.wrapping_add(u64::from(attempt).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    Duration::from_nanos(uniform(r, 0, ceiling))
}
