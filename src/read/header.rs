//! Finding a ledger's header row(s) and mapping columns to schema fields
//! (forms.md §6).
//!
//! How it decides:
//! 1. Among the first 30 rows, the first row in which at least two cells
//!    match distinct schema fields (after normalisation) is the anchor.
//!    Title rows, 填报单位 lines and blank rows never match a header, so they
//!    fall away by themselves.
//! 2. The header block grows down (and at most two rows up) over rows that
//!    hold only text, as long as doing so lets more fields match: that is
//!    how a merged group header (出席情况 over 应到人数 | 实到人数) is read.
//! 3. Each column is read bottom-up: its lowest header cell names it; only
//!    where that is unknown are the group and sub-header joined (本期 +
//!    服务次数 → 本期服务次数). Merged header cells count in every column
//!    they span.
//! 4. A row of column numbers right below the header (1 2 3 …, 甲 乙 丙) is
//!    skipped as a 栏次 row.

use calamine::Data;
use std::borrow::Cow;

use super::cell::{is_blank, parse_date, parse_number, text_of, text_ref};
use super::Sheet;
use crate::schema::{HeaderMatch, Schema};
use crate::text::normalize_header;

/// Rows searched for a header.
pub const HEADER_SEARCH_ROWS: u32 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    Field(usize),
    /// 序号, 备注: known to every ledger and ignored.
    Ignored,
    /// The submitter's code in a CSV ledger (forms.md §4.7).
    OrgCode,
    /// A header the schema does not know (the text as written).
    Unknown(String),
}

#[derive(Debug, Clone)]
pub struct Column {
    pub col: u32,
    pub kind: ColumnKind,
    /// Row of the header cell that named the column (for diagnostics).
    pub header_row: u32,
}

#[derive(Debug, Clone)]
pub struct HeaderLayout {
    /// First header row (a group header above the named row, when there is one).
    #[allow(dead_code)]
    pub top: u32,
    pub bottom: u32,
    /// First row of data (below the header and any 栏次 row).
    pub data_start: u32,
    pub columns: Vec<Column>,
    /// Distinct fields matched.
    pub score: usize,
}

impl HeaderLayout {
    pub fn column_of(&self, field: usize) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.kind == ColumnKind::Field(field))
    }
}

/// Texts that name the submitter column of a CSV ledger.
const ORG_COLUMN: &[&str] = &["单位代码", "填报单位代码"];

struct Matcher<'a> {
    schema: &'a Schema,
    csv_org: bool,
}

impl Matcher<'_> {
    fn kind(&self, text: &str) -> Option<ColumnKind> {
        self.kind_norm(&normalize_header(text))
    }

    /// The kind of a header already normalised.
    fn kind_norm(&self, n: &str) -> Option<ColumnKind> {
        // ORG_COLUMN is written in normalised form.
        if self.csv_org && ORG_COLUMN.contains(&n) {
            return Some(ColumnKind::OrgCode);
        }
        match self.schema.match_normalized(n)? {
            HeaderMatch::Field(i) => Some(ColumnKind::Field(i)),
            HeaderMatch::Ignored => Some(ColumnKind::Ignored),
        }
    }
}

/// A header-like cell: text that is not a number or a date.
fn header_text(d: &Data) -> Option<String> {
    match d {
        Data::String(_) => {
            let t = text_ref(d)?;
            // Numbers and dates need a digit (full-width ones fold to digits).
            let digits = t
                .chars()
                .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
            if digits
                && (parse_number(d).ok().flatten().is_some()
                    || parse_date(d).ok().flatten().is_some())
            {
                return None;
            }
            Some(t.into_owned())
        }
        _ => None,
    }
}

/// A header-like cell's text as written and as compared.
#[derive(Debug, Clone)]
pub struct HeaderCell {
    pub raw: String,
    pub norm: String,
}

/// The header-like cells of the rows a header may occupy, each row
/// computed once per sheet when first looked at.
#[derive(Debug, Default)]
pub struct HeaderCells {
    rows: Vec<std::sync::OnceLock<Vec<Option<HeaderCell>>>>,
}

/// Rows a header block may reach: the search rows and three more below.
const CACHED_ROWS: u32 = HEADER_SEARCH_ROWS + 4;

/// The header-like text at a cell (cached for the rows a header may hold).
fn header_at(sheet: &Sheet, r: u32, c: u32) -> Option<Cow<'_, HeaderCell>> {
    let hc = sheet.header_cells.get_or_init(|| HeaderCells {
        rows: (0..sheet.end_row().min(CACHED_ROWS))
            .map(|_| Default::default())
            .collect(),
    });
    if let Some(row) = hc.rows.get(r as usize) {
        let row = row.get_or_init(|| {
            (0..sheet.end_col())
                .map(|c| {
                    header_text(sheet.get(r, c)).map(|raw| HeaderCell {
                        norm: normalize_header(&raw),
                        raw,
                    })
                })
                .collect()
        });
        return row.get(c as usize)?.as_ref().map(Cow::Borrowed);
    }
    header_text(sheet.get(r, c)).map(|raw| {
        Cow::Owned(HeaderCell {
            norm: normalize_header(&raw),
            raw,
        })
    })
}

fn row_is_header_like(sheet: &Sheet, r: u32) -> bool {
    let mut any = false;
    for c in 0..sheet.end_col() {
        if is_blank(sheet.get(r, c)) {
            continue;
        }
        if header_at(sheet, r, c).is_none() {
            return false;
        }
        any = true;
    }
    any
}

/// The text a header cell shows, with merged regions filling every cell they span.
fn header_cell(sheet: &Sheet, r: u32, c: u32, top: u32) -> Option<Cow<'_, HeaderCell>> {
    if let Some(t) = header_at(sheet, r, c) {
        return Some(t);
    }
    if let Some(m) = sheet.merge_at(r, c) {
        if m.start.0 >= top {
            return header_at(sheet, m.start.0, m.start.1);
        }
        return None;
    }
    None
}

fn map_block(sheet: &Sheet, m: &Matcher, top: u32, bottom: u32) -> (Vec<Column>, usize) {
    let width = sheet.end_col();
    // Without merge information (CSV, ods), a group header written once over
    // blank cells to its right still covers the columns whose lower cells
    // are filled.
    let fill_right = sheet.merges.is_empty();
    let mut grid: Vec<Vec<Option<Cow<HeaderCell>>>> = Vec::new();
    for r in top..=bottom {
        let mut row: Vec<Option<Cow<HeaderCell>>> =
            (0..width).map(|c| header_cell(sheet, r, c, top)).collect();
        if fill_right && r < bottom {
            for c in 1..width as usize {
                let below_filled =
                    ((r + 1)..=bottom).any(|rr| header_at(sheet, rr, c as u32).is_some());
                if row[c].is_none() && below_filled {
                    row[c] = row[c - 1].clone();
                }
            }
        }
        grid.push(row);
    }
    let mut cols = Vec::new();
    let mut fields = std::collections::BTreeSet::new();
    for c in 0..width {
        // Identical texts stacked by a vertical merge count once.
        let mut texts: Vec<(u32, &HeaderCell)> = Vec::new();
        for (i, row) in grid.iter().enumerate() {
            if let Some(t) = row[c as usize].as_deref() {
                if texts.last().map(|(_, l)| &l.raw) != Some(&t.raw) {
                    texts.push((top + i as u32, t));
                }
            }
        }
        let Some(&(low_row, lowest)) = texts.last() else {
            continue;
        };
        let mut kind = m.kind_norm(&lowest.norm);
        if kind.is_none() && texts.len() > 1 {
            let joined_last2 = format!("{}{}", texts[texts.len() - 2].1.raw, lowest.raw);
            let joined_all: String = texts.iter().map(|(_, t)| t.raw.as_str()).collect();
            kind = m.kind(&joined_last2).or_else(|| m.kind(&joined_all));
        }
        let kind = kind.unwrap_or_else(|| ColumnKind::Unknown(lowest.raw.clone()));
        if let ColumnKind::Field(i) = kind {
            fields.insert(i);
        }
        cols.push(Column {
            col: c,
            kind,
            header_row: low_row,
        });
    }
    let n = fields.len();
    (cols, n)
}

fn direct_score(sheet: &Sheet, m: &Matcher, r: u32) -> usize {
    let mut seen = std::collections::BTreeSet::new();
    for c in 0..sheet.end_col() {
        if let Some(t) = header_at(sheet, r, c) {
            if let Some(ColumnKind::Field(i)) = m.kind_norm(&t.norm) {
                seen.insert(i);
            }
        }
    }
    seen.len()
}

/// Find the header block of a sheet for a schema; None when no row of the
/// first 30 matches.
pub fn detect(sheet: &Sheet, schema: &Schema, csv_org: bool) -> Option<HeaderLayout> {
    let m = Matcher { schema, csv_org };
    let need = 2.min(schema.fields.len());
    let last = sheet.end_row().min(HEADER_SEARCH_ROWS);
    let anchor = (sheet.start_row()..last).find(|&r| direct_score(sheet, &m, r) >= need)?;
    let (mut top, mut bottom) = (anchor, anchor);
    let (mut cols, mut score) = map_block(sheet, &m, top, bottom);
    while bottom + 1 < sheet.end_row()
        && bottom + 1 < anchor + 4
        && row_is_header_like(sheet, bottom + 1)
    {
        let (c2, s2) = map_block(sheet, &m, top, bottom + 1);
        if s2 <= score {
            break;
        }
        bottom += 1;
        cols = c2;
        score = s2;
    }
    while top > 0 && top + 2 > anchor && row_is_header_like(sheet, top - 1) {
        let (c2, s2) = map_block(sheet, &m, top - 1, bottom);
        if s2 <= score {
            break;
        }
        top -= 1;
        cols = c2;
        score = s2;
    }
    let mut data_start = bottom + 1;
    if is_column_number_row(sheet, data_start) {
        data_start += 1;
    }
    Some(HeaderLayout {
        top,
        bottom,
        data_start,
        columns: cols,
        score,
    })
}

/// 栏次 rows: 1 2 3 … or 甲 乙 丙 … under the header of official forms.
fn is_column_number_row(sheet: &Sheet, r: u32) -> bool {
    let cells: Vec<String> = (0..sheet.end_col())
        .filter_map(|c| text_of(sheet.get(r, c)))
        .collect();
    if cells.len() < 3 {
        return false;
    }
    let marks = ["甲", "乙", "丙", "丁", "戊"];
    let mut expect = 1;
    for t in &cells {
        if marks.contains(&t.as_str()) || t == "栏次" {
            continue;
        }
        if t.parse::<u32>().ok() != Some(expect) {
            return false;
        }
        expect += 1;
    }
    expect > 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(normalize_header(" 服务时长（小时） "), "服务时长");
        assert_eq!(normalize_header("*身份证号"), "身份证号");
        assert_eq!(normalize_header("身份\n证号"), "身份证号");
        assert_eq!(normalize_header("应到\u{3000}人数"), "应到人数");
        assert_eq!(normalize_header("单位名称："), "单位名称");
        assert_eq!(normalize_header("Roster"), "roster");
        assert_eq!(normalize_header("服务时长(小时)*"), "服务时长");
        assert_eq!(normalize_header("(空)"), "(空)");
    }
}
