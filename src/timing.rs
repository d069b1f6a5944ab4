//! Phase marks for profiling and `make bench`: with `PBSTAT_TIMINGS=1` each
//! phase prints, on standard error, its wall time, the CPU time the process
//! spent in it (twice the wall time when both cores worked) and the peak RSS
//! so far. Silent otherwise, and cheap enough to leave in place.

use std::sync::OnceLock;
use std::time::Instant;

struct State {
    on: bool,
    start: Instant,
    last: std::sync::Mutex<(Instant, f64)>,
}

fn state() -> &'static State {
    static S: OnceLock<State> = OnceLock::new();
    S.get_or_init(|| State {
        on: std::env::var_os("PBSTAT_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0"),
        start: Instant::now(),
        last: std::sync::Mutex::new((Instant::now(), cpu_seconds())),
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
    let cpu = cpu_seconds();
    let mut last = s.last.lock().unwrap_or_else(|e| e.into_inner());
    let (step, step_cpu) = (now - last.0, cpu - last.1);
    *last = (now, cpu);
    eprintln!(
        "pbstat-timing {phase:<14} {:>8.3} s  cpu {:>7.3} s  total {:>8.3} s  peak RSS {:>6} MB",
        step.as_secs_f64(),
        step_cpu,
        (now - s.start).as_secs_f64(),
        peak_rss_mb()
    );
}

fn rusage() -> Option<libc::rusage> {
    // SAFETY: getrusage fills a plain struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    (unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } == 0).then_some(ru)
}

/// User and system CPU time of the whole process so far, in seconds.
fn cpu_seconds() -> f64 {
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    rusage().map_or(0.0, |ru| t(ru.ru_utime) + t(ru.ru_stime))
}

/// The process's peak resident set size so far, in MB.
pub fn peak_rss_mb() -> u64 {
    rusage().map_or(0, |ru| ru.ru_maxrss as u64 / 1024)
}
