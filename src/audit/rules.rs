//! The per-rule summary (审核汇总): for every check a ledger's schema
//! declares — each field's required, type, enum, range and uniqueness
//! checks and each row rule — every cover check between sheets (a cover is
//! one row) and every audit across submissions that flags a ledger's rows
//! (`[[unique]]`, `[[listed]]`), the rows it checked, passed and failed, by
//! the submitting organisation's level, most-failed first. A row fails a
//! rule when a diagnostic of the rule's code stands at the rule's field in
//! that row.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Code;
use crate::facts::Extract;
use crate::org::Level;
use crate::schema::{FieldType, FormKind, SchemaSet};
use crate::summary::RuleCount;

/// A declared check: (ledger, field, code).
fn declared(schemas: &SchemaSet) -> Vec<(String, String, String)> {
    let mut v = Vec::new();
    for s in schemas
        .schemas
        .iter()
        .filter(|s| s.kind == FormKind::Ledger)
    {
        for f in &s.fields {
            let mut add = |c: &str| v.push((s.name.clone(), f.key.clone(), c.to_string()));
            if f.required {
                add(Code::CellRequired.as_str());
            }
            if matches!(
                f.ty,
                FieldType::Integer | FieldType::Decimal | FieldType::Date
            ) {
                add(Code::CellType.as_str());
            }
            if f.ty == FieldType::Enum {
                add(Code::CellEnum.as_str());
            }
            if f.min.is_some() || f.max.is_some() {
                add(Code::CellRange.as_str());
            }
            if f.unique {
                add(f
                    .unique_code
                    .as_deref()
                    .unwrap_or(Code::RowDuplicateKey.as_str()));
            }
        }
        let rules = s.rules.iter().map(|r| (r.fields()[0], r.code()));
        let checks = s.checks.iter().map(|c| (c.field.as_str(), c.code.as_str()));
        for (field, code) in rules.chain(checks) {
            let c = (s.name.clone(), field.to_string(), code.to_string());
            if !v.contains(&c) {
                v.push(c);
            }
        }
    }
    // The audits across submissions that judge a ledger's rows (a key on
    // one organisation's ledger only; a key that must stand on another's):
    // their diagnostics stand at the key's cell of each row involved.
    let a = &schemas.audits;
    let across = a
        .unique
        .iter()
        .map(|u| (&u.ledger, &u.key, &u.code))
        .chain(a.listed.iter().map(|l| (&l.ledger, &l.key, &l.code)));
    for (ledger, key, code) in across {
        let c = (ledger.clone(), key.clone(), code.clone());
        if !v.contains(&c) {
            v.push(c);
        }
    }
    v
}

/// A cover's checks between the sheets of a submission: (cover, field,
/// code). A submission's cover is one row.
fn cover_checks(schemas: &SchemaSet) -> Vec<(String, String, String)> {
    let mut v = Vec::new();
    for s in schemas.covers() {
        for c in &s.checks {
            let c = (s.name.clone(), c.field.clone(), c.code.clone());
            if !v.contains(&c) {
                v.push(c);
            }
        }
    }
    v
}

/// The levels a rule applies to, when its `[[checks]]` name them (None:
/// every level). A code declared by several checks of one field applies
/// where any of them does.
fn only_at(
    schemas: &SchemaSet,
    (ledger, field, code): &(String, String, String),
) -> Option<Vec<Level>> {
    let s = schemas.schemas.iter().find(|s| &s.name == ledger)?;
    let mut at: Vec<Level> = Vec::new();
    for c in s
        .checks
        .iter()
        .filter(|c| &c.field == field && &c.code == code)
    {
        if c.levels.is_empty() {
            return None;
        }
        at.extend(c.levels.iter().copied());
    }
    (!at.is_empty()).then_some(at)
}

/// Every declared check's rows, by level, most-failed first.
pub fn summary(extracts: &[Extract], schemas: &SchemaSet) -> Vec<RuleCount> {
    let rules = declared(schemas);
    // A check of some levels only neither checks nor passes the rows of
    // the others.
    let only: Vec<Option<Vec<Level>>> = rules.iter().map(|r| only_at(schemas, r)).collect();
    let applies = |i: usize, level: Level| only[i].as_ref().is_none_or(|l| l.contains(&level));
    // (ledger, field, code, level) → (checked, failed)
    let mut counts: BTreeMap<(usize, String), (usize, usize)> = BTreeMap::new();
    for e in extracts {
        for (i, (ledger, field, code)) in rules.iter().enumerate() {
            let Some(&rows) = e.ledger_rows.get(ledger) else {
                continue;
            };
            let sheet = e.sheets.get(ledger).map(|(s, _)| s.as_str());
            let failed: BTreeSet<u32> = e
                .diagnostics
                .iter()
                .filter(|d| {
                    d.code.as_str() == code
                        && d.field.as_deref() == Some(field.as_str())
                        // A CSV file's diagnostics stand at a line, on no sheet.
                        && d.sheet.as_deref().is_none_or(|s| Some(s) == sheet)
                })
                .filter_map(|d| d.row)
                .collect();
            match e.level {
                Some(level) if !applies(i, level) => {}
                Some(level) => {
                    let c = counts.entry((i, level.as_str().to_string())).or_default();
                    c.0 += rows;
                    c.1 += failed.len().min(rows);
                }
                // A CSV export's rows count at the level of the
                // organisation each names (a row naming none, at none).
                None => {
                    for &(row, level) in e.row_levels.get(ledger).into_iter().flatten() {
                        if !applies(i, level) {
                            continue;
                        }
                        let c = counts.entry((i, level.as_str().to_string())).or_default();
                        c.0 += 1;
                        c.1 += failed.contains(&(row + 1)) as usize;
                    }
                }
            }
        }
    }
    // Covers: a submission whose cover was read is one row of its level's
    // cover schema, failed when the check's diagnostic stands at its field.
    let covers = cover_checks(schemas);
    for e in extracts {
        let (Some(level), Some(sheet)) = (e.level, e.cover_sheet.as_deref()) else {
            continue;
        };
        let cover = &schemas.cover_for(level).name;
        for (i, (name, field, code)) in covers.iter().enumerate() {
            if name != cover {
                continue;
            }
            let failed = e.diagnostics.iter().any(|d| {
                d.code.as_str() == code
                    && d.field.as_deref() == Some(field.as_str())
                    && d.sheet.as_deref() == Some(sheet)
            });
            let c = counts
                .entry((rules.len() + i, level.as_str().to_string()))
                .or_default();
            c.0 += 1;
            c.1 += failed as usize;
        }
    }
    let rules: Vec<(String, String, String)> = rules.into_iter().chain(covers).collect();
    let mut out: Vec<RuleCount> = counts
        .into_iter()
        .map(|((i, level), (checked, failed))| {
            let (ledger, field, code) = &rules[i];
            let schema = schemas.get(ledger);
            RuleCount {
                rule: code.clone(),
                ledger: ledger.clone(),
                sheet: schema.title.clone(),
                field: field.clone(),
                header: schema
                    .field(field)
                    .map(|f| f.header.clone())
                    .unwrap_or_default(),
                level,
                checked,
                passed: checked - failed,
                failed,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.failed
            .cmp(&a.failed)
            .then_with(|| a.ledger.cmp(&b.ledger))
            .then_with(|| a.field.cmp(&b.field))
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.level.cmp(&b.level))
    });
    out
}
