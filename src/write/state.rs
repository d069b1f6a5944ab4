//! An output's state/ (reports.md §5.5): state.json and the roster hashes,
//! for the next period's `--previous` to read. Never printed, never in
//! report.xlsx, the tables or the archive; never an ID number or a name.

use anyhow::Result;
use polars::prelude::*;
use std::path::Path;

use crate::read::state::{DIR, DOC, OWN, ROSTERS};
use crate::summary::RunState;

pub fn write(out: &Path, state: &RunState) -> Result<()> {
    let dir = out.join(DIR);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join(DOC),
        format!("{}\n", serde_json::to_string_pretty(&state.doc)?),
    )?;
    let r = &state.rows;
    let text =
        |f: fn(&crate::summary::RosterRow) -> &str| -> Vec<&str> { r.iter().map(f).collect() };
    let mut df = DataFrame::new(
        r.len(),
        vec![
            Column::new("community_code".into(), text(|x| &x.community_code)),
            Column::new("id_hash".into(), text(|x| &x.id_hash)),
            Column::new("ledger".into(), text(|x| &x.ledger)),
            Column::new("period".into(), text(|x| &x.period)),
            Column::new("file".into(), text(|x| &x.file)),
            Column::new("sheet".into(), text(|x| &x.sheet)),
            Column::new("row".into(), r.iter().map(|x| x.row).collect::<Vec<u32>>()),
            Column::new(
                "cell".into(),
                r.iter()
                    .map(|x| x.cell.as_deref())
                    .collect::<Vec<Option<&str>>>(),
            ),
        ],
    )?;
    let f = std::fs::File::create(dir.join(ROSTERS))?;
    crate::timing::mark("roster frame");
    // Keyed hashes do not compress: a light codec for the repeated file
    // and sheet names, no statistics nobody filters on.
    ParquetWriter::new(f)
        .with_compression(ParquetCompression::Lz4Raw)
        .with_statistics(StatisticsOptions::empty())
        .finish(&mut df)?;
    crate::timing::mark("roster parquet");
    if let Some(own) = &state.own {
        let mut df = DataFrame::new(
            own.len(),
            vec![
                Column::new(
                    "code".into(),
                    own.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
                ),
                Column::new(
                    "table".into(),
                    own.iter().map(|r| r.table.as_str()).collect::<Vec<_>>(),
                ),
                Column::new(
                    "category".into(),
                    own.iter()
                        .map(|r| r.category.as_deref())
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "column".into(),
                    own.iter().map(|r| r.column.as_str()).collect::<Vec<_>>(),
                ),
                Column::new(
                    "value".into(),
                    own.iter().map(|r| r.value).collect::<Vec<_>>(),
                ),
            ],
        )?;
        let f = std::fs::File::create(dir.join(OWN))?;
        ParquetWriter::new(f).finish(&mut df)?;
    }
    Ok(())
}
