//! The one integration-test binary: every test runs the real `pbstat`.

#[path = "../support/mod.rs"]
mod support;

mod workdir;

mod aggregate;
mod archive;
mod check;
mod cli;
mod codes;
mod corpus;
mod dayone;
mod docs;
mod fuzz_smoke;
mod golden;
mod hardening;
mod history;
mod howto;
mod layers;
mod looks;
mod practices;
mod reading;
mod recipe;
mod rollup;
mod rosters;
mod schema;
