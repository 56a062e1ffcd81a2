//! Upgrades keep data: the previous release's nodes (the committed fixture
//! `tests/fixtures/release-0`, made by commit cfc326b's own demo, see its README) start under
//! today's daemon, which backs the database up and migrates it, and every record reads as the old
//! release read it.

use std::path::{Path, PathBuf};
use std::process::Command;

use fedrec_tests::process::*;

fn fixture() -> PathBuf {
    workspace().join("tests/fixtures/release-0")
}

fn expected(name: &str) -> serde_json::Value {
    let path = fixture().join("expected").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fixture's nodes, unpacked into a fresh directory.
fn unpack() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(fixture().join("release-0.tar.gz"))
        .arg("-C")
        .arg(dir.path())
        .status()
        .expect("tar runs");
    assert!(status.success(), "tar -xzf the fixture");
    dir
}

fn backups(data: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(data.join("backups"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

fn json_of(data: &Path, args: &[&str]) -> serde_json::Value {
    json(ok(data, args).as_bytes())
}

/// What a decisions row must keep across the upgrade (the words around it may change).
fn decision_key(row: &serde_json::Value) -> (String, String, String, String) {
    let field = |name: &str| row[name].as_str().unwrap_or_default().to_string();
    (
        field("recommender"),
        field("record"),
        field("status"),
        field("verdict"),
    )
}

fn check_node(data: &Path, node: &str) {
    assert!(backups(data).is_empty(), "the fixture holds no backup");
    let mut daemon = Daemon::start(data);
    let taken = backups(data);
    assert_eq!(
        taken.len(),
        1,
        "one backup taken before migrating: {taken:?}"
    );
    assert!(
        taken[0].join("CURRENT").exists(),
        "{} is a RocksDB checkpoint",
        taken[0].display()
    );
    let old_records = expected(&format!("{node}-records.json"));
    let records = json_of(data, &["record", "list", "--format", "json"]);
    let old_records = old_records.as_array().unwrap();
    assert!(!old_records.is_empty());
    assert_eq!(
        records.as_array().unwrap().len(),
        old_records.len(),
        "{node}: the same number of records"
    );
    for old in old_records {
        let id = old["id"].as_str().unwrap();
        let new = records
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == old["id"])
            .unwrap_or_else(|| panic!("{node}: record {id} is missing after the upgrade"));
        for (field, value) in old.as_object().unwrap() {
            assert_eq!(&new[field], value, "{node}: record {id}'s {field}");
        }
        let application = json_of(data, &["record", "show", id, "--format", "json"]);
        assert_eq!(
            application["application"],
            expected(&format!("{node}-{id}.application.json")),
            "{node}: record {id}'s application"
        );
        let (status, body) = http("GET", &format!("{}/records/{id}/history", daemon.api), None);
        assert_eq!(status, 200, "{node}: history of {id}");
        let old_length: u64 = std::fs::read_to_string(
            fixture()
                .join("expected")
                .join(format!("{node}-{id}.history-length")),
        )
        .unwrap()
        .trim()
        .parse()
        .unwrap();
        assert_eq!(
            json(&body).as_array().map(Vec::len),
            Some(old_length as usize),
            "{node}: record {id}'s history length"
        );
    }
    let old_decisions: Vec<_> = expected(&format!("{node}-decisions.json"))
        .as_array()
        .unwrap()
        .iter()
        .map(decision_key)
        .collect();
    let decisions: Vec<_> = json_of(data, &["decisions", "--batch", "6", "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .map(decision_key)
        .collect();
    assert_eq!(decisions.len(), old_decisions.len(), "{node}: the verdicts");
    for (new, old) in decisions.iter().zip(&old_decisions) {
        // One rule changed this release, not the data: submitting is the HQ's act unless the
        // roster grants a field office's key the right (`may_submit`, which the old roster
        // cannot hold), so the ministry, deciding again at start, finds the Pudong field
        // office's second Shanghai submission unauthorised where the old rules counted it
        // against Shanghai's quota.
        if new != old {
            assert_eq!(
                (&new.0, &new.1, &new.2, old.3.as_str(), new.3.as_str()),
                (&old.0, &old.1, &old.2, "rejected", "unauthorised"),
                "{node}: only the field office's submission changes verdict"
            );
        }
    }
    assert!(
        decisions
            .iter()
            .zip(&old_decisions)
            .filter(|(n, o)| n != o)
            .count()
            <= 1,
        "{node}: verdicts {decisions:?} against {old_decisions:?}"
    );
    ok(data, &["verify"]);
    daemon.terminate();
    // Started again: nothing left to migrate, so no second backup.
    let mut daemon = Daemon::start(data);
    assert_eq!(backups(data).len(), 1, "{node}: migrated once");
    assert_eq!(
        json_of(data, &["record", "list", "--format", "json"])
            .as_array()
            .map(Vec::len),
        Some(old_records.len())
    );
    daemon.terminate();
}

#[test]
fn the_previous_releases_ministry_and_bureau_open_with_every_record_intact() {
    let dir = unpack();
    check_node(&dir.path().join("ministry"), "ministry");
    check_node(&dir.path().join("shanghai"), "shanghai");
}

#[test]
fn fedrec_migrate_upgrades_a_stopped_node_once() {
    let dir = unpack();
    let data = dir.path().join("shanghai");
    let first = ok(&data, &["migrate"]);
    assert!(first.contains("from schema version 1"), "{first}");
    assert_eq!(backups(&data).len(), 1);
    let second = ok(&data, &["migrate"]);
    assert!(second.contains("already at schema version"), "{second}");
    assert_eq!(
        backups(&data).len(),
        1,
        "nothing to back up the second time"
    );
    let mut daemon = Daemon::start(&data);
    assert_eq!(
        json_of(&data, &["record", "list", "--format", "json"])
            .as_array()
            .map(Vec::len),
        expected("shanghai-records.json").as_array().map(Vec::len)
    );
    // A running daemon holds the directory: migrating under it is refused.
    let refused = fedrec(&data, &["migrate"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("already running"),
        "{}",
        stderr(&refused)
    );
    daemon.terminate();
}
