//! `fedrec batch ...`: checking batch definition files, and publishing them (ministry).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use fedrec_common::batch::Batch;

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
            let text =
                std::fs::read(&file).with_context(|| format!("{}: cannot read", file.display()))?;
            let client = Client::connect(data)?;
            let batch: Batch = client.send_bytes("POST", "/batches", "application/toml", text)?;
            println!(
                "published batch {} signed by this ministry node",
                batch.number
            );
            print_batch(&batch);
            Ok(0)
        }
    }
}

fn print_batch(batch: &Batch) {
    println!("batch {}: {}", batch.number, batch.title);
    println!(
        "deadline: {} (submissions received after it are late)",
        batch.deadline
    );
    println!(
        "key areas ({}): {}",
        batch.key_areas.len(),
        batch.key_areas.join("、")
    );
    println!("quota per recommender: {}", batch.quota_per_recommender);
    println!("subsidy cap: {} yuan", batch.subsidy_cap_yuan);
}
