//! Audits across submissions (表间审核, rules.md "Across submissions").
//! Each problem between files is reported once in every file involved,
//! each naming the other.

use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashSet};

pub mod periods;
pub mod roster;
pub mod rules;
pub mod targets;
pub mod trends;

use crate::diag::{Code, Diagnostic};
use crate::facts::{Extract, IdKey};
use crate::lang::Lang;
use crate::period::Period;
use crate::schema::SchemaSet;
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

/// A key's diagnostic at its cell, its value shown as the key list says
/// (an ID number masked).
fn at(
    code: Code,
    e: &Extract,
    list: usize,
    k: usize,
    msg: String,
    schemas: &SchemaSet,
) -> Diagnostic {
    let r = &e.keys[list][k];
    let s = e.source(r);
    let kl = &schemas.audits.compiled.lists[list];
    let mut d = Diagnostic::new(code, &e.file, msg).sheet(&s.sheet, s.sheet_index);
    d = match s.col {
        Some(c) => d.at(r.row, c),
        None => d.at_row(r.row),
    };
    let shown = match e.key_texts[list].get(k) {
        Some(t) if !kl.id => t.to_string(),
        _ => r.id.masked(),
    };
    d.field(&kl.key).value(shown)
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

/// Run every audit aggregation depends on, and with `targets` the
/// requirements' targets (target.*). Diagnostics about a file go into that
/// file's list; the 催报 notes (about nobody's file) are returned. Both
/// only read the extracts until they are done, so they are found side by
/// side (one after the other they left a core idle), then added in this
/// order.
pub fn run(
    extracts: &mut [Extract],
    registry: Option<&Registry>,
    schemas: &SchemaSet,
    period: &Period,
    targets: bool,
    lang: Lang,
) -> anyhow::Result<Vec<Diagnostic>> {
    let ((add, missing), judged) = rayon::join(
        || across(extracts, registry, schemas, lang),
        || {
            if targets {
                targets::find(extracts, schemas, period, registry, lang)
            } else {
                Ok(Vec::new())
            }
        },
    );
    let judged = judged?;
    for (i, d) in add {
        let org = extracts[i].org.clone();
        extracts[i].diagnostics.push(d.org_or(org));
    }
    for (i, d) in judged {
        extracts[i].diagnostics.push(d);
    }
    Ok(missing)
}

/// The audits across submissions: (file, diagnostic) pairs and the 催报
/// notes.
fn across(
    extracts: &[Extract],
    registry: Option<&Registry>,
    schemas: &SchemaSet,
    lang: Lang,
) -> (Vec<(usize, Diagnostic)>, Vec<Diagnostic>) {
    let mut add: Vec<(usize, Diagnostic)> = Vec::new();
    {
        let name = namer(extracts, registry);
        let a = &schemas.audits;
        let keys: Vec<Vec<(IdKey, u32, u32)>> = (0..a.compiled.lists.len())
            .into_par_iter()
            .map(|l| sorted_keys(extracts, l))
            .collect();
        duplicate_submissions(extracts, lang, &mut add);
        for (rule, &(code, l)) in a.unique.iter().zip(&a.compiled.unique) {
            let template = lang.t(rule.message.as_str(), rule.message_en.as_str());
            let ctx = Rule {
                code,
                template: &template,
                schemas,
                lang,
            };
            unique(extracts, &keys[l], l, &ctx, &name, &mut add);
        }
        for (rule, &(code, rows, on)) in a.listed.iter().zip(&a.compiled.listed) {
            let template = lang.t(rule.message.as_str(), rule.message_en.as_str());
            let ctx = Rule {
                code,
                template: &template,
                schemas,
                lang,
            };
            listed(
                extracts,
                (rows, on),
                &rule.on,
                &keys[on],
                &ctx,
                &name,
                &mut add,
            );
        }
    }
    let missing = registry
        .map(|r| missing_submissions(extracts, r, lang))
        .unwrap_or_default();
    (add, missing)
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

/// One rule of audits.toml as it runs: its code and message template.
struct Rule<'a> {
    code: Code,
    template: &'a str,
    schemas: &'a SchemaSet,
    lang: Lang,
}

/// Every row of one key list as (key, file, row), sorted: each key's rows
/// stand together, and a key's rows are found by binary search.
fn sorted_keys(extracts: &[Extract], list: usize) -> Vec<(IdKey, u32, u32)> {
    let mut all: Vec<(IdKey, u32, u32)> = extracts
        .iter()
        .enumerate()
        .flat_map(|(i, e)| {
            e.keys[list]
                .iter()
                .enumerate()
                .map(move |(k, r)| (r.id, i as u32, k as u32))
        })
        .collect();
    all.par_sort_unstable();
    all
}

/// `[[unique]]`: a key standing at two organisations, reported at each of
/// its rows, naming the others.
fn unique(
    extracts: &[Extract],
    all: &[(IdKey, u32, u32)],
    list: usize,
    rule: &Rule,
    name: &dyn Fn(&str) -> String,
    add: &mut Vec<(usize, Diagnostic)>,
) {
    // The order of output comes from the final sort of diagnostics.
    for run in all.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        let refs: Vec<(usize, usize, &str)> = run
            .iter()
            .map(|&(_, i, k)| {
                let e = &extracts[i as usize];
                let org = &*e.source(&e.keys[list][k as usize]).org;
                (i as usize, k as usize, org)
            })
            .collect();
        if refs.iter().all(|(_, _, o)| *o == refs[0].2) {
            continue;
        }
        for &(i, k, org) in &refs {
            let others: Vec<String> = refs
                .iter()
                .filter(|(_, _, o)| *o != org)
                .map(|(j, _, o)| format!("{}（{}，{}）", name(o), o, extracts[*j].file))
                .collect();
            let sep = rule.lang.t("；", "; ");
            let m = rule.template.replace("{others}", &others.join(&sep));
            add.push((i, at(rule.code, &extracts[i], list, k, m, rule.schemas)));
        }
    }
}

/// `[[listed]]`: each row's key must stand on the ledger `on` of the
/// organisation the row names, when that organisation submitted it.
#[allow(clippy::too_many_arguments)]
fn listed(
    extracts: &[Extract],
    (rows, target): (usize, usize),
    on: &str,
    all: &[(IdKey, u32, u32)],
    rule: &Rule,
    name: &dyn Fn(&str) -> String,
    add: &mut Vec<(usize, Diagnostic)>,
) {
    // Organisations that submitted the ledger.
    let mut submitted: HashSet<&str> = HashSet::new();
    for e in extracts {
        for (org, ledger) in &e.ledger_orgs {
            if ledger == on {
                submitted.insert(org.as_str());
            }
        }
        for r in &e.keys[target] {
            submitted.insert(&e.source(r).org);
        }
    }
    let holds = |org: &str, id: IdKey| {
        let from = all.partition_point(|x| x.0 < id);
        all[from..]
            .iter()
            .take_while(|x| x.0 == id)
            .any(|&(_, i, k)| {
                let e = &extracts[i as usize];
                &*e.source(&e.keys[target][k as usize]).org == org
            })
    };
    for (i, e) in extracts.iter().enumerate() {
        for (k, r) in e.keys[rows].iter().enumerate() {
            let org = &e.source(r).org;
            // Only a ledger that was submitted can lack someone.
            if !submitted.contains(&**org) || holds(org, r.id) {
                continue;
            }
            let m = rule
                .template
                .replace("{org_name}", &name(org))
                .replace("{org}", org);
            add.push((i, at(rule.code, e, rows, k, m, rule.schemas)));
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
