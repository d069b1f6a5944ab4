//! `pbstat report DIR`: an aggregate output summarised for an e-mail or a
//! chat message (rendered by write::digest); `report DIR... --history`:
//! several outputs side by side (write::history).

use anyhow::{bail, Result};
use std::path::PathBuf;

use crate::aggregate::history::{build, Source};
use crate::cli::{Common, ReportArgs, ReportFormat};
use crate::cmd::Exit;
use crate::lang::tr;
use crate::read::outputs::{find, summary_of};
use crate::schema::SchemaSet;
use crate::write::digest::{render, Form};
use crate::write::{atomic_write, stdout};

pub fn run(common: &Common, args: &ReportArgs) -> Result<Exit> {
    let schemas = SchemaSet::load(common.schemas.as_deref())?;
    if !args.history {
        if args.dirs.len() > 1 {
            bail!(tr(
                "report 只汇总一个输出文件夹；要多期对比，请加 --history",
                "report reads one output folder; add --history to set several side by side",
            ));
        }
        if args.format == ReportFormat::Csv {
            bail!(tr(
                "--format csv 只用于 --history（多期对比表）",
                "--format csv goes with --history (the history table)",
            ));
        }
    }
    let out = if args.history {
        history(&args.dirs, &schemas, args.format, common)?
    } else {
        let (summary, _) = summary_of(&args.dirs[0])?;
        render(&summary, &schemas, form(args.format), common.lang).map_err(|e| {
            let shown = args.dirs[0].display();
            anyhow::anyhow!(crate::lang::tr(
                format!("{shown}：{e}"),
                format!("{shown}: {e}")
            ))
        })?
    };
    match &args.output {
        Some(p) => atomic_write(p, out.as_bytes())?,
        None => stdout(&out)?,
    }
    Ok(Exit::Clean)
}

fn form(f: ReportFormat) -> Form {
    match f {
        ReportFormat::Text | ReportFormat::Csv => Form::Text,
        ReportFormat::Markdown => Form::Markdown,
        ReportFormat::Json => Form::Json,
        ReportFormat::Html => Form::Html,
    }
}

/// The history over the outputs the DIRs name, in the form asked.
fn history(
    dirs: &[PathBuf],
    schemas: &SchemaSet,
    format: ReportFormat,
    common: &Common,
) -> Result<String> {
    let mut found: Vec<PathBuf> = Vec::new();
    for d in dirs {
        if !d.exists() {
            bail!(tr(
                format!("{} 不存在", d.display()),
                format!("{} does not exist", d.display())
            ));
        }
        let f = find(d);
        if f.is_empty() {
            bail!(tr(
                format!("{} 不是汇总输出文件夹，其中也没有汇总输出", d.display()),
                format!("{} is no aggregate output and holds none", d.display()),
            ));
        }
        found.extend(f);
    }
    found.sort();
    found.dedup();
    let mut sources = Vec::new();
    let mut latest = None;
    for d in &found {
        let (s, sha) = summary_of(d)?;
        let Some(src) = Source::of_summary(&s, &d.display().to_string(), &sha, schemas) else {
            bail!(tr(
                format!(
                    "{}：summary.json 的报告期“{}”无法识别",
                    d.display(),
                    s.head.period
                ),
                format!(
                    "{}: summary.json names no period pbstat knows ({})",
                    d.display(),
                    s.head.period
                ),
            ));
        };
        if latest.as_ref().is_none_or(|(p, _)| src.period > *p) {
            latest = Some((src.period, s));
        }
        sources.push(src);
    }
    let h = build(sources, schemas)?;
    Ok(match format {
        ReportFormat::Text => crate::write::history::text(&h, schemas, common.lang, false),
        ReportFormat::Markdown => crate::write::history::text(&h, schemas, common.lang, true),
        ReportFormat::Json => crate::summary::to_json(&h),
        ReportFormat::Csv => {
            let t = crate::write::history::table(&h)?;
            String::from_utf8(crate::write::tables::csv_bytes(&t)?)?
        }
        ReportFormat::Html => {
            // The latest output's summary with the history's trend charts.
            let (_, mut s) = latest.expect("at least one output");
            s.head.history = Some(h);
            render(&s, schemas, Form::Html, common.lang)?
        }
    })
}
