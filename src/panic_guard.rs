//! Panics inside file readers are caught and turned into `file.unreadable`;
//! this keeps the default hook from printing them as if the run had crashed.

use std::cell::Cell;

thread_local! {
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Install once at start: panics outside a guarded call still print.
pub fn install() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !GUARDED.with(Cell::get) {
            default(info);
        }
    }));
}

/// Run `f` with panic messages suppressed on this thread.
pub fn quietly<T>(f: impl FnOnce() -> T) -> T {
    let before = GUARDED.with(|g| g.replace(true));
    let out = f();
    GUARDED.with(|g| g.set(before));
    out
}

/// Whether this thread is inside a guarded call.
pub fn is_guarded() -> bool {
    GUARDED.with(Cell::get)
}

/// Ctrl-C (SIGINT) and SIGTERM: a line saying the run was stopped, then
/// exit 130 as shells expect. The output swap is
/// one rename, so a stopped run leaves the earlier output whole; its
/// temporary folder is removed by the next run (write::atomic_dir).
#[cfg(unix)]
pub fn on_interrupt() {
    extern "C" fn stopped(_: libc::c_int) {
        let msg: &[u8] = if crate::lang::current() == crate::lang::Lang::Zh {
            "\npbstat: 已中断；输出文件夹不会只写一半（仍是原来的，或已是本次完整的结果）\n"
                .as_bytes()
        } else {
            b"\npbstat: interrupted; no output folder is left half-written (it is the earlier one, or this run's whole)\n"
        };
        // SAFETY: write(2) and _exit(2) are async-signal-safe; the message
        // is a static byte string.
        unsafe {
            libc::write(2, msg.as_ptr().cast(), msg.len());
            libc::_exit(130);
        }
    }
    // SAFETY: installs a handler that only calls async-signal-safe functions.
    unsafe {
        libc::signal(libc::SIGINT, stopped as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, stopped as *const () as libc::sighandler_t);
    }
}

#[cfg(not(unix))]
pub fn on_interrupt() {}
