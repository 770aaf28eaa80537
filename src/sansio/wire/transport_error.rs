//! What a transport reports when it gets no complete response: pure data,
//! so that the retry policy can tell a call that never left from one that
//! may have taken effect.

use std::fmt;

/// How a transport failed, as far as the request's fate goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Nothing of the request reached the server: name resolution failed,
    /// the connection was refused or could not be set up in time, the TLS
    /// handshake failed. Safe to send again.
    NotSent,
    /// The request was (or may have been) sent, and no complete response
    /// came in time. The server may have acted on it.
    Timeout,
    /// The connection failed after the request was (or may have been)
    /// written: reset, broken pipe, closed before a complete response, a
    /// response that is not HTTP. The server may have acted on it.
    FailedAfterSend,
    /// A complete response whose body is larger than the transport's cap.
    /// The server acted on the request.
    BodyTooLarge,
}

/// A transport's failure to bring back a complete response.
///
/// Built by a [`Transport`](crate::transport::Transport) implementation with
/// the constructor that says what happened; the client reads
/// [`kind`](TransportError::kind) to decide whether repeating the call is
/// safe. The message never contains request data.
///
/// ```
/// use sparkrtc::transport::{TransportError, TransportErrorKind};
///
/// let e = TransportError::not_sent(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
/// assert_eq!(e.kind(), TransportErrorKind::NotSent);
/// assert!(!e.may_have_reached_server());
/// assert_eq!(e.to_string(), "transport: not sent: connection refused");
/// ```
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl TransportError {
    /// A failure before any of the request was written.
    pub fn not_sent(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(TransportErrorKind::NotSent, source)
    }

    /// No complete response in time, after (maybe) sending.
    pub fn timeout(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(TransportErrorKind::Timeout, source)
    }

    /// A failure after (maybe) sending.
    pub fn failed_after_send(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(TransportErrorKind::FailedAfterSend, source)
    }

    /// A response body over `limit` bytes.
    pub fn body_too_large(limit: u64) -> Self {
        Self::new(
            TransportErrorKind::BodyTooLarge,
            format!("the response body is larger than the cap of {limit} bytes"),
        )
    }

    /// A failure of the given kind.
    pub fn new(
        kind: TransportErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        TransportError {
            kind,
            source: source.into(),
        }
    }

    /// What happened.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the server may have seen (and acted on) the request.
    pub fn may_have_reached_server(&self) -> bool {
        self.kind != TransportErrorKind::NotSent
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::NotSent => "not sent",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::FailedAfterSend => "failed after sending",
            TransportErrorKind::BodyTooLarge => "response too large",
        };
        write!(f, "transport: {what}: {}", self.source)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}
