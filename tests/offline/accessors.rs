//! Every accessor of the response models: a field the service always
//! returns reads as its value, or as a decode error naming it when an
//! answer leaves it out; an optional time reads as `None` when absent or
//! "not yet"; a time not in its form is a decode error naming the field.
//! And the accessors on real answers (the operation fixtures).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use sparkrtc::model::*;
use sparkrtc::ops::{ListObsBuckets, ListRtcRoomList, ListRtcUserList, ShowApp, ShowMixJob};
use sparkrtc::{DecodeError, Error, Operation};

const ABSENT: &str = "absent, though the service always returns it";

fn read<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

fn decode<T: std::fmt::Debug>(result: Result<T, Error>) -> DecodeError {
    match result {
        Err(Error::Decode(d)) => *d,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

/// The decode error an accessor of `model` gives at `path`.
fn error(model: &str, path: &str, message: &str) -> (String, u16, String, String, String) {
    (
        model.to_owned(),
        200,
        path.to_owned(),
        message.to_owned(),
        String::new(),
    )
}

fn parts(e: DecodeError) -> (String, u16, String, String, String) {
    assert_eq!(e.request_id, None);
    (
        e.operation.to_owned(),
        e.status,
        e.path,
        e.message,
        e.body_snippet,
    )
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn at_ms(millis: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(millis)
}

/// A field always returned: present, absent, `null`.
macro_rules! always {
    ($model:ident . $f:ident = $json:expr, |$v:ident| $check:expr) => {{
        let name = stringify!($f);
        let present: $model = read(json!({ name: $json }));
        let $v = present.$f().unwrap_or_else(|e| panic!("{}.{name}: {e}", stringify!($model)));
        $check;
        for absent in [json!({}), json!({ name: null })] {
            let m: $model = read(absent);
            assert_eq!(
                parts(decode(m.$f())),
                error(stringify!($model), name, ABSENT),
                "{}.{name}",
                stringify!($model)
            );
        }
    }};
}

/// Text: `&str`.
macro_rules! text {
    ($($model:ident . $f:ident),+ $(,)?) => {$(
        always!($model.$f = "v-1", |v| assert_eq!(v, "v-1"));
        // A number where text is documented reads as its text.
        always!($model.$f = 42, |v| assert_eq!(v, "42"));
    )+};
}

/// Value sets and nested models: by reference, the value read.
macro_rules! value {
    ($($model:ident . $f:ident = $json:expr),+ $(,)?) => {$(
        always!($model.$f = $json, |v| assert_eq!(serde_json::to_value(v).unwrap(), $json));
    )+};
}

/// Numbers and booleans: by value.
macro_rules! copied {
    ($($model:ident . $f:ident = $json:expr => $want:expr),+ $(,)?) => {$(
        always!($model.$f = $json, |v| assert_eq!(v, $want));
    )+};
}

/// Times always returned: parsed, or an error naming the field.
macro_rules! time {
    ($($model:ident . $f:ident = $text:literal => $want:expr, bad $bad:literal: $why:expr),+ $(,)?) => {$(
        always!($model.$f = $text, |v| assert_eq!(v, $want));
        let m: $model = read(json!({ stringify!($f): $bad }));
        assert_eq!(
            parts(decode(m.$f())),
            error(stringify!($model), stringify!($f), $why),
            "{}.{}", stringify!($model), stringify!($f)
        );
    )+};
}

/// Optional times: `None` when absent or not yet, parsed, or an error.
macro_rules! optional_time {
    ($($model:ident . $f:ident),+ $(,)?) => {$(
        let name = stringify!($f);
        for not_yet in [json!({}), json!({ name: null }), json!({ name: "" }), json!({ name: "-" }),
                        json!({ name: "0001-01-01T00:00:00Z" }), json!({ name: "0001-01-01T00:00:00.000Z" })] {
            let m: $model = read(not_yet.clone());
            assert_eq!(m.$f().unwrap(), None, "{}: {not_yet}", stringify!($model));
        }
        let m: $model = read(json!({ name: "2021-04-16T16:22:44Z" }));
        assert_eq!(m.$f().unwrap(), Some(at(1_618_590_164)));
        let m: $model = read(json!({ name: "2021-04-16T16:22:44.075Z" }));
        assert_eq!(m.$f().unwrap(), Some(at_ms(1_618_590_164_075)));
        let m: $model = read(json!({ name: "2021-04-16 16:22:44" }));
        assert_eq!(
            parts(decode(m.$f())),
            error(stringify!($model), name,
                "`2021-04-16 16:22:44` is not a UTC time YYYY-MM-DDThh:mm:ss[.fff]Z"),
        );
    )+};
}

const UTC_BAD: &str = "`2021-04-16` is not a UTC time YYYY-MM-DDThh:mm:ss[.fff]Z";

#[test]
fn applications() {
    text!(
        App.app_name,
        App.app_id,
        AppCallbackUrl.url,
        CreatedApp.app_id,
        AppStateChange.app_id
    );
    value!(
        App.state = json!({"state": "ACTIVATION", "update_time": "2021-01-09T09:02:23.075Z"}),
        AppStateChange.state = json!({"state": "DEACTIVATION"}),
        AppState.state = json!("ARREARS"),
        AppAutoRecordMode.mode = json!("AUTO_INDIVIDUAL_RECORD"),
    );
    // An unknown value is kept, not an error.
    value!(AppState.state = json!("FROZEN"));
    time!(App.create_time = "2021-01-09T09:02:23.075Z" => at_ms(1_610_182_943_075),
        bad "2021-04-16": UTC_BAD);
    optional_time!(
        AppState.update_time,
        AppAuth.update_time,
        AppCallbackUrl.update_time,
        AppAutoRecordMode.update_time
    );
}

#[test]
fn application_status_goes_straight_to_the_value_set() {
    let app: App = read(json!({"state": {"state": "DELETED"}}));
    assert_eq!(app.status().unwrap(), &AppStatus::Deleted);
    match app.status().unwrap() {
        AppStatus::Deleted => {}
        other => panic!("{other}"),
    }
    let change: AppStateChange = read(json!({"state": {"state": "ACTIVATION"}}));
    assert_eq!(change.status().unwrap(), &AppStatus::Activation);
    for (body, path) in [
        (json!({}), "state"),
        (json!({"state": {}}), "state.state"),
        (json!({"state": {"state": null}}), "state.state"),
    ] {
        let app: App = read(body.clone());
        assert_eq!(parts(decode(app.status())), error("App", path, ABSENT));
        let change: AppStateChange = read(body);
        assert_eq!(
            parts(decode(change.status())),
            error("AppStateChange", path, ABSENT)
        );
    }
}

#[test]
fn recording_rules_and_settings() {
    text!(
        RecordRule.rule_id,
        RecordRule.app_id,
        AutoRecordConfig.app_id,
        RecordCallbackConfig.app_id
    );
    value!(
        RecordRule.obs_addr = json!({"location": "cn-north-4", "project_id": "p", "bucket": "b"}),
        AutoRecordConfig.auto_record_mode = json!({"mode": "AUTO_RECORD_OFF"}),
    );
    time!(RecordRule.create_time = "2006-01-02T15:04:05.075Z" => at_ms(1_136_214_245_075),
        bad "2021-04-16": UTC_BAD);
    optional_time!(RecordRule.update_time);
}

#[test]
fn jobs() {
    text!(
        MixJob.job_id,
        MixJob.stream_name,
        MixJob.app_id,
        MixJob.room_id,
        IndividualStreamJob.job_id,
        IndividualStreamJob.app_id,
        IndividualStreamJob.room_id,
        IndividualStreamJob.user_id
    );
    value!(
        MixJob.mix_param = json!({"room_id": "r", "encode_template": "audio_only"}),
        MixJob.state = json!("RUNNING"),
        IndividualStreamJob.state = json!("INIT"),
    );
    time!(
        MixJob.create_time = "2021-04-16T16:22:44Z" => at(1_618_590_164),
            bad "2021-04-16": UTC_BAD,
        IndividualStreamJob.create_time = "2021-04-16T16:22:44.075Z" => at_ms(1_618_590_164_075),
            bad "0001-01-01T00:00:00Z": "a UTC time YYYY-MM-DDThh:mm:ss[.fff]Z carries times from 1970 to 9999 only",
    );
    optional_time!(
        MixJob.update_time,
        MixJob.start_time,
        MixJob.stop_time,
        IndividualStreamJob.update_time,
        IndividualStreamJob.start_time,
        IndividualStreamJob.stop_time
    );
    // A job's state matched by reference, without a clone.
    let job: MixJob = read(json!({"state": "STOPPED"}));
    let stopped = match job.state().unwrap() {
        JobState::Stopped => true,
        JobState::Init | JobState::Running => false,
        other => panic!("{other}"),
    };
    assert!(stopped);
}

#[test]
fn obs() {
    text!(ObsBucket.bucket, ObsBucket.location, ObsObject.file_name);
    copied!(
        ObsBucket.is_authorized = json!(true) => true,
        ObsBucket.is_authorized = json!("false") => false,
        ObsObject.size = json!(20480) => 20480,
        ObsObject.size = json!("7") => 7,
    );
    time!(
        ObsBucket.creation_date = "2020/07/16 15:11:55 GMT+08:00" => at(1_594_883_515),
            bad "2020-07-16T07:11:55Z": "`2020-07-16T07:11:55Z` is not an OBS time YYYY/MM/DD hh:mm:ss GMT+08:00",
        ObsObject.last_modified = "2021/04/17 00:23:44 GMT+08:00" => at(1_618_590_224),
            bad "2021/04/17 00:23:44": "`2021/04/17 00:23:44` is not an OBS time YYYY/MM/DD hh:mm:ss GMT+08:00",
    );
}

#[test]
fn statistics() {
    text!(
        AbnormalEventDimensionValue.abnormal_type_desc,
        AbnormalEventDimensionValue.abnormal_factor_desc,
        AbnormalEvent.uid,
        AbnormalEvent.room_id,
        AbnormalEvent.peer_uid,
        AbnormalEvent.abnormal_type_desc,
        AbnormalEvent.abnormal_factor_desc,
        QosQualityData.uid,
        QosQualityData.mid,
        RealtimeScaleDimensionValue.dimension,
        RtcRoomInfo.room_id,
        RtcUser.room_id,
        RtcUser.uid,
    );
    value!(
        AbnormalEvent.stage = json!("JOIN"),
        AbnormalEvent.location = json!("REMOTE"),
        RtcRoomInfo.state = json!("CLOSED"),
        RtcUser.state = json!("OFFLINE"),
    );
    copied!(
        AbnormalEventDimensionValue.abnormal_type = json!(2) => 2,
        AbnormalEventDimensionValue.abnormal_factor = json!(7) => 7,
        AbnormalEventDimensionValue.user_count = json!(5) => 5,
        AbnormalEvent.abnormal_type = json!(3) => 3,
        AbnormalEvent.abnormal_factor = json!(11) => 11,
        TimeFloatValue.value = json!(0.25) => 0.25,
        TimeIntValue.value = json!(12) => 12,
        RealtimeScaleDimensionValue.online_users = json!(10) => 10,
    );
    time!(
        AbnormalEvent.time = "2021-08-25T17:05:00Z" => at(1_629_911_100), bad "2021-04-16": UTC_BAD,
        TimeFloatValue.time = "2020-04-23T06:01:00Z" => at(1_587_621_660), bad "2021-04-16": UTC_BAD,
        TimeIntValue.time = "2020-04-23T06:02:00Z" => at(1_587_621_720), bad "2021-04-16": UTC_BAD,
        RtcRoomInfo.start_time = "2020-04-23T06:00:00Z" => at(1_587_621_600), bad "-": "`-` is not a UTC time YYYY-MM-DDThh:mm:ss[.fff]Z",
        RtcUser.join_time = "2021-04-23T09:55:32Z" => at(1_619_171_732), bad "2021-04-16": UTC_BAD,
        HistoryQualityValue.date = "2020-06-04" => at(1_591_228_800), bad "2020-06-04T00:00:00Z": "`2020-06-04T00:00:00Z` is not a date YYYY-MM-DD",
        HistoryScaleValue.date = "2020-06-03" => at(1_591_142_400), bad "2020/06/03": "`2020/06/03` is not a date YYYY-MM-DD",
        HistoryUsageValue.date = "1970-01-01" => at(0), bad "20200603": "`20200603` is not a date YYYY-MM-DD",
    );
    optional_time!(
        RtcEventDetail.ctime,
        RtcRoomInfo.end_time,
        RtcUser.leave_time
    );
}

#[test]
fn on_the_answers_of_the_operations() {
    let ok = |body: &[u8]| (StatusCode::OK, HeaderMap::new(), body.to_vec());

    let (s, h, b) = ok(br#"{"job_id":"607824b4fa163e19fe301cc817dda855","stream_name":"m_607824b4fa163e19fe301cc817dda855_gigu","app_id":"123456789abcdefghijklmno","room_id":"gigu","mix_param":{"room_id":"gigu","encode_template":"1920x1080_30_4620","max_idle_time":0,"layout_template":"nine_grids_view"},"record_param":{"record_rule_id":"5f5e172b9016ed5b0961a43"},"create_time":"2021-04-16T16:22:44Z","update_time":"2021-04-16T16:22:44Z","state":"INIT","start_time":"2021-04-16T16:22:44Z","stop_time":"0001-01-01T00:00:00Z"}"#);
    let job = ShowMixJob::parse(s, &h, &b).unwrap();
    assert_eq!(job.job_id().unwrap(), "607824b4fa163e19fe301cc817dda855");
    assert_eq!(job.state().unwrap(), &JobState::Init);
    assert_eq!(job.mix_param().unwrap().room_id, "gigu");
    assert_eq!(job.create_time().unwrap(), at(1_618_590_164));
    assert_eq!(job.start_time().unwrap(), Some(at(1_618_590_164)));
    assert_eq!(job.stop_time().unwrap(), None);
    // Matching the field through the output: by reference.
    match &job.state {
        Some(JobState::Init) => {}
        other => panic!("{other:?}"),
    }

    let (s, h, b) = ok(br#"{"app_name":"rtctest","app_id":"5ff9701f2346968bb306cb43","state":{"state":"ACTIVATION","update_time":"2021-01-09T09:02:23.075Z"},"create_time":"2021-01-09T09:02:23.075Z"}"#);
    let app = ShowApp::parse(s, &h, &b).unwrap();
    assert_eq!(app.status().unwrap(), &AppStatus::Activation);
    assert_eq!(
        app.state().unwrap().update_time().unwrap(),
        Some(at_ms(1_610_182_943_075))
    );
    assert_eq!(app.create_time().unwrap(), at_ms(1_610_182_943_075));

    let (s, h, b) = ok(br#"{"total":1,"room_info_list":[{"room_id":"room001","state":"RUNNING","start_time":"2020-04-23T06:00:00Z","end_time":"-"}]}"#);
    let rooms = ListRtcRoomList::parse(s, &h, &b).unwrap();
    let room = &rooms.room_info_list[0];
    assert_eq!(
        (room.room_id().unwrap(), room.state().unwrap()),
        ("room001", &RoomState::Running)
    );
    assert_eq!(room.start_time().unwrap(), at(1_587_621_600));
    assert_eq!(room.end_time().unwrap(), None, "`-`: still open");

    let (s, h, b) = ok(br#"{"users":[{"uid":"u","room_id":"r","state":"ONLINE","join_time":"2021-04-23T09:55:32Z","leave_time":"-"}]}"#);
    let users = ListRtcUserList::parse(s, &h, &b).unwrap();
    assert_eq!(users.users[0].join_time().unwrap(), at(1_619_171_732));
    assert_eq!(users.users[0].leave_time().unwrap(), None);

    let (s, h, b) = ok(br#"{"count":1,"buckets":[{"bucket":"obsName","location":"cn-north-4","creation_date":"2020/07/16 15:11:55 GMT+08:00","is_authorized":true}]}"#);
    let buckets = ListObsBuckets::parse(s, &h, &b).unwrap();
    let bucket = &buckets.buckets[0];
    assert_eq!(bucket.bucket().unwrap(), "obsName");
    assert_eq!(bucket.creation_date().unwrap(), at(1_594_883_515));
    assert!(bucket.is_authorized().unwrap());

    // A field always returned, missing from an answer: the error names it.
    let (s, h, b) = ok(br#"{"job_id":"j"}"#);
    let job = ShowMixJob::parse(s, &h, &b).unwrap();
    let e = job.state().unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot decode MixJob response (HTTP 200) at `state`: absent, though the service always returns it; body \"\""
    );
}

#[test]
fn an_apps_join_key_in_one_step() {
    let app: App =
        read(json!({"authentication": {"app_key": "k-0123456789abcdef0123456789abcdef"}}));
    assert_eq!(
        app.app_key().unwrap().expose_secret(),
        "k-0123456789abcdef0123456789abcdef"
    );
    let no_key: App = read(json!({"authentication": {"enable": true}}));
    assert_eq!(
        parts(decode(no_key.app_key())),
        error("App", "authentication.app_key", ABSENT)
    );
    let no_auth: App = read(json!({"app_id": "a"}));
    assert_eq!(
        parts(decode(no_auth.app_key())),
        error("App", "authentication", ABSENT)
    );
}
