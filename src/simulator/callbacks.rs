//! Delivering recording callbacks: each due event is POSTed, signed with the
//! application's `auth_key` when it has one, to its record-callback URL,
//! provided that URL is on loopback (or to a transport of the caller's).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderValue, CONTENT_TYPE};
use http::{Method, Request, StatusCode, Uri};

use crate::callback;
use crate::transport::{Transport, UreqConfig, UreqTransport};

use super::util::epoch_secs;
use super::world::{CallbackEvent, CallbackEventKind, IdKind};
use super::{lock, Simulator};

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
    /// Never sent: with the default transport, the URL is not `http(s)` to
    /// a loopback host (`127.0.0.0/8`, `::1`, `localhost`). The simulator
    /// contacts nothing else.
    NotLoopback,
    /// Never sent: the URL is the simulator's own address (a loop).
    OwnAddress,
    /// Never sent: more events were waiting than
    /// [`Limits::max_callback_queue`](super::Limits::max_callback_queue), and
    /// this was the oldest.
    Dropped,
}

impl DeliveryOutcome {
    /// The outcome as the control plane lists it.
    fn to_json(&self) -> serde_json::Value {
        match self {
            DeliveryOutcome::Answered(s) => serde_json::json!({"answered": s.as_u16()}),
            DeliveryOutcome::Failed(e) => serde_json::json!({"failed": e}),
            DeliveryOutcome::NotLoopback => serde_json::json!("not_loopback"),
            DeliveryOutcome::OwnAddress => serde_json::json!("own_address"),
            DeliveryOutcome::Dropped => serde_json::json!("dropped"),
        }
    }
}

impl Delivery {
    /// The delivery as the control plane lists it.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "at_ms": u64::try_from(self.at.as_millis()).unwrap_or(u64::MAX),
            "url": self.url,
            "event_type": self.kind.as_str(),
            "job_id": self.job_id,
            "signed": self.signed,
            "outcome": self.outcome.to_json(),
        })
    }
}

/// Whether `url` is `http` or `https` to a loopback host: an address in
/// `127.0.0.0/8`, `[::1]`, or `localhost`. The host must be written as such;
/// names are not resolved.
pub(super) fn is_loopback_url(url: &str) -> bool {
    loopback_port(url).is_some()
}

/// The port of a loopback `http(s)` URL (its default when none is given).
fn loopback_port(url: &str) -> Option<u16> {
    let uri = url.parse::<Uri>().ok()?;
    let default = match uri.scheme_str()? {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let host = uri.host()?;
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let loopback = host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    loopback.then(|| uri.port_u16().unwrap_or(default))
}

/// An event ready to go: where, and the `X-Rtc-Rand` drawn for it.
pub(super) struct Outgoing {
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
    /// With the default transport only loopback URLs are contacted (others
    /// are logged as [`DeliveryOutcome::NotLoopback`]), never the
    /// simulator's own address ([`DeliveryOutcome::OwnAddress`]), each POST
    /// within [`CALLBACK_TIMEOUT`]; a transport given with
    /// [`SimulatorConfig::with_callback_transport`](super::SimulatorConfig::with_callback_transport) receives every event,
    /// whatever its URL. A failure or a non-2xx answer is logged, not
    /// retried. Events of applications with no callback URL are dropped.
    /// Events wait in a queue of at most
    /// [`Limits::max_callback_queue`](super::Limits::max_callback_queue).
    ///
    /// A [served](Self::serve) simulator does this on its own (every 50 ms
    /// and after each request); in memory, call it when you want the
    /// callbacks sent. It takes the events
    /// [`due_callback_events`](Self::due_callback_events) would: use one or
    /// the other. No lock on the state is held while posting.
    pub fn deliver_callbacks(&self) -> Vec<Delivery> {
        // One delivery at a time, so that events go out in order.
        let _turn = lock(&self.inner.delivering);
        let dropped = self.enqueue_due();
        let mut done = Vec::new();
        for event in dropped {
            let delivery = Delivery {
                at: self.now(),
                url: event.url.clone(),
                kind: event.event.kind,
                job_id: event.event.job_id.clone(),
                signed: false,
                outcome: DeliveryOutcome::Dropped,
            };
            self.record(&delivery);
            done.push(delivery);
        }
        loop {
            let next = lock(&self.inner.queue).pop_front();
            let Some(out) = next else {
                break;
            };
            let delivery = self.post(out);
            self.record(&delivery);
            done.push(delivery);
        }
        done
    }

    /// Every callback sent or refused so far, in order (the newest
    /// [`Limits::max_callback_log`](super::Limits::max_callback_log)).
    pub fn callback_log(&self) -> Vec<Delivery> {
        lock(&self.inner.deliveries).iter().cloned().collect()
    }

    /// The recording callback events that are due by now and were not
    /// collected before: files started and completed, and jobs over, in
    /// order, for a caller that sends them itself.
    /// [`deliver_callbacks`](Self::deliver_callbacks) (which a served
    /// simulator runs on its own) takes the same events and posts them: use
    /// one or the other.
    pub fn due_callback_events(&self) -> Vec<CallbackEvent> {
        let wall = self.wall();
        let mut rt = self.current();
        rt.world.collect_due_events(wall)
    }

    fn record(&self, delivery: &Delivery) {
        note(delivery);
        let mut log = lock(&self.inner.deliveries);
        log.push_back(delivery.clone());
        while log.len() > self.inner.config.limits.max_callback_log {
            log.pop_front();
        }
    }

    pub(super) fn clear_callback_log(&self) {
        lock(&self.inner.deliveries).clear();
    }

    /// Moves the due events that have somewhere to go into the queue, with
    /// their rands drawn (under the state lock, so that the draw is
    /// deterministic); returns those the queue had to drop.
    fn enqueue_due(&self) -> Vec<Outgoing> {
        let wall = self.wall();
        let custom = self.inner.config.callback_transport.is_some();
        let mut rt = self.current();
        let events = rt.world.collect_due_events(wall);
        let outgoing: Vec<Outgoing> = events
            .into_iter()
            .filter_map(|event| {
                let url = event.callback_url.clone()?;
                let signed = event.auth_key.is_some() && (custom || is_loopback_url(&url));
                let rand = signed.then(|| rt.world.next_id(IdKind::CallbackRand, 32));
                Some(Outgoing { event, url, rand })
            })
            .collect();
        drop(rt);
        let mut queue = lock(&self.inner.queue);
        queue.extend(outgoing);
        let excess = queue
            .len()
            .saturating_sub(self.inner.config.limits.max_callback_queue);
        queue.drain(..excess).collect()
    }

    /// Whether a loopback URL's port is one the simulator listens on.
    fn is_own_address(&self, url: &str) -> bool {
        let Some(port) = loopback_port(url) else {
            return false;
        };
        lock(&self.inner.listening).iter().any(|a| a.port() == port)
    }

    /// Sends one event (the state lock is not held).
    fn post(&self, out: Outgoing) -> Delivery {
        let custom = self.inner.config.callback_transport.is_some();
        let mut delivery = Delivery {
            at: self.now(),
            url: out.url.clone(),
            kind: out.event.kind,
            job_id: out.event.job_id.clone(),
            signed: false,
            outcome: DeliveryOutcome::NotLoopback,
        };
        if !custom {
            if !is_loopback_url(&out.url) {
                return delivery;
            }
            if self.is_own_address(&out.url) {
                delivery.outcome = DeliveryOutcome::OwnAddress;
                return delivery;
            }
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

/// Reports a callback that was not acknowledged (with the `tracing` feature,
/// or `log`, which brings it).
fn note(delivery: &Delivery) {
    #[cfg(feature = "tracing")]
    if !delivery.is_acknowledged() {
        tracing::warn!(
            "simulator: {} callback of job {} to {}: {:?}",
            delivery.kind.as_str(),
            delivery.job_id,
            delivery.url,
            delivery.outcome
        );
    }
    #[cfg(not(feature = "tracing"))]
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
