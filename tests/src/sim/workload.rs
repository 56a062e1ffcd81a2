//! What the simulated users do: a recommender's HQ or field office creates records, edits their
//! drafts, submits and withdraws them. Institutions come from a small pool of valid credit
//! codes, so different recommenders often put the same institution forward (不得多头申报), and
//! some edits make an application invalid (a subsidy above the cap) or valid again.

use fedrec_common::form::Application;
use fedrec_common::ids::DocId;
use fedrec_common::record::Status;
use rand::RngExt;
use rand::rngs::StdRng;

use super::replica::{LocalOp, SimNode};

/// Valid unified social credit codes: few, so that recommenders collide.
const INSTITUTIONS: [(&str, &str); 4] = [
    ("12100000400002259P", "北京大学继续教育学院"),
    ("12100000400000624D", "中国科学院计算技术研究所"),
    ("914403001922038216", "深圳市软件行业协会培训中心"),
    ("123100004250015860", "上海集成电路产业技术继续教育学院"),
];

/// A small application that passes every check (the shipped example is a hundred times larger
/// and would only slow the simulation down).
const TEMPLATE: &str = r#"
batch = 6
filled_on = "2016-03-01"
[applicant]
name = "北京大学继续教育学院"
credit_code = "12100000400002259P"
nature = "university"
address = "北京市海淀区颐和园路5号 100871"
contact = "王老师"
phone = "010-62751234"
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
phone = "010-84207342"
[[attachments]]
kind = "recommendation_letter"
file = "推荐函.pdf"
"#;

/// The application every new record starts from.
pub fn template() -> Application {
    Application::from_toml_str(TEMPLATE).expect("the template parses")
}

fn with_institution(mut application: Application, index: usize) -> Application {
    let (code, name) = INSTITUTIONS[index % INSTITUTIONS.len()];
    application.applicant.credit_code = code.into();
    application.applicant.name = name.into();
    application
}

/// One edit of a draft, as a person makes it.
fn edited(rng: &mut StdRng, mut application: Application) -> Application {
    match rng.random_range(0..4) {
        0 => with_institution(application, rng.random_range(0..INSTITUTIONS.len())),
        1 => {
            let n: u32 = rng.random_range(0..1000);
            application
                .recommender
                .reasons
                .push_str(&format!("（补充意见{n}）"));
            application
        }
        2 => {
            // Above the cap makes the application invalid; back under it makes it valid again.
            application.plan.requested_subsidy_yuan =
                if application.plan.requested_subsidy_yuan > 5_000_000 {
                    4_800_000
                } else {
                    6_000_000
                };
            application
        }
        _ => {
            let n: u32 = rng.random_range(0..1000);
            application.applicant.faculty =
                format!("{}（第{n}次核实）", application.applicant.faculty);
            application
        }
    }
}

/// What a user of `node` asks for next, if anything makes sense.
pub fn choose_op(rng: &mut StdRng, node: &SimNode, template: &Application) -> Option<LocalOp> {
    let recommender = node.role.recommender()?;
    let statuses = node.statuses(recommender);
    let with = |wanted: Status| -> Vec<DocId> {
        statuses
            .iter()
            .filter(|(_, s)| *s == wanted)
            .map(|(d, _)| d.clone())
            .collect()
    };
    let (drafts, submitted) = (with(Status::Draft), with(Status::Submitted));
    let create = match statuses.len() {
        0..2 => 4,
        2..5 => 1,
        _ => 0,
    };
    let weights = [
        create,
        if drafts.is_empty() { 0 } else { 3 },
        if drafts.is_empty() { 0 } else { 4 },
        if submitted.is_empty() { 0 } else { 1 },
    ];
    let total: u32 = weights.iter().sum();
    if total == 0 {
        return None;
    }
    let mut pick = rng.random_range(0..total);
    let choice = weights
        .iter()
        .position(|w| {
            if pick < *w {
                true
            } else {
                pick -= w;
                false
            }
        })
        .unwrap_or(0);
    let any = |rng: &mut StdRng, docs: &[DocId]| docs[rng.random_range(0..docs.len())].clone();
    match choice {
        0 => {
            let index = rng.random_range(0..INSTITUTIONS.len());
            Some(LocalOp::Create(with_institution(template.clone(), index)))
        }
        1 => {
            let doc = any(rng, &drafts);
            let current = node.record(&doc)?.application().ok()?;
            Some(LocalOp::Edit(doc, edited(rng, current)))
        }
        2 => Some(LocalOp::Submit(any(rng, &drafts))),
        _ => Some(LocalOp::Withdraw(any(rng, &submitted))),
    }
}
