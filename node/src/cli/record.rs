//! `fedrec record ...`, `fedrec submit` and `fedrec withdraw`: the application file (validating
//! it before anything is signed, printing an example to start from) and the records a node
//! holds, through its daemon.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use fedrec_common::batch::Batch;
use fedrec_common::form::Application;
use fedrec_common::i18n::{self, Worded};

use super::{EXIT_PROBLEMS, arg, lang, say};
use crate::client::Client;
use crate::node::{HistoryLine, RecordView};
use crate::records::RecordSummary;

/// The complete example application shipped with fedrec.
const EXAMPLE_APPLICATION: &str = fedrec_config::EXAMPLE_APPLICATION_TOML;

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
    /// Create a record from an application file (validated first); prints the record id.
    New {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Edit a draft record: from a whole application file, or box by box with --set.
    Edit {
        /// The record id.
        id: String,
        /// The new application file.
        #[arg(long, value_name = "FILE", conflicts_with = "set")]
        file: Option<PathBuf>,
        /// A box and its new value, e.g. plan.targets=... (repeatable).
        #[arg(long, value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
    /// Show a record's application.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = ShowFormat::Toml)]
        format: ShowFormat,
    },
    /// List the records this node holds.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Attach a file (stored once by its BLAKE3 hash) to a draft record.
    Attach {
        id: String,
        /// recommendation_letter (推荐函), proof (证明材料) or extra (另附纸).
        #[arg(long)]
        kind: String,
        file: PathBuf,
    },
    /// Render the application as a printable HTML page laid out like the 申报表.
    Print {
        id: String,
        #[arg(long, value_name = "FILE.html")]
        out: PathBuf,
    },
    /// Show who changed which box when, from the signed entries.
    History { id: String },
    /// Write the raw Automerge document to standard output.
    Export {
        id: String,
        #[arg(long, value_enum, default_value_t = ExportFormat::Automerge)]
        format: ExportFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Toml,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Automerge,
}

use super::Format;

pub fn run(data: &Path, command: RecordCommand) -> anyhow::Result<u8> {
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
        RecordCommand::New { file } => {
            let application = read_application(&file)?;
            let client = Client::connect(data)?;
            let summary: RecordSummary = client.send("POST", "/records", &application)?;
            println!("{}", summary.id);
            Ok(0)
        }
        RecordCommand::Edit { id, file, set } => {
            let body = match file {
                Some(file) => serde_json::json!({ "application": read_application(&file)? }),
                None if set.is_empty() => bail!(say("cli-edit-needs", &[])),
                None => {
                    let mut pairs = BTreeMap::new();
                    for item in set {
                        let (path, value) = item
                            .split_once('=')
                            .with_context(|| say("cli-set-shape", &[("item", arg(&item))]))?;
                        pairs.insert(path.trim().to_string(), value.to_string());
                    }
                    serde_json::json!({ "set": pairs })
                }
            };
            let client = Client::connect(data)?;
            let summary: RecordSummary = client.send("PATCH", &format!("/records/{id}"), &body)?;
            let args = [("id", arg(summary.id)), ("entries", arg(summary.entries))];
            println!("{}", say("cli-record-updated", &args));
            Ok(0)
        }
        RecordCommand::Show { id, format } => {
            let view: RecordView = Client::connect(data)?.get(&format!("/records/{id}"))?;
            match format {
                ShowFormat::Toml => print!("{}", view.application.to_toml_string()),
                ShowFormat::Json => println!("{}", serde_json::to_string_pretty(&view)?),
            }
            Ok(0)
        }
        RecordCommand::List { format } => {
            let records: Vec<RecordSummary> = Client::connect(data)?.get("/records")?;
            if format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&records)?);
                return Ok(0);
            }
            if records.is_empty() {
                println!("{}", say("cli-no-records", &[]));
            }
            for r in &records {
                let status = i18n::record_status(lang(), r.status);
                let args = [
                    ("id", arg(r.id)),
                    ("batch", arg(r.batch)),
                    ("status", arg(format!("{status:<9}"))),
                    ("code", arg(&r.credit_code)),
                    ("institution", arg(&r.institution)),
                    ("updated", arg(i18n::time(lang(), r.updated_at))),
                ];
                println!("{}", say("cli-record-line", &args));
            }
            Ok(0)
        }
        RecordCommand::Attach { id, kind, file } => {
            let bytes = std::fs::read(&file)
                .with_context(|| say("cli-cannot-read", &[("file", arg(file.display()))]))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .with_context(|| say("cli-names-no-file", &[("file", arg(file.display()))]))?;
            let path = format!(
                "/records/{id}/attachments?kind={}&name={}",
                encode(&kind),
                encode(&name)
            );
            let client = Client::connect(data)?;
            let summary: RecordSummary =
                client.send_bytes("POST", &path, "application/octet-stream", bytes)?;
            let args = [
                ("name", arg(&name)),
                ("id", arg(summary.id)),
                ("count", arg(summary.attachments)),
            ];
            println!("{}", say("cli-attached", &args));
            Ok(0)
        }
        RecordCommand::Print { id, out } => {
            let client = Client::connect(data)?;
            let view: RecordView = client.get(&format!("/records/{id}"))?;
            let bundle: Option<crate::node::RosterBundle> = client.get("/roster").ok();
            let name = bundle
                .and_then(|b| {
                    serde_json::from_str::<fedrec_common::roster::Roster>(&b.roster.body).ok()
                })
                .and_then(|r| {
                    r.recommender(&view.summary.recommender)
                        .map(|r| r.name.clone())
                })
                .unwrap_or_else(|| view.summary.recommender.to_string());
            // A submitted record prints as it was submitted.
            let application = view.as_submitted.as_ref().unwrap_or(&view.application);
            let html = crate::export::print_html(application, &name, lang());
            std::fs::write(&out, html)
                .with_context(|| say("cli-cannot-write", &[("file", arg(out.display()))]))?;
            let args = [("id", arg(&id)), ("file", arg(out.display()))];
            println!("{}", say("cli-printed", &args));
            Ok(0)
        }
        RecordCommand::History { id } => {
            let lines: Vec<HistoryLine> =
                Client::connect(data)?.get(&format!("/records/{id}/history"))?;
            for line in lines {
                println!(
                    "{}  {}  {}",
                    line.item.time,
                    line.author,
                    line.item.fields.join(", ")
                );
            }
            Ok(0)
        }
        RecordCommand::Export {
            id,
            format: ExportFormat::Automerge,
        } => {
            let bytes = Client::connect(data)?.get_bytes(&format!("/records/{id}/export"))?;
            std::io::stdout().write_all(&bytes)?;
            Ok(0)
        }
    }
}

/// `fedrec submit ID` and `fedrec withdraw ID`.
pub fn transition(data: &Path, id: &str, action: &str) -> anyhow::Result<u8> {
    let client = Client::connect(data)?;
    let summary: RecordSummary = client.send(
        "POST",
        &format!("/records/{id}/{action}"),
        &serde_json::json!({}),
    )?;
    let status = i18n::record_status(lang(), summary.status);
    let args = [("id", arg(summary.id)), ("status", arg(status))];
    println!("{}", say("cli-record-now", &args));
    Ok(0)
}

/// Reads an application file; syntax errors name the file.
fn read_application(file: &Path) -> anyhow::Result<Application> {
    let text = std::fs::read_to_string(file)
        .with_context(|| say("cli-cannot-read", &[("file", arg(file.display()))]))?;
    Application::from_toml_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.worded(super::lang())))
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn validate(file: &Path, batch_file: Option<&Path>, format: Format) -> anyhow::Result<u8> {
    let application = read_application(file)?;
    let batch = batch_for(&application, batch_file)?;
    let problems = application.validate(&batch);
    match format {
        Format::Json => {
            // Each problem keeps its stable path, code and English text, with its box's label
            // and the problem in the reader's language beside them.
            let described: Vec<serde_json::Value> = problems
                .iter()
                .map(|problem| {
                    let mut value = serde_json::to_value(problem).unwrap_or_default();
                    value["label"] = i18n::field_label(lang(), &problem.field).into();
                    value["problem_text"] = i18n::problem(lang(), problem).into();
                    value
                })
                .collect();
            let report = serde_json::json!({
                "file": file.display().to_string(),
                "batch": batch.number,
                "valid": problems.is_empty(),
                "problems": described,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Format::Text if problems.is_empty() => {
            let args = [
                ("file", arg(file.display())),
                ("batch", arg(batch.number)),
                ("title", arg(&batch.title)),
                ("name", arg(&application.applicant.name)),
                ("code", arg(application.applicant.credit_code.trim())),
            ];
            println!("{}", say("cli-valid", &args));
        }
        Format::Text => {
            let args = [
                ("file", arg(file.display())),
                ("count", problems.len().into()),
            ];
            println!("{}", say("cli-problems", &args));
            for problem in &problems {
                println!("  {}", i18n::field_error(lang(), problem));
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
        None => bail!(say(
            "cli-no-shipped-batch",
            &[("batch", arg(application.batch))]
        )),
    }
}
