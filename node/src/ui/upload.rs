//! The attachment upload of the bureau's editor: a plain `multipart/form-data` POST (the gate
//! takes that media type on this route only, see [`crate::api::auth::is_ui_upload`]) with the
//! attachment's kind and its file.
//!
//! The body is kept up to the node's configured attachment limit (plus room for the form's
//! own lines) and no further: a larger upload is thrown away as it arrives, never held whole
//! in memory (and read on a while, so the browser gets the answer rather than a reset). The parts are split by [`super::multipart`], each value checked, and the file goes
//! to the node through the same [`Node::attach`](crate::node::Node::attach) as the API's and
//! the CLI's, on behalf of the signed-in person. Any problem comes back on the editor, at the
//! attachments' box, in the reader's language.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use fedrec_common::form::AttachmentKind;
use fedrec_common::i18n::{self, Lang};

use super::bureau::{as_person, not_allowed, record_editor};
use super::multipart::{self, Part};
use super::{person, render};
use crate::api::auth::Credential;
use crate::api::{Api, on_node};
use crate::node::NodeError;

/// Room for the form's own lines (boundaries, headers, the kind) beside the file.
const FORM_OVERHEAD_BYTES: u64 = 16 * 1024;
/// The longest file name kept, in characters.
const NAME_MAX_CHARS: usize = 200;

/// How far past the limit an upload is read and thrown away, so that the browser, still
/// sending, gets the page that says the file is too large rather than a reset connection.
/// Beyond this the connection is dropped.
const DRAIN_BYTES: usize = 32 * 1024 * 1024;

/// The body, if it is at most `cap` bytes. Past `cap` nothing more is kept: the rest is read
/// and discarded up to [`DRAIN_BYTES`] further, and the answer is an error.
async fn read_capped(body: axum::body::Body, cap: usize) -> Result<Vec<u8>, ()> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ())?;
        seen = seen.saturating_add(chunk.len());
        if seen > cap {
            kept = Vec::new();
            if seen > cap.saturating_add(DRAIN_BYTES) {
                break;
            }
            continue;
        }
        kept.extend_from_slice(&chunk);
    }
    if seen > cap { Err(()) } else { Ok(kept) }
}

/// A problem at one of the upload's boxes, worded with the box's label.
fn at_box(lang: Lang, label: &str, problem: String) -> String {
    i18n::t(
        lang,
        "ui-box-problem",
        &[
            ("box", i18n::s(i18n::t(lang, label, &[]))),
            ("problem", i18n::s(problem)),
        ],
    )
}

/// What was uploaded, checked: the kind's key, the file's name and its bytes.
struct Upload {
    kind: &'static str,
    name: String,
    bytes: Vec<u8>,
}

/// Checks the parts of an upload; the problems name their boxes.
fn check(lang: Lang, parts: &[Part<'_>], limit: u64) -> Result<Upload, Vec<String>> {
    let mut problems = Vec::new();
    let value = |name: &str| parts.iter().rev().find(|p| p.name == name);
    let kind_text = value("kind").map_or(String::new(), |p| {
        String::from_utf8_lossy(p.data).trim().to_string()
    });
    let kind = AttachmentKind::parse(&kind_text).map(AttachmentKind::key);
    if kind.is_none() {
        let problem = i18n::t(lang, "ui-box-unknown", &[("value", i18n::s(kind_text))]);
        problems.push(at_box(lang, "ui-attachment-kind", problem));
    }
    let file = value("file").filter(|p| p.filename.as_deref().is_some_and(|n| !n.is_empty()));
    let Some(file) = file else {
        problems.push(at_box(
            lang,
            "ui-attachment-file",
            i18n::t(lang, "ui-attachment-none", &[]),
        ));
        return Err(problems);
    };
    // Some browsers send the whole path: keep the last part only.
    let name = file
        .filename
        .as_deref()
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    if name.is_empty()
        || name.chars().any(char::is_control)
        || name.chars().count() > NAME_MAX_CHARS
    {
        let problem = i18n::t(
            lang,
            "ui-attachment-bad-name",
            &[("max", NAME_MAX_CHARS.into())],
        );
        problems.push(at_box(lang, "ui-attachment-file", problem));
    }
    if file.data.is_empty() {
        let problem = i18n::t(lang, "ui-attachment-empty", &[]);
        problems.push(at_box(lang, "ui-attachment-file", problem));
    }
    if file.data.len() as u64 > limit {
        problems.push(too_large(lang, limit));
    }
    match kind {
        Some(kind) if problems.is_empty() => Ok(Upload {
            kind,
            name,
            bytes: file.data.to_vec(),
        }),
        _ => Err(problems),
    }
}

fn too_large(lang: Lang, limit: u64) -> String {
    let problem = i18n::t(lang, "ui-attachment-too-large", &[("limit", limit.into())]);
    at_box(lang, "ui-attachment-file", problem)
}

/// Attaches an uploaded file to a record (editors and approvers), then shows the record; on a
/// problem, the editor with the problem at the attachments' box.
pub async fn upload(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) if session.role.may_edit() => session,
        Ok(session) => return not_allowed(lang, &session),
        Err(response) => return response,
    };
    let limit = match on_node(&api, |node| Ok(node.config().max_attachment_bytes)).await {
        Ok(Ok(limit)) => limit,
        _ => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let cap = usize::try_from(limit.saturating_add(FORM_OVERHEAD_BYTES)).unwrap_or(usize::MAX);
    let checked = match read_capped(request.into_body(), cap).await {
        Err(_) => Err((StatusCode::PAYLOAD_TOO_LARGE, vec![too_large(lang, limit)])),
        Ok(body) => multipart::boundary(&content_type)
            .and_then(|boundary| {
                multipart::parse(&body, &boundary).map(|parts| check(lang, &parts, limit))
            })
            .unwrap_or_else(|_| Err(vec![i18n::t(lang, "ui-upload-broken", &[])]))
            .map_err(|problems| (StatusCode::UNPROCESSABLE_ENTITY, problems)),
    };
    let record = id.clone();
    let who = session.clone();
    let outcome = as_person(&api, lang, &session, move |node| {
        let (status, problems) = match checked {
            Ok(upload) => match node.attach(&record, upload.kind, &upload.name, &upload.bytes) {
                Ok(_) => return Ok(None),
                // The node's own refusals of the file (size, kind, emptiness, the form's
                // rules) belong at the box too; others (not found, not writable) stay pages.
                Err(error @ (NodeError::TooLarge { .. } | NodeError::BadRequest(_))) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    vec![at_box(lang, "ui-attachment-file", error.to_string())],
                ),
                Err(NodeError::Invalid(found)) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    found.iter().map(|p| i18n::field_error(lang, p)).collect(),
                ),
                Err(error) => return Err(error),
            },
            Err(refused) => refused,
        };
        let page = record_editor(node, lang, &who, &record, String::new(), problems)?;
        Ok(Some((status, page)))
    })
    .await;
    match outcome {
        Ok(None) => Redirect::to(&format!("/ui/records/{id}?done=attach")).into_response(),
        Ok(Some((status, page))) => render(status, &page),
        Err(response) => response,
    }
}
