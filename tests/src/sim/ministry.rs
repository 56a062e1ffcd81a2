//! The ministry's receipts and verdicts in the simulation, with `common`'s pure functions and
//! the decisions of `node/src/ministry.rs`: a record whose merged status became submitted (or
//! withdrawn) since its last receipt gets a receipt under the next position of the receipt
//! order, stamped with the ministry's clock; after each receipt `rules::evaluate` runs over the
//! batch's receipts and every verdict that changed is written. Receipts and verdicts are entries
//! of the ministry's decisions documents, so they replicate back like any other entry.
//!
//! The receipted state of each record is read back from those documents, that is from the
//! ministry's stored feeds, so a crash between a merge and its receipt leaves nothing behind: the
//! next decision finds the record still unreceipted.

use std::collections::{BTreeMap, BTreeSet};

use fedrec_common::batch::Batch;
use fedrec_common::ids::{DocId, RecommenderId, RecordId};
use fedrec_common::record::Status;
use fedrec_common::roster::Roster;
use fedrec_common::rules::{self, Receipt, ReceiptEvent, RecordVerdict, Submission, Verdict};
use fedrec_common::timestamp::Timestamp;

use super::Flaw;
use super::replica::SimNode;

/// What one decision wrote.
#[derive(Debug, Default)]
pub struct Decided {
    pub receipts: Vec<Receipt>,
    /// Entries written (receipts and verdict changes).
    pub entries: Vec<fedrec_common::feed::SignedEntry>,
    /// Submissions receipted for a record whose last receipt was its withdrawal: a stale
    /// concurrent submit won the merge of the record's status.
    pub resubmissions: u64,
}

/// Every receipt the node holds, in receipt order.
pub fn all_receipts(node: &SimNode, roster: &Roster) -> Vec<Receipt> {
    let mut receipts: Vec<Receipt> = roster
        .recommenders
        .iter()
        .filter_map(|r| node.decisions(&r.id))
        .flat_map(|doc| doc.receipts())
        .collect();
    receipts.sort_by_key(|r| r.seq);
    receipts
}

/// Every verdict the node holds (all recommenders' on the ministry; its own elsewhere).
pub fn all_verdicts(node: &SimNode, roster: &Roster) -> BTreeMap<RecordId, RecordVerdict> {
    roster
        .recommenders
        .iter()
        .filter_map(|r| node.decisions(&r.id))
        .flat_map(|doc| doc.verdicts())
        .collect()
}

/// The rules' verdicts over `receipts`, or, with [`Flaw::SecondAcceptance`], a ministry that
/// forgets the quota and accepts every eligible submission.
pub fn verdicts_for(
    batch: &Batch,
    roster: &Roster,
    receipts: &[Receipt],
    flaw: Option<Flaw>,
) -> BTreeMap<RecordId, RecordVerdict> {
    // Record ids are unique in the simulation (each derives from its creating entry), so the
    // checks key verdicts by record id alone.
    let mut verdicts: BTreeMap<RecordId, RecordVerdict> = rules::evaluate(batch, roster, receipts)
        .into_iter()
        .map(|((_, record), verdict)| (record, verdict))
        .collect();
    if flaw == Some(Flaw::SecondAcceptance) {
        for verdict in verdicts.values_mut() {
            if matches!(verdict.verdict, Verdict::QuotaExceeded { .. }) {
                verdict.verdict = Verdict::Accepted;
            }
        }
    }
    verdicts
}

/// The receipt a record needs now, if any: the node's rule (submitted after nothing or after a
/// withdrawal; withdrawn after a submission).
fn event_for(
    node: &SimNode,
    batch: &Batch,
    doc: &DocId,
    last: Option<&ReceiptEvent>,
) -> Option<ReceiptEvent> {
    let DocId::Record {
        recommender,
        record,
        ..
    } = doc
    else {
        return None;
    };
    let mut held = node.record(doc)?.clone();
    let status = held.status().ok()?;
    match (status, last) {
        (Status::Submitted, None | Some(ReceiptEvent::Withdrawn { .. })) => {
            let application = held.application().ok()?;
            let entry = node.latest_entry_of(doc)?;
            Some(ReceiptEvent::Submitted(Submission {
                recommender: recommender.clone(),
                record: *record,
                author: entry.entry.author,
                author_seq: entry.entry.seq,
                entry: entry.id(),
                credit_code: application
                    .applicant
                    .credit_code
                    .trim()
                    .to_ascii_uppercase(),
                institution: application.applicant.name.clone(),
                field_errors: application.validate(batch),
                heads: Vec::new(),
            }))
        }
        (Status::Withdrawn, Some(ReceiptEvent::Submitted(_))) => {
            let entry = node.latest_entry_of(doc)?;
            Some(ReceiptEvent::Withdrawn {
                recommender: recommender.clone(),
                record: *record,
                entry: entry.id(),
                author: Some(entry.entry.author),
                author_seq: Some(entry.entry.seq),
            })
        }
        _ => None,
    }
}

/// The last receipted event of each record.
fn last_events(receipts: &[Receipt]) -> BTreeMap<RecordId, ReceiptEvent> {
    receipts
        .iter()
        .map(|receipt| (*receipt.record().1, receipt.event.clone()))
        .collect()
}

/// The records of the batch whose status the ministry holds but has not receipted.
pub fn needing_receipt(node: &SimNode, batch: &Batch, roster: &Roster) -> Vec<DocId> {
    let last = last_events(&all_receipts(node, roster));
    node.records()
        .filter_map(|(doc, _)| match doc {
            DocId::Record {
                batch: b, record, ..
            } if *b == batch.number => {
                event_for(node, batch, doc, last.get(record)).map(|_| doc.clone())
            }
            _ => None,
        })
        .collect()
}

/// Receipts every record of the batch that needs it (or, as the daemon does, only the records
/// in `only`: those it remembers merging since its last decision), re-deciding after each
/// receipt; then makes sure the stored verdicts are the rules' over the stored receipts.
pub fn receipt_and_decide(
    node: &mut SimNode,
    batch: &Batch,
    roster: &Roster,
    now: Timestamp,
    flaw: Option<Flaw>,
    only: Option<&BTreeSet<DocId>>,
) -> Result<Decided, String> {
    let mut decided = Decided::default();
    let mut receipts = all_receipts(node, roster);
    let mut last = last_events(&receipts);
    let due = needing_receipt(node, batch, roster);
    for doc in due
        .into_iter()
        .filter(|d| only.is_none_or(|o| o.contains(d)))
    {
        let DocId::Record { record, .. } = &doc else {
            continue;
        };
        let Some(event) = event_for(node, batch, &doc, last.get(record)) else {
            continue;
        };
        if matches!(event, ReceiptEvent::Submitted(_)) && last.contains_key(record) {
            decided.resubmissions += 1;
        }
        let receipt = Receipt {
            seq: receipts.last().map_or(0, |r| r.seq) + 1,
            batch: batch.number,
            received_at: now,
            event,
        };
        let recommender = receipt.record().0.clone();
        let mut decisions = node.take_decisions(&recommender);
        let change = decisions.add_receipt(&receipt, now);
        node.put_decisions(&recommender, decisions);
        if let Some(change) = change.map_err(|e| e.to_string())? {
            decided
                .entries
                .push(node.write_ministry_change(DocId::Decisions(recommender), change)?);
        }
        last.insert(*record, receipt.event.clone());
        receipts.push(receipt.clone());
        decided.receipts.push(receipt);
        write_verdicts(node, batch, roster, &receipts, now, flaw, &mut decided)?;
    }
    write_verdicts(node, batch, roster, &receipts, now, flaw, &mut decided)?;
    Ok(decided)
}

/// Writes every verdict that differs from what the decisions documents hold.
fn write_verdicts(
    node: &mut SimNode,
    batch: &Batch,
    roster: &Roster,
    receipts: &[Receipt],
    now: Timestamp,
    flaw: Option<Flaw>,
    decided: &mut Decided,
) -> Result<(), String> {
    let mut by_recommender: BTreeMap<RecommenderId, Vec<RecordVerdict>> = BTreeMap::new();
    for verdict in verdicts_for(batch, roster, receipts, flaw).into_values() {
        by_recommender
            .entry(verdict.recommender.clone())
            .or_default()
            .push(verdict);
    }
    for (recommender, verdicts) in by_recommender {
        let mut decisions = node.take_decisions(&recommender);
        let change = decisions.set_verdicts(&verdicts, now);
        node.put_decisions(&recommender, decisions);
        if let Some(change) = change.map_err(|e| e.to_string())? {
            decided
                .entries
                .push(node.write_ministry_change(DocId::Decisions(recommender), change)?);
        }
    }
    Ok(())
}
