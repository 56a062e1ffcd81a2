//! The *catch-up* and *country* scenarios: whole daemons with their libp2p networks on
//! loopback, in this process, except the country's ministry, which runs as a child process so
//! that its figures are its own.

use super::*;

/// Starts daemons for `dirs` inside `runtime`.
pub(super) fn start_daemons(
    runtime: &tokio::runtime::Runtime,
    dirs: &[PathBuf],
) -> anyhow::Result<Vec<daemon::RunningNode>> {
    dirs.iter()
        .map(|data| {
            runtime
                .block_on(daemon::start(data, &Overrides::default(), false))
                .with_context(|| format!("starting {}", data.display()))
        })
        .collect()
}

pub(super) fn stop_daemons(runtime: &tokio::runtime::Runtime, nodes: Vec<daemon::RunningNode>) {
    for node in nodes {
        let _ = runtime.block_on(node.stop());
    }
}

pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()?)
}

pub(super) fn catch_up(report: &mut Report, root: &Path, quick: bool) -> anyhow::Result<()> {
    let (records, edits) = if quick { (4, 50) } else { (20, 50) };
    let (ministry_data, ministry_address) = new_ministry(root)?;
    let ministry = open_node(&ministry_data)?;
    let (hq_data, hq_address) = new_office(
        root,
        &ministry,
        &ministry_address,
        "shanghai",
        "shanghai",
        None,
    )?;
    let (field_data, _) = new_office(
        root,
        &ministry,
        &ministry_address,
        "pudong",
        "shanghai",
        Some(&hq_address),
    )?;
    let hq = open_node(&hq_data)?;
    let mut field = open_node(&field_data)?;
    give_roster(&ministry, &hq)?;
    give_roster(&ministry, &field)?;
    for index in 0..records {
        write_record(&mut field, index, edits, false)?;
    }
    let field_id = field.id();
    let field_heads = field.all_heads()?;
    let offline_entries: u64 = field_heads
        .iter()
        .filter(|p| p.author == field_id)
        .map(|p| p.seq)
        .sum();
    drop((ministry, hq, field));

    // The HQ is up; the field office reconnects, and pushes its offline work to the HQ.
    let runtime = runtime()?;
    let mut nodes = start_daemons(&runtime, &[hq_data])?;
    let started = Instant::now();
    nodes.extend(start_daemons(&runtime, &[field_data])?);
    let hq_state = Arc::clone(&nodes[0].state);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let held: u64 = {
            let node = hq_state.node.lock().unwrap_or_else(|e| e.into_inner());
            field_heads
                .iter()
                .filter(|p| p.author == field_id)
                .map(|p| {
                    node.store()
                        .head(&p.author, &p.topic)
                        .ok()
                        .flatten()
                        .map_or(0, |h| h.seq)
                })
                .sum()
        };
        if held >= offline_entries {
            break;
        }
        if Instant::now() > deadline {
            bail!("the HQ holds {held} of {offline_entries} entries after 120 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = started.elapsed();
    stop_daemons(&runtime, nodes);
    report.add(
        "catch-up",
        format!("field office reconnects with {offline_entries} offline edits"),
        format!("{:.2} s", took.as_secs_f64()),
        "≤ 2 s",
        Some(took <= Duration::from_secs(2)),
    );
    Ok(())
}

pub(super) fn country(report: &mut Report, root: &Path, quick: bool) -> anyhow::Result<()> {
    let recommenders = if quick { 30 } else { 300 };
    let edits = 50;
    let (ministry_data, ministry_address) = new_ministry(root)?;
    let ministry = open_node(&ministry_data)?;
    let prepared = Instant::now();
    let mut dirs = Vec::new();
    let mut addresses = Vec::new();
    for index in 0..recommenders {
        let name = format!("r{index:03}");
        let (data, address) = new_office(root, &ministry, &ministry_address, &name, &name, None)?;
        dirs.push(data);
        addresses.push(address);
    }
    // The ministry comes online after the offices and dials every one of them at once, as an
    // operator would configure it; so all offices start syncing together, whatever the time
    // their own start-up took.
    let config_path = ministry_data.join(daemon::CONFIG_FILE);
    let config = std::fs::read_to_string(&config_path)?;
    let peers = addresses
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        &config_path,
        config.replace("peers = []", &format!("peers = [{peers}]")),
    )?;
    let bundle_roster = ministry.roster_bundle()?;
    let mut application_bytes = 0u64;
    // The floor: each office's entries decoded, strictly verified and applied to their
    // documents in memory the way intake batches them (the ingest scenario's limit), on one
    // core with nothing else running. Every verdict needs that work done somewhere on this
    // machine, and the offices' own CPU shares the same cores, so the run cannot take less than
    // their sum over the cores. Timed here, before anything runs, where it is cheapest: after
    // the run, in a process holding 300 nodes, the same passes took 20–50 % longer.
    let mut floor_cpu = 0.0;
    let ministry_id = ministry.id();
    for (index, data) in dirs.iter().enumerate() {
        let mut node = open_node(data)?;
        node.import_bundle(ministry.roster_bundle()?)?;
        write_record(&mut node, index, edits, true)?;
        let entries = all_entries(&node)?;
        if index == 0 {
            application_bytes = entries.iter().map(|e| e.len() as u64).sum();
        }
        let pass_started = super::memory::this_thread_cpu_seconds();
        super::ingest::limit_pass(&entries, &ministry_id)?;
        floor_cpu += super::memory::this_thread_cpu_seconds() - pass_started;
    }
    drop(bundle_roster);
    drop(ministry);
    println!(
        "  prepared {recommenders} offices × {edits} entries ({:.0} KB of entries each) in {:.0} s",
        application_bytes as f64 / 1e3,
        prepared.elapsed().as_secs_f64()
    );

    let runtime = runtime()?;
    let offices_started = Instant::now();
    let nodes = start_daemons(&runtime, &dirs)?;
    let all_started = offices_started.elapsed();
    let offices: Vec<(Arc<crate::api::Api>, Topic)> = nodes
        .iter()
        .zip(0..recommenders)
        .map(|(node, index)| {
            let recommender: RecommenderId = format!("r{index:03}").parse()?;
            Ok((Arc::clone(&node.state), Topic::Recommender(recommender)))
        })
        .collect::<anyhow::Result<_>>()?;
    // The ministry runs in a process of its own, as it would on its own machine; the clock starts
    // when it is spawned, so its start-up is counted.
    let started = Instant::now();
    let offices_cpu_before = super::memory::cpu_seconds(std::process::id()).unwrap_or(0.0);
    let polling_cpu_before = super::memory::this_thread_cpu_seconds();
    let (ministry, _) = super::memory::spawn_fedrec(&ministry_data, &[])?;
    // For profiling: `perf record -p PID` on the ministry alone.
    println!("  (ministry process {})", ministry.id());
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut waiting: Vec<usize> = (0..recommenders).collect();
    // When each office first held an entry of the ministry's, and when it held its verdict.
    let mut first_contact: Vec<Option<Duration>> = vec![None; recommenders];
    // How many entries each office had taken in when it was last looked at: it is looked at
    // again (its lock, the ministry's head, its decisions) only once that count has moved, since
    // a verdict reaches an office only in an entry it takes in. The count is an atomic beside
    // the node, read without its lock: the polling shares the two cores with the nodes it
    // watches, and taking 300 locks and reading 300 heads every 20 ms cost about 0.5 s of CPU.
    let mut received_read: Vec<Option<u64>> = vec![None; recommenders];
    let mut verdict_at: Vec<Duration> = Vec::new();
    let mut last_office = None;
    while !waiting.is_empty() {
        if Instant::now() > deadline {
            super::memory::stop_child(ministry);
            bail!(
                "{} of {recommenders} offices had their verdict after 300 s",
                recommenders - waiting.len()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
        // An office has its verdict once the ministry's feed for its topic reached it (a cheap
        // head read) and its decisions table shows the verdict.
        waiting.retain(|&index| {
            let (state, topic) = &offices[index];
            let received = state
                .metrics
                .entries_received
                .load(std::sync::atomic::Ordering::Acquire);
            if received_read[index] == Some(received) {
                return true;
            }
            received_read[index] = Some(received);
            let node = state.node.lock().unwrap_or_else(|e| e.into_inner());
            let head = node
                .store()
                .head(&ministry_id, topic)
                .ok()
                .flatten()
                .map(|head| head.seq);
            if head.is_some() && first_contact[index].is_none() {
                first_contact[index] = Some(started.elapsed());
            }
            let done = head.is_some()
                && node
                    .decisions(Some(6))
                    .is_ok_and(|rows| rows.iter().any(|r| r.verdict == "accepted"));
            if done {
                verdict_at.push(started.elapsed());
                last_office = Some((index, node.id()));
            }
            !done
        });
    }
    let mut contact: Vec<Duration> = first_contact.into_iter().flatten().collect();
    contact.sort();
    let spread = |times: &[Duration]| {
        let at = |share: usize| times[(times.len() * share / 100).min(times.len() - 1)];
        format!(
            "{:.1} / {:.1} / {:.1} s",
            at(50).as_secs_f64(),
            at(90).as_secs_f64(),
            at(100).as_secs_f64()
        )
    };
    let (contact_spread, verdict_spread) = (spread(&contact), spread(&verdict_at));
    if let Some((index, key)) = last_office {
        // For reading the ministry's log (FEDREC_BENCH_LOG): it names peers by key.
        println!("  (the last office: r{index:03}, key {})", key.short());
    }
    let took = started.elapsed();
    let ministry_cpu = super::memory::cpu_seconds(ministry.id()).unwrap_or(0.0);
    // The polling above runs on this thread: its CPU is the benchmark's, not the offices'.
    let polling_cpu = super::memory::this_thread_cpu_seconds() - polling_cpu_before;
    let offices_cpu = super::memory::cpu_seconds(std::process::id()).unwrap_or(0.0)
        - offices_cpu_before
        - polling_cpu;
    let ministry_rss = super::memory::rss_bytes(ministry.id()).unwrap_or(0);
    let offices_rss = super::memory::rss_bytes(std::process::id()).unwrap_or(0);
    let (accepted_rows, entries_held, ministry_metrics) = {
        let client = crate::client::Client::connect(&ministry_data)?;
        let rows: Vec<serde_json::Value> = client.get("/decisions?batch=6")?;
        let status: serde_json::Value = client.get("/status")?;
        let held: u64 = status["feeds"]
            .as_array()
            .map(|feeds| feeds.iter().filter_map(|f| f["seq"].as_u64()).sum())
            .unwrap_or(0);
        let metrics = String::from_utf8_lossy(&client.get_bytes("/metrics")?).into_owned();
        (
            rows.iter().filter(|r| r["verdict"] == "accepted").count(),
            held,
            metrics,
        )
    };
    super::memory::stop_child(ministry);
    stop_daemons(&runtime, nodes);
    if accepted_rows != recommenders {
        bail!("the ministry's decisions table shows {accepted_rows} accepted of {recommenders}");
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    report.add(
        "country",
        format!("{recommenders} offices start (RocksDB, libp2p, API each)"),
        format!("{:.2} s", all_started.as_secs_f64()),
        "(before the ministry)",
        None,
    );
    report.add(
        "country",
        format!(
            "ministry spawned → all {recommenders} verdicts back at their offices ({entries_held} entries)"
        ),
        format!("{:.2} s", took.as_secs_f64()),
        "≤ 5 s",
        Some(took <= Duration::from_secs(5)),
    );
    report.add(
        "country",
        "… an office first holds an entry of the ministry's: half / 90 % / all of them by",
        contact_spread,
        "",
        None,
    );
    report.add(
        "country",
        "… an office holds its verdict: half / 90 % / all of them by",
        verdict_spread,
        "",
        None,
    );
    report.add(
        "country",
        "… CPU time of the ministry process in that time",
        format!("{ministry_cpu:.2} s"),
        "",
        None,
    );
    report.add(
        "country",
        format!("… CPU time of the {recommenders} offices' process in that time"),
        format!("{offices_cpu:.2} s"),
        format!("(+ {polling_cpu:.2} s of this benchmark's polling)"),
        None,
    );
    report.add(
        "country",
        "floor: decode + verify_strict + batched Automerge apply of the same entries, one core",
        format!("{floor_cpu:.2} s"),
        "(CPU, before the run)",
        None,
    );
    report.add(
        "country",
        format!("… (floor + the offices' CPU) / {cores} cores: the least this machine allows"),
        format!("{:.2} s", (floor_cpu + offices_cpu) / cores as f64),
        "",
        None,
    );
    // What the ministry did, from its own counters: entries taken and received again, records
    // built ahead of intake and taken or not, sync rounds and frames.
    let counter = |name: &str| {
        ministry_metrics
            .lines()
            .find_map(|line| {
                line.strip_prefix(name)?
                    .strip_prefix(' ')?
                    .parse::<u64>()
                    .ok()
            })
            .unwrap_or(0)
    };
    report.add(
        "country",
        "… the ministry's entries taken / received again",
        format!(
            "{} / {}",
            counter("fedrec_entries_received_total"),
            counter("fedrec_entries_duplicate_total")
        ),
        "",
        None,
    );
    report.add(
        "country",
        "… the ministry's records built ahead: taken / not taken",
        format!(
            "{} / {}",
            counter("fedrec_built_ahead_total"),
            counter("fedrec_built_ahead_unused_total")
        ),
        "",
        None,
    );
    report.add(
        "country",
        "… the ministry's sync rounds / frames received / frames sent",
        format!(
            "{} / {} / {}",
            counter("fedrec_sync_rounds_total"),
            counter("fedrec_sync_frames_received_total"),
            counter("fedrec_sync_frames_sent_total")
        ),
        "",
        None,
    );
    report.add(
        "country",
        "ministry process RSS at the end",
        format!("{:.0} MB", ministry_rss as f64 / 1e6),
        "",
        None,
    );
    report.add(
        "country",
        format!("offices' process RSS ({recommenders} nodes)"),
        format!("{:.0} MB", offices_rss as f64 / 1e6),
        "",
        None,
    );
    Ok(())
}

// --- memory and start-up -----------------------------------------------------------------------
