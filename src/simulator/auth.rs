//! Authentication as the API gateway does it: AK/SK `SDK-HMAC-SHA256`
//! signatures, and IAM tokens.

use std::time::SystemTime;

use hmac::{Hmac, KeyInit, Mac};
use http::header::AUTHORIZATION;
use http::{Request, StatusCode};
use sha2::Sha256;

use super::codes;
use super::util::{iso_secs, Fail};
use super::SimulatorConfig;
use crate::clock::GATEWAY_TOLERANCE;
use crate::headers::{X_AUTH_TOKEN, X_SDK_DATE};
use crate::sign::{CanonicalRequest, SdkDate, ALGORITHM};

/// Who a request is from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Caller {
    /// An AK/SK signature by this access key.
    AccessKey(String),
    /// The configured IAM token at this index.
    Token(usize),
}

impl Caller {
    /// The key rate limits are counted under.
    pub(super) fn account(&self) -> String {
        match self {
            Caller::AccessKey(ak) => format!("ak:{ak}"),
            Caller::Token(i) => format!("token:{i}"),
        }
    }
}

const AKSK_FAIL: &str = "Incorrect IAM authentication information: verify aksk signature fail";
const TOKEN_FAIL: &str = "Incorrect IAM authentication information: token verify fail";

fn unauthorized(msg: impl Into<String>) -> Fail {
    Fail::new(StatusCode::UNAUTHORIZED, codes::APIGW_AUTH, msg)
}

/// The access key named by an `Authorization` header, if it has the form.
pub(super) fn claimed_access_key<B>(request: &Request<B>) -> Option<String> {
    let value = request.headers().get(AUTHORIZATION)?.to_str().ok()?;
    parse_authorization(value).map(|a| a.access.to_owned())
}

/// Checks the request's credentials; `wall` is the gateway's clock.
pub(super) fn authenticate(
    config: &SimulatorConfig,
    request: &Request<Vec<u8>>,
    wall: SystemTime,
) -> Result<Caller, Fail> {
    if let Some(token) = request.headers().get(X_AUTH_TOKEN) {
        let token = token.as_bytes();
        return config
            .tokens
            .iter()
            .position(|t| constant_time_eq(t.expose_secret().as_bytes(), token))
            .map(Caller::Token)
            .ok_or_else(|| unauthorized(TOKEN_FAIL));
    }
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized(AKSK_FAIL))?;
    let auth = parse_authorization(header).ok_or_else(|| unauthorized(AKSK_FAIL))?;
    let sk = config
        .credentials
        .iter()
        .find(|(ak, _)| ak == auth.access)
        .map(|(_, sk)| sk)
        .ok_or_else(|| unauthorized(AKSK_FAIL))?;
    let date_text = request
        .headers()
        .get(X_SDK_DATE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized(AKSK_FAIL))?;
    let signed_at = SdkDate::parse(date_text.trim()).ok_or_else(|| unauthorized(AKSK_FAIL))?;
    let skew = match signed_at.duration_since(wall) {
        Ok(ahead) => ahead,
        Err(behind) => behind.duration(),
    };
    if skew > GATEWAY_TOLERANCE {
        return Err(unauthorized(format!(
            "Incorrect IAM authentication information: calc ak sk signature fail:signature expired, \
             x-sdk-date {} is more than 15 minutes from the server time {}",
            date_text.trim(),
            iso_secs(wall)
        )));
    }
    let date = SdkDate::new(signed_at).map_err(|_| unauthorized(AKSK_FAIL))?;

    // The request as signed: only the headers the signature names.
    let mut signed = Request::builder()
        .method(request.method().clone())
        .uri(request.uri().clone())
        .body(request.body().as_slice())
        .map_err(|_| unauthorized(AKSK_FAIL))?;
    for name in auth.signed_headers.split(';') {
        let mut values = request.headers().get_all(name).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(unauthorized(AKSK_FAIL));
        };
        let name =
            http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| unauthorized(AKSK_FAIL))?;
        signed.headers_mut().insert(name, value.clone());
    }
    let canonical = CanonicalRequest::new(&signed).map_err(|_| unauthorized(AKSK_FAIL))?;
    if !canonical
        .signed_headers()
        .eq_ignore_ascii_case(auth.signed_headers)
    {
        return Err(unauthorized(AKSK_FAIL));
    }
    let expected = decode_hex(auth.signature).ok_or_else(|| unauthorized(AKSK_FAIL))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(sk.expose_secret().as_bytes())
        .map_err(|_| unauthorized(AKSK_FAIL))?;
    mac.update(canonical.string_to_sign(date).to_string().as_bytes());
    mac.verify_slice(&expected)
        .map_err(|_| unauthorized(AKSK_FAIL))?;
    Ok(Caller::AccessKey(auth.access.to_owned()))
}

/// The parts of `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`.
struct Authorization<'a> {
    access: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.trim().strip_prefix(ALGORITHM)?;
    if !rest.starts_with(' ') {
        return None;
    }
    let (mut access, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key.trim() {
            "Access" => access = Some(value.trim()),
            "SignedHeaders" => signed_headers = Some(value.trim()),
            "Signature" => signature = Some(value.trim()),
            _ => return None,
        }
    }
    let auth = Authorization {
        access: access?,
        signed_headers: signed_headers?,
        signature: signature?,
    };
    (!auth.access.is_empty() && !auth.signed_headers.is_empty()).then_some(auth)
}

/// Lowercase or uppercase hex into bytes; `None` unless it is 64 digits.
fn decode_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// Equality whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_parses() {
        let a = parse_authorization(
            "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=ab",
        )
        .unwrap();
        assert_eq!(
            (a.access, a.signed_headers, a.signature),
            ("AK1", "host;x-sdk-date", "ab")
        );
        assert!(
            parse_authorization("SDK-HMAC-SHA256Access=AK1, SignedHeaders=h, Signature=ab")
                .is_none()
        );
        assert!(parse_authorization("Bearer x").is_none());
        assert!(parse_authorization("SDK-HMAC-SHA256 Access=AK1, SignedHeaders=h").is_none());
    }

    #[test]
    fn hex_and_comparison() {
        assert_eq!(decode_hex(&"0f".repeat(32)), Some([15; 32]));
        assert_eq!(decode_hex("0f"), None);
        assert_eq!(decode_hex(&"zz".repeat(32)), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
