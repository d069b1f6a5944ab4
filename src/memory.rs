//! mimalloc's purge delay by phase of the run. While files are read, a
//! batch's rows are freed a batch later, once its checks have run: given
//! back to the system 5 ms after, their pages were faulted in again by the
//! next batches (aggregate took twice the page faults of the earlier
//! file-by-file reading, and a sixth of its time was in the kernel). While
//! reading nothing is given back: memory then holds a few batches' rows and
//! chunks' extracts, bounded by the batching whatever the number of files,
//! and what is freed is used again by the next batch (a 100 ms delay still
//! gave back and faulted in a tenth of the run's time). Once the files are
//! read it is 5 ms again: what the tables and the writing free goes back
//! before the writing sets the run's peak (docs/performance.md, "Purging
//! later while reading" and "Nothing given back while reading").

use std::ffi::{c_int, c_long};

// The allocator of the binary (src/main.rs), linked into every build of
// the library so that the setter below resolves.
use mimalloc as _;

/// `mi_option_purge_delay` in the mimalloc (v3) that the crate builds.
const MI_OPTION_PURGE_DELAY: c_int = 15;

/// While files are read: never (mimalloc's -1).
const READING: c_long = -1;

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
