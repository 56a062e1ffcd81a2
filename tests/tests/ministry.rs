//! The ministry enforces the notice's rules on merge, over real processes on loopback: receipts
//! in arrival order, then verdicts that replicate back to each recommender's own nodes. Covers
//! two recommenders one each (both accepted), a second submission of one recommender from its
//! field office, which the roster lets submit (rejected, naming the first, both kept), one institution through two
//! recommenders (conflict on both), a conflict ending when one withdraws, a late submission, and
//! review → recognise → publish with the published list reaching every node.

use std::path::Path;
use std::time::Duration;

use fedrec_tests::process::*;

const WAIT: Duration = Duration::from_secs(60);

fn reason(data: &Path, record: &str) -> String {
    decision_row(data, record)["reason_text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Latin words of three letters or more, leaving out record ids (hex) and `keep`: English left
/// in Chinese output.
fn english_words(text: &str, keep: &[&str]) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .filter(|word| word.chars().filter(char::is_ascii_alphabetic).count() >= 3)
        .filter(|word| !word.chars().all(|c| c.is_ascii_hexdigit()))
        .filter(|word| !keep.contains(word))
        .map(String::from)
        .collect()
}

/// The ministry's table, its CSV and its JSON read in Chinese for a user who names no language,
/// and in English with `--lang en`.
fn chinese_by_default(ministry: &Path, dir: &Path) {
    let rows = json(&fedrec(ministry, &["decisions", "--batch", "6", "--format", "json"]).stdout);
    let rows = rows.as_array().unwrap();
    let recommenders: Vec<&str> = rows
        .iter()
        .map(|r| r["recommender"].as_str().unwrap())
        .collect();

    let table = stdout(&fedrec_default_lang(
        ministry,
        &["decisions", "--batch", "6"],
    ));
    for words in [
        "受理",
        "超出推荐名额",
        "每个地区、部门和中央企业限推荐一个备选单位",
        "专家评审 2 份，平均分 88.0；已认定，补助 4800000 元",
        "未予认定：重点领域不符",
    ] {
        assert!(table.contains(words), "'{words}' missing:\n{table}");
    }
    assert_eq!(
        english_words(&table, &recommenders),
        Vec::<String>::new(),
        "{table}"
    );
    let english = ok(ministry, &["decisions", "--batch", "6", "--lang", "en"]);
    assert!(english.contains("quota exceeded: one recommendation per recommender"));

    let csv = dir.join("batch-6-zh.csv");
    let export = [
        "export",
        "--batch",
        "6",
        "--format",
        "csv",
        "--out",
        csv.to_str().unwrap(),
    ];
    let exported = fedrec_default_lang(ministry, &export);
    assert!(
        stdout(&exported).contains("行写入"),
        "{}",
        stderr(&exported)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains("\"状态\",\"结论\",\"理由\",\"评审\""),
        "{text}"
    );
    assert!(text.contains("\"已提交\",\"受理\""), "{text}");
    assert_eq!(
        english_words(&text, &recommenders),
        Vec::<String>::new(),
        "{text}"
    );

    // Scripts read the same codes in either language, with the words beside them.
    let zh = json(&fedrec_default_lang(ministry, &["decisions", "--format", "json"]).stdout);
    let quota = zh
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reason_code"] == "quota")
        .expect("a row rejected for the quota");
    assert_eq!(quota["verdict"], "rejected");
    assert_eq!(quota["verdict_text"], "超出推荐名额");
    assert!(
        quota["reason_text"]
            .as_str()
            .unwrap()
            .starts_with("每个地区")
    );
}

#[test]
fn the_ministry_decides_on_merge_and_every_replica_sees_the_same_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let (ministry, port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(port, &ministry);
    let (shanghai, shanghai_port) = init_node(
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
    let shanghai_address = p2p_address(shanghai_port, &shanghai);
    // The field office reaches the ministry only through its HQ.
    let unreachable_ministry = ministry_address.replace(&format!("/tcp/{port}/"), "/tcp/1/");
    let (field, _) = init_node(
        dir.path(),
        "field",
        &[
            "--role",
            "field-office",
            "--recommender",
            "shanghai",
            "--name",
            "浦东",
            "--ministry",
            &unreachable_ministry,
            "--peer",
            &shanghai_address,
        ],
    );
    let (guangdong, _) = init_node(
        dir.path(),
        "guangdong",
        &[
            "--role",
            "recommender",
            "--recommender",
            "guangdong",
            "--name",
            "广东",
            "--ministry",
            &ministry_address,
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
    for (data, recommender, kind, role) in [
        (&shanghai, "shanghai", "province", "hq"),
        (&field, "shanghai", "province", "field_office"),
        (&guangdong, "guangdong", "province", "hq"),
        (&miit, "miit", "department", "hq"),
    ] {
        let key = ok(data, &["id"]).trim().to_string();
        let mut args = vec![
            "roster",
            "add",
            "--recommender",
            recommender,
            "--name",
            recommender,
            "--kind",
            kind,
            "--key",
            &key,
            "--role",
            role,
        ];
        // The field office submits in this story: the ministry grants it the right.
        if role == "field_office" {
            args.push("--may-submit");
        }
        ok(&ministry, &args);
    }
    // A rehearsal of batch 6 whose deadline has not passed.
    publish_batch_6_due(&ministry, "2099-03-15T23:59:59+08:00");

    let mut daemons: Vec<Daemon> = [&shanghai, &field, &guangdong, &miit]
        .iter()
        .map(|d| Daemon::start_online(d))
        .collect();
    for data in [&shanghai, &field, &guangdong, &miit] {
        wait_writable(data);
        wait_until("the rehearsal batch to arrive", WAIT, || {
            json(&fedrec(data, &["status", "--format", "json"]).stdout)["batches"]
                == serde_json::json!([6])
        });
    }
    let new = |data: &Path, file: &str| {
        ok(data, &["record", "new", "--file", file])
            .trim()
            .to_string()
    };

    // Shanghai's field office is offline (its HQ, its only link, is down). It submits a
    // candidate in its own time, then closes for the night.
    daemons[0].terminate();
    let from_field = new(
        &field,
        &application_file(dir.path(), "华为技术有限公司培训中心", "914403001922038216"),
    );
    ok(&field, &["submit", &from_field]);
    daemons[1].terminate();

    // Two recommenders, one each: both accepted. Shanghai's HQ submits its own candidate.
    daemons[0] = Daemon::start_online(&shanghai);
    wait_writable(&shanghai);
    let from_guangdong = new(
        &guangdong,
        &application_file(dir.path(), "北京大学", "12100000400002259P"),
    );
    let from_shanghai = new(
        &shanghai,
        &application_file(
            dir.path(),
            "上海集成电路产业技术继续教育学院",
            "123100004250015860",
        ),
    );
    assert_eq!(
        verdict(&shanghai, &from_shanghai),
        "",
        "a draft has no verdict row"
    );
    ok(&guangdong, &["submit", &from_guangdong]);
    ok(&shanghai, &["submit", &from_shanghai]);
    assert!(["provisional", "accepted"].contains(&verdict(&shanghai, &from_shanghai).as_str()));
    wait_until("both to be accepted", WAIT, || {
        verdict(&ministry, &from_guangdong) == "accepted"
            && verdict(&ministry, &from_shanghai) == "accepted"
    });
    assert_eq!(
        verdict(&ministry, &from_field),
        "",
        "the field office's submission has not arrived"
    );

    // The field office comes back: its earlier submission arrives later, through HQ, and is
    // rejected, naming the first; both are kept.
    daemons[1] = Daemon::start_online(&field);
    wait_until("the field office's submission to be rejected", WAIT, || {
        verdict(&ministry, &from_field) == "rejected"
    });
    assert!(
        reason(&ministry, &from_field).contains(&from_shanghai),
        "{}",
        reason(&ministry, &from_field)
    );
    assert_eq!(
        verdict(&ministry, &from_shanghai),
        "accepted",
        "the first receipted stays accepted"
    );

    // The same institution through MIIT: conflict for both, whatever the order.
    let from_miit = new(
        &miit,
        &application_file(
            dir.path(),
            "上海集成电路产业技术继续教育学院",
            "123100004250015860",
        ),
    );
    ok(&miit, &["submit", &from_miit]);
    wait_until("a conflict on both", WAIT, || {
        verdict(&ministry, &from_miit) == "conflict"
            && verdict(&ministry, &from_shanghai) == "conflict"
    });
    assert!(
        reason(&ministry, &from_miit).contains("shanghai")
            && reason(&ministry, &from_miit).contains("miit")
    );

    // The verdicts reach Shanghai's own nodes, and only Shanghai's records are there.
    for data in [&shanghai, &field] {
        wait_until("Shanghai's nodes to see the same verdicts", WAIT, || {
            verdict(data, &from_shanghai) == "conflict" && verdict(data, &from_field) == "rejected"
        });
        assert_eq!(verdict(data, &from_guangdong), "");
    }

    // MIIT withdraws: the conflict ends and Shanghai's first candidate is accepted again.
    ok(&miit, &["withdraw", &from_miit]);
    wait_until("the conflict to end", WAIT, || {
        verdict(&ministry, &from_shanghai) == "accepted"
            && verdict(&ministry, &from_miit) == "withdrawn"
    });
    wait_until("Shanghai to see it", WAIT, || {
        verdict(&shanghai, &from_shanghai) == "accepted"
    });
    // MIIT, having withdrawn before the deadline, submits another candidate: accepted.
    let resubmitted = new(
        &miit,
        &application_file(
            dir.path(),
            "深圳市腾讯计算机系统有限公司培训中心",
            "9144030071526726XG",
        ),
    );
    ok(&miit, &["submit", &resubmitted]);
    wait_until("MIIT's new candidate to be accepted", WAIT, || {
        verdict(&ministry, &resubmitted) == "accepted"
    });

    // Review, recognition and publication: only accepted records, within the subsidy cap.
    ok(
        &ministry,
        &[
            "review",
            &from_shanghai,
            "--expert",
            "张教授",
            "--score",
            "91",
            "--opinion",
            "产学研结合紧密",
        ],
    );
    ok(
        &ministry,
        &[
            "review",
            &from_shanghai,
            "--expert",
            "李研究员",
            "--score",
            "85",
            "--opinion",
            "培训体系完善",
        ],
    );
    let refused = fedrec(
        &ministry,
        &["recognise", &from_field, "--subsidy-yuan", "1000000"],
    );
    assert_eq!(
        refused.status.code(),
        Some(2),
        "a rejected record cannot be recognised"
    );
    assert!(
        stderr(&refused).contains("only accepted records"),
        "{}",
        stderr(&refused)
    );
    let over_cap = fedrec(
        &ministry,
        &["recognise", &from_guangdong, "--subsidy-yuan", "5000001"],
    );
    assert_eq!(over_cap.status.code(), Some(2));
    assert!(
        stderr(&over_cap).contains("cap of 5000000 yuan"),
        "{}",
        stderr(&over_cap)
    );
    let not_here = fedrec(
        &shanghai,
        &[
            "review",
            &from_shanghai,
            "--expert",
            "x",
            "--score",
            "1",
            "--opinion",
            "x",
        ],
    );
    assert_eq!(not_here.status.code(), Some(2), "only the ministry reviews");
    ok(
        &ministry,
        &["recognise", &from_shanghai, "--subsidy-yuan", "4800000"],
    );
    ok(
        &ministry,
        &["decline", &from_guangdong, "--reason", "重点领域不符"],
    );
    let table = ok(&ministry, &["decisions", "--batch", "6"]);
    assert!(
        table.contains("2 review(s), mean score 88.0; recognised, 4800000 yuan"),
        "{table}"
    );
    assert!(table.contains("declined: 重点领域不符"), "{table}");
    assert!(ok(&ministry, &["publish", "--batch", "6"]).contains("published 1 recognised base"));
    for data in [&shanghai, &field, &guangdong, &miit] {
        wait_until("the published list to reach every node", WAIT, || {
            let list =
                json(&fedrec(data, &["published", "--batch", "6", "--format", "json"]).stdout);
            list.as_array().is_some_and(|bases| {
                bases.len() == 1
                    && bases[0]["record"] == from_shanghai.as_str()
                    && bases[0]["subsidy_yuan"] == 4_800_000
            })
        });
    }
    // The review itself stays within the ministry.
    let review_at_shanghai = json(&fedrec(&shanghai, &["decisions", "--format", "json"]).stdout);
    assert!(
        review_at_shanghai
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["review_text"] == "" && r["scores"].is_null()),
        "{review_at_shanghai}"
    );

    // Exports of the nationwide table, and a printable application.
    for format in ["csv", "json", "xlsx"] {
        let out = dir.path().join(format!("batch-6.{format}"));
        ok(
            &ministry,
            &[
                "export",
                "--batch",
                "6",
                "--format",
                format,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        let bytes = std::fs::read(&out).unwrap();
        match format {
            "csv" => {
                let text = String::from_utf8(bytes).unwrap();
                assert!(
                    text.starts_with('\u{feff}')
                        && text.contains("上海集成电路产业技术继续教育学院")
                        && text.contains("accepted"),
                    "{text}"
                );
            }
            "json" => assert_eq!(
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .unwrap()
                    .as_array()
                    .unwrap()
                    .len(),
                5,
                "Shanghai's two, Guangdong's, MIIT's withdrawn one and its new one"
            ),
            _ => assert!(
                bytes.starts_with(b"PK") && bytes.len() > 1000,
                "an xlsx is a zip archive"
            ),
        }
    }
    let page = dir.path().join("application.html");
    let print = [
        "record",
        "print",
        &from_shanghai,
        "--out",
        page.to_str().unwrap(),
    ];
    let printed = fedrec_default_lang(&shanghai, &print);
    assert!(printed.status.success(), "{}", stderr(&printed));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("<html lang=\"zh-CN\">")
            && html.contains("申 报 表")
            && html.contains("推荐理由")
            && html.contains("上海集成电路产业技术继续教育学院")
    );
    ok(&shanghai, &print);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("<html lang=\"en-US\">")
            && html.contains("Reasons for the recommendation")
            && !html.contains("推荐理由")
    );
    chinese_by_default(&ministry, dir.path());

    // The nationwide view lists every recommender in the roster.
    let rows = json(
        &fedrec(
            &ministry,
            &["decisions", "--batch", "6", "--format", "json"],
        )
        .stdout,
    );
    let listed: std::collections::BTreeSet<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["recommender"].as_str())
        .collect();
    assert_eq!(
        listed,
        ["guangdong", "miit", "shanghai"].into_iter().collect()
    );
    drop(daemons);
}

#[test]
fn a_submission_received_after_the_deadline_is_late() {
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
    let _ministry_daemon = Daemon::start_online(&ministry);
    roster_add(&ministry, &shanghai, "shanghai", "上海", "hq");
    // The real sixth batch: its deadline, 2016-03-15, has passed.
    publish_batch_6(&ministry);
    let _shanghai_daemon = Daemon::start_online(&shanghai);
    wait_writable(&shanghai);
    wait_until("the batch to arrive", WAIT, || {
        json(&fedrec(&shanghai, &["status", "--format", "json"]).stdout)["batches"]
            == serde_json::json!([6])
    });
    let id = ok(
        &shanghai,
        &["record", "new", "--file", &example_application()],
    )
    .trim()
    .to_string();
    ok(&shanghai, &["submit", &id]);
    wait_until("the late verdict", WAIT, || {
        verdict(&shanghai, &id) == "late"
    });
    assert!(
        reason(&ministry, &id).contains("after the deadline 2016-03-15 23:59:59 CST"),
        "{}",
        reason(&ministry, &id)
    );
}

#[test]
fn an_application_valid_where_it_was_signed_but_not_at_the_ministry_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let (ministry, port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(port, &ministry);
    let (guangdong, _) = init_node(
        dir.path(),
        "guangdong",
        &[
            "--role",
            "recommender",
            "--recommender",
            "guangdong",
            "--name",
            "广东",
            "--ministry",
            &ministry_address,
        ],
    );
    let mut ministry_daemon = Daemon::start_online(&ministry);
    roster_add(&ministry, &guangdong, "guangdong", "广东", "hq");
    let text = std::fs::read_to_string(workspace().join("config/examples/batch-6.toml"))
        .unwrap()
        .replace("2016-03-15T23:59:59+08:00", "2099-03-15T23:59:59+08:00");
    let rehearsal = dir.path().join("rehearsal.toml");
    std::fs::write(&rehearsal, &text).unwrap();
    ok(
        &ministry,
        &["batch", "publish", rehearsal.to_str().unwrap()],
    );
    let mut guangdong_daemon = Daemon::start_online(&guangdong);
    wait_writable(&guangdong);
    wait_until("the batch to arrive", WAIT, || {
        json(&fedrec(&guangdong, &["status", "--format", "json"]).stdout)["batches"]
            == serde_json::json!([6])
    });
    guangdong_daemon.terminate();

    // While Guangdong is away, the ministry lowers the batch's subsidy cap below what the
    // application asks (4,800,000 yuan), then goes down itself.
    std::fs::write(
        &rehearsal,
        text.replace("subsidy_cap_yuan = 5000000", "subsidy_cap_yuan = 4000000"),
    )
    .unwrap();
    ok(
        &ministry,
        &["batch", "publish", rehearsal.to_str().unwrap()],
    );
    ministry_daemon.terminate();

    // Guangdong, with no network, submits an application that is valid under the batch it holds.
    let mut offline_guangdong = Daemon::start(&guangdong);
    let id = ok(
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
    ok(&guangdong, &["submit", &id]);
    offline_guangdong.terminate();

    // Back online, it reaches the ministry, which checks it against the batch as the ministry
    // defines it: invalid, with the field.
    let _ministry_daemon = Daemon::start_online(&ministry);
    let _guangdong_daemon = Daemon::start_online(&guangdong);
    wait_until("the invalid verdict", WAIT, || {
        verdict(&ministry, &id) == "invalid"
    });
    let why = reason(&ministry, &id);
    assert!(
        why.contains("plan.requested_subsidy_yuan") && why.contains("4000000"),
        "{why}"
    );
    wait_until("Guangdong to see it", WAIT, || {
        verdict(&guangdong, &id) == "invalid"
    });
}
