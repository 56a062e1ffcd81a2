//! The local HTTP JSON API (loopback only), which the CLI and the bureau's own programs use.
//! `docs/openapi.json` describes it and the daemon serves it at `/openapi.json`.
//!
//! Handlers parse and check the request, then run the operation on the [`Node`] in a blocking
//! task (RocksDB writes sync to disk), holding the node's mutex: one writer at a time. Every
//! refusal is a 4xx with a JSON body `{"error": "...", "problems": [...]}` naming what was wrong.
//! Every route sits behind [`auth::check`]: the token, Host, Origin and Content-Type checks.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use fedrec_common::form::Application;
use fedrec_common::i18n::{self, Lang, s, worded};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::metrics::Metrics;
use crate::node::{EditRequest, Node, NodeError, RecordFilter, RosterAdd, RosterBundle};

pub mod auth;
pub mod session;
pub mod tls;

const OPENAPI: &str = include_str!("../../docs/openapi.json");

pub struct Api {
    pub node: Mutex<Node>,
    /// Taken before `node` by every message that brings entries in (a push, or entries
    /// fetched), so that at most one of them waits for the node at a time. Without it, a
    /// hundred queued messages each take the node before a round's short steps or a clerk's
    /// request get their turn: on a ministry taking in the whole country, no verdict left for
    /// an office until every application was in.
    pub intake_turn: Mutex<()>,
    pub metrics: Arc<Metrics>,
    /// The web interface's login links and sessions (checked by the gate).
    pub sessions: Arc<session::Sessions>,
    pub peer_id: String,
    /// Told after every successful write, so peers hear of it at once.
    pub net: crate::net::NetHandle,
    /// Where other machines reach the web interface over TLS (`https://NAME:PORT`, one per
    /// `[ui] remote_hosts` name); empty unless the office turned it on.
    pub remote_origins: Vec<String>,
}

/// An API refusal or failure, rendered as a status and a JSON body.
pub struct ApiError(StatusCode, serde_json::Value);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<NodeError> for ApiError {
    fn from(error: NodeError) -> Self {
        // The variants worded at display time are worded for the request's reader.
        let message = i18n::speaking(reader(), || error.to_string());
        let status = match &error {
            NodeError::BadRequest(_) => StatusCode::BAD_REQUEST,
            NodeError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            NodeError::NotFound(_) => StatusCode::NOT_FOUND,
            NodeError::Forbidden(_) => StatusCode::FORBIDDEN,
            NodeError::Conflict(_) => StatusCode::CONFLICT,
            NodeError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            NodeError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            NodeError::Store(_) | NodeError::Record(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(%message, "operation failed");
        }
        let problems = match error {
            NodeError::Invalid(problems) => problems,
            _ => Vec::new(),
        };
        ApiError(
            status,
            serde_json::json!({ "error": message, "problems": problems }),
        )
    }
}

tokio::task_local! {
    /// The language the request being answered asked for (see [`observe`]).
    static READER: Lang;
}

/// The language of the request being answered: `?lang=`, then `Accept-Language`, then Chinese.
fn reader() -> Lang {
    READER.try_with(|lang| *lang).unwrap_or_default()
}

/// A catalogue message in the language of the request being answered.
pub(crate) fn say(id: &str, args: &[(&str, i18n::Arg)]) -> String {
    i18n::t(reader(), id, args)
}

fn bad_request(message: String) -> ApiError {
    ApiError(
        StatusCode::BAD_REQUEST,
        serde_json::json!({ "error": message, "problems": [] }),
    )
}

/// Words a refused query string with the catalogue message `id`.
fn query_error(
    id: &'static str,
) -> impl FnOnce(axum::extract::rejection::QueryRejection) -> ApiError {
    move |e| bad_request(say(id, &[("detail", s(e.to_string()))]))
}

/// Parses a JSON body, refusing malformed JSON and unknown fields with a message naming them.
fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| bad_request(say("error-request-body", &[("detail", s(e.to_string()))])))
}

type ApiResult = Result<Response, ApiError>;

/// Runs `operation` on the node in a blocking task, holding the node's mutex (one writer at a
/// time); `Err` only if the task itself failed (panicked).
pub(crate) async fn on_node<T: Send + 'static>(
    api: &Arc<Api>,
    operation: impl FnOnce(&mut Node) -> Result<T, NodeError> + Send + 'static,
) -> Result<Result<T, NodeError>, tokio::task::JoinError> {
    let api = Arc::clone(api);
    let lang = reader();
    tokio::task::spawn_blocking(move || {
        let mut node = api
            .node
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        i18n::speaking(lang, || operation(&mut node))
    })
    .await
}

/// Runs `operation` on the node in a blocking task and returns its value.
async fn run_on_node<T: Send + 'static>(
    api: &Arc<Api>,
    operation: impl FnOnce(&mut Node) -> Result<T, NodeError> + Send + 'static,
) -> Result<T, ApiError> {
    let result = on_node(api, operation).await.map_err(|e| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({ "error": say("error-internal", &[("detail", s(e.to_string()))]) }),
        )
    })?;
    Ok(result?)
}

/// Runs `operation` and answers with its JSON.
async fn with_node<T: serde::Serialize + Send + 'static>(
    api: &Arc<Api>,
    operation: impl FnOnce(&mut Node) -> Result<T, NodeError> + Send + 'static,
) -> ApiResult {
    Ok(Json(run_on_node(api, operation).await?).into_response())
}

/// Runs `operation` and answers with its bytes.
async fn bytes_from_node(
    api: &Arc<Api>,
    operation: impl FnOnce(&mut Node) -> Result<Vec<u8>, NodeError> + Send + 'static,
) -> ApiResult {
    let bytes = run_on_node(api, operation).await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

/// The API's routes behind `gate` (see [`auth`]): nothing is reachable around it.
///
/// `pages` are further routes served behind the same gate: the web interface's, under `/ui/`
/// (the gate accepts a session there instead of the token, see [`auth::is_ui_path`]).
pub fn router(
    api: Arc<Api>,
    max_body_bytes: usize,
    gate: Arc<auth::Gate>,
    pages: Router<Arc<Api>>,
) -> Router {
    Router::new()
        .merge(pages)
        .route("/login-links", post(login_link))
        .route("/health", get(health))
        .route(
            "/openapi.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI) }),
        )
        .route("/metrics", get(metrics))
        .route("/status", get(status))
        .route("/verify", get(verify))
        .route("/backup", post(backup))
        .route("/records", get(list).post(create))
        .route("/records/{id}", get(show).patch(edit))
        .route("/records/{id}/submit", post(submit))
        .route("/records/{id}/withdraw", post(withdraw))
        .route("/records/{id}/attachments", post(attach))
        .route("/records/{id}/history", get(history))
        .route("/records/{id}/export", get(export))
        .route("/attachments/{hash}", get(attachment))
        .route("/heads", get(heads))
        .route("/decisions", get(decisions))
        .route("/records/{id}/review", post(review))
        .route("/records/{id}/recognise", post(recognise))
        .route("/records/{id}/decline", post(decline))
        .route("/publish", post(publish))
        .route("/published", get(published))
        .route("/bundle/export", post(bundle_export))
        .route("/bundle/import", post(bundle_import))
        .route("/roster", get(roster))
        .route("/roster/recommenders", post(roster_add))
        .route("/roster/revoke", post(roster_revoke))
        .route("/roster/may-submit", post(roster_may_submit))
        .route("/roster/import", post(roster_import))
        .route("/batches", post(publish_batch))
        .fallback(|| async {
            ApiError(
                StatusCode::NOT_FOUND,
                serde_json::json!({ "error": say("error-no-endpoint", &[]) }),
            )
        })
        .layer(DefaultBodyLimit::max(max_body_bytes))
        // The gate runs inside `observe`, so refused requests are counted too.
        .layer(middleware::from_fn_with_state(gate, auth::check))
        .layer(middleware::from_fn_with_state(Arc::clone(&api), observe))
        .with_state(api)
}

/// Counts requests and their latency, and logs each at debug level.
async fn observe(State(api): State<Arc<Api>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let lang = request_lang(
        request
            .uri()
            .query()
            .and_then(|query| query.split('&').find_map(|pair| pair.strip_prefix("lang="))),
        request.headers(),
    );
    let response = READER.scope(lang, next.run(request)).await;
    // The web interface answers a change with a redirect to the changed page.
    let changed = response.status().is_success() || response.status().is_redirection();
    if method != axum::http::Method::GET && changed {
        api.net.notify();
    }
    let micros = started.elapsed().as_micros() as u64;
    api.metrics
        .observe_request(response.status().as_u16(), micros);
    tracing::debug!(%method, %path, status = response.status().as_u16(), micros, "api request");
    response
}

async fn health(State(api): State<Arc<Api>>) -> ApiResult {
    with_node(&api, |node| {
        Ok(serde_json::json!({ "status": "ok", "writable": node.is_writable() }))
    })
    .await
}

async fn metrics(State(api): State<Arc<Api>>) -> ApiResult {
    let metrics = Arc::clone(&api.metrics);
    let text = run_on_node(&api, move |node| {
        Ok(metrics.render(&node.store().sizes(), node.store().quarantine_usage()))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

async fn status(State(api): State<Arc<Api>>) -> ApiResult {
    let peer_id = api.peer_id.clone();
    let peers = api.net.peers().await;
    with_node(&api, move |node| {
        node.status(peer_id).map(|mut status| {
            status.peers = peers
                .into_iter()
                .map(|mut peer| {
                    peer.pending_entries = peer.node_id.and_then(|id| node.pending_for(&id));
                    peer
                })
                .collect();
            status
        })
    })
    .await
}

/// Takes a checkpoint of the database for `fedrec backup` (see [`crate::backup`]).
async fn backup(State(api): State<Arc<Api>>, body: Bytes) -> ApiResult {
    let request: crate::backup::CheckpointRequest = parse(&body)?;
    with_node(&api, move |node| {
        crate::backup::checkpoint(node, &request.dir)
    })
    .await
}

async fn verify(State(api): State<Arc<Api>>) -> ApiResult {
    with_node(&api, |node| {
        node.verify_store()
            .map(|entries| serde_json::json!({ "verified_entries": entries }))
    })
    .await
}

async fn list(
    State(api): State<Arc<Api>>,
    filter: Result<Query<RecordFilter>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(filter) = filter.map_err(query_error("error-query"))?;
    with_node(&api, move |node| node.records(&filter)).await
}

async fn attachment(State(api): State<Arc<Api>>, Path(hash): Path<String>) -> ApiResult {
    bytes_from_node(&api, move |node| node.attachment(&hash)).await
}

async fn create(State(api): State<Arc<Api>>, body: Bytes) -> ApiResult {
    let application: Application = parse(&body)?;
    let response = with_node(&api, move |node| node.create_record(application)).await?;
    Ok((StatusCode::CREATED, response).into_response())
}

async fn show(State(api): State<Arc<Api>>, Path(id): Path<String>) -> ApiResult {
    with_node(&api, move |node| node.record(&id)).await
}

async fn edit(State(api): State<Arc<Api>>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let request: EditRequest = parse(&body)?;
    if request.application.is_none() && request.set.is_empty() {
        return Err(bad_request(say("error-request-body-edit", &[])));
    }
    with_node(&api, move |node| node.edit_record(&id, request)).await
}

async fn submit(State(api): State<Arc<Api>>, Path(id): Path<String>) -> ApiResult {
    with_node(&api, move |node| node.submit(&id)).await
}

async fn withdraw(State(api): State<Arc<Api>>, Path(id): Path<String>) -> ApiResult {
    with_node(&api, move |node| node.withdraw(&id)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachQuery {
    kind: String,
    name: String,
}

async fn attach(
    State(api): State<Arc<Api>>,
    Path(id): Path<String>,
    query: Result<Query<AttachQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> ApiResult {
    let Query(query) = query.map_err(query_error("error-query-attachment"))?;
    with_node(&api, move |node| {
        node.attach(&id, &query.kind, &query.name, &body)
    })
    .await
}

async fn history(State(api): State<Arc<Api>>, Path(id): Path<String>) -> ApiResult {
    with_node(&api, move |node| node.history(&id)).await
}

async fn export(State(api): State<Arc<Api>>, Path(id): Path<String>) -> ApiResult {
    bytes_from_node(&api, move |node| node.export(&id)).await
}

async fn roster(State(api): State<Arc<Api>>) -> ApiResult {
    with_node(&api, |node| node.roster_bundle()).await
}

async fn roster_add(State(api): State<Arc<Api>>, body: Bytes) -> ApiResult {
    let request: RosterAdd = parse(&body)?;
    with_node(&api, move |node| node.roster_add(request)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeRequest {
    key: String,
    after: u64,
}

async fn roster_revoke(State(api): State<Arc<Api>>, body: Bytes) -> ApiResult {
    let request: RevokeRequest = parse(&body)?;
    with_node(&api, move |node| {
        node.roster_revoke(&request.key, request.after)
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MaySubmitRequest {
    key: String,
    may_submit: bool,
}

async fn roster_may_submit(State(api): State<Arc<Api>>, body: Bytes) -> ApiResult {
    let request: MaySubmitRequest = parse(&body)?;
    with_node(&api, move |node| {
        node.roster_may_submit(&request.key, request.may_submit)
    })
    .await
}

async fn roster_import(State(api): State<Arc<Api>>, body: Bytes) -> ApiResult {
    let bundle: RosterBundle = parse(&body)?;
    with_node(&api, move |node| node.import_bundle(bundle)).await
}

async fn publish_batch(State(api): State<Arc<Api>>, body: Bytes) -> ApiResult {
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| bad_request(say("error-batch-not-utf8", &[])))?;
    with_node(&api, move |node| node.publish_batch(&text)).await
}

async fn heads(State(api): State<Arc<Api>>) -> ApiResult {
    with_node(&api, |node| node.all_heads()).await
}

async fn bundle_export(State(api): State<Arc<Api>>, body: Bytes) -> ApiResult {
    let since: Vec<fedrec_common::sync::FeedPosition> = if body.is_empty() {
        Vec::new()
    } else {
        parse(&body)?
    };
    bytes_from_node(&api, move |node| node.export_bundle(&since)).await
}

async fn bundle_import(State(api): State<Arc<Api>>, body: Bytes) -> ApiResult {
    with_node(&api, move |node| node.import_bundle_file(&body)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionsQuery {
    batch: Option<u32>,
    /// `zh` or `en`: the language of the rows' texts (their keys and codes never change).
    lang: Option<String>,
}

/// The reader's language: `?lang=`, then the first language of `Accept-Language`, then
/// Simplified Chinese.
fn request_lang(query: Option<&str>, headers: &axum::http::HeaderMap) -> Lang {
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split([',', ';']).next());
    query
        .and_then(Lang::parse)
        .or_else(|| accepted.and_then(Lang::parse))
        .unwrap_or_default()
}

async fn decisions(
    State(api): State<Arc<Api>>,
    headers: axum::http::HeaderMap,
    query: Result<Query<DecisionsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(query) = query.map_err(query_error("error-query"))?;
    let lang = request_lang(query.lang.as_deref(), &headers);
    with_node(&api, move |node| {
        let mut rows = node.decisions(query.batch)?;
        for row in &mut rows {
            row.localise(lang);
        }
        Ok(rows)
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewRequest {
    expert: String,
    score: u32,
    opinion: String,
}

async fn review(State(api): State<Arc<Api>>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let request: ReviewRequest = parse(&body)?;
    with_node(&api, move |node| {
        node.review(&id, &request.expert, request.score, &request.opinion)
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecogniseRequest {
    subsidy_yuan: u64,
}

async fn recognise(State(api): State<Arc<Api>>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let request: RecogniseRequest = parse(&body)?;
    with_node(&api, move |node| node.recognise(&id, request.subsidy_yuan)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeclineRequest {
    reason: String,
}

async fn decline(State(api): State<Arc<Api>>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let request: DeclineRequest = parse(&body)?;
    with_node(&api, move |node| node.decline(&id, &request.reason)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    batch: u32,
}

async fn publish(State(api): State<Arc<Api>>, body: Bytes) -> ApiResult {
    let request: BatchRequest = parse(&body)?;
    with_node(&api, move |node| node.publish(request.batch)).await
}

async fn published(
    State(api): State<Arc<Api>>,
    query: Result<Query<BatchRequest>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(query) = query.map_err(query_error("error-query-batch"))?;
    with_node(&api, move |node| node.published(query.batch)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginLinkRequest {
    user: String,
    role: Option<String>,
}

/// A single-use login link for the web interface, for a named person in a role that fits this
/// node (`fedrec ui`).
async fn login_link(
    State(api): State<Arc<Api>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> ApiResult {
    use fedrec_common::operator::{OperatorName, Role};
    let request: LoginLinkRequest = parse(&body)?;
    let operator = OperatorName::parse(&request.user)
        .map_err(|e| bad_request(say("error-login-user", &[("detail", s(worded(&e)))])))?;
    let ministry = run_on_node(&api, |node| Ok(node.is_ministry())).await?;
    let role = match request.role.as_deref() {
        Some(text) => Role::parse(text)
            .map_err(|e| bad_request(say("error-login-role", &[("detail", s(worded(&e)))])))?,
        None => Role::default_for(ministry),
    };
    role.check_node(ministry)
        .map_err(|e| bad_request(say("error-login-role", &[("detail", s(worded(&e)))])))?;
    let secret = api
        .sessions
        .issue_link(session::Session {
            operator: operator.clone(),
            role,
        })
        .map_err(|e| {
            let message = match e {
                session::LinkError::TooManyLinks(_) => worded(&e),
                other => say("error-internal", &[("detail", s(worded(&other)))]),
            };
            ApiError(
                StatusCode::TOO_MANY_REQUESTS,
                serde_json::json!({ "error": message, "problems": [] }),
            )
        })?;
    // The gate has checked that Host is one of this API's own names.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let remote_urls: Vec<String> = api
        .remote_origins
        .iter()
        .map(|origin| format!("{origin}/ui/login?link={secret}"))
        .collect();
    Ok(Json(serde_json::json!({
        "url": format!("http://{host}/ui/login?link={secret}"),
        "remote_urls": remote_urls,
        "user": operator.as_str(),
        "role": role.key(),
        "expires_in_secs": session::LINK_TTL.as_secs(),
    }))
    .into_response())
}
