//! fedrec-common: the pure core of fedrec. Everything that decides lives here and does no I/O:
//! no clock, no disk, no network, no async runtime. The daemon (`fedrec-node`) feeds it bytes,
//! times and documents, and carries out what it returns.
//!
//! - [`form`]: the application form (申报表), its TOML format and its validation;
//! - [`credit_code`]: the unified social credit code and its check characters;
//! - [`batch`]: a batch's deadline, key areas, quota and subsidy cap;
//! - [`timestamp`]: points in time, parsed and shown in China Standard Time;
//! - [`identity`]: node keys, node ids and hashes;
//! - [`ids`]: recommender, record and document ids, and topics (audiences);
//! - [`feed`]: signed feed entries, their verification, hash chains and equivocation;
//! - [`roster`]: the ministry-signed roster and who may write and read what;
//! - [`record`]: application records as Automerge documents;
//! - [`rules`]: the verdicts the ministry enforces on merge;
//! - [`decisions`]: the ministry's receipts and verdicts for one recommender, as a document;
//! - [`review`]: expert review, recognition and the published list;
//! - [`signed`]: texts the ministry signs (roster, batch definitions);
//! - [`sync`]: the sync protocol's messages, framing and round planning;
//! - [`ingest`]: the checks every entry from elsewhere passes before it is stored;
//! - [`quarantine`]: how much refused input is kept, per sender and in total.
//! - [`operator`]: the people who work a node's web interface, their roles, and the name a
//!   change carries;
//! - [`i18n`]: the message catalogue (zh-CN first, en-US) and the renderings of verdicts,
//!   reasons, statuses and validation problems in the reader's language.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod acts;
pub mod batch;
pub mod bundle;
pub mod credit_code;
pub mod decisions;
pub mod diff;
pub mod feed;
pub mod form;
pub mod fuzzing;
pub mod i18n;
pub mod identity;
pub mod ids;
pub mod ingest;
pub mod operator;
pub mod quarantine;
pub mod record;
pub mod review;
pub mod roster;
pub mod rules;
pub mod signed;
pub mod sync;
pub mod timestamp;
pub mod workload;
