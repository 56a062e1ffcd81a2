//! `fedrec batch ...`: checking batch definition files, and publishing them (ministry).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use fedrec_common::batch::Batch;
use fedrec_common::i18n;

use super::{arg, lang, say};
use crate::client::Client;

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Check a batch definition file and show it as fedrec reads it (deadline in Beijing time).
    Check {
        /// The batch file, such as config/examples/batch-6.toml.
        file: PathBuf,
    },
    /// Sign a batch definition with the ministry's key and publish it to this node (ministry).
    Publish {
        /// The batch file, such as config/examples/batch-6.toml.
        file: PathBuf,
    },
}

pub fn run(data: &Path, command: BatchCommand) -> anyhow::Result<u8> {
    match command {
        BatchCommand::Check { file } => {
            print_batch(&fedrec_config::load_batch(&file)?);
            Ok(0)
        }
        BatchCommand::Publish { file } => {
            // Check locally first so the error names the file.
            fedrec_config::load_batch(&file)?;
            let text = std::fs::read(&file)
                .with_context(|| say("cli-cannot-read", &[("file", arg(file.display()))]))?;
            let client = Client::connect(data)?;
            let batch: Batch = client.send_bytes("POST", "/batches", "application/toml", text)?;
            println!(
                "{}",
                say("cli-batch-published", &[("batch", arg(batch.number))])
            );
            print_batch(&batch);
            Ok(0)
        }
    }
}

fn print_batch(batch: &Batch) {
    let lines = [
        say(
            "cli-batch-title",
            &[("batch", arg(batch.number)), ("title", arg(&batch.title))],
        ),
        say(
            "cli-batch-deadline",
            &[("deadline", arg(i18n::time(lang(), batch.deadline)))],
        ),
        say(
            "cli-batch-areas",
            &[
                ("count", arg(batch.key_areas.len())),
                ("areas", arg(batch.key_areas.join("、"))),
            ],
        ),
        say(
            "cli-batch-quota",
            &[("quota", arg(batch.quota_per_recommender))],
        ),
        say("cli-batch-cap", &[("yuan", arg(batch.subsidy_cap_yuan))]),
    ];
    for line in lines {
        println!("{line}");
    }
}
