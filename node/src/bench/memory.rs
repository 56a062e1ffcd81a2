//! The *memory* scenario: an idle node's resident memory (online, connected to its ministry),
//! and a ministry holding 100,000 records (its start-up time and memory), each measured on the
//! `fedrec` binary run as a child process.

use super::sync_rounds::synthetic_records;
use super::*;

pub(super) fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The CPU time (user and system) a process has used so far, from `/proc/<pid>/stat`, whose
/// fields count clock ticks of 1/100 s on Linux.
pub(super) fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name, in parentheses, may hold spaces; the fields after it are fixed.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index)?.parse::<u64>().ok();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}

/// CPU time (user and system) of the calling thread, in seconds.
pub(super) fn this_thread_cpu_seconds() -> f64 {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec for the duration of the call.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    if status != 0 {
        return 0.0;
    }
    time.tv_sec as f64 + time.tv_nsec as f64 / 1e9
}

/// Runs `fedrec run --offline` on `data` as a child process; returns it with its start-up time
/// (spawn to the first answer of `/health`).
fn spawn_daemon(data: &Path) -> anyhow::Result<(std::process::Child, Duration)> {
    spawn_fedrec(data, &["--offline"])
}

/// Runs `fedrec run FLAGS` on `data` as a child process, with the configuration in `data` and
/// nothing else (no test interval); returns it with its start-up time (spawn to the first answer
/// of `/health`).
pub(super) fn spawn_fedrec(
    data: &Path,
    flags: &[&str],
) -> anyhow::Result<(std::process::Child, Duration)> {
    let binary = std::env::current_exe()?;
    let started = Instant::now();
    // For diagnosis, the child's log can be kept: FEDREC_BENCH_LOG names its file (and
    // RUST_LOG, passed on, its level).
    let log = match std::env::var_os("FEDREC_BENCH_LOG") {
        Some(path) => std::process::Stdio::from(std::fs::File::create(path)?),
        None => std::process::Stdio::null(),
    };
    let mut child = std::process::Command::new(binary)
        .arg("run")
        .args(flags)
        .arg("--data")
        .arg(data)
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(client) = crate::client::Client::connect(data)
            && client.get::<serde_json::Value>("/health").is_ok()
        {
            return Ok((child, started.elapsed()));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("{} did not answer within 60 s", data.display());
        }
        if let Some(status) = child.try_wait()? {
            bail!("the daemon exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

pub(super) fn stop_child(mut child: std::process::Child) {
    // SAFETY: sending SIGTERM to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let _ = child.wait();
}

pub(super) fn memory(report: &mut Report, root: &Path, quick: bool) -> anyhow::Result<()> {
    let records = if quick { 10_000 } else { 100_000 };
    let Pair {
        ministry,
        ministry_data,
        mut office,
        office_data,
        ..
    } = ministry_and_shanghai(root)?;
    write_record(&mut office, 0, 5, false)?;
    drop((office, ministry));

    // An idle recommender node holding one application, online as in production: libp2p up,
    // connected to its ministry (running as another child process), its first round done.
    let (ministry_child, _) = spawn_fedrec(&ministry_data, &[])?;
    let (child, _) = spawn_fedrec(&office_data, &[])?;
    let client = crate::client::Client::connect(&office_data)?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client
        .get::<serde_json::Value>("/health")
        .is_ok_and(|h| h["writable"] == true)
    {
        if Instant::now() > deadline {
            stop_child(child);
            stop_child(ministry_child);
            bail!("the office did not connect to its ministry within 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_secs(2));
    let idle_rss = rss_bytes(child.id()).context("reading the daemon's RSS")?;
    stop_child(child);
    stop_child(ministry_child);
    report.add(
        "memory",
        "idle node RSS, online (libp2p up, connected to its ministry)",
        format!("{:.1} MB", idle_rss as f64 / 1e6),
        "≤ 40 MB",
        Some(idle_rss <= 40 * 1024 * 1024),
    );
    let mut ministry = open_node(&ministry_data)?;

    // A ministry holding `records` records.
    let key = daemon::key_from(&office_data)?;
    let recommender: RecommenderId = "shanghai".parse()?;
    let own = key.id();
    let topic = Topic::Recommender(recommender.clone());
    let mut seq = {
        let office = open_node(&office_data)?;
        office.store().head(&own, &topic)?
    };
    // The office's real entries first, then synthetic records continuing its feed.
    let office = open_node(&office_data)?;
    ministry.ingest(&own, all_entries(&office)?);
    drop(office);
    let fill_started = Instant::now();
    let mut held = 1usize;
    while held < records {
        let count = (records - held).min(sync::CHUNK_ENTRIES);
        let entries = synthetic_records(
            &key,
            &recommender,
            held,
            count,
            seq.as_ref().map_or(0, |h| h.seq),
            seq.as_ref().map(|h| h.id),
        )?;
        if let Some(last) = entries.last() {
            seq = Some(fedrec_common::feed::FeedHead {
                seq: last.entry.seq,
                id: last.id(),
            });
        }
        let taken = ministry.ingest(&own, entries.iter().map(SignedEntry::encode).collect());
        if taken.accepted as usize != count {
            bail!("setting up: {} of {count} taken", taken.accepted);
        }
        held += count;
    }
    let record_count = ministry.store().count("records")?;
    drop(ministry);
    println!(
        "  (filled the ministry with {record_count} records in {:.0} s)",
        fill_started.elapsed().as_secs_f64()
    );
    measure_ministry(
        report,
        "memory",
        &ministry_data,
        &format!("{record_count} records"),
    )?;
    Ok(())
}

/// Starts the ministry on `data` as a child process and reports its start-up time and resident
/// memory: after start, then after what operators do (listing every record and opening 300
/// documents spread over the list). `what` names the holding, e.g. "100000 records".
pub(super) fn measure_ministry(
    report: &mut Report,
    scenario: &'static str,
    data: &Path,
    what: &str,
) -> anyhow::Result<()> {
    let (child, startup) = spawn_daemon(data)?;
    let measured = (|| -> anyhow::Result<(u64, u64, usize)> {
        let client = crate::client::Client::connect(data)?;
        let _: serde_json::Value = client.get("/status")?;
        let started_rss = rss_bytes(child.id()).context("reading the daemon's RSS")?;
        let listing: Vec<serde_json::Value> = client.get("/records")?;
        let mut opened = 0;
        for row in listing
            .iter()
            .step_by((listing.len() / 300).max(1))
            .take(300)
        {
            if let Some(id) = row["id"].as_str() {
                let _: serde_json::Value = client.get(&format!("/records/{id}"))?;
                opened += 1;
            }
        }
        let busy_rss = rss_bytes(child.id()).context("reading the daemon's RSS")?;
        Ok((started_rss, busy_rss, opened))
    })();
    stop_child(child);
    let (started_rss, busy_rss, opened) = measured?;
    report.add(
        scenario,
        format!("ministry start-up with {what}"),
        format!("{:.0} ms", startup.as_secs_f64() * 1e3),
        "≤ 1 s",
        Some(startup <= Duration::from_secs(1)),
    );
    report.add(
        scenario,
        format!("ministry RSS with {what}, after start"),
        format!("{:.0} MB", started_rss as f64 / 1e6),
        "≤ 1 GB",
        Some(started_rss <= 1 << 30),
    );
    report.add(
        scenario,
        format!("… after listing all and opening {opened} documents"),
        format!("{:.0} MB", busy_rss as f64 / 1e6),
        "≤ 1 GB",
        Some(busy_rss <= 1 << 30),
    );
    Ok(())
}
