//! Creating a node (`fedrec init`) and running it (`fedrec run`).
//!
//! A data directory (mode 0700) holds `fedrec.toml` (the configuration, commented, 0600),
//! `node.key` (the secret key, 0600, never logged; a key others may read is refused at start),
//! `db/` (RocksDB, 0700), `daemon.lock` (held while a daemon runs) and, while one runs,
//! `daemon.json` (its process id and API address) and `.cookie` (the API's token, 0600), which
//! the CLI reads.
//!
//! Start-up order: lock the directory (a second daemon is refused here), read the key and the
//! configuration, open the database, bind the API, write `.cookie`, then publish `daemon.json`.
//! Shutdown on SIGINT or SIGTERM runs in reverse: stop accepting, finish requests in flight,
//! remove `daemon.json` and `.cookie`, close the database, release the lock.
//!
//! What goes wrong on the way is worded from the catalogue (`cli.ftl`, `daemon-*`) with `tr`, in
//! the language of the run (the CLI runs every command under `i18n::speaking`); log lines stay
//! English.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use fedrec_common::i18n::{Arg, s, tr};
use fedrec_common::identity::{NodeId, NodeKey};
use fedrec_config::{NodeConfig, Overrides, Role};
use serde::{Deserialize, Serialize};

use crate::api::{self, Api};
use crate::metrics::Metrics;
use crate::net;
use crate::node::Node;
use crate::store::Store;
use tracing::Instrument;

pub const CONFIG_FILE: &str = "fedrec.toml";
pub const KEY_FILE: &str = "node.key";
pub const LOCK_FILE: &str = "daemon.lock";
pub const DAEMON_FILE: &str = "daemon.json";
pub const DB_DIR: &str = "db";

/// A path as a catalogue argument.
fn path_arg(path: &Path) -> Arg<'static> {
    s(path.display().to_string())
}

/// A string as a catalogue argument.
fn text_arg(text: impl ToString) -> Arg<'static> {
    s(text.to_string())
}

/// What a running daemon publishes for the CLI.
#[derive(Debug, Serialize, Deserialize)]
pub struct DaemonInfo {
    pub pid: u32,
    pub api: String,
}

/// The libp2p peer id derived from the node's key.
pub fn peer_id(key: &NodeKey) -> String {
    let mut secret = key.secret_bytes();
    match libp2p_identity::Keypair::ed25519_from_bytes(&mut secret) {
        Ok(keypair) => keypair.public().to_peer_id().to_string(),
        Err(_) => "unavailable".into(),
    }
}

/// The node id inside an ed25519 libp2p peer id (such ids embed the public key).
pub fn node_id_of_peer(peer: &str) -> anyhow::Result<NodeId> {
    let peer: libp2p_identity::PeerId = peer
        .parse()
        .with_context(|| tr("daemon-not-peer-id", &[("peer", text_arg(peer))]))?;
    let multihash = peer.as_ref();
    let public = libp2p_identity::PublicKey::try_decode_protobuf(multihash.digest())
        .with_context(|| tr("daemon-peer-without-key", &[("peer", text_arg(peer))]))?;
    let ed25519 = public
        .try_into_ed25519()
        .with_context(|| tr("daemon-peer-not-ed25519", &[("peer", text_arg(peer))]))?;
    Ok(NodeId::from_bytes(ed25519.to_bytes())?)
}

/// What `fedrec init` was asked for.
pub struct InitRequest {
    pub role: Role,
    pub data: PathBuf,
    pub recommender: Option<String>,
    pub name: Option<String>,
    pub listen: Option<Vec<String>>,
    pub api: Option<String>,
    pub ministry: Option<String>,
    pub peers: Vec<String>,
    pub mdns: bool,
}

/// Creates a data directory, key and configuration; on the ministry also the empty roster.
/// Returns the node id and peer id.
pub fn init(request: InitRequest) -> anyhow::Result<(NodeId, String)> {
    let data = &request.data;
    let key_path = data.join(KEY_FILE);
    if key_path.exists() {
        bail!(tr("daemon-key-exists", &[("file", path_arg(&key_path))]));
    }
    create_private_dir(data)?;
    let key = NodeKey::generate();
    let config_text = crate::config_file::config_text(&request, &key)?;
    // Check the configuration before writing anything, so a bad flag leaves no half-made node.
    let config_path = data.join(CONFIG_FILE);
    fedrec_config::resolve(&config_text, &config_path, |_| None, &Overrides::default())?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&key_path)
        .with_context(|| tr("daemon-cannot-create", &[("path", path_arg(&key_path))]))?;
    file.write_all(format!("{}\n", key.to_secret_hex()).as_bytes())?;
    file.sync_all()?;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&config_path)
        .and_then(|mut file| file.write_all(config_text.as_bytes()))
        .with_context(|| tr("cli-cannot-write", &[("file", path_arg(&config_path))]))?;
    if request.role == Role::Ministry {
        let config = load_config(data, &Overrides::default())?;
        create_private_dir(&data.join(DB_DIR))?;
        let store = Store::open(&data.join(DB_DIR))?;
        Node::new(key_from(data)?, config, store, Arc::default()).init_roster()?;
    }
    Ok((key.id(), peer_id(&key)))
}

pub fn load_config(data: &Path, overrides: &Overrides) -> anyhow::Result<NodeConfig> {
    let path = data.join(CONFIG_FILE);
    if !path.exists() {
        bail!(tr(
            "daemon-no-config",
            &[("file", path_arg(&path)), ("data", path_arg(data))]
        ));
    }
    let overrides = Overrides {
        data_dir: Some(data.to_path_buf()),
        ..overrides.clone()
    };
    Ok(fedrec_config::load(&path, &overrides)?)
}

/// Creates `path` (and its parents) if missing, and makes it 0700: only the node's user may
/// list or enter the node's directories.
fn create_private_dir(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path)
        .with_context(|| tr("daemon-cannot-create", &[("path", path_arg(path))]))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
        .with_context(|| tr("daemon-cannot-make-private", &[("path", path_arg(path))]))
}

/// Refuses a key file that anyone but its owner may read, write or run: a key others could
/// read may already be theirs.
pub fn check_key_mode(data: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let path = data.join(KEY_FILE);
    let mode = std::fs::metadata(&path)
        .with_context(|| tr("daemon-cannot-read-key", &[("file", path_arg(&path))]))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        let mode = format!("{:04o}", mode & 0o7777);
        bail!(tr(
            "daemon-key-mode",
            &[("file", path_arg(&path)), ("mode", s(mode))]
        ));
    }
    Ok(())
}

pub fn key_from(data: &Path) -> anyhow::Result<NodeKey> {
    let path = data.join(KEY_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| tr("daemon-cannot-read-key", &[("file", path_arg(&path))]))?;
    NodeKey::from_secret_hex(&text)
        .with_context(|| tr("daemon-not-a-key", &[("file", path_arg(&path))]))
}

/// Brings the database of `data` to this release's schema (see [`crate::migrate`]), taking a
/// checkpoint into `<data>/backups/` first when it changes anything. The caller holds the lock.
pub fn migrate_db(data: &Path) -> anyhow::Result<crate::migrate::Upgrade> {
    let db = data.join(DB_DIR);
    let backups = data.join(crate::migrate::BACKUPS_DIR);
    let upgrade = crate::migrate::upgrade(&db, &backups)
        .with_context(|| tr("daemon-cannot-migrate", &[("path", path_arg(&db))]))?;
    if let crate::migrate::Upgrade::Migrated { from, backup, rows } = &upgrade {
        tracing::info!(from, rows, backup = %backup.display(), "database upgraded; the backup taken first is kept");
    }
    Ok(upgrade)
}

/// Holds the data directory's lock for the daemon's lifetime.
pub fn lock(data: &Path) -> anyhow::Result<File> {
    let path = data.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| tr("daemon-cannot-open", &[("file", path_arg(&path))]))?;
    if file.try_lock().is_err() {
        let running = std::fs::read_to_string(data.join(DAEMON_FILE))
            .ok()
            .and_then(|text| serde_json::from_str::<DaemonInfo>(&text).ok());
        bail!(match running {
            Some(info) => tr(
                "daemon-already-running-pid",
                &[
                    ("data", path_arg(data)),
                    ("pid", text_arg(info.pid)),
                    ("api", s(info.api)),
                ],
            ),
            None => tr("daemon-already-running", &[("data", path_arg(data))]),
        });
    }
    Ok(file)
}

/// Runs the daemon until SIGINT or SIGTERM.
pub fn run(data: &Path, overrides: &Overrides, offline: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()?;
    runtime.block_on(async {
        let node = start(data, overrides, offline).await?;
        tokio::select! {
            () = shutdown_signal() => {}
            // Its network failed: stop, and exit with the reason.
            () = node.stopping() => {}
        }
        node.stop().await
    })?;
    tracing::info!("daemon stopped");
    Ok(())
}

/// A daemon running inside this process (`fedrec run` runs one; the demo and the benchmarks run
/// several side by side, each with its own data directory, network and API).
pub struct RunningNode {
    /// The address the API is bound to.
    pub api: SocketAddr,
    pub peer_id: String,
    pub name: String,
    pub state: Arc<Api>,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    data: PathBuf,
    lock: File,
}

impl RunningNode {
    /// Resolves once the daemon is stopping: asked to, or on its own because its network
    /// failed.
    pub async fn stopping(&self) {
        let mut stopping = self.stop.subscribe();
        let _ = stopping.wait_for(|stop| *stop).await;
    }

    /// Stops accepting API requests, finishes those in flight, stops the network, removes
    /// `daemon.json`, then closes the database and releases the lock.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        let result = match self.task.await {
            Ok(result) => result,
            Err(error) => Err(anyhow::anyhow!(tr(
                "daemon-task-failed",
                &[("detail", text_arg(error))]
            ))),
        };
        let _ = std::fs::remove_file(self.data.join(DAEMON_FILE));
        let _ = std::fs::remove_file(self.data.join(api::auth::COOKIE_FILE));
        // The database closes when the last handle on the node goes, before the lock.
        drop(self.state);
        drop(self.lock);
        result
    }
}

/// Starts a daemon on `data` inside the current tokio runtime.
///
/// Start-up order: lock the directory, read the key and configuration, open the database, bind
/// the API, bind the network's listen addresses, publish `daemon.json`, then run the network and
/// serve the API.
pub async fn start(
    data: &Path,
    overrides: &Overrides,
    offline: bool,
) -> anyhow::Result<RunningNode> {
    let lock = lock(data)?;
    let restored = crate::backup::is_restored(data);
    if restored && offline {
        bail!(tr("daemon-restored-offline", &[("data", path_arg(data))]));
    }
    let config = load_config(data, overrides)?;
    check_key_mode(data)?;
    let key = key_from(data)?;
    let peer = peer_id(&key);
    let name = config.name.clone();
    let span = tracing::info_span!("node", name = %config.name, id = %key.id().short());
    // Directories made before modes were set (or by hand) are tightened here.
    create_private_dir(data)?;
    create_private_dir(&data.join(DB_DIR))?;
    migrate_db(data)?;
    let store = Store::open(&data.join(DB_DIR)).with_context(|| {
        tr(
            "daemon-cannot-open-db",
            &[("path", path_arg(&data.join(DB_DIR)))],
        )
    })?;
    store.set_quarantine_limits(quarantine_limits(&config.limits))?;
    let metrics = Arc::new(Metrics::default());
    let max_body = usize::try_from(config.max_attachment_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    let api_address = config.api;
    let remote_ui = config.remote_ui.clone();
    // A wrong certificate or key stops the start here, naming its file.
    let remote_tls = remote_ui
        .as_ref()
        .map(api::tls::server_config)
        .transpose()?;
    let role = config.role;
    let mut net_config = net_config(&config)?;
    if offline {
        // No network at all: nothing heard, nothing sent, until the next start without it.
        net_config.listen.clear();
        net_config.dial.clear();
        net_config.mdns = false;
    }
    let network_key = NodeKey::from_seed(key.secret_bytes());
    let node = {
        let _entered = span.enter();
        let clock = crate::clock::Clock::System;
        Node::start(key, config, store, Arc::clone(&metrics), clock, offline)
    };
    let (net, commands) = net::channel();
    let listener = tokio::net::TcpListener::bind(api_address)
        .await
        .with_context(|| tr("daemon-cannot-listen", &[("api", text_arg(api_address))]))?;
    let bound = listener.local_addr()?;
    // The listener for other machines, over TLS only, beside the loopback one.
    let remote = match (&remote_ui, remote_tls) {
        (Some(remote), Some(tls)) => {
            let listener = tokio::net::TcpListener::bind(remote.listen)
                .await
                .with_context(|| {
                    tr(
                        "daemon-cannot-listen-remote",
                        &[("address", s(remote.listen.to_string()))],
                    )
                })?;
            let port = listener.local_addr()?.port();
            Some((listener, tls, port, remote.hosts.clone()))
        }
        _ => None,
    };
    let remote_origins = remote
        .iter()
        .flat_map(|(_, _, port, hosts)| {
            hosts.iter().map(move |host| {
                if host.contains(':') && !host.starts_with('[') {
                    format!("https://[{host}]:{port}")
                } else {
                    format!("https://{host}:{port}")
                }
            })
        })
        .collect();
    let sessions = api::session::Sessions::for_port(bound.port());
    let state = Arc::new(Api {
        node: Mutex::new(node),
        intake_turn: Mutex::new(()),
        sessions: Arc::clone(&sessions),
        metrics,
        peer_id: peer.clone(),
        net,
        remote_origins,
    });
    // The swarm listens before anything says the daemon runs: a p2p address in use stops the
    // start here, naming the address, rather than leaving a node that never syncs.
    let network = net::bind(&network_key, net_config, Arc::clone(&state))?;
    let token =
        api::auth::Token::generate().with_context(|| tr("daemon-cannot-draw-token", &[]))?;
    let cookie = api::auth::write_cookie(data, &token)
        .with_context(|| tr("daemon-cannot-write-cookie", &[("data", path_arg(data))]))?;
    tracing::debug!(cookie = %cookie.display(), "API credential written");
    let remote = remote.map(|(listener, tls, port, hosts)| {
        let gate = api::auth::Gate::remote(port, &hosts, token.clone(), Arc::clone(&sessions));
        (listener, tls, Arc::new(gate))
    });
    let gate = Arc::new(api::auth::Gate::with_sessions(bound, token, sessions));
    publish_daemon_info(data, &bound.to_string())?;
    if restored {
        tokio::spawn(
            clear_restore_marker(Arc::clone(&state), data.to_path_buf()).instrument(span.clone()),
        );
    }
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    // The task runs on the runtime's threads, which speak no reader's language of their own.
    let lang = fedrec_common::i18n::reader();
    let stop_on_failure = stop.clone();
    let task = tokio::spawn({
        let state = Arc::clone(&state);
        async move {
            // Start order: network, then the API. Stop order: the API, then the network.
            let (stop_network, network_stopped) = tokio::sync::watch::channel(false);
            let network = tokio::spawn(
                {
                    let asked_to_stop = network_stopped.clone();
                    async move {
                        let result = net::run(network, commands, network_stopped).await;
                        // The loop ends on its own only if something broke: say so now, and
                        // stop the daemon, so that its supervisor sees it and starts it again.
                        if !*asked_to_stop.borrow() {
                            match &result {
                                Err(error) => tracing::error!(%error, "network failed"),
                                Ok(()) => tracing::error!("network stopped"),
                            }
                            let _ = stop_on_failure.send(true);
                        }
                        result
                    }
                }
                .instrument(tracing::info_span!("net")),
            );
            tracing::info!(api = %bound, peer = %peer, role = role.key(), "daemon running");
            // The same router for other machines, over TLS, stopped with the loopback one.
            let remote_served = match remote {
                Some((listener, tls, gate)) => {
                    let address = listener.local_addr()?;
                    let listener = api::tls::TlsListener::spawn(listener, tls)?;
                    let router =
                        api::router(Arc::clone(&state), max_body, gate, crate::ui::router());
                    let mut stopped = stopped.clone();
                    tracing::info!(ui = %address, "web interface for other machines, over TLS");
                    Some(tokio::spawn(
                        async move {
                            axum::serve(listener, router)
                                .with_graceful_shutdown(async move {
                                    let _ = stopped.wait_for(|stop| *stop).await;
                                })
                                .await
                        }
                        .in_current_span(),
                    ))
                }
                None => None,
            };
            let served = axum::serve(
                listener,
                api::router(Arc::clone(&state), max_body, gate, crate::ui::router()),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
            .await;
            if let Some(remote_served) = remote_served {
                match remote_served.await {
                    Ok(Err(error)) => tracing::error!(%error, "TLS web interface failed"),
                    Err(error) => tracing::error!(%error, "TLS web interface task panicked"),
                    Ok(Ok(())) => {}
                }
            }
            let _ = stop_network.send(true);
            let network = match network.await {
                Ok(result) => result,
                Err(error) => Err(anyhow::anyhow!(fedrec_common::i18n::t(
                    lang,
                    "daemon-task-failed",
                    &[("detail", text_arg(error))]
                ))),
            };
            // A network that failed fails the daemon, after the API has stopped cleanly.
            network?;
            served.with_context(|| fedrec_common::i18n::t(lang, "daemon-api-failed", &[]))
        }
        .instrument(span)
    });
    Ok(RunningNode {
        api: bound,
        peer_id: state.peer_id.clone(),
        name,
        state,
        stop,
        task,
        data: data.to_path_buf(),
        lock,
    })
}

/// The network's settings from the node's configuration: listen addresses, and the ministry and
/// configured peers to keep dialling.
fn net_config(config: &NodeConfig) -> anyhow::Result<net::NetConfig> {
    let parse = |text: &str| -> anyhow::Result<libp2p::Multiaddr> {
        text.parse()
            .with_context(|| tr("daemon-not-multiaddr", &[("address", text_arg(text))]))
    };
    let listen = config
        .listen
        .iter()
        .map(|a| parse(a))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut dial = Vec::new();
    if let Some(ministry) = &config.ministry
        && ministry.address.contains("/p2p/")
    {
        dial.push(parse(&ministry.address)?);
    }
    for peer in &config.peers {
        dial.push(parse(peer)?);
    }
    Ok(net::NetConfig {
        listen,
        dial,
        mdns: config.mdns,
        sync_interval: std::time::Duration::from_secs(config.sync_interval_secs),
        limits: config.limits,
    })
}

/// The quarantine's bounds from the configuration's `[limits]`.
fn quarantine_limits(
    limits: &fedrec_config::Limits,
) -> fedrec_common::quarantine::QuarantineLimits {
    fedrec_common::quarantine::QuarantineLimits {
        max_entries: limits.quarantine_max_entries,
        max_bytes: limits.quarantine_max_bytes,
        max_entries_per_peer: limits.quarantine_max_entries_per_peer,
        max_bytes_per_peer: limits.quarantine_max_bytes_per_peer,
    }
}

/// Removes the restore marker (see [`crate::backup`]) once a peer has confirmed this node's own
/// feeds, the point from which `--offline` is safe again. Checked once a second: the marker
/// matters only to the next start.
async fn clear_restore_marker(state: Arc<Api>, data: PathBuf) {
    loop {
        let writable = state
            .node
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_writable();
        if writable {
            match std::fs::remove_file(data.join(crate::backup::RESTORED_FILE)) {
                Ok(()) => tracing::info!("restored node's feeds confirmed; restore marker removed"),
                Err(error) => tracing::warn!(%error, "cannot remove the restore marker"),
            }
            return;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// Writes `daemon.json` atomically (write, sync, rename).
fn publish_daemon_info(data: &Path, api: &str) -> anyhow::Result<()> {
    let info = DaemonInfo {
        pid: std::process::id(),
        api: api.to_string(),
    };
    let temporary = data.join(format!("{DAEMON_FILE}.tmp"));
    let mut file = File::create(&temporary)?;
    file.write_all(serde_json::to_string(&info)?.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, data.join(DAEMON_FILE))?;
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(stream) => stream,
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM; stop the daemon with SIGINT");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: shutting down"),
        _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
    }
}
