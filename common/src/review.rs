//! The ministry's review of a batch (`review/<n>`, kept within the ministry) and the published
//! list of recognised bases (`published/<n>`, public: it replicates to every node).
//!
//! Both are Automerge documents of JSON values in named maps: one map entry per expert opinion,
//! per outcome (recognised with a subsidy, or declined with a reason), per published base.
//! Only the ministry writes them; the checks on what may be written are here, as pure functions.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutoCommit, Change, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::batch::Batch;
use crate::identity::NodeId;
use crate::ids::{RecommenderId, RecordId};
use crate::record::RecordError;
use crate::rules::{RecordVerdict, Verdict};
use crate::timestamp::Timestamp;

/// One expert's opinion of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpertReview {
    pub record: RecordId,
    pub expert: String,
    /// 0 to 100.
    pub score: u8,
    pub opinion: String,
    pub at: Timestamp,
}

/// The ministry's decision after review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Recognised { subsidy_yuan: u64, at: Timestamp },
    Declined { reason: String, at: Timestamp },
}

/// One base on the published list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedBase {
    pub record: RecordId,
    pub recommender: RecommenderId,
    pub institution: String,
    pub credit_code: String,
    pub subsidy_yuan: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReviewError {
    #[error("only accepted records go to review; this one is {0}")]
    NotAccepted(String),
    #[error("a score is 0 to 100, not {0}")]
    Score(u32),
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error(
        "the subsidy must be more than 0 and at most batch {batch}'s cap of {cap} yuan, not {asked}"
    )]
    Subsidy { batch: u32, cap: u64, asked: u64 },
}

/// Checks an expert review before it is recorded.
pub fn check_review(
    verdict: &RecordVerdict,
    expert: &str,
    score: u32,
    opinion: &str,
) -> Result<u8, ReviewError> {
    if verdict.verdict != Verdict::Accepted {
        return Err(ReviewError::NotAccepted(verdict.verdict.key().into()));
    }
    if expert.trim().is_empty() {
        return Err(ReviewError::Empty("the expert's name"));
    }
    if opinion.trim().is_empty() {
        return Err(ReviewError::Empty("the opinion"));
    }
    u8::try_from(score)
        .ok()
        .filter(|s| *s <= 100)
        .ok_or(ReviewError::Score(score))
}

/// Checks a recognition: only an accepted record, a subsidy within the batch's cap.
pub fn check_recognition(
    verdict: &RecordVerdict,
    batch: &Batch,
    subsidy_yuan: u64,
) -> Result<(), ReviewError> {
    if verdict.verdict != Verdict::Accepted {
        return Err(ReviewError::NotAccepted(verdict.verdict.key().into()));
    }
    if subsidy_yuan == 0 || subsidy_yuan > batch.subsidy_cap_yuan {
        return Err(ReviewError::Subsidy {
            batch: batch.number.0,
            cap: batch.subsidy_cap_yuan,
            asked: subsidy_yuan,
        });
    }
    Ok(())
}

/// An Automerge document of JSON values in named maps.
#[derive(Debug, Clone)]
pub struct JsonMapDoc {
    doc: AutoCommit,
}

fn guarded<T>(
    work: impl FnOnce() -> Result<T, automerge::AutomergeError>,
) -> Result<T, RecordError> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result.map_err(|e| RecordError::Malformed(e.to_string())),
        Err(_) => Err(RecordError::Panicked),
    }
}

impl JsonMapDoc {
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

    /// Puts `value` under `key` in map `name`; returns the change if anything differed.
    pub fn put<T: Serialize>(
        &mut self,
        name: &str,
        key: &str,
        value: &T,
        now: Timestamp,
    ) -> Result<Option<Change>, RecordError> {
        let json = serde_json::to_string(value).map_err(|e| RecordError::Edit(e.to_string()))?;
        if self.raw(name).get(key) == Some(&json) {
            return Ok(None);
        }
        let map = match self.doc.get(ROOT, name) {
            Ok(Some((Value::Object(ObjType::Map), id))) => id,
            _ => self
                .doc
                .put_object(ROOT, name, ObjType::Map)
                .map_err(|e| RecordError::Edit(e.to_string()))?,
        };
        self.doc
            .put(&map, key, json)
            .map_err(|e| RecordError::Edit(e.to_string()))?;
        let options = CommitOptions::default().with_time(now.millis().div_euclid(1000));
        self.doc.commit_with(options);
        Ok(self.doc.get_last_local_change())
    }

    fn raw(&self, name: &str) -> BTreeMap<String, String> {
        let Ok(Some((Value::Object(ObjType::Map), map))) = self.doc.get(ROOT, name) else {
            return BTreeMap::new();
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

    /// Every value in map `name` that parses as `T`, by key.
    pub fn all<T: DeserializeOwned>(&self, name: &str) -> BTreeMap<String, T> {
        self.raw(name)
            .into_iter()
            .filter_map(|(key, json)| serde_json::from_str(&json).ok().map(|value| (key, value)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::tests::batch;
    use crate::identity::NodeKey;

    fn verdict(v: Verdict) -> RecordVerdict {
        RecordVerdict {
            recommender: "shanghai".parse().unwrap(),
            record: "0011223344556677".parse().unwrap(),
            credit_code: "X".into(),
            institution: "单位".into(),
            receipt_seq: 1,
            received_at: Timestamp(0),
            verdict: v,
        }
    }

    #[test]
    fn only_accepted_records_are_reviewed_and_recognised_within_the_cap() {
        let accepted = verdict(Verdict::Accepted);
        assert_eq!(check_review(&accepted, "张教授", 88, "特色鲜明"), Ok(88));
        assert_eq!(
            check_review(&accepted, "张教授", 101, "x"),
            Err(ReviewError::Score(101))
        );
        assert!(check_review(&accepted, " ", 50, "x").is_err());
        assert!(check_review(&verdict(Verdict::Withdrawn), "张教授", 50, "x").is_err());
        assert!(check_recognition(&accepted, &batch(), 5_000_000).is_ok());
        assert!(matches!(
            check_recognition(&accepted, &batch(), 5_000_001),
            Err(ReviewError::Subsidy { .. })
        ));
        assert!(check_recognition(&accepted, &batch(), 0).is_err());
        let late = verdict(Verdict::Late {
            received_at: Timestamp(1),
            deadline: Timestamp(0),
        });
        assert!(matches!(
            check_recognition(&late, &batch(), 1),
            Err(ReviewError::NotAccepted(_))
        ));
    }

    #[test]
    fn json_maps_replicate() {
        let ministry = NodeKey::for_test("json maps: ministry");
        let mut doc = JsonMapDoc::empty(&ministry.id());
        let base = PublishedBase {
            record: "0011223344556677".parse().unwrap(),
            recommender: "shanghai".parse().unwrap(),
            institution: "单位".into(),
            credit_code: "X".into(),
            subsidy_yuan: 4_000_000,
        };
        let change = doc
            .put("bases", "0011223344556677", &base, Timestamp(0))
            .unwrap()
            .unwrap();
        assert_eq!(
            doc.put("bases", "0011223344556677", &base, Timestamp(0))
                .unwrap(),
            None
        );
        let mut replica = JsonMapDoc::empty(&NodeKey::for_test("json maps: replica").id());
        replica.apply([change]).unwrap();
        assert_eq!(
            replica
                .all::<PublishedBase>("bases")
                .into_values()
                .collect::<Vec<_>>(),
            vec![base]
        );
    }
}
