use std::collections::BTreeSet;

use super::*;
use crate::form::{Application, all_fields};
use crate::ids::{RecommenderId, RecordId};

fn zh_and_en(id: &str) -> (String, String) {
    (t(Lang::Zh, id, &[]), t(Lang::En, id, &[]))
}

#[test]
fn the_catalogue_parses_and_both_languages_have_the_same_messages() {
    assert_eq!(catalogue_errors(), Vec::<String>::new());
    let zh: BTreeSet<String> = message_ids(Lang::Zh).into_iter().collect();
    let en: BTreeSet<String> = message_ids(Lang::En).into_iter().collect();
    // English also labels the boxes whose Chinese labels live in the form's box table.
    let en_only: BTreeSet<String> = en
        .difference(&zh)
        .filter(|id| !id.starts_with("field-"))
        .cloned()
        .collect();
    assert_eq!(en_only, BTreeSet::new(), "in en-US only");
    let zh_only: BTreeSet<&String> = zh.difference(&en).collect();
    assert_eq!(zh_only, BTreeSet::new(), "in zh-CN only");
    for id in &zh {
        assert!(has(Lang::Zh, id) && has(Lang::En, id), "{id} does not load");
    }
}

#[test]
fn every_box_has_a_label_in_both_languages() {
    for spec in all_fields() {
        assert_eq!(field_label(Lang::Zh, spec.path), spec.label_zh);
        let english = field_label(Lang::En, spec.path);
        assert!(
            english != spec.path && english.is_ascii(),
            "{}: {english}",
            spec.path
        );
    }
    assert_eq!(field_label(Lang::Zh, "attachments[3].kind"), "附件");
    assert_eq!(field_label(Lang::En, "batch"), "Batch");
}

#[test]
fn the_language_comes_from_the_flag_then_fedrec_lang_then_lang() {
    let cases = [
        (None, None, None, Lang::Zh),
        (None, None, Some("en_US.UTF-8"), Lang::En),
        (None, None, Some("C.UTF-8"), Lang::Zh),
        (None, None, Some("POSIX"), Lang::Zh),
        (None, None, Some("zh_CN.UTF-8"), Lang::Zh),
        (None, Some("zh"), Some("en_US.UTF-8"), Lang::Zh),
        (None, Some("en"), Some("zh_CN.UTF-8"), Lang::En),
        (None, Some(""), Some("en_GB.UTF-8"), Lang::En),
        (Some("zh-CN"), Some("en"), Some("en_US.UTF-8"), Lang::Zh),
        (Some("en"), None, Some("zh_CN.UTF-8"), Lang::En),
        (Some("fr"), Some("en"), None, Lang::Zh),
    ];
    for (flag, fedrec_lang, lang, expected) in cases {
        assert_eq!(
            Lang::resolve(flag, fedrec_lang, lang),
            expected,
            "{flag:?} {fedrec_lang:?} {lang:?}"
        );
    }
}

#[test]
fn verdict_reasons_fill_in_their_facts_in_the_notices_words() {
    let holder: RecordId = "0011223344556677".parse().unwrap();
    let quota = Verdict::QuotaExceeded {
        holders: vec![holder],
    };
    let zh = verdict_reason(Lang::Zh, &quota);
    assert!(zh.contains("限推荐一个备选单位") && zh.contains("0011223344556677"));
    let en = verdict_reason(Lang::En, &quota);
    assert!(en.contains("one recommendation per recommender") && en.contains("0011223344556677"));

    let recommenders: Vec<RecommenderId> =
        vec!["shanghai".parse().unwrap(), "miit".parse().unwrap()];
    let conflict = Verdict::Conflict {
        credit_code: "123100004250015860".into(),
        recommenders,
    };
    let zh = verdict_reason(Lang::Zh, &conflict);
    assert!(
        zh.starts_with("不得多头申报") && zh.contains("shanghai、miit"),
        "{zh}"
    );
    assert!(zh.contains("123100004250015860"));

    let deadline = Timestamp::parse_rfc3339("2016-03-15T23:59:59+08:00").unwrap();
    let late = Verdict::Late {
        received_at: Timestamp::from_millis(deadline.millis() + 1000),
        deadline,
    };
    let zh = verdict_reason(Lang::Zh, &late);
    assert!(zh.starts_with("逾期不予受理") && zh.contains("2016-03-15 23:59:59（北京时间）"));
    assert!(verdict_reason(Lang::En, &late).contains("after the deadline 2016-03-15 23:59:59 CST"));

    for verdict in [Verdict::Accepted, Verdict::Withdrawn, quota, conflict, late] {
        let zh = verdict_reason(Lang::Zh, &verdict);
        assert!(!zh.starts_with("reason-"), "{zh}");
        assert_ne!(zh, verdict_reason(Lang::En, &verdict));
        assert_ne!(
            verdict_label(Lang::Zh, verdict.key()),
            verdict_label(Lang::En, verdict.key())
        );
    }
}

#[test]
fn an_invalid_verdict_names_each_box_by_label_and_path() {
    let example = include_str!("../../config/examples/application.toml");
    let mut application = Application::from_toml_str(example).unwrap();
    let batch =
        crate::batch::Batch::from_toml_str(include_str!("../../config/examples/batch-6.toml"))
            .unwrap();
    application.plan.requested_subsidy_yuan = batch.subsidy_cap_yuan + 1;
    application.applicant.faculty.clear();
    let errors = application.validate(&batch);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| !e.code.is_empty()));
    let zh = verdict_reason(Lang::Zh, &Verdict::Invalid { errors });
    assert!(zh.starts_with("申报表有误："), "{zh}");
    assert!(zh.contains("申请中央财政补助经费（元）（plan.requested_subsidy_yuan）："));
    assert!(zh.contains("超过第6批的补助上限 5000000 元"), "{zh}");
    assert!(
        zh.contains("培训师资（applicant.faculty）：必填栏目为空"),
        "{zh}"
    );
    let words = zh
        .replace("plan.requested_subsidy_yuan", "")
        .replace("applicant.faculty", "");
    assert!(!words.chars().any(|c| c.is_ascii_alphabetic()), "{zh}");
}

#[test]
fn english_problem_text_is_rendered_from_the_catalogue_and_old_receipts_keep_theirs() {
    let error = crate::form::FieldError::new(
        "plan.targets",
        "too-long",
        &[("length", "20001".into()), ("limit", "20000".into())],
    );
    assert!(
        error
            .problem
            .starts_with("20001 characters; this box holds at most 20000")
    );
    assert!(problem(Lang::Zh, &error).contains("本栏最多 20000 个字符"));
    let old: crate::form::FieldError =
        serde_json::from_str(r#"{"field":"plan.targets","problem":"required box is empty"}"#)
            .unwrap();
    assert_eq!(problem(Lang::Zh, &old), "required box is empty");
    assert!(
        field_error(Lang::Zh, &old)
            .starts_with("基地建设绩效目标及专项经费使用计划（plan.targets）")
    );
}

#[test]
fn every_problem_code_the_form_uses_has_a_message() {
    let form = include_str!("form.rs");
    let mut codes = BTreeSet::new();
    // Codes are the string literals passed right after the field in FieldError::new, and the
    // first element of the (code, args) pairs that phone and file-name checks return.
    for line in form.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix('"')
            && let Some((code, tail)) = rest.split_once('"')
            && (tail == "," || tail.starts_with(", &"))
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
            && code.contains('-')
        {
            codes.insert(code.to_string());
        }
    }
    for code in [
        "empty",
        "blake3",
        "no-such-box",
        "not-yuan",
        "file-empty",
        "phone-digits",
    ] {
        codes.insert(code.to_string());
    }
    assert!(codes.len() > 15, "{codes:?}");
    for code in codes {
        let id = format!("problem-{code}");
        assert!(has(Lang::Zh, &id) && has(Lang::En, &id), "{id} missing");
    }
}

#[test]
fn review_states_and_statuses_read_in_each_language() {
    let outcome = Outcome::Recognised {
        subsidy_yuan: 4_800_000,
        at: Timestamp::from_millis(0),
    };
    assert_eq!(
        review_state(Lang::En, &[90, 86], Some(&outcome)),
        "2 review(s), mean score 88.0; recognised, 4800000 yuan"
    );
    assert_eq!(
        review_state(Lang::Zh, &[90, 86], Some(&outcome)),
        "专家评审 2 份，平均分 88.0；已认定，补助 4800000 元"
    );
    assert_eq!(review_state(Lang::Zh, &[], None), "");
    assert_eq!(
        zh_and_en("status-submitted"),
        ("已提交".into(), "submitted".into())
    );
    assert_eq!(record_status(Lang::Zh, Status::Withdrawn), "已撤回");
    assert_eq!(t(Lang::En, "no-such-message", &[]), "no-such-message");
}
