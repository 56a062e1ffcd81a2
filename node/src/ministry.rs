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

use fedrec_common::decisions::DecisionsDoc;
use fedrec_common::feed::{Entry, SignedEntry};
use fedrec_common::form::{Application, FieldError};
use fedrec_common::ids::{DocId, RecommenderId};
use fedrec_common::record::Status;
use fedrec_common::rules::{self, Receipt, ReceiptEvent, Submission};
use fedrec_config::Role;
use serde::{Deserialize, Serialize};

use crate::node::{Node, NodeError, now};
use crate::records::RecordSummary;

/// One line of `fedrec decisions`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionRow {
    pub recommender: RecommenderId,
    pub recommender_name: String,
    pub record: Option<String>,
    pub institution: String,
    pub credit_code: String,
    pub status: String,
    /// `provisional` until the ministry's receipt arrives, then the verdict's key.
    pub verdict: String,
    pub reason: String,
}

impl Node {
    pub(crate) fn is_ministry(&self) -> bool {
        self.role() == Role::Ministry
    }

    /// Receipts a record that became submitted or withdrawn, then re-decides its batch.
    pub(crate) fn on_record_merged(
        &mut self,
        summary: &RecordSummary,
        application: &Application,
        entry: &SignedEntry,
    ) -> Result<(), NodeError> {
        let last: Option<String> = self.store().meta(&format!("receipted/{}", summary.id))?;
        let event = match (summary.status, last.as_deref()) {
            (Status::Submitted, None | Some("withdrawn")) => {
                let field_errors = match self.batches()?.get(&summary.batch.0) {
                    Some(batch) => application.validate(batch),
                    None => vec![FieldError {
                        field: "batch".into(),
                        problem: format!(
                            "the ministry holds no definition of batch {}",
                            summary.batch
                        ),
                    }],
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
                })
            }
            (Status::Withdrawn, Some("submitted")) => ReceiptEvent::Withdrawn {
                recommender: summary.recommender.clone(),
                record: summary.id,
                entry: entry.id(),
            },
            _ => return Ok(()),
        };
        let seq = self.store().meta::<u64>("receipt_seq")?.unwrap_or(0) + 1;
        let receipt = Receipt {
            seq,
            batch: summary.batch,
            received_at: now(),
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
                batch.meta(&format!("receipted/{}", summary.id), &state);
            })?;
            tracing::info!(record = %summary.id, seq, state, "receipt written");
        }
        self.decide(summary.batch.0)
    }

    /// Runs the rules over a batch's receipts and writes the verdicts that changed.
    fn decide(&mut self, batch_number: u32) -> Result<(), NodeError> {
        let Some(batch) = self.batches()?.remove(&batch_number) else {
            return Ok(());
        };
        let Some(roster) = self.roster()? else {
            return Ok(());
        };
        let mut receipts = Vec::new();
        for key in self.store().meta_keys("receipt/")? {
            if let Some(receipt) = self.store().meta::<Receipt>(&key)?
                && receipt.batch.0 == batch_number
            {
                receipts.push(receipt);
            }
        }
        let verdicts = rules::evaluate(&batch, &roster, &receipts);
        let mut by_recommender: BTreeMap<RecommenderId, Vec<rules::RecordVerdict>> =
            BTreeMap::new();
        for verdict in verdicts.into_values() {
            by_recommender
                .entry(verdict.recommender.clone())
                .or_default()
                .push(verdict);
        }
        for (recommender, verdicts) in by_recommender {
            let mut doc = self.decisions_doc(&recommender)?;
            if let Some(change) = doc.set_verdicts(&verdicts, now())? {
                self.write_decisions(&recommender, &mut doc, change, |_| {})?;
                tracing::info!(recommender = %recommender, "verdicts updated");
            }
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

    /// Signs a change to a decisions document as the ministry's next entry and stores it.
    fn write_decisions(
        &mut self,
        recommender: &RecommenderId,
        doc: &mut DecisionsDoc,
        change: automerge::Change,
        extra: impl FnOnce(&mut crate::store::Batch<'_>),
    ) -> Result<(), NodeError> {
        let doc_id = DocId::Decisions(recommender.clone());
        let topic = doc_id.topic();
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
        batch.snapshot(&doc_id.to_string(), &doc.save());
        extra(&mut batch);
        batch.commit()?;
        self.metrics
            .entries_written
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// The decisions table: on the ministry every recommender in the roster (those without a
    /// submission too); elsewhere this node's own recommender.
    pub fn decisions(&self, batch: Option<u32>) -> Result<Vec<DecisionRow>, NodeError> {
        let roster = self.roster()?;
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
        for (recommender, name) in recommenders {
            let verdicts = self.decisions_doc(&recommender)?.verdicts();
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
                    verdict: "no submission".into(),
                    reason: format!("{} drafts, nothing submitted", records.len()),
                });
                continue;
            }
            for summary in submitted {
                let (verdict, reason) = match verdicts.get(&summary.id) {
                    Some(v) => (v.verdict.key().to_string(), v.verdict.reason()),
                    None => (
                        "provisional".to_string(),
                        "waiting for the ministry's receipt".to_string(),
                    ),
                };
                rows.push(DecisionRow {
                    recommender: recommender.clone(),
                    recommender_name: name.clone(),
                    record: Some(summary.id.to_string()),
                    institution: summary.institution.clone(),
                    credit_code: summary.credit_code.clone(),
                    status: summary.status.key().into(),
                    verdict,
                    reason,
                });
            }
        }
        Ok(rows)
    }
}
