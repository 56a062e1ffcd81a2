//! Every word a person reads, in Simplified Chinese first and English second: the Fluent
//! catalogue under `common/locales/` (embedded at compile time), the choice of language, and
//! the renderings of the core's structured values (statuses, verdicts and their reasons,
//! validation problems, review states) that tables, pages and messages print.
//!
//! The core decides in codes and arguments (`Verdict::QuotaExceeded { holders }`,
//! `FieldError { code: "too-long", args }`); words are chosen only here, at the edge, so that a
//! verdict stored in a signed document never depends on the language of the node that wrote
//! it. Machine-readable outputs keep the codes and add the text beside them.
//!
//! zh-CN is the fallback: a message missing from another language is taken from zh-CN, and a
//! message missing from both comes out as its id (a test keeps both catalogues complete).

use std::borrow::Cow;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

pub use fluent_bundle::FluentValue as Arg;

#[path = "i18n_errors.rs"]
mod errors;
pub use errors::{Worded, auth_error_from_display, declared_variants, io_error, worded};

use crate::form::{FieldError, field_spec};
use crate::record::Status;
use crate::review::Outcome;
use crate::roster::RosterError;
use crate::rules::Verdict;
use crate::timestamp::Timestamp;

/// The catalogue files, in the order they are loaded; each language has the same files.
const ZH_CN: [&str; 6] = [
    include_str!("../locales/zh-CN/rules.ftl"),
    include_str!("../locales/zh-CN/form.ftl"),
    include_str!("../locales/zh-CN/cli.ftl"),
    include_str!("../locales/zh-CN/errors.ftl"),
    include_str!("../locales/zh-CN/ui.ftl"),
    include_str!("../locales/zh-CN/help.ftl"),
];
const EN_US: [&str; 6] = [
    include_str!("../locales/en-US/rules.ftl"),
    include_str!("../locales/en-US/form.ftl"),
    include_str!("../locales/en-US/cli.ftl"),
    include_str!("../locales/en-US/errors.ftl"),
    include_str!("../locales/en-US/ui.ftl"),
    include_str!("../locales/en-US/help.ftl"),
];

/// A language fedrec speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Simplified Chinese, the default: the notice's and its readers' language.
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The BCP 47 tag (`zh-CN`, `en-US`), also the folder of its catalogue and `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en-US",
        }
    }

    /// Reads a language name as people and systems write it: `en`, `en-US`, `en_US.UTF-8`,
    /// `zh`, `zh-CN`, `zh_CN.UTF-8`, `chinese`… Anything else is `None`.
    pub fn parse(text: &str) -> Option<Lang> {
        let lower = text.trim().to_ascii_lowercase();
        let base = lower.split(['-', '_', '.', '@']).next().unwrap_or_default();
        match base {
            "en" | "english" => Some(Lang::En),
            "zh" | "chinese" | "cn" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// The language from a `--lang` flag, then `FEDREC_LANG`, then `LANG`: the first that is
    /// given decides. English only when it asks for English; anything else (unset, `C`,
    /// `POSIX`, an unknown language) is Chinese, because fedrec's readers are Chinese officials
    /// and a server's `LANG=C` says nothing about them.
    pub fn resolve(flag: Option<&str>, fedrec_lang: Option<&str>, lang: Option<&str>) -> Lang {
        let chosen = [flag, fedrec_lang, lang]
            .into_iter()
            .flatten()
            .find(|value| !value.trim().is_empty());
        chosen.and_then(Lang::parse).unwrap_or(Lang::Zh)
    }

    /// [`Lang::resolve`] with `FEDREC_LANG` and `LANG` read from the environment (the only
    /// environment this crate reads: the caller chooses when).
    pub fn from_env_and_flag(flag: Option<&str>) -> Lang {
        let fedrec_lang = std::env::var("FEDREC_LANG").ok();
        let lang = std::env::var("LANG").ok();
        Lang::resolve(flag, fedrec_lang.as_deref(), lang.as_deref())
    }
}

struct Catalogue {
    zh: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(tag: &str, files: &[&str]) -> FluentBundle<FluentResource> {
    let locale = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![locale]);
    // Unicode isolation marks around arguments would end up in CSV cells and terminals.
    bundle.set_use_isolating(false);
    for text in files {
        // A syntax error in the embedded catalogue is caught by the tests; here the valid
        // entries of a damaged file still load.
        let resource = FluentResource::try_new((*text).to_string()).unwrap_or_else(|(r, _)| r);
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(?errors, tag, "duplicate messages in the catalogue");
        }
    }
    bundle
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue {
        zh: bundle(Lang::Zh.tag(), &ZH_CN),
        en: bundle(Lang::En.tag(), &EN_US),
    })
}

/// The message `id` in `lang` with `args` filled in; from zh-CN when `lang` lacks it, and the
/// id itself when neither has it.
pub fn t(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    let catalogue = catalogue();
    let preferred = match lang {
        Lang::Zh => &catalogue.zh,
        Lang::En => &catalogue.en,
    };
    let (bundle, message) = match preferred.get_message(id) {
        Some(message) => (preferred, message),
        None => match catalogue.zh.get_message(id) {
            Some(message) => (&catalogue.zh, message),
            None => return id.to_string(),
        },
    };
    let Some(pattern) = message.value() else {
        return id.to_string();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(&fluent_args), &mut errors)
        .into_owned()
}

thread_local! {
    /// The language of the reader this thread works for, while [`speaking`] runs.
    static SPEAKING: std::cell::Cell<Option<Lang>> = const { std::cell::Cell::new(None) };
}

/// Runs `work` with `lang` as the language of the reader this thread works for, the language
/// [`tr`] words its messages in. A daemon runs each request's work this way, so that the errors
/// the work words on the way reach the caller in the caller's language, whatever the daemon's
/// own environment says.
pub fn speaking<T>(lang: Lang, work: impl FnOnce() -> T) -> T {
    struct Restore(Option<Lang>);
    impl Drop for Restore {
        fn drop(&mut self) {
            SPEAKING.set(self.0);
        }
    }
    let _restore = Restore(SPEAKING.replace(Some(lang)));
    work()
}

/// The language of the reader this thread works for: the one [`speaking`] set, else Simplified
/// Chinese (work that no reader asked for, such as a log line, speaks to the ministry's and the
/// bureaus' staff).
pub fn reader() -> Lang {
    SPEAKING.get().unwrap_or_default()
}

/// The message `id` in the language of this thread's reader (see [`speaking`]).
pub fn tr(id: &str, args: &[(&str, Arg)]) -> String {
    t(reader(), id, args)
}

/// Whether the catalogue of `lang` itself (without fallback) has the message `id`.
pub fn has(lang: Lang, id: &str) -> bool {
    let catalogue = catalogue();
    match lang {
        Lang::Zh => catalogue.zh.has_message(id),
        Lang::En => catalogue.en.has_message(id),
    }
}

/// Every message id of a language's catalogue files, in file order (for completeness tests).
/// A message starts a line with its identifier and `=`; comments, terms (`-name`) and
/// indented continuation lines do not.
pub fn message_ids(lang: Lang) -> Vec<String> {
    let files = match lang {
        Lang::Zh => ZH_CN,
        Lang::En => EN_US,
    };
    files
        .iter()
        .flat_map(|text| text.lines())
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once('='))
        .map(|(id, _)| id.trim().to_string())
        .collect()
}

/// The syntax errors of every catalogue file, named by language and file position (empty when
/// the catalogue parses).
pub fn catalogue_errors() -> Vec<String> {
    let mut found = Vec::new();
    for lang in Lang::ALL {
        let files = match lang {
            Lang::Zh => ZH_CN,
            Lang::En => EN_US,
        };
        for (index, text) in files.iter().enumerate() {
            if let Err((_, errors)) = FluentResource::try_new((*text).to_string()) {
                found.push(format!("{} file {index}: {errors:?}", lang.tag()));
            }
        }
    }
    found
}

/// Shorthand for a string argument.
pub fn s<'a>(text: impl Into<Cow<'a, str>>) -> Arg<'a> {
    Arg::String(text.into())
}

/// A point in time as a reader of `lang` expects it: `2016-03-15 23:59:59（北京时间）` or
/// `2016-03-15 23:59:59 CST`.
pub fn time(lang: Lang, at: Timestamp) -> String {
    let text = at.to_string();
    match lang {
        Lang::En => text,
        Lang::Zh => format!("{}（北京时间）", text.trim_end_matches(" CST")),
    }
}

/// A list as a reader of `lang` writes it: `甲、乙` or `a, b`.
pub fn list(lang: Lang, items: impl IntoIterator<Item = String>) -> String {
    let separator = match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    };
    items.into_iter().collect::<Vec<_>>().join(separator)
}

/// A record's status (`draft`, `submitted`, `withdrawn`, or `none` for a recommender without a
/// submission) from its stable key.
pub fn status(lang: Lang, key: &str) -> String {
    t(lang, &format!("status-{key}"), &[])
}

/// The status of a record.
pub fn record_status(lang: Lang, status: Status) -> String {
    self::status(lang, status.key())
}

/// The name of a verdict, from its stable key (`accepted`, `rejected`, … and the two states a
/// table shows before any verdict: `provisional`, `none`).
pub fn verdict_label(lang: Lang, key: &str) -> String {
    t(lang, &format!("verdict-{key}"), &[])
}

/// The reason of a verdict, in the notice's words where it has them, with the holders, the
/// recommenders, the deadline and the field problems filled in.
pub fn verdict_reason(lang: Lang, verdict: &Verdict) -> String {
    let id = format!("reason-{}", verdict.reason_code());
    match verdict {
        Verdict::Accepted | Verdict::Withdrawn => t(lang, &id, &[]),
        Verdict::QuotaExceeded { holders } => t(
            lang,
            &id,
            &[
                ("quota", Arg::from(holders.len())),
                (
                    "holders",
                    s(list(lang, holders.iter().map(ToString::to_string))),
                ),
            ],
        ),
        Verdict::Conflict {
            credit_code,
            recommenders,
        } => t(
            lang,
            &id,
            &[
                ("code", s(credit_code.as_str())),
                (
                    "recommenders",
                    s(list(lang, recommenders.iter().map(ToString::to_string))),
                ),
            ],
        ),
        Verdict::Late {
            received_at,
            deadline,
        } => t(
            lang,
            &id,
            &[
                ("received", s(time(lang, *received_at))),
                ("deadline", s(time(lang, *deadline))),
            ],
        ),
        Verdict::Invalid { errors } => {
            let separator = match lang {
                Lang::Zh => "；",
                Lang::En => "; ",
            };
            let problems: Vec<String> = errors.iter().map(|e| field_error(lang, e)).collect();
            t(lang, &id, &[("problems", s(problems.join(separator)))])
        }
        Verdict::Unauthorised { reason } => {
            // The reason is stored in the signed decisions document as the roster's English
            // words; it is read back and worded here, and shown as stored if it cannot be.
            let detail = auth_error_from_display(reason)
                .map_or_else(|| reason.clone(), |error| error.worded(lang));
            t(lang, &id, &[("detail", s(detail))])
        }
    }
}

/// The label of a box: its Chinese label from the form's box table, or its English one from
/// the catalogue; the path itself for a box the table does not list (`batch`, attachments).
pub fn field_label(lang: Lang, path: &str) -> String {
    // `attachments[2].kind` is labelled as the attachments list.
    let base = path.split('[').next().unwrap_or(path);
    let id = format!("field-{}", base.replace('.', "-"));
    match (lang, field_spec(base)) {
        (Lang::Zh, Some(spec)) => spec.label_zh.to_string(),
        _ if has(lang, &id) || has(Lang::Zh, &id) => t(lang, &id, &[]),
        _ => path.to_string(),
    }
}

/// One validation problem's text in `lang`, without its box. A problem written before
/// problems had codes keeps its stored English text.
pub fn problem(lang: Lang, error: &FieldError) -> String {
    if error.code.is_empty() {
        return error.problem.clone();
    }
    let args: Vec<(&str, Arg)> = error
        .args
        .iter()
        .map(|(name, value)| (name.as_str(), s(value.as_str())))
        .collect();
    t(lang, &format!("problem-{}", error.code), &args)
}

/// One validation problem with its box: `申请中央财政补助经费（元）（plan.requested_subsidy_yuan）：…`.
/// The stable path stays beside the label so that scripts and people can both find the box.
pub fn field_error(lang: Lang, error: &FieldError) -> String {
    t(
        lang,
        "field-problem",
        &[
            ("label", s(field_label(lang, &error.field))),
            ("path", s(error.field.as_str())),
            ("problem", s(problem(lang, error))),
        ],
    )
}

/// The ministry's review of a record for a table: the number of expert opinions and their mean
/// score, then the outcome. Empty when there is nothing yet.
pub fn review_state(lang: Lang, scores: &[u8], outcome: Option<&Outcome>) -> String {
    let mut parts = Vec::new();
    if !scores.is_empty() {
        let mean = scores.iter().map(|s| f64::from(*s)).sum::<f64>() / scores.len() as f64;
        parts.push(t(
            lang,
            "review-scores",
            &[
                ("count", Arg::from(scores.len())),
                ("mean", s(format!("{mean:.1}"))),
            ],
        ));
    }
    match outcome {
        Some(Outcome::Recognised { subsidy_yuan, .. }) => parts.push(t(
            lang,
            "review-recognised",
            &[("yuan", s(subsidy_yuan.to_string()))],
        )),
        Some(Outcome::Declined { reason, .. }) => parts.push(t(
            lang,
            "review-declined",
            &[("reason", s(reason.as_str()))],
        )),
        None => {}
    }
    let separator = match lang {
        Lang::Zh => "；",
        Lang::En => "; ",
    };
    parts.join(separator)
}

/// Why a roster was refused, in `lang`: the roster's own errors (`RosterError`) reach ministry
/// operators as the reason a roster change or import failed.
pub fn roster_error(lang: Lang, error: &RosterError) -> String {
    error.worded(lang)
}

#[cfg(test)]
#[path = "i18n_tests.rs"]
mod tests;
