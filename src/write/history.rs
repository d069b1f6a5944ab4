//! The history (多期对比, reports.md §5.2) in every form: the 趋势 sheet of
//! report.xlsx with a native chart per indicator, tables/history.csv and
//! .parquet, small tables for text and markdown, SVG charts for HTML.

use anyhow::Result;
use polars::prelude::*;
use rust_xlsxwriter::{
    Chart, ChartEmptyCells, ChartType, Format, FormatAlign, FormatBorder, Workbook,
};

use crate::aggregate::Table;
use crate::lang::Lang;
use crate::period::Period;
use crate::schema::tables::{Col, Kind, TableDef};
use crate::schema::SchemaSet;
use crate::summary::{History, HistoryRow};

pub const SHEET: &str = crate::schema::tables::HISTORY_SHEET;

/// One indicator's block: its rows grouped by organisation, periods in order.
pub struct Block<'a> {
    pub indicator: &'a str,
    pub table: &'a str,
    pub header: String,
    pub rate: bool,
    /// Per organisation: its first row (level, code, name) and a value per period.
    pub orgs: Vec<(&'a HistoryRow, Vec<Option<f64>>)>,
}

/// The indicators' blocks, with headers from the tables' definitions.
pub fn blocks<'a>(h: &'a History, defs: &[&TableDef]) -> Vec<Block<'a>> {
    let n = h.periods.len().max(1);
    let mut out: Vec<Block> = Vec::new();
    for chunk in h.rows.chunks(n) {
        let r0 = &chunk[0];
        let col: Option<&Col> = defs
            .iter()
            .find(|d| d.file == r0.table)
            .and_then(|d| d.cols.iter().find(|c| c.key == r0.indicator));
        let values = chunk.iter().map(|r| r.value).collect();
        match out.last_mut() {
            Some(b) if b.indicator == r0.indicator && b.table == r0.table => {
                b.orgs.push((r0, values))
            }
            _ => out.push(Block {
                indicator: &r0.indicator,
                table: &r0.table,
                header: col.map_or(r0.indicator.clone(), |c| c.header.clone()),
                rate: col.is_some_and(|c| c.kind == Kind::Rate),
                orgs: vec![(r0, values)],
            }),
        }
    }
    out
}

fn shown(v: Option<f64>, rate: bool) -> String {
    match v {
        None => "—".into(),
        Some(x) if rate => format!("{:.2}%", x * 100.0),
        Some(x) => crate::text::number_text((x * 100.0).round() / 100.0),
    }
}

/// The periods a history's title spans: 2025年10月—2026年9月.
pub fn span(h: &History) -> String {
    let name = |p: Option<&String>| {
        p.and_then(|p| Period::parse(p))
            .map(|p| p.display_zh())
            .unwrap_or_default()
    };
    format!("{}—{}", name(h.periods.first()), name(h.periods.last()))
}

/// A footnote per period built from shorter ones, and the gaps.
pub fn footnotes(h: &History, lang: Lang) -> Vec<String> {
    let mut out: Vec<String> = h
        .sources
        .iter()
        .filter(|s| s.built_from == "sub_periods")
        .map(|s| {
            lang.t(
                format!("{} 由较短各期汇总", s.period),
                format!("{} rolled up from shorter periods", s.period),
            )
        })
        .collect();
    if !h.gaps.is_empty() {
        out.push(lang.t(
            format!("缺期（无汇总结果，留空）：{}", h.gaps.join("、")),
            format!("gaps (no output, left blank): {}", h.gaps.join(", ")),
        ));
    }
    out
}

/// Text or markdown: a small table per indicator, periods across.
pub fn text(h: &History, schemas: &SchemaSet, lang: Lang, md: bool) -> String {
    let defs: Vec<&TableDef> = schemas.tables.defs().iter().collect();
    let mut o = String::new();
    let title = lang.t(
        format!("{}主要指标趋势（{}）", h.scope.name, span(h)),
        format!("{} headline figures over time ({})", h.scope.name, span(h)),
    );
    o.push_str(&if md {
        format!("# {title}\n")
    } else {
        format!("{title}\n")
    });
    for b in blocks(h, &defs) {
        o.push_str(&if md {
            format!("\n## {}\n\n", b.header)
        } else {
            format!("\n{}\n", b.header)
        });
        let head: Vec<String> = std::iter::once(lang.t("单位", "organisation").to_string())
            .chain(h.periods.iter().cloned())
            .collect();
        let body: Vec<Vec<String>> = b
            .orgs
            .iter()
            .map(|(r, v)| {
                let indent = if r.parent_code.is_some() && md {
                    ""
                } else if r.parent_code.is_some() {
                    "  "
                } else {
                    ""
                };
                std::iter::once(format!("{indent}{}", r.name))
                    .chain(v.iter().map(|x| shown(*x, b.rate)))
                    .collect()
            })
            .collect();
        if md {
            o.push_str(&format!("| {} |\n", head.join(" | ")));
            o.push_str(&format!("|---|{}\n", "---:|".repeat(h.periods.len())));
            for r in &body {
                o.push_str(&format!("| {} |\n", r.join(" | ")));
            }
        } else {
            let width = |s: &str| {
                s.chars()
                    .map(|c| if c.is_ascii() { 1 } else { 2 })
                    .sum::<usize>()
            };
            let cols = head.len();
            let w: Vec<usize> = (0..cols)
                .map(|j| {
                    std::iter::once(&head)
                        .chain(&body)
                        .map(|r| width(&r[j]))
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            for r in std::iter::once(&head).chain(&body) {
                let mut line = String::from("  ");
                for (j, c) in r.iter().enumerate() {
                    let pad = w[j] - width(c);
                    if j == 0 {
                        line.push_str(c);
                        line.push_str(&" ".repeat(pad));
                    } else {
                        line.push_str("  ");
                        line.push_str(&" ".repeat(pad));
                        line.push_str(c);
                    }
                }
                o.push_str(line.trim_end());
                o.push('\n');
            }
        }
    }
    let notes = footnotes(h, lang);
    if !notes.is_empty() {
        o.push('\n');
        for n in notes {
            o.push_str(&if md {
                format!("- {n}\n")
            } else {
                format!("  {n}\n")
            });
        }
    }
    o
}

/// The history table (tables/history.csv and .parquet, `report --history
/// --format csv`).
pub fn table(h: &History) -> Result<Table> {
    let text = |f: fn(&HistoryRow) -> &str| -> Vec<&str> { h.rows.iter().map(f).collect() };
    let nums =
        |f: fn(&HistoryRow) -> Option<f64>| -> Vec<Option<f64>> { h.rows.iter().map(f).collect() };
    let df = DataFrame::new(
        h.rows.len(),
        vec![
            Column::new("indicator".into(), text(|r| &r.indicator)),
            Column::new("table".into(), text(|r| &r.table)),
            Column::new("period".into(), text(|r| &r.period)),
            Column::new("level".into(), text(|r| &r.level)),
            Column::new("code".into(), text(|r| &r.code)),
            Column::new("name".into(), text(|r| &r.name)),
            Column::new(
                "parent_code".into(),
                h.rows
                    .iter()
                    .map(|r| r.parent_code.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new("value".into(), nums(|r| r.value)),
            Column::new("num".into(), nums(|r| r.num)),
            Column::new("den".into(), nums(|r| r.den)),
        ],
    )?;
    let plain = |k: &str, kind: Kind| Col::plain(k, k, kind, "");
    Ok(Table {
        def: TableDef {
            id: crate::schema::tables::HISTORY_TABLE.into(),
            file: crate::schema::tables::HISTORY_TABLE.into(),
            title: String::new(),
            sheet: SHEET.into(),
            levels: None,
            by: None,
            compare: false,
            form: None,
            detail: None,
            cols: vec![
                plain("indicator", Kind::Text),
                plain("table", Kind::Text),
                plain("period", Kind::Text),
                plain("level", Kind::Level),
                plain("code", Kind::Code),
                plain("name", Kind::Name),
                plain("parent_code", Kind::Parent),
                plain("value", Kind::Rate),
                plain("num", Kind::Rate),
                plain("den", Kind::Rate),
            ],
        },
        df,
    })
}

fn xerr(e: rust_xlsxwriter::XlsxError) -> anyhow::Error {
    anyhow::anyhow!("趋势: {e}")
}

/// The 趋势 sheet: a block per indicator, each with a native chart of the
/// root's series beside it reading its cells.
pub fn sheet(wb: &mut Workbook, h: &History, defs: &[&TableDef]) -> Result<()> {
    let ws = wb.add_worksheet();
    ws.set_name(SHEET).map_err(xerr)?;
    let border = Format::new().set_border(FormatBorder::Thin);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#D9E1F2")
        .set_align(FormatAlign::Center);
    let rate = border
        .clone()
        .set_num_format("0.00%")
        .set_align(FormatAlign::Right);
    let count = border
        .clone()
        .set_num_format("#,##0.##")
        .set_align(FormatAlign::Right);
    let blank = border.clone().set_align(FormatAlign::Right);
    ws.write_string_with_format(
        0,
        0,
        format!("{}主要指标趋势表（{}）", h.scope.name, span(h)),
        &Format::new().set_bold().set_font_size(14),
    )
    .map_err(xerr)?;
    let periods = h.periods.len() as u16;
    let mut row = 2u32;
    let mut charts: Vec<(u32, Chart)> = Vec::new();
    for b in blocks(h, defs) {
        ws.write_string_with_format(row, 0, &b.header, &Format::new().set_bold())
            .map_err(xerr)?;
        ws.write_string_with_format(row + 1, 0, "单位", &head)
            .map_err(xerr)?;
        for (j, p) in h.periods.iter().enumerate() {
            ws.write_string_with_format(row + 1, 1 + j as u16, p, &head)
                .map_err(xerr)?;
        }
        let first = row + 2;
        for (i, (r, v)) in b.orgs.iter().enumerate() {
            let at = first + i as u32;
            let indent = if r.parent_code.is_some() { 1 } else { 0 };
            ws.write_string_with_format(at, 0, &r.name, &border.clone().set_indent(indent))
                .map_err(xerr)?;
            for (j, x) in v.iter().enumerate() {
                let c = 1 + j as u16;
                match x {
                    Some(x) => ws
                        .write_number_with_format(at, c, *x, if b.rate { &rate } else { &count })
                        .map_err(xerr)?,
                    None => ws
                        .write_string_with_format(at, c, "—", &blank)
                        .map_err(xerr)?,
                };
            }
        }
        // The root's series: gaps stay gaps.
        let mut ch = Chart::new(if b.rate {
            ChartType::Line
        } else {
            ChartType::Column
        });
        ch.title()
            .set_name(&format!("{}（{}）", b.header, h.scope.name));
        ch.add_series()
            .set_categories((SHEET, row + 1, 1, row + 1, periods))
            .set_values((SHEET, first, 1, first, periods))
            .set_name(&h.scope.name);
        ch.show_empty_cells_as(ChartEmptyCells::Gaps);
        // From zero: a small change does not look like a collapse.
        if b.rate {
            ch.y_axis().set_num_format("0%").set_min(0.0).set_max(1.0);
        } else {
            ch.y_axis().set_min(0.0);
        }
        ch.legend().set_hidden();
        ch.set_width(480).set_height(220);
        charts.push((row, ch));
        row = first + b.orgs.len() as u32 + 1;
        // Room for the chart beside a short block.
        row = row.max(charts.last().map_or(0, |c| c.0) + 12);
    }
    let notes = footnotes(h, Lang::Zh);
    for n in &notes {
        ws.write_string(row, 0, n).map_err(xerr)?;
        row += 1;
    }
    ws.set_column_width(0, 18).map_err(xerr)?;
    for j in 1..=periods {
        ws.set_column_width(j, 11).map_err(xerr)?;
    }
    let chart_col = periods + 2;
    for (r, ch) in &charts {
        ws.insert_chart(*r, chart_col, ch).map_err(xerr)?;
    }
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}
