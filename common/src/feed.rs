//! Signed feeds: every node appends entries to one feed per (author, topic). An entry carries one
//! Automerge change for one document, the hash of the entry before it, and the author's ed25519
//! signature over a canonical encoding.
//!
//! Data flows through here in three steps, all pure:
//! 1. [`SignedEntry::decode`] turns untrusted bytes into an entry, enforcing size caps;
//! 2. [`SignedEntry::verify`] (or [`verify_many`] for a batch) checks the signature with
//!    `verify_strict` semantics and that the Automerge change's actor is the author;
//! 3. [`Feed::append`] checks the position and the hash chain, and detects equivocation.
//!
//! Roster authorisation is the roster's question ([`crate::roster::Roster::may_write`]).

use std::panic::{AssertUnwindSafe, catch_unwind};

use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::Signature;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::identity::{Hash32, NodeId, NodeKey};
use crate::ids::{DocId, Topic};

/// Domain separation: a signature over an entry can never be mistaken for one over anything else.
const ENTRY_TAG: &[u8] = b"fedrec/entry/1\0";

/// Largest Automerge change one entry may carry. A whole realistic application is about 90 KB;
/// the cap leaves room for ten times that while keeping any entry far below libp2p's 1 MiB
/// request limit once framed.
pub const MAX_CHANGE_BYTES: usize = 960 * 1024;

/// Longest encoded topic and document id.
const MAX_NAME_BYTES: usize = 128;

/// The one sequence number an entry may not carry: it would leave its feed no next position.
pub const MAX_SEQ: u64 = u64::MAX;

/// A feed entry before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub author: NodeId,
    pub topic: Topic,
    /// Position in the author's feed for this topic, from 1.
    pub seq: u64,
    /// The id of the entry at `seq - 1`; `None` exactly when `seq` is 1.
    pub prev: Option<Hash32>,
    pub doc: DocId,
    /// One Automerge change, as `Change::raw_bytes` gives it.
    #[serde(with = "serde_bytes_hex")]
    pub change: Vec<u8>,
}

/// An entry with its author's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedEntry {
    pub entry: Entry,
    #[serde(with = "serde_bytes_hex")]
    pub signature: Vec<u8>,
}

/// Why bytes are not an entry, or an entry is not to be trusted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EntryError {
    #[error("truncated: needed {needed} more bytes for {field}")]
    Truncated { field: &'static str, needed: usize },
    #[error("not a fedrec entry (wrong tag)")]
    WrongTag,
    #[error("{field} is {size} bytes; the limit is {limit}")]
    TooLarge {
        field: &'static str,
        size: usize,
        limit: usize,
    },
    #[error("{0} trailing bytes after the signature")]
    TrailingBytes(usize),
    #[error("not in canonical form: its fields encode to different bytes")]
    NonCanonical,
    #[error("bad {field}: {problem}")]
    Field {
        field: &'static str,
        problem: String,
    },
    #[error("topic {found} does not match document {doc}, whose topic is {expected}")]
    TopicMismatch {
        doc: String,
        expected: String,
        found: String,
    },
    #[error("sequence and previous hash disagree: seq {seq} with{} a previous hash", if *.has_prev { "" } else { "out" })]
    PrevMismatch { seq: u64, has_prev: bool },
    #[error("signature does not verify for author {0}")]
    BadSignature(String),
    #[error("the Automerge change does not decode: {0}")]
    BadChange(String),
    #[error("the Automerge change's actor {actor} is not the entry's author {author}")]
    WrongActor { actor: String, author: String },
}

/// The result of appending to a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// The entry extends the feed.
    New,
    /// The feed already holds this very entry (a replay or a duplicate delivery).
    Duplicate,
}

/// Why an entry cannot extend a feed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChainError {
    #[error("entry is for feed ({author}, {topic}), not this one")]
    WrongFeed { author: String, topic: String },
    #[error("gap: the feed is at {head}, the entry is at {seq}")]
    Gap { head: u64, seq: u64 },
    #[error("broken chain at {seq}: previous hash does not match the feed's entry {expected}")]
    BrokenChain { seq: u64, expected: String },
    #[error("equivocation: two different entries signed for position {}", .0.seq)]
    Equivocation(Box<Equivocation>),
}

/// Evidence that an author signed two different entries for one feed position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Equivocation {
    pub author: NodeId,
    pub topic: Topic,
    pub seq: u64,
    pub first: SignedEntry,
    pub second: SignedEntry,
}

impl Entry {
    /// The canonical bytes that are signed and hashed. Every field is fixed-size or
    /// length-prefixed, so two different entries never share an encoding.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let topic = self.topic.to_string();
        let doc = self.doc.to_string();
        let mut out = Vec::with_capacity(
            ENTRY_TAG.len() + 32 + 8 + 33 + 8 + topic.len() + doc.len() + self.change.len(),
        );
        out.extend_from_slice(ENTRY_TAG);
        out.extend_from_slice(self.author.as_bytes());
        put_short(&mut out, topic.as_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        match &self.prev {
            None => out.push(0),
            Some(hash) => {
                out.push(1);
                out.extend_from_slice(&hash.0);
            }
        }
        put_short(&mut out, doc.as_bytes());
        out.extend_from_slice(&(self.change.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.change);
        out
    }

    /// The entry's id: the BLAKE3 hash of its signing bytes. The next entry's `prev` names it.
    pub fn id(&self) -> Hash32 {
        Hash32::of(&self.signing_bytes())
    }

    pub fn sign(self, key: &NodeKey) -> SignedEntry {
        let signature = key.sign(&self.signing_bytes()).to_bytes().to_vec();
        SignedEntry {
            entry: self,
            signature,
        }
    }
}

fn put_short(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// A cursor over untrusted bytes that fails with the name of the field it was reading.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], EntryError> {
        if self.bytes.len() < n {
            return Err(EntryError::Truncated {
                field,
                needed: n - self.bytes.len(),
            });
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], EntryError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    fn short(&mut self, field: &'static str) -> Result<&'a str, EntryError> {
        let len = u16::from_be_bytes(self.array(field)?) as usize;
        if len > MAX_NAME_BYTES {
            return Err(EntryError::TooLarge {
                field,
                size: len,
                limit: MAX_NAME_BYTES,
            });
        }
        std::str::from_utf8(self.take(len, field)?).map_err(|_| EntryError::Field {
            field,
            problem: "not UTF-8".into(),
        })
    }
}

impl SignedEntry {
    /// The entry's id (see [`Entry::id`]).
    pub fn id(&self) -> Hash32 {
        self.entry.id()
    }

    /// The wire and storage form: the signing bytes followed by the 64-byte signature.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.entry.signing_bytes();
        out.extend_from_slice(&self.signature);
        out
    }

    /// The topic named in an encoded entry, read without decoding the rest (no key parsing, no
    /// copy of the change). For routing only: it says which peers may want to hear of the entry,
    /// and trusts nothing; `None` for bytes that do not get as far as a valid topic.
    pub fn peek_topic(bytes: &[u8]) -> Option<Topic> {
        let mut reader = Reader { bytes };
        if reader.take(ENTRY_TAG.len(), "tag").ok()? != ENTRY_TAG {
            return None;
        }
        reader.take(32, "author").ok()?;
        reader.short("topic").ok()?.parse().ok()
    }

    /// Parses untrusted bytes. Checks sizes and syntax only: call [`SignedEntry::verify`] before
    /// trusting anything in the result.
    pub fn decode(bytes: &[u8]) -> Result<Self, EntryError> {
        let mut reader = Reader { bytes };
        if reader.take(ENTRY_TAG.len(), "tag")? != ENTRY_TAG {
            return Err(EntryError::WrongTag);
        }
        let author =
            NodeId::from_bytes(reader.array("author")?).map_err(|e| EntryError::Field {
                field: "author",
                problem: e.to_string(),
            })?;
        let topic: Topic = reader
            .short("topic")?
            .parse()
            .map_err(|e: crate::ids::IdError| EntryError::Field {
                field: "topic",
                problem: e.to_string(),
            })?;
        let seq = u64::from_be_bytes(reader.array("seq")?);
        let prev = match reader.array::<1>("prev")? {
            [0] => None,
            [1] => Some(Hash32(reader.array("prev")?)),
            [flag] => {
                return Err(EntryError::Field {
                    field: "prev",
                    problem: format!("flag {flag} is neither 0 nor 1"),
                });
            }
        };
        let doc: DocId = reader
            .short("doc")?
            .parse()
            .map_err(|e: crate::ids::IdError| EntryError::Field {
                field: "doc",
                problem: e.to_string(),
            })?;
        let change_len = u32::from_be_bytes(reader.array("change length")?) as usize;
        if change_len > MAX_CHANGE_BYTES {
            return Err(EntryError::TooLarge {
                field: "change",
                size: change_len,
                limit: MAX_CHANGE_BYTES,
            });
        }
        let change = reader.take(change_len, "change")?.to_vec();
        let signature = reader.take(64, "signature")?.to_vec();
        if !reader.bytes.is_empty() {
            return Err(EntryError::TrailingBytes(reader.bytes.len()));
        }
        let signed = SignedEntry {
            entry: Entry {
                author,
                topic,
                seq,
                prev,
                doc,
                change,
            },
            signature,
        };
        signed.check_shape()?;
        // One entry, one encoding: an entry's id hashes its bytes, so a second spelling of the
        // same fields would be a second id for one signed act.
        if signed.encode() != bytes {
            return Err(EntryError::NonCanonical);
        }
        Ok(signed)
    }

    /// Checks what needs no cryptography: the topic fits the document, the position fits the
    /// previous hash, the change is non-empty and within its cap.
    fn check_shape(&self) -> Result<(), EntryError> {
        let entry = &self.entry;
        if entry.doc.topic() != entry.topic {
            return Err(EntryError::TopicMismatch {
                doc: entry.doc.to_string(),
                expected: entry.doc.topic().to_string(),
                found: entry.topic.to_string(),
            });
        }
        if entry.seq == MAX_SEQ {
            // Every position must have a next one, so `seq + 1` is never computed on it.
            return Err(EntryError::Field {
                field: "seq",
                problem: format!("{} leaves no next position", entry.seq),
            });
        }
        if entry.seq == 0 || (entry.seq == 1) != entry.prev.is_none() {
            return Err(EntryError::PrevMismatch {
                seq: entry.seq,
                has_prev: entry.prev.is_some(),
            });
        }
        if entry.change.is_empty() {
            return Err(EntryError::BadChange("empty".into()));
        }
        if entry.change.len() > MAX_CHANGE_BYTES {
            return Err(EntryError::TooLarge {
                field: "change",
                size: entry.change.len(),
                limit: MAX_CHANGE_BYTES,
            });
        }
        if self.signature.len() != 64 {
            return Err(EntryError::Field {
                field: "signature",
                problem: format!("{} bytes, not 64", self.signature.len()),
            });
        }
        Ok(())
    }

    fn signature(&self) -> Result<Signature, EntryError> {
        let bytes: [u8; 64] =
            self.signature
                .as_slice()
                .try_into()
                .map_err(|_| EntryError::Field {
                    field: "signature",
                    problem: format!("{} bytes, not 64", self.signature.len()),
                })?;
        Ok(Signature::from_bytes(&bytes))
    }

    /// Verifies the entry on its own: shape, the signature with `verify_strict` semantics, and
    /// that the Automerge change decodes and was made by the author. Returns the decoded change.
    pub fn verify(&self) -> Result<automerge::Change, EntryError> {
        self.check_shape()?;
        let signature = self.signature()?;
        if !self
            .entry
            .author
            .verify_strict(&self.entry.signing_bytes(), &signature)
        {
            return Err(EntryError::BadSignature(self.entry.author.short()));
        }
        self.check_actor()
    }

    /// Decodes the change (Automerge can panic on malformed bytes, so only inside
    /// `catch_unwind`) and checks that its actor is the author.
    fn check_actor(&self) -> Result<automerge::Change, EntryError> {
        let bytes = &self.entry.change;
        let decoded = catch_unwind(AssertUnwindSafe(|| {
            automerge::Change::try_from(bytes.as_slice())
        }))
        .map_err(|_| EntryError::BadChange("the decoder panicked".into()))?
        .map_err(|e| EntryError::BadChange(e.to_string()))?;
        let author_actor = self.entry.author.actor_id();
        if decoded.actor_id() != &author_actor {
            return Err(EntryError::WrongActor {
                actor: decoded.actor_id().to_hex_string(),
                author: self.entry.author.to_hex(),
            });
        }
        Ok(decoded)
    }
}

/// Verifies many entries at once, with the same answers [`SignedEntry::verify`] gives one by one.
///
/// Fast path: one ed25519 batch verification over every entry that passed the cheap checks.
/// Batch verification is cofactored and `verify_strict` is not, so before an entry joins the
/// batch it must pass the checks `verify_strict` adds on top of the equation (no small-order key,
/// no small-order commitment `R`); keys are further required to be torsion-free when the roster
/// admits them ([`crate::roster::Roster::verify`]). If the batch fails, every entry is verified
/// alone with `verify_strict`, so one forged entry cannot make honest ones fail.
pub fn verify_many(entries: &[SignedEntry]) -> Vec<Result<automerge::Change, EntryError>> {
    let mut results: Vec<Option<Result<automerge::Change, EntryError>>> = vec![None; entries.len()];
    let mut batch = Vec::new();
    for (index, signed) in entries.iter().enumerate() {
        let ready = signed.check_shape().and_then(|()| {
            let signature = signed.signature()?;
            let key = signed.entry.author.verifying_key();
            match key {
                Some(key) if !small_order_commitment(&signature) => Ok((signature, key)),
                _ => Err(EntryError::BadSignature(signed.entry.author.short())),
            }
        });
        match ready {
            Ok((signature, key)) => {
                batch.push((index, signed.entry.signing_bytes(), signature, key))
            }
            Err(error) => results[index] = Some(Err(error)),
        }
    }
    let messages: Vec<&[u8]> = batch
        .iter()
        .map(|(_, message, _, _)| message.as_slice())
        .collect();
    let signatures: Vec<Signature> = batch
        .iter()
        .map(|(_, _, signature, _)| *signature)
        .collect();
    let keys: Vec<_> = batch.iter().map(|(_, _, _, key)| *key).collect();
    let batch_ok =
        !batch.is_empty() && ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok();
    for (index, message, signature, _) in &batch {
        let signed = &entries[*index];
        let signature_ok = batch_ok || signed.entry.author.verify_strict(message, signature);
        results[*index] = Some(if signature_ok {
            signed.check_actor()
        } else {
            Err(EntryError::BadSignature(signed.entry.author.short()))
        });
    }
    results
        .into_iter()
        .map(|result| result.unwrap_or_else(|| Err(EntryError::BadChange("not verified".into()))))
        .collect()
}

/// Whether the signature's commitment `R` is a small-order point (or not a point at all), which
/// `verify_strict` refuses and cofactored batch verification would not notice.
fn small_order_commitment(signature: &Signature) -> bool {
    CompressedEdwardsY(*signature.r_bytes())
        .decompress()
        .is_none_or(|point| point.is_small_order())
}

/// One author's feed for one topic, held in memory: the simulator's and the tests' store, and the
/// reference the daemon's RocksDB store is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub author: NodeId,
    pub topic: Topic,
    entries: Vec<SignedEntry>,
}

/// Where a feed stands: its last position and that entry's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedHead {
    pub seq: u64,
    pub id: Hash32,
}

impl Feed {
    pub fn new(author: NodeId, topic: Topic) -> Self {
        Self {
            author,
            topic,
            entries: Vec::new(),
        }
    }

    pub fn head(&self) -> Option<FeedHead> {
        self.entries.last().map(|last| FeedHead {
            seq: last.entry.seq,
            id: last.id(),
        })
    }

    pub fn entries(&self) -> &[SignedEntry] {
        &self.entries
    }

    /// The entries after position `seq`.
    pub fn since(&self, seq: u64) -> &[SignedEntry] {
        let start = usize::try_from(seq)
            .unwrap_or(usize::MAX)
            .min(self.entries.len());
        &self.entries[start..]
    }

    /// Appends a *verified* entry if it is the next one. A copy of an entry already held is a
    /// duplicate; a different entry for a position already held is an equivocation.
    pub fn append(&mut self, signed: SignedEntry) -> Result<Appended, ChainError> {
        let entry = &signed.entry;
        if entry.author != self.author || entry.topic != self.topic {
            return Err(ChainError::WrongFeed {
                author: entry.author.short(),
                topic: entry.topic.to_string(),
            });
        }
        let held = self.entries.len() as u64;
        if entry.seq <= held {
            let existing = &self.entries[(entry.seq - 1) as usize];
            if existing.entry == signed.entry {
                return Ok(Appended::Duplicate);
            }
            return Err(ChainError::Equivocation(Box::new(Equivocation {
                author: entry.author,
                topic: entry.topic.clone(),
                seq: entry.seq,
                first: existing.clone(),
                second: signed,
            })));
        }
        if entry.seq != held + 1 {
            return Err(ChainError::Gap {
                head: held,
                seq: entry.seq,
            });
        }
        let expected = self.head().map(|head| head.id);
        if entry.prev != expected {
            return Err(ChainError::BrokenChain {
                seq: entry.seq,
                expected: expected
                    .map(|id| id.short())
                    .unwrap_or_else(|| "none".into()),
            });
        }
        self.entries.push(signed);
        Ok(Appended::New)
    }
}

/// Checks that `entries` form one unbroken feed from position 1: what a restarted node runs over
/// its stored feed.
pub fn verify_chain(entries: &[SignedEntry]) -> Result<(), ChainError> {
    let Some(first) = entries.first() else {
        return Ok(());
    };
    let mut feed = Feed::new(first.entry.author, first.entry.topic.clone());
    for signed in entries {
        match feed.append(signed.clone())? {
            Appended::New => {}
            Appended::Duplicate => {
                return Err(ChainError::Gap {
                    head: feed.entries.len() as u64,
                    seq: signed.entry.seq,
                });
            }
        }
    }
    Ok(())
}

/// Byte fields as hex strings in JSON and TOML, rather than arrays of numbers twice the size.
mod serde_bytes_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[path = "feed_tests.rs"]
mod tests;
