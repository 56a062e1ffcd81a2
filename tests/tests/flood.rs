//! A roster peer that sends as fast as it can: its requests are held to its rate, its refused
//! entries to the quarantine's limits, and the ministry's memory and disk stay bounded while an
//! honest office keeps syncing. Through the real network path (`fedrec debug send`).
//!
//! `a_peer_over_its_request_rate_is_refused_without_work` counts answers against the configured
//! burst and rate. `a_flood_from_a_roster_peer_stays_within_bounds` floods for
//! `FEDREC_FLOOD_SECS` (default 10): `FEDREC_FLOOD_SECS=60 cargo test -p fedrec-tests --test
//! flood -- --ignored --nocapture flood_from`. It is ignored for now because it fails: the
//! ministry's memory grows past the 64 MiB it allows (RELIABILITY.md has the figures).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fedrec_common::identity::Hash32;
use fedrec_common::sync::{self, Request};
use fedrec_tests::peer::{
    Sender, entry, forged_pushes, frame, init_office, key_of, metric, push, rss_kb, set_limits,
};
use fedrec_tests::process::*;

fn digest() -> Vec<u8> {
    frame(
        &sync::encode(&Request::Digest {
            digest: Hash32::of(b"flood"),
            feeds: 0,
            roster_version: 0,
        })
        .unwrap(),
    )
}

fn is_rate_refusal(answer: &serde_json::Value) -> bool {
    answer["refused"]
        .as_str()
        .is_some_and(|reason| reason.contains("too many requests"))
}

/// Bytes of every file under `dir`.
fn size_of(dir: &Path) -> u64 {
    let mut total = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for item in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            match item.metadata() {
                Ok(meta) if meta.is_dir() => pending.push(item.path()),
                Ok(meta) => total += meta.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// Burst 20, then 5 a second: 200 digests sent in five volleys of 40 as fast as the sender can.
/// Without the limit every one was answered with the ministry's heads.
#[test]
fn a_peer_over_its_request_rate_is_refused_without_work() {
    let dir = tempfile::tempdir().unwrap();
    let requests_dir = dir.path().join("requests");
    let (ministry, ministry_port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry_port, &ministry);
    let hasty = init_office(
        dir.path(),
        "hasty",
        "shanghai",
        "recommender",
        &ministry_address,
    );
    set_limits(
        &ministry,
        "peer_requests_burst = 20\npeer_requests_per_sec = 5",
    );
    let ministry_daemon = Daemon::start_online(&ministry);
    roster_add(&ministry, &hasty, "shanghai", "shanghai", "hq");
    let sender = Sender {
        data: &hasty,
        to: ministry_address.clone(),
        dir: requests_dir,
    };
    // The roster change reaches the gate: the first digest is answered.
    wait_until(
        "the ministry to admit the peer",
        Duration::from_secs(30),
        || !sender.send(digest())["failed"].is_string(),
    );
    let started = Instant::now();
    let mut answered = 0u64;
    let mut limited = 0u64;
    for _ in 0..5 {
        for answer in sender.send_all(&vec![digest(); 40]) {
            if is_rate_refusal(&answer) {
                limited += 1;
            } else if !answer["failed"].is_string() {
                answered += 1;
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    // What the budget allows: the burst (less the admission probes), then 5 a second, with one
    // second's slack for timing.
    let allowed = 20.0 + 5.0 * (seconds + 1.0);
    eprintln!(
        "rate: 200 digests in {seconds:.1} s: {answered} answered, {limited} refused for rate \
         (allowed about {allowed:.0})"
    );
    assert!(
        (answered as f64) <= allowed,
        "{answered} answered in {seconds:.1} s; the budget allows about {allowed:.0}"
    );
    assert!(
        limited >= 200 - allowed as u64,
        "{limited} refused for rate"
    );
    assert_eq!(
        metric(&ministry_daemon.api, "fedrec_sync_requests_limited_total "),
        limited
    );
}

/// The flood: a roster peer sends forged entries (each refused, each a different signature)
/// and digests as fast as it can for the run's length, while an honest office writes a record
/// every half second. The ministry stays the same process, its quarantine within its limits,
/// its memory and disk bounded; every honest record reaches it.
#[test]
#[ignore = "fails today: the ministry's RSS grew from 38 MB to 154 MB in a 10-second flood (issue 12); run with --ignored"]
fn a_flood_from_a_roster_peer_stays_within_bounds() {
    let seconds: u64 = std::env::var("FEDREC_FLOOD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let requests_dir = dir.path().join("requests");
    let (ministry, ministry_port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry_port, &ministry);
    let flooder = init_office(
        dir.path(),
        "flooder",
        "shanghai",
        "recommender",
        &ministry_address,
    );
    let honest = init_office(
        dir.path(),
        "honest",
        "guangdong",
        "recommender",
        &ministry_address,
    );
    set_limits(
        &ministry,
        "quarantine_max_entries = 500\nquarantine_max_entries_per_peer = 200\n\
         quarantine_max_bytes_per_peer = 2097152",
    );
    let ministry_daemon = Daemon::start_online(&ministry);
    let api = ministry_daemon.api.clone();
    roster_add(&ministry, &flooder, "shanghai", "shanghai", "hq");
    roster_add(&ministry, &honest, "guangdong", "guangdong", "hq");
    publish_batch_6(&ministry);
    let _honest_daemon = Daemon::start_online(&honest);
    wait_writable(&honest);
    let f = key_of(&flooder);
    let first = entry(&f, &f, 1, None, "洪水之前");
    let sender = Sender {
        data: &flooder,
        to: ministry_address.clone(),
        dir: requests_dir,
    };
    wait_until(
        "the ministry to admit the flooder",
        Duration::from_secs(30),
        || sender.send(push(&[&first]))["ack"]["accepted"] == 1,
    );
    let pid = ministry_daemon.pid();
    let rss_before = rss_kb(pid);
    let db = ministry.join("db");
    let disk_before = size_of(&db);

    // The flooder: volleys of 60 requests (40 forged entries, 20 digests), each volley's
    // forgeries new, until the time is up.
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let rss_peak = Arc::new(AtomicU64::new(rss_before));
    let flood = {
        let (stop, sent, rss_peak) = (Arc::clone(&stop), Arc::clone(&sent), Arc::clone(&rss_peak));
        let flooder = flooder.clone();
        let address = ministry_address.clone();
        let dir = dir.path().join("flood-requests");
        std::thread::spawn(move || {
            let sender = Sender {
                data: &flooder,
                to: address,
                dir,
            };
            let mut volley = 0usize;
            let mut answers = (0u64, 0u64, 0u64); // refused entries, rate refusals, other
            while !stop.load(Ordering::Relaxed) {
                let mut requests = forged_pushes(&f, 2, first.id(), 40);
                // Vary the forgeries from volley to volley: a different text, so different bytes.
                for (i, request) in requests.iter_mut().enumerate() {
                    let mut e = entry(&f, &f, 2, Some(first.id()), &format!("洪水{volley}-{i}"));
                    e.signature[i % 32] ^= 1 << (i % 8);
                    *request = push(&[&e]);
                }
                requests.extend(std::iter::repeat_n(digest(), 20));
                for answer in sender.send_all(&requests) {
                    if is_rate_refusal(&answer) {
                        answers.1 += 1;
                    } else if answer["ack"]["refused"] == 1 {
                        answers.0 += 1;
                    } else {
                        answers.2 += 1;
                    }
                }
                sent.fetch_add(requests.len() as u64, Ordering::Relaxed);
                rss_peak.fetch_max(rss_kb(pid), Ordering::Relaxed);
                volley += 1;
            }
            answers
        })
    };

    // The honest office writes a record every half second throughout.
    let example = workspace().join("config/examples/application.toml");
    let started = Instant::now();
    let mut written = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        let id = ok(
            &honest,
            &["record", "new", "--file", example.to_str().unwrap()],
        )
        .trim()
        .to_string();
        written.push(id);
        rss_peak.fetch_max(rss_kb(pid), Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(500));
    }
    stop.store(true, Ordering::Relaxed);
    let (refused, rate_refused, other) = flood.join().unwrap();
    let flood_secs = started.elapsed().as_secs_f64();

    // Every honest record reaches the ministry.
    let reached = Instant::now();
    wait_until(
        "the honest records to reach the ministry",
        Duration::from_secs(60),
        || {
            let held = records(&ministry);
            written
                .iter()
                .all(|id| held.iter().any(|(known, _)| known == id))
        },
    );
    let catch_up = reached.elapsed().as_secs_f64();
    let rss_after = rss_kb(pid);
    let disk_after = size_of(&db);
    let quarantine = metric(&api, "fedrec_quarantined_entries ");
    let dropped = metric(&api, "fedrec_quarantine_dropped_total ");
    let limited = metric(&api, "fedrec_sync_requests_limited_total ");
    eprintln!(
        "flood: {flood_secs:.0} s, {} requests sent: {refused} entries refused, {rate_refused} \
         refused for rate, {other} other answers; ministry RSS {rss_before} KiB -> peak {} KiB \
         -> {rss_after} KiB; database {disk_before} -> {disk_after} bytes; quarantine {quarantine} \
         kept, {dropped} dropped; {limited} requests limited; {} honest records, all at the \
         ministry {catch_up:.1} s after the flood",
        sent.load(Ordering::Relaxed),
        rss_peak.load(Ordering::Relaxed),
        written.len()
    );
    assert_eq!(
        ministry_daemon.pid(),
        pid,
        "the ministry is the same process"
    );
    assert!(
        quarantine <= 200,
        "the flooder's share is 200: {quarantine} kept"
    );
    assert!(
        refused > 200,
        "the flood should exceed the quarantine's share: {refused} refused"
    );
    assert!(
        rss_peak.load(Ordering::Relaxed) < rss_before + 64 * 1024,
        "RSS grew by more than 64 MiB under the flood"
    );
    assert!(
        disk_after < disk_before + 64 * 1024 * 1024,
        "the database grew by more than 64 MiB under the flood"
    );
}
