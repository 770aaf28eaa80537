//! The API gateway's steps before an operation runs: route, authenticate,
//! check the project, rate-limit, read the parameters.

use std::collections::BTreeMap;
use std::time::Duration;

use http::{Method, Request, StatusCode};

use crate::dynamic::{self, Incoming, RequestError};
use crate::headers::X_PROJECT_ID;
use crate::throttle::{Admission, RateLimit, ThrottleCategory, Window};
use crate::OperationId;

use super::auth;
use super::codes;
use super::config::SimulatorConfig;
use super::util::Fail;

/// Rate-limit windows by (account, category).
pub(crate) type Windows = BTreeMap<(String, ThrottleCategory), Window>;

/// Runs the gateway's steps: the request's parameters, or why it is
/// refused. `now` is the clock's monotonic time (for rate limits) and
/// `wall` its wall time (for signatures).
pub(crate) fn admit(
    config: &SimulatorConfig,
    windows: &mut Windows,
    request: &Request<Vec<u8>>,
    operation: OperationId,
    path_params: &[(&'static str, String)],
    now: Duration,
    wall: std::time::SystemTime,
) -> Result<Incoming, Fail> {
    let caller = auth::authenticate(config, request, wall)?;
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
        return Err(Fail::new(
            StatusCode::FORBIDDEN,
            codes::APIGW_FORBIDDEN,
            "The IAM user is not authorized to access the API.",
        ));
    }
    if config.rate_limits {
        let limit = operation.category().documented_limit();
        let key = (caller.account(), operation.category());
        if !windows.contains_key(&key) {
            if let Ok(window) = Window::new(limit) {
                windows.insert(key.clone(), window);
            }
        }
        let admitted = windows
            .get_mut(&key)
            .is_none_or(|w| w.acquire(now) == Admission::Send);
        if !admitted {
            return Err(throttled(limit));
        }
    }
    dynamic::decode_request(request).map_err(request_error)
}

/// 404 `APIGW.0101`: with the reference's shorter message when the path
/// exists under another method.
pub(crate) fn no_route(path: &str) -> Fail {
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
pub(crate) fn throttled(limit: RateLimit) -> Fail {
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
