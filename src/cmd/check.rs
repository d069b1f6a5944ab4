//! `pbstat check`: everything validate does, plus every audit across
//! submissions, completeness against the registry (the 催报 list), the
//! requirements, and with `--previous` abnormal changes.

use anyhow::Result;
use serde_json::{json, Value};
use std::collections::BTreeMap;

use crate::aggregate::aggregate;
use crate::cli::{CheckArgs, Common, OutFormat};
use crate::cmd::common::{period_and_previous, validate_all, Setup};
use crate::cmd::validate::{annotate_inputs, exit_code};
use crate::diag::{Code, Counts, Diagnostic, Severity};
use crate::facts::{extract, Extract};
use crate::lang::Lang;
use crate::validate::{sort_diagnostics, Registry};
use crate::write::diagnostics::{self as out, line, Summary};
use crate::write::stdout;

pub fn run(common: &Common, args: &CheckArgs) -> Result<i32> {
    let setup = Setup::load(common, &args.input, args.annotate.as_deref())?;
    let (period, previous) =
        period_and_previous(common, &setup, "check", args.previous.as_deref())?;
    let ctx = setup.ctx(common, &args.input);
    let lang = common.lang;
    let schemas = &setup.schemas;
    let mut extracts = validate_all(common, &setup, &ctx, |s| extract(s, schemas, Some(period)))?;
    let registry = setup.registry.as_ref();
    let missing = crate::audit::run(&mut extracts, registry, lang);
    crate::audit::targets::diagnose(&mut extracts, schemas, &period, registry, lang);
    if let Some(prev) = &previous {
        let accepted: Vec<bool> = extracts
            .iter()
            .map(|e| !e.diagnostics.iter().any(|d| d.severity == Severity::Error))
            .collect();
        let agg = aggregate(&extracts, &accepted, registry, schemas, period)?;
        crate::audit::trends::diagnose(
            &mut extracts,
            &agg.figures(),
            prev,
            schemas.requirements.abnormal_change,
            lang,
        );
    }
    for e in &mut extracts {
        e.explain(lang);
    }
    if let Some(dir) = &args.annotate {
        let per_file: Vec<Vec<Diagnostic>> =
            extracts.iter().map(|e| e.diagnostics.clone()).collect();
        annotate_inputs(dir, &setup, &per_file, lang, common.quiet)?;
    }
    let mut all: Vec<Diagnostic> = setup
        .registry
        .iter()
        .flat_map(|r| r.diagnostics.clone())
        .collect();
    all.extend(extracts.iter().flat_map(|e| e.diagnostics.iter().cloned()));
    all.extend(missing.iter().cloned());
    sort_diagnostics(&mut all);
    let files = setup.inputs.len();
    let text = match args.format {
        OutFormat::Text => grouped_text(&all, &extracts, registry, files, lang, common.quiet),
        OutFormat::Csv => out::csv(&all, lang),
        OutFormat::Json => {
            let mut v = serde_json::to_value(json!({
                "diagnostics": all,
                "summary": Summary::of(&all, files),
                "missing": missing_list(&missing, registry),
            }))?;
            if let Value::Object(m) = &mut v {
                m.insert("period".into(), json!(period.to_string()));
            }
            let mut s = serde_json::to_string_pretty(&v)?;
            s.push('\n');
            s
        }
    };
    stdout(&text)?;
    crate::cmd::common::period_hint(common, &setup, &all);
    Ok(exit_code(&all, args.strict))
}

fn missing_list(missing: &[Diagnostic], registry: Option<&Registry>) -> Vec<Value> {
    missing
        .iter()
        .map(|d| {
            let code = d.org_code.clone().unwrap_or_default();
            let e = registry.and_then(|r| r.get(&code));
            let parent = e.and_then(|e| e.parent.as_deref()).and_then(|p| registry.and_then(|r| r.get(p)));
            json!({"code": code, "name": e.map(|e| e.name.clone()), "level": e.map(|e| e.level.as_str()), "parent_code": parent.map(|p| p.code.clone()), "parent_name": parent.map(|p| p.name.clone())})
        })
        .collect()
}

/// Text grouped by organisation, then the 催报 list and the summary line.
fn grouped_text(
    all: &[Diagnostic],
    extracts: &[Extract],
    registry: Option<&Registry>,
    files: usize,
    lang: Lang,
    quiet: bool,
) -> String {
    if quiet {
        return out::text(all, files, lang, true);
    }
    let name_of = |code: &str| {
        registry
            .and_then(|r| r.get(code))
            .map(|e| e.name.clone())
            .or_else(|| {
                extracts
                    .iter()
                    .find(|e| e.org.as_deref() == Some(code))
                    .and_then(|e| e.org_name.clone())
            })
            .unwrap_or_default()
    };
    // Organisations in registry order (county, street, community, its units), then by code.
    let rank = |code: &str| {
        registry
            .and_then(|r| r.entries.iter().position(|e| e.code == code))
            .unwrap_or(usize::MAX)
    };
    let mut groups: BTreeMap<(u8, usize, String), Vec<&Diagnostic>> = BTreeMap::new();
    let reg_file = registry.map(|r| r.path.clone());
    for d in all.iter().filter(|d| d.code != Code::SubmissionMissing) {
        let key = if Some(&d.file) == reg_file.as_ref() {
            (0, 0, String::new())
        } else {
            match &d.org_code {
                Some(o) => (1, rank(o), o.clone()),
                None => (2, 0, String::new()),
            }
        };
        groups.entry(key).or_default().push(d);
    }
    let mut s = String::new();
    for ((kind, _, org), ds) in &groups {
        let c = Counts::of(ds.iter().copied());
        let counts = lang.t(
            format!("错误 {}，警告 {}，提示 {}", c.errors, c.warnings, c.notes),
            format!(
                "{} errors, {} warnings, {} notes",
                c.errors, c.warnings, c.notes
            ),
        );
        let title = match kind {
            0 => lang.t(
                format!("报送单位名录（{}）", reg_file.clone().unwrap_or_default()),
                format!("registry ({})", reg_file.clone().unwrap_or_default()),
            ),
            1 => format!("{}（{}）", name_of(org), org),
            _ => lang.t("未能识别填报单位的文件", "files whose submitter is unknown"),
        };
        s.push_str(&format!("== {title}：{counts}\n"));
        for d in ds {
            s.push_str("  ");
            s.push_str(&line(d, lang));
            s.push('\n');
        }
        s.push('\n');
    }
    let missing: Vec<&Diagnostic> = all
        .iter()
        .filter(|d| d.code == Code::SubmissionMissing)
        .collect();
    if registry.is_some() {
        s.push_str(&lang.t(
            format!("催报名单（未报送 {} 个）：\n", missing.len()),
            format!("Not yet submitted ({}):\n", missing.len()),
        ));
        for d in &missing {
            s.push_str(&format!("  {}\n", d.message));
        }
        if missing.is_empty() {
            s.push_str(&lang.t("  无，全部已报送\n", "  none\n"));
        }
        s.push('\n');
    }
    s.push_str(&out::summary_line(all, files, lang));
    s
}
