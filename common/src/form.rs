//! The application form (申报表) as a typed value, its TOML file format, and its validation.
//!
//! Every box of the notice's form has a field here, addressed by a dotted path such as
//! `applicant.overview` or `plan.targets`; [`FIELDS`] lists them with their Chinese labels and
//! limits, so the record documents, the CLI's `--set` and the history all speak of the same
//! names. Text boxes default to empty when a file leaves them out, so that validation can report
//! every missing box at once instead of stopping at the first.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::batch::Batch;
use crate::credit_code::CreditCode;
use crate::timestamp::is_valid_date;

/// Longest a free-text box may be, in characters. Real boxes run to a few thousand characters;
/// anything longer belongs in an `extra` attachment (另附纸), as the form itself says.
pub const LONG_BOX_LIMIT: usize = 20_000;

/// The most attachments one application may list.
pub const ATTACHMENT_LIMIT: usize = 50;

/// An application for recognition as a national continuing-education base.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// The batch applied for (第六批 = 6).
    pub batch: u32,
    /// 填表日期, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filled_on: Option<String>,
    #[serde(default)]
    pub applicant: Applicant,
    #[serde(default)]
    pub plan: Plan,
    #[serde(default)]
    pub recommender: RecommenderPart,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// The part the applicant fills in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Applicant {
    pub name: String,
    pub credit_code: String,
    pub nature: String,
    pub address: String,
    pub contact: String,
    pub phone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_base: Option<String>,
    pub overview: String,
    pub faculty: String,
    pub key_area_training: String,
    pub management: String,
}

/// The construction plan (基地建设规划), in the form's three parts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Plan {
    pub safeguards: String,
    pub targets: String,
    pub requested_subsidy_yuan: u64,
    pub areas: Vec<String>,
    pub strengths: String,
}

/// The part the recommender fills in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecommenderPart {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_regional_base: Option<bool>,
    pub relationship: String,
    pub reasons: String,
    pub contact: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Attachment {
    pub kind: String,
    pub file: String,
    /// The BLAKE3 hash of the file's content, in hex, once the file is stored on a node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blake3: Option<String>,
    /// The file's size in bytes, once stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// 单位性质: the five kinds of institution the notice admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    University,
    ResearchInstitute,
    TrainingInstitution,
    Association,
    Enterprise,
}

impl Nature {
    pub const ALL: [Nature; 5] = [
        Nature::University,
        Nature::ResearchInstitute,
        Nature::TrainingInstitution,
        Nature::Association,
        Nature::Enterprise,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Nature::University => "university",
            Nature::ResearchInstitute => "research_institute",
            Nature::TrainingInstitution => "training_institution",
            Nature::Association => "association",
            Nature::Enterprise => "enterprise",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Nature::University => "高等院校",
            Nature::ResearchInstitute => "科研院所",
            Nature::TrainingInstitution => "教育培训机构",
            Nature::Association => "专业协会（学会）",
            Nature::Enterprise => "企业培训机构",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|nature| nature.key() == key)
    }
}

/// The three kinds of attachment: 推荐函, 证明材料, 另附纸.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    RecommendationLetter,
    Proof,
    Extra,
}

impl AttachmentKind {
    pub const ALL: [AttachmentKind; 3] = [
        AttachmentKind::RecommendationLetter,
        AttachmentKind::Proof,
        AttachmentKind::Extra,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AttachmentKind::RecommendationLetter => "recommendation_letter",
            AttachmentKind::Proof => "proof",
            AttachmentKind::Extra => "extra",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

/// What kind of value a box holds, and how long it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A one-line text box of at most this many characters.
    Line(usize),
    /// A free-text box of at most this many characters.
    Prose(usize),
    /// A yes/no box.
    YesNo,
    /// An amount of yuan.
    Yuan,
    /// A list of key-area names.
    Areas,
}

/// One box of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub path: &'static str,
    pub label_zh: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

const fn field(path: &'static str, label_zh: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        path,
        label_zh,
        kind,
        required: true,
    }
}

/// Every box of the form except the attachments list, in the form's order.
pub const FIELDS: [FieldSpec; 22] = [
    FieldSpec {
        required: false,
        ..field("filled_on", "填表日期", FieldKind::Line(10))
    },
    field("applicant.name", "单位全称", FieldKind::Line(100)),
    field(
        "applicant.credit_code",
        "统一社会信用代码",
        FieldKind::Line(18),
    ),
    field("applicant.nature", "单位性质", FieldKind::Line(40)),
    field("applicant.address", "通讯地址", FieldKind::Line(200)),
    field("applicant.contact", "联系人", FieldKind::Line(50)),
    field("applicant.phone", "联系电话", FieldKind::Line(40)),
    FieldSpec {
        required: false,
        ..field(
            "applicant.existing_base",
            "区域性或行业性继教基地名称",
            FieldKind::Line(100),
        )
    },
    field(
        "applicant.overview",
        "概况（含培训设施及远程教学设施情况）",
        FieldKind::Prose(LONG_BOX_LIMIT),
    ),
    field(
        "applicant.faculty",
        "培训师资",
        FieldKind::Prose(LONG_BOX_LIMIT),
    ),
    field(
        "applicant.key_area_training",
        "培养培训重点领域专业技术人员情况",
        FieldKind::Prose(LONG_BOX_LIMIT),
    ),
    field(
        "applicant.management",
        "管理制度",
        FieldKind::Prose(LONG_BOX_LIMIT),
    ),
    field(
        "plan.safeguards",
        "组织保障机制",
        FieldKind::Prose(LONG_BOX_LIMIT),
    ),
    field(
        "plan.targets",
        "基地建设绩效目标及专项经费使用计划",
        FieldKind::Prose(LONG_BOX_LIMIT),
    ),
    field(
        "plan.requested_subsidy_yuan",
        "申请中央财政补助经费（元）",
        FieldKind::Yuan,
    ),
    field("plan.areas", "主要培训领域", FieldKind::Areas),
    field(
        "plan.strengths",
        "主要培训领域和特色",
        FieldKind::Prose(LONG_BOX_LIMIT),
    ),
    field(
        "recommender.runs_regional_base",
        "是否建设区域性、行业性专业技术人员继续教育基地",
        FieldKind::YesNo,
    ),
    field(
        "recommender.relationship",
        "与申报单位关系",
        FieldKind::Line(200),
    ),
    field(
        "recommender.reasons",
        "推荐理由",
        FieldKind::Prose(LONG_BOX_LIMIT),
    ),
    field("recommender.contact", "推荐单位联系人", FieldKind::Line(50)),
    field("recommender.phone", "推荐单位联系电话", FieldKind::Line(40)),
];

/// Every box of the form except the attachments list.
pub fn all_fields() -> impl Iterator<Item = FieldSpec> {
    FIELDS.into_iter()
}

/// Looks a box up by its dotted path.
pub fn field_spec(path: &str) -> Option<FieldSpec> {
    all_fields().find(|spec| spec.path == path)
}

/// The value in one box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Text(String),
    YesNo(Option<bool>),
    Yuan(u64),
    Areas(Vec<String>),
}

/// One problem found in an application, naming the box it is in.
///
/// The problem is kept as a stable code with its arguments, which [`crate::i18n`] renders in
/// the reader's language, and as English text for scripts and logs. Receipts written before
/// problems had codes carry only the text; they still read (`code` empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    /// The dotted path of the box, or `attachments[i].kind` for an attachment.
    pub field: String,
    /// The problem's stable code, such as `too-long` (its catalogue message is
    /// `problem-too-long`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// The values the problem's message names (the limit, the offending value…).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
    /// The problem in English.
    pub problem: String,
}

impl FieldError {
    /// A problem at `field` with its catalogue code and arguments; the English text is rendered
    /// from the catalogue so that it never drifts from the translation.
    pub fn new(field: impl Into<String>, code: &str, args: &[(&str, String)]) -> Self {
        let args: BTreeMap<String, String> = args
            .iter()
            .map(|(name, value)| ((*name).to_string(), value.clone()))
            .collect();
        let mut error = Self {
            field: field.into(),
            code: code.to_string(),
            args,
            problem: String::new(),
        };
        error.problem = crate::i18n::problem(crate::i18n::Lang::En, &error);
        error
    }
}

/// Why an application file could not be read at all (as opposed to read and found wanting).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct FormSyntaxError(pub String);

impl Application {
    /// Reads an application file's text. Unknown keys and values of the wrong type are errors
    /// here; empty or missing boxes are left for [`Application::validate`] to report together.
    pub fn from_toml_str(text: &str) -> Result<Self, FormSyntaxError> {
        toml::from_str(text).map_err(|e| FormSyntaxError(e.to_string()))
    }

    /// Writes the application in the file format that [`Application::from_toml_str`] reads.
    pub fn to_toml_string(&self) -> String {
        // Strings, integers, booleans and tables only: serialisation cannot fail.
        toml::to_string(self).unwrap_or_default()
    }

    /// The institution's credit code, if it is valid.
    pub fn credit_code(&self) -> Option<CreditCode> {
        CreditCode::parse(&self.applicant.credit_code).ok()
    }

    /// The value in the box at `path`.
    pub fn get(&self, path: &str) -> Option<FieldValue> {
        use FieldValue::{Areas, Text, YesNo, Yuan};
        let (a, p, r) = (&self.applicant, &self.plan, &self.recommender);
        Some(match path {
            "filled_on" => Text(self.filled_on.clone().unwrap_or_default()),
            "applicant.name" => Text(a.name.clone()),
            "applicant.credit_code" => Text(a.credit_code.clone()),
            "applicant.nature" => Text(a.nature.clone()),
            "applicant.address" => Text(a.address.clone()),
            "applicant.contact" => Text(a.contact.clone()),
            "applicant.phone" => Text(a.phone.clone()),
            "applicant.existing_base" => Text(a.existing_base.clone().unwrap_or_default()),
            "applicant.overview" => Text(a.overview.clone()),
            "applicant.faculty" => Text(a.faculty.clone()),
            "applicant.key_area_training" => Text(a.key_area_training.clone()),
            "applicant.management" => Text(a.management.clone()),
            "plan.safeguards" => Text(p.safeguards.clone()),
            "plan.targets" => Text(p.targets.clone()),
            "plan.requested_subsidy_yuan" => Yuan(p.requested_subsidy_yuan),
            "plan.areas" => Areas(p.areas.clone()),
            "plan.strengths" => Text(p.strengths.clone()),
            "recommender.runs_regional_base" => YesNo(r.runs_regional_base),
            "recommender.relationship" => Text(r.relationship.clone()),
            "recommender.reasons" => Text(r.reasons.clone()),
            "recommender.contact" => Text(r.contact.clone()),
            "recommender.phone" => Text(r.phone.clone()),
            _ => return None,
        })
    }

    /// Puts `value` in the box at `path`. Fails when there is no such box or the value is of the
    /// wrong kind; content is checked later by [`Application::validate`].
    pub fn set(&mut self, path: &str, value: FieldValue) -> Result<(), FieldError> {
        use FieldValue::{Areas, Text, YesNo, Yuan};
        let optional = |text: String| (!text.is_empty()).then_some(text);
        let (a, p, r) = (&mut self.applicant, &mut self.plan, &mut self.recommender);
        match (path, value) {
            ("filled_on", Text(v)) => self.filled_on = optional(v),
            ("applicant.name", Text(v)) => a.name = v,
            ("applicant.credit_code", Text(v)) => a.credit_code = v,
            ("applicant.nature", Text(v)) => a.nature = v,
            ("applicant.address", Text(v)) => a.address = v,
            ("applicant.contact", Text(v)) => a.contact = v,
            ("applicant.phone", Text(v)) => a.phone = v,
            ("applicant.existing_base", Text(v)) => a.existing_base = optional(v),
            ("applicant.overview", Text(v)) => a.overview = v,
            ("applicant.faculty", Text(v)) => a.faculty = v,
            ("applicant.key_area_training", Text(v)) => a.key_area_training = v,
            ("applicant.management", Text(v)) => a.management = v,
            ("plan.safeguards", Text(v)) => p.safeguards = v,
            ("plan.targets", Text(v)) => p.targets = v,
            ("plan.requested_subsidy_yuan", Yuan(v)) => p.requested_subsidy_yuan = v,
            ("plan.areas", Areas(v)) => p.areas = v,
            ("plan.strengths", Text(v)) => p.strengths = v,
            ("recommender.runs_regional_base", YesNo(v)) => r.runs_regional_base = v,
            ("recommender.relationship", Text(v)) => r.relationship = v,
            ("recommender.reasons", Text(v)) => r.reasons = v,
            ("recommender.contact", Text(v)) => r.contact = v,
            ("recommender.phone", Text(v)) => r.phone = v,
            (path, value) => {
                return Err(match field_spec(path) {
                    None => FieldError::new(path, "no-such-box", &[]),
                    Some(spec) => FieldError::new(
                        path,
                        "wrong-kind",
                        &[
                            ("kind", kind_name(spec.kind).to_string()),
                            ("value", format!("{value:?}")),
                        ],
                    ),
                });
            }
        }
        Ok(())
    }

    /// Sets a box from text as typed on a command line: `yes`/`no` for yes/no boxes, a whole
    /// number for yuan, a comma-separated list (`集成电路,软件`) for areas.
    pub fn set_from_text(&mut self, path: &str, text: &str) -> Result<(), FieldError> {
        let spec = field_spec(path).ok_or_else(|| FieldError::new(path, "no-such-box", &[]))?;
        let value = match spec.kind {
            FieldKind::Line(_) | FieldKind::Prose(_) => FieldValue::Text(text.to_string()),
            FieldKind::YesNo => FieldValue::YesNo(Some(match text.trim() {
                "yes" | "true" | "是" => true,
                "no" | "false" | "否" => false,
                other => {
                    return Err(FieldError::new(
                        path,
                        "not-yes-no",
                        &[("value", other.to_string())],
                    ));
                }
            })),
            FieldKind::Yuan => {
                FieldValue::Yuan(text.trim().replace(['_', ','], "").parse().map_err(|_| {
                    FieldError::new(path, "not-yuan", &[("value", text.to_string())])
                })?)
            }
            FieldKind::Areas => FieldValue::Areas(
                text.split([',', '，', '、'])
                    .map(str::trim)
                    .filter(|area| !area.is_empty())
                    .map(String::from)
                    .collect(),
            ),
        };
        self.set(path, value)
    }

    /// Checks the application against its batch and returns every problem found, each naming its
    /// box. An empty list means the application may be submitted.
    pub fn validate(&self, batch: &Batch) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.batch != batch.number.0 {
            errors.push(FieldError::new(
                "batch",
                "batch-mismatch",
                &[
                    ("app_batch", self.batch.to_string()),
                    ("batch", batch.number.to_string()),
                ],
            ));
        }
        for spec in all_fields() {
            if let Some(value) = self.get(spec.path) {
                check_box(spec, &value, batch, &mut errors);
            }
        }
        if let Some(date) = &self.filled_on
            && !is_valid_date(date)
        {
            errors.push(FieldError::new(
                "filled_on",
                "bad-date",
                &[("value", date.clone())],
            ));
        }
        let code = self.applicant.credit_code.trim();
        if !code.is_empty()
            && let Err(problem) = CreditCode::parse(code)
        {
            errors.push(credit_code_error(&problem));
        }
        let nature = self.applicant.nature.trim();
        if !nature.is_empty() && Nature::parse(nature).is_none() {
            let known: Vec<&str> = Nature::ALL.iter().map(|n| n.key()).collect();
            errors.push(FieldError::new(
                "applicant.nature",
                "bad-nature",
                &[("value", nature.to_string()), ("known", known.join(", "))],
            ));
        }
        for (label, phone) in [
            ("applicant.phone", &self.applicant.phone),
            ("recommender.phone", &self.recommender.phone),
        ] {
            if !phone.trim().is_empty()
                && let Some((code, args)) = phone_problem(phone)
            {
                errors.push(FieldError::new(label, code, &args));
            }
        }
        self.validate_plan(batch, &mut errors);
        self.validate_attachments(&mut errors);
        errors
    }

    fn validate_plan(&self, batch: &Batch, errors: &mut Vec<FieldError>) {
        let requested = self.plan.requested_subsidy_yuan;
        if requested > batch.subsidy_cap_yuan {
            errors.push(FieldError::new(
                "plan.requested_subsidy_yuan",
                "subsidy-over-cap",
                &[
                    ("requested", requested.to_string()),
                    ("batch", batch.number.to_string()),
                    ("cap", batch.subsidy_cap_yuan.to_string()),
                ],
            ));
        }
        let mut seen = BTreeSet::new();
        for area in &self.plan.areas {
            if !batch.is_key_area(area) {
                errors.push(FieldError::new(
                    "plan.areas",
                    "area-unknown",
                    &[
                        ("area", area.clone()),
                        ("batch", batch.number.to_string()),
                        ("areas", batch.key_areas.join("、")),
                    ],
                ));
            } else if !seen.insert(area) {
                errors.push(FieldError::new(
                    "plan.areas",
                    "area-twice",
                    &[("area", area.clone())],
                ));
            }
        }
    }

    fn validate_attachments(&self, errors: &mut Vec<FieldError>) {
        if self.attachments.len() > ATTACHMENT_LIMIT {
            errors.push(FieldError::new(
                "attachments",
                "too-many-attachments",
                &[
                    ("count", self.attachments.len().to_string()),
                    ("limit", ATTACHMENT_LIMIT.to_string()),
                ],
            ));
        }
        for (index, attachment) in self.attachments.iter().enumerate() {
            if AttachmentKind::parse(&attachment.kind).is_none() {
                let known: Vec<&str> = AttachmentKind::ALL.iter().map(|k| k.key()).collect();
                errors.push(FieldError::new(
                    format!("attachments[{index}].kind"),
                    "attachment-kind",
                    &[
                        ("value", attachment.kind.clone()),
                        ("known", known.join(", ")),
                    ],
                ));
            }
            if let Some((code, args)) = file_name_problem(&attachment.file) {
                errors.push(FieldError::new(
                    format!("attachments[{index}].file"),
                    code,
                    &args,
                ));
            }
            if let Some(hash) = &attachment.blake3
                && (hash.len() != 64
                    || !hash
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            {
                errors.push(FieldError::new(
                    format!("attachments[{index}].blake3"),
                    "blake3",
                    &[("value", hash.clone())],
                ));
            }
        }
        let has_proof = self
            .attachments
            .iter()
            .any(|a| AttachmentKind::parse(&a.kind) == Some(AttachmentKind::Proof));
        let names_base = self
            .applicant
            .existing_base
            .as_deref()
            .is_some_and(|name| !name.trim().is_empty());
        if names_base && !has_proof {
            errors.push(FieldError::new(
                "applicant.existing_base",
                "proof-required",
                &[],
            ));
        }
    }
}

/// The kind of value a box expects, as the catalogue's `problem-wrong-kind` selects on it.
fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Line(_) | FieldKind::Prose(_) => "text",
        FieldKind::YesNo => "yesno",
        FieldKind::Yuan => "yuan",
        FieldKind::Areas => "areas",
    }
}

/// A credit-code problem with the values its message names.
fn credit_code_error(problem: &crate::credit_code::CreditCodeError) -> FieldError {
    use crate::credit_code::CreditCodeError as E;
    let (code, args) = match problem {
        E::Length(found) => ("credit-code-length", vec![("found", found.to_string())]),
        E::Character { position, found } => (
            "credit-code-character",
            vec![
                ("position", position.to_string()),
                ("found", found.to_string()),
            ],
        ),
        E::CheckCharacter { expected, found } => (
            "credit-code-check",
            vec![
                ("expected", expected.to_string()),
                ("found", found.to_string()),
            ],
        ),
        E::OrganisationCheck { expected, found } => (
            "credit-code-organisation",
            vec![
                ("expected", expected.to_string()),
                ("found", found.to_string()),
            ],
        ),
    };
    FieldError::new("applicant.credit_code", code, &args)
}

/// Checks a box for emptiness and length.
fn check_box(spec: FieldSpec, value: &FieldValue, batch: &Batch, errors: &mut Vec<FieldError>) {
    match (spec.kind, value) {
        (FieldKind::Line(limit) | FieldKind::Prose(limit), FieldValue::Text(text)) => {
            if text.trim().is_empty() {
                if spec.required {
                    errors.push(FieldError::new(spec.path, "empty", &[]));
                }
                return;
            }
            let length = text.chars().count();
            if length > limit {
                errors.push(FieldError::new(
                    spec.path,
                    "too-long",
                    &[("length", length.to_string()), ("limit", limit.to_string())],
                ));
            }
            if matches!(spec.kind, FieldKind::Line(_)) && text.contains(['\n', '\r']) {
                errors.push(FieldError::new(spec.path, "single-line", &[]));
            }
        }
        (FieldKind::YesNo, FieldValue::YesNo(None)) => {
            errors.push(FieldError::new(spec.path, "empty-yes-no", &[]));
        }
        (FieldKind::Yuan, FieldValue::Yuan(0)) => {
            errors.push(FieldError::new(spec.path, "empty", &[]))
        }
        (FieldKind::Areas, FieldValue::Areas(areas)) if areas.is_empty() => {
            errors.push(FieldError::new(
                spec.path,
                "empty-areas",
                &[("areas", batch.key_areas.join("、"))],
            ))
        }
        _ => {}
    }
}

/// A phone box holds one or more numbers: digits and the separators people write between them.
fn phone_problem(phone: &str) -> Option<(&'static str, Vec<(&'static str, String)>)> {
    let allowed = |c: char| c.is_ascii_digit() || " -—–+()（）、,，/转".contains(c);
    if let Some(bad) = phone.chars().find(|c| !allowed(*c)) {
        return Some(("phone-character", vec![("char", bad.to_string())]));
    }
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (digits < 7).then(|| {
        (
            "phone-digits",
            vec![("value", phone.to_string()), ("digits", digits.to_string())],
        )
    })
}

/// An attachment is named by a plain file name or a relative path that stays inside the folder
/// the application was submitted from.
fn file_name_problem(file: &str) -> Option<(&'static str, Vec<(&'static str, String)>)> {
    if file.trim().is_empty() {
        return Some(("file-empty", Vec::new()));
    }
    if file.starts_with(['/', '\\']) || file.contains(':') {
        return Some(("file-absolute", vec![("file", file.to_string())]));
    }
    if file.split(['/', '\\']).any(|part| part == "..") {
        return Some(("file-climbs", vec![("file", file.to_string())]));
    }
    if file.chars().count() > 255 {
        return Some(("file-name-long", Vec::new()));
    }
    None
}

#[cfg(test)]
#[path = "form_tests.rs"]
pub(crate) mod tests;
