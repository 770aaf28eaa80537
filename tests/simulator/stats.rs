//! Statistics: counts, peaks and durations from the world; drawn values
//! only when someone was there.

use sparkrtc::model::{
    HistoryQualityMetric, HistoryScaleMetric, RealtimeQualityMetric, ScaleMetric, SdkType,
    UsageMetric, UserListMode,
};
use sparkrtc::ops::{
    ListRtcAbnormalEvent, ListRtcClientQosDetails, ListRtcEvent, ListRtcHistoryQuality,
    ListRtcHistoryScale, ListRtcHistoryUsage, ListRtcRealtimeQuality,
};

use super::support::*;

/// T0 = 03:04:05. u1 and u2 join room A at T0, u3 joins room B at +10 min,
/// u1 leaves at +20 min, everyone leaves at +30 min; then a day passes.
fn a_day_of_rooms() -> (Setup, String) {
    let s = setup();
    let app_id = create_app(&s.client, "stats");
    s.sim.join(&app_id, "A", &["u1", "u2"]).unwrap();
    s.clock.advance(Duration::from_secs(600));
    s.sim.join(&app_id, "B", &["u3"]).unwrap();
    s.clock.advance(Duration::from_secs(600));
    s.sim.leave(&app_id, "A", Some(&["u1"])).unwrap();
    s.clock.advance(Duration::from_secs(600));
    s.sim.leave(&app_id, "A", None).unwrap();
    s.sim.leave(&app_id, "B", None).unwrap();
    s.clock.advance(Duration::from_secs(86_400));
    (s, app_id)
}

fn scale(s: &Setup, app_id: &str, metric: ScaleMetric) -> Vec<i64> {
    s.client
        .call(
            &ListRtcRealtimeScale::new(app_id, metric)
                .start_time("2024-01-02T03:00:00Z")
                .end_time("2024-01-02T04:00:00Z"),
        )
        .unwrap()
        .body
        .scale
        .iter()
        .map(|p| p.value.unwrap())
        .collect()
}

/// `n` copies of `v`.
fn run(v: i64, n: usize) -> Vec<i64> {
    vec![v; n]
}

#[test]
fn online_users_and_rooms_are_the_worlds() {
    let (s, app_id) = a_day_of_rooms();
    // Minute by minute, at the start of each minute.
    let users = scale(&s, &app_id, ScaleMetric::OnlineUsers);
    let expected: Vec<i64> = [run(0, 5), run(2, 10), run(3, 10), run(2, 10), run(0, 25)].concat();
    assert_eq!(users, expected);
    let rooms = scale(&s, &app_id, ScaleMetric::RoomCount);
    let expected: Vec<i64> = [run(0, 5), run(1, 10), run(2, 20), run(0, 25)].concat();
    assert_eq!(rooms, expected);
    // One room only.
    let b = s
        .client
        .call(
            &ListRtcRealtimeScale::new(&app_id, ScaleMetric::OnlineUsers)
                .room_id("B")
                .start_time("2024-01-02T03:00:00Z")
                .end_time("2024-01-02T04:00:00Z"),
        )
        .unwrap()
        .body;
    let b: Vec<i64> = b.scale.iter().map(|p| p.value.unwrap()).collect();
    assert_eq!(b, [run(0, 15), run(1, 20), run(0, 25)].concat());
    // An application nobody used: nobody.
    let idle = create_app(&s.client, "idle");
    assert_eq!(scale(&s, &idle, ScaleMetric::OnlineUsers), run(0, 60));
}

#[test]
fn rooms_and_users_lists() {
    let (s, app_id) = a_day_of_rooms();
    let range = |op: ListRtcRoomList| {
        op.start_time("2024-01-02T00:00:00Z")
            .end_time("2024-01-03T00:00:00Z")
    };
    let rooms = s
        .client
        .call(&range(ListRtcRoomList::new(&app_id)))
        .unwrap()
        .body;
    let listed: Vec<_> = rooms
        .room_info_list
        .iter()
        .map(|r| {
            (
                r.room_id.clone().unwrap(),
                r.state.clone().unwrap(),
                r.duration.unwrap(),
                r.end_time.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                "A".to_owned(),
                RoomState::Closed,
                1800,
                "2024-01-02T03:34:05Z".to_owned()
            ),
            (
                "B".to_owned(),
                RoomState::Closed,
                1200,
                "2024-01-02T03:34:05Z".to_owned()
            ),
        ]
    );
    // Used again: a second period of room A.
    s.sim.join(&app_id, "A", &["u1"]).unwrap();
    let again = s
        .client
        .call(&ListRtcRoomList::new(&app_id).state(RoomState::Running))
        .unwrap()
        .body;
    assert_eq!(again.total, Some(1));
    assert_eq!(again.room_info_list[0].end_time.as_deref(), Some("-"));

    let users = |mode: UserListMode| {
        let list = s
            .client
            .call(
                &ListRtcUserList::new(&app_id)
                    .mode(mode)
                    .start_time("2024-01-02T00:00:00Z")
                    .end_time("2024-01-04T00:00:00Z"),
            )
            .unwrap()
            .body;
        list.users
            .iter()
            .map(|u| {
                (
                    u.room_id.clone().unwrap(),
                    u.uid.clone().unwrap(),
                    u.state.clone().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let row = |r: &str, u: &str, st: UserState| (r.to_owned(), u.to_owned(), st);
    // One row per user and room: u1's latest stay in A.
    assert_eq!(
        users(UserListMode::Summary),
        [
            row("A", "u2", UserState::Offline),
            row("A", "u1", UserState::Online),
            row("B", "u3", UserState::Offline),
        ]
    );
    // One row per stay.
    assert_eq!(
        users(UserListMode::Detail),
        [
            row("A", "u1", UserState::Offline),
            row("A", "u2", UserState::Offline),
            row("A", "u1", UserState::Online),
            row("B", "u3", UserState::Offline),
        ]
    );
}

#[test]
fn history_from_the_world() {
    let (s, app_id) = a_day_of_rooms();
    let metrics = HistoryScaleMetric::KNOWN.to_vec();
    let day = s
        .client
        .call(
            &ListRtcHistoryScale::new(&app_id, metrics)
                .start_date("2024-01-01")
                .end_date("2024-01-02"),
        )
        .unwrap()
        .body;
    assert_eq!(day.scale.len(), 2);
    let quiet = &day.scale[0];
    assert_eq!(quiet.date.as_deref(), Some("2024-01-01"));
    assert_eq!(
        (quiet.user_count, quiet.communication_duration),
        (Some(0), Some(0))
    );
    let busy = &day.scale[1];
    assert_eq!(
        (
            busy.user_count,
            busy.session_count,
            busy.room_count,
            busy.max_online_user_count,
            busy.max_online_room_count,
            busy.communication_duration,
        ),
        (Some(3), Some(3), Some(2), Some(3), Some(2), Some(4200))
    );
    assert_eq!(
        busy.video_communication_duration.unwrap() + busy.audio_communication_duration.unwrap(),
        4200
    );
    let usage = s
        .client
        .call(&ListRtcHistoryUsage::new(
            &app_id,
            UsageMetric::CommunicationDuration,
            "2024-01-02",
            "2024-01-02",
        ))
        .unwrap()
        .body;
    assert_eq!(usage.usage[0].total_duration, Some(4200));
    // Nothing was recorded or mixed.
    let recorded = s
        .client
        .call(&ListRtcHistoryUsage::new(
            &app_id,
            UsageMetric::RecordDuration,
            "2024-01-02",
            "2024-01-02",
        ))
        .unwrap()
        .body;
    assert_eq!(recorded.usage[0].total_duration, Some(0));
    // Quality is drawn for days someone was there, and only them.
    let quality = s
        .client
        .call(
            &ListRtcHistoryQuality::new(&app_id, vec![HistoryQualityMetric::JoinSuccessRate])
                .start_date("2024-01-01")
                .end_date("2024-01-02"),
        )
        .unwrap()
        .body;
    let dates: Vec<_> = quality
        .quality
        .iter()
        .map(|q| q.date.clone().unwrap())
        .collect();
    assert_eq!(dates, ["2024-01-02"]);
    let rate = quality.quality[0].join_success_rate.unwrap();
    assert!((0.97..=1.0).contains(&rate), "{rate}");
}

#[test]
fn recording_and_mixing_time_is_the_jobs() {
    let s = setup_with(SimulatorConfig::default().with_job_start_delay(Duration::ZERO));
    let app_id = create_app(&s.client, "usage");
    let rule_id = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    s.sim.join(&app_id, "room", &["u1"]).unwrap();
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(
            MixParam::new("room", EncodeTemplate::P720Fps30Kbps1710)
                .layout_template(LayoutTemplate::NineGridsView),
        )
        .record_param(RecordParam::new(&rule_id)),
    );
    let job_id = s.client.call(&job).unwrap().body.job_id.unwrap();
    s.clock.advance(Duration::from_secs(300));
    s.client.call(&StopMixJob::new(&app_id, &job_id)).unwrap();
    s.clock.advance(Duration::from_secs(86_400));
    for metric in [UsageMetric::TranscodeDuration, UsageMetric::RecordDuration] {
        let out = s
            .client
            .call(&ListRtcHistoryUsage::new(
                &app_id,
                metric.clone(),
                "2024-01-02",
                "2024-01-02",
            ))
            .unwrap()
            .body;
        let u = &out.usage[0];
        // 720p: the HD tier.
        assert_eq!(
            (u.video_hd, u.video_sd, u.audio, u.total_duration),
            (Some(300), Some(0), Some(0), Some(300)),
            "{metric}"
        );
    }
}

#[test]
fn drawn_values_only_when_someone_was_there() {
    let (s, app_id) = a_day_of_rooms();
    let quality = s
        .client
        .call(
            &ListRtcRealtimeQuality::new(
                &app_id,
                RealtimeQualityMetric::JoinSuccessRate,
                SdkType::Native,
            )
            .start_time("2024-01-02T03:00:00Z")
            .end_time("2024-01-02T04:00:00Z"),
        )
        .unwrap()
        .body;
    let times: Vec<_> = quality
        .quality
        .iter()
        .map(|q| q.time.clone().unwrap())
        .collect();
    // 03:04 (someone from 03:04:05) to 03:34 (the last left at 03:34:05).
    assert_eq!(times.len(), 31);
    assert_eq!(times[0], "2024-01-02T03:04:00Z");
    assert_eq!(times[30], "2024-01-02T03:34:00Z");

    // Abnormal events happen to users who were there, while they were.
    let query = ListRtcAbnormalEvents::new(&app_id)
        .start_time("2024-01-02T00:00:00Z")
        .end_time("2024-01-03T00:00:00Z")
        .limit(5);
    let events: Vec<_> = s.client.items(query).map(Result::unwrap).collect();
    assert!(!events.is_empty());
    for e in &events {
        let t = e.time.clone().unwrap();
        assert!(
            ("2024-01-02T03:04:05Z".."2024-01-02T03:34:05Z").contains(&t.as_str()),
            "{t}"
        );
        let who = (e.room_id.as_deref().unwrap(), e.uid.as_deref().unwrap());
        assert!(matches!(who, ("A", "u1" | "u2") | ("B", "u3")), "{who:?}");
    }
    assert!(events.windows(2).all(|w| w[0].time <= w[1].time));
    let none = s
        .client
        .call(
            &ListRtcAbnormalEvents::new(&app_id)
                .room_id("nobody-here")
                .start_time("2024-01-02T00:00:00Z")
                .end_time("2024-01-03T00:00:00Z"),
        )
        .unwrap()
        .body;
    assert_eq!(none.total, Some(0));

    // The first join or leave of the hour.
    let event = s
        .client
        .call(&ListRtcEvent::new(
            &app_id,
            "2024-01-02T03:10:00Z",
            "2024-01-02T04:00:00Z",
        ))
        .unwrap()
        .body;
    assert_eq!(
        (
            event.ctime.as_deref(),
            event.event_id.as_deref(),
            event.event_info.as_deref()
        ),
        (
            Some("2024-01-02T03:14:05Z"),
            Some("1001"),
            Some("user u3 joined room B")
        )
    );
    let quiet = s
        .client
        .call(&ListRtcEvent::new(
            &app_id,
            "2024-01-02T05:00:00Z",
            "2024-01-02T06:00:00Z",
        ))
        .unwrap()
        .body;
    assert_eq!(quiet.event_id, None);

    // A user's abnormal causes in the hour, at times they were there.
    let detail = s
        .client
        .call(
            &ListRtcAbnormalEvent::new(&app_id, "2024-01-02T03:00:00Z", "2024-01-02T04:00:00Z")
                .room_id("B"),
        )
        .unwrap()
        .body;
    assert_eq!(detail.uid.as_deref(), Some("u3"));
    for cause in &detail.abnormal_list {
        let ms: u64 = cause.ts.as_deref().unwrap().parse().unwrap();
        assert!((1_704_165_245_000..1_704_166_445_000).contains(&ms), "{ms}");
    }

    // Client metrics: for the minutes the user was there only.
    let qos = s
        .client
        .call(
            &ListRtcClientQosDetails::new(
                &app_id,
                "B",
                "abit",
                "2024-01-02T03:00:00Z",
                "2024-01-02T04:00:00Z",
            )
            .user_id("u3"),
        )
        .unwrap()
        .body;
    assert_eq!(qos.data[0].data.len(), 21);
    let stranger = s
        .client
        .call(
            &ListRtcClientQosDetails::new(
                &app_id,
                "B",
                "abit",
                "2024-01-02T03:00:00Z",
                "2024-01-02T04:00:00Z",
            )
            .user_id("u1"),
        )
        .unwrap()
        .body;
    assert!(stranger.data[0].data.is_empty());
}

#[test]
fn ranges_are_checked() {
    let s = setup();
    let app_id = create_app(&s.client, "ranges");
    // The default range: the last hour, from the minute it starts in.
    let recent = s
        .client
        .call(&ListRtcRealtimeScale::new(
            &app_id,
            ScaleMetric::OnlineUsers,
        ))
        .unwrap()
        .body;
    assert_eq!(recent.scale.len(), 61);
    assert_eq!(
        recent.scale[0].time,
        Some(iso(s.clock.wall() - Duration::from_secs(3605)))
    );
    // More than a day is refused.
    assert_api(
        s.client.call(
            &ListRtcRealtimeScale::new(&app_id, ScaleMetric::OnlineUsers)
                .start_time("2024-01-01T00:00:00Z")
                .end_time("2024-01-02T00:00:01Z"),
        ),
        400,
        "RTC.00001003",
        "InvalidParameterValue: the span from start_time to end_time must be at most 1 day(s)",
    );
    assert_api(
        s.client.call(
            &ListRtcRealtimeScale::new(&app_id, ScaleMetric::OnlineUsers)
                .start_time("2024-01-02T00:00:00Z")
                .end_time("2024-01-01T00:00:00Z"),
        ),
        400,
        "RTC.00001003",
        "InvalidParameterValue: start_time must not be after end_time",
    );
    assert_api(
        s.client.call(
            &ListRtcHistoryScale::new(&app_id, vec![HistoryScaleMetric::UserCount])
                .start_date("2023-12-01")
                .end_date("2024-01-01"),
        ),
        400,
        "RTC.00001003",
        "InvalidParameterValue: the span from start_date to end_date must be at most 31 days",
    );
}
