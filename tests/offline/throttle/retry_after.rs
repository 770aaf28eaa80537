//! Server feedback: Retry-After in every format, the default backoff, the cap, and which statuses count.

use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode};
use sparkrtc::throttle::{
    retry_after, Admission, BlockCause, Scope, Throttle, ThrottleConfig, DEFAULT_MAX_SERVER_WAIT,
};
use sparkrtc::OperationId;

use super::{feed, headers, limit, ms, secs, NS, THROTTLED};

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
fn the_default_backoff_is_the_same_function_of_seed_scope_and_time_in_every_release() {
    // Pinned: a fleet that seeds its processes apart relies on the waits
    // being spread, and a replayed run on their being the same.
    let cases = [
        (0, Scope::of(OperationId::ListRtcRoomList), secs(3)),
        (1, Scope::of(OperationId::ListRtcRoomList), secs(3)),
        (0, Scope::of(OperationId::CreateMixJob), secs(3)),
        (0, Scope::only(OperationId::CreateMixJob), secs(3)),
        (
            0,
            Scope::of(OperationId::ListRtcRoomList)
                .with_credential(sparkrtc::throttle::CredentialId::new(7)),
            secs(3),
        ),
        (0, Scope::of(OperationId::ListRtcRoomList), secs(3) + NS),
        (u64::MAX, Scope::of(OperationId::ShowApp), secs(86_400)),
    ];
    let waits: Vec<Duration> = cases
        .iter()
        .map(|&(seed, scope, now)| {
            let mut t = Throttle::new(ThrottleConfig::documented().with_seed(seed));
            feed(&mut t, scope, now, &[]).wait
        })
        .collect();
    let pinned: Vec<Duration> = [
        2_024_252_834,
        4_717_217_564,
        3_871_657_915,
        2_892_621_781,
        2_271_452_553,
        3_256_207_327,
        4_707_566_093,
    ]
    .into_iter()
    .map(Duration::from_nanos)
    .collect();
    assert_eq!(waits, pinned);
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
