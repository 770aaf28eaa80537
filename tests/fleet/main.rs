//! The throttle shared by a fleet through Redis, against a real
//! `redis-server` that each test starts on a free loopback port (in a
//! temporary directory) and that is stopped, its directory removed, when the
//! test ends or its process dies (`redis_server.rs`; `fixture.rs` checks
//! it). `.ci/test` installs the server when it is missing; without it these
//! tests fail with a message saying so.
#![cfg(all(feature = "redis", feature = "simulator", feature = "ureq"))]
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // processes, sockets, clocks

mod decisions;
mod faults;
mod fixture;
mod fleet_run;
mod redis_server;

use std::time::Duration;

use sparkrtc::fleet::{FaultPolicy, RedisPacer};
use sparkrtc::throttle::ThrottleConfig;

pub use redis_server::RedisServer;

/// A pacer on `server` with its own prefix (so tests do not share keys).
pub fn pacer(
    server: &RedisServer,
    prefix: &str,
    config: ThrottleConfig,
    policy: FaultPolicy,
) -> RedisPacer {
    RedisPacer::builder(server.url())
        .key_prefix(prefix)
        .throttle(config)
        .on_fault(policy)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}
