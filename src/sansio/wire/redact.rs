//! Hides secret values before they are shown: in JSON-ish text quoted in an
//! error message or a `Debug` view, in JSON values a tool prints, and in a
//! request a tool shows instead of sending it ([`RedactedRequest`]).
//!
//! The text input may be JSON, truncated JSON, JSON inside other text, or no
//! JSON at all (an HTML error page). A small streaming tokenizer walks it
//! once, without recursion, and never fails: text it does not understand is
//! copied unchanged. A key is secret by [`is_secret_key`] after its escapes
//! are decoded; every scalar inside a secret key's value (a string, a
//! number, `true`, `false`, `null`, or unparseable junk), at any depth,
//! becomes `"***"`, while brackets, keys, colons and commas are kept.

use std::borrow::Cow;
use std::fmt;

use http::header::AUTHORIZATION;
use http::Request;
use serde_json::Value;

/// What replaces a secret scalar.
const MASK: &str = "\"***\"";

/// Whether a JSON key, header name or query parameter (already unescaped)
/// names a secret: its ASCII lower-case form ends with `key`, contains
/// `token`, `password` or `secret`, or is `sk` or `authorization`.
///
/// ```
/// use sparkrtc::redact::is_secret_key;
///
/// assert!(is_secret_key("app_key"));
/// assert!(is_secret_key("X-Auth-Token"));
/// assert!(!is_secret_key("app_id"));
/// ```
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.ends_with("key")
        || k.contains("token")
        || k.contains("password")
        || k.contains("secret")
        || k == "sk"
        || k == "authorization"
}

/// Returns `text` with every scalar inside the value of a secret-named key
/// replaced by `"***"`. Linear in the length of `text`; never panics.
pub(crate) fn redact_json_secrets(text: &str) -> String {
    let mut redactor = Redactor {
        text,
        out: String::with_capacity(text.len()),
        depth: 0,
        secret_depth: None,
        secret_value: false,
        key_is_secret: false,
        after_colon: false,
    };
    let mut pos = 0;
    while pos < text.len() {
        let next = redactor.step(pos);
        // Every step moves on: a step that did not would loop forever.
        debug_assert!(next > pos, "the redactor stopped at byte {pos}");
        pos = next;
    }
    redactor.out
}

/// Replaces every scalar inside the value of a secret-named key
/// ([`is_secret_key`]), at any depth, with the string `"***"`, keeping the
/// structure: what a tool prints instead of an answer that holds keys.
///
/// ```
/// use serde_json::json;
/// use sparkrtc::redact::redact_value;
///
/// let mut app = json!({"app_id": "a", "authentication": {"app_key": "k3y", "enable": true}});
/// redact_value(&mut app);
/// assert_eq!(app, json!({"app_id": "a", "authentication": {"app_key": "***", "enable": true}}));
/// ```
pub fn redact_value(value: &mut Value) {
    // Iterative: a value nested beyond the stack is still walked.
    let mut stack: Vec<(&mut Value, bool)> = vec![(value, false)];
    while let Some((value, secret)) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    stack.push((child, secret || is_secret_key(key)));
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut().map(|item| (item, secret))),
            scalar if secret => *scalar = Value::String("***".into()),
            _ => {}
        }
    }
}

/// A request as it may be shown: method, URL, headers and body with every
/// secret hidden. For a tool's dry run, a log line, a bug report.
///
/// - The signature in `Authorization` becomes `***`; the algorithm, the
///   access key (an identifier, not a secret) and the signed-header list
///   stay, so the request can still be compared with another.
/// - Headers marked sensitive (the signer marks tokens) and headers whose
///   name is secret ([`is_secret_key`]: `X-Auth-Token`, `X-Security-Token`)
///   become `***`.
/// - Query parameters with a secret name have their value replaced.
/// - The body is the text sent, with the values of secret-named JSON keys
///   (`auth_key`, `app_key`, `password`, ...) replaced, as error messages
///   quote bodies; invalid UTF-8 is replaced.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sparkrtc::model::AppCallbackUrlReq;
/// use sparkrtc::ops::UpdateRecordCallback;
/// use sparkrtc::redact::RedactedRequest;
/// use sparkrtc::{sign::sign, Credentials, Endpoint, Operation};
///
/// let callback = AppCallbackUrlReq::new("https://example.com/cb").auth_key("0123456789abcdef0123456789abcdef");
/// let mut request = UpdateRecordCallback::new("app-1", callback).build(&Endpoint::default())?;
/// let credentials = Credentials::ak_sk("MY-AK", "MY-SK")?.with_security_token("MY-TOKEN")?;
/// sign(&mut request, &credentials, UNIX_EPOCH + Duration::from_secs(1_704_164_645))?;
///
/// let shown = RedactedRequest::new(&request);
/// assert_eq!(shown.url, "https://rtc-api.myhuaweicloud.com/v2/apps/app-1/record-callback");
/// assert!(shown.header("authorization").unwrap().ends_with(", Signature=***"));
/// assert_eq!(shown.header("x-security-token"), Some("***"));
/// assert_eq!(shown.body, r#"{"url":"https://example.com/cb","auth_key":"***"}"#);
/// let text = shown.to_string();
/// assert!(text.starts_with("PUT https://rtc-api.myhuaweicloud.com/v2/apps/app-1/record-callback\n"));
/// assert!(!text.contains("MY-SK") && !text.contains("MY-TOKEN") && !text.contains("0123456789abcdef"));
/// # Ok::<(), sparkrtc::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedactedRequest {
    /// The method.
    pub method: String,
    /// The URL, secret query values replaced.
    pub url: String,
    /// The headers, in the request's order, secret values replaced.
    pub headers: Vec<(String, String)>,
    /// The body as text, secret values replaced; empty when there is none.
    pub body: String,
}

impl RedactedRequest {
    /// The shown form of `request`.
    pub fn new<B: AsRef<[u8]>>(request: &Request<B>) -> Self {
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| {
                let text = String::from_utf8_lossy(value.as_bytes());
                let shown = if name == AUTHORIZATION {
                    redact_authorization(&text)
                } else if value.is_sensitive() || is_secret_key(name.as_str()) {
                    MASK_TEXT.to_owned()
                } else {
                    text.into_owned()
                };
                (name.as_str().to_owned(), shown)
            })
            .collect();
        RedactedRequest {
            method: request.method().as_str().to_owned(),
            url: redact_url(&request.uri().to_string()),
            headers,
            body: redact_json_secrets(&String::from_utf8_lossy(request.body().as_ref())),
        }
    }

    /// The first value of a header (names compared ignoring ASCII case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `METHOD URL`, one `name: value` line per header, and the body after an
/// empty line when there is one.
impl fmt::Display for RedactedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} {}", self.method, self.url)?;
        for (name, value) in &self.headers {
            writeln!(f, "{name}: {value}")?;
        }
        if !self.body.is_empty() {
            write!(f, "\n{}", self.body)?;
        }
        Ok(())
    }
}

/// What replaces a secret outside JSON.
const MASK_TEXT: &str = "***";

/// `SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=***`; anything
/// else in `Authorization` is hidden whole.
fn redact_authorization(value: &str) -> String {
    match value.split_once("Signature=") {
        Some((head, _)) if value.starts_with(crate::sign::ALGORITHM) => {
            format!("{head}Signature={MASK_TEXT}")
        }
        _ => MASK_TEXT.to_owned(),
    }
}

/// The URL with the value of every secret-named query parameter replaced.
fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _))
                if is_secret_key(
                    &percent_encoding::percent_decode_str(key).decode_utf8_lossy(),
                ) =>
            {
                format!("{key}={MASK_TEXT}")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

/// The tokenizer's state. Containers are only counted, not kept on a stack:
/// a secret region is remembered by the depth of the container that opened it.
struct Redactor<'a> {
    text: &'a str,
    out: String,
    /// How many `{`/`[` are open (unmatched closers are ignored).
    depth: usize,
    /// The depth of the outermost open container that is a secret key's value.
    secret_depth: Option<usize>,
    /// Between a secret key's `:` and the next `,`, bracket or brace: every
    /// scalar here is (part of) the secret value.
    secret_value: bool,
    /// The last key was secret and its `:` has not been seen yet.
    key_is_secret: bool,
    /// Just after a `:`: a string here is a value, never a key.
    after_colon: bool,
}

impl Redactor<'_> {
    /// Handles the token starting at byte `pos` (a char boundary) and returns
    /// the index just past it (always greater than `pos`).
    fn step(&mut self, pos: usize) -> usize {
        let bytes = self.text.as_bytes();
        match bytes[pos] {
            b'"' => self.string(pos),
            b if is_json_space(b) => {
                let end = skip_space(bytes, pos);
                self.copy(pos, end);
                end
            }
            b':' => {
                self.secret_value = self.key_is_secret;
                self.key_is_secret = false;
                self.after_colon = true;
                self.copy(pos, pos + 1)
            }
            b'{' | b'[' => {
                self.depth += 1;
                if self.secret_depth.is_none() && self.secret_value {
                    self.secret_depth = Some(self.depth);
                }
                self.punctuation(pos)
            }
            b'}' | b']' => {
                if self.secret_depth == Some(self.depth) {
                    self.secret_depth = None;
                }
                self.depth = self.depth.saturating_sub(1);
                self.punctuation(pos)
            }
            b',' => self.punctuation(pos),
            _ => self.bare(pos),
        }
    }

    /// Whether a scalar at the current position is secret.
    fn in_secret(&self) -> bool {
        self.secret_value || self.secret_depth.is_some()
    }

    /// Copies `text[start..end]` and returns `end`.
    fn copy(&mut self, start: usize, end: usize) -> usize {
        self.out.push_str(&self.text[start..end]);
        end
    }

    /// A `,` or a bracket: ends any value in progress.
    fn punctuation(&mut self, pos: usize) -> usize {
        self.secret_value = false;
        self.key_is_secret = false;
        self.after_colon = false;
        self.copy(pos, pos + 1)
    }

    /// A string starting at `pos`: a key when a `:` follows it (and it is not
    /// itself in a value's place), a value otherwise.
    fn string(&mut self, pos: usize) -> usize {
        let bytes = self.text.as_bytes();
        let (end, closed) = string_end(bytes, pos);
        let is_key = !self.after_colon && bytes.get(skip_space(bytes, end)) == Some(&b':');
        self.after_colon = false;
        if is_key {
            let inner_end = if closed { end - 1 } else { end };
            let inner = self.text.get(pos + 1..inner_end).unwrap_or("");
            self.key_is_secret = is_secret_key(&unescape(inner));
            self.copy(pos, end)
        } else {
            self.key_is_secret = false;
            self.scalar(pos, end)
        }
    }

    /// A run of anything but whitespace, strings and punctuation: a number,
    /// `true`, `false`, `null`, or text that is not JSON. Whitespace inside the
    /// run belongs to it; whitespace at its end is copied as is.
    fn bare(&mut self, pos: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut end = pos;
        while end < bytes.len()
            && !matches!(bytes[end], b'"' | b':' | b',' | b'{' | b'}' | b'[' | b']')
        {
            end += 1;
        }
        let mut value_end = end;
        while value_end > pos && is_json_space(bytes[value_end - 1]) {
            value_end -= 1;
        }
        self.after_colon = false;
        self.key_is_secret = false;
        self.scalar(pos, value_end);
        self.copy(value_end, end)
    }

    /// Copies the value `text[start..end]`, or the mask when it is secret.
    fn scalar(&mut self, start: usize, end: usize) -> usize {
        if self.in_secret() {
            self.out.push_str(MASK);
            end
        } else {
            self.copy(start, end)
        }
    }
}

/// JSON's whitespace.
fn is_json_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The index of the first non-whitespace byte at or after `pos`.
fn skip_space(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && is_json_space(bytes[pos]) {
        pos += 1;
    }
    pos
}

/// The end of the JSON string starting at `start` (which holds `"`): the
/// index just past its closing quote and `true`, or the end of input and
/// `false` when unterminated. Always a char boundary.
fn string_end(bytes: &[u8], start: usize) -> (usize, bool) {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return (i + 1, true),
            _ => i += 1,
        }
    }
    (bytes.len(), false)
}

/// Decodes the escapes of a JSON string's contents: the short escapes,
/// `\uXXXX` and surrogate pairs. Lenient: an unknown escape stands for the
/// character after the backslash, a lone surrogate or bad hex for U+FFFD.
fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => out.push(unicode_escape(&mut chars)),
            Some(e) => out.push(short_escape(e)),
            None => {}
        }
    }
    Cow::Owned(out)
}

/// The character a one-letter escape (`\n`, `\"`, ...) stands for.
fn short_escape(e: char) -> char {
    match e {
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        other => other,
    }
}

/// The character of a `\u` escape whose four hex digits come next in
/// `chars`, joining a high surrogate with a following `\uXXXX` low one.
fn unicode_escape(chars: &mut std::str::Chars<'_>) -> char {
    let Some(high) = hex4(chars) else {
        return char::REPLACEMENT_CHARACTER;
    };
    if !(0xD800..0xDC00).contains(&high) {
        return char::from_u32(high).unwrap_or(char::REPLACEMENT_CHARACTER);
    }
    let mut ahead = chars.clone();
    if ahead.next() == Some('\\') && ahead.next() == Some('u') {
        if let Some(low @ 0xDC00..=0xDFFF) = hex4(&mut ahead) {
            *chars = ahead;
            let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            return char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        }
    }
    char::REPLACEMENT_CHARACTER
}

/// Four hex digits from `chars`, or `None` (having consumed what was read).
fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut value = 0;
    for _ in 0..4 {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        for k in [
            "app_key",
            "AUTH_KEY",
            "x-auth-token",
            "Password",
            "client_secret",
            "sk",
            "Authorization",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["app_id", "keyword", "skip", "methods", "name", ""] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn values_are_redacted_at_any_depth() {
        use serde_json::json;
        let mut v = json!({
            "a": 1,
            "tokens": ["S1", {"x": "S2"}, [3, null]],
            "list": [{"auth_key": "S3", "url": "u"}],
            "secret": {"n": {"m": false}},
            "Keyword": "kept"
        });
        redact_value(&mut v);
        assert_eq!(
            v,
            json!({
                "a": 1,
                "tokens": ["***", {"x": "***"}, ["***", "***"]],
                "list": [{"auth_key": "***", "url": "u"}],
                "secret": {"n": {"m": "***"}},
                "Keyword": "kept"
            })
        );
        let mut scalar = json!("top");
        redact_value(&mut scalar);
        assert_eq!(scalar, json!("top"));
        // Deep nesting.
        let mut deep = json!("S4");
        for _ in 0..256 {
            deep = json!([deep]);
        }
        deep = json!({"password": deep});
        redact_value(&mut deep);
        let mut inner = &deep["password"];
        while let Some(next) = inner.get(0) {
            inner = next;
        }
        assert_eq!(inner, &json!("***"));
    }

    #[test]
    fn authorization_keeps_all_but_the_signature() {
        assert_eq!(
            redact_authorization(
                "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=abc123"
            ),
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=***"
        );
        assert_eq!(redact_authorization("Bearer S5"), "***");
        assert_eq!(redact_authorization("Basic Signature=S6"), "***");
        assert_eq!(redact_authorization("SDK-HMAC-SHA256 S7"), "***");
    }

    #[test]
    fn urls_hide_secret_query_values() {
        assert_eq!(redact_url("https://h/p"), "https://h/p");
        assert_eq!(
            redact_url("https://h/p?a=1&access_token=S8&b=2&pass%77ord=S9&flag"),
            "https://h/p?a=1&access_token=***&b=2&pass%77ord=***&flag"
        );
    }

    #[test]
    fn requests_hide_tokens_and_bodies_secrets() {
        let mut token = http::HeaderValue::from_static("S10");
        token.set_sensitive(true);
        let request = Request::builder()
            .method("POST")
            .uri("http://127.0.0.1:1/v2/apps?limit=1")
            .header("x-auth-token", "S11")
            .header("x-custom", token)
            .header("x-project-id", "p")
            .header(
                "authorization",
                "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=S12",
            )
            .body(br#"{"password":"S13","name":"n"}"#.to_vec())
            .unwrap();
        let shown = RedactedRequest::new(&request);
        assert_eq!(shown.method, "POST");
        assert_eq!(shown.url, "http://127.0.0.1:1/v2/apps?limit=1");
        assert_eq!(
            shown.headers,
            [
                ("x-auth-token", "***"),
                ("x-custom", "***"),
                ("x-project-id", "p"),
                (
                    "authorization",
                    "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=***"
                ),
            ]
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
        );
        assert_eq!(shown.header("X-Project-Id"), Some("p"));
        assert_eq!(shown.header("nope"), None);
        assert_eq!(shown.body, r#"{"password":"***","name":"n"}"#);
        assert_eq!(
            shown.to_string(),
            "POST http://127.0.0.1:1/v2/apps?limit=1\nx-auth-token: ***\nx-custom: ***\nx-project-id: p\n\
             authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=***\n\n\
             {\"password\":\"***\",\"name\":\"n\"}"
        );
        let empty = Request::new(Vec::<u8>::new());
        assert_eq!(RedactedRequest::new(&empty).to_string(), "GET /\n");
    }

    #[test]
    fn unescapes_keys() {
        assert_eq!(unescape(r"pass\u0077ord"), "password");
        assert_eq!(unescape(r#"a\"b\\c\/d\n"#), "a\"b\\c/d\n");
        assert_eq!(unescape(r"\ud83d\ude00x"), "\u{1F600}x");
        assert_eq!(unescape(r"\ud83dx"), "\u{fffd}x");
        assert_eq!(unescape(r"\ude00"), "\u{fffd}");
        assert_eq!(unescape(r"\u12"), "\u{fffd}");
        assert_eq!(unescape(r"\u00zz"), "\u{fffd}z");
        assert_eq!(unescape("end\\"), "end");
    }

    #[test]
    fn keeps_structure_and_hides_every_leaf() {
        let r = redact_json_secrets;
        assert_eq!(
            r(r#"{"tokens":["S1","S2"]}"#),
            r#"{"tokens":["***","***"]}"#
        );
        assert_eq!(
            r(r#"{"secret":{"a":"1","b":[2,true,null,{"c":"S3"}]},"d":1}"#),
            r#"{"secret":{"a":"***","b":["***","***","***",{"c":"***"}]},"d":1}"#
        );
        assert_eq!(r(r#"{"pass\u0077ord":"S4"}"#), r#"{"pass\u0077ord":"***"}"#);
        assert_eq!(
            r(r#"{"token" : 12 , "a": 3}"#),
            r#"{"token" : "***" , "a": 3}"#
        );
        assert_eq!(
            r(r#"{"password": hunter2 and more}"#),
            r#"{"password": "***"}"#
        );
        // A value in a key's place is still a value.
        assert_eq!(r(r#"{"password":"S5":1}"#), r#"{"password":"***":1}"#);
    }

    #[test]
    fn copies_text_that_is_not_json() {
        for text in [
            "<html><body>502 Bad Gateway</body></html>",
            r#"<a href="https://x/y">link</a> {[}]]]} ::,"#,
            "plain text, with \"quotes\" and \\ backslashes",
            "",
            "\"",
            "\\",
        ] {
            assert_eq!(redact_json_secrets(text), text);
        }
    }

    #[test]
    fn never_panics_on_broken_input() {
        let cases = [
            "{\"password\":\"a\\",
            "{\"password\\",
            "{\"token\":[[[[",
            "]]]]}}}}{\"sk\":1",
            "{\"k\\u",
            "{\"\\ud800\":\"x\"}",
            "{\"房key\":\"房\"}",
            "\"\\\"",
        ];
        for text in cases {
            for end in 0..=text.len() {
                if let Some(prefix) = text.get(..end) {
                    let _ = redact_json_secrets(prefix);
                }
            }
        }
        assert_eq!(
            redact_json_secrets("{\"房key\":\"房\"}"),
            "{\"房key\":\"***\"}"
        );
    }
}
