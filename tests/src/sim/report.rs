//! What a run reports: its figures ([`Report`], added up over seeds) or the first broken
//! invariant ([`Violation`]) with the command that replays it.

use std::collections::BTreeMap;
use std::fmt;

use super::Flaw;

/// What one or more runs did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub seeds: u64,
    pub steps: u64,
    /// Events by kind, faults included.
    pub events: BTreeMap<String, u64>,
    pub invariant_checks: u64,
    pub acknowledged_writes: u64,
    pub receipts: u64,
    pub late_receipts: u64,
    /// Final verdicts by kind.
    pub verdicts: BTreeMap<&'static str, u64>,
    /// Entries refused by the ingest checks, by kind.
    pub refused: BTreeMap<&'static str, u64>,
    pub settle_rounds: u64,
}

impl Report {
    pub(crate) fn count(&mut self, event: &str, n: u64) {
        match self.events.get_mut(event) {
            Some(count) => *count += n,
            None => {
                self.events.insert(event.to_string(), n);
            }
        }
    }

    /// Adds another run's figures to these.
    pub fn absorb(&mut self, other: &Report) {
        self.seeds += other.seeds;
        self.steps += other.steps;
        self.invariant_checks += other.invariant_checks;
        self.acknowledged_writes += other.acknowledged_writes;
        self.receipts += other.receipts;
        self.late_receipts += other.late_receipts;
        self.settle_rounds += other.settle_rounds;
        for (event, n) in &other.events {
            self.count(event, *n);
        }
        for (maps, theirs) in [
            (&mut self.verdicts, &other.verdicts),
            (&mut self.refused, &other.refused),
        ] {
            for (key, n) in theirs {
                *maps.entry(key).or_default() += n;
            }
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<K: fmt::Display>(map: &BTreeMap<K, u64>) -> String {
            map.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
        writeln!(
            f,
            "{} seeds, {} steps, {} invariant checks passed",
            self.seeds, self.steps, self.invariant_checks
        )?;
        writeln!(f, "events: {}", list(&self.events))?;
        writeln!(
            f,
            "acknowledged writes {}, receipts {} ({} late), settling rounds {}",
            self.acknowledged_writes, self.receipts, self.late_receipts, self.settle_rounds
        )?;
        writeln!(f, "final verdicts: {}", list(&self.verdicts))?;
        write!(f, "entries refused: {}", list(&self.refused))
    }
}

/// A broken invariant, with what replays it.
#[derive(Debug, Clone)]
pub struct Violation {
    pub seed: u64,
    pub flaw: Option<Flaw>,
    /// The step after which the check failed; `steps + 1` means while settling at the end.
    pub step: u64,
    pub invariant: &'static str,
    pub detail: String,
}

impl Violation {
    pub fn replay_command(&self) -> String {
        let flaw = self
            .flaw
            .map(|f| format!("FEDREC_SIM_FLAW={} ", f.name()))
            .unwrap_or_default();
        format!(
            "{flaw}FEDREC_SIM_SEED={} cargo test -p fedrec-tests --test simulation -- --nocapture",
            self.seed
        )
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {}, step {}: invariant `{}` violated: {}\nreplay: {}",
            self.seed,
            self.step,
            self.invariant,
            self.detail,
            self.replay_command()
        )
    }
}
