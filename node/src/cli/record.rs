//! `fedrec record ...`: the application file — validating it before anything is signed, and
//! printing a complete example to start from.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use fedrec_common::batch::Batch;
use fedrec_common::form::Application;

use super::EXIT_PROBLEMS;

/// The complete example application shipped with fedrec.
const EXAMPLE_APPLICATION: &str = include_str!("../../../config/examples/application.toml");

#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// Check an application file and print every problem with its field. Exits 0 when the
    /// application is valid, 1 when it has problems, 2 when the file cannot be read at all.
    Validate {
        /// The application file (TOML), such as config/examples/application.toml.
        file: PathBuf,
        /// Check against this batch definition instead of the shipped one for the file's batch.
        #[arg(long, value_name = "FILE")]
        batch_file: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print a complete example application to start from.
    Template,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(command: RecordCommand) -> anyhow::Result<u8> {
    match command {
        RecordCommand::Validate {
            file,
            batch_file,
            format,
        } => validate(&file, batch_file.as_deref(), format),
        RecordCommand::Template => {
            print!("{EXAMPLE_APPLICATION}");
            Ok(0)
        }
    }
}

fn validate(file: &Path, batch_file: Option<&Path>, format: Format) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("{}: cannot read", file.display()))?;
    let application = Application::from_toml_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let batch = batch_for(&application, batch_file)?;
    let problems = application.validate(&batch);
    match format {
        Format::Json => {
            let report = serde_json::json!({
                "file": file.display().to_string(),
                "batch": batch.number,
                "valid": problems.is_empty(),
                "problems": problems,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Format::Text if problems.is_empty() => {
            println!(
                "{}: valid application for batch {} ({}): {} {}",
                file.display(),
                batch.number,
                batch.title,
                application.applicant.name,
                application.applicant.credit_code.trim()
            );
        }
        Format::Text => {
            let count = problems.len();
            println!(
                "{}: {count} problem{}:",
                file.display(),
                if count == 1 { "" } else { "s" }
            );
            for problem in &problems {
                println!("  {}: {}", problem.field, problem.problem);
            }
        }
    }
    Ok(if problems.is_empty() {
        0
    } else {
        EXIT_PROBLEMS
    })
}

/// The batch to check against: the given file, or the shipped definition of the file's batch.
fn batch_for(application: &Application, batch_file: Option<&Path>) -> anyhow::Result<Batch> {
    if let Some(path) = batch_file {
        return Ok(fedrec_config::load_batch(path)?);
    }
    match fedrec_config::shipped_batches()
        .into_iter()
        .find(|batch| batch.number.0 == application.batch)
    {
        Some(batch) => Ok(batch),
        None => bail!(
            "no definition of batch {} is shipped with fedrec; pass --batch-file FILE",
            application.batch
        ),
    }
}
