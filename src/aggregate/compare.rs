//! `--previous DIR` (reports.md §3): `_prev` and `_change` beside every count
//! of T1 and T3 and every rate of T4, joined on the organisation code. A
//! rate's change is in percentage points, as a fraction.

use anyhow::{anyhow, Result};

use crate::lang::{io_reason, tr};
use polars::prelude::*;
use std::path::Path;

use super::Table;
use crate::schema::tables::{Col, Kind};
use crate::schema::SchemaSet;
use crate::summary::Summary;

/// Earlier tables, from an aggregate output folder's summary.json.
pub fn load_previous(dir: &Path) -> Result<Summary> {
    let shown = dir.display();
    let p = dir.join("summary.json");
    let text = std::fs::read_to_string(&p).map_err(|e| {
        anyhow!(tr(
            format!("--previous {shown}：读不到上期汇总结果 summary.json（{}）；--previous 应指向上期 pbstat aggregate 的输出文件夹", io_reason(&e)),
            format!("--previous {shown}: cannot read its summary.json ({}); --previous names the folder an earlier pbstat aggregate wrote", io_reason(&e)),
        ))
    })?;
    Summary::parse(&text).map_err(|e| {
        let why = e.describe();
        anyhow!(tr(
            format!("--previous {shown}：{why}"),
            format!("--previous {shown}: {why}")
        ))
    })
}

pub fn add_previous(
    tables: &mut [Table],
    prev: &Summary,
    schemas: &SchemaSet,
    flows: bool,
) -> Result<()> {
    for t in tables.iter_mut().filter(|t| t.def.compare) {
        let rows = prev.rows(&t.def.id);
        let keys: Vec<String> = t
            .def
            .cols
            .iter()
            .filter(|c| c.kind.compared())
            .map(|c| c.key.clone())
            .collect();
        let codes: Vec<Option<String>> = rows
            .iter()
            .map(|r| r.get("code").and_then(|v| v.as_str()).map(str::to_string))
            .collect();
        let mut cols = vec![Column::new("code".into(), codes)];
        for k in &keys {
            let c = t.def.cols.iter().find(|c| &c.key == k).expect("a column");
            let blank = !flows && !schemas.compares_across_lengths(c);
            // A column the earlier output lacks (a county's new column, in
            // its first period) has no earlier value: blank, as a new
            // organisation's is.
            let v: Vec<Option<f64>> = rows
                .iter()
                .map(|r| {
                    r.get(k.as_str())
                        .and_then(|v| v.as_f64())
                        .filter(|_| !blank)
                })
                .collect();
            cols.push(Column::new(format!("{k}_prev").into(), v));
        }
        let prev_df = DataFrame::new_infer_height(cols)?.unique_stable(
            Some(&["code".to_string()]),
            UniqueKeepStrategy::First,
            None,
        )?;
        let mut changes: Vec<Expr> = Vec::new();
        for k in &keys {
            changes.push(
                (col(k.as_str()).cast(DataType::Float64) - col(format!("{k}_prev")))
                    .alias(format!("{k}_change")),
            );
        }
        let mut order: Vec<Expr> = Vec::new();
        let mut new_cols = Vec::new();
        for c in &t.def.cols {
            order.push(col(c.key.as_str()));
            new_cols.push(c.clone());
            if c.kind.compared() {
                order.push(col(format!("{}_prev", c.key)));
                order.push(col(format!("{}_change", c.key)));
                let (pk, ck) = (format!("{}_prev", c.key), format!("{}_change", c.key));
                let kind = if c.kind == Kind::Rate {
                    Kind::Rate
                } else {
                    c.kind
                };
                let change_kind = if c.kind == Kind::Rate {
                    Kind::Rate
                } else {
                    Kind::Hours
                };
                new_cols.push(Col::plain(
                    &pk,
                    &format!("{}（上期）", c.header),
                    kind,
                    &format!("上期{}", c.header),
                ));
                new_cols.push(Col::plain(
                    &ck,
                    &format!("{}增减", c.header),
                    if c.kind == Kind::Count {
                        Kind::Count
                    } else {
                        change_kind
                    },
                    &if c.kind == Kind::Rate {
                        format!("{}本期减上期（百分点，以小数表示）", c.header)
                    } else {
                        format!("{}本期减上期", c.header)
                    },
                ));
            }
        }
        let df =
            t.df.clone()
                .lazy()
                .join(
                    prev_df.lazy(),
                    [col("code")],
                    [col("code")],
                    JoinArgs::new(JoinType::Left).with_coalesce(JoinCoalesce::CoalesceColumns),
                )
                .with_columns(changes)
                .select(order)
                .collect()
                .map_err(|e| anyhow!("--previous: {e}"))?;
        // Counts stay whole numbers.
        let mut df = df;
        for c in &new_cols {
            if c.kind == Kind::Count {
                let s = df.column(&c.key)?.cast(&DataType::Int64)?;
                df.with_column(s)?;
            }
        }
        t.df = df;
        t.def.cols = new_cols;
    }
    Ok(())
}
