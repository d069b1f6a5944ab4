//! `pbstat validate`: each submission on its own, and against the registry.

use crate::cmd::Exit;
use anyhow::Result;

use crate::cli::{Common, OutFormat, ValidateArgs};
use crate::cmd::common::{validate_all, Setup};
use crate::diag::{Counts, Diagnostic};
use crate::facts::file_diagnostics;
use crate::lang::Lang;
use crate::validate::run_diagnostics;
use crate::write::{annotate, diagnostics as out, stdout};

pub fn run(common: &Common, args: &ValidateArgs) -> Result<Exit> {
    let setup = Setup::load(common, &args.input, args.annotate.as_deref())?;
    let ctx = setup.ctx(common, &args.input);
    let schemas = &setup.schemas;
    let per_file = validate_all(common, &setup, &ctx, |s| {
        file_diagnostics(s, schemas, setup.period, common.lang)
    })?;
    if let Some(dir) = &args.annotate {
        annotate_inputs(dir, &setup, &per_file, common.lang, common.quiet)?;
    }
    let diags = run_diagnostics(
        setup.registry.as_ref(),
        per_file.iter().map(Vec::as_slice),
        &[],
    );
    emit(common, args.format, &diags, setup.inputs.len())?;
    crate::cmd::common::period_hint(common, &setup, &diags);
    Ok(exit_code(&diags, args.strict))
}

/// Write annotated copies of the inputs that have diagnostics into `dir`.
pub fn annotate_inputs(
    dir: &std::path::Path,
    setup: &Setup,
    per_file: &[Vec<Diagnostic>],
    lang: Lang,
    quiet: bool,
) -> Result<()> {
    let items: Vec<_> = setup.inputs.iter().zip(per_file.iter().cloned()).collect();
    std::fs::create_dir_all(dir).map_err(|e| crate::lang::io_error(dir, &e))?;
    let n = annotate::write_all(dir, &items, lang)?;
    if !quiet {
        eprintln!(
            "{}",
            lang.t(
                format!("已写出批注副本 {n} 份：{}", dir.display()),
                format!("{n} annotated copies written to {}", dir.display()),
            )
        );
    }
    Ok(())
}

pub fn emit(common: &Common, format: OutFormat, diags: &[Diagnostic], files: usize) -> Result<()> {
    let text = match format {
        OutFormat::Text => out::text(diags, files, common.lang, common.quiet),
        OutFormat::Json => out::json(diags, files),
        OutFormat::Csv => out::csv(diags, common.lang),
    };
    stdout(&text)
}

/// 0: no errors (warnings allowed unless strict); 1: the data has errors.
pub fn exit_code(diags: &[Diagnostic], strict: bool) -> Exit {
    let c = Counts::of(diags);
    Exit::when_errors(c.errors > 0 || (strict && c.warnings > 0))
}
