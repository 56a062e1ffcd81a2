//! What the node keeps about each record outside its Automerge document, and the cache of
//! loaded documents.
//!
//! Listings, status and (later) the rules read [`RecordSummary`] rows from RocksDB, never whole
//! documents, so start-up and listings cost the same however many records a node holds.
//! Documents load on demand into [`DocCache`], which evicts the least recently used one when
//! full (a realistic application takes milliseconds to load and about 100 KB of memory).

use std::collections::HashMap;

use fedrec_common::batch::BatchNumber;
use fedrec_common::form::Application;
use fedrec_common::identity::NodeId;
use fedrec_common::ids::{DocId, RecommenderId, RecordId};
use fedrec_common::record::{RecordDoc, Status};
use fedrec_common::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// The fields of a record that listings and rules need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSummary {
    pub id: RecordId,
    pub doc: DocId,
    pub batch: BatchNumber,
    pub recommender: RecommenderId,
    pub status: Status,
    pub institution: String,
    pub credit_code: String,
    pub created_by: NodeId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Entries written for this record.
    pub entries: u64,
    /// Attachments listed, and the bytes stored for them.
    pub attachments: usize,
}

impl RecordSummary {
    /// The summary of a record after a write at `now`, from its previous summary (if any).
    pub fn after_write(
        previous: Option<&RecordSummary>,
        doc: &DocId,
        record: &mut RecordDoc,
        application: &Application,
        author: NodeId,
        now: Timestamp,
    ) -> Option<Self> {
        let DocId::Record {
            batch,
            recommender,
            record: id,
        } = doc
        else {
            return None;
        };
        Some(Self {
            id: *id,
            doc: doc.clone(),
            batch: *batch,
            recommender: recommender.clone(),
            status: record.status().unwrap_or(Status::Draft),
            institution: application.applicant.name.clone(),
            credit_code: application
                .applicant
                .credit_code
                .trim()
                .to_ascii_uppercase(),
            created_by: previous.map_or(author, |p| p.created_by),
            created_at: previous.map_or(now, |p| p.created_at),
            updated_at: now,
            entries: previous.map_or(0, |p| p.entries) + 1,
            attachments: application.attachments.len(),
        })
    }
}

/// Loaded documents, at most `capacity` of them and at most `max_operations` Automerge
/// operations in all (a document's memory grows with its operations, about 250 bytes each, so a
/// count alone would let a few huge documents hold gigabytes). The least recently used go first;
/// a document over the whole budget is not kept at all.
pub struct DocCache {
    capacity: usize,
    max_operations: u64,
    operations: u64,
    clock: u64,
    docs: HashMap<DocId, Cached>,
}

struct Cached {
    used: u64,
    operations: u64,
    record: RecordDoc,
}

impl DocCache {
    pub fn new(capacity: usize, max_operations: u64) -> Self {
        Self {
            capacity: capacity.max(1),
            max_operations,
            operations: 0,
            clock: 0,
            docs: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The operations of every cached document together.
    pub fn operations(&self) -> u64 {
        self.operations
    }

    /// Takes a document out of the cache for an operation; [`DocCache::put`] returns it. A
    /// failed operation simply does not put it back, so the cache never holds a document that
    /// differs from what is on disk.
    pub fn take(&mut self, doc: &DocId) -> Option<RecordDoc> {
        let cached = self.docs.remove(doc)?;
        self.operations -= cached.operations;
        Some(cached.record)
    }

    pub fn put(&mut self, doc: DocId, record: RecordDoc) {
        self.take(&doc);
        let operations = record.operations();
        if operations > self.max_operations {
            return;
        }
        while self.docs.len() >= self.capacity || self.operations + operations > self.max_operations
        {
            let Some(oldest) = self
                .docs
                .iter()
                .min_by_key(|(_, cached)| cached.used)
                .map(|(id, _)| id.clone())
            else {
                break;
            };
            self.take(&oldest);
        }
        self.clock += 1;
        self.operations += operations;
        self.docs.insert(
            doc,
            Cached {
                used: self.clock,
                operations,
                record,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fedrec_common::identity::NodeKey;

    #[test]
    fn the_cache_holds_documents_within_its_operation_budget() {
        let key = NodeKey::for_test("cache");
        let doc = |n: u8| -> DocId { format!("record/6/shanghai/{n:016x}").parse().unwrap() };
        let text = include_str!("../../config/examples/application.toml");
        let application = fedrec_common::form::Application::from_toml_str(text).unwrap();
        let full = || {
            RecordDoc::create(
                &key.id(),
                fedrec_common::batch::BatchNumber(6),
                &"shanghai".parse().unwrap(),
                &application,
                fedrec_common::timestamp::Timestamp(0),
            )
            .unwrap()
            .0
        };
        let operations = full().operations();
        // The example application (36 KB of TOML) is a document of about 10^4 operations.
        assert!(
            (5_000..200_000).contains(&operations),
            "{operations} operations"
        );
        // Room for two such documents, not three, though the count would allow ten.
        let mut cache = DocCache::new(10, operations * 2 + operations / 2);
        for n in 1..=3 {
            cache.put(doc(n), full());
        }
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.operations(), operations * 2);
        assert!(cache.take(&doc(1)).is_none(), "the oldest went first");
        // A document over the whole budget is not kept, and displaces nothing.
        let mut small = DocCache::new(10, operations / 2);
        small.put(doc(1), RecordDoc::empty(&key.id()));
        small.put(doc(2), full());
        assert_eq!(small.len(), 1);
        assert!(small.take(&doc(1)).is_some());
        assert_eq!(small.operations(), 0);
    }

    #[test]
    fn the_cache_evicts_the_least_recently_used() {
        let key = NodeKey::for_test("cache");
        let doc = |n: u8| -> DocId { format!("record/6/shanghai/{n:016x}").parse().unwrap() };
        let mut cache = DocCache::new(2, u64::MAX);
        cache.put(doc(1), RecordDoc::empty(&key.id()));
        cache.put(doc(2), RecordDoc::empty(&key.id()));
        let first = cache.take(&doc(1)).unwrap();
        cache.put(doc(1), first);
        cache.put(doc(3), RecordDoc::empty(&key.id()));
        assert_eq!(cache.len(), 2);
        assert!(cache.take(&doc(2)).is_none(), "2 was least recently used");
        assert!(cache.take(&doc(1)).is_some());
    }
}
