//! The ministry's decisions for one recommender, as an Automerge document (`decisions/<id>`,
//! topic `recommender:<id>`): its receipts (the canonical order of arrival) and its current
//! verdicts. Only the ministry writes it; it replicates to that recommender's nodes alone, so
//! every recommender sees the ministry's answer about its own records and nobody else's.
//!
//! Receipts and verdicts are stored as JSON strings in two maps (`receipts` keyed by the
//! zero-padded receipt position, `verdicts` keyed by record id): each is written once or
//! replaced whole, so they need no finer merging.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutoCommit, Change, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use crate::identity::NodeId;
use crate::ids::RecordId;
use crate::record::RecordError;
use crate::rules::{Receipt, RecordVerdict};
use crate::timestamp::Timestamp;

#[derive(Debug, Clone)]
pub struct DecisionsDoc {
    doc: AutoCommit,
}

fn edit_error(error: automerge::AutomergeError) -> RecordError {
    RecordError::Edit(error.to_string())
}

fn guarded<T>(
    work: impl FnOnce() -> Result<T, automerge::AutomergeError>,
) -> Result<T, RecordError> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result.map_err(|e| RecordError::Malformed(e.to_string())),
        Err(_) => Err(RecordError::Panicked),
    }
}

impl DecisionsDoc {
    /// An empty document for `actor` (the ministry, or a replica applying its changes).
    pub fn empty(actor: &NodeId) -> Self {
        Self {
            doc: AutoCommit::new().with_actor(actor.actor_id()),
        }
    }

    pub fn load(bytes: &[u8], actor: &NodeId) -> Result<Self, RecordError> {
        let doc = guarded(|| AutoCommit::load(bytes))?;
        Ok(Self {
            doc: doc.with_actor(actor.actor_id()),
        })
    }

    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    pub fn apply(&mut self, changes: impl IntoIterator<Item = Change>) -> Result<(), RecordError> {
        let changes: Vec<Change> = changes.into_iter().collect();
        guarded(|| self.doc.apply_changes(changes))
    }

    pub fn has_change(&mut self, hash: &automerge::ChangeHash) -> bool {
        self.doc.get_change_by_hash(hash).is_some()
    }

    fn map(&mut self, name: &str) -> Result<automerge::ObjId, RecordError> {
        match self.doc.get(ROOT, name) {
            Ok(Some((Value::Object(ObjType::Map), id))) => Ok(id),
            _ => self
                .doc
                .put_object(ROOT, name, ObjType::Map)
                .map_err(edit_error),
        }
    }

    fn commit(&mut self, now: Timestamp) -> Option<Change> {
        let options = CommitOptions::default().with_time(now.millis().div_euclid(1000));
        self.doc.commit_with(options)?;
        self.doc.get_last_local_change()
    }

    /// Records a receipt; returns the change.
    pub fn add_receipt(
        &mut self,
        receipt: &Receipt,
        now: Timestamp,
    ) -> Result<Option<Change>, RecordError> {
        let map = self.map("receipts")?;
        let json = serde_json::to_string(receipt).map_err(|e| RecordError::Edit(e.to_string()))?;
        self.doc
            .put(&map, format!("{:012}", receipt.seq), json)
            .map_err(edit_error)?;
        Ok(self.commit(now))
    }

    /// Replaces the verdicts that differ from `verdicts` (for this recommender's records);
    /// returns the change, or `None` if nothing changed.
    pub fn set_verdicts(
        &mut self,
        verdicts: &[RecordVerdict],
        now: Timestamp,
    ) -> Result<Option<Change>, RecordError> {
        let current = self.verdicts();
        let map = self.map("verdicts")?;
        let mut changed = false;
        for verdict in verdicts {
            if current.get(&verdict.record) == Some(verdict) {
                continue;
            }
            let json =
                serde_json::to_string(verdict).map_err(|e| RecordError::Edit(e.to_string()))?;
            self.doc
                .put(&map, verdict.record.to_string(), json)
                .map_err(edit_error)?;
            changed = true;
        }
        if !changed {
            return Ok(None);
        }
        Ok(self.commit(now))
    }

    fn strings(&self, name: &str) -> Vec<(String, String)> {
        let Ok(Some((Value::Object(ObjType::Map), map))) = self.doc.get(ROOT, name) else {
            return Vec::new();
        };
        self.doc
            .map_range(&map, ..)
            .filter_map(|item| match item.value.into_value() {
                Value::Scalar(value) => match value.as_ref() {
                    ScalarValue::Str(text) => Some((item.key.to_string(), text.to_string())),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    /// Every receipt, in receipt order. Entries that do not parse are skipped (only the
    /// ministry writes this document, and its entries are verified before they are applied).
    pub fn receipts(&self) -> Vec<Receipt> {
        let mut receipts: Vec<Receipt> = self
            .strings("receipts")
            .into_iter()
            .filter_map(|(_, json)| serde_json::from_str(&json).ok())
            .collect();
        receipts.sort_by_key(|r| r.seq);
        receipts
    }

    /// The current verdict of each receipted record.
    pub fn verdicts(&self) -> BTreeMap<RecordId, RecordVerdict> {
        self.strings("verdicts")
            .into_iter()
            .filter_map(|(_, json)| serde_json::from_str::<RecordVerdict>(&json).ok())
            .map(|verdict| (verdict.record, verdict))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::BatchNumber;
    use crate::identity::{Hash32, NodeKey};
    use crate::rules::{ReceiptEvent, Verdict};

    #[test]
    fn receipts_and_verdicts_round_trip_and_replicate() {
        let ministry = NodeKey::for_test("decisions: ministry");
        let replica_key = NodeKey::for_test("decisions: replica");
        let record: RecordId = "0011223344556677".parse().unwrap();
        let receipt = Receipt {
            seq: 1,
            batch: BatchNumber(6),
            received_at: Timestamp(1000),
            event: ReceiptEvent::Withdrawn {
                recommender: "shanghai".parse().unwrap(),
                record,
                entry: Hash32::of(b"e"),
                author: None,
                author_seq: None,
            },
        };
        let verdict = RecordVerdict {
            recommender: "shanghai".parse().unwrap(),
            record,
            credit_code: "X".into(),
            institution: "单位".into(),
            receipt_seq: 1,
            received_at: Timestamp(1000),
            verdict: Verdict::Withdrawn,
        };
        let mut doc = DecisionsDoc::empty(&ministry.id());
        let first = doc.add_receipt(&receipt, Timestamp(1000)).unwrap().unwrap();
        let second = doc
            .set_verdicts(std::slice::from_ref(&verdict), Timestamp(1000))
            .unwrap()
            .unwrap();
        assert_eq!(
            doc.set_verdicts(std::slice::from_ref(&verdict), Timestamp(1000))
                .unwrap(),
            None
        );
        let mut replica = DecisionsDoc::empty(&replica_key.id());
        replica.apply([first, second]).unwrap();
        assert_eq!(replica.receipts(), vec![receipt]);
        assert_eq!(replica.verdicts()[&record], verdict);
        let reloaded = DecisionsDoc::load(&replica.save(), &replica_key.id()).unwrap();
        assert_eq!(reloaded.verdicts().len(), 1);
    }

    mod order {
        use proptest::prelude::*;
        use rand::SeedableRng;
        use rand::seq::SliceRandom;

        use super::super::*;
        use crate::batch::{Batch, BatchNumber};
        use crate::identity::{Hash32, NodeKey};
        use crate::ids::RecommenderId;
        use crate::roster::{KeyRole, Recommender, RecommenderKind, Roster};
        use crate::rules::{ReceiptEvent, Submission, evaluate};

        const CODES: [&str; 3] = [
            "12100000400000624D",
            "12100000400002259P",
            "914403001922038216",
        ];

        fn setup() -> (NodeKey, Roster, Batch, Vec<NodeKey>) {
            let ministry = NodeKey::for_test("order: ministry");
            let mut roster = Roster::new(ministry.id());
            let mut keys = Vec::new();
            for r in 0..3 {
                let id: RecommenderId = format!("r{r}").parse().unwrap();
                roster
                    .add_recommender(Recommender {
                        id: id.clone(),
                        name: format!("推荐{r}"),
                        kind: RecommenderKind::Province,
                    })
                    .unwrap();
                let key = NodeKey::for_test(&format!("order: r{r}"));
                roster.add_key(key.id(), id, KeyRole::Hq).unwrap();
                keys.push(key);
            }
            let batch = crate::form::tests::batch();
            (ministry, roster, batch, keys)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]

            /// The ministry receipts and decides as submissions arrive; every replica that gets the
            /// ministry's changes, in any order and in any two parts (a partition, then a heal),
            /// ends with exactly the ministry's verdicts.
            #[test]
            fn every_replica_reaches_the_ministrys_verdicts_whatever_the_delivery_order(
                arrivals in proptest::collection::vec((0usize..3, 0usize..3, any::<bool>()), 1..12),
                seed in any::<u64>(),
                cut in 0usize..40,
            ) {
                let (ministry, roster, batch, keys) = setup();
                let mut docs: Vec<DecisionsDoc> = (0..3).map(|_| DecisionsDoc::empty(&ministry.id())).collect();
                let mut changes: Vec<Vec<automerge::Change>> = vec![Vec::new(); 3];
                let mut receipts = Vec::new();
                for (seq, (r, code, withdraw)) in arrivals.iter().enumerate() {
                    let record = format!("{:016x}", seq * 4 + r).parse().unwrap();
                    let recommender: RecommenderId = format!("r{r}").parse().unwrap();
                    let event = if *withdraw && seq > 0 {
                        // Withdraw this recommender's previous record, if any.
                        let Some(previous) = receipts.iter().rev().find_map(|rc: &Receipt| match &rc.event {
                            ReceiptEvent::Submitted(s) if s.recommender == recommender => Some(s.record),
                            _ => None,
                        }) else { continue };
                        ReceiptEvent::Withdrawn { recommender: recommender.clone(), record: previous, entry: Hash32::of(&[seq as u8]), author: None, author_seq: None }
                    } else {
                        ReceiptEvent::Submitted(Submission {
                            recommender: recommender.clone(), record, author: keys[*r].id(), author_seq: 1,
                            entry: Hash32::of(&[seq as u8]), credit_code: CODES[*code].into(),
                            institution: format!("单位{code}"), field_errors: vec![], heads: vec![],
                        })
                    };
                    let receipt = Receipt { seq: seq as u64 + 1, batch: BatchNumber(6), received_at: Timestamp(batch.deadline.0 - 1000), event };
                    changes[*r].extend(docs[*r].add_receipt(&receipt, Timestamp(0)).unwrap());
                    receipts.push(receipt);
                    let verdicts = evaluate(&batch, &roster, &receipts);
                    for (index, doc) in docs.iter_mut().enumerate() {
                        let mine: Vec<RecordVerdict> = verdicts.values().filter(|v| v.recommender.as_str() == format!("r{index}")).cloned().collect();
                        changes[index].extend(doc.set_verdicts(&mine, Timestamp(0)).unwrap());
                    }
                }
                for index in 0..3 {
                    let mut shuffled = changes[index].clone();
                    shuffled.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
                    let split = cut.min(shuffled.len());
                    let mut replica = DecisionsDoc::empty(&keys[index].id());
                    replica.apply(shuffled[..split].to_vec()).unwrap();
                    replica.apply(shuffled[split..].to_vec()).unwrap();
                    prop_assert_eq!(replica.verdicts(), docs[index].verdicts());
                    prop_assert_eq!(replica.receipts(), docs[index].receipts());
                }
            }
        }
    }
}
