//! The floor of `make bench` with the system allocator, as the benchmark
//! defines it: calamine alone opening every workbook and reading every cell.
//!
//!     cargo run --release --example floor -- DIR

#[path = "../tests/support/floor.rs"]
#[allow(dead_code)] // the inflate floor runs in the bench itself
mod floor;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: floor DIR");
    let (files, cells) = floor::run(std::path::Path::new(&dir));
    println!("{files} files, {cells} cells");
}
