//! Delivering recording callbacks: each due event is POSTed, signed with the
//! application's `auth_key` when it has one, to its record-callback URL,
//! provided that URL is on loopback.

use std::net::IpAddr;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use http::header::{HeaderValue, CONTENT_TYPE};
use http::{Method, Request, StatusCode, Uri};

use crate::callback;
use crate::transport::{Transport, UreqConfig, UreqTransport};

use super::state::{CallbackEvent, CallbackEventKind, IdKind};
use super::util::epoch_secs;
use super::Simulator;

/// How long a POST to a receiver may take: connecting, each read, in all.
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(2);

/// A transport for callback POSTs, shared by the simulator's threads.
pub type CallbackTransport = Arc<dyn Transport + Send + Sync>;

/// The default: the crate's ureq transport with [`CALLBACK_TIMEOUT`]s, a
/// 64 KiB cap on the receiver's answer, and no proxy (callbacks go to
/// loopback only; a proxy from the environment must not carry them).
pub(super) fn default_transport() -> CallbackTransport {
    Arc::new(UreqTransport::new(
        UreqConfig::default()
            .connect_timeout(CALLBACK_TIMEOUT)
            .read_timeout(CALLBACK_TIMEOUT)
            .call_timeout(CALLBACK_TIMEOUT)
            .max_body_bytes(64 * 1024)
            .proxy_from_env(false),
    ))
}

/// One callback the simulator sent (or refused to send), from
/// [`Simulator::callback_log`] and [`Simulator::deliver_callbacks`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// When it was sent, on the clock's monotonic scale.
    pub at: Duration,
    /// The application's record-callback URL.
    pub url: String,
    /// The event.
    pub kind: CallbackEventKind,
    /// The recording job.
    pub job_id: String,
    /// Whether it carried the `X-Rtc-*` signature headers.
    pub signed: bool,
    /// What came of it.
    pub outcome: DeliveryOutcome,
}

impl Delivery {
    /// The receiver's status, when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self.outcome {
            DeliveryOutcome::Answered(status) => Some(status),
            _ => None,
        }
    }

    /// Whether the receiver answered 2xx.
    pub fn is_acknowledged(&self) -> bool {
        self.status().is_some_and(|s| s.is_success())
    }
}

/// What came of a callback. Whatever it is, the simulator does not retry
/// (the service's retries are not documented).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryOutcome {
    /// The receiver answered with this status (2xx: acknowledged).
    Answered(StatusCode),
    /// The POST failed: refused connection, timeout, broken answer.
    Failed(String),
    /// Never sent: the URL is not `http(s)` to a loopback host
    /// (`127.0.0.0/8`, `::1`, `localhost`). The simulator contacts nothing
    /// else.
    NotLoopback,
}

/// Whether `url` is `http` or `https` to a loopback host: an address in
/// `127.0.0.0/8`, `[::1]`, or `localhost`. The host must be written as such;
/// names are not resolved.
pub(super) fn is_loopback_url(url: &str) -> bool {
    let Ok(uri) = url.parse::<Uri>() else {
        return false;
    };
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return false;
    }
    let Some(host) = uri.host() else {
        return false;
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// An event ready to go: where, and the `X-Rtc-Rand` drawn for it.
struct Outgoing {
    event: CallbackEvent,
    url: String,
    rand: Option<String>,
}

impl Simulator {
    /// Delivers the recording callbacks due by now: POSTs each event (file
    /// started, file complete, job over; see [`CallbackEvent::body`]) to
    /// its application's record-callback URL, with `Content-Type:
    /// application/json` and, when the application has an `auth_key`, the
    /// `X-Rtc-Rand` (32 hex digits drawn from the seed), `X-Rtc-Timestamp`
    /// (the clock's wall time, Unix seconds) and `X-Rtc-Signature` headers.
    /// Returns what came of each, in order; they are also in
    /// [`callback_log`](Self::callback_log).
    ///
    /// Only loopback URLs are contacted (others are logged as
    /// [`DeliveryOutcome::NotLoopback`]); each POST has
    /// [`CALLBACK_TIMEOUT`]; a failure or a non-2xx answer is logged, not
    /// retried. Events of applications with no callback URL are dropped.
    ///
    /// A [served](Self::serve) simulator does this on its own (every 50 ms
    /// and after each request); in memory, call it when you want the
    /// callbacks sent. It takes the events
    /// [`due_callback_events`](Self::due_callback_events) would: use one or
    /// the other. No lock on the state is held while posting.
    pub fn deliver_callbacks(&self) -> Vec<Delivery> {
        // One delivery at a time, so that events go out in order.
        let _turn = self
            .inner
            .delivering
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let outgoing = self.due_outgoing();
        let mut done = Vec::with_capacity(outgoing.len());
        for out in outgoing {
            let delivery = self.post(out);
            note(&delivery);
            self.inner
                .deliveries
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(delivery.clone());
            done.push(delivery);
        }
        done
    }

    /// Every callback sent or refused so far, in order.
    pub fn callback_log(&self) -> Vec<Delivery> {
        self.inner
            .deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The due events that have somewhere to go, with their rands drawn
    /// (under the state lock, so that the draw is deterministic).
    fn due_outgoing(&self) -> Vec<Outgoing> {
        let now = self.now();
        let mut state = self.lock();
        state.refresh(now);
        let events = state.collect_due_events(now);
        events
            .into_iter()
            .filter_map(|event| {
                let url = event.callback_url.clone()?;
                let signed = event.auth_key.is_some() && is_loopback_url(&url);
                let rand = signed.then(|| state.next_id(IdKind::CallbackRand, 32));
                Some(Outgoing { event, url, rand })
            })
            .collect()
    }

    /// Sends one event (the state lock is not held).
    fn post(&self, out: Outgoing) -> Delivery {
        let mut delivery = Delivery {
            at: self.now(),
            url: out.url.clone(),
            kind: out.event.kind,
            job_id: out.event.job_id.clone(),
            signed: false,
            outcome: DeliveryOutcome::NotLoopback,
        };
        if !is_loopback_url(&out.url) {
            return delivery;
        }
        let body = out.event.body();
        let mut request = match Request::builder()
            .method(Method::POST)
            .uri(&out.url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(body)
        {
            Ok(request) => request,
            Err(e) => {
                delivery.outcome = DeliveryOutcome::Failed(format!("invalid URL: {e}"));
                return delivery;
            }
        };
        if let (Some(key), Some(rand)) = (&out.event.auth_key, &out.rand) {
            let timestamp = epoch_secs(self.wall()).to_string();
            match callback::signed_headers(key, rand, &timestamp, request.body()) {
                Ok(headers) => {
                    request.headers_mut().extend(headers);
                    delivery.signed = true;
                }
                Err(e) => {
                    delivery.outcome = DeliveryOutcome::Failed(format!("cannot sign: {e}"));
                    return delivery;
                }
            }
        }
        let transport = self
            .inner
            .callback_transport
            .get_or_init(|| {
                self.inner
                    .config
                    .callback_transport
                    .clone()
                    .unwrap_or_else(default_transport)
            })
            .clone();
        delivery.outcome = match transport.send(request) {
            Ok(response) => DeliveryOutcome::Answered(response.status()),
            Err(e) => DeliveryOutcome::Failed(e.to_string()),
        };
        delivery
    }
}

/// Logs a callback that was not acknowledged (with the `log` feature).
fn note(delivery: &Delivery) {
    #[cfg(feature = "log")]
    if !delivery.is_acknowledged() {
        log::warn!(
            "simulator: {} callback of job {} to {}: {:?}",
            delivery.kind.as_str(),
            delivery.job_id,
            delivery.url,
            delivery.outcome
        );
    }
    #[cfg(not(feature = "log"))]
    let _ = delivery;
}

#[cfg(test)]
mod tests {
    use super::is_loopback_url;

    #[test]
    fn only_loopback_hosts() {
        for url in [
            "http://127.0.0.1:8080/cb",
            "http://127.1.2.3/cb",
            "https://localhost/cb",
            "http://LOCALHOST:9/",
            "http://[::1]:8080/cb",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://example.com/cb",
            "http://192.0.2.1:8080/cb",
            "http://10.0.0.1/cb",
            "http://0.0.0.0:80/",
            "http://[::]:80/",
            "http://localhost.example.com/cb",
            "http://127.0.0.1@example.com/cb",
            "http://127.0.0.1.nip.io/cb",
            "http://127.1/cb",
            "http://[::ffff:127.0.0.1]/cb",
            "ftp://127.0.0.1/cb",
            "/cb",
            "127.0.0.1:80",
            "",
            "not a url",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }
}
