//! Documented behaviours: the idle timeout, recording cycles, disabled
//! applications, automatic recording, the client QoS metrics, and the caps
//! on what the simulator stores.

use sparkrtc::model::{
    AutoRecordMode, AutoRecordModeReq, HlsRecordConfig, QosMetric, UpdateMixJobReq, UpdateMixParam,
};
use sparkrtc::ops::{ListRtcClientQosDetails, UpdateAutoRecord, UpdateMixJob};
use sparkrtc::simulator::{CallbackEvent as Due, Limits};

use super::support::*;

fn mix_job(app_id: &str, room: &str, rule_id: Option<&str>) -> CreateMixJob {
    let mut req = MixJobReq::new(MixParam::new(room, EncodeTemplate::AudioOnly));
    if let Some(rule_id) = rule_id {
        req = req.record_param(RecordParam::new(rule_id));
    }
    CreateMixJob::new(app_id, req)
}

fn show(s: &Setup, app_id: &str, job_id: &str) -> sparkrtc::model::MixJob {
    s.client
        .call(&ShowMixJob::new(app_id, job_id))
        .unwrap()
        .body
}

fn kinds(events: &[Due]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

#[test]
fn a_job_nobody_publishes_to_stops_after_max_idle_time() {
    let s = setup();
    let app_id = create_app(&s.client, "idle");
    let rule_id = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    let job_id = s
        .client
        .call(&mix_job(&app_id, "empty", Some(&rule_id)))
        .unwrap()
        .body
        .job_id
        .unwrap();
    // Starts at T0 + 1 s; nobody comes; 30 s later it is over.
    s.clock.advance(Duration::from_millis(30_999));
    assert_eq!(show(&s, &app_id, &job_id).state, Some(JobState::Running));
    s.clock.advance(Duration::from_millis(1));
    let shown = show(&s, &app_id, &job_id);
    assert_eq!(
        (shown.state, shown.stop_reason, shown.stop_time.as_deref()),
        (
            Some(JobState::Stopped),
            Some(StopReason::ExceedMaxIdleTime),
            Some("2024-01-02T03:04:36Z")
        )
    );
    let events = s.sim.due_callback_events();
    assert_eq!(
        kinds(&events),
        [
            "RECORD_NEW_FILE_START",
            "RECORD_FILE_COMPLETE",
            "CLOUD_RECORD_SERVER_OVER"
        ]
    );
    let over = events[2].recording_event();
    assert_eq!(over.detail_message.as_deref(), Some("EXCEED_MAX_IDLE_TIME"));
    assert_eq!(over.end_time.as_deref(), Some("2024-01-02T03:04:36Z"));
    assert_eq!(
        events[1].file_completed_at,
        Some(start() + Duration::from_secs(31))
    );
}

#[test]
fn the_idle_timer_counts_from_when_the_last_user_left() {
    let s = setup();
    let app_id = create_app(&s.client, "idle2");
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(MixParam::new("room", EncodeTemplate::AudioOnly).max_idle_time(5u32)),
    );
    let job_id = s.client.call(&job).unwrap().body.job_id.unwrap();
    s.sim.join(&app_id, "room", &["a", "b"]).unwrap();
    s.clock.advance(Duration::from_secs(100));
    assert_eq!(show(&s, &app_id, &job_id).state, Some(JobState::Running));
    s.sim.leave(&app_id, "room", Some(&["a"])).unwrap();
    s.clock.advance(Duration::from_secs(100));
    assert_eq!(show(&s, &app_id, &job_id).state, Some(JobState::Running));
    // The last one leaves at T0 + 200 s; someone comes back 4 s later: the
    // timer starts again when they leave (the room is dismissed at T0 +
    // 214 s; with 8 s of max_idle_time, the job stops at T0 + 222 s).
    s.sim.leave(&app_id, "room", None).unwrap();
    s.clock.advance(Duration::from_secs(4));
    s.sim.join(&app_id, "room", &["c"]).unwrap();
    s.clock.advance(Duration::from_secs(10));
    assert_eq!(show(&s, &app_id, &job_id).state, Some(JobState::Running));
    s.client.call(&RemoveRoom::new(&app_id, "room")).unwrap();
    // A new max_idle_time applies from then on.
    s.client
        .call(&UpdateMixJob::new(
            &app_id,
            &job_id,
            UpdateMixJobReq::new(UpdateMixParam::new().max_idle_time(8u32)),
        ))
        .unwrap();
    s.clock.advance(Duration::from_secs(7));
    assert_eq!(show(&s, &app_id, &job_id).state, Some(JobState::Running));
    s.clock.advance(Duration::from_secs(1));
    let shown = show(&s, &app_id, &job_id);
    assert_eq!(shown.stop_reason, Some(StopReason::ExceedMaxIdleTime));
    assert_eq!(shown.stop_time.as_deref(), Some("2024-01-02T03:07:47Z"));
}

#[test]
fn recordings_are_split_into_files_of_record_cycle() {
    let s = setup();
    let app_id = create_app(&s.client, "cycles");
    let rule = RecordRuleReq::new(
        RecordObsFileAddr::new("cn-north-4", "obs-project", "sparkrtc-record").object("cyc/"),
        vec![RecordFormat::Mp4, RecordFormat::Hls],
    )
    .mp4_config(Mp4RecordConfig::new(60u32))
    .hls_config(HlsRecordConfig::new(0u32));
    let rule_id = s
        .client
        .call(&CreateRecordRule::new(&app_id, rule))
        .unwrap()
        .body
        .rule_id
        .unwrap();
    let job_id = s
        .client
        .call(&mix_job(&app_id, "room", Some(&rule_id)))
        .unwrap()
        .body
        .job_id
        .unwrap();
    s.sim.join(&app_id, "room", &["u"]).unwrap();
    // Started at T0 + 1 s; stopped at T0 + 151 s: MP4 files of 60, 60 and
    // 30 s; one HLS file for the whole stream.
    s.clock.advance(Duration::from_secs(151));
    s.client.call(&StopMixJob::new(&app_id, &job_id)).unwrap();
    let events = s.sim.due_callback_events();
    let stream = format!("m_{job_id}_room");
    let described: Vec<(String, String, Option<String>)> = events
        .iter()
        .map(|e| {
            (
                e.kind.as_str().to_owned(),
                e.record_format
                    .as_ref()
                    .map_or("-", |f| f.as_str())
                    .to_owned(),
                e.object.clone(),
            )
        })
        .collect();
    let mp4 = |t: &str| Some(format!("cyc/{app_id}/MP4/{stream}_{t}.mp4"));
    let hls = Some(format!("cyc/{app_id}/HLS/{stream}_20240102T030406Z.m3u8"));
    let e = |k: &str, f: &str, o: Option<String>| (k.to_owned(), f.to_owned(), o);
    assert_eq!(
        described,
        [
            e("RECORD_NEW_FILE_START", "MP4", mp4("20240102T030406Z")),
            e("RECORD_NEW_FILE_START", "HLS", hls.clone()),
            e("RECORD_FILE_COMPLETE", "MP4", mp4("20240102T030406Z")),
            e("RECORD_NEW_FILE_START", "MP4", mp4("20240102T030506Z")),
            e("RECORD_FILE_COMPLETE", "MP4", mp4("20240102T030506Z")),
            e("RECORD_NEW_FILE_START", "MP4", mp4("20240102T030606Z")),
            // At the stop, the open files complete in the rule's order.
            e("RECORD_FILE_COMPLETE", "HLS", hls),
            e("RECORD_FILE_COMPLETE", "MP4", mp4("20240102T030606Z")),
            e("CLOUD_RECORD_SERVER_OVER", "-", None),
        ]
    );
    let durations: Vec<Option<i64>> = events
        .iter()
        .filter(|e| e.kind == CallbackEventKind::RecordFileComplete)
        .map(|e| e.recording_event().record_duration)
        .collect();
    assert_eq!(durations, [Some(60), Some(60), Some(150), Some(30)]);
    // Every completed file is in the bucket.
    let objects = s
        .client
        .call(
            &ListObsBucketObjects::new("sparkrtc-record", ObsListType::Objects, "cn-north-4")
                .prefix("cyc/"),
        )
        .unwrap()
        .body;
    assert_eq!(objects.count, Some(4));
}

#[test]
fn a_file_in_progress_is_not_in_the_bucket() {
    let s = setup();
    let app_id = create_app(&s.client, "partial");
    let rule_id = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    s.client
        .call(&mix_job(&app_id, "room", Some(&rule_id)))
        .unwrap();
    s.sim.join(&app_id, "room", &["u"]).unwrap();
    s.clock.advance(Duration::from_secs(10));
    let objects = s
        .client
        .call(
            &ListObsBucketObjects::new("sparkrtc-record", ObsListType::Objects, "cn-north-4")
                .prefix("rec/"),
        )
        .unwrap()
        .body;
    assert_eq!(objects.count, Some(0));
}

#[test]
fn a_disabled_application_takes_no_new_rooms() {
    let s = setup();
    let app_id = create_app(&s.client, "disabled");
    s.sim.join(&app_id, "busy", &["a"]).unwrap();
    s.client.call(&StopApp::new(&app_id)).unwrap();
    // A room in use goes on; a new one cannot be opened.
    s.sim.join(&app_id, "busy", &["b"]).unwrap();
    let refused = s.sim.join(&app_id, "new", &["c"]).unwrap_err();
    assert_eq!(
        (refused.status().as_u16(), refused.code(), refused.message()),
        (400, "RTC.00001016", "AppDeactivation: app is stopped")
    );
    assert_api(
        s.client.call(&mix_job(&app_id, "busy", None)),
        400,
        "RTC.00001016",
        "AppDeactivation: app is stopped",
    );
    s.client.call(&StartApp::new(&app_id)).unwrap();
    s.sim.join(&app_id, "new", &["c"]).unwrap();
}

#[test]
fn automatic_recording_records_each_user_who_joins() {
    let s = setup_with(SimulatorConfig::default().with_job_start_delay(Duration::ZERO));
    let app_id = create_app(&s.client, "auto");
    let rule_id = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    s.sim.join(&app_id, "before", &["early"]).unwrap();
    s.client
        .call(&UpdateAutoRecord::new(
            &app_id,
            AutoRecordModeReq::new(AutoRecordMode::Individual).record_rule_id(&rule_id),
        ))
        .unwrap();
    s.sim
        .join(&app_id, "class", &["teacher", "student"])
        .unwrap();
    // Joining again while recorded starts nothing new.
    s.sim.join(&app_id, "class", &["teacher"]).unwrap();
    let state = s.sim.state();
    let jobs = state["jobs"].as_array().unwrap();
    let recorded: Vec<(&str, &str)> = jobs
        .iter()
        .map(|j| {
            (
                j["room_id"].as_str().unwrap(),
                j["kind"]["individual"]["user_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(recorded, [("class", "teacher"), ("class", "student")]);
    let job_id = jobs[0]["job_id"].as_str().unwrap();
    let shown = s
        .client
        .call(&ShowIndividualStreamJob::new(&app_id, job_id))
        .unwrap()
        .body;
    assert_eq!(shown.state, Some(JobState::Running));
    assert_eq!(
        shown.record_param.map(|r| r.record_rule_id),
        Some(rule_id.clone())
    );
    assert_eq!(s.sim.due_callback_events().len(), 2);
    // The rule in use by automatic recording cannot be deleted while on.
    assert_api(
        s.client.call(&DeleteRecordRule::new(&app_id, &rule_id)),
        400,
        "RTC.00001003",
        &format!("InvalidParameterValue: record rule `{rule_id}` is in use by job `{job_id}`"),
    );
    // Off again: nothing more is recorded.
    s.client
        .call(&UpdateAutoRecord::new(
            &app_id,
            AutoRecordModeReq::new(AutoRecordMode::Off),
        ))
        .unwrap();
    s.sim.join(&app_id, "class", &["late"]).unwrap();
    assert_eq!(s.sim.state()["jobs"].as_array().unwrap().len(), 2);
}

#[test]
fn qos_details_take_exactly_the_documented_metrics() {
    let s = setup();
    let app_id = create_app(&s.client, "qos");
    s.sim.join(&app_id, "room", &["u1"]).unwrap();
    s.clock.advance(Duration::from_secs(600));
    let query = |mid: &str| {
        ListRtcClientQosDetails::new(
            &app_id,
            "room",
            mid,
            "2024-01-02T03:05:00Z",
            "2024-01-02T03:10:00Z",
        )
    };
    assert_eq!(QosMetric::KNOWN.len(), 22);
    for metric in QosMetric::KNOWN {
        let out = s.client.call(&query(metric.as_str())).unwrap().body;
        assert_eq!(out.data.len(), 1, "{metric}");
        assert_eq!(out.data[0].mid.as_deref(), Some(metric.as_str()));
        assert_eq!(out.data[0].data.len(), 5, "{metric}");
    }
    let all = s.client.call(&query("all")).unwrap().body;
    assert_eq!(all.data.len(), 22);
    let two = s.client.call(&query("vwidth, aloss")).unwrap().body;
    let mids: Vec<_> = two.data.iter().map(|d| d.mid.clone().unwrap()).collect();
    assert_eq!(mids, ["vwidth", "aloss"]);
    assert!(two.data[0].data.iter().all(|v| v.value == Some(1280.0)));
    for undocumented in ["rtt", "jitter", "fps", "VBIT", "vbit,fps"] {
        let error = s.client.call(&query(undocumented)).unwrap_err();
        let api = error.api().unwrap();
        assert_eq!(
            (api.status, api.error_code.as_deref()),
            (400, Some("RTC.00001003"))
        );
        assert!(
            api.error_msg
                .as_deref()
                .unwrap()
                .contains("is not a documented metric (appcpu, syscpu, abit"),
            "{undocumented}: {:?}",
            api.error_msg
        );
    }
}

#[test]
fn stored_state_is_capped() {
    let limits = Limits {
        max_jobs: 2,
        max_rules_per_app: 1,
        max_rooms: 2,
        max_users_per_room: 2,
        max_log_entries: 5,
        ..Limits::default()
    };
    let s = setup_with(SimulatorConfig::default().with_limits(limits));
    let app_id = create_app(&s.client, "capped");
    // Rules: a second location is refused; the same location updates.
    create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    assert_api(
        s.client.call(&CreateRecordRule::new(&app_id, rule_req("sparkrtc-east", "cn-east-3"))),
        400,
        "RTC.00001003",
        "InvalidParameterValue: the simulator holds at most 1 recording rules per application; remove some, or reset it (POST /_sparkrtc/reset)",
    );
    // Jobs: two running fill it; a stopped one makes room.
    let first = s
        .client
        .call(&mix_job(&app_id, "r1", None))
        .unwrap()
        .body
        .job_id
        .unwrap();
    s.client.call(&mix_job(&app_id, "r2", None)).unwrap();
    assert_api(
        s.client.call(&mix_job(&app_id, "r3", None)),
        400,
        "RTC.00001003",
        "InvalidParameterValue: the simulator holds at most 2 recording jobs that have not stopped; remove some, or reset it (POST /_sparkrtc/reset)",
    );
    s.client.call(&StopMixJob::new(&app_id, &first)).unwrap();
    s.client.call(&mix_job(&app_id, "r3", None)).unwrap();
    assert_api(
        s.client.call(&ShowMixJob::new(&app_id, &first)),
        404,
        "RTC.00001003",
        &format!("InvalidParameterValue: job_id `{first}` does not exist"),
    );
    // Users per room, and rooms.
    s.sim.join(&app_id, "a", &["1", "2"]).unwrap();
    let full = s.sim.join(&app_id, "a", &["3"]).unwrap_err();
    assert_eq!(full.message(), "InvalidParameterValue: the simulator holds at most 2 users in one room; remove some, or reset it (POST /_sparkrtc/reset)");
    s.sim.join(&app_id, "b", &["1"]).unwrap();
    assert!(s.sim.join(&app_id, "c", &["1"]).is_err());
    s.sim.leave(&app_id, "a", None).unwrap();
    // A closed room makes room.
    s.sim.join(&app_id, "c", &["1"]).unwrap();
    // The log keeps the newest entries.
    let log = s.sim.request_log();
    assert_eq!(log.len(), 5);
    assert!(log.windows(2).all(|w| w[1].seq == w[0].seq + 1));
}

#[test]
fn a_job_that_would_write_too_many_files_stops() {
    let s = setup_with(SimulatorConfig::default().with_limits(Limits {
        max_files_per_job: 3,
        max_objects_per_bucket: 2,
        ..Limits::default()
    }));
    let app_id = create_app(&s.client, "files");
    let rule = RecordRuleReq::new(
        RecordObsFileAddr::new("cn-north-4", "obs-project", "sparkrtc-record").object("f/"),
        vec![RecordFormat::Mp4],
    )
    .mp4_config(Mp4RecordConfig::new(60u32));
    let rule_id = s
        .client
        .call(&CreateRecordRule::new(&app_id, rule))
        .unwrap()
        .body
        .rule_id
        .unwrap();
    let job_id = s
        .client
        .call(&mix_job(&app_id, "room", Some(&rule_id)))
        .unwrap()
        .body
        .job_id
        .unwrap();
    s.sim.join(&app_id, "room", &["u"]).unwrap();
    // A year later: three files, then the job stopped at the fourth.
    s.clock.advance(Duration::from_secs(365 * 86_400));
    let shown = show(&s, &app_id, &job_id);
    assert_eq!(shown.stop_reason, Some(StopReason::InternalError));
    assert_eq!(shown.stop_time.as_deref(), Some("2024-01-02T03:07:06Z"));
    // The bucket keeps its newest two objects: the last two files.
    let listed = s
        .client
        .call(&ListObsBucketObjects::new(
            "sparkrtc-record",
            ObsListType::Objects,
            "cn-north-4",
        ))
        .unwrap()
        .body;
    let names: Vec<_> = listed
        .objects
        .iter()
        .map(|o| o.file_name.clone().unwrap())
        .collect();
    let stream = format!("m_{job_id}_room");
    assert_eq!(
        names,
        [
            format!("f/{app_id}/MP4/{stream}_20240102T030506Z.mp4"),
            format!("f/{app_id}/MP4/{stream}_20240102T030606Z.mp4"),
        ]
    );
}
