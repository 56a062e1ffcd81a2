//! `fedrec init`, `run`, `wait`, `status` and `verify`: creating, running and inspecting a node.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::{Args, ValueEnum};
use fedrec_config::{Overrides, Role};

use super::{EXIT_NO_DAEMON, Format};
use crate::client::Client;
use crate::daemon::{self, InitRequest};
use crate::node::NodeStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Ministry,
    Recommender,
    FieldOffice,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// What the node is for.
    #[arg(long, value_enum)]
    role: RoleArg,
    /// The recommender this node acts for (recommender and field-office nodes), e.g. shanghai.
    #[arg(long)]
    recommender: Option<String>,
    /// A name for people and logs, e.g. 上海市人力资源和社会保障局.
    #[arg(long)]
    name: Option<String>,
    /// A p2p listen address (repeat for several). Default: TCP and QUIC on port 7400.
    #[arg(long, value_name = "MULTIADDR")]
    listen: Vec<String>,
    /// The local API address. Default: 127.0.0.1:7401.
    #[arg(long, value_name = "HOST:PORT")]
    api: Option<String>,
    /// The ministry's address and identity, e.g. /ip4/10.0.0.1/tcp/7400/p2p/12D3KooW...
    #[arg(long, value_name = "MULTIADDR/p2p/PEER_ID")]
    ministry: Option<String>,
    /// Another node to keep connected, MULTIADDR/p2p/PEER_ID (repeat for several): a field
    /// office names its HQ here.
    #[arg(long, value_name = "MULTIADDR/p2p/PEER_ID")]
    peer: Vec<String>,
    /// Find peers on the LAN by multicast DNS (off by default: it multicasts on every interface).
    #[arg(long)]
    mdns: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Serve the API here instead of the configured address.
    #[arg(long, value_name = "HOST:PORT")]
    api: Option<String>,
    /// Work with no network at all: listen on nothing, dial nobody, and accept writes at once
    /// without first learning this node's own feed heads from a peer. For a node that must work
    /// alone (a field office on the road); never after restoring its data from a backup.
    #[arg(long)]
    offline: bool,
}

pub fn init(data: &Path, args: InitArgs) -> anyhow::Result<u8> {
    let role = match args.role {
        RoleArg::Ministry => Role::Ministry,
        RoleArg::Recommender => Role::Recommender,
        RoleArg::FieldOffice => Role::FieldOffice,
    };
    let (node_id, peer_id) = daemon::init(InitRequest {
        role,
        data: data.to_path_buf(),
        recommender: args.recommender,
        name: args.name,
        listen: (!args.listen.is_empty()).then_some(args.listen),
        api: args.api,
        ministry: args.ministry,
        peers: args.peer,
        mdns: args.mdns,
    })?;
    println!("created {} node in {}", role.key(), data.display());
    println!("node id: {node_id}");
    println!("peer id: {peer_id}");
    Ok(0)
}

pub fn id(data: &Path, peer: bool) -> anyhow::Result<u8> {
    let key = daemon::key_from(data)?;
    if peer {
        println!("{}", daemon::peer_id(&key));
    } else {
        println!("{}", key.id());
    }
    Ok(0)
}

pub fn run(data: &Path, args: RunArgs) -> anyhow::Result<u8> {
    let overrides = Overrides {
        api: args.api,
        ..Overrides::default()
    };
    daemon::run(data, &overrides, args.offline)?;
    Ok(0)
}

pub fn wait(data: &Path, timeout_secs: u64) -> anyhow::Result<u8> {
    let deadline = Instant::now() + Duration::from_secs(timeout_secs);
    let mut answering = false;
    loop {
        if let Ok(client) = Client::connect(data)
            && let Ok(health) = client.get::<serde_json::Value>("/health")
        {
            answering = true;
            if health["writable"] == true {
                println!(
                    "daemon for {} answers at {} and accepts writes",
                    data.display(),
                    client.base()
                );
                return Ok(0);
            }
        }
        if Instant::now() >= deadline {
            if answering {
                eprintln!(
                    "the daemon for {} answers but does not accept writes yet: no peer has confirmed its own feed heads within {timeout_secs} s (start it with `fedrec run --offline` if it must work alone)",
                    data.display()
                );
            } else {
                eprintln!(
                    "no daemon answered for {} within {timeout_secs} s",
                    data.display()
                );
            }
            return Ok(EXIT_NO_DAEMON);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn status(data: &Path, format: Format) -> anyhow::Result<u8> {
    let client = Client::connect(data)?;
    let status: NodeStatus = client.get("/status")?;
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(0);
    }
    println!("node:        {} ({})", status.name, status.role);
    println!("node id:     {}", status.node_id);
    println!("peer id:     {}", status.peer_id);
    if let Some(recommender) = &status.recommender {
        println!("recommender: {recommender}");
    }
    match status.roster_version {
        Some(version) => match status.roster_issued_at {
            Some(issued) => {
                let age_hours = (crate::node::now().millis() - issued.millis()).max(0) / 3_600_000;
                println!(
                    "roster:      version {version}, issued {issued} ({} old)",
                    if age_hours < 48 {
                        format!("{age_hours} h")
                    } else {
                        format!("{} days", age_hours / 24)
                    }
                )
            }
            None => println!("roster:      version {version}"),
        },
        None => println!(
            "roster:      none yet (import the ministry's bundle with `fedrec roster import`)"
        ),
    }
    let batches: Vec<String> = status.batches.iter().map(ToString::to_string).collect();
    println!(
        "batches:     {}",
        if batches.is_empty() {
            "none".into()
        } else {
            batches.join(", ")
        }
    );
    println!("feeds:       {}", status.feeds.len());
    for feed in &status.feeds {
        println!(
            "  {} {:<24} at {}",
            feed.author.short(),
            feed.topic.to_string(),
            feed.seq
        );
    }
    let counts: Vec<String> = status
        .records
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    println!(
        "records:     {}",
        if counts.is_empty() {
            "none".into()
        } else {
            counts.join(", ")
        }
    );
    println!("quarantine:  {}", status.quarantine);
    println!("peers:       {}", status.peers.len());
    for peer in &status.peers {
        let node = peer.node_id.map(|id| id.short()).unwrap_or_default();
        let pending = peer.pending_entries.map_or_else(
            || "not known yet".to_string(),
            |n| format!("{n} entries pending to it"),
        );
        println!(
            "  {} (node {node}), last round {}, {pending}",
            peer.peer_id,
            peer.last_round.as_deref().unwrap_or("none yet")
        );
    }
    Ok(0)
}

pub fn verify(data: &Path) -> anyhow::Result<u8> {
    let client = Client::connect(data)?;
    let answer: serde_json::Value = client.get("/verify")?;
    let Some(entries) = answer["verified_entries"].as_u64() else {
        bail!("unexpected answer: {answer}");
    };
    println!("{entries} entries verified: every signature and every hash chain holds");
    Ok(0)
}

pub fn decisions(data: &Path, batch: Option<u32>, format: Format) -> anyhow::Result<u8> {
    let client = Client::connect(data)?;
    let path = match batch {
        Some(batch) => format!("/decisions?batch={batch}"),
        None => "/decisions".to_string(),
    };
    let rows: Vec<crate::ministry::DecisionRow> = client.get(&path)?;
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(0);
    }
    for row in &rows {
        println!(
            "{:<14} {:<16} {:<12} {}  {}  {}{}",
            row.recommender.as_str(),
            row.record.as_deref().unwrap_or("-"),
            row.verdict,
            row.credit_code,
            row.institution,
            row.reason,
            if row.review.is_empty() {
                String::new()
            } else {
                format!("  [{}]", row.review)
            }
        );
    }
    Ok(0)
}

pub fn review(
    data: &Path,
    id: &str,
    expert: &str,
    score: u32,
    opinion: &str,
) -> anyhow::Result<u8> {
    let body = serde_json::json!({ "expert": expert, "score": score, "opinion": opinion });
    let _: serde_json::Value =
        Client::connect(data)?.send("POST", &format!("/records/{id}/review"), &body)?;
    println!("review by {expert} recorded for {id}: score {score}");
    Ok(0)
}

pub fn recognise(data: &Path, id: &str, subsidy_yuan: u64) -> anyhow::Result<u8> {
    let body = serde_json::json!({ "subsidy_yuan": subsidy_yuan });
    let _: serde_json::Value =
        Client::connect(data)?.send("POST", &format!("/records/{id}/recognise"), &body)?;
    println!("{id} recognised, subsidy {subsidy_yuan} yuan");
    Ok(0)
}

pub fn decline(data: &Path, id: &str, reason: &str) -> anyhow::Result<u8> {
    let body = serde_json::json!({ "reason": reason });
    let _: serde_json::Value =
        Client::connect(data)?.send("POST", &format!("/records/{id}/decline"), &body)?;
    println!("{id} declined: {reason}");
    Ok(0)
}

pub fn publish(data: &Path, batch: u32) -> anyhow::Result<u8> {
    let bases: Vec<fedrec_common::review::PublishedBase> =
        Client::connect(data)?.send("POST", "/publish", &serde_json::json!({ "batch": batch }))?;
    println!(
        "published {} recognised base(s) of batch {batch}",
        bases.len()
    );
    Ok(0)
}

pub fn published(data: &Path, batch: u32, format: Format) -> anyhow::Result<u8> {
    let bases: Vec<fedrec_common::review::PublishedBase> =
        Client::connect(data)?.get(&format!("/published?batch={batch}"))?;
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&bases)?);
        return Ok(0);
    }
    if bases.is_empty() {
        println!("no published list of batch {batch} on this node yet");
    }
    for base in &bases {
        println!(
            "{}  {}  {}  {} yuan",
            base.recommender.as_str(),
            base.credit_code,
            base.institution,
            base.subsidy_yuan
        );
    }
    Ok(0)
}

pub fn export(
    data: &Path,
    batch: u32,
    format: super::ExportFormat,
    out: &Path,
) -> anyhow::Result<u8> {
    use anyhow::Context;
    let rows: Vec<crate::ministry::DecisionRow> =
        Client::connect(data)?.get(&format!("/decisions?batch={batch}"))?;
    match format {
        super::ExportFormat::Csv => std::fs::write(out, crate::export::csv(&rows)),
        super::ExportFormat::Json => std::fs::write(out, serde_json::to_vec_pretty(&rows)?),
        super::ExportFormat::Xlsx => {
            crate::export::xlsx(&rows, out)?;
            Ok(())
        }
    }
    .with_context(|| format!("{}: cannot write", out.display()))?;
    println!(
        "wrote {} rows of batch {batch} to {}",
        rows.len(),
        out.display()
    );
    Ok(0)
}
