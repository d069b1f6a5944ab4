//! The forms' checks (schema/checks.rs) over many files' rows at once: per
//! form, the rows of every file in the batch go into one polars frame, and
//! every check of the form is one boolean column of one query over it.
//!
//! cmd::common::validate_all reads files in parallel batches and runs this
//! on its own thread between reading a batch and handing it on, so the
//! queries never run on a rayon worker: a worker waiting for polars' pool
//! keeps busy with other files meanwhile, nesting one file's validation
//! inside another's on its stack until it overflows (a thousand files did,
//! hardening::a_thousand_files_good_and_bad_mixed).

use polars::prelude::*;

use super::ledger::fmt_num;
use super::submission::Submission;
use super::{Ctx, Record, Value};
use crate::period::Period;
use crate::schema::{FieldType, Schema};

/// The columns `period_start` and `period_end` a condition may name: the
/// report period's first and last day on each of `n` rows (null without
/// a period).
pub fn period_columns(period: Option<Period>, n: usize) -> [Column; 2] {
    [
        Column::new("period_start".into(), vec![period.map(|p| p.start()); n]),
        Column::new("period_end".into(), vec![period.map(|p| p.end()); n]),
    ]
}

/// A field's value in a row as a message shows it (an ID number masked).
fn shown(schema: &Schema, rec: &Record, i: usize) -> Option<String> {
    let v = rec.values.get(i)?;
    Some(match v {
        Value::Text(t) if schema.fields[i].ty == FieldType::IdNumber => crate::diag::mask_id(t),
        Value::Text(t) => t.to_string(),
        Value::Int(_) | Value::Dec(_) => fmt_num(v.num()?),
        Value::Date(d) => d.to_string(),
        Value::Blank | Value::Invalid => return None,
    })
}

/// A check's message with `{key}` replaced by the row's values.
fn render(schema: &Schema, rec: &Record, template: &str, lang: crate::lang::Lang) -> String {
    let mut out = template.to_string();
    for k in crate::schema::checks::placeholders(template) {
        let Some(i) = schema.field_index(k) else {
            continue;
        };
        let v = shown(schema, rec, i).unwrap_or_else(|| lang.t("（空）", "(blank)").to_string());
        out = out.replace(&format!("{{{k}}}"), &v);
    }
    out
}

/// Every form's checks over the ledgers of `subs`; the diagnostics join
/// each submission's own.
pub fn run(ctx: &Ctx, subs: &mut [Submission]) {
    for schema in ctx.schemas.ledgers().filter(|s| !s.checks.is_empty()) {
        run_form(ctx, schema, subs);
    }
}

fn run_form(ctx: &Ctx, schema: &Schema, subs: &mut [Submission]) {
    // Every (submission, ledger) of this form, and where its rows start.
    let mut at: Vec<(usize, usize)> = Vec::new();
    for (si, s) in subs.iter().enumerate() {
        for (li, l) in s.ledgers.iter().enumerate() {
            if l.schema == schema.name && !l.records.is_empty() {
                at.push((si, li));
            }
        }
    }
    if at.is_empty() {
        return;
    }
    let checks: Vec<(usize, &crate::schema::checks::Compiled)> = schema
        .checks
        .iter()
        .enumerate()
        .filter_map(|(k, c)| Some((k, c.compiled.as_ref()?)))
        .collect();
    let mut reads: Vec<usize> = checks
        .iter()
        .flat_map(|(_, c)| c.reads.iter().copied())
        .collect();
    reads.sort_unstable();
    reads.dedup();
    let records = || {
        at.iter()
            .flat_map(|&(si, li)| subs[si].ledgers[li].records.iter())
    };
    let n = records().count();
    let mut cols: Vec<Column> = Vec::new();
    for &i in &reads {
        let f = &schema.fields[i];
        let name = PlSmallStr::from(f.key.as_str());
        let vals = records().map(|r| r.values.get(i).unwrap_or(&Value::Blank));
        cols.push(match f.ty {
            FieldType::Integer | FieldType::Decimal => {
                Column::new(name, vals.map(Value::num).collect::<Vec<_>>())
            }
            FieldType::Date => Column::new(name, vals.map(Value::date).collect::<Vec<_>>()),
            _ => Column::new(name, vals.map(Value::text).collect::<Vec<_>>()),
        });
    }
    // Each file is judged against the run's period, else its cover's.
    let period_of = |si: usize| ctx.period.or(subs[si].cover.period);
    if ctx.period.is_some() {
        cols.extend(period_columns(ctx.period, n));
    } else {
        let per_row = |f: fn(&Period) -> chrono::NaiveDate| -> Vec<Option<chrono::NaiveDate>> {
            at.iter()
                .flat_map(|&(si, li)| {
                    let p = period_of(si).map(|p| f(&p));
                    std::iter::repeat_n(p, subs[si].ledgers[li].records.len())
                })
                .collect()
        };
        cols.push(Column::new("period_start".into(), per_row(Period::start)));
        cols.push(Column::new("period_end".into(), per_row(Period::end)));
    }
    let flags: Vec<Expr> = checks
        .iter()
        .map(|(k, c)| {
            c.flags
                .clone()
                .fill_null(lit(false))
                .alias(format!("_c{k}"))
        })
        .collect();
    let out = DataFrame::new_infer_height(cols).and_then(|df| df.lazy().select(flags).collect());
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            // A condition that fits the data only by type (a text compared
            // with a number) is the schema's fault: said once per file.
            for &(si, li) in &at {
                let s = &mut subs[si];
                let l = &s.ledgers[li];
                s.context.on_sheet(&l.sheet, l.sheet_index);
                for (k, c) in &checks {
                    let m = ctx.lang.t(
                        format!("审核 `{}` 无法计算：{e}", schema.checks[*k].code),
                        format!(
                            "check `{}` cannot be evaluated: {e}",
                            schema.checks[*k].code
                        ),
                    );
                    let d = s.context.make(c.code, m);
                    s.context.push(d);
                }
            }
            flush(subs, &at);
            return;
        }
    };
    let columns: Vec<Option<BooleanChunked>> = checks
        .iter()
        .map(|(k, _)| out.column(&format!("_c{k}")).ok()?.bool().ok().cloned())
        .collect();
    let mut row = 0usize;
    for &(si, li) in &at {
        let s = &mut subs[si];
        let l = &s.ledgers[li];
        s.context.on_sheet(&l.sheet, l.sheet_index);
        let level = s.context.level;
        for (r, rec) in l.records.iter().enumerate() {
            for ((k, c), flagged) in checks.iter().zip(&columns) {
                if flagged.as_ref().and_then(|f| f.get(row + r)) != Some(true) {
                    continue;
                }
                let check = &schema.checks[*k];
                if !check.levels.is_empty() && !level.is_some_and(|lv| check.levels.contains(&lv)) {
                    continue;
                }
                let template = ctx
                    .lang
                    .t(check.message.as_str(), check.message_en.as_str());
                let m = render(schema, rec, &template, ctx.lang);
                let fi = c.field;
                let col = l.columns.get(fi).copied().flatten();
                let mut d = s
                    .context
                    .at(c.code, rec.row, col.unwrap_or(0), m)
                    .field(&schema.fields[fi].key);
                if col.is_none() {
                    d.cell = None;
                    d.column = None;
                }
                if let Some(v) = shown(schema, rec, fi) {
                    d = d.value(v);
                }
                s.context.push(d);
            }
        }
        row += l.records.len();
    }
    flush(subs, &at);
}

/// Move what the checks found into each submission's diagnostics.
fn flush(subs: &mut [Submission], at: &[(usize, usize)]) {
    let mut done: Vec<usize> = at.iter().map(|(si, _)| *si).collect();
    done.dedup();
    for si in done {
        let s = &mut subs[si];
        s.diagnostics.append(&mut s.context.diags);
    }
}
