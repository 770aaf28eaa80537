//! The mock transport: rules that answer requests, and what it saw.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use serde::Serialize;
use serde_json::Value;

use super::requests::{CapturedRequest, RequestMatcher};
use crate::headers::{JSON_CONTENT_TYPE, X_REQUEST_ID};
use crate::transport::{Transport, TransportError, TransportErrorKind};
use crate::{Operation, OperationId};

/// How a [`MockTransport`] picks the rule for a request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleMode {
    /// The first rule, in the order they were added, that matches the
    /// request and still has answers (the default).
    #[default]
    MatchAny,
    /// The rules in the order they were added, each until its answers run
    /// out: the request must match the first rule that still has answers.
    Sequential,
}

/// One answer of a mock rule: a typed output, a documented error, a raw
/// HTTP response, or a transport failure.
///
/// Outputs and errors carry an `X-Request-Id`: the one given with
/// [`request_id`](Answer::request_id), else `mock-N` (N counts the answers
/// the transport gave, from 1). A raw response is sent as it is.
#[derive(Clone, Debug)]
pub struct Answer {
    kind: AnswerKind,
    request_id: Option<String>,
    headers: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
enum AnswerKind {
    /// A success: status (`None`: the operation's default), JSON body.
    Output { status: Option<u16>, body: Vec<u8> },
    /// The documented error shape.
    ApiError {
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
    /// Any response, as given.
    Response {
        status: StatusCode,
        headers: HeaderMap,
        body: Vec<u8>,
    },
    /// A transport failure.
    Transport(TransportErrorKind),
    /// An answer that cannot be given (its output did not serialize); the
    /// request fails with this message.
    Invalid(String),
}

impl Answer {
    /// A successful answer with `output` as its JSON body (any `Serialize`:
    /// the operation's output model, or a `serde_json::Value`), status 201
    /// for the POSTs that create something (not
    /// [`retry_safe`](crate::OperationInfo::retry_safe)), 200 otherwise.
    pub fn output<T: Serialize + ?Sized>(output: &T) -> Answer {
        let kind = match serde_json::to_vec(output) {
            Ok(body) => AnswerKind::Output { status: None, body },
            Err(e) => AnswerKind::Invalid(format!("the mock's output does not serialize: {e}")),
        };
        Answer::of(kind)
    }

    /// An error in the documented shape: `status`, and a body
    /// `{"error_code": .., "error_msg": ..}` with what
    /// [`code`](Answer::code) and [`message`](Answer::message) give
    /// (without them, no code and the status's reason as the message).
    pub fn api_error(status: u16) -> Answer {
        Answer::of(AnswerKind::ApiError {
            status,
            code: None,
            message: None,
        })
    }

    /// Any HTTP response, sent as given (no request id added).
    pub fn http_response(response: Response<Vec<u8>>) -> Answer {
        let (parts, body) = response.into_parts();
        Answer::of(AnswerKind::Response {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// A transport failure of this kind.
    pub fn transport_error(kind: TransportErrorKind) -> Answer {
        Answer::of(AnswerKind::Transport(kind))
    }

    /// The request never left (connection refused): safe to send again.
    pub fn not_sent() -> Answer {
        Answer::transport_error(TransportErrorKind::NotSent)
    }

    /// The request was sent and no answer came in time: the service may
    /// have acted on it.
    pub fn timeout() -> Answer {
        Answer::transport_error(TransportErrorKind::Timeout)
    }

    /// The connection broke after the request was sent.
    pub fn failed_after_send() -> Answer {
        Answer::transport_error(TransportErrorKind::FailedAfterSend)
    }

    /// The `error_code` of an [`api_error`](Answer::api_error).
    pub fn code(mut self, code: impl Into<String>) -> Answer {
        if let AnswerKind::ApiError { code: c, .. } = &mut self.kind {
            *c = Some(code.into());
        }
        self
    }

    /// The `error_msg` of an [`api_error`](Answer::api_error).
    pub fn message(mut self, message: impl Into<String>) -> Answer {
        if let AnswerKind::ApiError { message: m, .. } = &mut self.kind {
            *m = Some(message.into());
        }
        self
    }

    /// The status of an [`output`](Answer::output), instead of the default.
    pub fn status(mut self, status: u16) -> Answer {
        if let AnswerKind::Output { status: s, .. } = &mut self.kind {
            *s = Some(status);
        }
        self
    }

    /// The `X-Request-Id` of an output or an error.
    pub fn request_id(mut self, id: impl Into<String>) -> Answer {
        self.request_id = Some(id.into());
        self
    }

    /// A header added to an output or an error (`Retry-After`, say).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Answer {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn of(kind: AnswerKind) -> Answer {
        Answer {
            kind,
            request_id: None,
            headers: Vec::new(),
        }
    }

    /// The response (or failure) for a request of `operation`; `serial`
    /// numbers it.
    fn respond(
        &self,
        operation: Option<OperationId>,
        serial: u64,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let (status, body) = match &self.kind {
            AnswerKind::Output { status, body } => {
                let status = status.unwrap_or_else(|| default_status(operation));
                (status, body.clone())
            }
            AnswerKind::ApiError {
                status,
                code,
                message,
            } => {
                let reason = StatusCode::from_u16(*status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("error");
                let mut body = serde_json::Map::new();
                if let Some(code) = code {
                    body.insert("error_code".into(), Value::from(code.as_str()));
                }
                let message = message.as_deref().unwrap_or(reason);
                body.insert("error_msg".into(), Value::from(message));
                (*status, Value::Object(body).to_string().into_bytes())
            }
            AnswerKind::Response {
                status,
                headers,
                body,
            } => {
                let mut response = Response::new(body.clone());
                *response.status_mut() = *status;
                *response.headers_mut() = headers.clone();
                return Ok(response);
            }
            AnswerKind::Transport(kind) => {
                return Err(TransportError::new(
                    *kind,
                    "a mock rule's transport failure",
                ))
            }
            AnswerKind::Invalid(message) => {
                return Err(TransportError::not_sent(message.clone()));
            }
        };
        let status = StatusCode::from_u16(status).map_err(|_| {
            TransportError::not_sent(format!(
                "a mock rule's status {status} is not an HTTP status"
            ))
        })?;
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
        let request_id = self
            .request_id
            .clone()
            .unwrap_or_else(|| format!("mock-{serial}"));
        let value = HeaderValue::try_from(request_id).map_err(|_| {
            TransportError::not_sent("a mock rule's request id is not a valid header value")
        })?;
        headers.insert(X_REQUEST_ID, value);
        for (name, value) in &self.headers {
            let name = HeaderName::try_from(name.as_str()).map_err(|_| {
                TransportError::not_sent(format!("a mock rule's header name `{name}` is invalid"))
            })?;
            let value = HeaderValue::try_from(value.as_str()).map_err(|_| {
                TransportError::not_sent(format!(
                    "a mock rule's header `{name}` has an invalid value"
                ))
            })?;
            headers.append(name, value);
        }
        Ok(response)
    }

    /// A short description, for the list of rules.
    fn describe(&self) -> String {
        match &self.kind {
            AnswerKind::Output { status, .. } => match status {
                Some(s) => format!("output ({s})"),
                None => "output".into(),
            },
            AnswerKind::ApiError { status, code, .. } => match code {
                Some(code) => format!("error {status} {code}"),
                None => format!("error {status}"),
            },
            AnswerKind::Response { status, .. } => format!("response {}", status.as_u16()),
            AnswerKind::Transport(kind) => format!("transport {kind:?}"),
            AnswerKind::Invalid(_) => "invalid answer".into(),
        }
    }
}

/// 201 for the POSTs that create something, 200 otherwise (and for a
/// request of no known operation).
fn default_status(operation: Option<OperationId>) -> u16 {
    match operation {
        Some(id) if id.method() == Method::POST && !id.retry_safe() => 201,
        _ => 200,
    }
}

/// How often a step of a rule answers.
#[derive(Clone, Copy, Debug)]
enum Repeat {
    Times(usize),
    Forever,
}

/// What a rule's predicate sees.
type Predicate = Box<dyn Fn(&CapturedRequest) -> bool + Send + Sync>;

struct Rule {
    operation: Option<OperationId>,
    predicate: Option<Predicate>,
    steps: Vec<(Answer, Repeat)>,
    /// Requests answered so far (shared with its [`RuleHandle`]).
    calls: Arc<AtomicUsize>,
}

impl Rule {
    /// The answer for the next request, or `None` when it has run out.
    fn next_answer(&self, calls: usize) -> Option<&Answer> {
        let mut left = calls;
        for (answer, repeat) in &self.steps {
            match *repeat {
                Repeat::Forever => return Some(answer),
                Repeat::Times(n) if left < n => return Some(answer),
                Repeat::Times(n) => left -= n,
            }
        }
        None
    }

    fn exhausted(&self) -> bool {
        self.next_answer(self.calls.load(Ordering::Relaxed))
            .is_none()
    }

    fn matches(&self, request: &CapturedRequest) -> bool {
        let operation = match self.operation {
            Some(id) => request.operation() == Some(id),
            None => true,
        };
        operation && self.predicate.as_ref().is_none_or(|p| p(request))
    }

    fn describe(&self, index: usize) -> String {
        let what = self.operation.map_or("any operation", |id| id.name());
        let when = if self.predicate.is_some() {
            " (with a predicate)"
        } else {
            ""
        };
        let steps: Vec<String> = self
            .steps
            .iter()
            .map(|(answer, repeat)| match repeat {
                Repeat::Times(1) => answer.describe(),
                Repeat::Times(n) => format!("{} x{n}", answer.describe()),
                Repeat::Forever => format!("{} repeatedly", answer.describe()),
            })
            .collect();
        let calls = self.calls.load(Ordering::Relaxed);
        let state = if self.exhausted() { ", used up" } else { "" };
        format!(
            "#{} {what}{when}: {}; {calls} answered{state}",
            index + 1,
            steps.join(", then ")
        )
    }
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    requests: Vec<CapturedRequest>,
    served: u64,
}

struct Inner {
    mode: RuleMode,
    state: Mutex<State>,
}

/// A [`Transport`] that answers by rules and keeps every request it saw;
/// it never touches the network. Cheap to clone (clones share the rules
/// and the log), `Send + Sync`: give a clone to the
/// [`Client`](crate::client::Client) and keep one to add rules and read
/// the requests back.
///
/// A request no rule answers fails with a [`TransportErrorKind::NotSent`]
/// error whose source is an [`Unmatched`] naming the request's operation
/// and listing the rules. (The client retries requests that were not sent,
/// as its retry policy says: give it a
/// [`VirtualClock`](crate::time::VirtualClock) so that its backoff takes no
/// real time.)
#[derive(Clone)]
pub struct MockTransport {
    inner: Arc<Inner>,
}

impl Default for MockTransport {
    fn default() -> Self {
        MockTransport::new()
    }
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("MockTransport")
            .field("mode", &self.inner.mode)
            .field("rules", &describe_rules(&state.rules))
            .field("requests", &state.requests.len())
            .finish()
    }
}

impl MockTransport {
    /// A mock with no rules, in [`RuleMode::MatchAny`].
    pub fn new() -> MockTransport {
        MockTransport::with_mode(RuleMode::MatchAny)
    }

    /// A mock with no rules, picking rules as `mode` says.
    pub fn with_mode(mode: RuleMode) -> MockTransport {
        MockTransport {
            inner: Arc::new(Inner {
                mode,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// A rule for the typed operation `O`; finish it with
    /// [`RuleBuilder::build`].
    pub fn on<O: Operation>(&self) -> RuleBuilder<O> {
        RuleBuilder::new(self.clone(), Some(O::ID))
    }

    /// A rule for an operation named at run time.
    pub fn on_operation(&self, id: OperationId) -> RuleBuilder<Value> {
        RuleBuilder::new(self.clone(), Some(id))
    }

    /// A rule for any request (of any operation, or of none).
    pub fn on_any(&self) -> RuleBuilder<Value> {
        RuleBuilder::new(self.clone(), None)
    }

    /// Every request the transport saw, in order, answered or not.
    pub fn requests(&self) -> Vec<CapturedRequest> {
        self.lock().requests.clone()
    }

    /// The requests no rule answered.
    pub fn unmatched(&self) -> Vec<CapturedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.rule().is_none())
            .cloned()
            .collect()
    }

    /// The rules, one line each: what they match, their answers, how many
    /// they gave.
    pub fn rules(&self) -> Vec<String> {
        describe_rules(&self.lock().rules)
    }

    /// Forgets the requests seen so far (the rules stay).
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// Asserts that the requests seen are `expected`, in order, compared by
    /// [`RequestMatcher::default`] (the headers signing adds ignored).
    ///
    /// # Panics
    ///
    /// When they differ, naming the first difference: it is an assertion.
    #[track_caller]
    pub fn assert_requests_match(&self, expected: &[Request<Vec<u8>>]) {
        let seen: Vec<Request<Vec<u8>>> = self
            .requests()
            .iter()
            .map(CapturedRequest::to_request)
            .collect();
        if let Err(difference) = RequestMatcher::default().all_match(&seen, expected) {
            panic!("{difference}");
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in a predicate poisons the lock; the state is still whole.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(&self, rule: Rule) {
        self.lock().rules.push(rule);
    }
}

fn describe_rules(rules: &[Rule]) -> Vec<String> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| r.describe(i))
        .collect()
}

impl Transport for MockTransport {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let mut captured = CapturedRequest::new(request);
        let mut state = self.lock();
        let candidate = match self.inner.mode {
            RuleMode::MatchAny => state
                .rules
                .iter()
                .position(|rule| !rule.exhausted() && rule.matches(&captured)),
            RuleMode::Sequential => state
                .rules
                .iter()
                .position(|rule| !rule.exhausted())
                .filter(|&i| state.rules[i].matches(&captured)),
        };
        let Some(index) = candidate else {
            let unmatched = Unmatched {
                method: captured.request().method().clone(),
                path: captured.request().uri().path().to_owned(),
                operation: captured.operation(),
                mode: self.inner.mode,
                rules: describe_rules(&state.rules),
            };
            state.requests.push(captured);
            return Err(TransportError::not_sent(unmatched));
        };
        state.served += 1;
        let serial = state.served;
        let rule = &state.rules[index];
        let calls = rule.calls.fetch_add(1, Ordering::Relaxed);
        let answer = rule
            .next_answer(calls)
            .cloned()
            .unwrap_or_else(|| Answer::of(AnswerKind::Invalid("the rule ran out".into())));
        let operation = captured.operation();
        captured.set_rule(index);
        state.requests.push(captured);
        drop(state);
        answer.respond(operation, serial)
    }
}

/// Why a [`MockTransport`] answered a request with an error: no rule
/// matches it (or, in [`RuleMode::Sequential`], the next rule does not).
/// The source of the [`TransportError`]; reach it with
/// `std::error::Error::source` and `downcast_ref`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unmatched {
    /// The request's method.
    pub method: Method,
    /// The request's path.
    pub path: String,
    /// The operation the request is, if it is one.
    pub operation: Option<OperationId>,
    /// How the mock picks rules.
    pub mode: RuleMode,
    /// The rules, as [`MockTransport::rules`] lists them.
    pub rules: Vec<String>,
}

impl fmt::Display for Unmatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.operation.map_or("no known operation", |id| id.name());
        write!(
            f,
            "no mock rule answers {} {} ({what})",
            self.method, self.path
        )?;
        if self.mode == RuleMode::Sequential {
            f.write_str(" as the next rule in sequence")?;
        }
        if self.rules.is_empty() {
            f.write_str("; there are no rules")
        } else {
            write!(f, "; rules: {}", self.rules.join("; "))
        }
    }
}

impl std::error::Error for Unmatched {}

/// A rule being written: what it matches, then its answers in order.
/// From [`MockTransport::on`]; nothing is added until
/// [`build`](RuleBuilder::build).
///
/// Each [`then`](RuleBuilder::then) adds an answer given once;
/// [`times`](RuleBuilder::times) repeats the last one `n` times and
/// [`repeatedly`](RuleBuilder::repeatedly) forever. A rule whose answers
/// have all been given no longer matches.
#[must_use = "a rule is added by `build`"]
pub struct RuleBuilder<O> {
    mock: MockTransport,
    operation: Option<OperationId>,
    predicates: Vec<Predicate>,
    steps: Vec<(Answer, Repeat)>,
    _operation: PhantomData<fn() -> O>,
}

impl<O> fmt::Debug for RuleBuilder<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleBuilder")
            .field("operation", &self.operation)
            .field("predicates", &self.predicates.len())
            .field("steps", &self.steps.len())
            .finish()
    }
}

impl<O: Operation> RuleBuilder<O> {
    /// Only requests whose typed form passes `predicate` (read back with
    /// [`decode_request`](crate::dynamic::decode_request): a request the
    /// service would refuse never matches).
    pub fn match_requests(self, predicate: impl Fn(&O) -> bool + Send + Sync + 'static) -> Self {
        self.match_captured(move |r| r.typed::<O>().is_some_and(|op| predicate(&op)))
    }

    /// [`then`](Self::then) with a typed output.
    pub fn then_output(self, output: &O::Output) -> Self {
        self.then(Answer::output(output))
    }
}

impl<O> RuleBuilder<O> {
    fn new(mock: MockTransport, operation: Option<OperationId>) -> Self {
        RuleBuilder {
            mock,
            operation,
            predicates: Vec::new(),
            steps: Vec::new(),
            _operation: PhantomData,
        }
    }

    /// Only requests whose parameters (in the SDK request shape: path and
    /// query parameters by wire name, the body under `body`) pass
    /// `predicate`.
    pub fn match_params(self, predicate: impl Fn(&Value) -> bool + Send + Sync + 'static) -> Self {
        self.match_captured(move |r| r.params().is_some_and(&predicate))
    }

    /// Only requests that pass `predicate`, which sees the whole request.
    pub fn match_captured(
        mut self,
        predicate: impl Fn(&CapturedRequest) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.predicates.push(Box::new(predicate));
        self
    }

    /// Then `answer`, once.
    pub fn then(mut self, answer: Answer) -> Self {
        self.steps.push((answer, Repeat::Times(1)));
        self
    }

    /// The last answer `n` times instead of once (`times(0)` drops it).
    pub fn times(mut self, n: usize) -> Self {
        if let Some(last) = self.steps.last_mut() {
            last.1 = Repeat::Times(n);
        }
        self
    }

    /// The last answer for every request from then on.
    pub fn repeatedly(mut self) -> Self {
        if let Some(last) = self.steps.last_mut() {
            last.1 = Repeat::Forever;
        }
        self
    }

    /// Adds the rule to the mock, after the rules already there. A rule
    /// with no answers never matches.
    pub fn build(self) -> RuleHandle {
        let calls = Arc::new(AtomicUsize::new(0));
        let predicates = self.predicates;
        let predicate: Option<Predicate> = if predicates.is_empty() {
            None
        } else {
            Some(Box::new(move |r| predicates.iter().all(|p| p(r))))
        };
        self.mock.add(Rule {
            operation: self.operation,
            predicate,
            steps: self.steps,
            calls: Arc::clone(&calls),
        });
        RuleHandle { calls }
    }
}

/// A rule added to a [`MockTransport`]: how many requests it answered.
#[derive(Clone, Debug)]
pub struct RuleHandle {
    calls: Arc<AtomicUsize>,
}

impl RuleHandle {
    /// How many requests the rule answered.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }
}
