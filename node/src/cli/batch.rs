//! `fedrec batch ...`: checking batch definition files before the ministry publishes them.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Check a batch definition file and show it as fedrec reads it (deadline in Beijing time).
    Check {
        /// The batch file, such as config/examples/batch-6.toml.
        file: PathBuf,
    },
}

pub fn run(command: BatchCommand) -> anyhow::Result<u8> {
    match command {
        BatchCommand::Check { file } => {
            let batch = fedrec_config::load_batch(&file)?;
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
            Ok(0)
        }
    }
}
