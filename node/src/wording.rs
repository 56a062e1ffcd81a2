//! The node's own errors in the reader's language: the storage's (`StoreError`), which a
//! refusal carries as its detail, and the login links' (`LinkError`), which `fedrec ui` and the
//! API answer with. Like the core's errors (`fedrec_common::i18n::Worded`), each keeps its
//! English `Display` and is worded from the catalogue (`errors.ftl`); the English text matches
//! the `Display` exactly.

use fedrec_common::i18n::{Lang, Worded, s, t};

use crate::api::session::LinkError;
use crate::store::{SCHEMA_VERSION, StoreError};

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
