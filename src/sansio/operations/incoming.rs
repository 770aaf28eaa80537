//! The other side of the wire: which operation a request is, and with which
//! parameters, as the service would read it. For simulators, mock servers
//! and gateways; the inverse of [`Operation::build`](crate::Operation::build).

use http::{Method, Request};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use crate::sansio::model::rules::Checks;
use crate::{Error, Operation, OperationId};

/// A request the service would serve: its operation, and its parameters in
/// the SDK request shape (path and query parameters by wire name, the body
/// under `body`), normalized as [`crate::dynamic`] writes them.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Incoming {
    /// The operation.
    pub operation: OperationId,
    /// The parameters.
    pub params: Value,
}

impl Incoming {
    /// The parameters as the operation's typed request.
    ///
    /// ```
    /// use sparkrtc::dynamic::decode_request;
    /// use sparkrtc::ops::ShowMixJob;
    /// use sparkrtc::{Endpoint, Operation};
    ///
    /// let request = ShowMixJob::new("app-1", "job/1").build(&Endpoint::default())?;
    /// let incoming = decode_request(&request).unwrap();
    /// let show: ShowMixJob = incoming.typed().unwrap();
    /// assert_eq!(show.job_id, "job/1");
    /// # Ok::<(), sparkrtc::Error>(())
    /// ```
    pub fn typed<O: Operation>(&self) -> Option<O> {
        if O::ID != self.operation {
            return None;
        }
        serde_json::from_value(self.params.clone()).ok()
    }
}

/// Why a request is not one the service would serve, in the service's
/// terms: no such route, a parameter missing, a parameter invalid, a body
/// that is not JSON.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// No operation has this method and path.
    #[error("no operation at {method} {path}")]
    NoRoute {
        /// The method.
        method: String,
        /// The path.
        path: String,
    },
    /// A required parameter is missing or empty.
    #[error("missing parameter `{0}`")]
    Missing(String),
    /// A parameter has the wrong type or a value outside its documented range.
    #[error("invalid parameter `{field}`: {reason}")]
    Invalid {
        /// The parameter's path (`body.mix_param.room_id`).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The body is not a JSON object.
    #[error("malformed request body: {0}")]
    MalformedBody(String),
}

/// Reads a request the way the service would: the route gives the
/// operation and the path parameters, the query and the JSON body the rest;
/// then the parameters are checked as [`Operation::build`](crate::Operation::build)
/// checks them (required fields, types, documented ranges, unknown fields).
///
/// Unknown query keys are ignored, as servers do. Nothing about
/// authentication is checked here.
///
/// ```
/// use serde_json::json;
/// use sparkrtc::dynamic::{decode_request, RequestError};
/// use sparkrtc::ops::ListApps;
/// use sparkrtc::{Endpoint, Operation, OperationId};
///
/// let request = ListApps::new().limit(10).state("ACTIVATION").build(&Endpoint::default())?;
/// let incoming = decode_request(&request).unwrap();
/// assert_eq!(incoming.operation, OperationId::ListApps);
/// assert_eq!(incoming.params, json!({"state": "ACTIVATION", "limit": 10}));
///
/// let bad = http::Request::get("https://h/v2/apps?limit=500").body(Vec::new()).unwrap();
/// assert!(matches!(decode_request(&bad), Err(RequestError::Invalid { field, .. }) if field == "limit"));
/// # Ok::<(), sparkrtc::Error>(())
/// ```
pub fn decode_request<B: AsRef<[u8]>>(request: &Request<B>) -> Result<Incoming, RequestError> {
    let path = request.uri().path();
    let (operation, path_params) =
        route(request.method(), path).ok_or_else(|| RequestError::NoRoute {
            method: request.method().to_string(),
            path: path.to_owned(),
        })?;
    let mut params = Map::new();
    for (name, value) in path_params {
        params.insert(name.to_owned(), Value::String(value));
    }
    let pairs = query_pairs(request.uri().query().unwrap_or(""));
    operation.decode_query(&pairs, &mut params)?;
    if operation.info().has_body {
        let body = request.body().as_ref();
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(RequestError::Missing("body".into()));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(value @ Value::Object(_)) => {
                params.insert("body".into(), value);
            }
            Ok(_) => return Err(RequestError::MalformedBody("not a JSON object".into())),
            Err(e) => return Err(RequestError::MalformedBody(e.to_string())),
        }
    }
    let params = operation.check_params(&Value::Object(params))?;
    Ok(Incoming { operation, params })
}

/// The operation with this method and path, and its path parameters
/// (percent-decoded). `{project_id}` is a parameter only of the operations
/// that accept it as an override.
pub fn route(method: &Method, path: &str) -> Option<(OperationId, Vec<(&'static str, String)>)> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    'ops: for &id in OperationId::ALL {
        let info = id.info();
        if info.method != *method {
            continue;
        }
        let template: Vec<&'static str> = info.path.trim_start_matches('/').split('/').collect();
        if template.len() != segments.len() {
            continue;
        }
        let mut captured = Vec::new();
        for (t, s) in template.iter().zip(&segments) {
            match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) => {
                    let value = percent_decode_str(s).decode_utf8().ok()?.into_owned();
                    if value.is_empty() {
                        continue 'ops;
                    }
                    captured.push((name, value));
                }
                None if t == s => {}
                None => continue 'ops,
            }
        }
        return Some((id, captured));
    }
    None
}

/// The decoded `key=value` pairs of a query string.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |s: &str| {
                let s = s.replace('+', " ");
                percent_decode_str(&s).decode_utf8_lossy().into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}

/// A value a query parameter can hold, read from its text.
pub(crate) trait QueryScalar: Sized {
    fn from_text(text: &str) -> Result<Self, String>;
}

impl QueryScalar for String {
    fn from_text(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
}

macro_rules! query_numbers {
    ($($t:ty),*) => {$(
        impl QueryScalar for $t {
            fn from_text(text: &str) -> Result<Self, String> {
                text.parse().map_err(|_| format!("`{text}` is not a {}", stringify!($t)))
            }
        }
    )*};
}
query_numbers!(u8, u16, u32, u64, i32, i64, bool);

/// A query field: its value from the pairs with its key, `None` when absent.
pub(crate) trait QueryField: Sized {
    fn from_pairs(key: &str, pairs: &[(String, String)]) -> Result<Option<Self>, RequestError>;
}

impl<T: QueryScalar> QueryField for T {
    fn from_pairs(key: &str, pairs: &[(String, String)]) -> Result<Option<Self>, RequestError> {
        match pairs.iter().find(|(k, _)| k == key) {
            None => Ok(None),
            Some((_, v)) => T::from_text(v)
                .map(Some)
                .map_err(|reason| RequestError::Invalid {
                    field: key.to_owned(),
                    reason,
                }),
        }
    }
}

/// Lists are repeated keys.
impl<T: QueryScalar> QueryField for Vec<T> {
    fn from_pairs(key: &str, pairs: &[(String, String)]) -> Result<Option<Self>, RequestError> {
        let mut out = Vec::new();
        for (_, v) in pairs.iter().filter(|(k, _)| k == key) {
            out.push(T::from_text(v).map_err(|reason| RequestError::Invalid {
                field: key.to_owned(),
                reason,
            })?);
        }
        Ok((!out.is_empty()).then_some(out))
    }
}

/// A query field's value into the parameters, under its wire name; a
/// missing required one is an error.
pub(crate) fn put_query<T: QueryField + serde::Serialize>(
    key: &'static str,
    required: bool,
    pairs: &[(String, String)],
    out: &mut Map<String, Value>,
) -> Result<(), RequestError> {
    match T::from_pairs(key, pairs)? {
        Some(value) => {
            let value = serde_json::to_value(&value).map_err(|e| RequestError::Invalid {
                field: key.to_owned(),
                reason: e.to_string(),
            })?;
            out.insert(key.to_owned(), value);
            Ok(())
        }
        None if required => Err(RequestError::Missing(key.to_owned())),
        None => Ok(()),
    }
}

/// Reads typed parameters strictly and checks them as `build` would;
/// returns them normalized.
pub(crate) fn check_as<O: Operation>(params: &Value) -> Result<Value, RequestError> {
    let op: O = crate::dynamic::from_params(params).map_err(request_error)?;
    op.validate(Checks::ALL).map_err(request_error)?;
    serde_json::to_value(&op).map_err(|e| RequestError::Invalid {
        field: String::new(),
        reason: e.to_string(),
    })
}

/// An [`Error::InvalidParameter`] in the service's terms.
fn request_error(error: Error) -> RequestError {
    match error {
        Error::InvalidParameter { field, reason, .. }
            if reason.starts_with("missing field") || reason.starts_with("is required") =>
        {
            RequestError::Missing(field)
        }
        Error::InvalidParameter { field, reason, .. } => RequestError::Invalid { field, reason },
        other => RequestError::Invalid {
            field: String::new(),
            reason: other.to_string(),
        },
    }
}
