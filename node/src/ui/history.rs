//! A record's history as per-box differences: for each change, when (Beijing time), who (the
//! person its change message names), from which node, and each box it changed (label and
//! dotted path) from what to what. The differences are computed in `common`
//! ([`fedrec_common::diff`], replayed by `RecordDoc::history_diffs`); this module only words
//! the values in the reader's language.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use fedrec_common::diff::{BoxChange, BoxValue};
use fedrec_common::form::{FieldValue, Nature};
use fedrec_common::i18n::{self, Lang};

use super::bureau::{as_person, chrome};
use super::{Chrome, page_or_refusal, person};
use crate::api::Api;
use crate::api::auth::Credential;

/// The most characters of a value shown; long boxes are cut with an ellipsis.
const VALUE_MAX_CHARS: usize = 120;

#[derive(Template)]
#[template(path = "history.html")]
pub struct History {
    pub chrome: Chrome,
    pub heading: String,
    pub record: String,
    pub lines: Vec<HistoryRow>,
}

pub struct HistoryRow {
    pub when: String,
    pub who: String,
    pub node: String,
    pub changes: Vec<ChangeRow>,
}

pub struct ChangeRow {
    pub label: String,
    pub path: String,
    pub before: String,
    pub after: String,
}

/// A value as the reader reads it: empty boxes say so, long text is cut.
fn value_text(lang: Lang, path: &str, value: &BoxValue) -> String {
    let text = match value {
        BoxValue::Field(FieldValue::Text(text)) if path == "applicant.nature" => {
            Nature::parse(text).map_or_else(
                || text.clone(),
                |n| i18n::t(lang, &format!("nature-{}", n.key()), &[]),
            )
        }
        BoxValue::Field(FieldValue::Text(text)) => text.clone(),
        BoxValue::Field(FieldValue::YesNo(Some(true))) => i18n::t(lang, "ui-yes", &[]),
        BoxValue::Field(FieldValue::YesNo(Some(false))) => i18n::t(lang, "ui-no", &[]),
        BoxValue::Field(FieldValue::YesNo(None)) => String::new(),
        BoxValue::Field(FieldValue::Yuan(yuan)) => {
            i18n::t(lang, "print-yuan", &[("yuan", i18n::s(yuan.to_string()))])
        }
        BoxValue::Field(FieldValue::Areas(areas)) => i18n::list(lang, areas.iter().cloned()),
        BoxValue::Attachments(files) => i18n::list(lang, files.iter().cloned()),
        BoxValue::Status(status) => i18n::record_status(lang, *status),
    };
    if text.trim().is_empty() {
        return i18n::t(lang, "ui-history-empty", &[]);
    }
    if text.chars().count() > VALUE_MAX_CHARS {
        let cut: String = text.chars().take(VALUE_MAX_CHARS).collect();
        return format!("{cut}…");
    }
    text
}

fn change_row(lang: Lang, change: &BoxChange) -> ChangeRow {
    ChangeRow {
        label: match change.path.as_str() {
            "status" => i18n::t(lang, "ui-col-status", &[]),
            path => i18n::field_label(lang, path),
        },
        before: value_text(lang, &change.path, &change.before),
        after: value_text(lang, &change.path, &change.after),
        path: change.path.clone(),
    }
}

/// Who changed which box from what to what, and when, change by change.
pub async fn history(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path(id): Path<String>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let who = session.clone();
    let page = as_person(&api, lang, &session, move |node| {
        let view = node.record(&id)?;
        // The authors are worded in the page's language, which may come from its cookie.
        let lines = i18n::speaking(lang, || node.history_diffs(&id))?
            .into_iter()
            .map(|(diff, author)| HistoryRow {
                when: i18n::time(lang, diff.item.time),
                who: diff
                    .item
                    .operator
                    .clone()
                    .unwrap_or_else(|| i18n::t(lang, "ui-nobody", &[])),
                node: author,
                changes: diff.changes.iter().map(|c| change_row(lang, c)).collect(),
            })
            .collect();
        let chrome = chrome(node, lang, &who);
        Ok(History {
            heading: chrome.say(
                "ui-history-title",
                &[("institution", &view.summary.institution)],
            ),
            chrome,
            record: view.summary.id.to_string(),
            lines,
        })
    })
    .await;
    page_or_refusal(page)
}
