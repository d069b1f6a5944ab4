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

/// state/own_counts.parquet's rows, sorted. A row names its texts by
/// their place in `texts`, which is itself in order, so that the rows sort
/// by numbers: 32 bytes a row, not the 72 of four shared texts and a
/// value, and no text read while sorting (a province has millions of
/// rows).
pub struct OwnTable {
    /// Every code, table, category and column the rows show, once, sorted.
    pub texts: Vec<Arc<str>>,
    pub rows: Vec<OwnKey>,
}

/// One row of [`OwnTable`]: its texts by their index in `texts`.
#[derive(Clone, Copy)]
pub struct OwnKey {
    pub code: u32,
    pub table: u32,
    /// The breakdown value (T3b's category), else none (first in order).
    pub category: Option<u32>,
    pub column: u32,
    pub value: f64,
}

/// Texts numbered as they come; then renumbered in order.
#[derive(Default)]
struct Numbered {
    index: foldhash::HashMap<Arc<str>, u32>,
    texts: Vec<Arc<str>>,
}

impl Numbered {
    fn of(&mut self, s: &str) -> u32 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        let a: Arc<str> = s.into();
        let i = self.texts.len() as u32;
        self.index.insert(a.clone(), i);
        self.texts.push(a);
        i
    }

    /// The texts in order, and each earlier number's place among them.
    fn sorted(self) -> (Vec<Arc<str>>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.texts.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.texts[*a as usize].cmp(&self.texts[*b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, i) in order.iter().enumerate() {
            rank[*i as usize] = r as u32;
        }
        let texts = order
            .iter()
            .map(|i| self.texts[*i as usize].clone())
            .collect();
        (texts, rank)
    }
}

/// The rows an output keeps, sorted by code, table, category, column and
/// value.
pub fn rows(agg: &Aggregation, schemas: &SchemaSet) -> OwnTable {
    let set = &schemas.measures;
    let mut out: Vec<OwnKey> = Vec::new();
    let keep = |v: f64| v != 0.0 && !v.is_nan();
    let mut texts = Numbered::default();
    // Resolved once, not per organisation: at a province that was most of
    // this function.
    let cols: Vec<(u32, u32, usize)> = columns(schemas)
        .into_iter()
        .filter_map(|(table, column, m)| {
            Some((texts.of(&table), texts.of(&column), set.index(&m)?))
        })
        .collect();
    let row = |code, table, category, column, value| OwnKey {
        code,
        table,
        category,
        column,
        value,
    };
    for (code, own) in &agg.own.base {
        let code = texts.of(code);
        for (table, column, i) in &cols {
            let v = own.get(*i).copied().unwrap_or(0.0);
            if keep(v) {
                out.push(row(code, *table, None, *column, v));
            }
        }
    }
    for t in schemas.tables.defs() {
        let Some(bk) = &t.by else { continue };
        let Some(b) = set.breakdown(bk) else { continue };
        let table = texts.of(&t.id);
        let measures: Vec<u32> = b.measures.iter().map(|m| texts.of(m)).collect();
        for (code, per) in agg.own.broken.get(bk).into_iter().flatten() {
            let code = texts.of(code);
            for (value, v) in per {
                let value = texts.of(value);
                for (m, x) in measures.iter().zip(v) {
                    if keep(*x) {
                        out.push(row(code, table, Some(value), *m, *x));
                    }
                }
            }
        }
    }
    let meeting_cols = meeting_columns(schemas);
    let meeting_keys: BTreeSet<&str> = meeting_cols.values().map(String::as_str).collect();
    let requirements = texts.of(REQUIREMENTS);
    let accepted_at_end = texts.of(ACCEPTED_AT_END);
    for (code, j) in &agg.own.judged {
        let code = texts.of(code);
        for (k, v) in &j.counts {
            // A meeting type's count goes under its T2 key below.
            if keep(*v) && !meeting_keys.contains(&**k) {
                out.push(row(code, requirements, None, texts.of(k), *v));
            }
        }
        for (t, v) in &j.meetings {
            if keep(*v) {
                let column = texts.of(meeting_cols.get(t).unwrap_or(t));
                out.push(row(code, requirements, None, column, *v));
            }
        }
        out.push(row(code, requirements, None, accepted_at_end, 1.0));
    }
    let (texts, rank) = texts.sorted();
    let r = |i: u32| rank[i as usize];
    for k in &mut out {
        k.code = r(k.code);
        k.table = r(k.table);
        k.category = k.category.map(r);
        k.column = r(k.column);
    }
    // In place (no buffer of half the rows at a province); the value
    // last, so that the order is total.
    out.par_sort_unstable_by(|a, b| {
        (a.code, a.table, a.category, a.column)
            .cmp(&(b.code, b.table, b.category, b.column))
            .then(a.value.total_cmp(&b.value))
    });
    OwnTable { texts, rows: out }
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
