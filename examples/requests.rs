//! Prints exactly what goes on the wire for a few operations: method, URI,
//! headers (signed with demo credentials at a fixed time) and body. Then
//! parses a canned answer for each. No network.
//!
//! Run with `cargo run --example requests`.

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue, Request, StatusCode};
use sparkrtc::model::*;
use sparkrtc::ops::{CreateMixJob, ListRtcUserList, ShowMixJob, StopMixJob};
use sparkrtc::sign::sign;
use sparkrtc::{Credentials, Endpoint, Operation};

fn main() -> Result<(), sparkrtc::Error> {
    let project = "0b3c0ef8d28026f22f6bc0010da5b6a1";
    let endpoint = Endpoint::default().with_project_id(project)?;
    // Demo credentials: with real ones, use Credentials::from_env().
    let credentials =
        Credentials::ak_sk("DEMOACCESSKEY0000000", "demo-secret-key")?.with_project_id(project)?;
    let time = UNIX_EPOCH + Duration::from_secs(1_704_164_645); // 2024-01-02T03:04:05Z

    let create = CreateMixJob::new(
        "5f1a2b3c4d5e6f7a8b9c0d1e",
        MixJobReq::new(
            MixParam::new("room-001", EncodeTemplate::P720Fps30Kbps1710)
                .layout_template(LayoutTemplate::Custom)
                .layout_panes(vec![
                    MixLayoutPane::new()
                        .id(1u32)
                        .user_id("alice")
                        .x(0.0)
                        .y(0.0)
                        .width(0.5)
                        .height(1.0),
                    MixLayoutPane::new()
                        .id(2u32)
                        .user_id("bob")
                        .x(0.5)
                        .y(0.0)
                        .width(0.5)
                        .height(1.0),
                ]),
        )
        .record_param(RecordParam::new("7a3c9e1f2b4d6a8c0e5f1a2b")),
    );
    let mut request = create.build(&endpoint)?;
    sign(&mut request, &credentials, time)?;
    print_request("CreateMixJob", &request);
    let out = CreateMixJob::parse(
        StatusCode::CREATED,
        &request_id("b2f6e0c1"),
        br#"{"job_id":"d5a0c9e2","room_id":"room-001","state":"INIT","stream_name":"m_d5a0c9e2_room-001"}"#,
    )?;
    println!(
        "parsed: job {:?} in state {:?}, request id {:?}\n",
        out.job_id, out.state, out.request_id
    );

    let mut request = ShowMixJob::new("5f1a2b3c4d5e6f7a8b9c0d1e", "d5a0c9e2").build(&endpoint)?;
    sign(&mut request, &credentials, time)?;
    print_request("ShowMixJob", &request);

    let mut request = ListRtcUserList::new("5f1a2b3c4d5e6f7a8b9c0d1e")
        .room_id("room 001")
        .state(vec![UserState::Online, UserState::Offline])
        .start_time("2024-01-02T02:00:00Z")
        .end_time("2024-01-02T03:00:00Z")
        .limit(50u32)
        .build(&endpoint)?;
    sign(&mut request, &credentials, time)?;
    print_request("ListRtcUserList", &request);

    // Path parameters are one segment each, whatever they contain.
    let mut request = StopMixJob::new("app/../other", "job?x=1").build(&endpoint)?;
    sign(&mut request, &credentials, time)?;
    print_request("StopMixJob (hostile ids)", &request);

    // An error answer becomes a typed error.
    let err = ShowMixJob::parse(
        StatusCode::TOO_MANY_REQUESTS,
        &request_id("c0ffee"),
        br#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second"}"#,
    )
    .unwrap_err();
    println!("error: {err}");
    Ok(())
}

fn request_id(id: &'static str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("X-request-Id", HeaderValue::from_static(id));
    h
}

fn print_request(name: &str, request: &Request<Vec<u8>>) {
    println!("=== {name} ===");
    println!("{} {}", request.method(), request.uri());
    for (name, value) in request.headers() {
        // The demo signature is safe to show; a real token would not be.
        println!("{name}: {}", String::from_utf8_lossy(value.as_bytes()));
    }
    if !request.body().is_empty() {
        println!("\n{}", String::from_utf8_lossy(request.body()));
    }
    println!();
}
