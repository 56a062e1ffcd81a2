//! Federation over real processes on loopback: a ministry, Shanghai's HQ and its field office,
//! MIIT's HQ, Guangdong's HQ, and a stranger the roster does not know. The field office works while its only
//! peer (its HQ) is down, then reaches the ministry through its HQ; concurrent edits converge;
//! nobody receives what it may not read; the stranger is cut off and counted.

use std::path::PathBuf;
use std::time::Duration;

use fedrec_tests::process::*;

const WAIT: Duration = Duration::from_secs(60);

struct Node {
    data: PathBuf,
    port: u16,
}

fn init(dir: &std::path::Path, name: &str, args: &[&str]) -> Node {
    let (data, port) = init_node(dir, name, args);
    Node { data, port }
}

fn roster_version(data: &std::path::Path) -> Option<u64> {
    let output = fedrec(data, &["status", "--format", "json"]);
    json(&output.stdout)["roster_version"].as_u64()
}

fn holds(data: &std::path::Path, id: &str) -> bool {
    records(data).iter().any(|(held, _)| held == id)
}

#[test]
fn records_reach_everyone_allowed_and_no_one_else() {
    let dir = tempfile::tempdir().unwrap();
    let ministry = init(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry.port, &ministry.data);
    let unreachable_ministry =
        ministry_address.replace(&format!("/tcp/{}/", ministry.port), "/tcp/1/");
    let shanghai = init(
        dir.path(),
        "shanghai",
        &[
            "--role",
            "recommender",
            "--recommender",
            "shanghai",
            "--name",
            "上海市人社局",
            "--ministry",
            &ministry_address,
        ],
    );
    let shanghai_address = p2p_address(shanghai.port, &shanghai.data);
    // The field office cannot reach the ministry at all: only its HQ.
    let field = init(
        dir.path(),
        "field",
        &[
            "--role",
            "field-office",
            "--recommender",
            "shanghai",
            "--name",
            "浦东外勤点",
            "--ministry",
            &unreachable_ministry,
            "--peer",
            &shanghai_address,
        ],
    );
    let miit = init(
        dir.path(),
        "miit",
        &[
            "--role",
            "recommender",
            "--recommender",
            "miit",
            "--name",
            "工业和信息化部",
            "--ministry",
            &ministry_address,
        ],
    );
    let guangdong = init(
        dir.path(),
        "guangdong",
        &[
            "--role",
            "recommender",
            "--recommender",
            "guangdong",
            "--name",
            "广东省人社厅",
            "--ministry",
            &ministry_address,
        ],
    );
    let stranger = init(
        dir.path(),
        "stranger",
        &[
            "--role",
            "recommender",
            "--recommender",
            "shanghai",
            "--name",
            "冒名者",
            "--ministry",
            &ministry_address,
        ],
    );

    let _ministry_daemon = Daemon::start_online(&ministry.data);
    let key = |node: &Node| ok(&node.data, &["id"]).trim().to_string();
    ok(
        &ministry.data,
        &[
            "roster",
            "add",
            "--recommender",
            "shanghai",
            "--name",
            "上海市人力资源和社会保障局",
            "--kind",
            "province",
            "--key",
            &key(&shanghai),
        ],
    );
    ok(
        &ministry.data,
        &[
            "roster",
            "add",
            "--recommender",
            "shanghai",
            "--name",
            "上海市人力资源和社会保障局",
            "--kind",
            "province",
            "--key",
            &key(&field),
            "--role",
            "field_office",
        ],
    );
    ok(
        &ministry.data,
        &[
            "roster",
            "add",
            "--recommender",
            "miit",
            "--name",
            "工业和信息化部",
            "--kind",
            "department",
            "--key",
            &key(&miit),
        ],
    );
    ok(
        &ministry.data,
        &[
            "roster",
            "add",
            "--recommender",
            "guangdong",
            "--name",
            "广东省人力资源和社会保障厅",
            "--kind",
            "province",
            "--key",
            &key(&guangdong),
        ],
    );
    publish_batch_6(&ministry.data);
    let version = roster_version(&ministry.data).unwrap();

    // Everyone but the stranger gets the roster over the network, the field office through HQ.
    let mut shanghai_daemon = Daemon::start_online(&shanghai.data);
    let _miit_daemon = Daemon::start_online(&miit.data);
    let _guangdong_daemon = Daemon::start_online(&guangdong.data);
    let mut field_daemon = Daemon::start_online(&field.data);
    let _stranger_daemon = Daemon::start_online(&stranger.data);
    for node in [&shanghai, &miit, &field, &guangdong] {
        wait_until("the roster to arrive", WAIT, || {
            roster_version(&node.data) == Some(version)
        });
    }

    let example = workspace().join("config/examples/application.toml");
    let example = example.to_str().unwrap();
    wait_writable(&shanghai.data);
    let from_hq = ok(&shanghai.data, &["record", "new", "--file", example])
        .trim()
        .to_string();
    wait_until("the HQ's record to reach the field office", WAIT, || {
        holds(&field.data, &from_hq)
    });

    // HQ goes down: the field office is offline. It edits HQ's record and creates its own.
    shanghai_daemon.terminate();
    ok(
        &field.data,
        &[
            "record",
            "edit",
            &from_hq,
            "--set",
            "applicant.contact=外勤李老师",
        ],
    );
    let from_field = ok(&field.data, &["record", "new", "--file", example])
        .trim()
        .to_string();
    ok(
        &field.data,
        &[
            "record",
            "edit",
            &from_field,
            "--set",
            "plan.targets=外勤离线修订的目标",
        ],
    );
    wait_writable(&guangdong.data);
    let from_guangdong = ok(&guangdong.data, &["record", "new", "--file", example])
        .trim()
        .to_string();
    wait_writable(&miit.data);
    let from_miit = ok(&miit.data, &["record", "new", "--file", example])
        .trim()
        .to_string();
    std::thread::sleep(Duration::from_millis(1500)); // a round or more passes with HQ down
    assert!(
        !holds(&ministry.data, &from_field),
        "the field office has no way to the ministry yet"
    );

    // HQ comes back; it edits its record concurrently with the field office's offline edit.
    field_daemon.terminate();
    let _shanghai_daemon = Daemon::start_online(&shanghai.data);
    wait_writable(&shanghai.data);
    ok(
        &shanghai.data,
        &[
            "record",
            "edit",
            &from_hq,
            "--set",
            "recommender.contact=总部张处长",
        ],
    );
    let _field_daemon = Daemon::start_online(&field.data);
    wait_until(
        "the field office's work to reach the ministry through HQ",
        WAIT,
        || {
            holds(&ministry.data, &from_field)
                && application(&ministry.data, &from_hq)["applicant"]["contact"] == "外勤李老师"
                && application(&ministry.data, &from_hq)["recommender"]["contact"] == "总部张处长"
        },
    );
    wait_until("every Shanghai node to converge", WAIT, || {
        [&from_hq, &from_field].iter().all(|id| {
            let at_ministry = application(&ministry.data, id);
            application(&shanghai.data, id) == at_ministry
                && application(&field.data, id) == at_ministry
        })
    });
    assert_eq!(
        application(&ministry.data, &from_field)["plan"]["targets"],
        "外勤离线修订的目标"
    );
    wait_until("MIIT's record to reach the ministry", WAIT, || {
        holds(&ministry.data, &from_miit)
    });

    wait_until("Guangdong's record to reach the ministry", WAIT, || {
        holds(&ministry.data, &from_guangdong)
    });
    for other in [&shanghai, &field, &miit] {
        assert!(
            !holds(&other.data, &from_guangdong),
            "{} received Guangdong's record",
            other.data.display()
        );
    }
    assert!(!holds(&guangdong.data, &from_hq) && !holds(&guangdong.data, &from_miit));

    // The ministry's status lists its peers with nothing pending to them once all converged.
    wait_until("nothing pending from the ministry", WAIT, || {
        let status = json(&fedrec(&ministry.data, &["status", "--format", "json"]).stdout);
        let peers = status["peers"].as_array().cloned().unwrap_or_default();
        peers.len() >= 3 && peers.iter().all(|p| p["pending_entries"] == 0)
    });

    // Who sees what: MIIT and Shanghai never receive each other's records.
    assert!(!holds(&miit.data, &from_hq) && !holds(&miit.data, &from_field));
    assert!(!holds(&shanghai.data, &from_miit) && !holds(&field.data, &from_miit));

    // The stranger was cut off before any sync, and counted; it holds no roster.
    let (_, metrics) = http("GET", &format!("{}/metrics", _ministry_daemon.api), None);
    let metrics = String::from_utf8_lossy(&metrics);
    let gated = metrics
        .lines()
        .find_map(|l| l.strip_prefix("fedrec_peers_gated_total "))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .unwrap_or(0);
    assert!(gated >= 1, "the stranger was not counted:\n{metrics}");
    assert_eq!(roster_version(&stranger.data), None);
    for node in [&ministry, &shanghai, &field, &miit, &guangdong] {
        assert!(ok(&node.data, &["verify"]).contains("entries verified"));
        let status = json(&fedrec(&node.data, &["status", "--format", "json"]).stdout);
        assert_eq!(
            status["quarantine"],
            0,
            "{}: nothing honest was refused",
            node.data.display()
        );
    }
}

#[test]
fn a_bundle_carries_a_field_offices_work_without_any_network() {
    let dir = tempfile::tempdir().unwrap();
    let ministry = init(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry.port, &ministry.data);
    let nowhere = ministry_address.replace(&format!("/tcp/{}/", ministry.port), "/tcp/1/");
    let field = init(
        dir.path(),
        "field",
        &[
            "--role",
            "field-office",
            "--recommender",
            "shanghai",
            "--name",
            "外勤点",
            "--ministry",
            &nowhere,
        ],
    );
    let ministry_daemon = Daemon::start_online(&ministry.data);
    roster_add(
        &ministry.data,
        &field.data,
        "shanghai",
        "上海",
        "field_office",
    );
    publish_batch_6(&ministry.data);
    let roster = dir.path().join("roster.json");
    ok(
        &ministry.data,
        &["roster", "export", "--out", roster.to_str().unwrap()],
    );
    let _field_daemon = Daemon::start(&field.data); // no network at all: --offline
    ok(&field.data, &["roster", "import", roster.to_str().unwrap()]);
    let id = ok(
        &field.data,
        &["record", "new", "--file", &example_application()],
    )
    .trim()
    .to_string();
    ok(
        &field.data,
        &["record", "edit", &id, "--set", "plan.targets=离线编辑"],
    );

    // The ministry says what it holds; the field office exports only what it lacks.
    let heads = dir.path().join("heads.json");
    ok(
        &ministry.data,
        &["bundle", "heads", "--out", heads.to_str().unwrap()],
    );
    let bundle = dir.path().join("field.bundle");
    assert!(
        ok(
            &field.data,
            &[
                "bundle",
                "export",
                "--out",
                bundle.to_str().unwrap(),
                "--since",
                heads.to_str().unwrap()
            ]
        )
        .contains("wrote 2 signed entries")
    );
    let imported = ok(
        &ministry.data,
        &["bundle", "import", bundle.to_str().unwrap()],
    );
    assert!(imported.contains("2 new, 0 already held"), "{imported}");
    assert_eq!(
        application(&ministry.data, &id)["plan"]["targets"],
        "离线编辑"
    );
    assert!(
        ok(
            &ministry.data,
            &["bundle", "import", bundle.to_str().unwrap()]
        )
        .contains("0 new, 2 already held")
    );

    // A tampered bundle: every entry is refused, quarantined, and nothing changes.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 1;
    let tampered = dir.path().join("tampered.bundle");
    std::fs::write(&tampered, &bytes).unwrap();
    let outcome = ok(
        &ministry.data,
        &["bundle", "import", tampered.to_str().unwrap()],
    );
    assert!(outcome.contains("1 refused"), "{outcome}");
    let truncated = dir.path().join("truncated.bundle");
    std::fs::write(&truncated, &bytes[..bytes.len() - 3]).unwrap();
    let refused = fedrec(
        &ministry.data,
        &["bundle", "import", truncated.to_str().unwrap()],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("truncated"),
        "{}",
        stderr(&refused)
    );
    let status = json(&fedrec(&ministry.data, &["status", "--format", "json"]).stdout);
    assert_eq!(status["quarantine"], 1);
    drop(ministry_daemon);
}

#[test]
fn garbage_on_the_p2p_port_does_not_stop_honest_sync() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let ministry = init(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry.port, &ministry.data);
    let hq = init(
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
    let ministry_daemon = Daemon::start_online(&ministry.data);
    roster_add(&ministry.data, &hq.data, "shanghai", "上海", "hq");
    publish_batch_6(&ministry.data);

    // Garbage, a lying length prefix, a flood of half-open connections.
    let payloads: Vec<Vec<u8>> = vec![
        b"GET / HTTP/1.1\r\n\r\n".to_vec(),
        vec![0xff; 4096],
        u32::MAX.to_be_bytes().to_vec(),
        b"\x13/multistream/1.0.0\n".to_vec(),
        (0..=255u8).cycle().take(70_000).collect(),
    ];
    let mut held = Vec::new();
    for round in 0..20 {
        for payload in &payloads {
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", ministry.port)) {
                let _ = stream.write_all(payload);
                if round % 2 == 0 {
                    held.push(stream); // keep some open
                }
            }
        }
    }
    let (status, _) = http("GET", &format!("{}/health", ministry_daemon.api), None);
    assert_eq!(status, 200, "the ministry still answers");
    drop(held);

    let _hq_daemon = Daemon::start_online(&hq.data);
    wait_until("the roster to reach HQ", WAIT, || {
        roster_version(&hq.data).is_some()
    });
    wait_writable(&hq.data);
    let id = ok(
        &hq.data,
        &["record", "new", "--file", &example_application()],
    )
    .trim()
    .to_string();
    wait_until("an honest record to reach the ministry", WAIT, || {
        holds(&ministry.data, &id)
    });
}

/// Copies a directory tree (a backup of a stopped node's data).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_node_restored_from_an_old_backup_learns_its_feed_before_writing_again() {
    let dir = tempfile::tempdir().unwrap();
    let ministry = init(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(ministry.port, &ministry.data);
    let hq = init(
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
    let mut ministry_daemon = Daemon::start_online(&ministry.data);
    let key = roster_add(&ministry.data, &hq.data, "shanghai", "上海", "hq");
    publish_batch_6(&ministry.data);
    let contact_at_ministry =
        |id: &str| application(&ministry.data, id)["applicant"]["contact"].clone();

    // Two entries, then a backup of the stopped node.
    let mut hq_daemon = Daemon::start_online(&hq.data);
    wait_writable(&hq.data);
    let id = ok(
        &hq.data,
        &["record", "new", "--file", &example_application()],
    )
    .trim()
    .to_string();
    ok(
        &hq.data,
        &["record", "edit", &id, "--set", "applicant.contact=第一"],
    );
    wait_until("the first edit to reach the ministry", WAIT, || {
        contact_at_ministry(&id) == "第一"
    });
    hq_daemon.terminate();
    let backup = dir.path().join("backup");
    copy_dir(&hq.data.join("db"), &backup);

    // Two more entries after the backup, which reach the ministry.
    let mut hq_daemon = Daemon::start_online(&hq.data);
    wait_writable(&hq.data);
    ok(
        &hq.data,
        &["record", "edit", &id, "--set", "applicant.contact=第二"],
    );
    ok(
        &hq.data,
        &["record", "edit", &id, "--set", "applicant.contact=第三"],
    );
    wait_until("the later edits to reach the ministry", WAIT, || {
        contact_at_ministry(&id) == "第三"
    });
    hq_daemon.terminate();

    // Restore the old backup. With the ministry down, the node refuses to sign anything.
    std::fs::remove_dir_all(hq.data.join("db")).unwrap();
    copy_dir(&backup, &hq.data.join("db"));
    ministry_daemon.terminate();
    let _hq_daemon = Daemon::start_online(&hq.data);
    let refused = fedrec(
        &hq.data,
        &["record", "edit", &id, "--set", "applicant.contact=分叉"],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("own feed's head"),
        "{}",
        stderr(&refused)
    );

    // Once the ministry is back, the node learns its own later entries first, then writes on.
    let _ministry_daemon = Daemon::start_online(&ministry.data);
    wait_writable(&hq.data);
    assert_eq!(
        application(&hq.data, &id)["applicant"]["contact"],
        "第三",
        "the restored node fetched its own entries"
    );
    ok(
        &hq.data,
        &["record", "edit", &id, "--set", "applicant.contact=第四"],
    );
    wait_until("the new edit to reach the ministry", WAIT, || {
        contact_at_ministry(&id) == "第四"
    });
    let status = json(&fedrec(&ministry.data, &["status", "--format", "json"]).stdout);
    assert_eq!(
        status["quarantine"], 0,
        "no equivocation: the node never signed a position twice"
    );
    let own_feed = status["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["author"] == key.as_str())
        .cloned()
        .unwrap();
    assert_eq!(own_feed["seq"], 5);
    assert!(ok(&hq.data, &["verify"]).contains("5 entries verified"));
}
