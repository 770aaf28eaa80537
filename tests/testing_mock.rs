//! The mock transport (`sparkrtc::testing`, feature `test-util`) on the
//! cases applications test: retries of 503s, a timeout after a job-creating
//! POST, a list over several pages, unmatched requests, rule modes and
//! sequences, capture and request assertions, many threads.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // files, threads, clocks

use std::error::Error as _;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;
use sparkrtc::client::Client;
use sparkrtc::model::{
    App, AppCallbackUrlReq, EncodeTemplate, JobState, MixJob, MixJobReq, MixParam,
};
use sparkrtc::ops::{CreateMixJob, ListApps, ShowMixJob, UpdateRecordCallback};
use sparkrtc::retry::RetryPolicy;
use sparkrtc::testing::{
    assert_requests_match, Answer, MockTransport, RequestMatcher, RuleMode, Unmatched,
};
use sparkrtc::time::{Clock, VirtualClock};
use sparkrtc::transport::{Transport, TransportErrorKind};
use sparkrtc::{Credentials, Endpoint, Error, Operation, OperationId};

const AK: &str = "MOCKACCESSKEY0001";
const SK: &str = "mock-secret-key-do-not-leak";

fn clock() -> VirtualClock {
    VirtualClock::unattended(UNIX_EPOCH + Duration::from_secs(1_704_164_645))
}

fn client_with(mock: &MockTransport, clock: &VirtualClock) -> Client<MockTransport> {
    Client::builder(mock.clone())
        .credentials(Credentials::ak_sk(AK, SK).unwrap())
        .clock(Arc::new(clock.clone()))
        .seed(7)
        .build()
        .unwrap()
}

fn client(mock: &MockTransport) -> Client<MockTransport> {
    client_with(mock, &clock())
}

fn create_job(room: &str) -> CreateMixJob {
    CreateMixJob::new(
        "app-1",
        MixJobReq::new(MixParam::new(room, EncodeTemplate::AudioOnly)),
    )
}

fn job(id: &str, state: JobState) -> MixJob {
    let mut job = MixJob::default();
    job.job_id = Some(id.into());
    job.state = Some(state);
    job
}

/// The `Unmatched` behind a client error.
fn unmatched(error: &Error) -> &Unmatched {
    let Error::Transport(e) = error else {
        panic!("not a transport error: {error:?}");
    };
    assert_eq!(e.kind(), TransportErrorKind::NotSent);
    e.source()
        .and_then(|s| s.downcast_ref::<Unmatched>())
        .expect("the source is an Unmatched")
}

#[test]
fn a_503_three_times_then_success_is_retried_and_keeps_the_answers_request_id() {
    let mock = MockTransport::new();
    let rule = mock
        .on::<CreateMixJob>()
        .then(Answer::api_error(503).code("RTC.00002001").message("busy"))
        .times(3)
        .then(Answer::output(&job("job-1", JobState::Init)).request_id("req-ok"))
        .build();
    let clock = clock();
    let client = client_with(&mock, &clock);

    let out = client.call(&create_job("room-1")).unwrap();
    assert_eq!(out.job_id().unwrap(), "job-1");
    assert_eq!(out.state, Some(JobState::Init));
    assert_eq!(out.request_id.as_deref(), Some("req-ok"));
    assert_eq!(rule.calls(), 4);
    assert!(
        clock.now() > Duration::ZERO,
        "the retries waited (virtual time)"
    );

    // Four attempts, each the same operation and parameters, each signed.
    let seen = mock.requests();
    assert_eq!(seen.len(), 4);
    for request in &seen {
        assert_eq!(request.operation(), Some(OperationId::CreateMixJob));
        assert_eq!(request.typed::<CreateMixJob>(), Some(create_job("room-1")));
        assert_eq!(request.rule(), Some(0));
        assert!(request.request().headers().contains_key("authorization"));
    }
    assert_eq!(
        seen[0].params(),
        Some(
            &json!({"app_id": "app-1", "body": {"mix_param": {"room_id": "room-1", "encode_template": "audio_only"}}})
        )
    );
    // The rule is used up: it no longer matches.
    let e = client.call(&create_job("room-1")).unwrap_err();
    assert!(
        unmatched(&e).rules[0].ends_with("4 answered, used up"),
        "{e}"
    );
}

#[test]
fn when_the_503s_outlast_the_retries_the_last_answers_code_and_request_id_are_kept() {
    let mock = MockTransport::new();
    let rule = mock
        .on::<ShowMixJob>()
        .then(Answer::api_error(503).code("RTC.00002001"))
        .repeatedly()
        .build();
    let e = client(&mock)
        .call(&ShowMixJob::new("app-1", "job-1"))
        .unwrap_err();
    assert_eq!(rule.calls(), 4, "the default policy's four attempts");
    let api = e.api().expect("the last answer");
    assert_eq!(api.status, 503);
    assert_eq!(api.error_code.as_deref(), Some("RTC.00002001"));
    assert_eq!(api.error_msg.as_deref(), Some("Service Unavailable"));
    // Answers are numbered from 1 in the order given: the fourth is mock-4.
    assert_eq!(e.request_id(), Some("mock-4"));
}

#[test]
fn a_timeout_after_sending_a_job_creating_post_is_not_repeated() {
    let mock = MockTransport::new();
    let rule = mock
        .on::<CreateMixJob>()
        .then(Answer::timeout())
        .then(Answer::output(&job("job-2", JobState::Init)))
        .build();
    let e = client(&mock).call(&create_job("room-1")).unwrap_err();
    let Error::Transport(t) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Timeout);
    assert!(t.may_have_reached_server());
    assert_eq!(
        rule.calls(),
        1,
        "never sent twice: it may have created a job"
    );
    assert_eq!(mock.requests().len(), 1);

    // The same failure on a read is retried, and the read succeeds.
    let read = mock
        .on::<ShowMixJob>()
        .then(Answer::failed_after_send())
        .then(Answer::output(&job("job-2", JobState::Running)))
        .build();
    let out = client(&mock)
        .call(&ShowMixJob::new("app-1", "job-2"))
        .unwrap();
    assert_eq!(out.state, Some(JobState::Running));
    assert_eq!(read.calls(), 2);
}

#[test]
fn a_connection_refused_is_retried_even_for_a_job_creating_post() {
    let mock = MockTransport::new();
    let rule = mock
        .on::<CreateMixJob>()
        .then(Answer::not_sent())
        .times(2)
        .then(Answer::output(&job("job-3", JobState::Init)))
        .build();
    let out = client(&mock).call(&create_job("room-1")).unwrap();
    assert_eq!(out.job_id().unwrap(), "job-3");
    assert_eq!(rule.calls(), 3);
    // A creating POST answers 201 by default.
    let response = mock
        .on::<CreateMixJob>()
        .then(Answer::output(&job("job-4", JobState::Init)))
        .build();
    let raw = mock
        .send(create_job("room-1").build(&Endpoint::default()).unwrap())
        .unwrap();
    assert_eq!(raw.status(), 201);
    assert_eq!(raw.headers()["x-request-id"], "mock-4");
    assert_eq!(response.calls(), 1);
}

fn app(id: &str) -> App {
    let mut app = App::default();
    app.app_id = Some(id.into());
    app
}

#[test]
fn a_list_is_read_over_several_mocked_pages() {
    let mock = MockTransport::new();
    let page = |offset: u32, ids: &[&str]| {
        let apps: Vec<App> = ids.iter().map(|id| app(id)).collect();
        let rule = mock
            .on::<ListApps>()
            .match_requests(move |op| op.offset.unwrap_or(0) == offset && op.limit == Some(2))
            .then(Answer::output(&json!({"count": 5, "apps": apps})));
        rule.build()
    };
    let pages = [page(0, &["a", "b"]), page(1, &["c", "d"]), page(2, &["e"])];

    let client = client(&mock);
    let ids: Vec<String> = client
        .items(ListApps::new().limit(2))
        .map(|app| app.unwrap().app_id.unwrap())
        .collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    assert_eq!(
        pages.iter().map(|p| p.calls()).collect::<Vec<_>>(),
        [1, 1, 1]
    );
    let offsets: Vec<Option<u32>> = mock
        .requests()
        .iter()
        .map(|r| r.typed::<ListApps>().unwrap().offset)
        .collect();
    assert_eq!(offsets, [None, Some(1), Some(2)]);
}

#[test]
fn an_unmatched_request_is_a_typed_error_naming_the_operation_and_the_rules() {
    let mock = MockTransport::new();
    let _rule = mock
        .on::<ShowMixJob>()
        .match_requests(|op| op.job_id == "job-1")
        .then(Answer::output(&job("job-1", JobState::Running)))
        .build();
    let client = Client::builder(mock.clone())
        .credentials(Credentials::ak_sk(AK, SK).unwrap())
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let e = client.call(&ShowMixJob::new("app-1", "job-9")).unwrap_err();
    let miss = unmatched(&e);
    assert_eq!(miss.operation, Some(OperationId::ShowMixJob));
    assert_eq!(miss.method, http::Method::GET);
    assert_eq!(miss.path, "/v2/apps/app-1/mix-stream-jobs/job-9");
    assert_eq!(
        miss.rules,
        ["#1 ShowMixJob (with a predicate): output; 0 answered"]
    );
    assert_eq!(
        e.to_string(),
        "transport: not sent: no mock rule answers GET /v2/apps/app-1/mix-stream-jobs/job-9 (ShowMixJob); \
         rules: #1 ShowMixJob (with a predicate): output; 0 answered"
    );
    assert_eq!(mock.unmatched().len(), 1);
    assert_eq!(mock.unmatched()[0].rule(), None);

    // No rules at all; a path of no operation.
    let empty = MockTransport::new();
    let request = http::Request::get("https://h/nowhere")
        .body(Vec::new())
        .unwrap();
    let e = empty.send(request).unwrap_err();
    assert_eq!(
        e.to_string(),
        "transport: not sent: no mock rule answers GET /nowhere (no known operation); there are no rules"
    );
}

#[test]
fn sequential_rules_answer_in_order_and_a_request_out_of_order_is_unmatched() {
    let mock = MockTransport::with_mode(RuleMode::Sequential);
    let _create = mock
        .on::<CreateMixJob>()
        .then(Answer::output(&job("job-1", JobState::Init)))
        .build();
    let _show = mock
        .on::<ShowMixJob>()
        .then(Answer::output(&job("job-1", JobState::Init)))
        .then(Answer::output(&job("job-1", JobState::Running)))
        .build();
    let client = Client::builder(mock.clone())
        .credentials(Credentials::ak_sk(AK, SK).unwrap())
        .retry(RetryPolicy::never())
        .build()
        .unwrap();

    // ShowMixJob first: the next rule in sequence is CreateMixJob's.
    let e = client.call(&ShowMixJob::new("app-1", "job-1")).unwrap_err();
    assert_eq!(unmatched(&e).mode, RuleMode::Sequential);
    assert!(
        e.to_string()
            .contains("(ShowMixJob) as the next rule in sequence"),
        "{e}"
    );

    assert_eq!(
        client.call(&create_job("r")).unwrap().job_id().unwrap(),
        "job-1"
    );
    let states: Vec<_> = (0..2)
        .map(|_| {
            client
                .call(&ShowMixJob::new("app-1", "job-1"))
                .unwrap()
                .state
                .clone()
        })
        .collect();
    assert_eq!(states, [Some(JobState::Init), Some(JobState::Running)]);
    assert!(client.call(&ShowMixJob::new("app-1", "job-1")).is_err());
}

#[test]
fn match_any_takes_the_first_rule_that_matches_and_has_answers_left() {
    let mock = MockTransport::new();
    let first = mock
        .on::<ShowMixJob>()
        .then(Answer::output(&job("first", JobState::Init)))
        .times(2)
        .build();
    let fallback = mock
        .on_any()
        .then(Answer::api_error(404).code("RTC.00001003"))
        .repeatedly()
        .build();
    let none = mock.on::<ShowMixJob>().build(); // no answers: never matches
    let client = client(&mock);
    let show = ShowMixJob::new("a", "j");
    assert_eq!(client.call(&show).unwrap().job_id().unwrap(), "first");
    assert_eq!(client.call(&show).unwrap().job_id().unwrap(), "first");
    assert!(client.call(&show).unwrap_err().is_not_found());
    assert!(client.call(&create_job("r")).unwrap_err().is_not_found());
    assert_eq!((first.calls(), fallback.calls(), none.calls()), (2, 2, 0));
    assert_eq!(
        mock.rules(),
        [
            "#1 ShowMixJob: output x2; 2 answered, used up",
            "#2 any operation: error 404 RTC.00001003 repeatedly; 2 answered",
            "#3 ShowMixJob: ; 0 answered, used up",
        ]
    );
}

#[test]
fn rules_by_operation_id_match_on_parameters_and_answer_json_calls() {
    let mock = MockTransport::new();
    let rule = mock
        .on_operation(OperationId::ListApps)
        .match_params(|p| p["state"] == "ACTIVATION")
        .then(Answer::output(&json!({"count": 1, "apps": [{"app_id": "a-1"}]})).status(200))
        .build();
    let client = client(&mock);
    let out = client
        .call_json("ListApps", &json!({"state": "ACTIVATION"}))
        .unwrap();
    assert_eq!(out["apps"][0]["app_id"], "a-1");
    assert_eq!(out["X-Request-Id"], "mock-1");
    assert_eq!(rule.calls(), 1);
    // Another state does not match the predicate.
    let client = Client::builder(mock.clone())
        .credentials(Credentials::ak_sk(AK, SK).unwrap())
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    assert!(client
        .call_json("ListApps", &json!({"state": "DEACTIVATION"}))
        .is_err());
}

#[test]
fn raw_responses_and_headers_are_sent_as_given() {
    let mock = MockTransport::new();
    let response = http::Response::builder()
        .status(429)
        .header("retry-after", "2")
        .header("x-request-id", "raw-1")
        .body(br#"{"error_code":"APIG.0308","error_msg":"throttled"}"#.to_vec())
        .unwrap();
    let _rule = mock
        .on::<ShowMixJob>()
        .then(Answer::http_response(response))
        .then(
            Answer::output(&job("j", JobState::Running))
                .header("x-extra", "1")
                .request_id("r-2"),
        )
        .build();
    let clock = clock();
    let client = client_with(&mock, &clock);
    let out = client.call(&ShowMixJob::new("a", "j")).unwrap();
    assert_eq!(out.request_id.as_deref(), Some("r-2"));
    assert!(
        clock.now() >= Duration::from_secs(2),
        "Retry-After was honoured"
    );

    let raw = mock.send(
        ShowMixJob::new("a", "j")
            .build(&Endpoint::default())
            .unwrap(),
    );
    assert!(raw.is_err(), "both answers given");
}

#[test]
fn invalid_answers_fail_the_request_instead_of_panicking() {
    let mock = MockTransport::new();
    let bad_header = mock
        .on::<ShowMixJob>()
        .then(Answer::output(&json!({})).header("bad name", "v"))
        .then(Answer::api_error(1000))
        .then(Answer::output(&json!({})).request_id("line\nbreak"))
        .build();
    let mut map = std::collections::HashMap::new();
    map.insert(vec![1u8], 1); // a map with non-string keys: not JSON
    let _unserializable = mock.on::<ListApps>().then(Answer::output(&map)).build();
    let send = |op: &dyn Fn() -> http::Request<Vec<u8>>| mock.send(op()).unwrap_err().to_string();
    let show = || {
        ShowMixJob::new("a", "j")
            .build(&Endpoint::default())
            .unwrap()
    };
    assert_eq!(
        send(&show),
        "transport: not sent: a mock rule's header name `bad name` is invalid"
    );
    assert_eq!(
        send(&show),
        "transport: not sent: a mock rule's status 1000 is not an HTTP status"
    );
    assert_eq!(
        send(&show),
        "transport: not sent: a mock rule's request id is not a valid header value"
    );
    let list = || ListApps::new().build(&Endpoint::default()).unwrap();
    assert!(send(&list).starts_with("transport: not sent: the mock's output does not serialize"));
    assert_eq!(bad_header.calls(), 3);
}

#[test]
fn requests_match_ignoring_the_signing_headers_unless_asked() {
    let mock = MockTransport::new();
    let _rule = mock
        .on_any()
        .then(Answer::output(&json!({})))
        .repeatedly()
        .build();
    let client = client(&mock);
    client
        .call(&ListApps::new().limit(10).state("ACTIVATION"))
        .unwrap();
    client.call(&ShowMixJob::new("a", "j")).unwrap();
    let endpoint = client.endpoint().clone();
    let expected = [
        ListApps::new()
            .state("ACTIVATION")
            .limit(10)
            .build(&endpoint)
            .unwrap(),
        ShowMixJob::new("a", "j").build(&endpoint).unwrap(),
    ];
    mock.assert_requests_match(&expected);
    let sent: Vec<_> = mock.requests().iter().map(|r| r.to_request()).collect();
    assert_requests_match(&sent, &expected);

    let strict = RequestMatcher::default().compare_header("x-sdk-date");
    assert_eq!(
        strict.all_match(&sent, &expected).unwrap_err(),
        "request 1 (GET /v2/apps): header `x-sdk-date` differs: 1 value(s) sent, 0 expected"
    );
    let other = [ListApps::new().limit(20).build(&endpoint).unwrap()];
    assert_eq!(
        RequestMatcher::default().all_match(&sent, &other).unwrap_err(),
        "request 1 (GET /v2/apps): query differs: `limit=10&state=ACTIVATION` sent, `limit=20` expected"
    );
    assert_eq!(
        RequestMatcher::default().all_match(&sent[..1], &expected[..1]),
        Ok(())
    );
    assert_eq!(
        RequestMatcher::default()
            .all_match(&sent, &expected[..1])
            .unwrap_err(),
        "2 request(s) sent, 1 expected"
    );
    let ignoring = RequestMatcher::default().ignore_header("user-agent");
    let mut renamed = expected[1].clone();
    renamed
        .headers_mut()
        .insert("user-agent", "other".parse().unwrap());
    assert_eq!(ignoring.compare(&sent[1], &renamed), Ok(()));
    assert!(RequestMatcher::default()
        .compare(&sent[1], &renamed)
        .is_err());
}

#[test]
#[should_panic(expected = "request 2 (GET /v2/apps/a/mix-stream-jobs/j): path differs")]
fn assert_requests_match_panics_naming_the_difference() {
    let mock = MockTransport::new();
    let _rule = mock
        .on_any()
        .then(Answer::output(&json!({})))
        .repeatedly()
        .build();
    let client = client(&mock);
    client.call(&ListApps::new()).unwrap();
    client.call(&ShowMixJob::new("a", "j")).unwrap();
    let endpoint = client.endpoint().clone();
    mock.assert_requests_match(&[
        ListApps::new().build(&endpoint).unwrap(),
        ShowMixJob::new("a", "k").build(&endpoint).unwrap(),
    ]);
}

#[test]
fn captured_requests_do_not_show_secrets() {
    let mock = MockTransport::new();
    let _rule = mock.on_any().then(Answer::output(&json!({}))).build();
    let client = Client::builder(mock.clone())
        .credentials(
            Credentials::ak_sk(AK, SK)
                .unwrap()
                .with_security_token("mock-security-token-0001")
                .unwrap(),
        )
        .build()
        .unwrap();
    let callback = AppCallbackUrlReq::new("https://example.com/cb")
        .auth_key("cb-auth-key-0123456789abcdefghijklmnop");
    client
        .call(&UpdateRecordCallback::new("a", callback))
        .unwrap();
    let captured = &mock.requests()[0];
    let shown = format!("{captured:?} {mock:?}");
    for secret in [
        SK,
        "mock-security-token-0001",
        "cb-auth-key-0123456789abcdefghijklmnop",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    let signature = captured.request().headers()["authorization"]
        .to_str()
        .unwrap()
        .rsplit("Signature=")
        .next()
        .unwrap()
        .to_owned();
    assert!(!shown.contains(&signature));
    // The parameters, read back, still hold the key: it is the test's own.
    assert_eq!(
        captured.params().unwrap()["body"]["auth_key"],
        "cb-auth-key-0123456789abcdefghijklmnop"
    );
}

#[test]
fn one_mock_serves_a_client_shared_by_many_threads() {
    let mock = MockTransport::new();
    let rule = mock
        .on::<ShowMixJob>()
        .then(Answer::output(&job("j", JobState::Running)))
        .repeatedly()
        .build();
    let client = Arc::new(client(&mock));
    std::thread::scope(|s| {
        for t in 0..8 {
            let client = Arc::clone(&client);
            s.spawn(move || {
                for i in 0..5 {
                    let out = client
                        .call(&ShowMixJob::new("a", format!("{t}-{i}")))
                        .unwrap();
                    assert_eq!(out.state, Some(JobState::Running));
                }
            });
        }
    });
    assert_eq!(rule.calls(), 40);
    let mut ids: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| r.typed::<ShowMixJob>().unwrap().job_id)
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "every request captured once");
    mock.clear_requests();
    assert!(mock.requests().is_empty());
}

#[test]
fn a_request_the_service_would_refuse_is_captured_with_why() {
    let mock = MockTransport::new();
    let typed = mock
        .on::<ListApps>()
        .match_requests(|_| true)
        .then(Answer::output(&json!({})))
        .build();
    let any = mock
        .on::<ListApps>()
        .then(Answer::output(&json!({})))
        .build();
    // limit=500 is out of the documented range: decodes as ListApps, with an error.
    let request = sparkrtc::Unchecked(ListApps::new().limit(500))
        .build(&Endpoint::default())
        .unwrap();
    mock.send(request).unwrap();
    let captured = &mock.requests()[0];
    assert_eq!(captured.operation(), Some(OperationId::ListApps));
    assert_eq!(captured.params(), None);
    assert!(captured.params_error().is_some());
    assert_eq!(captured.typed::<ListApps>(), None);
    assert_eq!(
        (typed.calls(), any.calls()),
        (0, 1),
        "the typed predicate cannot match it"
    );
}

#[test]
fn answers_are_reusable_values() {
    // Answer is Clone and Debug; builders say what they hold.
    let answer = Answer::api_error(500).code("RTC.00002001");
    let again = answer.clone();
    assert_eq!(format!("{answer:?}"), format!("{again:?}"));
    let mock = MockTransport::default();
    let builder = mock.on::<ShowMixJob>().then(answer).then(again).times(2);
    assert_eq!(
        format!("{builder:?}"),
        "RuleBuilder { operation: Some(ShowMixJob), predicates: 0, steps: 2 }"
    );
    let rule = builder.build();
    let e = client(&mock).call(&ShowMixJob::new("a", "j")).unwrap_err();
    // Three 500s, retried; the fourth attempt finds the rule used up.
    assert!(
        unmatched(&e).rules[0].ends_with("3 answered, used up"),
        "{e}"
    );
    assert_eq!(rule.calls(), 3);
}
