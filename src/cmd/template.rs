//! `pbstat template`: blank fill-in workbooks from the schemas, or one
//! pre-filled workbook per expected organisation of the registry.

use crate::cmd::Exit;
use crate::lang::tr;
use anyhow::{anyhow, bail, Result};
use std::path::PathBuf;

use crate::cli::{Common, TemplateArgs, TemplateKindArg};
use crate::cmd::common::parse_period;
use crate::read::Limits;
use crate::schema::SchemaSet;
use crate::validate::{registry, Ctx};
use crate::write::template::{prefill_of, safe_file_name, template_bytes, Prefill, TemplateKind};
use crate::write::{atomic_write, stdout};

fn kind_of(k: TemplateKindArg) -> TemplateKind {
    match k {
        TemplateKindArg::Community => TemplateKind::Community,
        TemplateKindArg::Unit => TemplateKind::Unit,
        TemplateKindArg::Meetings => TemplateKind::Meetings,
        TemplateKindArg::Registry => TemplateKind::Registry,
    }
}

pub fn run(common: &Common, args: &TemplateArgs) -> Result<Exit> {
    let schemas = SchemaSet::load(common.schemas.as_deref())?;
    let lang = common.lang;
    let Some(reg_path) = &args.registry else {
        let kind = args
            .kind
            .ok_or_else(|| {
                anyhow!(tr(
                    "需要 --kind 指定模板种类：community（社区）、unit（驻区单位）、meetings（街道会议）或 registry（名录）",
                    "--kind is required (community, unit, meetings or registry)",
                ))
            })?;
        let out = args
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from(kind_of(kind).default_file_name()));
        let mut prefill = Prefill::new();
        if let Some(p) = parse_period(&args.period)? {
            prefill.push(("period".into(), p.to_string()));
        }
        refuse_existing(std::slice::from_ref(&out))?;
        atomic_write(&out, &template_bytes(&schemas, kind_of(kind), &prefill)?)?;
        let text = lang.t(
            format!(
                "已生成模板：{}
",
                out.display()
            ),
            format!(
                "wrote {}
",
                out.display()
            ),
        );
        return done(common, args, &[out.display().to_string()], &text);
    };
    let period = parse_period(&args.period)?.ok_or_else(|| {
        anyhow!(tr(
            "与 --registry 同用时需要 --period 指定报告期（写进封面），如 --period 2026Q3",
            "--registry needs --period to pre-fill the covers (e.g. --period 2026Q3)",
        ))
    })?;
    let dir = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("templates-{period}")));
    if dir.is_file() {
        bail!(tr(
            format!(
                "-o {}：已有同名文件；与 --registry 同用时 -o 指定的是文件夹",
                dir.display()
            ),
            format!(
                "-o {}: a file of that name exists; with --registry, -o names a folder",
                dir.display()
            ),
        ));
    }
    let ctx = Ctx {
        schemas: &schemas,
        registry: None,
        period: Some(period),
        lang,
        limits: Limits::default(),
        form: None,
        hash: false,
        audits: false,
    };
    let reg = registry::load(reg_path, &ctx)?;
    let want = args.kind.map(kind_of);
    let mut written = Vec::new();
    let chosen: Vec<_> = reg
        .entries
        .iter()
        .filter(|e| e.expected)
        .filter(|e| want.is_none_or(|w| w == TemplateKind::of_level(e.level)))
        .collect();
    refuse_existing(
        &chosen
            .iter()
            .map(|e| dir.join(safe_file_name(&e.code, &e.name)))
            .collect::<Vec<_>>(),
    )?;
    for e in chosen {
        let kind = TemplateKind::of_level(e.level);
        let prefill = prefill_of(e, &period);
        let path = dir.join(safe_file_name(&e.code, &e.name));
        atomic_write(&path, &template_bytes(&schemas, kind, &prefill)?)?;
        written.push(path.display().to_string());
    }
    let n = written.len();
    let text = lang.t(
        format!(
            "已生成 {n} 份预填模板：{}
",
            dir.display()
        ),
        format!(
            "wrote {n} pre-filled workbooks into {}
",
            dir.display()
        ),
    );
    done(common, args, &written, &text)
}

/// A template never replaces a file: it may be a workbook already filled in.
fn refuse_existing(paths: &[PathBuf]) -> Result<()> {
    let there: Vec<String> = paths
        .iter()
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if let Some(first) = there.first() {
        let more = there.len() - 1;
        bail!(tr(
            format!(
                "{first}{} 已存在，未覆盖（可能已经填写过）；请换个输出位置，或先移走这些文件",
                if more > 0 { format!(" 等 {} 个文件", more + 1) } else { String::new() }
            ),
            format!(
                "{first}{} already exists and was not overwritten (it may be filled in); choose another place or move those files first",
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ),
        ));
    }
    Ok(())
}

fn done(common: &Common, args: &TemplateArgs, written: &[String], text: &str) -> Result<Exit> {
    if args.format == crate::cli::DoneFormat::Json {
        stdout(&crate::summary::to_json(&crate::summary::TemplateDoc {
            written,
        }))?;
    } else if !common.quiet {
        stdout(text)?;
    }
    Ok(Exit::Clean)
}
