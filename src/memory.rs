//! mimalloc's purge delay by phase of the run. While files are read, a
//! batch's rows are freed a batch later, once its checks have run: given
//! back to the system 5 ms after, their pages were faulted in again by the
//! next batches (aggregate took twice the page faults of the earlier
//! file-by-file reading, and a sixth of its time was in the kernel). Kept
//! 100 ms while reading, they are used again instead. Once the files are
//! read it is 5 ms again: what the tables and the writing free goes back
//! before the writing sets the run's peak (docs/performance.md, "Purging
//! later while reading").

use std::ffi::{c_int, c_long};

// The allocator of the binary (src/main.rs), linked into every build of
// the library so that the setter below resolves.
use mimalloc as _;

/// `mi_option_purge_delay` in the mimalloc (v3) that the crate builds.
const MI_OPTION_PURGE_DELAY: c_int = 15;

/// While files are read (milliseconds).
const READING: c_long = 100;

/// Otherwise: a workbook's buffers are freed as the next one is written.
const SETTLED: c_long = 5;

extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
}

fn purge_delay(ms: c_long) {
    // SAFETY: mimalloc's option setter takes plain integers and may be
    // called at any time, from any thread.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, ms) };
}

/// Files are about to be read in batches.
pub fn reading() {
    purge_delay(READING);
}

/// The files are read (and at the start of every run).
pub fn settled() {
    purge_delay(SETTLED);
}
