//! Serves the SparkRTC simulator over HTTP, for any client to test against
//! offline (curl, the official SDKs, this crate's client with
//! `SPARKRTC_ENDPOINT`).
//!
//! ```text
//! sparkrtc-simulator [--host 127.0.0.1] [--port 8080] [--ak AK --sk SK]
//!                    [--project-id ID] [--seed N] [--no-rate-limits]
//! ```
//!
//! It prints the URL and the credentials to use, then serves until it is
//! interrupted or killed. Recording jobs POST their signed callback events
//! to the callback URL an application configures, when it is on loopback.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::process::ExitCode;

use sparkrtc::simulator::{
    Simulator, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_PROJECT_ID, DEFAULT_SECRET_KEY,
};

const USAGE: &str = "usage: sparkrtc-simulator [--host 127.0.0.1] [--port 8080] [--ak AK --sk SK] \
[--project-id ID] [--seed N] [--no-rate-limits]";

struct Args {
    host: String,
    port: u16,
    ak: String,
    sk: String,
    project_id: String,
    seed: u64,
    rate_limits: bool,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut out = Args {
        host: "127.0.0.1".into(),
        port: 8080,
        ak: DEFAULT_ACCESS_KEY.into(),
        sk: DEFAULT_SECRET_KEY.into(),
        project_id: DEFAULT_PROJECT_ID.into(),
        seed: 0,
        rate_limits: true,
    };
    let (mut ak, mut sk) = (None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--host" => out.host = value("--host")?,
            "--port" => {
                let v = value("--port")?;
                out.port = v
                    .parse()
                    .map_err(|_| format!("--port: `{v}` is not a port"))?;
            }
            "--ak" => ak = Some(value("--ak")?),
            "--sk" => sk = Some(value("--sk")?),
            "--project-id" => out.project_id = value("--project-id")?,
            "--seed" => {
                let v = value("--seed")?;
                out.seed = v
                    .parse()
                    .map_err(|_| format!("--seed: `{v}` is not a number"))?;
            }
            "--no-rate-limits" => out.rate_limits = false,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    match (ak, sk) {
        (Some(a), Some(s)) => {
            out.ak = a;
            out.sk = s;
        }
        (None, None) => {}
        _ => return Err("--ak and --sk go together".into()),
    }
    Ok(Some(out))
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("sparkrtc-simulator: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = SimulatorConfig::default()
        .with_credentials([(args.ak.clone(), args.sk.clone())])
        .with_project_id(args.project_id.clone())
        .with_seed(args.seed)
        .with_rate_limits(args.rate_limits);
    let sim = Simulator::new(config);
    let server = match sim.serve((args.host.as_str(), args.port)) {
        Ok(server) => server,
        Err(e) => {
            eprintln!(
                "sparkrtc-simulator: cannot listen on {}:{}: {e}",
                args.host, args.port
            );
            return ExitCode::FAILURE;
        }
    };
    println!("SparkRTC simulator listening on {}", server.url());
    println!("  SPARKRTC_ENDPOINT={}", server.url());
    println!("  HUAWEICLOUD_SDK_AK={}", args.ak);
    println!("  HUAWEICLOUD_SDK_SK={}", args.sk);
    println!("  HUAWEICLOUD_SDK_PROJECT_ID={}", args.project_id);
    println!(
        "  seed {}, rate limits {}",
        args.seed,
        if args.rate_limits { "on" } else { "off" }
    );
    println!("Stop with Ctrl-C.");
    // Serve until the process is interrupted or killed.
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Option<Args>, String> {
        parse(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_and_flags() {
        let a = args(&[]).unwrap().unwrap();
        assert_eq!(
            (a.host.as_str(), a.port, a.ak.as_str()),
            ("127.0.0.1", 8080, DEFAULT_ACCESS_KEY)
        );
        let a = args(&[
            "--port",
            "0",
            "--ak",
            "A",
            "--sk=S",
            "--seed",
            "9",
            "--no-rate-limits",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            (a.port, a.ak.as_str(), a.sk.as_str(), a.seed, a.rate_limits),
            (0, "A", "S", 9, false)
        );
        assert!(args(&["--help"]).unwrap().is_none());
        assert_eq!(
            args(&["--ak", "A"]).err().unwrap(),
            "--ak and --sk go together"
        );
        assert_eq!(
            args(&["--port", "x"]).err().unwrap(),
            "--port: `x` is not a port"
        );
        assert_eq!(
            args(&["--bogus"]).err().unwrap(),
            "unknown argument `--bogus`"
        );
        assert_eq!(args(&["--seed"]).err().unwrap(), "--seed needs a value");
    }
}
