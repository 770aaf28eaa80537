//! Record and replay at the transport (`sparkrtc::testing`, feature
//! `test-util`): a whole flow recorded against the simulator with known
//! secrets, none of which reaches the file; the same flow replayed without
//! the simulator, with equal outputs; the replay modes; damaged cassettes;
//! atomic writes.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // files, threads, clocks

use std::error::Error as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{json, Value};
use sparkrtc::client::Client;
use sparkrtc::http::{Request, Response};
use sparkrtc::model::{AppCallbackUrlReq, AppReq, EncodeTemplate, MixJobReq, MixParam};
use sparkrtc::ops::{
    CreateApp, CreateMixJob, ListApps, ShowApp, ShowMixJob, ShowRecordCallback,
    UpdateRecordCallback,
};
use sparkrtc::redact::redact_value;
use sparkrtc::retry::RetryPolicy;
use sparkrtc::simulator::{Simulator, SimulatorConfig};
use sparkrtc::testing::{
    Answer, Cassette, CassetteError, MatchOn, MockTransport, Offline, RecordMode, Recorder,
    ReplayMiss, Replayer, ACCESS_KEY_PLACEHOLDER,
};
use sparkrtc::time::VirtualClock;
use sparkrtc::transport::{Transport, TransportError, TransportErrorKind};
use sparkrtc::{Credentials, Endpoint, Error, Operation};

/// Known secrets, none of which may reach a cassette.
const AK: &str = "RECORDINGAK00000001";
const SK: &str = "recording-secret-key-0123456789";
const SECURITY_TOKEN: &str = "security-token-abcdefghijklmnopqrstuvwxyz";
const IAM_TOKEN: &str = "iam-token-MIIabcdefghijklmnopqrstuvwxyz0123456789";
const CALLBACK_KEY: &str = "callback-auth-key-0123456789abcdefghij";

/// A fresh directory for one test.
fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sparkrtc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn clock() -> VirtualClock {
    VirtualClock::unattended(UNIX_EPOCH + Duration::from_secs(1_704_164_645))
}

fn client<T: Transport>(transport: T, credentials: Credentials, clock: &VirtualClock) -> Client<T> {
    Client::builder(transport)
        .endpoint(
            Endpoint::new("http://sim.local")
                .unwrap()
                .with_project_id("0123456789abcdef0123456789abcdef")
                .unwrap(),
        )
        .credentials(credentials)
        .clock(Arc::new(clock.clone()))
        .retry(RetryPolicy::never())
        .seed(1)
        .build()
        .unwrap()
}

fn as_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

/// An application's flow: create an app, read it (its join key comes
/// back), set its callback with a key, read that back, start a job, read
/// the job, list the apps, read a job that does not exist. The outputs (and
/// the error) as JSON.
fn flow<T: Transport>(client: &Client<T>) -> Vec<Value> {
    let mut out = Vec::new();
    let created = client.call(&CreateApp::new(AppReq::new("demo"))).unwrap();
    let app_id = created.app_id().unwrap().to_owned();
    out.push(as_json(&created));
    out.push(as_json(&client.call(&ShowApp::new(&app_id)).unwrap()));
    let callback = AppCallbackUrlReq::new("https://example.com/cb").auth_key(CALLBACK_KEY);
    out.push(as_json(
        &client
            .call(&UpdateRecordCallback::new(&app_id, callback))
            .unwrap(),
    ));
    out.push(as_json(
        &client.call(&ShowRecordCallback::new(&app_id)).unwrap(),
    ));
    let job = client
        .call(&CreateMixJob::new(
            &app_id,
            MixJobReq::new(MixParam::new("room-1", EncodeTemplate::AudioOnly)),
        ))
        .unwrap();
    let job_id = job.job_id().unwrap().to_owned();
    out.push(as_json(&job));
    out.push(as_json(
        &client.call(&ShowMixJob::new(&app_id, &job_id)).unwrap(),
    ));
    out.push(as_json(&client.call(&ListApps::new().limit(10)).unwrap()));
    let missing = client
        .call(&ShowMixJob::new(&app_id, "no-such-job"))
        .unwrap_err();
    let api = missing.api().unwrap();
    out.push(json!({"status": api.status, "code": api.error_code, "request_id": api.request_id}));
    out
}

/// A transport that hands requests to the simulator and keeps a copy of
/// each, as sent (signed).
#[derive(Clone)]
struct Tap {
    sim: Simulator,
    seen: Arc<Mutex<Vec<Request<Vec<u8>>>>>,
}

impl Transport for Tap {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.seen.lock().unwrap().push(request.clone());
        self.sim.handle(&request).into_result()
    }
}

fn simulator(clock: &VirtualClock) -> Simulator {
    Simulator::new(
        SimulatorConfig::default()
            .with_credential(AK, SK)
            .with_token(IAM_TOKEN)
            .with_virtual_clock(clock.clone()),
    )
}

/// Every secret of the run, and every value a header of the run marked
/// secret: the SK, the tokens, the callback key, the app keys the service
/// gave, the signatures; and the AK, which is replaced by a placeholder.
fn secrets(seen: &[Request<Vec<u8>>], live: &[Value]) -> Vec<String> {
    let mut secrets: Vec<String> = [AK, SK, SECURITY_TOKEN, IAM_TOKEN, CALLBACK_KEY]
        .map(String::from)
        .to_vec();
    for request in seen {
        if let Some(auth) = request.headers().get("authorization") {
            let signature = auth.to_str().unwrap().rsplit("Signature=").next().unwrap();
            assert_eq!(signature.len(), 64, "an HMAC-SHA256 signature in hex");
            secrets.push(signature.to_owned());
        }
    }
    let app = &live[1];
    let app_key = app["authentication"]["app_key"].as_str().unwrap();
    assert_eq!(app_key.len(), 32, "the join key the service generated");
    secrets.push(app_key.to_owned());
    secrets
}

#[test]
fn a_flow_recorded_against_the_simulator_replays_without_it_and_keeps_no_secret() {
    let dir = dir("flow");
    let path = dir.join("flow.jsonl");

    // Record: AK/SK with a security token.
    let clock = clock();
    let tap = Tap {
        sim: simulator(&clock),
        seen: Arc::default(),
    };
    let credentials = Credentials::ak_sk(AK, SK)
        .unwrap()
        .with_security_token(SECURITY_TOKEN)
        .unwrap();
    let recording = client(
        Recorder::new(tap.clone(), &path),
        credentials.clone(),
        &clock,
    );
    let live = flow(&recording);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.lines().count(),
        1 + 8,
        "the format line, then one line per exchange"
    );
    assert_eq!(
        text.lines().next().unwrap(),
        r#"{"format":"sparkrtc-cassette","version":1}"#
    );
    assert_eq!(recording.transport().cassette().len(), 8);

    // The proof: none of the secrets is anywhere in the file.
    let seen = tap.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 8);
    for secret in secrets(&seen, &live) {
        assert!(!text.contains(&secret), "`{secret}` is in the cassette");
    }
    // What is there instead.
    assert_eq!(text.matches(ACCESS_KEY_PLACEHOLDER).count(), 8);
    assert_eq!(text.matches("Signature=***").count(), 8);
    assert_eq!(text.matches(r#"["x-security-token","***"]"#).count(), 8);
    assert!(
        text.contains(r#"\"auth_key\":\"***\""#),
        "the callback key, request and answer"
    );
    assert!(
        text.contains(r#"\"app_key\":\"***\""#),
        "the app key in ShowApp's answer"
    );

    // Replay: no simulator, another clock, the same flow.
    let replayer = Replayer::open(&path).unwrap();
    let replaying = client(replayer, credentials, &self::clock());
    let replayed = flow(&replaying);
    assert_eq!(replaying.transport().unserved(), 0);
    // Equal outputs, the secrets in them hidden as the cassette hides them.
    let mut expected = live.clone();
    expected.iter_mut().for_each(redact_value);
    assert_eq!(replayed, expected);
    assert_ne!(live, expected, "the live answers held secrets");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_iam_token_never_reaches_the_cassette() {
    let dir = dir("iam");
    let path = dir.join("iam.jsonl");
    let clock = clock();
    let sim = simulator(&clock);
    let token = Credentials::iam_token(IAM_TOKEN)
        .unwrap()
        .with_project_id("0123456789abcdef0123456789abcdef")
        .unwrap();
    let recording = client(Recorder::new(sim, &path), token.clone(), &clock);
    let created = recording
        .call(&CreateApp::new(AppReq::new("demo")))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(IAM_TOKEN));
    assert!(text.contains(r#"["x-auth-token","***"]"#));

    let replaying = client(Replayer::open(&path).unwrap(), token, &clock);
    let again = replaying
        .call(&CreateApp::new(AppReq::new("demo")))
        .unwrap();
    assert_eq!(again, created);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A cassette of `ListApps` with limits 1 and 2, recorded from a mock.
fn recorded(dir: &Path) -> PathBuf {
    let path = dir.join("list.jsonl");
    let mock = MockTransport::new();
    let _ = mock
        .on::<ListApps>()
        .then(Answer::output(&json!({"count": 1})).request_id("first"))
        .then(Answer::output(&json!({"count": 2})).request_id("second"))
        .build();
    let recorder = Recorder::new(mock, &path);
    for limit in [1, 2] {
        recorder.send(list(limit)).unwrap();
    }
    path
}

fn list(limit: u32) -> Request<Vec<u8>> {
    ListApps::new()
        .limit(limit)
        .build(&Endpoint::default())
        .unwrap()
}

fn request_id(response: &Response<Vec<u8>>) -> &str {
    response.headers()["x-request-id"].to_str().unwrap()
}

fn miss(error: &TransportError) -> &ReplayMiss {
    assert_eq!(error.kind(), TransportErrorKind::NotSent);
    error
        .source()
        .unwrap()
        .downcast_ref::<ReplayMiss>()
        .unwrap()
}

#[test]
fn replay_only_serves_each_exchange_once_and_names_the_closest_on_a_miss() {
    let dir = dir("replay-only");
    let path = recorded(&dir);
    let replayer = Replayer::open(&path).unwrap();
    assert_eq!(replayer.mode(), RecordMode::ReplayOnly);
    // Out of order: matching is on the request, not the position.
    assert_eq!(request_id(&replayer.send(list(2)).unwrap()), "second");
    let e = replayer.send(list(3)).unwrap_err();
    let m = miss(&e);
    assert_eq!(m.method, "GET");
    assert_eq!(m.uri, "https://rtc-api.myhuaweicloud.com/v2/apps?limit=3");
    assert_eq!(
        e.to_string(),
        "transport: not sent: no recorded answer for GET https://rtc-api.myhuaweicloud.com/v2/apps?limit=3; \
         the closest recorded request is exchange 1, GET https://rtc-api.myhuaweicloud.com/v2/apps?limit=1: \
         query `limit=3` instead of `limit=1`"
    );
    assert_eq!(request_id(&replayer.send(list(1)).unwrap()), "first");
    // Served once: a second time is a miss that says so.
    let e = replayer.send(list(1)).unwrap_err();
    assert_eq!(
        miss(&e).closest.as_ref().unwrap().2,
        "it matches, but its answer was already served"
    );
    assert_eq!(replayer.unserved(), 0);

    // Matching without the query serves the next unserved one.
    let lenient = Replayer::open(&path)
        .unwrap()
        .matching(MatchOn::new().ignore_query());
    assert_eq!(request_id(&lenient.send(list(9)).unwrap()), "first");
    assert_eq!(request_id(&lenient.send(list(9)).unwrap()), "second");

    // An empty cassette says so.
    let empty = dir.join("empty.jsonl");
    Cassette::default().save(&empty).unwrap();
    let e = Replayer::open(&empty).unwrap().send(list(1)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "transport: not sent: no recorded answer for GET https://rtc-api.myhuaweicloud.com/v2/apps?limit=1; \
         the cassette is empty"
    );
    // A missing cassette cannot be replayed.
    let e = Replayer::open(dir.join("none.jsonl")).unwrap_err();
    assert!(matches!(e, CassetteError::Io { .. }), "{e}");
    assert_eq!(e.line(), None);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn matching_on_a_header_and_without_the_body() {
    let dir = dir("match-on");
    let path = dir.join("callback.jsonl");
    let mock = MockTransport::new();
    let _ = mock
        .on_any()
        .then(Answer::output(&json!({})))
        .repeatedly()
        .build();
    let put = |url: &str, project: &str| {
        let mut request = UpdateRecordCallback::new("a", AppCallbackUrlReq::new(url))
            .build(&Endpoint::default())
            .unwrap();
        request
            .headers_mut()
            .insert("x-project-id", project.parse().unwrap());
        request
    };
    let recorder = Recorder::new(mock, &path);
    recorder.send(put("https://a.example/cb", "p1")).unwrap();

    let by_body = Replayer::open(&path).unwrap();
    let e = by_body.send(put("https://b.example/cb", "p1")).unwrap_err();
    assert!(
        miss(&e).closest.as_ref().unwrap().2.starts_with("body "),
        "{e}"
    );
    let by_header = Replayer::open(&path)
        .unwrap()
        .matching(MatchOn::new().ignore_body().header("X-Project-Id"));
    let e = by_header
        .send(put("https://b.example/cb", "p2"))
        .unwrap_err();
    assert_eq!(
        miss(&e).closest.as_ref().unwrap().2,
        "header `x-project-id` differs"
    );
    assert!(by_header.send(put("https://b.example/cb", "p1")).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn record_missing_adds_what_the_cassette_lacks_and_rerecord_starts_afresh() {
    let dir = dir("modes");
    let path = recorded(&dir);
    let live = MockTransport::new();
    let rule = live
        .on::<ListApps>()
        .then(Answer::output(&json!({"count": 3})).request_id("live"))
        .repeatedly()
        .build();

    let replayer = Replayer::new(&path, RecordMode::RecordMissing, live.clone()).unwrap();
    assert_eq!(request_id(&replayer.send(list(1)).unwrap()), "first");
    assert_eq!(request_id(&replayer.send(list(3)).unwrap()), "live");
    assert_eq!(rule.calls(), 1, "only the missing one went through");
    let saved = Cassette::load(&path).unwrap();
    assert_eq!(saved.len(), 3);
    assert_eq!(saved, replayer.cassette());
    assert_eq!(saved.exchanges()[2].operation.as_deref(), Some("ListApps"));
    // And from then on it replays.
    let replay = Replayer::open(&path).unwrap();
    assert_eq!(request_id(&replay.send(list(3)).unwrap()), "live");

    // A cassette that does not exist yet is an empty one.
    let fresh = dir.join("fresh.jsonl");
    let replayer = Replayer::new(&fresh, RecordMode::RecordMissing, live.clone()).unwrap();
    assert!(replayer.cassette().is_empty());
    replayer.send(list(5)).unwrap();
    assert_eq!(Cassette::load(&fresh).unwrap().len(), 1);

    // Rerecord: every request goes through, the cassette is replaced.
    let replayer = Replayer::new(&path, RecordMode::Rerecord, live.clone()).unwrap();
    assert_eq!(
        Cassette::load(&path).unwrap().len(),
        3,
        "untouched until the first exchange"
    );
    assert_eq!(request_id(&replayer.send(list(1)).unwrap()), "live");
    assert_eq!(Cassette::load(&path).unwrap().len(), 1);
    assert_eq!(rule.calls(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn record_modes_read_from_text() {
    assert_eq!("replay".parse(), Ok(RecordMode::ReplayOnly));
    assert_eq!("none".parse(), Ok(RecordMode::ReplayOnly));
    assert_eq!("missing".parse(), Ok(RecordMode::RecordMissing));
    assert_eq!("new_episodes".parse(), Ok(RecordMode::RecordMissing));
    assert_eq!("all".parse(), Ok(RecordMode::Rerecord));
    assert_eq!("rerecord".parse(), Ok(RecordMode::Rerecord));
    assert_eq!(
        "sometimes".parse::<RecordMode>(),
        Err("`sometimes` is no record mode: replay, missing or all".to_owned())
    );
    assert_eq!(RecordMode::default(), RecordMode::ReplayOnly);
}

#[test]
fn transport_failures_are_recorded_and_replayed_by_kind() {
    let dir = dir("failures");
    let path = dir.join("failures.jsonl");
    let mock = MockTransport::new();
    let _ = mock
        .on_any()
        .then(Answer::timeout())
        .then(Answer::not_sent())
        .then(Answer::failed_after_send())
        .then(Answer::transport_error(TransportErrorKind::BodyTooLarge))
        .build();
    let recorder = Recorder::new(mock, &path);
    let kinds = [1, 2, 3, 4].map(|limit| recorder.send(list(limit)).unwrap_err().kind());
    let replayer = Replayer::open(&path).unwrap();
    let replayed = [1, 2, 3, 4].map(|limit| replayer.send(list(limit)).unwrap_err().kind());
    assert_eq!(replayed, kinds);
    assert_eq!(
        kinds,
        [
            TransportErrorKind::Timeout,
            TransportErrorKind::NotSent,
            TransportErrorKind::FailedAfterSend,
            TransportErrorKind::BodyTooLarge
        ]
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(r#""error":{"kind":"timeout","message":"transport: timed out: a mock rule's transport failure"}"#));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A valid exchange line, to damage.
const LINE: &str = r#"{"operation":"ListApps","request":{"method":"GET","uri":"https://h/v2/apps","headers":[],"body":""},"response":{"status":200,"headers":[["x-request-id","r"]],"body":"{}"}}"#;
const HEAD: &str = r#"{"format":"sparkrtc-cassette","version":1}"#;

#[test]
fn a_damaged_cassette_is_a_typed_error_with_its_line() {
    let cases: &[(String, usize, &str)] = &[
        (String::new(), 1, "empty: the first line names the format"),
        ("\n\n".into(), 1, "empty: the first line names the format"),
        (
            LINE.into(),
            1,
            "expected {\"format\":\"sparkrtc-cassette\",\"version\":1}: unknown field `operation`",
        ),
        (
            r#"{"format":"vcr","version":1}"#.into(),
            1,
            "format `vcr` is not `sparkrtc-cassette`",
        ),
        (
            r#"{"format":"sparkrtc-cassette","version":2}"#.into(),
            1,
            "version 2 is not 1, the one this crate reads",
        ),
        (
            format!("{HEAD}\n{LINE}\n{{\"operation\":"),
            3,
            "EOF while parsing a value at column 13",
        ),
        (
            format!("{HEAD}\n\n{LINE}\n\n{}", &LINE[..40]),
            5,
            "EOF while parsing",
        ),
        (
            format!("{HEAD}\n{}", LINE.replace("\"GET\"", "\"G T\"")),
            2,
            "`G T` is not a method",
        ),
        (
            format!("{HEAD}\n{}", LINE.replace("https://h/v2/apps", "h t t p")),
            2,
            "request uri: ",
        ),
        (
            format!("{HEAD}\n{}", LINE.replace("200", "1000")),
            2,
            "response: status 1000 is not an HTTP status",
        ),
        (
            format!("{HEAD}\n{}", LINE.replace("x-request-id", "x request id")),
            2,
            "response: `x request id` is not a header name",
        ),
        (
            format!(
                "{HEAD}\n{}",
                LINE.replace("[\"x-request-id\",\"r\"]", "[\"x-request-id\",\"a\\nb\"]")
            ),
            2,
            "response: header `x-request-id` has a value no header can have",
        ),
        (
            format!(
                "{HEAD}\n{}",
                LINE.replace("\"status\":200", "\"status\":-1")
            ),
            2,
            "invalid value: integer `-1`",
        ),
        (
            format!(
                "{HEAD}\n{}",
                LINE.replace("\"body\":\"\"}", "\"body\":\"\",\"extra\":1}")
            ),
            2,
            "unknown field `extra`",
        ),
        (
            format!(
                "{HEAD}\n{}",
                LINE.replace(
                    r#","response":{"status":200,"headers":[["x-request-id","r"]],"body":"{}"}"#,
                    ""
                )
            ),
            2,
            "an exchange has either a `response` or an `error`",
        ),
        (
            format!(
                "{HEAD}\n{}",
                LINE.replace(
                    r#""response":{"status":200,"headers":[["x-request-id","r"]],"body":"{}"}"#,
                    r#""error":{"kind":"lost","message":"m"}"#
                )
            ),
            2,
            "error kind `lost` is none of not_sent, timeout, failed_after_send, body_too_large",
        ),
        (
            format!(
                "{HEAD}\n{}",
                LINE.replace(r#"}}"#, r#"},"error":{"kind":"timeout","message":"m"}}"#)
            ),
            2,
            "an exchange has either a `response` or an `error`",
        ),
    ];
    for (text, line, message) in cases {
        let e = Cassette::parse(text).unwrap_err();
        assert_eq!(e.line(), Some(*line), "{text:?}: {e}");
        let CassetteError::Invalid { message: got, .. } = &e else {
            panic!("{e:?}")
        };
        assert!(got.starts_with(message), "{text:?}: {got}");
        assert_eq!(e.to_string(), format!("cassette line {line}: {got}"));
    }
    // A good one, blank lines allowed.
    let good = Cassette::parse(&format!("{HEAD}\n\n{LINE}\n")).unwrap();
    assert_eq!(good.len(), 1);
    assert_eq!(good.exchanges()[0].request.uri, "https://h/v2/apps");
    assert_eq!(Cassette::parse(&good.to_text()).unwrap(), good);
}

#[test]
fn no_cut_or_flipped_cassette_panics() {
    let text = format!("{HEAD}\n{LINE}\n{LINE}\n");
    for end in 0..=text.len() {
        if let Some(cut) = text.get(..end) {
            let _ = Cassette::parse(cut);
        }
    }
    let bytes = text.as_bytes();
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x20, 0x80] {
            let mut damaged = bytes.to_vec();
            damaged[i] ^= flip;
            if let Ok(damaged) = String::from_utf8(damaged) {
                if let Ok(cassette) = Cassette::parse(&damaged) {
                    // Whatever loads replays without panicking.
                    let dir = dir(&format!("flip-{i}-{flip}"));
                    let path = dir.join("c.jsonl");
                    cassette.save(&path).unwrap();
                    let replayer = Replayer::open(&path).unwrap();
                    let _ =
                        replayer.send(Request::get("https://h/v2/apps").body(Vec::new()).unwrap());
                    std::fs::remove_dir_all(&dir).unwrap();
                }
            }
        }
    }
    // Bytes that are not UTF-8: the line of the first bad byte.
    let dir = dir("not-utf8");
    let path = dir.join("bad.jsonl");
    std::fs::write(&path, [HEAD.as_bytes(), b"\n\xff"].concat()).unwrap();
    let e = Cassette::load(&path).unwrap_err();
    assert_eq!(e.to_string(), "cassette line 2: not UTF-8");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_write_leaves_the_previous_cassette_whole_and_fails_the_request() {
    let dir = dir("atomic");
    let path = recorded(&dir);
    let before = std::fs::read(&path).unwrap();
    // The temporary file's name is taken by a directory: the write fails
    // before the rename, as a crash would leave it.
    let tmp = dir.join(format!(".list.jsonl.{}.tmp", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mock = MockTransport::new();
    let rule = mock.on_any().then(Answer::output(&json!({}))).build();
    let recorder = Recorder::new(mock, &path);
    let e = recorder.send(list(1)).unwrap_err();
    assert_eq!(e.kind(), TransportErrorKind::FailedAfterSend, "it was sent");
    assert!(e.to_string().contains("list.jsonl"), "{e}");
    assert_eq!(rule.calls(), 1);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the previous cassette, whole"
    );
    assert_eq!(
        recorder.cassette().len(),
        1,
        "kept in memory for the next write"
    );
    std::fs::remove_dir(&tmp).unwrap();
    recorder.send(list(2)).unwrap_err(); // the rule is used up: an unmatched request
    assert_eq!(Cassette::load(&path).unwrap().len(), 2);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["list.jsonl"], "no temporary file left behind");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn replayers_and_recorders_are_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Replayer<Offline>>();
    shared::<Recorder<MockTransport>>();
    shared::<Replayer<MockTransport>>();

    let dir = dir("threads");
    let path = dir.join("threads.jsonl");
    let mock = MockTransport::new();
    let _ = mock
        .on_any()
        .then(Answer::output(&json!({})))
        .repeatedly()
        .build();
    let recorder = Recorder::new(mock, &path);
    std::thread::scope(|s| {
        for t in 0..4u32 {
            let recorder = &recorder;
            s.spawn(move || {
                for i in 0..5 {
                    recorder.send(list(1 + t * 5 + i)).unwrap();
                }
            });
        }
    });
    let replayer = Replayer::open(&path).unwrap();
    std::thread::scope(|s| {
        for limit in 1..=20 {
            let replayer = &replayer;
            s.spawn(move || replayer.send(list(limit)).unwrap());
        }
    });
    assert_eq!(replayer.unserved(), 0);
    assert!(format!("{replayer:?}").contains("exchanges: 20, served: 20"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_replayed_error_is_the_recorded_one() {
    let dir = dir("error");
    let path = dir.join("error.jsonl");
    let mock = MockTransport::new();
    let _ = mock
        .on::<ShowApp>()
        .then(
            Answer::api_error(404)
                .code("RTC.00001003")
                .request_id("r-404"),
        )
        .build();
    let clock = clock();
    let credentials = Credentials::ak_sk(AK, SK).unwrap();
    let recording = client(Recorder::new(mock, &path), credentials.clone(), &clock);
    let live = recording.call(&ShowApp::new("nope")).unwrap_err();
    let replaying = client(Replayer::open(&path).unwrap(), credentials, &clock);
    let replayed = replaying.call(&ShowApp::new("nope")).unwrap_err();
    assert!(matches!(&replayed, Error::Api(_)));
    assert_eq!(replayed.to_string(), live.to_string());
    assert_eq!(replayed.request_id(), Some("r-404"));
    std::fs::remove_dir_all(&dir).unwrap();
}
