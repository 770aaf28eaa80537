//! Property tests: no input makes the core panic, and what goes out decodes
//! back to what went in.

use http::{HeaderMap, StatusCode};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use serde_json::Value;
use sparkrtc::model::UserState;
use sparkrtc::ops::{ListRtcUserList, ShowMixJob};
use sparkrtc::{dynamic, Endpoint, Operation, OperationId};

fn op() -> impl Strategy<Value = OperationId> {
    (0..OperationId::ALL.len()).prop_map(|i| OperationId::ALL[i])
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("RUNNING"),
            Just("1280*720_30_1710"),
            Just("ONLINE"),
            Just("custom")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    // Real field names, so that parsing gets past the first level.
                    Just("job_id".to_string()),
                    Just("state".to_string()),
                    Just("users".to_string()),
                    Just("mix_param".to_string()),
                    Just("total".to_string()),
                    Just("room_id".to_string()),
                    Just("apps".to_string()),
                    Just("layout_panes".to_string()),
                    Just("x".to_string()),
                    Just("encode_template".to_string()),
                    Just("record_param".to_string()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parsing_any_bytes_never_panics(id in op(), status in 100u16..600, body in prop::collection::vec(any::<u8>(), 0..256)) {
        let status = StatusCode::from_u16(status).unwrap();
        let _ = id.parse_json(status, &HeaderMap::new(), &body);
    }

    #[test]
    fn parsing_any_json_never_panics_and_is_idempotent(id in op(), value in json()) {
        let body = serde_json::to_vec(&value).unwrap();
        if let Ok(out) = id.parse_json(StatusCode::OK, &HeaderMap::new(), &body) {
            let again = id
                .parse_json(StatusCode::OK, &HeaderMap::new(), &serde_json::to_vec(&out).unwrap())
                .unwrap();
            prop_assert_eq!(again, out);
        }
    }

    #[test]
    fn dynamic_building_any_json_never_panics(id in op(), params in json()) {
        let endpoint = Endpoint::default().with_project_id("p").unwrap();
        if let Ok(request) = id.build_json(&params, &endpoint) {
            // Whatever was accepted rebuilds identically through the typed value.
            let normalized = id.normalize_json(&params).unwrap();
            let again = id.build_json(&normalized, &endpoint).unwrap();
            prop_assert_eq!(request.uri(), again.uri());
            prop_assert_eq!(request.body(), again.body());
        }
    }

    #[test]
    fn path_parameters_decode_back_and_never_add_segments(app in "\\PC{1,16}", job in "\\PC{1,16}") {
        prop_assume!(![".", ".."].contains(&app.as_str()) && ![".", ".."].contains(&job.as_str()));
        let request = ShowMixJob::new(app.clone(), job.clone()).build(&Endpoint::default()).unwrap();
        prop_assert_eq!(request.uri().query(), None);
        let segments: Vec<&str> = request.uri().path().split('/').collect();
        prop_assert_eq!(segments.len(), 6);
        prop_assert_eq!(&segments[..3], &["", "v2", "apps"]);
        prop_assert_eq!(segments[4], "mix-stream-jobs");
        prop_assert_eq!(percent_decode_str(segments[3]).decode_utf8().unwrap(), app);
        prop_assert_eq!(percent_decode_str(segments[5]).decode_utf8().unwrap(), job);
    }

    #[test]
    fn query_values_decode_back(app in "\\PC{1,12}", regions in prop::collection::vec("\\PC{0,6}", 0..4), nick in proptest::option::of("\\PC{0,8}")) {
        let mut op = ListRtcUserList::new(app.clone()).region(regions.clone()).state(vec![UserState::Online]);
        if let Some(n) = &nick {
            op = op.nickname(n.clone());
        }
        let request = op.build(&Endpoint::default().with_project_id("p").unwrap()).unwrap();
        let query = request.uri().query().unwrap();
        let pairs: Vec<(String, String)> = query
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (
                    percent_decode_str(k).decode_utf8().unwrap().into_owned(),
                    percent_decode_str(v).decode_utf8().unwrap().into_owned(),
                )
            })
            .collect();
        let mut expected = vec![("app".to_string(), app)];
        expected.extend(regions.into_iter().map(|r| ("region".to_string(), r)));
        expected.push(("state".to_string(), "ONLINE".to_string()));
        if let Some(n) = nick {
            expected.push(("nickname".to_string(), n));
        }
        expected.sort();
        prop_assert_eq!(pairs, expected);
        // Only unreserved characters and escapes on the wire.
        prop_assert!(query.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%=&".contains(&b)));
    }

    #[test]
    fn dynamic_and_typed_agree(app in "[a-z0-9]{1,8}", room in "\\PC{1,8}", limit in 0u32..200) {
        let endpoint = Endpoint::default().with_project_id("p").unwrap();
        let typed = ListRtcUserList::new(app.clone()).room_id(room.clone()).limit(limit).build(&endpoint);
        let dynamic = dynamic::build(
            "ListRtcUserList",
            &serde_json::json!({"app": app, "room_id": room, "limit": limit}),
            &endpoint,
        );
        match (typed, dynamic) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(a.uri(), b.uri());
                prop_assert_eq!(a.headers(), b.headers());
            }
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a, b),
        }
    }
}
