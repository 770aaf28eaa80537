//! Requests a test double saw, read back, and compared.

use std::fmt;

use http::header::{HeaderName, AUTHORIZATION, HOST};
use http::Request;
use serde_json::Value;

use crate::dynamic::{decode_request, route, RequestError};
use crate::headers::X_SDK_DATE;
use crate::redact::RedactedRequest;
use crate::sansio::wire::redact::redact_json_secrets;
use crate::{Operation, OperationId};

/// A request a [`MockTransport`](super::MockTransport) saw: the request
/// itself, and read back with the crate's incoming-request parser
/// ([`decode_request`]) into its operation and parameters. Its `Debug`
/// view hides secrets ([`RedactedRequest`](crate::redact::RedactedRequest)).
#[derive(Clone)]
pub struct CapturedRequest {
    method: http::Method,
    uri: http::Uri,
    headers: http::HeaderMap,
    body: Vec<u8>,
    operation: Option<OperationId>,
    params: Result<Value, RequestError>,
    rule: Option<usize>,
}

impl fmt::Debug for CapturedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CapturedRequest")
            .field("request", &RedactedRequest::new(&self.request()))
            .field("operation", &self.operation)
            .field("rule", &self.rule)
            .finish_non_exhaustive()
    }
}

impl CapturedRequest {
    pub(crate) fn new(request: Request<Vec<u8>>) -> Self {
        let decoded = decode_request(&request);
        let operation = match &decoded {
            Ok(incoming) => Some(incoming.operation),
            // A request of a known route with bad parameters is still
            // that operation's.
            Err(_) => route(request.method(), request.uri().path()).map(|(id, _)| id),
        };
        let (parts, body) = request.into_parts();
        CapturedRequest {
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body,
            operation,
            params: decoded.map(|incoming| incoming.params),
            rule: None,
        }
    }

    pub(crate) fn set_rule(&mut self, index: usize) {
        self.rule = Some(index);
    }

    /// The request as it was sent (signed).
    pub fn request(&self) -> Request<&[u8]> {
        let mut request = Request::new(self.body.as_slice());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }

    /// An owned copy of the request.
    pub fn to_request(&self) -> Request<Vec<u8>> {
        self.request().map(<[u8]>::to_vec)
    }

    /// The operation the request is (by its method and path), if it is one.
    pub fn operation(&self) -> Option<OperationId> {
        self.operation
    }

    /// The parameters in the SDK request shape, when the request is one the
    /// service would serve.
    pub fn params(&self) -> Option<&Value> {
        self.params.as_ref().ok()
    }

    /// Why the request is not one the service would serve, if it is not.
    pub fn params_error(&self) -> Option<&RequestError> {
        self.params.as_ref().err()
    }

    /// The parameters as the typed request `O`, when the request is one.
    pub fn typed<O: Operation>(&self) -> Option<O> {
        if self.operation != Some(O::ID) {
            return None;
        }
        serde_json::from_value(self.params().cloned()?).ok()
    }

    /// The index (from 0) of the rule that answered it; `None` when none did.
    pub fn rule(&self) -> Option<usize> {
        self.rule
    }
}

/// Compares requests as a test means them: method, authority (when both
/// URIs have one), path, query (as a set of pairs, in any order), headers
/// and body (as JSON when both bodies are JSON, else as bytes), with the
/// headers signing adds (`Authorization`, `X-Sdk-Date`, and `Host`, which
/// repeats the URI's authority) ignored unless asked for, so that a
/// request built by hand (unsigned) matches the one a client signed and
/// sent.
///
/// ```
/// use std::time::UNIX_EPOCH;
/// use sparkrtc::ops::ListApps;
/// use sparkrtc::testing::RequestMatcher;
/// use sparkrtc::{sign::sign, Credentials, Endpoint, Operation};
///
/// let expected = ListApps::new().limit(10).build(&Endpoint::default())?;
/// let mut sent = ListApps::new().limit(10).build(&Endpoint::default())?;
/// sign(&mut sent, &Credentials::ak_sk("AK", "SK")?, UNIX_EPOCH)?;
/// assert_eq!(RequestMatcher::default().compare(&sent, &expected), Ok(()));
/// let strict = RequestMatcher::default().compare_header("authorization");
/// assert_eq!(
///     strict.compare(&sent, &expected).unwrap_err(),
///     "header `authorization` differs: 1 value(s) sent, 0 expected"
/// );
/// # Ok::<(), sparkrtc::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RequestMatcher {
    ignored: Vec<HeaderName>,
}

impl Default for RequestMatcher {
    /// Ignores `Authorization`, `X-Sdk-Date` and `Host`.
    fn default() -> Self {
        RequestMatcher {
            ignored: vec![AUTHORIZATION, HeaderName::from_static(X_SDK_DATE), HOST],
        }
    }
}

impl RequestMatcher {
    /// Compares the header `name` too (`authorization`, `x-sdk-date`,
    /// `host`).
    pub fn compare_header(mut self, name: &str) -> Self {
        self.ignored
            .retain(|h| !h.as_str().eq_ignore_ascii_case(name));
        self
    }

    /// Ignores the header `name` as well (an invalid name is ignored as
    /// no header has it).
    pub fn ignore_header(mut self, name: &str) -> Self {
        if let Ok(name) = HeaderName::try_from(name) {
            self.ignored.push(name);
        }
        self
    }

    /// `Ok` when `sent` matches `expected`, else the first difference.
    pub fn compare<A: AsRef<[u8]>, B: AsRef<[u8]>>(
        &self,
        sent: &Request<A>,
        expected: &Request<B>,
    ) -> Result<(), String> {
        if sent.method() != expected.method() {
            return Err(format!(
                "method differs: {} sent, {} expected",
                sent.method(),
                expected.method()
            ));
        }
        if let (Some(a), Some(b)) = (sent.uri().authority(), expected.uri().authority()) {
            if a != b {
                return Err(format!("authority differs: `{a}` sent, `{b}` expected"));
            }
        }
        if sent.uri().path() != expected.uri().path() {
            return Err(format!(
                "path differs: `{}` sent, `{}` expected",
                sent.uri().path(),
                expected.uri().path()
            ));
        }
        let sent_query = sorted_query(sent.uri().query());
        let expected_query = sorted_query(expected.uri().query());
        if sent_query != expected_query {
            return Err(format!(
                "query differs: `{}` sent, `{}` expected",
                sent.uri().query().unwrap_or(""),
                expected.uri().query().unwrap_or("")
            ));
        }
        let names = sent.headers().keys().chain(expected.headers().keys());
        for name in names {
            if self.ignored.contains(name) {
                continue;
            }
            let a: Vec<_> = sent.headers().get_all(name).iter().collect();
            let b: Vec<_> = expected.headers().get_all(name).iter().collect();
            if a != b {
                return Err(format!(
                    "header `{name}` differs: {} value(s) sent, {} expected",
                    a.len(),
                    b.len()
                ));
            }
        }
        if !bodies_match(sent.body().as_ref(), expected.body().as_ref()) {
            return Err(format!(
                "body differs: {} sent, {} expected",
                Shown(sent.body().as_ref()),
                Shown(expected.body().as_ref())
            ));
        }
        Ok(())
    }

    /// `Ok` when the requests match one for one, in order, else the first
    /// difference, naming the request.
    pub fn all_match<A: AsRef<[u8]>, B: AsRef<[u8]>>(
        &self,
        sent: &[Request<A>],
        expected: &[Request<B>],
    ) -> Result<(), String> {
        for (i, (a, b)) in sent.iter().zip(expected).enumerate() {
            self.compare(a, b).map_err(|e| {
                format!("request {} ({} {}): {e}", i + 1, a.method(), a.uri().path())
            })?;
        }
        if sent.len() != expected.len() {
            return Err(format!(
                "{} request(s) sent, {} expected",
                sent.len(),
                expected.len()
            ));
        }
        Ok(())
    }
}

/// Asserts that `sent` matches `expected` one for one, in order, as
/// [`RequestMatcher::default`] compares them (the signing headers ignored).
///
/// # Panics
///
/// When they differ, naming the first difference: it is an assertion.
#[track_caller]
pub fn assert_requests_match<A: AsRef<[u8]>, B: AsRef<[u8]>>(
    sent: &[Request<A>],
    expected: &[Request<B>],
) {
    if let Err(difference) = RequestMatcher::default().all_match(sent, expected) {
        panic!("{difference}");
    }
}

/// The query's pairs, sorted, still encoded.
pub(crate) fn sorted_query(query: Option<&str>) -> Vec<&str> {
    let mut pairs: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    pairs.sort_unstable();
    pairs
}

/// Equal as JSON when both are JSON, else byte for byte.
pub(crate) fn bodies_match(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    match (
        serde_json::from_slice::<Value>(a),
        serde_json::from_slice::<Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// A body in a message: its text, secrets hidden, cut to 200 characters.
struct Shown<'a>(&'a [u8]);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = redact_json_secrets(&String::from_utf8_lossy(self.0));
        let cut: String = text.chars().take(200).collect();
        let more = if cut.len() < text.len() { "..." } else { "" };
        write!(f, "{:?}{more}", cut)
    }
}
