//! The command-line flags of a served simulator, shared by the
//! `sparkrtc-simulator` binary and the `sparkrtc simulator` command.

use std::path::PathBuf;
use std::time::SystemTime;

use clap::Args;

use crate::sansio::wire::time::parse_iso8601;
use crate::time::VirtualClock;

use super::config::{
    ServerLimits, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_PROJECT_ID, DEFAULT_SECRET_KEY,
};
use super::control::CONTROL_PREFIX;
use super::faults::{parse_duration, FaultRule};
use super::util::iso_secs;
use super::{Simulator, SimulatorServer};

/// What `--help` adds after the flags: the control plane and the fault
/// rules in short.
pub const SERVE_AFTER_HELP: &str = "\
Control plane (no signature; curl http://HOST:PORT/_sparkrtc/...):
  GET  health                  liveness, version, seed, clock
  POST reset                   back to the seeded initial state
  GET  state / PUT state       the whole state as JSON / load one
  GET  requests[?since=N]      the request log (no signatures, no bodies)
  GET  callbacks               the callback deliveries and their results
  GET|POST|PUT|DELETE faults   the fault rules (DELETE faults/ID removes one)
  POST join / POST leave       {\"app_id\",\"room_id\",\"user_ids\"}: users in rooms
  GET  clock, POST clock/advance {\"seconds\":N}, PUT clock {\"now\":\"...Z\"}
                               (setting time needs --virtual-clock)

Fault rules (--fault, repeatable): MATCH:EFFECT[:PROBABILITY[:TIMES]]
  MATCH   *, an operation (CreateMixJob), a rate-limit category
          (mix_stream_job_management) or 'METHOD /path/*/pattern'
  EFFECT  a status (500, 503, 429,retry-after=2, 500,code=X,msg=Y),
          latency=200ms or latency=100ms..2s, close, truncate, lose
  e.g.    --fault 'CreateMixJob:500:0.2' --fault '*:latency=50ms'
--fault-file takes a JSON array of rules in the control plane's form.";

/// The flags of a served simulator.
#[derive(Args, Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The access key clients sign with (default: the simulator's).
    #[arg(long, requires = "sk_from")]
    pub ak: Option<String>,
    /// The name of an environment variable holding the secret key of --ak.
    #[arg(long, value_name = "VAR", group = "sk_from")]
    pub sk_env: Option<String>,
    /// A file holding the secret key of --ak (its first line).
    #[arg(long, value_name = "FILE", group = "sk_from")]
    pub sk_file: Option<PathBuf>,
    /// The project id served.
    #[arg(long, default_value = DEFAULT_PROJECT_ID)]
    pub project_id: String,
    /// The seed of ids, keys, statistics and fault draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Do not enforce the documented rate limits.
    #[arg(long)]
    pub no_rate_limits: bool,
    /// Run on a virtual clock, starting at this UTC time
    /// (YYYY-MM-DDThh:mm:ssZ; default: now), that only the control plane
    /// (and latency faults) move.
    #[arg(long, value_name = "START", num_args = 0..=1, default_missing_value = "now")]
    pub virtual_clock: Option<String>,
    /// How long a new recording job stays INIT (250ms, 1s, ...).
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    pub job_start_delay: String,
    /// How many applications may exist.
    #[arg(long, default_value_t = super::DEFAULT_MAX_APPS)]
    pub max_apps: usize,
    /// A fault rule in the short form (repeatable).
    #[arg(
        long = "fault",
        value_name = "RULE",
        help = "A fault rule, MATCH:EFFECT[:PROBABILITY[:TIMES]] (repeatable)"
    )]
    pub faults: Vec<String>,
    /// A JSON file with an array of fault rules.
    #[arg(long, value_name = "FILE")]
    pub fault_file: Option<PathBuf>,
    /// Threads serving connections.
    #[arg(long, default_value_t = ServerLimits::default().workers)]
    pub workers: usize,
    /// Connections open at once.
    #[arg(long, default_value_t = ServerLimits::default().max_connections)]
    pub max_connections: usize,
}

impl ServeArgs {
    /// The configuration these flags describe, reading the secret key and
    /// the fault file. A message naming the flag when one is wrong.
    pub fn config(&self) -> Result<SimulatorConfig, String> {
        let sk = match (&self.sk_env, &self.sk_file) {
            (Some(var), _) => Some(
                std::env::var(var)
                    .map_err(|_| format!("--sk-env: the environment variable {var} is not set"))?,
            ),
            (None, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| format!("--sk-file {}: {e}", path.display()))?
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_owned(),
            ),
            (None, None) => None,
        };
        let (ak, sk) = match (&self.ak, sk) {
            (Some(ak), Some(sk)) if !sk.is_empty() => (ak.clone(), sk),
            (Some(_), _) => {
                return Err("--ak needs a non-empty secret key from --sk-env or --sk-file".into())
            }
            (None, Some(_)) => return Err("--sk-env and --sk-file go with --ak".into()),
            (None, None) => (DEFAULT_ACCESS_KEY.to_owned(), DEFAULT_SECRET_KEY.to_owned()),
        };
        let delay =
            parse_duration(&self.job_start_delay).map_err(|e| format!("--job-start-delay: {e}"))?;
        let mut config = SimulatorConfig::default()
            .with_credentials([(ak, sk)])
            .with_project_id(self.project_id.clone())
            .with_seed(self.seed)
            .with_rate_limits(!self.no_rate_limits)
            .with_job_start_delay(delay)
            .with_max_apps(self.max_apps)
            .with_server_limits(ServerLimits {
                workers: self.workers.max(1),
                max_connections: self.max_connections.max(1),
                ..ServerLimits::default()
            });
        if let Some(start) = &self.virtual_clock {
            let origin = if start == "now" {
                SystemTime::now()
            } else {
                parse_iso8601(start).ok_or_else(|| {
                    format!("--virtual-clock: `{start}` is not a UTC time YYYY-MM-DDThh:mm:ssZ")
                })?
            };
            config = config.with_virtual_clock(VirtualClock::unattended(origin));
        }
        for text in &self.faults {
            let rule: FaultRule = text.parse().map_err(|e| format!("--fault {text}: {e}"))?;
            config = config.with_fault(rule);
        }
        if let Some(path) = &self.fault_file {
            let bytes =
                std::fs::read(path).map_err(|e| format!("--fault-file {}: {e}", path.display()))?;
            let rules: Vec<FaultRule> = serde_json::from_slice(&bytes)
                .map_err(|e| format!("--fault-file {}: {e}", path.display()))?;
            for rule in rules {
                rule.check()
                    .map_err(|e| format!("--fault-file {}: {e}", path.display()))?;
                config = config.with_fault(rule);
            }
        }
        if config.faults().len() > config.limits().max_fault_rules {
            return Err(format!(
                "at most {} fault rules",
                config.limits().max_fault_rules
            ));
        }
        Ok(config)
    }

    /// Starts serving: the simulator and its server, and the lines to print
    /// (where it listens, the credentials' names and the access key, never
    /// the secret key unless it is the simulator's default).
    pub fn serve(&self) -> Result<(Simulator, SimulatorServer, Vec<String>), String> {
        let config = self.config()?;
        let default_key = self.ak.is_none();
        let sim = Simulator::new(config);
        let server = sim
            .serve((self.host.as_str(), self.port))
            .map_err(|e| format!("cannot listen on {}:{}: {e}", self.host, self.port))?;
        let c = sim.config();
        let mut lines = vec![
            format!("SparkRTC simulator listening on {}", server.url()),
            format!("  SPARKRTC_ENDPOINT={}", server.url()),
            format!(
                "  HUAWEICLOUD_SDK_AK={}",
                c.access_keys().next().unwrap_or("")
            ),
        ];
        if default_key {
            lines.push(format!("  HUAWEICLOUD_SDK_SK={DEFAULT_SECRET_KEY}"));
        } else {
            lines.push("  HUAWEICLOUD_SDK_SK=(the secret key you gave)".to_owned());
        }
        lines.push(format!("  HUAWEICLOUD_SDK_PROJECT_ID={}", c.project_id()));
        lines.push(format!(
            "  seed {}, rate limits {}, {} clock{}, {} fault rule(s)",
            c.seed(),
            if c.rate_limits() { "on" } else { "off" },
            if c.virtual_clock().is_some() {
                "virtual"
            } else {
                "system"
            },
            c.virtual_clock()
                .map(|_| format!(" at {}", iso_secs(sim.wall())))
                .unwrap_or_default(),
            c.faults().len(),
        ));
        lines.push(format!(
            "  control plane: {}{CONTROL_PREFIX}health (reset, state, requests, callbacks, faults, join, leave, clock)",
            server.url()
        ));
        Ok((sim, server, lines))
    }
}
