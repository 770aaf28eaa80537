//! Random sequences of acquire, check, response, rewind, prune and forget on
//! a throttle with random limits, plus random retry decisions. It must never
//! panic, and:
//! - no scope admits more than N calls in any window of W;
//! - every wait is exact: checking at `now + wait - 1 ns` answers "wait 1 ns",
//!   at `now + wait` "send";
//! - `check` predicts `acquire`;
//! - a send never happens before a server block (Retry-After or backoff) ends,
//!   and a block is what the header asked for, capped;
//! - a daily-quota answer is an error and changes nothing;
//! - a retry decision respects the policy's limits.
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use http::{HeaderMap, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;
use sparkrtc::retry::{Outcome, RetryDecision, RetryPolicy};
use sparkrtc::throttle::{
    Admission, BlockCause, CredentialId, Scope, Throttle, ThrottleConfig, MAX_TIME,
};
use sparkrtc::throttle::{RateLimit, ThrottleCategory};
use sparkrtc::{Error, OperationId};

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

const MAX_NS: u64 = MAX_TIME.as_nanos() as u64;
const SCOPES: usize = 4;
const CATEGORIES: [ThrottleCategory; 3] = [
    ThrottleCategory::ObsBucketManagement,
    ThrottleCategory::MixStreamJobManagement,
    ThrottleCategory::StatisticalAnalysis,
];
const DATE: u64 = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT

fn scope(i: u8) -> (usize, Scope) {
    let i = usize::from(i) % SCOPES;
    let s = Scope::new(CATEGORIES[i % 3]).with_credential(CredentialId::new((i / 3) as u64));
    (i, s)
}

fn ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Dt {
    fn nanos(&self) -> u64 {
        match *self {
            Dt::Zero => 0,
            Dt::Nanos(n) => u64::from(n),
            Dt::Micros(n) => u64::from(n) * 1_000,
            Dt::Millis(n) => u64::from(n) * 1_000_000,
            Dt::Secs(n) => u64::from(n) * 1_000_000_000,
            Dt::Huge(n) => n,
        }
    }
}

struct Model {
    limits: [RateLimit; SCOPES],
    admits: [Vec<u64>; SCOPES],
    blocked_until: [u64; SCOPES],
    latest: u64,
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
    let cap = ns(config.max_server_wait());
    let (lo, hi) = config.default_backoff();
    let (lo, hi) = (ns(lo).min(cap), ns(hi).min(cap));
    let mut t = Throttle::new(config.clone());
    let mut m = Model {
        limits: std::array::from_fn(|i| config.limit(scope(i as u8).1.category())),
        admits: Default::default(),
        blocked_until: [0; SCOPES],
        latest: 0,
    };
    let mut now: u64 = 1_000_000_000_000;

    for step in input.steps.iter().take(400) {
        match step {
            Step::Rewind { by } => now = now.saturating_sub(*by),
            Step::Prune { dt } => {
                now = now.saturating_add(dt.nanos());
                m.latest = m.latest.max(now.min(MAX_NS));
                let _ = t.prune(Duration::from_nanos(now));
            }
            Step::Forget { scope: s } => {
                let (i, s) = scope(*s);
                let known = t.window(s).is_some();
                assert_eq!(t.forget(s), known);
                m.admits[i].clear();
                m.blocked_until[i] = 0;
            }
            Step::Check { scope: s, dt } => {
                now = now.saturating_add(dt.nanos());
                let (_, s) = scope(*s);
                let before = t.window(s).cloned();
                let _ = t.check(s, Duration::from_nanos(now));
                assert_eq!(t.window(s), before.as_ref());
            }
            Step::Acquire { scope: s, dt } => {
                now = now.saturating_add(dt.nanos());
                let (i, s) = scope(*s);
                let at = Duration::from_nanos(now);
                let predicted = t.check(s, at);
                let answer = t.acquire(s, at);
                assert_eq!(predicted, answer);
                let raw = now.min(MAX_NS);
                m.latest = m.latest.max(raw);
                let c = m.latest;
                let n = m.limits[i].requests as usize;
                let w = ns(m.limits[i].window);
                match answer {
                    Admission::Send => {
                        assert!(
                            c >= m.blocked_until[i],
                            "sent at {c} before the block ends at {}",
                            m.blocked_until[i]
                        );
                        let log = &mut m.admits[i];
                        log.push(c);
                        if log.len() > n {
                            let first = log[log.len() - 1 - n];
                            assert!(
                                c - first >= w,
                                "{} admissions within {} ns (window {w})",
                                n + 1,
                                c - first
                            );
                        }
                    }
                    Admission::Wait(d) => {
                        assert!(d > Duration::ZERO);
                        let d = ns(d);
                        if raw.saturating_add(d) <= MAX_NS {
                            let ready = raw + d;
                            assert_eq!(
                                t.check(s, Duration::from_nanos(ready - 1)),
                                Admission::Wait(Duration::from_nanos(1))
                            );
                            assert_eq!(t.check(s, Duration::from_nanos(ready)), Admission::Send);
                            if t.window(s).unwrap().learned_limit().is_none() {
                                let log = &m.admits[i];
                                let mut want = m.blocked_until[i];
                                if log.len() >= n {
                                    want = want.max(log[log.len() - n].saturating_add(w));
                                }
                                assert_eq!(ready, want);
                            }
                        }
                    }
                }
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
                let (i, s) = scope(*s);
                let status = match status % 5 {
                    0 | 1 => StatusCode::TOO_MANY_REQUESTS,
                    2 => StatusCode::SERVICE_UNAVAILABLE,
                    3 => StatusCode::OK,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                let mut h = HeaderMap::new();
                let requested: Option<Option<u64>> = match retry_after {
                    RetryAfterIn::None => Some(None),
                    RetryAfterIn::Delta(secs) => {
                        h.insert("retry-after", HeaderValue::from(*secs));
                        Some(Some(u64::from(*secs) * 1_000_000_000))
                    }
                    RetryAfterIn::DateAfter(off, with_date) => {
                        let at = DATE.saturating_add_signed(i64::from(*off));
                        h.insert(
                            "retry-after",
                            HeaderValue::from_str(&http_date(at)).unwrap(),
                        );
                        if *with_date {
                            h.insert("date", HeaderValue::from_str(&http_date(DATE)).unwrap());
                            let wait = (at.saturating_sub(DATE)) * 1_000_000_000;
                            Some(Some(wait))
                        } else {
                            Some(None)
                        }
                    }
                    RetryAfterIn::Raw(bytes) => {
                        if let Ok(v) = HeaderValue::from_bytes(bytes) {
                            h.insert("retry-after", v);
                        }
                        None // unknown: the throttle decides
                    }
                };
                let mut quota = false;
                let msg = match message {
                    Message::None => None,
                    Message::Limit {
                        requests,
                        time,
                        unit,
                    } => {
                        let unit = ["second", "minute", "s", "ms", "hour"][usize::from(*unit) % 5];
                        Some(format!("The throttling threshold has been reached: policy user over ratelimit,limit:{requests},time:{time} {unit}"))
                    }
                    Message::Daily => {
                        quota = true;
                        Some("policy user over ratelimit,limit:1000,time:1 day".to_owned())
                    }
                    Message::Raw(text) => Some(text.clone()),
                };
                let body = match (raw_body, msg) {
                    (Some(raw), _) => raw.clone(),
                    (None, Some(msg)) => serde_json::to_vec(
                        &serde_json::json!({"error_code": "APIG.0308", "error_msg": msg}),
                    )
                    .unwrap(),
                    (None, None) => Vec::new(),
                };
                if raw_body.is_some() {
                    quota = false;
                }
                let before = t.window(s).cloned();
                let result = t.on_response(s, Duration::from_nanos(now), status, &h, &body);
                let r = match result {
                    Err(e) => {
                        assert!(matches!(e, Error::QuotaExhausted(_)), "{e:?}");
                        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
                        assert_eq!(
                            t.window(s),
                            before.as_ref(),
                            "a quota answer changes nothing"
                        );
                        continue;
                    }
                    Ok(r) => r,
                };
                assert!(
                    !(quota && status == StatusCode::TOO_MANY_REQUESTS),
                    "a daily quota must be an error"
                );
                let Some(blocked) = r else {
                    assert_eq!(t.window(s), before.as_ref());
                    assert!(status != StatusCode::TOO_MANY_REQUESTS);
                    continue;
                };
                assert!(
                    status == StatusCode::TOO_MANY_REQUESTS
                        || status == StatusCode::SERVICE_UNAVAILABLE
                );
                let raw = now.min(MAX_NS);
                m.latest = m.latest.max(raw);
                let c = m.latest;
                let until = raw.saturating_add(ns(blocked.wait));
                assert!(until >= m.blocked_until[i], "a block was shortened");
                match requested {
                    Some(Some(r)) => {
                        assert_eq!(blocked.cause, BlockCause::RetryAfter);
                        assert_eq!(blocked.capped, r > cap);
                        assert_eq!(
                            until,
                            m.blocked_until[i].max(c.saturating_add(r.min(cap)).min(MAX_NS))
                        );
                    }
                    Some(None) => {
                        assert_eq!(blocked.cause, BlockCause::DefaultBackoff);
                        let own =
                            c.saturating_add(lo).min(MAX_NS)..=c.saturating_add(hi).min(MAX_NS);
                        assert!(own.contains(&until) || until == m.blocked_until[i]);
                    }
                    None => {
                        assert!(until <= c.saturating_add(cap).min(MAX_NS).max(m.blocked_until[i]))
                    }
                }
                m.blocked_until[i] = until;
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
