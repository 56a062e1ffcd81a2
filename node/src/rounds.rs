//! Bookkeeping of sync rounds per peer, with no I/O: the network loop (`net.rs`) asks it whether
//! to start a round, tells it about every request sent, answered or failed and every step of
//! blocking work finished, and carries out what it answers.
//!
//! Two rules live here:
//! - **Rounds with one peer never overlap.** A round is under way while a request to the peer is
//!   unanswered or a blocking step of the round (computing the digest, taking in an answer) is
//!   still running. Without this, a slow peer is sent the same entries again by every trigger
//!   while it is still taking them in.
//! - **A reason for a round is never lost.** A trigger that arrives while a round is under way
//!   marks the peer *dirty*; when the running round ends, one new round starts, however many
//!   triggers arrived meanwhile. This is the coalescing: a burst of notices costs at most one
//!   round in flight and one queued per peer. (Dropping such a trigger, as the loop once did, left
//!   a fresh submission waiting for the 30-second anti-entropy timer.)

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

/// Per-peer round state. `P` names a peer, `R` a request.
#[derive(Debug)]
pub struct Rounds<P, R> {
    /// Requests sent and not yet answered, with the peer they went to.
    pending: HashMap<R, P>,
    /// Per peer: unanswered requests plus blocking steps still running.
    busy: HashMap<P, u32>,
    /// Peers owed a round once the running one ends.
    dirty: HashSet<P>,
}

impl<P: Copy + Eq + Hash, R: Eq + Hash> Default for Rounds<P, R> {
    fn default() -> Self {
        Self {
            pending: HashMap::new(),
            busy: HashMap::new(),
            dirty: HashSet::new(),
        }
    }
}

impl<P: Copy + Eq + Hash, R: Eq + Hash> Rounds<P, R> {
    /// Whether a round with `peer` is under way.
    pub fn is_busy(&self, peer: &P) -> bool {
        self.busy.get(peer).is_some_and(|n| *n > 0)
    }

    /// Whether `peer` is owed a round.
    pub fn is_dirty(&self, peer: &P) -> bool {
        self.dirty.contains(peer)
    }

    /// A reason for a round with `peer`. Returns true if the caller must start one now (its first
    /// step, the digest, is counted as running); otherwise the peer is marked dirty and the round
    /// starts when the running one ends ([`Rounds::step_done`], [`Rounds::failed`]).
    pub fn want(&mut self, peer: P) -> bool {
        if self.is_busy(&peer) {
            self.dirty.insert(peer);
            return false;
        }
        self.dirty.remove(&peer);
        *self.busy.entry(peer).or_default() += 1;
        true
    }

    /// A request of a round was sent to `peer`.
    pub fn sent(&mut self, request: R, peer: P) {
        self.pending.insert(request, peer);
        *self.busy.entry(peer).or_default() += 1;
    }

    /// The answer to `request` arrived; its blocking step starts now (the request stays counted
    /// until [`Rounds::step_done`]). Returns the peer, or `None` for a request not sent here.
    pub fn answered(&mut self, request: &R) -> Option<P> {
        self.pending.remove(request)
    }

    /// A blocking step with `peer` finished (after the requests it produced were given to
    /// [`Rounds::sent`]). Returns true if the round is over and a new one is owed: the caller
    /// must start it (it is already counted as running).
    pub fn step_done(&mut self, peer: P) -> bool {
        self.release(peer);
        self.restart_if_owed(peer)
    }

    /// A request failed because its connection closed while the peer may still be reached on
    /// another (two nodes that dial each other at once keep one of the two connections): the
    /// round did not happen, so another is owed. As [`Rounds::failed`] otherwise.
    pub fn failed_on_closed_connection(&mut self, request: &R) -> Option<(P, bool)> {
        let peer = *self.pending.get(request)?;
        self.dirty.insert(peer);
        self.failed(request)
    }

    /// A request failed (no answer will come). Returns the peer and whether a new round must start
    /// now, as [`Rounds::step_done`].
    pub fn failed(&mut self, request: &R) -> Option<(P, bool)> {
        let peer = self.pending.remove(request)?;
        self.release(peer);
        Some((peer, self.restart_if_owed(peer)))
    }

    /// The peer is gone: forget what was owed to it. Requests still pending will fail.
    pub fn disconnected(&mut self, peer: &P) {
        self.dirty.remove(peer);
    }

    fn release(&mut self, peer: P) {
        if let Some(count) = self.busy.get_mut(&peer) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.busy.remove(&peer);
            }
        }
    }

    fn restart_if_owed(&mut self, peer: P) -> bool {
        if !self.is_busy(&peer) && self.dirty.remove(&peer) {
            *self.busy.entry(peer).or_default() += 1;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type R = Rounds<u8, u32>;

    /// Runs one round step by step: digest computed, sent, answered, answer taken in with no
    /// further requests. Returns whether the end of the round started another.
    fn finish_round(rounds: &mut R, peer: u8, request: u32) -> bool {
        assert!(
            !rounds.step_done(peer),
            "the digest step ends with a request in flight"
        );
        assert_eq!(rounds.answered(&request), Some(peer));
        rounds.step_done(peer)
    }

    #[test]
    fn an_idle_peer_gets_a_round_at_once() {
        let mut rounds = R::default();
        assert!(rounds.want(1));
        assert!(rounds.is_busy(&1));
    }

    #[test]
    fn a_notice_during_a_round_starts_exactly_one_round_when_it_ends() {
        let mut rounds = R::default();
        assert!(rounds.want(1));
        rounds.sent(10, 1);
        // A burst of notices while the round runs: none starts a round, all are remembered.
        for _ in 0..100 {
            assert!(!rounds.want(1));
        }
        assert!(rounds.is_dirty(&1));
        assert!(finish_round(&mut rounds, 1, 10), "the owed round starts");
        assert!(!rounds.is_dirty(&1));
        rounds.sent(11, 1);
        assert!(
            !finish_round(&mut rounds, 1, 11),
            "one round owed, one round run"
        );
        assert!(!rounds.is_busy(&1));
    }

    #[test]
    fn a_round_is_under_way_until_its_last_step_is_taken_in() {
        let mut rounds = R::default();
        request_out(&mut rounds, 1, 10);
        assert_eq!(rounds.answered(&10), Some(1));
        // The answer is being taken in: still busy, so a notice is deferred, not run alongside.
        assert!(!rounds.want(1));
        // Taking in the answer produced two more requests.
        rounds.sent(11, 1);
        rounds.sent(12, 1);
        assert!(!rounds.step_done(1));
        assert_eq!(rounds.answered(&11), Some(1));
        assert!(!rounds.step_done(1), "request 12 is still out");
        assert_eq!(
            rounds.failed(&12),
            Some((1, true)),
            "then the owed round starts"
        );
    }

    #[test]
    fn peers_are_independent_and_unknown_requests_are_ignored() {
        let mut rounds = R::default();
        assert!(rounds.want(1));
        assert!(rounds.want(2));
        rounds.sent(10, 1);
        assert!(!rounds.want(1));
        assert!(!rounds.is_dirty(&2));
        assert_eq!(rounds.answered(&99), None);
        assert_eq!(rounds.failed(&99), None);
        assert!(!rounds.step_done(1));
        assert!(rounds.is_dirty(&1));
    }

    /// A round with `peer` started, its digest step done, `request` out.
    fn request_out(rounds: &mut R, peer: u8, request: u32) {
        assert!(rounds.want(peer));
        rounds.sent(request, peer);
        assert!(!rounds.step_done(peer));
    }

    #[test]
    fn a_round_cut_by_a_closed_connection_is_owed_again() {
        let mut rounds = R::default();
        request_out(&mut rounds, 1, 10);
        assert_eq!(
            rounds.failed_on_closed_connection(&10),
            Some((1, true)),
            "a new round starts at once"
        );
        assert!(rounds.is_busy(&1));
        assert_eq!(rounds.failed_on_closed_connection(&99), None);
        assert!(!rounds.is_dirty(&99), "an unknown request owes nothing");
    }

    #[test]
    fn a_disconnected_peer_is_owed_nothing() {
        let mut rounds = R::default();
        assert!(rounds.want(1));
        rounds.sent(10, 1);
        assert!(!rounds.want(1));
        rounds.disconnected(&1);
        assert!(!rounds.step_done(1));
        assert_eq!(rounds.failed(&10), Some((1, false)));
        assert!(!rounds.is_busy(&1));
    }
}
