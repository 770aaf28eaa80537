//! Serving the simulator over HTTP (tiny_http, one background thread), and
//! delivering its recording callbacks (a second one).

use std::io::{self, Cursor, Read};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use http::{HeaderName, HeaderValue, Method, Request, StatusCode};

use super::codes;
use super::util::Fail;
use super::Simulator;

/// The largest request body read (the gateway's limit is 12 MB).
const MAX_BODY: u64 = 12 * 1024 * 1024;

/// How often the callback thread looks for due events (it also looks right
/// after each request).
const CALLBACK_POLL: Duration = Duration::from_millis(50);

/// A [`Simulator`] served over HTTP, from [`Simulator::serve`]. Stops
/// serving on [`shutdown`](SimulatorServer::shutdown) or when dropped.
pub struct SimulatorServer {
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
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

    /// Stops serving and waits for the serving thread to end, and for the
    /// callback thread (which finishes the POST it is making, if any, and
    /// sends no more). New connections are refused. A connection a client
    /// kept alive stays open but gets no more answers (its reads time out),
    /// so give clients of a restarted simulator fresh connections.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            self.server.unblock();
            let _ = thread.join();
        }
        // The serving thread dropped its end of the channel: the callback
        // thread wakes up and ends.
        if let Some(thread) = self.callbacks.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for SimulatorServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}

pub(super) fn serve(sim: Simulator, addr: impl ToSocketAddrs) -> io::Result<SimulatorServer> {
    let listener = std::net::TcpListener::bind(addr)?;
    // Answers go out at once: without TCP_NODELAY (which accepted sockets
    // inherit from the listener), a body written after its head waits for
    // the client's delayed ACK, 40 ms on Linux.
    socket2::SockRef::from(&listener).set_tcp_nodelay(true)?;
    let server = tiny_http::Server::from_listener(listener, None)
        .map_err(|e| io::Error::other(e.to_string()))?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| io::Error::other("the server did not bind an IP address"))?;
    super::lock(&sim.inner.listening).push(bound);
    let server = Arc::new(server);
    let stop = Arc::new(AtomicBool::new(false));
    let (nudge, nudged) = mpsc::channel::<()>();
    let callbacks = {
        let sim = sim.clone();
        let stop = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("sparkrtc-simulator-callbacks".into())
            .spawn(move || deliver_until_stopped(&sim, &nudged, &stop))?
    };
    let thread = {
        let server = Arc::clone(&server);
        let stop = Arc::clone(&stop);
        let spawned = std::thread::Builder::new()
            .name("sparkrtc-simulator".into())
            .spawn(move || loop {
                match server.recv() {
                    Ok(request) => {
                        serve_one(&sim, request);
                        // The callback thread may be gone; nothing to do then.
                        let _ = nudge.send(());
                    }
                    Err(_) if stop.load(Ordering::SeqCst) => break,
                    Err(_) => continue,
                }
            });
        match spawned {
            Ok(thread) => thread,
            Err(e) => {
                // The closure (and the channel's sender) is dropped: the
                // callback thread ends.
                let _ = callbacks.join();
                return Err(e);
            }
        }
    };
    Ok(SimulatorServer {
        addr: bound,
        server,
        stop,
        thread: Some(thread),
        callbacks: Some(callbacks),
    })
}

/// The callback thread: delivers due callbacks every [`CALLBACK_POLL`] and
/// after each request, until the server stops.
fn deliver_until_stopped(sim: &Simulator, nudged: &mpsc::Receiver<()>, stop: &AtomicBool) {
    // A nudge or a timeout: look; the sender gone (the server stopped): end.
    while let Ok(()) | Err(RecvTimeoutError::Timeout) = nudged.recv_timeout(CALLBACK_POLL) {
        // Requests answered meanwhile need one look, not one each.
        while nudged.try_recv().is_ok() {}
        if stop.load(Ordering::SeqCst) {
            break;
        }
        sim.deliver_callbacks();
    }
}

/// Reads one request, answers it, writes the answer.
fn serve_one(sim: &Simulator, mut incoming: tiny_http::Request) {
    let response = match read_request(&mut incoming) {
        Ok(request) => match sim.handle(&request) {
            super::Answer::Response(r) | super::Answer::Truncated { response: r, .. } => r,
            _ => return,
        },
        Err(fail) => {
            let method =
                Method::from_bytes(incoming.method().as_str().as_bytes()).unwrap_or(Method::GET);
            let path = incoming.url().split('?').next().unwrap_or("").to_owned();
            sim.refuse(&method, &path, fail)
        }
    };
    let (parts, body) = response.into_parts();
    let mut headers = Vec::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        if let Ok(h) = tiny_http::Header::from_bytes(wire_name(name).as_bytes(), value.as_bytes()) {
            headers.push(h);
        }
    }
    let len = body.len();
    let out = tiny_http::Response::new(
        tiny_http::StatusCode(parts.status.as_u16()),
        headers,
        Cursor::new(body),
        Some(len),
        None,
    );
    // The client may have gone away; nothing to do about it.
    let _ = incoming.respond(out);
}

/// The usual spelling of the headers the simulator sends.
fn wire_name(name: &HeaderName) -> &str {
    match name.as_str() {
        "x-request-id" => "X-Request-Id",
        "content-type" => "Content-Type",
        "date" => "Date",
        other => other,
    }
}

fn bad_request(msg: &str) -> Fail {
    Fail::new(StatusCode::BAD_REQUEST, codes::APIGW_REQUEST, msg)
}

fn read_request(incoming: &mut tiny_http::Request) -> Result<Request<Vec<u8>>, Fail> {
    let method = Method::from_bytes(incoming.method().as_str().as_bytes())
        .map_err(|_| bad_request("API request error."))?;
    let mut builder = Request::builder().method(method).uri(incoming.url());
    for header in incoming.headers() {
        let name = HeaderName::from_bytes(header.field.as_str().as_str().as_bytes())
            .map_err(|_| bad_request("API request error."))?;
        let value = HeaderValue::from_bytes(header.value.as_str().as_bytes())
            .map_err(|_| bad_request("API request error."))?;
        builder = builder.header(name, value);
    }
    let mut body = Vec::new();
    incoming
        .as_reader()
        .take(MAX_BODY + 1)
        .read_to_end(&mut body)
        .map_err(|_| bad_request("API request error."))?;
    if body.len() as u64 > MAX_BODY {
        return Err(Fail::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::APIGW_REQUEST,
            "Request entity too large.",
        ));
    }
    builder
        .body(body)
        .map_err(|_| bad_request("API request error."))
}
