//! Submission and withdrawal as explicit signed acts, and a record's status derived from their
//! causal order.
//!
//! A record's status is not a value that the last writer sets. Submitting and withdrawing are
//! *acts*: Automerge changes that carry the message [`SUBMIT_MESSAGE`] or [`WITHDRAW_MESSAGE`]
//! (and, for plain Automerge readers, also put the `status` key). Every replica derives the
//! status from the acts in the document's change graph, so the answer is the same everywhere
//! and does not depend on Automerge's tie-break between concurrent writes:
//!
//! - no act: **draft**;
//! - otherwise look at the *latest* acts, those that no other act has seen (no act descends from
//!   them): if any of them is a withdrawal, **withdrawn**; else **submitted**.
//!
//! So a withdrawal is undone only by a submission made *after seeing it*; a stale submission
//! made concurrently (an office offline since before the withdrawal) leaves it withdrawn.
//!
//! Each change is also checked against the status its author saw, the status at the change's
//! own dependencies ([`check_change`]): edits and submissions only of a draft or withdrawn
//! record, withdrawals only of a submitted one. An edit made by an author who saw the record
//! submitted is refused as **frozen**: what was submitted is what is judged. The check depends
//! only on the change and its ancestors, so every replica reaches the same decision in any
//! order of arrival.

use std::collections::{HashMap, HashSet};

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The message of a change that submits a record.
pub const SUBMIT_MESSAGE: &str = "fedrec:submit";
/// The message of a change that withdraws a record.
pub const WITHDRAW_MESSAGE: &str = "fedrec:withdraw";
/// The most operations an act may carry: it puts the `status` key and nothing else of note.
pub const ACT_MAX_OPS: usize = 4;

/// Where a record stands in its lifecycle, derived from its acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    Withdrawn,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        [Status::Draft, Status::Submitted, Status::Withdrawn]
            .into_iter()
            .find(|status| status.key() == key)
    }
}

/// A submission or a withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Act {
    Submit,
    Withdraw,
}

impl Act {
    pub fn message(self) -> &'static str {
        match self {
            Act::Submit => SUBMIT_MESSAGE,
            Act::Withdraw => WITHDRAW_MESSAGE,
        }
    }

    /// The status an act leads to.
    pub fn status(self) -> Status {
        match self {
            Act::Submit => Status::Submitted,
            Act::Withdraw => Status::Withdrawn,
        }
    }
}

/// What a change to a record document does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// The first change: it has no dependencies and creates the record.
    Create,
    /// An edit of the application.
    Edit,
    Act(Act),
}

/// Why a change to a record is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ActError {
    #[error(
        "the record was submitted when this change was made; a submitted application cannot be changed (withdraw, edit, submit again)"
    )]
    Frozen,
    #[error("a {status} record cannot be {action}")]
    Transition {
        status: &'static str,
        action: &'static str,
    },
    #[error("an act carries at most {ACT_MAX_OPS} operations; this one carries {0}")]
    OversizedAct(usize),
    #[error("a change with no dependencies creates a record and cannot also be an act")]
    ActWithoutRecord,
}

/// Classifies a change by its message, dependencies and size.
pub fn classify(message: Option<&str>, has_deps: bool, ops: usize) -> Result<ChangeKind, ActError> {
    // The first line is the kind; a line after it may name the person (see `operator`).
    let act = match message.and_then(|m| m.lines().next()) {
        Some(SUBMIT_MESSAGE) => Some(Act::Submit),
        Some(WITHDRAW_MESSAGE) => Some(Act::Withdraw),
        _ => None,
    };
    match (act, has_deps) {
        (Some(_), false) => Err(ActError::ActWithoutRecord),
        (Some(_), true) if ops > ACT_MAX_OPS => Err(ActError::OversizedAct(ops)),
        (Some(act), true) => Ok(ChangeKind::Act(act)),
        (None, false) => Ok(ChangeKind::Create),
        (None, true) => Ok(ChangeKind::Edit),
    }
}

/// Whether a change of `kind` may follow a record whose author saw it at `seen`.
pub fn check_change(kind: ChangeKind, seen: Status) -> Result<(), ActError> {
    match (kind, seen) {
        (ChangeKind::Create, _) => Ok(()),
        (ChangeKind::Edit, Status::Submitted) => Err(ActError::Frozen),
        (ChangeKind::Edit, _) => Ok(()),
        (ChangeKind::Act(Act::Submit), Status::Draft | Status::Withdrawn) => Ok(()),
        (ChangeKind::Act(Act::Withdraw), Status::Submitted) => Ok(()),
        (ChangeKind::Act(act), seen) => Err(ActError::Transition {
            status: seen.key(),
            action: match act {
                Act::Submit => "submitted",
                Act::Withdraw => "withdrawn",
            },
        }),
    }
}

/// One change of a record's history as the status needs it.
#[derive(Debug, Clone)]
struct Node {
    deps: Vec<ChangeHash>,
    act: Option<Act>,
}

/// The causal graph of a record's changes, with the acts marked.
#[derive(Debug, Clone, Default)]
pub struct ChangeGraph {
    nodes: HashMap<ChangeHash, Node>,
}

impl ChangeGraph {
    pub fn insert(&mut self, hash: ChangeHash, deps: Vec<ChangeHash>, act: Option<Act>) {
        self.nodes.insert(hash, Node { deps, act });
    }

    pub fn contains(&self, hash: &ChangeHash) -> bool {
        self.nodes.contains_key(hash)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Every change `heads` have seen, the heads included. Hashes the graph does not hold are
    /// skipped: the caller checks that dependencies are present before asking.
    fn ancestors(&self, heads: &[ChangeHash]) -> HashSet<ChangeHash> {
        let mut seen = HashSet::new();
        let mut stack: Vec<ChangeHash> = heads.to_vec();
        while let Some(hash) = stack.pop() {
            let Some(node) = self.nodes.get(&hash) else {
                continue;
            };
            if seen.insert(hash) {
                stack.extend(node.deps.iter().copied());
            }
        }
        seen
    }

    /// The latest acts at `heads`: acts seen by `heads` that no other act seen by them has
    /// seen. Sorted by hash, so every replica lists them in one order.
    pub fn latest_acts(&self, heads: &[ChangeHash]) -> Vec<(ChangeHash, Act)> {
        let seen = self.ancestors(heads);
        let acts: Vec<(ChangeHash, Act)> = seen
            .iter()
            .filter_map(|hash| Some((*hash, self.nodes.get(hash)?.act?)))
            .collect();
        let mut superseded = HashSet::new();
        for (hash, _) in &acts {
            let node = &self.nodes[hash];
            for earlier in self.ancestors(&node.deps) {
                if self.nodes.get(&earlier).is_some_and(|n| n.act.is_some()) {
                    superseded.insert(earlier);
                }
            }
        }
        let mut latest: Vec<(ChangeHash, Act)> = acts
            .into_iter()
            .filter(|(hash, _)| !superseded.contains(hash))
            .collect();
        latest.sort_by_key(|(hash, _)| *hash);
        latest
    }

    /// The status at `heads`: draft without acts; withdrawn if any latest act withdraws;
    /// submitted otherwise.
    pub fn status_at(&self, heads: &[ChangeHash]) -> Status {
        status_of(&self.latest_acts(heads))
    }
}

/// The status that a set of latest acts gives.
pub fn status_of(latest: &[(ChangeHash, Act)]) -> Status {
    if latest.is_empty() {
        Status::Draft
    } else if latest.iter().any(|(_, act)| *act == Act::Withdraw) {
        Status::Withdrawn
    } else {
        Status::Submitted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(n: u8) -> ChangeHash {
        ChangeHash([n; 32])
    }

    /// create(1) ← submit(2) ← withdraw(3); a stale submit(4) from an office that saw only 1.
    fn stale_submission() -> ChangeGraph {
        let mut graph = ChangeGraph::default();
        graph.insert(hash(1), vec![], None);
        graph.insert(hash(2), vec![hash(1)], Some(Act::Submit));
        graph.insert(hash(3), vec![hash(2)], Some(Act::Withdraw));
        graph.insert(hash(4), vec![hash(1)], Some(Act::Submit));
        graph
    }

    #[test]
    fn a_withdrawal_is_not_undone_by_a_submission_that_did_not_see_it() {
        let graph = stale_submission();
        assert_eq!(graph.status_at(&[hash(1)]), Status::Draft);
        assert_eq!(graph.status_at(&[hash(2)]), Status::Submitted);
        assert_eq!(graph.status_at(&[hash(3)]), Status::Withdrawn);
        assert_eq!(graph.status_at(&[hash(3), hash(4)]), Status::Withdrawn);
        assert_eq!(graph.status_at(&[hash(4)]), Status::Submitted);
    }

    #[test]
    fn a_submission_that_saw_the_withdrawal_submits_again() {
        let mut graph = stale_submission();
        graph.insert(hash(5), vec![hash(3), hash(4)], Some(Act::Submit));
        assert_eq!(graph.status_at(&[hash(5)]), Status::Submitted);
        assert_eq!(
            graph.latest_acts(&[hash(5)]),
            vec![(hash(5), Act::Submit)],
            "the new submission supersedes every act it saw"
        );
    }

    #[test]
    fn the_status_does_not_depend_on_the_order_heads_are_given() {
        let graph = stale_submission();
        assert_eq!(
            graph.status_at(&[hash(4), hash(3)]),
            graph.status_at(&[hash(3), hash(4)])
        );
    }

    #[test]
    fn changes_are_checked_against_the_status_their_author_saw() {
        assert_eq!(
            check_change(ChangeKind::Edit, Status::Submitted),
            Err(ActError::Frozen)
        );
        assert!(check_change(ChangeKind::Edit, Status::Withdrawn).is_ok());
        assert!(check_change(ChangeKind::Act(Act::Submit), Status::Withdrawn).is_ok());
        assert!(check_change(ChangeKind::Act(Act::Submit), Status::Submitted).is_err());
        assert!(check_change(ChangeKind::Act(Act::Withdraw), Status::Draft).is_err());
        assert!(check_change(ChangeKind::Act(Act::Withdraw), Status::Submitted).is_ok());
    }

    #[test]
    fn acts_are_small_and_never_create_a_record() {
        assert_eq!(
            classify(Some(SUBMIT_MESSAGE), true, 1),
            Ok(ChangeKind::Act(Act::Submit))
        );
        assert_eq!(
            classify(Some(SUBMIT_MESSAGE), true, 50),
            Err(ActError::OversizedAct(50))
        );
        assert_eq!(
            classify(Some(WITHDRAW_MESSAGE), false, 1),
            Err(ActError::ActWithoutRecord)
        );
        assert_eq!(classify(Some("note"), true, 50), Ok(ChangeKind::Edit));
        assert_eq!(classify(None, false, 50), Ok(ChangeKind::Create));
    }
}
