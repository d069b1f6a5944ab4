//! `pbstat validate`: each submission on its own, and against the registry.

use anyhow::Result;

use crate::aggregate::facts::{extract_with, Extract};
use crate::cli::{Common, OutFormat, ValidateArgs};
use crate::cmd::common::{validate_all, Setup};
use crate::diag::{Counts, Diagnostic};
use crate::lang::Lang;
use crate::validate::sort_diagnostics;
use crate::write::{annotate, diagnostics as out, stdout};

pub fn run(common: &Common, args: &ValidateArgs) -> Result<i32> {
    let setup = Setup::load(common, &args.input)?;
    let ctx = setup.ctx(common, &args.input);
    let schemas = &setup.schemas;
    let mut extracts = validate_all(common, &setup, &ctx, |s| {
        let mut e = extract_with(s, schemas, setup.period, false);
        e.explain(common.lang);
        // validate needs only the diagnostics; drop the counts early.
        e.counts.clear();
        e.roster.clear();
        e.unit_members.clear();
        e
    })?;
    if let Some(dir) = &args.annotate {
        annotate_inputs(dir, &setup, &extracts, common.lang)?;
    }
    let mut diags: Vec<Diagnostic> = setup
        .registry
        .iter()
        .flat_map(|r| r.diagnostics.clone())
        .collect();
    diags.extend(
        extracts
            .iter_mut()
            .flat_map(|e| std::mem::take(&mut e.diagnostics)),
    );
    sort_diagnostics(&mut diags);
    emit(common, args.format, &diags, setup.inputs.len())?;
    Ok(exit_code(&diags, args.strict))
}

/// Write annotated copies of the inputs that have diagnostics into `dir`.
pub fn annotate_inputs(
    dir: &std::path::Path,
    setup: &Setup,
    extracts: &[Extract],
    lang: Lang,
) -> Result<()> {
    let items: Vec<_> = setup
        .inputs
        .iter()
        .zip(extracts)
        .map(|(i, e)| (i, e.diagnostics.clone()))
        .collect();
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("--annotate {}: {e}", dir.display()))?;
    annotate::write_all(dir, &items, lang)?;
    Ok(())
}

pub fn emit(common: &Common, format: OutFormat, diags: &[Diagnostic], files: usize) -> Result<()> {
    let text = match format {
        OutFormat::Text => out::text(diags, files, common.lang, common.quiet),
        OutFormat::Json => out::json(diags, files),
        OutFormat::Csv => out::csv(diags),
    };
    stdout(&text)
}

/// 0: no errors (warnings allowed unless strict); 1: the data has errors.
pub fn exit_code(diags: &[Diagnostic], strict: bool) -> i32 {
    let c = Counts::of(diags);
    if c.errors > 0 || (strict && c.warnings > 0) {
        1
    } else {
        0
    }
}
