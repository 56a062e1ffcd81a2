//! The node's storage: one RocksDB database with a column family per kind of data.
//!
//! | column family | key | value |
//! |---|---|---|
//! | `entries` | author (32 bytes), topic, 0x00, seq (8 bytes, big-endian) | the signed entry, encoded |
//! | `heads` | author, topic | the feed's head (JSON) |
//! | `snapshots` | document id | the Automerge document, saved |
//! | `records` | document id (`record/<batch>/<recommender>/<record>`) | the record's summary (JSON): what listings and rules need |
//! | `by_batch`, `by_recommender`, `by_code` | batch / recommender / credit code, `/`, document id | empty |
//! | `quarantine` | arrival counter (8 bytes) | refused input with its reason and sender (JSON); bounded by a [`QuarantineBook`] |
//! | `attachments` | BLAKE3 hash (32 bytes) | the file's bytes, stored once however often attached |
//! | `meta` | name | schema version, signed roster, signed batches, refused authors |
//! | `equivocations` | author, topic, 0x00, seq | both entries signed for that position (JSON) |
//! | `pending` | document id, 0x00, entry id | an Automerge change waiting for its dependencies |
//!
//! Records are keyed by their full document id, never by the 8-byte record id alone, so one
//! recommender's document can never stand in for another's (schema version 2).
//!
//! Everything one operation derives (entry, head, snapshot, summary, indexes, attachment) is
//! written in one [`WriteBatch`] with the WAL synced before the caller acknowledges anything, so
//! a crash leaves either all of it or none.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use fedrec_common::feed::{FeedHead, SignedEntry};
use fedrec_common::identity::NodeId;
use fedrec_common::ids::Topic;
use fedrec_common::quarantine::{Admission, QuarantineBook, QuarantineLimits};
use rocksdb::{ColumnFamilyDescriptor, DB, IteratorMode, Options, WriteBatch, WriteOptions};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::records::RecordSummary;
use crate::replicate::Quarantined;

/// Bumped when the layout changes; a database of another version is refused, not misread.
pub const SCHEMA_VERSION: u32 = 2;

pub(crate) const COLUMN_FAMILIES: [&str; 12] = [
    "entries",
    "heads",
    "snapshots",
    "records",
    "by_batch",
    "by_recommender",
    "by_code",
    "quarantine",
    "attachments",
    "meta",
    "equivocations",
    "pending",
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] rocksdb::Error),
    #[error(
        "database holds schema version {found}, older than this fedrec's version \
         {SCHEMA_VERSION}: upgrade it with `fedrec migrate --data DIR` (the daemon does so at \
         start, after a backup)"
    )]
    Schema { found: String },
    #[error(
        "database holds schema version {found}, newer than this fedrec's version \
         {SCHEMA_VERSION}: it was written by a later release; run that release (or a later one), \
         never an older one, on it"
    )]
    NewerSchema { found: String },
    #[error("stored {what} is corrupt: {problem}")]
    Corrupt { what: String, problem: String },
}

pub struct Store {
    db: DB,
    /// The next quarantine key: arrival order, continuing after what is stored.
    quarantine_counter: std::sync::atomic::AtomicU64,
    /// What the quarantine holds, per sender and in total, and what to drop to stay in bounds.
    /// Booked when a batch is built (one writer at a time holds the node), replayed at start.
    quarantine_book: Mutex<QuarantineBook>,
    /// [`Durability::Synced`] except under `FEDREC_TEST_UNDURABLE_WRITES` in a debug build: the
    /// crash tests' control runs, which must show that their harness notices lost writes.
    /// Release builds never read the variable (see [`durable_writes`]).
    durable: Durability,
    /// Every feed head, by its key, once read: sync reads all heads for every digest, answer
    /// and plan (hundreds of feeds on a ministry, each a key check, a point decompression and a
    /// JSON decode), while heads change only through [`Batch::entry`], whose commit adds the
    /// heads it wrote here. Any other commit, and a failed one, empties it.
    heads_cache: std::sync::Mutex<Option<HeadsByKey>>,
    /// How many commits have written or deleted the roster (meta [`ROSTER_META`]): the node
    /// keeps its verified roster while this stays the same, rather than reading and decoding the
    /// stored text (a few hundred recommenders' keys, escaped inside JSON) for every round.
    roster_writes: std::sync::atomic::AtomicU64,
}

/// The meta key of the signed roster.
pub const ROSTER_META: &str = "roster";

/// Every feed head by its key in the `heads` column: author, topic and head.
type HeadsByKey = BTreeMap<Vec<u8>, (NodeId, Topic, FeedHead)>;

/// The environment variable that turns durable writes off, for the crash tests' control runs:
/// `1` writes without a write-ahead log (a SIGKILL loses the memtable), `unsynced` writes the
/// log without syncing it (a SIGKILL loses nothing, a power cut loses the log's unsynced tail).
pub const UNDURABLE_WRITES_ENV: &str = "FEDREC_TEST_UNDURABLE_WRITES";

/// How a commit reaches the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(debug_assertions), allow(dead_code))]
enum Durability {
    /// The write-ahead log is synced before the commit returns: production, always.
    Synced,
    /// The log is written but not synced (test control runs only).
    Unsynced,
    /// No log at all (test control runs only).
    NoLog,
}

/// How writes reach the disk. Always synced in a release build: the switch that turns it off
/// exists for tests and is compiled into debug builds only, so no production binary can be
/// talked out of its durability by its environment.
fn durable_writes() -> Durability {
    #[cfg(debug_assertions)]
    {
        match std::env::var(UNDURABLE_WRITES_ENV).as_deref() {
            Ok("1") => Durability::NoLog,
            Ok("unsynced") => Durability::Unsynced,
            _ => Durability::Synced,
        }
    }
    #[cfg(not(debug_assertions))]
    {
        Durability::Synced
    }
}

/// Opens the database at `path` (creating it and any missing column family) without looking at
/// its schema version: [`Store::open`] and the upgrades in [`crate::migrate`] share it.
pub(crate) fn open_db(path: &Path) -> Result<DB, StoreError> {
    let mut options = Options::default();
    options.create_if_missing(true);
    options.create_missing_column_families(true);
    // zstd is the codec that compresses long Chinese text well.
    options.set_compression_type(rocksdb::DBCompressionType::Zstd);
    options.set_keep_log_file_num(5);
    // Start-up replays the write-ahead log into memory. Every write carries a document
    // snapshot, so the log grows fast; capping it makes RocksDB flush column families to
    // table files, which bounds the replay (and so the start-up time) after any crash.
    options.set_max_total_wal_size(64 << 20);
    let families = COLUMN_FAMILIES.iter().map(|name| {
        let mut cf_options = Options::default();
        cf_options.set_compression_type(rocksdb::DBCompressionType::Zstd);
        ColumnFamilyDescriptor::new(*name, cf_options)
    });
    Ok(DB::open_cf_descriptors(&options, path, families)?)
}

/// The refusal of a database of another schema version, older or newer.
pub(crate) fn schema_error(found: &[u8]) -> StoreError {
    let found = String::from_utf8_lossy(found).into_owned();
    match found.parse::<u32>() {
        Ok(version) if version > SCHEMA_VERSION => StoreError::NewerSchema { found },
        _ => StoreError::Schema { found },
    }
}

/// The key of a feed: its author and topic, closed by a 0x00 byte (never in a topic) so no
/// feed's key is a prefix of another's.
pub fn feed_key(author: &NodeId, topic: &Topic) -> Vec<u8> {
    let mut key = author.as_bytes().to_vec();
    key.extend_from_slice(topic.to_string().as_bytes());
    key.push(0);
    key
}

fn entry_key(author: &NodeId, topic: &Topic, seq: u64) -> Vec<u8> {
    let mut key = feed_key(author, topic);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

pub(crate) fn index_key(value: &str, record: &str) -> Vec<u8> {
    format!("{value}/{record}").into_bytes()
}

impl Drop for Store {
    /// A clean stop writes the memtables to table files, so the next start has no log to replay.
    fn drop(&mut self) {
        for name in COLUMN_FAMILIES {
            if let Err(error) = self.db.flush_cf(self.cf(name)) {
                tracing::warn!(%error, family = name, "flush at close failed; the log will be replayed at start");
            }
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and checks its schema version.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = open_db(path)?;
        let store = Self {
            db,
            quarantine_counter: std::sync::atomic::AtomicU64::new(0),
            quarantine_book: Mutex::new(QuarantineBook::new(QuarantineLimits::default())),
            durable: durable_writes(),
            heads_cache: std::sync::Mutex::new(None),
            roster_writes: std::sync::atomic::AtomicU64::new(0),
        };
        store.set_quarantine_limits(QuarantineLimits::default())?;
        if store.durable != Durability::Synced {
            tracing::error!(
                durability = ?store.durable,
                "{UNDURABLE_WRITES_ENV} is set: writes are NOT durable (a test's control run only)"
            );
        }
        match store.get_raw("meta", b"schema_version")? {
            None => {
                let mut batch = WriteBatch::default();
                batch.put_cf(
                    store.cf("meta"),
                    b"schema_version",
                    SCHEMA_VERSION.to_string(),
                );
                store.commit(batch)?;
            }
            Some(found) if found == SCHEMA_VERSION.to_string().as_bytes() => {}
            Some(found) => return Err(schema_error(&found)),
        }
        Ok(store)
    }

    fn cf(&self, name: &str) -> &rocksdb::ColumnFamily {
        // Every name used is in COLUMN_FAMILIES, all of which `open` creates.
        self.db
            .cf_handle(name)
            .unwrap_or_else(|| panic!("column family {name} missing: open() creates them all"))
    }

    /// Writes a batch and syncs the WAL before returning: the point at which a write may be
    /// acknowledged.
    pub fn commit(&self, batch: WriteBatch) -> Result<(), StoreError> {
        self.write(batch, None)
    }

    /// [`Store::commit`], keeping the heads cache up to date when `heads` are all the heads
    /// the batch writes.
    fn write(&self, batch: WriteBatch, heads: Option<HeadsByKey>) -> Result<(), StoreError> {
        let mut options = WriteOptions::default();
        match self.durable {
            Durability::Synced => options.set_sync(true),
            // The power-cut control: the log reaches the page cache only.
            Durability::Unsynced => {}
            // The SIGKILL control: no WAL and no sync, so a SIGKILL loses what the memtable held.
            Durability::NoLog => options.disable_wal(true),
        }
        let result = self.db.write_opt(batch, &options);
        let mut cached = self.cached_heads();
        match (&result, heads) {
            (Ok(()), Some(written)) => {
                if let Some(held) = cached.as_mut() {
                    held.extend(written);
                }
            }
            // Heads not known, or a failed write, which may have applied all the same.
            _ => *cached = None,
        }
        drop(cached);
        result?;
        Ok(())
    }

    /// Changes whenever a commit has written the roster (see [`Store::roster_writes`]).
    pub fn roster_generation(&self) -> u64 {
        self.roster_writes
            .load(std::sync::atomic::Ordering::Acquire)
    }

    fn cached_heads(&self) -> std::sync::MutexGuard<'_, Option<HeadsByKey>> {
        self.heads_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get_raw(&self, cf: &str, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(cf), key)?)
    }

    fn get_json<T: DeserializeOwned>(&self, cf: &str, key: &[u8]) -> Result<Option<T>, StoreError> {
        match self.get_raw(cf, key)? {
            None => Ok(None),
            Some(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| StoreError::Corrupt {
                        what: format!("{cf}/{}", String::from_utf8_lossy(key)),
                        problem: e.to_string(),
                    })
            }
        }
    }

    pub fn head(&self, author: &NodeId, topic: &Topic) -> Result<Option<FeedHead>, StoreError> {
        self.get_json("heads", &feed_key(author, topic))
    }

    /// Every feed this node holds, with its head.
    pub fn heads(&self) -> Result<Vec<(NodeId, Topic, FeedHead)>, StoreError> {
        let mut cached = self.cached_heads();
        if cached.is_none() {
            *cached = Some(self.read_heads()?);
        }
        Ok(cached
            .iter()
            .flat_map(|heads| heads.values().cloned())
            .collect())
    }

    fn read_heads(&self) -> Result<HeadsByKey, StoreError> {
        let mut heads = BTreeMap::new();
        for item in self.db.iterator_cf(self.cf("heads"), IteratorMode::Start) {
            let (key, value) = item?;
            let corrupt = |problem: &str| StoreError::Corrupt {
                what: "heads".into(),
                problem: problem.to_string(),
            };
            let author_bytes: [u8; 32] = key
                .get(..32)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| corrupt("short key"))?;
            let author = NodeId::from_bytes(author_bytes).map_err(|e| corrupt(&e.to_string()))?;
            let topic_text = std::str::from_utf8(&key[32..key.len() - 1])
                .map_err(|_| corrupt("topic not UTF-8"))?;
            let topic: Topic = topic_text.parse().map_err(|_| corrupt("bad topic"))?;
            let head: FeedHead =
                serde_json::from_slice(&value).map_err(|e| corrupt(&e.to_string()))?;
            heads.insert(key.to_vec(), (author, topic, head));
        }
        Ok(heads)
    }

    /// The entries of one feed, in order.
    pub fn feed(&self, author: &NodeId, topic: &Topic) -> Result<Vec<SignedEntry>, StoreError> {
        let prefix = feed_key(author, topic);
        let mut entries = Vec::new();
        let iter = self.db.iterator_cf(
            self.cf("entries"),
            IteratorMode::From(&prefix, rocksdb::Direction::Forward),
        );
        for item in iter {
            let (key, value) = item?;
            if !key.starts_with(&prefix) {
                break;
            }
            entries.push(
                SignedEntry::decode(&value).map_err(|e| StoreError::Corrupt {
                    what: "entry".into(),
                    problem: e.to_string(),
                })?,
            );
        }
        Ok(entries)
    }

    /// The entry at one position of a feed.
    pub fn entry_at(
        &self,
        author: &NodeId,
        topic: &Topic,
        seq: u64,
    ) -> Result<Option<SignedEntry>, StoreError> {
        match self.get_raw("entries", &entry_key(author, topic, seq))? {
            None => Ok(None),
            Some(bytes) => SignedEntry::decode(&bytes)
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    what: "entry".into(),
                    problem: e.to_string(),
                }),
        }
    }

    /// Entries of one feed from `from_seq` on, stopping at `max_bytes` (but always at least one
    /// entry) or `max_entries`.
    pub fn feed_from(
        &self,
        author: &NodeId,
        topic: &Topic,
        from_seq: u64,
        max_bytes: usize,
        max_entries: usize,
    ) -> Result<Vec<SignedEntry>, StoreError> {
        let prefix = feed_key(author, topic);
        let start = entry_key(author, topic, from_seq);
        let mut entries = Vec::new();
        let mut bytes = 0;
        let iter = self.db.iterator_cf(
            self.cf("entries"),
            IteratorMode::From(&start, rocksdb::Direction::Forward),
        );
        for item in iter {
            let (key, value) = item?;
            if !key.starts_with(&prefix)
                || entries.len() >= max_entries
                || (!entries.is_empty() && bytes + value.len() > max_bytes)
            {
                break;
            }
            bytes += value.len();
            entries.push(
                SignedEntry::decode(&value).map_err(|e| StoreError::Corrupt {
                    what: "entry".into(),
                    problem: e.to_string(),
                })?,
            );
        }
        Ok(entries)
    }

    /// How many parked changes each author (by Automerge actor bytes) has, across documents:
    /// read once per start, when intake first needs the per-author bound.
    pub fn pending_actors(&self) -> Result<std::collections::HashMap<Vec<u8>, u64>, StoreError> {
        let mut counts = std::collections::HashMap::new();
        for item in self.db.iterator_cf(self.cf("pending"), IteratorMode::Start) {
            let (_, value) = item?;
            let change =
                automerge::Change::try_from(&value[..]).map_err(|e| StoreError::Corrupt {
                    what: "pending".into(),
                    problem: e.to_string(),
                })?;
            *counts
                .entry(change.actor_id().to_bytes().to_vec())
                .or_insert(0) += 1;
        }
        Ok(counts)
    }

    /// Changes parked for a document until their dependencies arrive.
    pub fn pending(
        &self,
        doc: &str,
    ) -> Result<Vec<(fedrec_common::identity::Hash32, automerge::Change)>, StoreError> {
        let mut prefix = doc.as_bytes().to_vec();
        prefix.push(0);
        let mut parked = Vec::new();
        let iter = self.db.iterator_cf(
            self.cf("pending"),
            IteratorMode::From(&prefix, rocksdb::Direction::Forward),
        );
        for item in iter {
            let (key, value) = item?;
            if !key.starts_with(&prefix) {
                break;
            }
            let id: [u8; 32] = key[prefix.len()..]
                .try_into()
                .map_err(|_| StoreError::Corrupt {
                    what: "pending".into(),
                    problem: "bad key".into(),
                })?;
            // Parked changes were verified before they were parked.
            let change =
                automerge::Change::try_from(&value[..]).map_err(|e| StoreError::Corrupt {
                    what: "pending".into(),
                    problem: e.to_string(),
                })?;
            parked.push((fedrec_common::identity::Hash32(id), change));
        }
        Ok(parked)
    }

    /// A record's summary found by its document id.
    pub fn record_by_doc(
        &self,
        doc: &fedrec_common::ids::DocId,
    ) -> Result<Option<RecordSummary>, StoreError> {
        match doc {
            fedrec_common::ids::DocId::Record { .. } => {
                self.get_json("records", doc.to_string().as_bytes())
            }
            _ => Ok(None),
        }
    }

    pub fn snapshot(&self, doc: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.get_raw("snapshots", doc.as_bytes())
    }

    /// A record's summary by its full document id, or by its record id alone (16 hex digits, as
    /// people type it). Record ids derive from the creating entry, and ingest refuses a document
    /// whose id its creator's entry does not derive, so a record id names one record; should
    /// two documents ever share one, the lookup by record id refuses to guess.
    pub fn record(&self, id: &str) -> Result<Option<RecordSummary>, StoreError> {
        if id.starts_with("record/") {
            return self.get_json("records", id.as_bytes());
        }
        let suffix = format!("/{id}");
        let mut found = None;
        for item in self.db.iterator_cf(self.cf("records"), IteratorMode::Start) {
            let (key, value) = item?;
            if !key.ends_with(suffix.as_bytes()) {
                continue;
            }
            if found.is_some() {
                return Err(StoreError::Corrupt {
                    what: format!("records/*{suffix}"),
                    problem: "two documents share this record id; name the record by its document id (record/<batch>/<recommender>/<id>)".into(),
                });
            }
            found = Some(value);
        }
        match found {
            None => Ok(None),
            Some(value) => {
                serde_json::from_slice(&value)
                    .map(Some)
                    .map_err(|e| StoreError::Corrupt {
                        what: format!("records/*{suffix}"),
                        problem: e.to_string(),
                    })
            }
        }
    }

    /// Every record summary, in record-id order; reads the index only, never a document.
    pub fn records(&self) -> Result<Vec<RecordSummary>, StoreError> {
        let mut records = Vec::new();
        for item in self.db.iterator_cf(self.cf("records"), IteratorMode::Start) {
            let (key, value) = item?;
            records.push(
                serde_json::from_slice(&value).map_err(|e| StoreError::Corrupt {
                    what: format!("records/{}", String::from_utf8_lossy(&key)),
                    problem: e.to_string(),
                })?,
            );
        }
        Ok(records)
    }

    /// Document ids of the records under `value` in an index (`by_batch`, `by_recommender`,
    /// `by_code`).
    pub fn indexed(&self, index: &str, value: &str) -> Result<Vec<String>, StoreError> {
        let prefix = format!("{value}/").into_bytes();
        let mut ids = Vec::new();
        let iter = self.db.iterator_cf(
            self.cf(index),
            IteratorMode::From(&prefix, rocksdb::Direction::Forward),
        );
        for item in iter {
            let (key, _) = item?;
            if !key.starts_with(&prefix) {
                break;
            }
            ids.push(String::from_utf8_lossy(&key[prefix.len()..]).into_owned());
        }
        Ok(ids)
    }

    pub fn meta<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StoreError> {
        self.get_json("meta", name.as_bytes())
    }

    /// The meta keys under `prefix` that sort after `after` (all of them when it is `None`).
    pub fn meta_keys_after(
        &self,
        prefix: &str,
        after: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        let start = after.filter(|after| *after > prefix).unwrap_or(prefix);
        let mut keys = Vec::new();
        let iter = self.db.iterator_cf(
            self.cf("meta"),
            IteratorMode::From(start.as_bytes(), rocksdb::Direction::Forward),
        );
        for item in iter {
            let (key, _) = item?;
            if !key.starts_with(prefix.as_bytes()) {
                break;
            }
            if after.is_some_and(|after| key.as_ref() <= after.as_bytes()) {
                continue;
            }
            keys.push(String::from_utf8_lossy(&key).into_owned());
        }
        Ok(keys)
    }

    pub fn meta_keys(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.meta_keys_after(prefix, None)
    }

    pub fn has_attachment(&self, hash: &[u8; 32]) -> Result<bool, StoreError> {
        Ok(self
            .db
            .get_pinned_cf(self.cf("attachments"), hash)?
            .is_some())
    }

    pub fn attachment(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, StoreError> {
        self.get_raw("attachments", hash)
    }

    /// Replays the quarantine into a book with `limits`, deleting what they no longer allow (or
    /// what a crash between booking and writing left over), and sets the next arrival number.
    pub fn set_quarantine_limits(&self, limits: QuarantineLimits) -> Result<(), StoreError> {
        let mut book = QuarantineBook::new(limits);
        let mut excess = WriteBatch::default();
        let mut next = 0;
        for item in self
            .db
            .iterator_cf(self.cf("quarantine"), IteratorMode::Start)
        {
            let (key, value) = item?;
            let Some(number) = key.get(..8).and_then(|b| b.try_into().ok()) else {
                excess.delete_cf(self.cf("quarantine"), &key);
                continue;
            };
            let number = u64::from_be_bytes(number);
            next = number + 1;
            let Some((sender, hash)) = serde_json::from_slice::<Quarantined>(&value)
                .ok()
                .and_then(|q| Some((q.from.parse::<NodeId>().ok()?, q)))
                .map(|(sender, q)| (sender, quarantine_hash(&q)))
            else {
                excess.delete_cf(self.cf("quarantine"), &key);
                continue;
            };
            for gone in book.replay(number, sender, hash, value.len() as u64) {
                excess.delete_cf(self.cf("quarantine"), gone.to_be_bytes());
            }
        }
        if !excess.is_empty() {
            tracing::info!(
                deleted = excess.len(),
                "quarantine trimmed to its configured limits"
            );
            self.commit(excess)?;
        }
        self.quarantine_counter
            .store(next, std::sync::atomic::Ordering::Relaxed);
        *self
            .quarantine_book
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = book;
        Ok(())
    }

    /// Items and bytes in the quarantine, and items dropped since start: running totals, no scan.
    pub fn quarantine_usage(&self) -> (u64, u64, u64) {
        let book = self
            .quarantine_book
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        (book.entries(), book.bytes(), book.dropped())
    }

    /// A RocksDB checkpoint of the whole database into `dir` (which must not exist): table
    /// files hard-linked where the file system allows, the rest copied, consistent at one
    /// instant across every column family.
    pub fn checkpoint(&self, dir: &Path) -> Result<(), StoreError> {
        rocksdb::checkpoint::Checkpoint::new(&self.db)?.create_checkpoint(dir)?;
        Ok(())
    }

    pub fn count(&self, cf: &str) -> Result<u64, StoreError> {
        let mut count = 0;
        for item in self.db.iterator_cf(self.cf(cf), IteratorMode::Start) {
            item?;
            count += 1;
        }
        Ok(count)
    }

    /// Bytes on disk per column family (SST files plus memtables), for metrics.
    pub fn sizes(&self) -> Vec<(&'static str, u64)> {
        COLUMN_FAMILIES
            .iter()
            .map(|name| {
                let cf = self.cf(name);
                let sst = self
                    .db
                    .property_int_value_cf(cf, "rocksdb.total-sst-files-size")
                    .ok()
                    .flatten();
                let mem = self
                    .db
                    .property_int_value_cf(cf, "rocksdb.cur-size-all-mem-tables")
                    .ok()
                    .flatten();
                (*name, sst.unwrap_or(0) + mem.unwrap_or(0))
            })
            .collect()
    }

    /// A new set of writes to commit together.
    pub fn batch(&self) -> Batch<'_> {
        Batch {
            store: self,
            batch: WriteBatch::default(),
            writes_roster: false,
            heads: BTreeMap::new(),
        }
    }
}

/// Writes that commit together, or not at all.
pub struct Batch<'a> {
    store: &'a Store,
    batch: WriteBatch,
    /// Whether the batch writes or deletes the roster, which empties the node's verified copy.
    writes_roster: bool,
    /// The feed heads the batch writes, for the store's heads cache.
    heads: HeadsByKey,
}

impl Batch<'_> {
    fn put_json<T: Serialize>(&mut self, cf: &str, key: &[u8], value: &T) {
        // The values written are plain data structs, which always serialise.
        let bytes = serde_json::to_vec(value).unwrap_or_default();
        self.batch.put_cf(self.store.cf(cf), key, bytes);
    }

    /// An entry and the feed head it makes.
    pub fn entry(&mut self, signed: &SignedEntry) {
        let entry = &signed.entry;
        self.batch.put_cf(
            self.store.cf("entries"),
            entry_key(&entry.author, &entry.topic, entry.seq),
            signed.encode(),
        );
        let head = FeedHead {
            seq: entry.seq,
            id: signed.id(),
        };
        let key = feed_key(&entry.author, &entry.topic);
        self.put_json("heads", &key, &head);
        self.heads
            .insert(key, (entry.author, entry.topic.clone(), head));
    }

    pub fn snapshot(&mut self, doc: &str, bytes: &[u8]) {
        self.batch
            .put_cf(self.store.cf("snapshots"), doc.as_bytes(), bytes);
    }

    /// A record's summary and its index entries, replacing those of `previous`.
    pub fn record(&mut self, summary: &RecordSummary, previous: Option<&RecordSummary>) {
        let id = summary.doc.to_string();
        if let Some(old) = previous {
            self.batch
                .delete_cf(self.store.cf("by_code"), index_key(&old.credit_code, &id));
        }
        self.put_json("records", id.as_bytes(), summary);
        let empty: &[u8] = &[];
        self.batch.put_cf(
            self.store.cf("by_batch"),
            index_key(&summary.batch.to_string(), &id),
            empty,
        );
        self.batch.put_cf(
            self.store.cf("by_recommender"),
            index_key(summary.recommender.as_str(), &id),
            empty,
        );
        self.batch.put_cf(
            self.store.cf("by_code"),
            index_key(&summary.credit_code, &id),
            empty,
        );
    }

    pub fn attachment(&mut self, hash: &[u8; 32], bytes: &[u8]) {
        self.batch.put_cf(self.store.cf("attachments"), hash, bytes);
    }

    /// Both entries an author signed for one position: the evidence of equivocation.
    pub fn equivocation(
        &mut self,
        author: &NodeId,
        topic: &Topic,
        seq: u64,
        first: Option<&SignedEntry>,
        second: &SignedEntry,
    ) {
        let evidence = serde_json::json!({
            "first": first.map(|e| hex::encode(e.encode())),
            "second": hex::encode(second.encode()),
        });
        self.put_json("equivocations", &entry_key(author, topic, seq), &evidence);
    }

    fn pending_key(doc: &str, id: &fedrec_common::identity::Hash32) -> Vec<u8> {
        let mut key = doc.as_bytes().to_vec();
        key.push(0);
        key.extend_from_slice(&id.0);
        key
    }

    pub fn park(&mut self, doc: &str, id: &fedrec_common::identity::Hash32, change: &[u8]) {
        self.batch
            .put_cf(self.store.cf("pending"), Self::pending_key(doc, id), change);
    }

    pub fn unpark(&mut self, doc: &str, id: &fedrec_common::identity::Hash32) {
        self.batch
            .delete_cf(self.store.cf("pending"), Self::pending_key(doc, id));
    }

    /// A refused entry with its reason, under the next arrival number, unless the same bytes
    /// are already kept; older items its sender's share or the total no longer allows are
    /// deleted in the same write (see [`QuarantineBook`]).
    pub fn quarantine(&mut self, item: &Quarantined) {
        let Ok(sender) = item.from.parse::<NodeId>() else {
            return;
        };
        let bytes = serde_json::to_vec(item).unwrap_or_default();
        let counter = self
            .store
            .quarantine_counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let admission = self
            .store
            .quarantine_book
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .admit(counter, sender, quarantine_hash(item), bytes.len() as u64);
        if let Admission::Keep { drop } = admission {
            for gone in drop {
                self.batch
                    .delete_cf(self.store.cf("quarantine"), gone.to_be_bytes());
            }
            self.batch
                .put_cf(self.store.cf("quarantine"), counter.to_be_bytes(), bytes);
        }
    }

    pub fn meta<T: Serialize>(&mut self, name: &str, value: &T) {
        self.writes_roster |= name == ROSTER_META;
        self.put_json("meta", name.as_bytes(), value);
    }

    pub fn delete_meta(&mut self, name: &str) {
        self.writes_roster |= name == ROSTER_META;
        self.batch.delete_cf(self.store.cf("meta"), name.as_bytes());
    }

    /// Syncs the batch to disk.
    pub fn commit(self) -> Result<(), StoreError> {
        let result = self.store.write(self.batch, Some(self.heads));
        if self.writes_roster {
            // Counted whether or not the write went through: a failed write may have applied.
            self.store
                .roster_writes
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
        result
    }
}

/// What makes two quarantined items the same evidence: the bytes refused.
fn quarantine_hash(item: &Quarantined) -> fedrec_common::identity::Hash32 {
    fedrec_common::identity::Hash32::of(item.bytes_hex.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_keys_never_prefix_each_other() {
        let author = fedrec_common::identity::NodeKey::for_test("feed keys").id();
        let short = feed_key(&author, &"recommender:ab".parse().unwrap());
        let long = feed_key(&author, &"recommender:abc".parse().unwrap());
        assert!(!long.starts_with(&short) && !short.starts_with(&long));
    }

    #[test]
    fn the_roster_generation_moves_only_with_commits_that_write_the_roster() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let start = store.roster_generation();
        let mut batch = store.batch();
        batch.meta("roster_version_seen", &1u64);
        batch.commit().unwrap();
        assert_eq!(store.roster_generation(), start, "another meta key");
        let mut batch = store.batch();
        batch.meta(ROSTER_META, &"a roster");
        assert_eq!(store.roster_generation(), start, "not yet committed");
        batch.commit().unwrap();
        let written = store.roster_generation();
        assert_ne!(written, start, "the roster written");
        let mut batch = store.batch();
        batch.delete_meta(ROSTER_META);
        batch.commit().unwrap();
        assert_ne!(store.roster_generation(), written, "the roster deleted");
    }

    #[test]
    fn meta_keys_after_a_key_are_those_sorting_after_it_under_the_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut batch = store.batch();
        for key in [
            "receipt/01",
            "receipt/02",
            "receipt/03",
            "receipted/x",
            "rec",
        ] {
            batch.meta(key, &1u8);
        }
        batch.commit().unwrap();
        let all = store.meta_keys_after("receipt/", None).unwrap();
        assert_eq!(all, ["receipt/01", "receipt/02", "receipt/03"]);
        let after = store
            .meta_keys_after("receipt/", Some("receipt/01"))
            .unwrap();
        assert_eq!(after, ["receipt/02", "receipt/03"]);
        assert!(
            store
                .meta_keys_after("receipt/", Some("receipt/03"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn heads_read_after_a_commit_show_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let key = fedrec_common::identity::NodeKey::for_test("heads_read_after_a_commit_show_it");
        let topic = Topic::Public;
        let mut prev = None;
        assert!(store.heads().unwrap().is_empty());
        for seq in 1..=2 {
            let signed = fedrec_common::feed::Entry {
                author: key.id(),
                topic: topic.clone(),
                seq,
                prev,
                doc: fedrec_common::ids::DocId::Roster,
                change: vec![seq as u8],
            }
            .sign(&key);
            prev = Some(signed.id());
            let mut batch = store.batch();
            batch.entry(&signed);
            batch.commit().unwrap();
            // Read twice: the second read is the cached one.
            for _ in 0..2 {
                let heads = store.heads().unwrap();
                assert_eq!(heads.len(), 1);
                assert_eq!((heads[0].2.seq, heads[0].2.id), (seq, signed.id()));
            }
        }
    }

    #[test]
    fn a_database_of_another_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            let mut batch = WriteBatch::default();
            batch.put_cf(store.cf("meta"), b"schema_version", b"99");
            store.commit(batch).unwrap();
        }
        let newer = Store::open(dir.path()).err().unwrap();
        assert!(matches!(newer, StoreError::NewerSchema { .. }), "{newer}");
        {
            let db = open_db(dir.path()).unwrap();
            db.put_cf(db.cf_handle("meta").unwrap(), b"schema_version", b"1")
                .unwrap();
        }
        let older = Store::open(dir.path()).err().unwrap();
        assert!(matches!(older, StoreError::Schema { .. }), "{older}");
        assert!(older.to_string().contains("fedrec migrate"), "{older}");
    }

    fn refused(from: &NodeId, n: u32) -> Quarantined {
        Quarantined {
            kind: fedrec_common::ingest::RefusalKind::BadSignature,
            reason: "test".into(),
            from: from.to_hex(),
            at: fedrec_common::timestamp::Timestamp::from_millis(0),
            bytes_hex: format!("{n:08x}"),
        }
    }

    fn limits(max_entries: u64) -> QuarantineLimits {
        QuarantineLimits {
            max_entries,
            max_entries_per_peer: max_entries,
            ..QuarantineLimits::default()
        }
    }

    #[test]
    fn the_quarantine_keeps_its_bounds_one_copy_each_and_counts_without_a_scan() {
        let dir = tempfile::tempdir().unwrap();
        let from = fedrec_common::identity::NodeKey::for_test("quarantine sender").id();
        {
            let store = Store::open(dir.path()).unwrap();
            store.set_quarantine_limits(limits(3)).unwrap();
            for n in 0..5 {
                let mut batch = store.batch();
                batch.quarantine(&refused(&from, n));
                batch.quarantine(&refused(&from, n));
                batch.commit().unwrap();
            }
            let (entries, bytes, dropped) = store.quarantine_usage();
            assert_eq!((entries, dropped), (3, 2));
            assert_eq!(store.count("quarantine").unwrap(), 3, "what is stored");
            assert!(bytes > 0);
        }
        // At the next start the book is rebuilt from the store, under the limits of that start.
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.quarantine_usage().0, 3);
        store.set_quarantine_limits(limits(2)).unwrap();
        assert_eq!(store.quarantine_usage().0, 2);
        assert_eq!(store.count("quarantine").unwrap(), 2);
        let mut batch = store.batch();
        batch.quarantine(&refused(&from, 9));
        batch.commit().unwrap();
        assert_eq!(
            store.count("quarantine").unwrap(),
            2,
            "new keys follow the old ones"
        );
    }
}
