//! Random sequences of acquire, check, response, rewind, prune and forget on
//! a throttle with random limits, cap and backoff, each answer checked
//! against the reference model shared with the property test
//! (`tests/support/throttle_model.rs`: no window overfills, exact waits,
//! `check` predicts `acquire`, server blocks respected and never shortened,
//! daily quotas are errors that change nothing, prune and forget drop exactly
//! what they should), plus random retry decisions, which must respect the
//! policy's limits. It must never panic.
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use http::{HeaderMap, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;
use sparkrtc::retry::{Outcome, RetryDecision, RetryPolicy};
use sparkrtc::throttle::{CredentialId, Scope, ThrottleConfig};
use sparkrtc::throttle::{RateLimit, ThrottleCategory};
use sparkrtc::OperationId;

#[path = "../../tests/support/throttle_model.rs"]
mod throttle_model;

use throttle_model::{Checked, Expect, SEC};

#[derive(Arbitrary, Debug)]
struct Input {
    /// (requests - 1, window in ns - 1) for three categories.
    limits: [(u8, u32); 3],
    seed: u64,
    max_server_wait_ms: u32,
    backoff_ms: (u16, u16),
    steps: Vec<Step>,
}

#[derive(Arbitrary, Debug)]
enum Dt {
    Zero,
    Nanos(u16),
    Micros(u16),
    Millis(u16),
    Secs(u8),
    Huge(u64),
}

#[derive(Arbitrary, Debug)]
enum RetryAfterIn {
    None,
    Delta(u32),
    /// An IMF-fixdate this many seconds after the Date header.
    DateAfter(i32, bool),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Message {
    None,
    Limit { requests: u32, time: u16, unit: u8 },
    Daily,
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Step {
    Acquire {
        scope: u8,
        dt: Dt,
    },
    Check {
        scope: u8,
        dt: Dt,
    },
    Response {
        scope: u8,
        dt: Dt,
        status: u8,
        retry_after: RetryAfterIn,
        message: Message,
        raw_body: Option<Vec<u8>>,
    },
    Rewind {
        by: u64,
    },
    Prune {
        dt: Dt,
    },
    Forget {
        scope: u8,
    },
    Retry {
        op: u8,
        attempt: u32,
        elapsed: u64,
        outcome: u8,
        status: u16,
        seed: u64,
        max_attempts: u8,
        ambiguous: bool,
    },
}

const SCOPES: usize = 4;
const CATEGORIES: [ThrottleCategory; 3] = [
    ThrottleCategory::ObsBucketManagement,
    ThrottleCategory::MixStreamJobManagement,
    ThrottleCategory::StatisticalAnalysis,
];
const DATE: u64 = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT

/// The scope index a step names.
fn scope(i: u8) -> usize {
    usize::from(i) % SCOPES
}

fn scopes() -> [Scope; SCOPES] {
    std::array::from_fn(|i| {
        Scope::new(CATEGORIES[i % 3]).with_credential(CredentialId::new((i / 3) as u64))
    })
}

impl Dt {
    fn nanos(&self) -> u64 {
        match *self {
            Dt::Zero => 0,
            Dt::Nanos(n) => u64::from(n),
            Dt::Micros(n) => u64::from(n) * 1_000,
            Dt::Millis(n) => u64::from(n) * 1_000_000,
            Dt::Secs(n) => u64::from(n) * SEC,
            Dt::Huge(n) => n,
        }
    }
}

/// IMF-fixdate of a Unix time.
fn http_date(unix: u64) -> String {
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(unix))
}

fuzz_target!(|input: Input| {
    assert_eq!(http_date(DATE), "Sun, 06 Nov 1994 08:49:37 GMT");
    let mut config = ThrottleConfig::documented()
        .with_seed(input.seed)
        .with_max_server_wait(Duration::from_millis(u64::from(input.max_server_wait_ms)));
    let (a, b) = input.backoff_ms;
    config = config
        .with_default_backoff(
            Duration::from_millis(u64::from(a.min(b))),
            Duration::from_millis(u64::from(a.max(b))),
        )
        .unwrap();
    for (category, &(requests, window)) in CATEGORIES.iter().zip(&input.limits) {
        let limit = RateLimit {
            requests: u32::from(requests % 8) + 1,
            window: Duration::from_nanos(u64::from(window) + 1),
        };
        config = config.with_limit(*category, limit).unwrap();
    }
    let mut m = Checked::new(config, &scopes());
    let mut now: u64 = 1_000_000_000_000;

    for step in input.steps.iter().take(400) {
        match step {
            Step::Rewind { by } => now = now.saturating_sub(*by),
            Step::Prune { dt } => {
                now = now.saturating_add(dt.nanos());
                m.prune(now);
            }
            Step::Forget { scope: s } => {
                m.forget(scope(*s));
            }
            Step::Check { scope: s, dt } => {
                now = now.saturating_add(dt.nanos());
                let _ = m.check(scope(*s), now);
            }
            Step::Acquire { scope: s, dt } => {
                now = now.saturating_add(dt.nanos());
                let _ = m.acquire(scope(*s), now);
            }
            Step::Response {
                scope: s,
                dt,
                status,
                retry_after,
                message,
                raw_body,
            } => {
                now = now.saturating_add(dt.nanos());
                let status = match status % 5 {
                    0 | 1 => StatusCode::TOO_MANY_REQUESTS,
                    2 => StatusCode::SERVICE_UNAVAILABLE,
                    3 => StatusCode::OK,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                // What is known of the response; the rest the model takes
                // from the crate's parsers.
                let mut expect = Expect::default();
                let mut h = HeaderMap::new();
                match retry_after {
                    RetryAfterIn::None => expect.retry_after = Some(None),
                    RetryAfterIn::Delta(secs) => {
                        h.insert("retry-after", HeaderValue::from(*secs));
                        expect.retry_after = Some(Some(u64::from(*secs) * SEC));
                    }
                    RetryAfterIn::DateAfter(off, with_date) => {
                        let at = DATE.saturating_add_signed(i64::from(*off));
                        h.insert(
                            "retry-after",
                            HeaderValue::from_str(&http_date(at)).unwrap(),
                        );
                        expect.retry_after = Some(if *with_date {
                            h.insert("date", HeaderValue::from_str(&http_date(DATE)).unwrap());
                            Some(at.saturating_sub(DATE) * SEC)
                        } else {
                            None
                        });
                    }
                    RetryAfterIn::Raw(bytes) => {
                        if let Ok(v) = HeaderValue::from_bytes(bytes) {
                            h.insert("retry-after", v);
                        }
                    }
                }
                let msg = match message {
                    Message::None => {
                        expect.quota = Some(false);
                        expect.server_limit = Some(None);
                        None
                    }
                    Message::Limit {
                        requests,
                        time,
                        unit,
                    } => {
                        let unit = ["second", "minute", "s", "ms", "hour"][usize::from(*unit) % 5];
                        Some(format!("The throttling threshold has been reached: policy user over ratelimit,limit:{requests},time:{time} {unit}"))
                    }
                    Message::Daily => {
                        expect.quota = Some(true);
                        Some("policy user over ratelimit,limit:1000,time:1 day".to_owned())
                    }
                    Message::Raw(text) => Some(text.clone()),
                };
                let body = match (raw_body, msg) {
                    (Some(raw), _) => {
                        expect.quota = None;
                        expect.server_limit = None;
                        raw.clone()
                    }
                    (None, Some(msg)) => serde_json::to_vec(
                        &serde_json::json!({"error_code": "APIG.0308", "error_msg": msg}),
                    )
                    .unwrap(),
                    (None, None) => Vec::new(),
                };
                let _ = m.respond(scope(*s), now, status, &h, &body, expect);
            }
            Step::Retry {
                op,
                attempt,
                elapsed,
                outcome,
                status,
                seed,
                max_attempts,
                ambiguous,
            } => {
                let op = OperationId::ALL[usize::from(*op) % OperationId::ALL.len()];
                let outcome = match outcome % 6 {
                    0 => Outcome::Status {
                        status: *status,
                        error_code: Some("APIG.0308"),
                    },
                    1 => Outcome::NotSent,
                    2 => Outcome::FailedAfterSend,
                    3 => Outcome::Timeout,
                    4 => Outcome::QuotaExhausted,
                    _ => Outcome::Other,
                };
                let policy = RetryPolicy::default()
                    .with_max_attempts(u32::from(*max_attempts))
                    .with_ambiguous_retries(*ambiguous);
                let elapsed = Duration::from_nanos(*elapsed);
                match policy.decide(op, *attempt, elapsed, outcome, *seed) {
                    RetryDecision::Retry(d) => {
                        assert!(policy.refusal(op, outcome).is_none());
                        assert!((*attempt).max(1) < policy.max_attempts());
                        assert!(elapsed + d <= Duration::from_secs(60));
                        assert!(d <= Duration::from_secs(10));
                    }
                    RetryDecision::Stop(_) => {}
                }
            }
        }
    }
});
