//! Namespaces: setns, unshare, hostname.

use crate::{check, cstr, Result};
use std::os::fd::{AsRawFd, BorrowedFd};

/// Join the namespace(s) behind `fd`: a /proc/PID/ns/* fd (nstype 0 = any) or a pidfd with
/// a set of CLONE_NEW* flags (all at once, atomically).
pub fn setns(fd: BorrowedFd<'_>, nstype: i32) -> Result<()> {
    // SAFETY: integer arguments; the fd is valid for the call.
    check(unsafe { libc::setns(fd.as_raw_fd(), nstype) })?;
    Ok(())
}

pub fn unshare(flags: i32) -> Result<()> {
    // SAFETY: integer argument.
    check(unsafe { libc::unshare(flags) })?;
    Ok(())
}

pub fn sethostname(name: &str) -> Result<()> {
    // SAFETY: name points to name.len() readable bytes.
    check(unsafe { libc::sethostname(name.as_ptr().cast(), name.len()) })?;
    Ok(())
}

/// The kernel's hostname of the current UTS namespace.
pub fn gethostname() -> Result<String> {
    let mut buf = [0u8; 256];
    // SAFETY: buf is writable for its length.
    check(unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) })?;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Ok(String::from_utf8_lossy(&buf[..end]).into_owned())
}

/// Check that a string can be used as a C string (for callers building paths).
pub fn valid_cstr(s: &str) -> bool {
    cstr(s).is_ok()
}

/// This thread's pid namespace for children (`/proc/thread-self/ns/pid_for_children`).
pub fn pid_for_children() -> Result<std::os::fd::OwnedFd> {
    Ok(std::fs::File::open("/proc/thread-self/ns/pid_for_children")?.into())
}
