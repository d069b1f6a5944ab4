//! A period roll-up (跨期汇总, reports.md §5.1): the basis of a longer
//! period from its sub-periods' outputs. Each organisation's own parts are
//! combined by each count's declared behaviour — flows summed, stocks from
//! the last sub-period, maxima the largest — and what meets a requirement
//! is judged again for the whole period; the tables are then computed as
//! for any aggregate, every rate from its rolled-up parts.

use anyhow::Result;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::own::parts;
use super::tree::{Node, Tree};
use super::{Basis, Broken, Excluded, JudgedOn, OwnParts};
use crate::audit::targets::{judge_all, Judged};
use crate::diag::{Code, Diagnostic};
use crate::lang::Lang;
use crate::org::Level;
use crate::period::Period;
use crate::schema::measures::{Behaviour, Of};
use crate::schema::tables::Kind;
use crate::schema::SchemaSet;
use crate::summary::{OwnRow, Rollup, Summary};

/// One sub-period's output, as the roll-up reads it.
pub struct SubPeriod<'a> {
    pub period: Period,
    pub shown: &'a str,
    pub summary: &'a Summary,
    pub own: &'a [OwnRow],
}

/// Combine values of the sub-periods (in period order; None where the
/// organisation has no part) by a behaviour.
fn combine(b: Behaviour, vals: &[Option<f64>]) -> f64 {
    match b {
        Behaviour::Flow => vals.iter().flatten().filter(|v| !v.is_nan()).sum(),
        Behaviour::Max => vals
            .iter()
            .flatten()
            .copied()
            .filter(|v| !v.is_nan())
            .fold(f64::NAN, f64::max),
        // The last sub-period's; none there is 0 (reports.md §5.1). Judged
        // counts are set afterwards.
        Behaviour::Stock | Behaviour::Judged => vals.last().copied().flatten().unwrap_or(0.0),
    }
}

/// The tree of the roll-up: every organisation of any sub-period, placed
/// under its parent in the latest sub-period that has it.
fn tree(subs: &[SubPeriod]) -> Tree {
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    for s in subs {
        for rows in s.summary.tables.values() {
            for r in rows {
                let text = |k: &str| r.get(k).and_then(|v| v.as_str()).map(str::to_string);
                let (Some(code), Some(level)) = (text("code"), text("level")) else {
                    continue;
                };
                nodes.insert(
                    code.clone(),
                    Node {
                        name: text("name").unwrap_or_else(|| code.clone()),
                        code,
                        level,
                        parent: text("parent_code"),
                        expected: None,
                        depth: 0,
                    },
                );
            }
        }
    }
    Tree::from_nodes(nodes)
}

/// The basis of the roll-up, and its own warnings (period.stock_missing).
pub fn basis(
    subs: &[SubPeriod],
    schemas: &SchemaSet,
    period: &Period,
    rollup: Rollup,
    lang: Lang,
) -> Result<(Basis, Vec<Diagnostic>)> {
    let set = &schemas.measures;
    let tree = tree(subs);
    let read: Vec<(OwnParts, BTreeSet<String>)> =
        subs.iter().map(|s| parts(s.own, schemas)).collect();
    let last = read.last().map(|(_, a)| a.clone()).unwrap_or_default();
    let behaviour: Vec<Behaviour> = set.base().map(|m| m.period).collect();

    // Base counts, organisation by organisation.
    let codes: BTreeSet<&String> = read.iter().flat_map(|(o, _)| o.base.keys()).collect();
    let mut base = super::empty_base(&tree, set);
    for code in codes {
        let Some(b) = base.get_mut(code) else {
            continue;
        };
        for (i, beh) in behaviour.iter().enumerate() {
            let vals: Vec<Option<f64>> = read
                .iter()
                .map(|(o, _)| o.base.get(code).and_then(|v| v.get(i).copied()))
                .collect();
            b[i] = combine(*beh, &vals);
        }
    }

    // Breakdowns likewise, measure by measure.
    let mut broken: Broken = BTreeMap::new();
    for (bk, b) in set.breakdowns.iter().map(|b| (b.key.clone(), b)) {
        let behaviours: Vec<Behaviour> = b
            .measures
            .iter()
            .map(|m| set.measure(m).map_or(Behaviour::Flow, |x| x.period))
            .collect();
        let mut keys: BTreeSet<(&String, &String)> = BTreeSet::new();
        for (o, _) in &read {
            for (code, per) in o.broken.get(&bk).into_iter().flatten() {
                for value in per.keys() {
                    keys.insert((code, value));
                }
            }
        }
        for (code, value) in keys {
            let v: Vec<f64> = behaviours
                .iter()
                .enumerate()
                .map(|(i, beh)| {
                    let vals: Vec<Option<f64>> = read
                        .iter()
                        .map(|(o, _)| {
                            o.broken
                                .get(&bk)
                                .and_then(|x| x.get(code))
                                .and_then(|x| x.get(value))
                                .and_then(|x| x.get(i).copied())
                        })
                        .collect();
                    combine(*beh, &vals)
                })
                .collect();
            broken
                .entry(bk.clone())
                .or_default()
                .entry(code.clone())
                .or_default()
                .insert(value.clone(), v);
        }
    }

    // Judged again: the organisations accepted at the period's end, each on
    // its flows summed over the sub-periods and its stocks at the end.
    let mut judged_on: BTreeMap<String, JudgedOn> = BTreeMap::new();
    for code in &last {
        let mut j = JudgedOn::default();
        let keys: BTreeSet<&Arc<str>> = read
            .iter()
            .filter_map(|(o, _)| o.judged.get(code))
            .flat_map(|x| x.counts.keys())
            .collect();
        for k in keys {
            let beh = set.measure(k).map_or(Behaviour::Flow, |m| m.period);
            let vals: Vec<Option<f64>> = read
                .iter()
                .map(|(o, _)| o.judged.get(code).and_then(|x| x.counts.get(&**k).copied()))
                .collect();
            j.counts.insert(k.clone(), combine(beh, &vals));
        }
        for (o, _) in &read {
            for (t, v) in o.judged.get(code).into_iter().flat_map(|x| &x.meetings) {
                *j.meetings.entry(t.clone()).or_default() += v;
            }
        }
        judged_on.insert(code.clone(), j);
    }
    let counts: BTreeMap<&String, crate::facts::Counts> = judged_on
        .iter()
        .map(|(c, j)| (c, j.counts(schemas)))
        .collect();
    let to_judge: Vec<Judged> = tree
        .nodes
        .iter()
        .filter_map(|n| {
            Some(Judged {
                code: &n.code,
                name: &n.name,
                level: Level::parse(&n.level)?,
                counts: counts.get(&n.code)?,
            })
        })
        .collect();
    let judgements: BTreeMap<String, crate::audit::targets::Judgement> = to_judge
        .iter()
        .map(|o| o.code.to_string())
        .zip(judge_all(&to_judge, schemas, period)?)
        .collect();
    drop(to_judge);
    let reqs = &schemas.requirements;
    let mut below = Vec::new();
    let mut meeting_required: BTreeMap<String, u32> = BTreeMap::new();
    for n in &tree.nodes {
        let level = Level::parse(&n.level);
        let j = judgements.get(&n.code);
        let b = base.get_mut(&n.code).expect("every node has a row");
        for (i, m) in set.base().enumerate() {
            if m.period != Behaviour::Judged {
                continue;
            }
            let carried = |l: &str| {
                // The organisation kept rows of the ledger: any count of it.
                judged_on.get(&n.code).is_some_and(|x| {
                    set.measures
                        .iter()
                        .filter(|k| k.ledger == l && k.of.is_none())
                        .any(|k| x.counts.get(k.key.as_str()).is_some_and(|v| *v > 0.0))
                })
            };
            b[i] = match m.of {
                Some(Of::Organisations) if m.level != level => 0.0,
                Some(Of::Organisations) if m.carries.as_deref().is_some_and(|l| !carried(l)) => 0.0,
                Some(Of::Organisations) => match (&m.meets, m.accepted) {
                    (None, false) => 1.0,
                    (None, true) => j.is_some() as u8 as f64,
                    (Some(t), _) => j.is_some_and(|j| j.meets(t)) as u8 as f64,
                },
                Some(Of::RequirementItems) => j.map_or(0.0, |j| j.requirements as f64),
                Some(Of::RequirementItemsMet) => j.map_or(0.0, |j| j.requirements_met as f64),
                _ => b[i],
            };
        }
        let (Some(j), Some(level)) = (j, level) else {
            continue;
        };
        if level != Level::Unit {
            for (t, min) in reqs.meeting_minimums(level, period) {
                *meeting_required.entry(t.to_string()).or_default() += min;
            }
        }
        below.extend(j.shortfalls.iter().cloned());
    }

    // An organisation accepted earlier but not at the end.
    let mut warnings = Vec::new();
    for n in &tree.nodes {
        if last.contains(&n.code) {
            continue;
        }
        let Some(k) = read.iter().rposition(|(_, a)| a.contains(&n.code)) else {
            continue;
        };
        let (was, end) = (subs[k].period, subs.last().expect("a sub-period").period);
        warnings.push(
            Diagnostic::new(
                Code::PeriodStockMissing,
                subs[k].shown,
                lang.t(
                    format!(
                        "{}（{}）{}有纳入汇总的报表，{}没有：期末各存量记为 0，不参与考核",
                        n.name,
                        n.code,
                        was.display_zh(),
                        end.display_zh()
                    ),
                    format!(
                        "{} ({}) was aggregated in {was} but not in {end}: its stocks are 0 at the period's end, and it is not judged",
                        n.name, n.code
                    ),
                ),
            )
            .org(Some(&n.code)),
        );
    }

    // Each organisation's files, after their period.
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Where tables.toml shows them (T0's 文件), not by the table's name.
    let shown = schemas.tables.files_column();
    for s in subs {
        let Some((table, col)) = shown else { break };
        for r in s.summary.rows(&table.id) {
            let (Some(code), Some(f)) = (
                r.get("code").and_then(|v| v.as_str()),
                r.get(col.key.as_str()).and_then(|v| v.as_str()),
            ) else {
                continue;
            };
            for f in f.split(';').filter(|f| !f.is_empty()) {
                files
                    .entry(code.to_string())
                    .or_default()
                    .push(format!("{}:{f}", s.period));
            }
        }
    }
    let excluded: Vec<Excluded> = subs
        .iter()
        .flat_map(|s| {
            s.summary.head.excluded.iter().map(move |x| Excluded {
                file: format!("{}:{}", s.period, x.file),
                ..x.clone()
            })
        })
        .collect();
    let mut details = Vec::new();
    for def in schemas.tables.defs().iter().filter(|d| d.detail.is_some()) {
        details.push(detail_rows(def, subs)?);
    }
    let has_registry = subs.iter().any(|s| s.summary.head.registry.is_some());
    Ok((
        Basis {
            tree,
            own: OwnParts {
                base,
                broken,
                judged: judged_on,
            },
            files: files.into_iter().map(|(k, v)| (k, v.join(";"))).collect(),
            below,
            meeting_required,
            has_registry,
            rollup: false,
            details,
            excluded,
            sub_periods: Some(rollup),
        },
        warnings,
    ))
}

/// A detail table of a roll-up: its rows as at the period's end (the last
/// sub-period's), read back from that output's summary.json.
fn detail_rows(def: &crate::schema::tables::TableDef, subs: &[SubPeriod]) -> Result<DataFrame> {
    let rows = subs.last().map(|s| s.summary.rows(&def.id)).unwrap_or(&[]);
    let mut cols = Vec::new();
    for c in &def.cols {
        let name = PlSmallStr::from(c.key.as_str());
        let v = rows.iter().map(|r| r.get(c.key.as_str()));
        let col = match c.kind {
            Kind::Count => Column::new(
                name,
                v.map(|x| x.and_then(|x| x.as_i64())).collect::<Vec<_>>(),
            ),
            Kind::Rate | Kind::Hours | Kind::Minutes => Column::new(
                name,
                v.map(|x| x.and_then(|x| x.as_f64())).collect::<Vec<_>>(),
            ),
            _ => Column::new(
                name,
                v.map(|x| x.and_then(|x| x.as_str()).map(str::to_string))
                    .collect::<Vec<_>>(),
            ),
        };
        cols.push(col);
    }
    Ok(DataFrame::new(rows.len(), cols)?)
}
