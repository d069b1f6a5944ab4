//! `pbstat schema list | show NAME | export DIR`.

use anyhow::Result;
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
        SchemaAction::Export { dir } => export(&set, dir)?,
    }
    Ok(Exit::Clean)
}

fn export(set: &SchemaSet, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| crate::lang::io_error(dir, &e))?;
    let mut names: Vec<String> = set.schemas.iter().map(|s| s.name.clone()).collect();
    names.push("requirements".into());
    names.push("measures".into());
    names.push("tables".into());
    names.push("audits".into());
    for n in names {
        atomic_write(&dir.join(format!("{n}.toml")), set.text_of(&n)?.as_bytes())?;
    }
    Ok(())
}
