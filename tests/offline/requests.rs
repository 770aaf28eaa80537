//! Request building: encoding, hostile parameters, validation, endpoints.

use serde_json::json;
use sparkrtc::model::*;
use sparkrtc::ops::*;
use sparkrtc::{dynamic, Endpoint, Error, Operation};

fn endpoint() -> Endpoint {
    Endpoint::default().with_project_id("proj123").unwrap()
}

fn invalid(result: Result<http::Request<Vec<u8>>, Error>) -> (&'static str, String, String) {
    match result {
        Err(Error::InvalidParameter {
            operation,
            field,
            reason,
        }) => (operation, field, reason),
        other => panic!("expected an invalid parameter, got {other:?}"),
    }
}

#[test]
fn hostile_path_parameters_stay_one_segment() {
    let cases = [
        ("a/../b", "/v2/apps/a%2F..%2Fb/enable"),
        ("x?y#z", "/v2/apps/x%3Fy%23z/enable"),
        ("sp ace", "/v2/apps/sp%20ace/enable"),
        ("100%", "/v2/apps/100%25/enable"),
        ("%2F", "/v2/apps/%252F/enable"),
        ("a\r\nHost: evil", "/v2/apps/a%0D%0AHost%3A%20evil/enable"),
        ("房间", "/v2/apps/%E6%88%BF%E9%97%B4/enable"),
        ("...", "/v2/apps/.../enable"),
        ("-._~", "/v2/apps/-._~/enable"),
    ];
    for (app_id, path) in cases {
        let request = StartApp::new(app_id).build(&endpoint()).unwrap();
        assert_eq!(request.uri().path(), path, "{app_id:?}");
        assert_eq!(request.uri().query(), None, "{app_id:?}");
        assert_eq!(request.uri().host(), Some("rtc-api.myhuaweicloud.com"));
    }
}

#[test]
fn dot_segments_are_refused() {
    for bad in [".", ".."] {
        let (op, field, reason) = invalid(StartApp::new(bad).build(&endpoint()));
        assert_eq!(
            (op, field.as_str(), reason.as_str()),
            ("StartApp", "app_id", "must not be `.` or `..`")
        );
        let (_, field, _) = invalid(ShowMixJob::new("app", bad).build(&endpoint()));
        assert_eq!(field, "job_id");
    }
}

#[test]
fn empty_required_parameters_are_refused() {
    let (op, field, reason) = invalid(ShowMixJob::new("app", "").build(&endpoint()));
    assert_eq!(
        (op, field.as_str(), reason.as_str()),
        ("ShowMixJob", "job_id", "is required and must not be empty")
    );
    let (_, field, _) = invalid(ListRtcUserList::new("").build(&endpoint()));
    assert_eq!(field, "app");
    let (_, field, _) = invalid(
        ListRtcHistoryQuality::new("app", Vec::<HistoryQualityMetric>::new()).build(&endpoint()),
    );
    assert_eq!(field, "metric");
    let (_, field, _) = invalid(
        ListObsBucketObjects::new("bucket", ObsListType::from(""), "cn-north-4").build(&endpoint()),
    );
    assert_eq!(field, "type");
}

#[test]
fn query_values_are_encoded_and_sorted() {
    let request = ListRtcUserList::new("app&x=1")
        .nickname("a+b c%d/é")
        .region(vec!["SH".to_string(), "BJ".to_string(), "广东".to_string()])
        .state(vec![UserState::Online, UserState::Fail])
        .mode(UserListMode::Detail)
        .offset(0u32)
        .build(&endpoint())
        .unwrap();
    assert_eq!(request.uri().path(), "/v1/proj123/rtc/users");
    assert_eq!(
        request.uri().query(),
        Some("app=app%26x%3D1&nickname=a%2Bb%20c%25d%2F%C3%A9&offset=0&region=BJ&region=SH&region=%E5%B9%BF%E4%B8%9C&state=FAIL&state=ONLINE&type=detail")
    );
}

#[test]
fn headers_of_every_request() {
    let request = CreateApp::new(AppReq::new("demo"))
        .build(&endpoint())
        .unwrap();
    let h = request.headers();
    assert_eq!(h["content-type"], "application/json;charset=UTF-8");
    assert_eq!(h["x-project-id"], "proj123");
    assert_eq!(
        h["user-agent"],
        concat!("sparkrtc-rust/", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(h.len(), 3);
    assert_eq!(request.body(), br#"{"app_name":"demo"}"#);

    // No project id: no header, and the /v1 paths that need one refuse to build.
    let bare = Endpoint::default();
    let request = ListApps::new().build(&bare).unwrap();
    assert!(request.headers().get("x-project-id").is_none());
    let (op, field, reason) = invalid(ListRtcRoomList::new("app").build(&bare));
    assert_eq!((op, field.as_str()), ("ListRtcRoomList", "project_id"));
    assert!(reason.contains("Endpoint::with_project_id"), "{reason}");
    // ... unless the request carries its own.
    let request = ListRtcRoomList::new("app")
        .project_id("other")
        .build(&bare)
        .unwrap();
    assert_eq!(request.uri().path(), "/v1/other/rtc/rooms");
    let (_, field, _) = invalid(ListRtcRoomList::new("app").project_id("a/b").build(&bare));
    assert_eq!(field, "project_id");
    // /v1 paths without a project id do not need one.
    let request = ListRtcAbnormalEvents::new("app").build(&bare).unwrap();
    assert_eq!(
        request.uri(),
        "https://rtc-api.myhuaweicloud.com/v1/rtc/data/abnormal-events?app=app"
    );
}

#[test]
fn any_scheme_host_and_port() {
    for (url, uri) in [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v2/apps/a"),
        (
            "https://proxy.internal:8443/",
            "https://proxy.internal:8443/v2/apps/a",
        ),
        ("http://[::1]:9", "http://[::1]:9/v2/apps/a"),
    ] {
        let ep = Endpoint::new(url).unwrap();
        assert_eq!(ShowApp::new("a").build(&ep).unwrap().uri(), uri);
    }
}

#[test]
fn documented_ranges_are_checked_with_the_field_path() {
    let (_, field, reason) = invalid(ListApps::new().limit(0u32).build(&endpoint()));
    assert_eq!(
        (field.as_str(), reason.as_str()),
        ("limit", "must be within 1..=100, got 0")
    );
    assert!(ListApps::new().limit(100u32).build(&endpoint()).is_ok());
    assert!(ListApps::new().limit(101u32).build(&endpoint()).is_err());

    let mix = |param: MixParam| CreateMixJob::new("app", MixJobReq::new(param)).build(&endpoint());
    let video = || {
        MixParam::new("room", EncodeTemplate::P720Fps30Kbps1710)
            .layout_template(LayoutTemplate::Custom)
    };
    let pane = || {
        MixLayoutPane::new()
            .id(1u32)
            .x(0.0)
            .y(0.0)
            .width(0.5)
            .height(0.5)
    };
    assert!(mix(video().layout_panes(vec![pane()])).is_ok());
    let cases: Vec<(MixParam, &str, &str)> = vec![
        (
            video().layout_panes(vec![pane(), pane().x(1.5)]),
            "body.mix_param.layout_panes[1].x",
            "must be a fraction of the canvas within 0.0..=1.0, got 1.5",
        ),
        (
            video().layout_panes(vec![pane().height(f64::NAN)]),
            "body.mix_param.layout_panes[0].height",
            "must be a fraction of the canvas within 0.0..=1.0, got NaN",
        ),
        (
            video().layout_panes(vec![pane().zorder(26u32)]),
            "body.mix_param.layout_panes[0].zorder",
            "must be within 0..=25, got 26",
        ),
        (
            video().layout_panes(vec![pane().id(0u32)]),
            "body.mix_param.layout_panes[0].id",
            "must be within 1..=4294967295, got 0",
        ),
        (
            video().max_idle_time(4u32),
            "body.mix_param.max_idle_time",
            "must be within 5..=43200, got 4",
        ),
        (
            MixParam::new("room", EncodeTemplate::P720Fps30Kbps1710),
            "body.mix_param.layout_template",
            "is required unless encode_template is audio_only",
        ),
        (
            MixParam::new("", EncodeTemplate::AudioOnly),
            "body.mix_param.room_id",
            "is required and must not be empty",
        ),
        (
            video().user_background_images(vec![MixUserBackgroundImage::new("u", "")]),
            "body.mix_param.user_background_images[0].image_uri",
            "is required and must not be empty",
        ),
    ];
    for (param, field, reason) in cases {
        let (op, f, r) = invalid(mix(param));
        assert_eq!(
            (op, f.as_str(), r.as_str()),
            ("CreateMixJob", field, reason)
        );
    }
    assert!(mix(MixParam::new("room", EncodeTemplate::AudioOnly)).is_ok());

    let rule = |formats: Vec<RecordFormat>| {
        RecordRuleReq::new(RecordObsFileAddr::new("cn-north-4", "p", "b"), formats)
    };
    let build = |r: RecordRuleReq| CreateRecordRule::new("app", r).build(&endpoint());
    assert_eq!(
        invalid(build(rule(vec![RecordFormat::Hls]))).1,
        "body.hls_config"
    );
    assert_eq!(
        invalid(build(rule(vec![RecordFormat::Mp4]))).1,
        "body.mp4_config"
    );
    assert_eq!(invalid(build(rule(vec![]))).1, "body.record_formats");
    assert!(build(rule(vec![RecordFormat::Hls]).hls_config(HlsRecordConfig::new(0u32))).is_ok());
    let (_, f, r) = invalid(build(
        rule(vec![RecordFormat::Hls]).hls_config(HlsRecordConfig::new(59u32)),
    ));
    assert_eq!(
        (f.as_str(), r.as_str()),
        (
            "body.hls_config.record_cycle",
            "must be 0 or within 60..=43200, got 59"
        )
    );
    let (_, f, _) = invalid(build(rule(vec![RecordFormat::Mp4]).mp4_config(
        Mp4RecordConfig::new(60u32).record_max_duration_to_merge_file(301u32),
    )));
    assert_eq!(f, "body.mp4_config.record_max_duration_to_merge_file");

    let (_, f, _) = invalid(
        UpdateAutoRecord::new("app", AutoRecordModeReq::new(AutoRecordMode::Individual))
            .build(&endpoint()),
    );
    assert_eq!(f, "body.record_rule_id");
    let (_, f, r) = invalid(
        UpdateRecordCallback::new("app", AppCallbackUrlReq::new("ftp://x")).build(&endpoint()),
    );
    assert_eq!(
        (f.as_str(), r.as_str()),
        ("body.url", "must start with http:// or https://")
    );
    let (_, f, _) = invalid(
        RemoveUsers::new(
            "app",
            "room",
            RemoveUsersReq::new(vec!["a".to_string(), String::new()]),
        )
        .build(&endpoint()),
    );
    assert_eq!(f, "body.user_ids[1]");
}

#[test]
fn dynamic_parameter_errors_name_the_field() {
    let ep = endpoint();
    let cases = [
        (
            "ShowMixJob",
            json!({"app_id": "a"}),
            "job_id",
            "missing field `job_id`",
        ),
        (
            "ShowMixJob",
            json!({"app_id": "a", "job_id": 7}),
            "job_id",
            "invalid type: integer `7`, expected a string",
        ),
        (
            "ListApps",
            json!({"limit": -1}),
            "limit",
            "invalid value: integer `-1`, expected u32",
        ),
        (
            "ListApps",
            json!({"limit": "10"}),
            "limit",
            "invalid type: string \"10\", expected u32",
        ),
        (
            "ListApps",
            json!({"Limit": 10}),
            "Limit",
            "unknown parameter",
        ),
        (
            "CreateMixJob",
            json!({"app_id": "a"}),
            "body",
            "missing field `body`",
        ),
        (
            "CreateMixJob",
            json!({"app_id": "a", "body": {}}),
            "body.mix_param",
            "missing field `mix_param`",
        ),
        (
            "CreateMixJob",
            json!({"app_id": "a", "body": {"mix_param": {"room_id": "r"}}}),
            "body.mix_param.encode_template",
            "missing field `encode_template`",
        ),
        (
            "UpdateObsBucketAuthority",
            json!({"body": {"bucket": "b", "location": "l", "operation": 2}}),
            "body.operation",
            "invalid value: integer `2`, expected 0 (revoke) or 1 (grant)",
        ),
        (
            "ListRtcUserList",
            json!({"app": "a", "state": "ONLINE"}),
            "state",
            "invalid type: string \"ONLINE\", expected a sequence",
        ),
        (
            "ListObsBuckets",
            json!([]),
            "",
            "parameters must be a JSON object",
        ),
    ];
    for (op, params, field, reason) in cases {
        match dynamic::build(op, &params, &ep) {
            Err(Error::InvalidParameter {
                operation,
                field: f,
                reason: r,
            }) => {
                assert_eq!(
                    (operation, f.as_str(), r.as_str()),
                    (op, field, reason),
                    "{params}"
                );
            }
            other => panic!("{op} {params}: {other:?}"),
        }
    }
    // `null` parameters are an empty object.
    assert!(dynamic::build("ListObsBuckets", &serde_json::Value::Null, &ep).is_ok());
    // Validation runs on the dynamic path too.
    let err = dynamic::build("ListApps", &json!({"limit": 0}), &ep).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid parameter `limit` of ListApps: must be within 1..=100, got 0"
    );
}

#[test]
fn unset_optional_fields_are_omitted_never_null() {
    let request =
        CreateIndividualStreamJob::new("app", IndividualStreamJobReq::new("room", "user"))
            .build(&endpoint())
            .unwrap();
    assert_eq!(request.body(), br#"{"room_id":"room","user_id":"user"}"#);
    let request = UpdateIndividualStreamJob::new("app", "job", UpdateIndividualJobReq::new())
        .build(&endpoint())
        .unwrap();
    assert_eq!(request.body(), b"{}");
}

#[test]
fn stored_requests_reload_and_rebuild_identically() {
    let original = ListRtcUserList::new("app")
        .region(vec!["GD".to_string()])
        .state(vec![UserState::Unknown("NEW_STATE".into())])
        .project_id("p2");
    let stored = serde_json::to_string(&original).unwrap();
    assert_eq!(
        stored,
        r#"{"app":"app","region":["GD"],"state":["NEW_STATE"],"project_id":"p2"}"#
    );
    let reloaded: ListRtcUserList = serde_json::from_str(&stored).unwrap();
    assert_eq!(reloaded, original);
    let a = original.build(&endpoint()).unwrap();
    let b = dynamic::build(
        "ListRtcUserList",
        &serde_json::from_str(&stored).unwrap(),
        &endpoint(),
    )
    .unwrap();
    assert_eq!(
        (a.method(), a.uri(), a.body()),
        (b.method(), b.uri(), b.body())
    );
}

// ------------------------------------------------------------ review defects

#[test]
fn an_overlong_path_parameter_is_an_invalid_parameter_naming_it() {
    let (op, field, reason) = invalid(ShowApp::new("a".repeat(70_000)).build(&endpoint()));
    assert_eq!((op, field.as_str()), ("ShowApp", "app_id"));
    assert_eq!(
        reason,
        "makes the URI 70042 bytes long, over the limit of 65534"
    );
    // The longest query value is named when the query is what is too long.
    let (_, field, _) = invalid(
        ListRtcUserList::new("app")
            .nickname("n".repeat(40_000))
            .uid("u".repeat(30_000))
            .build(&endpoint()),
    );
    assert_eq!(field, "nickname");
}

#[test]
fn endpoints_refuse_bad_ports_schemes_and_fragments() {
    for bad in [
        "https://h:99999",
        "https://h:",
        "https://h:0",
        "ftp://h",
        "javascript://h",
        "https://h#fragment",
    ] {
        assert!(
            matches!(Endpoint::new(bad), Err(Error::InvalidEndpoint(_))),
            "{bad}"
        );
    }
    for good in [
        "https://h:1",
        "http://h:65535",
        "https://h",
        "http://[::1]:8080",
    ] {
        assert!(Endpoint::new(good).is_ok(), "{good}");
    }
}

#[test]
fn setters_take_integer_literals_and_any_iterator() {
    let request = ListRtcUserList::new("app")
        .limit(10)
        .offset(0)
        .state(["ONLINE"].map(UserState::from))
        .region(["GD", "SH"])
        .isp(vec!["China Telecom".to_owned()]);
    assert_eq!(request.limit, Some(10));
    assert_eq!(request.state, Some(vec![UserState::Online]));
    assert_eq!(request.region, Some(vec!["GD".to_owned(), "SH".to_owned()]));
    let pane = MixLayoutPane::new().id(1).zorder(3).x(0.5);
    assert_eq!((pane.id, pane.zorder), (Some(1), Some(3)));
    let hls = HlsRecordConfig::new(3600).record_max_duration_to_merge_file(-1);
    assert_eq!(hls.record_max_duration_to_merge_file, Some(-1));
    let apps = ListApps::new().limit(100).state("ACTIVATION");
    assert_eq!(apps.state, Some(AppStatus::Activation));
}

#[test]
fn unchecked_sends_in_range_requests_exactly_as_checked_ones() {
    use sparkrtc::Unchecked;
    fn same<O: Operation + Clone>(op: O) {
        let checked = op.clone().build(&endpoint()).unwrap();
        let unchecked = Unchecked(op).build(&endpoint()).unwrap();
        assert_eq!(
            (
                checked.method(),
                checked.uri(),
                checked.headers(),
                checked.body()
            ),
            (
                unchecked.method(),
                unchecked.uri(),
                unchecked.headers(),
                unchecked.body()
            )
        );
    }
    // Path, query and the project id given to the operation.
    let events = ListRtcAbnormalEvent::new("app", "2020-04-23T05:00:00Z", "2020-04-23T06:00:00Z")
        .room_id("room")
        .project_id("other-project");
    let request = Unchecked(events.clone()).build(&endpoint()).unwrap();
    assert_eq!(
        request.uri().to_string(),
        "https://rtc-api.myhuaweicloud.com/v1/other-project/rtc/client/abnormalevent\
         ?app_id=app&end_time=2020-04-23T06%3A00%3A00Z&room_id=room&start_time=2020-04-23T05%3A00%3A00Z"
    );
    same(events);
    // A body.
    same(CreateMixJob::new(
        "app",
        MixJobReq::new(
            MixParam::new("room", EncodeTemplate::P720Fps30Kbps1710)
                .layout_template(LayoutTemplate::Custom)
                .layout_panes([MixLayoutPane::new().id(1).zorder(3)]),
        ),
    ));
    same(ListApps::new().limit(10).offset(20));
}

#[test]
fn unchecked_sends_values_outside_the_documented_ranges() {
    use sparkrtc::Unchecked;
    let pane = MixLayoutPane::new().id(1).zorder(26);
    let job = CreateMixJob::new(
        "app",
        MixJobReq::new(
            MixParam::new("room", EncodeTemplate::P720Fps30Kbps1710)
                .layout_template(LayoutTemplate::Custom)
                .layout_panes([pane])
                .max_idle_time(4),
        ),
    );
    let (_, field, _) = invalid(job.build(&endpoint()));
    assert_eq!(field, "body.mix_param.max_idle_time");
    let request = Unchecked(job.clone()).build(&endpoint()).unwrap();
    let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(body["mix_param"]["max_idle_time"], 4);
    assert_eq!(body["mix_param"]["layout_panes"][0]["zorder"], 26);
    assert_eq!(request.uri().path(), "/v2/apps/app/mix-stream-jobs");

    // Still refused without range checks: missing required fields, dot
    // segments, rules that are not ranges.
    let (_, field, _) = invalid(Unchecked(ShowMixJob::new("app", "")).build(&endpoint()));
    assert_eq!(field, "job_id");
    let (_, field, _) = invalid(Unchecked(StartApp::new("..")).build(&endpoint()));
    assert_eq!(field, "app_id");
    let video_without_layout = CreateMixJob::new(
        "app",
        MixJobReq::new(MixParam::new("room", EncodeTemplate::P720Fps30Kbps1710)),
    );
    let (_, field, _) = invalid(Unchecked(video_without_layout).build(&endpoint()));
    assert_eq!(field, "body.mix_param.layout_template");
    let (_, field, _) = invalid(
        Unchecked(RemoveUsers::new(
            "app",
            "room",
            RemoveUsersReq::new(["a", ""]),
        ))
        .build(&endpoint()),
    );
    assert_eq!(field, "body.user_ids[1]");
    // The same value set, with ranges checked, is refused.
    let (op, field, reason) = invalid(ListApps::new().limit(0).build(&endpoint()));
    assert_eq!(
        (op, field.as_str(), reason.as_str()),
        ("ListApps", "limit", "must be within 1..=100, got 0")
    );
    assert!(Unchecked(ListApps::new().limit(0))
        .build(&endpoint())
        .is_ok());
}

#[test]
fn the_callback_auth_key_has_its_documented_length() {
    let update = |key: &str| {
        UpdateRecordCallback::new(
            "app",
            AppCallbackUrlReq::new("https://cb.example.com").auth_key(key),
        )
    };
    for ok in ["k".repeat(32), "k".repeat(64), "钥".repeat(40)] {
        assert!(update(&ok).build(&endpoint()).is_ok(), "{}", ok.len());
    }
    for bad in ["k".repeat(31), "k".repeat(65)] {
        let (_, field, reason) = invalid(update(&bad).build(&endpoint()));
        assert_eq!(field, "body.auth_key");
        assert_eq!(
            reason,
            format!("must be 32 to 64 characters, got {}", bad.len())
        );
        assert!(!reason.contains(&bad));
        assert!(sparkrtc::Unchecked(update(&bad)).build(&endpoint()).is_ok());
    }
}

#[test]
fn a_port_is_digits_only_even_where_a_number_parser_takes_a_sign() {
    // `u32::from_str` takes "+443"; a port does not.
    for bad in ["https://h:+443", "https://[::1]:+80"] {
        match Endpoint::new(bad) {
            Err(Error::InvalidEndpoint(message)) => assert_eq!(
                message,
                format!("`{bad}`: must have a port from 1 to 65535"),
                "{bad}"
            ),
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn a_uri_of_exactly_the_limit_is_built_and_one_byte_more_is_refused() {
    // `https://rtc-api.myhuaweicloud.com/v2/apps/` plus the id: 42 bytes.
    let at_limit = ShowApp::new("a".repeat(65_534 - 42))
        .build(&endpoint())
        .unwrap();
    assert_eq!(at_limit.uri().to_string().len(), 65_534);
    let (op, field, reason) = invalid(ShowApp::new("a".repeat(65_535 - 42)).build(&endpoint()));
    assert_eq!((op, field.as_str()), ("ShowApp", "app_id"));
    assert_eq!(
        reason,
        "makes the URI 65535 bytes long, over the limit of 65534"
    );
}

#[test]
fn a_request_missing_a_required_query_parameter_is_refused_naming_it_first() {
    use sparkrtc::dynamic::RequestError;
    let built = ListRtcRoomList::new("app1").build(&endpoint()).unwrap();
    let path = built.uri().path().to_owned();
    let decode = |query: &str| {
        let uri = format!("https://rtc-api.example{path}?{query}");
        let request = http::Request::get(uri).body(Vec::new()).unwrap();
        dynamic::decode_request(&request).map(|incoming| incoming.params)
    };
    assert_eq!(
        decode("app=app1&limit=5").unwrap(),
        json!({"project_id": "proj123", "app": "app1", "limit": 5})
    );
    // Missing, even where another parameter is bad too.
    for query in ["limit=5", "limit=five", ""] {
        match decode(query) {
            Err(RequestError::Missing(field)) => assert_eq!(field, "app", "{query}"),
            other => panic!("{query}: {other:?}"),
        }
    }
    match decode("app=app1&limit=five") {
        Err(RequestError::Invalid { field, reason }) => {
            assert_eq!(
                (field.as_str(), reason.as_str()),
                ("limit", "`five` is not a u32")
            );
        }
        other => panic!("{other:?}"),
    }
}
