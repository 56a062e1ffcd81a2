//! Several in-memory replicas — a ministry, two recommenders' HQs and a field office — exchange
//! signed entries: authorised entries reach every replica allowed to read them, documents
//! converge, and hostile entries are refused, quarantined and never forwarded.

use fedrec_common::batch::BatchNumber;
use fedrec_common::feed::Appended;
use fedrec_common::form::Application;
use fedrec_common::identity::NodeKey;
use fedrec_common::ids::{RecommenderId, Topic};
use fedrec_common::ingest::RefusalKind;
use fedrec_common::roster::{KeyRole, Recommender, RecommenderKind, Roster};
use fedrec_tests::{NOW, Replica, sync};

const EXAMPLE: &str = include_str!("../../config/examples/application.toml");

struct Country {
    ministry: Replica,
    shanghai_hq: Replica,
    shanghai_field: Replica,
    miit_hq: Replica,
}

fn id(text: &str) -> RecommenderId {
    text.parse().unwrap()
}

/// Keys derive from the test's name, so a failure replays exactly.
fn country(test: &str) -> Country {
    let key = |role: &str| NodeKey::for_test(&format!("{test}: {role}"));
    let mut roster = Roster::new(key("ministry").id());
    for (rid, name, kind) in [
        (
            "shanghai",
            "上海市人力资源和社会保障局",
            RecommenderKind::Province,
        ),
        ("miit", "工业和信息化部", RecommenderKind::Department),
    ] {
        roster
            .add_recommender(Recommender {
                id: id(rid),
                name: name.into(),
                kind,
            })
            .unwrap();
    }
    roster
        .add_key(key("shanghai hq").id(), id("shanghai"), KeyRole::Hq)
        .unwrap();
    roster
        .add_key(
            key("shanghai field").id(),
            id("shanghai"),
            KeyRole::FieldOffice,
        )
        .unwrap();
    roster
        .add_key(key("miit hq").id(), id("miit"), KeyRole::Hq)
        .unwrap();
    Country {
        ministry: Replica::new("ministry", key("ministry"), roster.clone()),
        shanghai_hq: Replica::new("shanghai hq", key("shanghai hq"), roster.clone()),
        shanghai_field: Replica::new("shanghai field", key("shanghai field"), roster.clone()),
        miit_hq: Replica::new("miit hq", key("miit hq"), roster),
    }
}

fn example() -> Application {
    Application::from_toml_str(EXAMPLE).unwrap()
}

#[test]
fn an_offline_field_office_reaches_the_ministry_through_its_hq() {
    let mut c = country("offline field office");
    let doc = c
        .shanghai_hq
        .create(BatchNumber(6), &id("shanghai"), &example());
    sync(&mut c.shanghai_hq, &mut c.shanghai_field);

    // Offline: HQ and the field office edit different boxes, and the same box in different places.
    let mut at_hq = example();
    at_hq.recommender.reasons.push_str("（总部补充意见）");
    assert!(c.shanghai_hq.edit(&doc, &at_hq));
    let mut at_field = example();
    at_field.applicant.faculty = format!("（外勤核实）{}", at_field.applicant.faculty);
    at_field.recommender.reasons = format!("（外勤意见）{}", at_field.recommender.reasons);
    assert!(c.shanghai_field.edit(&doc, &at_field));
    let miit_doc = c.miit_hq.create(BatchNumber(6), &id("miit"), &example());

    // The field office sees only its HQ; HQ and MIIT see the ministry.
    assert!(sync(&mut c.shanghai_field, &mut c.shanghai_hq) > 0);
    assert!(sync(&mut c.shanghai_hq, &mut c.ministry) > 0);
    assert!(sync(&mut c.miit_hq, &mut c.ministry) > 0);
    assert_eq!(
        sync(&mut c.shanghai_field, &mut c.shanghai_hq),
        0,
        "nothing left to relay"
    );

    let merged = c.ministry.application(&doc).unwrap();
    assert_eq!(Some(&merged), c.shanghai_hq.application(&doc).as_ref());
    assert_eq!(Some(&merged), c.shanghai_field.application(&doc).as_ref());
    assert!(merged.applicant.faculty.starts_with("（外勤核实）"));
    assert!(merged.recommender.reasons.starts_with("（外勤意见）"));
    assert!(merged.recommender.reasons.ends_with("（总部补充意见）"));
    assert_eq!(c.ministry.entry_count(), 4);

    // Who sees what: MIIT never receives Shanghai's record, nor Shanghai MIIT's.
    assert!(!c.miit_hq.holds(&doc));
    assert!(!c.shanghai_hq.holds(&miit_doc));
    assert!(c.ministry.holds(&miit_doc));
    assert!(c.ministry.quarantine.is_empty() && c.shanghai_hq.quarantine.is_empty());
}

#[test]
fn hostile_entries_are_refused_quarantined_and_not_forwarded() {
    let mut c = country("hostile entries");
    let doc = c
        .shanghai_hq
        .create(BatchNumber(6), &id("shanghai"), &example());
    let honest = c.shanghai_hq.offer(&c.ministry.id());
    assert_eq!(c.ministry.ingest(&honest[0]), Ok(Appended::New));

    // A replay changes nothing.
    assert_eq!(c.ministry.ingest(&honest[0]), Ok(Appended::Duplicate));
    // Garbage and truncation.
    assert!(
        c.ministry
            .ingest(b"\x00\x01garbage")
            .err()
            .and_then(|r| r.kind())
            == Some(RefusalKind::Malformed)
    );
    assert!(
        c.ministry
            .ingest(&honest[0][..honest[0].len() - 5])
            .err()
            .and_then(|r| r.kind())
            == Some(RefusalKind::Malformed)
    );
    // A forged signature: the bytes of an honest entry with one bit of the change flipped.
    let mut forged = honest[0].clone();
    let middle = forged.len() / 2;
    forged[middle] ^= 1;
    assert_eq!(
        c.ministry.ingest(&forged).err().and_then(|r| r.kind()),
        Some(RefusalKind::BadSignature)
    );
    // An unknown key writing a Shanghai record.
    let stranger = NodeKey::for_test("hostile entries: stranger");
    let mut outsider = Replica::new("stranger", stranger, c.ministry.roster.clone());
    outsider.create(BatchNumber(6), &id("shanghai"), &example());
    let from_stranger = outsider.offer(&c.ministry.id());
    assert!(
        c.ministry
            .ingest(&from_stranger[0])
            .err()
            .and_then(|r| r.kind())
            == Some(RefusalKind::Unauthorised)
    );
    // MIIT's key writing a Shanghai record.
    let mut miit_as_shanghai = Replica::new(
        "miit",
        NodeKey::for_test("hostile entries: miit hq"),
        c.ministry.roster.clone(),
    );
    miit_as_shanghai.create(BatchNumber(6), &id("shanghai"), &example());
    let wrong_recommender = miit_as_shanghai.offer(&c.ministry.id());
    assert!(
        c.ministry
            .ingest(&wrong_recommender[0])
            .err()
            .and_then(|r| r.kind())
            == Some(RefusalKind::Unauthorised)
    );

    // Equivocation: the field office signs two different entries for its position 1.
    let field_key = NodeKey::for_test("hostile entries: shanghai field");
    let first = c
        .shanghai_field
        .create(BatchNumber(6), &id("shanghai"), &example());
    let entries = c.shanghai_field.offer(&c.ministry.id());
    let mut twin = fedrec_common::feed::SignedEntry::decode(&entries[0])
        .unwrap()
        .entry;
    let mut other = example();
    other.applicant.name = "另一个单位".into();
    let (_, change) = fedrec_common::record::RecordDoc::create(
        &field_key.id(),
        BatchNumber(6),
        &id("shanghai"),
        &other,
        NOW,
    )
    .unwrap();
    twin.change = change.raw_bytes().to_vec();
    let twin = twin.sign(&field_key);
    assert_eq!(c.ministry.ingest(&entries[0]), Ok(Appended::New));
    let kind = |r: Result<_, fedrec_tests::Refusal>| r.err().and_then(|r| r.kind());
    assert_eq!(
        kind(c.ministry.ingest(&twin.encode())),
        Some(RefusalKind::Equivocation)
    );
    assert!(c.ministry.refused_authors.contains(&field_key.id()));
    c.shanghai_field.edit(&first, &other);
    let later = c.shanghai_field.offer(&c.ministry.id());
    assert_eq!(
        kind(c.ministry.ingest(&later[1])),
        Some(RefusalKind::RefusedAuthor),
        "the equivocator stays refused"
    );

    // Nothing refused was stored or is offered onward.
    assert_eq!(c.ministry.entry_count(), 2);
    assert_eq!(
        c.ministry.quarantine.len(),
        7,
        "garbage, truncated, forged, stranger, wrong recommender, equivocation, refused author"
    );
    let onward: Vec<Vec<u8>> = c.ministry.offer(&c.shanghai_hq.id());
    assert!(
        onward
            .iter()
            .all(|bytes| bytes == &honest[0] || bytes == &entries[0])
    );
    assert!(c.ministry.holds(&doc));
}

#[test]
fn a_revoked_key_is_refused_after_its_revocation_point_everywhere() {
    let mut c = country("revoked key");
    let doc = c
        .shanghai_field
        .create(BatchNumber(6), &id("shanghai"), &example());
    let mut edited = example();
    edited.plan.targets.push_str("（修订）");
    c.shanghai_field.edit(&doc, &edited);
    let entries = c.shanghai_field.offer(&c.ministry.id());

    for replica in [&mut c.ministry, &mut c.shanghai_hq] {
        replica.roster.revoke(&c.shanghai_field.id(), 1).unwrap();
        assert_eq!(
            replica.ingest(&entries[0]),
            Ok(Appended::New),
            "signed before the revocation point"
        );
        assert_eq!(
            replica.ingest(&entries[1]).err().and_then(|r| r.kind()),
            Some(RefusalKind::Revoked)
        );
    }
    assert_eq!(c.ministry.application(&doc), Some(example()));
    assert!(
        !c.ministry
            .roster
            .may_read(&c.shanghai_field.id(), &Topic::Recommender(id("shanghai")))
    );
}
