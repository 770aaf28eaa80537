//! The sans-io core: pure request builders and response parsers for every
//! endpoint, and the pieces around them.
//!
//! Nothing in this module does I/O, reads a clock, sleeps, draws random
//! numbers or keeps global state. Requests come out as
//! `http::Request<Vec<u8>>`; responses go in as status, headers and body
//! bytes. That makes every function here exactly testable and fuzzable, and
//! lets any HTTP stack drive it.
//!
//! The drive loop a caller (or, later, this crate's blocking client) runs:
//!
//! 1. **build**: `ops::X::new(..).build(&endpoint)` gives the unsigned request;
//! 2. **sign**: add the authentication headers;
//! 3. **send** it with any HTTP client;
//! 4. **parse**: `ops::X::parse(status, &headers, &body)` gives the typed
//!    output or a typed [`Error`].
//!
//! Map of the module:
//! - [`ops`](crate::ops): one request type per operation, all declared in one table;
//! - [`model`](crate::model): request and response bodies, value sets;
//! - [`operation`]: the [`Operation`] trait, [`Output`], [`OperationId`] metadata;
//! - [`dynamic`](crate::dynamic): the same operations driven by name and JSON;
//! - [`endpoint`], [`error`], [`encoding`]: where requests go, what can fail,
//!   how parameters are percent-encoded.

#[macro_use]
mod macros;

pub mod clock;
pub mod credentials;
pub mod dynamic;
pub mod encoding;
pub mod endpoint;
pub mod error;
pub mod iam;
pub mod model;
pub mod operation;
pub mod ops;
mod secret;
pub mod sign;
mod time;

pub use credentials::Credentials;
pub use endpoint::Endpoint;
pub use error::{ApiError, DecodeError, Error};
pub use operation::{Operation, OperationInfo, Output, RateLimit, ThrottleCategory};
pub use ops::OperationId;
pub use secret::Secret;
