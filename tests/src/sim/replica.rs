//! One simulated node: its durable store, the documents it derives from it, and its side of the
//! sync protocol.
//!
//! The store holds what a node keeps on disk: its feeds, the authors it refuses and a count of
//! what it quarantined. Everything else (documents, a write in progress) is memory and is lost in
//! a crash; a restart rebuilds the documents from the stored feeds after verifying every entry,
//! as the daemon checks its store when it starts.
//!
//! Entries from elsewhere pass the daemon's own pure checks (`common::ingest`: decode, may this
//! node hold the topic, signature and actor, roster, chain), then their change is applied to a
//! copy of the document, then they are stored, as `node/src/replicate.rs` does. A sync round is
//! the daemon's: `Digest`, then `Heads` or `InSync`, then `Fetch`/`Entries` and `Push`/`Ack`,
//! planned by `common::sync::plan`.
//!
//! A local write is two steps: the request computes and signs the entry; the commit stores it
//! and only then acknowledges it. A crash between the two loses an unacknowledged write, which is
//! allowed; losing an acknowledged one is not.

use std::collections::{BTreeMap, BTreeSet};

use automerge::Change;
use fedrec_common::batch::BatchNumber;
use fedrec_common::decisions::DecisionsDoc;
use fedrec_common::feed::{self, Entry, Feed, SignedEntry};
use fedrec_common::form::Application;
use fedrec_common::identity::{NodeId, NodeKey};
use fedrec_common::ids::{DocId, RecommenderId, RecordId, Topic};
use fedrec_common::ingest::{self, FeedState, Outcome, Refusal, RefusalKind};
use fedrec_common::record::{RecordDoc, RecordError, Status};
use fedrec_common::roster::Roster;
use fedrec_common::sync::{self, FeedPosition, Request, Response};
use fedrec_common::timestamp::Timestamp;

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

/// A materialised document: the two kinds the simulation replicates.
#[derive(Debug, Clone)]
pub enum Doc {
    Record(RecordDoc),
    Decisions(DecisionsDoc),
}

impl Doc {
    fn empty(doc: &DocId, actor: &NodeId) -> Option<Self> {
        match doc {
            DocId::Record { .. } => Some(Doc::Record(RecordDoc::empty(actor))),
            DocId::Decisions(_) => Some(Doc::Decisions(DecisionsDoc::empty(actor))),
            _ => None,
        }
    }

    fn apply(&mut self, change: Change) -> Result<(), RecordError> {
        match self {
            Doc::Record(record) => record.apply([change]),
            Doc::Decisions(decisions) => decisions.apply([change]),
        }
    }
}

/// What a node keeps on disk. Survives a crash.
#[derive(Debug, Default)]
pub struct Store {
    pub feeds: BTreeMap<(NodeId, Topic), Feed>,
    /// Authors caught equivocating.
    pub refused_authors: BTreeSet<NodeId>,
    /// Refused entries, by kind.
    pub quarantined: BTreeMap<RefusalKind, u64>,
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

/// A local write that has been signed but not yet stored.
#[derive(Debug, Clone)]
pub struct PendingWrite {
    pub op: &'static str,
    pub entry: SignedEntry,
    change: Change,
}

/// What became of one incoming entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Stored and merged into this document.
    Accepted(DocId),
    Duplicate,
    Early,
    Refused(RefusalKind),
}

/// One simulated node.
pub struct SimNode {
    pub name: String,
    pub role: Role,
    key: NodeKey,
    roster: Roster,
    pub store: Store,
    docs: BTreeMap<DocId, Doc>,
    pub up: bool,
    /// How far this node's clock is from true simulated time.
    pub skew_ms: i64,
    pub pending: Option<PendingWrite>,
}

impl SimNode {
    pub fn new(name: String, role: Role, key: NodeKey, roster: Roster) -> Self {
        Self {
            name,
            role,
            key,
            roster,
            store: Store::default(),
            docs: BTreeMap::new(),
            up: true,
            skew_ms: 0,
            pending: None,
        }
    }

    pub fn id(&self) -> NodeId {
        self.key.id()
    }

    pub fn docs(&self) -> &BTreeMap<DocId, Doc> {
        &self.docs
    }

    pub fn record(&self, doc: &DocId) -> Option<&RecordDoc> {
        match self.docs.get(doc) {
            Some(Doc::Record(record)) => Some(record),
            _ => None,
        }
    }

    pub fn decisions(&self, recommender: &RecommenderId) -> Option<&DecisionsDoc> {
        match self.docs.get(&DocId::Decisions(recommender.clone())) {
            Some(Doc::Decisions(decisions)) => Some(decisions),
            _ => None,
        }
    }

    /// Records of this node's recommender (every record, on the ministry) with their status.
    pub fn records(&self) -> impl Iterator<Item = (&DocId, &RecordDoc)> {
        self.docs.iter().filter_map(|(id, doc)| match doc {
            Doc::Record(record) => Some((id, record)),
            Doc::Decisions(_) => None,
        })
    }

    /// Loses everything not on disk: documents, the write in progress.
    pub fn crash(&mut self) {
        self.up = false;
        self.docs.clear();
        self.pending = None;
    }

    /// Starts again from the store: verifies every stored feed (chain and signatures) and
    /// rebuilds the documents. Returns what failed verification, which must be nothing.
    pub fn restart(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut docs: BTreeMap<DocId, Doc> = BTreeMap::new();
        for ((author, topic), feed) in &self.store.feeds {
            if let Err(error) = feed::verify_chain(feed.entries()) {
                problems.push(format!("feed {} {topic}: {error}", author.short()));
            }
            for (signed, change) in feed.entries().iter().zip(feed::verify_many(feed.entries())) {
                let applied = change.map_err(|e| e.to_string()).and_then(|change| {
                    let doc = &signed.entry.doc;
                    if !docs.contains_key(doc) {
                        let empty =
                            Doc::empty(doc, &self.key.id()).ok_or("not a replicated doc")?;
                        docs.insert(doc.clone(), empty);
                    }
                    docs.get_mut(doc)
                        .ok_or("just inserted")?
                        .apply(change)
                        .map_err(|e| e.to_string())
                });
                if let Err(error) = applied {
                    problems.push(format!(
                        "entry {} of {} {topic}: {error}",
                        signed.entry.seq,
                        author.short()
                    ));
                }
            }
        }
        self.docs = docs;
        self.up = true;
        problems
    }

    fn head(&self, topic: &Topic) -> Option<feed::FeedHead> {
        self.store
            .feeds
            .get(&(self.id(), topic.clone()))
            .and_then(Feed::head)
    }

    /// Signs `change` to `doc` as this node's next entry on the document's topic.
    fn sign_next(&self, doc: &DocId, change: &Change) -> SignedEntry {
        let topic = doc.topic();
        let head = self.head(&topic);
        Entry {
            author: self.id(),
            topic,
            seq: head.map_or(1, |h| h.seq + 1),
            prev: head.map(|h| h.id),
            doc: doc.clone(),
            change: change.raw_bytes().to_vec(),
        }
        .sign(&self.key)
    }

    /// Merges a verified entry's change into a copy of its document, then stores the entry and
    /// the document together, so a change Automerge refuses leaves both untouched.
    fn store_entry(&mut self, signed: SignedEntry, change: Change) -> Result<(), String> {
        let key = (signed.entry.author, signed.entry.topic.clone());
        let doc_id = signed.entry.doc.clone();
        let mut doc = match self.docs.get(&doc_id) {
            Some(doc) => doc.clone(),
            None => Doc::empty(&doc_id, &self.id()).ok_or("not a replicated document")?,
        };
        doc.apply(change).map_err(|e| e.to_string())?;
        self.store
            .feeds
            .entry(key.clone())
            .or_insert_with(|| Feed::new(key.0, key.1))
            .append(signed)
            .map_err(|e| e.to_string())?;
        self.docs.insert(doc_id, doc);
        Ok(())
    }

    /// The request half of a local write: computes the change on a copy of the document and
    /// signs it as the next entry. Returns `false` when there is nothing to write (the record
    /// left the state the operation needs, or the edit changes nothing).
    pub fn request(&mut self, op: LocalOp, batch: BatchNumber, now: Timestamp) -> bool {
        let Some(recommender) = self.role.recommender().cloned() else {
            return false;
        };
        let name = op.name();
        let (doc_id, change) = match op {
            LocalOp::Create(application) => {
                let topic = Topic::Recommender(recommender.clone());
                let seq = self.head(&topic).map_or(1, |h| h.seq + 1);
                let doc_id = DocId::Record {
                    batch,
                    recommender: recommender.clone(),
                    record: RecordId::derive(&self.id(), &topic, seq),
                };
                match RecordDoc::create(&self.id(), batch, &recommender, &application, now) {
                    Ok((_, change)) => (doc_id, change),
                    Err(_) => return false,
                }
            }
            LocalOp::Edit(doc_id, application) => {
                let Some(mut record) = self.record(&doc_id).cloned() else {
                    return false;
                };
                match record.update(&application, now) {
                    Ok(Some(change)) => (doc_id, change),
                    _ => return false,
                }
            }
            LocalOp::Submit(doc_id) | LocalOp::Withdraw(doc_id) => {
                let Some(mut record) = self.record(&doc_id).cloned() else {
                    return false;
                };
                let transition: fn(&mut RecordDoc, Timestamp) -> Result<Change, RecordError> =
                    match name {
                        "submit" => RecordDoc::submit,
                        _ => RecordDoc::withdraw,
                    };
                match transition(&mut record, now) {
                    Ok(change) => (doc_id, change),
                    Err(_) => return false,
                }
            }
        };
        let entry = self.sign_next(&doc_id, &change);
        self.pending = Some(PendingWrite {
            op: name,
            entry,
            change,
        });
        true
    }

    /// The commit half: stores the pending write. Returns the stored entry, which is now
    /// acknowledged.
    pub fn commit(&mut self) -> Result<Option<SignedEntry>, String> {
        let Some(pending) = self.pending.take() else {
            return Ok(None);
        };
        let entry = pending.entry.clone();
        self.store_entry(pending.entry, pending.change)?;
        Ok(Some(entry))
    }

    /// Writes a change to one of the ministry's documents as its next entry, at once.
    pub fn write_ministry_change(
        &mut self,
        doc: DocId,
        change: Change,
    ) -> Result<SignedEntry, String> {
        let signed = self.sign_next(&doc, &change);
        self.store_entry(signed.clone(), change)?;
        Ok(signed)
    }

    /// Takes a decisions document out for the ministry to change; [`SimNode::put_decisions`]
    /// puts it back.
    pub fn take_decisions(&mut self, recommender: &RecommenderId) -> DecisionsDoc {
        match self.docs.remove(&DocId::Decisions(recommender.clone())) {
            Some(Doc::Decisions(doc)) => doc,
            _ => DecisionsDoc::empty(&self.id()),
        }
    }

    pub fn put_decisions(&mut self, recommender: &RecommenderId, doc: DecisionsDoc) {
        self.docs
            .insert(DocId::Decisions(recommender.clone()), Doc::Decisions(doc));
    }

    /// The entry a receipt names: the last entry of the document in the last of its feeds (in
    /// key order). The daemon names the entry whose merge triggered the receipt; any entry of
    /// the record that the roster authorises gives the same verdicts while the roster is fixed.
    pub fn latest_entry_of(&self, doc: &DocId) -> Option<&SignedEntry> {
        let topic = doc.topic();
        self.store
            .feeds
            .iter()
            .filter(|((_, t), _)| *t == topic)
            .flat_map(|(_, feed)| feed.entries().iter().rev().find(|e| &e.entry.doc == doc))
            .last()
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

    // --- Taking entries from elsewhere -------------------------------------------------------

    fn refuse(&mut self, refusal: Refusal) -> Taken {
        *self.store.quarantined.entry(refusal.kind).or_default() += 1;
        Taken::Refused(refusal.kind)
    }

    /// The daemon's ingest of one entry: every check, then apply, then store.
    pub fn ingest(&mut self, bytes: &[u8]) -> Taken {
        let signed = match ingest::decode(bytes) {
            Ok(signed) => signed,
            Err(refusal) => return self.refuse(refusal),
        };
        let (author, topic, seq) = (
            signed.entry.author,
            signed.entry.topic.clone(),
            signed.entry.seq,
        );
        if !self.roster.may_read(&self.id(), &topic) {
            return self.refuse(Refusal {
                kind: RefusalKind::Unauthorised,
                reason: format!("this node may not hold entries of {topic}"),
            });
        }
        let held = |n: u64| self.store.entry_at(&author, &topic, n).map(SignedEntry::id);
        let state = FeedState {
            head: self
                .store
                .feeds
                .get(&(author, topic.clone()))
                .and_then(Feed::head),
            held_at_seq: held(seq),
            held_before: if seq > 1 { held(seq - 1) } else { None },
        };
        match ingest::check(signed, &self.roster, &self.store.refused_authors, &state) {
            Outcome::Accept(accepted) => {
                let (signed, change) = *accepted;
                let doc = signed.entry.doc.clone();
                match self.store_entry(signed, change) {
                    Ok(()) => Taken::Accepted(doc),
                    Err(reason) => self.refuse(Refusal {
                        kind: RefusalKind::ApplyFailed,
                        reason,
                    }),
                }
            }
            Outcome::Duplicate => Taken::Duplicate,
            Outcome::Early { .. } => Taken::Early,
            Outcome::Equivocation(second, refusal) => {
                self.store.refused_authors.insert(second.entry.author);
                self.refuse(refusal)
            }
            Outcome::Refuse(refusal) => self.refuse(refusal),
        }
    }

    fn ingest_all(&mut self, entries: &[Vec<u8>]) -> (Vec<Taken>, Vec<DocId>) {
        let taken: Vec<Taken> = entries.iter().map(|bytes| self.ingest(bytes)).collect();
        let merged = taken
            .iter()
            .filter_map(|t| match t {
                Taken::Accepted(doc) => Some(doc.clone()),
                _ => None,
            })
            .collect();
        (taken, merged)
    }

    // --- The sync protocol -------------------------------------------------------------------

    fn shared_heads(&self, peer: &NodeId) -> Vec<FeedPosition> {
        let heads: Vec<FeedPosition> = self
            .store
            .feeds
            .iter()
            .filter_map(|((author, topic), feed)| {
                feed.head().map(|head| FeedPosition {
                    author: *author,
                    topic: topic.clone(),
                    seq: head.seq,
                    head: head.id,
                })
            })
            .collect();
        sync::shared_with(&heads, &self.roster, peer)
    }

    /// The first message of a round with `peer`.
    pub fn digest_for(&self, peer: &NodeId) -> Request {
        let heads = self.shared_heads(peer);
        Request::Digest {
            digest: sync::digest(&heads),
            feeds: heads.len() as u32,
            roster_version: self.roster.version,
        }
    }

    /// Answers a peer's request; also returns the documents that merged new entries.
    pub fn answer(&mut self, peer: &NodeId, request: Request) -> (Response, Vec<DocId>) {
        match request {
            Request::Digest {
                digest,
                roster_version,
                ..
            } => {
                let heads = self.shared_heads(peer);
                let response =
                    if sync::digest(&heads) == digest && roster_version == self.roster.version {
                        Response::InSync
                    } else {
                        Response::Heads {
                            heads,
                            roster_version: self.roster.version,
                        }
                    };
                (response, Vec::new())
            }
            Request::Fetch {
                author,
                topic,
                from_seq,
            } => (
                self.entries_for(peer, &author, &topic, from_seq),
                Vec::new(),
            ),
            Request::Push { entries } => {
                let (taken, merged) = self.ingest_all(&entries);
                let count = |f: fn(&Taken) -> bool| taken.iter().filter(|t| f(t)).count() as u32;
                let response = Response::Ack {
                    accepted: count(|t| matches!(t, Taken::Accepted(_))),
                    duplicates: count(|t| matches!(t, Taken::Duplicate)),
                    refused: count(|t| matches!(t, Taken::Refused(_))),
                };
                (response, merged)
            }
            Request::Roster => (
                Response::Refused {
                    reason: "the simulated roster is fixed".into(),
                },
                Vec::new(),
            ),
        }
    }

    /// One chunk of a feed from `from_seq`, if `peer` may read it.
    fn entries_for(
        &self,
        peer: &NodeId,
        author: &NodeId,
        topic: &Topic,
        from_seq: u64,
    ) -> Response {
        if !self.roster.may_read(peer, topic) {
            return Response::Refused {
                reason: format!("peer may not read {topic}"),
            };
        }
        let Some(feed) = self.store.feeds.get(&(*author, topic.clone())) else {
            return Response::Entries {
                entries: Vec::new(),
                more: false,
            };
        };
        let rest: Vec<Vec<u8>> = feed
            .since(from_seq.max(1) - 1)
            .iter()
            .map(SignedEntry::encode)
            .collect();
        let total = rest.len();
        let first = sync::chunks(rest).into_iter().next().unwrap_or_default();
        Response::Entries {
            more: first.len() < total,
            entries: first,
        }
    }

    /// Handles a peer's answer; returns the next requests of the round and the documents that
    /// merged new entries.
    pub fn on_response(&mut self, peer: &NodeId, response: Response) -> (Vec<Request>, Vec<DocId>) {
        match response {
            Response::Heads { heads, .. } => (self.round_plan(peer, &heads), Vec::new()),
            Response::Entries { entries, more } => {
                let last = entries
                    .last()
                    .and_then(|bytes| SignedEntry::decode(bytes).ok());
                let (taken, merged) = self.ingest_all(&entries);
                let refused = taken.iter().any(|t| matches!(t, Taken::Refused(_)));
                let mut next = Vec::new();
                if more
                    && !refused
                    && let Some(last) = last
                {
                    next.push(Request::Fetch {
                        author: last.entry.author,
                        topic: last.entry.topic,
                        from_seq: last.entry.seq + 1,
                    });
                }
                (next, merged)
            }
            Response::InSync
            | Response::Ack { .. }
            | Response::Refused { .. }
            | Response::Roster { .. } => (Vec::new(), Vec::new()),
        }
    }

    /// Fetches what the peer has ahead; pushes what it lacks, in chunks.
    fn round_plan(&self, peer: &NodeId, remote: &[FeedPosition]) -> Vec<Request> {
        let local = self.shared_heads(peer);
        let readable: Vec<FeedPosition> = remote
            .iter()
            .filter(|p| self.roster.may_read(&self.id(), &p.topic))
            .cloned()
            .collect();
        let plan = sync::plan(&local, &readable);
        let mut requests: Vec<Request> = plan
            .fetch
            .into_iter()
            .map(|(author, topic, from_seq)| Request::Fetch {
                author,
                topic,
                from_seq,
            })
            .collect();
        for (author, topic, from_seq) in plan.push {
            let Some(feed) = self.store.feeds.get(&(author, topic)) else {
                continue;
            };
            let entries: Vec<Vec<u8>> = feed
                .since(from_seq.max(1) - 1)
                .iter()
                .map(SignedEntry::encode)
                .collect();
            for chunk in sync::chunks(entries) {
                requests.push(Request::Push { entries: chunk });
            }
        }
        requests
    }
}
