//! The crate's one error type.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use http::{HeaderMap, StatusCode};

use super::redact::redact_json_secrets;
use super::TransportError;

/// Everything that can go wrong building a request or reading a response.
///
/// Secrets never appear in the `Display` or `Debug` output of an error: body
/// snippets have the values of secret-looking keys (`app_key`, `auth_key`,
/// `password`, `token`, ...) replaced with `***`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request parameter is missing, empty or out of the documented range.
    /// Raised before anything is sent.
    #[error("invalid parameter `{field}`{}: {reason}", in_op(operation))]
    InvalidParameter {
        /// The operation's upstream name (`CreateMixJob`), or `""` when not known.
        operation: &'static str,
        /// The parameter's path, for example `body.mix_param.layout_panes[0].x`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The dynamic entry point was given an operation name that does not exist.
    #[error("unknown operation `{0}`")]
    UnknownOperation(String),
    /// The endpoint URL or project id cannot be used.
    #[error("invalid endpoint: {0}")]
    InvalidEndpoint(String),
    /// The service answered with a non-2xx status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A 2xx response whose body is not what the operation documents.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The service refused the call because a daily (or other long-period)
    /// quota is used up: waiting a few seconds will not help.
    #[error("quota exhausted: {0}")]
    QuotaExhausted(Box<ApiError>),
    /// Credentials that cannot be used (an empty AK or SK, a value with
    /// characters a header cannot carry). Never contains the secret itself.
    #[error("invalid credentials: {0}")]
    InvalidCredentials(String),
    /// A request header that cannot be signed or sent.
    #[error("invalid header `{name}`: {reason}")]
    InvalidHeader {
        /// Header name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The response body is larger than the parsers accept (32 MiB), or
    /// than a transport's configured cap.
    #[error("response body of {len} bytes exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The body's length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The pacer could not decide (a throttle shared through a store that
    /// did not answer in time, with a policy of failing rather than pacing
    /// alone).
    #[error("pacer unavailable: {0}")]
    PacerUnavailable(String),
    /// No complete response: the transport failed (see
    /// [`TransportError::kind`] for whether the request may have reached the
    /// server).
    #[error(transparent)]
    Transport(TransportError),
    /// The call's deadline passed before it could finish: the next wait
    /// (for the throttle, a `Retry-After` or a retry's backoff) would have
    /// ended after it.
    #[error(
        "deadline of {deadline:?} exceeded after {attempts} attempt(s){}",
        last_error(last)
    )]
    DeadlineExceeded {
        /// The deadline the call had.
        deadline: std::time::Duration,
        /// Attempts sent.
        attempts: u32,
        /// The last attempt's error, if an attempt failed.
        last: Option<Box<Error>>,
    },
    /// The retry policy would have retried, but the client's
    /// [`RetryBudget`](crate::retry::RetryBudget) could not pay for it:
    /// calls have retried a lot lately (an outage, most likely), and this
    /// one ends with its last error rather than add to the load. Calls go on
    /// being made; their retries come back as successes refill the budget.
    #[error("retry budget exhausted after {attempts} attempt(s); last error: {last}")]
    RetryBudgetExhausted {
        /// Attempts sent.
        attempts: u32,
        /// The last attempt's error.
        last: Box<Error>,
    },
    /// The call would have had to wait for the throttle longer than the
    /// client's bound allows (see
    /// [`ClientBuilder::max_throttle_wait`](crate::client::ClientBuilder::max_throttle_wait)):
    /// the local window is full, or the service asked to hold off
    /// (`Retry-After`). Returned at once, without waiting; calling again
    /// after `retry_after` finds the scope free (absent other calls).
    #[error("throttled: retry after {retry_after:?}{}", last_error(last))]
    Throttled {
        /// How long the call would have had to wait.
        retry_after: std::time::Duration,
        /// Attempts sent.
        attempts: u32,
        /// The last attempt's error (a 429, say), if an attempt failed.
        last: Option<Box<Error>>,
    },
}

fn last_error(last: &Option<Box<Error>>) -> String {
    match last {
        Some(e) => format!("; last error: {e}"),
        None => String::new(),
    }
}

fn in_op(operation: &str) -> String {
    if operation.is_empty() {
        String::new()
    } else {
        format!(" of {operation}")
    }
}

/// The largest response body the parsers accept (32 MiB). Transports should
/// stop reading at this size too.
pub(crate) const MAX_RESPONSE_BODY: usize = 32 * 1024 * 1024;

/// How many characters of a body an error message quotes.
pub(crate) const SNIPPET_CHARS: usize = 256;

/// How many characters of a server's error message (or a decoder's message)
/// are kept.
const MESSAGE_CHARS: usize = 1024;

/// How many characters of a server's error code or request id are kept.
const ID_CHARS: usize = 128;

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            operation: "",
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Names the operation in an [`Error::InvalidParameter`] that has none yet.
    pub(crate) fn in_operation(mut self, name: &'static str) -> Self {
        if let Error::InvalidParameter { operation, .. } = &mut self {
            if operation.is_empty() {
                *operation = name;
            }
        }
        self
    }

    /// The request id of the answer this error came from, if the server
    /// gave one (for a deadline, a fail-fast throttle or an exhausted retry
    /// budget, that of the last attempt).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) | Error::QuotaExhausted(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            Error::DeadlineExceeded { last: Some(e), .. }
            | Error::Throttled { last: Some(e), .. } => e.request_id(),
            Error::RetryBudgetExhausted { last, .. } => last.request_id(),
            _ => None,
        }
    }

    /// The name meant, for an unknown operation or an unknown parameter of
    /// the [dynamic entry point](crate::dynamic): the known name closest to
    /// the one given, when one is close enough (see
    /// [`dynamic::closest_operation`](crate::dynamic::closest_operation)).
    ///
    /// ```
    /// use serde_json::json;
    /// use sparkrtc::{dynamic, Endpoint};
    ///
    /// let endpoint = Endpoint::default();
    /// let err = dynamic::build("ShowMixjob", &json!({}), &endpoint).unwrap_err();
    /// assert_eq!(err.suggestion(), Some("ShowMixJob"));
    ///
    /// let mix = json!({"room_id": "r", "encode_template": "audio_only", "layout_templat": "custom"});
    /// let params = json!({"app_id": "a", "body": {"mix_param": mix}});
    /// let err = dynamic::build("CreateMixJob", &params, &endpoint).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid parameter `body.mix_param.layout_templat` of CreateMixJob: unknown parameter");
    /// assert_eq!(err.suggestion(), Some("layout_template"));
    /// ```
    pub fn suggestion(&self) -> Option<&'static str> {
        match self {
            Error::UnknownOperation(name) => {
                crate::dynamic::closest_operation(name).map(crate::OperationId::name)
            }
            Error::InvalidParameter {
                operation,
                field,
                reason,
            } if reason == crate::sansio::operations::dynamic::UNKNOWN_PARAMETER => {
                let id = crate::OperationId::from_name(operation)?;
                crate::sansio::operations::fields::suggest(id, field)
            }
            _ => None,
        }
    }

    /// The [`ApiError`], if the service answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) | Error::QuotaExhausted(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status of the response this error came from, if any.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) | Error::QuotaExhausted(e) => StatusCode::from_u16(e.status).ok(),
            Error::Decode(e) => StatusCode::from_u16(e.status).ok(),
            _ => None,
        }
    }
}

/// # Classification
///
/// What kind of failure this is, for the branches callers write: each
/// method reads the status and the documented error codes of an
/// [`Error::Api`] (through the [`ApiError`] method of the same name), and
/// some also the client's own errors, as each says. The table:
///
/// | method | answers |
/// | --- | --- |
/// | [`is_not_found`](Self::is_not_found) | 404 with a code of the service (`RTC.00001003` for an unknown application, job or room) |
/// | [`is_unknown_api`](Self::is_unknown_api) | 404 `APIGW.0101` / `APIG.0101`: no such API (wrong endpoint or path) |
/// | [`is_invalid_parameter`](Self::is_invalid_parameter) | 400 `RTC.00001002`, `RTC.00001003`, `RTC.00001004`, `APIGW.0201`, `APIG.0201`; a parameter the client refused before sending |
/// | [`is_missing_parameter`](Self::is_missing_parameter) | 400 `RTC.00001005`; a required parameter the client found missing |
/// | [`is_throttled`](Self::is_throttled) | 429 for a rate (`APIG.0308`), or the client's fail-fast [`Error::Throttled`]: wait and call again |
/// | [`is_quota_exhausted`](Self::is_quota_exhausted) | [`Error::QuotaExhausted`], or 429 naming a daily quota |
/// | [`is_auth`](Self::is_auth) | 401 (`APIGW.0301`, `APIG.0301`), `RTC.00001001`; [`Error::InvalidCredentials`] |
/// | [`is_forbidden`](Self::is_forbidden) | 403 (`APIGW.0302`) |
/// | [`is_job_done`](Self::is_job_done) | `RTC.00001009` JobDone |
/// | [`is_app_disabled`](Self::is_app_disabled) | `RTC.00001016` AppDeactivation |
/// | [`is_already_exists`](Self::is_already_exists) | `RTC.00001006` JobRunning, `RTC.00001019` RecordRuleExist, `RTC.00001020` AppExist |
/// | [`is_limit_exceeded`](Self::is_limit_exceeded) | `RTC.00001007` JobExceed, `RTC.00001017` AppsExceed |
/// | [`is_server_error`](Self::is_server_error) | any 5xx |
/// | [`is_retryable`](Self::is_retryable) | what the default [`RetryPolicy`](crate::retry::RetryPolicy) retries: 429 (not a quota), 500, 502, 503, 504, a transport failure other than a body too large |
/// | [`is_ambiguous`](Self::is_ambiguous) | the call may have taken effect: 504, a timeout or failure after sending |
///
/// An [`Error::DeadlineExceeded`] or [`Error::RetryBudgetExhausted`] is
/// none of these (its `last` error may be): the classification is of the
/// error itself.
///
/// ```
/// use http::{HeaderMap, StatusCode};
/// use sparkrtc::ops::ShowMixJob;
/// use sparkrtc::Operation;
///
/// // The service answers an unknown job with the code of a bad parameter, and 404.
/// let body = br#"{"error_code":"RTC.00001003","error_msg":"InvalidParameterValue"}"#;
/// let missing = ShowMixJob::parse(StatusCode::NOT_FOUND, &HeaderMap::new(), body).unwrap_err();
/// assert!(missing.is_not_found());
/// assert!(!missing.is_invalid_parameter());
///
/// let bad = ShowMixJob::parse(StatusCode::BAD_REQUEST, &HeaderMap::new(), body).unwrap_err();
/// assert!(bad.is_invalid_parameter());
/// assert!(!bad.is_not_found());
/// ```
impl Error {
    /// A resource the call named does not exist: see
    /// [`ApiError::is_not_found`].
    pub fn is_not_found(&self) -> bool {
        self.api().is_some_and(ApiError::is_not_found)
    }

    /// No such API at the endpoint: see [`ApiError::is_unknown_api`].
    pub fn is_unknown_api(&self) -> bool {
        self.api().is_some_and(ApiError::is_unknown_api)
    }

    /// A parameter has a wrong value: an [`Error::InvalidParameter`] the
    /// client raised before sending (other than a missing parameter, see
    /// [`is_missing_parameter`](Self::is_missing_parameter)), or the
    /// service's answer (see [`ApiError::is_invalid_parameter`]). Fix the
    /// request; repeating it does not help.
    pub fn is_invalid_parameter(&self) -> bool {
        match self {
            Error::InvalidParameter { reason, .. } => !is_missing_reason(reason),
            _ => self.api().is_some_and(ApiError::is_invalid_parameter),
        }
    }

    /// A required parameter is missing: an [`Error::InvalidParameter`] the
    /// client raised because a required value is absent or empty, or the
    /// service's answer (see [`ApiError::is_missing_parameter`]).
    pub fn is_missing_parameter(&self) -> bool {
        match self {
            Error::InvalidParameter { reason, .. } => is_missing_reason(reason),
            _ => self.api().is_some_and(ApiError::is_missing_parameter),
        }
    }

    /// Throttled for a rate: see [`ApiError::is_throttled`]; or refused at
    /// once by the client ([`Error::Throttled`]) because the throttle's wait
    /// was longer than its bound. A daily quota is
    /// [`is_quota_exhausted`](Self::is_quota_exhausted) instead.
    pub fn is_throttled(&self) -> bool {
        match self {
            Error::Api(e) => e.is_throttled(),
            Error::Throttled { .. } => true,
            _ => false,
        }
    }

    /// A daily (or longer) quota is used up: [`Error::QuotaExhausted`], or
    /// an [`Error::Api`] that [`ApiError::is_quota_exhausted`] says is one.
    /// Waiting seconds does not help.
    pub fn is_quota_exhausted(&self) -> bool {
        match self {
            Error::QuotaExhausted(_) => true,
            Error::Api(e) => e.is_quota_exhausted(),
            _ => false,
        }
    }

    /// The credentials were refused (see [`ApiError::is_auth`]), or cannot
    /// be used at all ([`Error::InvalidCredentials`]).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::InvalidCredentials(_)) || self.api().is_some_and(ApiError::is_auth)
    }

    /// The credentials are not allowed this: see [`ApiError::is_forbidden`].
    pub fn is_forbidden(&self) -> bool {
        self.api().is_some_and(ApiError::is_forbidden)
    }

    /// The job has stopped: see [`ApiError::is_job_done`].
    pub fn is_job_done(&self) -> bool {
        self.api().is_some_and(ApiError::is_job_done)
    }

    /// The application is disabled: see [`ApiError::is_app_disabled`].
    pub fn is_app_disabled(&self) -> bool {
        self.api().is_some_and(ApiError::is_app_disabled)
    }

    /// What the call would create exists already: see
    /// [`ApiError::is_already_exists`].
    pub fn is_already_exists(&self) -> bool {
        self.api().is_some_and(ApiError::is_already_exists)
    }

    /// A count limit is reached: see [`ApiError::is_limit_exceeded`].
    pub fn is_limit_exceeded(&self) -> bool {
        self.api().is_some_and(ApiError::is_limit_exceeded)
    }

    /// The service failed: see [`ApiError::is_server_error`].
    pub fn is_server_error(&self) -> bool {
        self.api().is_some_and(ApiError::is_server_error)
    }

    /// Transient: the default [`RetryPolicy`](crate::retry::RetryPolicy)
    /// retries it for an operation that is safe to repeat. That is 429 for
    /// a rate (not a quota), 500, 502, 503 and 504, and a transport failure
    /// other than a body too large ([`Outcome::from`](crate::retry::Outcome)
    /// reads the error, [`RetryPolicy::refusal`](crate::retry::RetryPolicy::refusal)
    /// decides). A job creation is not repeated after an ambiguous failure
    /// ([`is_ambiguous`](Self::is_ambiguous)) unless the policy allows it.
    pub fn is_retryable(&self) -> bool {
        retryable(crate::retry::Outcome::from(self))
    }

    /// The call may have taken effect although no success came back: a
    /// 504 (the gateway stopped waiting for the service), a timeout after
    /// sending, or a connection that failed after sending. A job-creating
    /// call that failed so may have started the job: look before creating
    /// another.
    pub fn is_ambiguous(&self) -> bool {
        use crate::retry::Outcome;
        matches!(
            Outcome::from(self),
            Outcome::Timeout | Outcome::FailedAfterSend | Outcome::Status { status: 504, .. }
        )
    }
}

/// Whether a client-side [`Error::InvalidParameter`]'s reason says the
/// value is missing (the rules' "is required ..." and serde's "missing
/// field ...").
fn is_missing_reason(reason: &str) -> bool {
    reason.starts_with("is required") || reason.starts_with("missing field")
}

/// Whether the default retry policy retries `outcome` for an operation
/// that is safe to repeat (which operation does not matter once ambiguous
/// failures may be repeated).
fn retryable(outcome: crate::retry::Outcome<'_>) -> bool {
    crate::retry::RetryPolicy::new()
        .with_ambiguous_retries(true)
        .refusal(crate::OperationId::ShowApp, outcome)
        .is_none()
}

/// The documented SparkRTC error codes the classification reads.
mod codes {
    /// 400 OperationUnauthorized: the account cannot be told from the
    /// token or AK/SK.
    pub(super) const OPERATION_UNAUTHORIZED: &str = "RTC.00001001";
    /// 400 MalformedRequestBody: the JSON body does not parse.
    pub(super) const MALFORMED_BODY: &str = "RTC.00001002";
    /// 400 InvalidParameterValue; with 404, the resource named does not
    /// exist.
    pub(super) const INVALID_PARAMETER: &str = "RTC.00001003";
    /// 400 InvalidParameterCombination.
    pub(super) const INVALID_COMBINATION: &str = "RTC.00001004";
    /// 400 MissingParameter.
    pub(super) const MISSING_PARAMETER: &str = "RTC.00001005";
    /// 400 JobRunning: a job with the same unique id exists and is not over.
    pub(super) const JOB_RUNNING: &str = "RTC.00001006";
    /// 400 JobExceed: too many jobs.
    pub(super) const JOB_EXCEED: &str = "RTC.00001007";
    /// 400 JobDone: the job was canceled or completed.
    pub(super) const JOB_DONE: &str = "RTC.00001009";
    /// 400 AppDeactivation: the application is disabled.
    pub(super) const APP_DEACTIVATION: &str = "RTC.00001016";
    /// 400 AppsExceed: the account has as many applications as allowed.
    pub(super) const APPS_EXCEED: &str = "RTC.00001017";
    /// 400 RecordRuleExist: the application has a rule for that location.
    pub(super) const RECORD_RULE_EXIST: &str = "RTC.00001019";
    /// 400 AppExist: an application has that name.
    pub(super) const APP_EXIST: &str = "RTC.00001020";
    /// The API gateway's "no such API" (404), new and old prefix.
    pub(super) const NO_SUCH_API: [&str; 2] = ["APIGW.0101", "APIG.0101"];
    /// The API gateway's "request error" (400 for invalid request
    /// parameters), new and old prefix.
    pub(super) const REQUEST_ERROR: [&str; 2] = ["APIGW.0201", "APIG.0201"];
}

/// An error answer from the service (any non-2xx status).
///
/// Huawei Cloud services answer `{"error_code": "...", "error_msg": "..."}`;
/// the API gateway sometimes adds `request_id`; some components answer
/// `{"code": ..., "message": ...}` or `{"error": {"code": ..., "message": ...}}`.
/// All of these are read. When the body is none of them, `error_code` and
/// `error_msg` are `None` and `body_snippet` quotes the start of the body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// Service error code, for example `RTC.00001` or `APIG.0308`. At most
    /// 128 characters are kept (`…` marks a cut).
    pub error_code: Option<String>,
    /// Service error message. At most 1024 characters are kept (`…` marks a
    /// cut).
    pub error_msg: Option<String>,
    /// The request id (`X-Request-Id` header, or `request_id` in the body).
    /// At most 128 characters are kept (`…` marks a cut).
    pub request_id: Option<String>,
    /// The start of the body (secrets redacted) when it was not a recognised
    /// error object.
    pub body_snippet: Option<String>,
}

impl ApiError {
    /// Reads an error response. Never fails: unreadable bodies become a snippet.
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ApiError {
        let mut err = ApiError {
            status: status.as_u16(),
            error_code: None,
            error_msg: None,
            request_id: request_id(headers),
            body_snippet: None,
        };
        let parsed = if body.len() <= MAX_RESPONSE_BODY {
            serde_json::from_slice::<serde_json::Value>(body).ok()
        } else {
            None
        };
        if let Some(serde_json::Value::Object(map)) = parsed {
            let nested = match map.get("error") {
                Some(serde_json::Value::Object(inner)) => Some(inner),
                _ => None,
            };
            let pick = |keys: &[&str]| -> Option<String> {
                for src in std::iter::once(&map).chain(nested) {
                    for k in keys {
                        match src.get(*k) {
                            Some(serde_json::Value::String(s)) => return Some(s.clone()),
                            Some(serde_json::Value::Number(n)) => return Some(n.to_string()),
                            _ => {}
                        }
                    }
                }
                None
            };
            err.error_code =
                pick(&["error_code", "code", "errorCode"]).map(|s| bounded(s, ID_CHARS));
            err.error_msg = pick(&["error_msg", "message", "msg", "errorMsg", "error_message"])
                .map(|s| bounded(s, MESSAGE_CHARS));
            if err.request_id.is_none() {
                err.request_id = pick(&["request_id", "requestId"]).map(|s| bounded(s, ID_CHARS));
            }
        }
        if err.error_code.is_none() && err.error_msg.is_none() && !body.is_empty() {
            err.body_snippet = Some(snippet(body));
        }
        err
    }

    /// The error code, or `""` when there is none.
    fn code(&self) -> &str {
        self.error_code.as_deref().unwrap_or("")
    }

    /// A resource the call named does not exist: 404 with a code of the
    /// service (any code but the API gateway's `APIGW.`/`APIG.` ones). The
    /// API reference documents `RTC.00001003` (InvalidParameterValue, the
    /// code of a bad parameter) with 404 for an unknown application, job or
    /// room; the same code with 400 is
    /// [`is_invalid_parameter`](Self::is_invalid_parameter). A 404 of the
    /// API gateway (no such API) is [`is_unknown_api`](Self::is_unknown_api),
    /// and a 404 without a code (not a SparkRTC answer) is neither.
    pub fn is_not_found(&self) -> bool {
        let code = self.code();
        self.status == 404
            && !code.is_empty()
            && !code.starts_with("APIGW.")
            && !code.starts_with("APIG.")
    }

    /// No such API: 404 `APIGW.0101` (or the older `APIG.0101`) from the
    /// API gateway. The endpoint or the path is wrong, not the resource id.
    pub fn is_unknown_api(&self) -> bool {
        self.status == 404 && codes::NO_SUCH_API.contains(&self.code())
    }

    /// A parameter has a wrong value: 400 with `RTC.00001003`
    /// (InvalidParameterValue), `RTC.00001002` (MalformedRequestBody),
    /// `RTC.00001004` (InvalidParameterCombination), or the API gateway's
    /// `APIGW.0201` / `APIG.0201` (invalid request parameters). Repeating
    /// the call does not help.
    pub fn is_invalid_parameter(&self) -> bool {
        self.status == 400
            && (matches!(
                self.code(),
                codes::INVALID_PARAMETER | codes::MALFORMED_BODY | codes::INVALID_COMBINATION
            ) || codes::REQUEST_ERROR.contains(&self.code()))
    }

    /// A required parameter is missing: 400 `RTC.00001005`
    /// (MissingParameter).
    pub fn is_missing_parameter(&self) -> bool {
        self.status == 400 && self.code() == codes::MISSING_PARAMETER
    }

    /// Throttled for a rate: HTTP 429 (the gateway's `APIG.0308`) whose
    /// message does not name a daily quota. Waiting a moment helps; the
    /// client's throttle and retries do it. A 429 for a daily quota is
    /// [`is_quota_exhausted`](Self::is_quota_exhausted) instead.
    pub fn is_throttled(&self) -> bool {
        self.status == 429 && !self.is_quota_exhausted()
    }

    /// A daily (or longer) quota is used up: HTTP 429 whose message names
    /// one ([`is_quota_message`](crate::throttle::is_quota_message)).
    /// Waiting seconds does not help.
    pub fn is_quota_exhausted(&self) -> bool {
        self.status == 429
            && self
                .error_msg
                .as_deref()
                .is_some_and(crate::throttle::is_quota_message)
    }

    /// The credentials were refused: 401 (the gateway's `APIGW.0301` or
    /// `APIG.0301`: a signature that does not verify, an `X-Sdk-Date` too
    /// far from the server's clock, an unknown AK, a bad or expired token),
    /// or `RTC.00001001` (OperationUnauthorized, documented with 400: the
    /// service cannot tell the account from the token or AK/SK).
    pub fn is_auth(&self) -> bool {
        self.status == 401 || self.code() == codes::OPERATION_UNAUTHORIZED
    }

    /// The credentials are valid but not allowed this: 403 (the gateway's
    /// `APIGW.0302`: an IAM user without the permission, a project id that
    /// is not the credentials').
    pub fn is_forbidden(&self) -> bool {
        self.status == 403
    }

    /// The job has stopped (canceled or completed): `RTC.00001009`
    /// (JobDone, documented with 400), the answer to updating or stopping
    /// a stopped job.
    pub fn is_job_done(&self) -> bool {
        self.code() == codes::JOB_DONE
    }

    /// The application is disabled (`StopApp`): `RTC.00001016`
    /// (AppDeactivation, documented with 400), the answer to starting or
    /// updating a job in it. `StartApp` enables it again.
    pub fn is_app_disabled(&self) -> bool {
        self.code() == codes::APP_DEACTIVATION
    }

    /// What the call would create exists already (all documented with
    /// 400): `RTC.00001020` (AppExist: an application has that name),
    /// `RTC.00001019` (RecordRuleExist: the application has a rule for
    /// that OBS location), `RTC.00001006` (JobRunning: a job with that
    /// unique id is not over).
    pub fn is_already_exists(&self) -> bool {
        matches!(
            self.code(),
            codes::APP_EXIST | codes::RECORD_RULE_EXIST | codes::JOB_RUNNING
        )
    }

    /// A count limit is reached (documented with 400): `RTC.00001017`
    /// (AppsExceed: the account has as many applications as allowed) or
    /// `RTC.00001007` (JobExceed: too many jobs).
    pub fn is_limit_exceeded(&self) -> bool {
        matches!(self.code(), codes::APPS_EXCEED | codes::JOB_EXCEED)
    }

    /// The service failed: any 5xx status (the reference's `RTC.00002xxx`
    /// InternalError is 500; the gateway answers 502, 503 and 504).
    pub fn is_server_error(&self) -> bool {
        (500..=599).contains(&self.status)
    }

    /// Transient: the default [`RetryPolicy`](crate::retry::RetryPolicy)
    /// retries it for an operation that is safe to repeat: 429 for a rate
    /// (not a quota), 500, 502, 503, 504.
    pub fn is_retryable(&self) -> bool {
        retryable(crate::retry::Outcome::from(self))
    }
}

/// Server text in `Display` output is bounded and has its control characters
/// escaped (the fields are public, so this holds even for edited values).
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SparkRTC API error: HTTP {}", self.status)?;
        if let Some(code) = &self.error_code {
            write!(f, " {}", shown(code, ID_CHARS))?;
        }
        if let Some(msg) = &self.error_msg {
            write!(f, ": {}", shown(msg, MESSAGE_CHARS))?;
        }
        if let Some(snippet) = &self.body_snippet {
            write!(f, ": body {:?}", cut(snippet, SNIPPET_CHARS))?;
        }
        write_request_id(f, self.request_id.as_deref())
    }
}

impl std::error::Error for ApiError {}

/// A successful (2xx) response whose body does not match the documented model.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation's upstream name.
    pub operation: &'static str,
    /// HTTP status code.
    pub status: u16,
    /// The JSON path that failed, for example `users[3].join_time`: `.` for
    /// the root, `?` for a failure between fields (say, the body ends before
    /// the next key).
    pub path: String,
    /// What was wrong there (serde_json's message, with line and column).
    /// `Display` and `Debug` show at most 1024 characters of it, control
    /// characters escaped in `Display`.
    pub message: String,
    /// The start of the body, secrets redacted.
    pub body_snippet: String,
    /// The request id from the `X-Request-Id` header.
    pub request_id: Option<String>,
}

/// The path and message come from the response (keys, quoted values): they
/// are bounded and have their control characters escaped.
impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot decode {} response (HTTP {}) at `{}`: {}; body {:?}",
            self.operation,
            self.status,
            shown(&self.path, MESSAGE_CHARS),
            shown(&self.message, MESSAGE_CHARS),
            cut(&self.body_snippet, SNIPPET_CHARS)
        )?;
        write_request_id(f, self.request_id.as_deref())
    }
}

/// Like a derived `Debug`, with the path and message bounded as in `Display`.
impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("path", &cut(&self.path, MESSAGE_CHARS))
            .field("message", &cut(&self.message, MESSAGE_CHARS))
            .field("body_snippet", &cut(&self.body_snippet, SNIPPET_CHARS))
            .field(
                "request_id",
                &self.request_id.as_deref().map(|id| cut(id, ID_CHARS)),
            )
            .finish()
    }
}

impl std::error::Error for DecodeError {}

impl DecodeError {
    /// The error for a 2xx response of `operation` that did not decode at
    /// `path`: the body is quoted as a redacted snippet, the path and the
    /// message are bounded, the request id comes from the headers.
    pub(crate) fn error(
        operation: &'static str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        path: String,
        message: String,
    ) -> Error {
        Error::Decode(Box::new(DecodeError {
            operation,
            status: status.as_u16(),
            path: bounded(path, MESSAGE_CHARS),
            message: bounded(message, MESSAGE_CHARS),
            body_snippet: snippet(body),
            request_id: request_id(headers),
        }))
    }
}

/// Writes ` (request id ...)`, bounded and escaped, when there is one.
fn write_request_id(f: &mut fmt::Formatter<'_>, id: Option<&str>) -> fmt::Result {
    match id {
        Some(id) => write!(f, " (request id {})", shown(id, ID_CHARS)),
        None => Ok(()),
    }
}

/// The `X-Request-Id` response header (matched case-insensitively, as all
/// header names are), if present and valid UTF-8; at most 128 characters.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| cut(v, ID_CHARS).into_owned())
}

/// `text` cut to at most `max` characters, on a char boundary, with `…`
/// appended when cut.
fn bounded(mut text: String, max: usize) -> String {
    if let Some((end, _)) = text.char_indices().nth(max) {
        text.truncate(end);
        text.push('…');
    }
    text
}

/// [`bounded`] without copying text that is short enough. Cutting a cut text
/// again at the same length changes nothing.
fn cut(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
        None => Cow::Borrowed(text),
    }
}

/// Server text for `Display`: [`cut`] to `max` characters, control
/// characters escaped.
fn shown(text: &str, max: usize) -> Escaped<'_> {
    Escaped(cut(text, max))
}

/// Displays text with its control characters (CR, LF, ESC, C1 controls, ...)
/// escaped as Rust does (`\r`, `\n`, `\u{1b}`); everything else, non-ASCII
/// text included, is written as is.
struct Escaped<'a>(Cow<'a, str>);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// The start of a body for an error message: at most [`SNIPPET_CHARS`]
/// characters, invalid UTF-8 replaced, secret values redacted, `…` appended
/// when cut.
pub(crate) fn snippet(body: &[u8]) -> String {
    // Redact over a window larger than the snippet so that a secret value that
    // starts inside the snippet is recognised even if the snippet cuts it.
    let window = &body[..body.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(window);
    let redacted = redact_json_secrets(&text);
    let mut out: String = redacted.chars().take(SNIPPET_CHARS).collect();
    if out.len() < redacted.len() || window.len() < body.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_of_a_body_cut_before_redaction_says_it_was_cut() {
        // Redaction reads the first 64 KiB. A secret value longer than that
        // shrinks to `***`: the snippet is short, yet the body was cut.
        let body = format!(r#"{{"token":"{}"}}"#, "x".repeat(70_000));
        assert_eq!(snippet(body.as_bytes()), r#"{"token":"***"…"#);
        // Exactly 64 KiB is read whole: no mark.
        let fill = 64 * 1024 - r#"{"token":""}"#.len();
        let body = format!(r#"{{"token":"{}"}}"#, "x".repeat(fill));
        assert_eq!(body.len(), 64 * 1024);
        assert_eq!(snippet(body.as_bytes()), r#"{"token":"***"}"#);
    }

    #[test]
    fn redacts_secret_values() {
        let body = br#"{"app_id":"a","authentication":{"app_key":"SENTINEL","enable":true},"x":{"auth_key" : "SEN\"TINEL2"},"token":12345}"#;
        let s = snippet(body);
        assert!(!s.contains("SENTINEL"), "{s}");
        assert!(!s.contains("12345"), "{s}");
        assert_eq!(
            s,
            r#"{"app_id":"a","authentication":{"app_key":"***","enable":true},"x":{"auth_key" : "***"},"token":"***"}"#
        );
    }

    #[test]
    fn redacts_truncated_secret() {
        let body = br#"{"auth_key":"SENTINEL-AND-THE-REST"#;
        assert_eq!(snippet(body), r#"{"auth_key":"***""#);
    }

    #[test]
    fn snippet_is_cut_on_a_char_boundary() {
        let body = "房".repeat(1000);
        let s = snippet(body.as_bytes());
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn snippet_of_non_utf8() {
        assert_eq!(snippet(&[0xff, b'a', 0xfe]), "\u{fffd}a\u{fffd}");
    }

    #[test]
    fn api_error_shapes() {
        let h = HeaderMap::new();
        let e = ApiError::from_response(
            StatusCode::NOT_FOUND,
            &h,
            br#"{"error_code":"RTC.00001","error_msg":"app not found","request_id":"r1"}"#,
        );
        assert_eq!(e.error_code.as_deref(), Some("RTC.00001"));
        assert_eq!(e.error_msg.as_deref(), Some("app not found"));
        assert_eq!(e.request_id.as_deref(), Some("r1"));
        assert_eq!(e.body_snippet, None);
        assert_eq!(
            e.to_string(),
            "SparkRTC API error: HTTP 404 RTC.00001: app not found (request id r1)"
        );

        let e = ApiError::from_response(
            StatusCode::BAD_REQUEST,
            &h,
            br#"{"error":{"code":400,"message":"bad"}}"#,
        );
        assert_eq!(e.error_code.as_deref(), Some("400"));
        assert_eq!(e.error_msg.as_deref(), Some("bad"));

        let e = ApiError::from_response(StatusCode::BAD_GATEWAY, &h, b"<html>bad gateway</html>");
        assert_eq!(e.body_snippet.as_deref(), Some("<html>bad gateway</html>"));
        assert_eq!(
            e.to_string(),
            "SparkRTC API error: HTTP 502: body \"<html>bad gateway</html>\""
        );

        let e = ApiError::from_response(StatusCode::SERVICE_UNAVAILABLE, &h, b"");
        assert_eq!(e.body_snippet, None);
        assert_eq!(e.to_string(), "SparkRTC API error: HTTP 503");
    }

    #[test]
    fn decode_error_display_escapes_and_bounds_server_text() {
        let e = DecodeError {
            operation: "ShowApp",
            status: 200,
            path: "users.a\u{1b}[2J".into(),
            message: format!("unknown variant `\r\n\u{9b}房`{}", "m".repeat(5000)),
            body_snippet: "{}".into(),
            request_id: Some("r\u{7f}".into()),
        };
        let shown = e.to_string();
        let expected_message = format!(
            "unknown variant `\\r\\n\\u{{9b}}房`{}…",
            "m".repeat(1024 - "unknown variant `\r\n\u{9b}房`".chars().count())
        );
        assert_eq!(
            shown,
            format!(
                "cannot decode ShowApp response (HTTP 200) at `users.a\\u{{1b}}[2J`: {expected_message}; body \"{{}}\" (request id r\\u{{7f}})"
            )
        );
        let debug = format!("{e:?}");
        assert!(debug.len() < 1200, "{debug}");
        assert!(debug.contains("m…\""), "{debug}");
    }

    fn api(status: u16, code: Option<&str>, msg: Option<&str>) -> ApiError {
        ApiError {
            status,
            error_code: code.map(str::to_owned),
            error_msg: msg.map(str::to_owned),
            request_id: None,
            body_snippet: None,
        }
    }

    /// A classification, by name.
    type Check<E> = (&'static str, fn(&E) -> bool);

    /// An API error (status, code, message) and its classifications.
    type Case = (
        u16,
        Option<&'static str>,
        Option<&'static str>,
        &'static [&'static str],
    );

    /// The names of the classifications that hold for an API error.
    fn api_classes(e: &ApiError) -> Vec<&'static str> {
        let all: [Check<ApiError>; 14] = [
            ("not_found", ApiError::is_not_found),
            ("unknown_api", ApiError::is_unknown_api),
            ("invalid_parameter", ApiError::is_invalid_parameter),
            ("missing_parameter", ApiError::is_missing_parameter),
            ("throttled", ApiError::is_throttled),
            ("quota_exhausted", ApiError::is_quota_exhausted),
            ("auth", ApiError::is_auth),
            ("forbidden", ApiError::is_forbidden),
            ("job_done", ApiError::is_job_done),
            ("app_disabled", ApiError::is_app_disabled),
            ("already_exists", ApiError::is_already_exists),
            ("limit_exceeded", ApiError::is_limit_exceeded),
            ("server_error", ApiError::is_server_error),
            ("retryable", ApiError::is_retryable),
        ];
        all.iter().filter(|(_, f)| f(e)).map(|(n, _)| *n).collect()
    }

    /// The same for any error, with `ambiguous`.
    fn classes(e: &Error) -> Vec<&'static str> {
        let all: [Check<Error>; 15] = [
            ("not_found", Error::is_not_found),
            ("unknown_api", Error::is_unknown_api),
            ("invalid_parameter", Error::is_invalid_parameter),
            ("missing_parameter", Error::is_missing_parameter),
            ("throttled", Error::is_throttled),
            ("quota_exhausted", Error::is_quota_exhausted),
            ("auth", Error::is_auth),
            ("forbidden", Error::is_forbidden),
            ("job_done", Error::is_job_done),
            ("app_disabled", Error::is_app_disabled),
            ("already_exists", Error::is_already_exists),
            ("limit_exceeded", Error::is_limit_exceeded),
            ("server_error", Error::is_server_error),
            ("retryable", Error::is_retryable),
            ("ambiguous", Error::is_ambiguous),
        ];
        all.iter().filter(|(_, f)| f(e)).map(|(n, _)| *n).collect()
    }

    const RATE: &str = "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second";
    const DAILY: &str = "The throttling threshold has been reached: policy user over ratelimit,limit:1000,time:1 day";

    #[test]
    fn api_errors_are_classified_by_status_and_documented_code() {
        #[rustfmt::skip]
        let cases: &[Case] = &[
            // The same code: a missing resource with 404, a bad value with 400.
            (404, Some("RTC.00001003"), Some("InvalidParameterValue"), &["not_found"]),
            (400, Some("RTC.00001003"), Some("InvalidParameterValue"), &["invalid_parameter"]),
            (409, Some("RTC.00001003"), None, &[]),
            (404, Some("RTC.00001005"), None, &["not_found"]),
            (404, Some("DATA.100011001"), None, &["not_found"]),
            (404, Some("x"), None, &["not_found"]),
            (404, None, None, &[]),
            (404, Some(""), None, &[]),
            (404, Some("APIGW.0101"), None, &["unknown_api"]),
            (404, Some("APIG.0101"), None, &["unknown_api"]),
            (400, Some("APIGW.0101"), None, &[]),
            (404, Some("APIGW.0102"), None, &[]),
            (404, Some("APIG.0103"), None, &[]),
            (400, Some("RTC.00001002"), None, &["invalid_parameter"]),
            (400, Some("RTC.00001004"), None, &["invalid_parameter"]),
            (400, Some("APIGW.0201"), None, &["invalid_parameter"]),
            (400, Some("APIG.0201"), None, &["invalid_parameter"]),
            (413, Some("APIGW.0201"), None, &[]),
            (404, Some("RTC.00001002"), None, &["not_found"]),
            (400, Some("RTC.00001005"), Some("MissingParameter"), &["missing_parameter"]),
            (401, Some("RTC.00001005"), None, &["auth"]),
            (429, Some("APIG.0308"), Some(RATE), &["throttled", "retryable"]),
            (429, None, None, &["throttled", "retryable"]),
            (429, Some("APIG.0308"), Some(DAILY), &["quota_exhausted"]),
            (400, Some("APIG.0308"), Some(DAILY), &[]),
            (401, Some("APIGW.0301"), Some("Incorrect IAM authentication information"), &["auth"]),
            (401, None, None, &["auth"]),
            (400, Some("RTC.00001001"), None, &["auth"]),
            (403, Some("APIGW.0302"), None, &["forbidden"]),
            (400, Some("RTC.00001009"), Some("JobDone: task canceled or completed"), &["job_done"]),
            (400, Some("RTC.00001016"), Some("AppDeactivation: app is stopped"), &["app_disabled"]),
            (400, Some("RTC.00001020"), None, &["already_exists"]),
            (400, Some("RTC.00001019"), None, &["already_exists"]),
            (400, Some("RTC.00001006"), None, &["already_exists"]),
            (400, Some("RTC.00001017"), None, &["limit_exceeded"]),
            (400, Some("RTC.00001007"), None, &["limit_exceeded"]),
            (400, Some("RTC.00001008"), None, &[]),
            (400, Some("RTC.00001018"), None, &[]),
            (400, None, None, &[]),
            (499, None, None, &[]),
            (500, Some("RTC.00002001"), Some("InternalError"), &["server_error", "retryable"]),
            (501, None, None, &["server_error"]),
            (502, Some("APIGW.0201"), None, &["server_error", "retryable"]),
            (503, None, None, &["server_error", "retryable"]),
            (504, Some("APIGW.0201"), None, &["server_error", "retryable"]),
            (505, None, None, &["server_error"]),
            (599, None, None, &["server_error"]),
            (600, None, None, &[]),
        ];
        for (status, code, msg, expected) in cases {
            let e = api(*status, *code, *msg);
            assert_eq!(api_classes(&e), *expected, "{e}");
            // An Error::Api says the same, and a 504 may have taken effect.
            let mut expected = expected.to_vec();
            if *status == 504 {
                expected.push("ambiguous");
            }
            assert_eq!(classes(&Error::Api(Box::new(e.clone()))), expected, "{e}");
        }
    }

    #[test]
    fn other_errors_are_classified_by_their_variant() {
        use crate::transport::TransportError;
        let io = || std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let invalid = |reason: &str| Error::InvalidParameter {
            operation: "CreateMixJob",
            field: "body.mix_param.room_id".into(),
            reason: reason.into(),
        };
        #[rustfmt::skip]
        let cases: Vec<(Error, &[&str])> = vec![
            (invalid("is required and must not be empty"), &["missing_parameter"]),
            (invalid("is required unless encode_template is audio_only"), &["missing_parameter"]),
            (invalid("missing field `room_id`"), &["missing_parameter"]),
            (invalid("must be within 5..=43200, got 3"), &["invalid_parameter"]),
            (invalid("unknown parameter"), &["invalid_parameter"]),
            (invalid("the field is required"), &["invalid_parameter"]),
            (Error::InvalidCredentials("empty SK".into()), &["auth"]),
            (Error::QuotaExhausted(Box::new(api(429, Some("APIG.0308"), Some(DAILY)))), &["quota_exhausted"]),
            (Error::Transport(TransportError::not_sent(io())), &["retryable"]),
            (Error::Transport(TransportError::timeout(io())), &["retryable", "ambiguous"]),
            (Error::Transport(TransportError::failed_after_send(io())), &["retryable", "ambiguous"]),
            (Error::Transport(TransportError::body_too_large(10)), &[]),
            (Error::UnknownOperation("ShowMixJobs".into()), &[]),
            (Error::InvalidEndpoint("x".into()), &[]),
            (Error::PacerUnavailable("redis".into()), &[]),
            (Error::BodyTooLarge { len: 2, limit: 1 }, &[]),
            (
                Error::DeadlineExceeded {
                    deadline: std::time::Duration::from_secs(1),
                    attempts: 2,
                    last: Some(Box::new(Error::Api(Box::new(api(503, None, None))))),
                },
                &[],
            ),
            (
                DecodeError::error("ShowMixJob", StatusCode::OK, &HeaderMap::new(), b"[", ".".into(), "eof".into()),
                &[],
            ),
        ];
        for (e, expected) in cases {
            assert_eq!(classes(&e), expected, "{e}");
        }
    }

    #[test]
    fn bounding_is_idempotent() {
        let once = bounded("é".repeat(300), ID_CHARS);
        assert_eq!(once.chars().count(), ID_CHARS + 1);
        assert_eq!(cut(&once, ID_CHARS), once);
        assert_eq!(bounded(once.clone(), ID_CHARS), once);
        assert_eq!(shown("short", ID_CHARS).to_string(), "short");
    }
}
