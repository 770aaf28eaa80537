//! Where the client's throttle lives: in this process ([`LocalPacer`]), or
//! anywhere else that implements [`Pacer`] (a fleet-wide store, say: the
//! `fleet` module's `RedisPacer`, feature `redis`).
//!
//! The [`Client`](crate::client::Client) paces through a `Pacer`, and the
//! fleet's pacer implements one and falls back to a `LocalPacer`; both use
//! this module, which uses neither. The client re-exports both names
//! (`sparkrtc::client::{LocalPacer, Pacer}`).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use http::{HeaderMap, StatusCode};

use crate::throttle::{Admission, Scope, Throttle, ThrottleConfig};
use crate::Error;

/// A throttle the client can share between threads: it admits a send or
/// says how long to wait, and learns from every response.
///
/// [`LocalPacer`] wraps the crate's [`Throttle`]. Another implementation
/// (shared through a store by several processes) keeps the same contract:
/// never more than the scope's limit in any window, exact waits, a 429's
/// `Retry-After` held for the whole scope.
pub trait Pacer: Send + Sync {
    /// Admits a send for `scope` at `now` (the client's monotonic time), or
    /// says how long to wait before asking again.
    fn acquire(&self, scope: Scope, now: Duration) -> Result<Admission, Error>;

    /// Folds a response into `scope`'s pacing. A daily quota used up is
    /// [`Error::QuotaExhausted`].
    fn on_response(
        &self,
        scope: Scope,
        now: Duration,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), Error>;
}

/// The in-process pacer: one [`Throttle`] behind a mutex.
///
/// ```
/// use std::time::Duration;
/// use sparkrtc::pacer::{LocalPacer, Pacer};
/// use sparkrtc::throttle::{Admission, Scope, ThrottleCategory, ThrottleConfig};
///
/// let pacer = LocalPacer::new(ThrottleConfig::documented());
/// let scope = Scope::new(ThrottleCategory::ObsBucketManagement); // 2 per second
/// assert_eq!(pacer.acquire(scope, Duration::ZERO)?, Admission::Send);
/// assert_eq!(pacer.acquire(scope, Duration::ZERO)?, Admission::Send);
/// assert_eq!(pacer.acquire(scope, Duration::ZERO)?, Admission::Wait(Duration::from_secs(1)));
/// # Ok::<(), sparkrtc::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct LocalPacer {
    throttle: Mutex<Throttle>,
}

impl LocalPacer {
    /// A pacer enforcing `config`.
    pub fn new(config: ThrottleConfig) -> Self {
        LocalPacer {
            throttle: Mutex::new(Throttle::new(config)),
        }
    }

    /// Runs `f` on the throttle (for inspection, pruning).
    pub fn with_throttle<R>(&self, f: impl FnOnce(&mut Throttle) -> R) -> R {
        let mut throttle = self.throttle.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut throttle)
    }
}

impl Pacer for LocalPacer {
    fn acquire(&self, scope: Scope, now: Duration) -> Result<Admission, Error> {
        Ok(self.with_throttle(|t| t.acquire(scope, now)))
    }

    fn on_response(
        &self,
        scope: Scope,
        now: Duration,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), Error> {
        self.with_throttle(|t| t.on_response(scope, now, status, headers, body))
            .map(drop)
    }
}
