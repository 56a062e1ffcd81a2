//! The web interface: server-rendered pages under `/ui/`, served by the daemon's own API server
//! behind the same gate (see [`crate::api::auth`]: Host allow-list, Origin, a session cookie
//! instead of the token, and the same-origin proof for every change).
//!
//! A request flows: the gate admits it and attaches the person's [`Session`]; [`headers`]
//! chooses the reader's language and, after the handler, adds the Content-Security-Policy and
//! the other protective headers; the handler reads or changes the node through
//! [`crate::api::run_on_node`] (the node's mutex, in a blocking task) on behalf of the person,
//! and renders an askama template whose every word comes from the Fluent catalogue
//! (`common/locales/*/ui.ftl`). Every form is a plain POST; htmx (vendored, see `assets/`)
//! only adds per-box validation as the clerk types.
//!
//! - [`bureau`]: home, application editor, submit and withdraw;
//! - [`history`]: a record's history as per-box differences;
//! - [`boxes`]: the form's boxes as the editor shows them, and a posted form back to an
//!   application;
//! - [`upload`] and [`multipart`]: the editor's attachment upload;
//! - [`ministry`]: the nationwide decisions table and each record's decision page;
//! - [`admin`]: the ministry administrator's roster, batches and publication, and the
//!   published list; [`batches`]: batch publication.
//!
//! The interface is served on loopback over plain HTTP, and to other machines only when the
//! office turns it on (`[ui] remote_listen`), then over TLS alone ([`crate::api::tls`]), behind
//! a gate of its own that admits the configured names over `https://` and marks the requests
//! so that every cookie set on them is `Secure`.

// Page handlers return a ready `Response` as their refusal, as axum handlers do; boxing it
// would only add an allocation to every refusal.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use fedrec_common::i18n::{self, Arg, Lang};
use fedrec_common::operator::Role;
use serde::Deserialize;

use crate::api::Api;
use crate::api::auth::{Credential, OverTls};
use crate::api::session::Session;

pub mod admin;
pub mod batches;
pub mod boxes;
pub mod bureau;
pub mod history;
pub mod ministry;
pub mod multipart;
pub mod upload;

/// The vendored htmx (2.0.11, BSD Zero-Clause licence: `assets/htmx-LICENSE.txt`).
const HTMX: &[u8] = include_bytes!("../../assets/htmx-2.0.11.min.js");
const STYLE: &[u8] = include_bytes!("../../assets/fedrec.css");

/// The policy of every page: scripts and styles from this origin only, no inline script or
/// style, no eval (htmx is configured without either), no framing, forms post only here.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
                       connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                       base-uri 'none'; object-src 'none'";
/// The printable page carries its own inline style sheet (shared with `fedrec record print`)
/// and no script at all.
const PRINT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
/// The cookie that keeps the reader's choice of language.
const LANG_COOKIE: &str = "fedrec_lang";

/// The web interface's routes, to be served behind the API's gate.
pub fn router() -> Router<Arc<Api>> {
    Router::new()
        .route("/ui", get(|| async { Redirect::to("/ui/") }))
        .route("/ui/", get(bureau::home))
        .route("/ui/login", get(login))
        .route("/ui/logout", post(logout))
        .route("/ui/assets/htmx.min.js", get(htmx))
        .route("/ui/assets/fedrec.css", get(style))
        .route("/ui/records", post(bureau::create))
        .route("/ui/records/new", get(bureau::new_form))
        .route("/ui/records/{id}", get(bureau::editor).post(bureau::save))
        .route("/ui/validate/{path}", post(bureau::validate))
        .route(
            "/ui/records/{id}/{act}",
            get(bureau::confirm).post(bureau::act),
        )
        .route("/ui/records/{id}/attachments", post(upload::upload))
        .route("/ui/records/{id}/history", get(history::history))
        .route("/ui/records/{id}/print", get(bureau::print))
        .route("/ui/attachments/{hash}", get(bureau::attachment))
        .route("/ui/decisions", get(ministry::decisions))
        .route("/ui/downloads/{file}", get(ministry::download))
        .route("/ui/decisions/{id}", get(ministry::outcome))
        .route("/ui/decisions/{id}/{act}", post(ministry::decide))
        .route("/ui/published", get(admin::published))
        .route(
            "/ui/publish",
            get(admin::publish_confirm).post(admin::publish),
        )
        .route("/ui/roster", get(admin::roster))
        .route("/ui/roster/{act}", post(admin::roster_change))
        .route(
            "/ui/batches",
            get(batches::batches).post(batches::publish_batch),
        )
        .layer(middleware::from_fn(headers))
}

/// The reader's language: `?lang=` (remembered in a cookie), then the cookie, then the first
/// language of `Accept-Language`, then Simplified Chinese.
fn choose_lang(request: &Request) -> (Lang, Option<Lang>) {
    let asked = request.uri().query().and_then(|query| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == "lang")
            .and_then(|(_, value)| Lang::parse(value))
    });
    let headers = request.headers();
    let remembered = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LANG_COOKIE)
        .and_then(|(_, value)| Lang::parse(value));
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split([',', ';']).next())
        .and_then(Lang::parse);
    let lang = asked.or(remembered).or(accepted).unwrap_or_default();
    (lang, asked)
}

/// Chooses the language before the handler and adds the protective headers after it.
async fn headers(mut request: Request, next: Next) -> Response {
    let (lang, asked) = choose_lang(&request);
    let secure = secure_attribute(request.extensions());
    let print = request.uri().path().ends_with("/print");
    request.extensions_mut().insert(lang);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let csp = if print { PRINT_CSP } else { CSP };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The login link's secret is in a URL: never send it to another site as a referrer.
    // (`no-referrer` would make browsers send `Origin: null` with form posts.)
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    if let Some(lang) = asked {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000{secure}",
            lang.tag()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

/// `; Secure` for the cookies of a request that came over TLS (the listener for other
/// machines), so that a browser never sends them over plain HTTP; nothing on loopback, which
/// is plain HTTP.
fn secure_attribute(extensions: &axum::http::Extensions) -> &'static str {
    if extensions.get::<OverTls>().is_some() {
        "; Secure"
    } else {
        ""
    }
}

/// The person a request comes from. The gate admits no `/ui/` request without a session except
/// the login link and the assets, so a page handler always finds one.
pub(crate) fn person(credential: Option<&Credential>) -> Result<Session, Response> {
    match credential {
        Some(Credential::Session(session)) => Ok(session.clone()),
        _ => Err((
            StatusCode::UNAUTHORIZED,
            crate::api::say("error-door-signed-out", &[]),
        )
            .into_response()),
    }
}

/// What every page shows around its content: who is signed in, in which language, and whether
/// the node can write.
pub struct Chrome {
    pub lang: Lang,
    pub html_lang: &'static str,
    pub operator: String,
    pub role: String,
    pub node_name: String,
    pub writable: bool,
    pub ministry: bool,
    /// Whether the person administers the ministry's node (roster, batches, publication).
    pub admin: bool,
}

impl Chrome {
    pub fn new(lang: Lang, session: &Session, node_name: String, writable: bool) -> Self {
        Self {
            lang,
            html_lang: match lang {
                Lang::Zh => "zh-CN",
                Lang::En => "en",
            },
            operator: session.operator.to_string(),
            role: role_text(lang, session.role),
            node_name,
            writable,
            ministry: session.role.is_ministry(),
            admin: session.role.may_decide(),
        }
    }

    /// A catalogue message without arguments (templates call this with literal ids, which
    /// `node/tests/catalogue_lint.rs` checks exist in both languages).
    pub fn t(&self, id: &str) -> String {
        i18n::t(self.lang, id, &[])
    }

    /// The other language's code, for the switch.
    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "en",
            Lang::En => "zh",
        }
    }

    pub fn signed_in_as(&self) -> String {
        self.say(
            "ui-signed-in-as",
            &[
                ("name", self.operator.as_str()),
                ("role", self.role.as_str()),
            ],
        )
    }

    /// A catalogue message with string arguments.
    pub fn say(&self, id: &str, args: &[(&str, &str)]) -> String {
        let args: Vec<(&str, Arg)> = args.iter().map(|(n, v)| (*n, i18n::s(*v))).collect();
        i18n::t(self.lang, id, &args)
    }
}

pub fn role_text(lang: Lang, role: Role) -> String {
    i18n::t(lang, &format!("ui-role-{}", role.key()), &[])
}

/// A plain page for a refusal, in the reader's language.
pub(crate) fn refusal(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// Renders a template, or answers 500 with the reason logged.
/// A page built by a handler, or the refusal that stopped it.
pub(crate) fn page_or_refusal(page: Result<impl askama::Template, Response>) -> Response {
    match page {
        Ok(page) => render(StatusCode::OK, &page),
        Err(response) => response,
    }
}

pub(crate) fn render(status: StatusCode, template: &impl askama::Template) -> Response {
    match template.render() {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "a page failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Deserialize)]
struct LoginQuery {
    link: String,
}

/// Opens a login link: spends it and sets the session cookie, then goes home.
async fn login(
    State(api): State<Arc<Api>>,
    axum::Extension(lang): axum::Extension<Lang>,
    over_tls: Option<axum::Extension<OverTls>>,
    query: Result<Query<LoginQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let redeemed = query
        .ok()
        .and_then(|Query(query)| api.sessions.redeem(&query.link).ok());
    let Some((id, session)) = redeemed else {
        return refusal(StatusCode::FORBIDDEN, i18n::t(lang, "ui-link-refused", &[]));
    };
    tracing::info!(user = %session.operator, role = session.role.key(), "signed in to the web interface");
    let secure = if over_tls.is_some() { "; Secure" } else { "" };
    let cookie = format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Strict{secure}",
        api.sessions.cookie_name()
    );
    let mut response = Redirect::to("/ui/").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn logout(
    State(api): State<Arc<Api>>,
    axum::Extension(lang): axum::Extension<Lang>,
    request: Request,
) -> Response {
    if let Some(id) = api.sessions.cookie_in(request.headers()) {
        api.sessions.end(&id);
    }
    let secure = secure_attribute(request.extensions());
    let mut response = refusal(StatusCode::OK, i18n::t(lang, "ui-signed-out", &[]));
    let expired = format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}",
        api.sessions.cookie_name()
    );
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn htmx() -> Response {
    asset("text/javascript; charset=utf-8", HTMX)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

fn asset(media_type: &'static str, bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        bytes,
    )
        .into_response()
}
