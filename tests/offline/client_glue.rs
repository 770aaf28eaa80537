//! The client's retry and pacing glue, exactly: the per-call retry seed,
//! a wait that ends at the deadline (allowed) or after it (refused), the
//! attempt count, the clock skew learnt from a `Date` header (more than 2 s
//! only) and from a signature-expired answer (one immediate re-signing),
//! and a `Retry-After` held by the pacer. Closure transports and virtual
//! time: no sockets, no sleeping.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // a test may read clocks

use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use http::{Request, Response};
use sparkrtc::client::{Client, ClientBuilder, LocalPacer, Pacer};
use sparkrtc::headers::X_SDK_DATE;
use sparkrtc::ops::ShowMixJob;
use sparkrtc::retry::{Outcome, RetryDecision, RetryPolicy};
use sparkrtc::throttle::{Admission, RateLimit, Scope, ThrottleConfig};
use sparkrtc::time::{Clock, VirtualClock};
use sparkrtc::transport::{Transport, TransportError};
use sparkrtc::{Credentials, Endpoint, Error, Operation, OperationId};

type Answer = Result<Response<Vec<u8>>, TransportError>;

/// 2024-01-02T03:04:05Z: the wall clock at virtual time zero.
const T0: u64 = 1_704_164_645;

/// A transport that records when (virtual time) and what it was sent, and
/// answers with `reply(n, request)` for the `n`-th request.
struct Fake<F> {
    clock: VirtualClock,
    sent: Mutex<Vec<(Duration, Request<Vec<u8>>)>>,
    reply: F,
}

impl<F: Fn(usize, &Request<Vec<u8>>) -> Answer + Send + Sync> Transport for Fake<F> {
    fn send(&self, request: Request<Vec<u8>>) -> Answer {
        let mut sent = self.sent.lock().unwrap();
        let answer = (self.reply)(sent.len(), &request);
        sent.push((self.clock.now(), request));
        answer
    }
}

impl<F> Fake<F> {
    fn times(&self) -> Vec<Duration> {
        self.sent.lock().unwrap().iter().map(|(t, _)| *t).collect()
    }

    fn dates(&self) -> Vec<String> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .map(|(_, r)| r.headers()[X_SDK_DATE].to_str().unwrap().to_owned())
            .collect()
    }
}

fn answer(status: u16, headers: &[(&str, String)], body: &str) -> Answer {
    let mut response = Response::builder().status(status);
    for (name, value) in headers {
        response = response.header(*name, value.as_str());
    }
    Ok(response.body(body.as_bytes().to_vec()).unwrap())
}

fn ok() -> Answer {
    answer(200, &[], r#"{"job_id":"j"}"#)
}

const SEED: u64 = u64::MAX;

fn new_client<F: Fn(usize, &Request<Vec<u8>>) -> Answer + Send + Sync>(
    throttle: ThrottleConfig,
    reply: F,
) -> (Client<Fake<F>>, VirtualClock) {
    new_client_with(reply, |builder| builder.throttle(throttle).seed(SEED))
}

/// A client on a [`Fake`] at `T0`, for project `proj` with `AKTEST`,
/// built as `configure` finishes it.
fn new_client_with<F: Fn(usize, &Request<Vec<u8>>) -> Answer + Send + Sync>(
    reply: F,
    configure: impl FnOnce(ClientBuilder<Fake<F>>) -> ClientBuilder<Fake<F>>,
) -> (Client<Fake<F>>, VirtualClock) {
    let clock = VirtualClock::new(UNIX_EPOCH + Duration::from_secs(T0));
    let fake = Fake {
        clock: clock.clone(),
        sent: Mutex::new(Vec::new()),
        reply,
    };
    let builder = Client::builder(fake)
        .endpoint(Endpoint::default().with_project_id("proj").unwrap())
        .credentials(Credentials::ak_sk("AKTEST", "SKTEST").unwrap())
        .clock(Arc::new(clock.clone()));
    (configure(builder).build().unwrap(), clock)
}

fn job() -> ShowMixJob {
    ShowMixJob::new("app", "j")
}

/// SplitMix64, as the client mixes a call's number into its seed.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One request per second for the operation's category: the second call
/// of a burst waits exactly 1 s.
fn one_per_second() -> ThrottleConfig {
    let category = OperationId::ShowMixJob.info().category;
    ThrottleConfig::documented()
        .with_limit(
            category,
            RateLimit {
                requests: 1,
                window: Duration::from_secs(1),
            },
        )
        .unwrap()
}

#[test]
fn each_call_retries_with_its_own_seed_the_clients_seed_xor_its_number() {
    // Every first attempt fails before sending; the retry's delay is the
    // policy's backoff for the call's seed.
    let (client, _clock) = new_client(ThrottleConfig::documented(), |n, _| {
        if n % 2 == 0 {
            Err(TransportError::not_sent("refused"))
        } else {
            ok()
        }
    });
    let policy = RetryPolicy::default();
    let mut expected = Vec::new();
    let mut at = Duration::ZERO;
    for call in 0..4u64 {
        client.call(&job()).unwrap();
        let seed = SEED ^ splitmix64(call);
        let RetryDecision::Retry(delay) =
            policy.decide(ShowMixJob::ID, 1, Duration::ZERO, Outcome::NotSent, seed)
        else {
            panic!("a request that was not sent is retried");
        };
        assert_eq!(delay, policy.backoff(1, seed));
        expected.extend([at, at + delay]);
        at += delay;
    }
    assert_eq!(client.transport().times(), expected);
    // The seeds differ, and so do the delays (with these seeds).
    let delays: Vec<_> = expected.chunks(2).map(|p| p[1] - p[0]).collect();
    assert!(delays.windows(2).all(|w| w[0] != w[1]), "{delays:?}");
}

#[test]
fn a_wait_may_end_at_the_deadline_but_not_after_it() {
    let (client, clock) = new_client(one_per_second(), |_, _| ok());
    client.call(&job()).unwrap();
    // The next slot is 1 s away: a 1 s deadline allows the wait.
    client.call_within(&job(), Duration::from_secs(1)).unwrap();
    assert_eq!(clock.now(), Duration::from_secs(1));
    // A 2 s deadline too, and the call waits only what it must.
    client.call_within(&job(), Duration::from_secs(2)).unwrap();
    assert_eq!(clock.now(), Duration::from_secs(2));
    // 1 ns short: refused at once, before any attempt, without waiting.
    let err = client
        .call_within(&job(), Duration::from_secs(1) - Duration::from_nanos(1))
        .unwrap_err();
    match err {
        Error::DeadlineExceeded {
            deadline,
            attempts,
            last,
        } => {
            assert_eq!(deadline, Duration::from_secs(1) - Duration::from_nanos(1));
            assert_eq!(attempts, 0);
            assert!(last.is_none());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(clock.now(), Duration::from_secs(2));
    assert_eq!(
        client.transport().times(),
        [0, 1, 2].map(Duration::from_secs)
    );
}

#[test]
fn a_retry_wait_past_the_deadline_fails_with_the_last_error() {
    let (client, clock) = new_client(ThrottleConfig::documented(), |_, _| {
        answer(503, &[], r#"{"error_code":"SYS.0503","error_msg":"busy"}"#)
    });
    // The first retry waits at least 0 s and at most 500 ms: a deadline of
    // 1 ns allows none that is longer than that.
    let policy = RetryPolicy::default();
    let first = policy.backoff(1, SEED ^ splitmix64(0));
    assert!(first > Duration::ZERO, "{first:?}");
    let err = client
        .call_within(&job(), first - Duration::from_nanos(1))
        .unwrap_err();
    match err {
        Error::DeadlineExceeded { attempts, last, .. } => {
            assert_eq!(attempts, 1);
            assert!(matches!(last.as_deref(), Some(Error::Api(api)) if api.status == 503));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(clock.now(), Duration::ZERO);
    assert_eq!(client.transport().times(), [Duration::ZERO]);
}

#[test]
fn a_failing_service_gets_exactly_the_policys_attempts() {
    let (client, _clock) = new_client(ThrottleConfig::documented(), |_, _| {
        answer(503, &[], r#"{"error_code":"SYS.0503","error_msg":"busy"}"#)
    });
    let err = client.call(&job()).unwrap_err();
    assert!(
        matches!(&err, Error::Api(api) if api.status == 503),
        "{err:?}"
    );
    let times = client.transport().times();
    assert_eq!(times.len(), 4, "{times:?}");
    // The waits between them are the policy's backoffs for attempts 1, 2, 3.
    let policy = RetryPolicy::default();
    let seed = SEED ^ splitmix64(0);
    for (i, pair) in times.windows(2).enumerate() {
        assert_eq!(pair[1] - pair[0], policy.backoff(i as u32 + 1, seed), "{i}");
    }
}

/// A `Date` header `ahead` seconds from the wall clock (negative: behind).
fn dated(ahead: i64) -> Answer {
    let wall = UNIX_EPOCH + Duration::from_secs(T0);
    let at = if ahead >= 0 {
        wall + Duration::from_secs(ahead as u64)
    } else {
        wall - Duration::from_secs(ahead.unsigned_abs())
    };
    answer(
        200,
        &[("date", httpdate::fmt_http_date(at))],
        r#"{"job_id":"j"}"#,
    )
}

#[test]
fn a_date_header_teaches_a_skew_only_beyond_2_seconds_of_the_current_one() {
    let script = [2i64, 3, 5, 6, 0, -10];
    let (client, _clock) = new_client(ThrottleConfig::documented(), move |n, _| dated(script[n]));
    let mut skews = Vec::new();
    for _ in script {
        client.call(&job()).unwrap();
        skews.push(client.skew().seconds());
    }
    // 2 s: within the header's resolution and latency; 3 s: adopted; then
    // 5 and 6 are within 2 and 3 s of it (kept, adopted); 0 is 6 away.
    assert_eq!(skews, [0, 3, 3, 6, 0, -10]);
    // Each request was signed with the skew known when it was sent.
    let dates = client.transport().dates();
    assert_eq!(dates[1], "20240102T030405Z");
    assert_eq!(dates[2], "20240102T030408Z");
    assert_eq!(dates[4], "20240102T030411Z");
}

/// A signature-expired refusal quoting the server's time, 20 minutes ahead.
fn expired() -> Answer {
    answer(
        401,
        &[],
        r#"{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: signature expired, server time 20240102T032405Z"}"#,
    )
}

#[test]
fn a_signature_expiry_is_re_signed_once_at_once_with_the_skew_it_quotes() {
    // The server accepts only requests signed with its own time.
    let (client, clock) = new_client(ThrottleConfig::documented(), |_, request| {
        if request.headers()[X_SDK_DATE] == "20240102T032405Z" {
            ok()
        } else {
            expired()
        }
    });
    client.call(&job()).unwrap();
    assert_eq!(client.skew().seconds(), 1_200);
    assert_eq!(
        client.transport().dates(),
        ["20240102T030405Z", "20240102T032405Z"]
    );
    assert_eq!(client.transport().times(), [Duration::ZERO; 2]);
    assert_eq!(clock.now(), Duration::ZERO);
}

#[test]
fn a_second_expiry_is_not_re_signed_again() {
    let (client, _clock) = new_client(ThrottleConfig::documented(), |_, _| expired());
    let err = client.call(&job()).unwrap_err();
    assert!(
        matches!(&err, Error::Api(api) if api.status == 401),
        "{err:?}"
    );
    assert_eq!(
        client.transport().dates(),
        ["20240102T030405Z", "20240102T032405Z"]
    );
}

#[test]
fn other_refusals_are_neither_re_signed_nor_teach_a_skew() {
    // A wrong key: APIG.0301 too, but not about the date.
    let (client, _clock) = new_client(ThrottleConfig::documented(), |_, _| {
        answer(
            401,
            &[],
            r#"{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail, server time 20240102T032405Z"}"#,
        )
    });
    assert!(client.call(&job()).is_err());
    assert_eq!(client.transport().times().len(), 1);
    assert_eq!(client.skew().seconds(), 0);
    // A bad request.
    let (client, _clock) = new_client(ThrottleConfig::documented(), |_, _| {
        answer(
            400,
            &[],
            r#"{"error_code":"RTC.0001","error_msg":"bad request 20240102T032405Z"}"#,
        )
    });
    assert!(client.call(&job()).is_err());
    assert_eq!(client.transport().times().len(), 1);
    assert_eq!(client.skew().seconds(), 0);
}

#[test]
fn a_retry_after_is_held_by_the_pacer() {
    // 429 with Retry-After: 3, then success: the retry waits the hold out,
    // longer than its own backoff.
    let (client, _clock) = new_client(ThrottleConfig::documented(), |n, _| {
        if n == 0 {
            answer(
                429,
                &[("retry-after", "3".to_owned())],
                r#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached"}"#,
            )
        } else {
            ok()
        }
    });
    client.call(&job()).unwrap();
    assert_eq!(
        client.transport().times(),
        [Duration::ZERO, Duration::from_secs(3)]
    );
}

#[test]
fn the_local_pacer_is_the_throttle() {
    let pacer = LocalPacer::new(one_per_second());
    let scope = Scope::of(OperationId::ShowMixJob);
    assert_eq!(
        pacer.acquire(scope, Duration::ZERO).unwrap(),
        Admission::Send
    );
    assert_eq!(
        pacer.acquire(scope, Duration::ZERO).unwrap(),
        Admission::Wait(Duration::from_secs(1))
    );
    assert_eq!(
        pacer.with_throttle(|t| t.acquire(scope, Duration::from_secs(1))),
        Admission::Send
    );
    // A 429's Retry-After holds the scope.
    let mut headers = http::HeaderMap::new();
    headers.insert("retry-after", "5".parse().unwrap());
    pacer
        .on_response(
            scope,
            Duration::from_secs(2),
            http::StatusCode::TOO_MANY_REQUESTS,
            &headers,
            br#"{"error_code":"APIG.0308","error_msg":"throttled"}"#,
        )
        .unwrap();
    assert_eq!(
        pacer.acquire(scope, Duration::from_secs(2)).unwrap(),
        Admission::Wait(Duration::from_secs(5))
    );
}

/// A pacer that answers from a script (then `Send`), as a fleet's shared
/// pacer may: after a wait, another process may have taken the slot.
struct Scripted(Mutex<Vec<Admission>>);

impl Pacer for Scripted {
    fn acquire(&self, _: Scope, _: Duration) -> Result<Admission, Error> {
        let mut script = self.0.lock().unwrap();
        Ok(if script.is_empty() {
            Admission::Send
        } else {
            script.remove(0)
        })
    }

    fn on_response(
        &self,
        _: Scope,
        _: Duration,
        _: http::StatusCode,
        _: &http::HeaderMap,
        _: &[u8],
    ) -> Result<(), Error> {
        Ok(())
    }
}

#[test]
fn the_bound_on_throttle_waits_counts_every_wait_of_an_attempt() {
    let second = Duration::from_secs(1);
    let run = |waits: usize| {
        let (client, clock) = new_client_with(
            |_: usize, _: &Request<Vec<u8>>| ok(),
            |builder| {
                builder
                    .pacer(Arc::new(Scripted(Mutex::new(vec![
                        Admission::Wait(second);
                        waits
                    ]))))
                    .max_throttle_wait(2 * second)
            },
        );
        (client.call(&job()).map(|_| ()), clock.now())
    };
    // Two waits of 1 s: 2 s in all, within the bound.
    let (result, now) = run(2);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(now, 2 * second);
    // A third would make 3 s: refused at once, before waiting it.
    let (result, now) = run(3);
    match result {
        Err(Error::Throttled {
            retry_after,
            attempts: 0,
            last: None,
        }) => assert_eq!(retry_after, second),
        other => panic!("{other:?}"),
    }
    assert_eq!(now, 2 * second);
}
