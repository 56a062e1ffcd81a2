//! `fedrec bundle ...`: offline transfer. A node writes the signed entries it holds to a file;
//! another node verifies and merges them exactly as if they had come over the network.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use fedrec_common::sync::FeedPosition;

use super::{arg, say};
use crate::client::Client;
use crate::replicate::IngestReport;

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Write this node's signed entries to a file.
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Only what the receiving node lacks: its `fedrec bundle heads` file.
        #[arg(long, value_name = "HEADS_FILE")]
        since: Option<PathBuf>,
    },
    /// Verify and merge a bundle file, exactly like entries from the network.
    Import { file: PathBuf },
    /// Write what this node holds (its feed heads), for another node's `bundle export --since`.
    Heads {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

pub fn run(data: &Path, command: BundleCommand) -> anyhow::Result<u8> {
    let client = Client::connect(data)?;
    match command {
        BundleCommand::Export { out, since } => {
            let since: Vec<FeedPosition> = match since {
                Some(file) => {
                    let text = std::fs::read(&file).with_context(|| {
                        say("cli-cannot-read", &[("file", arg(file.display()))])
                    })?;
                    serde_json::from_slice(&text).with_context(|| {
                        say("cli-not-heads-file", &[("file", arg(file.display()))])
                    })?
                }
                None => Vec::new(),
            };
            let body = serde_json::to_vec(&since)?;
            let bytes = client.send_raw("POST", "/bundle/export", "application/json", body)?;
            let entries = crate::replicate::parse_bundle(&bytes)
                .map_err(anyhow::Error::msg)?
                .len();
            std::fs::write(&out, &bytes)
                .with_context(|| say("cli-cannot-write", &[("file", arg(out.display()))]))?;
            let args = [
                ("entries", arg(entries)),
                ("bytes", arg(bytes.len())),
                ("file", arg(out.display())),
            ];
            println!("{}", say("cli-bundle-written", &args));
        }
        BundleCommand::Import { file } => {
            let bytes = std::fs::read(&file)
                .with_context(|| say("cli-cannot-read", &[("file", arg(file.display()))]))?;
            let report: IngestReport =
                client.send_bytes("POST", "/bundle/import", "application/octet-stream", bytes)?;
            let args = [
                ("accepted", arg(report.accepted)),
                ("duplicates", arg(report.duplicates)),
                ("early", arg(report.early)),
                ("refused", arg(report.refused)),
            ];
            println!("{}", say("cli-bundle-imported", &args));
        }
        BundleCommand::Heads { out } => {
            let heads: Vec<FeedPosition> = client.get("/heads")?;
            std::fs::write(&out, serde_json::to_string_pretty(&heads)?)
                .with_context(|| say("cli-cannot-write", &[("file", arg(out.display()))]))?;
            let args = [("count", arg(heads.len())), ("file", arg(out.display()))];
            println!("{}", say("cli-heads-written", &args));
        }
    }
    Ok(0)
}
