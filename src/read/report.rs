//! Report workbooks read back (forms.md §4.6): a county's report.xlsx
//! identifies itself in its hidden `_meta` sheet, and its `_data_base` sheet
//! holds every row's base counts, so a city can aggregate its counties the
//! way a county aggregates its communities (逐级汇总).

use std::collections::BTreeMap;

use super::cell::{parse_number, text_of};
use super::{Sheet, Workbook};
use crate::period::Period;

pub const META_SHEET: &str = "_meta";
pub const BASE_SHEET: &str = "_data_base";
/// Hidden sheets `_data_<breakdown>` hold a table-with-`by`'s counts per
/// organisation and breakdown value.
pub const DATA_PREFIX: &str = "_data_";
/// Hidden sheets `_rows_<table>` hold a detail table's rows (T6b), listed
/// again, not summed, when counties are aggregated.
pub const ROWS_PREFIX: &str = "_rows_";
pub const FORMAT_TAG: &str = "pbstat-report";

#[derive(Debug, Clone)]
pub struct ReportInput {
    pub level: String,
    pub code: String,
    pub name: String,
    pub period: Option<Period>,
    /// The root row's base counts, by key (a key the sheet lacks is 0).
    pub base: BTreeMap<String, f64>,
    /// Per breakdown, value and measure: the root's counts.
    pub breakdowns: BTreeMap<String, BTreeMap<String, BTreeMap<String, f64>>>,
    /// Where the period stands in `_meta` (row, col), for diagnostics.
    pub period_at: (u32, u32),
    /// Per detail table: its rows, each a column key → the cell as text
    /// (blank cells absent).
    pub rows: BTreeMap<String, Vec<BTreeMap<String, String>>>,
}

pub fn is_report(wb: &Workbook) -> bool {
    wb.sheets.iter().any(|s| {
        s.name == META_SHEET && meta_value(s, "format").map(|v| v.0) == Some(FORMAT_TAG.into())
    })
}

fn meta_value(s: &Sheet, key: &str) -> Option<(String, u32)> {
    (s.start_row()..s.end_row()).find_map(|r| {
        (text_of(s.get(r, 0)).as_deref() == Some(key))
            .then(|| (text_of(s.get(r, 1)).unwrap_or_default(), r))
    })
}

/// A cell of a `_rows_` sheet as written: a text kept whole (a 网格党组织 of
/// 无 is that value, not a blank), a number as its digits.
fn raw_text(d: &calamine::Data) -> Option<String> {
    match d {
        calamine::Data::String(s) if !s.is_empty() => Some(s.clone()),
        calamine::Data::String(_) | calamine::Data::Empty => None,
        other => text_of(other),
    }
}

/// Read the root row of a report workbook; an error names what is missing.
pub fn read(wb: &Workbook) -> Result<ReportInput, String> {
    let meta = wb
        .sheets
        .iter()
        .find(|s| s.name == META_SHEET)
        .ok_or("no _meta sheet")?;
    let get = |k: &str| {
        meta_value(meta, k)
            .map(|v| v.0)
            .ok_or_else(|| format!("_meta has no {k}"))
    };
    let (period_text, prow) = meta_value(meta, "period").ok_or("_meta has no period")?;
    let code = get("code")?;
    let base_sheet = wb
        .sheets
        .iter()
        .find(|s| s.name == BASE_SHEET)
        .ok_or("no _data_base sheet")?;
    let header_row = base_sheet.start_row();
    let headers: Vec<String> = (0..base_sheet.end_col())
        .map(|c| text_of(base_sheet.get(header_row, c)).unwrap_or_default())
        .collect();
    let col_of = |k: &str| headers.iter().position(|h| h == k).map(|c| c as u32);
    let code_col = col_of("code").ok_or("_data_base has no code column")?;
    let root_row = (header_row + 1..base_sheet.end_row())
        .find(|&r| text_of(base_sheet.get(r, code_col)).as_deref() == Some(code.as_str()))
        .ok_or("_data_base has no row for the scope code")?;
    let skip = ["code", "parent_code", "level", "name"];
    let base = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.is_empty() && !skip.contains(&h.as_str()))
        .map(|(c, h)| {
            let v = parse_number(base_sheet.get(root_row, c as u32))
                .ok()
                .flatten()
                .map(|n| n.value)
                .unwrap_or(0.0);
            (h.clone(), v)
        })
        .collect();
    // Each breakdown sheet: code, the value, then its measures.
    let mut breakdowns = BTreeMap::new();
    for cs in wb
        .sheets
        .iter()
        .filter(|s| s.name.starts_with(DATA_PREFIX) && s.name != BASE_SHEET)
    {
        let key = cs.name[DATA_PREFIX.len()..].to_string();
        let hr = cs.start_row();
        let h: Vec<String> = (0..cs.end_col())
            .map(|c| text_of(cs.get(hr, c)).unwrap_or_default())
            .collect();
        if h.first().map(String::as_str) != Some("code") || h.len() < 2 {
            continue;
        }
        let mut values: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        for r in hr + 1..cs.end_row() {
            if text_of(cs.get(r, 0)).as_deref() != Some(code.as_str()) {
                continue;
            }
            let Some(name) = text_of(cs.get(r, 1)) else {
                continue;
            };
            let v = h
                .iter()
                .enumerate()
                .skip(2)
                .filter(|(_, k)| !k.is_empty())
                .map(|(c, k)| {
                    let x = parse_number(cs.get(r, c as u32))
                        .ok()
                        .flatten()
                        .map(|n| n.value)
                        .unwrap_or(0.0);
                    (k.clone(), x)
                })
                .collect();
            values.insert(name, v);
        }
        breakdowns.insert(key, values);
    }
    let mut rows = BTreeMap::new();
    for rs in wb.sheets.iter().filter(|s| s.name.starts_with(ROWS_PREFIX)) {
        let hr = rs.start_row();
        let h: Vec<String> = (0..rs.end_col())
            .map(|c| text_of(rs.get(hr, c)).unwrap_or_default())
            .collect();
        let list: Vec<BTreeMap<String, String>> = (hr + 1..rs.end_row())
            .map(|r| {
                h.iter()
                    .enumerate()
                    .filter(|(_, k)| !k.is_empty())
                    .filter_map(|(c, k)| Some((k.clone(), raw_text(rs.get(r, c as u32))?)))
                    .collect::<BTreeMap<String, String>>()
            })
            .filter(|m| !m.is_empty())
            .collect();
        rows.insert(rs.name[ROWS_PREFIX.len()..].to_string(), list);
    }
    Ok(ReportInput {
        rows,
        level: get("level")?,
        name: get("name").unwrap_or_else(|_| code.clone()),
        code,
        period: Period::parse(&period_text),
        base,
        breakdowns,
        period_at: (prow, 1),
    })
}

/// The hidden file every output folder pbstat writes carries: only a folder
/// with it (or an earlier pbstat's summary.json or diagnostics.json) may be
/// replaced by `aggregate -o`, and a folder search reads such a folder as
/// an output, never file by file.
pub const OUTPUT_MARKER: &str = ".pbstat-output";

/// Whether `dir` is an output folder written by pbstat.
pub fn is_output_dir(dir: &std::path::Path) -> bool {
    if dir.join(OUTPUT_MARKER).is_file() {
        return true;
    }
    // Outputs of versions before the marker: their own JSON files.
    let head = |name: &str| -> Option<String> {
        use std::io::Read;
        let mut buf = vec![0u8; 4096];
        let mut f = std::fs::File::open(dir.join(name)).ok()?;
        let n = f.read(&mut buf).ok()?;
        Some(String::from_utf8_lossy(&buf[..n]).into_owned())
    };
    if let Some(s) = std::fs::read_to_string(dir.join("summary.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
    {
        return s["generated_by"]["name"] == "pbstat";
    }
    head("diagnostics.json").is_some_and(|h| h.starts_with("{\n  \"diagnostics\": ["))
}
