//! Taking in one message's worth of entries from elsewhere (a sync response, a push, a bundle
//! chunk): every entry through the checks of `common::ingest`, every accepted change applied to
//! its document in memory, then everything written in **one synced batch**.
//!
//! Why one batch per message: a synced write costs a disk flush (milliseconds) and a document
//! snapshot costs a full Automerge save (about a millisecond for a real application), while
//! verifying and applying an entry costs tens of microseconds. Writing per entry made catch-up
//! and the ministry's intake 10–50 times slower than verification (see BENCHMARKS.md).
//!
//! What keeps this correct:
//! - Checks see the message's own earlier entries through an overlay of feed heads and held
//!   entry ids, so entry 2 of a feed follows entry 1 from the same message.
//! - Documents touched are loaded once, changed in memory, and saved once at the end, in the
//!   same batch as the entries; a crash before the commit loses the whole message (the peer
//!   still holds it and sends it again), never half of it.
//! - The node is locked for the whole call, so no peer can be shown an uncommitted entry.
//! - The ministry's hook (receipts and verdicts) runs after the commit, once per status change
//!   seen while applying, in arrival order: the same receipts as entry-by-entry intake. Each
//!   such change is first written, in the message's own batch, as a `to_receipt/` marker that
//!   the hook deletes once the receipt is written; a ministry that crashed in between finishes
//!   the markers when it starts again ([`Node::resume_receipts`]), so a submission the
//!   ministry holds is never left without its receipt.
//! - Equivocation evidence is committed at once, on its own: the author is refused for the rest
//!   of the message too.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use automerge::Change;
use fedrec_common::acts::{self, ChangeGraph, ChangeKind};
use fedrec_common::decisions::DecisionsDoc;
use fedrec_common::feed::{FeedHead, SignedEntry};
use fedrec_common::form::Application;
use fedrec_common::identity::{Hash32, NodeId};
use fedrec_common::ids::{DocId, Topic};
use fedrec_common::ingest::{
    self, Ahead, FeedState, Outcome, Prepared, PreparedMessage, Refusal, RefusalKind,
};
use fedrec_common::record::{RecordDoc, Status};
use fedrec_common::review::JsonMapDoc;
use fedrec_common::roster::Roster;
use fedrec_common::timestamp::Timestamp;

use crate::node::{Node, NodeError};
use crate::records::RecordSummary;
use crate::replicate::{IngestReport, Quarantined};

/// A document being changed by this message.
enum WorkDoc {
    Record(Box<RecordWork>),
    Decisions(Box<DecisionsDoc>),
    Json(Box<JsonMapDoc>),
}

/// A record document with what this message did to it.
struct RecordWork {
    doc: RecordDoc,
    /// Changes waiting for their Automerge dependencies, held before and during this message.
    parked: Vec<(Hash32, Change)>,
    /// Parked ids that were in the store when the message began (with their author's actor
    /// bytes), to delete once applied.
    parked_in_store: BTreeMap<Hash32, Vec<u8>>,
    /// The summary before this message, and the status last seen (for the ministry's hook).
    previous: Option<RecordSummary>,
    last_status: Option<Status>,
    /// The author of the first entry applied, for a record first seen in this message.
    first_author: NodeId,
    applied: u64,
    /// This record built ahead from the message, off the node's lock, while the document is
    /// still new here: taken instead of applying the queue when the queue is exactly what was
    /// applied ahead ([`Ahead::matches`]).
    ahead: Option<Box<Ahead>>,
    /// Whether the document is the one built ahead.
    took_ahead: bool,
    /// Changes whose dependencies are met (in the document, or queued before them), applied
    /// together at the next flush: Automerge applies a batch of changes to a document for
    /// about the cost of one (see BENCHMARKS.md).
    queued: Vec<Change>,
    queued_hashes: HashSet<automerge::ChangeHash>,
    /// The last entry taken for this document, named by a status change seen at a flush when
    /// no act of this message explains it.
    last_entry: Option<SignedEntry>,
    /// The causal graph of the document's changes and of those queued, with the acts marked:
    /// each change is checked against the status its author saw ([`acts::check_change`]).
    graph: ChangeGraph,
    /// Changes refused by the record's rules since the caller last looked (frozen, bad acts).
    refused: Vec<Refusal>,
    /// The entries of this message by the hash of the change they carry, so that a status
    /// change is credited to the entry whose act made it.
    entry_of: HashMap<automerge::ChangeHash, SignedEntry>,
}

/// A record whose status changed while applying: what the ministry's hook needs, kept durably
/// under `to_receipt/<arrival>` until its receipt is written.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Merged {
    pub(crate) summary: RecordSummary,
    /// The application as submitted (at the submission's heads).
    pub(crate) application: Application,
    /// The entry whose act made the status change.
    pub(crate) entry: SignedEntry,
    /// The submission's heads (hex change hashes); empty for a withdrawal.
    #[serde(default)]
    pub(crate) heads: Vec<String>,
    /// When the message that carried the act was committed: the receipt's time, so a ministry
    /// that crashes before writing the receipt does not judge the submission by its restart.
    #[serde(default)]
    pub(crate) received_at: Option<fedrec_common::timestamp::Timestamp>,
}

/// Everything one message changes, before it is written.
struct Overlay {
    heads: HashMap<(NodeId, Topic), FeedHead>,
    held: HashMap<(NodeId, Topic, u64), Hash32>,
    entries: Vec<SignedEntry>,
    docs: HashMap<DocId, WorkDoc>,
    merged: Vec<Merged>,
    quarantined: Vec<Quarantined>,
    refused_authors: BTreeSet<NodeId>,
    /// Documents a change failed on: their in-memory state is gone, so later entries for them
    /// in this message are refused too (the peer offers them again next round).
    failed: BTreeSet<DocId>,
    /// Apply every change on its own (the entry-by-entry path), so a change that fails is
    /// refused alone. Used again for a message whose batched apply failed.
    careful: bool,
    /// Set when a batched apply failed: the message is taken again, carefully.
    retry_carefully: bool,
    /// Changes the record rules refused while taking the last entry (their entries are kept;
    /// the changes never enter the document): quarantined with their reason.
    rule_refusals: Vec<Refusal>,
    /// The record this message creates, built ahead; handed to that record's work when the
    /// message first touches it, if the record is new here.
    ahead: Option<Ahead>,
}

/// What became of one incoming entry.
enum Taken {
    Accepted,
    Duplicate,
    Early,
    Refused(Refusal),
}

fn apply_failed(error: impl std::fmt::Display) -> Refusal {
    Refusal {
        kind: RefusalKind::ApplyFailed,
        reason: error.to_string(),
    }
}

/// The `meta` key of the last arrival number given to a `to_receipt/` marker.
const MARKER_SEQ: &str = "to_receipt_seq";

impl Node {
    /// Takes in entries from elsewhere: every check, then one synced write for what passed.
    pub fn ingest(&mut self, from: &NodeId, entries: Vec<Vec<u8>>) -> IngestReport {
        self.ingest_prepared(from, PreparedMessage::later(entries))
    }

    /// [`Node::ingest`] for entries whose decoding and signatures may have been checked ahead,
    /// off the node's lock ([`Prepared::now`]); the answers are the same.
    pub fn ingest_prepared(&mut self, from: &NodeId, message: PreparedMessage) -> IngestReport {
        let PreparedMessage {
            mut entries,
            mut ahead,
        } = message;
        let mut report = IngestReport::default();
        let roster = match self.shared_roster() {
            Ok(Some(roster)) => roster,
            _ => {
                report.refused = entries.len() as u32;
                return report;
            }
        };
        let refused_authors = match self.refused_authors() {
            Ok(refused) => refused,
            Err(error) => {
                tracing::error!(%error, "cannot read refused authors; message not taken");
                report.refused = entries.len() as u32;
                return report;
            }
        };
        let mut careful = false;
        let mut overlay = loop {
            let mut overlay = Overlay {
                heads: HashMap::new(),
                held: HashMap::new(),
                entries: Vec::new(),
                docs: HashMap::new(),
                merged: Vec::new(),
                quarantined: Vec::new(),
                refused_authors: refused_authors.clone(),
                failed: BTreeSet::new(),
                careful,
                retry_carefully: false,
                rule_refusals: Vec::new(),
                // A careful pass applies change by change, so nothing built ahead can serve.
                ahead: if careful { None } else { ahead.take() },
            };
            report = IngestReport::default();
            for incoming in &mut entries {
                match self.take_one(&roster, &mut overlay, incoming) {
                    Ok(Taken::Accepted) => {
                        report.accepted += 1;
                        for refusal in std::mem::take(&mut overlay.rule_refusals) {
                            report.refused_changes += 1;
                            overlay.quarantined.push(self.quarantined(
                                from,
                                refusal,
                                &incoming.bytes,
                            ));
                        }
                    }
                    Ok(Taken::Duplicate) => report.duplicates += 1,
                    Ok(Taken::Early) => report.early += 1,
                    Ok(Taken::Refused(refusal)) => {
                        report.refused += 1;
                        overlay
                            .quarantined
                            .push(self.quarantined(from, refusal, &incoming.bytes));
                    }
                    Err(error) => {
                        report.refused += 1;
                        tracing::warn!(%error, "entry could not be taken in");
                    }
                }
                if overlay.retry_carefully {
                    break;
                }
            }
            if !overlay.retry_carefully {
                self.flush_all(&mut overlay);
            }
            if overlay.retry_carefully && !careful {
                // Nothing was written; the documents touched were taken out of the cache and
                // are reloaded from disk for the careful pass.
                tracing::warn!("a batched apply failed; taking the message again entry by entry");
                careful = true;
                continue;
            }
            break overlay;
        };
        if overlay.retry_carefully {
            // Even applied one by one, a change failed where nothing was queued: a state the
            // careful pass cannot reach, handled by writing nothing rather than half a message.
            tracing::error!("a message could not be applied even entry by entry; none kept");
            report.refused += report.accepted;
            report.accepted = 0;
            return report;
        }
        self.count_built_ahead(&overlay);
        if let Err(error) = self.commit_overlay(&mut overlay) {
            // Nothing of the message was written; the peer still holds it and offers it again.
            tracing::error!(%error, "cannot store a message's entries; none kept");
            report.refused += report.accepted;
            report.accepted = 0;
            return report;
        }
        if self.is_ministry() && self.receipts_after_intake {
            self.resume_receipts();
        }
        let relaxed = std::sync::atomic::Ordering::Relaxed;
        self.metrics
            .entries_received
            .fetch_add(u64::from(report.accepted), relaxed);
        self.metrics
            .entries_duplicate
            .fetch_add(u64::from(report.duplicates), relaxed);
        if report.accepted > 0 {
            tracing::debug!(from = %from.short(), accepted = report.accepted, "entries ingested");
        }
        report
    }

    /// Counts whether the record this message created was built ahead and taken.
    fn count_built_ahead(&self, overlay: &Overlay) {
        let records = overlay.docs.values().filter_map(|work| match work {
            WorkDoc::Record(record) => Some(record),
            _ => None,
        });
        let (mut taken, mut unused) = (0, u64::from(overlay.ahead.is_some()));
        for record in records {
            taken += u64::from(record.took_ahead);
            unused += u64::from(record.ahead.is_some());
        }
        let relaxed = std::sync::atomic::Ordering::Relaxed;
        self.metrics.built_ahead.fetch_add(taken, relaxed);
        self.metrics.built_ahead_unused.fetch_add(unused, relaxed);
    }

    /// Writes the receipts (and verdicts) of every `to_receipt/` marker, oldest first, deleting
    /// each marker once its receipt is written. Receipting is idempotent (a record already
    /// receipted in its current state gets no second receipt), so a marker left by a crash
    /// after its receipt was written costs nothing.
    pub fn resume_receipts(&mut self) {
        let keys = match self.store().meta_keys("to_receipt/") {
            Ok(keys) => keys,
            Err(error) => {
                tracing::error!(%error, "cannot list the submissions waiting for a receipt");
                return;
            }
        };
        let mut decide = BTreeSet::new();
        for key in keys {
            let merged: Merged = match self.store().meta(&key) {
                Ok(Some(merged)) => merged,
                Ok(None) => continue,
                Err(error) => {
                    tracing::error!(%error, %key, "unreadable receipt marker left in place");
                    continue;
                }
            };
            // A receipt goes into its recommender's decisions document, on that recommender's
            // topic. While the topic is closed (restore protection) every marker of it waits,
            // in order: judging a later one (a withdrawal) before the receipt of an earlier
            // one (its submission) would throw it away as out of turn.
            let topic = Topic::Recommender(merged.summary.recommender.clone());
            if !self.topic_writable(&topic) {
                continue;
            }
            match self.receipt(&merged, &key) {
                Ok(true) => {
                    decide.insert(merged.summary.batch.0);
                }
                Ok(false) => {}
                Err(NodeError::Unavailable(reason)) => {
                    tracing::debug!(%reason, record = %merged.summary.id, "receipt waits for its topic to open");
                }
                Err(error) => {
                    tracing::error!(%error, record = %merged.summary.id, "cannot receipt; retried at the next intake or start");
                }
            }
        }
        for batch in decide {
            if let Err(error) = self.decide(batch)
                && !matches!(error, NodeError::Unavailable(_))
            {
                tracing::error!(%error, batch, "cannot decide; decided again at the next receipt");
            }
        }
    }

    pub(crate) fn refused_authors(&self) -> Result<BTreeSet<NodeId>, NodeError> {
        Ok(self
            .store()
            .meta_keys("refused/")?
            .iter()
            .filter_map(|key| key.strip_prefix("refused/")?.parse().ok())
            .collect())
    }

    /// The id of the entry held at a position, in this message or in the store.
    fn held_id(
        &self,
        overlay: &Overlay,
        author: &NodeId,
        topic: &Topic,
        seq: u64,
    ) -> Result<Option<Hash32>, NodeError> {
        if let Some(id) = overlay.held.get(&(*author, topic.clone(), seq)) {
            return Ok(Some(*id));
        }
        Ok(self.store().entry_at(author, topic, seq)?.map(|e| e.id()))
    }

    fn take_one(
        &mut self,
        roster: &Roster,
        overlay: &mut Overlay,
        incoming: &mut Prepared,
    ) -> Result<Taken, NodeError> {
        let (signed, verified) = match incoming.take() {
            Ok(taken) => taken,
            Err(refusal) => return Ok(Taken::Refused(refusal)),
        };
        let (author, topic, seq) = (
            signed.entry.author,
            signed.entry.topic.clone(),
            signed.entry.seq,
        );
        if !roster.may_read(&self.id(), &topic) {
            return Ok(Taken::Refused(Refusal {
                kind: RefusalKind::Unauthorised,
                reason: format!("this node may not hold entries of {topic}"),
            }));
        }
        let head = match overlay.heads.get(&(author, topic.clone())) {
            Some(head) => Some(*head),
            None => self.store().head(&author, &topic)?,
        };
        let state = FeedState {
            head,
            held_at_seq: self.held_id(overlay, &author, &topic, seq)?,
            held_before: match seq {
                0 | 1 => None,
                _ => self.held_id(overlay, &author, &topic, seq - 1)?,
            },
        };
        match ingest::check_prepared(signed, verified, roster, &overlay.refused_authors, &state) {
            Outcome::Accept(accepted) => {
                let (signed, change) = *accepted;
                if let Err(refusal) = self.apply_in_memory(overlay, &signed, change) {
                    return Ok(Taken::Refused(refusal));
                }
                let id = signed.id();
                overlay
                    .heads
                    .insert((author, topic.clone()), FeedHead { seq, id });
                overlay.held.insert((author, topic, seq), id);
                overlay.entries.push(signed);
                Ok(Taken::Accepted)
            }
            Outcome::Equivocation(second, refusal) => {
                let first = match overlay.entries.iter().find(|e| {
                    e.entry.author == author && e.entry.topic == topic && e.entry.seq == seq
                }) {
                    Some(first) => Some(first.clone()),
                    None => self.store().entry_at(&author, &topic, seq)?,
                };
                let mut batch = self.store().batch();
                batch.equivocation(&author, &topic, seq, first.as_ref(), &second);
                batch.meta(&format!("refused/{author}"), &refusal.reason);
                batch.commit()?;
                overlay.refused_authors.insert(author);
                tracing::warn!(author = %author.short(), seq, "equivocation: both entries kept, author refused");
                Ok(Taken::Refused(refusal))
            }
            Outcome::Duplicate => Ok(Taken::Duplicate),
            Outcome::Early { .. } => Ok(Taken::Early),
            Outcome::Refuse(refusal) => Ok(Taken::Refused(refusal)),
        }
    }

    /// Loads a document into the overlay the first time the message touches it.
    fn work_doc<'a>(
        &mut self,
        overlay: &'a mut Overlay,
        doc: &DocId,
        author: NodeId,
    ) -> Result<&'a mut WorkDoc, NodeError> {
        if !overlay.docs.contains_key(doc) {
            let work = match doc {
                DocId::Published(_) | DocId::Review(_) => {
                    WorkDoc::Json(Box::new(self.json_doc(doc)?))
                }
                DocId::Decisions(recommender) => {
                    WorkDoc::Decisions(Box::new(self.decisions_doc(recommender)?))
                }
                _ => {
                    let (mut record, new) = match self.cache_take(doc) {
                        Some(record) => (record, false),
                        None => match self.store().snapshot(&doc.to_string())? {
                            Some(bytes) => (RecordDoc::load(&bytes, &self.id())?, false),
                            None => (RecordDoc::empty(&self.id()), true),
                        },
                    };
                    let ahead = overlay
                        .ahead
                        .take_if(|ahead| new && ahead.doc == *doc)
                        .map(Box::new);
                    let graph = record.change_graph()?;
                    let parked = self.store().pending(&doc.to_string())?;
                    let previous = self.store().record_by_doc(doc).ok().flatten();
                    WorkDoc::Record(Box::new(RecordWork {
                        parked_in_store: parked
                            .iter()
                            .map(|(id, change)| (*id, change.actor_id().to_bytes().to_vec()))
                            .collect(),
                        parked,
                        last_status: previous.as_ref().map(|p| p.status),
                        previous,
                        doc: record,
                        first_author: author,
                        applied: 0,
                        ahead,
                        took_ahead: false,
                        queued: Vec::new(),
                        queued_hashes: HashSet::new(),
                        last_entry: None,
                        graph,
                        refused: Vec::new(),
                        entry_of: HashMap::new(),
                    }))
                }
            };
            overlay.docs.insert(doc.clone(), work);
        }
        Ok(overlay.docs.get_mut(doc).expect("inserted above"))
    }

    /// Changes by `author` parked now: in the store (the tally, loaded on first use) and new in
    /// this message.
    fn parked_by(&mut self, overlay: &Overlay, author: &NodeId) -> Result<u64, NodeError> {
        if self.parked_tally.is_none() {
            self.parked_tally = Some(crate::parking::ParkedTally::load(self.store())?);
        }
        let actor = author.actor_id();
        let stored = self
            .parked_tally
            .as_ref()
            .map_or(0, |tally| tally.get(actor.to_bytes()));
        let new = overlay
            .docs
            .values()
            .filter_map(|work| match work {
                WorkDoc::Record(record) => Some(record),
                _ => None,
            })
            .flat_map(|record| {
                record.parked.iter().filter(|(id, change)| {
                    !record.parked_in_store.contains_key(id) && change.actor_id() == &actor
                })
            })
            .count();
        Ok(stored + new as u64)
    }

    /// Applies an accepted entry's change to its document in the overlay. On failure the
    /// document is dropped from the overlay (it may be half-changed) and reloaded on next use,
    /// so a refused entry leaves no trace.
    fn apply_in_memory(
        &mut self,
        overlay: &mut Overlay,
        signed: &SignedEntry,
        change: Change,
    ) -> Result<(), Refusal> {
        let doc = signed.entry.doc.clone();
        if matches!(doc, DocId::Roster | DocId::Batch(_)) {
            // Roster and batch entries are stored as feed entries; their texts travel signed by
            // the ministry and are imported through the trust path.
            return Ok(());
        }
        if overlay.failed.contains(&doc) {
            return Err(apply_failed(
                "an earlier change to this document failed in the same message",
            ));
        }
        let careful = overlay.careful;
        let parking_limit = self.limits().parked_max_changes_per_document;
        let author_limit = self.limits().parked_max_changes_per_author;
        let author_parked = self
            .parked_by(overlay, &signed.entry.author)
            .map_err(apply_failed)?;
        let work = self
            .work_doc(overlay, &doc, signed.entry.author)
            .map_err(apply_failed)?;
        let result = match work {
            WorkDoc::Json(json) => json.apply([change]).map(|()| None).map_err(apply_failed),
            WorkDoc::Decisions(decisions) => decisions
                .apply([change])
                .map(|()| None)
                .map_err(apply_failed),
            WorkDoc::Record(record) => {
                if would_overfill_parking(record, &change, parking_limit) {
                    // Refused before anything changed, so the document stays as it was; the
                    // sender offers the entry again once the dependencies have arrived.
                    return Err(Refusal {
                        kind: fedrec_common::ingest::RefusalKind::Oversized,
                        reason: format!(
                            "document {doc} already holds {} changes waiting for their \
                             dependencies (limits.parked_max_changes_per_document)",
                            record.parked.len()
                        ),
                    });
                }
                if author_parked >= author_limit && would_wait(record, &change) {
                    return Err(Refusal {
                        kind: fedrec_common::ingest::RefusalKind::Oversized,
                        reason: format!(
                            "its author already has {author_parked} changes waiting for their \
                             dependencies (limits.parked_max_changes_per_author)"
                        ),
                    });
                }
                match apply_record_change(record, signed, change, careful, self.now()) {
                    Err(_) if !careful => {
                        overlay.retry_carefully = true;
                        return Ok(());
                    }
                    other => other,
                }
            }
        };
        if let Some(WorkDoc::Record(record)) = overlay.docs.get_mut(&doc) {
            overlay.rule_refusals.append(&mut record.refused);
        }
        match result {
            Ok(Some(merged)) => {
                overlay.merged.push(merged);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(refusal) => {
                overlay.docs.remove(&doc);
                overlay.failed.insert(doc);
                Err(refusal)
            }
        }
    }

    /// Writes the message: entries, one snapshot per touched document, summaries, parked
    /// changes and quarantine, in one synced batch.
    fn commit_overlay(&mut self, overlay: &mut Overlay) -> Result<(), NodeError> {
        if overlay.entries.is_empty() && overlay.quarantined.is_empty() {
            return Ok(());
        }
        let at = self.now();
        let mut records = Vec::new();
        let mut parked_delta: Vec<(Vec<u8>, i64)> = Vec::new();
        let mut batch = self.store().batch();
        for signed in &overlay.entries {
            batch.entry(signed);
        }
        for (doc, work) in overlay.docs.iter_mut() {
            let name = doc.to_string();
            match work {
                WorkDoc::Json(json) => batch.snapshot(&name, &json.save()),
                WorkDoc::Decisions(decisions) => batch.snapshot(&name, &decisions.save()),
                WorkDoc::Record(record) => {
                    records.push(doc.clone());
                    let still: BTreeSet<Hash32> = record.parked.iter().map(|(id, _)| *id).collect();
                    for (gone, actor) in &record.parked_in_store {
                        if !still.contains(gone) {
                            batch.unpark(&name, gone);
                            parked_delta.push((actor.clone(), -1));
                        }
                    }
                    for (id, change) in &record.parked {
                        if !record.parked_in_store.contains_key(id) {
                            batch.park(&name, id, change.raw_bytes());
                            parked_delta.push((change.actor_id().to_bytes().to_vec(), 1));
                        }
                    }
                    if record.applied > 0 {
                        batch.snapshot(&name, &record.doc.save_for_store());
                        // A status change seen at this document's last entry already read the
                        // whole application (for the ministry's receipt): reuse it rather than
                        // assemble every box's text from Automerge a second time.
                        let last_id = record.last_entry.as_ref().map(SignedEntry::id);
                        let read = overlay
                            .merged
                            .iter()
                            .rev()
                            .find(|m| last_id == Some(m.entry.id()))
                            .map(|m| Ok(m.application.clone()));
                        if let Ok(application) = read.unwrap_or_else(|| record.doc.application())
                            && let Some(mut summary) = RecordSummary::after_write(
                                record.previous.as_ref(),
                                doc,
                                &mut record.doc,
                                &application,
                                record.first_author,
                                at,
                            )
                        {
                            summary.entries =
                                record.previous.as_ref().map_or(0, |p| p.entries) + record.applied;
                            batch.record(&summary, record.previous.as_ref());
                        }
                    }
                }
            }
        }
        for item in &overlay.quarantined {
            batch.quarantine(item);
        }
        if self.is_ministry() && !overlay.merged.is_empty() {
            // Arrival order is a counter kept with the markers, never the clock: a clock set
            // back, or two messages committed in the same millisecond, would otherwise put a
            // withdrawal's marker before its submission's. (`n` sorts after digits, so markers a
            // previous release keyed by time are finished first.)
            let mut arrival = self.store().meta::<u64>(MARKER_SEQ)?.unwrap_or(0);
            for merged in overlay.merged.iter_mut() {
                arrival += 1;
                merged.received_at = Some(at);
                batch.meta(&format!("to_receipt/n{arrival:016}"), merged);
            }
            batch.meta(MARKER_SEQ, &arrival);
        }
        batch.commit()?;
        if let Some(tally) = &mut self.parked_tally {
            tally.apply(&parked_delta);
        }
        for doc in records {
            if let Some(WorkDoc::Record(record)) = overlay.docs.remove(&doc) {
                self.cache_put(doc, record.doc);
            }
        }
        Ok(())
    }

    /// Applies what is queued for every record the message touched, and notes the status
    /// changes it made. A failure sends the message back for a careful pass (or, in one,
    /// drops that document's state as a refused change does).
    fn flush_all(&mut self, overlay: &mut Overlay) {
        let now = self.now();
        let mut failed = Vec::new();
        for (doc, work) in overlay.docs.iter_mut() {
            let WorkDoc::Record(record) = work else {
                continue;
            };
            if flush_record(record).is_err() {
                failed.push(doc.clone());
                continue;
            }
            if let Some(entry) = record.last_entry.clone()
                && let Some(merged) = status_change(record, &entry, now)
            {
                overlay.merged.push(merged);
            }
        }
        // In a careful pass every change was applied on its own, so nothing is queued here.
        if !failed.is_empty() {
            overlay.retry_carefully = true;
        }
    }

    fn quarantined(&self, from: &NodeId, refusal: Refusal, bytes: &[u8]) -> Quarantined {
        self.metrics
            .verification_failures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.metrics.count_refusal(refusal.kind);
        tracing::warn!(from = %from.short(), kind = refusal.kind.key(), reason = %refusal.reason, "entry refused and quarantined");
        Quarantined {
            kind: refusal.kind,
            reason: refusal.reason,
            from: from.to_hex(),
            at: self.now(),
            bytes_hex: hex::encode(&bytes[..bytes.len().min(64 * 1024)]),
        }
    }
}

/// Takes a change into a record: queued with any parked changes it makes ready, or parked
/// until its dependencies arrive. Each change is checked, once its dependencies are known,
/// against the status its author saw (a frozen submission, an act that does not follow); a
/// refused change is dropped, and the incoming entry refused if it was this one. An act (a
/// submission or withdrawal), or any change when `careful`, is applied at once with what is
/// queued, and the status checked after it, so each transition the ministry receipts is seen
/// on its own; edits of text are applied together at the end of the message.
fn apply_record_change(
    record: &mut RecordWork,
    signed: &SignedEntry,
    change: Change,
    careful: bool,
    now: Timestamp,
) -> Result<Option<Merged>, Refusal> {
    let incoming = change.hash();
    record.parked.push((signed.id(), change));
    record.entry_of.insert(incoming, signed.clone());
    record.last_entry = Some(signed.clone());
    let mut act_queued = false;
    // Queue every parked change whose dependencies are now met, until none is.
    loop {
        let ready = (0..record.parked.len()).find(|&i| {
            record.parked[i]
                .1
                .deps()
                .iter()
                .all(|dep| record.queued_hashes.contains(dep) || record.graph.contains(dep))
        });
        let Some(index) = ready else {
            break;
        };
        let (_, change) = record.parked.remove(index);
        let kind = match judge(&record.graph, &change) {
            Ok(kind) => kind,
            Err(refusal) => {
                // Its entry stays in its author's feed (every replica holds the same feeds, and
                // the chain needs it), but its change never enters the document, on any
                // replica: the decision rests on the change and its ancestors alone.
                record.refused.push(refusal);
                continue;
            }
        };
        let act = match kind {
            ChangeKind::Act(act) => Some(act),
            _ => None,
        };
        act_queued |= act.is_some();
        record
            .graph
            .insert(change.hash(), change.deps().to_vec(), act);
        record.queued_hashes.insert(change.hash());
        record.queued.push(change);
    }
    record.applied += 1;
    if !(careful || act_queued) {
        return Ok(None);
    }
    flush_record(record)?;
    Ok(status_change(record, signed, now))
}

/// Classifies a change whose dependencies are known and checks it against the status its
/// author saw (the status at its dependencies): frozen edits and acts that do not follow are
/// refused.
fn judge(graph: &ChangeGraph, change: &Change) -> Result<ChangeKind, Refusal> {
    let kind = acts::classify(change.message(), !change.deps().is_empty(), change.len());
    kind.and_then(|kind| acts::check_change(kind, graph.status_at(change.deps())).map(|()| kind))
        .map_err(|error| Refusal {
            kind: match error {
                acts::ActError::Frozen => RefusalKind::Frozen,
                _ => RefusalKind::BadAct,
            },
            reason: error.to_string(),
        })
}

/// Whether `change` would wait for its dependencies in a record that already holds `limit`
/// waiting changes: the bound on what a peer can make a node hold for a document it cannot
/// complete.
fn would_overfill_parking(record: &mut RecordWork, change: &Change, limit: u64) -> bool {
    would_wait(record, change) && record.parked.len() as u64 >= limit
}

/// Whether `change` would wait for dependencies the record does not hold or queue.
fn would_wait(record: &RecordWork, change: &Change) -> bool {
    !change
        .deps()
        .iter()
        .all(|dep| record.queued_hashes.contains(dep) || record.graph.contains(dep))
}

/// Applies what is queued for a record.
fn flush_record(record: &mut RecordWork) -> Result<(), Refusal> {
    if record.queued.is_empty() {
        return Ok(());
    }
    record.queued_hashes.clear();
    let queued = std::mem::take(&mut record.queued);
    // Only the first apply to the new document can be the one done ahead.
    if let Some(ahead) = record.ahead.take()
        && ahead.matches(&queued)
    {
        record.doc = ahead.built;
        record.took_ahead = true;
        return Ok(());
    }
    record.doc.apply(queued).map_err(apply_failed)
}

/// A status change since the last one seen (to submitted or withdrawn), for the ministry,
/// credited to the entry whose act made it (`fallback` when no act of this message did).
fn status_change(
    record: &mut RecordWork,
    fallback: &SignedEntry,
    now: Timestamp,
) -> Option<Merged> {
    let heads = record.doc.heads();
    let latest = record.graph.latest_acts(&heads);
    let status = Some(acts::status_of(&latest));
    if status == record.last_status
        || !matches!(status, Some(Status::Submitted | Status::Withdrawn))
    {
        record.last_status = status.or(record.last_status);
        return None;
    }
    record.last_status = status;
    let entry = latest
        .iter()
        .filter(|(_, act)| Some(act.status()) == status)
        .find_map(|(hash, _)| record.entry_of.get(hash))
        .unwrap_or(fallback)
        .clone();
    let submission: Vec<automerge::ChangeHash> = match status {
        Some(Status::Submitted) => latest.iter().map(|(hash, _)| *hash).collect(),
        _ => Vec::new(),
    };
    // What was submitted is what is judged: the application at the submission's heads, which
    // leaves out any edit made concurrently with the submission.
    let application = if submission.is_empty() || submission == heads {
        record.doc.application().ok()?
    } else {
        record.doc.application_at(&submission).ok()?
    };
    let summary = RecordSummary::after_write(
        record.previous.as_ref(),
        &entry.entry.doc,
        &mut record.doc,
        &application,
        record.first_author,
        now,
    )?;
    Some(Merged {
        summary,
        application,
        entry,
        heads: submission.iter().map(ToString::to_string).collect(),
        received_at: None,
    })
}

#[cfg(test)]
mod tests {
    use fedrec_config::Role;

    use crate::daemon;
    use crate::node::RosterAdd;
    use crate::node::{EditRequest, Node};
    use crate::test_nodes::{init, ministry_and_office, open};

    fn example_application() -> fedrec_common::form::Application {
        fedrec_common::form::Application::from_toml_str(fedrec_config::EXAMPLE_APPLICATION_TOML)
            .unwrap()
    }

    /// A ministry and an office in `dir`, the office holding a draft of the example application
    /// (its record id returned).
    fn with_draft(dir: &std::path::Path) -> (Node, Node, String) {
        let (ministry, mut office) = ministry_and_office(dir);
        let record = office
            .create_record(example_application())
            .unwrap()
            .id
            .to_string();
        (ministry, office, record)
    }

    /// The ministry's verdict on `record` in batch 6.
    fn verdict(ministry: &Node, record: &str) -> String {
        ministry
            .decisions(Some(6))
            .unwrap()
            .into_iter()
            .find(|r| r.record.as_deref() == Some(record))
            .expect("the record has a row")
            .verdict
    }

    /// Every entry `node` wrote itself, encoded.
    fn own_entries(node: &Node) -> Vec<Vec<u8>> {
        node.store()
            .heads()
            .unwrap()
            .into_iter()
            .filter(|(author, _, _)| *author == node.id())
            .flat_map(|(author, topic, _)| node.store().feed(&author, &topic).unwrap())
            .map(|entry| entry.encode())
            .collect()
    }

    /// A field office's edits of five records its HQ created reach the ministry before the
    /// creations, so each would wait for its dependency, in five documents: the per-document
    /// bound never bites, the per-author one (3 here) does. Before it, all five were parked.
    /// When the creations arrive, the parked edits apply and the tally returns to nothing.
    #[test]
    fn one_author_parks_no_more_changes_than_its_limit_across_documents() {
        let dir = tempfile::tempdir().unwrap();
        let (mut ministry, mut hq) = ministry_and_office(dir.path());
        let address = format!(
            "/ip4/127.0.0.1/tcp/1/p2p/{}",
            daemon::peer_id(ministry.key())
        );
        let mut field = init(dir.path(), "field", Role::Recommender, Some(address));
        ministry
            .roster_add(RosterAdd {
                recommender: "shanghai".into(),
                name: "上海".into(),
                kind: "province".into(),
                key: Some(field.id().to_hex()),
                role: Some("field_office".into()),
                may_submit: false,
            })
            .unwrap();
        let bundle = ministry.roster_bundle().unwrap();
        field.import_bundle(bundle).unwrap();
        hq.import_bundle(ministry.roster_bundle().unwrap()).unwrap();
        let application = example_application();
        let records: Vec<String> = (0..5)
            .map(|_| {
                hq.create_record(application.clone())
                    .unwrap()
                    .id
                    .to_string()
            })
            .collect();
        let report = field.ingest(&hq.id(), own_entries(&hq));
        assert_eq!(report.refused, 0, "{report:?}");
        for record in &records {
            let mut set = std::collections::BTreeMap::new();
            set.insert("applicant.name".to_string(), "外地办事处改名".to_string());
            field
                .edit_record(
                    record,
                    EditRequest {
                        application: None,
                        set,
                    },
                )
                .unwrap();
        }
        let actor = field.id().actor_id().to_bytes().to_vec();
        let parked = |ministry: &Node| {
            ministry
                .store()
                .pending_actors()
                .unwrap()
                .get(&actor)
                .copied()
                .unwrap_or(0)
        };

        ministry.limits_mut().parked_max_changes_per_author = 3;
        let report = ministry.ingest(&field.id(), own_entries(&field));
        assert_eq!(parked(&ministry), 3, "{report:?}");
        assert_eq!(report.accepted, 3, "{report:?}");

        // The creations arrive: the parked edits apply; the rest of the field office's feed
        // is taken when it is offered again.
        let report = ministry.ingest(&hq.id(), own_entries(&hq));
        assert_eq!(report.accepted, 5, "{report:?}");
        assert_eq!(parked(&ministry), 0);
        let report = ministry.ingest(&field.id(), own_entries(&field));
        assert_eq!(report.accepted, 2, "{report:?}");
        assert_eq!(parked(&ministry), 0);
        let tally = ministry.parked_tally.as_ref().expect("loaded by intake");
        assert_eq!(tally.get(&actor), 0);
    }

    /// Found by the simulator (seed 1704): markers were ordered by the ministry's clock, so a
    /// clock set back between a submission and its withdrawal (or two messages committed in the
    /// same millisecond) put the withdrawal first, and it was thrown away as out of turn.
    #[test]
    fn receipts_follow_arrival_order_when_the_clock_goes_back() {
        let dir = tempfile::tempdir().unwrap();
        let (mut ministry, mut office) = ministry_and_office(dir.path());
        let (clock, hand) = crate::clock::Clock::manual(crate::node::now().millis());
        ministry.set_clock(clock);
        ministry.receipts_after_intake = false;
        let application = example_application();
        let record = office.create_record(application).unwrap().id.to_string();
        office.submit(&record).unwrap();
        assert_eq!(
            ministry.ingest(&office.id(), own_entries(&office)).accepted,
            2
        );
        hand.fetch_sub(3_600_000, std::sync::atomic::Ordering::Relaxed);
        office.withdraw(&record).unwrap();
        assert_eq!(
            ministry.ingest(&office.id(), own_entries(&office)).accepted,
            1
        );

        ministry.resume_receipts();
        assert_eq!(verdict(&ministry, &record), "withdrawn");
        assert_eq!(
            ministry.store().meta::<u64>("receipt_seq").unwrap(),
            Some(2)
        );
    }

    /// Found by the simulator (seed 1352): a ministry whose recommender's topic is still closed
    /// after a restart (restore protection) holds back the submission's receipt, and must not
    /// throw away the withdrawal's marker that follows it as out of turn.
    #[test]
    fn a_withdrawal_merged_while_the_submission_waits_for_its_topic_is_receipted_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let (mut ministry, mut office) = ministry_and_office(dir.path());
        let application = example_application();
        let record = office.create_record(application).unwrap().id.to_string();
        office.submit(&record).unwrap();
        // Restarted: every topic closed until a peer confirms it.
        ministry.set_writable(false);
        assert_eq!(
            ministry.ingest(&office.id(), own_entries(&office)).accepted,
            2
        );
        office.withdraw(&record).unwrap();
        assert_eq!(
            ministry.ingest(&office.id(), own_entries(&office)).accepted,
            1
        );
        assert_eq!(ministry.store().meta_keys("to_receipt/").unwrap().len(), 2);

        // The topic opens: both receipts, in order, and the record is withdrawn.
        ministry.set_writable(true);
        ministry.resume_receipts();
        let receipts: Vec<fedrec_common::rules::Receipt> = ministry
            .store()
            .meta_keys("receipt/")
            .unwrap()
            .iter()
            .map(|key| ministry.store().meta(key).unwrap().unwrap())
            .collect();
        assert!(
            matches!(
                receipts.iter().map(|r| &r.event).collect::<Vec<_>>()[..],
                [
                    fedrec_common::rules::ReceiptEvent::Submitted(_),
                    fedrec_common::rules::ReceiptEvent::Withdrawn { .. }
                ]
            ),
            "{receipts:?}"
        );
        assert_eq!(verdict(&ministry, &record), "withdrawn");
    }

    /// A message that creates a record, prepared off the lock as the network prepares it, is
    /// taken with the document built ahead, and the ministry ends exactly where it would have.
    #[test]
    fn a_record_built_ahead_is_taken_and_gives_the_same_result() {
        let dir = tempfile::tempdir().unwrap();
        let (mut ministry, mut office, record) = with_draft(dir.path());
        for round in 0..40 {
            office
                .edit_record(
                    &record,
                    EditRequest {
                        set: [(
                            "plan.targets".to_string(),
                            format!("三年内培训{round}万人次"),
                        )]
                        .into(),
                        application: None,
                    },
                )
                .unwrap();
        }
        office.submit(&record).unwrap();
        let entries = own_entries(&office);
        assert!(
            entries.len() > 32,
            "enough entries to be checked in parallel"
        );
        let prepared = crate::replicate::prepare(
            &entries,
            &ministry.id(),
            &crate::replicate::Remembered::default(),
        );
        assert!(prepared.ahead.is_some(), "the message creates the record");
        let report = ministry.ingest_prepared(&office.id(), prepared);
        assert_eq!(report.accepted as usize, entries.len());
        let relaxed = std::sync::atomic::Ordering::Relaxed;
        assert_eq!(ministry.metrics.built_ahead.load(relaxed), 1);
        assert_eq!(ministry.metrics.built_ahead_unused.load(relaxed), 0);

        // What the usual way stores: every change applied to a new document of the ministry's.
        let signed: Vec<fedrec_common::feed::SignedEntry> = entries
            .iter()
            .map(|bytes| fedrec_common::feed::SignedEntry::decode(bytes).unwrap())
            .collect();
        let mut usual = fedrec_common::record::RecordDoc::empty(&ministry.id());
        usual
            .apply(
                signed
                    .iter()
                    .map(|e| fedrec_common::ingest::verify(e).unwrap()),
            )
            .unwrap();
        let doc = signed[0].entry.doc.to_string();
        assert_eq!(
            ministry.store().snapshot(&doc).unwrap(),
            Some(usual.save_for_store()),
            "the stored document is the one the usual way builds"
        );
        assert_eq!(verdict(&ministry, &record), "accepted");
    }

    /// Seen in the country benchmark: a restarted ministry took in a submission while the
    /// office's topic was still closed; the office's answer to the ministry's own round opened
    /// it and the receipt and verdict were written then, but nothing told the network, so the
    /// office heard of its verdict only at the next anti-entropy round, 30 s later.
    #[test]
    fn receipts_written_when_a_peer_opens_their_topic_are_news_for_the_network() {
        let dir = tempfile::tempdir().unwrap();
        let (mut ministry, mut office, record) = with_draft(dir.path());
        office.submit(&record).unwrap();
        ministry.set_writable(false);
        ministry.take_written_topics();
        assert_eq!(
            ministry.ingest(&office.id(), own_entries(&office)).accepted,
            2
        );
        assert!(
            ministry.take_written_topics().is_empty(),
            "the receipt waits for the topic"
        );

        // The ministry's own round with the office: the office's answer confirms the topic.
        let digest = ministry.digest_for(&office.id()).unwrap();
        let (answer, _) = office.answer(&ministry.id(), digest);
        ministry.on_response(&office.id(), answer);
        let topic = fedrec_common::ids::Topic::Recommender(office.own_recommender().unwrap());
        assert!(
            ministry.take_written_topics().contains(&topic),
            "the receipt and verdict written on the office's topic are reported"
        );
        assert!(ministry.take_written_topics().is_empty(), "once");
        assert_eq!(verdict(&ministry, &record), "accepted");
    }

    #[test]
    fn a_submission_merged_just_before_a_crash_is_receipted_when_the_ministry_starts_again() {
        let dir = tempfile::tempdir().unwrap();
        let (mut ministry, mut office) = ministry_and_office(dir.path());
        let application = example_application();
        let record = office.create_record(application).unwrap().id.to_string();
        office.submit(&record).unwrap();
        let entries: Vec<Vec<u8>> = office
            .store()
            .heads()
            .unwrap()
            .into_iter()
            .flat_map(|(author, topic, _)| office.store().feed(&author, &topic).unwrap())
            .map(|entry| entry.encode())
            .collect();

        // The entries are committed, then the ministry "crashes" before writing the receipt.
        ministry.receipts_after_intake = false;
        let report = ministry.ingest(&office.id(), entries);
        assert_eq!(report.accepted, 2);
        assert!(
            ministry
                .decisions(Some(6))
                .unwrap()
                .iter()
                .all(|r| r.verdict.is_empty() || r.verdict == "provisional" || r.record.is_none())
        );
        assert_eq!(ministry.store().meta_keys("to_receipt/").unwrap().len(), 1);
        let committed_by = crate::node::now();
        drop(ministry);
        // The restart comes later than the commit: the receipt must carry the commit's time.
        while crate::node::now() <= committed_by {
            std::thread::yield_now();
        }

        // Started again: the receipt and verdict are written, the marker is gone.
        let mut ministry = open(&dir.path().join("ministry"));
        ministry.resume_receipts();
        assert_eq!(verdict(&ministry, &record), "accepted");
        let receipt: fedrec_common::rules::Receipt = ministry
            .store()
            .meta("receipt/000000000001")
            .unwrap()
            .expect("the receipt is stored");
        assert!(
            receipt.received_at <= committed_by,
            "the receipt carries the commit time {}, not the restart's",
            receipt.received_at
        );
        assert!(
            ministry
                .store()
                .meta_keys("to_receipt/")
                .unwrap()
                .is_empty()
        );
        // Resuming again writes no second receipt.
        ministry.resume_receipts();
        assert_eq!(
            ministry.store().meta::<u64>("receipt_seq").unwrap(),
            Some(1)
        );
    }
}
