//! `fedrec debug send`: sends a file's bytes verbatim as one `/fedrec/sync/1` request, with this
//! node's key, and prints the answer. It is how tests and operators put hand-made or hostile
//! input through the real network path (noise handshake, gating, framing, decoding, ingest).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use fedrec_common::sync::Response;

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Send FILE's bytes (length prefix included) to a peer and print its answer as JSON.
    Send {
        /// The peer, MULTIADDR/p2p/PEER_ID.
        #[arg(long)]
        to: String,
        file: PathBuf,
        #[arg(long, default_value_t = 20)]
        timeout_secs: u64,
    },
}

pub fn run(data: &Path, command: DebugCommand) -> anyhow::Result<u8> {
    let DebugCommand::Send {
        to,
        file,
        timeout_secs,
    } = command;
    let key = crate::daemon::key_from(data)?;
    let peer = to
        .parse()
        .with_context(|| format!("'{to}' is not a multiaddr"))?;
    let bytes = std::fs::read(&file).with_context(|| format!("{}: cannot read", file.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let answer = runtime.block_on(crate::net::send_raw(
        &key,
        peer,
        bytes,
        Duration::from_secs(timeout_secs),
    ))?;
    match answer {
        Ok(response) => {
            println!("{}", serde_json::to_string(&describe(&response))?);
            Ok(0)
        }
        Err(failure) => {
            println!("{}", serde_json::json!({ "failed": failure }));
            Ok(super::EXIT_PROBLEMS)
        }
    }
}

fn describe(response: &Response) -> serde_json::Value {
    match response {
        Response::Ack {
            accepted,
            duplicates,
            refused,
        } => {
            serde_json::json!({ "ack": { "accepted": accepted, "duplicates": duplicates, "refused": refused } })
        }
        Response::Refused { reason } => serde_json::json!({ "refused": reason }),
        Response::InSync => serde_json::json!({ "in_sync": true }),
        Response::Heads {
            heads,
            roster_version,
        } => serde_json::json!({ "heads": heads.len(), "roster_version": roster_version }),
        Response::Entries { entries, more } => {
            serde_json::json!({ "entries": entries.len(), "more": more })
        }
        Response::Roster { batches, .. } => {
            serde_json::json!({ "roster": true, "batches": batches.len() })
        }
    }
}
