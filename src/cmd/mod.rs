//! One file per subcommand; each parses its options, calls the stages in
//! order and says how the run ended. Rules live in validate/ and audit/,
//! rendering in write/.

pub mod aggregate;
pub mod check;
pub mod common;
pub mod completions;
pub mod report;
pub mod rollup;
pub mod schema;
pub mod template;
pub mod validate;

/// How a command that ran ended (cli.md's exit statuses 0 and 1; a command
/// that could not run returns an error, which is exit status 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done; the data has no errors (warnings allowed unless `--strict`).
    Clean,
    /// Done, and the data has errors (or warnings under `--strict`).
    DataErrors,
}

impl Exit {
    pub fn code(self) -> i32 {
        match self {
            Exit::Clean => 0,
            Exit::DataErrors => 1,
        }
    }

    pub fn when_errors(errors: bool) -> Exit {
        if errors {
            Exit::DataErrors
        } else {
            Exit::Clean
        }
    }
}

/// Exit status 2: the command could not run.
pub const COULD_NOT_RUN: i32 = 2;
