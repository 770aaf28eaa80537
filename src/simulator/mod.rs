#![doc = include_str!("README.md")]

mod args;
mod auth;
mod callbacks;
mod codes;
mod config;
mod control;
pub mod faults;
mod gateway;
mod log;
mod server;
mod service;
mod util;
mod world;

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use http::header::{HeaderValue, CONTENT_TYPE, DATE, RETRY_AFTER};
use http::{Method, Request, Response, StatusCode};

use crate::dynamic;
use crate::headers::{JSON_CONTENT_TYPE, X_REQUEST_ID};
use crate::transport::{Transport, TransportError};
use crate::OperationId;

pub use args::{ServeArgs, SERVE_AFTER_HELP};
pub use callbacks::{CallbackTransport, Delivery, DeliveryOutcome, CALLBACK_TIMEOUT};
pub use config::{
    Limits, ServerLimits, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_JOB_START_DELAY,
    DEFAULT_MAX_APPS, DEFAULT_PROJECT_ID, DEFAULT_SECRET_KEY,
};
pub use control::{ControlError, CONTROL_PREFIX};
pub use faults::{ActiveFault, FaultEffect, FaultError, FaultRule};
pub use log::LoggedRequest;
pub use server::SimulatorServer;
pub use world::{CallbackEvent, CallbackEventKind};

use callbacks::Outgoing;
use faults::{FaultSet, FaultTarget};
use gateway::Windows;
use log::RequestLog;
use service::{Ctx, Reply};
use util::Fail;
use world::{IdKind, World};

/// What the simulator does with one request: answer it, or, under a fault
/// rule, break the connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum Answer {
    /// A whole answer.
    Response(Response<Vec<u8>>),
    /// The answer's head and its first `sent` body bytes are written, then
    /// the connection is closed (a `truncate` fault; the operation
    /// happened).
    Truncated {
        /// The answer that was cut off.
        response: Response<Vec<u8>>,
        /// How many body bytes were written.
        sent: usize,
    },
    /// The connection is closed after the request was read, with nothing
    /// written (a `close` or `lose` fault).
    Closed {
        /// Whether the operation happened (`lose`) or not (`close`).
        applied: bool,
    },
}

impl Answer {
    /// The whole answer, if there is one.
    pub fn response(&self) -> Option<&Response<Vec<u8>>> {
        match self {
            Answer::Response(r) => Some(r),
            _ => None,
        }
    }

    /// The whole answer, if there is one.
    pub fn into_response(self) -> Option<Response<Vec<u8>>> {
        match self {
            Answer::Response(r) => Some(r),
            _ => None,
        }
    }

    /// What an HTTP client makes of it: the answer, or, when the connection
    /// broke, [`TransportError::failed_after_send`] (the request reached the
    /// service; whether it acted is unknown to the client).
    pub fn into_result(self) -> Result<Response<Vec<u8>>, TransportError> {
        match self {
            Answer::Response(r) => Ok(r),
            Answer::Truncated { response, sent } => {
                Err(TransportError::failed_after_send(format!(
                    "connection closed after {sent} of {} body bytes (simulated fault)",
                    response.body().len()
                )))
            }
            Answer::Closed { .. } => Err(TransportError::failed_after_send(
                "connection closed before any answer (simulated fault)",
            )),
        }
    }
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
    state: Mutex<Runtime>,
    /// Held while callbacks are posted, so that they go out in order; never
    /// with the state lock.
    delivering: Mutex<()>,
    /// Callbacks collected and not yet posted, bounded.
    queue: Mutex<VecDeque<Outgoing>>,
    /// Every callback sent or refused, bounded.
    deliveries: Mutex<VecDeque<Delivery>>,
    /// Made on the first callback.
    callback_transport: OnceLock<CallbackTransport>,
    /// Where a served simulator listens: callbacks never go there.
    listening: Mutex<Vec<SocketAddr>>,
    /// The wall time it started at: the seeded initial state's.
    origin: SystemTime,
}

/// Everything that changes as requests come: the world, and the gateway's
/// and the simulator's own bookkeeping.
struct Runtime {
    world: World,
    windows: Windows,
    log: RequestLog,
    throttled: u64,
    faults: FaultSet,
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

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Simulator {
    /// A fresh service: no applications, the seeded OBS buckets, the
    /// configured fault rules.
    pub fn new(config: SimulatorConfig) -> Self {
        let origin = config.clock.wall();
        let runtime = Runtime::initial(&config, origin);
        Simulator {
            inner: Arc::new(Inner {
                config,
                state: Mutex::new(runtime),
                delivering: Mutex::new(()),
                queue: Mutex::new(VecDeque::new()),
                deliveries: Mutex::new(VecDeque::new()),
                callback_transport: OnceLock::new(),
                listening: Mutex::new(Vec::new()),
                origin,
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

    fn lock(&self) -> MutexGuard<'_, Runtime> {
        lock(&self.inner.state)
    }

    /// The state, brought up to the clock's time.
    fn current(&self) -> MutexGuard<'_, Runtime> {
        let wall = self.wall();
        let mut rt = self.lock();
        rt.world.refresh(wall, &self.inner.config.limits);
        rt
    }

    /// The requests answered since the start (or the last reset), oldest
    /// first; the newest [`Limits::max_log_entries`] of them.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.lock().log.entries().cloned().collect()
    }

    /// How many requests were refused with 429 by the rate limits so far
    /// (not counting fault rules).
    pub fn throttled_count(&self) -> u64 {
        self.lock().throttled
    }

    /// How many applications exist.
    pub fn app_count(&self) -> usize {
        self.lock().world.apps.len()
    }

    /// The fault rules: add, list, remove.
    ///
    /// ```
    /// use sparkrtc::simulator::{FaultEffect, FaultRule, Simulator};
    /// use sparkrtc::OperationId;
    ///
    /// let sim = Simulator::default();
    /// let id = sim.faults().add(FaultRule::new(FaultEffect::error(503)).operation(OperationId::CreateMixJob).times(3))?;
    /// assert_eq!(id, "r1");
    /// assert_eq!(sim.faults().list().len(), 1);
    /// assert!(sim.faults().remove("r1"));
    /// # Ok::<(), sparkrtc::simulator::FaultError>(())
    /// ```
    pub fn faults(&self) -> Faults<'_> {
        Faults { sim: self }
    }

    /// Back to the seeded initial state: the world the simulator started
    /// with, empty logs, fresh rate-limit windows, the configured fault
    /// rules. The clock is not touched.
    pub fn reset(&self) {
        *self.lock() = Runtime::initial(&self.inner.config, self.inner.origin);
        lock(&self.inner.queue).clear();
        lock(&self.inner.deliveries).clear();
    }

    /// The whole state as JSON: applications with their rules and
    /// settings, jobs with their states, files and callback events, rooms
    /// with their users, buckets with their objects, and the id counters
    /// (see the control plane's `/_sparkrtc/state`).
    pub fn state(&self) -> serde_json::Value {
        let rt = self.current();
        serde_json::to_value(&rt.world).unwrap_or(serde_json::Value::Null)
    }

    /// Replaces the state with one from [`state`](Self::state) (here or in
    /// another simulator): a test suite can start from a prepared world.
    /// The logs and rate-limit windows start afresh; the fault rules stay.
    pub fn load_state(&self, json: &[u8]) -> Result<(), ControlError> {
        let world = control::parse_state(json, &self.inner.config)?;
        let mut rt = self.lock();
        rt.world = world;
        rt.windows.clear();
        rt.log.clear();
        rt.throttled = 0;
        drop(rt);
        lock(&self.inner.queue).clear();
        Ok(())
    }

    /// End users join a room of an enabled application (as the client SDKs
    /// would), opening it: the room then has publishers, and recording jobs
    /// in it stop waiting for one.
    pub fn join(&self, app_id: &str, room_id: &str, users: &[&str]) -> Result<(), ControlError> {
        let users: Vec<String> = users.iter().map(|u| (*u).to_owned()).collect();
        let wall = self.wall();
        let mut rt = self.current();
        service::join(
            &mut rt.world,
            &self.inner.config,
            app_id,
            room_id,
            &users,
            wall,
        )
        .map_err(ControlError::from)
    }

    /// End users leave a room (all of them with `None`); the room closes
    /// when nobody is left, and its recording jobs start counting their
    /// `max_idle_time`. Returns how many left.
    pub fn leave(
        &self,
        app_id: &str,
        room_id: &str,
        users: Option<&[&str]>,
    ) -> Result<usize, ControlError> {
        let users: Option<Vec<String>> =
            users.map(|list| list.iter().map(|u| (*u).to_owned()).collect());
        let wall = self.wall();
        let mut rt = self.current();
        service::leave(&mut rt.world, app_id, room_id, users.as_deref(), wall)
            .map_err(ControlError::from)
    }

    /// Serves the simulator over HTTP at `addr` (port 0: any free port) on
    /// background threads, until the returned server is shut down or
    /// dropped; [`ServerLimits`] bound what each client may take. A thread
    /// [delivers](Self::deliver_callbacks) the recording callbacks as they
    /// fall due (it looks every 50 ms and right after each request).
    pub fn serve(&self, addr: impl ToSocketAddrs) -> io::Result<SimulatorServer> {
        server::serve(self.clone(), addr)
    }

    /// Answers one request: the whole behaviour, fault rules included, with
    /// no sockets. Requests under [`CONTROL_PREFIX`] go to the control
    /// plane.
    pub fn handle(&self, request: &Request<Vec<u8>>) -> Answer {
        let path = request.uri().path();
        if control::is_control(path) {
            return Answer::Response(control::handle(self, request));
        }
        let route = dynamic::route(request.method(), path);
        let operation = route.as_ref().map(|(op, _)| *op);
        let decision = {
            let mut rt = self.lock();
            if rt.faults.is_empty() {
                faults::Decision::default()
            } else {
                let target = FaultTarget {
                    operation,
                    method: request.method(),
                    path,
                };
                rt.faults.decide(&target, self.now())
            }
        };
        if !decision.latency.is_zero() {
            self.inner.config.clock.sleep(decision.latency);
        }
        let mut fault_ids = decision.delayed_by;
        let effect = decision.effect.map(|(id, effect)| {
            fault_ids.push(id);
            effect
        });
        let now = self.now();
        let wall = self.wall();
        let mut rt = self.current();
        let access_key = auth::claimed_access_key(request);
        let entry = Entry {
            method: request.method(),
            path,
            operation,
            access_key,
            faults: fault_ids,
        };
        if let Some(FaultEffect::Close) = effect {
            self.log_only(&mut rt, now, entry, None, None);
            return Answer::Closed { applied: false };
        }
        let result = match effect.as_ref().and_then(FaultEffect::error_parts) {
            Some((status, code, msg, retry_after)) => Err((
                Fail {
                    status,
                    code: "",
                    msg,
                },
                Some(code),
                retry_after,
            )),
            None => self
                .process(&mut rt, request, route, now, wall)
                .map_err(|fail| (fail, None, None)),
        };
        let response = self.answer(&mut rt, now, wall, entry, result);
        drop(rt);
        match effect {
            Some(FaultEffect::Lose) => Answer::Closed { applied: true },
            Some(FaultEffect::Truncate) if !response.body().is_empty() => {
                let sent = response.body().len() / 2;
                Answer::Truncated { response, sent }
            }
            Some(FaultEffect::Truncate) => Answer::Closed { applied: true },
            _ => Answer::Response(response),
        }
    }

    /// The gateway's steps and the operation.
    fn process(
        &self,
        rt: &mut Runtime,
        request: &Request<Vec<u8>>,
        route: Option<(OperationId, Vec<(&'static str, String)>)>,
        now: Duration,
        wall: SystemTime,
    ) -> Result<Reply, Fail> {
        let config = &self.inner.config;
        let Some((operation, path_params)) = route else {
            return Err(gateway::no_route(request.uri().path()));
        };
        let incoming = gateway::admit(
            config,
            &mut rt.windows,
            request,
            operation,
            &path_params,
            now,
            wall,
        )
        .inspect_err(|fail| {
            if fail.status == StatusCode::TOO_MANY_REQUESTS {
                rt.throttled += 1;
            }
        })?;
        let mut ctx = Ctx {
            world: &mut rt.world,
            config,
            now: wall,
        };
        service::dispatch(&mut ctx, &incoming)
    }

    /// A refusal that happens before a request can be read (for the server).
    fn refuse(&self, method: &Method, path: &str, fail: Fail) -> Response<Vec<u8>> {
        let now = self.now();
        let wall = self.wall();
        let mut rt = self.lock();
        let entry = Entry {
            method,
            path,
            operation: None,
            access_key: None,
            faults: Vec::new(),
        };
        self.answer(&mut rt, now, wall, entry, Err((fail, None, None)))
    }

    fn log_only(
        &self,
        rt: &mut Runtime,
        now: Duration,
        entry: Entry<'_>,
        status: Option<StatusCode>,
        error_code: Option<String>,
    ) -> String {
        let request_id = rt.world.next_id(IdKind::Request, 32);
        rt.log.push(LoggedRequest {
            seq: 0,
            at: now,
            request_id: request_id.clone(),
            method: entry.method.clone(),
            path: entry.path.chars().take(2048).collect(),
            operation: entry.operation,
            status,
            access_key: entry.access_key,
            error_code,
            faults: entry.faults,
        });
        request_id
    }

    /// The answer: the reply, or the error in the documented shape, with
    /// `X-Request-Id`, `Content-Type` and `Date`; logged.
    fn answer(
        &self,
        rt: &mut Runtime,
        now: Duration,
        wall: SystemTime,
        entry: Entry<'_>,
        result: Result<Reply, (Fail, Option<String>, Option<u64>)>,
    ) -> Response<Vec<u8>> {
        let (status, body, error_code, retry_after) = match result {
            Ok(reply) => (reply.status, reply.body, None, None),
            Err((fail, code, retry_after)) => {
                let code = code.unwrap_or_else(|| fail.code.to_owned());
                let body = serde_json::json!({"error_code": code, "error_msg": fail.msg});
                (
                    fail.status,
                    body.to_string().into_bytes(),
                    Some(code),
                    retry_after,
                )
            }
        };
        let request_id = self.log_only(rt, now, entry, Some(status), error_code);
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            headers.insert(X_REQUEST_ID, v);
        }
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
        if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(wall)) {
            headers.insert(DATE, v);
        }
        if let Some(secs) = retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// What the log keeps of a request.
struct Entry<'a> {
    method: &'a Method,
    path: &'a str,
    operation: Option<OperationId>,
    access_key: Option<String>,
    faults: Vec<String>,
}

impl Runtime {
    fn initial(config: &SimulatorConfig, origin: SystemTime) -> Runtime {
        let mut faults = FaultSet::new(config.seed);
        let now = config.clock.now();
        for rule in &config.faults {
            // Checked when the configuration was made; a bad one is skipped.
            let _ = faults.add(rule.clone(), now, usize::MAX);
        }
        Runtime {
            world: World::new(config.seed, origin),
            windows: Windows::new(),
            log: RequestLog::new(config.limits.max_log_entries),
            throttled: 0,
            faults,
        }
    }
}

impl Transport for Simulator {
    /// Answers in memory. A fault that breaks the connection is
    /// [`TransportError::failed_after_send`], as an HTTP client reports it.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.handle(&request).into_result()
    }
}

/// The fault rules of a simulator, from [`Simulator::faults`].
#[derive(Debug)]
pub struct Faults<'a> {
    sim: &'a Simulator,
}

impl Faults<'_> {
    /// Adds a rule at the end; returns its id (`r1`, `r2`, ... unless it
    /// has one). Fails on a bad rule, a duplicate id, or more than
    /// [`Limits::max_fault_rules`] rules.
    pub fn add(&self, rule: FaultRule) -> Result<String, FaultError> {
        let now = self.sim.now();
        let max = self.sim.inner.config.limits.max_fault_rules;
        self.sim.lock().faults.add(rule, now, max)
    }

    /// Replaces every rule with these (all or none: on an error, the rules
    /// in force stay).
    pub fn replace(
        &self,
        rules: impl IntoIterator<Item = FaultRule>,
    ) -> Result<Vec<String>, FaultError> {
        let now = self.sim.now();
        let config = &self.sim.inner.config;
        let mut set = FaultSet::new(config.seed);
        let ids = rules
            .into_iter()
            .map(|rule| set.add(rule, now, config.limits.max_fault_rules))
            .collect::<Result<Vec<_>, _>>()?;
        self.sim.lock().faults = set;
        Ok(ids)
    }

    /// The rules in force, in order, with how often each matched and fired.
    pub fn list(&self) -> Vec<ActiveFault> {
        self.sim.lock().faults.list()
    }

    /// Removes a rule; whether it was there.
    pub fn remove(&self, id: &str) -> bool {
        self.sim.lock().faults.remove(id)
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.sim.lock().faults.clear();
    }
}
