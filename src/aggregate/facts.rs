//! What aggregation keeps of a validated submission: its counts per
//! organisation, the ID numbers the cross-audits compare, and where each
//! stands. The workbook itself is dropped as soon as this is taken, so
//! memory holds counts, not workbooks.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::columns::{base_index, BASE, MEETING_KEYS, SATISFACTION_KEYS};
use crate::diag::Diagnostic;
use crate::period::Period;
use crate::read::report::ReportInput;
use crate::schema::SchemaSet;
use crate::validate::codes::Level;
use crate::validate::explain::Explanation;
use crate::validate::submission::SubmissionKind;
use crate::validate::{Ledger, Record, Submission, Value};

/// Raw counts one file adds to one organisation.
#[derive(Debug, Clone)]
pub struct Counts {
    pub base: Vec<f64>,
    /// Rows per meeting type (requirements compare these).
    pub meeting_types: BTreeMap<String, i64>,
    /// Per issue category: received, resolved, rated, satisfied_total.
    pub categories: BTreeMap<String, [f64; 4]>,
    /// A unit's own 共建活动 rows, wherever they were held.
    pub unit_activity_rows: i64,
    /// Distinct roster IDs and employer codes (kept so that data from two
    /// files of one community still count each person once).
    pub ids: BTreeSet<String>,
    pub employers: BTreeSet<String>,
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            base: vec![0.0; BASE.len()],
            meeting_types: BTreeMap::new(),
            categories: BTreeMap::new(),
            unit_activity_rows: 0,
            ids: BTreeSet::new(),
            employers: BTreeSet::new(),
        }
    }
}

impl Counts {
    pub fn add(&mut self, key: &str, v: f64) {
        self.base[base_index(key)] += v;
    }
    pub fn merge(&mut self, o: &Counts) {
        for (a, b) in self.base.iter_mut().zip(&o.base) {
            *a += b;
        }
        for (k, v) in &o.meeting_types {
            *self.meeting_types.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.categories {
            let e = self.categories.entry(k.clone()).or_default();
            for i in 0..4 {
                e[i] += v[i];
            }
        }
        self.unit_activity_rows += o.unit_activity_rows;
        self.ids.extend(o.ids.iter().cloned());
        self.employers.extend(o.employers.iter().cloned());
    }
}

/// Where an ID number stands, for the cross-audits.
#[derive(Debug, Clone)]
pub struct IdRef {
    pub id: String,
    /// The community the row belongs to (roster) or names (unit members).
    pub community: String,
    pub sheet: String,
    pub sheet_index: usize,
    pub row: u32,
    pub col: Option<u32>,
}

/// A community cover's 结对单位数 and where it stands.
#[derive(Debug, Clone)]
pub struct PairedUnits {
    pub value: i64,
    pub sheet: String,
    pub sheet_index: usize,
    pub row: u32,
    pub col: u32,
}

pub struct Extract {
    pub file: String,
    pub path: PathBuf,
    pub sha256: String,
    pub kind: SubmissionKind,
    pub org: Option<String>,
    pub org_name: Option<String>,
    pub level: Option<Level>,
    pub period: Option<Period>,
    pub paired_community: Option<String>,
    pub paired_units: Option<PairedUnits>,
    pub diagnostics: Vec<Diagnostic>,
    /// Counts by the organisation they belong to.
    pub counts: BTreeMap<String, Counts>,
    pub roster: Vec<IdRef>,
    pub unit_members: Vec<IdRef>,
    /// A county report workbook read back for roll-up (forms.md §4.6).
    pub report: Option<ReportInput>,
    /// Organisations whose ledger rows this file carries (a CSV ledger: many).
    pub ledger_orgs: BTreeSet<(String, String)>,
    /// The sheet each ledger was read from: schema name → (sheet, index).
    pub sheets: BTreeMap<String, (String, usize)>,
    pub explanations: Vec<Explanation>,
}

impl Extract {
    /// Apply the file's 上报说明 to its diagnostics, then put them in order.
    pub fn explain(&mut self, lang: crate::lang::Lang) {
        crate::validate::explain::apply(
            &mut self.diagnostics,
            &self.explanations,
            &self.file,
            self.org.as_deref(),
            lang,
        );
        crate::validate::sort_diagnostics(&mut self.diagnostics);
    }
}

pub fn sha256_of(path: &std::path::Path) -> String {
    match std::fs::read(path) {
        Ok(b) => format!("{:x}", Sha256::digest(&b)),
        Err(_) => String::new(),
    }
}

/// A ledger's field indices, resolved once instead of per cell.
struct Fields<'s> {
    schema: &'s crate::schema::Schema,
}

impl Fields<'_> {
    fn idx(&self, key: &str) -> Option<usize> {
        self.schema.field_index(key)
    }
}

fn text<'a>(f: &Fields, r: &'a Record, key: &str) -> Option<&'a str> {
    r.values.get(f.idx(key)?).and_then(Value::text)
}

fn num(f: &Fields, r: &Record, key: &str) -> f64 {
    f.idx(key)
        .and_then(|i| r.values.get(i))
        .and_then(Value::num)
        .unwrap_or(0.0)
}

fn date(f: &Fields, r: &Record, key: &str) -> Option<chrono::NaiveDate> {
    r.values.get(f.idx(key)?).and_then(Value::date)
}

fn col_of(l: &Ledger, f: &Fields, key: &str) -> Option<u32> {
    l.columns.get(f.idx(key)?).copied().flatten()
}

/// Take what aggregation needs from a validated submission.
pub fn extract(sub: Submission, schemas: &SchemaSet, period: Option<Period>) -> Extract {
    extract_with(sub, schemas, period, true)
}

/// `counts: false` keeps only what validate needs (diagnostics,
/// explanations, who and where), skipping the per-row counting.
pub fn extract_with(
    sub: Submission,
    schemas: &SchemaSet,
    period: Option<Period>,
    counts: bool,
) -> Extract {
    let reqs = &schemas.requirements;
    let period = period.or(sub.cover.period);
    let mut ex = Extract {
        sha256: String::new(),
        file: sub.file.clone(),
        path: sub.path.clone(),
        kind: sub.kind,
        org: sub.cover.org_code.clone(),
        org_name: sub.cover.org_name.clone(),
        level: sub.level,
        period: sub.cover.period,
        paired_community: sub
            .cover
            .values
            .get("paired_community")
            .and_then(Value::text)
            .map(str::to_string),
        paired_units: None,
        diagnostics: sub.diagnostics,
        counts: BTreeMap::new(),
        roster: Vec::new(),
        unit_members: Vec::new(),
        report: sub.report,
        ledger_orgs: BTreeSet::new(),
        sheets: sub
            .ledgers
            .iter()
            .map(|l| (l.schema.clone(), (l.sheet.clone(), l.sheet_index)))
            .collect(),
        explanations: Vec::new(),
    };
    if let (Some(v), Some(at)) = (
        sub.cover.values.get("paired_units").and_then(Value::num),
        sub.cover.at.get("paired_units"),
    ) {
        ex.paired_units = Some(PairedUnits {
            value: v as i64,
            sheet: at.0.clone(),
            sheet_index: at.1,
            row: at.2,
            col: at.3,
        });
    }
    let own = ex.org.clone();
    let satisfied: BTreeSet<&str> = reqs.satisfied_levels.iter().map(String::as_str).collect();
    for l in sub
        .ledgers
        .iter()
        .filter(|l| counts || l.schema == "explanations")
    {
        let fl = Fields {
            schema: schemas.get(&l.schema),
        };
        for r in &l.records {
            let Some(org) = r.org.clone().or_else(|| own.clone()) else {
                continue;
            };
            if l.schema != "explanations" {
                ex.ledger_orgs.insert((org.clone(), l.schema.clone()));
            }
            match l.schema.as_str() {
                "roster" => {
                    let c = ex.counts.entry(org.clone()).or_default();
                    let Some(id) = text(&fl, r, "id_number") else {
                        continue;
                    };
                    if !c.ids.insert(id.to_string()) {
                        continue;
                    }
                    c.add("registered_members", 1.0);
                    if let (Some(d), Some(p)) = (date(&fl, r, "registered_on"), period) {
                        if p.contains(d) {
                            c.add("new_registrations", 1.0);
                        }
                    }
                    if let Some(e) = text(&fl, r, "employer_code") {
                        c.employers.insert(e.to_string());
                    }
                    if text(&fl, r, "post").is_some() {
                        c.add("members_with_posts", 1.0);
                    }
                    c.add("service_count", num(&fl, r, "service_count"));
                    c.add("service_hours", num(&fl, r, "service_hours"));
                    ex.roster.push(IdRef {
                        id: id.to_string(),
                        community: org,
                        sheet: l.sheet.clone(),
                        sheet_index: l.sheet_index,
                        row: r.row,
                        col: col_of(l, &fl, "id_number"),
                    });
                }
                "meetings" => {
                    let c = ex.counts.entry(org).or_default();
                    let t = text(&fl, r, "type").unwrap_or("其他");
                    c.add("meetings", 1.0);
                    let key = MEETING_KEYS
                        .iter()
                        .find(|(zh, _)| *zh == t)
                        .map(|(_, k)| *k)
                        .unwrap_or("other");
                    c.add(key, 1.0);
                    *c.meeting_types.entry(t.to_string()).or_default() += 1;
                    c.add("expected_attendance", num(&fl, r, "expected"));
                    c.add("attendance", num(&fl, r, "attended"));
                    c.add("resolved_at_meetings", num(&fl, r, "resolved"));
                }
                "issues" => {
                    let c = ex.counts.entry(org).or_default();
                    let status = text(&fl, r, "status").unwrap_or("");
                    let sat = text(&fl, r, "satisfaction").unwrap_or("未评价");
                    let cat = text(&fl, r, "category").unwrap_or("其他").to_string();
                    let resolved = status == "已办结";
                    let rated = sat != "未评价";
                    let is_sat = rated && satisfied.contains(sat);
                    c.add("received", 1.0);
                    match status {
                        "已办结" => c.add("resolved", 1.0),
                        "办理中" => c.add("in_progress", 1.0),
                        "未办理" => c.add("not_started", 1.0),
                        _ => {}
                    }
                    if rated {
                        c.add("rated", 1.0);
                        if let Some((_, k)) = SATISFACTION_KEYS.iter().find(|(zh, _)| *zh == sat) {
                            c.add(k, 1.0);
                        }
                    }
                    if is_sat {
                        c.add("satisfied_total", 1.0);
                    }
                    let e = c.categories.entry(cat).or_default();
                    e[0] += 1.0;
                    e[1] += resolved as u8 as f64;
                    e[2] += rated as u8 as f64;
                    e[3] += is_sat as u8 as f64;
                }
                "unit_members" => {
                    let Some(comm) = text(&fl, r, "community_code").map(str::to_string) else {
                        continue;
                    };
                    ex.counts
                        .entry(comm.clone())
                        .or_default()
                        .add("unit_reported_members", 1.0);
                    if let Some(id) = text(&fl, r, "id_number") {
                        ex.unit_members.push(IdRef {
                            id: id.to_string(),
                            community: comm,
                            sheet: l.sheet.clone(),
                            sheet_index: l.sheet_index,
                            row: r.row,
                            col: col_of(l, &fl, "id_number"),
                        });
                    }
                }
                "unit_activities" => {
                    ex.counts.entry(org).or_default().unit_activity_rows += 1;
                    if let Some(comm) = text(&fl, r, "community_code") {
                        ex.counts
                            .entry(comm.to_string())
                            .or_default()
                            .add("unit_activities", 1.0);
                    }
                }
                "explanations" => {
                    let Some(code) = text(&fl, r, "code") else {
                        continue;
                    };
                    ex.explanations.push(Explanation {
                        code: code.trim().to_string(),
                        location: text(&fl, r, "location").map(str::to_string),
                        text: text(&fl, r, "text").unwrap_or("").to_string(),
                        at: (
                            l.sheet.clone(),
                            l.sheet_index,
                            r.row,
                            col_of(l, &fl, "code").unwrap_or(0),
                        ),
                    });
                }
                "unit_projects" => {
                    if let Some(comm) = text(&fl, r, "community_code") {
                        let c = ex.counts.entry(comm.to_string()).or_default();
                        c.add("projects_claimed", 1.0);
                        if text(&fl, r, "status") == Some("已完成") {
                            c.add("projects_completed", 1.0);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // A unit with no 共建活动 rows still counts as a unit.
    if let (Some(o), Some(Level::Unit)) = (&own, ex.level) {
        ex.counts.entry(o.clone()).or_default();
    }
    ex
}
