//! With the `log` feature, the client's tracing span and events reach a `log`
//! logger as records (target `sparkrtc`): one line opening the call, one per
//! attempt (operation, attempt, status, request id, throttle wait, error,
//! retry delay), and never a secret, a signature or a body.
#![cfg(feature = "log")]
#![allow(clippy::disallowed_types)] // a Mutex to collect the lines

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use http::{Request, Response};
use sparkrtc::client::Client;
use sparkrtc::model::{AppCallbackUrlReq, AppReq};
use sparkrtc::ops::{CreateApp, UpdateRecordCallback};
use sparkrtc::time::VirtualClock;
use sparkrtc::transport::TransportError;
use sparkrtc::Credentials;

struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == "sparkrtc"
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            self.0.lock().unwrap().push(record.args().to_string());
        }
    }
    fn flush(&self) {}
}

fn lines() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(capture).unwrap();
        log::set_max_level(log::LevelFilter::Debug);
        capture
    })
}

const SK: &str = "SENTINEL-SECRET-KEY";
const AUTH_KEY: &str = "SENTINEL-CALLBACK-KEY-0123456789abcdef";

#[test]
fn one_line_per_attempt_and_no_secret() {
    let capture = lines();
    let answers = Mutex::new(vec![
        Ok((200, r#"{"app_id":"a"}"#)),
        Ok((503, r#"{"error_code":"SYS.0503","error_msg":"busy"}"#)),
        Err(()),
    ]);
    let send = move |_request: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, TransportError> {
        match answers.lock().unwrap().pop().unwrap_or(Ok((200, "{}"))) {
            Ok((status, body)) => Ok(Response::builder()
                .status(status)
                .header("x-request-id", format!("rid-{status}"))
                .body(body.as_bytes().to_vec())
                .unwrap()),
            Err(()) => Err(TransportError::not_sent(std::io::Error::from(
                std::io::ErrorKind::ConnectionRefused,
            ))),
        }
    };
    let clock = VirtualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let client = Client::builder(send)
        .credentials(Credentials::ak_sk("AKTEST", SK).unwrap())
        .clock(Arc::new(clock))
        .seed(5)
        .build()
        .unwrap();
    client.call(&CreateApp::new(AppReq::new("logged"))).unwrap();
    let logged = capture.0.lock().unwrap().clone();
    assert!(
        logged.contains(
            &r#"call; operation="CreateApp" category="application_management""#.to_string()
        ),
        "{logged:?}"
    );
    let ours: Vec<&String> = logged
        .iter()
        .filter(|l| l.starts_with(r#"attempt operation="CreateApp""#))
        .collect();
    assert_eq!(ours.len(), 3, "{logged:?}");
    assert!(
        ours[0].starts_with(
            r#"attempt operation="CreateApp" attempt=1 wait_ms=0.0 error="transport_not_sent" retry_in_ms="#
        ),
        "{}",
        ours[0]
    );
    assert!(
        ours[1].starts_with(
            r#"attempt operation="CreateApp" attempt=2 status=503 request_id="rid-503" wait_ms=0.0 error="api" error_code="SYS.0503" retry_in_ms="#
        ),
        "{}",
        ours[1]
    );
    assert_eq!(
        ours[2],
        r#"attempt operation="CreateApp" attempt=3 status=200 request_id="rid-200" wait_ms=0.0"#
    );

    // A call whose body carries a secret.
    let _ = client.call(&UpdateRecordCallback::new(
        "a",
        AppCallbackUrlReq::new("https://cb.example.com").auth_key(AUTH_KEY),
    ));
    for line in capture.0.lock().unwrap().iter() {
        assert!(!line.contains("SENTINEL"), "{line}");
        assert!(!line.contains("Signature="), "{line}");
    }
}
