//! What the checker reads of the ministry's decisions: the receipts and verdicts its decisions
//! documents hold, and which records still wait for a receipt. The ministry itself is the
//! daemon's code (`node/src/ministry.rs`, `node/src/intake.rs`), run by the simulated nodes.
//!
//! Also the flawed rules a seed can plant in the ministry, to show that the checker catches a
//! ministry that ignores the quota.

use std::collections::BTreeMap;

use fedrec_common::batch::Batch;
use fedrec_common::ids::{DocId, RecordId};
use fedrec_common::record::Status;
use fedrec_common::roster::Roster;
use fedrec_common::rules::{self, Receipt, ReceiptEvent, RecordKey, RecordVerdict, Verdict};

use super::replica::SimNode;

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

/// The flawed rules of [`Flaw::SecondAcceptance`](super::Flaw::SecondAcceptance): a ministry
/// that forgets the quota and accepts every eligible submission. Planted in the ministry's
/// node with `Node::plant_rules`.
pub fn rules_without_quota(
    batch: &Batch,
    roster: &Roster,
    receipts: &[Receipt],
) -> BTreeMap<RecordKey, RecordVerdict> {
    let mut verdicts = rules::evaluate(batch, roster, receipts);
    for verdict in verdicts.values_mut() {
        if matches!(verdict.verdict, Verdict::QuotaExceeded { .. }) {
            verdict.verdict = Verdict::Accepted;
        }
    }
    verdicts
}

/// Whether a record's status needs a receipt it does not have: submitted after nothing or
/// after a withdrawal; withdrawn after a submission.
fn needs_receipt(node: &SimNode, doc: &DocId, last: Option<&ReceiptEvent>) -> bool {
    let Some(mut held) = node.record(doc).cloned() else {
        return false;
    };
    matches!(
        (held.status(), last),
        (
            Ok(Status::Submitted),
            None | Some(ReceiptEvent::Withdrawn { .. })
        ) | (Ok(Status::Withdrawn), Some(ReceiptEvent::Submitted(_)))
    )
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
                needs_receipt(node, doc, last.get(record)).then(|| doc.clone())
            }
            _ => None,
        })
        .collect()
}
