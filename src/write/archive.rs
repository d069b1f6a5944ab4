//! The archive (reports.md §5.4): every table of a run as Hive-partitioned
//! Parquet, `DIR/<table>/period=<P>/scope=<code>/part-0.parquet`, so that
//! DuckDB, Spark or polars read many periods and scopes as one dataset. A
//! partition is replaced whole: written beside the old one under a hidden
//! name, then renamed over it.

use anyhow::{bail, Result};
use polars::prelude::*;
use std::path::Path;

use super::tables::rounded_frame;
use crate::aggregate::{Aggregation, Table};
use crate::lang::tr;
use crate::period::PeriodKind;

/// The run's kind of period, as the archive's `period_kind` says it.
pub fn period_kind(agg: &Aggregation) -> &'static str {
    match agg.period.kind {
        PeriodKind::Month => "month",
        PeriodKind::Quarter => "quarter",
        PeriodKind::Year => "year",
    }
}

/// Text shaped like an ID number (17 digits and a digit or X), masked
/// wherever it stands in a cell: the archive never holds one.
fn mask_ids(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let run = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let id_like = run == 17
            && b.get(i + 17)
                .is_some_and(|c| c.is_ascii_digit() || *c == b'X' || *c == b'x')
            && !b.get(i + 18).is_some_and(|c| c.is_ascii_digit())
            || run == 18 && !b.get(i + 18).is_some_and(|c| c.is_ascii_digit());
        if id_like && (i == 0 || !b[i - 1].is_ascii_digit()) {
            out.push_str(&crate::diag::mask_id(&text[i..i + 18]));
            i += 18;
            continue;
        }
        if run > 0 {
            out.push_str(&text[i..i + run]);
            i += run;
            continue;
        }
        let ch = text[i..].chars().next().expect("not at the end");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// One table's partition frame: the partition columns, then the table's
/// columns as tables/*.parquet has them, less `_prev`/`_change`.
fn partition_frame(t: &Table, agg: &Aggregation, built_from: &str) -> Result<DataFrame> {
    let df = rounded_frame(t)?;
    let n = df.height();
    let mut cols: Vec<Column> = vec![
        Column::new("period".into(), vec![agg.period.to_string(); n]),
        Column::new("period_kind".into(), vec![period_kind(agg); n]),
        Column::new("period_start".into(), vec![agg.period.start(); n]),
        Column::new("period_end".into(), vec![agg.period.end(); n]),
        Column::new("scope".into(), vec![agg.scope.code.clone(); n]),
        Column::new("built_from".into(), vec![built_from; n]),
    ];
    for c in df.columns() {
        let name = c.name().as_str();
        if name.ends_with("_prev") || name.ends_with("_change") {
            continue;
        }
        if c.dtype() == &DataType::String {
            let masked: StringChunked = c
                .str()?
                .iter()
                .map(|v| v.map(mask_ids))
                .collect::<StringChunked>()
                .with_name(c.name().clone());
            cols.push(masked.into_column());
        } else {
            cols.push(c.clone());
        }
    }
    Ok(DataFrame::new(n, cols)?)
}

/// Write the run's tables into the archive at `dir`, each partition
/// replaced whole. An error names the tables not replaced.
pub fn write(dir: &Path, agg: &Aggregation, built_from: &str) -> Result<Vec<String>> {
    let mut written = Vec::new();
    let mut failed: Vec<(String, String)> = Vec::new();
    for t in agg.tables.iter().filter(|t| !t.def.title.is_empty()) {
        let part = dir
            .join(&t.def.file)
            .join(format!("period={}", agg.period))
            .join(format!("scope={}", agg.scope.code));
        let result = (|| -> Result<()> {
            std::fs::create_dir_all(&part).map_err(|e| crate::lang::io_error(&part, &e))?;
            let mut df = partition_frame(t, agg, built_from)?;
            // A hidden name that does not end in .parquet: readers' globs
            // skip it until it is renamed over the old file.
            let tmp = part.join(".part-0.parquet.tmp");
            {
                let f = std::fs::File::create(&tmp).map_err(|e| crate::lang::io_error(&tmp, &e))?;
                ParquetWriter::new(f).finish(&mut df)?;
            }
            std::fs::rename(&tmp, part.join("part-0.parquet"))
                .map_err(|e| crate::lang::io_error(&part, &e))?;
            Ok(())
        })();
        match result {
            Ok(()) => written.push(t.def.file.clone()),
            Err(e) => failed.push((t.def.file.clone(), e.to_string())),
        }
    }
    if !failed.is_empty() {
        let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
        bail!(tr(
            format!(
                "归档 {} 未能写完（输出文件夹已写好；再运行一次即可补齐）：{}；{}",
                dir.display(),
                names.join("、"),
                failed[0].1
            ),
            format!(
                "the archive {} was not completed (the output folder is written; run again to complete it): {}; {}",
                dir.display(),
                names.join(", "),
                failed[0].1
            ),
        ));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::mask_ids;

    #[test]
    fn id_numbers_in_text_are_masked() {
        assert_eq!(
            mask_ids("in/42092319800101001X.xlsx"),
            "in/420923********001X.xlsx"
        );
        assert_eq!(mask_ids("a 420923198001010015 b"), "a 420923********0015 b");
        // Codes that are not ID numbers stay: 12 digits, 19 digits.
        assert_eq!(mask_ids("429901001001"), "429901001001");
        assert_eq!(mask_ids("4209231980010100151"), "4209231980010100151");
        assert_eq!(mask_ids("南门社区.xlsx"), "南门社区.xlsx");
    }
}
