//! The client's own cost per call, over loopback against the simulator
//! served in this process (rate limits off, ten applications), beside the
//! baselines that isolate each part of it. Every contender sends the same
//! `ListApps` (limit 10) to the same server over a kept-alive connection.
//!
//! Contenders:
//! - **client**: `Client::call` over `UreqTransport` (build, throttle
//!   decision, sign, send, feed back, parse);
//! - **crate over ureq**: the crate's own build, sign and parse, the request
//!   sent by a bare `ureq::Agent`, with no `Client`: the client minus this is
//!   its loop's glue;
//! - **bare ureq**: the same request signed once (outside the timed part),
//!   sent by a plain `ureq::Agent`, body read into a `Vec`;
//! - **raw socket**: the same request bytes written and the answer read over
//!   one kept-alive `TcpStream` with no HTTP library: the floor;
//! - **no I/O**: build, sign and parse of the captured answer; and its two
//!   halves, **build + sign** (the crate's own work) and **parse** (serde
//!   derives over `serde_json`, which grows with the answer); beside parse,
//!   **serde_json alone** (`from_slice` into the same output type, no status,
//!   request id or error handling: what parse costs beyond it is the crate's)
//!   and **serde_json from_str** (the body checked as UTF-8 once, then read
//!   as a `str`, which spares serde_json a check per string).
//!
//! Printed:
//! - paired, interleaved ratios (see `support`) of wall time per call:
//!   client / bare ureq (target <= 1.10), client / crate over ureq (the
//!   glue, target <= 1.05), crate over ureq / bare ureq (information), the
//!   crate's parse / `serde_json::from_slice` alone (target <= 1.0);
//! - CPU time per call of the calling thread (user plus system, from
//!   `/proc/thread-self/schedstat`; the server's threads are not counted),
//!   in [`CPU_ROUNDS`] interleaved rounds of [`CPU_CALLS`] calls each: the
//!   median and the range of each contender, the client / bare ureq ratio
//!   with its range, the no-I/O share (target <= 3 µs), and the client's
//!   figure against the official Python SDK's CPU per call in its own run
//!   against the same simulator (target >= 30x below): `benches/python_sdk_cpu.py`
//!   measures it; give its median as `SPARKRTC_PYTHON_SDK_US` (µs) to compare
//!   with a figure taken under the same load, else [`PYTHON_SDK_US`] is used.
//!
//! For a profile, `SPARKRTC_BENCH_PROFILE=<contender>` (`client`,
//! `crate_over_ureq`, `bare_ureq`, `raw`, `no_io`, `build_sign`, `parse`) runs that contender alone
//! for ten seconds and measures nothing: `perf record -g` the bench binary
//! with it set.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

#[path = "support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime};

use criterion::{criterion_group, Criterion};
use sparkrtc::client::Client;
use sparkrtc::model::AppReq;
use sparkrtc::ops::{CreateApp, ListApps};
use sparkrtc::simulator::{
    Simulator, SimulatorConfig, SimulatorServer, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY,
};
use sparkrtc::throttle::{RateLimit, ThrottleCategory, ThrottleConfig};
use sparkrtc::transport::UreqTransport;
use sparkrtc::{Credentials, Endpoint, Operation};

/// Client / bare ureq.
const TARGET: f64 = 1.10;
/// Client / crate over ureq: the loop's glue.
const GLUE_TARGET: f64 = 1.05;
/// The crate's parse of the answer / `serde_json::from_slice` alone into the
/// same type: the status, request id and error handling cost less than the
/// UTF-8 check per string that reading a `str` spares.
const PARSE_TARGET: f64 = 1.0;
/// The no-I/O share, CPU µs per call.
const NO_IO_TARGET_US: f64 = 3.0;
/// The official Python SDK's CPU per call against the same simulator (µs),
/// measured in an earlier run of its own, and how many times below it
/// the client must be.
const PYTHON_SDK_US: f64 = 955.0;
const PYTHON_SDK_FACTOR: f64 = 30.0;
const CPU_CALLS: u32 = 3_000;
const CPU_ROUNDS: usize = 5;

struct Setup {
    _server: SimulatorServer,
    client: Client<UreqTransport>,
    endpoint: Endpoint,
    credentials: Credentials,
    /// The signed request, for the baselines.
    signed: http::Request<Vec<u8>>,
    agent: ureq::Agent,
    raw: Vec<u8>,
    addr: std::net::SocketAddr,
    /// A captured answer, for the no-I/O contender.
    answer: Vec<u8>,
    answer_headers: http::HeaderMap,
}

fn setup() -> Setup {
    let sim = Simulator::new(SimulatorConfig::default().with_rate_limits(false));
    let server = sim.serve("127.0.0.1:0").unwrap();
    let endpoint = Endpoint::new(&server.url())
        .unwrap()
        .with_project_id(sim.config().project_id())
        .unwrap();
    let credentials = Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap();
    // The throttle decides every call, and never makes one wait.
    let never_waits = RateLimit {
        requests: 1,
        window: Duration::from_nanos(1),
    };
    let client = Client::builder(UreqTransport::default())
        .endpoint(endpoint.clone())
        .credentials(credentials.clone())
        .throttle(
            ThrottleConfig::documented()
                .with_limit(ThrottleCategory::ApplicationManagement, never_waits)
                .unwrap(),
        )
        .build()
        .unwrap();
    for i in 0..10 {
        client
            .call(&CreateApp::new(AppReq::new(format!("bench-{i}"))))
            .unwrap();
    }
    let mut signed = ListApps::new().limit(10).build(&endpoint).unwrap();
    sparkrtc::sign::sign(&mut signed, &credentials, SystemTime::now()).unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let raw = raw_request(&signed);
    let (parts, mut body) = agent.run(signed.clone()).unwrap().into_parts();
    let answer = body.read_to_vec().unwrap();
    Setup {
        addr: server.addr(),
        _server: server,
        client,
        endpoint,
        credentials,
        signed,
        agent,
        raw,
        answer,
        answer_headers: parts.headers,
    }
}

/// The request as HTTP/1.1 bytes.
fn raw_request(request: &http::Request<Vec<u8>>) -> Vec<u8> {
    let mut out = format!(
        "{} {} HTTP/1.1\r\n",
        request.method(),
        request.uri().path_and_query().unwrap()
    )
    .into_bytes();
    for (name, value) in request.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", request.body().len()).as_bytes());
    out.extend_from_slice(request.body());
    out
}

fn ours(s: &Setup) -> usize {
    let out = s.client.call(&ListApps::new().limit(10)).unwrap();
    assert_eq!(out.apps.len(), 10);
    out.apps.len()
}

/// The crate's own work (build, sign with the current time, parse) driven
/// over the bare ureq agent, with no `Client`: what the client's loop adds
/// is `ours` minus this.
fn crate_over_ureq(s: &Setup) -> usize {
    let mut request = ListApps::new().limit(10).build(&s.endpoint).unwrap();
    sparkrtc::sign::sign(&mut request, &s.credentials, SystemTime::now()).unwrap();
    let response = s.agent.run(request).unwrap();
    let (parts, mut body) = response.into_parts();
    let body = body.read_to_vec().unwrap();
    let out = ListApps::parse(parts.status, &parts.headers, &body).unwrap();
    assert_eq!(out.apps.len(), 10);
    out.apps.len()
}

fn bare_ureq(s: &Setup) -> usize {
    let response = s.agent.run(s.signed.clone()).unwrap();
    assert!(response.status().is_success());
    response.into_body().read_to_vec().unwrap().len()
}

/// Build, sign and parse, with no I/O: the crate's protocol work.
fn no_io(s: &Setup) -> usize {
    build_sign(s) + parse(s)
}

/// The request half of [`no_io`].
fn build_sign(s: &Setup) -> usize {
    let mut request = ListApps::new().limit(10).build(&s.endpoint).unwrap();
    sparkrtc::sign::sign(&mut request, &s.credentials, SystemTime::now()).unwrap();
    request.headers().len()
}

/// The answer half of [`no_io`].
fn parse(s: &Setup) -> usize {
    let out = ListApps::parse(http::StatusCode::OK, &s.answer_headers, &s.answer).unwrap();
    assert_eq!(out.apps.len(), 10);
    out.apps.len()
}

/// `serde_json` alone into the same type as [`parse`].
fn serde_json_alone(s: &Setup) -> usize {
    let out: <ListApps as Operation>::Output = serde_json::from_slice(&s.answer).unwrap();
    out.apps.len()
}

/// [`serde_json_alone`] from a `str` checked once.
fn serde_json_from_str(s: &Setup) -> usize {
    let text = std::str::from_utf8(&s.answer).unwrap();
    let out: <ListApps as Operation>::Output = serde_json::from_str(text).unwrap();
    out.apps.len()
}

/// One exchange over a kept-alive stream: write, read the head, read the
/// body by its length.
fn raw_exchange(reader: &mut BufReader<TcpStream>, raw: &[u8]) -> usize {
    reader.get_mut().write_all(raw).unwrap();
    let mut len = 0;
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                len = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    body.len()
}

/// The calling thread's CPU time (user plus system), from the scheduler.
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns: u64 = stat
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

/// CPU time per call of `f` over [`CPU_CALLS`] calls.
fn cpu_per_call(f: &mut dyn FnMut()) -> f64 {
    let start = thread_cpu();
    for _ in 0..CPU_CALLS {
        f();
    }
    (thread_cpu() - start).as_secs_f64() / f64::from(CPU_CALLS)
}

fn bench_client(c: &mut Criterion) {
    let s = setup();
    let mut g = c.benchmark_group("ListApps over loopback");
    g.bench_function("client", |b| b.iter(|| ours(&s)));
    g.bench_function("crate over ureq", |b| b.iter(|| crate_over_ureq(&s)));
    g.bench_function("bare ureq", |b| b.iter(|| bare_ureq(&s)));
    g.finish();
}

/// Median and range of `xs`, times `scale`.
fn spread(xs: &[f64], scale: f64) -> (f64, f64, f64) {
    let mut v: Vec<f64> = xs.iter().map(|x| x * scale).collect();
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn paired(mode: support::Mode) {
    let s = setup();
    support::paired(
        mode,
        "client call ListApps (10 apps) over loopback",
        "bare ureq round trip",
        TARGET,
        |n| support::iter(n, || ours(&s)),
        |n| support::iter(n, || bare_ureq(&s)),
    );
    support::paired(
        mode,
        "client call, the loop's glue",
        "crate over ureq",
        GLUE_TARGET,
        |n| support::iter(n, || ours(&s)),
        |n| support::iter(n, || crate_over_ureq(&s)),
    );
    support::paired(
        mode,
        "crate over ureq (information)",
        "bare ureq round trip",
        f64::INFINITY,
        |n| support::iter(n, || crate_over_ureq(&s)),
        |n| support::iter(n, || bare_ureq(&s)),
    );
    support::paired(
        mode,
        "ListApps::parse of the answer",
        "serde_json from_slice alone",
        PARSE_TARGET,
        |n| support::iter(n, || parse(&s)),
        |n| support::iter(n, || serde_json_alone(&s)),
    );
    let mut reader = BufReader::new(TcpStream::connect(s.addr).unwrap());
    reader.get_mut().set_nodelay(true).unwrap();
    if mode == support::Mode::Test {
        raw_exchange(&mut reader, &s.raw);
        no_io(&s);
        assert_eq!(serde_json_alone(&s), 10);
        assert_eq!(serde_json_from_str(&s), 10);
        crate_over_ureq(&s);
        return;
    }
    if mode != support::Mode::Bench {
        return;
    }

    // CPU per call, the contenders interleaved round by round (the order
    // rotating), after one warm-up round.
    let started = Instant::now();
    let names = [
        "client",
        "crate over ureq",
        "bare ureq",
        "raw socket",
        "no I/O",
        "  build + sign",
        "  parse",
        "  serde_json alone",
        "  serde_json from_str",
    ];
    let mut sides: Vec<Box<dyn FnMut() + '_>> = vec![
        Box::new(|| {
            ours(&s);
        }),
        Box::new(|| {
            crate_over_ureq(&s);
        }),
        Box::new(|| {
            bare_ureq(&s);
        }),
        Box::new(|| {
            raw_exchange(&mut reader, &s.raw);
        }),
        Box::new(|| {
            no_io(&s);
        }),
        Box::new(|| {
            build_sign(&s);
        }),
        Box::new(|| {
            parse(&s);
        }),
        Box::new(|| {
            serde_json_alone(&s);
        }),
        Box::new(|| {
            serde_json_from_str(&s);
        }),
    ];
    let mut times = vec![Vec::with_capacity(CPU_ROUNDS); sides.len()];
    for round in 0..=CPU_ROUNDS {
        for k in 0..sides.len() {
            let i = (k + round) % sides.len();
            let t = cpu_per_call(&mut *sides[i]);
            if round > 0 {
                times[i].push(t);
            }
        }
    }
    println!(
        "cpu per ListApps call (answer {} bytes), median (range) over {CPU_ROUNDS} interleaved rounds of {CPU_CALLS} calls:",
        s.answer.len()
    );
    for (name, t) in names.iter().zip(&times) {
        let (median, lo, hi) = spread(t, 1e6);
        println!("    {name:<16} {median:>8.2} µs ({lo:.2}..{hi:.2})");
    }
    let ratios: Vec<f64> = times[0].iter().zip(&times[2]).map(|(a, b)| a / b).collect();
    let (ratio, lo, hi) = spread(&ratios, 1.0);
    println!(
        "    client / bare ureq {ratio:.3} ({lo:.3}..{hi:.3}), target <= {TARGET:.2}: {}",
        if ratio <= TARGET { "met" } else { "NOT MET" }
    );
    let (client, _, _) = spread(&times[0], 1e6);
    let (glue_base, _, _) = spread(&times[1], 1e6);
    let (floor, _, _) = spread(&times[3], 1e6);
    let (no_io_us, _, _) = spread(&times[4], 1e6);
    println!(
        "    the loop's glue (client - crate over ureq) {:.2} µs; client / raw socket {:.2}",
        client - glue_base,
        client / floor
    );
    println!(
        "    no-I/O share {no_io_us:.2} µs, target <= {NO_IO_TARGET_US:.1}: {}",
        if no_io_us <= NO_IO_TARGET_US {
            "met"
        } else {
            "NOT MET"
        }
    );
    let (python, source) = match std::env::var("SPARKRTC_PYTHON_SDK_US") {
        Ok(v) => (
            v.parse().expect("SPARKRTC_PYTHON_SDK_US: µs"),
            "SPARKRTC_PYTHON_SDK_US",
        ),
        Err(_) => (PYTHON_SDK_US, "its own earlier run"),
    };
    let factor = python / client;
    println!(
        "    official Python SDK {python:.0} µs ({source}) / client {client:.2} µs = {factor:.1}x, \
         target >= {PYTHON_SDK_FACTOR:.0}x: {} ({:?} of measuring)",
        if factor >= PYTHON_SDK_FACTOR { "met" } else { "NOT MET" },
        started.elapsed()
    );
}

/// Runs one contender alone for ten seconds, for a profiler.
fn profile(name: &str) {
    let s = setup();
    let mut reader = BufReader::new(TcpStream::connect(s.addr).unwrap());
    let started = Instant::now();
    let mut calls = 0u64;
    while started.elapsed() < Duration::from_secs(10) {
        for _ in 0..100 {
            match name {
                "client" => ours(&s),
                "crate_over_ureq" => crate_over_ureq(&s),
                "bare_ureq" => bare_ureq(&s),
                "raw" => raw_exchange(&mut reader, &s.raw),
                "no_io" => no_io(&s),
                "build_sign" => build_sign(&s),
                "parse" => parse(&s),
                other => panic!("no contender {other}"),
            };
        }
        calls += 100;
    }
    println!("profiled {name}: {calls} calls");
}

criterion_group!(benches, bench_client);

fn main() {
    if let Ok(name) = std::env::var("SPARKRTC_BENCH_PROFILE") {
        return profile(&name);
    }
    let mode = support::Mode::from_args();
    benches();
    Criterion::default().configure_from_args().final_summary();
    paired(mode);
}
