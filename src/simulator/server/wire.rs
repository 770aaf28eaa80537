//! Answers as bytes: the status line, the headers in their usual spelling,
//! `Content-Length`, and the body, in one buffer (one write).

use std::io::Write as _;

use http::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{HeaderName, Response, StatusCode};

/// What the client is sent of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Shape {
    /// Body bytes written (fewer than the body's length for a truncated
    /// answer; `Content-Length` always gives the whole length).
    pub(super) sent: usize,
    /// An answer to `HEAD`: no body.
    pub(super) head_only: bool,
    /// `Connection: close`: the server closes the connection after it.
    pub(super) close: bool,
}

/// The bytes of `response`, shaped by `shape`.
pub(super) fn encode(response: &Response<Vec<u8>>, shape: Shape) -> Vec<u8> {
    let status = response.status();
    let body = response.body();
    let bodiless = status.is_informational() || status == StatusCode::NO_CONTENT;
    let sent = if bodiless || shape.head_only {
        0
    } else {
        shape.sent.min(body.len())
    };
    let mut out = Vec::with_capacity(160 + 48 * response.headers().len() + sent);
    // Writing to a Vec cannot fail.
    let _ = write!(
        out,
        "HTTP/1.1 {} {}\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or("Unknown")
    );
    for (name, value) in response.headers() {
        if name == CONTENT_LENGTH || name == TRANSFER_ENCODING || name == CONNECTION {
            continue;
        }
        push_name(&mut out, name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !bodiless {
        let _ = write!(out, "Content-Length: {}\r\n", body.len());
    }
    if shape.close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body[..sent]);
    out
}

/// A header name in its usual spelling: each word capitalised
/// (`X-Request-Id`, `Content-Type`, `Retry-After`).
fn push_name(out: &mut Vec<u8>, name: &HeaderName) {
    let mut start = true;
    for &b in name.as_str().as_bytes() {
        out.push(if start { b.to_ascii_uppercase() } else { b });
        start = b == b'-';
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response<Vec<u8>> {
        Response::builder()
            .status(status)
            .header("x-request-id", "abc")
            .header("content-type", "application/json;charset=UTF-8")
            .header("date", "Tue, 02 Jan 2024 03:04:05 GMT")
            .header("retry-after", "2")
            .header("content-length", "999")
            .header("connection", "keep-alive")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    const HEADERS: &str = "X-Request-Id: abc\r\nContent-Type: application/json;charset=UTF-8\r\nDate: Tue, 02 Jan 2024 03:04:05 GMT\r\nRetry-After: 2\r\n";

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn whole_truncated_head_and_closing() {
        let r = response(429, "{\"a\":1}");
        let whole = Shape {
            sent: usize::MAX,
            head_only: false,
            close: false,
        };
        assert_eq!(
            text(encode(&r, whole)),
            format!(
                "HTTP/1.1 429 Too Many Requests\r\n{HEADERS}Content-Length: 7\r\n\r\n{{\"a\":1}}"
            )
        );
        let cut = Shape {
            sent: 3,
            head_only: false,
            close: true,
        };
        assert_eq!(
            text(encode(&r, cut)),
            format!("HTTP/1.1 429 Too Many Requests\r\n{HEADERS}Content-Length: 7\r\nConnection: close\r\n\r\n{{\"a")
        );
        let head = Shape {
            sent: usize::MAX,
            head_only: true,
            close: false,
        };
        assert_eq!(
            text(encode(&r, head)),
            format!("HTTP/1.1 429 Too Many Requests\r\n{HEADERS}Content-Length: 7\r\n\r\n")
        );
    }

    #[test]
    fn no_content_has_no_length() {
        let r = Response::builder()
            .status(204)
            .header("x-sdk-thing", "1")
            .body(Vec::new())
            .unwrap();
        let shape = Shape {
            sent: usize::MAX,
            head_only: false,
            close: false,
        };
        assert_eq!(
            text(encode(&r, shape)),
            "HTTP/1.1 204 No Content\r\nX-Sdk-Thing: 1\r\n\r\n"
        );
        let r = Response::builder().status(599).body(b"x".to_vec()).unwrap();
        assert_eq!(
            text(encode(&r, shape)),
            "HTTP/1.1 599 Unknown\r\nContent-Length: 1\r\n\r\nx"
        );
    }
}
