//! The event loop: one thread accepts connections, and reads and writes
//! them without blocking as they become ready (mio: epoll, kqueue); the
//! workers answer the requests it reads. A connection holds no thread
//! while it is idle, while its client is slow to send, or while its client
//! is slow to read.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Method, Request};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

use super::super::config::ServerLimits;
use super::parse::{self, Head, Parsed, Refusal};

/// The listener's token.
pub(super) const LISTENER: Token = Token(usize::MAX);
/// The waker's token: a worker finished, or the server stops.
pub(super) const WAKER: Token = Token(usize::MAX - 1);

/// How long a connection being closed after an error answer (or a fault)
/// is drained of what its client still sends, so that the client reads the
/// answer instead of a reset.
const LINGER: Duration = Duration::from_secs(2);
/// The most bytes drained from a connection being closed.
const LINGER_BYTES: usize = 1 << 20;
/// Connections over [`ServerLimits::max_connections`] being answered 503
/// at once; past it, new connections are closed at once.
const MAX_REFUSING: usize = 64;
/// The most bytes one read takes.
const READ_CHUNK: usize = 16 * 1024;
/// When accepting fails (out of file descriptors), how soon to try again.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);
/// The `100 Continue` interim answer.
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// What a worker does for a connection.
pub(super) enum Work {
    /// Answer a request read whole.
    Request {
        request: Request<Vec<u8>>,
        /// An answer to `HEAD`: no body.
        head_only: bool,
        /// The client asked to close after the answer (or spoke HTTP/1.0).
        close: bool,
    },
    /// Answer a request the server refuses, in the documented shape, and
    /// close.
    Refusal(Refusal),
}

/// A piece of work and the connection it is for.
pub(super) struct Job {
    pub(super) id: usize,
    pub(super) work: Work,
}

/// What a worker made: the bytes to write, and whether to close after them.
pub(super) struct Done {
    pub(super) id: usize,
    pub(super) bytes: Vec<u8>,
    pub(super) close: bool,
}

enum Phase {
    /// Waiting for a request's first byte (deadline: the idle timeout).
    Idle,
    /// Reading a head (deadline: its first byte and the header timeout).
    Head,
    /// Reading a body (deadline: the head's end and the body timeout).
    Body { head: Box<Head>, body: Vec<u8> },
    /// A worker has the request (no deadline: workers always answer).
    Busy,
    /// Writing an answer (deadline: the write timeout), then reading the
    /// next request, or closing.
    Writing { close: bool },
    /// Closing: the answer is out, the write side shut; draining what the
    /// client still sends until it closes, for at most [`LINGER`] and
    /// [`LINGER_BYTES`].
    Linger { drained: usize },
}

struct Conn {
    stream: TcpStream,
    phase: Phase,
    /// Bytes read and not yet taken by a head or a body.
    buf: Vec<u8>,
    /// How much of `buf` was looked at for the end of a head.
    scanned: usize,
    /// Bytes to write, and how many are written.
    out: Vec<u8>,
    written: usize,
    deadline: Option<Instant>,
    /// Registered for writability too (a write would block).
    writable: bool,
    /// Over the connection limit: answered 503 and closed.
    refused: bool,
    /// Body bytes held from the budget.
    reserved: usize,
}

/// What the loop does with a connection after it advanced. (A step lives
/// on the stack for a moment: boxing its request would cost an allocation
/// per request for nothing.)
#[allow(clippy::large_enum_variant)]
enum Step {
    /// Wait for readiness or the deadline.
    Wait,
    /// Hand work to the workers.
    Dispatch(Work),
    /// Close it now.
    Close,
}

pub(super) struct Reactor {
    pub(super) poll: Poll,
    pub(super) listener: TcpListener,
    pub(super) limits: ServerLimits,
    pub(super) jobs: Sender<Job>,
    pub(super) done: Receiver<Done>,
    pub(super) stop: Arc<AtomicBool>,
}

/// The loop's state.
struct Loop {
    poll: Poll,
    listener: TcpListener,
    limits: ServerLimits,
    jobs: Sender<Job>,
    done: Receiver<Done>,
    conns: BTreeMap<usize, Conn>,
    next_id: usize,
    /// Connections counted against the limit.
    served: usize,
    /// Connections being refused.
    refusing: usize,
    /// Body bytes that may still be taken in: bodies being read or
    /// answered hold their declared length.
    budget: usize,
    next_sweep: Option<Instant>,
    accept_again: Option<Instant>,
}

impl Reactor {
    /// Serves until `stop` is set and the waker woken; then closes the
    /// listener and every connection.
    pub(super) fn run(self) {
        let Reactor {
            poll,
            listener,
            limits,
            jobs,
            done,
            stop,
        } = self;
        let mut state = Loop {
            poll,
            listener,
            limits,
            jobs,
            done,
            conns: BTreeMap::new(),
            next_id: 0,
            served: 0,
            refusing: 0,
            budget: body_budget(&limits),
            next_sweep: None,
            accept_again: None,
        };
        let mut events = Events::with_capacity(1024);
        while !stop.load(Ordering::SeqCst) {
            let now = Instant::now();
            let timeout = [state.next_sweep, state.accept_again]
                .into_iter()
                .flatten()
                .min()
                .map(|t| t.saturating_duration_since(now) + Duration::from_millis(1));
            if let Err(e) = state.poll.poll(&mut events, timeout) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                // The poller itself failed: nothing can be served.
                break;
            }
            if stop.load(Ordering::SeqCst) {
                break;
            }
            for event in events.iter() {
                match event.token() {
                    LISTENER => state.accept(),
                    WAKER => {}
                    Token(id) => state.drive(id),
                }
            }
            state.collect_done();
            let now = Instant::now();
            if state.accept_again.is_some_and(|t| t <= now) {
                state.accept_again = None;
                state.accept();
            }
            if state.next_sweep.is_some_and(|t| t <= now) {
                state.sweep(now);
            }
        }
    }
}

/// Body bytes held at once: four of the largest bodies (and at least one).
fn body_budget(limits: &ServerLimits) -> usize {
    limits.max_body_bytes.saturating_mul(4)
}

impl Loop {
    fn accept(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => self.admit(stream),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                    ) => {}
                Err(_) => {
                    // Out of file descriptors, or memory: the pending
                    // connections wait in the backlog; try again soon (the
                    // listener will not be reported ready again for them).
                    self.accept_again = Some(Instant::now() + ACCEPT_RETRY);
                    return;
                }
            }
        }
    }

    fn admit(&mut self, mut stream: TcpStream) {
        let refused = self.served >= self.limits.max_connections;
        if refused && self.refusing >= MAX_REFUSING {
            return;
        }
        // Answers go out at once, not held back 40 ms by Nagle's algorithm
        // waiting for the client's delayed ACK.
        let _ = stream.set_nodelay(true);
        let id = self.next_id;
        self.next_id = (self.next_id + 1) % WAKER.0;
        if self.conns.contains_key(&id)
            || self
                .poll
                .registry()
                .register(&mut stream, Token(id), Interest::READABLE)
                .is_err()
        {
            return;
        }
        let now = Instant::now();
        let mut conn = Conn {
            stream,
            phase: Phase::Idle,
            buf: Vec::new(),
            scanned: 0,
            out: Vec::new(),
            written: 0,
            deadline: Some(now + self.limits.idle_timeout),
            writable: false,
            refused,
            reserved: 0,
        };
        if refused {
            self.refusing += 1;
            conn.phase = Phase::Busy;
            conn.deadline = None;
            self.conns.insert(id, conn);
            // Nothing of the request was read: no method or path to log.
            let refusal = Refusal {
                method: Method::GET,
                path: String::new(),
                fail: parse::unavailable(),
            };
            self.dispatch(id, Work::Refusal(refusal));
        } else {
            self.served += 1;
            self.conns.insert(id, conn);
            self.drive(id);
        }
    }

    fn dispatch(&mut self, id: usize, work: Work) {
        if self.jobs.send(Job { id, work }).is_err() {
            // The workers are gone: the server is stopping.
            self.close(id);
        }
    }

    fn close(&mut self, id: usize) {
        if let Some(mut conn) = self.conns.remove(&id) {
            let _ = self.poll.registry().deregister(&mut conn.stream);
            if conn.refused {
                self.refusing -= 1;
            } else {
                self.served -= 1;
            }
            self.budget += conn.reserved;
        }
    }

    /// Moves a connection on as far as it goes without blocking.
    fn drive(&mut self, id: usize) {
        let now = Instant::now();
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        match conn.advance(&self.limits, &mut self.budget, now) {
            Step::Wait => {
                let writable = matches!(conn.phase, Phase::Writing { .. });
                if writable != conn.writable {
                    let interest = if writable {
                        Interest::READABLE | Interest::WRITABLE
                    } else {
                        Interest::READABLE
                    };
                    if self
                        .poll
                        .registry()
                        .reregister(&mut conn.stream, Token(id), interest)
                        .is_err()
                    {
                        self.close(id);
                        return;
                    }
                    conn.writable = writable;
                }
                if let Some(deadline) = conn.deadline {
                    self.next_sweep = Some(self.next_sweep.map_or(deadline, |t| t.min(deadline)));
                }
            }
            Step::Dispatch(work) => self.dispatch(id, work),
            Step::Close => self.close(id),
        }
    }

    /// Takes the workers' answers and writes them.
    fn collect_done(&mut self) {
        while let Ok(done) = self.done.try_recv() {
            let Some(conn) = self.conns.get_mut(&done.id) else {
                continue;
            };
            self.budget += std::mem::take(&mut conn.reserved);
            if conn.out.is_empty() {
                conn.out = done.bytes;
                conn.written = 0;
            } else {
                conn.out.extend_from_slice(&done.bytes);
            }
            conn.phase = Phase::Writing { close: done.close };
            conn.deadline = Some(Instant::now() + self.limits.write_timeout);
            self.drive(done.id);
        }
    }

    /// Closes the connections past their deadline.
    fn sweep(&mut self, now: Instant) {
        let expired: Vec<usize> = self
            .conns
            .iter()
            .filter(|(_, c)| c.deadline.is_some_and(|d| d <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.close(id);
        }
        self.next_sweep = self.conns.values().filter_map(|c| c.deadline).min();
    }
}

impl Conn {
    fn advance(&mut self, limits: &ServerLimits, budget: &mut usize, now: Instant) -> Step {
        loop {
            match &mut self.phase {
                Phase::Busy => return Step::Wait,
                Phase::Writing { close } => {
                    let close = *close;
                    match self.flush() {
                        Ok(true) if close => {
                            let _ = self.stream.shutdown(Shutdown::Write);
                            self.phase = Phase::Linger { drained: 0 };
                            self.deadline = Some(now + LINGER);
                        }
                        Ok(true) => {
                            self.phase = Phase::Idle;
                            self.deadline = Some(now + limits.idle_timeout);
                        }
                        Ok(false) => return Step::Wait,
                        Err(_) => return Step::Close,
                    }
                }
                Phase::Linger { drained } => {
                    let mut scratch = [0u8; READ_CHUNK];
                    loop {
                        match self.stream.read(&mut scratch) {
                            Ok(0) => return Step::Close,
                            Ok(n) => {
                                *drained += n;
                                if *drained > LINGER_BYTES {
                                    return Step::Close;
                                }
                            }
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Wait,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(_) => return Step::Close,
                        }
                    }
                }
                Phase::Idle | Phase::Head => {
                    if !self.buf.is_empty() && matches!(self.phase, Phase::Idle) {
                        self.phase = Phase::Head;
                        self.deadline = Some(now + limits.header_timeout);
                    }
                    if !self.buf.is_empty()
                        && (parse::may_end_head(&self.buf, self.scanned)
                            || self.buf.len() > limits.max_head_bytes)
                    {
                        match parse::parse(&self.buf, limits) {
                            Parsed::Partial => {}
                            Parsed::Refused(refusal) => return self.refuse(refusal),
                            Parsed::Head(head) => match self.start(head, limits, budget, now) {
                                Some(step) => return step,
                                None => continue,
                            },
                        }
                    }
                    self.scanned = self.buf.len();
                    let mut scratch = [0u8; READ_CHUNK];
                    let room = (limits.max_head_bytes + 1)
                        .saturating_sub(self.buf.len())
                        .clamp(1, READ_CHUNK);
                    match self.stream.read(&mut scratch[..room]) {
                        Ok(0) => return Step::Close,
                        Ok(n) => {
                            if self.buf.is_empty() {
                                self.phase = Phase::Head;
                                self.deadline = Some(now + limits.header_timeout);
                            }
                            self.buf.extend_from_slice(&scratch[..n]);
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Wait,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => return Step::Close,
                    }
                }
                Phase::Body { head, body } => {
                    let want = head.content_length - body.len();
                    if want > 0 && !self.buf.is_empty() {
                        let take = want.min(self.buf.len());
                        body.extend_from_slice(&self.buf[..take]);
                        self.buf.drain(..take);
                        continue;
                    }
                    if want == 0 {
                        let Phase::Body { head, body } =
                            std::mem::replace(&mut self.phase, Phase::Busy)
                        else {
                            unreachable!("the phase was just matched")
                        };
                        return self.dispatch(head, body);
                    }
                    let start = body.len();
                    body.resize(start + want.min(4 * READ_CHUNK), 0);
                    let read = self.stream.read(&mut body[start..]);
                    body.truncate(start + read.as_ref().map_or(0, |n| *n));
                    match read {
                        Ok(0) => return Step::Close,
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Wait,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => return Step::Close,
                    }
                }
            }
        }
    }

    /// A head was read: reads its body next, or hands it over.
    fn start(
        &mut self,
        head: Box<Head>,
        limits: &ServerLimits,
        budget: &mut usize,
        now: Instant,
    ) -> Option<Step> {
        self.buf.drain(..head.len);
        self.scanned = 0;
        let length = head.content_length;
        if length == 0 {
            return Some(self.dispatch(head, Vec::new()));
        }
        if length > *budget {
            let refusal = Refusal {
                method: head.request.method().clone(),
                path: head.request.uri().path().to_owned(),
                fail: parse::unavailable(),
            };
            return Some(self.refuse(refusal));
        }
        *budget -= length;
        self.reserved = length;
        if head.expect_continue && self.buf.is_empty() {
            self.out.extend_from_slice(CONTINUE);
            // What does not go out now goes out before the answer; an
            // error shows on the next read.
            let _ = self.flush();
        }
        self.phase = Phase::Body {
            head,
            body: Vec::with_capacity(length),
        };
        self.deadline = Some(now + limits.body_timeout);
        None
    }

    fn dispatch(&mut self, head: Box<Head>, body: Vec<u8>) -> Step {
        let Head {
            mut request,
            keep_alive,
            ..
        } = *head;
        *request.body_mut() = body;
        let head_only = request.method() == Method::HEAD;
        self.phase = Phase::Busy;
        self.deadline = None;
        Step::Dispatch(Work::Request {
            request,
            head_only,
            close: !keep_alive,
        })
    }

    fn refuse(&mut self, refusal: Refusal) -> Step {
        self.buf = Vec::new();
        self.scanned = 0;
        self.phase = Phase::Busy;
        self.deadline = None;
        Step::Dispatch(Work::Refusal(refusal))
    }

    /// Writes what is pending: whether all of it went out.
    fn flush(&mut self) -> io::Result<bool> {
        while self.written < self.out.len() {
            match self.stream.write(&self.out[self.written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.out.capacity() > 4 * READ_CHUNK {
            self.out = Vec::new();
        } else {
            self.out.clear();
        }
        self.written = 0;
        Ok(true)
    }
}
