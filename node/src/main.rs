//! `fedrec`: the node daemon and command-line interface. This file only parses the command line
//! (with `--help` in the reader's language, see [`fedrec_node::cli::help`]),
//! sets up logging and hands over to [`fedrec_node::cli`], which maps every outcome to an exit
//! code.

use fedrec_node::{cli, heap, telemetry};

fn main() -> std::process::ExitCode {
    heap::keep_freed_memory();
    let args = cli::parse();
    telemetry::init(args.verbose);
    cli::run(args)
}
