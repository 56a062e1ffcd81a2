//! The sync protocol `/fedrec/sync/1`: its messages, their framing and size caps, and the pure
//! planning of a round. No sockets here; the daemon's network loop carries the messages.
//!
//! A round between A (who starts it) and B:
//! 1. A sends `Digest`: a hash over the heads of the feeds both may read, and A's roster version.
//!    If B's digest and roster version are the same, B answers `InSync`: one small exchange,
//!    whatever the number of records (feeds are per node and topic, not per record).
//! 2. Otherwise B answers `Heads` with its heads of the shared feeds. A [`plan`]s: feeds where B
//!    is ahead are fetched (`Fetch`, answered with `Entries` in chunks well under the message
//!    cap, resumable from any position); feeds where A is ahead are pushed (`Push`, answered with
//!    `Ack`). A newer roster travels as `Roster`.
//!
//! Messages are postcard-encoded (entries as byte strings, not integer arrays) behind a 4-byte
//! big-endian length, and a frame longer than [`MAX_FRAME_BYTES`] is refused before it is read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::feed::MAX_CHANGE_BYTES;
use crate::identity::{Hash32, NodeId};
use crate::ids::Topic;
use crate::roster::Roster;
use crate::signed::SignedText;

/// The protocol's name on the wire; a new incompatible version gets a new name.
pub const PROTOCOL: &str = "/fedrec/sync/1";

/// Largest frame either side accepts: room for one chunk of entries and its framing.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

/// A chunk of entries stops growing past this many bytes (one entry alone may exceed it, up to
/// an entry's own cap).
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// Entries in one chunk, at most.
pub const CHUNK_ENTRIES: usize = 512;

/// What one sync round may ask for and send. What is left over waits for the next round, which
/// the node starts as soon as this one ends: so a peer that claims to hold nothing (or to hold
/// thousands of feeds) costs a bounded amount of memory and work per round, and an honest peer
/// that lags far behind still catches up at full speed, round after round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundBudget {
    /// `Fetch` requests one round sends, at most.
    pub fetches: usize,
    /// Bytes of entries one round loads and pushes; the chunk that reaches it is the last.
    pub push_bytes: usize,
    /// A pushed chunk's bytes, as [`CHUNK_BYTES`].
    pub chunk_bytes: usize,
    /// A pushed chunk's entries, as [`CHUNK_ENTRIES`].
    pub chunk_entries: usize,
}

/// The budget of a round on the network.
pub const ROUND_BUDGET: RoundBudget = RoundBudget {
    fetches: 64,
    push_bytes: 4 * CHUNK_BYTES,
    chunk_bytes: CHUNK_BYTES,
    chunk_entries: CHUNK_ENTRIES,
};

/// How long after a node answered a peer's digest with its heads it leaves catching up with
/// that peer to the peer's push ([`Plan::leaving_catch_up_to_push`]). A push follows the answer
/// within a round trip; this is generous, and only decides whether a fetch is sent too.
pub const PUSH_AWAITED_MILLIS: i64 = 10_000;

/// Whether a peer whose digest this node answered with its heads at `answered_at` is still
/// pushing what it holds beyond them (a clock set back since counts as not).
pub fn push_awaited(
    answered_at: crate::timestamp::Timestamp,
    now: crate::timestamp::Timestamp,
) -> bool {
    (0..PUSH_AWAITED_MILLIS).contains(&(now.millis() - answered_at.millis()))
}

/// Where one feed stands.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FeedPosition {
    pub author: NodeId,
    pub topic: Topic,
    pub seq: u64,
    pub head: Hash32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// "Here is what I hold of the feeds we share."
    Digest {
        digest: Hash32,
        feeds: u32,
        roster_version: u64,
    },
    /// "Send me the entries of this feed from `from_seq` on."
    Fetch {
        author: NodeId,
        topic: Topic,
        from_seq: u64,
    },
    /// "Here are entries you lack."
    Push {
        #[serde(with = "entry_bytes")]
        entries: Vec<Vec<u8>>,
    },
    /// "Send me your roster and batch definitions."
    Roster,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// Same digest, same roster version: nothing to do.
    InSync,
    /// The answerer's heads of the shared feeds, and its roster version.
    Heads {
        heads: Vec<FeedPosition>,
        roster_version: u64,
    },
    /// A chunk of one feed's entries, in order; `more` when the feed continues past it.
    Entries {
        #[serde(with = "entry_bytes")]
        entries: Vec<Vec<u8>>,
        more: bool,
    },
    /// How many pushed entries were new, and how many were refused (and quarantined).
    Ack {
        accepted: u32,
        duplicates: u32,
        refused: u32,
    },
    Roster {
        roster: SignedText,
        batches: Vec<SignedText>,
    },
    /// The request was not served, and why (an unknown peer, a feed it may not read).
    Refused { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    #[error("frame of {0} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// Encodes a message as its frame body (the length prefix is the transport's).
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, WireError> {
    let bytes = postcard::to_allocvec(message).map_err(|e| WireError::Malformed(e.to_string()))?;
    if bytes.len() > MAX_FRAME_BYTES {
        return Err(WireError::TooLarge(bytes.len()));
    }
    Ok(bytes)
}

/// Decodes a frame body from an untrusted peer. A body that is not exactly the encoding of what
/// it decodes to (trailing bytes, an over-long number) is refused: one message, one form.
pub fn decode<T: Serialize + for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, WireError> {
    if bytes.len() > MAX_FRAME_BYTES {
        return Err(WireError::TooLarge(bytes.len()));
    }
    let message: T =
        postcard::from_bytes(bytes).map_err(|e| WireError::Malformed(e.to_string()))?;
    let again = postcard::to_allocvec(&message).map_err(|e| WireError::Malformed(e.to_string()))?;
    if again != bytes {
        return Err(WireError::Malformed(
            "not in canonical form: it re-encodes to different bytes".into(),
        ));
    }
    Ok(message)
}

/// Checks a frame's announced length before reading it.
pub fn check_frame_length(length: u32) -> Result<usize, WireError> {
    let length = length as usize;
    if length > MAX_FRAME_BYTES {
        return Err(WireError::TooLarge(length));
    }
    Ok(length)
}

/// The feeds of `heads` that `peer` may read: what a round with `peer` compares.
pub fn shared_with(heads: &[FeedPosition], roster: &Roster, peer: &NodeId) -> Vec<FeedPosition> {
    let mut shared: Vec<FeedPosition> = heads
        .iter()
        .filter(|position| roster.may_read(peer, &position.topic))
        .cloned()
        .collect();
    shared.sort();
    shared
}

/// A hash over feed positions, independent of their order.
pub fn digest(heads: &[FeedPosition]) -> Hash32 {
    let mut sorted: Vec<&FeedPosition> = heads.iter().collect();
    sorted.sort();
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"fedrec/digest/1\0");
    for position in sorted {
        hasher.update(position.author.as_bytes());
        hasher.update(position.topic.to_string().as_bytes());
        hasher.update(&[0]);
        hasher.update(&position.seq.to_be_bytes());
        hasher.update(&position.head.0);
    }
    Hash32(*hasher.finalize().as_bytes())
}

/// What one side does after seeing the other's heads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Feeds to fetch from the peer, from this position on.
    pub fetch: Vec<(NodeId, Topic, u64)>,
    /// Feeds to push to the peer, from this position on.
    pub push: Vec<(NodeId, Topic, u64)>,
}

impl Plan {
    /// This plan without its catch-up fetches (from past this node's own position), for a peer
    /// that is about to push exactly those entries: when two nodes connect, each starts a round,
    /// and each would otherwise both push its feeds and have them fetched, every entry crossing
    /// twice. A fetch at this node's own position stays: it asks for the peer's copy of an
    /// equivocating entry, which the peer fetches rather than pushes.
    pub fn leaving_catch_up_to_push(mut self, local: &[FeedPosition]) -> Self {
        self.fetch.retain(|(author, topic, from_seq)| {
            let ours = local
                .iter()
                .find(|p| p.author == *author && p.topic == *topic)
                .map_or(0, |p| p.seq);
            *from_seq <= ours
        });
        self
    }
}

/// Compares local and remote heads of the shared feeds.
///
/// A feed the peer is ahead on is fetched from the first position missing here; a feed this side
/// is ahead on is pushed from the first position the peer lacks. Two different heads at the same
/// position mean one of the two holds an equivocating entry: the peer's copy is fetched from that
/// position, so the ingest check sees both and keeps the evidence.
pub fn plan(local: &[FeedPosition], remote: &[FeedPosition]) -> Plan {
    let key = |p: &FeedPosition| (p.author, p.topic.clone());
    let local_map: BTreeMap<_, &FeedPosition> = local.iter().map(|p| (key(p), p)).collect();
    let remote_map: BTreeMap<_, &FeedPosition> = remote.iter().map(|p| (key(p), p)).collect();
    let mut plan = Plan::default();
    for (feed, theirs) in &remote_map {
        match local_map.get(feed) {
            None => plan.fetch.push((feed.0, feed.1.clone(), 1)),
            Some(ours) if theirs.seq > ours.seq => {
                // `theirs.seq > ours.seq`, so `ours.seq` has a successor.
                plan.fetch
                    .push((feed.0, feed.1.clone(), ours.seq.saturating_add(1)))
            }
            Some(ours) if theirs.seq == ours.seq && theirs.head != ours.head => {
                plan.fetch.push((feed.0, feed.1.clone(), ours.seq));
            }
            Some(ours) if theirs.seq < ours.seq => {
                plan.push
                    .push((feed.0, feed.1.clone(), theirs.seq.saturating_add(1)))
            }
            Some(_) => {}
        }
    }
    for (feed, _) in local_map
        .iter()
        .filter(|(feed, _)| !remote_map.contains_key(*feed))
    {
        plan.push.push((feed.0, feed.1.clone(), 1));
    }
    plan
}

/// Splits encoded entries into chunks that respect [`CHUNK_BYTES`] and [`CHUNK_ENTRIES`].
pub fn chunks(entries: Vec<Vec<u8>>) -> Vec<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0;
    for entry in entries {
        if !current.is_empty()
            && (bytes + entry.len() > CHUNK_BYTES || current.len() >= CHUNK_ENTRIES)
        {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += entry.len();
        current.push(entry);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Entries as a sequence of byte strings (compact in postcard), each within an entry's cap.
mod entry_bytes {
    use serde::de::{Deserializer, Error as _, SeqAccess, Visitor};
    use serde::ser::{SerializeSeq, Serializer};

    use super::MAX_CHANGE_BYTES;

    pub fn serialize<S: Serializer>(entries: &[Vec<u8>], serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(entries.len()))?;
        for entry in entries {
            seq.serialize_element(serde_bytes::Bytes::new(entry))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Vec<u8>>, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Vec<Vec<u8>>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence of entries")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // Never trust a declared length for the allocation.
                let mut entries =
                    Vec::with_capacity(seq.size_hint().unwrap_or(0).min(super::CHUNK_ENTRIES));
                while let Some(entry) = seq.next_element::<serde_bytes::ByteBuf>()? {
                    if entry.len() > MAX_CHANGE_BYTES + 4096 {
                        return Err(A::Error::custom("an entry exceeds the entry size cap"));
                    }
                    if entries.len() >= super::CHUNK_ENTRIES {
                        return Err(A::Error::custom("too many entries in one message"));
                    }
                    entries.push(entry.into_vec());
                }
                Ok(entries)
            }
        }
        deserializer.deserialize_seq(Entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::NodeKey;

    fn position(name: &str, topic: &str, seq: u64) -> FeedPosition {
        FeedPosition {
            author: NodeKey::for_test(name).id(),
            topic: topic.parse().unwrap(),
            seq,
            head: Hash32::of(&seq.to_be_bytes()),
        }
    }

    #[test]
    fn the_digest_ignores_order_and_sees_every_change() {
        let a = position("a", "public", 3);
        let b = position("b", "recommender:shanghai", 7);
        assert_eq!(
            digest(&[a.clone(), b.clone()]),
            digest(&[b.clone(), a.clone()])
        );
        let mut moved = b.clone();
        moved.seq = 8;
        assert_ne!(digest(&[a.clone(), b]), digest(&[a, moved]));
    }

    #[test]
    fn plans_fetch_what_is_missing_and_push_what_the_peer_lacks() {
        let local = [
            position("a", "public", 3),
            position("b", "public", 5),
            position("d", "public", 2),
        ];
        let remote = [
            position("a", "public", 6),
            position("b", "public", 2),
            position("c", "public", 1),
        ];
        let plan = plan(&local, &remote);
        let key = |name: &str| NodeKey::for_test(name).id();
        let public: Topic = "public".parse().unwrap();
        let mut fetch = plan.fetch.clone();
        fetch.sort();
        let mut expected_fetch = vec![(key("a"), public.clone(), 4), (key("c"), public.clone(), 1)];
        expected_fetch.sort();
        assert_eq!(fetch, expected_fetch);
        let mut push = plan.push.clone();
        push.sort();
        let mut expected = vec![(key("b"), public.clone(), 3), (key("d"), public, 1)];
        expected.sort();
        assert_eq!(push, expected);
    }

    #[test]
    fn a_forked_head_is_fetched_for_evidence() {
        let ours = position("a", "public", 4);
        let mut theirs = ours.clone();
        theirs.head = Hash32::of(b"another entry");
        let plan = plan(std::slice::from_ref(&ours), &[theirs]);
        assert_eq!(plan.fetch, vec![(ours.author, ours.topic, 4)]);
    }

    #[test]
    fn catch_up_is_left_to_a_pushing_peer_but_evidence_is_still_fetched() {
        let local = [position("a", "public", 3), position("e", "public", 4)];
        let mut forked = position("e", "public", 4);
        forked.head = Hash32::of(b"another entry");
        let remote = [
            position("a", "public", 6),
            position("c", "public", 1),
            forked.clone(),
        ];
        let plan = plan(&local, &remote);
        assert_eq!(plan.fetch.len(), 3, "{plan:?}");
        let left = plan.leaving_catch_up_to_push(&local);
        assert_eq!(left.fetch, vec![(forked.author, forked.topic, 4)]);
    }

    #[test]
    fn a_push_is_awaited_for_a_while_after_the_answer_and_not_after_a_clock_set_back() {
        use crate::timestamp::Timestamp;
        let answered = Timestamp::from_millis(1_000_000);
        let at = |millis: i64| Timestamp::from_millis(1_000_000 + millis);
        assert!(push_awaited(answered, at(0)));
        assert!(push_awaited(answered, at(PUSH_AWAITED_MILLIS - 1)));
        assert!(!push_awaited(answered, at(PUSH_AWAITED_MILLIS)));
        assert!(!push_awaited(answered, at(-1)));
    }

    #[test]
    fn messages_round_trip_compactly() {
        let entries = vec![vec![7u8; 1000], vec![9u8; 10]];
        let request = Request::Push {
            entries: entries.clone(),
        };
        let bytes = encode(&request).unwrap();
        assert!(
            bytes.len() < 1030,
            "bytes must be byte strings, not integer arrays: {}",
            bytes.len()
        );
        assert_eq!(decode::<Request>(&bytes).unwrap(), request);
        let idle = encode(&Request::Digest {
            digest: Hash32::of(b"x"),
            feeds: 300,
            roster_version: 12,
        })
        .unwrap();
        assert!(
            idle.len() < 100,
            "an idle round's request is small: {}",
            idle.len()
        );
    }

    #[test]
    fn garbage_and_oversized_frames_are_refused() {
        assert!(decode::<Request>(&[0xff, 0xff, 0xff]).is_err());
        assert!(check_frame_length(u32::MAX).is_err());
        assert_eq!(check_frame_length(10), Ok(10));
        // A push that claims a huge number of entries is refused without allocating them.
        let mut lying = vec![2u8]; // variant Push
        lying.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]); // length ~ 2^32
        assert!(decode::<Request>(&lying).is_err());
    }

    #[test]
    fn only_the_canonical_form_of_a_message_is_accepted() {
        let request = Request::Fetch {
            author: NodeKey::for_test("canonical").id(),
            topic: Topic::Public,
            from_seq: 5,
        };
        let bytes = encode(&request).unwrap();
        assert_eq!(decode::<Request>(&bytes), Ok(request));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(decode::<Request>(&trailing).is_err(), "trailing byte");
        // The same number written in two varint bytes instead of one.
        let last = bytes.len() - 1;
        assert_eq!(bytes[last], 5);
        let mut overlong = bytes[..last].to_vec();
        overlong.extend_from_slice(&[0x85, 0x00]);
        assert!(decode::<Request>(&overlong).is_err(), "over-long varint");
    }

    #[test]
    fn plans_never_step_past_the_last_position() {
        let mut ours = position("a", "public", u64::MAX - 1);
        let theirs = position("a", "public", u64::MAX);
        assert_eq!(
            plan(std::slice::from_ref(&ours), std::slice::from_ref(&theirs)).fetch,
            vec![(ours.author, Topic::Public, u64::MAX)]
        );
        ours.seq = u64::MAX;
        let pushed = plan(&[ours.clone()], &[position("a", "public", u64::MAX - 1)]).push;
        assert_eq!(pushed, vec![(ours.author, Topic::Public, u64::MAX)]);
    }

    #[test]
    fn chunks_stay_under_the_limits() {
        let entries: Vec<Vec<u8>> = (0..2000).map(|i| vec![0u8; 100 + i % 5000]).collect();
        let chunked = chunks(entries.clone());
        assert_eq!(chunked.iter().map(Vec::len).sum::<usize>(), entries.len());
        for chunk in &chunked {
            assert!(chunk.len() <= CHUNK_ENTRIES);
            assert!(chunk.iter().map(Vec::len).sum::<usize>() <= CHUNK_BYTES);
            assert!(
                encode(&Response::Entries {
                    entries: chunk.clone(),
                    more: true
                })
                .unwrap()
                .len()
                    < MAX_FRAME_BYTES
            );
        }
    }
}
