//! Settings for scripted runs, so that a monthly cron line stays short.
//!
//! Precedence, highest first: a command-line flag, a `PBSTAT_` environment
//! variable (`PBSTAT_REGISTRY`, `PBSTAT_SCHEMAS`, `PBSTAT_OUTPUT`,
//! `PBSTAT_LANG`), a `pbstat.toml` in the working folder, the default. The
//! language falls back last to `LANG`: English when it names a language
//! that is not Chinese.

use anyhow::Result;
use serde::Deserialize;
use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command};
use crate::lang::Lang;

pub const FILE: &str = "pbstat.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The registry of organisations.
    pub registry: Option<PathBuf>,
    /// A folder of schemas replacing the embedded ones.
    pub schemas: Option<PathBuf>,
    /// aggregate's output folder.
    pub output: Option<PathBuf>,
    /// zh or en.
    pub lang: Option<String>,
}

/// `pbstat.toml` of the working folder, if there is one. A file that cannot
/// be read is an error of the run, not something to skip silently.
pub fn load() -> Result<FileConfig> {
    let p = Path::new(FILE);
    if !p.exists() {
        return Ok(FileConfig::default());
    }
    let text = std::fs::read_to_string(p).map_err(|e| crate::lang::io_error(p, &e))?;
    toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(crate::lang::tr(
            format!("配置文件 {FILE} 有误：{}", e.message()),
            format!("invalid {FILE}: {}", e.message()),
        ))
    })
}

fn lang_named(s: &str) -> Option<Lang> {
    match s.trim().to_ascii_lowercase().as_str() {
        "zh" | "cn" | "chinese" | "中文" => Some(Lang::Zh),
        "en" | "english" => Some(Lang::En),
        _ => None,
    }
}

/// The language before the command line is parsed (help must be rendered
/// in it): `--lang`, then `PBSTAT_LANG`, `pbstat.toml`, `LANG`.
pub fn early_lang(args: &[String], file: &FileConfig) -> Lang {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if let Some(v) = a.strip_prefix("--lang=") {
            if let Some(l) = lang_named(v) {
                return l;
            }
        } else if a == "--lang" {
            if let Some(l) = it.next().and_then(|v| lang_named(v)) {
                return l;
            }
        }
    }
    if let Some(l) = std::env::var("PBSTAT_LANG")
        .ok()
        .and_then(|v| lang_named(&v))
    {
        return l;
    }
    if let Some(l) = file.lang.as_deref().and_then(lang_named) {
        return l;
    }
    match std::env::var("LANG") {
        Ok(v)
            if !v.is_empty()
                && v != "C"
                && v != "POSIX"
                && !v.starts_with("C.")
                && !v.starts_with("zh") =>
        {
            Lang::En
        }
        _ => Lang::Zh,
    }
}

/// Fill what neither a flag nor the environment gave from the file.
pub fn apply(cli: &mut Cli, file: &FileConfig, lang: Lang) {
    cli.common.lang = cli.common.lang_flag.unwrap_or(lang);
    if cli.common.schemas.is_none() {
        cli.common.schemas = file.schemas.clone();
    }
    let registry = match &mut cli.command {
        Command::Validate(a) => Some(&mut a.input.registry),
        Command::Check(a) => Some(&mut a.input.registry),
        Command::Aggregate(a) => {
            if a.output.is_none() {
                a.output = file.output.clone();
            }
            Some(&mut a.input.registry)
        }
        _ => None,
    };
    if let Some(r) = registry {
        if r.is_none() {
            *r = file.registry.clone();
        }
    }
}
