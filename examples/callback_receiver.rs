//! A receiver of SparkRTC recording callbacks: it checks each one with
//! `sparkrtc::callback::Verifier`, acknowledges it, and prints one line per
//! event.
//!
//! ```sh
//! SPARKRTC_CALLBACK_AUTH_KEY=<the app's callback auth_key> \
//!     cargo run --example callback_receiver -- 8090
//! ```
//!
//! It listens on `127.0.0.1` (port from the first argument; default 0, any
//! free port) and prints its URL: configure that URL with
//! `UpdateRecordCallback` (the simulator posts to loopback URLs). Without
//! `SPARKRTC_CALLBACK_AUTH_KEY` it accepts only unsigned callbacks, for an
//! application with no `auth_key`. A refused callback gets 401, a body over
//! 64 KiB 413. Stop it with Ctrl-C.
#![allow(clippy::disallowed_methods)] // an example may read the environment and the clock

use std::io::{Cursor, Read};
use std::process::ExitCode;
use std::time::SystemTime;

use sparkrtc::callback::{self, CallbackEvent, Verifier, DEFAULT_MAX_BODY};
use sparkrtc::http::{HeaderMap, HeaderName, HeaderValue, Response};

fn main() -> ExitCode {
    let port: u16 = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 0,
        Some(Ok(port)) => port,
        Some(Err(_)) => {
            eprintln!("usage: callback_receiver [PORT]");
            return ExitCode::FAILURE;
        }
    };
    let verifier = match std::env::var("SPARKRTC_CALLBACK_AUTH_KEY") {
        Ok(key) if !key.is_empty() => match Verifier::new(key) {
            Ok(verifier) => {
                println!("Verifying signatures with SPARKRTC_CALLBACK_AUTH_KEY");
                verifier
            }
            Err(e) => {
                eprintln!("SPARKRTC_CALLBACK_AUTH_KEY: {e}");
                return ExitCode::FAILURE;
            }
        },
        _ => {
            println!("SPARKRTC_CALLBACK_AUTH_KEY is not set: accepting unsigned callbacks only");
            Verifier::unsigned()
        }
    };
    let server = match tiny_http::Server::http(("127.0.0.1", port)) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match server.server_addr().to_ip() {
        Some(addr) => println!("Listening for callbacks on http://{addr}/"),
        None => println!("Listening for callbacks"),
    }
    for mut request in server.incoming_requests() {
        let response = receive(&verifier, &mut request);
        let (parts, body) = response.into_parts();
        let headers = parts
            .headers
            .iter()
            .filter_map(|(n, v)| tiny_http::Header::from_bytes(n.as_str(), v.as_bytes()).ok())
            .collect();
        let len = body.len();
        let status = tiny_http::StatusCode(parts.status.as_u16());
        let answer = tiny_http::Response::new(status, headers, Cursor::new(body), Some(len), None);
        let _ = request.respond(answer); // the sender may have gone
    }
    ExitCode::SUCCESS
}

/// Reads, verifies and answers one request.
fn receive(verifier: &Verifier, request: &mut tiny_http::Request) -> Response<Vec<u8>> {
    if request.method() != &tiny_http::Method::Post {
        return refusal(405, "callbacks are POSTed");
    }
    let mut headers = HeaderMap::new();
    for h in request.headers() {
        let name = HeaderName::from_bytes(h.field.as_str().as_str().as_bytes());
        let value = HeaderValue::from_bytes(h.value.as_str().as_bytes());
        if let (Ok(name), Ok(value)) = (name, value) {
            headers.append(name, value);
        }
    }
    // Read one byte more than the cap, to tell an oversize body.
    let mut body = Vec::new();
    let limit = DEFAULT_MAX_BODY as u64 + 1;
    if request
        .as_reader()
        .take(limit)
        .read_to_end(&mut body)
        .is_err()
    {
        return refusal(400, "cannot read the body");
    }
    if body.len() > DEFAULT_MAX_BODY {
        return refusal(413, "body too large");
    }
    match verifier.verify(&headers, &body, SystemTime::now()) {
        Ok(event) => {
            println!("{}", describe(&event));
            callback::acknowledgement()
        }
        Err(e) => {
            println!("refused a callback: {e}");
            refusal(401, &e.to_string())
        }
    }
}

/// `EVENT job=... file=... size=...`, with what the event has.
fn describe(event: &CallbackEvent) -> String {
    let mut line = event.event_type().to_owned();
    if let Some(e) = event.recording() {
        let fields = [
            ("job", e.job_id.clone()),
            ("file", e.obs_object.clone()),
            ("size", e.file_size.map(|s| s.to_string())),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                line.push_str(&format!(" {name}={value}"));
            }
        }
    }
    line
}

/// A JSON error answer.
fn refusal(status: u16, reason: &str) -> Response<Vec<u8>> {
    let body = serde_json::json!({"status": 0, "result": reason}).to_string();
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap_or_default()
}
