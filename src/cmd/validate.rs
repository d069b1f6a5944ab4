//! `pbstat validate`: each submission on its own, and against the registry.

use anyhow::Result;

use crate::cli::{Common, OutFormat, ValidateArgs};
use crate::cmd::common::{validate_all, Setup};
use crate::diag::{Counts, Diagnostic};
use crate::validate::sort_diagnostics;
use crate::write::{diagnostics as out, stdout};

pub fn run(common: &Common, args: &ValidateArgs) -> Result<i32> {
    let setup = Setup::load(common, &args.input)?;
    let ctx = setup.ctx(common, &args.input);
    let per_file = validate_all(common, &setup, &ctx, |s| s.diagnostics)?;
    let mut diags: Vec<Diagnostic> = setup
        .registry
        .iter()
        .flat_map(|r| r.diagnostics.clone())
        .collect();
    diags.extend(per_file.into_iter().flatten());
    sort_diagnostics(&mut diags);
    emit(common, args.format, &diags, setup.inputs.len())?;
    Ok(exit_code(&diags, args.strict))
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
