//! The nationwide table: every recommender's submission with its verdict and reason, filtered
//! by verdict and searched by institution or credit code, with counts per verdict. On a bureau
//! node the same page shows the bureau's own rows, read-only.
//!
//! The same rows, under the same filter, download as CSV or an Excel workbook.
//!
//! On the ministry each submitted row opens its record's decision page: reviewers record an
//! expert's score and opinion, administrators recognise the base with a subsidy or decline it
//! with a reason, each through the same node operations as the API.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use fedrec_common::i18n::{self, Lang};
use serde::Deserialize;

use super::bureau::{chrome, node_refusal, not_allowed};
use super::{Chrome, person, refusal, render};
use crate::api::auth::Credential;
use crate::api::{Api, on_node};
use crate::ministry::DecisionRow;
use crate::node::NodeError;

pub struct Row {
    /// The record's decision page, on the ministry; empty elsewhere or without a submission.
    pub link: String,
    pub recommender: String,
    pub institution: String,
    pub credit_code: String,
    pub status: String,
    pub verdict: String,
    pub reason: String,
    pub review: String,
    pub record: Option<String>,
}

pub struct Count {
    pub key: String,
    pub label: String,
    pub count: usize,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "decisions.html")]
pub struct Decisions {
    pub chrome: Chrome,
    pub rows: Vec<Row>,
    pub counts: Vec<Count>,
    pub search: String,
    /// The filter as a query string, for the downloads of the same rows.
    pub query: String,
}

#[derive(Deserialize)]
pub struct Filter {
    verdict: Option<String>,
    q: Option<String>,
    /// The language switch's own parameter, read by the layer.
    #[serde(rename = "lang")]
    _lang: Option<String>,
}

impl Filter {
    fn search(&self) -> String {
        self.q.as_deref().unwrap_or_default().trim().to_string()
    }

    fn wanted(&self) -> Option<String> {
        self.verdict.clone().filter(|v| !v.is_empty())
    }

    /// The rows the filter keeps: one verdict, and an institution or credit code searched for.
    pub(super) fn select(&self, rows: Vec<DecisionRow>) -> Vec<DecisionRow> {
        let (search, wanted) = (self.search(), self.wanted());
        rows.into_iter()
            .filter(|row| wanted.as_ref().is_none_or(|v| &row.verdict == v))
            .filter(|row| {
                search.is_empty()
                    || row.institution.contains(&search)
                    || row.credit_code.eq_ignore_ascii_case(&search)
            })
            .collect()
    }

    /// The filter as a query string (percent-encoded).
    fn query(&self) -> String {
        let encode = |text: &str| -> String {
            text.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        char::from(b).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        format!(
            "verdict={}&q={}",
            encode(&self.wanted().unwrap_or_default()),
            encode(&self.search())
        )
    }
}

pub async fn decisions(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Query(filter): Query<Filter>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let query = filter.query();
    let page = on_node(&api, move |node| {
        let chrome = chrome(node, lang, &session);
        let batch = node.batches()?.into_keys().next_back();
        let mut rows = node.decisions(batch)?;
        let mut counts: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for row in &mut rows {
            row.localise(lang);
            let entry = counts
                .entry(row.verdict.clone())
                .or_insert_with(|| (row.verdict_text.clone(), 0));
            entry.1 += 1;
        }
        let search = filter.search();
        let wanted = filter.wanted();
        let rows = filter
            .select(rows)
            .into_iter()
            .map(|row| Row {
                link: match (&row.record, node.is_ministry()) {
                    (Some(record), true) => format!("/ui/decisions/{record}"),
                    _ => String::new(),
                },
                recommender: row.recommender_name,
                institution: row.institution,
                credit_code: row.credit_code,
                status: row.status_text,
                verdict: row.verdict_text,
                reason: row.reason_text,
                review: row.review_text,
                record: row.record,
            })
            .collect();
        let counts = counts
            .into_iter()
            .map(|(key, (label, count))| Count {
                selected: wanted.as_ref() == Some(&key),
                key,
                label,
                count,
            })
            .collect();
        Ok(Decisions {
            chrome,
            rows,
            counts,
            search,
            query,
        })
    })
    .await;
    match page {
        Ok(Ok(page)) => render(StatusCode::OK, &page),
        Ok(Err(error)) => super::refusal(
            StatusCode::BAD_REQUEST,
            i18n::t(
                lang,
                "ui-refused",
                &[(
                    "reason",
                    i18n::s(i18n::speaking(lang, || error.to_string())),
                )],
            ),
        ),
        Err(_) => axum::response::IntoResponse::into_response(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// The decisions table's rows under `filter` as CSV (`csv`) or an Excel workbook (`xlsx`),
/// worded in the reader's language, as a download named after the batch.
pub async fn download(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path(file): Path<String>,
    Query(filter): Query<Filter>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let (format, media_type) = match file.as_str() {
        "decisions.csv" => ("csv", "text/csv; charset=utf-8"),
        "decisions.xlsx" => (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return refusal(StatusCode::NOT_FOUND, i18n::t(lang, "ui-not-found", &[])),
    };
    let rows = super::bureau::as_person(&api, lang, &session, move |node| {
        let batch = node.batches()?.into_keys().next_back();
        let mut rows = node.decisions(batch)?;
        for row in &mut rows {
            row.localise(lang);
        }
        Ok((batch, filter.select(rows)))
    })
    .await;
    let (batch, rows) = match rows {
        Ok(found) => found,
        Err(response) => return response,
    };
    let name = match batch {
        Some(batch) => format!("fedrec-decisions-batch-{batch}.{format}"),
        None => format!("fedrec-decisions.{format}"),
    };
    // The workbook's writer saves to a path: a temporary file, off the async threads.
    let bytes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
        if format == "csv" {
            return Ok(crate::export::csv(&rows, lang));
        }
        let file = tempfile::Builder::new().suffix(".xlsx").tempfile()?;
        crate::export::xlsx(&rows, lang, file.path())?;
        Ok(std::fs::read(file.path())?)
    })
    .await;
    match bytes {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, media_type.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(error)) => {
            tracing::error!(%error, "the decisions table could not be written");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// One record's decision page on the ministry.
#[derive(Template)]
#[template(path = "outcome.html")]
pub struct OutcomePage {
    pub chrome: Chrome,
    pub record: String,
    pub recommender: String,
    pub institution: String,
    pub credit_code: String,
    pub verdict: String,
    pub reason: String,
    pub review: String,
    pub may_review: bool,
    pub may_decide: bool,
    /// What recognising means under the batch: the subsidy cap.
    pub recognise_means: String,
    /// What was just done, after a redirect here.
    pub message: String,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    #[serde(rename = "lang")]
    _lang: Option<String>,
}

/// The decision page of one submitted record (ministry roles only).
pub async fn outcome(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    if !session.role.is_ministry() {
        return not_allowed(lang, &session);
    }
    let page = on_node(&api, move |node| {
        let chrome = chrome(node, lang, &session);
        let mut row = node
            .decisions(None)?
            .into_iter()
            .find(|row| row.record.as_deref() == Some(id.as_str()))
            .ok_or_else(|| {
                NodeError::NotFound(i18n::t(lang, "error-no-record", &[("id", i18n::s(&id))]))
            })?;
        row.localise(lang);
        let cap = node
            .batches()?
            .into_values()
            .next_back()
            .map_or(0, |batch| batch.subsidy_cap_yuan);
        let message = match done.done.as_deref() {
            Some("review") => i18n::t(lang, "ui-done-review", &[]),
            Some("recognise") => i18n::t(lang, "ui-done-recognise", &[]),
            Some("decline") => i18n::t(lang, "ui-done-decline", &[]),
            _ => String::new(),
        };
        Ok(OutcomePage {
            recognise_means: i18n::t(lang, "ui-recognise-means", &[("cap", cap.into())]),
            chrome,
            record: id,
            recommender: row.recommender_name,
            institution: row.institution,
            credit_code: row.credit_code,
            verdict: row.verdict_text,
            reason: row.reason_text,
            review: row.review_text,
            may_review: session.role.may_review(),
            may_decide: session.role.may_decide(),
            message,
        })
    })
    .await;
    match page {
        Ok(Ok(page)) => render(StatusCode::OK, &page),
        Ok(Err(error)) => node_refusal(lang, error),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// One of the decision page's operations, to run on the node.
type Decision = Box<dyn FnOnce(&mut crate::node::Node) -> Result<(), NodeError> + Send>;

/// A decision form's fields.
#[derive(Deserialize)]
pub struct DecisionForm {
    expert: Option<String>,
    score: Option<String>,
    opinion: Option<String>,
    subsidy_yuan: Option<String>,
    reason: Option<String>,
}

/// A whole number from a form box, or the refusal that names the box.
fn number(lang: Lang, text: Option<&str>, label: &str) -> Result<u64, Box<Response>> {
    text.map(str::trim)
        .and_then(|t| t.parse::<u64>().ok())
        .ok_or_else(|| {
            Box::new(refusal(
                StatusCode::BAD_REQUEST,
                i18n::t(
                    lang,
                    "ui-not-a-number",
                    &[("box", i18n::s(i18n::t(lang, label, &[])))],
                ),
            ))
        })
}

/// Records a review (reviewers and administrators), or recognises or declines the record
/// (administrators), then shows its decision page again.
pub async fn decide(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path((id, act)): Path<(String, String)>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let allowed = match act.as_str() {
        "review" => session.role.may_review(),
        "recognise" | "decline" => session.role.may_decide(),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    if !allowed {
        return not_allowed(lang, &session);
    }
    let record = id.clone();
    let operation: Decision = match act.as_str() {
        "review" => {
            let score = match number(lang, form.score.as_deref(), "ui-review-score") {
                Ok(score) => u32::try_from(score).unwrap_or(u32::MAX),
                Err(response) => return *response,
            };
            let expert = form.expert.unwrap_or_default();
            let opinion = form.opinion.unwrap_or_default();
            Box::new(move |node| node.review(&id, &expert, score, &opinion).map(drop))
        }
        "recognise" => {
            let subsidy = match number(lang, form.subsidy_yuan.as_deref(), "ui-recognise-subsidy") {
                Ok(subsidy) => subsidy,
                Err(response) => return *response,
            };
            Box::new(move |node| node.recognise(&id, subsidy).map(drop))
        }
        _ => {
            let reason = form.reason.unwrap_or_default();
            Box::new(move |node| node.decline(&id, &reason).map(drop))
        }
    };
    let operator = session.operator.clone();
    match on_node(&api, move |node| node.as_operator(operator, operation)).await {
        Ok(Ok(())) => Redirect::to(&format!("/ui/decisions/{record}?done={act}")).into_response(),
        Ok(Err(error)) => node_refusal(lang, error),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
