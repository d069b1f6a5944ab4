//! pbstat: urban grassroots party-building statistics (城市基层党建统计).
//!
//! Exit codes (cli.md): 0 done without errors, 1 the data has errors,
//! 2 the command could not run.

use clap::Parser;

mod aggregate;
mod audit;
mod cli;
mod cmd;
mod diag;
mod lang;
mod panic_guard;
mod period;
mod read;
mod schema;
mod validate;
mod write;

fn main() {
    panic_guard::install();
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
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
    let code = match result {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pbstat: {e:#}");
            2
        }
    };
    std::process::exit(code);
}
