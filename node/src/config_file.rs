//! The configuration file `fedrec init` writes (`fedrec.toml`): every key the node reads, each
//! under a comment that says what it is for. The comments come from the catalogue (`cli.ftl`,
//! `config-file-*`) in the language of the run, Chinese unless English is asked for, since the
//! people who edit the file read them; the keys and values are TOML and stay as they are.

use anyhow::{Context, bail};
use fedrec_common::i18n::{s, tr};
use fedrec_common::identity::NodeKey;
use fedrec_config::Role;

use crate::daemon::{InitRequest, node_id_of_peer};

/// The catalogue's comment `id`, each of its lines a TOML comment.
fn comment(id: &str) -> String {
    tr(id, &[])
        .lines()
        .map(|line| format!("# {}\n", line.trim_end()))
        .collect()
}

/// A `key = value` line.
fn line(key: &str, value: &str) -> String {
    format!("{key} = {value}\n")
}

/// A commented `key = value` line, with a blank line after it.
fn entry(id: &str, key: &str, value: &str) -> String {
    format!("{}{}\n", comment(id), line(key, value))
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A TOML array of strings.
fn toml_strings(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|item| toml_string(item)).collect();
    format!("[{}]", items.join(", "))
}

/// The text of the configuration `request` asks for, the node's key being `key`.
pub(crate) fn config_text(request: &InitRequest, key: &NodeKey) -> anyhow::Result<String> {
    let name = request.name.clone().unwrap_or_else(|| match request.role {
        Role::Ministry => "人力资源社会保障部专业技术人员管理司继续教育处".into(),
        _ => request.recommender.clone().unwrap_or_default(),
    });
    let listen = request
        .listen
        .clone()
        .unwrap_or_else(fedrec_config::default_listen);
    let mut text = comment("config-file-header");
    text.push('\n');
    text += &entry("config-file-role", "role", &toml_string(request.role.key()));
    text += &entry("config-file-name", "name", &toml_string(&name));
    if let Some(recommender) = &request.recommender {
        text += &entry(
            "config-file-recommender",
            "recommender",
            &toml_string(recommender),
        );
    }
    text += &entry("config-file-data-dir", "data_dir", &toml_string("."));
    text += &entry("config-file-listen", "listen", &toml_strings(&listen));
    let api = request.api.as_deref().unwrap_or(fedrec_config::DEFAULT_API);
    text += &entry("config-file-api", "api", &toml_string(api));
    text += &entry("config-file-mdns", "mdns", &request.mdns.to_string());
    text += &entry("config-file-peers", "peers", &toml_strings(&request.peers));
    text += &entry("config-file-batch-files", "batch_files", "[]");
    text += &entry(
        "config-file-max-attachment-bytes",
        "max_attachment_bytes",
        &fedrec_config::DEFAULT_MAX_ATTACHMENT_BYTES.to_string(),
    );
    text += &entry(
        "config-file-sync-interval-secs",
        "sync_interval_secs",
        &fedrec_config::DEFAULT_SYNC_INTERVAL_SECS.to_string(),
    );
    match (&request.ministry, request.role) {
        (Some(_), Role::Ministry) => bail!(tr("daemon-ministry-for-others", &[])),
        (None, Role::Recommender | Role::FieldOffice) => {
            bail!(tr("daemon-ministry-required", &[]))
        }
        (None, Role::Ministry) => {}
        (Some(address), _) => {
            let peer = address
                .rsplit_once("/p2p/")
                .map(|(_, peer)| peer)
                .with_context(|| {
                    tr(
                        "daemon-ministry-without-peer",
                        &[("address", s(address.as_str()))],
                    )
                })?;
            let ministry_key = node_id_of_peer(peer)?;
            if ministry_key == key.id() {
                bail!(tr("daemon-ministry-is-self", &[]));
            }
            text += &comment("config-file-ministry");
            text += &format!("[{}]\n", "ministry");
            text += &line("address", &toml_string(address));
            text += &line("key", &toml_string(&ministry_key.to_hex()));
        }
    }
    // Off: the web interface for other machines, over TLS only, as an example to uncomment.
    text += "\n";
    text += &comment("config-file-ui");
    text += "# [ui]\n\
             # remote_listen = \"0.0.0.0:7443\"\n\
             # remote_hosts = [\"fedrec.example.gov.cn\"]\n\
             # tls_cert = \"tls-cert.pem\"\n\
             # tls_key = \"tls-key.pem\"\n";
    Ok(text)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use fedrec_common::i18n::{Lang, speaking};
    use fedrec_config::{Overrides, resolve};

    use super::*;

    fn request(role: Role) -> InitRequest {
        InitRequest {
            role,
            data: PathBuf::from("data"),
            recommender: None,
            name: None,
            listen: None,
            api: None,
            ministry: None,
            peers: Vec::new(),
            mdns: false,
        }
    }

    /// The file reads in the run's language and resolves to the configuration asked for.
    #[test]
    fn the_written_file_is_commented_in_the_readers_language_and_resolves() {
        let key = NodeKey::generate();
        for (lang, expected) in [
            (Lang::Zh, "# 本节点的类型"),
            (Lang::En, "# What this node is"),
        ] {
            let text = speaking(lang, || config_text(&request(Role::Ministry), &key)).unwrap();
            assert!(text.contains(expected), "{text}");
            assert!(!text.contains("config-file-"), "{text}");
            let config = resolve(
                &text,
                Path::new("fedrec.toml"),
                |_| None,
                &Overrides::default(),
            )
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(config.role, Role::Ministry);
            assert_eq!(config.api.to_string(), fedrec_config::DEFAULT_API);
        }
    }
}
