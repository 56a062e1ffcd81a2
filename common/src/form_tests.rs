//! Table-driven tests of the application form: one case per validation rule.

use super::*;
use crate::batch::Batch;

pub(crate) const BATCH_6: &str = r#"
number = 6
title = "第六批国家级专业技术人员继续教育基地"
deadline = "2016-03-15T23:59:59+08:00"
key_areas = ["集成电路", "电子信息", "软件", "机器人"]
quota_per_recommender = 1
subsidy_cap_yuan = 5000000
"#;

pub(crate) fn batch() -> Batch {
    static BATCH: std::sync::OnceLock<Batch> = std::sync::OnceLock::new();
    BATCH
        .get_or_init(|| Batch::from_toml_str(BATCH_6).unwrap())
        .clone()
}

/// A small application that passes every check.
pub(crate) fn valid() -> Application {
    let text = r#"
batch = 6
filled_on = "2016-03-01"
[applicant]
name = "北京大学"
credit_code = "12100000400002259P"
nature = "university"
address = "北京市海淀区颐和园路5号 100871"
contact = "王老师"
phone = "010-62751234"
existing_base = "北京市专业技术人员继续教育基地"
overview = "学校建有培训中心与远程教学平台。"
faculty = "专职教师一百二十人。"
key_area_training = "近三年培训集成电路领域专业技术人员三千人次。"
management = "制定了培训管理、经费管理等制度。"
[plan]
safeguards = "成立基地建设领导小组。"
targets = "三年内培训一万人次；经费用于课程开发与平台建设。"
requested_subsidy_yuan = 4800000
areas = ["集成电路", "软件"]
strengths = "产学研结合，面向集成电路产业。"
[recommender]
runs_regional_base = true
relationship = "属地管理"
reasons = "经审核，申报材料真实完整，同意推荐。"
contact = "李处长"
phone = "010—84207342、84208342"
[[attachments]]
kind = "recommendation_letter"
file = "推荐函.pdf"
[[attachments]]
kind = "proof"
file = "证明材料/认定文件.pdf"
"#;
    Application::from_toml_str(text).unwrap()
}

fn fields_of(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn a_complete_application_passes() {
    assert_eq!(valid().validate(&batch()), vec![]);
}

#[test]
fn the_shipped_example_passes() {
    let text = include_str!("../../config/examples/application.toml");
    let application = Application::from_toml_str(text).unwrap();
    assert_eq!(application.validate(&batch_6_shipped()), vec![]);
}

fn batch_6_shipped() -> Batch {
    Batch::from_toml_str(include_str!("../../config/examples/batch-6.toml")).unwrap()
}

#[test]
fn toml_round_trips() {
    let application = valid();
    let again = Application::from_toml_str(&application.to_toml_string()).unwrap();
    assert_eq!(again, application);
}

#[test]
fn each_rule_names_its_field() {
    type Change = fn(&mut Application);
    let cases: Vec<(&str, Change, &str)> = vec![
        ("empty name", |a| a.applicant.name.clear(), "applicant.name"),
        (
            "blank overview",
            |a| a.applicant.overview = "  \n ".into(),
            "applicant.overview",
        ),
        (
            "empty faculty",
            |a| a.applicant.faculty.clear(),
            "applicant.faculty",
        ),
        (
            "empty key-area training",
            |a| a.applicant.key_area_training.clear(),
            "applicant.key_area_training",
        ),
        (
            "empty management",
            |a| a.applicant.management.clear(),
            "applicant.management",
        ),
        (
            "empty safeguards",
            |a| a.plan.safeguards.clear(),
            "plan.safeguards",
        ),
        ("empty targets", |a| a.plan.targets.clear(), "plan.targets"),
        (
            "empty strengths",
            |a| a.plan.strengths.clear(),
            "plan.strengths",
        ),
        (
            "empty reasons",
            |a| a.recommender.reasons.clear(),
            "recommender.reasons",
        ),
        (
            "empty relationship",
            |a| a.recommender.relationship.clear(),
            "recommender.relationship",
        ),
        (
            "empty recommender contact",
            |a| a.recommender.contact.clear(),
            "recommender.contact",
        ),
        (
            "no yes/no answer",
            |a| a.recommender.runs_regional_base = None,
            "recommender.runs_regional_base",
        ),
        (
            "no subsidy",
            |a| a.plan.requested_subsidy_yuan = 0,
            "plan.requested_subsidy_yuan",
        ),
        ("no areas", |a| a.plan.areas.clear(), "plan.areas"),
        (
            "wrong check character",
            |a| a.applicant.credit_code = "12100000400002259Q".into(),
            "applicant.credit_code",
        ),
        (
            "wrong organisation check",
            |a| a.applicant.credit_code = "121000004000022580".into(),
            "applicant.credit_code",
        ),
        (
            "short credit code",
            |a| a.applicant.credit_code = "1210000040000225".into(),
            "applicant.credit_code",
        ),
        (
            "unknown nature",
            |a| a.applicant.nature = "hospital".into(),
            "applicant.nature",
        ),
        (
            "area not in batch",
            |a| a.plan.areas.push("烹饪".into()),
            "plan.areas",
        ),
        (
            "area twice",
            |a| a.plan.areas.push("软件".into()),
            "plan.areas",
        ),
        (
            "subsidy above cap",
            |a| a.plan.requested_subsidy_yuan = 5_000_001,
            "plan.requested_subsidy_yuan",
        ),
        (
            "base without proof",
            |a| a.attachments.retain(|x| x.kind != "proof"),
            "applicant.existing_base",
        ),
        (
            "box too long",
            |a| a.applicant.overview = "字".repeat(LONG_BOX_LIMIT + 1),
            "applicant.overview",
        ),
        (
            "name too long",
            |a| a.applicant.name = "名".repeat(101),
            "applicant.name",
        ),
        (
            "multi-line name",
            |a| a.applicant.name = "北京\n大学".into(),
            "applicant.name",
        ),
        (
            "letters in phone",
            |a| a.applicant.phone = "call me".into(),
            "applicant.phone",
        ),
        (
            "too few digits",
            |a| a.recommender.phone = "12345".into(),
            "recommender.phone",
        ),
        (
            "bad date",
            |a| a.filled_on = Some("2016-02-30".into()),
            "filled_on",
        ),
        ("wrong batch", |a| a.batch = 5, "batch"),
        (
            "unknown attachment kind",
            |a| a.attachments[0].kind = "photo".into(),
            "attachments[0].kind",
        ),
        (
            "absolute attachment path",
            |a| a.attachments[0].file = "/etc/passwd".into(),
            "attachments[0].file",
        ),
        (
            "climbing attachment path",
            |a| a.attachments[1].file = "../x.pdf".into(),
            "attachments[1].file",
        ),
        (
            "bad attachment hash",
            |a| a.attachments[0].blake3 = Some("XYZ".into()),
            "attachments[0].blake3",
        ),
    ];
    for (name, change, field) in cases {
        let mut application = valid();
        change(&mut application);
        let errors = application.validate(&batch());
        assert_eq!(fields_of(&errors), vec![field], "case '{name}': {errors:?}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let errors = Application::from_toml_str("batch = 6")
        .unwrap()
        .validate(&batch());
    let fields = fields_of(&errors);
    for spec in all_fields().filter(|spec| spec.required) {
        assert!(
            fields.contains(&spec.path),
            "{} missing from {fields:?}",
            spec.path
        );
    }
    assert!(!fields.contains(&"applicant.existing_base"));
}

#[test]
fn an_optional_box_may_be_empty() {
    let mut application = valid();
    application.applicant.existing_base = None;
    application.filled_on = None;
    assert_eq!(application.validate(&batch()), vec![]);
}

#[test]
fn unknown_keys_and_wrong_types_are_syntax_errors() {
    let error = Application::from_toml_str("batch = 6\n[applicant]\nnmae = \"x\"").unwrap_err();
    assert!(error.0.contains("unknown field `nmae`"), "{error}");
    let error = Application::from_toml_str("batch = \"six\"").unwrap_err();
    assert!(error.0.contains("batch"), "{error}");
}

#[test]
fn every_box_can_be_read_and_set_by_path() {
    let source = valid();
    let mut copy = Application {
        attachments: source.attachments.clone(),
        ..Application::default()
    };
    for spec in all_fields() {
        copy.set(spec.path, source.get(spec.path).unwrap()).unwrap();
    }
    copy.batch = source.batch;
    assert_eq!(copy, source);
}

#[test]
fn setting_from_text_parses_by_kind() {
    let mut application = valid();
    application.set_from_text("plan.targets", "新目标").unwrap();
    application
        .set_from_text("plan.requested_subsidy_yuan", "4,500,000")
        .unwrap();
    application
        .set_from_text("plan.areas", "软件，机器人")
        .unwrap();
    application
        .set_from_text("recommender.runs_regional_base", "否")
        .unwrap();
    assert_eq!(application.plan.targets, "新目标");
    assert_eq!(application.plan.requested_subsidy_yuan, 4_500_000);
    assert_eq!(application.plan.areas, vec!["软件", "机器人"]);
    assert_eq!(application.recommender.runs_regional_base, Some(false));
    assert!(application.set_from_text("plan.nothing", "x").is_err());
    assert!(
        application
            .set_from_text("plan.requested_subsidy_yuan", "很多")
            .is_err()
    );
    assert!(
        application
            .set("plan.targets", FieldValue::Yuan(1))
            .is_err()
    );
}
