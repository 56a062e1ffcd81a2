//! A bureau's pages: home (the open batch, its deadline, the quota and who holds it, every
//! record with its status and the ministry's verdict, the sync state), the application editor
//! with per-box validation, submit and withdraw behind a confirmation that says what happens
//! under the rules, and the history of who changed which box and when.
//!
//! Roles are enforced here, on the server: an editor drafts and edits, only an approver
//! submits and withdraws; ministry roles do neither.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fedrec_common::batch::Batch;
use fedrec_common::form::{Application, FieldError, field_spec};
use fedrec_common::i18n::{self, Lang};
use serde::Deserialize;

use super::boxes::{self, BoxView, Note};
use super::{Chrome, page_or_refusal, person, refusal, render};
use crate::api::auth::Credential;
use crate::api::session::Session;
use crate::api::{Api, on_node};
use crate::node::{EditRequest, Node, NodeError, RecordFilter};

/// A form body: (name, value) pairs in the order sent.
type FormPairs = axum::Form<Vec<(String, String)>>;

/// Runs `operation` on the node on behalf of the signed-in person; a failure becomes a page.
async fn as_person<T: Send + 'static>(
    api: &Arc<Api>,
    lang: Lang,
    session: &Session,
    operation: impl FnOnce(&mut Node) -> Result<T, NodeError> + Send + 'static,
) -> Result<T, Response> {
    let operator = session.operator.clone();
    match on_node(api, move |node| node.as_operator(operator, operation)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(node_refusal(lang, error)),
        Err(error) => {
            tracing::error!(%error, "a web interface operation failed");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

pub(super) fn node_refusal(lang: Lang, error: NodeError) -> Response {
    let status = match &error {
        NodeError::NotFound(_) => StatusCode::NOT_FOUND,
        NodeError::Forbidden(_) => StatusCode::FORBIDDEN,
        NodeError::Conflict(_) | NodeError::Record(_) => StatusCode::CONFLICT,
        NodeError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        NodeError::BadRequest(_) | NodeError::Invalid(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    // The refusal's own words were chosen in the request's language; the ones `Display`
    // chooses (the problem count, a storage failure) are chosen here, in the same language.
    let reason = i18n::speaking(lang, || error.to_string());
    refusal(
        status,
        i18n::t(lang, "ui-refused", &[("reason", i18n::s(reason))]),
    )
}

pub(super) fn not_allowed(lang: Lang, session: &Session) -> Response {
    let role = super::role_text(lang, session.role);
    refusal(
        StatusCode::FORBIDDEN,
        i18n::t(lang, "ui-not-allowed", &[("role", i18n::s(role))]),
    )
}

/// The batch a bureau works on: the newest this node holds.
fn open_batch(node: &Node) -> Result<Option<Batch>, NodeError> {
    Ok(node.batches()?.into_values().next_back())
}

/// The frame of a page: who is signed in, the node's name, and whether it can write.
pub(super) fn chrome(node: &Node, lang: Lang, session: &Session) -> Chrome {
    Chrome::new(
        lang,
        session,
        node.status(String::new())
            .map(|s| s.name)
            .unwrap_or_default(),
        node.is_writable(),
    )
}

pub struct RecordRow {
    pub id: String,
    pub institution: String,
    pub credit_code: String,
    pub status: String,
    pub verdict: String,
    pub reason: String,
    pub updated: String,
}

pub struct PeerRow {
    pub text: String,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct Home {
    pub chrome: Chrome,
    pub batch: Option<String>,
    pub deadline: String,
    pub left: String,
    pub quota: String,
    pub holder: String,
    pub records: Vec<RecordRow>,
    pub peers_line: String,
    pub peers: Vec<PeerRow>,
    pub may_edit: bool,
}

/// Home: the open batch, the quota, every record with its verdict, and the sync state.
pub async fn home(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    if session.role.is_ministry() {
        return Redirect::to("/ui/decisions").into_response();
    }
    let peers = api.net.peers().await;
    let who = session.clone();
    let page = as_person(&api, lang, &session, move |node| {
        let chrome = chrome(node, lang, &who);
        let batch = open_batch(node)?;
        let say = |id: &str, args: &[(&str, String)]| {
            let args: Vec<(&str, i18n::Arg)> =
                args.iter().map(|(n, v)| (*n, i18n::s(v.clone()))).collect();
            i18n::t(lang, id, &args)
        };
        let mut verdicts = BTreeMap::new();
        let mut holders = Vec::new();
        if let Some(batch) = &batch {
            for mut row in node.decisions(Some(batch.number.0)).unwrap_or_default() {
                row.localise(lang);
                if row.verdict == "accepted" {
                    holders.push(row.institution.clone());
                }
                if let Some(record) = row.record.clone() {
                    verdicts.insert(record, (row.verdict_text, row.reason_text));
                }
            }
        }
        let records = node
            .records(&RecordFilter::default())?
            .into_iter()
            .rev()
            .map(|summary| {
                let id = summary.id.to_string();
                let (verdict, reason) = verdicts.get(&id).cloned().unwrap_or_default();
                RecordRow {
                    institution: summary.institution,
                    credit_code: summary.credit_code,
                    status: i18n::record_status(lang, summary.status),
                    verdict,
                    reason,
                    updated: i18n::time(lang, summary.updated_at),
                    id,
                }
            })
            .collect();
        let now = crate::node::now();
        let (title, deadline, left, quota) = match &batch {
            Some(batch) => {
                let remaining = (batch.deadline.millis() - now.millis()) / 1000;
                let left = if remaining > 0 {
                    say(
                        "ui-left",
                        &[
                            ("days", (remaining / 86_400).to_string()),
                            ("hours", (remaining % 86_400 / 3600).to_string()),
                        ],
                    )
                } else {
                    say("ui-closed", &[])
                };
                (
                    Some(say(
                        "ui-batch",
                        &[
                            ("number", batch.number.0.to_string()),
                            ("title", batch.title.clone()),
                        ],
                    )),
                    say(
                        "ui-deadline",
                        &[("deadline", i18n::time(lang, batch.deadline))],
                    ),
                    left,
                    say(
                        "ui-quota",
                        &[
                            ("quota", batch.quota_per_recommender.to_string()),
                            ("cap", batch.subsidy_cap_yuan.to_string()),
                        ],
                    ),
                )
            }
            None => (None, String::new(), String::new(), String::new()),
        };
        let holder = if holders.is_empty() {
            say("ui-quota-free", &[])
        } else {
            say("ui-quota-holder", &[("holder", i18n::list(lang, holders))])
        };
        let peer_rows = peers
            .iter()
            .map(|peer| PeerRow {
                text: say(
                    "ui-sync-peer",
                    &[
                        (
                            "peer",
                            peer.node_id
                                .map_or_else(|| peer.peer_id.clone(), |id| id.short()),
                        ),
                        (
                            "round",
                            peer.last_round_secs_ago.map_or_else(
                                || say("ui-sync-never", &[]),
                                |secs| say("ui-sync-seconds-ago", &[("seconds", secs.to_string())]),
                            ),
                        ),
                        (
                            "pending",
                            peer.node_id
                                .and_then(|id| node.pending_for(&id))
                                .unwrap_or(0)
                                .to_string(),
                        ),
                    ],
                ),
            })
            .collect();
        let peers_line = if peers.is_empty() {
            say("ui-sync-none", &[])
        } else {
            say("ui-sync-peers", &[("count", peers.len().to_string())])
        };
        Ok(Home {
            chrome,
            batch: title,
            deadline,
            left,
            quota,
            holder,
            records,
            peers_line,
            peers: peer_rows,
            may_edit: who.role.may_edit(),
        })
    })
    .await;
    page_or_refusal(page)
}

#[derive(Template)]
#[template(path = "editor.html")]
pub struct Editor {
    pub chrome: Chrome,
    pub heading: String,
    /// The form's target: `/ui/records` for a new application, else the record's page.
    pub action: String,
    pub record: Option<String>,
    pub batch: u32,
    pub boxes: Vec<BoxView>,
    /// Problems not at any box of the form (the batch, the attachments).
    pub general: Vec<String>,
    pub message: String,
    pub status: String,
    pub frozen: bool,
    pub may_edit: bool,
    pub may_submit: bool,
    pub may_withdraw: bool,
    pub editor_only: bool,
    pub attachments: Vec<AttachmentRow>,
}

pub struct AttachmentRow {
    pub kind: String,
    pub file: String,
    pub size: String,
    pub hash: String,
}

#[derive(Deserialize)]
pub struct EditorQuery {
    saved: Option<String>,
    done: Option<String>,
}

struct EditorState {
    record: Option<(String, fedrec_common::record::Status)>,
    application: Application,
    batch: Option<Batch>,
    problems: Vec<FieldError>,
    message: String,
}

fn editor_page(chrome: Chrome, session: &Session, state: EditorState) -> Editor {
    let lang = chrome.lang;
    let batch_number = state
        .batch
        .as_ref()
        .map_or(state.application.batch, |b| b.number.0);
    let general = state
        .problems
        .iter()
        .filter(|p| field_spec(&p.field).is_none())
        .map(|p| i18n::field_error(lang, p))
        .collect();
    let boxes = boxes::views(
        lang,
        &state.application,
        state.batch.as_ref(),
        &state.problems,
    );
    use fedrec_common::record::Status;
    let status = state.record.as_ref().map(|(_, s)| *s);
    let frozen = status == Some(Status::Submitted);
    let heading = match &state.record {
        Some(_) => chrome.say(
            "ui-editor",
            &[(
                "institution",
                &i18n_text(&state.application, "applicant.name"),
            )],
        ),
        None => chrome.t("ui-editor-new"),
    };
    let attachments = state
        .application
        .attachments
        .iter()
        .map(|a| AttachmentRow {
            kind: i18n::t(lang, &format!("attachment-{}", a.kind), &[]),
            file: a.file.clone(),
            size: a.size.map(|s| s.to_string()).unwrap_or_default(),
            hash: a.blake3.clone().unwrap_or_default(),
        })
        .collect();
    Editor {
        heading,
        action: match &state.record {
            Some((id, _)) => format!("/ui/records/{id}"),
            None => "/ui/records".into(),
        },
        record: state.record.as_ref().map(|(id, _)| id.clone()),
        batch: batch_number,
        boxes,
        general,
        message: state.message,
        status: status
            .map(|s| i18n::record_status(lang, s))
            .unwrap_or_default(),
        frozen,
        may_edit: session.role.may_edit() && !frozen,
        may_submit: session.role.may_act() && status.is_some() && !frozen,
        may_withdraw: session.role.may_act() && frozen,
        editor_only: session.role == fedrec_common::operator::Role::Editor,
        attachments,
        chrome,
    }
}

fn i18n_text(application: &Application, path: &str) -> String {
    match application.get(path) {
        Some(fedrec_common::form::FieldValue::Text(text)) => text,
        _ => String::new(),
    }
}

/// A blank application form for the open batch.
pub async fn new_form(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) if session.role.may_edit() => session,
        Ok(session) => return not_allowed(lang, &session),
        Err(response) => return response,
    };
    let who = session.clone();
    let page = as_person(&api, lang, &session, move |node| {
        let batch = open_batch(node)?;
        let application = Application {
            batch: batch.as_ref().map_or(0, |b| b.number.0),
            ..Application::default()
        };
        Ok(editor_page(
            chrome(node, lang, &who),
            &who,
            EditorState {
                record: None,
                application,
                batch,
                problems: Vec::new(),
                message: String::new(),
            },
        ))
    })
    .await;
    page_or_refusal(page)
}

/// One record in the editor (read-only when submitted or for a role that may not edit).
pub async fn editor(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path(id): Path<String>,
    Query(query): Query<EditorQuery>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let who = session.clone();
    let page = as_person(&api, lang, &session, move |node| {
        let view = node.record(&id)?;
        let batch = node.batches()?.remove(&view.summary.batch.0);
        let message = match (query.saved.is_some(), query.done.as_deref()) {
            (true, _) => i18n::t(lang, "ui-saved", &[]),
            (_, Some("submit")) => i18n::t(lang, "ui-done-submit", &[]),
            (_, Some("withdraw")) => i18n::t(lang, "ui-done-withdraw", &[]),
            _ => String::new(),
        };
        let problems = batch
            .as_ref()
            .map(|b| view.application.validate(b))
            .unwrap_or_default();
        Ok(editor_page(
            chrome(node, lang, &who),
            &who,
            EditorState {
                record: Some((view.summary.id.to_string(), view.summary.status)),
                application: view.application,
                batch,
                problems,
                message,
            },
        ))
    })
    .await;
    page_or_refusal(page)
}

/// Creates a record from the posted form; on problems, the form again with each at its box.
pub async fn create(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    axum::Form(form): FormPairs,
) -> Response {
    save_form(api, lang, credential, None, form).await
}

/// Saves the posted form into a record.
pub async fn save(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path(id): Path<String>,
    axum::Form(form): FormPairs,
) -> Response {
    save_form(api, lang, credential, Some(id), form).await
}

enum Saved {
    Done(String),
    Problems(Box<Editor>),
}

async fn save_form(
    api: Arc<Api>,
    lang: Lang,
    credential: Option<Extension<Credential>>,
    id: Option<String>,
    form: Vec<(String, String)>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) if session.role.may_edit() => session,
        Ok(session) => return not_allowed(lang, &session),
        Err(response) => return response,
    };
    let who = session.clone();
    let outcome = as_person(&api, lang, &session, move |node| {
        let (mut application, record) = match &id {
            Some(id) => {
                let view = node.record(id)?;
                (
                    view.application,
                    Some((view.summary.id.to_string(), view.summary.status)),
                )
            }
            None => {
                let batch = open_batch(node)?;
                let application = Application {
                    batch: batch.as_ref().map_or(0, |b| b.number.0),
                    ..Application::default()
                };
                (application, None)
            }
        };
        let mut problems = boxes::fill(&mut application, &form);
        let batch = node.batches()?.remove(&application.batch);
        if let Some(batch) = &batch {
            problems.extend(application.validate(batch));
        }
        if problems.is_empty() {
            let result = match &id {
                Some(id) => node.edit_record(
                    id,
                    EditRequest {
                        application: Some(application.clone()),
                        set: BTreeMap::new(),
                    },
                ),
                None => node.create_record(application.clone()),
            };
            match result {
                Ok(summary) => return Ok(Saved::Done(summary.id.to_string())),
                Err(NodeError::Invalid(found)) => problems = found,
                Err(error) => return Err(error),
            }
        }
        Ok(Saved::Problems(Box::new(editor_page(
            chrome(node, lang, &who),
            &who,
            EditorState {
                record,
                application,
                batch,
                problems,
                message: i18n::t(lang, "ui-not-saved", &[]),
            },
        ))))
    })
    .await;
    match outcome {
        Ok(Saved::Done(id)) => Redirect::to(&format!("/ui/records/{id}?saved=1")).into_response(),
        Ok(Saved::Problems(page)) => render(StatusCode::UNPROCESSABLE_ENTITY, page.as_ref()),
        Err(response) => response,
    }
}

#[derive(Template)]
#[template(path = "note.html")]
pub struct NoteFragment {
    pub note: Note,
}

/// The note under one box for the form as posted so far (htmx, as the clerk types): its count
/// and its problems. Changes nothing.
pub async fn validate(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path(path): Path<String>,
    axum::Form(form): FormPairs,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Some(spec) = field_spec(&path) else {
        return refusal(
            StatusCode::NOT_FOUND,
            i18n::t(lang, "error-ui-no-box", &[("path", i18n::s(path))]),
        );
    };
    let fragment = as_person(&api, lang, &session, move |node| {
        let batch = open_batch(node)?;
        let mut application = Application {
            batch: batch.as_ref().map_or(0, |b| b.number.0),
            ..Application::default()
        };
        let mut problems = boxes::fill(&mut application, &form);
        if let Some(batch) = &batch {
            problems.extend(application.validate(batch));
        }
        Ok(NoteFragment {
            note: boxes::note(lang, &spec, &application, batch.as_ref(), &problems),
        })
    })
    .await;
    match fragment {
        Ok(fragment) => render(StatusCode::OK, &fragment),
        Err(response) => response,
    }
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct Confirm {
    pub chrome: Chrome,
    pub record: String,
    pub act: String,
    pub heading: String,
    pub means: String,
    pub button: String,
}

/// Which act a path names.
fn parse_act(act: &str) -> Option<fedrec_common::acts::Act> {
    match act {
        "submit" => Some(fedrec_common::acts::Act::Submit),
        "withdraw" => Some(fedrec_common::acts::Act::Withdraw),
        _ => None,
    }
}

/// The confirmation before submitting or withdrawing, saying what happens under the rules.
pub async fn confirm(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path((id, act)): Path<(String, String)>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Some(kind) = parse_act(&act) else {
        return refusal(StatusCode::NOT_FOUND, i18n::t(lang, "ui-not-found", &[]));
    };
    if !session.role.may_act() {
        return not_allowed(lang, &session);
    }
    let who = session.clone();
    let page = as_person(&api, lang, &session, move |node| {
        let view = node.record(&id)?;
        let chrome = chrome(node, lang, &who);
        let batch = node.batches()?.remove(&view.summary.batch.0);
        let deadline = batch
            .as_ref()
            .map(|b| i18n::time(lang, b.deadline))
            .unwrap_or_default();
        let (heading, means, button) = match kind {
            fedrec_common::acts::Act::Submit => (
                chrome.t("ui-submit"),
                chrome.say(
                    "ui-submit-means",
                    &[
                        ("number", &view.summary.batch.0.to_string()),
                        (
                            "quota",
                            &batch
                                .as_ref()
                                .map_or(1, |b| b.quota_per_recommender)
                                .to_string(),
                        ),
                        ("deadline", &deadline),
                    ],
                ),
                chrome.t("ui-confirm-submit"),
            ),
            fedrec_common::acts::Act::Withdraw => (
                chrome.t("ui-withdraw"),
                chrome.say("ui-withdraw-means", &[("deadline", &deadline)]),
                chrome.t("ui-confirm-withdraw"),
            ),
        };
        Ok(Confirm {
            heading: format!("{heading}: {}", view.summary.institution),
            chrome,
            record: view.summary.id.to_string(),
            act,
            means,
            button,
        })
    })
    .await;
    page_or_refusal(page)
}

/// Submits or withdraws (approvers only), then shows the record.
pub async fn act(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path((id, act)): Path<(String, String)>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Some(kind) = parse_act(&act) else {
        return refusal(StatusCode::NOT_FOUND, i18n::t(lang, "ui-not-found", &[]));
    };
    if !session.role.may_act() {
        return not_allowed(lang, &session);
    }
    let record = id.clone();
    let done = as_person(&api, lang, &session, move |node| match kind {
        fedrec_common::acts::Act::Submit => node.submit(&record),
        fedrec_common::acts::Act::Withdraw => node.withdraw(&record),
    })
    .await;
    match done {
        Ok(summary) => {
            Redirect::to(&format!("/ui/records/{}?done={act}", summary.id)).into_response()
        }
        Err(response) => response,
    }
}

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
    pub boxes: String,
}

/// Who changed which box and when, change by change.
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
        let lines = i18n::speaking(lang, || node.history(&id))?
            .into_iter()
            .map(|line| HistoryRow {
                when: i18n::time(lang, line.item.time),
                who: line
                    .item
                    .operator
                    .clone()
                    .unwrap_or_else(|| i18n::t(lang, "ui-nobody", &[])),
                node: line.author,
                boxes: i18n::list(
                    lang,
                    line.item.fields.iter().map(|field| match field.as_str() {
                        "status" => i18n::t(lang, "ui-col-status", &[]),
                        _ => i18n::field_label(lang, field),
                    }),
                ),
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

/// The printable page (the same as `fedrec record print`): as submitted, for a submitted record.
pub async fn print(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path(id): Path<String>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let html = as_person(&api, lang, &session, move |node| {
        let view = node.record(&id)?;
        let name = node
            .roster()?
            .and_then(|r| {
                r.recommender(&view.summary.recommender)
                    .map(|r| r.name.clone())
            })
            .unwrap_or_else(|| view.summary.recommender.to_string());
        let application = view.as_submitted.as_ref().unwrap_or(&view.application);
        Ok(crate::export::print_html(application, &name, lang))
    })
    .await;
    match html {
        Ok(html) => (
            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(response) => response,
    }
}

/// An attachment's bytes, by BLAKE3 hash, as a download.
pub async fn attachment(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path(hash): Path<String>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    match as_person(&api, lang, &session, move |node| node.attachment(&hash)).await {
        Ok(bytes) => (
            [
                (axum::http::header::CONTENT_TYPE, "application/octet-stream"),
                (axum::http::header::CONTENT_DISPOSITION, "attachment"),
            ],
            bytes,
        )
            .into_response(),
        Err(response) => response,
    }
}
