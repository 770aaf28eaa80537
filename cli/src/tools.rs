//! `sparkrtc join-sign` and `sparkrtc callback verify`: the application
//! server's side of SparkRTC, from a shell.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use sparkrtc::callback::{CallbackEvent, Verifier};
use sparkrtc::http::header::{HeaderName, HeaderValue};
use sparkrtc::http::HeaderMap;
use sparkrtc::{join, Secret};

use crate::args::{AppKeyArgs, AuthKeyArgs, Format, Global, JoinSignArgs, VerifyArgs};
use crate::config::{read_secret_env, read_secret_file};
use crate::failure::{Exit, Failure};
use crate::output::{fields_table, Out};

fn app_key(args: &AppKeyArgs) -> Result<Secret, Failure> {
    match (&args.app_key_env, &args.app_key_file) {
        (Some(var), _) => read_secret_env(var, "app key"),
        (None, Some(file)) => read_secret_file(file, "app key"),
        (None, None) => Err(Failure::usage(
            "give --app-key-env VAR or --app-key-file FILE",
        )),
    }
}

fn print_object(global: &Global, value: Value) -> Result<(), Failure> {
    let mut out = Out::new();
    match (global.output.unwrap_or(Format::Json), value.as_object()) {
        (Format::Table, Some(object)) => out.table(fields_table(object)),
        (Format::Jsonl, _) => out.json_line(&value),
        _ => out.json(&value),
    }
}

/// `sparkrtc join-sign`: the signature and expiry (`ctime`) a client SDK
/// joins a room with.
pub(crate) fn join_sign(global: &Global, args: &JoinSignArgs) -> Result<(), Failure> {
    let key = app_key(&args.key)?;
    let token = join::sign(
        &args.app_id,
        &args.room_id,
        &args.user_id,
        &key,
        SystemTime::now(),
        args.valid_for,
    )
    .map_err(|e| Failure::usage(e.to_string()))?;
    print_object(
        global,
        json!({"signature": token.signature, "ctime": token.ctime}),
    )
}

/// Reads captured headers: `Name: value` lines, after an optional request
/// line, up to an empty line (a body after it is not read); or a JSON
/// object of strings.
fn read_headers(path: &Path) -> Result<HeaderMap, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let bad = |what: String| Failure::usage(format!("{}: {what}", path.display()));
    let mut pairs: Vec<(String, String)> = Vec::new();
    if text.trim_start().starts_with('{') {
        let object: Map<String, Value> =
            serde_json::from_str(&text).map_err(|e| bad(format!("not a JSON object: {e}")))?;
        for (name, value) in object {
            let value = value
                .as_str()
                .ok_or_else(|| bad(format!("the value of `{name}` is not a string")))?;
            pairs.push((name, value.to_owned()));
        }
    } else {
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                break;
            }
            match line.split_once(':') {
                Some((name, value)) if !name.contains(' ') => {
                    pairs.push((name.trim().to_owned(), value.trim().to_owned()));
                }
                // The request line of a raw capture (`POST /cb HTTP/1.1`).
                _ if n == 0 => {}
                _ => return Err(bad(format!("line {}: not `Name: value`", n + 1))),
            }
        }
    }
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| bad(format!("`{name}` is not a header name")))?;
        let value = HeaderValue::from_str(&value)
            .map_err(|_| bad(format!("the value of `{name}` is not a header value")))?;
        headers.append(header, value);
    }
    Ok(headers)
}

fn read_body(path: &Path) -> Result<Vec<u8>, Failure> {
    if path == Path::new("-") {
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut body).map_err(|e| {
            Failure::usage(format!("cannot read the body from standard input: {e}"))
        })?;
        return Ok(body);
    }
    std::fs::read(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))
}

fn verifier(args: &AuthKeyArgs) -> Result<Verifier, Failure> {
    let key = match (&args.auth_key_env, &args.auth_key_file, args.unsigned) {
        (Some(var), _, _) => read_secret_env(var, "auth key")?,
        (None, Some(file), _) => read_secret_file(file, "auth key")?,
        (None, None, true) => return Ok(Verifier::unsigned()),
        (None, None, false) => {
            return Err(Failure::usage(
                "give --auth-key-env VAR, --auth-key-file FILE or --unsigned",
            ))
        }
    };
    Verifier::new(key).map_err(|e| Failure::usage(e.to_string()))
}

/// The event as JSON: the recording fields the crate reads, or the whole
/// body of another event.
fn event_json(event: &CallbackEvent) -> Result<Value, Failure> {
    match event.recording() {
        Some(recording) => serde_json::to_value(recording)
            .map_err(|e| Failure::other(format!("cannot print the event: {e}"))),
        None => match event {
            CallbackEvent::Other { raw, .. } => Ok(raw.clone()),
            _ => Ok(json!({"event_type": event.event_type()})),
        },
    }
}

/// `sparkrtc callback verify`: checks a captured callback's signature and
/// timestamp, and prints its event, or why it fails (exit 6).
pub(crate) fn verify_callback(global: &Global, args: &VerifyArgs) -> Result<(), Failure> {
    let verifier = verifier(&args.key)?.tolerance(args.tolerance);
    let headers = read_headers(&args.headers)?;
    let body = read_body(&args.body)?;
    let now = match args.at {
        Some(seconds) => UNIX_EPOCH
            .checked_add(Duration::from_secs(seconds))
            .ok_or_else(|| Failure::usage("--at is out of range"))?,
        // Whole seconds, as callback timestamps are.
        None => {
            let since = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_err(|_| Failure::other("the clock is before 1970"))?;
            UNIX_EPOCH + Duration::from_secs(since.as_secs())
        }
    };
    let event = verifier
        .verify(&headers, &body, now)
        .map_err(|e| Failure::new(Exit::Rejected, format!("callback rejected: {e}")))?;
    let mut value = event_json(&event)?;
    sparkrtc::redact::redact_value(&mut value);
    print_object(global, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_of(text: &str) -> Result<HeaderMap, Failure> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h");
        std::fs::write(&path, text).unwrap();
        read_headers(&path)
    }

    #[test]
    fn captured_headers() {
        let h = headers_of("POST /cb HTTP/1.1\r\nX-Rtc-Rand: r\r\nX-Rtc-Timestamp: 17\r\nContent-Type: application/json\r\n\r\n{\"a\":1}").unwrap();
        assert_eq!(h["x-rtc-rand"], "r");
        assert_eq!(h["x-rtc-timestamp"], "17");
        assert_eq!(h.len(), 3);
        let h = headers_of(r#"{"X-Rtc-Signature": "s"}"#).unwrap();
        assert_eq!(h["x-rtc-signature"], "s");
        assert!(headers_of("A: b\nnot a header\n")
            .unwrap_err()
            .message
            .ends_with(": line 2: not `Name: value`"));
        assert!(headers_of(r#"{"A": 1}"#)
            .unwrap_err()
            .message
            .ends_with(": the value of `A` is not a string"));
        assert!(
            headers_of("Bad Name: x\n").is_ok(),
            "a first line without `Name:` is a request line"
        );
        assert!(headers_of("A: b\nBad Name: x\n").is_err());
    }
}
