//! A [`Transport`] on [ureq](https://docs.rs/ureq) 3: blocking, rustls,
//! connection pooling, proxies from the environment.

use std::io;
use std::time::Duration;

use http::{Request, Response};

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
    /// Each read from the socket (default 30 s).
    pub read_timeout: Duration,
    /// The whole exchange, body included (default 60 s).
    pub call_timeout: Duration,
    /// The largest response body read (default 16 MiB); a larger one is a
    /// [`TransportErrorKind::BodyTooLarge`] error, not an allocation.
    pub max_body_bytes: u64,
}

impl Default for UreqConfig {
    fn default() -> Self {
        UreqConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            call_timeout: Duration::from_secs(60),
            max_body_bytes: 16 * 1024 * 1024,
        }
    }
}

impl UreqConfig {
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the per-read timeout.
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
}

/// The default transport: ureq with rustls and the webpki roots, keep-alive
/// connection pooling, no redirects (a 3xx is handed to the parser like any
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
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_resolve(Some(config.connect_timeout))
            .timeout_per_read(Some(config.read_timeout))
            .timeout_global(Some(config.call_timeout))
            .user_agent(crate::headers::DEFAULT_USER_AGENT)
            .build()
            .new_agent();
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
        let bytes = body
            .with_config()
            .limit(self.max_body_bytes)
            .read_to_vec()
            .map_err(|e| match e {
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
