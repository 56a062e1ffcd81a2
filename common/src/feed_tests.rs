//! Tests of signed entries and feeds: tampering, wrong actors, broken chains, equivocation and
//! batch verification agreeing with single verification.

use proptest::prelude::*;

use super::*;
use crate::timestamp::Timestamp;

const NOW: Timestamp = Timestamp(1_456_790_400_000);
use crate::batch::BatchNumber;
use crate::form::Application;
use crate::identity::NodeKey;
use crate::ids::{RecommenderId, RecordId};
use crate::record::RecordDoc;

fn shanghai() -> RecommenderId {
    "shanghai".parse().unwrap()
}

fn record_doc(author: &NodeKey) -> DocId {
    let topic = Topic::Recommender(shanghai());
    DocId::Record {
        batch: BatchNumber(6),
        recommender: shanghai(),
        record: RecordId::derive(&author.id(), &topic, 1),
    }
}

fn small_application() -> Application {
    let mut application = Application {
        batch: 6,
        ..Application::default()
    };
    application.applicant.name = "测试单位".into();
    application
}

/// A feed of `n` signed entries by `key`: a record's creation followed by edits.
fn feed_of(key: &NodeKey, n: u64) -> Vec<SignedEntry> {
    let (mut doc, first) = RecordDoc::create(
        &key.id(),
        BatchNumber(6),
        &shanghai(),
        &small_application(),
        NOW,
    )
    .unwrap();
    let mut changes = vec![first];
    for i in 1..n {
        let mut application = doc.application().unwrap();
        application.applicant.overview = format!("第{i}次修改");
        changes.push(doc.update(&application, NOW).unwrap().unwrap());
    }
    let mut prev = None;
    changes
        .into_iter()
        .zip(1..)
        .map(|(change, seq)| {
            let signed = Entry {
                author: key.id(),
                topic: Topic::Recommender(shanghai()),
                seq,
                prev,
                doc: record_doc(key),
                change: change.raw_bytes().to_vec(),
            }
            .sign(key);
            prev = Some(signed.id());
            signed
        })
        .collect()
}

#[test]
fn an_honest_entry_round_trips_and_verifies() {
    let key = NodeKey::for_test("an_honest_entry_round_trips_and_verifies");
    for signed in feed_of(&key, 3) {
        let decoded = SignedEntry::decode(&signed.encode()).unwrap();
        assert_eq!(decoded, signed);
        let change = decoded.verify().unwrap();
        assert_eq!(change.actor_id(), &key.id().actor_id());
    }
}

#[test]
fn peeking_reads_the_topic_that_decoding_reads_and_nothing_from_garbage() {
    let key = NodeKey::for_test("peeking_reads_the_topic_that_decoding_reads");
    for signed in feed_of(&key, 2) {
        let bytes = signed.encode();
        assert_eq!(
            SignedEntry::peek_topic(&bytes),
            Some(SignedEntry::decode(&bytes).unwrap().entry.topic)
        );
        assert_eq!(
            SignedEntry::peek_topic(&bytes[..ENTRY_TAG.len() + 33]),
            None
        );
    }
    assert_eq!(SignedEntry::peek_topic(b"not an entry"), None);
    assert_eq!(SignedEntry::peek_topic(&[]), None);
}

#[test]
fn tampering_with_any_byte_is_detected() {
    let key = NodeKey::for_test("tampering_with_any_byte_is_detected");
    let signed = &feed_of(&key, 2)[1];
    let bytes = signed.encode();
    for index in 0..bytes.len() {
        for flip in [0x01u8, 0x80] {
            let mut tampered = bytes.clone();
            tampered[index] ^= flip;
            let verdict =
                SignedEntry::decode(&tampered).and_then(|entry| entry.verify().map(|_| entry));
            assert!(
                verdict.is_err(),
                "flipping bit {flip:#x} of byte {index} went unnoticed"
            );
        }
    }
    // Dropping or adding a byte is caught too.
    assert!(SignedEntry::decode(&bytes[..bytes.len() - 1]).is_err());
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        SignedEntry::decode(&longer),
        Err(EntryError::TrailingBytes(1))
    );
}

#[test]
fn a_change_by_another_actor_is_refused() {
    let author = NodeKey::for_test("wrong actor: author");
    let other = NodeKey::for_test("wrong actor: other");
    // `other` made the change, `author` signs it as its own.
    let borrowed = feed_of(&other, 1)[0].entry.change.clone();
    let signed = Entry {
        author: author.id(),
        topic: Topic::Recommender(shanghai()),
        seq: 1,
        prev: None,
        doc: record_doc(&author),
        change: borrowed,
    }
    .sign(&author);
    assert!(matches!(
        signed.verify(),
        Err(EntryError::WrongActor { .. })
    ));
    assert!(matches!(
        verify_many(&[signed])[0],
        Err(EntryError::WrongActor { .. })
    ));
}

#[test]
fn a_forged_signature_is_refused() {
    let key = NodeKey::for_test("a_forged_signature_is_refused");
    let forger = NodeKey::for_test("forger");
    let mut signed = feed_of(&key, 1).remove(0);
    signed.signature = forger
        .sign(&signed.entry.signing_bytes())
        .to_bytes()
        .to_vec();
    assert!(matches!(signed.verify(), Err(EntryError::BadSignature(_))));
}

#[test]
fn garbage_and_lies_fail_cleanly() {
    assert_eq!(
        SignedEntry::decode(b""),
        Err(EntryError::Truncated {
            field: "tag",
            needed: ENTRY_TAG.len()
        })
    );
    assert_eq!(
        SignedEntry::decode(b"HTTP/1.1 200 OK\r\n\r\n"),
        Err(EntryError::WrongTag)
    );
    let key = NodeKey::for_test("garbage_and_lies_fail_cleanly");
    let signed = &feed_of(&key, 1)[0];
    let mut bytes = signed.encode();
    // Claim a change of 4 GiB: refused before any allocation of that size.
    let change_len_at = bytes.len() - 64 - signed.entry.change.len() - 4;
    bytes[change_len_at..change_len_at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(
        SignedEntry::decode(&bytes),
        Err(EntryError::TooLarge {
            field: "change",
            ..
        })
    ));
}

#[test]
fn shape_errors_are_caught_before_cryptography() {
    let key = NodeKey::for_test("shape_errors_are_caught_before_cryptography");
    let mut entry = feed_of(&key, 1).remove(0).entry;
    entry.topic = Topic::Public;
    let signed = entry.clone().sign(&key);
    assert!(matches!(
        SignedEntry::decode(&signed.encode()),
        Err(EntryError::TopicMismatch { .. })
    ));
    entry.topic = Topic::Recommender(shanghai());
    entry.seq = 2;
    let signed = entry.sign(&key);
    assert!(matches!(
        SignedEntry::decode(&signed.encode()),
        Err(EntryError::PrevMismatch { .. })
    ));
}

/// Replaces the first `from` in `bytes` by `to`, fixing the 2-byte length before it.
fn respell(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let at = bytes
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap();
    let length = u16::from_be_bytes([bytes[at - 2], bytes[at - 1]]) as usize;
    let new_length = (length + to.len() - from.len()) as u16;
    let mut out = bytes[..at - 2].to_vec();
    out.extend_from_slice(&new_length.to_be_bytes());
    out.extend_from_slice(to.as_bytes());
    out.extend_from_slice(&bytes[at + from.len()..]);
    out
}

#[test]
fn a_second_spelling_of_an_entry_is_refused() {
    let key = NodeKey::for_test("a_second_spelling_of_an_entry_is_refused");
    let signed = &feed_of(&key, 1)[0];
    let bytes = signed.encode();
    assert_eq!(SignedEntry::decode(&bytes).as_ref(), Ok(signed));
    // `record/06/…` would name the document `record/6/…` under another entry id.
    let leading_zero = respell(&bytes, "record/6/", "record/06/");
    assert!(matches!(
        SignedEntry::decode(&leading_zero),
        Err(EntryError::Field { field: "doc", .. })
    ));
    let upper = respell(&bytes, "recommender:shanghai", "recommender:Shanghai");
    assert!(SignedEntry::decode(&upper).is_err());
}

#[test]
fn the_last_sequence_number_is_refused_so_no_successor_wraps() {
    let key = NodeKey::for_test("the_last_sequence_number_is_refused");
    let mut entry = feed_of(&key, 2).remove(1).entry;
    entry.seq = u64::MAX;
    let signed = entry.clone().sign(&key);
    assert!(matches!(
        SignedEntry::decode(&signed.encode()),
        Err(EntryError::Field { field: "seq", .. })
    ));
    entry.seq = u64::MAX - 1;
    assert!(SignedEntry::decode(&entry.sign(&key).encode()).is_ok());
}

#[test]
fn chains_extend_only_in_order() {
    let key = NodeKey::for_test("chains_extend_only_in_order");
    let entries = feed_of(&key, 4);
    let mut feed = Feed::new(key.id(), Topic::Recommender(shanghai()));
    assert_eq!(feed.append(entries[0].clone()), Ok(Appended::New));
    assert!(matches!(
        feed.append(entries[2].clone()),
        Err(ChainError::Gap { head: 1, seq: 3 })
    ));
    assert_eq!(feed.append(entries[1].clone()), Ok(Appended::New));
    assert_eq!(
        feed.append(entries[1].clone()),
        Ok(Appended::Duplicate),
        "a replay is a duplicate"
    );
    assert_eq!(feed.head().unwrap().seq, 2);
    assert_eq!(feed.since(1), &entries[1..2]);
    assert!(verify_chain(&entries).is_ok());
}

#[test]
fn a_broken_chain_is_refused() {
    let key = NodeKey::for_test("a_broken_chain_is_refused");
    let entries = feed_of(&key, 3);
    let mut relinked = entries[2].entry.clone();
    relinked.prev = Some(entries[0].id());
    let relinked = relinked.sign(&key);
    assert!(relinked.verify().is_ok(), "the signature alone is fine");
    let mut feed = Feed::new(key.id(), Topic::Recommender(shanghai()));
    feed.append(entries[0].clone()).unwrap();
    feed.append(entries[1].clone()).unwrap();
    assert!(matches!(
        feed.append(relinked.clone()),
        Err(ChainError::BrokenChain { seq: 3, .. })
    ));
    assert!(verify_chain(&[entries[0].clone(), entries[1].clone(), relinked]).is_err());
}

#[test]
fn two_entries_for_one_position_are_equivocation() {
    let key = NodeKey::for_test("two_entries_for_one_position_are_equivocation");
    let entries = feed_of(&key, 2);
    let mut fork = entries[1].entry.clone();
    fork.change = feed_of(&key, 3)[2].entry.change.clone();
    let fork = fork.sign(&key);
    let mut feed = Feed::new(key.id(), Topic::Recommender(shanghai()));
    feed.append(entries[0].clone()).unwrap();
    feed.append(entries[1].clone()).unwrap();
    match feed.append(fork.clone()) {
        Err(ChainError::Equivocation(evidence)) => {
            assert_eq!(evidence.seq, 2);
            assert_eq!(evidence.first, entries[1]);
            assert_eq!(evidence.second, fork);
            assert!(evidence.first.verify().is_ok() && evidence.second.verify().is_ok());
        }
        other => panic!("expected equivocation, got {other:?}"),
    }
}

#[test]
fn batch_verification_agrees_with_single_verification() {
    let honest = NodeKey::for_test("batch: honest");
    let forger = NodeKey::for_test("batch: forger");
    let mut entries = feed_of(&honest, 5);
    let all_good = verify_many(&entries);
    assert!(all_good.iter().all(Result::is_ok));
    entries[2].signature = forger
        .sign(&entries[2].entry.signing_bytes())
        .to_bytes()
        .to_vec();
    let mixed = verify_many(&entries);
    for (entry, batch_result) in entries.iter().zip(&mixed) {
        assert_eq!(entry.verify().is_ok(), batch_result.is_ok());
    }
    assert!(mixed[2].is_err() && mixed[0].is_ok() && mixed[4].is_ok());
    assert!(verify_many(&[]).is_empty());
}

#[test]
fn a_small_order_commitment_is_refused_on_both_paths() {
    let key = NodeKey::for_test("a_small_order_commitment_is_refused_on_both_paths");
    let mut signed = feed_of(&key, 1).remove(0);
    // R = the identity point (a small-order point), s = 0: verify_strict refuses it.
    let mut signature = [0u8; 64];
    signature[0] = 1;
    signed.signature = signature.to_vec();
    assert!(signed.verify().is_err());
    assert!(verify_many(&[signed])[0].is_err());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = SignedEntry::decode(&bytes).map(|entry| entry.verify());
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_header_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut bytes = ENTRY_TAG.to_vec();
        bytes.extend_from_slice(NodeKey::for_test("header").id().as_bytes());
        bytes.extend_from_slice(&tail);
        let _ = SignedEntry::decode(&bytes).map(|entry| entry.verify());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A signer can put any bytes in an entry; Automerge must never be trusted with them
    /// outside `catch_unwind`, and garbage must come back as an error.
    #[test]
    fn signed_garbage_changes_are_errors(change in proptest::collection::vec(any::<u8>(), 1..300)) {
        let key = NodeKey::for_test("signed_garbage_changes_are_errors");
        let signed = Entry {
            author: key.id(),
            topic: Topic::Recommender(shanghai()),
            seq: 1,
            prev: None,
            doc: record_doc(&key),
            change,
        }
        .sign(&key);
        prop_assert!(signed.verify().is_err());
    }
}
