//! The 图表 sheet of report.xlsx: native charts that stay live in Excel, WPS
//! and LibreOffice. Each chart reads a small table on the sheet whose cells
//! are formulas into the table sheets (with their values cached, so every
//! viewer shows them), so editing a table sheet updates the charts.

use anyhow::Result;
use rust_xlsxwriter::{
    Chart, ChartType, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet,
};

use crate::aggregate::tree::level_zh;
use crate::aggregate::values::{val, Val};
use crate::aggregate::{Aggregation, Table};
use crate::diag::col_letter;
use crate::org::Level;
use crate::schema::tables::{ChartDecl, Kind, CHILDREN};

pub const SHEET: &str = crate::schema::tables::CHARTS_SHEET;
const W: u32 = 760;
const H: u32 = 340;

fn xerr(e: rust_xlsxwriter::XlsxError) -> anyhow::Error {
    anyhow::anyhow!("cannot write the charts: {e}")
}

fn cell(t: &Table, key: &str, row: usize) -> Val {
    t.df.column(key)
        .ok()
        .and_then(|c| c.get(row).ok())
        .map(val)
        .unwrap_or(Val::Null)
}

fn col_of(t: &Table, key: &str) -> u16 {
    t.def
        .cols
        .iter()
        .position(|c| c.key == key)
        .expect("known column") as u16
}

/// `'T4完成率与满意度'!E5` for a data row of a table sheet (data start on row 4).
fn reference(t: &Table, key: &str, row: usize) -> String {
    format!(
        "='{}'!{}{}",
        t.def.sheet,
        col_letter(col_of(t, key) as u32),
        row + 4
    )
}

fn num(v: &Val) -> Option<f64> {
    match v {
        Val::Int(i) => Some(*i as f64),
        Val::Num(x) => Some(*x),
        _ => None,
    }
}

fn pct(v: &Val) -> String {
    num(v)
        .map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

struct Block<'a> {
    ws: &'a mut Worksheet,
    row: u32,
    head: Format,
    text: Format,
    rate: Format,
    count: Format,
}

impl Block<'_> {
    fn heading(&mut self, title: &str, cols: &[&str]) -> Result<u32> {
        self.ws
            .write_string_with_format(self.row, 0, title, &Format::new().set_bold())
            .map_err(xerr)?;
        for (j, c) in cols.iter().enumerate() {
            self.ws
                .write_string_with_format(self.row + 1, j as u16, *c, &self.head)
                .map_err(xerr)?;
        }
        self.row += 2;
        Ok(self.row)
    }

    fn linked(&mut self, r: u32, c: u16, formula: String, v: &Val, rate: bool) -> Result<()> {
        let f = if rate { &self.rate } else { &self.count };
        let result = num(v).map(|x| x.to_string()).unwrap_or_default();
        self.ws
            .write_formula_with_format(r, c, Formula::new(formula).set_result(result), f)
            .map_err(xerr)?;
        Ok(())
    }
}

fn column_chart(title: &str, percent: bool) -> Chart {
    let mut ch = Chart::new(ChartType::Column);
    ch.title().set_name(title);
    ch.set_width(W).set_height(H);
    if percent {
        ch.y_axis().set_num_format("0%").set_min(0.0).set_max(1.0);
    }
    ch.legend()
        .set_position(rust_xlsxwriter::ChartLegendPosition::Bottom);
    ch
}

/// Rows of the table that are children of the root (streets, or counties in a roll-up).
fn second_level(t: &Table, root: &str) -> Vec<usize> {
    let text = |k: &str, i: usize| match cell(t, k, i) {
        Val::Str(s) => s,
        _ => String::new(),
    };
    let rows: Vec<[String; 3]> = (0..t.df.height())
        .map(|i| [text("code", i), text("level", i), text("parent_code", i)])
        .collect();
    children_of(
        rows.iter()
            .map(|[c, l, p]| [c.as_str(), l.as_str(), p.as_str()]),
        root,
    )
}

/// The rows a `rows = "children"` chart shows, of rows given as (code,
/// level, parent code): those right under the root (streets, or counties
/// in a roll-up). A table whose `levels` leave those out (T4 of county
/// and communities only) shows the highest level it has below the root
/// instead, rather than no chart at all.
pub fn children_of<'a>(rows: impl Iterator<Item = [&'a str; 3]>, root: &str) -> Vec<usize> {
    let rows: Vec<[&str; 3]> = rows.collect();
    let direct: Vec<usize> = (0..rows.len()).filter(|&i| rows[i][2] == root).collect();
    if !direct.is_empty() {
        return direct;
    }
    let below = |i: usize| {
        (rows[i][0] != root)
            .then(|| Level::parse(rows[i][1]))
            .flatten()
    };
    let Some(top) = (0..rows.len()).filter_map(below).min() else {
        return Vec::new();
    };
    (0..rows.len()).filter(|&i| below(i) == Some(top)).collect()
}

pub fn sheet(wb: &mut Workbook, agg: &Aggregation) -> Result<()> {
    let ws = wb.add_worksheet();
    ws.set_name(SHEET).map_err(xerr)?;
    let border = Format::new().set_border(FormatBorder::Thin);
    let mut b = Block {
        ws,
        row: 0,
        head: Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_background_color("#D9E1F2")
            .set_align(FormatAlign::Center),
        text: border.clone(),
        rate: border.clone().set_num_format("0.0%"),
        count: border.set_num_format("#,##0"),
    };
    b.ws.write_string_with_format(
        0,
        0,
        format!("{}{}统计图表", agg.scope.name, agg.period.display_zh()),
        &Format::new().set_bold().set_font_size(14),
    )
    .map_err(xerr)?;
    b.row = 2;
    let mut charts: Vec<(u32, Chart)> = Vec::new();
    // Charts of one table and rows share one block of linked cells.
    for group in agg
        .charts
        .chunk_by(|a, b| a.table == b.table && a.rows == b.rows)
    {
        declared(&mut b, agg, group, &mut charts)?;
    }
    meeting_chart(&mut b, agg, &mut charts)?;
    b.ws.set_column_width(0, 16).map_err(xerr)?;
    for c in 1..4 {
        b.ws.set_column_width(c, 11).map_err(xerr)?;
    }
    for (k, (_, ch)) in charts.iter().enumerate() {
        b.ws.insert_chart(2 + 18 * k as u32, 5, ch).map_err(xerr)?;
    }
    b.ws.set_landscape();
    b.ws.set_paper_size(9);
    b.ws.set_print_fit_to_pages(1, 0);
    b.ws.set_page_breaks(&[38]).map_err(xerr)?;
    Ok(())
}

/// The rows a chart shows and what they are called (街道, 社区 …).
pub fn chart_rows(t: &Table, rows: &str, root: &str) -> (Vec<usize>, String) {
    if rows == CHILDREN {
        let kids = second_level(t, root);
        let by = kids
            .first()
            .and_then(|&i| match cell(t, "level", i) {
                Val::Str(l) => Some(level_zh(&l).to_string()),
                _ => None,
            })
            .unwrap_or_else(|| "街道".into());
        return (kids, by);
    }
    let picked = (0..t.df.height())
        .filter(|&i| matches!(cell(t, "level", i), Val::Str(l) if l == rows))
        .collect();
    (picked, level_zh(rows).to_string())
}

/// The charts of one table and rows (tables.toml `[[chart]]`): their
/// block of cells linked to the table sheet, then each chart over it.
fn declared(
    b: &mut Block,
    agg: &Aggregation,
    group: &[ChartDecl],
    charts: &mut Vec<(u32, Chart)>,
) -> Result<()> {
    let first_decl = &group[0];
    let Some(t) = agg.tables.iter().find(|t| t.def.id == first_decl.table) else {
        return Ok(());
    };
    let (rows, by) = chart_rows(t, &first_decl.rows, &agg.scope.code);
    if rows.is_empty() {
        return Ok(());
    }
    let mut keys: Vec<&str> = Vec::new();
    for d in group {
        for k in &d.columns {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    let line = group.iter().find_map(|d| d.line.as_deref());
    let header = |k: &str| {
        t.def
            .cols
            .iter()
            .find(|c| c.key == k)
            .map_or(k.to_string(), |c| c.header.clone())
    };
    let is_rate = |k: &str| {
        t.def
            .cols
            .iter()
            .any(|c| c.key == k && c.kind == Kind::Rate)
    };
    let heads: Vec<String> = keys.iter().map(|k| header(k)).collect();
    let mut cols: Vec<&str> = vec![by.as_str()];
    cols.extend(heads.iter().map(String::as_str));
    if line.is_some() {
        cols.push("考核要求");
    }
    let first = b.heading(
        &format!(
            "各{by}{}{}",
            heads.join("、"),
            if line.is_some() {
                "与考核要求"
            } else {
                ""
            }
        ),
        &cols,
    )?;
    let line_value = line.and_then(|l| agg.chart_lines.get(l).copied());
    for (k, &i) in rows.iter().enumerate() {
        let r = first + k as u32;
        if let Val::Str(s) = cell(t, "name", i) {
            b.ws.write_string_with_format(r, 0, &s, &b.text.clone())
                .map_err(xerr)?;
        }
        for (j, key) in keys.iter().enumerate() {
            let v = cell(t, key, i);
            b.linked(r, 1 + j as u16, reference(t, key, i), &v, is_rate(key))?;
        }
        if let Some(v) = line_value {
            b.ws.write_number_with_format(r, 1 + keys.len() as u16, v, &b.count.clone())
                .map_err(xerr)?;
        }
    }
    let last = first + rows.len() as u32 - 1;
    b.row = last + 2;
    for d in group {
        let mut title = d
            .title
            .replace("{by}", &by)
            .replace("{scope}", &agg.scope.name);
        for c in &t.def.cols {
            let v = cell(t, &c.key, 0);
            let shown = match c.kind {
                Kind::Rate => pct(&v),
                _ => num(&v)
                    .map(crate::text::number_text)
                    .unwrap_or_else(|| "—".into()),
            };
            title = title.replace(&format!("{{{}}}", c.key), &shown);
        }
        if let (Some(l), Some(v)) = (&d.line, line_value) {
            title = title.replace(&format!("{{{l}}}"), &crate::text::number_text(v));
        }
        let mut ch = column_chart(&title, is_rate(&d.columns[0]));
        for k in &d.columns {
            let j = 1 + keys.iter().position(|x| x == k).expect("a block column") as u16;
            ch.add_series()
                .set_name(header(k).as_str())
                .set_categories((SHEET, first, 0, last, 0))
                .set_values((SHEET, first, j, last, j));
        }
        if d.line.is_some() && line_value.is_some() {
            let j = 1 + keys.len() as u16;
            let mut l = Chart::new(ChartType::Line);
            l.add_series()
                .set_name("考核要求")
                .set_categories((SHEET, first, 0, last, 0))
                .set_values((SHEET, first, j, last, j));
            ch.combine(&l);
        }
        charts.push((0, ch));
    }
    Ok(())
}

/// The meetings held against required, by type (the whole scope): the
/// columns declared with a `requirement` (tables.toml).
fn meeting_chart(b: &mut Block, agg: &Aggregation, charts: &mut Vec<(u32, Chart)>) -> Result<()> {
    let Some((t2, types)) = agg.tables.iter().find_map(|t| {
        let types: Vec<(&str, &str)> = t
            .def
            .cols
            .iter()
            .filter_map(|c| Some((c.requirement.as_deref()?, c.key.as_str())))
            .collect();
        (!types.is_empty()).then_some((t, types))
    }) else {
        return Ok(());
    };
    let first = b.heading(
        "会议开展次数与考核要求（按类型）",
        &["会议类型", "已开展", "考核要求"],
    )?;
    for (k, (zh, key)) in types.iter().enumerate() {
        let r = first + k as u32;
        b.ws.write_string_with_format(r, 0, *zh, &b.text.clone())
            .map_err(xerr)?;
        let v = cell(t2, key, 0);
        b.linked(r, 1, reference(t2, key, 0), &v, false)?;
        let req = agg.meeting_required.get(*zh).copied().unwrap_or(0);
        b.ws.write_number_with_format(r, 2, req as f64, &b.count.clone())
            .map_err(xerr)?;
    }
    let last = first + types.len() as u32 - 1;
    let mut ch = column_chart("会议开展次数与考核要求（按类型）", false);
    for (j, name) in [(1u16, "已开展"), (2, "考核要求")] {
        ch.add_series()
            .set_name(name)
            .set_categories((SHEET, first, 0, last, 0))
            .set_values((SHEET, first, j, last, j));
    }
    charts.push((0, ch));
    Ok(())
}
