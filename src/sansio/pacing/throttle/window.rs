//! One scope's state: a sliding-window log of its last `N` admissions, and
//! any block or stricter limit the server imposed.

use std::time::Duration;

use super::config::{validate_limit, MAX_REQUESTS_PER_WINDOW, MAX_WINDOW};
use super::RateLimit;
use crate::sansio::pacing::{nanos, MAX_TIME_NS};
use crate::Error;

/// The answer of [`Throttle::acquire`](super::Throttle::acquire) and [`Window::acquire`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use]
pub enum Admission {
    /// Send now; the send is recorded.
    Send,
    /// Do not send; acquire again after exactly this long.
    Wait(Duration),
}

impl Admission {
    /// Whether the answer is [`Admission::Send`].
    pub fn is_send(self) -> bool {
        self == Admission::Send
    }

    /// How long to wait: zero for [`Admission::Send`].
    pub fn wait(self) -> Duration {
        match self {
            Admission::Send => Duration::ZERO,
            Admission::Wait(d) => d,
        }
    }
}

/// One scope's state: a sliding-window log of its last `N` admissions, and
/// any block or stricter limit the server imposed.
///
/// Usable on its own when a process has a single budget:
///
/// ```
/// use std::time::Duration;
/// use sparkrtc::throttle::{Admission, Window};
/// use sparkrtc::throttle::ThrottleCategory;
///
/// // OBS bucket management: 2 per second.
/// let mut w = Window::new(ThrottleCategory::ObsBucketManagement.documented_limit())?;
/// let ms = Duration::from_millis;
/// assert_eq!(w.acquire(ms(0)), Admission::Send);
/// assert_eq!(w.acquire(ms(400)), Admission::Send);
/// assert_eq!(w.acquire(ms(700)), Admission::Wait(ms(300))); // the first is 1 s old at 1000 ms
/// assert_eq!(w.acquire(ms(1000)), Admission::Send);
/// assert_eq!(w.acquire(ms(1000)), Admission::Wait(ms(400)));
/// # Ok::<(), sparkrtc::Error>(())
/// ```
///
/// Size: 64 bytes plus a heap log of `8 * N` bytes, allocated once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Admission times (ns), oldest at `head` once full; `len` entries used.
    log: Box<[u64]>,
    /// The configured window (ns).
    window: u64,
    /// No admission before this time (ns): a server-imposed block.
    blocked_until: u64,
    /// The latest time seen (ns); earlier times are clamped to it.
    pub(super) last: u64,
    /// The window of the server-learned constraint (ns), if `learned > 0`.
    learned_window: u64,
    len: u32,
    head: u32,
    /// At most `learned` admissions per `learned_window`; 0 for none.
    learned: u32,
}

impl Window {
    /// An empty window for `limit`. Fails when `limit` is out of the range
    /// [`ThrottleConfig::with_limit`](super::ThrottleConfig::with_limit) accepts.
    pub fn new(limit: RateLimit) -> Result<Window, Error> {
        validate_limit(limit)?;
        Ok(Window::from_valid(limit))
    }

    pub(super) fn from_valid(limit: RateLimit) -> Window {
        let n = limit.requests.clamp(1, MAX_REQUESTS_PER_WINDOW);
        Window {
            log: vec![0; n as usize].into_boxed_slice(),
            window: nanos(limit.window).max(1),
            blocked_until: 0,
            last: 0,
            learned_window: 0,
            len: 0,
            head: 0,
            learned: 0,
        }
    }

    /// The configured limit.
    pub fn limit(&self) -> RateLimit {
        RateLimit {
            requests: self.capacity(),
            window: Duration::from_nanos(self.window),
        }
    }

    /// The stricter limit learned from the server, if any (see
    /// [`tighten`](Window::tighten)).
    pub fn learned_limit(&self) -> Option<RateLimit> {
        (self.learned > 0).then(|| RateLimit {
            requests: self.learned,
            window: Duration::from_nanos(self.learned_window),
        })
    }

    /// Until when the server blocked this scope, if that is after `now`.
    pub fn blocked_until(&self, now: Duration) -> Option<Duration> {
        let c = nanos(now).max(self.last);
        (self.blocked_until > c).then_some(Duration::from_nanos(self.blocked_until))
    }

    /// Heap bytes of the log: `8 * N`.
    pub fn heap_bytes(&self) -> usize {
        self.log.len() * std::mem::size_of::<u64>()
    }

    #[inline]
    fn capacity(&self) -> u32 {
        self.log.len() as u32
    }

    /// Admits and records a send at `now`, or says how long to wait.
    ///
    /// A `now` earlier than one seen before is treated as that later time
    /// (the wait is still measured from the `now` given).
    #[inline]
    pub fn acquire(&mut self, now: Duration) -> Admission {
        self.acquire_ns(nanos(now), 0)
    }

    /// [`acquire`](Window::acquire) at `raw` ns, with times clamped to at
    /// least `floor`.
    #[inline]
    pub(super) fn acquire_ns(&mut self, raw: u64, floor: u64) -> Admission {
        let c = raw.max(floor).max(self.last);
        self.last = c;
        let ready = self.ready_at();
        if c >= ready {
            self.record(c);
            Admission::Send
        } else {
            Admission::Wait(Duration::from_nanos(ready - raw))
        }
    }

    /// What [`acquire`](Window::acquire) would answer at `now`, recording
    /// nothing.
    pub fn check(&self, now: Duration) -> Admission {
        self.check_ns(nanos(now), 0)
    }

    pub(super) fn check_ns(&self, raw: u64, floor: u64) -> Admission {
        let c = raw.max(floor).max(self.last);
        let ready = self.ready_at();
        if c >= ready {
            Admission::Send
        } else {
            Admission::Wait(Duration::from_nanos(ready - raw))
        }
    }

    /// Blocks the scope until `now + wait` (never shortens an earlier
    /// block) and returns how long from `now` it is blocked.
    pub fn block_for(&mut self, now: Duration, wait: Duration) -> Duration {
        self.block_for_ns(nanos(now), 0, nanos(wait))
    }

    pub(super) fn block_for_ns(&mut self, raw: u64, floor: u64, wait: u64) -> Duration {
        let c = raw.max(floor).max(self.last);
        self.last = c;
        let until = c.saturating_add(wait).min(MAX_TIME_NS);
        self.blocked_until = self.blocked_until.max(until);
        Duration::from_nanos(self.blocked_until - raw)
    }

    /// Adds a limit the server reported, as a second constraint on top of the
    /// configured one, when it is stricter; returns whether it was kept.
    ///
    /// A limit of `n <= N` requests per `w` is enforced exactly. A limit of
    /// more requests than the log holds (`n > N`) is enforced as `N` per
    /// `ceil(w / floor(n / N))`, which admits at most `n` in any `w`. A
    /// constraint the configured limit already implies is not kept (and
    /// replaces an earlier learned one: the server's latest word counts).
    pub fn tighten(&mut self, limit: RateLimit) -> bool {
        match learned_constraint(self.limit(), limit) {
            Some(kept) => {
                self.learned = kept.requests;
                self.learned_window = nanos(kept.window);
                true
            }
            None => {
                self.learned = 0;
                self.learned_window = 0;
                false
            }
        }
    }

    /// Whether forgetting this window at `now` loses nothing: no admission in
    /// the last window (configured or learned), no block in force.
    pub fn is_idle(&self, now: Duration) -> bool {
        self.is_idle_at(nanos(now).max(self.last))
    }

    pub(super) fn is_idle_at(&self, c: u64) -> bool {
        if self.blocked_until > c {
            return false;
        }
        match self.newest() {
            None => true,
            Some(t) => {
                let span = self.window.max(self.learned_window);
                t.saturating_add(span) <= c
            }
        }
    }

    /// Admissions at times in `(now - W, now]`, `W` being the configured window.
    pub fn in_window(&self, now: Duration) -> u32 {
        let c = nanos(now).max(self.last);
        (1..=self.len)
            .filter_map(|k| self.kth_recent(k))
            .filter(|&t| t.saturating_add(self.window) > c)
            .count() as u32
    }

    /// The earliest time a send is allowed (ns).
    #[inline]
    fn ready_at(&self) -> u64 {
        let mut ready = self.blocked_until;
        if self.len == self.capacity() {
            // Full: the oldest entry is the N-th most recent admission.
            let oldest = self.log[self.head as usize];
            ready = ready.max(oldest.saturating_add(self.window));
        }
        // A learned limit of 0 (none learned) has no 0th admission.
        if let Some(t) = self.kth_recent(self.learned) {
            ready = ready.max(t.saturating_add(self.learned_window));
        }
        ready
    }

    #[inline]
    fn record(&mut self, t: u64) {
        let cap = self.capacity();
        if self.len < cap {
            self.log[self.len as usize] = t;
            self.len += 1;
        } else {
            self.log[self.head as usize] = t;
            self.head += 1;
            if self.head == cap {
                self.head = 0;
            }
        }
    }

    /// The `k`-th most recent admission (`k` from 1), if there are `k`.
    fn kth_recent(&self, k: u32) -> Option<u64> {
        if k == 0 || k > self.len {
            return None;
        }
        // Not full: head is 0 and the entries are 0..len in order. Full: the
        // oldest is at head.
        let idx = (u64::from(self.head) + u64::from(self.len) - u64::from(k))
            % u64::from(self.capacity());
        self.log.get(idx as usize).copied()
    }

    fn newest(&self) -> Option<u64> {
        self.kth_recent(1)
    }
}

/// The constraint a scope configured with `configured` keeps for a limit
/// the server reported, or `None` when the configured limit already implies
/// it (see [`Window::tighten`]): `n <= N` requests per `w` as such, more than
/// the log holds as `N` per `ceil(w / floor(n / N))`, the window at most
/// [`MAX_WINDOW`].
pub fn learned_constraint(configured: RateLimit, learned: RateLimit) -> Option<RateLimit> {
    let n = configured.requests.clamp(1, MAX_REQUESTS_PER_WINDOW);
    let w = nanos(learned.window).min(nanos(MAX_WINDOW));
    if learned.requests == 0 || w == 0 {
        return None;
    }
    let (count, window) = if learned.requests <= n {
        (learned.requests, w)
    } else {
        (n, w.div_ceil(u64::from(learned.requests / n)))
    };
    // Implied by the configured limit: fewer-or-equal windows hold more.
    let implied = count >= n && window <= nanos(configured.window).max(1);
    (!implied).then(|| RateLimit {
        requests: count,
        window: Duration::from_nanos(window),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kth_recent_follows_the_ring() {
        let mut w = Window::from_valid(RateLimit {
            requests: 3,
            window: Duration::from_nanos(10),
        });
        for t in [1u64, 2, 3, 11, 12] {
            assert_eq!(w.acquire(Duration::from_nanos(t)), Admission::Send, "{t}");
        }
        assert_eq!(w.kth_recent(1), Some(12));
        assert_eq!(w.kth_recent(2), Some(11));
        assert_eq!(w.kth_recent(3), Some(3));
        assert_eq!(w.kth_recent(4), None);
        assert_eq!(w.kth_recent(0), None);
    }

    #[test]
    fn a_block_answers_how_long_from_now_and_is_never_shortened() {
        let secs = Duration::from_secs;
        let mut w = Window::from_valid(RateLimit {
            requests: 3,
            window: secs(1),
        });
        assert_eq!(w.block_for(secs(10), secs(3)), secs(3));
        assert_eq!(w.block_for(secs(11), secs(1)), secs(2));
        assert_eq!(w.block_for(secs(12), secs(5)), secs(5));
        assert_eq!(w.blocked_until(secs(12)), Some(secs(17)));
    }
}
