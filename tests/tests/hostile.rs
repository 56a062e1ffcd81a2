//! Hostile input through the real network path: hand-made `/fedrec/sync/1` requests sent with
//! `fedrec debug send` (noise handshake, gating, framing, decoding, ingest) to a running ministry.
//! Each kind is refused with its own reason, counted, and never stored; the ministry keeps
//! serving an honest recommender throughout.

use std::path::Path;
use std::time::Duration;

use fedrec_common::batch::BatchNumber;
use fedrec_common::feed::{Entry, SignedEntry};
use fedrec_common::form::Application;
use fedrec_common::identity::{Hash32, NodeKey};
use fedrec_common::ids::{DocId, RecordId, Topic};
use fedrec_common::record::RecordDoc;
use fedrec_common::sync::{self, Request};
use fedrec_common::timestamp::Timestamp;
use fedrec_tests::process::*;

fn key_of(data: &Path) -> NodeKey {
    NodeKey::from_secret_hex(&std::fs::read_to_string(data.join("node.key")).unwrap()).unwrap()
}

/// A signed entry by `signer` at `seq`, carrying a change made by `actor` (normally the signer).
fn entry(
    signer: &NodeKey,
    actor: &NodeKey,
    seq: u64,
    prev: Option<Hash32>,
    name: &str,
) -> SignedEntry {
    let shanghai = "shanghai".parse().unwrap();
    let topic = Topic::Recommender("shanghai".parse().unwrap());
    let mut application = Application {
        batch: 6,
        ..Application::default()
    };
    application.applicant.name = name.into();
    let (_, change) = RecordDoc::create(
        &actor.id(),
        BatchNumber(6),
        &shanghai,
        &application,
        Timestamp(0),
    )
    .unwrap();
    Entry {
        author: signer.id(),
        topic: topic.clone(),
        seq,
        prev,
        doc: DocId::Record {
            batch: BatchNumber(6),
            recommender: shanghai,
            record: RecordId::derive(&signer.id(), &topic, seq),
        },
        change: change.raw_bytes().to_vec(),
    }
    .sign(signer)
}

/// The bytes of one framed Push request.
fn push(entries: &[&SignedEntry]) -> Vec<u8> {
    let body = sync::encode(&Request::Push {
        entries: entries.iter().map(|e| e.encode()).collect(),
    })
    .unwrap();
    let mut frame = (body.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&body);
    frame
}

struct Sender<'a> {
    data: &'a Path,
    to: String,
    dir: &'a Path,
}

impl Sender<'_> {
    fn send(&self, bytes: &[u8]) -> serde_json::Value {
        let file = self.dir.join("request.bin");
        std::fs::write(&file, bytes).unwrap();
        let output = fedrec(
            self.data,
            &["debug", "send", "--to", &self.to, file.to_str().unwrap()],
        );
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("no answer: {}{}", stdout(&output), stderr(&output)))
    }
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

#[test]
fn hostile_requests_are_refused_counted_and_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (ministry, ministry_port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry_port, &ministry);
    let (hostile, _) = init_node(
        dir.path(),
        "hostile",
        &[
            "--role",
            "recommender",
            "--recommender",
            "shanghai",
            "--name",
            "上海",
            "--ministry",
            &ministry_address,
        ],
    );
    let (revoked, _) = init_node(
        dir.path(),
        "revoked",
        &[
            "--role",
            "field-office",
            "--recommender",
            "shanghai",
            "--name",
            "外勤",
            "--ministry",
            &ministry_address,
        ],
    );
    let (honest, _) = init_node(
        dir.path(),
        "honest",
        &[
            "--role",
            "recommender",
            "--recommender",
            "miit",
            "--name",
            "工信部",
            "--ministry",
            &ministry_address,
        ],
    );
    let (stranger, _) = init_node(
        dir.path(),
        "stranger",
        &[
            "--role",
            "recommender",
            "--recommender",
            "shanghai",
            "--name",
            "冒名",
            "--ministry",
            &ministry_address,
        ],
    );
    let ministry_daemon = Daemon::start_online(&ministry);
    let api = ministry_daemon.api.clone();
    for (data, recommender, role) in [
        (&hostile, "shanghai", "hq"),
        (&revoked, "shanghai", "field_office"),
        (&honest, "miit", "hq"),
    ] {
        let key = ok(data, &["id"]).trim().to_string();
        ok(
            &ministry,
            &[
                "roster",
                "add",
                "--recommender",
                recommender,
                "--name",
                recommender,
                "--kind",
                "province",
                "--key",
                &key,
                "--role",
                role,
            ],
        );
    }
    ok(
        &ministry,
        &[
            "roster",
            "revoke",
            "--key",
            ok(&revoked, &["id"]).trim(),
            "--after",
            "0",
        ],
    );
    publish_batch_6(&ministry);

    let (h, other, r, s) = (
        key_of(&hostile),
        NodeKey::for_test("hostile: someone else"),
        key_of(&revoked),
        key_of(&stranger),
    );
    let sender = Sender {
        data: &hostile,
        to: ministry_address.clone(),
        dir: dir.path(),
    };
    let refused = |reason: &str| {
        metric(
            &api,
            &format!("fedrec_entries_refused_total{{reason=\"{reason}\"}} "),
        )
    };

    // A forged signature.
    let mut forged = entry(&h, &h, 1, None, "伪造");
    forged.signature[10] ^= 1;
    assert_eq!(sender.send(&push(&[&forged]))["ack"]["refused"], 1);
    assert_eq!(refused("bad_signature"), 1);
    // A change by another actor, signed as the hostile node's own.
    assert_eq!(
        sender.send(&push(&[&entry(&h, &other, 1, None, "冒用")]))["ack"]["refused"],
        1
    );
    assert_eq!(refused("wrong_actor"), 1);
    // An entry by a key the roster does not know, and one by a revoked key, relayed.
    assert_eq!(
        sender.send(&push(&[&entry(&s, &s, 1, None, "陌生")]))["ack"]["refused"],
        1
    );
    assert_eq!(refused("unauthorised"), 1);
    assert_eq!(
        sender.send(&push(&[&entry(&r, &r, 1, None, "吊销")]))["ack"]["refused"],
        1
    );
    assert_eq!(refused("revoked"), 1);
    // An honest entry, then its replay: stored once.
    let first = entry(&h, &h, 1, None, "第一");
    assert_eq!(sender.send(&push(&[&first]))["ack"]["accepted"], 1);
    assert_eq!(sender.send(&push(&[&first]))["ack"]["duplicates"], 1);
    // Equivocation: another entry for the same position. Then the author is refused.
    assert_eq!(
        sender.send(&push(&[&entry(&h, &h, 1, None, "第二个第一")]))["ack"]["refused"],
        1
    );
    assert_eq!(refused("equivocation"), 1);
    assert_eq!(
        sender.send(&push(&[&entry(&h, &h, 2, Some(first.id()), "之后")]))["ack"]["refused"],
        1
    );
    assert_eq!(refused("refused_author"), 1);

    // Broken frames: garbage, a lying length prefix, an oversized frame, a truncated one.
    let bad_frames = || metric(&api, "fedrec_bad_frames_total ");
    let mut garbage = 100u32.to_be_bytes().to_vec();
    garbage.extend((0..100u8).map(|i| i.wrapping_mul(151)));
    let mut lying = 1000u32.to_be_bytes().to_vec();
    lying.extend_from_slice(b"short");
    let mut oversized = ((sync::MAX_FRAME_BYTES + 1) as u32).to_be_bytes().to_vec();
    oversized.extend(std::iter::repeat_n(0u8, 64 * 1024));
    let whole = push(&[&first]);
    for (name, bytes) in [
        ("garbage", garbage),
        ("lying length", lying),
        ("oversized", oversized),
        ("truncated", whole[..whole.len() / 2].to_vec()),
    ] {
        let before = bad_frames();
        let answer = sender.send(&bytes);
        assert!(answer.get("failed").is_some(), "{name}: {answer}");
        wait_until(
            &format!("the {name} frame to be counted"),
            Duration::from_secs(20),
            || bad_frames() > before,
        );
    }

    // A stranger is cut off before its request is read.
    let stranger_sender = Sender {
        data: &stranger,
        to: ministry_address,
        dir: dir.path(),
    };
    let answer = stranger_sender.send(&push(&[&entry(&s, &s, 1, None, "陌生人直连")]));
    assert!(
        answer.get("ack").is_none(),
        "a stranger's push was answered: {answer}"
    );
    assert!(metric(&api, "fedrec_peers_gated_total ") >= 1);

    // Nothing refused was stored: one entry of the hostile node's feed, the chain verifies,
    // and the ministry still serves an honest recommender.
    let status = json(&fedrec(&ministry, &["status", "--format", "json"]).stdout);
    let feeds = status["feeds"].as_array().unwrap();
    assert_eq!(feeds.len(), 1, "{feeds:?}");
    assert_eq!(feeds[0]["seq"], 1);
    assert_eq!(status["quarantine"], 6, "one per refused entry");
    assert!(ok(&ministry, &["verify"]).contains("1 entries verified"));
    let _honest = Daemon::start_online(&honest);
    wait_writable(&honest);
    let id = ok(
        &honest,
        &["record", "new", "--file", &example_application()],
    )
    .trim()
    .to_string();
    wait_until(
        "the honest record to reach the ministry",
        Duration::from_secs(60),
        || records(&ministry).iter().any(|(held, _)| *held == id),
    );
}
