//! IAM tokens, sans-io: a request builder for `POST /v3/auth/tokens` with the
//! password method, and a parser for its answer.
//!
//! ```
//! use sparkrtc::iam::{self, PasswordTokenRequest, TokenScope};
//!
//! let request = PasswordTokenRequest::new("alice", "pa55word", "my-account", TokenScope::ProjectId("0123abcd".into()))
//!     .build(&iam::default_endpoint())?;
//! assert_eq!(request.uri(), "https://iam.myhuaweicloud.com/v3/auth/tokens?nocatalog=true");
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("X-Subject-Token", "MIIEXAMPLETOKEN".parse().unwrap());
//! let token = iam::parse_token(
//!     http::StatusCode::CREATED,
//!     &headers,
//!     br#"{"token":{"expires_at":"2024-01-03T03:04:05.000000Z","methods":["password"]}}"#,
//! )?;
//! assert_eq!(token.token.expose_secret(), "MIIEXAMPLETOKEN");
//! assert_eq!(token.expires_at_text, "2024-01-03T03:04:05.000000Z");
//! let credentials = sparkrtc::Credentials::iam_token(token.token)?;
//! # Ok::<(), sparkrtc::Error>(())
//! ```

use std::fmt;
use std::time::{Duration, SystemTime};

use http::header::{HeaderValue, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, Method, Request, StatusCode};
use serde::Deserialize;

use crate::headers::{DEFAULT_USER_AGENT, JSON_CONTENT_TYPE, X_SUBJECT_TOKEN};
use crate::sansio::wire::time::parse_iso8601;
use crate::{ApiError, DecodeError, Endpoint, Error, Secret};

/// The global IAM endpoint.
pub const DEFAULT_IAM_URL: &str = "https://iam.myhuaweicloud.com";

/// The global IAM endpoint as an [`Endpoint`].
pub fn default_endpoint() -> Endpoint {
    Endpoint::new(DEFAULT_IAM_URL).unwrap_or_default()
}

/// What the token is valid for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenScope {
    /// A project, by id (what SparkRTC's `X-Project-Id` names).
    ProjectId(String),
    /// A project, by name (a region id such as `cn-north-4`).
    ProjectName(String),
    /// The whole account (domain), by name.
    DomainName(String),
    /// The whole account (domain), by id.
    DomainId(String),
}

/// `POST /v3/auth/tokens` with the password method.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordTokenRequest {
    user_name: String,
    password: Secret,
    domain_name: String,
    scope: TokenScope,
}

impl PasswordTokenRequest {
    /// An IAM user's name, password and account (domain) name, and the scope.
    pub fn new(
        user_name: impl Into<String>,
        password: impl Into<Secret>,
        domain_name: impl Into<String>,
        scope: TokenScope,
    ) -> Self {
        PasswordTokenRequest {
            user_name: user_name.into(),
            password: password.into(),
            domain_name: domain_name.into(),
            scope,
        }
    }

    /// Builds the request (`?nocatalog=true`: the service catalog is not
    /// needed and is most of the answer).
    pub fn build(&self, iam: &Endpoint) -> Result<Request<Vec<u8>>, Error> {
        let empty = |field: &str, value: &str| {
            if value.is_empty() {
                Err(Error::InvalidParameter {
                    operation: "CreateIamToken",
                    field: field.into(),
                    reason: "is required and must not be empty".into(),
                })
            } else {
                Ok(())
            }
        };
        empty("user_name", &self.user_name)?;
        empty("domain_name", &self.domain_name)?;
        if self.password.is_empty() {
            return Err(Error::InvalidCredentials("the password is empty".into()));
        }
        let scope = match &self.scope {
            TokenScope::ProjectId(id) => {
                empty("scope.project.id", id)?;
                serde_json::json!({"project": {"id": id}})
            }
            TokenScope::ProjectName(name) => {
                empty("scope.project.name", name)?;
                serde_json::json!({"project": {"name": name}})
            }
            TokenScope::DomainName(name) => {
                empty("scope.domain.name", name)?;
                serde_json::json!({"domain": {"name": name}})
            }
            TokenScope::DomainId(id) => {
                empty("scope.domain.id", id)?;
                serde_json::json!({"domain": {"id": id}})
            }
        };
        let body = serde_json::json!({
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": self.user_name,
                            "password": self.password.expose_secret(),
                            "domain": {"name": self.domain_name}
                        }
                    }
                },
                "scope": scope
            }
        });
        let uri = format!("{}/v3/auth/tokens?nocatalog=true", iam.base_url());
        let mut request = Request::new(body.to_string().into_bytes());
        *request.method_mut() = Method::POST;
        *request.uri_mut() = uri
            .parse()
            .map_err(|e| Error::InvalidEndpoint(format!("cannot form a URI: {e}")))?;
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
        headers.insert(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT));
        Ok(request)
    }
}

impl fmt::Debug for PasswordTokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordTokenRequest")
            .field("user_name", &self.user_name)
            .field("password", &self.password)
            .field("domain_name", &self.domain_name)
            .field("scope", &self.scope)
            .finish()
    }
}

/// A token and when it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IamToken {
    /// The token (`X-Subject-Token`). Secret.
    pub token: Secret,
    /// Expiry.
    pub expires_at: SystemTime,
    /// Expiry as the service wrote it, for example `2024-01-03T03:04:05.000000Z`.
    pub expires_at_text: String,
}

impl IamToken {
    /// Whether the token expires within `margin` of `now` (refresh it then).
    pub fn expires_within(&self, now: SystemTime, margin: Duration) -> bool {
        now.checked_add(margin).is_none_or(|t| t >= self.expires_at)
    }
}

#[derive(Deserialize)]
struct TokenBody {
    token: TokenInfo,
}

#[derive(Deserialize)]
struct TokenInfo {
    expires_at: String,
}

/// Reads the answer to a [`PasswordTokenRequest`]: the token from the
/// `X-Subject-Token` header, the expiry from `token.expires_at`.
pub fn parse_token(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<IamToken, Error> {
    const OP: &str = "CreateIamToken";
    if !status.is_success() {
        return Err(Error::Api(Box::new(ApiError::from_response(
            status, headers, body,
        ))));
    }
    let decode = |path: &str, message: String| {
        DecodeError::error(OP, status, headers, body, path.into(), message)
    };
    let token = headers
        .get(X_SUBJECT_TOKEN)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            decode(
                "X-Subject-Token",
                "the response has no X-Subject-Token header".into(),
            )
        })?;
    let parsed: TokenBody =
        serde_json::from_slice(body).map_err(|e| decode("token.expires_at", e.to_string()))?;
    let expires_at = parse_iso8601(&parsed.token.expires_at).ok_or_else(|| {
        decode(
            "token.expires_at",
            format!("`{}` is not an ISO 8601 UTC time", parsed.token.expires_at),
        )
    })?;
    Ok(IamToken {
        token: Secret::new(token),
        expires_at,
        expires_at_text: parsed.token.expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn body_for_each_scope() {
        let req = |scope| {
            let r = PasswordTokenRequest::new("u", "p", "d", scope)
                .build(&default_endpoint())
                .unwrap();
            serde_json::from_slice::<serde_json::Value>(r.body()).unwrap()["auth"]["scope"].clone()
        };
        assert_eq!(
            req(TokenScope::ProjectId("p1".into())),
            serde_json::json!({"project": {"id": "p1"}})
        );
        assert_eq!(
            req(TokenScope::ProjectName("cn-north-4".into())),
            serde_json::json!({"project": {"name": "cn-north-4"}})
        );
        assert_eq!(
            req(TokenScope::DomainName("acct".into())),
            serde_json::json!({"domain": {"name": "acct"}})
        );
        assert_eq!(
            req(TokenScope::DomainId("d1".into())),
            serde_json::json!({"domain": {"id": "d1"}})
        );
        let r = PasswordTokenRequest::new(
            "alice",
            "SENTINEL-PW",
            "acct",
            TokenScope::ProjectId("p1".into()),
        )
        .build(&default_endpoint())
        .unwrap();
        assert_eq!(r.method(), "POST");
        assert_eq!(
            r.uri().to_string(),
            "https://iam.myhuaweicloud.com/v3/auth/tokens?nocatalog=true"
        );
        assert_eq!(
            r.headers()["content-type"],
            "application/json;charset=UTF-8"
        );
        let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(
            body["auth"]["identity"],
            serde_json::json!({"methods": ["password"], "password": {"user": {"name": "alice", "password": "SENTINEL-PW", "domain": {"name": "acct"}}}})
        );
    }

    #[test]
    fn bad_input() {
        let e = PasswordTokenRequest::new("", "p", "d", TokenScope::DomainName("d".into()))
            .build(&default_endpoint())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `user_name` of CreateIamToken: is required and must not be empty"
        );
        let e = PasswordTokenRequest::new("u", "", "d", TokenScope::DomainName("d".into()))
            .build(&default_endpoint())
            .unwrap_err();
        assert!(matches!(e, Error::InvalidCredentials(_)));
        let d =
            PasswordTokenRequest::new("u", "SENTINEL-PW", "d", TokenScope::DomainName("d".into()));
        assert!(!format!("{d:?}").contains("SENTINEL"));
        // Every other field is shown; the password only as redacted.
        assert_eq!(
            format!("{d:?}"),
            r#"PasswordTokenRequest { user_name: "u", password: Secret("***"), domain_name: "d", scope: DomainName("d") }"#
        );
    }

    #[test]
    fn parsing() {
        let mut h = HeaderMap::new();
        h.insert("X-Subject-Token", "tok".parse().unwrap());
        let ok = |body: &str| parse_token(StatusCode::CREATED, &h, body.as_bytes());
        let t = ok(r#"{"token":{"expires_at":"2024-01-03T03:04:05.5Z"}}"#).unwrap();
        assert_eq!(
            t.expires_at,
            UNIX_EPOCH + Duration::from_millis(1_704_251_045_500)
        );
        let t = ok(r#"{"token":{"expires_at":"2024-01-03T03:04:05+00:00"}}"#).unwrap();
        assert_eq!(
            t.expires_at,
            UNIX_EPOCH + Duration::from_secs(1_704_251_045)
        );
        assert!(t.expires_within(
            UNIX_EPOCH + Duration::from_secs(1_704_251_045 - 60),
            Duration::from_secs(300)
        ));
        assert!(!t.expires_within(
            UNIX_EPOCH + Duration::from_secs(1_704_251_045 - 600),
            Duration::from_secs(300)
        ));
        for bad in [
            r#"{"token":{}}"#,
            r#"{"token":{"expires_at":"tomorrow"}}"#,
            r#"{"token":{"expires_at":"2024-01-03T03:04:05+08:00"}}"#,
            "",
            "[]",
        ] {
            let e = ok(bad).unwrap_err();
            assert!(
                matches!(&e, Error::Decode(d) if d.path == "token.expires_at"),
                "{bad}: {e}"
            );
        }
        let e = parse_token(StatusCode::CREATED, &HeaderMap::new(), b"{}").unwrap_err();
        assert!(
            matches!(&e, Error::Decode(d) if d.path == "X-Subject-Token"),
            "{e}"
        );
        let e = parse_token(
            StatusCode::UNAUTHORIZED,
            &h,
            br#"{"error":{"code":"IAM.0101","message":"The username or password is wrong."}}"#,
        )
        .unwrap_err();
        assert_eq!(e.api().unwrap().error_code.as_deref(), Some("IAM.0101"));
    }
}
