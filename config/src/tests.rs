//! Tests of configuration resolution and of the shipped example files.

use std::path::Path;

use fedrec_common::form::Application;

use super::*;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");

fn no_env(_: &str) -> Option<String> {
    None
}

fn resolve_text(text: &str) -> Result<NodeConfig, ConfigError> {
    resolve(
        text,
        Path::new("/etc/fedrec/node.toml"),
        no_env,
        &Overrides::default(),
    )
}

#[test]
fn every_shipped_example_parses() {
    let mut seen = 0;
    for entry in std::fs::read_dir(EXAMPLES).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        if name.starts_with("batch-") {
            load_batch(&path).unwrap_or_else(|e| panic!("{e}"));
        } else if name.starts_with("application") {
            let application =
                Application::from_toml_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let batch = &shipped_batches()[0];
            assert_eq!(application.validate(batch), vec![], "{name}");
        } else {
            let config = load(&path, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
            for batch_file in &config.batch_files {
                load_batch(batch_file).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
        seen += 1;
    }
    assert!(
        seen >= 5,
        "expected the ministry, recommender, field-office, batch and application examples"
    );
}

#[test]
fn the_shipped_batch_is_the_sixth_as_the_notice_says() {
    let batch = &shipped_batches()[0];
    assert_eq!(batch.number.0, 6);
    assert_eq!(batch.key_areas.len(), 15);
    assert_eq!(batch.quota_per_recommender, 1);
    assert_eq!(batch.subsidy_cap_yuan, 5_000_000);
    assert_eq!(batch.deadline.to_rfc3339_cst(), "2016-03-15T23:59:59+08:00");
}

#[test]
fn defaults_fill_what_the_file_leaves_out() {
    let config = resolve_text("role = \"ministry\"\nname = \"部\"").unwrap();
    assert_eq!(config.api.to_string(), DEFAULT_API);
    assert_eq!(config.listen, default_listen());
    assert!(!config.mdns);
    assert_eq!(config.data_dir, Path::new("/etc/fedrec"));
    assert_eq!(config.sync_interval_secs, DEFAULT_SYNC_INTERVAL_SECS);
}

#[test]
fn environment_beats_file_and_flags_beat_environment() {
    let text = "role = \"ministry\"\nname = \"部\"\napi = \"127.0.0.1:8000\"";
    let env = |name: &str| (name == "FEDREC_API").then(|| "127.0.0.1:8001".to_string());
    let path = Path::new("node.toml");
    assert_eq!(
        resolve(text, path, env, &Overrides::default())
            .unwrap()
            .api
            .port(),
        8001
    );
    let flags = Overrides {
        api: Some("127.0.0.1:8002".into()),
        ..Overrides::default()
    };
    assert_eq!(resolve(text, path, env, &flags).unwrap().api.port(), 8002);
    let mdns_env = |name: &str| (name == "FEDREC_MDNS").then(|| "on".to_string());
    assert!(
        resolve(text, path, mdns_env, &Overrides::default())
            .unwrap()
            .mdns
    );
}

#[test]
fn errors_name_the_file_the_key_and_the_problem() {
    let recommender = "role = \"recommender\"\nname = \"x\"\nrecommender = \"shanghai\"\n[ministry]\naddress = \"/ip4/127.0.0.1/tcp/7500\"\nkey = \"d4e85a2688be0e85c4c79cfe6c62a853eba18c93ce655be70b827a23f040f14c\"\n";
    assert!(resolve_text(recommender).is_ok());
    let cases = [
        ("name = \"部\"", "role"),
        ("role = \"ministry\"", "name"),
        (
            "role = \"ministry\"\nname = \"部\"\napi = \"0.0.0.0:7401\"",
            "api",
        ),
        (
            "role = \"ministry\"\nname = \"部\"\napi = \"localhost\"",
            "api",
        ),
        (
            "role = \"ministry\"\nname = \"部\"\nlisten = [\"tcp://0.0.0.0:7400\"]",
            "listen",
        ),
        (
            "role = \"ministry\"\nname = \"部\"\nrecommender = \"shanghai\"",
            "recommender",
        ),
        (
            "role = \"recommender\"\nname = \"x\"\nrecommender = \"shanghai\"",
            "ministry",
        ),
        (
            "role = \"ministry\"\nname = \"部\"\nsync_interval_secs = 0",
            "sync_interval_secs",
        ),
    ];
    for (text, key) in cases {
        match resolve_text(text) {
            Err(error @ ConfigError::Invalid { .. }) => {
                let shown = error.to_string();
                assert!(shown.starts_with("/etc/fedrec/node.toml: key `"), "{shown}");
                assert!(shown.contains(&format!("`{key}`")), "{shown}");
            }
            other => panic!("{text}: expected an error naming {key}, got {other:?}"),
        }
    }
    let bad_key = recommender.replace("d4e8", "zzzz");
    assert!(
        resolve_text(&bad_key)
            .unwrap_err()
            .to_string()
            .contains("ministry.key")
    );
    let bad_role = resolve_text("role = \"king\"\nname = \"x\"")
        .unwrap_err()
        .to_string();
    assert!(
        bad_role.contains("node.toml") && bad_role.contains("role"),
        "{bad_role}"
    );
    let unknown = resolve_text("role = \"ministry\"\nname = \"部\"\nlisen = []")
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("unknown field `lisen`"), "{unknown}");
}

#[test]
fn a_missing_file_is_named() {
    let error = load(Path::new("/nonexistent/fedrec.toml"), &Overrides::default()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("/nonexistent/fedrec.toml: cannot read"),
        "{error}"
    );
}

#[test]
fn batch_errors_name_the_file_and_key() {
    let error = parse_batch(
        &BATCH_6_TOML.replace("subsidy_cap_yuan = 5000000", "subsidy_cap_yuan = 0"),
        Path::new("b.toml"),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(error, "b.toml: key `subsidy_cap_yuan`: must be more than 0");
}

#[test]
fn limits_have_defaults_and_refuse_unknown_keys_and_zero() {
    let base = "role = \"ministry\"\nname = \"部\"\n";
    let config = resolve_text(base).unwrap();
    assert_eq!(config.limits, Limits::default());
    let config = resolve_text(&format!("{base}[limits]\nquarantine_max_entries = 5\n")).unwrap();
    assert_eq!(config.limits.quarantine_max_entries, 5);
    assert_eq!(
        config.limits.quarantine_max_bytes,
        Limits::default().quarantine_max_bytes,
        "keys not given keep their defaults"
    );
    let unknown = resolve_text(&format!("{base}[limits]\nquarantine_entries = 5\n")).unwrap_err();
    assert!(
        unknown.to_string().contains("quarantine_entries"),
        "{unknown}"
    );
    let zero =
        resolve_text(&format!("{base}[limits]\nmax_connections_per_peer = 0\n")).unwrap_err();
    assert!(
        zero.to_string().contains("limits.max_connections_per_peer"),
        "{zero}"
    );
    let shipped = load(
        &Path::new(EXAMPLES).join("ministry.toml"),
        &Overrides::default(),
    )
    .unwrap();
    assert_eq!(
        shipped.limits,
        Limits::default(),
        "the example shows the defaults"
    );
}

const MINISTRY: &str = "role = \"ministry\"\nname = \"部\"\n";
const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

#[test]
fn the_interface_for_other_machines_is_off_by_default() {
    assert_eq!(resolve_text(MINISTRY).unwrap().remote_ui, None);
}

#[test]
fn the_interface_for_other_machines_needs_tls_and_its_names() {
    let listen = "[ui]\nremote_listen = \"0.0.0.0:7443\"\n";
    let hosts = "remote_hosts = [\"fedrec.example.gov.cn\", \"10.1.2.3\"]\n";
    let cases = [
        // Plain HTTP never leaves loopback: no certificate and key, no remote interface.
        (format!("{listen}{hosts}"), "ui.tls_cert", "over TLS only"),
        (
            format!("{listen}{hosts}tls_cert = \"c.pem\"\n"),
            "ui.tls_key",
            "over TLS only",
        ),
        (
            format!("{listen}{hosts}tls_key = \"k.pem\"\n"),
            "ui.tls_cert",
            "over TLS only",
        ),
        // Even a loopback address is served over TLS if it is named here.
        (
            "[ui]\nremote_listen = \"127.0.0.2:7443\"\nremote_hosts = [\"127.0.0.2\"]\n".into(),
            "ui.tls_cert",
            "over TLS only",
        ),
        (
            format!("{listen}tls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n"),
            "ui.remote_hosts",
            "missing",
        ),
        (
            format!(
                "{listen}remote_hosts = [\"fedrec.example:7443\"]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n"
            ),
            "ui.remote_hosts",
            "without a port",
        ),
        (
            "[ui]\nremote_listen = \"everywhere\"\n".into(),
            "ui.remote_listen",
            "HOST:PORT",
        ),
        (
            "[ui]\ntls_cert = \"c.pem\"\n".into(),
            "ui.tls_cert",
            "without ui.remote_listen",
        ),
    ];
    for (table, key, problem) in cases {
        let text = format!("{MINISTRY}{table}");
        match resolve_text(&text) {
            Err(error @ ConfigError::Invalid { .. }) => {
                let shown = error.to_string();
                assert!(shown.contains(&format!("key `{key}`")), "{shown}");
                assert!(shown.contains(problem), "{shown}");
            }
            other => panic!("{text}: expected an error naming {key}, got {other:?}"),
        }
    }
    let unknown = resolve_text(&format!("{MINISTRY}[ui]\nremote = \"0.0.0.0:7443\"\n"))
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("unknown field `remote`"), "{unknown}");
}

#[test]
fn the_tls_files_are_read_at_load_and_named_when_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("fedrec.toml");
    let write_config = || {
        std::fs::write(
            &config_path,
            format!(
                "{MINISTRY}[ui]\nremote_listen = \"0.0.0.0:7443\"\nremote_hosts = [\"10.1.2.3\"]\n\
                 tls_cert = \"tls/cert.pem\"\ntls_key = \"tls/key.pem\"\n"
            ),
        )
        .unwrap();
    };
    write_config();
    let error = load(&config_path, &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("key `ui.tls_cert`")
            && error.contains("tls/cert.pem")
            && error.contains("cannot read"),
        "{error}"
    );
    std::fs::create_dir(dir.path().join("tls")).unwrap();
    // The files swapped: each holds the other's kind.
    std::fs::write(dir.path().join("tls/cert.pem"), KEY_PEM).unwrap();
    std::fs::write(dir.path().join("tls/key.pem"), CERT_PEM).unwrap();
    let error = load(&config_path, &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("key `ui.tls_cert`") && error.contains("no PEM certificate"),
        "{error}"
    );
    std::fs::write(dir.path().join("tls/cert.pem"), CERT_PEM).unwrap();
    let error = load(&config_path, &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("key `ui.tls_key`")
            && error.contains("tls/key.pem")
            && error.contains("no PEM private key"),
        "{error}"
    );
    std::fs::write(dir.path().join("tls/key.pem"), KEY_PEM).unwrap();
    let remote = load(&config_path, &Overrides::default())
        .unwrap()
        .remote_ui
        .unwrap();
    assert_eq!(remote.listen, "0.0.0.0:7443".parse().unwrap());
    assert_eq!(remote.hosts, vec!["10.1.2.3".to_string()]);
    assert_eq!(
        remote.tls_cert,
        dir.path().join("tls/cert.pem"),
        "relative to the file"
    );
    assert_eq!(remote.tls_key, dir.path().join("tls/key.pem"));
}
