//! The client under an outage, against the simulator's seeded fault rules
//! in virtual time: the retry budget every client has (however built), the
//! exact requests an outage gets with it and without it, refunds, random
//! failures retried in full, recovery, and failing fast on the throttle.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // a test may read clocks

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use http::{Request, Response};
use sparkrtc::client::{Client, ClientBuilder, LocalPacer};
use sparkrtc::ops::ListApps;
use sparkrtc::retry::{RetryBudget, RetryPolicy};
use sparkrtc::simulator::{
    FaultEffect, FaultRule, Simulator, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY,
};
use sparkrtc::throttle::{RateLimit, ThrottleCategory, ThrottleConfig};
use sparkrtc::time::{Clock, VirtualClock};
use sparkrtc::transport::{Transport, TransportError};
use sparkrtc::{Credentials, Endpoint, Error};

/// The simulator as a transport, counting the requests it is sent.
struct Counted {
    sim: Simulator,
    sent: AtomicU64,
}

impl Transport for Counted {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.sim.send(request)
    }
}

impl Counted {
    fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

/// A client of the default settings (but its clock and seed), as `tune`
/// changes them, over an in-memory simulator with `rules`, in virtual time.
fn setup(
    rules: &[FaultRule],
    tune: impl FnOnce(ClientBuilder<Counted>) -> ClientBuilder<Counted>,
) -> (Client<Counted>, VirtualClock) {
    let clock = VirtualClock::new(UNIX_EPOCH + Duration::from_secs(1_764_979_200));
    let sim = Simulator::new(
        SimulatorConfig::default()
            .with_seed(7)
            .with_virtual_clock(clock.clone())
            .with_rate_limits(false),
    );
    for rule in rules {
        sim.faults().add(rule.clone()).unwrap();
    }
    let endpoint = Endpoint::new("http://sim.local")
        .unwrap()
        .with_project_id(sim.config().project_id())
        .unwrap();
    let builder = Client::builder(Counted {
        sim,
        sent: AtomicU64::new(0),
    })
    .endpoint(endpoint)
    .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
    .clock(Arc::new(clock.clone()))
    .seed(19);
    (tune(builder).build().unwrap(), clock)
}

fn rule(text: &str) -> FaultRule {
    text.parse().unwrap()
}

fn tokens<T>(client: &Client<T>) -> u32 {
    client.retry_budget().unwrap().tokens()
}

/// The status of an API error, or of the last error inside a budget's
/// refusal.
fn status_within(error: &Error) -> Option<u16> {
    match error {
        Error::Api(api) => Some(api.status),
        Error::RetryBudgetExhausted { last, .. } => status_within(last),
        _ => None,
    }
}

#[test]
fn a_client_built_every_documented_way_has_the_default_budget() {
    let unused = |_: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, TransportError> {
        Err(TransportError::not_sent("unused"))
    };
    let keys = || Credentials::ak_sk("AK", "SK").unwrap();
    let plain = Client::builder(unused).credentials(keys()).build().unwrap();
    assert_eq!(plain.retry_budget(), Some(RetryBudget::new()));
    assert_eq!(plain.max_throttle_wait(), None);
    // Every other setting leaves it as it is.
    let tuned = Client::builder(unused)
        .credentials(keys())
        .endpoint(Endpoint::default())
        .throttle(ThrottleConfig::documented())
        .pacer(Arc::new(LocalPacer::new(ThrottleConfig::documented())))
        .retry(RetryPolicy::never())
        .clock(Arc::new(VirtualClock::new(UNIX_EPOCH)))
        .seed(3)
        .deadline(Duration::from_secs(1))
        .build()
        .unwrap();
    assert_eq!(tuned.retry_budget(), Some(RetryBudget::new()));
    // The simulator's way.
    let (simulated, _) = setup(&[], |b| b);
    assert_eq!(simulated.retry_budget(), Some(RetryBudget::new()));
    // Set, or off.
    let custom = RetryBudget::new().with_capacity(40).with_costs(1, 2);
    let set = Client::builder(unused)
        .credentials(keys())
        .retry_budget(custom)
        .build()
        .unwrap();
    assert_eq!(set.retry_budget(), Some(custom));
    let off = Client::builder(unused)
        .credentials(keys())
        .retry_budget(custom)
        .no_retry_budget()
        .build()
        .unwrap();
    assert_eq!(off.retry_budget(), None);
    let on_again = Client::builder(unused)
        .credentials(keys())
        .no_retry_budget()
        .retry_budget(RetryBudget::new())
        .build()
        .unwrap();
    assert_eq!(on_again.retry_budget(), Some(RetryBudget::new()));
    // Shown by Debug, with the bound.
    let fast = Client::builder(unused)
        .credentials(keys())
        .max_throttle_wait(Duration::from_secs(2))
        .build()
        .unwrap();
    assert_eq!(fast.max_throttle_wait(), Some(Duration::from_secs(2)));
    let shown = format!("{fast:?}");
    assert!(
        shown.contains("retry_budget: Some(RetryBudget { capacity: 500, tokens: 500,"),
        "{shown}"
    );
    assert!(shown.contains("max_throttle_wait: Some(2s)"), "{shown}");
    let builder = format!(
        "{:?}",
        Client::builder(unused).max_throttle_wait(Duration::from_secs(2))
    );
    assert!(builder.contains("retry_budget: Some("), "{builder}");
    assert!(builder.contains("max_throttle_wait: Some(2s)"), "{builder}");
}

#[cfg(feature = "ureq")]
#[test]
fn a_client_from_the_environment_has_the_default_budget() {
    // The only offline test that touches the environment (nothing else in
    // this binary reads it).
    std::env::set_var("HUAWEICLOUD_SDK_AK", "AK");
    std::env::set_var("HUAWEICLOUD_SDK_SK", "SK");
    std::env::remove_var("SPARKRTC_REDIS_URL");
    let client = Client::from_env().unwrap();
    assert_eq!(client.retry_budget(), Some(RetryBudget::new()));
    assert_eq!(client.max_throttle_wait(), None);
}

#[test]
fn an_outage_gets_50_retries_in_all_then_first_attempts_only() {
    let (client, _clock) = setup(&[rule("*:503")], |b| b);
    let errors: Vec<Error> = (0..2_000)
        .map(|_| client.call(&ListApps::new()).unwrap_err())
        .collect();
    // 500 tokens pay for 50 retries of 10: sixteen calls retry in full
    // (48), the seventeenth twice, and is refused its third.
    assert_eq!(client.transport().sent(), 16 * 4 + 3 + 1_983);
    assert_eq!(client.transport().sent(), 2_050);
    assert_eq!(tokens(&client), 0);
    for (n, error) in errors.iter().enumerate() {
        assert_eq!(status_within(error), Some(503), "{n}");
        match (n, error) {
            (0..=15, Error::Api(_)) => {}
            (16, Error::RetryBudgetExhausted { attempts: 3, .. }) => {}
            (17.., Error::RetryBudgetExhausted { attempts: 1, .. }) => {}
            _ => panic!("call {n}: {error:?}"),
        }
    }
    let refused = &errors[16];
    assert!(
        refused
            .to_string()
            .starts_with("retry budget exhausted after 3 attempt(s); last error: "),
        "{refused}"
    );
    assert!(refused.request_id().is_some());
    assert_eq!(
        refused.request_id(),
        match refused {
            Error::RetryBudgetExhausted { last, .. } => last.request_id(),
            _ => unreachable!(),
        }
    );
    // Not itself a server error: the classification is of the error itself.
    assert!(!refused.is_server_error());
    assert!(!refused.is_retryable());
}

#[test]
fn a_throttled_outage_gets_100_retries_each_after_the_services_wait() {
    let (client, clock) = setup(&[rule("*:429,retry-after=1")], |b| b);
    let errors: Vec<Error> = (0..2_000)
        .map(|_| client.call(&ListApps::new()).unwrap_err())
        .collect();
    // 500 tokens pay for 100 retries of 5: thirty-three calls retry in
    // full (99), the thirty-fourth once, and is refused its second.
    assert_eq!(client.transport().sent(), 33 * 4 + 2 + 1_966);
    assert_eq!(client.transport().sent(), 2_100);
    assert_eq!(tokens(&client), 0);
    for (n, error) in errors.iter().enumerate() {
        match (n, error) {
            (0..=32, Error::Api(api)) if api.is_throttled() => {}
            (33, Error::RetryBudgetExhausted { attempts: 2, last }) if last.is_throttled() => {}
            (34.., Error::RetryBudgetExhausted { attempts: 1, last }) if last.is_throttled() => {}
            _ => panic!("call {n}: {error:?}"),
        }
    }
    // Every request came at least a second after the one before: each
    // 429's Retry-After held the scope.
    assert!(
        clock.now() >= Duration::from_secs(2_099),
        "{:?}",
        clock.now()
    );
}

#[test]
fn without_a_budget_every_call_of_an_outage_retries_in_full() {
    let (client, _clock) = setup(&[rule("*:500")], |b| b.no_retry_budget());
    for _ in 0..200 {
        let error = client.call(&ListApps::new()).unwrap_err();
        assert!(
            matches!(&error, Error::Api(api) if api.status == 500),
            "{error:?}"
        );
    }
    assert_eq!(client.transport().sent(), 800);
    assert_eq!(client.retry_budget(), None);
}

#[test]
fn a_retry_that_succeeds_is_refunded_and_a_first_attempt_success_refills_one() {
    let budget = RetryBudget::new().with_capacity(100).with_tokens(50);
    let (client, _clock) = setup(&[], |b| b.retry_budget(budget));
    let sim = &client.transport().sim;
    assert_eq!(tokens(&client), 50);
    client.call(&ListApps::new()).unwrap();
    assert_eq!(tokens(&client), 51);
    // One 503, then the retry succeeds: 10 taken, 10 back.
    sim.faults().add(rule("*:503:1:1")).unwrap();
    client.call(&ListApps::new()).unwrap();
    assert_eq!(tokens(&client), 51);
    assert_eq!(client.transport().sent(), 3);
    // Two 429s: 5 and 5 taken, the last 5 back.
    sim.faults().add(rule("*:429:1:2")).unwrap();
    client.call(&ListApps::new()).unwrap();
    assert_eq!(tokens(&client), 46);
    assert_eq!(client.transport().sent(), 6);
    // A connection closed before any answer, then success: refunded.
    sim.faults().add(rule("*:close:1:1")).unwrap();
    client.call(&ListApps::new()).unwrap();
    assert_eq!(tokens(&client), 46);
    // A 503 with every retry failing: 30 taken, nothing back.
    sim.faults().add(rule("*:503:1:4")).unwrap();
    client.call(&ListApps::new()).unwrap_err();
    assert_eq!(tokens(&client), 16);
    // Only 16 left: a 503 gets one retry, then is refused.
    sim.faults().add(rule("*:503:1:2")).unwrap();
    let refused = client.call(&ListApps::new()).unwrap_err();
    assert!(
        matches!(refused, Error::RetryBudgetExhausted { attempts: 2, .. }),
        "{refused:?}"
    );
    assert_eq!(tokens(&client), 6);
    // First attempts are never refused, and each success gives one back.
    for expected in 7..=10 {
        client.call(&ListApps::new()).unwrap();
        assert_eq!(tokens(&client), expected);
    }
}

#[test]
fn five_percent_of_answers_failing_at_random_are_retried_in_full() {
    let (client, _clock) = setup(&[rule("*:503:0.05")], |b| b);
    let mut failed = 0;
    for _ in 0..2_000 {
        match client.call(&ListApps::new()) {
            Ok(_) => {}
            Err(Error::RetryBudgetExhausted { .. }) => panic!("the budget refused a retry"),
            Err(_) => failed += 1,
        }
    }
    // At least 99.9% succeed; with this seed, all of them.
    assert_eq!(failed, 0);
    let sent = client.transport().sent();
    assert!((2_050..=2_150).contains(&sent), "{sent}");
    assert_eq!(tokens(&client), 500);
}

#[test]
fn calls_succeed_as_soon_as_an_outage_ends_and_refill_the_budget() {
    let outage = Duration::from_secs(60);
    let (client, clock) = setup(
        &[FaultRule::new(FaultEffect::error(503)).lasting(outage)],
        |b| {
            // The throttle out of the way: a call a second is the pace.
            b.throttle(
                ThrottleConfig::documented()
                    .with_limit(
                        ThrottleCategory::ApplicationManagement,
                        RateLimit {
                            requests: 1_000,
                            window: Duration::from_secs(1),
                        },
                    )
                    .unwrap(),
            )
        },
    );
    let mut during = 0;
    let mut after_end = Vec::new();
    for _ in 0..200 {
        let start = clock.now();
        let result = client.call(&ListApps::new());
        if start < outage {
            during += 1;
            if clock.now() < outage {
                assert!(result.is_err());
            }
        } else {
            after_end.push((result.is_ok(), tokens(&client)));
        }
        clock.sleep((start + Duration::from_secs(1)).saturating_sub(clock.now()));
    }
    assert!(during >= 30, "{during}");
    // Every call that started after the end succeeded, at its first
    // attempt: each gave one token back.
    assert!(after_end.iter().all(|(ok, _)| *ok));
    // The budget ran dry during the outage: the first call after it gave
    // the first token back.
    for (i, (_, tokens)) in after_end.iter().enumerate() {
        assert_eq!(*tokens, 1 + i as u32, "{i}");
    }
    assert_eq!(after_end.len(), 200 - during);
}

/// A throttle allowing `ListApps` once in 10 s.
fn one_per_ten_seconds() -> ThrottleConfig {
    ThrottleConfig::documented()
        .with_limit(
            ThrottleCategory::ApplicationManagement,
            RateLimit {
                requests: 1,
                window: Duration::from_secs(10),
            },
        )
        .unwrap()
}

#[test]
fn a_wait_for_the_local_window_past_the_bound_fails_at_once() {
    let (client, clock) = setup(&[], |b| {
        b.throttle(one_per_ten_seconds())
            .max_throttle_wait(Duration::from_secs(3))
    });
    client.call(&ListApps::new()).unwrap();
    let error = client.call(&ListApps::new()).unwrap_err();
    match &error {
        Error::Throttled {
            retry_after,
            attempts,
            last,
        } => {
            assert_eq!(*retry_after, Duration::from_secs(10));
            assert_eq!(*attempts, 0);
            assert!(last.is_none());
        }
        other => panic!("{other:?}"),
    }
    assert!(error.is_throttled());
    assert_eq!(error.to_string(), "throttled: retry after 10s");
    // At once: no time passed, nothing was sent.
    assert_eq!(clock.now(), Duration::ZERO);
    assert_eq!(client.transport().sent(), 1);
    // After the wait it asked for, the call goes through.
    clock.sleep(Duration::from_secs(10));
    client.call(&ListApps::new()).unwrap();
    // A wait within the bound is waited.
    clock.sleep(Duration::from_secs(7));
    client.call(&ListApps::new()).unwrap();
    assert_eq!(clock.now(), Duration::from_secs(20));
    // Exactly the bound is within it.
    let (client, clock) = setup(&[], |b| {
        b.throttle(one_per_ten_seconds())
            .max_throttle_wait(Duration::from_secs(10))
    });
    client.call(&ListApps::new()).unwrap();
    client.call(&ListApps::new()).unwrap();
    assert_eq!(clock.now(), Duration::from_secs(10));
}

#[test]
fn a_429_asking_for_longer_than_the_bound_fails_at_once_and_is_not_paid_for() {
    let (client, clock) = setup(&[rule("*:429,retry-after=30:1:1")], |b| {
        b.max_throttle_wait(Duration::from_secs(5))
    });
    let error = client.call(&ListApps::new()).unwrap_err();
    match &error {
        Error::Throttled {
            retry_after,
            attempts,
            last: Some(last),
        } => {
            assert_eq!(*retry_after, Duration::from_secs(30));
            assert_eq!(*attempts, 1);
            assert!(last.is_throttled());
            assert_eq!(error.request_id(), last.request_id());
            assert!(error.request_id().is_some());
        }
        other => panic!("{other:?}"),
    }
    assert!(error
        .to_string()
        .starts_with("throttled: retry after 30s; last error: "));
    assert_eq!(clock.now(), Duration::ZERO);
    assert_eq!(client.transport().sent(), 1);
    assert_eq!(tokens(&client), 500);
    // The throttle holds the scope for what the service asked: the next
    // call fails at once too, with what is left of it.
    clock.sleep(Duration::from_secs(12));
    match client.call(&ListApps::new()).unwrap_err() {
        Error::Throttled {
            retry_after,
            attempts: 0,
            last: None,
        } => assert_eq!(retry_after, Duration::from_secs(18)),
        other => panic!("{other:?}"),
    }
    clock.sleep(Duration::from_secs(18));
    client.call(&ListApps::new()).unwrap();
}

#[test]
fn a_429_asking_for_no_more_than_the_bound_is_waited_and_retried() {
    let (client, clock) = setup(&[rule("*:429,retry-after=2:1:1")], |b| {
        b.max_throttle_wait(Duration::from_secs(2))
    });
    client.call(&ListApps::new()).unwrap();
    assert_eq!(client.transport().sent(), 2);
    // Sent again when the service's 2 s were over (the delay, at most
    // 1 s, was within them).
    assert_eq!(clock.now(), Duration::from_secs(2));
    // The retry was paid for, and refunded when it succeeded.
    assert_eq!(tokens(&client), 500);
}

/// The reference SplitMix64 output function: a call's retry seed is the
/// client's seed xor this of the call's number.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn a_429_without_retry_after_fails_once_its_default_hold_is_found_past_the_bound() {
    // The throttle holds the scope 1.5 s after a 429 that says nothing.
    // The retry's delay `d` (under 1 s) is slept first; then the rest of
    // the hold, `1.5 s - d`, is within the bound alone, but not with `d`.
    let hold = Duration::from_millis(1_500);
    let d = RetryPolicy::default().throttling_backoff(1, 19 ^ splitmix64(0));
    assert!(d > Duration::ZERO && d < Duration::from_secs(1), "{d:?}");
    let bound = d.max(hold - d);
    let (client, clock) = setup(&[rule("*:429:1:1")], |b| {
        b.throttle(
            ThrottleConfig::documented()
                .with_default_backoff(hold, hold)
                .unwrap(),
        )
        .max_throttle_wait(bound)
    });
    match client.call(&ListApps::new()).unwrap_err() {
        Error::Throttled {
            retry_after,
            attempts: 1,
            last: Some(last),
        } => {
            assert!(last.is_throttled());
            assert_eq!(retry_after, hold - d);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(clock.now(), d);
    assert_eq!(client.transport().sent(), 1);
    // A bound of the whole hold waits it out.
    let (client, clock) = setup(&[rule("*:429:1:1")], |b| {
        b.throttle(
            ThrottleConfig::documented()
                .with_default_backoff(hold, hold)
                .unwrap(),
        )
        .max_throttle_wait(hold)
    });
    client.call(&ListApps::new()).unwrap();
    assert_eq!(clock.now(), hold);
}

#[test]
fn failures_other_than_429_are_not_failed_fast() {
    // A 503's backoff is not a wait for the throttle, however long.
    let (client, _clock) = setup(&[rule("*:503:1:3")], |b| {
        b.max_throttle_wait(Duration::ZERO).retry(
            RetryPolicy::default().with_backoff(Duration::from_secs(5), Duration::from_secs(5)),
        )
    });
    client.call(&ListApps::new()).unwrap();
    assert_eq!(client.transport().sent(), 4);
}
