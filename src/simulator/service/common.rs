//! What every operation uses: its context, its answers, lookups that fail
//! the way the service does.

use std::time::SystemTime;

use http::StatusCode;
use serde::Serialize;

use crate::dynamic::Incoming;
use crate::Operation;

use super::super::codes;
use super::super::config::{Limits, SimulatorConfig};
use super::super::util::Fail;
use super::super::world::{AppRec, World};

/// A successful answer.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
}

/// What an operation works with.
pub(crate) struct Ctx<'a> {
    pub(crate) world: &'a mut World,
    pub(crate) config: &'a SimulatorConfig,
    /// The wall time of the request.
    pub(crate) now: SystemTime,
}

impl Ctx<'_> {
    pub(crate) fn limits(&self) -> &Limits {
        &self.config.limits
    }
}

pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Reply, Fail> {
    let body = serde_json::to_vec(value).map_err(|e| internal(e.to_string()))?;
    Ok(Reply { status, body })
}

pub(crate) fn empty(status: StatusCode) -> Result<Reply, Fail> {
    Ok(Reply {
        status,
        body: Vec::new(),
    })
}

pub(crate) fn internal(detail: impl std::fmt::Display) -> Fail {
    Fail::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        codes::INTERNAL,
        format!("InternalError: {detail}"),
    )
}

/// The typed parameters of a request routed to `O`.
pub(crate) fn typed<O: Operation>(incoming: &Incoming) -> Result<O, Fail> {
    incoming
        .typed::<O>()
        .ok_or_else(|| internal(format!("cannot read the parameters of {}", O::ID.name())))
}

/// An application, or 404 `RTC.00001003` as the reference answers.
pub(crate) fn app<'w>(world: &'w World, app_id: &str) -> Result<&'w AppRec, Fail> {
    world
        .app(app_id)
        .ok_or_else(|| Fail::not_found("app_id", app_id))
}

pub(crate) fn app_mut<'w>(world: &'w mut World, app_id: &str) -> Result<&'w mut AppRec, Fail> {
    world
        .app_mut(app_id)
        .ok_or_else(|| Fail::not_found("app_id", app_id))
}

/// 400 `RTC.00001016` AppDeactivation: the application is stopped.
pub(crate) fn deactivated() -> Fail {
    Fail::new(
        StatusCode::BAD_REQUEST,
        codes::APP_DEACTIVATION,
        "AppDeactivation: app is stopped",
    )
}

/// An application that jobs may run in: it exists and is enabled.
pub(crate) fn active_app<'w>(world: &'w World, app_id: &str) -> Result<&'w AppRec, Fail> {
    let a = app(world, app_id)?;
    if !a.is_active() {
        return Err(deactivated());
    }
    Ok(a)
}

/// A cap on stored state reached: 400 `RTC.00001003`, naming the cap.
pub(crate) fn cap_reached(what: &str, max: usize) -> Fail {
    Fail::invalid(format!(
        "the simulator holds at most {max} {what}; remove some, or reset it (POST /_sparkrtc/reset)"
    ))
}

/// One page of `items`: page number `page` (from 0) of `limit` items.
pub(crate) fn page_of<T>(items: &[T], page: u32, limit: u32) -> &[T] {
    let start = (page as usize)
        .saturating_mul(limit as usize)
        .min(items.len());
    let end = start.saturating_add(limit as usize).min(items.len());
    &items[start..end]
}
