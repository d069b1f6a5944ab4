//! `--annotate DIR`: for each submission with diagnostics, an xlsx copy to
//! send back — every sheet and value of the original (formulas with their
//! cached results, merged cells, hidden sheets, dates), each flagged cell
//! filled red (error) or yellow (warning) with a note giving the message,
//! rows whose problem has no single cell marked in column A, and a first
//! sheet 审核结果 listing every diagnostic with a link to its cell. The
//! original file is only read.

use anyhow::Result;
use calamine::{Data, Reader};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Note, Workbook,
    Worksheet,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::diag::{Diagnostic, Severity};
use crate::lang::Lang;
use crate::read::{self, cell::text_of, Limits, Sheet};

const RESULT_SHEET: &str = "审核结果";

fn xerr(e: rust_xlsxwriter::XlsxError) -> anyhow::Error {
    anyhow::anyhow!("cannot write the annotated copy: {e}")
}

/// A sheet name Excel accepts: no `[]:*?/\`, at most 31 characters, unique.
fn safe_sheet_name(name: &str, taken: &[String]) -> String {
    let mut n: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    n = n.trim_matches('\'').chars().take(31).collect();
    if n.is_empty() {
        n = "Sheet".into();
    }
    let mut out = n.clone();
    let mut k = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&out)) {
        let suffix = format!("({k})");
        out = format!(
            "{}{suffix}",
            n.chars()
                .take(31 - suffix.chars().count())
                .collect::<String>()
        );
        k += 1;
    }
    out
}

use super::styles::{text_width as width, wrapped_height};

/// Formulas by (row, col) for the sheets of a workbook, where the reader has them.
fn formulas(path: &Path) -> HashMap<String, HashMap<(u32, u32), String>> {
    let mut out = HashMap::new();
    let Ok(mut wb) = calamine::open_workbook_auto(path) else {
        return out;
    };
    for name in wb.sheet_names() {
        if let Ok(r) = wb.worksheet_formula(&name) {
            let mut m = HashMap::new();
            if let Some((r0, c0)) = r.start() {
                for (i, row) in r.rows().enumerate() {
                    for (j, f) in row.iter().enumerate() {
                        if !f.is_empty() {
                            m.insert((r0 + i as u32, c0 + j as u32), f.clone());
                        }
                    }
                }
            }
            out.insert(name, m);
        }
    }
    out
}

struct Marks {
    /// (row, col) → diagnostics standing there.
    cells: BTreeMap<(u32, u32), Vec<usize>>,
}

fn sev_label(s: Severity, lang: Lang) -> &'static str {
    s.label(lang)
}

/// Write the annotated copy of `src` to `out`.
pub fn annotate(src: &Path, diags: &[Diagnostic], out: &Path, lang: Lang) -> Result<()> {
    let wb_in = crate::panic_guard::quietly(|| {
        std::panic::catch_unwind(|| {
            read::open(
                src,
                &Limits {
                    merges: true,
                    ..Limits::default()
                },
            )
        })
    })
    .ok()
    .and_then(Result::ok);
    let mut wb = Workbook::new();
    let when = ExcelDateTime::from_ymd(2026, 1, 1).map_err(xerr)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&when)
            .set_author("pbstat"),
    );
    let err_fill = Format::new()
        .set_background_color("#FFC7CE")
        .set_font_color("#9C0006");
    let warn_fill = Format::new()
        .set_background_color("#FFEB9C")
        .set_font_color("#9C5700");
    let head = Format::new()
        .set_bold()
        .set_background_color("#D9E1F2")
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let title = Format::new().set_bold().set_font_size(14);
    let link = Format::new()
        .set_font_color("#0563C1")
        .set_underline(rust_xlsxwriter::FormatUnderline::Single);
    let wrap = Format::new().set_text_wrap();

    let sheets: Vec<&Sheet> = wb_in
        .as_ref()
        .map(|w| w.sheets.iter().collect())
        .unwrap_or_default();
    let mut names: Vec<String> = vec![RESULT_SHEET.to_string()];
    let mut renamed: HashMap<String, String> = HashMap::new();
    for s in &sheets {
        let n = safe_sheet_name(&s.name, &names);
        renamed.insert(s.name.clone(), n.clone());
        names.push(n);
    }
    // Where each diagnostic stands, per sheet (CSV lines count as rows of the one sheet).
    let mut marks: HashMap<String, Marks> = HashMap::new();
    for (i, d) in diags.iter().enumerate() {
        let sheet = d
            .sheet
            .clone()
            .or_else(|| (sheets.len() == 1 && d.row.is_some()).then(|| sheets[0].name.clone()));
        let Some(sheet) = sheet else { continue };
        let pos = match (&d.cell, d.row) {
            (Some(_), Some(r)) => {
                let col = d.column.as_deref().map(col_index).unwrap_or(0);
                (r - 1, col)
            }
            (None, Some(r)) => (r - 1, 0),
            _ => (0, 0),
        };
        marks
            .entry(sheet)
            .or_insert_with(|| Marks {
                cells: BTreeMap::new(),
            })
            .cells
            .entry(pos)
            .or_default()
            .push(i);
    }

    // 审核结果 first.
    {
        let ws = wb.add_worksheet();
        ws.set_name(RESULT_SHEET).map_err(xerr)?;
        let name = src
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let c = crate::diag::Counts::of(diags);
        ws.write_string_with_format(
            0,
            0,
            lang.t(format!("审核结果：{name}"), format!("Findings: {name}")),
            &title,
        )
        .map_err(xerr)?;
        ws.write_string(1, 0, lang.t(
            format!("错误 {} 处（红色），警告 {} 处（黄色），提示 {} 条。请按下表逐条修改后重新报送；点击“位置”可跳到对应单元格。", c.errors, c.warnings, c.notes),
            format!("{} errors (red), {} warnings (yellow), {} notes. Fix each row below and submit again; click a location to jump to its cell.", c.errors, c.warnings, c.notes),
        )).map_err(xerr)?;
        let heads = [
            lang.t("序号", "#"),
            lang.t("严重程度", "severity"),
            lang.t("代码", "code"),
            lang.t("工作表", "sheet"),
            lang.t("位置", "location"),
            lang.t("说明", "message"),
        ];
        for (j, h) in heads.iter().enumerate() {
            ws.write_string_with_format(3, j as u16, h, &head)
                .map_err(xerr)?;
        }
        for (i, d) in diags.iter().enumerate() {
            let r = 4 + i as u32;
            let fill = match d.severity {
                Severity::Error => Some(&err_fill),
                Severity::Warning => Some(&warn_fill),
                Severity::Note => None,
            };
            ws.write_number(r, 0, (i + 1) as f64).map_err(xerr)?;
            match fill {
                Some(f) => ws
                    .write_string_with_format(r, 1, sev_label(d.severity, lang), f)
                    .map_err(xerr)?,
                None => ws
                    .write_string(r, 1, sev_label(d.severity, lang))
                    .map_err(xerr)?,
            };
            ws.write_string(r, 2, d.code.as_str()).map_err(xerr)?;
            let sheet = d.sheet.as_deref().and_then(|s| renamed.get(s)).cloned();
            ws.write_string(r, 3, sheet.as_deref().unwrap_or(""))
                .map_err(xerr)?;
            let loc = match (&d.cell, d.row) {
                (Some(c), _) => c.clone(),
                (None, Some(r)) => lang.t(format!("第{r}行"), format!("row {r}")),
                _ => String::new(),
            };
            let target = match (&sheet, &d.cell, d.row) {
                (Some(s), Some(c), _) => Some(format!("internal:'{s}'!{c}")),
                (Some(s), None, Some(r)) => Some(format!("internal:'{s}'!A{r}")),
                _ => None,
            };
            match target {
                Some(t) if !loc.is_empty() => {
                    ws.write_url_with_format(
                        r,
                        4,
                        rust_xlsxwriter::Url::new(t).set_text(&loc),
                        &link,
                    )
                    .map_err(xerr)?;
                }
                _ => {
                    ws.write_string(r, 4, &loc).map_err(xerr)?;
                }
            }
            let mut msg = d.message.clone();
            if let Some(e) = &d.explanation {
                msg.push_str(&lang.t(format!("（已说明：{e}）"), format!(" (explained: {e})")));
            }
            ws.write_string_with_format(r, 5, &msg, &wrap)
                .map_err(xerr)?;
            // A wrapped message in a one-line row shows only its last line.
            ws.set_row_height(r, wrapped_height(&msg, 90.0))
                .map_err(xerr)?;
        }
        for (j, w) in [6.0, 10.0, 30.0, 16.0, 10.0, 90.0].iter().enumerate() {
            ws.set_column_width(j as u16, *w).map_err(xerr)?;
        }
        ws.set_freeze_panes(4, 0).map_err(xerr)?;
        ws.set_landscape();
        ws.set_paper_size(9);
        ws.set_print_fit_to_pages(1, 0);
        ws.set_active(true);
    }

    let forms = formulas(src);
    let looks = cell_styles(src);
    for s in &sheets {
        let ws = wb.add_worksheet();
        let name = &renamed[&s.name];
        ws.set_name(name).map_err(xerr)?;
        let fx = forms.get(&s.name);
        let m = marks.get(&s.name);
        let mut widths: BTreeMap<u32, f64> = BTreeMap::new();
        let mut written: std::collections::HashSet<(u32, u32)> = std::collections::HashSet::new();
        for d in &s.merges {
            if d.start != d.end {
                ws.merge_range(
                    d.start.0,
                    d.start.1 as u16,
                    d.end.0,
                    d.end.1 as u16,
                    "",
                    &Format::new(),
                )
                .map_err(xerr)?;
            }
        }
        let look = looks.get(&s.name);
        // Styled but empty cells (a form's ruled grid) are drawn too, near the data.
        let (mut r0, mut r1, mut c1) = (s.start_row(), s.end_row(), s.end_col());
        if let (Some(st), Some(en)) = (look.and_then(|l| l.start()), look.and_then(|l| l.end())) {
            r0 = r0.min(st.0);
            r1 = r1.max((en.0 + 1).min(r1 + 20));
            c1 = c1.max((en.1 + 1).min(c1 + 5));
        }
        for r in r0..r1 {
            for c in 0..c1 {
                let v = s.get(r, c);
                let flagged = m.and_then(|m| m.cells.get(&(r, c)));
                let fill = flagged.map(|ids| {
                    if ids.iter().any(|&i| diags[i].severity == Severity::Error) {
                        &err_fill
                    } else {
                        &warn_fill
                    }
                });
                let fill = fill.filter(|_| {
                    flagged
                        .is_some_and(|ids| ids.iter().any(|&i| diags[i].severity != Severity::Note))
                });
                let is_date = matches!(v, Data::DateTime(_))
                    || matches!(v, Data::DateTimeIso(t) if iso_serial(t).is_some());
                let style = look
                    .and_then(|l| l.get((r, c)))
                    .filter(|st| **st != calamine::Style::default());
                let fill_color = fill.map(|f| {
                    if std::ptr::eq(f, &err_fill) {
                        "#FFC7CE"
                    } else {
                        "#FFEB9C"
                    }
                });
                let fmt = match (style, fill, is_date) {
                    (Some(st), _, _) => {
                        let mut f = super::styles::format_of(Some(st), fill_color);
                        if is_date
                            && st
                                .number_format
                                .as_ref()
                                .is_none_or(|n| n.format_code.eq_ignore_ascii_case("General"))
                        {
                            f = f.set_num_format(date_format(v));
                        }
                        Some(f)
                    }
                    (None, Some(f), true) => Some(f.clone().set_num_format(date_format(v))),
                    (None, Some(f), false) => Some(f.clone()),
                    (None, None, true) => Some(Format::new().set_num_format(date_format(v))),
                    (None, None, false) => None,
                };
                if let Some(t) = text_of(v) {
                    let w = widths.entry(c).or_insert(6.0);
                    *w = w.max(width(&t).min(48.0));
                }
                write_value(
                    ws,
                    r,
                    c as u16,
                    v,
                    fx.and_then(|f| f.get(&(r, c))),
                    fmt.as_ref(),
                )?;
                written.insert((r, c));
            }
        }
        // Flagged cells outside the used range (a blank required cell at its end).
        if let Some(m) = m {
            for ((r, c), ids) in &m.cells {
                let text: Vec<String> = ids
                    .iter()
                    .map(|&i| format!("[{}] {}", diags[i].code, diags[i].message))
                    .collect();
                if !written.contains(&(*r, *c)) {
                    let f = if ids.iter().any(|&i| diags[i].severity == Severity::Error) {
                        &err_fill
                    } else {
                        &warn_fill
                    };
                    ws.write_blank(*r, *c as u16, f).map_err(xerr)?;
                }
                let note = Note::new(text.join("\n"))
                    .set_author("pbstat")
                    .set_width(360)
                    .set_height(120);
                ws.insert_note(*r, *c as u16, &note).map_err(xerr)?;
            }
        }
        for (c, w) in widths {
            ws.set_column_width(c as u16, w + 2.0).map_err(xerr)?;
        }
        if s.hidden {
            ws.set_hidden(true);
        }
    }
    let bytes = wb.save_to_buffer().map_err(xerr)?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::write::atomic_write(out, &bytes)
}

/// The cell styles of an xlsx source, per sheet (other formats: none).
fn cell_styles(path: &Path) -> HashMap<String, calamine::StyleRange> {
    let mut out = HashMap::new();
    let Ok(mut wb) = calamine::open_workbook::<calamine::Xlsx<_>, _>(path) else {
        return out;
    };
    for name in wb.sheet_names() {
        if let Ok(st) = wb.worksheet_style(&name) {
            out.insert(name, st);
        }
    }
    out
}

fn col_index(letters: &str) -> u32 {
    letters
        .bytes()
        .fold(0u32, |n, b| n * 26 + (b - b'A' + 1) as u32)
        - 1
}

fn write_value(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    v: &Data,
    formula: Option<&String>,
    fmt: Option<&Format>,
) -> Result<()> {
    let plain = Format::new();
    let f = fmt.unwrap_or(&plain);
    if let Some(fx) = formula {
        let result = match v {
            Data::Error(e) => e.to_string(),
            other => text_of(other).unwrap_or_default(),
        };
        let fx = if fx.starts_with('=') {
            fx.clone()
        } else {
            format!("={fx}")
        };
        ws.write_formula_with_format(r, c, Formula::new(fx).set_result(result), f)
            .map_err(xerr)?;
        return Ok(());
    }
    match v {
        Data::Empty => {
            if fmt.is_some() {
                ws.write_blank(r, c, f).map_err(xerr)?;
            }
        }
        Data::String(s) => {
            ws.write_string_with_format(r, c, s, f).map_err(xerr)?;
        }
        Data::Float(x) => {
            ws.write_number_with_format(r, c, *x, f).map_err(xerr)?;
        }
        Data::Int(i) => {
            ws.write_number_with_format(r, c, *i as f64, f)
                .map_err(xerr)?;
        }
        Data::Bool(b) => {
            ws.write_boolean_with_format(r, c, *b, f).map_err(xerr)?;
        }
        Data::DateTime(dt) => {
            ws.write_number_with_format(r, c, dt.as_f64(), f)
                .map_err(xerr)?;
        }
        // An .ods keeps dates and durations as ISO text: written back as
        // the numbers they are, so the copy's cells keep their type.
        Data::DateTimeIso(s) => match iso_serial(s) {
            Some(x) => {
                ws.write_number_with_format(r, c, x, f).map_err(xerr)?;
            }
            None => {
                ws.write_string_with_format(r, c, s, f).map_err(xerr)?;
            }
        },
        Data::DurationIso(s) => match iso_duration_days(s) {
            Some(x) => {
                let f = f.clone().set_num_format("[h]:mm:ss");
                ws.write_number_with_format(r, c, x, &f).map_err(xerr)?;
            }
            None => {
                ws.write_string_with_format(r, c, s, f).map_err(xerr)?;
            }
        },
        Data::Error(e) => {
            ws.write_formula_with_format(r, c, Formula::new("=NA()").set_result(e.to_string()), f)
                .map_err(xerr)?;
        }
    }
    Ok(())
}

/// The number format a date cell without a style of its own is shown in:
/// a duration as hours, a date with a time of day with it.
fn date_format(v: &Data) -> &'static str {
    let x = match v {
        Data::DateTime(d) if d.is_duration() => return "[h]:mm:ss",
        Data::DateTime(d) => d.as_f64(),
        Data::DateTimeIso(s) => iso_serial(s).unwrap_or(0.0),
        _ => 0.0,
    };
    if x.fract() == 0.0 {
        "yyyy-mm-dd"
    } else {
        "yyyy-mm-dd hh:mm:ss"
    }
}

/// An ISO date or date-time (`2026-10-07`, `2026-10-07T09:30:00`) as an
/// Excel serial (days since 1899-12-30).
fn iso_serial(s: &str) -> Option<f64> {
    use chrono::{NaiveDate, NaiveDateTime};
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .or_else(|_| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| d.and_time(Default::default()))
        })
        .ok()?;
    let secs = (t - epoch).num_milliseconds() as f64 / 1000.0;
    Some(secs / 86_400.0)
}

/// An ISO duration as .ods writes it (`PT09H30M00S`, `P1DT2H`) in days.
fn iso_duration_days(s: &str) -> Option<f64> {
    let rest = s.strip_prefix('-').unwrap_or(s);
    let sign = if rest.len() < s.len() { -1.0 } else { 1.0 };
    let rest = rest.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((d, t)) => (d, t),
        None => (rest, ""),
    };
    let mut total = 0.0;
    let mut take = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut num = String::new();
        for ch in part.chars() {
            if ch.is_ascii_digit() || ch == '.' || ch == ',' {
                num.push(if ch == ',' { '.' } else { ch });
            } else {
                let per = units.iter().find(|(u, _)| *u == ch)?.1;
                total += num.parse::<f64>().ok()? * per;
                num.clear();
            }
        }
        num.is_empty().then_some(())
    };
    take(days, &[('Y', 365.0), ('W', 7.0), ('D', 1.0)])?;
    take(
        time,
        &[
            ('H', 1.0 / 24.0),
            ('M', 1.0 / 1440.0),
            ('S', 1.0 / 86_400.0),
        ],
    )?;
    Some(sign * total)
}

/// Annotate every input that has diagnostics; returns how many copies were written.
pub fn write_all(
    dir: &Path,
    items: &[(&crate::validate::Input, Vec<Diagnostic>)],
    lang: Lang,
) -> Result<usize> {
    let mut n = 0;
    for (input, diags) in items {
        if diags.is_empty() {
            continue;
        }
        let out = dir.join(&input.rel).with_extension("xlsx");
        annotate(&input.path, diags, &out, lang)?;
        n += 1;
    }
    Ok(n)
}
