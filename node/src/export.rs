//! Files for people: the nationwide table as CSV, JSON or Excel, and one application as a
//! printable HTML page laid out like the notice's 申报表 (for the three paper copies), in the
//! reader's language (Simplified Chinese unless English is asked for).
//!
//! These are pure renderings of data the CLI fetched from the daemon; writing the file is the
//! caller's job (except for xlsx, whose writer saves to a path). Every word comes from the
//! catalogue ([`fedrec_common::i18n`]); the rows carry stable codes, and
//! [`DecisionRow::localise`] puts the words beside them.

use std::fmt::Write as _;
use std::path::Path;

use fedrec_common::form::{Application, AttachmentKind, FieldKind, FieldValue, Nature, all_fields};
use fedrec_common::i18n::{self, Lang, t};

use crate::ministry::DecisionRow;

impl DecisionRow {
    /// Fills the row's texts (status, verdict, reason, review) in `lang` from its codes and
    /// facts. The daemon's API and the CLI both call it, so a CLI shows its own language
    /// whatever the daemon's.
    pub fn localise(&mut self, lang: Lang) {
        self.status_text = i18n::status(lang, &self.status);
        self.verdict_text = i18n::verdict_label(lang, &self.verdict);
        self.reason_text = match (&self.detail, self.reason_code.as_str()) {
            (Some(verdict), _) => i18n::verdict_reason(lang, verdict),
            (None, "none") => t(lang, "reason-none", &[("drafts", self.drafts.into())]),
            (None, code) => t(lang, &format!("reason-{code}"), &[]),
        };
        self.review_text = i18n::review_state(lang, &self.scores, self.outcome.as_ref());
    }
}

/// The catalogue ids of the nationwide table's column headings, in column order.
const HEADINGS: [&str; 9] = [
    "export-heading-recommender-code",
    "export-heading-recommender",
    "export-heading-record",
    "export-heading-institution",
    "export-heading-credit-code",
    "export-heading-status",
    "export-heading-verdict",
    "export-heading-reason",
    "export-heading-review",
];

fn headings(lang: Lang) -> [String; 9] {
    HEADINGS.map(|id| t(lang, id, &[]))
}

/// A row's cells in `lang`: the row is localised here, so a table never mixes languages.
fn cells(row: &DecisionRow, lang: Lang) -> [String; 9] {
    let mut row = row.clone();
    row.localise(lang);
    [
        row.recommender.to_string(),
        row.recommender_name,
        row.record.unwrap_or_default(),
        row.institution,
        row.credit_code,
        row.status_text,
        row.verdict_text,
        row.reason_text,
        row.review_text,
    ]
}

/// CSV with a UTF-8 byte-order mark, so that Excel opens the Chinese text intact.
pub fn csv(rows: &[DecisionRow], lang: Lang) -> Vec<u8> {
    let quote = |field: &str| format!("\"{}\"", field.replace('"', "\"\""));
    let line = |fields: &[String]| {
        let quoted: Vec<String> = fields.iter().map(|f| quote(f)).collect();
        quoted.join(",") + "\r\n"
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&line(&headings(lang)));
    for row in rows {
        out.push_str(&line(&cells(row, lang)));
    }
    out.into_bytes()
}

/// An Excel workbook with one sheet, saved at `path`.
pub fn xlsx(rows: &[DecisionRow], lang: Lang, path: &Path) -> anyhow::Result<()> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(t(lang, "export-sheet", &[]))?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (column, heading) in headings(lang).iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, heading, &bold)?;
    }
    for (index, row) in rows.iter().enumerate() {
        for (column, cell) in cells(row, lang).iter().enumerate() {
            sheet.write_string(index as u32 + 1, column as u16, cell)?;
        }
    }
    for (column, width) in [12, 24, 18, 30, 22, 10, 12, 60, 30].into_iter().enumerate() {
        sheet.set_column_width(column as u16, width)?;
    }
    workbook.save(path)?;
    Ok(())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The value of one box as the printed page shows it in `lang`.
fn printed_value(application: &Application, path: &str, lang: Lang) -> String {
    match application.get(path) {
        Some(FieldValue::Text(text)) if path == "applicant.nature" => {
            Nature::parse(&text).map_or(text, |n| t(lang, &format!("nature-{}", n.key()), &[]))
        }
        Some(FieldValue::Text(text)) => text,
        Some(FieldValue::YesNo(answer)) => match answer {
            Some(true) => t(lang, "print-yes", &[]),
            Some(false) => t(lang, "print-no", &[]),
            None => String::new(),
        },
        Some(FieldValue::Yuan(yuan)) => t(lang, "print-yuan", &[("yuan", yuan.to_string().into())]),
        Some(FieldValue::Areas(areas)) => i18n::list(lang, areas),
        None => String::new(),
    }
}

/// One application as a printable page, box by box as on the notice's form.
pub fn print_html(application: &Application, recommender_name: &str, lang: Lang) -> String {
    let word = |id: &str| t(lang, id, &[]);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{} — {}</title>\n\
         <style>body{{font-family:'SimSun','Songti SC',serif;margin:2cm}}h1{{text-align:center;font-size:22pt}}\
         table{{border-collapse:collapse;width:100%}}th,td{{border:1px solid #000;padding:6px;vertical-align:top}}\
         th{{width:22%;text-align:center;font-weight:normal}}td{{white-space:pre-wrap}}.meta{{margin:1em 0}}\
         .sign{{text-align:right;margin:1.5em 0}}@media print{{h2{{page-break-before:always}}}}</style></head><body>\n",
        lang.tag(),
        escape(&word("print-title")),
        escape(&application.applicant.name)
    );
    let _ = writeln!(
        out,
        "<h1>{}<br>{}</h1>",
        escape(&word("print-heading-line1")),
        escape(&word("print-heading-line2"))
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">{}<br>{}<br>{}</p>",
        escape(&t(
            lang,
            "print-applicant",
            &[("value", application.applicant.name.as_str().into())]
        )),
        escape(&t(
            lang,
            "print-recommender",
            &[("value", recommender_name.into())]
        )),
        escape(&t(
            lang,
            "print-filled-on",
            &[(
                "value",
                application.filled_on.as_deref().unwrap_or_default().into()
            )]
        ))
    );
    let _ = writeln!(out, "<table>");
    for spec in all_fields() {
        if spec.path == "filled_on" {
            continue;
        }
        if spec.path == "recommender.runs_regional_base" {
            let _ = writeln!(
                out,
                "</table>\n<p class=\"sign\">{}</p>\n<h2>{}</h2>\n<table>",
                escape(&word("print-applicant-signature")),
                escape(&word("print-recommender-part"))
            );
        }
        let value = printed_value(application, spec.path, lang);
        // Free-text boxes keep their line breaks (white-space: pre-wrap) and get room to print.
        let style = match spec.kind {
            FieldKind::Prose(_) => " style=\"min-height:6em\"",
            _ => "",
        };
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td{style}>{}</td></tr>",
            escape(&i18n::field_label(lang, spec.path)),
            escape(&value)
        );
    }
    let _ = writeln!(
        out,
        "</table>\n<p class=\"sign\">{}</p>",
        escape(&word("print-recommender-signature"))
    );
    if !application.attachments.is_empty() {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<table>",
            escape(&word("print-attachments"))
        );
        for attachment in &application.attachments {
            let kind = AttachmentKind::parse(&attachment.kind).map_or_else(
                || attachment.kind.clone(),
                |kind| t(lang, &format!("attachment-{}", kind.key()), &[]),
            );
            let _ = writeln!(
                out,
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(&kind),
                escape(&attachment.file)
            );
        }
        let _ = writeln!(out, "</table>");
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
