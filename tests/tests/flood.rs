//! A roster peer that sends as fast as it can: its requests are held to its rate, its refused
//! entries to the quarantine's limits, and the ministry's memory and disk stay bounded while an
//! honest office keeps syncing. Through the real network path (`fedrec debug send`).
//!
//! `a_peer_over_its_request_rate_is_refused_without_work` counts answers against the configured
//! burst and rate; `a_peer_that_keeps_sending_refused_input_is_backed_off` shows the backoff.
//! `a_flood_from_a_roster_peer_stays_within_bounds` floods for `FEDREC_FLOOD_SECS` (default 10;
//! RELIABILITY.md has a 60-second run): `FEDREC_FLOOD_SECS=60 cargo test -p fedrec-tests --test
//! flood -- --nocapture flood_from`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fedrec_common::identity::Hash32;
use fedrec_common::sync::{self, Request};
use fedrec_tests::peer::{
    Sender, entry, forged_pushes, frame, init_office, key_of, metric, push, rss_kb, set_limits,
    threads,
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

/// A roster peer that keeps going over its rate after its allowance of refusals is disconnected
/// and its connections refused for the backoff (`limits.peer_backoff_secs`); once that has
/// passed it is answered again.
#[test]
fn a_peer_that_keeps_sending_refused_input_is_backed_off() {
    let dir = tempfile::tempdir().unwrap();
    let (ministry, ministry_port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry_port, &ministry);
    let pushy = init_office(
        dir.path(),
        "pushy",
        "shanghai",
        "recommender",
        &ministry_address,
    );
    set_limits(
        &ministry,
        "peer_requests_burst = 20\npeer_requests_per_sec = 5\n\
         peer_refusals_before_backoff = 30\npeer_backoff_secs = 4",
    );
    let ministry_daemon = Daemon::start_online(&ministry);
    roster_add(&ministry, &pushy, "shanghai", "shanghai", "hq");
    let sender = Sender {
        data: &pushy,
        to: ministry_address.clone(),
        dir: dir.path().join("requests"),
    };
    wait_until(
        "the ministry to admit the peer",
        Duration::from_secs(30),
        || !sender.send(digest())["failed"].is_string(),
    );
    assert_eq!(
        metric(&ministry_daemon.api, "fedrec_peers_backed_off_total "),
        0
    );
    // 60 digests at once (within the 64 streams a connection may open): about 20 answered, the
    // rest over the rate, and the 31st refusal backs the peer off (the refusals still unsent when it is disconnected reach it as failed
    // requests).
    let answers = sender.send_all(&vec![digest(); 60]);
    let answered = answers
        .iter()
        .filter(|a| !a["failed"].is_string() && !is_rate_refusal(a))
        .count();
    assert!(answered <= 21, "{answered} answered over a burst of 20");
    let limited = metric(&ministry_daemon.api, "fedrec_sync_requests_limited_total ");
    assert!(limited > 30, "{limited} refused for rate");
    assert_eq!(
        metric(&ministry_daemon.api, "fedrec_peers_backed_off_total "),
        1
    );
    // Kept away: its next connection is refused before any request is read.
    let backed_off_at = Instant::now();
    let refused = sender.send(digest());
    assert!(
        refused["failed"].is_string(),
        "a backed-off peer was answered: {refused}"
    );
    // Answered again once the backoff has passed (and not before).
    wait_until(
        "the ministry to answer the peer again",
        Duration::from_secs(30),
        || {
            let answer = sender.send(digest());
            !answer["failed"].is_string() && !is_rate_refusal(&answer)
        },
    );
    let away = backed_off_at.elapsed();
    assert!(
        away >= Duration::from_secs(3),
        "answered again after {away:?}, within its 4-second backoff"
    );
}

/// The flood: a roster peer sends forged entries (each refused, each a different signature)
/// and digests as fast as it can for the run's length, while an honest office writes a record
/// every half second. The ministry stays the same process, its quarantine within its limits,
/// its memory and disk bounded; every honest record reaches it.
#[test]
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
        // The backoff is put out of reach: the node's bounds must hold without it (a flooder
        // that stays just under its allowance costs the same).
        "quarantine_max_entries = 500\nquarantine_max_entries_per_peer = 200\n\
         quarantine_max_bytes_per_peer = 2097152\npeer_refusals_before_backoff = 1000000000",
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
    // The honest office's record, held by the ministry before the flood begins. During the flood
    // the office edits it (a new record every half second would measure the ministry's document
    // cache filling, about 3 MB for each realistic application it keeps open, not the flood).
    let example = workspace().join("config/examples/application.toml");
    let honest_record = ok(
        &honest,
        &["record", "new", "--file", example.to_str().unwrap()],
    )
    .trim()
    .to_string();
    wait_until(
        "the honest record to reach the ministry",
        Duration::from_secs(30),
        || {
            records(&ministry)
                .iter()
                .any(|(id, _)| *id == honest_record)
        },
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
    let threads_peak = Arc::new(AtomicU64::new(threads(pid)));
    let flood = {
        let (stop, sent, rss_peak, threads_peak) = (
            Arc::clone(&stop),
            Arc::clone(&sent),
            Arc::clone(&rss_peak),
            Arc::clone(&threads_peak),
        );
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
                threads_peak.fetch_max(threads(pid), Ordering::Relaxed);
                volley += 1;
            }
            answers
        })
    };

    // The honest office edits its record every half second throughout.
    let started = Instant::now();
    let mut edits = 0;
    let mut contact = String::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        edits += 1;
        contact = format!("洪水中的联系人{edits}");
        ok(
            &honest,
            &[
                "record",
                "edit",
                &honest_record,
                "--set",
                &format!("applicant.contact={contact}"),
            ],
        );
        rss_peak.fetch_max(rss_kb(pid), Ordering::Relaxed);
        threads_peak.fetch_max(threads(pid), Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(500));
    }
    stop.store(true, Ordering::Relaxed);
    let (refused, rate_refused, other) = flood.join().unwrap();
    let flood_secs = started.elapsed().as_secs_f64();

    // The honest office's last edit reaches the ministry.
    let reached = Instant::now();
    wait_until(
        "the honest edits to reach the ministry",
        Duration::from_secs(60),
        || application(&ministry, &honest_record)["applicant"]["contact"] == contact.as_str(),
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
         -> {rss_after} KiB, {} threads at most; database {disk_before} -> {disk_after} bytes; quarantine {quarantine} \
         kept, {dropped} dropped; {limited} requests limited; {edits} honest edits, the last at \
         the ministry {catch_up:.1} s after the flood",
        sent.load(Ordering::Relaxed),
        rss_peak.load(Ordering::Relaxed),
        threads_peak.load(Ordering::Relaxed),
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
