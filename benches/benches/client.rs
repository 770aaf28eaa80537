//! The client's own cost per call, over loopback against the simulator
//! served in this process (rate limits off, ten applications).
//!
//! - Paired, interleaved: `Client::call(ListApps)` (build, sign, throttle
//!   decision, send through `UreqTransport`, parse) against the bare ureq
//!   round trip of the same request (signed once, outside the timed part,
//!   sent by a plain `ureq::Agent`, body read into a `Vec`). Target: ours /
//!   ureq <= 1.10, the client adding under 10%.
//! - CPU time per call of the calling thread (user plus system, from
//!   `/proc/thread-self/schedstat`), averaged over 5,000 calls: the client,
//!   the bare ureq round trip, and the floor: the same request bytes written
//!   and the answer read over one kept-alive `TcpStream` with no HTTP
//!   library. Target: the client at most 2x the floor.
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
use sparkrtc::transport::{Transport, UreqTransport};
use sparkrtc::{Credentials, Endpoint, Operation};

const TARGET: f64 = 1.10;
const CPU_CALLS: u32 = 5_000;

struct Setup {
    _server: SimulatorServer,
    client: Client<UreqTransport>,
    /// The signed request, for the baselines.
    signed: http::Request<Vec<u8>>,
    agent: ureq::Agent,
    raw: Vec<u8>,
    addr: std::net::SocketAddr,
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
    Setup {
        addr: server.addr(),
        _server: server,
        client,
        signed,
        agent,
        raw,
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

fn bare_ureq(s: &Setup) -> usize {
    let response = s.agent.run(s.signed.clone()).unwrap();
    assert!(response.status().is_success());
    response.into_body().read_to_vec().unwrap().len()
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

fn cpu_per_call(mut f: impl FnMut()) -> Duration {
    for _ in 0..200 {
        f();
    }
    let start = thread_cpu();
    for _ in 0..CPU_CALLS {
        f();
    }
    (thread_cpu() - start) / CPU_CALLS
}

fn bench_client(c: &mut Criterion) {
    let s = setup();
    let mut g = c.benchmark_group("ListApps over loopback");
    g.bench_function("client", |b| b.iter(|| ours(&s)));
    g.bench_function("bare ureq", |b| b.iter(|| bare_ureq(&s)));
    g.finish();
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
    if mode != support::Mode::Bench {
        return;
    }
    let mut reader = BufReader::new(TcpStream::connect(s.addr).unwrap());
    reader.get_mut().set_nodelay(true).unwrap();
    let started = Instant::now();
    let client = cpu_per_call(|| {
        ours(&s);
    });
    let ureq = cpu_per_call(|| {
        bare_ureq(&s);
    });
    let floor = cpu_per_call(|| {
        raw_exchange(&mut reader, &s.raw);
    });
    // Where the client's time goes.
    let transport = UreqTransport::default();
    let sent = cpu_per_call(|| {
        transport.send(s.signed.clone()).unwrap();
    });
    let body = transport.send(s.signed.clone()).unwrap().into_body();
    let endpoint = s.client.endpoint().clone();
    let credentials = Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap();
    let build_sign = cpu_per_call(|| {
        let mut r = ListApps::new().limit(10).build(&endpoint).unwrap();
        sparkrtc::sign::sign(&mut r, &credentials, SystemTime::now()).unwrap();
    });
    let parse = cpu_per_call(|| {
        ListApps::parse(http::StatusCode::OK, &http::HeaderMap::new(), &body).unwrap();
    });
    println!(
        "cpu per call, parts: UreqTransport::send {sent:?}, build + sign {build_sign:?}, \
         parse of the {}-byte answer {parse:?}",
        body.len()
    );
    println!(
        "cpu per ListApps call over {CPU_CALLS} calls: client {client:?}, bare ureq {ureq:?}, \
         floor (raw TcpStream) {floor:?}; client/floor {:.2} (target <= 2.0), \
         client - ureq {:?} ({:?} of measuring)",
        client.as_secs_f64() / floor.as_secs_f64(),
        client.saturating_sub(ureq),
        started.elapsed()
    );
}

criterion_group!(benches, bench_client);

fn main() {
    let mode = support::Mode::from_args();
    benches();
    Criterion::default().configure_from_args().final_summary();
    paired(mode);
}
