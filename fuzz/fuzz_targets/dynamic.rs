//! Arbitrary JSON parameters (a bounded-depth `serde_json::Value` whose keys
//! and strings lean on the API's own field names and values, or arbitrary
//! bytes parsed as JSON) for an arbitrary operation. `build_json` and
//! `normalize_json` must never panic, and:
//! - a request built from parameters equals the one built from their
//!   normalized form (method, URI, headers, body);
//! - normalizing succeeds whenever building does, and is idempotent;
//! - normalizing never changes whether or how building fails.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Number, Value};
use sparkrtc::{Endpoint, OperationId};

/// Every parameter and body field name of the operation table and models.
const KEYS: &[&str] = &[
    "app",
    "app_id",
    "app_name",
    "auth_key",
    "background_image",
    "body",
    "bucket",
    "crop_mode",
    "default_user_background_image",
    "dimension",
    "direction",
    "domain",
    "encode_template",
    "end_date",
    "end_time",
    "filling_policy",
    "height",
    "hls_config",
    "id",
    "image_uri",
    "is_record_audio",
    "isp",
    "job_id",
    "layout_panes",
    "layout_template",
    "limit",
    "location",
    "max_idle_time",
    "metric",
    "mid",
    "mix_param",
    "mode",
    "mp4_config",
    "nickname",
    "object",
    "obs_addr",
    "offset",
    "operation",
    "peer_id",
    "prefix",
    "project_id",
    "record_cycle",
    "record_formats",
    "record_max_duration_to_merge_file",
    "record_param",
    "record_prefix",
    "record_rule_id",
    "record_slice_duration",
    "region",
    "room_id",
    "rule_id",
    "screen_background_image",
    "sdk_type",
    "select_stream_type",
    "start_date",
    "start_time",
    "state",
    "stream_id",
    "time",
    "time_type",
    "type",
    "uid",
    "url",
    "user_background_images",
    "user_id",
    "user_ids",
    "video_type",
    "width",
    "x",
    "y",
    "zorder",
];

/// Documented values of the value sets, plus a few edge strings.
const STRINGS: &[&str] = &[
    "audio_only",
    "custom",
    "nine_grids_view",
    "screen_share_left",
    "screen_share_right",
    "1280x720_30_1710",
    "640*480_15_500",
    "1920x1080_30_4620",
    "HLS",
    "MP4",
    "ACTIVATION",
    "DEACTIVATION",
    "AUTO_INDIVIDUAL_RECORD",
    "AUTO_RECORD_OFF",
    "CAMERASTREAM",
    "SCREENSTREAM",
    "FIXED_USER",
    "INIT",
    "RUNNING",
    "STOPPED",
    "FAIL",
    "ONLINE",
    "OFFLINE",
    "HD",
    "SD",
    "LD",
    "FHD",
    "KEEP_RATIO_CROP",
    "KEEP_RATIO_PADDING",
    "GLOBAL",
    "DOMESTIC",
    "OVERSEA",
    "local",
    "remote",
    "summary",
    "detail",
    "webrtc",
    "native",
    "UserCount",
    "RoomCount",
    "2024-01-02T03:04:05Z",
    "2024-01-02",
    "s3://bucket/object",
    "cn-north-4",
    "",
    ".",
    "..",
    "a/b",
    "a b?c#d",
    "%2F",
    "é",
    "\u{0}",
];

fn arb_string(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(if u.ratio(3, 4)? {
        (*u.choose(STRINGS)?).to_owned()
    } else {
        String::arbitrary(u)?
    })
}

fn arb_key(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(if u.ratio(7, 8)? {
        (*u.choose(KEYS)?).to_owned()
    } else {
        String::arbitrary(u)?
    })
}

fn arb_value(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    let kinds = if depth == 0 { 6 } else { 8 };
    Ok(match u.choose_index(kinds)? {
        0 => Value::Null,
        1 => Value::Bool(bool::arbitrary(u)?),
        2 => Value::from(u.int_in_range(0..=300u64)?),
        3 => Value::from(i64::arbitrary(u)?),
        4 => Number::from_f64(f64::arbitrary(u)?).map_or(Value::Null, Value::Number),
        5 => Value::String(arb_string(u)?),
        6 => {
            let n = u.int_in_range(0..=4)?;
            Value::Array(
                (0..n)
                    .map(|_| arb_value(u, depth - 1))
                    .collect::<Result<_>>()?,
            )
        }
        _ => Value::Object(arb_object(u, depth - 1)?),
    })
}

fn arb_object(u: &mut Unstructured<'_>, depth: u32) -> Result<Map<String, Value>> {
    let n = u.int_in_range(0..=6)?;
    let mut map = Map::new();
    for _ in 0..n {
        map.insert(arb_key(u)?, arb_value(u, depth)?);
    }
    Ok(map)
}

#[derive(Debug)]
struct Params(Value);

impl<'a> Arbitrary<'a> for Params {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Params(match u.choose_index(8)? {
            // Mostly an object, as the API takes.
            0..=5 => Value::Object(arb_object(u, 4)?),
            6 => arb_value(u, 4)?,
            // Or any JSON text.
            _ => serde_json::from_slice(u.bytes(u.len())?).unwrap_or(Value::Null),
        }))
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    operation: u8,
    params: Params,
}

fuzz_target!(|input: Input| {
    let op = OperationId::ALL[usize::from(input.operation) % OperationId::ALL.len()];
    let endpoint = Endpoint::default().with_project_id("p").unwrap();
    let params = &input.params.0;

    let built = op.build_json(params, &endpoint);
    let normalized = op.normalize_json(params);
    if let Err(e) = &built {
        let _ = e.to_string();
    }
    let normalized = match normalized {
        Ok(n) => n,
        Err(e) => {
            assert!(built.is_err(), "built, but normalizing failed: {e}");
            return;
        }
    };
    // Normalizing is idempotent.
    let again = op
        .normalize_json(&normalized)
        .unwrap_or_else(|e| panic!("the normalized form does not normalize: {e}\n{normalized}"));
    assert_eq!(again, normalized);

    // Building from the normalized form gives the same request, or the same error.
    let from_normalized = op.build_json(&normalized, &endpoint);
    match (&built, &from_normalized) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.method(), b.method());
            assert_eq!(a.uri(), b.uri());
            assert_eq!(a.headers(), b.headers());
            assert_eq!(
                a.body(),
                b.body(),
                "{}\nvs\n{}",
                String::from_utf8_lossy(a.body()),
                String::from_utf8_lossy(b.body())
            );
            assert_eq!(*a.method(), op.method());
            assert!(op.info().has_body || a.body().is_empty());
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!(
            "raw parameters and their normalized form disagree: {:?} vs {:?}\nraw: {params}\nnormalized: {normalized}",
            built.as_ref().map(|r| r.uri()),
            from_normalized.as_ref().map(|r| r.uri()),
        ),
    }
});
