//! What an aggregate run writes into its output folder (staged by
//! `atomic_dir`, so the folder appears whole or not at all): report.xlsx,
//! tables/*.csv and *.parquet, summary.json and diagnostics.json; and the
//! lines it prints when done.

use anyhow::Result;
use rayon::prelude::*;
use std::path::Path;

use super::diagnostics::json as diagnostics_json;
use super::{report, tables};
use crate::aggregate::{Aggregation, Table};
use crate::diag::{Counts, Diagnostic};
use crate::lang::Lang;
use crate::schema::SchemaSet;
use crate::summary::{to_map, SummaryHead};

/// A refused run's folder: only the diagnostics, to fix them by.
pub fn refused(dir: &Path, all: &[Diagnostic], files: usize) -> Result<()> {
    std::fs::write(dir.join("diagnostics.json"), diagnostics_json(all, files))?;
    Ok(())
}

/// The 上报说明 the report workbook lists: (file, code and cell, explanation).
fn explained(all: &[Diagnostic]) -> Vec<(String, String, String)> {
    all.iter()
        .filter_map(|d| {
            d.explanation.as_ref().map(|e| {
                (
                    d.file.clone(),
                    format!("{} {}", d.code, d.cell.as_deref().unwrap_or("")),
                    e.clone(),
                )
            })
        })
        .collect()
}

/// Every file of an aggregate output, into `dir`. The workbook (its large
/// sheets filled in parallel) is written beside the state files, the tables
/// and the JSON files; in a one-thread pool one after the other.
pub fn aggregated(
    dir: &Path,
    agg: &Aggregation,
    schemas: &SchemaSet,
    head: &SummaryHead,
    all: &[Diagnostic],
    files: usize,
    state: crate::summary::RunState,
) -> Result<()> {
    std::fs::create_dir_all(dir.join("tables"))?;
    let explained = explained(all);
    let forms: Vec<&Table> = agg
        .tables
        .iter()
        .filter(|t| !t.def.title.is_empty())
        .collect();
    // Every file its own task, side by side: one after the other, the
    // JSON files and the tables' finished alone, after the workbook.
    let own = state.own;
    let state_files = || {
        let (rosters, own) = rayon::join(
            || super::state::write(dir, state),
            || {
                if own {
                    super::state::write_own(dir, agg, schemas)
                } else {
                    Ok(())
                }
            },
        );
        rosters.and(own)
    };
    let workbook = || {
        let r = report::write_workbook(agg, &explained, &dir.join("report.xlsx"));
        crate::timing::mark("report.xlsx");
        r
    };
    let summary = || -> Result<()> {
        let f = std::fs::File::create(dir.join("summary.json"))?;
        tables::write_summary(f, &to_map(head), &forms)
    };
    let diagnostics = || -> Result<()> {
        let json = diagnostics_json(all, files);
        Ok(std::fs::write(dir.join("diagnostics.json"), json)?)
    };
    let table_files = || -> Result<()> {
        forms
            .par_iter()
            .with_max_len(1)
            .try_for_each(|t| table_pair(t, &dir.join("tables").join(&t.def.file)))?;
        match &agg.history {
            Some(h) => {
                let t = super::history::table(h)?;
                table_pair(&t, &dir.join("tables").join(&t.def.file))
            }
            None => Ok(()),
        }
    };
    let (kept, (book, rest)) = rayon::join(state_files, || {
        rayon::join(workbook, || {
            let (summary, (diagnostics, written)) =
                rayon::join(summary, || rayon::join(diagnostics, table_files));
            crate::timing::mark("tables+json");
            summary.and(diagnostics).and(written)
        })
    });
    kept.and(book).and(rest)
}

/// A table's CSV and Parquet files, `base` with each extension.
fn table_pair(t: &Table, base: &Path) -> Result<()> {
    std::fs::write(base.with_extension("csv"), tables::csv_bytes(t)?)?;
    tables::write_parquet(t, &base.with_extension("parquet"))
}

/// What a period roll-up prints when it is done.
pub fn rollup_done_text(agg: &Aggregation, own: &[Diagnostic], out: &Path, lang: Lang) -> String {
    let c = Counts::of(own);
    let from: Vec<&str> = agg
        .sub_periods
        .iter()
        .flat_map(|r| &r.from)
        .map(|f| f.period.as_str())
        .collect();
    lang.t(
        format!(
            "已生成报表：{}\n汇总范围：{}（{}），{}\n由 {} 期汇总结果跨期汇总：{}；警告 {}，提示 {}\n查看摘要：pbstat report {}\n",
            out.join("report.xlsx").display(),
            agg.scope.name,
            agg.scope.code,
            agg.period_line(),
            from.len(),
            from.join("、"),
            c.warnings,
            c.notes,
            out.display()
        ),
        format!(
            "wrote {}\nscope: {} ({}), {}\nrolled up from {} periods: {}; {} warnings, {} notes\nsummary: pbstat report {}\n",
            out.join("report.xlsx").display(),
            agg.scope.name,
            agg.scope.code,
            agg.period,
            from.len(),
            from.join(", "),
            c.warnings,
            c.notes,
            out.display()
        ),
    )
}

/// What aggregate prints when it is done.
pub fn done_text(
    agg: &Aggregation,
    all: &[Diagnostic],
    out: &Path,
    lang: Lang,
    files: usize,
    missing: usize,
) -> String {
    let c = Counts::of(all);
    let accepted = files - agg.excluded.len();
    lang.t(
        format!(
            "已生成报表：{}\n汇总范围：{}（{}），{}\n收到报表文件 {} 个：纳入汇总 {} 个，未纳入 {} 个；错误 {}，警告 {}；应报单位中未报送 {} 个\n查看摘要：pbstat report {}\n",
            out.join("report.xlsx").display(),
            agg.scope.name,
            agg.scope.code,
            agg.period.display_zh(),
            files,
            accepted,
            agg.excluded.len(),
            c.errors,
            c.warnings,
            missing,
            out.display()
        ),
        format!(
            "wrote {}\nscope: {} ({}), {}\n{} files: {} aggregated, {} left out; {} errors, {} warnings; {} organisations have not submitted\nsummary: pbstat report {}\n",
            out.join("report.xlsx").display(),
            agg.scope.name,
            agg.scope.code,
            agg.period,
            files,
            accepted,
            agg.excluded.len(),
            c.errors,
            c.warnings,
            missing,
            out.display()
        ),
    )
}
