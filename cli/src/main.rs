//! `sparkrtc`: the SparkRTC operator's command line. Every operation by
//! name with JSON parameters, list operations paged to the end, dry runs,
//! join signatures, callback checks and the offline simulator, all through
//! the `sparkrtc` library's public API.

// A command-line tool reads the environment, files, the clock and the
// terminal throughout: the library's no-I/O rules (clippy.toml) are for its
// sans-io core.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod args;
mod call;
mod catalog;
mod config;
mod failure;
mod output;
mod params;
mod sim;
mod tools;
mod transport;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use args::{CallbackCommand, Cli, Command};
use failure::Failure;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbose = cli.verbose;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(verbose),
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let global = args::Global {
        output: cli.output,
        verbose: cli.verbose,
        profile: cli.profile,
        config: cli.config,
    };
    match cli.command {
        Command::Call(call) => call::run(&global, call),
        Command::Ops(ops) => catalog::list(&global, &ops),
        Command::Describe(describe) => catalog::describe(&global, &describe.operation),
        Command::JoinSign(join) => tools::join_sign(&global, &join),
        Command::Callback {
            command: CallbackCommand::Verify(verify),
        } => tools::verify_callback(&global, &verify),
        Command::Simulator { serve } => sim::serve(&serve),
        Command::Configure(configure) => config::configure(&global, &configure),
        Command::Completions { shell } => {
            // Into memory first: the generator panics on a closed pipe.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "sparkrtc", &mut script);
            output::Out::new().write(&String::from_utf8_lossy(&script))
        }
    }
}
