//! What a [`Throttle`](super::Throttle) enforces: the limits per category,
//! the backoff after a 429, the cap on server-imposed waits, the seed.

use std::time::Duration;

use super::{RateLimit, ThrottleCategory};
use crate::Error;

/// The most requests a configured window may hold: `8 * 65_536` bytes (512 KiB)
/// of log per scope.
pub const MAX_REQUESTS_PER_WINDOW: u32 = 1 << 16;

/// The longest configurable window (one day). A server-reported limit per
/// day or longer is a quota: [`Throttle::on_response`](super::Throttle::on_response) reports it as
/// [`Error::QuotaExhausted`].
pub const MAX_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The default cap on a server-imposed wait (`Retry-After`): 5 minutes.
///
/// Five times the longest documented window (one minute), so any honest
/// throttling answer fits, while a wrong or hostile header cannot stall a scope
/// for hours. Change it with [`ThrottleConfig::with_max_server_wait`].
pub const DEFAULT_MAX_SERVER_WAIT: Duration = Duration::from_secs(5 * 60);

/// The default backoff after a 429 without `Retry-After`: uniformly between 2
/// and 5 s, the wait Huawei Cloud's `APIG.0308` guidance recommends.
pub const DEFAULT_BACKOFF: (Duration, Duration) = (Duration::from_secs(2), Duration::from_secs(5));

/// The limits a [`Throttle`](super::Throttle) enforces and how it reacts to a 429.
///
/// Starts from the documented limits
/// ([`ThrottleCategory::documented_limit`]); override a category for a raised
/// quota or a stricter self-imposed one.
///
/// ```
/// use std::time::Duration;
/// use sparkrtc::throttle::ThrottleConfig;
/// use sparkrtc::throttle::{RateLimit, ThrottleCategory};
///
/// let config = ThrottleConfig::documented()
///     .with_limit(
///         ThrottleCategory::StatisticalAnalysis,
///         RateLimit { requests: 120, window: Duration::from_secs(60) },
///     )?
///     .with_seed(42);
/// assert_eq!(config.limit(ThrottleCategory::StatisticalAnalysis).requests, 120);
/// assert_eq!(config.limit(ThrottleCategory::ObsBucketManagement).requests, 2);
/// # Ok::<(), sparkrtc::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleConfig {
    limits: [RateLimit; ThrottleCategory::ALL.len()],
    backoff: (Duration, Duration),
    max_server_wait: Duration,
    seed: u64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig::documented()
    }
}

impl ThrottleConfig {
    /// The documented limits, the 2 to 5 s default backoff, a 5-minute cap on
    /// server waits, seed 0.
    pub fn documented() -> ThrottleConfig {
        let mut limits = [ThrottleCategory::ALL[0].documented_limit(); ThrottleCategory::ALL.len()];
        for (slot, category) in limits.iter_mut().zip(ThrottleCategory::ALL) {
            *slot = category.documented_limit();
        }
        ThrottleConfig {
            limits,
            backoff: DEFAULT_BACKOFF,
            max_server_wait: DEFAULT_MAX_SERVER_WAIT,
            seed: 0,
        }
    }

    /// Overrides one category's limit.
    ///
    /// `requests` must be 1 to [`MAX_REQUESTS_PER_WINDOW`] and `window` from
    /// 1 ns to [`MAX_WINDOW`]; anything else is an
    /// [`Error::InvalidParameter`].
    pub fn with_limit(
        mut self,
        category: ThrottleCategory,
        limit: RateLimit,
    ) -> Result<Self, Error> {
        validate_limit(limit)?;
        if let Some(slot) = self.limits.get_mut(category as usize) {
            *slot = limit;
        }
        Ok(self)
    }

    /// The limit enforced for `category`.
    pub fn limit(&self, category: ThrottleCategory) -> RateLimit {
        self.limits
            .get(category as usize)
            .copied()
            .unwrap_or_else(|| category.documented_limit())
    }

    /// The backoff after a 429 without a usable `Retry-After`: uniform in
    /// `min..=max`. Fails unless `min <= max`. Waits above the
    /// [server-wait cap](ThrottleConfig::with_max_server_wait) are cut to it.
    pub fn with_default_backoff(mut self, min: Duration, max: Duration) -> Result<Self, Error> {
        if min > max {
            return Err(Error::invalid(
                "throttle.default_backoff",
                "the minimum is above the maximum",
            ));
        }
        self.backoff = (min, max);
        Ok(self)
    }

    /// The longest a server answer may block a scope (default
    /// [`DEFAULT_MAX_SERVER_WAIT`]); at most [`MAX_WINDOW`]. A longer
    /// `Retry-After` is cut to it.
    pub fn with_max_server_wait(mut self, cap: Duration) -> Self {
        self.max_server_wait = cap.min(MAX_WINDOW);
        self
    }

    /// The seed of the backoff jitter. Give each process its own so that
    /// clients throttled together do not retry together.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The default backoff range.
    pub fn default_backoff(&self) -> (Duration, Duration) {
        self.backoff
    }

    /// The cap on server-imposed waits.
    pub fn max_server_wait(&self) -> Duration {
        self.max_server_wait
    }

    /// The jitter seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

pub(super) fn validate_limit(limit: RateLimit) -> Result<(), Error> {
    if limit.requests == 0 || limit.requests > MAX_REQUESTS_PER_WINDOW {
        return Err(Error::invalid(
            "throttle.limit.requests",
            format!("must be 1 to {MAX_REQUESTS_PER_WINDOW}"),
        ));
    }
    if limit.window.is_zero() || limit.window > MAX_WINDOW {
        return Err(Error::invalid(
            "throttle.limit.window",
            "must be more than zero and at most one day",
        ));
    }
    Ok(())
}
