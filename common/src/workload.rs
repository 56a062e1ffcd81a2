//! Synthetic inputs for the benchmarks (`fedrec bench` and the criterion benches): a country's
//! roster and receipts, built deterministically so runs compare like with like.

use crate::batch::Batch;
use crate::identity::{Hash32, NodeKey};
use crate::ids::{RecommenderId, RecordId};
use crate::roster::{KeyRole, Recommender, RecommenderKind, Roster};
use crate::rules::{Receipt, ReceiptEvent, Submission};
use crate::timestamp::Timestamp;

/// A roster of `recommenders` offices (HQ keys only) and the receipts of a realistic campaign:
/// every recommender submits once; one in ten submits a second record (over quota); one in
/// twenty recommends an institution another also recommends (conflict); one in fifty withdraws;
/// one in a hundred arrives after the deadline. Receipts are in arrival order.
pub fn country_receipts(
    batch: &Batch,
    recommenders: usize,
) -> Result<(Roster, Vec<Receipt>), String> {
    let ministry = NodeKey::from_seed([0xAA; 32]);
    let mut roster = Roster::new(ministry.id());
    let mut keys = Vec::with_capacity(recommenders);
    for index in 0..recommenders {
        let id: RecommenderId = format!("r{index:04}")
            .parse()
            .map_err(|e| format!("recommender id: {e}"))?;
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&(index as u64).to_be_bytes());
        seed[31] = 1;
        let key = NodeKey::from_seed(seed);
        roster
            .add_recommender(Recommender {
                id: id.clone(),
                name: format!("推荐单位{index}"),
                kind: RecommenderKind::Province,
            })
            .map_err(|e| e.to_string())?;
        roster
            .add_key(key.id(), id.clone(), KeyRole::Hq)
            .map_err(|e| e.to_string())?;
        keys.push((id, key.id()));
    }
    let mut receipts = Vec::new();
    let mut next = |event: ReceiptEvent, late: bool| {
        let seq = receipts.len() as u64 + 1;
        let received_at = if late {
            Timestamp(batch.deadline.0 + seq as i64)
        } else {
            Timestamp(batch.deadline.0 - 10_000_000 + seq as i64)
        };
        receipts.push(Receipt {
            seq,
            batch: batch.number,
            received_at,
            event,
        });
    };
    let submission = |index: usize, record: u64, code: usize| {
        let (recommender, author) = &keys[index];
        ReceiptEvent::Submitted(Submission {
            recommender: recommender.clone(),
            record: RecordId::from_u64(record),
            author: *author,
            author_seq: 1,
            entry: Hash32::of(&record.to_be_bytes()),
            credit_code: format!("CODE{code:06}"),
            institution: format!("单位{code}"),
            field_errors: Vec::new(),
            heads: Vec::new(),
        })
    };
    for (index, (recommender, _)) in keys.iter().enumerate() {
        let record = index as u64 * 10;
        // One in twenty recommends the institution of the recommender before it.
        let code = if index % 20 == 19 { index - 1 } else { index };
        next(submission(index, record, code), index % 100 == 99);
        if index % 10 == 3 {
            next(submission(index, record + 1, index + 100_000), false);
        }
        if index % 50 == 7 {
            next(
                ReceiptEvent::Withdrawn {
                    recommender: recommender.clone(),
                    record: RecordId::from_u64(record),
                    entry: Hash32::of(&[index as u8, 1]),
                    author: Some(keys[index].1),
                    author_seq: Some(2),
                },
                false,
            );
        }
    }
    Ok((roster, receipts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Verdict, evaluate};

    #[test]
    fn the_country_workload_gives_every_common_verdict() {
        let batch = crate::form::tests::batch();
        let (roster, receipts) = country_receipts(&batch, 300).unwrap();
        let verdicts = evaluate(&batch, &roster, &receipts);
        let count =
            |wanted: fn(&Verdict) -> bool| verdicts.values().filter(|v| wanted(&v.verdict)).count();
        assert!(count(|v| matches!(v, Verdict::Accepted)) > 200);
        assert!(count(|v| matches!(v, Verdict::QuotaExceeded { .. })) >= 25);
        assert!(count(|v| matches!(v, Verdict::Conflict { .. })) >= 20);
        assert!(count(|v| matches!(v, Verdict::Withdrawn)) >= 5);
        assert!(count(|v| matches!(v, Verdict::Late { .. })) >= 3);
    }
}
