//! Phase marks for profiling and `make bench`: with `PBSTAT_TIMINGS=1` each
//! phase prints, on standard error, its wall time and the process's peak
//! RSS so far. Silent otherwise, and cheap enough to leave in place.

use std::sync::OnceLock;
use std::time::Instant;

struct State {
    on: bool,
    start: Instant,
    last: std::sync::Mutex<Instant>,
}

fn state() -> &'static State {
    static S: OnceLock<State> = OnceLock::new();
    S.get_or_init(|| State {
        on: std::env::var_os("PBSTAT_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0"),
        start: Instant::now(),
        last: std::sync::Mutex::new(Instant::now()),
    })
}

/// Start the clock (the first call to [`mark`] would otherwise start it).
pub fn start() {
    state();
}

/// The end of a phase: its wall time since the previous mark, the time
/// since the start, and the peak RSS.
pub fn mark(phase: &str) {
    let s = state();
    if !s.on {
        return;
    }
    let now = Instant::now();
    let mut last = s.last.lock().unwrap_or_else(|e| e.into_inner());
    let step = now - *last;
    *last = now;
    eprintln!(
        "pbstat-timing {phase:<14} {:>8.3} s  total {:>8.3} s  peak RSS {:>6} MB",
        step.as_secs_f64(),
        (now - s.start).as_secs_f64(),
        peak_rss_mb()
    );
}

/// The process's peak resident set size so far, in MB.
pub fn peak_rss_mb() -> u64 {
    // SAFETY: getrusage fills a plain struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0;
    }
    ru.ru_maxrss as u64 / 1024
}
