//! The application form's boxes as the editor shows them, and a posted form back into an
//! application. Pure: no node, no I/O; the box table, limits and validation are `common`'s
//! (`form::FIELDS`, `Application::validate`), the words the catalogue's.

use fedrec_common::batch::Batch;
use fedrec_common::form::{Application, FieldError, FieldKind, FieldSpec, FieldValue, Nature};
use fedrec_common::i18n::{self, Lang};

/// One option of a choice list.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// What is shown under a box: its count against the limit and its problems. htmx replaces it
/// as the clerk types (`/ui/validate/{path}`).
pub struct Note {
    pub id: String,
    pub count: String,
    pub problems: Vec<String>,
}

/// One box of the editor.
pub struct BoxView {
    /// The dotted path: the form control's name.
    pub path: String,
    /// The path with dots as dashes: the control's id.
    pub id: String,
    pub label: String,
    /// `line`, `prose`, `yesno`, `yuan`, `areas` or `nature`.
    pub kind: &'static str,
    pub value: String,
    pub limit: usize,
    pub required: bool,
    pub choices: Vec<Choice>,
    pub note: Note,
}

/// The control id of a box.
pub fn control_id(path: &str) -> String {
    path.replace('.', "-")
}

fn kind_of(spec: &FieldSpec) -> &'static str {
    match spec.kind {
        _ if spec.path == "applicant.nature" => "nature",
        FieldKind::Line(_) => "line",
        FieldKind::Prose(_) => "prose",
        FieldKind::YesNo => "yesno",
        FieldKind::Yuan => "yuan",
        FieldKind::Areas => "areas",
    }
}

fn text_of(value: Option<FieldValue>) -> String {
    match value {
        Some(FieldValue::Text(text)) => text,
        Some(FieldValue::YesNo(Some(true))) => "yes".into(),
        Some(FieldValue::YesNo(Some(false))) => "no".into(),
        Some(FieldValue::Yuan(0)) | Some(FieldValue::YesNo(None)) | None => String::new(),
        Some(FieldValue::Yuan(yuan)) => yuan.to_string(),
        Some(FieldValue::Areas(areas)) => areas.join(","),
    }
}

/// The note under a box: its count (characters against the limit, or the subsidy against the
/// cap) and the problems found at it.
pub fn note(
    lang: Lang,
    spec: &FieldSpec,
    application: &Application,
    batch: Option<&Batch>,
    problems: &[FieldError],
) -> Note {
    let say = |id: &str, args: &[(&str, String)]| {
        let args: Vec<(&str, i18n::Arg)> =
            args.iter().map(|(n, v)| (*n, i18n::s(v.clone()))).collect();
        i18n::t(lang, id, &args)
    };
    let count = match (spec.kind, application.get(spec.path)) {
        // The nature is a choice; its stored key's length means nothing to the clerk.
        _ if spec.path == "applicant.nature" => String::new(),
        (FieldKind::Line(limit) | FieldKind::Prose(limit), Some(FieldValue::Text(text))) => say(
            "ui-count",
            &[
                ("count", text.chars().count().to_string()),
                ("limit", limit.to_string()),
            ],
        ),
        (FieldKind::Yuan, Some(FieldValue::Yuan(asked))) => match batch {
            Some(batch) => say(
                "ui-subsidy",
                &[
                    ("asked", asked.to_string()),
                    ("cap", batch.subsidy_cap_yuan.to_string()),
                ],
            ),
            None => String::new(),
        },
        _ => String::new(),
    };
    Note {
        id: format!("note-{}", control_id(spec.path)),
        count,
        problems: problems
            .iter()
            .filter(|p| p.field == spec.path)
            .map(|p| i18n::problem(lang, p))
            .collect(),
    }
}

/// Every box of the form with its value from `application` and its problems.
pub fn views(
    lang: Lang,
    application: &Application,
    batch: Option<&Batch>,
    problems: &[FieldError],
) -> Vec<BoxView> {
    fedrec_common::form::all_fields()
        .map(|spec| {
            let value = text_of(application.get(spec.path));
            let choices = match kind_of(&spec) {
                "nature" => Nature::ALL
                    .iter()
                    .map(|nature| Choice {
                        value: nature.key().into(),
                        label: i18n::t(lang, &format!("nature-{}", nature.key()), &[]),
                        selected: value == nature.key(),
                    })
                    .collect(),
                "yesno" => [("yes", "ui-yes"), ("no", "ui-no")]
                    .into_iter()
                    .map(|(key, id)| Choice {
                        value: key.into(),
                        label: i18n::t(lang, id, &[]),
                        selected: value == key,
                    })
                    .collect(),
                "areas" => {
                    let chosen: Vec<&str> = value.split(',').collect();
                    batch
                        .map(|b| b.key_areas.clone())
                        .unwrap_or_default()
                        .into_iter()
                        .map(|area| Choice {
                            selected: chosen.contains(&area.as_str()),
                            label: area.clone(),
                            value: area,
                        })
                        .collect()
                }
                _ => Vec::new(),
            };
            let limit = match spec.kind {
                FieldKind::Line(limit) | FieldKind::Prose(limit) => limit,
                _ => 0,
            };
            BoxView {
                path: spec.path.into(),
                id: control_id(spec.path),
                label: i18n::field_label(lang, spec.path),
                kind: kind_of(&spec),
                value,
                limit,
                required: spec.required,
                choices,
                note: note(lang, &spec, application, batch, problems),
            }
        })
        .collect()
}

/// Fills `application`'s boxes from a posted form (pairs of dotted path and value, a key area
/// once per chosen area) and returns the problems of values that could not be read at all. A
/// box the form does not carry keeps its value; an emptied yes/no or yuan box is cleared.
pub fn fill(application: &mut Application, form: &[(String, String)]) -> Vec<FieldError> {
    let mut problems = Vec::new();
    for spec in fedrec_common::form::all_fields() {
        let values: Vec<&str> = form
            .iter()
            .filter(|(name, _)| name == spec.path)
            .map(|(_, value)| value.as_str())
            .collect();
        if values.is_empty() {
            continue;
        }
        let result = match spec.kind {
            FieldKind::Areas => {
                let areas = values
                    .iter()
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())
                    .map(String::from)
                    .collect();
                application.set(spec.path, FieldValue::Areas(areas))
            }
            // Browsers send a text area's line breaks as CR LF.
            FieldKind::Prose(_) => {
                application.set_from_text(spec.path, &values[0].replace("\r\n", "\n"))
            }
            FieldKind::YesNo if values[0].trim().is_empty() => {
                application.set(spec.path, FieldValue::YesNo(None))
            }
            FieldKind::Yuan if values[0].trim().is_empty() => {
                application.set(spec.path, FieldValue::Yuan(0))
            }
            _ => application.set_from_text(spec.path, values[0]),
        };
        if let Err(problem) = result {
            problems.push(problem);
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_posted_form_fills_every_kind_of_box() {
        let mut application = Application::default();
        let form: Vec<(String, String)> = [
            ("applicant.name", "某某学院"),
            ("applicant.overview", "第一行\r\n第二行"),
            ("plan.areas", ""),
            ("plan.areas", "软件"),
            ("plan.areas", "机器人"),
            ("recommender.runs_regional_base", "yes"),
            ("plan.requested_subsidy_yuan", "3000000"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert!(fill(&mut application, &form).is_empty());
        assert_eq!(
            application.get("applicant.overview"),
            Some(FieldValue::Text("第一行\n第二行".into()))
        );
        assert_eq!(
            application.get("plan.areas"),
            Some(FieldValue::Areas(vec!["软件".into(), "机器人".into()]))
        );
        assert_eq!(
            application.get("plan.requested_subsidy_yuan"),
            Some(FieldValue::Yuan(3_000_000))
        );
        let views = views(Lang::Zh, &application, None, &[]);
        let overview = views
            .iter()
            .find(|v| v.path == "applicant.overview")
            .unwrap();
        assert_eq!(overview.note.count, "7 / 20000 字");
    }

    #[test]
    fn an_unreadable_value_is_a_problem_at_its_box() {
        let mut application = Application::default();
        let form = vec![(
            "plan.requested_subsidy_yuan".to_string(),
            "很多".to_string(),
        )];
        let problems = fill(&mut application, &form);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "plan.requested_subsidy_yuan");
    }
}
