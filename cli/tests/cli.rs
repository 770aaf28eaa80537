//! The `sparkrtc` command line end to end: the binary against a simulator
//! served on loopback by each test, or against nothing at all (`--dry-run`,
//! a closed port).

// Tests start processes, read files and the clock.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{json, Value};
use sparkrtc::simulator::{
    Simulator, SimulatorConfig, SimulatorServer, DEFAULT_ACCESS_KEY, DEFAULT_PROJECT_ID,
    DEFAULT_SECRET_KEY,
};
use sparkrtc::Secret;

const BIN: &str = env!("CARGO_BIN_EXE_sparkrtc");

/// A simulator on a free loopback port.
struct Sim {
    server: SimulatorServer,
    simulator: Simulator,
}

impl Sim {
    fn start() -> Sim {
        Sim::with(SimulatorConfig::default())
    }

    /// A simulator with fault rules (`MATCH:EFFECT[:PROBABILITY[:TIMES]]`).
    fn with_faults(rules: &[&str]) -> Sim {
        let config = rules
            .iter()
            .fold(SimulatorConfig::default(), |config, rule| {
                config.with_fault(rule.parse().unwrap())
            });
        Sim::with(config)
    }

    fn with(config: SimulatorConfig) -> Sim {
        let simulator = Simulator::new(config);
        let server = simulator.serve(("127.0.0.1", 0)).unwrap();
        Sim { server, simulator }
    }

    fn url(&self) -> String {
        self.server.url()
    }
}

/// A scratch directory with nothing in it: the config home of a test.
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The binary with a clean environment: no credentials, no endpoint, no
/// config file but the one a test writes under `home`.
fn bare(home: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear().env("XDG_CONFIG_HOME", home);
    cmd
}

/// The binary with the simulator's credentials in the environment.
fn cli(home: &Path, url: &str) -> Command {
    let mut cmd = bare(home);
    cmd.env("SPARKRTC_ENDPOINT", url)
        .env("HUAWEICLOUD_SDK_AK", DEFAULT_ACCESS_KEY)
        .env("HUAWEICLOUD_SDK_SK", DEFAULT_SECRET_KEY)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", DEFAULT_PROJECT_ID);
    cmd
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

fn json_of(cmd: &mut Command) -> Value {
    serde_json::from_str(&stdout_of(cmd)).unwrap()
}

fn lines_of(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Creates applications through the command line; their ids.
fn create_apps(home: &Path, url: &str, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|name| {
            let out = json_of(cli(home, url).args([
                "call",
                "CreateApp",
                "-p",
                &format!("body.app_name={name}"),
            ]));
            out["app_id"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

fn write_private(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn config_file(home: &Path) -> PathBuf {
    home.join("sparkrtc").join("config.toml")
}

// ------------------------------------------------------------- ops, describe

#[test]
fn ops_lists_every_operation_from_the_library_table() {
    let home = scratch();
    let ops = json_of(bare(home.path()).args(["ops", "-o", "json"]));
    let ops = ops.as_array().unwrap();
    assert_eq!(ops.len(), sparkrtc::OperationId::ALL.len());
    assert_eq!(ops.len(), 42);
    let show = ops.iter().find(|o| o["name"] == "ShowMixJob").unwrap();
    assert_eq!(show["method"], "GET");
    assert_eq!(show["path"], "/v2/apps/{app_id}/mix-stream-jobs/{job_id}");
    assert_eq!(
        show["rate_limit"],
        json!({"requests": 10, "window_seconds": 1.0})
    );
    let names: Vec<&str> = show["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["app_id", "job_id"]);
    // Required parameters first.
    let users = ops.iter().find(|o| o["name"] == "ListRtcUserList").unwrap();
    let required: Vec<bool> = users["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["required"].as_bool().unwrap())
        .collect();
    assert_eq!(required.iter().position(|r| !r), Some(1));
    assert!(required[1..].iter().all(|r| !r));

    // The default is a table (Markdown when not on a terminal), by category.
    let table = stdout_of(bare(home.path()).args(["ops", "--category", "obs_bucket_management"]));
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(
        rows[0].split('|').map(str::trim).collect::<Vec<_>>(),
        ["", "operation", "method", "path", "limit", "parameters", ""]
    );
    assert_eq!(rows.len(), 2 + 3, "{table}");
    assert!(
        rows[3].contains("| ListObsBucketObjects")
            && rows[3].contains("| 2/s ")
            && rows[3].contains("bucket type location [prefix]"),
        "{table}"
    );

    bare(home.path())
        .args(["ops", "--category", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("obs_bucket_management"));
    // JSON Lines: one operation a line.
    assert_eq!(
        lines_of(&stdout_of(bare(home.path()).args(["ops", "-o", "jsonl"]))).len(),
        42
    );
}

#[test]
fn describe_shows_every_parameter_and_an_example() {
    let home = scratch();
    let text = stdout_of(bare(home.path()).args(["describe", "CreateMixJob"]));
    assert!(text.starts_with("CreateMixJob: Start a mixed-stream (transcoding and recording) job.\n  POST /v2/apps/{app_id}/mix-stream-jobs\n  rate limit 10/s (mix_stream_job_management); safe to retry: no"), "{text}");
    assert!(text.contains("body (MixJobReq):\n  mix_param"), "{text}");
    assert!(
        text.contains("\n      zorder                         integer              optional\n"),
        "{text}"
    );
    assert!(text.contains("example:\n  sparkrtc call CreateMixJob -p app_id=APP_ID --json '{\"body\":{\"mix_param\":{\"encode_template\":\"ENCODE_TEMPLATE\",\"room_id\":\"ROOM_ID\"}}}'"), "{text}");

    let value = json_of(bare(home.path()).args(["describe", "ListApps", "-o", "json"]));
    assert_eq!(value["items"], "apps");
    assert_eq!(value["example"], "sparkrtc call ListApps");
    let limit = value["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["range"], "1..=100");
    assert_eq!(
        value["fields"][2],
        json!({"name": "limit", "required": false, "type": "integer"})
    );

    bare(home.path())
        .args(["describe", "ShowMixjob"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("sparkrtc: error: unknown operation `ShowMixjob`; did you mean `ShowMixJob`?\n");
    // A name users guess is an alias of the upstream one.
    bare(home.path())
        .args(["describe", "EnableApp"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("sparkrtc: error: unknown operation `EnableApp`; did you mean `StartApp`?\n");
    let text = stdout_of(bare(home.path()).args(["describe", "RemoveUsers"]));
    assert!(
        text.contains("\n  also found as: kick, KickUsers, KickUser, RemoveUser, expel\n"),
        "{text}"
    );
}

#[test]
fn ops_finds_operations_by_the_words_users_search_for() {
    let home = scratch();
    let names = |word: &str| -> Vec<String> {
        json_of(bare(home.path()).args(["ops", word, "-o", "json"]))
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names("enable"), ["StartApp"]);
    assert_eq!(names("KICK"), ["RemoveUsers"]);
    assert_eq!(names("layout"), ["UpdateMixJob"]);
    assert_eq!(
        names("mixjob"),
        ["CreateMixJob", "ShowMixJob", "UpdateMixJob", "StopMixJob"]
    );
    assert!(names("frobnicate").is_empty());
    let ops = json_of(bare(home.path()).args(["ops", "dismiss", "-o", "json"]));
    assert_eq!(
        ops[0]["aliases"],
        json!(["dismiss", "DismissRoom", "close", "CloseRoom", "DeleteRoom"])
    );
}

// ------------------------------------------------------------------- call

#[test]
fn call_prints_json_jsonl_and_tables_with_secrets_hidden() {
    let sim = Sim::start();
    let home = scratch();
    let (home, url) = (home.path(), sim.url());
    let ids = create_apps(home, &url, &["alpha", "beta"]);

    // Compact JSON when standard output is not a terminal.
    let out =
        stdout_of(cli(home, &url).args(["call", "ShowApp", "-p", &format!("app_id={}", ids[0])]));
    assert_eq!(out.lines().count(), 1);
    let app: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(app["app_name"], "alpha");
    assert_eq!(app["authentication"]["app_key"], "***");
    assert!(app["X-Request-Id"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
    let shown = json_of(cli(home, &url).args([
        "call",
        "ShowApp",
        "-p",
        &format!("app_id={}", ids[0]),
        "--show-secrets",
    ]));
    let key = shown["authentication"]["app_key"].as_str().unwrap();
    assert_eq!(key.len(), 32, "{key}");

    // JSON Lines: a list's items.
    let items = lines_of(&stdout_of(
        cli(home, &url).args(["call", "ListApps", "-o", "jsonl"]),
    ));
    let names: Vec<&str> = items
        .iter()
        .map(|i| i["app_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alpha", "beta"]);
    assert!(items
        .iter()
        .all(|i| i["authentication"]["app_key"] == "***"));

    // A table of the items, with chosen columns too.
    let table = stdout_of(cli(home, &url).args([
        "call",
        "ListApps",
        "-o",
        "table",
        "--columns",
        "app_name,state.state",
    ]));
    assert_eq!(
        table,
        "| app_name | state.state |\n|----------|-------------|\n| alpha    | ACTIVATION  |\n| beta     | ACTIVATION  |\n"
    );
    let table = stdout_of(cli(home, &url).args(["call", "ListApps", "-o", "table"]));
    assert!(table.starts_with("| app_id "), "{table}");
    assert!(
        table.contains("| state.state |") && !table.contains(key),
        "{table}"
    );
    // An object's fields.
    let table = stdout_of(cli(home, &url).args([
        "call",
        "ShowApp",
        "-p",
        &format!("app_id={}", ids[1]),
        "-o",
        "table",
    ]));
    assert!(table.starts_with("| field "), "{table}");
    assert!(table.contains("| app_name         | beta "), "{table}");
    assert!(!table.contains(key));

    // Parameters from --json, a file, standard input; --param over them.
    let file = home.join("params.json");
    std::fs::write(&file, json!({"app_id": ids[1]}).to_string()).unwrap();
    for source in [
        format!("@{}", file.display()),
        "-".to_owned(),
        json!({"app_id": "x"}).to_string(),
    ] {
        let mut cmd = cli(home, &url);
        cmd.args(["call", "ShowApp", "--json", &source]);
        if source.starts_with('{') {
            cmd.args(["-p", &format!("app_id={}", ids[1])]);
        }
        cmd.write_stdin(json!({"app_id": ids[1]}).to_string());
        assert_eq!(json_of(&mut cmd)["app_name"], "beta", "{source}");
    }

    // --verbose: the attempt, the status and the request id on stderr.
    let assert = cli(home, &url)
        .args(["call", "ShowApp", "-v", "-p", &format!("app_id={}", ids[0])])
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(&format!(
            "sparkrtc: GET {url}/v2/apps/{} -> 200 OK request id ",
            ids[0]
        )),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("sparkrtc: ShowApp: HTTP 200 OK, request id "),
        "{stderr}"
    );
    assert!(!stderr.contains(DEFAULT_SECRET_KEY));
}

#[test]
fn all_pages_streams_every_item_over_several_pages() {
    let sim = Sim::start();
    let home = scratch();
    let (home, url) = (home.path(), sim.url());
    let ids = create_apps(home, &url, &["a1", "a2", "a3"]);
    let assert = cli(home, &url)
        .args(["call", "ListApps", "-p", "limit=1", "--all-pages"])
        .assert()
        .success()
        // No progress bar when standard error is not a terminal.
        .stderr("");
    let items = lines_of(&String::from_utf8(assert.get_output().stdout.clone()).unwrap());
    let got: Vec<&str> = items
        .iter()
        .map(|i| i["app_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());

    // --verbose shows each page's request.
    let assert = cli(home, &url)
        .args(["call", "ListApps", "-p", "limit=2", "--all-pages", "-v"])
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with(&format!("sparkrtc: GET {url}/v2/apps?limit=2 -> 200 OK")),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "sparkrtc: GET {url}/v2/apps?limit=2&offset=1 -> 200 OK"
        )),
        "{stderr}"
    );
    assert_eq!(lines[2], "sparkrtc: ListApps: 2 pages, 3 items");
    assert_eq!(lines.len(), 3);

    // As a table: all the items in one.
    let table = stdout_of(cli(home, &url).args([
        "call",
        "ListApps",
        "-p",
        "limit=1",
        "--all-pages",
        "-o",
        "table",
        "--columns",
        "app_name",
    ]));
    assert_eq!(
        table,
        "| app_name |\n|----------|\n| a1       |\n| a2       |\n| a3       |\n"
    );

    // Only list operations page.
    cli(home, &url)
        .args(["call", "ShowApp", "-p", "app_id=x", "--all-pages"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("sparkrtc: error: ShowApp is not a list operation that pages: --all-pages applies to ListApps, ListRecordRules,"));
}

/// Runs `command` on a pseudo-terminal (util-linux `script`): what a person sees.
fn on_terminal(command: &str) -> String {
    let out = std::process::Command::new("script")
        .args(["-qefc", command, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn on_a_terminal_json_is_pretty_and_paging_shows_progress() {
    let sim = Sim::start();
    let home = scratch();
    let (home, url) = (home.path(), sim.url());
    create_apps(home, &url, &["t1", "t2", "t3"]);
    let env = format!(
        "env -i TERM=xterm XDG_CONFIG_HOME={} SPARKRTC_ENDPOINT={url} HUAWEICLOUD_SDK_AK={DEFAULT_ACCESS_KEY} HUAWEICLOUD_SDK_SK={DEFAULT_SECRET_KEY} {BIN}",
        home.display()
    );
    let screen = on_terminal(&format!("{env} call ListApps -p limit=1"));
    assert!(screen.contains("{\r\n  \"X-Request-Id\": "), "{screen:?}");
    let screen = on_terminal(&format!("{env} call ListApps -p limit=1 --all-pages"));
    assert!(screen.contains("ListApps: "), "{screen:?}");
    assert!(screen.contains(" pages, "), "{screen:?}");
    assert_eq!(screen.matches("\"app_name\":\"t").count(), 3, "{screen:?}");
}

#[test]
fn ctrl_c_during_all_pages_stops_with_every_printed_line_whole() {
    let sim = Sim::start();
    let home = scratch();
    let (home, url) = (home.path(), sim.url());
    let app = create_apps(home, &url, &["users"]).remove(0);
    // Forty users in a room, listed one per page: the documented limit of
    // the statistical category (30 a minute) makes the 31st page wait.
    let users: Vec<String> = (0..40).map(|i| format!("user-{i:02}")).collect();
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    sim.simulator.join(&app, "room-1", &users).unwrap();
    let mut child = Running(
        std::process::Command::new(BIN)
            .env_clear()
            .env("XDG_CONFIG_HOME", home)
            .env("SPARKRTC_ENDPOINT", &url)
            .env("HUAWEICLOUD_SDK_AK", DEFAULT_ACCESS_KEY)
            .env("HUAWEICLOUD_SDK_SK", DEFAULT_SECRET_KEY)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", DEFAULT_PROJECT_ID)
            .args([
                "call",
                "ListRtcUserList",
                "-p",
                &format!("app={app}"),
                "-p",
                "limit=1",
                "--all-pages",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    while lines.len() < 30 {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "ended after {} lines",
            lines.len()
        );
        lines.push(line);
    }
    // The 31st page waits for the throttle; interrupt it.
    std::thread::sleep(Duration::from_millis(300));
    let interrupted = Instant::now();
    interrupt(&child);
    let code = wait_for(&mut child, Duration::from_secs(10));
    assert!(
        interrupted.elapsed() < Duration::from_secs(5),
        "stopped at once, not after the wait"
    );
    assert_eq!(code, Some(130));
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "nothing after the interruption");
    let mut seen: Vec<String> = lines
        .iter()
        .map(|line| {
            let user: Value = serde_json::from_str(line).unwrap();
            user["uid"].as_str().unwrap().to_owned()
        })
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 30, "thirty different users, each line whole");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(
        stderr,
        "sparkrtc: error: interrupted after 30 pages, 30 items\n"
    );
}

/// Ctrl-C: SIGINT to the process.
fn interrupt(child: &Child) {
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
}

/// A child process that is killed if the test ends before it does.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl std::ops::Deref for Running {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

fn wait_for(child: &mut Child, limit: Duration) -> Option<i32> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

// ---------------------------------------------------------------- dry run

#[test]
fn dry_run_prints_the_signed_request_and_sends_nothing() {
    let home = scratch();
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}");
    let auth_key = "SENTINEL-AUTH-KEY-0123456789abcd";
    let value = json_of(cli(home.path(), &url).args([
        "call",
        "UpdateRecordCallback",
        "-p",
        "app_id=app-1",
        "-p",
        "body.url=https://example.com/cb",
        "-p",
        &format!("body.auth_key={auth_key}"),
        "--dry-run",
    ]));
    assert_eq!(value["method"], "PUT");
    assert_eq!(value["url"], format!("{url}/v2/apps/app-1/record-callback"));
    assert_eq!(
        value["body"],
        json!({"url": "https://example.com/cb", "auth_key": "***"})
    );
    let headers = &value["headers"];
    assert_eq!(headers["x-project-id"], DEFAULT_PROJECT_ID);
    assert_eq!(headers["host"], format!("127.0.0.1:{port}"));
    assert!(headers["x-sdk-date"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        headers["authorization"],
        format!("SDK-HMAC-SHA256 Access={DEFAULT_ACCESS_KEY}, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature=***")
    );
    let text = value.to_string();
    assert!(!text.contains(auth_key) && !text.contains(DEFAULT_SECRET_KEY));

    // As text; with temporary credentials the token is hidden too.
    let token = home.path().join("token");
    std::fs::write(&token, "SENTINEL-TOKEN\n").unwrap();
    let text = stdout_of(cli(home.path(), &url).args([
        "call",
        "ListApps",
        "-p",
        "limit=5",
        "--dry-run",
        "-o",
        "table",
        "--security-token-file",
        token.to_str().unwrap(),
    ]));
    assert!(
        text.starts_with(&format!("GET {url}/v2/apps?limit=5\n")),
        "{text}"
    );
    assert!(text.contains("\nx-security-token: ***\n"), "{text}");
    assert!(text.contains(", Signature=***\n"), "{text}");
    assert!(
        !text.contains("SENTINEL") && !text.contains(DEFAULT_SECRET_KEY),
        "{text}"
    );

    // Without credentials: shown unsigned, and said so.
    bare(home.path())
        .args([
            "call",
            "ShowApp",
            "-p",
            "app_id=a",
            "--dry-run",
            "--project-id",
            "p1",
        ])
        .assert()
        .success()
        .stderr("sparkrtc: no credentials: the request is shown unsigned\n")
        .stdout(predicate::str::contains(
            "\"url\":\"https://rtc-api.myhuaweicloud.com/v2/apps/a\"",
        ))
        .stdout(predicate::str::contains("\"x-project-id\":\"p1\""))
        .stdout(predicate::str::contains("authorization").not());
}

// ------------------------------------------------------------- exit codes

#[test]
fn bad_usage_exits_2_with_the_name_meant() {
    let home = scratch();
    let url = format!("http://127.0.0.1:{}", closed_port());
    cli(home.path(), &url)
        .args(["call", "ShowMixjob"])
        .assert()
        .code(2)
        .stderr("sparkrtc: error: unknown operation `ShowMixjob`; did you mean `ShowMixJob`?\n");
    cli(home.path(), &url)
        .args(["call", "ShowApp", "-p", "appid=a"])
        .assert()
        .code(2)
        .stderr("sparkrtc: error: invalid parameter `appid` of ShowApp: unknown parameter; did you mean `app_id`?\n");
    cli(home.path(), &url)
        .args(["call", "CreateMixJob", "-p", "app_id=a", "--json", r#"{"body":{"mix_param":{"room_id":"r","encode_template":"audio_only","max_idel_time":5}}}"#])
        .assert()
        .code(2)
        .stderr("sparkrtc: error: invalid parameter `body.mix_param.max_idel_time` of CreateMixJob: unknown parameter; did you mean `max_idle_time`?\n");
    cli(home.path(), &url)
        .args(["call", "ListApps", "-p", "limit=500"])
        .assert()
        .code(2)
        .stderr("sparkrtc: error: invalid parameter `limit` of ListApps: must be within 1..=100, got 500\n");
    cli(home.path(), &url)
        .args(["call", "ListApps", "--bogus"])
        .assert()
        .code(2);
    cli(home.path(), &url)
        .args(["call", "ListApps", "--json", "{"])
        .assert()
        .code(2);
    // The statistical paths need a project id.
    cli(home.path(), &url)
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .args(["call", "ListRtcUserList", "-p", "app=a", "--no-retry"])
        .assert()
        .code(2)
        .stderr(
            "sparkrtc: error: invalid parameter `project_id` of ListRtcUserList: is required by this \
             statistical-analysis path: set it with Endpoint::with_project_id (on the command line: \
             --project-id, HUAWEICLOUD_SDK_PROJECT_ID or the profile's project_id)\n",
        );
    // No credentials.
    bare(home.path())
        .args(["call", "ListApps"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "sparkrtc: error: no credentials: set HUAWEICLOUD_SDK_AK",
        ));
    // --help documents the codes.
    bare(home.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:\n  0    success\n"))
        .stdout(predicate::str::contains("  4    throttled: HTTP 429"));
}

#[test]
fn a_service_error_exits_3_with_its_code_and_request_id() {
    let sim = Sim::start();
    let home = scratch();
    let assert = cli(home.path(), &sim.url())
        .args(["call", "ShowApp", "-p", "app_id=nope"])
        .assert()
        .code(3)
        .stdout("");
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("sparkrtc: error: SparkRTC API error: HTTP 404 RTC.00001003: "),
        "{stderr}"
    );
    assert!(stderr.contains(" (request id "), "{stderr}");
    // --verbose says more, never a debug dump.
    let assert = cli(home.path(), &sim.url())
        .args(["call", "ShowApp", "-p", "app_id=nope", "-v"])
        .assert()
        .code(3);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("\n  exit code 3 (service error)\n  HTTP status 404 Not Found\n  error code RTC.00001003\n  request id "), "{stderr}");
    assert!(
        !stderr.contains("Api(") && !stderr.contains("ApiError {"),
        "{stderr}"
    );
}

#[test]
fn a_5xx_is_a_service_error_too() {
    let sim = Sim::with_faults(&["ListApps:503,code=RTC.00002001,msg=busy"]);
    let home = scratch();
    cli(home.path(), &sim.url())
        .args(["call", "ListApps", "--no-retry"])
        .assert()
        .code(3)
        .stderr(predicate::str::starts_with(
            "sparkrtc: error: SparkRTC API error: HTTP 503 RTC.00002001: busy (request id ",
        ));
}

#[test]
fn throttled_exits_4() {
    let sim = Sim::with_faults(&["obs_bucket_management:429,retry-after=1:1:1"]);
    let home = scratch();
    let assert = cli(home.path(), &sim.url())
        .args(["call", "ListObsBuckets", "--no-retry"])
        .assert()
        .code(4)
        .stdout("");
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with("sparkrtc: error: SparkRTC API error: HTTP 429 APIG.0308"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
    // By default a 429 is waited out (Retry-After) and the call tried again.
    let sim = Sim::with_faults(&["ListObsBuckets:429,retry-after=1:1:1"]);
    let started = Instant::now();
    let assert = cli(home.path(), &sim.url())
        .args(["call", "ListObsBuckets", "-v"])
        .assert()
        .success();
    assert!(started.elapsed() >= Duration::from_secs(1));
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(
        lines[0].contains(" -> 429 Too Many Requests request id "),
        "{stderr}"
    );
    assert!(lines[1].contains(" -> 200 OK request id "), "{stderr}");
    // Throttle waits beyond the deadline are throttling too.
    let sim = Sim::with_faults(&["ListObsBuckets:429,retry-after=60"]);
    cli(home.path(), &sim.url())
        .args(["call", "ListObsBuckets", "--deadline", "2s", "-v"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "\n  exit code 4 (throttled)\n  HTTP status 429 Too Many Requests\n  error code APIG.0308\n  request id ",
        ))
        .stderr(predicate::str::contains(
            "sparkrtc: error: deadline of 2s exceeded after 1 attempt(s); last error: SparkRTC API error: HTTP 429",
        ));
}

#[test]
fn a_transport_failure_exits_5() {
    let home = scratch();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let assert = cli(home.path(), &url)
        .args(["call", "ListApps", "--no-retry", "-v"])
        .assert()
        .code(5)
        .stdout("");
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("sparkrtc: error: transport: not sent: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("  exit code 5 (transport failure)\n  the request was not sent\n"),
        "{stderr}"
    );
    // With retries it tries again, then fails the same way.
    cli(home.path(), &url)
        .args(["call", "ListApps", "--retries", "1"])
        .assert()
        .code(5);
    // A connection closed before the answer: the request may have arrived.
    let sim = Sim::with_faults(&["ListApps:close"]);
    let assert = cli(home.path(), &sim.url())
        .args(["call", "ListApps", "--no-retry", "-v"])
        .assert()
        .code(5);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("sparkrtc: error: transport: failed after sending: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n  the request may have reached the service\n"),
        "{stderr}"
    );
}

// ----------------------------------------------------- profiles, configure

#[test]
fn settings_come_from_flags_then_the_environment_then_the_profile() {
    let home = scratch();
    let home = home.path();
    write_private(
        &config_file(home),
        "[profiles.default]\nendpoint = \"http://profile.invalid:1\"\nak = \"PROFILE-AK\"\nsk = \"PROFILE-SK\"\nproject_id = \"profile-project\"\n\n\
         [profiles.other]\nendpoint = \"http://other.invalid:2\"\nak = \"OTHER-AK\"\nsk = \"OTHER-SK\"\n",
        0o600,
    );
    let dry = |cmd: &mut Command, flags: &[&str]| -> (String, String, String) {
        let v = json_of(cmd.args(["call", "ListApps", "--dry-run"]).args(flags));
        let auth = v["headers"]["authorization"].as_str().unwrap().to_owned();
        let access = auth
            .split("Access=")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_owned();
        let project = v["headers"]["x-project-id"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        (v["url"].as_str().unwrap().to_owned(), access, project)
    };
    // The profile alone.
    assert_eq!(
        dry(&mut bare(home), &[]),
        (
            "http://profile.invalid:1/v2/apps".into(),
            "PROFILE-AK".into(),
            "profile-project".into()
        )
    );
    // A named profile (flag or environment).
    assert_eq!(dry(&mut bare(home), &["--profile", "other"]).1, "OTHER-AK");
    assert_eq!(
        dry(bare(home).env("SPARKRTC_PROFILE", "other"), &[]).1,
        "OTHER-AK"
    );
    // The environment over the profile.
    let mut env = bare(home);
    env.env("SPARKRTC_ENDPOINT", "http://env.invalid:3")
        .env("HUAWEICLOUD_SDK_AK", "ENV-AK")
        .env("HUAWEICLOUD_SDK_SK", "ENV-SK");
    assert_eq!(
        dry(&mut env, &[]),
        (
            "http://env.invalid:3/v2/apps".into(),
            "ENV-AK".into(),
            "profile-project".into()
        )
    );
    // Flags over both.
    let sk = home.join("sk");
    std::fs::write(&sk, "FLAG-SK\n").unwrap();
    let mut env = bare(home);
    env.env("SPARKRTC_ENDPOINT", "http://env.invalid:3")
        .env("HUAWEICLOUD_SDK_AK", "ENV-AK");
    let flags = [
        "--endpoint",
        "http://flag.invalid:4",
        "--ak",
        "FLAG-AK",
        "--sk-file",
        sk.to_str().unwrap(),
        "--project-id",
        "flag-project",
    ];
    assert_eq!(
        dry(&mut env, &flags),
        (
            "http://flag.invalid:4/v2/apps".into(),
            "FLAG-AK".into(),
            "flag-project".into()
        )
    );
    // Which SK signed: the environment's over the profile's (the simulator checks it).
    let sim = Sim::start();
    bare(home)
        .env("SPARKRTC_ENDPOINT", sim.url())
        .args(["call", "ListApps"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("HTTP 401"));
    bare(home)
        .env("SPARKRTC_ENDPOINT", sim.url())
        .env("HUAWEICLOUD_SDK_AK", DEFAULT_ACCESS_KEY)
        .env("HUAWEICLOUD_SDK_SK", DEFAULT_SECRET_KEY)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", DEFAULT_PROJECT_ID)
        .args(["call", "ListApps"])
        .assert()
        .success();
    // A profile that is not there.
    bare(home)
        .args(["call", "ListApps", "--profile", "missing"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no profile `missing` in "));
    // A secret is never a flag value.
    bare(home)
        .args(["call", "ListApps", "--sk", "x"])
        .assert()
        .code(2);
    // Another file, named.
    let other = home.join("other.toml");
    write_private(
        &other,
        "[profiles.default]\nak = \"FILE-AK\"\nsk = \"FILE-SK\"\n",
        0o600,
    );
    assert_eq!(
        dry(bare(home).env("SPARKRTC_CONFIG", &other), &[]).1,
        "FILE-AK"
    );
    assert_eq!(
        dry(&mut bare(home), &["--config", other.to_str().unwrap()]).1,
        "FILE-AK"
    );
    bare(home)
        .args(["call", "ListApps", "--config", "/nonexistent/config.toml"])
        .assert()
        .code(2)
        .stderr("sparkrtc: error: no config file at /nonexistent/config.toml (--config or SPARKRTC_CONFIG)\n");
}

#[test]
fn a_config_file_others_can_read_is_refused() {
    let home = scratch();
    let file = config_file(home.path());
    write_private(
        &file,
        "[profiles.default]\nak = \"AK\"\nsk = \"SECRET-IN-FILE\"\n",
        0o644,
    );
    bare(home.path())
        .args(["call", "ListApps", "--dry-run"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "sparkrtc: error: refusing to use {}: other users can access it (mode 644) and it may hold secret keys; run `chmod 600 {}`\n",
            file.display(),
            file.display()
        ));
    // Commands that need no credentials do not read it.
    bare(home.path()).args(["ops"]).assert().success();
}

#[test]
fn configure_writes_a_private_profile_without_echoing_the_secret() {
    use std::os::unix::fs::PermissionsExt;
    let sim = Sim::start();
    let home = scratch();
    let home = home.path();
    let assert = bare(home)
        .args([
            "configure",
            "--profile",
            "sim",
            "--endpoint",
            &sim.url(),
            "--ak",
            DEFAULT_ACCESS_KEY,
            "--project-id",
            DEFAULT_PROJECT_ID,
            "--sk-file",
            "-",
        ])
        .write_stdin(format!("{DEFAULT_SECRET_KEY}\n"))
        .assert()
        .success()
        .stdout("");
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let file = config_file(home);
    assert_eq!(
        stderr,
        format!(
            "sparkrtc: profile `sim` in {}: set endpoint, ak, project_id, sk\n",
            file.display()
        )
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = std::fs::metadata(file.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    // The profile works on its own.
    bare(home)
        .args(["--profile", "sim", "call", "ListObsBuckets"])
        .assert()
        .success();
    // A second profile keeps the first, and the file's comments.
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("# my profiles\n{text}")).unwrap();
    bare(home)
        .args(["configure", "--ak", "OTHER"])
        .assert()
        .success();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("# my profiles\n[profiles.sim]\n"),
        "{text}"
    );
    assert!(
        text.contains("[profiles.default]\nak = \"OTHER\"\n"),
        "{text}"
    );
    // Only the SK changes; the rest stays.
    bare(home)
        .args(["configure", "--profile", "sim", "--sk-file", "-"])
        .write_stdin("NEW-SK")
        .assert()
        .success();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains(&format!("ak = \"{DEFAULT_ACCESS_KEY}\""))
            && text.contains("sk = \"NEW-SK\""),
        "{text}"
    );
    bare(home)
        .args(["configure", "--endpoint", "ftp://x"])
        .assert()
        .code(2);
}

#[test]
fn configure_asks_for_the_secret_key_on_a_terminal_without_echoing_it() {
    let home = scratch();
    let command = format!(
        "env -i XDG_CONFIG_HOME={} {BIN} configure --ak TYPED-AK",
        home.path().display()
    );
    // Typed a second after start, once the prompt has turned echo off.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "(sleep 1; printf 'SENTINEL-TYPED\\n') | script -qefc '{command}' /dev/null"
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(
        screen.contains("SK for profile `default` (not shown; empty keeps the current one): "),
        "{screen:?}"
    );
    assert!(!screen.contains("SENTINEL"), "{screen:?}");
    let text = std::fs::read_to_string(config_file(home.path())).unwrap();
    assert_eq!(
        text,
        "[profiles.default]\nak = \"TYPED-AK\"\nsk = \"SENTINEL-TYPED\"\n"
    );
}

// --------------------------------------------------- join-sign, callbacks

#[test]
fn join_sign_prints_a_signature_that_verifies() {
    let home = scratch();
    let key = "0123456789abcdef0123456789abcdef";
    let value = json_of(bare(home.path()).env("APP_KEY", key).args([
        "join-sign",
        "--app-id",
        "app-1",
        "--room-id",
        "room-1",
        "--user-id",
        "alice",
        "--app-key-env",
        "APP_KEY",
        "--valid-for",
        "30m",
    ]));
    let signature = value["signature"].as_str().unwrap();
    let ctime = value["ctime"].as_u64().unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((now + 1790..=now + 1810).contains(&ctime), "{ctime}");
    sparkrtc::join::verify(
        "app-1",
        "room-1",
        "alice",
        &Secret::new(key),
        ctime,
        signature,
        SystemTime::now(),
    )
    .unwrap();
    assert!(!value.to_string().contains(key));
    bare(home.path())
        .args([
            "join-sign",
            "--app-id",
            "a",
            "--room-id",
            "r",
            "--user-id",
            "u",
            "--app-key-env",
            "UNSET",
        ])
        .assert()
        .code(2)
        .stderr("sparkrtc: error: the app key variable UNSET is not set\n");
    bare(home.path())
        .env("APP_KEY", key)
        .args([
            "join-sign",
            "--app-id",
            "a",
            "--room-id",
            "r",
            "--user-id",
            "u",
            "--app-key-env",
            "APP_KEY",
            "--valid-for",
            "13h",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("under 12 hours"));
    // The key is never a flag value.
    bare(home.path())
        .args([
            "join-sign",
            "--app-id",
            "a",
            "--room-id",
            "r",
            "--user-id",
            "u",
            "--app-key",
            key,
        ])
        .assert()
        .code(2);
}

#[test]
fn callback_verify_prints_the_event_or_why_it_fails() {
    let home = scratch();
    let dir = home.path();
    let key = "0123456789abcdef0123456789abcdef";
    let body = br#"{"event_type":"RECORD_FILE_COMPLETE","job_id":"j-1","file_size":26254952,"record_format":"HLS"}"#;
    let headers =
        sparkrtc::callback::signed_headers(&Secret::new(key), "r4nd", "1700000000", body).unwrap();
    let mut capture =
        String::from("POST /callbacks HTTP/1.1\r\nContent-Type: application/json\r\n");
    for (name, value) in &headers {
        capture.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    capture.push_str("\r\n");
    std::fs::write(dir.join("headers.txt"), capture).unwrap();
    std::fs::write(dir.join("body.json"), body).unwrap();
    std::fs::write(
        dir.join("forged.json"),
        br#"{"event_type":"RECORD_FILE_COMPLETE","job_id":"j-2"}"#,
    )
    .unwrap();
    let verify = |body: &str, at: &str| {
        let mut cmd = bare(dir);
        cmd.current_dir(dir).env("AUTH_KEY", key).args([
            "callback",
            "verify",
            "--auth-key-env",
            "AUTH_KEY",
            "--headers",
            "headers.txt",
            "--body",
            body,
            "--at",
            at,
        ]);
        cmd
    };
    let event = json_of(&mut verify("body.json", "1700000030"));
    assert_eq!(
        event,
        json!({"event_type": "RECORD_FILE_COMPLETE", "job_id": "j-1", "file_size": 26254952, "record_format": "HLS"})
    );
    verify("forged.json", "1700000030")
        .assert()
        .code(6)
        .stdout("")
        .stderr("sparkrtc: error: callback rejected: the callback's signature does not match\n");
    verify("body.json", "1700001000")
        .assert()
        .code(6)
        .stderr("sparkrtc: error: callback rejected: the callback's timestamp is 1000s old, beyond the tolerance\n");
    // A wider tolerance accepts an old capture.
    verify("body.json", "1700001000")
        .args(["--tolerance", "1h"])
        .assert()
        .success();
    // An unsigned application refuses a signed callback.
    bare(dir)
        .current_dir(dir)
        .args([
            "callback",
            "verify",
            "--unsigned",
            "--headers",
            "headers.txt",
            "--body",
            "body.json",
            "--at",
            "1700000000",
        ])
        .assert()
        .code(6);
}

// ------------------------------------------------ simulator, completions

#[test]
fn the_simulator_command_serves_until_interrupted() {
    let home = scratch();
    let mut child = Running(
        std::process::Command::new(BIN)
            .args(["simulator", "--port", "0", "--seed", "7"])
            .env_clear()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("SparkRTC simulator listening on ")
        .unwrap()
        .to_owned();
    let mut banner = String::new();
    for _ in 0..7 {
        stdout.read_line(&mut banner).unwrap();
    }
    assert!(
        banner.contains(&format!("  SPARKRTC_ENDPOINT={url}\n")),
        "{banner}"
    );
    assert!(
        banner.contains(&format!("  HUAWEICLOUD_SDK_SK={DEFAULT_SECRET_KEY}\n")),
        "{banner}"
    );
    assert!(
        banner.contains("  seed 7, rate limits on, system clock, 0 fault rule(s)\n"),
        "{banner}"
    );
    assert!(banner.ends_with("Stop with Ctrl-C.\n"), "{banner}");
    let buckets = json_of(cli(home.path(), &url).args(["call", "ListObsBuckets"]));
    assert!(buckets["X-Request-Id"].is_string(), "{buckets}");
    interrupt(&child);
    assert_eq!(wait_for(&mut child, Duration::from_secs(10)), Some(0));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(stderr, "sparkrtc: simulator stopped\n");

    // Its own key pair: the SK from the environment, never printed.
    let mut child = Running(
        std::process::Command::new(BIN)
            .args([
                "simulator",
                "--port",
                "0",
                "--ak",
                "MY-AK",
                "--sk-env",
                "MY_SK",
            ])
            .env_clear()
            .env("MY_SK", "SENTINEL-SK")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    for _ in 0..7 {
        stdout.read_line(&mut banner).unwrap();
    }
    assert!(
        banner.contains(
            "  HUAWEICLOUD_SDK_AK=MY-AK\n  HUAWEICLOUD_SDK_SK=(the secret key you gave)\n"
        ),
        "{banner}"
    );
    assert!(!banner.contains("SENTINEL"));
    let url = banner
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    bare(home.path())
        .env("SPARKRTC_ENDPOINT", &url)
        .env("HUAWEICLOUD_SDK_AK", "MY-AK")
        .env("HUAWEICLOUD_SDK_SK", "SENTINEL-SK")
        .args(["call", "ListObsBuckets"])
        .assert()
        .success();
    interrupt(&child);
    assert_eq!(wait_for(&mut child, Duration::from_secs(10)), Some(0));
    // The SK is not a flag.
    bare(home.path())
        .args(["simulator", "--sk", "x"])
        .assert()
        .code(2);
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    let home = scratch();
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout_of(bare(home.path()).args(["completions", shell]));
        assert!(script.contains("sparkrtc"), "{shell}");
        assert!(script.contains("join-sign"), "{shell}");
        // Operation names complete too (fish's generator leaves positional values out).
        assert_eq!(script.contains("ShowMixJob"), shell != "fish", "{shell}");
    }
    bare(home.path())
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
    // A reader that went away (`| head`) ends it quietly: here the pipe's
    // reading end is closed before it starts, so every write fails.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(BIN)
        .args(["completions", "bash"])
        .env_clear()
        .env("RUST_BACKTRACE", "1")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(BIN)
        .args(["ops", "-o", "json"])
        .env_clear()
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
