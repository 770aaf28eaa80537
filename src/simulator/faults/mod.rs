//! Faults on demand: rules that make chosen requests fail, slow down, or
//! lose their answers, drawn from the simulator's seed so that the same
//! seed and the same requests give the same faults.
//!
//! A rule has a **match** (an operation, a rate-limit category, a method
//! and a path pattern; what it leaves out matches anything), a
//! **probability** (default 1), an optional **count** (`times`: it fires at
//! most that often) and **window** (`after`, `lasting`: measured from when
//! the rule was added, on the simulator's clock), and one **effect**:
//!
//! | Effect | What the client sees | Did the operation happen? |
//! | --- | --- | --- |
//! | `error` | the status with the documented body `{"error_code", "error_msg"}`, `X-Request-Id`, and `Retry-After` when given | no |
//! | `latency` | the normal answer, later (in virtual time on a virtual clock) | yes |
//! | `close` | the connection closed after the request was read, before any answer | no |
//! | `truncate` | the head and half the body, then the connection closed | yes |
//! | `lose` | the connection closed, no answer | yes: the job exists, the client saw a failure |
//!
//! In memory (the simulator as a [`Transport`](crate::transport::Transport)),
//! `close`, `truncate` and `lose` are
//! [`TransportError::failed_after_send`](crate::transport::TransportError::failed_after_send),
//! as an HTTP client reports them.
//!
//! Rules are checked in order for each request that is not for the control
//! plane: every matching `latency` rule that fires adds its delay; the first
//! other rule that fires decides the outcome. Each rule counts the requests
//! it matched and the times it fired.
//!
//! # The short form
//!
//! `MATCH:EFFECT[:PROBABILITY[:TIMES]]`, as the binary's `--fault` flag and
//! [`FaultRule::from_str`](std::str::FromStr) take it:
//!
//! - `MATCH`: `*`, an operation (`CreateMixJob`), a rate-limit category
//!   (`mix_stream_job_management`), or a method and a path pattern
//!   (`POST /v2/apps/*/mix-stream-jobs`; `*` is one path segment, `**` any
//!   number);
//! - `EFFECT`: a status (`500`, `503`, `429`) with optional
//!   `,code=CODE`, `,msg=TEXT`, `,retry-after=SECONDS`; `latency=200ms` or
//!   `latency=100ms..2s`; `close`; `truncate`; `lose`;
//! - `PROBABILITY`: 0 to 1 (default 1); `TIMES`: how often at most.
//!
//! ```
//! use sparkrtc::simulator::{FaultEffect, FaultRule};
//! use sparkrtc::OperationId;
//!
//! let rule: FaultRule = "CreateMixJob:503:0.2:3".parse()?;
//! assert_eq!(rule, FaultRule::new(FaultEffect::error(503))
//!     .operation(OperationId::CreateMixJob)
//!     .probability(0.2)?
//!     .times(3));
//! let throttled: FaultRule = "mix_stream_job_management:429,retry-after=2".parse()?;
//! assert_eq!(throttled.effect(), &FaultEffect::error(429).retry_after(2));
//! # Ok::<(), sparkrtc::simulator::FaultError>(())
//! ```
//!
//! # The JSON form
//!
//! The control plane (`/_sparkrtc/faults`) and the binary's `--fault-file`
//! take rules as JSON objects (a file holds an array of them):
//!
//! ```json
//! {"operation": "CreateMixJob", "probability": 0.2, "times": 3,
//!  "effect": {"type": "error", "status": 503}}
//! {"method": "POST", "path": "/v2/apps/*/mix-stream-jobs",
//!  "effect": {"type": "latency", "min_ms": 100, "max_ms": 2000}}
//! {"category": "mix_stream_job_management", "after_ms": 1000, "for_ms": 60000,
//!  "effect": {"type": "error", "status": 429, "retry_after": 2}}
//! {"effect": {"type": "lose"}}
//! ```
//!
//! Fields: `id` (given when added, `r1`, `r2`, ... unless set), `operation`,
//! `category`, `method`, `path`, `probability`, `times`, `after_ms`,
//! `for_ms`, `effect` (`type` one of `error` with `status` and optional
//! `error_code`, `error_msg`, `retry_after`; `latency` with `ms`, or
//! `min_ms` and `max_ms`; `close`; `truncate`; `lose`). Listings add
//! `matched` and `fired`.

mod parse;
mod set;

use std::fmt;
use std::time::Duration;

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use crate::throttle::ThrottleCategory;
use crate::OperationId;

use super::codes;

pub(crate) use parse::parse_duration;
pub use set::ActiveFault;
pub(crate) use set::{Decision, FaultSet, FaultTarget};

/// A fault rule that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultError(String);

impl FaultError {
    fn new(msg: impl Into<String>) -> FaultError {
        FaultError(msg.into())
    }
}

impl fmt::Display for FaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid fault rule: {}", self.0)
    }
}

impl std::error::Error for FaultError {}

/// What a fault does to a request; see the [module docs](self).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum FaultEffect {
    /// An error answer in the documented shape.
    Error {
        /// The HTTP status.
        status: u16,
        /// The `error_code` (default: the one the service gives with that
        /// status, see [`FaultEffect::error`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_code: Option<String>,
        /// The `error_msg` (default: the service's for that code).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_msg: Option<String>,
        /// A `Retry-After` header, in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// The answer is delayed: by `ms`, or by a seeded draw in
    /// `min_ms..=max_ms`.
    Latency {
        /// A fixed delay.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ms: Option<u64>,
        /// The least delay of a drawn one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_ms: Option<u64>,
        /// The most delay of a drawn one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_ms: Option<u64>,
    },
    /// The connection is closed after the request was read, with no answer;
    /// the operation does not happen.
    Close,
    /// The operation happens; the answer's head and half its body are sent,
    /// then the connection is closed.
    Truncate,
    /// The operation happens; its answer is lost (the connection is closed).
    Lose,
}

impl FaultEffect {
    /// An error answer with this status and the code and message the
    /// service (or its gateway) gives with it: 429 `APIG.0308` (the
    /// throttling message), 500 `RTC.00002001` `InternalError`, 502 and 503
    /// `APIGW.0201` `Backend unavailable.`, 504 `APIGW.0201` `Backend
    /// timeout.`, 400 `RTC.00001003` `InvalidParameterValue`, 401
    /// `APIGW.0301`, 403 `APIGW.0302`, 404 `APIGW.0101`; other 4xx
    /// `APIGW.0201`, other 5xx `RTC.00002001`.
    pub fn error(status: u16) -> FaultEffect {
        FaultEffect::Error {
            status,
            error_code: None,
            error_msg: None,
            retry_after: None,
        }
    }

    /// A fixed delay.
    pub fn latency(delay: Duration) -> FaultEffect {
        FaultEffect::Latency {
            ms: Some(millis(delay)),
            min_ms: None,
            max_ms: None,
        }
    }

    /// A delay drawn from the seed in `min..=max` (whole milliseconds).
    pub fn latency_between(min: Duration, max: Duration) -> FaultEffect {
        FaultEffect::Latency {
            ms: None,
            min_ms: Some(millis(min)),
            max_ms: Some(millis(max)),
        }
    }

    /// The same error with this `error_code` (no effect on other effects).
    pub fn code(mut self, code: impl Into<String>) -> FaultEffect {
        if let FaultEffect::Error { error_code, .. } = &mut self {
            *error_code = Some(code.into());
        }
        self
    }

    /// The same error with this `error_msg` (no effect on other effects).
    pub fn message(mut self, msg: impl Into<String>) -> FaultEffect {
        if let FaultEffect::Error { error_msg, .. } = &mut self {
            *error_msg = Some(msg.into());
        }
        self
    }

    /// The same error with a `Retry-After` of `seconds` (no effect on other
    /// effects).
    pub fn retry_after(mut self, seconds: u64) -> FaultEffect {
        if let FaultEffect::Error { retry_after, .. } = &mut self {
            *retry_after = Some(seconds);
        }
        self
    }

    fn check(&self) -> Result<(), FaultError> {
        match self {
            FaultEffect::Error {
                status,
                error_code,
                error_msg,
                ..
            } => {
                if !(400..=599).contains(status) {
                    return Err(FaultError::new(format!(
                        "an error status must be within 400..=599, got {status}"
                    )));
                }
                let long = |s: &Option<String>| s.as_ref().is_some_and(|s| s.len() > 1024);
                if long(error_code) || long(error_msg) {
                    return Err(FaultError::new(
                        "error_code and error_msg are at most 1024 bytes",
                    ));
                }
                Ok(())
            }
            FaultEffect::Latency { ms, min_ms, max_ms } => match (ms, min_ms, max_ms) {
                (Some(ms), None, None) if *ms <= MAX_LATENCY_MS => Ok(()),
                (None, Some(lo), Some(hi)) if lo <= hi && *hi <= MAX_LATENCY_MS => Ok(()),
                _ => Err(FaultError::new(format!(
                    "latency takes `ms`, or `min_ms` <= `max_ms`, at most {MAX_LATENCY_MS} ms"
                ))),
            },
            _ => Ok(()),
        }
    }

    /// The status, code and message of an error effect, with the defaults.
    pub(crate) fn error_parts(&self) -> Option<(StatusCode, String, String, Option<u64>)> {
        let FaultEffect::Error {
            status,
            error_code,
            error_msg,
            retry_after,
        } = self
        else {
            return None;
        };
        let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (code, msg) = default_error(status);
        Some((
            status,
            error_code.clone().unwrap_or_else(|| code.to_owned()),
            error_msg.clone().unwrap_or_else(|| msg.to_owned()),
            *retry_after,
        ))
    }
}

/// The longest latency a rule may add: 10 minutes.
const MAX_LATENCY_MS: u64 = 600_000;

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The code and message the service gives with a status.
fn default_error(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        429 => (
            codes::APIG_THROTTLED,
            "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second",
        ),
        400 => (codes::INVALID_PARAMETER, "InvalidParameterValue"),
        401 => (
            codes::APIGW_AUTH,
            "Incorrect IAM authentication information: verify aksk signature fail",
        ),
        403 => (
            codes::APIGW_FORBIDDEN,
            "The IAM user is not authorized to access the API.",
        ),
        404 => (
            codes::APIGW_NO_ROUTE,
            "The API does not exist or has not been published in the environment.",
        ),
        502 | 503 => (codes::APIGW_REQUEST, "Backend unavailable."),
        504 => (codes::APIGW_REQUEST, "Backend timeout."),
        s if s < 500 => (codes::APIGW_REQUEST, "API request error."),
        _ => (codes::INTERNAL, "InternalError"),
    }
}

/// A fault rule; see the [module docs](self).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "op_name")]
    operation: Option<OperationId>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "category_name"
    )]
    category: Option<ThrottleCategory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(default = "one")]
    probability: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    times: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    for_ms: Option<u64>,
    effect: FaultEffect,
}

fn one() -> f64 {
    1.0
}

impl FaultRule {
    /// A rule with this effect that matches every request, always.
    pub fn new(effect: FaultEffect) -> FaultRule {
        FaultRule {
            id: None,
            operation: None,
            category: None,
            method: None,
            path: None,
            probability: 1.0,
            times: None,
            after_ms: None,
            for_ms: None,
            effect,
        }
    }

    /// Its id (default: given when it is added, `r1`, `r2`, ...).
    pub fn id(mut self, id: impl Into<String>) -> FaultRule {
        self.id = Some(id.into());
        self
    }

    /// Matches only this operation.
    pub fn operation(mut self, operation: OperationId) -> FaultRule {
        self.operation = Some(operation);
        self
    }

    /// Matches only operations of this rate-limit category.
    pub fn category(mut self, category: ThrottleCategory) -> FaultRule {
        self.category = Some(category);
        self
    }

    /// Matches only this method.
    pub fn method(mut self, method: Method) -> FaultRule {
        self.method = Some(method.as_str().to_owned());
        self
    }

    /// Matches only paths of this pattern: `*` is one segment, `**` any
    /// number of them (`/v2/apps/*/mix-stream-jobs/**`).
    pub fn path(mut self, pattern: impl Into<String>) -> FaultRule {
        self.path = Some(pattern.into());
        self
    }

    /// Fires with this probability, drawn from the seed (0 to 1).
    pub fn probability(mut self, p: f64) -> Result<FaultRule, FaultError> {
        if !(0.0..=1.0).contains(&p) {
            return Err(FaultError::new(format!(
                "probability must be within 0..=1, got {p}"
            )));
        }
        self.probability = p;
        Ok(self)
    }

    /// Fires at most `n` times.
    pub fn times(mut self, n: u64) -> FaultRule {
        self.times = Some(n);
        self
    }

    /// Active only from `delay` after it was added.
    pub fn after(mut self, delay: Duration) -> FaultRule {
        self.after_ms = Some(millis(delay));
        self
    }

    /// Active only for `span` (from when it becomes active).
    pub fn lasting(mut self, span: Duration) -> FaultRule {
        self.for_ms = Some(millis(span));
        self
    }

    /// The id, once given.
    pub fn rule_id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The effect.
    pub fn effect(&self) -> &FaultEffect {
        &self.effect
    }

    /// Whether the rule can be used: a known method, a path pattern that
    /// starts with `/`, a probability within 0..=1, a valid effect.
    pub fn check(&self) -> Result<(), FaultError> {
        if !(0.0..=1.0).contains(&self.probability) {
            return Err(FaultError::new(format!(
                "probability must be within 0..=1, got {}",
                self.probability
            )));
        }
        if let Some(m) = &self.method {
            if Method::from_bytes(m.as_bytes()).is_err() || m.len() > 16 {
                return Err(FaultError::new(format!("`{m}` is not an HTTP method")));
            }
        }
        if let Some(p) = &self.path {
            if !p.starts_with('/') || p.len() > 1024 {
                return Err(FaultError::new(format!(
                    "a path pattern starts with `/` and is at most 1024 bytes, got `{}`",
                    p.chars().take(64).collect::<String>()
                )));
            }
        }
        if let Some(id) = &self.id {
            if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(FaultError::new("an id is 1 to 64 visible ASCII characters"));
            }
        }
        self.effect.check()
    }
}

mod op_name {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    use crate::OperationId;

    pub(super) fn serialize<S: Serializer>(
        v: &Option<OperationId>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(op) => s.serialize_str(op.name()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OperationId>, D::Error> {
        let name = String::deserialize(d)?;
        OperationId::from_name(&name)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("`{name}` is not an operation")))
    }
}

mod category_name {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    use crate::throttle::ThrottleCategory;

    pub(super) fn serialize<S: Serializer>(
        v: &Option<ThrottleCategory>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(c) => s.serialize_str(c.name()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<ThrottleCategory>, D::Error> {
        let name = String::deserialize(d)?;
        ThrottleCategory::ALL
            .iter()
            .find(|c| c.name() == name)
            .copied()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("`{name}` is not a rate-limit category")))
    }
}
