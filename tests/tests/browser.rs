//! A clerk's path through the web interface in a real browser (headless Chromium driven over
//! WebDriver): signs in through a `fedrec ui` link, fills an application from blank in Chinese,
//! sees a problem appear at its box as she types and fixes it, saves, attaches a PDF through
//! the file input, submits after the confirmation, and sees the ministry's verdict arrive on the
//! home page; on the ministry a reviewer records a review from the record's decision page, the
//! administrator recognises it and publishes the list, and the bureau's page shows the
//! published list. Screenshots of the pages go to `docs/screens/`.
//!
//! Needs Debian's `chromium`, `chromium-driver` and `fonts-noto-cjk`
//! (`scripts/system-packages test`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use fedrec_tests::process::{
    Daemon, fedrec, init_node, json, ok, p2p_address, publish_batch_6_due, records, roster_add,
    wait_until, wait_writable, workspace,
};
use fedrec_tests::webdriver::Browser;

/// The boxes a clerk types into, with what she types (the credit code comes later).
const TYPED: &[(&str, &str)] = &[
    ("applicant-name", "上海集成电路产业技术继续教育学院"),
    (
        "applicant-address",
        "上海市浦东新区张江高科技园区芯学路168号",
    ),
    ("applicant-contact", "陈思远"),
    ("applicant-phone", "021-50276188"),
    (
        "applicant-overview",
        "学院是本市集成电路领域唯一的市级继续教育基地，建有实训室十八个。",
    ),
    (
        "applicant-faculty",
        "专职教师八十六人，兼职教师一百二十人。",
    ),
    (
        "applicant-key_area_training",
        "近三年培训集成电路专业技术人员一万二千人次。",
    ),
    ("applicant-management", "建有教学、质量评估和经费管理制度。"),
    ("plan-safeguards", "成立基地建设领导小组，院长任组长。"),
    (
        "plan-targets",
        "三年培训一万五千人次；专项经费用于实训平台和课程开发。",
    ),
    ("plan-requested_subsidy_yuan", "3000000"),
    ("plan-strengths", "集成电路设计、制造和封装测试全链条实训。"),
    ("recommender-relationship", "业务指导关系"),
    ("recommender-reasons", "经预审，该单位条件完备，同意推荐。"),
    ("recommender-contact", "李明"),
    ("recommender-phone", "021-63588011"),
];

/// Prints a login link with `fedrec ui` on the node in `data`.
fn login_link(data: &Path, user: &str, role: &str) -> String {
    let out = ok(data, &["ui", "--user", user, "--role", role]);
    out.lines()
        .find(|l| l.starts_with("http://"))
        .unwrap_or_else(|| panic!("no login link in: {out}"))
        .to_string()
}

/// A ministry and the Shanghai bureau, online and connected, the bureau holding batch 6.
fn federation(dir: &Path) -> (Daemon, Daemon, PathBuf, PathBuf) {
    let (ministry, port) = init_node(dir, "ministry", &["--role", "ministry"]);
    let ministry_address = p2p_address(port, &ministry);
    let (shanghai, _) = init_node(
        dir,
        "shanghai",
        &[
            "--role",
            "recommender",
            "--recommender",
            "shanghai",
            "--name",
            "上海市人力资源和社会保障局",
            "--ministry",
            &ministry_address,
        ],
    );
    let ministry_daemon = Daemon::start_online(&ministry);
    roster_add(
        &ministry,
        &shanghai,
        "shanghai",
        "上海市人力资源和社会保障局",
        "hq",
    );
    // A rehearsal of the sixth batch whose deadline is ahead, so that the submission is
    // accepted and the ministry can review and recognise it.
    publish_batch_6_due(&ministry, "2099-03-15T23:59:59+08:00");
    let shanghai_daemon = Daemon::start_online(&shanghai);
    wait_writable(&shanghai);
    wait_until("Shanghai to hold batch 6", Duration::from_secs(60), || {
        let status = json(&fedrec(&shanghai, &["status", "--format", "json"]).stdout);
        status["batches"]
            .as_array()
            .is_some_and(|b| b.contains(&serde_json::json!(6)))
    });
    (ministry_daemon, shanghai_daemon, ministry, shanghai)
}

#[test]
fn a_clerk_fills_an_application_from_blank_submits_it_and_sees_the_verdict_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let (_ministry_daemon, _shanghai_daemon, ministry, shanghai) = federation(dir.path());
    let link = login_link(&shanghai, "张三", "approver");
    let base = link[..link.find("/ui/").unwrap()].to_string();
    let screens = workspace().join("docs/screens");
    let browser = Browser::start();

    browser.goto(&link);
    browser.wait_for_text("#batch-title", "the home page with the batch", |t| {
        t.contains("第6批")
    });
    assert!(browser.text_of("#signed-in").contains("张三"));
    browser.click(&browser.find("#new-application"));
    browser.find("#applicant-name");

    for (id, text) in TYPED {
        browser.type_text(&browser.find(&format!("#{id}")), text);
    }
    browser.select("#applicant-nature", "training_institution");
    browser.select("#recommender-runs_regional_base", "yes");
    browser.click(&browser.find("#plan-areas input[value=\"集成电路\"]"));

    // A mistyped credit code: the problem appears at its box while she is still typing.
    let code = browser.find("#applicant-credit_code");
    browser.type_text(&code, "123100004250015861");
    browser.wait_for_text(
        "#note-applicant-credit_code .problem",
        "the credit code's problem at its box",
        |t| t.contains("校验"),
    );
    // Long boxes count their characters against the limit as she types.
    browser.wait_for_text("#note-applicant-overview", "the overview's count", |t| {
        t.contains("/ 20000")
    });
    browser.screenshot(&screens.join("editor-problem.png"));
    browser.clear(&code);
    browser.type_text(&code, "123100004250015860");
    browser.wait_for_text(
        "#note-applicant-credit_code",
        "the problem to go away",
        |t| !t.contains("校验"),
    );

    browser.click(&browser.find("#save"));
    browser.wait_for_text("#message", "the save to be confirmed", |t| {
        t.contains("已保存")
    });
    assert_eq!(records(&shanghai).len(), 1);
    assert_eq!(browser.text_of("#status"), "草稿");

    // She attaches the recommendation letter, a PDF, through the file input.
    let pdf = dir.path().join("推荐函.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n",
    )
    .unwrap();
    browser.select("#attachment-kind", "recommendation_letter");
    browser.type_text(&browser.find("#attachment-file"), pdf.to_str().unwrap());
    browser.click(&browser.find("#attach-submit"));
    browser.wait_for_text("#message", "the attachment to be confirmed", |t| {
        t.contains("附件已上传")
    });
    let listed = browser.text_of("#attachments");
    let id = records(&shanghai)[0].0.clone();
    let stored = &fedrec_tests::process::application(&shanghai, &id)["attachments"][0];
    assert_eq!(stored["size"], std::fs::metadata(&pdf).unwrap().len());
    let hash = stored["blake3"].as_str().unwrap().to_string();
    assert!(
        listed.contains("推荐函.pdf") && listed.contains("推荐函") && listed.contains(&hash),
        "{listed}"
    );

    browser.click(&browser.find("#submit"));
    browser.wait_for_text(
        "#consequence",
        "the confirmation of what submitting does",
        |t| t.contains("名额"),
    );
    browser.screenshot(&screens.join("confirm-submit.png"));
    browser.click(&browser.find("#confirm"));
    browser.wait_for_text("#status", "the record to be submitted", |t| t == "已提交");
    assert_eq!(records(&shanghai)[0].1, "submitted");

    // The ministry receipts the submission before the deadline and accepts it, and the home
    // page shows the verdict.
    wait_until(
        "the ministry's verdict to reach the home page",
        Duration::from_secs(60),
        || {
            browser.goto(&format!("{base}/ui/"));
            browser.text_of("#records .verdict") == "受理"
        },
    );
    assert_eq!(browser.text_of("#records .status"), "已提交");
    browser.screenshot(&screens.join("home.png"));

    // The history names her for every change.
    browser.goto(&format!("{base}/ui/records/{id}/history"));
    let history = browser.wait_for_text("#history", "the history", |t| t.contains("张三"));
    assert!(history.contains("单位全称"), "{history}");

    // A ministry reviewer opens the record from the nationwide table and records a review;
    // the page offers her no recognition.
    browser.goto(&login_link(&ministry, "王专家", "reviewer"));
    browser.wait_for_text("#decisions", "the ministry's table", |t| {
        t.contains("上海集成电路产业技术继续教育学院") && t.contains("受理")
    });
    browser.screenshot(&screens.join("ministry-decisions.png"));
    browser.click(&browser.find("#decisions a[href^=\"/ui/decisions/\"]"));
    browser.type_text(&browser.find("#expert"), "王专家");
    browser.type_text(&browser.find("#score"), "91");
    browser.type_text(
        &browser.find("#opinion"),
        "实训条件完备，培训规模大，同意认定。",
    );
    assert!(browser.find_optional("#recognise").is_none());
    browser.click(&browser.find("#submit-review"));
    browser.wait_for_text("#done", "the review to be recorded", |t| {
        t.contains("评审已记录")
    });
    let decision_page = browser.current_url();

    // The administrator recognises it with a subsidy, then publishes the list after its
    // confirmation.
    browser.goto(&login_link(&ministry, "李四", "administrator"));
    browser.find("#decisions");
    browser.goto(&decision_page.replace("?done=review", ""));
    browser.wait_for_text("#review-state", "the review on the page", |t| {
        t.contains("91")
    });
    browser.type_text(&browser.find("#subsidy"), "3000000");
    browser.screenshot(&screens.join("ministry-decision.png"));
    browser.click(&browser.find("#recognise"));
    browser.wait_for_text("#done", "the recognition to be recorded", |t| {
        t.contains("已认定")
    });
    browser.click(&browser.find("a[href=\"/ui/published\"]"));
    browser.click(&browser.find("#publish"));
    browser.wait_for_text("#items", "the bases to be published", |t| {
        t.contains("上海集成电路产业技术继续教育学院")
    });
    browser.click(&browser.find("#confirm"));
    browser.wait_for_text("#message", "the publication to be confirmed", |t| {
        t.contains("已公布 1 个基地")
    });

    // The published list reaches the bureau, whose page shows it.
    wait_until(
        "the published list to reach Shanghai",
        Duration::from_secs(60),
        || {
            browser.goto(&format!("{base}/ui/published?batch=6"));
            browser
                .text_of("#published")
                .contains("上海集成电路产业技术继续教育学院")
        },
    );
    assert!(browser.text_of("#published").contains("3000000"));
    browser.screenshot(&screens.join("published.png"));
}
