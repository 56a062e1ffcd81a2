//! The core's errors in the reader's language. Each error enum of `common` keeps its English
//! `Display` (what logs, tests and old stored texts say) and implements [`Worded`]: the same
//! message taken from the catalogue (`errors.ftl`), in Chinese or English. The English
//! catalogue text matches the `Display` exactly (a test checks every variant), so a refusal
//! reads the same in English whichever path words it.
//!
//! The node words an error where it becomes a refusal (`NodeError`), a page's problem or a CLI
//! message, with [`worded`] in the language of the reader the thread works for. Parts of an
//! error that are stable identifiers (ids, keys, field names of the wire format) or the words
//! of another library (a TOML or Automerge parser's detail) are passed through as they are.

use crate::acts::{ACT_MAX_OPS, ActError};
use crate::batch::{BatchError, BatchProblem, MAX_BATCH_BYTES};
use crate::credit_code::CreditCodeError;
use crate::feed::{ChainError, EntryError};
use crate::form::FormSyntaxError;
use crate::identity::IdentityError;
use crate::ids::IdError;
use crate::operator::{NAME_MAX_CHARS, OperatorError};
use crate::record::RecordError;
use crate::review::ReviewError;
use crate::roster::{AuthError, MAX_ROSTER_BYTES, RosterError};
use crate::sync::{MAX_FRAME_BYTES, WireError};
use crate::timestamp::TimestampError;

use super::{Arg, Lang, s, t, verdict_label};

/// An error a person reads, worded from the catalogue. `worded(Lang::En)` equals `Display`.
pub trait Worded: std::fmt::Display {
    /// The error in `lang`.
    fn worded(&self, lang: Lang) -> String;
}

/// An error in the language of the reader this thread works for (see [`super::speaking`]).
pub fn worded(error: &dyn Worded) -> String {
    error.worded(super::reader())
}

/// Why a file could not be read or written: in English the system's own words (what the
/// `Display` of an error that carries it says), in Chinese the catalogue's for the common cases
/// and the system's otherwise.
pub fn io_error(lang: Lang, error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let id = match error.kind() {
        _ if lang == Lang::En => None,
        ErrorKind::NotFound => Some("io-error-not-found"),
        ErrorKind::PermissionDenied => Some("io-error-permission-denied"),
        ErrorKind::IsADirectory => Some("io-error-is-a-directory"),
        ErrorKind::InvalidData => Some("io-error-invalid-data"),
        _ => None,
    };
    id.map_or_else(|| error.to_string(), |id| say(lang, id, &[]))
}

/// A number as an argument, written without grouping (`5000000`).
fn n(value: impl ToString) -> Arg<'static> {
    s(value.to_string())
}

/// A catalogue message with its arguments.
fn say(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    t(lang, id, args)
}

/// A record's status in an error: the stable key in English (as `Display` writes it), the
/// catalogue's word in Chinese.
fn status_word(lang: Lang, key: &str) -> String {
    match lang {
        Lang::En => key.to_string(),
        Lang::Zh => super::status(lang, key),
    }
}

/// What a submission or a withdrawal does (`submitted`, `withdrawn`), as an error says it.
fn action_word(lang: Lang, action: &str) -> String {
    let id = format!("act-action-{action}");
    if super::has(Lang::Zh, &id) {
        say(lang, &id, &[])
    } else {
        action.to_string()
    }
}

impl Worded for RosterError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            RosterError::TooLarge(size) => say(
                lang,
                "roster-error-too-large",
                &[("size", n(size)), ("limit", n(MAX_ROSTER_BYTES))],
            ),
            RosterError::BadSignature => say(lang, "roster-error-bad-signature", &[]),
            RosterError::WrongMinistry { expected, found } => say(
                lang,
                "roster-error-wrong-ministry",
                &[("expected", s(expected)), ("found", s(found))],
            ),
            RosterError::Syntax(detail) => {
                say(lang, "roster-error-syntax", &[("detail", s(detail))])
            }
            RosterError::DuplicateRecommender(id) => say(
                lang,
                "roster-error-duplicate-recommender",
                &[("recommender", s(id))],
            ),
            RosterError::DuplicateKey(key) => {
                say(lang, "roster-error-duplicate-key", &[("key", s(key))])
            }
            RosterError::UnknownRecommender { key, recommender } => say(
                lang,
                "roster-error-unknown-recommender",
                &[("key", s(key)), ("recommender", s(recommender))],
            ),
            RosterError::EmptyName(id) => {
                say(lang, "roster-error-empty-name", &[("recommender", s(id))])
            }
            RosterError::UnsafeKey(key) => say(lang, "roster-error-unsafe-key", &[("key", s(key))]),
            RosterError::MinistryAsRecommender => {
                say(lang, "roster-error-ministry-as-recommender", &[])
            }
            RosterError::Stale { held, found } => say(
                lang,
                "roster-error-stale",
                &[("held", n(held)), ("found", n(found))],
            ),
            RosterError::UnknownKey(key) => {
                say(lang, "roster-error-unknown-key", &[("key", s(key))])
            }
        }
    }
}

impl Worded for AuthError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            AuthError::UnknownKey(key) => say(lang, "auth-error-unknown-key", &[("key", s(key))]),
            AuthError::MinistryOnly(doc) => {
                say(lang, "auth-error-ministry-only", &[("doc", s(doc))])
            }
            AuthError::OtherRecommender { key, granted, doc } => say(
                lang,
                "auth-error-other-recommender",
                &[("key", s(key)), ("granted", s(granted)), ("doc", s(doc))],
            ),
            AuthError::Revoked {
                key,
                revoked_after,
                seq,
            } => say(
                lang,
                "auth-error-revoked",
                &[
                    ("key", s(key)),
                    ("revoked_after", n(revoked_after)),
                    ("seq", n(seq)),
                ],
            ),
            AuthError::MinistryWritesRecord(doc) => say(
                lang,
                "auth-error-ministry-writes-record",
                &[("doc", s(doc))],
            ),
            AuthError::NotSubmitter(key) => {
                say(lang, "auth-error-not-submitter", &[("key", s(key))])
            }
        }
    }
}

/// Reads back an [`AuthError`] from its English `Display`, the form in which an `unauthorised`
/// verdict keeps its reason inside the signed decisions document. The stored text is never
/// changed; it is read back only to be shown in the reader's language. `None` for a text no
/// variant writes (it is then shown as stored).
pub fn auth_error_from_display(text: &str) -> Option<AuthError> {
    const NOT_SUBMITTER: &str = " belongs to a field office, which may draft and edit but not \
                                 submit or withdraw unless the ministry grants it that right";
    if let Some(doc) = text.strip_prefix("only the ministry writes ") {
        return Some(AuthError::MinistryOnly(doc.to_string()));
    }
    if let Some(doc) = text
        .strip_prefix("the ministry does not write recommenders' records (")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        return Some(AuthError::MinistryWritesRecord(doc.to_string()));
    }
    let rest = text.strip_prefix("key ")?;
    if let Some(key) = rest.strip_suffix(" is not in the roster") {
        return Some(AuthError::UnknownKey(key.to_string()));
    }
    if let Some(key) = rest.strip_suffix(NOT_SUBMITTER) {
        return Some(AuthError::NotSubmitter(key.to_string()));
    }
    if let Some((key, rest)) = rest.split_once(" was revoked after position ") {
        let (after, seq) = rest.split_once("; this entry is at ")?;
        return Some(AuthError::Revoked {
            key: key.to_string(),
            revoked_after: after.parse().ok()?,
            seq: seq.parse().ok()?,
        });
    }
    let (key, rest) = rest.split_once(" acts for ")?;
    let (granted, doc) = rest.split_once(", not for ")?;
    Some(AuthError::OtherRecommender {
        key: key.to_string(),
        granted: granted.to_string(),
        doc: doc.to_string(),
    })
}

impl Worded for BatchProblem {
    fn worded(&self, lang: Lang) -> String {
        let id = match self {
            BatchProblem::NumberZero => "batch-problem-number-zero",
            BatchProblem::VersionZero => "batch-problem-version-zero",
            BatchProblem::Empty => "batch-problem-empty",
            BatchProblem::Deadline(error) => return error.worded(lang),
            BatchProblem::NoKeyAreas => "batch-problem-no-key-areas",
            BatchProblem::AreaPadded(area) => {
                return say(lang, "batch-problem-area-padded", &[("area", s(area))]);
            }
            BatchProblem::AreaTwice(area) => {
                return say(lang, "batch-problem-area-twice", &[("area", s(area))]);
            }
            BatchProblem::AtLeastOne => "batch-problem-at-least-one",
            BatchProblem::MoreThanZero => "batch-problem-more-than-zero",
        };
        say(lang, id, &[])
    }
}

impl Worded for BatchError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            BatchError::Syntax(detail) => say(lang, "batch-error-syntax", &[("detail", s(detail))]),
            BatchError::Invalid { key, problem } => say(
                lang,
                "batch-error-invalid",
                &[("key", s(*key)), ("problem", s(problem.worded(lang)))],
            ),
            BatchError::BadSignature => say(lang, "batch-error-bad-signature", &[]),
            BatchError::TooLarge(size) => say(
                lang,
                "batch-error-too-large",
                &[("size", n(size)), ("limit", n(MAX_BATCH_BYTES))],
            ),
        }
    }
}

/// The catalogue id of each problem [`TimestampError`] names (its `problem` is a fixed
/// English phrase of `timestamp.rs`).
const TIMESTAMP_PROBLEMS: [(&str, &str); 9] = [
    ("too short", "timestamp-problem-too-short"),
    ("not ASCII", "timestamp-problem-not-ascii"),
    ("expected digits", "timestamp-problem-digits"),
    ("expected YYYY-MM-DDTHH:MM:SS", "timestamp-problem-shape"),
    ("no such date", "timestamp-problem-no-date"),
    ("no such time of day", "timestamp-problem-no-time"),
    ("expected digits after '.'", "timestamp-problem-fraction"),
    ("offset out of range", "timestamp-problem-offset-range"),
    (
        "an offset such as +08:00 or Z is required",
        "timestamp-problem-offset",
    ),
];

impl Worded for TimestampError {
    fn worded(&self, lang: Lang) -> String {
        let problem = TIMESTAMP_PROBLEMS
            .iter()
            .find(|(english, _)| *english == self.problem)
            .map_or_else(|| self.problem.to_string(), |(_, id)| say(lang, id, &[]));
        say(
            lang,
            "timestamp-error",
            &[("text", s(&self.text)), ("problem", s(problem))],
        )
    }
}

impl Worded for CreditCodeError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            CreditCodeError::Length(found) => {
                say(lang, "credit-code-error-length", &[("found", n(found))])
            }
            CreditCodeError::Character { position, found } => say(
                lang,
                "credit-code-error-character",
                &[("position", n(position)), ("found", n(found))],
            ),
            CreditCodeError::CheckCharacter { expected, found } => say(
                lang,
                "credit-code-error-check",
                &[("expected", n(expected)), ("found", n(found))],
            ),
            CreditCodeError::OrganisationCheck { expected, found } => say(
                lang,
                "credit-code-error-organisation",
                &[("expected", n(expected)), ("found", n(found))],
            ),
        }
    }
}

impl Worded for EntryError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            EntryError::Truncated { field, needed } => say(
                lang,
                "entry-error-truncated",
                &[("field", s(*field)), ("needed", n(needed))],
            ),
            EntryError::WrongTag => say(lang, "entry-error-wrong-tag", &[]),
            EntryError::TooLarge { field, size, limit } => say(
                lang,
                "entry-error-too-large",
                &[("field", s(*field)), ("size", n(size)), ("limit", n(limit))],
            ),
            EntryError::TrailingBytes(count) => {
                say(lang, "entry-error-trailing", &[("count", n(count))])
            }
            EntryError::NonCanonical => say(lang, "entry-error-non-canonical", &[]),
            EntryError::Field { field, problem } => say(
                lang,
                "entry-error-field",
                &[("field", s(*field)), ("problem", s(problem))],
            ),
            EntryError::TopicMismatch {
                doc,
                expected,
                found,
            } => say(
                lang,
                "entry-error-topic-mismatch",
                &[
                    ("doc", s(doc)),
                    ("expected", s(expected)),
                    ("found", s(found)),
                ],
            ),
            EntryError::PrevMismatch { seq, has_prev } => {
                let id = if *has_prev {
                    "entry-error-prev-with"
                } else {
                    "entry-error-prev-without"
                };
                say(lang, id, &[("seq", n(seq))])
            }
            EntryError::BadSignature(author) => {
                say(lang, "entry-error-bad-signature", &[("author", s(author))])
            }
            EntryError::BadChange(detail) => {
                say(lang, "entry-error-bad-change", &[("detail", s(detail))])
            }
            EntryError::WrongActor { actor, author } => say(
                lang,
                "entry-error-wrong-actor",
                &[("actor", s(actor)), ("author", s(author))],
            ),
        }
    }
}

impl Worded for ChainError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            ChainError::WrongFeed { author, topic } => say(
                lang,
                "chain-error-wrong-feed",
                &[("author", s(author)), ("topic", s(topic))],
            ),
            ChainError::Gap { head, seq } => say(
                lang,
                "chain-error-gap",
                &[("head", n(head)), ("seq", n(seq))],
            ),
            ChainError::BrokenChain { seq, expected } => say(
                lang,
                "chain-error-broken",
                &[("seq", n(seq)), ("expected", s(expected))],
            ),
            ChainError::Equivocation(evidence) => say(
                lang,
                "chain-error-equivocation",
                &[("seq", n(evidence.seq))],
            ),
        }
    }
}

impl Worded for IdentityError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            IdentityError::Hex { what, text } => {
                let id = format!("identity-what-{}", what.replace(' ', "-"));
                let what = if super::has(Lang::Zh, &id) {
                    say(lang, &id, &[])
                } else {
                    what.to_string()
                };
                say(
                    lang,
                    "identity-error-hex",
                    &[("what", s(what)), ("text", s(text))],
                )
            }
            IdentityError::BadKey(key) => say(lang, "identity-error-bad-key", &[("key", s(key))]),
            IdentityError::BadSecret => say(lang, "identity-error-bad-secret", &[]),
        }
    }
}

impl Worded for WireError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            WireError::TooLarge(size) => say(
                lang,
                "wire-error-too-large",
                &[("size", n(size)), ("limit", n(MAX_FRAME_BYTES))],
            ),
            WireError::Malformed(detail) => {
                say(lang, "wire-error-malformed", &[("detail", s(detail))])
            }
        }
    }
}

impl Worded for RecordError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            RecordError::Malformed(detail) => {
                say(lang, "record-error-malformed", &[("detail", s(detail))])
            }
            RecordError::Panicked => say(lang, "record-error-panicked", &[]),
            RecordError::Shape {
                field,
                expected,
                found,
            } => say(
                lang,
                "record-error-shape",
                &[
                    ("field", s(field)),
                    ("expected", s(*expected)),
                    ("found", s(found)),
                ],
            ),
            RecordError::Transition { from, action } => say(
                lang,
                "record-error-transition",
                &[
                    ("from", s(status_word(lang, from))),
                    ("action", s(action_word(lang, action))),
                ],
            ),
            RecordError::Frozen => say(lang, "record-error-frozen", &[]),
            RecordError::Edit(detail) => say(lang, "record-error-edit", &[("detail", s(detail))]),
        }
    }
}

impl Worded for ActError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            ActError::Frozen => say(lang, "act-error-frozen", &[]),
            ActError::Transition { status, action } => say(
                lang,
                "record-error-transition",
                &[
                    ("from", s(status_word(lang, status))),
                    ("action", s(action_word(lang, action))),
                ],
            ),
            ActError::OversizedAct(count) => say(
                lang,
                "act-error-oversized",
                &[("limit", n(ACT_MAX_OPS)), ("count", n(count))],
            ),
            ActError::ActWithoutRecord => say(lang, "act-error-without-record", &[]),
        }
    }
}

impl Worded for FormSyntaxError {
    fn worded(&self, lang: Lang) -> String {
        say(lang, "form-syntax-error", &[("detail", s(&self.0))])
    }
}

impl Worded for OperatorError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            OperatorError::EmptyName => say(lang, "operator-error-empty", &[]),
            OperatorError::NameTooLong(count) => say(
                lang,
                "operator-error-too-long",
                &[("count", n(count)), ("limit", n(NAME_MAX_CHARS))],
            ),
            OperatorError::ControlCharacter => say(lang, "operator-error-control", &[]),
            OperatorError::UnknownRole(role) => {
                say(lang, "operator-error-unknown-role", &[("role", s(role))])
            }
            OperatorError::WrongNode { role, fits, node } => {
                let role = match lang {
                    Lang::En => role.to_string(),
                    Lang::Zh => format!("{}（{role}）", say(lang, &format!("ui-role-{role}"), &[])),
                };
                say(
                    lang,
                    "operator-error-wrong-node",
                    &[
                        ("role", s(role)),
                        ("fits", s(say(lang, &format!("node-kind-{fits}"), &[]))),
                        ("node", s(say(lang, &format!("node-kind-{node}"), &[]))),
                    ],
                )
            }
        }
    }
}

/// What [`ReviewError::Empty`] names (a fixed English phrase of `review.rs`) and its id.
const REVIEW_EMPTY: [(&str, &str); 2] = [
    ("the expert's name", "review-what-expert"),
    ("the opinion", "review-what-opinion"),
];

impl Worded for ReviewError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            ReviewError::NotAccepted(verdict) => {
                let verdict = match lang {
                    Lang::En => verdict.clone(),
                    Lang::Zh => verdict_label(lang, verdict),
                };
                say(
                    lang,
                    "review-error-not-accepted",
                    &[("verdict", s(verdict))],
                )
            }
            ReviewError::Score(score) => say(lang, "review-error-score", &[("score", n(score))]),
            ReviewError::Empty(what) => {
                let what = REVIEW_EMPTY
                    .iter()
                    .find(|(english, _)| english == what)
                    .map_or_else(|| what.to_string(), |(_, id)| say(lang, id, &[]));
                say(lang, "review-error-empty", &[("what", s(what))])
            }
            ReviewError::Subsidy { batch, cap, asked } => say(
                lang,
                "review-error-subsidy",
                &[("batch", n(batch)), ("cap", n(cap)), ("asked", n(asked))],
            ),
        }
    }
}

impl Worded for IdError {
    fn worded(&self, lang: Lang) -> String {
        let (id, text) = match self {
            IdError::Recommender(text) => ("id-error-recommender", text),
            IdError::Record(text) => ("id-error-record", text),
            IdError::Doc(text) => ("id-error-doc", text),
            IdError::Topic(text) => ("id-error-topic", text),
        };
        say(lang, id, &[("id", s(text))])
    }
}

/// How many variants the enum `name` declares in `source` (its `#[error` attributes): lets a
/// test check that its examples cover every variant, so a new one cannot go unworded.
#[doc(hidden)]
pub fn declared_variants(source: &str, name: &str) -> usize {
    let Some(start) = source.find(&format!("pub enum {name} {{")) else {
        return 0;
    };
    source[start..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with('}'))
        .filter(|line| line.trim_start().starts_with("#[error"))
        .count()
}

#[cfg(test)]
#[path = "i18n_errors_tests.rs"]
mod tests;
