//! `pbstat check`: everything validate does, plus every audit across
//! submissions, completeness against the registry (the 催报 list), the
//! requirements, and with `--previous` abnormal changes.

use crate::cmd::Exit;
use anyhow::Result;

use crate::aggregate::aggregate;
use crate::cli::{CheckArgs, Common, OutFormat};
use crate::cmd::common::{period_and_previous, validate_all_then, Setup};
use crate::cmd::validate::{annotate_inputs, exit_code};
use crate::diag::Diagnostic;
use crate::facts::{extract, Extract};
use crate::summary::{to_json, CheckDoc, DiagnosticCounts};
use crate::validate::run_diagnostics;
use crate::write::diagnostics as out;
use crate::write::stdout;

pub fn run(common: &Common, args: &CheckArgs) -> Result<Exit> {
    let setup = Setup::load(common, &args.input, args.annotate.as_deref())?;
    let (period, previous) =
        period_and_previous(common, &setup, "check", args.previous.as_deref())?;
    let ctx = crate::validate::Ctx {
        audits: true,
        ..setup.ctx(common, &args.input)
    };
    let lang = common.lang;
    let schemas = &setup.schemas;
    let mut extracts = validate_all_then(
        common,
        &setup,
        &ctx,
        |s| extract(s, schemas, Some(period)),
        |chunk| crate::facts::measure::measure(chunk, schemas, Some(period)),
    )?;
    let registry = setup.registry.as_ref();
    let missing = crate::cmd::common::thread_pool(common)?
        .install(|| crate::audit::run(&mut extracts, registry, schemas, &period, true, lang))?;
    let rosters = crate::cmd::common::rosters(
        common,
        &mut extracts,
        schemas,
        registry,
        &period,
        args.previous.as_deref().filter(|_| previous.is_some()),
    )?;
    if let Some(prev) = &previous {
        let accepted: Vec<bool> = extracts.iter().map(Extract::accepted).collect();
        let agg = aggregate(&extracts, &accepted, registry, schemas, period)?;
        crate::audit::trends::diagnose(
            &mut extracts,
            schemas,
            &agg.figures(schemas),
            prev,
            &period,
            &rosters.gone,
            lang,
        )?;
    }
    for e in &mut extracts {
        e.explain(lang);
    }
    if let Some(dir) = &args.annotate {
        let per_file: Vec<Vec<Diagnostic>> =
            extracts.iter().map(|e| e.diagnostics.clone()).collect();
        annotate_inputs(dir, &setup, &per_file, lang, common.quiet)?;
    }
    let mut all = run_diagnostics(
        registry,
        extracts.iter().map(|e| e.diagnostics.as_slice()),
        &missing,
    );
    if !rosters.notes.is_empty() {
        all.extend(rosters.notes);
        crate::validate::sort_diagnostics(&mut all);
    }
    let files = setup.inputs.len();
    let text = match args.format {
        OutFormat::Text => out::grouped(&all, &extracts, registry, files, lang, common.quiet),
        OutFormat::Csv => out::csv(&all, lang),
        OutFormat::Json => to_json(&CheckDoc {
            diagnostics: &all,
            summary: DiagnosticCounts::of(&all, files),
            missing: &crate::audit::missing_list(&missing, registry),
            period: period.to_string(),
            rules: &crate::audit::rules::summary(&extracts, schemas),
        }),
    };
    stdout(&text)?;
    crate::cmd::common::period_hint(common, &setup, &all);
    Ok(exit_code(&all, args.strict))
}
