//! What the subcommands that read submissions share: schemas, period,
//! registry, the input list, and the parallel validation of every file.

use anyhow::{anyhow, bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::cli::{Common, InputArgs};
use crate::lang::tr;
use crate::period::Period;
use crate::schema::SchemaSet;
use crate::validate::{collect_inputs, registry, validate_file, Ctx, Input, Registry, Submission};

pub fn parse_period(p: &Option<String>) -> Result<Option<Period>> {
    match p {
        None => Ok(None),
        Some(s) => Period::parse(s).map(Some).ok_or_else(|| {
            anyhow!(tr(
                format!("--period {s}：不是报告期；季度写 2026Q3，月份写 2026-09，年度写 2026"),
                format!("--period {s}: not a period (write 2026Q3, 2026-09 or 2026)"),
            ))
        }),
    }
}

/// The period a command cannot run without, and the earlier output it may
/// compare against (both errors of the run when wrong: exit 2). A
/// `--previous` folder that does not exist at all is the first run of a
/// monthly script: a warning, and no comparison.
pub fn period_and_previous(
    common: &Common,
    setup: &Setup,
    command: &str,
    previous: Option<&Path>,
) -> Result<(Period, Option<crate::summary::Summary>)> {
    let period = setup.period.ok_or_else(|| {
        anyhow!(tr(
            format!("{command} 需要 --period 指定报告期（如 --period 2026Q3）"),
            format!("--period is required for {command} (e.g. --period 2026Q3)"),
        ))
    })?;
    Ok((period, previous_for(common, &period, previous)?))
}

/// The earlier output `--previous` names, checked against `period`.
pub fn previous_for(
    common: &Common,
    period: &Period,
    previous: Option<&Path>,
) -> Result<Option<crate::summary::Summary>> {
    let Some(dir) = previous else {
        return Ok(None);
    };
    if !dir.exists() {
        if !common.quiet {
            eprintln!(
                "pbstat: {}",
                tr(
                    format!("提示：上期输出 {} 不存在（首次运行？），本期不做环比", dir.display()),
                    format!("note: the earlier output {} does not exist (a first run?); no comparison this time", dir.display()),
                )
            );
        }
        return Ok(None);
    }
    let prev = crate::aggregate::compare::load_previous(dir)?;
    let before = Period::parse(&prev.head.period);
    if let Some(b) = before {
        if b.end() >= period.start() {
            bail!(tr(
                format!(
                    "--previous {}：那是 {} 的汇总结果，不在本期 {} 之前；--previous 应指向更早一期的输出",
                    dir.display(),
                    b.display_zh(),
                    period.display_zh()
                ),
                format!(
                    "--previous {}: that output is for {b}, which does not end before {period} begins; name an earlier period's output",
                    dir.display()
                ),
            ));
        }
    }
    Ok(Some(prev))
}

pub fn thread_pool(common: &Common) -> Result<rayon::ThreadPool> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = common.jobs {
        if n == 0 {
            bail!(tr("-j 至少为 1", "-j must be at least 1"));
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
    /// `output`: the folder the run will write, never read as an input.
    pub fn load(common: &Common, input: &InputArgs, output: Option<&Path>) -> Result<Setup> {
        let schemas = SchemaSet::load(common.schemas.as_deref())?;
        let period = parse_period(&input.period)?;
        if let Some(f) = &input.form {
            let known = schemas
                .schemas
                .iter()
                .any(|s| &s.name == f || s.matches_sheet_name(f));
            if !known {
                bail!(tr(
                    format!("--form {f}：没有这个表样（可用的表样见 pbstat schema list）"),
                    format!("--form {f}: no such form (see `pbstat schema list`)"),
                ));
            }
        }
        let skip: Vec<PathBuf> = input.registry.iter().cloned().collect();
        // Listing the input folders and reading the registry are independent:
        // the walk runs beside the registry. A registry error still wins.
        let (registry, inputs) = std::thread::scope(|scope| {
            let walk = scope.spawn(|| collect_inputs(&input.paths, &skip, output));
            let registry = load_registry(common, input, &schemas, period);
            let inputs = walk.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            (registry, inputs)
        });
        let registry = registry?;
        let mut inputs = inputs?;
        // An earlier output found inside a folder of submissions is not to
        // be rolled up with them: left out, with a note. Outputs alone
        // (a city rolling up its counties) are read as outputs.
        let nested_output = |i: &Input| {
            i.path.file_name().is_some_and(|n| n == "report.xlsx")
                && !input.paths.contains(&i.path)
                && i.path
                    .parent()
                    .is_some_and(crate::read::report::is_output_dir)
        };
        if inputs.iter().any(nested_output) && !inputs.iter().all(nested_output) {
            let (outs, subs): (Vec<Input>, Vec<Input>) =
                inputs.into_iter().partition(nested_output);
            if !common.quiet {
                for o in &outs {
                    let dir = o.path.parent().unwrap_or(&o.path).display();
                    eprintln!(
                        "pbstat: {}",
                        tr(
                            format!("跳过 {dir}：这是 pbstat 的汇总输出，不是报表"),
                            format!("skipped {dir}: a pbstat output folder, not a submission"),
                        )
                    );
                }
            }
            inputs = subs;
        }
        if inputs.is_empty() {
            let shown: Vec<String> = input
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            bail!(tr(
                format!(
                    "未找到任何报表文件：{} 中没有 .xlsx、.xlsm、.xls、.ods 或 .csv 文件",
                    shown.join("、")
                ),
                format!(
                    "no submission found: {} holds no .xlsx, .xlsm, .xls, .ods or .csv file",
                    shown.join(", ")
                ),
            ));
        }
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
            audits: false,
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
        bail!(tr(
            format!("--registry {}：名录文件不存在，请检查路径", p.display()),
            format!("--registry {}: no such file; check the path", p.display()),
        ));
    }
    let ctx = Ctx {
        schemas,
        registry: None,
        period,
        lang: common.lang,
        limits: common.limits(),
        form: None,
        hash: false,
        audits: false,
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

/// Files read before the forms' checks run over their rows together.
const BATCH: usize = 128;

/// Files kept before they are settled (their ledger rows measured, then
/// dropped): a province's memory holds one chunk's rows, not the run's.
const SETTLE: usize = 256;

/// Validate every input in parallel; `keep` turns each result into what the
/// command needs, so that memory holds only that and one batch of
/// workbooks' rows, never every workbook. The forms' checks run over each
/// batch's rows at once, on this thread (validate::checks says why).
pub fn validate_all<T: Send>(
    common: &Common,
    setup: &Setup,
    ctx: &Ctx,
    keep: impl Fn(Submission) -> T + Sync,
) -> Result<Vec<T>> {
    validate_all_then(common, setup, ctx, keep, |_| Ok(()))
}

/// [`validate_all`], with `settle` run on every chunk of kept results as
/// soon as it is complete, on a thread of its own beside the reading of
/// the next (aggregate measures each chunk's ledger rows there and drops
/// them). The results come back in input order.
pub fn validate_all_then<T: Send>(
    common: &Common,
    setup: &Setup,
    ctx: &Ctx,
    keep: impl Fn(Submission) -> T + Sync,
    settle: impl FnMut(&mut [T]) -> Result<()> + Send,
) -> Result<Vec<T>> {
    let pool = thread_pool(common)?;
    let pb = progress(common, setup.inputs.len());
    let checked = crate::validate::checks::any(ctx);
    let read = |i: &Input| {
        let s = validate_file(&i.path, &i.display, ctx);
        pb.inc(1);
        s
    };
    // Without checks, one parallel pass per chunk; with them, batches
    // checked together. One file per job: inputs are sorted, so large
    // community workbooks cluster, and coarse splits would leave a core idle.
    crate::memory::reading();
    let out = std::thread::scope(|scope| -> Result<Vec<T>> {
        // One chunk waits in the channel while one is settled, and the next
        // fills: memory holds three at most. With no room in the channel
        // the reading stopped whenever a chunk was handed on during a long
        // settle (aggregate −0.04 s at 1,000 communities, +7 MB; at 10,000
        // the peak, set after the reading, 976 → 984 MB).
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<T>>(1);
        let total = setup.inputs.len();
        let settler = scope.spawn(move || -> Result<Vec<T>> {
            let mut settle = settle;
            // Sized once: 50,000 results grown by doubling were copied and
            // held twice.
            let mut done = Vec::with_capacity(total);
            for mut chunk in rx {
                settle(&mut chunk)?;
                done.append(&mut chunk);
            }
            Ok(done)
        });
        let mut pending: Vec<T> = Vec::with_capacity(SETTLE.min(setup.inputs.len()));
        // A chunk handed on whenever SETTLE are pending; false once the
        // settler stopped on an error (it says which below).
        let mut hand_on = |kept: Vec<T>| -> bool {
            pending.extend(kept);
            if pending.len() < SETTLE {
                return true;
            }
            let chunk = std::mem::replace(&mut pending, Vec::with_capacity(SETTLE));
            tx.send(chunk).is_ok()
        };
        if checked {
            // Batch k is checked and kept while batch k+1 is read: waiting
            // for a batch's last file, and the checks' own serial parts,
            // left a core idle at every batch.
            let mut read_before: Option<Vec<Submission>> = None;
            for inputs in setup.inputs.chunks(BATCH).map(Some).chain([None]) {
                let (now, kept) = pool.install(|| {
                    rayon::join(
                        || inputs.map(|b| b.par_iter().with_max_len(1).map(read).collect()),
                        || {
                            read_before.take().map(|mut subs: Vec<Submission>| {
                                crate::validate::checks::run(ctx, &mut subs);
                                subs.into_par_iter()
                                    .with_max_len(1)
                                    .map(&keep)
                                    .collect::<Vec<T>>()
                            })
                        },
                    )
                });
                read_before = now;
                if kept.is_some_and(|k| !hand_on(k)) {
                    break;
                }
            }
        } else {
            for inputs in setup.inputs.chunks(SETTLE) {
                let kept: Vec<T> = pool.install(|| {
                    inputs
                        .par_iter()
                        .with_max_len(1)
                        .map(|i| keep(read(i)))
                        .collect()
                });
                if !hand_on(kept) {
                    break;
                }
            }
        }
        if !pending.is_empty() {
            let _ = tx.send(pending);
        }
        drop(tx);
        settler
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    });
    crate::memory::settled();
    let out = out?;
    pb.finish_and_clear();
    crate::timing::mark("read+validate");
    Ok(out)
}

/// On standard error, unless quiet: the hint that `--period` itself is
/// likely wrong, when the covers agree on another period.
pub fn period_hint(common: &Common, setup: &Setup, diags: &[crate::diag::Diagnostic]) {
    if common.quiet {
        return;
    }
    let run = setup.period.map(|p| p.to_string());
    if let Some(h) = crate::write::diagnostics::period_hint(
        diags,
        setup.inputs.len(),
        run.as_deref(),
        common.lang,
    ) {
        eprintln!("pbstat: {h}");
    }
}

/// The rosters against `--previous` (reports.md §5.3), as check and
/// aggregate both judge them: what this output keeps for the next period,
/// the roster diagnostics put on the extracts, the run's notes, and per
/// community how many members left its roster (for trend.stock_decrease).
pub struct Rosters {
    pub state: Vec<crate::summary::RosterRow>,
    pub fingerprint: String,
    pub notes: Vec<crate::diag::Diagnostic>,
    pub gone: std::collections::BTreeMap<String, usize>,
}

/// What the roster comparison needs before hashing: the earlier state,
/// the key and its fingerprint. The hashing itself (the costly part at a
/// province) runs apart, beside the tables.
pub struct RosterPlan<'p> {
    before: Option<(&'p Path, Option<crate::summary::RunState>)>,
    any: bool,
    key: Option<Vec<u8>>,
    fingerprint: String,
}

pub fn roster_plan<'p>(
    common: &Common,
    extracts: &[crate::facts::Extract],
    accepted: &[bool],
    schemas: &SchemaSet,
    previous: Option<&'p Path>,
) -> Result<RosterPlan<'p>> {
    use crate::audit::roster;
    let before = previous
        .filter(|d| d.exists())
        .map(|d| (d, crate::read::state::load(d)));
    // The key is needed, and made on first use, only when there are
    // rosters to hash or to compare with.
    let any = roster::any_rows(extracts, accepted, schemas)
        || matches!(&before, Some((_, Some(st))) if !st.rows.is_empty());
    let key = match any.then(|| crate::config::roster_key(common.roster_key.as_deref())) {
        None => None,
        Some(Ok(k)) => Some(k),
        // The default key cannot be made (no home folder, a read-only
        // one): the run goes on, keeping no rosters for the next period,
        // and says so. A key file named on purpose must be usable.
        Some(Err(e)) if common.roster_key.is_none() => {
            if !common.quiet {
                eprintln!(
                    "pbstat: {}",
                    tr(
                        format!("提示：{e}；本期不保存名册（下期无法比对名册），可用 --roster-key 指定密钥文件"),
                        format!("note: {e}; no roster is kept for the next period (name a key file with --roster-key)"),
                    )
                );
            }
            None
        }
        Some(Err(e)) => return Err(e),
    };
    let fingerprint = match (&key, &before) {
        (Some(k), _) => roster::fingerprint(k),
        (None, _) if any => String::new(),
        (None, Some((_, Some(st)))) => st.doc.key_fingerprint.clone(),
        _ => String::new(),
    };
    Ok(RosterPlan {
        before,
        any,
        key,
        fingerprint,
    })
}

impl RosterPlan<'_> {
    /// This run's keyed roster rows (none without a key).
    pub fn hash(
        &self,
        extracts: &[crate::facts::Extract],
        accepted: &[bool],
        schemas: &SchemaSet,
        period: &Period,
    ) -> Vec<crate::summary::RosterRow> {
        self.key
            .as_deref()
            .map(|k| crate::audit::roster::current(extracts, accepted, schemas, k, period))
            .unwrap_or_default()
    }

    /// The comparison with the earlier rosters, and what this output keeps.
    pub fn finish(
        self,
        now: Vec<crate::summary::RosterRow>,
        common: &Common,
        extracts: &mut [crate::facts::Extract],
        accepted: &[bool],
        schemas: &SchemaSet,
        registry: Option<&Registry>,
    ) -> Rosters {
        use crate::audit::roster;
        let mut out = Rosters {
            state: Vec::new(),
            fingerprint: self.fingerprint.clone(),
            notes: Vec::new(),
            gone: Default::default(),
        };
        let carried = match self.before {
            Some((_, Some(st))) if st.doc.key_fingerprint == self.fingerprint => {
                let name = |c: &str| {
                    registry
                        .and_then(|r| r.get(c))
                        .map_or(c.to_string(), |e| e.name.clone())
                };
                if self.any {
                    out.gone = roster::compare(
                        extracts,
                        accepted,
                        schemas,
                        &now,
                        &st.rows,
                        &name,
                        common.lang,
                    );
                }
                st.rows
            }
            Some((dir, st)) if self.any => {
                out.notes
                    .push(roster::no_previous_state(dir, st.is_some(), common.lang));
                Vec::new()
            }
            _ => Vec::new(),
        };
        out.state = roster::carry(extracts, accepted, now, carried);
        out
    }
}

pub fn rosters(
    common: &Common,
    extracts: &mut [crate::facts::Extract],
    schemas: &SchemaSet,
    registry: Option<&Registry>,
    period: &Period,
    previous: Option<&Path>,
) -> Result<Rosters> {
    let accepted: Vec<bool> = extracts
        .iter()
        .map(crate::facts::Extract::accepted)
        .collect();
    let plan = roster_plan(common, extracts, &accepted, schemas, previous)?;
    let now = plan.hash(extracts, &accepted, schemas, period);
    Ok(plan.finish(now, common, extracts, &accepted, schemas, registry))
}

/// `aggregate --history DIR...` (reports.md §5.2): the earlier outputs
/// under the DIRs of this run's period length and earlier periods, then
/// this run; another scope, or two outputs of one period, exit 2.
pub fn history_for(
    agg: &crate::aggregate::Aggregation,
    dirs: &[PathBuf],
    out: &Path,
    schemas: &SchemaSet,
    quiet: bool,
) -> Result<Option<crate::summary::History>> {
    use crate::aggregate::history::{build, Source};
    if dirs.is_empty() {
        return Ok(None);
    }
    let mut found: Vec<PathBuf> = Vec::new();
    for d in dirs {
        // Not there yet: the first run of a monthly script, as --previous.
        if !d.exists() {
            if quiet {
                continue;
            }
            eprintln!(
                "pbstat: {}",
                tr(
                    format!("提示：--history {} 不存在（首次运行？），趋势只有本期", d.display()),
                    format!("note: --history {} does not exist (a first run?); the trend has this period only", d.display()),
                )
            );
            continue;
        }
        found.extend(crate::read::outputs::find(d));
    }
    found.sort();
    found.dedup();
    let mut sources = Vec::new();
    for d in &found {
        let Some(p) = crate::read::outputs::period_of(d) else {
            continue;
        };
        if p.kind != agg.period.kind || p >= agg.period {
            continue;
        }
        let (s, sha) = crate::read::outputs::summary_of(d)?;
        if let Some(src) = Source::of_summary(&s, &d.display().to_string(), &sha, schemas) {
            sources.push(src);
        }
    }
    sources.push(Source::of_run(agg, &out.display().to_string(), schemas));
    Ok(Some(build(sources, schemas)?))
}
