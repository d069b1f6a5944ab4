//! `pbstat aggregate OUTDIR... --period P`: a period roll-up (跨期汇总,
//! reports.md §5.1) of earlier aggregate outputs. The checks of the inputs
//! live in audit::periods, the combining in aggregate::periods; this only
//! orchestrates.

use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

use crate::aggregate::periods::{basis, SubPeriod};
use crate::audit::periods::{check, gap_names, Input};
use crate::cli::{AggregateArgs, Common};
use crate::cmd::Exit;
use crate::diag::{Counts, Diagnostic, Severity};
use crate::lang::tr;
use crate::period::{Period, PeriodKind};
use crate::read::outputs::{is_output, load, Output};
use crate::schema::SchemaSet;
use crate::summary::{
    to_json, AggregateDoc, GeneratedBy, InputFile, Rollup, RollupFrom, RunState, StateDoc,
    SummaryHead,
};
use crate::write::{atomic_dir, output, stdout};

/// Whether the inputs ask for a roll-up: an aggregate output among them
/// whose period is not `period` (outputs of `period` itself are county
/// summaries, forms.md §4.6).
pub fn wanted(paths: &[PathBuf], period: Option<Period>) -> bool {
    paths.iter().any(|p| {
        is_output(p) && crate::read::outputs::period_of(p).is_none_or(|q| Some(q) != period)
    })
}

/// How the 报告期 line says a roll-up was built.
fn built_note(subs: &[&Output], gaps: &[Period]) -> String {
    if !gaps.is_empty() {
        let names: Vec<String> = gap_names(gaps).iter().map(Period::display_zh).collect();
        return format!("缺{}", names.join("、"));
    }
    let periods: Vec<Period> = subs.iter().filter_map(|o| o.period).collect();
    let kinds: Vec<PeriodKind> = periods.iter().map(|p| p.kind).collect();
    let (first, last) = (periods.first(), periods.last());
    match (first, last) {
        (Some(f), Some(l)) if kinds.iter().all(|k| *k == PeriodKind::Month) => {
            format!("由{}—{}月月报汇总", f.n, l.n)
        }
        (Some(f), Some(l)) if kinds.iter().all(|k| *k == PeriodKind::Quarter) => {
            const Q: [&str; 4] = ["一", "二", "三", "四"];
            format!(
                "由第{}—{}季度季报汇总",
                Q[f.n as usize - 1],
                Q[l.n as usize - 1]
            )
        }
        _ => "由季报、月报汇总".into(),
    }
}

pub fn run(common: &Common, args: &AggregateArgs, out: &Path) -> Result<Exit> {
    let lang = common.lang;
    let Some(period) = crate::cmd::common::parse_period(&args.input.period)? else {
        bail!(tr(
            "跨期汇总需要 --period 指定汇总后的报告期（如 --period 2026Q3）",
            "a period roll-up needs --period, the period to build (e.g. --period 2026Q3)",
        ));
    };
    let schemas = SchemaSet::load(common.schemas.as_deref())?;
    let mut outputs: Vec<Output> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    for p in &args.input.paths {
        if !p.exists() {
            bail!(tr(
                format!("{} 不存在", p.display()),
                format!("{} does not exist", p.display()),
            ));
        }
        if is_output(p) {
            outputs.push(load(p)?);
            // Only the latest period's roster goes on into state/ (the last
            // after the sort below): the others' are dropped as soon as read.
            let latest = outputs
                .iter()
                .enumerate()
                .max_by_key(|(_, o)| o.period.map(|p| p.start()))
                .map(|(i, _)| i);
            for (i, o) in outputs.iter_mut().enumerate() {
                if Some(i) != latest {
                    o.rosters = Vec::new();
                }
            }
        } else {
            others.push(p.display().to_string());
        }
    }
    let inputs: Vec<Input> = outputs
        .iter()
        .map(|o| Input {
            shown: &o.shown,
            period: o.period,
            scope: (&o.summary.head.scope.code, &o.summary.head.scope.name),
            detail: o.own.is_some() && o.summary.head.built_from != "summaries",
        })
        .collect();
    let (mut own, gaps) = check(&inputs, &others, &period, args.allow_gaps, lang);
    drop(inputs);
    let files = outputs.len() + others.len();
    if own.iter().any(|d| d.severity == Severity::Error) {
        atomic_dir(out, |dir| output::refused(dir, &own, files))?;
        crate::cmd::validate::emit(common, crate::cli::OutFormat::Text, &own, files)?;
        eprintln!(
            "pbstat: {} ({})",
            lang.t(
                "跨期汇总的输入有错误，未生成报表",
                "the roll-up's inputs have errors, no report was written"
            ),
            out.join("diagnostics.json").display()
        );
        return Ok(Exit::DataErrors);
    }
    outputs.sort_by_key(|o| o.period.map(|p| p.start()));
    let subs: Vec<SubPeriod> = outputs
        .iter()
        .map(|o| SubPeriod {
            period: o.period.expect("checked"),
            shown: &o.shown,
            summary: &o.summary,
            own: o.own.as_deref().unwrap_or(&[]),
        })
        .collect();
    let rollup = Rollup {
        from: outputs
            .iter()
            .map(|o| RollupFrom {
                period: o.period.map(|p| p.to_string()).unwrap_or_default(),
                path: o.shown.clone(),
                summary_sha256: o.summary_sha256.clone(),
            })
            .collect(),
        gaps: gap_names(&gaps).iter().map(Period::to_string).collect(),
    };
    let (b, warnings) = basis(&subs, &schemas, &period, rollup, lang)?;
    drop(subs);
    own.extend(warnings);
    let mut agg = crate::aggregate::tables(b, &schemas, period)?;
    for t in &mut agg.tables {
        for c in &mut t.def.cols {
            if let Some(h) = c.header_periods.take() {
                c.header = h;
            }
        }
    }
    let present: Vec<&Output> = outputs.iter().collect();
    agg.period_note = Some(built_note(&present, &gaps));
    agg.notes = notes(&schemas, &gaps, &period, lang);

    // Against the period before: stocks and trends at each organisation;
    // rosters are left to the months (reports.md §5.3).
    let previous = crate::cmd::common::previous_for(common, &period, args.previous.as_deref())?;
    let state = RunState {
        doc: StateDoc {
            format: 1,
            scope: agg.scope.code.clone(),
            period: period.to_string(),
            built_from: agg.built_from().to_string(),
            key_fingerprint: outputs
                .last()
                .and_then(|o| o.state.as_ref())
                .map(|s| s.key_fingerprint.clone())
                .unwrap_or_default(),
        },
        rows: outputs
            .last()
            .map(|o| o.rosters.clone())
            .unwrap_or_default(),
        own: true,
    };
    if let Some(p) = &previous {
        let flows = p.same_length(&period);
        crate::aggregate::compare::add_previous(&mut agg.tables, p, &schemas, flows)?;
        let subjects: Vec<crate::audit::trends::Subject> = agg
            .levels
            .iter()
            .filter(|(code, _)| agg.own.judged.contains_key(*code))
            .map(|(org, level)| crate::audit::trends::Subject {
                org,
                level: Some(*level),
                file: "",
                sheets: None,
            })
            .collect();
        let found = crate::audit::trends::judge(
            &subjects,
            &schemas,
            &agg.figures(&schemas),
            p,
            &period,
            &Default::default(),
            lang,
        )?;
        own.extend(found.into_iter().map(|(_, d)| d));
    }
    agg.history =
        crate::cmd::common::history_for(&agg, &args.history, out, &schemas, common.quiet)?;
    crate::validate::sort_diagnostics(&mut own);
    // The sub-periods' diagnostics, each with its period, then the roll-up's.
    let mut all: Vec<Diagnostic> = Vec::new();
    for o in &outputs {
        let p = o.period.map(|p| p.to_string());
        all.extend(o.diagnostics.iter().cloned().map(|mut d| {
            d.period = d.period.or(p.clone());
            d
        }));
    }
    all.extend(own.iter().cloned());

    let head = SummaryHead {
        period: period.to_string(),
        period_name: period.display_zh(),
        scope: agg.scope_doc(),
        generated_by: GeneratedBy {
            name: "pbstat".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        registry: None,
        inputs: outputs
            .iter()
            .map(|o| InputFile {
                file: o.dir.join("summary.json").display().to_string(),
                sha256: o.summary_sha256.clone(),
                org_code: Some(o.summary.head.scope.code.clone()),
                status: "accepted".into(),
            })
            .collect(),
        excluded: agg.excluded.clone(),
        missing: Vec::new(),
        below_target: agg.below_target.clone(),
        meeting_required: agg.meeting_required.clone(),
        registration_minimum: agg.registration_minimum,
        rules: Vec::new(),
        built_from: agg.built_from().to_string(),
        rollup: agg.sub_periods.clone(),
        history: agg.history.clone(),
    };
    let pool = crate::cmd::common::thread_pool(common)?;
    atomic_dir(out, |dir| {
        pool.install(|| output::aggregated(dir, &agg, &schemas, &head, &all, files, state))
    })?;
    if let Some(dir) = &args.archive {
        crate::write::archive::write(dir, &agg, agg.built_from())?;
    }
    if args.format == crate::cli::DoneFormat::Json {
        let c = Counts::of(&own);
        stdout(&to_json(&AggregateDoc {
            output: out.display().to_string(),
            report: out.join("report.xlsx").display().to_string(),
            period: period.to_string(),
            scope: agg.scope_doc(),
            files,
            accepted: files,
            excluded: &agg.excluded,
            errors: c.errors,
            warnings: c.warnings,
            notes: c.notes,
            missing: &[],
            exit_code: 0,
        }))?;
    } else if !common.quiet {
        stdout(&output::rollup_done_text(&agg, &own, out, lang))?;
    }
    Ok(Exit::Clean)
}

/// What 说明 says of a roll-up: how each kind of column was combined, and
/// with a gap, which figures it touches.
fn notes(
    schemas: &SchemaSet,
    gaps: &[Period],
    period: &Period,
    lang: crate::lang::Lang,
) -> Vec<String> {
    use crate::schema::measures::Behaviour;
    let _ = lang;
    let mut out = vec![
        "本报表由各期汇总结果跨期汇总而成：流量（当期发生数）各期相加，存量（期末数）取最后一期，达标类计数按本期考核要求重新评定，比率由汇总后的分子、分母重新计算。".to_string(),
        "报送情况表（T0）的应报、实报、纳入汇总各数为报送次数（每期每单位计一次），报送率为纳入汇总次数占应报次数的比例。".to_string(),
    ];
    if !gaps.is_empty() {
        let names: Vec<String> = gap_names(gaps).iter().map(Period::display_zh).collect();
        let flows: Vec<&str> = schemas
            .tables
            .defs()
            .iter()
            .flat_map(|t| &t.cols)
            .filter(|c| {
                c.measure
                    .as_deref()
                    .and_then(|m| schemas.measures.measure(m))
                    .is_some_and(|m| m.period == Behaviour::Flow)
            })
            .map(|c| c.header.as_str())
            .collect();
        let mut flows_uniq: Vec<&str> = Vec::new();
        for f in flows {
            if !flows_uniq.contains(&f) {
                flows_uniq.push(f);
            }
        }
        let last_missing = gaps.last().is_some_and(|g| g.end() == period.end());
        out.push(format!(
            "缺{}：各流量（{}）不含所缺期间{}。",
            names.join("、"),
            flows_uniq.join("、"),
            if last_missing {
                "；所缺为最后一个月，各存量取现有最后一期的期末数，并非本期期末数"
            } else {
                ""
            }
        ));
    }
    out
}
