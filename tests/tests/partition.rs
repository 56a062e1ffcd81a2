//! Partition and heal over real processes: while Shanghai's HQ, its field office and MIIT edit
//! records, links are cut and restored at random points (a node's daemon is stopped or killed,
//! and started again later). After the final heal every replica converges on every record it may
//! read, and no acknowledged edit is lost.
//!
//! The schedule comes from a seeded generator; a failure prints the seed, and
//! `FEDREC_PARTITION_SEED=<seed>` replays it.

use std::collections::BTreeMap;
use std::time::Duration;

use fedrec_tests::process::*;
use rand::{RngExt, SeedableRng};

#[test]
fn replicas_converge_after_random_partitions_with_no_acknowledged_edit_lost() {
    let seed = seed_from_env("FEDREC_PARTITION_SEED", "partition test");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let (ministry, ministry_port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry_port, &ministry);
    let (hq, hq_port) = init_node(
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
            &ministry_address,
        ],
    );
    let hq_address = p2p_address(hq_port, &hq);
    let (field, _) = init_node(
        dir.path(),
        "field",
        &[
            "--role",
            "field-office",
            "--recommender",
            "shanghai",
            "--name",
            "外勤",
            "--ministry",
            &ministry_address,
            "--peer",
            &hq_address,
        ],
    );
    let (miit, _) = init_node(
        dir.path(),
        "miit",
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

    let _ministry_daemon = Daemon::start_online(&ministry);
    for (node, recommender, role) in [
        (&hq, "shanghai", "hq"),
        (&field, "shanghai", "field_office"),
        (&miit, "miit", "hq"),
    ] {
        let key = ok(node, &["id"]).trim().to_string();
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
    publish_batch_6(&ministry);
    let bundle = dir.path().join("roster.json");
    ok(
        &ministry,
        &["roster", "export", "--out", bundle.to_str().unwrap()],
    );

    let editors = [hq.clone(), field.clone(), miit.clone()];
    let mut daemons: Vec<Option<Daemon>> = editors
        .iter()
        .map(|data| Some(Daemon::start_online(data)))
        .collect();
    for data in &editors {
        ok(data, &["roster", "import", bundle.to_str().unwrap()]);
    }
    let example = workspace().join("config/examples/application.toml");
    let example = example.to_str().unwrap();
    // Each editor's own records, and the last acknowledged contact name written to each.
    let mut own: Vec<Vec<String>> = vec![Vec::new(); editors.len()];
    let mut acknowledged: BTreeMap<String, String> = BTreeMap::new();
    let mut edits = 0;

    for step in 0..40 {
        let who = rng.random_range(0..editors.len());
        match rng.random_range(0..10) {
            // Cut: stop (or kill) a running editor.
            0 | 1 => {
                if let Some(mut daemon) = daemons[who].take() {
                    if rng.random_bool(0.5) {
                        daemon.kill()
                    } else {
                        daemon.terminate()
                    }
                }
            }
            // Heal: start a stopped editor.
            2 | 3 => {
                if daemons[who].is_none() {
                    daemons[who] = Some(Daemon::start_online(&editors[who]));
                }
            }
            // Edit on a running editor: a new record, or a new contact on one of its own.
            _ => {
                if daemons[who].is_none() {
                    continue;
                }
                let data = &editors[who];
                // A restarted node may refuse writes until a peer confirms its own feed heads
                // (restore protection); such a write is simply not acknowledged.
                let refused_until_confirmed = |output: &std::process::Output| {
                    assert!(
                        stderr(output).contains("own feed's head"),
                        "seed {seed}: unexpected failure: {}",
                        stderr(output)
                    );
                };
                if own[who].is_empty() || rng.random_bool(0.3) {
                    let output = fedrec(data, &["record", "new", "--file", example]);
                    if !output.status.success() {
                        refused_until_confirmed(&output);
                        continue;
                    }
                    let id = stdout(&output).trim().to_string();
                    own[who].push(id.clone());
                    acknowledged.insert(id, "陈思远".into());
                } else {
                    let id = own[who][rng.random_range(0..own[who].len())].clone();
                    let contact = format!("联系人{step}");
                    let set = format!("applicant.contact={contact}");
                    let output = fedrec(data, &["record", "edit", &id, "--set", &set]);
                    if !output.status.success() {
                        refused_until_confirmed(&output);
                        continue;
                    }
                    acknowledged.insert(id, contact);
                }
                edits += 1;
            }
        }
    }

    // Final heal: everyone up.
    for (index, data) in editors.iter().enumerate() {
        if daemons[index].is_none() {
            daemons[index] = Some(Daemon::start_online(data));
        }
    }
    let shanghai_ids: Vec<&String> = own[0].iter().chain(&own[1]).collect();
    wait_until(
        &format!("convergence (seed {seed})"),
        Duration::from_secs(90),
        || {
            acknowledged.iter().all(|(id, contact)| {
                application(&ministry, id)["applicant"]["contact"] == contact.as_str()
            }) && shanghai_ids.iter().all(|id| {
                let at_ministry = application(&ministry, id);
                application(&hq, id) == at_ministry && application(&field, id) == at_ministry
            })
        },
    );
    for id in &own[2] {
        assert_eq!(
            application(&hq, id),
            serde_json::Value::Null,
            "seed {seed}: MIIT's record {id} reached Shanghai"
        );
    }
    for data in [&ministry, &hq, &field, &miit] {
        assert!(
            ok(data, &["verify"]).contains("entries verified"),
            "seed {seed}"
        );
    }
    eprintln!(
        "partition test: {edits} acknowledged writes on {} records, all converged",
        acknowledged.len()
    );
}
