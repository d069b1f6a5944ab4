//! state/own_counts.parquet (reports.md §5.5) to and from the own parts a
//! basis holds: each organisation's own part of every count column, per
//! table column as the tables show it, and what its requirements were
//! judged on. Zeros are left out: a missing row reads as 0.

use rayon::slice::ParallelSliceMut;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::{Aggregation, JudgedOn, OwnParts};
use crate::schema::tables::Kind;
use crate::schema::SchemaSet;
use crate::summary::OwnRow;

/// The `table` of the rows an organisation's requirements were judged on.
pub const REQUIREMENTS: &str = "requirements";
/// Its row saying the organisation's return was accepted (at the end of a
/// roll-up's period).
pub const ACCEPTED_AT_END: &str = "accepted_at_end";

/// (table id, column key) → the base count it shows, for every count
/// column and every rate's `_num`/`_den` of the tables without `by`.
fn columns(schemas: &SchemaSet) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for t in schemas.tables.defs() {
        if t.by.is_some() || t.detail.is_some() {
            continue;
        }
        for c in &t.cols {
            if let Some((n, d)) = &c.rate {
                out.push((t.id.clone(), format!("{}_num", c.key), n.clone()));
                out.push((t.id.clone(), format!("{}_den", c.key), d.clone()));
            } else if let Some(m) = &c.measure {
                if matches!(c.kind, Kind::Count | Kind::Hours | Kind::Minutes) {
                    out.push((t.id.clone(), c.key.clone(), m.clone()));
                }
            }
        }
    }
    out
}

/// The T2 column of each meeting type a requirement names.
fn meeting_columns(schemas: &SchemaSet) -> BTreeMap<String, String> {
    schemas
        .tables
        .defs()
        .iter()
        .flat_map(|t| &t.cols)
        .filter_map(|c| Some((c.requirement.clone()?, c.key.clone())))
        .collect()
}

/// The rows an output keeps, sorted.
pub fn rows(agg: &Aggregation, schemas: &SchemaSet) -> Vec<OwnRow> {
    let set = &schemas.measures;
    let mut out = Vec::new();
    let keep = |v: f64| v != 0.0 && !v.is_nan();
    // Every text once, shared by the rows that show it.
    let mut shared = crate::text::Shared::default();
    let mut arc = |s: &str| shared.get(s);
    // Resolved once, not per organisation: at a province that was most of
    // this function.
    let cols: Vec<(Arc<str>, Arc<str>, usize)> = columns(schemas)
        .into_iter()
        .filter_map(|(table, column, m)| Some((arc(&table), arc(&column), set.index(&m)?)))
        .collect();
    for (code, own) in &agg.own.base {
        let code = arc(code);
        for (table, column, i) in &cols {
            let v = own.get(*i).copied().unwrap_or(0.0);
            if keep(v) {
                out.push(OwnRow {
                    code: code.clone(),
                    table: table.clone(),
                    category: None,
                    column: column.clone(),
                    value: v,
                });
            }
        }
    }
    for t in schemas.tables.defs() {
        let Some(bk) = &t.by else { continue };
        let Some(b) = set.breakdown(bk) else { continue };
        let table = arc(&t.id);
        for (code, per) in agg.own.broken.get(bk).into_iter().flatten() {
            let code = arc(code);
            for (value, v) in per {
                let value = arc(value);
                for (m, x) in b.measures.iter().zip(v) {
                    if keep(*x) {
                        out.push(OwnRow {
                            code: code.clone(),
                            table: table.clone(),
                            category: Some(value.clone()),
                            column: arc(m),
                            value: *x,
                        });
                    }
                }
            }
        }
    }
    let meeting_cols = meeting_columns(schemas);
    let meeting_keys: BTreeSet<&str> = meeting_cols.values().map(String::as_str).collect();
    let requirements = arc(REQUIREMENTS);
    let accepted_at_end = arc(ACCEPTED_AT_END);
    for (code, j) in &agg.own.judged {
        let code = arc(code);
        let mut push = |column: Arc<str>, value: f64| {
            out.push(OwnRow {
                code: code.clone(),
                table: requirements.clone(),
                category: None,
                column,
                value,
            })
        };
        for (k, v) in &j.counts {
            // A meeting type's count goes under its T2 key below.
            if keep(*v) && !meeting_keys.contains(&**k) {
                push(k.clone(), *v);
            }
        }
        for (t, v) in &j.meetings {
            if keep(*v) {
                push(arc(meeting_cols.get(t).unwrap_or(t)), *v);
            }
        }
        push(accepted_at_end.clone(), 1.0);
    }
    // In place (no buffer of half the rows at a province); the value
    // last, so that the order is total.
    out.par_sort_unstable_by(|a, b| {
        (&a.code, &a.table, &a.category, &a.column)
            .cmp(&(&b.code, &b.table, &b.category, &b.column))
            .then(a.value.total_cmp(&b.value))
    });
    out
}

/// Own parts read back from an output's rows, for the organisations of
/// `codes` (the tree); and the organisations accepted at its end.
pub fn parts(rows: &[OwnRow], schemas: &SchemaSet) -> (OwnParts, BTreeSet<String>) {
    let set = &schemas.measures;
    let width = set.width();
    let by_column: BTreeMap<(String, String), String> = columns(schemas)
        .into_iter()
        .map(|(t, c, m)| ((t, c), m))
        .collect();
    let breakdown_of: BTreeMap<&str, &str> = schemas
        .tables
        .defs()
        .iter()
        .filter_map(|t| Some((t.id.as_str(), t.by.as_deref()?)))
        .collect();
    let type_of: BTreeMap<String, String> = meeting_columns(schemas)
        .into_iter()
        .map(|(t, k)| (k, t))
        .collect();
    let mut own = OwnParts::default();
    let mut accepted = BTreeSet::new();
    // A maximum of nothing is no value, as in a direct aggregate.
    let start: Vec<f64> = set
        .base()
        .map(|m| if m.is_max() { f64::NAN } else { 0.0 })
        .collect();
    for r in rows {
        if &*r.table == REQUIREMENTS {
            let j = own.judged.entry(r.code.to_string()).or_default();
            if &*r.column == ACCEPTED_AT_END {
                accepted.insert(r.code.to_string());
                continue;
            }
            if let Some(t) = type_of.get(&*r.column) {
                j.meetings.insert(t.clone(), r.value);
                if set.measure(&r.column).is_some() {
                    j.counts.insert(r.column.clone(), r.value);
                }
            } else {
                j.counts.insert(r.column.clone(), r.value);
            }
            continue;
        }
        if let (Some(cat), Some(bk)) = (&r.category, breakdown_of.get(&*r.table)) {
            let Some(b) = set.breakdown(bk) else { continue };
            let Some(i) = b.measures.iter().position(|m| **m == *r.column) else {
                continue;
            };
            let v = own
                .broken
                .entry(bk.to_string())
                .or_default()
                .entry(r.code.to_string())
                .or_default()
                .entry(cat.to_string())
                .or_insert_with(|| vec![0.0; b.measures.len()]);
            v[i] = r.value;
            continue;
        }
        let Some(m) = by_column.get(&(r.table.to_string(), r.column.to_string())) else {
            continue;
        };
        let Some(i) = set.index(m) else { continue };
        let b = own
            .base
            .entry(r.code.to_string())
            .or_insert_with(|| start.clone());
        if b.len() < width {
            b.resize(width, 0.0);
        }
        b[i] = r.value;
    }
    // Organisations judged with no counts at all.
    for code in &accepted {
        own.judged
            .entry(code.clone())
            .or_insert_with(JudgedOn::default);
    }
    (own, accepted)
}
