//! The throttle calculator: documented limits, exact waits, server feedback
//! (Retry-After in every format, the APIG.0308 message, daily quotas), clamped
//! time, pruning, and a property test over arbitrary call sequences.

use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode};
use proptest::prelude::*;
use sparkrtc::throttle::{
    is_quota_message, parse_limit_message, retry_after, Admission, BlockCause, Blocked,
    CredentialId, Scope, Throttle, ThrottleConfig, Window, DEFAULT_MAX_SERVER_WAIT,
    MAX_REQUESTS_PER_WINDOW, MAX_WINDOW,
};
use sparkrtc::throttle::{RateLimit, ThrottleCategory};
use sparkrtc::{Error, OperationId};

const NS: Duration = Duration::from_nanos(1);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

fn limit(requests: u32, window: Duration) -> RateLimit {
    RateLimit { requests, window }
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in pairs {
        h.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    h
}

const THROTTLED: &[u8] = br#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute"}"#;

fn throttled_body(message: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"error_code": "APIG.0308", "error_msg": message}))
        .unwrap()
}

// ------------------------------------------------------------ documented limits

/// The `throttling` table of the API catalog, by hand.
const DOCUMENTED: &[(ThrottleCategory, u32, u64)] = &[
    (ThrottleCategory::ApplicationManagement, 60, 60),
    (ThrottleCategory::RecordRuleManagement, 60, 60),
    (ThrottleCategory::AutoRecordConfiguration, 60, 60),
    (ThrottleCategory::CallbackManagement, 60, 60),
    (ThrottleCategory::MixStreamJobManagement, 10, 1),
    (ThrottleCategory::IndividualStreamJobManagement, 10, 1),
    (ThrottleCategory::RoomManagement, 60, 60),
    (ThrottleCategory::ObsBucketManagement, 2, 1),
    (ThrottleCategory::StatisticalAnalysis, 30, 60),
];

#[test]
fn the_table_covers_every_category_and_matches_the_catalog() {
    assert_eq!(DOCUMENTED.len(), ThrottleCategory::ALL.len());
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("data/sparkrtc-api.json")).unwrap();
    let categories = spec["throttling"]["categories"].as_array().unwrap();
    assert_eq!(categories.len(), DOCUMENTED.len());
    for entry in categories {
        let name = entry["category"].as_str().unwrap();
        let &(category, n, w) = DOCUMENTED
            .iter()
            .find(|(c, _, _)| c.name() == name)
            .unwrap_or_else(|| panic!("{name} is not in the table"));
        assert_eq!(entry["requests"].as_u64(), Some(u64::from(n)), "{name}");
        assert_eq!(entry["per_seconds"].as_u64(), Some(w), "{name}");
        for op in entry["operations"].as_array().unwrap() {
            let op = OperationId::from_name(op.as_str().unwrap()).unwrap();
            assert_eq!(Scope::of(op), Scope::new(category), "{op}");
        }
    }
}

#[test]
fn every_category_admits_its_burst_then_waits_exactly_one_window() {
    for &(category, n, w) in DOCUMENTED {
        let w = secs(w);
        assert_eq!(category.documented_limit(), limit(n, w));
        assert_eq!(ThrottleConfig::documented().limit(category), limit(n, w));

        let mut t = Throttle::default();
        let scope = Scope::new(category);
        let t0 = secs(1_000);
        for i in 0..n {
            assert_eq!(
                t.acquire(scope, t0),
                Admission::Send,
                "{category:?} call {i}"
            );
        }
        assert_eq!(t.acquire(scope, t0), Admission::Wait(w), "{category:?}");
        assert_eq!(
            t.acquire(scope, t0 + w - NS),
            Admission::Wait(NS),
            "{category:?}"
        );
        assert_eq!(t.acquire(scope, t0 + w), Admission::Send, "{category:?}");
        assert_eq!(t.window(scope).unwrap().in_window(t0 + w), 1);
        assert_eq!(t.window(scope).unwrap().heap_bytes(), 8 * n as usize);
    }
}

#[test]
fn every_category_sustains_its_full_rate() {
    for &(category, n, w) in DOCUMENTED {
        let spacing = secs(w) / n;
        let mut t = Throttle::default();
        let scope = Scope::new(category);
        for i in 0..5 * n {
            assert_eq!(
                t.acquire(scope, spacing * i),
                Admission::Send,
                "{category:?} call {i}"
            );
        }
        // One more at the same instant as the last would be N+1 in a window.
        assert_eq!(
            t.acquire(scope, spacing * (5 * n - 1)),
            Admission::Wait(spacing)
        );
    }
}

// ------------------------------------------------------------ scopes and config

#[test]
fn scopes_split_by_credential_and_optionally_by_operation() {
    let mut t = Throttle::default();
    let a = CredentialId::from_access_key("AK-ONE");
    let b = CredentialId::from_access_key("AK-TWO");
    assert_ne!(a, b);
    let create = Scope::of(OperationId::CreateMixJob).with_credential(a);
    let show = Scope::of(OperationId::ShowMixJob).with_credential(a);
    assert_eq!(create, show, "one category, one budget");
    for _ in 0..10 {
        assert!(t.acquire(create, secs(5)).is_send());
    }
    assert_eq!(t.acquire(show, secs(5)), Admission::Wait(secs(1)));
    // Another credential has its own budget.
    assert!(t.acquire(show.with_credential(b), secs(5)).is_send());
    // So does a per-operation scope.
    let only_show = Scope::only(OperationId::ShowMixJob).with_credential(a);
    assert_ne!(only_show, show);
    assert_eq!(
        only_show.category(),
        ThrottleCategory::MixStreamJobManagement
    );
    assert_eq!(only_show.credential(), a);
    assert!(t.acquire(only_show, secs(5)).is_send());
    assert_eq!(t.len(), 3);
}

#[test]
fn limits_can_be_raised_or_tightened_per_category() {
    let config = ThrottleConfig::documented()
        .with_limit(ThrottleCategory::StatisticalAnalysis, limit(120, secs(60)))
        .unwrap()
        .with_limit(ThrottleCategory::RoomManagement, limit(1, secs(5)))
        .unwrap();
    assert_eq!(
        config.limit(ThrottleCategory::ApplicationManagement),
        limit(60, secs(60))
    );
    let mut t = Throttle::new(config);
    let stats = Scope::new(ThrottleCategory::StatisticalAnalysis);
    let rooms = Scope::new(ThrottleCategory::RoomManagement);
    for _ in 0..120 {
        assert!(t.acquire(stats, secs(1)).is_send());
    }
    assert_eq!(t.acquire(stats, secs(1)), Admission::Wait(secs(60)));
    assert!(t.acquire(rooms, secs(1)).is_send());
    assert_eq!(t.acquire(rooms, secs(2)), Admission::Wait(secs(4)));
    assert_eq!(t.window(rooms).unwrap().limit(), limit(1, secs(5)));
}

#[test]
fn out_of_range_limits_are_refused() {
    let bad = [
        limit(0, secs(1)),
        limit(MAX_REQUESTS_PER_WINDOW + 1, secs(1)),
        limit(1, Duration::ZERO),
        limit(1, MAX_WINDOW + NS),
    ];
    for l in bad {
        let err = ThrottleConfig::documented()
            .with_limit(ThrottleCategory::RoomManagement, l)
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidParameter { ref field, .. } if field.starts_with("throttle.limit")),
            "{l:?}: {err}"
        );
        assert!(Window::new(l).is_err(), "{l:?}");
    }
    assert!(Window::new(limit(MAX_REQUESTS_PER_WINDOW, MAX_WINDOW)).is_ok());
    assert!(Window::new(limit(1, NS)).is_ok());
    assert!(ThrottleConfig::documented()
        .with_default_backoff(secs(3), secs(2))
        .is_err());
    assert_eq!(
        ThrottleConfig::documented()
            .with_max_server_wait(secs(1_000_000))
            .max_server_wait(),
        MAX_WINDOW
    );
}

#[test]
fn debug_output_holds_no_credential() {
    let id = CredentialId::from_access_key("AKSENTINEL0123456789");
    let mut t = Throttle::default();
    let _ = t.acquire(
        Scope::of(OperationId::ListApps).with_credential(id),
        secs(1),
    );
    let debug = format!("{t:?} {id:?}");
    assert!(!debug.contains("SENTINEL"), "{debug}");
    assert_eq!(
        format!("{:?}", CredentialId::new(0xab)),
        "CredentialId(0x00000000000000ab)"
    );
    // The fingerprint is stable across versions and platforms.
    assert_eq!(
        CredentialId::from_access_key(""),
        CredentialId::from_access_key("")
    );
    assert_ne!(
        CredentialId::from_access_key("a"),
        CredentialId::from_access_key("b")
    );
}

// ------------------------------------------------------------ time edge cases

#[test]
fn time_going_backwards_is_clamped() {
    let mut t = Throttle::default();
    let scope = Scope::of(OperationId::ListObsBuckets); // 2 per second
    assert!(t.acquire(scope, secs(10)).is_send());
    // Earlier than seen: recorded as 10 s, not 5 s.
    assert!(t.acquire(scope, secs(5)).is_send());
    // The wait is measured from the time given, to the true ready time 11 s.
    assert_eq!(t.acquire(scope, secs(5)), Admission::Wait(secs(6)));
    assert_eq!(t.acquire(scope, secs(11) - NS), Admission::Wait(NS));
    assert!(t.acquire(scope, secs(11)).is_send());
    // The clamp is shared by all scopes: another scope cannot go back either.
    let other = Scope::of(OperationId::ListObsBucketObjects).with_credential(CredentialId::new(9));
    assert!(t.acquire(other, secs(1)).is_send());
    assert!(t.acquire(other, secs(1)).is_send());
    assert_eq!(t.acquire(other, secs(1)), Admission::Wait(secs(11)));
}

#[test]
fn extreme_times_never_panic_nor_overflow_the_window() {
    let mut t = Throttle::default();
    let scope = Scope::of(OperationId::ListObsBuckets);
    let mut admitted = 0;
    for _ in 0..10 {
        admitted += usize::from(t.acquire(scope, Duration::MAX).is_send());
    }
    // Time stops at the clamp (about 292 years): the window fills and stays full.
    assert_eq!(admitted, 2);
    assert!(matches!(
        t.acquire(scope, Duration::MAX),
        Admission::Wait(_)
    ));
    assert!(matches!(
        t.acquire(scope, Duration::ZERO),
        Admission::Wait(_)
    ));
    let blocked = t
        .on_response(
            scope,
            Duration::MAX,
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("retry-after", "99999999999999999999999999")]),
            THROTTLED,
        )
        .unwrap()
        .unwrap();
    assert!(blocked.capped);
    assert_eq!(t.prune(Duration::MAX), 0);
}

// ------------------------------------------------------------ server feedback

fn feed(t: &mut Throttle, scope: Scope, now: Duration, h: &[(&str, &str)]) -> Blocked {
    t.on_response(
        scope,
        now,
        StatusCode::TOO_MANY_REQUESTS,
        &headers(h),
        THROTTLED,
    )
    .unwrap()
    .expect("a 429 blocks")
}

#[test]
fn retry_after_in_every_format_blocks_the_scope_exactly() {
    let date = ("date", "Sun, 06 Nov 1994 08:49:30 GMT");
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("delta-seconds", &[("retry-after", "7")]),
        ("delta-seconds with spaces", &[("retry-after", " 7 ")]),
        (
            "IMF-fixdate",
            &[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"), date],
        ),
        (
            "RFC 850",
            &[("retry-after", "Sunday, 06-Nov-94 08:49:37 GMT"), date],
        ),
        (
            "asctime",
            &[("retry-after", "Sun Nov  6 08:49:37 1994"), date],
        ),
        (
            "Date in RFC 850",
            &[
                ("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"),
                ("date", "Sunday, 06-Nov-94 08:49:30 GMT"),
            ],
        ),
        (
            "longest of several",
            &[
                ("retry-after", "3"),
                ("retry-after", "7"),
                ("retry-after", "junk"),
            ],
        ),
        (
            "earliest of several dates",
            &[
                ("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"),
                ("date", "Sun, 06 Nov 1994 08:49:33 GMT"),
                date,
            ],
        ),
    ];
    for (name, h) in cases {
        assert_eq!(retry_after(&headers(h)), Some(secs(7)), "{name}");
        let mut t = Throttle::default();
        let scope = Scope::of(OperationId::ShowApp);
        let now = secs(50);
        let blocked = feed(&mut t, scope, now, h);
        assert_eq!(blocked.wait, secs(7), "{name}");
        assert_eq!(blocked.cause, BlockCause::RetryAfter, "{name}");
        assert!(!blocked.capped, "{name}");
        assert_eq!(blocked.server_limit, Some(limit(60, secs(60))), "{name}");
        assert_eq!(t.acquire(scope, now), Admission::Wait(secs(7)), "{name}");
        assert_eq!(
            t.acquire(scope, now + secs(7) - NS),
            Admission::Wait(NS),
            "{name}"
        );
        assert_eq!(t.acquire(scope, now + secs(7)), Admission::Send, "{name}");
    }
}

#[test]
fn retry_after_edge_values() {
    let at = |h: &[(&str, &str)]| retry_after(&headers(h));
    assert_eq!(at(&[("retry-after", "0")]), Some(Duration::ZERO));
    assert_eq!(
        at(&[("retry-after", "18446744073709551616000")]),
        Some(Duration::from_secs(u64::MAX))
    );
    // A date before the response's Date: retry now.
    assert_eq!(
        at(&[
            ("retry-after", "Sun, 06 Nov 1994 08:49:00 GMT"),
            ("date", "Sun, 06 Nov 1994 08:49:30 GMT")
        ]),
        Some(Duration::ZERO)
    );
    // No Date: no reference to measure an HTTP-date from.
    assert_eq!(
        at(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]),
        None
    );
    // A Date that does not parse is no reference either.
    assert_eq!(
        at(&[
            ("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"),
            ("date", "yesterday")
        ]),
        None
    );
    for junk in [
        "",
        "soon",
        "-5",
        "+5",
        "1.5",
        "5s",
        "0x10",
        "Sun, 32 Nov 1994 08:49:37 GMT",
    ] {
        assert_eq!(at(&[("retry-after", junk)]), None, "{junk:?}");
    }
    // Not UTF-8 / not visible ASCII.
    let mut h = HeaderMap::new();
    h.insert("retry-after", HeaderValue::from_bytes(b"\xff7").unwrap());
    assert_eq!(retry_after(&h), None);
}

#[test]
fn without_retry_after_the_default_backoff_is_2_to_5_seconds_and_deterministic() {
    let scope = Scope::of(OperationId::ListRtcRoomList);
    let mut waits = Vec::new();
    for seed in 0..200u64 {
        let config = ThrottleConfig::documented().with_seed(seed);
        let mut a = Throttle::new(config.clone());
        let mut b = Throttle::new(config);
        let now = secs(3) + ms(seed);
        let wa = feed(&mut a, scope, now, &[]);
        let wb = feed(&mut b, scope, now, &[("retry-after", "soon")]);
        assert_eq!(wa, wb, "same seed, scope and time: same wait");
        assert_eq!(wa.cause, BlockCause::DefaultBackoff);
        assert!(wa.wait >= secs(2) && wa.wait <= secs(5), "{:?}", wa.wait);
        assert_eq!(a.acquire(scope, now + wa.wait - NS), Admission::Wait(NS));
        assert!(a.acquire(scope, now + wa.wait).is_send());
        waits.push(wa.wait);
    }
    // The jitter spreads over the range.
    assert!(waits.iter().min().unwrap() < &ms(2_100), "{waits:?}");
    assert!(waits.iter().max().unwrap() > &ms(4_900), "{waits:?}");
    // An HTTP-date without a Date header also falls back to the default.
    let mut t = Throttle::default();
    let b = feed(
        &mut t,
        scope,
        secs(1),
        &[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")],
    );
    assert_eq!(b.cause, BlockCause::DefaultBackoff);
    // A configured range is used as given.
    let config = ThrottleConfig::documented()
        .with_default_backoff(secs(1), secs(1))
        .unwrap();
    let mut t = Throttle::new(config);
    assert_eq!(feed(&mut t, scope, secs(1), &[]).wait, secs(1));
}

#[test]
fn server_waits_are_capped_and_never_shortened() {
    let scope = Scope::of(OperationId::ShowRecordRule);
    let mut t = Throttle::default();
    let b = feed(&mut t, scope, secs(10), &[("retry-after", "86400")]);
    assert_eq!(b.wait, DEFAULT_MAX_SERVER_WAIT);
    assert!(b.capped);
    // A shorter answer later does not shorten the block.
    let b = feed(&mut t, scope, secs(20), &[("retry-after", "1")]);
    assert_eq!(b.wait, DEFAULT_MAX_SERVER_WAIT - secs(10));
    assert!(!b.capped);
    assert_eq!(
        t.window(scope).unwrap().blocked_until(secs(20)),
        Some(secs(10) + DEFAULT_MAX_SERVER_WAIT)
    );

    let config = ThrottleConfig::documented().with_max_server_wait(secs(30));
    let mut t = Throttle::new(config);
    assert_eq!(
        feed(&mut t, scope, secs(0), &[("retry-after", "31")]).wait,
        secs(30)
    );
    let config = ThrottleConfig::documented().with_max_server_wait(secs(1));
    let mut t = Throttle::new(config);
    assert_eq!(
        feed(&mut t, scope, secs(0), &[]).wait,
        secs(1),
        "the cap bounds the backoff too"
    );
}

#[test]
fn other_statuses_change_nothing_but_503_honours_retry_after() {
    let scope = Scope::of(OperationId::ShowAutoRecord);
    let ra = headers(&[("retry-after", "4")]);
    let mut t = Throttle::default();
    for status in [200u16, 201, 204, 400, 401, 403, 404, 500, 502, 504] {
        let status = StatusCode::from_u16(status).unwrap();
        assert_eq!(
            t.on_response(scope, secs(1), status, &ra, THROTTLED)
                .unwrap(),
            None,
            "{status}"
        );
    }
    assert!(t.is_empty());
    assert_eq!(
        t.on_response(
            scope,
            secs(1),
            StatusCode::SERVICE_UNAVAILABLE,
            &HeaderMap::new(),
            b""
        )
        .unwrap(),
        None
    );
    let b = t
        .on_response(
            scope,
            secs(1),
            StatusCode::SERVICE_UNAVAILABLE,
            &ra,
            b"<html>busy</html>",
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        (b.wait, b.cause, b.server_limit),
        (secs(4), BlockCause::RetryAfter, None)
    );
    assert_eq!(t.acquire(scope, secs(2)), Admission::Wait(secs(3)));
}

#[test]
fn a_daily_quota_is_an_error_not_a_wait() {
    let quota_messages = [
        "The throttling threshold has been reached: policy user over ratelimit,limit:1000,time:1 day",
        "The throttling threshold has been reached: policy app over ratelimit,limit:5000,time:24 hour",
        "The throttling threshold has been reached: policy user over ratelimit,limit:100000,time:1 month",
        "Daily request limit exceeded",
        "API call QUOTA exhausted",
        "limit of 1000 calls per day reached",
    ];
    for msg in quota_messages {
        assert!(is_quota_message(msg), "{msg}");
        let mut t = Throttle::default();
        let scope = Scope::of(OperationId::ListRtcHistoryUsage);
        let h = headers(&[("retry-after", "5"), ("x-request-id", "req-1")]);
        let err = t
            .on_response(
                scope,
                secs(1),
                StatusCode::TOO_MANY_REQUESTS,
                &h,
                &throttled_body(msg),
            )
            .unwrap_err();
        let Error::QuotaExhausted(api) = &err else {
            panic!("{msg}: {err:?}");
        };
        assert_eq!(api.status, 429);
        assert_eq!(api.error_code.as_deref(), Some("APIG.0308"));
        assert_eq!(api.error_msg.as_deref(), Some(msg));
        assert_eq!(api.request_id.as_deref(), Some("req-1"));
        assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        // The scope is left as it was: nothing created, nothing blocked.
        assert!(t.is_empty(), "{msg}");
        assert!(t.acquire(scope, secs(1)).is_send());
    }
    for msg in [
        "The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute",
        "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second",
        "The throttling threshold has been reached: policy user over ratelimit,limit:600,time:23 hour",
        "Too many requests, try again later",
        "",
    ] {
        assert!(!is_quota_message(msg), "{msg}");
    }
}

#[test]
fn limit_messages_parse() {
    let cases: &[(&str, Option<(u32, Duration)>)] = &[
        (
            "The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute",
            Some((60, secs(60))),
        ),
        (
            "The throttling threshold has been reached: policy user over ratelimit,limit:XX,time:1 second",
            None,
        ),
        ("policy ip over ratelimit,limit:5,time:1 second", Some((5, secs(1)))),
        ("policy api over ratelimit, limit: 30, time: 2 minutes", Some((30, secs(120)))),
        ("LIMIT:7,TIME:1 HOUR", Some((7, secs(3600)))),
        ("limit:7,time:hour", Some((7, secs(3600)))),
        ("limit:7,time:10s", Some((7, secs(10)))),
        ("limit:7,time:500ms", Some((7, ms(500)))),
        ("limit:7,time:1 day", Some((7, secs(86_400)))),
        ("limit:7,time:1 fortnight", None),
        ("limit:7", None),
        ("time:1 minute", None),
        ("limit:99999999999,time:1 minute", Some((u32::MAX, secs(60)))),
        (
            "limit:1,time:99999999999999999999999 years",
            Some((1, Duration::from_secs(u64::MAX))),
        ),
        ("ratelimit,limit:0,time:1 second", Some((0, secs(1)))),
        ("over ratelimit:limit:60,time:1 minute", Some((60, secs(60)))),
        ("time:1 minute, limit:5", Some((5, secs(60)))),
        ("limit:5,time:2 second; window time:9 hour", Some((5, secs(2)))),
        ("", None),
        ("limit:", None),
        ("limit:1,time:", None),
        ("limité:1,time:1 s", None),
        ("限流 limit:3,time:1 second 已达上限", Some((3, secs(1)))),
    ];
    for (msg, want) in cases {
        let want = want.map(|(n, w)| limit(n, w));
        assert_eq!(parse_limit_message(msg), want, "{msg:?}");
    }
}

#[test]
fn a_stricter_server_limit_tightens_the_scope() {
    // Configured 60 per minute; the server says 5 per second.
    let mut t = Throttle::default();
    let scope = Scope::of(OperationId::ListApps);
    let body = throttled_body("The throttling threshold has been reached: policy user over ratelimit,limit:5,time:1 second");
    let b = t
        .on_response(
            scope,
            secs(100),
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("retry-after", "0")]),
            &body,
        )
        .unwrap()
        .unwrap();
    assert_eq!(b.server_limit, Some(limit(5, secs(1))));
    assert_eq!(b.wait, Duration::ZERO);
    assert_eq!(
        t.window(scope).unwrap().learned_limit(),
        Some(limit(5, secs(1)))
    );
    for _ in 0..5 {
        assert!(t.acquire(scope, secs(100)).is_send());
    }
    assert_eq!(t.acquire(scope, secs(100)), Admission::Wait(secs(1)));
    assert!(t.acquire(scope, secs(101)).is_send());

    // Configured 10 per second; the server says 60 per minute: kept as 10 per
    // 10 s, which never exceeds 60 in a minute.
    let mut t = Throttle::default();
    let scope = Scope::of(OperationId::CreateMixJob);
    let body = throttled_body("policy user over ratelimit,limit:60,time:1 minute");
    let b = t
        .on_response(
            scope,
            secs(0),
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("retry-after", "0")]),
            &body,
        )
        .unwrap()
        .unwrap();
    assert_eq!(b.server_limit, Some(limit(60, secs(60))));
    assert_eq!(
        t.window(scope).unwrap().learned_limit(),
        Some(limit(10, secs(10)))
    );
    for _ in 0..10 {
        assert!(t.acquire(scope, secs(0)).is_send());
    }
    assert_eq!(t.acquire(scope, secs(1)), Admission::Wait(secs(9)));

    // A limit the configured one already implies is not kept, and clears a
    // learned one.
    let mut w = Window::new(limit(10, secs(1))).unwrap();
    assert!(w.tighten(limit(3, secs(1))));
    assert!(!w.tighten(limit(10, secs(1))));
    assert_eq!(w.learned_limit(), None);
    assert!(!w.tighten(limit(100, secs(5))), "20 per second is looser");
    assert!(!w.tighten(limit(0, secs(5))));
    assert!(w.tighten(limit(25, secs(60))), "rounded: 10 per 30 s");
    assert_eq!(w.learned_limit(), Some(limit(10, secs(30))));
    assert!(w.tighten(limit(15, secs(7))));
    assert_eq!(w.learned_limit(), Some(limit(10, secs(7))));
}

// ------------------------------------------------------------ pruning and memory

#[test]
fn prune_forgets_only_idle_scopes() {
    let mut t = Throttle::default();
    let jobs = Scope::of(OperationId::CreateMixJob); // 10 per 1 s
    let apps = Scope::of(OperationId::CreateApp); // 60 per 60 s
    let rooms = Scope::of(OperationId::RemoveRoom); // 60 per 60 s, blocked
    assert!(t.acquire(jobs, secs(10)).is_send());
    assert!(t.acquire(apps, secs(10)).is_send());
    let _ = feed(&mut t, rooms, secs(10), &[("retry-after", "120")]);
    assert_eq!(t.len(), 3);
    assert_eq!(t.prune(secs(11) - NS), 0);
    assert_eq!(t.prune(secs(11)), 1);
    assert!(t.window(jobs).is_none());
    assert_eq!(t.prune(secs(70)), 1);
    assert!(t.window(apps).is_none());
    assert_eq!(t.prune(secs(130) - NS), 0);
    assert_eq!(t.prune(secs(130)), 1);
    assert!(t.is_empty());

    // A learned window longer than the configured one keeps the scope.
    let body = throttled_body("limit:60,time:1 minute");
    t.on_response(
        jobs,
        secs(200),
        StatusCode::TOO_MANY_REQUESTS,
        &headers(&[("retry-after", "0")]),
        &body,
    )
    .unwrap();
    assert!(t.acquire(jobs, secs(200)).is_send());
    assert_eq!(t.prune(secs(201)), 0);
    assert_eq!(t.prune(secs(210)), 1);

    assert!(t.acquire(jobs, secs(300)).is_send());
    assert!(t.forget(jobs));
    assert!(!t.forget(jobs));
}

#[test]
fn memory_is_bounded_per_scope() {
    assert_eq!(Throttle::SLOT_BYTES, 81);
    let mut t = Throttle::default();
    assert_eq!(t.memory_bytes(), 0);
    for i in 0..1_000 {
        let scope = Scope::of(OperationId::ListApps).with_credential(CredentialId::new(i));
        assert!(t.acquire(scope, secs(1)).is_send());
    }
    // 1,000 logs of 60 entries, and 2,048 slots (1,000 fit in 7/8 of a power of two).
    assert_eq!(t.memory_bytes(), 2_048 * 81 + 1_000 * 480);
}

// ------------------------------------------------------------ properties

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
        6 => (0usize..4, dt()).prop_map(|(scope, dt)| Step::Acquire { scope, dt }),
        2 => (0usize..4, dt(), prop::sample::select(vec![429u16, 429, 503, 200, 500]), retry_after_input(), 0u8..4, (0u32..25, 1u64..120))
            .prop_map(|(scope, dt, status, retry_after, message, limit)| Step::Response { scope, dt, status, retry_after, message, limit }),
        1 => (0u64..5_000_000_000).prop_map(|by| Step::Rewind { by }),
        1 => dt().prop_map(|dt| Step::Prune { dt }),
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

struct Model {
    limits: Vec<RateLimit>,
    admits: Vec<Vec<u64>>,
    blocked_until: Vec<u64>,
    latest: u64,
}

fn n(d: Duration) -> u64 {
    d.as_nanos() as u64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_window_overfills_waits_are_exact_and_retry_after_holds(
        limits in prop::collection::vec((1u32..6, 1u64..3_000_000_000), 3),
        seed in any::<u64>(),
        steps in prop::collection::vec(step(), 1..200),
    ) {
        let mut config = ThrottleConfig::documented().with_seed(seed);
        for (category, &(requests, window)) in CATEGORIES.iter().zip(&limits) {
            config = config.with_limit(*category, limit(requests, Duration::from_nanos(window))).unwrap();
        }
        let cap = n(config.max_server_wait());
        let mut t = Throttle::new(config.clone());
        let mut m = Model {
            limits: (0..4).map(|i| config.limit(scope_of(i).category())).collect(),
            admits: vec![Vec::new(); 4],
            blocked_until: vec![0; 4],
            latest: 0,
        };
        let mut now = 1_000_000_000_000u64;
        for step in steps {
            match step {
                Step::Rewind { by } => now = now.saturating_sub(by),
                Step::Prune { dt } => {
                    now += dt;
                    m.latest = m.latest.max(now);
                    let _ = t.prune(Duration::from_nanos(now));
                }
                Step::Acquire { scope: i, dt } => {
                    now += dt;
                    let scope = scope_of(i);
                    let at = Duration::from_nanos(now);
                    let predicted = t.check(scope, at);
                    let answer = t.acquire(scope, at);
                    prop_assert_eq!(predicted, answer);
                    m.latest = m.latest.max(now);
                    let c = m.latest;
                    let RateLimit { requests, window } = m.limits[i];
                    let (requests, window) = (requests as usize, n(window));
                    match answer {
                        Admission::Send => {
                            prop_assert!(c >= m.blocked_until[i], "Retry-After violated: {} < {}", c, m.blocked_until[i]);
                            let log = &mut m.admits[i];
                            log.push(c);
                            if log.len() > requests {
                                let first = log[log.len() - 1 - requests];
                                prop_assert!(c - first >= window, "{} admissions within {} ns", requests + 1, c - first);
                            }
                        }
                        Admission::Wait(d) => {
                            prop_assert!(d > Duration::ZERO);
                            prop_assert_eq!(t.check(scope, at + d - NS), Admission::Wait(NS));
                            prop_assert_eq!(t.check(scope, at + d), Admission::Send);
                            // Without a learned limit the wait is exactly the model's.
                            if t.window(scope).unwrap().learned_limit().is_none() {
                                let log = &m.admits[i];
                                let mut ready = m.blocked_until[i];
                                if log.len() >= requests {
                                    ready = ready.max(log[log.len() - requests] + window);
                                }
                                prop_assert_eq!(n(d), ready - now);
                            }
                        }
                    }
                }
                Step::Response { scope: i, dt, status, retry_after, message, limit: (ln, lsecs) } => {
                    now += dt;
                    let scope = scope_of(i);
                    let mut h = HeaderMap::new();
                    let requested = match retry_after {
                        RetryAfterInput::None => None,
                        RetryAfterInput::Delta(s) => {
                            h.insert("retry-after", HeaderValue::from_str(&s.to_string()).unwrap());
                            Some(s * 1_000_000_000)
                        }
                        RetryAfterInput::DateWithDate(off) => {
                            let date = HTTP_DATE_BASE;
                            h.insert("date", HeaderValue::from_str(&http_date(date)).unwrap());
                            let at = date.saturating_add_signed(off);
                            h.insert("retry-after", HeaderValue::from_str(&http_date(at)).unwrap());
                            Some(off.max(0) as u64 * 1_000_000_000)
                        }
                        RetryAfterInput::DateWithoutDate => {
                            h.insert("retry-after", HeaderValue::from_str(&http_date(HTTP_DATE_BASE)).unwrap());
                            None
                        }
                        RetryAfterInput::Garbage => {
                            h.insert("retry-after", HeaderValue::from_static("later, maybe"));
                            None
                        }
                    };
                    let msg = match message {
                        0 => String::new(),
                        1 => format!("The throttling threshold has been reached: policy user over ratelimit,limit:{ln},time:{lsecs} second"),
                        2 => "policy user over ratelimit,limit:1000,time:1 day".to_owned(),
                        _ => "The throttling threshold has been reached".to_owned(),
                    };
                    let body = throttled_body(&msg);
                    let before = t.window(scope).cloned();
                    let status = StatusCode::from_u16(status).unwrap();
                    let result = t.on_response(scope, Duration::from_nanos(now), status, &h, &body);
                    if status == StatusCode::TOO_MANY_REQUESTS && message == 2 {
                        prop_assert!(matches!(result, Err(Error::QuotaExhausted(_))), "{:?}", result);
                        prop_assert_eq!(t.window(scope), before.as_ref());
                        continue;
                    }
                    let result = result.unwrap();
                    let blocks = status == StatusCode::TOO_MANY_REQUESTS
                        || (status == StatusCode::SERVICE_UNAVAILABLE && requested.is_some());
                    if !blocks {
                        prop_assert_eq!(result, None);
                        prop_assert_eq!(t.window(scope), before.as_ref());
                        continue;
                    }
                    m.latest = m.latest.max(now);
                    let c = m.latest;
                    let b = result.unwrap();
                    let until = now + n(b.wait);
                    match requested {
                        Some(r) => {
                            prop_assert_eq!(b.cause, BlockCause::RetryAfter);
                            prop_assert_eq!(b.capped, r > cap);
                            prop_assert_eq!(until, m.blocked_until[i].max(c + r.min(cap)));
                        }
                        None => {
                            prop_assert_eq!(b.cause, BlockCause::DefaultBackoff);
                            prop_assert!(until >= c + 2_000_000_000);
                            prop_assert!(until == m.blocked_until[i] || until <= c + 5_000_000_000);
                            prop_assert!(until >= m.blocked_until[i]);
                        }
                    }
                    m.blocked_until[i] = until;
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
