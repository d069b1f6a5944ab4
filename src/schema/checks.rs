//! Checks a form declares over each of its rows (审核公式 within a row):
//! a condition in polars SQL that must hold, the cell to flag, the code
//! (built-in, or a county's own `local.…` with its severity) and a message
//! that can show the row's values. Compiled and checked when the schema set
//! loads; validate evaluates them over a sheet's rows at once.

use anyhow::{bail, Result};
use polars::prelude::Expr;
use serde::{Deserialize, Serialize};

use super::Schema;
use crate::diag::{Code, LocalCode, Severity, LOCAL_PREFIX};
use crate::lang::tr;
use crate::org::Level;

/// Names a condition may use besides the fields: the report period's first
/// and last day.
pub const PARAMETERS: &[&str] = &["period_start", "period_end"];

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
    #[serde(skip)]
    pub compiled: Option<Compiled>,
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
}

/// A SQL condition over a schema's fields, parsed by polars' SQL front end
/// and checked against the fields (and `params`). The error is (zh, en).
pub fn condition(sql: &str, schema: &Schema, params: &[&str]) -> Result<Expr, (String, String)> {
    let e = polars::sql::sql_expr(sql).map_err(|e| {
        (
            format!("条件 `{sql}` 不是有效的 SQL 表达式（{e}）"),
            format!("`{sql}` is not a valid SQL expression ({e})"),
        )
    })?;
    for n in e.clone().meta().root_names() {
        let n = n.as_str();
        if schema.field(n).is_none() && !params.contains(&n) {
            return Err((
                format!("条件 `{sql}` 引用的 `{n}` 不是 `{}` 的字段", schema.name),
                format!(
                    "`{sql}` names `{n}`, which is not a field of `{}`",
                    schema.name
                ),
            ));
        }
    }
    Ok(e)
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
    /// Compile the check of `schema`; an error names the file and line.
    pub fn prepare(&mut self, schema: &Schema, file: &str, text: &str) -> Result<()> {
        let needle = format!("\"{}\"", self.code);
        let fail = |zh: String, en: String| -> anyhow::Error {
            let at = text
                .lines()
                .position(|l| l.contains(&needle))
                .map(|i| i + 1);
            anyhow::anyhow!(tr(
                format!(
                    "表样文件 {file}{} 有误：审核 `{}`：{zh}",
                    at.map(|l| format!(" 第 {l} 行")).unwrap_or_default(),
                    self.code
                ),
                format!(
                    "invalid schema file {file}{}: check `{}`: {en}",
                    at.map(|l| format!(" (line {l})")).unwrap_or_default(),
                    self.code
                ),
            ))
        };
        let code = if let Some(own) = self.code.strip_prefix(LOCAL_PREFIX) {
            let ok = !own.is_empty()
                && own
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
            if !ok {
                bail!(fail(
                    "自定义代码在 local. 之后只能用小写字母、数字、下划线和点".into(),
                    "an own code takes lower-case letters, digits, underscores and dots after local.".into()
                ));
            }
            let Some(sev) = self.severity else {
                bail!(fail(
                    "自定义代码须写 severity（error、warning 或 note）".into(),
                    "an own code needs a severity (error, warning or note)".into()
                ));
            };
            LocalCode::declare(&self.code, sev, &self.message, &self.message_en)
        } else {
            let Some(c) = Code::parse(&self.code) else {
                bail!(fail(
                    "不是内置的诊断代码；自定义代码以 local. 开头".into(),
                    "not a built-in code; a county's own codes start with local.".into()
                ));
            };
            if self.severity.is_some_and(|s| s != c.severity()) {
                bail!(fail(
                    "内置代码的严重程度不能改；要另定严重程度请用 local. 代码".into(),
                    "a built-in code keeps its severity; use a local. code for another".into()
                ));
            }
            c
        };
        let index = |k: &str| -> Result<usize> {
            schema.field_index(k).ok_or_else(|| {
                fail(
                    format!("`{k}` 不是表样 `{}` 的字段", schema.name),
                    format!("`{k}` is not a field of `{}`", schema.name),
                )
            })
        };
        let field = index(&self.field)?;
        let sql = |s: &str| condition(s, schema, PARAMETERS).map_err(|(zh, en)| fail(zh, en));
        let assert = sql(&self.assert)?;
        let flags = match &self.when {
            Some(w) => sql(w)?.and(assert.not()),
            None => assert.not(),
        };
        let mut reads = vec![field];
        for n in flags.clone().meta().root_names() {
            if let Some(i) = schema.field_index(n.as_str()) {
                reads.push(i);
            }
        }
        for t in [&self.message, &self.message_en] {
            for k in placeholders(t) {
                reads.push(index(k)?);
            }
        }
        reads.sort_unstable();
        reads.dedup();
        self.compiled = Some(Compiled {
            code,
            flags,
            field,
            reads,
        });
        Ok(())
    }
}
