//! Authentication: AK/SK signing, credentials, secrets, IAM tokens, clock skew.

pub mod clock;
mod credentials;
pub(crate) mod hex;
pub mod iam;
pub mod join;
mod secret;
pub mod sign;

pub(crate) use credentials::Auth;
pub use credentials::Credentials;
pub use secret::Secret;
