//! The *ministry-scale* scenario: a ministry holding a whole campaign's realistic records, not
//! synthetic ones: 10,000 full applications (the example application, about 30 KB, each with an
//! edit history of revised long boxes) written by 300 recommenders' own nodes, one of each
//! recommender's applications submitted and receipted. The ministry takes each office's feed
//! through the same intake as the network, then starts as a daemon of its own, and its start-up
//! time and resident memory are measured as in `memory`.

use super::*;

/// Entries per application: its creation and the edits of its long boxes (the submitted one's
/// last entry is its submission).
const ENTRIES_PER_APPLICATION: usize = 6;

pub(super) fn ministry_scale(report: &mut Report, root: &Path, quick: bool) -> anyhow::Result<()> {
    let (recommenders, applications) = if quick { (30, 1_000) } else { (300, 10_000) };
    let (ministry_data, ministry_address) = new_ministry(root)?;
    let mut ministry = open_node(&ministry_data)?;
    let filling = Instant::now();
    let mut index = 0;
    let mut entries_held = 0u64;
    let mut entry_bytes = 0u64;
    for office_index in 0..recommenders {
        let name = format!("r{office_index:03}");
        let count =
            applications / recommenders + usize::from(office_index < applications % recommenders);
        let (office_data, _) = new_office(root, &ministry, &ministry_address, &name, &name, None)?;
        let mut office = open_node(&office_data)?;
        give_roster(&ministry, &office)?;
        for within in 0..count {
            write_record(&mut office, index, ENTRIES_PER_APPLICATION, within == 0)?;
            index += 1;
        }
        let entries = all_entries(&office)?;
        entries_held += entries.len() as u64;
        entry_bytes += entries.iter().map(|e| e.len() as u64).sum::<u64>();
        let taken = ministry.ingest(&office.id(), entries);
        if taken.refused > 0 || taken.refused_changes > 0 || taken.early > 0 {
            bail!("setting up {name}: the ministry took {taken:?}");
        }
        drop(office);
        // The office's own database is not measured; keep the disk small.
        std::fs::remove_dir_all(&office_data)?;
    }
    let receipts = ministry
        .decisions(Some(6))?
        .iter()
        .filter(|row| row.verdict == "accepted")
        .count();
    let record_count = ministry.store().count("records")?;
    drop(ministry);
    if record_count != applications as u64 || receipts != recommenders {
        bail!(
            "setting up: the ministry holds {record_count} records ({applications} written) and \
             {receipts} accepted ({recommenders} submitted)"
        );
    }
    println!(
        "  (filled the ministry with {record_count} applications, {entries_held} entries, {:.0} MB \
         of entries, {receipts} receipted, in {:.0} s)",
        entry_bytes as f64 / 1e6,
        filling.elapsed().as_secs_f64()
    );
    super::memory::measure_ministry(
        report,
        "ministry-scale",
        &ministry_data,
        &format!("{record_count} full applications from {recommenders} recommenders"),
    )
}
