//! The command line: the commands, their arguments, and the exit codes a script can rely on.
//!
//! Exit codes: 0 success; 1 the command ran and found problems (an invalid application);
//! 2 the command could not run (bad arguments, unreadable or malformed files).

mod batch;
mod record;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The command ran and found what it was asked about to be wrong.
pub const EXIT_PROBLEMS: u8 = 1;
/// The command could not run.
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "fedrec",
    version,
    about = "Federated recommendation of national continuing-education bases",
    long_about = "fedrec lets the ministry and the recommending offices (provinces, State Council \
departments, central enterprises) prepare, sign, replicate and decide applications for \
recognition as national continuing-education bases (国家级专业技术人员继续教育基地)."
)]
pub struct Cli {
    /// Log debug detail to standard error (RUST_LOG overrides).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with application records (申报表).
    #[command(subcommand)]
    Record(record::RecordCommand),
    /// Work with batch definitions.
    #[command(subcommand)]
    Batch(batch::BatchCommand),
}

/// Runs a parsed command and turns its outcome into an exit code.
pub fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        Command::Record(command) => record::run(command),
        Command::Batch(command) => batch::run(command),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
