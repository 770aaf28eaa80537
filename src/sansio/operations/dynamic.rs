//! Operations by name, with JSON parameters: for scripts, configuration-driven
//! calls and command-line tools.
//!
//! Parameters take the shape of the official SDK's request models: path and
//! query parameters by their wire names at the top level, the request body
//! under `body`. The typed requests in [`ops`](crate::ops) serialize to and
//! deserialize from exactly this shape, so a request can be stored, reloaded
//! and sent again, and [`build`] sends exactly what the typed API sends.
//!
//! Unlike response parsing, parameter reading is strict: an unknown
//! parameter (at any depth), a wrong type or a missing required parameter is
//! an [`Error::InvalidParameter`] naming the field.
//!
//! ```
//! use serde_json::json;
//! use sparkrtc::{dynamic, Endpoint};
//!
//! let endpoint = Endpoint::default();
//! let request = dynamic::build(
//!     "ShowMixJob",
//!     &json!({"app_id": "my-app", "job_id": "job-1"}),
//!     &endpoint,
//! )?;
//! assert_eq!(request.uri().path(), "/v2/apps/my-app/mix-stream-jobs/job-1");
//!
//! let err = dynamic::build("ShowMixJob", &json!({"app_id": "my-app"}), &endpoint).unwrap_err();
//! assert_eq!(err.to_string(), "invalid parameter `job_id` of ShowMixJob: missing field `job_id`");
//!
//! let out = dynamic::parse(
//!     "ShowMixJob",
//!     http::StatusCode::OK,
//!     &http::HeaderMap::new(),
//!     br#"{"job_id":"job-1","state":"RUNNING","surprise":1}"#,
//! )?;
//! assert_eq!(out, json!({"job_id": "job-1", "state": "RUNNING"}));
//! # Ok::<(), sparkrtc::Error>(())
//! ```

use http::{HeaderMap, Request, StatusCode};

pub use super::incoming::{decode_request, route, Incoming, RequestError};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{DecodeError, Endpoint, Error, Operation, OperationId};

/// Looks an operation up by its upstream name.
pub fn operation(name: &str) -> Result<OperationId, Error> {
    OperationId::from_name(name).ok_or_else(|| Error::UnknownOperation(name.to_owned()))
}

/// Builds the request of the operation `name` from JSON parameters.
pub fn build(name: &str, params: &Value, endpoint: &Endpoint) -> Result<Request<Vec<u8>>, Error> {
    operation(name)?.build_json(params, endpoint)
}

/// Parses a response of the operation `name` into its typed output,
/// re-serialized as JSON (unknown fields dropped, value sets normalized, the
/// request id under `X-Request-Id`).
pub fn parse(
    name: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, Error> {
    operation(name)?.parse_json(status, headers, body)
}

/// Reads JSON parameters into the typed request `O`, strictly.
pub fn from_params<O: Operation>(params: &Value) -> Result<O, Error> {
    let name = O::ID.name();
    let empty = Value::Object(Default::default());
    let params = match params {
        Value::Null => &empty,
        Value::Object(_) => params,
        _ => {
            return Err(Error::InvalidParameter {
                operation: name,
                field: String::new(),
                reason: "parameters must be a JSON object".into(),
            })
        }
    };
    deserialize_strict::<O>(params).map_err(|e| e.in_operation(name))
}

fn deserialize_strict<T: DeserializeOwned>(value: &Value) -> Result<T, Error> {
    let mut unknown: Option<String> = None;
    let mut on_unknown = |path: serde_ignored::Path<'_>| {
        if unknown.is_none() {
            unknown = Some(render_ignored(&path));
        }
    };
    let de = serde_ignored::Deserializer::new(value, &mut on_unknown);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(de);
    match parsed {
        Err(e) => {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            let field = match missing_field(&message) {
                Some(missing) if path == "." => missing.to_owned(),
                Some(missing) => format!("{path}.{missing}"),
                None if path == "." => String::new(),
                None => path,
            };
            Err(Error::invalid(field, message))
        }
        Ok(v) => match unknown {
            Some(field) => Err(Error::invalid(field, "unknown parameter")),
            None => Ok(v),
        },
    }
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Renders a serde_ignored path like serde_path_to_error does: `a.b[0].c`.
fn render_ignored(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", render_ignored(parent)),
        Path::Map { parent, key } => {
            let p = render_ignored(parent);
            if p.is_empty() {
                key.clone()
            } else {
                format!("{p}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => render_ignored(parent),
    }
}

/// [`build`] for a known type.
pub fn build_as<O: Operation>(
    params: &Value,
    endpoint: &Endpoint,
) -> Result<Request<Vec<u8>>, Error> {
    from_params::<O>(params)?.build(endpoint)
}

/// Reads and re-serializes parameters: the canonical form of a request.
pub fn normalize_as<O: Operation>(params: &Value) -> Result<Value, Error> {
    let op = from_params::<O>(params)?;
    serde_json::to_value(&op)
        .map_err(|e| Error::invalid("", e.to_string()).in_operation(O::ID.name()))
}

/// [`parse`] for a known type.
pub fn parse_as<O: Operation>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, Error> {
    let out = O::parse(status, headers, body)?;
    serde_json::to_value(&out).map_err(|e| {
        DecodeError::error(
            O::ID.name(),
            status,
            headers,
            body,
            ".".into(),
            format!("cannot re-serialize the output: {e}"),
        )
    })
}
