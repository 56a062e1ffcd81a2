//! The web interface's sign-in: single-use login links and the sessions they become.
//!
//! `fedrec ui` asks the daemon, through the token-authenticated API, for a link naming a person
//! and a role. The link's secret is good once and for [`LINK_TTL`]; opening it trades it for a
//! session id, which the browser keeps as an HttpOnly, SameSite=Strict cookie and which
//! [`super::auth::Gate`] accepts on `/ui/` routes only (the JSON API keeps taking the cookie
//! file's token alone). Everything lives in memory: a restart signs everyone out, and both
//! tables are bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fedrec_common::operator::{OperatorName, Role};

/// How long a login link stays good.
pub const LINK_TTL: Duration = Duration::from_secs(5 * 60);
/// How long a session lasts after sign-in (a working day).
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 60 * 60);
/// The most links waiting to be opened, and the most sessions, at one time.
const MAX_LINKS: usize = 64;
const MAX_SESSIONS: usize = 256;
/// The session cookie's name, before the API's port: browsers keep cookies per host, not per
/// port, so two nodes on one machine (the demo's, say) need two names or each sign-in would end
/// the other's session.
const SESSION_COOKIE: &str = "fedrec_session";

/// A signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub operator: OperatorName,
    pub role: Role,
}

struct Pending {
    session: Session,
    expires: Instant,
}

#[derive(Default)]
struct Tables {
    links: HashMap<String, Pending>,
    sessions: HashMap<String, Pending>,
}

/// Why a link was not issued or not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("{0} login links are waiting to be opened; open or let some expire first")]
    TooManyLinks(usize),
    #[error("this login link is unknown, was used already, or has expired: run `fedrec ui` again")]
    Refused,
    #[error("cannot draw a random secret: {0}")]
    Random(String),
}

/// The login links and sessions of this run of the daemon.
pub struct Sessions {
    tables: Mutex<Tables>,
    link_ttl: Duration,
    cookie_name: String,
}

impl Default for Sessions {
    fn default() -> Self {
        Self::with_link_ttl(LINK_TTL)
    }
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sessions(redacted)")
    }
}

fn secret() -> Result<String, LinkError> {
    super::auth::Token::generate()
        .map(|token| token.as_str().to_string())
        .map_err(|e| LinkError::Random(e.to_string()))
}

fn forget_expired(table: &mut HashMap<String, Pending>, now: Instant) {
    table.retain(|_, pending| pending.expires > now);
}

impl Sessions {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The sessions of an API listening on `port`, whose cookie is named after it.
    pub fn for_port(port: u16) -> Arc<Self> {
        Arc::new(Self {
            cookie_name: format!("{SESSION_COOKIE}_{port}"),
            ..Self::default()
        })
    }

    /// The name of this API's session cookie.
    pub fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    /// The session id a request's `Cookie` header carries for this API, if any.
    pub fn cookie_in(&self, headers: &axum::http::HeaderMap) -> Option<String> {
        headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == self.cookie_name)
            .map(|(_, value)| value.to_string())
    }

    /// Sessions whose login links stay good for `link_ttl`.
    pub fn with_link_ttl(link_ttl: Duration) -> Self {
        Self {
            tables: Mutex::default(),
            link_ttl,
            cookie_name: SESSION_COOKIE.to_string(),
        }
    }

    fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A fresh login link's secret for `session`, good once within [`LINK_TTL`].
    pub fn issue_link(&self, session: Session) -> Result<String, LinkError> {
        let now = Instant::now();
        let mut tables = self.tables();
        forget_expired(&mut tables.links, now);
        if tables.links.len() >= MAX_LINKS {
            return Err(LinkError::TooManyLinks(MAX_LINKS));
        }
        let secret = secret()?;
        tables.links.insert(
            secret.clone(),
            Pending {
                session,
                expires: now + self.link_ttl,
            },
        );
        Ok(secret)
    }

    /// Trades a link's secret for a session id; the link is spent whatever happens next.
    pub fn redeem(&self, link: &str) -> Result<(String, Session), LinkError> {
        let now = Instant::now();
        let mut tables = self.tables();
        let pending = tables.links.remove(link).ok_or(LinkError::Refused)?;
        if pending.expires <= now {
            return Err(LinkError::Refused);
        }
        forget_expired(&mut tables.sessions, now);
        if tables.sessions.len() >= MAX_SESSIONS {
            // The session closest to its end makes room: sign-in never locks everyone out.
            if let Some(oldest) = tables
                .sessions
                .iter()
                .min_by_key(|(_, p)| p.expires)
                .map(|(id, _)| id.clone())
            {
                tables.sessions.remove(&oldest);
            }
        }
        let id = secret()?;
        tables.sessions.insert(
            id.clone(),
            Pending {
                session: pending.session.clone(),
                expires: now + SESSION_TTL,
            },
        );
        Ok((id, pending.session))
    }

    /// The person a session id belongs to, while the session lasts.
    pub fn session(&self, id: &str) -> Option<Session> {
        let tables = self.tables();
        let pending = tables.sessions.get(id)?;
        (pending.expires > Instant::now()).then(|| pending.session.clone())
    }

    /// Ends a session (sign-out).
    pub fn end(&self, id: &str) {
        self.tables().sessions.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Session {
        Session {
            operator: OperatorName::parse("张三").unwrap(),
            role: Role::Editor,
        }
    }

    #[test]
    fn two_nodes_on_one_machine_have_their_own_session_cookie() {
        let ministry = Sessions::for_port(7401);
        let bureau = Sessions::for_port(7402);
        assert_ne!(ministry.cookie_name(), bureau.cookie_name());
        let mut headers = axum::http::HeaderMap::new();
        let both = format!("{}=m; {}=b", ministry.cookie_name(), bureau.cookie_name());
        headers.insert(axum::http::header::COOKIE, both.parse().unwrap());
        assert_eq!(ministry.cookie_in(&headers).as_deref(), Some("m"));
        assert_eq!(bureau.cookie_in(&headers).as_deref(), Some("b"));
    }

    #[test]
    fn a_link_is_good_once() {
        let sessions = Sessions::default();
        let link = sessions.issue_link(person()).unwrap();
        let (id, session) = sessions.redeem(&link).unwrap();
        assert_eq!(session, person());
        assert_eq!(sessions.session(&id), Some(person()));
        assert_eq!(sessions.redeem(&link), Err(LinkError::Refused));
        sessions.end(&id);
        assert_eq!(sessions.session(&id), None);
    }

    #[test]
    fn an_expired_link_is_refused() {
        let sessions = Sessions::with_link_ttl(Duration::ZERO);
        let link = sessions.issue_link(person()).unwrap();
        assert_eq!(sessions.redeem(&link), Err(LinkError::Refused));
    }

    #[test]
    fn waiting_links_are_bounded() {
        let sessions = Sessions::default();
        for _ in 0..MAX_LINKS {
            sessions.issue_link(person()).unwrap();
        }
        assert_eq!(
            sessions.issue_link(person()),
            Err(LinkError::TooManyLinks(MAX_LINKS))
        );
    }
}
