//! Tests of record documents: round trips, small edits, status transitions and concurrent
//! edits from two nodes merging.

use super::*;
use crate::timestamp::Timestamp;

const NOW: Timestamp = Timestamp(1_456_790_400_000);
use crate::acts::ACT_MAX_OPS;
use crate::form::tests::valid;
use crate::identity::NodeKey;

fn shanghai() -> RecommenderId {
    "shanghai".parse().unwrap()
}

#[test]
fn an_application_round_trips_through_a_document() {
    let key = NodeKey::for_test("an_application_round_trips_through_a_document");
    let application = valid();
    let (mut doc, change) =
        RecordDoc::create(&key.id(), BatchNumber(6), &shanghai(), &application, NOW).unwrap();
    assert_eq!(change.actor_id(), &key.id().actor_id());
    assert_eq!(doc.application().unwrap(), application);
    assert_eq!(doc.status().unwrap(), Status::Draft);
    assert_eq!(doc.recommender().unwrap(), shanghai());
    assert_eq!(doc.batch().unwrap(), BatchNumber(6));
    let reloaded = RecordDoc::load(&doc.save(), &key.id()).unwrap();
    assert_eq!(reloaded.application().unwrap(), application);
}

#[test]
fn the_shipped_example_round_trips() {
    let key = NodeKey::for_test("the_shipped_example_round_trips");
    let text = include_str!("../../config/examples/application.toml");
    let application = Application::from_toml_str(text).unwrap();
    let (doc, _) =
        RecordDoc::create(&key.id(), BatchNumber(6), &shanghai(), &application, NOW).unwrap();
    assert_eq!(doc.application().unwrap(), application);
}

#[test]
fn editing_one_field_makes_a_small_change() {
    let key = NodeKey::for_test("editing_one_field_makes_a_small_change");
    let mut application = valid();
    application.applicant.overview = "学校建有培训中心与远程教学平台。".repeat(200);
    let (mut doc, created) =
        RecordDoc::create(&key.id(), BatchNumber(6), &shanghai(), &application, NOW).unwrap();
    application.applicant.overview.push_str("新增一间实验室。");
    let edit = doc.update(&application, NOW).unwrap().expect("a change");
    assert!(
        edit.raw_bytes().len() < 400,
        "appending 8 characters to a {}-byte document made a {}-byte change",
        created.raw_bytes().len(),
        edit.raw_bytes().len()
    );
    assert_eq!(doc.application().unwrap(), application);
    assert_eq!(
        doc.update(&application, NOW).unwrap(),
        None,
        "no change when nothing differs"
    );
}

#[test]
fn clearing_optional_boxes_and_lists_works() {
    let key = NodeKey::for_test("clearing_optional_boxes_and_lists_works");
    let mut application = valid();
    let (mut doc, _) =
        RecordDoc::create(&key.id(), BatchNumber(6), &shanghai(), &application, NOW).unwrap();
    application.applicant.existing_base = None;
    application.recommender.runs_regional_base = None;
    application.plan.areas = vec!["机器人".into()];
    application.attachments.pop();
    doc.update(&application, NOW).unwrap();
    assert_eq!(doc.application().unwrap(), application);
}

#[test]
fn status_moves_draft_submitted_withdrawn_only() {
    let key = NodeKey::for_test("status_moves_draft_submitted_withdrawn_only");
    let (mut doc, _) =
        RecordDoc::create(&key.id(), BatchNumber(6), &shanghai(), &valid(), NOW).unwrap();
    assert!(matches!(
        doc.withdraw(NOW),
        Err(RecordError::Transition { from: "draft", .. })
    ));
    let submit = doc.submit(NOW).unwrap();
    assert_eq!(doc.status().unwrap(), Status::Submitted);
    assert_eq!(doc.update(&valid(), NOW), Err(RecordError::Frozen));
    assert!(doc.submit(NOW).is_err());
    let withdraw = doc.withdraw(NOW).unwrap();
    assert_eq!(doc.status().unwrap(), Status::Withdrawn);
    // An act carries no more operations than `acts::classify` accepts of one.
    assert!(submit.len() <= ACT_MAX_OPS && withdraw.len() <= ACT_MAX_OPS);
}

#[test]
fn concurrent_edits_from_two_nodes_merge() {
    let hq = NodeKey::for_test("concurrent: hq");
    let field = NodeKey::for_test("concurrent: field office");
    let application = valid();
    let (mut at_hq, created) =
        RecordDoc::create(&hq.id(), BatchNumber(6), &shanghai(), &application, NOW).unwrap();
    let mut at_field = RecordDoc::empty(&field.id());
    at_field.apply([created]).unwrap();
    assert_eq!(at_field.application().unwrap(), application);

    // Offline, each edits its own part; the field office also edits the same box elsewhere.
    let mut hq_version = application.clone();
    hq_version.plan.targets = format!("{}（总部修订）", application.plan.targets);
    hq_version.recommender.contact = "张处长".into();
    let hq_change = at_hq.update(&hq_version, NOW).unwrap().unwrap();
    let mut field_version = application.clone();
    field_version.plan.targets = format!("（外勤补充）{}", application.plan.targets);
    field_version.applicant.faculty = "专职教师一百三十人。".into();
    let field_change = at_field.update(&field_version, NOW).unwrap().unwrap();
    assert_eq!(field_change.actor_id(), &field.id().actor_id());

    at_hq.apply([field_change]).unwrap();
    at_field.apply([hq_change]).unwrap();
    let merged = at_hq.application().unwrap();
    assert_eq!(merged, at_field.application().unwrap(), "replicas converge");
    assert_eq!(merged.recommender.contact, "张处长");
    assert_eq!(merged.applicant.faculty, "专职教师一百三十人。");
    assert_eq!(
        merged.plan.targets,
        format!("（外勤补充）{}（总部修订）", application.plan.targets),
        "both edits of one text box survive"
    );
}

#[test]
fn malformed_documents_are_errors_not_panics() {
    let key = NodeKey::for_test("malformed_documents_are_errors_not_panics");
    for bytes in [&b""[..], b"\x85\x6f\x4a\x83garbage", &[0u8; 64]] {
        if let Ok(mut doc) = RecordDoc::load(bytes, &key.id()) {
            assert!(doc.application().is_err() || doc.status().is_err());
        }
    }
}

#[test]
fn history_names_who_changed_which_box_and_when() {
    let hq = NodeKey::for_test("history: hq");
    let mut application = valid();
    let (mut doc, _) =
        RecordDoc::create(&hq.id(), BatchNumber(6), &shanghai(), &application, NOW).unwrap();
    application.plan.targets.push_str("（修订）");
    application.recommender.contact = "张处长".into();
    doc.update(&application, Timestamp(NOW.0 + 60_000)).unwrap();
    doc.submit(Timestamp(NOW.0 + 120_000)).unwrap();
    let history = doc.history().unwrap();
    assert_eq!(history.len(), 3);
    assert!(history.iter().all(|item| item.actor == hq.id().to_hex()));
    assert!(
        history[0]
            .fields
            .contains(&"applicant.overview".to_string())
    );
    assert_eq!(
        history[1].fields,
        vec!["plan.targets", "recommender.contact"]
    );
    assert_eq!(history[1].time, Timestamp(NOW.0 + 60_000));
    assert_eq!(history[2].fields, vec!["status"]);
}

#[test]
fn history_diffs_give_each_changed_box_from_what_to_what() {
    use crate::diff::BoxValue;
    let hq = NodeKey::for_test("history diffs: hq");
    let mut application = valid();
    let (mut doc, _) =
        RecordDoc::create(&hq.id(), BatchNumber(6), &shanghai(), &application, NOW).unwrap();
    let contact = application.recommender.contact.clone();
    application.recommender.contact = "张处长".into();
    doc.update(&application, Timestamp(NOW.0 + 60_000)).unwrap();
    doc.submit(Timestamp(NOW.0 + 120_000)).unwrap();
    let diffs = doc.history_diffs().unwrap();
    assert_eq!(diffs.len(), 3);
    assert_eq!(diffs[0].item, doc.history().unwrap()[0]);
    assert!(diffs[0].changes.iter().any(|c| c.path == "applicant.name"
        && c.before == BoxValue::Field(FieldValue::Text(String::new()))));
    assert_eq!(diffs[1].changes.len(), 1);
    assert_eq!(diffs[1].changes[0].path, "recommender.contact");
    assert_eq!(
        diffs[1].changes[0].before,
        BoxValue::Field(FieldValue::Text(contact))
    );
    assert_eq!(
        diffs[1].changes[0].after,
        BoxValue::Field(FieldValue::Text("张处长".into()))
    );
    assert_eq!(diffs[2].changes.len(), 1);
    assert_eq!(
        (&diffs[2].changes[0].before, &diffs[2].changes[0].after),
        (
            &BoxValue::Status(Status::Draft),
            &BoxValue::Status(Status::Submitted)
        )
    );
}

#[test]
fn attachment_hashes_and_sizes_round_trip() {
    let key = NodeKey::for_test("attachment_hashes_and_sizes_round_trip");
    let mut application = valid();
    application.attachments[0].blake3 = Some("ab".repeat(32));
    application.attachments[0].size = Some(12_345);
    let (doc, _) =
        RecordDoc::create(&key.id(), BatchNumber(6), &shanghai(), &application, NOW).unwrap();
    assert_eq!(doc.application().unwrap(), application);
}
