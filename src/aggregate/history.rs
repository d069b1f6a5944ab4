//! The history (多期对比, reports.md §5.2): the trend indicators of
//! tables.toml over several outputs of one scope and one period length,
//! for the root and the organisations one level below it, in period order;
//! a period no output covers is a gap, kept blank and listed.

use anyhow::{bail, Result};
use std::collections::BTreeMap;

use super::values::{rows, Val};
use super::Aggregation;
use crate::lang::tr;
use crate::period::Period;
use crate::schema::tables::Kind;
use crate::schema::SchemaSet;
use crate::summary::{History, HistoryRow, HistorySource, Row, Scope, Summary};

/// One period's figures: an earlier output, or this run.
pub struct Source {
    pub period: Period,
    pub scope: Scope,
    pub path: String,
    pub sha256: String,
    pub built_from: String,
    /// The trend tables' rows, by table id.
    pub tables: BTreeMap<String, Vec<Row>>,
}

impl Source {
    /// An earlier output's summary.json.
    pub fn of_summary(
        s: &Summary,
        path: &str,
        sha256: &str,
        schemas: &SchemaSet,
    ) -> Option<Source> {
        Some(Source {
            period: Period::parse(&s.head.period)?,
            scope: s.head.scope.clone(),
            path: path.to_string(),
            sha256: sha256.to_string(),
            built_from: s.head.built_from.clone(),
            tables: trend_tables(schemas)
                .into_iter()
                .map(|t| (t.clone(), s.rows(&t).to_vec()))
                .collect(),
        })
    }

    /// This run's tables.
    pub fn of_run(agg: &Aggregation, path: &str, schemas: &SchemaSet) -> Source {
        let wanted = trend_tables(schemas);
        let tables = agg
            .tables
            .iter()
            .filter(|t| wanted.contains(&t.def.id))
            .map(|t| {
                let rs: Vec<Row> = rows(t)
                    .into_iter()
                    .map(|r| {
                        r.into_iter()
                            .map(|(k, _, v)| {
                                let j = match v {
                                    Val::Null => serde_json::Value::Null,
                                    Val::Int(i) => i.into(),
                                    Val::Num(x) => serde_json::Number::from_f64(x)
                                        .map_or(serde_json::Value::Null, serde_json::Value::Number),
                                    Val::Str(s) => s.into(),
                                };
                                (k.to_string(), j)
                            })
                            .collect()
                    })
                    .collect();
                (t.def.id.clone(), rs)
            })
            .collect();
        Source {
            period: agg.period,
            scope: agg.scope_doc(),
            path: path.to_string(),
            sha256: String::new(),
            built_from: agg.built_from().to_string(),
            tables,
        }
    }
}

fn trend_tables(schemas: &SchemaSet) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (t, _) in schemas.tables.trend_indicators() {
        if !out.contains(&t.id) {
            out.push(t.id.clone());
        }
    }
    out
}

/// Whether the sources can stand side by side: one scope, one period
/// length, no two of one period. The error names what differs.
pub fn check(sources: &[Source]) -> Result<()> {
    let Some(first) = sources.first() else {
        return Ok(());
    };
    for s in sources {
        if s.scope.code != first.scope.code {
            bail!(tr(
                format!(
                    "--history：{} 是 {}（{}）的汇总结果，{} 是 {}（{}）的；多期对比只能比同一汇总范围",
                    first.path, first.scope.name, first.scope.code, s.path, s.scope.name, s.scope.code
                ),
                format!(
                    "--history: {} is an output of {} ({}), {} of {} ({}); a history compares one scope",
                    first.path, first.scope.name, first.scope.code, s.path, s.scope.name, s.scope.code
                ),
            ));
        }
        if s.period.kind != first.period.kind {
            bail!(tr(
                format!(
                    "--history：{} 是 {}，{} 是 {}；多期对比的各期长度须相同（都为月、季或年）",
                    first.path,
                    first.period.display_zh(),
                    s.path,
                    s.period.display_zh()
                ),
                format!(
                    "--history: {} is for {}, {} for {}; a history compares periods of one length",
                    first.path, first.period, s.path, s.period
                ),
            ));
        }
    }
    for (i, a) in sources.iter().enumerate() {
        if let Some(b) = sources[i + 1..].iter().find(|b| b.period == a.period) {
            bail!(tr(
                format!(
                    "--history：{} 和 {} 都是 {} 的汇总结果；每期只能有一个",
                    a.path,
                    b.path,
                    a.period.display_zh()
                ),
                format!(
                    "--history: {} and {} are both for {}; one output per period",
                    a.path, b.path, a.period
                ),
            ));
        }
    }
    Ok(())
}

fn num(r: Option<&Row>, k: &str) -> Option<f64> {
    r?.get(k)?.as_f64()
}

/// The history of checked sources.
pub fn build(mut sources: Vec<Source>, schemas: &SchemaSet) -> Result<History> {
    check(&sources)?;
    sources.sort_by_key(|s| s.period);
    let (Some(first), Some(last)) = (sources.first(), sources.last()) else {
        bail!(tr(
            "--history：没有可比的汇总结果",
            "--history: no output to compare"
        ));
    };
    let mut periods = Vec::new();
    let mut p = first.period;
    while p <= last.period {
        periods.push(p);
        p = p.next();
    }
    let by_period: BTreeMap<Period, &Source> = sources.iter().map(|s| (s.period, s)).collect();
    let gaps: Vec<String> = periods
        .iter()
        .filter(|p| !by_period.contains_key(p))
        .map(Period::to_string)
        .collect();
    let root = last.scope.code.clone();
    let mut rows_out = Vec::new();
    for (def, col) in schemas.tables.trend_indicators() {
        // The root and the organisations one level below it, named and
        // placed as in the latest period.
        let latest = last.tables.get(&def.id).map(Vec::as_slice).unwrap_or(&[]);
        let orgs: Vec<&Row> = latest
            .iter()
            .filter(|r| {
                r.get("code").and_then(|v| v.as_str()) == Some(root.as_str())
                    || r.get("parent_code").and_then(|v| v.as_str()) == Some(root.as_str())
            })
            .collect();
        let rate = col.kind == Kind::Rate;
        let mut block = Vec::new();
        for o in &orgs {
            let text = |k: &str| o.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let code = text("code").unwrap_or_default();
            for p in &periods {
                let r = by_period.get(p).and_then(|s| {
                    s.tables
                        .get(&def.id)?
                        .iter()
                        .find(|r| r.get("code").and_then(|v| v.as_str()) == Some(code.as_str()))
                });
                let (n, d) = if rate {
                    (
                        num(r, &format!("{}_num", col.key)),
                        num(r, &format!("{}_den", col.key)),
                    )
                } else {
                    (None, None)
                };
                block.push(HistoryRow {
                    indicator: col.key.clone(),
                    table: def.file.clone(),
                    period: p.to_string(),
                    level: text("level").unwrap_or_default(),
                    code: code.clone(),
                    name: text("name").unwrap_or_default(),
                    parent_code: text("parent_code"),
                    value: num(r, &col.key),
                    num: n,
                    den: d,
                });
            }
        }
        // An indicator blank in every period (an optional form nobody used).
        if block.iter().any(|r| r.value.is_some()) {
            rows_out.extend(block);
        }
    }
    Ok(History {
        scope: last.scope.clone(),
        period_kind: last.period.kind_name().to_string(),
        periods: periods.iter().map(Period::to_string).collect(),
        gaps,
        sources: sources
            .iter()
            .map(|s| HistorySource {
                period: s.period.to_string(),
                path: s.path.clone(),
                summary_sha256: s.sha256.clone(),
                built_from: s.built_from.clone(),
            })
            .collect(),
        rows: rows_out,
    })
}
