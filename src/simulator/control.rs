//! The control plane: routes under [`CONTROL_PREFIX`] that any client (curl,
//! a test in any language) uses to check, reset, inspect, prepare and
//! steer the simulator. They need no signature, are never rate-limited or
//! faulted, and do not appear in the request log. The simulator's
//! documentation lists them with curl examples.

use std::fmt;
use std::time::Duration;

use http::header::{HeaderValue, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::headers::JSON_CONTENT_TYPE;
use crate::sansio::wire::time::parse_iso8601;

use super::config::SimulatorConfig;
use super::faults::{FaultError, FaultRule};
use super::util::{iso_millis, Fail};
use super::world::{World, STATE_VERSION};
use super::Simulator;

/// The path prefix of the control plane: `/_sparkrtc/`. No API path starts
/// with it (they start with `/v1/` or `/v2/`).
pub const CONTROL_PREFIX: &str = "/_sparkrtc/";

/// A control-plane request the simulator refused: the status it answers
/// with, a short code, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlError {
    status: StatusCode,
    code: String,
    message: String,
}

impl ControlError {
    fn new(status: StatusCode, message: impl Into<String>) -> ControlError {
        ControlError {
            status,
            code: format!("SIM.{:04}", status.as_u16()),
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> ControlError {
        ControlError::new(StatusCode::BAD_REQUEST, message)
    }

    /// The HTTP status the control plane answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `error_code`: the service's for refusals an operation would
    /// give too (an unknown application: `RTC.00001003`), else `SIM.`
    /// and the status.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Why.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.code,
            self.status.as_u16(),
            self.message
        )
    }
}

impl std::error::Error for ControlError {}

impl From<Fail> for ControlError {
    fn from(fail: Fail) -> ControlError {
        ControlError {
            status: fail.status,
            code: fail.code.to_owned(),
            message: fail.msg,
        }
    }
}

impl From<FaultError> for ControlError {
    fn from(e: FaultError) -> ControlError {
        ControlError::bad(e.to_string())
    }
}

pub(super) fn is_control(path: &str) -> bool {
    path.starts_with(CONTROL_PREFIX) || path == CONTROL_PREFIX.trim_end_matches('/')
}

/// Reads a state from [`Simulator::state`](super::Simulator::state)'s JSON,
/// checked against the caps.
pub(super) fn parse_state(json: &[u8], config: &SimulatorConfig) -> Result<World, ControlError> {
    let world: World = serde_json::from_slice(json).map_err(|e| {
        ControlError::bad(format!(
            "the state is not valid: {}",
            bounded(&e.to_string())
        ))
    })?;
    if world.version != STATE_VERSION {
        return Err(ControlError::bad(format!(
            "the state is version {}, this simulator reads version {STATE_VERSION}",
            world.version
        )));
    }
    let limits = &config.limits;
    let too_many = |what: &str, n: usize, max: usize| {
        (n > max).then(|| {
            ControlError::bad(format!(
                "the state has {n} {what}, more than the {max} allowed"
            ))
        })
    };
    let checks = [
        too_many("applications", world.apps.len(), config.max_apps),
        too_many("jobs", world.jobs.len(), limits.max_jobs),
        too_many("rooms", world.rooms.len(), limits.max_rooms),
    ];
    if let Some(e) = checks.into_iter().flatten().next() {
        return Err(e);
    }
    let mut ids = std::collections::BTreeSet::new();
    for a in &world.apps {
        if !ids.insert(("app", a.id.clone(), String::new())) {
            return Err(ControlError::bad(format!(
                "application `{}` appears twice",
                a.id
            )));
        }
        if a.rules.len() > limits.max_rules_per_app {
            return Err(ControlError::bad(format!(
                "application `{}` has more than {} rules",
                a.id, limits.max_rules_per_app
            )));
        }
    }
    for j in &world.jobs {
        if !ids.insert(("job", j.id.clone(), String::new())) {
            return Err(ControlError::bad(format!("job `{}` appears twice", j.id)));
        }
        if j.files.len() > limits.max_files_per_job
            || j.events_collected > j.events.len()
            || j.events
                .iter()
                .any(|e| e.file.is_some_and(|k| k >= j.files.len()))
        {
            return Err(ControlError::bad(format!(
                "job `{}` has inconsistent files or events",
                j.id
            )));
        }
    }
    for r in &world.rooms {
        if !ids.insert(("room", r.app_id.clone(), r.room_id.clone())) {
            return Err(ControlError::bad(format!(
                "room `{}` of application `{}` appears twice",
                r.room_id, r.app_id
            )));
        }
        if r.present().count() > limits.max_users_per_room
            || r.sessions.len() > limits.max_sessions_per_room
            || r.periods.len() > limits.max_sessions_per_room
        {
            return Err(ControlError::bad(format!(
                "room `{}` has more users, stays or periods than the limits allow",
                r.room_id
            )));
        }
    }
    if world
        .buckets
        .iter()
        .any(|b| b.objects.len() > limits.max_objects_per_bucket)
    {
        return Err(ControlError::bad(format!(
            "a bucket has more than {} objects",
            limits.max_objects_per_bucket
        )));
    }
    Ok(world)
}

/// At most 300 characters of a message that may quote the input.
fn bounded(text: &str) -> String {
    let mut out: String = text.chars().take(300).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

fn reply(status: StatusCode, body: &Value) -> Response<Vec<u8>> {
    let bytes = if status == StatusCode::NO_CONTENT {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    let mut response = Response::new(bytes);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    response
}

fn error(e: &ControlError) -> Response<Vec<u8>> {
    reply(
        e.status,
        &json!({"error_code": e.code, "error_msg": e.message}),
    )
}

fn body<'a, T: Deserialize<'a>>(request: &'a Request<Vec<u8>>) -> Result<T, ControlError> {
    serde_json::from_slice(request.body()).map_err(|e| {
        ControlError::bad(format!(
            "the body is not valid: {}",
            bounded(&e.to_string())
        ))
    })
}

/// The query parameter `name`, as a number.
fn query_number(request: &Request<Vec<u8>>, name: &str) -> Result<Option<u64>, ControlError> {
    let Some(query) = request.uri().query() else {
        return Ok(None);
    };
    for pair in query.split('&') {
        if let Some(value) = pair.strip_prefix(name).and_then(|v| v.strip_prefix('=')) {
            return value
                .parse()
                .map(Some)
                .map_err(|_| ControlError::bad(format!("`{name}` must be a whole number")));
        }
    }
    Ok(None)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Presence {
    app_id: String,
    room_id: String,
    #[serde(default)]
    user_ids: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    #[serde(default)]
    seconds: Option<u64>,
    #[serde(default)]
    ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetClock {
    now: String,
}

/// Answers a control-plane request.
pub(super) fn handle(sim: &Simulator, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    match route(sim, request) {
        Ok((status, body)) => reply(status, &body),
        Err(e) => error(&e),
    }
}

fn route(sim: &Simulator, request: &Request<Vec<u8>>) -> Result<(StatusCode, Value), ControlError> {
    let path = request.uri().path();
    let rest = path
        .strip_prefix(CONTROL_PREFIX)
        .unwrap_or("")
        .trim_end_matches('/');
    let method = request.method();
    let ok = |v: Value| Ok((StatusCode::OK, v));
    match (method, rest) {
        (&Method::GET, "health") => ok(json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "seed": sim.config().seed(),
            "project_id": sim.config().project_id(),
            "virtual_clock": sim.config().virtual_clock().is_some(),
            "now": iso_millis(sim.wall()),
        })),
        (&Method::POST, "reset") => {
            sim.reset();
            ok(json!({"status": "reset"}))
        }
        (&Method::GET, "state") => ok(sim.state()),
        (&Method::PUT, "state") => {
            sim.load_state(request.body())?;
            ok(json!({"status": "loaded"}))
        }
        (&Method::GET, "requests") => {
            let since = query_number(request, "since")?.unwrap_or(0);
            let rt = sim.lock();
            let list: Vec<Value> = rt
                .log
                .entries()
                .filter(|e| e.seq > since)
                .map(|e| e.to_json())
                .collect();
            ok(json!({"requests": list, "next": rt.log.next_seq()}))
        }
        (&Method::DELETE, "requests") => {
            sim.lock().log.clear();
            Ok((StatusCode::NO_CONTENT, Value::Null))
        }
        (&Method::GET, "callbacks") => {
            let list: Vec<Value> = sim.callback_log().iter().map(|d| d.to_json()).collect();
            ok(json!({"deliveries": list}))
        }
        (&Method::DELETE, "callbacks") => {
            sim.clear_callback_log();
            Ok((StatusCode::NO_CONTENT, Value::Null))
        }
        (&Method::GET, "faults") => ok(json!({"faults": sim.faults().list()})),
        (&Method::POST, "faults") => {
            let rule: FaultRule = body(request)?;
            let id = sim.faults().add(rule)?;
            Ok((StatusCode::CREATED, json!({"id": id})))
        }
        (&Method::PUT, "faults") => {
            let rules: Vec<FaultRule> = body(request)?;
            let ids = sim.faults().replace(rules)?;
            ok(json!({"ids": ids}))
        }
        (&Method::DELETE, "faults") => {
            sim.faults().clear();
            Ok((StatusCode::NO_CONTENT, Value::Null))
        }
        (&Method::DELETE, id) if id.starts_with("faults/") => {
            let id = &id["faults/".len()..];
            if sim.faults().remove(id) {
                Ok((StatusCode::NO_CONTENT, Value::Null))
            } else {
                Err(ControlError::new(
                    StatusCode::NOT_FOUND,
                    format!("no fault rule `{}`", bounded(id)),
                ))
            }
        }
        (&Method::POST, "join") => {
            let p: Presence = body(request)?;
            let users = p.user_ids.unwrap_or_default();
            if users.is_empty() {
                return Err(ControlError::bad("user_ids must name at least one user"));
            }
            let users: Vec<&str> = users.iter().map(String::as_str).collect();
            sim.join(&p.app_id, &p.room_id, &users)?;
            ok(json!({"joined": users.len()}))
        }
        (&Method::POST, "leave") => {
            let p: Presence = body(request)?;
            let users: Option<Vec<&str>> = p
                .user_ids
                .as_ref()
                .map(|l| l.iter().map(String::as_str).collect());
            let left = sim.leave(&p.app_id, &p.room_id, users.as_deref())?;
            ok(json!({"left": left}))
        }
        (&Method::GET, "clock") => ok(clock_json(sim)),
        (&Method::POST, "clock/advance") => {
            let clock = virtual_clock(sim)?;
            let a: Advance = body(request)?;
            let by = match (a.seconds, a.ms) {
                (Some(s), None) => Duration::from_secs(s),
                (None, Some(ms)) => Duration::from_millis(ms),
                _ => return Err(ControlError::bad("give `seconds` or `ms`")),
            };
            clock.advance(by);
            ok(clock_json(sim))
        }
        (&Method::PUT, "clock") => {
            let clock = virtual_clock(sim)?;
            let s: SetClock = body(request)?;
            let target = parse_iso8601(&s.now).ok_or_else(|| {
                ControlError::bad("`now` must be a UTC time YYYY-MM-DDThh:mm:ss[.mmm]Z")
            })?;
            let by = target.duration_since(sim.wall()).map_err(|_| {
                ControlError::new(
                    StatusCode::CONFLICT,
                    "the clock only moves forward: `now` is before the simulator's time",
                )
            })?;
            clock.advance(by);
            ok(clock_json(sim))
        }
        (_, route) if KNOWN.contains(&route) || route.starts_with("faults/") => Err(ControlError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not served on {CONTROL_PREFIX}{route}"),
        )),
        _ => Err(ControlError::new(
            StatusCode::NOT_FOUND,
            format!(
                "no control-plane route {}; see {CONTROL_PREFIX}health, reset, state, requests, callbacks, faults, join, leave, clock",
                bounded(path)
            ),
        )),
    }
}

/// The routes, for telling a wrong method from an unknown path.
const KNOWN: &[&str] = &[
    "health",
    "reset",
    "state",
    "requests",
    "callbacks",
    "faults",
    "join",
    "leave",
    "clock",
    "clock/advance",
];

fn virtual_clock(sim: &Simulator) -> Result<&crate::time::VirtualClock, ControlError> {
    sim.config().virtual_clock().ok_or_else(|| {
        ControlError::new(
            StatusCode::CONFLICT,
            "the simulator runs on the system clock; start it with a virtual clock (--virtual-clock) to set or advance time",
        )
    })
}

fn clock_json(sim: &Simulator) -> Value {
    json!({
        "virtual": sim.config().virtual_clock().is_some(),
        "now": iso_millis(sim.wall()),
        "monotonic_ms": u64::try_from(sim.now().as_millis()).unwrap_or(u64::MAX),
    })
}
