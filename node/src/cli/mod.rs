//! The command line: the commands, their arguments, and the exit codes a script can rely on.
//!
//! Exit codes:
//! - 0: success;
//! - 1: the command ran and found problems (an invalid application, refused by validation);
//! - 2: the command could not run or was refused (bad arguments, unreadable or malformed files,
//!   an unknown record, a forbidden operation);
//! - 3: no daemon is running for the data directory, or it does not answer;
//! - 4: the daemon failed while carrying the command out.
//!
//! Everything printed for people comes from the message catalogue ([`fedrec_common::i18n`]) in
//! the language chosen once per run ([`lang`]): `--lang`, then `FEDREC_LANG`, then `LANG`,
//! Simplified Chinese unless English is asked for. `--format json` keeps its English keys and
//! codes and adds the words beside them.

mod backup;
mod batch;
mod bundle;
mod debug;
pub mod help;
mod manual;
mod node;
mod record;
mod roster;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::{Parser, Subcommand};
use fedrec_common::i18n::{self, Arg, Lang};

use crate::client::ClientError;

/// The command ran and found what it was asked about to be wrong.
pub const EXIT_PROBLEMS: u8 = 1;
/// The command could not run, or was refused.
pub const EXIT_USAGE: u8 = 2;
/// The daemon is not running or does not answer.
pub const EXIT_NO_DAEMON: u8 = 3;
/// The daemon failed.
pub const EXIT_SERVER: u8 = 4;

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
    /// The language of what is printed for people: zh (Simplified Chinese, the default) or en.
    /// Without it, FEDREC_LANG, then LANG (en_US.UTF-8 is English; anything else Chinese).
    #[arg(long, global = true, value_name = "zh|en", value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// The node's data directory.
    #[arg(
        long,
        global = true,
        env = "FEDREC_DATA",
        default_value = "fedrec-data",
        value_name = "DIR"
    )]
    pub data: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a node: its data directory, key and configuration.
    Init(node::InitArgs),
    /// Print this node's id (its public key), or with --peer its libp2p peer id.
    Id {
        #[arg(long)]
        peer: bool,
    },
    /// Run the node daemon until SIGINT or SIGTERM.
    Run(node::RunArgs),
    /// Wait until the node's daemon answers (for scripts and service managers).
    Wait {
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 30)]
        timeout_secs: u64,
    },
    /// Show the node: ids, role, feeds, record counts, quarantine.
    Status {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Re-verify every stored entry's signature and every feed's hash chain.
    Verify,
    /// Back the node up while its daemon runs: a consistent copy of its database and its
    /// configuration (the key only with --with-key) in a new directory.
    Backup {
        /// The backup directory to create.
        #[arg(long, value_name = "BACKUP")]
        out: PathBuf,
        /// Put the node's key in the backup too (keep such a backup as safe as the key).
        #[arg(long)]
        with_key: bool,
    },
    /// Restore a backup into a new data directory (--data), verify it, and leave it closed for
    /// writes until a peer confirms the node's feeds.
    Restore {
        /// The backup directory (made by `fedrec backup`).
        #[arg(long, value_name = "BACKUP")]
        from: PathBuf,
        /// The node's key, when the backup was made without it.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
    /// Upgrade a stopped node's database to this release's layout, after a backup into
    /// DIR/backups (the daemon does the same at start).
    Migrate,
    /// Work with application records (申报表).
    #[command(subcommand)]
    Record(record::RecordCommand),
    /// Submit a record to the ministry (its status becomes submitted).
    Submit {
        /// The record id.
        id: String,
    },
    /// Withdraw a submitted record.
    Withdraw {
        /// The record id.
        id: String,
    },
    /// The ministry's verdicts: on the ministry every recommender, elsewhere this office's records.
    Decisions {
        /// Only this batch.
        #[arg(long)]
        batch: Option<u32>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Record an expert's opinion of an accepted record (ministry).
    Review {
        id: String,
        #[arg(long)]
        expert: String,
        /// 0 to 100.
        #[arg(long)]
        score: u32,
        #[arg(long)]
        opinion: String,
    },
    /// Recognise an accepted record as a national base, with its subsidy (ministry).
    Recognise {
        id: String,
        /// At most the batch's cap (5,000,000 yuan for batch 6).
        #[arg(long)]
        subsidy_yuan: u64,
    },
    /// Decline an accepted record after review (ministry).
    Decline {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Publish the list of recognised bases of a batch to every node (ministry).
    Publish {
        #[arg(long)]
        batch: u32,
    },
    /// Show the published list of recognised bases of a batch (any node).
    Published {
        #[arg(long)]
        batch: u32,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Write the decisions table of a batch to a file: csv, json or xlsx.
    Export {
        #[arg(long)]
        batch: u32,
        #[arg(long, value_enum)]
        format: ExportFormat,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// The ministry's roster of recommenders and node keys.
    #[command(subcommand)]
    Roster(roster::RosterCommand),
    /// Batch definitions.
    #[command(subcommand)]
    Batch(batch::BatchCommand),
    /// Carry signed entries on a file, for a node with no network at all.
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
    /// Print a single-use login link to this node's web interface (good for five minutes).
    Ui {
        /// The person the link signs in, named in every change they make. Default: the
        /// operating system's user name.
        #[arg(long)]
        user: Option<String>,
        /// editor or approver on a bureau's node, reviewer or administrator on the ministry's.
        /// Default: approver, or administrator on the ministry's node.
        #[arg(long)]
        role: Option<String>,
        /// Also open the link in the desktop's browser.
        #[arg(long)]
        open: bool,
    },
    /// See the whole federation work: a ministry, five recommenders and a field office in this
    /// process, on loopback, in a temporary directory; prints every verdict the rules give.
    Demo {
        /// Leave the nodes running (until Ctrl-C) with their API addresses printed.
        #[arg(long)]
        keep_running: bool,
        /// Put the nodes' data here (a new or empty directory) and keep it afterwards.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Seconds from publishing the rehearsal batch to its deadline.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(3..=3600))]
        deadline_secs: u64,
    },
    /// Run the performance scenarios and print each figure beside its target (use a release
    /// build: `cargo run --release -- bench`).
    Bench {
        /// Scenarios to run: all (the default), rules, ingest, idle-sync, incremental-sync,
        /// wire, catch-up, latency, country, memory, ministry-scale, ui.
        scenarios: Vec<String>,
        /// Smaller sizes for a quick look; targets are judged on full runs.
        #[arg(long)]
        quick: bool,
    },
    /// Tools for testing a deployment: send hand-made sync messages over the real network path.
    #[command(subcommand, hide = true)]
    Debug(debug::DebugCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

fn parse_lang(text: &str) -> Result<Lang, String> {
    Lang::parse(text).ok_or_else(|| format!("'{text}': use zh or en"))
}

/// Parses the process's command line with every command's and argument's help in the language
/// the command line or the environment asks for (see [`help`]); exits on `--help`, `--version`
/// or a wrong argument, as clap does.
pub fn parse() -> Cli {
    use clap::FromArgMatches;
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let matches = help::command(help::lang_from_args(&args)).get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
}

/// The language chosen for this run.
static LANG: OnceLock<Lang> = OnceLock::new();

/// The language of this run's output: set once by [`run`], read from the environment when a
/// command runs without it (the demo and benchmarks call into the CLI's printing).
pub fn lang() -> Lang {
    *LANG.get_or_init(|| Lang::from_env_and_flag(None))
}

/// A catalogue message in this run's language.
pub(crate) fn say(id: &str, args: &[(&str, Arg)]) -> String {
    i18n::t(lang(), id, args)
}

/// A string argument for [`say`].
pub(crate) fn arg(value: impl ToString) -> Arg<'static> {
    Arg::String(value.to_string().into())
}

/// Runs a parsed command and turns its outcome into an exit code.
pub fn run(cli: Cli) -> ExitCode {
    // The first call wins: a flag given here decides over the environment.
    let _ = LANG.set(Lang::from_env_and_flag(cli.lang.map(Lang::tag)));
    // What the daemon's and the backup's code words with `tr` on the way (start-up, init,
    // restore) speaks this run's language too.
    let outcome = i18n::speaking(lang(), || dispatch(cli.data, cli.command));
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) => ExitCode::from(report(&error)),
    }
}

/// Runs one command.
fn dispatch(data: PathBuf, command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Init(args) => node::init(&data, args),
        Command::Id { peer } => node::id(&data, peer),
        Command::Run(args) => node::run(&data, args),
        Command::Wait { timeout_secs } => node::wait(&data, timeout_secs),
        Command::Status { format } => node::status(&data, format),
        Command::Verify => node::verify(&data),
        Command::Migrate => node::migrate(&data),
        Command::Backup { out, with_key } => backup::backup(&data, &out, with_key),
        Command::Restore { from, key } => backup::restore_command(&data, &from, key),
        Command::Record(command) => record::run(&data, command),
        Command::Submit { id } => record::transition(&data, &id, "submit"),
        Command::Withdraw { id } => record::transition(&data, &id, "withdraw"),
        Command::Decisions { batch, format } => node::decisions(&data, batch, format),
        Command::Review {
            id,
            expert,
            score,
            opinion,
        } => node::review(&data, &id, &expert, score, &opinion),
        Command::Recognise { id, subsidy_yuan } => node::recognise(&data, &id, subsidy_yuan),
        Command::Decline { id, reason } => node::decline(&data, &id, &reason),
        Command::Publish { batch } => node::publish(&data, batch),
        Command::Published { batch, format } => node::published(&data, batch, format),
        Command::Export { batch, format, out } => node::export(&data, batch, format, &out),
        Command::Roster(command) => roster::run(&data, command),
        Command::Batch(command) => batch::run(&data, command),
        Command::Bundle(command) => bundle::run(&data, command),
        Command::Debug(command) => debug::run(&data, command),
        Command::Ui { user, role, open } => node::ui(&data, user, role, open),
        Command::Demo {
            keep_running,
            dir,
            deadline_secs,
        } => crate::demo::run(crate::demo::DemoOptions {
            keep_running,
            dir,
            deadline_secs,
        }),
        Command::Bench { scenarios, quick } => {
            crate::bench::run(crate::bench::BenchOptions { scenarios, quick })
        }
    }
}

/// Prints an error the way scripts and people both read it, and chooses the exit code.
fn report(error: &anyhow::Error) -> u8 {
    match error.downcast_ref::<ClientError>() {
        Some(ClientError::Refused {
            status,
            message,
            problems,
        }) => {
            eprintln!(
                "{}",
                say(
                    "cli-refused",
                    &[("status", arg(status)), ("message", arg(message))]
                )
            );
            for problem in problems {
                eprintln!("  {}", i18n::field_error(lang(), problem));
            }
            if *status == 422 {
                EXIT_PROBLEMS
            } else {
                EXIT_USAGE
            }
        }
        Some(
            error @ (ClientError::NotRunning { .. }
            | ClientError::Unreachable { .. }
            | ClientError::Credential(_)),
        ) => {
            eprintln!("{}", error_text(error));
            EXIT_NO_DAEMON
        }
        Some(error @ (ClientError::Server(_) | ClientError::Protocol(_))) => {
            eprintln!("{}", error_text(error));
            EXIT_SERVER
        }
        None => {
            eprintln!(
                "{}",
                say(
                    "cli-error",
                    &[("error", arg(crate::wording::chain(error, lang())))]
                )
            );
            EXIT_USAGE
        }
    }
}

/// A client error in this run's language.
fn error_text(error: &ClientError) -> String {
    let text = match error {
        ClientError::NotRunning { data } => say("cli-not-running", &[("data", arg(data))]),
        ClientError::Unreachable { api, reason } => say(
            "cli-unreachable",
            &[("api", arg(api)), ("reason", arg(reason))],
        ),
        ClientError::Server(detail) => say("cli-server-failed", &[("detail", arg(detail))]),
        ClientError::Protocol(detail) => say("cli-protocol", &[("detail", arg(detail))]),
        ClientError::Refused { message, .. } => message.clone(),
        ClientError::Credential(detail) => say("cli-credential", &[("detail", arg(detail))]),
    };
    say("cli-error", &[("error", arg(text))])
}
