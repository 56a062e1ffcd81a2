//! Online backup and restore: a backup taken while writes stream in holds every write the
//! daemon acknowledged before the backup began, restores into a fresh directory that passes
//! `fedrec verify`, and the restored node stays closed for writes until a peer confirms its
//! feeds (no `--offline` shortcut while the restore marker is there).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fedrec_tests::process::*;

#[test]
fn an_online_backup_during_a_stream_of_writes_restores_every_acknowledged_write() {
    let pair = pair();
    let data = &pair.shanghai;
    let mut daemon = Daemon::start(data);
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = std::thread::spawn({
        let (api, acknowledged, stop) = (daemon.api.clone(), acknowledged.clone(), stop.clone());
        move || {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let application = application_named(&format!("继续教育学院{n}"));
                let (status, body) = http(
                    "POST",
                    &format!("{api}/records"),
                    Some((
                        "application/json",
                        serde_json::to_vec(&application).unwrap(),
                    )),
                );
                assert_eq!(status, 201, "write {n}: {}", String::from_utf8_lossy(&body));
                let id = json(&body)["id"].as_str().unwrap().to_string();
                acknowledged.lock().unwrap().push(id);
            }
        }
    });
    let count = || acknowledged.lock().unwrap().len();
    wait_until("five acknowledged writes", Duration::from_secs(60), || {
        count() >= 5
    });
    // Every write acknowledged before the backup begins must be in it.
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let backup = pair.dir.path().join("backup");
    let said = ok(
        data,
        &["backup", "--out", backup.to_str().unwrap(), "--with-key"],
    );
    assert!(said.contains("with the node's key"), "{said}");
    let at_backup = count();
    wait_until("writes after the backup", Duration::from_secs(60), || {
        count() >= at_backup + 3
    });
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    daemon.terminate();
    let manifest = json(&std::fs::read(backup.join("backup.json")).unwrap());
    assert_eq!(manifest["with_key"], true);
    assert!(backup.join("node.key").exists() && backup.join("fedrec.toml").exists());

    let restored = pair.dir.path().join("restored");
    let said = ok(&restored, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(said.contains("entries verified"), "{said}");
    assert!(
        restored.join("restored.json").exists(),
        "the restore marker"
    );
    // `--offline` would skip the confirmation that protects the feed from forking.
    let refused = fedrec(&restored, &["run", "--offline"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("restored from a backup"),
        "{}",
        stderr(&refused)
    );
    let restored_daemon = Daemon::start_online(&restored);
    let held: Vec<String> = records(&restored).into_iter().map(|(id, _)| id).collect();
    for id in &before {
        assert!(
            held.contains(id),
            "write {id}, acknowledged before the backup, is missing"
        );
    }
    assert!(held.len() >= before.len() && held.len() <= count());
    ok(&restored, &["verify"]);
    // No peer has confirmed its feeds: it refuses to sign.
    let (status, body) = http(
        "POST",
        &format!("{}/records", restored_daemon.api),
        Some((
            "application/json",
            serde_json::to_vec(&application_named("恢复后的写入")).unwrap(),
        )),
    );
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&body));
    assert!(
        restored.join("restored.json").exists(),
        "marker kept until confirmed"
    );
}

#[test]
fn a_backup_without_the_key_restores_with_key_given_and_refuses_a_wrong_one() {
    let pair = pair();
    let data = &pair.shanghai;
    // No daemon: the backup reads the database itself, holding the directory's lock.
    let backup = pair.dir.path().join("backup");
    let said = ok(data, &["backup", "--out", backup.to_str().unwrap()]);
    assert!(said.contains("without the node's key"), "{said}");
    assert!(!backup.join("node.key").exists());
    assert!(
        !fedrec(data, &["backup", "--out", backup.to_str().unwrap()])
            .status
            .success(),
        "an existing backup is never overwritten"
    );

    let wrong = fedrec(
        &pair.dir.path().join("wrong"),
        &[
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--key",
            pair.ministry.join("node.key").to_str().unwrap(),
        ],
    );
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("but the backup is of node"),
        "{}",
        stderr(&wrong)
    );
    assert!(
        !pair.dir.path().join("wrong").exists(),
        "nothing left by a refused restore"
    );
    assert!(!pair.dir.path().join("wrong.partial").exists());

    let restored = pair.dir.path().join("restored");
    let key = data.join("node.key");
    ok(
        &restored,
        &[
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    assert_eq!(ok(&restored, &["id"]), ok(data, &["id"]));
    // A second restore into the now full directory is refused.
    let again = fedrec(
        &restored,
        &[
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    assert!(!again.status.success());
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
}
