//! With the `tracing` feature, a client call is a span `call` (operation,
//! category) holding one event `attempt` per attempt (attempt, status,
//! request id, throttle wait, error kind and code, retry delay or stop
//! reason), target `sparkrtc`, with structured fields and never a secret,
//! a header other than the request id, or a body.
#![cfg(feature = "tracing")]
#![allow(clippy::disallowed_types)] // a Mutex to collect what is recorded

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use http::{Request, Response};
use sparkrtc::client::Client;
use sparkrtc::model::{AppCallbackUrlReq, AppReq};
use sparkrtc::ops::{CreateApp, ListApps, UpdateRecordCallback};
use sparkrtc::throttle::{RateLimit, ThrottleCategory, ThrottleConfig};
use sparkrtc::time::VirtualClock;
use sparkrtc::transport::TransportError;
use sparkrtc::Credentials;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A recorded field value, by type.
#[derive(Clone, Debug, PartialEq)]
enum V {
    U(u64),
    F(f64),
    S(String),
    /// Recorded through `Debug` (the stop reason).
    D(String),
}

type Fields = BTreeMap<&'static str, V>;

#[derive(Clone, Debug)]
struct SpanRec {
    id: u64,
    name: &'static str,
    target: String,
    level: tracing::Level,
    fields: Fields,
}

#[derive(Clone, Debug)]
struct EventRec {
    parent: Option<u64>,
    target: String,
    level: tracing::Level,
    fields: Fields,
}

#[derive(Default)]
struct Recorded {
    next: AtomicU64,
    spans: Mutex<Vec<SpanRec>>,
    events: Mutex<Vec<EventRec>>,
    entered: Mutex<Vec<u64>>,
}

/// A subscriber that keeps every span and event, with typed fields.
#[derive(Clone, Default)]
struct Capture(Arc<Recorded>);

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name(), V::U(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name(), V::D(value.to_string()));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name(), V::F(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), V::S(value.to_owned()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name(), V::D(format!("{value:?}")));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.0.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = Fields::new();
        attrs.record(&mut Visitor(&mut fields));
        self.0.spans.lock().unwrap().push(SpanRec {
            id,
            name: attrs.metadata().name(),
            target: attrs.metadata().target().to_owned(),
            level: *attrs.metadata().level(),
            fields,
        });
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.0.spans.lock().unwrap();
        let rec = spans.iter_mut().find(|s| s.id == span.into_u64()).unwrap();
        values.record(&mut Visitor(&mut rec.fields));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        let parent = match event.parent() {
            Some(id) => Some(id.into_u64()),
            None if event.is_contextual() => self.0.entered.lock().unwrap().last().copied(),
            None => None,
        };
        self.0.events.lock().unwrap().push(EventRec {
            parent,
            target: event.metadata().target().to_owned(),
            level: *event.metadata().level(),
            fields,
        });
    }
    fn enter(&self, span: &Id) {
        self.0.entered.lock().unwrap().push(span.into_u64());
    }
    fn exit(&self, span: &Id) {
        let mut entered = self.0.entered.lock().unwrap();
        assert_eq!(entered.pop(), Some(span.into_u64()));
    }
}

impl Capture {
    fn spans(&self) -> Vec<SpanRec> {
        self.0.spans.lock().unwrap().clone()
    }
    fn events(&self) -> Vec<EventRec> {
        self.0.events.lock().unwrap().clone()
    }
}

const SK: &str = "SENTINEL-SECRET-KEY";
const TOKEN: &str = "SENTINEL-SECURITY-TOKEN";
const AUTH_KEY: &str = "SENTINEL-CALLBACK-KEY-0123456789abcdef";

type Answer = Result<(u16, &'static str), ()>;

/// A transport that gives `answers` from the last, then 200 `{}`; each
/// response carries `x-request-id: rid-<status>` and a header and body
/// that must never be recorded.
fn scripted(
    answers: Vec<Answer>,
) -> impl Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
    let answers = Mutex::new(answers);
    move |_request| match answers.lock().unwrap().pop().unwrap_or(Ok((200, "{}"))) {
        Ok((status, body)) => Ok(Response::builder()
            .status(status)
            .header("x-request-id", format!("rid-{status}"))
            .header("set-cookie", "SENTINEL-COOKIE")
            .body(body.as_bytes().to_vec())
            .unwrap()),
        Err(()) => Err(TransportError::not_sent(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        ))),
    }
}

fn client<F>(send: F, throttle: ThrottleConfig) -> Client<F>
where
    F: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>,
{
    let clock = VirtualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    Client::builder(send)
        .credentials(
            Credentials::ak_sk("AKTEST", SK)
                .unwrap()
                .with_security_token(TOKEN)
                .unwrap(),
        )
        .throttle(throttle)
        .clock(Arc::new(clock))
        .seed(5)
        .build()
        .unwrap()
}

fn s(text: &str) -> V {
    V::S(text.to_owned())
}

fn f(ms: f64) -> V {
    V::F(ms)
}

/// The fields every attempt event may carry; nothing else is allowed.
const EVENT_FIELDS: &[&str] = &[
    "message",
    "operation",
    "attempt",
    "status",
    "request_id",
    "wait_ms",
    "error",
    "error_code",
    "retry_in_ms",
    "stop",
];

#[test]
fn a_span_per_call_and_an_event_per_attempt() {
    let capture = Capture::default();
    let answers = vec![
        Ok((200, r#"{"app_id":"a"}"#)),
        Ok((503, r#"{"error_code":"SYS.0503","error_msg":"busy"}"#)),
        Err(()),
    ];
    let client = client(scripted(answers), ThrottleConfig::documented());
    tracing::subscriber::with_default(capture.clone(), || {
        client.call(&CreateApp::new(AppReq::new("traced"))).unwrap();
    });

    let spans = capture.spans();
    assert_eq!(spans.len(), 1, "{spans:?}");
    let span = &spans[0];
    assert_eq!(span.name, "call");
    assert_eq!(span.target, "sparkrtc");
    assert_eq!(span.level, tracing::Level::DEBUG);
    assert_eq!(
        span.fields,
        Fields::from([
            ("operation", s("CreateApp")),
            ("category", s("application_management")),
        ])
    );

    let events = capture.events();
    assert_eq!(events.len(), 3, "{events:?}");
    for event in &events {
        assert_eq!(event.parent, Some(span.id), "{event:?}");
        assert_eq!(event.target, "sparkrtc");
        assert_eq!(event.level, tracing::Level::DEBUG);
        assert_eq!(event.fields["message"], D("attempt"));
        assert_eq!(event.fields["operation"], s("CreateApp"));
        assert_eq!(event.fields["wait_ms"], f(0.0), "{event:?}");
    }
    // 1: no response; retried after the policy's delay.
    let first = &events[0].fields;
    let retry_in = match first.get("retry_in_ms") {
        Some(V::F(ms)) if *ms > 0.0 && *ms < 60_000.0 => *ms,
        other => panic!("retry_in_ms {other:?}"),
    };
    assert_eq!(
        first,
        &Fields::from([
            ("message", D("attempt")),
            ("operation", s("CreateApp")),
            ("attempt", V::U(1)),
            ("wait_ms", f(0.0)),
            ("error", s("transport_not_sent")),
            ("retry_in_ms", f(retry_in)),
        ])
    );
    // 2: a 503 with its request id and service code; retried.
    let second = &events[1].fields;
    let retry_in = match second.get("retry_in_ms") {
        Some(V::F(ms)) if *ms > 0.0 && *ms < 60_000.0 => *ms,
        other => panic!("retry_in_ms {other:?}"),
    };
    assert_eq!(
        second,
        &Fields::from([
            ("message", D("attempt")),
            ("operation", s("CreateApp")),
            ("attempt", V::U(2)),
            ("status", V::U(503)),
            ("request_id", s("rid-503")),
            ("wait_ms", f(0.0)),
            ("error", s("api")),
            ("error_code", s("SYS.0503")),
            ("retry_in_ms", f(retry_in)),
        ])
    );
    // 3: success.
    assert_eq!(
        events[2].fields,
        Fields::from([
            ("message", D("attempt")),
            ("operation", s("CreateApp")),
            ("attempt", V::U(3)),
            ("status", V::U(200)),
            ("request_id", s("rid-200")),
            ("wait_ms", f(0.0)),
        ])
    );
}

/// The `message` field holds `format_args!`, recorded through `Debug`.
#[allow(non_snake_case)]
fn D(text: &str) -> V {
    V::D(text.to_owned())
}

#[test]
fn a_final_failure_says_why_it_stops() {
    let capture = Capture::default();
    let answers = vec![Ok((
        400,
        r#"{"error_code":"RTC.00001002","error_msg":"bad app name"}"#,
    ))];
    let client = client(scripted(answers), ThrottleConfig::documented());
    let err = tracing::subscriber::with_default(capture.clone(), || {
        client
            .call(&CreateApp::new(AppReq::new("refused")))
            .unwrap_err()
    });
    assert_eq!(err.status(), Some(http::StatusCode::BAD_REQUEST));
    let events = capture.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0].fields,
        Fields::from([
            ("message", D("attempt")),
            ("operation", s("CreateApp")),
            ("attempt", V::U(1)),
            ("status", V::U(400)),
            ("request_id", s("rid-400")),
            ("wait_ms", f(0.0)),
            ("error", s("api")),
            ("error_code", s("RTC.00001002")),
            ("stop", D("NotRetryable")),
        ])
    );
}

#[test]
fn the_throttle_wait_is_recorded() {
    let capture = Capture::default();
    let one_per_10s = RateLimit {
        requests: 1,
        window: Duration::from_secs(10),
    };
    let throttle = ThrottleConfig::documented()
        .with_limit(ThrottleCategory::ApplicationManagement, one_per_10s)
        .unwrap();
    let client = client(scripted(Vec::new()), throttle);
    tracing::subscriber::with_default(capture.clone(), || {
        client.call(&ListApps::new()).unwrap();
        client.call(&ListApps::new()).unwrap();
    });
    let spans = capture.spans();
    assert_eq!(spans.len(), 2);
    let events = capture.events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0].parent, Some(spans[0].id));
    assert_eq!(events[1].parent, Some(spans[1].id));
    assert_eq!(events[0].fields["wait_ms"], f(0.0));
    assert_eq!(events[1].fields["wait_ms"], f(10_000.0));
    assert_eq!(events[1].fields["status"], V::U(200));
}

#[test]
fn no_secret_header_or_body_is_recorded() {
    let capture = Capture::default();
    let answers = vec![
        Ok((200, r#"{"auth_key":"SENTINEL-IN-RESPONSE"}"#)),
        Ok((
            503,
            r#"{"error_code":"SYS.0503","error_msg":"SENTINEL-IN-MESSAGE"}"#,
        )),
    ];
    let client = client(scripted(answers), ThrottleConfig::documented());
    tracing::subscriber::with_default(capture.clone(), || {
        client
            .call(&UpdateRecordCallback::new(
                "a",
                AppCallbackUrlReq::new("https://cb.example.com").auth_key(AUTH_KEY),
            ))
            .unwrap();
    });
    let events = capture.events();
    assert_eq!(events.len(), 2, "{events:?}");
    let spans = capture.spans();
    let mut seen = 0;
    for fields in events
        .iter()
        .map(|e| &e.fields)
        .chain(spans.iter().map(|s| &s.fields))
    {
        for (name, value) in fields {
            assert!(
                EVENT_FIELDS.contains(name) || *name == "category",
                "unexpected field {name}"
            );
            let text = format!("{value:?}");
            assert!(!text.contains("SENTINEL"), "{name} = {text}");
            assert!(!text.contains("Signature"), "{name} = {text}");
            assert!(!text.contains("AKTEST"), "{name} = {text}");
            seen += 1;
        }
    }
    assert!(seen > 10, "{seen} fields seen");
}

#[test]
fn a_retry_the_budget_refuses_stops_with_budget_exhausted() {
    let capture = Capture::default();
    let answers = vec![Ok((503, "{}")), Ok((503, "{}"))];
    // Room for one retry of a 503 (10 tokens), not two.
    let client = Client::builder(scripted(answers))
        .credentials(Credentials::ak_sk("AKTEST", SK).unwrap())
        .clock(Arc::new(VirtualClock::new(UNIX_EPOCH)))
        .retry_budget(sparkrtc::retry::RetryBudget::new().with_capacity(19))
        .seed(5)
        .build()
        .unwrap();
    let err = tracing::subscriber::with_default(capture.clone(), || {
        client.call(&ListApps::new()).unwrap_err()
    });
    assert!(
        matches!(
            err,
            sparkrtc::Error::RetryBudgetExhausted { attempts: 2, .. }
        ),
        "{err:?}"
    );
    let events = capture.events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events[0].fields.contains_key("retry_in_ms"), "{events:?}");
    assert_eq!(events[1].fields.get("stop"), Some(&D("BudgetExhausted")));
    assert_eq!(events[1].fields.get("attempt"), Some(&V::U(2)));
    assert!(!events[1].fields.contains_key("retry_in_ms"));
}
