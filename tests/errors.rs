//! Every bad response gets a typed error with a useful message, never a panic.

use http::{HeaderMap, HeaderValue, StatusCode};
use sparkrtc::model::*;
use sparkrtc::ops::{DeleteApp, ListRtcUserList, ShowApp, ShowMixJob};
use sparkrtc::{dynamic, ApiError, Error, Operation};

fn headers(request_id: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("X-request-Id", HeaderValue::from_str(request_id).unwrap());
    h
}

fn api_error(status: u16, body: &[u8]) -> ApiError {
    match ShowMixJob::parse(
        StatusCode::from_u16(status).unwrap(),
        &headers("rid-1"),
        body,
    ) {
        Err(Error::Api(e)) => *e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[test]
fn documented_error_bodies() {
    let cases: [(u16, &[u8], &str, &str); 5] = [
        (400, br#"{"error_code":"RTC.00001000","error_msg":"Invalid parameter: room_id"}"#, "RTC.00001000", "Invalid parameter: room_id"),
        (401, br#"{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}"#, "APIG.0301", "Incorrect IAM authentication information: verify aksk signature fail"),
        (404, br#"{"error_code":"RTC.00001007","error_msg":"The app does not exist"}"#, "RTC.00001007", "The app does not exist"),
        (429, br#"{"error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute","error_code":"APIG.0308","request_id":"body-rid"}"#, "APIG.0308", "The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute"),
        (500, br#"{"error_code":"RTC.00001001","error_msg":"Internal error"}"#, "RTC.00001001", "Internal error"),
    ];
    for (status, body, code, msg) in cases {
        let e = api_error(status, body);
        assert_eq!(e.status, status);
        assert_eq!(e.error_code.as_deref(), Some(code));
        assert_eq!(e.error_msg.as_deref(), Some(msg));
        // The header wins over a request id in the body.
        assert_eq!(e.request_id.as_deref(), Some("rid-1"));
        assert_eq!(e.body_snippet, None);
        assert_eq!(e.is_throttled(), status == 429);
        assert_eq!(
            e.to_string(),
            format!("SparkRTC API error: HTTP {status} {code}: {msg} (request id rid-1)")
        );
    }
}

#[test]
fn request_id_from_the_body_when_the_header_is_missing() {
    let e = match ShowMixJob::parse(
        StatusCode::TOO_MANY_REQUESTS,
        &HeaderMap::new(),
        br#"{"error_code":"APIG.0308","error_msg":"throttled","request_id":"body-rid"}"#,
    ) {
        Err(Error::Api(e)) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(e.request_id.as_deref(), Some("body-rid"));
}

#[test]
fn other_error_shapes() {
    let e = api_error(
        400,
        br#"{"code":"DATA.100011001","message":"start_time is invalid"}"#,
    );
    assert_eq!(e.error_code.as_deref(), Some("DATA.100011001"));
    assert_eq!(e.error_msg.as_deref(), Some("start_time is invalid"));
    let e = api_error(
        400,
        br#"{"error":{"code":"APIGW.0101","message":"The API does not exist"}}"#,
    );
    assert_eq!(e.error_code.as_deref(), Some("APIGW.0101"));
    assert_eq!(e.error_msg.as_deref(), Some("The API does not exist"));
    // ListRtcEvent's documented 400 uses a string code "400" (with spaces around the colon).
    let e = api_error(
        400,
        br#"{"error_code" : "400", "error_msg" : "bad request"}"#,
    );
    assert_eq!(e.error_code.as_deref(), Some("400"));
    let e = api_error(400, br#"{"error_code": 400, "error_msg": "numeric code"}"#);
    assert_eq!(e.error_code.as_deref(), Some("400"));
}

#[test]
fn non_json_empty_and_truncated_error_bodies() {
    let e = api_error(502, b"<html><body>502 Bad Gateway</body></html>");
    assert_eq!(e.error_code, None);
    assert_eq!(
        e.body_snippet.as_deref(),
        Some("<html><body>502 Bad Gateway</body></html>")
    );
    assert_eq!(
        e.to_string(),
        "SparkRTC API error: HTTP 502: body \"<html><body>502 Bad Gateway</body></html>\" (request id rid-1)"
    );

    let e = api_error(503, b"");
    assert_eq!((e.error_code.clone(), e.body_snippet.clone()), (None, None));
    assert_eq!(
        e.to_string(),
        "SparkRTC API error: HTTP 503 (request id rid-1)"
    );

    let e = api_error(500, br#"{"error_code":"RTC.0"#);
    assert_eq!(e.error_code, None);
    assert_eq!(e.body_snippet.as_deref(), Some(r#"{"error_code":"RTC.0"#));

    let e = api_error(500, &[0xff, 0xfe, b'x']);
    assert_eq!(e.body_snippet.as_deref(), Some("\u{fffd}\u{fffd}x"));

    let long = "e".repeat(10_000);
    let e = api_error(500, long.as_bytes());
    let snippet = e.body_snippet.unwrap();
    assert_eq!(snippet.chars().count(), 257);
    assert!(snippet.ends_with('…'));
}

fn decode_error(result: Result<impl std::fmt::Debug, Error>) -> sparkrtc::DecodeError {
    match result {
        Err(Error::Decode(e)) => *e,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn malformed_success_bodies_name_the_json_path() {
    let h = headers("rid-2");
    let e = decode_error(ListRtcUserList::parse(
        StatusCode::OK,
        &h,
        br#"{"total": 2, "users": [{"uid": "a"}, {"uid": {"x": 1}}]}"#,
    ));
    assert_eq!(e.operation, "ListRtcUserList");
    assert_eq!(e.status, 200);
    assert_eq!(e.path, "users[1].uid");
    assert_eq!(e.request_id.as_deref(), Some("rid-2"));
    assert!(
        e.message
            .starts_with("invalid type: map, expected a string"),
        "{}",
        e.message
    );

    let e = decode_error(ListRtcUserList::parse(
        StatusCode::OK,
        &h,
        br#"{"total": "many"}"#,
    ));
    assert_eq!(e.path, "total");
    assert!(e.message.contains("expected an integer"), "{}", e.message);

    let e = decode_error(ListRtcUserList::parse(
        StatusCode::OK,
        &h,
        br#"{"users": "nobody"}"#,
    ));
    assert_eq!(e.path, "users");

    let e = decode_error(ShowMixJob::parse(
        StatusCode::OK,
        &h,
        br#"{"job_id": "j", "state": "RUNN"#,
    ));
    assert_eq!(e.path, "state");
    assert!(e.message.starts_with("EOF while parsing"), "{}", e.message);
    assert_eq!(e.body_snippet, r#"{"job_id": "j", "state": "RUNN"#);

    let e = decode_error(ShowMixJob::parse(StatusCode::OK, &h, b"[1,2]"));
    assert_eq!(e.path, ".");
    let e = decode_error(ShowMixJob::parse(StatusCode::OK, &h, b"null"));
    assert_eq!(e.path, ".");
    let e = decode_error(ShowMixJob::parse(
        StatusCode::OK,
        &h,
        br#"{"job_id":"j"} trailing"#,
    ));
    assert_eq!(e.path, ".");
    assert!(
        e.message.starts_with("trailing characters"),
        "{}",
        e.message
    );

    // Invalid UTF-8 inside a string.
    let e = decode_error(ShowMixJob::parse(
        StatusCode::OK,
        &h,
        b"{\"job_id\":\"\xff\"}",
    ));
    assert_eq!(e.path, "job_id");
    assert_eq!(e.body_snippet, "{\"job_id\":\"\u{fffd}\"}");

    // Inside a nested model shared with requests.
    let e = decode_error(ShowMixJob::parse(
        StatusCode::OK,
        &h,
        br#"{"mix_param": {"room_id": "r", "layout_panes": [{"x": 0.5}, {"x": "left"}]}}"#,
    ));
    assert_eq!(e.path, "mix_param.layout_panes[1].x");
    assert_eq!(
        e.message,
        "invalid value: string \"left\", expected a number at line 1 column 72"
    );

    assert_eq!(
        decode_error(ShowMixJob::parse(StatusCode::OK, &h, br#"{"state": 5"#)).to_string(),
        "cannot decode ShowMixJob response (HTTP 200) at `?`: EOF while parsing an object at line 1 column 11; body \"{\\\"state\\\": 5\" (request id rid-2)"
    );
}

#[test]
fn nested_request_models_in_responses_are_read_leniently() {
    // The API reference's examples send ids as numbers; a job's mix_param
    // and a rule's configs are request models, read as leniently as the rest
    // of the answer. A missing required field becomes a placeholder.
    let out = ShowMixJob::parse(
        StatusCode::OK,
        &HeaderMap::new(),
        br#"{"mix_param": {"room_id": 100, "max_idle_time": "30", "layout_panes": [{"id": "1", "x": 0, "zorder": 2.0}]}, "record_param": {}}"#,
    )
    .unwrap();
    let mp = out.mix_param.as_ref().unwrap();
    assert_eq!(mp.room_id, "100");
    assert_eq!(mp.encode_template, EncodeTemplate::Unknown(String::new()));
    assert_eq!(mp.max_idle_time, Some(30));
    let pane = &mp.layout_panes.as_ref().unwrap()[0];
    assert_eq!(
        (pane.id, pane.x, pane.zorder),
        (Some(1), Some(0.0), Some(2))
    );
    assert_eq!(out.record_param.as_ref().unwrap().record_rule_id, "");

    let rule = sparkrtc::ops::ShowRecordRule::parse(
        StatusCode::OK,
        &HeaderMap::new(),
        br#"{"hls_config": {"record_cycle": "60"}, "mp4_config": {}, "obs_addr": {"location": "cn-north-4"}}"#,
    )
    .unwrap();
    assert_eq!(rule.hls_config.as_ref().unwrap().record_cycle, 60);
    assert_eq!(rule.mp4_config.as_ref().unwrap().record_cycle, 0);
    assert_eq!(rule.obs_addr.as_ref().unwrap().bucket, "");

    // Out of range for the Rust type is still an error.
    let e = decode_error(ShowMixJob::parse(
        StatusCode::OK,
        &HeaderMap::new(),
        br#"{"mix_param": {"max_idle_time": -1}}"#,
    ));
    assert_eq!(e.path, "mix_param.max_idle_time");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = decode_error(ShowMixJob::parse(
        StatusCode::OK,
        &HeaderMap::new(),
        body.as_bytes(),
    ));
    assert_eq!(e.path, ".");
    // Inside an unknown (ignored) field, too.
    let body = format!("{{\"surprise\": {}", "{\"a\":".repeat(50_000));
    let e = decode_error(ShowMixJob::parse(
        StatusCode::OK,
        &HeaderMap::new(),
        body.as_bytes(),
    ));
    assert!(e.message.starts_with("EOF while parsing"), "{}", e.message);
}

#[test]
fn huge_bodies_are_refused() {
    let body = vec![b' '; 32 * 1024 * 1024 + 1];
    match ShowMixJob::parse(StatusCode::OK, &HeaderMap::new(), &body) {
        Err(Error::BodyTooLarge { len, limit }) => {
            assert_eq!(len, body.len());
            assert_eq!(limit, 32 * 1024 * 1024);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn empty_success_bodies() {
    for body in [&b""[..], b"  \r\n", b"{}"] {
        let out = DeleteApp::parse(StatusCode::NO_CONTENT, &headers("r"), body).unwrap();
        assert_eq!(out.request_id.as_deref(), Some("r"));
        assert_eq!(out.body, Empty {});
    }
    let out = ShowMixJob::parse(StatusCode::OK, &HeaderMap::new(), b"").unwrap();
    assert_eq!(out.body, MixJob::default());
    assert_eq!(out.request_id, None);
}

#[test]
fn request_id_header_is_case_insensitive_and_tolerates_junk() {
    for name in [
        "x-request-id",
        "X-Request-Id",
        "X-REQUEST-ID",
        "X-request-id",
    ] {
        let mut h = HeaderMap::new();
        h.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_static("abc"),
        );
        let out = ShowMixJob::parse(StatusCode::OK, &h, b"{}").unwrap();
        assert_eq!(out.request_id.as_deref(), Some("abc"), "{name}");
    }
    let mut h = HeaderMap::new();
    h.insert(
        "x-request-id",
        HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
    );
    let out = ShowMixJob::parse(StatusCode::OK, &h, b"{}").unwrap();
    assert_eq!(out.request_id, None);
}

#[test]
fn secrets_never_reach_error_messages_or_debug_output() {
    const SENTINEL: &str = "SENTINEL-SECRET-93f1";
    // A ShowApp answer carrying the app key and the callback key, made
    // undecodable by a bad field after them.
    let body = format!(
        r#"{{"app_id":"a","authentication":{{"enable":true,"app_key":"{SENTINEL}"}},"callbacks":{{"record_callback":{{"url":"https://x","auth_key":"{SENTINEL}"}}}},"create_time":{{}}}}"#
    );
    let err = ShowApp::parse(StatusCode::OK, &HeaderMap::new(), body.as_bytes()).unwrap_err();
    assert!(!err.to_string().contains(SENTINEL), "{err}");
    assert!(!format!("{err:?}").contains(SENTINEL), "{err:?}");
    let err = ShowApp::parse(
        StatusCode::INTERNAL_SERVER_ERROR,
        &HeaderMap::new(),
        format!("oops {body}").as_bytes(),
    )
    .unwrap_err();
    assert!(!err.to_string().contains(SENTINEL), "{err}");

    // Parsed successfully, the secrets are in `Secret`s.
    let ok = body.replace(r#","create_time":{}"#, "");
    let out = ShowApp::parse(StatusCode::OK, &HeaderMap::new(), ok.as_bytes()).unwrap();
    assert!(!format!("{out:?}").contains(SENTINEL));
    assert_eq!(
        out.authentication
            .as_ref()
            .unwrap()
            .app_key
            .as_ref()
            .unwrap()
            .expose_secret(),
        SENTINEL
    );
    // The dynamic output must carry the value: it is the caller's data.
    let v = dynamic::parse("ShowApp", StatusCode::OK, &HeaderMap::new(), ok.as_bytes()).unwrap();
    assert_eq!(v["authentication"]["app_key"], SENTINEL);

    // A request with a callback key.
    let req = sparkrtc::ops::UpdateRecordCallback::new(
        "app",
        AppCallbackUrlReq::new("https://cb.example.com/rtc").auth_key(SENTINEL),
    );
    assert!(!format!("{req:?}").contains(SENTINEL));
}

#[test]
fn unknown_operation_names() {
    let err = dynamic::build(
        "ShowMixjob",
        &serde_json::json!({}),
        &sparkrtc::Endpoint::default(),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "unknown operation `ShowMixjob`");
    let err = dynamic::parse("", StatusCode::OK, &HeaderMap::new(), b"{}").unwrap_err();
    assert!(matches!(err, Error::UnknownOperation(name) if name.is_empty()));
}
