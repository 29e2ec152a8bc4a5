//! Safe wrappers over the Linux syscalls lxc-rs needs. Every `unsafe` block of the project
//! lives in this crate, each with a `// SAFETY:` note.

pub mod bpf;
pub mod btrfs;
pub mod caps;
pub mod ffi;
pub mod fs;
pub mod loopdev;
pub mod mount;
pub mod net;
pub mod newmount;
pub mod ns;
pub mod process;
pub mod pty;
pub mod seccomp;
pub mod sock;
pub mod tree;

use std::ffi::CString;
use std::io;

pub use libc::pid_t;

/// Result of a raw syscall wrapper: the OS error on failure.
pub type Result<T> = io::Result<T>;

/// Turn a `-1`-on-error return into an `io::Result`.
pub(crate) fn check(ret: libc::c_int) -> Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

pub(crate) fn check_long(ret: libc::c_long) -> Result<libc::c_long> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// A C string from a Rust string; an interior NUL is reported as InvalidInput.
pub fn cstr(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "string contains NUL"))
}

pub fn cpath(p: &std::path::Path) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(p.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains NUL"))
}

/// Effective uid of this process.
pub fn geteuid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

pub fn getegid() -> u32 {
    // SAFETY: getegid has no preconditions and cannot fail.
    unsafe { libc::getegid() }
}

pub fn getpid() -> pid_t {
    // SAFETY: getpid has no preconditions and cannot fail.
    unsafe { libc::getpid() }
}

/// The current thread's errno as a raw number, for mapping at API edges.
pub fn errno_of(err: &io::Error) -> i32 {
    err.raw_os_error().unwrap_or(libc::EIO)
}

pub(crate) fn opt_cstr(c: &Option<CString>) -> *const libc::c_char {
    c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}
