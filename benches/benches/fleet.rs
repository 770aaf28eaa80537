//! One throttle decision through Redis on loopback (the Lua script: the
//! scope's log, hold and learned limit read, the admission recorded, one
//! round trip) against a bare `PING` round trip on the same pooled
//! connection. Target: decision / PING <= 1.5.
//!
//! Starts its own `redis-server` on a free port (it must be installed:
//! Debian `redis-server`).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

#[path = "support/mod.rs"]
mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use sparkrtc::client::Pacer;
use sparkrtc::fleet::{FaultPolicy, RedisPacer};
use sparkrtc::throttle::{Admission, RateLimit, Scope, ThrottleCategory, ThrottleConfig};

const TARGET: f64 = 1.5;
const SCOPE: Scope = Scope::new(ThrottleCategory::RoomManagement);

struct Redis(Child, u16);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn redis() -> Redis {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server must be installed");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Redis(child, port)
}

/// A pacer whose decisions always admit (one call per microsecond), so every
/// decision takes the whole path.
fn pacer(port: u16) -> RedisPacer {
    let config = ThrottleConfig::documented()
        .with_limit(
            ThrottleCategory::RoomManagement,
            RateLimit {
                requests: 1,
                window: Duration::from_micros(1),
            },
        )
        .unwrap();
    let p = RedisPacer::builder(format!("redis://127.0.0.1:{port}/"))
        .throttle(config)
        .on_fault(FaultPolicy::Fail)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    p.ping().unwrap();
    p
}

fn decide(p: &RedisPacer) -> Admission {
    p.acquire(SCOPE, Duration::ZERO).unwrap()
}

fn bench_fleet(c: &mut Criterion) {
    let server = redis();
    let p = pacer(server.1);
    let mut g = c.benchmark_group("throttle decision through Redis");
    g.bench_function("decision", |b| b.iter(|| decide(&p)));
    g.bench_function("PING", |b| b.iter(|| p.ping().unwrap()));
    g.finish();
}

fn paired(mode: support::Mode) {
    let server = redis();
    let p = pacer(server.1);
    support::paired(
        mode,
        "throttle decision through Redis on loopback",
        "PING round trip",
        TARGET,
        |n| support::iter(n, || decide(&p)),
        |n| support::iter(n, || p.ping().unwrap()),
    );
}

criterion_group!(benches, bench_fleet);

fn main() {
    let mode = support::Mode::from_args();
    benches();
    Criterion::default().configure_from_args().final_summary();
    paired(mode);
}
