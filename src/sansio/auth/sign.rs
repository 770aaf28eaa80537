//! AK/SK request signing (`SDK-HMAC-SHA256`), exactly as the official SDKs do
//! it, as a pure function of the request, the credentials and the time.
//!
//! The algorithm (Huawei Cloud API Gateway, `huaweicloudsdkcore` `Signer`):
//!
//! 1. canonical request = method, canonical URI, canonical query string,
//!    canonical headers, signed-header list and the hex SHA-256 of the body,
//!    joined by `\n`:
//!    - **URI**: the path percent-decoded as a whole, split on `/`, each piece
//!      RFC 3986-encoded, a trailing `/` added (so a path parameter holding an
//!      encoded `/` signs as two segments, as in the SDK);
//!    - **query**: `key=value` pairs percent-decoded, sorted by key then value,
//!      RFC 3986-encoded, joined by `&`;
//!    - **headers**: every header but `Authorization` whose name has no `_`,
//!      lower-cased, sorted, one `name:trimmed value\n` each;
//!    - **body hash**: `e3b0c442…b855` for an empty body; the value of
//!      `X-Sdk-Content-Sha256` when set (`UNSIGNED-PAYLOAD` for a
//!      `Content-Type` that is neither JSON nor BSON); else the hex SHA-256 of
//!      the body bytes, hashed in place (never copied or re-serialized);
//! 2. string to sign = `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex SHA-256 of the
//!    canonical request>`;
//! 3. signature = hex HMAC-SHA256 of the string to sign, keyed with the SK;
//! 4. `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<list>, Signature=<hex>`.
//!
//! Sign every attempt afresh: a retry needs a new `X-Sdk-Date` (the gateway
//! refuses dates more than 15 minutes off its clock; see
//! [`clock`](crate::clock) to correct a skewed local clock).

use std::borrow::Cow;
use std::fmt;
use std::time::SystemTime;

use hmac::{Hmac, KeyInit, Mac};
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use http::Request;
use percent_encoding::{percent_decode_str, percent_encode};
use sha2::{Digest, Sha256};

use super::hex::encode as hex;
use super::Auth;
use crate::headers::{
    X_AUTH_TOKEN, X_PROJECT_ID, X_SDK_CONTENT_SHA256, X_SDK_DATE, X_SECURITY_TOKEN,
};
use crate::sansio::wire::encoding::RFC3986_UNRESERVED;
use crate::sansio::wire::snippet;
use crate::sansio::wire::time;
use crate::{Credentials, Error};

/// The signing algorithm's name.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The body hash used for a non-JSON body.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// SHA-256 of the empty string.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Authenticates `request` for `credentials` at `time`.
///
/// With AK/SK credentials it sets `X-Sdk-Date`, `X-Project-Id` (when the
/// credentials have one and the request has none), `X-Security-Token`
/// (temporary credentials), `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`
/// (non-JSON content types), `Host` (when absent, from the URI) and
/// `Authorization`, and trims header values as they are signed. With an IAM
/// token it sets `X-Auth-Token` and `X-Project-Id`. The secret headers are
/// marked sensitive.
///
/// Signing a request again replaces what an earlier signing added
/// (`Authorization`, `X-Sdk-Date`, and `X-Auth-Token` when AK/SK credentials
/// follow an IAM token), so a retry loop may re-sign the same request;
/// `Authorization` is never signed.
///
/// A request already marked for one project (`X-Project-Id`, set by
/// [`Operation::build`](crate::Operation::build) from the endpoint) is not
/// signed for credentials of another: that is an
/// [`Error::InvalidParameter`] naming `project_id`.
///
/// `time` is the signing time; the function never reads a clock.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sparkrtc::{ops::ListApps, sign::sign, Credentials, Endpoint, Operation};
///
/// let mut request = ListApps::new().limit(10).build(&Endpoint::default())?;
/// let creds = Credentials::ak_sk("AKTEST", "SKTEST")?.with_project_id("proj123")?;
/// let time = UNIX_EPOCH + Duration::from_secs(1_704_164_645); // 2024-01-02T03:04:05Z
/// sign(&mut request, &creds, time)?;
/// assert_eq!(request.headers()["x-sdk-date"], "20240102T030405Z");
/// assert_eq!(request.headers()["host"], "rtc-api.myhuaweicloud.com");
/// assert!(request.headers()["authorization"].is_sensitive());
/// # Ok::<(), sparkrtc::Error>(())
/// ```
pub fn sign<B: AsRef<[u8]>>(
    request: &mut Request<B>,
    credentials: &Credentials,
    time: SystemTime,
) -> Result<(), Error> {
    let date = SdkDate::new(time)?;
    let headers = request.headers_mut();
    // What an earlier signing added goes: an old signature would be signed
    // into this one, and an old date contradict it.
    headers.remove(AUTHORIZATION);
    headers.remove(X_SDK_DATE);
    if let Some(project_id) = credentials.project_id() {
        match headers.get(X_PROJECT_ID) {
            None => {
                headers.insert(X_PROJECT_ID, header_value(X_PROJECT_ID, project_id)?);
            }
            Some(existing) if existing.as_bytes() == project_id.as_bytes() => {}
            Some(existing) => {
                return Err(Error::invalid(
                    "project_id",
                    format!(
                        "the request is for project `{}` (X-Project-Id and the path) but the \
                         credentials are for `{project_id}`; set the project id in one place",
                        String::from_utf8_lossy(existing.as_bytes())
                    ),
                ));
            }
        }
    }
    let (ak, sk) = match credentials.auth() {
        Auth::Token(token) => {
            headers.insert(X_AUTH_TOKEN, sensitive(X_AUTH_TOKEN, token)?);
            return Ok(());
        }
        Auth::AkSk {
            ak,
            sk,
            security_token,
        } => {
            // An IAM token from an earlier signing would contradict the signature.
            headers.remove(X_AUTH_TOKEN);
            if let Some(token) = security_token {
                headers.insert(X_SECURITY_TOKEN, sensitive(X_SECURITY_TOKEN, token)?);
            }
            (ak, sk)
        }
    };
    // As the SDK: a content type that is neither JSON nor BSON (compared
    // case-sensitively) is not hashed.
    let unsigned = headers.get(CONTENT_TYPE).is_some_and(|ct| {
        let ct = ct.as_bytes();
        !ct.is_empty()
            && !ct.starts_with(b"application/json")
            && !ct.starts_with(b"application/bson")
    });
    if unsigned {
        headers.insert(
            X_SDK_CONTENT_SHA256,
            HeaderValue::from_static(UNSIGNED_PAYLOAD),
        );
    }
    headers.insert(X_SDK_DATE, header_value(X_SDK_DATE, date.as_str())?);
    if !headers.contains_key(HOST) {
        let authority = request
            .uri()
            .authority()
            .ok_or_else(|| Error::InvalidHeader {
                name: "host".into(),
                reason: "the request has no Host header and its URI no authority".into(),
            })?
            .as_str();
        let host = header_value("host", authority)?;
        request.headers_mut().insert(HOST, host);
    }
    trim_header_values(request)?;

    // The canonical request is hashed as it is written, never stored; the
    // signed-header list goes straight into the Authorization value, which
    // is the only text this allocates.
    let mut auth = String::with_capacity(ALGORITHM.len() + ak.len() + 160);
    auth.push_str(ALGORITHM);
    auth.push_str(" Access=");
    auth.push_str(ak);
    auth.push_str(", SignedHeaders=");
    let mut hashing = Hashing(Sha256::new());
    write_canonical_request(request, &mut hashing, &mut auth)?;
    let signature = StringToSign::of_hash(date, &hashing.0.finalize()).signature(sk)?;
    auth.push_str(", Signature=");
    auth.push_str(hex(&signature, &mut [0; 64]));
    let mut value = HeaderValue::try_from(auth).map_err(|_| Error::InvalidHeader {
        name: "authorization".into(),
        reason: "cannot form the header".into(),
    })?;
    value.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, value);
    Ok(())
}

/// The canonical request: method, canonical URI, canonical query string,
/// canonical headers, the signed-header list and the body hash, joined by
/// `\n` (see the [module documentation](self)). [`sign`] signs exactly this;
/// it is public for tests and debugging.
///
/// Built from a request whose headers are final (as [`sign`] leaves them).
/// `Authorization` is never part of it.
///
/// ```
/// use sparkrtc::sign::{CanonicalRequest, SdkDate};
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let request = http::Request::builder()
///     .uri("https://rtc-api.myhuaweicloud.com/v2/apps?limit=10")
///     .header("x-sdk-date", "20240102T030405Z")
///     .body(Vec::new())?;
/// let canonical = CanonicalRequest::new(&request)?;
/// assert_eq!(canonical.signed_headers(), "x-sdk-date");
/// assert_eq!(
///     canonical.as_str(),
///     "GET\n/v2/apps/\nlimit=10\nx-sdk-date:20240102T030405Z\n\nx-sdk-date\n\
///      e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// let date = SdkDate::new(UNIX_EPOCH + Duration::from_secs(1_704_164_645))?;
/// assert!(canonical.string_to_sign(date).to_string().starts_with("SDK-HMAC-SHA256\n20240102T030405Z\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    text: String,
    /// Where the signed-header list sits in `text`.
    signed_headers: std::ops::Range<usize>,
}

impl CanonicalRequest {
    /// The canonical request of `request`.
    pub fn new<B: AsRef<[u8]>>(request: &Request<B>) -> Result<Self, Error> {
        let mut text = String::with_capacity(512);
        let mut list = String::new();
        write_canonical_request(request, &mut text, &mut list)?;
        // The list is the line before the body hash's.
        let end = text.rfind('\n').unwrap_or(0);
        let signed_headers = end - list.len()..end;
        Ok(CanonicalRequest {
            text,
            signed_headers,
        })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The signed-header list, `;`-separated: `host;x-sdk-date`.
    pub fn signed_headers(&self) -> &str {
        self.text.get(self.signed_headers.clone()).unwrap_or("")
    }

    /// The string to sign for this canonical request at `date`.
    pub fn string_to_sign(&self, date: SdkDate) -> StringToSign {
        StringToSign::of_hash(date, &Sha256::digest(self.text.as_bytes()))
    }
}

impl fmt::Display for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CanonicalRequest").field(&self.text).finish()
    }
}

/// The string to sign: `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex SHA-256 of the
/// canonical request>`. The signature is its HMAC-SHA256 under the SK.
/// `Display` gives the text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct StringToSign {
    date: SdkDate,
    /// Lower-case hex of the canonical request's SHA-256.
    hash: [u8; 64],
}

impl StringToSign {
    /// The string to sign at `date` for a canonical request whose SHA-256
    /// is `digest`.
    fn of_hash(date: SdkDate, digest: &[u8]) -> Self {
        let mut hash = [0; 64];
        hex(digest, &mut hash);
        StringToSign { date, hash }
    }

    /// The three lines, as bytes, in order.
    fn parts(&self) -> [&[u8]; 5] {
        [
            ALGORITHM.as_bytes(),
            b"\n",
            self.date.as_str().as_bytes(),
            b"\n",
            &self.hash,
        ]
    }

    /// The signature under the secret key `sk`.
    pub(crate) fn signature(&self, sk: &[u8]) -> Result<[u8; 32], Error> {
        let mut mac = Hmac::<Sha256>::new_from_slice(sk)
            .map_err(|_| Error::InvalidCredentials("the SK cannot be used as a key".into()))?;
        for part in self.parts() {
            mac.update(part);
        }
        Ok(mac.finalize().into_bytes().into())
    }
}

impl fmt::Display for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in self.parts() {
            // Every part is ASCII.
            f.write_str(std::str::from_utf8(part).unwrap_or(""))?;
        }
        Ok(())
    }
}

impl fmt::Debug for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StringToSign")
            .field(&self.to_string())
            .finish()
    }
}

/// A `Debug` view of a request that is safe to log: sensitive header values
/// (the signature, tokens) print as `Sensitive`, and the body is shown as a
/// short snippet with the values of secret-looking JSON keys redacted.
///
/// ```
/// # use sparkrtc::{ops::CreateApp, model::AppReq, Endpoint, Operation};
/// let request = CreateApp::new(AppReq::new("demo")).build(&Endpoint::default())?;
/// let shown = format!("{:?}", sparkrtc::sign::debug_request(&request));
/// assert!(shown.contains(r#"body: "{\"app_name\":\"demo\"}""#), "{shown}");
/// # Ok::<(), sparkrtc::Error>(())
/// ```
pub fn debug_request<B: AsRef<[u8]>>(request: &Request<B>) -> impl fmt::Debug + '_ {
    struct Shown<'a, B>(&'a Request<B>);
    impl<B: AsRef<[u8]>> fmt::Debug for Shown<'_, B> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let body = self.0.body().as_ref();
            f.debug_struct("Request")
                .field("method", self.0.method())
                .field("uri", self.0.uri())
                .field("headers", self.0.headers())
                .field("body", &snippet(body))
                .field("body_len", &body.len())
                .finish()
        }
    }
    Shown(request)
}

/// Where the canonical request is written: a `String` (to show it), or the
/// SHA-256 that [`sign`] needs (to hash it without storing it).
trait Sink {
    fn put(&mut self, text: &str);
}

impl Sink for String {
    fn put(&mut self, text: &str) {
        self.push_str(text);
    }
}

/// The canonical request hashed as it is written.
struct Hashing(Sha256);

impl Sink for Hashing {
    fn put(&mut self, text: &str) {
        self.0.update(text.as_bytes());
    }
}

fn put_encoded(out: &mut impl Sink, bytes: &[u8]) {
    for chunk in percent_encode(bytes, RFC3986_UNRESERVED) {
        out.put(chunk);
    }
}

/// A decoded query pair.
type QueryBytes<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// Query pairs and signed headers are sorted in place in arrays of this
/// size on the stack; a request with more uses the heap.
const INLINE: usize = 16;

/// Sorts what `items` yields (`len` of them) in a stack array when it fits,
/// and hands the sorted slice to `f`.
fn with_sorted<T, R>(
    len: usize,
    items: impl Iterator<Item = T>,
    empty: impl Fn() -> T,
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering,
    f: impl FnOnce(&[T]) -> R,
) -> R {
    if len <= INLINE {
        let mut inline: [T; INLINE] = std::array::from_fn(|_| empty());
        let mut n = 0;
        for (slot, item) in inline.iter_mut().zip(items) {
            *slot = item;
            n += 1;
        }
        inline[..n].sort_unstable_by(&cmp);
        f(&inline[..n])
    } else {
        let mut heap: Vec<T> = items.collect();
        heap.sort_unstable_by(&cmp);
        f(&heap)
    }
}

/// Writes the canonical request to `out`, and the signed-header list also
/// to `list`.
fn write_canonical_request<B: AsRef<[u8]>>(
    request: &Request<B>,
    out: &mut impl Sink,
    list: &mut String,
) -> Result<(), Error> {
    let method = request.method().as_str();
    if method.bytes().any(|b| b.is_ascii_lowercase()) {
        out.put(&method.to_ascii_uppercase());
    } else {
        out.put(method);
    }
    out.put("\n");

    // Canonical URI.
    let path = request.uri().path();
    let decoded: Cow<'_, [u8]> = percent_decode_str(path).into();
    let text = String::from_utf8_lossy(&decoded);
    for (i, segment) in text.split('/').enumerate() {
        if i > 0 {
            out.put("/");
        }
        put_encoded(out, segment.as_bytes());
    }
    if !text.ends_with('/') {
        out.put("/");
    }
    out.put("\n");

    // Canonical query.
    if let Some(query) = request.uri().query() {
        let pairs = query.split('&').filter(|p| !p.is_empty());
        let decoded = pairs.clone().map(|p| -> QueryBytes<'_> {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode_str(k).into(), percent_decode_str(v).into())
        });
        let empty = || -> QueryBytes<'_> { (Cow::Borrowed(&[]), Cow::Borrowed(&[])) };
        with_sorted(pairs.count(), decoded, empty, Ord::cmp, |sorted| {
            for (i, (k, v)) in sorted.iter().enumerate() {
                if i > 0 {
                    out.put("&");
                }
                put_encoded(out, k);
                out.put("=");
                put_encoded(out, v);
            }
        });
    }
    out.put("\n");

    // Canonical headers: every header but Authorization and names with `_`.
    let headers = request.headers();
    let is_signed = |name: &HeaderName| !(name.as_str().contains('_') || name == AUTHORIZATION);
    let mut len = 0;
    for (name, value) in headers {
        if is_signed(name) {
            // Checked here, so that the writing below cannot fail.
            header_text(name, value)?;
            len += 1;
        }
    }
    let signed = headers
        .iter()
        .filter(|(name, _)| is_signed(name))
        .map(|(name, value)| {
            let text = header_text(name, value).unwrap_or_default();
            (name.as_str(), text.trim())
        });
    let by_name = |a: &(&str, &str), b: &(&str, &str)| a.0.cmp(b.0);
    with_sorted(
        len,
        signed,
        || ("", ""),
        by_name,
        |sorted| {
            if let Some(w) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(Error::InvalidHeader {
                    name: w[0].0.into(),
                    reason: "appears more than once; a signed header must have one value".into(),
                });
            }
            for (name, value) in sorted {
                out.put(name);
                out.put(":");
                out.put(value);
                out.put("\n");
            }
            out.put("\n");
            let start = list.len();
            for (i, (name, _)) in sorted.iter().enumerate() {
                if i > 0 {
                    list.push(';');
                }
                list.push_str(name);
            }
            out.put(&list[start..]);
            Ok(())
        },
    )?;
    out.put("\n");

    // Body hash.
    let body = request.body().as_ref();
    if body.is_empty() {
        out.put(EMPTY_SHA256);
    } else if let Some(preset) = headers.get(X_SDK_CONTENT_SHA256) {
        out.put(header_text(&HeaderName::from_static(X_SDK_CONTENT_SHA256), preset)?.trim());
    } else {
        out.put(hex(&Sha256::digest(body), &mut [0; 64]));
    }
    Ok(())
}

/// Header values are signed as text; the SDK's are Python strings.
fn header_text<'a>(name: &HeaderName, value: &'a HeaderValue) -> Result<&'a str, Error> {
    std::str::from_utf8(value.as_bytes()).map_err(|_| Error::InvalidHeader {
        name: name.as_str().into(),
        reason: "value is not valid UTF-8 and cannot be signed".into(),
    })
}

/// The SDK sends header values trimmed, as it signs them.
fn trim_header_values<B>(request: &mut Request<B>) -> Result<(), Error> {
    let headers = request.headers_mut();
    let untrimmed: Vec<HeaderName> = headers
        .iter()
        .filter(|(_, v)| {
            // Unicode whitespace too (U+00A0, U+3000, ...), as Python's strip().
            std::str::from_utf8(v.as_bytes()).is_ok_and(|t| t.trim().len() != t.len())
        })
        .map(|(n, _)| n.clone())
        .collect();
    for name in untrimmed {
        let values: Vec<HeaderValue> = headers.get_all(&name).iter().cloned().collect();
        headers.remove(&name);
        for v in values {
            let text = header_text(&name, &v)?.trim();
            let mut trimmed = HeaderValue::from_str(text).map_err(|_| Error::InvalidHeader {
                name: name.as_str().into(),
                reason: "value cannot be sent".into(),
            })?;
            trimmed.set_sensitive(v.is_sensitive());
            headers.append(name.clone(), trimmed);
        }
    }
    Ok(())
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| Error::InvalidHeader {
        name: name.into(),
        reason: "value has characters a header cannot carry".into(),
    })
}

fn sensitive(name: &str, value: &str) -> Result<HeaderValue, Error> {
    // The message names the header only: the value is a secret.
    let mut v = header_value(name, value)?;
    v.set_sensitive(true);
    Ok(v)
}

/// An `X-Sdk-Date` value, `YYYYMMDDTHHMMSSZ` (UTC).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SdkDate([u8; 16]);

impl SdkDate {
    /// Formats a time. Fails before 1970 or after 9999.
    pub fn new(time: SystemTime) -> Result<Self, Error> {
        time::format_basic(time)
            .map(SdkDate)
            .ok_or_else(|| Error::InvalidHeader {
                name: X_SDK_DATE.into(),
                reason: "signing time must be between 1970 and 9999".into(),
            })
    }

    /// The header value.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// Parses an `X-Sdk-Date` value back into a time.
    pub fn parse(text: &str) -> Option<SystemTime> {
        time::parse_basic(text)
    }
}

impl fmt::Debug for SdkDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn dates() {
        let t = |s| UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(
            SdkDate::new(t(1_704_164_645)).unwrap().as_str(),
            "20240102T030405Z"
        );
        assert_eq!(SdkDate::parse("20240102T030405Z"), Some(t(1_704_164_645)));
        assert_eq!(
            format!("{:?}", SdkDate::new(t(1_704_164_645)).unwrap()),
            "20240102T030405Z"
        );
        assert!(SdkDate::new(t(253_402_300_800)).is_err());
        assert!(SdkDate::new(UNIX_EPOCH - Duration::from_secs(1)).is_err());
    }
}
