//! The pbstat binary: everything is in the library; this maps it to an exit code.

// mimalloc: reading allocates a string per cell on many threads; glibc's
// per-thread arenas kept freed workbook buffers and made peak memory vary
// between runs of the same input (docs/performance.md).
//#[global_allocator]
//static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(pbstat::run());
}
