//! Signing speed: ours (one HMAC) against the `aws-sigv4` crate (which
//! derives a signing key through four HMACs, then signs), on the same
//! request: a `CreateMixJob` with a ~1 KB JSON body, same method, path,
//! query, headers and body. Target (issue 3): ours / aws-sigv4 <= 0.7.
//! Both groups clone the unsigned request outside the timed part.

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{sign as aws_sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sparkrtc::model::*;
use sparkrtc::ops::CreateMixJob;
use sparkrtc::sign::sign;
use sparkrtc::{Credentials, Endpoint, Operation};

fn request() -> http::Request<Vec<u8>> {
    let panes: Vec<MixLayoutPane> = (0..6u32)
        .map(|i| {
            MixLayoutPane::new()
                .id(i + 1)
                .user_id(format!("user-{i:04}"))
                .video_type(VideoType::CameraStream)
                .x(f64::from(i % 3) / 3.0)
                .y(f64::from(i / 3) / 3.0)
                .width(0.333)
                .height(0.333)
                .zorder(1u32)
        })
        .collect();
    let op = CreateMixJob::new(
        "5f1a2b3c4d5e6f7a8b9c0d1e",
        MixJobReq::new(
            MixParam::new("room-20240102-001", EncodeTemplate::P720Fps30Kbps1710)
                .layout_template(LayoutTemplate::Custom)
                .max_idle_time(120u32)
                .layout_panes(panes),
        )
        .record_param(RecordParam::new("7a3c9e1f2b4d6a8c0e5f1a2b")),
    );
    let endpoint = Endpoint::default()
        .with_project_id("0b3c0ef8d28026f22f6bc0010da5b6a1")
        .unwrap();
    let mut r = op.build(&endpoint).unwrap();
    // A query too, so both canonicalize one.
    *r.uri_mut() = format!("{}?trace=bench&lang=en-US", r.uri())
        .parse()
        .unwrap();
    r
}

fn bench_sign(c: &mut Criterion) {
    let unsigned = request();
    assert!(
        (900..1300).contains(&unsigned.body().len()),
        "{}",
        unsigned.body().len()
    );
    let time = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
    let ours = Credentials::ak_sk(
        "AKIDEXAMPLE0123456789",
        "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
    )
    .unwrap()
    .with_project_id("0b3c0ef8d28026f22f6bc0010da5b6a1")
    .unwrap();
    let identity = AwsCredentials::new(
        "AKIDEXAMPLE0123456789",
        "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
        None,
        None,
        "bench",
    )
    .into();

    let mut g = c.benchmark_group("sign CreateMixJob ~1KB body");
    g.bench_function("ours", |b| {
        b.iter_batched_ref(
            || unsigned.clone(),
            |r| sign(black_box(r), &ours, time).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("aws-sigv4", |b| {
        b.iter_batched_ref(
            || unsigned.clone(),
            |r| {
                let params = v4::SigningParams::builder()
                    .identity(&identity)
                    .region("cn-north-4")
                    .name("rtc")
                    .time(time)
                    .settings(SigningSettings::default())
                    .build()
                    .unwrap()
                    .into();
                let uri = r.uri().to_string();
                let signable = SignableRequest::new(
                    r.method().as_str(),
                    &uri,
                    r.headers()
                        .iter()
                        .map(|(n, v)| (n.as_str(), v.to_str().unwrap())),
                    SignableBody::Bytes(r.body()),
                )
                .unwrap();
                let (instructions, _) =
                    aws_sign(black_box(signable), &params).unwrap().into_parts();
                instructions.apply_to_request_http1x(r);
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench_sign);
criterion_main!(benches);
