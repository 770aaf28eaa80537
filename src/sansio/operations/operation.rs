//! The [`Operation`] trait: how a typed request becomes an `http::Request`
//! and how a response becomes a typed [`Output`]. One generic mechanism for
//! every endpoint; each endpoint's own facts live in [`ops`](crate::ops).

use std::fmt;
use std::ops::Deref;

use http::header::{HeaderValue, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, Method, Request, Response, StatusCode, Uri};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::headers::{DEFAULT_USER_AGENT, JSON_CONTENT_TYPE, X_PROJECT_ID};
use crate::sansio::model::rules::Checks;
use crate::sansio::wire::encoding::{encode_into, write_sorted_query, QueryPair};
use crate::sansio::wire::{request_id, validate_project_id, MAX_RESPONSE_BODY};
use crate::throttle::ThrottleCategory;
use crate::{ApiError, DecodeError, Endpoint, Error, OperationId};

/// A SparkRTC operation's typed request.
///
/// Implemented by every type in [`ops`](crate::ops) (and by
/// [`Unchecked`] around any of them). Build the request with
/// [`build`](Operation::build), send it with any HTTP client (after signing
/// it), and read the answer with [`parse`](Operation::parse).
///
/// The trait is sealed: the operations are the API's, declared in one table.
///
/// ```
/// use sparkrtc::{ops::ShowMixJob, Endpoint, Operation};
///
/// let request = ShowMixJob::new("my-app", "job-1").build(&Endpoint::default())?;
/// assert_eq!(request.method(), "GET");
/// assert_eq!(
///     request.uri(),
///     "https://rtc-api.myhuaweicloud.com/v2/apps/my-app/mix-stream-jobs/job-1"
/// );
///
/// let body = br#"{"job_id":"job-1","state":"RUNNING"}"#;
/// let mut headers = http::HeaderMap::new();
/// headers.insert("X-Request-Id", "req-9".parse().unwrap());
/// let out = ShowMixJob::parse(http::StatusCode::OK, &headers, body)?;
/// assert_eq!(out.request_id.as_deref(), Some("req-9"));
/// assert_eq!(out.job_id.as_deref(), Some("job-1"));
/// # Ok::<(), sparkrtc::Error>(())
/// ```
pub trait Operation: Plumbing + Clone + fmt::Debug + Serialize + DeserializeOwned {
    /// Which operation this is; its metadata is `Self::ID.info()`.
    const ID: OperationId;

    /// The typed body of a successful response.
    type Output: DeserializeOwned + Serialize + fmt::Debug;

    /// Builds the unsigned HTTP request for `endpoint`.
    ///
    /// Checks the parameters first: required ones must be given, documented
    /// ranges must hold (see [`Unchecked`] to leave ranges to the service).
    /// Path parameters are percent-encoded as single path segments; query
    /// pairs are sorted by key, then value, and percent-encoded (RFC 3986
    /// unreserved characters kept, space as `%20`), as the official SDK sends
    /// them. Headers: `Content-Type: application/json;charset=UTF-8`,
    /// `User-Agent`, and `X-Project-Id` when the endpoint has a project id.
    fn build(&self, endpoint: &Endpoint) -> Result<Request<Vec<u8>>, Error> {
        build_request(self, Self::ID.info(), endpoint)
    }

    /// Parses a response: status, headers and body bytes.
    ///
    /// A non-2xx status is an [`Error::Api`]; a 2xx body that does not match
    /// the model is an [`Error::Decode`] naming the JSON path. An empty body
    /// reads as `{}`. Unknown fields are ignored; missing optional fields are
    /// `None`.
    fn parse(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Output<Self::Output>, Error> {
        parse_response(Self::ID.info().name, status, headers, body)
    }

    /// [`parse`](Operation::parse) for an `http::Response`.
    fn parse_response<B: AsRef<[u8]>>(
        response: &Response<B>,
    ) -> Result<Output<Self::Output>, Error> {
        Self::parse(
            response.status(),
            response.headers(),
            response.body().as_ref(),
        )
    }
}

/// The machinery behind [`Operation::build`], generated for every operation
/// by the table. Not part of the public API: `Operation` is sealed by it.
#[allow(unreachable_pub)]
pub trait Plumbing {
    /// The value of a `{name}` path placeholder other than `project_id`.
    fn path_param(&self, name: &str) -> Option<&str>;

    /// Appends the query parameters that are set, unencoded, in declaration order.
    fn query_pairs<'a>(&'a self, out: &mut Vec<QueryPair<'a>>);

    /// Appends the JSON body, if the operation has one, and says whether it did.
    fn write_body(&self, out: &mut Vec<u8>) -> Result<bool, Error>;

    /// Checks required parameters, and documented ranges when asked to.
    fn validate(&self, checks: Checks) -> Result<(), Error>;

    /// The request's own project id, overriding the endpoint's.
    fn project_id_override(&self) -> Option<&str>;

    /// Which checks [`Operation::build`] runs.
    fn checks(&self) -> Checks {
        Checks::ALL
    }
}

/// Any operation, sent without the crate's checks of documented ranges.
///
/// The crate refuses values outside the ranges the API reference documents
/// (`limit` 1..=100 for `ListApps`, a pane's `zorder` 0..=25,
/// `record_slice_duration` 2..=60, ...): an early error that names the field
/// beats a round trip. But the service is the final judge, and documented
/// ranges change. Wrapping a request in `Unchecked` sends it anyway; the
/// service then accepts it or answers with its own error. Everything else is
/// still checked: required parameters must be given, and path parameters can
/// never be `.` or `..`.
///
/// ```
/// use sparkrtc::{ops::ListApps, Endpoint, Operation, Unchecked};
///
/// let endpoint = Endpoint::default();
/// let err = ListApps::new().limit(500).build(&endpoint).unwrap_err();
/// assert_eq!(err.to_string(), "invalid parameter `limit` of ListApps: must be within 1..=100, got 500");
///
/// let request = Unchecked(ListApps::new().limit(500)).build(&endpoint)?;
/// assert_eq!(request.uri().query(), Some("limit=500"));
/// # Ok::<(), sparkrtc::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Unchecked<O>(pub O);

impl<O: Operation> Plumbing for Unchecked<O> {
    fn path_param(&self, name: &str) -> Option<&str> {
        self.0.path_param(name)
    }
    fn query_pairs<'a>(&'a self, out: &mut Vec<QueryPair<'a>>) {
        self.0.query_pairs(out)
    }
    fn write_body(&self, out: &mut Vec<u8>) -> Result<bool, Error> {
        self.0.write_body(out)
    }
    fn validate(&self, checks: Checks) -> Result<(), Error> {
        self.0.validate(checks)
    }
    fn project_id_override(&self) -> Option<&str> {
        self.0.project_id_override()
    }
    fn checks(&self) -> Checks {
        Checks::WITHOUT_RANGES
    }
}

impl<O: Operation> Operation for Unchecked<O> {
    const ID: OperationId = O::ID;
    type Output = O::Output;
}

/// A successful response: the typed body and the request id.
///
/// Derefs to the body, so `output.job_id` reads a field of the body.
/// Serializes as the body's fields plus `X-Request-Id`, the shape of the
/// official SDK's response models.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Output<T> {
    /// The `X-Request-Id` response header.
    #[serde(
        rename = "X-Request-Id",
        alias = "X-request-Id",
        alias = "X-request-id",
        alias = "x_request_id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
    /// The response body.
    #[serde(flatten)]
    pub body: T,
}

impl<T> Deref for Output<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.body
    }
}

/// An operation's metadata, from [`OperationId::info`].
#[derive(Debug)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The operation.
    pub id: OperationId,
    /// Upstream name, for example `CreateMixJob`.
    pub name: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// The words users search for when they do not know the upstream name
    /// (`enable` and `EnableApp` for [`StartApp`](crate::ops::StartApp));
    /// rustdoc's search finds the operation by them too (`#[doc(alias)]`).
    pub aliases: &'static [&'static str],
    /// HTTP method.
    pub method: Method,
    /// Path template, for example `/v2/apps/{app_id}/mix-stream-jobs`.
    pub path: &'static str,
    /// The documented rate-limit category.
    pub category: ThrottleCategory,
    /// Whether sending the request twice has the same effect as once, so an
    /// ambiguous failure (timeout after sending) may be retried. True for
    /// GET, PUT, DELETE and the POSTs that only set a state; false for the
    /// POSTs that create an application or a recording job.
    pub retry_safe: bool,
    /// Whether the request has a JSON body.
    pub has_body: bool,
    /// The top-level parameters, required ones first: path parameters,
    /// required query parameters and the body in declaration order, then
    /// the optional query parameters and the optional `project_id` override.
    pub params: &'static [ParamInfo],
    /// For a list operation that pages, the field of its output that holds
    /// the items (`apps` for `ListApps`); see [`pages`](crate::pages).
    pub items: Option<&'static str>,
}

impl OperationInfo {
    /// The top-level parameter of this wire name, if the operation has one.
    ///
    /// ```
    /// use sparkrtc::{OperationId, ParamLocation};
    ///
    /// let limit = OperationId::ListApps.info().param("limit").unwrap();
    /// assert_eq!(limit.location, ParamLocation::Query);
    /// assert!(!limit.required);
    /// assert_eq!(limit.type_name, "u32");
    /// assert_eq!(limit.range, Some("1..=100"));
    /// assert_eq!(limit.doc, "Page size, 1..=100 (default 100).");
    /// ```
    pub fn param(&self, name: &str) -> Option<&'static ParamInfo> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// One top-level parameter of an operation, from the operation table; in
/// [`OperationInfo::params`].
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParamInfo {
    /// The wire name, as the dynamic parameters spell it (`app_id`, `type`,
    /// `body`).
    pub name: &'static str,
    /// Where it travels.
    pub location: ParamLocation,
    /// Whether it must be given.
    pub required: bool,
    /// Its Rust type as the table declares it (`String`, `u32`,
    /// `Vec<UserState>`, `MixJobReq`).
    pub type_name: &'static str,
    /// Its one-line description (empty when the table has none).
    pub doc: &'static str,
    /// The documented range the client checks (`1..=100`), if any.
    pub range: Option<&'static str>,
}

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamLocation {
    /// A `{name}` segment of the path.
    Path,
    /// A query parameter.
    Query,
    /// The JSON body (the parameter named `body`).
    Body,
}

impl ParamLocation {
    /// `path`, `query` or `body`.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Body => "body",
        }
    }
}

impl OperationId {
    /// Upstream name, for example `CreateMixJob`.
    pub fn name(self) -> &'static str {
        self.info().name
    }
    /// HTTP method.
    pub fn method(self) -> Method {
        self.info().method.clone()
    }
    /// Path template.
    pub fn path_template(self) -> &'static str {
        self.info().path
    }
    /// Rate-limit category.
    pub fn category(self) -> ThrottleCategory {
        self.info().category
    }
    /// Whether an ambiguous failure may be retried.
    pub fn retry_safe(self) -> bool {
        self.info().retry_safe
    }
}

impl fmt::Display for OperationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

pub(crate) fn serialize_body<T: Serialize>(body: &T, out: &mut Vec<u8>) -> Result<(), Error> {
    serde_json::to_writer(out, body)
        .map_err(|e| Error::invalid("body", format!("cannot serialize: {e}")))
}

/// The longest URI the `http` crate accepts.
const MAX_URI_LEN: usize = u16::MAX as usize - 1;

fn build_request<O: Plumbing + ?Sized>(
    op: &O,
    info: &OperationInfo,
    endpoint: &Endpoint,
) -> Result<Request<Vec<u8>>, Error> {
    op.validate(op.checks())
        .map_err(|e| e.in_operation(info.name))?;
    // A request's own project id (statistical operations) fills the path
    // only, as in the official SDK; `X-Project-Id` names the endpoint's.
    let path_project_id = match op.project_id_override() {
        Some(id) => {
            validate_project_id(id).map_err(|e| e.in_operation(info.name))?;
            Some(id)
        }
        None => endpoint.project_id(),
    };

    let mut uri = String::with_capacity(160);
    uri.push_str(endpoint.scheme());
    uri.push_str("://");
    uri.push_str(endpoint.authority());
    render_path(info, op, path_project_id, &mut uri)?;
    let mut pairs = Vec::new();
    op.query_pairs(&mut pairs);
    write_sorted_query(&mut pairs, &mut uri);
    if uri.len() > MAX_URI_LEN {
        return Err(uri_too_long(info, op, &pairs, uri.len()));
    }
    let uri = Uri::try_from(uri)
        .map_err(|e| Error::InvalidEndpoint(format!("cannot form a URI: {e}")))?;

    let mut body = Vec::new();
    op.write_body(&mut body)?;

    let mut request = Request::new(body);
    *request.method_mut() = info.method.clone();
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    headers.insert(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT));
    if let Some(project_id) = endpoint.project_id() {
        // Checked by validate_project_id: visible ASCII.
        let value = HeaderValue::from_str(project_id)
            .map_err(|_| Error::invalid("project_id", "is not a valid header value"))?;
        headers.insert(X_PROJECT_ID, value);
    }
    Ok(request)
}

/// The error for a URI over the limit: it names the parameter with the
/// longest encoded value, the one to shorten.
fn uri_too_long<O: Plumbing + ?Sized>(
    info: &OperationInfo,
    op: &O,
    pairs: &[QueryPair<'_>],
    len: usize,
) -> Error {
    let encoded_len = |value: &str| {
        let mut s = String::new();
        encode_into(value, &mut s);
        s.len()
    };
    let path_params = path_placeholders(info.path)
        .filter(|name| *name != "project_id")
        .filter_map(|name| op.path_param(name).map(|v| (name, v)));
    let query = pairs.iter().map(|(k, v)| (*k, v.as_ref()));
    let longest = path_params
        .chain(query)
        .max_by_key(|(_, v)| encoded_len(v))
        .map_or("", |(name, _)| name);
    Error::invalid(
        longest,
        format!("makes the URI {len} bytes long, over the limit of {MAX_URI_LEN}"),
    )
    .in_operation(info.name)
}

/// The `{name}` placeholders of a path template.
fn path_placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// Fills the path template: `{name}` from the request (percent-encoded as one
/// segment, so `/`, `?` and `#` cannot change the route or add a query),
/// `{project_id}` from the resolved project id. `.` and `..` are refused: URL
/// normalization would resolve them away.
fn render_path<O: Plumbing + ?Sized>(
    info: &OperationInfo,
    op: &O,
    project_id: Option<&str>,
    out: &mut String,
) -> Result<(), Error> {
    let mut rest = info.path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').unwrap_or(after.len());
        let name = &after[..close];
        let value = if name == "project_id" {
            project_id.ok_or_else(|| {
                Error::invalid(
                    "project_id",
                    "is required by this statistical-analysis path: set it with Endpoint::with_project_id",
                )
                .in_operation(info.name)
            })?
        } else {
            op.path_param(name).ok_or_else(|| {
                Error::invalid(name, "has no value for the path").in_operation(info.name)
            })?
        };
        if value == "." || value == ".." {
            // Unreserved characters stay as they are, and a `.`/`..` segment
            // would be resolved away by URL normalization, changing the route.
            return Err(Error::invalid(name, "must not be `.` or `..`").in_operation(info.name));
        }
        encode_into(value, out);
        rest = after.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(())
}

/// Parses a response for the operation named `operation` into `Output<T>`.
/// See [`Operation::parse`].
pub(crate) fn parse_response<T: DeserializeOwned>(
    operation: &'static str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Output<T>, Error> {
    if !status.is_success() {
        return Err(Error::Api(Box::new(ApiError::from_response(
            status, headers, body,
        ))));
    }
    if body.len() > MAX_RESPONSE_BODY {
        return Err(Error::BodyTooLarge {
            len: body.len(),
            limit: MAX_RESPONSE_BODY,
        });
    }
    let json: &[u8] = match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => b"{}",
        // Every output is an object; serde would also read a struct from an
        // array, positionally, which no SparkRTC answer means.
        Some(b'{') => body,
        Some(_) => {
            let message = "expected a JSON object".to_owned();
            return Err(DecodeError::error(
                operation,
                status,
                headers,
                body,
                ".".into(),
                message,
            ));
        }
    };
    // The body checked as UTF-8 once, then read as a `str`: serde_json
    // then skips the check it makes of each string in a byte slice, about
    // half the time of parsing a list answer. A body that is not UTF-8 is
    // read as bytes, for the error serde_json gives it.
    let parsed = match std::str::from_utf8(json) {
        Ok(text) => serde_json::from_str::<T>(text),
        Err(_) => serde_json::from_slice::<T>(json),
    };
    match parsed {
        Ok(body) => Ok(Output {
            request_id: request_id(headers),
            body,
        }),
        Err(first) => {
            // Re-read, this time tracking the JSON path (only on failure, so
            // the success path costs what bare serde_json costs).
            let mut de = serde_json::Deserializer::from_slice(json);
            let (path, message) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => (e.path().to_string(), e.into_inner().to_string()),
                // Parsed this time: the failure was after the value (trailing data).
                Ok(_) => (".".to_owned(), first.to_string()),
            };
            Err(DecodeError::error(
                operation, status, headers, json, path, message,
            ))
        }
    }
}
