//! Redis stopped in the middle of a run, slow, and started again: the
//! chosen policy is followed, nothing panics or hangs, and pacing through
//! Redis resumes.

use std::time::{Duration, Instant};

use sparkrtc::client::Pacer;
use sparkrtc::fleet::{FaultPolicy, RECONNECT_INTERVAL};
use sparkrtc::throttle::{Admission, Scope, ThrottleCategory, ThrottleConfig};
use sparkrtc::Error;

use super::{pacer, RedisServer};

const JOBS: Scope = Scope::new(ThrottleCategory::MixStreamJobManagement); // 10 per second

/// Sends admitted out of `calls` acquires at one instant, and how long they took.
fn burst(p: &impl Pacer, calls: usize) -> (usize, Duration) {
    let started = Instant::now();
    let sent = (0..calls)
        .filter(|_| p.acquire(JOBS, Duration::from_secs(100)).unwrap() == Admission::Send)
        .count();
    (sent, started.elapsed())
}

fn keys(server: &RedisServer) -> String {
    server.command(b"KEYS fault*\r\n").unwrap_or_default()
}

#[test]
fn with_a_fallback_the_fleet_paces_alone_at_its_share_then_through_redis_again() {
    let mut server = RedisServer::start();
    let p = pacer(
        &server,
        "fault-fallback",
        ThrottleConfig::documented(),
        FaultPolicy::Fallback { share: 0.5 },
    );
    let (sent, _) = burst(&p, 12);
    assert_eq!(sent, 10, "through Redis: the whole burst");
    assert!(keys(&server).starts_with("*1"), "{}", keys(&server));

    server.stop();
    let (sent, took) = burst(&p, 12);
    assert_eq!(sent, 5, "alone: half of the limit");
    assert!(took < Duration::from_secs(2), "no hang: {took:?}");

    server.restart();
    std::thread::sleep(RECONNECT_INTERVAL + Duration::from_millis(100));
    let (sent, _) = burst(&p, 12);
    assert_eq!(
        sent, 10,
        "through Redis again: a fresh server, a fresh window"
    );
    assert!(keys(&server).starts_with("*1"), "{}", keys(&server));
}

#[test]
fn with_fail_the_calls_fail_with_a_typed_error_then_work_again() {
    let mut server = RedisServer::start();
    let p = pacer(
        &server,
        "fault-fail",
        ThrottleConfig::documented(),
        FaultPolicy::Fail,
    );
    assert_eq!(p.acquire(JOBS, Duration::ZERO).unwrap(), Admission::Send);
    server.stop();
    let started = Instant::now();
    for _ in 0..5 {
        let err = p.acquire(JOBS, Duration::ZERO).unwrap_err();
        assert!(matches!(err, Error::PacerUnavailable(_)), "{err}");
        assert!(!err.to_string().contains("redis://"), "{err}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    server.restart();
    std::thread::sleep(RECONNECT_INTERVAL + Duration::from_millis(100));
    assert_eq!(p.acquire(JOBS, Duration::ZERO).unwrap(), Admission::Send);
}

#[test]
fn a_redis_slower_than_the_timeout_is_a_fault_not_a_stall() {
    let server = RedisServer::start();
    let p = pacer(
        &server,
        "fault-slow",
        ThrottleConfig::documented(),
        FaultPolicy::Fallback { share: 0.2 },
    );
    assert_eq!(p.acquire(JOBS, Duration::ZERO).unwrap(), Admission::Send);
    // Redis busy for a second (DEBUG SLEEP blocks the whole server).
    let url = server.url();
    let sleeper = std::thread::spawn(move || {
        let port: u16 = url
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        std::io::Write::write_all(&mut stream, b"DEBUG SLEEP 1\r\n").unwrap();
        let mut buf = [0u8; 16];
        let _ = std::io::Read::read(&mut stream, &mut buf);
    });
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let admission = p.acquire(JOBS, Duration::ZERO).unwrap();
    let took = started.elapsed();
    assert_eq!(admission, Admission::Send, "the fallback decided");
    assert!(
        took < Duration::from_millis(800),
        "bounded by the 300 ms timeout: {took:?}"
    );
    sleeper.join().unwrap();
}
