//! The forms' checks (schema/checks.rs) over many files' rows at once: per
//! form, the rows of every file in the batch go into one polars frame, and
//! every check of the form is one boolean column of one query over it. A
//! cover's checks run likewise over one row per submission of the batch.
//!
//! cmd::common::validate_all reads files in parallel batches and runs this
//! over a batch on a rayon worker, beside the reading of the next batch.
//! Never from inside one file's validation: a worker waiting for polars'
//! pool keeps busy with other files meanwhile, and with a query per file
//! each of those waited in turn, nesting one file's validation inside
//! another's on the stack until it overflowed (a thousand files did,
//! hardening::a_thousand_files_good_and_bad_mixed). Reading and keeping a
//! file never wait for polars, so a batch's wait nests one file at most.

use polars::prelude::*;

use super::ledger::fmt_num;
use super::submission::Submission;
use super::submission::SubmissionKind;
use super::{Ctx, Record, Value};
use crate::org::Level;
use crate::period::Period;
use crate::schema::checks::{period_columns, summed, CoverRow, Scalar, REGISTRY_FIELDS};
use crate::schema::{FieldType, FormKind, Schema};

/// A field's value in a row as a message shows it (an ID number masked).
fn shown(schema: &Schema, rec: &Record, i: usize) -> Option<String> {
    let v = rec.values.get(i)?;
    Some(match v {
        Value::Text(t) if schema.fields[i].ty == FieldType::IdNumber => crate::diag::mask_id(t),
        Value::Text(t) => t.to_string(),
        Value::Int(_) | Value::Dec(_) => fmt_num(v.num()?),
        Value::Date(d) => d.to_string(),
        Value::Time(c) => c.shown(),
        Value::Blank | Value::Invalid => return None,
    })
}

/// A check's message with `{key}` replaced by the row's values, and an
/// expression's `{…}` by its value in the row (`exprs`).
fn render(
    schema: &Schema,
    rec: &Record,
    template: &str,
    exprs: &[(String, Option<String>)],
    lang: crate::lang::Lang,
) -> String {
    let blank = || lang.t("（空）", "(blank)");
    let mut out = template.to_string();
    for k in crate::schema::checks::placeholders(template) {
        let v = match schema.field_index(k) {
            Some(i) => shown(schema, rec, i).unwrap_or_else(blank),
            None => match exprs.iter().find(|(e, _)| e == k) {
                Some((_, v)) => v.clone().unwrap_or_else(blank),
                None => continue,
            },
        };
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
    for schema in ctx.schemas.covers().filter(|s| !s.checks.is_empty()) {
        run_cover(ctx, schema, subs);
    }
    for schema in ctx.schemas.ledgers().filter(|s| !s.listed.is_empty()) {
        for sub in subs.iter_mut() {
            run_listed(ctx, schema, sub);
        }
    }
}

/// A key as the `[[listed]]` of a form compares it.
fn key_text(v: &Value) -> Option<String> {
    let t = match v {
        Value::Text(t) => t.to_string(),
        Value::Int(_) | Value::Dec(_) => fmt_num(v.num()?),
        _ => return None,
    };
    Some(crate::read::cell::normalize_text(&t).into_owned())
}

/// A form's `[[listed]]` within one submission: a row's key must stand on
/// the named ledger of the same submission, when it carries that ledger.
fn run_listed(ctx: &Ctx, schema: &Schema, sub: &mut Submission) {
    for l in &schema.listed {
        let Some((code, field, target, on)) = &l.compiled else {
            continue;
        };
        let keys: std::collections::HashSet<String> = sub
            .ledgers
            .iter()
            .filter(|x| &x.schema == target)
            .flat_map(|x| x.records.iter())
            .filter_map(|r| r.values.get(*on).and_then(key_text))
            .collect();
        if keys.is_empty() {
            continue;
        }
        let template = ctx.lang.t(l.message.as_str(), l.message_en.as_str());
        for led in sub.ledgers.iter().filter(|x| x.schema == schema.name) {
            sub.context.on_sheet(&led.sheet, led.sheet_index);
            for rec in &led.records {
                let Some(k) = rec.values.get(*field).and_then(key_text) else {
                    continue;
                };
                if keys.contains(&k) {
                    continue;
                }
                let m = render(schema, rec, &template, &[], ctx.lang);
                let col = led.columns.get(*field).copied().flatten();
                let mut d = sub
                    .context
                    .at(*code, rec.row, col.unwrap_or(0), m)
                    .field(&schema.fields[*field].key);
                if col.is_none() {
                    d.cell = None;
                    d.column = None;
                }
                if let Some(v) = shown(schema, rec, *field) {
                    d = d.value(v);
                }
                sub.context.push(d);
            }
        }
    }
    sub.diagnostics.append(&mut sub.context.diags);
}

/// Whether the schema set declares any check (else validation needs no batches).
pub fn any(ctx: &Ctx) -> bool {
    ctx.schemas.schemas.iter().any(|s| {
        matches!(s.kind, FormKind::Ledger | FormKind::Cover)
            && (!s.checks.is_empty() || !s.listed.is_empty())
    })
}

fn scalar(v: &Value) -> Option<Scalar> {
    match v {
        Value::Text(t) => Some(Scalar::Text(t.to_string())),
        Value::Int(_) | Value::Dec(_) => v.num().map(Scalar::Num),
        Value::Date(d) => Some(Scalar::Date(*d)),
        Value::Time(c) => Some(Scalar::Text(c.shown())),
        Value::Blank | Value::Invalid => None,
    }
}

/// A value of the checks' frame as a message shows it.
fn any_text(v: AnyValue) -> Option<String> {
    Some(match v {
        AnyValue::Null => return None,
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Boolean(b) => b.to_string(),
        AnyValue::Date(_) => v.to_string().trim_matches('"').to_string(),
        v => match v.extract::<f64>() {
            Some(x) => fmt_num(x),
            None => v.to_string(),
        },
    })
}

/// Every check of `cover` over the batch's submissions that carry that
/// cover: one row each (schema/checks.rs says what a row holds).
fn run_cover(ctx: &Ctx, cover: &Schema, subs: &mut [Submission]) {
    let frame = &cover.cover_frame;
    let ledgers: Vec<&Schema> = frame.ledgers.iter().map(|n| ctx.schemas.get(n)).collect();
    let at: Vec<usize> = (0..subs.len())
        .filter(|&i| {
            let s = &subs[i];
            s.kind == SubmissionKind::Workbook
                && s.cover.sheet.is_some()
                && ctx
                    .schemas
                    .cover_for(s.level.unwrap_or(Level::Community))
                    .name
                    == cover.name
        })
        .collect();
    if at.is_empty() {
        return;
    }
    let rows: Vec<CoverRow> = at
        .iter()
        .map(|&i| {
            let s = &subs[i];
            let fields = cover
                .fields
                .iter()
                .map(|f| s.cover.values.get(&f.key).and_then(scalar))
                .collect();
            let ledgers = ledgers
                .iter()
                .map(|l| {
                    let keys: Vec<usize> =
                        summed(l).filter_map(|f| l.field_index(&f.key)).collect();
                    let mut n = 0.0;
                    let mut sums = vec![0.0; keys.len()];
                    for led in s.ledgers.iter().filter(|x| x.schema == l.name) {
                        n += led.records.len() as f64;
                        for r in &led.records {
                            for (sum, &k) in sums.iter_mut().zip(&keys) {
                                *sum += r.values.get(k).and_then(Value::num).unwrap_or(0.0);
                            }
                        }
                    }
                    (n, sums)
                })
                .collect();
            let registry = match (ctx.registry, s.cover.org_code.as_deref()) {
                (Some(reg), Some(org)) if frame.registry && reg.get(org).is_some() => Some(
                    REGISTRY_FIELDS
                        .iter()
                        .map(|(_, level)| {
                            reg.children(org).filter(|c| c.level == *level).count() as f64
                        })
                        .collect(),
                ),
                _ => None,
            };
            CoverRow {
                fields,
                ledgers,
                registry,
                period: ctx.period.or(s.cover.period),
            }
        })
        .collect();
    let checks: Vec<(usize, &crate::schema::checks::Compiled)> = cover
        .checks
        .iter()
        .enumerate()
        .filter_map(|(k, c)| Some((k, c.compiled.as_ref()?)))
        .collect();
    let mut exprs: Vec<Expr> = Vec::new();
    for (k, c) in &checks {
        exprs.push(
            c.flags
                .clone()
                .fill_null(lit(false))
                .alias(format!("_c{k}")),
        );
        for (j, (_, e)) in c.shown.iter().enumerate() {
            exprs.push(e.clone().alias(format!("_c{k}_{j}")));
        }
    }
    let out = frame
        .build(cover, &ledgers, &rows)
        .and_then(|df| df.lazy().select(exprs).collect());
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            // Tried on an empty frame at load; a failure here is the data's
            // shape meeting the schema's in a way the trial could not see.
            for &i in &at {
                let s = &mut subs[i];
                for (k, c) in &checks {
                    let m = ctx.lang.t(
                        format!("审核 `{}` 无法计算：{e}", cover.checks[*k].code),
                        format!("check `{}` cannot be evaluated: {e}", cover.checks[*k].code),
                    );
                    let d = s.context.make(c.code, m);
                    s.context.push(d);
                }
                s.diagnostics.append(&mut s.context.diags);
            }
            return;
        }
    };
    let get = |name: &str, r: usize| -> Option<AnyValue<'static>> {
        out.column(name).ok()?.get(r).ok().map(|v| v.into_static())
    };
    for (r, &i) in at.iter().enumerate() {
        let s = &mut subs[i];
        let level = s.level;
        for (k, c) in &checks {
            if get(&format!("_c{k}"), r) != Some(AnyValue::Boolean(true)) {
                continue;
            }
            let check = &cover.checks[*k];
            if !check.levels.is_empty() && !level.is_some_and(|lv| check.levels.contains(&lv)) {
                continue;
            }
            let mut m = ctx
                .lang
                .t(check.message.as_str(), check.message_en.as_str())
                .to_string();
            for (j, (p, _)) in c.shown.iter().enumerate() {
                let v = get(&format!("_c{k}_{j}"), r)
                    .and_then(any_text)
                    .unwrap_or_else(|| ctx.lang.t("（空）", "(blank)").to_string());
                m = m.replace(&format!("{{{p}}}"), &v);
            }
            if let Some(ledger) = &c.on_ledger {
                let mut d = crate::diag::Diagnostic::new(c.code, &s.file, m).field(ledger);
                if let Some(l) = s.ledgers.iter().find(|l| &l.schema == ledger) {
                    d = d.sheet(&l.sheet, l.sheet_index);
                } else if let Some((sheet, idx)) = &s.cover.sheet {
                    d = d.sheet(sheet, *idx);
                }
                s.context.push(d);
                continue;
            }
            let key = &cover.fields[c.field].key;
            let mut d = crate::diag::Diagnostic::new(c.code, &s.file, m).field(key);
            match (s.cover.at.get(key), &s.cover.sheet) {
                (Some((sheet, idx, row, col)), _) => d = d.sheet(sheet, *idx).at(*row, *col),
                (None, Some((sheet, idx))) => d = d.sheet(sheet, *idx),
                (None, None) => {}
            }
            if let Some(v) = s.cover.values.get(key).and_then(scalar) {
                d = d.value(match v {
                    Scalar::Num(x) => fmt_num(x),
                    Scalar::Date(x) => x.to_string(),
                    Scalar::Text(t) => t,
                });
            }
            s.context.push(d);
        }
        s.diagnostics.append(&mut s.context.diags);
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
        .filter(|(_, c)| ctx.audits || !c.audit)
        .filter_map(|(k, c)| Some((k, c.compiled.as_ref()?)))
        .collect();
    if checks.is_empty() {
        return;
    }
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
            FieldType::Integer | FieldType::Decimal | FieldType::Time => {
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
    let mut flags: Vec<Expr> = checks
        .iter()
        .map(|(k, c)| {
            c.flags
                .clone()
                .fill_null(lit(false))
                .alias(format!("_c{k}"))
        })
        .collect();
    for (k, c) in &checks {
        for (j, (_, e)) in c.shown.iter().enumerate() {
            flags.push(e.clone().alias(format!("_c{k}_{j}")));
        }
    }
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
                let exprs: Vec<(String, Option<String>)> = c
                    .shown
                    .iter()
                    .enumerate()
                    .map(|(j, (p, _))| {
                        let v = out
                            .column(&format!("_c{k}_{j}"))
                            .ok()
                            .and_then(|col| col.get(row + r).ok())
                            .and_then(|v| any_text(v.into_static()));
                        (p.clone(), v)
                    })
                    .collect();
                let m = render(schema, rec, &template, &exprs, ctx.lang);
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
