//! The ministry administrator's pages: the roster (recommenders and keys; add a recommender
//! and its key, grant a field office's key the right to submit or take it back, revoke a key)
//! and publication of a batch's recognised bases; and the published list, which every
//! signed-in person may read. Batch publication is in [`super::batches`].
//!
//! Every change goes through two posts: the first checks each value from the browser (a
//! refusal names its box) and tries the change on a copy of the roster, then shows a
//! confirmation page that says what will happen, carrying the same values in hidden fields;
//! the second, with `confirmed=yes`, runs the same [`Node`] operation as the API and the CLI on
//! behalf of the named administrator. Only administrators reach these pages (403 otherwise).

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fedrec_common::i18n::{self, Lang};
use fedrec_common::identity::NodeId;
use fedrec_common::ids::RecommenderId;
use fedrec_common::review::Outcome;
use fedrec_common::roster::{KeyRole, Recommender, RecommenderKind, Roster};

use super::bureau::{as_person, chrome, not_allowed};
use super::{Chrome, page_or_refusal, person, render};
use crate::api::Api;
use crate::api::auth::Credential;
use crate::api::session::Session;
use crate::node::{Node, NodeError, RosterAdd};

/// A form body or query: (name, value) pairs in the order sent.
pub(super) type Pairs = Vec<(String, String)>;

/// The last value sent for `name`, trimmed ("" when absent).
pub(super) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.trim())
}

/// A problem at a box, worded with the box's label.
pub(super) fn at_box(lang: Lang, label: &str, problem: String) -> String {
    i18n::t(
        lang,
        "ui-box-problem",
        &[
            ("box", i18n::s(i18n::t(lang, label, &[]))),
            ("problem", i18n::s(problem)),
        ],
    )
}

/// The signed-in person if they administer the ministry; else the refusal (403 for a reviewer
/// or a bureau's role).
pub(super) fn administrator(
    lang: Lang,
    credential: Option<&Credential>,
) -> Result<Session, Response> {
    let session = person(credential)?;
    if session.role.may_decide() {
        Ok(session)
    } else {
        Err(not_allowed(lang, &session))
    }
}

/// The confirmation before an administrator's change: what will happen, and the same values
/// posted again with `confirmed=yes`.
#[derive(Template)]
#[template(path = "admin_confirm.html")]
pub struct AdminConfirm {
    pub chrome: Chrome,
    pub heading: String,
    pub means: Vec<String>,
    /// What the change concerns, one line each (the bases to publish).
    pub items: Vec<String>,
    pub action: String,
    pub hidden: Vec<(String, String)>,
    /// Empty when there is nothing to confirm.
    pub button: String,
    pub cancel: String,
}

// ---- The published list and its publication ----

pub struct BaseRow {
    pub institution: String,
    pub credit_code: String,
    pub recommender: String,
    pub subsidy: String,
}

#[derive(Template)]
#[template(path = "published.html")]
pub struct Published {
    pub chrome: Chrome,
    pub heading: String,
    pub message: String,
    pub batch: u32,
    pub bases: Vec<BaseRow>,
    pub may_publish: bool,
}

/// The batch a query names (`batch=N`), else the newest this node holds.
fn chosen_batch(node: &Node, lang: Lang, pairs: &[(String, String)]) -> Result<u32, NodeError> {
    match field(pairs, "batch") {
        "" => Ok(node.batches()?.into_keys().next_back().unwrap_or(0)),
        text => text.parse().map_err(|_| {
            NodeError::BadRequest(i18n::t(
                lang,
                "ui-not-a-number",
                &[("box", i18n::s(i18n::t(lang, "ui-col-batch", &[])))],
            ))
        }),
    }
}

fn recommender_name(roster: Option<&Roster>, id: &RecommenderId) -> String {
    roster
        .and_then(|r| r.recommender(id))
        .map_or_else(|| id.to_string(), |r| r.name.clone())
}

/// The published list of a batch, as this node holds it (any signed-in person).
pub async fn published(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Query(query): Query<Pairs>,
) -> Response {
    let session = match person(credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let who = session.clone();
    let page = as_person(&api, lang, &session, move |node| {
        let batch = chosen_batch(node, lang, &query)?;
        let roster = node.roster()?;
        let bases = node
            .published(batch)?
            .into_iter()
            .map(|base| BaseRow {
                recommender: recommender_name(roster.as_ref(), &base.recommender),
                institution: base.institution,
                credit_code: base.credit_code,
                subsidy: base.subsidy_yuan.to_string(),
            })
            .collect();
        let chrome = chrome(node, lang, &who);
        let message = match field(&query, "done") {
            "" => String::new(),
            count => chrome.say("ui-done-publish", &[("count", count)]),
        };
        Ok(Published {
            heading: chrome.say("ui-published-title", &[("batch", &batch.to_string())]),
            message,
            batch,
            bases,
            may_publish: who.role.may_decide(),
            chrome,
        })
    })
    .await;
    page_or_refusal(page)
}

/// The confirmation before publishing: the recognised bases that will be published.
pub async fn publish_confirm(
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
        let batch = chosen_batch(node, lang, &query)?;
        let chrome = chrome(node, lang, &who);
        let items: Vec<String> = node
            .decisions(Some(batch))?
            .into_iter()
            .filter_map(|row| match row.outcome {
                Some(Outcome::Recognised { subsidy_yuan, .. }) => Some(chrome.say(
                    "ui-publish-base",
                    &[
                        ("institution", &row.institution),
                        ("code", &row.credit_code),
                        ("recommender", &row.recommender_name),
                        ("yuan", &subsidy_yuan.to_string()),
                    ],
                )),
                _ => None,
            })
            .collect();
        let number = batch.to_string();
        let (means, button) = if items.is_empty() {
            (
                chrome.say("ui-publish-nothing", &[("batch", &number)]),
                String::new(),
            )
        } else {
            (chrome.t("ui-publish-means"), chrome.t("ui-confirm-publish"))
        };
        Ok(AdminConfirm {
            heading: chrome.say("ui-publish-heading", &[("batch", &number)]),
            means: vec![means],
            items,
            action: "/ui/publish".into(),
            hidden: vec![("batch".into(), number.clone())],
            button,
            cancel: format!("/ui/published?batch={number}"),
            chrome,
        })
    })
    .await;
    page_or_refusal(page)
}

/// Publishes a batch's recognised bases, then shows the published list.
pub async fn publish(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    axum::Form(form): axum::Form<Pairs>,
) -> Response {
    let session = match administrator(lang, credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let user = session.operator.to_string();
    let done = as_person(&api, lang, &session, move |node| {
        let batch = chosen_batch(node, lang, &form)?;
        let bases = node.publish(batch)?;
        tracing::info!(%user, batch, bases = bases.len(), "published from the web interface");
        Ok((batch, bases.len()))
    })
    .await;
    match done {
        Ok((batch, count)) => {
            Redirect::to(&format!("/ui/published?batch={batch}&done={count}")).into_response()
        }
        Err(response) => response,
    }
}

// ---- The roster ----

pub struct RecommenderRow {
    pub id: String,
    pub name: String,
    pub kind: String,
}

pub struct KeyRow {
    pub key: String,
    pub short: String,
    pub recommender: String,
    pub role: String,
    pub rights: String,
    pub field_office: bool,
    pub may_submit: bool,
    pub revoked: bool,
}

pub struct Choice {
    pub value: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "roster.html")]
pub struct RosterPage {
    pub chrome: Chrome,
    pub version: String,
    pub message: String,
    pub problems: Vec<String>,
    pub recommenders: Vec<RecommenderRow>,
    pub keys: Vec<KeyRow>,
    pub kinds: Vec<Choice>,
    pub roles: Vec<Choice>,
}

const KINDS: [(&str, RecommenderKind); 5] = [
    ("province", RecommenderKind::Province),
    ("department", RecommenderKind::Department),
    ("central_enterprise", RecommenderKind::CentralEnterprise),
    ("association", RecommenderKind::Association),
    ("institute", RecommenderKind::Institute),
];

fn kind_text(lang: Lang, kind: RecommenderKind) -> String {
    let id = match kind {
        RecommenderKind::Province => "kind-province",
        RecommenderKind::Department => "kind-department",
        RecommenderKind::CentralEnterprise => "kind-central-enterprise",
        RecommenderKind::Association => "kind-association",
        RecommenderKind::Institute => "kind-institute",
    };
    i18n::t(lang, id, &[])
}

fn key_role_text(lang: Lang, role: KeyRole) -> String {
    let id = match role {
        KeyRole::Hq => "key-role-hq",
        KeyRole::FieldOffice => "key-role-field-office",
    };
    i18n::t(lang, id, &[])
}

fn roster_page(
    node: &Node,
    lang: Lang,
    session: &Session,
    problems: Vec<String>,
    message: String,
) -> Result<RosterPage, NodeError> {
    let roster = node.roster()?.unwrap_or_else(|| Roster::new(node.id()));
    let chrome = chrome(node, lang, session);
    let recommenders = roster
        .recommenders
        .iter()
        .map(|r| RecommenderRow {
            id: r.id.to_string(),
            name: r.name.clone(),
            kind: kind_text(lang, r.kind),
        })
        .collect();
    let keys = roster
        .keys
        .iter()
        .map(|grant| {
            let rights = match (grant.revoked_after, grant.role, grant.may_submit) {
                (Some(after), _, _) => {
                    chrome.say("ui-right-revoked", &[("after", &after.to_string())])
                }
                (None, KeyRole::Hq, _) | (None, KeyRole::FieldOffice, true) => {
                    chrome.t("ui-right-submits")
                }
                (None, KeyRole::FieldOffice, false) => chrome.t("ui-right-edits"),
            };
            KeyRow {
                key: grant.key.to_string(),
                short: grant.key.short(),
                recommender: recommender_name(Some(&roster), &grant.recommender),
                role: key_role_text(lang, grant.role),
                rights,
                field_office: grant.role == KeyRole::FieldOffice,
                may_submit: grant.may_submit,
                revoked: grant.revoked_after.is_some(),
            }
        })
        .collect();
    Ok(RosterPage {
        version: chrome.say(
            "ui-roster-version",
            &[("version", &roster.version.to_string())],
        ),
        message,
        problems,
        recommenders,
        keys,
        kinds: KINDS
            .iter()
            .map(|(value, kind)| Choice {
                value,
                label: kind_text(lang, *kind),
            })
            .collect(),
        roles: vec![
            Choice {
                value: "hq",
                label: key_role_text(lang, KeyRole::Hq),
            },
            Choice {
                value: "field_office",
                label: key_role_text(lang, KeyRole::FieldOffice),
            },
        ],
        chrome,
    })
}

/// The roster: recommenders, keys and the forms that change them (administrators).
pub async fn roster(
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
            version => i18n::t(lang, "ui-done-roster", &[("version", i18n::s(version))]),
        };
        roster_page(node, lang, &who, Vec::new(), message)
    })
    .await;
    page_or_refusal(page)
}

/// A roster change, checked: what the node will be asked to do, and what the confirmation
/// says about it.
struct RosterChange {
    heading: String,
    means: Vec<String>,
    operation: RosterOperation,
}

/// The node operation a checked roster change runs once confirmed.
type RosterOperation = Box<dyn FnOnce(&Node) -> Result<Roster, NodeError> + Send>;

/// Reads a key from its box.
fn key_box(lang: Lang, text: &str) -> Result<NodeId, String> {
    if text.is_empty() {
        return Err(at_box(
            lang,
            "ui-col-key",
            i18n::t(lang, "ui-box-empty", &[]),
        ));
    }
    text.parse()
        .map_err(|e: fedrec_common::identity::IdentityError| {
            at_box(lang, "ui-col-key", e.to_string())
        })
}

/// Checks an "add a recommender" form and tries it on `roster`.
fn check_add(
    lang: Lang,
    form: &[(String, String)],
    roster: &mut Roster,
) -> Result<RosterChange, Vec<String>> {
    let mut problems = Vec::new();
    let id = field(form, "recommender");
    let id: Option<RecommenderId> = match id.parse() {
        Ok(id) => Some(id),
        Err(e) => {
            let e: fedrec_common::ids::IdError = e;
            problems.push(at_box(lang, "ui-roster-id", e.to_string()));
            None
        }
    };
    let name = field(form, "name").to_string();
    if name.is_empty() {
        problems.push(at_box(
            lang,
            "ui-roster-name",
            i18n::t(lang, "ui-box-empty", &[]),
        ));
    }
    let kind_value = field(form, "kind");
    let kind = RecommenderKind::parse(kind_value);
    if kind.is_none() {
        let problem = i18n::t(lang, "ui-box-unknown", &[("value", i18n::s(kind_value))]);
        problems.push(at_box(lang, "ui-roster-kind", problem));
    }
    let key_text = field(form, "key");
    let key = if key_text.is_empty() {
        None
    } else {
        match key_box(lang, key_text) {
            Ok(key) => Some(key),
            Err(problem) => {
                problems.push(at_box(lang, "ui-roster-key", problem));
                None
            }
        }
    };
    let role_value = field(form, "role");
    let role = match role_value {
        "" | "hq" => Some(KeyRole::Hq),
        "field_office" => Some(KeyRole::FieldOffice),
        other => {
            let problem = i18n::t(lang, "ui-box-unknown", &[("value", i18n::s(other))]);
            problems.push(at_box(lang, "ui-roster-role", problem));
            None
        }
    };
    let may_submit = field(form, "may_submit") == "yes";
    let (Some(id), Some(kind), Some(role)) = (id, kind, role) else {
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let roster_problem = |e: fedrec_common::roster::RosterError| vec![i18n::roster_error(lang, &e)];
    roster
        .add_recommender(Recommender {
            id: id.clone(),
            name: name.clone(),
            kind,
        })
        .map_err(roster_problem)?;
    let mut means = vec![i18n::t(
        lang,
        "ui-roster-add-means",
        &[("kind", i18n::s(kind_text(lang, kind)))],
    )];
    if let Some(key) = key {
        roster
            .add_key(key, id.clone(), role)
            .map_err(roster_problem)?;
        let submits = role == KeyRole::Hq || may_submit;
        if may_submit && role == KeyRole::FieldOffice {
            roster.set_may_submit(&key, true).map_err(roster_problem)?;
        }
        means.push(i18n::t(
            lang,
            "ui-roster-add-key-means",
            &[
                ("key", i18n::s(key.to_string())),
                ("role", i18n::s(key_role_text(lang, role))),
                ("submits", i18n::s(if submits { "yes" } else { "no" })),
            ],
        ));
    }
    let heading = i18n::t(
        lang,
        "ui-roster-add-heading",
        &[
            ("name", i18n::s(name.as_str())),
            ("id", i18n::s(id.to_string())),
        ],
    );
    let request = RosterAdd {
        recommender: id.to_string(),
        name,
        kind: kind_value.to_string(),
        key: key.map(|k| k.to_string()),
        role: Some(
            if role == KeyRole::Hq {
                "hq"
            } else {
                "field_office"
            }
            .to_string(),
        ),
        may_submit: may_submit && role == KeyRole::FieldOffice,
    };
    Ok(RosterChange {
        heading,
        means,
        operation: Box::new(move |node| node.roster_add(request)),
    })
}

/// Checks a "may submit" form (grant or take back) and tries it on `roster`.
fn check_may_submit(
    lang: Lang,
    form: &[(String, String)],
    roster: &mut Roster,
) -> Result<RosterChange, Vec<String>> {
    let key = key_box(lang, field(form, "key")).map_err(|p| vec![p])?;
    let grant = match field(form, "may_submit") {
        "yes" => true,
        "no" => false,
        other => {
            let problem = i18n::t(lang, "ui-box-unknown", &[("value", i18n::s(other))]);
            return Err(vec![at_box(lang, "ui-col-rights", problem)]);
        }
    };
    roster
        .set_may_submit(&key, grant)
        .map_err(|e| vec![i18n::roster_error(lang, &e)])?;
    let (heading, means) = if grant {
        ("ui-roster-grant-heading", "ui-roster-grant-means")
    } else {
        ("ui-roster-ungrant-heading", "ui-roster-ungrant-means")
    };
    let text = key.to_string();
    Ok(RosterChange {
        heading: i18n::t(lang, heading, &[("key", i18n::s(key.short()))]),
        means: vec![i18n::t(lang, means, &[])],
        operation: Box::new(move |node| node.roster_may_submit(&text, grant)),
    })
}

/// Checks a revocation form and tries it on `roster`.
fn check_revoke(
    lang: Lang,
    form: &[(String, String)],
    roster: &mut Roster,
) -> Result<RosterChange, Vec<String>> {
    let key = key_box(lang, field(form, "key")).map_err(|p| vec![p])?;
    let after: u64 = field(form, "after").parse().map_err(|_| {
        vec![i18n::t(
            lang,
            "ui-not-a-number",
            &[("box", i18n::s(i18n::t(lang, "ui-roster-after", &[])))],
        )]
    })?;
    roster
        .revoke(&key, after)
        .map_err(|e| vec![i18n::roster_error(lang, &e)])?;
    let text = key.to_string();
    Ok(RosterChange {
        heading: i18n::t(
            lang,
            "ui-roster-revoke-heading",
            &[("key", i18n::s(key.short()))],
        ),
        means: vec![i18n::t(
            lang,
            "ui-roster-revoke-means",
            &[("after", i18n::s(after.to_string()))],
        )],
        operation: Box::new(move |node| node.roster_revoke(&text, after)),
    })
}

/// What a roster post leads to.
enum RosterStep {
    Problems(Box<RosterPage>),
    Confirm(Box<AdminConfirm>),
    Done(u64),
}

/// Adds a recommender (`add`), grants or takes back a field office's right to submit
/// (`may-submit`) or revokes a key (`revoke`): first the check and the confirmation, then,
/// confirmed, the change (administrators).
pub async fn roster_change(
    State(api): State<Arc<Api>>,
    Extension(lang): Extension<Lang>,
    credential: Option<Extension<Credential>>,
    Path(act): Path<String>,
    axum::Form(form): axum::Form<Pairs>,
) -> Response {
    let session = match administrator(lang, credential.as_deref()) {
        Ok(session) => session,
        Err(response) => return response,
    };
    type Check = fn(Lang, &[(String, String)], &mut Roster) -> Result<RosterChange, Vec<String>>;
    let check: Check = match act.as_str() {
        "add" => check_add,
        "may-submit" => check_may_submit,
        "revoke" => check_revoke,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let who = session.clone();
    let step = as_person(&api, lang, &session, move |node| {
        let mut trial = node.roster()?.unwrap_or_else(|| Roster::new(node.id()));
        let change = match check(lang, &form, &mut trial) {
            Ok(change) => change,
            Err(problems) => {
                let page = roster_page(node, lang, &who, problems, String::new())?;
                return Ok(RosterStep::Problems(Box::new(page)));
            }
        };
        if field(&form, "confirmed") == "yes" {
            let roster = (change.operation)(node)?;
            tracing::info!(user = %who.operator, act, version = roster.version, "roster changed from the web interface");
            return Ok(RosterStep::Done(roster.version));
        }
        let chrome = chrome(node, lang, &who);
        let mut hidden: Vec<(String, String)> =
            form.into_iter().filter(|(n, _)| n != "confirmed").collect();
        hidden.push(("confirmed".into(), "yes".into()));
        Ok(RosterStep::Confirm(Box::new(AdminConfirm {
            heading: change.heading,
            means: change.means,
            items: Vec::new(),
            action: format!("/ui/roster/{act}"),
            hidden,
            button: chrome.t("ui-confirm-roster"),
            cancel: "/ui/roster".into(),
            chrome,
        })))
    })
    .await;
    match step {
        Ok(RosterStep::Problems(page)) => render(StatusCode::UNPROCESSABLE_ENTITY, page.as_ref()),
        Ok(RosterStep::Confirm(page)) => render(StatusCode::OK, page.as_ref()),
        Ok(RosterStep::Done(version)) => {
            Redirect::to(&format!("/ui/roster?done={version}")).into_response()
        }
        Err(response) => response,
    }
}
