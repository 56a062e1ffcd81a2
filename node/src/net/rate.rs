//! Per-peer request budget: a token bucket per roster peer, refilled at a steady rate. The
//! network loop asks it before each inbound request is given to the node; a request over the
//! budget is answered `Refused` at once, with no database work and no blocking task, and
//! counted (`fedrec_sync_requests_limited_total`). Pure bookkeeping: the caller passes the time.
//!
//! Only roster peers reach it (strangers are gated first), so it holds at most one bucket per
//! roster key. A bucket outlives its peer's connections: reconnecting does not refill it.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Instant;

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
}
