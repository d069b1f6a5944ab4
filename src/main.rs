//! The pbstat binary: everything is in the library; this maps it to an exit code.

fn main() {
    std::process::exit(pbstat::run());
}
