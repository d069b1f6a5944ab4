//! report.xlsx: one sheet per table laid out as an official form, the
//! 未纳入汇总 and 说明 sheets, and hidden `_meta`/`_data_*` sheets that a
//! roll-up reads back (forms.md §4.6).

use anyhow::Result;
use rayon::prelude::*;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};
use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::aggregate::tree::level_zh;
use crate::aggregate::values::{column_values, columns, Val};
use crate::aggregate::{Aggregation, Table};
use crate::read::report::{FORMAT_TAG, META_SHEET};
use crate::schema::tables::Kind;

struct Styles {
    title: Format,
    sub: Format,
    sub_right: Format,
    header: Format,
    text: Format,
    count: Format,
    footer: Format,
    /// Table cells, each plain and bold (a total row).
    cells: Cells,
}

/// A cell format and its bold twin.
struct Pair {
    plain: Format,
    bold: Format,
}

impl Pair {
    fn new(f: Format) -> Pair {
        Pair {
            bold: f.clone().set_bold(),
            plain: f,
        }
    }
    fn get(&self, bold: bool) -> &Format {
        if bold {
            &self.bold
        } else {
            &self.plain
        }
    }
}

/// The formats of a form sheet's table cells, built once: a format per
/// cell would be cloned and hashed hundreds of thousands of times.
struct Cells {
    text: Pair,
    count: Pair,
    hours: Pair,
    rate: Pair,
    dash: Pair,
    minutes: Pair,
    /// Names indented by depth, 0–15.
    names: Vec<Pair>,
}

const MAX_INDENT: usize = 15;

impl Styles {
    fn new() -> Styles {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_font_size(10);
        let text = cell.clone();
        Styles {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            sub: Format::new().set_font_size(10),
            sub_right: Format::new()
                .set_font_size(10)
                .set_align(FormatAlign::Right),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color("#D9E1F2"),
            text: text.clone(),
            count: cell.clone().set_num_format("#,##0"),
            footer: Format::new().set_font_size(10),
            cells: Cells {
                names: (0..=MAX_INDENT)
                    .map(|d| Pair {
                        plain: text.clone().set_indent(d as u8),
                        bold: text.clone().set_bold().set_indent(d as u8),
                    })
                    .collect(),
                text: Pair::new(text),
                count: Pair::new(cell.clone().set_num_format("#,##0")),
                hours: Pair::new(cell.clone().set_num_format("#,##0.00")),
                rate: Pair::new(cell.clone().set_num_format("0.00%")),
                minutes: Pair::new(cell.clone().set_num_format("#,##0.0")),
                dash: Pair::new(cell.set_align(FormatAlign::Center)),
            },
        }
    }

    /// Every format the constant-memory sheets use, in a fixed order. Those
    /// sheets are filled in parallel and take a format's index from the
    /// workbook when they first use it; registering them all first keeps
    /// the numbering, and so the file, the same on every run.
    fn register(&self, scratch: &mut Worksheet) -> Result<()> {
        let c = &self.cells;
        let mut all: Vec<&Format> = vec![
            &self.title,
            &self.sub,
            &self.sub_right,
            &self.header,
            &self.footer,
        ];
        for p in [&c.text, &c.count, &c.hours, &c.rate, &c.dash]
            .into_iter()
            .chain(&c.names)
            .chain([&c.minutes])
        {
            all.push(&p.plain);
            all.push(&p.bold);
        }
        for (i, f) in all.into_iter().enumerate() {
            scratch.write_blank(i as u32, 0, f).map_err(sheet_error)?;
        }
        Ok(())
    }
}

/// Display width of a text: CJK characters take two columns.
use super::styles::{text_width as width, wrapped_height};

fn sheet_error(e: rust_xlsxwriter::XlsxError) -> anyhow::Error {
    anyhow::anyhow!("cannot write the report workbook: {e}")
}

/// Depth of each row (from parent codes; rows come parents first) and
/// whether it has children (a total row).
fn shape(t: &Table) -> (Vec<usize>, Vec<bool>) {
    let strings = |key: &str| -> Vec<Option<String>> {
        t.df.column(key)
            .map(column_values)
            .unwrap_or_default()
            .into_iter()
            .map(|v| match v {
                Val::Str(s) => Some(s),
                _ => None,
            })
            .collect()
    };
    let codes = strings("code");
    let parents = strings("parent_code");
    let mut depth_of: HashMap<&str, usize> = HashMap::new();
    let mut depths = Vec::with_capacity(codes.len());
    for (i, c) in codes.iter().enumerate() {
        let d = parents
            .get(i)
            .and_then(|p| p.as_deref())
            .and_then(|p| depth_of.get(p))
            .map_or(0, |d| d + 1);
        if let Some(c) = c {
            depth_of.entry(c).or_insert(d);
        }
        depths.push(d);
    }
    let with_children: HashSet<&str> = parents.iter().flatten().map(String::as_str).collect();
    let mut totals: Vec<bool> = codes
        .iter()
        .map(|c| c.as_deref().is_some_and(|c| with_children.contains(c)))
        .collect();
    // A table without the tree's columns (a detail table): flat rows.
    depths.resize(t.df.height(), 0);
    totals.resize(t.df.height(), false);
    (depths, totals)
}

/// A table cell's value, written before its format.
enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    Blank,
}

/// Row `r`'s cells formatted, each run of one format at once: the library
/// finds a format's index by hashing all of the format, and once per cell
/// that was a third of the workbook's time. Every cell of the row must be
/// written already: in the library's constant-memory mode only writing a
/// cell starts a row.
fn format_runs(ws: &mut Worksheet, r: u32, formats: &[&Format]) -> Result<()> {
    let mut start = 0;
    while start < formats.len() {
        let f = formats[start];
        let end = start
            + formats[start..]
                .iter()
                .take_while(|g| std::ptr::eq(**g, f))
                .count();
        ws.set_range_format(r, start as u16, r, (end - 1) as u16, f)
            .map_err(sheet_error)?;
        start = end;
    }
    Ok(())
}

fn form_sheet(ws: &mut Worksheet, t: &Table, agg: &Aggregation, st: &Styles) -> Result<()> {
    let scope = &agg.scope.name;
    let period = agg.period.display_zh();
    let ncols = t.def.cols.len() as u16;
    ws.set_name(&t.def.sheet).map_err(sheet_error)?;
    // The title over the printed (visible) columns.
    let printed = t
        .def
        .cols
        .iter()
        .rposition(|c| c.kind != Kind::Part)
        .unwrap_or(0) as u16;
    ws.merge_range(
        0,
        0,
        0,
        printed.max(1).min(ncols.saturating_sub(1)),
        &format!("{scope}{period}{}", t.def.title),
        &st.title,
    )
    .map_err(sheet_error)?;
    ws.set_row_height(0, 30).map_err(sheet_error)?;
    ws.write_string_with_format(1, 0, format!("填报单位：{scope}"), &st.sub)
        .map_err(sheet_error)?;
    let visible: Vec<u16> = t
        .def
        .cols
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind != Kind::Part)
        .map(|(j, _)| j as u16)
        .collect();
    let last_visible = visible.last().copied().unwrap_or(0);
    ws.write_string_with_format(
        1,
        last_visible,
        format!("报告期：{}", agg.period_line()),
        &st.sub_right,
    )
    .map_err(sheet_error)?;
    let mut widths: Vec<f64> = t
        .def
        .cols
        .iter()
        .map(|c| width(&c.header).clamp(6.0, 16.0))
        .collect();
    for (j, c) in t.def.cols.iter().enumerate() {
        ws.write_string_with_format(2, j as u16, &c.header, &st.header)
            .map_err(sheet_error)?;
    }
    ws.set_row_height(2, 30).map_err(sheet_error)?;
    let (depths, totals) = shape(t);
    let values = columns(t);
    let c = &st.cells;
    let mut formats: Vec<&Format> = Vec::with_capacity(t.def.cols.len());
    for i in 0..t.df.height() {
        let r = 3 + i as u32;
        let bold = totals[i];
        formats.clear();
        // The values first, unformatted; then each run of cells of one
        // format formatted at once. A blank cell (rare) is written with its
        // format, as the library leaves out an unformatted one.
        for (j, (col, v)) in t.def.cols.iter().zip(&values).enumerate() {
            let v = v.as_ref().and_then(|v| v.get(i)).unwrap_or(&Val::Null);
            let j16 = j as u16;
            let (cell, f) = match (col.kind, v) {
                (Kind::Level, Val::Str(s)) => (Cell::Text(level_zh(s)), c.text.get(bold)),
                (Kind::Name, Val::Str(s)) => {
                    widths[j] = widths[j].max(width(s) + 2.0 * depths[i] as f64 + 1.0);
                    (Cell::Text(s), c.names[depths[i].min(MAX_INDENT)].get(bold))
                }
                (Kind::Rate, Val::Num(x)) => (Cell::Number(*x), c.rate.get(bold)),
                (Kind::Rate, _) => (Cell::Text("—"), c.dash.get(bold)),
                (Kind::Hours, Val::Num(x)) => (Cell::Number(*x), c.hours.get(bold)),
                (Kind::Minutes, Val::Num(x)) => (Cell::Number(*x), c.minutes.get(bold)),
                (_, Val::Int(n)) => (Cell::Number(*n as f64), c.count.get(bold)),
                (_, Val::Num(x)) => (Cell::Number(*x), c.count.get(bold)),
                (_, Val::Str(s)) => {
                    widths[j] = widths[j].max(width(s).min(40.0) + 1.0);
                    (Cell::Text(s), c.text.get(bold))
                }
                (Kind::Count | Kind::Part | Kind::Hours | Kind::Minutes, Val::Null) => {
                    (Cell::Text("—"), c.dash.get(bold))
                }
                (_, Val::Null) => (Cell::Blank, c.text.get(bold)),
            };
            match cell {
                Cell::Text("") | Cell::Blank => ws.write_blank(r, j16, f),
                Cell::Text(s) => ws.write_string(r, j16, s),
                Cell::Number(x) => ws.write_number(r, j16, x),
            }
            .map_err(sheet_error)?;
            formats.push(f);
        }
        format_runs(ws, r, &formats)?;
    }
    for (j, w) in widths.iter().enumerate() {
        ws.set_column_width(j as u16, (w + 2.0).min(50.0))
            .map_err(sheet_error)?;
    }
    // A rate's numerator and denominator stay in the sheet for anyone who
    // checks a rate, hidden: printed, T4 is the rates leaders read (with
    // every part it was 31 columns on one A4 page, about 3 pt).
    for (j, c) in t.def.cols.iter().enumerate() {
        if c.kind == Kind::Part {
            ws.set_column_hidden(j as u16).map_err(sheet_error)?;
        }
    }
    let foot = 3 + t.df.height() as u32 + 1;
    let step = (visible.len() / 4).max(1);
    for (k, label) in ["填表人：", "审核人：", "负责人：", "报出日期："]
        .iter()
        .enumerate()
    {
        let c = visible[(k * step).min(visible.len() - 1)];
        ws.write_string_with_format(foot, c, *label, &st.footer)
            .map_err(sheet_error)?;
    }
    ws.set_freeze_panes(3, 3).map_err(sheet_error)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    // A table wider than an A4 page takes at readable size (T4's eighteen
    // rates, T6's twenty columns) prints two pages wide, each with the
    // organisation's level, code and name; a narrower one, one page wide.
    let printed_width: f64 = widths
        .iter()
        .zip(&t.def.cols)
        .filter(|(_, c)| c.kind != Kind::Part)
        .map(|(w, _)| (w + 2.0).min(50.0))
        .sum();
    if printed_width > WIDE_PAGE && t.def.detail.is_none() {
        ws.set_print_fit_to_pages(2, 0);
        ws.set_repeat_columns(0, 2).map_err(sheet_error)?;
    } else {
        ws.set_print_fit_to_pages(1, 0);
    }
    ws.set_repeat_rows(0, 2).map_err(sheet_error)?;
    Ok(())
}

/// The width (in Excel's characters) past which a form prints two pages
/// wide: landscape A4 holds about 150 characters of the sheets' 10 pt text,
/// and shrinking more than a third makes figures smaller than 6 pt.
const WIDE_PAGE: f64 = 220.0;

fn data_sheet(ws: &mut Worksheet, name: &str, t: &Table) -> Result<()> {
    ws.set_name(name).map_err(sheet_error)?;
    // Row by row: the sheet is written in constant-memory mode.
    for (j, c) in t.def.cols.iter().enumerate() {
        ws.write_string(0, j as u16, &c.key).map_err(sheet_error)?;
    }
    let values = columns(t);
    for i in 0..t.df.height() {
        let r = 1 + i as u32;
        for (j, col) in values.iter().enumerate() {
            let Some(v) = col.as_ref().and_then(|v| v.get(i)) else {
                continue;
            };
            // A zero count is left blank: the read-back takes a blank as 0,
            // and most counts of most rows (every resident unit's) are 0.
            match v {
                Val::Null => {}
                Val::Int(0) => {}
                Val::Num(x) if *x == 0.0 => {}
                Val::Int(n) => {
                    ws.write_number(r, j as u16, *n as f64)
                        .map_err(sheet_error)?;
                }
                Val::Num(x) => {
                    ws.write_number(r, j as u16, *x).map_err(sheet_error)?;
                }
                Val::Str(s) => {
                    ws.write_string(r, j as u16, s).map_err(sheet_error)?;
                }
            }
        }
    }
    ws.set_hidden(true);
    Ok(())
}

/// What goes on one of the large sheets that are filled in parallel.
enum Job<'a> {
    Form(&'a Table),
    Data(&'a Table, String),
}

/// Deflate level of the workbook's zip: the sheets are tens of megabytes of
/// repetitive XML, where level 6 costs several times level 1's time for a
/// file a few percent smaller (docs/performance.md).
const ZIP_LEVEL: u8 = 1;

/// Write report.xlsx to `path`. The form and data sheets, which hold
/// nearly every cell, are written row by row in constant-memory mode (so
/// memory does not grow with the number of organisations), each on its own
/// worker of the current thread pool.
pub fn write_workbook(
    agg: &Aggregation,
    extra_notes: &[(String, String, String)],
    path: &Path,
) -> Result<()> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(ZIP_LEVEL);
    // Fixed document dates: the same inputs give the same workbook.
    let end = agg.period.end();
    let when = ExcelDateTime::from_ymd(
        end.format("%Y").to_string().parse().unwrap_or(2000),
        end.format("%m").to_string().parse().unwrap_or(1),
        end.format("%d").to_string().parse().unwrap_or(1),
    )
    .map_err(sheet_error)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&when)
            .set_title(format!(
                "{}{}城市基层党建统计报表",
                agg.scope.name,
                agg.period.display_zh()
            ))
            .set_author("pbstat"),
    );
    st.register(
        &mut wb
            .new_worksheet_with_constant_memory()
            .map_err(sheet_error)?,
    )?;

    let mut jobs: Vec<Job> = agg
        .tables
        .iter()
        .filter(|t| !t.def.title.is_empty())
        .map(Job::Form)
        .collect();
    let forms = jobs.len();
    // The machine-readable sheets a roll-up reads back (forms.md §4.6). The
    // tables themselves are for machines in tables/*.csv, *.parquet and
    // summary.json; the workbook does not repeat them (docs/decisions.md).
    jobs.extend(
        agg.tables
            .iter()
            .filter(|t| t.def.title.is_empty())
            .map(|t| Job::Data(t, t.def.sheet.clone())),
    );
    let mut sheets = jobs
        .iter()
        .map(|_| wb.new_worksheet_with_constant_memory())
        .collect::<Result<Vec<Worksheet>, _>>()
        .map_err(sheet_error)?;
    sheets
        .par_iter_mut()
        .zip(&jobs)
        .with_max_len(1)
        .try_for_each(|(ws, job)| match job {
            Job::Form(t) => form_sheet(ws, t, agg, &st),
            Job::Data(t, name) => data_sheet(ws, name, t),
        })?;
    let data_sheets = sheets.split_off(forms);
    for ws in sheets {
        wb.push_worksheet(ws);
    }
    if let Some(h) = &agg.history {
        let defs: Vec<&crate::schema::tables::TableDef> =
            agg.tables.iter().map(|t| &t.def).collect();
        super::history::sheet(&mut wb, h, &defs)?;
    }
    super::charts::sheet(&mut wb, agg)?;
    excluded_sheet(wb.add_worksheet(), agg, &st)?;
    rules_sheet(wb.add_worksheet(), agg, &st)?;
    notes_sheet(wb.add_worksheet(), agg, &st, extra_notes)?;
    {
        let ws = wb.add_worksheet();
        ws.set_name(META_SHEET).map_err(sheet_error)?;
        let meta = [
            ("format", FORMAT_TAG.to_string()),
            ("version", "1".to_string()),
            ("level", agg.scope.level.clone()),
            ("code", agg.scope.code.clone()),
            ("name", agg.scope.name.clone()),
            ("period", agg.period.to_string()),
            (
                "generated_by",
                format!("pbstat {}", env!("CARGO_PKG_VERSION")),
            ),
        ];
        for (i, (k, v)) in meta.iter().enumerate() {
            ws.write_string(i as u32, 0, *k).map_err(sheet_error)?;
            ws.write_string(i as u32, 1, v).map_err(sheet_error)?;
        }
        ws.set_hidden(true);
    }
    for ws in data_sheets {
        wb.push_worksheet(ws);
    }
    wb.worksheets_mut()[0].set_active(true);
    wb.save(path).map_err(sheet_error)?;
    Ok(())
}

fn excluded_sheet(ws: &mut Worksheet, agg: &Aggregation, st: &Styles) -> Result<()> {
    ws.set_name(crate::schema::tables::EXCLUDED_SHEET)
        .map_err(sheet_error)?;
    let headers = [
        "文件",
        "单位代码",
        "单位名称",
        "错误数",
        "原因（前五条错误）",
    ];
    ws.merge_range(
        0,
        0,
        0,
        4,
        &format!(
            "{}{}未纳入汇总的报表",
            agg.scope.name,
            agg.period.display_zh()
        ),
        &st.title,
    )
    .map_err(sheet_error)?;
    for (j, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, j as u16, *h, &st.header)
            .map_err(sheet_error)?;
    }
    let mut widths = [30.0, 16.0, 20.0, 8.0, 60.0];
    // Rows as tall as their reasons, every cell read from the top.
    let wrap = st
        .text
        .clone()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let count = st
        .count
        .clone()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    if agg.excluded.is_empty() {
        ws.write_string_with_format(2, 0, "（无：全部报表均已纳入汇总）", &st.text)
            .map_err(sheet_error)?;
    }
    for (i, e) in agg.excluded.iter().enumerate() {
        let r = 2 + i as u32;
        ws.write_string_with_format(r, 0, &e.file, &wrap)
            .map_err(sheet_error)?;
        ws.write_string_with_format(r, 1, e.org_code.as_deref().unwrap_or(""), &wrap)
            .map_err(sheet_error)?;
        ws.write_string_with_format(r, 2, e.name.as_deref().unwrap_or(""), &wrap)
            .map_err(sheet_error)?;
        ws.write_number_with_format(r, 3, e.errors as f64, &count)
            .map_err(sheet_error)?;
        let reasons = e.reasons.join("\n");
        ws.write_string_with_format(r, 4, &reasons, &wrap)
            .map_err(sheet_error)?;
        widths[0] = f64::max(widths[0], (width(&e.file) + 2.0).min(40.0));
        let h = wrapped_height(&reasons, widths[4]).max(wrapped_height(&e.file, 40.0));
        ws.set_row_height(r, h).map_err(sheet_error)?;
    }
    for (j, w) in widths.iter().enumerate() {
        ws.set_column_width(j as u16, w.min(60.0))
            .map_err(sheet_error)?;
    }
    ws.set_row_height(0, 30).map_err(sheet_error)?;
    ws.set_freeze_panes(2, 0).map_err(sheet_error)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 1).map_err(sheet_error)?;
    Ok(())
}

/// 审核汇总: every declared check's rows by level, most-failed first.
fn rules_sheet(ws: &mut Worksheet, agg: &Aggregation, st: &Styles) -> Result<()> {
    ws.set_name(crate::schema::tables::RULES_SHEET)
        .map_err(sheet_error)?;
    let headers = [
        "诊断代码",
        "台账",
        "字段",
        "级别",
        "检查行数",
        "通过",
        "未通过",
    ];
    ws.merge_range(
        0,
        0,
        0,
        headers.len() as u16 - 1,
        &format!("{}{}审核汇总", agg.scope.name, agg.period.display_zh()),
        &st.title,
    )
    .map_err(sheet_error)?;
    for (j, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, j as u16, *h, &st.header)
            .map_err(sheet_error)?;
    }
    if agg.rules.is_empty() {
        ws.write_string_with_format(2, 0, "（无：没有台账行）", &st.text)
            .map_err(sheet_error)?;
    }
    for (i, r) in agg.rules.iter().enumerate() {
        let row = 2 + i as u32;
        let texts = [
            r.rule.as_str(),
            r.sheet.as_str(),
            r.header.as_str(),
            crate::aggregate::tree::level_zh(&r.level),
        ];
        for (j, t) in texts.iter().enumerate() {
            ws.write_string_with_format(row, j as u16, *t, &st.text)
                .map_err(sheet_error)?;
        }
        for (j, n) in [r.checked, r.passed, r.failed].iter().enumerate() {
            ws.write_number_with_format(row, 4 + j as u16, *n as f64, &st.count)
                .map_err(sheet_error)?;
        }
    }
    for (j, w) in [34.0, 14.0, 14.0, 10.0, 10.0, 10.0, 10.0]
        .iter()
        .enumerate()
    {
        ws.set_column_width(j as u16, *w).map_err(sheet_error)?;
    }
    ws.set_row_height(0, 30).map_err(sheet_error)?;
    ws.set_freeze_panes(2, 0).map_err(sheet_error)?;
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 1).map_err(sheet_error)?;
    Ok(())
}

fn notes_sheet(
    ws: &mut Worksheet,
    agg: &Aggregation,
    st: &Styles,
    extra: &[(String, String, String)],
) -> Result<()> {
    ws.set_name(crate::schema::tables::NOTES_SHEET)
        .map_err(sheet_error)?;
    ws.merge_range(0, 0, 0, 3, "指标说明", &st.title)
        .map_err(sheet_error)?;
    ws.set_row_height(0, 30).map_err(sheet_error)?;
    let wrap = st
        .text
        .clone()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    const WIDTHS: [f64; 4] = [24.0, 18.0, 24.0, 70.0];
    let full: f64 = WIDTHS.iter().sum();
    let mut r = 1;
    let notes = [
        format!("汇总范围：{}（{}），报告期：{}。", agg.scope.name, agg.scope.code, agg.period_line()),
        "各级合计行等于下级各行之和加本级自身数据；比率按本行汇总后的分子、分母重新计算，不取下级比率的平均。".to_string(),
        "分母为 0 的比率显示为“—”。只有通过审核、纳入汇总的报表参与计算；未报送或未纳入汇总的单位仍保留其行。".to_string(),
        format!("本表由 pbstat {} 生成。", env!("CARGO_PKG_VERSION")),
    ];
    let absent = agg.absent_forms.iter().map(|(id, form)| {
        format!(
            "本期无单位填报“{form}”表：{} 各数为 0，比率为“—”，并非实际为零。",
            id.to_uppercase()
        )
    });
    for n in notes
        .into_iter()
        .chain(absent)
        .chain(agg.notes.iter().cloned())
    {
        // Across the page, wrapped: a sentence is never cut at the edge.
        ws.merge_range(r, 0, r, 3, &n, &wrap).map_err(sheet_error)?;
        ws.set_row_height(r, wrapped_height(&n, full))
            .map_err(sheet_error)?;
        r += 1;
    }
    r += 1;
    for (j, h) in ["表", "列", "字段", "定义"].iter().enumerate() {
        ws.write_string_with_format(r, j as u16, *h, &st.header)
            .map_err(sheet_error)?;
    }
    r += 1;
    for t in agg.tables.iter().filter(|t| !t.def.title.is_empty()) {
        for c in &t.def.cols {
            ws.write_string_with_format(
                r,
                0,
                format!("{} {}", t.def.id.to_uppercase(), t.def.title),
                &wrap,
            )
            .map_err(sheet_error)?;
            ws.write_string_with_format(r, 1, &c.header, &wrap)
                .map_err(sheet_error)?;
            ws.write_string_with_format(r, 2, &c.key, &wrap)
                .map_err(sheet_error)?;
            ws.write_string_with_format(r, 3, &c.def, &wrap)
                .map_err(sheet_error)?;
            ws.set_row_height(r, wrapped_height(&c.def, WIDTHS[3]))
                .map_err(sheet_error)?;
            r += 1;
        }
    }
    if !extra.is_empty() {
        r += 1;
        for (j, h) in ["文件", "代码与位置", "上报说明"].iter().enumerate() {
            ws.write_string_with_format(r, j as u16, *h, &st.header)
                .map_err(sheet_error)?;
        }
        r += 1;
        for (a, b, c) in extra {
            ws.write_string_with_format(r, 1, b, &st.text)
                .map_err(sheet_error)?;
            ws.write_string_with_format(r, 0, a, &wrap)
                .map_err(sheet_error)?;
            // The explanation runs across the two last columns.
            ws.merge_range(r, 2, r, 3, c, &wrap).map_err(sheet_error)?;
            let h = wrapped_height(c, WIDTHS[2] + WIDTHS[3]).max(wrapped_height(a, WIDTHS[0]));
            ws.set_row_height(r, h).map_err(sheet_error)?;
            r += 1;
        }
    }
    for (j, w) in WIDTHS.iter().enumerate() {
        ws.set_column_width(j as u16, *w).map_err(sheet_error)?;
    }
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}
