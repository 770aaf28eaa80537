//! Recording jobs and rooms.

#![allow(unused_imports)]
use super::support::*;

// ----------------------------------------------------------------- jobs

#[test]
fn job_lifecycle_init_running_stopped() {
    let s = setup();
    let app_id = create_app(&s.client, "jobs");
    let rule_id = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(
            MixParam::new("room-9", EncodeTemplate::P720Fps30Kbps1710)
                .layout_template(LayoutTemplate::Custom)
                .layout_panes(vec![
                    MixLayoutPane::new().id(1u32).user_id("alice"),
                    MixLayoutPane::new().id(2u32).user_id("bob"),
                ]),
        )
        .record_param(RecordParam::new(&rule_id)),
    );
    let created = s.client.call(&job).unwrap().body;
    let job_id = created.job_id.clone().unwrap();
    // Publishers in the room: the job does not run out of its idle time.
    s.sim.join(&app_id, "room-9", &["alice", "bob"]).unwrap();
    assert_eq!(job_id.len(), 32);
    assert_eq!(created.state, Some(JobState::Init));
    assert_eq!(created.stream_name, Some(format!("m_{job_id}_room-9")));
    assert_eq!(created.stop_time.as_deref(), Some("0001-01-01T00:00:00Z"));

    // Still INIT just before the delay ends, RUNNING at it.
    s.clock.advance(Duration::from_millis(999));
    let shown = s
        .client
        .call(&ShowMixJob::new(&app_id, &job_id))
        .unwrap()
        .body;
    assert_eq!(shown.state, Some(JobState::Init));
    s.clock.sleep(Duration::from_millis(1));
    let shown = s
        .client
        .call(&ShowMixJob::new(&app_id, &job_id))
        .unwrap()
        .body;
    assert_eq!(shown.state, Some(JobState::Running));
    assert_eq!(shown.start_time.as_deref(), Some("2024-01-02T03:04:06Z"));

    // A rule in use cannot be deleted.
    assert_api(
        s.client.call(&DeleteRecordRule::new(&app_id, &rule_id)),
        400,
        "RTC.00001003",
        &format!("InvalidParameterValue: record rule `{rule_id}` is in use by job `{job_id}`"),
    );

    s.clock.advance(Duration::from_secs(60));
    s.client.call(&StopMixJob::new(&app_id, &job_id)).unwrap();
    assert_eq!(
        s.sim.request_log().last().unwrap().status,
        Some(StatusCode::NO_CONTENT)
    );
    let shown = s
        .client
        .call(&ShowMixJob::new(&app_id, &job_id))
        .unwrap()
        .body;
    assert_eq!(shown.state, Some(JobState::Stopped));
    assert_eq!(shown.stop_reason, Some(StopReason::TenantStop));
    assert_eq!(shown.stop_time.as_deref(), Some("2024-01-02T03:05:06Z"));
    assert_api(
        s.client.call(&StopMixJob::new(&app_id, &job_id)),
        400,
        "RTC.00001009",
        "JobDone: task canceled or completed",
    );
    // Stopped, the rule is free.
    s.client
        .call(&DeleteRecordRule::new(&app_id, &rule_id))
        .unwrap();

    // Unknown jobs, and jobs of the other kind.
    assert_api(
        s.client.call(&ShowMixJob::new(&app_id, "nope")),
        404,
        "RTC.00001003",
        "InvalidParameterValue: job_id `nope` does not exist",
    );
    assert_api(
        s.client
            .call(&ShowIndividualStreamJob::new(&app_id, &job_id)),
        404,
        "RTC.00001003",
        &format!("InvalidParameterValue: job_id `{job_id}` does not exist"),
    );
}

#[test]
fn single_stream_jobs_and_stopped_applications() {
    let s = setup_with(SimulatorConfig::default().with_job_start_delay(Duration::ZERO));
    let app_id = create_app(&s.client, "single");
    let job = CreateIndividualStreamJob::new(&app_id, IndividualStreamJobReq::new("r1", "carol"));
    let created = s.client.call(&job).unwrap().body;
    let job_id = created.job_id.clone().unwrap();
    // No delay: running at once; defaults filled in.
    assert_eq!(created.state, Some(JobState::Running));
    assert_eq!(created.stream_name, Some(format!("s_{job_id}_r1_carol")));
    assert_eq!(
        (created.is_record_audio, created.max_idle_time),
        (Some(true), Some(30))
    );

    // A record rule that does not exist.
    let bad = CreateIndividualStreamJob::new(
        &app_id,
        IndividualStreamJobReq::new("r1", "dave").record_param(RecordParam::new("missing")),
    );
    assert_api(
        s.client.call(&bad),
        400,
        "RTC.00001003",
        "InvalidParameterValue: record_param.record_rule_id `missing` does not exist",
    );

    // Disabling the application stops its jobs; until it is enabled again,
    // jobs can be read but not created or changed.
    s.clock.advance(Duration::from_secs(5));
    s.client.call(&StopApp::new(&app_id)).unwrap();
    let shown = s
        .client
        .call(&ShowIndividualStreamJob::new(&app_id, &job_id))
        .unwrap()
        .body;
    assert_eq!(
        (shown.state, shown.stop_reason, shown.stop_time.as_deref()),
        (
            Some(JobState::Stopped),
            Some(StopReason::TenantStop),
            Some("2024-01-02T03:04:10Z")
        )
    );
    assert_api(
        s.client.call(&job),
        400,
        "RTC.00001016",
        "AppDeactivation: app is stopped",
    );
    assert_api(
        s.client
            .call(&StopIndividualStreamJob::new(&app_id, &job_id)),
        400,
        "RTC.00001009",
        "JobDone: task canceled or completed",
    );
    let joined = s.sim.join(&app_id, "r1", &["carol"]).unwrap_err();
    assert_eq!(
        (joined.status().as_u16(), joined.code()),
        (400, "RTC.00001016")
    );
    s.client.call(&StartApp::new(&app_id)).unwrap();
    s.sim.join(&app_id, "r1", &["carol"]).unwrap();
    let again = s.client.call(&job).unwrap().body;
    assert_eq!(again.state, Some(JobState::Running));
    assert_ne!(again.job_id, Some(job_id));
}

#[test]
fn rooms_and_users_follow_joins_and_removals() {
    let s = setup();
    let app_id = create_app(&s.client, "rooms");
    // Recording jobs do not put anyone in a room.
    let job = CreateIndividualStreamJob::new(&app_id, IndividualStreamJobReq::new("room-c", "u9"));
    s.client.call(&job).unwrap();
    for (room, user) in [("room-a", "u1"), ("room-a", "u2"), ("room-b", "u3")] {
        s.sim.join(&app_id, room, &[user]).unwrap();
    }
    s.clock.advance(Duration::from_secs(30));
    let rooms = s.client.call(&ListRtcRoomList::new(&app_id)).unwrap().body;
    assert_eq!(rooms.total, Some(2));
    let names: Vec<_> = rooms
        .room_info_list
        .iter()
        .map(|r| r.room_id.clone().unwrap())
        .collect();
    assert_eq!(names, ["room-a", "room-b"]);
    assert_eq!(rooms.room_info_list[0].duration, Some(30));
    assert_eq!(rooms.room_info_list[0].end_time.as_deref(), Some("-"));

    let page = s
        .client
        .call(&ListRtcUserList::new(&app_id).limit(2).offset(1))
        .unwrap()
        .body;
    assert_eq!(
        (page.total, page.offset, page.limit),
        (Some(3), Some(1), Some(2))
    );
    let uids: Vec<_> = page.users.iter().map(|u| u.uid.clone().unwrap()).collect();
    assert_eq!(uids, ["u2", "u3"]);

    s.client
        .call(&RemoveUsers::new(
            &app_id,
            "room-a",
            RemoveUsersReq::new(["u1"]),
        ))
        .unwrap();
    assert_eq!(
        s.sim.request_log().last().unwrap().status,
        Some(StatusCode::ACCEPTED)
    );
    let offline = s
        .client
        .call(&ListRtcUserList::new(&app_id).state([UserState::Offline]))
        .unwrap()
        .body;
    assert_eq!(offline.users.len(), 1);
    assert_eq!(offline.users[0].uid.as_deref(), Some("u1"));
    assert_eq!(
        offline.users[0].leave_time.as_deref(),
        Some("2024-01-02T03:04:35Z")
    );

    s.clock.advance(Duration::from_secs(5));
    s.client.call(&RemoveRoom::new(&app_id, "room-b")).unwrap();
    // A room never used is unknown.
    assert_api(
        s.client.call(&RemoveRoom::new(&app_id, "never")),
        404,
        "RTC.00001003",
        "InvalidParameterValue: room_id `never` does not exist",
    );
    let closed = s
        .client
        .call(&ListRtcRoomList::new(&app_id).state(RoomState::Closed))
        .unwrap()
        .body;
    assert_eq!(closed.total, Some(1));
    assert_eq!(closed.room_info_list[0].room_id.as_deref(), Some("room-b"));
    assert_eq!(
        closed.room_info_list[0].end_time.as_deref(),
        Some("2024-01-02T03:04:40Z")
    );
    let online = s
        .client
        .call(&ListRtcUserList::new(&app_id).state([UserState::Online]))
        .unwrap()
        .body;
    assert_eq!(online.users.len(), 1);
    assert_eq!(online.users[0].uid.as_deref(), Some("u2"));
}
