//! An earlier output's state/ (reports.md §5.5), read back by `--previous`:
//! state.json and the roster hashes of state/roster_ids.parquet.

use polars::prelude::*;
use std::path::Path;

use crate::summary::{OwnRow, RosterRow, RunState, StateDoc};

pub const DIR: &str = "state";
pub const DOC: &str = "state.json";
pub const ROSTERS: &str = "roster_ids.parquet";

/// A text column of a state file, None when it is missing or not text.
fn text_column(df: &DataFrame, name: &str) -> Option<Vec<Option<String>>> {
    Some(
        df.column(name)
            .ok()?
            .str()
            .ok()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect(),
    )
}

/// The state of the output at `dir`; None when it has none (an output of
/// an earlier pbstat) or it cannot be read.
pub fn load(dir: &Path) -> Option<RunState> {
    let text = std::fs::read_to_string(dir.join(DIR).join(DOC)).ok()?;
    let doc: StateDoc = serde_json::from_str(&text).ok()?;
    let f = std::fs::File::open(dir.join(DIR).join(ROSTERS)).ok()?;
    let df = ParquetReader::new(f).finish().ok()?;
    let text_col = |name: &str| text_column(&df, name);
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
    let mut shared: std::collections::HashMap<String, std::sync::Arc<str>> = Default::default();
    let mut arc = |s: &str| -> std::sync::Arc<str> {
        if let Some(a) = shared.get(s) {
            return a.clone();
        }
        let a: std::sync::Arc<str> = s.into();
        shared.insert(s.to_string(), a.clone());
        a
    };
    let rows = (0..df.height())
        .filter_map(|i| {
            Some(RosterRow {
                community_code: community[i].clone()?,
                id_hash: hash[i].clone()?,
                ledger: arc(ledger[i].as_deref()?),
                period: arc(period[i].as_deref()?),
                file: arc(file[i].as_deref().unwrap_or_default()),
                sheet: arc(sheet[i].as_deref().unwrap_or_default()),
                row: row[i].unwrap_or(0),
                cell: cell[i].clone(),
            })
        })
        .collect();
    Some(RunState {
        doc,
        rows,
        own: None,
    })
}

pub const OWN: &str = "own_counts.parquet";

/// An output's state/own_counts.parquet; None when it has none.
pub fn load_own(dir: &Path) -> Option<Vec<OwnRow>> {
    let f = std::fs::File::open(dir.join(DIR).join(OWN)).ok()?;
    let df = ParquetReader::new(f).finish().ok()?;
    let text = |name: &str| text_column(&df, name);
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
    Some(
        (0..df.height())
            .filter_map(|i| {
                Some(OwnRow {
                    code: code[i].clone()?,
                    table: table[i].clone()?,
                    category: category[i].clone().filter(|c| !c.is_empty()),
                    column: column[i].clone()?,
                    value: value[i]?,
                })
            })
            .collect(),
    )
}
