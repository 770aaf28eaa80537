//! Record and replay at the transport: a [`Recorder`] wraps any
//! [`Transport`] and writes each exchange to a cassette file; a
//! [`Replayer`] serves requests from it, with no network.
//!
//! # The cassette format
//!
//! JSON Lines (UTF-8, one JSON object per line), so that each exchange is
//! one line a diff shows and a person can edit. The first line names the
//! format and its version:
//!
//! ```text
//! {"format":"sparkrtc-cassette","version":1}
//! ```
//!
//! Each following line is one exchange, in the order they happened:
//!
//! ```text
//! {"operation":"ShowMixJob",
//!  "request":{"method":"GET","uri":"https://rtc-api.myhuaweicloud.com/v2/apps/a-1/mix-stream-jobs/j-1",
//!             "headers":[["authorization","SDK-HMAC-SHA256 Access=AK-PLACEHOLDER, SignedHeaders=..., Signature=***"], ...],
//!             "body":""},
//!  "response":{"status":200,"headers":[["x-request-id","5c3e..."], ...],"body":"{\"job_id\":\"j-1\",...}"}}
//! ```
//!
//! (written on one line). `operation` is the operation's upstream name, or
//! `null` for a request of none; it is informative only. Headers are
//! `[name, value]` pairs in order; bodies are text (bytes that are not
//! UTF-8 are replaced). Instead of `response`, an exchange the transport
//! failed has `"error":{"kind":"timeout","message":"..."}`, the kind one of
//! `not_sent`, `timeout`, `failed_after_send`, `body_too_large`. Blank lines
//! are allowed. A line that is not this gives [`CassetteError::Invalid`]
//! with its number, when the cassette is loaded: never a panic, never at
//! replay time.
//!
//! # Secrets are scrubbed before anything is written
//!
//! Always, not by option, with the crate's own redaction
//! ([`redact`](crate::redact)):
//!
//! - the signature in `Authorization` becomes `***`, and the access key
//!   there (and anywhere else in the exchange) becomes
//!   [`ACCESS_KEY_PLACEHOLDER`];
//! - headers whose name is secret ([`is_secret_key`]: `X-Security-Token`,
//!   `X-Auth-Token`, `X-Subject-Token`) or that are marked sensitive become
//!   `***`, in requests and responses;
//! - query parameters with a secret name have their value replaced;
//! - in request and response bodies, every value of a secret-named JSON
//!   key (`auth_key`, `app_key`, `password`, tokens) becomes `"***"`.
//!
//! A replayed answer therefore carries `***` where the service sent a key.
//!
//! # Matching
//!
//! A [`Replayer`] serves a request the first recorded exchange not yet
//! served whose request matches it, compared after the request is scrubbed
//! as above: method, path, query (pairs in any order) and body (as JSON),
//! each configurable with [`MatchOn`]; the signing headers are never
//! compared. In [`RecordMode::ReplayOnly`] a request with no match fails
//! with a [`ReplayMiss`] naming the closest recorded request and how it
//! differs; [`RecordMode::RecordMissing`] sends it on and records it;
//! [`RecordMode::Rerecord`] records everything afresh.
//!
//! ```
//! use sparkrtc::ops::ListApps;
//! use sparkrtc::testing::{Answer, MockTransport, Recorder, Replayer};
//! use sparkrtc::transport::Transport;
//! use sparkrtc::{Endpoint, Operation};
//!
//! let dir = std::env::temp_dir().join(format!("sparkrtc-cassette-doc-{}", std::process::id()));
//! let path = dir.join("list_apps.jsonl");
//! let service = MockTransport::new();
//! let _ = service.on::<ListApps>().then(Answer::output(&serde_json::json!({"count": 0}))).build();
//!
//! // Record...
//! let recorder = Recorder::new(service, &path);
//! let request = ListApps::new().limit(5).build(&Endpoint::default())?;
//! let live = recorder.send(request.clone())?;
//!
//! // ... and replay, without the service.
//! let replayer = Replayer::open(&path)?;
//! let replayed = replayer.send(request)?;
//! assert_eq!(replayed.status(), live.status());
//! assert_eq!(replayed.body(), live.body());
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};

use http::header::{HeaderName, HeaderValue, AUTHORIZATION};
use http::{Method, Request, Response, StatusCode, Uri};
use serde::{Deserialize, Serialize};

use super::requests::{bodies_match, sorted_query};
use crate::dynamic::route;
use crate::redact::{is_secret_key, RedactedRequest};
use crate::sansio::wire::redact::redact_json_secrets;
use crate::transport::{Transport, TransportError, TransportErrorKind};

/// What replaces the access key in a cassette.
pub const ACCESS_KEY_PLACEHOLDER: &str = "AK-PLACEHOLDER";

/// The first line's `format`.
const FORMAT: &str = "sparkrtc-cassette";
/// The version this crate writes and reads.
const VERSION: u32 = 1;
/// An access key shorter than this is not replaced elsewhere than in
/// `Authorization` (a short text would be found inside unrelated values).
const MIN_KEY_LEN: usize = 4;

/// A cassette could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CassetteError {
    /// The file could not be read or written.
    #[error("cassette {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// A line is not what the format says.
    #[error("cassette line {line}: {message}")]
    Invalid {
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
}

impl CassetteError {
    /// The line at fault, for [`CassetteError::Invalid`].
    pub fn line(&self) -> Option<usize> {
        match self {
            CassetteError::Invalid { line, .. } => Some(*line),
            CassetteError::Io { .. } => None,
        }
    }

    fn invalid(line: usize, message: impl Into<String>) -> Self {
        CassetteError::Invalid {
            line,
            message: message.into(),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
}

/// One recorded exchange: a request and what came back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Exchange {
    /// The operation's upstream name, if the request is one (informative).
    pub operation: Option<String>,
    /// The request, scrubbed.
    pub request: RecordedRequest,
    /// The response, scrubbed; `None` when the transport failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<RecordedResponse>,
    /// The transport's failure, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RecordedError>,
}

/// A recorded request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The method.
    pub method: String,
    /// The whole URI.
    pub uri: String,
    /// The headers, `[name, value]`, in order.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
}

/// A recorded response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RecordedResponse {
    /// The status code.
    pub status: u16,
    /// The headers, `[name, value]`, in order.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
}

/// A recorded transport failure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RecordedError {
    /// `not_sent`, `timeout`, `failed_after_send` or `body_too_large`.
    pub kind: String,
    /// The failure's message.
    pub message: String,
}

const KINDS: &[(&str, TransportErrorKind)] = &[
    ("not_sent", TransportErrorKind::NotSent),
    ("timeout", TransportErrorKind::Timeout),
    ("failed_after_send", TransportErrorKind::FailedAfterSend),
    ("body_too_large", TransportErrorKind::BodyTooLarge),
];

fn kind_name(kind: TransportErrorKind) -> &'static str {
    KINDS
        .iter()
        .find(|(_, k)| *k == kind)
        .map_or("failed_after_send", |(name, _)| name)
}

fn kind_of(name: &str) -> Option<TransportErrorKind> {
    KINDS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

impl RecordedRequest {
    /// `request`, scrubbed (see [the module docs](self)).
    pub fn scrubbed<B: AsRef<[u8]>>(request: &Request<B>) -> RecordedRequest {
        let shown = RedactedRequest::new(request);
        let access_key = access_key(request);
        let hide = |text: String| hide_access_key(text, access_key.as_deref());
        RecordedRequest {
            method: shown.method,
            uri: hide(shown.url),
            headers: shown
                .headers
                .into_iter()
                .map(|(name, value)| (name, hide(value)))
                .collect(),
            body: hide(shown.body),
        }
    }

    fn path(&self) -> &str {
        let no_scheme = self.uri.split_once("://").map_or(&*self.uri, |(_, r)| r);
        let from_path = no_scheme.find('/').map_or("", |i| &no_scheme[i..]);
        from_path.split(['?', '#']).next().unwrap_or("")
    }

    fn query(&self) -> Option<&str> {
        let query = self.uri.split_once('?').map(|(_, q)| q)?;
        Some(query.split('#').next().unwrap_or(""))
    }
}

impl RecordedResponse {
    /// `response`, scrubbed; `access_key` (the request's) replaced too.
    fn scrubbed(response: &Response<Vec<u8>>, access_key: Option<&str>) -> RecordedResponse {
        let hide = |text: String| hide_access_key(text, access_key);
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let shown = if value.is_sensitive() || is_secret_key(name.as_str()) {
                    "***".to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_owned(), hide(shown))
            })
            .collect();
        let body = redact_json_secrets(&String::from_utf8_lossy(response.body()));
        RecordedResponse {
            status: response.status().as_u16(),
            headers,
            body: hide(body),
        }
    }

    fn to_response(&self) -> Result<Response<Vec<u8>>, String> {
        let status = StatusCode::from_u16(self.status)
            .map_err(|_| format!("status {} is not an HTTP status", self.status))?;
        let mut response = Response::new(self.body.clone().into_bytes());
        *response.status_mut() = status;
        for (name, value) in &self.headers {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|_| format!("`{name}` is not a header name"))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|_| format!("header `{name}` has a value no header can have"))?;
            response.headers_mut().append(name, value);
        }
        Ok(response)
    }
}

/// The access key of a signed request (`Access=` in `Authorization`).
fn access_key<B>(request: &Request<B>) -> Option<String> {
    let value = request.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let rest = value.split_once("Access=")?.1;
    let key = rest.split([',', ' ']).next()?;
    (!key.is_empty()).then(|| key.to_owned())
}

fn hide_access_key(text: String, key: Option<&str>) -> String {
    match key {
        Some(key) if text.contains(key) && key != ACCESS_KEY_PLACEHOLDER => {
            if key.len() >= MIN_KEY_LEN {
                text.replace(key, ACCESS_KEY_PLACEHOLDER)
            } else {
                // Only the `Access=` field itself.
                text.replace(
                    &format!("Access={key},"),
                    &format!("Access={ACCESS_KEY_PLACEHOLDER},"),
                )
            }
        }
        _ => text,
    }
}

impl Exchange {
    fn new(
        request: RecordedRequest,
        operation: Option<String>,
        result: &Result<Response<Vec<u8>>, TransportError>,
        access_key: Option<&str>,
    ) -> Exchange {
        let (response, error) = match result {
            Ok(response) => (Some(RecordedResponse::scrubbed(response, access_key)), None),
            Err(e) => {
                let error = RecordedError {
                    kind: kind_name(e.kind()).to_owned(),
                    message: hide_access_key(redact_json_secrets(&e.to_string()), access_key),
                };
                (None, Some(error))
            }
        };
        Exchange {
            operation,
            request,
            response,
            error,
        }
    }

    /// What the exchange brought back, for a replay.
    fn replay(&self) -> Result<Response<Vec<u8>>, TransportError> {
        match (&self.response, &self.error) {
            (Some(response), _) => response.to_response().map_err(TransportError::not_sent),
            (None, Some(error)) => {
                let kind = kind_of(&error.kind).unwrap_or(TransportErrorKind::FailedAfterSend);
                Err(TransportError::new(kind, error.message.clone()))
            }
            (None, None) => Err(TransportError::not_sent("an exchange with no answer")),
        }
    }

    /// Checks what `replay` and matching will read.
    fn check(&self, line: usize) -> Result<(), CassetteError> {
        Method::from_bytes(self.request.method.as_bytes()).map_err(|_| {
            CassetteError::invalid(line, format!("`{}` is not a method", self.request.method))
        })?;
        self.request
            .uri
            .parse::<Uri>()
            .map_err(|e| CassetteError::invalid(line, format!("request uri: {e}")))?;
        match (&self.response, &self.error) {
            (Some(response), None) => response
                .to_response()
                .map(drop)
                .map_err(|m| CassetteError::invalid(line, format!("response: {m}"))),
            (None, Some(error)) => match kind_of(&error.kind) {
                Some(_) => Ok(()),
                None => Err(CassetteError::invalid(
                    line,
                    format!(
                        "error kind `{}` is none of not_sent, timeout, failed_after_send, body_too_large",
                        error.kind
                    ),
                )),
            },
            _ => Err(CassetteError::invalid(
                line,
                "an exchange has either a `response` or an `error`",
            )),
        }
    }
}

/// The exchanges of a cassette file, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cassette {
    exchanges: Vec<Exchange>,
}

impl Cassette {
    /// Reads a cassette file.
    pub fn load(path: impl AsRef<Path>) -> Result<Cassette, CassetteError> {
        let path = path.as_ref();
        let text = fs::read(path).map_err(|source| CassetteError::Io {
            path: path.to_owned(),
            source,
        })?;
        let text = String::from_utf8(text).map_err(|e| {
            CassetteError::invalid(
                line_of(e.as_bytes(), e.utf8_error().valid_up_to()),
                "not UTF-8",
            )
        })?;
        Cassette::parse(&text)
    }

    /// Reads a cassette from its text.
    pub fn parse(text: &str) -> Result<Cassette, CassetteError> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty());
        let (line, first) = lines
            .next()
            .ok_or_else(|| CassetteError::invalid(1, "empty: the first line names the format"))?;
        let header: Header = serde_json::from_str(first).map_err(|e| {
            CassetteError::invalid(
                line,
                format!(
                    "expected {{\"format\":\"{FORMAT}\",\"version\":{VERSION}}}: {}",
                    json_error(&e)
                ),
            )
        })?;
        if header.format != FORMAT {
            return Err(CassetteError::invalid(
                line,
                format!("format `{}` is not `{FORMAT}`", header.format),
            ));
        }
        if header.version != VERSION {
            return Err(CassetteError::invalid(
                line,
                format!(
                    "version {} is not {VERSION}, the one this crate reads",
                    header.version
                ),
            ));
        }
        let mut exchanges = Vec::new();
        for (line, text) in lines {
            let exchange: Exchange = serde_json::from_str(text)
                .map_err(|e| CassetteError::invalid(line, json_error(&e)))?;
            exchange.check(line)?;
            exchanges.push(exchange);
        }
        Ok(Cassette { exchanges })
    }

    /// The cassette's text: the format line, then one line per exchange.
    pub fn to_text(&self) -> String {
        let header = Header {
            format: FORMAT.to_owned(),
            version: VERSION,
        };
        let mut out = serde_json::to_string(&header).unwrap_or_default();
        out.push('\n');
        for exchange in &self.exchanges {
            // Strings, numbers and lists only: serializing cannot fail.
            out.push_str(&serde_json::to_string(exchange).unwrap_or_default());
            out.push('\n');
        }
        out
    }

    /// Writes the cassette to `path` atomically: to a temporary file in the
    /// same directory, then renamed over `path`, so that a crash leaves the
    /// previous cassette whole. Creates the directory if needed.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), CassetteError> {
        let path = path.as_ref();
        let io = |source| CassetteError::Io {
            path: path.to_owned(),
            source,
        };
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir {
            fs::create_dir_all(dir).map_err(io)?;
        }
        let name = path
            .file_name()
            .map_or_else(|| "cassette".into(), |n| n.to_string_lossy().into_owned());
        let tmp = dir
            .unwrap_or_else(|| Path::new("."))
            .join(format!(".{name}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(self.to_text().as_bytes())?;
            file.sync_all()?;
            fs::rename(&tmp, path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written.map_err(io)
    }

    /// The exchanges, in order.
    pub fn exchanges(&self) -> &[Exchange] {
        &self.exchanges
    }

    /// How many exchanges it holds.
    pub fn len(&self) -> usize {
        self.exchanges.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.exchanges.is_empty()
    }
}

/// A JSON error on one line: its message and column (serde_json's own
/// position counts lines within the line).
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let message = text.rsplit_once(" at line ").map_or(&*text, |(m, _)| m);
    format!("{message} at column {}", e.column())
}

/// The line (from 1) of byte `at`.
fn line_of(bytes: &[u8], at: usize) -> usize {
    1 + bytes[..at.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Records `request` sent through `inner`: the exchange (scrubbed) and the
/// transport's result.
fn record<T: Transport + ?Sized>(
    inner: &T,
    request: Request<Vec<u8>>,
) -> (Exchange, Result<Response<Vec<u8>>, TransportError>) {
    let recorded = RecordedRequest::scrubbed(&request);
    let key = access_key(&request);
    let operation =
        route(request.method(), request.uri().path()).map(|(id, _)| id.name().to_owned());
    let result = inner.send(request);
    let exchange = Exchange::new(recorded, operation, &result, key.as_deref());
    (exchange, result)
}

/// A [`Transport`] that sends through another and writes every exchange to
/// a cassette file, secrets scrubbed (see [the module docs](self)). It
/// starts a new cassette: the file is replaced, atomically, after each
/// exchange, so it always holds every exchange so far and a crash leaves
/// the last complete one.
///
/// A failure to write the file fails the request that caused it (with a
/// [`TransportErrorKind::FailedAfterSend`]: the request was sent).
pub struct Recorder<T> {
    inner: T,
    path: PathBuf,
    cassette: Mutex<Cassette>,
}

impl<T> fmt::Debug for Recorder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .field("exchanges", &lock(&self.cassette).len())
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Recorder<T> {
    /// Records what `inner` exchanges into a new cassette at `path`.
    pub fn new(inner: T, path: impl Into<PathBuf>) -> Self {
        Recorder {
            inner,
            path: path.into(),
            cassette: Mutex::new(Cassette::default()),
        }
    }

    /// The exchanges recorded so far.
    pub fn cassette(&self) -> Cassette {
        lock(&self.cassette).clone()
    }

    /// The transport it sends through.
    pub fn inner(&self) -> &T {
        &self.inner
    }
}

impl<T: Transport> Transport for Recorder<T> {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let (exchange, result) = record(&self.inner, request);
        let mut cassette = lock(&self.cassette);
        cassette.exchanges.push(exchange);
        cassette
            .save(&self.path)
            .map_err(TransportError::failed_after_send)?;
        result
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a [`Replayer`] does with a request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordMode {
    /// Serve from the cassette only; a request it has no answer for fails
    /// with a [`ReplayMiss`] (the default). The cassette must exist.
    #[default]
    ReplayOnly,
    /// Serve what the cassette has; send what it lacks through the
    /// transport and add it to the cassette.
    RecordMissing,
    /// Send everything through the transport and record a new cassette.
    Rerecord,
}

/// `replay`, `missing` or `all` (as an environment variable may give it).
impl FromStr for RecordMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "replay" | "none" => Ok(RecordMode::ReplayOnly),
            "missing" | "new_episodes" => Ok(RecordMode::RecordMissing),
            "all" | "rerecord" => Ok(RecordMode::Rerecord),
            other => Err(format!(
                "`{other}` is no record mode: replay, missing or all"
            )),
        }
    }
}

/// What parts of a request a [`Replayer`] compares with the recorded ones
/// (default: method, path, query and body). The signing headers
/// (`Authorization`, `X-Sdk-Date`) are never compared: they change with
/// every request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchOn {
    method: bool,
    path: bool,
    query: bool,
    body: bool,
    headers: Vec<String>,
}

impl Default for MatchOn {
    fn default() -> Self {
        MatchOn {
            method: true,
            path: true,
            query: true,
            body: true,
            headers: Vec::new(),
        }
    }
}

impl MatchOn {
    /// Method, path, query and body.
    pub fn new() -> Self {
        MatchOn::default()
    }

    /// Without comparing the query.
    pub fn ignore_query(mut self) -> Self {
        self.query = false;
        self
    }

    /// Without comparing the body.
    pub fn ignore_body(mut self) -> Self {
        self.body = false;
        self
    }

    /// Compares the header `name` too (its scrubbed value; names ignore
    /// case).
    pub fn header(mut self, name: &str) -> Self {
        self.headers.push(name.to_ascii_lowercase());
        self
    }

    /// The first difference between `request` and `recorded`.
    fn difference(&self, request: &RecordedRequest, recorded: &RecordedRequest) -> Option<String> {
        if self.method && request.method != recorded.method {
            return Some(format!(
                "method {} instead of {}",
                request.method, recorded.method
            ));
        }
        if self.path && request.path() != recorded.path() {
            return Some(format!(
                "path `{}` instead of `{}`",
                request.path(),
                recorded.path()
            ));
        }
        if self.query && sorted_query(request.query()) != sorted_query(recorded.query()) {
            return Some(format!(
                "query `{}` instead of `{}`",
                request.query().unwrap_or(""),
                recorded.query().unwrap_or("")
            ));
        }
        if self.body && !bodies_match(request.body.as_bytes(), recorded.body.as_bytes()) {
            return Some(format!(
                "body {:?} instead of {:?}",
                cut(&request.body),
                cut(&recorded.body)
            ));
        }
        for name in &self.headers {
            let values = |r: &RecordedRequest| -> Vec<String> {
                r.headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
                    .collect()
            };
            if values(request) != values(recorded) {
                return Some(format!("header `{name}` differs"));
            }
        }
        None
    }

    /// How close `request` is to `recorded` (higher is closer).
    fn closeness(request: &RecordedRequest, recorded: &RecordedRequest) -> u32 {
        u32::from(request.method == recorded.method) * 8
            + u32::from(request.path() == recorded.path()) * 4
            + u32::from(sorted_query(request.query()) == sorted_query(recorded.query())) * 2
            + u32::from(bodies_match(
                request.body.as_bytes(),
                recorded.body.as_bytes(),
            ))
    }
}

fn cut(text: &str) -> String {
    let cut: String = text.chars().take(120).collect();
    if cut.len() < text.len() {
        format!("{cut}...")
    } else {
        cut
    }
}

/// A request a [`Replayer`] has no recorded answer for, in
/// [`RecordMode::ReplayOnly`]: the source of the [`TransportError`]
/// (kind [`NotSent`](TransportErrorKind::NotSent)); reach it with
/// `std::error::Error::source` and `downcast_ref`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplayMiss {
    /// The request's method.
    pub method: String,
    /// The request's URI, scrubbed.
    pub uri: String,
    /// The closest recorded request: its number among the cassette's
    /// exchanges (from 1), its method and URI, and how the request differs
    /// from it (or that its answer was already served).
    pub closest: Option<(usize, String, String)>,
}

impl fmt::Display for ReplayMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no recorded answer for {} {}", self.method, self.uri)?;
        match &self.closest {
            Some((n, request, difference)) => write!(
                f,
                "; the closest recorded request is exchange {n}, {request}: {difference}"
            ),
            None => f.write_str("; the cassette is empty"),
        }
    }
}

impl std::error::Error for ReplayMiss {}

/// The transport of a [`Replayer`] that only replays: it sends nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Offline;

impl Transport for Offline {
    fn send(&self, _request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        Err(TransportError::not_sent(
            "replaying only: no request is sent",
        ))
    }
}

struct ReplayState {
    cassette: Cassette,
    served: Vec<bool>,
}

/// A [`Transport`] that answers from a cassette (see [the module
/// docs](self)): each recorded exchange once, in the order recorded among
/// those that match. `Send + Sync`.
pub struct Replayer<T = Offline> {
    inner: T,
    path: PathBuf,
    mode: RecordMode,
    matching: MatchOn,
    state: Mutex<ReplayState>,
}

impl<T> fmt::Debug for Replayer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("Replayer")
            .field("path", &self.path)
            .field("mode", &self.mode)
            .field("matching", &self.matching)
            .field("exchanges", &state.cassette.len())
            .field("served", &state.served.iter().filter(|s| **s).count())
            .finish_non_exhaustive()
    }
}

impl Replayer<Offline> {
    /// Replays the cassette at `path` ([`RecordMode::ReplayOnly`]).
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, CassetteError> {
        Replayer::new(path, RecordMode::ReplayOnly, Offline)
    }
}

impl<T: Transport> Replayer<T> {
    /// A replayer of the cassette at `path` in `mode`, sending what it
    /// records through `inner`. The cassette must exist for
    /// [`RecordMode::ReplayOnly`]; for [`RecordMode::RecordMissing`] a
    /// missing file is an empty cassette; [`RecordMode::Rerecord`] starts
    /// empty and replaces the file at the first exchange.
    pub fn new(
        path: impl Into<PathBuf>,
        mode: RecordMode,
        inner: T,
    ) -> Result<Self, CassetteError> {
        let path = path.into();
        let cassette = match mode {
            RecordMode::ReplayOnly => Cassette::load(&path)?,
            RecordMode::RecordMissing if !path.exists() => Cassette::default(),
            RecordMode::RecordMissing => Cassette::load(&path)?,
            RecordMode::Rerecord => Cassette::default(),
        };
        let served = vec![false; cassette.len()];
        Ok(Replayer {
            inner,
            path,
            mode,
            matching: MatchOn::default(),
            state: Mutex::new(ReplayState { cassette, served }),
        })
    }

    /// Compares requests on these parts.
    pub fn matching(mut self, matching: MatchOn) -> Self {
        self.matching = matching;
        self
    }

    /// The mode.
    pub fn mode(&self) -> RecordMode {
        self.mode
    }

    /// The cassette as it is now (with what was recorded).
    pub fn cassette(&self) -> Cassette {
        lock(&self.state).cassette.clone()
    }

    /// How many recorded exchanges have not been served.
    pub fn unserved(&self) -> usize {
        lock(&self.state).served.iter().filter(|s| !**s).count()
    }

    /// The miss for `request`: the closest recorded request and how it
    /// differs.
    fn miss(&self, state: &ReplayState, request: &RecordedRequest) -> ReplayMiss {
        let closest = state
            .cassette
            .exchanges
            .iter()
            .enumerate()
            .max_by_key(|(i, e)| {
                // Ties: the earliest (max_by_key keeps the last maximum).
                (MatchOn::closeness(request, &e.request), usize::MAX - i)
            })
            .map(|(i, e)| {
                let difference = self
                    .matching
                    .difference(request, &e.request)
                    .unwrap_or_else(|| "it matches, but its answer was already served".into());
                (
                    i + 1,
                    format!("{} {}", e.request.method, e.request.uri),
                    difference,
                )
            });
        ReplayMiss {
            method: request.method.clone(),
            uri: request.uri.clone(),
            closest,
        }
    }
}

impl<T: Transport> Transport for Replayer<T> {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let scrubbed = RecordedRequest::scrubbed(&request);
        let mut state = lock(&self.state);
        if self.mode != RecordMode::Rerecord {
            let found = state
                .cassette
                .exchanges
                .iter()
                .enumerate()
                .position(|(i, e)| {
                    !state.served[i] && self.matching.difference(&scrubbed, &e.request).is_none()
                });
            if let Some(i) = found {
                state.served[i] = true;
                return state.cassette.exchanges[i].replay();
            }
            if self.mode == RecordMode::ReplayOnly {
                return Err(TransportError::not_sent(self.miss(&state, &scrubbed)));
            }
        }
        // Recording: the lock is held while sending, so that the cassette's
        // order is the order of the exchanges.
        let (exchange, result) = record(&self.inner, request);
        state.cassette.exchanges.push(exchange);
        state.served.push(true);
        state
            .cassette
            .save(&self.path)
            .map_err(TransportError::failed_after_send)?;
        result
    }
}
