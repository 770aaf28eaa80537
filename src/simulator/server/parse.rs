//! A request's head, read with httparse under the server's limits: what the
//! simulator takes, or the refusal the client gets in the documented shape.

use http::header::{CONNECTION, CONTENT_LENGTH, EXPECT, TRANSFER_ENCODING};
use http::{HeaderName, HeaderValue, Method, Request, StatusCode, Uri, Version};

use super::super::codes;
use super::super::config::ServerLimits;
use super::super::util::Fail;

/// A request whose head was read whole: the request (its body still
/// empty) and how to go on.
#[derive(Debug)]
pub(super) struct Head {
    /// Method, target, version and headers.
    pub(super) request: Request<Vec<u8>>,
    /// The bytes the head took (the body starts after them).
    pub(super) len: usize,
    /// The body's length, as `Content-Length` says (0 without one).
    pub(super) content_length: usize,
    /// Whether the connection stays open after the answer.
    pub(super) keep_alive: bool,
    /// Whether the client waits for `100 Continue` before sending the body.
    pub(super) expect_continue: bool,
}

/// A request the server answers itself, with the documented error body,
/// before the simulator sees it; the method and path are for the request
/// log (a best guess when the request line is broken).
#[derive(Debug)]
pub(super) struct Refusal {
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) fail: Fail,
}

/// What the bytes read so far make.
#[derive(Debug)]
pub(super) enum Parsed {
    /// The head is not complete yet.
    Partial,
    /// A whole head.
    Head(Box<Head>),
    /// A request the server refuses; the connection is closed after the
    /// answer.
    Refused(Refusal),
}

/// `400 APIGW.0201` with `msg`.
pub(super) fn bad_request(msg: impl Into<String>) -> Fail {
    Fail::new(StatusCode::BAD_REQUEST, codes::APIGW_REQUEST, msg)
}

/// `413 APIGW.0201`.
pub(super) fn entity_too_large() -> Fail {
    Fail::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        codes::APIGW_REQUEST,
        "Request entity too large.",
    )
}

/// `503 APIGW.0201`: too many connections, or too many bodies in flight.
pub(super) fn unavailable() -> Fail {
    Fail::new(
        StatusCode::SERVICE_UNAVAILABLE,
        codes::APIGW_REQUEST,
        "Backend unavailable.",
    )
}

/// Whether the bytes from `from` on (with the three before it, as a blank
/// line may straddle two reads) may end a head: they hold an empty line.
/// Parsing only then keeps a client that sends one byte at a time from
/// costing a parse of the whole head per byte.
pub(super) fn may_end_head(buf: &[u8], from: usize) -> bool {
    let window = &buf[from.saturating_sub(3).min(buf.len())..];
    window.windows(2).any(|w| w == b"\n\n") || window.windows(3).any(|w| w == b"\n\r\n")
}

/// Reads the head in `buf` if it is complete. Call it when
/// [`may_end_head`] says so, or when `buf` outgrew
/// [`ServerLimits::max_head_bytes`].
pub(super) fn parse(buf: &[u8], limits: &ServerLimits) -> Parsed {
    let mut headers = vec![httparse::EMPTY_HEADER; limits.max_headers];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) if len <= limits.max_head_bytes => {
            match build(&req, len, limits) {
                Ok(head) => Parsed::Head(Box::new(head)),
                Err(fail) => Parsed::Refused(refusal_of(buf, fail)),
            }
        }
        Ok(httparse::Status::Complete(_)) => Parsed::Refused(too_large(buf, limits)),
        Ok(httparse::Status::Partial) if buf.len() > limits.max_head_bytes => {
            Parsed::Refused(too_large(buf, limits))
        }
        Ok(httparse::Status::Partial) => Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => Parsed::Refused(refusal_of(
            buf,
            Fail::new(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                codes::APIGW_REQUEST,
                "Request headers too large.",
            ),
        )),
        Err(e) => Parsed::Refused(refusal_of(buf, bad_request(parse_error_msg(e)))),
    }
}

fn parse_error_msg(e: httparse::Error) -> &'static str {
    match e {
        httparse::Error::Token => {
            "Bad request: the request line is not `METHOD /path HTTP/1.1` in ASCII (or the path is not UTF-8)."
        }
        httparse::Error::Version => "Bad request: only HTTP/1.0 and HTTP/1.1 are served.",
        httparse::Error::HeaderName => "Bad request: a header name is not a token.",
        httparse::Error::HeaderValue => "Bad request: a header value has a control character.",
        _ => "Bad request: the request head is not HTTP/1.1.",
    }
}

/// 414 when the request line alone is over the limit, else 431.
fn too_large(buf: &[u8], limits: &ServerLimits) -> Refusal {
    let line = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    let fail = if line > limits.max_head_bytes {
        Fail::new(
            StatusCode::URI_TOO_LONG,
            codes::APIGW_REQUEST,
            "Request URI too large.",
        )
    } else {
        Fail::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            codes::APIGW_REQUEST,
            "Request headers too large.",
        )
    };
    refusal_of(buf, fail)
}

/// A refusal, with the method and path read as well as the request line
/// allows (for the log).
pub(super) fn refusal_of(buf: &[u8], fail: Fail) -> Refusal {
    let (method, path) = request_line_guess(buf);
    Refusal { method, path, fail }
}

/// The method and path of a request line that may be broken: the first
/// two words, the path without its query, not-UTF-8 bytes replaced; `GET`
/// and an empty path when there is nothing to go by.
pub(super) fn request_line_guess(buf: &[u8]) -> (Method, String) {
    let start = buf
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(buf.len());
    let line = &buf[start..];
    let line = &line[..line
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(line.len())
        .min(4096)];
    let mut words = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let method = words
        .next()
        .and_then(|m| Method::from_bytes(m).ok())
        .unwrap_or(Method::GET);
    let target = words.next().unwrap_or_default();
    let path = &target[..target
        .iter()
        .position(|&b| b == b'?')
        .unwrap_or(target.len())];
    (method, String::from_utf8_lossy(path).into_owned())
}

fn build(req: &httparse::Request<'_, '_>, len: usize, limits: &ServerLimits) -> Result<Head, Fail> {
    let method = req
        .method
        .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
        .ok_or_else(|| bad_request("Bad request: the method is not a token."))?;
    let version = match req.version {
        Some(0) => Version::HTTP_10,
        _ => Version::HTTP_11,
    };
    let target = req.path.unwrap_or_default();
    let uri = target
        .parse::<Uri>()
        .map_err(|_| bad_request("Bad request: the request target is not a URI."))?;
    let mut request = Request::new(Vec::new());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.version_mut() = version;
    let mut content_length: Option<u64> = None;
    let mut close = version == Version::HTTP_10;
    let mut expect_continue = false;
    for header in req.headers.iter() {
        let name = HeaderName::from_bytes(header.name.as_bytes())
            .map_err(|_| bad_request("Bad request: a header name is not a token."))?;
        let text = std::str::from_utf8(header.value).map_err(|_| {
            bad_request(format!(
                "Bad request: the value of header `{}` is not UTF-8.",
                header.name
            ))
        })?;
        let value = HeaderValue::from_bytes(header.value).map_err(|_| {
            bad_request(format!(
                "Bad request: the value of header `{}` has a control character.",
                header.name
            ))
        })?;
        if name == CONTENT_LENGTH {
            let digits = text.trim();
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad_request("Bad request: Content-Length is not a number."));
            }
            // All digits: only overflow can fail, and that is too large.
            let n = digits.parse::<u64>().unwrap_or(u64::MAX);
            if content_length.is_some_and(|m| m != n) {
                return Err(bad_request(
                    "Bad request: Content-Length headers that disagree.",
                ));
            }
            content_length = Some(n);
        } else if name == TRANSFER_ENCODING {
            return Err(Fail::new(
                StatusCode::LENGTH_REQUIRED,
                codes::APIGW_REQUEST,
                "Length required: send the body with a Content-Length, not a Transfer-Encoding.",
            ));
        } else if name == CONNECTION {
            for token in text.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    close = true;
                }
            }
        } else if name == EXPECT && text.trim().eq_ignore_ascii_case("100-continue") {
            expect_continue = true;
        }
        request.headers_mut().append(name, value);
    }
    let content_length = content_length.unwrap_or(0);
    let content_length = match usize::try_from(content_length) {
        Ok(n) if n <= limits.max_body_bytes => n,
        _ => return Err(entity_too_large()),
    };
    Ok(Head {
        request,
        len,
        content_length,
        keep_alive: !close,
        expect_continue,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ServerLimits {
        ServerLimits {
            max_headers: 4,
            max_head_bytes: 256,
            max_body_bytes: 1000,
            ..ServerLimits::default()
        }
    }

    fn head(bytes: &[u8]) -> Head {
        match parse(bytes, &limits()) {
            Parsed::Head(head) => *head,
            other => panic!("{other:?}"),
        }
    }

    fn refused(bytes: &[u8]) -> Refusal {
        match parse(bytes, &limits()) {
            Parsed::Refused(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_whole_head() {
        let bytes = b"POST /v2/apps?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-A: \xc3\xa9\r\n\r\nhello";
        let h = head(bytes);
        assert_eq!(h.len, bytes.len() - 5);
        assert_eq!(h.content_length, 5);
        assert!(h.keep_alive);
        assert!(!h.expect_continue);
        assert_eq!(h.request.method(), Method::POST);
        assert_eq!(h.request.uri().path(), "/v2/apps");
        assert_eq!(h.request.uri().query(), Some("x=1"));
        assert_eq!(h.request.version(), Version::HTTP_11);
        assert_eq!(h.request.headers()["host"], "a");
        assert_eq!(h.request.headers()["x-a"].as_bytes(), "é".as_bytes());
    }

    #[test]
    fn keep_alive_and_expect() {
        assert!(!head(b"GET / HTTP/1.0\r\n\r\n").keep_alive);
        assert_eq!(
            head(b"GET / HTTP/1.0\r\n\r\n").request.version(),
            Version::HTTP_10
        );
        assert!(!head(b"GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n").keep_alive);
        assert!(head(b"GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n").keep_alive);
        assert!(
            head(b"PUT / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n")
                .expect_continue
        );
        assert_eq!(
            head(b"GET / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n")
                .content_length,
            7
        );
    }

    #[test]
    fn partial_until_the_blank_line() {
        assert!(matches!(
            parse(b"GET / HTTP/1.1\r\nHost: a\r\n", &limits()),
            Parsed::Partial
        ));
        assert!(matches!(parse(b"\r\n\r\n", &limits()), Parsed::Partial));
        assert!(may_end_head(b"GET / HTTP/1.1\r\n\r\n", 17));
        assert!(may_end_head(b"GET / HTTP/1.1\n\n", 15));
        assert!(!may_end_head(b"GET / HTTP/1.1\r\nHost: a\r\n", 0));
        assert!(!may_end_head(b"GET / HTTP/1.1\r\n\r\n", 30));
        // The blank line straddles the previous read and the last.
        assert!(may_end_head(b"abc\r\n\r\n", 6));
        assert!(!may_end_head(b"abc\r\n\r\nxyz", 10));
    }

    #[test]
    fn refusals() {
        let r = refused(b"GET /a\xff/b?q HTTP/1.1\r\n\r\n");
        assert_eq!(r.fail.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.fail.code, "APIGW.0201");
        assert_eq!(r.method, Method::GET);
        assert_eq!(r.path, "/a\u{fffd}/b");
        let r = refused(b"GET /a?q=\xff HTTP/1.1\r\n\r\n");
        assert_eq!(r.fail.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.path, "/a");
        // UTF-8 beyond ASCII in a path is taken as it is.
        assert_eq!(
            head("GET /caf\u{e9} HTTP/1.1\r\n\r\n".as_bytes())
                .request
                .uri()
                .path(),
            "/caf\u{e9}"
        );
        let r = refused(b"GET http://[::1/x HTTP/1.1\r\n\r\n");
        assert_eq!(r.fail.msg, "Bad request: the request target is not a URI.");
        let r = refused(b"DELETE /x HTTP/1.1\r\nX-A: \xff\xfe\r\n\r\n");
        assert_eq!(r.fail.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            r.fail.msg,
            "Bad request: the value of header `X-A` is not UTF-8."
        );
        assert_eq!(r.method, Method::DELETE);
        assert_eq!(r.path, "/x");
        let r = refused(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n");
        assert_eq!(r.fail.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        assert_eq!(r.fail.msg, "Request headers too large.");
        let r = refused(b"POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n");
        assert_eq!(r.fail.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(r.fail.msg, "Request entity too large.");
        let r = refused(b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n");
        assert_eq!(r.fail.status, StatusCode::PAYLOAD_TOO_LARGE);
        for cl in ["-1", "1x", "", "+5"] {
            let bytes = format!("POST / HTTP/1.1\r\nContent-Length: {cl}\r\n\r\n");
            assert_eq!(
                refused(bytes.as_bytes()).fail.status,
                StatusCode::BAD_REQUEST,
                "{cl}"
            );
        }
        let r = refused(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
        assert_eq!(r.fail.status, StatusCode::BAD_REQUEST);
        let r = refused(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(r.fail.status, StatusCode::LENGTH_REQUIRED);
        let r = refused(b"GET / HTTP/2.0\r\n\r\n");
        assert_eq!(r.fail.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn over_the_head_limit() {
        let long_line = format!("GET /{} HTTP/1.1\r\n", "a".repeat(300));
        let r = refused(long_line.as_bytes());
        assert_eq!(r.fail.status, StatusCode::URI_TOO_LONG);
        assert_eq!(r.fail.msg, "Request URI too large.");
        let r = refused(format!("GET /{}", "a".repeat(300)).as_bytes());
        assert_eq!(r.fail.status, StatusCode::URI_TOO_LONG);
        let big_header = format!("GET / HTTP/1.1\r\nX: {}\r\n", "a".repeat(300));
        let r = refused(big_header.as_bytes());
        assert_eq!(r.fail.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        let whole = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(300));
        assert_eq!(
            refused(whole.as_bytes()).fail.status,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        );
        // Exactly at the limit is fine.
        let line = "GET / HTTP/1.1\r\n\r\n";
        let pad = 256 - line.len() - "X: \r\n".len();
        let at = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(pad));
        assert_eq!(at.len(), 256);
        assert_eq!(head(at.as_bytes()).len, 256);
    }

    #[test]
    fn guesses_for_the_log() {
        assert_eq!(request_line_guess(b""), (Method::GET, String::new()));
        assert_eq!(
            request_line_guess(b"\r\nPATCH  /a/b?c HTTP/1.1\r\n"),
            (Method::PATCH, "/a/b".to_owned())
        );
        assert_eq!(
            request_line_guess(b"G\x01T /x"),
            (Method::GET, "/x".to_owned())
        );
    }
}
