//! Properties: arbitrary call sequences checked against the reference model, and parsers that never panic.

use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode};
use proptest::prelude::*;
use sparkrtc::throttle::ThrottleCategory;
use sparkrtc::throttle::{
    is_quota_message, parse_limit_message, retry_after, CredentialId, Scope, Throttle,
    ThrottleConfig, DEFAULT_MAX_SERVER_WAIT,
};
use sparkrtc::OperationId;

use super::throttle_model::{Checked, Expect, SEC};
use super::{limit, throttled_body};

#[derive(Clone, Debug)]
enum RetryAfterInput {
    None,
    Delta(u64),
    /// HTTP-date this many seconds after the Date header (may be negative).
    DateWithDate(i64),
    DateWithoutDate,
    Garbage,
}

#[derive(Clone, Debug)]
enum Step {
    Acquire {
        scope: usize,
        dt: u64,
    },
    Check {
        scope: usize,
        dt: u64,
    },
    Response {
        scope: usize,
        dt: u64,
        status: u16,
        retry_after: RetryAfterInput,
        message: u8,
        limit: (u32, u64),
    },
    Rewind {
        by: u64,
    },
    Prune {
        dt: u64,
    },
    Forget {
        scope: usize,
    },
}

fn retry_after_input() -> impl Strategy<Value = RetryAfterInput> {
    prop_oneof![
        Just(RetryAfterInput::None),
        (0u64..400).prop_map(RetryAfterInput::Delta),
        (-30i64..400).prop_map(RetryAfterInput::DateWithDate),
        Just(RetryAfterInput::DateWithoutDate),
        Just(RetryAfterInput::Garbage),
    ]
}

fn dt() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        0u64..1_000,
        0u64..2_000_000_000,
        0u64..20_000_000_000,
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        12 => (0usize..4, dt()).prop_map(|(scope, dt)| Step::Acquire { scope, dt }),
        2 => (0usize..4, dt()).prop_map(|(scope, dt)| Step::Check { scope, dt }),
        4 => (0usize..4, dt(), prop::sample::select(vec![429u16, 429, 503, 200, 500]), retry_after_input(), 0u8..4, (0u32..25, 1u64..120))
            .prop_map(|(scope, dt, status, retry_after, message, limit)| Step::Response { scope, dt, status, retry_after, message, limit }),
        2 => (0u64..5_000_000_000).prop_map(|by| Step::Rewind { by }),
        2 => dt().prop_map(|dt| Step::Prune { dt }),
        1 => (0usize..4).prop_map(|scope| Step::Forget { scope }),
    ]
}

const CATEGORIES: [ThrottleCategory; 3] = [
    ThrottleCategory::ObsBucketManagement,
    ThrottleCategory::MixStreamJobManagement,
    ThrottleCategory::RoomManagement,
];

fn scope_of(i: usize) -> Scope {
    // Two credentials share the first category.
    let category = CATEGORIES[i.min(3) % 3];
    Scope::new(category).with_credential(CredentialId::new((i / 3) as u64))
}

const HTTP_DATE_BASE: u64 = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT

fn http_date(unix: u64) -> String {
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(unix))
}

/// The response a `Step::Response` describes, and what the model may expect
/// of it.
fn response(
    retry_after: RetryAfterInput,
    message: u8,
    (ln, lsecs): (u32, u64),
) -> (HeaderMap, Vec<u8>, Expect) {
    let mut h = HeaderMap::new();
    let requested = match retry_after {
        RetryAfterInput::None => None,
        RetryAfterInput::Delta(s) => {
            h.insert(
                "retry-after",
                HeaderValue::from_str(&s.to_string()).unwrap(),
            );
            Some(s * SEC)
        }
        RetryAfterInput::DateWithDate(off) => {
            let date = HTTP_DATE_BASE;
            h.insert("date", HeaderValue::from_str(&http_date(date)).unwrap());
            let at = date.saturating_add_signed(off);
            h.insert(
                "retry-after",
                HeaderValue::from_str(&http_date(at)).unwrap(),
            );
            Some(off.max(0) as u64 * SEC)
        }
        RetryAfterInput::DateWithoutDate => {
            h.insert(
                "retry-after",
                HeaderValue::from_str(&http_date(HTTP_DATE_BASE)).unwrap(),
            );
            None
        }
        RetryAfterInput::Garbage => {
            h.insert("retry-after", HeaderValue::from_static("later, maybe"));
            None
        }
    };
    let (msg, quota, server_limit) = match message {
        0 => (String::new(), false, None),
        1 => (
            format!("The throttling threshold has been reached: policy user over ratelimit,limit:{ln},time:{lsecs} second"),
            false,
            Some(limit(ln, Duration::from_secs(lsecs))),
        ),
        2 => ("policy user over ratelimit,limit:1000,time:1 day".to_owned(), true, None),
        _ => ("The throttling threshold has been reached".to_owned(), false, None),
    };
    let expect = Expect {
        retry_after: Some(requested),
        quota: Some(quota),
        server_limit: (!quota).then_some(server_limit),
    };
    (h, throttled_body(&msg), expect)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_window_overfills_waits_are_exact_and_retry_after_holds(
        limits in prop::collection::vec((1u32..6, 1u64..3_000_000_000), 3),
        seed in any::<u64>(),
        steps in prop::collection::vec(step(), 1..240),
    ) {
        let mut config = ThrottleConfig::documented().with_seed(seed);
        for (category, &(requests, window)) in CATEGORIES.iter().zip(&limits) {
            config = config.with_limit(*category, limit(requests, Duration::from_nanos(window))).unwrap();
        }
        let scopes: Vec<Scope> = (0..4).map(scope_of).collect();
        // Every step's answer is checked against the model; a divergence
        // panics, which proptest reports and shrinks.
        let mut m = Checked::new(config, &scopes);
        let mut now = 1_000_000_000_000u64;
        for step in steps {
            match step {
                Step::Rewind { by } => now = now.saturating_sub(by),
                Step::Prune { dt } => {
                    now += dt;
                    m.prune(now);
                }
                Step::Forget { scope } => {
                    m.forget(scope);
                }
                Step::Check { scope, dt } => {
                    now += dt;
                    let _ = m.check(scope, now);
                }
                Step::Acquire { scope, dt } => {
                    now += dt;
                    let _ = m.acquire(scope, now);
                }
                Step::Response { scope, dt, status, retry_after, message, limit } => {
                    now += dt;
                    let (h, body, expect) = response(retry_after, message, limit);
                    let status = StatusCode::from_u16(status).unwrap();
                    let _ = m.respond(scope, now, status, &h, &body, expect);
                }
            }
        }
    }

    #[test]
    fn retry_after_never_panics_on_arbitrary_headers(
        values in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..4),
        dates in prop::collection::vec("[ -~]{0,40}", 0..3),
    ) {
        let mut h = HeaderMap::new();
        for v in &values {
            if let Ok(v) = HeaderValue::from_bytes(v) {
                h.append("retry-after", v);
            }
        }
        for d in &dates {
            if let Ok(v) = HeaderValue::from_str(d) {
                h.append("date", v);
            }
        }
        let _ = retry_after(&h);
        let mut t = Throttle::default();
        let r = t.on_response(Scope::of(OperationId::ListApps), Duration::ZERO, StatusCode::TOO_MANY_REQUESTS, &h, b"");
        let b = r.unwrap().unwrap();
        prop_assert!(b.wait <= DEFAULT_MAX_SERVER_WAIT);
    }

    #[test]
    fn limit_messages_never_panic(msg in "\\PC{0,80}") {
        let _ = parse_limit_message(&msg);
        let _ = is_quota_message(&msg);
    }
}
