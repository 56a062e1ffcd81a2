//! The node's own errors in the reader's language: the storage's (`StoreError`), which a
//! refusal carries as its detail, and the login links' (`LinkError`), which `fedrec ui` and the
//! API answer with. Like the core's errors (`fedrec_common::i18n::Worded`), each keeps its
//! English `Display` and is worded from the catalogue (`errors.ftl`); the English text matches
//! the `Display` exactly.
//!
//! [`chain`] words a whole `anyhow` chain for the CLI, which prints what went wrong with
//! everything that led to it: each cause that is one of these errors (the configuration's, the
//! core's, the node's own, a file's I/O) is worded in the reader's language, the rest (the
//! catalogue's own contexts, already worded) shown as they are.

use std::error::Error;

use fedrec_common::i18n::{self, Lang, Worded, s, t};

use crate::api::session::LinkError;
use crate::store::{SCHEMA_VERSION, StoreError};

/// An error and its causes as a person reads them, in `lang`: each cause worded if fedrec
/// words its kind, joined as `{:#}` joins them. A worded cause already says its own causes
/// (`ConfigError::Io` names the system's reason), so the chain stops there.
pub fn chain(error: &anyhow::Error, lang: Lang) -> String {
    let mut parts = Vec::new();
    for cause in error.chain() {
        match worded_cause(cause, lang) {
            Some(text) => {
                parts.push(text);
                break;
            }
            None => parts.push(cause.to_string()),
        }
    }
    let separator = match lang {
        Lang::Zh => "：",
        Lang::En => ": ",
    };
    parts.join(separator)
}

/// `cause` worded in `lang`, if it is of a kind fedrec words.
fn worded_cause(cause: &(dyn Error + 'static), lang: Lang) -> Option<String> {
    use fedrec_common as core;
    fn try_word<E: Worded + Error + 'static>(
        cause: &(dyn Error + 'static),
        lang: Lang,
    ) -> Option<String> {
        cause.downcast_ref::<E>().map(|error| error.worded(lang))
    }
    let words = [
        try_word::<fedrec_config::ConfigError>,
        try_word::<fedrec_config::ConfigProblem>,
        try_word::<StoreError>,
        try_word::<LinkError>,
        try_word::<core::identity::IdentityError>,
        try_word::<core::ids::IdError>,
        try_word::<core::batch::BatchError>,
        try_word::<core::roster::RosterError>,
        try_word::<core::roster::AuthError>,
        try_word::<core::record::RecordError>,
        try_word::<core::form::FormSyntaxError>,
        try_word::<core::feed::EntryError>,
        try_word::<core::feed::ChainError>,
        try_word::<core::sync::WireError>,
        try_word::<core::timestamp::TimestampError>,
        try_word::<core::operator::OperatorError>,
        try_word::<core::review::ReviewError>,
    ];
    words.iter().find_map(|word| word(cause, lang)).or_else(|| {
        cause
            .downcast_ref::<std::io::Error>()
            .map(|error| i18n::io_error(lang, error))
    })
}

impl Worded for StoreError {
    fn worded(&self, lang: Lang) -> String {
        let version = || s(SCHEMA_VERSION.to_string());
        match self {
            StoreError::Db(error) => t(lang, "store-error-db", &[("detail", s(error.to_string()))]),
            StoreError::Schema { found } => t(
                lang,
                "store-error-schema",
                &[("found", s(found)), ("version", version())],
            ),
            StoreError::NewerSchema { found } => t(
                lang,
                "store-error-newer-schema",
                &[("found", s(found)), ("version", version())],
            ),
            StoreError::Corrupt { what, problem } => t(
                lang,
                "store-error-corrupt",
                &[("what", s(what)), ("problem", s(problem))],
            ),
        }
    }
}

impl Worded for LinkError {
    fn worded(&self, lang: Lang) -> String {
        match self {
            LinkError::TooManyLinks(count) => t(
                lang,
                "error-login-too-many-links",
                &[("count", s(count.to_string()))],
            ),
            LinkError::Refused => t(lang, "link-error-refused", &[]),
            LinkError::Random(detail) => t(lang, "link-error-random", &[("detail", s(detail))]),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::mem::discriminant;

    use fedrec_common::i18n::declared_variants;

    use super::*;

    fn check_every_variant<E: Worded + std::fmt::Debug>(source: &str, name: &str, examples: &[E]) {
        let kinds: BTreeSet<String> = examples
            .iter()
            .map(|e| format!("{:?}", discriminant(e)))
            .collect();
        assert_eq!(kinds.len(), declared_variants(source, name), "{name}");
        for error in examples {
            let zh = error.worded(Lang::Zh);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{error:?} is not Chinese: {zh}"
            );
            assert_eq!(error.worded(Lang::En), error.to_string(), "{error:?}");
        }
    }

    #[test]
    fn every_storage_error_is_worded_in_both_languages() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"").unwrap();
        // RocksDB cannot make a database under a plain file: a real `rocksdb::Error`.
        let db = rocksdb::DB::open_default(file.join("db"))
            .map(drop)
            .unwrap_err();
        check_every_variant(
            include_str!("store.rs"),
            "StoreError",
            &[
                StoreError::Db(db),
                StoreError::Schema { found: "1".into() },
                StoreError::NewerSchema { found: "3".into() },
                StoreError::Corrupt {
                    what: "roster".into(),
                    problem: "not JSON".into(),
                },
            ],
        );
    }

    /// What the CLI prints for a failed command: each cause fedrec words in the reader's
    /// language, the chain joined as `{:#}` joins it.
    #[test]
    fn a_chain_of_causes_is_worded_cause_by_cause() {
        use anyhow::Context;
        let missing = std::fs::read_to_string("/nonexistent/fedrec.toml").unwrap_err();
        let error = anyhow::Error::new(fedrec_config::ConfigError::Io {
            file: "/nonexistent/fedrec.toml".into(),
            source: missing,
        });
        assert_eq!(
            chain(&error, Lang::Zh),
            "无法读取文件 /nonexistent/fedrec.toml：文件或目录不存在"
        );
        assert_eq!(chain(&error, Lang::En), error.to_string());
        let io = std::fs::read("/nonexistent/node.key")
            .context(t(
                Lang::Zh,
                "daemon-cannot-read-key",
                &[("file", s("node.key"))],
            ))
            .unwrap_err();
        assert_eq!(
            chain(&io, Lang::Zh),
            "无法读取节点密钥 node.key：文件或目录不存在"
        );
        assert_eq!(chain(&io, Lang::En), format!("{io:#}"));
    }

    #[test]
    fn every_login_link_error_is_worded_in_both_languages() {
        check_every_variant(
            include_str!("api/session.rs"),
            "LinkError",
            &[
                LinkError::TooManyLinks(64),
                LinkError::Refused,
                LinkError::Random("no entropy".into()),
            ],
        );
    }
}
