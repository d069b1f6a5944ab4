//! pbstat: urban grassroots party-building statistics (城市基层党建统计).
//!
//! The pipeline, one module each: read → schema → validate → audit →
//! aggregate → write; `cmd` holds the subcommands, thin on top. The binary
//! (src/main.rs) only maps results to exit codes.

pub mod aggregate;
pub mod audit;
pub mod cli;
pub mod cmd;
pub mod diag;
pub mod fuzzing;
pub mod lang;
pub mod panic_guard;
pub mod period;
pub mod read;
pub mod schema;
pub mod validate;
pub mod write;

/// Run the command line; returns the exit code (cli.md: 0 done without
/// errors, 1 the data has errors, 2 the command could not run).
pub fn run() -> i32 {
    use clap::Parser;
    panic_guard::install();
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match &args.command {
        cli::Command::Validate(a) => cmd::validate::run(&args.common, a),
        cli::Command::Check(a) => cmd::check::run(&args.common, a),
        cli::Command::Aggregate(a) => cmd::aggregate::run(&args.common, a),
        cli::Command::Report(a) => cmd::report::run(&args.common, a),
        cli::Command::Template(a) => cmd::template::run(&args.common, a),
        cli::Command::Schema(a) => cmd::schema::run(&args.common, a),
    };
    match result {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pbstat: {e:#}");
            2
        }
    }
}
