//! `pbstat schema list | show NAME | export DIR`.

use crate::cmd::Exit;
use crate::lang::tr;
use crate::summary::{to_json, SchemaEntry, SchemaListDoc};
use anyhow::{bail, Result};
use std::path::Path;

use crate::cli::{Common, SchemaAction, SchemaArgs};
use crate::schema::{SchemaSet, EMBEDDED};
use crate::write::{atomic_write, stdout};

pub fn run(common: &Common, args: &SchemaArgs) -> Result<Exit> {
    let set = SchemaSet::load(common.schemas.as_deref())?;
    match &args.action {
        SchemaAction::List {
            format: crate::cli::OutFormat::Json,
        } => {
            let list: Vec<SchemaEntry> = set
                .schemas
                .iter()
                .map(|s| SchemaEntry {
                    name: s.name.clone(),
                    title: s.title.clone(),
                    kind: format!("{:?}", s.kind).to_lowercase(),
                    required_for: s
                        .required_for
                        .iter()
                        .map(|l| l.as_str().to_string())
                        .collect(),
                    level: s.level.map(|l| l.as_str().to_string()),
                    fields: s.fields.len(),
                })
                .collect();
            stdout(&to_json(&SchemaListDoc {
                schemas: list,
                source: set.source.clone(),
            }))?;
        }
        SchemaAction::List { .. } => {
            let lang = common.lang;
            // Padded by display width: a CJK character takes two columns.
            let pad = |t: &str, w: usize| {
                let n = crate::write::styles::text_width(t) as usize;
                format!("{t}{}", " ".repeat(w.saturating_sub(n)))
            };
            let mut s = String::new();
            for sc in &set.schemas {
                let kind = format!("{:?}", sc.kind).to_lowercase();
                let req: Vec<&str> = sc.required_for.iter().map(|l| l.as_str()).collect();
                let lv = sc.level.map(|l| l.as_str()).unwrap_or("");
                let what = if req.is_empty() {
                    lv.to_string()
                } else {
                    lang.t(
                        format!("{} 必填", req.join("、")),
                        format!("required for {}", req.join(", ")),
                    )
                };
                s.push_str(&format!(
                    "{} {} {} {} {}\n",
                    pad(&sc.name, 16),
                    pad(&kind, 12),
                    pad(&sc.title, 14),
                    what,
                    lang.t(
                        format!("（{} 个字段）", sc.fields.len()),
                        format!("({} fields)", sc.fields.len())
                    )
                ));
            }
            s.push_str(&format!(
                "{} {} 考核要求\n",
                pad("requirements", 16),
                pad("requirements", 12)
            ));
            stdout(&s)?;
        }
        SchemaAction::Show { name } => stdout(&text_of(&set, name)?)?,
        SchemaAction::Export { dir } => export(&set, dir)?,
    }
    Ok(Exit::Clean)
}

/// A schema as TOML: the embedded file itself (with its comments) when the
/// defaults are in use, else the loaded schema re-serialised.
fn text_of(set: &SchemaSet, name: &str) -> Result<String> {
    if set.source == "embedded" {
        if let Some((_, t)) = EMBEDDED.iter().find(|(n, _)| *n == name) {
            return Ok(t.to_string());
        }
    }
    if name == "requirements" {
        return Ok(toml::to_string_pretty(&set.requirements)?);
    }
    match set.schemas.iter().find(|s| s.name == name) {
        Some(s) => Ok(toml::to_string_pretty(s)?),
        None => {
            let names: Vec<&str> = set.schemas.iter().map(|s| s.name.as_str()).collect();
            bail!(tr(
                format!(
                    "没有名为 {name} 的表样；可用的有：{}、requirements",
                    names.join("、")
                ),
                format!(
                    "no schema named {name}; the schemas are: {}, requirements",
                    names.join(", ")
                ),
            ))
        }
    }
}

fn export(set: &SchemaSet, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| crate::lang::io_error(dir, &e))?;
    let mut names: Vec<String> = set.schemas.iter().map(|s| s.name.clone()).collect();
    names.push("requirements".into());
    for n in names {
        atomic_write(&dir.join(format!("{n}.toml")), text_of(set, &n)?.as_bytes())?;
    }
    Ok(())
}
