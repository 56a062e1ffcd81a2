//! The quarantine's bookkeeping: how much refused input a node keeps as evidence, per sender and
//! in total, and what to drop when a new item would exceed that.
//!
//! Refused entries are evidence, but a roster peer that sends nothing else must not be able to
//! fill the disk. [`QuarantineBook`] decides, without touching the disk, whether an item is kept
//! (a copy already held, by hash, is not kept twice) and which older items to drop to make room:
//! the sender's own oldest first while it is over its share, then the oldest of all while the
//! total is over. Every drop is counted. The node replays what it stores into the book at start
//! and carries out each decision in the same write batch as the item itself. Counts are kept as
//! running totals, so reading them costs nothing whatever the quarantine holds.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::identity::{Hash32, NodeId};

/// How much refused input is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuarantineLimits {
    pub max_entries: u64,
    pub max_bytes: u64,
    pub max_entries_per_peer: u64,
    pub max_bytes_per_peer: u64,
}

impl Default for QuarantineLimits {
    fn default() -> Self {
        Self {
            max_entries: 10_000,
            max_bytes: 64 * 1024 * 1024,
            max_entries_per_peer: 1_000,
            max_bytes_per_peer: 8 * 1024 * 1024,
        }
    }
}

/// What to do with one refused item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// The same bytes are already kept: store nothing.
    Duplicate,
    /// The item alone is larger than a limit: store nothing (counted as dropped).
    TooLarge,
    /// Store the item and delete these older items (by key) in the same write.
    Keep { drop: Vec<u64> },
}

#[derive(Debug, Clone)]
struct Item {
    sender: NodeId,
    hash: Hash32,
    bytes: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Usage {
    entries: u64,
    bytes: u64,
}

/// Running totals of what the quarantine holds, and the decisions that keep it in bounds.
#[derive(Debug, Clone)]
pub struct QuarantineBook {
    limits: QuarantineLimits,
    /// Every kept item by key; keys grow with arrival, so the first is the oldest.
    items: BTreeMap<u64, Item>,
    by_hash: HashMap<Hash32, u64>,
    /// Each sender's keys, oldest first.
    by_sender: HashMap<NodeId, VecDeque<u64>>,
    per_sender: HashMap<NodeId, Usage>,
    total: Usage,
    dropped: u64,
}

impl QuarantineBook {
    pub fn new(limits: QuarantineLimits) -> Self {
        Self {
            limits,
            items: BTreeMap::new(),
            by_hash: HashMap::new(),
            by_sender: HashMap::new(),
            per_sender: HashMap::new(),
            total: Usage::default(),
            dropped: 0,
        }
    }

    pub fn limits(&self) -> QuarantineLimits {
        self.limits
    }

    /// Items kept.
    pub fn entries(&self) -> u64 {
        self.total.entries
    }

    /// Bytes kept (as stored).
    pub fn bytes(&self) -> u64 {
        self.total.bytes
    }

    /// Items dropped since this book was made: refused as too large, or pushed out by newer ones.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Items kept from `sender`.
    pub fn entries_from(&self, sender: &NodeId) -> u64 {
        self.per_sender.get(sender).map_or(0, |u| u.entries)
    }

    /// Decides on a new item under `key` (greater than every key so far), and books the decision.
    pub fn admit(&mut self, key: u64, sender: NodeId, hash: Hash32, bytes: u64) -> Admission {
        if self.by_hash.contains_key(&hash) {
            return Admission::Duplicate;
        }
        let limits = self.limits;
        if bytes > limits.max_bytes_per_peer
            || bytes > limits.max_bytes
            || limits.max_entries == 0
            || limits.max_entries_per_peer == 0
        {
            self.dropped += 1;
            return Admission::TooLarge;
        }
        let mut drop = Vec::new();
        // The sender's own oldest items make room for its new one first.
        loop {
            let usage = self.per_sender.get(&sender).copied().unwrap_or_default();
            let over = usage.entries + 1 > limits.max_entries_per_peer
                || usage.bytes + bytes > limits.max_bytes_per_peer;
            if !over {
                break;
            }
            let Some(oldest) = self
                .by_sender
                .get(&sender)
                .and_then(|keys| keys.front().copied())
            else {
                break;
            };
            self.remove(oldest);
            drop.push(oldest);
        }
        // Then the oldest of all, whoever sent them.
        while self.total.entries + 1 > limits.max_entries
            || self.total.bytes + bytes > limits.max_bytes
        {
            let Some(oldest) = self.items.keys().next().copied() else {
                break;
            };
            self.remove(oldest);
            drop.push(oldest);
        }
        self.dropped += drop.len() as u64;
        self.insert(
            key,
            Item {
                sender,
                hash,
                bytes,
            },
        );
        Admission::Keep { drop }
    }

    /// Books an item found in the store at start-up, in key order. Returns the keys to delete
    /// because the limits are now lower than what was kept, or the item is a duplicate.
    pub fn replay(&mut self, key: u64, sender: NodeId, hash: Hash32, bytes: u64) -> Vec<u64> {
        match self.admit(key, sender, hash, bytes) {
            Admission::Keep { drop } => drop,
            Admission::Duplicate | Admission::TooLarge => vec![key],
        }
    }

    fn insert(&mut self, key: u64, item: Item) {
        let usage = self.per_sender.entry(item.sender).or_default();
        usage.entries += 1;
        usage.bytes += item.bytes;
        self.total.entries += 1;
        self.total.bytes += item.bytes;
        self.by_sender
            .entry(item.sender)
            .or_default()
            .push_back(key);
        self.by_hash.insert(item.hash, key);
        self.items.insert(key, item);
    }

    fn remove(&mut self, key: u64) {
        let Some(item) = self.items.remove(&key) else {
            return;
        };
        self.by_hash.remove(&item.hash);
        if let Some(keys) = self.by_sender.get_mut(&item.sender) {
            keys.retain(|k| *k != key);
            if keys.is_empty() {
                self.by_sender.remove(&item.sender);
            }
        }
        if let Some(usage) = self.per_sender.get_mut(&item.sender) {
            usage.entries -= 1;
            usage.bytes -= item.bytes;
            if usage.entries == 0 {
                self.per_sender.remove(&item.sender);
            }
        }
        self.total.entries -= 1;
        self.total.bytes -= item.bytes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::NodeKey;

    fn limits() -> QuarantineLimits {
        QuarantineLimits {
            max_entries: 10,
            max_bytes: 1_000,
            max_entries_per_peer: 4,
            max_bytes_per_peer: 400,
        }
    }

    fn hash(n: u64) -> Hash32 {
        Hash32::of(&n.to_be_bytes())
    }

    #[test]
    fn one_sender_is_held_to_its_share_oldest_dropped_first() {
        let flooder = NodeKey::for_test("flooder").id();
        let honest = NodeKey::for_test("honest").id();
        let mut book = QuarantineBook::new(limits());
        assert!(matches!(
            book.admit(0, honest, hash(0), 50),
            Admission::Keep { .. }
        ));
        let mut dropped = Vec::new();
        for key in 1..=100 {
            match book.admit(key, flooder, hash(key), 10) {
                Admission::Keep { drop } => dropped.extend(drop),
                other => panic!("item {key}: {other:?}"),
            }
        }
        assert_eq!(book.entries_from(&flooder), 4);
        assert_eq!(
            book.entries_from(&honest),
            1,
            "the flood never pushes out others"
        );
        assert_eq!(book.entries(), 5);
        assert_eq!(book.bytes(), 50 + 40);
        assert_eq!(dropped, (1..=96).collect::<Vec<u64>>(), "oldest first");
        assert_eq!(book.dropped(), 96);
    }

    #[test]
    fn the_total_is_bounded_in_count_and_bytes() {
        let mut book = QuarantineBook::new(limits());
        for key in 0..30 {
            let sender = NodeKey::for_test(&format!("sender {key}")).id();
            book.admit(key, sender, hash(key), 90);
            assert!(book.entries() <= 10 && book.bytes() <= 1_000, "after {key}");
        }
        assert_eq!(book.entries(), 10, "ten of 90 bytes fit both limits");
        assert_eq!(book.dropped(), 30 - book.entries());
    }

    #[test]
    fn copies_are_kept_once_and_oversized_items_not_at_all() {
        let sender = NodeKey::for_test("sender").id();
        let mut book = QuarantineBook::new(limits());
        assert!(matches!(
            book.admit(0, sender, hash(7), 10),
            Admission::Keep { .. }
        ));
        assert_eq!(book.admit(1, sender, hash(7), 10), Admission::Duplicate);
        assert_eq!(book.admit(2, sender, hash(8), 401), Admission::TooLarge);
        assert_eq!((book.entries(), book.dropped()), (1, 1));
    }

    #[test]
    fn a_replay_under_lower_limits_drops_the_excess() {
        let sender = NodeKey::for_test("sender").id();
        let mut book = QuarantineBook::new(limits());
        let deleted: Vec<u64> = (0..6)
            .flat_map(|key| book.replay(key, sender, hash(key % 5), 10))
            .collect();
        // Keys 0 and 1 make room (share of 4); key 5 repeats key 0's bytes, dropped by then.
        assert_eq!(deleted, vec![0, 1]);
        assert_eq!(book.entries(), 4);
    }
}
