//! One throttle for a whole fleet: the sliding window shared through Redis
//! (feature `redis`).
//!
//! SparkRTC counts calls per account, not per process. Several processes
//! (or hosts) using one AK each pacing themselves alone overrun the limit
//! together, and then all of them get 429s. A [`RedisPacer`] keeps each
//! scope's window in Redis instead, so that every process using the same
//! Redis and key prefix shares it: never more than the scope's `N`
//! admissions in any window `W` across the fleet, the exact wait until a
//! slot frees, the full burst and the full rate.
//!
//! - **One atomic round trip per decision**: a Lua script (loaded once,
//!   called by its SHA-1, loaded again when Redis has lost it) reads the
//!   scope's log of its last `N` admissions, any block and any learned
//!   limit, and admits or answers the wait.
//! - **Time from the Redis server** (`TIME`), so hosts' clocks do not
//!   matter.
//! - **Keys expire** once their window has passed: idle scopes cost
//!   nothing. A scope's keys share one hash tag, so the scripts work on a
//!   Redis Cluster too.
//! - **429 feedback is shared**: a `Retry-After` (or the default backoff)
//!   one process learns holds the scope for every process; a stricter limit
//!   the server names is kept for everyone.
//! - **Faults are your choice** ([`FaultPolicy`]): when Redis is unreachable
//!   or slower than the timeout, fall back to an in-process throttle with a
//!   share of each limit, or fail with [`Error::PacerUnavailable`]. Never a
//!   panic, never an unbounded wait; the connection is made again when
//!   Redis is back.
//!
//! ```no_run
//! use std::sync::Arc;
//! use sparkrtc::client::Client;
//! use sparkrtc::fleet::{FaultPolicy, RedisPacer};
//! use sparkrtc::transport::UreqTransport;
//! use sparkrtc::Credentials;
//!
//! let pacer = RedisPacer::builder("redis://127.0.0.1:6379/")
//!     .key_prefix("sparkrtc")
//!     .on_fault(FaultPolicy::Fallback { share: 0.25 })
//!     .build()?;
//! let client = Client::builder(UreqTransport::default())
//!     .credentials(Credentials::from_env()?)
//!     .pacer(Arc::new(pacer))
//!     .build()?;
//! # Ok::<(), sparkrtc::Error>(())
//! ```
//!
//! [`Client::from_env`](crate::client::Client::from_env) does this when
//! `SPARKRTC_REDIS_URL` is set.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::{HeaderMap, StatusCode};

use crate::pacer::{LocalPacer, Pacer};
use crate::throttle::{learned_constraint, Admission, Feedback, RateLimit, Scope, ThrottleConfig};
use crate::Error;

/// The default key prefix.
pub const DEFAULT_KEY_PREFIX: &str = "sparkrtc";

/// The default bound on one Redis round trip (and on connecting).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);

/// After a fault, how long before connecting is tried again.
pub const RECONNECT_INTERVAL: Duration = Duration::from_millis(500);

/// How long a limit learned from a 429 is kept in Redis.
pub const LEARNED_TTL: Duration = Duration::from_secs(10 * 60);

/// What to do when Redis cannot answer in time.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum FaultPolicy {
    /// Pace in this process with `share` (0 to 1) of each limit (at least one
    /// call per window) until Redis answers again. With `k` processes, a
    /// share of `1/k` keeps the fleet within the limit.
    Fallback {
        /// The share of each limit.
        share: f64,
    },
    /// Fail the call with [`Error::PacerUnavailable`].
    Fail,
}

impl Default for FaultPolicy {
    /// A fallback to a quarter of each limit.
    fn default() -> Self {
        FaultPolicy::Fallback { share: 0.25 }
    }
}

/// Settings of a [`RedisPacer`]; from [`RedisPacer::builder`].
#[derive(Clone, Debug)]
pub struct RedisPacerBuilder {
    url: String,
    prefix: String,
    timeout: Duration,
    config: ThrottleConfig,
    policy: FaultPolicy,
}

impl RedisPacerBuilder {
    /// The prefix of every key (default [`DEFAULT_KEY_PREFIX`]): processes
    /// share a throttle when they share a Redis and a prefix.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The bound on connecting and on each round trip (default
    /// [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limits (default: the documented ones); every process of the fleet
    /// should use the same.
    pub fn throttle(mut self, config: ThrottleConfig) -> Self {
        self.config = config;
        self
    }

    /// What to do when Redis cannot answer (default
    /// [`FaultPolicy::default`]).
    pub fn on_fault(mut self, policy: FaultPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The pacer. Does not connect yet: the first decision does. Fails on a
    /// URL Redis cannot use or a share outside 0 to 1.
    pub fn build(self) -> Result<RedisPacer, Error> {
        let client = redis::Client::open(self.url.as_str())
            .map_err(|e| Error::InvalidEndpoint(format!("Redis URL: {}", redis_error(&e))))?;
        let fallback_config = match self.policy {
            FaultPolicy::Fallback { share } if (0.0..=1.0).contains(&share) => {
                scaled(&self.config, share)?
            }
            FaultPolicy::Fallback { share } => {
                return Err(Error::invalid(
                    "fleet.fault_policy.share",
                    format!("must be within 0..=1, got {share}"),
                ))
            }
            FaultPolicy::Fail => self.config.clone(),
        };
        Ok(RedisPacer {
            client,
            prefix: self.prefix,
            timeout: self.timeout,
            config: self.config,
            policy: self.policy,
            fallback: LocalPacer::new(fallback_config),
            pool: Mutex::new(Vec::new()),
            down_since: Mutex::new(None),
            acquire: redis::Script::new(ACQUIRE),
            hold: redis::Script::new(HOLD),
        })
    }
}

/// `config` with each limit cut to `share` (at least one call per window).
fn scaled(config: &ThrottleConfig, share: f64) -> Result<ThrottleConfig, Error> {
    let mut out = config.clone();
    for &category in crate::throttle::ThrottleCategory::ALL {
        let limit = config.limit(category);
        let requests = ((f64::from(limit.requests) * share).floor() as u32).max(1);
        out = out.with_limit(category, RateLimit { requests, ..limit })?;
    }
    Ok(out)
}

/// A [`Pacer`] whose windows live in Redis, shared by every process that
/// uses the same Redis and key prefix. See the [module documentation](self).
pub struct RedisPacer {
    client: redis::Client,
    prefix: String,
    timeout: Duration,
    config: ThrottleConfig,
    policy: FaultPolicy,
    fallback: LocalPacer,
    /// Idle connections; a decision takes one and puts it back.
    pool: Mutex<Vec<redis::Connection>>,
    /// When the last fault happened, while Redis is considered down.
    down_since: Mutex<Option<Instant>>,
    acquire: redis::Script,
    hold: redis::Script,
}

impl fmt::Debug for RedisPacer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: only the prefix is shown.
        f.debug_struct("RedisPacer")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl RedisPacer {
    /// A builder for a pacer on the Redis at `url` (`redis://host:port/db`,
    /// `rediss://` for TLS where the redis crate supports it).
    pub fn builder(url: impl Into<String>) -> RedisPacerBuilder {
        RedisPacerBuilder {
            url: url.into(),
            prefix: DEFAULT_KEY_PREFIX.into(),
            timeout: DEFAULT_TIMEOUT,
            config: ThrottleConfig::documented(),
            policy: FaultPolicy::default(),
        }
    }

    /// The decision for `scope` at the time `at` (microseconds on any
    /// scale) instead of the Redis server's: deterministic, for tests and
    /// simulations. Times must not go backwards for a scope.
    pub fn acquire_at(&self, scope: Scope, at: Duration) -> Result<Admission, Error> {
        self.decide(scope, Some(at))
    }

    /// One `PING` round trip on the pacer's connection: a health check (and
    /// the floor a decision is measured against).
    pub fn ping(&self) -> Result<(), Error> {
        self.round_trip(|con| redis::cmd("PING").query::<String>(con))
            .map(drop)
    }

    /// The keys of a scope: one hash tag, so one Redis Cluster slot.
    fn keys(&self, scope: Scope) -> [String; 2] {
        let op = scope.operation().map_or("-", |op| op.name());
        let tag = format!(
            "{}:{{{}:{:016x}:{op}}}",
            self.prefix,
            scope.category().name(),
            scope.credential().get()
        );
        [format!("{tag}:log"), format!("{tag}:meta")]
    }

    fn decide(&self, scope: Scope, at: Option<Duration>) -> Result<Admission, Error> {
        let limit = self.config.limit(scope.category());
        let keys = self.keys(scope);
        let mut invocation = self.acquire.prepare_invoke();
        for key in &keys {
            invocation.key(key);
        }
        invocation
            .arg(limit.requests)
            .arg(micros(limit.window).max(1))
            .arg(at.map_or(String::new(), |t| micros(t).to_string()));
        let answer: (i64, i64) = self.round_trip(|con| invocation.invoke(con))?;
        Ok(match answer {
            (1, _) => Admission::Send,
            (_, wait) => Admission::Wait(Duration::from_micros(wait.max(1) as u64)),
        })
    }

    /// Runs `f` on a pooled connection within the timeout; a failure drops
    /// the connection and marks Redis down.
    fn round_trip<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, Error> {
        let mut con = self.connection()?;
        match f(&mut con) {
            Ok(value) => {
                self.pool
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(con);
                *self
                    .down_since
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = None;
                Ok(value)
            }
            Err(e) => {
                *self
                    .down_since
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
                Err(Error::PacerUnavailable(format!(
                    "Redis: {}",
                    redis_error(&e)
                )))
            }
        }
    }

    /// A pooled connection, or a new one (not while Redis is considered
    /// down, until [`RECONNECT_INTERVAL`] has passed).
    fn connection(&self) -> Result<redis::Connection, Error> {
        if let Some(con) = self
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
        {
            return Ok(con);
        }
        let down = *self
            .down_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if down.is_some_and(|at| at.elapsed() < RECONNECT_INTERVAL) {
            return Err(Error::PacerUnavailable(
                "Redis: unreachable a moment ago; trying again shortly".into(),
            ));
        }
        let connected = self
            .client
            .get_connection_with_timeout(self.timeout)
            .and_then(|con| {
                con.set_read_timeout(Some(self.timeout))?;
                con.set_write_timeout(Some(self.timeout))?;
                Ok(con)
            });
        connected.map_err(|e| {
            *self
                .down_since
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
            Error::PacerUnavailable(format!("Redis: {}", redis_error(&e)))
        })
    }

    /// Whether a failure goes to the fallback.
    fn fall_back(&self) -> bool {
        matches!(self.policy, FaultPolicy::Fallback { .. })
    }

    /// Holds `scope` and keeps a learned limit, for every process.
    fn share_feedback(&self, scope: Scope, feedback: &Feedback) -> Result<(), Error> {
        let learned = feedback
            .learned
            .and_then(|l| learned_constraint(self.config.limit(scope.category()), l));
        let keys = self.keys(scope);
        let mut invocation = self.hold.prepare_invoke();
        invocation.key(&keys[1]);
        invocation
            .arg(micros(feedback.wait))
            .arg(learned.map_or(0, |l| l.requests))
            .arg(learned.map_or(0, |l| micros(l.window)))
            .arg(micros(LEARNED_TTL));
        self.round_trip(|con| invocation.invoke::<i64>(con))
            .map(drop)
    }
}

impl Pacer for RedisPacer {
    fn acquire(&self, scope: Scope, now: Duration) -> Result<Admission, Error> {
        match self.decide(scope, None) {
            Ok(admission) => Ok(admission),
            Err(_) if self.fall_back() => self.fallback.acquire(scope, now),
            Err(e) => Err(e),
        }
    }

    fn on_response(
        &self,
        scope: Scope,
        now: Duration,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), Error> {
        // The fallback learns too, so that it is ready when Redis is not.
        self.fallback
            .on_response(scope, now, status, headers, body)?;
        let Some(feedback) = Feedback::of(&self.config, scope, now, status, headers, body)? else {
            return Ok(());
        };
        match self.share_feedback(scope, &feedback) {
            Err(_) if self.fall_back() => Ok(()),
            other => other,
        }
    }
}

/// Microseconds, saturating.
fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// A Redis error for a message: its kind and text, never the URL (which may
/// carry a password).
fn redis_error(e: &redis::RedisError) -> String {
    let text = e.to_string();
    text.chars().take(200).collect()
}

/// The decision. KEYS: log (a list of the last N admission times, newest
/// first), meta (a hash: `hold`, the time until which the scope is held;
/// `n` and `w`, a stricter limit learned from the server). ARGV: N, W (µs),
/// the time (µs; empty: Redis's). Returns {1, 0} to send, {0, wait µs} to
/// wait. Times are whole microseconds, exact in Lua's doubles.
const ACQUIRE: &str = r#"
local now
if ARGV[3] ~= '' then
  now = tonumber(ARGV[3])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local n = tonumber(ARGV[1])
local w = tonumber(ARGV[2])
local meta = redis.call('HMGET', KEYS[2], 'hold', 'n', 'w')
local ready = tonumber(meta[1]) or 0
local oldest = redis.call('LINDEX', KEYS[1], n - 1)
if oldest and tonumber(oldest) + w > ready then ready = tonumber(oldest) + w end
local keep = w
if meta[2] and meta[3] then
  local ln = tonumber(meta[2])
  local lw = tonumber(meta[3])
  if lw > keep then keep = lw end
  local kth = redis.call('LINDEX', KEYS[1], ln - 1)
  if kth and tonumber(kth) + lw > ready then ready = tonumber(kth) + lw end
end
if now >= ready then
  redis.call('LPUSH', KEYS[1], string.format('%.0f', now))
  redis.call('LTRIM', KEYS[1], 0, n - 1)
  redis.call('PEXPIRE', KEYS[1], math.floor(keep / 1000) + 1)
  return {1, 0}
end
return {0, ready - now}
"#;

/// The feedback. KEYS: meta. ARGV: wait (µs), learned n (0: none), learned
/// w (µs), how long to keep a learned limit (µs). Holds the scope for the
/// wait from now (never shortening an earlier hold), keeps the learned
/// limit, and lets the hash expire when neither matters any more. Returns
/// the hold's end.
const HOLD: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untl = now + tonumber(ARGV[1])
local held = tonumber(redis.call('HGET', KEYS[1], 'hold'))
if held and held > untl then untl = held end
redis.call('HSET', KEYS[1], 'hold', string.format('%.0f', untl))
local keep = untl - now
local ln = tonumber(ARGV[2])
if ln > 0 then
  redis.call('HSET', KEYS[1], 'n', ln, 'w', ARGV[3])
  if tonumber(ARGV[4]) > keep then keep = tonumber(ARGV[4]) end
end
local pttl = redis.call('PTTL', KEYS[1])
local ms = math.floor(keep / 1000) + 1
if pttl < ms then redis.call('PEXPIRE', KEYS[1], ms) end
return untl
"#;
