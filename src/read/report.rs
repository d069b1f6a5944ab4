//! Report workbooks read back (forms.md §4.6): a county's report.xlsx
//! identifies itself in its hidden `_meta` sheet, and its `_data_base` sheet
//! holds every row's base counts, so a city can aggregate its counties the
//! way a county aggregates its communities (逐级汇总).

use std::collections::BTreeMap;

use super::cell::{parse_number, text_of};
use super::{Sheet, Workbook};
use crate::period::Period;
use crate::schema::columns::BASE;

pub const META_SHEET: &str = "_meta";
pub const BASE_SHEET: &str = "_data_base";
pub const CATEGORY_SHEET: &str = "_data_categories";
pub const FORMAT_TAG: &str = "pbstat-report";

#[derive(Debug, Clone)]
pub struct ReportInput {
    pub level: String,
    pub code: String,
    pub name: String,
    pub period: Option<Period>,
    /// The root row's base counts, in `BASE` order.
    pub base: Vec<f64>,
    pub categories: BTreeMap<String, [f64; 4]>,
    /// Where the period stands in `_meta` (row, col), for diagnostics.
    pub period_at: (u32, u32),
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
    let base = BASE
        .iter()
        .map(|(k, _)| {
            col_of(k)
                .and_then(|c| parse_number(base_sheet.get(root_row, c)).ok().flatten())
                .map(|n| n.value)
                .unwrap_or(0.0)
        })
        .collect();
    let mut categories = BTreeMap::new();
    if let Some(cs) = wb.sheets.iter().find(|s| s.name == CATEGORY_SHEET) {
        let hr = cs.start_row();
        let h: Vec<String> = (0..cs.end_col())
            .map(|c| text_of(cs.get(hr, c)).unwrap_or_default())
            .collect();
        let at = |k: &str| h.iter().position(|x| x == k).map(|c| c as u32);
        if let (Some(cc), Some(cat)) = (at("code"), at("category")) {
            for r in hr + 1..cs.end_row() {
                if text_of(cs.get(r, cc)).as_deref() != Some(code.as_str()) {
                    continue;
                }
                let Some(name) = text_of(cs.get(r, cat)) else {
                    continue;
                };
                let mut v = [0.0; 4];
                for (i, k) in ["received", "resolved", "rated", "satisfied_total"]
                    .iter()
                    .enumerate()
                {
                    v[i] = at(k)
                        .and_then(|c| parse_number(cs.get(r, c)).ok().flatten())
                        .map(|n| n.value)
                        .unwrap_or(0.0);
                }
                categories.insert(name, v);
            }
        }
    }
    Ok(ReportInput {
        level: get("level")?,
        name: get("name").unwrap_or_else(|_| code.clone()),
        code,
        period: Period::parse(&period_text),
        base,
        categories,
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
