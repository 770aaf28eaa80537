//! Reading the process environment. Not part of the sans-io core: the core's
//! [`Credentials::from_lookup`] takes the lookup as an argument.

use crate::{Credentials, Error};

impl Credentials {
    /// Credentials from the environment variables the official SDKs read:
    /// `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` (required),
    /// `HUAWEICLOUD_SDK_PROJECT_ID` and `HUAWEICLOUD_SDK_SECURITY_TOKEN`
    /// (optional). A variable that is not valid Unicode counts as unset.
    pub fn from_env() -> Result<Credentials, Error> {
        Credentials::from_lookup(|name| std::env::var(name).ok())
    }
}

/// The environment variable that points the client elsewhere than the
/// global endpoint (a regional endpoint, a proxy, the simulator).
pub(crate) const ENV_ENDPOINT: &str = "SPARKRTC_ENDPOINT";

/// The endpoint of `SPARKRTC_ENDPOINT`, or the global one when it is unset
/// or empty.
#[cfg_attr(not(feature = "ureq"), allow(dead_code))]
pub(crate) fn endpoint_from_env() -> Result<crate::Endpoint, Error> {
    match std::env::var(ENV_ENDPOINT) {
        Ok(url) if !url.is_empty() => crate::Endpoint::new(&url),
        _ => Ok(crate::Endpoint::default()),
    }
}

/// The environment variable naming the Redis a fleet of clients shares its
/// throttle through.
#[cfg_attr(not(all(feature = "redis", feature = "ureq")), allow(dead_code))]
pub(crate) const ENV_REDIS_URL: &str = "SPARKRTC_REDIS_URL";

/// `SPARKRTC_REDIS_URL`, when set and not empty (read by `Client::from_env`,
/// which needs `ureq` too).
#[cfg_attr(not(all(feature = "redis", feature = "ureq")), allow(dead_code))]
pub(crate) fn redis_url_from_env() -> Option<String> {
    std::env::var(ENV_REDIS_URL)
        .ok()
        .filter(|url| !url.is_empty())
}
