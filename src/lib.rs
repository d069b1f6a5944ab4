//! pbstat: urban grassroots party-building statistics (城市基层党建统计).
//!
//! The modules form one pipeline of layers, lowest first (see
//! ARCHITECTURE.md); a module imports only from the layers before it, and
//! tests/it/layers.rs fails on any `crate::` import that points up:
//!
//! lang → panic_guard → timing → text → org → period → diag → summary →
//! schema → read → validate → facts → audit → aggregate → write → cli → config →
//! fuzzing → cmd
//!
//! The binary (src/main.rs) only calls [`run`], which maps a command's
//! outcome to the exit status of cli.md.

/// The layer order, lowest first: each module may use only those before it.
pub const LAYERS: &[&str] = &[
    "lang",
    "panic_guard",
    "timing",
    "memory",
    "text",
    "org",
    "period",
    "diag",
    "summary",
    "schema",
    "read",
    "validate",
    "facts",
    "audit",
    "aggregate",
    "write",
    "cli",
    "config",
    "fuzzing",
    "cmd",
];

pub mod aggregate;
pub mod audit;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod diag;
pub mod facts;
pub mod fuzzing;
pub mod lang;
pub mod memory;
pub mod org;
pub mod panic_guard;
pub mod period;
pub mod read;
pub mod schema;
pub mod summary;
pub mod text;
pub mod timing;
pub mod validate;
pub mod write;

/// Run the command line; returns the exit code (cli.md: 0 done without
/// errors, 1 the data has errors, 2 the command could not run).
pub fn run() -> i32 {
    use clap::FromArgMatches;
    timing::start();
    panic_guard::install();
    panic_guard::on_interrupt();
    let file = match config::load() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("pbstat: {e:#}");
            return cmd::COULD_NOT_RUN;
        }
    };
    let argv: Vec<String> = std::env::args().collect();
    let lang = config::early_lang(&argv, &file);
    lang::set(lang);
    let parsed = cli::command(lang)
        .try_get_matches_from(&argv)
        .and_then(|m| cli::Cli::from_arg_matches(&m));
    let mut args = match parsed {
        Ok(a) => a,
        Err(e) => {
            if !e.use_stderr() {
                // --help and --version: printed as asked.
                let _ = e.print();
                return cmd::Exit::Clean.code();
            }
            if lang == lang::Lang::Zh
                && !matches!(
                    e.kind(),
                    clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                )
            {
                eprint!("{}", cli::error_zh(&e));
            } else {
                let _ = e.print();
            }
            return cmd::COULD_NOT_RUN;
        }
    };
    config::apply(&mut args, &file, lang);
    lang::set(args.common.lang);
    let result = match &args.command {
        cli::Command::Validate(a) => cmd::validate::run(&args.common, a),
        cli::Command::Check(a) => cmd::check::run(&args.common, a),
        cli::Command::Aggregate(a) => cmd::aggregate::run(&args.common, a),
        cli::Command::Report(a) => cmd::report::run(&args.common, a),
        cli::Command::Template(a) => cmd::template::run(&args.common, a),
        cli::Command::Schema(a) => cmd::schema::run(&args.common, a),
        cli::Command::Completions(a) => cmd::completions::run(a, lang),
    };
    timing::mark("done");
    match result {
        Ok(exit) => exit.code(),
        Err(e) => {
            eprintln!("pbstat: {}", describe(&e));
            cmd::COULD_NOT_RUN
        }
    }
}

/// An error of the run for a person: the system's own (English) words for
/// a failed file operation are replaced by the reason in the run's language.
fn describe(e: &anyhow::Error) -> String {
    let parts: Vec<String> = e
        .chain()
        .map(|c| match c.downcast_ref::<std::io::Error>() {
            Some(io) => lang::io_reason(io),
            None => c.to_string(),
        })
        .collect();
    let sep = if lang::current() == lang::Lang::Zh {
        "："
    } else {
        ": "
    };
    parts.join(sep)
}
