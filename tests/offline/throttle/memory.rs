//! Pruning idle scopes, and the memory a scope costs.

use http::StatusCode;
use sparkrtc::throttle::{CredentialId, Scope, Throttle};
use sparkrtc::OperationId;

use super::{feed, headers, secs, throttled_body, NS};

#[test]
fn prune_forgets_only_idle_scopes() {
    let mut t = Throttle::default();
    let jobs = Scope::of(OperationId::CreateMixJob); // 10 per 1 s
    let apps = Scope::of(OperationId::CreateApp); // 60 per 60 s
    let rooms = Scope::of(OperationId::RemoveRoom); // 60 per 60 s, blocked
    assert!(t.acquire(jobs, secs(10)).is_send());
    assert!(t.acquire(apps, secs(10)).is_send());
    assert_eq!(
        feed(&mut t, rooms, secs(10), &[("retry-after", "120")]).wait,
        secs(120)
    );
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
    // 81 bytes on 64-bit targets (16 for the scope, 64 for the window, one
    // control byte); pointer width changes the window's size.
    #[cfg(target_pointer_width = "64")]
    assert_eq!(Throttle::SLOT_BYTES, 81);
    let mut t = Throttle::default();
    assert_eq!(t.memory_bytes(), 0);
    for i in 0..1_000 {
        let scope = Scope::of(OperationId::ListApps).with_credential(CredentialId::new(i));
        assert!(t.acquire(scope, secs(1)).is_send());
    }
    // 1,000 logs of 60 entries (480 bytes on every target), and 2,048 slots
    // (1,000 fit in 7/8 of a power of two).
    assert_eq!(t.memory_bytes(), 2_048 * Throttle::SLOT_BYTES + 1_000 * 480);
    #[cfg(target_pointer_width = "64")]
    assert_eq!(t.memory_bytes(), 2_048 * 81 + 1_000 * 480);
}

#[test]
fn a_window_counts_its_admissions_and_is_idle_only_when_forgetting_it_loses_nothing() {
    let mut t = Throttle::default();
    let apps = Scope::of(OperationId::CreateApp); // 60 per 60 s
    for s in [1, 2, 3] {
        assert!(t.acquire(apps, secs(s)).is_send());
    }
    let w = t.window(apps).unwrap();
    // Admissions in (now - 60 s, now].
    assert_eq!(w.in_window(secs(3)), 3);
    assert_eq!(w.in_window(secs(61) - NS), 3);
    assert_eq!(w.in_window(secs(61)), 2);
    assert_eq!(w.in_window(secs(62)), 1);
    assert_eq!(w.in_window(secs(63)), 0);
    // A time before the last admission reads as the last admission's.
    assert_eq!(w.in_window(secs(0)), 3);
    // Idle once the newest admission is a whole window old.
    assert!(!w.is_idle(secs(3)));
    assert!(!w.is_idle(secs(63) - NS));
    assert!(w.is_idle(secs(63)));
    assert!(!w.is_idle(secs(0)));

    // A block keeps it from being idle until the block ends.
    let rooms = Scope::of(OperationId::RemoveRoom);
    feed(&mut t, rooms, secs(10), &[("retry-after", "120")]);
    let w = t.window(rooms).unwrap();
    assert_eq!(w.in_window(secs(10)), 0);
    assert!(!w.is_idle(secs(130) - NS));
    assert!(w.is_idle(secs(130)));
}
