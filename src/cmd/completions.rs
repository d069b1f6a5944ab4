//! `pbstat completions SHELL`: completion scripts from the same definitions
//! as the command line itself (clap_complete).

use crate::cmd::Exit;
use anyhow::Result;

use crate::cli::CompletionsArgs;
use crate::lang::Lang;

pub fn run(args: &CompletionsArgs, lang: Lang) -> Result<Exit> {
    let mut cmd = crate::cli::command(lang);
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "pbstat", &mut out);
    crate::write::stdout(&String::from_utf8_lossy(&out))?;
    Ok(Exit::Clean)
}
