//! The nationwide table: every recommender's submission with its verdict and reason, filtered
//! by verdict and searched by institution or credit code, with counts per verdict. On a bureau
//! node the same page shows the bureau's own rows. Read-only.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use fedrec_common::i18n::{self, Lang};
use serde::Deserialize;

use super::{Chrome, person, render};
use crate::api::auth::Credential;
use crate::api::{Api, on_node};

pub struct Row {
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
}

#[derive(Deserialize)]
pub struct Filter {
    verdict: Option<String>,
    q: Option<String>,
    /// The language switch's own parameter, read by the layer.
    #[serde(rename = "lang")]
    _lang: Option<String>,
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
    let page = on_node(&api, move |node| {
        let chrome = Chrome::new(
            lang,
            &session,
            node.status(String::new())
                .map(|s| s.name)
                .unwrap_or_default(),
            node.is_writable(),
        );
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
        let search = filter.q.unwrap_or_default().trim().to_string();
        let wanted = filter.verdict.filter(|v| !v.is_empty());
        let rows = rows
            .into_iter()
            .filter(|row| wanted.as_ref().is_none_or(|v| &row.verdict == v))
            .filter(|row| {
                search.is_empty()
                    || row.institution.contains(&search)
                    || row.credit_code.eq_ignore_ascii_case(&search)
            })
            .map(|row| Row {
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
                &[("reason", i18n::s(error.to_string()))],
            ),
        ),
        Err(_) => axum::response::IntoResponse::into_response(StatusCode::INTERNAL_SERVER_ERROR),
    }
}
