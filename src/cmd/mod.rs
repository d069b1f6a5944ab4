//! One file per subcommand; each parses its options and calls the core.

pub mod aggregate;
pub mod check;
pub mod common;
pub mod completions;
pub mod report;
pub mod schema;
pub mod template;
pub mod validate;
