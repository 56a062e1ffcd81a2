//! Push latency with the default configuration: a ministry and a recommender's node on loopback,
//! both started as an operator would start them (no short test interval, so the anti-entropy
//! timer fires every 30 s). Each submission must reach the ministry and its verdict come back to
//! the submitting node by push alone, well before that timer. The bound here is generous for CI;
//! the target itself (≤ 1 s) is measured by `fedrec bench latency`.

use std::time::{Duration, Instant};

use fedrec_tests::process::*;

/// Far below the 30-second timer that a lost push would wait for, far above the target.
const PUSH_BOUND: Duration = Duration::from_secs(10);
const SETUP: Duration = Duration::from_secs(60);

#[test]
fn with_the_default_interval_a_verdict_is_back_at_the_submitting_node_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let (ministry, port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(port, &ministry);
    let (shanghai, _) = init_node(
        dir.path(),
        "shanghai",
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
    let _ministry_daemon = Daemon::start_default(&ministry);
    roster_add(&ministry, &shanghai, "shanghai", "上海", "hq");
    // A rehearsal of batch 6 whose deadline has not passed, so verdicts are not "late".
    publish_batch_6_due(&ministry, "2099-03-15T23:59:59+08:00");
    let _shanghai_daemon = Daemon::start_default(&shanghai);
    wait_writable(&shanghai);
    wait_until("the rehearsal batch to arrive", SETUP, || {
        json(&fedrec(&shanghai, &["status", "--format", "json"]).stdout)["batches"]
            == serde_json::json!([6])
    });

    // Three submissions in a row, as the report made them: the first is accepted, the
    // later ones exceed Shanghai's quota. Each verdict must come back by push.
    let candidates = [
        (
            "上海集成电路产业技术继续教育学院",
            "123100004250015860",
            "accepted",
        ),
        ("北京大学", "12100000400002259P", "rejected"),
        ("华为技术有限公司培训中心", "914403001922038216", "rejected"),
    ];
    for (name, code, expected) in candidates {
        let id = ok(
            &shanghai,
            &[
                "record",
                "new",
                "--file",
                &application_file(dir.path(), name, code),
            ],
        )
        .trim()
        .to_string();
        let submitted = Instant::now();
        ok(&shanghai, &["submit", &id]);
        wait_until(
            &format!("the verdict on {name} back at Shanghai's node"),
            PUSH_BOUND,
            || !["", "provisional"].contains(&verdict(&shanghai, &id).as_str()),
        );
        eprintln!("{name}: verdict back after {:?}", submitted.elapsed());
        assert_eq!(verdict(&shanghai, &id), expected, "{name}");
        assert_eq!(
            verdict(&ministry, &id),
            expected,
            "the ministry decided {name}"
        );
    }
}
