//! File descriptors: duplication, close-on-exec, pipes, locks, close_range.

use crate::{check, cpath, Result};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

/// dup2 onto a fixed number (used to put fds at 0/1/2 before exec).
pub fn dup2(fd: BorrowedFd<'_>, target: RawFd) -> Result<()> {
    // SAFETY: both are plain integers; dup2 replaces `target` atomically.
    check(unsafe { libc::dup2(fd.as_raw_fd(), target) })?;
    Ok(())
}

pub fn set_cloexec(fd: BorrowedFd<'_>, on: bool) -> Result<()> {
    // SAFETY: F_GETFD/F_SETFD on a valid fd.
    unsafe {
        let flags = check(libc::fcntl(fd.as_raw_fd(), libc::F_GETFD))?;
        let flags = if on {
            flags | libc::FD_CLOEXEC
        } else {
            flags & !libc::FD_CLOEXEC
        };
        check(libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, flags))?;
    }
    Ok(())
}

pub fn set_nonblocking(fd: BorrowedFd<'_>, on: bool) -> Result<()> {
    // SAFETY: F_GETFL/F_SETFL on a valid fd.
    unsafe {
        let flags = check(libc::fcntl(fd.as_raw_fd(), libc::F_GETFL))?;
        let flags = if on {
            flags | libc::O_NONBLOCK
        } else {
            flags & !libc::O_NONBLOCK
        };
        check(libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags))?;
    }
    Ok(())
}

/// Close every fd from `first` upwards (before exec, so nothing leaks into a container).
pub fn close_from(first: u32) {
    // SAFETY: close_range only closes descriptors; nothing in this process uses them after.
    let ret = unsafe { libc::syscall(libc::SYS_close_range, first, u32::MAX, 0u32) };
    if ret < 0 {
        // Old kernels: fall back to closing what /proc lists.
        if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
            let fds: Vec<i32> = dir
                .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .filter(|&fd: &i32| fd >= first as i32)
                .collect();
            for fd in fds {
                // SAFETY: closing an fd number nobody will use again.
                unsafe { libc::close(fd) };
            }
        }
    }
}

/// A pipe with both ends close-on-exec.
pub fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: fds has room for two descriptors.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: pipe2 returned two fresh descriptors we now own.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Close every fd from 3 up except the listed ones (before exec, so nothing leaks).
pub fn close_all_except(keep: &[RawFd]) {
    let mut keep: Vec<u32> = keep
        .iter()
        .filter(|&&fd| fd >= 3)
        .map(|&fd| fd as u32)
        .collect();
    keep.sort_unstable();
    let mut first = 3u32;
    for k in keep {
        if k > first {
            close_range(first, k - 1);
        }
        first = k + 1;
    }
    close_from(first);
}

fn close_range(first: u32, last: u32) {
    // SAFETY: close_range only closes descriptors; the caller uses none of them after.
    unsafe { libc::syscall(libc::SYS_close_range, first, last, 0u32) };
}

/// A new descriptor for our stdout (close-on-exec), e.g. to keep a status pipe that was
/// passed as stdout while fd 1 itself is pointed elsewhere.
pub fn dup_stdout() -> Result<OwnedFd> {
    dup_raw(1)
}

/// A new close-on-exec descriptor (3 or above) for the descriptor number `fd`, which a
/// caller of ours named as a plain number (a C library's option struct, say); EBADF when
/// it is not open.
pub fn dup_raw(fd: RawFd) -> Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC on any number either fails or returns a fresh descriptor.
    let new = check(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) })?;
    // SAFETY: fresh descriptor, ours alone.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// Kind of whole-file lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    Shared,
    Exclusive,
}

/// Open-file-description lock on the whole file; dies with the fd (and so with its holder).
pub fn ofd_lock(fd: BorrowedFd<'_>, kind: LockKind, wait: bool) -> Result<bool> {
    // SAFETY: fl is a fully initialised flock struct; F_OFD_SETLK(W) reads it.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = match kind {
        LockKind::Shared => libc::F_RDLCK,
        LockKind::Exclusive => libc::F_WRLCK,
    } as i16;
    fl.l_whence = libc::SEEK_SET as i16;
    let cmd = if wait {
        libc::F_OFD_SETLKW
    } else {
        libc::F_OFD_SETLK
    };
    loop {
        // SAFETY: valid fd and pointer to an initialised flock.
        let ret = unsafe { libc::fcntl(fd.as_raw_fd(), cmd, &fl) };
        if ret == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) | Some(libc::EACCES) if !wait => return Ok(false),
            _ => return Err(err),
        }
    }
}

/// Write all bytes to a raw fd (no std::fs::File wrapper needed).
pub fn write_all(fd: BorrowedFd<'_>, mut buf: &[u8]) -> Result<()> {
    while !buf.is_empty() {
        // SAFETY: buf is a valid slice for reading buf.len() bytes.
        let n = unsafe { libc::write(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len()) };
        if n < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        buf = &buf[n as usize..];
    }
    Ok(())
}

/// One read; Ok(0) at end of file.
pub fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Result<usize> {
    loop {
        // SAFETY: buf is valid for writing buf.len() bytes.
        let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        return Ok(n as usize);
    }
}

/// poll(2) over (fd, events); returns revents per entry. timeout_ms < 0 waits forever.
pub fn poll(fds: &[(BorrowedFd<'_>, i16)], timeout_ms: i32) -> Result<Vec<i16>> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|(fd, ev)| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: *ev,
            revents: 0,
        })
        .collect();
    loop {
        // SAFETY: pfds is a valid array of pollfd of the given length.
        let ret = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout_ms) };
        if ret < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        return Ok(pfds.iter().map(|p| p.revents).collect());
    }
}

pub use libc::{POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT};

/// mknod for device nodes (autodev).
pub fn mknodat(dir: BorrowedFd<'_>, name: &str, mode: u32, major: u32, minor: u32) -> Result<()> {
    let c = crate::cstr(name)?;
    let dev = libc::makedev(major, minor);
    // SAFETY: valid dirfd and C string.
    check(unsafe { libc::mknodat(dir.as_raw_fd(), c.as_ptr(), mode, dev) })?;
    Ok(())
}

/// Open a host path (not inside any container rootfs) as an O_PATH|O_DIRECTORY fd.
pub fn open_dir_path(path: &Path) -> Result<OwnedFd> {
    let c = cpath(path)?;
    // SAFETY: valid C string; returns a fresh fd we own.
    let fd = check(unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    })?;
    // SAFETY: fresh descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Open a host directory for reading entries/creating in it (O_RDONLY|O_DIRECTORY).
pub fn open_dir(path: &Path) -> Result<OwnedFd> {
    let c = cpath(path)?;
    // SAFETY: valid C string; returns a fresh fd we own.
    let fd = check(unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    })?;
    // SAFETY: fresh descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Path of an fd as the kernel names it (/proc/self/fd/N), usable with path-based syscalls.
pub fn fd_path(fd: BorrowedFd<'_>) -> String {
    format!("/proc/self/fd/{}", fd.as_raw_fd())
}

/// Is this fd a terminal?
/// The filesystem type (statfs `f_type`) of what `fd` refers to.
pub fn fs_magic(fd: BorrowedFd<'_>) -> Result<u64> {
    // SAFETY: an all-zero statfs buffer is a valid out-parameter.
    let mut sfs: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: valid fd and writable buffer.
    check(unsafe { libc::fstatfs(fd.as_raw_fd(), &mut sfs) })?;
    // f_type is signed in glibc's statfs, unsigned in musl's.
    #[allow(clippy::unnecessary_cast)]
    Ok(sfs.f_type as u64)
}

/// Whether this process may write into `path` (access(2) with the real ids).
pub fn writable(path: &Path) -> bool {
    let Ok(c) = cpath(path) else {
        return false;
    };
    // SAFETY: valid C string; access only reads it.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

pub fn isatty(fd: RawFd) -> bool {
    // SAFETY: isatty only queries the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// Remove a (non-directory) entry of a directory fd.
pub fn unlinkat(dir: BorrowedFd<'_>, name: &str) -> Result<()> {
    let c = crate::cstr(name)?;
    // SAFETY: valid dirfd and C string.
    check(unsafe { libc::unlinkat(dir.as_raw_fd(), c.as_ptr(), 0) })?;
    Ok(())
}

/// Set an extended attribute on a path.
pub fn set_xattr(path: &Path, name: &str, value: &[u8]) -> Result<()> {
    let (p, n) = (cpath(path)?, crate::cstr(name)?);
    // SAFETY: valid C strings; value points to value.len() readable bytes.
    check(unsafe {
        libc::setxattr(
            p.as_ptr(),
            n.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    })?;
    Ok(())
}

/// An extended attribute of a path (None when unset).
pub fn get_xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    read_xattr(path, name).ok()
}

/// An extended attribute's value, or why there is none (`ENOENT`: no such file; `ENODATA`:
/// the file lacks the attribute).
pub fn read_xattr(path: &Path, name: &str) -> io::Result<Vec<u8>> {
    let (p, n) = (cpath(path)?, crate::cstr(name)?);
    let mut buf = vec![0u8; 4096];
    // SAFETY: valid C strings; buf is writable for its length.
    let len = unsafe { libc::getxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if len < 0 {
        return Err(io::Error::last_os_error());
    }
    buf.truncate(len as usize);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;

    #[test]
    fn dup_raw_copies_an_open_descriptor_and_refuses_a_closed_one() {
        let Ok((read, write)) = super::pipe() else {
            panic!("pipe")
        };
        let Ok(copy) = super::dup_raw(write.as_raw_fd()) else {
            panic!("dup of an open descriptor")
        };
        assert!(copy.as_raw_fd() >= 3 && copy.as_raw_fd() != write.as_raw_fd());
        drop(write);
        let mut file = std::fs::File::from(copy);
        assert!(file.write_all(b"x").is_ok());
        drop(file);
        let mut got = String::new();
        assert!(std::fs::File::from(read).read_to_string(&mut got).is_ok());
        assert_eq!(got, "x");
        let closed = super::dup_raw(1 << 20);
        assert_eq!(
            closed.err().and_then(|e| e.raw_os_error()),
            Some(libc::EBADF)
        );
    }
}
