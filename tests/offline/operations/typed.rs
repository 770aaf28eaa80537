//! The typed side of a fixture: each operation's request built with
//! constructors and chained setters, and typed spot checks of its response.
//! The cases are grouped by area, one module each.

use http::Request;
use serde_json::Value;
use sparkrtc::model::*;
use sparkrtc::{Endpoint, Operation, OperationId, Output};

use super::fixture::Response;
use super::{apps, jobs, records, rooms_obs, statistics};

// Values shared by the fixtures (most from the API reference's examples).
pub const APP: &str = "123456789abcdefghijklmno";
pub const APP2: &str = "5ff9701f2346968bb306cb43";
pub const RULE: &str = "5f5e172b9016ed5b0961a43";
pub const RULE2: &str = "6080f4b7fa163e19fe301cc8180e2b31";
pub const JOB_MIX: &str = "607824b4fa163e19fe301cc817dda855";
pub const JOB_IND: &str = "6078279afa163e19fe301cc817f4c4a1";
pub const OBS_PROJECT: &str = "ad7456ce8ef89adf567";
pub const PROJECT: &str = "0b3c0ef8d28026f22f6bc0010da5b6a1";
pub const PREFIX: &str =
    "{app_id}/{record_format}/{stream}_{file_start_time}/{stream}_{file_start_time}";
pub const IMG: &str = "s3://rtc-bucket-cn-north-4/img/";
pub const T6: &str = "2020-04-23T06:00:00Z";
pub const T7: &str = "2020-04-23T07:00:00Z";

/// What the typed API produced for one fixture.
pub struct Typed {
    pub request: Request<Vec<u8>>,
    /// The typed request, serialized (the dynamic parameter shape).
    pub params: Value,
    /// The typed output, re-serialized.
    pub output: Value,
}

/// Builds `op`, serializes it, parses the fixture's response with
/// `O::parse`, spot-checks the typed output with `check`, re-serializes it.
pub fn typed<O: Operation>(
    op: O,
    endpoint: &Endpoint,
    response: &Response,
    check: impl FnOnce(&Output<O::Output>),
) -> Typed {
    let name = O::ID.name();
    let request = op
        .build(endpoint)
        .unwrap_or_else(|e| panic!("{name}: typed build failed: {e}"));
    let params = serde_json::to_value(&op).unwrap();
    let out = O::parse(response.status, &response.headers, &response.body)
        .unwrap_or_else(|e| panic!("{name}: typed parse failed: {e}"));
    check(&out);
    let output = serde_json::to_value(&out).unwrap();
    Typed {
        request,
        params,
        output,
    }
}

pub fn pane(
    id: u32,
    user: &str,
    video: VideoType,
    rect: [f64; 4],
    zorder: u32,
    crop: CropMode,
) -> MixLayoutPane {
    let [x, y, width, height] = rect;
    MixLayoutPane::new()
        .id(id)
        .user_id(user)
        .video_type(video)
        .x(x)
        .y(y)
        .width(width)
        .height(height)
        .zorder(zorder)
        .crop_mode(crop)
}

pub fn strings<const N: usize>(values: [&str; N]) -> Vec<String> {
    values.map(String::from).to_vec()
}

/// The typed case of `id`: the fixture's request built through the typed
/// API, and typed spot checks of its response. Exactly one area has it.
pub fn typed_case(id: OperationId, ep: &Endpoint, r: &Response) -> Typed {
    type Case = fn(OperationId, &Endpoint, &Response) -> Option<Typed>;
    let areas: [Case; 5] = [
        apps::case,
        records::case,
        jobs::case,
        rooms_obs::case,
        statistics::case,
    ];
    let mut cases = areas.iter().filter_map(|case| case(id, ep, r));
    let typed = cases
        .next()
        .unwrap_or_else(|| panic!("{id}: no typed case in tests/offline/operations/"));
    assert!(cases.next().is_none(), "{id}: typed cases in two areas");
    typed
}
