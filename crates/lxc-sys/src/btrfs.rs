//! btrfs subvolume ioctls: create, snapshot, destroy; and the test for a subvolume root.

use crate::{check, Result};
use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;

/// `struct btrfs_ioctl_vol_args`: an fd and a name of up to 4087 bytes.
#[repr(C)]
struct VolArgs {
    fd: i64,
    name: [u8; 4088],
}

/// _IOW(0x94, nr, struct btrfs_ioctl_vol_args): write direction, 4096-byte argument.
const fn iow(nr: u64) -> u64 {
    (1 << 30) | (4096 << 16) | (0x94 << 8) | nr
}
const SNAP_CREATE: u64 = iow(1);
const SUBVOL_CREATE: u64 = iow(14);
const SNAP_DESTROY: u64 = iow(15);

/// statfs magic of btrfs, and the inode number of every subvolume's root directory.
const BTRFS_MAGIC: u64 = 0x9123_683E;
const FIRST_FREE_OBJECTID: u64 = 256;

fn vol_args(fd: i64, name: &OsStr) -> Result<Box<VolArgs>> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= 4088 || bytes.contains(&0) || bytes.contains(&b'/') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "bad subvolume name",
        ));
    }
    let mut args = Box::new(VolArgs {
        fd,
        name: [0; 4088],
    });
    args.name[..bytes.len()].copy_from_slice(bytes);
    Ok(args)
}

fn ioctl(dir: BorrowedFd<'_>, request: u64, args: &mut VolArgs) -> Result<()> {
    // SAFETY: `args` is a valid, writable btrfs_ioctl_vol_args for the whole call.
    check(unsafe { libc::ioctl(dir.as_raw_fd(), request as _, args as *mut VolArgs) })?;
    Ok(())
}

/// A new empty subvolume `name` in directory `parent`.
pub fn create_subvolume(parent: BorrowedFd<'_>, name: &OsStr) -> Result<()> {
    ioctl(parent, SUBVOL_CREATE, &mut *vol_args(0, name)?)
}

/// A writable snapshot of the subvolume `source` as `name` in `parent`.
pub fn snapshot(source: BorrowedFd<'_>, parent: BorrowedFd<'_>, name: &OsStr) -> Result<()> {
    ioctl(
        parent,
        SNAP_CREATE,
        &mut *vol_args(i64::from(source.as_raw_fd()), name)?,
    )
}

/// Delete the subvolume `name` in `parent` (it must hold no other subvolume).
pub fn destroy(parent: BorrowedFd<'_>, name: &OsStr) -> Result<()> {
    ioctl(parent, SNAP_DESTROY, &mut *vol_args(0, name)?)
}

/// Whether the directory open at `fd` is the root of a btrfs subvolume.
pub fn is_subvolume(fd: BorrowedFd<'_>) -> bool {
    // SAFETY: an all-zero stat buffer is a valid out-parameter.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid fd and writable buffer.
    let ok = unsafe { libc::fstat(fd.as_raw_fd(), &mut st) == 0 };
    ok && is_btrfs(fd) && st.st_ino == FIRST_FREE_OBJECTID
}

/// Whether the directory open at `fd` is on btrfs.
pub fn is_btrfs(fd: BorrowedFd<'_>) -> bool {
    crate::fs::fs_magic(fd).is_ok_and(|magic| magic == BTRFS_MAGIC)
}
