//! Upgrades of the database's layout from the schema versions earlier releases wrote.
//!
//! [`upgrade`] runs once before the store opens: at every daemon start, and by `fedrec migrate`.
//! It reads the schema version; on an older one it first takes a RocksDB checkpoint of the
//! database into `<data>/backups/` (hard links, so it costs little disk), then plans the
//! rewrite of every key that changed ([`plan_v1_to_v2`], pure: rows in, puts and deletes out)
//! and writes the whole plan, the new schema version included, in one synced [`WriteBatch`]. A
//! crash leaves either the old database (the next start takes another checkpoint and migrates
//! again) or the new one, never a mixture. A newer schema than this release knows is refused.
//!
//! Schema 1 (the release at commit cfc326b) → 2:
//! - `records`: keyed by the record id (16 hex digits), now by the full document id
//!   (`record/<batch>/<recommender>/<record>`), which the stored summary carries;
//! - `by_batch`, `by_recommender`, `by_code`: `<value>/<record id>`, now `<value>/<document id>`,
//!   rebuilt from the summaries;
//! - `meta` `receipted/<record id>` (the ministry's receipt state) → `receipted/<document id>`;
//! - `meta` `verdicts/<batch>` (the ministry's last decision, compared with the next one): a map
//!   keyed by record id → keyed by `<recommender>/<record>`, read from each verdict.
//!
//! Everything else kept its form or reads its old form through serde defaults (the roster's
//! `issued_at`, a batch's `version`, a key grant's `may_submit`, a submission's `heads`, a
//! withdrawal's author, a receipt marker's `received_at`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rocksdb::{DB, IteratorMode, WriteBatch, WriteOptions};

use crate::store::{COLUMN_FAMILIES, SCHEMA_VERSION, StoreError, index_key, open_db, schema_error};

/// Where migrations put the checkpoint they take first, under the data directory.
pub const BACKUPS_DIR: &str = "backups";

/// What [`upgrade`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upgrade {
    /// The database was new or already at [`SCHEMA_VERSION`].
    Current,
    /// Migrated from `from`, after a checkpoint into `backup`; `rows` keys were rewritten.
    Migrated {
        from: u32,
        backup: PathBuf,
        rows: usize,
    },
}

/// One key's change in a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Put {
        cf: &'static str,
        key: Vec<u8>,
        value: Vec<u8>,
    },
    Delete {
        cf: &'static str,
        key: Vec<u8>,
    },
}

/// The rows of one column family: key and value.
pub type Rows = Vec<(Vec<u8>, Vec<u8>)>;

/// Brings the database at `db_path` (a node's `<data>/db`) to [`SCHEMA_VERSION`], taking a
/// checkpoint into `backups` first. The caller holds the data directory's lock.
pub fn upgrade(db_path: &Path, backups: &Path) -> Result<Upgrade, StoreError> {
    if !db_path.join("CURRENT").exists() {
        return Ok(Upgrade::Current);
    }
    let db = open_db(db_path)?;
    let found = db.get_cf(cf(&db, "meta"), b"schema_version")?;
    let version = match found.as_deref() {
        None => return Ok(Upgrade::Current),
        Some(bytes) if bytes == SCHEMA_VERSION.to_string().as_bytes() => {
            return Ok(Upgrade::Current);
        }
        Some(bytes) => match std::str::from_utf8(bytes).ok().and_then(|t| t.parse().ok()) {
            Some(1u32) => 1,
            _ => return Err(schema_error(bytes)),
        },
    };
    let backup = checkpoint_before(&db, backups, version)?;
    let mut rows = BTreeMap::new();
    for name in ["records", "by_batch", "by_recommender", "by_code", "meta"] {
        rows.insert(name, read_all(&db, name)?);
    }
    let steps = plan_v1_to_v2(&rows)?;
    let mut batch = WriteBatch::default();
    for step in &steps {
        match step {
            Step::Put {
                cf: name,
                key,
                value,
            } => batch.put_cf(cf(&db, name), key, value),
            Step::Delete { cf: name, key } => batch.delete_cf(cf(&db, name), key),
        }
    }
    batch.put_cf(
        cf(&db, "meta"),
        b"schema_version",
        SCHEMA_VERSION.to_string(),
    );
    let mut options = WriteOptions::default();
    options.set_sync(true);
    db.write_opt(batch, &options)?;
    for name in COLUMN_FAMILIES {
        db.flush_cf(cf(&db, name))?;
    }
    tracing::info!(from = version, to = SCHEMA_VERSION, rows = steps.len(), backup = %backup.display(), "database migrated");
    Ok(Upgrade::Migrated {
        from: version,
        backup,
        rows: steps.len(),
    })
}

fn cf<'a>(db: &'a DB, name: &str) -> &'a rocksdb::ColumnFamily {
    // `open_db` creates every family in COLUMN_FAMILIES, and only those names are used here.
    db.cf_handle(name)
        .unwrap_or_else(|| panic!("column family {name} missing: open_db creates them all"))
}

fn read_all(db: &DB, name: &str) -> Result<Rows, StoreError> {
    let mut rows = Vec::new();
    for item in db.iterator_cf(cf(db, name), IteratorMode::Start) {
        let (key, value) = item?;
        rows.push((key.to_vec(), value.to_vec()));
    }
    Ok(rows)
}

/// A checkpoint of `db` into a new directory under `backups`, named after the version it holds
/// and the time. Checkpoints hard-link the table files, so this is quick and small.
fn checkpoint_before(db: &DB, backups: &Path, version: u32) -> Result<PathBuf, StoreError> {
    std::fs::create_dir_all(backups).map_err(|e| StoreError::Corrupt {
        what: backups.display().to_string(),
        problem: format!("cannot create the directory for the pre-upgrade backup: {e}"),
    })?;
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let target = backups.join(format!(
        "before-schema-{SCHEMA_VERSION}-from-{version}-{millis}"
    ));
    rocksdb::checkpoint::Checkpoint::new(db)?.create_checkpoint(&target)?;
    Ok(target)
}

/// The rewrite of schema 1 into schema 2 (see the module header), from the rows of `records`,
/// the three indexes and `meta`. Pure: it reads rows and returns steps; a row it cannot read is
/// an error naming it, and nothing is written.
pub fn plan_v1_to_v2(rows: &BTreeMap<&str, Rows>) -> Result<Vec<Step>, StoreError> {
    let empty = Vec::new();
    let rows_of = |name: &str| rows.get(name).unwrap_or(&empty);
    let mut steps = Vec::new();
    // Record id → document id, from the summaries.
    let mut docs: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in rows_of("records") {
        let what = || format!("records/{}", String::from_utf8_lossy(key));
        let summary: serde_json::Value =
            serde_json::from_slice(value).map_err(|e| corrupt(what(), e))?;
        let text = |field: &str| {
            summary[field]
                .as_str()
                .map(str::to_string)
                .or_else(|| summary[field].as_u64().map(|n| n.to_string()))
                .ok_or_else(|| corrupt(what(), format!("no `{field}` in the summary")))
        };
        let doc = text("doc")?;
        let (batch, recommender, code) =
            (text("batch")?, text("recommender")?, text("credit_code")?);
        let old_key = String::from_utf8_lossy(key).into_owned();
        if old_key != doc {
            steps.push(Step::Delete {
                cf: "records",
                key: key.clone(),
            });
            steps.push(Step::Put {
                cf: "records",
                key: doc.clone().into_bytes(),
                value: value.clone(),
            });
        }
        docs.insert(old_key, doc.clone());
        steps.push(Step::Put {
            cf: "by_batch",
            key: index_key(&batch, &doc),
            value: Vec::new(),
        });
        steps.push(Step::Put {
            cf: "by_recommender",
            key: index_key(&recommender, &doc),
            value: Vec::new(),
        });
        steps.push(Step::Put {
            cf: "by_code",
            key: index_key(&code, &doc),
            value: Vec::new(),
        });
    }
    // The indexes are derived: every old row goes first, then the summaries' rows above
    // replace them (a delete followed by a put of the same key in one batch leaves the put).
    let mut deletes: Vec<Step> = ["by_batch", "by_recommender", "by_code"]
        .into_iter()
        .flat_map(|index| {
            rows_of(index).iter().map(move |(key, _)| Step::Delete {
                cf: index,
                key: key.clone(),
            })
        })
        .collect();
    deletes.append(&mut steps);
    let mut steps = deletes;
    for (key, value) in rows_of("meta") {
        let name = String::from_utf8_lossy(key).into_owned();
        if let Some(record) = name.strip_prefix("receipted/") {
            if record.starts_with("record/") {
                continue;
            }
            let doc = docs.get(record).ok_or_else(|| {
                corrupt(
                    format!("meta/{name}"),
                    "a receipt state for a record this node does not hold",
                )
            })?;
            steps.push(Step::Delete {
                cf: "meta",
                key: key.clone(),
            });
            steps.push(Step::Put {
                cf: "meta",
                key: format!("receipted/{doc}").into_bytes(),
                value: value.clone(),
            });
        } else if name.starts_with("verdicts/") {
            let old: BTreeMap<String, serde_json::Value> =
                serde_json::from_slice(value).map_err(|e| corrupt(format!("meta/{name}"), e))?;
            let mut new = BTreeMap::new();
            for verdict in old.into_values() {
                let (Some(recommender), Some(record)) =
                    (verdict["recommender"].as_str(), verdict["record"].as_str())
                else {
                    return Err(corrupt(
                        format!("meta/{name}"),
                        "a verdict without its recommender and record",
                    ));
                };
                new.insert(format!("{recommender}/{record}"), verdict.clone());
            }
            steps.push(Step::Put {
                cf: "meta",
                key: key.clone(),
                value: serde_json::to_vec(&new).map_err(|e| corrupt(format!("meta/{name}"), e))?,
            });
        }
    }
    Ok(steps)
}

fn corrupt(what: String, problem: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what,
        problem: problem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_and_its_indexes_move_to_the_document_id() {
        let doc = "record/6/shanghai/00112233aabbccdd";
        let summary = serde_json::json!({
            "id": "00112233aabbccdd", "doc": doc, "batch": 6, "recommender": "shanghai",
            "credit_code": "91310000MA1FL0000X",
        });
        let mut rows = BTreeMap::new();
        rows.insert(
            "records",
            vec![(
                b"00112233aabbccdd".to_vec(),
                serde_json::to_vec(&summary).unwrap(),
            )],
        );
        rows.insert(
            "by_batch",
            vec![(b"6/00112233aabbccdd".to_vec(), Vec::new())],
        );
        rows.insert(
            "meta",
            vec![
                (
                    b"receipted/00112233aabbccdd".to_vec(),
                    b"\"submitted\"".to_vec(),
                ),
                (
                    b"verdicts/000006".to_vec(),
                    serde_json::to_vec(&serde_json::json!({"00112233aabbccdd": {
                        "recommender": "shanghai", "record": "00112233aabbccdd"}}))
                    .unwrap(),
                ),
            ],
        );
        let steps = plan_v1_to_v2(&rows).unwrap();
        let put = |cf: &str, key: &str| {
            steps.iter().any(
                |s| matches!(s, Step::Put { cf: c, key: k, .. } if *c == cf && k == key.as_bytes()),
            )
        };
        let deleted = |cf: &str, key: &str| {
            steps.iter().any(
                |s| matches!(s, Step::Delete { cf: c, key: k } if *c == cf && k == key.as_bytes()),
            )
        };
        assert!(put("records", doc) && deleted("records", "00112233aabbccdd"));
        assert!(deleted("by_batch", "6/00112233aabbccdd") && put("by_batch", &format!("6/{doc}")));
        assert!(put("by_recommender", &format!("shanghai/{doc}")));
        assert!(put("by_code", &format!("91310000MA1FL0000X/{doc}")));
        assert!(put("meta", &format!("receipted/{doc}")));
        let verdicts = steps.iter().find_map(|s| match s {
            Step::Put {
                cf: "meta",
                key,
                value,
            } if key == b"verdicts/000006" => Some(value.clone()),
            _ => None,
        });
        let verdicts: serde_json::Value = serde_json::from_slice(&verdicts.unwrap()).unwrap();
        assert!(verdicts.get("shanghai/00112233aabbccdd").is_some());
        // The index deletes come before the puts that may reuse their keys.
        let first_put = steps
            .iter()
            .position(|s| matches!(s, Step::Put { .. }))
            .unwrap();
        assert!(
            steps[..first_put]
                .iter()
                .all(|s| matches!(s, Step::Delete { .. }))
        );
    }

    #[test]
    fn an_unreadable_summary_is_named_and_nothing_is_planned() {
        let mut rows = BTreeMap::new();
        rows.insert(
            "records",
            vec![(b"00112233aabbccdd".to_vec(), b"{not json".to_vec())],
        );
        let error = plan_v1_to_v2(&rows).unwrap_err().to_string();
        assert!(error.contains("records/00112233aabbccdd"), "{error}");
    }

    #[test]
    fn a_newer_schema_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("db");
        {
            let db = open_db(&db_path).unwrap();
            db.put_cf(cf(&db, "meta"), b"schema_version", b"3").unwrap();
        }
        let error = upgrade(&db_path, &dir.path().join("backups")).unwrap_err();
        assert!(matches!(error, StoreError::NewerSchema { .. }), "{error}");
        assert!(error.to_string().contains("newer"), "{error}");
        assert!(
            !dir.path().join("backups").exists(),
            "no backup for a refusal"
        );
    }
}
