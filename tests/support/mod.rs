//! Test support shared with the data-samples generator (examples/make_samples.rs).
#![allow(dead_code)]

pub mod book;
pub mod county;
pub mod practices;

/// A number as a clerk types it into a text cell.
pub fn book_num_text(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}
