//! `fedrec roster ...`: the ministry keeps the roster; every node imports it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use fedrec_common::roster::{KeyRole, RecommenderKind, Roster};

use super::{arg, say};
use crate::client::Client;
use crate::node::{RosterAdd, RosterBundle};

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Add a recommender (or rename it), and optionally grant it a node key (ministry).
    Add {
        /// The recommender's id, e.g. shanghai.
        #[arg(long)]
        recommender: String,
        /// Its Chinese name, e.g. 上海市人力资源和社会保障局.
        #[arg(long)]
        name: String,
        /// province, department, central_enterprise, association or institute.
        #[arg(long)]
        kind: String,
        /// A node id (as `fedrec init` printed it) to act for this recommender.
        #[arg(long, value_name = "NODE_ID")]
        key: Option<String>,
        /// The key's role: hq or field_office.
        #[arg(long, default_value = "hq")]
        role: String,
        /// Let this field office's key submit and withdraw (HQ keys always may).
        #[arg(long)]
        may_submit: bool,
    },
    /// Grant a field office's key the right to submit and withdraw, or take it back with
    /// `--no` (ministry). Without it a field office drafts and edits, and its HQ submits.
    MaySubmit {
        #[arg(long, value_name = "NODE_ID")]
        key: String,
        /// Take the right back.
        #[arg(long)]
        no: bool,
    },
    /// Revoke a key for every entry after a position of its feed (ministry).
    Revoke {
        #[arg(long, value_name = "NODE_ID")]
        key: String,
        /// Entries the key signed up to this feed position stay valid.
        #[arg(long)]
        after: u64,
    },
    /// Show the roster this node holds.
    Show,
    /// Write the signed roster and batch definitions to a file, for another node.
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Import a signed roster bundle (checked against the configured ministry key).
    Import {
        /// The file `fedrec roster export` wrote.
        file: PathBuf,
    },
}

pub fn run(data: &Path, command: RosterCommand) -> anyhow::Result<u8> {
    let client = Client::connect(data)?;
    match command {
        RosterCommand::Add {
            recommender,
            name,
            kind,
            key,
            role,
            may_submit,
        } => {
            let request = RosterAdd {
                recommender,
                name,
                kind,
                key,
                role: Some(role),
                may_submit,
            };
            let roster: Roster = client.send("POST", "/roster/recommenders", &request)?;
            println!(
                "{}",
                say("cli-roster-now", &[("version", arg(roster.version))])
            );
            print_roster(&roster);
        }
        RosterCommand::Revoke { key, after } => {
            let roster: Roster = client.send(
                "POST",
                "/roster/revoke",
                &serde_json::json!({ "key": key, "after": after }),
            )?;
            let args = [("after", arg(after)), ("version", arg(roster.version))];
            println!("{}", say("cli-roster-revoked", &args));
        }
        RosterCommand::MaySubmit { key, no } => {
            let roster: Roster = client.send(
                "POST",
                "/roster/may-submit",
                &serde_json::json!({ "key": key, "may_submit": !no }),
            )?;
            let id = if no {
                "cli-roster-may-not-submit"
            } else {
                "cli-roster-may-submit"
            };
            let args = [("key", arg(&key)), ("version", arg(roster.version))];
            println!("{}", say(id, &args));
        }
        RosterCommand::Show => {
            let bundle: RosterBundle = client.get("/roster")?;
            let roster: Roster = serde_json::from_str(&bundle.roster.body)?;
            let args = [
                ("version", arg(roster.version)),
                ("ministry", arg(roster.ministry.short())),
            ];
            println!("{}", say("cli-roster-version", &args));
            print_roster(&roster);
        }
        RosterCommand::Export { out } => {
            let bundle: RosterBundle = client.get("/roster")?;
            let text = serde_json::to_string_pretty(&bundle)?;
            std::fs::write(&out, text)
                .with_context(|| say("cli-cannot-write", &[("file", arg(out.display()))]))?;
            let args = [
                ("count", arg(bundle.batches.len())),
                ("file", arg(out.display())),
            ];
            println!("{}", say("cli-roster-written", &args));
        }
        RosterCommand::Import { file } => {
            let text = std::fs::read(&file)
                .with_context(|| say("cli-cannot-read", &[("file", arg(file.display()))]))?;
            let bundle: RosterBundle = serde_json::from_slice(&text)
                .with_context(|| say("cli-not-roster-bundle", &[("file", arg(file.display()))]))?;
            let roster: Roster = client.send("POST", "/roster/import", &bundle)?;
            let args = [
                ("version", arg(roster.version)),
                ("count", arg(bundle.batches.len())),
            ];
            println!("{}", say("cli-roster-imported", &args));
        }
    }
    Ok(0)
}

/// The catalogue's word for a kind of recommender.
fn kind_text(kind: RecommenderKind) -> String {
    let id = match kind {
        RecommenderKind::Province => "kind-province",
        RecommenderKind::Department => "kind-department",
        RecommenderKind::CentralEnterprise => "kind-central-enterprise",
        RecommenderKind::Association => "kind-association",
        RecommenderKind::Institute => "kind-institute",
    };
    say(id, &[])
}

/// The catalogue's word for what a key does for its recommender.
fn key_role_text(role: KeyRole) -> String {
    let id = match role {
        KeyRole::Hq => "key-role-hq",
        KeyRole::FieldOffice => "key-role-field-office",
    };
    say(id, &[])
}

fn print_roster(roster: &Roster) {
    for recommender in &roster.recommenders {
        println!(
            "  {:<20} {} ({})",
            recommender.id.to_string(),
            recommender.name,
            kind_text(recommender.kind)
        );
        for grant in roster
            .keys
            .iter()
            .filter(|g| g.recommender == recommender.id)
        {
            let revoked = grant
                .revoked_after
                .map(|n| say("cli-roster-key-revoked", &[("after", arg(n))]))
                .unwrap_or_default();
            let role = if grant.may_submit {
                say(
                    "cli-roster-role-may-submit",
                    &[("role", arg(key_role_text(grant.role)))],
                )
            } else {
                key_role_text(grant.role)
            };
            let args = [
                ("key", arg(grant.key)),
                ("role", arg(role)),
                ("revoked", arg(revoked)),
            ];
            println!("    {}", say("cli-roster-key", &args));
        }
    }
}
