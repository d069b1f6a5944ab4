//! The pbstat binary: everything is in the library; this maps it to an exit code.

// mimalloc: reading allocates a string for every text cell on every worker
// thread; with mimalloc a run takes a fifth less CPU time and, its purge
// delay tuned (src/memory.rs), less peak memory than with the system
// allocator (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Freed memory goes back to the system after 5 ms, not mimalloc's 10,
    // except while files are read (src/memory.rs). (The arena's lazy
    // commit is set when mimalloc is compiled: .cargo/config.toml.)
    pbstat::memory::settled();
    std::process::exit(pbstat::run());
}
