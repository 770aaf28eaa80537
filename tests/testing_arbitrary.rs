//! The `arbitrary` feature: every operation's request type and every model
//! draws from bytes; building a drawn request never panics (a request or
//! the crate's typed error), and a built request, signed, reads back with
//! the incoming-request parser into the same operation and parameters.
//! Drawn answers go through the mock transport into a client. (The fuzz
//! target `arbitrary_roundtrip` does the same with libFuzzer's inputs.)
#![cfg(all(feature = "arbitrary", feature = "test-util"))]

use std::time::{Duration, UNIX_EPOCH};

use arbitrary::{Arbitrary, Unstructured};
use serde_json::Value;
use sparkrtc::client::Client;
use sparkrtc::dynamic::decode_request;
use sparkrtc::model::{App, AppList, MixJob, ObsOperation, UtcDate, UtcTime};
use sparkrtc::ops::{ListApps, ShowApp, ShowMixJob};
use sparkrtc::retry::RetryPolicy;
use sparkrtc::sign::sign;
use sparkrtc::testing::{Answer, MockTransport};
use sparkrtc::{Credentials, Endpoint, Error, Operation, OperationId, Output, Secret, Unchecked};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

/// Deterministic printable bytes (text draws as long strings, as a
/// fuzzer's corpus soon holds them): the SplitMix64 stream of `seed`.
fn text_bytes(seed: u64, len: usize) -> Vec<u8> {
    bytes(seed, len)
        .into_iter()
        .map(|b| b' ' + b % 95)
        .collect()
}

/// Deterministic bytes: the SplitMix64 stream of `seed`.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

/// The parameters as the parser gives them back: a list in the query is
/// sent as repeated pairs sorted by value (as the official SDK sends them),
/// so it reads back sorted; an empty one sends no pair (the same request as
/// none); and the endpoint's project id fills the path when the request has
/// no override of its own; floats read back as serde_json reads its text.
fn as_read_back(params: &Value, id: OperationId, endpoint_project: &str) -> Value {
    // Through JSON text and back, as the body travels: serde_json's parser
    // (without its `float_roundtrip` feature) may read a float one unit in
    // the last place off the shortest text it wrote.
    let mut params: Value = serde_json::from_str(&params.to_string()).unwrap();
    if let Value::Object(map) = &mut params {
        map.retain(|key, value| {
            let query = id
                .info()
                .param(key)
                .is_some_and(|p| p.location == sparkrtc::ParamLocation::Query);
            if let (true, Value::Array(items)) = (query, &mut *value) {
                items.sort_by_key(|v| v.as_str().map(str::to_owned));
                return !items.is_empty();
            }
            true
        });
        let scoped = id.info().param("project_id").is_some();
        if scoped && !map.contains_key("project_id") {
            map.insert("project_id".into(), Value::from(endpoint_project));
        }
    }
    params
}

#[test]
fn every_operation_draws_builds_without_panicking_and_reads_back_the_same() {
    let endpoint = Endpoint::default().with_project_id(PROJECT).unwrap();
    let credentials = Credentials::ak_sk("AK", "SK").unwrap();
    let mut built = 0;
    for &id in OperationId::ALL {
        let mut ok = 0;
        for seed in 0..300u64 {
            let seed = seed ^ (id as u64) << 32;
            let len = 256 << (seed % 5);
            let data = if seed.is_multiple_of(2) {
                bytes(seed, len)
            } else {
                text_bytes(seed, len)
            };
            let mut u = Unstructured::new(&data);
            let Ok(drawn) = id.arbitrary_request(&mut u, &endpoint) else {
                continue;
            };
            assert_eq!(drawn.operation, id);
            let Ok(mut request) = drawn.request else {
                continue;
            };
            sign(
                &mut request,
                &credentials,
                UNIX_EPOCH + Duration::from_secs(1_704_164_645),
            )
            .unwrap();
            let incoming = decode_request(&request)
                .unwrap_or_else(|e| panic!("{id}: {e}; params {}", drawn.params));
            assert_eq!(incoming.operation, id);
            assert_eq!(
                incoming.params,
                as_read_back(&drawn.params, id, PROJECT),
                "{id}"
            );
            ok += 1;
        }
        // Bytes drawn at random seldom satisfy every rule of a recording
        // rule (an OBS address, formats and their configs, ranges) or a
        // callback (a URL, a 32..=64-character key): the fuzz target's
        // coverage guidance reaches those.
        let strict = [
            OperationId::CreateRecordRule,
            OperationId::UpdateRecordRule,
            OperationId::UpdateRecordCallback,
        ];
        assert!(
            ok > 0 || strict.contains(&id),
            "{id}: no drawn request was valid in 300 draws"
        );
        built += ok;
    }
    assert!(built > OperationId::ALL.len() * 20, "{built}");
}

#[test]
fn unchecked_requests_and_the_foreign_types_draw_too() {
    let data = bytes(1, 4096);
    let mut u = Unstructured::new(&data);
    let endpoint = Endpoint::default();
    for _ in 0..50 {
        let list = Unchecked::<ListApps>::arbitrary(&mut u).unwrap();
        // Ranges are the service's to judge: only the path can be refused.
        assert!(list.build(&endpoint).is_ok(), "{list:?}");
    }
    let ids: Vec<OperationId> = (0..2000)
        .map(|i| OperationId::arbitrary(&mut Unstructured::new(&bytes(i, 8))).unwrap())
        .collect();
    assert!(OperationId::ALL.iter().all(|id| ids.contains(id)));
    let ops: Vec<ObsOperation> = (0..32)
        .map(|i| ObsOperation::arbitrary(&mut Unstructured::new(&bytes(i, 1))).unwrap())
        .collect();
    assert!(ops.contains(&ObsOperation::Grant) && ops.contains(&ObsOperation::Revoke));
    // Times: mostly in the forms' range, some past it, some text; each
    // either names a time or says why not.
    let mut named = 0;
    for seed in 0..200 {
        let data = bytes(seed, 64);
        let time = UtcTime::arbitrary(&mut Unstructured::new(&data)).unwrap();
        let date = UtcDate::arbitrary(&mut Unstructured::new(&data)).unwrap();
        named += usize::from(time.time().is_ok()) + usize::from(date.time().is_ok());
    }
    assert!((100..400).contains(&named), "{named}");
    // A secret's Debug never shows it.
    let secret = Secret::arbitrary(&mut Unstructured::new(b"hello-world\x05")).unwrap();
    assert_eq!(secret.expose_secret(), "hello");
    assert!(!format!("{secret:?}").contains("hello"));
}

/// Application code under test: a job's state and the apps' names, as an
/// application would read them, never panicking on what the service says.
fn summarize<T: sparkrtc::transport::Transport>(client: &Client<T>) -> Result<String, Error> {
    let job = client.call(&ShowMixJob::new("app-1", "job-1"))?;
    let state = job.state().map(|s| s.to_string()).unwrap_or_default();
    let apps = client.call(&ListApps::new())?;
    let names: Vec<&str> = apps
        .apps
        .iter()
        .filter_map(|a| a.app_name.as_deref())
        .collect();
    Ok(format!("{state}: {}", names.join(",")))
}

#[test]
fn drawn_answers_go_through_the_mock_into_application_code() {
    let mut outcomes = [0usize; 2];
    for seed in 0..300 {
        let data = bytes(seed, 2048);
        let mut u = Unstructured::new(&data);
        let job = Output::<MixJob>::arbitrary(&mut u).unwrap();
        let apps = AppList::arbitrary(&mut u).unwrap();
        let mock = MockTransport::new();
        let _ = mock
            .on::<ShowMixJob>()
            .then(Answer::output(&job.body))
            .build();
        let _ = mock.on::<ListApps>().then_output(&apps).build();
        let client = Client::builder(mock)
            .credentials(Credentials::ak_sk("AK", "SK").unwrap())
            .retry(RetryPolicy::never())
            .build()
            .unwrap();
        match summarize(&client) {
            Ok(_) => outcomes[0] += 1,
            Err(Error::Decode(_)) => outcomes[1] += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(outcomes[0] > 0, "{outcomes:?}");
    // A drawn app reads back as itself, but for what JSON cannot carry.
    let data = bytes(9, 1024);
    let app = App::arbitrary(&mut Unstructured::new(&data)).unwrap();
    let body = serde_json::to_vec(&app).unwrap();
    let parsed = ShowApp::parse(http::StatusCode::OK, &http::HeaderMap::new(), &body);
    assert!(parsed.is_ok(), "{parsed:?}");
}
