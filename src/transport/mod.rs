//! Sending a request: the small [`Transport`] trait any blocking HTTP stack
//! implements, and, with the `ureq` feature (on by default), one built on
//! [ureq](https://docs.rs/ureq).
//!
//! A transport takes an `http::Request<Vec<u8>>`, already signed, and gives
//! back the `http::Response<Vec<u8>>` with every status (4xx and 5xx
//! included, with their bodies: the client parses them), or a
//! [`TransportError`] that says whether the request may have reached the
//! server. It does not retry, follow redirects or read `Retry-After`: the
//! [`Client`](crate::client::Client) does that.
//!
//! Any closure of the right shape is a transport. Here is one over a plain
//! `std::net::TcpStream`, enough for a constrained environment that has no
//! HTTP library (HTTP/1.1, one request per connection, no TLS):
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//!
//! use sparkrtc::http::{Request, Response};
//! use sparkrtc::transport::{Transport, TransportError};
//!
//! fn send(request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
//!     let authority = request.uri().authority().map(|a| a.to_string()).unwrap_or_default();
//!     let mut stream = TcpStream::connect(&authority).map_err(TransportError::not_sent)?;
//!     let target = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
//!     let mut head = format!("{} {target} HTTP/1.1\r\nconnection: close\r\ncontent-length: {}\r\n",
//!         request.method(), request.body().len());
//!     for (name, value) in request.headers() {
//!         head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or_default()));
//!     }
//!     head.push_str("\r\n");
//!     stream.write_all(head.as_bytes()).map_err(TransportError::failed_after_send)?;
//!     stream.write_all(request.body()).map_err(TransportError::failed_after_send)?;
//!     let mut raw = Vec::new();
//!     stream.read_to_end(&mut raw).map_err(TransportError::failed_after_send)?;
//!     // Parse the status line, headers and body of `raw` with the parser of
//!     // your choice (httparse, say), then:
//!     # let (status, headers, body): (u16, Vec<(String, Vec<u8>)>, Vec<u8>) = (200, vec![], vec![]);
//!     let mut response = Response::builder().status(status);
//!     for (name, value) in headers {
//!         response = response.header(name, value);
//!     }
//!     response.body(body).map_err(TransportError::failed_after_send)
//! }
//!
//! let client = sparkrtc::client::Client::builder(send)
//!     .credentials(sparkrtc::Credentials::ak_sk("AK", "SK")?)
//!     .build()?;
//! # Ok::<(), sparkrtc::Error>(())
//! ```

#[cfg(feature = "ureq")]
mod ureq;

use http::{Request, Response};

pub use crate::sansio::wire::{TransportError, TransportErrorKind};
#[cfg(feature = "ureq")]
#[cfg_attr(docsrs, doc(cfg(feature = "ureq")))]
pub use ureq::{UreqConfig, UreqTransport};

/// A blocking HTTP stack.
///
/// Implemented for every `Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>,
/// TransportError>`, so a closure is a transport.
pub trait Transport {
    /// Sends `request` and returns the complete response, whatever its
    /// status, or what went wrong.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;
}

impl<F> Transport for F
where
    F: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>,
{
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self(request)
    }
}
