//! The sans-io core: pure request builders and response parsers for every
//! operation, and the pieces around them.
//!
//! Nothing in this module does I/O, reads a clock, sleeps, reads the
//! environment, draws random numbers or keeps global state; `clippy.toml`
//! lists what it must not call, and CI runs clippy with `-D warnings`.
//! Requests come out as `http::Request<Vec<u8>>`; responses go in as status,
//! headers and body bytes.
//!
//! - `wire`: endpoint, percent-encoding, errors, header names, time formats;
//! - `operations`: the operation table, its macro, the `Operation` trait,
//!   dynamic (by-name) dispatch;
//! - `model`: request and response bodies, value sets, their rules;
//! - `auth`: signing, credentials, secrets, IAM tokens, clock skew;
//! - `pacing`: the throttle, the retry policy, seeded jitter;
//! - `callback`: recording callbacks, verified and parsed;
//! - `wait`: the schedule and the acceptors of a waiter.

pub(crate) mod wire;
#[macro_use]
pub mod model;
pub(crate) mod auth;
pub mod callback;
pub(crate) mod operations;
pub(crate) mod pacing;
pub mod wait;
