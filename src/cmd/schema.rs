//! `pbstat schema list | show NAME | export DIR`.

use anyhow::{bail, Result};

use crate::lang::tr;
use std::path::Path;

use crate::cli::{Common, OutFormat, SchemaAction, SchemaArgs};
use crate::cmd::Exit;
use crate::schema::SchemaSet;
use crate::summary::to_json;
use crate::write::reference::{schema_list_doc, schema_list_text};
use crate::write::{atomic_write, stdout};

pub fn run(common: &Common, args: &SchemaArgs) -> Result<Exit> {
    let set = SchemaSet::load(common.schemas.as_deref())?;
    match &args.action {
        SchemaAction::List {
            format: OutFormat::Json,
        } => stdout(&to_json(&schema_list_doc(&set)))?,
        SchemaAction::List { .. } => stdout(&schema_list_text(&set, common.lang))?,
        SchemaAction::Show { name } => stdout(&set.text_of(name)?)?,
        SchemaAction::Export { dir, force } => export(&set, dir, *force)?,
    }
    Ok(Exit::Clean)
}

/// The set's files into `dir`. A file already there with other content
/// (a county's edits, exported over by running the how-to's first step
/// again) is not overwritten without `--force`: then nothing is written.
fn export(set: &SchemaSet, dir: &Path, force: bool) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| crate::lang::io_error(dir, &e))?;
    let mut names: Vec<String> = set.schemas.iter().map(|s| s.name.clone()).collect();
    names.push("requirements".into());
    names.push("measures".into());
    names.push("tables".into());
    names.push("audits".into());
    let files = names
        .iter()
        .map(|n| Ok((format!("{n}.toml"), set.text_of(n)?)))
        .collect::<Result<Vec<(String, String)>>>()?;
    if !force {
        let edited: Vec<&str> = files
            .iter()
            .filter(|(f, text)| std::fs::read(dir.join(f)).is_ok_and(|had| had != text.as_bytes()))
            .map(|(f, _)| f.as_str())
            .collect();
        if !edited.is_empty() {
            bail!(tr(
                format!(
                    "{} 中已有内容不同的表样文件：{}。为免覆盖本地的修改，没有写入任何文件；请换一个文件夹，或确认要覆盖时加 --force",
                    dir.display(),
                    edited.join("、")
                ),
                format!(
                    "{} already holds schema files with other content: {}. Nothing was written, so as not to overwrite local edits; choose another folder, or add --force to overwrite them",
                    dir.display(),
                    edited.join(", ")
                ),
            ));
        }
    }
    for (f, text) in files {
        atomic_write(&dir.join(f), text.as_bytes())?;
    }
    Ok(())
}
