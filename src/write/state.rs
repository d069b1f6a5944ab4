//! An output's state/ (reports.md §5.5): state.json and the roster hashes,
//! for the next period's `--previous` to read. Never printed, never in
//! report.xlsx, the tables or the archive; never an ID number or a name.

use anyhow::Result;
use polars::prelude::*;
use std::path::Path;

use crate::read::state::{DIR, DOC, OWN, ROSTERS};
use crate::summary::RunState;

/// Rows per row group of roster_ids.parquet: the frame of one group is
/// held beside the rows while it is written (≈10 MB).
const ROW_GROUP: usize = 1 << 16;

/// The roster rows are let go as soon as their file is written: at a
/// province they are hundreds of megabytes, and report.xlsx is still being
/// written beside (its peak was set with them held).
pub fn write(out: &Path, state: RunState) -> Result<()> {
    let dir = out.join(DIR);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join(DOC),
        format!("{}\n", serde_json::to_string_pretty(&state.doc)?),
    )?;
    let frame = |r: &[crate::summary::RosterRow]| -> Result<DataFrame> {
        let text =
            |f: fn(&crate::summary::RosterRow) -> &str| -> Vec<&str> { r.iter().map(f).collect() };
        // The group's hashes as hex in one buffer, each row a slice of it.
        let mut hex = String::with_capacity(64 * r.len());
        for x in r {
            x.id_hash.hex_into(&mut hex);
        }
        let hashes: Vec<&str> = (0..r.len()).map(|i| &hex[64 * i..64 * (i + 1)]).collect();
        // The cells likewise (`C12`), each a span of one buffer.
        let mut cell_text = String::with_capacity(6 * r.len());
        let spans: Vec<Option<(usize, usize)>> = r
            .iter()
            .map(|x| {
                let start = cell_text.len();
                x.cell_into(&mut cell_text)
                    .then_some((start, cell_text.len()))
            })
            .collect();
        let cells: Vec<Option<&str>> = spans
            .iter()
            .map(|s| s.map(|(a, b)| &cell_text[a..b]))
            .collect();
        Ok(DataFrame::new(
            r.len(),
            vec![
                Column::new("community_code".into(), text(|x| &x.community_code)),
                Column::new("id_hash".into(), hashes),
                Column::new("ledger".into(), text(|x| &x.at.ledger)),
                Column::new("period".into(), text(|x| &x.at.period)),
                Column::new("file".into(), text(|x| &x.at.file)),
                Column::new("sheet".into(), text(|x| &x.at.sheet)),
                Column::new("row".into(), r.iter().map(|x| x.row).collect::<Vec<u32>>()),
                Column::new("cell".into(), cells),
            ],
        )?)
    };
    let f = std::fs::File::create(dir.join(ROSTERS))?;
    // Keyed hashes do not compress: a light codec for the repeated file
    // and sheet names, no statistics nobody filters on. Encoded on this
    // thread: report.xlsx is written beside on the other core, and polars'
    // own pool only made the two contend.
    let writer = ParquetWriter::new(f)
        .with_compression(ParquetCompression::Lz4Raw)
        .with_statistics(StatisticsOptions::empty())
        .set_parallel(false);
    let rows = &state.rows;
    if rows.len() <= ROW_GROUP {
        writer.finish(&mut frame(rows)?)?;
    } else {
        // A province's millions of rows go one row group at a time: the
        // frames of two groups, not of all, are held beside the rows. The
        // next group's frame is built while one is written, on whichever
        // core the workbook beside leaves free.
        let mut chunks = rows.chunks(ROW_GROUP);
        let mut group = frame(chunks.next().unwrap_or_default())?;
        let mut batched = writer.batched(group.schema())?;
        loop {
            let next = chunks.next();
            let (written, next) = rayon::join(
                || batched.write_batch(&group),
                || next.map(&frame).transpose(),
            );
            written?;
            match next? {
                Some(f) => group = f,
                None => break,
            }
        }
        batched.finish()?;
    }
    crate::timing::mark("roster parquet");
    drop(state.rows);
    if let Some(own) = &state.own {
        let mut df = DataFrame::new(
            own.len(),
            vec![
                Column::new(
                    "code".into(),
                    own.iter().map(|r| &*r.code).collect::<Vec<&str>>(),
                ),
                Column::new(
                    "table".into(),
                    own.iter().map(|r| &*r.table).collect::<Vec<&str>>(),
                ),
                Column::new(
                    "category".into(),
                    own.iter()
                        .map(|r| r.category.as_deref())
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "column".into(),
                    own.iter().map(|r| &*r.column).collect::<Vec<&str>>(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{IdHash, RosterPlace, RosterRow, StateDoc};

    /// More rows than one row group: written group by group, read back
    /// whole and in order.
    #[test]
    fn regression_a_province_roster_is_written_a_row_group_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let at = std::sync::Arc::new(RosterPlace {
            ledger: "roster".into(),
            period: "2026Q3".into(),
            file: "a.xlsx".into(),
            sheet: "在职党员报到".into(),
        });
        let mut rows: Vec<RosterRow> = (0..ROW_GROUP as u32 + 3)
            .map(|i| {
                let mut h = [0u8; 32];
                h[28..].copy_from_slice(&i.to_be_bytes());
                RosterRow {
                    community_code: format!("4299010010{:02}", i % 7).into(),
                    id_hash: IdHash(h),
                    at: at.clone(),
                    row: i + 2,
                    col: (i % 2 == 0).then_some(2 + i % 30),
                }
            })
            .collect();
        rows.sort();
        let state = RunState {
            doc: StateDoc {
                format: 1,
                scope: "429901".into(),
                period: "2026Q3".into(),
                built_from: "submissions".into(),
                key_fingerprint: "0123456789abcdef".into(),
            },
            rows: rows.clone(),
            own: None,
        };
        write(dir.path(), state).unwrap();
        let back = crate::read::state::load(dir.path()).expect("state read back");
        assert_eq!(back.rows.len(), rows.len());
        assert!(back.rows == rows, "rows read back differ");
    }
}
