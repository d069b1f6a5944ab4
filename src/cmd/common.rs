//! What the subcommands that read submissions share: schemas, period,
//! registry, the input list, and the parallel validation of every file.

use anyhow::{anyhow, bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{Common, InputArgs};
use crate::period::Period;
use crate::schema::SchemaSet;
use crate::validate::{collect_inputs, registry, validate_file, Ctx, Input, Registry, Submission};

pub fn parse_period(p: &Option<String>) -> Result<Option<Period>> {
    match p {
        None => Ok(None),
        Some(s) => Period::parse(s)
            .map(Some)
            .ok_or_else(|| anyhow!("--period {s}: not a period (write 2026Q3, 2026-09 or 2026)")),
    }
}

/// The period a command cannot run without, and the earlier output it may
/// compare against (both errors of the run when wrong: exit 2).
pub fn period_and_previous(
    setup: &Setup,
    command: &str,
    previous: Option<&std::path::Path>,
) -> Result<(Period, Option<serde_json::Value>)> {
    let period = setup
        .period
        .ok_or_else(|| anyhow!("--period is required for {command} (e.g. --period 2026Q3)"))?;
    let previous = previous
        .map(crate::aggregate::compare::load_previous)
        .transpose()?;
    Ok((period, previous))
}

pub fn thread_pool(common: &Common) -> Result<rayon::ThreadPool> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = common.jobs {
        if n == 0 {
            bail!("-j must be at least 1");
        }
        b = b.num_threads(n);
    }
    Ok(b.build()?)
}

/// The run's fixed inputs, loaded once.
pub struct Setup {
    pub schemas: SchemaSet,
    pub period: Option<Period>,
    pub registry: Option<Registry>,
    pub inputs: Vec<Input>,
}

impl Setup {
    pub fn load(common: &Common, input: &InputArgs) -> Result<Setup> {
        let schemas = SchemaSet::load(common.schemas.as_deref())?;
        let period = parse_period(&input.period)?;
        if let Some(f) = &input.form {
            let known = schemas
                .schemas
                .iter()
                .any(|s| &s.name == f || s.matches_sheet_name(f));
            if !known {
                bail!("--form {f}: no such form (see `pbstat schema list`)");
            }
        }
        let skip: Vec<PathBuf> = input.registry.iter().cloned().collect();
        // Listing the input folders and reading the registry are independent:
        // the walk runs beside the registry. A registry error still wins.
        let (registry, inputs) = std::thread::scope(|scope| {
            let walk = scope.spawn(|| collect_inputs(&input.paths, &skip));
            let registry = load_registry(common, input, &schemas, period);
            let inputs = walk.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            (registry, inputs)
        });
        let registry = registry?;
        let inputs = inputs?;
        crate::timing::mark("setup");
        Ok(Setup {
            schemas,
            period,
            registry,
            inputs,
        })
    }

    pub fn ctx<'a>(&'a self, common: &Common, input: &InputArgs) -> Ctx<'a> {
        Ctx {
            schemas: &self.schemas,
            registry: self.registry.as_ref(),
            period: self.period,
            lang: common.lang,
            limits: common.limits(),
            form: input.form.clone(),
            hash: false,
        }
    }
}

/// `--registry`, read and checked (an unreadable one is an error of the run).
fn load_registry(
    common: &Common,
    input: &InputArgs,
    schemas: &SchemaSet,
    period: Option<Period>,
) -> Result<Option<Registry>> {
    let Some(p) = &input.registry else {
        return Ok(None);
    };
    if !p.is_file() {
        bail!("--registry {}: no such file", p.display());
    }
    let ctx = Ctx {
        schemas,
        registry: None,
        period,
        lang: common.lang,
        limits: common.limits(),
        form: None,
        hash: false,
    };
    Ok(Some(registry::load(p, &ctx)?))
}

pub fn progress(common: &Common, n: usize) -> ProgressBar {
    if common.quiet || common.no_progress || n <= 3 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(n as u64);
    pb.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb
}

/// Validate every input in parallel; `keep` turns each result into what the
/// command needs, so that memory holds only that, never every workbook.
pub fn validate_all<T: Send>(
    common: &Common,
    setup: &Setup,
    ctx: &Ctx,
    keep: impl Fn(Submission) -> T + Sync,
) -> Result<Vec<T>> {
    let pool = thread_pool(common)?;
    let pb = progress(common, setup.inputs.len());
    let out = pool.install(|| {
        setup
            .inputs
            .par_iter()
            // One file per job: inputs are sorted, so large community
            // workbooks cluster; coarse splits would leave a core idle.
            .with_max_len(1)
            .map(|i| {
                let s = validate_file(&i.path, &i.display, ctx);
                pb.inc(1);
                keep(s)
            })
            .collect()
    });
    pb.finish_and_clear();
    crate::timing::mark("read+validate");
    Ok(out)
}
