//! What the APIG.0308 message says: daily quotas, and limits stricter than the configured ones.

use std::time::Duration;

use http::StatusCode;
use sparkrtc::throttle::{
    is_quota_message, parse_limit_message, Admission, Scope, Throttle, Window,
};
use sparkrtc::{Error, OperationId};

use super::{headers, limit, ms, secs, throttled_body};

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
fn every_unit_has_its_length() {
    const DAY: u64 = 86_400;
    let units: &[(&[&str], Duration)] = &[
        (&["ms", "millisecond", "milliseconds"], ms(1)),
        (&["s", "sec", "secs", "second", "seconds"], secs(1)),
        (&["m", "min", "mins", "minute", "minutes"], secs(60)),
        (&["h", "hr", "hrs", "hour", "hours"], secs(3_600)),
        (&["d", "day", "days"], secs(DAY)),
        (&["w", "week", "weeks"], secs(7 * DAY)),
        (&["mon", "month", "months"], secs(30 * DAY)),
        (&["y", "year", "years"], secs(365 * DAY)),
    ];
    for (names, one) in units {
        for name in *names {
            let msg = format!("policy user over ratelimit,limit:4,time:1 {name}");
            assert_eq!(parse_limit_message(&msg), Some(limit(4, *one)), "{msg}");
            let msg = format!("limit:4,time:3{name}");
            assert_eq!(parse_limit_message(&msg), Some(limit(4, *one * 3)), "{msg}");
        }
    }
    // A unit is a whole word of letters.
    for msg in [
        "limit:4,time:1 yr",
        "limit:4,time:1 mo",
        "limit:4,time:1 secondsx",
    ] {
        assert_eq!(parse_limit_message(msg), None, "{msg}");
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
