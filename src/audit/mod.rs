//! Audits across submissions (表间审核, rules.md "Across submissions").
//! Each problem between files is reported once in every file involved,
//! each naming the other.

use std::collections::{BTreeMap, BTreeSet, HashSet};

pub mod rules;
pub mod targets;
pub mod trends;

use crate::diag::{Code, Diagnostic};
use crate::facts::{Extract, IdKey, IdRef, IdSource};
use crate::lang::Lang;
use crate::summary::MissingOrg;
use crate::validate::submission::SubmissionKind;
use crate::validate::Registry;

/// A name for a code: the registry's, else a cover's, else the code.
fn namer<'a>(
    extracts: &'a [Extract],
    registry: Option<&'a Registry>,
) -> impl Fn(&str) -> String + 'a {
    move |code: &str| {
        registry
            .and_then(|r| r.get(code).map(|e| e.name.clone()))
            .or_else(|| {
                extracts
                    .iter()
                    .find(|e| e.org.as_deref() == Some(code))
                    .and_then(|e| e.org_name.clone())
            })
            .unwrap_or_else(|| code.to_string())
    }
}

fn at(code: Code, file: &str, r: &IdRef, s: &IdSource, msg: String) -> Diagnostic {
    let mut d = Diagnostic::new(code, file, msg).sheet(&s.sheet, s.sheet_index);
    d = match s.col {
        Some(c) => d.at(r.row, c),
        None => d.at_row(r.row),
    };
    d.field("id_number").value(r.id.masked())
}

/// The 催报 list: each organisation a `submission.missing` note is about,
/// with its registry entry and the parent the registry names for it (even
/// when the registry lacks that parent, which registry.unknown_parent
/// reports).
pub fn missing_list(missing: &[Diagnostic], registry: Option<&Registry>) -> Vec<MissingOrg> {
    missing
        .iter()
        .map(|d| {
            let code = d.org_code.clone().unwrap_or_default();
            let e = registry.and_then(|r| r.get(&code));
            let parent = e.and_then(|e| e.parent.as_deref());
            MissingOrg {
                name: e.map(|e| e.name.clone()),
                level: e.map(|e| e.level.as_str().to_string()),
                parent_code: parent.map(str::to_string),
                parent_name: parent
                    .and_then(|p| registry.and_then(|r| r.get(p)))
                    .map(|p| p.name.clone()),
                code,
            }
        })
        .collect()
}

/// Run every audit aggregation depends on. Diagnostics about a file go into
/// that file's list; the 催报 notes (about nobody's file) are returned.
pub fn run(extracts: &mut [Extract], registry: Option<&Registry>, lang: Lang) -> Vec<Diagnostic> {
    let mut add: Vec<(usize, Diagnostic)> = Vec::new();
    {
        let name = namer(extracts, registry);
        let ids = roster_ids(extracts);
        duplicate_submissions(extracts, lang, &mut add);
        duplicate_registrations(extracts, &ids, lang, &name, &mut add);
        members_not_on_roster(extracts, &ids, lang, &name, &mut add);
    }
    for (i, d) in add {
        let org = extracts[i].org.clone();
        extracts[i].diagnostics.push(d.org_or(org));
    }
    registry
        .map(|r| missing_submissions(extracts, r, lang))
        .unwrap_or_default()
}

impl Diagnostic {
    fn org_or(mut self, org: Option<String>) -> Self {
        if self.org_code.is_none() {
            self.org_code = org;
        }
        self
    }
}

fn duplicate_submissions(extracts: &[Extract], lang: Lang, add: &mut Vec<(usize, Diagnostic)>) {
    let mut by: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, e) in extracts.iter().enumerate() {
        if !matches!(e.kind, SubmissionKind::Workbook | SubmissionKind::Report) {
            continue;
        }
        if let Some(o) = &e.org {
            let p = e.period.map(|p| p.to_string()).unwrap_or_default();
            by.entry((o.clone(), p)).or_default().push(i);
        }
    }
    for ((org, period), files) in by {
        if files.len() < 2 {
            continue;
        }
        for &i in &files {
            let others: Vec<&str> = files
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| extracts[j].file.as_str())
                .collect();
            let m = lang.t(
                format!("单位 {org} 的 {period} 报表重复提交，另见：{}；请只保留一份", others.join("；")),
                format!("organisation {org} submitted {period} more than once, see also: {}; keep only one", others.join("; ")),
            );
            add.push((
                i,
                Diagnostic::new(Code::FileDuplicateSubmission, &extracts[i].file, m),
            ));
        }
    }
}

/// Every roster row as (ID, file, row), sorted: each ID's rows stand
/// together, and an ID's rows are found by binary search.
fn roster_ids(extracts: &[Extract]) -> Vec<(IdKey, u32, u32)> {
    let mut all: Vec<(IdKey, u32, u32)> = extracts
        .iter()
        .enumerate()
        .flat_map(|(i, e)| {
            e.roster
                .iter()
                .enumerate()
                .map(move |(k, r)| (r.id, i as u32, k as u32))
        })
        .collect();
    all.sort_unstable();
    all
}

fn duplicate_registrations(
    extracts: &[Extract],
    all: &[(IdKey, u32, u32)],
    lang: Lang,
    name: &dyn Fn(&str) -> String,
    add: &mut Vec<(usize, Diagnostic)>,
) {
    // The order of output comes from the final sort of diagnostics.
    for run in all.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        let refs: Vec<(usize, &IdRef, &IdSource)> = run
            .iter()
            .map(|&(_, i, k)| {
                let e = &extracts[i as usize];
                let r = &e.roster[k as usize];
                (i as usize, r, e.source(r))
            })
            .collect();
        if refs
            .iter()
            .all(|(_, _, s)| s.community == refs[0].2.community)
        {
            continue;
        }
        for (i, r, s) in &refs {
            let others: Vec<String> = refs
                .iter()
                .filter(|(_, _, o)| o.community != s.community)
                .map(|(j, _, o)| {
                    format!(
                        "{}（{}，{}）",
                        name(&o.community),
                        o.community,
                        extracts[*j].file
                    )
                })
                .collect();
            let m = lang.t(
                format!("此身份证号同时在其他社区的报到名单上：{}；一名党员只能在一个社区报到", others.join("；")),
                format!("this ID number is also on another community's roster: {}; a member registers at one community only", others.join("; ")),
            );
            add.push((
                *i,
                at(
                    Code::CrossDuplicateRegistration,
                    &extracts[*i].file,
                    r,
                    s,
                    m,
                ),
            ));
        }
    }
}

fn members_not_on_roster(
    extracts: &[Extract],
    all: &[(IdKey, u32, u32)],
    lang: Lang,
    name: &dyn Fn(&str) -> String,
    add: &mut Vec<(usize, Diagnostic)>,
) {
    // Communities whose roster was submitted.
    let mut with_roster: HashSet<&str> = HashSet::new();
    for e in extracts {
        for (org, ledger) in &e.ledger_orgs {
            if ledger == "roster" {
                with_roster.insert(org.as_str());
            }
        }
        // The sources the roster's rows use (a unit's members have others).
        let mut used = vec![false; e.id_sources.len()];
        for r in &e.roster {
            used[r.src as usize] = true;
        }
        for (s, _) in e.id_sources.iter().zip(used).filter(|(_, u)| *u) {
            with_roster.insert(&s.community);
        }
    }
    let on_roster = |community: &str, id: IdKey| {
        let from = all.partition_point(|x| x.0 < id);
        all[from..]
            .iter()
            .take_while(|x| x.0 == id)
            .any(|&(_, i, k)| {
                let e = &extracts[i as usize];
                &*e.source(&e.roster[k as usize]).community == community
            })
    };
    for (i, e) in extracts.iter().enumerate() {
        for r in &e.unit_members {
            let s = e.source(r);
            // Only a roster that was submitted can lack someone.
            if !with_roster.contains(&*s.community) {
                continue;
            }
            if !on_roster(&s.community, r.id) {
                let m = lang.t(
                    format!("该党员登记在{}（{}）报到，但该社区的报到名单中没有此身份证号", name(&s.community), s.community),
                    format!("this member is listed as registered at {} ({}), whose roster lacks this ID number", name(&s.community), s.community),
                );
                add.push((i, at(Code::CrossUnitMemberNotOnRoster, &e.file, r, s, m)));
            }
        }
    }
}

/// The 催报 list: expected organisations with no submission at all.
pub fn missing_submissions(extracts: &[Extract], reg: &Registry, lang: Lang) -> Vec<Diagnostic> {
    let submitted: BTreeSet<&str> = extracts
        .iter()
        .flat_map(|e| {
            e.org
                .iter()
                .map(String::as_str)
                .chain(e.ledger_orgs.iter().map(|(o, _)| o.as_str()))
        })
        .collect();
    reg.entries
        .iter()
        .filter(|e| e.expected && !submitted.contains(e.code.as_str()))
        .map(|e| {
            let parent = e
                .parent
                .as_deref()
                .and_then(|p| reg.get(p))
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let m = lang.t(
                format!(
                    "{}“{}”（{}）未报送{}",
                    e.level.zh(),
                    e.name,
                    e.code,
                    if parent.is_empty() {
                        String::new()
                    } else {
                        format!("，所属：{parent}")
                    }
                ),
                format!(
                    "{} {} ({}) has not submitted",
                    e.level.as_str(),
                    e.name,
                    e.code
                ),
            );
            Diagnostic::new(Code::SubmissionMissing, &reg.path, m)
                .org(Some(&e.code))
                .value(e.name.clone())
        })
        .collect()
}
