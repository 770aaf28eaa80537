//! Recording callbacks end to end over loopback: a simulator served over
//! HTTP posts signed events to a receiver written here with tiny_http,
//! which verifies them with `sparkrtc::callback::Verifier`.
#![cfg(all(feature = "simulator", feature = "ureq"))]
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderMap, HeaderName, HeaderValue};
use sparkrtc::callback::{self, CallbackError, CallbackEvent, RecordingEvent, Verifier};
use sparkrtc::client::Client;
use sparkrtc::model::{
    AppCallbackUrlReq, AppReq, EncodeTemplate, JobState, MixJobReq, MixParam, Mp4RecordConfig,
    RecordFormat, RecordObsFileAddr, RecordParam, RecordRuleReq,
};
use sparkrtc::ops::{
    CreateApp, CreateMixJob, CreateRecordRule, ShowMixJob, StopMixJob, UpdateRecordCallback,
};
use sparkrtc::simulator::{
    CallbackEventKind, DeliveryOutcome, Simulator, SimulatorConfig, SimulatorServer,
    DEFAULT_ACCESS_KEY, DEFAULT_PROJECT_ID, DEFAULT_SECRET_KEY,
};
use sparkrtc::transport::UreqTransport;
use sparkrtc::{Credentials, Endpoint};

/// The app's callback key: 32 characters, as documented (32 to 64).
const KEY: &str = "e2e-callback-key-0123456789abcdef";
const OTHER_KEY: &str = "another-key-0123456789abcdef0123";
/// How long any wait may take.
const DEADLINE: Duration = Duration::from_secs(10);

/// What the receiver saw: each request as received, and what the verifier
/// made of it.
#[derive(Clone)]
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
    verdict: Result<CallbackEvent, CallbackError>,
}

/// A receiver on loopback, verifying with `verifier`: acknowledges what
/// verifies, answers 401 otherwise.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Received>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    fn start(verifier: Verifier) -> Receiver {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let url = format!("http://{}/callbacks", server.server_addr().to_ip().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (server, seen) = (Arc::clone(&server), Arc::clone(&seen));
            std::thread::spawn(move || {
                // Ends when `unblock` is called.
                for mut request in server.incoming_requests() {
                    let mut headers = HeaderMap::new();
                    for h in request.headers() {
                        headers.append(
                            HeaderName::from_bytes(h.field.as_str().as_str().as_bytes()).unwrap(),
                            HeaderValue::from_bytes(h.value.as_str().as_bytes()).unwrap(),
                        );
                    }
                    let mut body = Vec::new();
                    request.as_reader().read_to_end(&mut body).unwrap();
                    let verdict = verifier.verify(&headers, &body, SystemTime::now());
                    let (status, answer) = match &verdict {
                        Ok(_) => (200, callback::acknowledgement().into_body()),
                        Err(e) => (401, format!(r#"{{"error":"{e}"}}"#).into_bytes()),
                    };
                    seen.lock().unwrap().push(Received {
                        headers,
                        body,
                        verdict,
                    });
                    let len = answer.len();
                    let response = tiny_http::Response::new(
                        tiny_http::StatusCode(status),
                        vec![],
                        Cursor::new(answer),
                        Some(len),
                        None,
                    );
                    let _ = request.respond(response);
                }
            })
        };
        Receiver {
            url,
            seen,
            server,
            thread: Some(thread),
        }
    }

    fn seen(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits (bounded) until `n` callbacks arrived.
    fn wait_for(&self, n: usize) -> Vec<Received> {
        wait_until(&format!("{n} callbacks"), || {
            let seen = self.seen();
            (seen.len() >= n).then_some(seen)
        })
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Polls `check` every 10 ms until it gives a value; panics after
/// [`DEADLINE`].
fn wait_until<T>(what: &str, check: impl FnMut() -> Option<T>) -> T {
    poll_until(what, Duration::from_millis(10), check)
}

fn poll_until<T>(what: &str, every: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(every);
    }
}

/// A simulator served on loopback (real time; jobs start after 200 ms), and
/// a client of it over HTTP.
fn served() -> (Simulator, SimulatorServer, Client<UreqTransport>) {
    let sim = Simulator::new(
        SimulatorConfig::default()
            .with_seed(42)
            .with_job_start_delay(Duration::from_millis(200)),
    );
    let server = sim.serve("127.0.0.1:0").unwrap();
    let client = Client::builder(UreqTransport::default())
        .endpoint(
            Endpoint::new(&server.url())
                .unwrap()
                .with_project_id(DEFAULT_PROJECT_ID)
                .unwrap(),
        )
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .build()
        .unwrap();
    (sim, server, client)
}

struct Recorded {
    app_id: String,
    job_id: String,
}

/// An app whose callbacks go to `url` signed with `key`, an MP4 rule, and a
/// mixed-stream job recorded with it: started, waited for until it runs,
/// stopped.
fn record_one_job(client: &Client<UreqTransport>, name: &str, url: &str, key: &str) -> Recorded {
    let app_id = client
        .call(&CreateApp::new(AppReq::new(name)))
        .unwrap()
        .body
        .app_id
        .unwrap();
    client
        .call(&UpdateRecordCallback::new(
            &app_id,
            AppCallbackUrlReq::new(url).auth_key(key),
        ))
        .unwrap();
    let rule = RecordRuleReq::new(
        RecordObsFileAddr::new("cn-north-4", "obs-project", "sparkrtc-record").object("record/"),
        vec![RecordFormat::Mp4],
    )
    .mp4_config(Mp4RecordConfig::new(60u32));
    let rule_id = client
        .call(&CreateRecordRule::new(&app_id, rule))
        .unwrap()
        .body
        .rule_id
        .unwrap();
    let job = MixJobReq::new(MixParam::new("room01", EncodeTemplate::AudioOnly))
        .record_param(RecordParam::new(&rule_id));
    let job_id = client
        .call(&CreateMixJob::new(&app_id, job))
        .unwrap()
        .body
        .job_id
        .unwrap();
    // Every 60 ms: job calls are limited to 10 a second.
    poll_until("the job to run", Duration::from_millis(60), || {
        let state = client
            .call(&ShowMixJob::new(&app_id, &job_id))
            .unwrap()
            .body
            .state;
        (state == Some(JobState::Running)).then_some(())
    });
    client.call(&StopMixJob::new(&app_id, &job_id)).unwrap();
    Recorded { app_id, job_id }
}

fn line(event: &CallbackEvent) -> String {
    let e = event.recording().unwrap();
    format!(
        "{} job={} file={} size={}",
        event.event_type(),
        e.job_id.as_deref().unwrap_or("-"),
        e.obs_object.as_deref().unwrap_or("-"),
        e.file_size.map_or("-".to_owned(), |s| s.to_string()),
    )
}

#[test]
fn a_recording_job_posts_three_signed_events_in_order() {
    let receiver = Receiver::start(Verifier::new(KEY).unwrap());
    let (sim, server, client) = served();
    let job = record_one_job(&client, "e2e", &receiver.url, KEY);

    let seen = receiver.wait_for(3);
    // Nothing more comes.
    std::thread::sleep(Duration::from_millis(200));
    let seen_later = receiver.seen();
    assert_eq!(seen_later.len(), 3);
    let events: Vec<CallbackEvent> = seen
        .iter()
        .map(|r| r.verdict.clone().expect("verified"))
        .collect();
    for event in &events {
        println!("{}", line(event));
    }
    let types: Vec<&str> = events.iter().map(|e| e.event_type()).collect();
    assert_eq!(
        types,
        [
            "RECORD_NEW_FILE_START",
            "RECORD_FILE_COMPLETE",
            "CLOUD_RECORD_SERVER_OVER"
        ]
    );
    for (event, received) in events.iter().zip(&seen) {
        let e = event.recording().unwrap();
        assert_eq!(e.job_id.as_deref(), Some(job.job_id.as_str()));
        assert_eq!(e.app_id.as_deref(), Some(job.app_id.as_str()));
        assert_eq!(e.room_id.as_deref(), Some("room01"));
        let stream = format!("m_{}_room01", job.job_id);
        assert_eq!(e.stream_name.as_deref(), Some(stream.as_str()));
        assert_eq!(received.headers["content-type"], "application/json");
        let rand = received.headers["x-rtc-rand"].to_str().unwrap();
        assert_eq!(rand.len(), 32);
        assert!(rand.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    let CallbackEvent::FileStarted(started) = &events[0] else {
        panic!("{:?}", events[0]);
    };
    assert_eq!(started.record_format, Some(RecordFormat::Mp4));
    assert!(started.start_time.is_some());
    assert!(started.file_size.is_none());

    let CallbackEvent::FileCompleted(file) = &events[1] else {
        panic!("{:?}", events[1]);
    };
    let RecordingEvent {
        record_format,
        download_url,
        obs_location,
        obs_bucket,
        obs_object,
        file_size,
        record_duration,
        start_time,
        end_time,
        width,
        height,
        ..
    } = file.clone();
    assert_eq!(record_format, Some(RecordFormat::Mp4));
    let object = obs_object.unwrap();
    let prefix = format!("record/{}/MP4/m_{}_room01_", job.app_id, job.job_id);
    assert!(
        object.starts_with(&prefix) && object.ends_with(".mp4"),
        "{object}"
    );
    assert_eq!(obs_bucket.as_deref(), Some("sparkrtc-record"));
    assert_eq!(
        obs_location.as_deref(),
        Some("http://obs.cn-north-4.myhuaweicloud.com")
    );
    assert_eq!(
        download_url.unwrap(),
        format!("https://sparkrtc-record.obs.cn-north-4.myhuaweicloud.com/{object}")
    );
    assert!(file_size.unwrap() > 0);
    let duration = record_duration.unwrap();
    assert!((0..=DEADLINE.as_secs() as i64).contains(&duration));
    assert_eq!(start_time, started.start_time);
    assert_eq!(start_time.unwrap().len(), "2021-04-28T08:56:57Z".len());
    assert!(end_time.is_some());
    // Audio only: no video size.
    assert_eq!((width, height), (None, None));

    let CallbackEvent::JobEnded(over) = &events[2] else {
        panic!("{:?}", events[2]);
    };
    assert_eq!(over.detail_message.as_deref(), Some("TENANT_STOP"));
    assert_eq!(over.end_time, end_time);

    // The simulator's record of the same.
    let log = wait_until("the callback log", || {
        let log = sim.callback_log();
        (log.len() == 3).then_some(log)
    });
    assert_eq!(
        log.iter().map(|d| d.kind).collect::<Vec<_>>(),
        [
            CallbackEventKind::RecordNewFileStart,
            CallbackEventKind::RecordFileComplete,
            CallbackEventKind::CloudRecordServerOver
        ]
    );
    assert!(log
        .iter()
        .all(|d| d.is_acknowledged() && d.signed && d.url == receiver.url));

    // A captured callback does not verify under another key, nor once
    // altered.
    let captured = &seen[1];
    let now = SystemTime::now();
    assert_eq!(
        Verifier::new(OTHER_KEY)
            .unwrap()
            .verify(&captured.headers, &captured.body, now),
        Err(CallbackError::BadSignature)
    );
    let mut forged = captured.body.clone();
    let at = forged.len() / 2;
    forged[at] ^= 1;
    assert!(Verifier::new(KEY)
        .unwrap()
        .verify(&captured.headers, &forged, now)
        .is_err());
    assert!(Verifier::new(KEY)
        .unwrap()
        .verify(&captured.headers, &captured.body, now)
        .is_ok());
    server.shutdown();
}

#[test]
fn a_receiver_with_another_key_refuses_every_callback() {
    let receiver = Receiver::start(Verifier::new(OTHER_KEY).unwrap());
    let (sim, server, client) = served();
    record_one_job(&client, "wrong-key", &receiver.url, KEY);
    let seen = receiver.wait_for(3);
    assert!(seen
        .iter()
        .all(|r| r.verdict == Err(CallbackError::BadSignature)));
    // Refused (401), logged, and not retried.
    let log = wait_until("the callback log", || {
        let log = sim.callback_log();
        (log.len() == 3).then_some(log)
    });
    assert!(log
        .iter()
        .all(|d| d.outcome == DeliveryOutcome::Answered(http::StatusCode::UNAUTHORIZED)));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(receiver.seen().len(), 3);
    assert_eq!(sim.callback_log().len(), 3);
    server.shutdown();
}

#[test]
fn a_callback_url_off_loopback_is_never_contacted() {
    // A receiver is listening, but the URL names it by a non-loopback
    // address (TEST-NET-1, RFC 5737) with its port.
    let receiver = Receiver::start(Verifier::new(KEY).unwrap());
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let url = format!("http://192.0.2.1:{port}/callbacks");
    let (sim, server, client) = served();
    record_one_job(&client, "off-loopback", &url, KEY);
    let stopped = Instant::now();
    let log = wait_until("the callback log", || {
        let log = sim.callback_log();
        (log.len() == 3).then_some(log)
    });
    assert!(log
        .iter()
        .all(|d| d.outcome == DeliveryOutcome::NotLoopback && !d.signed && d.url == url));
    // Dropped at once: no connection was tried (one to an unreachable
    // address would take the 2 s timeout to fail).
    assert!(stopped.elapsed() < Duration::from_millis(1500));
    std::thread::sleep(Duration::from_millis(200));
    assert!(receiver.seen().is_empty());
    server.shutdown();
}
