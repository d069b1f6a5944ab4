//! An output's state/ (reports.md §5.5): state.json and the roster hashes,
//! for the next period's `--previous` to read. Never printed, never in
//! report.xlsx, the tables or the archive; never an ID number or a name.

use anyhow::Result;
use polars::prelude::*;
use std::path::Path;

use crate::aggregate::Aggregation;
use crate::read::state::{DIR, DOC, OWN, ROSTERS};
use crate::schema::SchemaSet;
use crate::summary::RunState;

/// Rows per row group of roster_ids.parquet: the frame of one group is
/// held beside the rows while it is written (≈10 MB).
const ROW_GROUP: usize = 1 << 16;

/// A column whose texts repeat down the rows (a community's code, a file's
/// name): each text once, the rows gathered from them, which copies
/// polars' views and not the texts. The rows share their texts (`Arc`), so
/// a text is known by where it lies; the last one is tried first, as a
/// file's rows mostly come together.
fn repeated(
    name: &str,
    rows: &[crate::summary::RosterRow],
    f: fn(&crate::summary::RosterRow) -> &str,
) -> Result<Column> {
    let mut values: Vec<&str> = Vec::new();
    let mut at: PlHashMap<(usize, usize), IdxSize> = PlHashMap::new();
    let mut last: Option<((usize, usize), IdxSize)> = None;
    let index: Vec<IdxSize> = rows
        .iter()
        .map(|r| {
            let v = f(r);
            let key = (v.as_ptr() as usize, v.len());
            if let Some((_, i)) = last.filter(|(k, _)| *k == key) {
                return i;
            }
            let i = *at.entry(key).or_insert_with(|| {
                values.push(v);
                (values.len() - 1) as IdxSize
            });
            last = Some((key, i));
            i
        })
        .collect();
    gathered(name, &values, &IdxCa::from_vec("".into(), index))
}

/// A text column of `values[index[i]]` (null for a null index): each text
/// once, the rows views of it (not a copy of the text per row).
fn gathered(name: &str, values: &[&str], index: &IdxCa) -> Result<Column> {
    let distinct = StringChunked::from_slice(name.into(), values);
    Ok(distinct.take(index)?.into_series().into())
}

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
        let text = |name: &str, f: fn(&crate::summary::RosterRow) -> &str| repeated(name, r, f);
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
                text("community_code", |x| &x.community_code)?,
                Column::new("id_hash".into(), hashes),
                text("ledger", |x| &x.at.ledger)?,
                text("period", |x| &x.at.period)?,
                text("file", |x| &x.at.file)?,
                text("sheet", |x| &x.at.sheet)?,
                Column::new("row".into(), r.iter().map(|x| x.row).collect::<Vec<u32>>()),
                Column::new("cell".into(), cells),
            ],
        )?)
    };
    let f = std::fs::File::create(dir.join(ROSTERS))?;
    // Keyed hashes do not compress, and the repeated names are already
    // dictionaries of a few entries: LZ4 saved 3% of the file for a fifth
    // of its writing time. No statistics nobody filters on. Encoded on this
    // thread: report.xlsx is written beside on the other core, and polars'
    // own pool only made the two contend.
    let writer = ParquetWriter::new(f)
        .with_compression(ParquetCompression::Uncompressed)
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
    Ok(())
}

/// state/own_counts.parquet: each organisation's own counts, made from the
/// tables here, beside the other files, rather than before the writing
/// with one core idle.
pub fn write_own(out: &Path, agg: &Aggregation, schemas: &SchemaSet) -> Result<()> {
    let own = crate::aggregate::own::rows(agg, schemas);
    let dir = out.join(DIR);
    std::fs::create_dir_all(&dir)?;
    let texts: Vec<&str> = own.texts.iter().map(|t| &**t).collect();
    let text =
        |name: &str, f: fn(&crate::aggregate::own::OwnKey) -> Option<u32>| -> Result<Column> {
            let index: IdxCa = own
                .rows
                .iter()
                .map(|k| f(k).map(|i| i as IdxSize))
                .collect();
            gathered(name, &texts, &index)
        };
    let mut df = DataFrame::new(
        own.rows.len(),
        vec![
            text("code", |k| Some(k.code))?,
            text("table", |k| Some(k.table))?,
            text("category", |k| k.category)?,
            text("column", |k| Some(k.column))?,
            Column::new(
                "value".into(),
                own.rows.iter().map(|r| r.value).collect::<Vec<_>>(),
            ),
        ],
    )?;
    let f = std::fs::File::create(dir.join(OWN))?;
    ParquetWriter::new(f).finish(&mut df)?;
    crate::timing::mark("own counts");
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
            own: false,
        };
        write(dir.path(), state).unwrap();
        let back = crate::read::state::load(dir.path()).expect("state read back");
        assert_eq!(back.rows.len(), rows.len());
        assert!(back.rows == rows, "rows read back differ");
    }
}
