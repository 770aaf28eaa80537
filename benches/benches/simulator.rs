//! The served simulator under load: resident memory before and after
//! 1,000,000 requests (it must stay bounded), requests per second over 8
//! kept-alive raw connections, and requests per second that 8 threads of
//! the crate's `Client` get over loopback, with the client's own CPU per
//! call. Not criterion: these are throughput and memory figures of a whole
//! process, printed once.
//!
//! `cargo bench -p sparkrtc-benches --bench simulator` (Linux: it reads
//! /proc for memory and thread CPU time). Client and server share the
//! process and its 2 cores, so the memory figure includes the client's.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use sparkrtc::client::Client;
use sparkrtc::ops::ListApps;
use sparkrtc::simulator::{Simulator, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY};
use sparkrtc::throttle::{RateLimit, ThrottleCategory, ThrottleConfig};
use sparkrtc::transport::UreqTransport;
use sparkrtc::{Credentials, Endpoint};

const REQUESTS: u64 = 1_000_000;
const THREADS: u64 = 8;

/// The process's resident memory, as /proc says it.
fn resident() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The calling thread's CPU time (user and system).
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime, in clock ticks of 10 ms.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// One request on a kept-alive connection; its status.
fn round_trip(writer: &mut TcpStream, reader: &mut BufReader<TcpStream>, request: &[u8]) -> u16 {
    writer.write_all(request).expect("write");
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header");
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().expect("a length");
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    status
}

fn raw_load(addr: SocketAddr) -> Duration {
    let start = Instant::now();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || {
                let stream = TcpStream::connect(addr).expect("connect");
                let mut writer = stream.try_clone().expect("clone");
                let mut reader = BufReader::new(stream);
                for i in 0..REQUESTS / THREADS {
                    // Half to the control plane, half to the API (logged,
                    // refused unsigned): both paths of the server.
                    let request: &[u8] = if (i + t) % 2 == 0 {
                        b"GET /_sparkrtc/health HTTP/1.1\r\nHost: sim\r\n\r\n"
                    } else {
                        b"GET /v2/apps HTTP/1.1\r\nHost: sim\r\n\r\n"
                    };
                    let status = round_trip(&mut writer, &mut reader, request);
                    assert!(status == 200 || status == 401, "status {status}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a load thread");
    }
    start.elapsed()
}

fn main() {
    let sim = Simulator::new(SimulatorConfig::default().with_rate_limits(false));
    let server = sim.serve("127.0.0.1:0").expect("serve");
    println!("simulator: resident at start {}", resident());
    let took = raw_load(server.addr());
    println!(
        "simulator: {REQUESTS} requests over {THREADS} kept-alive connections in {took:.2?} ({:.0}/s); resident after {}; request log kept {} entries",
        REQUESTS as f64 / took.as_secs_f64(),
        resident(),
        sim.request_log().len()
    );

    // The crate's client: neither side throttles (the client's throttle
    // still decides every call).
    let never_waits = RateLimit {
        requests: 1,
        window: Duration::from_nanos(1),
    };
    let throttle = ThrottleConfig::documented()
        .with_limit(ThrottleCategory::ApplicationManagement, never_waits)
        .expect("a limit");
    let endpoint = Endpoint::new(&server.url())
        .and_then(|e| e.with_project_id(sim.config().project_id()))
        .expect("endpoint");
    let client = Arc::new(
        Client::builder(UreqTransport::default())
            .endpoint(endpoint)
            .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).expect("keys"))
            .throttle(throttle)
            .build()
            .expect("client"),
    );
    let run = Duration::from_secs(5);
    let start = Instant::now();
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let client = Arc::clone(&client);
            thread::spawn(move || {
                let begin = thread_cpu();
                let mut calls = 0u64;
                while start.elapsed() < run {
                    client.call(&ListApps::new()).expect("ListApps");
                    calls += 1;
                }
                (calls, thread_cpu() - begin)
            })
        })
        .collect();
    let (mut calls, mut cpu) = (0u64, Duration::ZERO);
    for w in workers {
        let (c, t) = w.join().expect("a client thread");
        calls += c;
        cpu += t;
    }
    let took = start.elapsed();
    println!(
        "client, {THREADS} threads over loopback: {calls} calls in {took:.2?} ({:.0}/s); client CPU {:.1} us per call; resident {}",
        calls as f64 / took.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / calls.max(1) as f64,
        resident()
    );
}
