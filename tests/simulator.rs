//! The offline simulator (`sparkrtc::simulator`), driven through the crate's
//! client with an in-memory transport and a virtual clock, through raw
//! signed requests, and once over real loopback HTTP.
#![cfg(feature = "simulator")]
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{Request, Response, StatusCode};
use serde_json::{json, Value};
use sparkrtc::client::Client;
use sparkrtc::model::{
    AppCallbackUrlReq, AppReq, AppStatus, EncodeTemplate, IndividualStreamJobReq, JobState,
    LayoutTemplate, MixJobReq, MixLayoutPane, MixParam, Mp4RecordConfig, ObsListType, RecordFormat,
    RecordObsFileAddr, RecordParam, RecordRuleReq, RemoveUsersReq, RoomState, StopReason,
    UserState,
};
use sparkrtc::ops::{
    CreateApp, CreateIndividualStreamJob, CreateMixJob, CreateRecordRule, DeleteApp,
    DeleteRecordRule, ListApps, ListObsBucketObjects, ListRtcAbnormalEvents, ListRtcRealtimeScale,
    ListRtcRoomList, ListRtcUserList, RemoveRoom, RemoveUsers, ShowApp, ShowIndividualStreamJob,
    ShowMixJob, StartApp, StopApp, StopIndividualStreamJob, StopMixJob, UpdateRecordCallback,
};
use sparkrtc::retry::RetryPolicy;
use sparkrtc::simulator::{
    CallbackEventKind, Simulator, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_PROJECT_ID,
    DEFAULT_SECRET_KEY,
};
use sparkrtc::throttle::{RateLimit, ThrottleCategory, ThrottleConfig};
use sparkrtc::time::{Clock, VirtualClock};
use sparkrtc::{Credentials, Endpoint, Error, Operation, OperationId};

/// 2024-01-02T03:04:05Z.
const T0: u64 = 1_704_164_645;

fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0)
}

struct Setup {
    sim: Simulator,
    clock: VirtualClock,
    client: Client<Simulator>,
}

fn endpoint() -> Endpoint {
    Endpoint::new("http://sim.local")
        .unwrap()
        .with_project_id(DEFAULT_PROJECT_ID)
        .unwrap()
}

fn setup_with(config: SimulatorConfig) -> Setup {
    let clock = VirtualClock::new(start());
    let sim = Simulator::new(config.with_clock(Arc::new(clock.clone())));
    let client = Client::builder(sim.clone())
        .endpoint(endpoint())
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .clock(Arc::new(clock.clone()))
        .seed(1)
        .build()
        .unwrap();
    Setup { sim, clock, client }
}

fn setup() -> Setup {
    setup_with(SimulatorConfig::default())
}

/// A request of `op`, signed with the default credentials at `at`.
fn signed<O: Operation>(op: &O, at: SystemTime) -> Request<Vec<u8>> {
    let mut request = op.build(&endpoint()).unwrap();
    sign(&mut request, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, at);
    request
}

fn sign(request: &mut Request<Vec<u8>>, ak: &str, sk: &str, at: SystemTime) {
    sparkrtc::sign::sign(request, &Credentials::ak_sk(ak, sk).unwrap(), at).unwrap();
}

/// A raw request (any method, path and body), signed with the defaults.
fn raw(method: &str, path: &str, body: &str, at: SystemTime) -> Request<Vec<u8>> {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("http://sim.local{path}"))
        .header("content-type", "application/json;charset=UTF-8")
        .header("x-project-id", DEFAULT_PROJECT_ID)
        .body(body.as_bytes().to_vec())
        .unwrap();
    sign(&mut request, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, at);
    request
}

fn is_request_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks the headers every answer has; returns the body as JSON (`null`
/// when empty).
fn checked(response: &Response<Vec<u8>>, wall: SystemTime) -> Value {
    let h = response.headers();
    let id = h["x-request-id"].to_str().unwrap();
    assert!(is_request_id(id), "request id {id:?}");
    assert_eq!(h["content-type"], "application/json;charset=UTF-8");
    assert_eq!(h["date"].to_str().unwrap(), httpdate::fmt_http_date(wall));
    if response.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(response.body()).unwrap()
    }
}

/// Checks an error answer: status, the two-key body, the request id.
fn assert_error(
    response: &Response<Vec<u8>>,
    wall: SystemTime,
    status: u16,
    code: &str,
    msg: &str,
) {
    let body = checked(response, wall);
    assert_eq!(response.status().as_u16(), status, "{body}");
    assert_eq!(body, json!({"error_code": code, "error_msg": msg}));
    assert!(response.headers().get("retry-after").is_none());
}

fn api_error(result: Result<impl std::fmt::Debug, Error>) -> sparkrtc::ApiError {
    let error = result.unwrap_err();
    let api = error
        .api()
        .unwrap_or_else(|| panic!("not an API error: {error}"));
    assert!(is_request_id(api.request_id.as_deref().unwrap()));
    api.clone()
}

fn assert_api(result: Result<impl std::fmt::Debug, Error>, status: u16, code: &str, msg: &str) {
    let api = api_error(result);
    assert_eq!(
        (
            api.status,
            api.error_code.as_deref(),
            api.error_msg.as_deref()
        ),
        (status, Some(code), Some(msg))
    );
}

fn create_app<T: sparkrtc::transport::Transport>(client: &Client<T>, name: &str) -> String {
    client
        .call(&CreateApp::new(AppReq::new(name)))
        .unwrap()
        .body
        .app_id
        .unwrap()
}

fn rule_req(bucket: &str, location: &str) -> RecordRuleReq {
    RecordRuleReq::new(
        RecordObsFileAddr::new(location, "obs-project", bucket).object("rec/"),
        vec![RecordFormat::Mp4],
    )
    .mp4_config(Mp4RecordConfig::new(60u32))
}

fn create_rule<T: sparkrtc::transport::Transport>(
    client: &Client<T>,
    app_id: &str,
    bucket: &str,
    location: &str,
) -> String {
    client
        .call(&CreateRecordRule::new(app_id, rule_req(bucket, location)))
        .unwrap()
        .body
        .rule_id
        .unwrap()
}

fn iso(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs();
    // Through the crate's own `X-Sdk-Date` form, reshaped.
    let basic = sparkrtc::sign::SdkDate::new(UNIX_EPOCH + Duration::from_secs(secs)).unwrap();
    let b = basic.as_str();
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &b[0..4],
        &b[4..6],
        &b[6..8],
        &b[9..11],
        &b[11..13],
        &b[13..15]
    )
}

// ------------------------------------------------------ every operation

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/ops/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The order the operations run in: creations first, stops and deletions
/// last, so that each finds what it needs.
fn rank(op: OperationId) -> u8 {
    match op.name() {
        "CreateApp" => 0,
        "CreateRecordRule" => 1,
        "CreateMixJob" | "CreateIndividualStreamJob" => 2,
        "StopMixJob" | "StopIndividualStreamJob" => 7,
        "DeleteRecordRule" | "StopApp" => 8,
        "StartApp" => 9,
        "DeleteApp" => 10,
        _ => 5,
    }
}

#[derive(Default)]
struct Ids {
    app: String,
    spare_app: String,
    rule: String,
    spare_rule: String,
    mix_job: String,
    individual_job: String,
}

/// The fixture's parameters, pointed at what exists in the simulator.
fn adapt(op: OperationId, params: &mut Value, ids: &Ids) {
    let obj = params.as_object_mut().unwrap();
    for key in ["app_id", "app"] {
        if obj.contains_key(key) {
            obj[key] = json!(ids.app);
        }
    }
    if op == OperationId::DeleteApp {
        obj["app_id"] = json!(ids.spare_app);
    }
    if obj.contains_key("job_id") {
        let job = if op.name().contains("Individual") {
            &ids.individual_job
        } else {
            &ids.mix_job
        };
        obj["job_id"] = json!(job);
    }
    if obj.contains_key("rule_id") {
        let rule = if op == OperationId::DeleteRecordRule {
            &ids.spare_rule
        } else {
            &ids.rule
        };
        obj["rule_id"] = json!(rule);
    }
    if obj.contains_key("project_id") {
        obj["project_id"] = json!(DEFAULT_PROJECT_ID);
    }
    if op == OperationId::ListObsBucketObjects {
        obj["bucket"] = json!("sparkrtc-record");
        obj["location"] = json!("cn-north-4");
        obj["prefix"] = json!("record/");
    }
    if let Some(body) = obj.get_mut("body").and_then(Value::as_object_mut) {
        if let Some(record) = body.get_mut("record_param") {
            record["record_rule_id"] = json!(ids.rule);
        }
        if body.contains_key("record_rule_id") {
            body["record_rule_id"] = json!(ids.rule);
        }
        if op == OperationId::UpdateObsBucketAuthority {
            body["bucket"] = json!("sparkrtc-backup");
            body["location"] = json!("cn-north-4");
        }
    }
}

#[test]
fn every_operation_answers_through_the_client() {
    let s = setup();
    every_operation(&s.client, &s.sim);
}

/// Every operation over real loopback HTTP, through the ureq transport
/// (the simulator served on a free port, the same virtual clock on both
/// sides).
#[cfg(feature = "ureq")]
#[test]
fn every_operation_answers_over_loopback_through_ureq() {
    let clock = VirtualClock::new(start());
    let sim = Simulator::new(SimulatorConfig::default().with_clock(Arc::new(clock.clone())));
    let server = sim.serve("127.0.0.1:0").unwrap();
    let client = Client::builder(sparkrtc::transport::UreqTransport::default())
        .endpoint(
            Endpoint::new(&server.url())
                .unwrap()
                .with_project_id(DEFAULT_PROJECT_ID)
                .unwrap(),
        )
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .clock(Arc::new(clock))
        .seed(1)
        .build()
        .unwrap();
    every_operation(&client, &sim);
}

/// Calls every operation once, in an order that creates what the next
/// ones need, and checks each answer against its fixture.
fn every_operation<T: sparkrtc::transport::Transport>(client: &Client<T>, sim: &Simulator) {
    let mut ops: Vec<OperationId> = OperationId::ALL.to_vec();
    ops.sort_by_key(|op| rank(*op));
    assert_eq!(ops.len(), 42);
    let mut ids = Ids::default();
    for op in ops {
        match op {
            OperationId::DeleteApp => ids.spare_app = create_app(client, "spare"),
            OperationId::DeleteRecordRule => {
                ids.spare_rule = create_rule(client, &ids.app, "spare-bucket", "cn-east-3")
            }
            _ => {}
        }
        let fixture = fixture(op.name());
        let mut params = fixture["params"].clone();
        adapt(op, &mut params, &ids);
        let out = client
            .call_json(op.name(), &params)
            .unwrap_or_else(|e| panic!("{}: {e}", op.name()));
        assert!(
            is_request_id(out["X-Request-Id"].as_str().unwrap()),
            "{}",
            op.name()
        );
        let last = sim.request_log().last().cloned().unwrap();
        assert_eq!(last.operation, Some(op));
        assert_eq!(
            u64::from(last.status.as_u16()),
            fixture["response"]["status"].as_u64().unwrap(),
            "{}",
            op.name()
        );
        assert_eq!(last.access_key.as_deref(), Some(DEFAULT_ACCESS_KEY));
        match op {
            OperationId::CreateApp => ids.app = out["app_id"].as_str().unwrap().to_owned(),
            OperationId::CreateRecordRule => ids.rule = out["rule_id"].as_str().unwrap().to_owned(),
            OperationId::CreateMixJob => {
                ids.mix_job = out["job_id"].as_str().unwrap().to_owned();
                assert_eq!(
                    out["stream_name"],
                    json!(format!("m_{}_room001", ids.mix_job))
                );
            }
            OperationId::CreateIndividualStreamJob => {
                ids.individual_job = out["job_id"].as_str().unwrap().to_owned();
                assert_eq!(
                    out["stream_name"],
                    json!(format!("s_{}_100_user001", ids.individual_job))
                );
            }
            OperationId::ShowApp => assert_eq!(out["app_name"], json!("rtctest")),
            OperationId::ListApps => assert_eq!(out["count"], json!(1)),
            OperationId::ListRecordRules => assert_eq!(out["rules"][0]["rule_id"], json!(ids.rule)),
            OperationId::ListObsBuckets => assert_eq!(out["count"], json!(3)),
            OperationId::ListObsBucketObjects => assert_eq!(
                out["objects"][0]["file_name"],
                json!("record/room001/m_demo_room001_20240101T080000Z.mp4")
            ),
            OperationId::ListRtcRealtimeScale => {
                assert_eq!(out["scale"].as_array().unwrap().len(), 60)
            }
            _ => {}
        }
    }
    // Everything the sequence deleted is gone, the rest is there.
    assert_eq!(sim.app_count(), 1);
    assert_eq!(sim.request_log().len(), 44);
    assert_eq!(sim.throttled_count(), 0);
}

// -------------------------------------------------------- applications

#[test]
fn application_lifecycle_and_the_quota() {
    let s = setup();
    let app_id = create_app(&s.client, "first");
    assert_eq!(app_id.len(), 24);
    assert!(app_id
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));

    let app = s.client.call(&ShowApp::new(&app_id)).unwrap().body;
    assert_eq!(app.app_name.as_deref(), Some("first"));
    assert_eq!(
        app.state.as_ref().unwrap().state,
        Some(AppStatus::Activation)
    );
    assert_eq!(app.create_time.as_deref(), Some("2024-01-02T03:04:05.000Z"));
    let key = app.authentication.unwrap().app_key.unwrap();
    assert_eq!(key.expose_secret().len(), 32);
    assert_eq!(
        app.domain,
        Some(format!("{app_id}.sparkrtc.myhuaweicloud.com"))
    );

    // A name is used once.
    assert_api(
        s.client.call(&CreateApp::new(AppReq::new("first"))),
        400,
        "RTC.00001020",
        "AppExist: app exists",
    );

    s.clock.advance(Duration::from_secs(10));
    let stopped = s.client.call(&StopApp::new(&app_id)).unwrap().body;
    let state = stopped.state.unwrap();
    assert_eq!(state.state, Some(AppStatus::Deactivation));
    assert_eq!(
        state.update_time.as_deref(),
        Some("2024-01-02T03:04:15.000Z")
    );
    let active = s
        .client
        .call(&ListApps::new().state(AppStatus::Activation))
        .unwrap()
        .body;
    assert_eq!((active.count, active.apps.len()), (Some(0), 0));
    let inactive = s
        .client
        .call(&ListApps::new().state(AppStatus::Deactivation))
        .unwrap()
        .body;
    assert_eq!(inactive.count, Some(1));
    let started = s.client.call(&StartApp::new(&app_id)).unwrap().body;
    assert_eq!(started.state.unwrap().state, Some(AppStatus::Activation));

    // Twenty applications fit; the 21st does not.
    for i in 1..20 {
        create_app(&s.client, &format!("app-{i}"));
    }
    assert_eq!(s.sim.app_count(), 20);
    assert_api(
        s.client.call(&CreateApp::new(AppReq::new("app-21"))),
        400,
        "RTC.00001017",
        "AppsExceed: app num exceed",
    );
    // Deleting one makes room.
    s.client.call(&DeleteApp::new(&app_id)).unwrap();
    assert_api(
        s.client.call(&ShowApp::new(&app_id)),
        404,
        "RTC.00001003",
        &format!("InvalidParameterValue: app_id `{app_id}` does not exist"),
    );
    create_app(&s.client, "app-21");
    assert_eq!(s.sim.app_count(), 20);
}

#[test]
fn paging_through_applications() {
    let s = setup();
    let ids: Vec<String> = (0..7)
        .map(|i| create_app(&s.client, &format!("app-{i}")))
        .collect();
    let listed: Vec<String> = s
        .client
        .items(ListApps::new().limit(3))
        .map(|app| app.unwrap().app_id.unwrap())
        .collect();
    assert_eq!(listed, ids);
    let pages = s
        .sim
        .request_log()
        .iter()
        .filter(|r| r.operation == Some(OperationId::ListApps))
        .count();
    assert_eq!(pages, 3);
    let third = s
        .client
        .call(&ListApps::new().limit(3).offset(2))
        .unwrap()
        .body;
    assert_eq!((third.count, third.apps.len()), (Some(7), 1));
}

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
        StatusCode::NO_CONTENT
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

    s.client.call(&StopApp::new(&app_id)).unwrap();
    for result in [
        s.client
            .call(&ShowIndividualStreamJob::new(&app_id, &job_id))
            .map(|_| ()),
        s.client
            .call(&StopIndividualStreamJob::new(&app_id, &job_id))
            .map(|_| ()),
        s.client.call(&job).map(|_| ()),
    ] {
        assert_api(
            result,
            400,
            "RTC.00001016",
            "AppDeactivation: app is stopped",
        );
    }
    s.client.call(&StartApp::new(&app_id)).unwrap();
    s.client
        .call(&StopIndividualStreamJob::new(&app_id, &job_id))
        .unwrap();
    let shown = s
        .client
        .call(&ShowIndividualStreamJob::new(&app_id, &job_id))
        .unwrap()
        .body;
    assert_eq!(
        (shown.state, shown.stop_reason),
        (Some(JobState::Stopped), Some(StopReason::TenantStop))
    );
}

#[test]
fn rooms_and_users_follow_jobs_and_removals() {
    let s = setup();
    let app_id = create_app(&s.client, "rooms");
    for (room, user) in [("room-a", "u1"), ("room-a", "u2"), ("room-b", "u3")] {
        let job = CreateIndividualStreamJob::new(&app_id, IndividualStreamJobReq::new(room, user));
        s.client.call(&job).unwrap();
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
        StatusCode::ACCEPTED
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

/// A callback key of the documented 32 to 64 characters.
const CALLBACK_KEY: &str = "k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1";

#[test]
fn recording_callback_events_are_collected_once() {
    let s = setup();
    let app_id = create_app(&s.client, "callbacks");
    s.client
        .call(&UpdateRecordCallback::new(
            &app_id,
            AppCallbackUrlReq::new("https://example.test/cb").auth_key(CALLBACK_KEY),
        ))
        .unwrap();
    let rule_id = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(MixParam::new("room-c", EncodeTemplate::AudioOnly))
            .record_param(RecordParam::new(&rule_id)),
    );
    let job_id = s.client.call(&job).unwrap().body.job_id.unwrap();
    assert!(s.sim.due_callback_events().is_empty());
    s.clock.advance(Duration::from_secs(1));
    let started = s.sim.due_callback_events();
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].kind, CallbackEventKind::RecordNewFileStart);
    assert_eq!(
        started[0].callback_url.as_deref(),
        Some("https://example.test/cb")
    );
    assert_eq!(
        started[0].auth_key.as_ref().map(|k| k.expose_secret()),
        Some(CALLBACK_KEY)
    );
    let object = format!("rec/{app_id}/MP4/m_{job_id}_room-c_20240102T030406Z.mp4");
    assert_eq!(started[0].object.as_deref(), Some(object.as_str()));
    assert!(s.sim.due_callback_events().is_empty());

    s.clock.advance(Duration::from_secs(59));
    s.client.call(&StopMixJob::new(&app_id, &job_id)).unwrap();
    let kinds: Vec<_> = s.sim.due_callback_events().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            CallbackEventKind::RecordFileComplete,
            CallbackEventKind::CloudRecordServerOver
        ]
    );
    assert!(s.sim.due_callback_events().is_empty());

    // The finished file is in the (simulated) bucket.
    let objects = s
        .client
        .call(
            &ListObsBucketObjects::new("sparkrtc-record", ObsListType::Objects, "cn-north-4")
                .prefix("rec/"),
        )
        .unwrap()
        .body;
    assert_eq!(objects.count, Some(1));
    assert_eq!(
        objects.objects[0].file_name.as_deref(),
        Some(object.as_str())
    );
}

// --------------------------------------------------- callback delivery

/// The requests a callback transport was given.
type Posted = Arc<std::sync::Mutex<Vec<Request<Vec<u8>>>>>;

/// A callback transport that keeps the requests and answers `status`.
struct Recorder {
    posted: Posted,
    status: StatusCode,
}

impl sparkrtc::transport::Transport for Recorder {
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, sparkrtc::transport::TransportError> {
        self.posted.lock().unwrap().push(request);
        let mut ack = sparkrtc::callback::acknowledgement();
        *ack.status_mut() = self.status;
        Ok(ack)
    }
}

fn recording_transport(status: u16) -> (Posted, Recorder) {
    let posted: Posted = Arc::default();
    let recorder = Recorder {
        posted: Arc::clone(&posted),
        status: StatusCode::from_u16(status).unwrap(),
    };
    (posted, recorder)
}

/// An app with its callback at `url` (signed with `key`), a rule, and a
/// mixed-stream job of `param` recorded with it, started at T0 + 1 s and
/// stopped 65 s later, callbacks delivered after each step. Returns the
/// app and job ids and the deliveries of each step.
fn record_with_callbacks(
    s: &Setup,
    url: &str,
    key: Option<&str>,
    param: MixParam,
) -> (String, String, Vec<sparkrtc::simulator::Delivery>) {
    let app_id = create_app(&s.client, "delivered");
    let mut callback = AppCallbackUrlReq::new(url);
    if let Some(key) = key {
        callback = callback.auth_key(key);
    }
    s.client
        .call(&UpdateRecordCallback::new(&app_id, callback))
        .unwrap();
    let rule_id = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(param).record_param(RecordParam::new(&rule_id)),
    );
    let job_id = s.client.call(&job).unwrap().body.job_id.unwrap();
    let mut deliveries = s.sim.deliver_callbacks();
    assert!(deliveries.is_empty(), "nothing is due before the job runs");
    s.clock.advance(Duration::from_secs(1));
    deliveries.extend(s.sim.deliver_callbacks());
    s.clock.advance(Duration::from_secs(65));
    s.client.call(&StopMixJob::new(&app_id, &job_id)).unwrap();
    deliveries.extend(s.sim.deliver_callbacks());
    assert!(s.sim.deliver_callbacks().is_empty(), "each event once");
    (app_id, job_id, deliveries)
}

#[test]
fn callbacks_are_posted_signed_in_the_documented_shape() {
    let (posted, transport) = recording_transport(200);
    let s = setup_with(SimulatorConfig::default().with_callback_transport(transport));
    let url = "http://127.0.0.1:9/cb";
    let param = MixParam::new("room01", EncodeTemplate::P720Fps30Kbps1710)
        .layout_template(LayoutTemplate::NineGridsView);
    let (app_id, job_id, deliveries) = record_with_callbacks(&s, url, Some(CALLBACK_KEY), param);

    assert_eq!(deliveries, s.sim.callback_log());
    assert_eq!(
        deliveries.iter().map(|d| d.kind).collect::<Vec<_>>(),
        [
            CallbackEventKind::RecordNewFileStart,
            CallbackEventKind::RecordFileComplete,
            CallbackEventKind::CloudRecordServerOver
        ]
    );
    assert!(deliveries.iter().all(|d| d.is_acknowledged()
        && d.signed
        && d.url == url
        && d.job_id == job_id
        && d.status() == Some(StatusCode::OK)));
    assert_eq!(
        deliveries.iter().map(|d| d.at).collect::<Vec<_>>(),
        [
            Duration::from_secs(1),
            Duration::from_secs(66),
            Duration::from_secs(66)
        ]
    );

    let requests = posted.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    let verifier = sparkrtc::callback::Verifier::new(CALLBACK_KEY).unwrap();
    let mut rands = Vec::new();
    for (request, sent) in requests.iter().zip([T0 + 1, T0 + 66, T0 + 66]) {
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), url);
        let h = request.headers();
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["x-rtc-timestamp"], sent.to_string().as_str());
        let rand = h["x-rtc-rand"].to_str().unwrap().to_owned();
        assert!(is_request_id(&rand), "32 lower-case hex digits: {rand}");
        rands.push(rand);
        verifier.verify_request(request, s.clock.wall()).unwrap();
    }
    rands.dedup();
    assert_eq!(rands.len(), 3);

    let body = |i: usize| serde_json::from_slice::<Value>(requests[i].body()).unwrap();
    let stream = format!("m_{job_id}_room01");
    let object = format!("rec/{app_id}/MP4/{stream}_20240102T030406Z.mp4");
    assert_eq!(
        body(0),
        json!({
            "event_type": "RECORD_NEW_FILE_START",
            "job_id": job_id,
            "stream_name": stream,
            "app_id": app_id,
            "room_id": "room01",
            "record_format": "MP4",
            "start_time": "2024-01-02T03:04:06Z",
        })
    );
    let complete = body(1);
    let size = complete["file_size"].as_i64().unwrap();
    assert!(size > 0 && size <= 20_480 * 1024, "{size}");
    assert_eq!(
        complete,
        json!({
            "event_type": "RECORD_FILE_COMPLETE",
            "job_id": job_id,
            "stream_name": stream,
            "app_id": app_id,
            "room_id": "room01",
            "record_format": "MP4",
            "download_url": format!("https://sparkrtc-record.obs.cn-north-4.myhuaweicloud.com/{object}"),
            "file_size": size,
            "record_duration": 65,
            "start_time": "2024-01-02T03:04:06Z",
            "end_time": "2024-01-02T03:05:11Z",
            "width": 1280,
            "height": 720,
            "obs_location": "http://obs.cn-north-4.myhuaweicloud.com",
            "obs_bucket": "sparkrtc-record",
            "obs_object": object,
        })
    );
    assert_eq!(
        body(2),
        json!({
            "event_type": "CLOUD_RECORD_SERVER_OVER",
            "job_id": job_id,
            "stream_name": stream,
            "app_id": app_id,
            "room_id": "room01",
            "end_time": "2024-01-02T03:05:11Z",
            "detail_message": "TENANT_STOP",
        })
    );
    // The bucket lists the same file, in KB.
    let objects = s
        .client
        .call(
            &ListObsBucketObjects::new("sparkrtc-record", ObsListType::Objects, "cn-north-4")
                .prefix("rec/"),
        )
        .unwrap()
        .body;
    assert_eq!(objects.objects[0].size, Some((size + 1023) / 1024));
}

#[test]
fn callback_deliveries_are_deterministic() {
    let run = || {
        let (posted, transport) = recording_transport(200);
        let s = setup_with(SimulatorConfig::default().with_callback_transport(transport));
        let param = MixParam::new("room01", EncodeTemplate::AudioOnly);
        let (_, _, deliveries) =
            record_with_callbacks(&s, "http://localhost:9/cb", Some(CALLBACK_KEY), param);
        let requests = posted.lock().unwrap().clone();
        let wire: Vec<_> = requests
            .iter()
            .map(|r| (format!("{:?}", r.headers()), r.body().clone()))
            .collect();
        (deliveries, wire, s.sim.request_log())
    };
    let (a, b) = (run(), run());
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    assert_eq!(a.2, b.2);
}

#[test]
fn unsigned_callbacks_when_the_app_has_no_key() {
    let (posted, transport) = recording_transport(200);
    let s = setup_with(SimulatorConfig::default().with_callback_transport(transport));
    let param = MixParam::new("room01", EncodeTemplate::AudioOnly);
    let (_, _, deliveries) = record_with_callbacks(&s, "http://[::1]:9/cb", None, param);
    assert_eq!(deliveries.len(), 3);
    assert!(deliveries.iter().all(|d| !d.signed && d.is_acknowledged()));
    let requests = posted.lock().unwrap().clone();
    let verifier = sparkrtc::callback::Verifier::unsigned();
    for request in &requests {
        assert!(request.headers().get("x-rtc-signature").is_none());
        assert!(request.headers().get("x-rtc-rand").is_none());
        verifier.verify_request(request, s.clock.wall()).unwrap();
    }
    // Audio only: the completed file has no video size.
    let complete: Value = serde_json::from_slice(requests[1].body()).unwrap();
    assert!(complete.get("width").is_none() && complete.get("height").is_none());
}

#[test]
fn a_failing_receiver_is_logged_and_not_retried() {
    let (posted, transport) = recording_transport(500);
    let s = setup_with(SimulatorConfig::default().with_callback_transport(transport));
    let param = MixParam::new("room01", EncodeTemplate::AudioOnly);
    let (_, _, deliveries) =
        record_with_callbacks(&s, "http://127.0.0.1:9/cb", Some(CALLBACK_KEY), param);
    assert_eq!(deliveries.len(), 3);
    assert!(deliveries.iter().all(|d| d.outcome
        == sparkrtc::simulator::DeliveryOutcome::Answered(StatusCode::INTERNAL_SERVER_ERROR)
        && !d.is_acknowledged()));
    s.clock.advance(Duration::from_secs(60));
    assert!(s.sim.deliver_callbacks().is_empty());
    assert_eq!(posted.lock().unwrap().len(), 3);

    // A receiver that cannot be reached (the default ureq transport, a
    // closed loopback port): a failure, logged.
    let s = setup();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cb", closed.local_addr().unwrap());
    drop(closed);
    let param = MixParam::new("room01", EncodeTemplate::AudioOnly);
    let (_, _, deliveries) = record_with_callbacks(&s, &url, Some(CALLBACK_KEY), param);
    assert_eq!(deliveries.len(), 3);
    assert!(deliveries
        .iter()
        .all(|d| matches!(d.outcome, sparkrtc::simulator::DeliveryOutcome::Failed(_))));
}

#[test]
fn callbacks_off_loopback_never_reach_the_transport() {
    for url in [
        "https://example.test/cb",
        "http://192.0.2.1:8080/cb",
        "http://10.0.0.1/cb",
        "http://0.0.0.0:9/cb",
        "http://localhost.example.com/cb",
        "http://127.0.0.1@example.com/cb",
        "http://127.0.0.1.nip.io/cb",
        "http://[::ffff:127.0.0.1]/cb",
    ] {
        let (posted, transport) = recording_transport(200);
        let s = setup_with(SimulatorConfig::default().with_callback_transport(transport));
        let param = MixParam::new("room01", EncodeTemplate::AudioOnly);
        let (_, _, deliveries) = record_with_callbacks(&s, url, Some(CALLBACK_KEY), param);
        assert_eq!(deliveries.len(), 3, "{url}");
        assert!(
            deliveries.iter().all(|d| d.outcome
                == sparkrtc::simulator::DeliveryOutcome::NotLoopback
                && !d.signed
                && d.url == url),
            "{url}: {deliveries:?}"
        );
        assert!(posted.lock().unwrap().is_empty(), "{url} was contacted");
    }
}

#[test]
fn no_callback_url_no_delivery() {
    let (posted, transport) = recording_transport(200);
    let s = setup_with(SimulatorConfig::default().with_callback_transport(transport));
    let app_id = create_app(&s.client, "no-callback");
    let rule_id = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(MixParam::new("room01", EncodeTemplate::AudioOnly))
            .record_param(RecordParam::new(&rule_id)),
    );
    let job_id = s.client.call(&job).unwrap().body.job_id.unwrap();
    s.clock.advance(Duration::from_secs(1));
    s.client.call(&StopMixJob::new(&app_id, &job_id)).unwrap();
    assert!(s.sim.deliver_callbacks().is_empty());
    assert!(s.sim.callback_log().is_empty());
    assert!(posted.lock().unwrap().is_empty());
}

// --------------------------------------------------------------- errors

#[test]
fn parameter_errors_have_the_documented_codes() {
    let s = setup();
    let app_id = create_app(&s.client, "errors");
    let at = s.clock.wall();
    let cases = [
        (
            raw(
                "POST",
                &format!("/v2/apps/{app_id}/mix-stream-jobs"),
                r#"{"mix_param":{"encode_template":"audio_only"}}"#,
                at,
            ),
            400,
            "RTC.00001005",
            "MissingParameter: body.mix_param.room_id",
        ),
        (
            raw("POST", "/v2/apps", "", at),
            400,
            "RTC.00001005",
            "MissingParameter: body",
        ),
        (
            raw("GET", "/v2/apps?limit=500", "", at),
            400,
            "RTC.00001003",
            "InvalidParameterValue: limit: must be within 1..=100, got 500",
        ),
        (
            raw("POST", "/v2/apps", "{not json", at),
            400,
            "RTC.00001002",
            "MalformedRequestBody: json parsing failed",
        ),
        (
            raw("GET", "/v2/nothing/here", "", at),
            404,
            "APIGW.0101",
            "The API does not exist or has not been published in the environment.",
        ),
        (
            raw("PATCH", "/v2/apps", "", at),
            404,
            "APIGW.0101",
            "The API does not exist.",
        ),
        (
            raw(
                "GET",
                "/v1/ffffffffffffffffffffffffffffffff/rtc/rooms?app=x",
                "",
                at,
            ),
            403,
            "APIGW.0302",
            "The IAM user is not authorized to access the API.",
        ),
    ];
    for (request, status, code, msg) in cases {
        let response = s.sim.handle(&request);
        assert_error(&response, at, status, code, msg);
    }
    let log = s.sim.request_log();
    let codes: Vec<_> = log
        .iter()
        .skip(1)
        .map(|r| r.error_code.clone().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "RTC.00001005",
            "RTC.00001005",
            "RTC.00001003",
            "RTC.00001002",
            "APIGW.0101",
            "APIGW.0101",
            "APIGW.0302"
        ]
    );
    assert_eq!(log[5].operation, None);
    assert_eq!(log[1].operation, Some(OperationId::CreateMixJob));
}

#[test]
fn authentication_failures() {
    let s = setup_with(SimulatorConfig::default().with_token("good-token"));
    let wall = s.clock.wall();
    let aksk_fail = "Incorrect IAM authentication information: verify aksk signature fail";

    // Good.
    let ok = s.sim.handle(&signed(&ListApps::new(), wall));
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(checked(&ok, wall), json!({"count": 0}));

    // A tampered signature, a changed signed header, a changed query, a wrong SK, an unknown AK, none.
    let mut tampered = signed(&ListApps::new(), wall);
    let auth = tampered.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    let flipped = if auth.ends_with('0') {
        format!("{}1", &auth[..auth.len() - 1])
    } else {
        format!("{}0", &auth[..auth.len() - 1])
    };
    tampered
        .headers_mut()
        .insert("authorization", flipped.parse().unwrap());
    let mut changed_header = signed(&ListApps::new(), wall);
    changed_header
        .headers_mut()
        .insert("x-sdk-date", "20240102T030406Z".parse().unwrap());
    let mut changed_query = signed(&ListApps::new().limit(5), wall);
    *changed_query.uri_mut() = "http://sim.local/v2/apps?limit=6".parse().unwrap();
    let mut wrong_sk = ListApps::new().build(&endpoint()).unwrap();
    sign(&mut wrong_sk, DEFAULT_ACCESS_KEY, "not-the-secret", wall);
    let mut unknown_ak = ListApps::new().build(&endpoint()).unwrap();
    sign(&mut unknown_ak, "SOMEONEELSE", DEFAULT_SECRET_KEY, wall);
    let unsigned = ListApps::new().build(&endpoint()).unwrap();
    for request in [
        tampered,
        changed_header,
        changed_query,
        wrong_sk,
        unknown_ak,
        unsigned,
    ] {
        assert_error(&s.sim.handle(&request), wall, 401, "APIGW.0301", aksk_fail);
    }

    // Signed 20 minutes off, either way: expired. 14 minutes: fine.
    let expired_msg = |signed_at: &str| {
        format!(
            "Incorrect IAM authentication information: calc ak sk signature fail:signature expired, \
             x-sdk-date {signed_at} is more than 15 minutes from the server time 2024-01-02T03:04:05Z"
        )
    };
    let early = signed(&ListApps::new(), wall - Duration::from_secs(20 * 60));
    assert_error(
        &s.sim.handle(&early),
        wall,
        401,
        "APIGW.0301",
        &expired_msg("20240102T024405Z"),
    );
    let late = signed(&ListApps::new(), wall + Duration::from_secs(20 * 60));
    assert_error(
        &s.sim.handle(&late),
        wall,
        401,
        "APIGW.0301",
        &expired_msg("20240102T032405Z"),
    );
    let skewed = signed(&ListApps::new(), wall - Duration::from_secs(14 * 60));
    assert_eq!(s.sim.handle(&skewed).status(), StatusCode::OK);

    // The client takes such an answer as a signature expiry.
    let api = sparkrtc::ApiError::from_response(
        StatusCode::UNAUTHORIZED,
        &http::HeaderMap::new(),
        s.sim.handle(&early).body(),
    );
    assert!(sparkrtc::clock::is_signature_expired(&api));

    // Tokens.
    let mut token = ListApps::new().build(&endpoint()).unwrap();
    token
        .headers_mut()
        .insert("x-auth-token", "good-token".parse().unwrap());
    assert_eq!(s.sim.handle(&token).status(), StatusCode::OK);
    token
        .headers_mut()
        .insert("x-auth-token", "bad-token".parse().unwrap());
    assert_error(
        &s.sim.handle(&token),
        wall,
        401,
        "APIGW.0301",
        "Incorrect IAM authentication information: token verify fail",
    );

    let log = s.sim.request_log();
    assert_eq!(log.len(), 13);
    assert_eq!(log[4].access_key.as_deref(), Some(DEFAULT_ACCESS_KEY));
    assert_eq!(log[5].access_key.as_deref(), Some("SOMEONEELSE"));
    assert_eq!(log[6].access_key, None);
}

#[test]
fn a_request_signed_by_the_official_sdk_verifies() {
    let vectors: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/sign/vectors.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let v = vectors
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "fixed/list_apps")
        .unwrap();
    assert_eq!(v["sdk_date"], "20240102T030405Z");
    let clock = VirtualClock::new(start());
    let sim = Simulator::new(
        SimulatorConfig::default()
            .with_credentials([(v["ak"].as_str().unwrap(), v["sk"].as_str().unwrap())])
            .with_project_id("proj123")
            .with_clock(Arc::new(clock.clone())),
    );
    let build = |tamper: bool| {
        let mut b = Request::builder()
            .method(v["method"].as_str().unwrap())
            .uri(v["wire_uri"].as_str().unwrap());
        for pair in v["signed_request_headers"].as_array().unwrap() {
            let (name, mut value) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
            if tamper && name == "User-Agent" {
                value = "tampered";
            }
            b = b.header(name, value);
        }
        b.body(Vec::new()).unwrap()
    };
    let response = sim.handle(&build(false));
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(response.body())
    );
    assert_eq!(checked(&response, clock.wall()), json!({"count": 0}));
    assert_error(
        &sim.handle(&build(true)),
        clock.wall(),
        401,
        "APIGW.0301",
        "Incorrect IAM authentication information: verify aksk signature fail",
    );
}

/// Standard base64 (the vectors' bodies).
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | u32::from(*d) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn every_routable_official_sdk_vector_authenticates() {
    let vectors: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/sign/vectors.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let mut routed = 0;
    for v in vectors.as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let method: http::Method = v["method"].as_str().unwrap().parse().unwrap();
        let Ok(uri) = v["wire_uri"].as_str().unwrap().parse::<http::Uri>() else {
            continue;
        };
        if sparkrtc::dynamic::route(&method, uri.path()).is_none() {
            continue;
        }
        routed += 1;
        let at = sparkrtc::sign::SdkDate::parse(v["sdk_date"].as_str().unwrap()).unwrap();
        let build = |tamper: bool| {
            let mut request = Request::builder()
                .method(method.clone())
                .uri(uri.clone())
                .body(base64(v["body_b64"].as_str().unwrap()))
                .unwrap();
            for pair in v["signed_request_headers"].as_array().unwrap() {
                let (header, mut value) = (
                    pair[0].as_str().unwrap(),
                    pair[1].as_str().unwrap().to_owned(),
                );
                if tamper && header == "Authorization" {
                    let last = if value.ends_with('0') { "1" } else { "0" };
                    value = format!("{}{last}", &value[..value.len() - 1]);
                }
                request.headers_mut().append(
                    http::HeaderName::from_bytes(header.as_bytes()).unwrap(),
                    http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
                );
            }
            request
        };
        let project = build(false)
            .headers()
            .get("x-project-id")
            .map_or(DEFAULT_PROJECT_ID.to_owned(), |p| {
                String::from_utf8_lossy(p.as_bytes()).into_owned()
            });
        let clock = VirtualClock::new(at);
        let sim = Simulator::new(
            SimulatorConfig::default()
                .with_credentials([(v["ak"].as_str().unwrap(), v["sk"].as_str().unwrap())])
                .with_project_id(project)
                .with_clock(Arc::new(clock)),
        );
        let answer = sim.handle(&build(false));
        assert_ne!(
            answer.status(),
            StatusCode::UNAUTHORIZED,
            "{name}: {}",
            String::from_utf8_lossy(answer.body())
        );
        let tampered = sim.handle(&build(true));
        assert_eq!(tampered.status(), StatusCode::UNAUTHORIZED, "{name}");
    }
    assert_eq!(routed, 167);
}

// ---------------------------------------------------------- rate limits

#[test]
fn a_burst_over_the_documented_limit_is_throttled() {
    let s = setup();
    let app_id = create_app(&s.client, "burst");
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(MixParam::new("r", EncodeTemplate::AudioOnly)),
    );
    let job_id = s.client.call(&job).unwrap().body.job_id.unwrap();
    s.clock.advance(Duration::from_secs(5));
    let wall = s.clock.wall();

    // 11 in one second: the 11th is refused (10 per second).
    let statuses: Vec<u16> = (0..11)
        .map(|_| {
            s.sim
                .handle(&signed(&ShowMixJob::new(&app_id, &job_id), wall))
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(statuses, [[200; 10].as_slice(), &[429]].concat());
    let refused = s
        .sim
        .handle(&signed(&ShowMixJob::new(&app_id, &job_id), wall));
    assert_error(
        &refused,
        wall,
        429,
        "APIG.0308",
        "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second",
    );
    assert_eq!(s.sim.throttled_count(), 2);
    // Refusals do not count: a second later the window has room for 10.
    s.clock.advance(Duration::from_secs(1));
    let wall = s.clock.wall();
    let statuses: Vec<u16> = (0..11)
        .map(|_| {
            s.sim
                .handle(&signed(&ShowMixJob::new(&app_id, &job_id), wall))
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(statuses, [[200; 10].as_slice(), &[429]].concat());

    // Application management: 60 per minute (CreateApp was one).
    let statuses: Vec<u16> = (0..60)
        .map(|_| {
            s.sim
                .handle(&signed(&ListApps::new(), wall))
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(statuses, [[200; 59].as_slice(), &[429]].concat());
    assert_error(
        &s.sim.handle(&signed(&ListApps::new(), wall)),
        wall,
        429,
        "APIG.0308",
        "The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute",
    );
    // Another account has its own budget.
    let s2 = Simulator::new(
        SimulatorConfig::default()
            .with_credential("OTHER", "other-secret")
            .with_clock(s.sim.config().clock().clone()),
    );
    for _ in 0..60 {
        assert_eq!(
            s2.handle(&signed(&ListApps::new(), wall)).status(),
            StatusCode::OK
        );
    }
    let mut other = ListApps::new().build(&endpoint()).unwrap();
    sign(&mut other, "OTHER", "other-secret", wall);
    assert_eq!(s2.handle(&other).status(), StatusCode::OK);
}

#[test]
fn a_client_without_its_throttle_meets_the_simulators() {
    let s = setup();
    let app_id = create_app(&s.client, "burst");
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(MixParam::new("r", EncodeTemplate::AudioOnly)),
    );
    let job_id = s.client.call(&job).unwrap().body.job_id.unwrap();
    s.clock.advance(Duration::from_secs(5));

    let unthrottled = Client::builder(s.sim.clone())
        .endpoint(endpoint())
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .clock(Arc::new(s.clock.clone()))
        .throttle(
            ThrottleConfig::documented()
                .with_limit(
                    ThrottleCategory::MixStreamJobManagement,
                    RateLimit {
                        requests: 1000,
                        window: Duration::from_secs(1),
                    },
                )
                .unwrap(),
        )
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let results: Vec<_> = (0..11)
        .map(|_| unthrottled.call(&ShowMixJob::new(&app_id, &job_id)))
        .collect();
    assert!(results[..10].iter().all(Result::is_ok));
    assert_eq!(s.sim.throttled_count(), 1);
    let api = results[10].as_ref().unwrap_err().api().unwrap().clone();
    assert_eq!(
        (api.status, api.error_code.as_deref(), api.error_msg.as_deref()),
        (
            429,
            Some("APIG.0308"),
            Some("The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second")
        )
    );

    // The client with the documented throttle waits instead: 25 calls, no
    // refusal, and the virtual clock moved by the waits (a second on, the
    // simulator's window is free again).
    s.clock.advance(Duration::from_secs(1));
    let before = s.clock.now();
    for _ in 0..25 {
        s.client.call(&ShowMixJob::new(&app_id, &job_id)).unwrap();
    }
    assert_eq!(s.sim.throttled_count(), 1);
    assert_eq!(s.clock.now() - before, Duration::from_secs(2));
}

#[test]
fn rate_limits_can_be_switched_off() {
    let s = setup_with(SimulatorConfig::default().with_rate_limits(false));
    let wall = s.clock.wall();
    for _ in 0..100 {
        assert_eq!(
            s.sim.handle(&signed(&ListApps::new(), wall)).status(),
            StatusCode::OK
        );
    }
    assert_eq!(s.sim.throttled_count(), 0);
}

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

// ---------------------------------------------------------- determinism

/// A fixed scenario; returns the log and every body.
fn scenario(seed: u64) -> (Vec<sparkrtc::simulator::LoggedRequest>, Vec<Vec<u8>>) {
    let s = setup_with(SimulatorConfig::default().with_seed(seed));
    let wall = s.clock.wall();
    let send = |request: Request<Vec<u8>>| s.sim.handle(&request).into_body();
    let mut bodies = vec![send(signed(&CreateApp::new(AppReq::new("one")), wall))];
    let created: Value = serde_json::from_slice(&bodies[0]).unwrap();
    let app_id = created["app_id"].as_str().unwrap().to_owned();
    bodies.push(send(signed(&CreateApp::new(AppReq::new("two")), wall)));
    bodies.push(send(signed(&ListApps::new(), wall)));
    bodies.push(send(signed(&ShowApp::new(&app_id), wall)));
    bodies.push(send(signed(&ListRtcRoomList::new(&app_id), wall)));
    bodies.push(send(signed(&ListRtcRoomList::new("nope"), wall)));
    bodies.push(send(raw("GET", "/v2/nothing", "", wall)));
    (s.sim.request_log(), bodies)
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let (log_a, bodies_a) = scenario(42);
    let (log_b, bodies_b) = scenario(42);
    assert_eq!(log_a, log_b);
    assert_eq!(bodies_a, bodies_b);
    assert_eq!(log_a.len(), 7);
    // Request ids differ in every 16-digit half.
    let halves: std::collections::BTreeSet<&str> = log_a
        .iter()
        .flat_map(|r| [&r.request_id[..16], &r.request_id[16..]])
        .collect();
    assert_eq!(halves.len(), 14);
    let (log_c, bodies_c) = scenario(43);
    assert_ne!(log_a[0].request_id, log_c[0].request_id);
    assert_ne!(bodies_a[0], bodies_c[0]);
    // Same shape, other ids.
    assert_eq!(
        log_a.iter().map(|r| r.status).collect::<Vec<_>>(),
        log_c.iter().map(|r| r.status).collect::<Vec<_>>()
    );
}

// ------------------------------------------------------------- loopback

#[cfg(feature = "ureq")]
#[test]
fn over_loopback_http_with_ureq() {
    use sparkrtc::transport::UreqTransport;

    let clock = VirtualClock::new(start());
    let sim = Simulator::new(SimulatorConfig::default().with_clock(Arc::new(clock.clone())));
    let server = sim.serve("127.0.0.1:0").unwrap();
    assert!(server.url().starts_with("http://127.0.0.1:"));
    assert_ne!(server.addr().port(), 0);
    let client = Client::builder(UreqTransport::default())
        .endpoint(
            Endpoint::new(&server.url())
                .unwrap()
                .with_project_id(DEFAULT_PROJECT_ID)
                .unwrap(),
        )
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let app_id = client
        .call(&CreateApp::new(AppReq::new("over-http")))
        .unwrap()
        .body
        .app_id
        .unwrap();
    let list = client.call(&ListApps::new()).unwrap();
    assert!(is_request_id(list.request_id.as_deref().unwrap()));
    assert_eq!(list.body.count, Some(1));
    assert_eq!(list.body.apps[0].app_id.as_deref(), Some(app_id.as_str()));
    let missing = client.call(&ShowApp::new("nope"));
    assert_api(
        missing,
        404,
        "RTC.00001003",
        "InvalidParameterValue: app_id `nope` does not exist",
    );
    let log = sim.request_log();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].status, StatusCode::CREATED);
    assert!(log
        .iter()
        .all(|r| r.access_key.as_deref() == Some(DEFAULT_ACCESS_KEY)));
    let url = server.url();
    server.shutdown();
    // Nobody listens any more (a fresh client: a kept-alive connection would
    // wait for an answer that never comes).
    let fresh = Client::builder(UreqTransport::default())
        .endpoint(
            Endpoint::new(&url)
                .unwrap()
                .with_project_id(DEFAULT_PROJECT_ID)
                .unwrap(),
        )
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let error = fresh.call(&ListApps::new()).unwrap_err();
    assert!(error.api().is_none(), "{error}");
    assert_eq!(sim.request_log().len(), 3);
}
