//! One file per subcommand; each parses its options and calls the core.

pub mod common;
pub mod schema;
pub mod validate;
