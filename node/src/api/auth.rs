//! The door of the local API: who may call it, from where, with what kind of body.
//!
//! The daemon writes a random token to `DIR/.cookie` (mode 0600) when it starts and removes it
//! when it stops cleanly, bitcoind's convention: whoever can read the data directory may use the
//! node, nobody else. The CLI reads the file and sends the token with every request, either as
//! `Authorization: Basic` with the file's `__cookie__:TOKEN` as user and password (so
//! `curl -u "$(cat DIR/.cookie)"` works) or as `Authorization: Bearer TOKEN`.
//!
//! [`check`] runs before every route, in this order, and answers the first refusal:
//!
//! 1. the `Host` header must name the API's own address (`127.0.0.1:PORT`, `localhost:PORT` or
//!    `[::1]:PORT` for a loopback API), else 421: a page that rebinds its DNS name to loopback
//!    still sends its own name;
//! 2. an `Origin` header, if present, must be that same address, else 403: browsers send one on
//!    every cross-site POST;
//! 3. a credential must be present and right, else 401 (only `/health` is open, for liveness
//!    probes; it says nothing but "ok");
//! 4. a request with a body must declare the route's media type (`application/json`, or
//!    `application/octet-stream` for attachments and bundles, `application/toml` for batch
//!    files), else 415: the types a web page can send without a CORS preflight are never
//!    accepted. The web interface's `/ui/` routes take form posts instead, and
//!    `multipart/form-data` on its attachment upload only ([`is_ui_upload`]), always behind
//!    the same-origin proof.
//!
//! Credentials are an enum so that the web interface can add a session cookie, issued after a
//! login through this same token, without a second check beside this one.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::say;
use super::session::{Session, Sessions};

/// The credential file in the data directory.
pub const COOKIE_FILE: &str = ".cookie";
/// The user name in the cookie file and in Basic authentication.
pub const COOKIE_USER: &str = "__cookie__";
/// Routes that answer without a credential.
const OPEN_PATHS: &[&str] = &["/health"];

/// The API's secret for this run of the daemon: 32 random bytes, hex-encoded.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(redacted)")
    }
}

impl Token {
    /// A fresh token from the operating system's random source.
    pub fn generate() -> std::io::Result<Self> {
        use std::io::Read;
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        Ok(Self(hex::encode(bytes)))
    }

    /// The line the cookie file holds: `__cookie__:TOKEN`.
    pub fn cookie_line(&self) -> String {
        format!("{COOKIE_USER}:{}", self.0)
    }

    /// Reads the token from a cookie file's text.
    pub fn from_cookie_line(text: &str) -> Option<Self> {
        let token = text.trim().strip_prefix(COOKIE_USER)?.strip_prefix(':')?;
        (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(token.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares without stopping at the first difference, so timing tells nothing of the token.
    fn matches(&self, offered: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), offered.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// Writes the cookie file atomically with mode 0600 (write a temporary file, sync, rename), so
/// the CLI never reads half a token and no other user ever can.
pub fn write_cookie(data: &Path, token: &Token) -> std::io::Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = data.join(COOKIE_FILE);
    let temporary = data.join(format!("{COOKIE_FILE}.tmp"));
    let _ = std::fs::remove_file(&temporary);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)?;
    file.write_all(format!("{}\n", token.cookie_line()).as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, &path)?;
    Ok(path)
}

/// Reads the token a running daemon wrote to `data`.
pub fn read_cookie(data: &Path) -> Result<Token, String> {
    let path = data.join(COOKIE_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: cannot read the API credential: {e}", path.display()))?;
    Token::from_cookie_line(&text)
        .ok_or_else(|| format!("{}: not a fedrec API cookie", path.display()))
}

/// Who a request proved itself to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The token from the cookie file: a local program or the CLI, with the operator's rights.
    Cookie,
    /// A person signed in to the web interface through a login link (`/ui/` routes only).
    Session(Session),
}

/// The API's gate: the address it serves, the token of this run and the web interface's
/// sessions.
#[derive(Debug)]
pub struct Gate {
    hosts: Vec<String>,
    token: Token,
    sessions: Arc<Sessions>,
    /// Whether this gate stands before the TLS listener for other machines: origins are then
    /// `https://`, and the requests it admits are marked [`OverTls`] so that cookies are
    /// `Secure`.
    tls: bool,
}

/// Marks a request that came over the TLS listener (see [`Gate::remote`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverTls;

/// Whether a path belongs to the web interface, whose credential is a session cookie.
pub fn is_ui_path(path: &str) -> bool {
    path == "/ui" || path.starts_with("/ui/")
}

/// Web-interface routes that answer without a session: the login link itself (its secret is
/// the credential) and the style sheet and script.
fn is_open_ui_path(path: &str) -> bool {
    path == "/ui/login" || path.starts_with("/ui/assets/")
}

impl Gate {
    /// A gate for an API bound to `bound`, with sessions of its own.
    pub fn new(bound: SocketAddr, token: Token) -> Self {
        Self::with_sessions(bound, token, Sessions::for_port(bound.port()))
    }

    /// A gate that accepts the web interface's `sessions` on `/ui/` routes.
    pub fn with_sessions(bound: SocketAddr, token: Token, sessions: Arc<Sessions>) -> Self {
        let port = bound.port();
        let mut hosts = vec![bound.to_string()];
        if bound.ip().is_loopback() {
            for name in ["127.0.0.1", "localhost", "[::1]"] {
                hosts.push(format!("{name}:{port}"));
            }
        }
        hosts.dedup();
        Self {
            hosts,
            token,
            sessions,
            tls: false,
        }
    }

    /// The gate of the TLS listener for other machines (`[ui] remote_listen`), listening on
    /// `port`: it admits only the names people's browsers use (`[ui] remote_hosts`), origins
    /// over `https://`, and the same token and sessions as the loopback gate.
    pub fn remote(port: u16, names: &[String], token: Token, sessions: Arc<Sessions>) -> Self {
        assert!(!names.is_empty(), "the configuration requires remote_hosts");
        let mut hosts = Vec::new();
        for name in names {
            // An IPv6 address is written in brackets in Host and Origin.
            let name = if name.contains(':') && !name.starts_with('[') {
                format!("[{name}]")
            } else {
                name.clone()
            };
            hosts.push(format!("{name}:{port}"));
            if port == 443 {
                // Browsers leave the default port out.
                hosts.push(name);
            }
        }
        Self {
            hosts,
            token,
            sessions,
            tls: true,
        }
    }

    /// The web interface's login links and sessions, which this gate accepts on `/ui/` routes.
    pub fn sessions(&self) -> &Arc<Sessions> {
        &self.sessions
    }

    /// The address people open: the first of the API's own names.
    pub fn own_address(&self) -> &str {
        &self.hosts[0]
    }

    fn is_own_host(&self, host: &str) -> bool {
        self.hosts.iter().any(|own| own.eq_ignore_ascii_case(host))
    }

    /// The credential the request carries, if it is a right one.
    pub fn credential(&self, headers: &HeaderMap) -> Option<Credential> {
        let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let (scheme, rest) = value.split_once(' ')?;
        let token = if scheme.eq_ignore_ascii_case("bearer") {
            rest.trim().to_string()
        } else if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64_decode(rest.trim())?;
            let text = String::from_utf8(decoded).ok()?;
            text.strip_prefix(COOKIE_USER)?
                .strip_prefix(':')?
                .to_string()
        } else {
            return None;
        };
        self.token.matches(&token).then_some(Credential::Cookie)
    }

    /// Decides a request from its method, path and headers; `Err` is the refusal to send.
    pub fn admit(
        &self,
        method: &axum::http::Method,
        path: &str,
        headers: &HeaderMap,
    ) -> Result<Option<Credential>, (StatusCode, String)> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !self.is_own_host(host) {
            return Err((
                StatusCode::MISDIRECTED_REQUEST,
                say(
                    "error-door-host",
                    &[
                        ("host", host.into()),
                        ("own", self.hosts[0].as_str().into()),
                    ],
                ),
            ));
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("");
            let scheme = if self.tls { "https://" } else { "http://" };
            let own = origin
                .strip_prefix(scheme)
                .is_some_and(|rest| self.is_own_host(rest));
            if !own {
                return Err((
                    StatusCode::FORBIDDEN,
                    say("error-door-origin", &[("origin", origin.into())]),
                ));
            }
        }
        if is_ui_path(path) {
            return self.admit_ui(method, path, headers);
        }
        let credential = self.credential(headers);
        if credential.is_none() && !OPEN_PATHS.contains(&path) {
            return Err((
                StatusCode::UNAUTHORIZED,
                say("error-door-credential", &[("file", COOKIE_FILE.into())]),
            ));
        }
        if has_body(method, headers) {
            let expected = media_type_for(path);
            let given = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|v| {
                    v.split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase()
                });
            if given.as_deref() != Some(expected) {
                return Err((
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    media_type_refusal(path, expected, given.as_deref()),
                ));
            }
        }
        Ok(credential)
    }
}

impl Gate {
    /// The web interface's part of the door, after the Host and Origin checks: a session
    /// cookie, the same-origin proof that stops cross-site requests (CSRF), and form bodies.
    fn admit_ui(
        &self,
        method: &axum::http::Method,
        path: &str,
        headers: &HeaderMap,
    ) -> Result<Option<Credential>, (StatusCode, String)> {
        use axum::http::Method;
        if !matches!(*method, Method::GET | Method::HEAD) {
            // A browser sends Sec-Fetch-Site with every request; where it is missing (older
            // browsers, other clients), the Origin header, already checked to be ours, must be
            // there instead.
            let site = headers
                .get("sec-fetch-site")
                .map(|v| v.to_str().unwrap_or("").to_ascii_lowercase());
            let same_origin = match site.as_deref() {
                Some(site) => site == "same-origin",
                None => headers.contains_key(header::ORIGIN),
            };
            if !same_origin {
                return Err((
                    StatusCode::FORBIDDEN,
                    say("error-door-cross-site", &[("path", path.into())]),
                ));
            }
            if has_body(method, headers) {
                let given = headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(';').next())
                    .map(|v| v.trim().to_ascii_lowercase());
                // A file upload is the one multipart post; every other is a plain form.
                let expected = if is_ui_upload(path) {
                    MULTIPART_MEDIA_TYPE
                } else {
                    FORM_MEDIA_TYPE
                };
                if given.as_deref() != Some(expected) {
                    return Err((
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        media_type_refusal(path, expected, given.as_deref()),
                    ));
                }
            }
        }
        let session = self
            .sessions
            .cookie_in(headers)
            .and_then(|id| self.sessions.session(&id));
        match session {
            Some(session) => Ok(Some(Credential::Session(session))),
            None if is_open_ui_path(path) => Ok(None),
            None => Err((StatusCode::UNAUTHORIZED, say("error-door-signed-out", &[]))),
        }
    }
}

/// The refusal of a body whose Content-Type is not `expected`.
fn media_type_refusal(path: &str, expected: &str, given: Option<&str>) -> String {
    let given = match given {
        Some(given) => given.to_string(),
        None => say("error-door-media-type-none", &[]),
    };
    say(
        "error-door-media-type",
        &[
            ("path", path.into()),
            ("expected", expected.into()),
            ("given", given.into()),
        ],
    )
}

/// The media type of the web interface's form posts.
const FORM_MEDIA_TYPE: &str = "application/x-www-form-urlencoded";
/// The media type of the web interface's one file upload.
const MULTIPART_MEDIA_TYPE: &str = "multipart/form-data";

/// Whether a path is the web interface's attachment upload, `/ui/records/ID/attachments`, the
/// only route that takes `multipart/form-data` (its handler enforces the node's attachment
/// size limit while it reads the body).
pub fn is_ui_upload(path: &str) -> bool {
    path.strip_prefix("/ui/records/")
        .and_then(|rest| rest.strip_suffix("/attachments"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// Whether a request carries a body (or says it does).
fn has_body(method: &axum::http::Method, headers: &HeaderMap) -> bool {
    use axum::http::Method;
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // HTTP/1.1 frames a request body by Content-Length or Transfer-Encoding; without either
    // there is none. A declared media type is checked even on an empty body: a form post must
    // never pass.
    length.is_some_and(|n| n > 0)
        || headers.contains_key(header::TRANSFER_ENCODING)
        || headers.contains_key(header::CONTENT_TYPE)
}

/// The one media type a route's body may have.
fn media_type_for(path: &str) -> &'static str {
    if path == "/bundle/import" || (path.starts_with("/records/") && path.ends_with("/attachments"))
    {
        "application/octet-stream"
    } else if path == "/batches" {
        "application/toml"
    } else {
        "application/json"
    }
}

/// Standard base64 (with or without padding), for Basic authentication.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// The middleware: admits the request or answers the refusal as `{"error": ...}`.
pub async fn check(State(gate): State<Arc<Gate>>, mut request: Request, next: Next) -> Response {
    match gate.admit(request.method(), request.uri().path(), request.headers()) {
        Ok(credential) => {
            if let Some(credential) = credential {
                request.extensions_mut().insert(credential);
            }
            if gate.tls {
                request.extensions_mut().insert(OverTls);
            }
            next.run(request).await
        }
        Err((status, message)) => {
            tracing::debug!(status = status.as_u16(), %message, "API request refused at the door");
            if is_ui_path(request.uri().path()) {
                // People read these in a browser.
                return (
                    status,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    message,
                )
                    .into_response();
            }
            (
                status,
                axum::Json(serde_json::json!({ "error": message, "problems": [] })),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue, Method};

    fn gate() -> Gate {
        Gate::new(
            "127.0.0.1:7401".parse().unwrap(),
            Token::from_cookie_line(&format!("{COOKIE_USER}:{}", "ab".repeat(32))).unwrap(),
        )
    }

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn status(method: Method, path: &str, pairs: &[(header::HeaderName, &str)]) -> u16 {
        match gate().admit(&method, path, &headers(pairs)) {
            Ok(_) => 200,
            Err((status, _)) => status.as_u16(),
        }
    }

    #[test]
    fn the_remote_gate_admits_its_names_over_https_only() {
        let token = Token::from_cookie_line(&format!("{COOKIE_USER}:{}", "ab".repeat(32))).unwrap();
        let sessions = Sessions::for_port(7401);
        let names = ["fedrec.example.gov.cn".to_string(), "10.1.2.3".to_string()];
        let gate = Gate::remote(7443, &names, token, Arc::clone(&sessions));
        let id = {
            let link = sessions
                .issue_link(Session {
                    operator: fedrec_common::operator::OperatorName::parse("张三").unwrap(),
                    role: fedrec_common::operator::Role::Editor,
                })
                .unwrap();
            sessions.redeem(&link).unwrap().0
        };
        let cookie = format!("{}={id}", sessions.cookie_name());
        let admit = |method: Method, pairs: &[(header::HeaderName, &str)]| match gate.admit(
            &method,
            "/ui/logout",
            &headers(pairs),
        ) {
            Ok(_) => 200,
            Err((status, _)) => status.as_u16(),
        };
        let site = HeaderName::from_static("sec-fetch-site");
        for own in ["fedrec.example.gov.cn:7443", "10.1.2.3:7443"] {
            let pairs = [
                (header::HOST, own),
                (header::COOKIE, cookie.as_str()),
                (site.clone(), "same-origin"),
            ];
            assert_eq!(admit(Method::POST, &pairs), 200, "{own}");
        }
        // Loopback names are the loopback listener's, and the port is part of the name.
        for foreign in ["127.0.0.1:7401", "localhost:7443", "fedrec.example.gov.cn"] {
            let pairs = [(header::HOST, foreign), (header::COOKIE, cookie.as_str())];
            assert_eq!(admit(Method::GET, &pairs), 421, "{foreign}");
        }
        let host = (header::HOST, "10.1.2.3:7443");
        let with_origin = |origin: &'static str| {
            [
                host.clone(),
                (header::COOKIE, cookie.as_str()),
                (header::ORIGIN, origin),
            ]
        };
        assert_eq!(
            admit(Method::POST, &with_origin("https://10.1.2.3:7443")),
            200
        );
        assert_eq!(
            admit(Method::POST, &with_origin("http://10.1.2.3:7443")),
            403,
            "the same name over plain HTTP is another origin"
        );
        let default_port = Gate::remote(
            443,
            &["[::1]".to_string(), "fe80::1".to_string()],
            Token::generate().unwrap(),
            Sessions::new(),
        );
        for own in ["[::1]", "[::1]:443", "[fe80::1]:443"] {
            assert!(default_port.is_own_host(own), "{own}");
        }
    }

    #[test]
    fn each_refusal_has_its_status() {
        let bearer = format!("Bearer {}", "ab".repeat(32));
        let basic_plain = format!("{COOKIE_USER}:{}", "ab".repeat(32));
        let basic = format!("Basic {}", base64_encode(basic_plain.as_bytes()));
        let host = (header::HOST, "127.0.0.1:7401");
        let json = (header::CONTENT_TYPE, "application/json");
        let post = Method::POST;
        assert_eq!(
            status(Method::GET, "/status", std::slice::from_ref(&host)),
            401
        );
        assert_eq!(
            status(Method::GET, "/health", std::slice::from_ref(&host)),
            200
        );
        let auth = (header::AUTHORIZATION, bearer.as_str());
        assert_eq!(
            status(Method::GET, "/status", &[host.clone(), auth.clone()]),
            200
        );
        let basic_auth = (header::AUTHORIZATION, basic.as_str());
        assert_eq!(
            status(Method::GET, "/status", &[host.clone(), basic_auth]),
            200
        );
        for own in ["localhost:7401", "[::1]:7401", "LOCALHOST:7401"] {
            assert_eq!(
                status(Method::GET, "/status", &[(header::HOST, own), auth.clone()]),
                200
            );
        }
        for foreign in ["evil.example", "127.0.0.1:7402", "evil.example:7401", ""] {
            let refused = status(Method::GET, "/health", &[(header::HOST, foreign)]);
            assert_eq!(refused, 421, "{foreign}");
        }
        let evil = (header::ORIGIN, "http://evil.example");
        assert_eq!(
            status(Method::GET, "/status", &[host.clone(), auth.clone(), evil]),
            403
        );
        let own_origin = (header::ORIGIN, "http://localhost:7401");
        let ok = [
            host.clone(),
            auth.clone(),
            own_origin,
            json.clone(),
            (header::CONTENT_LENGTH, "2"),
        ];
        assert_eq!(status(post.clone(), "/records", &ok), 200);
        let wrong = Token::from_cookie_line(&format!("{COOKIE_USER}:{}", "cd".repeat(32))).unwrap();
        let wrong_auth = format!("Bearer {}", wrong.as_str());
        let wrong_auth = (header::AUTHORIZATION, wrong_auth.as_str());
        assert_eq!(
            status(Method::GET, "/status", &[host.clone(), wrong_auth]),
            401
        );
        for (path, media) in [
            ("/records", "text/plain"),
            ("/records/x/withdraw", "application/x-www-form-urlencoded"),
            ("/records/x/attachments", "application/json"),
            ("/batches", "text/plain; charset=utf-8"),
        ] {
            let pairs = [host.clone(), auth.clone(), (header::CONTENT_TYPE, media)];
            assert_eq!(status(post.clone(), path, &pairs), 415, "{path} {media}");
        }
        let no_type = [host.clone(), auth.clone(), (header::CONTENT_LENGTH, "5")];
        assert_eq!(status(post.clone(), "/records", &no_type), 415);
        let empty = [host.clone(), auth.clone(), (header::CONTENT_LENGTH, "0")];
        assert_eq!(status(post.clone(), "/records/x/submit", &empty), 200);
        let toml = [host, auth, (header::CONTENT_TYPE, "application/toml")];
        assert_eq!(status(post, "/batches", &toml), 200);
    }

    #[test]
    fn a_session_opens_ui_pages_only_and_changes_need_the_same_origin_proof() {
        use fedrec_common::operator::{OperatorName, Role};
        let gate = gate();
        let link = gate
            .sessions()
            .issue_link(Session {
                operator: OperatorName::parse("张三").unwrap(),
                role: Role::Editor,
            })
            .unwrap();
        let (id, _) = gate.sessions().redeem(&link).unwrap();
        let cookie = format!("other=1; {}={id}", gate.sessions().cookie_name());
        let host = (header::HOST, "127.0.0.1:7401");
        let session = (header::COOKIE, cookie.as_str());
        let check = |method: Method, path: &str, pairs: &[(header::HeaderName, &str)]| match gate
            .admit(&method, path, &headers(pairs))
        {
            Ok(Some(Credential::Session(s))) => (200, s.operator.to_string()),
            Ok(_) => (200, String::new()),
            Err((status, _)) => (status.as_u16(), String::new()),
        };
        assert_eq!(
            check(Method::GET, "/ui/", &[host.clone(), session.clone()]),
            (200, "张三".to_string())
        );
        assert_eq!(
            check(Method::GET, "/ui/", std::slice::from_ref(&host)).0,
            401
        );
        assert_eq!(
            check(Method::GET, "/ui/login", std::slice::from_ref(&host)).0,
            200
        );
        assert_eq!(
            check(Method::GET, "/status", &[host.clone(), session.clone()]).0,
            401
        );
        let form = (header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        let post = |extra: &[(header::HeaderName, &str)]| {
            let mut pairs = vec![host.clone(), session.clone(), form.clone()];
            pairs.extend_from_slice(extra);
            check(Method::POST, "/ui/records", &pairs).0
        };
        assert_eq!(
            post(&[(HeaderName::from_static("sec-fetch-site"), "same-origin")]),
            200
        );
        assert_eq!(
            post(&[(HeaderName::from_static("sec-fetch-site"), "same-site")]),
            403
        );
        assert_eq!(
            post(&[(HeaderName::from_static("sec-fetch-site"), "cross-site")]),
            403
        );
        assert_eq!(post(&[]), 403, "no proof at all");
        assert_eq!(post(&[(header::ORIGIN, "http://127.0.0.1:7401")]), 200);
        assert_eq!(post(&[(header::ORIGIN, "http://evil.example")]), 403);
        let json = [
            host.clone(),
            session.clone(),
            (HeaderName::from_static("sec-fetch-site"), "same-origin"),
            (header::CONTENT_TYPE, "application/json"),
        ];
        assert_eq!(check(Method::POST, "/ui/records", &json).0, 415);
        // Multipart is taken on the attachment upload only, with the same-origin proof.
        let multipart = |path: &str, site: &str| {
            let pairs = [
                host.clone(),
                session.clone(),
                (HeaderName::from_static("sec-fetch-site"), site),
                (header::CONTENT_TYPE, "multipart/form-data; boundary=x"),
            ];
            check(Method::POST, path, &pairs).0
        };
        assert_eq!(
            multipart("/ui/records/0123456789abcdef/attachments", "same-origin"),
            200
        );
        assert_eq!(
            multipart("/ui/records/0123456789abcdef/attachments", "cross-site"),
            403
        );
        assert_eq!(
            multipart("/ui/records/0123456789abcdef", "same-origin"),
            415
        );
        assert_eq!(multipart("/ui/records", "same-origin"), 415);
        assert_eq!(multipart("/ui/records/a/b/attachments", "same-origin"), 415);
        let form_upload = [
            host.clone(),
            session.clone(),
            (HeaderName::from_static("sec-fetch-site"), "same-origin"),
            form.clone(),
        ];
        assert_eq!(
            check(
                Method::POST,
                "/ui/records/0123456789abcdef/attachments",
                &form_upload
            )
            .0,
            415
        );
    }

    #[test]
    fn cookie_lines_round_trip_and_malformed_ones_are_refused() {
        let token = Token::generate().unwrap();
        let line = token.cookie_line();
        assert!(
            Token::from_cookie_line(&format!("{line}\n"))
                .unwrap()
                .matches(token.as_str())
        );
        assert!(!format!("{token:?}").contains(token.as_str()));
        for bad in [
            "",
            "__cookie__",
            "__cookie__:",
            "user:abcd",
            &line[..line.len() - 1],
        ] {
            assert!(Token::from_cookie_line(bad).is_none(), "{bad}");
        }
    }

    fn base64_encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        while !out.len().is_multiple_of(4) {
            out.push('=');
        }
        out
    }
}
