//! Client-side pacing: an exact, deterministic throttle calculator.
//!
//! SparkRTC answers HTTP 429 (`APIG.0308`, "The throttling threshold has been
//! reached: policy user over ratelimit,limit:60,time:1 minute") to calls above
//! its documented limits. [`Throttle`] keeps each [`Scope`] under its limit
//! before sending, and folds the server's answers back in:
//!
//! - [`Throttle::acquire`]`(scope, now)` answers [`Admission::Send`] (and
//!   records the send) or [`Admission::Wait`]`(d)`: acquiring again at
//!   `now + d` succeeds, at `now + d - 1 ns` it does not (absent other events
//!   on the scope).
//! - [`Throttle::on_response`]`(scope, now, status, headers, body)` reads a
//!   429: it blocks the scope until its `Retry-After` (or for the default 2 to
//!   5 s backoff when there is none), learns a stricter limit named in the
//!   message, and turns a daily-quota answer into
//!   [`Error::QuotaExhausted`].
//!
//! Nothing here reads a clock, sleeps or draws random numbers: `now` is the
//! caller's monotonic time (a [`Duration`] since any origin it chooses, say
//! the `Instant` it started at), and the backoff jitter comes from the seed in
//! [`ThrottleConfig::with_seed`]. Same inputs, same answers.
//!
//! # The guarantee
//!
//! Each scope keeps a sliding-window log ([`Window`]) of its last `N`
//! admissions, `N` being the category's limit. A call is admitted only when
//! the `N`-th most recent admission is at least `W` old, so **no half-open
//! window of length `W` ever holds more than `N` admissions**, while the full
//! burst of `N` and the full sustained rate `N / W` are both available. (A
//! token bucket or GCRA with a burst of `N` does not give this: `governor`'s
//! `Quota::per_minute(60)` admits 119 calls within one 60 s window.)
//!
//! # The drive loop
//!
//! Build, acquire, sign, send, feed the response back, and let
//! [`RetryPolicy`](super::retry::RetryPolicy) decide about failures. Sign
//! *after* waiting and again for every attempt: the signature carries the
//! current date (`X-Sdk-Date`), so each retry needs a fresh one.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! use http::{HeaderMap, Request, StatusCode};
//! use sparkrtc::model::{EncodeTemplate, MixJobReq, MixParam};
//! use sparkrtc::ops::CreateMixJob;
//! use sparkrtc::proto::retry::{Outcome, RetryDecision, RetryPolicy};
//! use sparkrtc::proto::sign::sign;
//! use sparkrtc::proto::throttle::{Admission, CredentialId, Scope, Throttle};
//! use sparkrtc::{Credentials, Endpoint, Operation};
//!
//! let endpoint = Endpoint::default();
//! let mut throttle = Throttle::default(); // the documented limits
//! let policy = RetryPolicy::default();
//! // Scopes are per credential: pass the AK (an identifier), never the SK or a token.
//! let scope = Scope::of(CreateMixJob::ID).with_credential(CredentialId::from_access_key("MY-AK"));
//! let job = CreateMixJob::new(
//!     "my-app",
//!     MixJobReq::new(MixParam::new("room-1", EncodeTemplate::AudioOnly)),
//! );
//!
//! // The caller's monotonic clock and sleep (simulated here: sleeping moves the clock).
//! let mut now = Duration::ZERO;
//! // The caller's wall clock, for the signature date (simulated too).
//! let wall_clock = |now: Duration| UNIX_EPOCH + Duration::from_secs(1_704_164_645) + now;
//! let credentials = Credentials::ak_sk("MY-AK", "MY-SK")?;
//! // A stand-in for the HTTP client: the server first says 429 with
//! // `Retry-After: 3`, then accepts the job.
//! let mut throttled = HeaderMap::new();
//! throttled.insert("retry-after", "3".parse().unwrap());
//! let mut answers = vec![
//!     (StatusCode::CREATED, HeaderMap::new(), br#"{"job_id":"j-1","state":"INIT"}"#.to_vec()),
//!     (StatusCode::TOO_MANY_REQUESTS, throttled, br#"{"error_code":"APIG.0308",
//!       "error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second"}"#.to_vec()),
//! ];
//! let mut send = |_request: Request<Vec<u8>>| answers.pop().unwrap();
//! let seed = 0x5eed; // any per-process value: it only spreads retries of different clients
//!
//! let started = now;
//! let mut attempt = 0;
//! let output = loop {
//!     attempt += 1;
//!     // 1. Build.
//!     let mut request = job.build(&endpoint)?;
//!     // 2. Acquire: wait until the scope may send.
//!     while let Admission::Wait(d) = throttle.acquire(scope, now) {
//!         now += d; // sleep(d)
//!     }
//!     // 3. Sign, with the current date: every attempt is signed afresh.
//!     sign(&mut request, &credentials, wall_clock(now))?;
//!     // 4. Send.
//!     let (status, headers, body) = send(request);
//!     // 5. Feed the answer back: a 429 blocks the scope until Retry-After; a
//!     //    daily quota is an error (`?`), not a wait.
//!     throttle.on_response(scope, now, status, &headers, &body)?;
//!     let error = match CreateMixJob::parse(status, &headers, &body) {
//!         Ok(output) => break output,
//!         Err(error) => error,
//!     };
//!     // 6. Retry or give up.
//!     match policy.decide(CreateMixJob::ID, attempt, now - started, Outcome::from(&error), seed) {
//!         RetryDecision::Retry(d) => now += d, // sleep(d), then loop: acquire waits out Retry-After
//!         RetryDecision::Stop(_) => return Err(error),
//!     }
//! };
//! assert_eq!(output.job_id.as_deref(), Some("j-1"));
//! assert_eq!(attempt, 2);
//! assert!(now >= Duration::from_secs(3), "the second attempt honoured Retry-After");
//! # Ok::<(), sparkrtc::Error>(())
//! ```
//!
//! # Memory
//!
//! A scope costs one hash-table slot of [`Throttle::SLOT_BYTES`] bytes
//! ([`Scope`], 16 bytes, and [`Window`], 64 bytes, plus one control byte), and
//! a log of `8 * N` bytes on the heap: 480 bytes for a 60-per-minute category,
//! 80 for 10 per second. With the documented limits a scope is at most
//! `81 + 480 = 561` bytes, plus the table's spare slots (it has a power of two
//! of them, at most 7/8 used: 2,048 slots for 1,000 scopes, so 166 bytes of
//! table per scope there). Scopes are created on first use and never grow;
//! [`Throttle::prune`] forgets the idle ones; [`Throttle::memory_bytes`]
//! tells the total.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use super::{ApiError, Error, OperationId, RateLimit, ThrottleCategory};

/// The most requests a configured window may hold: `8 * 65_536` bytes (512 KiB)
/// of log per scope.
pub const MAX_REQUESTS_PER_WINDOW: u32 = 1 << 16;

/// The longest configurable window (one day). A server-reported limit per
/// day or longer is a quota: [`Throttle::on_response`] reports it as
/// [`Error::QuotaExhausted`].
pub const MAX_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The default cap on a server-imposed wait (`Retry-After`): 5 minutes.
///
/// Five times the longest documented window (one minute), so any honest
/// throttling answer fits, while a wrong or hostile header cannot stall a scope
/// for hours. Change it with [`ThrottleConfig::with_max_server_wait`].
pub const DEFAULT_MAX_SERVER_WAIT: Duration = Duration::from_secs(5 * 60);

/// The default backoff after a 429 without `Retry-After`: uniformly between 2
/// and 5 s, the wait Huawei Cloud's `APIG.0308` guidance recommends.
pub const DEFAULT_BACKOFF: (Duration, Duration) = (Duration::from_secs(2), Duration::from_secs(5));

/// The latest time the calculators tell apart: `2^63 - 1` ns (about 292
/// years) after the caller's origin. Later times are clamped to it, so that no
/// sum of a time and a wait can overflow; a throttle that reaches it stays
/// there, admitting nothing once a window is full.
pub const MAX_TIME: Duration = Duration::from_nanos(MAX_TIME_NS);

const MAX_TIME_NS: u64 = u64::MAX >> 1;

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Nanoseconds in `d`, clamped to [`MAX_TIME`].
pub(crate) fn nanos(d: Duration) -> u64 {
    d.as_secs()
        .saturating_mul(NANOS_PER_SEC)
        .saturating_add(u64::from(d.subsec_nanos()))
        .min(MAX_TIME_NS)
}

/// SplitMix64's output function: a fixed bijective mixer of 64-bit values, the
/// crate's only source of jitter.
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A value in `lo..=hi` (nanoseconds) from the random bits `r`; `lo` when
/// `hi <= lo`.
pub(crate) fn uniform(r: u64, lo: u64, hi: u64) -> u64 {
    let span = u128::from(hi.saturating_sub(lo)) + 1;
    lo + ((u128::from(r) * span) >> 64) as u64
}

/// Multiplies and folds the 128-bit product: the mixing step of the scope hasher.
#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

// ---------------------------------------------------------------- scopes

/// Identifies the credential a scope belongs to, without holding it.
///
/// SparkRTC counts calls per account; scoping per credential keeps two
/// accounts driven by one process from sharing a budget. Build it from the
/// **access key id (AK)**, which is an identifier, not a secret, with
/// [`from_access_key`](CredentialId::from_access_key), or from any stable
/// number with [`new`](CredentialId::new). Never pass the secret key (SK) or a
/// token. For token authentication, use a stable label such as the IAM user or
/// project name (also through `from_access_key`): a token changes every time
/// it is renewed while the server's count does not, so it is no scope key
/// anyway. `Debug` shows only the 64-bit fingerprint.
///
/// ```
/// use sparkrtc::proto::throttle::CredentialId;
/// let id = CredentialId::from_access_key("QTWAOYTTINDUT2QVKYUC");
/// assert_eq!(id, CredentialId::from_access_key("QTWAOYTTINDUT2QVKYUC"));
/// assert!(!format!("{id:?}").contains("QTWA"));
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CredentialId(u64);

impl CredentialId {
    /// The credential of a process that uses only one (the default).
    pub const DEFAULT: CredentialId = CredentialId(0);

    /// A credential id chosen by the caller.
    pub const fn new(id: u64) -> CredentialId {
        CredentialId(id)
    }

    /// The fingerprint of an access key id: FNV-1a over its bytes, then a
    /// SplitMix64 finish. Stable across versions and platforms.
    pub fn from_access_key(access_key_id: &str) -> CredentialId {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in access_key_id.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        CredentialId(splitmix64(h))
    }

    /// The 64-bit id.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CredentialId({:#018x})", self.0)
    }
}

/// What a budget is counted over: a throttle category, per credential, and
/// optionally per operation. Small and `Copy` (16 bytes).
///
/// ```
/// use sparkrtc::proto::throttle::{CredentialId, Scope};
/// use sparkrtc::{OperationId, ThrottleCategory};
///
/// // The default: the operation's category, shared by all its operations.
/// let scope = Scope::of(OperationId::ShowMixJob);
/// assert_eq!(scope, Scope::new(ThrottleCategory::MixStreamJobManagement));
/// assert_eq!(scope.operation(), None);
///
/// // Narrower: one operation of one credential.
/// let narrow = Scope::only(OperationId::ShowMixJob).with_credential(CredentialId::new(7));
/// assert_eq!(narrow.operation(), Some(OperationId::ShowMixJob));
/// assert_eq!(narrow.category(), ThrottleCategory::MixStreamJobManagement);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Scope {
    credential: CredentialId,
    category: ThrottleCategory,
    operation: Option<OperationId>,
}

impl Scope {
    /// The whole category, for the default credential.
    pub const fn new(category: ThrottleCategory) -> Scope {
        Scope {
            credential: CredentialId::DEFAULT,
            category,
            operation: None,
        }
    }

    /// The category of `operation` (the server counts per category).
    pub fn of(operation: OperationId) -> Scope {
        Scope::new(operation.category())
    }

    /// `operation` alone, with its category's limit: for a caller that wants
    /// one operation's calls not to starve the others of its category.
    pub fn only(operation: OperationId) -> Scope {
        Scope {
            operation: Some(operation),
            ..Scope::of(operation)
        }
    }

    /// The same scope for `credential`.
    pub const fn with_credential(self, credential: CredentialId) -> Scope {
        Scope { credential, ..self }
    }

    /// The credential.
    pub const fn credential(self) -> CredentialId {
        self.credential
    }

    /// The throttle category; its limit applies.
    pub const fn category(self) -> ThrottleCategory {
        self.category
    }

    /// The operation, for a per-operation scope.
    pub const fn operation(self) -> Option<OperationId> {
        self.operation
    }

    /// Category and operation in one word, for hashing.
    #[inline]
    fn kind_word(self) -> u64 {
        let op = match self.operation {
            Some(op) => op as u64 + 1,
            None => 0,
        };
        (self.category as u64) | (op << 8)
    }
}

impl Hash for Scope {
    // Two words, whatever the hasher; consistent with the derived `Eq` (equal
    // scopes write equal words).
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.credential.0);
        state.write_u64(self.kind_word());
    }
}

/// The scope table's hasher: a fixed multiply-fold over 64-bit words.
///
/// Deterministic (std's `RandomState` draws random keys when created, which
/// the core must not do) and two multiplications per scope. Not
/// collision-resistant against chosen keys; scopes are the caller's own
/// categories and credentials, not attacker input.
#[derive(Default, Clone, Copy)]
struct ScopeHasher(u64);

const HASH_K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for ScopeHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = fold_mul(self.0 ^ x, HASH_K);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

// ---------------------------------------------------------------- config

/// The limits a [`Throttle`] enforces and how it reacts to a 429.
///
/// Starts from the documented limits
/// ([`ThrottleCategory::documented_limit`]); override a category for a raised
/// quota or a stricter self-imposed one.
///
/// ```
/// use std::time::Duration;
/// use sparkrtc::proto::throttle::ThrottleConfig;
/// use sparkrtc::{RateLimit, ThrottleCategory};
///
/// let config = ThrottleConfig::documented()
///     .with_limit(
///         ThrottleCategory::StatisticalAnalysis,
///         RateLimit { requests: 120, window: Duration::from_secs(60) },
///     )?
///     .with_seed(42);
/// assert_eq!(config.limit(ThrottleCategory::StatisticalAnalysis).requests, 120);
/// assert_eq!(config.limit(ThrottleCategory::ObsBucketManagement).requests, 2);
/// # Ok::<(), sparkrtc::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleConfig {
    limits: [RateLimit; ThrottleCategory::ALL.len()],
    backoff: (Duration, Duration),
    max_server_wait: Duration,
    seed: u64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig::documented()
    }
}

impl ThrottleConfig {
    /// The documented limits, the 2 to 5 s default backoff, a 5-minute cap on
    /// server waits, seed 0.
    pub fn documented() -> ThrottleConfig {
        let mut limits = [ThrottleCategory::ALL[0].documented_limit(); ThrottleCategory::ALL.len()];
        for (slot, category) in limits.iter_mut().zip(ThrottleCategory::ALL) {
            *slot = category.documented_limit();
        }
        ThrottleConfig {
            limits,
            backoff: DEFAULT_BACKOFF,
            max_server_wait: DEFAULT_MAX_SERVER_WAIT,
            seed: 0,
        }
    }

    /// Overrides one category's limit.
    ///
    /// `requests` must be 1 to [`MAX_REQUESTS_PER_WINDOW`] and `window` from
    /// 1 ns to [`MAX_WINDOW`]; anything else is an
    /// [`Error::InvalidParameter`].
    pub fn with_limit(
        mut self,
        category: ThrottleCategory,
        limit: RateLimit,
    ) -> Result<Self, Error> {
        validate_limit(limit)?;
        if let Some(slot) = self.limits.get_mut(category as usize) {
            *slot = limit;
        }
        Ok(self)
    }

    /// The limit enforced for `category`.
    pub fn limit(&self, category: ThrottleCategory) -> RateLimit {
        self.limits
            .get(category as usize)
            .copied()
            .unwrap_or_else(|| category.documented_limit())
    }

    /// The backoff after a 429 without a usable `Retry-After`: uniform in
    /// `min..=max`. Fails unless `min <= max`. Waits above the
    /// [server-wait cap](ThrottleConfig::with_max_server_wait) are cut to it.
    pub fn with_default_backoff(mut self, min: Duration, max: Duration) -> Result<Self, Error> {
        if min > max {
            return Err(Error::invalid(
                "throttle.default_backoff",
                "the minimum is above the maximum",
            ));
        }
        self.backoff = (min, max);
        Ok(self)
    }

    /// The longest a server answer may block a scope (default
    /// [`DEFAULT_MAX_SERVER_WAIT`]); at most [`MAX_WINDOW`]. A longer
    /// `Retry-After` is cut to it.
    pub fn with_max_server_wait(mut self, cap: Duration) -> Self {
        self.max_server_wait = cap.min(MAX_WINDOW);
        self
    }

    /// The seed of the backoff jitter. Give each process its own so that
    /// clients throttled together do not retry together.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The default backoff range.
    pub fn default_backoff(&self) -> (Duration, Duration) {
        self.backoff
    }

    /// The cap on server-imposed waits.
    pub fn max_server_wait(&self) -> Duration {
        self.max_server_wait
    }

    /// The jitter seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

fn validate_limit(limit: RateLimit) -> Result<(), Error> {
    if limit.requests == 0 || limit.requests > MAX_REQUESTS_PER_WINDOW {
        return Err(Error::invalid(
            "throttle.limit.requests",
            format!("must be 1 to {MAX_REQUESTS_PER_WINDOW}"),
        ));
    }
    if limit.window.is_zero() || limit.window > MAX_WINDOW {
        return Err(Error::invalid(
            "throttle.limit.window",
            "must be more than zero and at most one day",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- window

/// The answer of [`Throttle::acquire`] and [`Window::acquire`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use]
pub enum Admission {
    /// Send now; the send is recorded.
    Send,
    /// Do not send; acquire again after exactly this long.
    Wait(Duration),
}

impl Admission {
    /// Whether the answer is [`Admission::Send`].
    pub fn is_send(self) -> bool {
        self == Admission::Send
    }

    /// How long to wait: zero for [`Admission::Send`].
    pub fn wait(self) -> Duration {
        match self {
            Admission::Send => Duration::ZERO,
            Admission::Wait(d) => d,
        }
    }
}

/// One scope's state: a sliding-window log of its last `N` admissions, and
/// any block or stricter limit the server imposed.
///
/// Usable on its own when a process has a single budget:
///
/// ```
/// use std::time::Duration;
/// use sparkrtc::proto::throttle::{Admission, Window};
/// use sparkrtc::ThrottleCategory;
///
/// // OBS bucket management: 2 per second.
/// let mut w = Window::new(ThrottleCategory::ObsBucketManagement.documented_limit())?;
/// let ms = Duration::from_millis;
/// assert_eq!(w.acquire(ms(0)), Admission::Send);
/// assert_eq!(w.acquire(ms(400)), Admission::Send);
/// assert_eq!(w.acquire(ms(700)), Admission::Wait(ms(300))); // the first is 1 s old at 1000 ms
/// assert_eq!(w.acquire(ms(1000)), Admission::Send);
/// assert_eq!(w.acquire(ms(1000)), Admission::Wait(ms(400)));
/// # Ok::<(), sparkrtc::Error>(())
/// ```
///
/// Size: 64 bytes plus a heap log of `8 * N` bytes, allocated once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Admission times (ns), oldest at `head` once full; `len` entries used.
    log: Box<[u64]>,
    /// The configured window (ns).
    window: u64,
    /// No admission before this time (ns): a server-imposed block.
    blocked_until: u64,
    /// The latest time seen (ns); earlier times are clamped to it.
    last: u64,
    /// The window of the server-learned constraint (ns), if `learned > 0`.
    learned_window: u64,
    len: u32,
    head: u32,
    /// At most `learned` admissions per `learned_window`; 0 for none.
    learned: u32,
}

impl Window {
    /// An empty window for `limit`. Fails when `limit` is out of the range
    /// [`ThrottleConfig::with_limit`] accepts.
    pub fn new(limit: RateLimit) -> Result<Window, Error> {
        validate_limit(limit)?;
        Ok(Window::from_valid(limit))
    }

    fn from_valid(limit: RateLimit) -> Window {
        let n = limit.requests.clamp(1, MAX_REQUESTS_PER_WINDOW);
        Window {
            log: vec![0; n as usize].into_boxed_slice(),
            window: nanos(limit.window).max(1),
            blocked_until: 0,
            last: 0,
            learned_window: 0,
            len: 0,
            head: 0,
            learned: 0,
        }
    }

    /// The configured limit.
    pub fn limit(&self) -> RateLimit {
        RateLimit {
            requests: self.capacity(),
            window: Duration::from_nanos(self.window),
        }
    }

    /// The stricter limit learned from the server, if any (see
    /// [`tighten`](Window::tighten)).
    pub fn learned_limit(&self) -> Option<RateLimit> {
        (self.learned > 0).then(|| RateLimit {
            requests: self.learned,
            window: Duration::from_nanos(self.learned_window),
        })
    }

    /// Until when the server blocked this scope, if that is after `now`.
    pub fn blocked_until(&self, now: Duration) -> Option<Duration> {
        let c = nanos(now).max(self.last);
        (self.blocked_until > c).then_some(Duration::from_nanos(self.blocked_until))
    }

    /// Heap bytes of the log: `8 * N`.
    pub fn heap_bytes(&self) -> usize {
        self.log.len() * std::mem::size_of::<u64>()
    }

    #[inline]
    fn capacity(&self) -> u32 {
        self.log.len() as u32
    }

    /// Admits and records a send at `now`, or says how long to wait.
    ///
    /// A `now` earlier than one seen before is treated as that later time
    /// (the wait is still measured from the `now` given).
    #[inline]
    pub fn acquire(&mut self, now: Duration) -> Admission {
        self.acquire_ns(nanos(now), 0)
    }

    /// [`acquire`](Window::acquire) at `raw` ns, with times clamped to at
    /// least `floor`.
    #[inline]
    fn acquire_ns(&mut self, raw: u64, floor: u64) -> Admission {
        let c = raw.max(floor).max(self.last);
        self.last = c;
        let ready = self.ready_at();
        if c >= ready {
            self.record(c);
            Admission::Send
        } else {
            Admission::Wait(Duration::from_nanos(ready - raw))
        }
    }

    /// What [`acquire`](Window::acquire) would answer at `now`, recording
    /// nothing.
    pub fn check(&self, now: Duration) -> Admission {
        self.check_ns(nanos(now), 0)
    }

    fn check_ns(&self, raw: u64, floor: u64) -> Admission {
        let c = raw.max(floor).max(self.last);
        let ready = self.ready_at();
        if c >= ready {
            Admission::Send
        } else {
            Admission::Wait(Duration::from_nanos(ready - raw))
        }
    }

    /// Blocks the scope until `now + wait` (never shortens an earlier
    /// block) and returns how long from `now` it is blocked.
    pub fn block_for(&mut self, now: Duration, wait: Duration) -> Duration {
        self.block_for_ns(nanos(now), 0, nanos(wait))
    }

    fn block_for_ns(&mut self, raw: u64, floor: u64, wait: u64) -> Duration {
        let c = raw.max(floor).max(self.last);
        self.last = c;
        let until = c.saturating_add(wait).min(MAX_TIME_NS);
        self.blocked_until = self.blocked_until.max(until);
        Duration::from_nanos(self.blocked_until - raw)
    }

    /// Adds a limit the server reported, as a second constraint on top of the
    /// configured one, when it is stricter; returns whether it was kept.
    ///
    /// A limit of `n <= N` requests per `w` is enforced exactly. A limit of
    /// more requests than the log holds (`n > N`) is enforced as `N` per
    /// `ceil(w / floor(n / N))`, which admits at most `n` in any `w`. A
    /// constraint the configured limit already implies is not kept (and
    /// replaces an earlier learned one: the server's latest word counts).
    pub fn tighten(&mut self, limit: RateLimit) -> bool {
        let n = self.capacity();
        let w = nanos(limit.window).min(nanos(MAX_WINDOW));
        if limit.requests == 0 || w == 0 {
            return false;
        }
        let (count, window) = if limit.requests <= n {
            (limit.requests, w)
        } else {
            (n, w.div_ceil(u64::from(limit.requests / n)))
        };
        // Implied by the configured limit: fewer-or-equal windows hold more.
        let implied = count >= n && window <= self.window;
        if implied {
            self.learned = 0;
            self.learned_window = 0;
            false
        } else {
            self.learned = count;
            self.learned_window = window;
            true
        }
    }

    /// Whether forgetting this window at `now` loses nothing: no admission in
    /// the last window (configured or learned), no block in force.
    pub fn is_idle(&self, now: Duration) -> bool {
        self.is_idle_at(nanos(now).max(self.last))
    }

    fn is_idle_at(&self, c: u64) -> bool {
        if self.blocked_until > c {
            return false;
        }
        match self.newest() {
            None => true,
            Some(t) => {
                let span = self.window.max(self.learned_window);
                t.saturating_add(span) <= c
            }
        }
    }

    /// Admissions at times in `(now - W, now]`, `W` being the configured window.
    pub fn in_window(&self, now: Duration) -> u32 {
        let c = nanos(now).max(self.last);
        (1..=self.len)
            .filter_map(|k| self.kth_recent(k))
            .filter(|&t| t.saturating_add(self.window) > c)
            .count() as u32
    }

    /// The earliest time a send is allowed (ns).
    #[inline]
    fn ready_at(&self) -> u64 {
        let mut ready = self.blocked_until;
        if self.len == self.capacity() {
            // Full: the oldest entry is the N-th most recent admission.
            let oldest = self.log[self.head as usize];
            ready = ready.max(oldest.saturating_add(self.window));
        }
        if self.learned > 0 {
            if let Some(t) = self.kth_recent(self.learned) {
                ready = ready.max(t.saturating_add(self.learned_window));
            }
        }
        ready
    }

    #[inline]
    fn record(&mut self, t: u64) {
        let cap = self.capacity();
        if self.len < cap {
            self.log[self.len as usize] = t;
            self.len += 1;
        } else {
            self.log[self.head as usize] = t;
            self.head += 1;
            if self.head == cap {
                self.head = 0;
            }
        }
    }

    /// The `k`-th most recent admission (`k` from 1), if there are `k`.
    fn kth_recent(&self, k: u32) -> Option<u64> {
        if k == 0 || k > self.len {
            return None;
        }
        // Not full: head is 0 and the entries are 0..len in order. Full: the
        // oldest is at head.
        let idx = (u64::from(self.head) + u64::from(self.len) - u64::from(k))
            % u64::from(self.capacity());
        self.log.get(idx as usize).copied()
    }

    fn newest(&self) -> Option<u64> {
        self.kth_recent(1)
    }
}

// ---------------------------------------------------------------- throttle

/// What a throttling answer did to a scope, from [`Throttle::on_response`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Blocked {
    /// How long from `now` the scope is blocked (the longest of this and any
    /// earlier block).
    pub wait: Duration,
    /// What this answer asked for.
    pub cause: BlockCause,
    /// Whether the wait asked for (by `Retry-After`, or the configured
    /// backoff) was longer than the
    /// [cap](ThrottleConfig::with_max_server_wait) and cut to it.
    pub capped: bool,
    /// The limit named in the `APIG.0308` message (`limit:60,time:1 minute`), if any.
    pub server_limit: Option<RateLimit>,
}

/// Where a block's length came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BlockCause {
    /// The `Retry-After` header.
    RetryAfter,
    /// No usable `Retry-After`: the default backoff with jitter.
    DefaultBackoff,
}

/// Paces calls per [`Scope`] under the configured limits; see the
/// [module documentation](self) for the guarantee and the drive loop.
///
/// ```
/// use std::time::Duration;
/// use sparkrtc::proto::throttle::{Admission, Scope, Throttle};
/// use sparkrtc::OperationId;
///
/// let mut throttle = Throttle::default();
/// let scope = Scope::of(OperationId::CreateMixJob); // 10 per second
/// let t0 = Duration::from_secs(100);
/// for _ in 0..10 {
///     assert_eq!(throttle.acquire(scope, t0), Admission::Send);
/// }
/// assert_eq!(throttle.acquire(scope, t0), Admission::Wait(Duration::from_secs(1)));
/// assert!(throttle.acquire(scope, t0 + Duration::from_secs(1)).is_send());
/// ```
///
/// Time is one clock for all scopes: a `now` earlier than one seen before (by
/// any call but [`check`](Throttle::check)) is treated as that later time,
/// while waits are still measured from the `now` given.
#[derive(Clone, Debug, Default)]
pub struct Throttle {
    config: ThrottleConfig,
    scopes: HashMap<Scope, Window, BuildHasherDefault<ScopeHasher>>,
    /// The latest time seen (ns).
    latest: u64,
}

impl Throttle {
    /// Bytes of one scope's table slot: key, [`Window`] and one control byte.
    /// Add the log, `8 * N` bytes.
    pub const SLOT_BYTES: usize = std::mem::size_of::<Scope>() + std::mem::size_of::<Window>() + 1;

    /// A throttle enforcing `config`.
    pub fn new(config: ThrottleConfig) -> Throttle {
        Throttle {
            config,
            scopes: HashMap::default(),
            latest: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ThrottleConfig {
        &self.config
    }

    /// Admits and records a send for `scope` at `now`, or says exactly how
    /// long to wait. Never more than the category's `N` admissions in any
    /// window `W` of a scope; never before a server-imposed block ends.
    #[inline]
    pub fn acquire(&mut self, scope: Scope, now: Duration) -> Admission {
        let raw = nanos(now);
        let floor = self.advance(raw);
        self.window_mut(scope).acquire_ns(raw, floor)
    }

    /// Moves the clamp to `raw` if later; returns it.
    #[inline]
    fn advance(&mut self, raw: u64) -> u64 {
        self.latest = self.latest.max(raw);
        self.latest
    }

    /// What [`acquire`](Throttle::acquire) would answer, recording nothing.
    pub fn check(&self, scope: Scope, now: Duration) -> Admission {
        match self.scopes.get(&scope) {
            Some(w) => w.check_ns(nanos(now), self.latest),
            None => Admission::Send,
        }
    }

    /// Folds a response into `scope`'s state. Call it for every response.
    ///
    /// - **429** (the gateway's `APIG.0308`): the scope is blocked until the
    ///   `Retry-After` (see [`retry_after`]), or, without a usable one, for
    ///   the default backoff (2 to 5 s, jittered by the configured seed, the
    ///   scope and `now`). Waits are cut to the configured cap. A limit
    ///   named in the message (`limit:30,time:1 minute`) that is stricter than
    ///   the configured one is added to the scope ([`Window::tighten`]).
    ///   Returns the [`Blocked`] details.
    /// - A 429 whose message names a daily (or longer) quota is
    ///   [`Error::QuotaExhausted`]: waiting seconds will not help. The scope
    ///   is left as it was.
    /// - **503 with `Retry-After`**: the scope is blocked until then, as above.
    /// - Anything else: `Ok(None)`, nothing changes (the body is not read).
    pub fn on_response(
        &mut self,
        scope: Scope,
        now: Duration,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Option<Blocked>, Error> {
        let throttled = status == StatusCode::TOO_MANY_REQUESTS;
        if !throttled && status != StatusCode::SERVICE_UNAVAILABLE {
            return Ok(None);
        }
        let requested = retry_after(headers);
        let mut server_limit = None;
        if throttled {
            let error = ApiError::from_response(status, headers, body);
            if let Some(msg) = error.error_msg.as_deref() {
                if is_quota_message(msg) {
                    return Err(Error::QuotaExhausted(Box::new(error)));
                }
                server_limit = parse_limit_message(msg);
            }
        } else if requested.is_none() {
            return Ok(None);
        }

        let cap = self.config.max_server_wait;
        let (wait, cause) = match requested {
            Some(d) => (d, BlockCause::RetryAfter),
            None => (self.default_backoff(scope, now), BlockCause::DefaultBackoff),
        };
        let capped = wait > cap;
        let raw = nanos(now);
        let floor = self.advance(raw);
        let window = self.window_mut(scope);
        if let Some(limit) = server_limit {
            window.tighten(limit);
        }
        let wait = window.block_for_ns(raw, floor, nanos(wait.min(cap)));
        Ok(Some(Blocked {
            wait,
            cause,
            capped,
            server_limit,
        }))
    }

    /// The default backoff for `scope` at `now`: uniform in the configured
    /// range, from the seed, the scope and the time.
    fn default_backoff(&self, scope: Scope, now: Duration) -> Duration {
        let (lo, hi) = self.config.backoff;
        let mut h = ScopeHasher(self.config.seed);
        scope.hash(&mut h);
        h.write_u64(nanos(now));
        let r = splitmix64(h.finish());
        Duration::from_nanos(uniform(r, nanos(lo), nanos(hi)))
    }

    /// Forgets every scope that is idle at `now` ([`Window::is_idle`]) and
    /// returns how many. Forgetting an idle scope changes no future answer,
    /// except that a limit learned from the server is forgotten too.
    pub fn prune(&mut self, now: Duration) -> usize {
        let c = self.advance(nanos(now));
        let before = self.scopes.len();
        self.scopes.retain(|_, w| !w.is_idle_at(c.max(w.last)));
        before - self.scopes.len()
    }

    /// Forgets `scope` entirely; returns whether it was known.
    pub fn forget(&mut self, scope: Scope) -> bool {
        self.scopes.remove(&scope).is_some()
    }

    /// `scope`'s state, if it has been used.
    pub fn window(&self, scope: Scope) -> Option<&Window> {
        self.scopes.get(&scope)
    }

    /// How many scopes have state.
    pub fn len(&self) -> usize {
        self.scopes.len()
    }

    /// Whether no scope has state.
    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    /// Bytes held, estimated from the layout of std's hash table (a power of
    /// two of slots, at most 7/8 of them used, [`SLOT_BYTES`](Self::SLOT_BYTES)
    /// each): the slots, spare ones included, and the logs.
    pub fn memory_bytes(&self) -> usize {
        let capacity = self.scopes.capacity();
        let slots = if capacity == 0 {
            0
        } else {
            (capacity.saturating_mul(8) / 7).next_power_of_two()
        };
        let logs: usize = self.scopes.values().map(Window::heap_bytes).sum();
        slots.saturating_mul(Self::SLOT_BYTES).saturating_add(logs)
    }

    #[inline]
    fn window_mut(&mut self, scope: Scope) -> &mut Window {
        let config = &self.config;
        self.scopes
            .entry(scope)
            .or_insert_with(|| Window::from_valid(config.limit(scope.category)))
    }
}

// ---------------------------------------------------------------- parsing

/// The wait a response's `Retry-After` header asks for (RFC 9110 §10.2.3).
///
/// - delta-seconds (`120`): that many seconds (values too large for a
///   `u64` saturate);
/// - an HTTP-date in any of the three formats (IMF-fixdate
///   `Sun, 06 Nov 1994 08:49:37 GMT`, obsolete RFC 850
///   `Sunday, 06-Nov-94 08:49:37 GMT`, asctime `Sun Nov  6 08:49:37 1994`):
///   the time from the response's `Date` header to it, zero if it is earlier.
///   Without a valid `Date` there is no reference (this crate reads no
///   clock), so the date is not used: `None`.
///
/// Malformed values are ignored. With several values, the longest wait wins;
/// with several `Date` headers, the earliest. Uncapped: [`Throttle`] caps.
///
/// ```
/// use std::time::Duration;
/// use http::HeaderMap;
/// use sparkrtc::proto::throttle::retry_after;
///
/// let mut h = HeaderMap::new();
/// h.insert("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap());
/// assert_eq!(retry_after(&h), None); // no Date to measure from
/// h.insert("date", "Sun, 06 Nov 1994 08:49:30 GMT".parse().unwrap());
/// assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
/// h.insert("retry-after", "3".parse().unwrap());
/// assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
/// ```
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let mut date: Option<Option<SystemTime>> = None;
    let mut best: Option<Duration> = None;
    for value in headers.get_all(http::header::RETRY_AFTER) {
        let Ok(text) = value.to_str() else { continue };
        let text = text.trim_matches(|c: char| c == ' ' || c == '\t');
        let wait = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            Some(Duration::from_secs(parse_digits(text)))
        } else if let Ok(at) = httpdate::parse_http_date(text) {
            let reference = *date.get_or_insert_with(|| response_date(headers));
            reference.map(|d| at.duration_since(d).unwrap_or(Duration::ZERO))
        } else {
            None
        };
        if let Some(wait) = wait {
            best = Some(best.map_or(wait, |b| b.max(wait)));
        }
    }
    best
}

/// The earliest valid `Date` header.
fn response_date(headers: &HeaderMap) -> Option<SystemTime> {
    headers
        .get_all(http::header::DATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|s| httpdate::parse_http_date(s.trim()).ok())
        .min()
}

/// A run of ASCII digits as a number, saturating.
fn parse_digits(digits: &str) -> u64 {
    digits.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    })
}

/// The limit named in an `APIG.0308` message, e.g.
/// `The throttling threshold has been reached: policy user over
/// ratelimit,limit:60,time:1 minute` gives 60 per minute.
///
/// Reads `limit:N` and `time:[T ]UNIT` case-insensitively, with optional
/// spaces; `T` defaults to 1; `UNIT` is one of `ms`, `s`/`sec`/`second`,
/// `m`/`min`/`minute`, `h`/`hour`, `d`/`day`, `w`/`week`, `month` (30 days),
/// `y`/`year` (365 days), singular or plural. Numbers saturate. `None` when
/// either part is missing or unreadable.
///
/// ```
/// use std::time::Duration;
/// use sparkrtc::proto::throttle::parse_limit_message;
/// use sparkrtc::RateLimit;
///
/// let msg = "The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute";
/// assert_eq!(
///     parse_limit_message(msg),
///     Some(RateLimit { requests: 60, window: Duration::from_secs(60) })
/// );
/// assert_eq!(parse_limit_message("too many requests"), None);
/// ```
pub fn parse_limit_message(message: &str) -> Option<RateLimit> {
    let lower = message.to_ascii_lowercase();
    // The first `limit:` followed by a number (`ratelimit:` may come first).
    let (after_limit, digits) = lower.match_indices("limit:").find_map(|(at, key)| {
        let rest = lower[at + key.len()..].trim_start();
        let digits = leading_digits(rest);
        (!digits.is_empty()).then_some((at, digits))
    })?;
    let requests = u32::try_from(parse_digits(digits)).unwrap_or(u32::MAX);
    // The `time:` after it, or any.
    let rest = after_key(&lower[after_limit..], "time:").or_else(|| after_key(&lower, "time:"))?;
    let digits = leading_digits(rest);
    let count = if digits.is_empty() {
        1
    } else {
        parse_digits(digits)
    };
    let unit_text = rest[digits.len()..].trim_start();
    let unit_len = unit_text
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .count();
    let unit = unit_seconds(&unit_text[..unit_len])?;
    let window = match unit {
        Unit::Millis => Duration::from_millis(count),
        Unit::Secs(s) => Duration::from_secs(count.saturating_mul(s)),
    };
    Some(RateLimit { requests, window })
}

/// The text after the first `key`, spaces skipped.
fn after_key<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let at = text.find(key)?;
    Some(text[at + key.len()..].trim_start())
}

fn leading_digits(text: &str) -> &str {
    let n = text.bytes().take_while(u8::is_ascii_digit).count();
    &text[..n]
}

enum Unit {
    Millis,
    Secs(u64),
}

fn unit_seconds(unit: &str) -> Option<Unit> {
    const DAY: u64 = 24 * 60 * 60;
    let unit = match unit {
        "ms" | "millisecond" | "milliseconds" => return Some(Unit::Millis),
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 60 * 60,
        "d" | "day" | "days" => DAY,
        "w" | "week" | "weeks" => 7 * DAY,
        "mon" | "month" | "months" => 30 * DAY,
        "y" | "year" | "years" => 365 * DAY,
        _ => return None,
    };
    Some(Unit::Secs(unit))
}

/// Whether a throttling message names a daily (or longer) quota rather than a
/// rate: it says `daily`, `per day` or `quota`, or its `limit:N,time:T UNIT`
/// period is a day or longer (`time:1 day`, `time:24 hour`). Waiting seconds
/// does not help against those. Case-insensitive.
///
/// ```
/// use sparkrtc::proto::throttle::is_quota_message;
///
/// assert!(is_quota_message("The throttling threshold has been reached: policy user over ratelimit,limit:1000,time:1 day"));
/// assert!(is_quota_message("Daily API quota exhausted"));
/// assert!(!is_quota_message("The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute"));
/// ```
pub fn is_quota_message(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    if lower.contains("daily") || lower.contains("per day") || lower.contains("quota") {
        return true;
    }
    matches!(parse_limit_message(message), Some(limit) if limit.window >= MAX_WINDOW)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_as_documented() {
        assert_eq!(std::mem::size_of::<Scope>(), 16);
        assert_eq!(std::mem::size_of::<Window>(), 64);
        assert_eq!(Throttle::SLOT_BYTES, 81);
    }

    #[test]
    fn splitmix_matches_reference() {
        // First outputs of the reference SplitMix64 generator seeded with 0:
        // state advances by the golden gamma, output = mix(state).
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(0x9E37_79B9_7F4A_7C15), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn uniform_covers_its_range() {
        assert_eq!(uniform(0, 5, 9), 5);
        assert_eq!(uniform(u64::MAX, 5, 9), 9);
        assert_eq!(uniform(u64::MAX, 7, 7), 7);
        assert_eq!(uniform(u64::MAX, 9, 3), 9);
        assert_eq!(uniform(u64::MAX, 0, u64::MAX), u64::MAX);
    }

    #[test]
    fn nanos_saturates() {
        assert_eq!(nanos(Duration::MAX), MAX_TIME_NS);
        assert_eq!(nanos(Duration::new(1, 5)), 1_000_000_005);
    }

    #[test]
    fn kth_recent_follows_the_ring() {
        let mut w = Window::from_valid(RateLimit {
            requests: 3,
            window: Duration::from_nanos(10),
        });
        for t in [1u64, 2, 3, 11, 12] {
            assert_eq!(w.acquire(Duration::from_nanos(t)), Admission::Send, "{t}");
        }
        assert_eq!(w.kth_recent(1), Some(12));
        assert_eq!(w.kth_recent(2), Some(11));
        assert_eq!(w.kth_recent(3), Some(3));
        assert_eq!(w.kth_recent(4), None);
        assert_eq!(w.kth_recent(0), None);
    }
}
