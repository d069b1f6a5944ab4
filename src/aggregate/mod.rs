//! The report tables T0–T4 (reports.md): each organisation's own counts
//! (from the facts of its files), summed over its subtree in one pass over
//! the organisation tree (`roll_up`), then put in polars frames where every
//! rate is recomputed at every row from that row's summed numerator and
//! denominator, and T3b is grouped by category.

use anyhow::Result;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

pub mod compare;
pub mod history;
pub mod own;
pub mod periods;

pub mod tree;
pub mod values;

use crate::facts::{Counts, Extract};
use crate::schema::measures::Of;
use crate::schema::tables::{Col, Kind, TableDef};
use tree::{Node, Tree};

use crate::audit::targets::{judge_all, Judged, Shortfall};
use crate::diag::Diagnostic;
use crate::diag::Severity;
use crate::facts::sha256_of;
use crate::org::Level;
use crate::period::Period;
use crate::schema::SchemaSet;
use crate::summary::{GeneratedBy, InputFile, RegistryFile, Scope, SummaryHead};
use crate::validate::submission::SubmissionKind;
use crate::validate::Registry;
use std::path::Path;

/// The node frame's column of each organisation's own files, which a
/// table's `value = "files"` column shows under its own key.
const FILES: &str = "files";

/// One computed table.
pub struct Table {
    pub def: TableDef,
    pub df: DataFrame,
}

pub use crate::summary::Excluded;

pub struct Aggregation {
    pub period: Period,
    pub scope: Node,
    pub tables: Vec<Table>,
    pub excluded: Vec<Excluded>,
    pub below_target: Vec<Shortfall>,
    /// Meetings required by type, summed over the accepted organisations.
    pub meeting_required: BTreeMap<String, u32>,
    /// The registration minimum for the period.
    pub registration_minimum: u32,
    /// The charts (tables.toml), and the requirements their lines draw,
    /// for the period.
    pub charts: Vec<crate::schema::tables::ChartDecl>,
    pub chart_lines: BTreeMap<String, f64>,
    /// Built from county report workbooks (逐级汇总), not submissions.
    pub rollup: bool,
    /// The tables of an optional form no aggregated submission carried:
    /// (table id, the form's title), for the 说明 sheet.
    pub absent_forms: Vec<(String, String)>,
    /// The per-rule summary (审核汇总), set by the caller from the audits.
    pub rules: Vec<crate::summary::RuleCount>,
    /// Every organisation's own counts (state/own_counts.parquet).
    pub own: OwnParts,
    /// Built from sub-periods' outputs (reports.md §5.1).
    pub sub_periods: Option<crate::summary::Rollup>,
    /// Said after the period on the 报告期 line: how a roll-up was built.
    pub period_note: Option<String>,
    /// Said on the 说明 sheet after the standard notes.
    pub notes: Vec<String>,
    /// Every organisation of the tree with its level.
    pub levels: BTreeMap<String, Level>,
    /// With `--history`: the headline figures over periods (reports.md §5.2).
    pub history: Option<crate::summary::History>,
}

/// Per breakdown (of a table with `by`), node and value: the breakdown's
/// measures, in its order.
type Broken = BTreeMap<String, BTreeMap<String, BTreeMap<String, Vec<f64>>>>;

/// Own counts per node (in `MeasureSet::base` order), per breakdown,
/// each node's files, shortfalls, what each organisation was judged on.
type Own = (
    BTreeMap<String, Vec<f64>>,
    Broken,
    BTreeMap<String, String>,
    Vec<Shortfall>,
    BTreeMap<String, JudgedOn>,
);

/// What an organisation's requirements were judged on (reports.md §5.5,
/// own_counts' `requirements` rows): its counts of ledger rows by measure
/// key, and its meetings by type. A period roll-up judges again from these.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JudgedOn {
    /// By measure key, each key shared by every organisation's map.
    pub counts: BTreeMap<Arc<str>, f64>,
    pub meetings: BTreeMap<String, f64>,
}

impl JudgedOn {
    /// The measure keys a requirement may read, with their base counts:
    /// made once for all organisations.
    fn keys(schemas: &SchemaSet) -> Vec<(Arc<str>, Option<usize>)> {
        let set = &schemas.measures;
        set.measures
            .iter()
            .filter(|m| m.of.is_none())
            .map(|m| (m.key.as_str().into(), set.index(&m.key)))
            .collect()
    }

    /// Zeros are left out, as own_counts.parquet leaves them out (a
    /// missing count reads as 0): a province's units have dozens of
    /// measures, nearly all of them 0.
    fn of(c: &Counts, keys: &[(Arc<str>, Option<usize>)]) -> JudgedOn {
        let counts = keys
            .iter()
            .filter_map(|(k, i)| {
                let v = match i {
                    Some(i) => c.value(*i),
                    None => c.aux(k),
                };
                (v != 0.0 && !v.is_nan()).then(|| (k.clone(), v))
            })
            .collect();
        let meetings = c
            .breakdowns
            .get(crate::audit::targets::MEETING_TYPES)
            .map(|b| {
                b.iter()
                    .map(|(t, v)| (t.clone(), v.first().copied().unwrap_or(0.0)))
                    .collect()
            })
            .unwrap_or_default();
        JudgedOn { counts, meetings }
    }

    /// The counts again, as the requirements read them.
    pub fn counts(&self, schemas: &SchemaSet) -> Counts {
        let set = &schemas.measures;
        let mut c = Counts {
            base: vec![0.0; set.width()],
            ..Default::default()
        };
        for (k, v) in &self.counts {
            match set.index(k) {
                Some(i) => c.base[i] = *v,
                None => {
                    c.aux.insert(k.to_string(), *v);
                }
            }
        }
        let m = c
            .breakdowns
            .entry(crate::audit::targets::MEETING_TYPES.to_string())
            .or_default();
        for (t, v) in &self.meetings {
            m.insert(t.clone(), vec![*v]);
        }
        c
    }
}

/// Each organisation's own part of every base count and breakdown (its
/// row less its children's), and what its requirements were judged on:
/// what an output keeps (state/own_counts.parquet) for a period roll-up.
#[derive(Debug, Clone, Default)]
pub struct OwnParts {
    pub base: BTreeMap<String, Vec<f64>>,
    pub broken: Broken,
    pub judged: BTreeMap<String, JudgedOn>,
}

#[allow(clippy::too_many_arguments)]
fn own_counts(
    tree: &Tree,
    extracts: &[Extract],
    accepted: &[bool],
    schemas: &SchemaSet,
    period: &Period,
    has_registry: bool,
    rollup: bool,
    meeting_required: &mut BTreeMap<String, u32>,
) -> Result<Own> {
    let reqs = &schemas.requirements;
    let set = &schemas.measures;
    let base_keys: Vec<&str> = set.base().map(|m| m.key.as_str()).collect();
    // The breakdowns the tables show, with their measures.
    let shown: Vec<(&str, &[String])> = schemas
        .tables
        .defs()
        .iter()
        .filter_map(|t| t.by.as_deref())
        .filter_map(|b| set.breakdown(b))
        .map(|b| (b.key.as_str(), b.measures.as_slice()))
        .collect();
    let root = tree.root().code.clone();
    // Borrowed from the one extract that has an organisation's counts (by
    // far the common case), copied only to merge a second: a province's
    // counts are not held twice.
    let mut merged: BTreeMap<&str, std::borrow::Cow<Counts>> = BTreeMap::new();
    // Borrowed from the extracts: a province has 50,000 organisations.
    let mut has_sub: BTreeMap<&str, bool> = BTreeMap::new();
    let mut acc: BTreeMap<&str, bool> = BTreeMap::new();
    let mut files: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut errs: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    // (organisation, ledger) an aggregated submission has rows of.
    let mut carried: std::collections::BTreeSet<(&str, &str)> = Default::default();
    let mut base = empty_base(tree, set);
    let mut broken: Broken = BTreeMap::new();
    let add_to = |t: &mut BTreeMap<String, Vec<f64>>, value: &str, v: &[f64]| {
        let e = t
            .entry(value.to_string())
            .or_insert_with(|| vec![0.0; v.len()]);
        for (a, b) in e.iter_mut().zip(v) {
            *a += b;
        }
    };
    for (e, ok) in extracts.iter().zip(accepted) {
        let mut orgs: Vec<&str> = e.org.iter().map(String::as_str).collect();
        for (o, _) in &e.ledger_orgs {
            if !orgs.contains(&o.as_str()) {
                orgs.push(o);
            }
        }
        // A file nobody in the tree owns counts its problems at the root.
        let owner: &str = e
            .org
            .as_deref()
            .filter(|o| tree.get(o).is_some())
            .unwrap_or(root.as_str());
        let x = errs.entry(owner).or_default();
        for d in &e.diagnostics {
            match d.severity {
                Severity::Error => x.0 += 1.0,
                Severity::Warning if d.explanation.is_none() => x.1 += 1.0,
                _ => {}
            }
        }
        if e.kind != SubmissionKind::Unreadable {
            files.entry(owner).or_default().push(&e.file);
        }
        for o in &orgs {
            *has_sub.entry(o).or_default() = true;
            if *ok {
                *acc.entry(o).or_default() = true;
            }
        }
        if !*ok {
            continue;
        }
        for (o, l) in &e.ledger_orgs {
            carried.insert((o.as_str(), l.as_str()));
        }
        if let Some(r) = &e.report {
            if let Some(b) = base.get_mut(&r.code) {
                for ((a, k), m) in b.iter_mut().zip(&base_keys).zip(set.base()) {
                    let v = r.base.get(*k).copied().unwrap_or(0.0);
                    if m.is_max() {
                        *a = a.max(v);
                    } else {
                        *a += v;
                    }
                }
            }
            for (bk, measures) in &shown {
                let t = broken
                    .entry(bk.to_string())
                    .or_default()
                    .entry(r.code.clone())
                    .or_default();
                for (value, v) in r.breakdowns.get(*bk).into_iter().flatten() {
                    let v: Vec<f64> = measures
                        .iter()
                        .map(|m| v.get(m).copied().unwrap_or(0.0))
                        .collect();
                    add_to(t, value, &v);
                }
            }
            continue;
        }
        for (code, c) in &e.counts {
            match merged.entry(code.as_str()) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(std::borrow::Cow::Borrowed(c));
                }
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    o.get_mut().to_mut().merge(c)
                }
            }
        }
    }
    // Judged only where the organisation's return is aggregated and has
    // counts: every such organisation at once.
    let to_judge: Vec<Judged> = tree
        .nodes
        .iter()
        .filter_map(|n| {
            let ok = acc.get(n.code.as_str()).copied().unwrap_or(false);
            Some(Judged {
                code: &n.code,
                name: &n.name,
                level: Level::parse(&n.level)?,
                counts: merged.get(n.code.as_str()).filter(|_| ok)?,
            })
        })
        .collect();
    let mut judged: BTreeMap<String, crate::audit::targets::Judgement> = to_judge
        .iter()
        .map(|o| o.code.to_string())
        .zip(judge_all(&to_judge, schemas, period)?)
        .collect();
    let keys = JudgedOn::keys(schemas);
    let judged_on: BTreeMap<String, JudgedOn> = to_judge
        .iter()
        .map(|o| (o.code.to_string(), JudgedOn::of(o.counts, &keys)))
        .collect();
    drop(to_judge);
    let mut below = Vec::new();
    for n in &tree.nodes {
        let b = base.get_mut(&n.code).expect("every node has a row");
        let sub = has_sub.get(n.code.as_str()).copied().unwrap_or(false);
        let ok = acc.get(n.code.as_str()).copied().unwrap_or(false);
        let exp = n.expected.unwrap_or(false);
        let level = Level::parse(&n.level);
        let (e, w) = errs.get(n.code.as_str()).copied().unwrap_or_default();
        let c = merged.get(n.code.as_str()).map(|c| &**c);
        let j = judged.remove(&n.code);
        for (i, m) in set.base().enumerate() {
            let Some(of) = m.of else {
                if let Some(c) = c {
                    if m.is_max() {
                        if let Some(x) = c.maxes.get(&i) {
                            b[i] = b[i].max(*x);
                        }
                    } else {
                        b[i] += c.value(i);
                    }
                }
                continue;
            };
            b[i] += match of {
                Of::Expected => (has_registry && exp) as u8 as f64,
                Of::Submitted if has_registry => (exp && sub) as u8 as f64,
                Of::Accepted if has_registry => (exp && ok) as u8 as f64,
                Of::Submitted => (!rollup && sub) as u8 as f64,
                Of::Accepted => (!rollup && ok) as u8 as f64,
                Of::Errors => e,
                Of::Warnings => w,
                Of::Organisations if m.level != level => 0.0,
                Of::Organisations
                    if m.carries
                        .as_deref()
                        .is_some_and(|l| !(ok && carried.contains(&(n.code.as_str(), l)))) =>
                {
                    0.0
                }
                Of::Organisations => match (&m.meets, m.accepted) {
                    (None, false) => 1.0,
                    (None, true) => j.is_some() as u8 as f64,
                    (Some(t), _) => j.as_ref().is_some_and(|j| j.meets(t)) as u8 as f64,
                },
                Of::RequirementItems => j.as_ref().map_or(0.0, |j| j.requirements as f64),
                Of::RequirementItemsMet => j.as_ref().map_or(0.0, |j| j.requirements_met as f64),
            };
        }
        if let Some(c) = c {
            for (bk, _) in &shown {
                let t = broken
                    .entry(bk.to_string())
                    .or_default()
                    .entry(n.code.clone())
                    .or_default();
                for (value, v) in c.breakdowns.get(*bk).into_iter().flatten() {
                    add_to(t, value, v);
                }
            }
        }
        let (Some(j), Some(level)) = (j, level) else {
            continue;
        };
        if level != Level::Unit {
            for (t, min) in reqs.meeting_minimums(level, period) {
                *meeting_required.entry(t.to_string()).or_default() += min;
            }
        }
        below.extend(j.shortfalls);
    }
    let files = files
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.join(";")))
        .collect();
    Ok((base, broken, files, below, judged_on))
}

/// The columns every row carries (reports.md §1) and its place in the tree's
/// order, for `rows` rows each belonging to the node `node_of` gives.
fn node_columns(tree: &Tree, rows: usize, node_of: impl Fn(usize) -> usize) -> Vec<Column> {
    let node = |r: usize| &tree.nodes[node_of(r)];
    let text = |name: &str, f: &dyn Fn(&Node) -> &str| {
        Column::new(
            name.into(),
            (0..rows).map(|r| f(node(r))).collect::<Vec<_>>(),
        )
    };
    vec![
        Column::new(
            "order".into(),
            (0..rows).map(|r| node_of(r) as u32).collect::<Vec<_>>(),
        ),
        text("level", &|n| n.level.as_str()),
        text("code", &|n| n.code.as_str()),
        text("name", &|n| n.name.as_str()),
        Column::new(
            "parent_code".into(),
            (0..rows)
                .map(|r| node(r).parent.as_deref())
                .collect::<Vec<_>>(),
        ),
    ]
}

fn rate_expr(num: &str, den: &str) -> Expr {
    when(col(den).eq(lit(0.0)).or(col(den).is_null()))
        .then(lit(NULL).cast(DataType::Float64))
        .otherwise(col(num) / col(den))
}

/// Sum each node's subtree in place. `vals` holds `stride` values per node,
/// in the tree's order; nodes come parents first (depth-first), so adding
/// every node into its parent from the last to the first leaves each node
/// holding its subtree's total. One pass over an array: a map is enough
/// here, where a join of every (ancestor, descendant) pair in polars took
/// most of this step's time and memory (docs/performance.md).
/// Every node's base counts before any is added: 0, but a maximum starts
/// as no value (NaN, blank in the tables).
fn empty_base(
    tree: &Tree,
    set: &crate::schema::measures::MeasureSet,
) -> BTreeMap<String, Vec<f64>> {
    let start: Vec<f64> = set
        .base()
        .map(|m| if m.is_max() { f64::NAN } else { 0.0 })
        .collect();
    tree.nodes
        .iter()
        .map(|n| (n.code.clone(), start.clone()))
        .collect()
}

fn roll_up(tree: &Tree, stride: usize, vals: &mut [f64], maxima: &[bool]) {
    for i in (1..tree.nodes.len()).rev() {
        let Some(p) = tree.nodes[i]
            .parent
            .as_deref()
            .and_then(|p| tree.index_of(p))
        else {
            continue;
        };
        assert!(p < i, "a parent comes before its children");
        let (before, from_i) = vals.split_at_mut(i * stride);
        for ((d, v), max) in before[p * stride..(p + 1) * stride]
            .iter_mut()
            .zip(&from_i[..stride])
            .zip(maxima.iter().chain(std::iter::repeat(&false)))
        {
            if *max {
                *d = d.max(*v);
            } else {
                *d += v;
            }
        }
    }
}

/// What the tables are computed from: the tree, every organisation's own
/// counts, and what goes beside them. A direct aggregate builds it from
/// submissions (or county report workbooks), a period roll-up from the
/// sub-periods' outputs (reports.md §5.1).
pub struct Basis {
    pub tree: Tree,
    pub own: OwnParts,
    pub files: BTreeMap<String, String>,
    pub below: Vec<Shortfall>,
    pub meeting_required: BTreeMap<String, u32>,
    pub has_registry: bool,
    /// Built from county report workbooks (逐级汇总).
    pub rollup: bool,
    /// Each detail table's rows, in tables.toml's order.
    pub details: Vec<DataFrame>,
    pub excluded: Vec<Excluded>,
    /// Built from sub-periods' outputs (reports.md §5.1).
    pub sub_periods: Option<crate::summary::Rollup>,
}

pub fn aggregate(
    extracts: &[Extract],
    accepted: &[bool],
    registry: Option<&Registry>,
    schemas: &SchemaSet,
    period: Period,
) -> Result<Aggregation> {
    let basis = basis(extracts, accepted, registry, schemas, &period)?;
    tables(basis, schemas, period)
}

fn basis(
    extracts: &[Extract],
    accepted: &[bool],
    registry: Option<&Registry>,
    schemas: &SchemaSet,
    period: &Period,
) -> Result<Basis> {
    let rollup = extracts.iter().any(|e| e.report.is_some());
    let tree = if rollup {
        Tree::from_reports(extracts)
    } else {
        match registry {
            Some(r) => Tree::from_registry(r),
            None => Tree::inferred(extracts),
        }
    };
    let has_registry = registry.is_some() && !rollup;
    let mut meeting_required = BTreeMap::new();
    let (base, broken, files, below, judged) = own_counts(
        &tree,
        extracts,
        accepted,
        schemas,
        period,
        has_registry,
        rollup,
        &mut meeting_required,
    )?;
    let mut details = Vec::new();
    for (k, def) in schemas
        .tables
        .defs()
        .iter()
        .filter(|d| d.detail.is_some())
        .enumerate()
    {
        details.push(detail_frame(def, k, &tree, extracts, accepted)?);
    }
    let excluded = excluded(extracts, accepted, &tree);
    Ok(Basis {
        tree,
        own: OwnParts {
            base,
            broken,
            judged,
        },
        files,
        below,
        meeting_required,
        has_registry,
        rollup,
        details,
        excluded,
        sub_periods: None,
    })
}

/// The report tables of a basis.
pub fn tables(basis: Basis, schemas: &SchemaSet, period: Period) -> Result<Aggregation> {
    let Basis {
        tree,
        own,
        files,
        below,
        meeting_required,
        has_registry,
        rollup,
        details,
        excluded,
        sub_periods,
    } = basis;
    let base = &own.base;
    let broken = &own.broken;
    let mut details = details.into_iter();
    let set = &schemas.measures;
    let width = set.width();
    // Every node's base counts summed over its subtree, in the tree's order.
    let n = tree.nodes.len();
    let mut sums: Vec<f64> = Vec::with_capacity(n * width);
    for node in &tree.nodes {
        sums.extend_from_slice(&base[&node.code]);
    }
    let maxima: Vec<bool> = set.base().map(|m| m.is_max()).collect();
    roll_up(&tree, width, &mut sums, &maxima);
    let mut cols = node_columns(&tree, n, |r| r);
    cols.push(Column::new(
        FILES.into(),
        tree.nodes
            .iter()
            .map(|n| files.get(&n.code).map(String::as_str))
            .collect::<Vec<_>>(),
    ));
    for (i, m) in set.base().enumerate() {
        // A maximum of nothing is no value (null), not NaN.
        let v: Vec<Option<f64>> = (0..n)
            .map(|r| Some(sums[r * width + i]).filter(|x| !x.is_nan()))
            .collect();
        cols.push(Column::new(m.key.as_str().into(), v));
    }
    // In the frame now (a province's sums are tens of megabytes).
    drop(sums);
    let mut full = DataFrame::new_infer_height(cols)?.lazy();
    if !has_registry && !rollup {
        // Without a registry nobody is "expected": the submission rate is blank.
        for m in set.base().filter(|m| m.of == Some(Of::Expected)) {
            full = full.with_column(lit(NULL).cast(DataType::Float64).alias(m.key.as_str()));
        }
    }
    let full = full.collect()?;

    let mut out = Vec::new();
    let mut data = Vec::new();
    let mut rows_tables: Vec<Table> = Vec::new();
    for def in schemas.tables.defs() {
        if def.detail.is_some() {
            let df = details.next().expect("a frame per detail table");
            // The same rows, hidden, for a roll-up to list again.
            let mut hidden = def.clone();
            hidden.title = String::new();
            hidden.sheet = format!("{}{}", crate::read::report::ROWS_PREFIX, def.id);
            out.push(Table {
                def: def.clone(),
                df: df.clone(),
            });
            rows_tables.push(Table { def: hidden, df });
            continue;
        }
        let src = match &def.by {
            None => full.clone(),
            Some(bk) => {
                let value_col = def
                    .cols
                    .iter()
                    .find(|c| c.kind == Kind::Category)
                    .map_or("category", |c| c.key.as_str());
                let (df, d) = broken_frame(&tree, schemas, bk, value_col, broken.get(bk))?;
                data.push((bk.clone(), d));
                df
            }
        };
        let mut lf = src.lazy();
        let mut extra: Vec<Expr> = Vec::new();
        for c in &def.cols {
            // Seconds shown as minutes.
            let scale = |e: Expr| {
                if c.kind == Kind::Minutes {
                    e / lit(60.0)
                } else {
                    e
                }
            };
            if let Some((num, den)) = &c.rate {
                extra.push(scale(rate_expr(num, den)).alias(c.key.as_str()));
                extra.push(col(num.as_str()).alias(format!("{}_num", c.key)));
                extra.push(col(den.as_str()).alias(format!("{}_den", c.key)));
            } else if let Some(m) = c
                .measure
                .as_deref()
                .filter(|m| *m != c.key || c.kind == Kind::Minutes)
            {
                extra.push(scale(col(m)).alias(c.key.as_str()));
            } else if c.files && c.key != FILES {
                // The files column under the key tables.toml gives it.
                extra.push(col(FILES).alias(c.key.as_str()));
            }
        }
        if !extra.is_empty() {
            lf = lf.with_columns(extra);
        }
        if let Some(levels) = &def.levels {
            // The roots of 逐级汇总 (市、省、全部) are no organisation level.
            let keep = ["city", "province", "all"]
                .into_iter()
                .chain(levels.iter().map(|l| l.as_str()))
                .map(|l| col("level").eq(lit(l)))
                .reduce(|a, b| a.or(b))
                .expect("a list of levels");
            lf = lf.filter(keep);
        }
        let sel: Vec<Expr> = def
            .cols
            .iter()
            .map(|c| match c.kind {
                Kind::Count => col(c.key.as_str()).cast(DataType::Int64),
                _ => col(c.key.as_str()),
            })
            .collect();
        let df = lf.select(sel).collect()?;
        out.push(Table {
            def: def.clone(),
            df,
        });
    }
    // Data only for the read-back: every node's base counts, and per
    // breakdown value.
    let mut sel: Vec<Expr> = vec![col("code"), col("parent_code"), col("level"), col("name")];
    sel.extend(set.base().map(|m| col(m.key.as_str())));
    let base_df = full.clone().lazy().select(sel).collect()?;
    out.push(Table {
        def: data_def("base", &base_df, schemas),
        df: base_df,
    });
    for (bk, df) in data {
        if out.iter().any(|t| t.def.id == bk) {
            continue;
        }
        out.push(Table {
            def: data_def(&bk, &df, schemas),
            df,
        });
    }
    out.extend(rows_tables);

    let absent_forms = absent_forms(&out, schemas);
    Ok(Aggregation {
        period,
        scope: tree.root().clone(),
        tables: out,
        excluded,
        below_target: below,
        meeting_required,
        registration_minimum: schemas
            .requirements
            .registration_minimum
            .for_period(&period),
        absent_forms,
        rollup,
        charts: schemas.tables.charts.clone(),
        chart_lines: schemas
            .tables
            .charts
            .iter()
            .filter_map(|c| c.line.as_deref())
            .filter_map(|l| Some((l.to_string(), schemas.requirements.param(l, &period)?)))
            .collect(),
        rules: Vec::new(),
        own,
        sub_periods,
        period_note: None,
        notes: Vec::new(),
        history: None,
        levels: tree
            .nodes
            .iter()
            .filter_map(|n| Some((n.code.clone(), Level::parse(&n.level)?)))
            .collect(),
    })
}

/// The submissions left out, with their first errors (未纳入汇总).
fn excluded(extracts: &[Extract], accepted: &[bool], tree: &Tree) -> Vec<Excluded> {
    extracts
        .iter()
        .zip(accepted)
        .filter(|(_, ok)| !**ok)
        .map(|(e, _)| {
            let errs: Vec<&crate::diag::Diagnostic> = e
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .collect();
            Excluded {
                file: e.file.clone(),
                org_code: e.org.clone(),
                name: e
                    .org
                    .as_deref()
                    .and_then(|o| tree.get(o))
                    .map(|n| n.name.clone())
                    .or(e.org_name.clone()),
                errors: errs.len(),
                reasons: errs
                    .iter()
                    .take(5)
                    .map(|d| {
                        format!(
                            "[{}] {}{}",
                            d.code,
                            d.cell
                                .as_deref()
                                .map(|c| format!("{}!{c} ", d.sheet.as_deref().unwrap_or("")))
                                .unwrap_or_default(),
                            d.message
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A detail table (tables.toml `rows = …`, T6b): every row of its ledger
/// in the aggregated submissions, organisations in code order and each
/// one's rows in its sheet's order; a rate from the row's own columns.
fn detail_frame(
    def: &TableDef,
    k: usize,
    tree: &Tree,
    extracts: &[Extract],
    accepted: &[bool],
) -> Result<DataFrame> {
    use crate::facts::{DetailCell, DetailRow};
    use crate::schema::tables::Detail;
    let mut rows: Vec<(usize, &DetailRow)> = extracts
        .iter()
        .enumerate()
        .zip(accepted)
        .filter(|((_, _), ok)| **ok)
        .flat_map(|((i, e), _)| e.details.get(k).into_iter().flatten().map(move |r| (i, r)))
        .collect();
    rows.sort_by(|a, b| (&a.1.org, a.0, a.1.row).cmp(&(&b.1.org, b.0, b.1.row)));
    let mut cols: Vec<Column> = Vec::new();
    let num = |j: usize| -> Vec<Option<f64>> {
        rows.iter()
            .map(|(_, r)| match r.cells.get(j) {
                Some(DetailCell::Num(x)) => *x,
                _ => None,
            })
            .collect()
    };
    for (j, c) in def.cols.iter().enumerate() {
        let name = PlSmallStr::from(c.key.as_str());
        let col = match &c.detail {
            Some(Detail::OrgCode) => Column::new(
                name,
                rows.iter().map(|(_, r)| r.org.as_str()).collect::<Vec<_>>(),
            ),
            Some(Detail::OrgName) => Column::new(
                name,
                rows.iter()
                    .map(|(_, r)| {
                        r.name
                            .as_deref()
                            .or(tree.get(&r.org).map(|n| n.name.as_str()))
                            .unwrap_or(r.org.as_str())
                    })
                    .collect::<Vec<_>>(),
            ),
            Some(Detail::Rate(n, d)) => {
                let at = |key: &str| {
                    def.cols
                        .iter()
                        .position(|c| c.key == key)
                        .expect("checked at load")
                };
                let (n, d) = (num(at(n)), num(at(d)));
                Column::new(
                    name,
                    n.iter()
                        .zip(&d)
                        .map(|(n, d)| match (n, d) {
                            (Some(n), Some(d)) if *d != 0.0 => Some(n / d),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                )
            }
            _ if c.kind == Kind::Count => Column::new(name, num(j)).cast(&DataType::Int64)?,
            _ => Column::new(
                name,
                rows.iter()
                    .map(|(_, r)| match r.cells.get(j) {
                        Some(DetailCell::Text(t)) => t.clone(),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
        };
        cols.push(col);
    }
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// The tables of an optional form (tables.toml `form`) that count nothing:
/// no aggregated submission carried the form (reports.md §1), so that a 0
/// is not read as a finding.
fn absent_forms(tables: &[Table], schemas: &SchemaSet) -> Vec<(String, String)> {
    tables
        .iter()
        .filter_map(|t| {
            let form = t.def.form.as_deref()?;
            let counted = t
                .def
                .cols
                .iter()
                .filter(|c| matches!(c.kind, Kind::Count | Kind::Hours))
                .filter_map(|c| t.df.column(&c.key).ok())
                .any(|c| {
                    c.as_materialized_series()
                        .cast(&DataType::Float64)
                        .ok()
                        .and_then(|s| s.f64().ok().map(|x| x.iter().flatten().any(|v| v != 0.0)))
                        .unwrap_or(false)
                });
            let empty = t.def.detail.is_some() && t.df.height() == 0;
            (!counted || empty).then(|| {
                let title = schemas
                    .schemas
                    .iter()
                    .find(|s| s.name == form)
                    .map_or(form.to_string(), |s| s.title.clone());
                (t.def.id.clone(), title)
            })
        })
        .collect()
}

/// The hidden machine-readable tables (`_data_base`, `_data_<breakdown>`).
fn data_def(id: &str, df: &DataFrame, schemas: &SchemaSet) -> TableDef {
    let cols = df
        .get_column_names()
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let kind = match n.as_str() {
                "code" => Kind::Code,
                "parent_code" => Kind::Parent,
                "level" => Kind::Level,
                "name" => Kind::Name,
                _ if id != "base" && i == 1 => Kind::Category,
                k if schemas.measures.measure(k).is_some_and(|m| m.decimal) => Kind::Hours,
                _ => Kind::Count,
            };
            Col::plain(n, n, kind, "")
        })
        .collect();
    TableDef {
        id: id.to_string(),
        file: id.to_string(),
        title: String::new(),
        sheet: format!("{}{id}", crate::read::report::DATA_PREFIX),
        levels: None,
        by: None,
        compare: false,
        form: None,
        detail: None,
        cols,
    }
}

/// A table with `by`: a row per node and breakdown value (every value of
/// the field the breakdown groups by, in the form's order, then any other
/// value met), the breakdown's measures summed over the subtree; and the
/// data for the read-back (only pairs with counts: a roll-up reads a
/// missing pair as zero, and most rows — every resident unit's — are zero).
fn broken_frame(
    tree: &Tree,
    schemas: &SchemaSet,
    key: &str,
    value_col: &str,
    counts: Option<&BTreeMap<String, BTreeMap<String, Vec<f64>>>>,
) -> Result<(DataFrame, DataFrame)> {
    let b = schemas
        .measures
        .breakdown(key)
        .expect("a table's by is checked at load");
    let measures = &b.measures;
    let w = measures.len();
    let mut values: Vec<String> = schemas
        .get(&b.ledger)
        .fields
        .iter()
        .find(|f| {
            b.by_expr.as_ref().is_some_and(|e| {
                e.clone()
                    .meta()
                    .root_names()
                    .iter()
                    .any(|r| r.as_str() == f.key)
            })
        })
        .map(|f| f.values.clone())
        .unwrap_or_default();
    for per in counts.into_iter().flat_map(|c| c.values()) {
        for v in per.keys() {
            if !values.contains(v) {
                values.push(v.clone());
            }
        }
    }
    let n = tree.nodes.len();
    let nc = values.len();
    let mut sums: Vec<f64> = Vec::with_capacity(n * nc * w);
    for node in &tree.nodes {
        let own = counts.and_then(|c| c.get(&node.code));
        for v in &values {
            match own.and_then(|o| o.get(v)) {
                Some(x) => sums.extend_from_slice(x),
                None => sums.extend(std::iter::repeat_n(0.0, w)),
            }
        }
    }
    roll_up(tree, nc * w, &mut sums, &[]);
    let rows = n * nc;
    let mut cols = node_columns(tree, rows, |r| r / nc.max(1));
    cols.push(Column::new(
        value_col.into(),
        (0..rows)
            .map(|r| values[r % nc].as_str())
            .collect::<Vec<_>>(),
    ));
    for (i, m) in measures.iter().enumerate() {
        let v: Vec<f64> = (0..rows).map(|r| sums[r * w + i]).collect();
        cols.push(Column::new(m.as_str().into(), v));
    }
    let df = DataFrame::new_infer_height(cols)?;
    let any = measures
        .iter()
        .map(|m| col(m.as_str()).neq(lit(0.0)))
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false));
    let mut sel = vec![col("code"), col(value_col)];
    sel.extend(measures.iter().map(|m| col(m.as_str())));
    let data = df.clone().lazy().filter(any).select(sel).collect()?;
    Ok((df, data))
}

/// Round half away from zero (f64::round) to `places` decimals.
impl Aggregation {
    /// What the tables were built from (summary.json, the archive).
    pub fn built_from(&self) -> &'static str {
        if self.sub_periods.is_some() {
            "sub_periods"
        } else if self.rollup {
            "summaries"
        } else {
            "submissions"
        }
    }

    /// The 报告期 line's text: the period, and how a roll-up was built.
    pub fn period_line(&self) -> String {
        format!(
            "{}{}",
            self.period.display_zh(),
            self.period_note
                .as_deref()
                .map(|n| format!("（{n}）"))
                .unwrap_or_default()
        )
    }

    /// The scope as the JSON documents show it.
    pub fn scope_doc(&self) -> Scope {
        Scope {
            code: self.scope.code.clone(),
            name: self.scope.name.clone(),
            level: self.scope.level.clone(),
        }
    }

    /// The figures the trend audit compares, from each organisation's row.
    pub fn figures(&self, schemas: &SchemaSet) -> crate::audit::trends::Figures {
        use values::Val;
        let mut now = BTreeMap::new();
        let compared = crate::audit::trends::compared(schemas);
        for t in &self.tables {
            let keys: Vec<&str> = compared
                .iter()
                .filter(|(tid, ..)| *tid == t.def.id)
                .map(|(_, k, ..)| *k)
                .collect();
            if keys.is_empty() {
                continue;
            }
            for row in values::rows(t) {
                let code =
                    row.iter()
                        .find(|(k, _, _)| *k == "code")
                        .and_then(|(_, _, v)| match v {
                            Val::Str(s) => Some(s.clone()),
                            _ => None,
                        });
                let Some(code) = code else { continue };
                for key in &keys {
                    if let Some((_, _, v)) = row.iter().find(|(k, _, _)| k == key) {
                        let x = match v {
                            Val::Int(i) => *i as f64,
                            Val::Num(x) => *x,
                            _ => continue,
                        };
                        now.insert((code.clone(), key.to_string()), x);
                    }
                }
            }
        }
        crate::audit::trends::Figures(now)
    }
}

/// summary.json's head: the run as a document.
pub fn summary_head(
    agg: &Aggregation,
    extracts: &[Extract],
    accepted: &[bool],
    registry: Option<&Registry>,
    missing: &[Diagnostic],
) -> SummaryHead {
    let inputs = extracts
        .iter()
        .zip(accepted)
        .map(|(e, ok)| InputFile {
            file: e.file.clone(),
            sha256: e.sha256.clone(),
            org_code: e.org.clone(),
            status: if e.kind == SubmissionKind::Unreadable {
                "unreadable"
            } else if *ok {
                "accepted"
            } else {
                "excluded"
            }
            .to_string(),
        })
        .collect();
    SummaryHead {
        period: agg.period.to_string(),
        period_name: agg.period.display_zh(),
        scope: agg.scope_doc(),
        generated_by: GeneratedBy {
            name: "pbstat".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        registry: registry.map(|r| RegistryFile {
            file: r.path.clone(),
            sha256: sha256_of(Path::new(&r.path)),
        }),
        inputs,
        excluded: agg.excluded.clone(),
        missing: crate::audit::missing_list(missing, registry),
        below_target: agg.below_target.clone(),
        meeting_required: agg.meeting_required.clone(),
        built_from: agg.built_from().to_string(),
        rollup: agg.sub_periods.clone(),
        history: agg.history.clone(),
        registration_minimum: agg.registration_minimum,
        rules: agg.rules.clone(),
    }
}

/// Whether the inputs are report workbooks to roll up (逐级汇总); they may
/// not be mixed with submissions.
pub fn is_rollup(extracts: &[Extract]) -> Result<bool> {
    let reports = extracts
        .iter()
        .filter(|e| e.kind == SubmissionKind::Report)
        .count();
    let subs = extracts
        .iter()
        .filter(|e| matches!(e.kind, SubmissionKind::Workbook | SubmissionKind::CsvLedger))
        .count();
    if reports > 0 && subs > 0 {
        anyhow::bail!(crate::lang::tr(
            "输入中既有下级的汇总报表（report.xlsx，逐级汇总用）又有社区、单位的报表；请分级汇总：先汇总各级报表，再用汇总结果逐级汇总",
            "the inputs mix report workbooks (逐级汇总) with submissions; aggregate each level on its own",
        ));
    }
    Ok(reports > 0)
}

pub fn round_to(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}
