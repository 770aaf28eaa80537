//! The simulator's HTTP server against slow, broken and hostile clients, over
//! real sockets on loopback: each case gets its documented answer (or a
//! closed connection) in bounded time, and everyone else goes on being
//! served by a fixed number of threads.
#![cfg(feature = "simulator")]
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use http::{Request, StatusCode};
use serde_json::{json, Value};
use sparkrtc::client::Client;
use sparkrtc::ops::ListApps;
use sparkrtc::retry::RetryPolicy;
use sparkrtc::simulator::{
    ServerLimits, Simulator, SimulatorConfig, SimulatorServer, DEFAULT_ACCESS_KEY,
    DEFAULT_PROJECT_ID, DEFAULT_SECRET_KEY,
};
use sparkrtc::transport::{Transport, TransportErrorKind, UreqTransport};
use sparkrtc::{Credentials, Endpoint, Error, Operation};

/// The longest any single wait of these tests may take.
const PATIENCE: Duration = Duration::from_secs(20);

/// Tests that count the server's threads run alone; the others share.
static SERVERS: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    SERVERS.read().unwrap_or_else(|e| e.into_inner())
}

fn alone() -> RwLockWriteGuard<'static, ()> {
    SERVERS.write().unwrap_or_else(|e| e.into_inner())
}

fn serve(limits: ServerLimits) -> (Simulator, SimulatorServer) {
    let sim = Simulator::new(SimulatorConfig::default().with_server_limits(limits));
    let server = sim.serve("127.0.0.1:0").unwrap();
    (sim, server)
}

/// A raw HTTP/1.1 connection.
struct Raw {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Raw {
    fn connect(addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_write_timeout(Some(PATIENCE)).unwrap();
        Raw {
            writer: stream.try_clone().unwrap(),
            reader: BufReader::new(stream),
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
    }

    fn reply(&mut self) -> Reply {
        read_reply(&mut self.reader).unwrap()
    }

    /// Whether the server closed the connection (and sent nothing more).
    fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        match self.reader.read_to_end(&mut rest) {
            Ok(_) => rest.is_empty(),
            Err(e) => e.kind() == io::ErrorKind::ConnectionReset && rest.is_empty(),
        }
    }
}

/// An answer as it came over the wire.
#[derive(Debug)]
struct Reply {
    status: u16,
    /// The head as sent, for checking its spelling.
    head: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

fn read_reply(reader: &mut impl BufRead) -> io::Result<Reply> {
    let mut head = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" {
            break;
        }
    }
    let head = String::from_utf8(head).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_owned(), v.trim().to_owned())
        })
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse::<usize>().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Reply {
        status,
        head,
        headers,
        body,
    })
}

fn is_request_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The gateway's error in the documented shape, logged with its request
/// id, on a connection that closes after it.
fn assert_refused(sim: &Simulator, reply: &Reply, status: u16, msg: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({"error_code": "APIGW.0201", "error_msg": msg})
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(reply.header("date").is_some());
    let id = reply.header("x-request-id").unwrap();
    assert!(is_request_id(id), "{id}");
    let logged = sim.request_log();
    let entry = logged.iter().find(|e| e.request_id == id).unwrap();
    assert_eq!(entry.status.map(|s| s.as_u16()), Some(status));
    assert_eq!(entry.error_code.as_deref(), Some("APIGW.0201"));
}

/// Sends `bytes`, then `padding` spaces, from another thread (the server
/// may answer before it has read them all) and reads the answer; returns
/// it, how many bytes went out, and whether writing stopped on an error.
fn send_in_background(mut raw: Raw, bytes: Vec<u8>, padding: usize) -> (Reply, Raw, usize, bool) {
    let mut writer = raw.writer.try_clone().unwrap();
    let sender = thread::spawn(move || {
        let spaces = [b' '; 64 * 1024];
        let mut sent = 0;
        let chunks = bytes.chunks(64 * 1024).chain(
            (0..padding.div_ceil(spaces.len()))
                .map(|n| &spaces[..spaces.len().min(padding - n * spaces.len())]),
        );
        for chunk in chunks {
            if writer.write_all(chunk).is_err() {
                return (sent, true);
            }
            sent += chunk.len();
        }
        (sent, false)
    });
    let reply = raw.reply();
    let (sent, failed) = sender.join().unwrap();
    (reply, raw, sent, failed)
}

const HEALTH: &[u8] = b"GET /_sparkrtc/health HTTP/1.1\r\nHost: sim\r\n\r\n";

/// A client that gets its answers while others misbehave.
fn assert_served(addr: SocketAddr) {
    let mut raw = Raw::connect(addr);
    raw.send(HEALTH);
    let reply = raw.reply();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["status"], "ok");
}

fn endpoint(server: &SimulatorServer) -> Endpoint {
    Endpoint::new(&server.url())
        .unwrap()
        .with_project_id(DEFAULT_PROJECT_ID)
        .unwrap()
}

fn client(server: &SimulatorServer) -> Client<UreqTransport> {
    Client::builder(UreqTransport::default())
        .endpoint(endpoint(server))
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .retry(RetryPolicy::never())
        .build()
        .unwrap()
}

/// The threads of this process whose name starts with `prefix` (Linux
/// keeps the first 15 bytes of a name).
#[cfg(target_os = "linux")]
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end().starts_with(prefix))
        .count()
}

/// The number of threads named so, once it is `expected` (a new thread
/// takes its name when it starts running), or after a while.
#[cfg(target_os = "linux")]
fn settled_threads_named(prefix: &str, expected: usize) -> usize {
    let start = Instant::now();
    loop {
        let n = threads_named(prefix);
        if n == expected || start.elapsed() > Duration::from_secs(5) {
            return n;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(target_os = "linux")]
fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// The server's threads: `sparkrtc-simulator`, its workers and its
/// callback thread, as Linux shortens their names.
#[cfg(target_os = "linux")]
const SERVER_THREADS: &str = "sparkrtc-simula";

// ------------------------------------------------------------ slow clients

/// Twenty clients sending their heads a byte a second are cut off once the
/// header timeout has passed since their first byte; meanwhile, with one
/// worker, everyone else is answered at once.
#[test]
fn slow_clients_are_cut_off_and_do_not_hold_the_worker() {
    let _guard = shared();
    let timeout = Duration::from_secs(2);
    let (_sim, server) = serve(ServerLimits {
        workers: 1,
        header_timeout: timeout,
        ..ServerLimits::default()
    });
    let addr = server.addr();
    let slow = thread::spawn(move || {
        let head = b"GET /_sparkrtc/health HTTP/1.1\r\nHost: sim\r\nX-Slow: 1\r\n\r\n";
        let mut clients: Vec<TcpStream> =
            (0..20).map(|_| TcpStream::connect(addr).unwrap()).collect();
        for c in &clients {
            c.set_nonblocking(true).unwrap();
        }
        let start = Instant::now();
        let mut cut_at = vec![None; clients.len()];
        for (i, byte) in head.iter().enumerate() {
            for (n, c) in clients.iter_mut().enumerate() {
                if cut_at[n].is_some() {
                    continue;
                }
                let mut buf = [0u8; 64];
                let closed = match c.read(&mut buf) {
                    Ok(0) => true,
                    Ok(_) => panic!("a slow client got an answer"),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
                    Err(_) => true,
                };
                if closed || c.write_all(&[*byte]).is_err() {
                    cut_at[n] = Some(start.elapsed());
                }
            }
            if cut_at.iter().all(Option::is_some) || i > 8 {
                break;
            }
            thread::sleep(Duration::from_secs(1));
        }
        cut_at
    });
    // Served at once, again and again, while the slow ones dawdle.
    let begin = Instant::now();
    while begin.elapsed() < Duration::from_secs(3) {
        let t = Instant::now();
        assert_served(addr);
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
        thread::sleep(Duration::from_millis(100));
    }
    for cut in slow.join().unwrap() {
        let cut = cut.expect("a slow client was never cut off");
        // Seen at the first byte sent after the deadline: between the
        // timeout and a second (the pace) later, plus slack.
        assert!(cut >= timeout, "{cut:?}");
        assert!(cut <= timeout + Duration::from_millis(2500), "{cut:?}");
    }
}

/// A client that connects and sends nothing, and a kept-alive connection
/// left idle, are closed after the idle timeout.
#[test]
fn idle_connections_are_closed() {
    let _guard = shared();
    let (_sim, server) = serve(ServerLimits {
        idle_timeout: Duration::from_millis(500),
        ..ServerLimits::default()
    });
    let start = Instant::now();
    let mut silent = Raw::connect(server.addr());
    let mut used = Raw::connect(server.addr());
    used.send(HEALTH);
    assert_eq!(used.reply().status, 200);
    assert!(silent.closed());
    assert!(used.closed());
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

/// A client that asks for more than the socket buffers hold and never
/// reads: once the server's write has blocked for the write timeout, the
/// connection is closed (not held forever), and the only worker serves
/// others meanwhile.
#[test]
fn a_client_that_does_not_read_is_cut_off() {
    let _guard = shared();
    let timeout = Duration::from_secs(1);
    let (sim, server) = serve(ServerLimits {
        workers: 1,
        write_timeout: timeout,
        ..ServerLimits::default()
    });
    // A request log of 2,500 entries, whose listing is about 500 KB.
    let mut filler = Raw::connect(server.addr());
    let batch = b"GET /v2/apps HTTP/1.1\r\nHost: sim\r\n\r\n".repeat(500);
    for _ in 0..5 {
        filler.send(&batch);
        for _ in 0..500 {
            assert_eq!(filler.reply().status, 401);
        }
    }
    assert_eq!(sim.request_log().len(), 2_500);
    // 256 listings, 128 MB, asked for and never read.
    let mut greedy = Raw::connect(server.addr());
    greedy.send(&b"GET /_sparkrtc/requests HTTP/1.1\r\nHost: sim\r\n\r\n".repeat(256));
    let start = Instant::now();
    assert_served(server.addr());
    // A byte now and then tells when the server has closed: once it has,
    // the byte is refused with a reset, and the next write fails.
    let closed_after = loop {
        thread::sleep(Duration::from_millis(100));
        if greedy.writer.write_all(b"\r\n").is_err() {
            break start.elapsed();
        }
        assert!(start.elapsed() < PATIENCE, "never closed");
    };
    assert!(closed_after >= timeout, "{closed_after:?}");
    assert_served(server.addr());
}

// --------------------------------------------------------- many connections

/// A thousand connections holding half-sent heads: the server's threads
/// stay its workers, the reactor and the callback thread; a new client is
/// still answered; all of them close with the server.
#[cfg(target_os = "linux")]
#[test]
fn a_thousand_connections_hold_no_threads() {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let open_files: u64 = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX);
    assert!(
        open_files >= 2_200,
        "this test opens 2,000 sockets: raise the open-file limit (ulimit -n 4096), now {open_files}"
    );
    let _guard = alone();
    let workers = 4;
    let (_sim, server) = serve(ServerLimits {
        workers,
        ..ServerLimits::default()
    });
    assert_eq!(
        settled_threads_named(SERVER_THREADS, workers + 2),
        workers + 2
    );
    let before = thread_count();
    let clients: Vec<TcpStream> = (0..1_000)
        .map(|_| {
            let mut c = TcpStream::connect(server.addr()).unwrap();
            c.write_all(b"GET /_sparkrtc/health HTTP/1.1\r\nHost: sim\r\n")
                .unwrap();
            c
        })
        .collect();
    assert_served(server.addr());
    assert_eq!(
        settled_threads_named(SERVER_THREADS, workers + 2),
        workers + 2
    );
    // Nothing else grew either (a margin for the test harness's own).
    assert!(
        thread_count() <= before + 2,
        "{} > {before} + 2",
        thread_count()
    );
    drop(server);
    assert_eq!(settled_threads_named(SERVER_THREADS, 0), 0);
    for mut c in clients {
        c.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut rest = Vec::new();
        assert!(matches!(c.read_to_end(&mut rest), Ok(0)), "{rest:?}");
    }
}

/// Past `max_connections`, a new connection is answered 503 in the
/// documented shape and closed; once one closes, new ones are served.
#[test]
fn over_the_connection_limit_is_503() {
    let _guard = shared();
    let (sim, server) = serve(ServerLimits {
        max_connections: 3,
        ..ServerLimits::default()
    });
    let mut held: Vec<Raw> = (0..3).map(|_| Raw::connect(server.addr())).collect();
    held[0].send(HEALTH);
    assert_eq!(held[0].reply().status, 200);
    let mut over = Raw::connect(server.addr());
    over.send(HEALTH);
    let reply = over.reply();
    assert_refused(&sim, &reply, 503, "Backend unavailable.");
    assert!(over.closed());
    let entry = sim.request_log().pop().unwrap();
    assert_eq!(entry.path, "");
    drop(held.pop());
    // The server notices the close on its next turn.
    let start = Instant::now();
    loop {
        let mut raw = Raw::connect(server.addr());
        raw.send(HEALTH);
        if raw.reply().status == 200 {
            break;
        }
        assert!(start.elapsed() < PATIENCE);
        thread::sleep(Duration::from_millis(10));
    }
}

// ------------------------------------------------------------------ bodies

/// A 100 MB body: 413 in the documented shape at once, and the server
/// stops taking the body (the sender's writes fail long before 100 MB).
#[test]
fn a_100_mb_body_is_413_without_being_read() {
    let _guard = shared();
    let (sim, server) = serve(ServerLimits::default());
    let size = 100 * 1024 * 1024;
    let head = format!(
        "POST /v2/apps HTTP/1.1\r\nHost: sim\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    )
    .into_bytes();
    let start = Instant::now();
    let (reply, mut raw, sent, failed) =
        send_in_background(Raw::connect(server.addr()), head, size);
    let took = start.elapsed();
    assert_refused(&sim, &reply, 413, "Request entity too large.");
    assert!(failed, "all {sent} bytes were taken");
    assert!(sent < size / 4, "{sent} bytes taken");
    assert!(raw.closed());
    eprintln!("100 MB body: 413 after {took:?}, {sent} bytes taken");
    assert_served(server.addr());
}

/// A body shorter than its Content-Length: the connection is closed when
/// the body timeout has passed, or at once when the client closes; the
/// only worker is free all along.
#[test]
fn a_lying_content_length() {
    let _guard = shared();
    let timeout = Duration::from_millis(1500);
    let (sim, server) = serve(ServerLimits {
        workers: 1,
        body_timeout: timeout,
        ..ServerLimits::default()
    });
    let head = b"POST /v2/apps HTTP/1.1\r\nHost: sim\r\nContent-Length: 100\r\n\r\n{\"app_name\"";
    let start = Instant::now();
    let mut stalled = Raw::connect(server.addr());
    stalled.send(head);
    let mut quitter = Raw::connect(server.addr());
    quitter.send(head);
    quitter.writer.shutdown(Shutdown::Write).unwrap();
    assert!(quitter.closed());
    assert!(start.elapsed() < timeout, "{:?}", start.elapsed());
    assert_served(server.addr());
    assert!(stalled.closed());
    let took = start.elapsed();
    assert!(took >= timeout, "{took:?}");
    assert!(took < timeout + Duration::from_secs(2), "{took:?}");
    // Neither reached the simulator.
    assert!(sim.request_log().iter().all(|e| e.path != "/v2/apps"));
    assert_served(server.addr());
}

/// `Expect: 100-continue` is answered before the body is sent.
#[test]
fn expect_continue() {
    let _guard = shared();
    let (_sim, server) = serve(ServerLimits::default());
    let mut raw = Raw::connect(server.addr());
    raw.send(b"POST /_sparkrtc/reset HTTP/1.1\r\nHost: sim\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    let interim = raw.reply();
    assert_eq!(interim.head, "HTTP/1.1 100 Continue\r\n\r\n");
    raw.send(b"{}");
    let reply = raw.reply();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({"status": "reset"}));
}

/// A chunked body is refused with 411 in the documented shape.
#[test]
fn chunked_bodies_are_411() {
    let _guard = shared();
    let (sim, server) = serve(ServerLimits::default());
    let mut raw = Raw::connect(server.addr());
    raw.send(b"POST /v2/apps HTTP/1.1\r\nHost: sim\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
    let reply = raw.reply();
    assert_refused(
        &sim,
        &reply,
        411,
        "Length required: send the body with a Content-Length, not a Transfer-Encoding.",
    );
    assert!(raw.closed());
}

// ------------------------------------------------------------------- heads

/// 10,000 header fields: 431, whether they fit in the size limit (so the
/// count decides) or not.
#[test]
fn ten_thousand_headers_are_431() {
    let _guard = shared();
    let (sim, server) = serve(ServerLimits::default());
    for field in [
        "a:b\r\n".to_owned(),
        "X-Header-Field: some value\r\n".to_owned(),
    ] {
        let mut bytes = b"GET /_sparkrtc/health HTTP/1.1\r\n".to_vec();
        for _ in 0..10_000 {
            bytes.extend_from_slice(field.as_bytes());
        }
        bytes.extend_from_slice(b"\r\n");
        let (reply, mut raw, _, _) = send_in_background(Raw::connect(server.addr()), bytes, 0);
        assert_refused(&sim, &reply, 431, "Request headers too large.");
        assert!(raw.closed());
    }
    // 100 fields (the default limit) are fine.
    let mut bytes = b"GET /_sparkrtc/health HTTP/1.1\r\n".to_vec();
    for n in 0..100 {
        bytes.extend_from_slice(format!("X-{n}: v\r\n").as_bytes());
    }
    bytes.extend_from_slice(b"\r\n");
    let mut raw = Raw::connect(server.addr());
    raw.send(&bytes);
    assert_eq!(raw.reply().status, 200);
}

/// A 1 MB header line is 431; a 1 MB request line is 414.
#[test]
fn a_megabyte_header_line_is_431_and_request_line_414() {
    let _guard = shared();
    let (sim, server) = serve(ServerLimits::default());
    let big = "a".repeat(1024 * 1024);
    let header = format!("GET /_sparkrtc/health HTTP/1.1\r\nX-Big: {big}\r\n\r\n");
    let (reply, mut raw, _, _) =
        send_in_background(Raw::connect(server.addr()), header.into_bytes(), 0);
    assert_refused(&sim, &reply, 431, "Request headers too large.");
    assert!(raw.closed());
    let line = format!("GET /_sparkrtc/health?q={big} HTTP/1.1\r\n\r\n");
    let (reply, mut raw, _, _) =
        send_in_background(Raw::connect(server.addr()), line.into_bytes(), 0);
    assert_refused(&sim, &reply, 414, "Request URI too large.");
    assert!(raw.closed());
    assert_served(server.addr());
}

/// Bytes that are not UTF-8 in the path, the query or a header value: 400
/// with the documented body and a request id, then the connection closes.
#[test]
fn non_utf8_bytes_are_400() {
    let _guard = shared();
    let (sim, server) = serve(ServerLimits::default());
    let line = "Bad request: the request line is not `METHOD /path HTTP/1.1` in ASCII (or the path is not UTF-8).";
    let cases: [(&[u8], &str, &str); 3] = [
        (
            b"GET /v2/apps/\xff\xfe HTTP/1.1\r\nHost: sim\r\n\r\n",
            line,
            "/v2/apps/\u{fffd}\u{fffd}",
        ),
        (
            b"GET /v2/apps?offset=\xc3\x28 HTTP/1.1\r\nHost: sim\r\n\r\n",
            line,
            "/v2/apps",
        ),
        (
            b"GET /v2/apps HTTP/1.1\r\nHost: sim\r\nX-Project-Id: \xff\r\n\r\n",
            "Bad request: the value of header `X-Project-Id` is not UTF-8.",
            "/v2/apps",
        ),
    ];
    for (bytes, msg, logged_path) in cases {
        let mut raw = Raw::connect(server.addr());
        raw.send(bytes);
        let reply = raw.reply();
        assert_refused(&sim, &reply, 400, msg);
        assert!(raw.closed());
        let id = reply.header("x-request-id").unwrap();
        let entry = sim
            .request_log()
            .into_iter()
            .find(|e| e.request_id == id)
            .unwrap();
        assert_eq!(entry.path, logged_path);
        assert_eq!(entry.method, http::Method::GET);
    }
}

/// A 100,000-deep JSON body to an API route, signed and not, and to the
/// control plane: a 4xx in the documented shape, and the server lives on.
#[test]
fn deep_json_is_a_documented_4xx() {
    let _guard = shared();
    let (_sim, server) = serve(ServerLimits::default());
    let deep = format!(
        "{{\"app_name\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let transport = UreqTransport::default();
    let url = format!("{}/v2/apps", server.url());
    let request = |signed: bool| {
        let mut request = Request::post(&url)
            .header("content-type", "application/json;charset=UTF-8")
            .header("x-project-id", DEFAULT_PROJECT_ID)
            .body(deep.clone().into_bytes())
            .unwrap();
        if signed {
            let credentials = Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap();
            sparkrtc::sign::sign(&mut request, &credentials, SystemTime::now()).unwrap();
        }
        request
    };
    let signed = transport.send(request(true)).unwrap();
    assert_eq!(signed.status(), StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_slice(signed.body()).unwrap();
    assert_eq!(body["error_code"], "RTC.00001002", "{body}");
    assert!(
        body["error_msg"]
            .as_str()
            .unwrap()
            .starts_with("MalformedRequestBody"),
        "{body}"
    );
    assert!(is_request_id(
        signed.headers()["x-request-id"].to_str().unwrap()
    ));
    let unsigned = transport.send(request(false)).unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let body: Value = serde_json::from_slice(unsigned.body()).unwrap();
    assert_eq!(body["error_code"], "APIGW.0301");
    let control = Request::post(format!("{}/_sparkrtc/faults", server.url()))
        .body(deep.clone().into_bytes())
        .unwrap();
    let control = transport.send(control).unwrap();
    assert_eq!(control.status(), StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_slice(control.body()).unwrap();
    assert!(
        body["error_code"].is_string() && body["error_msg"].is_string(),
        "{body}"
    );
    assert_served(server.addr());
}

// -------------------------------------------------------------- keep-alive

/// Requests one after the other, and pipelined, on one connection; the
/// headers in their usual spelling; `Connection: close` and HTTP/1.0 end
/// the connection after the answer.
#[test]
fn keep_alive() {
    let _guard = shared();
    let (_sim, server) = serve(ServerLimits::default());
    let mut raw = Raw::connect(server.addr());
    for _ in 0..3 {
        raw.send(b"GET /v2/apps HTTP/1.1\r\nHost: sim\r\n\r\n");
        let reply = raw.reply();
        assert_eq!(reply.status, 401);
        assert_eq!(reply.header("connection"), None);
        for spelled in [
            "\r\nX-Request-Id: ",
            "\r\nContent-Type: application/json;charset=UTF-8\r\n",
            "\r\nDate: ",
            "\r\nContent-Length: ",
        ] {
            assert!(
                reply.head.contains(spelled),
                "{spelled:?} in {}",
                reply.head
            );
        }
    }
    let mut pipelined = HEALTH.to_vec();
    pipelined.extend_from_slice(b"GET /_sparkrtc/nothing HTTP/1.1\r\n\r\n");
    pipelined.extend_from_slice(HEALTH);
    raw.send(&pipelined);
    assert_eq!(raw.reply().status, 200);
    assert_eq!(raw.reply().status, 404);
    assert_eq!(raw.reply().status, 200);
    raw.send(b"GET /_sparkrtc/health HTTP/1.1\r\nConnection: close\r\n\r\n");
    let reply = raw.reply();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(raw.closed());
    let mut old = Raw::connect(server.addr());
    old.send(b"GET /_sparkrtc/health HTTP/1.0\r\n\r\n");
    assert_eq!(old.reply().status, 200);
    assert!(old.closed());
    // HEAD: the head alone.
    let mut head = Raw::connect(server.addr());
    head.send(b"HEAD /v2/apps HTTP/1.1\r\nConnection: close\r\n\r\n");
    let mut all = String::new();
    head.reader.read_to_string(&mut all).unwrap();
    assert!(all.starts_with("HTTP/1.1 404 Not Found\r\n"), "{all}");
    assert!(all.ends_with("\r\n\r\n"), "{all}");
    let length = all
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap();
    assert_ne!(length, "0", "{all}");
}

/// The crate's client over one pooled connection: many calls, answered.
#[test]
fn the_client_reuses_its_connection() {
    let _guard = shared();
    let (sim, server) = serve(ServerLimits::default());
    let client = client(&server);
    for _ in 0..20 {
        let list = client.call(&ListApps::new()).unwrap();
        assert_eq!(list.body.count, Some(0));
    }
    assert_eq!(sim.request_log().len(), 20);
}

// ------------------------------------------------------------------ faults

fn failed_after_send(result: Result<impl std::fmt::Debug, Error>) {
    match result {
        Err(Error::Transport(e)) => {
            assert_eq!(e.kind(), TransportErrorKind::FailedAfterSend, "{e}")
        }
        other => panic!("{other:?}"),
    }
}

/// `close` and `lose`: the request is read, nothing is written, the
/// connection closes; `truncate`: the head with the whole Content-Length
/// and half the body, then the close. The client reports each as failed
/// after send, and a fresh call afterwards is answered.
#[test]
fn faults_on_the_wire() {
    let _guard = shared();
    let (sim, server) = serve(ServerLimits::default());
    let client = client(&server);
    client.call(&ListApps::new()).unwrap();
    let whole = sim.request_log().pop().unwrap();
    assert_eq!(whole.status, Some(StatusCode::OK));
    let signed_list = || {
        let mut request = ListApps::new().build(&endpoint(&server)).unwrap();
        let credentials = Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap();
        sparkrtc::sign::sign(&mut request, &credentials, SystemTime::now()).unwrap();
        request
    };
    for (rule, logged) in [
        ("ListApps:close", None),
        ("ListApps:lose", Some(StatusCode::OK)),
    ] {
        sim.faults().clear();
        sim.faults().add(rule.parse().unwrap()).unwrap();
        failed_after_send(client.call(&ListApps::new()));
        // On the wire: nothing at all, then the close.
        let request = signed_list();
        let mut raw = Raw::connect(server.addr());
        raw.send(&raw_bytes(&request));
        assert!(raw.closed(), "{rule}");
        let entry = sim.request_log().pop().unwrap();
        // `close` never ran the operation; `lose` did, and lost its answer.
        assert_eq!(entry.status, logged, "{rule}");
        assert_eq!(entry.faults.len(), 1, "{rule}");
    }
    sim.faults().clear();
    sim.faults()
        .add("ListApps:truncate".parse().unwrap())
        .unwrap();
    failed_after_send(client.call(&ListApps::new()));
    let mut raw = Raw::connect(server.addr());
    raw.send(&raw_bytes(&signed_list()));
    let mut all = Vec::new();
    raw.reader.read_to_end(&mut all).unwrap();
    let text = String::from_utf8(all).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(!head.contains("Connection: close"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(length > 2, "{head}");
    assert_eq!(body.len(), length / 2);
    sim.faults().clear();
    assert_eq!(client.call(&ListApps::new()).unwrap().body.count, Some(0));
}

/// A request as bytes on the wire (signing gave it its `Host`).
fn raw_bytes(request: &Request<Vec<u8>>) -> Vec<u8> {
    let mut out = format!(
        "{} {} HTTP/1.1\r\n",
        request.method(),
        request.uri().path_and_query().unwrap()
    )
    .into_bytes();
    for (name, value) in request.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", request.body().len()).as_bytes());
    out.extend_from_slice(request.body());
    out
}

// ---------------------------------------------------------------- shutdown

/// Shutting down joins every thread the server started, closes kept-alive
/// connections and the listener, and takes the address off the list the
/// callbacks avoid.
#[cfg(target_os = "linux")]
#[test]
fn shutdown_leaves_no_thread_behind() {
    let _guard = alone();
    assert_eq!(settled_threads_named(SERVER_THREADS, 0), 0);
    let (sim, server) = serve(ServerLimits {
        workers: 3,
        ..ServerLimits::default()
    });
    assert_eq!(settled_threads_named(SERVER_THREADS, 5), 5);
    let mut kept = Raw::connect(server.addr());
    kept.send(HEALTH);
    assert_eq!(kept.reply().status, 200);
    let addr = server.addr();
    server.shutdown();
    assert_eq!(settled_threads_named(SERVER_THREADS, 0), 0);
    assert!(kept.closed());
    assert!(TcpStream::connect(addr).is_err());
    // Served again on a new port, by a new server of the same simulator.
    let again = sim.serve("127.0.0.1:0").unwrap();
    assert_served(again.addr());
    drop(again);
    assert_eq!(settled_threads_named(SERVER_THREADS, 0), 0);
}
