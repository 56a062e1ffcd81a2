//! Playing a roster member that runs modified code: entries crafted and signed with a node's
//! own key, pushed to a running daemon through the real network path with `fedrec debug send`
//! (noise handshake, gating, framing, decoding, ingest), and the daemon's counters read back.

use std::path::{Path, PathBuf};

use fedrec_common::feed::{Entry, SignedEntry};
use fedrec_common::identity::{Hash32, NodeKey};
use fedrec_common::ids::DocId;
use fedrec_common::sync::{self, Request};

use crate::process::{fedrec, http, stderr, stdout};

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
