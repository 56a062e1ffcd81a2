//! Counters for operators, served at `/metrics` in the Prometheus text format together with
//! RocksDB's sizes per column family.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use fedrec_common::ingest::RefusalKind;

#[derive(Debug, Default)]
pub struct Metrics {
    pub entries_written: AtomicU64,
    pub verification_failures: AtomicU64,
    pub api_requests: AtomicU64,
    pub api_client_errors: AtomicU64,
    pub api_server_errors: AtomicU64,
    pub api_latency_micros: AtomicU64,
    pub peers_gated: AtomicU64,
    /// Incoming connections refused because a connection limit was reached.
    pub connections_limited: AtomicU64,
    pub requests_limited: AtomicU64,
    /// Roster peers disconnected and kept away for a while for earning too many refusals.
    pub peers_backed_off: AtomicU64,
    pub sync_rounds: AtomicU64,
    pub entries_received: AtomicU64,
    /// Entries received that the node held already (sent by two peers, or pushed by a peer
    /// while it was fetched from it).
    pub entries_duplicate: AtomicU64,
    /// New record documents built ahead of intake, off the node's lock, and taken by intake;
    /// and those built but not taken (intake applied other changes, so did the work again).
    pub built_ahead: AtomicU64,
    pub built_ahead_unused: AtomicU64,
    /// Sync frames that could not be read or decoded, from any peer.
    pub bad_frames: AtomicU64,
    /// Sync frames (length prefix included) read and written, and their count.
    pub sync_bytes_received: AtomicU64,
    pub sync_bytes_sent: AtomicU64,
    pub sync_frames_received: AtomicU64,
    pub sync_frames_sent: AtomicU64,
    refusals: [AtomicU64; RefusalKind::ALL.len()],
}

const REFUSAL_KINDS: [RefusalKind; RefusalKind::ALL.len()] = RefusalKind::ALL;

impl Metrics {
    pub fn count_refusal(&self, kind: RefusalKind) {
        if let Some(index) = REFUSAL_KINDS.iter().position(|k| *k == kind) {
            self.refusals[index].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Entries refused so far, by kind (the kinds with none left out).
    pub fn refusal_counts(&self) -> Vec<(RefusalKind, u64)> {
        REFUSAL_KINDS
            .iter()
            .zip(&self.refusals)
            .map(|(kind, count)| (*kind, count.load(Ordering::Relaxed)))
            .filter(|(_, count)| *count > 0)
            .collect()
    }

    pub fn observe_request(&self, status: u16, micros: u64) {
        self.api_requests.fetch_add(1, Ordering::Relaxed);
        self.api_latency_micros.fetch_add(micros, Ordering::Relaxed);
        match status {
            400..=499 => self.api_client_errors.fetch_add(1, Ordering::Relaxed),
            500..=599 => self.api_server_errors.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
    }

    /// The exposition text, with `sizes` as (column family, bytes).
    /// `quarantine` is (items kept, bytes kept, items dropped to stay within its limits).
    pub fn render(&self, sizes: &[(&str, u64)], quarantine: (u64, u64, u64)) -> String {
        let (quarantined, quarantined_bytes, quarantine_dropped) = quarantine;
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        counter(
            &mut out,
            "fedrec_entries_written_total",
            "Signed entries this node wrote.",
            load(&self.entries_written),
        );
        counter(
            &mut out,
            "fedrec_verification_failures_total",
            "Entries refused by verification.",
            load(&self.verification_failures),
        );
        counter(
            &mut out,
            "fedrec_api_requests_total",
            "API requests answered.",
            load(&self.api_requests),
        );
        counter(
            &mut out,
            "fedrec_api_client_errors_total",
            "API requests answered 4xx.",
            load(&self.api_client_errors),
        );
        counter(
            &mut out,
            "fedrec_api_server_errors_total",
            "API requests answered 5xx.",
            load(&self.api_server_errors),
        );
        counter(
            &mut out,
            "fedrec_peers_gated_total",
            "Connections from peers outside the roster, refused or closed.",
            load(&self.peers_gated),
        );
        counter(
            &mut out,
            "fedrec_connections_limited_total",
            "Incoming connections refused because a connection limit was reached.",
            load(&self.connections_limited),
        );
        counter(
            &mut out,
            "fedrec_sync_requests_limited_total",
            "Sync requests refused because their peer was over its request rate.",
            load(&self.requests_limited),
        );
        counter(
            &mut out,
            "fedrec_peers_backed_off_total",
            "Roster peers disconnected and kept away for a while for sending refused input.",
            load(&self.peers_backed_off),
        );
        counter(
            &mut out,
            "fedrec_sync_rounds_total",
            "Sync rounds started.",
            load(&self.sync_rounds),
        );
        counter(
            &mut out,
            "fedrec_sync_bytes_sent_total",
            "Bytes of sync frames written, length prefixes included.",
            load(&self.sync_bytes_sent),
        );
        counter(
            &mut out,
            "fedrec_sync_bytes_received_total",
            "Bytes of sync frames read, length prefixes included.",
            load(&self.sync_bytes_received),
        );
        counter(
            &mut out,
            "fedrec_sync_frames_sent_total",
            "Sync frames written (requests and responses).",
            load(&self.sync_frames_sent),
        );
        counter(
            &mut out,
            "fedrec_sync_frames_received_total",
            "Sync frames read (requests and responses).",
            load(&self.sync_frames_received),
        );
        counter(
            &mut out,
            "fedrec_bad_frames_total",
            "Sync messages that failed to arrive whole or to decode.",
            load(&self.bad_frames),
        );
        counter(
            &mut out,
            "fedrec_entries_received_total",
            "Entries from other nodes accepted.",
            load(&self.entries_received),
        );
        counter(
            &mut out,
            "fedrec_entries_duplicate_total",
            "Entries from other nodes that this node held already.",
            load(&self.entries_duplicate),
        );
        counter(
            &mut out,
            "fedrec_built_ahead_total",
            "New record documents built off the node's lock before intake and taken by it.",
            load(&self.built_ahead),
        );
        counter(
            &mut out,
            "fedrec_built_ahead_unused_total",
            "New record documents built before intake that intake could not take.",
            load(&self.built_ahead_unused),
        );
        let _ = writeln!(
            out,
            "# HELP fedrec_entries_refused_total Entries from other nodes refused, by reason.\n# TYPE fedrec_entries_refused_total counter"
        );
        for (kind, count) in REFUSAL_KINDS.iter().zip(&self.refusals) {
            let _ = writeln!(
                out,
                "fedrec_entries_refused_total{{reason=\"{}\"}} {}",
                kind.key(),
                load(count)
            );
        }
        let seconds = load(&self.api_latency_micros) as f64 / 1e6;
        let _ = writeln!(
            out,
            "# HELP fedrec_api_request_seconds Time spent answering API requests.\n# TYPE fedrec_api_request_seconds summary\nfedrec_api_request_seconds_sum {seconds}\nfedrec_api_request_seconds_count {}",
            load(&self.api_requests)
        );
        let _ = writeln!(
            out,
            "# HELP fedrec_quarantined_entries Refused input kept as evidence.\n# TYPE fedrec_quarantined_entries gauge\nfedrec_quarantined_entries {quarantined}"
        );
        let _ = writeln!(
            out,
            "# HELP fedrec_quarantined_bytes Bytes of refused input kept.\n# TYPE fedrec_quarantined_bytes gauge\nfedrec_quarantined_bytes {quarantined_bytes}"
        );
        counter(
            &mut out,
            "fedrec_quarantine_dropped_total",
            "Refused items not kept, or dropped oldest first, to stay within the quarantine's limits.",
            quarantine_dropped,
        );
        let _ = writeln!(
            out,
            "# HELP fedrec_rocksdb_bytes Bytes per column family (SST files and memtables).\n# TYPE fedrec_rocksdb_bytes gauge"
        );
        for (family, bytes) in sizes {
            let _ = writeln!(out, "fedrec_rocksdb_bytes{{cf=\"{family}\"}} {bytes}");
        }
        out
    }
}
