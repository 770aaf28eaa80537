//! Recording callbacks and room-join signatures: known answers computed
//! independently (`tests/sdk/callback_vectors.py`, Python's hmac), every
//! reason a callback is refused, and properties: any change to what is
//! signed fails, verification never panics.

#![allow(clippy::disallowed_methods)] // a HashSet for the replay check

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use serde_json::Value;
use sparkrtc::callback::{self, CallbackError, CallbackEvent, Signature, Verifier};
use sparkrtc::join::{self, JoinError, MAX_VALIDITY, RECOMMENDED_VALIDITY};
use sparkrtc::model::RecordFormat;
use sparkrtc::Secret;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../fixtures/callback/vectors.json")).unwrap()
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap()
}

const KEY: &str = "0123456789abcdef0123456789abcdef";
const BODY: &[u8] = br#"{"event_type":"RECORD_NEW_FILE_START","job_id":"j-1","room_id":"r-1"}"#;

fn signed(rand: &str, timestamp: &str, body: &[u8]) -> HeaderMap {
    callback::signed_headers(&KEY.into(), rand, timestamp, body).unwrap()
}

fn verifier() -> Verifier {
    Verifier::new(KEY).unwrap()
}

#[test]
fn callback_signatures_match_the_independent_vectors() {
    let v = vectors();
    let callbacks = v["callbacks"].as_array().unwrap();
    assert_eq!(callbacks.len(), 8);
    for c in callbacks {
        let name = s(c, "name");
        let key = Secret::new(s(c, "auth_key"));
        let (rand, ts, body) = (s(c, "rand"), s(c, "timestamp"), s(c, "body").as_bytes());
        assert_eq!(
            callback::sign(&key, rand, ts, body).unwrap(),
            s(c, "signature"),
            "{name}"
        );
        // And the verifier accepts it at the time it was sent (after it,
        // for the millisecond one).
        let n: u64 = ts.parse().unwrap();
        let sent = if n > callback::MILLISECONDS_ABOVE {
            UNIX_EPOCH + Duration::from_millis(n)
        } else {
            at(n)
        };
        let signature = Signature {
            rand,
            timestamp: ts,
            signature: s(c, "signature"),
        };
        let result = Verifier::new(key)
            .unwrap()
            .verify_parts(Some(signature), body, sent, |_| true);
        if body.is_empty() {
            assert!(
                matches!(result, Err(CallbackError::InvalidEvent(_))),
                "{name}: {result:?}"
            );
        } else {
            assert!(result.is_ok(), "{name}: {result:?}");
        }
    }
}

#[test]
fn the_documented_example_parses_with_its_file_fields() {
    let v = vectors();
    let example = &v["callbacks"][0];
    let event = CallbackEvent::parse(s(example, "body").as_bytes()).unwrap();
    assert_eq!(event.event_type(), "RECORD_FILE_COMPLETE");
    let CallbackEvent::FileCompleted(file) = event else {
        panic!("{event:?}")
    };
    assert_eq!(file.file_size, Some(26_254_952));
    assert_eq!(file.record_duration, Some(65));
    assert_eq!(file.record_format, Some(RecordFormat::Hls));
    assert_eq!((file.width, file.height), (Some(1280), Some(720)));
    assert_eq!(file.obs_bucket.as_deref(), Some("abc-rtc-bucket2"));
    assert_eq!(
        file.job_id.as_deref(),
        Some("608196a2fa1xxxxxx515147f32ef463b")
    );
    assert_eq!(file.room_id.as_deref(), Some("room01"));
    assert_eq!(file.start_time.as_deref(), Some("2021-04-28T08:56:57Z"));
}

#[test]
fn other_events_keep_their_raw_json_and_unknown_fields_are_ignored() {
    let body = br#"{"event_type":"RTC_USER_ROLE_CHANGED","room_id":"r","role":2}"#;
    match CallbackEvent::parse(body).unwrap() {
        CallbackEvent::Other { event_type, raw } => {
            assert_eq!(event_type, "RTC_USER_ROLE_CHANGED");
            assert_eq!(raw["role"], 2);
        }
        other => panic!("{other:?}"),
    }
    let body = br#"{"event_type":"SOMETHING_NEW","x":[1,2]}"#;
    let event = CallbackEvent::parse(body).unwrap();
    assert_eq!(event.event_type(), "SOMETHING_NEW");
    assert!(event.recording().is_none());
    let body = br#"{"event_type":"CLOUD_RECORD_SERVER_OVER","job_id":"j","surprise":{"a":1}}"#;
    let event = CallbackEvent::parse(body).unwrap();
    assert_eq!(event.recording().unwrap().job_id.as_deref(), Some("j"));
    let event = CallbackEvent::parse(br#"{"job_id":"j"}"#).unwrap();
    assert_eq!(event.event_type(), "");
}

#[test]
fn a_verifier_shows_its_settings_but_never_its_key() {
    let v = verifier()
        .tolerance(Duration::from_secs(60))
        .max_body_bytes(1_000);
    assert_eq!(
        format!("{v:?}"),
        r#"Verifier { key: Some(Secret("***")), tolerance: 60s, max_body: 1000 }"#
    );
    assert_eq!(
        format!("{:?}", Verifier::unsigned()),
        "Verifier { key: None, tolerance: 300s, max_body: 65536 }"
    );
}

/// What the verifier makes of a timestamp header, at `now`.
fn timestamp_verdict(timestamp: &str, now: SystemTime) -> Result<(), CallbackError> {
    let h = signed("r1", timestamp, BODY);
    verifier().verify(&h, BODY, now).map(|_| ())
}

fn malformed_timestamp() -> Result<(), CallbackError> {
    Err(CallbackError::MalformedHeader {
        name: "X-Rtc-Timestamp",
        reason: "not a number of seconds or milliseconds since 1970".into(),
    })
}

#[test]
fn timestamps_are_1_to_19_digits_of_seconds_or_milliseconds() {
    let now = at(1_700_000_000);
    // Leading zeros are digits: 19 of them and the value still fit.
    assert_eq!(timestamp_verdict("0000000001700000000", now), Ok(()));
    assert_eq!(timestamp_verdict("0001700000000", now), Ok(()));
    // 20 characters are refused even when the number would fit in a u64.
    assert_eq!(
        timestamp_verdict("00000000001700000000", now),
        malformed_timestamp()
    );
    assert_eq!(
        timestamp_verdict("18446744073709551616", now),
        malformed_timestamp()
    );
    // Empty, signs, spaces, fractions.
    for bad in ["", "+1700000000", " 1700000000", "1700000000.5", "1e9"] {
        assert_eq!(
            timestamp_verdict(bad, now),
            malformed_timestamp(),
            "{bad:?}"
        );
    }
    // The largest 19 digits: milliseconds, far in the future, not an error
    // of range.
    assert!(matches!(
        timestamp_verdict("9999999999999999999", now),
        Err(CallbackError::FromTheFuture(_))
    ));
    // Seconds up to MILLISECONDS_ABOVE inclusive, milliseconds above it.
    let above = callback::MILLISECONDS_ABOVE;
    assert_eq!(above, 100_000_000_000);
    assert_eq!(timestamp_verdict(&above.to_string(), at(above)), Ok(()));
    assert_eq!(
        timestamp_verdict(&(above + 1).to_string(), at(above / 1000)),
        Ok(())
    );
    assert_eq!(
        timestamp_verdict(&(above + 1).to_string(), at(above)),
        Err(CallbackError::Stale(
            Duration::from_secs(above) - Duration::from_millis(above + 1)
        ))
    );
}

#[test]
fn every_refusal_has_its_reason() {
    let now = at(1_700_000_000);
    let ok = signed("r1", "1700000000", BODY);
    assert!(verifier().verify(&ok, BODY, now).is_ok());

    // Unsigned while a key is configured.
    assert_eq!(
        verifier().verify(&HeaderMap::new(), BODY, now),
        Err(CallbackError::Unsigned)
    );
    // A missing header.
    for name in ["x-rtc-rand", "x-rtc-timestamp", "x-rtc-signature"] {
        let mut h = ok.clone();
        h.remove(name);
        assert!(
            matches!(
                verifier().verify(&h, BODY, now),
                Err(CallbackError::MissingHeader(_))
            ),
            "{name}"
        );
    }
    // A duplicated header.
    let mut h = ok.clone();
    h.append("x-rtc-rand", HeaderValue::from_static("r2"));
    assert_eq!(
        verifier().verify(&h, BODY, now),
        Err(CallbackError::DuplicateHeader("X-Rtc-Rand"))
    );
    // Malformed headers.
    for (name, value) in [
        ("x-rtc-timestamp", "yesterday"),
        ("x-rtc-timestamp", "-5"),
        ("x-rtc-signature", "abc"),
        ("x-rtc-signature", &"g".repeat(64)),
    ] {
        let mut h = ok.clone();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        assert!(
            matches!(
                verifier().verify(&h, BODY, now),
                Err(CallbackError::MalformedHeader { .. })
            ),
            "{name}: {value}"
        );
    }
    let mut h = ok.clone();
    h.insert("x-rtc-rand", HeaderValue::from_bytes(b"\xff").unwrap());
    assert!(matches!(
        verifier().verify(&h, BODY, now),
        Err(CallbackError::MalformedHeader {
            name: "X-Rtc-Rand",
            ..
        })
    ));
    // A bad signature: another key, another body.
    assert_eq!(
        Verifier::new("another-key-of-thirty-two-chars!")
            .unwrap()
            .verify(&ok, BODY, now),
        Err(CallbackError::BadSignature)
    );
    assert_eq!(
        verifier().verify(&ok, br#"{"event_type":"RECORD_FILE_COMPLETE"}"#, now),
        Err(CallbackError::BadSignature)
    );
    // Stale and future timestamps, at the edge of the tolerance.
    assert!(verifier().verify(&ok, BODY, at(1_700_000_300)).is_ok());
    assert_eq!(
        verifier().verify(&ok, BODY, at(1_700_000_301)),
        Err(CallbackError::Stale(Duration::from_secs(301)))
    );
    assert!(verifier().verify(&ok, BODY, at(1_699_999_700)).is_ok());
    assert_eq!(
        verifier().verify(&ok, BODY, at(1_699_999_699)),
        Err(CallbackError::FromTheFuture(Duration::from_secs(301)))
    );
    assert!(verifier()
        .tolerance(Duration::from_secs(1))
        .verify(&ok, BODY, at(1_700_000_002))
        .is_err());
    // Milliseconds.
    let ms = signed("r1", "1700000000500", BODY);
    assert!(verifier().verify(&ms, BODY, at(1_700_000_000)).is_ok());
    assert_eq!(
        verifier().verify(&ms, BODY, at(1_700_000_301)),
        Err(CallbackError::Stale(Duration::from_millis(300_500)))
    );
    // Oversize bodies, before any work.
    let big = vec![b' '; 70_000];
    assert_eq!(
        verifier().verify(&ok, &big, now),
        Err(CallbackError::BodyTooLarge {
            len: 70_000,
            limit: 64 * 1024
        })
    );
    assert!(matches!(
        verifier().max_body_bytes(10).verify(&ok, BODY, now),
        Err(CallbackError::BodyTooLarge { limit: 10, .. })
    ));
    // A body of exactly the limit is read; one byte more is not.
    assert!(verifier()
        .max_body_bytes(BODY.len())
        .verify(&ok, BODY, now)
        .is_ok());
    assert_eq!(
        verifier()
            .max_body_bytes(BODY.len() - 1)
            .verify(&ok, BODY, now),
        Err(CallbackError::BodyTooLarge {
            len: BODY.len(),
            limit: BODY.len() - 1
        })
    );
    // A replay.
    let mut seen = std::collections::HashSet::new();
    let mut check = |h: &HeaderMap| {
        verifier().verify_with_replay_check(h, BODY, now, |rand| seen.insert(rand.to_owned()))
    };
    assert!(check(&ok).is_ok());
    assert_eq!(check(&ok), Err(CallbackError::Replayed));
    // A body that is not an event.
    let h = signed("r3", "1700000000", b"[1,2]");
    assert!(matches!(
        verifier().verify(&h, b"[1,2]", now),
        Err(CallbackError::InvalidEvent(_))
    ));
}

#[test]
fn unsigned_callbacks_pass_only_when_no_key_is_configured() {
    let now = at(1_700_000_000);
    let event = Verifier::unsigned()
        .verify(&HeaderMap::new(), BODY, now)
        .unwrap();
    assert!(matches!(event, CallbackEvent::FileStarted(_)));
    // A signed callback cannot be checked without the key: refused.
    let h = signed("r", "1700000000", BODY);
    assert!(Verifier::unsigned().verify(&h, BODY, now).is_err());
    assert_eq!(Verifier::new("").unwrap_err(), CallbackError::EmptyKey);
}

#[test]
fn requests_and_parts_verify_alike_and_the_key_never_shows() {
    let now = at(1_700_000_000);
    let mut request = http::Request::post("http://127.0.0.1/cb")
        .body(BODY.to_vec())
        .unwrap();
    *request.headers_mut() = signed("r", "1700000000", BODY);
    let from_request = verifier().verify_request(&request, now).unwrap();
    let from_parts = verifier()
        .verify_parts(
            Some(Signature {
                rand: "r",
                timestamp: "1700000000",
                signature: request.headers()["x-rtc-signature"].to_str().unwrap(),
            }),
            BODY,
            now,
            |_| true,
        )
        .unwrap();
    assert_eq!(from_request, from_parts);
    let shown = format!("{:?}", verifier());
    assert!(!shown.contains(KEY), "{shown}");
    let ack = callback::acknowledgement();
    assert_eq!(ack.status(), 200);
    let body: Value = serde_json::from_slice(ack.body()).unwrap();
    assert_eq!(body, serde_json::json!({"status": 1, "result": "success"}));
}

#[test]
fn join_signatures_match_the_independent_vectors() {
    let v = vectors();
    let joins = v["joins"].as_array().unwrap();
    assert_eq!(joins.len(), 4);
    for j in joins {
        let name = s(j, "name");
        let key = Secret::new(s(j, "app_key"));
        let ctime = j["ctime"].as_u64().unwrap();
        let now = at(ctime - 3600);
        let token = join::sign(
            s(j, "app_id"),
            s(j, "room_id"),
            s(j, "user_id"),
            &key,
            now,
            Duration::from_secs(3600),
        )
        .unwrap();
        assert_eq!(token.ctime, ctime, "{name}");
        assert_eq!(token.signature, s(j, "signature"), "{name}");
        join::verify(
            s(j, "app_id"),
            s(j, "room_id"),
            s(j, "user_id"),
            &key,
            ctime,
            s(j, "signature"),
            now,
        )
        .unwrap();
        let upper = s(j, "signature").to_uppercase();
        join::verify(
            s(j, "app_id"),
            s(j, "room_id"),
            s(j, "user_id"),
            &key,
            ctime,
            &upper,
            now,
        )
        .unwrap();
    }
}

#[test]
fn join_signatures_refuse_bad_input_and_expired_ctimes() {
    // The reference's figures: 2 hours recommended, under 12 hours.
    assert_eq!(RECOMMENDED_VALIDITY, Duration::from_secs(7_200));
    assert_eq!(MAX_VALIDITY, Duration::from_secs(43_200));
    let key = Secret::new(KEY);
    let now = at(1_700_000_000);
    let token = join::sign("a", "r", "u", &key, now, RECOMMENDED_VALIDITY).unwrap();
    assert_eq!(token.ctime, 1_700_007_200);
    assert_eq!(
        join::sign("a", "r", "u", &key, now, Duration::ZERO),
        Err(JoinError::Validity(Duration::ZERO))
    );
    assert_eq!(
        join::sign("a", "r", "u", &key, now, MAX_VALIDITY),
        Err(JoinError::Validity(MAX_VALIDITY))
    );
    assert!(join::sign(
        "a",
        "r",
        "u",
        &key,
        now,
        MAX_VALIDITY - Duration::from_secs(1)
    )
    .is_ok());
    for (app, room, user, field) in [
        ("", "r", "u", "app_id"),
        ("a", "", "u", "room_id"),
        ("a", "r", "", "user_id"),
    ] {
        assert_eq!(
            join::sign(app, room, user, &key, now, RECOMMENDED_VALIDITY),
            Err(JoinError::EmptyId(field))
        );
    }
    assert_eq!(
        join::sign("a", "r", "u", &Secret::new(""), now, RECOMMENDED_VALIDITY),
        Err(JoinError::EmptyKey)
    );
    assert_eq!(
        join::sign(
            "a",
            "r",
            "u",
            &key,
            UNIX_EPOCH - Duration::from_secs(1),
            RECOMMENDED_VALIDITY
        ),
        Err(JoinError::Time)
    );
    let token = join::sign("a", "r", "u", &key, now, RECOMMENDED_VALIDITY).unwrap();
    let verify = |ctime, sig: &str, now| join::verify("a", "r", "u", &key, ctime, sig, now);
    assert!(verify(token.ctime, &token.signature, at(token.ctime - 1)).is_ok());
    assert_eq!(
        verify(token.ctime, &token.signature, at(token.ctime)),
        Err(JoinError::Expired(Duration::ZERO))
    );
    assert_eq!(
        verify(token.ctime, &token.signature, at(token.ctime + 5)),
        Err(JoinError::Expired(Duration::from_secs(5)))
    );
    assert_eq!(
        verify(token.ctime + 1, &token.signature, now),
        Err(JoinError::BadSignature)
    );
    assert_eq!(
        verify(token.ctime, "nothex", now),
        Err(JoinError::BadSignature)
    );
    // A well-signed ctime far ahead (minted with the key, say by a buggy
    // server) is refused too.
    let far = join::sign("a", "r", "u", &key, at(1_700_100_000), RECOMMENDED_VALIDITY).unwrap();
    assert_eq!(
        verify(far.ctime, &far.signature, now),
        Err(JoinError::TooFarAhead)
    );
    let e = join::sign("a", "r", "u", &key, now, Duration::ZERO).unwrap_err();
    assert!(!e.to_string().contains(KEY));
}

fn arb_text() -> impl Strategy<Value = String> {
    "\\PC{1,12}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_change_to_what_is_signed_fails_verification(
        rand in "[!-~]{1,16}",
        secs in 1_000_000_000u64..4_000_000_000,
        body in prop::collection::vec(any::<u8>(), 0..200),
        key in "[!-~]{32,64}",
        which in 0usize..4,
        flip in any::<u8>(),
    ) {
        let key = Secret::new(key);
        let ts = secs.to_string();
        let sig = callback::sign(&key, &rand, &ts, &body).unwrap();
        fn signature<'a>(rand: &'a str, timestamp: &'a str, signature: &'a str) -> Option<Signature<'a>> {
            Some(Signature { rand, timestamp, signature })
        }
        let now = at(secs);
        // The original passes the signature check (the body may not parse).
        let original = Verifier::new(key.clone()).unwrap().verify_parts(signature(&rand, &ts, &sig), &body, now, |_| true);
        prop_assert!(!matches!(original, Err(CallbackError::BadSignature)), "{original:?}");
        let result = match which {
            0 => {
                let other = format!("{rand}{}", char::from(b'!' + flip % 90));
                Verifier::new(key).unwrap().verify_parts(signature(&other, &ts, &sig), &body, now, |_| true)
            }
            1 => {
                let other = (secs + 1 + u64::from(flip % 100)).to_string();
                Verifier::new(key).unwrap().verify_parts(signature(&rand, &other, &sig), &body, now, |_| true)
            }
            2 => {
                let mut other = body.clone();
                match other.first_mut() {
                    Some(b) => *b ^= flip | 1,
                    None => other.push(flip),
                }
                Verifier::new(key).unwrap().verify_parts(signature(&rand, &ts, &sig), &other, now, |_| true)
            }
            _ => {
                let other = format!("{}{}", key.expose_secret(), char::from(b'!' + flip % 90));
                let other = if other.len() > 64 { other[1..].to_owned() } else { other };
                prop_assume!(other != key.expose_secret());
                Verifier::new(other).unwrap().verify_parts(signature(&rand, &ts, &sig), &body, now, |_| true)
            }
        };
        prop_assert_eq!(result, Err(CallbackError::BadSignature));
    }

    #[test]
    fn verification_never_panics(
        headers in prop::collection::vec((0usize..4, prop::collection::vec(any::<u8>(), 0..70)), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..300),
        secs in any::<u64>(),
    ) {
        let names = ["x-rtc-rand", "x-rtc-timestamp", "x-rtc-signature", "x-other"];
        let mut map = HeaderMap::new();
        for (i, value) in headers {
            if let Ok(v) = HeaderValue::from_bytes(&value) {
                map.append(names[i], v);
            }
        }
        let now = UNIX_EPOCH.checked_add(Duration::from_secs(secs % (1 << 40))).unwrap();
        for v in [verifier(), Verifier::unsigned()] {
            if let Err(e) = v.verify(&map, &body, now) {
                prop_assert!(!e.to_string().contains(KEY));
            }
        }
        let _ = CallbackEvent::parse(&body);
    }

    #[test]
    fn any_change_to_an_id_ctime_or_key_changes_the_join_signature(
        app in arb_text(), room in arb_text(), user in arb_text(),
        key in "\\PC{32,40}", secs in 0u64..4_000_000_000, validity in 1u64..43_199, which in 0usize..5,
    ) {
        let key = Secret::new(key);
        let now = at(secs);
        let validity = Duration::from_secs(validity);
        let base = join::sign(&app, &room, &user, &key, now, validity).unwrap();
        let changed = match which {
            0 => join::sign(&format!("{app}x"), &room, &user, &key, now, validity),
            1 => join::sign(&app, &format!("{room}x"), &user, &key, now, validity),
            2 => join::sign(&app, &room, &format!("{user}x"), &key, now, validity),
            3 => join::sign(&app, &room, &user, &key, now + Duration::from_secs(1), validity),
            _ => join::sign(&app, &room, &user, &Secret::new(format!("{}x", key.expose_secret())), now, validity),
        }
        .unwrap();
        prop_assert_ne!(&base.signature, &changed.signature);
        // The separators keep fields apart: moving the room's first
        // character to the end of the app id changes the signature.
        let mut chars = room.chars();
        let first = chars.next().unwrap();
        let rest: String = chars.collect();
        // (Ids containing `+` are ambiguous in the documented format.)
        if !rest.is_empty() && ![&app, &room, &user].iter().any(|id| id.contains('+')) {
            let moved = join::sign(&format!("{app}{first}"), &rest, &user, &key, now, validity).unwrap();
            prop_assert_ne!(moved.signature, base.signature);
        }
    }
}
