//! `fedrec init`, `run`, `wait`, `status` and `verify`: creating, running and inspecting a node.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::{Args, ValueEnum};
use fedrec_config::{Overrides, Role};

use super::{EXIT_NO_DAEMON, Format, arg, lang, say};
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
    let role = say(&format!("role-{}", role.key()), &[]);
    println!(
        "{}",
        say(
            "cli-init-created",
            &[("role", arg(role)), ("dir", arg(data.display()))]
        )
    );
    println!("{}", say("cli-node-id", &[("id", arg(node_id))]));
    println!("{}", say("cli-peer-id", &[("id", arg(peer_id))]));
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
                    "{}",
                    say(
                        "cli-wait-ready",
                        &[("data", arg(data.display())), ("api", arg(client.base()))]
                    )
                );
                return Ok(0);
            }
        }
        if Instant::now() >= deadline {
            let id = if answering {
                "cli-wait-not-writable"
            } else {
                "cli-wait-no-answer"
            };
            eprintln!(
                "{}",
                say(
                    id,
                    &[("data", arg(data.display())), ("secs", arg(timeout_secs))]
                )
            );
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
    print_status(&status);
    Ok(0)
}

/// `fedrec status` for people, line by line from the catalogue.
fn print_status(status: &NodeStatus) {
    let line = |id: &str, args: &[(&str, fedrec_common::i18n::Arg)]| println!("{}", say(id, args));
    let none = || say("cli-none", &[]);
    let role = say(&format!("role-{}", status.role), &[]);
    line(
        "cli-status-node",
        &[("name", arg(&status.name)), ("role", arg(role))],
    );
    line("cli-status-node-id", &[("id", arg(status.node_id))]);
    line("cli-status-peer-id", &[("id", arg(&status.peer_id))]);
    if let Some(recommender) = &status.recommender {
        line(
            "cli-status-recommender",
            &[("recommender", arg(recommender))],
        );
    }
    match status.roster_version {
        Some(version) => match status.roster_issued_at {
            // How old the roster is tells an operator whether the node is keeping up.
            Some(issued) => line(
                "cli-status-roster-issued",
                &[
                    ("version", arg(version)),
                    ("issued", arg(issued)),
                    (
                        "hours",
                        arg((crate::node::now().millis() - issued.millis()).max(0) / 3_600_000),
                    ),
                ],
            ),
            None => line("cli-status-roster", &[("version", arg(version))]),
        },
        None => line("cli-status-no-roster", &[]),
    }
    let batches: Vec<String> = status.batches.iter().map(ToString::to_string).collect();
    let batches = if batches.is_empty() {
        none()
    } else {
        batches.join(", ")
    };
    line("cli-status-batches", &[("batches", arg(batches))]);
    line("cli-status-feeds", &[("count", arg(status.feeds.len()))]);
    for feed in &status.feeds {
        let args = [
            ("author", arg(feed.author.short())),
            ("topic", arg(format!("{:<24}", feed.topic.to_string()))),
            ("seq", arg(feed.seq)),
        ];
        println!("  {}", say("cli-status-feed", &args));
    }
    let counts: Vec<String> = status
        .records
        .iter()
        .map(|(s, n)| {
            let status = fedrec_common::i18n::status(lang(), s);
            say(
                "cli-status-record-count",
                &[("count", arg(n)), ("status", arg(status))],
            )
        })
        .collect();
    let records = if counts.is_empty() {
        none()
    } else {
        fedrec_common::i18n::list(lang(), counts)
    };
    line("cli-status-records", &[("records", arg(records))]);
    line(
        "cli-status-quarantine",
        &[("count", arg(status.quarantine))],
    );
    line("cli-status-peers", &[("count", arg(status.peers.len()))]);
    for peer in &status.peers {
        let node = peer.node_id.map(|id| id.short()).unwrap_or_default();
        let pending = peer.pending_entries.map_or_else(
            || say("cli-status-pending-unknown", &[]),
            |n| say("cli-status-pending", &[("count", arg(n))]),
        );
        let round = peer.last_round_secs_ago.map_or_else(
            || say("cli-none-yet", &[]),
            |secs| say("cli-seconds-ago", &[("seconds", arg(secs))]),
        );
        let args = [
            ("peer", arg(&peer.peer_id)),
            ("node", arg(node)),
            ("round", arg(round)),
            ("pending", arg(pending)),
        ];
        println!("  {}", say("cli-status-peer", &args));
    }
}

pub fn verify(data: &Path) -> anyhow::Result<u8> {
    let client = Client::connect(data)?;
    let answer: serde_json::Value = client.get("/verify")?;
    let Some(entries) = answer["verified_entries"].as_u64() else {
        bail!(say("cli-unexpected-answer", &[("answer", arg(&answer))]));
    };
    println!("{}", say("cli-verified", &[("entries", arg(entries))]));
    Ok(0)
}

/// Upgrades a stopped node's database; refused while a daemon holds the directory.
pub fn migrate(data: &Path) -> anyhow::Result<u8> {
    let db = data.join(crate::daemon::DB_DIR);
    if !db.join("CURRENT").exists() {
        bail!(say("cli-migrate-no-db", &[("path", arg(db.display()))]));
    }
    let _lock = crate::daemon::lock(data)?;
    let data_arg = arg(data.display());
    match crate::daemon::migrate_db(data)? {
        crate::migrate::Upgrade::Current => println!(
            "{}",
            say(
                "cli-migrate-current",
                &[
                    ("data", data_arg),
                    ("version", arg(crate::store::SCHEMA_VERSION))
                ]
            )
        ),
        crate::migrate::Upgrade::Migrated { from, backup, rows } => println!(
            "{}",
            say(
                "cli-migrate-done",
                &[
                    ("data", data_arg),
                    ("from", arg(from)),
                    ("to", arg(crate::store::SCHEMA_VERSION)),
                    ("rows", arg(rows)),
                    ("backup", arg(backup.display())),
                ]
            )
        ),
    }
    Ok(0)
}

pub fn decisions(data: &Path, batch: Option<u32>, format: Format) -> anyhow::Result<u8> {
    let client = Client::connect(data)?;
    let path = match batch {
        Some(batch) => format!("/decisions?batch={batch}"),
        None => "/decisions".to_string(),
    };
    let mut rows: Vec<crate::ministry::DecisionRow> = client.get(&path)?;
    // Rendered here, in the CLI's language, whatever language the daemon answered in.
    for row in &mut rows {
        row.localise(lang());
    }
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(0);
    }
    for row in &rows {
        println!(
            "{:<14} {:<16} {:<12} {}  {}  {}{}",
            row.recommender.as_str(),
            row.record.as_deref().unwrap_or("-"),
            row.verdict_text,
            row.credit_code,
            row.institution,
            row.reason_text,
            if row.review_text.is_empty() {
                String::new()
            } else {
                format!("  [{}]", row.review_text)
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
    let args = [
        ("expert", arg(expert)),
        ("id", arg(id)),
        ("score", arg(score)),
    ];
    println!("{}", say("cli-reviewed", &args));
    Ok(0)
}

pub fn recognise(data: &Path, id: &str, subsidy_yuan: u64) -> anyhow::Result<u8> {
    let body = serde_json::json!({ "subsidy_yuan": subsidy_yuan });
    let _: serde_json::Value =
        Client::connect(data)?.send("POST", &format!("/records/{id}/recognise"), &body)?;
    println!(
        "{}",
        say(
            "cli-recognised",
            &[("id", arg(id)), ("yuan", arg(subsidy_yuan))]
        )
    );
    Ok(0)
}

pub fn decline(data: &Path, id: &str, reason: &str) -> anyhow::Result<u8> {
    let body = serde_json::json!({ "reason": reason });
    let _: serde_json::Value =
        Client::connect(data)?.send("POST", &format!("/records/{id}/decline"), &body)?;
    println!(
        "{}",
        say("cli-declined", &[("id", arg(id)), ("reason", arg(reason))])
    );
    Ok(0)
}

pub fn publish(data: &Path, batch: u32) -> anyhow::Result<u8> {
    let bases: Vec<fedrec_common::review::PublishedBase> =
        Client::connect(data)?.send("POST", "/publish", &serde_json::json!({ "batch": batch }))?;
    println!(
        "{}",
        say(
            "cli-published",
            &[("count", arg(bases.len())), ("batch", arg(batch))]
        )
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
        println!("{}", say("cli-no-published", &[("batch", arg(batch))]));
    }
    for base in &bases {
        let args = [
            ("recommender", arg(base.recommender.as_str())),
            ("code", arg(&base.credit_code)),
            ("institution", arg(&base.institution)),
            ("yuan", arg(base.subsidy_yuan)),
        ];
        println!("{}", say("cli-published-line", &args));
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
    let mut rows: Vec<crate::ministry::DecisionRow> =
        Client::connect(data)?.get(&format!("/decisions?batch={batch}"))?;
    for row in &mut rows {
        row.localise(lang());
    }
    match format {
        super::ExportFormat::Csv => std::fs::write(out, crate::export::csv(&rows, lang())),
        super::ExportFormat::Json => std::fs::write(out, serde_json::to_vec_pretty(&rows)?),
        super::ExportFormat::Xlsx => {
            crate::export::xlsx(&rows, lang(), out)?;
            Ok(())
        }
    }
    .with_context(|| say("cli-cannot-write", &[("file", arg(out.display()))]))?;
    let args = [
        ("count", arg(rows.len())),
        ("batch", arg(batch)),
        ("file", arg(out.display())),
    ];
    println!("{}", say("cli-exported", &args));
    Ok(0)
}

/// `fedrec ui`: asks the daemon for a login link and prints it (and opens it with `--open`).
pub fn ui(
    data: &Path,
    user: Option<String>,
    role: Option<String>,
    open: bool,
) -> anyhow::Result<u8> {
    let user = user
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|name| !name.trim().is_empty());
    let Some(user) = user else {
        eprintln!("{}", say("cli-ui-no-user", &[]));
        return Ok(2);
    };
    let client = Client::connect(data)?;
    let link: serde_json::Value = client.send(
        "POST",
        "/login-links",
        &serde_json::json!({ "user": user, "role": role }),
    )?;
    let url = link["url"].as_str().unwrap_or_default().to_string();
    let minutes = link["expires_in_secs"].as_u64().unwrap_or(0) / 60;
    let role_text = crate::ui::role_text(
        lang(),
        fedrec_common::operator::Role::parse(link["role"].as_str().unwrap_or_default())
            .unwrap_or(fedrec_common::operator::Role::Editor),
    );
    println!(
        "{}",
        say(
            "cli-ui-link",
            &[
                ("user", arg(&user)),
                ("role", arg(role_text)),
                ("minutes", arg(minutes)),
            ]
        )
    );
    println!("{url}");
    let remote_urls: Vec<&str> = link["remote_urls"]
        .as_array()
        .map(|urls| urls.iter().filter_map(|u| u.as_str()).collect())
        .unwrap_or_default();
    if !remote_urls.is_empty() {
        println!("{}", say("cli-ui-link-remote", &[]));
        for remote in remote_urls {
            println!("{remote}");
        }
    }
    if open {
        // The desktop's own opener; the link is printed above whatever happens.
        let opened = std::process::Command::new("xdg-open")
            .arg(&url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        if !opened.is_ok_and(|status| status.success()) {
            eprintln!("{}", say("cli-ui-cannot-open", &[]));
        }
    }
    Ok(0)
}
