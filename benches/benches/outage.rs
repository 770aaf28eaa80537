//! The client under an outage: requests sent per call while every answer
//! fails, calls that succeed while some answers fail at random, and how
//! soon calls succeed again once an outage ends. With the default `Client`
//! (its retry budget on) and, as the baseline in the same run, the same
//! client without a retry budget.
//!
//! 8 client threads call `ListApps` over loopback against the served
//! simulator, whose seeded fault rules make the answers fail (`*:503`,
//! `*:500`, `*:429,retry-after=1`, `*:503:0.05`, and `*:503` lasting 60
//! s); connections refused come from a closure transport, which no rule
//! can express. Each thread starts a call every second (a steady load of 8
//! calls a second). The client has the default settings but one: the
//! throttle lets `ListApps` through at 1,000 a second instead of the
//! documented 60 a minute, so that what is measured is what the retries do,
//! not how long calls queue for the throttle (which `max_elapsed` would
//! then cut short). Client and simulator share a virtual clock: backoffs,
//! `Retry-After` and the pacing take no real time, and the fault windows
//! are on the same clock. Not criterion: counts, printed once.
//!
//! `cargo bench -p sparkrtc-benches --bench outage`; under
//! `cargo test --benches` it runs 200 calls per case, to check it works.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod support;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, UNIX_EPOCH};

use sparkrtc::client::Client;
use sparkrtc::http::{Request, Response};
use sparkrtc::ops::ListApps;
use sparkrtc::simulator::{
    FaultEffect, FaultRule, Simulator, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY,
};
use sparkrtc::throttle::{RateLimit, ThrottleCategory, ThrottleConfig};
use sparkrtc::time::{Clock, VirtualClock};
use sparkrtc::transport::{Transport, TransportError, UreqTransport};
use sparkrtc::{Credentials, Endpoint, Error};
use support::Mode;

const THREADS: usize = 8;
/// The simulator's seed (its fault draws) and the clients' (their jitter).
const SEED: u64 = 19;
/// How long the outage of the recovery case lasts.
const OUTAGE: Duration = Duration::from_secs(60);
/// How often each thread starts a call.
const PACE: Duration = Duration::from_secs(1);
/// The calls over which the success rate after an outage is measured.
const WINDOW: usize = 200;

/// One call, as the caller saw it.
#[derive(Clone, Copy, Debug)]
struct Record {
    /// When it started, on the virtual clock.
    start: Duration,
    ok: bool,
    /// How it ended: `ok`, or the error's kind.
    end: &'static str,
    /// Ended by the retry budget.
    refused: bool,
    /// The budget's tokens when it ended.
    tokens: u32,
}

/// What a run of calls did.
struct Run {
    records: Vec<Record>,
    requests: u64,
}

impl Run {
    fn calls(&self) -> usize {
        self.records.len()
    }
    fn per_call(&self) -> f64 {
        self.requests as f64 / self.calls() as f64
    }
    fn succeeded(&self) -> usize {
        self.records.iter().filter(|r| r.ok).count()
    }
    fn success_rate(&self) -> f64 {
        self.succeeded() as f64 / self.calls() as f64
    }
    fn refused(&self) -> usize {
        self.records.iter().filter(|r| r.refused).count()
    }
}

/// `calls` calls of `ListApps` from 8 threads through `send`, on `clock`.
fn run<T: Transport + Sync>(
    client: &Client<T>,
    clock: &VirtualClock,
    calls: usize,
    sent: &AtomicU64,
) -> Run {
    let next = AtomicUsize::new(0);
    let records = Mutex::new(Vec::with_capacity(calls));
    clock.set_participants(THREADS);
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                while next.fetch_add(1, Ordering::Relaxed) < calls {
                    let start = clock.now();
                    let result = client.call(&ListApps::new());
                    let record = Record {
                        start,
                        ok: result.is_ok(),
                        end: end(&result),
                        refused: matches!(result, Err(Error::RetryBudgetExhausted { .. })),
                        tokens: client.retry_budget().map_or(0, |b| b.tokens()),
                    };
                    records.lock().unwrap().push(record);
                    // The next call a second after this one started.
                    clock.sleep((start + PACE).saturating_sub(clock.now()));
                }
                clock.leave();
            });
        }
    });
    let mut records = records.into_inner().unwrap();
    records.sort_by_key(|r| r.start);
    Run {
        records,
        requests: sent.load(Ordering::Relaxed),
    }
}

/// How a call ended.
fn end<T>(result: &Result<T, Error>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(Error::RetryBudgetExhausted { .. }) => "retry budget exhausted",
        Err(Error::DeadlineExceeded { .. }) => "deadline exceeded",
        Err(Error::Throttled { .. }) => "throttled (fail-fast)",
        Err(e) if e.is_throttled() => "429",
        Err(e) if e.is_server_error() => "5xx",
        Err(Error::Transport(_)) => "transport",
        Err(_) => "other",
    }
}

/// The failures of a run, by how they ended.
fn failures(run: &Run) -> String {
    let mut ends: Vec<(&str, usize)> = Vec::new();
    for r in run.records.iter().filter(|r| !r.ok) {
        match ends.iter_mut().find(|(e, _)| *e == r.end) {
            Some((_, n)) => *n += 1,
            None => ends.push((r.end, 1)),
        }
    }
    if ends.is_empty() {
        return "none".to_owned();
    }
    ends.iter()
        .map(|(e, n)| format!("{n} {e}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A client of the default settings (but its seed, its clock, and a
/// `ListApps` limit that does not bind), its retry budget on or off, over
/// `transport`.
fn client<T: Transport>(
    transport: T,
    endpoint: Endpoint,
    clock: &VirtualClock,
    budget: bool,
) -> Client<T> {
    let builder = Client::builder(transport)
        .endpoint(endpoint)
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).expect("keys"))
        .clock(Arc::new(clock.clone()))
        .throttle(
            ThrottleConfig::documented()
                .with_limit(
                    ThrottleCategory::ApplicationManagement,
                    RateLimit {
                        requests: 1_000,
                        window: Duration::from_secs(1),
                    },
                )
                .expect("a limit"),
        )
        .seed(SEED);
    let builder = if budget {
        builder
    } else {
        builder.no_retry_budget()
    };
    builder.build().expect("client")
}

/// `calls` calls against a served simulator with `rule`.
fn against_simulator(rule: FaultRule, budget: bool, calls: usize) -> Run {
    let clock = VirtualClock::new(UNIX_EPOCH + Duration::from_secs(1_764_979_200));
    let sim = Simulator::new(
        SimulatorConfig::default()
            .with_seed(SEED)
            .with_virtual_clock(clock.clone())
            .with_rate_limits(false),
    );
    sim.faults().add(rule).expect("a fault rule");
    let server = sim.serve("127.0.0.1:0").expect("serve");
    let endpoint = Endpoint::new(&server.url())
        .and_then(|e| e.with_project_id(sim.config().project_id()))
        .expect("endpoint");
    let sent = AtomicU64::new(0);
    let ureq = UreqTransport::default();
    let transport = |request: Request<Vec<u8>>| {
        sent.fetch_add(1, Ordering::Relaxed);
        ureq.send(request)
    };
    let client = client(transport, endpoint, &clock, budget);
    run(&client, &clock, calls, &sent)
}

/// `calls` calls through a transport whose connections are all refused.
fn refused_connections(budget: bool, calls: usize) -> Run {
    let clock = VirtualClock::new(UNIX_EPOCH + Duration::from_secs(1_764_979_200));
    let sent = AtomicU64::new(0);
    let transport = |_: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, TransportError> {
        sent.fetch_add(1, Ordering::Relaxed);
        Err(TransportError::not_sent("connection refused"))
    };
    let endpoint = Endpoint::new("http://127.0.0.1:9")
        .and_then(|e| e.with_project_id("0123456789abcdef0123456789abcdef"))
        .expect("endpoint");
    let client = client(transport, endpoint, &clock, budget);
    run(&client, &clock, calls, &sent)
}

/// After the outage: the calls that started after it ended before the
/// first one from which `WINDOW` calls in a row succeed above 99%; and the
/// calls after it ended until the budget holds `tokens` again.
fn recovery(run: &Run, tokens: u32) -> (Option<usize>, Option<usize>) {
    let after: Vec<Record> = run
        .records
        .iter()
        .copied()
        .filter(|r| r.start >= OUTAGE)
        .collect();
    let back = (0..after.len().saturating_sub(WINDOW - 1)).find(|&i| {
        let ok = after[i..i + WINDOW].iter().filter(|r| r.ok).count();
        ok as f64 / WINDOW as f64 > 0.99
    });
    let refilled = after.iter().position(|r| r.tokens >= tokens);
    (back, refilled)
}

fn show(n: Option<usize>) -> String {
    n.map_or_else(|| "never, in this run".to_owned(), |n| n.to_string())
}

fn main() {
    let calls = match Mode::from_args() {
        Mode::Skip => return,
        Mode::Test => 200,
        Mode::Bench => 2_000,
    };
    let started = Instant::now();
    println!(
        "outage: {calls} calls of ListApps from {THREADS} threads, the default Client (retry budget on) against the same without a budget; virtual clock, simulator seed {SEED}"
    );
    println!();
    println!("| answers | requests per call, budget | without budget | calls that succeeded, budget | without budget |");
    println!("| --- | --- | --- | --- | --- |");
    let cases: [(&str, Option<&str>); 5] = [
        ("100% 503", Some("*:503")),
        ("100% 500", Some("*:500")),
        ("100% 429, Retry-After 1 s", Some("*:429,retry-after=1")),
        ("100% connections refused", None),
        ("5% 503 at random", Some("*:503:0.05")),
    ];
    for (name, rule) in cases {
        let go = |budget| match rule {
            Some(rule) => against_simulator(rule.parse().expect("a rule"), budget, calls),
            None => refused_connections(budget, calls),
        };
        let (with, without) = (go(true), go(false));
        println!(
            "| {name} | {:.3} ({} requests; {} calls ended by the budget) | {:.3} ({}) | {:.2}% | {:.2}% |",
            with.per_call(),
            with.requests,
            with.refused(),
            without.per_call(),
            without.requests,
            with.success_rate() * 100.0,
            without.success_rate() * 100.0,
        );
    }
    println!();
    let random = |budget| against_simulator("*:503:0.05".parse().expect("a rule"), budget, calls);
    let (with, without) = (random(true), random(false));
    println!(
        "5% 503 at random, calls that failed: with the budget {}; without {}",
        failures(&with),
        failures(&without)
    );
    println!();

    // An outage of a minute, then the service is back.
    let outage = || FaultRule::new(FaultEffect::error(503)).lasting(OUTAGE);
    let with = against_simulator(outage(), true, calls);
    let without = against_simulator(outage(), false, calls);
    let during = |run: &Run| {
        let n = run.records.iter().filter(|r| r.start < OUTAGE).count();
        let failed_after = run
            .records
            .iter()
            .filter(|r| r.start >= OUTAGE && !r.ok)
            .count();
        (n, run.records.len() - n, failed_after)
    };
    // A call's three retries after a server error, at the default costs.
    let full_call = 3 * sparkrtc::retry::DEFAULT_RETRY_COST;
    let (back, refilled) = recovery(&with, full_call);
    let full = recovery(&with, sparkrtc::retry::DEFAULT_BUDGET_CAPACITY).1;
    let (back_without, _) = recovery(&without, 0);
    let (in_with, after_with, failed_with) = during(&with);
    let (in_without, after_without, failed_without) = during(&without);
    println!(
        "after a 100% 503 outage of {} s: with the budget, {in_with} calls started during it and {after_with} after, of which {failed_with} failed; calls after it before the success rate over {WINDOW} calls is above 99%: {}; calls after it until the budget pays a whole call's retries again ({full_call} tokens): {}, until it is full: {}",
        OUTAGE.as_secs(),
        show(back),
        show(refilled),
        show(full),
    );
    println!(
        "without the budget, {in_without} calls started during it and {after_without} after, of which {failed_without} failed; calls after it before the success rate over {WINDOW} calls is above 99%: {}",
        show(back_without),
    );
    println!();
    println!("took {:.1?}", started.elapsed());
}
