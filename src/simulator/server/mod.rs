//! Serving the simulator over HTTP/1.1, hardened for clients that are slow,
//! broken or hostile, and delivering its recording callbacks.
//!
//! One thread (the reactor) accepts connections and reads and writes them
//! as they become ready, without blocking;
//! [`ServerLimits::workers`](super::ServerLimits::workers)
//! threads answer the requests it reads whole; one more posts the
//! recording callbacks. So a connection holds no thread while it is idle
//! between requests, while its client sends a byte a second, or while its
//! client reads slowly, and the number of threads never depends on the
//! clients.
//!
//! The limits ([`ServerLimits`](super::ServerLimits)):
//!
//! - at most `max_connections` connections; past it, a new connection is
//!   answered `503` in the documented shape and closed;
//! - a request's head must arrive within `header_timeout` of its first
//!   byte, its body within `body_timeout` of the head's end, and a
//!   kept-alive connection may stay idle `idle_timeout`: past any of them
//!   the connection is closed (there is no request to answer);
//! - an answer must be taken within `write_timeout`, or the connection is
//!   closed;
//! - more than `max_headers` header fields or a head over `max_head_bytes`
//!   is `431` (`414` when the request line alone is over), a
//!   `Content-Length` over `max_body_bytes` is `413` (the body is not
//!   read), a request line or header that is not HTTP/1.1 or not UTF-8 is
//!   `400`, a `Transfer-Encoding` is `411`: each with the documented body
//!   `{"error_code": "APIGW.0201", "error_msg": ...}` and `X-Request-Id`,
//!   logged, and the connection closed after it;
//! - the bodies being read or answered at once hold at most four times
//!   `max_body_bytes`; a request whose body would go over is `503`.
//!
//! Memory is bounded whatever clients do: per connection, one head (up to
//! `max_head_bytes`) or one body, and one answer.
//!
//! Fault rules that break connections are honoured on the wire:
//! [`Answer::Closed`] closes the connection after the request was read,
//! with nothing written; [`Answer::Truncated`] writes the head (with the
//! whole `Content-Length`) and the first bytes of the body, then closes.

mod parse;
mod reactor;
mod wire;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use http::StatusCode;
use mio::{Interest, Poll, Waker};
use socket2::{Domain, Protocol, Socket, Type};

use super::util::Fail;
use super::{codes, lock, Answer, Simulator};
use reactor::{Done, Job, Reactor, Work, LISTENER, WAKER};
use wire::Shape;

/// How often the callback thread looks for due events (it also looks right
/// after each request).
const CALLBACK_POLL: Duration = Duration::from_millis(50);

/// A [`Simulator`] served over HTTP, from [`Simulator::serve`]. Stops
/// serving on [`shutdown`](SimulatorServer::shutdown) or when dropped.
pub struct SimulatorServer {
    addr: SocketAddr,
    sim: Simulator,
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
    reactor: Option<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
    callbacks: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimulatorServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl SimulatorServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give clients, `http://127.0.0.1:PORT` (the loopback
    /// address when it listens on all addresses).
    pub fn url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
        }
        format!("http://{addr}")
    }

    /// Stops serving: closes the listener and every connection (kept-alive
    /// ones too), lets each worker finish the request it is answering, lets
    /// the callback thread finish the POST it is making, if any, and waits
    /// for every thread the server started to end.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // If waking fails, the reactor still sees the flag at its next
        // deadline or event.
        let _ = self.waker.wake();
        // The reactor ends and drops the job queue: each worker ends after
        // its current request, and with the last one the callback thread's
        // channel closes.
        let threads = self
            .reactor
            .take()
            .into_iter()
            .chain(self.workers.drain(..))
            .chain(self.callbacks.take());
        for thread in threads {
            let _ = thread.join();
        }
        let mut listening = lock(&self.sim.inner.listening);
        if let Some(at) = listening.iter().position(|a| *a == self.addr) {
            listening.remove(at);
        }
    }
}

impl Drop for SimulatorServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}

pub(super) fn serve(sim: Simulator, addr: impl ToSocketAddrs) -> io::Result<SimulatorServer> {
    let limits = *sim.config().server_limits();
    let listener = listen(addr, limits.max_connections)?;
    listener.set_nonblocking(true)?;
    let bound = listener.local_addr()?;
    let mut listener = mio::net::TcpListener::from_std(listener);
    let poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let (jobs, queue) = mpsc::channel::<Job>();
    let (done, answers) = mpsc::channel::<Done>();
    // One pending nudge is enough: the callback thread looks once for all.
    let (nudge, nudged) = mpsc::sync_channel::<()>(1);
    let stop = Arc::new(AtomicBool::new(false));
    lock(&sim.inner.listening).push(bound);
    // From here on, an early return drops `server`, which stops and joins
    // whatever was started.
    let mut server = SimulatorServer {
        addr: bound,
        sim: sim.clone(),
        stop: Arc::clone(&stop),
        waker: Arc::clone(&waker),
        reactor: None,
        workers: Vec::new(),
        callbacks: None,
    };
    server.callbacks = Some({
        let sim = sim.clone();
        let stop = Arc::clone(&stop);
        thread::Builder::new()
            .name("sparkrtc-simulator-callbacks".into())
            .spawn(move || deliver_until_stopped(&sim, &nudged, &stop))?
    });
    let queue = Arc::new(Mutex::new(queue));
    for n in 0..limits.workers.max(1) {
        let (sim, queue, done, waker, nudge) = (
            sim.clone(),
            Arc::clone(&queue),
            done.clone(),
            Arc::clone(&waker),
            nudge.clone(),
        );
        server.workers.push(
            thread::Builder::new()
                .name(format!("sparkrtc-simulator-worker-{n}"))
                .spawn(move || work(&sim, &queue, &done, &waker, &nudge))?,
        );
    }
    drop((done, nudge));
    let reactor = Reactor {
        poll,
        listener,
        limits,
        jobs,
        done: answers,
        stop,
    };
    server.reactor = Some(
        thread::Builder::new()
            .name("sparkrtc-simulator".into())
            .spawn(move || reactor.run())?,
    );
    Ok(server)
}

/// A listener on the first of `addr` that binds, with room in its accept
/// queue for `connections` at once (within the system's cap): std's 128
/// overflows when many clients connect at once, and a connection the queue
/// drops waits a second for its SYN to be sent again.
fn listen(addr: impl ToSocketAddrs, connections: usize) -> io::Result<std::net::TcpListener> {
    let backlog = i32::try_from(connections.max(128)).unwrap_or(i32::MAX);
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        let bound = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
            .and_then(|socket| {
                // As std does on Unix: a restarted simulator binds its port
                // again at once, whatever connections of the last one linger.
                #[cfg(unix)]
                socket.set_reuse_address(true)?;
                socket.bind(&addr.into())?;
                socket.listen(backlog)?;
                Ok(socket)
            });
        match bound {
            Ok(socket) => return Ok(socket.into()),
            Err(e) => last = Some(e),
        }
    }
    Err(last
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to listen on")))
}

/// A worker: answers what the reactor hands over until the reactor ends.
fn work(
    sim: &Simulator,
    queue: &Mutex<Receiver<Job>>,
    done: &Sender<Done>,
    waker: &Waker,
    nudge: &SyncSender<()>,
) {
    loop {
        let job = lock(queue).recv();
        let Ok(Job { id, work }) = job else {
            return;
        };
        let (bytes, close) = answer(sim, work);
        if done.send(Done { id, bytes, close }).is_err() {
            return;
        }
        let _ = waker.wake();
        // Full (a look is already due) or gone (stopping): nothing to do.
        let _ = nudge.try_send(());
    }
}

/// The bytes of the answer to `work`, and whether to close after them.
fn answer(sim: &Simulator, work: Work) -> (Vec<u8>, bool) {
    match work {
        Work::Request {
            request,
            head_only,
            close,
        } => {
            let handled = panic::catch_unwind(AssertUnwindSafe(|| sim.handle(&request)));
            // A bug in the simulator is a 500 for this request, not a lost
            // worker and a connection left waiting.
            let answer = handled.unwrap_or_else(|_| {
                let fail = Fail::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    codes::INTERNAL,
                    "InternalError: the simulator failed on this request.",
                );
                Answer::Response(sim.refuse(request.method(), request.uri().path(), fail))
            });
            match answer {
                Answer::Response(response) => {
                    let shape = Shape {
                        sent: usize::MAX,
                        head_only,
                        close,
                    };
                    (wire::encode(&response, shape), close)
                }
                // Cut off as a broken connection is: no `Connection: close`.
                Answer::Truncated { response, sent } => {
                    let shape = Shape {
                        sent,
                        head_only,
                        close: false,
                    };
                    (wire::encode(&response, shape), true)
                }
                Answer::Closed { .. } => (Vec::new(), true),
            }
        }
        Work::Refusal(refusal) => {
            let response = sim.refuse(&refusal.method, &refusal.path, refusal.fail);
            let shape = Shape {
                sent: usize::MAX,
                head_only: false,
                close: true,
            };
            (wire::encode(&response, shape), true)
        }
    }
}

/// The callback thread: delivers due callbacks every [`CALLBACK_POLL`] and
/// after each request, until the server stops.
fn deliver_until_stopped(sim: &Simulator, nudged: &Receiver<()>, stop: &AtomicBool) {
    // A nudge or a timeout: look; every worker gone (the server stopped):
    // end.
    while let Ok(()) | Err(RecvTimeoutError::Timeout) = nudged.recv_timeout(CALLBACK_POLL) {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        sim.deliver_callbacks();
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ServerLimits, SimulatorConfig};
    use super::*;

    #[test]
    fn limits_are_read_from_the_config() {
        // The server takes its limits from the simulator's configuration.
        let limits = ServerLimits {
            workers: 1,
            ..ServerLimits::default()
        };
        let sim = Simulator::new(SimulatorConfig::default().with_server_limits(limits));
        let server = sim.serve("127.0.0.1:0").unwrap();
        assert_eq!(server.workers.len(), 1);
        assert_eq!(lock(&sim.inner.listening).as_slice(), [server.addr()]);
        server.shutdown();
        assert!(lock(&sim.inner.listening).is_empty());
    }
}
