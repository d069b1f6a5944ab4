//! A small builder for messy workbooks, shared by the integration tests and
//! the data-samples generator: every layout forms.md §6 allows can be
//! written with it (title rows, merged headers, numbers as text, serial
//! dates, formulas with cached values, error values, hidden sheets).
#![allow(dead_code)]

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook, Worksheet};
use std::path::Path;

/// One cell's content.
#[derive(Clone, Debug)]
pub enum V {
    /// Nothing written.
    E,
    S(String),
    N(f64),
    /// A date cell (date-formatted serial).
    D(u16, u8, u8),
    /// A formula with its cached result.
    F(String, String),
}

pub fn s(t: impl Into<String>) -> V {
    V::S(t.into())
}
pub fn n(x: impl Into<f64>) -> V {
    V::N(x.into())
}

impl From<&str> for V {
    fn from(t: &str) -> V {
        if t.is_empty() {
            V::E
        } else {
            V::S(t.to_string())
        }
    }
}
impl From<String> for V {
    fn from(t: String) -> V {
        V::from(t.as_str())
    }
}
impl From<i64> for V {
    fn from(x: i64) -> V {
        V::N(x as f64)
    }
}
impl From<i32> for V {
    fn from(x: i32) -> V {
        V::N(x as f64)
    }
}
impl From<f64> for V {
    fn from(x: f64) -> V {
        V::N(x)
    }
}

/// Build a row from mixed values: `row!["a", 1, n(2.5)]`.
#[macro_export]
macro_rules! row {
    ($($x:expr),* $(,)?) => { vec![$($crate::support::book::V::from($x)),*] };
}

#[derive(Clone, Debug, Default)]
pub struct SheetSpec {
    pub name: String,
    pub rows: Vec<Vec<V>>,
    /// (first_row, first_col, last_row, last_col), 0-based; the text is the
    /// first cell's.
    pub merges: Vec<(u32, u16, u32, u16)>,
    pub hidden: bool,
    /// Start writing at this 0-based row (earlier rows left blank).
    pub offset: u32,
}

impl SheetSpec {
    pub fn new(name: &str) -> SheetSpec {
        SheetSpec {
            name: name.to_string(),
            ..Default::default()
        }
    }
    pub fn rows(mut self, rows: Vec<Vec<V>>) -> Self {
        self.rows.extend(rows);
        self
    }
    pub fn row(mut self, r: Vec<V>) -> Self {
        self.rows.push(r);
        self
    }
    pub fn merge(mut self, r0: u32, c0: u16, r1: u32, c1: u16) -> Self {
        self.merges.push((r0, c0, r1, c1));
        self
    }
    pub fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }
}

fn write_cell(ws: &mut Worksheet, r: u32, c: u16, v: &V, date_fmt: &Format) {
    match v {
        V::E => {}
        V::S(t) => {
            ws.write_string(r, c, t).expect("write string");
        }
        V::N(x) => {
            ws.write_number(r, c, *x).expect("write number");
        }
        V::D(y, m, d) => {
            let dt = ExcelDateTime::from_ymd(*y, *m, *d).expect("valid date");
            ws.write_datetime_with_format(r, c, &dt, date_fmt)
                .expect("write date");
        }
        V::F(f, res) => {
            ws.write_formula(r, c, Formula::new(f).set_result(res))
                .expect("write formula");
        }
    }
}

pub fn write_book(path: &Path, sheets: &[SheetSpec]) {
    write_book_as(path, sheets, false)
}

/// `inline`: every string inline in its cell (`<is><t>`), rows streamed in
/// order, as xlsxwriter's constant-memory mode, Apache POI's SXSSF and
/// EasyExcel export them, instead of through the shared-string table.
pub fn write_book_as(path: &Path, sheets: &[SheetSpec], inline: bool) {
    let mut wb = Workbook::new();
    // A fixed creation time: the same book is the same bytes.
    let when = ExcelDateTime::from_ymd(2026, 1, 1).expect("valid date");
    wb.set_properties(&DocProperties::new().set_creation_datetime(&when));
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let plain = Format::new();
    for spec in sheets {
        let ws = if inline {
            wb.add_worksheet_with_constant_memory()
                .expect("a streamed sheet")
        } else {
            wb.add_worksheet()
        };
        ws.set_name(&spec.name).expect("sheet name");
        // A streamed row cannot be written again: each merge goes in as
        // soon as its first row is (its blanks below come before the next
        // row's cells, which stay in that row).
        let merge = |ws: &mut Worksheet, m: &(u32, u16, u32, u16)| {
            let &(r0, c0, r1, c1) = m;
            let text = match spec
                .rows
                .get((r0 - spec.offset) as usize)
                .and_then(|r| r.get(c0 as usize))
            {
                Some(V::S(t)) => t.clone(),
                _ => String::new(),
            };
            ws.merge_range(r0, c0, r1, c1, &text, &plain)
                .expect("merge");
        };
        for (i, row) in spec.rows.iter().enumerate() {
            let r = spec.offset + i as u32;
            for (c, v) in row.iter().enumerate() {
                write_cell(ws, r, c as u16, v, &date_fmt);
            }
            if inline {
                for m in spec.merges.iter().filter(|m| m.0 == r) {
                    assert!(m.2 <= r + 1, "a streamed merge spans at most two rows");
                    merge(ws, m);
                }
            }
        }
        for m in spec.merges.iter().filter(|_| !inline) {
            merge(ws, m);
        }
        if spec.hidden {
            ws.set_hidden(true);
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create dir");
    }
    wb.save(path).expect("save workbook");
}

// ---- ID numbers and credit codes that pass (or deliberately fail) their checks ----

pub fn id_check(first17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

/// A valid ID number: region, birth date (yyyymmdd), sequence 0–99, gender.
pub fn make_id(region: &str, birth: &str, seq: u32, male: bool) -> String {
    let g = (seq % 5) * 2 + if male { 1 } else { 0 };
    let first17 = format!("{region}{birth}{:02}{g}", seq % 100);
    format!("{first17}{}", id_check(&first17))
}

/// The same ID with its check character made wrong.
pub fn break_id(id: &str) -> String {
    let want = id.as_bytes()[17];
    let wrong = if want == b'0' { '1' } else { '0' };
    format!("{}{}", &id[..17], wrong)
}

pub fn uscc(first17: &str) -> String {
    const A: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: u32 = first17
        .chars()
        .zip(W)
        .map(|(c, w)| A.find(c).expect("alphabet") as u32 * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    format!(
        "{first17}{}",
        A.chars().nth(check as usize).expect("in range")
    )
}
