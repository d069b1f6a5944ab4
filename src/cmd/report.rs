//! `pbstat report DIR`: an aggregate output summarised for an e-mail or a
//! chat message (rendered by write::digest).

use anyhow::{anyhow, Result};

use crate::cli::{Common, ReportArgs, ReportFormat};
use crate::cmd::Exit;
use crate::lang::{io_reason, tr};
use crate::summary::Summary;
use crate::write::digest::{render, Form};
use crate::write::{atomic_write, stdout};

pub fn run(common: &Common, args: &ReportArgs) -> Result<Exit> {
    let shown = args.dir.display();
    let text = std::fs::read_to_string(args.dir.join("summary.json")).map_err(|e| {
        anyhow!(tr(
            format!("{shown}：读不到 summary.json（{}）；report 需要 pbstat aggregate 的输出文件夹", io_reason(&e)),
            format!("{shown}: cannot read its summary.json ({}); report needs a folder pbstat aggregate wrote", io_reason(&e)),
        ))
    })?;
    let summary = Summary::parse(&text).map_err(|e| {
        let why = e.describe();
        anyhow!(tr(format!("{shown}：{why}"), format!("{shown}: {why}")))
    })?;
    let form = match args.format {
        ReportFormat::Text => Form::Text,
        ReportFormat::Markdown => Form::Markdown,
        ReportFormat::Json => Form::Json,
        ReportFormat::Html => Form::Html,
    };
    let schemas = crate::schema::SchemaSet::load(common.schemas.as_deref())?;
    let out = render(&summary, &schemas, form, common.lang)?;
    match &args.output {
        Some(p) => atomic_write(p, out.as_bytes())?,
        None => stdout(&out)?,
    }
    Ok(Exit::Clean)
}
