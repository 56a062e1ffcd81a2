//! The web interface's door, knocked on from outside with plain HTTP (no browser): login links
//! are single-use and unforgeable and become an HttpOnly, SameSite=Strict session cookie; the
//! session opens `/ui/` pages and nothing of the JSON API; cross-site changes and a rebound
//! Host are refused; an editor cannot submit and an approver can; every page carries a strict
//! Content-Security-Policy; and the history names the person behind each change. On the
//! ministry, the decision page takes a reviewer's review and an administrator's recognition,
//! the administrator publishes the recognised bases, keeps the roster and publishes a batch,
//! each after a confirmation, and a reviewer is refused all three.

use std::time::Duration;

use fedrec_tests::process::{
    Daemon, decision_row, example_application, fedrec, http, init_node, json, ok, p2p_address,
    pair, publish_batch_6_due, records, roster_add, verdict, wait_until, wait_writable,
};

/// One answer: status, headers (lower-case names) and body as text.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    bytes: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends a request without following redirects.
fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
    send_bytes(method, url, headers, body.map(|b| b.as_bytes().to_vec()))
}

/// Sends a request with a body of bytes without following redirects.
fn send_bytes(method: &str, url: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let result = match body {
        Some(body) => agent.run(request.body(body).unwrap()),
        None => agent.run(request.body(()).unwrap()),
    };
    let mut response = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap_or_default();
    Answer {
        status: response.status().as_u16(),
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

/// Prints a login link with `fedrec ui` and returns it.
fn login_link(data: &std::path::Path, user: &str, role: &str) -> String {
    let out = ok(data, &["ui", "--user", user, "--role", role]);
    out.lines()
        .find(|l| l.starts_with("http://"))
        .unwrap_or_else(|| panic!("no link in: {out}"))
        .to_string()
}

/// Opens a login link and returns the `name=value` of the session cookie it sets.
fn sign_in(link: &str) -> String {
    let answer = send("GET", link, &[], None);
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.header("location"), Some("/ui/"));
    let cookie = answer.header("set-cookie").expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    cookie.split(';').next().unwrap().to_string()
}

/// The shipped example application as a form body, with `changes` applied.
fn form_body(changes: &[(&str, &str)]) -> String {
    let text = std::fs::read_to_string(
        fedrec_tests::process::workspace().join("config/examples/application.toml"),
    )
    .unwrap();
    let application: toml::Value = toml::from_str(&text).unwrap();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for section in ["applicant", "plan", "recommender"] {
        for (key, value) in application[section].as_table().unwrap() {
            let name = format!("{section}.{key}");
            match value {
                toml::Value::String(s) => pairs.push((name, s.clone())),
                toml::Value::Integer(i) => pairs.push((name, i.to_string())),
                toml::Value::Boolean(b) => pairs.push((name, if *b { "yes" } else { "no" }.into())),
                toml::Value::Array(items) => {
                    for item in items {
                        pairs.push((name.clone(), item.as_str().unwrap().to_string()));
                    }
                }
                _ => {}
            }
        }
    }
    // The example names an existing base, which needs a proof attachment the form cannot carry.
    pairs.retain(|(name, _)| name != "applicant.existing_base");
    for (name, value) in changes {
        pairs.retain(|(n, _)| n != name);
        pairs.push((name.to_string(), value.to_string()));
    }
    pairs
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const FORM: &str = "application/x-www-form-urlencoded";

#[test]
fn login_links_sessions_csrf_roles_and_the_content_security_policy() {
    let pair = pair();
    let daemon = Daemon::start(&pair.shanghai);
    let api = daemon.api.clone();
    let host = api.trim_start_matches("http://").to_string();

    // A link is good once; a forged one never.
    let link = login_link(&pair.shanghai, "王五", "editor");
    let editor = sign_in(&link);
    assert_eq!(send("GET", &link, &[], None).status, 403, "a reused link");
    let forged = format!("{api}/ui/login?link={}", "ab".repeat(32));
    assert_eq!(send("GET", &forged, &[], None).status, 403, "a forged link");
    // A ministry role is refused on a bureau's node, and a name with a line break anywhere.
    let refused = fedrec_tests::process::fedrec(
        &pair.shanghai,
        &["ui", "--user", "x", "--role", "administrator"],
    );
    assert!(!refused.status.success());
    let refused = fedrec_tests::process::fedrec(&pair.shanghai, &["ui", "--user", "a\nb"]);
    assert!(!refused.status.success());

    // Pages need the session; the session opens no JSON API route.
    assert_eq!(send("GET", &format!("{api}/ui/"), &[], None).status, 401);
    let home = send("GET", &format!("{api}/ui/"), &[("cookie", &editor)], None);
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("<html lang=\"zh-CN\">"));
    assert!(
        home.body.contains("上海市人力资源和社会保障局"),
        "{}",
        home.body
    );
    let csp = home
        .header("content-security-policy")
        .expect("a CSP header");
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe"), "{csp}");
    assert!(!home.body.contains("<script>") && !home.body.contains("style=\""));
    assert_eq!(home.header("x-frame-options"), Some("DENY"));
    let english = send(
        "GET",
        &format!("{api}/ui/?lang=en"),
        &[("cookie", &editor)],
        None,
    );
    assert!(
        english.body.contains("<html lang=\"en\">") && english.body.contains("New application")
    );
    let status = send(
        "GET",
        &format!("{api}/status"),
        &[("cookie", &editor)],
        None,
    );
    assert_eq!(
        status.status, 401,
        "the JSON API takes the token, not a session"
    );
    let script = send("GET", &format!("{api}/ui/assets/htmx.min.js"), &[], None);
    assert_eq!(script.status, 200);
    assert!(script.body.contains("htmx"));

    // A rebound Host is refused before anything else.
    let rebound = send(
        "GET",
        &format!("{api}/ui/"),
        &[("host", "evil.example"), ("cookie", &editor)],
        None,
    );
    assert_eq!(rebound.status, 421);

    // Changes need the same-origin proof.
    let body = form_body(&[]);
    let create = format!("{api}/ui/records");
    let cross_site = [
        ("cookie", editor.as_str()),
        ("content-type", FORM),
        ("sec-fetch-site", "cross-site"),
    ];
    assert_eq!(send("POST", &create, &cross_site, Some(&body)).status, 403);
    let no_proof = [("cookie", editor.as_str()), ("content-type", FORM)];
    assert_eq!(send("POST", &create, &no_proof, Some(&body)).status, 403);
    let foreign_origin = [
        ("cookie", editor.as_str()),
        ("content-type", FORM),
        ("origin", "http://evil.example"),
    ];
    assert_eq!(
        send("POST", &create, &foreign_origin, Some(&body)).status,
        403
    );
    assert!(records(&pair.shanghai).is_empty(), "nothing was written");

    // Same origin: an invalid form comes back with the problem at its box, nothing written.
    let same_origin = [
        ("cookie", editor.as_str()),
        ("content-type", FORM),
        ("sec-fetch-site", "same-origin"),
    ];
    let bad = form_body(&[("applicant.credit_code", "123100004250015861")]);
    let answer = send("POST", &create, &same_origin, Some(&bad));
    assert_eq!(answer.status, 422);
    assert!(answer.body.contains("id=\"note-applicant-credit_code\""));
    assert!(records(&pair.shanghai).is_empty());
    // With only Origin (no Sec-Fetch-Site), from our own address: accepted.
    let own_origin = format!("http://{host}");
    let by_origin = [
        ("cookie", editor.as_str()),
        ("content-type", FORM),
        ("origin", own_origin.as_str()),
    ];
    let created = send("POST", &create, &by_origin, Some(&body));
    assert_eq!(created.status, 303, "{}", created.body);
    let location = created.header("location").unwrap().to_string();
    let id = location
        .trim_start_matches("/ui/records/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        records(&pair.shanghai),
        vec![(id.clone(), "draft".to_string())]
    );

    // The editor changes one box; the history will show it from what to what.
    let edited = send(
        "POST",
        &format!("{api}/ui/records/{id}"),
        &same_origin,
        Some(&form_body(&[("recommender.contact", "张处长")])),
    );
    assert_eq!(edited.status, 303, "{}", edited.body);

    // An editor may not submit, not even by posting directly.
    let submit = format!("{api}/ui/records/{id}/submit");
    assert_eq!(send("POST", &submit, &same_origin, None).status, 403);
    assert_eq!(
        send("GET", &submit, &[("cookie", &editor)], None).status,
        403
    );
    assert_eq!(records(&pair.shanghai)[0].1, "draft");

    // An approver may; the confirmation says what happens first.
    let approver = sign_in(&login_link(&pair.shanghai, "赵六", "approver"));
    let confirm = send("GET", &submit, &[("cookie", &approver)], None);
    assert!(confirm.body.contains("推荐名额"), "{}", confirm.body);
    let approver_post = [
        ("cookie", approver.as_str()),
        ("content-type", FORM),
        ("sec-fetch-site", "same-origin"),
    ];
    assert_eq!(send("POST", &submit, &approver_post, None).status, 303);
    assert_eq!(records(&pair.shanghai)[0].1, "submitted");

    // The history names who did what.
    let history = send(
        "GET",
        &format!("{api}/ui/records/{id}/history"),
        &[("cookie", &approver)],
        None,
    );
    assert!(
        history.body.contains("王五") && history.body.contains("赵六"),
        "{}",
        history.body
    );
    // Each change lists its boxes, by label and path, from what to what, in Beijing time.
    let rows: Vec<&str> = history.body.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 3, "{}", history.body);
    assert!(rows[0].contains("王五") && rows[0].contains("<code>applicant.name</code>"));
    assert!(rows[0].contains("<del>（空）</del>"), "{}", rows[0]);
    assert!(
        rows[1].contains("王五")
            && rows[1].contains("<code>recommender.contact</code>")
            && rows[1].contains("<del>王立群</del>")
            && rows[1].contains("<ins>张处长</ins>")
            && rows[1].contains("北京时间"),
        "{}",
        rows[1]
    );
    assert_eq!(rows[1].matches("<li>").count(), 1, "{}", rows[1]);
    assert!(
        rows[2].contains("赵六")
            && rows[2].contains("<del>草稿</del>")
            && rows[2].contains("<ins>已提交</ins>"),
        "{}",
        rows[2]
    );
    let lines =
        fedrec_tests::process::json(&http("GET", &format!("{api}/records/{id}/history"), None).1);
    assert_eq!(lines[0]["operator"], "王五");
    assert_eq!(lines[1]["operator"], "王五");
    assert_eq!(
        lines.as_array().unwrap().last().unwrap()["operator"],
        "赵六"
    );

    // Signing out ends the session.
    let out = send("POST", &format!("{api}/ui/logout"), &approver_post, None);
    assert_eq!(out.status, 200);
    assert_eq!(
        send("GET", &format!("{api}/ui/"), &[("cookie", &approver)], None).status,
        401
    );
}

/// The ministry's decision page: the nationwide table links a submitted record to it; a reviewer
/// records a review and may not recognise; an administrator's subsidy over the batch's cap is
/// refused with the reason, one within it recognises the base; the table's data then carries
/// the score and the outcome.
#[test]
fn the_ministry_reviews_and_recognises_a_record_from_its_decision_page() {
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
    let ministry_daemon = Daemon::start_online(&ministry);
    roster_add(&ministry, &shanghai, "shanghai", "上海", "hq");
    // A rehearsal of batch 6 whose deadline is still ahead.
    publish_batch_6_due(&ministry, "2099-03-15T23:59:59+08:00");
    let _shanghai_daemon = Daemon::start_online(&shanghai);
    wait_writable(&shanghai);
    wait_until(
        "the batch to reach Shanghai",
        Duration::from_secs(60),
        || {
            json(&fedrec(&shanghai, &["status", "--format", "json"]).stdout)["batches"]
                == serde_json::json!([6])
        },
    );
    let id = ok(
        &shanghai,
        &["record", "new", "--file", &example_application()],
    )
    .trim()
    .to_string();
    ok(&shanghai, &["submit", &id]);
    wait_until("the ministry to accept it", Duration::from_secs(60), || {
        verdict(&ministry, &id) == "accepted"
    });

    let api = ministry_daemon.api.clone();
    let reviewer = sign_in(&login_link(&ministry, "李专家", "reviewer"));
    let administrator = sign_in(&login_link(&ministry, "赵处长", "administrator"));
    let table = send(
        "GET",
        &format!("{api}/ui/decisions"),
        &[("cookie", &reviewer)],
        None,
    );
    assert!(
        table.body.contains(&format!("href=\"/ui/decisions/{id}\"")),
        "no link to the decision page in: {}",
        table.body
    );
    let page = send(
        "GET",
        &format!("{api}/ui/decisions/{id}"),
        &[("cookie", &reviewer)],
        None,
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("/review\"") && !page.body.contains("/recognise\""));
    let post = |cookie: &str, act: &str, body: &str| {
        send(
            "POST",
            &format!("{api}/ui/decisions/{id}/{act}"),
            &[
                ("cookie", cookie),
                ("content-type", FORM),
                ("sec-fetch-site", "same-origin"),
            ],
            Some(body),
        )
    };
    let review = format!(
        "expert={}&score=88&opinion={}",
        encode("李专家"),
        encode("办学条件扎实，培训体系完整")
    );
    let answer = post(&reviewer, "review", &review);
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(
        answer.header("location"),
        Some(format!("/ui/decisions/{id}?done=review").as_str())
    );
    assert_eq!(
        post(&reviewer, "recognise", "subsidy_yuan=3000000").status,
        403,
        "a reviewer may not recognise"
    );
    assert_eq!(
        post(&administrator, "recognise", "subsidy_yuan=lots").status,
        400
    );
    let over = post(&administrator, "recognise", "subsidy_yuan=9000000");
    assert_eq!(over.status, 409, "{}", over.body);
    assert!(decision_row(&ministry, &id)["outcome"].is_null());
    let answer = post(&administrator, "recognise", "subsidy_yuan=3000000");
    assert_eq!(answer.status, 303, "{}", answer.body);
    let row = decision_row(&ministry, &id);
    assert_eq!(row["scores"], serde_json::json!([88]), "{row}");
    assert_eq!(row["outcome"]["outcome"], "recognised", "{row}");
    assert_eq!(row["outcome"]["subsidy_yuan"], 3_000_000, "{row}");

    // The table's rows download as CSV (with a byte-order mark for Excel) and as a workbook.
    let csv = send(
        "GET",
        &format!("{api}/ui/downloads/decisions.csv?verdict=accepted&q="),
        &[("cookie", &reviewer)],
        None,
    );
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.header("content-disposition"),
        Some("attachment; filename=\"fedrec-decisions-batch-6.csv\"")
    );
    assert!(csv.bytes.starts_with("\u{feff}".as_bytes()));
    assert!(
        csv.body.contains("上海集成电路产业技术继续教育学院") && csv.body.contains("已认定"),
        "{}",
        csv.body
    );
    let filtered = send(
        "GET",
        &format!("{api}/ui/downloads/decisions.csv?verdict=late"),
        &[("cookie", &reviewer)],
        None,
    );
    assert_eq!(
        filtered.body.lines().count(),
        1,
        "only the headings: {}",
        filtered.body
    );
    let xlsx = send(
        "GET",
        &format!("{api}/ui/downloads/decisions.xlsx"),
        &[("cookie", &reviewer)],
        None,
    );
    assert_eq!(xlsx.status, 200);
    assert_eq!(
        xlsx.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert_eq!(
        xlsx.header("content-disposition"),
        Some("attachment; filename=\"fedrec-decisions-batch-6.xlsx\"")
    );
    assert!(xlsx.bytes.starts_with(b"PK\x03\x04") && xlsx.bytes.len() > 1000);
    let table = send(
        "GET",
        &format!("{api}/ui/decisions?verdict=accepted"),
        &[("cookie", &reviewer)],
        None,
    );
    assert!(
        table
            .body
            .contains("href=\"/ui/downloads/decisions.xlsx?verdict=accepted&#38;q=\""),
        "{}",
        table.body
    );

    // Publication: a reviewer may not; the administrator's confirmation lists what will be
    // published, and the published list then shows the base with its subsidy.
    let get = |cookie: &str, path: &str| {
        send("GET", &format!("{api}{path}"), &[("cookie", cookie)], None)
    };
    assert_eq!(get(&reviewer, "/ui/publish?batch=6").status, 403);
    let publish_post = |cookie: &str| {
        send(
            "POST",
            &format!("{api}/ui/publish"),
            &[
                ("cookie", cookie),
                ("content-type", FORM),
                ("sec-fetch-site", "same-origin"),
            ],
            Some("batch=6"),
        )
    };
    assert_eq!(publish_post(&reviewer).status, 403);
    let confirm = get(&administrator, "/ui/publish?batch=6");
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(
        confirm.body.contains("上海集成电路产业技术继续教育学院")
            && confirm.body.contains("3000000")
            && confirm.body.contains("id=\"confirm\""),
        "{}",
        confirm.body
    );
    assert!(
        get(&administrator, "/ui/published?batch=6")
            .body
            .contains("本批次尚未公布名单")
    );
    let published = publish_post(&administrator);
    assert_eq!(published.status, 303, "{}", published.body);
    assert_eq!(
        published.header("location"),
        Some("/ui/published?batch=6&done=1")
    );
    let list = get(&reviewer, "/ui/published?batch=6&done=1");
    assert!(
        list.body.contains("已公布 1 个基地")
            && list.body.contains("上海集成电路产业技术继续教育学院")
            && list.body.contains("<td>3000000</td>")
            && !list.body.contains("id=\"publish\""),
        "{}",
        list.body
    );
    let (status, body) = http("GET", &format!("{api}/published?batch=6"), None);
    assert_eq!(status, 200);
    assert_eq!(json(&body).as_array().map(Vec::len), Some(1));
}

/// A same-origin form post with a session cookie.
fn post_form(url: &str, cookie: &str, body: &str) -> Answer {
    send(
        "POST",
        url,
        &[
            ("cookie", cookie),
            ("content-type", FORM),
            ("sec-fetch-site", "same-origin"),
        ],
        Some(body),
    )
}

/// A form body from (name, value) pairs.
fn pairs(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn roster_version(data: &std::path::Path) -> u64 {
    json(&fedrec(data, &["status", "--format", "json"]).stdout)["roster_version"]
        .as_u64()
        .unwrap_or(0)
}

/// The ministry administrator's roster and batch pages: a reviewer is refused every one of
/// them; a wrong value is refused with its box named and nothing signed; each change shows a
/// confirmation that says what will happen and changes nothing until it is confirmed; then the
/// roster gains a recommender with a field office's key, the key gets the right to submit and
/// is revoked, and a pasted batch file is checked and published.
#[test]
fn the_ministry_administrator_keeps_the_roster_and_publishes_a_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (ministry, _) = init_node(dir.path(), "ministry", &["--role", "ministry"]);
    let (other, _) = init_node(dir.path(), "office", &["--role", "ministry"]);
    let key = ok(&other, &["id"]).trim().to_string();
    let daemon = Daemon::start(&ministry);
    let api = daemon.api.clone();
    let reviewer = sign_in(&login_link(&ministry, "李专家", "reviewer"));
    let admin = sign_in(&login_link(&ministry, "赵处长", "administrator"));

    for path in ["/ui/roster", "/ui/batches", "/ui/publish"] {
        let answer = send(
            "GET",
            &format!("{api}{path}"),
            &[("cookie", &reviewer)],
            None,
        );
        assert_eq!(answer.status, 403, "{path}: {}", answer.body);
    }
    for path in [
        "/ui/roster/add",
        "/ui/roster/revoke",
        "/ui/batches",
        "/ui/publish",
    ] {
        let answer = post_form(&format!("{api}{path}"), &reviewer, "confirmed=yes");
        assert_eq!(answer.status, 403, "{path}: {}", answer.body);
    }
    let page = send(
        "GET",
        &format!("{api}/ui/roster"),
        &[("cookie", &admin)],
        None,
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("href=\"/ui/roster\"") && page.body.contains("<label for=\"key\">"));
    let version = roster_version(&ministry);

    // Wrong values: each problem names its box; nothing is signed.
    let add = format!("{api}/ui/roster/add");
    let wrong = pairs(&[
        ("recommender", ""),
        ("name", "广东省人力资源和社会保障厅"),
        ("kind", "planet"),
        ("key", "not-a-key"),
        ("role", "field_office"),
    ]);
    let answer = post_form(&add, &admin, &wrong);
    assert_eq!(answer.status, 422, "{}", answer.body);
    for label in ["“推荐单位代码”", "“推荐单位类别”", "“节点密钥（可不填）”"]
    {
        assert!(
            answer.body.contains(label),
            "{label} not named in: {}",
            answer.body
        );
    }
    assert!(answer.body.contains("aria-live=\"assertive\""));

    // A right one: first the confirmation, which signs nothing.
    let right = [
        ("recommender", "guangdong"),
        ("name", "广东省人力资源和社会保障厅"),
        ("kind", "province"),
        ("key", key.as_str()),
        ("role", "field_office"),
    ];
    let confirm = post_form(&add, &admin, &pairs(&right));
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(
        confirm
            .body
            .contains("将广东省人力资源和社会保障厅（guangdong）加入名册")
            && confirm.body.contains("name=\"confirmed\" value=\"yes\""),
        "{}",
        confirm.body
    );
    assert_eq!(
        roster_version(&ministry),
        version,
        "nothing signed before confirmation"
    );
    // The same confirmation in English says what the key may do.
    let english = post_form(&format!("{add}?lang=en"), &admin, &pairs(&right));
    assert!(
        english.body.contains("<html lang=\"en\">")
            && english.body.contains(&format!(
                "Key {key} becomes this recommender&#39;s field office key: its node may then \
                 write this recommender&#39;s records."
            )),
        "{}",
        english.body
    );
    let mut confirmed = right.to_vec();
    confirmed.push(("confirmed", "yes"));
    let done = post_form(&add, &admin, &pairs(&confirmed));
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(
        roster_version(&ministry) > version,
        "a new roster is signed"
    );
    let roster = |admin: &str| {
        send(
            "GET",
            &format!("{api}/ui/roster?done=1"),
            &[("cookie", admin)],
            None,
        )
        .body
    };
    let page = roster(&admin);
    assert!(
        page.contains("广东省人力资源和社会保障厅")
            && page.contains("派出机构")
            && page.contains("仅可起草"),
        "{page}"
    );
    let listed = ok(&ministry, &["roster", "show"]);
    assert!(listed.contains(&key), "{listed}");

    // The field office's key may submit, after a confirmation.
    let grant = format!("{api}/ui/roster/may-submit");
    let confirm = post_form(
        &grant,
        &admin,
        &pairs(&[("key", &key), ("may_submit", "yes")]),
    );
    assert!(confirm.body.contains("授予密钥"), "{}", confirm.body);
    let answer = post_form(
        &grant,
        &admin,
        &pairs(&[("key", &key), ("may_submit", "yes"), ("confirmed", "yes")]),
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(roster(&admin).contains("可报送和撤回"));

    // Revocation: the position must be a number; then the key is revoked.
    let revoke = format!("{api}/ui/roster/revoke");
    let answer = post_form(&revoke, &admin, &pairs(&[("key", &key), ("after", "abc")]));
    assert_eq!(answer.status, 422);
    assert!(
        answer.body.contains("“最后有效位置”须为整数"),
        "{}",
        answer.body
    );
    let confirm = post_form(&revoke, &admin, &pairs(&[("key", &key), ("after", "5")]));
    assert!(confirm.body.contains("吊销不能撤销"), "{}", confirm.body);
    let answer = post_form(
        &revoke,
        &admin,
        &pairs(&[("key", &key), ("after", "5"), ("confirmed", "yes")]),
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(roster(&admin).contains("已吊销（第 5 条之后无效）"));

    // A batch file: a broken one is refused at its box; the shipped one is confirmed, then
    // published.
    let batches = format!("{api}/ui/batches");
    let answer = post_form(&batches, &admin, &pairs(&[("toml", "number = \"six\"")]));
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(
        answer.body.contains("“批次定义（TOML）”"),
        "{}",
        answer.body
    );
    let text = std::fs::read_to_string(
        fedrec_tests::process::workspace().join("config/examples/batch-6.toml"),
    )
    .unwrap();
    let confirm = post_form(&batches, &admin, &pairs(&[("toml", &text)]));
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(
        confirm.body.contains("发布第6批") && confirm.body.contains("2016-03-15"),
        "{}",
        confirm.body
    );
    assert!(
        json(&fedrec(&ministry, &["status", "--format", "json"]).stdout)["batches"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let answer = post_form(
        &batches,
        &admin,
        &pairs(&[("toml", &text), ("confirmed", "yes")]),
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.header("location"), Some("/ui/batches?done=6"));
    assert_eq!(
        json(&fedrec(&ministry, &["status", "--format", "json"]).stdout)["batches"],
        serde_json::json!([6])
    );
    let page = send(
        "GET",
        &format!("{api}/ui/batches?done=6"),
        &[("cookie", &admin)],
        None,
    );
    assert!(
        page.body.contains("第6批已发布") && page.body.contains("<td>6</td>"),
        "{}",
        page.body
    );
}

/// A `multipart/form-data` body as a browser sends it: the kind, then the file.
fn upload_body(kind: &str, file_name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----WebKitFormBoundaryfedrec13";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The editor's attachment upload: a plain multipart POST (the only one the gate takes, and
/// only with the same-origin proof) stores the file, which the editor then lists with its
/// kind, size and BLAKE3 hash and a download under its name; an unknown kind and a file over
/// the node's limit (3 MB against 200 kB, cut off as the body is read) come back at the
/// attachments' box, in Chinese, with nothing attached.
#[test]
fn a_clerk_attaches_a_file_from_the_editor() {
    let pair = pair();
    let config = pair.shanghai.join("fedrec.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let limited: String = text
        .lines()
        .map(|line| {
            if line.starts_with("max_attachment_bytes") {
                "max_attachment_bytes = 200000".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(
        limited,
        text.trim_end(),
        "the limit is in the configuration"
    );
    std::fs::write(&config, limited).unwrap();
    let daemon = Daemon::start(&pair.shanghai);
    let api = daemon.api.clone();
    let editor = sign_in(&login_link(&pair.shanghai, "王五", "editor"));
    let created = post_form(&format!("{api}/ui/records"), &editor, &form_body(&[]));
    assert_eq!(created.status, 303, "{}", created.body);
    let id = created.header("location").unwrap()["/ui/records/".len()..]
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let page = send(
        "GET",
        &format!("{api}/ui/records/{id}"),
        &[("cookie", &editor)],
        None,
    );
    assert!(
        page.body.contains("enctype=\"multipart/form-data\"")
            && page.body.contains("<label for=\"attachment-file\">")
            && page.body.contains("<label for=\"attachment-kind\">"),
        "{}",
        page.body
    );

    let upload = format!("{api}/ui/records/{id}/attachments");
    let post = |content_type: &str, site: &str, body: Vec<u8>| {
        send_bytes(
            "POST",
            &upload,
            &[
                ("cookie", editor.as_str()),
                ("content-type", content_type),
                ("sec-fetch-site", site),
            ],
            Some(body),
        )
    };
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(5000, b'x');
    let (content_type, body) = upload_body("proof", "证明材料.pdf", &pdf);
    assert_eq!(post(&content_type, "cross-site", body.clone()).status, 403);
    assert_eq!(
        post(FORM, "same-origin", b"kind=proof".to_vec()).status,
        415
    );
    let answer = post(&content_type, "same-origin", body);
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(
        answer.header("location"),
        Some(format!("/ui/records/{id}?done=attach").as_str())
    );
    let attachments = &fedrec_tests::process::application(&pair.shanghai, &id)["attachments"];
    assert_eq!(
        attachments.as_array().map(Vec::len),
        Some(1),
        "{attachments}"
    );
    let hash = attachments[0]["blake3"].as_str().unwrap().to_string();
    assert_eq!(attachments[0]["size"], 5000);
    assert_eq!(attachments[0]["kind"], "proof");
    let page = send(
        "GET",
        &format!("{api}/ui/records/{id}?done=attach"),
        &[("cookie", &editor)],
        None,
    );
    assert!(
        page.body.contains("附件已上传")
            && page.body.contains("证明材料.pdf")
            && page.body.contains("5000 字节")
            && page.body.contains(&hash),
        "{}",
        page.body
    );
    let link = format!("/ui/attachments/{hash}?name=%E8%AF%81%E6%98%8E%E6%9D%90%E6%96%99.pdf");
    assert!(
        page.body.contains(&link.replace('&', "&#38;")),
        "{}",
        page.body
    );
    let download = send("GET", &format!("{api}{link}"), &[("cookie", &editor)], None);
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes, pdf);
    assert_eq!(download.header("content-type"), Some("application/pdf"));
    assert!(
        download
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment;")
                && d.contains("filename*=UTF-8''%E8%AF%81%E6%98%8E%E6%9D%90%E6%96%99.pdf")),
        "{:?}",
        download.header("content-disposition")
    );

    // An unknown kind, and a file over the node's limit: the problem at the box, nothing kept.
    let (content_type, body) = upload_body("photo", "照片.pdf", b"%PDF-1.4");
    let answer = post(&content_type, "same-origin", body);
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(
        answer.body.contains("“附件类别”") && answer.body.contains("photo"),
        "{}",
        answer.body
    );
    assert!(
        answer
            .body
            .contains("id=\"note-attachments\" aria-live=\"polite\"")
    );
    let (content_type, body) = upload_body("extra", "大文件.pdf", &vec![b'x'; 3_000_000]);
    let answer = post(&content_type, "same-origin", body);
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert!(
        answer
            .body
            .contains("文件超过本节点允许的大小（200000 字节）"),
        "{}",
        answer.body
    );
    let attachments = &fedrec_tests::process::application(&pair.shanghai, &id)["attachments"];
    assert_eq!(
        attachments.as_array().map(Vec::len),
        Some(1),
        "{attachments}"
    );
}
