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
    // Exactly the limit is read (here: whitespace, an empty answer).
    let body = vec![b' '; 32 * 1024 * 1024];
    let out = ShowMixJob::parse(StatusCode::OK, &HeaderMap::new(), &body).unwrap();
    assert_eq!(out.body, MixJob::default());
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

/// The body snippet of an error answer that is not an error object.
fn redacted(body: &str) -> String {
    api_error(500, body.as_bytes()).body_snippet.unwrap()
}

#[test]
fn redaction_hides_every_scalar_inside_a_secret_value() {
    assert_eq!(
        redacted(r#"{"tokens":["S1","S2"]}"#),
        r#"{"tokens":["***","***"]}"#
    );
    assert_eq!(
        redacted(r#"{"secret":{"a":"1","b":"S3"},"c":"visible"}"#),
        r#"{"secret":{"a":"***","b":"***"},"c":"visible"}"#
    );
    assert_eq!(
        redacted(r#"{"app_key":[1.5,true,null,[{"deep":"S4"}]],"n":7}"#),
        r#"{"app_key":["***","***","***",[{"deep":"***"}]],"n":7}"#
    );
    // Malformed: an unquoted value with spaces is hidden whole.
    assert_eq!(
        redacted(r#"{"password": hunter2 and more, "x": 1}"#),
        r#"{"password": "***", "x": 1}"#
    );
    // A string in a value's place is a value even when a colon follows it.
    assert_eq!(
        redacted(r#"{"password":"S5":1}"#),
        r#"{"password":"***":1}"#
    );
}

#[test]
fn redaction_decodes_escaped_key_names() {
    for (body, shown) in [
        (r#"{"pass\u0077ord":"S1"}"#, r#"{"pass\u0077ord":"***"}"#),
        (r#"{"APP_\u004bEY":"S2"}"#, r#"{"APP_\u004bEY":"***"}"#),
        (r#"{"\u0073k":"S3"}"#, r#"{"\u0073k":"***"}"#),
        (
            r#"{"\ud83d\ude00_token":"S4"}"#,
            r#"{"\ud83d\ude00_token":"***"}"#,
        ),
        (r#"{"auth\/token":"S5"}"#, r#"{"auth\/token":"***"}"#),
    ] {
        assert_eq!(redacted(body), shown);
    }
    // Escapes that spell nothing secret change nothing.
    let body = r#"{"na\u006de":"v","\"q\"":"w","\ud800":"x"}"#;
    assert_eq!(redacted(body), body);
}

#[test]
fn debug_request_of_an_iam_token_request_keeps_its_structure() {
    let body = r#"{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","password":"pw","domain":{"name":"acct"}}}},"scope":{"project":{"id":"p"}}}}"#;
    let request = http::Request::post("https://iam.example.com/v3/auth/tokens")
        .body(body.as_bytes().to_vec())
        .unwrap();
    let shown = format!("{:?}", sparkrtc::sign::debug_request(&request));
    let expected = r#"{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"***","password":"***","domain":{"name":"***"}}}},"scope":{"project":{"id":"p"}}}}"#;
    assert!(shown.contains(&format!("body: {expected:?}")), "{shown}");

    // The real builder's body (whatever its key order).
    const SENTINEL: &str = "SENTINEL-PASSWORD-5a1e";
    let request = sparkrtc::iam::PasswordTokenRequest::new(
        "alice",
        SENTINEL,
        "acct",
        sparkrtc::iam::TokenScope::ProjectId("p".into()),
    )
    .build(&sparkrtc::iam::default_endpoint())
    .unwrap();
    let shown = format!("{:?}", sparkrtc::sign::debug_request(&request));
    assert!(!shown.contains(SENTINEL), "{shown}");
    assert!(
        !shown.contains("alice") && !shown.contains("acct"),
        "{shown}"
    );
    assert!(shown.contains(r#"\"methods\":[\"password\"]"#), "{shown}");
    assert!(
        shown.contains(r#"\"scope\":{\"project\":{\"id\":\"p\"}}"#),
        "{shown}"
    );
}

#[test]
fn redaction_copies_other_text_and_survives_garbage() {
    for body in [
        "<html><head><title>502</title></head><body>Bad Gateway: upstream \"rtc\" [down]</body></html>",
        "key: value, token = x",
        "]]}}{[\"a\" : : ,,",
    ] {
        assert_eq!(redacted(body), body);
    }
    let broken = [
        "{\"password\":\"a\\",
        "{\"pass\\u00",
        "{\"\\ud83d\":\"x\"}",
        "{\"token\":[[[[{\"a\":",
        "{\"房key\":\"房房\"}",
    ];
    for body in broken {
        for end in 0..=body.len() {
            let _ = ApiError::from_response(
                StatusCode::BAD_GATEWAY,
                &HeaderMap::new(),
                &body.as_bytes()[..end],
            );
        }
    }
    assert_eq!(redacted("{\"房key\":\"房房\"}"), "{\"房key\":\"***\"}");
    // Deep nesting under a secret key: no recursion, nothing shown.
    let deep = format!("{{\"token\":{}\"SECRET\"", "[".repeat(100));
    assert_eq!(
        redacted(&deep),
        format!("{{\"token\":{}\"***\"", "[".repeat(100))
    );
    let deeper = format!("{{\"token\":{}\"SECRET\"", "[{\"a\":".repeat(12_000));
    assert!(redacted(&deeper).starts_with(r#"{"token":[{"a":[{"a":"#));
}

#[test]
fn control_characters_in_server_text_are_escaped() {
    let body = br#"{"error_code":"RTC.\u001b[31m1","error_msg":"line one\r\nline two\u0007 \u0085 \u623f\u95f4\u4e0d\u5b58\u5728","request_id":"r\n2"}"#;
    let e = ShowMixJob::parse(StatusCode::NOT_FOUND, &HeaderMap::new(), body).unwrap_err();
    let shown = e.to_string();
    assert_eq!(
        shown,
        "SparkRTC API error: HTTP 404 RTC.\\u{1b}[31m1: line one\\r\\nline two\\u{7} \\u{85} 房间不存在 (request id r\\n2)"
    );
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    // The stored fields keep the text (only bounded).
    let api = e.api().unwrap();
    assert_eq!(api.error_code.as_deref(), Some("RTC.\u{1b}[31m1"));
    assert_eq!(api.request_id.as_deref(), Some("r\n2"));
    // A tab in the header is escaped too.
    let mut h = HeaderMap::new();
    h.insert("x-request-id", HeaderValue::from_static("a\tb"));
    let e = ApiError::from_response(StatusCode::BAD_REQUEST, &h, b"");
    assert_eq!(
        e.to_string(),
        "SparkRTC API error: HTTP 400 (request id a\\tb)"
    );
}

#[test]
fn server_text_is_bounded() {
    let huge = "房".repeat(1_000_000);
    let body = format!(r#"{{"error_code":"{huge}","error_msg":"{huge}","request_id":"{huge}"}}"#);
    let e = api_error(500, body.as_bytes());
    let msg = e.error_msg.as_deref().unwrap();
    assert_eq!(msg.chars().count(), 1025);
    assert!(msg.starts_with("房房") && msg.ends_with("房…"));
    assert_eq!(e.error_code.as_deref().unwrap().chars().count(), 129);
    // The header's request id wins, and is bounded too.
    let e = ApiError::from_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &headers(&"r".repeat(10_000)),
        body.as_bytes(),
    );
    assert_eq!(e.request_id.as_deref().unwrap().chars().count(), 129);
    assert!(e.request_id.as_deref().unwrap().ends_with("r…"));
    let shown = e.to_string();
    assert!(
        shown.chars().count() < 1500,
        "{} chars",
        shown.chars().count()
    );
    assert!(format!("{e:?}").chars().count() < 1600);
    let e = ApiError::from_response(StatusCode::NOT_FOUND, &HeaderMap::new(), &[]);
    assert!(e.request_id.is_none());
}

#[test]
fn decode_error_messages_are_bounded() {
    // serde quotes the whole bad string in its message.
    let huge = "x".repeat(1_000_000);
    let body = format!(r#"{{"mix_param": {{"layout_panes": [{{"x": "{huge}"}}]}}}}"#);
    let e = decode_error(ShowMixJob::parse(
        StatusCode::OK,
        &HeaderMap::new(),
        body.as_bytes(),
    ));
    assert_eq!(e.path, "mix_param.layout_panes[0].x");
    let shown = e.to_string();
    assert!(
        shown.chars().count() < 1500,
        "{} chars",
        shown.chars().count()
    );
    assert!(shown.contains("invalid value: string \"xxx"), "{shown}");
    assert!(shown.contains("x…; body"), "{shown}");
    let debug = format!("{:?}", Error::Decode(Box::new(e)));
    assert!(
        debug.chars().count() < 1700,
        "{} chars",
        debug.chars().count()
    );
}

#[test]
fn an_errors_request_id_is_its_answers_through_every_wrapper_and_none_without_one() {
    use std::time::Duration;
    let api = || {
        ApiError::from_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &headers("rid-api"),
            br#"{"error_code":"RTC.00000001","error_msg":"x"}"#,
        )
    };
    let with_id = [
        Error::Api(Box::new(api())),
        Error::QuotaExhausted(Box::new(api())),
        Error::DeadlineExceeded {
            deadline: Duration::from_secs(1),
            attempts: 2,
            last: Some(Box::new(Error::Api(Box::new(api())))),
        },
        Error::Throttled {
            retry_after: Duration::from_secs(1),
            attempts: 2,
            last: Some(Box::new(Error::Api(Box::new(api())))),
        },
        Error::RetryBudgetExhausted {
            attempts: 2,
            last: Box::new(Error::Api(Box::new(api()))),
        },
    ];
    for e in &with_id {
        assert_eq!(e.request_id(), Some("rid-api"), "{e:?}");
    }
    let decode =
        ShowApp::parse(StatusCode::OK, &headers("rid-decode"), b"{\"app_id\":").unwrap_err();
    assert_eq!(decode.request_id(), Some("rid-decode"), "{decode:?}");
    // The status of the answer, where there was one.
    assert_eq!(decode.status(), Some(StatusCode::OK));
    for e in &with_id[..2] {
        assert_eq!(e.status(), Some(StatusCode::INTERNAL_SERVER_ERROR), "{e:?}");
    }
    assert_eq!(Error::InvalidEndpoint("x".into()).status(), None);

    let without_id = [
        Error::InvalidEndpoint("x".into()),
        Error::Transport(sparkrtc::transport::TransportError::timeout("slow")),
        Error::DeadlineExceeded {
            deadline: Duration::from_secs(1),
            attempts: 0,
            last: None,
        },
        Error::Throttled {
            retry_after: Duration::from_secs(1),
            attempts: 0,
            last: None,
        },
        Error::RetryBudgetExhausted {
            attempts: 1,
            last: Box::new(Error::Transport(
                sparkrtc::transport::TransportError::timeout("slow"),
            )),
        },
        Error::Api(Box::new(ApiError::from_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &HeaderMap::new(),
            b"",
        ))),
    ];
    for e in &without_id {
        assert_eq!(e.request_id(), None, "{e:?}");
    }
}

#[test]
fn only_a_request_never_sent_cannot_have_reached_the_server() {
    use sparkrtc::transport::{TransportError, TransportErrorKind};
    let cases = [
        (
            TransportError::not_sent("refused"),
            TransportErrorKind::NotSent,
            false,
            "transport: not sent: refused",
        ),
        (
            TransportError::timeout("slow"),
            TransportErrorKind::Timeout,
            true,
            "transport: timed out: slow",
        ),
        (
            TransportError::failed_after_send("reset"),
            TransportErrorKind::FailedAfterSend,
            true,
            "transport: failed after sending: reset",
        ),
        (
            TransportError::body_too_large(10),
            TransportErrorKind::BodyTooLarge,
            true,
            "transport: response too large: the response body is larger than the cap of 10 bytes",
        ),
    ];
    for (error, kind, may_have, message) in cases {
        assert_eq!(error.kind(), kind);
        assert_eq!(error.may_have_reached_server(), may_have, "{kind:?}");
        assert_eq!(error.to_string(), message);
        // The cause is kept as the source, for a caller's error chain.
        let source = std::error::Error::source(&error).map(|s| s.to_string());
        assert_eq!(source.as_deref(), message.rsplit(": ").next(), "{kind:?}");
    }
}
