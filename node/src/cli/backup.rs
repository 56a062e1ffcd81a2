//! `fedrec backup` and `fedrec restore`: a whole node (database, configuration, and the key
//! only when asked) into a backup directory while the daemon runs, and back into a new data
//! directory. The layout and the checks are [`crate::backup`]'s; this module drives them.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::{arg, say};
use crate::backup::{
    CheckpointRequest, Checkpointed, MANIFEST_FILE, Manifest, copy_private, partial, restore,
};
use crate::client::{Client, ClientError};
use crate::daemon::{CONFIG_FILE, DB_DIR, KEY_FILE};

/// `fedrec backup --out BACKUP [--with-key]`.
pub fn backup(data: &Path, out: &Path, with_key: bool) -> anyhow::Result<u8> {
    let out = std::path::absolute(out).with_context(|| out.display().to_string())?;
    if out.exists() {
        bail!(say("cli-backup-exists", &[("path", arg(out.display()))]));
    }
    let work = partial(&out);
    if work.exists() {
        // An earlier backup to the same place was interrupted: it is incomplete by definition.
        std::fs::remove_dir_all(&work).with_context(|| work.display().to_string())?;
    }
    create_private_dir(&work)?;
    let written = write_backup(data, &work, with_key);
    let checkpointed = match written {
        Ok(checkpointed) => checkpointed,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&work);
            return Err(error);
        }
    };
    std::fs::rename(&work, &out).with_context(|| out.display().to_string())?;
    let id = if with_key {
        "cli-backup-done-with-key"
    } else {
        "cli-backup-done"
    };
    println!(
        "{}",
        say(
            id,
            &[
                ("node", arg(&checkpointed.node[..16])),
                ("name", arg(&checkpointed.name)),
                ("path", arg(out.display())),
            ]
        )
    );
    Ok(0)
}

/// Fills `work` with the checkpoint (from the running daemon, or from the database directly
/// when no daemon runs), the configuration, the key if asked, and the manifest last.
fn write_backup(data: &Path, work: &Path, with_key: bool) -> anyhow::Result<Checkpointed> {
    let db = work.join(DB_DIR);
    let checkpointed = match Client::connect(data) {
        Ok(client) => client.send(
            "POST",
            "/backup",
            &CheckpointRequest {
                dir: db.to_path_buf(),
            },
        )?,
        Err(ClientError::NotRunning { .. }) => checkpoint_stopped(data, &db)?,
        Err(error) => return Err(error.into()),
    };
    copy_private(&data.join(CONFIG_FILE), &work.join(CONFIG_FILE))?;
    if with_key {
        copy_private(&data.join(KEY_FILE), &work.join(KEY_FILE))?;
    }
    let manifest = Manifest {
        node: checkpointed.node.clone(),
        name: checkpointed.name.clone(),
        schema_version: checkpointed.schema_version,
        taken_at_millis: checkpointed.taken_at_millis,
        with_key,
        fedrec_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let path = work.join(MANIFEST_FILE);
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest)?)
        .with_context(|| path.display().to_string())?;
    Ok(checkpointed)
}

/// A checkpoint of a stopped node: its lock held so no daemon starts meanwhile.
fn checkpoint_stopped(data: &Path, db: &Path) -> anyhow::Result<Checkpointed> {
    let _lock = crate::daemon::lock(data)?;
    let config = crate::daemon::load_config(data, &fedrec_config::Overrides::default())?;
    let key = crate::daemon::key_from(data)?;
    let store = crate::store::Store::open(&data.join(DB_DIR))
        .with_context(|| data.join(DB_DIR).display().to_string())?;
    let taken_at_millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    store.checkpoint(db)?;
    Ok(Checkpointed {
        node: key.id().to_hex(),
        name: config.name,
        schema_version: crate::store::SCHEMA_VERSION,
        taken_at_millis,
    })
}

/// `fedrec restore --from BACKUP [--key FILE]` into the `--data` directory.
pub fn restore_command(data: &Path, from: &Path, key: Option<PathBuf>) -> anyhow::Result<u8> {
    let restored = restore(from, data, key.as_deref())?;
    println!(
        "{}",
        say(
            "cli-restore-done",
            &[
                ("node", arg(&restored.manifest.node[..16])),
                ("data", arg(data.display())),
                ("entries", arg(restored.verified_entries)),
            ]
        )
    );
    if !restored.has_key {
        println!(
            "{}",
            say(
                "cli-restore-no-key",
                &[("path", arg(data.join(KEY_FILE).display()))]
            )
        );
    }
    Ok(0)
}

fn create_private_dir(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .with_context(|| path.display().to_string())
}
