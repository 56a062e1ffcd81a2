//! The notice's rules as one pure function: from a batch, the roster and the ministry's receipts
//! to a verdict for every record the ministry has receipted.
//!
//! The ministry receipts each submission and each withdrawal the first time it holds it, in its
//! own signed feed; the receipt's position in that feed is the canonical order of arrival that
//! every replica can see. The facts the rules need (credit code, validation errors, the
//! submitting entry) are fixed in the receipt when it is written, so verdicts never load whole
//! documents and never depend on when or in which order a replica received the entries.
//!
//! For each record, in this order:
//! 1. withdrawn (a withdrawal receipted by the deadline) → `Withdrawn`;
//! 2. the submitting key not authorised by the roster for that record and position →
//!    `Unauthorised`;
//! 3. receipted after the deadline → `Late`;
//! 4. validation errors → `Invalid`;
//! 5. otherwise the record is *eligible*. Per recommender, the first `quota` eligible records by
//!    receipt order hold the quota; later ones are `QuotaExceeded`, naming the holders. Because
//!    holders are chosen by receipt order alone, a later arrival never displaces a holder.
//! 6. Among quota holders, a credit code held by more than one recommender puts every such
//!    record in `Conflict`, naming the recommenders (不得多头申报), whatever their order, until
//!    all but one are withdrawn. Otherwise the holder is `Accepted`.
//!
//! After the deadline nothing can change a verdict: later submissions are late, later
//! withdrawals are not counted, and a withdrawn record submitted again stays withdrawn. (A record
//! is submitted again only by a submission act that saw the withdrawal, see [`crate::acts`];
//! before the deadline that is a new submission in receipt order.)
//!
//! Records are known by their full identity, recommender and record id (the batch is the one
//! being evaluated), never by the 8-byte record id alone, so one recommender's documents can
//! never stand for another's. Submitting and withdrawing are the HQ's acts unless the roster
//! grants a field office's key that right ([`Roster::may_act`]): a submission by a key without
//! it is `Unauthorised`, and a withdrawal by one is not counted.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::batch::{Batch, BatchNumber};
use crate::form::FieldError;
use crate::identity::{Hash32, NodeId};
use crate::ids::{DocId, RecommenderId, RecordId};
use crate::roster::Roster;
use crate::timestamp::Timestamp;

/// The facts of one submission, fixed by the ministry when it receipts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub recommender: RecommenderId,
    pub record: RecordId,
    /// The key that signed the entry that set the record to submitted, and its feed position.
    pub author: NodeId,
    pub author_seq: u64,
    /// The id of that entry.
    pub entry: Hash32,
    /// The credit code as the application gave it (upper-cased; possibly invalid).
    pub credit_code: String,
    /// The institution's name, for tables.
    pub institution: String,
    /// What validation found in the application at submission; empty when it passed.
    pub field_errors: Vec<FieldError>,
    /// The document's heads at submission (the submission acts, hex change hashes): the
    /// application at these heads is what was judged, and what every view shows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heads: Vec<String>,
}

/// What the ministry receipted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ReceiptEvent {
    Submitted(Submission),
    Withdrawn {
        recommender: RecommenderId,
        record: RecordId,
        entry: Hash32,
        /// The key that signed the withdrawal act, and its feed position.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        author: Option<NodeId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        author_seq: Option<u64>,
    },
}

/// A record's full identity within a batch: its recommender and its id.
pub type RecordKey = (RecommenderId, RecordId);

/// One receipt in the ministry's feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Position in the ministry's receipt order: the canonical order of arrival.
    pub seq: u64,
    pub batch: BatchNumber,
    /// The ministry's clock when it first held the entry.
    pub received_at: Timestamp,
    #[serde(flatten)]
    pub event: ReceiptEvent,
}

impl Receipt {
    pub fn record(&self) -> (&RecommenderId, &RecordId) {
        match &self.event {
            ReceiptEvent::Submitted(s) => (&s.recommender, &s.record),
            ReceiptEvent::Withdrawn {
                recommender,
                record,
                ..
            } => (recommender, record),
        }
    }
}

/// The ministry's verdict on one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Accepted,
    /// Another submission of the same recommender holds the quota.
    QuotaExceeded {
        holders: Vec<RecordId>,
    },
    /// The same institution came through several recommenders.
    Conflict {
        credit_code: String,
        recommenders: Vec<RecommenderId>,
    },
    Late {
        received_at: Timestamp,
        deadline: Timestamp,
    },
    Invalid {
        errors: Vec<FieldError>,
    },
    Unauthorised {
        reason: String,
    },
    Withdrawn,
}

impl Verdict {
    /// A short machine-readable name.
    pub fn key(&self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::QuotaExceeded { .. } => "rejected",
            Verdict::Conflict { .. } => "conflict",
            Verdict::Late { .. } => "late",
            Verdict::Invalid { .. } => "invalid",
            Verdict::Unauthorised { .. } => "unauthorised",
            Verdict::Withdrawn => "withdrawn",
        }
    }

    /// The stable code of the verdict's reason, as machine-readable outputs carry it beside the
    /// text (`reason_code`); its catalogue message is `reason-<code>`. Only the quota differs
    /// from [`Verdict::key`]: its verdict is `rejected`, and the reason says why.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Verdict::QuotaExceeded { .. } => "quota",
            other => other.key(),
        }
    }

    /// The reason in English, for logs; people read it through [`crate::i18n::verdict_reason`]
    /// in their own language.
    pub fn reason(&self) -> String {
        crate::i18n::verdict_reason(crate::i18n::Lang::En, self)
    }
}

/// The verdict on one record, with what a table of verdicts shows beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordVerdict {
    pub recommender: RecommenderId,
    pub record: RecordId,
    pub credit_code: String,
    pub institution: String,
    /// The receipt that put the record in its current state.
    pub receipt_seq: u64,
    pub received_at: Timestamp,
    pub verdict: Verdict,
}

/// Where a record stands after replaying its receipts.
#[derive(Debug, Clone)]
struct Replayed<'a> {
    submission: &'a Submission,
    receipt_seq: u64,
    received_at: Timestamp,
    withdrawn: bool,
}

/// Computes the verdict of every record of `batch` that the ministry has receipted.
///
/// The result depends only on the set of receipts (duplicates are ignored; order is taken from
/// their `seq`), the batch and the roster, so every replica that holds the same receipts reaches
/// the same verdicts. Records without a receipt are provisional and absent from the result.
pub fn evaluate(
    batch: &Batch,
    roster: &Roster,
    receipts: &[Receipt],
) -> BTreeMap<RecordKey, RecordVerdict> {
    let states = replay(batch, roster, receipts);
    let mut verdicts = BTreeMap::new();
    let mut eligible: BTreeMap<&RecommenderId, Vec<&Replayed>> = BTreeMap::new();
    for state in states.values() {
        let submission = state.submission;
        let doc = DocId::Record {
            batch: batch.number,
            recommender: submission.recommender.clone(),
            record: submission.record,
        };
        let verdict = if state.withdrawn {
            Some(Verdict::Withdrawn)
        } else if let Err(error) = roster.may_act(&submission.author, &doc, submission.author_seq) {
            Some(Verdict::Unauthorised {
                reason: error.to_string(),
            })
        } else if !batch.is_on_time(state.received_at) {
            Some(Verdict::Late {
                received_at: state.received_at,
                deadline: batch.deadline,
            })
        } else if !submission.field_errors.is_empty() {
            Some(Verdict::Invalid {
                errors: submission.field_errors.clone(),
            })
        } else {
            None
        };
        match verdict {
            Some(verdict) => {
                verdicts.insert(key_of(submission), record_verdict(state, verdict));
            }
            None => eligible
                .entry(&submission.recommender)
                .or_default()
                .push(state),
        }
    }

    // Quota: the first `quota` eligible records of each recommender, by receipt order, hold it.
    let quota = batch.quota_per_recommender as usize;
    let mut holders: Vec<&Replayed> = Vec::new();
    for records in eligible.values_mut() {
        records.sort_by_key(|state| state.receipt_seq);
        let held: Vec<RecordId> = records
            .iter()
            .take(quota)
            .map(|s| s.submission.record)
            .collect();
        for (index, state) in records.iter().enumerate() {
            if index < quota {
                holders.push(state);
            } else {
                let verdict = Verdict::QuotaExceeded {
                    holders: held.clone(),
                };
                verdicts.insert(key_of(state.submission), record_verdict(state, verdict));
            }
        }
    }

    // One recommender per institution, among the records that hold a quota.
    let mut by_code: BTreeMap<String, BTreeSet<&RecommenderId>> = BTreeMap::new();
    for state in &holders {
        by_code
            .entry(normalise_code(&state.submission.credit_code))
            .or_default()
            .insert(&state.submission.recommender);
    }
    for state in holders {
        let code = normalise_code(&state.submission.credit_code);
        let recommenders = &by_code[&code];
        let verdict = if recommenders.len() > 1 {
            Verdict::Conflict {
                credit_code: code,
                recommenders: recommenders.iter().map(|r| (*r).clone()).collect(),
            }
        } else {
            Verdict::Accepted
        };
        verdicts.insert(key_of(state.submission), record_verdict(state, verdict));
    }
    verdicts
}

/// Replays the receipts of `batch` in receipt order and returns each record's state.
fn replay<'a>(
    batch: &Batch,
    roster: &Roster,
    receipts: &'a [Receipt],
) -> BTreeMap<RecordKey, Replayed<'a>> {
    let mut ordered: Vec<&Receipt> = receipts
        .iter()
        .filter(|r| r.batch == batch.number)
        .collect();
    ordered.sort_by_key(|receipt| receipt.seq);
    // A receipt delivered twice is the same receipt: keep the first of each position.
    ordered.dedup_by_key(|receipt| receipt.seq);
    let mut states: BTreeMap<RecordKey, Replayed> = BTreeMap::new();
    for receipt in ordered {
        match &receipt.event {
            ReceiptEvent::Submitted(submission) => {
                // Only a record never receipted or withdrawn takes a submission, and after the
                // deadline only a record never receipted: a withdrawal's verdict is final too.
                let takes_it = match states.get(&key_of(submission)) {
                    None => true,
                    Some(state) => state.withdrawn && batch.is_on_time(receipt.received_at),
                };
                if takes_it {
                    states.insert(
                        key_of(submission),
                        Replayed {
                            submission,
                            receipt_seq: receipt.seq,
                            received_at: receipt.received_at,
                            withdrawn: false,
                        },
                    );
                }
            }
            ReceiptEvent::Withdrawn {
                recommender,
                record,
                author,
                author_seq,
                ..
            } => {
                // After the deadline verdicts are final: a late withdrawal changes nothing. A
                // withdrawal by a key that may not withdraw changes nothing either.
                let doc = DocId::Record {
                    batch: batch.number,
                    recommender: recommender.clone(),
                    record: *record,
                };
                let authorised = match (author, author_seq) {
                    (Some(author), Some(seq)) => roster.may_act(author, &doc, *seq).is_ok(),
                    // Receipts written before withdrawals named their author.
                    _ => true,
                };
                if authorised
                    && batch.is_on_time(receipt.received_at)
                    && let Some(state) = states.get_mut(&(recommender.clone(), *record))
                {
                    state.withdrawn = true;
                    state.receipt_seq = receipt.seq;
                    state.received_at = receipt.received_at;
                }
            }
        }
    }
    states
}

fn record_verdict(state: &Replayed, verdict: Verdict) -> RecordVerdict {
    RecordVerdict {
        recommender: state.submission.recommender.clone(),
        record: state.submission.record,
        credit_code: state.submission.credit_code.clone(),
        institution: state.submission.institution.clone(),
        receipt_seq: state.receipt_seq,
        received_at: state.received_at,
        verdict,
    }
}

fn key_of(submission: &Submission) -> RecordKey {
    (submission.recommender.clone(), submission.record)
}

/// Credit codes compare without case or surrounding space, as [`crate::credit_code`] reads them.
fn normalise_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
