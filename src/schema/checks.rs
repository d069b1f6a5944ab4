//! Checks a form declares (审核公式): a condition in polars SQL that must
//! hold, the cell to flag, the code (built-in, or a county's own `local.…`
//! with its severity) and a message that can show the row's values.
//! Compiled and checked when the schema set loads; validate evaluates them
//! over many rows at once.
//!
//! A ledger's checks see one row of the sheet (its fields). A cover's
//! checks see one submission: the cover's fields, and for each ledger of
//! the schema set a struct `<ledger>.rows` (the submission's rows of it)
//! and `<ledger>.<number field>` (that field's sum over them), and
//! `registry.units` / `.communities` / `.streets` (the registry's entries
//! of that level under the organisation; NULL without a registry). So the
//! checks between the sheets of one submission — a cover count against a
//! ledger's rows, against the registry — are declared like any other.

use anyhow::{bail, Result};
use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{FieldType, FormKind, Schema};
use crate::diag::{Code, LocalCode, Severity, LOCAL_PREFIX};
use crate::org::Level;
use crate::period::Period;

/// Names a condition may use besides the fields: the report period's first
/// and last day.
pub const PARAMETERS: &[&str] = &["period_start", "period_end"];

/// What polars says went wrong, without the query plan it prints after.
pub fn reason(e: &PolarsError) -> String {
    let t = e.to_string();
    t.lines().next().unwrap_or_default().trim().to_string()
}

/// Whether expressions run over `rows` (no rows, of the columns' types, at
/// load): a condition that does not fit its fields' types fails here.
pub fn runs_on(rows: DataFrame, exprs: impl IntoIterator<Item = Expr>) -> PolarsResult<()> {
    let named: Vec<Expr> = exprs
        .into_iter()
        .enumerate()
        .map(|(i, e)| e.alias(format!("_x{i}")))
        .collect();
    rows.lazy().select(named).collect().map(|_| ())
}

/// A field's column type in the checks' frames (validate::checks builds
/// them the same way): as in the measures' frames
/// (schema::measures::field_dtype, which reads this module, not the other
/// way round), but ID numbers as text.
fn check_dtype(ty: FieldType) -> DataType {
    match ty {
        FieldType::Integer | FieldType::Decimal | FieldType::Time => DataType::Float64,
        FieldType::Date => DataType::Date,
        _ => DataType::String,
    }
}

/// Every `[[checks]]` of a ledger tried over no rows of its columns as the
/// checks type them: one that does not fit its fields' types (a text
/// compared with a number) stops the load at its line, instead of being
/// said on every file of the run. One query for the form; only when it
/// fails, each check alone to name the one at fault.
pub fn typecheck(schema: &Schema, file: &str, text: &str) -> Result<()> {
    let mut cols: Vec<Column> = schema
        .fields
        .iter()
        .map(|f| Column::new_empty(f.key.as_str().into(), &check_dtype(f.ty)))
        .collect();
    cols.extend(period_columns(None, 0));
    let rows = DataFrame::new(0, cols)?;
    let exprs = |c: &Check| -> Vec<Expr> {
        c.compiled
            .iter()
            .flat_map(|k| std::iter::once(&k.flags).chain(k.shown.iter().map(|(_, e)| e)))
            .cloned()
            .collect()
    };
    let run = |es: Vec<Expr>| runs_on(rows.clone(), es);
    if run(schema.checks.iter().flat_map(exprs).collect()).is_ok() {
        return Ok(());
    }
    for c in &schema.checks {
        if let Err(e) = run(exprs(c)) {
            let e = reason(&e);
            let (zh, en) = c.clash(schema).unwrap_or_else(|| {
                (
                    format!("与字段的类型不合（{e}）"),
                    format!("does not fit the fields' types ({e})"),
                )
            });
            bail!(c.failure(file, text, zh, en));
        }
    }
    Ok(())
}

/// The struct a cover check reads the registry through, and its fields:
/// the registry's entries of each level whose parent is the organisation.
pub const REGISTRY: &str = "registry";
pub const REGISTRY_FIELDS: &[(&str, Level)] = &[
    ("units", Level::Unit),
    ("communities", Level::Community),
    ("streets", Level::Street),
];

/// The columns `period_start` and `period_end` a condition may name: the
/// report period's first and last day on each of `n` rows (null without
/// a period).
pub fn period_columns(period: Option<Period>, n: usize) -> [Column; 2] {
    [
        Column::new("period_start".into(), vec![period.map(|p| p.start()); n]),
        Column::new("period_end".into(), vec![period.map(|p| p.end()); n]),
    ]
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// A built-in code, or `local.…` for a county's own.
    pub code: String,
    /// Required for a `local.…` code; a built-in code keeps its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// The field whose cell is flagged.
    pub field: String,
    /// Which rows the check applies to (all without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// What must hold for those rows. A row where it is NULL (it compares
    /// a blank cell) is not flagged.
    pub assert: String,
    /// The message, in Chinese and English; `{field_key}` shows that
    /// field's value in the row (an ID number masked).
    pub message: String,
    pub message_en: String,
    /// The submitter levels it applies to (every level without it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<Level>,
    /// Raised by check and aggregate only, not by validate: a requirement
    /// (`target.*`) rather than a mistake in the form.
    #[serde(default, skip_serializing_if = "is_false")]
    pub audit: bool,
    #[serde(skip)]
    pub compiled: Option<Compiled>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `text` with every `{name}` that is a number of requirements.toml the
/// same for every period replaced by it; a per-period one is an error
/// (checks run in validate, which may have no period).
pub fn with_fixed_requirements(
    text: &str,
    reqs: &super::Requirements,
) -> std::result::Result<String, (String, String)> {
    let mut out = text.to_string();
    for p in placeholders(text) {
        let name = p.trim_end_matches('%');
        let (Some(m), Some(q)) = (
            reqs.param(name, &Period::parse("2026-01").expect("a month")),
            reqs.param(name, &Period::parse("2026").expect("a year")),
        ) else {
            continue;
        };
        if m != q
            && !matches!(
                reqs.params.get(name),
                Some(super::requirements::Param::Number(_))
            )
        {
            return Err((
                format!("`{{{name}}}` 按报告期长短取不同的值，审核公式中只能用各期相同的数值"),
                format!("`{{{name}}}` differs by period length; a check may name only a number the same for every period"),
            ));
        }
        out = out.replace(&format!("{{{name}}}"), &crate::text::number_text(m));
        out = out.replace(&format!("{{{name}%}}"), &format!("{:.0}%", m * 100.0));
    }
    Ok(out)
}

/// A check ready to run.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub code: Code,
    /// The rows it flags: `when AND NOT assert`.
    pub flags: Expr,
    /// The flagged field's index.
    pub field: usize,
    /// The fields the conditions and the message read, by index.
    pub reads: Vec<usize>,
    /// A cover's check: each placeholder of its messages as an expression
    /// over the submission's frame (a ledger check shows field values).
    pub shown: Vec<(String, Expr)>,
    /// A cover's check whose `field` names a ledger: the diagnostic stands
    /// on that ledger's sheet rather than at a cover cell.
    pub on_ledger: Option<String>,
}

/// A cover field's value or a ledger's figure, as a cover check reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Num(f64),
    Date(NaiveDate),
    Text(String),
}

/// One submission as its cover's checks see it: the cover's fields (in
/// the schema's order), per ledger of [`CoverFrame::ledgers`] its rows and
/// the sums of its number fields, the registry's counts of
/// [`REGISTRY_FIELDS`] (None without the organisation in a registry), and
/// the period its rows were judged against.
#[derive(Debug, Clone, Default)]
pub struct CoverRow {
    pub fields: Vec<Option<Scalar>>,
    pub ledgers: Vec<(f64, Vec<f64>)>,
    pub registry: Option<Vec<f64>>,
    pub period: Option<Period>,
}

/// What a cover's checks read besides its fields: the ledgers (by name)
/// and whether the registry.
#[derive(Debug, Clone, Default)]
pub struct CoverFrame {
    pub ledgers: Vec<String>,
    pub registry: bool,
}

/// The number fields a ledger's struct sums, in the schema's order.
pub fn summed(ledger: &Schema) -> impl Iterator<Item = &super::Field> {
    ledger
        .fields
        .iter()
        .filter(|f| matches!(f.ty, FieldType::Integer | FieldType::Decimal))
}

/// A cover field's column type.
fn is_number(f: &super::Field) -> bool {
    matches!(f.ty, FieldType::Integer | FieldType::Decimal)
}

impl CoverFrame {
    /// The frame of `rows` submissions of `cover` (none: the empty frame a
    /// check is tried on when it loads).
    pub fn build(
        &self,
        cover: &Schema,
        ledgers: &[&Schema],
        rows: &[CoverRow],
    ) -> PolarsResult<DataFrame> {
        let n = rows.len();
        let mut cols: Vec<Column> = Vec::new();
        for (i, f) in cover.fields.iter().enumerate() {
            let name = PlSmallStr::from(f.key.as_str());
            let at = |r: &CoverRow| r.fields.get(i).cloned().flatten();
            cols.push(match f.ty {
                _ if is_number(f) => Column::new(
                    name,
                    rows.iter()
                        .map(|r| match at(r) {
                            Some(Scalar::Num(x)) => Some(x),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                FieldType::Date => Column::new(
                    name,
                    rows.iter()
                        .map(|r| match at(r) {
                            Some(Scalar::Date(d)) => Some(d),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                _ => Column::new(
                    name,
                    rows.iter()
                        .map(|r| match at(r) {
                            Some(Scalar::Text(t)) => Some(t),
                            Some(Scalar::Num(x)) => Some(crate::text::number_text(x)),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
            });
        }
        for (k, l) in ledgers.iter().enumerate() {
            let mut parts = vec![Series::new(
                "rows".into(),
                rows.iter()
                    .map(|r| r.ledgers.get(k).map_or(0.0, |x| x.0))
                    .collect::<Vec<f64>>(),
            )];
            for (j, f) in summed(l).enumerate() {
                parts.push(Series::new(
                    f.key.as_str().into(),
                    rows.iter()
                        .map(|r| {
                            r.ledgers
                                .get(k)
                                .and_then(|x| x.1.get(j).copied())
                                .unwrap_or(0.0)
                        })
                        .collect::<Vec<f64>>(),
                ));
            }
            let s = StructChunked::from_series(l.name.as_str().into(), n, parts.iter())?;
            cols.push(s.into_series().into());
        }
        if self.registry {
            let parts: Vec<Series> = REGISTRY_FIELDS
                .iter()
                .enumerate()
                .map(|(j, (k, _))| {
                    Series::new(
                        (*k).into(),
                        rows.iter()
                            .map(|r| r.registry.as_ref().and_then(|v| v.get(j).copied()))
                            .collect::<Vec<Option<f64>>>(),
                    )
                })
                .collect();
            let s = StructChunked::from_series(REGISTRY.into(), n, parts.iter())?;
            cols.push(s.into_series().into());
        }
        let starts: Vec<Option<NaiveDate>> =
            rows.iter().map(|r| r.period.map(|p| p.start())).collect();
        let ends: Vec<Option<NaiveDate>> = rows.iter().map(|r| r.period.map(|p| p.end())).collect();
        cols.push(Column::new("period_start".into(), starts));
        cols.push(Column::new("period_end".into(), ends));
        DataFrame::new(n, cols)
    }
}

/// A SQL condition over a schema's fields, parsed by polars' SQL front end
/// and checked against the fields (and `params`), and every text it
/// compares an enum field with against the field's values. The error is
/// (zh, en).
pub fn condition(sql: &str, schema: &Schema, params: &[&str]) -> Result<Expr, (String, String)> {
    let e = expression(sql, schema, params)?;
    enum_texts(sql, schema)?;
    Ok(e)
}

/// [`condition`] without the check of its texts, for a condition into
/// which texts of another file were put (`{satisfied_levels}`), checked
/// there.
pub fn expression(sql: &str, schema: &Schema, params: &[&str]) -> Result<Expr, (String, String)> {
    let e = read_dated(sql, schema)?;
    for n in e.clone().meta().root_names() {
        let n = n.as_str();
        if schema.field(n).is_none() && !params.contains(&n) {
            // `type = "联席会议"`: SQL's double quotes name a column.
            let quoted = sql.contains(&format!("\"{n}\""));
            let (near_zh, near_en) = if quoted {
                (String::new(), String::new())
            } else {
                super::field_hint(n, schema, params)
            };
            return Err((
                format!(
                    "条件 `{sql}` 引用的 `{n}` 不是 `{}` 的字段{near_zh}{}",
                    schema.name,
                    if quoted {
                        format!("；SQL 中双引号括起的是字段名，文字要用英文单引号：'{n}'")
                    } else {
                        String::new()
                    }
                ),
                format!(
                    "`{sql}` names `{n}`, which is not a field of `{}`{near_en}{}",
                    schema.name,
                    if quoted {
                        format!(
                            "; SQL's double quotes name a field, a text takes single quotes: '{n}'"
                        )
                    } else {
                        String::new()
                    }
                ),
            ));
        }
    }
    Ok(e)
}

/// A condition read by polars' SQL, or why not ([`not_sql`]). Two names
/// with no operator between them (`attended expected`) are SQL for the
/// first renamed as the second, which polars reads without a word and
/// then fails on in its own terms: said as the slip it is.
pub(super) fn read_sql(sql: &str) -> Result<Expr, (String, String)> {
    use sqlparser::ast::SelectItem;
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::Parser;
    let e = polars::sql::sql_expr(sql).map_err(|e| not_sql(sql, &e))?;
    let item = Parser::new(&GenericDialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_select_item());
    if let Ok(SelectItem::ExprWithAlias { expr, alias }) = item {
        return Err((
            format!("条件 `{sql}` 在 `{expr}` 与 `{alias}` 之间缺少比较或运算符（如 <=、=、AND）：SQL 会把它读成把 `{expr}` 改名为 `{alias}`"),
            format!("`{sql}` lacks an operator (<=, =, AND …) between `{expr}` and `{alias}`: SQL reads it as `{expr}` renamed `{alias}`"),
        ));
    }
    Ok(e)
}

/// [`read_sql`] of a condition over `schema`'s fields, its texts compared
/// with a date field or the period's days read as dates ([`dated`]).
pub(super) fn read_dated(sql: &str, schema: &Schema) -> Result<Expr, (String, String)> {
    let is_date = |n: &str| {
        PARAMETERS.contains(&n) || schema.field(n).is_some_and(|f| f.ty == FieldType::Date)
    };
    read_sql(&dated(sql, &is_date)?)
}

/// A condition as polars is to read it. A text compared with a date
/// (`date >= '2026-07-01'`, `date BETWEEN '2026/7/1' AND '2026/9/30'`,
/// `IN (…)`) is what a statistician writes, and polars refuses it
/// ("cannot compare 'date/datetime/time' to a string value"): it is read
/// as a date the way a cell's text is (text::date_from_text: 2026-07-01,
/// 2026/7/1, 2026年7月1日 …) and handed to polars as `DATE('2026-07-01')`.
/// So is `DATE '2026-07-01'`, which polars casts with a deprecation notice
/// on standard error. A text there that is no date stops the load. Any
/// other condition is handed on as written.
fn dated<'a>(
    sql: &'a str,
    is_date: &dyn Fn(&str) -> bool,
) -> Result<std::borrow::Cow<'a, str>, (String, String)> {
    use sqlparser::ast::{
        visit_expressions_mut, BinaryOperator, DataType as SqlType, Expr as Sql, Value,
    };
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::Parser;
    use sqlparser::tokenizer::Token;
    use std::borrow::Cow;
    use std::ops::ControlFlow;
    let parsed = Parser::new(&GenericDialect)
        .try_with_sql(sql)
        .and_then(|mut p| {
            let e = p.parse_expr()?;
            Ok((e, p.peek_token().token == Token::EOF))
        });
    // What polars cannot read is said by read_sql, on the text as written.
    let Ok((mut parsed, true)) = parsed else {
        return Ok(Cow::Borrowed(sql));
    };
    fn is_dated(e: &Sql, is_date: &dyn Fn(&str) -> bool) -> bool {
        match e {
            Sql::Identifier(i) => is_date(&i.value),
            Sql::Nested(x) => is_dated(x, is_date),
            Sql::Function(f) => f.name.to_string().eq_ignore_ascii_case("date"),
            _ => false,
        }
    }
    // A date literal's text, where one stands (a text beside a date,
    // `DATE '…'`, or `DATE('…')` without a format, read here as a cell's
    // date would be rather than by polars' guess).
    fn literal(e: &Sql) -> Option<&str> {
        use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments};
        match e {
            Sql::Function(f) if f.name.to_string().eq_ignore_ascii_case("date") => {
                let FunctionArguments::List(l) = &f.args else {
                    return None;
                };
                match l.args.as_slice() {
                    [FunctionArg::Unnamed(FunctionArgExpr::Expr(Sql::Value(v)))] => {
                        match &v.value {
                            Value::SingleQuotedString(s) => Some(s),
                            _ => None,
                        }
                    }
                    _ => None,
                }
            }
            Sql::Value(v) => match &v.value {
                Value::SingleQuotedString(s) => Some(s),
                _ => None,
            },
            Sql::TypedString(t) if t.data_type == SqlType::Date => match &t.value.value {
                Value::SingleQuotedString(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }
    let mut changed = false;
    let mut to_date = |e: &mut Sql| -> Result<(), String> {
        let Some(t) = literal(e) else {
            return Ok(());
        };
        let d = crate::text::date_from_text(t).ok_or_else(|| t.to_string())?;
        *e = Parser::new(&GenericDialect)
            .try_with_sql(&format!("DATE('{}')", d.format("%Y-%m-%d")))
            .and_then(|mut p| p.parse_expr())
            .map_err(|_| t.to_string())?;
        changed = true;
        Ok(())
    };
    let found = visit_expressions_mut(&mut parsed, |e: &mut Sql| {
        let r = match e {
            Sql::BinaryOp {
                left,
                op:
                    BinaryOperator::Eq
                    | BinaryOperator::NotEq
                    | BinaryOperator::Lt
                    | BinaryOperator::LtEq
                    | BinaryOperator::Gt
                    | BinaryOperator::GtEq,
                right,
            } => {
                if is_dated(left, is_date) {
                    to_date(right)
                } else if is_dated(right, is_date) {
                    to_date(left)
                } else {
                    Ok(())
                }
            }
            Sql::Between {
                expr, low, high, ..
            } if is_dated(expr, is_date) => to_date(low).and_then(|()| to_date(high)),
            // polars takes only literals in a list: `date IN (a, b)` is
            // asked as `(date = a OR date = b)`, which NULL meets alike.
            Sql::InList {
                expr,
                list,
                negated,
            } if is_dated(expr, is_date) && list.iter().any(|x| literal(x).is_some()) => {
                let (expr, negated) = (expr.clone(), *negated);
                let mut list = std::mem::take(list);
                let r = list.iter_mut().try_for_each(&mut to_date);
                let any = list
                    .into_iter()
                    .map(|x| Sql::BinaryOp {
                        left: expr.clone(),
                        op: BinaryOperator::Eq,
                        right: Box::new(x),
                    })
                    .reduce(|a, b| Sql::BinaryOp {
                        left: Box::new(a),
                        op: BinaryOperator::Or,
                        right: Box::new(b),
                    });
                if let Some(any) = any {
                    let any = Sql::Nested(Box::new(any));
                    *e = if negated {
                        Sql::UnaryOp {
                            op: sqlparser::ast::UnaryOperator::Not,
                            expr: Box::new(any),
                        }
                    } else {
                        any
                    };
                }
                r
            }
            Sql::TypedString(t) if t.data_type == SqlType::Date => to_date(e),
            Sql::Function(f) if f.name.to_string().eq_ignore_ascii_case("date") => to_date(e),
            _ => Ok(()),
        };
        match r {
            Ok(()) => ControlFlow::Continue(()),
            Err(t) => ControlFlow::Break(t),
        }
    });
    if let ControlFlow::Break(t) = found {
        return Err((
            format!("条件 `{sql}` 中的 '{t}' 是与日期比较的文字，却不是日期；日期写作 '2026-07-01'（也可写 2026/7/1、2026年7月1日）"),
            format!("`{sql}` compares a date with '{t}', which is no date: write dates as '2026-07-01'"),
        ));
    }
    Ok(if changed {
        Cow::Owned(parsed.to_string())
    } else {
        Cow::Borrowed(sql)
    })
}

/// Why a condition polars refused for its types does not fit them, said as
/// a statistician would: the first comparison or sum of two parts whose
/// kinds differ (`attended <= type`: a number and a text; `date = topic`:
/// a date and a text). None when no such pair is seen, and polars' own
/// words are said instead. A number beside a date is left to polars,
/// which reads it.
pub(super) fn type_clash(sql: &str, schema: &Schema) -> Option<(String, String)> {
    use sqlparser::ast::{visit_expressions, BinaryOperator as Op, Expr as Sql, Value};
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::Parser;
    use std::ops::ControlFlow;
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Number,
        Text,
        Date,
        /// Seconds since 1970 (validate::Clock): compared after a subtraction.
        Time,
    }
    fn words(k: Kind) -> (&'static str, &'static str) {
        match k {
            Kind::Number => ("数字", "a number"),
            Kind::Text => ("文字", "a text"),
            Kind::Date => ("日期", "a date"),
            Kind::Time => ("时间", "a time"),
        }
    }
    fn kind(e: &Sql, schema: &Schema) -> Option<Kind> {
        match e {
            Sql::Identifier(i) => match i.value.as_str() {
                "period_start" | "period_end" => Some(Kind::Date),
                "submitter_level" => Some(Kind::Text),
                n => schema.field(n).map(|f| match f.ty {
                    FieldType::Time => Kind::Time,
                    ty => match check_dtype(ty) {
                        DataType::Float64 => Kind::Number,
                        DataType::Date => Kind::Date,
                        _ => Kind::Text,
                    },
                }),
            },
            // A cover's `grid.rows`, `registry.units`.
            Sql::CompoundIdentifier(_) => Some(Kind::Number),
            Sql::Value(v) => match v.value {
                Value::Number(..) => Some(Kind::Number),
                Value::SingleQuotedString(_) => Some(Kind::Text),
                _ => None,
            },
            Sql::Nested(x) | Sql::UnaryOp { expr: x, .. } => kind(x, schema),
            Sql::Function(f) if f.name.to_string().eq_ignore_ascii_case("date") => Some(Kind::Date),
            Sql::BinaryOp {
                left,
                op: op @ (Op::Plus | Op::Minus | Op::Multiply | Op::Divide | Op::Modulo),
                right,
            } => match (kind(left, schema)?, op, kind(right, schema)?) {
                (Kind::Number, _, Kind::Number) | (Kind::Time, Op::Minus, Kind::Time) => {
                    Some(Kind::Number)
                }
                (Kind::Time, Op::Plus | Op::Minus, Kind::Number)
                | (Kind::Number, Op::Plus, Kind::Time) => Some(Kind::Time),
                _ => None,
            },
            _ => None,
        }
    }
    let parsed = Parser::new(&GenericDialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()?;
    // The first argument of a text function given no text, or of a
    // number function given a text (`LENGTH(attended)`, `ABS(topic)`).
    const TEXT_FUNCTIONS: &[&str] = &[
        "LENGTH",
        "CHAR_LENGTH",
        "CHARACTER_LENGTH",
        "OCTET_LENGTH",
        "UPPER",
        "LOWER",
        "LEFT",
        "RIGHT",
        "STARTS_WITH",
        "ENDS_WITH",
        "STRPOS",
        "REPLACE",
        "REVERSE",
        "INITCAP",
        "SUBSTR",
        "LTRIM",
        "RTRIM",
        "BTRIM",
    ];
    const NUMBER_FUNCTIONS: &[&str] = &[
        "ABS", "ROUND", "CEIL", "CEILING", "FLOOR", "SQRT", "CBRT", "LN", "LOG", "LOG2", "LOG10",
        "EXP", "POW", "POWER", "SIGN", "MOD",
    ];
    let first_arg = |f: &sqlparser::ast::Function| -> Option<Sql> {
        use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments};
        let FunctionArguments::List(l) = &f.args else {
            return None;
        };
        match l.args.first()? {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => Some(x.clone()),
            _ => None,
        }
    };
    let mut misfed: Option<(String, String, Kind, bool)> = None;
    let found = visit_expressions(&parsed, |e: &Sql| {
        if let Sql::Function(f) = e {
            let name = f.name.to_string().to_uppercase();
            let wants_text = TEXT_FUNCTIONS.contains(&name.as_str());
            if wants_text || NUMBER_FUNCTIONS.contains(&name.as_str()) {
                if let Some((x, k)) =
                    first_arg(f).and_then(|x| Some((x.to_string(), kind(&x, schema)?)))
                {
                    if wants_text != (k == Kind::Text) && misfed.is_none() {
                        misfed = Some((name, x, k, wants_text));
                    }
                }
            }
        }
        let Sql::BinaryOp { left, op, right } = e else {
            return ControlFlow::Continue(());
        };
        let compared = matches!(
            op,
            Op::Eq | Op::NotEq | Op::Lt | Op::LtEq | Op::Gt | Op::GtEq
        );
        let summed = matches!(
            op,
            Op::Plus | Op::Minus | Op::Multiply | Op::Divide | Op::Modulo
        );
        // Only a text beside another kind: polars reads a number beside a
        // date or a time as it is.
        match (kind(left, schema), kind(right, schema)) {
            (Some(a), Some(b))
                if (compared || summed) && a != b && (a == Kind::Text || b == Kind::Text) =>
            {
                ControlFlow::Break((left.to_string(), a, right.to_string(), b, compared))
            }
            _ => ControlFlow::Continue(()),
        }
    });
    let ControlFlow::Break((l, a, r, b, compared)) = found else {
        let (f, x, k, wants_text) = misfed?;
        let (k_zh, k_en) = words(k);
        let (w_zh, w_en) = if wants_text {
            ("文字", "a text")
        } else {
            ("数字", "a number")
        };
        return Some((
            format!("条件 `{sql}` 中的 {f} 用于{w_zh}，而 `{x}` 是{k_zh}"),
            format!("in `{sql}`, {f} takes {w_en}, and `{x}` is {k_en}"),
        ));
    };
    let ((a_zh, a_en), (b_zh, b_en)) = (words(a), words(b));
    let (how_zh, how_en) = if compared {
        ("不能相比较", "cannot be compared")
    } else {
        (
            "不能相运算",
            "cannot be added, subtracted, multiplied or divided",
        )
    };
    // `attended <= '5'`: a number in quotes is a text.
    let quoted = [&l, &r].into_iter().find_map(|s| {
        let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
        inner.parse::<f64>().is_ok().then(|| inner.to_string())
    });
    let (hint_zh, hint_en) = match quoted {
        Some(n) => (
            format!("；数字不加引号，写 {n}"),
            format!("; a number takes no quotes: {n}"),
        ),
        None if a == Kind::Time || b == Kind::Time => (
            "；时间以秒计，两个时间相减后再比较，如 contacted_at - requested_at <= 3600".to_string(),
            "; times are in seconds: compare the difference of two, e.g. contacted_at - requested_at <= 3600".to_string(),
        ),
        None if a == Kind::Date || b == Kind::Date => (
            "；日期只与日期比，日期可写作 '2026-07-01'".to_string(),
            "; a date is compared with a date, which may be written '2026-07-01'".to_string(),
        ),
        None => (
            "；数字只与数字比，文字只与文字比".to_string(),
            String::new(),
        ),
    };
    Some((
        format!("条件 `{sql}` 中 `{l}` 是{a_zh}，`{r}` 是{b_zh}，{how_zh}{hint_zh}"),
        format!("in `{sql}`, `{l}` is {a_en} and `{r}` is {b_en}, which {how_en}{hint_en}"),
    ))
}

/// A cover check reads a ledger as `<ledger>.rows` and `<ledger>.<number
/// field>`, and the registry as `registry.units` …: a ledger named bare
/// (`grid = grid.rows`, for the cover's `grids`) was compared as a whole
/// struct and flagged nothing, and a part it lacks (`grid.row`) was said in
/// polars' words. Both said here, with the part likely meant.
pub(super) fn ledger_parts(
    sql: &str,
    cover: &Schema,
    all: &[Schema],
) -> Result<(), (String, String)> {
    use sqlparser::ast::{visit_expressions, Expr as Sql};
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::Parser;
    use std::ops::ControlFlow;
    let Ok(parsed) = Parser::new(&GenericDialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
    else {
        return Ok(());
    };
    // The parts a name's struct has, if the name is a ledger or the registry
    // (and no field of the cover, which wins and is said elsewhere).
    let parts = |name: &str| -> Option<Vec<&str>> {
        if cover.field(name).is_some() {
            return None;
        }
        if name == REGISTRY {
            return Some(REGISTRY_FIELDS.iter().map(|(k, _)| *k).collect());
        }
        let l = all
            .iter()
            .find(|l| l.kind == FormKind::Ledger && l.name == name)?;
        Some(
            std::iter::once("rows")
                .chain(summed(l).map(|f| f.key.as_str()))
                .collect(),
        )
    };
    let found = visit_expressions(&parsed, |e| {
        match e {
            Sql::Identifier(i) => {
                if let Some(p) = parts(&i.value) {
                    let n = &i.value;
                    let first = p.first().copied().unwrap_or("rows");
                    return ControlFlow::Break((
                        format!("`{n}` 是台账或 registry，不能整个拿来比较：请写 `{n}.{first}` 或 `{n}.<数字字段>`（可用：{}）", p.join("、")),
                        format!("`{n}` is a ledger or the registry and cannot be compared whole: write `{n}.{first}` or `{n}.<number field>` (its parts: {})", p.join(", ")),
                    ));
                }
            }
            Sql::CompoundIdentifier(ids) if ids.len() == 2 => {
                let (n, part) = (&ids[0].value, &ids[1].value);
                if let Some(p) = parts(n).filter(|p| !p.contains(&part.as_str())) {
                    let (near_zh, near_en) = super::did_you_mean(part, p.iter().copied());
                    return ControlFlow::Break((
                        format!(
                            "`{n}.{part}`：`{n}` 没有 `{part}`，可用的是 {}{near_zh}",
                            p.join("、")
                        ),
                        format!(
                            "`{n}.{part}`: `{n}` has no `{part}`; its parts are {}{near_en}",
                            p.join(", ")
                        ),
                    ));
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    match found {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// Why `sql` is no SQL expression, in both languages: "`…` 不是有效的 SQL
/// 表达式（reason）" and a hint for a Chinese input method's punctuation.
/// polars says only "unable to parse '…' as Expr"; the parser it uses says
/// where and what it expected, so the text is parsed again here as polars
/// parses it (a select item, trailing commas allowed) for that.
pub(super) fn not_sql(sql: &str, e: &PolarsError) -> (String, String) {
    let (zh, en) = parse_reason(sql).unwrap_or_else(|| (reason(e), reason(e)));
    let (hint_zh, hint_en) = punctuation_hint(sql);
    (
        format!("条件 `{sql}` 不是有效的 SQL 表达式（{zh}）{hint_zh}"),
        format!("`{sql}` is not a valid SQL expression ({en}){hint_en}"),
    )
}

/// The SQL parser's reason, said in Chinese: "第 18 个字符处应为表达式，
/// 却已到结尾". None when the parser reads `sql` (polars failed on
/// something else, said in its words).
fn parse_reason(sql: &str) -> Option<(String, String)> {
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::{Parser, ParserOptions};
    use sqlparser::tokenizer::Token;
    let err = Parser::new(&GenericDialect)
        .with_options(ParserOptions {
            trailing_commas: true,
            ..Default::default()
        })
        .try_with_sql(sql)
        .and_then(|mut p| {
            p.parse_select_item()?;
            match p.peek_token().token {
                Token::EOF => Ok(()),
                _ => p.expected("the end of the expression", p.peek_token()),
            }
        })
        .err()?;
    let text = err.to_string();
    let text = text.strip_prefix("sql parser error: ").unwrap_or(&text);
    // "…at Line: 1, Column: 18"
    let (what, place) = match text.rsplit_once(" at Line: ") {
        Some((w, at)) => {
            let mut n = at.split(", Column: ").map(|x| x.trim().parse::<u64>().ok());
            (w, n.next().flatten().zip(n.next().flatten()))
        }
        None => (text, None),
    };
    let at_zh = match place {
        Some((1, c)) => format!("第 {c} 个字符处"),
        Some((l, c)) => format!("第 {l} 行第 {c} 个字符处"),
        None => String::new(),
    };
    let word = |x: &str| match x.trim() {
        "an expression" => "表达式".to_string(),
        "EOF" => "结尾".to_string(),
        ")" => "右括号 )".to_string(),
        "(" => "左括号 (".to_string(),
        "the end of the expression" => "表达式的结尾".to_string(),
        other => format!("`{other}`"),
    };
    let zh = if let Some((expected, found)) = what
        .strip_prefix("Expected: ")
        .and_then(|r| r.split_once(", found: "))
    {
        if found.trim() == "EOF" {
            format!("{at_zh}应为{}，却已到结尾", word(expected))
        } else {
            format!("{at_zh}应为{}，写的是 {}", word(expected), word(found))
        }
    } else if what.starts_with("Unterminated string literal") {
        format!(
            "{}起的文字缺少结尾的英文单引号 '",
            at_zh.trim_end_matches('处')
        )
    } else {
        format!("{at_zh}{what}")
    };
    Some((zh, text.to_string()))
}

/// Full-width punctuation typed with a Chinese input method, which SQL
/// does not read: said after polars' own message.
pub(super) fn punctuation_hint(sql: &str) -> (String, String) {
    const WIDE: &[char] = &[
        '‘', '’', '“', '”', '（', '）', '，', '＝', '＜', '＞', '！', '；', '＇', '＂',
    ];
    let found: Vec<String> = WIDE
        .iter()
        .filter(|c| sql.contains(**c))
        .map(|c| c.to_string())
        .collect();
    if found.is_empty() {
        return (String::new(), String::new());
    }
    let f = found.join(" ");
    (
        format!("；其中有中文标点 {f}，SQL 只认英文标点：文字用英文单引号 '…'，括号用 ( )，比较用 = <> <= >="),
        format!("; it holds full-width punctuation {f}: SQL reads only ASCII quotes ('…'), brackets and operators"),
    )
}

/// A comparison with NULL (`resolved_on <> NULL`) holds for no row: said,
/// with what to write instead. And every text a condition compares an enum
/// field with (`type = '…'`, `<>`, `IN (…)`, `CASE type WHEN '…'`) must be
/// one of the field's values:
/// a misspelt '联席会' would match no row and count nothing, with no word
/// said. An alias is refused too, naming its value: cells are read into
/// the value, so the alias matches nothing either. Read with the SQL
/// parser polars' front end uses, on the text as written.
pub(super) fn enum_texts(sql: &str, schema: &Schema) -> Result<(), (String, String)> {
    use sqlparser::ast::{visit_expressions, BinaryOperator, Expr as Sql, Value};
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::Parser;
    use std::ops::ControlFlow;

    let Ok(parsed) = Parser::new(&GenericDialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
    else {
        return Ok(());
    };
    let field = |e: &Sql| field_of(e, schema);
    fn field_of<'a>(e: &Sql, schema: &'a Schema) -> Option<&'a super::Field> {
        match e {
            Sql::Identifier(i) => schema.field(&i.value).filter(|f| !f.values.is_empty()),
            Sql::Nested(inner) => field_of(inner, schema),
            _ => None,
        }
    }
    fn text(e: &Sql) -> Option<&str> {
        match e {
            Sql::Value(v) => match &v.value {
                Value::SingleQuotedString(s) => Some(s),
                _ => None,
            },
            Sql::Nested(inner) => text(inner),
            _ => None,
        }
    }
    let is_null = |e: &Sql| matches!(e, Sql::Value(v) if v.value == Value::Null);
    let mut pairs: Vec<(&super::Field, String)> = Vec::new();
    // `x = NULL` is NULL for every row, so it holds for none.
    let mut null_compared: Option<String> = None;
    let _ = visit_expressions(&parsed, |e: &Sql| {
        match e {
            Sql::BinaryOp {
                left,
                op:
                    op @ (BinaryOperator::Eq
                    | BinaryOperator::NotEq
                    | BinaryOperator::Lt
                    | BinaryOperator::LtEq
                    | BinaryOperator::Gt
                    | BinaryOperator::GtEq),
                right,
            } => {
                if null_compared.is_none() && (is_null(left) || is_null(right)) {
                    null_compared = Some(format!("{left} {op} {right}"));
                }
                if let (Some(f), Some(t)) = (field(left), text(right)) {
                    pairs.push((f, t.to_string()));
                }
                if let (Some(f), Some(t)) = (field(right), text(left)) {
                    pairs.push((f, t.to_string()));
                }
            }
            Sql::InList { expr, list, .. } => {
                if let Some(f) = field(expr) {
                    pairs.extend(list.iter().filter_map(text).map(|t| (f, t.to_string())));
                }
            }
            Sql::Case {
                operand: Some(operand),
                conditions,
                ..
            } => {
                if let Some(f) = field(operand) {
                    pairs.extend(
                        conditions
                            .iter()
                            .filter_map(|w| text(&w.condition))
                            .map(|t| (f, t.to_string())),
                    );
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    if let Some(c) = null_compared {
        return Err((
            format!("条件 `{sql}` 中的 `{c}` 对任何行都不成立（与 NULL 比较，结果总是未知）；判断是否为空请写 IS NULL 或 IS NOT NULL"),
            format!("in `{sql}`, `{c}` holds for no row (a comparison with NULL is never true): write IS NULL or IS NOT NULL"),
        ));
    }
    for (f, t) in &pairs {
        let t = t.as_str();
        if f.values.iter().any(|v| v == t) {
            continue;
        }
        let values = f.values.join("、");
        let (alias_zh, alias_en) = match f.value_aliases.get(t) {
            Some(v) => (
                format!("；`{t}` 是 `{v}` 的别名，单元格读入时已改为 `{v}`，条件里要写 '{v}'"),
                format!("; `{t}` is an alias of `{v}`, which the cells are read into: write '{v}'"),
            ),
            None => (String::new(), String::new()),
        };
        return Err((
            format!(
                "条件 `{sql}` 中的 '{t}' 不是 `{}`（{}）的取值，不会有任何行符合{alias_zh}；可选值：{values}",
                f.key, f.header
            ),
            format!(
                "`{sql}` compares `{}` with '{t}', which is none of its values, so no row would match{alias_en}; its values: {values}",
                f.key
            ),
        ));
    }
    Ok(())
}

/// The `{key}` placeholders of a message template.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j) => {
                out.push(&after[..j]);
                rest = &after[j + 1..];
            }
            None => break,
        }
    }
    out
}

impl Check {
    /// An error of this check, naming the file and the line its code stands on.
    fn failure(&self, file: &str, text: &str, zh: String, en: String) -> anyhow::Error {
        let needle = format!("\"{}\"", self.code);
        let at = text
            .lines()
            .position(|l| l.contains(&needle))
            .map(|i| i + 1);
        super::file_error(
            super::FORM_FILE,
            file,
            at,
            format!("审核 `{}`：{zh}", self.code),
            format!("check `{}`: {en}", self.code),
        )
    }

    /// Why polars refused the check's types, in the statistician's words
    /// ([`type_clash`] of its `when`, then its `assert`).
    fn clash(&self, schema: &Schema) -> Option<(String, String)> {
        self.when
            .iter()
            .chain([&self.assert])
            .find_map(|s| type_clash(s, schema))
    }

    /// The code: built-in with its own severity, or a declared `local.…`.
    fn resolve_code(&self, file: &str, text: &str) -> Result<Code> {
        let fail = |zh: &str, en: &str| self.failure(file, text, zh.into(), en.into());
        if let Some(own) = self.code.strip_prefix(LOCAL_PREFIX) {
            let ok = !own.is_empty()
                && own
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
            if !ok {
                bail!(fail(
                    "自定义代码在 local. 之后只能用小写字母、数字、下划线和点",
                    "an own code takes lower-case letters, digits, underscores and dots after local."
                ));
            }
            let Some(sev) = self.severity else {
                bail!(fail(
                    "自定义代码须写 severity（error、warning 或 note）",
                    "an own code needs a severity (error, warning or note)"
                ));
            };
            return Ok(LocalCode::declare(
                &self.code,
                sev,
                &self.message,
                &self.message_en,
            ));
        }
        let Some(c) = Code::parse(&self.code) else {
            let (zh, en) = super::not_a_code(&self.code);
            bail!(fail(&zh, &en));
        };
        if self.severity.is_some_and(|s| s != c.severity()) {
            bail!(fail(
                "内置代码的严重程度不能改；要另定严重程度请用 local. 代码",
                "a built-in code keeps its severity; use a local. code for another"
            ));
        }
        Ok(c)
    }

    /// Compile the check of a ledger `schema`; an error names the file and
    /// line. The requirements it names (`{name}`) become their numbers, and
    /// a message placeholder that is no field is an SQL expression over the
    /// row, shown with its value.
    pub fn prepare(
        &mut self,
        schema: &Schema,
        reqs: &super::Requirements,
        file: &str,
        text: &str,
    ) -> Result<()> {
        let fixed = |t: &str| {
            with_fixed_requirements(t, reqs).map_err(|(zh, en)| self.failure(file, text, zh, en))
        };
        let when = self.when.as_deref().map(fixed).transpose()?;
        let assert_sql = fixed(&self.assert)?;
        let message = fixed(&self.message)?;
        let message_en = fixed(&self.message_en)?;
        let fail = |zh: String, en: String| self.failure(file, text, zh, en);
        let code = self.resolve_code(file, text)?;
        let index = |k: &str| -> Result<usize> {
            schema.field_index(k).ok_or_else(|| {
                let (near_zh, near_en) = super::field_hint(k, schema, &[]);
                fail(
                    format!("`{k}` 不是表样 `{}` 的字段{near_zh}", schema.name),
                    format!("`{k}` is not a field of `{}`{near_en}", schema.name),
                )
            })
        };
        let field = index(&self.field)?;
        let sql = |s: &str| condition(s, schema, PARAMETERS).map_err(|(zh, en)| fail(zh, en));
        let assert = sql(&assert_sql)?;
        let flags = match &when {
            Some(w) => sql(w)?.and(assert.not()),
            None => assert.not(),
        };
        let mut reads = vec![field];
        let mut shown: Vec<(String, Expr)> = Vec::new();
        for t in [&message, &message_en] {
            for k in placeholders(t) {
                match schema.field_index(k) {
                    Some(i) => reads.push(i),
                    None if shown.iter().any(|(s, _)| s == k) => {}
                    // Said as the message's placeholder, not as a condition:
                    // the county wrote it in `message`.
                    None => shown.push((
                        k.to_string(),
                        condition(k, schema, PARAMETERS).map_err(|(zh, en)| {
                            // A bare name needs no second sentence saying
                            // it is no field; an expression keeps its reason.
                            let bare = k.chars().all(|c| c.is_alphanumeric() || c == '_');
                            let (zh, en) = if bare {
                                super::field_hint(k, schema, PARAMETERS)
                            } else {
                                (format!("：{zh}"), format!(": {en}"))
                            };
                            fail(
                                format!("消息中的 `{{{k}}}` 既不是 `{}` 的字段，也不是可计算的表达式{zh}", schema.name),
                                format!("the message's `{{{k}}}` is neither a field of `{}` nor an expression{en}", schema.name),
                            )
                        })?,
                    )),
                }
            }
        }
        for e in std::iter::once(&flags).chain(shown.iter().map(|(_, e)| e)) {
            for n in e.clone().meta().root_names() {
                if let Some(i) = schema.field_index(n.as_str()) {
                    reads.push(i);
                }
            }
        }
        reads.sort_unstable();
        reads.dedup();
        self.when = when;
        self.assert = assert_sql;
        self.message = message;
        self.message_en = message_en;
        self.compiled = Some(Compiled {
            code,
            flags,
            field,
            reads,
            shown,
            on_ledger: None,
        });
        Ok(())
    }

    /// Compile the check of a `cover`, which reads the ledgers of `all`
    /// and the registry as the module says. It is tried on an empty frame
    /// of the right types, so an unknown name, a ledger's unknown field or
    /// a comparison of text with a number stops the load, not a run.
    pub fn prepare_cover(
        &mut self,
        cover: &Schema,
        all: &[Schema],
        frame: &mut CoverFrame,
        file: &str,
        text: &str,
    ) -> Result<()> {
        let fail = |zh: String, en: String| self.failure(file, text, zh, en);
        let code = self.resolve_code(file, text)?;
        let is_ledger = |n: &str| {
            all.iter()
                .any(|l| l.kind == FormKind::Ledger && l.name == n)
        };
        let (field, on_ledger) = match cover.field_index(&self.field) {
            Some(i) => (i, None),
            None if is_ledger(&self.field) => (0, Some(self.field.clone())),
            None => bail!(fail(
                format!(
                    "`{}` 既不是封面 `{}` 的字段，也不是台账",
                    self.field, cover.name
                ),
                format!(
                    "`{}` is neither a field of the cover `{}` nor a ledger",
                    self.field, cover.name
                ),
            )),
        };
        let parse = |s: &str| {
            let e = read_dated(s, cover).map_err(|(zh, en)| fail(zh, en))?;
            enum_texts(s, cover).map_err(|(zh, en)| fail(zh, en))?;
            ledger_parts(s, cover, all).map_err(|(zh, en)| fail(zh, en))?;
            Ok::<_, anyhow::Error>(e)
        };
        let assert = parse(&self.assert)?;
        let flags = match &self.when {
            Some(w) => parse(w)?.and(assert.not()),
            None => assert.not(),
        };
        let mut shown = Vec::new();
        for t in [&self.message, &self.message_en] {
            for k in placeholders(t) {
                if !shown.iter().any(|(s, _): &(String, Expr)| s == k) {
                    shown.push((k.to_string(), parse(k)?));
                }
            }
        }
        let mut mine = CoverFrame::default();
        let exprs = std::iter::once(&flags).chain(shown.iter().map(|(_, e)| e));
        for n in exprs.flat_map(|e| e.clone().meta().root_names()) {
            let n = n.as_str();
            let ledger = n == REGISTRY || is_ledger(n);
            if cover.field(n).is_some() && ledger {
                bail!(fail(
                    format!("`{n}` 既是封面 `{}` 的字段，又是台账或 registry 的名称，无法区分；请改一个名称", cover.name),
                    format!("`{n}` is both a field of the cover `{}` and a ledger or the registry; rename one", cover.name),
                ));
            }
            if cover.field(n).is_some() || PARAMETERS.contains(&n) {
                continue;
            }
            if n == REGISTRY {
                mine.registry = true;
            } else if is_ledger(n) {
                if !mine.ledgers.iter().any(|l| l == n) {
                    mine.ledgers.push(n.to_string());
                }
            } else {
                let (near_zh, near_en) = super::did_you_mean(
                    n,
                    cover
                        .fields
                        .iter()
                        .map(|f| f.key.as_str())
                        .chain(PARAMETERS.iter().copied())
                        .chain([REGISTRY])
                        .chain(
                            all.iter()
                                .filter(|l| l.kind == FormKind::Ledger)
                                .map(|l| l.name.as_str()),
                        ),
                );
                bail!(fail(
                    format!(
                        "`{n}` 不是封面 `{}` 的字段，也不是台账或 registry{near_zh}",
                        cover.name
                    ),
                    format!(
                        "`{n}` is neither a field of the cover `{}` nor a ledger nor the registry{near_en}",
                        cover.name
                    ),
                ));
            }
        }
        let ledgers: Vec<&Schema> = mine
            .ledgers
            .iter()
            .filter_map(|n| all.iter().find(|l| &l.name == n))
            .collect();
        let tried = mine.build(cover, &ledgers, &[]).and_then(|df| {
            runs_on(
                df,
                std::iter::once(&flags)
                    .chain(shown.iter().map(|(_, e)| e))
                    .cloned(),
            )
        });
        if let Err(e) = tried {
            let e = reason(&e);
            let (zh, en) = self.clash(cover).unwrap_or_else(|| {
                (
                    format!("无法对封面和台账计算：{e}"),
                    format!("cannot be evaluated over the cover and ledgers: {e}"),
                )
            });
            bail!(fail(zh, en));
        }
        for l in mine.ledgers {
            if !frame.ledgers.contains(&l) {
                frame.ledgers.push(l);
            }
        }
        frame.registry |= mine.registry;
        self.compiled = Some(Compiled {
            code,
            flags,
            field,
            reads: vec![field],
            shown,
            on_ledger,
        });
        Ok(())
    }
}

/// A key of a row that must stand on another ledger of the same
/// submission, when the submission carries that ledger (a request's 网格编号
/// among the submission's own grids). Keys compare as text after
/// full-width folding and trimming.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Listed {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// The field whose cell is flagged.
    pub field: String,
    /// `<ledger>.<field>`: where the key must stand.
    pub on: String,
    /// `{field_key}` shows the row's values.
    pub message: String,
    pub message_en: String,
    #[serde(skip)]
    pub compiled: Option<(Code, usize, String, usize)>,
}

impl Listed {
    /// Resolve the field, the ledger and its field, and the code: (code,
    /// field index, ledger, the ledger's field index).
    pub fn prepare(
        &mut self,
        schema: &Schema,
        all: &[Schema],
        file: &str,
        text: &str,
    ) -> Result<()> {
        let as_check = Check {
            code: self.code.clone(),
            severity: self.severity,
            field: self.field.clone(),
            when: None,
            assert: String::new(),
            message: self.message.clone(),
            message_en: self.message_en.clone(),
            levels: Vec::new(),
            audit: false,
            compiled: None,
        };
        let fail = |zh: String, en: String| as_check.failure(file, text, zh, en);
        let code = as_check.resolve_code(file, text)?;
        let field = schema.field_index(&self.field).ok_or_else(|| {
            let (near_zh, near_en) = super::field_hint(&self.field, schema, &[]);
            fail(
                format!(
                    "`{}` 不是表样 `{}` 的字段{near_zh}",
                    self.field, schema.name
                ),
                format!(
                    "`{}` is not a field of `{}`{near_en}",
                    self.field, schema.name
                ),
            )
        })?;
        let target = self.on.split_once('.').and_then(|(l, f)| {
            let s = all
                .iter()
                .find(|s| s.kind == FormKind::Ledger && s.name == l)?;
            Some((l.to_string(), s.field_index(f)?))
        });
        let Some((ledger, on)) = target else {
            bail!(fail(
                format!("on = \"{}\" 应写作 台账.字段，且二者都存在", self.on),
                format!(
                    "on = \"{}\" must be <ledger>.<field> of an existing ledger",
                    self.on
                ),
            ));
        };
        for t in [&self.message, &self.message_en] {
            for k in placeholders(t) {
                if schema.field(k).is_none() {
                    bail!(fail(
                        format!("消息中的 `{{{k}}}` 不是 `{}` 的字段", schema.name),
                        format!(
                            "the message shows `{{{k}}}`, which is not a field of `{}`",
                            schema.name
                        ),
                    ));
                }
            }
        }
        self.compiled = Some((code, field, ledger, on));
        Ok(())
    }
}
