//! Playing a roster member that runs modified code: entries crafted and signed with a node's
//! own key, pushed to a running daemon through the real network path with `fedrec debug send`
//! (noise handshake, gating, framing, decoding, ingest), and the daemon's counters read back.

use std::path::{Path, PathBuf};

use fedrec_common::batch::BatchNumber;
use fedrec_common::feed::{Entry, SignedEntry};
use fedrec_common::form::Application;
use fedrec_common::identity::{Hash32, NodeKey};
use fedrec_common::ids::{DocId, RecordId, Topic};
use fedrec_common::record::RecordDoc;
use fedrec_common::sync::{self, Request};
use fedrec_common::timestamp::Timestamp;

use crate::process::{fedrec, http, init_node, stderr, stdout};

/// The secret key of the node in `data`.
pub fn key_of(data: &Path) -> NodeKey {
    NodeKey::from_secret_hex(&std::fs::read_to_string(data.join("node.key")).unwrap()).unwrap()
}

/// A length prefix and a body.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut frame = (body.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(body);
    frame
}

/// One framed Push request of raw entry bytes.
pub fn push_raw(entries: Vec<Vec<u8>>) -> Vec<u8> {
    frame(&sync::encode(&Request::Push { entries }).unwrap())
}

/// One framed Push request of signed entries.
pub fn push(entries: &[&SignedEntry]) -> Vec<u8> {
    push_raw(entries.iter().map(|e| e.encode()).collect())
}

/// Sends hand-made requests to a peer with the key of the node in `data`.
pub struct Sender<'a> {
    pub data: &'a Path,
    pub to: String,
    pub dir: PathBuf,
}

impl Sender<'_> {
    /// Sends every request at once on one connection; one answer per request, in order.
    pub fn send_all(&self, requests: &[Vec<u8>]) -> Vec<serde_json::Value> {
        std::fs::create_dir_all(&self.dir).unwrap();
        let files: Vec<String> = requests
            .iter()
            .enumerate()
            .map(|(index, bytes)| {
                let file = self.dir.join(format!("request-{index}.bin"));
                std::fs::write(&file, bytes).unwrap();
                file.to_str().unwrap().to_string()
            })
            .collect();
        let mut args = vec!["debug", "send", "--to", &self.to];
        args.extend(files.iter().map(String::as_str));
        let output = fedrec(self.data, &args);
        let answers: Vec<serde_json::Value> = stdout(&output)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(
            answers.len(),
            requests.len(),
            "one answer per request: {}{}",
            stdout(&output),
            stderr(&output)
        );
        answers
    }

    pub fn send(&self, request: Vec<u8>) -> serde_json::Value {
        self.send_all(&[request]).remove(0)
    }
}

/// A counter from a daemon's `/metrics`, 0 when absent. `name` includes labels and the space
/// before the value, e.g. `fedrec_entries_refused_total{reason="frozen"} `.
pub fn metric(api: &str, name: &str) -> u64 {
    let (_, body) = http("GET", &format!("{api}/metrics"), None);
    String::from_utf8_lossy(&body)
        .lines()
        .find_map(|line| {
            line.strip_prefix(name)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Entries refused for `reason` by the daemon at `api`.
pub fn refused(api: &str, reason: &str) -> u64 {
    metric(
        api,
        &format!("fedrec_entries_refused_total{{reason=\"{reason}\"}} "),
    )
}

/// A node's feed on one topic as a forger keeps it: its key, and the head it has signed.
pub struct Feed {
    pub key: NodeKey,
    pub topic: fedrec_common::ids::Topic,
    pub seq: u64,
    pub prev: Option<Hash32>,
}

impl Feed {
    pub fn new(key: NodeKey, topic: fedrec_common::ids::Topic) -> Self {
        Self {
            key,
            topic,
            seq: 0,
            prev: None,
        }
    }

    /// Signs `change` for `doc` as the feed's next entry.
    pub fn next(&mut self, doc: &DocId, change: &automerge::Change) -> SignedEntry {
        self.seq += 1;
        let signed = Entry {
            author: self.key.id(),
            topic: self.topic.clone(),
            seq: self.seq,
            prev: self.prev,
            doc: doc.clone(),
            change: change.raw_bytes().to_vec(),
        }
        .sign(&self.key);
        self.prev = Some(signed.id());
        signed
    }
}

/// A process's resident memory, in KiB (0 if it is gone).
pub fn rss_kb(pid: u32) -> u64 {
    proc_status(pid, "VmRSS:")
}

/// The threads of process `pid` (0 when it is gone).
pub fn threads(pid: u32) -> u64 {
    proc_status(pid, "Threads:")
}

/// A number from `/proc/PID/status`, by its line's label.
fn proc_status(pid: u32, label: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(label))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Initialises a recommender's node (`role` recommender or field-office) under `dir`, pointed
/// at the ministry's p2p address; returns its data directory.
pub fn init_office(
    dir: &Path,
    name: &str,
    recommender: &str,
    role: &str,
    ministry: &str,
) -> PathBuf {
    init_node(
        dir,
        name,
        &[
            "--role",
            role,
            "--recommender",
            recommender,
            "--name",
            name,
            "--ministry",
            ministry,
        ],
    )
    .0
}

/// Adds a `[limits]` table to a node's configuration.
pub fn set_limits(data: &Path, limits: &str) {
    let path = data.join("fedrec.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&format!("\n[limits]\n{limits}\n"));
    std::fs::write(&path, text).unwrap();
}

/// A signed entry by `signer` at `seq`, carrying a change made by `actor` (normally the signer).
pub fn entry(
    signer: &NodeKey,
    actor: &NodeKey,
    seq: u64,
    prev: Option<Hash32>,
    name: &str,
) -> SignedEntry {
    let shanghai = "shanghai".parse().unwrap();
    let topic = Topic::Recommender("shanghai".parse().unwrap());
    let mut application = Application {
        batch: 6,
        ..Application::default()
    };
    application.applicant.name = name.into();
    let (_, change) = RecordDoc::create(
        &actor.id(),
        BatchNumber(6),
        &shanghai,
        &application,
        Timestamp(0),
    )
    .unwrap();
    Entry {
        author: signer.id(),
        topic: topic.clone(),
        seq,
        prev,
        doc: DocId::Record {
            batch: BatchNumber(6),
            recommender: shanghai,
            record: RecordId::derive(&signer.id(), &topic, seq),
        },
        change: change.raw_bytes().to_vec(),
    }
    .sign(signer)
}

/// `count` entries at `seq` after `prev`, each with a different corrupted signature.
pub fn forged_pushes(signer: &NodeKey, seq: u64, prev: Hash32, count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let mut e = entry(signer, signer, seq, Some(prev), &format!("洪水{i}"));
            e.signature[i % 32] ^= 1 << (i % 8);
            push(&[&e])
        })
        .collect()
}
