//! The baseline's behaviour beside ours: why the throttle is a sliding-window
//! log and not a token bucket.

use std::time::Duration;

use governor::clock::FakeRelativeClock;
use governor::{Quota, RateLimiter};
use sparkrtc::throttle::{Scope, Throttle};
use sparkrtc::OperationId;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn governor_per_minute_admits_119_in_one_minute_we_admit_60() {
    // One attempt a second for a minute, after a burst at 0: governor's GCRA
    // with burst 60 lets the burst through and then one a second.
    let clock = FakeRelativeClock::default();
    let governor = RateLimiter::direct_with_clock(
        Quota::per_minute(std::num::NonZeroU32::new(60).unwrap()),
        clock.clone(),
    );
    let mut ours = Throttle::default();
    let scope = Scope::of(OperationId::ListApps);
    let (mut theirs_admitted, mut ours_admitted) = (0, 0);
    for second in 0..60u64 {
        for _ in 0..60 {
            theirs_admitted += usize::from(governor.check().is_ok());
            ours_admitted += usize::from(ours.acquire(scope, secs(second)).is_send());
        }
        clock.advance(secs(1));
    }
    assert_eq!(theirs_admitted, 119);
    assert_eq!(ours_admitted, 60);
}
