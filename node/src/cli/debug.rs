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
    /// Write the manual pages (fedrec.1 and one per command), generated from this CLI's own
    /// definition, into DIR: what the Debian package installs.
    Man {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write shell completions (bash, zsh, fish) into DIR.
    Completions {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Send each FILE's bytes (length prefix included) as one request to a peer, all at once on
    /// one connection, and print each answer as a line of JSON, in the order of the files.
    Send {
        /// The peer, MULTIADDR/p2p/PEER_ID.
        #[arg(long)]
        to: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, default_value_t = 20)]
        timeout_secs: u64,
    },
    /// Open CONNECTIONS connections at once to a peer, each with a new key the roster does not
    /// know, each sending a digest; print how many were answered and how many cut off.
    Flood {
        #[arg(long)]
        to: String,
        #[arg(long, default_value_t = 100)]
        connections: usize,
        #[arg(long, default_value_t = 20)]
        timeout_secs: u64,
    },
}

pub fn run(data: &Path, command: DebugCommand) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match command {
        DebugCommand::Man { out } => super::manual::man_pages(&out),
        DebugCommand::Completions { out } => super::manual::completions(&out),
        DebugCommand::Send {
            to,
            files,
            timeout_secs,
        } => {
            let key = crate::daemon::key_from(data)?;
            let requests = files
                .iter()
                .map(|file| {
                    std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let answers = runtime.block_on(crate::net::send_raw_many(
                &key,
                multiaddr(&to)?,
                requests,
                Duration::from_secs(timeout_secs),
            ))?;
            let mut code = 0;
            for answer in answers {
                match answer {
                    Ok(response) => println!("{}", serde_json::to_string(&describe(&response))?),
                    Err(failure) => {
                        println!("{}", serde_json::json!({ "failed": failure }));
                        code = super::EXIT_PROBLEMS;
                    }
                }
            }
            Ok(code)
        }
        DebugCommand::Flood {
            to,
            connections,
            timeout_secs,
        } => {
            let peer = multiaddr(&to)?;
            let digest = fedrec_common::sync::encode(&fedrec_common::sync::Request::Digest {
                digest: fedrec_common::identity::Hash32::of(b"flood"),
                feeds: 0,
                roster_version: 0,
            })?;
            let mut frame = (digest.len() as u32).to_be_bytes().to_vec();
            frame.extend_from_slice(&digest);
            let answers = runtime.block_on(futures::future::join_all((0..connections).map(|_| {
                let key = fedrec_common::identity::NodeKey::generate();
                let (peer, frame) = (peer.clone(), frame.clone());
                async move {
                    crate::net::send_raw(&key, peer, frame, Duration::from_secs(timeout_secs)).await
                }
            })));
            let answered = answers.iter().filter(|a| matches!(a, Ok(Ok(_)))).count();
            println!(
                "{}",
                serde_json::json!({ "connections": connections, "answered": answered, "cut_off": connections - answered })
            );
            Ok(0)
        }
    }
}

fn multiaddr(text: &str) -> anyhow::Result<libp2p::Multiaddr> {
    text.parse()
        .with_context(|| format!("'{text}' is not a multiaddr"))
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
