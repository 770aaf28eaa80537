//! An arbitrary request (method, URI from arbitrary path and query bytes,
//! headers, body) signed with arbitrary AK/SK credentials at an arbitrary
//! time. Signing must never panic, and when it succeeds:
//! - `Authorization` is `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<list>,
//!   Signature=<64 hex>`, marked sensitive;
//! - `<list>` is `CanonicalRequest::new(request without Authorization)
//!   .signed_headers()`: sorted, unique, lower case, never `authorization`,
//!   no `_`, with `host` and `x-sdk-date`;
//! - the signature is the HMAC-SHA256, under the SK, of that canonical
//!   request's string to sign, and `X-Sdk-Date` is the signing time;
//! - the canonical request is deterministic, and its body hash is the one
//!   the module documents;
//! - signing the signed request again at the same time changes nothing
//!   (same `Authorization`, same headers, same canonical request).
//!
//! When it fails, the error is the same with other secrets: the SK and the
//! security token never shape (or appear in) the message.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arbitrary::Arbitrary;
use hmac::{Hmac, KeyInit, Mac};
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use sparkrtc::sign::{sign, CanonicalRequest, SdkDate, EMPTY_SHA256};
use sparkrtc::Credentials;

#[derive(Arbitrary, Debug)]
enum MethodIn<'a> {
    Get,
    Post,
    Put,
    Delete,
    Patch,
    Other(&'a [u8]),
}

#[derive(Arbitrary, Debug)]
enum AuthorityIn<'a> {
    /// `rtc-api.myhuaweicloud.com`
    Default,
    /// No authority: an origin-form URI (`/path?query`).
    None,
    Raw(&'a str),
}

#[derive(Arbitrary, Debug)]
enum NameIn<'a> {
    /// One of the headers the signer treats specially.
    Known(u8),
    Raw(&'a [u8]),
}

const KNOWN: &[&str] = &[
    "host",
    "content-type",
    "x-sdk-date",
    "authorization",
    "x-project-id",
    "x-sdk-content-sha256",
    "x-security-token",
    "x-auth-token",
    "x_under_score",
    "user-agent",
];

#[derive(Arbitrary, Debug)]
enum ValueIn<'a> {
    /// A content type: JSON, BSON or other (the body hash depends on it).
    ContentType(u8),
    Raw(&'a [u8]),
}

const CONTENT_TYPES: &[&str] = &[
    "application/json;charset=UTF-8",
    "application/bson",
    "text/plain",
    "",
    "Application/JSON",
    " application/json ",
];

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    method: MethodIn<'a>,
    authority: AuthorityIn<'a>,
    path: &'a [u8],
    query: Option<&'a [u8]>,
    headers: Vec<(NameIn<'a>, ValueIn<'a>)>,
    body: &'a [u8],
    ak: &'a str,
    sk: &'a str,
    security_token: Option<&'a str>,
    project_id: Option<&'a str>,
    before_epoch: bool,
    secs: u64,
    nanos: u32,
}

fn copy(r: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut c = Request::new(r.body().clone());
    *c.method_mut() = r.method().clone();
    *c.uri_mut() = r.uri().clone();
    *c.version_mut() = r.version();
    *c.headers_mut() = r.headers().clone();
    c
}

fn credentials(
    ak: &str,
    sk: &str,
    token: Option<&str>,
    project: Option<&str>,
) -> Option<Credentials> {
    let mut c = Credentials::ak_sk(ak, sk).ok()?;
    if let Some(t) = token {
        c = c.with_security_token(t).ok()?;
    }
    if let Some(p) = project {
        c = c.with_project_id(p).ok()?;
    }
    Some(c)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn build_request(input: &Input<'_>) -> Option<Request<Vec<u8>>> {
    let method = match input.method {
        MethodIn::Get => Method::GET,
        MethodIn::Post => Method::POST,
        MethodIn::Put => Method::PUT,
        MethodIn::Delete => Method::DELETE,
        MethodIn::Patch => Method::PATCH,
        MethodIn::Other(m) => Method::from_bytes(m).ok()?,
    };
    let mut uri: Vec<u8> = Vec::new();
    match input.authority {
        AuthorityIn::Default => uri.extend_from_slice(b"https://rtc-api.myhuaweicloud.com"),
        AuthorityIn::None => {}
        AuthorityIn::Raw(a) => {
            uri.extend_from_slice(b"https://");
            uri.extend_from_slice(a.as_bytes());
        }
    }
    uri.push(b'/');
    uri.extend_from_slice(input.path);
    if let Some(q) = input.query {
        uri.push(b'?');
        uri.extend_from_slice(q);
    }
    let uri = Uri::try_from(uri).ok()?;
    let mut request = Request::new(input.body.to_vec());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    for (name, value) in input.headers.iter().take(16) {
        let name = match name {
            NameIn::Known(i) => HeaderName::from_static(KNOWN[usize::from(*i) % KNOWN.len()]),
            NameIn::Raw(n) => HeaderName::from_bytes(n).ok()?,
        };
        let value = match value {
            ValueIn::ContentType(i) => {
                HeaderValue::from_static(CONTENT_TYPES[usize::from(*i) % CONTENT_TYPES.len()])
            }
            ValueIn::Raw(v) => HeaderValue::from_bytes(v).ok()?,
        };
        headers.append(name, value);
    }
    Some(request)
}

fn authorization(headers: &HeaderMap) -> &str {
    let mut all = headers.get_all(AUTHORIZATION).iter();
    let auth = all.next().expect("no Authorization after signing");
    assert!(all.next().is_none(), "several Authorization headers");
    assert!(auth.is_sensitive(), "Authorization is not marked sensitive");
    auth.to_str().expect("Authorization is not visible ASCII")
}

fuzz_target!(|input: Input<'_>| {
    let Some(creds) = credentials(input.ak, input.sk, input.security_token, input.project_id)
    else {
        return;
    };
    let Some(original) = build_request(&input) else {
        return;
    };
    let offset = Duration::new(input.secs % 400_000_000_000, input.nanos % 1_000_000_000);
    let time: SystemTime = if input.before_epoch {
        UNIX_EPOCH.checked_sub(offset).unwrap_or(UNIX_EPOCH)
    } else {
        UNIX_EPOCH + offset
    };

    let mut request = copy(&original);
    let result = sign(&mut request, &creds, time);

    // The same request with other secrets (of the same validity: any
    // non-empty SK, any visible-ASCII token) fails or succeeds alike, with
    // the same message: the secrets neither shape nor appear in errors.
    let other = credentials(
        input.ak,
        "other-secret-key",
        input.security_token.map(|_| "other-security-token"),
        input.project_id,
    )
    .expect("credentials that differ only in their secrets");
    let mut other_request = copy(&original);
    let other_result = sign(&mut other_request, &other, time);
    match (&result, &other_result) {
        (Err(e), Err(o)) => {
            assert_eq!(e.to_string(), o.to_string());
            assert_eq!(format!("{e:?}"), format!("{o:?}"));
            let shown = e.to_string();
            for secret in [Some(input.sk), input.security_token].into_iter().flatten() {
                if secret.len() >= 8 {
                    assert!(
                        !shown.contains(secret) || o.to_string().contains(secret),
                        "{shown}"
                    );
                }
            }
            return;
        }
        (Ok(()), Ok(())) => {}
        _ => panic!("the SK or token decided success: {result:?} vs {other_result:?}"),
    }

    // The Authorization header and its parts.
    let auth = authorization(request.headers()).to_owned();
    let rest = auth
        .strip_prefix("SDK-HMAC-SHA256 Access=")
        .expect("Authorization does not start with the algorithm");
    // The AK has no `,`: the first `, SignedHeaders=` ends it.
    let (ak, rest) = rest
        .split_once(", SignedHeaders=")
        .expect("no SignedHeaders");
    assert_eq!(ak, input.ak);
    let (list, signature) = rest.split_once(", Signature=").expect("no Signature");
    assert_eq!(signature.len(), 64, "{auth}");
    assert!(signature
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));

    // X-Sdk-Date is the signing time.
    let date = SdkDate::new(time).expect("signing succeeded, so the time formats");
    assert_eq!(request.headers()["x-sdk-date"], date.as_str());

    // SignedHeaders is the canonical request's list, without Authorization.
    let mut unsigned = copy(&request);
    unsigned.headers_mut().remove(AUTHORIZATION);
    let canonical = CanonicalRequest::new(&unsigned).expect("the signed request canonicalizes");
    assert_eq!(list, canonical.signed_headers());
    let names: Vec<&str> = list.split(';').collect();
    assert!(
        names.windows(2).all(|w| w[0] < w[1]),
        "unsorted or repeated: {list}"
    );
    for name in &names {
        assert_ne!(*name, "authorization", "{list}");
        assert!(!name.contains('_'), "{list}");
        assert_eq!(*name, name.to_ascii_lowercase(), "{list}");
        assert!(
            request.headers().contains_key(*name),
            "{name} signed but absent"
        );
    }
    assert!(
        names.contains(&"host") && names.contains(&"x-sdk-date"),
        "{list}"
    );
    if let Some(token) = input.security_token {
        assert_eq!(request.headers()["x-security-token"], token);
        assert!(names.contains(&"x-security-token"), "{list}");
    }
    assert!(!request.headers().contains_key("x-auth-token"));

    // Deterministic, also when built from the request with Authorization.
    let again = CanonicalRequest::new(&unsigned).unwrap();
    assert_eq!(canonical, again);
    assert_eq!(CanonicalRequest::new(&request).unwrap(), canonical);

    // The body hash is the last line.
    let text = canonical.as_str();
    let hash_line = text.rsplit('\n').next().unwrap();
    let expected_hash = if request.body().is_empty() {
        EMPTY_SHA256.to_owned()
    } else if let Some(preset) = request.headers().get("x-sdk-content-sha256") {
        std::str::from_utf8(preset.as_bytes()).unwrap().trim().to_owned()
    } else {
        hex(&Sha256::digest(request.body()))
    };
    assert_eq!(hash_line, expected_hash);
    assert!(text.starts_with(&format!(
        "{}\n",
        request.method().as_str().to_ascii_uppercase()
    )));

    // The signature is the HMAC of the string to sign under the SK.
    let string_to_sign = canonical.string_to_sign(date).to_string();
    assert_eq!(
        string_to_sign,
        format!(
            "SDK-HMAC-SHA256\n{}\n{}",
            date.as_str(),
            hex(&Sha256::digest(text.as_bytes()))
        )
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(input.sk.as_bytes()).unwrap();
    mac.update(string_to_sign.as_bytes());
    assert_eq!(signature, hex(&mac.finalize().into_bytes()));

    // The other secrets signed the same canonical request.
    let mut other_unsigned = copy(&other_request);
    other_unsigned.headers_mut().remove(AUTHORIZATION);
    if input.security_token.is_none() {
        assert_eq!(CanonicalRequest::new(&other_unsigned).unwrap(), canonical);
    }

    // Re-signing at the same time is idempotent.
    let mut resigned = copy(&request);
    sign(&mut resigned, &creds, time).expect("re-signing a signed request failed");
    assert_eq!(authorization(resigned.headers()), auth);
    assert_eq!(
        resigned.headers(),
        request.headers(),
        "re-signing changed the headers"
    );
    let mut resigned_unsigned = copy(&resigned);
    resigned_unsigned.headers_mut().remove(AUTHORIZATION);
    assert_eq!(
        CanonicalRequest::new(&resigned_unsigned).unwrap(),
        canonical
    );
});
