//! Client-side pacing: an exact, deterministic throttle calculator.
//!
//! SparkRTC answers HTTP 429 (`APIG.0308`, "The throttling threshold has been
//! reached: policy user over ratelimit,limit:60,time:1 minute") to calls above
//! its documented limits. [`Throttle`] keeps each [`Scope`] under its limit
//! before sending, and folds the server's answers back in:
//!
//! - [`Throttle::acquire`]`(scope, now)` answers [`Admission::Send`] (and
//!   records the send) or [`Admission::Wait`]`(d)`: acquiring again at
//!   `now + d` succeeds, at `now + d - 1 ns` it does not (absent other events
//!   on the scope).
//! - [`Throttle::on_response`]`(scope, now, status, headers, body)` reads a
//!   429: it blocks the scope until its `Retry-After` (or for the default 2 to
//!   5 s backoff when there is none), learns a stricter limit named in the
//!   message, and turns a daily-quota answer into
//!   [`Error::QuotaExhausted`].
//!
//! Nothing here reads a clock, sleeps or draws random numbers: `now` is the
//! caller's monotonic time (a [`Duration`] since any origin it chooses, say
//! the `Instant` it started at), and the backoff jitter comes from the seed in
//! [`ThrottleConfig::with_seed`]. Same inputs, same answers.
//!
//! # The guarantee
//!
//! Each scope keeps a sliding-window log ([`Window`]) of its last `N`
//! admissions, `N` being the category's limit. A call is admitted only when
//! the `N`-th most recent admission is at least `W` old, so **no half-open
//! window of length `W` ever holds more than `N` admissions**, while the full
//! burst of `N` and the full sustained rate `N / W` are both available. (A
//! token bucket or GCRA with a burst of `N` does not give this: `governor`'s
//! `Quota::per_minute(60)` admits 119 calls within one 60 s window.)
//!
//! # The drive loop
//!
//! Acquire before signing and sending, feed every response back, and let
//! [`RetryPolicy`](crate::retry::RetryPolicy) decide about failures: the
//! [crate documentation](crate#the-drive-loop) has the loop, worked.
//!
//! # Memory
//!
//! A scope costs one hash-table slot of [`Throttle::SLOT_BYTES`] bytes
//! ([`Scope`], 16 bytes, and [`Window`], 64 bytes, plus one control byte), and
//! a log of `8 * N` bytes on the heap: 480 bytes for a 60-per-minute category,
//! 80 for 10 per second. With the documented limits a scope is at most
//! `81 + 480 = 561` bytes, plus the table's spare slots (it has a power of two
//! of them, at most 7/8 used: 2,048 slots for 1,000 scopes, so 166 bytes of
//! table per scope there). Scopes are created on first use and never grow;
//! [`Throttle::prune`] forgets the idle ones; [`Throttle::memory_bytes`]
//! tells the total.

mod category;
mod config;
mod feedback;
mod scope;
mod window;

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

pub use category::{RateLimit, ThrottleCategory};
pub use config::{
    ThrottleConfig, DEFAULT_BACKOFF, DEFAULT_MAX_SERVER_WAIT, MAX_REQUESTS_PER_WINDOW, MAX_WINDOW,
};
pub use feedback::{is_quota_message, parse_limit_message, retry_after, Feedback};
pub use scope::{CredentialId, Scope};
pub use window::{learned_constraint, Admission, Window};

use crate::sansio::pacing::{nanos, MAX_TIME_NS};
use crate::Error;
use scope::ScopeHasher;

/// The latest time the calculators tell apart: `2^63 - 1` ns (about 292
/// years) after the caller's origin. Later times are clamped to it, so that no
/// sum of a time and a wait can overflow; a throttle that reaches it stays
/// there, admitting nothing once a window is full.
pub const MAX_TIME: Duration = Duration::from_nanos(MAX_TIME_NS);

/// What a throttling answer did to a scope, from [`Throttle::on_response`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Blocked {
    /// How long from `now` the scope is blocked (the longest of this and any
    /// earlier block).
    pub wait: Duration,
    /// What this answer asked for.
    pub cause: BlockCause,
    /// Whether the wait asked for (by `Retry-After`, or the configured
    /// backoff) was longer than the
    /// [cap](ThrottleConfig::with_max_server_wait) and cut to it.
    pub capped: bool,
    /// The limit named in the `APIG.0308` message (`limit:60,time:1 minute`), if any.
    pub server_limit: Option<RateLimit>,
}

/// Where a block's length came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BlockCause {
    /// The `Retry-After` header.
    RetryAfter,
    /// No usable `Retry-After`: the default backoff with jitter.
    DefaultBackoff,
}

/// Paces calls per [`Scope`] under the configured limits; see the
/// [module documentation](self) for the guarantee.
///
/// ```
/// use std::time::Duration;
/// use sparkrtc::throttle::{Admission, Scope, Throttle};
/// use sparkrtc::OperationId;
///
/// let mut throttle = Throttle::default();
/// let scope = Scope::of(OperationId::CreateMixJob); // 10 per second
/// let t0 = Duration::from_secs(100);
/// for _ in 0..10 {
///     assert_eq!(throttle.acquire(scope, t0), Admission::Send);
/// }
/// assert_eq!(throttle.acquire(scope, t0), Admission::Wait(Duration::from_secs(1)));
/// assert!(throttle.acquire(scope, t0 + Duration::from_secs(1)).is_send());
/// ```
///
/// Time is one clock for all scopes: a `now` earlier than one seen before (by
/// any call but [`check`](Throttle::check)) is treated as that later time,
/// while waits are still measured from the `now` given.
#[derive(Clone, Debug, Default)]
pub struct Throttle {
    config: ThrottleConfig,
    scopes: HashMap<Scope, Window, BuildHasherDefault<ScopeHasher>>,
    /// The latest time seen (ns).
    latest: u64,
}

impl Throttle {
    /// Bytes of one scope's table slot: key, [`Window`] and one control byte.
    /// Add the log, `8 * N` bytes.
    pub const SLOT_BYTES: usize = std::mem::size_of::<Scope>() + std::mem::size_of::<Window>() + 1;

    /// A throttle enforcing `config`.
    pub fn new(config: ThrottleConfig) -> Throttle {
        Throttle {
            config,
            scopes: HashMap::default(),
            latest: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ThrottleConfig {
        &self.config
    }

    /// Admits and records a send for `scope` at `now`, or says exactly how
    /// long to wait. Never more than the category's `N` admissions in any
    /// window `W` of a scope; never before a server-imposed block ends.
    #[inline]
    pub fn acquire(&mut self, scope: Scope, now: Duration) -> Admission {
        let raw = nanos(now);
        let floor = self.advance(raw);
        self.window_mut(scope).acquire_ns(raw, floor)
    }

    /// Moves the clamp to `raw` if later; returns it.
    #[inline]
    fn advance(&mut self, raw: u64) -> u64 {
        self.latest = self.latest.max(raw);
        self.latest
    }

    /// What [`acquire`](Throttle::acquire) would answer, recording nothing.
    pub fn check(&self, scope: Scope, now: Duration) -> Admission {
        match self.scopes.get(&scope) {
            Some(w) => w.check_ns(nanos(now), self.latest),
            None => Admission::Send,
        }
    }

    /// Folds a response into `scope`'s state. Call it for every response.
    ///
    /// - **429** (the gateway's `APIG.0308`): the scope is blocked until the
    ///   `Retry-After` (see [`retry_after`]), or, without a usable one, for
    ///   the default backoff (2 to 5 s, jittered by the configured seed, the
    ///   scope and `now`). Waits are cut to the configured cap. A limit
    ///   named in the message (`limit:30,time:1 minute`) that is stricter than
    ///   the configured one is added to the scope ([`Window::tighten`]),
    ///   its period cut to the cap so that no learned limit stalls a scope
    ///   longer than a `Retry-After` could.
    ///   Returns the [`Blocked`] details.
    /// - A 429 whose message names a daily (or longer) quota is
    ///   [`Error::QuotaExhausted`]: waiting seconds will not help. The scope
    ///   is left as it was.
    /// - **503 with `Retry-After`**: the scope is blocked until then, as above.
    /// - Anything else: `Ok(None)`, nothing changes (the body is not read).
    pub fn on_response(
        &mut self,
        scope: Scope,
        now: Duration,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Option<Blocked>, Error> {
        let Some(feedback) = Feedback::of(&self.config, scope, now, status, headers, body)? else {
            return Ok(None);
        };
        let raw = nanos(now);
        let floor = self.advance(raw);
        let window = self.window_mut(scope);
        if let Some(limit) = feedback.learned {
            window.tighten(limit);
        }
        let wait = window.block_for_ns(raw, floor, nanos(feedback.wait));
        Ok(Some(Blocked {
            wait,
            cause: feedback.cause,
            capped: feedback.capped,
            server_limit: feedback.server_limit,
        }))
    }

    /// Forgets every scope that is idle at `now` ([`Window::is_idle`]) and
    /// returns how many. Forgetting an idle scope changes no future answer,
    /// except that a limit learned from the server is forgotten too.
    pub fn prune(&mut self, now: Duration) -> usize {
        let c = self.advance(nanos(now));
        let before = self.scopes.len();
        self.scopes.retain(|_, w| !w.is_idle_at(c.max(w.last)));
        before - self.scopes.len()
    }

    /// Forgets `scope` entirely; returns whether it was known.
    pub fn forget(&mut self, scope: Scope) -> bool {
        self.scopes.remove(&scope).is_some()
    }

    /// `scope`'s state, if it has been used.
    pub fn window(&self, scope: Scope) -> Option<&Window> {
        self.scopes.get(&scope)
    }

    /// How many scopes have state.
    pub fn len(&self) -> usize {
        self.scopes.len()
    }

    /// Whether no scope has state.
    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    /// Bytes held, estimated from the layout of std's hash table (a power of
    /// two of slots, at most 7/8 of them used, [`SLOT_BYTES`](Self::SLOT_BYTES)
    /// each): the slots, spare ones included, and the logs.
    pub fn memory_bytes(&self) -> usize {
        let capacity = self.scopes.capacity();
        let slots = if capacity == 0 {
            0
        } else {
            (capacity.saturating_mul(8) / 7).next_power_of_two()
        };
        let logs: usize = self.scopes.values().map(Window::heap_bytes).sum();
        slots.saturating_mul(Self::SLOT_BYTES).saturating_add(logs)
    }

    #[inline]
    fn window_mut(&mut self, scope: Scope) -> &mut Window {
        let config = &self.config;
        self.scopes
            .entry(scope)
            .or_insert_with(|| Window::from_valid(config.limit(scope.category())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The figures the memory docs quote; pointer width changes them.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn sizes_are_as_documented() {
        assert_eq!(std::mem::size_of::<Scope>(), 16);
        assert_eq!(std::mem::size_of::<Window>(), 64);
        assert_eq!(Throttle::SLOT_BYTES, 81);
    }

    #[test]
    fn a_limit_learned_from_a_message_is_bounded_like_retry_after() {
        let mut t = Throttle::default();
        let scope = Scope::new(ThrottleCategory::RoomManagement);
        let body = br#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:1,time:23 hour"}"#;
        let secs = Duration::from_secs;
        let blocked = t
            .on_response(
                scope,
                secs(1),
                StatusCode::TOO_MANY_REQUESTS,
                &HeaderMap::new(),
                body,
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            blocked.server_limit,
            Some(RateLimit {
                requests: 1,
                window: secs(23 * 3600)
            })
        );
        assert_eq!(t.acquire(scope, secs(10)), Admission::Send);
        // One per 23 hours would wait 23 hours; the cap is 5 minutes.
        assert_eq!(
            t.acquire(scope, secs(10)),
            Admission::Wait(DEFAULT_MAX_SERVER_WAIT)
        );
        assert_eq!(t.acquire(scope, secs(310)), Admission::Send);
    }
}
