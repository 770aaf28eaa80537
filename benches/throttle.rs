//! Throttle speed against the `governor` crate.
//!
//! Targets (issue 3): with the same input sequence of (scope, now), mixing
//! admissions and waits, our `Throttle::acquire` over 1,000 keys costs at most
//! half of governor's keyed limiter (its default DashMap store) driven by a
//! `FakeRelativeClock`, and our single-scope `Window::acquire` at most as much
//! as governor's direct limiter on the same clock. Compare the lines of a
//! group to get the ratio (ours / governor).
//!
//! Both sides see one endless stream: a fixed sequence of events, replayed lap
//! after lap with time moving on, so state carries over between iterations and
//! key creation happens only during warm-up. Each key gets calls at about twice
//! its limit (10 per second), so about half are admitted.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use governor::clock::FakeRelativeClock;
use governor::{Quota, RateLimiter};
use sparkrtc::throttle::ThrottleCategory;
use sparkrtc::throttle::{CredentialId, Scope, Throttle, Window};

const EVENTS: usize = 1 << 16;
const CATEGORY: ThrottleCategory = ThrottleCategory::MixStreamJobManagement; // 10 per second

/// A replayable event sequence: which key, and the time since the lap's start.
struct Stream {
    keys: Vec<Scope>,
    times: Vec<Duration>,
    /// Time from the previous event (the first: from the previous lap's last).
    deltas: Vec<Duration>,
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
        deltas: Vec::with_capacity(EVENTS),
        lap: Duration::ZERO,
    };
    for _ in 0..EVENTS {
        let gap = splitmix(&mut rng) % (2 * mean_gap_ns + 1);
        t += gap;
        let key = splitmix(&mut rng) % keys;
        out.keys
            .push(Scope::new(CATEGORY).with_credential(CredentialId::new(key)));
        out.times.push(Duration::from_nanos(t));
        out.deltas.push(Duration::from_nanos(gap));
    }
    let wrap_gap = mean_gap_ns;
    out.lap = Duration::from_nanos(t + wrap_gap);
    out.deltas[0] += Duration::from_nanos(wrap_gap);
    out
}

/// Walks the stream forever: index and the current lap's time offset.
struct Cursor {
    i: usize,
    offset: Duration,
}

impl Cursor {
    fn new() -> Cursor {
        Cursor {
            i: 0,
            offset: Duration::ZERO,
        }
    }

    #[inline]
    fn next(&mut self, s: &Stream) -> usize {
        let i = self.i;
        self.i += 1;
        if self.i == EVENTS {
            self.i = 0;
            self.offset += s.lap;
        }
        i
    }
}

fn governor_quota() -> Quota {
    let limit = CATEGORY.documented_limit();
    Quota::with_period(limit.window / limit.requests)
        .unwrap()
        .allow_burst(std::num::NonZeroU32::new(limit.requests).unwrap())
}

/// One lap on fresh limiters: how many calls each side admits.
fn report_mix(name: &str, s: &Stream) {
    let mut ours = Throttle::default();
    let clock = FakeRelativeClock::default();
    let theirs = RateLimiter::dashmap_with_clock(governor_quota(), clock.clone());
    let (mut a, mut b) = (0, 0);
    for i in 0..EVENTS {
        a += usize::from(ours.acquire(s.keys[i], s.times[i]).is_send());
        clock.advance(s.deltas[i]);
        b += usize::from(theirs.check_key(&s.keys[i]).is_ok());
    }
    eprintln!(
        "{name}: {EVENTS} calls, ours admits {a} ({:.1}%), governor {b} ({:.1}%); \
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
    let mut cur = Cursor::new();
    group.bench_function("ours", |b| {
        b.iter(|| {
            let i = cur.next(&s);
            black_box(ours.acquire(s.keys[i], cur.offset + s.times[i]))
        })
    });

    let clock = FakeRelativeClock::default();
    let theirs = RateLimiter::dashmap_with_clock(governor_quota(), clock.clone());
    let mut cur = Cursor::new();
    group.bench_function("governor", |b| {
        b.iter(|| {
            let i = cur.next(&s);
            clock.advance(s.deltas[i]);
            black_box(theirs.check_key(&s.keys[i]).is_ok())
        })
    });
    group.finish();
}

fn direct(c: &mut Criterion) {
    let s = stream(1, 50_000_000, 2); // 20 calls per second on one scope
    report_mix("direct", &s);
    let mut group = c.benchmark_group("direct");

    let mut window = Window::new(CATEGORY.documented_limit()).unwrap();
    let mut cur = Cursor::new();
    group.bench_function("ours", |b| {
        b.iter(|| {
            let i = cur.next(&s);
            black_box(window.acquire(cur.offset + s.times[i]))
        })
    });

    // For information: the keyed throttle with its one scope.
    let mut throttle = Throttle::default();
    let mut cur = Cursor::new();
    group.bench_function("ours_throttle_one_scope", |b| {
        b.iter(|| {
            let i = cur.next(&s);
            black_box(throttle.acquire(s.keys[i], cur.offset + s.times[i]))
        })
    });

    let clock = FakeRelativeClock::default();
    let theirs = RateLimiter::direct_with_clock(governor_quota(), clock.clone());
    let mut cur = Cursor::new();
    group.bench_function("governor", |b| {
        b.iter(|| {
            let i = cur.next(&s);
            clock.advance(s.deltas[i]);
            black_box(theirs.check().is_ok())
        })
    });
    group.finish();
}

criterion_group!(benches, keyed, direct);
criterion_main!(benches);
