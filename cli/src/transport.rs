//! What the command line puts around the library's transport: a view of
//! each attempt for `--verbose`, the capture of `--dry-run`, and the pacer
//! of `--no-throttle`.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sparkrtc::client::Pacer;
use sparkrtc::http::{HeaderMap, Request, Response, StatusCode};
use sparkrtc::throttle::{Admission, Scope};
use sparkrtc::transport::{Transport, TransportError};
use sparkrtc::Error;

/// A transport that remembers the last answer's status and request id and,
/// when verbose, prints one line per attempt on standard error.
pub(crate) struct Observed<T> {
    inner: T,
    verbose: bool,
    last: Mutex<Option<(StatusCode, Option<String>)>>,
}

impl<T> Observed<T> {
    pub(crate) fn new(inner: T, verbose: bool) -> Self {
        Observed {
            inner,
            verbose,
            last: Mutex::new(None),
        }
    }

    /// The status and request id of the last answer.
    pub(crate) fn last(&self) -> Option<(StatusCode, Option<String>)> {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl<T: Transport> Transport for Observed<T> {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let line = format!("{} {}", request.method(), request.uri());
        let started = Instant::now();
        let result = self.inner.send(request);
        let took = started.elapsed();
        match &result {
            Ok(response) => {
                let id = request_id(response.headers());
                if self.verbose {
                    eprintln!(
                        "sparkrtc: {line} -> {} request id {} ({})",
                        response.status(),
                        id.as_deref().unwrap_or("-"),
                        millis(took)
                    );
                }
                *self.last.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some((response.status(), id));
            }
            Err(e) if self.verbose => eprintln!("sparkrtc: {line} -> {e} ({})", millis(took)),
            Err(_) => {}
        }
        result
    }
}

fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The transport of `--dry-run`: keeps the signed request and sends
/// nothing.
#[derive(Default)]
pub(crate) struct Capture {
    request: Mutex<Option<Request<Vec<u8>>>>,
}

/// What [`Capture`] answers: it never sends.
pub(crate) const NOT_SENT: &str = "dry run: not sent";

impl Capture {
    /// The request the client would have sent.
    pub(crate) fn take(&self) -> Option<Request<Vec<u8>>> {
        self.request
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

impl Transport for Capture {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        *self.request.lock().unwrap_or_else(PoisonError::into_inner) = Some(request);
        Err(TransportError::not_sent(NOT_SENT))
    }
}

/// The pacer of `--no-throttle`: sends at once, learns nothing.
pub(crate) struct Unpaced;

impl Pacer for Unpaced {
    fn acquire(&self, _: Scope, _: Duration) -> Result<Admission, Error> {
        Ok(Admission::Send)
    }

    fn on_response(
        &self,
        _: Scope,
        _: Duration,
        _: StatusCode,
        _: &HeaderMap,
        _: &[u8],
    ) -> Result<(), Error> {
        Ok(())
    }
}
