//! `pbstat aggregate`: validate, audit, then the report tables and files.

use anyhow::Result;
use rayon::prelude::*;
use std::path::PathBuf;

use crate::aggregate::{aggregate, compare};
use crate::cli::{AggregateArgs, Common};
use crate::cmd::common::{
    parse_period, period_and_previous, thread_pool, validate_all_then, Setup,
};
use crate::cmd::validate::emit;
use crate::cmd::Exit;
use crate::diag::{Counts, Severity};
use crate::facts::{extract, sha256_of, Extract};
use crate::summary::{to_json, AggregateDoc};
use crate::validate::submission::SubmissionKind;
use crate::validate::{run_diagnostics, Ctx};
use crate::write::{atomic_dir, output, prepare_output, stdout};

/// Submissions up to which the tables and the roster hashes are computed
/// side by side (5,000 at 1,000 communities with 4 units each).
const SIDE_BY_SIDE: usize = 10_000;

pub fn run(common: &Common, args: &AggregateArgs) -> Result<Exit> {
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
    if crate::cmd::rollup::wanted(&args.input.paths, parse_period(&args.input.period)?) {
        return crate::cmd::rollup::run(common, args, &out);
    }
    let setup = Setup::load(common, &args.input, Some(&out))?;
    let (period, previous) =
        period_and_previous(common, &setup, "aggregate", args.previous.as_deref())?;
    let ctx = Ctx {
        hash: true,
        audits: true,
        ..setup.ctx(common, &args.input)
    };
    let schemas = &setup.schemas;
    // Each chunk of files is measured as soon as it is read, and its
    // ledger rows dropped: a province never holds every row at once.
    let mut extracts = validate_all_then(
        common,
        &setup,
        &ctx,
        |s| {
            let mut e = extract(s, schemas, Some(period));
            if e.sha256.is_empty() {
                // Refused before it was read (too large, say): hash it now.
                e.sha256 = sha256_of(&e.path);
            }
            e
        },
        |chunk| crate::facts::measure::measure(chunk, schemas, Some(period)),
    )?;
    // A roll-up of report workbooks (逐级汇总) has its tree in them, not in
    // the registry.
    let rollup = crate::aggregate::is_rollup(&extracts)?;
    let registry = if rollup {
        None
    } else {
        setup.registry.as_ref()
    };
    // The requirements as check judges them: the same warnings, counted
    // alike.
    let pool = thread_pool(common)?;
    let missing = pool.install(|| {
        crate::audit::run(
            &mut extracts,
            registry,
            schemas,
            &period,
            !rollup,
            common.lang,
        )
    })?;
    for e in &mut extracts {
        e.explain(common.lang);
    }
    crate::timing::mark("audit");

    let registry_errors = setup
        .registry
        .iter()
        .flat_map(|r| &r.diagnostics)
        .any(|d| d.severity == Severity::Error);
    // Explanations turn warnings into notes, never errors: whether the run
    // stops is known before they are applied.
    let any_error = registry_errors
        || missing.iter().any(|d| d.severity == Severity::Error)
        || extracts
            .iter()
            .any(|e| e.diagnostics.iter().any(|d| d.severity == Severity::Error));
    let files = setup.inputs.len();
    let collect_all = |extracts: &[Extract], more: &[Extract]| {
        run_diagnostics(
            setup.registry.as_ref(),
            extracts
                .iter()
                .chain(more)
                .map(|e| e.diagnostics.as_slice()),
            &missing,
        )
    };

    if any_error && (!args.exclude_invalid || registry_errors) {
        let all = collect_all(&extracts, &[]);
        atomic_dir(&out, |dir| output::refused(dir, &all, files))?;
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
        return Ok(Exit::DataErrors);
    }

    // Registry tables passed among the inputs are not submissions; their
    // diagnostics stay.
    let (tables_in_inputs, rest): (Vec<Extract>, Vec<Extract>) = extracts
        .into_iter()
        .partition(|e| e.kind == SubmissionKind::Registry);
    let mut extracts = rest;
    let accepted: Vec<bool> = extracts.iter().map(Extract::accepted).collect();
    // The rosters this output keeps for the next period, as keyed hashes
    // (reports.md §5.3), hashed after the tables; with --previous then
    // compared with the earlier ones.
    let previous_dir = args.previous.as_deref().filter(|_| previous.is_some());
    let plan =
        crate::cmd::common::roster_plan(common, &extracts, &accepted, schemas, previous_dir)?;
    // The tables, the roster hashes and the per-rule summary (of the
    // extracts as they stand, before the roster warnings, as check counts
    // it) are each a pass over the extracts, none of which keeps both cores
    // busy alone. Side by side they hold the counts and the hashes at once:
    // up to a city's size that stays below what the writing holds later; at
    // a province's it was the peak (1,164 MB against 938 MB at 50,000
    // workbooks), so there the tables come first and the counts are let go
    // before the hashing.
    let tables = |x: &[Extract]| aggregate(x, &accepted, registry, schemas, period);
    let hashes = |x: &[Extract]| {
        rayon::join(
            || plan.hash(x, &accepted, schemas, &period),
            || crate::audit::rules::summary(x, schemas),
        )
    };
    // Freed on both cores: one after the other, the counts of 5,000
    // submissions took a core alone for 0.01 s.
    let release =
        |x: &mut [Extract]| pool.install(|| x.par_iter_mut().for_each(Extract::release_counts));
    let (agg, (now, rules)) = if extracts.len() <= SIDE_BY_SIDE {
        let both = pool.install(|| rayon::join(|| tables(&extracts), || hashes(&extracts)));
        release(&mut extracts);
        both
    } else {
        let agg = pool.install(|| tables(&extracts));
        release(&mut extracts);
        (agg, pool.install(|| hashes(&extracts)))
    };
    let mut agg = agg?;
    agg.rules = rules;
    crate::timing::mark("tables+hashes");
    let mut rosters = plan.finish(now, common, &mut extracts, &accepted, schemas, registry);
    pool.install(|| extracts.par_iter_mut().for_each(Extract::release_keys));
    crate::timing::mark("rosters");
    let state = crate::summary::RunState {
        doc: crate::summary::StateDoc {
            format: 1,
            scope: agg.scope.code.clone(),
            period: period.to_string(),
            built_from: agg.built_from().to_string(),
            key_fingerprint: rosters.fingerprint.clone(),
        },
        rows: std::mem::take(&mut rosters.state),
        own: !agg.rollup,
    };
    let run_notes = rosters.notes.clone();
    if let Some(p) = &previous {
        let flows = p.same_length(&period);
        compare::add_previous(&mut agg.tables, p, schemas, flows)?;
        // check's abnormal-change warnings, so that both count the same.
        crate::audit::trends::diagnose(
            &mut extracts,
            schemas,
            &agg.figures(schemas),
            p,
            &period,
            &rosters.gone,
            common.lang,
        )?;
        for e in &mut extracts {
            e.explain_again(common.lang);
        }
    }
    let mut all = collect_all(&extracts, &tables_in_inputs);
    if !run_notes.is_empty() {
        all.extend(run_notes);
        crate::validate::sort_diagnostics(&mut all);
    }
    agg.history =
        crate::cmd::common::history_for(&agg, &args.history, &out, schemas, common.quiet)?;
    crate::timing::mark("aggregate");
    let summary = crate::aggregate::summary_head(
        &agg,
        &extracts,
        &accepted,
        setup.registry.as_ref(),
        &missing,
    );
    // The ledgers' rows are done with: their memory goes to the writing
    // (a province's peak RSS is set here).
    let submissions = extracts.len();
    pool.install(|| extracts.into_par_iter().for_each(drop));
    atomic_dir(&out, |dir| {
        pool.install(|| output::aggregated(dir, &agg, schemas, &summary, &all, files, state))
    })?;
    // The archive after OUT: a run that fails before leaves it as it was.
    if let Some(dir) = &args.archive {
        crate::write::archive::write(dir, &agg, agg.built_from())?;
        crate::timing::mark("archive");
    }
    if args.format == crate::cli::DoneFormat::Json {
        let c = Counts::of(&all);
        stdout(&to_json(&AggregateDoc {
            output: out.display().to_string(),
            report: out.join("report.xlsx").display().to_string(),
            period: period.to_string(),
            scope: agg.scope_doc(),
            files: submissions,
            accepted: submissions - agg.excluded.len(),
            excluded: &agg.excluded,
            errors: c.errors,
            warnings: c.warnings,
            notes: c.notes,
            missing: &summary.missing,
            exit_code: Exit::when_errors(any_error).code(),
        }))?;
    } else if !common.quiet {
        stdout(&output::done_text(
            &agg,
            &all,
            &out,
            common.lang,
            submissions,
            missing.len(),
        ))?;
    }
    Ok(Exit::when_errors(any_error))
}
