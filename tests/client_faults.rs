//! The client over ureq against a misbehaving server on loopback: refused
//! connections, connections closed before or during the response, stalls,
//! 5xx then success, 429 with and without `Retry-After`, truncated and
//! garbage bodies, a body over the cap, a server whose clock is 20 minutes
//! ahead. Every test is bounded by the transport's timeouts and the call's
//! deadline; none may hang or panic.
#![cfg(feature = "ureq")]
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // sockets, clocks

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use sparkrtc::client::Client;
use sparkrtc::model::{EncodeTemplate, MixJobReq, MixParam};
use sparkrtc::ops::{CreateMixJob, ShowMixJob};
use sparkrtc::retry::RetryPolicy;
use sparkrtc::throttle::ThrottleConfig;
use sparkrtc::transport::{TransportErrorKind, UreqConfig, UreqTransport};
use sparkrtc::{Credentials, Endpoint, Error};

/// A request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    at: Instant,
    head: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

/// What the server does with the `n`-th request (from 0).
type Script = dyn Fn(usize, &Seen, &mut TcpStream) + Send + Sync;

/// A server on a free loopback port that answers each connection with the
/// script; it records every request it read.
fn server(script: Box<Script>) -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let Some(request) = read_request(&mut stream) else {
                continue;
            };
            log.lock().unwrap().push(request.clone());
            script(n, &request, &mut stream);
        }
    });
    (addr, seen)
}

/// Reads one request's head and body.
fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let seen = Seen {
        at: Instant::now(),
        head,
    };
    let len: usize = seen
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(seen)
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &str) {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\nx-request-id: rid-{}\r\n",
        body.len(),
        status.split(' ').next().unwrap_or("")
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    let _ = stream.write_all(out.as_bytes());
}

const JOB: &str = r#"{"job_id":"j-1","state":"RUNNING"}"#;

fn client(addr: SocketAddr) -> Client<UreqTransport> {
    client_with(addr, UreqConfig::default(), ThrottleConfig::documented())
}

fn client_with(
    addr: SocketAddr,
    config: UreqConfig,
    throttle: ThrottleConfig,
) -> Client<UreqTransport> {
    Client::builder(UreqTransport::new(
        config
            .connect_timeout(Duration::from_secs(2))
            .read_timeout(Duration::from_millis(500))
            .call_timeout(Duration::from_secs(3)),
    ))
    .endpoint(Endpoint::new(&format!("http://{addr}")).unwrap())
    .credentials(Credentials::ak_sk("AKTEST", "SKTEST").unwrap())
    .retry(
        RetryPolicy::default().with_backoff(Duration::from_millis(10), Duration::from_millis(50)),
    )
    .throttle(throttle)
    .seed(7)
    .deadline(Duration::from_secs(20))
    .build()
    .unwrap()
}

fn create_job() -> CreateMixJob {
    CreateMixJob::new(
        "app",
        MixJobReq::new(MixParam::new("room", EncodeTemplate::AudioOnly)),
    )
}

fn transport_kind(e: &Error) -> TransportErrorKind {
    match e {
        Error::Transport(t) => t.kind(),
        other => panic!("expected a transport error, got {other}"),
    }
}

#[test]
fn a_refused_connection_is_not_sent_and_retried() {
    // A port nobody listens on.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let started = Instant::now();
    let err = client(addr).call(&create_job()).unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::NotSent);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn closed_before_the_response_a_create_is_sent_once_a_read_is_retried() {
    let (addr, seen) = server(Box::new(|_, _, stream| {
        drop(stream.shutdown(std::net::Shutdown::Both))
    }));
    let err = client(addr).call(&create_job()).unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::FailedAfterSend);
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "a job-creating POST is sent at most once"
    );

    let (addr, seen) = server(Box::new(|_, _, stream| {
        drop(stream.shutdown(std::net::Shutdown::Both))
    }));
    let err = client(addr)
        .call(&ShowMixJob::new("app", "j-1"))
        .unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::FailedAfterSend);
    assert_eq!(
        seen.lock().unwrap().len(),
        4,
        "a read is retried up to the policy's 4 attempts"
    );
}

#[test]
fn closed_in_the_middle_of_the_response_or_a_truncated_body() {
    let (addr, seen) = server(Box::new(|n, _, stream| {
        if n == 0 {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-ty");
        } else if n == 1 {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\nconnection: close\r\n\r\n{\"job_id\":",
            );
        } else {
            respond(stream, "200 OK", &[], JOB);
        }
    }));
    let out = client(addr).call(&ShowMixJob::new("app", "j-1")).unwrap();
    assert_eq!(out.job_id.as_deref(), Some("j-1"));
    assert_eq!(out.request_id.as_deref(), Some("rid-200"));
    assert_eq!(seen.lock().unwrap().len(), 3);

    let (addr, seen) = server(Box::new(|_, _, stream| {
        let _ = stream.write_all(
            b"HTTP/1.1 201 Created\r\ncontent-length: 100\r\nconnection: close\r\n\r\n{\"job_id\":",
        );
    }));
    let err = client(addr).call(&create_job()).unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::FailedAfterSend);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn a_stall_past_the_timeouts_is_a_timeout() {
    let (addr, seen) = server(Box::new(|_, _, _| {
        std::thread::sleep(Duration::from_secs(2))
    }));
    let started = Instant::now();
    let err = client(addr).call(&create_job()).unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Timeout);
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "sent once: the server may have acted"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_500_then_a_200_succeeds_on_the_second_attempt() {
    let (addr, seen) = server(Box::new(|n, _, stream| {
        if n == 0 {
            respond(
                stream,
                "500 Internal Server Error",
                &[],
                r#"{"error_code":"RTC.00000001","error_msg":"internal"}"#,
            );
        } else {
            respond(stream, "201 Created", &[], JOB);
        }
    }));
    let out = client(addr).call(&create_job()).unwrap();
    assert_eq!(out.request_id.as_deref(), Some("rid-201"));
    assert_eq!(seen.lock().unwrap().len(), 2);
}

const THROTTLED: &str = r#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second"}"#;

#[test]
fn retry_after_is_honoured() {
    let (addr, seen) = server(Box::new(|n, _, stream| {
        if n == 0 {
            respond(
                stream,
                "429 Too Many Requests",
                &[("retry-after", "1".into())],
                THROTTLED,
            );
        } else {
            respond(stream, "200 OK", &[], JOB);
        }
    }));
    client(addr).call(&ShowMixJob::new("app", "j-1")).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    let gap = seen[1].at - seen[0].at;
    assert!(gap >= Duration::from_secs(1), "{gap:?}");
}

#[test]
fn a_429_without_retry_after_backs_off_as_configured() {
    let (addr, seen) = server(Box::new(|n, _, stream| {
        if n == 0 {
            respond(stream, "429 Too Many Requests", &[], THROTTLED);
        } else {
            respond(stream, "200 OK", &[], JOB);
        }
    }));
    let throttle = ThrottleConfig::documented()
        .with_default_backoff(Duration::from_millis(300), Duration::from_millis(400))
        .unwrap();
    client_with(addr, UreqConfig::default(), throttle)
        .call(&ShowMixJob::new("app", "j-1"))
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    let gap = seen[1].at - seen[0].at;
    assert!(gap >= Duration::from_millis(300), "{gap:?}");
}

#[test]
fn garbage_json_is_a_decode_error_not_retried() {
    let (addr, seen) = server(Box::new(|_, _, stream| {
        respond(stream, "200 OK", &[], "{not json")
    }));
    let err = client(addr)
        .call(&ShowMixJob::new("app", "j-1"))
        .unwrap_err();
    match &err {
        Error::Decode(d) => assert_eq!(d.request_id.as_deref(), Some("rid-200")),
        other => panic!("{other}"),
    }
    assert_eq!(err.request_id(), Some("rid-200"));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn a_body_over_the_cap_is_a_typed_error_not_an_allocation() {
    let (addr, seen) = server(Box::new(|_, _, stream| {
        let body = format!(r#"{{"job_id":"{}"}}"#, "x".repeat(4096));
        respond(stream, "200 OK", &[], &body);
    }));
    let err = client_with(
        addr,
        UreqConfig::default().max_body_bytes(1024),
        ThrottleConfig::documented(),
    )
    .call(&ShowMixJob::new("app", "j-1"))
    .unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::BodyTooLarge);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn a_skewed_server_clock_is_learnt_and_the_next_attempt_succeeds() {
    // The server's clock is 20 minutes ahead; it refuses dates more than 15
    // minutes off, and says its time in `Date`.
    let skew = Duration::from_secs(20 * 60);
    let (addr, seen) = server(Box::new(move |_, request, stream| {
        let server_now = SystemTime::now() + skew;
        let date = httpdate::fmt_http_date(server_now);
        let signed = request.header("x-sdk-date").unwrap_or_default();
        let signed = sparkrtc::sign::SdkDate::parse(&signed).unwrap();
        let off = server_now
            .duration_since(signed)
            .unwrap_or_else(|e| e.duration());
        if off > Duration::from_secs(15 * 60) {
            respond(
                stream,
                "401 Unauthorized",
                &[("date", date)],
                r#"{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: calc ak sk signature fail:signature expired"}"#,
            );
        } else {
            respond(stream, "200 OK", &[("date", date)], JOB);
        }
    }));
    let client = client(addr);
    let out = client.call(&ShowMixJob::new("app", "j-1")).unwrap();
    assert_eq!(out.job_id.as_deref(), Some("j-1"));
    assert_eq!(seen.lock().unwrap().len(), 2);
    let learnt = client.skew().seconds();
    assert!((1195..=1205).contains(&learnt), "{learnt}");
}
