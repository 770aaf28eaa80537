//! Recording callbacks: arbitrary headers, bodies, keys and times into the
//! verifier and the event parser. Never panics; the key never shapes an
//! error (another key gives the same one) nor shows in `Debug`; only what the
//! key signed is accepted; what the crate signs verifies.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use arbitrary::Arbitrary;
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use sparkrtc::callback::{self, CallbackError, CallbackEvent, Verifier};
use sparkrtc::Secret;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    key: &'a str,
    headers: Vec<(u8, &'a [u8])>,
    body: &'a [u8],
    now_secs: u32,
    tolerance_secs: u16,
    rand: &'a str,
    timestamp: u32,
}

const NAMES: [&str; 4] = [
    "x-rtc-rand",
    "x-rtc-timestamp",
    "x-rtc-signature",
    "x-other",
];

fuzz_target!(|input: Input<'_>| {
    let now = UNIX_EPOCH + Duration::from_secs(u64::from(input.now_secs));
    let tolerance = Duration::from_secs(u64::from(input.tolerance_secs));
    let mut headers = HeaderMap::new();
    for (i, value) in &input.headers {
        if let Ok(v) = HeaderValue::from_bytes(value) {
            headers.append(HeaderName::from_static(NAMES[usize::from(*i) % 4]), v);
        }
    }
    let _ = CallbackEvent::parse(input.body);

    let Ok(verifier) = Verifier::new(input.key) else {
        assert!(input.key.is_empty());
        return;
    };
    let verifier = verifier.tolerance(tolerance);
    match verifier.verify(&headers, input.body, now) {
        Ok(_) => {
            // Accepted: the signature header is the key's signature.
            let get = |n: &str| headers.get(n).unwrap().to_str().unwrap();
            let expected = callback::sign(
                &Secret::new(input.key),
                get("x-rtc-rand"),
                get("x-rtc-timestamp"),
                input.body,
            )
            .unwrap();
            assert!(get("x-rtc-signature").eq_ignore_ascii_case(&expected));
        }
        Err(e) => {
            // The key never shapes an error: another key gives the same
            // error, or (only when this one's signature failed) success.
            let other_key: String = input
                .key
                .chars()
                .map(|c| if c == 'k' { 'q' } else { 'k' })
                .collect();
            let other = Verifier::new(other_key.as_str())
                .unwrap()
                .tolerance(tolerance);
            match other.verify(&headers, input.body, now) {
                Err(o) => assert!(
                    o == e
                        || matches!(e, CallbackError::BadSignature)
                        || matches!(o, CallbackError::BadSignature),
                    "{e:?} / {o:?}"
                ),
                Ok(_) => assert_eq!(e, CallbackError::BadSignature),
            }
        }
    }
    let shown = format!("{verifier:?}");
    assert!(shown.contains("Secret(\"***\")"), "{shown}");

    // What the crate signs, the verifier accepts at the time it says.
    let key = Secret::new(input.key);
    let ts = input.timestamp.to_string();
    if let Ok(signed) = callback::signed_headers(&key, input.rand, &ts, input.body) {
        let at = UNIX_EPOCH + Duration::from_secs(u64::from(input.timestamp));
        match verifier.verify(&signed, input.body, at) {
            Ok(_) => {}
            Err(CallbackError::InvalidEvent(_)) => {
                assert!(CallbackEvent::parse(input.body).is_err())
            }
            Err(CallbackError::BodyTooLarge { .. }) => {
                assert!(input.body.len() > callback::DEFAULT_MAX_BODY)
            }
            Err(CallbackError::MissingHeader(_)) => assert!(input.rand.is_empty()),
            Err(e) => panic!("self-signed callback refused: {e}"),
        }
    }
});
