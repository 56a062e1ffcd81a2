//! The *latency* scenario: how long a submission takes to reach the ministry and its verdict to
//! come back, with the **default configuration** (anti-entropy every 30 s: only the push notice
//! can make this fast). A ministry and Shanghai's HQ run as daemons in this process, libp2p on
//! loopback; the HQ holds drafts written beforehand, and the scenario submits them one at a
//! time through the HQ's HTTP API, as `fedrec submit` does, waiting for each verdict before the
//! next submission.
//!
//! Both nodes are watched by polling their stores every millisecond (summary and decisions
//! reads, no document loads on the ministry), which adds at most that to each figure.

use fedrec_common::record::Status;

use super::federation::{runtime, start_daemons, stop_daemons};
use super::*;

/// When a submission was seen where, after its API call was made.
struct Timing {
    ministry_holds: Duration,
    verdict_back: Duration,
}

pub(super) fn latency(report: &mut Report, root: &Path, quick: bool) -> anyhow::Result<()> {
    let submissions = if quick { 5 } else { 20 };
    let Pair {
        ministry,
        ministry_data,
        mut office,
        office_data,
    } = ministry_and_shanghai(root)?;
    let mut ids = Vec::new();
    for index in 0..submissions {
        ids.push(write_record(&mut office, index, 3, false)?);
    }
    drop((ministry, office));
    let interval = daemon::load_config(&office_data, &Overrides::default())?.sync_interval_secs;

    let runtime = runtime()?;
    let nodes = start_daemons(&runtime, &[ministry_data, office_data.clone()])?;
    let (ministry_state, office_state) = (Arc::clone(&nodes[0].state), Arc::clone(&nodes[1].state));
    // The drafts reach the ministry on the first round; only then do the timed submissions
    // start, so the catch-up is not measured.
    wait_for(
        "the drafts to reach the ministry",
        Duration::from_secs(60),
        || {
            let node = ministry_state
                .node
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            ids.iter()
                .all(|id| node.store().record(id).ok().flatten().is_some())
        },
    )?;
    let client = crate::client::Client::connect(&office_data)?;
    wait_for(
        "the office to accept writes",
        Duration::from_secs(60),
        || {
            client
                .get::<serde_json::Value>("/health")
                .is_ok_and(|health| health["writable"] == true)
        },
    )?;

    let mut timings = Vec::new();
    for id in &ids {
        let started = Instant::now();
        let _: serde_json::Value = client.send(
            "POST",
            &format!("/records/{id}/submit"),
            &serde_json::json!({}),
        )?;
        let mut ministry_holds = None;
        wait_for("the verdict to come back", Duration::from_secs(120), || {
            if ministry_holds.is_none() {
                let node = ministry_state
                    .node
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                if node
                    .store()
                    .record(id)
                    .ok()
                    .flatten()
                    .is_some_and(|s| s.status == Status::Submitted)
                {
                    ministry_holds = Some(started.elapsed());
                }
            }
            let node = office_state.node.lock().unwrap_or_else(|e| e.into_inner());
            node.decisions(Some(6)).is_ok_and(|rows| {
                rows.iter().any(|row| {
                    row.record.as_deref() == Some(id.as_str()) && row.verdict != "provisional"
                })
            })
        })?;
        let verdict_back = started.elapsed();
        timings.push(Timing {
            ministry_holds: ministry_holds.unwrap_or(verdict_back),
            verdict_back,
        });
    }
    stop_daemons(&runtime, nodes);

    let seconds = |d: Duration| format!("{:.3} s", d.as_secs_f64());
    let mut held: Vec<Duration> = timings.iter().map(|t| t.ministry_holds).collect();
    let mut back: Vec<Duration> = timings.iter().map(|t| t.verdict_back).collect();
    held.sort();
    back.sort();
    let target = Duration::from_secs(1);
    report.add(
        "latency",
        format!("submit → ministry holds it, median of {submissions} (sync every {interval} s)"),
        seconds(held[held.len() / 2]),
        "",
        None,
    );
    for (what, figure) in [
        ("median", back[back.len() / 2]),
        ("worst", back[back.len() - 1]),
    ] {
        report.add(
            "latency",
            format!("submit → verdict back at the submitting node, {what}"),
            seconds(figure),
            "≤ 1 s",
            Some(figure <= target),
        );
    }
    Ok(())
}

/// Polls `condition` every millisecond until it holds, or fails after `timeout`.
fn wait_for(
    what: &str,
    timeout: Duration,
    mut condition: impl FnMut() -> bool,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    while !condition() {
        if Instant::now() > deadline {
            bail!("waited {timeout:?} for {what}");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}
