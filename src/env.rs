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
