//! What a simulator accepts and how it behaves: credentials, project, seed,
//! clock, rate limits, job timing, caps on what it stores and serves.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::time::{Clock, SystemClock, VirtualClock};
use crate::transport::Transport;
use crate::Secret;

use super::callbacks::CallbackTransport;
use super::faults::FaultRule;

/// The access key a default configuration accepts.
pub const DEFAULT_ACCESS_KEY: &str = "SIMULATORAK0000000000";
/// The secret key of [`DEFAULT_ACCESS_KEY`].
pub const DEFAULT_SECRET_KEY: &str = "simulator-secret-key";
/// The project id a default configuration serves.
pub const DEFAULT_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
/// How many applications an account may have (the service's default quota).
pub const DEFAULT_MAX_APPS: usize = 20;
/// How long a new recording job stays `INIT` before it is `RUNNING`.
pub const DEFAULT_JOB_START_DELAY: Duration = Duration::from_secs(1);

/// Caps on what a simulator stores, so that no client can make it grow
/// without bound. Past a cap, requests that would add more are refused with
/// a clear error (or, for logs, the oldest entries are dropped).
///
/// ```
/// use sparkrtc::simulator::{Limits, SimulatorConfig};
///
/// let limits = Limits { max_jobs: 100, ..Limits::default() };
/// let config = SimulatorConfig::default().with_limits(limits);
/// assert_eq!(config.limits().max_jobs, 100);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Recording rules per application (default 100).
    pub max_rules_per_app: usize,
    /// Recording jobs kept (default 10,000). When full, the oldest stopped
    /// jobs are forgotten first; when every kept job is still running, new
    /// jobs are refused.
    pub max_jobs: usize,
    /// Rooms kept (default 10,000); the oldest closed rooms are forgotten
    /// first.
    pub max_rooms: usize,
    /// Users in one room at once (default 1,000).
    pub max_users_per_room: usize,
    /// Stays (joins) and periods of use one room remembers, for the
    /// statistics (default 10,000); the oldest that ended are forgotten.
    pub max_sessions_per_room: usize,
    /// Files one job writes (default 1,000): a job that would write more
    /// stops with `INTERNAL_ERROR`.
    pub max_files_per_job: usize,
    /// Objects in one simulated bucket (default 100,000); the oldest are
    /// dropped.
    pub max_objects_per_bucket: usize,
    /// Entries of the request log (default 10,000); the oldest are dropped.
    pub max_log_entries: usize,
    /// Entries of the callback log (default 10,000); the oldest are dropped.
    pub max_callback_log: usize,
    /// Callback events waiting to be posted (default 1,000): past it, the
    /// oldest waiting are dropped and logged as
    /// [`DeliveryOutcome::Dropped`](super::DeliveryOutcome::Dropped).
    pub max_callback_queue: usize,
    /// Fault rules at once (default 100).
    pub max_fault_rules: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_rules_per_app: 100,
            max_jobs: 10_000,
            max_rooms: 10_000,
            max_users_per_room: 1_000,
            max_sessions_per_room: 10_000,
            max_files_per_job: 1_000,
            max_objects_per_bucket: 100_000,
            max_log_entries: 10_000,
            max_callback_log: 10_000,
            max_callback_queue: 1_000,
            max_fault_rules: 100,
        }
    }
}

/// How a [served](super::Simulator::serve) simulator treats connections:
/// how many it serves at once and how long and how much it reads from each.
/// A client that breaks a limit gets the documented error shape (or, for a
/// client too slow to send its request, a closed connection) and the
/// others go on being served.
///
/// ```
/// use std::time::Duration;
/// use sparkrtc::simulator::{ServerLimits, SimulatorConfig};
///
/// let limits = ServerLimits { workers: 4, header_timeout: Duration::from_secs(2), ..ServerLimits::default() };
/// let config = SimulatorConfig::default().with_server_limits(limits);
/// assert_eq!(config.server_limits().workers, 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// Threads that run requests (default 16). One more thread reads and
    /// writes every connection without blocking, so a connection holds a
    /// worker only while its request is handled: idle, slow-sending and
    /// slow-reading clients hold none.
    pub workers: usize,
    /// Connections open at once (default 1,024): past it, new connections
    /// are answered 503 and closed.
    pub max_connections: usize,
    /// The longest a client may take to send a request's head, from its
    /// first byte (default 10 s): a client sending a byte a second does not
    /// hold a worker longer.
    pub header_timeout: Duration,
    /// The longest a client may take to send a request's body (default
    /// 30 s).
    pub body_timeout: Duration,
    /// How long a kept-alive connection may stay idle between requests
    /// (default 30 s).
    pub idle_timeout: Duration,
    /// The longest one write of an answer may block (default 10 s).
    pub write_timeout: Duration,
    /// Header fields in one request (default 100): more is 431.
    pub max_headers: usize,
    /// Bytes of a request's head, request line and headers (default
    /// 64 KiB): more is 431 (414 when the request line alone is longer).
    pub max_head_bytes: usize,
    /// Bytes of a request body (default 12 MiB, the gateway's): more is 413.
    /// Bodies being read or answered at once are bounded by four times
    /// this; a request that would go past it is answered 503.
    pub max_body_bytes: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            workers: 16,
            max_connections: 1_024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(10),
            max_headers: 100,
            max_head_bytes: 64 * 1024,
            max_body_bytes: 12 * 1024 * 1024,
        }
    }
}

/// What a [`Simulator`](super::Simulator) accepts and how it behaves. Build
/// it from [`Default`] with the `with_*` methods.
///
/// ```
/// use std::time::Duration;
/// use sparkrtc::simulator::SimulatorConfig;
///
/// let config = SimulatorConfig::default()
///     .with_credentials([("MY-AK", "MY-SK")])
///     .with_token("my-iam-token")
///     .with_seed(7)
///     .with_job_start_delay(Duration::ZERO);
/// assert_eq!(config.access_keys().collect::<Vec<_>>(), ["MY-AK"]);
/// assert_eq!(config.seed(), 7);
/// assert!(config.rate_limits());
/// ```
#[derive(Clone)]
pub struct SimulatorConfig {
    pub(super) credentials: Vec<(String, Secret)>,
    pub(super) tokens: Vec<Secret>,
    pub(super) project_id: String,
    pub(super) seed: u64,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) virtual_clock: Option<VirtualClock>,
    pub(super) rate_limits: bool,
    pub(super) job_start_delay: Duration,
    pub(super) max_apps: usize,
    pub(super) limits: Limits,
    pub(super) server_limits: ServerLimits,
    pub(super) faults: Vec<FaultRule>,
    pub(super) callback_transport: Option<CallbackTransport>,
}

impl Default for SimulatorConfig {
    /// One AK/SK pair ([`DEFAULT_ACCESS_KEY`], [`DEFAULT_SECRET_KEY`]), no
    /// tokens, [`DEFAULT_PROJECT_ID`], seed 0, the [`SystemClock`], rate
    /// limits on, [`DEFAULT_JOB_START_DELAY`], [`DEFAULT_MAX_APPS`], the
    /// default [`Limits`] and [`ServerLimits`], no fault rules, callbacks
    /// posted with the crate's ureq transport.
    fn default() -> Self {
        SimulatorConfig {
            credentials: vec![(
                DEFAULT_ACCESS_KEY.to_owned(),
                Secret::new(DEFAULT_SECRET_KEY),
            )],
            tokens: Vec::new(),
            project_id: DEFAULT_PROJECT_ID.to_owned(),
            seed: 0,
            clock: Arc::new(SystemClock::new()),
            virtual_clock: None,
            rate_limits: true,
            job_start_delay: DEFAULT_JOB_START_DELAY,
            max_apps: DEFAULT_MAX_APPS,
            limits: Limits::default(),
            server_limits: ServerLimits::default(),
            faults: Vec::new(),
            callback_transport: None,
        }
    }
}

impl fmt::Debug for SimulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorConfig")
            .field("access_keys", &self.access_keys().collect::<Vec<_>>())
            .field("tokens", &self.tokens.len())
            .field("project_id", &self.project_id)
            .field("seed", &self.seed)
            .field("virtual_clock", &self.virtual_clock.is_some())
            .field("rate_limits", &self.rate_limits)
            .field("job_start_delay", &self.job_start_delay)
            .field("max_apps", &self.max_apps)
            .field("limits", &self.limits)
            .field("server_limits", &self.server_limits)
            .field("faults", &self.faults.len())
            .field(
                "callback_transport",
                &if self.callback_transport.is_some() {
                    "custom"
                } else {
                    "ureq"
                },
            )
            .finish_non_exhaustive()
    }
}

impl SimulatorConfig {
    /// Accepts exactly these AK/SK pairs (replacing the default pair).
    pub fn with_credentials<I, A, S>(mut self, pairs: I) -> Self
    where
        I: IntoIterator<Item = (A, S)>,
        A: Into<String>,
        S: Into<Secret>,
    {
        self.credentials = pairs
            .into_iter()
            .map(|(a, s)| (a.into(), s.into()))
            .collect();
        self
    }

    /// Accepts one more AK/SK pair.
    pub fn with_credential(mut self, ak: impl Into<String>, sk: impl Into<Secret>) -> Self {
        self.credentials.push((ak.into(), sk.into()));
        self
    }

    /// Accepts one more IAM token (`X-Auth-Token`).
    pub fn with_token(mut self, token: impl Into<Secret>) -> Self {
        self.tokens.push(token.into());
        self
    }

    /// The project served.
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = project_id.into();
        self
    }

    /// The seed of ids, keys, statistical data and fault draws.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The clock: the only source of time the simulator reads.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self.virtual_clock = None;
        self
    }

    /// A virtual clock, which the simulator reads and which its control
    /// plane can also set and advance (`/_sparkrtc/clock`). Share it with a
    /// [`Client`](crate::client::Client) in the same process so that both
    /// live in the same time; in a served simulator on its own, make it
    /// with [`VirtualClock::unattended`], so that time moves only when the
    /// control plane (or a latency fault) moves it.
    pub fn with_virtual_clock(mut self, clock: VirtualClock) -> Self {
        self.clock = Arc::new(clock.clone());
        self.virtual_clock = Some(clock);
        self
    }

    /// Whether the documented rate limits are enforced.
    pub fn with_rate_limits(mut self, enforce: bool) -> Self {
        self.rate_limits = enforce;
        self
    }

    /// How long a new recording job stays `INIT` before it is `RUNNING`.
    pub fn with_job_start_delay(mut self, delay: Duration) -> Self {
        self.job_start_delay = delay;
        self
    }

    /// How many applications may exist at once.
    pub fn with_max_apps(mut self, max: usize) -> Self {
        self.max_apps = max;
        self
    }

    /// Caps on what the simulator stores.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How a served simulator treats connections.
    pub fn with_server_limits(mut self, limits: ServerLimits) -> Self {
        self.server_limits = limits;
        self
    }

    /// A fault rule in force from the start (and again after a reset).
    pub fn with_fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }

    /// What posts recording callbacks (default: the crate's
    /// [`UreqTransport`](crate::transport::UreqTransport) with
    /// [`CALLBACK_TIMEOUT`](super::CALLBACK_TIMEOUT), to loopback URLs
    /// only). A transport given here receives every callback, whatever its
    /// URL: a test can pass a closure to see them without sockets.
    pub fn with_callback_transport(
        mut self,
        transport: impl Transport + Send + Sync + 'static,
    ) -> Self {
        self.callback_transport = Some(Arc::new(transport));
        self
    }

    /// The access keys accepted.
    pub fn access_keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.credentials.iter().map(|(ak, _)| ak.as_str())
    }

    /// The project served.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The virtual clock, when the simulator runs on one.
    pub fn virtual_clock(&self) -> Option<&VirtualClock> {
        self.virtual_clock.as_ref()
    }

    /// Whether rate limits are enforced.
    pub fn rate_limits(&self) -> bool {
        self.rate_limits
    }

    /// How long a new job stays `INIT`.
    pub fn job_start_delay(&self) -> Duration {
        self.job_start_delay
    }

    /// How many applications may exist at once.
    pub fn max_apps(&self) -> usize {
        self.max_apps
    }

    /// Caps on what the simulator stores.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// How a served simulator treats connections.
    pub fn server_limits(&self) -> &ServerLimits {
        &self.server_limits
    }

    /// The fault rules in force from the start.
    pub fn faults(&self) -> &[FaultRule] {
        &self.faults
    }
}
