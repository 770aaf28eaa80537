//! A real `redis-server` for a test: started on a free loopback port in a
//! temporary directory, no persistence; stopped, and its directory removed,
//! when the value is dropped, and also when the test process dies without
//! dropping it (killed, aborted, or a value that is never dropped).
//!
//! The server runs under a small `sh` guard that holds the read end of a
//! pipe whose write end only this process has: when the pipe closes (on
//! drop, or when the kernel closes it because the process is gone), the
//! guard stops the server, waits for it and removes the directory. Nothing
//! of a test's server outlives the test process.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// The guard: makes the directory, starts the server, waits for its stdin
/// to close, then stops the server and removes the directory.
const GUARD: &str = r#"
dir=$1; shift
mkdir -p "$dir" || exit 1
redis-server "$@" --dir "$dir" </dev/null >/dev/null 2>&1 &
server=$!
cat >/dev/null
kill "$server" 2>/dev/null
wait "$server"
rm -rf "$dir"
"#;

pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    /// The guard process and the write end of its pipe.
    guard: Option<(Child, ChildStdin)>,
}

/// The prefix of every test server's temporary directory.
pub const DIR_PREFIX: &str = "sparkrtc-redis-";

impl RedisServer {
    /// Starts a server on a free port.
    pub fn start() -> RedisServer {
        assert!(
            Command::new("redis-server")
                .arg("--version")
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success()),
            "redis-server is not installed: install it (Debian: apt-get install redis-server), \
             or run the tests with .ci/test, which does"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("{DIR_PREFIX}{}-{port}", std::process::id()));
        let mut server = RedisServer {
            port,
            dir,
            guard: None,
        };
        server.restart();
        server
    }

    /// (Re)starts the server on its port.
    pub fn restart(&mut self) {
        self.stop();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(GUARD)
            .arg("sparkrtc-redis-guard")
            .arg(&self.dir)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .args(["--enable-debug-command", "yes"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh starts");
        let stdin = child.stdin.take().expect("the guard's stdin is piped");
        self.guard = Some((child, stdin));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.ping() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server and removes its directory (the port stays reserved
    /// for a restart). Returns when the server process has exited.
    pub fn stop(&mut self) {
        if let Some((mut child, stdin)) = self.guard.take() {
            drop(stdin); // the guard stops the server and waits for it
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The server's temporary directory (present only while it runs).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the server answers PING (over a raw socket).
    pub fn ping(&self) -> bool {
        self.command(b"PING\r\n")
            .is_some_and(|r| r.starts_with("+PONG"))
    }

    /// Sends an inline command and returns the first reply line.
    pub fn command(&self, inline: &[u8]) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        stream.write_all(inline).ok()?;
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).ok()?;
        Some(String::from_utf8_lossy(&buf[..n]).into_owned())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
