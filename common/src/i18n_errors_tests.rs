use std::collections::BTreeSet;
use std::mem::discriminant;

use super::*;
use crate::batch::BatchNumber;
use crate::feed::{Entry, Equivocation};
use crate::identity::NodeKey;
use crate::ids::{DocId, RecommenderId, RecordId, Topic};
use crate::timestamp::Timestamp;

fn is_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Each example reads in Chinese, says in English exactly what its `Display` says, and the
/// examples cover every variant that `name` declares in `source`.
fn check_every_variant<E: Worded + std::fmt::Debug>(source: &str, name: &str, examples: &[E]) {
    let kinds: BTreeSet<String> = examples
        .iter()
        .map(|e| format!("{:?}", discriminant(e)))
        .collect();
    assert_eq!(
        kinds.len(),
        declared_variants(source, name),
        "{name}: the examples do not cover every variant"
    );
    for error in examples {
        let zh = error.worded(Lang::Zh);
        let en = error.worded(Lang::En);
        assert!(is_chinese(&zh), "{name} {error:?} is not Chinese: {zh}");
        assert!(!zh.contains("-error-"), "{name} {error:?}: {zh}");
        assert_eq!(en, error.to_string(), "{name} {error:?}");
    }
}

#[test]
fn every_roster_and_authorisation_error_is_worded() {
    let roster = include_str!("roster.rs");
    check_every_variant(
        roster,
        "RosterError",
        &[
            RosterError::TooLarge(5_000_000),
            RosterError::BadSignature,
            RosterError::WrongMinistry {
                expected: "aa".into(),
                found: "bb".into(),
            },
            RosterError::Syntax("expected value".into()),
            RosterError::DuplicateRecommender("shanghai".into()),
            RosterError::DuplicateKey("cc".into()),
            RosterError::UnknownRecommender {
                key: "cc".into(),
                recommender: "hainan".into(),
            },
            RosterError::EmptyName("shanghai".into()),
            RosterError::UnsafeKey("dd".into()),
            RosterError::MinistryAsRecommender,
            RosterError::Stale { held: 4, found: 3 },
            RosterError::UnknownKey("ee".into()),
        ],
    );
    let auth = auth_examples();
    check_every_variant(roster, "AuthError", &auth);
}

fn auth_examples() -> Vec<AuthError> {
    vec![
        AuthError::UnknownKey("aa11".into()),
        AuthError::MinistryOnly("roster".into()),
        AuthError::OtherRecommender {
            key: "aa11".into(),
            granted: "shanghai".into(),
            doc: "record/6/miit/0011223344556677".into(),
        },
        AuthError::Revoked {
            key: "aa11".into(),
            revoked_after: 7,
            seq: 9,
        },
        AuthError::MinistryWritesRecord("record/6/miit/0011223344556677".into()),
        AuthError::NotSubmitter("aa11".into()),
    ]
}

#[test]
fn a_stored_unauthorised_reason_is_read_back_and_shown_in_the_readers_language() {
    for error in auth_examples() {
        assert_eq!(
            auth_error_from_display(&error.to_string()),
            Some(error.clone())
        );
        let stored = crate::rules::Verdict::Unauthorised {
            reason: error.to_string(),
        };
        let zh = super::super::verdict_reason(Lang::Zh, &stored);
        assert!(zh.contains(&error.worded(Lang::Zh)), "{zh}");
        let en = super::super::verdict_reason(Lang::En, &stored);
        assert!(en.ends_with(&error.to_string()), "{en}");
    }
    // A reason no variant writes is shown as stored.
    assert_eq!(auth_error_from_display("something else"), None);
    let odd = crate::rules::Verdict::Unauthorised {
        reason: "something else".into(),
    };
    assert!(super::super::verdict_reason(Lang::Zh, &odd).ends_with("something else"));
}

#[test]
fn every_batch_and_time_error_is_worded() {
    let bad_time = Timestamp::parse_rfc3339("2016-03-15").unwrap_err();
    let batch = include_str!("batch.rs");
    check_every_variant(
        batch,
        "BatchProblem",
        &[
            BatchProblem::NumberZero,
            BatchProblem::VersionZero,
            BatchProblem::Empty,
            BatchProblem::Deadline(bad_time.clone()),
            BatchProblem::NoKeyAreas,
            BatchProblem::AreaPadded(" 软件".into()),
            BatchProblem::AreaTwice("软件".into()),
            BatchProblem::AtLeastOne,
            BatchProblem::MoreThanZero,
        ],
    );
    check_every_variant(
        batch,
        "BatchError",
        &[
            BatchError::Syntax("expected `=`".into()),
            BatchError::Invalid {
                key: "number",
                problem: BatchProblem::NumberZero,
            },
            BatchError::BadSignature,
            BatchError::TooLarge(70_000),
        ],
    );
    // Every problem `timestamp.rs` names has its message.
    let source = include_str!("timestamp.rs");
    let problems: Vec<&str> = source
        .split("fail(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once("\")").map(|(problem, _)| problem))
        .collect();
    assert!(problems.len() >= 9, "{problems:?}");
    for problem in problems {
        let error = TimestampError {
            text: "x".into(),
            problem: Box::leak(problem.to_string().into_boxed_str()),
        };
        check_every_variant(
            "pub enum T {\n    #[error\n}",
            "T",
            std::slice::from_ref(&error),
        );
        let zh = error.worded(Lang::Zh);
        assert!(!zh.ends_with(problem), "{problem} is not worded: {zh}");
    }
}

#[test]
fn every_error_of_ids_keys_and_the_credit_code_is_worded() {
    check_every_variant(
        include_str!("ids.rs"),
        "IdError",
        &[
            IdError::Recommender("Shanghai".into()),
            IdError::Record("xyz".into()),
            IdError::Doc("records/6".into()),
            IdError::Topic("everyone".into()),
        ],
    );
    check_every_variant(
        include_str!("identity.rs"),
        "IdentityError",
        &[
            IdentityError::Hex {
                what: "node id",
                text: "zz".into(),
            },
            IdentityError::Hex {
                what: "hash",
                text: "zz".into(),
            },
            IdentityError::BadKey("00ff".into()),
            IdentityError::BadSecret,
        ],
    );
    check_every_variant(
        include_str!("credit_code.rs"),
        "CreditCodeError",
        &[
            CreditCodeError::Length(17),
            CreditCodeError::Character {
                position: 3,
                found: 'I',
            },
            CreditCodeError::CheckCharacter {
                expected: '0',
                found: '1',
            },
            CreditCodeError::OrganisationCheck {
                expected: 'X',
                found: '5',
            },
        ],
    );
    check_every_variant(
        include_str!("sync.rs"),
        "WireError",
        &[
            WireError::TooLarge(5_000_000),
            WireError::Malformed("unexpected end".into()),
        ],
    );
}

#[test]
fn every_error_of_entries_and_feeds_is_worded() {
    check_every_variant(
        include_str!("feed.rs"),
        "EntryError",
        &[
            EntryError::Truncated {
                field: "seq",
                needed: 8,
            },
            EntryError::WrongTag,
            EntryError::TooLarge {
                field: "change",
                size: 2_000_000,
                limit: 983_040,
            },
            EntryError::TrailingBytes(3),
            EntryError::NonCanonical,
            EntryError::Field {
                field: "prev",
                problem: "flag 2 is neither 0 nor 1".into(),
            },
            EntryError::TopicMismatch {
                doc: "roster".into(),
                expected: "public".into(),
                found: "ministry".into(),
            },
            EntryError::PrevMismatch {
                seq: 1,
                has_prev: true,
            },
            EntryError::PrevMismatch {
                seq: 2,
                has_prev: false,
            },
            EntryError::BadSignature("aa11".into()),
            EntryError::BadChange("bad header".into()),
            EntryError::WrongActor {
                actor: "bb22".into(),
                author: "aa11".into(),
            },
        ],
    );
    let key = NodeKey::for_test("every_error_of_entries_and_feeds_is_worded");
    let shanghai: RecommenderId = "shanghai".parse().unwrap();
    let topic = Topic::Recommender(shanghai.clone());
    let entry = Entry {
        author: key.id(),
        topic: topic.clone(),
        seq: 2,
        prev: None,
        doc: DocId::Record {
            batch: BatchNumber(6),
            recommender: shanghai,
            record: RecordId::derive(&key.id(), &topic, 1),
        },
        change: vec![1, 2, 3],
    }
    .sign(&key);
    check_every_variant(
        include_str!("feed.rs"),
        "ChainError",
        &[
            ChainError::WrongFeed {
                author: "aa11".into(),
                topic: "public".into(),
            },
            ChainError::Gap { head: 3, seq: 5 },
            ChainError::BrokenChain {
                seq: 4,
                expected: "cc33".into(),
            },
            ChainError::Equivocation(Box::new(Equivocation {
                author: key.id(),
                topic,
                seq: 2,
                first: entry.clone(),
                second: entry,
            })),
        ],
    );
}

#[test]
fn every_error_of_records_acts_and_forms_is_worded() {
    check_every_variant(
        include_str!("record.rs"),
        "RecordError",
        &[
            RecordError::Malformed("bad chunk".into()),
            RecordError::Panicked,
            RecordError::Shape {
                field: "form".into(),
                expected: "a map",
                found: "a string".into(),
            },
            RecordError::Transition {
                from: "draft",
                action: "withdrawn",
            },
            RecordError::Frozen,
            RecordError::Edit("no such object".into()),
        ],
    );
    check_every_variant(
        include_str!("acts.rs"),
        "ActError",
        &[
            ActError::Frozen,
            ActError::Transition {
                status: "submitted",
                action: "submitted",
            },
            ActError::OversizedAct(9),
            ActError::ActWithoutRecord,
        ],
    );
    let zh = RecordError::Transition {
        from: "draft",
        action: "withdrawn",
    }
    .worded(Lang::Zh);
    assert_eq!(zh, "草稿的记录不能撤回");
    let syntax = crate::form::Application::from_toml_str("batch = ").unwrap_err();
    check_every_variant(
        "pub enum FormSyntaxError {\n    #[error\n}",
        "FormSyntaxError",
        &[syntax],
    );
}

#[test]
fn every_error_of_operators_and_review_is_worded() {
    check_every_variant(
        include_str!("operator.rs"),
        "OperatorError",
        &[
            OperatorError::EmptyName,
            OperatorError::NameTooLong(41),
            OperatorError::ControlCharacter,
            OperatorError::UnknownRole("boss".into()),
            OperatorError::WrongNode {
                role: "editor",
                fits: "bureau",
                node: "ministry",
            },
        ],
    );
    let zh = crate::operator::Role::Reviewer
        .check_node(false)
        .unwrap_err()
        .worded(Lang::Zh);
    assert_eq!(
        zh,
        "角色评审员（reviewer）用于人社部节点；本节点是推荐单位节点"
    );
    check_every_variant(
        include_str!("review.rs"),
        "ReviewError",
        &[
            ReviewError::NotAccepted("rejected".into()),
            ReviewError::Score(101),
            ReviewError::Empty("the expert's name"),
            ReviewError::Empty("the opinion"),
            ReviewError::Subsidy {
                batch: 6,
                cap: 5_000_000,
                asked: 6_000_000,
            },
        ],
    );
    let zh = ReviewError::Empty("the opinion").worded(Lang::Zh);
    assert_eq!(zh, "评审意见不能为空");
}
