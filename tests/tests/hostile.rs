//! The hostile-peer catalogue, through the real network path: hand-made `/fedrec/sync/1`
//! requests sent with `fedrec debug send` (noise handshake, gating, framing, decoding, ingest)
//! to a running ministry, many variants of each kind of bad input. Every one is refused with its
//! own counted reason and never stored nor forwarded; the ministry keeps the same process,
//! bounded memory, and keeps syncing honest peers throughout.
//!
//! Kinds: forged signature, wrong actor, unknown key, revoked key, replay, equivocation (and the
//! refused author after it), broken chain, malformed entry, oversized entry, stale or forged
//! roster, garbage frame, lying length prefix, oversized frame, truncated frame, a flood of
//! streams on one connection, a flood of connections from strangers, a stranger's direct push.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fedrec_common::batch::BatchNumber;
use fedrec_common::feed::Entry;
use fedrec_common::form::Application;
use fedrec_common::identity::{Hash32, NodeKey};
use fedrec_common::ids::{DocId, RecordId, Topic};
use fedrec_common::record::RecordDoc;
use fedrec_common::sync::{self, Request};
use fedrec_common::timestamp::Timestamp;
use fedrec_tests::peer::{
    Sender, entry, forged_pushes, frame, init_office, key_of, metric, push, push_raw, rss_kb,
    set_limits,
};
use fedrec_tests::process::*;
use rand::{RngExt, SeedableRng};

/// What the catalogue sent of each kind, and how the ministry answered.
#[derive(Default)]
struct Tally {
    rows: BTreeMap<&'static str, (usize, usize)>,
    /// Entries refused by the ingest checks, each of which must be in the quarantine.
    quarantined: usize,
}

impl Tally {
    fn sent(&mut self, kind: &'static str, variants: usize, refused: usize) {
        let row = self.rows.entry(kind).or_default();
        row.0 += variants;
        row.1 += refused;
    }

    /// Signed entries refused at ingest: counted, and expected in the quarantine.
    fn entries(&mut self, kind: &'static str, variants: usize, refused: usize) {
        self.sent(kind, variants, refused);
        self.quarantined += refused;
    }
}

#[test]
fn the_hostile_catalogue_is_refused_counted_never_stored_nor_forwarded() {
    let seed = seed_from_env("FEDREC_HOSTILE_SEED", "hostile catalogue");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let requests_dir = dir.path().join("requests");
    std::fs::create_dir_all(&requests_dir).unwrap();
    let (ministry, ministry_port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry_port, &ministry);
    let hostile = init_office(
        dir.path(),
        "hostile",
        "shanghai",
        "recommender",
        &ministry_address,
    );
    let revoked = init_office(
        dir.path(),
        "revoked",
        "shanghai",
        "field-office",
        &ministry_address,
    );
    let witness = init_office(
        dir.path(),
        "witness",
        "shanghai",
        "field-office",
        &ministry_address,
    );
    let honest = init_office(
        dir.path(),
        "honest",
        "miit",
        "recommender",
        &ministry_address,
    );
    let stranger = init_office(
        dir.path(),
        "stranger",
        "shanghai",
        "recommender",
        &ministry_address,
    );
    let equivocators: Vec<PathBuf> = (0..6)
        .map(|i| {
            init_office(
                dir.path(),
                &format!("equivocator{i}"),
                "shanghai",
                "field-office",
                &ministry_address,
            )
        })
        .collect();

    let mut ministry_daemon = Daemon::start_online(&ministry);
    let api = ministry_daemon.api.clone();
    let pid = ministry_daemon.pid();
    // Roster versions along the way, kept to replay as stale rosters later.
    let mut stale_rosters = Vec::new();
    for (office, recommender, role) in [
        (&hostile, "shanghai", "hq"),
        (&revoked, "shanghai", "field_office"),
        (&witness, "shanghai", "field_office"),
        (&honest, "miit", "hq"),
    ] {
        roster_add(&ministry, office, recommender, recommender, role);
        let file = dir
            .path()
            .join(format!("roster-{}.json", stale_rosters.len()));
        ok(
            &ministry,
            &["roster", "export", "--out", file.to_str().unwrap()],
        );
        stale_rosters.push(file);
    }
    for office in &equivocators {
        roster_add(&ministry, office, "shanghai", "shanghai", "field_office");
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
    // The witness, a Shanghai field office, is online throughout: it may read every Shanghai
    // feed, so anything the ministry forwarded would reach it.
    let _witness_daemon = Daemon::start_online(&witness);
    wait_writable(&witness);

    let (h, r, s) = (key_of(&hostile), key_of(&revoked), key_of(&stranger));
    let sender = Sender {
        data: &hostile,
        to: ministry_address.clone(),
        dir: requests_dir.clone(),
    };
    let refused = |reason: &str| {
        metric(
            &api,
            &format!("fedrec_entries_refused_total{{reason=\"{reason}\"}} "),
        )
    };
    let acks_refused = |answers: &[serde_json::Value]| {
        answers
            .iter()
            .filter(|a| a["ack"]["refused"] == 1 && a["ack"]["accepted"] == 0)
            .count()
    };
    let rss_before = rss_kb(pid);
    let mut tally = Tally::default();

    // An honest first entry of the hostile node (so chain and replay cases have a base).
    let first = entry(&h, &h, 1, None, "第一");
    assert_eq!(sender.send(push(&[&first]))["ack"]["accepted"], 1);

    // Forged signatures: one byte of the signature changed, at 16 positions.
    let forged: Vec<Vec<u8>> = (0..16)
        .map(|i| {
            let mut e = entry(&h, &h, 2, Some(first.id()), &format!("伪造{i}"));
            e.signature[i * 4] ^= 1 << (i % 8);
            push(&[&e])
        })
        .collect();
    let answers = sender.send_all(&forged);
    tally.entries("forged signature", forged.len(), acks_refused(&answers));
    assert_eq!(refused("bad_signature"), 16);

    // A change by another actor, signed as the hostile node's own: 8 actors.
    let wrong: Vec<Vec<u8>> = (0..8)
        .map(|i| {
            let other = NodeKey::for_test(&format!("hostile: actor {i}"));
            push(&[&entry(&h, &other, 2, Some(first.id()), &format!("冒用{i}"))])
        })
        .collect();
    let answers = sender.send_all(&wrong);
    tally.entries("wrong actor", wrong.len(), acks_refused(&answers));
    assert_eq!(refused("wrong_actor"), 8);

    // Entries by keys the roster does not know, relayed by an authorised peer: 10 keys.
    let unknown: Vec<Vec<u8>> = (0..10)
        .map(|i| {
            let fresh = NodeKey::generate();
            let key = if i == 0 { &s } else { &fresh };
            push(&[&entry(key, key, 1, None, &format!("陌生{i}"))])
        })
        .collect();
    let answers = sender.send_all(&unknown);
    tally.entries("unknown key", unknown.len(), acks_refused(&answers));
    assert_eq!(refused("unauthorised"), 10);

    // A revoked key's entries: 8 different first entries.
    let revoked_entries: Vec<Vec<u8>> = (0..8)
        .map(|i| push(&[&entry(&r, &r, 1, None, &format!("吊销{i}"))]))
        .collect();
    let answers = sender.send_all(&revoked_entries);
    tally.entries("revoked key", revoked_entries.len(), acks_refused(&answers));
    assert_eq!(refused("revoked"), 8);

    // Replays of the honest entry: duplicates, stored once, never refused (nothing wrong).
    let replays = vec![push(&[&first]); 10];
    let answers = sender.send_all(&replays);
    let duplicates = answers
        .iter()
        .filter(|a| a["ack"]["duplicates"] == 1)
        .count();
    tally.sent("replay", replays.len(), duplicates);
    assert_eq!(duplicates, 10, "{answers:?}");

    // Broken chains: a second entry whose `prev` is not the first's id, 8 ways.
    let broken: Vec<Vec<u8>> = (0..8)
        .map(|i| {
            let bogus = Hash32::of(format!("not the first {i}").as_bytes());
            push(&[&entry(&h, &h, 2, Some(bogus), &format!("断链{i}"))])
        })
        .collect();
    let answers = sender.send_all(&broken);
    tally.entries("broken chain", broken.len(), acks_refused(&answers));
    assert_eq!(refused("broken_chain"), 8);

    // Malformed entries inside well-formed frames: random bytes, and a valid entry cut short.
    let whole_entry = entry(&h, &h, 2, Some(first.id()), "截断").encode();
    let malformed: Vec<Vec<u8>> = (0..12)
        .map(|i| {
            let bytes = if i < 8 {
                let length = rng.random_range(1..2000);
                (0..length).map(|_| rng.random::<u8>()).collect()
            } else {
                whole_entry[..whole_entry.len() * (i - 7) / 5].to_vec()
            };
            push_raw(vec![bytes])
        })
        .collect();
    let answers = sender.send_all(&malformed);
    tally.entries("malformed entry", malformed.len(), acks_refused(&answers));
    assert_eq!(refused("malformed"), 12);

    // Oversized entries, and too many entries, inside frames under the frame cap: the wire
    // decoder refuses the message before any entry is looked at (a bad frame, not quarantined).
    let bad_frames_before = metric(&api, "fedrec_bad_frames_total ");
    let mut oversized: Vec<Vec<u8>> = [1usize, 1000, 100_000]
        .iter()
        .map(|extra| {
            push_raw(vec![vec![
                7u8;
                fedrec_common::ingest::MAX_ENTRY_BYTES + extra
            ]])
        })
        .collect();
    oversized.push(push_raw(vec![vec![1u8; 10]; sync::CHUNK_ENTRIES + 1]));
    let answers = sender.send_all(&oversized);
    let failed = answers.iter().filter(|a| a.get("failed").is_some()).count();
    tally.sent("oversized entry or message", oversized.len(), failed);
    assert_eq!(failed, oversized.len(), "{answers:?}");
    wait_until(
        "the oversized messages to be counted",
        Duration::from_secs(30),
        || metric(&api, "fedrec_bad_frames_total ") >= bad_frames_before + 4,
    );

    // Equivocation: each of six authorised keys signs an entry, then another for the same
    // position (refused, both kept as evidence), then a next entry (its author now refused).
    let mut equivocations = 0;
    let mut after = 0;
    for (i, office) in equivocators.iter().enumerate() {
        let key = key_of(office);
        let honest_first = entry(&key, &key, 1, None, &format!("甲{i}"));
        assert_eq!(sender.send(push(&[&honest_first]))["ack"]["accepted"], 1);
        let second = entry(&key, &key, 1, None, &format!("乙{i}"));
        equivocations += acks_refused(&[sender.send(push(&[&second]))]);
        let next = entry(&key, &key, 2, Some(honest_first.id()), &format!("丙{i}"));
        after += acks_refused(&[sender.send(push(&[&next]))]);
    }
    tally.entries("equivocation", equivocators.len(), equivocations);
    tally.entries("equivocator's later entry", equivocators.len(), after);
    assert_eq!(refused("equivocation"), 6);
    assert_eq!(refused("refused_author"), 6);

    // Broken frames: garbage, lying length prefixes, oversized frames, truncated frames. The
    // stream fails and the frame is counted; nothing else happens.
    let bad_frames_before = metric(&api, "fedrec_bad_frames_total ");
    let whole = push(&[&first]);
    let mut frames: Vec<(&'static str, Vec<u8>)> = Vec::new();
    for _ in 0..10 {
        let length = rng.random_range(1..4000);
        let body: Vec<u8> = (0..length).map(|_| rng.random::<u8>()).collect();
        // Random bytes can happen to decode as a request; a leading tag past the enum's end
        // cannot, so half the garbage is sure to be undecodable and half is truly random.
        let mut body = body;
        if frames.len().is_multiple_of(2) {
            body[0] = 0xF0;
        }
        frames.push(("garbage frame", frame(&body)));
    }
    for extra in [1u32, 10, 100, 1000, 10_000, 65_000, 1_000_000, 3_000_000] {
        let mut lying = (whole.len() as u32 - 4 + extra).to_be_bytes().to_vec();
        lying.extend_from_slice(&whole[4..]);
        frames.push(("lying length prefix", lying));
    }
    for announced in [
        sync::MAX_FRAME_BYTES as u32 + 1,
        sync::MAX_FRAME_BYTES as u32 * 2,
        u32::MAX / 2,
        u32::MAX,
    ] {
        let mut oversized = announced.to_be_bytes().to_vec();
        oversized.extend(std::iter::repeat_n(0u8, 64 * 1024));
        frames.push(("oversized frame", oversized));
    }
    for cut in 1..=8 {
        frames.push(("truncated frame", whole[..whole.len() * cut / 9].to_vec()));
    }
    let answers = sender.send_all(&frames.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>());
    for ((kind, _), answer) in frames.iter().zip(&answers) {
        // Random garbage may happen to decode as an empty request; it must never store anything.
        let accepted = answer["ack"]["accepted"].as_u64().unwrap_or(0);
        assert_eq!(accepted, 0, "{kind} was accepted: {answer}");
        let refused = accepted == 0;
        tally.sent(kind, 1, usize::from(refused));
    }
    let undecodable = frames.len() - 5; // the five fully random garbage bodies may decode
    wait_until(
        "the broken frames to be counted",
        Duration::from_secs(30),
        || metric(&api, "fedrec_bad_frames_total ") >= bad_frames_before + undecodable as u64,
    );

    // Stale and forged rosters offered to a node that holds the newest (the same check as a
    // roster arriving over sync): every older version, a tampered one, another ministry's.
    let held = json(&fedrec(&witness, &["status", "--format", "json"]).stdout)["roster_version"]
        .as_u64()
        .unwrap();
    let mut rosters = stale_rosters.clone();
    let tampered = dir.path().join("roster-tampered.json");
    let text = std::fs::read_to_string(&stale_rosters[3]).unwrap();
    std::fs::write(&tampered, text.replacen("shanghai", "shanghaj", 1)).unwrap();
    rosters.push(tampered);
    let other = dir.path().join("other-ministry");
    ok(
        &other,
        &["init", "--role", "ministry", "--api", "127.0.0.1:0"],
    );
    let other_daemon = Daemon::start(&other);
    let foreign = dir.path().join("roster-foreign.json");
    ok(
        &other,
        &["roster", "export", "--out", foreign.to_str().unwrap()],
    );
    drop(other_daemon);
    rosters.push(foreign);
    let mut stale_refused = 0;
    for file in &rosters {
        let output = fedrec(&witness, &["roster", "import", file.to_str().unwrap()]);
        stale_refused += usize::from(output.status.code() == Some(2));
    }
    tally.sent("stale or forged roster", rosters.len(), stale_refused);
    assert_eq!(stale_refused, rosters.len());
    assert_eq!(
        json(&fedrec(&witness, &["status", "--format", "json"]).stdout)["roster_version"],
        held
    );

    // A flood of streams on one authorised connection: 300 digests at once. The ministry
    // serves what its stream limit allows and drops the rest; it stays up.
    let digest = frame(
        &sync::encode(&Request::Digest {
            digest: Hash32::of(b"flood"),
            feeds: 0,
            roster_version: 0,
        })
        .unwrap(),
    );
    let answers = sender.send_all(&vec![digest; 300]);
    let served = answers.iter().filter(|a| a.get("heads").is_some()).count();
    // Answering a digest gives nothing away a peer may not see; dropping is the limit working.
    tally.sent("stream flood (digests)", answers.len(), answers.len());
    eprintln!("stream flood: {served} of 300 digests answered, the rest dropped");

    // A flood of connections from 200 keys the roster does not know: every one cut off.
    let flood = json(
        &fedrec(
            &hostile,
            &[
                "debug",
                "flood",
                "--to",
                &ministry_address,
                "--connections",
                "200",
            ],
        )
        .stdout,
    );
    assert_eq!(flood["answered"], 0, "{flood}");
    tally.sent("connection flood (strangers)", 200, 200);

    // A stranger connecting directly is cut off before its request is read.
    let stranger_sender = Sender {
        data: &stranger,
        to: ministry_address.clone(),
        dir: requests_dir.clone(),
    };
    let answer = stranger_sender.send(push(&[&entry(&s, &s, 1, None, "陌生人直连")]));
    assert!(
        answer.get("ack").is_none(),
        "a stranger's push was answered: {answer}"
    );
    tally.sent("stranger's direct push", 1, 1);
    // Strangers are refused at the gate, or earlier by the limit on handshakes in progress.
    let refused_connections = metric(&api, "fedrec_peers_gated_total ")
        + metric(&api, "fedrec_connections_limited_total ");
    assert!(refused_connections >= 201, "{refused_connections} refused");

    // The same process throughout, memory bounded, nothing refused stored.
    assert_eq!(ministry_daemon.pid(), pid);
    let (status, _) = http("GET", &format!("{api}/health"), None);
    assert_eq!(status, 200);
    let rss_after = rss_kb(pid);
    assert!(
        rss_after < rss_before + 200 * 1024,
        "RSS grew from {rss_before} kB to {rss_after} kB"
    );
    let status = json(&fedrec(&ministry, &["status", "--format", "json"]).stdout);
    let feeds = status["feeds"].as_array().unwrap();
    // The hostile node's first entry and each equivocator's first: seq 1 each, nothing more.
    assert_eq!(feeds.len(), 1 + equivocators.len(), "{feeds:?}");
    assert!(feeds.iter().all(|f| f["seq"] == 1), "{feeds:?}");
    assert_eq!(
        status["quarantine"].as_u64().unwrap() as usize,
        tally.quarantined,
        "one quarantine entry per refused entry"
    );
    assert!(ok(&ministry, &["verify"]).contains(&format!("{} entries verified", feeds.len())));

    // Nothing refused was forwarded: the witness holds exactly the ministry's Shanghai feeds.
    wait_until(
        "the witness to hold the accepted entries",
        Duration::from_secs(60),
        || {
            let witness_status = json(&fedrec(&witness, &["status", "--format", "json"]).stdout);
            let seqs = |feeds: &serde_json::Value| -> Vec<(String, u64)> {
                let mut seqs: Vec<(String, u64)> = feeds
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["topic"] == "recommender:shanghai")
                    .filter(|f| f["author"] != witness_status["node_id"])
                    .map(|f| {
                        (
                            f["author"].as_str().unwrap_or_default().to_string(),
                            f["seq"].as_u64().unwrap_or(0),
                        )
                    })
                    .collect();
                seqs.sort();
                seqs
            };
            seqs(&witness_status["feeds"]) == seqs(&status["feeds"])
        },
    );

    // The ministry still syncs an honest recommender.
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
    assert_eq!(ministry_daemon.pid(), pid);

    let mut total = (0, 0);
    eprintln!("hostile catalogue (seed {seed}): kind, variants sent, refused or harmless");
    for (kind, (sent, refused)) in &tally.rows {
        eprintln!("  {kind:<32} {sent:>4} {refused:>4}");
        total.0 += sent;
        total.1 += refused;
    }
    eprintln!(
        "  {:<32} {:>4} {:>4}   accepted: 0; RSS {} → {} kB",
        "total", total.0, total.1, rss_before, rss_after
    );
    assert_eq!(total.0, total.1, "every hostile input refused or harmless");
    ministry_daemon.terminate();
}

fn quarantine_of(data: &Path) -> u64 {
    json(&fedrec(data, &["status", "--format", "json"]).stdout)["quarantine"]
        .as_u64()
        .unwrap()
}

#[test]
fn a_flood_of_refused_entries_keeps_the_quarantine_within_its_limits() {
    let dir = tempfile::tempdir().unwrap();
    let requests_dir = dir.path().join("requests");
    std::fs::create_dir_all(&requests_dir).unwrap();
    let (ministry, ministry_port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry_port, &ministry);
    let flooder = init_office(
        dir.path(),
        "flooder",
        "shanghai",
        "recommender",
        &ministry_address,
    );
    let other = init_office(
        dir.path(),
        "other",
        "shanghai",
        "field-office",
        &ministry_address,
    );
    set_limits(
        &ministry,
        "quarantine_max_entries = 8\nquarantine_max_entries_per_peer = 5",
    );
    let mut ministry_daemon = Daemon::start_online(&ministry);
    let api = ministry_daemon.api.clone();
    roster_add(&ministry, &flooder, "shanghai", "shanghai", "hq");
    roster_add(&ministry, &other, "shanghai", "shanghai", "field_office");
    publish_batch_6(&ministry);
    let (f, o) = (key_of(&flooder), key_of(&other));
    let send = |data: &Path, requests: &[Vec<u8>]| {
        Sender {
            data,
            to: ministry_address.clone(),
            dir: requests_dir.clone(),
        }
        .send_all(requests)
    };
    let first = entry(&f, &f, 1, None, "第一");
    assert_eq!(send(&flooder, &[push(&[&first])])[0]["ack"]["accepted"], 1);

    // The same refused bytes twice are kept once: nothing stored, nothing dropped.
    let twice = forged_pushes(&f, 2, first.id(), 21).pop().unwrap();
    send(&flooder, std::slice::from_ref(&twice));
    send(&flooder, &[twice]);
    assert_eq!(quarantine_of(&ministry), 1);
    assert_eq!(metric(&api, "fedrec_quarantine_dropped_total "), 0);

    // One peer's flood: its share is kept, its own oldest dropped first, every drop counted.
    let flood = forged_pushes(&f, 2, first.id(), 20);
    let answers = send(&flooder, &flood);
    assert!(
        answers.iter().all(|a| a["ack"]["refused"] == 1),
        "{answers:?}"
    );
    assert_eq!(quarantine_of(&ministry), 5);
    assert_eq!(metric(&api, "fedrec_quarantined_entries "), 5);
    assert_eq!(metric(&api, "fedrec_quarantine_dropped_total "), 16);
    let bytes = metric(&api, "fedrec_quarantined_bytes ");
    assert!(bytes > 0 && bytes <= 8 * 1024 * 1024, "{bytes} bytes kept");

    // A second peer's refusals: its own share of 5, and the total of 8 pushes out the oldest.
    let other_first = entry(&o, &o, 1, None, "其他");
    let flood = forged_pushes(&o, 2, other_first.id(), 6);
    send(&other, &flood);
    assert_eq!(quarantine_of(&ministry), 8);
    // Its sixth pushed out its first (1); its fourth and fifth pushed out the flooder's two
    // oldest to keep the total at 8 (2).
    assert_eq!(metric(&api, "fedrec_quarantine_dropped_total "), 16 + 1 + 2);

    // Lower limits apply to what is already stored, at the next start.
    ministry_daemon.terminate();
    let config = ministry.join("fedrec.toml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("quarantine_max_entries = 8", "quarantine_max_entries = 3");
    std::fs::write(&config, text).unwrap();
    let _ministry_daemon = Daemon::start_online(&ministry);
    assert_eq!(quarantine_of(&ministry), 3);
}

#[test]
fn changes_waiting_for_their_dependencies_are_bounded_per_document() {
    let dir = tempfile::tempdir().unwrap();
    let requests_dir = dir.path().join("requests");
    std::fs::create_dir_all(&requests_dir).unwrap();
    let (ministry, ministry_port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry_port, &ministry);
    let hostile = init_office(
        dir.path(),
        "hostile",
        "shanghai",
        "recommender",
        &ministry_address,
    );
    set_limits(&ministry, "parked_max_changes_per_document = 3");
    let ministry_daemon = Daemon::start_online(&ministry);
    roster_add(&ministry, &hostile, "shanghai", "shanghai", "hq");
    publish_batch_6(&ministry);
    let h = key_of(&hostile);
    let sender = Sender {
        data: &hostile,
        to: ministry_address.clone(),
        dir: requests_dir.clone(),
    };
    let first = entry(&h, &h, 1, None, "第一");
    assert_eq!(sender.send(push(&[&first]))["ack"]["accepted"], 1);

    // Edits of a record whose creation never arrives: each waits for the one before it.
    let shanghai = "shanghai".parse().unwrap();
    let topic = Topic::Recommender("shanghai".parse().unwrap());
    let mut application = Application {
        batch: 6,
        ..Application::default()
    };
    application.applicant.name = "未到达".into();
    let (mut doc, _creation) = RecordDoc::create(
        &h.id(),
        BatchNumber(6),
        &shanghai,
        &application,
        Timestamp(0),
    )
    .unwrap();
    let mut prev = first.id();
    let mut entries = Vec::new();
    for seq in 2..=7 {
        application.applicant.name = format!("第{seq}次修改");
        let change = doc.update(&application, Timestamp(0)).unwrap().unwrap();
        let signed = Entry {
            author: h.id(),
            topic: topic.clone(),
            seq,
            prev: Some(prev),
            doc: DocId::Record {
                batch: BatchNumber(6),
                recommender: shanghai.clone(),
                record: RecordId::derive(&h.id(), &topic, 99),
            },
            change: change.raw_bytes().to_vec(),
        }
        .sign(&h);
        prev = signed.id();
        entries.push(signed);
    }
    let answer = sender.send(push(&entries.iter().collect::<Vec<_>>()));
    // Three wait (seq 2-4); the fourth is refused; the two after it wait for it (early).
    assert_eq!(answer["ack"]["accepted"], 3, "{answer}");
    assert_eq!(answer["ack"]["refused"], 1, "{answer}");
    let api = ministry_daemon.api.clone();
    assert_eq!(
        metric(&api, "fedrec_entries_refused_total{reason=\"oversized\"} "),
        1
    );
    let status = json(&fedrec(&ministry, &["status", "--format", "json"]).stdout);
    let seq = status["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["author"] == h.id().to_hex())
        .map(|f| f["seq"].as_u64().unwrap());
    assert_eq!(seq, Some(4), "{status}");
}

/// Whether the node at `data` lists a connected peer with this node id.
fn connected_to(data: &Path, node_id: &str) -> bool {
    let status = json(&fedrec(data, &["status", "--format", "json"]).stdout);
    status["peers"]
        .as_array()
        .is_some_and(|peers| peers.iter().any(|p| p["node_id"] == node_id))
}

#[test]
fn a_revoked_peer_is_disconnected_at_once_and_refused_at_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let (ministry, ministry_port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry_port, &ministry);
    let office = init_office(
        dir.path(),
        "office",
        "shanghai",
        "recommender",
        &ministry_address,
    );
    let _ministry_daemon = Daemon::start_online(&ministry);
    let api = _ministry_daemon.api.clone();
    roster_add(&ministry, &office, "shanghai", "shanghai", "hq");
    let _office_daemon = Daemon::start_online(&office);
    let office_id = ok(&office, &["id"]).trim().to_string();
    wait_until(
        "the office to connect to the ministry",
        Duration::from_secs(60),
        || connected_to(&ministry, &office_id),
    );
    let gated_before = metric(&api, "fedrec_peers_gated_total ");

    ok(
        &ministry,
        &["roster", "revoke", "--key", &office_id, "--after", "0"],
    );
    // Cut off by the roster change itself, not at some later reconnect; and its redials are
    // refused at the gate, so it stays cut off.
    wait_until(
        "the ministry to disconnect the revoked office",
        Duration::from_secs(10),
        || !connected_to(&ministry, &office_id),
    );
    assert!(metric(&api, "fedrec_peers_gated_total ") > gated_before);
    wait_until(
        "the office's redial to be refused at the gate",
        Duration::from_secs(60),
        || metric(&api, "fedrec_peers_gated_total ") > gated_before + 1,
    );
    assert!(!connected_to(&ministry, &office_id));
}
