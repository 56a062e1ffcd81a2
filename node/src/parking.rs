//! How many changes each author has parked (waiting for their Automerge dependencies) across
//! all documents: the per-author bound (`limits.parked_max_changes_per_author`), which keeps one
//! roster key from spreading `parked_max_changes_per_document` over thousands of documents it
//! can never complete.
//!
//! Authors are named by their Automerge actor bytes (the change's actor is its entry's author,
//! checked at ingest). The tally is read from the store's `pending` family once, when intake
//! first needs it, and then kept in step by intake's commits: each park adds one to its author,
//! each unpark takes one away.

use std::collections::HashMap;

use crate::store::{Store, StoreError};

#[derive(Debug, Default)]
pub struct ParkedTally {
    by_actor: HashMap<Vec<u8>, u64>,
}

impl ParkedTally {
    pub fn load(store: &Store) -> Result<Self, StoreError> {
        Ok(Self {
            by_actor: store.pending_actors()?,
        })
    }

    /// Changes by `actor` parked in the store.
    pub fn get(&self, actor: &[u8]) -> u64 {
        self.by_actor.get(actor).copied().unwrap_or(0)
    }

    /// Takes in a commit's parks (+1) and unparks (-1).
    pub fn apply(&mut self, changes: &[(Vec<u8>, i64)]) {
        for (actor, change) in changes {
            let count = self.by_actor.entry(actor.clone()).or_insert(0);
            *count = count.saturating_add_signed(*change);
            if *count == 0 {
                self.by_actor.remove(actor);
            }
        }
    }
}
