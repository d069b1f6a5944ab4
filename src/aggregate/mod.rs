//! The report tables T0–T4 (reports.md): each organisation's own counts
//! (from the facts of its files), summed over its subtree in one pass over
//! the organisation tree (`roll_up`), then put in polars frames where every
//! rate is recomputed at every row from that row's summed numerator and
//! denominator, and T3b is grouped by category.

use anyhow::Result;
use polars::prelude::*;
use std::collections::BTreeMap;

pub mod compare;

pub mod tree;
pub mod values;

use crate::facts::{Counts, Extract};
use crate::schema::columns::{base_index, tables, Kind, TableDef, BASE, CATEGORY_BASE, RATES};
use tree::{Node, Tree};

use crate::audit::targets::{judge, Shortfall, What};
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
    /// The per-rule summary (审核汇总), set by the caller from the audits.
    pub rules: Vec<crate::summary::RuleCount>,
}

/// Own counts per node, per-category counts, each node's files, shortfalls.
type Own = (
    BTreeMap<String, Vec<f64>>,
    BTreeMap<String, BTreeMap<String, [f64; 4]>>,
    BTreeMap<String, String>,
    Vec<Shortfall>,
);

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
) -> Own {
    let reqs = &schemas.requirements;
    // Where T3b's four counts stand in the categories breakdown.
    let category_at = schemas.measures.positions("categories", CATEGORY_BASE);
    let root = tree.root().code.clone();
    let mut merged: BTreeMap<String, Counts> = BTreeMap::new();
    let mut has_sub: BTreeMap<String, bool> = BTreeMap::new();
    let mut acc: BTreeMap<String, bool> = BTreeMap::new();
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut errs: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let mut base: BTreeMap<String, Vec<f64>> = tree
        .nodes
        .iter()
        .map(|n| (n.code.clone(), vec![0.0; BASE.len()]))
        .collect();
    let mut cats: BTreeMap<String, BTreeMap<String, [f64; 4]>> = BTreeMap::new();
    for (e, ok) in extracts.iter().zip(accepted) {
        let mut orgs: Vec<String> = e.org.iter().cloned().collect();
        for (o, _) in &e.ledger_orgs {
            if !orgs.contains(o) {
                orgs.push(o.clone());
            }
        }
        // A file nobody in the tree owns counts its problems at the root.
        let owner = e
            .org
            .clone()
            .filter(|o| tree.get(o).is_some())
            .unwrap_or_else(|| root.clone());
        let x = errs.entry(owner.clone()).or_default();
        for d in &e.diagnostics {
            match d.severity {
                Severity::Error => x.0 += 1.0,
                Severity::Warning if d.explanation.is_none() => x.1 += 1.0,
                _ => {}
            }
        }
        if e.kind != SubmissionKind::Unreadable {
            files.entry(owner).or_default().push(e.file.clone());
        }
        for o in &orgs {
            *has_sub.entry(o.clone()).or_default() = true;
            if *ok {
                *acc.entry(o.clone()).or_default() = true;
            }
        }
        if !*ok {
            continue;
        }
        if let Some(r) = &e.report {
            if let Some(b) = base.get_mut(&r.code) {
                for (a, v) in b.iter_mut().zip(&r.base) {
                    *a += v;
                }
            }
            let c = cats.entry(r.code.clone()).or_default();
            for (k, v) in &r.categories {
                let t = c.entry(k.clone()).or_default();
                for i in 0..4 {
                    t[i] += v[i];
                }
            }
            continue;
        }
        for (code, c) in &e.counts {
            merged.entry(code.clone()).or_default().merge(c);
        }
    }
    let mut below = Vec::new();
    for n in &tree.nodes {
        let b = base.get_mut(&n.code).expect("every node has a row");
        let sub = has_sub.get(&n.code).copied().unwrap_or(false);
        let ok = acc.get(&n.code).copied().unwrap_or(false);
        if n.level == "community" {
            b[base_index("communities")] = 1.0;
        }
        if has_registry {
            let exp = n.expected.unwrap_or(false);
            b[base_index("expected")] += exp as u8 as f64;
            b[base_index("submitted")] += (exp && sub) as u8 as f64;
            b[base_index("accepted")] += (exp && ok) as u8 as f64;
        } else if !rollup {
            b[base_index("submitted")] += sub as u8 as f64;
            b[base_index("accepted")] += ok as u8 as f64;
        }
        if let Some((e, w)) = errs.get(&n.code) {
            b[base_index("errors")] += e;
            b[base_index("warnings")] += w;
        }
        let Some(c) = merged.get(&n.code) else {
            continue;
        };
        for (i, (k, _)) in BASE.iter().enumerate() {
            if !matches!(
                *k,
                "expected" | "submitted" | "accepted" | "errors" | "warnings"
            ) {
                b[i] += c.value(i);
            }
        }
        let cat = cats.entry(n.code.clone()).or_default();
        for (k, v) in c.breakdowns.get("categories").into_iter().flatten() {
            let t = cat.entry(k.clone()).or_default();
            for (i, at) in category_at.iter().enumerate() {
                t[i] += v[*at];
            }
        }
        if !ok {
            continue;
        }
        let Some(level) = Level::parse(&n.level) else {
            continue;
        };
        let j = judge(&n.code, &n.name, level, c, reqs, period);
        if level != Level::Unit {
            for (t, min) in reqs.meeting_minimums(level, period) {
                *meeting_required.entry(t.to_string()).or_default() += min;
            }
        }
        let short = |w: What| j.shortfalls.iter().any(|s| s.what == w);
        match level {
            Level::Community => {
                b[base_index("communities_accepted")] += 1.0;
                b[base_index("communities_on_target")] += (!short(What::Registration)) as u8 as f64;
            }
            Level::Unit => {
                b[base_index("units")] += 1.0;
                b[base_index("units_active")] += (!short(What::UnitActivity)) as u8 as f64;
            }
            _ => {}
        }
        b[base_index("requirements")] += j.requirements as f64;
        b[base_index("requirements_met")] += j.requirements_met as f64;
        below.extend(j.shortfalls);
    }
    let files = files.into_iter().map(|(k, v)| (k, v.join(";"))).collect();
    (base, cats, files, below)
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
fn roll_up(tree: &Tree, stride: usize, vals: &mut [f64]) {
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
        for (d, v) in before[p * stride..(p + 1) * stride]
            .iter_mut()
            .zip(&from_i[..stride])
        {
            *d += v;
        }
    }
}

pub fn aggregate(
    extracts: &[Extract],
    accepted: &[bool],
    registry: Option<&Registry>,
    schemas: &SchemaSet,
    period: Period,
) -> Result<Aggregation> {
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
    let (base, cats, files, below) = own_counts(
        &tree,
        extracts,
        accepted,
        schemas,
        &period,
        has_registry,
        rollup,
        &mut meeting_required,
    );

    // Every node's base counts summed over its subtree, in the tree's order.
    let n = tree.nodes.len();
    let mut sums: Vec<f64> = Vec::with_capacity(n * BASE.len());
    for node in &tree.nodes {
        sums.extend_from_slice(&base[&node.code]);
    }
    roll_up(&tree, BASE.len(), &mut sums);
    let mut cols = node_columns(&tree, n, |r| r);
    cols.push(Column::new(
        "files".into(),
        tree.nodes
            .iter()
            .map(|n| files.get(&n.code).map(String::as_str))
            .collect::<Vec<_>>(),
    ));
    for (i, (k, _)) in BASE.iter().enumerate() {
        let v: Vec<f64> = (0..n).map(|r| sums[r * BASE.len() + i]).collect();
        cols.push(Column::new((*k).into(), v));
    }
    let mut full = DataFrame::new_infer_height(cols)?.lazy();
    if !has_registry && !rollup {
        // Without a registry nobody is "expected": the submission rate is blank.
        full = full.with_column(lit(NULL).cast(DataType::Float64).alias("expected"));
    }
    for (k, num, den) in RATES.iter().map(|(k, _, n, d, _)| (k, n, d)) {
        full = full.with_columns([
            rate_expr(num, den).alias(*k),
            col(*num).alias(format!("{k}_num")),
            col(*den).alias(format!("{k}_den")),
        ]);
    }
    let full = full.collect()?;

    // T3b: node × category, every category in the schema's order.
    let categories: Vec<String> = schemas
        .get("issues")
        .field("category")
        .map(|f| f.values.clone())
        .unwrap_or_default();
    // Per node and category: received, resolved, rated, satisfied_total,
    // summed over the subtree like the base counts.
    let nc = categories.len();
    let mut csums: Vec<f64> = Vec::with_capacity(n * nc * 4);
    for node in &tree.nodes {
        for c in &categories {
            let v = cats
                .get(&node.code)
                .and_then(|m| m.get(c))
                .copied()
                .unwrap_or([0.0; 4]);
            csums.extend_from_slice(&v);
        }
    }
    roll_up(&tree, nc * 4, &mut csums);
    let rows = n * nc;
    let mut ccols = node_columns(&tree, rows, |r| r / nc);
    ccols.extend([
        Column::new(
            "category".into(),
            (0..rows)
                .map(|r| categories[r % nc].as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "cat_order".into(),
            (0..rows).map(|r| (r % nc) as u32).collect::<Vec<_>>(),
        ),
    ]);
    for (i, k) in CATEGORY_BASE.iter().enumerate() {
        let v: Vec<f64> = (0..rows).map(|r| csums[r * 4 + i]).collect();
        ccols.push(Column::new((*k).into(), v));
    }
    let t3b = DataFrame::new_infer_height(ccols)?
        .lazy()
        .with_columns([
            rate_expr("resolved", "received").alias("completion_rate"),
            rate_expr("satisfied_total", "rated").alias("satisfaction_rate"),
        ])
        .collect()?;

    let mut out = Vec::new();
    for def in tables() {
        let src = if def.id == "t3b" { &t3b } else { &full };
        let mut lf = src.clone().lazy();
        if !def.with_units {
            lf = lf.filter(col("level").neq(lit("unit")));
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
        out.push(Table { def, df });
    }
    // Data only for the read-back: every node's base counts, and per category.
    let mut sel: Vec<Expr> = vec![col("code"), col("parent_code"), col("level"), col("name")];
    sel.extend(BASE.iter().map(|(k, _)| col(*k)));
    let base_df = full.clone().lazy().select(sel).collect()?;
    // Only (organisation, category) pairs with issues: a roll-up reads a
    // missing pair as zero, and most rows (every resident unit's) are zero.
    let cat_df = t3b
        .clone()
        .lazy()
        .filter(
            col("received")
                .neq(lit(0.0))
                .or(col("resolved").neq(lit(0.0)))
                .or(col("rated").neq(lit(0.0)))
                .or(col("satisfied_total").neq(lit(0.0))),
        )
        .select([
            col("code"),
            col("category"),
            col("received"),
            col("resolved"),
            col("rated"),
            col("satisfied_total"),
        ])
        .collect()?;
    out.push(Table {
        def: data_def("base", &base_df),
        df: base_df,
    });
    out.push(Table {
        def: data_def("categories", &cat_df),
        df: cat_df,
    });

    let excluded = extracts
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
        .collect();
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
        rules: Vec::new(),
    })
}

/// The hidden machine-readable tables (`_data_base`, `_data_categories`).
fn data_def(id: &'static str, df: &DataFrame) -> TableDef {
    let cols = df
        .get_column_names()
        .iter()
        .map(|n| {
            let kind = match n.as_str() {
                "code" => Kind::Code,
                "parent_code" => Kind::Parent,
                "level" => Kind::Level,
                "name" => Kind::Name,
                "category" => Kind::Category,
                "service_hours" => Kind::Hours,
                _ => Kind::Count,
            };
            crate::schema::columns::Col {
                key: n.to_string(),
                header: n.to_string(),
                kind,
                def: String::new(),
            }
        })
        .collect();
    TableDef {
        id,
        file: id,
        title: "",
        sheet: if id == "base" {
            "_data_base"
        } else {
            "_data_categories"
        },
        with_units: true,
        cols,
    }
}

/// Round half away from zero (f64::round) to `places` decimals.
impl Aggregation {
    /// The scope as the JSON documents show it.
    pub fn scope_doc(&self) -> Scope {
        Scope {
            code: self.scope.code.clone(),
            name: self.scope.name.clone(),
            level: self.scope.level.clone(),
        }
    }

    /// The figures the trend audit compares, from each organisation's row.
    pub fn figures(&self) -> crate::audit::trends::Figures {
        use values::Val;
        let mut now = BTreeMap::new();
        for t in &self.tables {
            let keys: Vec<&str> = crate::audit::trends::compared()
                .filter(|(tid, _)| *tid == t.def.id)
                .map(|(_, k)| k)
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
