//! Batch publication on the ministry (administrators): the batches this node holds, and a
//! batch file pasted into a box, checked (a refusal names the box), shown with what publishing
//! it means (deadline in Beijing time, quota, cap, key areas), then signed and published by the
//! same [`Node::publish_batch`] as `fedrec batch publish`.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fedrec_common::batch::Batch;
use fedrec_common::i18n::{self, Lang};

use super::admin::{AdminConfirm, Pairs, administrator, at_box, field};
use super::bureau::{as_person, chrome};
use super::{Chrome, page_or_refusal, render};
use crate::api::Api;
use crate::api::auth::Credential;
use crate::api::session::Session;
use crate::node::{Node, NodeError};

pub struct BatchRow {
    pub number: u32,
    pub title: String,
    pub version: u32,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "batches.html")]
pub struct BatchesPage {
    pub chrome: Chrome,
    pub message: String,
    pub problems: Vec<String>,
    pub text: String,
    pub batches: Vec<BatchRow>,
}

fn batches_page(
    node: &Node,
    lang: Lang,
    session: &Session,
    problems: Vec<String>,
    text: String,
    message: String,
) -> Result<BatchesPage, NodeError> {
    let batches = node
        .batches()?
        .into_values()
        .rev()
        .map(|b| BatchRow {
            number: b.number.0,
            title: b.title,
            version: b.version,
            deadline: i18n::time(lang, b.deadline),
        })
        .collect();
    Ok(BatchesPage {
        chrome: chrome(node, lang, session),
        message,
        problems,
        text,
        batches,
    })
}

/// The batches this node holds and the form to publish one (administrators).
pub async fn batches(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Query(query): Query<Pairs>,
) -> Response {
    let session = match administrator(lang, credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let who = session.clone();
    let page = as_person(&api, lang, &session, move |node| {
        let message = match field(&query, "done") {
            "" => String::new(),
            batch => i18n::t(lang, "ui-done-batch", &[("batch", i18n::s(batch))]),
        };
        batches_page(node, lang, &who, Vec::new(), String::new(), message)
    })
    .await;
    page_or_refusal(page)
}

enum BatchStep {
    Problems(Box<BatchesPage>),
    Confirm(Box<AdminConfirm>),
    Done(u32),
}

/// Checks a pasted batch file and shows what publishing it means; confirmed, publishes it.
pub async fn publish_batch(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    axum::Form(form): axum::Form<Pairs>,
) -> Response {
    let session = match administrator(lang, credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    // The text as pasted: its own line breaks matter to TOML, so it is not trimmed.
    let text = form
        .iter()
        .rev()
        .find(|(n, _)| n == "toml")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let confirmed = field(&form, "confirmed") == "yes";
    let who = session.clone();
    let step = as_person(&api, lang, &session, move |node| {
        let checked = if text.trim().is_empty() {
            Err(i18n::t(lang, "ui-box-empty", &[]))
        } else {
            Batch::from_toml_str(&text).map_err(|e| e.to_string())
        };
        let batch = match checked {
            Ok(batch) => batch,
            Err(problem) => {
                let problems = vec![at_box(lang, "ui-batch-file", problem)];
                let page = batches_page(node, lang, &who, problems, text, String::new())?;
                return Ok(BatchStep::Problems(Box::new(page)));
            }
        };
        if confirmed {
            let batch = node.publish_batch(&text)?;
            tracing::info!(user = %who.operator, batch = batch.number.0, version = batch.version, "batch published from the web interface");
            return Ok(BatchStep::Done(batch.number.0));
        }
        let chrome = chrome(node, lang, &who);
        let means = chrome.say(
            "ui-batch-means",
            &[
                ("deadline", &i18n::time(lang, batch.deadline)),
                ("quota", &batch.quota_per_recommender.to_string()),
                ("cap", &batch.subsidy_cap_yuan.to_string()),
                ("areas", &i18n::list(lang, batch.key_areas.iter().cloned())),
            ],
        );
        Ok(BatchStep::Confirm(Box::new(AdminConfirm {
            heading: chrome.say(
                "ui-batch-heading",
                &[("batch", &batch.number.0.to_string()), ("title", &batch.title)],
            ),
            means: vec![means],
            items: Vec::new(),
            action: "/ui/batches".into(),
            hidden: vec![("toml".into(), text), ("confirmed".into(), "yes".into())],
            button: chrome.t("ui-confirm-batch"),
            cancel: "/ui/batches".into(),
            chrome,
        })))
    })
    .await;
    match step {
        Ok(BatchStep::Problems(page)) => render(StatusCode::UNPROCESSABLE_ENTITY, page.as_ref()),
        Ok(BatchStep::Confirm(page)) => render(StatusCode::OK, page.as_ref()),
        Ok(BatchStep::Done(batch)) => {
            Redirect::to(&format!("/ui/batches?done={batch}")).into_response()
        }
        Err(response) => response,
    }
}
