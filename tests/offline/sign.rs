//! AK/SK signing against the official Python signer (`huaweicloudsdkcore`
//! 3.1.219): three reference vectors, 347 generated vectors
//! (`tests/fixtures/sign/vectors.json`, made by `tests/sdk/sign_vectors.py`)
//! and the SDK's own signed captures of every operation.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64_lite::decode as b64;
use http::{HeaderName, HeaderValue, Request};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use proptest::prelude::*;
use serde_json::Value;
use sparkrtc::sign::{self, CanonicalRequest, SdkDate};
use sparkrtc::{dynamic, Credentials, Endpoint, Error};

/// 2024-01-02T03:04:05Z.
/// RFC 3986 unreserved characters stay; every other byte is encoded.
const RFC3986_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_704_164_645)
}

fn reference_request(method: &str, uri: &str, body: &[u8]) -> Request<Vec<u8>> {
    let mut r = Request::builder()
        .method(method)
        .uri(uri)
        .header("Content-Type", "application/json")
        .header("X-Project-Id", "proj123")
        .header("User-Agent", "test-agent")
        .body(body.to_vec())
        .unwrap();
    sign::sign(
        &mut r,
        &Credentials::ak_sk("AKTEST", "SKTEST").unwrap(),
        t0(),
    )
    .unwrap();
    r
}

#[test]
fn the_three_reference_vectors() {
    let cases: [(&str, &str, &[u8], &str); 3] = [
        ("GET", "https://rtc-api.myhuaweicloud.com/v2/apps?limit=10&offset=0&state=ACTIVATION", b"", "59bc71c05b37f2d01fb31bf5330ef64754b49bd8d02441bada14422ba854bb42"),
        ("POST", "https://rtc-api.myhuaweicloud.com/v2/apps", br#"{"app_name": "demo"}"#, "c184d70bef47f29b53938d8d3e531ee912795e3e26fa9a5a6183d358f52a4203"),
        ("GET", "https://rtc-api.myhuaweicloud.com/v1/proj123/rtc/users?flag=true&region=BJ&region=SH&room_id=room%201", b"", "fef3326c64af4090e0930645679103ecc43272a53a6ecbba17d4e803112efb93"),
    ];
    for (method, uri, body, signature) in cases {
        let r = reference_request(method, uri, body);
        assert_eq!(
            r.headers()["authorization"],
            format!("SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature={signature}").as_str(),
            "{method} {uri}"
        );
        assert_eq!(r.headers()["x-sdk-date"], "20240102T030405Z");
        assert_eq!(r.headers()["host"], "rtc-api.myhuaweicloud.com");
    }
}

/// Mirrors `huaweicloudsdkcore`: a header the SDK looks up by its exact
/// name `Content-Type` only. An `http::HeaderMap` has no letter case, so a
/// lower-case `content-type` is the same header to us; the SDK then skips
/// the UNSIGNED-PAYLOAD rule. Those vectors are the one known divergence.
fn sdk_case_quirk(v: &Value) -> bool {
    v["headers"].as_array().unwrap().iter().any(|h| {
        let (name, value) = (h[0].as_str().unwrap(), h[1].as_str().unwrap());
        name.eq_ignore_ascii_case("content-type")
            && name != "Content-Type"
            && !value.is_empty()
            && !value.starts_with("application/json")
            && !value.starts_with("application/bson")
    })
}

fn vector_request(v: &Value) -> Request<Vec<u8>> {
    let mut uri = format!(
        "https://{}{}",
        v["host"].as_str().unwrap(),
        v["path"].as_str().unwrap()
    );
    for (i, pair) in v["query"].as_array().unwrap().iter().enumerate() {
        uri.push(if i == 0 { '?' } else { '&' });
        uri.extend(utf8_percent_encode(
            pair[0].as_str().unwrap(),
            RFC3986_UNRESERVED,
        ));
        uri.push('=');
        uri.extend(utf8_percent_encode(
            pair[1].as_str().unwrap(),
            RFC3986_UNRESERVED,
        ));
    }
    let mut r = Request::builder()
        .method(v["method"].as_str().unwrap())
        .uri(uri)
        .body(b64(v["body_b64"].as_str().unwrap()))
        .unwrap();
    for h in v["headers"].as_array().unwrap() {
        r.headers_mut().append(
            HeaderName::from_bytes(h[0].as_str().unwrap().as_bytes()).unwrap(),
            HeaderValue::from_bytes(h[1].as_str().unwrap().as_bytes()).unwrap(),
        );
    }
    r
}

#[test]
fn every_generated_vector_matches_the_official_signer() {
    let vectors: Vec<Value> =
        serde_json::from_str(include_str!("../fixtures/sign/vectors.json")).unwrap();
    assert_eq!(vectors.len(), 347);
    let mut checked = 0;
    for v in &vectors {
        let name = v["name"].as_str().unwrap();
        if sdk_case_quirk(v) {
            continue;
        }
        let mut r = vector_request(v);
        let time = SdkDate::parse(v["sdk_date"].as_str().unwrap()).unwrap();
        let creds =
            Credentials::ak_sk(v["ak"].as_str().unwrap(), v["sk"].as_str().unwrap()).unwrap();
        sign::sign(&mut r, &creds, time).unwrap_or_else(|e| panic!("{name}: {e}"));

        let mut unsigned = r.clone();
        unsigned.headers_mut().remove("authorization");
        let canonical = CanonicalRequest::new(&unsigned).unwrap();
        assert_eq!(
            canonical.as_str(),
            v["canonical_request"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(canonical.to_string(), canonical.as_str(), "{name}");
        assert_eq!(
            format!("{canonical:?}"),
            format!("CanonicalRequest({:?})", canonical.as_str())
        );
        assert_eq!(
            format!(
                "{:?}",
                canonical.string_to_sign(SdkDate::new(time).unwrap())
            ),
            format!("StringToSign({:?})", v["string_to_sign"].as_str().unwrap())
        );
        assert_eq!(
            canonical
                .string_to_sign(SdkDate::new(time).unwrap())
                .to_string(),
            v["string_to_sign"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            r.headers()["authorization"],
            v["authorization"].as_str().unwrap(),
            "{name}"
        );

        // Same headers on the wire as the SDK's (names have no case to us).
        let mut ours: Vec<(String, String)> = r
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8(v.as_bytes().to_vec()).unwrap(),
                )
            })
            .collect();
        let mut theirs: Vec<(String, String)> = v["signed_request_headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h[0].as_str().unwrap().to_ascii_lowercase(),
                    h[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{name}");
        checked += 1;
    }
    // Everything but the 41 lower-case `content-type` vectors.
    assert_eq!(checked, 306);
}

#[test]
fn the_sdk_signs_our_requests_identically() {
    // Each capture is what the SDK sent for some parameters. Build the same
    // operation with the crate, give it the SDK's Content-Type and
    // User-Agent (which differ by design), sign: the signature must match.
    let captures: Vec<Value> =
        serde_json::from_str(include_str!("../fixtures/sdk/captured.json")).unwrap();
    let creds = Credentials::ak_sk("AKTEST", "SKTEST")
        .unwrap()
        .with_project_id("proj123")
        .unwrap();
    let endpoint = Endpoint::default().with_project_id("proj123").unwrap();
    let (mut checked, mut skipped) = (0, 0);
    for c in &captures {
        let name = c["name"].as_str().unwrap();
        let params = c["params"].clone();
        // The SDK sends the template it is given; the crate sends the x
        // spelling, so the body (and signature) differ by design.
        if params
            .pointer("/body/mix_param/encode_template")
            .and_then(Value::as_str)
            .is_some_and(|s| s.contains('*'))
        {
            skipped += 1;
            continue;
        }
        let mut r = dynamic::build(c["operation"].as_str().unwrap(), &params, &endpoint).unwrap();
        if let Some(body) = c["body_raw"].as_str() {
            // The SDK's JSON text differs in spacing and escapes: sign its bytes.
            *r.body_mut() = body.as_bytes().to_vec();
        }
        for h in ["content-type", "user-agent"] {
            r.headers_mut().insert(
                h,
                HeaderValue::from_str(c["headers"][h].as_str().unwrap()).unwrap(),
            );
        }
        sign::sign(&mut r, &creds, t0()).unwrap();
        assert_eq!(
            r.headers()["authorization"],
            c["headers"]["authorization"].as_str().unwrap(),
            "{name}"
        );
        checked += 1;
    }
    assert_eq!((checked, skipped), (75, 3));
}

#[test]
fn temporary_credentials_and_iam_tokens() {
    let creds = Credentials::ak_sk("AKTEST", "SKTEST")
        .unwrap()
        .with_security_token("TOKEN-VALUE")
        .unwrap()
        .with_project_id("proj123")
        .unwrap();
    let list_apps = || {
        Request::builder()
            .uri("https://rtc-api.myhuaweicloud.com/v2/apps")
            .body(Vec::new())
            .unwrap()
    };
    let mut r = list_apps();
    sign::sign(&mut r, &creds, t0()).unwrap();
    assert_eq!(r.headers()["x-security-token"], "TOKEN-VALUE");
    assert!(r.headers()["x-security-token"].is_sensitive());
    assert!(r.headers()["authorization"]
        .to_str()
        .unwrap()
        .contains("SignedHeaders=host;x-project-id;x-sdk-date;x-security-token,"));

    let token = Credentials::iam_token("IAM-TOKEN")
        .unwrap()
        .with_project_id("proj123")
        .unwrap();
    let mut r = list_apps();
    sign::sign(&mut r, &token, t0()).unwrap();
    assert_eq!(r.headers()["x-auth-token"], "IAM-TOKEN");
    assert!(r.headers()["x-auth-token"].is_sensitive());
    assert_eq!(r.headers()["x-project-id"], "proj123");
    assert!(r.headers().get("authorization").is_none());
    assert!(r.headers().get("x-sdk-date").is_none());
}

#[test]
fn non_json_bodies_are_unsigned_payloads() {
    let mut r = Request::builder()
        .method("PUT")
        .uri("https://h/x")
        .header("Content-Type", "application/octet-stream")
        .body(vec![1, 2, 3])
        .unwrap();
    sign::sign(&mut r, &Credentials::ak_sk("AK", "SK").unwrap(), t0()).unwrap();
    assert_eq!(r.headers()["x-sdk-content-sha256"], "UNSIGNED-PAYLOAD");
    let mut unsigned = r.clone();
    unsigned.headers_mut().remove("authorization");
    assert!(CanonicalRequest::new(&unsigned)
        .unwrap()
        .as_str()
        .ends_with("\nUNSIGNED-PAYLOAD"));
}

#[test]
fn bad_input_is_a_typed_error() {
    let creds = Credentials::ak_sk("AK", "SK").unwrap();
    let mut r = Request::builder()
        .uri("https://h/x")
        .header("x-bin", HeaderValue::from_bytes(b"\xff").unwrap())
        .body(Vec::new())
        .unwrap();
    match sign::sign(&mut r, &creds, t0()) {
        Err(Error::InvalidHeader { name, .. }) => assert_eq!(name, "x-bin"),
        other => panic!("{other:?}"),
    }
    let mut r = Request::builder()
        .uri("https://h/x")
        .header("x-a", "1")
        .header("x-a", "2")
        .body(Vec::new())
        .unwrap();
    match sign::sign(&mut r, &creds, t0()) {
        Err(Error::InvalidHeader { name, reason }) => {
            assert_eq!(
                (name.as_str(), reason.as_str()),
                (
                    "x-a",
                    "appears more than once; a signed header must have one value"
                )
            )
        }
        other => panic!("{other:?}"),
    }
    let mut r = Request::builder()
        .uri("/relative")
        .body(Vec::new())
        .unwrap();
    assert!(
        matches!(sign::sign(&mut r, &creds, t0()), Err(Error::InvalidHeader { name, .. }) if name == "host")
    );
    let mut r = Request::builder()
        .uri("https://h/x")
        .body(Vec::new())
        .unwrap();
    assert!(matches!(
        sign::sign(&mut r, &creds, UNIX_EPOCH - Duration::from_secs(1)),
        Err(Error::InvalidHeader { name, .. }) if name == "x-sdk-date"
    ));
    // A header the SDK would not sign (`_` in the name) is sent, unsigned.
    let mut r = Request::builder()
        .uri("https://h/x")
        .header("x_custom", "v")
        .body(Vec::new())
        .unwrap();
    sign::sign(&mut r, &creds, t0()).unwrap();
    assert!(r.headers()["authorization"]
        .to_str()
        .unwrap()
        .contains("SignedHeaders=host;x-sdk-date,"));
}

#[test]
fn secrets_never_appear_in_debug_output_or_errors() {
    const SENTINEL: &str = "SENTINEL7e3a";
    let creds = Credentials::ak_sk("AKTEST", format!("sk-{SENTINEL}"))
        .unwrap()
        .with_security_token(format!("tok-{SENTINEL}"))
        .unwrap();
    assert!(!format!("{creds:?}").contains(SENTINEL));
    let token = Credentials::iam_token(format!("iam-{SENTINEL}")).unwrap();
    assert!(!format!("{token:?}").contains(SENTINEL));

    let op = sparkrtc::ops::UpdateRecordCallback::new(
        "app",
        sparkrtc::model::AppCallbackUrlReq::new("https://cb.example.com")
            .auth_key(format!("cb-{SENTINEL}-and-enough-for-32-chars")),
    );
    assert!(!format!("{op:?}").contains(SENTINEL));
    let mut r = sparkrtc::Operation::build(&op, &Endpoint::default()).unwrap();
    for c in [&creds, &token] {
        sign::sign(&mut r, c, t0()).unwrap();
        let shown = format!("{:?}", sign::debug_request(&r));
        assert!(!shown.contains(SENTINEL), "{shown}");
        assert!(!format!("{:?}", r.headers()).contains(SENTINEL));
    }
    // Errors about credentials never quote them.
    let e = Credentials::iam_token(format!("{SENTINEL} with space")).unwrap_err();
    assert!(!e.to_string().contains(SENTINEL) && !format!("{e:?}").contains(SENTINEL));
}

/// Method, path, query pairs, headers, body.
type Parts = (
    String,
    String,
    Vec<(String, String)>,
    Vec<(String, String)>,
    Vec<u8>,
);

fn arb_request() -> impl Strategy<Value = Parts> {
    (
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE"]).prop_map(str::to_owned),
        prop::collection::vec("\\PC{0,6}", 1..4).prop_map(|segs| {
            segs.iter()
                .map(|s| utf8_percent_encode(s, RFC3986_UNRESERVED).to_string())
                .collect::<Vec<_>>()
                .join("/")
        }),
        prop::collection::vec(("[a-z]{1,4}", "\\PC{0,5}"), 0..5),
        // Distinct names: one value per signed header.
        prop::collection::btree_map("x-[a-z]{1,6}", "[ -~]{0,8}", 0..4)
            .prop_map(|m| m.into_iter().collect::<Vec<_>>()),
        prop::collection::vec(any::<u8>(), 0..64),
    )
}

fn make(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    body: &[u8],
) -> Request<Vec<u8>> {
    let mut uri = format!("https://rtc-api.myhuaweicloud.com/{path}");
    for (i, (k, v)) in query.iter().enumerate() {
        uri.push(if i == 0 { '?' } else { '&' });
        uri.extend(utf8_percent_encode(k, RFC3986_UNRESERVED));
        uri.push('=');
        uri.extend(utf8_percent_encode(v, RFC3986_UNRESERVED));
    }
    let mut r = Request::builder()
        .method(method)
        .uri(uri)
        .body(body.to_vec())
        .unwrap();
    for (n, v) in headers {
        r.headers_mut().insert(
            HeaderName::from_bytes(n.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    r
}

fn authorization(mut r: Request<Vec<u8>>) -> String {
    sign::sign(&mut r, &Credentials::ak_sk("AK", "SK").unwrap(), t0()).unwrap();
    r.headers()["authorization"].to_str().unwrap().to_owned()
}

proptest! {
    #[test]
    fn signing_never_panics(method in "[A-Z]{1,7}", uri in "[ -~]{0,40}", hv in prop::collection::vec(any::<u8>(), 0..16), body in prop::collection::vec(any::<u8>(), 0..32), secs in any::<u64>()) {
        if let Ok(mut r) = Request::builder().method(method.as_str()).uri(uri.as_str()).body(body) {
            if let Ok(v) = HeaderValue::from_bytes(&hv) {
                r.headers_mut().insert("x-h", v);
            }
            let time = UNIX_EPOCH.checked_add(Duration::from_secs(secs)).unwrap_or(UNIX_EPOCH);
            let _ = sign::sign(&mut r, &Credentials::ak_sk("AK", "SK").unwrap(), time);
        }
    }

    #[test]
    fn every_signed_part_changes_the_signature((method, path, query, headers, body) in arb_request(), which in 0usize..5) {
        let base = authorization(make(&method, &path, &query, &headers, &body));
        let changed = match which {
            0 => make(if method == "GET" { "POST" } else { "GET" }, &path, &query, &headers, &body),
            1 => make(&method, &format!("{path}/z"), &query, &headers, &body),
            2 => {
                let mut q = query.clone();
                q.push(("zz".into(), "1".into()));
                make(&method, &path, &q, &headers, &body)
            }
            3 => {
                let mut h = headers.clone();
                h.push(("x-extra-signed".into(), "v".into()));
                make(&method, &path, &query, &h, &body)
            }
            _ => {
                let mut b = body.clone();
                b.push(b'!');
                make(&method, &path, &query, &headers, &b)
            }
        };
        prop_assert_ne!(base, authorization(changed));
    }

    #[test]
    fn header_and_query_order_do_not_matter((method, path, query, headers, body) in arb_request()) {
        let mut headers_rev = headers.clone();
        headers_rev.reverse();
        let mut query_rev = query.clone();
        query_rev.reverse();
        prop_assert_eq!(
            authorization(make(&method, &path, &query, &headers, &body)),
            authorization(make(&method, &path, &query_rev, &headers_rev, &body))
        );
    }
}

/// Minimal standard base64 decoding for the fixture (no dependency).
mod base64_lite {
    pub fn decode(s: &str) -> Vec<u8> {
        let val = |c: u8| -> u32 {
            match c {
                b'A'..=b'Z' => u32::from(c - b'A'),
                b'a'..=b'z' => u32::from(c - b'a') + 26,
                b'0'..=b'9' => u32::from(c - b'0') + 52,
                b'+' => 62,
                b'/' => 63,
                _ => panic!("bad base64"),
            }
        };
        let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').collect();
        let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
        for chunk in bytes.chunks(4) {
            let mut n = 0u32;
            for (i, &c) in chunk.iter().enumerate() {
                n |= val(c) << (18 - 6 * i);
            }
            out.push((n >> 16) as u8);
            if chunk.len() > 2 {
                out.push((n >> 8) as u8);
            }
            if chunk.len() > 3 {
                out.push(n as u8);
            }
        }
        out
    }
}

#[test]
fn re_signing_replaces_the_old_authorization_and_never_signs_it() {
    let creds = Credentials::ak_sk("AKTEST", "SKTEST").unwrap();
    let endpoint = Endpoint::default().with_project_id("proj123").unwrap();
    let build = || sparkrtc::Operation::build(&sparkrtc::ops::ListApps::new(), &endpoint).unwrap();
    let later = t0() + Duration::from_secs(90);

    let mut reused = build();
    sign::sign(&mut reused, &creds, t0()).unwrap();
    sign::sign(&mut reused, &creds, later).unwrap();
    let mut fresh = build();
    sign::sign(&mut fresh, &creds, later).unwrap();

    let auth = reused.headers()["authorization"].to_str().unwrap();
    assert!(!auth.contains("authorization"), "{auth}");
    assert_eq!(auth, fresh.headers()["authorization"]);
    assert_eq!(reused.headers().get_all("authorization").iter().count(), 1);
    assert_eq!(reused.headers()["x-sdk-date"], "20240102T030535Z");

    // Token credentials after AK/SK: the old signature goes; AK/SK after a
    // token: the token goes.
    let token = Credentials::iam_token("IAM-TOKEN").unwrap();
    sign::sign(&mut reused, &token, later).unwrap();
    assert!(reused.headers().get("authorization").is_none());
    assert!(reused.headers().get("x-sdk-date").is_none());
    sign::sign(&mut reused, &creds, later).unwrap();
    assert!(reused.headers().get("x-auth-token").is_none());
    assert_eq!(
        reused.headers()["authorization"],
        fresh.headers()["authorization"]
    );
}

#[test]
fn a_request_for_one_project_is_not_signed_for_another() {
    let endpoint = Endpoint::default().with_project_id("proj-A").unwrap();
    let request =
        || sparkrtc::Operation::build(&sparkrtc::ops::ListApps::new(), &endpoint).unwrap();
    let other = Credentials::ak_sk("AK", "SK")
        .unwrap()
        .with_project_id("proj-B")
        .unwrap();
    let err = sign::sign(&mut request(), &other, t0()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid parameter `project_id`: the request is for project `proj-A` (X-Project-Id and \
         the path) but the credentials are for `proj-B`; set the project id in one place"
    );
    // The same project, or a project in one place only, signs.
    for creds in [
        Credentials::ak_sk("AK", "SK")
            .unwrap()
            .with_project_id("proj-A")
            .unwrap(),
        Credentials::ak_sk("AK", "SK").unwrap(),
    ] {
        let mut r = request();
        sign::sign(&mut r, &creds, t0()).unwrap();
        assert_eq!(r.headers()["x-project-id"], "proj-A");
    }
}

#[test]
fn requests_with_more_headers_and_query_pairs_than_fit_on_the_stack_sign_them_all() {
    // Sorting happens on the stack up to 16 items, on the heap beyond.
    for n in [15usize, 16, 17, 40] {
        let query: Vec<String> = (0..n).rev().map(|i| format!("q{i:02}={i}")).collect();
        let mut builder = Request::builder()
            .method("GET")
            .uri(format!("https://h/x?{}", query.join("&")));
        for i in (0..n).rev() {
            builder = builder.header(format!("x-h{i:02}"), format!(" v{i} "));
        }
        let mut r = builder.body(Vec::new()).unwrap();
        sign::sign(&mut r, &Credentials::ak_sk("AK", "SK").unwrap(), t0()).unwrap();
        let mut unsigned = r.clone();
        unsigned.headers_mut().remove("authorization");
        let canonical = CanonicalRequest::new(&unsigned).unwrap();

        let mut names: Vec<String> = (0..n).map(|i| format!("x-h{i:02}")).collect();
        names.extend(["host".to_owned(), "x-sdk-date".to_owned()]);
        names.sort();
        assert_eq!(canonical.signed_headers(), names.join(";"), "{n}");
        let lines: Vec<&str> = canonical.as_str().lines().collect();
        let sorted_query: Vec<String> = (0..n).map(|i| format!("q{i:02}={i}")).collect();
        assert_eq!(lines[2], sorted_query.join("&"), "{n}");
        for i in 0..n {
            assert!(
                lines.contains(&format!("x-h{i:02}:v{i}").as_str()),
                "{n}: x-h{i:02}"
            );
        }
        assert!(r.headers()["authorization"]
            .to_str()
            .unwrap()
            .contains(&format!("SignedHeaders={},", names.join(";"))));
    }
}
