//! report.xlsx: one sheet per table laid out as an official form, the
//! 未纳入汇总 and 说明 sheets, and hidden `_meta`/`_data_*` sheets that a
//! roll-up reads back (forms.md §4.6).

use anyhow::Result;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};
use std::collections::HashMap;

use super::tables::{val, Val};
use crate::aggregate::columns::Kind;
use crate::aggregate::tree::level_zh;
use crate::aggregate::{Aggregation, Table};
use crate::read::report::{BASE_SHEET, CATEGORY_SHEET, FORMAT_TAG, META_SHEET};

struct Styles {
    title: Format,
    sub: Format,
    sub_right: Format,
    header: Format,
    text: Format,
    count: Format,
    hours: Format,
    rate: Format,
    dash: Format,
    footer: Format,
}

impl Styles {
    fn new() -> Styles {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_font_size(10);
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
            text: cell.clone(),
            count: cell.clone().set_num_format("#,##0"),
            hours: cell.clone().set_num_format("#,##0.00"),
            rate: cell.clone().set_num_format("0.00%"),
            dash: cell.set_align(FormatAlign::Center),
            footer: Format::new().set_font_size(10),
        }
    }
}

/// Display width of a text: CJK characters take two columns.
fn width(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x2E80 { 1.0 } else { 2.0 })
        .sum()
}

fn sheet_error(e: rust_xlsxwriter::XlsxError) -> anyhow::Error {
    anyhow::anyhow!("cannot write the report workbook: {e}")
}

/// Depth of each row (from parent codes; rows come parents first) and
/// whether it has children (a total row).
fn shape(t: &Table) -> (Vec<usize>, Vec<bool>) {
    let codes: Vec<Val> = (0..t.df.height())
        .map(|i| {
            t.df.column("code")
                .ok()
                .and_then(|c| c.get(i).ok())
                .map(val)
                .unwrap_or(Val::Null)
        })
        .collect();
    let parents: Vec<Val> = (0..t.df.height())
        .map(|i| {
            t.df.column("parent_code")
                .ok()
                .and_then(|c| c.get(i).ok())
                .map(val)
                .unwrap_or(Val::Null)
        })
        .collect();
    let mut depth_of: HashMap<String, usize> = HashMap::new();
    let mut depths = Vec::new();
    for (c, p) in codes.iter().zip(&parents) {
        let d = match p {
            Val::Str(p) => depth_of.get(p).map(|d| d + 1).unwrap_or(0),
            _ => 0,
        };
        if let Val::Str(c) = c {
            depth_of.entry(c.clone()).or_insert(d);
        }
        depths.push(d);
    }
    let totals = codes
        .iter()
        .map(|c| matches!(c, Val::Str(c) if parents.iter().any(|p| matches!(p, Val::Str(p) if p == c))))
        .collect();
    (depths, totals)
}

fn form_sheet(ws: &mut Worksheet, t: &Table, agg: &Aggregation, st: &Styles) -> Result<()> {
    let scope = &agg.scope.name;
    let period = agg.period.display_zh();
    let ncols = t.def.cols.len() as u16;
    ws.set_name(t.def.sheet).map_err(sheet_error)?;
    ws.merge_range(
        0,
        0,
        0,
        ncols.saturating_sub(1),
        &format!("{scope}{period}{}", t.def.title),
        &st.title,
    )
    .map_err(sheet_error)?;
    ws.set_row_height(0, 30).map_err(sheet_error)?;
    ws.write_string_with_format(1, 0, format!("填报单位：{scope}"), &st.sub)
        .map_err(sheet_error)?;
    ws.write_string_with_format(
        1,
        ncols.saturating_sub(1),
        format!("报告期：{period}"),
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
    let columns: Vec<(Kind, Option<&polars::prelude::Column>)> = t
        .def
        .cols
        .iter()
        .map(|c| (c.kind, t.df.column(&c.key).ok()))
        .collect();
    for i in 0..t.df.height() {
        let r = 3 + i as u32;
        let bold = totals[i];
        for (j, (kind, col)) in columns.iter().enumerate() {
            let v = col
                .and_then(|c| c.get(i).ok())
                .map(val)
                .unwrap_or(Val::Null);
            let j16 = j as u16;
            let pick = |f: &Format| {
                if bold {
                    f.clone().set_bold()
                } else {
                    f.clone()
                }
            };
            match (kind, v) {
                (Kind::Level, Val::Str(s)) => {
                    ws.write_string_with_format(r, j16, level_zh(&s), &pick(&st.text))
                        .map_err(sheet_error)?;
                }
                (Kind::Name, Val::Str(s)) => {
                    let f = pick(&st.text).set_indent(depths[i].min(15) as u8);
                    widths[j] = widths[j].max(width(&s) + 2.0 * depths[i] as f64 + 1.0);
                    ws.write_string_with_format(r, j16, &s, &f)
                        .map_err(sheet_error)?;
                }
                (Kind::Rate, Val::Num(x)) => {
                    ws.write_number_with_format(r, j16, x, &pick(&st.rate))
                        .map_err(sheet_error)?;
                }
                (Kind::Rate, _) => {
                    ws.write_string_with_format(r, j16, "—", &pick(&st.dash))
                        .map_err(sheet_error)?;
                }
                (Kind::Hours, Val::Num(x)) => {
                    ws.write_number_with_format(r, j16, x, &pick(&st.hours))
                        .map_err(sheet_error)?;
                }
                (_, Val::Int(n)) => {
                    ws.write_number_with_format(r, j16, n as f64, &pick(&st.count))
                        .map_err(sheet_error)?;
                }
                (_, Val::Num(x)) => {
                    ws.write_number_with_format(r, j16, x, &pick(&st.count))
                        .map_err(sheet_error)?;
                }
                (_, Val::Str(s)) => {
                    widths[j] = widths[j].max(width(&s).min(40.0) + 1.0);
                    ws.write_string_with_format(r, j16, &s, &pick(&st.text))
                        .map_err(sheet_error)?;
                }
                (Kind::Count | Kind::Part | Kind::Hours, Val::Null) => {
                    ws.write_string_with_format(r, j16, "—", &pick(&st.dash))
                        .map_err(sheet_error)?;
                }
                (_, Val::Null) => {
                    ws.write_blank(r, j16, &pick(&st.text))
                        .map_err(sheet_error)?;
                }
            }
        }
    }
    for (j, w) in widths.iter().enumerate() {
        ws.set_column_width(j as u16, (w + 2.0).min(50.0))
            .map_err(sheet_error)?;
    }
    let foot = 3 + t.df.height() as u32 + 1;
    let step = (ncols / 4).max(1);
    for (k, label) in ["填表人：", "审核人：", "负责人：", "报出日期："]
        .iter()
        .enumerate()
    {
        let c = (k as u16 * step).min(ncols.saturating_sub(1));
        ws.write_string_with_format(foot, c, *label, &st.footer)
            .map_err(sheet_error)?;
    }
    ws.set_freeze_panes(3, 3).map_err(sheet_error)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 2).map_err(sheet_error)?;
    Ok(())
}

fn data_sheet(ws: &mut Worksheet, name: &str, t: &Table) -> Result<()> {
    ws.set_name(name).map_err(sheet_error)?;
    // Row by row: the sheet is written in constant-memory mode.
    for (j, c) in t.def.cols.iter().enumerate() {
        ws.write_string(0, j as u16, &c.key).map_err(sheet_error)?;
    }
    let cols: Vec<Option<&polars::prelude::Column>> = t
        .def
        .cols
        .iter()
        .map(|c| t.df.column(&c.key).ok())
        .collect();
    for i in 0..t.df.height() {
        let r = 1 + i as u32;
        for (j, col) in cols.iter().enumerate() {
            let Some(col) = col else { continue };
            match col.get(i).map(val).unwrap_or(Val::Null) {
                Val::Null => {}
                Val::Int(n) => {
                    ws.write_number(r, j as u16, n as f64)
                        .map_err(sheet_error)?;
                }
                Val::Num(x) => {
                    ws.write_number(r, j as u16, x).map_err(sheet_error)?;
                }
                Val::Str(s) => {
                    ws.write_string(r, j as u16, &s).map_err(sheet_error)?;
                }
            }
        }
    }
    ws.set_hidden(true);
    Ok(())
}

pub fn workbook_bytes(
    agg: &Aggregation,
    extra_notes: &[(String, String, String)],
) -> Result<Vec<u8>> {
    let st = Styles::new();
    let mut wb = Workbook::new();
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

    let forms: Vec<&Table> = agg
        .tables
        .iter()
        .filter(|t| !t.def.title.is_empty())
        .collect();
    // Large sheets are written row by row in constant-memory mode, so the
    // workbook's peak memory does not grow with the number of organisations.
    for t in &forms {
        let ws = wb
            .add_worksheet_with_constant_memory()
            .map_err(sheet_error)?;
        form_sheet(ws, t, agg, &st)?;
    }
    super::charts::sheet(&mut wb, agg)?;
    excluded_sheet(wb.add_worksheet(), agg, &st)?;
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
    for t in &agg.tables {
        let name = match t.def.id {
            "base" => BASE_SHEET.to_string(),
            "categories" => CATEGORY_SHEET.to_string(),
            id => format!("_data_{id}"),
        };
        data_sheet(
            wb.add_worksheet_with_constant_memory()
                .map_err(sheet_error)?,
            &name,
            t,
        )?;
    }
    wb.worksheets_mut()[0].set_active(true);
    let bytes = wb.save_to_buffer().map_err(sheet_error)?;
    Ok(bytes)
}

fn excluded_sheet(ws: &mut Worksheet, agg: &Aggregation, st: &Styles) -> Result<()> {
    ws.set_name("未纳入汇总").map_err(sheet_error)?;
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
    if agg.excluded.is_empty() {
        ws.write_string_with_format(2, 0, "（无：全部报表均已纳入汇总）", &st.text)
            .map_err(sheet_error)?;
    }
    for (i, e) in agg.excluded.iter().enumerate() {
        let r = 2 + i as u32;
        ws.write_string_with_format(r, 0, &e.file, &st.text)
            .map_err(sheet_error)?;
        ws.write_string_with_format(r, 1, e.org_code.as_deref().unwrap_or(""), &st.text)
            .map_err(sheet_error)?;
        ws.write_string_with_format(r, 2, e.name.as_deref().unwrap_or(""), &st.text)
            .map_err(sheet_error)?;
        ws.write_number_with_format(r, 3, e.errors as f64, &st.count)
            .map_err(sheet_error)?;
        ws.write_string_with_format(r, 4, e.reasons.join("\n"), &st.text.clone().set_text_wrap())
            .map_err(sheet_error)?;
        widths[0] = f64::max(widths[0], width(&e.file) + 2.0);
    }
    for (j, w) in widths.iter().enumerate() {
        ws.set_column_width(j as u16, w.min(60.0))
            .map_err(sheet_error)?;
    }
    ws.set_freeze_panes(2, 0).map_err(sheet_error)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    Ok(())
}

fn notes_sheet(
    ws: &mut Worksheet,
    agg: &Aggregation,
    st: &Styles,
    extra: &[(String, String, String)],
) -> Result<()> {
    ws.set_name("说明").map_err(sheet_error)?;
    ws.merge_range(0, 0, 0, 3, "指标说明", &st.title)
        .map_err(sheet_error)?;
    let mut r = 1;
    let notes = [
        format!("汇总范围：{}（{}），报告期：{}。", agg.scope.name, agg.scope.code, agg.period.display_zh()),
        "各级合计行等于下级各行之和加本级自身数据；比率按本行汇总后的分子、分母重新计算，不取下级比率的平均。".to_string(),
        "分母为 0 的比率显示为“—”。只有通过审核、纳入汇总的报表参与计算；未报送或未纳入汇总的单位仍保留其行。".to_string(),
        format!("本表由 pbstat {} 生成。", env!("CARGO_PKG_VERSION")),
    ];
    for n in notes {
        ws.write_string(r, 0, n).map_err(sheet_error)?;
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
                &st.text,
            )
            .map_err(sheet_error)?;
            ws.write_string_with_format(r, 1, &c.header, &st.text)
                .map_err(sheet_error)?;
            ws.write_string_with_format(r, 2, &c.key, &st.text)
                .map_err(sheet_error)?;
            ws.write_string_with_format(r, 3, &c.def, &st.text)
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
            ws.write_string_with_format(r, 0, a, &st.text)
                .map_err(sheet_error)?;
            ws.write_string_with_format(r, 1, b, &st.text)
                .map_err(sheet_error)?;
            ws.write_string_with_format(r, 2, c, &st.text)
                .map_err(sheet_error)?;
            r += 1;
        }
    }
    for (j, w) in [26.0, 18.0, 26.0, 70.0].iter().enumerate() {
        ws.set_column_width(j as u16, *w).map_err(sheet_error)?;
    }
    Ok(())
}
