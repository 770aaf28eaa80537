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

use super::fields::{closest, Found, Kind, Seg};
use crate::{DecodeError, Endpoint, Error, Operation, OperationId};

/// Looks an operation up by its upstream name.
pub fn operation(name: &str) -> Result<OperationId, Error> {
    OperationId::from_name(name).ok_or_else(|| Error::UnknownOperation(name.to_owned()))
}

/// The operation whose name is closest to `name` (by edit distance, ignoring
/// case), when it is close enough to be the one meant: what
/// [`Error::suggestion`] offers for an unknown operation. A name that is one
/// of an operation's [aliases](crate::OperationInfo::aliases) (`EnableApp`,
/// `KickUsers`), ignoring case, is that operation.
///
/// ```
/// use sparkrtc::{dynamic, OperationId};
///
/// assert_eq!(dynamic::closest_operation("ShowMixjob"), Some(OperationId::ShowMixJob));
/// assert_eq!(dynamic::closest_operation("listapp"), Some(OperationId::ListApps));
/// assert_eq!(dynamic::closest_operation("EnableApp"), Some(OperationId::StartApp));
/// assert_eq!(dynamic::closest_operation("Frobnicate"), None);
/// ```
pub fn closest_operation(name: &str) -> Option<OperationId> {
    if let Some(id) = OperationId::ALL.iter().copied().find(|id| {
        id.info()
            .aliases
            .iter()
            .any(|alias| alias.eq_ignore_ascii_case(name))
    }) {
        return Some(id);
    }
    let found = closest(name, OperationId::ALL.iter().map(|id| id.name()))?;
    OperationId::from_name(found)
}

/// The operations a word finds, in table order: those whose upstream name
/// contains it, that have it as an [alias](crate::OperationInfo::aliases), or
/// whose summary contains it, all ignoring ASCII case. For when the upstream
/// name is not the word a user has in mind ("enable an app" is
/// [`StartApp`](crate::ops::StartApp), "kick" is
/// [`RemoveUsers`](crate::ops::RemoveUsers)). An empty word finds nothing.
///
/// ```
/// use sparkrtc::{dynamic, OperationId};
///
/// assert_eq!(dynamic::search_operations("enable"), [OperationId::StartApp]);
/// assert_eq!(dynamic::search_operations("kick"), [OperationId::RemoveUsers]);
/// assert_eq!(dynamic::search_operations("layout"), [OperationId::UpdateMixJob]);
/// assert!(dynamic::search_operations("frobnicate").is_empty());
/// ```
pub fn search_operations(word: &str) -> Vec<OperationId> {
    if word.is_empty() {
        return Vec::new();
    }
    let word = word.to_ascii_lowercase();
    OperationId::ALL
        .iter()
        .copied()
        .filter(|id| {
            let info = id.info();
            info.name.to_ascii_lowercase().contains(&word)
                || info.aliases.iter().any(|a| a.eq_ignore_ascii_case(&word))
                || info.summary.to_ascii_lowercase().contains(&word)
        })
        .collect()
}

/// One parameter an operation reads, at any depth, as its request type
/// reads JSON: from [`fields`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Field {
    /// The wire name (`app_id`, `type`, `body`, `layout_panes`).
    pub name: &'static str,
    /// Whether it must be given (inside its parent, when the parent is given).
    pub required: bool,
    /// The JSON it takes.
    pub shape: Shape,
}

/// The JSON a parameter takes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shape {
    /// A string (value sets too: their documented values, or any other).
    String,
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A list of values of one shape.
    List(Box<Shape>),
    /// An object with these fields.
    Object(Vec<Field>),
    /// An object with free keys.
    Map,
    /// Any JSON value.
    Any,
}

/// Every parameter of the operation `name`, nested fields included, in the
/// order its request type declares them.
///
/// ```
/// use sparkrtc::dynamic::{self, Shape};
///
/// let fields = dynamic::fields("CreateMixJob")?;
/// assert_eq!(fields.iter().map(|f| f.name).collect::<Vec<_>>(), ["app_id", "body"]);
/// let Shape::Object(body) = &fields[1].shape else { panic!() };
/// assert_eq!(body[0].name, "mix_param");
/// assert!(body[0].required);
/// assert_eq!(body[1].name, "record_param");
/// assert!(!body[1].required);
/// # Ok::<(), sparkrtc::Error>(())
/// ```
pub fn fields(name: &str) -> Result<Vec<Field>, Error> {
    let id = operation(name)?;
    Ok(fields_of(&|path| id.probe(path), &mut Vec::new(), 0))
}

/// How deep [`fields`] looks (the models nest four levels; a type that
/// contained itself would go on for ever).
const MAX_DEPTH: usize = 16;

/// What a type reads at a path (see `fields::probe`).
type Probe<'a> = &'a dyn Fn(&[Seg<'_>]) -> Option<Found>;

/// The fields of the object at `path`, `depth` objects down: deeper than
/// [`MAX_DEPTH`], an object is [`Shape::Any`].
fn fields_of(probe: Probe<'_>, path: &mut Vec<Seg<'static>>, depth: usize) -> Vec<Field> {
    let Some(Found {
        lists: 0,
        kind: Kind::Struct(names),
        ..
    }) = probe(path)
    else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(names.len());
    for &name in names {
        path.push(Seg::Key(name));
        if let Some(found) = probe(path) {
            let mut shape = match found.kind {
                Kind::Struct(_) if depth < MAX_DEPTH => {
                    let before = path.len();
                    path.extend(std::iter::repeat_n(Seg::Index, usize::from(found.lists)));
                    let inner = fields_of(probe, path, depth + 1);
                    path.truncate(before);
                    Shape::Object(inner)
                }
                Kind::Struct(_) | Kind::Any => Shape::Any,
                Kind::String => Shape::String,
                Kind::Integer => Shape::Integer,
                Kind::Number => Shape::Number,
                Kind::Boolean => Shape::Boolean,
                Kind::Map => Shape::Map,
            };
            for _ in 0..found.lists {
                shape = Shape::List(Box::new(shape));
            }
            out.push(Field {
                name,
                required: !found.optional,
                shape,
            });
        }
        path.pop();
    }
    out
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
            // The root's path is ".", named "" in an error.
            let path = Some(e.path().to_string()).filter(|p| p != ".");
            let message = e.into_inner().to_string();
            // A misspelt name is both unknown and missing: name the one the
            // caller wrote.
            if let (Some(_), Some(field)) = (missing_field(&message), unknown) {
                return Err(Error::invalid(field, UNKNOWN_PARAMETER));
            }
            let field = match (path, missing_field(&message)) {
                (Some(path), Some(missing)) => format!("{path}.{missing}"),
                (None, Some(missing)) => missing.to_owned(),
                (path, None) => path.unwrap_or_default(),
            };
            Err(Error::invalid(field, message))
        }
        Ok(v) => match unknown {
            Some(field) => Err(Error::invalid(field, UNKNOWN_PARAMETER)),
            None => Ok(v),
        },
    }
}

/// The reason of an [`Error::InvalidParameter`] for a parameter the
/// operation does not have.
pub(crate) const UNKNOWN_PARAMETER: &str = "unknown parameter";

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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn suggestions_for_operations_and_parameters() {
        assert_eq!(
            closest_operation("ShowMixjob"),
            Some(OperationId::ShowMixJob)
        );
        assert_eq!(closest_operation("listapp"), Some(OperationId::ListApps));
        assert_eq!(closest_operation("Frobnicate"), None);
        assert_eq!(
            Error::UnknownOperation("CreatMixJob".into()).suggestion(),
            Some("CreateMixJob")
        );
        assert_eq!(Error::UnknownOperation("".into()).suggestion(), None);
        let invalid = |operation, field: &str, reason: &str| Error::InvalidParameter {
            operation,
            field: field.into(),
            reason: reason.into(),
        };
        assert_eq!(
            invalid("ShowApp", "appid", UNKNOWN_PARAMETER).suggestion(),
            Some("app_id")
        );
        // Only for unknown parameters, of a known operation.
        assert_eq!(
            invalid("ShowApp", "appid", "missing field").suggestion(),
            None
        );
        assert_eq!(invalid("", "appid", UNKNOWN_PARAMETER).suggestion(), None);
        assert_eq!(
            invalid("Nope", "appid", UNKNOWN_PARAMETER).suggestion(),
            None
        );
        assert_eq!(Error::InvalidEndpoint("ShowApp".into()).suggestion(), None);
    }

    #[test]
    fn fields_nest_with_their_shapes() {
        let top = fields("CreateMixJob").unwrap();
        let body = top.iter().find(|f| f.name == "body").unwrap();
        assert!(body.required);
        let Shape::Object(body) = &body.shape else {
            panic!("{body:?}")
        };
        let Shape::Object(mix) = &body[0].shape else {
            panic!("{body:?}")
        };
        let panes = mix.iter().find(|f| f.name == "layout_panes").unwrap();
        assert!(!panes.required);
        let Shape::List(item) = &panes.shape else {
            panic!("{panes:?}")
        };
        let Shape::Object(pane) = item.as_ref() else {
            panic!("{item:?}")
        };
        let kinds: Vec<(&str, bool, Shape)> = pane
            .iter()
            .filter(|f| ["id", "user_id", "x"].contains(&f.name))
            .map(|f| (f.name, f.required, f.shape.clone()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("id", false, Shape::Integer),
                ("user_id", false, Shape::String),
                ("x", false, Shape::Number)
            ]
        );
        let users = fields("ListRtcUserList").unwrap();
        let state = users.iter().find(|f| f.name == "state").unwrap();
        assert_eq!(state.shape, Shape::List(Box::new(Shape::String)));
        let obs = fields("UpdateObsBucketAuthority").unwrap();
        let Shape::Object(body) = &obs[0].shape else {
            panic!("{obs:?}")
        };
        assert!(body.iter().all(|f| f.shape != Shape::Any), "{body:?}");
        assert!(fields("ListObsBuckets").unwrap().is_empty());
        assert!(matches!(fields("Nope"), Err(Error::UnknownOperation(_))));
    }

    #[test]
    fn a_type_that_contains_itself_is_cut_at_the_depth_limit() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Node {
            name: String,
            child: Option<Box<Node>>,
        }
        let probe = |path: &[Seg<'_>]| super::super::fields::probe::<Node>(path);
        let mut level = fields_of(&probe, &mut Vec::new(), 0);
        let mut depth = 0;
        loop {
            assert_eq!(level[0].name, "name");
            assert_eq!(level[1].name, "child");
            assert!(!level[1].required);
            match &level[1].shape {
                Shape::Object(inner) => {
                    depth += 1;
                    level = inner.clone();
                }
                Shape::Any => break,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(depth, MAX_DEPTH);
    }

    #[test]
    fn a_misspelt_name_is_reported_as_unknown_not_missing() {
        let endpoint = Endpoint::default();
        let err = build("ShowApp", &json!({"appid": "a"}), &endpoint).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter `appid` of ShowApp: unknown parameter"
        );
        assert_eq!(err.suggestion(), Some("app_id"));
        let params =
            json!({"app_id": "a", "body": {"mix_param": {"room_id": "r", "encode_templat": "x"}}});
        let err = build("CreateMixJob", &params, &endpoint).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter `body.mix_param.encode_templat` of CreateMixJob: unknown parameter"
        );
        assert_eq!(err.suggestion(), Some("encode_template"));
        // Only missing: the missing one.
        let err = build("ShowApp", &json!({}), &endpoint).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter `app_id` of ShowApp: missing field `app_id`"
        );
        assert_eq!(err.suggestion(), None);
        // A wrong type is reported as such, even with an unknown name beside it.
        let err = build("ListApps", &json!({"limit": "x", "nope": 1}), &endpoint).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter `limit` of ListApps: invalid type: string \"x\", expected u32"
        );
    }
}
