//! The ministry's side of the rules: receipts and verdicts on merge, and the decisions table.
//!
//! When a record's entries merge on the ministry node and the record has become submitted (or
//! withdrawn) since its last receipt, the ministry writes a receipt (the record, its recommender,
//! the submitting entry, the ministry's time, and the facts the rules need) into that
//! recommender's decisions document, under the next position of its receipt order. It then runs
//! `common::rules::evaluate` over the batch's receipts and writes every verdict that changed into
//! the decisions documents concerned. Those documents replicate to each recommender's own nodes
//! only, so every replica of a recommender sees the same signed answer.

use std::collections::BTreeMap;
use std::sync::Arc;

use fedrec_common::batch::BatchNumber;
use fedrec_common::decisions::DecisionsDoc;
use fedrec_common::feed::Entry;
use fedrec_common::form::FieldError;
use fedrec_common::i18n::{self, s, tr};
use fedrec_common::identity::Hash32;
use fedrec_common::ids::{DocId, RecommenderId, RecordId};
use fedrec_common::record::Status;
use fedrec_common::review::{
    ExpertReview, JsonMapDoc, Outcome, PublishedBase, check_recognition, check_review,
};
use fedrec_common::rules::{self, Receipt, ReceiptEvent, RecordVerdict, Submission};
use fedrec_config::Role;
use serde::{Deserialize, Serialize};

use crate::node::{Node, NodeError};
use crate::records::RecordSummary;

/// A recommender's verdicts, by record, shared with the node's cache.
pub(crate) type Verdicts = Arc<BTreeMap<RecordId, RecordVerdict>>;

/// The ministry's receipts as read so far, by batch and in receipt order. Receipts are only
/// ever added, each under the next `receipt/<seq>` key and only by this node, so each decision
/// reads those written since the last one rather than decoding every receipt again (the
/// country's 300 submissions would otherwise cost 45,000 decodings).
#[derive(Debug, Default)]
pub(crate) struct ReceiptLog {
    last_key: Option<String>,
    by_batch: BTreeMap<u32, Vec<Receipt>>,
    /// Each batch's last decision as stored under `meta/verdicts/<batch>`, once read or
    /// written: the country's ministry decides once per submission, and decoding the stored
    /// JSON every time made each decision cost as much as all the verdicts before it. Taken out
    /// while a decision runs and put back only once its writes went through, so a failed write
    /// leaves nothing here and the next decision reads the store again.
    decided: BTreeMap<u32, BatchVerdicts>,
}

/// A batch's verdicts, keyed by the full identity (`<recommender>/<record>`), as JSON maps need
/// text keys.
type BatchVerdicts = BTreeMap<String, rules::RecordVerdict>;

/// One line of `fedrec decisions`: stable keys and codes, the facts they are rendered from, and
/// (once [`DecisionRow::localise`] has run) the same in words beside them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionRow {
    pub recommender: RecommenderId,
    pub recommender_name: String,
    pub record: Option<String>,
    pub institution: String,
    pub credit_code: String,
    /// The record's status key, or `none` for a recommender without a submission.
    pub status: String,
    /// `none` without a submission, `provisional` until the ministry's receipt arrives, then
    /// the verdict's key.
    pub verdict: String,
    /// The reason's stable code: the verdict's [`rules::Verdict::reason_code`], `provisional`
    /// or `none`.
    pub reason_code: String,
    /// The verdict with its facts (holders, recommenders, deadline, field problems).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<rules::Verdict>,
    /// Drafts the recommender holds when it has submitted nothing.
    #[serde(default)]
    pub drafts: usize,
    /// The experts' scores and the outcome (on the ministry).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The status, verdict, reason and review in the reader's language.
    #[serde(default)]
    pub status_text: String,
    #[serde(default)]
    pub verdict_text: String,
    #[serde(default)]
    pub reason_text: String,
    #[serde(default)]
    pub review_text: String,
}

impl Node {
    pub(crate) fn is_ministry(&self) -> bool {
        self.role() == Role::Ministry
    }

    /// Receipts a record that became submitted or withdrawn (if it is not already receipted in
    /// that state), deleting the intake's `marker` in the same write. Returns whether a receipt
    /// was written; the caller re-decides the batch ([`Node::decide`]).
    pub(crate) fn receipt(
        &mut self,
        merged: &crate::intake::Merged,
        marker: &str,
    ) -> Result<bool, NodeError> {
        let (summary, application, entry) = (&merged.summary, &merged.application, &merged.entry);
        let receipted_key = format!("receipted/{}", summary.doc);
        let last: Option<String> = self.store().meta(&receipted_key)?;
        let event = match (summary.status, last.as_deref()) {
            (Status::Submitted, None | Some("withdrawn")) => {
                let field_errors = match self.batches()?.get(&summary.batch.0) {
                    Some(batch) => application.validate(batch),
                    None => vec![FieldError::new(
                        "batch",
                        "ministry-no-batch",
                        &[("batch", summary.batch.to_string())],
                    )],
                };
                ReceiptEvent::Submitted(Submission {
                    recommender: summary.recommender.clone(),
                    record: summary.id,
                    author: entry.entry.author,
                    author_seq: entry.entry.seq,
                    entry: entry.id(),
                    credit_code: summary.credit_code.clone(),
                    institution: summary.institution.clone(),
                    field_errors,
                    heads: merged.heads.clone(),
                })
            }
            (Status::Withdrawn, Some("submitted")) => ReceiptEvent::Withdrawn {
                recommender: summary.recommender.clone(),
                record: summary.id,
                entry: entry.id(),
                author: Some(entry.entry.author),
                author_seq: Some(entry.entry.seq),
            },
            _ => {
                let mut batch = self.store().batch();
                batch.delete_meta(marker);
                batch.commit()?;
                return Ok(false);
            }
        };
        let seq = self.store().meta::<u64>("receipt_seq")?.unwrap_or(0) + 1;
        let receipt = Receipt {
            seq,
            batch: summary.batch,
            // The commit time of the message that carried the act, kept with the marker: a
            // submission committed before the deadline is on time even if the receipt is
            // written after a crash and a restart.
            received_at: merged.received_at.unwrap_or_else(|| self.now()),
            event,
        };
        let mut doc = self.decisions_doc(&summary.recommender)?;
        if let Some(change) = doc.add_receipt(&receipt, receipt.received_at)? {
            let state = match &receipt.event {
                ReceiptEvent::Submitted(_) => "submitted",
                ReceiptEvent::Withdrawn { .. } => "withdrawn",
            };
            self.write_decisions(&summary.recommender, &mut doc, change, |batch| {
                batch.meta("receipt_seq", &seq);
                batch.meta(&format!("receipt/{seq:012}"), &receipt);
                batch.meta(&receipted_key, &state);
                batch.delete_meta(marker);
            })?;
            tracing::info!(record = %summary.id, seq, state, "receipt written");
        }
        Ok(true)
    }

    /// Decides every batch this node knows: at start-up, so a decision a crash cut short after
    /// its receipt was written is made.
    pub fn decide_all(&mut self) -> Result<(), NodeError> {
        let batches: Vec<u32> = self.batches()?.keys().copied().collect();
        for batch in batches {
            self.decide(batch)?;
        }
        Ok(())
    }

    /// Runs the rules over a batch's receipts and writes the verdicts that changed. Only the
    /// decisions documents of recommenders whose verdicts differ from the last decision (kept in
    /// `meta/verdicts/<batch>`, and in memory once read) are loaded and written, so deciding costs
    /// one rules run however many recommenders the roster holds.
    pub(crate) fn decide(&mut self, batch_number: u32) -> Result<(), NodeError> {
        let Some(batch) = self.batches()?.remove(&batch_number) else {
            return Ok(());
        };
        let Some(roster) = self.shared_roster()? else {
            return Ok(());
        };
        self.read_new_receipts()?;
        let no_receipts = Vec::new();
        let receipts = self
            .receipt_log
            .by_batch
            .get(&batch_number)
            .unwrap_or(&no_receipts);
        let verdicts: BatchVerdicts = (self.rules)(&batch, &roster, receipts)
            .into_iter()
            .map(|((recommender, record), verdict)| (format!("{recommender}/{record}"), verdict))
            .collect();
        let last_key = format!("verdicts/{batch_number:06}");
        let last: BatchVerdicts = match self.receipt_log.decided.remove(&batch_number) {
            Some(held) => held,
            None => self.store().meta(&last_key)?.unwrap_or_default(),
        };
        let mut last_count: BTreeMap<&RecommenderId, usize> = BTreeMap::new();
        for verdict in last.values() {
            *last_count.entry(&verdict.recommender).or_default() += 1;
        }
        let mut by_recommender: BTreeMap<RecommenderId, Vec<rules::RecordVerdict>> =
            BTreeMap::new();
        for verdict in verdicts.values() {
            by_recommender
                .entry(verdict.recommender.clone())
                .or_default()
                .push(verdict.clone());
        }
        let changed = |recommender: &RecommenderId, now: &[rules::RecordVerdict]| {
            last_count.get(recommender).copied().unwrap_or(0) != now.len()
                || now
                    .iter()
                    .any(|v| last.get(&format!("{}/{}", v.recommender, v.record)) != Some(v))
        };
        let changed: Vec<(RecommenderId, Vec<rules::RecordVerdict>)> = by_recommender
            .into_iter()
            .filter(|(recommender, verdicts)| changed(recommender, verdicts))
            .collect();
        drop(last_count);
        let mut writes = Vec::new();
        // A recommender whose topic is not open yet (restore protection) is written at the next
        // decision after it opens; the comparison snapshot then waits too.
        let held_back = changed
            .iter()
            .filter(|(recommender, _)| {
                !self.topic_writable(&fedrec_common::ids::Topic::Recommender(recommender.clone()))
            })
            .count();
        let changed = changed.into_iter().filter(|(recommender, _)| {
            self.topic_writable(&fedrec_common::ids::Topic::Recommender(recommender.clone()))
        });
        for (recommender, recommender_verdicts) in changed {
            let mut doc = self.decisions_doc(&recommender)?;
            if let Some(change) = doc.set_verdicts(&recommender_verdicts, self.now())? {
                writes.push((recommender, doc, change));
            }
        }
        // The comparison snapshot rides with the last document written: a crash before it
        // leaves the old snapshot, so the next decision writes what is still missing.
        let mut snapshot_written = verdicts == last || held_back > 0;
        let count = writes.len();
        for (index, (recommender, mut doc, change)) in writes.into_iter().enumerate() {
            let last_write = index + 1 == count && !snapshot_written;
            self.write_decisions(&recommender, &mut doc, change, |batch| {
                if last_write {
                    batch.meta(&last_key, &verdicts);
                }
            })?;
            snapshot_written |= last_write;
            tracing::info!(recommender = %recommender, "verdicts updated");
        }
        if !snapshot_written {
            let mut write = self.store().batch();
            write.meta(&last_key, &verdicts);
            write.commit()?;
        }
        // What the store now holds under `last_key`: a held-back recommender keeps the old
        // decision stored until its topic opens.
        let stored = if held_back > 0 { last } else { verdicts };
        self.receipt_log.decided.insert(batch_number, stored);
        Ok(())
    }

    /// Reads the receipts written since the last call into [`ReceiptLog`].
    fn read_new_receipts(&mut self) -> Result<(), NodeError> {
        let after = self.receipt_log.last_key.clone();
        for key in self.store().meta_keys_after("receipt/", after.as_deref())? {
            if let Some(receipt) = self.store().meta::<Receipt>(&key)? {
                self.receipt_log
                    .by_batch
                    .entry(receipt.batch.0)
                    .or_default()
                    .push(receipt);
            }
            self.receipt_log.last_key = Some(key);
        }
        Ok(())
    }

    /// The decisions document of a recommender, as this node holds it.
    pub(crate) fn decisions_doc(
        &self,
        recommender: &RecommenderId,
    ) -> Result<DecisionsDoc, NodeError> {
        let doc = DocId::Decisions(recommender.clone());
        match self.store().snapshot(&doc.to_string())? {
            Some(bytes) => Ok(DecisionsDoc::load(&bytes, &self.id())?),
            None => Ok(DecisionsDoc::empty(&self.id())),
        }
    }

    /// The verdicts of a recommender's decisions document as this node holds it. The table
    /// reads every recommender's verdicts on each view; loading 300 Automerge documents for it
    /// took most of its time, so the verdicts are kept by the hash of the stored snapshot they
    /// were read from, and read again only when the snapshot differs.
    pub(crate) fn verdicts_of(&self, recommender: &RecommenderId) -> Result<Verdicts, NodeError> {
        let doc = DocId::Decisions(recommender.clone());
        let Some(bytes) = self.store().snapshot(&doc.to_string())? else {
            return Ok(Arc::default());
        };
        let hash = Hash32::of(&bytes);
        if let Some((held, verdicts)) = self.verdicts_cache.borrow().get(recommender)
            && *held == hash
        {
            return Ok(Arc::clone(verdicts));
        }
        let verdicts = Arc::new(DecisionsDoc::load(&bytes, &self.id())?.verdicts());
        // One entry per recommender the table shows, all of them from the roster.
        self.verdicts_cache
            .borrow_mut()
            .insert(recommender.clone(), (hash, Arc::clone(&verdicts)));
        Ok(verdicts)
    }

    /// Signs a change to a decisions document as the ministry's next entry and stores it.
    fn write_decisions(
        &mut self,
        recommender: &RecommenderId,
        doc: &mut DecisionsDoc,
        change: automerge::Change,
        extra: impl FnOnce(&mut crate::store::Batch<'_>),
    ) -> Result<(), NodeError> {
        let snapshot = doc.save();
        self.write_ministry_entry(
            DocId::Decisions(recommender.clone()),
            &change,
            &snapshot,
            extra,
        )
    }

    /// Signs a change to one of the ministry's documents as its next entry on the document's
    /// topic, and stores entry, head and snapshot together.
    fn write_ministry_entry(
        &mut self,
        doc_id: DocId,
        change: &automerge::Change,
        snapshot: &[u8],
        extra: impl FnOnce(&mut crate::store::Batch<'_>),
    ) -> Result<(), NodeError> {
        let topic = doc_id.topic();
        if !self.topic_writable(&topic) {
            // Restore protection: a recommender that holds this feed has not yet confirmed its
            // head; the receipt's marker stays and the write happens once it has.
            return Err(NodeError::Unavailable(tr(
                "error-ministry-topic-unconfirmed",
                &[("topic", s(topic.to_string()))],
            )));
        }
        let head = self.store().head(&self.id(), &topic)?;
        let signed = Entry {
            author: self.id(),
            topic,
            seq: head.map_or(1, |h| h.seq + 1),
            prev: head.map(|h| h.id),
            doc: doc_id.clone(),
            change: change.raw_bytes().to_vec(),
        }
        .sign(self.key());
        let mut batch = self.store().batch();
        batch.entry(&signed);
        batch.snapshot(&doc_id.to_string(), snapshot);
        extra(&mut batch);
        batch.commit()?;
        self.written_topics.insert(signed.entry.topic);
        self.metrics
            .entries_written
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// A JSON-map document (review, published list) as this node holds it.
    pub(crate) fn json_doc(&self, doc: &DocId) -> Result<JsonMapDoc, NodeError> {
        match self.store().snapshot(&doc.to_string())? {
            Some(bytes) => Ok(JsonMapDoc::load(&bytes, &self.id())?),
            None => Ok(JsonMapDoc::empty(&self.id())),
        }
    }

    /// A receipted record's summary and current verdict.
    fn verdict_of(&self, id: &str) -> Result<(RecordSummary, RecordVerdict), NodeError> {
        crate::node::check_record_name(id)?;
        let summary = self
            .store()
            .record(id)?
            .ok_or_else(|| NodeError::NotFound(tr("error-no-record", &[("id", s(id))])))?;
        let verdict = self
            .verdicts_of(&summary.recommender)?
            .get(&summary.id)
            .cloned()
            .ok_or_else(|| NodeError::Conflict(tr("error-no-verdict-yet", &[("id", s(id))])))?;
        Ok((summary, verdict))
    }

    fn write_review(
        &mut self,
        batch: u32,
        map: &str,
        key: &str,
        value: &impl Serialize,
    ) -> Result<(), NodeError> {
        let doc_id = DocId::Review(fedrec_common::batch::BatchNumber(batch));
        let mut doc = self.json_doc(&doc_id)?;
        if let Some(change) = doc.put(map, key, value, self.now())? {
            let snapshot = doc.save();
            self.write_ministry_entry(doc_id, &change, &snapshot, |_| {})?;
        }
        Ok(())
    }

    /// Records an expert's opinion of an accepted record (ministry).
    pub fn review(
        &mut self,
        id: &str,
        expert: &str,
        score: u32,
        opinion: &str,
    ) -> Result<ExpertReview, NodeError> {
        self.ministry_only("record-review")?;
        let (summary, verdict) = self.verdict_of(id)?;
        let score = check_review(&verdict, expert, score, opinion)
            .map_err(|e| NodeError::Conflict(i18n::worded(&e)))?;
        let review = ExpertReview {
            record: summary.id,
            expert: expert.trim().to_string(),
            score,
            opinion: opinion.to_string(),
            at: self.now(),
        };
        self.write_review(
            summary.batch.0,
            "reviews",
            &format!("{}/{}", summary.doc, review.expert),
            &review,
        )?;
        Ok(review)
    }

    /// Recognises an accepted record as a base with a subsidy (ministry).
    pub fn recognise(&mut self, id: &str, subsidy_yuan: u64) -> Result<Outcome, NodeError> {
        self.ministry_only("recognise")?;
        let (summary, verdict) = self.verdict_of(id)?;
        let batch = self.batches()?.remove(&summary.batch.0).ok_or_else(|| {
            NodeError::NotFound(tr(
                "error-no-batch-definition",
                &[("batch", s(summary.batch.to_string()))],
            ))
        })?;
        check_recognition(&verdict, &batch, subsidy_yuan)
            .map_err(|e| NodeError::Conflict(i18n::worded(&e)))?;
        let outcome = Outcome::Recognised {
            subsidy_yuan,
            at: self.now(),
        };
        self.write_review(
            summary.batch.0,
            "outcomes",
            &summary.doc.to_string(),
            &outcome,
        )?;
        Ok(outcome)
    }

    /// Declines an accepted record after review (ministry).
    pub fn decline(&mut self, id: &str, reason: &str) -> Result<Outcome, NodeError> {
        self.ministry_only("decline")?;
        if reason.trim().is_empty() {
            return Err(NodeError::BadRequest(tr("error-decline-reason", &[])));
        }
        let (summary, verdict) = self.verdict_of(id)?;
        if verdict.verdict != fedrec_common::rules::Verdict::Accepted {
            return Err(NodeError::Conflict(tr(
                "error-review-not-accepted",
                &[(
                    "verdict",
                    s(i18n::verdict_label(i18n::reader(), verdict.verdict.key())),
                )],
            )));
        }
        let outcome = Outcome::Declined {
            reason: reason.to_string(),
            at: self.now(),
        };
        self.write_review(
            summary.batch.0,
            "outcomes",
            &summary.doc.to_string(),
            &outcome,
        )?;
        Ok(outcome)
    }

    /// Publishes the recognised bases of a batch to every node (ministry).
    pub fn publish(&mut self, batch: u32) -> Result<Vec<PublishedBase>, NodeError> {
        self.ministry_only("publish-list")?;
        let review = self.json_doc(&DocId::Review(fedrec_common::batch::BatchNumber(batch)))?;
        let mut bases = Vec::new();
        for (record, outcome) in review.all::<Outcome>("outcomes") {
            let Outcome::Recognised { subsidy_yuan, .. } = outcome else {
                continue;
            };
            let Some(summary) = self.store().record(&record)? else {
                continue;
            };
            // What is published is what was receipted: the institution and credit code fixed
            // in the receipt, not the document as it stands now.
            let Some(verdict) = self
                .verdicts_of(&summary.recommender)?
                .get(&summary.id)
                .cloned()
            else {
                continue;
            };
            bases.push(PublishedBase {
                record: summary.id,
                recommender: summary.recommender.clone(),
                institution: verdict.institution,
                credit_code: verdict.credit_code,
                subsidy_yuan,
            });
        }
        if bases.is_empty() {
            return Err(NodeError::Conflict(tr(
                "error-nothing-to-publish",
                &[("batch", s(batch.to_string()))],
            )));
        }
        let doc_id = DocId::Published(fedrec_common::batch::BatchNumber(batch));
        let mut doc = self.json_doc(&doc_id)?;
        for base in &bases {
            let key = format!("{}/{}", base.recommender, base.record);
            if let Some(change) = doc.put("bases", &key, base, self.now())? {
                let snapshot = doc.save();
                self.write_ministry_entry(doc_id.clone(), &change, &snapshot, |_| {})?;
            }
        }
        tracing::info!(batch, bases = bases.len(), "published");
        Ok(bases)
    }

    /// The published list of a batch, as this node holds it (any node).
    pub fn published(&self, batch: u32) -> Result<Vec<PublishedBase>, NodeError> {
        let doc = self.json_doc(&DocId::Published(fedrec_common::batch::BatchNumber(batch)))?;
        Ok(doc.all::<PublishedBase>("bases").into_values().collect())
    }

    /// The experts' scores and the outcomes of a batch's records, for the nationwide table
    /// (ministry). Read once per batch and table, not once per row: the review document grows
    /// with every review, and the table has a row per recommender.
    fn review_states(&self, batch: BatchNumber) -> ReviewStates {
        let Ok(review) = self.json_doc(&DocId::Review(batch)) else {
            return ReviewStates::default();
        };
        ReviewStates {
            reviews: review
                .all::<ExpertReview>("reviews")
                .into_iter()
                .map(|(key, review)| (key, review.score))
                .collect(),
            outcomes: review.all::<Outcome>("outcomes"),
        }
    }

    /// The decisions table: on the ministry every recommender in the roster (those without a
    /// submission too); elsewhere this node's own recommender.
    pub fn decisions(&self, batch: Option<u32>) -> Result<Vec<DecisionRow>, NodeError> {
        let roster = self.shared_roster()?;
        let recommenders: Vec<(RecommenderId, String)> = match (self.is_ministry(), &roster) {
            (true, Some(roster)) => roster
                .recommenders
                .iter()
                .map(|r| (r.id.clone(), r.name.clone()))
                .collect(),
            (true, None) => Vec::new(),
            (false, _) => {
                let id = self.own_recommender()?;
                let name = roster
                    .as_ref()
                    .and_then(|r| r.recommender(&id).map(|r| r.name.clone()))
                    .unwrap_or_default();
                vec![(id, name)]
            }
        };
        let mut rows = Vec::new();
        let mut review_states: BTreeMap<BatchNumber, ReviewStates> = BTreeMap::new();
        for (recommender, name) in recommenders {
            let verdicts = self.verdicts_of(&recommender)?;
            let mut records: Vec<RecordSummary> = Vec::new();
            for id in self
                .store()
                .indexed("by_recommender", recommender.as_str())?
            {
                if let Some(summary) = self.store().record(&id)?
                    && batch.is_none_or(|b| summary.batch.0 == b)
                {
                    records.push(summary);
                }
            }
            let submitted: Vec<&RecordSummary> = records
                .iter()
                .filter(|r| r.status != Status::Draft)
                .collect();
            if submitted.is_empty() {
                rows.push(DecisionRow {
                    recommender: recommender.clone(),
                    recommender_name: name.clone(),
                    record: None,
                    institution: String::new(),
                    credit_code: String::new(),
                    status: "none".into(),
                    verdict: "none".into(),
                    reason_code: "none".into(),
                    detail: None,
                    drafts: records.len(),
                    scores: Vec::new(),
                    outcome: None,
                    status_text: String::new(),
                    verdict_text: String::new(),
                    reason_text: String::new(),
                    review_text: String::new(),
                });
                continue;
            }
            for summary in submitted {
                // A receipted record shows what was receipted (its institution and credit code
                // as submitted), whatever the document holds now.
                let held = verdicts.get(&summary.id);
                let detail = held.map(|v| v.verdict.clone());
                let (verdict, reason_code) = match &detail {
                    Some(v) => (v.key(), v.reason_code()),
                    None => ("provisional", "provisional"),
                };
                let (institution, credit_code) = match held {
                    Some(v) => (v.institution.clone(), v.credit_code.clone()),
                    None => (summary.institution.clone(), summary.credit_code.clone()),
                };
                let (scores, outcome) = if self.is_ministry() {
                    review_states
                        .entry(summary.batch)
                        .or_insert_with(|| self.review_states(summary.batch))
                        .of(summary)
                } else {
                    (Vec::new(), None)
                };
                rows.push(DecisionRow {
                    recommender: recommender.clone(),
                    recommender_name: name.clone(),
                    record: Some(summary.id.to_string()),
                    institution,
                    credit_code,
                    status: summary.status.key().into(),
                    verdict: verdict.into(),
                    reason_code: reason_code.into(),
                    detail,
                    drafts: 0,
                    scores,
                    outcome,
                    status_text: String::new(),
                    verdict_text: String::new(),
                    reason_text: String::new(),
                    review_text: String::new(),
                });
            }
        }
        Ok(rows)
    }
}

/// A batch's expert reviews (keyed `DOC/EXPERT`, with their scores) and outcomes (keyed by
/// document id), as the decisions table reads them.
#[derive(Default)]
struct ReviewStates {
    reviews: Vec<(String, u8)>,
    outcomes: BTreeMap<String, Outcome>,
}

impl ReviewStates {
    /// One record's scores and outcome.
    fn of(&self, summary: &RecordSummary) -> (Vec<u8>, Option<Outcome>) {
        let doc = summary.doc.to_string();
        let prefix = format!("{doc}/");
        let scores = self
            .reviews
            .iter()
            .filter(|(key, _)| key.starts_with(&prefix))
            .map(|(_, score)| *score)
            .collect();
        (scores, self.outcomes.get(&doc).cloned())
    }
}
