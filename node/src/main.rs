//! `fedrec`: the node daemon and command-line interface. This file only parses the command line,
//! sets up logging and hands over to [`cli`], which maps every outcome to an exit code.
//!
//! Modules: `cli` (commands) talks to a running daemon through `client`; the daemon (`daemon`)
//! serves `api` over a `node::Node`, which owns the `store` (RocksDB) and the loaded `records`.

mod api;
mod cli;
mod client;
mod daemon;
mod export;
mod metrics;
mod ministry;
mod net;
mod node;
mod records;
mod replicate;
mod store;
mod telemetry;
mod trust;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    telemetry::init(args.verbose);
    cli::run(args)
}
