//! Parsing and building speed.
//!
//! Measures: parsing a response through the crate (`Operation::parse`: status
//! check, request-id header, empty-body handling, decode into the model type)
//! against bare `serde_json::from_slice` of the same bytes into the same model
//! type, for a `ListRtcUserList` answer with 1,000 users (~380 KB) and a
//! `ShowMixJob` answer (~2 KB). Both sides read the same bytes, already in
//! memory; nothing is built inside either side's timed part. Also, for
//! information only: building a `CreateMixJob` request.
//!
//! Target: ours / serde_json <= 1.05 for both answers.
//!
//! Prints criterion's absolute times (groups `parse ...`, `build ...`), then
//! the paired, interleaved ratios (see `support`).

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod support;

use std::hint::black_box;

use criterion::{criterion_group, Criterion, Throughput};
use http::{HeaderMap, HeaderValue, StatusCode};
use sparkrtc::model::*;
use sparkrtc::ops::{CreateMixJob, ListRtcUserList, ShowMixJob};
use sparkrtc::{Endpoint, Operation};

/// A `ListRtcUserList` answer with `n` users, every field set.
fn user_list_body(n: usize) -> Vec<u8> {
    let users: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let state = ["ONLINE", "OFFLINE", "FAIL"][i % 3];
            serde_json::json!({
                "domain": "rtc.example.com",
                "app": "5f1a2b3c4d5e6f7a8b9c0d1e",
                "room_id": format!("room-{}", i / 10),
                "uid": format!("user-{i:06}"),
                "session": format!("8d3b{i:028x}"),
                "state": state,
                "nick_name": format!("用户{i}"),
                "ip": format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256),
                "region": "GD",
                "isp": "China Telecom",
                "device_model": "HUAWEI Mate 60 Pro",
                "platform": "Android 14",
                "sdk": "2.0.9.300",
                "join_time": "2024-01-02T03:04:05Z",
                "leave_time": if i % 3 == 0 { "-" } else { "2024-01-02T04:05:06Z" }
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "total": n, "limit": n, "offset": 0, "users": users
    }))
    .unwrap()
}

fn mix_job_body() -> Vec<u8> {
    let panes: Vec<serde_json::Value> = (0..9)
        .map(|i| {
            serde_json::json!({
                "id": i + 1, "user_id": format!("user-{i}"), "video_type": "CAMERASTREAM",
                "x": (i % 3) as f64 / 3.0, "y": (i / 3) as f64 / 3.0,
                "width": 0.333, "height": 0.333, "zorder": 1, "crop_mode": "KEEP_RATIO_CROP"
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "job_id": "c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6",
        "stream_name": "m_c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6_room-1",
        "app_id": "5f1a2b3c4d5e6f7a8b9c0d1e",
        "room_id": "room-1",
        "mix_param": {
            "room_id": "room-1", "encode_template": "1280*720_30_1710", "max_idle_time": 30,
            "layout_template": "custom", "background_image": "s3://bucket/bg.png",
            "layout_panes": panes,
            "user_background_images": [{"user_id": "user-1", "image_uri": "s3://bucket/u1.png"}]
        },
        "record_param": {"record_rule_id": "rule-1"},
        "create_time": "2024-01-02T03:04:05.075Z",
        "update_time": "2024-01-02T03:04:05.075Z",
        "state": "RUNNING",
        "description": "running",
        "start_time": "2024-01-02T03:04:06.001Z"
    }))
    .unwrap()
}

fn headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h.insert(
        "x-request-id",
        HeaderValue::from_static("0d3f1a2b3c4d5e6f7a8b9c0d1e2f3a4b"),
    );
    h
}

fn bench_parse(c: &mut Criterion) {
    let headers = headers();

    let users = user_list_body(1000);
    let mut g = c.benchmark_group("parse ListRtcUserList 1000 users");
    g.throughput(Throughput::Bytes(users.len() as u64));
    g.bench_function("ours", |b| {
        b.iter(|| ListRtcUserList::parse(StatusCode::OK, &headers, black_box(&users)).unwrap())
    });
    g.bench_function("serde_json", |b| {
        b.iter(|| serde_json::from_slice::<UserList>(black_box(&users)).unwrap())
    });
    g.finish();

    let job = mix_job_body();
    let mut g = c.benchmark_group("parse ShowMixJob");
    g.throughput(Throughput::Bytes(job.len() as u64));
    g.bench_function("ours", |b| {
        b.iter(|| ShowMixJob::parse(StatusCode::OK, &headers, black_box(&job)).unwrap())
    });
    g.bench_function("serde_json", |b| {
        b.iter(|| serde_json::from_slice::<MixJob>(black_box(&job)).unwrap())
    });
    g.finish();
}

fn bench_build(c: &mut Criterion) {
    let endpoint = Endpoint::default().with_project_id("proj123").unwrap();
    let panes: Vec<MixLayoutPane> = (0..9)
        .map(|i| {
            MixLayoutPane::new()
                .id(i as u32 + 1)
                .user_id(format!("user-{i}"))
                .x(f64::from(i as u32 % 3) / 3.0)
                .y(f64::from(i as u32 / 3) / 3.0)
                .width(0.333)
                .height(0.333)
        })
        .collect();
    let request = CreateMixJob::new(
        "5f1a2b3c4d5e6f7a8b9c0d1e",
        MixJobReq::new(
            MixParam::new("room-1", EncodeTemplate::P720Fps30Kbps1710)
                .layout_template(LayoutTemplate::Custom)
                .layout_panes(panes),
        )
        .record_param(RecordParam::new("rule-1")),
    );
    c.bench_function("build CreateMixJob", |b| {
        b.iter(|| black_box(&request).build(&endpoint).unwrap())
    });
}

/// Target of ours / serde_json.
const TARGET: f64 = 1.05;

fn paired(mode: support::Mode) {
    let headers = headers();

    let users = user_list_body(1000);
    support::paired(
        mode,
        "parse ListRtcUserList 1000 users",
        "serde_json",
        TARGET,
        |n| {
            support::iter(n, || {
                ListRtcUserList::parse(StatusCode::OK, &headers, black_box(&users)).unwrap()
            })
        },
        |n| {
            support::iter(n, || {
                serde_json::from_slice::<UserList>(black_box(&users)).unwrap()
            })
        },
    );

    let job = mix_job_body();
    support::paired(
        mode,
        "parse ShowMixJob",
        "serde_json",
        TARGET,
        |n| {
            support::iter(n, || {
                ShowMixJob::parse(StatusCode::OK, &headers, black_box(&job)).unwrap()
            })
        },
        |n| {
            support::iter(n, || {
                serde_json::from_slice::<MixJob>(black_box(&job)).unwrap()
            })
        },
    );
}

criterion_group!(benches, bench_parse, bench_build);

fn main() {
    let mode = support::Mode::from_args();
    benches();
    Criterion::default().configure_from_args().final_summary();
    paired(mode);
}
