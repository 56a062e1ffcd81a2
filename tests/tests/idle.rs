//! An idle sync round costs the same whether a node holds 10 records or 10,000: one request
//! and one answer of a few dozen bytes, because sync compares feeds (one per node and topic),
//! not documents. Measured on the wire between a ministry and a recommender's HQ.

use std::path::Path;
use std::time::Duration;

use fedrec_common::batch::BatchNumber;
use fedrec_common::feed::{Entry, SignedEntry};
use fedrec_common::form::Application;
use fedrec_common::identity::NodeKey;
use fedrec_common::ids::{DocId, RecordId, Topic};
use fedrec_common::record::RecordDoc;
use fedrec_common::timestamp::Timestamp;
use fedrec_tests::process::*;

/// A bundle of record creations by `key` at positions `from..to` of its feed, chained on `prev`.
fn bundle(
    key: &NodeKey,
    from: u64,
    to: u64,
    prev: &mut Option<fedrec_common::identity::Hash32>,
) -> Vec<u8> {
    let shanghai = "shanghai".parse().unwrap();
    let topic = Topic::Recommender("shanghai".parse().unwrap());
    let mut out = b"fedrec-bundle/1\n".to_vec();
    for seq in from..to {
        let mut application = Application {
            batch: 6,
            ..Application::default()
        };
        application.applicant.name = format!("单位{seq}");
        let (_, change) = RecordDoc::create(
            &key.id(),
            BatchNumber(6),
            &shanghai,
            &application,
            Timestamp(0),
        )
        .unwrap();
        let signed: SignedEntry = Entry {
            author: key.id(),
            topic: topic.clone(),
            seq,
            prev: *prev,
            doc: DocId::Record {
                batch: BatchNumber(6),
                recommender: "shanghai".parse().unwrap(),
                record: RecordId::derive(&key.id(), &topic, seq),
            },
            change: change.raw_bytes().to_vec(),
        }
        .sign(key);
        *prev = Some(signed.id());
        let bytes = signed.encode();
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}

fn metric(api: &str, name: &str) -> u64 {
    let (_, body) = http("GET", &format!("{api}/metrics"), None);
    String::from_utf8_lossy(&body)
        .lines()
        .find_map(|line| {
            line.strip_prefix(name)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn feed_seq_at(data: &Path, author: &str) -> u64 {
    let status = json(&fedrec(data, &["status", "--format", "json"]).stdout);
    status["feeds"]
        .as_array()
        .and_then(|feeds| feeds.iter().find(|f| f["author"] == author))
        .and_then(|f| f["seq"].as_u64())
        .unwrap_or(0)
}

/// Bytes on the wire per idle round, averaged over a few seconds of rounds from both sides.
fn idle_bytes_per_round(hq_api: &str, ministry_api: &str) -> f64 {
    let sample = || {
        let bytes = metric(hq_api, "fedrec_sync_bytes_sent_total ")
            + metric(hq_api, "fedrec_sync_bytes_received_total ");
        let rounds = metric(hq_api, "fedrec_sync_rounds_total ")
            + metric(ministry_api, "fedrec_sync_rounds_total ");
        (bytes, rounds)
    };
    let (bytes_before, rounds_before) = sample();
    std::thread::sleep(Duration::from_secs(4));
    let (bytes_after, rounds_after) = sample();
    assert!(rounds_after > rounds_before, "no rounds ran");
    (bytes_after - bytes_before) as f64 / (rounds_after - rounds_before) as f64
}

#[test]
fn an_idle_round_costs_the_same_at_10_and_10000_records() {
    let dir = tempfile::tempdir().unwrap();
    let (ministry, port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let address = p2p_address(port, &ministry);
    let (hq, _) = init_node(
        dir.path(),
        "hq",
        &[
            "--role",
            "recommender",
            "--recommender",
            "shanghai",
            "--name",
            "上海",
            "--ministry",
            &address,
        ],
    );
    let ministry_daemon = Daemon::start_online(&ministry);
    let hq_id = roster_add(&ministry, &hq, "shanghai", "上海", "hq");
    let hq_daemon = Daemon::start_online(&hq);
    wait_writable(&hq);
    let key =
        NodeKey::from_secret_hex(&std::fs::read_to_string(hq.join("node.key")).unwrap()).unwrap();

    let mut prev = None;
    let mut measured = Vec::new();
    for (from, to) in [(1u64, 11u64), (11, 10_001)] {
        let file = dir.path().join(format!("records-{to}.bundle"));
        std::fs::write(&file, bundle(&key, from, to, &mut prev)).unwrap();
        ok(&hq, &["bundle", "import", file.to_str().unwrap()]);
        wait_until(
            &format!("{} records to reach the ministry", to - 1),
            Duration::from_secs(300),
            || feed_seq_at(&ministry, &hq_id) == to - 1,
        );
        // Rounds that carried the records may still be finishing: measure until two windows in
        // a row agree, which only idle rounds do.
        let mut per_round = idle_bytes_per_round(&hq_daemon.api, &ministry_daemon.api);
        let settle = std::time::Instant::now() + Duration::from_secs(90);
        loop {
            let next = idle_bytes_per_round(&hq_daemon.api, &ministry_daemon.api);
            let settled = (next - per_round).abs() < 1.0;
            per_round = next;
            if settled || std::time::Instant::now() > settle {
                break;
            }
        }
        eprintln!(
            "idle sync at {} records: {per_round:.1} bytes per round",
            to - 1
        );
        measured.push(per_round);
    }
    assert!(
        measured.iter().all(|b| *b <= 512.0),
        "an idle round must stay under 512 bytes: {measured:?}"
    );
    assert!(
        (measured[0] - measured[1]).abs() < 1.0,
        "idle round bytes grew with the records: {measured:?}"
    );
}
