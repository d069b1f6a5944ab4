//! Diagnostics as text (grouped by file, with a summary), JSON and CSV.

use crate::diag::{Code, Counts, Diagnostic, Severity};
use crate::facts::Extract;
use crate::lang::Lang;
use crate::summary::{DiagnosticCounts, ValidateDoc};
use crate::validate::Registry;
use std::collections::BTreeMap;

/// Where a diagnostic stands, as the text line shows it.
/// Where a diagnostic stands: its file, or for one about an organisation
/// and no file (a period roll-up's), the organisation.
fn place(d: &Diagnostic) -> &str {
    if d.file.is_empty() {
        d.org_code.as_deref().unwrap_or("")
    } else {
        &d.file
    }
}

fn location(d: &Diagnostic, lang: Lang) -> String {
    let mut s = place(d).to_string();
    match (&d.sheet, &d.cell, d.row) {
        (Some(sh), Some(c), _) => s.push_str(&format!(":{sh}!{c}")),
        (Some(sh), None, Some(r)) => s.push_str(&format!(
            ":{sh}!{}",
            lang.t(format!("第{r}行"), format!("row {r}"))
        )),
        (Some(sh), None, None) => s.push_str(&format!(":{sh}")),
        (None, _, Some(r)) => s.push_str(&format!(
            ":{}",
            lang.t(format!("第{r}行"), format!("line {r}"))
        )),
        (None, _, None) => {}
    }
    s
}

pub fn line(d: &Diagnostic, lang: Lang) -> String {
    let mut s = format!(
        "{}: {} [{}] {}",
        location(d, lang),
        d.severity.label(lang),
        d.code,
        d.message
    );
    if let Some(e) = &d.explanation {
        s.push_str(&lang.t(format!("（已说明：{e}）"), format!(" (explained: {e})")));
    }
    s
}

fn counts_text(c: &Counts, lang: Lang) -> String {
    lang.t(
        format!("错误 {}，警告 {}，提示 {}", c.errors, c.warnings, c.notes),
        format!(
            "{} errors, {} warnings, {} notes",
            c.errors, c.warnings, c.notes
        ),
    )
}

/// Text: a heading per file with its counts, one line per diagnostic, then
/// the summary line. With `quiet`, only error lines.
pub fn text(diags: &[Diagnostic], files: usize, lang: Lang, quiet: bool) -> String {
    let mut out = String::new();
    if quiet {
        for d in diags.iter().filter(|d| d.severity == Severity::Error) {
            out.push_str(&line(d, lang));
            out.push('\n');
        }
        return out;
    }
    let mut current: Option<&str> = None;
    for d in diags {
        if current != Some(place(d)) {
            if current.is_some() {
                out.push('\n');
            }
            let c = Counts::of(diags.iter().filter(|x| place(x) == place(d)));
            let counts = counts_text(&c, lang);
            out.push_str(&lang.t(
                format!("== {}（{counts}）\n", place(d)),
                format!("== {} ({counts})\n", place(d)),
            ));
            current = Some(place(d));
        }
        out.push_str(&line(d, lang));
        out.push('\n');
    }
    if !diags.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary_line(diags, files, lang));
    out
}

/// The closing line of every text listing: counts per severity and files with errors.
pub fn summary_line(diags: &[Diagnostic], files: usize, lang: Lang) -> String {
    let s = DiagnosticCounts::of(diags, files);
    lang.t(
        format!(
            "共检查 {} 个文件：{}；有错误的文件 {} 个\n",
            s.files,
            counts_text(&s.counts, lang),
            s.files_with_errors
        ),
        format!(
            "checked {} files: {}; {} files with errors\n",
            s.files,
            counts_text(&s.counts, lang),
            s.files_with_errors
        ),
    )
}

pub fn counts_line(c: &Counts, lang: Lang) -> String {
    counts_text(c, lang)
}

pub fn json(diags: &[Diagnostic], files: usize) -> String {
    // Serialised as declared, not through `to_json`: validate's keys have
    // always come in the order of `Diagnostic`'s fields.
    let doc = ValidateDoc {
        diagnostics: diags,
        summary: DiagnosticCounts::of(diags, files),
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("diagnostics serialise");
    s.push('\n');
    s
}

pub const CSV_COLUMNS: &[&str] = &[
    "severity",
    "code",
    "file",
    "sheet",
    "cell",
    "row",
    "column",
    "field",
    "org_code",
    "value",
    "message",
    "explanation",
];

/// The same columns as a person reads them in a Chinese spreadsheet.
pub const CSV_COLUMNS_ZH: &[&str] = &[
    "严重程度",
    "代码",
    "文件",
    "工作表",
    "单元格",
    "行",
    "列",
    "字段",
    "单位代码",
    "值",
    "说明",
    "上报说明",
];

/// The diagnostics as CSV for a spreadsheet (README: opened in Excel or
/// WPS): UTF-8 with a BOM, so that Excel on Chinese Windows reads it as
/// UTF-8; headers and severities in the run's language; long digit
/// strings (organisation codes) kept as text, so Excel neither shows
/// 4.29901E+11 nor drops digits past the fifteenth. The code column keeps
/// its stable English codes in both languages.
pub fn csv(diags: &[Diagnostic], lang: Lang) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let heads = match lang {
        Lang::Zh => CSV_COLUMNS_ZH,
        Lang::En => CSV_COLUMNS,
    };
    w.write_record(heads).expect("in-memory write");
    for d in diags {
        let row = d.row.map(|r| r.to_string()).unwrap_or_default();
        let opt = |o: &Option<String>| spreadsheet_cell(o.as_deref().unwrap_or(""));
        w.write_record([
            d.severity.label(lang).to_string(),
            d.code.as_str().to_string(),
            spreadsheet_cell(&d.file),
            opt(&d.sheet),
            opt(&d.cell),
            row,
            opt(&d.column),
            opt(&d.field),
            opt(&d.org_code),
            opt(&d.value),
            spreadsheet_cell(&d.message),
            opt(&d.explanation),
        ])
        .expect("in-memory write");
    }
    let mut out = String::from("\u{feff}");
    out.push_str(&String::from_utf8(w.into_inner().expect("in-memory flush")).expect("utf-8"));
    out
}

/// A cell of a CSV meant for a spreadsheet: formulas as text, and a digit
/// string longer than Excel shows in full as a text formula (`="…"`).
fn spreadsheet_cell(s: &str) -> String {
    if s.len() > 11 && s.bytes().all(|b| b.is_ascii_digit()) {
        format!("=\"{s}\"")
    } else {
        safe_cell(s)
    }
}

/// Text that a spreadsheet would run as a formula is written as text.
pub fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// One line for a run whose covers agree on a period other than the one
/// given: the likely mistake is `--period`, not every submission.
pub fn period_hint(
    diags: &[Diagnostic],
    files: usize,
    run: Option<&str>,
    lang: Lang,
) -> Option<String> {
    let run = run?;
    let said: Vec<&str> = diags
        .iter()
        .filter(|d| d.code == crate::diag::Code::CoverPeriodMismatch)
        .filter_map(|d| d.value.as_deref())
        .collect();
    let first = *said.first()?;
    if said.len() < 2 || said.len() * 2 < files || said.iter().any(|p| *p != first) {
        return None;
    }
    let all = if said.len() == files {
        lang.t(format!("全部 {files} 份"), format!("all {files}"))
    } else {
        lang.t(
            format!("{files} 份中有 {} 份", said.len()),
            format!("{} of {files}", said.len()),
        )
    };
    Some(lang.t(
        format!("{all}报表的封面报告期都是 {first}，而 --period 是 {run}：如果本次要处理的是 {first}，请改用 --period {first}"),
        format!("{all} covers say {first}, but --period is {run}: if {first} is meant, use --period {first}"),
    ))
}

/// check's text: grouped by organisation (in registry order: county,
/// street, community, its units; then by code), then the 催报 list and the
/// summary line.
pub fn grouped(
    all: &[Diagnostic],
    extracts: &[Extract],
    registry: Option<&Registry>,
    files: usize,
    lang: Lang,
    quiet: bool,
) -> String {
    if quiet {
        return text(all, files, lang, true);
    }
    let name_of = |code: &str| {
        registry
            .and_then(|r| r.get(code))
            .map(|e| e.name.clone())
            .or_else(|| {
                extracts
                    .iter()
                    .find(|e| e.org.as_deref() == Some(code))
                    .and_then(|e| e.org_name.clone())
            })
            .unwrap_or_default()
    };
    // Organisations in registry order (county, street, community, its units), then by code.
    let rank = |code: &str| {
        registry
            .and_then(|r| r.entries.iter().position(|e| e.code == code))
            .unwrap_or(usize::MAX)
    };
    let mut groups: BTreeMap<(u8, usize, String), Vec<&Diagnostic>> = BTreeMap::new();
    let reg_file = registry.map(|r| r.path.clone());
    for d in all.iter().filter(|d| d.code != Code::SubmissionMissing) {
        let key = if Some(&d.file) == reg_file.as_ref() {
            (0, 0, String::new())
        } else {
            match &d.org_code {
                Some(o) => (1, rank(o), o.clone()),
                None => (2, 0, String::new()),
            }
        };
        groups.entry(key).or_default().push(d);
    }
    let mut s = String::new();
    for ((kind, _, org), ds) in &groups {
        let c = Counts::of(ds.iter().copied());
        let counts = lang.t(
            format!("错误 {}，警告 {}，提示 {}", c.errors, c.warnings, c.notes),
            format!(
                "{} errors, {} warnings, {} notes",
                c.errors, c.warnings, c.notes
            ),
        );
        let title = match kind {
            0 => lang.t(
                format!("报送单位名录（{}）", reg_file.clone().unwrap_or_default()),
                format!("registry ({})", reg_file.clone().unwrap_or_default()),
            ),
            1 => format!("{}（{}）", name_of(org), org),
            _ => lang.t("未能识别填报单位的文件", "files whose submitter is unknown"),
        };
        s.push_str(&format!("== {title}：{counts}\n"));
        for d in ds {
            s.push_str("  ");
            s.push_str(&line(d, lang));
            s.push('\n');
        }
        s.push('\n');
    }
    let missing: Vec<&Diagnostic> = all
        .iter()
        .filter(|d| d.code == Code::SubmissionMissing)
        .collect();
    if registry.is_some() {
        s.push_str(&lang.t(
            format!("催报名单（未报送 {} 个）：\n", missing.len()),
            format!("Not yet submitted ({}):\n", missing.len()),
        ));
        for d in &missing {
            s.push_str(&format!("  {}\n", d.message));
        }
        if missing.is_empty() {
            s.push_str(&lang.t("  无，全部已报送\n", "  none\n"));
        }
        s.push('\n');
    }
    s.push_str(&summary_line(all, files, lang));
    s
}
