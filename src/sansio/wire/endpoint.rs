//! Where requests go: scheme, host, port and the project id.

use http::uri::{Authority, Scheme};
use http::Uri;

use crate::Error;

/// The service endpoint and the project the requests act for.
///
/// The project id fills the `{project_id}` segment of the statistical-analysis
/// paths (`/v1/{project_id}/rtc/...`) and is sent as the `X-Project-Id` header
/// on every request.
///
/// ```
/// use sparkrtc::Endpoint;
/// let ep = Endpoint::default().with_project_id("0123456789abcdef")?;
/// assert_eq!(ep.base_url(), "https://rtc-api.myhuaweicloud.com");
///
/// // Any scheme, host and port, for tests and proxies:
/// let local = Endpoint::new("http://127.0.0.1:8080")?;
/// assert_eq!(local.authority(), "127.0.0.1:8080");
/// # Ok::<(), sparkrtc::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    scheme: Scheme,
    authority: Authority,
    project_id: Option<String>,
}

impl Endpoint {
    /// The global SparkRTC endpoint.
    pub const DEFAULT_URL: &'static str = "https://rtc-api.myhuaweicloud.com";

    /// An endpoint from a base URL such as `https://rtc-api.myhuaweicloud.com`
    /// or `http://127.0.0.1:8080`.
    ///
    /// The URL must have the scheme `http` or `https`, a host, and, when it
    /// names a port, a port from 1 to 65535; it must not carry user info, a
    /// path (other than `/`), a query or a fragment. Anything else is an
    /// [`Error::InvalidEndpoint`] that says what is wrong.
    pub fn new(url: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::InvalidEndpoint(format!("`{}`: {why}", shown(url)));
        if url.contains('#') {
            return Err(bad("must not have a fragment (`#...`)"));
        }
        let uri: Uri = url
            .parse()
            .map_err(|e| bad(&format!("is not a URL ({e})")))?;
        let parts = uri.into_parts();
        let scheme = match parts.scheme {
            None => return Err(bad("has no scheme; start it with https:// or http://")),
            Some(s) if s.as_str().eq_ignore_ascii_case("https") => Scheme::HTTPS,
            Some(s) if s.as_str().eq_ignore_ascii_case("http") => Scheme::HTTP,
            Some(_) => return Err(bad("must use the scheme https or http")),
        };
        let authority = parts.authority.ok_or_else(|| bad("has no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad(
                "must not carry user info (credentials belong in the signer)",
            ));
        }
        if authority.host().is_empty() {
            return Err(bad("has no host"));
        }
        check_port(&authority).map_err(bad)?;
        if let Some(pq) = parts.path_and_query {
            if pq.query().is_some() || !matches!(pq.path(), "" | "/") {
                return Err(bad(
                    "must not have a path or query; give only scheme, host and port",
                ));
            }
        }
        Ok(Endpoint {
            scheme,
            authority,
            project_id: None,
        })
    }

    /// Sets the project id. It must be 1 to 64 visible ASCII characters
    /// without `/` (Huawei project ids are 32 hex digits).
    pub fn with_project_id(mut self, project_id: impl Into<String>) -> Result<Self, Error> {
        let id = project_id.into();
        validate_project_id(&id)?;
        self.project_id = Some(id);
        Ok(self)
    }

    /// The project id, if set.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.scheme.as_str()
    }

    /// Host and optional port, as sent in the `Host` header.
    pub fn authority(&self) -> &str {
        self.authority.as_str()
    }

    /// `scheme://authority`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            scheme: Scheme::HTTPS,
            authority: Authority::from_static("rtc-api.myhuaweicloud.com"),
            project_id: None,
        }
    }
}

/// A port, when the authority names one, is 1 to 65535; nothing else
/// follows the host.
fn check_port(authority: &Authority) -> Result<(), &'static str> {
    // The text after the host: `:port`, or nothing. (An IPv6 host is in
    // brackets, so its colons are not the port's.)
    let text = authority.as_str();
    let after_host = match text.rfind(']') {
        Some(close) => &text[close + 1..],
        None => text.find(':').map_or("", |colon| &text[colon..]),
    };
    if after_host.is_empty() {
        return Ok(());
    }
    let Some(port) = after_host.strip_prefix(':') else {
        return Err("has text after the host that is not a port");
    };
    if port.is_empty() {
        return Err("names no port after `:`");
    }
    match port.parse::<u32>() {
        Ok(1..=65535) if port.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        _ => Err("must have a port from 1 to 65535"),
    }
}

/// The URL as quoted in an error: at most 200 characters, control
/// characters escaped.
fn shown(url: &str) -> String {
    let mut out: String = url
        .chars()
        .take(200)
        .flat_map(char::escape_default)
        .collect();
    if url.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// Checks a project id: 1 to 64 visible ASCII characters, no `/`.
pub(crate) fn validate_project_id(id: &str) -> Result<(), Error> {
    let reason = if id.is_empty() {
        "must not be empty"
    } else if id.len() > 64 {
        "must be at most 64 characters"
    } else if id.contains('/') {
        "must not contain `/`"
    } else if !id.bytes().all(|b| b.is_ascii_graphic()) {
        "must be visible ASCII characters (no spaces, control characters or non-ASCII)"
    } else {
        return Ok(());
    };
    Err(Error::invalid("project_id", reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let ep = Endpoint::new("https://rtc-api.myhuaweicloud.com/").unwrap();
        assert_eq!(ep, Endpoint::default());
        let ep = Endpoint::new("http://[::1]:9000").unwrap();
        assert_eq!(ep.base_url(), "http://[::1]:9000");
        assert_eq!(Endpoint::new("HTTPS://h:65535").unwrap().scheme(), "https");
        assert_eq!(Endpoint::new("http://[::1]").unwrap().authority(), "[::1]");
        assert_eq!(
            Endpoint::new("https://h:99999").unwrap_err().to_string(),
            "invalid endpoint: `https://h:99999`: must have a port from 1 to 65535"
        );
        assert_eq!(
            Endpoint::new("ftp://h").unwrap_err().to_string(),
            "invalid endpoint: `ftp://h`: must use the scheme https or http"
        );
        for bad in [
            "",
            "rtc-api.myhuaweicloud.com",
            "/v2/apps",
            "https://user:pw@host",
            "https://host/prefix",
            "https://host/?q=1",
            "https://ho st",
            "https://h:99999",
            "https://h:",
            "https://h:0",
            "https://h:-1",
            "https://[::1]:",
            "http://[::1]x",
            "Http://[7:2402:da5f:2ad5:202:d57f:f6:11]A",
            "ftp://h",
            "javascript://h",
            "https://h#frag",
            "https://h/#",
        ] {
            assert!(
                matches!(Endpoint::new(bad), Err(Error::InvalidEndpoint(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_error_quotes_at_most_200_characters_of_the_url_escaped() {
        // Exactly 200 characters: quoted whole.
        let url = format!("https://{}", "h".repeat(192));
        assert_eq!(url.chars().count(), 200);
        assert_eq!(shown(&url), url);
        // 201: the first 200 and an ellipsis; counted in characters, not
        // bytes, and non-ASCII escaped too.
        let url = format!("https://{}", "é".repeat(193));
        assert_eq!(shown(&url), format!("https://{}…", "\\u{e9}".repeat(192)));
        // Control characters escaped, so an error is one line.
        assert_eq!(shown("https://a\r\nb"), "https://a\\r\\nb");
        let err = Endpoint::new(&format!("ftp://{}", "x".repeat(300))).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "invalid endpoint: `ftp://{}…`: must use the scheme https or http",
                "x".repeat(194)
            )
        );
    }

    #[test]
    fn project_id_rules() {
        let ep = Endpoint::default();
        assert!(ep.clone().with_project_id("0a1b2c").is_ok());
        // At most 64 characters, and the reason says so.
        let longest = "x".repeat(64);
        assert_eq!(
            ep.clone()
                .with_project_id(longest.as_str())
                .unwrap()
                .project_id(),
            Some(longest.as_str())
        );
        assert_eq!(
            ep.clone()
                .with_project_id("x".repeat(65))
                .unwrap_err()
                .to_string(),
            "invalid parameter `project_id`: must be at most 64 characters"
        );
        for bad in ["", "a/b", "a b", "a\r\nb", "é", &"x".repeat(65)] {
            let err = ep.clone().with_project_id(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidParameter { field, .. } if field == "project_id"),
                "{bad}: {err}"
            );
        }
    }
}
