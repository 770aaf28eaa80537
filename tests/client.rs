//! The client's loop in virtual time, over closure transports: throttle
//! waits, retries, deadlines, the JSON entry point, paging over servers that
//! misbehave.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // a test may read clocks

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use http::{Request, Response};
use serde_json::{json, Value};
use sparkrtc::client::Client;
use sparkrtc::ops::{ListApps, ListRecordRules, ListRtcUserList, ShowMixJob};
use sparkrtc::pages::MAX_PAGES;
use sparkrtc::retry::RetryPolicy;
use sparkrtc::time::{Clock, VirtualClock};
use sparkrtc::transport::{Transport, TransportError};
use sparkrtc::{Credentials, Endpoint, Error};

type Answer = Result<Response<Vec<u8>>, TransportError>;

/// A transport that records what it was sent (with the virtual time) and
/// answers with `reply`.
struct Fake<F> {
    clock: VirtualClock,
    sent: Mutex<Vec<(Duration, Request<Vec<u8>>)>>,
    reply: F,
}

impl<F: Fn(usize, &Request<Vec<u8>>) -> Answer> Transport for Fake<F> {
    fn send(&self, request: Request<Vec<u8>>) -> Answer {
        let mut sent = self.sent.lock().unwrap();
        let answer = (self.reply)(sent.len(), &request);
        sent.push((self.clock.now(), request));
        answer
    }
}

fn json_response(status: u16, body: Value) -> Answer {
    Ok(Response::builder()
        .status(status)
        .header("x-request-id", format!("rid-{status}"))
        .body(body.to_string().into_bytes())
        .unwrap())
}

fn client<F: Fn(usize, &Request<Vec<u8>>) -> Answer>(reply: F) -> (Client<Fake<F>>, VirtualClock) {
    let clock = VirtualClock::new(UNIX_EPOCH + Duration::from_secs(1_704_164_645));
    let fake = Fake {
        clock: clock.clone(),
        sent: Mutex::new(Vec::new()),
        reply,
    };
    let client = Client::builder(fake)
        .endpoint(Endpoint::default().with_project_id("proj").unwrap())
        .credentials(Credentials::ak_sk("AKTEST", "SKTEST").unwrap())
        .clock(Arc::new(clock.clone()))
        .seed(1)
        .build()
        .unwrap();
    (client, clock)
}

fn sent<F>(client: &Client<Fake<F>>) -> Vec<Duration> {
    client
        .transport()
        .sent
        .lock()
        .unwrap()
        .iter()
        .map(|(t, _)| *t)
        .collect()
}

#[test]
fn the_throttle_paces_a_burst_in_virtual_time() {
    let (client, clock) = client(|_, _| json_response(200, json!({"job_id": "j"})));
    for _ in 0..25 {
        client.call(&ShowMixJob::new("app", "j")).unwrap();
    }
    // 10 per second: 0 s for the first ten, 1 s for the next ten, then 2 s.
    let times = sent(&client);
    assert_eq!(times[9], Duration::ZERO);
    assert_eq!(times[10], Duration::from_secs(1));
    assert_eq!(times[24], Duration::from_secs(2));
    assert_eq!(clock.now(), Duration::from_secs(2));
}

#[test]
fn every_attempt_is_signed_afresh_with_the_current_time() {
    let (client, _) = client(|n, _| {
        if n < 2 {
            json_response(503, json!({"error_code": "SYS.503", "error_msg": "busy"}))
        } else {
            json_response(200, json!({"job_id": "j"}))
        }
    });
    let out = client.call(&ShowMixJob::new("app", "j")).unwrap();
    assert_eq!(out.request_id.as_deref(), Some("rid-200"));
    let sent = client.transport().sent.lock().unwrap();
    assert_eq!(sent.len(), 3);
    let auth: Vec<_> = sent
        .iter()
        .map(|(_, r)| r.headers()["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert!(auth.iter().all(|a| !a.contains("authorization")));
    assert!(
        sent[1].0 > sent[0].0 && sent[2].0 > sent[1].0,
        "retries wait"
    );
}

#[test]
fn errors_carry_the_request_id_and_stop_per_the_policy() {
    let (client, _) = client(|_, _| {
        json_response(
            400,
            json!({"error_code": "RTC.00001003", "error_msg": "invalid app"}),
        )
    });
    let err = client.call(&ShowMixJob::new("app", "j")).unwrap_err();
    assert_eq!(err.request_id(), Some("rid-400"));
    assert_eq!(
        err.api().unwrap().error_code.as_deref(),
        Some("RTC.00001003")
    );
    assert_eq!(sent(&client).len(), 1, "a 400 is not retried");
}

#[test]
fn the_deadline_bounds_the_whole_loop() {
    let (client, clock) = client(|_, _| {
        Ok(Response::builder()
            .status(429)
            .header("retry-after", "120")
            .body(br#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second"}"#.to_vec())
            .unwrap())
    });
    let err = client
        .call_within(&ShowMixJob::new("app", "j"), Duration::from_secs(30))
        .unwrap_err();
    match &err {
        Error::DeadlineExceeded {
            deadline,
            attempts,
            last,
        } => {
            assert_eq!(*deadline, Duration::from_secs(30));
            assert_eq!(*attempts, 1);
            assert_eq!(last.as_ref().unwrap().api().unwrap().status, 429);
        }
        other => panic!("{other}"),
    }
    assert!(
        clock.now() < Duration::from_secs(30),
        "it gave up before waiting past the deadline"
    );
    assert_eq!(sent(&client).len(), 1);
}

#[test]
fn calls_by_name_with_json() {
    let (client, _) = client(|_, request| {
        assert_eq!(request.uri().path(), "/v2/apps/app-1/mix-stream-jobs/job-1");
        json_response(
            200,
            json!({"job_id": "job-1", "state": "RUNNING", "extra": 1}),
        )
    });
    let out = client
        .call_json("ShowMixJob", &json!({"app_id": "app-1", "job_id": "job-1"}))
        .unwrap();
    assert_eq!(
        out,
        json!({"job_id": "job-1", "state": "RUNNING", "X-Request-Id": "rid-200"})
    );
    let err = client.call_json("NoSuchOperation", &json!({})).unwrap_err();
    assert!(matches!(err, Error::UnknownOperation(_)));
    assert!(sent(&client).len() == 1);
}

#[test]
fn pages_stop_at_the_total() {
    // Seven apps, pages of three: offset is the page number.
    let (client, _) = client(|_, request| {
        let query = request.uri().query().unwrap_or("");
        let page: usize = query
            .split('&')
            .find_map(|p| p.strip_prefix("offset="))
            .map_or(0, |v| v.parse().unwrap());
        let apps: Vec<Value> = (page * 3..(page * 3 + 3).min(7))
            .map(|i| json!({"app_id": format!("app-{i}")}))
            .collect();
        json_response(200, json!({"count": 7, "apps": apps}))
    });
    let ids: Vec<String> = client
        .items(ListApps::new().limit(3))
        .map(|app| app.unwrap().app_id.unwrap())
        .collect();
    assert_eq!(ids, (0..7).map(|i| format!("app-{i}")).collect::<Vec<_>>());
    assert_eq!(sent(&client).len(), 3);
}

#[test]
fn pages_stop_at_a_repeat_when_the_server_ignores_the_offset() {
    let (client, _) = client(|_, _| {
        json_response(
            200,
            json!({"rules": [{"rule_id": "r-1"}, {"rule_id": "r-2"}]}),
        )
    });
    let pages: Vec<_> = client
        .pages(ListRecordRules::new("app").limit(2))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(pages.len(), 1, "the repeated page is not yielded");
    assert_eq!(sent(&client).len(), 2);
}

#[test]
fn pages_stop_at_an_empty_page_and_a_short_one() {
    let (lister, _) = client(|n, _| {
        let users: Vec<Value> = if n == 0 {
            (0..5).map(|i| json!({"uid": format!("u{i}")})).collect()
        } else {
            Vec::new()
        };
        json_response(200, json!({"users": users}))
    });
    let users: Vec<_> = lister
        .items(ListRtcUserList::new("app"))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(users.len(), 5);
    assert_eq!(sent(&lister).len(), 2, "stops at the empty page");
    let second = lister.transport().sent.lock().unwrap()[1].1.uri().clone();
    assert_eq!(second.query(), Some("app=app&offset=5"));

    let (short, _) = client(|_, _| json_response(200, json!({"users": [{"uid": "u"}]})));
    let users: Vec<_> = short
        .items(ListRtcUserList::new("app").limit(10))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(users.len(), 1, "a page shorter than the limit is the last");
    assert_eq!(sent(&short).len(), 1);
}

#[test]
fn a_server_that_never_ends_a_list_is_cut_at_max_pages() {
    let calls = AtomicUsize::new(0);
    let (client, _) = client(move |_, _| {
        let n = calls.fetch_add(1, Ordering::Relaxed);
        json_response(200, json!({"users": [{"uid": format!("u{n}")}]}))
    });
    let count = client.items(ListRtcUserList::new("app")).count();
    assert_eq!(count, MAX_PAGES as usize);
    assert_eq!(sent(&client).len(), MAX_PAGES as usize);
}

#[test]
fn a_failed_page_ends_the_iteration_with_the_error() {
    let (client, _) = client(|n, _| {
        if n == 0 {
            json_response(200, json!({"count": 10, "apps": [{"app_id": "a"}]}))
        } else {
            json_response(
                400,
                json!({"error_code": "RTC.00001003", "error_msg": "bad"}),
            )
        }
    });
    let results: Vec<_> = client.items(ListApps::new().limit(1)).collect();
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert_eq!(
        results[1].as_ref().unwrap_err().request_id(),
        Some("rid-400")
    );
}

#[test]
fn the_client_is_send_and_sync_and_keeps_secrets_out_of_debug() {
    fn send_sync<T: Send + Sync>() {}
    #[cfg(feature = "ureq")]
    send_sync::<Client<sparkrtc::transport::UreqTransport>>();
    send_sync::<Client<fn(Request<Vec<u8>>) -> Answer>>();
    let (client, _) = client(|_, _| json_response(200, json!({})));
    let shown = format!("{client:?}");
    assert!(!shown.contains("SKTEST"), "{shown}");
    let err = Client::builder(|_: Request<Vec<u8>>| json_response(200, json!({})))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCredentials(_)));
    let err = Client::builder(|_: Request<Vec<u8>>| json_response(200, json!({})))
        .endpoint(Endpoint::default().with_project_id("a").unwrap())
        .credentials(
            Credentials::ak_sk("AK", "SK")
                .unwrap()
                .with_project_id("b")
                .unwrap(),
        )
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("project"), "{err}");
    // The credentials' project fills an endpoint without one.
    let client = Client::builder(|_: Request<Vec<u8>>| json_response(200, json!({})))
        .credentials(
            Credentials::ak_sk("AK", "SK")
                .unwrap()
                .with_project_id("p1")
                .unwrap(),
        )
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    assert_eq!(client.endpoint().project_id(), Some("p1"));
}
