//! The checks every entry from another node passes before it is stored, merged or forwarded:
//! size cap and decoding, signature (`verify_strict`) and actor, authors refused for
//! equivocation, roster authorisation for the document and feed position, and the feed's hash
//! chain. The caller supplies what it holds of that feed; this module only decides.
//!
//! Applying the change to the document (under `catch_unwind`) is the last check and the
//! caller's, because it needs the document.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::acts::{ChangeKind, classify};
use crate::feed::{FeedHead, MAX_CHANGE_BYTES, SignedEntry};
use crate::identity::{Hash32, NodeId};
use crate::ids::{DocId, RecordId};
use crate::roster::Roster;

/// Largest encoded entry accepted from elsewhere.
pub const MAX_ENTRY_BYTES: usize = MAX_CHANGE_BYTES + 4096;

/// Why an entry was refused. Each kind is counted separately in metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    Oversized,
    Malformed,
    BadSignature,
    WrongActor,
    BadChange,
    RefusedAuthor,
    Unauthorised,
    Revoked,
    BrokenChain,
    Equivocation,
    ApplyFailed,
    /// A record document whose creating change was not signed by the entry its id derives from:
    /// an attempt to borrow another record's identity.
    BorrowedIdentity,
    /// A change to an application made by an author who saw it submitted.
    Frozen,
    /// A submission or withdrawal that is malformed or does not follow from the status its
    /// author saw.
    BadAct,
}

impl RefusalKind {
    pub fn key(self) -> &'static str {
        match self {
            RefusalKind::Oversized => "oversized",
            RefusalKind::Malformed => "malformed",
            RefusalKind::BadSignature => "bad_signature",
            RefusalKind::WrongActor => "wrong_actor",
            RefusalKind::BadChange => "bad_change",
            RefusalKind::RefusedAuthor => "refused_author",
            RefusalKind::Unauthorised => "unauthorised",
            RefusalKind::Revoked => "revoked",
            RefusalKind::BrokenChain => "broken_chain",
            RefusalKind::Equivocation => "equivocation",
            RefusalKind::ApplyFailed => "apply_failed",
            RefusalKind::BorrowedIdentity => "borrowed_identity",
            RefusalKind::Frozen => "frozen",
            RefusalKind::BadAct => "bad_act",
        }
    }

    /// Every kind, in the order metrics list them.
    pub const ALL: [RefusalKind; 14] = [
        RefusalKind::Oversized,
        RefusalKind::Malformed,
        RefusalKind::BadSignature,
        RefusalKind::WrongActor,
        RefusalKind::BadChange,
        RefusalKind::RefusedAuthor,
        RefusalKind::Unauthorised,
        RefusalKind::Revoked,
        RefusalKind::BrokenChain,
        RefusalKind::Equivocation,
        RefusalKind::ApplyFailed,
        RefusalKind::BorrowedIdentity,
        RefusalKind::Frozen,
        RefusalKind::BadAct,
    ];
}

/// A refused entry, as kept in quarantine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub kind: RefusalKind,
    pub reason: String,
}

/// What a node holds of the feed an entry claims to extend.
#[derive(Debug, Clone, Default)]
pub struct FeedState {
    pub head: Option<FeedHead>,
    /// The id of the entry held at the entry's position, if the node holds one there.
    pub held_at_seq: Option<Hash32>,
    /// The id of the entry held just before the entry's position, if any.
    pub held_before: Option<Hash32>,
}

/// The decision on one entry.
#[derive(Debug)]
pub enum Outcome {
    /// Verified and next in its feed: apply the change and store.
    Accept(Box<(SignedEntry, automerge::Change)>),
    /// Already held: nothing to do.
    Duplicate,
    /// Valid so far but ahead of what is held: not wrong, just early; fetch the gap.
    Early { head: u64, seq: u64 },
    /// Refused: quarantine it with the reason.
    Refuse(Refusal),
    /// A second, different entry for a position already held: keep both as evidence and refuse
    /// the author from now on.
    Equivocation(SignedEntry, Refusal),
}

fn refuse(kind: RefusalKind, reason: impl Into<String>) -> Outcome {
    Outcome::Refuse(Refusal {
        kind,
        reason: reason.into(),
    })
}

/// Decodes an entry's bytes, or says why not. The author is returned when it could be read, so
/// the caller can look up the feed state before calling [`check`].
pub fn decode(bytes: &[u8]) -> Result<SignedEntry, Refusal> {
    if bytes.len() > MAX_ENTRY_BYTES {
        return Err(Refusal {
            kind: RefusalKind::Oversized,
            reason: format!("entry of {} bytes exceeds {MAX_ENTRY_BYTES}", bytes.len()),
        });
    }
    SignedEntry::decode(bytes).map_err(|e| Refusal {
        kind: match e {
            crate::feed::EntryError::TooLarge { .. } => RefusalKind::Oversized,
            _ => RefusalKind::Malformed,
        },
        reason: e.to_string(),
    })
}

/// Verifies an entry's signature (`verify_strict`) and that its change parses and is by its
/// author: the costly part of the checks, and the part that needs nothing a node holds.
pub fn verify(signed: &SignedEntry) -> Result<automerge::Change, Refusal> {
    signed.verify().map_err(|error| {
        let kind = match error {
            crate::feed::EntryError::BadSignature(_) => RefusalKind::BadSignature,
            crate::feed::EntryError::WrongActor { .. } => RefusalKind::WrongActor,
            crate::feed::EntryError::BadChange(_) => RefusalKind::BadChange,
            crate::feed::EntryError::TooLarge { .. } => RefusalKind::Oversized,
            _ => RefusalKind::Malformed,
        };
        Refusal {
            kind,
            reason: error.to_string(),
        }
    })
}

/// An entry from elsewhere on its way to [`check`]: its bytes, and, when prepared ahead (off
/// the node's lock, possibly on another core), its decoding and [`verify`]'s answer. Checking a
/// prepared entry gives exactly the answer checking its bytes would.
#[derive(Debug)]
pub struct Prepared {
    pub bytes: Vec<u8>,
    ready: Option<(SignedEntry, Verified)>,
}

/// What is known ahead of an entry's verification when it is checked.
#[derive(Debug)]
pub enum Verified {
    /// [`verify`]'s answer, computed ahead (boxed: the other variant is empty).
    Answer(Box<Result<automerge::Change, Refusal>>),
    /// These very bytes passed [`verify`] just before, in another message (the same entries
    /// pushed by a peer while this node fetched them from it). [`verify`] depends on the bytes
    /// alone, so they pass again; the check skips it for an entry it finds already held, and
    /// otherwise verifies, for the change it needs.
    SameBytesPassed,
}

impl Prepared {
    /// Bytes to be decoded and verified when checked.
    pub fn later(bytes: Vec<u8>) -> Self {
        Self { bytes, ready: None }
    }

    /// Decodes and verifies now. Bytes that do not decode are left for the check to refuse.
    pub fn now(bytes: Vec<u8>) -> Self {
        let ready = decode(&bytes).ok().map(|signed| {
            let verified = verify(&signed);
            (signed, Verified::Answer(Box::new(verified)))
        });
        Self { bytes, ready }
    }

    /// Decodes now; these very bytes passed [`verify`] before (see [`Verified::SameBytesPassed`]).
    pub fn passed_before(bytes: Vec<u8>) -> Self {
        let ready = decode(&bytes)
            .ok()
            .map(|signed| (signed, Verified::SameBytesPassed));
        Self { bytes, ready }
    }

    /// The decoded entry and, if prepared, what is known of its verification, taken out (a
    /// second call decodes again and leaves verification to [`check_prepared`]).
    pub fn take(&mut self) -> Result<(SignedEntry, Option<Verified>), Refusal> {
        match self.ready.take() {
            Some((signed, verified)) => Ok((signed, Some(verified))),
            None => decode(&self.bytes).map(|signed| (signed, None)),
        }
    }

    /// Whether the entry was verified ahead and passed.
    pub fn passed(&self) -> bool {
        matches!(&self.ready, Some((_, Verified::Answer(answer))) if answer.is_ok())
    }

    /// The decoded entry and its change, when prepared ahead and verified.
    pub fn verified(&self) -> Option<(&SignedEntry, &automerge::Change)> {
        match &self.ready {
            Some((signed, Verified::Answer(answer))) => match answer.as_ref() {
                Ok(change) => Some((signed, change)),
                Err(_) => None,
            },
            _ => None,
        }
    }
}

/// A record document built ahead, off the node's lock, from a message that creates it: the
/// new document with every change of the message applied in one batch, in the message's
/// order. Intake takes it instead of applying those changes again only when, under the lock,
/// it would apply exactly these changes, in this order, to the same new document (see
/// [`Ahead::matches`]); applying one list of changes to one empty document always gives the
/// same document, so the result is the same either way, and only the work moves off the lock.
#[derive(Debug)]
pub struct Ahead {
    pub doc: DocId,
    pub changes: Vec<automerge::ChangeHash>,
    pub built: crate::record::RecordDoc,
}

impl Ahead {
    /// Builds ahead the record document a message creates, for a node whose Automerge actor is
    /// `actor`: when every entry was verified ahead, all of them change one record document,
    /// the first change starts it (no dependencies), and `wanted` says yes to the document
    /// (the caller's chance to skip one it built already: the same entries, pushed by a peer
    /// and fetched from it at once, would be built twice). Otherwise, or if Automerge refuses
    /// the changes, nothing is built and intake applies them as usual.
    pub fn build(
        prepared: &[Prepared],
        actor: &NodeId,
        wanted: impl FnOnce(&DocId) -> bool,
    ) -> Option<Self> {
        let (first, first_change) = prepared.first()?.verified()?;
        let doc = first.entry.doc.clone();
        if !matches!(doc, DocId::Record { .. }) || !first_change.deps().is_empty() {
            return None;
        }
        let mut changes = Vec::with_capacity(prepared.len());
        for incoming in prepared {
            let (signed, change) = incoming.verified()?;
            if signed.entry.doc != doc {
                return None;
            }
            changes.push(change.clone());
        }
        if !wanted(&doc) {
            return None;
        }
        let hashes = changes.iter().map(automerge::Change::hash).collect();
        let mut built = crate::record::RecordDoc::empty(actor);
        built.apply(changes).ok()?;
        Some(Self {
            doc,
            changes: hashes,
            built,
        })
    }

    /// Whether applying `queued` to the new document is the work this did ahead.
    pub fn matches(&self, queued: &[automerge::Change]) -> bool {
        queued.len() == self.changes.len()
            && queued
                .iter()
                .zip(&self.changes)
                .all(|(c, h)| c.hash() == *h)
    }
}

/// One message's entries on their way to intake, with the record it creates built ahead when
/// it creates one (see [`Ahead`]).
#[derive(Debug)]
pub struct PreparedMessage {
    pub entries: Vec<Prepared>,
    pub ahead: Option<Ahead>,
}

impl PreparedMessage {
    /// Entries to be decoded, verified and applied when taken in, nothing done ahead.
    pub fn later(entries: Vec<Vec<u8>>) -> Self {
        Self {
            entries: entries.into_iter().map(Prepared::later).collect(),
            ahead: None,
        }
    }
}

/// Decides on a decoded entry from elsewhere.
pub fn check(
    signed: SignedEntry,
    roster: &Roster,
    refused_authors: &BTreeSet<NodeId>,
    feed: &FeedState,
) -> Outcome {
    check_prepared(signed, None, roster, refused_authors, feed)
}

/// [`check`], with what is known ahead of `signed`'s verification; the answer is the one
/// [`check`] gives.
pub fn check_prepared(
    signed: SignedEntry,
    verified: Option<Verified>,
    roster: &Roster,
    refused_authors: &BTreeSet<NodeId>,
    feed: &FeedState,
) -> Outcome {
    let entry = &signed.entry;
    if refused_authors.contains(&entry.author) {
        return refuse(
            RefusalKind::RefusedAuthor,
            format!("author {} equivocated and is refused", entry.author.short()),
        );
    }
    // `None`: the bytes passed before and the entry is held, so it is a duplicate (unless the
    // roster refuses its author now) and its change is not needed.
    let change = match verified {
        Some(Verified::SameBytesPassed) if feed.held_at_seq == Some(signed.id()) => None,
        Some(Verified::Answer(answer)) => Some(*answer),
        _ => Some(verify(&signed)),
    };
    let change = match change.transpose() {
        Ok(change) => change,
        Err(refusal) => return Outcome::Refuse(refusal),
    };
    if let Err(error) = roster.may_write(&entry.author, &entry.doc, entry.seq) {
        let kind = match error {
            crate::roster::AuthError::Revoked { .. } => RefusalKind::Revoked,
            _ => RefusalKind::Unauthorised,
        };
        return refuse(kind, error.to_string());
    }
    let id = signed.id();
    if let Some(held) = feed.held_at_seq {
        if held == id {
            return Outcome::Duplicate;
        }
        let reason = format!(
            "author {} signed two different entries for position {} of {}",
            entry.author.short(),
            entry.seq,
            entry.topic
        );
        return Outcome::Equivocation(
            signed,
            Refusal {
                kind: RefusalKind::Equivocation,
                reason,
            },
        );
    }
    let head_seq = feed.head.map_or(0, |h| h.seq);
    if entry.seq > head_seq.saturating_add(1) {
        return Outcome::Early {
            head: head_seq,
            seq: entry.seq,
        };
    }
    if entry.prev != feed.held_before {
        return refuse(
            RefusalKind::BrokenChain,
            format!(
                "entry {} of {} does not follow the entry held before it",
                entry.seq, entry.topic
            ),
        );
    }
    // Reached only when the entry is not held, so its change was verified above.
    let change = match change.map_or_else(|| verify(&signed), Ok) {
        Ok(change) => change,
        Err(refusal) => return Outcome::Refuse(refusal),
    };
    if let Err(refusal) = check_record_change(&signed, &change) {
        return Outcome::Refuse(refusal);
    }
    Outcome::Accept(Box::new((signed, change)))
}

/// The checks on a record document's change that need neither the document nor the feed:
/// a change without dependencies creates the record, so its entry must be the one the record's
/// id derives from (nobody can create a document under another record's id), and an act must be
/// small and follow a creation.
fn check_record_change(signed: &SignedEntry, change: &automerge::Change) -> Result<(), Refusal> {
    let entry = &signed.entry;
    let DocId::Record { record, .. } = &entry.doc else {
        return Ok(());
    };
    let kind =
        classify(change.message(), !change.deps().is_empty(), change.len()).map_err(|error| {
            Refusal {
                kind: RefusalKind::BadAct,
                reason: error.to_string(),
            }
        })?;
    if kind == ChangeKind::Create
        && RecordId::derive(&entry.author, &entry.topic, entry.seq) != *record
    {
        return Err(Refusal {
            kind: RefusalKind::BorrowedIdentity,
            reason: format!(
                "{} is not the record created by entry {} of {}'s feed on {}",
                entry.doc,
                entry.seq,
                entry.author.short(),
                entry.topic
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::BatchNumber;
    use crate::feed::Entry;
    use crate::form::Application;
    use crate::identity::NodeKey;
    use crate::ids::{DocId, RecordId, Topic};
    use crate::record::RecordDoc;
    use crate::roster::{KeyRole, Recommender, RecommenderKind};
    use crate::timestamp::Timestamp;

    struct World {
        roster: Roster,
        hq: NodeKey,
        entries: Vec<SignedEntry>,
    }

    fn world() -> World {
        let ministry = NodeKey::for_test("ingest: ministry");
        let hq = NodeKey::for_test("ingest: hq");
        let mut roster = Roster::new(ministry.id());
        roster
            .add_recommender(Recommender {
                id: "shanghai".parse().unwrap(),
                name: "上海".into(),
                kind: RecommenderKind::Province,
            })
            .unwrap();
        roster
            .add_key(hq.id(), "shanghai".parse().unwrap(), KeyRole::Hq)
            .unwrap();
        let topic = Topic::Recommender("shanghai".parse().unwrap());
        let doc = DocId::Record {
            batch: BatchNumber(6),
            recommender: "shanghai".parse().unwrap(),
            record: RecordId::derive(&hq.id(), &topic, 1),
        };
        let mut application = Application {
            batch: 6,
            ..Application::default()
        };
        let (mut record, first) = RecordDoc::create(
            &hq.id(),
            BatchNumber(6),
            &"shanghai".parse().unwrap(),
            &application,
            Timestamp(0),
        )
        .unwrap();
        application.applicant.name = "单位".into();
        let second = record.update(&application, Timestamp(1)).unwrap().unwrap();
        let one = Entry {
            author: hq.id(),
            topic: topic.clone(),
            seq: 1,
            prev: None,
            doc: doc.clone(),
            change: first.raw_bytes().to_vec(),
        }
        .sign(&hq);
        let two = Entry {
            author: hq.id(),
            topic,
            seq: 2,
            prev: Some(one.id()),
            doc,
            change: second.raw_bytes().to_vec(),
        }
        .sign(&hq);
        World {
            roster,
            hq,
            entries: vec![one, two],
        }
    }

    fn prepared(entries: &[SignedEntry]) -> Vec<Prepared> {
        entries.iter().map(|e| Prepared::now(e.encode())).collect()
    }

    #[test]
    fn a_message_that_creates_a_record_is_built_ahead_as_intake_would_build_it() {
        let world = world();
        let reader = NodeKey::for_test("ingest: reader").id();
        let ahead =
            Ahead::build(&prepared(&world.entries), &reader, |_| true).expect("built ahead");
        assert_eq!(ahead.doc, world.entries[0].entry.doc);
        // What intake does without it: the verified changes applied in one batch to a new
        // document of the same actor.
        let changes: Vec<automerge::Change> =
            world.entries.iter().map(|e| verify(e).unwrap()).collect();
        assert!(ahead.matches(&changes));
        assert!(
            !ahead.matches(&changes[..1]),
            "a shorter queue is other work"
        );
        let mut reversed = changes.clone();
        reversed.reverse();
        assert!(!ahead.matches(&reversed), "so is another order");
        let mut usual = RecordDoc::empty(&reader);
        usual.apply(changes).unwrap();
        let mut built = ahead.built;
        assert_eq!(built.heads(), usual.heads());
        assert_eq!(
            built.save(),
            usual.save(),
            "the same document, byte for byte"
        );
    }

    #[test]
    fn only_a_whole_verified_message_that_starts_one_record_is_built_ahead() {
        let world = world();
        let reader = NodeKey::for_test("ingest: reader").id();
        assert!(
            Ahead::build(&prepared(&world.entries[1..]), &reader, |_| true).is_none(),
            "a message that continues a record needs the record"
        );
        let mut bad = world.entries.clone();
        bad[1].signature[0] ^= 1;
        assert!(
            Ahead::build(&prepared(&bad), &reader, |_| true).is_none(),
            "an entry that fails its checks"
        );
        let mut elsewhere = world.entries.clone();
        elsewhere[1].entry.doc = DocId::Decisions("shanghai".parse().unwrap());
        elsewhere[1] = elsewhere[1].entry.clone().sign(&world.hq);
        assert!(
            Ahead::build(&prepared(&elsewhere), &reader, |_| true).is_none(),
            "entries of two documents"
        );
        let later: Vec<Prepared> = world
            .entries
            .iter()
            .map(|e| Prepared::later(e.encode()))
            .collect();
        assert!(
            Ahead::build(&later, &reader, |_| true).is_none(),
            "entries not verified ahead"
        );
        assert!(Ahead::build(&[], &reader, |_| true).is_none());
        assert!(
            Ahead::build(&prepared(&world.entries), &reader, |_| false).is_none(),
            "a document the caller does not want"
        );
    }

    fn state(held: &[&SignedEntry], seq: u64) -> FeedState {
        FeedState {
            head: held.last().map(|e| FeedHead {
                seq: e.entry.seq,
                id: e.id(),
            }),
            held_at_seq: held.iter().find(|e| e.entry.seq == seq).map(|e| e.id()),
            held_before: held.iter().find(|e| e.entry.seq + 1 == seq).map(|e| e.id()),
        }
    }

    #[test]
    fn a_record_created_under_an_id_its_entry_does_not_derive_is_refused() {
        let w = world();
        let none = BTreeSet::new();
        let one = &w.entries[0];
        // The same creating change, filed under another record's id (a predictable one).
        let mut borrowed = one.entry.clone();
        borrowed.doc = DocId::Record {
            batch: BatchNumber(6),
            recommender: "shanghai".parse().unwrap(),
            record: RecordId::from_u64(7),
        };
        let borrowed = borrowed.sign(&w.hq);
        assert!(matches!(
            check(borrowed, &w.roster, &none, &state(&[], 1)),
            Outcome::Refuse(Refusal {
                kind: RefusalKind::BorrowedIdentity,
                ..
            })
        ));
    }

    #[test]
    fn each_kind_of_entry_gets_its_outcome() {
        let w = world();
        let none = BTreeSet::new();
        let [one, two] = [&w.entries[0], &w.entries[1]];
        assert!(matches!(
            check(one.clone(), &w.roster, &none, &state(&[], 1)),
            Outcome::Accept(..)
        ));
        assert!(matches!(
            check(one.clone(), &w.roster, &none, &state(&[one], 1)),
            Outcome::Duplicate
        ));
        assert!(matches!(
            check(two.clone(), &w.roster, &none, &state(&[], 2)),
            Outcome::Early { head: 0, seq: 2 }
        ));
        assert!(matches!(
            check(two.clone(), &w.roster, &none, &state(&[one], 2)),
            Outcome::Accept(..)
        ));

        let mut fork = two.entry.clone();
        fork.change = one.entry.change.clone();
        let fork = fork.sign(&w.hq);
        assert!(matches!(
            check(fork, &w.roster, &none, &state(&[one, two], 2)),
            Outcome::Equivocation(..)
        ));

        let mut relinked = two.entry.clone();
        relinked.prev = Some(Hash32::of(b"elsewhere"));
        let relinked = relinked.sign(&w.hq);
        assert!(matches!(
            check(relinked, &w.roster, &none, &state(&[one], 2)),
            Outcome::Refuse(Refusal {
                kind: RefusalKind::BrokenChain,
                ..
            })
        ));

        let refused: BTreeSet<NodeId> = [w.hq.id()].into();
        assert!(matches!(
            check(one.clone(), &w.roster, &refused, &state(&[], 1)),
            Outcome::Refuse(Refusal {
                kind: RefusalKind::RefusedAuthor,
                ..
            })
        ));

        let mut revoked = w.roster.clone();
        revoked.revoke(&w.hq.id(), 1).unwrap();
        assert!(matches!(
            check(two.clone(), &revoked, &none, &state(&[one], 2)),
            Outcome::Refuse(Refusal {
                kind: RefusalKind::Revoked,
                ..
            })
        ));

        let stranger = NodeKey::for_test("ingest: stranger");
        let mut foreign = one.entry.clone();
        foreign.author = stranger.id();
        let foreign = foreign.sign(&stranger);
        assert!(matches!(
            check(foreign, &w.roster, &none, &state(&[], 1)),
            Outcome::Refuse(Refusal {
                kind: RefusalKind::WrongActor,
                ..
            })
        ));

        let mut forged = one.clone();
        forged.signature[3] ^= 1;
        assert!(matches!(
            check(forged, &w.roster, &none, &state(&[], 1)),
            Outcome::Refuse(Refusal {
                kind: RefusalKind::BadSignature,
                ..
            })
        ));
    }

    fn outcome_name(outcome: &Outcome) -> String {
        match outcome {
            Outcome::Accept(_) => "accept".into(),
            Outcome::Duplicate => "duplicate".into(),
            Outcome::Early { head, seq } => format!("early {head} {seq}"),
            Outcome::Refuse(refusal) => refusal.kind.key().into(),
            Outcome::Equivocation(..) => "equivocation".into(),
        }
    }

    #[test]
    fn a_prepared_entry_gets_the_answer_its_bytes_get() {
        let w = world();
        let none = BTreeSet::new();
        let one = &w.entries[0];
        let mut forged = one.clone();
        forged.signature[3] ^= 1;
        let cases = [
            (one.encode(), state(&[], 1)),
            (one.encode(), state(&[one], 1)),
            (forged.encode(), state(&[], 1)),
            (w.entries[1].encode(), state(&[], 2)),
            (b"garbage".to_vec(), state(&[], 1)),
        ];
        for (bytes, feed) in cases {
            let answer = |mut prepared: Prepared| match prepared.take() {
                Ok((signed, verified)) => {
                    outcome_name(&check_prepared(signed, verified, &w.roster, &none, &feed))
                }
                Err(refusal) => refusal.kind.key().to_string(),
            };
            let ahead = answer(Prepared::now(bytes.clone()));
            assert_eq!(ahead, answer(Prepared::later(bytes.clone())));
            assert_ne!(ahead, "");
            if Prepared::now(bytes.clone()).passed() {
                assert_eq!(ahead, answer(Prepared::passed_before(bytes)));
            }
        }
    }

    #[test]
    fn undecodable_and_oversized_bytes_are_refused() {
        assert_eq!(decode(b"garbage").unwrap_err().kind, RefusalKind::Malformed);
        assert_eq!(
            decode(&vec![0u8; MAX_ENTRY_BYTES + 1]).unwrap_err().kind,
            RefusalKind::Oversized
        );
    }
}
