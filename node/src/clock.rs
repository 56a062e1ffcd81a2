//! Where a node reads the time: the system clock, or a clock someone else sets.
//!
//! Every time a node writes (a record's edit time, a receipt's time, a quarantine entry's, a
//! roster's issue time) comes from its [`Clock`], read once per operation and passed into the
//! pure core. The daemon uses the system clock; the simulator gives each node a clock it moves
//! itself (and skews), so that one seed replays bit for bit and deadlines fall where it says.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use fedrec_common::timestamp::Timestamp;

#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The machine's clock.
    #[default]
    System,
    /// Milliseconds since the Unix epoch, set by whoever holds the other end.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// A clock that reads `millis` until it is set again.
    pub fn manual(millis: i64) -> (Self, Arc<AtomicI64>) {
        let hand = Arc::new(AtomicI64::new(millis));
        (Clock::Manual(Arc::clone(&hand)), hand)
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => system_now(),
            Clock::Manual(millis) => Timestamp::from_millis(millis.load(Ordering::Relaxed)),
        }
    }
}

/// The system clock's time.
pub fn system_now() -> Timestamp {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp::from_millis(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_reads_what_was_set() {
        let (clock, hand) = Clock::manual(1_000);
        assert_eq!(clock.now(), Timestamp::from_millis(1_000));
        hand.store(2_500, Ordering::Relaxed);
        assert_eq!(clock.clone().now(), Timestamp::from_millis(2_500));
    }

    #[test]
    fn the_system_clock_is_after_2020() {
        assert!(Clock::System.now() > Timestamp::from_millis(1_577_836_800_000));
    }
}
