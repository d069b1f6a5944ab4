//! The requirements against organisations' own counts: the `[[target]]`s
//! of audits.toml (SQL over the counts, judged for every organisation at
//! once) and the meeting minimums of requirements.toml (per meeting type).
//! Shared by `check` (target.* warnings) and `aggregate` (达标 counts and
//! the below-target list of `report`).

use anyhow::Result;
use polars::prelude::*;

pub use crate::summary::Shortfall;

use crate::diag::Diagnostic;
use crate::facts::{Counts, Extract};
use crate::lang::Lang;
use crate::org::Level;
use crate::period::Period;
use crate::schema::audits::{target_exprs, target_frame, target_shown_exprs, with_requirements};
use crate::schema::SchemaSet;
use crate::validate::submission::SubmissionKind;
use crate::validate::Registry;

/// `what` of a meeting minimum's shortfall (summary.json's below_target).
pub const MEETING: &str = "meeting";

/// What an organisation's counts mean against the requirements.
#[derive(Debug, Default)]
pub struct Judgement {
    pub shortfalls: Vec<Shortfall>,
    /// (organisation, meeting type) pairs with a minimum above 0.
    pub requirements: usize,
    pub requirements_met: usize,
    /// The targets judged for the organisation and met.
    pub met: Vec<String>,
    /// Beside each shortfall: its message's SQL placeholders and values.
    pub shown: Vec<Vec<(String, String)>>,
}

impl Judgement {
    pub fn meets(&self, target: &str) -> bool {
        self.met.iter().any(|m| m == target)
    }
}

/// One organisation to judge: its code, name, level and own counts.
pub struct Judged<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub level: Level,
    pub counts: &'a Counts,
}

/// Every organisation of `orgs` against every requirement of its level.
/// The breakdown the meeting minimums read (measures.toml).
pub const MEETING_TYPES: &str = "meeting_types";

pub fn judge_all(orgs: &[Judged], schemas: &SchemaSet, period: &Period) -> Result<Vec<Judgement>> {
    let set = &schemas.measures;
    let reqs = &schemas.requirements;
    let a = &schemas.audits;
    // The organisations' counts, one column per measure of ledger rows.
    let keys: Vec<&str> = set
        .measures
        .iter()
        .filter(|m| m.of.is_none())
        .map(|m| m.key.as_str())
        .collect();
    // Column by column: the frame takes them as they are.
    let values = || -> Vec<Vec<f64>> {
        keys.iter()
            .map(|k| {
                let i = set.index(k);
                orgs.iter()
                    .map(|o| match i {
                        Some(i) => o.counts.value(i),
                        None => o.counts.aux(k),
                    })
                    .collect()
            })
            .collect()
    };
    let mut exprs = Vec::new();
    for (i, t) in a.targets.iter().enumerate() {
        if !orgs.iter().any(|o| o.level == t.level) {
            continue;
        }
        let [w, f, m] = target_exprs(t, reqs, period)?;
        exprs.push(w.cast(DataType::Boolean).alias(format!("w{i}")));
        exprs.push(f.cast(DataType::Float64).alias(format!("f{i}")));
        exprs.push(m.cast(DataType::Float64).alias(format!("m{i}")));
        for (j, x) in target_shown_exprs(t, reqs, period).iter().enumerate() {
            let e = polars::sql::sql_expr(with_requirements(x, reqs, period))?;
            exprs.push(e.alias(format!("s{i}_{j}")));
        }
    }
    let out = if exprs.is_empty() {
        DataFrame::empty()
    } else {
        target_frame(&keys, values())?
            .lazy()
            .select(exprs)
            .collect()?
    };
    // Each target's three columns, found once: found by name for every
    // organisation, they were most of the judging.
    let column = |name: String| out.column(&name).ok().map(|c| c.as_materialized_series());
    let judging: Vec<Option<(&BooleanChunked, &Float64Chunked, &Float64Chunked)>> =
        (0..a.targets.len())
            .map(|i| {
                Some((
                    column(format!("w{i}"))?.bool().ok()?,
                    column(format!("f{i}"))?.f64().ok()?,
                    column(format!("m{i}"))?.f64().ok()?,
                ))
            })
            .collect();
    let mut judged = Vec::with_capacity(orgs.len());
    for (r, o) in orgs.iter().enumerate() {
        let mut j = Judgement::default();
        let short = |what: &str, meeting_type: Option<&str>, figure: i64, minimum: i64| Shortfall {
            code: o.code.to_string(),
            name: o.name.to_string(),
            level: o.level.as_str().to_string(),
            what: what.to_string(),
            meeting_type: meeting_type.map(str::to_string),
            figure,
            minimum,
        };
        for (i, t) in a.targets.iter().enumerate() {
            if t.level != o.level {
                continue;
            }
            let Some((w, f, m)) = judging[i] else {
                continue;
            };
            // A select of literals alone gives one row, not one per
            // organisation.
            if r >= out.height() || w.get(r) != Some(true) {
                continue;
            }
            let (Some(f), Some(m)) = (f.get(r), m.get(r)) else {
                continue;
            };
            if f < m {
                j.shortfalls
                    .push(short(&t.key, None, f as i64, m.ceil() as i64));
                let shown = target_shown_exprs(t, reqs, period)
                    .iter()
                    .enumerate()
                    .map(|(k, x)| {
                        let v = out
                            .column(&format!("s{i}_{k}"))
                            .ok()
                            .and_then(|c| c.get(r).ok())
                            .filter(|v| !v.is_null())
                            .map(|v| match v.extract::<f64>() {
                                Some(x) => crate::text::number_text((x * 100.0).round() / 100.0),
                                None => v.to_string().trim_matches('"').to_string(),
                            })
                            .unwrap_or_else(|| "—".into());
                        (x.to_string(), v)
                    })
                    .collect();
                j.shown.push(shown);
            } else {
                j.met.push(t.key.clone());
            }
        }
        let pairs = match o.level {
            Level::Unit => Vec::new(),
            l => reqs.meeting_minimums(l, period),
        };
        let mut missed = 0;
        for (t, min) in &pairs {
            let have = o.counts.broken_down(MEETING_TYPES, t, 0) as i64;
            if have < *min as i64 {
                missed += 1;
                j.shortfalls
                    .push(short(MEETING, Some(t), have, *min as i64));
                j.shown.push(Vec::new());
            }
        }
        j.requirements = pairs.len();
        j.requirements_met = pairs.len() - missed;
        judged.push(j);
    }
    Ok(judged)
}

pub(crate) fn sheet_of<'a>(e: &'a Extract, schema: &str) -> Option<&'a (String, usize)> {
    e.sheets.get(schema)
}

/// target.*: each submission's own counts against the requirements, as
/// warnings on the submission (check and aggregate alike), by the index of
/// its file; `audit::run` adds them.
pub fn find(
    extracts: &[Extract],
    schemas: &SchemaSet,
    period: &Period,
    registry: Option<&Registry>,
    lang: Lang,
) -> Result<Vec<(usize, Diagnostic)>> {
    let mut found = Vec::new();
    // No rows at all counts as zero, not as nothing to judge.
    let none = Counts::default();
    let mut who: Vec<(usize, String, String, Level)> = Vec::new();
    for (i, e) in extracts.iter().enumerate() {
        if e.kind != SubmissionKind::Workbook {
            continue;
        }
        let (Some(org), Some(level)) = (e.org.clone(), e.level) else {
            continue;
        };
        let name = registry
            .and_then(|r| r.get(&org))
            .map(|r| r.name.clone())
            .or(e.org_name.clone())
            .unwrap_or_else(|| org.clone());
        who.push((i, org, name, level));
    }
    let orgs: Vec<Judged> = who
        .iter()
        .map(|(i, org, name, level)| Judged {
            code: org,
            name,
            level: *level,
            counts: extracts[*i].counts.get(org).unwrap_or(&none),
        })
        .collect();
    let judged = judge_all(&orgs, schemas, period)?;
    drop(orgs);
    let reqs = &schemas.requirements;
    // The meeting minimums stand on the sheet of the ledger they count.
    let meetings_ledger = schemas
        .measures
        .grouped_by("meeting_types")
        .map_or("", |(l, _)| l);
    for ((i, org, name, _), j) in who.iter().zip(judged) {
        let e = &extracts[*i];
        let counts = e.counts.get(org).unwrap_or(&none);
        for (s, shown) in j.shortfalls.into_iter().zip(j.shown) {
            let (code, sheet, msg) = if s.what == MEETING {
                let t = s.meeting_type.clone().unwrap_or_default();
                (
                    crate::diag::Code::TargetMeetingShortfall,
                    meetings_ledger.to_string(),
                    lang.t(
                        format!(
                            "{name}本期{t} {} 次，少于考核要求的 {} 次",
                            s.figure, s.minimum
                        ),
                        format!(
                            "{name} held {t} {} times this period, fewer than the required {}",
                            s.figure, s.minimum
                        ),
                    ),
                )
            } else {
                let k = schemas
                    .audits
                    .targets
                    .iter()
                    .position(|t| t.key == s.what)
                    .expect("a shortfall of a declared target");
                let t = &schemas.audits.targets[k];
                let mut m = with_requirements(
                    &lang.t(t.message.as_str(), t.message_en.as_str()),
                    reqs,
                    period,
                );
                for (x, v) in &shown {
                    m = m.replace(&format!("{{{x}}}"), v);
                }
                for p in crate::schema::checks::placeholders(&m.clone()) {
                    let Some(key) = p.strip_prefix("values:") else {
                        continue;
                    };
                    let set = match schemas.measures.index(key) {
                        Some(i) => counts.sets.get(&i),
                        None => counts.aux_sets.get(key),
                    };
                    let list = set
                        .map(|v| {
                            v.iter()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(&lang.t("、", ", "))
                        })
                        .unwrap_or_default();
                    m = m.replace(&format!("{{{p}}}"), &list);
                }
                (
                    schemas.audits.compiled.targets[k],
                    t.sheet.clone(),
                    fill(&m, &s),
                )
            };
            let mut d = Diagnostic::new(code, &e.file, msg)
                .org(Some(org))
                .value(s.figure.to_string());
            if let Some(t) = &s.meeting_type {
                d = d.field(t);
            }
            if let Some((sh, idx)) = sheet_of(e, &sheet) {
                d = d.sheet(sh, *idx);
            }
            found.push((*i, d));
        }
    }
    Ok(found)
}

/// A target's message or below-target line for one shortfall.
pub fn fill(template: &str, s: &Shortfall) -> String {
    template
        .replace("{name}", &s.name)
        .replace("{code}", &s.code)
        .replace("{figure}", &s.figure.to_string())
        .replace("{minimum}", &s.minimum.to_string())
}
