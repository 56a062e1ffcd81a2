//! The *idle-sync* and *incremental-sync* scenarios: bytes and round trips of a sync round with
//! nothing new (beside Automerge's own per-document sync) and with k new entries.

use super::*;

/// A small application (the title boxes only) for record `index`: idle sync cost does not
/// depend on what documents hold, and 100,000 full applications would take a long time to make.
fn small_application(index: usize) -> Application {
    let mut application = Application {
        batch: 6,
        ..Application::default()
    };
    application.applicant.name = format!("第{index}继续教育学院");
    application.applicant.credit_code = credit_code(index);
    application
}

/// Signs `count` new small records as `key`'s entries on its recommender's topic, continuing its
/// feed from `seq`/`prev`; returns the entries and each document's saved bytes when `keep_docs`.
pub(super) fn synthetic_records(
    key: &fedrec_common::identity::NodeKey,
    recommender: &RecommenderId,
    first: usize,
    count: usize,
    mut seq: u64,
    mut prev: Option<Hash32>,
) -> anyhow::Result<Vec<SignedEntry>> {
    let topic = Topic::Recommender(recommender.clone());
    let mut entries = Vec::with_capacity(count);
    for index in first..first + count {
        seq += 1;
        let doc = DocId::Record {
            batch: BatchNumber(6),
            recommender: recommender.clone(),
            record: RecordId::derive(&key.id(), &topic, seq),
        };
        let (_, change) = RecordDoc::create(
            &key.id(),
            BatchNumber(6),
            recommender,
            &small_application(index),
            crate::node::now(),
        )?;
        let signed = Entry {
            author: key.id(),
            topic: topic.clone(),
            seq,
            prev,
            doc,
            change: change.raw_bytes().to_vec(),
        }
        .sign(key);
        prev = Some(signed.id());
        entries.push(signed);
    }
    Ok(entries)
}

pub(super) fn idle_sync(report: &mut Report, root: &Path, quick: bool) -> anyhow::Result<()> {
    let sizes: &[usize] = if quick {
        &[10, 1_000]
    } else {
        &[10, 1_000, 10_000, 100_000]
    };
    let Pair {
        mut ministry,
        mut office,
        office_data,
        ..
    } = ministry_and_shanghai(root)?;
    let key = daemon::key_from(&office_data)?;
    let recommender: RecommenderId = "shanghai".parse()?;
    let mut held = 0usize;
    let mut prev = None;
    let mut fedrec_bytes = Vec::new();
    for &size in sizes {
        // Grow both nodes to `size` records (the office's own entries, taken in by both).
        let started = Instant::now();
        while held < size {
            let count = (size - held).min(sync::CHUNK_ENTRIES);
            let entries = synthetic_records(&key, &recommender, held, count, held as u64, prev)?;
            prev = entries.last().map(SignedEntry::id);
            let encoded: Vec<Vec<u8>> = entries.iter().map(SignedEntry::encode).collect();
            let own = office.id();
            for node in [&mut office, &mut ministry] {
                let taken = node.ingest(&own, encoded.clone());
                if taken.accepted as usize != count {
                    bail!("setting up: {} of {count} entries taken", taken.accepted);
                }
            }
            held += count;
        }
        let setup = started.elapsed();
        // One settling exchange, then the measured idle round.
        exchange(&mut office, &mut ministry)?;
        let idle = exchange(&mut office, &mut ministry)?;
        fedrec_bytes.push(idle.bytes);
        report.add(
            "idle-sync",
            format!("fedrec, {size} records: one round"),
            format!("{} B, {} RT", idle.bytes, idle.round_trips),
            "1 RT, ≤ 512 B, constant",
            Some(idle.round_trips == 1 && idle.bytes <= 512),
        );
        let (fresh, live) = automerge_idle_sync(&office, size)?;
        report.add(
            "idle-sync",
            format!("Automerge sync, {size} docs, fresh connection"),
            format!("{} B, {} RT", fresh.bytes, fresh.round_trips),
            "(comparison)",
            None,
        );
        report.add(
            "idle-sync",
            format!("Automerge sync, {size} docs, live connection"),
            format!("{} B, {} RT", live.bytes, live.round_trips),
            "(comparison)",
            None,
        );
        println!(
            "  (setting up {size} records took {:.1} s)",
            setup.as_secs_f64()
        );
    }
    let constant = fedrec_bytes.windows(2).all(|w| w[0] == w[1]);
    report.add(
        "idle-sync",
        "fedrec idle round independent of size",
        if constant { "yes" } else { "no" },
        "constant",
        Some(constant),
    );
    Ok(())
}

/// Automerge's own sync protocol run per document between two up-to-date copies, in its two
/// honest configurations: a *fresh* connection (new sync states, as after a reconnect or a
/// restart: the states are not persisted across them) and a *live* one (the states kept from a
/// previous exchange on the same connection). Bytes of every message, and the alternations of
/// the slowest document (documents sync concurrently).
fn automerge_idle_sync(node: &Node, docs: usize) -> anyhow::Result<(Exchange, Exchange)> {
    let (mut fresh, mut live) = (Exchange::default(), Exchange::default());
    let records = node.store().records()?;
    for summary in records.iter().take(docs) {
        let Some(bytes) = node.store().snapshot(&summary.doc.to_string())? else {
            continue;
        };
        let mut a = automerge::AutoCommit::load(&bytes)?;
        let mut b = automerge::AutoCommit::load(&bytes)?;
        let mut states = (automerge::sync::State::new(), automerge::sync::State::new());
        let one = automerge_exchange(&mut a, &mut b, &mut states)?;
        add_document(&mut fresh, one);
        let again = automerge_exchange(&mut a, &mut b, &mut states)?;
        add_document(&mut live, again);
    }
    Ok((fresh, live))
}

/// Adds one document's exchange to a total: bytes and frames add up, round trips are those of
/// the slowest document.
fn add_document(total: &mut Exchange, one: Exchange) {
    total.bytes += one.bytes;
    total.frames += one.frames;
    total.round_trips = total.round_trips.max(one.round_trips);
}

/// Runs Automerge's sync protocol between `a` and `b` until neither has anything to say,
/// counting every encoded message.
fn automerge_exchange(
    a: &mut automerge::AutoCommit,
    b: &mut automerge::AutoCommit,
    (state_a, state_b): &mut (automerge::sync::State, automerge::sync::State),
) -> anyhow::Result<Exchange> {
    let mut stats = Exchange::default();
    loop {
        let mut quiet = true;
        if let Some(message) = a.sync().generate_sync_message(state_a) {
            let encoded = message.encode();
            stats.bytes += encoded.len() as u64;
            stats.frames += 1;
            b.sync()
                .receive_sync_message(state_b, automerge::sync::Message::decode(&encoded)?)?;
            quiet = false;
        }
        if let Some(message) = b.sync().generate_sync_message(state_b) {
            let encoded = message.encode();
            stats.bytes += encoded.len() as u64;
            stats.frames += 1;
            a.sync()
                .receive_sync_message(state_a, automerge::sync::Message::decode(&encoded)?)?;
            quiet = false;
        }
        if quiet {
            break;
        }
        stats.round_trips += 1;
    }
    Ok(stats)
}

pub(super) fn incremental_sync(report: &mut Report, root: &Path) -> anyhow::Result<()> {
    let Pair {
        mut ministry,
        mut office,
        ..
    } = ministry_and_shanghai(root)?;
    let record = write_record(&mut office, 0, 3, false)?;
    exchange(&mut office, &mut ministry)?;
    let doc = office
        .store()
        .record(&record)?
        .context("the record's summary")?
        .doc
        .to_string();
    let snapshot = |node: &Node| -> anyhow::Result<automerge::AutoCommit> {
        let bytes = node
            .store()
            .snapshot(&doc)?
            .context("the record's snapshot")?;
        Ok(automerge::AutoCommit::load(&bytes)?)
    };
    // Automerge's side: the ministry's copy with sync states kept from a first exchange (the
    // live connection), updated after each step like the ministry itself.
    let mut am_ministry = snapshot(&ministry)?;
    let mut am_states = (automerge::sync::State::new(), automerge::sync::State::new());
    automerge_exchange(&mut snapshot(&office)?, &mut am_ministry, &mut am_states)?;
    let own = office.id();
    let topic = Topic::Recommender("shanghai".parse()?);
    let mut edit = 0;
    for k in [1usize, 10, 100] {
        let before = office.store().head(&own, &topic)?.map_or(0, |h| h.seq);
        for _ in 0..k {
            edit += 1;
            let mut set = BTreeMap::new();
            set.insert(
                "plan.targets".to_string(),
                format!("绩效目标第{edit}稿：年培训专业技术人员不少于一万人次。"),
            );
            office.edit_record(
                &record,
                EditRequest {
                    application: None,
                    set,
                },
            )?;
        }
        let new_entries: u64 = office
            .store()
            .feed_from(&own, &topic, before + 1, usize::MAX, usize::MAX)?
            .iter()
            .map(|e| e.encode().len() as u64)
            .sum();
        let mut am_office = snapshot(&office)?;
        let mut am_fresh_ministry = am_ministry.clone();
        let fresh = automerge_exchange(
            &mut am_office.clone(),
            &mut am_fresh_ministry,
            &mut (automerge::sync::State::new(), automerge::sync::State::new()),
        )?;
        let live = automerge_exchange(&mut am_office, &mut am_ministry, &mut am_states)?;
        let round = exchange(&mut office, &mut ministry)?;
        let allowed = new_entries as f64 * 1.1 + 1024.0;
        report.add(
            "incremental-sync",
            format!("{k} new entries ({new_entries} B of entries)"),
            format!("{} B, {} RT", round.bytes, round.round_trips),
            format!("≤ 1.1 × entries + 1 KiB = {allowed:.0} B"),
            Some(round.bytes as f64 <= allowed),
        );
        for (connection, am) in [("fresh", fresh), ("live", live)] {
            report.add(
                "incremental-sync",
                format!("Automerge sync, {k} new changes, {connection} connection"),
                format!("{} B, {} RT", am.bytes, am.round_trips),
                "(comparison)",
                None,
            );
        }
    }
    Ok(())
}

// --- catch-up and country: whole daemons on loopback ----------------------------------------
