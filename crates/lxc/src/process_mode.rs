//! Whether the library may do its process work (fork, setns) in the calling process.
//!
//! By default it never does: a library can be called from a multithreaded program, so it
//! spawns our helper instead. Our own tools are single-threaded one-shot programs; they opt
//! in, and the library still checks that only one thread exists before using it.

use std::sync::atomic::{AtomicBool, Ordering};

static ALLOWED: AtomicBool = AtomicBool::new(false);

/// Opt in (for programs that own their process and exit after the operation).
pub fn allow_in_process(allow: bool) {
    ALLOWED.store(allow, Ordering::SeqCst);
}

/// True when opted in and this process has exactly one thread.
pub fn in_process() -> bool {
    ALLOWED.load(Ordering::SeqCst) && single_threaded()
}

fn single_threaded() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:").map(|v| v.trim() == "1"))
        })
        .unwrap_or(false)
}
