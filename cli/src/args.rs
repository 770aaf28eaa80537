//! The command line, as clap reads it.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use sparkrtc::simulator::{ServeArgs, SERVE_AFTER_HELP};
use sparkrtc::throttle::ThrottleCategory;
use sparkrtc::OperationId;

/// What every `--help` ends with: the exit codes scripts branch on.
pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    anything else (a file that cannot be read, an answer that does not decode)
  2    bad usage: arguments, an unknown operation or parameter, an invalid value,
       missing or unusable credentials or configuration (a config file others can read)
  3    the service answered with an error (HTTP 4xx or 5xx other than throttling)
  4    throttled: HTTP 429, a quota used up, or throttle waits beyond --deadline
  5    transport failure: no answer (connection refused, timeout, DNS, TLS)
  6    a callback whose signature or timestamp does not verify (callback verify)
  130  interrupted (Ctrl-C)";

/// `sparkrtc`: every SparkRTC operation by name, from a shell.
#[derive(Debug, Parser)]
#[command(
    name = "sparkrtc",
    version,
    about = "The SparkRTC operator's command line: every operation by name, from a shell.",
    long_about = "The SparkRTC operator's command line: every operation by name, from a shell.\n\n\
        Credentials and the endpoint come from flags, then the official SDKs' environment \
        variables (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN, \
        HUAWEICLOUD_SDK_PROJECT_ID) and SPARKRTC_ENDPOINT, then a named profile in \
        $XDG_CONFIG_HOME/sparkrtc/config.toml (`sparkrtc configure` writes one). Secrets are \
        never taken as flag values: only from the environment, a file or standard input.",
    after_help = EXIT_CODES,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// Output format [default: json for results (pretty on a terminal, compact otherwise),
    /// table for `ops` and `describe`]
    #[arg(
        short,
        long,
        global = true,
        value_enum,
        help_heading = "Global options"
    )]
    pub(crate) output: Option<Format>,

    /// Request ids, statuses and timings on standard error; more detail on errors
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub(crate) verbose: bool,

    /// The profile of the config file to use [default: default]
    #[arg(
        long,
        global = true,
        env = "SPARKRTC_PROFILE",
        hide_env_values = true,
        value_name = "NAME",
        help_heading = "Global options"
    )]
    pub(crate) profile: Option<String>,

    /// The config file [default: $XDG_CONFIG_HOME/sparkrtc/config.toml]
    #[arg(
        long,
        global = true,
        env = "SPARKRTC_CONFIG",
        hide_env_values = true,
        value_name = "FILE",
        help_heading = "Global options"
    )]
    pub(crate) config: Option<PathBuf>,
}

/// The options every command may read.
#[derive(Debug)]
pub(crate) struct Global {
    pub(crate) output: Option<Format>,
    pub(crate) verbose: bool,
    pub(crate) profile: Option<String>,
    pub(crate) config: Option<PathBuf>,
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// One JSON document
    Json,
    /// One JSON value per line: a list's items, or the result
    Jsonl,
    /// A table: a list's items with chosen columns, or an object's fields
    Table,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Call an operation by name
    #[command(after_help = format!("{CALL_HELP}\n\n{EXIT_CODES}"))]
    Call(CallArgs),
    /// List the operations: method, path, rate limit, parameters (required first)
    Ops(OpsArgs),
    /// Show one operation: its parameters at every depth, its limit, an example
    Describe(DescribeArgs),
    /// Print the signature and ctime an end user joins a room with
    JoinSign(JoinSignArgs),
    /// Recording callbacks
    Callback {
        #[command(subcommand)]
        command: CallbackCommand,
    },
    /// Serve the offline SparkRTC simulator (fault rules, a control plane under /_sparkrtc/)
    #[command(after_help = SERVE_AFTER_HELP)]
    Simulator {
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Write a profile to the config file
    Configure(ConfigureArgs),
    /// Print a shell completion script
    Completions {
        /// The shell
        shell: Shell,
    },
}

const CALL_HELP: &str = "\
Parameters take the official SDK's request shape: path and query parameters by their wire
names at the top level, the request body under `body`. `--json` gives them all at once;
each `--param` then sets one, at any depth (`body.mix_param.room_id=r1`). A value is taken
as a string where the parameter is a string; elsewhere as JSON when it parses as JSON
(numbers, true, lists, objects), else as a string. Repeating a list parameter adds items.

Examples:
  sparkrtc call ListApps --param limit=10 -o table
  sparkrtc call ShowMixJob -p app_id=APP -p job_id=JOB
  sparkrtc call CreateMixJob -p app_id=APP --json @job.json --dry-run
  sparkrtc call ListRtcUserList -p app=APP -p state=ONLINE -p state=FAIL --all-pages > users.jsonl";

#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// The operation's upstream name (`sparkrtc ops` lists them)
    #[arg(value_name = "OPERATION", value_parser = operation_names(), hide_possible_values = true)]
    pub(crate) operation: String,

    /// A parameter, NAME=VALUE; NAME may be a path (`body.mix_param.room_id`)
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub(crate) params: Vec<String>,

    /// All parameters as one JSON object: inline, @FILE, or - for standard input
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub(crate) json: Option<String>,

    /// Every item of a list operation, page after page, one JSON line each
    #[arg(long)]
    pub(crate) all_pages: bool,

    /// Print the signed request that would be sent (secrets hidden) and send nothing
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// The columns of `--output table`, by field path (`app_id,state.state`)
    #[arg(long, value_delimiter = ',', value_name = "FIELD,...")]
    pub(crate) columns: Vec<String>,

    /// Print secret values of answers (app keys, callback keys) instead of ***
    #[arg(long)]
    pub(crate) show_secrets: bool,

    #[command(flatten)]
    pub(crate) connection: ConnectionArgs,

    #[command(flatten)]
    pub(crate) policy: PolicyArgs,
}

/// Where calls go and who makes them. Each setting is taken from its flag,
/// else the environment, else the profile.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Connection (flag, else environment, else profile)")]
pub(crate) struct ConnectionArgs {
    /// The service URL [env: SPARKRTC_ENDPOINT] [default: https://rtc-api.myhuaweicloud.com]
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint: Option<String>,

    /// The access key [env: HUAWEICLOUD_SDK_AK]
    #[arg(long, value_name = "AK")]
    pub(crate) ak: Option<String>,

    /// A file holding the secret key, or - for standard input [env: HUAWEICLOUD_SDK_SK]
    #[arg(long, value_name = "FILE")]
    pub(crate) sk_file: Option<PathBuf>,

    /// A file holding the security token of temporary credentials, or - for standard input
    /// [env: HUAWEICLOUD_SDK_SECURITY_TOKEN]
    #[arg(long, value_name = "FILE")]
    pub(crate) security_token_file: Option<PathBuf>,

    /// The project id [env: HUAWEICLOUD_SDK_PROJECT_ID]
    #[arg(long, value_name = "ID")]
    pub(crate) project_id: Option<String>,
}

/// How hard a call tries.
#[derive(Debug, Args)]
#[command(next_help_heading = "Retries and pacing")]
pub(crate) struct PolicyArgs {
    /// The bound on one call, retries and throttle waits included
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = duration)]
    pub(crate) deadline: Duration,

    /// Retries after a failed attempt (throttled, 5xx, no connection) [default: 3]
    #[arg(long, value_name = "N", conflicts_with = "no_retry")]
    pub(crate) retries: Option<u32>,

    /// Never retry (the same as --retries 0)
    #[arg(long)]
    pub(crate) no_retry: bool,

    /// Send without pacing to the documented rate limits (the service may answer 429)
    #[arg(long)]
    pub(crate) no_throttle: bool,
}

#[derive(Debug, Args)]
pub(crate) struct OpsArgs {
    /// Only the operations this word finds: in the upstream name, an alias or
    /// the summary, ignoring case (`enable`, `kick`, `layout`, `mixjob`)
    #[arg(value_name = "WORD")]
    pub(crate) word: Option<String>,
    /// Only the operations of this rate-limit category
    #[arg(long, value_name = "CATEGORY", value_parser = category_names())]
    pub(crate) category: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DescribeArgs {
    /// The operation's upstream name
    #[arg(value_name = "OPERATION", value_parser = operation_names(), hide_possible_values = true)]
    pub(crate) operation: String,
}

#[derive(Debug, Args)]
pub(crate) struct JoinSignArgs {
    /// The application id
    #[arg(long, value_name = "ID")]
    pub(crate) app_id: String,
    /// The room id
    #[arg(long, value_name = "ID")]
    pub(crate) room_id: String,
    /// The user id
    #[arg(long, value_name = "ID")]
    pub(crate) user_id: String,
    #[command(flatten)]
    pub(crate) key: AppKeyArgs,
    /// How long the signature stays valid (under 12h)
    #[arg(long, value_name = "DURATION", default_value = "2h", value_parser = duration)]
    pub(crate) valid_for: Duration,
}

/// Where the app key comes from: never a flag value.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct AppKeyArgs {
    /// The environment variable holding the app key (ShowApp's authentication.app_key)
    #[arg(long, value_name = "VAR")]
    pub(crate) app_key_env: Option<String>,
    /// A file holding the app key, or - for standard input
    #[arg(long, value_name = "FILE")]
    pub(crate) app_key_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CallbackCommand {
    /// Check a captured recording callback and print its event, or why it fails
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub(crate) key: AuthKeyArgs,
    /// The callback's headers: `Name: value` lines (a request line and the body after an
    /// empty line are skipped), or a JSON object
    #[arg(long, value_name = "FILE")]
    pub(crate) headers: PathBuf,
    /// The callback's body, exactly as received, or - for standard input
    #[arg(long, value_name = "FILE")]
    pub(crate) body: PathBuf,
    /// Verify as of this time, Unix seconds (for a capture older than the tolerance)
    /// [default: now]
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub(crate) at: Option<u64>,
    /// How far the callback's timestamp may be from that time
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = duration)]
    pub(crate) tolerance: Duration,
}

/// Where the callback key comes from: never a flag value.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct AuthKeyArgs {
    /// The environment variable holding the callback's auth_key
    #[arg(long, value_name = "VAR")]
    pub(crate) auth_key_env: Option<String>,
    /// A file holding the callback's auth_key
    #[arg(long, value_name = "FILE")]
    pub(crate) auth_key_file: Option<PathBuf>,
    /// The application has no auth_key: accept only an unsigned callback
    #[arg(long)]
    pub(crate) unsigned: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ConfigureArgs {
    /// The service URL
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint: Option<String>,
    /// The access key
    #[arg(long, value_name = "AK")]
    pub(crate) ak: Option<String>,
    /// The project id
    #[arg(long, value_name = "ID")]
    pub(crate) project_id: Option<String>,
    /// A file holding the secret key, or - for standard input [default: asked on a terminal;
    /// otherwise the profile's is kept]
    #[arg(long, value_name = "FILE")]
    pub(crate) sk_file: Option<PathBuf>,
    /// A file holding a security token (temporary credentials), or - for standard input
    #[arg(long, value_name = "FILE")]
    pub(crate) security_token_file: Option<PathBuf>,
}

/// Accepts any text (the library names an unknown operation, with the
/// closest one) but offers the operations' names to shell completion.
fn operation_names() -> impl TypedValueParser<Value = String> {
    AnyOf(OperationId::ALL.iter().map(|id| id.name()).collect())
}

fn category_names() -> PossibleValuesParser {
    PossibleValuesParser::new(
        ThrottleCategory::ALL
            .iter()
            .map(|c| PossibleValue::new(c.name())),
    )
}

#[derive(Clone)]
struct AnyOf(Vec<&'static str>);

impl TypedValueParser for AnyOf {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            self.0.iter().map(|name| PossibleValue::new(*name)),
        ))
    }
}

/// `90s`, `5m`, `2h`, `1h 30m`.
fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (for example 30s, 5m, 2h)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definitions_hold_together() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(duration("soon")
            .unwrap_err()
            .ends_with("(for example 30s, 5m, 2h)"));
    }

    use clap::CommandFactory;
}
