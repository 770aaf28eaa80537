//! Serves the SparkRTC simulator over HTTP, for any client to test against
//! offline (curl, the official SDKs, this crate's client with
//! `SPARKRTC_ENDPOINT`). `sparkrtc-simulator --help` lists the flags, the
//! control plane and the fault rules.
//!
//! It prints the URL and the credentials to use, then serves until it is
//! interrupted or killed.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::process::ExitCode;

use clap::Parser;
use sparkrtc::simulator::{ServeArgs, SERVE_AFTER_HELP};

/// The offline SparkRTC: the REST API on loopback, with seeded fault rules
/// and a control plane under /_sparkrtc/.
#[derive(Parser, Debug)]
#[command(name = "sparkrtc-simulator", version, after_help = SERVE_AFTER_HELP)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.serve.serve() {
        Ok((_sim, _server, lines)) => {
            for line in lines {
                println!("{line}");
            }
            println!("Stop with Ctrl-C.");
            // Serve until the process is interrupted or killed.
            loop {
                std::thread::park();
            }
        }
        Err(e) => {
            eprintln!("sparkrtc-simulator: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("sparkrtc-simulator").chain(args.iter().copied()))
    }

    #[test]
    fn defaults() {
        let cli = parse(&[]).unwrap();
        let a = &cli.serve;
        assert_eq!((a.host.as_str(), a.port, a.seed), ("127.0.0.1", 8080, 0));
        assert_eq!(a.ak, None);
        assert!(!a.no_rate_limits);
        assert_eq!(a.virtual_clock, None);
        let config = a.config().unwrap();
        assert_eq!(
            config.access_keys().collect::<Vec<_>>(),
            [sparkrtc::simulator::DEFAULT_ACCESS_KEY]
        );
        assert!(config.rate_limits());
        assert!(config.virtual_clock().is_none());
    }

    #[test]
    fn flags() {
        let cli = parse(&[
            "--port",
            "0",
            "--seed",
            "9",
            "--no-rate-limits",
            "--virtual-clock",
            "2024-01-02T03:04:05Z",
            "--job-start-delay",
            "250ms",
            "--fault",
            "CreateMixJob:500:0.2",
            "--fault",
            "*:latency=10ms",
        ])
        .unwrap();
        let config = cli.serve.config().unwrap();
        assert_eq!(config.seed(), 9);
        assert!(!config.rate_limits());
        assert_eq!(
            config.job_start_delay(),
            std::time::Duration::from_millis(250)
        );
        assert_eq!(config.faults().len(), 2);
        assert_eq!(
            config.clock().wall(),
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_704_164_645)
        );
        // A bare --virtual-clock starts at the time it was started.
        let cli = parse(&["--virtual-clock"]).unwrap();
        assert_eq!(cli.serve.virtual_clock.as_deref(), Some("now"));
        assert!(cli.serve.config().unwrap().virtual_clock().is_some());
    }

    #[test]
    fn errors_name_the_flag() {
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        // --ak needs its secret from the environment or a file, never a flag.
        assert!(parse(&["--ak", "A"]).is_err());
        assert!(parse(&["--sk", "S"]).is_err());
        let e = parse(&["--ak", "A", "--sk-env", "SPARKRTC_TEST_UNSET_VARIABLE"])
            .unwrap()
            .serve
            .config()
            .unwrap_err();
        assert_eq!(
            e,
            "--sk-env: the environment variable SPARKRTC_TEST_UNSET_VARIABLE is not set"
        );
        let e = parse(&["--fault", "Nope:500"])
            .unwrap()
            .serve
            .config()
            .unwrap_err();
        assert!(
            e.starts_with("--fault Nope:500: invalid fault rule: `Nope` is not"),
            "{e}"
        );
        let e = parse(&["--virtual-clock", "yesterday"])
            .unwrap()
            .serve
            .config()
            .unwrap_err();
        assert_eq!(
            e,
            "--virtual-clock: `yesterday` is not a UTC time YYYY-MM-DDThh:mm:ssZ"
        );
        let e = parse(&["--job-start-delay", "2h"])
            .unwrap()
            .serve
            .config()
            .unwrap_err();
        assert!(e.starts_with("--job-start-delay: "), "{e}");
    }
}
