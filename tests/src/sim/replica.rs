//! One simulated node: a real `fedrec_node::Node` (the daemon's own intake, receipts, rules
//! and sync) over its own RocksDB database, with a clock the simulator sets, and the checker's
//! copy of what that database holds.
//!
//! The node is started and restarted with [`Node::start`], as the daemon starts it (closed for
//! writes until a peer confirms its own feeds; on the ministry, interrupted receipts finished
//! first). A crash drops the node: what it holds in memory (its document cache, the topics
//! peers confirmed, a write a user asked for but the node had not begun) is gone, and what its
//! synced write batches put on disk stays. A sync round is the daemon's: `digest_for`, then
//! `answer` and `on_response` in turn, whose messages the simulated network carries.
//!
//! [`Store`] is not the node's store but what the checker reads of it after every call that may
//! write: every feed, the authors refused for equivocation, the documents (from the node's
//! snapshots) and the refusals counted. It is read again from the database after each call, and
//! kept while the node is down, when its disk cannot change.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use fedrec_common::decisions::DecisionsDoc;
use fedrec_common::feed::{Feed, SignedEntry};
use fedrec_common::form::Application;
use fedrec_common::identity::{NodeId, NodeKey};
use fedrec_common::ids::{DocId, RecommenderId, Topic};
use fedrec_common::ingest::RefusalKind;
use fedrec_common::record::{RecordDoc, Status};
use fedrec_common::review::PublishedBase;
use fedrec_common::sync::{Request, Response};
use fedrec_common::timestamp::Timestamp;
use fedrec_config::{Limits, MinistryPeer, NodeConfig};
use fedrec_node::clock::Clock;
use fedrec_node::metrics::Metrics;
use fedrec_node::node::{EditRequest, Node, NodeError, RecordView, Rules};

/// What a node is in the federation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Ministry,
    Hq(RecommenderId),
    FieldOffice(RecommenderId),
}

impl Role {
    pub fn recommender(&self) -> Option<&RecommenderId> {
        match self {
            Role::Ministry => None,
            Role::Hq(id) | Role::FieldOffice(id) => Some(id),
        }
    }
}

/// A document as the node's snapshot holds it: the two kinds the simulation replicates.
#[derive(Debug, Clone)]
pub enum Doc {
    Record(RecordDoc),
    Decisions(DecisionsDoc),
}

/// What the checker reads of a node's database. Survives a crash, as the disk does.
#[derive(Debug, Default)]
pub struct Store {
    pub feeds: BTreeMap<(NodeId, Topic), Feed>,
    /// Authors caught equivocating.
    pub refused_authors: BTreeSet<NodeId>,
    /// Refused entries, by kind, over every run of the node.
    pub quarantined: BTreeMap<RefusalKind, u64>,
    docs: BTreeMap<DocId, Doc>,
}

impl Store {
    /// The entry held at `seq` of a feed.
    pub fn entry_at(&self, author: &NodeId, topic: &Topic, seq: u64) -> Option<&SignedEntry> {
        let index = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.feeds
            .get(&(*author, topic.clone()))?
            .entries()
            .get(index)
    }

    pub fn entry_count(&self) -> usize {
        self.feeds.values().map(|feed| feed.entries().len()).sum()
    }
}

/// A local operation a user asks a recommender's node for.
#[derive(Debug, Clone)]
pub enum LocalOp {
    Create(Application),
    Edit(DocId, Application),
    Submit(DocId),
    Withdraw(DocId),
}

impl LocalOp {
    pub fn name(&self) -> &'static str {
        match self {
            LocalOp::Create(_) => "create",
            LocalOp::Edit(..) => "edit",
            LocalOp::Submit(_) => "submit",
            LocalOp::Withdraw(_) => "withdraw",
        }
    }
}

/// What became of a write a user asked for.
#[derive(Debug)]
pub enum Written {
    /// Stored: the entry the node signed, now acknowledged.
    Stored(SignedEntry),
    /// Nothing to write (an edit that changes nothing).
    Unchanged,
    /// The node refused it, as it would answer the API (closed for writes, a frozen record, an
    /// invalid application, a field office without the right to submit): the key of the refusal.
    Refused(&'static str),
}

/// One simulated node.
pub struct SimNode {
    pub name: String,
    pub role: Role,
    key: NodeKey,
    config: NodeConfig,
    /// The node, while it runs; `None` after a crash.
    node: Option<Node>,
    metrics: Arc<Metrics>,
    /// The hand of the node's clock: the simulated time plus [`SimNode::skew_ms`].
    hand: Arc<AtomicI64>,
    pub up: bool,
    pub store: Store,
    /// How far this node's clock is from true simulated time.
    pub skew_ms: i64,
    /// A write a user asked for that the node has not carried out yet.
    pub pending: Option<LocalOp>,
    /// Entries this node signed that the checker has not been shown yet.
    fresh_own: Vec<SignedEntry>,
    /// Rules planted in the ministry (see `Flaw::SecondAcceptance`), set again at every start.
    planted_rules: Option<Rules>,
}

impl SimNode {
    /// A node named `name` with its database under `dir`, not yet started.
    pub fn new(
        name: String,
        role: Role,
        key: NodeKey,
        ministry: NodeId,
        dir: &Path,
        now: Timestamp,
    ) -> Self {
        let data_dir: PathBuf = dir.join(name.replace(' ', "-"));
        let config = NodeConfig {
            role: match role {
                Role::Ministry => fedrec_config::Role::Ministry,
                Role::Hq(_) => fedrec_config::Role::Recommender,
                Role::FieldOffice(_) => fedrec_config::Role::FieldOffice,
            },
            name: name.clone(),
            recommender: role.recommender().cloned(),
            data_dir,
            listen: Vec::new(),
            api: ([127, 0, 0, 1], 0).into(),
            ministry: (role != Role::Ministry).then(|| MinistryPeer {
                address: "/ip4/127.0.0.1/tcp/7400".into(),
                key: ministry,
            }),
            peers: Vec::new(),
            batch_files: Vec::new(),
            mdns: false,
            max_attachment_bytes: fedrec_config::DEFAULT_MAX_ATTACHMENT_BYTES,
            sync_interval_secs: fedrec_config::DEFAULT_SYNC_INTERVAL_SECS,
            limits: Limits::default(),
            remote_ui: None,
        };
        let mut sim = Self {
            name,
            role,
            key,
            config,
            node: None,
            metrics: Arc::default(),
            hand: Arc::new(AtomicI64::new(now.0)),
            up: false,
            store: Store::default(),
            skew_ms: 0,
            pending: None,
            fresh_own: Vec::new(),
            planted_rules: None,
        };
        sim.start();
        sim
    }

    pub fn id(&self) -> NodeId {
        self.key.id()
    }

    /// The running node. Only called for a node that is up.
    pub fn node(&mut self) -> &mut Node {
        self.node
            .as_mut()
            .unwrap_or_else(|| panic!("{} is down", self.name))
    }

    /// The running node, read only.
    pub fn node_ref(&self) -> &Node {
        self.node
            .as_ref()
            .unwrap_or_else(|| panic!("{} is down", self.name))
    }

    /// Sets the node's clock to simulated time `now` plus its skew.
    pub fn set_time(&self, now: Timestamp) {
        self.hand.store(now.0 + self.skew_ms, Ordering::Relaxed);
    }

    fn db_dir(&self) -> PathBuf {
        self.config.data_dir.join("db")
    }

    /// Starts the node from its database, as the daemon does.
    fn start(&mut self) {
        let store = fedrec_node::store::Store::open(&self.db_dir())
            .unwrap_or_else(|e| panic!("{}: cannot open its database: {e}", self.name));
        let node = Node::start(
            NodeKey::from_seed(self.key.secret_bytes()),
            self.config.clone(),
            store,
            Arc::clone(&self.metrics),
            Clock::Manual(Arc::clone(&self.hand)),
            false,
        );
        self.node = Some(node);
        self.up = true;
        if self.role == Role::Ministry {
            let planted = self.planted_rules;
            let node = self.node();
            // The simulator receipts as a step of its own, so a crash can come in between.
            node.set_receipts_after_intake(false);
            if let Some(rules) = planted {
                node.plant_rules(rules);
            }
        }
    }

    /// Makes the ministry decide by `rules` from now on, across restarts.
    pub fn plant_rules(&mut self, rules: Rules) {
        self.planted_rules = Some(rules);
        self.node().plant_rules(rules);
    }

    /// The entries this node signed since the last call.
    pub fn take_fresh_own(&mut self) -> Vec<SignedEntry> {
        std::mem::take(&mut self.fresh_own)
    }

    // --- Planted faults -----------------------------------------------------------------------

    fn unsynced_copy(&self) -> PathBuf {
        self.config.data_dir.join("before-last-write")
    }

    /// For `Flaw::AcknowledgeBeforeStoring`: keeps a copy of the database as it is before a
    /// write, standing for what a node that acknowledges before syncing has on disk.
    pub fn keep_state_before_write(&mut self) {
        let copy = self.unsynced_copy();
        if copy.exists() {
            std::fs::remove_dir_all(&copy).expect("the old copy is removed");
        }
        self.node()
            .store()
            .checkpoint(&copy)
            .expect("a checkpoint of the database");
    }

    /// For `Flaw::AcknowledgeBeforeStoring`, after a crash: the disk holds what it held before
    /// the last write, which was acknowledged but never synced.
    pub fn lose_last_write(&mut self) {
        assert!(
            self.node.is_none(),
            "only a crashed node loses its last write"
        );
        let copy = self.unsynced_copy();
        if copy.exists() {
            std::fs::remove_dir_all(self.db_dir()).expect("the database is removed");
            std::fs::rename(&copy, self.db_dir()).expect("the copy takes its place");
        }
    }

    /// For `Flaw::ReceiptOnlyOnMerge`, before a crash: the ministry's markers of status changes
    /// still to receipt were kept in memory only, so they are gone.
    pub fn forget_receipt_markers(&mut self) {
        let node = self.node();
        let markers = node
            .store()
            .meta_keys("to_receipt/")
            .expect("the markers are listed");
        let mut batch = node.store().batch();
        for marker in &markers {
            batch.delete_meta(marker);
        }
        batch.commit().expect("the markers are deleted");
    }

    /// Loses everything not on disk: the node's memory and the write in progress.
    pub fn crash(&mut self) {
        self.up = false;
        self.node = None;
        self.pending = None;
    }

    /// Starts again from the database, as the daemon does, and re-reads what it holds.
    /// Returns what failed the node's own check of its stored feeds, which must be nothing.
    pub fn restart(&mut self) -> Vec<String> {
        self.start();
        let problems = match self.node().verify_store() {
            Ok(_) => Vec::new(),
            Err(error) => vec![error.to_string()],
        };
        self.reread();
        problems
    }

    pub fn docs(&self) -> &BTreeMap<DocId, Doc> {
        &self.store.docs
    }

    pub fn record(&self, doc: &DocId) -> Option<&RecordDoc> {
        match self.store.docs.get(doc) {
            Some(Doc::Record(record)) => Some(record),
            _ => None,
        }
    }

    pub fn decisions(&self, recommender: &RecommenderId) -> Option<&DecisionsDoc> {
        match self.store.docs.get(&DocId::Decisions(recommender.clone())) {
            Some(Doc::Decisions(decisions)) => Some(decisions),
            _ => None,
        }
    }

    /// Records of this node's recommender (every record, on the ministry).
    pub fn records(&self) -> impl Iterator<Item = (&DocId, &RecordDoc)> {
        self.store.docs.iter().filter_map(|(id, doc)| match doc {
            Doc::Record(record) => Some((id, record)),
            Doc::Decisions(_) => None,
        })
    }

    /// The records of `recommender` this node holds, with their status.
    pub fn statuses(&self, recommender: &RecommenderId) -> Vec<(DocId, Status)> {
        self.records()
            .filter(
                |(id, _)| matches!(id, DocId::Record { recommender: r, .. } if r == recommender),
            )
            .filter_map(|(id, record)| Some((id.clone(), record.clone().status().ok()?)))
            .collect()
    }

    /// The entry a receipt names: the last entry of the document in the last of its feeds (in
    /// key order).
    pub fn latest_entry_of(&self, doc: &DocId) -> Option<&SignedEntry> {
        let topic = doc.topic();
        self.store
            .feeds
            .iter()
            .filter(|((_, t), _)| *t == topic)
            .flat_map(|(_, feed)| feed.entries().iter().rev().find(|e| &e.entry.doc == doc))
            .last()
    }

    // --- Calls into the node ------------------------------------------------------------------

    /// Carries out the write a user asked for, as the API would.
    pub fn commit(&mut self) -> Result<Option<(&'static str, Written)>, String> {
        let Some(op) = self.pending.take() else {
            return Ok(None);
        };
        let name = op.name();
        let node = self.node();
        let result = match op {
            LocalOp::Create(application) => node.create_record(application),
            LocalOp::Edit(doc, application) => node.edit_record(
                &doc.to_string(),
                EditRequest {
                    application: Some(application),
                    set: BTreeMap::new(),
                },
            ),
            LocalOp::Submit(doc) => node.submit(&doc.to_string()),
            LocalOp::Withdraw(doc) => node.withdraw(&doc.to_string()),
        };
        let written = match result {
            Ok(summary) => {
                let topic = summary.doc.topic();
                let before = self
                    .store
                    .feeds
                    .get(&(self.id(), topic.clone()))
                    .and_then(Feed::head);
                self.reread();
                let after = self
                    .store
                    .feeds
                    .get(&(self.id(), topic.clone()))
                    .and_then(Feed::head);
                match after {
                    Some(head) if Some(head) != before => Written::Stored(
                        self.store
                            .entry_at(&self.id(), &topic, head.seq)
                            .ok_or("the new head's entry is not in the store")?
                            .clone(),
                    ),
                    _ => Written::Unchanged,
                }
            }
            Err(NodeError::Store(error)) => return Err(error.to_string()),
            Err(NodeError::Record(error)) => return Err(error.to_string()),
            Err(refusal) => Written::Refused(refusal_key(&refusal)),
        };
        Ok(Some((name, written)))
    }

    /// The first message of a round with `peer`.
    pub fn digest_for(&mut self, peer: &NodeId) -> Request {
        self.node()
            .digest_for(peer)
            .unwrap_or_else(|e| panic!("a digest: {e}"))
    }

    /// Answers a peer's request; also says whether the node took in new entries.
    pub fn answer(&mut self, peer: &NodeId, request: Request) -> (Response, bool) {
        let answered = self.node().answer(peer, request);
        self.reread();
        answered
    }

    /// Handles a peer's answer: the next requests of the round (with another round owed when
    /// the node's round budget cut this one short), and whether it took in new entries.
    pub fn on_response(&mut self, peer: &NodeId, response: Response) -> (Vec<Request>, bool, bool) {
        let (next, learned) = self.node().on_response(peer, response);
        let unfinished = self.node().take_unfinished_round(peer);
        self.reread();
        (next, learned, unfinished)
    }

    /// The ministry's receipts for the status changes intake marked, and the verdicts they
    /// change (`Node::resume_receipts`, which the daemon runs after every intake).
    pub fn receipt(&mut self) {
        self.node().resume_receipts();
        self.reread();
    }

    /// The published list of batch 6 as this node holds it.
    pub fn published(&mut self) -> Vec<PublishedBase> {
        self.node()
            .published(6)
            .unwrap_or_else(|e| panic!("the published list reads: {e}"))
    }

    /// A record as the node shows it (the API's `record show`): the document now, and the
    /// application as submitted.
    pub fn view_of(&mut self, doc: &DocId) -> RecordView {
        self.node()
            .record(&doc.to_string())
            .unwrap_or_else(|e| panic!("{doc} reads: {e}"))
    }

    // --- The checker's copy -------------------------------------------------------------------

    /// Reads again what the node's database holds: new entries of every feed (a feed whose
    /// stored head is not a successor of the copy's is read whole), the refused authors, and
    /// the documents those entries touched.
    pub fn reread(&mut self) {
        let Some(node) = self.node.as_ref() else {
            return;
        };
        let db = node.store();
        let heads = db.heads().expect("the node's heads read");
        let mut touched: BTreeSet<DocId> = BTreeSet::new();
        let mut rebuilt = false;
        let present: BTreeSet<(NodeId, Topic)> = heads
            .iter()
            .map(|(author, topic, _)| (*author, topic.clone()))
            .collect();
        let before = self.store.feeds.len();
        self.store.feeds.retain(|key, _| present.contains(key));
        rebuilt |= self.store.feeds.len() != before;
        for (author, topic, head) in heads {
            let key = (author, topic.clone());
            let held = self.store.feeds.get(&key).and_then(Feed::head);
            if held == Some(head) {
                continue;
            }
            let extends = held.is_some_and(|h| {
                h.seq < head.seq
                    && db
                        .entry_at(&author, &topic, h.seq)
                        .ok()
                        .flatten()
                        .map(|e| e.id())
                        == Some(h.id)
            });
            if !extends {
                self.store
                    .feeds
                    .insert(key.clone(), Feed::new(author, topic.clone()));
                rebuilt |= held.is_some();
            }
            let feed = self.store.feeds.get_mut(&key).expect("just ensured");
            let from = feed.head().map_or(1, |h| h.seq + 1);
            let signed_before = held.map_or(0, |h| h.seq);
            let entries = db
                .feed_from(&author, &topic, from, usize::MAX, usize::MAX)
                .expect("the node's feed reads");
            for entry in entries {
                touched.insert(entry.entry.doc.clone());
                if author == self.key.id() && entry.entry.seq > signed_before {
                    self.fresh_own.push(entry.clone());
                }
                feed.append(entry).expect("the node's stored feed chains");
            }
        }
        self.store.refused_authors = db
            .meta_keys("refused/")
            .expect("the node's refused authors read")
            .iter()
            .filter_map(|key| key.strip_prefix("refused/")?.parse().ok())
            .collect();
        if rebuilt {
            touched.extend(self.store.docs.keys().cloned());
        }
        for doc in touched {
            let loaded = db
                .snapshot(&doc.to_string())
                .expect("the node's snapshot reads")
                .map(|bytes| match &doc {
                    DocId::Record { .. } => {
                        RecordDoc::load(&bytes, &self.key.id()).map(Doc::Record)
                    }
                    _ => DecisionsDoc::load(&bytes, &self.key.id()).map(Doc::Decisions),
                });
            match loaded {
                Some(Ok(loaded)) => {
                    self.store.docs.insert(doc, loaded);
                }
                Some(Err(error)) => {
                    panic!("{}: snapshot of {doc} does not load: {error}", self.name)
                }
                None => {
                    self.store.docs.remove(&doc);
                }
            }
        }
        self.store.quarantined = self.metrics.refusal_counts().into_iter().collect();
    }
}

/// A refusal's kind, as the report counts it.
fn refusal_key(error: &NodeError) -> &'static str {
    match error {
        NodeError::BadRequest(_) => "bad-request",
        NodeError::Invalid(_) => "invalid",
        NodeError::NotFound(_) => "not-found",
        NodeError::Forbidden(_) => "forbidden",
        NodeError::Conflict(_) => "conflict",
        NodeError::Unavailable(_) => "closed-for-writes",
        NodeError::TooLarge { .. } => "too-large",
        NodeError::Store(_) | NodeError::Record(_) => "failure",
    }
}
