//! Credentials: AK/SK (permanent or temporary) and IAM tokens.

use std::fmt;

use crate::sansio::wire::validate_project_id;
use crate::{Error, Secret};

/// How requests are authenticated.
///
/// - [`Credentials::ak_sk`]: an access key and secret key; requests are signed
///   with `SDK-HMAC-SHA256` (see [`sign`](crate::sign::sign)).
/// - [`with_security_token`](Credentials::with_security_token): temporary
///   AK/SK; the token is sent as `X-Security-Token` and signed.
/// - [`Credentials::iam_token`]: an IAM token, sent as `X-Auth-Token`, no
///   signature.
///
/// The SK and the tokens are [`Secret`]s: `Debug` shows `***`, there is no
/// `Display`, and no error message quotes them.
///
/// ```
/// use sparkrtc::Credentials;
/// let creds = Credentials::ak_sk("AK1234", "sk-secret")?.with_project_id("0123abcd")?;
/// assert_eq!(creds.access_key(), Some("AK1234"));
/// assert!(!format!("{creds:?}").contains("sk-secret"));
/// # Ok::<(), sparkrtc::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    kind: Kind,
    project_id: Option<String>,
}

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    AkSk {
        ak: String,
        sk: Secret,
        security_token: Option<Secret>,
    },
    Token(Secret),
}

impl Credentials {
    /// The environment variable of the access key (the official SDKs' name).
    pub const ENV_AK: &'static str = "HUAWEICLOUD_SDK_AK";
    /// The environment variable of the secret key.
    pub const ENV_SK: &'static str = "HUAWEICLOUD_SDK_SK";
    /// The environment variable of the project id.
    pub const ENV_PROJECT_ID: &'static str = "HUAWEICLOUD_SDK_PROJECT_ID";
    /// The environment variable of the security token (temporary credentials).
    pub const ENV_SECURITY_TOKEN: &'static str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";

    /// Permanent AK/SK credentials. The AK must be 1 to 128 visible ASCII
    /// characters other than `,` (it goes into the `Authorization` header);
    /// the SK must not be empty.
    pub fn ak_sk(ak: impl Into<String>, sk: impl Into<Secret>) -> Result<Self, Error> {
        let ak = ak.into();
        let sk = sk.into();
        if ak.is_empty() {
            return Err(Error::InvalidCredentials("the AK is empty".into()));
        }
        if ak.len() > 128 || !ak.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
            return Err(Error::InvalidCredentials(
                "the AK must be at most 128 visible ASCII characters without `,`".into(),
            ));
        }
        if sk.is_empty() {
            return Err(Error::InvalidCredentials("the SK is empty".into()));
        }
        Ok(Credentials {
            kind: Kind::AkSk {
                ak,
                sk,
                security_token: None,
            },
            project_id: None,
        })
    }

    /// An IAM token (from [`iam`](crate::iam)); sent as `X-Auth-Token`.
    pub fn iam_token(token: impl Into<Secret>) -> Result<Self, Error> {
        let token = token.into();
        check_header_secret(&token, "the IAM token")?;
        Ok(Credentials {
            kind: Kind::Token(token),
            project_id: None,
        })
    }

    /// Makes AK/SK credentials temporary ones: the security token is sent as
    /// `X-Security-Token` and signed. Fails on IAM-token credentials.
    pub fn with_security_token(mut self, token: impl Into<Secret>) -> Result<Self, Error> {
        let token = token.into();
        check_header_secret(&token, "the security token")?;
        match &mut self.kind {
            Kind::AkSk { security_token, .. } => *security_token = Some(token),
            Kind::Token(_) => {
                return Err(Error::InvalidCredentials(
                    "a security token goes with AK/SK credentials, not with an IAM token".into(),
                ))
            }
        }
        Ok(self)
    }

    /// Sets the project id, sent as `X-Project-Id` by the signer.
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Result<Self, Error> {
        let id = project_id.into();
        validate_project_id(&id)?;
        self.project_id = Some(id);
        Ok(self)
    }

    /// Reads credentials the way the official SDKs do, from
    /// `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_PROJECT_ID`
    /// and `HUAWEICLOUD_SDK_SECURITY_TOKEN`, through `lookup` (pure: pass
    /// `|name| std::env::var(name).ok()`, or see `Credentials::from_env`).
    /// AK and SK are required; empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let ak = get(Credentials::ENV_AK)
            .ok_or_else(|| Error::InvalidCredentials(format!("{} is not set", Self::ENV_AK)))?;
        let sk = get(Credentials::ENV_SK)
            .ok_or_else(|| Error::InvalidCredentials(format!("{} is not set", Self::ENV_SK)))?;
        let mut creds = Credentials::ak_sk(ak, sk)?;
        if let Some(token) = get(Credentials::ENV_SECURITY_TOKEN) {
            creds = creds.with_security_token(token)?;
        }
        if let Some(project) = get(Credentials::ENV_PROJECT_ID) {
            creds = creds.with_project_id(project)?;
        }
        Ok(creds)
    }

    /// The access key, for AK/SK credentials. Not a secret.
    pub fn access_key(&self) -> Option<&str> {
        match &self.kind {
            Kind::AkSk { ak, .. } => Some(ak),
            Kind::Token(_) => None,
        }
    }

    /// The project id, if set.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// Whether these are temporary AK/SK credentials.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self.kind,
            Kind::AkSk {
                security_token: Some(_),
                ..
            }
        )
    }

    pub(crate) fn auth(&self) -> Auth<'_> {
        match &self.kind {
            Kind::AkSk {
                ak,
                sk,
                security_token,
            } => Auth::AkSk {
                ak,
                sk: sk.expose_secret().as_bytes(),
                security_token: security_token.as_ref().map(Secret::expose_secret),
            },
            Kind::Token(t) => Auth::Token(t.expose_secret()),
        }
    }
}

/// A borrowed view the signer works from.
pub(crate) enum Auth<'a> {
    AkSk {
        ak: &'a str,
        sk: &'a [u8],
        security_token: Option<&'a str>,
    },
    Token(&'a str),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Credentials");
        match &self.kind {
            Kind::AkSk {
                ak,
                sk,
                security_token,
            } => {
                d.field("ak", ak).field("sk", sk);
                if let Some(t) = security_token {
                    d.field("security_token", t);
                }
            }
            Kind::Token(t) => {
                d.field("iam_token", t);
            }
        }
        d.field("project_id", &self.project_id).finish()
    }
}

/// A secret that will travel in a header: not empty, and only visible ASCII
/// (tokens are base64-like). The message never quotes the value.
fn check_header_secret(secret: &Secret, what: &str) -> Result<(), Error> {
    let value = secret.expose_secret();
    if value.is_empty() {
        return Err(Error::InvalidCredentials(format!("{what} is empty")));
    }
    if let Some(pos) = value.bytes().position(|b| !b.is_ascii_graphic()) {
        return Err(Error::InvalidCredentials(format!(
            "{what} has a character that cannot be sent in a header (byte {pos}: a space, control character or non-ASCII)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENTINEL: &str = "SENTINEL\r\nsecret";

    #[test]
    fn bad_credentials_are_typed_errors_without_the_secret() {
        let cases = [
            Credentials::ak_sk("", "sk").unwrap_err(),
            Credentials::ak_sk("AK\r\nX: y", "sk").unwrap_err(),
            Credentials::ak_sk("AK,1", "sk").unwrap_err(),
            Credentials::ak_sk("AK", "").unwrap_err(),
            Credentials::iam_token("").unwrap_err(),
            Credentials::iam_token(SENTINEL).unwrap_err(),
            Credentials::ak_sk("AK", "sk")
                .unwrap()
                .with_security_token(SENTINEL)
                .unwrap_err(),
            Credentials::iam_token("tok")
                .unwrap()
                .with_security_token("t")
                .unwrap_err(),
        ];
        for e in cases {
            assert!(matches!(e, Error::InvalidCredentials(_)), "{e:?}");
            assert!(!e.to_string().contains("SENTINEL"), "{e}");
        }
        let e = Credentials::ak_sk("AK", "sk")
            .unwrap()
            .with_project_id("a/b")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `project_id`: must not contain `/`"
        );
    }

    #[test]
    fn an_ak_is_1_to_128_visible_characters_without_a_comma() {
        let ak = "A".repeat(128);
        let c = Credentials::ak_sk(ak.as_str(), "sk").unwrap();
        assert_eq!(c.access_key(), Some(ak.as_str()));
        let message = |ak: &str, sk: &str| Credentials::ak_sk(ak, sk).unwrap_err().to_string();
        let too_long = message(&"A".repeat(129), "sk");
        assert_eq!(
            too_long,
            "invalid credentials: the AK must be at most 128 visible ASCII characters without `,`"
        );
        assert_eq!(message("AK 1", "sk"), too_long);
        assert_eq!(message("AK,1", "sk"), too_long);
        assert_eq!(message("", "sk"), "invalid credentials: the AK is empty");
        assert_eq!(message("AK", ""), "invalid credentials: the SK is empty");
    }

    #[test]
    fn debug_is_redacted() {
        let c = Credentials::ak_sk("AKID", "SENTINEL-SK")
            .unwrap()
            .with_security_token("SENTINEL-TOKEN")
            .unwrap();
        assert_eq!(
            format!("{c:?}"),
            r#"Credentials { ak: "AKID", sk: Secret("***"), security_token: Secret("***"), project_id: None }"#
        );
        let t = Credentials::iam_token("SENTINEL-IAM").unwrap();
        assert!(!format!("{t:?}").contains("SENTINEL"));
    }

    #[test]
    fn from_lookup() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let c = Credentials::from_lookup(env(&[
            (Credentials::ENV_AK, "AK"),
            (Credentials::ENV_SK, "SK"),
            (Credentials::ENV_PROJECT_ID, "p1"),
            (Credentials::ENV_SECURITY_TOKEN, "tok"),
        ]))
        .unwrap();
        assert_eq!(c.access_key(), Some("AK"));
        assert_eq!(c.project_id(), Some("p1"));
        assert!(c.is_temporary());
        let c = Credentials::from_lookup(env(&[
            (Credentials::ENV_AK, "AK"),
            (Credentials::ENV_SK, "SK"),
            (Credentials::ENV_PROJECT_ID, ""),
        ]))
        .unwrap();
        assert_eq!(c.project_id(), None);
        assert!(!c.is_temporary());
        let e = Credentials::from_lookup(env(&[(Credentials::ENV_AK, "AK")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid credentials: HUAWEICLOUD_SDK_SK is not set"
        );
    }
}
