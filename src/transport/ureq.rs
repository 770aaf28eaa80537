//! A [`Transport`] on [ureq](https://docs.rs/ureq) 3: blocking, rustls,
//! connection pooling, proxies from the environment.

use std::io::{self, Read};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::{Request, Response, Uri};
use ureq::config::Config;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use super::{Transport, TransportError, TransportErrorKind};

/// Settings of a [`UreqTransport`].
///
/// ```
/// use std::time::Duration;
/// use sparkrtc::transport::UreqConfig;
///
/// let config = UreqConfig::default()
///     .connect_timeout(Duration::from_secs(3))
///     .max_body_bytes(1 << 20);
/// assert_eq!(config.read_timeout, Duration::from_secs(30));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UreqConfig {
    /// Name resolution, TCP and TLS setup (default 10 s).
    pub connect_timeout: Duration,
    /// Each read from the socket, and each write (default 30 s).
    pub read_timeout: Duration,
    /// The whole exchange, body included (default 60 s).
    pub call_timeout: Duration,
    /// The largest response body read (default 16 MiB); a larger one is a
    /// [`TransportErrorKind::BodyTooLarge`] error, not an allocation.
    pub max_body_bytes: u64,
    /// Whether to use the proxy the environment names (`HTTPS_PROXY`,
    /// `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), as ureq reads it (default
    /// true).
    pub proxy_from_env: bool,
}

impl Default for UreqConfig {
    fn default() -> Self {
        UreqConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            call_timeout: Duration::from_secs(60),
            max_body_bytes: 16 * 1024 * 1024,
            proxy_from_env: true,
        }
    }
}

impl UreqConfig {
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the per-read (and per-write) timeout.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Sets the whole-call timeout.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Sets the response-body cap.
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Sets whether the environment's proxy is used.
    pub fn proxy_from_env(mut self, yes: bool) -> Self {
        self.proxy_from_env = yes;
        self
    }
}

/// The default transport: ureq with rustls and the webpki roots, keep-alive
/// connection pooling, name resolution cached for 30 s, no redirects (a 3xx is handed to the parser like any
/// other status), no automatic `Accept-Encoding`, 4xx and 5xx returned as
/// responses, proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`
/// as ureq reads them.
///
/// Cheap to clone (the connection pool is shared) and `Send + Sync`.
#[derive(Clone, Debug)]
pub struct UreqTransport {
    agent: ureq::Agent,
    max_body_bytes: u64,
}

impl UreqTransport {
    /// A transport with `config`.
    pub fn new(config: UreqConfig) -> Self {
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_resolve(Some(config.connect_timeout))
            .timeout_per_read(Some(config.read_timeout))
            // A write bounded by the whole-call timeout alone would be given
            // what is left of it, a new value each call, and ureq would set
            // the socket's timeout (a system call) on every request.
            .timeout_per_write(Some(config.read_timeout))
            .timeout_global(Some(config.call_timeout))
            .user_agent(crate::headers::DEFAULT_USER_AGENT)
            .proxy(if config.proxy_from_env {
                ureq::Proxy::try_from_env()
            } else {
                None
            })
            .build();
        let agent = ureq::Agent::with_parts(
            agent_config,
            DefaultConnector::default(),
            CachingResolver::default(),
        );
        UreqTransport {
            agent,
            max_body_bytes: config.max_body_bytes,
        }
    }
}

impl Default for UreqTransport {
    fn default() -> Self {
        UreqTransport::new(UreqConfig::default())
    }
}

impl Transport for UreqTransport {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let response = self.agent.run(request).map_err(classify)?;
        let (parts, mut body) = response.into_parts();
        // Sized once from Content-Length, not grown by doubling and copying
        // as the body arrives; what a server announces reserves at most
        // PREALLOCATE_MAX before its bytes come.
        let expected = body
            .content_length()
            .unwrap_or(0)
            .min(self.max_body_bytes)
            .min(PREALLOCATE_MAX);
        let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        body.with_config()
            .limit(self.max_body_bytes)
            .reader()
            .read_to_end(&mut bytes)
            .map_err(|e| match ureq::Error::from(e) {
                ureq::Error::BodyExceedsLimit(_) => {
                    TransportError::body_too_large(self.max_body_bytes)
                }
                // The response had started: the request was taken.
                other => match classify(other) {
                    e if e.kind() == TransportErrorKind::NotSent => {
                        TransportError::failed_after_send(e)
                    }
                    e => e,
                },
            })?;
        Ok(Response::from_parts(parts, bytes))
    }
}

/// The most a response's `Content-Length` reserves ahead of its bytes.
const PREALLOCATE_MAX: u64 = 1 << 20;

/// Sorts a ureq error by whether the request may have reached the server.
fn classify(error: ureq::Error) -> TransportError {
    use ureq::Timeout;
    match error {
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => {
            TransportError::not_sent(error)
        }
        ureq::Error::Timeout(_) => TransportError::timeout(error),
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::Pem(_) => TransportError::not_sent(error),
        ureq::Error::Io(e) => match e.kind() {
            io::ErrorKind::ConnectionRefused
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NotFound => TransportError::not_sent(e),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportError::timeout(e),
            _ => TransportError::failed_after_send(e),
        },
        ureq::Error::BodyExceedsLimit(limit) => TransportError::body_too_large(limit),
        other => TransportError::failed_after_send(other),
    }
}

/// How long a name resolution is reused.
const RESOLVE_TTL: Duration = Duration::from_secs(30);

/// How many hosts the resolver remembers.
const RESOLVE_CACHE_SIZE: usize = 64;

/// ureq resolves the host on every request, even over a pooled connection,
/// and with a resolve or whole-call timeout set it does so on a new thread
/// each time (about 13 µs of CPU per call on loopback). This resolver keeps
/// each answer for [`RESOLVE_TTL`], resolving through ureq's own resolver
/// (with its timeout) only when the answer is missing or stale. A lookup
/// allocates nothing: a client talks to one or a few hosts, found by a scan.
#[derive(Debug, Default)]
struct CachingResolver {
    inner: DefaultResolver,
    cache: Mutex<Vec<Resolved>>,
}

/// One host's answer.
#[derive(Debug)]
struct Resolved {
    scheme: String,
    authority: String,
    at: Instant,
    addrs: ResolvedSocketAddrs,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return self.inner.resolve(uri, config, timeout);
        };
        let authority = authority.as_str();
        let same = |r: &Resolved| r.scheme == scheme && r.authority == authority;
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|r| same(r) && r.at.elapsed() < RESOLVE_TTL)
            .map(|r| r.addrs.clone());
        if let Some(addrs) = cached {
            return Ok(addrs);
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.retain(|r| !same(r) && r.at.elapsed() < RESOLVE_TTL);
        if cache.len() >= RESOLVE_CACHE_SIZE {
            cache.remove(0);
        }
        cache.push(Resolved {
            scheme: scheme.to_owned(),
            authority: authority.to_owned(),
            at: Instant::now(),
            addrs: addrs.clone(),
        });
        Ok(addrs)
    }
}
