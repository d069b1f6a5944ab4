//! The pbstat binary: everything is in the library; this maps it to an exit code.

use std::ffi::{c_int, c_long};

// mimalloc: reading allocates a string for every text cell on every worker
// thread; with mimalloc a run takes a fifth less CPU time and, tuned as
// below, less peak memory than with the system allocator
// (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the mimalloc (v3) that the crate builds.
const MI_OPTION_PURGE_DELAY: c_int = 15;

extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
}

fn main() {
    // Return freed memory to the system after 5 ms instead of 10: a
    // workbook's buffers are freed as the next one is read. (The arena's
    // lazy commit is set when mimalloc is compiled: .cargo/config.toml.)
    // SAFETY: mimalloc's option setter takes plain integers and may be
    // called at any time.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 5) };
    std::process::exit(pbstat::run());
}
