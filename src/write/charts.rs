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

pub const SHEET: &str = "图表";
const W: u32 = 760;
const H: u32 = 340;

fn xerr(e: rust_xlsxwriter::XlsxError) -> anyhow::Error {
    anyhow::anyhow!("cannot write the charts: {e}")
}

/// A table that has every one of `keys` (a county's tables.toml may lack
/// a chart's table or columns: the chart is left out).
fn table<'a>(agg: &'a Aggregation, id: &str, keys: &[&str]) -> Option<&'a Table> {
    agg.tables
        .iter()
        .find(|t| t.def.id == id)
        .filter(|t| keys.iter().all(|k| t.def.cols.iter().any(|c| c.key == *k)))
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
    (0..t.df.height())
        .filter(|&i| matches!(cell(t, "parent_code", i), Val::Str(p) if p == root))
        .collect()
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
    let rates = ["completion_rate", "satisfaction_rate", "submission_rate"];
    let mut charts: Vec<(u32, Chart)> = Vec::new();
    if let Some(t4) = table(agg, "t4", &rates) {
        rate_charts(&mut b, agg, t4, &mut charts)?;
    }
    if let Some(t1) = table(agg, "t1", &["registered_members"]) {
        registration_chart(&mut b, agg, t1, &mut charts)?;
    }
    meeting_chart(&mut b, agg, &mut charts)?;
    b.ws.set_column_width(0, 16).map_err(xerr)?;
    for c in 1..4 {
        b.ws.set_column_width(c, 11).map_err(xerr)?;
    }
    for (row, ch) in &charts {
        b.ws.insert_chart(*row, 5, ch).map_err(xerr)?;
    }
    b.ws.set_landscape();
    b.ws.set_paper_size(9);
    b.ws.set_print_fit_to_pages(1, 0);
    b.ws.set_page_breaks(&[38]).map_err(xerr)?;
    Ok(())
}

/// 1. 办结率、满意率 by street, and 2. 报送率 by street.
fn rate_charts(
    b: &mut Block,
    agg: &Aggregation,
    t4: &Table,
    charts: &mut Vec<(u32, Chart)>,
) -> Result<()> {
    let root = agg.scope.code.clone();
    let kids = second_level(t4, &root);
    let kid_level = kids.first().and_then(|&i| match cell(t4, "level", i) {
        Val::Str(l) => Some(level_zh(&l).to_string()),
        _ => None,
    });
    let by = kid_level.unwrap_or_else(|| "街道".into());
    let first = b.heading(
        &format!("各{by}办结率、满意率、报送率"),
        &[&by, "办结率", "满意率", "报送率"],
    )?;
    for (k, &i) in kids.iter().enumerate() {
        let r = first + k as u32;
        let name = match cell(t4, "name", i) {
            Val::Str(s) => s,
            _ => String::new(),
        };
        b.ws.write_string_with_format(r, 0, &name, &b.text.clone())
            .map_err(xerr)?;
        for (j, key) in ["completion_rate", "satisfaction_rate", "submission_rate"]
            .iter()
            .enumerate()
        {
            let v = cell(t4, key, i);
            b.linked(r, 1 + j as u16, reference(t4, key, i), &v, true)?;
        }
    }
    let last = first + kids.len().max(1) as u32 - 1;
    b.row = last + 2;
    if !kids.is_empty() {
        let (cr, sr, subr) = (
            cell(t4, "completion_rate", 0),
            cell(t4, "satisfaction_rate", 0),
            cell(t4, "submission_rate", 0),
        );
        let mut ch = column_chart(
            &format!(
                "各{by}办结率与满意率（{}：办结率 {}，满意率 {}）",
                agg.scope.name,
                pct(&cr),
                pct(&sr)
            ),
            true,
        );
        for (j, name) in [(1u16, "办结率"), (2, "满意率")] {
            ch.add_series()
                .set_name(name)
                .set_categories((SHEET, first, 0, last, 0))
                .set_values((SHEET, first, j, last, j));
        }
        charts.push((2, ch));
        let mut ch = column_chart(
            &format!("各{by}报送率（{}：{}）", agg.scope.name, pct(&subr)),
            true,
        );
        ch.add_series()
            .set_name("报送率")
            .set_categories((SHEET, first, 0, last, 0))
            .set_values((SHEET, first, 3, last, 3));
        charts.push((20, ch));
    }
    Ok(())
}

/// 3. Registered members against the target, by community.
fn registration_chart(
    b: &mut Block,
    agg: &Aggregation,
    t1: &Table,
    charts: &mut Vec<(u32, Chart)>,
) -> Result<()> {
    let comms: Vec<usize> = (0..t1.df.height())
        .filter(|&i| matches!(cell(t1, "level", i), Val::Str(l) if l == "community"))
        .collect();
    if !comms.is_empty() {
        let first = b.heading(
            "各社区报到党员数与考核要求",
            &["社区", "报到党员数", "考核要求"],
        )?;
        for (k, &i) in comms.iter().enumerate() {
            let r = first + k as u32;
            if let Val::Str(s) = cell(t1, "name", i) {
                b.ws.write_string_with_format(r, 0, &s, &b.text.clone())
                    .map_err(xerr)?;
            }
            let v = cell(t1, "registered_members", i);
            b.linked(r, 1, reference(t1, "registered_members", i), &v, false)?;
            b.ws.write_number_with_format(r, 2, agg.registration_minimum as f64, &b.count.clone())
                .map_err(xerr)?;
        }
        let last = first + comms.len() as u32 - 1;
        b.row = last + 2;
        let mut ch = column_chart(
            &format!(
                "各社区报到党员数与考核要求（不少于 {} 人）",
                agg.registration_minimum
            ),
            false,
        );
        ch.add_series()
            .set_name("报到党员数")
            .set_categories((SHEET, first, 0, last, 0))
            .set_values((SHEET, first, 1, last, 1));
        let mut line = Chart::new(ChartType::Line);
        line.add_series()
            .set_name("考核要求")
            .set_categories((SHEET, first, 0, last, 0))
            .set_values((SHEET, first, 2, last, 2));
        ch.combine(&line);
        charts.push((38, ch));
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
    charts.push((56, ch));
    Ok(())
}
