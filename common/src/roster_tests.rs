//! Tests of the roster: signatures, consistency, authorisation and revocation.

use super::*;
use crate::batch::BatchNumber;
use crate::ids::RecordId;

struct Setup {
    ministry: NodeKey,
    hq: NodeKey,
    field: NodeKey,
    roster: Roster,
}

fn setup(name: &str) -> Setup {
    let ministry = NodeKey::for_test(&format!("{name}: ministry"));
    let hq = NodeKey::for_test(&format!("{name}: hq"));
    let field = NodeKey::for_test(&format!("{name}: field"));
    let mut roster = Roster::new(ministry.id());
    for (id, name, kind) in [
        (
            "shanghai",
            "上海市人力资源和社会保障局",
            RecommenderKind::Province,
        ),
        ("miit", "工业和信息化部", RecommenderKind::Department),
    ] {
        roster
            .add_recommender(Recommender {
                id: id.parse().unwrap(),
                name: name.into(),
                kind,
            })
            .unwrap();
    }
    roster
        .add_key(hq.id(), "shanghai".parse().unwrap(), KeyRole::Hq)
        .unwrap();
    roster
        .add_key(
            field.id(),
            "shanghai".parse().unwrap(),
            KeyRole::FieldOffice,
        )
        .unwrap();
    Setup {
        ministry,
        hq,
        field,
        roster,
    }
}

fn record_of(recommender: &str) -> DocId {
    DocId::Record {
        batch: BatchNumber(6),
        recommender: recommender.parse().unwrap(),
        record: "0011223344556677".parse::<RecordId>().unwrap(),
    }
}

#[test]
fn a_signed_roster_verifies_and_round_trips() {
    let s = setup("a_signed_roster_verifies");
    let signed = s.roster.sign(&s.ministry).unwrap();
    let json = serde_json::to_vec(&signed).unwrap();
    let again = SignedRoster::roster_from_json(&json).unwrap();
    assert_eq!(again.verify(&s.ministry.id()).unwrap(), s.roster);
}

#[test]
fn a_tampered_or_foreign_roster_is_refused() {
    let s = setup("a_tampered_roster_is_refused");
    let signed = s.roster.sign(&s.ministry).unwrap();
    let mut tampered = signed.clone();
    tampered.body = tampered.body.replace("miit", "miix");
    assert_eq!(
        tampered.verify(&s.ministry.id()),
        Err(RosterError::BadSignature)
    );
    assert_eq!(signed.verify(&s.hq.id()), Err(RosterError::BadSignature));
    assert!(matches!(
        s.roster.sign(&s.hq),
        Err(RosterError::WrongMinistry { .. })
    ));
    assert!(SignedRoster::roster_from_json(b"{not json").is_err());
}

#[test]
fn a_stale_roster_is_refused() {
    let s = setup("a_stale_roster_is_refused");
    let old = s.roster.sign(&s.ministry).unwrap();
    let mut newer = s.roster.clone();
    newer.revoke(&s.field.id(), 3).unwrap();
    assert!(
        newer
            .sign(&s.ministry)
            .unwrap()
            .verify_update(&s.roster)
            .is_ok()
    );
    assert!(matches!(
        old.verify_update(&newer),
        Err(RosterError::Stale { .. })
    ));
}

#[test]
fn keys_write_only_their_own_recommenders_records() {
    let s = setup("keys_write_only_their_own");
    let ok = s
        .roster
        .may_write(&s.hq.id(), &record_of("shanghai"), 1)
        .unwrap();
    assert_eq!(
        ok,
        Authority::Recommender {
            id: "shanghai".parse().unwrap(),
            role: KeyRole::Hq
        }
    );
    assert!(matches!(
        s.roster.may_write(&s.hq.id(), &record_of("miit"), 1),
        Err(AuthError::OtherRecommender { .. })
    ));
    assert!(matches!(
        s.roster.may_write(&s.hq.id(), &DocId::Roster, 1),
        Err(AuthError::MinistryOnly(_))
    ));
    assert_eq!(
        s.roster.may_write(&s.ministry.id(), &DocId::Roster, 1),
        Ok(Authority::Ministry)
    );
    assert!(
        s.roster
            .may_write(&s.ministry.id(), &record_of("shanghai"), 1)
            .is_err()
    );
    let stranger = NodeKey::for_test("stranger").id();
    assert!(matches!(
        s.roster.may_write(&stranger, &record_of("shanghai"), 1),
        Err(AuthError::UnknownKey(_))
    ));
}

#[test]
fn a_revoked_key_keeps_what_it_signed_before() {
    let mut s = setup("a_revoked_key_keeps_what_it_signed_before");
    s.roster.revoke(&s.field.id(), 5).unwrap();
    assert!(
        s.roster
            .may_write(&s.field.id(), &record_of("shanghai"), 5)
            .is_ok()
    );
    assert!(matches!(
        s.roster.may_write(&s.field.id(), &record_of("shanghai"), 6),
        Err(AuthError::Revoked {
            revoked_after: 5,
            seq: 6,
            ..
        })
    ));
    s.roster.revoke(&s.field.id(), 9).unwrap();
    assert!(
        s.roster
            .may_write(&s.field.id(), &record_of("shanghai"), 6)
            .is_err(),
        "revocation never moves later"
    );
    assert!(!s.roster.may_read(
        &s.field.id(),
        &Topic::Recommender("shanghai".parse().unwrap())
    ));
}

#[test]
fn topics_are_read_by_their_audience_only() {
    let s = setup("topics_are_read_by_their_audience_only");
    let shanghai = Topic::Recommender("shanghai".parse().unwrap());
    let miit = Topic::Recommender("miit".parse().unwrap());
    assert!(s.roster.may_read(&s.hq.id(), &shanghai));
    assert!(s.roster.may_read(&s.hq.id(), &Topic::Public));
    assert!(!s.roster.may_read(&s.hq.id(), &miit));
    assert!(!s.roster.may_read(&s.hq.id(), &Topic::Ministry));
    assert!(s.roster.may_read(&s.ministry.id(), &miit));
    assert!(
        !s.roster
            .may_read(&NodeKey::for_test("stranger").id(), &Topic::Public)
    );
}

#[test]
fn inconsistent_rosters_are_refused() {
    let s = setup("inconsistent_rosters_are_refused");
    let mut twice = s.roster.clone();
    twice.keys.push(twice.keys[0].clone());
    assert!(matches!(twice.check(), Err(RosterError::DuplicateKey(_))));
    let mut orphan = s.roster.clone();
    orphan.keys[0].recommender = "guangdong".parse().unwrap();
    assert!(matches!(
        orphan.check(),
        Err(RosterError::UnknownRecommender { .. })
    ));
    let mut roster = s.roster.clone();
    assert!(matches!(
        roster.add_key(s.ministry.id(), "miit".parse().unwrap(), KeyRole::Hq),
        Err(RosterError::MinistryAsRecommender)
    ));
    assert!(
        roster
            .add_key(s.hq.id(), "miit".parse().unwrap(), KeyRole::Hq)
            .is_err()
    );
}

#[test]
fn keys_with_a_torsion_component_are_refused() {
    // A valid public key plus a point of order 8 still decodes and is not small-order, so
    // `NodeId` accepts it; the roster must not, or batch and strict verification could disagree.
    use curve25519_dalek::constants::EIGHT_TORSION;
    let s = setup("keys_with_a_torsion_component_are_refused");
    let honest = CompressedEdwardsY(*s.hq.id().as_bytes())
        .decompress()
        .unwrap();
    let mixed = (honest + EIGHT_TORSION[1]).compress().to_bytes();
    let id = NodeId::from_bytes(mixed).unwrap();
    let mut roster = s.roster.clone();
    assert!(matches!(
        roster.add_key(id, "miit".parse().unwrap(), KeyRole::Hq),
        Err(RosterError::UnsafeKey(_))
    ));
}
