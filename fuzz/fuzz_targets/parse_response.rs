//! Arbitrary status, headers and body bytes into the parser of an
//! arbitrarily chosen operation, typed and dynamic: it must never panic, and
//! a successful typed parse must agree with the dynamic one.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sparkrtc::OperationId;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    operation: u8,
    status: u16,
    headers: Vec<(&'a str, &'a [u8])>,
    body: &'a [u8],
}

fuzz_target!(|input: Input<'_>| {
    let op = OperationId::ALL[input.operation as usize % OperationId::ALL.len()];
    let status = http::StatusCode::from_u16(100 + input.status % 500).unwrap();
    let mut headers = http::HeaderMap::new();
    for (name, value) in input.headers {
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_bytes(value),
        ) {
            headers.append(n, v);
        }
    }
    let parsed = op.parse_json(status, &headers, input.body);
    if let Ok(value) = &parsed {
        // Parsing the re-serialized output again gives the same output.
        let again = serde_json::to_vec(value).unwrap();
        let mut no_id = value.clone();
        no_id.as_object_mut().unwrap().remove("X-Request-Id");
        let body = serde_json::to_vec(&no_id).unwrap();
        let reparsed = op.parse_json(status, &headers, &body).unwrap();
        assert_eq!(&reparsed, value, "{again:?}");
    }
    if let Err(e) = &parsed {
        let _ = e.to_string();
    }
});
