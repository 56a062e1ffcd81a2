//! Tests of the rules: one scenario per rule, and properties showing that verdicts depend only on
//! the set of receipts, never on the order in which a replica received them.

use proptest::prelude::*;

use super::*;
use crate::form::tests::batch;
use crate::identity::NodeKey;
use crate::roster::{KeyRole, Recommender, RecommenderKind};

const CODES: [&str; 4] = [
    "12100000400000624D",
    "12100000400002259P",
    "914403001922038216",
    "91330100716105852F",
];

fn recommender(index: usize) -> RecommenderId {
    format!("r{index}").parse().unwrap()
}

fn key(index: usize, field_office: bool) -> NodeKey {
    NodeKey::for_test(&format!(
        "rules: r{index} {}",
        if field_office { "field" } else { "hq" }
    ))
}

fn roster(recommenders: usize) -> Roster {
    let mut roster = Roster::new(NodeKey::for_test("rules: ministry").id());
    for index in 0..recommenders {
        roster
            .add_recommender(Recommender {
                id: recommender(index),
                name: format!("推荐单位{index}"),
                kind: RecommenderKind::Province,
            })
            .unwrap();
        roster
            .add_key(key(index, false).id(), recommender(index), KeyRole::Hq)
            .unwrap();
        roster
            .add_key(
                key(index, true).id(),
                recommender(index),
                KeyRole::FieldOffice,
            )
            .unwrap();
    }
    roster
}

fn record(n: u8) -> RecordId {
    format!("{n:016x}").parse().unwrap()
}

/// A receipt of a submission of record `n` by recommender `r` (its HQ unless `field_office`).
fn submitted(seq: u64, r: usize, n: u8, code: &str) -> Receipt {
    Receipt {
        seq,
        batch: BatchNumber(6),
        received_at: on_time(seq),
        event: ReceiptEvent::Submitted(Submission {
            recommender: recommender(r),
            record: record(n),
            author: key(r, false).id(),
            author_seq: 1,
            entry: Hash32::of(&[n]),
            credit_code: code.into(),
            institution: format!("单位{n}"),
            field_errors: vec![],
            heads: vec![],
        }),
    }
}

fn withdrawn(seq: u64, r: usize, n: u8) -> Receipt {
    Receipt {
        seq,
        batch: BatchNumber(6),
        received_at: on_time(seq),
        event: ReceiptEvent::Withdrawn {
            recommender: recommender(r),
            record: record(n),
            entry: Hash32::of(&[n, 1]),
            author: Some(key(r, false).id()),
            author_seq: Some(2),
        },
    }
}

fn on_time(seq: u64) -> Timestamp {
    Timestamp(batch().deadline.0 - 1_000_000 + seq as i64)
}

fn after_deadline(mut receipt: Receipt) -> Receipt {
    receipt.received_at = Timestamp(batch().deadline.0 + 1);
    receipt
}

/// The roster of four recommenders, built once: key derivation is slow in debug builds.
fn roster_of_four() -> &'static Roster {
    static ROSTER: std::sync::OnceLock<Roster> = std::sync::OnceLock::new();
    ROSTER.get_or_init(|| roster(4))
}

fn verdicts(receipts: &[Receipt]) -> BTreeMap<RecordId, Verdict> {
    evaluate(&batch(), roster_of_four(), receipts)
        .into_iter()
        .map(|((_, id), v)| (id, v.verdict))
        .collect()
}

#[test]
fn two_recommenders_one_each_are_both_accepted() {
    let v = verdicts(&[submitted(1, 0, 1, CODES[0]), submitted(2, 1, 2, CODES[1])]);
    assert_eq!(v[&record(1)], Verdict::Accepted);
    assert_eq!(v[&record(2)], Verdict::Accepted);
}

#[test]
fn a_second_submission_of_one_recommender_is_rejected_and_kept() {
    let v = verdicts(&[submitted(2, 0, 2, CODES[1]), submitted(1, 0, 1, CODES[0])]);
    assert_eq!(v[&record(1)], Verdict::Accepted);
    assert_eq!(
        v[&record(2)],
        Verdict::QuotaExceeded {
            holders: vec![record(1)]
        }
    );
    assert!(v[&record(2)].reason().contains(&record(1).to_string()));
}

#[test]
fn one_institution_through_two_recommenders_is_a_conflict_for_both() {
    for order in [[1, 2], [2, 1]] {
        let v = verdicts(&[
            submitted(order[0], 0, 1, CODES[0]),
            submitted(order[1], 1, 2, CODES[0]),
        ]);
        let expected = Verdict::Conflict {
            credit_code: CODES[0].into(),
            recommenders: vec![recommender(0), recommender(1)],
        };
        assert_eq!(v[&record(1)], expected);
        assert_eq!(v[&record(2)], expected);
    }
}

#[test]
fn a_conflict_ends_when_all_but_one_withdraw() {
    let v = verdicts(&[
        submitted(1, 0, 1, CODES[0]),
        submitted(2, 1, 2, CODES[0]),
        withdrawn(3, 1, 2),
    ]);
    assert_eq!(v[&record(1)], Verdict::Accepted);
    assert_eq!(v[&record(2)], Verdict::Withdrawn);
}

#[test]
fn a_submission_after_the_deadline_is_late() {
    let v = verdicts(&[after_deadline(submitted(1, 0, 1, CODES[0]))]);
    assert!(matches!(v[&record(1)], Verdict::Late { .. }));
}

#[test]
fn an_invalid_application_is_invalid_with_its_errors() {
    let mut receipt = submitted(1, 0, 1, "12100000400000624E");
    let error = FieldError::new(
        "applicant.credit_code",
        "credit-code-check",
        &[("expected", "D".into()), ("found", "E".into())],
    );
    if let ReceiptEvent::Submitted(s) = &mut receipt.event {
        s.field_errors = vec![error.clone()];
    }
    let v = verdicts(&[receipt, submitted(2, 0, 2, CODES[1])]);
    assert_eq!(
        v[&record(1)],
        Verdict::Invalid {
            errors: vec![error]
        }
    );
    assert_eq!(
        v[&record(2)],
        Verdict::Accepted,
        "an invalid submission does not use the quota"
    );
}

#[test]
fn withdraw_and_resubmit_before_the_deadline() {
    let v = verdicts(&[
        submitted(1, 0, 1, CODES[0]),
        withdrawn(2, 0, 1),
        submitted(3, 0, 2, CODES[1]),
    ]);
    assert_eq!(v[&record(1)], Verdict::Withdrawn);
    assert_eq!(v[&record(2)], Verdict::Accepted);
}

#[test]
fn after_the_deadline_verdicts_are_final() {
    let v = verdicts(&[
        submitted(1, 0, 1, CODES[0]),
        after_deadline(withdrawn(2, 0, 1)),
    ]);
    assert_eq!(v[&record(1)], Verdict::Accepted);
}

#[test]
fn a_revoked_or_foreign_key_is_unauthorised() {
    let mut roster = roster(2);
    roster.revoke(&key(0, false).id(), 0).unwrap();
    let mut foreign = submitted(2, 1, 2, CODES[1]);
    if let ReceiptEvent::Submitted(s) = &mut foreign.event {
        s.author = key(0, true).id(); // recommender 0's field office signing for recommender 1
    }
    let v = evaluate(&batch(), &roster, &[submitted(1, 0, 1, CODES[0]), foreign]);
    assert!(matches!(
        v[&(recommender(0), record(1))].verdict,
        Verdict::Unauthorised { .. }
    ));
    assert!(matches!(
        v[&(recommender(1), record(2))].verdict,
        Verdict::Unauthorised { .. }
    ));
}

#[test]
fn a_field_office_submits_and_withdraws_only_when_the_roster_grants_it() {
    let from_field = |mut receipt: Receipt| {
        match &mut receipt.event {
            ReceiptEvent::Submitted(s) => s.author = key(0, true).id(),
            ReceiptEvent::Withdrawn { author, .. } => *author = Some(key(0, true).id()),
        }
        receipt
    };
    let mut roster = roster(1);
    let v = evaluate(
        &batch(),
        &roster,
        &[from_field(submitted(1, 0, 1, CODES[0]))],
    );
    match &v[&(recommender(0), record(1))].verdict {
        Verdict::Unauthorised { reason } => assert!(reason.contains("field office"), "{reason}"),
        other => panic!("expected unauthorised, got {other:?}"),
    }
    // The field office's withdrawal of the HQ's submission is not counted.
    let receipts = [submitted(1, 0, 1, CODES[0]), from_field(withdrawn(2, 0, 1))];
    let v = evaluate(&batch(), &roster, &receipts);
    assert_eq!(v[&(recommender(0), record(1))].verdict, Verdict::Accepted);

    roster.set_may_submit(&key(0, true).id(), true).unwrap();
    let v = evaluate(&batch(), &roster, &receipts);
    assert_eq!(v[&(recommender(0), record(1))].verdict, Verdict::Withdrawn);
    let v = evaluate(
        &batch(),
        &roster,
        &[from_field(submitted(1, 0, 1, CODES[0]))],
    );
    assert_eq!(v[&(recommender(0), record(1))].verdict, Verdict::Accepted);
}

#[test]
fn records_of_two_recommenders_with_one_id_are_two_records() {
    // Record ids are derived per author, so equal ids mean an attempt to borrow one; even then
    // the rules keep the two apart.
    let v = evaluate(
        &batch(),
        roster_of_four(),
        &[
            submitted(1, 0, 1, CODES[0]),
            submitted(2, 1, 1, CODES[1]),
            withdrawn(3, 1, 1),
        ],
    );
    assert_eq!(v[&(recommender(0), record(1))].verdict, Verdict::Accepted);
    assert_eq!(v[&(recommender(1), record(1))].verdict, Verdict::Withdrawn);
}

#[test]
fn duplicate_receipts_and_other_batches_are_ignored() {
    let mut other_batch = submitted(3, 1, 3, CODES[0]);
    other_batch.batch = BatchNumber(5);
    let first = submitted(1, 0, 1, CODES[0]);
    let v = verdicts(&[first.clone(), first, other_batch]);
    assert_eq!(v.len(), 1);
    assert_eq!(v[&record(1)], Verdict::Accepted);
}

/// A random campaign: receipts for up to 4 recommenders, with repeated institutions, invalid
/// and late submissions, and withdrawals, numbered in arrival order.
fn campaign() -> impl Strategy<Value = Vec<Receipt>> {
    let event = (0usize..4, 0u8..3, 0usize..4, 0u8..10);
    proptest::collection::vec(event, 0..24).prop_map(|events| {
        events
            .into_iter()
            .zip(1u64..)
            .map(|((r, n, code, kind), seq)| (r, n * 4 + r as u8, code, kind, seq))
            .map(|(r, n, code, kind, seq)| match kind {
                0 => withdrawn(seq, r, n),
                1 => after_deadline(submitted(seq, r, n, CODES[code])),
                2 => {
                    let mut receipt = submitted(seq, r, n, CODES[code]);
                    if let ReceiptEvent::Submitted(s) = &mut receipt.event {
                        s.field_errors
                            .push(FieldError::new("plan.targets", "empty", &[]));
                    }
                    receipt
                }
                _ => submitted(seq, r, n, CODES[code]),
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn verdicts_depend_only_on_each_recommenders_own_order(
        receipts in campaign(),
        seed in any::<u64>(),
    ) {
        // `evaluate` sorts receipts by position, so shuffling the slice it is given proves
        // nothing. What the rules promise is stronger: only each recommender's own order of
        // arrival matters (its quota goes to its first eligible submission); how the ministry
        // happened to interleave different recommenders' arrivals changes no verdict, and a
        // receipt delivered twice counts once.
        use rand::{SeedableRng, RngExt};
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut queues: BTreeMap<RecommenderId, std::collections::VecDeque<Receipt>> = BTreeMap::new();
        for receipt in &receipts {
            queues.entry(receipt.record().0.clone()).or_default().push_back(receipt.clone());
        }
        let mut interleaved = Vec::with_capacity(receipts.len());
        while !queues.is_empty() {
            let keys: Vec<RecommenderId> = queues.keys().cloned().collect();
            let pick = keys[rng.random_range(0..keys.len())].clone();
            let queue = queues.get_mut(&pick).unwrap();
            let mut receipt = queue.pop_front().unwrap();
            if queue.is_empty() {
                queues.remove(&pick);
            }
            receipt.seq = interleaved.len() as u64 + 1;
            interleaved.push(receipt);
        }
        let twice: Vec<Receipt> = interleaved.iter().take(3).cloned().collect();
        interleaved.extend(twice);
        prop_assert_eq!(verdicts(&interleaved), verdicts(&receipts));
    }

    #[test]
    fn verdicts_never_break_the_rules(receipts in campaign()) {
        let result = evaluate(&batch(), roster_of_four(), &receipts);
        let accepted: Vec<&RecordVerdict> = result.values().filter(|v| v.verdict == Verdict::Accepted).collect();
        let mut per_recommender = BTreeMap::new();
        let mut per_code: BTreeMap<&str, BTreeSet<&RecommenderId>> = BTreeMap::new();
        for verdict in &accepted {
            *per_recommender.entry(&verdict.recommender).or_insert(0u32) += 1;
            per_code.entry(&verdict.credit_code).or_default().insert(&verdict.recommender);
        }
        prop_assert!(per_recommender.values().all(|n| *n <= batch().quota_per_recommender));
        prop_assert!(per_code.values().all(|recommenders| recommenders.len() == 1));
        // Every record with a submission receipt has a verdict.
        for receipt in &receipts {
            if matches!(receipt.event, ReceiptEvent::Submitted(_)) {
                let (recommender, record) = receipt.record();
                prop_assert!(result.contains_key(&(recommender.clone(), *record)));
            }
        }
    }

    #[test]
    fn a_later_arrival_never_takes_the_quota_from_an_accepted_record(receipts in campaign()) {
        for cut in 0..receipts.len() {
            let before = verdicts(&receipts[..cut]);
            let after = verdicts(&receipts);
            for (id, verdict) in &before {
                // Only the recommender's own withdrawal may give up a held quota.
                let withdrawn_later = receipts[cut..]
                    .iter()
                    .any(|r| matches!(&r.event, ReceiptEvent::Withdrawn { record, .. } if record == id));
                if *verdict == Verdict::Accepted && !withdrawn_later {
                    prop_assert!(
                        !matches!(after[id], Verdict::QuotaExceeded { .. }),
                        "record {} was accepted, then displaced", id
                    );
                }
            }
        }
    }

    #[test]
    fn conflicts_do_not_depend_on_arrival_order(
        codes in proptest::collection::vec(0usize..3, 4),
        seed in any::<u64>(),
    ) {
        use rand::{SeedableRng, seq::SliceRandom};
        // One submission per recommender: only the institutions decide, not who came first.
        let receipts: Vec<Receipt> =
            codes.iter().enumerate().map(|(r, code)| submitted(r as u64 + 1, r, r as u8, CODES[*code])).collect();
        let mut seqs: Vec<u64> = (1..=receipts.len() as u64).collect();
        seqs.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        let reordered: Vec<Receipt> =
            receipts.iter().zip(seqs).map(|(receipt, seq)| Receipt { seq, ..receipt.clone() }).collect();
        prop_assert_eq!(verdicts(&reordered), verdicts(&receipts));
    }
}

#[test]
fn a_withdrawn_record_resubmitted_after_the_deadline_stays_withdrawn() {
    // A submission that saw the withdrawal submits the record again; after the deadline that
    // must change nothing.
    let v = verdicts(&[
        submitted(1, 0, 1, CODES[0]),
        withdrawn(2, 0, 1),
        after_deadline(submitted(3, 0, 1, CODES[0])),
    ]);
    assert_eq!(v[&record(1)], Verdict::Withdrawn);
}
