//! The measures file (schemas/measures.toml, 取数公式): what each base
//! count of the report tables counts — from which ledger, under which
//! condition, at which organisation. Conditions are SQL expressions parsed
//! by polars' own SQL front end (`polars::sql::sql_expr`), checked against
//! the ledger's fields when the schema set loads, and evaluated by facts
//! over every row of the run at once.

use anyhow::{bail, Result};
use polars::prelude::{
    Column, DataFrame, DataType, Expr, IntoSeries, PolarsResult, Series, StructChunked,
};
use serde::{Deserialize, Serialize};

use super::{FieldType, Requirements, Schema};
use crate::org::Level;

/// What the engine counts per organisation of the tree, where a measure
/// counts no ledger rows (`of = …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Of {
    /// Organisations the registry expects a return from (应报 = 是).
    Expected,
    /// Of those, the ones with a submission (every submitter without a registry).
    Submitted,
    /// Of those, the ones whose return is aggregated.
    Accepted,
    /// Errors of the organisation's files (validation and audits).
    Errors,
    /// Warnings without a 说明.
    Warnings,
    /// Organisations of `level` (with `accepted`, only aggregated ones;
    /// with `meets`, only aggregated ones meeting that requirement).
    Organisations,
    /// (organisation, meeting type) pairs with a minimum above 0.
    RequirementItems,
    /// Of those, the pairs whose meetings reach the minimum.
    RequirementItemsMet,
}

/// How a count behaves when periods roll up (reports.md §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    /// What happened in the period: summed over the sub-periods.
    Flow,
    /// The state at the period's end: the last sub-period's value.
    Stock,
    /// A count of what meets a requirement: judged again for the whole period.
    Judged,
    /// A maximum (`max = …`): the largest of the sub-periods'.
    Max,
}

impl Behaviour {
    pub fn zh(self) -> &'static str {
        match self {
            Behaviour::Flow => "流量（各期相加）",
            Behaviour::Stock => "存量（取期末）",
            Behaviour::Judged => "重新评定",
            Behaviour::Max => "取各期最大",
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

pub use super::checks::PARAMETERS;

/// How the rows of one ledger are taken before any measure counts them.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub ledger: String,
    /// Only rows matching this count at all.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// A field whose value counts once per organisation within a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<String>,
    #[serde(skip)]
    pub filter_expr: Option<Expr>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub key: String,
    /// The ledger whose rows it counts; empty for what the engine counts
    /// per organisation (`of`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ledger: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<Of>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub accepted: bool,
    /// With `of = "organisations"`: only aggregated ones meeting this
    /// `[[target]]` of audits.toml (checked there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meets: Option<String>,
    /// Counted per organisation for the targets only: no base count of the
    /// tables, not rolled up.
    #[serde(default, skip_serializing_if = "is_false")]
    pub aux: bool,
    pub period: Behaviour,
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct: Option<String>,
    /// The largest value (a field or SQL expression) of the rows, an
    /// organisation's and up the tree (never summed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
    /// With `of = "organisations"`: only those whose own aggregated
    /// submission carries rows of this ledger (an optional form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carries: Option<String>,
    /// The field naming the community a row counts at (else its submitter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip)]
    pub filter_expr: Option<Expr>,
    /// `sum`, `distinct` or `max` compiled: a field, or an SQL expression.
    #[serde(skip)]
    pub value_expr: Option<Expr>,
    /// A sum of a decimal field (service hours): kept to two places.
    #[serde(skip)]
    pub decimal: bool,
}

/// Names a measure's conditions may use besides the fields: the period's
/// bounds, and the level of the organisation that submitted the row.
pub const MEASURE_PARAMETERS: &[&str] = &["period_start", "period_end", "submitter_level"];

/// A field's column type in the measures' frames (facts::measure builds
/// them; a test there holds the two alike): numbers and times as floats,
/// ID numbers packed, the rest as text.
pub fn field_dtype(ty: FieldType) -> DataType {
    match ty {
        FieldType::Integer | FieldType::Decimal | FieldType::Time => DataType::Float64,
        FieldType::Date => DataType::Date,
        FieldType::IdNumber => DataType::UInt64,
        _ => DataType::String,
    }
}

/// A field type as a statistician calls it, in Chinese and English.
fn type_words(ty: FieldType) -> (&'static str, &'static str) {
    match ty {
        FieldType::Text => ("文字", "text"),
        FieldType::Enum => ("选项", "choice"),
        FieldType::Date => ("日期", "date"),
        FieldType::IdNumber => ("身份证号", "ID number"),
        FieldType::Uscc => ("统一社会信用代码", "credit code"),
        FieldType::CommunityCode | FieldType::OrgCode => ("单位代码", "code"),
        FieldType::Period => ("报告期", "period"),
        FieldType::Integer | FieldType::Decimal | FieldType::Time => ("数字", "number"),
    }
}

/// No rows of a ledger (or cover) as the measures see it: its fields, the
/// parameters, and for a cover each ledger's figures (`grid.rows`).
pub fn empty_frame(schema: &Schema, schemas: &[Schema]) -> PolarsResult<DataFrame> {
    let mut cols = vec![
        Column::new_empty("submitter_level".into(), &DataType::String),
        Column::new_empty("period_start".into(), &DataType::Date),
        Column::new_empty("period_end".into(), &DataType::Date),
    ];
    for f in &schema.fields {
        cols.push(Column::new_empty(f.key.as_str().into(), &field_dtype(f.ty)));
    }
    if schema.kind == super::FormKind::Cover {
        for l in schemas.iter().filter(|l| l.kind == super::FormKind::Ledger) {
            let parts: Vec<Series> = std::iter::once("rows")
                .chain(super::checks::summed(l).map(|f| f.key.as_str()))
                .map(|k| Series::new_empty(k.into(), &DataType::Float64))
                .collect();
            let s = StructChunked::from_series(l.name.as_str().into(), 0, parts.iter())?;
            cols.push(s.into_series().into());
        }
    }
    DataFrame::new(0, cols)
}

/// Whether expressions run over the schema's columns as typed.
fn typecheck(schema: &Schema, schemas: &[Schema], es: &[&Expr]) -> PolarsResult<()> {
    super::checks::runs_on(
        empty_frame(schema, schemas)?,
        es.iter().map(|e| (*e).clone()),
    )
}

impl Measure {
    /// `sum`, `distinct` or `max`, whichever it has.
    pub fn value_text(&self) -> Option<&str> {
        self.sum
            .as_deref()
            .or(self.distinct.as_deref())
            .or(self.max.as_deref())
    }

    pub fn is_max(&self) -> bool {
        self.max.is_some()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Breakdown {
    pub key: String,
    pub ledger: String,
    pub by: String,
    pub measures: Vec<String>,
    #[serde(skip)]
    pub by_expr: Option<Expr>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureSet {
    #[serde(default, rename = "source")]
    pub sources: Vec<Source>,
    #[serde(default, rename = "measure")]
    pub measures: Vec<Measure>,
    #[serde(default, rename = "breakdown")]
    pub breakdowns: Vec<Breakdown>,
    /// Per ledger, the fields the measures read (computed at load: every
    /// file's extraction asks).
    #[serde(skip)]
    read: std::collections::BTreeMap<String, Vec<String>>,
    /// Base count key → its position (computed at load: the tables and
    /// requirements look a key up per organisation).
    #[serde(skip)]
    positions: foldhash::HashMap<String, usize>,
}

/// `needle` looked for after `anchor` (none: from the start).
fn anchored(anchor: &str, needle: &str) -> String {
    if anchor.is_empty() {
        needle.to_string()
    } else {
        format!("{anchor}\n{needle}")
    }
}

/// A SQL literal list of texts: ('a', 'b').
fn sql_list(values: &[String]) -> String {
    let quoted: Vec<String> = values
        .iter()
        .map(|v| format!("'{}'", v.replace('\'', "''")))
        .collect();
    format!("({})", quoted.join(", "))
}

impl Measure {
    /// A count the targets read, not a base count of the tables.
    pub fn is_aux(&self) -> bool {
        self.aux
    }
}

impl MeasureSet {
    /// Whether some measure of a ledger counts rows at their submitter.
    pub fn counts_at_submitter(&self, ledger: &str) -> bool {
        self.measures
            .iter()
            .any(|m| m.ledger == ledger && m.at.is_none())
            || self.breakdowns.iter().any(|b| b.ledger == ledger)
    }

    /// Where each of `keys` stands among a breakdown's measures (checked
    /// at load for the breakdowns the code reads).
    pub fn positions(&self, breakdown: &str, keys: &[&str]) -> Vec<usize> {
        let b = self.breakdowns.iter().find(|b| b.key == breakdown);
        keys.iter()
            .map(|k| {
                b.and_then(|b| b.measures.iter().position(|m| m == k))
                    .expect("checked at load")
            })
            .collect()
    }

    /// The measure of a key.
    pub fn measure(&self, key: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.key == key)
    }

    /// The base counts of the report tables, in the file's order: every
    /// measure but those only the requirements read.
    pub fn base(&self) -> impl Iterator<Item = &Measure> {
        self.measures.iter().filter(|m| !m.is_aux())
    }

    /// Where a base count stands among [`MeasureSet::base`].
    pub fn index(&self, key: &str) -> Option<usize> {
        if self.positions.is_empty() {
            return self.base().position(|m| m.key == key);
        }
        self.positions.get(key).copied()
    }

    /// The number of base counts.
    pub fn width(&self) -> usize {
        self.base().count()
    }

    /// The ledger and fields a breakdown groups by (the fields its `by`
    /// names): the meeting minimums of requirements.toml name values of
    /// the fields `meeting_types` groups the meetings by.
    pub fn grouped_by(&self, key: &str) -> Option<(&str, Vec<String>)> {
        let b = self.breakdown(key)?;
        let names = b.by_expr.clone()?.meta().root_names();
        Some((
            b.ledger.as_str(),
            names.iter().map(|n| n.to_string()).collect(),
        ))
    }

    /// The (ledger, fields) each condition naming `{satisfied_levels}`
    /// compares with that list.
    pub fn satisfied_fields(&self) -> Vec<(&str, Vec<String>)> {
        self.measures
            .iter()
            .filter(|m| {
                m.filter
                    .as_deref()
                    .is_some_and(|f| f.contains("{satisfied_levels}"))
            })
            .filter_map(|m| {
                let e = m.filter_expr.clone()?;
                Some((
                    m.ledger.as_str(),
                    e.meta()
                        .root_names()
                        .iter()
                        .map(|n| n.to_string())
                        .collect(),
                ))
            })
            .collect()
    }

    /// A breakdown by key.
    pub fn breakdown(&self, key: &str) -> Option<&Breakdown> {
        self.breakdowns.iter().find(|b| b.key == key)
    }

    pub fn source(&self, ledger: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.ledger == ledger)
    }

    /// The ledgers any measure counts, in first-use order.
    pub fn ledgers(&self) -> Vec<&str> {
        let mut v: Vec<&str> = Vec::new();
        for l in self
            .measures
            .iter()
            .filter(|m| m.of.is_none())
            .map(|m| m.ledger.as_str())
            .chain(self.breakdowns.iter().map(|b| b.ledger.as_str()))
        {
            if !v.contains(&l) {
                v.push(l);
            }
        }
        v
    }

    /// The fields of a ledger the measures read, in the ledger's order.
    pub fn fields_read(&self, ledger: &str) -> &[String] {
        self.read.get(ledger).map(Vec::as_slice).unwrap_or(&[])
    }

    fn fields_of(&self, ledger: &str, schema: &Schema) -> Vec<String> {
        let mut used: Vec<String> = Vec::new();
        let mut add = |k: &str| {
            if !used.iter().any(|u| u == k) {
                used.push(k.to_string());
            }
        };
        let roots = |e: &Option<Expr>| -> Vec<String> {
            e.as_ref()
                .map(|e| {
                    e.clone()
                        .meta()
                        .root_names()
                        .into_iter()
                        .map(|n| n.to_string())
                        .collect()
                })
                .unwrap_or_default()
        };
        if let Some(s) = self.source(ledger) {
            roots(&s.filter_expr).iter().for_each(|k| add(k));
            if let Some(u) = &s.unique {
                add(u);
            }
        }
        for m in self.measures.iter().filter(|m| m.ledger == ledger) {
            roots(&m.filter_expr).iter().for_each(|k| add(k));
            roots(&m.value_expr).iter().for_each(|k| add(k));
            if let Some(k) = &m.at {
                add(k);
            }
        }
        for b in self.breakdowns.iter().filter(|b| b.ledger == ledger) {
            roots(&b.by_expr).iter().for_each(|k| add(k));
        }
        let mut out: Vec<String> = schema
            .fields
            .iter()
            .filter(|f| used.contains(&f.key))
            .map(|f| f.key.clone())
            .collect();
        // A cover's measures may read the submission's ledgers (structs) and
        // every measure the submitter's level: kept by name after the fields.
        out.extend(used.into_iter().filter(|k| {
            schema.field(k).is_none() && !["period_start", "period_end"].contains(&k.as_str())
        }));
        out
    }

    /// Parse every condition and check every name against the schemas,
    /// so that a misspelt field or key stops the run at load, not later.
    pub fn prepare(
        &mut self,
        schemas: &[Schema],
        reqs: &Requirements,
        file: &str,
        text: &str,
        typed_check: bool,
    ) -> Result<()> {
        let fail = |what_zh: String, what_en: String, needle: &str| -> anyhow::Error {
            super::file_error(
                super::MEASURES_FILE,
                file,
                super::line_after(text, needle),
                what_zh,
                what_en,
            )
        };
        let satisfied = sql_list(&reqs.satisfied_levels);
        let schema_of = |ledger: &str| -> Result<&Schema> {
            schemas.iter().find(|s| s.name == ledger).ok_or_else(|| {
                let (near_zh, near_en) =
                    super::did_you_mean(ledger, schemas.iter().map(|s| s.name.as_str()));
                fail(
                    format!("没有名为 `{ledger}` 的台账{near_zh}"),
                    format!("there is no ledger named `{ledger}`{near_en}"),
                    &format!("\"{ledger}\""),
                )
            })
        };
        let ledger_names: Vec<&str> = schemas
            .iter()
            .filter(|s| s.kind == super::FormKind::Ledger)
            .map(|s| s.name.as_str())
            .collect();
        let compile = |cond: &str, schema: &Schema, anchor: &str| -> Result<Expr> {
            let near = anchored(anchor, cond);
            let cond_line = near.as_str();
            let sql = cond.replace("{satisfied_levels}", &satisfied);
            let sql = super::checks::with_fixed_requirements(&sql, reqs)
                .map_err(|(zh, en)| fail(zh, en, cond_line))?;
            // The texts the condition itself writes; requirements.toml's
            // satisfied levels are checked against the field there.
            let texts = |e: Expr| -> Result<Expr> {
                let own = super::checks::with_fixed_requirements(
                    &cond.replace("{satisfied_levels}", "(NULL)"),
                    reqs,
                )
                .unwrap_or_default();
                super::checks::enum_texts(&own, schema)
                    .map_err(|(zh, en)| fail(zh, en, cond_line))?;
                Ok(e)
            };
            if schema.kind == super::FormKind::Cover {
                // A cover's rows read the submission's ledgers as structs
                // (`grid.rows`), as a cover's checks do.
                let e = super::checks::read_dated(&sql, schema)
                    .map_err(|(zh, en)| fail(zh, en, cond_line))?;
                super::checks::ledger_parts(&sql, schema, schemas)
                    .map_err(|(zh, en)| fail(zh, en, cond_line))?;
                for n in e.clone().meta().root_names() {
                    let n = n.as_str();
                    if schema.field(n).is_none()
                        && !MEASURE_PARAMETERS.contains(&n)
                        && !ledger_names.contains(&n)
                    {
                        bail!(fail(
                            format!("`{sql}` 引用的 `{n}` 不是封面 `{}` 的字段，也不是台账", schema.name),
                            format!("`{sql}` names `{n}`, neither a field of the cover `{}` nor a ledger", schema.name),
                            cond_line,
                        ));
                    }
                }
                return texts(e);
            }
            super::checks::expression(&sql, schema, MEASURE_PARAMETERS)
                .map_err(|(zh, en)| fail(zh, en, cond_line))
                .and_then(texts)
        };
        let field = |schema: &Schema, k: &str, needle: &str| -> Result<()> {
            if schema.field(k).is_none() {
                let (near_zh, near_en) = super::field_hint(k, schema, &[]);
                return Err(fail(
                    format!("`{k}` 不是台账 `{}` 的字段{near_zh}", schema.name),
                    format!("`{k}` is not a field of `{}`{near_en}", schema.name),
                    needle,
                ));
            }
            Ok(())
        };
        // Every condition, also run once over no rows of its ledger's
        // columns as the measures type them: a text compared with a number
        // is found here, naming the file and line, not after every file
        // of the run has been read.
        // Each with its text and where it stands (the needle of its line).
        let mut typed: Vec<(&Schema, Expr, String, String)> = Vec::new();
        for s in &mut self.sources {
            let schema = schema_of(&s.ledger)?;
            if let Some(c) = &s.filter {
                let e = compile(c, schema, "")?;
                typed.push((schema, e.clone(), c.clone(), c.clone()));
                s.filter_expr = Some(e);
            }
            if let Some(u) = &s.unique {
                field(schema, u, &format!("unique = \"{u}\""))?;
            }
        }
        // The expressions summed or maximised: numbers (or yes/no) once
        // typed, checked with the others' types.
        let mut numeric: Vec<(&Schema, Expr, String, String)> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for m in &mut self.measures {
            let key_line = format!("key = \"{}\"", m.key);
            if !m
                .key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                || m.key.is_empty()
            {
                bail!(fail(
                    format!("计数名 `{}` 只能由小写字母、数字和下划线组成（它是表格的列名）", m.key),
                    format!(
                        "the measure key `{}` may hold only lower-case letters, digits and underscores (it is a column key)",
                        m.key
                    ),
                    &key_line,
                ));
            }
            if let Some(of) = m.of {
                let ledgerish = !m.ledger.is_empty()
                    || m.filter.is_some()
                    || m.value_text().is_some()
                    || m.at.is_some();
                if ledgerish {
                    bail!(fail(
                        format!("`{}` 由汇总按组织计数（of），不能再写 ledger、where、sum、distinct 或 at", m.key),
                        format!("`{}` is counted per organisation (of): it takes no ledger, where, sum, distinct or at", m.key),
                        &key_line,
                    ));
                }
                let org = of == Of::Organisations;
                if let Some(l) = &m.carries {
                    if !ledger_names.contains(&l.as_str()) {
                        bail!(fail(
                            format!("`{}`：carries = \"{l}\" 不是台账", m.key),
                            format!("`{}`: carries = \"{l}\" is not a ledger", m.key),
                            &key_line,
                        ));
                    }
                }
                if org != m.level.is_some()
                    || (!org && (m.accepted || m.meets.is_some() || m.carries.is_some()))
                {
                    bail!(fail(
                        format!("`{}`：level、accepted 和 meets 只用于 of = \"organisations\"，且它必须写 level", m.key),
                        format!("`{}`: level, accepted and meets go with of = \"organisations\" only, which needs a level", m.key),
                        &key_line,
                    ));
                }
                continue;
            }
            if m.level.is_some() || m.accepted || m.meets.is_some() || m.carries.is_some() {
                bail!(fail(
                    format!(
                        "`{}`：level、accepted 和 meets 只用于 of = \"organisations\"",
                        m.key
                    ),
                    format!(
                        "`{}`: level, accepted and meets go with of = \"organisations\" only",
                        m.key
                    ),
                    &key_line,
                ));
            }
            if m.ledger.is_empty() {
                bail!(fail(
                    format!(
                        "`{}` 既没有写台账（ledger），也没有写按组织计数（of）",
                        m.key
                    ),
                    format!(
                        "`{}` names neither a ledger nor what it counts per organisation (of)",
                        m.key
                    ),
                    &key_line,
                ));
            }
            let schema = schema_of(&m.ledger)?;
            m.decimal = m
                .sum
                .as_deref()
                .and_then(|f| schema.field(f))
                .is_some_and(|f| f.ty == FieldType::Decimal);
            let kinds = [&m.sum, &m.distinct, &m.max]
                .iter()
                .filter(|x| x.is_some())
                .count();
            if kinds > 1 {
                bail!(fail(
                    format!("`{}` 只能写 sum、distinct、max 中的一个", m.key),
                    format!("`{}` takes one of sum, distinct and max", m.key),
                    &key_line,
                ));
            }
            if let Some(c) = &m.filter {
                let e = compile(c, schema, &key_line)?;
                typed.push((schema, e.clone(), c.clone(), anchored(&key_line, c)));
                m.filter_expr = Some(e);
            }
            // A field by name, else an SQL expression over the row.
            if let Some(v) = m.value_text().map(str::to_string) {
                let adds = m.sum.is_some() || m.is_max();
                let what = if m.is_max() { "max" } else { "sum" };
                m.value_expr = Some(match schema.field(&v) {
                    Some(f) => {
                        // A text's sum is no number: the column would be 0.
                        if adds && field_dtype(f.ty) != DataType::Float64 {
                            bail!(fail(
                                format!(
                                    "`{}`：{what} = \"{v}\" 是{}字段（{}），只能对数字求和或取最大值；数行数请去掉 {what}，数不同的值请用 distinct",
                                    m.key,
                                    type_words(f.ty).0,
                                    f.header
                                ),
                                format!(
                                    "`{}`: {what} = \"{v}\" is a {} field, not a number; to count rows leave {what} out, to count values use distinct",
                                    m.key,
                                    type_words(f.ty).1
                                ),
                                &format!("{what} = \"{v}\""),
                            ));
                        }
                        polars::prelude::col(v.as_str())
                    }
                    None => {
                        // A bare name is a field misspelt, not an expression.
                        if v.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                            && v.chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                            && !["true", "false", "null"].contains(&v.as_str())
                        {
                            field(schema, &v, &anchored(&key_line, &v))?;
                        }
                        let e = compile(&v, schema, &key_line)?;
                        typed.push((schema, e.clone(), v.clone(), anchored(&key_line, &v)));
                        if adds {
                            numeric.push((schema, e.clone(), v.clone(), m.key.clone()));
                        }
                        e
                    }
                });
            }
            if let Some(k) = &m.at {
                field(schema, k, &format!("\"{k}\""))?;
            }
            if m.is_max() && m.period != Behaviour::Max {
                bail!(fail(
                    format!("`{}` 是最大值（max），period 须为 \"max\"", m.key),
                    format!("`{}` is a maximum: its period must be \"max\"", m.key),
                    &key_line,
                ));
            }
        }
        for m in &self.measures {
            if seen.contains(&m.key.as_str()) {
                bail!(fail(
                    format!("`{}` 声明了两次", m.key),
                    format!("`{}` is declared twice", m.key),
                    &format!("key = \"{}\"", m.key),
                ));
            }
            seen.push(&m.key);
        }
        let keys: Vec<(String, String)> = self
            .measures
            .iter()
            .map(|m| (m.key.clone(), m.ledger.clone()))
            .collect();
        for b in &mut self.breakdowns {
            let schema = schema_of(&b.ledger)?;
            let b_line = format!("key = \"{}\"", b.key);
            let e = compile(&b.by, schema, &b_line)?;
            typed.push((schema, e.clone(), b.by.clone(), anchored(&b_line, &b.by)));
            b.by_expr = Some(e);
            for k in &b.measures {
                if !keys.iter().any(|(mk, ml)| mk == k && *ml == b.ledger) {
                    bail!(fail(
                        format!(
                            "分组 `{}` 列出的 `{k}` 不是台账 `{}` 的计数",
                            b.key, b.ledger
                        ),
                        format!(
                            "breakdown `{}` lists `{k}`, which is no measure of `{}`",
                            b.key, b.ledger
                        ),
                        &format!("key = \"{}\"", b.key),
                    ));
                }
            }
        }
        // One query per ledger; only when it fails, each condition alone
        // to name the one at fault. The embedded file is held to it by a
        // test, so that every run without `--schemas` is spared the queries.
        if !typed_check {
            typed.clear();
            numeric.clear();
        }
        let mut names: Vec<&str> = typed.iter().map(|(s, ..)| s.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let here: Vec<&(&Schema, Expr, String, String)> =
                typed.iter().filter(|(s, ..)| s.name == name).collect();
            let exprs: Vec<&Expr> = here.iter().map(|(_, e, ..)| e).collect();
            if typecheck(here[0].0, schemas, &exprs).is_ok() {
                continue;
            }
            for (schema, e, cond, near) in &here {
                if let Err(err) = typecheck(schema, schemas, &[e]) {
                    let err = super::checks::reason(&err);
                    let (zh, en) = super::checks::type_clash(cond, schema).unwrap_or_else(|| {
                        (
                            format!("条件 `{cond}` 与字段的类型不合（{err}）"),
                            format!("`{cond}` does not fit the fields' types ({err})"),
                        )
                    });
                    bail!(fail(zh, en, near));
                }
            }
        }
        for (schema, e, v, key) in &numeric {
            let dtype = empty_frame(schema, schemas)
                .and_then(|f| {
                    polars::prelude::IntoLazy::lazy(f)
                        .select([e.clone().alias("_v")])
                        .collect_schema()
                })
                .ok()
                .and_then(|s| s.get("_v").cloned());
            if let Some(t) = dtype.filter(|t| !(t.is_primitive_numeric() || t.is_bool())) {
                let (zh, en) = match t {
                    DataType::String => ("文字".to_string(), "a text".to_string()),
                    DataType::Date => ("日期".to_string(), "a date".to_string()),
                    t => (t.to_string(), t.to_string()),
                };
                bail!(fail(
                    format!("`{key}`：`{v}` 的结果是{zh}，不是数字，无法求和或取最大值"),
                    format!(
                        "`{key}`: `{v}` gives {en}, not a number: it cannot be summed or maximised"
                    ),
                    &anchored(&format!("key = \"{key}\""), v),
                ));
            }
        }
        let read = self
            .ledgers()
            .into_iter()
            .filter_map(|l| {
                let schema = schemas.iter().find(|s| s.name == l)?;
                Some((l.to_string(), self.fields_of(l, schema)))
            })
            .collect();
        self.read = read;
        let mut positions = foldhash::HashMap::default();
        for (i, m) in self.base().enumerate() {
            positions.entry(m.key.clone()).or_insert(i);
        }
        self.positions = positions;
        for (key, needs) in READ_BREAKDOWNS {
            let b = self.breakdowns.iter().find(|b| b.key == *key);
            let missing: Vec<&&str> = needs
                .iter()
                .filter(|n| !b.is_some_and(|b| b.measures.iter().any(|m| m == *n)))
                .collect();
            if !missing.is_empty() {
                bail!(fail(
                    format!(
                        "缺少分组 `{key}` 或其中的 {}（报表和考核要求读取它们）",
                        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join("、")
                    ),
                    format!(
                        "the breakdown `{key}` or its {} is missing (the tables and requirements read them)",
                        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                    ),
                    &format!("key = \"{key}\""),
                ));
            }
            if let Some(b) = b {
                for k in &b.measures {
                    if self
                        .measure(k)
                        .is_some_and(|m| m.at.is_some() || m.distinct.is_some())
                    {
                        bail!(fail(
                            format!("分组 `{key}` 中的 `{k}` 必须按填报单位计数或求和"),
                            format!(
                                "`{k}` in breakdown `{key}` must count or sum at the submitter"
                            ),
                            &format!("key = \"{key}\""),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The breakdowns the code reads, with the measures it reads in them: the
/// meeting requirements read the meetings per type. (A table's `by` names
/// the breakdown it needs; the tables file checks it.)
const READ_BREAKDOWNS: &[(&str, &[&str])] = &[("meeting_types", &["meetings"])];

#[cfg(test)]
mod tests {
    use super::super::{SchemaSet, EMBEDDED};

    /// A set from a folder has its measures and its forms' checks run over
    /// no rows at load; the embedded set is spared it, so it must pass it
    /// here.
    #[test]
    fn a_misspelt_name_is_matched_to_the_nearest_within_its_length() {
        use crate::schema::nearest;
        let names = [
            "registered_members",
            "registration",
            "meetings",
            "type",
            "date",
        ];
        assert_eq!(
            nearest("registered_member", names),
            Some("registered_members")
        );
        assert_eq!(nearest("registrations", names), Some("registration"));
        assert_eq!(nearest("meetigns", names), Some("meetings"));
        // Short names: one edit at most, so `tpyo` is nobody's.
        assert_eq!(nearest("typ", names), Some("type"));
        assert_eq!(nearest("tpyo", names), None);
        assert_eq!(nearest("members", names), None);
    }

    #[test]
    fn embedded_conditions_fit_their_fields_types() {
        let files = EMBEDDED
            .iter()
            .map(|(n, t)| (format!("{n}.toml"), t.to_string()))
            .collect();
        SchemaSet::from_texts(files, "a folder".into())
            .expect("the embedded set, checked as a folder's");
    }

    /// A text compared with a number stops the load at the condition's line.
    #[test]
    fn a_condition_that_does_not_fit_its_fields_types_stops_the_load() {
        let files = EMBEDDED
            .iter()
            .map(|(n, t)| {
                let t = if *n == "measures" {
                    format!("{t}\n[[measure]]\nkey = \"probe\"\nperiod = \"flow\"\nledger = \"meetings\"\nwhere = \"topic > 5\"\n")
                } else {
                    t.to_string()
                };
                (format!("{n}.toml"), t)
            })
            .collect();
        let e = SchemaSet::from_texts(files, "a folder".into())
            .expect_err("a type error")
            .to_string();
        assert!(
            e.contains("topic > 5") && e.contains("measures.toml"),
            "{e}"
        );
        assert!(e.contains("第 ") || e.contains("line "), "{e}");
    }
}
