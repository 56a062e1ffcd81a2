//! fedrec-tests: the multi-node test harness and its scenario tests (`tests/tests/`).
//!
//! Harnesses: [`process`] starts real `fedrec` daemons on loopback and drives them through the
//! CLI and the HTTP API, and [`proxy`] puts a fault-injecting TCP proxy on a link; [`Replica`] (this module) is an in-memory replica that exchanges
//! signed entries through the same pure checks the daemon runs (`common::ingest`: decode,
//! verify, authorise, chain; then apply), with no disk and no network, for quick deterministic
//! tests of convergence, relaying and refusal of hostile input. [`sim`] is a deterministic
//! simulator of the sync and rule core under faults, built on the same pure checks.
//! [`webdriver`] drives headless Chromium through chromedriver for the web interface's tests.

use std::collections::{BTreeMap, BTreeSet};

pub mod peer;
pub mod process;
pub mod proxy;
pub mod sim;
pub mod webdriver;

use fedrec_common::batch::BatchNumber;
use fedrec_common::feed::{Appended, Entry, Feed, SignedEntry};
use fedrec_common::form::Application;
use fedrec_common::identity::{NodeId, NodeKey};
use fedrec_common::ids::{DocId, RecommenderId, RecordId, Topic};
use fedrec_common::ingest::{self, FeedState, Outcome, RefusalKind};
use fedrec_common::record::RecordDoc;
use fedrec_common::roster::Roster;
use fedrec_common::timestamp::Timestamp;

/// The replicas' clock: a fixed instant, so runs replay exactly (2016-03-01 08:00 CST).
pub const NOW: Timestamp = Timestamp(1_456_790_400_000);

/// Why a replica did not take an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The entry is ahead of what the replica holds: not wrong, just early. Not quarantined.
    Gap,
    /// Refused by the ingest checks, and quarantined.
    Refused(RefusalKind, String),
}

impl Refusal {
    pub fn kind(&self) -> Option<RefusalKind> {
        match self {
            Refusal::Gap => None,
            Refusal::Refused(kind, _) => Some(*kind),
        }
    }
}

/// A replica of one node: its key, its roster, its feeds and its merged documents.
pub struct Replica {
    pub name: String,
    pub key: NodeKey,
    pub roster: Roster,
    feeds: BTreeMap<(NodeId, Topic), Feed>,
    docs: BTreeMap<DocId, RecordDoc>,
    /// Refused entries with the reason, never merged and never forwarded.
    pub quarantine: Vec<Refusal>,
    /// Authors caught equivocating: refused until the roster says otherwise.
    pub refused_authors: BTreeSet<NodeId>,
}

impl Replica {
    pub fn new(name: &str, key: NodeKey, roster: Roster) -> Self {
        Self {
            name: name.to_string(),
            key,
            roster,
            feeds: BTreeMap::new(),
            docs: BTreeMap::new(),
            quarantine: Vec::new(),
            refused_authors: BTreeSet::new(),
        }
    }

    pub fn id(&self) -> NodeId {
        self.key.id()
    }

    /// Creates a record for `recommender` and returns its document id.
    pub fn create(
        &mut self,
        batch: BatchNumber,
        recommender: &RecommenderId,
        application: &Application,
    ) -> DocId {
        let topic = Topic::Recommender(recommender.clone());
        let seq = self.next_seq(&topic);
        let doc = DocId::Record {
            batch,
            recommender: recommender.clone(),
            record: RecordId::derive(&self.id(), &topic, seq),
        };
        let (record, change) =
            RecordDoc::create(&self.id(), batch, recommender, application, NOW).expect("create");
        self.docs.insert(doc.clone(), record);
        self.append_local(&doc, change);
        doc
    }

    /// Edits a record this replica holds; returns whether anything changed.
    pub fn edit(&mut self, doc: &DocId, application: &Application) -> bool {
        let record = self.docs.get_mut(doc).expect("record held");
        match record.update(application, NOW).expect("update") {
            Some(change) => {
                self.append_local(doc, change);
                true
            }
            None => false,
        }
    }

    pub fn submit(&mut self, doc: &DocId) {
        let change = self
            .docs
            .get_mut(doc)
            .expect("record held")
            .submit(NOW)
            .expect("submit");
        self.append_local(doc, change);
    }

    pub fn application(&self, doc: &DocId) -> Option<Application> {
        self.docs
            .get(doc)
            .map(|record| record.application().expect("readable"))
    }

    pub fn holds(&self, doc: &DocId) -> bool {
        self.docs.contains_key(doc)
    }

    /// How many entries this replica holds, over all feeds.
    pub fn entry_count(&self) -> usize {
        self.feeds.values().map(|feed| feed.entries().len()).sum()
    }

    fn next_seq(&self, topic: &Topic) -> u64 {
        self.feeds
            .get(&(self.id(), topic.clone()))
            .and_then(Feed::head)
            .map_or(1, |head| head.seq + 1)
    }

    /// Wraps a local change in this node's next entry and appends it.
    fn append_local(&mut self, doc: &DocId, change: automerge::Change) {
        let topic = doc.topic();
        let feed = self
            .feeds
            .entry((self.key.id(), topic.clone()))
            .or_insert_with(|| Feed::new(self.key.id(), topic.clone()));
        let head = feed.head();
        let signed = Entry {
            author: self.key.id(),
            topic,
            seq: head.map_or(1, |h| h.seq + 1),
            prev: head.map(|h| h.id),
            doc: doc.clone(),
            change: change.raw_bytes().to_vec(),
        }
        .sign(&self.key);
        feed.append(signed).expect("own feed extends");
    }

    /// The ingest pipeline: every check before anything is stored or merged.
    pub fn ingest(&mut self, bytes: &[u8]) -> Result<Appended, Refusal> {
        let result = self.check_and_store(bytes);
        if let Err(refusal) = &result
            && refusal != &Refusal::Gap
        {
            self.quarantine.push(refusal.clone());
        }
        result
    }

    /// The same checks the daemon runs (`common::ingest`), then the chain and the document.
    fn check_and_store(&mut self, bytes: &[u8]) -> Result<Appended, Refusal> {
        let refused = |r: ingest::Refusal| Refusal::Refused(r.kind, r.reason);
        let signed = ingest::decode(bytes).map_err(refused)?;
        let key = (signed.entry.author, signed.entry.topic.clone());
        let seq = signed.entry.seq;
        let feed = self.feeds.get(&key);
        let held = |n: u64| {
            feed.and_then(|f| f.entries().get((n as usize).checked_sub(1)?))
                .map(SignedEntry::id)
        };
        let state = FeedState {
            head: feed.and_then(Feed::head),
            held_at_seq: held(seq),
            held_before: if seq > 1 { held(seq - 1) } else { None },
        };
        match ingest::check(signed, &self.roster, &self.refused_authors, &state) {
            Outcome::Accept(accepted) => {
                let (signed, change) = *accepted;
                let doc_id = signed.entry.doc.clone();
                // Apply to a copy first, so a change Automerge refuses leaves the document untouched.
                let mut record = self
                    .docs
                    .get(&doc_id)
                    .cloned()
                    .unwrap_or_else(|| RecordDoc::empty(&self.key.id()));
                record
                    .apply([change])
                    .map_err(|e| Refusal::Refused(RefusalKind::ApplyFailed, e.to_string()))?;
                let feed = self
                    .feeds
                    .entry(key.clone())
                    .or_insert_with(|| Feed::new(key.0, key.1.clone()));
                feed.append(signed)
                    .map_err(|e| Refusal::Refused(RefusalKind::BrokenChain, e.to_string()))?;
                self.docs.insert(doc_id, record);
                Ok(Appended::New)
            }
            Outcome::Duplicate => Ok(Appended::Duplicate),
            Outcome::Early { .. } => Err(Refusal::Gap),
            Outcome::Equivocation(second, refusal) => {
                self.refused_authors.insert(second.entry.author);
                Err(refused(refusal))
            }
            Outcome::Refuse(refusal) => Err(refused(refusal)),
        }
    }

    /// Every entry this replica holds that `peer` may read, in feed order: what it offers a peer,
    /// including other nodes' entries (store and forward).
    pub fn offer(&self, peer: &NodeId) -> Vec<Vec<u8>> {
        self.feeds
            .values()
            .filter(|feed| self.roster.may_read(peer, &feed.topic))
            .flat_map(|feed| feed.entries().iter().map(SignedEntry::encode))
            .collect()
    }
}

/// Exchanges entries both ways until neither side learns anything new. Returns the number of
/// entries that were new to their receiver.
pub fn sync(a: &mut Replica, b: &mut Replica) -> usize {
    let mut learned = 0;
    loop {
        let mut round = 0;
        for bytes in a.offer(&b.id()) {
            if b.ingest(&bytes) == Ok(Appended::New) {
                round += 1;
            }
        }
        for bytes in b.offer(&a.id()) {
            if a.ingest(&bytes) == Ok(Appended::New) {
                round += 1;
            }
        }
        learned += round;
        if round == 0 {
            return learned;
        }
    }
}
