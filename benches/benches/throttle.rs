//! Throttle speed against the `governor` crate.
//!
//! Measures, on the same input sequence of (scope, now) mixing admissions
//! and waits:
//!
//! - keyed, 1,000 keys: our `Throttle::acquire` (a sliding-window log per
//!   scope in a std `HashMap` keyed by `Scope`) against governor's keyed
//!   limiter (GCRA, one `AtomicU64` per key in a `DashMap` keyed by `Scope`,
//!   `check_key`). Same hash function on both sides:
//!   governor's `DashMap` is built with [`FoldHasher`], a copy of the crate's
//!   private scope hasher (a multiply-fold over the two 64-bit words that
//!   `Scope`'s `Hash` writes), instead of its default SipHash `RandomState`.
//!   Target: ours / governor <= 0.5.
//! - direct, one scope: our `Window::acquire` against governor's direct
//!   limiter (`check`) on the same clock. Target: ours / governor <= 1.0.
//!   For information only (criterion): `Throttle::acquire` with one scope.
//!
//! Time: both sides get the same `now` (the lap's offset plus the event's
//! time, one `Duration` addition). Ours takes it as an argument; governor
//! reads it from its clock, here [`GivenClock`], a cell the bench sets to
//! `now` before each check (a plain store and load, not the atomic
//! compare-exchange loop of governor's `FakeRelativeClock::advance`, which
//! would be work on governor's side only).
//!
//! Both sides see one endless stream: a fixed sequence of events, replayed lap
//! after lap with time moving on (event `j` of lap `k` at `k * lap +
//! times[j]`), so state carries over between iterations and key creation
//! happens only during warm-up. Each key gets calls at about twice its limit
//! (10 per second), so about half are admitted (printed first, for each
//! side, over a lap that follows a wrap).
//!
//! Prints criterion's absolute times, then the paired, interleaved ratios (see
//! `support`).

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod support;

use std::cell::Cell;
use std::hash::{BuildHasherDefault, Hasher};
use std::hint::black_box;
use std::rc::Rc;
use std::time::Duration;

use criterion::{criterion_group, Criterion};
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DashMapStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use sparkrtc::throttle::{Admission, ThrottleCategory};
use sparkrtc::throttle::{CredentialId, Scope, Throttle, Window};

/// Target of ours / governor, keyed over 1,000 keys.
const TARGET_KEYED: f64 = 0.5;
/// Target of ours (`Window`) / governor, direct.
const TARGET_DIRECT: f64 = 1.0;

const EVENTS: usize = 1 << 16;
const CATEGORY: ThrottleCategory = ThrottleCategory::MixStreamJobManagement; // 10 per second

/// The hash of sparkrtc's scope table (`ScopeHasher`, private, in
/// `src/sansio/pacing/throttle/scope.rs`), copied: a fixed multiply-fold over
/// 64-bit words, `h = fold_mul(h ^ word, 0x9E37_79B9_7F4A_7C15)` from 0, where
/// `fold_mul` xors the two halves of the 128-bit product. `Scope` hashes as
/// two `write_u64`s, so a scope costs two multiplications on either side.
#[derive(Default, Clone, Copy)]
struct FoldHasher(u64);

const HASH_K: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

impl Hasher for FoldHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = fold_mul(self.0 ^ x, HASH_K);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

type FoldState = BuildHasherDefault<FoldHasher>;

/// Governor's clock here: the time the bench last set, as ours is handed
/// `now`. Single-threaded, so a plain cell.
#[derive(Clone, Default)]
struct GivenClock(Rc<Cell<Nanos>>);

impl GivenClock {
    #[inline]
    fn set(&self, now: Duration) {
        self.0.set(Nanos::from(now));
    }
}

impl Clock for GivenClock {
    type Instant = Nanos;

    #[inline]
    fn now(&self) -> Nanos {
        self.0.get()
    }
}

/// Governor's keyed limiter, `DashMap`-backed, hashing scopes as we do.
type KeyedGovernor =
    RateLimiter<Scope, DashMapStateStore<Scope, FoldState>, GivenClock, NoOpMiddleware<Nanos>>;

/// Governor's direct (single-state) limiter.
type DirectGovernor = RateLimiter<NotKeyed, InMemoryState, GivenClock, NoOpMiddleware<Nanos>>;

fn governor_quota() -> Quota {
    let limit = CATEGORY.documented_limit();
    Quota::with_period(limit.window / limit.requests)
        .unwrap()
        .allow_burst(std::num::NonZeroU32::new(limit.requests).unwrap())
}

fn keyed_governor(clock: &GivenClock) -> KeyedGovernor {
    RateLimiter::dashmap_with_clock_and_hasher(
        governor_quota(),
        clock.clone(),
        FoldState::default(),
    )
}

fn direct_governor(clock: &GivenClock) -> DirectGovernor {
    RateLimiter::direct_with_clock(governor_quota(), clock.clone())
}

/// A replayable event sequence: which key, and the time since the lap's start.
struct Stream {
    keys: Vec<Scope>,
    times: Vec<Duration>,
    /// A lap's length.
    lap: Duration,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `keys` scopes (one per credential), gaps uniform in `0..=2 * mean_gap_ns`.
fn stream(keys: u64, mean_gap_ns: u64, seed: u64) -> Stream {
    let mut rng = seed;
    let mut t = 0u64;
    let mut out = Stream {
        keys: Vec::with_capacity(EVENTS),
        times: Vec::with_capacity(EVENTS),
        lap: Duration::ZERO,
    };
    for _ in 0..EVENTS {
        let gap = splitmix(&mut rng) % (2 * mean_gap_ns + 1);
        t += gap;
        let key = splitmix(&mut rng) % keys;
        out.keys
            .push(Scope::new(CATEGORY).with_credential(CredentialId::new(key)));
        out.times.push(Duration::from_nanos(t));
    }
    out.lap = Duration::from_nanos(t + mean_gap_ns);
    out
}

/// Walks the stream forever.
struct Cursor<'s> {
    s: &'s Stream,
    i: usize,
    /// The current lap's time offset.
    offset: Duration,
}

impl<'s> Cursor<'s> {
    fn new(s: &'s Stream) -> Cursor<'s> {
        Cursor {
            s,
            i: 0,
            offset: Duration::ZERO,
        }
    }

    /// The next event's scope and time.
    #[inline]
    fn next(&mut self) -> (Scope, Duration) {
        let i = self.i;
        let event = (self.s.keys[i], self.offset + self.s.times[i]);
        self.i += 1;
        if self.i == EVENTS {
            self.i = 0;
            self.offset += self.s.lap;
        }
        event
    }
}

// One call of each side: the timed body, in criterion and in the paired runs.

#[inline]
fn ours_keyed(throttle: &mut Throttle, cur: &mut Cursor<'_>) -> Admission {
    let (scope, now) = cur.next();
    throttle.acquire(scope, now)
}

#[inline]
fn governor_keyed(limiter: &KeyedGovernor, clock: &GivenClock, cur: &mut Cursor<'_>) -> bool {
    let (scope, now) = cur.next();
    clock.set(now);
    limiter.check_key(&scope).is_ok()
}

#[inline]
fn ours_direct(window: &mut Window, cur: &mut Cursor<'_>) -> Admission {
    let (_, now) = cur.next();
    window.acquire(now)
}

#[inline]
fn governor_direct(limiter: &DirectGovernor, clock: &GivenClock, cur: &mut Cursor<'_>) -> bool {
    let (_, now) = cur.next();
    clock.set(now);
    limiter.check().is_ok()
}

/// Two laps on fresh limiters, through the same calls as the timed loops:
/// how many calls of the second lap (after a wrap) each side admits. About
/// half, on both sides; a stream whose time went wrong (say, jumping a lap
/// ahead at the wrap) would show here as far fewer.
fn report_mix(name: &str, s: &Stream) {
    let mut ours = Throttle::default();
    let clock = GivenClock::default();
    let theirs = keyed_governor(&clock);
    let (mut a, mut b) = (0, 0);
    let (mut ours_cur, mut theirs_cur) = (Cursor::new(s), Cursor::new(s));
    for call in 0..2 * EVENTS {
        let ours_sent = ours_keyed(&mut ours, &mut ours_cur).is_send();
        let theirs_sent = governor_keyed(&theirs, &clock, &mut theirs_cur);
        if call >= EVENTS {
            a += usize::from(ours_sent);
            b += usize::from(theirs_sent);
        }
    }
    eprintln!(
        "{name}: {EVENTS} calls (second lap), ours admits {a} ({:.1}%), governor {b} ({:.1}%); \
         ours {} bytes for {} scopes ({} per scope)",
        100.0 * a as f64 / EVENTS as f64,
        100.0 * b as f64 / EVENTS as f64,
        ours.memory_bytes(),
        ours.len(),
        ours.memory_bytes() / ours.len().max(1),
    );
}

fn keyed(c: &mut Criterion) {
    let s = stream(1_000, 50_000, 1); // 20,000 calls per second over 1,000 keys
    report_mix("keyed, 1000 keys", &s);
    let mut group = c.benchmark_group("keyed_1000");

    let mut ours = Throttle::default();
    let mut cur = Cursor::new(&s);
    group.bench_function("ours", |b| {
        b.iter(|| black_box(ours_keyed(&mut ours, &mut cur)))
    });

    let clock = GivenClock::default();
    let theirs = keyed_governor(&clock);
    let mut cur = Cursor::new(&s);
    group.bench_function("governor", |b| {
        b.iter(|| black_box(governor_keyed(&theirs, &clock, &mut cur)))
    });
    group.finish();
}

fn direct(c: &mut Criterion) {
    let s = stream(1, 50_000_000, 2); // 20 calls per second on one scope
    report_mix("direct", &s);
    let mut group = c.benchmark_group("direct");

    let mut window = Window::new(CATEGORY.documented_limit()).unwrap();
    let mut cur = Cursor::new(&s);
    group.bench_function("ours", |b| {
        b.iter(|| black_box(ours_direct(&mut window, &mut cur)))
    });

    // For information: the keyed throttle with its one scope.
    let mut throttle = Throttle::default();
    let mut cur = Cursor::new(&s);
    group.bench_function("ours_throttle_one_scope", |b| {
        b.iter(|| black_box(ours_keyed(&mut throttle, &mut cur)))
    });

    let clock = GivenClock::default();
    let theirs = direct_governor(&clock);
    let mut cur = Cursor::new(&s);
    group.bench_function("governor", |b| {
        b.iter(|| black_box(governor_direct(&theirs, &clock, &mut cur)))
    });
    group.finish();
}

fn paired(mode: support::Mode) {
    let s = stream(1_000, 50_000, 1);
    let mut ours = Throttle::default();
    let mut ours_cur = Cursor::new(&s);
    let clock = GivenClock::default();
    let theirs = keyed_governor(&clock);
    let mut theirs_cur = Cursor::new(&s);
    support::paired(
        mode,
        "throttle keyed 1000 keys",
        "governor",
        TARGET_KEYED,
        |n| support::iter(n, || ours_keyed(&mut ours, &mut ours_cur)),
        |n| support::iter(n, || governor_keyed(&theirs, &clock, &mut theirs_cur)),
    );

    let s = stream(1, 50_000_000, 2);
    let mut window = Window::new(CATEGORY.documented_limit()).unwrap();
    let mut ours_cur = Cursor::new(&s);
    let clock = GivenClock::default();
    let theirs = direct_governor(&clock);
    let mut theirs_cur = Cursor::new(&s);
    support::paired(
        mode,
        "throttle direct Window",
        "governor",
        TARGET_DIRECT,
        |n| support::iter(n, || ours_direct(&mut window, &mut ours_cur)),
        |n| support::iter(n, || governor_direct(&theirs, &clock, &mut theirs_cur)),
    );
}

criterion_group!(benches, keyed, direct);

fn main() {
    let mode = support::Mode::from_args();
    benches();
    Criterion::default().configure_from_args().final_summary();
    paired(mode);
}
