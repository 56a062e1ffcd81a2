//! The node's side of replication: what it tells a peer (digest, heads, entries, roster), and
//! how it takes in entries from elsewhere (network or bundle file) through the checks of
//! `common::ingest` into the store.
//!
//! An accepted entry is written with everything derived from it (feed head, document snapshot,
//! record summary and indexes) in one synced batch per message. A refused one goes to the
//! `quarantine` family with its reason and sender and is never applied or offered onward; an
//! equivocation keeps both entries in `equivocations` and refuses the author from then on.
//! A change whose Automerge dependencies have not arrived yet (a field office's edit of a record
//! its HQ created, reaching the ministry before the creation) is stored in its feed and parked in
//! `pending` until the document can take it.

use std::collections::{HashSet, VecDeque};

use fedrec_common::feed::SignedEntry;
use fedrec_common::i18n::{s, tr};
use fedrec_common::identity::NodeId;
use fedrec_common::ids::{DocId, Topic};
use fedrec_common::ingest::{Ahead, Prepared, PreparedMessage, RefusalKind};
use fedrec_common::sync::{self, FeedPosition, Request, Response};
use serde::{Deserialize, Serialize};

use crate::node::{Node, NodeError, RosterBundle};

/// What one batch of incoming entries came to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestReport {
    pub accepted: u32,
    pub duplicates: u32,
    pub early: u32,
    pub refused: u32,
    /// Entries kept in their feeds whose changes the record rules refused (frozen, bad acts).
    #[serde(default)]
    pub refused_changes: u32,
}

/// A quarantined entry: why, from whom, when, and its bytes (hex) as evidence.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Quarantined {
    pub kind: RefusalKind,
    pub reason: String,
    pub from: String,
    pub at: fedrec_common::timestamp::Timestamp,
    pub bytes_hex: String,
}

impl Node {
    /// Heads of every feed this node holds that `peer` may read.
    pub fn shared_heads(&self, peer: &NodeId) -> Result<Vec<FeedPosition>, NodeError> {
        let Some(roster) = self.shared_roster()? else {
            return Ok(Vec::new());
        };
        let heads: Vec<FeedPosition> = self
            .store()
            .heads()?
            .into_iter()
            .map(|(author, topic, head)| FeedPosition {
                author,
                topic,
                seq: head.seq,
                head: head.id,
            })
            .collect();
        Ok(sync::shared_with(&heads, &roster, peer))
    }

    /// Topics just opened for writes: the ministry writes the receipts it held back.
    fn after_topics_opened(&mut self) {
        if self.is_ministry() {
            self.resume_receipts();
            if let Err(error) = self.decide_all() {
                tracing::error!(%error, "cannot decide; decided again at the next receipt");
            }
        }
    }

    fn roster_version(&self) -> u64 {
        self.shared_roster().ok().flatten().map_or(0, |r| r.version)
    }

    /// The first message of a round with `peer`.
    pub fn digest_for(&self, peer: &NodeId) -> Result<Request, NodeError> {
        let heads = self.shared_heads(peer)?;
        Ok(Request::Digest {
            digest: sync::digest(&heads),
            feeds: heads.len() as u32,
            roster_version: self.roster_version(),
        })
    }

    /// Answers a peer's request; also says whether it taught this node anything new.
    pub fn answer(&mut self, peer: &NodeId, request: Request) -> (Response, bool) {
        self.answer_prepared(peer, request, None)
    }

    /// [`Node::answer`], with a `Push`'s entries already decoded and verified off the node's
    /// lock ([`prepare`]), when `prepared` holds them.
    pub fn answer_prepared(
        &mut self,
        peer: &NodeId,
        request: Request,
        prepared: Option<PreparedMessage>,
    ) -> (Response, bool) {
        let result = match request {
            Request::Digest {
                digest,
                roster_version,
                ..
            } => self.shared_heads(peer).map(|heads| {
                if sync::digest(&heads) == digest && roster_version == self.roster_version() {
                    self.digests_answered.remove(peer);
                    (Response::InSync, false)
                } else {
                    // The peer pushes what it holds beyond these heads (its own round).
                    self.digests_answered.insert(*peer, self.now());
                    (
                        Response::Heads {
                            heads,
                            roster_version: self.roster_version(),
                        },
                        false,
                    )
                }
            }),
            Request::Fetch {
                author,
                topic,
                from_seq,
            } => self
                .entries_for(peer, &author, &topic, from_seq)
                .map(|r| (r, false)),
            Request::Push { entries } => {
                let report = match prepared {
                    Some(prepared) => self.ingest_prepared(peer, prepared),
                    None => self.ingest(peer, entries),
                };
                Ok((
                    Response::Ack {
                        accepted: report.accepted,
                        duplicates: report.duplicates,
                        refused: report.refused,
                    },
                    report.accepted > 0,
                ))
            }
            Request::Roster => self.roster_bundle().map(|bundle| {
                (
                    Response::Roster {
                        roster: bundle.roster,
                        batches: bundle.batches,
                    },
                    false,
                )
            }),
        };
        result.unwrap_or_else(|error| {
            (
                Response::Refused {
                    reason: error.to_string(),
                },
                false,
            )
        })
    }

    /// One chunk of a feed's entries from `from_seq`, if `peer` may read the feed.
    fn entries_for(
        &self,
        peer: &NodeId,
        author: &NodeId,
        topic: &Topic,
        from_seq: u64,
    ) -> Result<Response, NodeError> {
        let roster = self
            .shared_roster()?
            .ok_or_else(|| NodeError::Forbidden(tr("error-no-roster", &[])))?;
        if !roster.may_read(peer, topic) {
            return Err(NodeError::Forbidden(tr(
                "error-peer-may-not-read",
                &[("topic", s(topic.to_string()))],
            )));
        }
        let entries = self.store().feed_from(
            author,
            topic,
            from_seq.max(1),
            sync::CHUNK_BYTES,
            sync::CHUNK_ENTRIES,
        )?;
        let last = entries.last().map_or(0, |e| e.entry.seq);
        let head = self.store().head(author, topic)?.map_or(0, |h| h.seq);
        Ok(Response::Entries {
            entries: entries.iter().map(SignedEntry::encode).collect(),
            more: last < head && !entries.is_empty(),
        })
    }

    /// Handles a peer's answer; returns the next requests of the round, and whether this node
    /// learned new entries.
    pub fn on_response(&mut self, peer: &NodeId, response: Response) -> (Vec<Request>, bool) {
        self.on_response_prepared(peer, response, None)
    }

    /// [`Node::on_response`], with an `Entries` answer's entries already decoded and verified
    /// off the node's lock ([`prepare`]), when `prepared` holds them.
    pub fn on_response_prepared(
        &mut self,
        peer: &NodeId,
        response: Response,
        prepared: Option<PreparedMessage>,
    ) -> (Vec<Request>, bool) {
        match response {
            Response::InSync => {
                // The peer holds exactly this node's heads of every feed they share.
                if self.confirm_own_feeds(peer, None) {
                    self.after_topics_opened();
                }
                if let Ok(heads) = self.shared_heads(peer) {
                    self.peer_heads.insert(*peer, heads);
                }
                (Vec::new(), false)
            }
            Response::Ack { .. } => (Vec::new(), false),
            Response::Refused { reason } => {
                tracing::debug!(peer = %peer.short(), %reason, "peer refused a request");
                (Vec::new(), false)
            }
            Response::Heads {
                heads,
                roster_version,
            } => {
                let heads = self.plausible_heads(heads);
                self.peer_heads.insert(*peer, heads.clone());
                if self.confirm_own_feeds(peer, Some(&heads)) {
                    self.after_topics_opened();
                }
                let mut next = Vec::new();
                // The roster is signed by the ministry, so any peer may carry a newer one; the
                // ministry, the trust root, never takes trust data from a peer.
                if roster_version > self.roster_version() && !self.is_ministry() {
                    next.push(Request::Roster);
                }
                let planned = self.round_plan(peer, &heads, &sync::ROUND_BUDGET);
                // Only the round started at connect leaves its catch-up to the peer's.
                self.rounds_at_connect.remove(peer);
                match planned {
                    Ok((mut requests, unfinished)) => {
                        next.append(&mut requests);
                        if unfinished {
                            self.unfinished_rounds.insert(*peer);
                        }
                    }
                    Err(error) => tracing::warn!(%error, "cannot plan a sync round"),
                }
                (next, false)
            }
            Response::Entries { entries, more } => {
                let last = entries
                    .last()
                    .and_then(|bytes| SignedEntry::decode(bytes).ok());
                let report = match prepared {
                    Some(prepared) => self.ingest_prepared(peer, prepared),
                    None => self.ingest(peer, entries),
                };
                let mut next = Vec::new();
                if more
                    && report.refused == 0
                    && let Some(last) = last
                {
                    next.push(Request::Fetch {
                        author: last.entry.author,
                        topic: last.entry.topic,
                        from_seq: last.entry.seq + 1,
                    });
                }
                (next, report.accepted > 0)
            }
            Response::Roster { roster, batches } => {
                match self.import_bundle(RosterBundle { roster, batches }) {
                    Ok(roster) => {
                        tracing::info!(
                            version = roster.version,
                            "roster updated from the ministry"
                        );
                        // A node that had no roster could not tell which of its topics this
                        // peer reads when its heads came: judge them again now.
                        let heads = self.peer_heads.get(peer).cloned();
                        if self.confirm_own_feeds(peer, heads.as_deref()) {
                            self.after_topics_opened();
                        }
                    }
                    Err(error) => tracing::warn!(%error, "roster from the network refused"),
                }
                (Vec::new(), false)
            }
        }
    }

    /// The network is starting a round with `peer` because the connection to it has just been
    /// established; the peer does the same, and its round pushes what it holds beyond this
    /// node's heads. (If its push never comes, the next round, by timer or write, fetches.)
    pub fn note_round_at_connect(&mut self, peer: &NodeId) {
        self.rounds_at_connect.insert(*peer, self.now());
    }

    /// Whether the last round with `peer` left work for the next one (and forgets it).
    pub fn take_unfinished_round(&mut self, peer: &NodeId) -> bool {
        self.unfinished_rounds.remove(peer)
    }

    /// A peer's claimed heads, without the feeds no roster key may hold: an author unknown to
    /// the roster, or a topic its author may not write. (Before the roster arrives, every claim
    /// stays: a new node fetches the roster's own feed from the ministry.)
    fn plausible_heads(&self, heads: Vec<FeedPosition>) -> Vec<FeedPosition> {
        let Ok(Some(roster)) = self.shared_roster() else {
            return heads;
        };
        let before = heads.len();
        let heads: Vec<FeedPosition> = heads
            .into_iter()
            .filter(|p| roster.may_write_topic(&p.author, &p.topic))
            .collect();
        if heads.len() < before {
            tracing::debug!(
                ignored = before - heads.len(),
                "heads claimed for feeds no roster key may hold"
            );
        }
        heads
    }

    /// Fetches what the peer has ahead; pushes what it lacks; within `budget`. Returns the
    /// requests, and whether the budget left some for the next round.
    pub(crate) fn round_plan(
        &self,
        peer: &NodeId,
        remote: &[FeedPosition],
        budget: &sync::RoundBudget,
    ) -> Result<(Vec<Request>, bool), NodeError> {
        let roster = self.shared_roster()?;
        let local = self.shared_heads(peer)?;
        // Only fetch feeds this node may read itself.
        let remote: Vec<FeedPosition> = remote
            .iter()
            .filter(|p| {
                roster
                    .as_ref()
                    .is_some_and(|r| r.may_read(&self.id(), &p.topic))
            })
            .cloned()
            .collect();
        let mut plan = sync::plan(&local, &remote);
        // Whether the peer is pushing, in a round of its own, what it holds beyond this node's
        // heads: it asked for them (its digest was answered), or it started a round when the
        // connection was made, as this node did. Which of the two a node sees first is a race
        // (300 offices connecting at once crossed most of their entries twice), so both count.
        let peer_pushes = [
            self.digests_answered.get(peer),
            self.rounds_at_connect.get(peer),
        ]
        .into_iter()
        .flatten()
        .any(|since| sync::push_awaited(*since, self.now()));
        if peer_pushes {
            plan = plan.leaving_catch_up_to_push(&local);
        }
        let mut unfinished = plan.fetch.len() > budget.fetches;
        let mut requests: Vec<Request> = plan
            .fetch
            .into_iter()
            .take(budget.fetches)
            .map(|(author, topic, from_seq)| Request::Fetch {
                author,
                topic,
                from_seq,
            })
            .collect();
        // Pushes load entries from the store chunk by chunk, and stop at the budget: a peer
        // that claims to hold nothing gets the first few chunks now and the rest next round.
        let mut pushed = 0usize;
        'feeds: for (author, topic, from_seq) in plan.push {
            let mut from = from_seq;
            loop {
                if pushed >= budget.push_bytes {
                    unfinished = true;
                    break 'feeds;
                }
                let entries = self.store().feed_from(
                    &author,
                    &topic,
                    from,
                    budget.chunk_bytes,
                    budget.chunk_entries,
                )?;
                let Some(last) = entries.last().map(|e| e.entry.seq) else {
                    break;
                };
                let encoded: Vec<Vec<u8>> = entries.iter().map(SignedEntry::encode).collect();
                pushed += encoded.iter().map(Vec::len).sum::<usize>();
                requests.push(Request::Push { entries: encoded });
                from = last + 1;
            }
        }
        Ok((requests, unfinished))
    }

    /// How many entries this node holds that `peer` was last seen to lack, or `None` before the
    /// first round with it.
    pub fn pending_for(&self, peer: &NodeId) -> Option<u64> {
        let theirs = self.peer_heads.get(peer)?;
        let ours = self.shared_heads(peer).ok()?;
        Some(
            ours.iter()
                .map(|mine| {
                    let seen = theirs
                        .iter()
                        .find(|t| t.author == mine.author && t.topic == mine.topic)
                        .map_or(0, |t| t.seq);
                    mine.seq.saturating_sub(seen)
                })
                .sum(),
        )
    }

    /// Heads of every feed held: what a bundle for this node may skip (`--since`).
    pub fn all_heads(&self) -> Result<Vec<FeedPosition>, NodeError> {
        Ok(self
            .store()
            .heads()?
            .into_iter()
            .map(|(author, topic, head)| FeedPosition {
                author,
                topic,
                seq: head.seq,
                head: head.id,
            })
            .collect())
    }

    /// Every entry this node holds past `since` (a receiving node's heads), as a bundle file.
    pub fn export_bundle(&self, since: &[FeedPosition]) -> Result<Vec<u8>, NodeError> {
        let mut entries = Vec::new();
        for (author, topic, _) in self.store().heads()? {
            let from = since
                .iter()
                .find(|p| p.author == author && p.topic == topic)
                .map_or(1, |p| p.seq + 1);
            for entry in self
                .store()
                .feed_from(&author, &topic, from, usize::MAX, usize::MAX)?
            {
                entries.push(entry.encode());
            }
        }
        Ok(fedrec_common::bundle::write_bundle(
            entries.iter().map(Vec::as_slice),
        ))
    }

    /// Verifies and merges a bundle file exactly like entries from the network.
    pub fn import_bundle_file(&mut self, bytes: &[u8]) -> Result<IngestReport, NodeError> {
        let entries = parse_bundle(bytes).map_err(NodeError::BadRequest)?;
        let own = self.id();
        // In chunks the size of a sync message, so a large bundle is not one huge write.
        let mut report = IngestReport::default();
        for chunk in entries.chunks(sync::CHUNK_ENTRIES) {
            let part = self.ingest(&own, chunk.to_vec());
            report.accepted += part.accepted;
            report.duplicates += part.duplicates;
            report.early += part.early;
            report.refused += part.refused;
        }
        Ok(report)
    }
}

pub use fedrec_common::bundle::{BUNDLE_MAGIC, parse_bundle};

/// Decodes and verifies a message's entries ahead of [`Node::ingest_prepared`], without the
/// node: signatures and change parsing are most of intake's checking, and done here they run
/// outside the node's lock, on as many cores as the machine has (in chunks, one thread each),
/// while another message is being taken in.
///
/// A message that creates a record document gets that document built here too, from its
/// verified changes ([`Ahead`]), for a node whose Automerge actor is `actor`: in a ministry
/// taking in the country, applying each new application is the largest share of intake.
/// `memory` keeps what earlier messages showed: the documents built ahead already (a second
/// message creating one of them, the same entries pushed by a peer while this node fetched them
/// from it, is taken the usual way, where its entries are found to be duplicates), and the
/// entries whose bytes passed verification (not verified again; see
/// [`fedrec_common::ingest::Verified::SameBytesPassed`]).
pub fn prepare(entries: &[Vec<u8>], actor: &NodeId, memory: &Remembered) -> PreparedMessage {
    let entries = prepare_entries(entries, &memory.passed);
    let ahead = Ahead::build(&entries, actor, |doc| memory.built.first_time(doc));
    PreparedMessage { entries, ahead }
}

/// What preparing remembers across messages (see [`prepare`]).
pub struct Remembered {
    built: Recent<DocId>,
    passed: Recent<fedrec_common::identity::Hash32>,
}

impl Default for Remembered {
    fn default() -> Self {
        Self {
            // As many documents as a ministry's whole country, several times over; and the
            // entries of a few thousand applications (32 bytes each).
            built: Recent::new(4096),
            passed: Recent::new(65_536),
        }
    }
}

/// The keys most recently noted, at most `capacity` of them, the oldest forgotten first.
struct Recent<T> {
    seen: std::sync::Mutex<(HashSet<T>, VecDeque<T>)>,
    capacity: usize,
}

impl<T: std::hash::Hash + Eq + Clone> Recent<T> {
    fn new(capacity: usize) -> Self {
        Self {
            seen: std::sync::Mutex::default(),
            capacity,
        }
    }

    fn contains(&self, key: &T) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0
            .contains(key)
    }

    /// Whether `key` was not noted before; notes it.
    fn first_time(&self, key: &T) -> bool {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (set, order) = &mut *seen;
        if !set.insert(key.clone()) {
            return false;
        }
        order.push_back(key.clone());
        if order.len() > self.capacity
            && let Some(oldest) = order.pop_front()
        {
            set.remove(&oldest);
        }
        true
    }
}

/// One entry prepared: not verified again if these bytes passed before.
fn prepare_entry(bytes: Vec<u8>, passed: &Recent<fedrec_common::identity::Hash32>) -> Prepared {
    let key = fedrec_common::identity::Hash32::of(&bytes);
    if passed.contains(&key) {
        return Prepared::passed_before(bytes);
    }
    let prepared = Prepared::now(bytes);
    if prepared.passed() {
        passed.first_time(&key);
    }
    prepared
}

fn prepare_entries(
    entries: &[Vec<u8>],
    passed: &Recent<fedrec_common::identity::Hash32>,
) -> Vec<Prepared> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Splitting a small message costs more in thread start-up than it saves.
    if threads == 1 || entries.len() < 32 {
        return entries
            .iter()
            .map(|bytes| prepare_entry(bytes.clone(), passed))
            .collect();
    }
    let chunk = entries.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                let handle = scope.spawn(move || {
                    part.iter()
                        .map(|bytes| prepare_entry(bytes.clone(), passed))
                        .collect::<Vec<_>>()
                });
                (part, handle)
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|(part, handle)| {
                // A preparing thread cannot panic (Automerge runs under catch_unwind); if one
                // did, its entries are left to be checked under the lock, never dropped.
                handle
                    .join()
                    .unwrap_or_else(|_| part.iter().cloned().map(Prepared::later).collect())
            })
            .collect()
    })
}

#[cfg(test)]
#[path = "replicate_tests.rs"]
mod tests;
