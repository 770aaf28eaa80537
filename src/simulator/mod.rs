//! An offline SparkRTC: the REST API simulated in memory, for tests and
//! demos without an account, a network or a bill (feature `simulator`).
//!
//! A [`Simulator`] answers requests as the service and its API gateway
//! would: it checks `SDK-HMAC-SHA256` signatures (or IAM tokens), routes and
//! validates parameters as the client does, enforces the documented rate
//! limits per account, and keeps applications, recording rules, recording
//! jobs, rooms and OBS buckets. Statistical queries answer plausible numbers
//! derived from the seed, the application and the time range. Everything
//! depends only on the [configuration](SimulatorConfig) (its seed and its
//! [`Clock`]) and the requests: the same run gives the same ids, request ids
//! and bodies.
//!
//! It is a [`Transport`], so a [`Client`](crate::client::Client) can talk to
//! it with no sockets; with a [`VirtualClock`](crate::time::VirtualClock)
//! shared by both, throttle waits and job start delays take no real time.
//! [`Simulator::serve`] serves it over HTTP on loopback for any other client
//! (curl, the official SDKs); the `sparkrtc-simulator` binary does that from
//! the command line.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! use sparkrtc::client::Client;
//! use sparkrtc::model::{AppReq, JobState, EncodeTemplate, MixJobReq, MixParam};
//! use sparkrtc::ops::{CreateApp, CreateMixJob, ShowMixJob};
//! use sparkrtc::simulator::{Simulator, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY};
//! use sparkrtc::time::{Clock, VirtualClock};
//! use sparkrtc::{Credentials, Endpoint};
//!
//! let clock = VirtualClock::new(UNIX_EPOCH + Duration::from_secs(1_704_164_645));
//! let sim = Simulator::new(SimulatorConfig::default().with_clock(Arc::new(clock.clone())));
//! let client = Client::builder(sim.clone())
//!     .endpoint(Endpoint::new("http://sim.local")?.with_project_id(sim.config().project_id())?)
//!     .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY)?)
//!     .clock(Arc::new(clock.clone()))
//!     .build()?;
//!
//! let app_id = client.call(&CreateApp::new(AppReq::new("demo")))?.body.app_id.unwrap();
//! let job = CreateMixJob::new(&app_id, MixJobReq::new(MixParam::new("room-1", EncodeTemplate::AudioOnly)));
//! let job_id = client.call(&job)?.body.job_id.unwrap();
//! assert_eq!(client.call(&ShowMixJob::new(&app_id, &job_id))?.state, Some(JobState::Init));
//! clock.sleep(Duration::from_secs(1)); // the job starts after 1 s
//! assert_eq!(client.call(&ShowMixJob::new(&app_id, &job_id))?.state, Some(JobState::Running));
//! # Ok::<(), sparkrtc::Error>(())
//! ```
//!
//! # Behaviour
//!
//! Each request goes through the gateway's steps, in order:
//!
//! 1. **Route**: an unknown method and path is 404 `APIGW.0101`.
//! 2. **Authenticate**: an `X-Auth-Token` must be a configured token; else
//!    the `Authorization` signature must verify under a configured AK/SK
//!    pair, with an `X-Sdk-Date` within 15 minutes of the clock's wall time.
//!    Failures are 401 `APIGW.0301`.
//! 3. **Project**: an `X-Project-Id` header or a `/v1/{project_id}` path
//!    naming another project than the configured one is 403 `APIGW.0302`.
//! 4. **Rate limit**: per account (AK or token) and documented category, a
//!    sliding window like the client's; over the limit is 429 `APIG.0308`.
//!    Only admitted requests count.
//! 5. **Parameters**, read as the client checks them: 400 `RTC.00001005`
//!    (missing), `RTC.00001003` (invalid), `RTC.00001002` (malformed body).
//! 6. **The operation**. An unknown application, rule or job is 404
//!    `RTC.00001003`, as the API reference's examples answer.
//!
//! Every answer carries `X-Request-Id`, `Content-Type:
//! application/json;charset=UTF-8` and `Date`; errors have the body
//! `{"error_code": "...", "error_msg": "..."}`.
//!
//! # Recording callbacks
//!
//! As the service does, the simulator POSTs an event to the record-callback
//! URL of the application (`UpdateRecordCallback`) when a recording job
//! starts a file (`RECORD_NEW_FILE_START`), completes it
//! (`RECORD_FILE_COMPLETE`, with the file's fields) and ends
//! (`CLOUD_RECORD_SERVER_OVER`), signed with the callback's `auth_key` when
//! it has one, as [`callback::Verifier`](crate::callback::Verifier) checks.
//! It contacts **loopback URLs only** (`127.0.0.0/8`, `[::1]`,
//! `localhost`): events for any other URL are dropped and logged as
//! [`DeliveryOutcome::NotLoopback`]. A [served](Simulator::serve) simulator
//! delivers them on its own; in memory, call
//! [`Simulator::deliver_callbacks`]. [`Simulator::callback_log`] lists what
//! was sent and how the receiver answered; nothing is retried.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! use sparkrtc::callback::{CallbackEvent, Verifier};
//! use sparkrtc::http::{Request, Response};
//! use sparkrtc::model::*;
//! use sparkrtc::ops::*;
//! use sparkrtc::simulator::{Simulator, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY};
//! use sparkrtc::time::{Clock, VirtualClock};
//! use sparkrtc::transport::TransportError;
//! use sparkrtc::{Credentials, Endpoint};
//!
//! let key = "0123456789abcdef0123456789abcdef";
//! let clock = VirtualClock::new(UNIX_EPOCH + Duration::from_secs(1_704_164_645));
//! // Instead of real POSTs (the default), keep the requests.
//! let posted = Arc::new(Mutex::new(Vec::new()));
//! let sink = Arc::clone(&posted);
//! let receiver = move |request: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, TransportError> {
//!     sink.lock().unwrap().push(request);
//!     Ok(sparkrtc::callback::acknowledgement())
//! };
//! let config = SimulatorConfig::default()
//!     .with_clock(Arc::new(clock.clone()))
//!     .with_callback_transport(receiver);
//! let sim = Simulator::new(config);
//! let client = sparkrtc::client::Client::builder(sim.clone())
//!     .endpoint(Endpoint::new("http://sim.local")?.with_project_id(sim.config().project_id())?)
//!     .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY)?)
//!     .clock(Arc::new(clock.clone()))
//!     .build()?;
//!
//! let app_id = client.call(&CreateApp::new(AppReq::new("demo")))?.body.app_id.unwrap();
//! let callback = AppCallbackUrlReq::new("http://127.0.0.1:8080/cb").auth_key(key);
//! client.call(&UpdateRecordCallback::new(&app_id, callback))?;
//! let obs = RecordObsFileAddr::new("cn-north-4", "obs-project", "sparkrtc-record");
//! let rule = RecordRuleReq::new(obs, vec![RecordFormat::Mp4]).mp4_config(Mp4RecordConfig::new(60u32));
//! let rule_id = client.call(&CreateRecordRule::new(&app_id, rule))?.body.rule_id.unwrap();
//! let job = MixJobReq::new(MixParam::new("room-1", EncodeTemplate::AudioOnly))
//!     .record_param(RecordParam::new(&rule_id));
//! let job_id = client.call(&CreateMixJob::new(&app_id, job))?.body.job_id.unwrap();
//! clock.sleep(Duration::from_secs(1)); // the job starts, and its file
//! assert_eq!(sim.deliver_callbacks().len(), 1);
//!
//! let request = posted.lock().unwrap().remove(0);
//! let event = Verifier::new(key)?.verify_request(&request, clock.wall())?;
//! assert!(matches!(event, CallbackEvent::FileStarted(ref e) if e.job_id.as_deref() == Some(job_id.as_str())));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod auth;
mod callbacks;
mod handlers;
mod server;
mod state;
mod stats;
mod util;

use std::fmt;
use std::io;
use std::net::ToSocketAddrs;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use http::header::{HeaderValue, CONTENT_TYPE, DATE};
use http::{Method, Request, Response, StatusCode};

use crate::dynamic::{self, RequestError};
use crate::headers::{JSON_CONTENT_TYPE, X_PROJECT_ID, X_REQUEST_ID};
use crate::throttle::{Admission, RateLimit, Window};
use crate::time::{Clock, SystemClock};
use crate::transport::{Transport, TransportError};
use crate::{OperationId, Secret};

pub use callbacks::{CallbackTransport, Delivery, DeliveryOutcome, CALLBACK_TIMEOUT};
pub use server::SimulatorServer;
pub use state::{CallbackEvent, CallbackEventKind};

use handlers::{Ctx, Reply};
use state::{IdKind, Stamp, State};
use util::Fail;

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

/// The error codes the simulator answers with.
mod codes {
    /// 404: no such API.
    pub(super) const APIGW_NO_ROUTE: &str = "APIGW.0101";
    /// 401: authentication failed.
    pub(super) const APIGW_AUTH: &str = "APIGW.0301";
    /// 403: not authorized for the project.
    pub(super) const APIGW_FORBIDDEN: &str = "APIGW.0302";
    /// 413 and other malformed requests.
    pub(super) const APIGW_REQUEST: &str = "APIGW.0201";
    /// 429: throttled.
    pub(super) const APIG_THROTTLED: &str = "APIG.0308";
    /// MalformedRequestBody.
    pub(super) const MALFORMED_BODY: &str = "RTC.00001002";
    /// InvalidParameterValue.
    pub(super) const INVALID_PARAMETER: &str = "RTC.00001003";
    /// MissingParameter.
    pub(super) const MISSING_PARAMETER: &str = "RTC.00001005";
    /// JobDone.
    pub(super) const JOB_DONE: &str = "RTC.00001009";
    /// AppDeactivation.
    pub(super) const APP_DEACTIVATION: &str = "RTC.00001016";
    /// AppsExceed.
    pub(super) const APPS_EXCEED: &str = "RTC.00001017";
    /// RecordRuleExist.
    pub(super) const RECORD_RULE_EXIST: &str = "RTC.00001019";
    /// AppExist.
    pub(super) const APP_EXIST: &str = "RTC.00001020";
    /// InternalError.
    pub(super) const INTERNAL: &str = "RTC.00002001";
}

/// What a [`Simulator`] accepts and how it behaves. Build it from
/// [`Default`] with the `with_*` methods.
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
    credentials: Vec<(String, Secret)>,
    tokens: Vec<Secret>,
    project_id: String,
    seed: u64,
    clock: Arc<dyn Clock>,
    rate_limits: bool,
    job_start_delay: Duration,
    max_apps: usize,
    callback_transport: Option<CallbackTransport>,
}

impl Default for SimulatorConfig {
    /// One AK/SK pair ([`DEFAULT_ACCESS_KEY`], [`DEFAULT_SECRET_KEY`]), no
    /// tokens, [`DEFAULT_PROJECT_ID`], seed 0, the [`SystemClock`], rate
    /// limits on, [`DEFAULT_JOB_START_DELAY`], [`DEFAULT_MAX_APPS`],
    /// callbacks posted with the crate's ureq transport.
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
            rate_limits: true,
            job_start_delay: DEFAULT_JOB_START_DELAY,
            max_apps: DEFAULT_MAX_APPS,
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
            .field("rate_limits", &self.rate_limits)
            .field("job_start_delay", &self.job_start_delay)
            .field("max_apps", &self.max_apps)
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

    /// The seed of ids, keys and statistical data.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The clock: the only source of time the simulator reads.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
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

    /// What posts recording callbacks (default: the crate's
    /// [`UreqTransport`](crate::transport::UreqTransport) with
    /// [`CALLBACK_TIMEOUT`]). Only callbacks to loopback URLs reach it,
    /// whatever it is; a test can pass a closure to see them without
    /// sockets.
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
}

/// One request the simulator answered, from [`Simulator::request_log`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// When it was answered, on the clock's monotonic scale.
    pub at: Duration,
    /// The `X-Request-Id` of the answer.
    pub request_id: String,
    /// The method.
    pub method: Method,
    /// The path (without the query).
    pub path: String,
    /// The operation, when the route is known.
    pub operation: Option<OperationId>,
    /// The status answered.
    pub status: StatusCode,
    /// The access key the `Authorization` header names, whether or not its
    /// signature verified; `None` for tokens and unsigned requests.
    pub access_key: Option<String>,
    /// The `error_code` answered, for errors.
    pub error_code: Option<String>,
}

/// The simulated service; see the [module documentation](self).
///
/// Cheap to clone: clones share one state. `Send + Sync`.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: SimulatorConfig,
    state: Mutex<State>,
    /// Held while callbacks are posted, so that they go out in order; never
    /// with the state lock.
    delivering: Mutex<()>,
    /// Every callback sent or refused.
    deliveries: Mutex<Vec<Delivery>>,
    /// Made on the first callback.
    callback_transport: OnceLock<CallbackTransport>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Default for Simulator {
    fn default() -> Self {
        Simulator::new(SimulatorConfig::default())
    }
}

impl Simulator {
    /// A fresh service: no applications, the seeded OBS buckets.
    pub fn new(config: SimulatorConfig) -> Self {
        let state = State::new(config.seed, config.clock.wall());
        Simulator {
            inner: Arc::new(Inner {
                config,
                state: Mutex::new(state),
                delivering: Mutex::new(()),
                deliveries: Mutex::new(Vec::new()),
                callback_transport: OnceLock::new(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SimulatorConfig {
        &self.inner.config
    }

    /// The clock's monotonic time.
    pub fn now(&self) -> Duration {
        self.inner.config.clock.now()
    }

    /// The clock's wall time (what `Date` headers say).
    pub fn wall(&self) -> SystemTime {
        self.inner.config.clock.wall()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Every request answered so far, in order.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.lock().log.clone()
    }

    /// How many requests were refused with 429 so far.
    pub fn throttled_count(&self) -> u64 {
        self.lock().throttled
    }

    /// How many applications exist.
    pub fn app_count(&self) -> usize {
        self.lock().apps.len()
    }

    /// The recording callback events that are due by now and were not
    /// collected before: files started and completed, and jobs over, in
    /// order, for a caller that sends them itself.
    /// [`deliver_callbacks`](Self::deliver_callbacks) (which a served
    /// simulator runs on its own) takes the same events and posts them: use
    /// one or the other.
    pub fn due_callback_events(&self) -> Vec<CallbackEvent> {
        let now = self.now();
        let mut state = self.lock();
        state.refresh(now);
        state.collect_due_events(now)
    }

    /// Serves the simulator over HTTP at `addr` (port 0: any free port) on
    /// a background thread, until the returned server is shut down or
    /// dropped. A second thread [delivers](Self::deliver_callbacks) the
    /// recording callbacks as they fall due (it looks every 50 ms and right
    /// after each request).
    pub fn serve(&self, addr: impl ToSocketAddrs) -> io::Result<SimulatorServer> {
        server::serve(self.clone(), addr)
    }

    /// Answers one request: the whole behaviour, with no sockets.
    pub fn handle(&self, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let clock = &self.inner.config.clock;
        let now = Stamp {
            mono: clock.now(),
            wall: clock.wall(),
        };
        let mut state = self.lock();
        state.refresh(now.mono);
        let (operation, result) = self.process(&mut state, request, now);
        let access_key = auth::claimed_access_key(request);
        self.answer(
            &mut state,
            now,
            request.method(),
            request.uri().path(),
            operation,
            access_key,
            result,
        )
    }

    /// A refusal that happens before a request can be read (for the server).
    fn refuse(&self, method: &Method, path: &str, fail: Fail) -> Response<Vec<u8>> {
        let clock = &self.inner.config.clock;
        let now = Stamp {
            mono: clock.now(),
            wall: clock.wall(),
        };
        let mut state = self.lock();
        self.answer(&mut state, now, method, path, None, None, Err(fail))
    }

    #[allow(clippy::too_many_arguments)]
    fn answer(
        &self,
        state: &mut State,
        now: Stamp,
        method: &Method,
        path: &str,
        operation: Option<OperationId>,
        access_key: Option<String>,
        result: Result<Reply, Fail>,
    ) -> Response<Vec<u8>> {
        let request_id = state.next_id(IdKind::Request, 32);
        let (status, body, error_code) = match result {
            Ok(reply) => (reply.status, reply.body, None),
            Err(fail) => {
                let body = serde_json::json!({"error_code": fail.code, "error_msg": fail.msg});
                (
                    fail.status,
                    body.to_string().into_bytes(),
                    Some(fail.code.to_owned()),
                )
            }
        };
        state.log.push(LoggedRequest {
            at: now.mono,
            request_id: request_id.clone(),
            method: method.clone(),
            path: path.to_owned(),
            operation,
            status,
            access_key,
            error_code,
        });
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            headers.insert(X_REQUEST_ID, v);
        }
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
        if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(now.wall)) {
            headers.insert(DATE, v);
        }
        response
    }

    /// The gateway's steps and the operation.
    fn process(
        &self,
        state: &mut State,
        request: &Request<Vec<u8>>,
        now: Stamp,
    ) -> (Option<OperationId>, Result<Reply, Fail>) {
        let config = &self.inner.config;
        let path = request.uri().path();
        let Some((operation, path_params)) = dynamic::route(request.method(), path) else {
            return (None, Err(no_route(path)));
        };
        let caller = match auth::authenticate(config, request, now.wall) {
            Ok(caller) => caller,
            Err(fail) => return (Some(operation), Err(fail)),
        };
        let path_project = path_params
            .iter()
            .find(|(name, _)| *name == "project_id")
            .map(|(_, v)| v.as_str());
        let header_project = request
            .headers()
            .get(X_PROJECT_ID)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let foreign = [path_project, header_project.as_deref()]
            .into_iter()
            .flatten()
            .any(|p| p != config.project_id);
        if foreign {
            return (
                Some(operation),
                Err(Fail::new(
                    StatusCode::FORBIDDEN,
                    codes::APIGW_FORBIDDEN,
                    "The IAM user is not authorized to access the API.",
                )),
            );
        }
        if config.rate_limits {
            let limit = operation.category().documented_limit();
            let key = (caller.account(), operation.category());
            if !state.windows.contains_key(&key) {
                if let Ok(window) = Window::new(limit) {
                    state.windows.insert(key.clone(), window);
                }
            }
            let admitted = state
                .windows
                .get_mut(&key)
                .is_none_or(|w| w.acquire(now.mono) == Admission::Send);
            if !admitted {
                state.throttled += 1;
                return (Some(operation), Err(throttled(limit)));
            }
        }
        let incoming = match dynamic::decode_request(request) {
            Ok(incoming) => incoming,
            Err(e) => return (Some(operation), Err(request_error(e))),
        };
        let mut ctx = Ctx { state, config, now };
        (Some(operation), handlers::dispatch(&mut ctx, &incoming))
    }
}

impl Transport for Simulator {
    /// Answers in memory; never fails.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        Ok(self.handle(&request))
    }
}

/// 404 `APIGW.0101`: with the reference's shorter message when the path
/// exists under another method.
fn no_route(path: &str) -> Fail {
    let other_method = [Method::GET, Method::POST, Method::PUT, Method::DELETE]
        .iter()
        .any(|m| dynamic::route(m, path).is_some());
    let msg = if other_method {
        "The API does not exist."
    } else {
        "The API does not exist or has not been published in the environment."
    };
    Fail::new(StatusCode::NOT_FOUND, codes::APIGW_NO_ROUTE, msg)
}

/// 429 `APIG.0308`, naming the limit.
fn throttled(limit: RateLimit) -> Fail {
    let secs = limit.window.as_secs();
    let period = match secs {
        1 => "1 second".to_owned(),
        60 => "1 minute".to_owned(),
        s => format!("{s} second"),
    };
    Fail::new(
        StatusCode::TOO_MANY_REQUESTS,
        codes::APIG_THROTTLED,
        format!(
            "The throttling threshold has been reached: policy user over ratelimit,limit:{},time:{period}",
            limit.requests
        ),
    )
}

/// A parameter problem in the service's terms.
fn request_error(error: RequestError) -> Fail {
    match error {
        RequestError::Missing(field) => Fail::new(
            StatusCode::BAD_REQUEST,
            codes::MISSING_PARAMETER,
            format!("MissingParameter: {field}"),
        ),
        RequestError::Invalid { field, reason } if field.is_empty() => Fail::invalid(reason),
        RequestError::Invalid { field, reason } => Fail::invalid(format!("{field}: {reason}")),
        RequestError::MalformedBody(_) => Fail::new(
            StatusCode::BAD_REQUEST,
            codes::MALFORMED_BODY,
            "MalformedRequestBody: json parsing failed",
        ),
        RequestError::NoRoute { path, .. } => no_route(&path),
    }
}
