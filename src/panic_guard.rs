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
