//! Time: going backwards is clamped, extreme times neither panic nor overflow.

use std::time::Duration;

use http::StatusCode;
use sparkrtc::throttle::{Admission, CredentialId, Scope, Throttle};
use sparkrtc::OperationId;

use super::{headers, secs, NS, THROTTLED};

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
