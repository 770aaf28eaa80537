//! The gateway: parameter errors, authentication, the official SDK's signatures, rate limits.

#![allow(unused_imports)]
use super::support::*;

// --------------------------------------------------------------- errors

#[test]
fn parameter_errors_have_the_documented_codes() {
    let s = setup();
    let app_id = create_app(&s.client, "errors");
    let at = s.clock.wall();
    let cases = [
        (
            raw(
                "POST",
                &format!("/v2/apps/{app_id}/mix-stream-jobs"),
                r#"{"mix_param":{"encode_template":"audio_only"}}"#,
                at,
            ),
            400,
            "RTC.00001005",
            "MissingParameter: body.mix_param.room_id",
        ),
        (
            raw("POST", "/v2/apps", "", at),
            400,
            "RTC.00001005",
            "MissingParameter: body",
        ),
        (
            raw("GET", "/v2/apps?limit=500", "", at),
            400,
            "RTC.00001003",
            "InvalidParameterValue: limit: must be within 1..=100, got 500",
        ),
        (
            raw("POST", "/v2/apps", "{not json", at),
            400,
            "RTC.00001002",
            "MalformedRequestBody: json parsing failed",
        ),
        (
            raw("GET", "/v2/nothing/here", "", at),
            404,
            "APIGW.0101",
            "The API does not exist or has not been published in the environment.",
        ),
        (
            raw("PATCH", "/v2/apps", "", at),
            404,
            "APIGW.0101",
            "The API does not exist.",
        ),
        (
            raw(
                "GET",
                "/v1/ffffffffffffffffffffffffffffffff/rtc/rooms?app=x",
                "",
                at,
            ),
            403,
            "APIGW.0302",
            "The IAM user is not authorized to access the API.",
        ),
    ];
    for (request, status, code, msg) in cases {
        let response = s.sim.respond(&request);
        assert_error(&response, at, status, code, msg);
    }
    let log = s.sim.request_log();
    let codes: Vec<_> = log
        .iter()
        .skip(1)
        .map(|r| r.error_code.clone().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "RTC.00001005",
            "RTC.00001005",
            "RTC.00001003",
            "RTC.00001002",
            "APIGW.0101",
            "APIGW.0101",
            "APIGW.0302"
        ]
    );
    assert_eq!(log[5].operation, None);
    assert_eq!(log[1].operation, Some(OperationId::CreateMixJob));
}

#[test]
fn authentication_failures() {
    let s = setup_with(SimulatorConfig::default().with_token("good-token"));
    let wall = s.clock.wall();
    let aksk_fail = "Incorrect IAM authentication information: verify aksk signature fail";

    // Good.
    let ok = s.sim.respond(&signed(&ListApps::new(), wall));
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(checked(&ok, wall), json!({"count": 0}));

    // A tampered signature, a changed signed header, a changed query, a wrong SK, an unknown AK, none.
    let mut tampered = signed(&ListApps::new(), wall);
    let auth = tampered.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    let flipped = if auth.ends_with('0') {
        format!("{}1", &auth[..auth.len() - 1])
    } else {
        format!("{}0", &auth[..auth.len() - 1])
    };
    tampered
        .headers_mut()
        .insert("authorization", flipped.parse().unwrap());
    let mut changed_header = signed(&ListApps::new(), wall);
    changed_header
        .headers_mut()
        .insert("x-sdk-date", "20240102T030406Z".parse().unwrap());
    let mut changed_query = signed(&ListApps::new().limit(5), wall);
    *changed_query.uri_mut() = "http://sim.local/v2/apps?limit=6".parse().unwrap();
    let mut wrong_sk = ListApps::new().build(&endpoint()).unwrap();
    sign(&mut wrong_sk, DEFAULT_ACCESS_KEY, "not-the-secret", wall);
    let mut unknown_ak = ListApps::new().build(&endpoint()).unwrap();
    sign(&mut unknown_ak, "SOMEONEELSE", DEFAULT_SECRET_KEY, wall);
    let unsigned = ListApps::new().build(&endpoint()).unwrap();
    for request in [
        tampered,
        changed_header,
        changed_query,
        wrong_sk,
        unknown_ak,
        unsigned,
    ] {
        assert_error(&s.sim.respond(&request), wall, 401, "APIGW.0301", aksk_fail);
    }

    // Signed 20 minutes off, either way: expired. 14 minutes: fine.
    let expired_msg = |signed_at: &str| {
        format!(
            "Incorrect IAM authentication information: calc ak sk signature fail:signature expired, \
             x-sdk-date {signed_at} is more than 15 minutes from the server time 2024-01-02T03:04:05Z"
        )
    };
    let early = signed(&ListApps::new(), wall - Duration::from_secs(20 * 60));
    assert_error(
        &s.sim.respond(&early),
        wall,
        401,
        "APIGW.0301",
        &expired_msg("20240102T024405Z"),
    );
    let late = signed(&ListApps::new(), wall + Duration::from_secs(20 * 60));
    assert_error(
        &s.sim.respond(&late),
        wall,
        401,
        "APIGW.0301",
        &expired_msg("20240102T032405Z"),
    );
    let skewed = signed(&ListApps::new(), wall - Duration::from_secs(14 * 60));
    assert_eq!(s.sim.respond(&skewed).status(), StatusCode::OK);

    // The client takes such an answer as a signature expiry.
    let api = sparkrtc::ApiError::from_response(
        StatusCode::UNAUTHORIZED,
        &http::HeaderMap::new(),
        s.sim.respond(&early).body(),
    );
    assert!(sparkrtc::clock::is_signature_expired(&api));

    // Tokens.
    let mut token = ListApps::new().build(&endpoint()).unwrap();
    token
        .headers_mut()
        .insert("x-auth-token", "good-token".parse().unwrap());
    assert_eq!(s.sim.respond(&token).status(), StatusCode::OK);
    token
        .headers_mut()
        .insert("x-auth-token", "bad-token".parse().unwrap());
    assert_error(
        &s.sim.respond(&token),
        wall,
        401,
        "APIGW.0301",
        "Incorrect IAM authentication information: token verify fail",
    );

    let log = s.sim.request_log();
    assert_eq!(log.len(), 13);
    assert_eq!(log[4].access_key.as_deref(), Some(DEFAULT_ACCESS_KEY));
    assert_eq!(log[5].access_key.as_deref(), Some("SOMEONEELSE"));
    assert_eq!(log[6].access_key, None);
}

#[test]
fn a_request_signed_by_the_official_sdk_verifies() {
    let vectors: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/sign/vectors.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let v = vectors
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "fixed/list_apps")
        .unwrap();
    assert_eq!(v["sdk_date"], "20240102T030405Z");
    let clock = VirtualClock::new(start());
    let sim = Simulator::new(
        SimulatorConfig::default()
            .with_credentials([(v["ak"].as_str().unwrap(), v["sk"].as_str().unwrap())])
            .with_project_id("proj123")
            .with_clock(Arc::new(clock.clone())),
    );
    let build = |tamper: bool| {
        let mut b = Request::builder()
            .method(v["method"].as_str().unwrap())
            .uri(v["wire_uri"].as_str().unwrap());
        for pair in v["signed_request_headers"].as_array().unwrap() {
            let (name, mut value) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
            if tamper && name == "User-Agent" {
                value = "tampered";
            }
            b = b.header(name, value);
        }
        b.body(Vec::new()).unwrap()
    };
    let response = sim.respond(&build(false));
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(response.body())
    );
    assert_eq!(checked(&response, clock.wall()), json!({"count": 0}));
    assert_error(
        &sim.respond(&build(true)),
        clock.wall(),
        401,
        "APIGW.0301",
        "Incorrect IAM authentication information: verify aksk signature fail",
    );
}

/// Standard base64 (the vectors' bodies).
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | u32::from(*d) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn every_routable_official_sdk_vector_authenticates() {
    let vectors: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/sign/vectors.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let mut routed = 0;
    for v in vectors.as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let method: http::Method = v["method"].as_str().unwrap().parse().unwrap();
        let Ok(uri) = v["wire_uri"].as_str().unwrap().parse::<http::Uri>() else {
            continue;
        };
        if sparkrtc::dynamic::route(&method, uri.path()).is_none() {
            continue;
        }
        routed += 1;
        let at = sparkrtc::sign::SdkDate::parse(v["sdk_date"].as_str().unwrap()).unwrap();
        let build = |tamper: bool| {
            let mut request = Request::builder()
                .method(method.clone())
                .uri(uri.clone())
                .body(base64(v["body_b64"].as_str().unwrap()))
                .unwrap();
            for pair in v["signed_request_headers"].as_array().unwrap() {
                let (header, mut value) = (
                    pair[0].as_str().unwrap(),
                    pair[1].as_str().unwrap().to_owned(),
                );
                if tamper && header == "Authorization" {
                    let last = if value.ends_with('0') { "1" } else { "0" };
                    value = format!("{}{last}", &value[..value.len() - 1]);
                }
                request.headers_mut().append(
                    http::HeaderName::from_bytes(header.as_bytes()).unwrap(),
                    http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
                );
            }
            request
        };
        let project = build(false)
            .headers()
            .get("x-project-id")
            .map_or(DEFAULT_PROJECT_ID.to_owned(), |p| {
                String::from_utf8_lossy(p.as_bytes()).into_owned()
            });
        let clock = VirtualClock::new(at);
        let sim = Simulator::new(
            SimulatorConfig::default()
                .with_credentials([(v["ak"].as_str().unwrap(), v["sk"].as_str().unwrap())])
                .with_project_id(project)
                .with_clock(Arc::new(clock)),
        );
        let answer = sim.respond(&build(false));
        assert_ne!(
            answer.status(),
            StatusCode::UNAUTHORIZED,
            "{name}: {}",
            String::from_utf8_lossy(answer.body())
        );
        let tampered = sim.respond(&build(true));
        assert_eq!(tampered.status(), StatusCode::UNAUTHORIZED, "{name}");
    }
    assert_eq!(routed, 167);
}

// ---------------------------------------------------------- rate limits

#[test]
fn a_burst_over_the_documented_limit_is_throttled() {
    let s = setup();
    let app_id = create_app(&s.client, "burst");
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(MixParam::new("r", EncodeTemplate::AudioOnly)),
    );
    let job_id = s.client.call(&job).unwrap().body.job_id.unwrap();
    s.clock.advance(Duration::from_secs(5));
    let wall = s.clock.wall();

    // 11 in one second: the 11th is refused (10 per second).
    let statuses: Vec<u16> = (0..11)
        .map(|_| {
            s.sim
                .respond(&signed(&ShowMixJob::new(&app_id, &job_id), wall))
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(statuses, [[200; 10].as_slice(), &[429]].concat());
    let refused = s
        .sim
        .respond(&signed(&ShowMixJob::new(&app_id, &job_id), wall));
    assert_error(
        &refused,
        wall,
        429,
        "APIG.0308",
        "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second",
    );
    assert_eq!(s.sim.throttled_count(), 2);
    // Refusals do not count: a second later the window has room for 10.
    s.clock.advance(Duration::from_secs(1));
    let wall = s.clock.wall();
    let statuses: Vec<u16> = (0..11)
        .map(|_| {
            s.sim
                .respond(&signed(&ShowMixJob::new(&app_id, &job_id), wall))
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(statuses, [[200; 10].as_slice(), &[429]].concat());

    // Application management: 60 per minute (CreateApp was one).
    let statuses: Vec<u16> = (0..60)
        .map(|_| {
            s.sim
                .respond(&signed(&ListApps::new(), wall))
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(statuses, [[200; 59].as_slice(), &[429]].concat());
    assert_error(
        &s.sim.respond(&signed(&ListApps::new(), wall)),
        wall,
        429,
        "APIG.0308",
        "The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute",
    );
    // Another account has its own budget.
    let s2 = Simulator::new(
        SimulatorConfig::default()
            .with_credential("OTHER", "other-secret")
            .with_clock(s.sim.config().clock().clone()),
    );
    for _ in 0..60 {
        assert_eq!(
            s2.respond(&signed(&ListApps::new(), wall)).status(),
            StatusCode::OK
        );
    }
    let mut other = ListApps::new().build(&endpoint()).unwrap();
    sign(&mut other, "OTHER", "other-secret", wall);
    assert_eq!(s2.respond(&other).status(), StatusCode::OK);
}

#[test]
fn a_client_without_its_throttle_meets_the_simulators() {
    let s = setup();
    let app_id = create_app(&s.client, "burst");
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(MixParam::new("r", EncodeTemplate::AudioOnly)),
    );
    let job_id = s.client.call(&job).unwrap().body.job_id.unwrap();
    s.clock.advance(Duration::from_secs(5));

    let unthrottled = Client::builder(s.sim.clone())
        .endpoint(endpoint())
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .clock(Arc::new(s.clock.clone()))
        .throttle(
            ThrottleConfig::documented()
                .with_limit(
                    ThrottleCategory::MixStreamJobManagement,
                    RateLimit {
                        requests: 1000,
                        window: Duration::from_secs(1),
                    },
                )
                .unwrap(),
        )
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let results: Vec<_> = (0..11)
        .map(|_| unthrottled.call(&ShowMixJob::new(&app_id, &job_id)))
        .collect();
    assert!(results[..10].iter().all(Result::is_ok));
    assert_eq!(s.sim.throttled_count(), 1);
    let api = results[10].as_ref().unwrap_err().api().unwrap().clone();
    assert_eq!(
        (api.status, api.error_code.as_deref(), api.error_msg.as_deref()),
        (
            429,
            Some("APIG.0308"),
            Some("The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second")
        )
    );

    // The client with the documented throttle waits instead: 25 calls, no
    // refusal, and the virtual clock moved by the waits (a second on, the
    // simulator's window is free again).
    s.clock.advance(Duration::from_secs(1));
    let before = s.clock.now();
    for _ in 0..25 {
        s.client.call(&ShowMixJob::new(&app_id, &job_id)).unwrap();
    }
    assert_eq!(s.sim.throttled_count(), 1);
    assert_eq!(s.clock.now() - before, Duration::from_secs(2));
}

#[test]
fn rate_limits_can_be_switched_off() {
    let s = setup_with(SimulatorConfig::default().with_rate_limits(false));
    let wall = s.clock.wall();
    for _ in 0..100 {
        assert_eq!(
            s.sim.respond(&signed(&ListApps::new(), wall)).status(),
            StatusCode::OK
        );
    }
    assert_eq!(s.sim.throttled_count(), 0);
}
