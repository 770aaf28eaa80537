//! A string that must never be printed: secret keys, tokens, passwords, callback keys.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret string (an SK, a security token, an IAM token, a password, an
/// application or callback authentication key).
///
/// `Debug` prints `Secret("***")`; there is no `Display`. The value is reachable
/// only through [`Secret::expose_secret`], so it cannot end up in logs or error
/// messages by accident. It serializes as the plain string because it has to go
/// on the wire (for example `auth_key` in [`AppCallbackUrlReq`](crate::model::AppCallbackUrlReq)).
///
/// ```
/// use sparkrtc::Secret;
/// let key = Secret::new("s3cr3t");
/// assert_eq!(format!("{key:?}"), r#"Secret("***")"#);
/// assert_eq!(key.expose_secret(), "s3cr3t");
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value. Call this only where the value is needed (signing,
    /// serializing a request body), never to log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"***\")")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}
