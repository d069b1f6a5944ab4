//! The audits file (schemas/audits.toml, 表间与跨期审核): the rules that
//! look beyond one submission, declared like the forms' own checks.
//!
//! - `[[unique]]`: a key (an ID number) may stand on one organisation's
//!   ledger only, across every file of the run (表间: one member
//!   registered at two communities).
//! - `[[listed]]`: a key on a row of one ledger must stand on another
//!   ledger of the organisation the row names (表间: a unit's member must
//!   be on the roster of the community the unit says).
//! - `[[previous]]`: this period's counts of each organisation against
//!   `--previous` (跨期), a SQL condition over `now` and `before`.
//! - `[[target]]`: an organisation's own counts against a requirement of
//!   requirements.toml (考核, `target.*`): a figure and its minimum in SQL
//!   over the organisation's counts. measures.toml's `meets` names them.
//!
//! Each names its stable code (built-in, or a county's own `local.…` with
//! a severity), a message in Chinese and English, and is checked when the
//! schema set loads: a ledger, field, column or requirement it names that
//! does not exist stops the run (exit 2) with the file and line.

use anyhow::{bail, Result};
use polars::prelude::{Column, DataFrame, DataType, Expr, IntoLazy};
use serde::{Deserialize, Serialize};

use super::{FormKind, Requirements, Schema, TableSet};
use crate::diag::{Code, LocalCode, Severity, LOCAL_PREFIX};
use crate::org::Level;
use crate::period::Period;

/// One key on the ledgers of one organisation only.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Unique {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    pub ledger: String,
    pub key: String,
    /// The field naming the organisation a row stands at (default: the
    /// submitter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// `{others}`: the other organisations and files holding the key.
    pub message: String,
    pub message_en: String,
}

/// A key that must stand on another ledger of the organisation a row names.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Listed {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    pub ledger: String,
    pub key: String,
    /// The field naming the organisation whose ledger `on` must hold the key.
    pub at: String,
    /// That ledger (its rows stand at their submitter). Only an
    /// organisation that submitted it can lack a key.
    pub on: String,
    /// `{org}` and `{org_name}`: the organisation the row names.
    pub message: String,
    pub message_en: String,
}

/// Each organisation's counts against the earlier output (`--previous`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Previous {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Count columns of tables.toml, each compared on its own.
    pub counts: Vec<String>,
    /// SQL over `now` and `before` (and the requirements as `{name}`):
    /// the organisations and counts the rule applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// What must hold; where it is NULL (no earlier figure) nothing is said.
    pub assert: String,
    /// `{header}`, `{before}`, `{now}`, `{change}` (signed per cent),
    /// `{gone}` (how many keys of a `[[carried]]` ledger left the
    /// organisation's ledger since, or 未比对 when rosters were not compared),
    /// a requirement as `{name}` or, as a percentage, `{name%}`.
    pub message: String,
    pub message_en: String,
    /// The organisation levels it applies to (all without it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<Level>,
}

/// Keys an organisation's ledger held in `--previous` and no longer holds
/// (跨期: a member dropped from a cumulative roster). The output keeps the
/// keys only as keyed hashes (state/roster_ids.parquet, reports.md §5.3).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Carried {
    /// Said of a key gone from the organisation's ledger and from every
    /// other in the run.
    pub code: String,
    /// Said of a key now on another organisation's ledger in the run.
    pub moved: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    pub ledger: String,
    pub key: String,
    /// `{period}`, `{file}`, `{sheet}`, `{cell}`: where the key stood before.
    pub message: String,
    pub message_en: String,
    /// The same, and `{org}`, `{org_name}`: where it stands now.
    pub message_moved: String,
    pub message_moved_en: String,
}

/// An organisation's own counts against a requirement.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// What `meets = "<key>"` of measures.toml and `what` of summary.json's
    /// below-target list name.
    pub key: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// The level of the organisations judged.
    pub level: Level,
    /// SQL over the organisation's counts (measure keys) and requirements
    /// (`{name}`): which organisations are judged (all of the level without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// The figure judged and the least it may be (SQL likewise); below it,
    /// the organisation falls short.
    pub figure: String,
    #[serde(deserialize_with = "text_or_number")]
    pub minimum: String,
    /// The ledger whose sheet the warning stands on.
    pub sheet: String,
    /// The warning: `{name}`, `{code}`, `{figure}`, `{minimum}` and
    /// requirements.
    pub message: String,
    pub message_en: String,
    /// The line in `report`'s below-target list, likewise.
    pub listed: String,
    pub listed_en: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSet {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique: Vec<Unique>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listed: Vec<Listed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous: Vec<Previous>,
    #[serde(default, rename = "target", skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carried: Vec<Carried>,
    /// What the rules need, built at load.
    #[serde(skip)]
    pub compiled: Compiled,
}

/// The keys of one ledger field that extraction keeps for the audits,
/// standing at the submitter or at the organisation `at` names.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyList {
    pub ledger: String,
    pub key: String,
    pub at: Option<String>,
    /// Whether the key is an ID number (shown masked, kept packed).
    pub id: bool,
    /// A key repeated within one organisation and file is kept once (the
    /// sheet's own uniqueness check speaks of it); a `[[listed]]` row's
    /// keys are all kept, each row judged.
    pub once: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Compiled {
    /// The key lists, in the order extraction keeps them.
    pub lists: Vec<KeyList>,
    /// Per `[[unique]]`: its code and key list.
    pub unique: Vec<(Code, usize)>,
    /// Per `[[listed]]`: its code, the rows' list and the ledger's list.
    pub listed: Vec<(Code, usize, usize)>,
    /// Per `[[previous]]`: its code.
    pub previous: Vec<Code>,
    /// Per `[[target]]`: its code.
    pub targets: Vec<Code>,
    /// Per `[[carried]]`: its codes (dropped, moved) and key list.
    pub carried: Vec<(Code, Code, usize)>,
}

/// Requirements a rule names as `{name}` (or `{name%}` in a message).
fn params_of(text: &str) -> Vec<&str> {
    super::checks::placeholders(text)
        .into_iter()
        .map(|p| p.trim_end_matches('%'))
        .collect()
}

/// `text` with each `{name}` of a requirement replaced by its value for
/// `period` (SQL), the placeholders the caller fills left alone.
pub fn with_requirements(text: &str, reqs: &Requirements, period: &Period) -> String {
    let mut out = text.to_string();
    for p in params_of(text) {
        if let Some(v) = reqs.param(p, period) {
            out = out.replace(&format!("{{{p}}}"), &crate::text::number_text(v));
            out = out.replace(&format!("{{{p}%}}"), &format!("{:.0}%", v * 100.0));
        }
    }
    out
}

/// A `[[previous]]` rule's condition for `period`: rows it flags.
pub fn previous_flags(p: &Previous, reqs: &Requirements, period: &Period) -> Result<Expr> {
    let sql = |s: &str| {
        polars::sql::sql_expr(with_requirements(s, reqs, period)).map_err(anyhow::Error::from)
    };
    let assert = sql(&p.assert)?;
    Ok(match &p.when {
        Some(w) => sql(w)?.and(assert.not()),
        None => assert.not(),
    })
}

/// The names a `[[previous]]` message may show besides requirements.
const PREVIOUS_SHOWN: &[&str] = &["header", "before", "now", "change", "gone"];

/// The names a `[[target]]` message may show besides requirements.
pub const TARGET_SHOWN: &[&str] = &["name", "code", "figure", "minimum"];

/// The placeholders of a target's message that are SQL over the
/// organisation's counts (not a requirement, `values:…` or a fixed name).
pub fn target_shown_exprs<'a>(t: &'a Target, reqs: &Requirements, period: &Period) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for x in [&t.message, &t.message_en] {
        for n in super::checks::placeholders(x) {
            let plain = n.trim_end_matches('%');
            if TARGET_SHOWN.contains(&plain)
                || reqs.param(plain, period).is_some()
                || n.starts_with("values:")
                || out.contains(&n)
            {
                continue;
            }
            out.push(n);
        }
    }
    out
}

/// A `[[target]]`'s three expressions for `period`: which organisations it
/// judges, the figure and the minimum.
pub fn target_exprs(t: &Target, reqs: &Requirements, period: &Period) -> Result<[Expr; 3]> {
    let sql = |s: &str| {
        polars::sql::sql_expr(with_requirements(s, reqs, period)).map_err(anyhow::Error::from)
    };
    let when = match &t.when {
        Some(w) => sql(w)?,
        None => polars::prelude::lit(true),
    };
    Ok([when, sql(&t.figure)?, sql(&t.minimum)?])
}

/// The frame the targets are judged on: a Float64 column per measure key
/// (base counts and the targets' own), one row per organisation; `columns`
/// in the keys' order, each moved into the frame, not copied.
pub fn target_frame(
    keys: &[&str],
    columns: Vec<Vec<f64>>,
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let n = columns.first().map_or(0, Vec::len);
    let cols: Vec<Column> = keys
        .iter()
        .zip(columns)
        .map(|(k, v)| Column::new((*k).into(), v))
        .collect();
    DataFrame::new(n, cols)
}

impl AuditSet {
    pub fn prepare(
        &mut self,
        schemas: &[Schema],
        (measures, m_file, m_text): (&super::MeasureSet, &str, &str),
        tables: &TableSet,
        reqs: &Requirements,
        file: &str,
        text: &str,
    ) -> Result<()> {
        let fail = |code: &str, zh: String, en: String| -> anyhow::Error {
            let at = text
                .lines()
                .position(|l| l.contains(&format!("\"{code}\"")))
                .map(|i| i + 1);
            super::file_error(
                super::AUDITS_FILE,
                file,
                at,
                format!("`{code}`：{zh}"),
                format!("`{code}`: {en}"),
            )
        };
        let code_of = |code: &str, sev: Option<Severity>, zh: &str, en: &str| -> Result<Code> {
            if let Some(own) = code.strip_prefix(LOCAL_PREFIX) {
                if own.is_empty() {
                    bail!(fail(
                        code,
                        "自定义代码不完整".into(),
                        "an incomplete own code".into()
                    ));
                }
                let Some(sev) = sev else {
                    bail!(fail(
                        code,
                        "自定义代码须写 severity（error、warning 或 note）".into(),
                        "an own code needs a severity (error, warning or note)".into()
                    ));
                };
                return Ok(LocalCode::declare(code, sev, zh, en));
            }
            let Some(c) = Code::parse(code) else {
                let (zh, en) = super::not_a_code(code);
                bail!(fail(code, zh, en));
            };
            if sev.is_some_and(|s| s != c.severity()) {
                bail!(fail(
                    code,
                    "内置代码的严重程度不能改；要另定严重程度请用 local. 代码".into(),
                    "a built-in code keeps its severity; use a local. code for another".into()
                ));
            }
            Ok(c)
        };
        let ledger = |code: &str, name: &str| -> Result<&Schema> {
            schemas
                .iter()
                .find(|s| s.kind == FormKind::Ledger && s.name == name)
                .ok_or_else(|| {
                    let (near_zh, near_en) = super::did_you_mean(
                        name,
                        schemas
                            .iter()
                            .filter(|s| s.kind == FormKind::Ledger)
                            .map(|s| s.name.as_str()),
                    );
                    fail(
                        code,
                        format!("`{name}` 不是台账{near_zh}"),
                        format!("`{name}` is not a ledger{near_en}"),
                    )
                })
        };
        let field = |code: &str, s: &Schema, key: &str| -> Result<bool> {
            match s.field(key) {
                Some(f) => Ok(f.ty == super::FieldType::IdNumber),
                None => {
                    let (near_zh, near_en) = super::field_hint(key, s, &[]);
                    Err(fail(
                        code,
                        format!("`{key}` 不是台账 `{}` 的字段{near_zh}", s.name),
                        format!("`{key}` is not a field of `{}`{near_en}", s.name),
                    ))
                }
            }
        };
        let only = |code: &str, template: &str, allowed: &[&str]| -> Result<()> {
            for p in super::checks::placeholders(template) {
                if !allowed.contains(&p) {
                    let (near_zh, near_en) = super::did_you_mean(p, allowed.iter().copied());
                    bail!(fail(
                        code,
                        format!(
                            "消息中的 `{{{p}}}` 无法显示（可用：{}）{near_zh}",
                            allowed.join("、")
                        ),
                        format!(
                            "the message cannot show `{{{p}}}` (it may show: {}){near_en}",
                            allowed.join(", ")
                        ),
                    ));
                }
            }
            Ok(())
        };
        let mut c = Compiled::default();
        let mut list = |l: KeyList| -> usize {
            if let Some(i) = c
                .lists
                .iter()
                .position(|x| x.ledger == l.ledger && x.key == l.key && x.at == l.at)
            {
                c.lists[i].once &= l.once;
                return i;
            }
            c.lists.push(l);
            c.lists.len() - 1
        };
        let mut unique = Vec::new();
        for u in &self.unique {
            let s = ledger(&u.code, &u.ledger)?;
            let id = field(&u.code, s, &u.key)?;
            if let Some(a) = &u.at {
                field(&u.code, s, a)?;
            }
            for t in [&u.message, &u.message_en] {
                only(&u.code, t, &["others"])?;
            }
            let code = code_of(&u.code, u.severity, &u.message, &u.message_en)?;
            let i = list(KeyList {
                ledger: u.ledger.clone(),
                key: u.key.clone(),
                at: u.at.clone(),
                id,
                once: true,
            });
            unique.push((code, i));
        }
        let mut listed = Vec::new();
        for l in &self.listed {
            let s = ledger(&l.code, &l.ledger)?;
            let id = field(&l.code, s, &l.key)?;
            field(&l.code, s, &l.at)?;
            let on = ledger(&l.code, &l.on)?;
            field(&l.code, on, &l.key)?;
            for t in [&l.message, &l.message_en] {
                only(&l.code, t, &["org", "org_name"])?;
            }
            let code = code_of(&l.code, l.severity, &l.message, &l.message_en)?;
            let rows = list(KeyList {
                ledger: l.ledger.clone(),
                key: l.key.clone(),
                at: Some(l.at.clone()),
                id,
                once: false,
            });
            let target = list(KeyList {
                ledger: l.on.clone(),
                key: l.key.clone(),
                at: None,
                id,
                once: true,
            });
            listed.push((code, rows, target));
        }
        let mut carried = Vec::new();
        for k in &self.carried {
            let s = ledger(&k.code, &k.ledger)?;
            let id = field(&k.code, s, &k.key)?;
            for t in [&k.message, &k.message_en] {
                only(&k.code, t, &["period", "file", "sheet", "cell"])?;
            }
            for t in [&k.message_moved, &k.message_moved_en] {
                only(
                    &k.code,
                    t,
                    &["period", "file", "sheet", "cell", "org", "org_name"],
                )?;
            }
            let code = code_of(&k.code, k.severity, &k.message, &k.message_en)?;
            let moved = code_of(&k.moved, None, &k.message_moved, &k.message_moved_en)?;
            let i = list(KeyList {
                ledger: k.ledger.clone(),
                key: k.key.clone(),
                at: None,
                id,
                once: true,
            });
            carried.push((code, moved, i));
        }
        let mut previous = Vec::new();
        // Any period will do to try the conditions: a requirement's value
        // only changes numbers.
        let trial = Period::parse("2026").expect("a year");
        for p in &self.previous {
            for k in &p.counts {
                if tables.count_column(k).is_none() {
                    let (near_zh, near_en) = super::did_you_mean(
                        k,
                        tables
                            .columns()
                            .filter(|(t, c)| {
                                t.by.is_none()
                                    && matches!(
                                        c.kind,
                                        super::tables::Kind::Count | super::tables::Kind::Hours
                                    )
                            })
                            .map(|(_, c)| c.key.as_str()),
                    );
                    bail!(fail(
                        &p.code,
                        format!("`{k}` 不是报表中的计数列{near_zh}"),
                        format!("`{k}` is not a count column of the tables{near_en}"),
                    ));
                }
            }
            for t in [
                &p.when.clone().unwrap_or_default(),
                &p.assert,
                &p.message,
                &p.message_en,
            ] {
                for n in params_of(t) {
                    if !PREVIOUS_SHOWN.contains(&n) && reqs.param(n, &trial).is_none() {
                        let (near_zh, near_en) = super::did_you_mean(
                            n,
                            PREVIOUS_SHOWN.iter().copied().chain(reqs.param_names()),
                        );
                        bail!(fail(
                            &p.code,
                            format!(
                                "`{{{n}}}` 不是考核要求（requirements.toml）中的数值，也不是 {}{near_zh}",
                                PREVIOUS_SHOWN.join("、")
                            ),
                            format!(
                                "`{{{n}}}` is neither a number of the requirements file nor {}{near_en}",
                                PREVIOUS_SHOWN.join(", ")
                            ),
                        ));
                    }
                }
            }
            // A slip in either, said where it is (schema::checks::read_sql).
            for x in p.when.iter().chain([&p.assert]) {
                super::checks::read_sql(&with_requirements(x, reqs, &trial))
                    .map(drop)
                    .map_err(|(zh, en)| fail(&p.code, zh, en))?;
            }
            let flags = previous_flags(p, reqs, &trial).map_err(|e| {
                fail(
                    &p.code,
                    format!("条件不是有效的 SQL 表达式（{e}）"),
                    format!("a condition is not a valid SQL expression ({e})"),
                )
            })?;
            for n in flags.clone().meta().root_names() {
                if !["now", "before"].contains(&n.as_str()) {
                    bail!(fail(
                        &p.code,
                        format!("条件只能用 now 和 before，不能用 `{n}`"),
                        format!("a condition may name now and before only, not `{n}`"),
                    ));
                }
            }
            // Tried over no rows of the two counts (numbers), so that a
            // text compared with them stops the load, not a run with
            // `--previous`.
            let tried = DataFrame::new(
                0,
                ["now", "before"]
                    .map(|n| Column::new_empty(n.into(), &DataType::Float64))
                    .to_vec(),
            )
            .and_then(|df| super::checks::runs_on(df, [flags.clone()]));
            if let Err(e) = tried {
                let e = super::checks::reason(&e);
                bail!(fail(
                    &p.code,
                    format!("条件与计数的类型不合（{e}）"),
                    format!("a condition does not fit the counts' types ({e})"),
                ));
            }
            previous.push(code_of(&p.code, p.severity, &p.message, &p.message_en)?);
        }
        let keys: Vec<&str> = measures
            .measures
            .iter()
            .filter(|m| m.of.is_none())
            .map(|m| m.key.as_str())
            .collect();
        let empty = target_frame(&keys, vec![Vec::new(); keys.len()])?;
        // A name of an expression over the counts that is none of them
        // (`registered_member`): said plainly, not in polars' words with
        // every count listed.
        let unknown_count = |sql: &str, shown: &[&str]| -> Option<(String, String)> {
            let e = polars::sql::sql_expr(with_requirements(sql, reqs, &trial)).ok()?;
            let names = e.meta().root_names();
            let n = names.iter().find(|n| !keys.contains(&n.as_str()))?;
            let (near_zh, near_en) = super::did_you_mean(n, keys.iter().chain(shown).copied());
            let (also_zh, also_en) = if shown.is_empty() {
                (String::new(), String::new())
            } else {
                (
                    format!("，也不是 {}", shown.join("、")),
                    format!(", nor {}", shown.join(", ")),
                )
            };
            Some((
                format!("`{n}` 不是 measures.toml 中按台账计数的 key{also_zh}{near_zh}"),
                format!(
                    "`{n}` is no key of measures.toml that counts ledger rows{also_en}{near_en}"
                ),
            ))
        };
        let mut targets = Vec::new();
        for t in &self.targets {
            if self.targets.iter().filter(|o| o.key == t.key).count() > 1 {
                bail!(fail(
                    &t.code,
                    format!("考核项 `{}` 声明了两次", t.key),
                    format!("the target `{}` is declared twice", t.key)
                ));
            }
            ledger(&t.code, &t.sheet)?;
            let param_ok = |n: &str| TARGET_SHOWN.contains(&n) || reqs.param(n, &trial).is_some();
            for x in [
                &t.when.clone().unwrap_or_default(),
                &t.figure,
                &t.minimum,
                &t.listed,
                &t.listed_en,
            ] {
                for n in params_of(x) {
                    if !param_ok(n) {
                        let (near_zh, near_en) = super::did_you_mean(
                            n,
                            TARGET_SHOWN.iter().copied().chain(reqs.param_names()),
                        );
                        bail!(fail(
                            &t.code,
                            format!("`{{{n}}}` 不是考核要求（requirements.toml）中的数值，也不是 name、code、figure、minimum{near_zh}"),
                            format!("`{{{n}}}` is neither a number of the requirements file nor name, code, figure or minimum{near_en}"),
                        ));
                    }
                }
            }
            // A message may also show `{values:<distinct measure>}` and any
            // SQL over the organisation's counts.
            for x in [&t.message, &t.message_en] {
                for n in super::checks::placeholders(x) {
                    if param_ok(n.trim_end_matches('%')) {
                        continue;
                    }
                    if let Some(k) = n.strip_prefix("values:") {
                        if measures.measure(k).is_none_or(|m| m.distinct.is_none()) {
                            bail!(fail(
                                &t.code,
                                format!("`{{{n}}}`：`{k}` 不是取数公式中的 distinct 计数"),
                                format!("`{{{n}}}`: `{k}` is no distinct measure"),
                            ));
                        }
                        continue;
                    }
                    if let Some((zh, en)) = unknown_count(n, TARGET_SHOWN) {
                        bail!(fail(
                            &t.code,
                            format!("消息中的 `{{{n}}}`：{zh}"),
                            format!("the message's `{{{n}}}`: {en}"),
                        ));
                    }
                    let tried = polars::sql::sql_expr(with_requirements(n, reqs, &trial))
                        .and_then(|e| empty.clone().lazy().select([e]).collect());
                    if let Err(e) = tried {
                        let e = super::checks::reason(&e);
                        bail!(fail(
                            &t.code,
                            format!("消息中的 `{{{n}}}` 无法按各单位的计数计算（{e}）"),
                            format!("the message's `{{{n}}}` cannot be evaluated over an organisation's counts ({e})"),
                        ));
                    }
                }
            }
            for x in t.when.iter().chain([&t.figure, &t.minimum]) {
                super::checks::read_sql(&with_requirements(x, reqs, &trial))
                    .map(drop)
                    .map_err(|(zh, en)| fail(&t.code, zh, en))?;
                if let Some((zh, en)) = unknown_count(x, &[]) {
                    bail!(fail(&t.code, zh, en));
                }
            }
            let tried = target_exprs(t, reqs, &trial).and_then(|[w, f, m]| {
                Ok(empty
                    .clone()
                    .lazy()
                    .select([w.alias("w"), f.alias("f"), m.alias("m")])
                    .collect()?)
            });
            if let Err(e) = tried {
                let e = e
                    .downcast_ref::<polars::prelude::PolarsError>()
                    .map_or_else(|| e.to_string(), super::checks::reason);
                bail!(fail(
                    &t.code,
                    format!("无法按各单位的计数计算（{e}）；可用的是 measures.toml 中按台账计数的 key"),
                    format!("cannot be evaluated over an organisation's counts ({e}); the keys of measures.toml that count ledger rows may be used"),
                ));
            }
            targets.push(code_of(&t.code, t.severity, &t.message, &t.message_en)?);
        }
        for m in &measures.measures {
            if let Some(k) = &m.meets {
                if !self
                    .targets
                    .iter()
                    .any(|t| &t.key == k && Some(t.level) == m.level)
                {
                    // Said in measures.toml, where the name stands.
                    let at = super::line_after(m_text, &format!("key = \"{}\"\nmeets", m.key));
                    let (near_zh, near_en) = super::did_you_mean(
                        k,
                        self.targets
                            .iter()
                            .filter(|t| Some(t.level) == m.level)
                            .map(|t| t.key.as_str()),
                    );
                    bail!(super::file_error(
                        super::MEASURES_FILE,
                        m_file,
                        at,
                        format!("取数公式 `{}` 的 meets = \"{k}\" 不是 audits.toml 中该级别的考核项（[[target]] 的 key）{near_zh}", m.key),
                        format!("measure `{}`: meets = \"{k}\" is no [[target]] of its level in audits.toml{near_en}", m.key),
                    ));
                }
            }
        }
        c.unique = unique;
        c.listed = listed;
        c.previous = previous;
        c.targets = targets;
        c.carried = carried;
        self.compiled = c;
        Ok(())
    }
}

/// A number written bare where SQL is read (`minimum = 3`, as a
/// statistician writes it): the same as `minimum = "3"`.
fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a text or a number")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(V)
}
