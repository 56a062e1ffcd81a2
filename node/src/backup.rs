//! Online backups and restores of a node's data directory.
//!
//! A backup is a directory:
//! - `db/`: a RocksDB checkpoint, taken by the daemon while it holds the node (so no write is
//!   half done: every write is one batch under that lock), hence consistent at one instant;
//! - `fedrec.toml`: the node's configuration;
//! - `node.key`: the node's key, only when asked for (`--with-key`);
//! - `backup.json`: the [`Manifest`], written last.
//!
//! The CLI ([`crate::cli`]) builds it in `BACKUP.partial` and renames it into place, so a backup
//! that exists is whole. [`restore`] does the same in reverse: it copies into `DIR.partial`,
//! brings the database to this release's schema ([`crate::migrate`]), re-verifies every feed
//! ([`verify_feeds`], what `fedrec verify` checks), marks the directory restored
//! ([`RESTORED_FILE`]) and renames it into place. A restored node may hold an older head of its
//! own feeds than its peers do, so it starts closed for writes until a peer confirms them (see
//! `Node::ensure_writable`); the marker also makes `fedrec run --offline`, which skips that
//! confirmation, refuse until the daemon has seen its feeds confirmed once.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use fedrec_common::feed::{verify_chain, verify_many};
use fedrec_common::i18n::{self, Arg, s, tr};
use serde::{Deserialize, Serialize};

use crate::daemon::{CONFIG_FILE, DB_DIR, KEY_FILE};
use crate::node::{Node, NodeError};
use crate::store::{SCHEMA_VERSION, Store};

/// The manifest's file name inside a backup.
pub const MANIFEST_FILE: &str = "backup.json";
/// The marker a restore leaves in a data directory until the node's feeds are confirmed.
pub const RESTORED_FILE: &str = "restored.json";

/// What a backup holds, written last into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The node's id (its public key, hex).
    pub node: String,
    /// The node's name from its configuration.
    pub name: String,
    /// The schema version of `db/`.
    pub schema_version: u32,
    /// When the checkpoint was taken, milliseconds since the epoch.
    pub taken_at_millis: u64,
    /// Whether `node.key` is in the backup.
    pub with_key: bool,
    /// The fedrec release that took it.
    pub fedrec_version: String,
}

/// What the daemon answers after a checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpointed {
    pub node: String,
    pub name: String,
    pub schema_version: u32,
    pub taken_at_millis: u64,
}

/// The body of `POST /backup`: where the daemon puts the checkpoint (a directory that must not
/// exist yet, whose parent does).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointRequest {
    pub dir: PathBuf,
}

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Takes a checkpoint of the node's database into `dir`. The caller holds the node, so no write
/// is in flight: the checkpoint is the database at one instant.
pub fn checkpoint(node: &Node, dir: &Path) -> Result<Checkpointed, NodeError> {
    if !dir.is_absolute() {
        return Err(NodeError::BadRequest(tr(
            "error-backup-relative",
            &[("dir", s(dir.display().to_string()))],
        )));
    }
    if dir.exists() {
        return Err(NodeError::Conflict(tr(
            "error-backup-exists",
            &[("dir", s(dir.display().to_string()))],
        )));
    }
    match dir.parent() {
        Some(parent) if parent.is_dir() => {}
        _ => {
            return Err(NodeError::BadRequest(tr(
                "error-backup-no-parent",
                &[("dir", s(dir.display().to_string()))],
            )));
        }
    }
    let taken_at_millis = now_millis();
    node.store().checkpoint(dir)?;
    tracing::info!(dir = %dir.display(), "database checkpoint taken for a backup");
    Ok(Checkpointed {
        node: node.id().to_hex(),
        name: node.config().name.clone(),
        schema_version: SCHEMA_VERSION,
        taken_at_millis,
    })
}

/// Re-verifies every stored feed: signatures (batch fast path) and hash chains, and that each
/// feed's head names its last entry. Returns the number of entries checked.
pub fn verify_feeds(store: &Store) -> Result<u64, NodeError> {
    let mut checked = 0;
    for (author, topic, head) in store.heads()? {
        let entries = store.feed(&author, &topic)?;
        if entries.len() as u64 != head.seq || entries.last().map(|e| e.id()) != Some(head.id) {
            return Err(NodeError::Conflict(tr(
                "error-feed-length",
                &[
                    ("author", s(author.short())),
                    ("topic", s(topic.to_string())),
                    ("count", s(entries.len().to_string())),
                    ("seq", s(head.seq.to_string())),
                ],
            )));
        }
        let feed = |detail: String| {
            [
                ("author", s(author.short())),
                ("topic", s(topic.to_string())),
                ("detail", s(detail)),
            ]
        };
        verify_chain(&entries)
            .map_err(|e| NodeError::Conflict(tr("error-feed-broken", &feed(i18n::worded(&e)))))?;
        for (entry, result) in entries.iter().zip(verify_many(&entries)) {
            result.map_err(|e| {
                let mut args = feed(i18n::worded(&e)).to_vec();
                args.push(("seq", s(entry.entry.seq.to_string())));
                NodeError::Conflict(tr("error-entry-broken", &args))
            })?;
        }
        checked += entries.len() as u64;
    }
    Ok(checked)
}

/// A path as a catalogue argument.
fn path_arg(path: &Path) -> Arg<'static> {
    s(path.display().to_string())
}

/// The directory a backup or restore is built in before it is renamed into place.
pub fn partial(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// Reads and checks a backup's manifest and contents.
pub fn read_backup(from: &Path) -> anyhow::Result<Manifest> {
    let manifest_path = from.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&manifest_path).with_context(|| {
        tr(
            "backup-not-a-backup",
            &[("dir", path_arg(from)), ("manifest", s(MANIFEST_FILE))],
        )
    })?;
    let manifest: Manifest = serde_json::from_str(&text).with_context(|| {
        tr(
            "backup-not-a-manifest",
            &[("file", path_arg(&manifest_path))],
        )
    })?;
    for needed in [DB_DIR, CONFIG_FILE] {
        if !from.join(needed).exists() {
            bail!(tr(
                "backup-lacks",
                &[("dir", path_arg(from)), ("needed", s(needed))]
            ));
        }
    }
    if manifest.with_key != from.join(KEY_FILE).exists() {
        let id = if manifest.with_key {
            "backup-key-missing"
        } else {
            "backup-key-unexpected"
        };
        bail!(tr(id, &[("dir", path_arg(from)), ("key", s(KEY_FILE))]));
    }
    Ok(manifest)
}

/// What [`restore`] did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: Manifest,
    pub verified_entries: u64,
    /// Whether the data directory holds a key (from the backup or `--key`).
    pub has_key: bool,
    pub migrated: bool,
}

/// Restores the backup `from` into the data directory `data` (which must not exist, or be an
/// empty directory), taking the key from the backup or from `key`. Nothing appears at `data`
/// unless every check passed.
pub fn restore(from: &Path, data: &Path, key: Option<&Path>) -> anyhow::Result<Restored> {
    let manifest = read_backup(from)?;
    if data.exists() {
        let empty = std::fs::read_dir(data)
            .with_context(|| tr("cli-cannot-read", &[("file", path_arg(data))]))?
            .next()
            .is_none();
        if !empty {
            bail!(tr("restore-not-empty", &[("data", path_arg(data))]));
        }
    }
    if manifest.with_key && key.is_some() {
        bail!(tr("restore-drop-key", &[("dir", path_arg(from))]));
    }
    let work = partial(data);
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .with_context(|| tr("restore-cannot-clear", &[("dir", path_arg(&work))]))?;
    }
    let result = restore_into(from, &work, &manifest, key);
    let restored = match result {
        Ok(restored) => restored,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&work);
            return Err(error);
        }
    };
    if data.exists() {
        std::fs::remove_dir(data)
            .with_context(|| tr("restore-cannot-replace", &[("dir", path_arg(data))]))?;
    }
    std::fs::rename(&work, data).with_context(|| {
        tr(
            "restore-cannot-move",
            &[("from", path_arg(&work)), ("to", path_arg(data))],
        )
    })?;
    Ok(restored)
}

fn restore_into(
    from: &Path,
    work: &Path,
    manifest: &Manifest,
    key: Option<&Path>,
) -> anyhow::Result<Restored> {
    create_private_dir(work)?;
    copy_dir(&from.join(DB_DIR), &work.join(DB_DIR))?;
    copy_private(&from.join(CONFIG_FILE), &work.join(CONFIG_FILE))?;
    let key_source = if manifest.with_key {
        Some(from.join(KEY_FILE))
    } else {
        key.map(Path::to_path_buf)
    };
    if let Some(source) = &key_source {
        copy_private(source, &work.join(KEY_FILE))?;
        let key = crate::daemon::key_from(work)?;
        if key.id().to_hex() != manifest.node {
            bail!(tr(
                "restore-wrong-key",
                &[
                    ("file", path_arg(source)),
                    ("key", s(key.id().short())),
                    ("node", s(&manifest.node[..manifest.node.len().min(16)])),
                ]
            ));
        }
    }
    let migrated = !matches!(
        crate::daemon::migrate_db(work)?,
        crate::migrate::Upgrade::Current
    );
    let store = Store::open(&work.join(DB_DIR))
        .with_context(|| tr("restore-cannot-open-db", &[("dir", path_arg(work))]))?;
    let verified_entries = verify_feeds(&store).map_err(|e| {
        anyhow::anyhow!(tr(
            "restore-fails-verification",
            &[("detail", s(e.to_string()))]
        ))
    })?;
    drop(store);
    let marker = serde_json::json!({
        "from": from.display().to_string(),
        "backup_taken_at_millis": manifest.taken_at_millis,
        "restored_at_millis": now_millis(),
    });
    std::fs::write(
        work.join(RESTORED_FILE),
        serde_json::to_vec_pretty(&marker)?,
    )
    .with_context(|| tr("restore-cannot-write-marker", &[("dir", path_arg(work))]))?;
    Ok(Restored {
        manifest: manifest.clone(),
        verified_entries,
        has_key: key_source.is_some(),
        migrated,
    })
}

fn create_private_dir(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .with_context(|| tr("daemon-cannot-create", &[("path", path_arg(path))]))
}

/// Copies `from` to `to` with mode 0600, as the node's files are private.
pub fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::copy(from, to).with_context(|| {
        tr(
            "backup-cannot-copy",
            &[("from", path_arg(from)), ("to", path_arg(to))],
        )
    })?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600))
        .with_context(|| tr("backup-cannot-make-private", &[("file", path_arg(to))]))
}

/// Copies the flat directory `from` (a RocksDB checkpoint has no subdirectories) to `to`.
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    create_private_dir(to)?;
    for entry in std::fs::read_dir(from)
        .with_context(|| tr("cli-cannot-read", &[("file", path_arg(from))]))?
    {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            bail!(tr(
                "backup-unexpected-directory",
                &[("path", path_arg(&path))]
            ));
        }
        copy_private(&path, &to.join(entry.file_name()))?;
    }
    Ok(())
}

/// Whether `data` was restored and its feeds not yet confirmed by a peer.
pub fn is_restored(data: &Path) -> bool {
    data.join(RESTORED_FILE).exists()
}
