//! `pbstat aggregate`: validate, audit, then the report tables and files.

use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

use crate::aggregate::{aggregate, compare, Aggregation};
use crate::cli::{AggregateArgs, Common};
use crate::cmd::common::{parse_period, period_and_previous, thread_pool, validate_all, Setup};
use crate::cmd::validate::emit;
use crate::diag::{Counts, Diagnostic, Severity};
use crate::facts::{extract, sha256_of, Extract};
use crate::lang::Lang;
use crate::validate::submission::SubmissionKind;
use crate::validate::{sort_diagnostics, Ctx, Registry};
use crate::write::diagnostics::json as diagnostics_json;
use crate::write::{atomic_dir, prepare_output, report, stdout, tables};

pub fn run(common: &Common, args: &AggregateArgs) -> Result<i32> {
    // The output folder is checked before anything is read: a run must
    // never end by replacing a folder that is not its own earlier output.
    let out = match (&args.output, parse_period(&args.input.period)?) {
        (Some(o), _) => o.clone(),
        (None, Some(p)) => PathBuf::from(format!("report-{p}")),
        (None, None) => PathBuf::from("report"),
    };
    let mut protected = args.input.paths.clone();
    protected.extend(args.input.registry.iter().cloned());
    prepare_output(&out, &protected)?;
    let setup = Setup::load(common, &args.input, Some(&out))?;
    let (period, previous) =
        period_and_previous(common, &setup, "aggregate", args.previous.as_deref())?;
    let ctx = Ctx {
        hash: true,
        ..setup.ctx(common, &args.input)
    };
    let schemas = &setup.schemas;
    let mut extracts = validate_all(common, &setup, &ctx, |s| {
        let mut e = extract(s, schemas, Some(period));
        if e.sha256.is_empty() {
            // Refused before it was read (too large, say): hash it now.
            e.sha256 = sha256_of(&e.path);
        }
        e
    })?;
    let reports = extracts
        .iter()
        .filter(|e| e.kind == SubmissionKind::Report)
        .count();
    let subs = extracts
        .iter()
        .filter(|e| matches!(e.kind, SubmissionKind::Workbook | SubmissionKind::CsvLedger))
        .count();
    if reports > 0 && subs > 0 {
        bail!(crate::lang::tr(
            "输入中既有下级的汇总报表（report.xlsx，逐级汇总用）又有社区、单位的报表；请分级汇总：先汇总各级报表，再用汇总结果逐级汇总",
            "the inputs mix report workbooks (逐级汇总) with submissions; aggregate each level on its own",
        ));
    }
    let registry = if reports > 0 {
        None
    } else {
        setup.registry.as_ref()
    };
    let missing = crate::audit::run(&mut extracts, registry, common.lang);
    // The requirements as check judges them: the same warnings, counted alike.
    if reports == 0 {
        crate::audit::targets::diagnose(&mut extracts, schemas, &period, registry, common.lang);
    }
    for e in &mut extracts {
        e.explain(common.lang);
    }
    crate::timing::mark("audit");

    let registry_diags: Vec<Diagnostic> = setup
        .registry
        .iter()
        .flat_map(|r| r.diagnostics.clone())
        .collect();
    let registry_errors = registry_diags.iter().any(|d| d.severity == Severity::Error);
    // Explanations turn warnings into notes, never errors: whether the run
    // stops is known before they are applied.
    let any_error = registry_errors
        || missing.iter().any(|d| d.severity == Severity::Error)
        || extracts
            .iter()
            .any(|e| e.diagnostics.iter().any(|d| d.severity == Severity::Error));
    let files = setup.inputs.len();
    let collect_all = |extracts: &[Extract], more: &[Extract]| {
        let mut all = registry_diags.clone();
        all.extend(
            extracts
                .iter()
                .chain(more)
                .flat_map(|e| e.diagnostics.iter().cloned()),
        );
        all.extend(missing.iter().cloned());
        sort_diagnostics(&mut all);
        all
    };

    if any_error && (!args.exclude_invalid || registry_errors) {
        let all = collect_all(&extracts, &[]);
        atomic_dir(&out, |dir| {
            std::fs::write(dir.join("diagnostics.json"), diagnostics_json(&all, files))?;
            Ok(())
        })?;
        emit(common, args.format.into(), &all, files)?;
        crate::cmd::common::period_hint(common, &setup, &all);
        let why = if registry_errors && args.exclude_invalid {
            common.lang.t(
                "名录本身有错误，无法汇总",
                "the registry itself has errors, nothing can be aggregated",
            )
        } else {
            common.lang.t(
                "数据有错误，未生成报表；请修正后重试，或加 --exclude-invalid 剔除有错误的报表后汇总",
                "the data has errors, no report was written; fix them, or add --exclude-invalid to leave those submissions out",
            )
        };
        eprintln!("pbstat: {why} ({})", out.join("diagnostics.json").display());
        return Ok(1);
    }

    // Registry tables passed among the inputs are not submissions; their
    // diagnostics stay.
    let (tables_in_inputs, rest): (Vec<Extract>, Vec<Extract>) = extracts
        .into_iter()
        .partition(|e| e.kind == SubmissionKind::Registry);
    let mut extracts = rest;
    let accepted: Vec<bool> = extracts
        .iter()
        .map(|e| {
            e.kind != SubmissionKind::Unreadable
                && !e.diagnostics.iter().any(|d| d.severity == Severity::Error)
        })
        .collect();
    let mut agg = aggregate(&extracts, &accepted, registry, schemas, period)?;
    if let Some(p) = &previous {
        compare::add_previous(&mut agg.tables, p)?;
        // check's abnormal-change warnings, so that both count the same.
        crate::audit::trends::diagnose(
            &mut extracts,
            &agg.figures(),
            p,
            schemas.requirements.abnormal_change,
            common.lang,
        );
        for e in &mut extracts {
            e.explain_again(common.lang);
        }
    }
    let all = collect_all(&extracts, &tables_in_inputs);
    crate::timing::mark("aggregate");
    let explained: Vec<(String, String, String)> = all
        .iter()
        .filter_map(|d| {
            d.explanation.as_ref().map(|e| {
                (
                    d.file.clone(),
                    format!("{} {}", d.code, d.cell.as_deref().unwrap_or("")),
                    e.clone(),
                )
            })
        })
        .collect();
    let summary = summary_json(
        &agg,
        &extracts,
        &accepted,
        setup.registry.as_ref(),
        &missing,
    );
    let pool = thread_pool(common)?;
    atomic_dir(&out, |dir| {
        std::fs::create_dir_all(dir.join("tables"))?;
        // The workbook (its large sheets filled in parallel) beside the
        // tables and JSON files: with -j 1 one after the other.
        let (book, rest) = pool.install(|| {
            rayon::join(
                || {
                    let r = report::write_workbook(&agg, &explained, &dir.join("report.xlsx"));
                    crate::timing::mark("report.xlsx");
                    r
                },
                || -> Result<()> {
                    for t in agg.tables.iter().filter(|t| !t.def.title.is_empty()) {
                        let base = dir.join("tables").join(t.def.file);
                        std::fs::write(base.with_extension("csv"), tables::csv_bytes(t)?)?;
                        tables::write_parquet(t, &base.with_extension("parquet"))?;
                    }
                    let forms: Vec<&crate::aggregate::Table> = agg
                        .tables
                        .iter()
                        .filter(|t| !t.def.title.is_empty())
                        .collect();
                    let head = summary.as_object().expect("summary is an object");
                    let f = std::fs::File::create(dir.join("summary.json"))?;
                    tables::write_summary(f, head, &forms)?;
                    std::fs::write(dir.join("diagnostics.json"), diagnostics_json(&all, files))?;
                    crate::timing::mark("tables+json");
                    Ok(())
                },
            )
        });
        book.and(rest)
    })?;
    if args.format == crate::cli::DoneFormat::Json {
        let c = Counts::of(&all);
        let mut t = serde_json::to_string_pretty(&json!({
            "output": out.display().to_string(),
            "report": out.join("report.xlsx").display().to_string(),
            "period": period.to_string(),
            "scope": {"code": agg.scope.code, "name": agg.scope.name, "level": agg.scope.level},
            "files": extracts.len(),
            "accepted": extracts.len() - agg.excluded.len(),
            "excluded": agg.excluded,
            "errors": c.errors, "warnings": c.warnings, "notes": c.notes,
            "missing": summary["missing"],
            "exit_code": if any_error { 1 } else { 0 },
        }))?;
        t.push('\n');
        stdout(&t)?;
    } else if !common.quiet {
        stdout(&done_text(
            &agg,
            &all,
            &out,
            common.lang,
            extracts.len(),
            missing.len(),
        ))?;
    }
    Ok(if any_error { 1 } else { 0 })
}

fn done_text(
    agg: &Aggregation,
    all: &[Diagnostic],
    out: &Path,
    lang: Lang,
    files: usize,
    missing: usize,
) -> String {
    let c = Counts::of(all);
    let accepted = files - agg.excluded.len();
    lang.t(
        format!(
            "已生成报表：{}\n汇总范围：{}（{}），{}\n收到报表文件 {} 个：纳入汇总 {} 个，未纳入 {} 个；错误 {}，警告 {}；应报单位中未报送 {} 个\n查看摘要：pbstat report {}\n",
            out.join("report.xlsx").display(),
            agg.scope.name,
            agg.scope.code,
            agg.period.display_zh(),
            files,
            accepted,
            agg.excluded.len(),
            c.errors,
            c.warnings,
            missing,
            out.display()
        ),
        format!(
            "wrote {}\nscope: {} ({}), {}\n{} files: {} aggregated, {} left out; {} errors, {} warnings; {} organisations have not submitted\nsummary: pbstat report {}\n",
            out.join("report.xlsx").display(),
            agg.scope.name,
            agg.scope.code,
            agg.period,
            files,
            accepted,
            agg.excluded.len(),
            c.errors,
            c.warnings,
            missing,
            out.display()
        ),
    )
}

fn summary_json(
    agg: &Aggregation,
    extracts: &[Extract],
    accepted: &[bool],
    registry: Option<&Registry>,
    missing: &[Diagnostic],
) -> Value {
    let inputs: Vec<Value> = extracts
        .iter()
        .zip(accepted)
        .map(|(e, ok)| {
            let status = if e.kind == SubmissionKind::Unreadable {
                "unreadable"
            } else if *ok {
                "accepted"
            } else {
                "excluded"
            };
            json!({"file": e.file, "sha256": e.sha256, "org_code": e.org, "status": status})
        })
        .collect();
    let missing: Vec<Value> = missing
        .iter()
        .map(|d| {
            let code = d.org_code.clone().unwrap_or_default();
            let e = registry.and_then(|r| r.get(&code));
            json!({
                "code": code,
                "name": e.map(|e| e.name.clone()),
                "level": e.map(|e| e.level.as_str()),
                "parent_code": e.and_then(|e| e.parent.clone()),
                "parent_name": e.and_then(|e| e.parent.as_deref()).and_then(|p| registry.and_then(|r| r.get(p))).map(|p| p.name.clone()),
            })
        })
        .collect();
    json!({
        "period": agg.period.to_string(),
        "period_name": agg.period.display_zh(),
        "scope": {"code": agg.scope.code, "name": agg.scope.name, "level": agg.scope.level},
        "generated_by": {"name": "pbstat", "version": env!("CARGO_PKG_VERSION")},
        "registry": registry.map(|r| json!({"file": r.path, "sha256": sha256_of(Path::new(&r.path))})),
        "inputs": inputs,
        "excluded": agg.excluded,
        "missing": missing,
        "below_target": agg.below_target,
        "meeting_required": agg.meeting_required,
        "registration_minimum": agg.registration_minimum,
    })
}
