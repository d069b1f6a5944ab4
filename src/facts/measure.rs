//! The measures of schemas/measures.toml evaluated: every measured ledger's
//! rows of the whole run in one polars frame (one row per ledger row, with
//! the file it came from and the organisation it counts at), each measure a
//! conditional sum in one group-by per ledger, so the conditions run
//! vectorised over all rows at once rather than cell by cell.

use anyhow::Result;
use chrono::NaiveDate;
use polars::prelude::*;
use std::sync::Arc;

use super::{counts_of, Extract, IdKey};
use crate::org::Level;
use crate::period::Period;
use crate::schema::{FieldType, MeasureSet, SchemaSet};
use crate::validate::{Record, Value};

/// One field's values down the rows of a ledger.
enum Cells {
    /// Texts straight into polars' buffers (one view per row, short texts
    /// inline): a file's column is one chunk of the run's frame, not one
    /// string per row copied twice.
    Text(StringChunkedBuilder),
    Num(Vec<Option<f64>>),
    Date(Vec<Option<NaiveDate>>),
    /// ID numbers, packed (`IdKey`): never held as text.
    Id(Vec<Option<u64>>),
}

/// A column that is no field of the ledger: the submitter's level, or (a
/// cover's rows) a figure of one of the submission's ledgers.
const NOT_A_FIELD: usize = usize::MAX;

/// The rows of one ledger of one file, only the fields the measures read.
#[derive(Default)]
pub struct Rows {
    /// The organisations the rows count at (few per file).
    orgs: Vec<Arc<str>>,
    /// Each organisation's level, for `submitter_level`.
    levels: Vec<Option<Level>>,
    /// Per row, its submitter's index in `orgs`.
    org: Vec<u32>,
    /// (field key, index in the record, values).
    cols: Vec<(String, usize, Cells)>,
    /// The column whose value counts once per organisation (the source's
    /// `unique`), and per row whether it repeats an earlier row's.
    unique: Option<usize>,
    dup: Vec<bool>,
    seen_ids: PlHashSet<(u32, u64)>,
    seen_texts: PlHashSet<(u32, String)>,
}

impl Rows {
    pub fn new(schemas: &SchemaSet, ledger: &str) -> Rows {
        let schema = schemas.get(ledger);
        let cols: Vec<(String, usize, Cells)> = schemas
            .measures
            .fields_read(ledger)
            .iter()
            .flat_map(|k| -> Vec<(String, usize, Cells)> {
                let Some(i) = schema.field_index(k) else {
                    if k == "submitter_level" {
                        return vec![(k.clone(), NOT_A_FIELD, text_cells(k, 0))];
                    }
                    // A ledger a cover's measure reads: its rows and sums.
                    let Some(l) = schemas.schemas.iter().find(|s| &s.name == k) else {
                        return Vec::new();
                    };
                    return std::iter::once("rows".to_string())
                        .chain(crate::schema::checks::summed(l).map(|f| f.key.clone()))
                        .map(|sub| (format!("{k}.{sub}"), NOT_A_FIELD, Cells::Num(Vec::new())))
                        .collect();
                };
                let cells = match schema.fields[i].ty {
                    FieldType::Integer | FieldType::Decimal | FieldType::Time => {
                        Cells::Num(Vec::new())
                    }
                    FieldType::Date => Cells::Date(Vec::new()),
                    FieldType::IdNumber => Cells::Id(Vec::new()),
                    _ => text_cells(k, 0),
                };
                vec![(k.clone(), i, cells)]
            })
            .collect();
        let unique = schemas
            .measures
            .source(ledger)
            .and_then(|s| s.unique.as_deref())
            .and_then(|u| cols.iter().position(|(k, _, _)| k == u));
        Rows {
            orgs: Vec::new(),
            org: Vec::new(),
            cols,
            unique,
            ..Rows::default()
        }
    }

    /// Room for `n` more rows: a file's ledger is pushed row by row, and
    /// growing every column by doubling was most of the pushing.
    pub fn reserve(&mut self, n: usize) {
        let empty = self.org.is_empty();
        self.org.reserve(n);
        for (key, _, cells) in &mut self.cols {
            match cells {
                // A builder is sized when made: a file's first rows.
                Cells::Text(c) => {
                    if empty {
                        *c = StringChunkedBuilder::new(key.as_str().into(), n);
                    }
                }
                Cells::Num(c) => c.reserve(n),
                Cells::Date(c) => c.reserve(n),
                Cells::Id(c) => c.reserve(n),
            }
        }
        if let Some(u) = self.unique {
            self.dup.reserve(n);
            match self.cols[u].2 {
                Cells::Id(_) => self.seen_ids.reserve(n),
                _ => self.seen_texts.reserve(n),
            }
        }
    }

    /// Add a row counting at `org` (of `level`); `figure` gives a cover
    /// row's figures of the submission's ledgers by `ledger.sub`.
    pub fn push(
        &mut self,
        org: &Arc<str>,
        level: Option<Level>,
        r: &Record,
        figure: &dyn Fn(&str) -> Option<f64>,
    ) {
        let i = match self.orgs.iter().rposition(|o| o == org) {
            Some(i) => i,
            None => {
                self.orgs.push(org.clone());
                self.levels.push(level);
                self.orgs.len() - 1
            }
        };
        self.org.push(i as u32);
        let lv = self.levels[i];
        let org = i as u32;
        let mut dup = false;
        for (c, (key, i, cells)) in self.cols.iter_mut().enumerate() {
            if *i == NOT_A_FIELD {
                match cells {
                    Cells::Text(c) => c.append_option(lv.map(|l| l.as_str())),
                    Cells::Num(c) => c.push(figure(key)),
                    _ => {}
                }
                continue;
            }
            let v = r.values.get(*i).unwrap_or(&Value::Blank);
            // The `unique` column: whether this row repeats an earlier
            // row's value at the same organisation.
            let unique = self.unique == Some(c);
            match cells {
                Cells::Text(c) => {
                    let t = v.text();
                    c.append_option(t);
                    if let (true, Some(t)) = (unique, t) {
                        dup = !self.seen_texts.insert((org, t.to_string()));
                    }
                }
                Cells::Num(c) => c.push(v.num()),
                Cells::Date(c) => c.push(v.date()),
                Cells::Id(c) => {
                    let id = v.text().map(|t| IdKey::of(t).0);
                    c.push(id);
                    if let (true, Some(id)) = (unique, id) {
                        dup = !self.seen_ids.insert((org, id));
                    }
                }
            }
        }
        if self.unique.is_some() {
            self.dup.push(dup);
        }
    }
}

/// An empty text column, room for `n` rows.
fn text_cells(key: &str, n: usize) -> Cells {
    Cells::Text(StringChunkedBuilder::new(key.into(), n))
}

/// Some files' rows of one ledger as a frame: `_file` (the extract's
/// index), `_org` (the submitter, as its index in that file's `orgs`), the
/// fields, and the period's bounds.
fn frame(owned: &mut [(u32, Rows)], period: Option<Period>) -> Result<DataFrame> {
    // The text columns: each file's builder is one chunk of the column.
    let mut texts: Vec<Option<StringChunked>> = Vec::new();
    for c in 0..owned[0].1.cols.len() {
        let mut column: Option<StringChunked> = None;
        for (_, r) in owned.iter_mut() {
            let Cells::Text(b) = &mut r.cols[c].2 else {
                break;
            };
            let part = std::mem::replace(b, StringChunkedBuilder::new(PlSmallStr::EMPTY, 0));
            let part = part.finish();
            match &mut column {
                None => column = Some(part),
                Some(all) => all.append_owned(part)?,
            }
        }
        texts.push(column);
    }
    let parts: Vec<(u32, &Rows)> = owned.iter().map(|(i, r)| (*i, r)).collect();
    let first = parts[0].1;
    let n: usize = parts.iter().map(|(_, r)| r.org.len()).sum();
    let mut file = Vec::with_capacity(n);
    let mut org: Vec<u32> = Vec::with_capacity(n);
    for (i, r) in &parts {
        file.extend(std::iter::repeat_n(*i, r.org.len()));
        org.extend_from_slice(&r.org);
    }
    let mut cols = vec![
        Column::new("_file".into(), file),
        Column::new("_org".into(), org),
    ];
    // A cover's figures of a ledger (`grid.rows`): one struct per ledger.
    let mut structs: Vec<(String, Vec<Series>)> = Vec::new();
    for (c, (key, _, cells)) in first.cols.iter().enumerate() {
        if let (Some((ledger, sub)), Cells::Num(_)) = (key.split_once('.'), cells) {
            let v: Vec<Option<f64>> = parts
                .iter()
                .flat_map(|(_, r)| match &r.cols[c].2 {
                    Cells::Num(v) => v.as_slice(),
                    _ => &[],
                })
                .copied()
                .collect();
            let part = Series::new(sub.into(), v);
            match structs.iter_mut().find(|(l, _)| l == ledger) {
                Some((_, p)) => p.push(part),
                None => structs.push((ledger.to_string(), vec![part])),
            }
            continue;
        }
        let name = PlSmallStr::from(key.as_str());
        // Column `c` of every part, of the variant `pick` takes.
        fn gather<'a, T: Clone + 'a>(
            parts: &'a [(u32, &Rows)],
            c: usize,
            pick: impl Fn(&'a Cells) -> Option<&'a Vec<T>>,
        ) -> Vec<T> {
            parts
                .iter()
                .flat_map(|(_, r)| pick(&r.cols[c].2).into_iter().flatten().cloned())
                .collect()
        }
        let col = match cells {
            Cells::Text(_) => match texts[c].take() {
                Some(t) => t.with_name(name).into_series().into(),
                None => Column::full_null(name, n, &DataType::String),
            },
            Cells::Num(_) => Column::new(
                name,
                gather(&parts, c, |x| match x {
                    Cells::Num(v) => Some(v),
                    _ => None,
                }),
            ),
            Cells::Date(_) => Column::new(
                name,
                gather(&parts, c, |x| match x {
                    Cells::Date(v) => Some(v),
                    _ => None,
                }),
            ),
            Cells::Id(_) => Column::new(
                name,
                gather(&parts, c, |x| match x {
                    Cells::Id(v) => Some(v),
                    _ => None,
                }),
            ),
        };
        cols.push(col);
    }
    for (ledger, parts) in structs {
        let s = StructChunked::from_series(ledger.as_str().into(), n, parts.iter())?;
        cols.push(s.into_series().into());
    }
    if first.unique.is_some() {
        let dup: Vec<bool> = parts
            .iter()
            .flat_map(|(_, r)| r.dup.iter().copied())
            .collect();
        cols.push(Column::new("_dup".into(), dup));
    }
    cols.extend(crate::schema::checks::period_columns(period, n));
    Ok(DataFrame::new_infer_height(cols)?)
}

/// A condition as a row filter: a null (a blank cell compared) is false.
/// Without a condition every row: a column, not a literal, so that it has
/// one value per row inside a group-by too.
fn cond(e: &Option<Expr>) -> Expr {
    match e {
        Some(e) => e.clone().fill_null(lit(false)),
        None => col("_org").is_not_null(),
    }
}

/// Where a measure's rows count: the submitter, or the field naming a
/// community.
fn at_expr(at: &Option<String>) -> Expr {
    match at {
        Some(f) => col(f.as_str()).cast(DataType::String),
        None => col("_org"),
    }
}

/// One counting or summing measure's value in each row: what the group-by
/// then sums. Computed over whole columns first, so that the group-by only
/// sums (polars' fast path) instead of evaluating conditions per group.
fn value_of(m: &crate::schema::measures::Measure, alias: String) -> Expr {
    match (&m.sum, &m.value_expr) {
        (Some(_), Some(e)) => when(cond(&m.filter_expr))
            .then(e.clone().cast(DataType::Float64).fill_null(lit(0.0)))
            .otherwise(lit(0.0))
            .alias(alias),
        _ => cond(&m.filter_expr).cast(DataType::Float64).alias(alias),
    }
}

/// The sums of the value columns `_m0 … _m{n-1}`.
fn sums(n: usize) -> Vec<Expr> {
    (0..n).map(|i| col(format!("_m{i}")).sum()).collect()
}

fn strs<'a>(df: &'a DataFrame, name: &str) -> Result<&'a StringChunked> {
    Ok(df.column(name)?.str()?)
}

/// A result's `_at` column: submitter indices, or community codes.
type AtColumns<'a> = (Option<&'a UInt32Chunked>, Option<&'a StringChunked>);

fn at_columns<'a>(out: &'a DataFrame, at: &Option<String>) -> Result<AtColumns<'a>> {
    Ok(match at {
        None => (Some(out.column("_at")?.u32()?), None),
        Some(_) => (None, Some(strs(out, "_at")?)),
    })
}

/// Files per frame: the results are per file, so chunks give the same
/// counts while memory holds one chunk's frame, not the run's.
const CHUNK: usize = 2048;

/// Fill every extract's counts from its rows, for the period of the run;
/// each file's rows are dropped as soon as they are measured.
pub fn measure(
    extracts: &mut [Extract],
    schemas: &SchemaSet,
    period: Option<Period>,
) -> Result<()> {
    let set: &MeasureSet = &schemas.measures;
    for start in (0..extracts.len()).step_by(CHUNK) {
        let end = (start + CHUNK).min(extracts.len());
        for ledger in set.ledgers() {
            let mut owned: Vec<(u32, Rows)> = (start..end)
                .filter_map(|i| extracts[i].rows.remove(ledger).map(|r| (i as u32, r)))
                .filter(|(_, r)| !r.org.is_empty())
                .collect();
            if owned.is_empty() {
                continue;
            }
            let df = frame(&mut owned, period)?;
            measure_ledger(extracts, set, ledger, df, &owned)?;
        }
    }
    for e in extracts.iter_mut() {
        e.rows.clear();
    }
    Ok(())
}

/// The organisation a result row counts at: a submitter by its index in
/// its file's rows, or a community by the code a field holds.
fn org_at<'a>(
    owned: &'a [(u32, Rows)],
    file: u32,
    idx: Option<u32>,
    code: Option<&'a str>,
) -> Option<&'a str> {
    match (idx, code) {
        (_, Some(c)) => Some(c),
        (Some(i), None) => {
            let k = owned.binary_search_by_key(&file, |(f, _)| *f).ok()?;
            owned[k].1.orgs.get(i as usize).map(|o| &**o)
        }
        _ => None,
    }
}

/// Add `run`, values of base count `i`, to the set of the organisation
/// they count at, and empty it.
fn add_ids(extracts: &mut [Extract], at: Option<(u32, &str)>, i: usize, run: &mut Vec<u64>) {
    if let (Some((f, o)), false) = (at, run.is_empty()) {
        let set = counts_of(&mut extracts[f as usize].counts, o)
            .id_sets
            .entry(i)
            .or_default();
        Arc::make_mut(set).extend_from_slice(run);
    }
    run.clear();
}

fn measure_ledger(
    extracts: &mut [Extract],
    set: &MeasureSet,
    ledger: &str,
    df: DataFrame,
    owned: &[(u32, Rows)],
) -> Result<()> {
    let mut taken = df.lazy();
    if let Some(s) = set.source(ledger) {
        // A repeated `unique` value was marked as the rows were taken
        // (cheaper than a unique over the run's frame).
        if s.unique.is_some() {
            taken = taken.filter(col("_dup").not());
        }
        taken = taken.filter(cond(&s.filter_expr));
    }
    let taken = taken.collect()?;
    let measures: Vec<_> = set.measures.iter().filter(|m| m.ledger == ledger).collect();
    // Counts and sums: one group-by per place the rows count at.
    let mut ats: Vec<&Option<String>> = Vec::new();
    for m in &measures {
        if !ats.contains(&&m.at) {
            ats.push(&m.at);
        }
    }
    for at in ats {
        let here: Vec<_> = measures
            .iter()
            .filter(|m| &m.at == at && m.distinct.is_none() && !m.is_max())
            .collect();
        if !here.is_empty() {
            let mut values: Vec<Expr> = here
                .iter()
                .enumerate()
                .map(|(i, m)| value_of(m, format!("_m{i}")))
                .collect();
            values.push(at_expr(at).alias("_at"));
            let out = taken
                .clone()
                .lazy()
                .with_columns(values)
                .filter(col("_at").is_not_null())
                .group_by_stable([col("_file"), col("_at")])
                .agg(sums(here.len()))
                .collect()?;
            let files = out.column("_file")?.u32()?;
            let (idx, codes) = at_columns(&out, at)?;
            let vals: Vec<&Float64Chunked> = (0..here.len())
                .map(|i| out.column(&format!("_m{i}")).and_then(|c| c.f64()))
                .collect::<PolarsResult<_>>()?;
            let slots: Vec<Option<usize>> = here.iter().map(|m| set.index(&m.key)).collect();
            for r in 0..out.height() {
                let Some(f) = files.get(r) else { continue };
                let Some(o) = org_at(
                    owned,
                    f,
                    idx.and_then(|c| c.get(r)),
                    codes.and_then(|c| c.get(r)),
                ) else {
                    continue;
                };
                let c = counts_of(&mut extracts[f as usize].counts, o);
                for ((m, v), slot) in here.iter().zip(&vals).zip(&slots) {
                    let v = v.get(r).unwrap_or(0.0);
                    match slot {
                        Some(i) => c.add(*i, v),
                        None => *c.aux.entry(m.key.clone()).or_default() += v,
                    }
                }
            }
        }
        // Maxima: the largest value per file and organisation, kept as a
        // maximum up the tree.
        for m in measures.iter().filter(|m| &m.at == at && m.is_max()) {
            let e = m.value_expr.clone().expect("compiled at load");
            let out = taken
                .clone()
                .lazy()
                .with_column(at_expr(at).alias("_at"))
                .filter(col("_at").is_not_null().and(cond(&m.filter_expr)))
                .with_column(e.cast(DataType::Float64).alias("_v"))
                .filter(col("_v").is_not_null())
                .group_by_stable([col("_file"), col("_at")])
                .agg([col("_v").max()])
                .collect()?;
            let files = out.column("_file")?.u32()?;
            let (idx, codes) = at_columns(&out, at)?;
            let vals = out.column("_v")?.f64()?;
            let i = set.index(&m.key).expect("a base count");
            for r in 0..out.height() {
                let (Some(f), Some(v)) = (files.get(r), vals.get(r)) else {
                    continue;
                };
                let Some(o) = org_at(
                    owned,
                    f,
                    idx.and_then(|c| c.get(r)),
                    codes.and_then(|c| c.get(r)),
                ) else {
                    continue;
                };
                let c = counts_of(&mut extracts[f as usize].counts, o);
                let x = c.maxes.entry(i).or_insert(v);
                *x = x.max(v);
            }
        }
        // Distinct values: the sets, so that the files of one
        // organisation count a value once.
        for m in measures
            .iter()
            .filter(|m| &m.at == at && m.distinct.is_some())
        {
            let e = m.value_expr.clone().expect("compiled at load");
            let plain = m.distinct.as_deref().filter(|f| taken.column(f).is_ok());
            // Packed ID numbers stay numbers in a base count's set; the
            // targets' own sets hold text.
            let ids = set.index(&m.key).is_some()
                && plain.is_some_and(|f| {
                    taken
                        .column(f)
                        .is_ok_and(|c| matches!(c.dtype(), DataType::UInt64))
                });
            let value = if ids {
                e.alias("_v")
            } else {
                e.cast(DataType::String).alias("_v")
            };
            let mut out = taken
                .clone()
                .lazy()
                .with_column(at_expr(at).alias("_at"))
                .filter(col("_at").is_not_null().and(cond(&m.filter_expr)))
                .select([col("_file"), col("_at"), value])
                .filter(col("_v").is_not_null());
            // Texts go into sets one by one, each squeezed first: a value
            // met again in the same file and place is dropped here, by
            // polars, rather than squeezed and looked up again.
            if !ids {
                out = out.unique_stable(None, UniqueKeepStrategy::First);
            }
            let out = out.collect()?;
            let files = out.column("_file")?.u32()?;
            let (idx, codes) = at_columns(&out, at)?;
            let i = set.index(&m.key);
            // Where row `r` counts: its file and organisation.
            let place = |r: usize| -> Option<(u32, &str)> {
                let fi = files.get(r)?;
                let o = org_at(
                    owned,
                    fi,
                    idx.and_then(|c| c.get(r)),
                    codes.and_then(|c| c.get(r)),
                )?;
                Some((fi, o))
            };
            if let (true, Some(i)) = (ids, i) {
                // A file's rows of one organisation come together: each
                // run of them is added to its set at once.
                let vals = out.column("_v")?.u64()?;
                let mut run: Vec<u64> = Vec::new();
                let mut run_at: Option<(u32, &str)> = None;
                for r in 0..out.height() {
                    let (Some(p), Some(v)) = (place(r), vals.get(r)) else {
                        continue;
                    };
                    if run_at != Some(p) {
                        add_ids(extracts, run_at, i, &mut run);
                        run_at = Some(p);
                    }
                    run.push(v);
                }
                add_ids(extracts, run_at, i, &mut run);
                for (f, _) in owned {
                    for c in extracts[*f as usize].counts.values_mut() {
                        if let Some(s) = c.id_sets.get_mut(&i) {
                            let s = Arc::make_mut(s);
                            s.sort_unstable();
                            s.dedup();
                            s.shrink_to_fit();
                        }
                    }
                }
                continue;
            }
            let vals = strs(&out, "_v")?;
            for r in 0..out.height() {
                let (Some((fi, o)), Some(v)) = (place(r), vals.get(r)) else {
                    continue;
                };
                // Names compare ignoring spaces, line breaks and full-width
                // forms (reports.md §1): one unit written two ways is one.
                let v = crate::text::squeezed(v).collect::<String>();
                if v.is_empty() {
                    continue;
                }
                let c = counts_of(&mut extracts[fi as usize].counts, o);
                match i {
                    Some(i) => c.sets.entry(i).or_default().insert(v),
                    None => c.aux_sets.entry(m.key.clone()).or_default().insert(v),
                };
            }
        }
    }
    // Breakdowns: the listed measures again, per value of `by`.
    for b in set.breakdowns.iter().filter(|b| b.ledger == ledger) {
        let listed: Vec<_> = b.measures.iter().filter_map(|k| set.measure(k)).collect();
        let mut values: Vec<Expr> = listed
            .iter()
            .enumerate()
            .map(|(i, m)| value_of(m, format!("_m{i}")))
            .collect();
        let by = b.by_expr.clone().expect("compiled at load");
        values.push(by.cast(DataType::String).alias("_by"));
        let out = taken
            .clone()
            .lazy()
            .with_columns(values)
            .filter(col("_by").is_not_null())
            .group_by_stable([col("_file"), col("_org"), col("_by")])
            .agg(sums(listed.len()))
            .collect()?;
        let files = out.column("_file")?.u32()?;
        let orgs = out.column("_org")?.u32()?;
        let bys = strs(&out, "_by")?;
        let vals: Vec<&Float64Chunked> = (0..listed.len())
            .map(|i| out.column(&format!("_m{i}")).and_then(|c| c.f64()))
            .collect::<PolarsResult<_>>()?;
        for r in 0..out.height() {
            let (Some(f), Some(g)) = (files.get(r), bys.get(r)) else {
                continue;
            };
            let Some(o) = org_at(owned, f, orgs.get(r), None) else {
                continue;
            };
            let c = counts_of(&mut extracts[f as usize].counts, o);
            let e = c
                .breakdowns
                .entry(b.key.clone())
                .or_default()
                .entry(g.to_string())
                .or_insert_with(|| vec![0.0; listed.len()]);
            for (x, v) in e.iter_mut().zip(&vals) {
                *x += v.get(r).unwrap_or(0.0);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The frames the measures run over have the column types the load
    /// checks a county's conditions against (schema::measures::empty_frame):
    /// were they to part, a condition passed at load could fail mid-run.
    #[test]
    fn the_measures_frames_have_the_types_the_load_checks_against() {
        let set = SchemaSet::embedded().unwrap();
        let mut compared = 0;
        for ledger in set.measures.ledgers() {
            let schema = set.get(ledger);
            let mut owned = vec![(0u32, Rows::new(&set, ledger))];
            let run = frame(&mut owned, None).unwrap();
            let load = crate::schema::measures::empty_frame(schema, &set.schemas).unwrap();
            for c in run.columns() {
                if c.name().starts_with('_') {
                    continue;
                }
                let l = load
                    .column(c.name())
                    .unwrap_or_else(|_| panic!("{ledger}: no {} at load", c.name()));
                match (c.dtype(), l.dtype()) {
                    // A cover's figures of a ledger: the load's struct holds
                    // every figure, the run's those read.
                    (DataType::Struct(r), DataType::Struct(a)) => {
                        for f in r.iter() {
                            assert!(
                                a.iter()
                                    .any(|x| x.name() == f.name() && x.dtype() == f.dtype()),
                                "{ledger}: {} {f:?}",
                                c.name()
                            );
                        }
                    }
                    (r, a) => assert_eq!(r, a, "{ledger}: {}", c.name()),
                }
                compared += 1;
            }
        }
        assert!(compared > 20, "only {compared} columns compared");
    }
}
