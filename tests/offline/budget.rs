//! The retry budget's arithmetic, exactly: the defaults, each event's
//! tokens, refusals that take nothing, the cap; the kind of each outcome;
//! properties over any sequence of events (against a model in plain
//! integers, the atomic steps against the value steps, the bound on
//! retries); threads sharing one atomic never spend a token twice. And the
//! retry policy's two backoffs, throttling and failures, each from its own
//! base.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use proptest::prelude::*;
use sparkrtc::retry::{
    Outcome, RetryBudget, RetryDecision, RetryKind, RetryPolicy, StopReason, DEFAULT_BASE_DELAY,
    DEFAULT_BUDGET_CAPACITY, DEFAULT_MAX_DELAY, DEFAULT_RETRY_COST, DEFAULT_SUCCESS_REFILL,
    DEFAULT_THROTTLED_RETRY_COST, DEFAULT_THROTTLING_BASE_DELAY, DEFAULT_THROTTLING_MAX_DELAY,
};
use sparkrtc::OperationId;

fn status(code: u16) -> Outcome<'static> {
    Outcome::Status {
        status: code,
        error_code: None,
    }
}

#[test]
fn the_defaults() {
    assert_eq!(DEFAULT_BUDGET_CAPACITY, 500);
    assert_eq!(DEFAULT_THROTTLED_RETRY_COST, 5);
    assert_eq!(DEFAULT_RETRY_COST, 10);
    assert_eq!(DEFAULT_SUCCESS_REFILL, 1);
    let b = RetryBudget::new();
    assert_eq!(b, RetryBudget::default());
    assert_eq!(b.capacity(), 500);
    assert_eq!(b.tokens(), 500);
    assert_eq!(b.cost(RetryKind::Throttled), 5);
    assert_eq!(b.cost(RetryKind::Failure), 10);
    assert_eq!(b.success_refill(), 1);
}

#[test]
fn an_outage_from_a_full_budget_pays_for_50_retries_or_100_after_429s() {
    let mut b = RetryBudget::new();
    let paid = std::iter::from_fn(|| b.try_withdraw(RetryKind::Failure)).count();
    assert_eq!(paid, 50);
    assert_eq!(b.tokens(), 0);
    let mut b = RetryBudget::new();
    let paid = std::iter::from_fn(|| b.try_withdraw(RetryKind::Throttled)).count();
    assert_eq!(paid, 100);
}

#[test]
fn each_event_moves_the_tokens_exactly() {
    let mut b = RetryBudget::new().with_capacity(23).with_costs(4, 9);
    assert_eq!(b.tokens(), 23);
    assert_eq!(b.try_withdraw(RetryKind::Failure), Some(9));
    assert_eq!(b.tokens(), 14);
    assert_eq!(b.try_withdraw(RetryKind::Throttled), Some(4));
    assert_eq!(b.tokens(), 10);
    assert_eq!(b.try_withdraw(RetryKind::Failure), Some(9));
    assert_eq!(b.tokens(), 1);
    // Fewer than the cost: refused, nothing taken.
    assert_eq!(b.try_withdraw(RetryKind::Failure), None);
    assert_eq!(b.try_withdraw(RetryKind::Throttled), None);
    assert_eq!(b.tokens(), 1);
    // Exactly the cost is enough.
    b.on_success(Some(RetryKind::Throttled));
    assert_eq!(b.tokens(), 5);
    assert_eq!(b.try_withdraw(RetryKind::Throttled), Some(4));
    assert_eq!(b.tokens(), 1);
    b.on_success(None);
    assert_eq!(b.tokens(), 2);
    b.on_success(Some(RetryKind::Failure));
    assert_eq!(b.tokens(), 11);
    // Never above the capacity.
    for _ in 0..3 {
        b.on_success(Some(RetryKind::Failure));
    }
    assert_eq!(b.tokens(), 23);
    b.on_success(None);
    assert_eq!(b.tokens(), 23);
}

#[test]
fn settings_and_their_edges() {
    let b = RetryBudget::new().with_success_refill(3).with_capacity(7);
    assert_eq!(b.success_refill(), 3);
    assert_eq!((b.capacity(), b.tokens()), (7, 7));
    assert_eq!(b.with_tokens(2).tokens(), 2);
    assert_eq!(b.with_tokens(7).tokens(), 7);
    assert_eq!(b.with_tokens(8).tokens(), 7);
    assert_eq!(b.with_tokens(u32::MAX).tokens(), 7);
    let mut refill = b.with_tokens(2);
    refill.on_success(None);
    assert_eq!(refill.tokens(), 5);
    // A cost of zero is never refused, even with no tokens.
    let mut free = RetryBudget::new().with_capacity(0).with_costs(0, 0);
    assert_eq!(free.try_withdraw(RetryKind::Failure), Some(0));
    assert_eq!(free.try_withdraw(RetryKind::Throttled), Some(0));
    // An empty budget of nonzero costs refuses every retry.
    let mut none = RetryBudget::new().with_capacity(0);
    assert_eq!(none.try_withdraw(RetryKind::Throttled), None);
    none.on_success(None);
    assert_eq!(none.tokens(), 0);
    // Large numbers saturate at the capacity rather than wrap.
    let mut big = RetryBudget::new()
        .with_capacity(u32::MAX)
        .with_costs(u32::MAX, 1)
        .with_success_refill(u32::MAX);
    big.on_success(None);
    assert_eq!(big.tokens(), u32::MAX);
    assert_eq!(big.try_withdraw(RetryKind::Throttled), Some(u32::MAX));
    assert_eq!(big.tokens(), 0);
    big.on_success(Some(RetryKind::Throttled));
    big.on_success(Some(RetryKind::Throttled));
    assert_eq!(big.tokens(), u32::MAX);
}

#[test]
fn the_kind_of_each_outcome() {
    assert_eq!(RetryKind::of(status(429)), RetryKind::Throttled);
    let apig = Outcome::Status {
        status: 429,
        error_code: Some("APIG.0308"),
    };
    assert_eq!(RetryKind::of(apig), RetryKind::Throttled);
    for failure in [
        status(500),
        status(502),
        status(503),
        status(504),
        status(400),
        Outcome::NotSent,
        Outcome::Timeout,
        Outcome::FailedAfterSend,
        Outcome::QuotaExhausted,
        Outcome::Other,
    ] {
        assert_eq!(RetryKind::of(failure), RetryKind::Failure, "{failure:?}");
    }
}

#[test]
fn threads_sharing_an_atomic_never_spend_a_token_twice() {
    let settings = RetryBudget::new().with_capacity(1_003).with_costs(5, 10);
    let tokens = AtomicU32::new(settings.tokens());
    let paid = AtomicU64::new(0);
    std::thread::scope(|s| {
        for t in 0..8 {
            let (tokens, paid) = (&tokens, &paid);
            s.spawn(move || {
                let kind = if t % 2 == 0 {
                    RetryKind::Failure
                } else {
                    RetryKind::Throttled
                };
                for _ in 0..1_000 {
                    if let Some(cost) = settings.withdraw_from(tokens, kind) {
                        paid.fetch_add(u64::from(cost), Ordering::Relaxed);
                    }
                }
            });
        }
    });
    // Every token spent once: what is left is under the cheapest cost, and
    // what was paid plus what is left is what there was.
    let left = tokens.load(Ordering::Relaxed);
    assert!(left < 5, "{left}");
    assert_eq!(paid.load(Ordering::Relaxed) + u64::from(left), 1_003);
    // Deposits from many threads stop at the capacity.
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..500 {
                    settings.deposit_into(&tokens, None);
                }
            });
        }
    });
    assert_eq!(tokens.load(Ordering::Relaxed), 1_003);
}

/// One event of a budget's life.
#[derive(Clone, Copy, Debug)]
enum Event {
    Retry(RetryKind),
    Success(Option<RetryKind>),
}

fn kind() -> impl Strategy<Value = RetryKind> {
    prop_oneof![Just(RetryKind::Throttled), Just(RetryKind::Failure)]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        3 => kind().prop_map(Event::Retry),
        1 => proptest::option::of(kind()).prop_map(Event::Success),
    ]
}

fn settings() -> impl Strategy<Value = RetryBudget> {
    (0u32..2_000, 0u32..50, 0u32..50, 0u32..20, 0u32..2_000).prop_map(
        |(capacity, throttled, failure, refill, tokens)| {
            RetryBudget::new()
                .with_capacity(capacity)
                .with_costs(throttled, failure)
                .with_success_refill(refill)
                .with_tokens(tokens)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The budget is the model: integers, a refusal when fewer than the
    /// cost are left, a cap on deposits.
    #[test]
    fn the_budget_follows_its_model(start in settings(), events in proptest::collection::vec(event(), 0..200)) {
        let mut budget = start;
        let mut model = i64::from(start.tokens());
        let cap = i64::from(start.capacity());
        let cost = |k: RetryKind| i64::from(start.cost(k));
        for e in events {
            match e {
                Event::Retry(k) => {
                    let paid = budget.try_withdraw(k);
                    if model >= cost(k) {
                        prop_assert_eq!(paid, Some(start.cost(k)));
                        model -= cost(k);
                    } else {
                        prop_assert_eq!(paid, None);
                    }
                }
                Event::Success(retried) => {
                    budget.on_success(retried);
                    let amount = retried.map_or(i64::from(start.success_refill()), cost);
                    model = (model + amount).min(cap);
                }
            }
            prop_assert_eq!(i64::from(budget.tokens()), model);
            prop_assert!(budget.tokens() <= budget.capacity());
            prop_assert_eq!(budget.capacity(), start.capacity());
        }
    }

    /// The atomic steps the client uses are the value steps.
    #[test]
    fn the_atomic_steps_are_the_value_steps(start in settings(), events in proptest::collection::vec(event(), 0..200)) {
        let mut budget = start;
        let tokens = AtomicU32::new(start.tokens());
        for e in events {
            match e {
                Event::Retry(k) => {
                    prop_assert_eq!(start.withdraw_from(&tokens, k), budget.try_withdraw(k));
                }
                Event::Success(retried) => {
                    start.deposit_into(&tokens, retried);
                    budget.on_success(retried);
                }
            }
            prop_assert_eq!(tokens.load(Ordering::Relaxed), budget.tokens());
        }
    }

    /// Without successes on a retry, the retries paid for are bounded by
    /// what the budget held and what first-attempt successes gave back:
    /// `(tokens + successes * refill) / cheapest cost`.
    #[test]
    fn retries_are_bounded_by_tokens_and_successes(
        start in settings(),
        events in proptest::collection::vec(prop_oneof![
            3 => kind().prop_map(Event::Retry),
            1 => Just(Event::Success(None)),
        ], 0..300),
    ) {
        let cheapest = start.cost(RetryKind::Throttled).min(start.cost(RetryKind::Failure));
        prop_assume!(cheapest > 0);
        let mut budget = start;
        let (mut retries, mut successes) = (0u64, 0u64);
        for e in events {
            match e {
                Event::Retry(k) => retries += u64::from(budget.try_withdraw(k).is_some()),
                Event::Success(r) => {
                    budget.on_success(r);
                    successes += 1;
                }
            }
            let bound = (u64::from(start.tokens()) + successes * u64::from(start.success_refill()))
                / u64::from(cheapest);
            prop_assert!(retries <= bound, "{} > {}", retries, bound);
        }
    }
}

#[test]
fn throttling_and_failures_back_off_from_their_own_bases() {
    assert_eq!(DEFAULT_BASE_DELAY, Duration::from_millis(500));
    assert_eq!(DEFAULT_MAX_DELAY, Duration::from_secs(10));
    assert_eq!(DEFAULT_THROTTLING_BASE_DELAY, Duration::from_secs(1));
    assert_eq!(DEFAULT_THROTTLING_MAX_DELAY, Duration::from_secs(10));
    let policy = RetryPolicy::default();
    let op = OperationId::ShowApp;
    for seed in [0u64, 7, 42, u64::MAX] {
        for attempt in 1..4 {
            assert_eq!(
                policy.decide(op, attempt, Duration::ZERO, status(429), seed),
                RetryDecision::Retry(policy.throttling_backoff(attempt, seed))
            );
            for failure in [status(500), status(503), Outcome::NotSent] {
                assert_eq!(
                    policy.decide(op, attempt, Duration::ZERO, failure, seed),
                    RetryDecision::Retry(policy.backoff(attempt, seed))
                );
            }
        }
    }
    // The same jitter stream, scaled by each base: 1 s against 500 ms.
    let same =
        RetryPolicy::default().with_backoff(DEFAULT_THROTTLING_BASE_DELAY, DEFAULT_MAX_DELAY);
    for seed in [0u64, 7, 42, u64::MAX] {
        for attempt in 0..70 {
            assert_eq!(
                policy.throttling_backoff(attempt, seed),
                same.backoff(attempt, seed),
                "{attempt} {seed}"
            );
        }
    }
    // Ceilings: 1 s, 2 s, 4 s, 8 s, then 10 s.
    let ceilings = [1, 2, 4, 8, 10, 10].map(Duration::from_secs);
    for (attempt, ceiling) in (1u32..).zip(ceilings) {
        let most = (0..2_000u64)
            .map(|seed| policy.throttling_backoff(attempt, seed))
            .max()
            .unwrap();
        assert!(most <= ceiling, "{attempt}: {most:?}");
        assert!(most > ceiling * 99 / 100, "{attempt}: {most:?}");
    }
}

#[test]
fn the_throttling_backoff_is_set_apart_from_the_failures_one() {
    let policy = RetryPolicy::default()
        .with_throttling_backoff(Duration::from_secs(3), Duration::from_secs(2))
        .with_backoff(Duration::from_millis(10), Duration::from_millis(20));
    // The base is cut to the ceiling.
    let fixed = RetryPolicy::default().with_backoff(Duration::from_secs(2), Duration::from_secs(2));
    for seed in 0..50u64 {
        assert_eq!(policy.throttling_backoff(1, seed), fixed.backoff(1, seed));
        assert!(policy.backoff(1, seed) <= Duration::from_millis(10));
        assert!(policy.backoff(9, seed) <= Duration::from_millis(20));
    }
    // The budget's stop is not one the policy gives.
    let op = OperationId::ShowApp;
    for attempt in 1..10 {
        for outcome in [status(429), status(503), Outcome::Timeout, Outcome::Other] {
            let d = policy.decide(op, attempt, Duration::ZERO, outcome, 1);
            assert_ne!(d, RetryDecision::Stop(StopReason::BudgetExhausted));
        }
    }
}
