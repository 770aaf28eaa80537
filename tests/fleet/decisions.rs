//! Decisions through Redis: the burst and the exact wait, agreement with
//! the in-process calculator over random interleavings of several handles,
//! 429 feedback and learned limits shared, keys that expire, a script Redis
//! lost. Each test starts its own server and stops it when it ends.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode};
use proptest::prelude::*;
use sparkrtc::client::Pacer;
use sparkrtc::fleet::FaultPolicy;
use sparkrtc::throttle::{
    Admission, CredentialId, RateLimit, Scope, Throttle, ThrottleCategory, ThrottleConfig,
};
use sparkrtc::OperationId;

use super::{pacer, RedisServer};

fn prefix(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("t{}-{name}", N.fetch_add(1, Ordering::Relaxed))
}

const JOBS: Scope = Scope::new(ThrottleCategory::MixStreamJobManagement); // 10 per second

#[test]
fn a_burst_then_the_exact_wait_on_the_servers_clock() {
    let server = RedisServer::start();
    let p = pacer(
        &server,
        &prefix("burst"),
        ThrottleConfig::documented(),
        FaultPolicy::Fail,
    );
    for _ in 0..10 {
        assert_eq!(p.acquire(JOBS, Duration::ZERO).unwrap(), Admission::Send);
    }
    match p.acquire(JOBS, Duration::ZERO).unwrap() {
        Admission::Wait(d) => assert!(
            d > Duration::from_millis(800) && d <= Duration::from_secs(1),
            "{d:?}"
        ),
        Admission::Send => panic!("an 11th call in the same second"),
    }
}

#[test]
fn several_handles_share_one_window() {
    let server = RedisServer::start();
    let name = prefix("shared");
    let a = pacer(
        &server,
        &name,
        ThrottleConfig::documented(),
        FaultPolicy::Fail,
    );
    let b = pacer(
        &server,
        &name,
        ThrottleConfig::documented(),
        FaultPolicy::Fail,
    );
    let at = |s: u64| Duration::from_secs(1_000 + s);
    for i in 0..10 {
        let p = if i % 2 == 0 { &a } else { &b };
        assert_eq!(p.acquire_at(JOBS, at(0)).unwrap(), Admission::Send);
    }
    assert_eq!(
        b.acquire_at(JOBS, at(0)).unwrap(),
        Admission::Wait(Duration::from_secs(1))
    );
    assert_eq!(a.acquire_at(JOBS, at(1)).unwrap(), Admission::Send);
    // Another credential, another operation scope: their own windows.
    let other = JOBS.with_credential(CredentialId::new(7));
    assert_eq!(a.acquire_at(other, at(1)).unwrap(), Admission::Send);
    let only = Scope::only(OperationId::ShowMixJob);
    assert_eq!(a.acquire_at(only, at(1)).unwrap(), Admission::Send);
}

#[derive(Clone, Debug)]
struct Step {
    handle: usize,
    scope: usize,
    dt_micros: u64,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0usize..3,
        0usize..2,
        prop_oneof![Just(0u64), 0u64..2_000, 0u64..400_000],
    )
        .prop_map(|(handle, scope, dt_micros)| Step {
            handle,
            scope,
            dt_micros,
        })
}

/// Random interleavings from three handles on one Redis admit exactly what
/// the in-process calculator admits for the same sequence, with the same
/// waits, so never more than N in any window W. (One server for all the
/// cases, owned by the test: an explicit runner rather than `proptest!`.)
#[test]
fn handles_on_one_redis_decide_as_the_in_process_calculator() {
    let server = RedisServer::start();
    let config = ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let strategy = (prop::collection::vec(step(), 1..160), 1u32..6, 1u64..1_500);
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&strategy, |(steps, requests, window_ms)| {
        let limit = RateLimit {
            requests,
            window: Duration::from_millis(window_ms),
        };
        let config = ThrottleConfig::documented()
            .with_limit(ThrottleCategory::RoomManagement, limit)
            .unwrap();
        let name = prefix("prop");
        let handles: Vec<_> = (0..3)
            .map(|_| pacer(&server, &name, config.clone(), FaultPolicy::Fail))
            .collect();
        let scopes = [
            Scope::new(ThrottleCategory::RoomManagement),
            Scope::new(ThrottleCategory::RoomManagement).with_credential(CredentialId::new(9)),
        ];
        let mut reference = Throttle::new(config);
        let mut now = Duration::from_secs(10);
        let mut admitted: Vec<Vec<Duration>> = vec![Vec::new(); 2];
        for s in &steps {
            now += Duration::from_micros(s.dt_micros);
            let scope = scopes[s.scope];
            let got = handles[s.handle].acquire_at(scope, now).unwrap();
            let expected = reference.acquire(scope, now);
            prop_assert_eq!(got, expected, "at {:?}", now);
            if got == Admission::Send {
                admitted[s.scope].push(now);
            }
        }
        for times in &admitted {
            for (i, t) in times.iter().enumerate() {
                let in_window = times[i..]
                    .iter()
                    .take_while(|u| **u < *t + limit.window)
                    .count();
                prop_assert!(
                    in_window <= requests as usize,
                    "{} admissions in a window",
                    in_window
                );
            }
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

fn throttled(retry_after: Option<&str>, message: &str) -> (HeaderMap, Vec<u8>) {
    let mut headers = HeaderMap::new();
    if let Some(v) = retry_after {
        headers.insert("retry-after", HeaderValue::from_str(v).unwrap());
    }
    let body = format!(r#"{{"error_code":"APIG.0308","error_msg":"{message}"}}"#).into_bytes();
    (headers, body)
}

#[test]
fn a_retry_after_one_process_learns_holds_every_process() {
    let server = RedisServer::start();
    let name = prefix("hold");
    let a = pacer(
        &server,
        &name,
        ThrottleConfig::documented(),
        FaultPolicy::Fail,
    );
    let b = pacer(
        &server,
        &name,
        ThrottleConfig::documented(),
        FaultPolicy::Fail,
    );
    let (headers, body) = throttled(Some("2"), "The throttling threshold has been reached");
    a.on_response(
        JOBS,
        Duration::ZERO,
        StatusCode::TOO_MANY_REQUESTS,
        &headers,
        &body,
    )
    .unwrap();
    match b.acquire(JOBS, Duration::ZERO).unwrap() {
        Admission::Wait(d) => assert!(
            d > Duration::from_millis(1_800) && d <= Duration::from_secs(2),
            "{d:?}"
        ),
        Admission::Send => panic!("the hold was not shared"),
    }
    // A daily quota is an error, not a hold.
    let (headers, body) = throttled(None, "policy user over ratelimit,limit:1000,time:1 day");
    let err = a
        .on_response(
            JOBS,
            Duration::ZERO,
            StatusCode::TOO_MANY_REQUESTS,
            &headers,
            &body,
        )
        .unwrap_err();
    assert!(matches!(err, sparkrtc::Error::QuotaExhausted(_)), "{err}");
}

#[test]
fn a_stricter_limit_one_process_learns_paces_every_process() {
    let server = RedisServer::start();
    let name = prefix("learned");
    let a = pacer(
        &server,
        &name,
        ThrottleConfig::documented(),
        FaultPolicy::Fail,
    );
    let b = pacer(
        &server,
        &name,
        ThrottleConfig::documented(),
        FaultPolicy::Fail,
    );
    // Retry-After 0: no hold, only the limit in the message.
    let (headers, body) = throttled(
        Some("0"),
        "policy user over ratelimit,limit:3,time:1 second",
    );
    a.on_response(
        JOBS,
        Duration::ZERO,
        StatusCode::TOO_MANY_REQUESTS,
        &headers,
        &body,
    )
    .unwrap();
    let sent = (0..10)
        .filter(|_| b.acquire(JOBS, Duration::ZERO).unwrap() == Admission::Send)
        .count();
    assert_eq!(sent, 3);
}

#[test]
fn idle_scopes_cost_nothing_and_a_lost_script_is_loaded_again() {
    let server = RedisServer::start();
    let name = prefix("expire");
    let fast = RateLimit {
        requests: 2,
        window: Duration::from_millis(150),
    };
    let config = ThrottleConfig::documented()
        .with_limit(ThrottleCategory::ObsBucketManagement, fast)
        .unwrap();
    let p = pacer(&server, &name, config, FaultPolicy::Fail);
    let scope = Scope::new(ThrottleCategory::ObsBucketManagement);
    assert_eq!(p.acquire(scope, Duration::ZERO).unwrap(), Admission::Send);
    let pattern = format!("KEYS {name}:*\r\n");
    let keys = server.command(pattern.as_bytes()).unwrap();
    assert!(keys.starts_with("*1"), "{keys}");
    std::thread::sleep(Duration::from_millis(400));
    let keys = server.command(pattern.as_bytes()).unwrap();
    assert!(
        keys.starts_with("*0"),
        "the log outlived its window: {keys}"
    );

    assert!(server
        .command(b"SCRIPT FLUSH\r\n")
        .unwrap()
        .starts_with("+OK"));
    assert_eq!(p.acquire(scope, Duration::ZERO).unwrap(), Admission::Send);
}
