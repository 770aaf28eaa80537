//! The test server itself leaves nothing behind: dropped, it is stopped and
//! its directory removed; and a test process that dies without dropping it
//! (here: a child test process that exits with its server still held) does
//! not leave it running either.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::RedisServer;

/// Whether something answers on the port of `url`.
fn answers(url: &str) -> bool {
    let port: u16 = url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// Waits up to 5 s for `condition`.
fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

#[test]
fn a_dropped_server_is_stopped_and_its_directory_removed() {
    let server = RedisServer::start();
    let url = server.url();
    let dir = server.dir().to_path_buf();
    assert!(server.ping());
    assert!(dir.is_dir(), "{dir:?}");
    assert!(dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with(super::redis_server::DIR_PREFIX));
    drop(server);
    // Drop returns once the server has exited: nothing answers any more.
    assert!(!answers(&url), "{url} still answers after drop");
    assert!(!dir.exists(), "{dir:?} outlived its server");
}

#[test]
fn a_stopped_server_keeps_no_directory_and_a_restart_makes_it_again() {
    let mut server = RedisServer::start();
    server.stop();
    assert!(!server.ping());
    assert!(!server.dir().exists());
    server.restart();
    assert!(server.ping());
    assert!(server.dir().is_dir());
}

/// Run by the next test as a child process: starts a server, prints its URL
/// and directory, and exits at once without dropping it.
#[test]
#[ignore = "a child process of the fixture tests"]
fn fixture_worker_exits_holding_a_server() {
    if std::env::var_os("FIXTURE_WORKER").is_none() {
        return;
    }
    let server = RedisServer::start();
    println!("URL={}", server.url());
    println!("DIR={}", server.dir().display());
    // Neither drop nor unwind: as a static, or a process killed mid-test.
    std::process::exit(0);
}

#[test]
fn a_test_process_that_dies_holding_a_server_leaves_nothing_running() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "fixture::fixture_worker_exits_holding_a_server",
            "--ignored",
            "--nocapture",
        ])
        .env("FIXTURE_WORKER", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in the worker's output: {stdout}"))
            .to_string()
    };
    let (url, dir) = (line("URL="), line("DIR="));
    assert!(
        eventually(|| !answers(&url)),
        "the server of a dead test process still answers on {url}"
    );
    assert!(
        eventually(|| !std::path::Path::new(&dir).exists()),
        "the directory of a dead test process's server remains: {dir}"
    );
}
