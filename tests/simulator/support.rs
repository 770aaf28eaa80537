//! Helpers shared by the simulator tests.
#![allow(dead_code, unused_imports)]

pub(crate) use std::sync::Arc;
pub(crate) use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(crate) use http::{Request, Response, StatusCode};
pub(crate) use serde_json::{json, Value};
pub(crate) use sparkrtc::client::Client;
pub(crate) use sparkrtc::model::{
    AppCallbackUrlReq, AppReq, AppStatus, EncodeTemplate, IndividualStreamJobReq, JobState,
    LayoutTemplate, MixJobReq, MixLayoutPane, MixParam, Mp4RecordConfig, ObsListType, RecordFormat,
    RecordObsFileAddr, RecordParam, RecordRuleReq, RemoveUsersReq, RoomState, StopReason,
    UserState,
};
pub(crate) use sparkrtc::ops::{
    CreateApp, CreateIndividualStreamJob, CreateMixJob, CreateRecordRule, DeleteApp,
    DeleteRecordRule, ListApps, ListObsBucketObjects, ListRtcAbnormalEvents, ListRtcRealtimeScale,
    ListRtcRoomList, ListRtcUserList, RemoveRoom, RemoveUsers, ShowApp, ShowIndividualStreamJob,
    ShowMixJob, StartApp, StopApp, StopIndividualStreamJob, StopMixJob, UpdateRecordCallback,
};
pub(crate) use sparkrtc::retry::RetryPolicy;
pub(crate) use sparkrtc::simulator::{
    CallbackEventKind, Simulator, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_PROJECT_ID,
    DEFAULT_SECRET_KEY,
};
pub(crate) use sparkrtc::throttle::{RateLimit, ThrottleCategory, ThrottleConfig};
pub(crate) use sparkrtc::time::{Clock, VirtualClock};
pub(crate) use sparkrtc::{Credentials, Endpoint, Error, Operation, OperationId};

/// A whole answer from the simulator (no fault rules are set here).
pub(crate) trait Respond {
    fn respond(&self, request: &Request<Vec<u8>>) -> Response<Vec<u8>>;
}

impl Respond for Simulator {
    fn respond(&self, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        self.handle(request)
            .into_response()
            .expect("a whole answer")
    }
}

/// 2024-01-02T03:04:05Z.
pub(crate) const T0: u64 = 1_704_164_645;

pub(crate) fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0)
}

pub(crate) struct Setup {
    pub(crate) sim: Simulator,
    pub(crate) clock: VirtualClock,
    pub(crate) client: Client<Simulator>,
}

pub(crate) fn endpoint() -> Endpoint {
    Endpoint::new("http://sim.local")
        .unwrap()
        .with_project_id(DEFAULT_PROJECT_ID)
        .unwrap()
}

pub(crate) fn setup_with(config: SimulatorConfig) -> Setup {
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

pub(crate) fn setup() -> Setup {
    setup_with(SimulatorConfig::default())
}

/// A request of `op`, signed with the default credentials at `at`.
pub(crate) fn signed<O: Operation>(op: &O, at: SystemTime) -> Request<Vec<u8>> {
    let mut request = op.build(&endpoint()).unwrap();
    sign(&mut request, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, at);
    request
}

pub(crate) fn sign(request: &mut Request<Vec<u8>>, ak: &str, sk: &str, at: SystemTime) {
    sparkrtc::sign::sign(request, &Credentials::ak_sk(ak, sk).unwrap(), at).unwrap();
}

/// A raw request (any method, path and body), signed with the defaults.
pub(crate) fn raw(method: &str, path: &str, body: &str, at: SystemTime) -> Request<Vec<u8>> {
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

pub(crate) fn is_request_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks the headers every answer has; returns the body as JSON (`null`
/// when empty).
pub(crate) fn checked(response: &Response<Vec<u8>>, wall: SystemTime) -> Value {
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
pub(crate) fn assert_error(
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

pub(crate) fn api_error(result: Result<impl std::fmt::Debug, Error>) -> sparkrtc::ApiError {
    let error = result.unwrap_err();
    let api = error
        .api()
        .unwrap_or_else(|| panic!("not an API error: {error}"));
    assert!(is_request_id(api.request_id.as_deref().unwrap()));
    api.clone()
}

pub(crate) fn assert_api(
    result: Result<impl std::fmt::Debug, Error>,
    status: u16,
    code: &str,
    msg: &str,
) {
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

pub(crate) fn create_app<T: sparkrtc::transport::Transport>(
    client: &Client<T>,
    name: &str,
) -> String {
    client
        .call(&CreateApp::new(AppReq::new(name)))
        .unwrap()
        .body
        .app_id
        .unwrap()
}

pub(crate) fn rule_req(bucket: &str, location: &str) -> RecordRuleReq {
    RecordRuleReq::new(
        RecordObsFileAddr::new(location, "obs-project", bucket).object("rec/"),
        vec![RecordFormat::Mp4],
    )
    .mp4_config(Mp4RecordConfig::new(3600u32))
}

pub(crate) fn create_rule<T: sparkrtc::transport::Transport>(
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

pub(crate) fn iso(t: SystemTime) -> String {
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
