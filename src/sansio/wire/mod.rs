//! Wire basics: where requests go, how parameters are encoded, what can fail,
//! the header names, the time formats.

pub(crate) mod encoding;
mod endpoint;
mod error;
pub mod headers;
pub mod redact;
pub mod time;
mod transport_error;

pub(crate) use endpoint::validate_project_id;
pub use endpoint::Endpoint;
pub(crate) use error::{request_id, snippet, MAX_RESPONSE_BODY};
pub use error::{ApiError, DecodeError, Error};
pub use transport_error::{TransportError, TransportErrorKind};
