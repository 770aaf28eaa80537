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
//! 2. **acquire**: [`throttle::Throttle::acquire`] says send now or wait exactly `d`;
//! 3. **sign**: [`sign::sign`] with the [`Credentials`] and the current time;
//! 4. **send** it with any HTTP client;
//! 5. **feed back**: [`throttle::Throttle::on_response`] folds a 429's
//!    `Retry-After` into the pacing;
//! 6. **parse**: `ops::X::parse(status, &headers, &body)` gives the typed
//!    output or a typed [`Error`];
//! 7. **retry**: on an error, [`retry::RetryPolicy::decide`] says stop or retry
//!    after `d` (then back to 1: every attempt is built and signed afresh).
//!
//! [`throttle`] has this loop as a worked, tested example.
//!
//! Map of the module:
//! - [`ops`]: one request type per operation, all declared in one table;
//! - [`model`]: request and response bodies, value sets;
//! - [`operation`]: the [`Operation`] trait, [`Output`], [`OperationId`] metadata;
//! - [`dynamic`]: the same operations driven by name and JSON;
//! - [`sign`], [`credentials`], [`iam`], [`clock`]: authentication;
//! - [`throttle`], [`retry`]: pacing and retry decisions;
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
pub mod retry;
mod secret;
pub mod sign;
pub mod throttle;
mod time;

pub use credentials::Credentials;
pub use endpoint::Endpoint;
pub use error::{ApiError, DecodeError, Error};
pub use operation::{Operation, OperationInfo, Output, RateLimit, ThrottleCategory};
pub use ops::OperationId;
pub use secret::Secret;
