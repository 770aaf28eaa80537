//! The retry policy: decisions per operation kind and outcome, the backoff
//! formula, the attempt and time limits, and a property test.

use std::time::Duration;

use http::{HeaderMap, StatusCode};
use proptest::prelude::*;
use sparkrtc::ops::ShowMixJob;
use sparkrtc::retry::{
    Outcome, RetryDecision, RetryPolicy, StopReason, DEFAULT_BASE_DELAY, DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_DELAY, DEFAULT_MAX_ELAPSED,
};
use sparkrtc::throttle::MAX_TIME;
use sparkrtc::{ApiError, Error, Operation, OperationId};

use crate::catalog;

fn status(code: u16) -> Outcome<'static> {
    Outcome::Status {
        status: code,
        error_code: None,
    }
}

/// Whether the decision is a retry (any delay) or the stop reason.
fn kind(d: RetryDecision) -> Result<(), StopReason> {
    match d {
        RetryDecision::Retry(_) => Ok(()),
        RetryDecision::Stop(reason) => Err(reason),
    }
}

const RETRY: Result<(), StopReason> = Ok(());
const AMBIGUOUS: Result<(), StopReason> = Err(StopReason::Ambiguous);
const NOT_RETRYABLE: Result<(), StopReason> = Err(StopReason::NotRetryable);
const QUOTA: Result<(), StopReason> = Err(StopReason::QuotaExhausted);

/// The operations that are not safe to repeat, derived from the catalog: a
/// POST to a collection (another operation addresses `<path>/{id}`) creates
/// a new application or recording job each time, unless the catalog says it
/// creates *or updates* (创建或更新: `CreateRecordRule` keeps one rule per
/// app and location). The state-setting POSTs (`.../enable`, `.../dismiss`,
/// ...) act on an existing resource.
fn unsafe_to_repeat() -> Vec<OperationId> {
    let catalog = catalog::catalog();
    let ops = catalog::operations(&catalog);
    let paths: Vec<&str> = ops.iter().map(|o| o["path"].as_str().unwrap()).collect();
    let addresses_an_item_of = |collection: &str| {
        paths.iter().any(|p| {
            p.strip_prefix(collection)
                .and_then(|rest| rest.strip_prefix("/{"))
                .is_some_and(|rest| rest.ends_with('}') && !rest.contains('/'))
        })
    };
    let mut unsafe_ops: Vec<OperationId> = ops
        .iter()
        .filter(|o| o["method"] == "POST")
        .filter(|o| addresses_an_item_of(o["path"].as_str().unwrap()))
        .filter(|o| !o["summary"].as_str().unwrap().contains("创建或更新"))
        .map(|o| OperationId::from_name(o["operation"].as_str().unwrap()).unwrap())
        .collect();
    unsafe_ops.sort();
    unsafe_ops
}

#[test]
fn only_app_and_job_creation_are_unsafe_to_repeat() {
    let mut unsafe_ops: Vec<OperationId> = OperationId::ALL
        .iter()
        .copied()
        .filter(|op| !op.info().retry_safe)
        .collect();
    unsafe_ops.sort();
    let derived = unsafe_to_repeat();
    assert!(!derived.is_empty(), "the catalog rule found no creation");
    assert_eq!(unsafe_ops, derived);
    for op in derived {
        assert_eq!(op.info().method, http::Method::POST, "{op}");
        assert!(!op.retry_safe(), "{op}");
    }
}

#[test]
fn decisions_per_operation_kind() {
    // (outcome, safe operation, unsafe operation)
    let table: &[(Outcome<'static>, _, _)] = &[
        (status(429), RETRY, RETRY),
        (
            Outcome::Status {
                status: 429,
                error_code: Some("APIG.0308"),
            },
            RETRY,
            RETRY,
        ),
        (status(500), RETRY, RETRY),
        (status(502), RETRY, RETRY),
        (status(503), RETRY, RETRY),
        (status(504), RETRY, AMBIGUOUS),
        (status(400), NOT_RETRYABLE, NOT_RETRYABLE),
        (status(401), NOT_RETRYABLE, NOT_RETRYABLE),
        (status(403), NOT_RETRYABLE, NOT_RETRYABLE),
        (status(404), NOT_RETRYABLE, NOT_RETRYABLE),
        (status(408), NOT_RETRYABLE, NOT_RETRYABLE),
        (status(409), NOT_RETRYABLE, NOT_RETRYABLE),
        (status(501), NOT_RETRYABLE, NOT_RETRYABLE),
        (status(200), NOT_RETRYABLE, NOT_RETRYABLE),
        (status(0), NOT_RETRYABLE, NOT_RETRYABLE),
        (Outcome::NotSent, RETRY, RETRY),
        (Outcome::FailedAfterSend, RETRY, AMBIGUOUS),
        (Outcome::Timeout, RETRY, AMBIGUOUS),
        (Outcome::QuotaExhausted, QUOTA, QUOTA),
        (Outcome::Other, NOT_RETRYABLE, NOT_RETRYABLE),
    ];
    let safe = [
        OperationId::ShowMixJob,      // GET
        OperationId::UpdateMixJob,    // PUT
        OperationId::StopMixJob,      // DELETE
        OperationId::StartApp,        // POST that sets a state
        OperationId::RemoveRoom,      // POST that removes
        OperationId::ListRtcUserList, // statistics GET
    ];
    let unsafe_ops = unsafe_to_repeat();
    let policy = RetryPolicy::default();
    let opted_in = RetryPolicy::default().with_ambiguous_retries(true);
    for &(outcome, want_safe, want_unsafe) in table {
        for op in safe {
            let d = policy.decide(op, 1, Duration::ZERO, outcome, 3);
            assert_eq!(kind(d), want_safe, "{op} {outcome:?}");
            assert_eq!(
                policy.refusal(op, outcome),
                want_safe.err(),
                "{op} {outcome:?}"
            );
            assert_eq!(
                kind(opted_in.decide(op, 1, Duration::ZERO, outcome, 3)),
                want_safe
            );
        }
        for &op in &unsafe_ops {
            let d = policy.decide(op, 1, Duration::ZERO, outcome, 3);
            assert_eq!(kind(d), want_unsafe, "{op} {outcome:?}");
            // Opting in makes them behave like the safe ones.
            let d = opted_in.decide(op, 1, Duration::ZERO, outcome, 3);
            assert_eq!(kind(d), want_safe, "{op} {outcome:?} opted in");
        }
    }
}

#[test]
fn outcomes_from_errors() {
    let h = HeaderMap::new();
    let err = ShowMixJob::parse(
        StatusCode::TOO_MANY_REQUESTS,
        &h,
        br#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached"}"#,
    )
    .unwrap_err();
    assert_eq!(
        Outcome::from(&err),
        Outcome::Status {
            status: 429,
            error_code: Some("APIG.0308")
        }
    );
    let daily = ApiError::from_response(
        StatusCode::TOO_MANY_REQUESTS,
        &h,
        br#"{"error_code":"APIG.0308","error_msg":"policy user over ratelimit,limit:1000,time:1 day"}"#,
    );
    assert_eq!(Outcome::from(&daily), Outcome::QuotaExhausted);
    assert_eq!(
        RetryPolicy::default().decide(
            OperationId::ListApps,
            1,
            Duration::ZERO,
            Outcome::from(&daily),
            1
        ),
        RetryDecision::Stop(StopReason::QuotaExhausted)
    );
    let api = ApiError::from_response(StatusCode::BAD_GATEWAY, &h, b"<html/>");
    assert_eq!(Outcome::from(&api), status(502));
    let quota = Error::QuotaExhausted(Box::new(api));
    assert_eq!(Outcome::from(&quota), Outcome::QuotaExhausted);
    let other = Error::UnknownOperation("Nope".into());
    assert_eq!(Outcome::from(&other), Outcome::Other);
    let decode = ShowMixJob::parse(StatusCode::OK, &h, b"[1]").unwrap_err();
    assert_eq!(Outcome::from(&decode), Outcome::Other);
}

/// The reference SplitMix64 output function.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The documented draw: the attempt-th SplitMix64 output of the seed,
/// scaled onto `0..=ceiling_ns`.
fn reference_delay(attempt: u32, seed: u64, ceiling_ns: u64) -> Duration {
    let r = splitmix64(seed.wrapping_add(u64::from(attempt).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    Duration::from_nanos(((u128::from(r) * (u128::from(ceiling_ns) + 1)) >> 64) as u64)
}

#[test]
fn backoff_is_full_jitter_over_a_doubling_ceiling() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.max_attempts(), DEFAULT_MAX_ATTEMPTS);
    for attempt in 1..=8u32 {
        let ceiling = (DEFAULT_BASE_DELAY * 2u32.pow(attempt - 1)).min(DEFAULT_MAX_DELAY);
        let ceiling_ns = ceiling.as_nanos() as u64;
        let mut lo = Duration::MAX;
        let mut hi = Duration::ZERO;
        for seed in 0..2_000u64 {
            let seed = seed.wrapping_mul(0x1234_5678_9abc_def1);
            let d = policy.backoff(attempt, seed);
            assert_eq!(
                d,
                reference_delay(attempt, seed, ceiling_ns),
                "attempt {attempt} seed {seed}"
            );
            lo = lo.min(d);
            hi = hi.max(d);
        }
        assert!(hi <= ceiling);
        assert!(
            hi >= ceiling * 98 / 100,
            "attempt {attempt}: {hi:?} of {ceiling:?}"
        );
        assert!(
            lo <= ceiling / 50,
            "attempt {attempt}: {lo:?} of {ceiling:?}"
        );
    }
    // Attempt 0 reads as 1; huge attempts stay at the cap.
    assert_eq!(policy.backoff(0, 9), policy.backoff(1, 9));
    assert!(policy.backoff(u32::MAX, 9) <= DEFAULT_MAX_DELAY);
    // The same seed gives different delays on different attempts.
    assert_ne!(policy.backoff(3, 9), policy.backoff(4, 9));
}

#[test]
fn decide_retries_with_the_backoff_delay() {
    let policy = RetryPolicy::default();
    for seed in [0u64, 1, 42, u64::MAX] {
        for attempt in 1..DEFAULT_MAX_ATTEMPTS {
            assert_eq!(
                policy.decide(
                    OperationId::ShowApp,
                    attempt,
                    Duration::ZERO,
                    status(503),
                    seed
                ),
                RetryDecision::Retry(policy.backoff(attempt, seed))
            );
        }
    }
}

#[test]
fn attempts_are_limited() {
    let policy = RetryPolicy::default();
    let op = OperationId::ListApps;
    assert!(matches!(
        policy.decide(op, DEFAULT_MAX_ATTEMPTS - 1, Duration::ZERO, status(500), 1),
        RetryDecision::Retry(_)
    ));
    for attempt in [DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS + 1, u32::MAX] {
        assert_eq!(
            policy.decide(op, attempt, Duration::ZERO, status(500), 1),
            RetryDecision::Stop(StopReason::AttemptsExhausted)
        );
    }
    // A non-retryable outcome says so, whatever the attempt.
    assert_eq!(
        policy.decide(op, u32::MAX, Duration::ZERO, status(404), 1),
        RetryDecision::Stop(StopReason::NotRetryable)
    );
    let never = RetryPolicy::never();
    assert_eq!(never.max_attempts(), 1);
    assert_eq!(
        never.decide(op, 1, Duration::ZERO, status(429), 1),
        RetryDecision::Stop(StopReason::AttemptsExhausted)
    );
    assert_eq!(
        never.decide(op, 0, Duration::ZERO, status(429), 1),
        RetryDecision::Stop(StopReason::AttemptsExhausted)
    );
    assert_eq!(
        RetryPolicy::default().with_max_attempts(0).max_attempts(),
        1
    );
    let ten = RetryPolicy::default().with_max_attempts(10);
    assert!(matches!(
        ten.decide(op, 9, Duration::ZERO, status(429), 1),
        RetryDecision::Retry(_)
    ));
}

#[test]
fn total_time_is_limited() {
    let policy = RetryPolicy::default();
    let op = OperationId::ShowRecordRule;
    let seed = 77;
    let d = policy.backoff(2, seed);
    assert!(d > Duration::ZERO);
    let last_chance = DEFAULT_MAX_ELAPSED - d;
    assert_eq!(
        policy.decide(op, 2, last_chance, Outcome::NotSent, seed),
        RetryDecision::Retry(d)
    );
    assert_eq!(
        policy.decide(
            op,
            2,
            last_chance + Duration::from_nanos(1),
            Outcome::NotSent,
            seed
        ),
        RetryDecision::Stop(StopReason::OutOfTime)
    );
    assert_eq!(
        policy.decide(op, 2, Duration::MAX, Outcome::NotSent, seed),
        RetryDecision::Stop(StopReason::OutOfTime)
    );
    let short = RetryPolicy::default().with_max_elapsed(Duration::ZERO);
    assert_eq!(
        short.decide(op, 1, Duration::from_nanos(1), Outcome::NotSent, seed),
        RetryDecision::Stop(StopReason::OutOfTime)
    );
}

#[test]
fn backoff_settings() {
    let policy =
        RetryPolicy::default().with_backoff(Duration::from_secs(2), Duration::from_secs(3));
    for seed in 0..500 {
        assert!(policy.backoff(1, seed) <= Duration::from_secs(2));
        assert!(policy.backoff(5, seed) <= Duration::from_secs(3));
    }
    // A base above the maximum is cut to it.
    let policy =
        RetryPolicy::default().with_backoff(Duration::from_secs(9), Duration::from_secs(1));
    assert!((0..500).all(|seed| policy.backoff(1, seed) <= Duration::from_secs(1)));
    // Zero delays are allowed.
    let policy = RetryPolicy::default().with_backoff(Duration::ZERO, Duration::ZERO);
    assert_eq!(policy.backoff(3, 5), Duration::ZERO);
    // Extreme settings saturate instead of overflowing: delays are counted
    // in nanoseconds up to MAX_TIME, so the ceiling is MAX_TIME, and the
    // elapsed time saturates at Duration::MAX, which is within the limit.
    let policy = RetryPolicy::default()
        .with_backoff(Duration::MAX, Duration::MAX)
        .with_max_elapsed(Duration::MAX)
        .with_max_attempts(u32::MAX);
    let ceiling_ns = MAX_TIME.as_nanos() as u64;
    assert_eq!(
        policy.decide(
            OperationId::ShowApp,
            u32::MAX - 1,
            Duration::MAX,
            Outcome::NotSent,
            1,
        ),
        RetryDecision::Retry(reference_delay(u32::MAX - 1, 1, ceiling_ns))
    );
    assert_eq!(
        policy.backoff(200, u64::MAX),
        reference_delay(200, u64::MAX, ceiling_ns)
    );
}

fn outcome() -> impl Strategy<Value = Outcome<'static>> {
    prop_oneof![
        (0u16..1000).prop_map(status),
        Just(Outcome::NotSent),
        Just(Outcome::FailedAfterSend),
        Just(Outcome::Timeout),
        Just(Outcome::QuotaExhausted),
        Just(Outcome::Other),
    ]
}

proptest! {
    #[test]
    fn decisions_respect_every_limit(
        op in prop::sample::select(OperationId::ALL.to_vec()),
        attempt in any::<u32>(),
        elapsed_ns in any::<u64>(),
        outcome in outcome(),
        seed in any::<u64>(),
        max_attempts in 0u32..12,
        base_ns in any::<u64>(),
        max_ns in any::<u64>(),
        max_elapsed_ns in any::<u64>(),
        ambiguous in any::<bool>(),
    ) {
        let policy = RetryPolicy::default()
            .with_max_attempts(max_attempts)
            .with_backoff(Duration::from_nanos(base_ns), Duration::from_nanos(max_ns))
            .with_max_elapsed(Duration::from_nanos(max_elapsed_ns))
            .with_ambiguous_retries(ambiguous);
        let elapsed = Duration::from_nanos(elapsed_ns);
        let decision = policy.decide(op, attempt, elapsed, outcome, seed);
        prop_assert_eq!(decision, policy.decide(op, attempt, elapsed, outcome, seed));
        match decision {
            RetryDecision::Retry(d) => {
                prop_assert_eq!(policy.refusal(op, outcome), None);
                prop_assert!(attempt.max(1) < max_attempts.max(1));
                prop_assert!(d <= Duration::from_nanos(max_ns));
                prop_assert!(elapsed + d <= Duration::from_nanos(max_elapsed_ns));
                prop_assert_eq!(d, policy.backoff(attempt, seed));
            }
            RetryDecision::Stop(StopReason::Ambiguous) => {
                prop_assert!(!op.retry_safe() && !ambiguous);
            }
            RetryDecision::Stop(reason) => {
                if let Some(refused) = policy.refusal(op, outcome) {
                    prop_assert_eq!(reason, refused);
                }
            }
        }
    }
}
