//! The *ingest* scenario: entries per second through the ministry's whole intake against the
//! same run's rate for decoding, `verify_strict` and Automerge apply alone.

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

    // The limit: decode, verify_strict and apply to Automerge in memory, nothing else.
    let mut best_limit = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let mut docs: BTreeMap<DocId, RecordDoc> = BTreeMap::new();
        let actor = ministry.id();
        for bytes in &entries {
            let signed = SignedEntry::decode(bytes)?;
            let change = signed.verify()?;
            if let DocId::Record { .. } = &signed.entry.doc {
                docs.entry(signed.entry.doc.clone())
                    .or_insert_with(|| RecordDoc::empty(&actor))
                    .apply([change])?;
            }
        }
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
        "limit: decode + verify_strict + Automerge apply",
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
