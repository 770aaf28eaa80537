//! Times in requests and the time forms of the API:
//! - every parameter the catalog documents as a time or a date is a
//!   `UtcTime` or a `UtcDate`, and no other is;
//! - each takes a `SystemTime` or its text, sends exactly the text, and a
//!   malformed text is `Error::InvalidParameter` naming the field when the
//!   request is built (typed, unchecked, dynamic) and when it is read back
//!   as the service would (`decode_request`);
//! - `timefmt`: every form's formatter and parser round-trip every time in
//!   range, a parsed text formats back to itself, and no text makes a
//!   parser panic.
#![allow(clippy::disallowed_methods)] // reads the fixtures

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use serde_json::{json, Value};
use sparkrtc::dynamic::{self, decode_request, RequestError};
use sparkrtc::model::*;
use sparkrtc::ops::*;
use sparkrtc::timefmt::{self, TimeError, TimeForm};
use sparkrtc::{Endpoint, Error, Operation, OperationId, Unchecked};

/// 9999-12-31T23:59:59Z.
const LAST: u64 = 253_402_300_799;

type Format = fn(SystemTime) -> Result<String, TimeError>;
type Parse = fn(&str) -> Result<SystemTime, TimeError>;

fn endpoint() -> Endpoint {
    Endpoint::default()
        .with_project_id("0b3c0ef8d28026f22f6bc0010da5b6a1")
        .unwrap()
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn catalog() -> Value {
    serde_json::from_str(include_str!("../data/sparkrtc-api.json")).unwrap()
}

/// The fixture's parameters of an operation.
fn fixture_params(id: OperationId) -> Value {
    let path = format!(
        "{}/tests/fixtures/ops/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        id.name()
    );
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    fixture["params"].clone()
}

fn invalid(error: Error) -> (&'static str, String, String) {
    match error {
        Error::InvalidParameter {
            operation,
            field,
            reason,
        } => (operation, field, reason),
        other => panic!("expected an invalid parameter, got {other:?}"),
    }
}

fn must_be(form: TimeForm, got: &str) -> String {
    format!("must be {form} (like {}), got `{got}`", form.example())
}

/// Every (operation, parameter, type) with a time type, from the table.
fn time_params() -> Vec<(OperationId, &'static str, &'static str, bool)> {
    let mut out = Vec::new();
    for &id in OperationId::ALL {
        for p in id.info().params {
            if matches!(p.type_name, "UtcTime" | "UtcDate") {
                out.push((id, p.name, p.type_name, p.required));
            }
        }
    }
    out
}

#[test]
fn every_documented_time_parameter_is_typed_as_one() {
    let cat = catalog();
    let mut documented = Vec::new();
    for op in cat["operations"].as_array().unwrap() {
        for p in op["query_params"].as_array().unwrap() {
            let doc = p["description"].as_str().unwrap().to_ascii_uppercase();
            let ty = if doc.contains("YYYY-MM-DDTHH:MM:SSZ") {
                "UtcTime"
            } else if doc.contains("YYYY-MM-DD") {
                "UtcDate"
            } else {
                continue;
            };
            let id = OperationId::from_name(op["operation"].as_str().unwrap()).unwrap();
            let name = p["name"].as_str().unwrap();
            documented.push((
                id,
                id.info().param(name).unwrap().name,
                ty,
                p["required"] == true,
            ));
        }
    }
    documented.sort();
    let mut ours = time_params();
    ours.sort();
    assert_eq!(ours, documented);
    // The statistics operations' start_time, end_time, start_date, end_date and time.
    assert_eq!(ours.len(), 27);
}

#[test]
fn a_malformed_time_is_refused_naming_the_field_before_anything_is_sent() {
    for (id, name, ty, required) in time_params() {
        let form = if ty == "UtcTime" {
            TimeForm::UtcSeconds
        } else {
            TimeForm::Date
        };
        let base = fixture_params(id);
        let good = form.example();
        let mut params = base.clone();
        params[name] = json!(good);
        let request = dynamic::build(id.name(), &params, &endpoint())
            .unwrap_or_else(|e| panic!("{id} {name}: {e}"));
        let query = request.uri().query().unwrap().to_owned();
        let encoded = good
            .replace(':', "%3A")
            .replace(' ', "%20")
            .replace('/', "%2F");
        assert!(
            query.contains(&format!("{name}={encoded}")),
            "{id}: {query}"
        );

        for bad in [
            "2020-04-23 06:00:00",
            "2020-4-23",
            "2020-02-30T00:00:00Z",
            "yesterday",
        ] {
            params[name] = json!(bad);
            assert_eq!(
                invalid(dynamic::build(id.name(), &params, &endpoint()).unwrap_err()),
                (id.name(), name.to_owned(), must_be(form, bad)),
                "{id} {name}"
            );
        }
        params[name] = json!("");
        let expected = if required {
            "is required and must not be empty".to_owned()
        } else {
            must_be(form, "")
        };
        assert_eq!(
            invalid(dynamic::build(id.name(), &params, &endpoint()).unwrap_err()),
            (id.name(), name.to_owned(), expected),
            "{id} {name}"
        );

        // Read back as the service would: the same refusal.
        let mut sent = dynamic::build(id.name(), &base, &endpoint()).unwrap();
        let original = base[name].as_str().unwrap();
        let encoded = |t: &str| t.replace(':', "%3A").replace(' ', "%20");
        let uri = sent.uri().to_string().replace(
            &format!("{name}={}", encoded(original)),
            &format!("{name}=2020-4-23"),
        );
        assert_ne!(uri, sent.uri().to_string(), "{id} {name}");
        *sent.uri_mut() = uri.parse().unwrap();
        assert_eq!(
            decode_request(&sent).unwrap_err(),
            RequestError::Invalid {
                field: name.to_owned(),
                reason: must_be(form, "2020-4-23"),
            },
            "{id} {name}"
        );
    }
}

#[test]
fn system_times_and_texts_send_the_same_request() {
    let t = at(1_587_621_600) + Duration::from_millis(750);
    let hour = Duration::from_secs(3600);
    let ep = endpoint();
    let pairs = [
        (
            ListRtcEvent::new("app", t - hour, t).build(&ep).unwrap(),
            ListRtcEvent::new("app", "2020-04-23T05:00:00Z", "2020-04-23T06:00:00Z")
                .build(&ep)
                .unwrap(),
        ),
        (
            ListRtcUserList::new("app")
                .start_time(t - hour)
                .end_time(t)
                .build(&ep)
                .unwrap(),
            ListRtcUserList::new("app")
                .start_time("2020-04-23T05:00:00Z")
                .end_time(String::from("2020-04-23T06:00:00Z"))
                .build(&ep)
                .unwrap(),
        ),
        (
            ListRtcRealtimeScaleDimension::new(
                "app",
                ScaleMetric::OnlineUsers,
                ScaleDimension::Region,
                t,
            )
            .build(&ep)
            .unwrap(),
            ListRtcRealtimeScaleDimension::new(
                "app",
                ScaleMetric::OnlineUsers,
                ScaleDimension::Region,
                "2020-04-23T06:00:00Z",
            )
            .build(&ep)
            .unwrap(),
        ),
        (
            ListRtcHistoryUsage::new(
                "app",
                UsageMetric::CommunicationDuration,
                t - 3 * 24 * hour,
                t,
            )
            .build(&ep)
            .unwrap(),
            ListRtcHistoryUsage::new(
                "app",
                UsageMetric::CommunicationDuration,
                "2020-04-20",
                "2020-04-23",
            )
            .build(&ep)
            .unwrap(),
        ),
        (
            ListRtcHistoryQuality::new("app", [HistoryQualityMetric::JoinSuccessRate])
                .start_date(UtcDate::from(t))
                .build(&ep)
                .unwrap(),
            ListRtcHistoryQuality::new("app", [HistoryQualityMetric::JoinSuccessRate])
                .start_date("2020-04-23".parse::<UtcDate>().unwrap())
                .build(&ep)
                .unwrap(),
        ),
    ];
    for (from_time, from_text) in pairs {
        assert_eq!(from_time.uri(), from_text.uri());
        assert_eq!(from_time.body(), from_text.body());
    }
    let q = ListRtcEvent::new("app", t - hour, t);
    assert_eq!(q.start_time.as_str(), "2020-04-23T05:00:00Z");
    assert_eq!(q.end_time.time(), Ok(at(1_587_621_600)));
}

#[test]
fn typed_requests_refuse_malformed_and_out_of_range_times_checked_or_not() {
    let ep = endpoint();
    let op = ListRtcUserList::new("app").end_time("2021-04-23T10:00");
    let expected = (
        "ListRtcUserList",
        "end_time".to_owned(),
        must_be(TimeForm::UtcSeconds, "2021-04-23T10:00"),
    );
    assert_eq!(invalid(op.build(&ep).unwrap_err()), expected);
    // The form is the value's type, not a documented range: checked anyway.
    assert_eq!(invalid(Unchecked(op).build(&ep).unwrap_err()), expected);

    let before_1970 = UNIX_EPOCH - Duration::from_secs(1);
    let op = ListRtcEvent::new("app", before_1970, at(0));
    assert_eq!(
        invalid(op.build(&ep).unwrap_err()),
        (
            "ListRtcEvent",
            "start_time".to_owned(),
            "must be a time from 1970 to 9999 to be sent as a UTC time YYYY-MM-DDThh:mm:ssZ"
                .to_owned()
        )
    );
    let op =
        ListRtcHistoryScale::new("app", [HistoryScaleMetric::UserCount]).end_date(at(LAST + 1));
    assert_eq!(
        invalid(op.build(&ep).unwrap_err()),
        (
            "ListRtcHistoryScale",
            "end_date".to_owned(),
            "must be a time from 1970 to 9999 to be sent as a date YYYY-MM-DD".to_owned()
        )
    );
    let op = ListRtcHistoryUsage::new("app", UsageMetric::CommunicationDuration, "", "2020-04-23");
    assert_eq!(
        invalid(op.build(&ep).unwrap_err()),
        (
            "ListRtcHistoryUsage",
            "start_date".to_owned(),
            "is required and must not be empty".to_owned()
        )
    );
    // The last second of 9999 is sent.
    let op = ListRtcEvent::new("app", at(LAST - 60), at(LAST));
    assert!(op
        .build(&ep)
        .unwrap()
        .uri()
        .query()
        .unwrap()
        .contains("end_time=9999-12-31T23%3A59%3A59Z"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_system_time_in_range_sends_its_text(secs in 0..=LAST, nanos in 0u32..1_000_000_000) {
        let t = at(secs) + Duration::from_nanos(u64::from(nanos));
        let ep = endpoint();
        let typed = ListRtcRoomList::new("app").start_time(t).build(&ep).unwrap();
        let text = timefmt::format_utc_seconds(t).unwrap();
        let texted = ListRtcRoomList::new("app").start_time(text.as_str()).build(&ep).unwrap();
        prop_assert_eq!(typed.uri(), texted.uri());
        let day = timefmt::format_date(t).unwrap();
        let typed = ListRtcHistoryScale::new("app", [HistoryScaleMetric::RoomCount]).end_date(t).build(&ep).unwrap();
        let texted = ListRtcHistoryScale::new("app", [HistoryScaleMetric::RoomCount]).end_date(day.as_str()).build(&ep).unwrap();
        prop_assert_eq!(typed.uri(), texted.uri());
    }

    #[test]
    fn a_text_is_sent_iff_it_parses(text in prop_oneof![
        "\\PC{0,24}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    ]) {
        let ep = endpoint();
        let built = ListRtcAbnormalEvents::new("app").start_time(text.as_str()).build(&ep);
        match timefmt::parse_utc_seconds(&text) {
            Ok(_) => prop_assert!(built.is_ok(), "{text}: {built:?}"),
            Err(e) => {
                let (op, field, reason) = invalid(built.unwrap_err());
                prop_assert_eq!(op, "ListRtcAbnormalEvents");
                prop_assert_eq!(field, "start_time");
                let expected = match e {
                    TimeError::OutOfRange { .. } => "must be a time from 1970 to 9999 to be sent as a UTC time YYYY-MM-DDThh:mm:ssZ".to_owned(),
                    _ => must_be(TimeForm::UtcSeconds, &text.escape_debug().to_string()),
                };
                prop_assert_eq!(reason, expected);
            }
        }
        let built = ListRtcHistoryQuality::new("app", [HistoryQualityMetric::VideoFreezeRate]).end_date(text.as_str()).build(&ep);
        prop_assert_eq!(built.is_ok(), timefmt::parse_date(&text).is_ok(), "{}", text);
    }

    #[test]
    fn every_form_round_trips_every_time_in_range(secs in 0..=LAST, nanos in 0u32..1_000_000_000) {
        let t = at(secs) + Duration::from_nanos(u64::from(nanos));
        let seconds = at(secs);
        let millis = seconds + Duration::from_millis(u64::from(nanos / 1_000_000));
        let day = at(secs - secs % 86_400);
        let forms: [(Format, Parse, SystemTime); 5] = [
            (timefmt::format_utc_seconds, timefmt::parse_utc_seconds, seconds),
            (timefmt::format_utc_millis, timefmt::parse_utc_millis, millis),
            (timefmt::format_date, timefmt::parse_date, day),
            (timefmt::format_sdk_date, timefmt::parse_sdk_date, seconds),
            (timefmt::format_obs, timefmt::parse_obs, seconds),
        ];
        for (i, (format, parse, kept)) in forms.into_iter().enumerate() {
            if i == 4 && secs > LAST - 8 * 3600 {
                // Beijing time of the last eight hours of 9999 is in 10000.
                prop_assert_eq!(format(t), Err(TimeError::OutOfRange { form: TimeForm::Obs }));
                continue;
            }
            let text = format(t).unwrap();
            prop_assert_eq!(parse(&text), Ok(kept), "{}", text);
            prop_assert_eq!(format(kept), Ok(text.clone()));
            if i <= 1 {
                prop_assert_eq!(timefmt::parse_utc(&text), Ok(kept));
            }
        }
    }

    #[test]
    fn a_parsed_text_formats_back_to_itself(text in prop_oneof![
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT\\+08:00",
        "[0-9]{8}T[0-9]{6}Z",
    ]) {
        if let Ok(t) = timefmt::parse_utc_seconds(&text) {
            prop_assert_eq!(timefmt::format_utc_seconds(t), Ok(text.clone()));
        }
        if let Ok(t) = timefmt::parse_utc_millis(&text) {
            prop_assert_eq!(timefmt::format_utc_millis(t), Ok(text.clone()));
        }
        if let Ok(t) = timefmt::parse_date(&text) {
            prop_assert_eq!(timefmt::format_date(t), Ok(text.clone()));
        }
        if let Ok(t) = timefmt::parse_obs(&text) {
            prop_assert_eq!(timefmt::format_obs(t), Ok(text.clone()));
        }
        if let Ok(t) = timefmt::parse_sdk_date(&text) {
            prop_assert_eq!(timefmt::format_sdk_date(t), Ok(text.clone()));
        }
    }

    #[test]
    fn no_text_makes_a_parser_panic(
        text in prop_oneof![any::<String>(), "\\PC{0,40}"],
        bytes in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        for text in [text, lossy] {
            for (form, result) in [
                (TimeForm::UtcSeconds, timefmt::parse_utc_seconds(&text)),
                (TimeForm::UtcMillis, timefmt::parse_utc_millis(&text)),
                (TimeForm::Utc, timefmt::parse_utc(&text)),
                (TimeForm::Date, timefmt::parse_date(&text)),
                (TimeForm::Obs, timefmt::parse_obs(&text)),
                (TimeForm::SdkDate, timefmt::parse_sdk_date(&text)),
            ] {
                if let Err(e) = result {
                    prop_assert_eq!(e.form(), form);
                    // The message quotes at most 64 characters of the text.
                    if let TimeError::Malformed { text: quoted, .. } = &e {
                        let kept: String = text.chars().take(64).collect();
                        let cut = text.chars().count() > 64;
                        prop_assert_eq!(quoted, &if cut { format!("{kept}…") } else { kept });
                    }
                }
            }
        }
    }

    #[test]
    fn a_near_miss_of_a_valid_text_never_panics_and_is_refused_or_another_time(
        secs in 0..=LAST,
        at_byte in 0usize..32,
        with in any::<char>(),
    ) {
        let t = at(secs);
        for (text, parse) in [
            (timefmt::format_utc_seconds(t).unwrap(), timefmt::parse_utc_seconds as Parse),
            (timefmt::format_utc_millis(t).unwrap(), timefmt::parse_utc_millis),
            (timefmt::format_date(t).unwrap(), timefmt::parse_date),
            (timefmt::format_sdk_date(t).unwrap(), timefmt::parse_sdk_date),
        ] {
            let i = at_byte % text.len();
            let mut changed = text.clone();
            changed.replace_range(i..=i, with.encode_utf8(&mut [0; 4]));
            match parse(&changed) {
                Ok(other) => prop_assert!(changed == text || other != t, "{changed}"),
                Err(e) => prop_assert!(changed != text, "{e}"),
            }
            // Cut short or extended: refused.
            prop_assert!(parse(&text[..i]).is_err());
            let longer = format!("{text}{with}");
            prop_assert!(parse(&longer).is_err());
        }
    }
}
