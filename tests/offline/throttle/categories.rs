//! Documented limits per category, and configuring them.

use std::time::Duration;

use sparkrtc::throttle::ThrottleCategory;
use sparkrtc::throttle::{
    Admission, Scope, Throttle, ThrottleConfig, Window, MAX_REQUESTS_PER_WINDOW, MAX_WINDOW,
};
use sparkrtc::{Error, OperationId};

use super::catalog::catalog;
use super::{limit, secs, NS};

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
    let spec = catalog();
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
fn a_throttle_keeps_the_configuration_it_was_given() {
    let documented = ThrottleConfig::documented();
    assert_eq!(documented.seed(), 0);
    assert_eq!(documented.default_backoff(), (secs(2), secs(5)));
    assert_eq!(documented.max_server_wait(), secs(300));
    let config = documented
        .with_seed(0x5eed)
        .with_default_backoff(secs(1), secs(9))
        .unwrap()
        .with_max_server_wait(secs(42))
        .with_limit(ThrottleCategory::RoomManagement, limit(3, secs(7)))
        .unwrap();
    assert_eq!(config.seed(), 0x5eed);
    let t = Throttle::new(config.clone());
    assert_eq!(t.config(), &config);
    assert_eq!(t.config().seed(), 0x5eed);
    assert_eq!(t.config().default_backoff(), (secs(1), secs(9)));
    assert_eq!(t.config().max_server_wait(), secs(42));
    assert_eq!(
        t.config().limit(ThrottleCategory::RoomManagement),
        limit(3, secs(7))
    );
    assert_eq!(Throttle::default().config(), &ThrottleConfig::documented());
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
