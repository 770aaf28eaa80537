//! The error classification (`Error::is_not_found`, `is_invalid_parameter`,
//! ...) on what the simulator answers, through the client: each documented
//! case is classified as what it is and as nothing else.
#![cfg(feature = "simulator")]
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use crate::support;

use sparkrtc::model::{UpdateIndividualJobReq, UpdateMixJobReq, UpdateMixParam};
use sparkrtc::ops::{ShowRecordRule, UpdateIndividualStreamJob, UpdateMixJob, UpdateRecordRule};
use sparkrtc::simulator::{FaultEffect, FaultRule};
use sparkrtc::transport::Transport;
use support::*;

/// A classification, by name.
type Check = (&'static str, fn(&Error) -> bool);

/// The names of the classifications that hold for an error.
fn classes(e: &Error) -> Vec<&'static str> {
    let all: [Check; 15] = [
        ("not_found", Error::is_not_found),
        ("unknown_api", Error::is_unknown_api),
        ("invalid_parameter", Error::is_invalid_parameter),
        ("missing_parameter", Error::is_missing_parameter),
        ("throttled", Error::is_throttled),
        ("quota_exhausted", Error::is_quota_exhausted),
        ("auth", Error::is_auth),
        ("forbidden", Error::is_forbidden),
        ("job_done", Error::is_job_done),
        ("app_disabled", Error::is_app_disabled),
        ("already_exists", Error::is_already_exists),
        ("limit_exceeded", Error::is_limit_exceeded),
        ("server_error", Error::is_server_error),
        ("retryable", Error::is_retryable),
        ("ambiguous", Error::is_ambiguous),
    ];
    all.iter().filter(|(_, f)| f(e)).map(|(n, _)| *n).collect()
}

fn classes_of<T: std::fmt::Debug>(result: Result<T, Error>) -> Vec<&'static str> {
    classes(&result.unwrap_err())
}

/// The error of a raw request the client would not send as it is.
fn raw_error(sim: &Simulator, request: Request<Vec<u8>>) -> Error {
    let response = sim.send(request).unwrap();
    let (parts, body) = response.into_parts();
    ShowApp::parse(parts.status, &parts.headers, &body).unwrap_err()
}

fn mix_job(client: &Client<Simulator>, app_id: &str) -> String {
    let job = MixJobReq::new(MixParam::new("room-1", EncodeTemplate::AudioOnly));
    client
        .call(&CreateMixJob::new(app_id, job))
        .unwrap()
        .body
        .job_id
        .unwrap()
}

#[test]
fn a_missing_resource_is_not_found_and_not_a_bad_parameter() {
    let s = setup();
    let app_id = create_app(&s.client, "classes");
    let rule_id = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    let job = MixJobReq::new(MixParam::new("room-1", EncodeTemplate::AudioOnly))
        .record_param(RecordParam::new(&rule_id));
    let job_id = s
        .client
        .call(&CreateMixJob::new(&app_id, job))
        .unwrap()
        .body
        .job_id
        .unwrap();
    let cases = [
        classes_of(s.client.call(&ShowApp::new("no-such-app"))),
        classes_of(s.client.call(&StopApp::new("no-such-app"))),
        classes_of(s.client.call(&ShowRecordRule::new(&app_id, "no-such-rule"))),
        classes_of(s.client.call(&ShowMixJob::new(&app_id, "no-such-job"))),
        classes_of(s.client.call(&ShowMixJob::new("no-such-app", &job_id))),
        // A mixed-stream job asked for as a single-stream one.
        classes_of(
            s.client
                .call(&ShowIndividualStreamJob::new(&app_id, &job_id)),
        ),
        classes_of(
            s.client
                .call(&StopIndividualStreamJob::new(&app_id, &job_id)),
        ),
    ];
    for found in cases {
        assert_eq!(found, ["not_found"]);
    }
    // The same code with 400: a bad parameter (a rule in use).
    let in_use = s.client.call(&DeleteRecordRule::new(&app_id, &rule_id));
    let e = in_use.unwrap_err();
    assert_eq!(e.api().unwrap().error_code.as_deref(), Some("RTC.00001003"));
    assert_eq!(classes(&e), ["invalid_parameter"]);
    let e = s
        .client
        .call(&CreateMixJob::new(
            &app_id,
            MixJobReq::new(MixParam::new("room-2", EncodeTemplate::AudioOnly))
                .record_param(RecordParam::new("no-such-rule")),
        ))
        .unwrap_err();
    assert_eq!(classes(&e), ["invalid_parameter"]);
}

#[test]
fn job_and_application_states() {
    let s = setup();
    let app_id = create_app(&s.client, "classes");
    let job_id = mix_job(&s.client, &app_id);
    s.client.call(&StopMixJob::new(&app_id, &job_id)).unwrap();
    assert_eq!(
        classes_of(s.client.call(&StopMixJob::new(&app_id, &job_id))),
        ["job_done"]
    );
    let layout = UpdateMixJobReq::new(UpdateMixParam::new().max_idle_time(8u32));
    assert_eq!(
        classes_of(s.client.call(&UpdateMixJob::new(&app_id, &job_id, layout))),
        ["job_done"]
    );

    let req = IndividualStreamJobReq::new("room-1", "alice");
    let single = s
        .client
        .call(&CreateIndividualStreamJob::new(&app_id, req))
        .unwrap()
        .body
        .job_id
        .unwrap();
    s.client.call(&StopApp::new(&app_id)).unwrap();
    let job = MixJobReq::new(MixParam::new("room-1", EncodeTemplate::AudioOnly));
    assert_eq!(
        classes_of(s.client.call(&CreateMixJob::new(&app_id, job))),
        ["app_disabled"]
    );
    // Disabling the application stopped its jobs.
    assert_eq!(
        classes_of(s.client.call(&UpdateIndividualStreamJob::new(
            &app_id,
            &single,
            UpdateIndividualJobReq::new()
        ))),
        ["job_done"]
    );
}

#[test]
fn what_exists_already_and_count_limits() {
    let s = setup_with(SimulatorConfig::default().with_max_apps(2));
    let app_id = create_app(&s.client, "classes");
    assert_eq!(
        classes_of(s.client.call(&CreateApp::new(AppReq::new("classes")))),
        ["already_exists"]
    );
    let first = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    let second = create_rule(&s.client, &app_id, "sparkrtc-east", "cn-east-3");
    assert_ne!(first, second);
    // Moving the second rule to the first one's location (region).
    assert_eq!(
        classes_of(s.client.call(&UpdateRecordRule::new(
            &app_id,
            &second,
            rule_req("sparkrtc-record", "cn-north-4")
        ))),
        ["already_exists"]
    );
    create_app(&s.client, "second");
    assert_eq!(
        classes_of(s.client.call(&CreateApp::new(AppReq::new("third")))),
        ["limit_exceeded"]
    );
}

#[test]
fn parameters_refused_by_the_client_and_by_the_service() {
    let s = setup();
    let app_id = create_app(&s.client, "classes");
    // Before sending: the client's own checks.
    assert_eq!(
        classes_of(s.client.call(&ShowMixJob::new(&app_id, ""))),
        ["missing_parameter"]
    );
    let idle = IndividualStreamJobReq::new("room-1", "alice").max_idle_time(3u32);
    assert_eq!(
        classes_of(
            s.client
                .call(&CreateIndividualStreamJob::new(&app_id, idle))
        ),
        ["invalid_parameter"]
    );
    assert_eq!(
        classes_of(s.client.call_json("ShowMixJob", &json!({"app_id": app_id}))),
        ["missing_parameter"]
    );
    // The service's answers to what the client would not send.
    let at = s.clock.wall();
    let path = format!("/v2/apps/{app_id}/mix-stream-jobs");
    let e = raw_error(
        &s.sim,
        raw("POST", &path, r#"{"mix_param":{"room_id":"r"}}"#, at),
    );
    assert_eq!(e.api().unwrap().error_code.as_deref(), Some("RTC.00001005"));
    assert_eq!(classes(&e), ["missing_parameter"]);
    let e = raw_error(&s.sim, raw("POST", &path, "{not json", at));
    assert_eq!(e.api().unwrap().error_code.as_deref(), Some("RTC.00001002"));
    assert_eq!(classes(&e), ["invalid_parameter"]);
    let e = raw_error(&s.sim, raw("GET", "/v2/no-such-api", "", at));
    assert_eq!(e.api().unwrap().error_code.as_deref(), Some("APIGW.0101"));
    assert_eq!(classes(&e), ["unknown_api"]);
}

#[test]
fn credentials_refused_and_projects_forbidden() {
    let s = setup();
    let wrong_sk = Client::builder(s.sim.clone())
        .endpoint(endpoint())
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, "not-the-secret-key").unwrap())
        .clock(Arc::new(s.clock.clone()))
        .build()
        .unwrap();
    assert_eq!(classes_of(wrong_sk.call(&ListApps::new())), ["auth"]);
    let other_project = Client::builder(s.sim.clone())
        .endpoint(
            Endpoint::new("http://sim.local")
                .unwrap()
                .with_project_id("ffffffffffffffffffffffffffffffff")
                .unwrap(),
        )
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .clock(Arc::new(s.clock.clone()))
        .build()
        .unwrap();
    assert_eq!(
        classes_of(other_project.call(&ListApps::new())),
        ["forbidden"]
    );
    assert_eq!(
        classes(&Credentials::ak_sk("", "sk").unwrap_err()),
        ["auth"]
    );
}

#[test]
fn throttling_quotas_and_server_errors() {
    let s = setup();
    let client = Client::builder(s.sim.clone())
        .endpoint(endpoint())
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .clock(Arc::new(s.clock.clone()))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let once = |effect: FaultEffect| {
        s.sim
            .faults()
            .add(
                FaultRule::new(effect)
                    .operation(OperationId::ListApps)
                    .times(1),
            )
            .unwrap();
        classes_of(client.call(&ListApps::new()))
    };
    assert_eq!(
        once(FaultEffect::error(429).code("APIG.0308").message(
            "The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute"
        )),
        ["throttled", "retryable"]
    );
    assert_eq!(
        once(FaultEffect::error(429).code("APIG.0308").message(
            "The throttling threshold has been reached: policy user over ratelimit,limit:1000,time:1 day"
        )),
        ["quota_exhausted"]
    );
    assert_eq!(
        once(
            FaultEffect::error(500)
                .code("RTC.00002001")
                .message("InternalError")
        ),
        ["server_error", "retryable"]
    );
    assert_eq!(once(FaultEffect::error(503)), ["server_error", "retryable"]);
    assert_eq!(
        once(FaultEffect::error(504)),
        ["server_error", "retryable", "ambiguous"]
    );
    assert_eq!(once(FaultEffect::error(501)), ["server_error"]);
}
