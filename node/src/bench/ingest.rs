//! The *ingest* scenario: entries per second through the ministry's whole intake against the
//! same run's rate for decoding, `verify_strict` and Automerge apply alone.
//!
//! The limit does the pipeline's Automerge work the way the pipeline does it: entries in
//! sync-message chunks, each document's changes queued and applied as one batch, except that an
//! act (a submission or withdrawal, known by its change's message through `acts::classify`, as
//! `intake.rs` knows it) is applied at once with what is queued, so that each transition is seen.
//! Applying entry by entry instead costs many times more (BENCHMARKS.md), and would compare
//! unlike work.

use super::*;

pub(super) fn ingest(report: &mut Report, root: &Path, quick: bool) -> anyhow::Result<()> {
    let (records, edits) = if quick { (4, 50) } else { (20, 50) };
    let Pair {
        ministry,
        office: mut source,
        ..
    } = ministry_and_shanghai(root)?;
    for index in 0..records {
        write_record(&mut source, index, edits, true)?;
    }
    let entries = all_entries(&source)?;
    let entry_bytes: usize = entries.iter().map(Vec::len).sum();
    println!(
        "  workload: {records} applications × {edits} entries = {} entries, {:.1} MB",
        entries.len(),
        entry_bytes as f64 / 1e6
    );

    // The limit: decode, verify_strict and batched Automerge apply in memory, nothing else.
    let mut best_limit = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        limit_pass(&entries, &ministry.id())?;
        best_limit = best_limit.min(started.elapsed());
    }
    let limit_rate = entries.len() as f64 / best_limit.as_secs_f64();

    // The pipeline: the ministry's whole intake, in sync-message-sized chunks.
    let mut ministry = ministry;
    let from = source.id();
    let started = Instant::now();
    let mut accepted = 0u64;
    for chunk in entries.chunks(sync::CHUNK_ENTRIES) {
        let taken = ministry.ingest(&from, chunk.to_vec());
        accepted += u64::from(taken.accepted);
    }
    let pipeline = started.elapsed();
    if accepted != entries.len() as u64 {
        bail!(
            "the ministry accepted {accepted} of {} entries",
            entries.len()
        );
    }
    let receipts = ministry
        .decisions(Some(6))?
        .iter()
        .filter(|row| row.verdict == "accepted")
        .count();
    if receipts != 1 {
        bail!("expected one accepted record (one recommender), found {receipts}");
    }
    let pipeline_rate = entries.len() as f64 / pipeline.as_secs_f64();
    report.add(
        "ingest",
        "limit: decode + verify_strict + batched Automerge apply",
        format!("{limit_rate:.0} entries/s"),
        "(limit, same run)",
        None,
    );
    report.add(
        "ingest",
        "ministry pipeline (+ authorise, RocksDB, receipts)",
        format!("{pipeline_rate:.0} entries/s"),
        "≥ 70 % of the limit",
        None,
    );
    let ratio = pipeline_rate / limit_rate;
    report.add(
        "ingest",
        "pipeline / limit",
        format!("{:.0} %", ratio * 100.0),
        "≥ 70 %",
        Some(ratio >= 0.70),
    );
    Ok(())
}

// --- idle and incremental sync -----------------------------------------------------------------

/// One pass of the limit: every entry decoded and strictly verified, and every record change
/// applied in memory, batched per document and per message as intake batches them.
pub(super) fn limit_pass(
    entries: &[Vec<u8>],
    actor: &fedrec_common::identity::NodeId,
) -> anyhow::Result<()> {
    let mut docs: BTreeMap<DocId, RecordDoc> = BTreeMap::new();
    for chunk in entries.chunks(sync::CHUNK_ENTRIES) {
        let mut queued: BTreeMap<DocId, Vec<automerge::Change>> = BTreeMap::new();
        for bytes in chunk {
            let signed = SignedEntry::decode(bytes)?;
            let change = signed.verify()?;
            let doc = signed.entry.doc;
            if !matches!(doc, DocId::Record { .. }) {
                continue;
            }
            let kind = fedrec_common::acts::classify(
                change.message(),
                !change.deps().is_empty(),
                change.len(),
            )?;
            let transition = matches!(kind, fedrec_common::acts::ChangeKind::Act(_));
            let queue = queued.entry(doc.clone()).or_default();
            queue.push(change);
            if transition {
                let changes = std::mem::take(queue);
                docs.entry(doc)
                    .or_insert_with(|| RecordDoc::empty(actor))
                    .apply(changes)?;
            }
        }
        for (doc, changes) in queued {
            if !changes.is_empty() {
                docs.entry(doc)
                    .or_insert_with(|| RecordDoc::empty(actor))
                    .apply(changes)?;
            }
        }
    }
    Ok(())
}
