//! fedrec-tests: a harness of in-memory replicas that exchange signed entries through the same
//! pure checks the daemon runs (decode, verify, authorise, chain, apply), with no disk and no
//! network. Multi-node tests use it to show convergence, relaying and refusal of hostile input;
//! the daemon-level tests that start real `fedrec` processes arrive with the daemon.

use std::collections::{BTreeMap, BTreeSet};

use fedrec_common::batch::BatchNumber;
use fedrec_common::feed::{Appended, ChainError, Entry, Feed, SignedEntry};
use fedrec_common::form::Application;
use fedrec_common::identity::{NodeId, NodeKey};
use fedrec_common::ids::{DocId, RecommenderId, RecordId, Topic};
use fedrec_common::record::RecordDoc;
use fedrec_common::roster::Roster;
use fedrec_common::timestamp::Timestamp;

/// The replicas' clock: a fixed instant, so runs replay exactly (2016-03-01 08:00 CST).
pub const NOW: Timestamp = Timestamp(1_456_790_400_000);

/// Why a replica refused an entry. Everything but `Gap` is quarantined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Malformed(String),
    Unverified(String),
    Unauthorised(String),
    /// The entry is ahead of what the replica holds: not wrong, just early.
    Gap,
    Equivocation,
    RefusedAuthor,
    BrokenChain(String),
    Apply(String),
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

    fn check_and_store(&mut self, bytes: &[u8]) -> Result<Appended, Refusal> {
        let signed = SignedEntry::decode(bytes).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let change = signed
            .verify()
            .map_err(|e| Refusal::Unverified(e.to_string()))?;
        let entry = &signed.entry;
        if self.refused_authors.contains(&entry.author) {
            return Err(Refusal::RefusedAuthor);
        }
        self.roster
            .may_write(&entry.author, &entry.doc, entry.seq)
            .map_err(|e| Refusal::Unauthorised(e.to_string()))?;
        let key = (entry.author, entry.topic.clone());
        let doc_id = entry.doc.clone();
        // Apply to a copy first, so a change Automerge refuses leaves the document untouched.
        let mut record = self
            .docs
            .get(&doc_id)
            .cloned()
            .unwrap_or_else(|| RecordDoc::empty(&self.key.id()));
        let feed = self
            .feeds
            .entry(key.clone())
            .or_insert_with(|| Feed::new(key.0, key.1.clone()));
        let mut extended = feed.clone();
        let appended = match extended.append(signed) {
            Ok(appended) => appended,
            Err(ChainError::Gap { .. }) => return Err(Refusal::Gap),
            Err(ChainError::Equivocation(evidence)) => {
                self.refused_authors.insert(evidence.author);
                return Err(Refusal::Equivocation);
            }
            Err(other) => return Err(Refusal::BrokenChain(other.to_string())),
        };
        if appended == Appended::New {
            record
                .apply([change])
                .map_err(|e| Refusal::Apply(e.to_string()))?;
            *feed = extended;
            self.docs.insert(doc_id, record);
        }
        Ok(appended)
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
