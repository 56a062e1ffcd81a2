//! fedrec-config: a node's typed configuration, and the batch files it names.
//!
//! Settings are resolved in one place, [`resolve`], in this order: built-in defaults, then the
//! node's TOML file, then environment variables (`FEDREC_API`, `FEDREC_LISTEN`, `FEDREC_MDNS`,
//! `FEDREC_SYNC_INTERVAL_SECS`),
//! then command-line flags. Unknown keys are errors; every error names the file, the key and
//! the problem. Reading files is done here, at the edge; the checks themselves are pure.
//!
//! A problem is a [`ConfigProblem`], not a text: people read it worded from the catalogue in
//! their language (`wording.rs`, `fedrec_common::i18n::Worded`); its English `Display` is what
//! logs and tests read.

mod problem;
mod wording;

pub use problem::ConfigProblem;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use fedrec_common::batch::{Batch, BatchError};
use fedrec_common::identity::NodeId;
use fedrec_common::ids::RecommenderId;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The p2p port when none is given.
pub const DEFAULT_P2P_PORT: u16 = 7400;
/// The local API address when none is given: loopback only.
pub const DEFAULT_API: &str = "127.0.0.1:7401";
/// Largest attachment a node stores when the file does not say.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 20 * 1024 * 1024;
/// Seconds between anti-entropy rounds when the file does not say.
pub const DEFAULT_SYNC_INTERVAL_SECS: u64 = 30;

/// The sixth batch as the notice describes it, shipped with the program.
pub const BATCH_6_TOML: &str = include_str!("../examples/batch-6.toml");
/// The complete example application (申报表), shipped for `fedrec record template`, the demo and
/// the benchmarks.
pub const EXAMPLE_APPLICATION_TOML: &str = include_str!("../examples/application.toml");

/// What a node is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The ministry: trust root, receives every recommender's records, enforces the rules.
    Ministry,
    /// A recommender's headquarters node.
    Recommender,
    /// A recommender's field-office node, often offline.
    FieldOffice,
}

impl Role {
    pub fn key(self) -> &'static str {
        match self {
            Role::Ministry => "ministry",
            Role::Recommender => "recommender",
            Role::FieldOffice => "field-office",
        }
    }
}

/// How to reach the ministry node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinistryPeer {
    /// The ministry's p2p address, such as `/ip4/10.1.2.3/tcp/7400`.
    pub address: String,
    /// The ministry's node id (its public key): the trust root.
    pub key: NodeId,
}

/// Bounds on what callers and peers can make a node hold: the `[limits]` table. Every key has a
/// default; unknown keys are errors; zero is refused (it would turn the thing off, not bound it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Refused entries kept as evidence, from all peers together.
    pub quarantine_max_entries: u64,
    /// Bytes of refused entries kept, from all peers together.
    pub quarantine_max_bytes: u64,
    /// Refused entries kept from one peer; its oldest go first.
    pub quarantine_max_entries_per_peer: u64,
    /// Bytes of refused entries kept from one peer.
    pub quarantine_max_bytes_per_peer: u64,
    /// Changes of one document waiting for their Automerge dependencies.
    pub parked_max_changes_per_document: u64,
    /// Changes by one author waiting for their dependencies, across all documents.
    pub parked_max_changes_per_author: u64,
    /// Automerge operations of the record documents a node keeps open in memory, all together
    /// (about 250 bytes each in memory; the example application is 12,428 operations).
    pub doc_cache_max_operations: u64,
    /// Incoming connections established at once, from all peers.
    pub max_incoming_connections: u32,
    /// Incoming connections still in their handshake at once.
    pub max_pending_incoming_connections: u32,
    /// Connections established with one peer.
    pub max_connections_per_peer: u32,
    /// Sync requests one peer may send at once before its steady rate applies.
    pub peer_requests_burst: u32,
    /// Sync requests per second one peer may send, once its burst is spent; the rest are
    /// answered `Refused` without any work.
    pub peer_requests_per_sec: u32,
    /// Refusals one peer may earn within a minute (requests over its rate, entries refused as
    /// invalid) before it is disconnected and its connections refused for a while.
    pub peer_refusals_before_backoff: u32,
    /// Seconds a peer is kept away after its first backoff; each further one within the hour
    /// doubles it, up to 64 times as long.
    pub peer_backoff_secs: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            quarantine_max_entries: 10_000,
            quarantine_max_bytes: 64 * 1024 * 1024,
            quarantine_max_entries_per_peer: 1_000,
            quarantine_max_bytes_per_peer: 8 * 1024 * 1024,
            parked_max_changes_per_document: 1_000,
            parked_max_changes_per_author: 5_000,
            doc_cache_max_operations: 400_000,
            max_incoming_connections: 1_024,
            max_pending_incoming_connections: 64,
            max_connections_per_peer: 2,
            peer_requests_burst: 256,
            peer_requests_per_sec: 64,
            peer_refusals_before_backoff: 1_024,
            peer_backoff_secs: 60,
        }
    }
}

impl Limits {
    /// The first key set to zero, if any.
    fn zero_key(&self) -> Option<&'static str> {
        [
            ("quarantine_max_entries", self.quarantine_max_entries),
            ("quarantine_max_bytes", self.quarantine_max_bytes),
            (
                "quarantine_max_entries_per_peer",
                self.quarantine_max_entries_per_peer,
            ),
            (
                "quarantine_max_bytes_per_peer",
                self.quarantine_max_bytes_per_peer,
            ),
            (
                "parked_max_changes_per_document",
                self.parked_max_changes_per_document,
            ),
            ("doc_cache_max_operations", self.doc_cache_max_operations),
            (
                "parked_max_changes_per_author",
                self.parked_max_changes_per_author,
            ),
            (
                "max_incoming_connections",
                u64::from(self.max_incoming_connections),
            ),
            (
                "max_pending_incoming_connections",
                u64::from(self.max_pending_incoming_connections),
            ),
            (
                "max_connections_per_peer",
                u64::from(self.max_connections_per_peer),
            ),
            ("peer_requests_burst", u64::from(self.peer_requests_burst)),
            (
                "peer_requests_per_sec",
                u64::from(self.peer_requests_per_sec),
            ),
            (
                "peer_refusals_before_backoff",
                u64::from(self.peer_refusals_before_backoff),
            ),
            ("peer_backoff_secs", u64::from(self.peer_backoff_secs)),
        ]
        .into_iter()
        .find(|(_, value)| *value == 0)
        .map(|(key, _)| key)
    }
}

/// A node's resolved configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeConfig {
    pub role: Role,
    /// A name for people and logs, such as 上海市人社局.
    pub name: String,
    /// The recommender this node acts for (recommender and field-office nodes).
    pub recommender: Option<RecommenderId>,
    /// Where the node keeps its key, database and attachments.
    pub data_dir: PathBuf,
    /// p2p listen addresses (multiaddrs).
    pub listen: Vec<String>,
    /// The local HTTP API's address; loopback only.
    pub api: SocketAddr,
    /// The ministry (every node but the ministry itself).
    pub ministry: Option<MinistryPeer>,
    /// Other nodes to keep connected, as MULTIADDR/p2p/PEER_ID (a field office names its HQ).
    pub peers: Vec<String>,
    /// Batch definition files, resolved against the config file's folder.
    pub batch_files: Vec<PathBuf>,
    /// Find peers on the LAN by multicast DNS. Off unless asked for: it multicasts on every
    /// interface.
    pub mdns: bool,
    pub max_attachment_bytes: u64,
    pub sync_interval_secs: u64,
    pub limits: Limits,
    /// The web interface (and API) for other machines, over TLS only: the `[ui]` table.
    /// `None` unless an office turns it on.
    pub remote_ui: Option<RemoteUi>,
}

/// The web interface served to other machines: the same pages and API as on loopback, behind
/// the same gate, but over TLS only, on an address of the office's choosing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteUi {
    /// Where to listen for TLS connections, such as `0.0.0.0:7443`.
    pub listen: SocketAddr,
    /// The names people's browsers use to reach it (host names or IP addresses, no port):
    /// the gate admits `Host` and `Origin` only for these, on `listen`'s port.
    pub hosts: Vec<String>,
    /// The certificate chain, PEM, the server's own certificate first.
    pub tls_cert: PathBuf,
    /// The certificate's private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub tls_key: PathBuf,
}

/// The `[ui]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UiFile {
    remote_listen: Option<String>,
    remote_hosts: Option<Vec<String>>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
}

/// The file as written: everything optional, so defaults can fill the gaps.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    role: Option<Role>,
    name: Option<String>,
    recommender: Option<String>,
    data_dir: Option<PathBuf>,
    listen: Option<Vec<String>>,
    api: Option<String>,
    ministry: Option<MinistryFile>,
    peers: Option<Vec<String>>,
    batch_files: Option<Vec<PathBuf>>,
    mdns: Option<bool>,
    max_attachment_bytes: Option<u64>,
    sync_interval_secs: Option<u64>,
    limits: Option<Limits>,
    ui: Option<UiFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MinistryFile {
    address: String,
    key: String,
}

/// Values given on the command line; they win over everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<Vec<String>>,
    pub api: Option<String>,
    pub mdns: Option<bool>,
}

/// A configuration or batch file that cannot be used: the file, and what is wrong with it.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not TOML, or a key the file may not have; the TOML parser's own words.
    #[error("{file}: {message}")]
    Syntax { file: PathBuf, message: String },
    #[error("{file}: key `{key}`: {problem}")]
    Invalid {
        file: PathBuf,
        key: String,
        problem: ConfigProblem,
    },
    /// A batch file refused for what only a signed batch can fail.
    #[error("{file}: {error}")]
    Batch { file: PathBuf, error: BatchError },
}

/// The default p2p listen addresses: TCP and QUIC on every interface, so peers can reach us.
pub fn default_listen() -> Vec<String> {
    vec![
        format!("/ip4/0.0.0.0/tcp/{DEFAULT_P2P_PORT}"),
        format!("/ip4/0.0.0.0/udp/{DEFAULT_P2P_PORT}/quic-v1"),
    ]
}

/// Reads and resolves the node configuration at `path`, with the process environment and
/// `overrides`.
pub fn load(path: &Path, overrides: &Overrides) -> Result<NodeConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    let config = resolve(&text, path, |name| std::env::var(name).ok(), overrides)?;
    if let Some(remote) = &config.remote_ui {
        check_tls_files(remote, path)?;
    }
    Ok(config)
}

/// Resolves defaults, the file's text, the environment (through `env`) and `overrides` into a
/// checked configuration. `path` names the file in errors and anchors relative paths.
pub fn resolve(
    text: &str,
    path: &Path,
    env: impl Fn(&str) -> Option<String>,
    overrides: &Overrides,
) -> Result<NodeConfig, ConfigError> {
    let invalid = |key: &str, problem: ConfigProblem| ConfigError::Invalid {
        file: path.to_path_buf(),
        key: key.to_string(),
        problem,
    };
    let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Syntax {
        file: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let anchored = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };

    let role = file
        .role
        .ok_or_else(|| invalid("role", ConfigProblem::MissingRole))?;
    let name = file.name.unwrap_or_default();
    if name.trim().is_empty() {
        return Err(invalid("name", ConfigProblem::MissingName));
    }
    let recommender = match (role, file.recommender) {
        (Role::Ministry, Some(_)) => {
            return Err(invalid("recommender", ConfigProblem::MinistryActsForNone));
        }
        (Role::Ministry, None) => None,
        (_, None) => {
            return Err(invalid(
                "recommender",
                ConfigProblem::MissingRecommender(role.key()),
            ));
        }
        (_, Some(id)) => Some(
            id.parse()
                .map_err(|e| invalid("recommender", ConfigProblem::Recommender(e)))?,
        ),
    };
    let ministry = match (role, file.ministry) {
        (Role::Ministry, Some(_)) => {
            return Err(invalid("ministry", ConfigProblem::MinistryNamesMinistry));
        }
        (Role::Ministry, None) => None,
        (_, None) => {
            return Err(invalid("ministry", ConfigProblem::MissingMinistry));
        }
        (_, Some(peer)) => {
            check_multiaddr(&peer.address)
                .map_err(|problem| invalid("ministry.address", problem))?;
            let key = peer
                .key
                .parse()
                .map_err(|e| invalid("ministry.key", ConfigProblem::MinistryKey(e)))?;
            Some(MinistryPeer {
                address: peer.address,
                key,
            })
        }
    };

    let listen = overrides
        .listen
        .clone()
        .or_else(|| {
            env("FEDREC_LISTEN").map(|v| v.split(',').map(|a| a.trim().to_string()).collect())
        })
        .or(file.listen)
        .unwrap_or_else(default_listen);
    for address in &listen {
        check_multiaddr(address).map_err(|problem| invalid("listen", problem))?;
    }
    let api_text = overrides
        .api
        .clone()
        .or_else(|| env("FEDREC_API"))
        .or(file.api)
        .unwrap_or_else(|| DEFAULT_API.to_string());
    let api: SocketAddr = api_text
        .parse()
        .map_err(|_| invalid("api", ConfigProblem::NotHostPort(api_text.clone())))?;
    if !api.ip().is_loopback() {
        return Err(invalid("api", ConfigProblem::NotLoopback(api)));
    }
    let mdns = match (overrides.mdns, env("FEDREC_MDNS")) {
        (Some(value), _) => value,
        (None, Some(text)) => match text.as_str() {
            "1" | "true" | "on" => true,
            "0" | "false" | "off" => false,
            _ => {
                return Err(invalid("mdns", ConfigProblem::MdnsVariable(text)));
            }
        },
        (None, None) => file.mdns.unwrap_or(false),
    };
    let max_attachment_bytes = file
        .max_attachment_bytes
        .unwrap_or(DEFAULT_MAX_ATTACHMENT_BYTES);
    if max_attachment_bytes == 0 {
        return Err(invalid("max_attachment_bytes", ConfigProblem::Zero));
    }
    let peers = file.peers.unwrap_or_default();
    for peer in &peers {
        check_multiaddr(peer).map_err(|problem| invalid("peers", problem))?;
        if !peer.contains("/p2p/") {
            return Err(invalid("peers", ConfigProblem::PeerWithoutId(peer.clone())));
        }
    }
    let sync_interval_secs = match env("FEDREC_SYNC_INTERVAL_SECS") {
        Some(text) => text.parse().map_err(|_| {
            invalid(
                "sync_interval_secs",
                ConfigProblem::SyncIntervalVariable(text.clone()),
            )
        })?,
        None => file
            .sync_interval_secs
            .unwrap_or(DEFAULT_SYNC_INTERVAL_SECS),
    };
    if !(1..=86_400).contains(&sync_interval_secs) {
        return Err(invalid(
            "sync_interval_secs",
            ConfigProblem::SyncIntervalRange,
        ));
    }
    let limits = file.limits.unwrap_or_default();
    if let Some(key) = limits.zero_key() {
        return Err(invalid(&format!("limits.{key}"), ConfigProblem::Zero));
    }
    let remote_ui = remote_ui(file.ui.unwrap_or_default(), &anchored, &invalid)?;
    let data_dir = overrides
        .data_dir
        .clone()
        .or(file.data_dir.map(anchored))
        .unwrap_or_else(|| base.to_path_buf());
    Ok(NodeConfig {
        role,
        name,
        recommender,
        data_dir,
        listen,
        api,
        ministry,
        peers,
        batch_files: file
            .batch_files
            .unwrap_or_default()
            .into_iter()
            .map(anchored)
            .collect(),
        mdns,
        max_attachment_bytes,
        sync_interval_secs,
        limits,
        remote_ui,
    })
}

/// Checks the `[ui]` table's shape: nothing, or a remote address with the names it is reached
/// by and both TLS files (whose contents [`load`] checks). Plain HTTP never leaves loopback.
fn remote_ui(
    ui: UiFile,
    anchored: &impl Fn(PathBuf) -> PathBuf,
    invalid: &impl Fn(&str, ConfigProblem) -> ConfigError,
) -> Result<Option<RemoteUi>, ConfigError> {
    let Some(listen_text) = ui.remote_listen else {
        for (key, given) in [
            ("ui.remote_hosts", ui.remote_hosts.is_some()),
            ("ui.tls_cert", ui.tls_cert.is_some()),
            ("ui.tls_key", ui.tls_key.is_some()),
        ] {
            if given {
                return Err(invalid(key, ConfigProblem::UiWithoutRemoteListen));
            }
        }
        return Ok(None);
    };
    let listen: SocketAddr = listen_text.parse().map_err(|_| {
        invalid(
            "ui.remote_listen",
            ConfigProblem::NotRemoteHostPort(listen_text.clone()),
        )
    })?;
    let missing = if ui.tls_cert.is_none() {
        "ui.tls_cert"
    } else {
        "ui.tls_key"
    };
    let (Some(tls_cert), Some(tls_key)) = (ui.tls_cert, ui.tls_key) else {
        return Err(invalid(
            missing,
            ConfigProblem::RemoteWithoutTls(listen.to_string()),
        ));
    };
    let hosts = ui.remote_hosts.unwrap_or_default();
    if hosts.is_empty() {
        return Err(invalid(
            "ui.remote_hosts",
            ConfigProblem::MissingRemoteHosts,
        ));
    }
    for host in &hosts {
        let plain = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        let with_port = host.parse::<SocketAddr>().is_ok()
            || (!host.starts_with('[') && host.matches(':').count() == 1);
        if !plain || with_port {
            return Err(invalid(
                "ui.remote_hosts",
                ConfigProblem::NotRemoteHost(host.clone()),
            ));
        }
    }
    Ok(Some(RemoteUi {
        listen,
        hosts,
        tls_cert: anchored(tls_cert),
        tls_key: anchored(tls_key),
    }))
}

/// Reads the remote interface's certificate and key files and checks that each holds what its
/// key says, so that a wrong or unreadable file stops the node at start with its name rather
/// than at the first browser's handshake.
fn check_tls_files(remote: &RemoteUi, path: &Path) -> Result<(), ConfigError> {
    for (key, file, wanted) in [
        ("ui.tls_cert", &remote.tls_cert, PemKind::Certificate),
        ("ui.tls_key", &remote.tls_key, PemKind::PrivateKey),
    ] {
        let text = std::fs::read_to_string(file).map_err(|source| ConfigError::Invalid {
            file: path.to_path_buf(),
            key: key.to_string(),
            problem: ConfigProblem::TlsFileUnreadable {
                file: file.display().to_string(),
                reason: source.to_string(),
            },
        })?;
        check_pem(&text, wanted, file).map_err(|problem| ConfigError::Invalid {
            file: path.to_path_buf(),
            key: key.to_string(),
            problem,
        })?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PemKind {
    Certificate,
    PrivateKey,
}

/// Whether a PEM text holds a certificate, or a private key. The TLS library parses them in
/// full when the daemon starts; this check only tells a swapped or empty file at once.
fn check_pem(text: &str, wanted: PemKind, file: &Path) -> Result<(), ConfigProblem> {
    let labels: Vec<&str> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("-----BEGIN "))
        .filter_map(|rest| rest.strip_suffix("-----"))
        .collect();
    let found = match wanted {
        PemKind::Certificate => labels.contains(&"CERTIFICATE"),
        PemKind::PrivateKey => labels
            .iter()
            .any(|label| matches!(*label, "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY")),
    };
    match (found, wanted) {
        (true, _) => Ok(()),
        (false, PemKind::Certificate) => {
            Err(ConfigProblem::NoPemCertificate(file.display().to_string()))
        }
        (false, PemKind::PrivateKey) => {
            Err(ConfigProblem::NoPemPrivateKey(file.display().to_string()))
        }
    }
}

/// A light check of a multiaddr's shape; the network layer parses it fully.
fn check_multiaddr(address: &str) -> Result<(), ConfigProblem> {
    let parts: Vec<&str> = address.split('/').collect();
    let ok = address.starts_with('/')
        && parts.len() >= 5
        && parts.iter().skip(1).all(|part| !part.is_empty());
    if !ok || !matches!(parts[1], "ip4" | "ip6" | "dns" | "dns4" | "dns6") {
        return Err(ConfigProblem::NotMultiaddr(address.to_string()));
    }
    if matches!(parts[1], "ip4" | "ip6") && parts[2].parse::<std::net::IpAddr>().is_err() {
        return Err(ConfigProblem::NotIpAddress {
            address: address.to_string(),
            host: parts[2].to_string(),
        });
    }
    if !matches!(parts[3], "tcp" | "udp") || parts[4].parse::<u16>().is_err() {
        return Err(ConfigProblem::NoTransport(address.to_string()));
    }
    Ok(())
}

/// Reads a batch file, naming the file in any error.
pub fn load_batch(path: &Path) -> Result<Batch, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    parse_batch(&text, path)
}

/// Parses a batch file's text, naming `path` in any error.
pub fn parse_batch(text: &str, path: &Path) -> Result<Batch, ConfigError> {
    Batch::from_toml_str(text).map_err(|error| match error {
        BatchError::Syntax(message) => ConfigError::Syntax {
            file: path.to_path_buf(),
            message: message.trim_end().to_string(),
        },
        BatchError::Invalid { key, problem } => ConfigError::Invalid {
            file: path.to_path_buf(),
            key: key.to_string(),
            problem: ConfigProblem::Batch(problem),
        },
        // Only signed batches can fail these; a file read here is not signed.
        error @ (BatchError::BadSignature | BatchError::TooLarge(_)) => ConfigError::Batch {
            file: path.to_path_buf(),
            error,
        },
    })
}

/// The batch definitions shipped with the program (the sixth batch).
pub fn shipped_batches() -> Vec<Batch> {
    parse_batch(BATCH_6_TOML, Path::new("config/examples/batch-6.toml"))
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests;
