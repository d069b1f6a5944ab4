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
    /// The roster key file (reports.md §5.3).
    pub roster_key: Option<PathBuf>,
}

/// `pbstat.toml` of the working folder, if there is one. A file that cannot
/// be read is an error of the run, not something to skip silently.
pub fn load() -> Result<FileConfig> {
    let p = Path::new(FILE);
    if !p.exists() {
        return Ok(FileConfig::default());
    }
    let text = crate::text::read_file(p)?;
    crate::schema::parse_toml(&text, FILE, ("配置文件", "config file"))
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
    if cli.common.roster_key.is_none() {
        cli.common.roster_key = file.roster_key.clone();
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

/// The roster key (reports.md §5.3): 32 random bytes in a file outside
/// every output, so that the roster hashes an output keeps cannot be tested
/// against candidate ID numbers by whoever holds the output alone. The file
/// `--roster-key` (or `PBSTAT_ROSTER_KEY`, or `roster_key` in pbstat.toml)
/// names must exist; the default `~/.config/pbstat/roster.key` is made on
/// first use, readable by its owner only.
pub fn roster_key(given: Option<&Path>) -> Result<Vec<u8>> {
    use crate::lang::tr;
    use std::io::{Read, Write};
    if let Some(p) = given {
        let key = std::fs::read(p).map_err(|e| crate::lang::io_error(p, &e))?;
        if key.len() < 16 {
            anyhow::bail!(tr(
                format!("名册密钥文件 {} 太短（至少 16 字节）", p.display()),
                format!(
                    "the roster key file {} is too short (16 bytes at least)",
                    p.display()
                ),
            ));
        }
        return Ok(key);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).ok_or_else(|| {
        anyhow::anyhow!(tr(
            "找不到主目录（HOME）来存放名册密钥；请用 --roster-key 指定密钥文件",
            "no home folder (HOME) to keep the roster key in; name a key file with --roster-key",
        ))
    })?;
    let p = home.join(".config/pbstat/roster.key");
    if p.exists() {
        return roster_key(Some(&p));
    }
    let dir = p.parent().expect("a folder");
    std::fs::create_dir_all(dir).map_err(|e| crate::lang::io_error(dir, &e))?;
    let mut key = vec![0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut key))
        .map_err(|e| crate::lang::io_error(Path::new("/dev/urandom"), &e))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(&p) {
        Ok(mut f) => {
            f.write_all(&key)
                .map_err(|e| crate::lang::io_error(&p, &e))?;
            Ok(key)
        }
        // Another run made it meanwhile: use that one.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => roster_key(Some(&p)),
        Err(e) => Err(crate::lang::io_error(&p, &e)),
    }
}
