//! Hides secret values in JSON-ish text before it is quoted in an error
//! message or a `Debug` view.
//!
//! The input may be JSON, truncated JSON, JSON inside other text, or no JSON
//! at all (an HTML error page). A small streaming tokenizer walks it once,
//! without recursion, and never fails: text it does not understand is copied
//! unchanged. A key is secret by [`is_secret_key`] after its escapes are
//! decoded; every scalar inside a secret key's value (a string, a number,
//! `true`, `false`, `null`, or unparseable junk), at any depth, becomes
//! `"***"`, while brackets, keys, colons and commas are kept.

use std::borrow::Cow;

/// What replaces a secret scalar.
const MASK: &str = "\"***\"";

/// Whether a JSON key (already unescaped) names a secret: its ASCII
/// lower-case form ends with `key`, contains `token`, `password` or `secret`,
/// or is `sk` or `authorization`.
fn is_secret_key(key: &str) -> bool {
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
        pos = redactor.step(pos);
    }
    redactor.out
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
