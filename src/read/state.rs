//! An earlier output's state/ (reports.md §5.5), read back by `--previous`:
//! state.json and the roster hashes of state/roster_ids.parquet.

use polars::prelude::*;
use std::path::Path;

use crate::summary::{IdHash, OwnRow, RosterPlace, RosterRow, RunState, StateDoc};

pub const DIR: &str = "state";
pub const DOC: &str = "state.json";
pub const ROSTERS: &str = "roster_ids.parquet";

/// The state of the output at `dir`; None when it has none (an output of
/// an earlier pbstat) or it cannot be read. A row whose hash is not 64 hex
/// digits is no row pbstat wrote: left out.
pub fn load(dir: &Path) -> Option<RunState> {
    let text = std::fs::read_to_string(dir.join(DIR).join(DOC)).ok()?;
    let doc: StateDoc = serde_json::from_str(&text).ok()?;
    let f = std::fs::File::open(dir.join(DIR).join(ROSTERS)).ok()?;
    let df = ParquetReader::new(f).finish().ok()?;
    Some(RunState {
        doc,
        rows: roster_rows(&df)?,
        own: false,
    })
}

fn roster_rows<'a>(df: &'a DataFrame) -> Option<Vec<RosterRow>> {
    use std::collections::HashMap;
    use std::sync::Arc;
    // Borrowed from the frame: a province's roster is millions of rows.
    let text_col = |name: &str| -> Option<Vec<Option<&'a str>>> {
        Some(df.column(name).ok()?.str().ok()?.iter().collect())
    };
    let (community, hash, ledger, period, file, sheet, cell) = (
        text_col("community_code")?,
        text_col("id_hash")?,
        text_col("ledger")?,
        text_col("period")?,
        text_col("file")?,
        text_col("sheet")?,
        text_col("cell")?,
    );
    let row: Vec<Option<u32>> = df
        .column("row")
        .ok()?
        .cast(&DataType::UInt32)
        .ok()?
        .u32()
        .ok()?
        .iter()
        .collect();
    // Every text once (codes, ledgers, periods, files, sheets), every place
    // once.
    let mut texts = crate::text::Shared::default();
    let mut places: HashMap<[&'a str; 4], Arc<RosterPlace>> = HashMap::new();
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let (Some(code), Some(h), Some(l), Some(p)) = (community[i], hash[i], ledger[i], period[i])
        else {
            continue;
        };
        let Some(id_hash) = IdHash::from_hex(h) else {
            continue;
        };
        let community_code = texts.get(code);
        let key = [
            l,
            p,
            file[i].unwrap_or_default(),
            sheet[i].unwrap_or_default(),
        ];
        let at = places
            .entry(key)
            .or_insert_with(|| {
                Arc::new(RosterPlace {
                    ledger: texts.get(key[0]),
                    period: texts.get(key[1]),
                    file: texts.get(key[2]),
                    sheet: texts.get(key[3]),
                })
            })
            .clone();
        let row = row[i].unwrap_or(0);
        rows.push(RosterRow {
            community_code,
            id_hash,
            at,
            row,
            col: cell[i]
                .and_then(crate::diag::parse_cell)
                .filter(|&(_, r)| r == row)
                .map(|(c, _)| c),
        });
    }
    Some(rows)
}

pub const OWN: &str = "own_counts.parquet";

/// An output's state/own_counts.parquet; None when it has none.
pub fn load_own(dir: &Path) -> Option<Vec<OwnRow>> {
    let f = std::fs::File::open(dir.join(DIR).join(OWN)).ok()?;
    let df = ParquetReader::new(f).finish().ok()?;
    own_rows(&df)
}

fn own_rows<'a>(df: &'a DataFrame) -> Option<Vec<OwnRow>> {
    let text = |name: &str| -> Option<Vec<Option<&'a str>>> {
        Some(df.column(name).ok()?.str().ok()?.iter().collect())
    };
    let (code, table, category, column) = (
        text("code")?,
        text("table")?,
        text("category")?,
        text("column")?,
    );
    let value: Vec<Option<f64>> = df
        .column("value")
        .ok()?
        .cast(&DataType::Float64)
        .ok()?
        .f64()
        .ok()?
        .iter()
        .collect();
    let mut shared = crate::text::Shared::default();
    let mut arc = |s: &str| shared.get(s);
    Some(
        (0..df.height())
            .filter_map(|i| {
                Some(OwnRow {
                    code: arc(code[i]?),
                    table: arc(table[i]?),
                    category: category[i].filter(|c| !c.is_empty()).map(&mut arc),
                    column: arc(column[i]?),
                    value: value[i]?,
                })
            })
            .collect(),
    )
}
