//! Per-peer request budget: a token bucket per roster peer, refilled at a steady rate. The
//! network loop asks it before each inbound request is given to the node; a request over the
//! budget is answered `Refused` at once, with no database work and no blocking task, and
//! counted (`fedrec_sync_requests_limited_total`). Pure bookkeeping: the caller passes the time.
//!
//! Only roster peers reach it (strangers are gated first), so it holds at most one bucket per
//! roster key. A bucket outlives its peer's connections: reconnecting does not refill it.
//!
//! [`Strikes`] counts what a peer was refused, and says when it has earned a backoff.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// One peer's bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets of every peer that sent a request.
#[derive(Debug)]
pub struct PeerBudgets<P> {
    burst: f64,
    per_sec: f64,
    buckets: HashMap<P, Bucket>,
}

impl<P: Copy + Eq + Hash> PeerBudgets<P> {
    /// `burst` requests at once, then `per_sec` a second.
    pub fn new(burst: u32, per_sec: u32) -> Self {
        Self {
            burst: f64::from(burst),
            per_sec: f64::from(per_sec),
            buckets: HashMap::new(),
        }
    }

    /// Whether `peer` may make one more request at `now` (and takes it from its budget).
    pub fn admit(&mut self, peer: P, now: Instant) -> bool {
        let bucket = self.buckets.entry(peer).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_sec).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// How long a peer's refusals count against it.
const STRIKE_WINDOW: Duration = Duration::from_secs(60);
/// How long after its last backoff a peer's next one starts again from the first length.
const FORGIVEN_AFTER: Duration = Duration::from_secs(3_600);
/// The longest backoff, as a multiple of the first.
const MAX_BACKOFF_DOUBLINGS: u32 = 6;

/// One peer's refusals in the current window, and its backoff history.
#[derive(Debug, Clone, Copy)]
struct Record {
    window_start: Instant,
    refusals: u64,
    backoffs: u32,
    last_backoff: Option<Instant>,
}

/// Refusals per peer: a peer that earns too many within a minute (requests over its rate,
/// entries refused as invalid) is to be disconnected and kept away for a while, twice as long
/// each time it comes back and does it again within the hour. Pure bookkeeping, like
/// [`PeerBudgets`].
#[derive(Debug)]
pub struct Strikes<P> {
    allowed: u64,
    first_backoff: Duration,
    records: HashMap<P, Record>,
}

impl<P: Copy + Eq + Hash> Strikes<P> {
    /// `allowed` refusals a minute, then a backoff of `first_backoff`, doubling.
    pub fn new(allowed: u32, first_backoff: Duration) -> Self {
        Self {
            allowed: u64::from(allowed),
            first_backoff,
            records: HashMap::new(),
        }
    }

    /// Counts `refusals` more against `peer` at `now`; returns how long to keep it away when
    /// that takes it over the allowance (and starts its count again).
    pub fn refused(&mut self, peer: P, refusals: u64, now: Instant) -> Option<Duration> {
        let record = self.records.entry(peer).or_insert(Record {
            window_start: now,
            refusals: 0,
            backoffs: 0,
            last_backoff: None,
        });
        if now.saturating_duration_since(record.window_start) >= STRIKE_WINDOW {
            record.window_start = now;
            record.refusals = 0;
        }
        record.refusals = record.refusals.saturating_add(refusals);
        if record.refusals <= self.allowed {
            return None;
        }
        let forgiven = record
            .last_backoff
            .is_none_or(|at| now.saturating_duration_since(at) >= FORGIVEN_AFTER);
        if forgiven {
            record.backoffs = 0;
        }
        let backoff = self.first_backoff * (1 << record.backoffs.min(MAX_BACKOFF_DOUBLINGS));
        record.backoffs = record.backoffs.saturating_add(1);
        record.last_backoff = Some(now);
        record.window_start = now;
        record.refusals = 0;
        Some(backoff)
    }
}

/// What the loop does with one inbound request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Within the peer's budget: work on it.
    Admitted,
    /// Over its rate: answer `Refused` without work.
    OverRate,
    /// Over its rate, and that refusal took it over its allowance: disconnect it and keep it
    /// away this long.
    BackOff(Duration),
}

/// A peer's request budget and its refusal count together, as the network loop keeps them.
#[derive(Debug)]
pub struct Policing<P> {
    budgets: PeerBudgets<P>,
    strikes: Strikes<P>,
}

impl<P: Copy + Eq + Hash> Policing<P> {
    pub fn new(budgets: PeerBudgets<P>, strikes: Strikes<P>) -> Self {
        Self { budgets, strikes }
    }

    /// Decides one inbound request of `peer` at `now`; a request over the rate is a refusal.
    pub fn admit(&mut self, peer: P, now: Instant) -> Admission {
        if self.budgets.admit(peer, now) {
            return Admission::Admitted;
        }
        match self.strikes.refused(peer, 1, now) {
            Some(backoff) => Admission::BackOff(backoff),
            None => Admission::OverRate,
        }
    }

    /// Counts `entries` of `peer`'s refused as invalid; `Some` is a backoff it has earned.
    pub fn entries_refused(&mut self, peer: P, entries: u64, now: Instant) -> Option<Duration> {
        self.strikes.refused(peer, entries, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_steady_rate() {
        let mut budgets = PeerBudgets::new(10, 5);
        let start = Instant::now();
        let admitted = (0..100).filter(|_| budgets.admit(1, start)).count();
        assert_eq!(admitted, 10);
        // Two seconds later: ten more, not a hundred.
        let later = start + Duration::from_secs(2);
        let admitted = (0..100).filter(|_| budgets.admit(1, later)).count();
        assert_eq!(admitted, 10);
        // Another peer has its own budget.
        assert!(budgets.admit(2, later));
        // The budget never grows past the burst, however long a peer was quiet.
        let much_later = later + Duration::from_secs(3_600);
        let admitted = (0..100).filter(|_| budgets.admit(1, much_later)).count();
        assert_eq!(admitted, 10);
    }

    #[test]
    fn requests_over_the_rate_count_as_refusals() {
        let mut policing = Policing::new(
            PeerBudgets::new(10, 1),
            Strikes::new(5, Duration::from_secs(30)),
        );
        let now = Instant::now();
        let answers: Vec<Admission> = (0..20).map(|_| policing.admit(7, now)).collect();
        assert!(answers[..10].iter().all(|a| *a == Admission::Admitted));
        assert!(answers[10..15].iter().all(|a| *a == Admission::OverRate));
        assert_eq!(answers[15], Admission::BackOff(Duration::from_secs(30)));
        // Refused entries count the same way.
        assert_eq!(policing.entries_refused(8, 5, now), None);
        assert_eq!(
            policing.entries_refused(8, 1, now),
            Some(Duration::from_secs(30))
        );
    }

    #[test]
    fn too_many_refusals_in_a_minute_back_a_peer_off_longer_each_time() {
        let mut strikes = Strikes::new(100, Duration::from_secs(60));
        let start = Instant::now();
        // 100 refusals in a minute are allowed; another peer's do not count.
        assert_eq!(strikes.refused(1, 100, start), None);
        assert_eq!(strikes.refused(2, 100, start), None);
        assert_eq!(
            strikes.refused(1, 1, start + Duration::from_secs(10)),
            Some(Duration::from_secs(60))
        );
        // Refusals spread over minutes never add up to a backoff.
        let later = start + Duration::from_secs(200);
        for minute in 0..10 {
            let at = later + Duration::from_secs(61 * minute);
            assert_eq!(strikes.refused(2, 100, at), None);
        }
        // Back within the hour and at it again: twice as long, then four times.
        let again = start + Duration::from_secs(600);
        assert_eq!(
            strikes.refused(1, 101, again),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            strikes.refused(1, 101, again + Duration::from_secs(300)),
            Some(Duration::from_secs(240))
        );
        // The longest is 64 times the first.
        let mut at = again + Duration::from_secs(600);
        let mut longest = Duration::ZERO;
        for _ in 0..20 {
            at += Duration::from_secs(60);
            if let Some(backoff) = strikes.refused(1, 101, at) {
                longest = longest.max(backoff);
            }
        }
        assert_eq!(longest, Duration::from_secs(60 * 64));
        // An hour of good behaviour, and the next starts from the first length again.
        assert_eq!(
            strikes.refused(1, 101, at + Duration::from_secs(3_600)),
            Some(Duration::from_secs(60))
        );
    }
}
