//! The blocking client: it drives [the loop](crate#the-drive-loop) for you,
//! over any [`Transport`].
//!
//! ```no_run
//! use sparkrtc::ops::ListApps;
//! use sparkrtc::client::Client;
//!
//! // HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID
//! // (and SPARKRTC_ENDPOINT to point elsewhere than the global endpoint).
//! let client = Client::from_env()?;
//! let apps = client.call(&ListApps::new().limit(10))?;
//! println!("{} apps (request id {:?})", apps.count.unwrap_or(0), apps.request_id);
//! for app in client.items(ListApps::new()) {
//!     println!("{:?}", app?.app_name);
//! }
//! # Ok::<(), sparkrtc::Error>(())
//! ```
//!
//! Waiting for a job (or an application) to reach a state, polling within
//! the rate limits, is [`Client::wait_mix_job`],
//! [`Client::wait_individual_job`], [`Client::wait_app`], or
//! [`Client::wait_for`] with a condition of your own (see [`Waiter`]).

mod pages;
mod trace;
mod wait;

use std::fmt;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, Request, StatusCode};
use serde_json::Value;

pub use crate::pacer::{LocalPacer, Pacer};
pub use pages::{Items, Pages};
pub use wait::{WaitError, Waiter};

use crate::clock::{is_signature_expired, ClockSkew};
use crate::pages::Paginated;
use crate::retry::{Outcome, RetryBudget, RetryDecision, RetryKind, RetryPolicy, StopReason};
use crate::sansio::pacing::splitmix64;
use crate::sign::sign;
use crate::throttle::{retry_after, Admission, CredentialId, Scope, ThrottleConfig};
use crate::time::{Clock, SystemClock};
use crate::transport::Transport;
use crate::{dynamic, Credentials, Endpoint, Error, Operation, OperationId, Output};

/// The default bound on one call, retries and waits included.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// A blocking SparkRTC client over the transport `T`.
///
/// One call ([`call`](Client::call)) builds the request, waits for the
/// throttle, signs it with the current time corrected by the clock skew the
/// client has measured, sends it, feeds the answer back to the throttle,
/// parses it, and retries per the [`RetryPolicy`], re-signing every attempt,
/// all within a deadline. The client is `Send + Sync` when its transport is:
/// share one (in an `Arc`, or by reference in scoped threads) so that every
/// thread draws from one throttle and one retry budget.
///
/// # Under an outage
///
/// Each retry draws from the client's [`RetryBudget`] (on by default; see
/// [`ClientBuilder::retry_budget`]): when the service fails every call, the
/// budget runs dry after 50 retries (100 after 429s), and from then on a
/// failed call ends after its first attempt with
/// [`Error::RetryBudgetExhausted`] (its last error inside), instead of
/// sending the policy's four attempts. First attempts are never refused, so
/// calls succeed again as soon as the service does, and each success
/// refills the budget. With [`ClientBuilder::max_throttle_wait`], a call
/// that would wait for the throttle longer than the bound fails at once
/// with [`Error::Throttled`] instead.
///
/// With the `ureq` feature (on by default), `Client::from_env` or
/// [`Client::builder`]`(UreqTransport::default())` give a client over HTTPS.
pub struct Client<T> {
    transport: T,
    endpoint: Endpoint,
    credentials: Credentials,
    scope_credential: CredentialId,
    pacer: Arc<dyn Pacer>,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    /// Server clock minus local clock, seconds.
    skew: AtomicI64,
    seed: u64,
    calls: AtomicU64,
    /// Waits started, for their seeds.
    waits: AtomicU64,
    deadline: Duration,
    /// The retry budget's settings; its tokens are `budget_tokens`.
    budget: Option<RetryBudget>,
    budget_tokens: AtomicU32,
    max_throttle_wait: Option<Duration>,
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("skew", &self.skew())
            .field("deadline", &self.deadline)
            .field("retry_budget", &self.retry_budget())
            .field("max_throttle_wait", &self.max_throttle_wait)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Client`]; from [`Client::builder`].
pub struct ClientBuilder<T> {
    transport: T,
    endpoint: Endpoint,
    credentials: Option<Credentials>,
    throttle: ThrottleConfig,
    pacer: Option<Arc<dyn Pacer>>,
    retry: RetryPolicy,
    clock: Option<Arc<dyn Clock>>,
    seed: Option<u64>,
    deadline: Duration,
    budget: Option<RetryBudget>,
    max_throttle_wait: Option<Duration>,
}

impl<T> fmt::Debug for ClientBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials)
            .field("throttle", &self.throttle)
            .field("retry", &self.retry)
            .field("deadline", &self.deadline)
            .field("retry_budget", &self.budget)
            .field("max_throttle_wait", &self.max_throttle_wait)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> ClientBuilder<T> {
    /// The endpoint (default: the global endpoint). Its project id fills the
    /// statistical paths and `X-Project-Id`; when it has none, the
    /// credentials' project id is used.
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// The credentials (required).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The limits the in-process throttle enforces (default: the documented
    /// ones).
    pub fn throttle(mut self, config: ThrottleConfig) -> Self {
        self.throttle = config;
        self
    }

    /// Another pacer than the in-process throttle (one shared by a fleet of
    /// processes, say); [`throttle`](Self::throttle) is then unused.
    pub fn pacer(mut self, pacer: Arc<dyn Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The retry budget, a bound on the retries of all calls together
    /// (default [`RetryBudget::new`]: 500 tokens, a retry after a 429 costs
    /// 5, any other 10, a first-attempt success gives 1 back, a retry that
    /// succeeds is refunded). The policy decides whether a failed attempt
    /// is worth retrying; the budget, asked after it, whether the client
    /// can afford it. See [`RetryBudget`] for why these defaults.
    ///
    /// ```
    /// use sparkrtc::client::Client;
    /// use sparkrtc::retry::RetryBudget;
    /// # let transport = |_: sparkrtc::http::Request<Vec<u8>>| -> Result<sparkrtc::http::Response<Vec<u8>>, sparkrtc::transport::TransportError> { unreachable!() };
    ///
    /// let client = Client::builder(transport)
    ///     .credentials(sparkrtc::Credentials::ak_sk("AK", "SK")?)
    ///     .retry_budget(RetryBudget::new().with_capacity(100).with_costs(5, 20))
    ///     .build()?;
    /// assert_eq!(client.retry_budget().map(|b| b.tokens()), Some(100));
    /// # Ok::<(), sparkrtc::Error>(())
    /// ```
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// No retry budget: every call retries as its policy says, however many
    /// calls failed before it.
    pub fn no_retry_budget(mut self) -> Self {
        self.budget = None;
        self
    }

    /// Fail fast rather than wait for the throttle: a call that would have
    /// to wait longer than `bound` for its scope (the local window is full,
    /// or the service asked to hold off with a 429's `Retry-After`) returns
    /// at once with [`Error::Throttled`], which says how long to wait.
    /// Waits within the bound are waited (a bound of zero waits for
    /// nothing). After a 429, the wait is the longer of its `Retry-After`
    /// and the retry's delay, and the call fails at once when that is past
    /// the bound; a 429 without `Retry-After` is held by the throttle for
    /// its default backoff, found once the delay is slept.
    /// Default: no bound, the call waits within its deadline.
    ///
    /// For a service that answers its own users: it can pass the 429 on
    /// (with `Retry-After`) instead of holding a thread.
    pub fn max_throttle_wait(mut self, bound: Duration) -> Self {
        self.max_throttle_wait = Some(bound);
        self
    }

    /// The clock the client reads and sleeps on (default [`SystemClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The seed of the retry jitter (default: drawn once per client). Fix it
    /// for reproducible runs.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The bound on one call, retries and waits included (default
    /// [`DEFAULT_DEADLINE`]).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The client. Fails without credentials, or when the endpoint and the
    /// credentials name different projects.
    pub fn build(self) -> Result<Client<T>, Error> {
        let credentials = self.credentials.ok_or_else(|| {
            Error::InvalidCredentials(
                "no credentials: give them with ClientBuilder::credentials".into(),
            )
        })?;
        let endpoint = match (self.endpoint.project_id(), credentials.project_id()) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::invalid(
                    "project_id",
                    format!("the endpoint is for project `{a}` but the credentials are for `{b}`; set it in one place"),
                ))
            }
            (None, Some(b)) => self.endpoint.with_project_id(b)?,
            _ => self.endpoint,
        };
        let scope_credential = credentials
            .access_key()
            .map_or(CredentialId::DEFAULT, CredentialId::from_access_key);
        let pacer = self
            .pacer
            .unwrap_or_else(|| Arc::new(LocalPacer::new(self.throttle)));
        Ok(Client {
            transport: self.transport,
            endpoint,
            credentials,
            scope_credential,
            pacer,
            retry: self.retry,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock::new())),
            skew: AtomicI64::new(0),
            seed: self.seed.unwrap_or_else(random_seed),
            calls: AtomicU64::new(0),
            waits: AtomicU64::new(0),
            deadline: self.deadline,
            budget_tokens: AtomicU32::new(self.budget.map_or(0, |b| b.tokens())),
            budget: self.budget,
            max_throttle_wait: self.max_throttle_wait,
        })
    }
}

/// A seed from std's per-process random hasher keys.
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

#[cfg(feature = "ureq")]
#[cfg_attr(docsrs, doc(cfg(feature = "ureq")))]
impl Client<crate::transport::UreqTransport> {
    /// A client over [`UreqTransport`](crate::transport::UreqTransport) with
    /// the credentials and endpoint of the environment:
    /// `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` (required),
    /// `HUAWEICLOUD_SDK_PROJECT_ID`, `HUAWEICLOUD_SDK_SECURITY_TOKEN`, and
    /// `SPARKRTC_ENDPOINT` (default: the global endpoint).
    ///
    /// With the `redis` feature, `SPARKRTC_REDIS_URL` makes the client pace
    /// through a `fleet::RedisPacer` there (default
    /// settings), shared with every process that does the same.
    pub fn from_env() -> Result<Self, Error> {
        let builder = Client::builder(crate::transport::UreqTransport::default())
            .endpoint(crate::env::endpoint_from_env()?)
            .credentials(Credentials::from_env()?);
        #[cfg(feature = "redis")]
        let builder = match crate::env::redis_url_from_env() {
            Some(url) => builder.pacer(Arc::new(crate::fleet::RedisPacer::builder(url).build()?)),
            None => builder,
        };
        builder.build()
    }
}

impl<T> Client<T> {
    /// The endpoint calls go to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The clock skew measured so far (server minus local).
    pub fn skew(&self) -> ClockSkew {
        ClockSkew::from_seconds(self.skew.load(Ordering::Relaxed))
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The retry budget's settings and the tokens it holds now, or `None`
    /// without one ([`ClientBuilder::no_retry_budget`]).
    pub fn retry_budget(&self) -> Option<RetryBudget> {
        self.budget
            .map(|b| b.with_tokens(self.budget_tokens.load(Ordering::Acquire)))
    }

    /// The bound on a wait for the throttle, if the client fails fast
    /// ([`ClientBuilder::max_throttle_wait`]).
    pub fn max_throttle_wait(&self) -> Option<Duration> {
        self.max_throttle_wait
    }
}

impl<T: Transport> Client<T> {
    /// A builder for a client over `transport`.
    pub fn builder(transport: T) -> ClientBuilder<T> {
        ClientBuilder {
            transport,
            endpoint: Endpoint::default(),
            credentials: None,
            throttle: ThrottleConfig::documented(),
            pacer: None,
            retry: RetryPolicy::default(),
            clock: None,
            seed: None,
            deadline: DEFAULT_DEADLINE,
            budget: Some(RetryBudget::new()),
            max_throttle_wait: None,
        }
    }

    /// Calls an operation: the typed output, with the request id, or the
    /// last error.
    pub fn call<O: Operation>(&self, operation: &O) -> Result<Output<O::Output>, Error> {
        self.call_within(operation, self.deadline)
    }

    /// [`call`](Self::call) with its own deadline.
    ///
    /// The deadline bounds the loop: no wait (for the throttle, a
    /// `Retry-After`, a retry's backoff) starts that would end after it, and
    /// the call then fails with [`Error::DeadlineExceeded`]. A send already
    /// in flight is bounded by the transport's own timeouts (for
    /// `UreqTransport`, its whole-call
    /// timeout): keep them shorter than the deadlines you use.
    pub fn call_within<O: Operation>(
        &self,
        operation: &O,
        deadline: Duration,
    ) -> Result<Output<O::Output>, Error> {
        self.drive(&Typed(operation), deadline)
    }

    /// Calls an operation by its upstream name with JSON parameters in the
    /// official SDK's request shape (see [`dynamic`]); the output comes back
    /// as JSON, the request id under `X-Request-Id`.
    pub fn call_json(&self, name: &str, params: &Value) -> Result<Value, Error> {
        let id = dynamic::operation(name)?;
        self.drive(&Json { id, params }, self.deadline)
    }

    /// The pages of a list operation, one call each.
    pub fn pages<O: Paginated>(&self, first: O) -> Pages<'_, T, O> {
        Pages::new(self, first)
    }

    /// The items of a list operation, across its pages.
    pub fn items<O: Paginated>(&self, first: O) -> Items<'_, T, O> {
        Items::new(self, first)
    }

    /// The loop, written once for typed and JSON calls.
    fn drive<C: Call>(&self, call: &C, deadline: Duration) -> Result<C::Output, Error> {
        let id = call.id();
        let _span = trace::call(id);
        let scope = Scope::of(id).with_credential(self.scope_credential);
        let started = self.clock.now();
        let deadline_at = started.saturating_add(deadline);
        let seed = self.seed ^ splitmix64(self.calls.fetch_add(1, Ordering::Relaxed));
        let mut attempt = 0u32;
        let mut skew_retried = false;
        let mut last: Option<Error> = None;
        // What the last retry was paid for, refunded if it succeeds.
        let mut retried: Option<RetryKind> = None;
        // The retry's delay after a 429, which counts towards the bound on
        // throttle waits.
        let mut held = Duration::ZERO;
        // A 429's `Retry-After`, read only to fail fast.
        let mut asked: Option<Duration> = None;
        loop {
            let mut request = call.build(&self.endpoint)?;
            let mut waited = Duration::ZERO;
            let backed_off = std::mem::take(&mut held);
            loop {
                match self.pacer.acquire(scope, self.clock.now())? {
                    Admission::Send => break,
                    Admission::Wait(d) => {
                        self.fail_fast(backed_off + waited, d, attempt, &mut last)?;
                        self.wait(d, deadline_at, deadline, attempt, &mut last)?;
                        waited += d;
                    }
                }
            }
            attempt += 1;
            let skew = self.skew();
            let signed_at = skew.server_time(self.clock.wall());
            sign(&mut request, &self.credentials, signed_at)?;
            let error = match self.transport.send(request) {
                Ok(response) => {
                    let (parts, body) = response.into_parts();
                    self.learn_skew_from_date(&parts.headers);
                    let fed = self.pacer.on_response(
                        scope,
                        self.clock.now(),
                        parts.status,
                        &parts.headers,
                        &body,
                    );
                    if let Err(error) = fed {
                        trace::failed(id, attempt, waited, &error, None);
                        return Err(error);
                    }
                    if parts.status == StatusCode::TOO_MANY_REQUESTS {
                        // What the service asked for, to fail fast at once.
                        asked = retry_after(&parts.headers);
                    }
                    match call.parse(parts.status, &parts.headers, &body) {
                        Ok(output) => {
                            if let Some(budget) = &self.budget {
                                budget.deposit_into(&self.budget_tokens, retried);
                            }
                            trace::succeeded(id, attempt, waited, parts.status, &parts.headers);
                            return Ok(output);
                        }
                        Err(error) => {
                            if !skew_retried && self.learn_skew_from_error(&error, signed_at, skew)
                            {
                                // The clock was off: sign again at once.
                                let again = RetryDecision::Retry(Duration::ZERO);
                                trace::failed(id, attempt, waited, &error, Some(again));
                                skew_retried = true;
                                last = Some(error);
                                continue;
                            }
                            error
                        }
                    }
                }
                Err(e) => Error::Transport(e),
            };
            let elapsed = self.clock.now().saturating_sub(started);
            let outcome = Outcome::from(&error);
            let kind = RetryKind::of(outcome);
            let mut decision = self.retry.decide(id, attempt, elapsed, outcome, seed);
            if let RetryDecision::Retry(d) = decision {
                if kind == RetryKind::Throttled {
                    // After a 429 the delay is a wait for the throttle too,
                    // and so is the service's `Retry-After`.
                    let wait = asked.take().map_or(d, |asked| asked.max(d));
                    if self.max_throttle_wait.is_some_and(|bound| wait > bound) {
                        // Not paid for: the retry is not made.
                        trace::failed(id, attempt, waited, &error, None);
                        return Err(Error::Throttled {
                            retry_after: wait,
                            attempts: attempt,
                            last: Some(Box::new(error)),
                        });
                    }
                    held = d;
                }
                let paid = self
                    .budget
                    .as_ref()
                    .is_none_or(|budget| budget.withdraw_from(&self.budget_tokens, kind).is_some());
                if !paid {
                    decision = RetryDecision::Stop(StopReason::BudgetExhausted);
                }
            }
            trace::failed(id, attempt, waited, &error, Some(decision));
            match decision {
                RetryDecision::Stop(StopReason::BudgetExhausted) => {
                    return Err(Error::RetryBudgetExhausted {
                        attempts: attempt,
                        last: Box::new(error),
                    })
                }
                RetryDecision::Stop(_) => return Err(error),
                RetryDecision::Retry(d) => {
                    retried = Some(kind);
                    last = Some(error);
                    self.wait(d, deadline_at, deadline, attempt, &mut last)?;
                }
            }
        }
    }

    /// With a bound on throttle waits: fails with [`Error::Throttled`] when
    /// `d` more, after `held` already, would take the wait past it.
    fn fail_fast(
        &self,
        held: Duration,
        d: Duration,
        attempts: u32,
        last: &mut Option<Error>,
    ) -> Result<(), Error> {
        match self.max_throttle_wait {
            Some(bound) if held.saturating_add(d) > bound => Err(Error::Throttled {
                retry_after: d,
                attempts,
                last: last.take().map(Box::new),
            }),
            _ => Ok(()),
        }
    }

    /// Sleeps `d`, unless that would end after the deadline.
    fn wait(
        &self,
        d: Duration,
        deadline_at: Duration,
        deadline: Duration,
        attempts: u32,
        last: &mut Option<Error>,
    ) -> Result<(), Error> {
        if self.clock.now().saturating_add(d) > deadline_at {
            return Err(Error::DeadlineExceeded {
                deadline,
                attempts,
                last: last.take().map(Box::new),
            });
        }
        self.clock.sleep(d);
        Ok(())
    }

    /// Adopts the skew a `Date` header shows when it is more than the
    /// header's one-second resolution (and latency) can explain.
    fn learn_skew_from_date(&self, headers: &HeaderMap) {
        if let Some(measured) = ClockSkew::from_date_header(headers, self.clock.wall()) {
            let current = self.skew.load(Ordering::Relaxed);
            if (measured.seconds() - current).abs() > 2 {
                self.skew.store(measured.seconds(), Ordering::Relaxed);
            }
        }
    }

    /// After a signature-expired answer: learns the skew from its message
    /// (or keeps what its `Date` header taught). True when the skew now
    /// differs from the one the request was signed with.
    fn learn_skew_from_error(
        &self,
        error: &Error,
        signed_at: std::time::SystemTime,
        used: ClockSkew,
    ) -> bool {
        let Some(api) = error.api() else {
            return false;
        };
        if !is_signature_expired(api) {
            return false;
        }
        if let Some(from_message) = ClockSkew::from_error(api, signed_at) {
            let total = used.seconds().saturating_add(from_message.seconds());
            self.skew.store(total, Ordering::Relaxed);
        }
        self.skew() != used
    }
}

/// What [`Client::drive`] needs of a call: its operation, its request, its
/// parser.
trait Call {
    type Output;
    fn id(&self) -> OperationId;
    fn build(&self, endpoint: &Endpoint) -> Result<Request<Vec<u8>>, Error>;
    fn parse(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self::Output, Error>;
}

struct Typed<'a, O>(&'a O);

impl<O: Operation> Call for Typed<'_, O> {
    type Output = Output<O::Output>;
    fn id(&self) -> OperationId {
        O::ID
    }
    fn build(&self, endpoint: &Endpoint) -> Result<Request<Vec<u8>>, Error> {
        self.0.build(endpoint)
    }
    fn parse(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self::Output, Error> {
        O::parse(status, headers, body)
    }
}

struct Json<'a> {
    id: OperationId,
    params: &'a Value,
}

impl Call for Json<'_> {
    type Output = Value;
    fn id(&self) -> OperationId {
        self.id
    }
    fn build(&self, endpoint: &Endpoint) -> Result<Request<Vec<u8>>, Error> {
        self.id.build_json(self.params, endpoint)
    }
    fn parse(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Value, Error> {
        self.id.parse_json(status, headers, body)
    }
}
