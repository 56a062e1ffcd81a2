//! Replays every input kept under `fuzz/regressions/<target>/` (the seeds each fuzz target
//! starts from, and every crash or hang a fuzzer found, minimised) through the same function the
//! target calls: each must return, never panic. `cargo test` runs this; `fuzz/run.sh` fuzzes.
//!
//! `FEDREC_WRITE_FUZZ_SEEDS=1 cargo test -p fedrec-common --test fuzz_regressions` rewrites the
//! seed inputs from the core's own encoders (valid and broken examples of each input kind).

use std::path::{Path, PathBuf};

use fedrec_common::batch::BatchNumber;
use fedrec_common::bundle::write_bundle;
use fedrec_common::feed::Entry;
use fedrec_common::form::Application;
use fedrec_common::fuzzing::TARGETS;
use fedrec_common::identity::{Hash32, NodeKey};
use fedrec_common::ids::{DocId, RecordId, Topic};
use fedrec_common::record::RecordDoc;
use fedrec_common::roster::{KeyRole, Recommender, RecommenderKind, Roster};
use fedrec_common::sync::{self, Request};
use fedrec_common::timestamp::Timestamp;

fn regressions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions")
}

#[test]
fn every_kept_fuzz_input_is_handled_without_a_panic() {
    if std::env::var("FEDREC_WRITE_FUZZ_SEEDS").as_deref() == Ok("1") {
        write_seeds();
    }
    for (target, run) in TARGETS {
        let dir = regressions().join(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        assert!(
            files.len() >= 3,
            "{}: a target keeps at least its seed inputs",
            dir.display()
        );
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(
                outcome.is_ok(),
                "{target} panicked on {} — a regression",
                file.display()
            );
        }
    }
}

/// A signed entry whose change creates a small record.
fn entry_bytes() -> Vec<u8> {
    let author = NodeKey::from_seed([2; 32]);
    let shanghai = "shanghai".parse().unwrap();
    let topic = Topic::Recommender("shanghai".parse().unwrap());
    let mut application = Application {
        batch: 6,
        ..Application::default()
    };
    application.applicant.name = "种子学院".into();
    let (_, change) = RecordDoc::create(
        &author.id(),
        BatchNumber(6),
        &shanghai,
        &application,
        Timestamp(0),
    )
    .unwrap();
    Entry {
        author: author.id(),
        topic: topic.clone(),
        seq: 1,
        prev: None,
        doc: DocId::Record {
            batch: BatchNumber(6),
            recommender: shanghai,
            record: RecordId::derive(&author.id(), &topic, 1),
        },
        change: change.raw_bytes().to_vec(),
    }
    .sign(&author)
    .encode()
}

/// A seed input's name and bytes.
type Seed = (&'static str, Vec<u8>);

fn write_seeds() {
    let entry = entry_bytes();
    let change = fedrec_common::feed::SignedEntry::decode(&entry)
        .unwrap()
        .entry
        .change;
    let frame = |request: &Request| sync::encode(request).unwrap();
    let example = include_str!("../../config/examples/application.toml");
    let ministry = NodeKey::from_seed([1; 32]);
    let mut roster = Roster::new(ministry.id());
    roster
        .add_recommender(Recommender {
            id: "shanghai".parse().unwrap(),
            name: "上海".into(),
            kind: RecommenderKind::Province,
        })
        .unwrap();
    roster
        .add_key(
            NodeKey::from_seed([2; 32]).id(),
            "shanghai".parse().unwrap(),
            KeyRole::Hq,
        )
        .unwrap();
    let signed_roster = serde_json::to_vec(&roster.sign(&ministry).unwrap()).unwrap();
    let roster_body = serde_json::to_vec(&roster).unwrap();
    let seeds: [(&str, Vec<Seed>); 6] = [
        (
            "sync_decode",
            vec![
                (
                    "digest",
                    frame(&Request::Digest {
                        digest: Hash32::of(b"seed"),
                        feeds: 3,
                        roster_version: 2,
                    }),
                ),
                (
                    "push",
                    frame(&Request::Push {
                        entries: vec![entry.clone()],
                    }),
                ),
                ("roster-request", frame(&Request::Roster)),
                ("empty", Vec::new()),
                ("lying-length", vec![0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3]),
            ],
        ),
        (
            "entry_decode_verify",
            vec![
                ("valid", entry.clone()),
                ("truncated", entry[..entry.len() / 2].to_vec()),
                ("empty", Vec::new()),
            ],
        ),
        (
            "ingest_apply",
            vec![
                ("valid-entry", entry.clone()),
                ("change-only", change.clone()),
                ("change-truncated", change[..change.len() / 2].to_vec()),
                ("empty", Vec::new()),
            ],
        ),
        (
            "application_toml",
            vec![
                ("example", example.as_bytes().to_vec()),
                ("truncated", example.as_bytes()[..2000].to_vec()),
                (
                    "batch",
                    include_bytes!("../../config/examples/batch-6.toml").to_vec(),
                ),
                ("empty", Vec::new()),
            ],
        ),
        (
            "bundle_import",
            vec![
                ("one-entry", write_bundle([entry.as_slice()])),
                ("truncated", write_bundle([entry.as_slice()])[..40].to_vec()),
                ("header-only", write_bundle([])),
                ("empty", Vec::new()),
            ],
        ),
        (
            "roster_decode",
            vec![
                ("signed-roster", signed_roster),
                ("roster-body", roster_body),
                ("not-json", b"{\"body\": 1".to_vec()),
                ("empty", Vec::new()),
            ],
        ),
    ];
    for (target, inputs) in seeds {
        let dir = regressions().join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in inputs {
            std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
        }
    }
}
