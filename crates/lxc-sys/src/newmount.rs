//! The new mount API: filesystems are configured and mounted as fds (fsopen, fsconfig,
//! fsmount), trees are cloned as fds (open_tree) and attached onto a target fd
//! (move_mount), and flags change through mount_setattr. No path is looked up at mount time.

use crate::{check, check_long, cstr, Result};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

pub const MOUNT_ATTR_RDONLY: u64 = 0x0000_0001;
pub const MOUNT_ATTR_NOSUID: u64 = 0x0000_0002;
pub const MOUNT_ATTR_NODEV: u64 = 0x0000_0004;
pub const MOUNT_ATTR_NOEXEC: u64 = 0x0000_0008;
pub const MOUNT_ATTR_RELATIME: u64 = 0x0000_0000;
pub const MOUNT_ATTR_NOATIME: u64 = 0x0000_0010;
pub const MOUNT_ATTR_STRICTATIME: u64 = 0x0000_0020;
pub const MOUNT_ATTR_NODIRATIME: u64 = 0x0000_0080;
const MOUNT_ATTR__ATIME: u64 = 0x0000_0070;

const FSOPEN_CLOEXEC: u32 = 0x1;
const FSMOUNT_CLOEXEC: u32 = 0x1;
const FSCONFIG_SET_FLAG: u32 = 0;
const FSCONFIG_SET_STRING: u32 = 1;
const FSCONFIG_CMD_CREATE: u32 = 6;
const OPEN_TREE_CLONE: u32 = 1;
const OPEN_TREE_CLOEXEC: u32 = libc::O_CLOEXEC as u32;
const AT_RECURSIVE: u32 = 0x8000;
const MOVE_MOUNT_F_EMPTY_PATH: u32 = 0x0000_0004;
const MOVE_MOUNT_T_EMPTY_PATH: u32 = 0x0000_0040;

#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

fn owned(fd: libc::c_long) -> OwnedFd {
    // SAFETY: the caller passes a fresh fd returned by the kernel.
    unsafe { OwnedFd::from_raw_fd(fd as RawFd) }
}

/// One filesystem option: `key=value` or a bare flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsOption<'a> {
    Flag(&'a str),
    Value(&'a str, &'a str),
}

/// A new, detached mount of `fstype` (fsopen + fsconfig + fsmount) with mount attributes.
pub fn fs_mount(
    fstype: &str,
    source: Option<&str>,
    options: &[FsOption<'_>],
    attrs: u64,
) -> Result<OwnedFd> {
    let t = cstr(fstype)?;
    // SAFETY: valid C string; returns a fresh fd.
    let fsfd = owned(check_long(unsafe {
        libc::syscall(libc::SYS_fsopen, t.as_ptr(), FSOPEN_CLOEXEC)
    })?);
    let set = |cmd: u32, key: &str, value: Option<&str>| -> Result<()> {
        let k = cstr(key)?;
        let v = value.map(cstr).transpose()?;
        // SAFETY: valid fs context fd and C strings (or NULL), alive for the call.
        check_long(unsafe {
            libc::syscall(
                libc::SYS_fsconfig,
                fsfd.as_raw_fd(),
                cmd,
                k.as_ptr(),
                v.as_ref().map_or(std::ptr::null(), |v| v.as_ptr()),
                0,
            )
        })?;
        Ok(())
    };
    if let Some(src) = source {
        set(FSCONFIG_SET_STRING, "source", Some(src))?;
    }
    for opt in options {
        match opt {
            FsOption::Flag(k) => set(FSCONFIG_SET_FLAG, k, None)?,
            FsOption::Value(k, v) => set(FSCONFIG_SET_STRING, k, Some(v))?,
        }
    }
    // SAFETY: plain integer arguments on our fs context fd.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fsfd.as_raw_fd(),
            FSCONFIG_CMD_CREATE,
            std::ptr::null::<u8>(),
            std::ptr::null::<u8>(),
            0,
        )
    })?;
    // SAFETY: returns a fresh mount fd.
    let mnt = check_long(unsafe {
        libc::syscall(libc::SYS_fsmount, fsfd.as_raw_fd(), FSMOUNT_CLOEXEC, attrs)
    })?;
    Ok(owned(mnt))
}

/// A detached copy of the mount tree at `path` (relative to `dir`, or `dir` itself when
/// `path` is empty), like a bind mount not attached anywhere yet.
pub fn clone_tree(dir: Option<BorrowedFd<'_>>, path: &str, recursive: bool) -> Result<OwnedFd> {
    let p = cstr(path)?;
    let mut flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
    if recursive {
        flags |= AT_RECURSIVE;
    }
    if path.is_empty() {
        flags |= libc::AT_EMPTY_PATH as u32;
    }
    let dirfd = dir.map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
    // SAFETY: valid dirfd and C string; returns a fresh fd.
    let fd = check_long(unsafe { libc::syscall(libc::SYS_open_tree, dirfd, p.as_ptr(), flags) })?;
    Ok(owned(fd))
}

/// Attach a detached mount onto the directory or file behind `target`.
pub fn attach(mount: BorrowedFd<'_>, target: BorrowedFd<'_>) -> Result<()> {
    // SAFETY: two valid fds and empty C strings with the EMPTY_PATH flags.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            mount.as_raw_fd(),
            c"".as_ptr(),
            target.as_raw_fd(),
            c"".as_ptr(),
            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH,
        )
    })?;
    Ok(())
}

/// Change mount attributes of the mount behind `fd` (recursively if asked).
pub fn set_attrs(fd: BorrowedFd<'_>, set: u64, clear: u64, recursive: bool) -> Result<()> {
    let mut clear = clear;
    // Changing the access-time mode needs the whole atime field cleared first.
    if set & MOUNT_ATTR__ATIME != 0 || set & MOUNT_ATTR_STRICTATIME != 0 {
        clear |= MOUNT_ATTR__ATIME;
    }
    let attr = MountAttr {
        attr_set: set,
        attr_clr: clear,
        propagation: 0,
        userns_fd: 0,
    };
    let mut flags = libc::AT_EMPTY_PATH as u32;
    if recursive {
        flags |= AT_RECURSIVE;
    }
    // SAFETY: valid fd, empty path with AT_EMPTY_PATH, and an initialised mount_attr.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            c"".as_ptr(),
            flags,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    })?;
    Ok(())
}

/// Make the tree at `fd` and everything below it slave (no propagation back to the host).
pub fn make_rslave(fd: BorrowedFd<'_>) -> Result<()> {
    let attr = MountAttr {
        attr_set: 0,
        attr_clr: 0,
        propagation: libc::MS_SLAVE,
        userns_fd: 0,
    };
    // SAFETY: valid fd, empty path with AT_EMPTY_PATH, and an initialised mount_attr.
    check(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH as u32 | AT_RECURSIVE,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        ) as libc::c_int
    })?;
    Ok(())
}
