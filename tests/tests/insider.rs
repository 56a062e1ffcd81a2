//! The insider catalogue: recommenders whose keys are in the roster but whose nodes run
//! modified code, against a real ministry daemon. Each attack is played through the real
//! network path (`fedrec debug send` with the insider's own key, or the sync of unmodified
//! daemons), and each must be refused with its own counted reason, or be without effect on any
//! recommender's verdict:
//!
//! 1. borrowing another recommender's record id (`record/6/B/<A's id>`) to block, withdraw or
//!    overwrite A's record;
//! 2. changing a submitted application after the fact (swapping the institution);
//! 3. a field office's key submitting and withdrawing without the ministry's grant;
//! 4. a stale submission from an HQ machine that was offline undoing a later withdrawal
//!    (unmodified daemons, played as a bureau with two HQ machines would);
//! 5. rolling a batch definition back with an older signed text, and feeding the ministry trust
//!    data.

use std::path::Path;
use std::time::Duration;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
use fedrec_common::batch::BatchNumber;
use fedrec_common::form::Application;
use fedrec_common::ids::{DocId, RecordId, Topic};
use fedrec_common::record::RecordDoc;
use fedrec_common::timestamp::Timestamp;
use fedrec_tests::peer::{Feed, Sender, key_of, push, refused};
use fedrec_tests::process::*;

const WAIT: Duration = Duration::from_secs(60);

fn status(data: &Path, record: &str) -> String {
    records(data)
        .into_iter()
        .find(|(id, _)| id == record)
        .map(|(_, status)| status)
        .unwrap_or_default()
}

fn example(name: &str, code: &str) -> Application {
    let text = fedrec_config::EXAMPLE_APPLICATION_TOML
        .replace("123100004250015860", code)
        .replace("上海集成电路产业技术继续教育学院", name);
    Application::from_toml_str(&text).unwrap()
}

/// A record document held by `data`, loaded for changes by `actor` (a forger's own key).
fn document(data: &Path, record: &str, actor: &fedrec_common::identity::NodeKey) -> AutoCommit {
    let output = fedrec(data, &["record", "export", record]);
    assert!(output.status.success(), "{}", stderr(&output));
    AutoCommit::load(&output.stdout)
        .unwrap()
        .with_actor(actor.id().actor_id())
}

/// The change committed last to `doc`.
fn commit(doc: &mut AutoCommit, message: Option<&str>) -> automerge::Change {
    let mut options = CommitOptions::default().with_time(0);
    if let Some(message) = message {
        options = options.with_message(message.to_string());
    }
    doc.commit_with(options);
    doc.get_last_local_change().unwrap()
}

/// A submission or withdrawal act on `doc`, as the record module writes one.
fn act(doc: &mut AutoCommit, status: &str, message: &str) -> automerge::Change {
    doc.put(ROOT, "status", status).unwrap();
    commit(doc, Some(message))
}

fn record_doc(recommender: &str, record: RecordId) -> DocId {
    DocId::Record {
        batch: BatchNumber(6),
        recommender: recommender.parse().unwrap(),
        record,
    }
}

#[test]
fn insiders_cannot_bend_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (ministry, port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(port, &ministry);
    let office = |name: &str, recommender: &str, role: &str| {
        init_node(
            dir.path(),
            name,
            &[
                "--role",
                role,
                "--recommender",
                recommender,
                "--name",
                name,
                "--ministry",
                &ministry_address,
            ],
        )
        .0
    };
    // Honest: Shanghai's HQ; Guangdong's two HQ machines.
    let shanghai = office("shanghai", "shanghai", "recommender");
    let guangdong = office("guangdong", "guangdong", "recommender");
    let guangdong2 = office("guangdong2", "guangdong", "recommender");
    // Insiders with modified code: Jiangsu's HQ, a second Shanghai HQ key, Shanghai's field
    // office. They never run a daemon: they sign what they like and push it.
    let jiangsu = office("jiangsu", "jiangsu", "recommender");
    let rogue = office("rogue", "shanghai", "recommender");
    let field = office("field", "shanghai", "field-office");

    let mut ministry_daemon = Daemon::start_online(&ministry);
    let api = ministry_daemon.api.clone();
    for (data, recommender, role) in [
        (&shanghai, "shanghai", "hq"),
        (&guangdong, "guangdong", "hq"),
        (&guangdong2, "guangdong", "hq"),
        (&jiangsu, "jiangsu", "hq"),
        (&rogue, "shanghai", "hq"),
        (&field, "shanghai", "field_office"),
    ] {
        roster_add(&ministry, data, recommender, recommender, role);
    }
    publish_batch_6_due(&ministry, "2099-03-15T23:59:59+08:00");
    let old_bundle = dir.path().join("bundle-old.json");
    ok(
        &ministry,
        &["roster", "export", "--out", old_bundle.to_str().unwrap()],
    );

    let mut shanghai_daemon = Daemon::start_online(&shanghai);
    let mut guangdong_daemon = Daemon::start_online(&guangdong);
    let mut guangdong2_daemon = Daemon::start_online(&guangdong2);
    for data in [&shanghai, &guangdong, &guangdong2] {
        wait_writable(data);
        wait_until("the batch to arrive", WAIT, || {
            json(&fedrec(data, &["status", "--format", "json"]).stdout)["batches"]
                == serde_json::json!([6])
        });
    }

    // Shanghai submits its candidate; the ministry accepts it.
    let a = ok(
        &shanghai,
        &[
            "record",
            "new",
            "--file",
            &application_file(
                dir.path(),
                "上海集成电路产业技术继续教育学院",
                "123100004250015860",
            ),
        ],
    )
    .trim()
    .to_string();
    ok(&shanghai, &["submit", &a]);
    wait_until("Shanghai's record to be accepted", WAIT, || {
        verdict(&ministry, &a) == "accepted"
    });
    let a_id: RecordId = a.parse().unwrap();
    let requests = dir.path().join("requests");

    // 1. Jiangsu files documents under Shanghai's record id: created, submitted, withdrawn, to
    //    block Shanghai's receipt, mark its record withdrawn or overwrite its summary.
    let jiangsu_key = key_of(&jiangsu);
    let jiangsu_topic = Topic::Recommender("jiangsu".parse().unwrap());
    let mut jiangsu_feed = Feed::new(key_of(&jiangsu), jiangsu_topic);
    let borrowed = record_doc("jiangsu", a_id);
    let (mut doc, create) = RecordDoc::create(
        &jiangsu_key.id(),
        BatchNumber(6),
        &"jiangsu".parse().unwrap(),
        &example("冒名单位", "91320000134755698X"),
        Timestamp(0),
    )
    .unwrap();
    let submit = doc.submit(Timestamp(1)).unwrap();
    let withdraw = doc.withdraw(Timestamp(2)).unwrap();
    let entries = [
        jiangsu_feed.next(&borrowed, &create),
        jiangsu_feed.next(&borrowed, &submit),
        jiangsu_feed.next(&borrowed, &withdraw),
    ];
    let jiangsu_sender = Sender {
        data: &jiangsu,
        to: ministry_address.clone(),
        dir: requests.join("jiangsu"),
    };
    let answer = jiangsu_sender.send(push(&entries.iter().collect::<Vec<_>>()));
    assert_eq!(answer["ack"]["accepted"], 0, "{answer}");
    assert_eq!(refused(&api, "borrowed_identity"), 1);
    let ministry_records = records(&ministry);
    assert_eq!(
        ministry_records.iter().filter(|(id, _)| *id == a).count(),
        1,
        "the ministry holds one record under Shanghai's id: {ministry_records:?}"
    );
    assert_eq!(verdict(&ministry, &a), "accepted");
    assert_eq!(
        decision_row(&ministry, &a)["institution"],
        "上海集成电路产业技术继续教育学院"
    );

    // 2. A second Shanghai HQ key swaps the accepted application for another institution: an
    //    edit made on top of the submission.
    let rogue_key = key_of(&rogue);
    let shanghai_topic = Topic::Recommender("shanghai".parse().unwrap());
    let mut rogue_feed = Feed::new(key_of(&rogue), shanghai_topic.clone());
    let mut held = document(&ministry, &a, &rogue_key);
    let form = match held.get(ROOT, "form").unwrap() {
        Some((automerge::Value::Object(ObjType::Map), id)) => id,
        other => panic!("no form map: {other:?}"),
    };
    held.put(&form, "applicant.name", "偷梁换柱有限公司")
        .unwrap();
    held.put(&form, "applicant.credit_code", "91110000802100433B")
        .unwrap();
    let swap = commit(&mut held, None);
    let rogue_sender = Sender {
        data: &rogue,
        to: ministry_address.clone(),
        dir: requests.join("rogue"),
    };
    let a_doc = record_doc("shanghai", a_id);
    rogue_sender.send(push(&[&rogue_feed.next(&a_doc, &swap)]));
    wait_until("the swap to be refused as frozen", WAIT, || {
        refused(&api, "frozen") == 1
    });
    assert_eq!(
        application(&ministry, &a)["applicant"]["name"],
        "上海集成电路产业技术继续教育学院",
        "the ministry's document never takes the swap"
    );
    assert_eq!(
        decision_row(&ministry, &a)["institution"],
        "上海集成电路产业技术继续教育学院"
    );
    assert_eq!(verdict(&ministry, &a), "accepted");

    // 3. Shanghai's field office, without the ministry's grant, submits a candidate of its own
    //    and withdraws its HQ's accepted one.
    let field_key = key_of(&field);
    let mut field_feed = Feed::new(key_of(&field), shanghai_topic.clone());
    let own = RecordId::derive(&field_key.id(), &shanghai_topic, 1);
    let own_doc = record_doc("shanghai", own);
    let (mut doc, create) = RecordDoc::create(
        &field_key.id(),
        BatchNumber(6),
        &"shanghai".parse().unwrap(),
        &example("浦东新区继续教育中心", "12310115425025207B"),
        Timestamp(0),
    )
    .unwrap();
    let mut draft = AutoCommit::load(&doc.save())
        .unwrap()
        .with_actor(field_key.id().actor_id());
    let submit = act(&mut draft, "submitted", "fedrec:submit");
    let mut a_held = document(&ministry, &a, &field_key);
    let withdraw_a = act(&mut a_held, "withdrawn", "fedrec:withdraw");
    let field_sender = Sender {
        data: &field,
        to: ministry_address.clone(),
        dir: requests.join("field"),
    };
    let own_entries = [
        field_feed.next(&own_doc, &create),
        field_feed.next(&own_doc, &submit),
        field_feed.next(&a_doc, &withdraw_a),
    ];
    field_sender.send(push(&own_entries.iter().collect::<Vec<_>>()));
    let own_text = own.to_string();
    wait_until("the field office's submission to be judged", WAIT, || {
        !verdict(&ministry, &own_text).is_empty() && verdict(&ministry, &own_text) != "provisional"
    });
    assert_eq!(verdict(&ministry, &own_text), "unauthorised");
    assert!(
        decision_row(&ministry, &own_text)["reason_text"]
            .as_str()
            .unwrap_or_default()
            .contains("field office"),
        "{}",
        decision_row(&ministry, &own_text)
    );
    wait_until("the field office's withdrawal to merge", WAIT, || {
        status(&ministry, &a) == "withdrawn"
    });
    assert_eq!(
        verdict(&ministry, &a),
        "accepted",
        "the field office's withdrawal is not counted"
    );

    // 4. Guangdong has two HQ machines. Both hold a draft; the second goes offline. The first
    //    submits (accepted) and withdraws (withdrawn). The second, still offline, edits the
    //    draft and submits it, then reconnects. A withdrawal is undone only by a submission
    //    that saw it: the record stays withdrawn everywhere.
    let g = ok(
        &guangdong,
        &[
            "record",
            "new",
            "--file",
            &application_file(dir.path(), "北京大学", "12100000400002259P"),
        ],
    )
    .trim()
    .to_string();
    wait_until("the draft to reach the second HQ machine", WAIT, || {
        status(&guangdong2, &g) == "draft"
    });
    guangdong2_daemon.terminate();
    ok(&guangdong, &["submit", &g]);
    wait_until("Guangdong's record to be accepted", WAIT, || {
        verdict(&ministry, &g) == "accepted"
    });
    ok(&guangdong, &["withdraw", &g]);
    wait_until("Guangdong's withdrawal to be receipted", WAIT, || {
        verdict(&ministry, &g) == "withdrawn"
    });
    guangdong2_daemon = Daemon::start(&guangdong2); // offline: no network at all
    for n in 0..3 {
        ok(
            &guangdong2,
            &[
                "record",
                "edit",
                &g,
                "--set",
                &format!("plan.targets=离线修改第{n}稿"),
            ],
        );
    }
    ok(&guangdong2, &["submit", &g]);
    guangdong2_daemon.terminate();
    guangdong2_daemon = Daemon::start_online(&guangdong2);
    let g2_id = ok(&guangdong2, &["id"]).trim().to_string();
    wait_until("the ministry to merge the stale submission", WAIT, || {
        let history = json(&http("GET", &format!("{api}/records/{g}/history"), None).1);
        history.as_array().is_some_and(|items| {
            items
                .iter()
                .filter(|item| item["actor"] == g2_id.as_str())
                .any(|item| {
                    item["fields"]
                        .as_array()
                        .is_some_and(|f| f.contains(&"status".into()))
                })
        })
    });
    wait_until(
        "the second machine to learn of the withdrawal",
        WAIT,
        || status(&guangdong2, &g) == "withdrawn",
    );
    assert_eq!(verdict(&ministry, &g), "withdrawn");
    assert_eq!(status(&ministry, &g), "withdrawn");
    assert_eq!(status(&guangdong, &g), "withdrawn");
    // Submitting again after seeing the withdrawal is a new submission (before the deadline).
    ok(&guangdong2, &["submit", &g]);
    wait_until("the informed resubmission to be accepted", WAIT, || {
        verdict(&ministry, &g) == "accepted"
    });

    // 5. Trust data moves forward only. The ministry republishes batch 6 with a later
    //    deadline; a bureau that then receives the old signed definition keeps the new one,
    //    and the ministry never imports trust data at all.
    publish_batch_6_due(&ministry, "2099-06-30T23:59:59+08:00");
    let new_bundle = dir.path().join("bundle-new.json");
    ok(
        &ministry,
        &["roster", "export", "--out", new_bundle.to_str().unwrap()],
    );
    let deadline_on = |data: &Path| {
        let bundle = json(&http("GET", &format!("{}/roster", api_of(data)), None).1);
        bundle["batches"][0]["body"]
            .as_str()
            .unwrap_or_default()
            .contains("2099-06-30")
    };
    wait_until("the new definition to reach Shanghai", WAIT, || {
        deadline_on(&shanghai)
    });
    // The old definition, carried by the newest roster (the replay a peer could make).
    let mut replay = json(&std::fs::read(&new_bundle).unwrap());
    replay["batches"] = json(&std::fs::read(&old_bundle).unwrap())["batches"].clone();
    let replay_file = dir.path().join("bundle-replay.json");
    std::fs::write(&replay_file, replay.to_string()).unwrap();
    let _ = fedrec(
        &shanghai,
        &["roster", "import", replay_file.to_str().unwrap()],
    );
    assert!(
        deadline_on(&shanghai),
        "the replayed old batch is not taken"
    );
    let output = fedrec(
        &ministry,
        &["roster", "import", old_bundle.to_str().unwrap()],
    );
    assert!(
        !output.status.success(),
        "the ministry imported trust data: {}",
        stdout(&output)
    );
    assert!(deadline_on(&ministry));

    for daemon in [
        &mut shanghai_daemon,
        &mut guangdong_daemon,
        &mut guangdong2_daemon,
        &mut ministry_daemon,
    ] {
        daemon.terminate();
    }
}

/// The API address a running daemon published.
fn api_of(data: &Path) -> String {
    let text = std::fs::read_to_string(data.join("daemon.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    format!("http://{}", value["api"].as_str().unwrap())
}
