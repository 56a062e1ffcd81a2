use calamine::Reader as _;
use fedrec_common::ids::RecordId;
use fedrec_common::rules::Verdict;

use super::*;

const HOLDER: &str = "0011223344556677";

fn row(name: &str, detail: Option<Verdict>) -> DecisionRow {
    let (verdict, reason_code) = match &detail {
        Some(v) => (v.key(), v.reason_code()),
        None => ("provisional", "provisional"),
    };
    DecisionRow {
        recommender: "shanghai".parse().unwrap(),
        recommender_name: "上海市人力资源和社会保障局".into(),
        record: Some("8899aabbccddeeff".into()),
        institution: name.into(),
        credit_code: "123100004250015860".into(),
        status: "submitted".into(),
        verdict: verdict.into(),
        reason_code: reason_code.into(),
        detail,
        drafts: 0,
        scores: vec![90, 86],
        outcome: None,
        status_text: String::new(),
        verdict_text: String::new(),
        reason_text: String::new(),
        review_text: String::new(),
    }
}

fn quota() -> Verdict {
    Verdict::QuotaExceeded {
        holders: vec![HOLDER.parse::<RecordId>().unwrap()],
    }
}

fn rows() -> Vec<DecisionRow> {
    vec![
        row("上海集成电路学院", Some(Verdict::Accepted)),
        row("上海软件学院", Some(quota())),
        row("上海机器人学院", None),
    ]
}

/// Runs of three or more ASCII letters that are not hex digits (record ids are hex): what an
/// English word left in a Chinese table looks like.
fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|word| word.len() >= 3 && !word.chars().all(|c| c.is_ascii_hexdigit()))
        .map(String::from)
        .collect()
}

#[test]
fn csv_keeps_chinese_and_quotes() {
    let mut quoted = row("上海集成电路学院", None);
    quoted.institution = "ok, \"quoted\"".into();
    let text = String::from_utf8(csv(&[quoted], Lang::Zh)).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("\"ok, \"\"quoted\"\"\""), "{text}");
}

#[test]
fn the_csv_reads_in_chinese_by_default_and_in_english_when_asked() {
    let zh = String::from_utf8(csv(&rows(), Lang::Zh)).unwrap();
    assert!(zh.contains("\"结论\",\"理由\",\"评审\""), "{zh}");
    assert!(zh.contains("\"已提交\",\"受理\""), "{zh}");
    assert!(zh.contains("\"超出推荐名额\",\"每个地区、部门和中央企业限推荐一个备选单位"));
    assert!(zh.contains("\"待回执\",\"等待人社部回执\""), "{zh}");
    assert!(zh.contains("专家评审 2 份，平均分 88.0"), "{zh}");
    // The recommender's id is a stable key, the same in every language.
    let words = english_words(&zh.replace("shanghai", ""));
    assert_eq!(words, Vec::<String>::new(), "{zh}");

    let en = String::from_utf8(csv(&rows(), Lang::En)).unwrap();
    assert!(en.contains("\"Verdict\",\"Reason\",\"Review\""), "{en}");
    assert!(en.contains("\"submitted\",\"accepted\",\"within the recommender's quota"));
    assert!(en.contains(&format!("already held by {HOLDER}")), "{en}");
    assert!(en.contains("2 review(s), mean score 88.0"), "{en}");
}

/// The workbook as a spreadsheet program reads it: the sheet's name and its rows of cells.
fn read_back(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let names = workbook.sheet_names();
    let range = workbook.worksheet_range(&names[0]).unwrap();
    let rows = range
        .rows()
        .map(|cells| cells.iter().map(ToString::to_string).collect())
        .collect();
    (names, rows)
}

#[test]
fn the_xlsx_read_back_shows_each_verdict_and_reason_in_the_chosen_language() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch-6.xlsx");

    xlsx(&rows(), Lang::Zh, &path).unwrap();
    let (sheets, cells) = read_back(&path);
    assert_eq!(sheets, ["推荐汇总"]);
    assert_eq!(cells.len(), 4, "a heading and three rows");
    assert_eq!(cells[0][6..], ["结论", "理由", "评审"]);
    assert_eq!(cells[1][3], "上海集成电路学院");
    assert_eq!(
        (cells[1][5].as_str(), cells[1][6].as_str()),
        ("已提交", "受理")
    );
    assert!(
        cells[1][7].starts_with("在本推荐单位名额内"),
        "{}",
        cells[1][7]
    );
    assert_eq!(cells[2][6], "超出推荐名额");
    assert!(
        cells[2][7].contains("限推荐一个备选单位") && cells[2][7].contains(HOLDER),
        "{}",
        cells[2][7]
    );
    for line in &cells {
        for cell in &line[5..] {
            assert_eq!(english_words(cell), Vec::<String>::new(), "{cell}");
        }
    }

    xlsx(&rows(), Lang::En, &path).unwrap();
    let (sheets, cells) = read_back(&path);
    assert_eq!(sheets, ["Recommendations"]);
    assert_eq!(cells[0][6..], ["Verdict", "Reason", "Review"]);
    assert_eq!(
        (cells[1][5].as_str(), cells[1][6].as_str()),
        ("submitted", "accepted")
    );
    assert_eq!(cells[2][6], "rejected (quota)");
    assert!(
        cells[2][7].starts_with("quota exceeded: one recommendation per recommender"),
        "{}",
        cells[2][7]
    );
}

#[test]
fn the_printed_page_escapes_and_labels_every_box() {
    let text = include_str!("../../config/examples/application.toml");
    let mut application = Application::from_toml_str(text).unwrap();
    application.plan.strengths.push_str("<script>");
    let html = print_html(&application, "上海市人力资源和社会保障局", Lang::Zh);
    assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
    for spec in all_fields().filter(|s| s.path != "filled_on") {
        assert!(html.contains(spec.label_zh), "{} missing", spec.label_zh);
    }
    assert!(html.contains("教育培训机构") && html.contains("<html lang=\"zh-CN\">"));
}

#[test]
fn the_printed_page_reads_entirely_in_the_chosen_language() {
    let text = include_str!("../../config/examples/application.toml");
    let application = Application::from_toml_str(text).unwrap();
    // The page's own words, without the application's text and file names (the same in any
    // language) or the markup.
    let own_words = |lang: Lang| {
        let mut page = print_html(&application, "上海市人力资源和社会保障局", lang);
        let mut texts: Vec<String> = all_fields()
            .filter_map(|spec| match application.get(spec.path) {
                Some(FieldValue::Text(text)) => Some(escape(&text)),
                // The key areas are the batch's names for them, in Chinese in any language.
                Some(FieldValue::Areas(areas)) => Some(escape(&i18n::list(lang, areas))),
                _ => None,
            })
            .chain(application.attachments.iter().map(|a| escape(&a.file)))
            .collect();
        // Longest first: a box's text may quote a shorter one (the institution's name).
        texts.sort_by_key(|text| std::cmp::Reverse(text.len()));
        for text in texts.iter().filter(|text| !text.is_empty()) {
            page = page.replace(text, "");
        }
        let mut words = String::new();
        let mut in_tag = false;
        for c in page
            .split("<style>")
            .next()
            .unwrap_or_default()
            .chars()
            .chain(page.split("</style>").nth(1).unwrap_or_default().chars())
        {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => words.push(c),
                _ => {}
            }
        }
        words
    };
    let zh = own_words(Lang::Zh);
    assert!(
        zh.contains("申 报 表") && zh.contains("以下由推荐单位填写"),
        "{zh}"
    );
    assert_eq!(english_words(&zh), Vec::<String>::new(), "{zh}");
    let en = own_words(Lang::En);
    assert!(en.contains("Application form") && en.contains("Reasons for the recommendation"));
    assert!(
        en.contains("training institution") && en.contains(" yuan"),
        "{en}"
    );
    let chinese: Vec<char> = en
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .collect();
    // Only the recommender's name, which is data, may be Chinese.
    let name: Vec<char> = "上海市人力资源和社会保障局".chars().collect();
    assert!(
        chinese.iter().all(|c| name.contains(c)),
        "{}",
        chinese.iter().collect::<String>()
    );
}
