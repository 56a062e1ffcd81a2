//! Files for people: the nationwide table as CSV, JSON or Excel, and one application as a
//! printable HTML page laid out like the notice's 申报表 (for the three paper copies).
//!
//! These are pure renderings of data the CLI fetched from the daemon; writing the file is the
//! caller's job (except for xlsx, whose writer saves to a path).

use std::fmt::Write as _;
use std::path::Path;

use fedrec_common::form::{Application, FieldKind, FieldValue, Nature, all_fields};

use crate::ministry::DecisionRow;

/// Column headings of the nationwide table, in Chinese as the ministry's staff read them.
const HEADINGS: [&str; 9] = [
    "推荐单位代码",
    "推荐单位",
    "记录",
    "申报单位",
    "统一社会信用代码",
    "状态",
    "结论",
    "理由",
    "评审",
];

fn cells(row: &DecisionRow) -> [String; 9] {
    [
        row.recommender.to_string(),
        row.recommender_name.clone(),
        row.record.clone().unwrap_or_default(),
        row.institution.clone(),
        row.credit_code.clone(),
        row.status.clone(),
        row.verdict.clone(),
        row.reason.clone(),
        row.review.clone(),
    ]
}

/// CSV with a UTF-8 byte-order mark, so that Excel opens the Chinese text intact.
pub fn csv(rows: &[DecisionRow]) -> Vec<u8> {
    let quote = |field: &str| format!("\"{}\"", field.replace('"', "\"\""));
    let mut out = String::from("\u{feff}");
    out.push_str(
        &HEADINGS
            .iter()
            .map(|h| quote(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    for row in rows {
        out.push_str(
            &cells(row)
                .iter()
                .map(|c| quote(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// An Excel workbook with one sheet, saved at `path`.
pub fn xlsx(rows: &[DecisionRow], path: &Path) -> anyhow::Result<()> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("推荐汇总")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (column, heading) in HEADINGS.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *heading, &bold)?;
    }
    for (index, row) in rows.iter().enumerate() {
        for (column, cell) in cells(row).iter().enumerate() {
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

/// One application as a printable page, box by box as on the notice's form.
pub fn print_html(application: &Application, recommender_name: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>国家级专业技术人员继续教育基地申报表 — {}</title>\n\
         <style>body{{font-family:'SimSun','Songti SC',serif;margin:2cm}}h1{{text-align:center;font-size:22pt}}\
         table{{border-collapse:collapse;width:100%}}th,td{{border:1px solid #000;padding:6px;vertical-align:top}}\
         th{{width:22%;text-align:center;font-weight:normal}}td{{white-space:pre-wrap}}.meta{{margin:1em 0}}\
         .sign{{text-align:right;margin:1.5em 0}}@media print{{h2{{page-break-before:always}}}}</style></head><body>\n",
        escape(&application.applicant.name)
    );
    let _ = writeln!(out, "<h1>国家级专业技术人员继续教育基地<br>申 报 表</h1>");
    let _ = writeln!(
        out,
        "<p class=\"meta\">申报单位：{}<br>推荐单位：{}<br>填表日期：{}</p>",
        escape(&application.applicant.name),
        escape(recommender_name),
        escape(application.filled_on.as_deref().unwrap_or(""))
    );
    let _ = writeln!(out, "<table>");
    for spec in all_fields() {
        if spec.path == "filled_on" {
            continue;
        }
        if spec.path == "recommender.runs_regional_base" {
            let _ = writeln!(
                out,
                "</table>\n<p class=\"sign\">申报单位负责人签字：________　　年　月　日　（公章）</p>\n<h2>以下由推荐单位填写</h2>\n<table>"
            );
        }
        let value = match application.get(spec.path) {
            Some(FieldValue::Text(text)) if spec.path == "applicant.nature" => {
                Nature::parse(&text).map_or(text, |n| n.label_zh().to_string())
            }
            Some(FieldValue::Text(text)) => text,
            Some(FieldValue::YesNo(answer)) => match answer {
                Some(true) => "是".into(),
                Some(false) => "否".into(),
                None => String::new(),
            },
            Some(FieldValue::Yuan(yuan)) => format!("{yuan} 元"),
            Some(FieldValue::Areas(areas)) => areas.join("、"),
            None => String::new(),
        };
        // Free-text boxes keep their line breaks (white-space: pre-wrap) and get room to print.
        let style = match spec.kind {
            FieldKind::Prose(_) => " style=\"min-height:6em\"",
            _ => "",
        };
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td{style}>{}</td></tr>",
            spec.label_zh,
            escape(&value)
        );
    }
    let _ = writeln!(
        out,
        "</table>\n<p class=\"sign\">推荐单位负责人签字：________　　年　月　日　（公章）</p>"
    );
    if !application.attachments.is_empty() {
        let _ = writeln!(out, "<h2>附件</h2>\n<table>");
        for attachment in &application.attachments {
            let _ = writeln!(
                out,
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(&attachment.kind),
                escape(&attachment.file)
            );
        }
        let _ = writeln!(out, "</table>");
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> DecisionRow {
        DecisionRow {
            recommender: "shanghai".parse().unwrap(),
            recommender_name: "上海市人力资源和社会保障局".into(),
            record: Some("0011223344556677".into()),
            institution: name.into(),
            credit_code: "123100004250015860".into(),
            status: "submitted".into(),
            verdict: "accepted".into(),
            reason: "ok, \"quoted\"".into(),
            review: String::new(),
        }
    }

    #[test]
    fn csv_keeps_chinese_and_quotes() {
        let bytes = csv(&[row("上海集成电路学院")]);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("\"上海集成电路学院\""));
        assert!(text.contains("\"ok, \"\"quoted\"\"\""));
    }

    #[test]
    fn the_printed_page_escapes_and_labels_every_box() {
        let text = include_str!("../../config/examples/application.toml");
        let mut application = Application::from_toml_str(text).unwrap();
        application.plan.strengths.push_str("<script>");
        let html = print_html(&application, "上海市人力资源和社会保障局");
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
        for spec in all_fields().filter(|s| s.path != "filled_on") {
            assert!(html.contains(spec.label_zh), "{} missing", spec.label_zh);
        }
        assert!(html.contains("教育培训机构"));
    }
}
