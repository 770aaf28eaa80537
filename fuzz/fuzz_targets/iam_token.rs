//! Arbitrary status, headers and body into `iam::parse_token`. It must never
//! panic, and:
//! - a success comes from a 2xx answer, and its token is non-empty and is the
//!   (first) `X-Subject-Token` header value;
//! - `token.expires_at` in the `YYYY-MM-DDTHH:MM:SS[.fraction]Z` form is read
//!   exactly as the same calendar time in `X-Sdk-Date` form is by
//!   `SdkDate::parse` (plus the fraction), and kept verbatim;
//! - the token is secret: with any other token in the header, the outcome is
//!   the same, errors print the same (`Display` and `Debug`), and so does a
//!   parsed `IamToken`'s `Debug`; an error never quotes the header's token.
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;
use sparkrtc::iam::parse_token;
use sparkrtc::sign::SdkDate;
use sparkrtc::Error;

#[derive(Arbitrary, Debug)]
enum NameIn<'a> {
    Known(u8),
    Raw(&'a [u8]),
}

const KNOWN: &[&str] = &[
    "x-subject-token",
    "x-request-id",
    "content-type",
    "date",
    "x-auth-token",
];

#[derive(Arbitrary, Debug)]
enum ExpiresIn<'a> {
    Raw(&'a str),
    Number(i64),
    Parts {
        y: u16,
        mo: u8,
        d: u8,
        h: u8,
        mi: u8,
        s: u8,
        /// (digits, how many: 1 to 12)
        fraction: Option<(u64, u8)>,
        zone: u8,
    },
}

#[derive(Arbitrary, Debug)]
enum BodyIn<'a> {
    Raw(&'a [u8]),
    Token {
        expires: ExpiresIn<'a>,
        /// Another field in `token`.
        extra: Option<(&'a str, &'a str)>,
        methods: bool,
    },
    Error {
        code: &'a str,
        message: &'a str,
    },
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    status: u16,
    token: Option<&'a [u8]>,
    headers: Vec<(NameIn<'a>, &'a [u8])>,
    body: BodyIn<'a>,
}

const REPLACEMENT: &str = "R3PL4C3D-T0K3N";

/// The body, and for a generated `Z` time its `X-Sdk-Date` form and fraction in ns.
fn body(input: &BodyIn<'_>) -> (Vec<u8>, Option<(String, String, u64)>) {
    match input {
        BodyIn::Raw(b) => (b.to_vec(), None),
        BodyIn::Error { code, message } => (
            serde_json::json!({"error": {"code": code, "message": message}})
                .to_string()
                .into_bytes(),
            None,
        ),
        BodyIn::Token {
            expires,
            extra,
            methods,
        } => {
            let (value, expected) = match expires {
                ExpiresIn::Raw(s) => (serde_json::Value::from(*s), None),
                ExpiresIn::Number(n) => (serde_json::Value::from(*n), None),
                &ExpiresIn::Parts {
                    y,
                    mo,
                    d,
                    h,
                    mi,
                    s,
                    fraction,
                    zone,
                } => {
                    let (y, mo, d, h, mi, s) =
                        (y % 10_000, mo % 14, d % 33, h % 26, mi % 62, s % 62);
                    let mut text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
                    let mut nanos = 0;
                    if let Some((digits, width)) = fraction {
                        let width = usize::from(width % 12) + 1;
                        let digits = format!("{:0width$}", digits % 10u64.pow(width as u32));
                        text.push('.');
                        text.push_str(&digits);
                        let first9 = format!("{:0<9}", &digits[..width.min(9)]);
                        nanos = first9.parse().unwrap();
                    }
                    let suffix = ["Z", "+00:00", "+08:00", "", "z"][usize::from(zone % 5)];
                    text.push_str(suffix);
                    let basic = format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z");
                    let utc = matches!(suffix, "Z" | "+00:00");
                    (
                        serde_json::Value::from(text.clone()),
                        utc.then_some((text, basic, nanos)),
                    )
                }
            };
            let mut token = serde_json::json!({ "expires_at": value });
            if let Some((k, v)) = extra {
                if *k != "expires_at" {
                    token[*k] = serde_json::Value::from(*v);
                }
            }
            if *methods {
                token["methods"] = serde_json::json!(["password"]);
            }
            (
                serde_json::json!({ "token": token })
                    .to_string()
                    .into_bytes(),
                expected,
            )
        }
    }
}

fn shown(r: &Result<sparkrtc::iam::IamToken, Error>) -> String {
    match r {
        Ok(t) => format!("Ok({t:?})"),
        Err(e) => format!("Err({e} / {e:?})"),
    }
}

fuzz_target!(|input: Input<'_>| {
    // Half the inputs are a success, as the parser's main path.
    let status = if input.status % 2 == 0 {
        StatusCode::CREATED
    } else {
        StatusCode::from_u16(100 + (input.status / 2) % 500).unwrap()
    };
    let mut headers = HeaderMap::new();
    if let Some(t) = input.token {
        if let Ok(v) = HeaderValue::from_bytes(t) {
            headers.append("x-subject-token", v);
        }
    }
    for (name, value) in input.headers.iter().take(8) {
        let name = match name {
            NameIn::Known(i) => HeaderName::from_static(KNOWN[usize::from(*i) % KNOWN.len()]),
            NameIn::Raw(n) => match HeaderName::from_bytes(n) {
                Ok(n) => n,
                Err(_) => continue,
            },
        };
        if let Ok(v) = HeaderValue::from_bytes(value) {
            headers.append(name, v);
        }
    }
    let (body, expected) = body(&input.body);

    let result = parse_token(status, &headers, &body);
    let header_token = headers
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty());

    match &result {
        Ok(t) => {
            assert!(status.is_success(), "a token from a {status}");
            let token = t.token.expose_secret();
            assert!(!token.is_empty());
            assert_eq!(Some(token), header_token);
            let _ = t.expires_within(t.expires_at, Duration::ZERO);
            assert!(t.expires_within(t.expires_at, Duration::ZERO));
        }
        Err(e) => {
            if !status.is_success() {
                assert!(matches!(e, Error::Api(_)), "{e:?}");
                assert_eq!(e.status(), Some(status));
            }
        }
    }

    // A generated UTC time reads as the calendar says.
    if let (Some((text, basic, nanos)), true, Some(_)) =
        (&expected, status.is_success(), header_token)
    {
        match (&result, SdkDate::parse(basic)) {
            (Ok(t), Some(at)) => {
                assert_eq!(t.expires_at, at + Duration::from_nanos(*nanos), "{text}");
                assert_eq!(&t.expires_at_text, text);
            }
            (Err(_), None) => {}
            (r, at) => panic!("`{text}`: {} but `{basic}` reads as {at:?}", shown(r)),
        }
    }

    // The token does not shape the outcome or its printing.
    let Some(token) = header_token else {
        return;
    };
    let token = token.to_owned();
    let mut replaced = HeaderMap::new();
    for (name, value) in &headers {
        if name == "x-subject-token" {
            replaced.append(name.clone(), HeaderValue::from_static(REPLACEMENT));
        } else {
            replaced.append(name.clone(), value.clone());
        }
    }
    let other = parse_token(status, &replaced, &body);
    match (&result, &other) {
        (Ok(a), Ok(b)) => {
            assert_eq!(b.token.expose_secret(), REPLACEMENT);
            assert_eq!(
                (a.expires_at, &a.expires_at_text),
                (b.expires_at, &b.expires_at_text)
            );
            assert_eq!(
                format!("{a:?}"),
                format!("{b:?}"),
                "the token shows in Debug"
            );
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "the token shapes the error");
            assert_eq!(
                format!("{a:?}"),
                format!("{b:?}"),
                "the token shapes the error"
            );
            if token.len() >= 4 && !b.to_string().contains(&token) {
                assert!(
                    !a.to_string().contains(&token),
                    "the error quotes the token: {a}"
                );
            }
        }
        _ => panic!(
            "the token decided the outcome: {} vs {}",
            shown(&result),
            shown(&other)
        ),
    }
});
