//! Statistics.

#![allow(unused_imports)]
use super::support::*;

// ---------------------------------------------------------- statistics

#[test]
fn statistics_are_plausible_and_follow_the_range() {
    let s = setup();
    let app_id = create_app(&s.client, "stats");
    let scale = s
        .client
        .call(
            &ListRtcRealtimeScale::new(&app_id, sparkrtc::model::ScaleMetric::OnlineUsers)
                .start_time("2024-01-02T02:00:00Z")
                .end_time("2024-01-02T03:00:00Z"),
        )
        .unwrap()
        .body;
    assert_eq!(scale.scale.len(), 60);
    assert_eq!(scale.scale[0].time.as_deref(), Some("2024-01-02T02:00:00Z"));
    assert_eq!(
        scale.scale[59].time.as_deref(),
        Some("2024-01-02T02:59:00Z")
    );
    // The default range: the last hour, from the minute it starts in.
    let recent = s
        .client
        .call(&ListRtcRealtimeScale::new(
            &app_id,
            sparkrtc::model::ScaleMetric::OnlineUsers,
        ))
        .unwrap()
        .body;
    assert_eq!(recent.scale.len(), 61);
    assert_eq!(
        recent.scale[0].time,
        Some(iso(s.clock.wall() - Duration::from_secs(3605)))
    );
    assert!(scale
        .scale
        .iter()
        .all(|p| (10..=210).contains(&p.value.unwrap())));

    // More than a day is refused.
    assert_api(
        s.client.call(
            &ListRtcRealtimeScale::new(&app_id, sparkrtc::model::ScaleMetric::OnlineUsers)
                .start_time("2024-01-01T00:00:00Z")
                .end_time("2024-01-02T00:00:01Z"),
        ),
        400,
        "RTC.00001003",
        "InvalidParameterValue: the span from start_time to end_time must be at most 1 day(s)",
    );

    // Abnormal events: paged by item offset, the total the same on every page.
    let query = ListRtcAbnormalEvents::new(&app_id)
        .start_time("2024-01-01T00:00:00Z")
        .end_time("2024-01-02T00:00:00Z")
        .limit(25);
    let first = s.client.call(&query).unwrap().body;
    let total = first.total.unwrap();
    assert!((50..=250).contains(&total), "{total}");
    let all: Vec<_> = s.client.items(query).map(Result::unwrap).collect();
    assert_eq!(all.len() as i64, total);
    assert!(all.windows(2).all(|w| w[0].time <= w[1].time));
}
