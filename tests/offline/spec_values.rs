//! Every value set the API catalog documents in a description (`- VALUE：
//! meaning - VALUE：...`) is one of the crate's value sets, with exactly
//! the documented values: a list the catalog adds or changes fails here
//! until the crate follows. The simulator takes its accepted values from
//! the same sets.

use std::collections::BTreeMap;

use serde_json::Value;
use sparkrtc::model::*;

fn catalog() -> Value {
    serde_json::from_str(include_str!("../data/sparkrtc-api.json")).unwrap()
}

/// The values a description lists: `- VALUE` followed by a colon, a space
/// or the end.
fn listed(description: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = description;
    while let Some(i) = rest.find("- ") {
        rest = &rest[i + 2..];
        let value: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let next = rest[value.len()..].chars().next();
        let ends = matches!(next, None | Some('：' | ':' | ' '));
        if ends
            && value
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
        {
            out.push(value);
        }
    }
    out
}

/// Every documented value list, by `operation.parameter` or
/// `Model.field` (the first place it appears).
fn documented() -> BTreeMap<String, Vec<String>> {
    let cat = catalog();
    let mut out = BTreeMap::new();
    let mut seen = Vec::new();
    let mut note = |place: String, description: &str| {
        let values = listed(description);
        if values.len() >= 2 && !seen.contains(&values) {
            seen.push(values.clone());
            out.insert(place, values);
        }
    };
    for op in cat["operations"].as_array().unwrap() {
        for key in ["path_params", "query_params"] {
            for p in op[key].as_array().unwrap() {
                note(
                    format!(
                        "{}.{}",
                        op["operation"].as_str().unwrap(),
                        p["name"].as_str().unwrap()
                    ),
                    p["description"].as_str().unwrap(),
                );
            }
        }
    }
    for (model, m) in cat["models"].as_object().unwrap() {
        for f in m["fields"].as_array().unwrap() {
            note(
                format!("{model}.{}", f["name"].as_str().unwrap()),
                f["description"].as_str().unwrap(),
            );
        }
    }
    out
}

fn values<T: AsRef<str>>(known: &[T]) -> Vec<String> {
    known.iter().map(|v| v.as_ref().to_owned()).collect()
}

macro_rules! names {
    ($t:ty) => {
        <$t>::KNOWN
            .iter()
            .map(|v| v.as_str().to_owned())
            .collect::<Vec<_>>()
    };
}

#[test]
fn every_documented_value_list_is_a_value_set_of_the_crate() {
    // Where the catalog lists values, and the crate's set for them (`None`:
    // not a value set, with the reason).
    let crate_sets: Vec<(&str, Option<Vec<String>>)> = vec![
        // The filter takes the states an app can be listed in; `DELETED`
        // apps are not listed.
        (
            "ListApps.state",
            Some(values(&["ACTIVATION", "DEACTIVATION", "ARREARS"])),
        ),
        ("AppState.state", Some(names!(AppStatus))),
        // A comma-separated combination of the two names, not a set.
        ("ListRtcAbnormalEventDimension.dimension", None),
        ("ListRtcClientQosDetails.mid", Some(names!(QosMetric))),
        (
            "ListRtcHistoryQuality.metric",
            Some(names!(HistoryQualityMetric)),
        ),
        (
            "ListRtcHistoryScale.metric",
            Some(names!(HistoryScaleMetric)),
        ),
        ("ListRtcHistoryUsage.metric", Some(names!(UsageMetric))),
        ("ListRtcRealtimeNetwork.sdk_type", Some(names!(SdkType))),
        (
            "ListRtcRealtimeQuality.metric",
            Some(names!(RealtimeQualityMetric)),
        ),
        ("ListRtcRoomList.state", Some(names!(RoomState))),
        ("ListRtcUserList.state", Some(names!(UserState))),
        ("ListRtcUserList.type", Some(names!(UserListMode))),
        // A boolean field.
        ("CreateIndividualStreamJobResponse.is_record_audio", None),
        (
            "CreateIndividualStreamJobResponse.video_type",
            Some(names!(VideoType)),
        ),
        (
            "CreateIndividualStreamJobResponse.select_stream_type",
            Some(names!(StreamResolution)),
        ),
        (
            "CreateIndividualStreamJobResponse.state",
            Some(names!(JobState)),
        ),
        (
            "CreateIndividualStreamJobResponse.stop_reason",
            Some(names!(StopReason)),
        ),
        ("MixParam.layout_template", Some(names!(LayoutTemplate))),
        ("MixLayoutPane.crop_mode", Some(names!(CropMode))),
        ("MixLayoutPane.filling_policy", Some(names!(FillingPolicy))),
        ("App.scope", Some(names!(AppScope))),
        (
            "AppCallbackUrl.notify_event_subscription",
            Some(names!(NotifyEvent)),
        ),
        ("AppAutoRecordMode.mode", Some(names!(AutoRecordMode))),
        ("AbnormalEvent.stage", Some(names!(AbnormalStage))),
        ("AbnormalEvent.location", Some(names!(EventLocation))),
    ];
    let documented = documented();
    let mut places: Vec<&str> = crate_sets.iter().map(|(p, _)| *p).collect();
    places.sort_unstable();
    assert_eq!(
        documented.keys().map(String::as_str).collect::<Vec<_>>(),
        places,
        "the catalog's value lists and the places this test knows"
    );
    for (place, set) in crate_sets {
        if let Some(set) = set {
            assert_eq!(set, documented[place], "{place}");
        }
    }
}

#[test]
fn the_reader_finds_lists_and_only_lists() {
    assert_eq!(
        listed("状态 - ACTIVATION：开启 - DEACTIVATION：停用"),
        ["ACTIVATION", "DEACTIVATION"]
    );
    assert_eq!(
        listed("- TENANT_STOP - EXCEED_MAX_IDLE_TIME"),
        ["TENANT_STOP", "EXCEED_MAX_IDLE_TIME"]
    );
    assert_eq!(listed("range 5 - 10, a-b, - 3x"), Vec::<String>::new());
    assert_eq!(listed("- a:b"), ["a"]);
}
