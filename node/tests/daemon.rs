//! The single node, end to end: real `fedrec` daemons on loopback, driven through the CLI and the
//! HTTP API.

use std::time::Duration;

use fedrec_tests::process::*;

fn feed_seq(api: &str) -> u64 {
    let (_, body) = http("GET", &format!("{api}/status"), None);
    json(&body)["feeds"].as_array().map_or(0, |feeds| {
        feeds.iter().filter_map(|f| f["seq"].as_u64()).sum()
    })
}

#[test]
fn an_office_creates_edits_attaches_submits_and_keeps_its_record_across_restarts() {
    let pair = pair();
    let data = &pair.shanghai;
    let mut daemon = Daemon::start(data);
    let example = workspace().join("config/examples/application.toml");
    let id = ok(
        data,
        &["record", "new", "--file", example.to_str().unwrap()],
    )
    .trim()
    .to_string();
    assert_eq!(id.len(), 16, "record id printed: {id}");
    ok(
        data,
        &[
            "record",
            "edit",
            &id,
            "--set",
            "plan.targets=三年内培训一万二千人次",
            "--set",
            "recommender.contact=张处长",
        ],
    );
    let letter = pair.dir.path().join("推荐函.pdf");
    std::fs::write(&letter, b"%PDF-1.4 recommendation letter").unwrap();
    ok(
        data,
        &[
            "record",
            "attach",
            &id,
            "--kind",
            "recommendation_letter",
            letter.to_str().unwrap(),
        ],
    );
    ok(data, &["submit", &id]);

    let history = ok(data, &["record", "history", &id]);
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 4, "{history}");
    assert!(history.contains("(this node)"), "{history}");
    // Who made each change is named in the reader's language.
    let chinese = ok(data, &["--lang", "zh", "record", "history", &id]);
    assert!(
        chinese.contains("（本节点）") && !chinese.contains("this node"),
        "{chinese}"
    );
    assert!(
        lines[1].contains("plan.targets") && lines[1].contains("recommender.contact"),
        "{history}"
    );
    assert!(
        lines[2].contains("attachments") && lines[3].contains("status"),
        "{history}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.contains("上海市人力资源和社会保障局")),
        "{history}"
    );

    // Stop and start again: everything acknowledged is still there, and the chain verifies.
    daemon.terminate();
    assert!(
        !data.join("daemon.json").exists(),
        "a clean stop removes daemon.json"
    );
    let _daemon = Daemon::start(data);
    let shown = ok(data, &["record", "show", &id]);
    assert!(shown.contains("三年内培训一万二千人次") && shown.contains("张处长"));
    assert!(
        shown.contains("blake3 = "),
        "the attachment's hash is recorded: {shown}"
    );
    let listed = ok(data, &["record", "list"]);
    assert!(
        listed.contains(&id) && listed.contains("submitted"),
        "{listed}"
    );
    let status = ok(data, &["status"]);
    assert!(
        status.contains("1 submitted") && status.contains("at 4"),
        "{status}"
    );
    assert!(ok(data, &["verify"]).contains("4 entries verified"));

    // The export is a plain Automerge document.
    let exported = fedrec(data, &["record", "export", &id, "--format", "automerge"]);
    assert!(exported.status.success());
    let mut doc = automerge::AutoCommit::load(&exported.stdout).expect("loads as Automerge");
    assert_eq!(doc.get_heads().len(), 1);
}

#[test]
fn bad_input_is_answered_with_4xx_and_writes_nothing() {
    let pair = pair();
    let daemon = Daemon::start(&pair.shanghai);
    let api = &daemon.api;
    let (status, body) = http(
        "POST",
        &format!("{api}/records"),
        Some((
            "application/json",
            serde_json::to_vec(&application_named("测试单位")).unwrap(),
        )),
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let id = json(&body)["id"].as_str().unwrap().to_string();
    let before = feed_seq(api);

    let mut invalid = application_named("测试单位");
    invalid["applicant"]["credit_code"] = "123100004250015861".into();
    invalid["plan"]["requested_subsidy_yuan"] = 6_000_000.into();
    let mut unknown_field = application_named("测试单位");
    unknown_field["applicant"]["nmae"] = "x".into();
    type Case<'a> = (&'a str, String, Option<(&'a str, Vec<u8>)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "POST",
            "/records".into(),
            Some(("application/json", b"{not json".to_vec())),
            400,
            "request body",
        ),
        (
            "POST",
            "/records".into(),
            Some((
                "application/json",
                serde_json::to_vec(&unknown_field).unwrap(),
            )),
            400,
            "unknown field `nmae`",
        ),
        (
            "POST",
            "/records".into(),
            Some(("application/json", serde_json::to_vec(&invalid).unwrap())),
            422,
            "2 problem",
        ),
        (
            "PATCH",
            format!("/records/{id}"),
            Some((
                "application/json",
                br#"{"set":{"plan.nothing":"x"}}"#.to_vec(),
            )),
            400,
            "no such box",
        ),
        (
            "PATCH",
            format!("/records/{id}"),
            Some((
                "application/json",
                br#"{"set":{"plan.requested_subsidy_yuan":"9000000"}}"#.to_vec(),
            )),
            422,
            "problem",
        ),
        (
            "PATCH",
            format!("/records/{id}"),
            Some(("application/json", b"{}".to_vec())),
            400,
            "give `application` or `set`",
        ),
        (
            "GET",
            "/records/0011223344556677".into(),
            None,
            404,
            "no record",
        ),
        (
            "GET",
            "/records/not-an-id".into(),
            None,
            400,
            "not a record id",
        ),
        (
            "POST",
            format!("/records/{id}/withdraw"),
            None,
            409,
            "draft record cannot be withdrawn",
        ),
        (
            "POST",
            format!("/records/{id}/attachments?kind=photo&name=x.jpg"),
            Some(("application/octet-stream", b"x".to_vec())),
            400,
            "kind 'photo'",
        ),
        (
            "POST",
            format!("/records/{id}/attachments"),
            Some(("application/octet-stream", b"x".to_vec())),
            400,
            "kind=...&name=",
        ),
        (
            "POST",
            format!("/records/{id}/attachments?kind=proof&name=big.pdf"),
            Some(("application/octet-stream", vec![0u8; 20 * 1024 * 1024 + 1])),
            413,
            "limit",
        ),
        (
            "POST",
            "/roster/recommenders".into(),
            Some((
                "application/json",
                br#"{"recommender":"x","name":"x","kind":"province"}"#.to_vec(),
            )),
            403,
            "only the ministry",
        ),
        (
            "GET",
            "/no/such/endpoint".into(),
            None,
            404,
            "no such endpoint",
        ),
    ];
    for (method, path, body, expected, message) in cases {
        let (status, answer) = http(method, &format!("{api}{path}"), body);
        let text = String::from_utf8_lossy(&answer);
        assert_eq!(status, expected, "{method} {path}: {text}");
        assert!(
            text.contains(message),
            "{method} {path}: expected '{message}' in {text}"
        );
    }
    let (_, body) = http(
        "POST",
        &format!("{api}/records"),
        Some(("application/json", serde_json::to_vec(&invalid).unwrap())),
    );
    let answer = json(&body);
    let fields: Vec<&str> = answer["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        vec!["applicant.credit_code", "plan.requested_subsidy_yuan"]
    );
    assert_eq!(feed_seq(api), before, "nothing was written");
    let (_, list) = http("GET", &format!("{api}/records"), None);
    assert_eq!(json(&list).as_array().unwrap().len(), 1);
}

#[test]
fn the_cli_reports_refusals_with_their_exit_codes() {
    let pair = pair();
    let data = &pair.shanghai;
    let not_running = fedrec(data, &["record", "list"]);
    assert_eq!(not_running.status.code(), Some(3));
    assert!(
        stderr(&not_running).contains("no fedrec daemon is running"),
        "{}",
        stderr(&not_running)
    );

    let daemon = Daemon::start(data);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    let template =
        ok(data, &["record", "template"]).replace("123100004250015860", "123100004250015861");
    std::fs::write(&file, template).unwrap();
    let invalid = fedrec(data, &["record", "new", "--file", file.to_str().unwrap()]);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(
        stderr(&invalid).contains("applicant.credit_code (Unified social credit code): check"),
        "{}",
        stderr(&invalid)
    );
    let unknown = fedrec(data, &["submit", "0011223344556677"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no record 0011223344556677"));
    // The daemon words its refusal in the caller's language: Chinese by default, English when
    // the CLI runs in English (as this harness runs it) or the request asks for it.
    let chinese = fedrec(data, &["--lang", "zh", "submit", "0011223344556677"]);
    assert_eq!(chinese.status.code(), Some(2));
    assert!(
        stderr(&chinese).contains("本节点没有记录 0011223344556677"),
        "{}",
        stderr(&chinese)
    );
    let api = &daemon.api;
    let authorization = authorization_for(api).expect("the daemon's credential");
    for (language, expected) in [
        (None, "本节点没有记录"),
        (Some("zh-CN,zh;q=0.9"), "本节点没有记录"),
        (
            Some("en-US,en;q=0.8"),
            "no record 0011223344556677 on this node",
        ),
    ] {
        let mut headers = vec![("authorization", authorization.as_str())];
        headers.extend(language.map(|l| ("accept-language", l)));
        let (status, body) = http_with(
            "GET",
            &format!("{api}/records/0011223344556677"),
            &headers,
            None,
        );
        assert_eq!(status, 404);
        let error = json(&body)["error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(error.contains(expected), "{language:?}: {error}");
    }

    let second = fedrec(data, &["run"]);
    assert_eq!(second.status.code(), Some(2));
    assert!(
        stderr(&second).contains("another fedrec daemon is already running"),
        "{}",
        stderr(&second)
    );
    let again = fedrec(data, &["init", "--role", "ministry"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("refusing to overwrite"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn the_ministry_keeps_the_roster_and_refuses_foreign_bundles() {
    let pair = pair();
    let ministry = Daemon::start(&pair.ministry);
    let shown = ok(&pair.ministry, &["roster", "show"]);
    assert!(
        shown.contains("shanghai") && shown.contains("HQ") && shown.contains("(province)"),
        "{shown}"
    );
    let record = fedrec(
        &pair.ministry,
        &[
            "record",
            "new",
            "--file",
            workspace()
                .join("config/examples/application.toml")
                .to_str()
                .unwrap(),
        ],
    );
    assert_eq!(record.status.code(), Some(2));
    assert!(stderr(&record).contains("does not write recommenders' records"));

    // A bundle signed by another "ministry" is refused by Shanghai, whose trust root differs.
    let other = pair.dir.path().join("other");
    ok(
        &other,
        &["init", "--role", "ministry", "--api", "127.0.0.1:0"],
    );
    let mut other_daemon = Daemon::start(&other);
    let forged = pair.dir.path().join("forged.json");
    ok(
        &other,
        &["roster", "export", "--out", forged.to_str().unwrap()],
    );
    other_daemon.terminate();
    drop(ministry);
    let _shanghai = Daemon::start(&pair.shanghai);
    let refused = fedrec(
        &pair.shanghai,
        &["roster", "import", forged.to_str().unwrap()],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("roster refused"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn metrics_health_and_the_openapi_document_are_served() {
    let pair = pair();
    let daemon = Daemon::start(&pair.shanghai);
    let (status, body) = http("GET", &format!("{}/health", daemon.api), None);
    assert_eq!((status, json(&body)["status"].as_str()), (200, Some("ok")));
    let (status, body) = http("GET", &format!("{}/openapi.json", daemon.api), None);
    assert_eq!(status, 200);
    let spec = json(&body);
    assert!(spec["paths"]["/records/{id}/submit"].is_object());
    http(
        "POST",
        &format!("{}/records", daemon.api),
        Some((
            "application/json",
            serde_json::to_vec(&application_named("单位")).unwrap(),
        )),
    );
    let (status, body) = http("GET", &format!("{}/metrics", daemon.api), None);
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 200);
    for metric in [
        "fedrec_entries_written_total 1",
        "fedrec_api_request_seconds_count",
        "fedrec_rocksdb_bytes{cf=\"entries\"}",
        "fedrec_verification_failures_total 0",
    ] {
        assert!(text.contains(metric), "{metric} missing from:\n{text}");
    }
    wait_until("the daemon to stay up", Duration::from_secs(1), || {
        daemon.pid() > 0
    });
}

#[test]
fn a_daemon_whose_peer_port_is_taken_refuses_to_start_and_names_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let (data, port) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    // Something else holds the p2p port: the daemon must not start without its network, which
    // would answer its API but never sync.
    let _taken = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let mut child = std::process::Command::new(fedrec_bin())
        .env("FEDREC_LANG", "en")
        .arg("--data")
        .arg(&data)
        .arg("run")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the daemon kept running without its p2p port");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut message = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut message).unwrap();
    assert!(!status.success(), "exit status {status}");
    assert!(
        message.contains(&format!(
            "cannot listen for peers on /ip4/127.0.0.1/tcp/{port}"
        )) && message.contains("in use"),
        "{message}"
    );
    assert!(
        !data.join("daemon.json").exists(),
        "a daemon that did not start is not announced"
    );
}
