//! Signing speed: ours against the `aws-sigv4` crate.
//!
//! Measures: signing one request, a `CreateMixJob` with a ~1 KB JSON body and
//! a query, with the same method, path, query, headers, body and time on both
//! sides. Ours (`sparkrtc::sign::sign`, SDK-HMAC-SHA256) hashes the body and
//! the canonical request and computes one HMAC; aws-sigv4 (SigV4) also
//! hashes the body and the canonical request, but derives its signing key
//! through four HMACs before the fifth that signs. Both write their headers
//! into the request.
//!
//! Equal work: each side gets its own clone of the unsigned request, made in
//! the untimed setup. Everything that depends only on the fixed inputs is
//! built once, outside the timed part: our `Credentials`; aws's identity,
//! `SigningParams` (region, service, time, settings), the URI as a string and
//! the headers as `(&str, &str)` pairs (the input types its API takes). Timed
//! on the aws side: `SignableRequest::new` (it parses the URI string and
//! collects the header pairs), `sign` and `apply_to_request_http1x`.
//!
//! Target: ours / aws-sigv4 <= 0.7.
//!
//! Prints criterion's absolute times, then the paired, interleaved ratio (see
//! `support`).

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod support;

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{
    sign as aws_sign, SignableBody, SignableRequest, SigningParams, SigningSettings,
};
use aws_sigv4::sign::v4;
use criterion::{criterion_group, BatchSize, Criterion};
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

/// Target of ours / aws-sigv4.
const TARGET: f64 = 0.7;

/// The signing time.
fn time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_704_164_645)
}

/// The unsigned request, checked to have a ~1 KB body.
fn unsigned() -> http::Request<Vec<u8>> {
    let r = request();
    assert!((900..1300).contains(&r.body().len()), "{}", r.body().len());
    r
}

fn ours_credentials() -> Credentials {
    Credentials::ak_sk(
        "AKIDEXAMPLE0123456789",
        "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
    )
    .unwrap()
    .with_project_id("0b3c0ef8d28026f22f6bc0010da5b6a1")
    .unwrap()
}

/// Calls `f` with aws-sigv4's signing parameters (identity, region, service,
/// time, settings), built once.
fn with_aws_params<R>(f: impl FnOnce(&SigningParams<'_>) -> R) -> R {
    let identity = AwsCredentials::new(
        "AKIDEXAMPLE0123456789",
        "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
        None,
        None,
        "bench",
    )
    .into();
    let params: SigningParams<'_> = v4::SigningParams::builder()
        .identity(&identity)
        .region("cn-north-4")
        .name("rtc")
        .time(time())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    f(&params)
}

/// aws-sigv4's inputs that depend only on the unsigned request: the URI as a
/// string and the headers as strings, built once.
struct AwsInputs {
    uri: String,
    headers: Vec<(String, String)>,
}

impl AwsInputs {
    fn new(unsigned: &http::Request<Vec<u8>>) -> AwsInputs {
        AwsInputs {
            uri: unsigned.uri().to_string(),
            headers: unsigned
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                .collect(),
        }
    }
}

/// Our signing: the timed part.
#[inline]
fn sign_ours(r: &mut http::Request<Vec<u8>>, credentials: &Credentials, time: SystemTime) {
    sign(black_box(r), credentials, time).unwrap();
}

/// aws-sigv4's signing of the same request: the timed part.
#[inline]
fn sign_aws(r: &mut http::Request<Vec<u8>>, inputs: &AwsInputs, params: &SigningParams<'_>) {
    let signable = SignableRequest::new(
        r.method().as_str(),
        inputs.uri.as_str(),
        inputs.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(r.body()),
    )
    .unwrap();
    let (instructions, _) = aws_sign(black_box(signable), params).unwrap().into_parts();
    instructions.apply_to_request_http1x(r);
}

fn bench_sign(c: &mut Criterion) {
    let unsigned = unsigned();
    let time = time();
    let ours = ours_credentials();
    let inputs = AwsInputs::new(&unsigned);
    with_aws_params(|params| {
        let mut g = c.benchmark_group("sign CreateMixJob ~1KB body");
        g.bench_function("ours", |b| {
            b.iter_batched_ref(
                || unsigned.clone(),
                |r| sign_ours(r, &ours, time),
                BatchSize::SmallInput,
            )
        });
        g.bench_function("aws-sigv4", |b| {
            b.iter_batched_ref(
                || unsigned.clone(),
                |r| sign_aws(r, &inputs, params),
                BatchSize::SmallInput,
            )
        });
        g.finish();
    });
}

fn paired(mode: support::Mode) {
    let unsigned = unsigned();
    let time = time();
    let ours = ours_credentials();
    let inputs = AwsInputs::new(&unsigned);
    with_aws_params(|params| {
        support::paired(
            mode,
            "sign CreateMixJob ~1KB",
            "aws-sigv4",
            TARGET,
            |n| support::iter_batched_ref(n, || unsigned.clone(), |r| sign_ours(r, &ours, time)),
            |n| support::iter_batched_ref(n, || unsigned.clone(), |r| sign_aws(r, &inputs, params)),
        );
    });
}

criterion_group!(benches, bench_sign);

fn main() {
    let mode = support::Mode::from_args();
    benches();
    Criterion::default().configure_from_args().final_summary();
    paired(mode);
}
