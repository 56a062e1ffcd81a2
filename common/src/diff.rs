//! Per-box differences between two versions of an application: which box (by dotted path)
//! changed from what to what. Pure: the record's history replays its changes and hands each
//! version here ([`crate::record::RecordDoc::history_diffs`]); the web interface words the
//! values in the reader's language.

use crate::acts::Status;
use crate::form::{Application, FieldValue, all_fields};

/// The value of a box, or of the two things beside the boxes that a change can touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoxValue {
    Field(FieldValue),
    /// The attachments' file names, in the form's order.
    Attachments(Vec<String>),
    Status(Status),
}

/// One box that a change changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxChange {
    /// A box's dotted path, or `attachments`, or `status`.
    pub path: String,
    pub before: BoxValue,
    pub after: BoxValue,
}

/// The boxes that differ between `before` and `after`, in the form's order, then the
/// attachments.
pub fn box_changes(before: &Application, after: &Application) -> Vec<BoxChange> {
    let mut changes: Vec<BoxChange> = all_fields()
        .filter_map(|spec| {
            let (old, new) = (before.get(spec.path)?, after.get(spec.path)?);
            (old != new).then(|| BoxChange {
                path: spec.path.to_string(),
                before: BoxValue::Field(old),
                after: BoxValue::Field(new),
            })
        })
        .collect();
    if before.attachments != after.attachments {
        let names = |a: &Application| {
            a.attachments
                .iter()
                .map(|attachment| attachment.file.clone())
                .collect()
        };
        changes.push(BoxChange {
            path: "attachments".into(),
            before: BoxValue::Attachments(names(before)),
            after: BoxValue::Attachments(names(after)),
        });
    }
    changes
}

/// The status's change, if it changed.
pub fn status_change(before: Status, after: Status) -> Option<BoxChange> {
    (before != after).then(|| BoxChange {
        path: "status".into(),
        before: BoxValue::Status(before),
        after: BoxValue::Status(after),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::tests::valid;

    #[test]
    fn only_the_changed_boxes_are_reported_with_both_values() {
        let before = valid();
        assert!(box_changes(&before, &before).is_empty());
        let mut after = before.clone();
        after.recommender.contact = "张处长".into();
        after.plan.requested_subsidy_yuan += 1;
        let changes = box_changes(&before, &after);
        assert_eq!(
            changes,
            vec![
                BoxChange {
                    path: "plan.requested_subsidy_yuan".into(),
                    before: BoxValue::Field(FieldValue::Yuan(before.plan.requested_subsidy_yuan)),
                    after: BoxValue::Field(FieldValue::Yuan(after.plan.requested_subsidy_yuan)),
                },
                BoxChange {
                    path: "recommender.contact".into(),
                    before: BoxValue::Field(FieldValue::Text(before.recommender.contact.clone())),
                    after: BoxValue::Field(FieldValue::Text("张处长".into())),
                },
            ]
        );
    }

    #[test]
    fn attachments_and_status_are_reported_beside_the_boxes() {
        let before = valid();
        let mut after = before.clone();
        let removed = after.attachments.remove(0);
        let changes = box_changes(&before, &after);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].path, "attachments");
        match (&changes[0].before, &changes[0].after) {
            (BoxValue::Attachments(old), BoxValue::Attachments(new)) => {
                assert!(old.contains(&removed.file) && !new.contains(&removed.file));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(status_change(Status::Draft, Status::Draft), None);
        assert_eq!(
            status_change(Status::Draft, Status::Submitted).map(|c| c.after),
            Some(BoxValue::Status(Status::Submitted))
        );
    }

    #[test]
    fn a_new_application_differs_from_the_blank_form_in_every_filled_box() {
        let filled = valid();
        let changes = box_changes(&Application::default(), &filled);
        let filled_boxes = all_fields()
            .filter(|spec| filled.get(spec.path) != Application::default().get(spec.path))
            .count();
        assert!(filled_boxes > 10);
        assert_eq!(
            changes.len(),
            filled_boxes + usize::from(!filled.attachments.is_empty())
        );
    }
}
