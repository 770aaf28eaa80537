//! A reference model of what `sparkrtc::throttle::Throttle` must do, shared by
//! the property test (`tests/offline/throttle/properties.rs`) and the fuzz target
//! (`fuzz/fuzz_targets/throttle.rs`, which includes this file with
//! `#[path]`). Plain Rust: it depends on `sparkrtc`, `http` and `std` only.
//!
//! [`Checked`] drives a real `Throttle` over a fixed list of distinct scopes
//! and checks every answer against the model, panicking with a message on the
//! first divergence (proptest reports a panic as a failure and shrinks it):
//!
//! - no scope admits more than its configured `N` calls in any window of `W`
//!   (across prunes, which may only forget what no longer matters);
//! - every answer is the model's: a send exactly when the scope's last `N`
//!   admissions, a limit learned from the server and any server block allow
//!   it, otherwise a wait that ends exactly then (probed: `check` at
//!   `ready - 1 ns` says "wait 1 ns", at `ready` "send");
//! - a send never happens before a server block ends;
//! - `check` predicts `acquire` and changes nothing;
//! - a 429, or a 503 with a usable `Retry-After`, blocks the scope until the
//!   `Retry-After`, cut to the cap, or, without one, for the configured
//!   default backoff; a block is never shortened; the cause, the `capped`
//!   flag and the limit named in the message are reported as such;
//! - a 429 naming a daily quota is `Error::QuotaExhausted` and changes
//!   nothing; other statuses, and a 503 without `Retry-After`, change nothing;
//! - a limit learned from the server is at most `N` per at most the cap;
//! - `prune` forgets exactly the idle scopes, `forget` exactly the known
//!   ones, and no scope has state before it is used;
//! - the same inputs give the same answers (a clone answers alike).
//!
//! What the model does not derive itself: the backoff jitter (only its range
//! is checked) and the learned limit, which is read back from the throttle
//! (`Window::learned_limit`), bounded as above, and then enforced by the
//! model. Facts about a response that the caller does not know (a fuzzed
//! header or body) are taken from the crate's public parsers `retry_after`,
//! `is_quota_message` and `parse_limit_message`, so that the check becomes
//! one of consistency; callers that build a response state them in
//! [`Expect`].
//!
//! Times are nanoseconds since the caller's origin, as `u64`; like the
//! throttle, the model clamps them to `MAX_TIME`.
#![allow(dead_code)] // each user calls a part of it

use std::time::Duration;

use http::{HeaderMap, StatusCode};
use sparkrtc::throttle::{
    is_quota_message, parse_limit_message, retry_after, Admission, BlockCause, Blocked, RateLimit,
    Scope, Throttle, ThrottleConfig, MAX_TIME,
};
use sparkrtc::{ApiError, Error};

/// One second, in nanoseconds.
pub const SEC: u64 = 1_000_000_000;

/// The latest time the throttle tells apart, in nanoseconds.
pub const MAX_NS: u64 = MAX_TIME.as_nanos() as u64;

/// Nanoseconds in `d`, saturating.
pub fn ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// What the caller knows about a response it built; `None` everywhere means
/// "unknown: ask the crate's parser".
#[derive(Clone, Copy, Debug, Default)]
pub struct Expect {
    /// `Some(Some(ns))`: a usable `Retry-After` asking for `ns`;
    /// `Some(None)`: none usable (absent, junk, an HTTP-date without a
    /// `Date`), so a 429 gets the default backoff and a 503 nothing.
    pub retry_after: Option<Option<u64>>,
    /// Whether the body's message names a daily (or longer) quota.
    pub quota: Option<bool>,
    /// The limit the body's message names (`limit:N,time:T unit`), if any.
    pub server_limit: Option<Option<RateLimit>>,
}

/// What the model remembers of one scope.
#[derive(Clone, Debug, Default)]
struct ScopeState {
    /// Every admission (clamped time, ns) since the scope was last forgotten.
    admits: Vec<u64>,
    /// The first admission in `admits` the throttle's current state holds:
    /// a prune that drops the scope leaves the older ones behind.
    fresh: usize,
    /// No send before this time (ns): the longest server block.
    blocked_until: u64,
    /// Whether the throttle has state for the scope.
    known: bool,
}

/// A `Throttle` checked step by step against the model.
pub struct Checked {
    throttle: Throttle,
    scopes: Vec<Scope>,
    /// The configured `(N, W in ns)` of each scope.
    limits: Vec<(usize, u64)>,
    /// The cap on server-imposed waits (ns).
    cap: u64,
    /// The configured default backoff range (ns), before the cap.
    backoff: (u64, u64),
    state: Vec<ScopeState>,
    /// The latest (clamped) time seen by any call but `check`: the clock.
    latest: u64,
}

impl Checked {
    /// A fresh throttle for `config`, driven over `scopes` (distinct; a step
    /// names a scope by its index).
    pub fn new(config: ThrottleConfig, scopes: &[Scope]) -> Checked {
        for (i, scope) in scopes.iter().enumerate() {
            assert!(!scopes[..i].contains(scope), "scope {i} repeats {scope:?}");
        }
        let limits = scopes
            .iter()
            .map(|s| {
                let l = config.limit(s.category());
                (l.requests as usize, ns(l.window))
            })
            .collect();
        let (lo, hi) = config.default_backoff();
        Checked {
            cap: ns(config.max_server_wait()),
            backoff: (ns(lo), ns(hi)),
            throttle: Throttle::new(config),
            scopes: scopes.to_vec(),
            limits,
            state: vec![ScopeState::default(); scopes.len()],
            latest: 0,
        }
    }

    /// The throttle under test.
    pub fn throttle(&self) -> &Throttle {
        &self.throttle
    }

    /// The scope with index `i`.
    pub fn scope(&self, i: usize) -> Scope {
        self.scopes[i]
    }

    /// The limit learned from the server for scope `i`, as `(n, w in ns)`.
    fn learned(&self, i: usize) -> Option<(usize, u64)> {
        self.throttle
            .window(self.scopes[i])
            .and_then(|w| w.learned_limit())
            .map(|l| (l.requests as usize, ns(l.window)))
    }

    /// When the model lets scope `i` send next (ns): `W` after its `N`-th
    /// most recent admission, `w` after its `n`-th for a learned `n` per `w`,
    /// and not before a server block ends.
    fn ready(&self, i: usize) -> u64 {
        let st = &self.state[i];
        let log = &st.admits[st.fresh..];
        let (n, w) = self.limits[i];
        let mut ready = st.blocked_until;
        if log.len() >= n {
            ready = ready.max(log[log.len() - n].saturating_add(w));
        }
        if let Some((k, lw)) = self.learned(i) {
            if k >= 1 && log.len() >= k {
                ready = ready.max(log[log.len() - k].saturating_add(lw));
            }
        }
        ready
    }

    /// The model's answer for scope `i` at `now` (ns): time never goes back
    /// (an earlier `now` counts as the latest seen), while a wait is measured
    /// from the `now` given.
    pub fn expected(&self, i: usize, now: u64) -> Admission {
        let raw = now.min(MAX_NS);
        let c = raw.max(self.latest);
        let ready = self.ready(i);
        if c >= ready {
            Admission::Send
        } else {
            Admission::Wait(Duration::from_nanos(ready - raw))
        }
    }

    /// A wait of `d` ns answered at `raw` is exact: 1 ns before it ends the
    /// answer is "wait 1 ns", when it ends "send".
    fn probe(&self, i: usize, raw: u64, d: u64) {
        let s = self.scopes[i];
        let ready = raw + d;
        if ready <= MAX_NS {
            assert_eq!(
                self.throttle.check(s, Duration::from_nanos(ready - 1)),
                Admission::Wait(Duration::from_nanos(1)),
                "scope {i}: 1 ns before the wait of {d} ns from {raw} ends"
            );
            assert_eq!(
                self.throttle.check(s, Duration::from_nanos(ready)),
                Admission::Send,
                "scope {i}: when the wait of {d} ns from {raw} ends"
            );
        }
    }

    /// The throttle has state for exactly the scopes the model knows.
    fn assert_known(&self) {
        for (i, (scope, st)) in self.scopes.iter().zip(&self.state).enumerate() {
            assert_eq!(
                self.throttle.window(*scope).is_some(),
                st.known,
                "scope {i}: state kept or dropped unexpectedly"
            );
        }
        let known = self.state.iter().filter(|st| st.known).count();
        assert_eq!(self.throttle.len(), known, "scopes with state");
    }

    /// `acquire` for scope `i` at `now` (ns), checked.
    pub fn acquire(&mut self, i: usize, now: u64) -> Admission {
        let s = self.scopes[i];
        let at = Duration::from_nanos(now);
        let expected = self.expected(i, now);
        let predicted = self.throttle.check(s, at);
        let answer = self.throttle.acquire(s, at);
        assert_eq!(
            predicted, answer,
            "scope {i} at {now}: check predicts acquire"
        );
        let raw = now.min(MAX_NS);
        self.latest = self.latest.max(raw);
        let c = self.latest;
        let (n, w) = self.limits[i];
        let st = &mut self.state[i];
        st.known = true;
        match answer {
            Admission::Send => {
                assert!(
                    c >= st.blocked_until,
                    "scope {i}: sent at {c} before the block ends at {}",
                    st.blocked_until
                );
                st.admits.push(c);
                let log = &st.admits;
                if log.len() > n {
                    let first = log[log.len() - 1 - n];
                    assert!(
                        c - first >= w,
                        "scope {i}: {} admissions within {} ns (window {w})",
                        n + 1,
                        c - first
                    );
                }
            }
            Admission::Wait(d) => {
                assert!(d > Duration::ZERO, "scope {i}: a wait of zero");
                self.probe(i, raw, ns(d));
            }
        }
        assert_eq!(answer, expected, "scope {i} at {now}: the model's answer");
        self.assert_known();
        answer
    }

    /// `check` for scope `i` at `now` (ns), checked: the model's answer, and
    /// nothing changes.
    pub fn check(&self, i: usize, now: u64) -> Admission {
        let s = self.scopes[i];
        let before = self.throttle.window(s).cloned();
        let answer = self.throttle.check(s, Duration::from_nanos(now));
        assert_eq!(
            self.throttle.window(s),
            before.as_ref(),
            "scope {i}: check changed the state"
        );
        assert_eq!(
            answer,
            self.expected(i, now),
            "scope {i} at {now}: the model's answer to check"
        );
        if let Admission::Wait(d) = answer {
            assert!(d > Duration::ZERO, "scope {i}: a wait of zero");
            self.probe(i, now.min(MAX_NS), ns(d));
        }
        self.assert_known();
        answer
    }

    /// `on_response` for scope `i` at `now` (ns), checked against what the
    /// caller knows of the response (`expect`) and, for the rest, the crate's
    /// parsers.
    pub fn respond(
        &mut self,
        i: usize,
        now: u64,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        expect: Expect,
    ) -> Result<Option<Blocked>, Error> {
        let s = self.scopes[i];
        let at = Duration::from_nanos(now);
        let requested = expect
            .retry_after
            .unwrap_or_else(|| retry_after(headers).map(ns));
        let message = || ApiError::from_response(status, headers, body).error_msg;
        let quota = expect
            .quota
            .unwrap_or_else(|| message().is_some_and(|m| is_quota_message(&m)));
        let server_limit = expect
            .server_limit
            .unwrap_or_else(|| message().and_then(|m| parse_limit_message(&m)));

        let before = self.throttle.window(s).cloned();
        let mut twin = self.throttle.clone();
        let result = self.throttle.on_response(s, at, status, headers, body);
        let again = twin.on_response(s, at, status, headers, body);
        assert_eq!(
            format!("{result:?}"),
            format!("{again:?}"),
            "scope {i}: same inputs, same answer"
        );

        let throttled = status == StatusCode::TOO_MANY_REQUESTS;
        let blocks = (throttled && !quota)
            || (status == StatusCode::SERVICE_UNAVAILABLE && requested.is_some());
        if !blocks {
            if throttled {
                assert!(
                    matches!(&result, Err(Error::QuotaExhausted(e)) if e.status == 429),
                    "scope {i}: a daily quota must be an error: {result:?}"
                );
            } else {
                assert!(
                    matches!(result, Ok(None)),
                    "scope {i}: status {status} must block nothing: {result:?}"
                );
            }
            assert_eq!(
                self.throttle.window(s),
                before.as_ref(),
                "scope {i}: status {status} changed the state"
            );
            self.assert_known();
            return result;
        }
        let b = match &result {
            Ok(Some(b)) => *b,
            other => panic!("scope {i}: status {status} must block: {other:?}"),
        };

        let raw = now.min(MAX_NS);
        self.latest = self.latest.max(raw);
        let c = self.latest;
        let cap = self.cap;
        let (lo, hi) = self.backoff;
        let (n, _) = self.limits[i];
        let st = &mut self.state[i];
        st.known = true;
        let old = st.blocked_until;
        let until = raw.saturating_add(ns(b.wait));
        assert!(
            until >= old,
            "scope {i}: a block was shortened: {until} < {old}"
        );
        let named = if throttled { server_limit } else { None };
        assert_eq!(b.server_limit, named, "scope {i}: the limit in the message");
        match requested {
            Some(r) => {
                assert_eq!(b.cause, BlockCause::RetryAfter, "scope {i}");
                assert_eq!(b.capped, r > cap, "scope {i}: {r} ns against the cap {cap}");
                assert_eq!(
                    until,
                    old.max(c.saturating_add(r.min(cap)).min(MAX_NS)),
                    "scope {i}: Retry-After of {r} ns at {c}"
                );
            }
            None => {
                assert_eq!(b.cause, BlockCause::DefaultBackoff, "scope {i}");
                let earliest = c.saturating_add(lo.min(cap)).min(MAX_NS);
                let latest = c.saturating_add(hi.min(cap)).min(MAX_NS);
                assert!(
                    until >= earliest,
                    "scope {i}: backoff until {until}, before {earliest}"
                );
                assert!(
                    until == old || until <= latest,
                    "scope {i}: backoff until {until}, after {latest}"
                );
                if hi <= cap {
                    assert!(!b.capped, "scope {i}: a backoff within the cap was capped");
                }
                if lo > cap {
                    assert!(b.capped, "scope {i}: a backoff over the cap was not capped");
                }
            }
        }
        st.blocked_until = until;

        let window = self.throttle.window(s).expect("a blocked scope has state");
        assert_eq!(
            window.blocked_until(Duration::from_nanos(raw)),
            (until > c).then(|| Duration::from_nanos(until)),
            "scope {i}: the block the window shows"
        );
        if let Some(l) = window.learned_limit() {
            assert!(
                l.requests >= 1 && l.requests as usize <= n,
                "scope {i}: learned {l:?} with a log of {n}"
            );
            assert!(
                ns(l.window) >= 1 && ns(l.window) <= cap,
                "scope {i}: learned {l:?} paces slower than the cap {cap}"
            );
        }
        self.assert_known();
        result
    }

    /// Whether the model can forget scope `i` at `c` without changing an
    /// answer: no block in force, no admission within the longer of its
    /// configured and learned windows.
    fn is_idle(&self, i: usize, c: u64) -> bool {
        let st = &self.state[i];
        if !st.known {
            return false;
        }
        let (_, w) = self.limits[i];
        let span = w.max(self.learned(i).map_or(0, |(_, lw)| lw));
        st.blocked_until <= c
            && st.admits[st.fresh..]
                .last()
                .is_none_or(|&t| t.saturating_add(span) <= c)
    }

    /// `prune` at `now` (ns), checked: exactly the idle scopes go.
    pub fn prune(&mut self, now: u64) -> usize {
        self.latest = self.latest.max(now.min(MAX_NS));
        let c = self.latest;
        let idle: Vec<bool> = (0..self.scopes.len()).map(|i| self.is_idle(i, c)).collect();
        let removed = self.throttle.prune(Duration::from_nanos(now));
        assert_eq!(
            removed,
            idle.iter().filter(|&&gone| gone).count(),
            "prune at {c}: idle scopes {idle:?}"
        );
        for (st, gone) in self.state.iter_mut().zip(idle) {
            if gone {
                // Kept for the window check: the throttle may forget them, no
                // window may hold them and a later admission beyond its `N`.
                st.fresh = st.admits.len();
                st.blocked_until = 0;
                st.known = false;
            }
        }
        self.assert_known();
        removed
    }

    /// `forget` scope `i`, checked: it had state exactly when the model
    /// knew it. The model forgets the scope's admissions too.
    pub fn forget(&mut self, i: usize) -> bool {
        let known = self.throttle.forget(self.scopes[i]);
        assert_eq!(known, self.state[i].known, "scope {i}: forget");
        self.state[i] = ScopeState::default();
        self.assert_known();
        known
    }
}
