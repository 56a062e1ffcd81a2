//! The configuration's errors in the reader's language, for the people who run `fedrec init`
//! and `fedrec run`. Like the core's errors (`fedrec_common::i18n::Worded`), [`ConfigError`]
//! and [`ConfigProblem`] keep their English `Display` and are worded from the catalogue
//! (`errors.ftl`, `config-error-*`, `config-problem-*`); the English text matches the `Display`
//! exactly. File names, keys and the values refused are passed through as written; so are the
//! TOML parser's own words in a syntax error.

use fedrec_common::i18n::{Arg, Lang, Worded, io_error, s, t};

use crate::{ConfigError, ConfigProblem};

impl Worded for ConfigError {
    fn worded(&self, lang: Lang) -> String {
        let file = |file: &std::path::Path| s(file.display().to_string());
        match self {
            ConfigError::Io { file: path, source } => t(
                lang,
                "config-error-io",
                &[("file", file(path)), ("detail", s(io_error(lang, source)))],
            ),
            ConfigError::Syntax {
                file: path,
                message,
            } => t(
                lang,
                "config-error-syntax",
                &[("file", file(path)), ("detail", s(message))],
            ),
            ConfigError::Invalid {
                file: path,
                key,
                problem,
            } => t(
                lang,
                "config-error-invalid",
                &[
                    ("file", file(path)),
                    ("key", s(key)),
                    ("problem", s(problem.worded(lang))),
                ],
            ),
            ConfigError::Batch { file: path, error } => t(
                lang,
                "config-error-batch",
                &[("file", file(path)), ("error", s(error.worded(lang)))],
            ),
        }
    }
}

impl Worded for ConfigProblem {
    fn worded(&self, lang: Lang) -> String {
        let say = |id: &str, args: &[(&str, Arg)]| t(lang, &format!("config-problem-{id}"), args);
        match self {
            ConfigProblem::MissingRole => say("missing-role", &[]),
            ConfigProblem::MissingName => say("missing-name", &[]),
            ConfigProblem::MinistryActsForNone => say("ministry-acts-for-none", &[]),
            ConfigProblem::MissingRecommender(role) => {
                let role = match lang {
                    Lang::En => role.to_string(),
                    Lang::Zh => t(lang, &format!("role-{role}"), &[]),
                };
                say("missing-recommender", &[("role", s(role))])
            }
            ConfigProblem::Recommender(error) => error.worded(lang),
            ConfigProblem::MinistryNamesMinistry => say("ministry-names-ministry", &[]),
            ConfigProblem::MissingMinistry => say("missing-ministry", &[]),
            ConfigProblem::MinistryKey(error) => error.worded(lang),
            ConfigProblem::NotMultiaddr(address) => {
                say("not-multiaddr", &[("address", s(address))])
            }
            ConfigProblem::NotIpAddress { address, host } => say(
                "not-ip-address",
                &[("address", s(address)), ("host", s(host))],
            ),
            ConfigProblem::NoTransport(address) => say("no-transport", &[("address", s(address))]),
            ConfigProblem::NotHostPort(text) => say("not-host-port", &[("text", s(text))]),
            ConfigProblem::NotLoopback(api) => say("not-loopback", &[("api", s(api.to_string()))]),
            ConfigProblem::MdnsVariable(text) => say("mdns-variable", &[("text", s(text))]),
            ConfigProblem::Zero => say("zero", &[]),
            ConfigProblem::PeerWithoutId(peer) => say("peer-without-id", &[("peer", s(peer))]),
            ConfigProblem::SyncIntervalVariable(text) => {
                say("sync-interval-variable", &[("text", s(text))])
            }
            ConfigProblem::SyncIntervalRange => say("sync-interval-range", &[]),
            ConfigProblem::Batch(problem) => problem.worded(lang),
            ConfigProblem::UiWithoutRemoteListen => say("ui-without-remote-listen", &[]),
            ConfigProblem::NotRemoteHostPort(text) => {
                say("not-remote-host-port", &[("text", s(text))])
            }
            ConfigProblem::RemoteWithoutTls(listen) => {
                say("remote-without-tls", &[("listen", s(listen))])
            }
            ConfigProblem::MissingRemoteHosts => say("missing-remote-hosts", &[]),
            ConfigProblem::NotRemoteHost(host) => say("not-remote-host", &[("host", s(host))]),
            ConfigProblem::TlsFileUnreadable { file, reason } => say(
                "tls-file-unreadable",
                &[("file", s(file)), ("reason", s(reason))],
            ),
            ConfigProblem::NoPemCertificate(file) => {
                say("no-pem-certificate", &[("file", s(file))])
            }
            ConfigProblem::NoPemPrivateKey(file) => say("no-pem-private-key", &[("file", s(file))]),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::mem::discriminant;
    use std::path::{Path, PathBuf};

    use fedrec_common::batch::{BatchError, BatchProblem};
    use fedrec_common::i18n::{declared_variants, has};

    use super::*;
    use crate::{Overrides, resolve};

    fn is_chinese(text: &str) -> bool {
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    /// Each example reads in Chinese, says in English exactly what its `Display` says, and the
    /// examples cover every variant that `name` declares in `source`.
    fn check_every_variant<E: Worded + std::fmt::Debug>(source: &str, name: &str, examples: &[E]) {
        let kinds: BTreeSet<String> = examples
            .iter()
            .map(|e| format!("{:?}", discriminant(e)))
            .collect();
        assert_eq!(
            kinds.len(),
            declared_variants(source, name),
            "{name}: the examples do not cover every variant"
        );
        for error in examples {
            let zh = error.worded(Lang::Zh);
            assert!(is_chinese(&zh), "{name} {error:?} is not Chinese: {zh}");
            assert!(!zh.contains("config-"), "{name} {error:?}: {zh}");
            assert_eq!(
                error.worded(Lang::En),
                error.to_string(),
                "{name} {error:?}"
            );
        }
    }

    fn problems() -> Vec<ConfigProblem> {
        vec![
            ConfigProblem::UiWithoutRemoteListen,
            ConfigProblem::NotRemoteHostPort("0.0.0.0".into()),
            ConfigProblem::RemoteWithoutTls("0.0.0.0:7443".into()),
            ConfigProblem::MissingRemoteHosts,
            ConfigProblem::NotRemoteHost("example.gov.cn:7443".into()),
            ConfigProblem::TlsFileUnreadable {
                file: "tls-cert.pem".into(),
                reason: "No such file or directory (os error 2)".into(),
            },
            ConfigProblem::NoPemCertificate("tls-cert.pem".into()),
            ConfigProblem::NoPemPrivateKey("tls-key.pem".into()),
            ConfigProblem::MissingRole,
            ConfigProblem::MissingName,
            ConfigProblem::MinistryActsForNone,
            ConfigProblem::MissingRecommender("field-office"),
            ConfigProblem::Recommender(
                "Shanghai"
                    .parse::<fedrec_common::ids::RecommenderId>()
                    .unwrap_err(),
            ),
            ConfigProblem::MinistryNamesMinistry,
            ConfigProblem::MissingMinistry,
            ConfigProblem::MinistryKey(
                "zz".parse::<fedrec_common::identity::NodeId>().unwrap_err(),
            ),
            ConfigProblem::NotMultiaddr("tcp://0.0.0.0:7400".into()),
            ConfigProblem::NotIpAddress {
                address: "/ip4/1.2.3/tcp/7400".into(),
                host: "1.2.3".into(),
            },
            ConfigProblem::NoTransport("/ip4/1.2.3.4/sctp/7400".into()),
            ConfigProblem::NotHostPort("localhost".into()),
            ConfigProblem::NotLoopback("0.0.0.0:7401".parse().unwrap()),
            ConfigProblem::MdnsVariable("maybe".into()),
            ConfigProblem::Zero,
            ConfigProblem::PeerWithoutId("/ip4/10.0.0.2/tcp/7400".into()),
            ConfigProblem::SyncIntervalVariable("soon".into()),
            ConfigProblem::SyncIntervalRange,
            ConfigProblem::Batch(BatchProblem::NoKeyAreas),
        ]
    }

    #[test]
    fn every_configuration_problem_is_worded_in_both_languages() {
        check_every_variant(include_str!("problem.rs"), "ConfigProblem", &problems());
        for role in ["recommender", "field-office"] {
            assert!(has(Lang::Zh, &format!("role-{role}")), "{role}");
        }
    }

    #[test]
    fn every_configuration_error_is_worded_in_both_languages() {
        let file = PathBuf::from("/etc/fedrec/fedrec.toml");
        let missing = std::fs::read_to_string("/nonexistent/fedrec.toml").unwrap_err();
        let errors = [
            ConfigError::Io {
                file: file.clone(),
                source: missing,
            },
            ConfigError::Syntax {
                file: file.clone(),
                message: "TOML parse error at line 1, column 1".into(),
            },
            ConfigError::Invalid {
                file: file.clone(),
                key: "api".into(),
                problem: ConfigProblem::NotHostPort("localhost".into()),
            },
            ConfigError::Batch {
                file,
                error: BatchError::BadSignature,
            },
        ];
        check_every_variant(include_str!("lib.rs"), "ConfigError", &errors);
        // Chinese names the file and the key, and says why in Chinese.
        let zh = errors[0].worded(Lang::Zh);
        assert_eq!(zh, "无法读取文件 /etc/fedrec/fedrec.toml：文件或目录不存在");
        let zh = errors[2].worded(Lang::Zh);
        assert!(
            zh.contains("/etc/fedrec/fedrec.toml") && zh.contains("`api`"),
            "{zh}"
        );
    }

    /// What `fedrec run` says for a configuration that a person got wrong, in Chinese.
    #[test]
    fn a_wrong_file_is_explained_in_chinese() {
        let error = resolve(
            "role = \"ministry\"\nname = \"部\"\napi = \"0.0.0.0:7401\"",
            Path::new("data/fedrec.toml"),
            |_| None,
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(
            error.worded(Lang::Zh),
            "文件 data/fedrec.toml 中的 `api` 有误：0.0.0.0:7401 不是本机回环地址。本地接口使用\
             不加密的 HTTP，其令牌不得经过网络传输，请使用 127.0.0.1"
        );
    }
}
