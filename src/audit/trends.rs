//! The 跨期 rules of audits.toml (`[[previous]]`, trend.abnormal_change
//! among them): each organisation's counts of this period against an
//! earlier output (`--previous`), one SQL condition over `now` and
//! `before`, evaluated over every (organisation, count) of the run at once.

use std::collections::BTreeMap;

use anyhow::Result;
use polars::prelude::*;

use crate::diag::Diagnostic;
use crate::facts::Extract;
use crate::lang::Lang;
use crate::period::Period;
use crate::schema::audits::{previous_flags, with_requirements};
use crate::schema::SchemaSet;
use crate::summary::Summary;

/// This period's figures by (organisation code, column key): each
/// organisation's row of the report tables, as the aggregation computed it.
#[derive(Debug, Default)]
pub struct Figures(pub BTreeMap<(String, String), f64>);

impl Figures {
    fn get(&self, org: &str, key: &str) -> Option<f64> {
        self.0.get(&(org.to_string(), key.to_string())).copied()
    }
}

/// The columns compared (every count a `[[previous]]` rule names): (table,
/// column, header, the ledger its count comes from), for whoever builds
/// the [`Figures`] too.
pub fn compared(schemas: &SchemaSet) -> Vec<(&str, &str, &str, &str)> {
    let mut out: Vec<(&str, &str, &str, &str)> = Vec::new();
    for p in &schemas.audits.previous {
        for k in &p.counts {
            let Some((t, c)) = schemas.tables.count_column(k) else {
                continue;
            };
            if out.iter().any(|x| x.1 == c.key) {
                continue;
            }
            let ledger = c
                .measure
                .as_deref()
                .and_then(|m| schemas.measures.measure(m))
                .map_or("", |m| m.ledger.as_str());
            out.push((t.id.as_str(), c.key.as_str(), c.header.as_str(), ledger));
        }
    }
    out
}

fn fmt(x: f64) -> String {
    crate::text::number_text((x * 100.0).round() / 100.0)
}

/// Who a `[[previous]]` rule judges: an organisation, its level, and
/// where its warnings stand (a submission's file and sheets; in a period
/// roll-up, no file).
pub struct Subject<'a> {
    pub org: &'a str,
    pub level: Option<crate::org::Level>,
    pub file: &'a str,
    pub sheets: Option<&'a BTreeMap<String, (String, usize)>>,
}

/// Every `[[previous]]` rule: an organisation's own counts against the
/// earlier output, as warnings on the submissions.
pub fn diagnose(
    extracts: &mut [Extract],
    schemas: &SchemaSet,
    now: &Figures,
    prev: &Summary,
    period: &Period,
    gone: &BTreeMap<String, usize>,
    lang: Lang,
) -> Result<()> {
    let subjects: Vec<Subject> = extracts
        .iter()
        .filter_map(|e| {
            Some(Subject {
                org: e.org.as_deref()?,
                level: e.level,
                file: &e.file,
                sheets: Some(&e.sheets),
            })
        })
        .collect();
    let found = judge(&subjects, schemas, now, prev, period, gone, lang)?;
    let at: Vec<usize> = extracts
        .iter()
        .enumerate()
        .filter(|(_, e)| e.org.is_some())
        .map(|(i, _)| i)
        .collect();
    drop(subjects);
    for (s, d) in found {
        extracts[at[s]].diagnostics.push(d);
    }
    Ok(())
}

/// The rules over any subjects: each finding with its subject's index.
pub fn judge(
    subjects: &[Subject],
    schemas: &SchemaSet,
    now: &Figures,
    prev: &Summary,
    period: &Period,
    gone: &BTreeMap<String, usize>,
    lang: Lang,
) -> Result<Vec<(usize, Diagnostic)>> {
    let mut found = Vec::new();
    let columns = compared(schemas);
    // Against an earlier output of another length only stocks and rates
    // compare (reports.md §5.3).
    let flows = prev.same_length(period);
    let a = &schemas.audits;
    for (rule, code) in a.previous.iter().zip(&a.compiled.previous) {
        // One row per (file, count): where it stands, now and before.
        let mut at: Vec<(usize, usize)> = Vec::new();
        let mut nows: Vec<f64> = Vec::new();
        let mut befores: Vec<Option<f64>> = Vec::new();
        for (i, e) in subjects.iter().enumerate() {
            let org = e.org;
            if !rule.levels.is_empty() && !e.level.is_some_and(|l| rule.levels.contains(&l)) {
                continue;
            }
            for (k, (tid, key, _, _)) in columns.iter().enumerate() {
                if !rule.counts.iter().any(|c| c == key) {
                    continue;
                }
                if !flows
                    && !schemas
                        .tables
                        .count_column(key)
                        .is_some_and(|(_, c)| schemas.compares_across_lengths(c))
                {
                    continue;
                }
                let Some(cur) = now.get(org, key) else {
                    continue;
                };
                let before = prev.row_of(tid, org).and_then(|r| r.get(*key)?.as_f64());
                at.push((i, k));
                nows.push(cur);
                befores.push(before);
            }
        }
        if at.is_empty() {
            continue;
        }
        let flags = previous_flags(rule, &schemas.requirements, period)?;
        let df = DataFrame::new(
            at.len(),
            vec![
                Column::new("now".into(), &nows),
                Column::new("before".into(), &befores),
            ],
        )?;
        let out = df
            .lazy()
            .select([flags.fill_null(lit(false)).alias("f")])
            .collect()?;
        let flagged = out.column("f")?.bool()?.clone();
        let template = with_requirements(
            &lang.t(rule.message.as_str(), rule.message_en.as_str()),
            &schemas.requirements,
            period,
        );
        for (r, &(i, k)) in at.iter().enumerate() {
            if flagged.get(r) != Some(true) {
                continue;
            }
            let (_, key, header, ledger) = columns[k];
            let (cur, before) = (nows[r], befores[r]);
            let change = before
                .filter(|b| *b != 0.0)
                .map(|b| format!("{:+.1}%", (cur - b) / b * 100.0))
                .unwrap_or_else(|| "—".into());
            let before = before.map(fmt).unwrap_or_else(|| "—".into());
            let m = template
                .replace("{header}", header)
                .replace("{before}", &before)
                .replace("{now}", &fmt(cur))
                .replace("{change}", &change)
                .replace(
                    "{gone}",
                    &gone.get(subjects[i].org).map_or_else(
                        || lang.t("未比对", "not compared").to_string(),
                        |n| n.to_string(),
                    ),
                );
            let e = &subjects[i];
            let mut d = Diagnostic::new(*code, e.file, m)
                .org(Some(e.org))
                .field(key)
                .value(format!("{before}→{}", fmt(cur)));
            if let Some((sh, idx)) = e.sheets.and_then(|s| s.get(ledger)) {
                d = d.sheet(sh, *idx);
            }
            found.push((i, d));
        }
    }
    Ok(found)
}
