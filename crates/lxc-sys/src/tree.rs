//! Walking and copying file trees by directory fd, never following a symlink: what the
//! storage copy engine needs (stat, create each kind of entry, owners, modes, times,
//! xattrs, reflinks, copy_file_range, holes).

use crate::{check, cpath, Result};
use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

fn cname(name: &OsStr) -> Result<CString> {
    CString::new(name.as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "name contains NUL"))
}

/// What `lstat` says of an entry.
#[derive(Debug, Clone, Copy)]
pub struct Stat {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub dev: u64,
    pub ino: u64,
    pub nlink: u64,
    pub size: u64,
    pub atime: (i64, i64),
    pub mtime: (i64, i64),
}

impl Stat {
    pub fn kind(&self) -> u32 {
        self.mode & libc::S_IFMT
    }
}

/// lstat of `name` in `dir` (`name` empty: `dir` itself).
pub fn stat_at(dir: BorrowedFd<'_>, name: &OsStr) -> Result<Stat> {
    let c = cname(name)?;
    let flags = libc::AT_SYMLINK_NOFOLLOW
        | if name.is_empty() {
            libc::AT_EMPTY_PATH
        } else {
            0
        };
    // SAFETY: an all-zero stat is a valid out-buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid dirfd, C string and a writable stat buffer.
    check(unsafe { libc::fstatat(dir.as_raw_fd(), c.as_ptr(), &mut st, flags) })?;
    Ok(Stat {
        mode: st.st_mode,
        uid: st.st_uid,
        gid: st.st_gid,
        rdev: st.st_rdev,
        dev: st.st_dev,
        ino: st.st_ino,
        nlink: st.st_nlink,
        size: st.st_size as u64,
        atime: (st.st_atime, st.st_atime_nsec),
        mtime: (st.st_mtime, st.st_mtime_nsec),
    })
}

/// Open `name` in `dir` without following a symlink in its last component.
pub fn open_at(dir: BorrowedFd<'_>, name: &OsStr, flags: i32, mode: u32) -> Result<OwnedFd> {
    let c = cname(name)?;
    let flags = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: valid dirfd and C string; returns a fresh fd we own.
    let fd = check(unsafe { libc::openat(dir.as_raw_fd(), c.as_ptr(), flags, mode) })?;
    // SAFETY: fresh descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The entry names of a directory fd (without `.` and `..`).
pub fn list_dir(dir: BorrowedFd<'_>) -> Result<Vec<OsString>> {
    // Reading through the fd's /proc link lists exactly the directory the fd holds.
    let mut names = Vec::new();
    for entry in std::fs::read_dir(crate::fs::fd_path(dir))? {
        names.push(entry?.file_name());
    }
    Ok(names)
}

/// The entries of a directory fd with whether each is a directory (from readdir's type, no
/// stat of each entry).
pub fn list_dir_kinds(dir: BorrowedFd<'_>) -> Result<Vec<(OsString, bool)>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(crate::fs::fd_path(dir))? {
        let entry = entry?;
        entries.push((entry.file_name(), entry.file_type()?.is_dir()));
    }
    Ok(entries)
}

/// Open the directory `name` in `dir` only if that stays on `dir`'s mount: a mount point
/// (or a symlink) gives EXDEV (ELOOP) instead of a descriptor on another filesystem.
pub fn open_dir_same_mount(dir: BorrowedFd<'_>, name: &OsStr) -> Result<OwnedFd> {
    let c = cname(name)?;
    crate::mount::openat2(
        dir,
        &c,
        libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW,
        0,
        crate::mount::RESOLVE_NO_XDEV | crate::mount::RESOLVE_NO_SYMLINKS,
    )
}

pub fn mkdir_at(dir: BorrowedFd<'_>, name: &OsStr, mode: u32) -> Result<()> {
    let c = cname(name)?;
    // SAFETY: valid dirfd and C string.
    check(unsafe { libc::mkdirat(dir.as_raw_fd(), c.as_ptr(), mode) })?;
    Ok(())
}

/// Any kind of node: device, FIFO, socket (`mode` carries the type).
pub fn mknod_at(dir: BorrowedFd<'_>, name: &OsStr, mode: u32, rdev: u64) -> Result<()> {
    let c = cname(name)?;
    // SAFETY: valid dirfd and C string.
    check(unsafe { libc::mknodat(dir.as_raw_fd(), c.as_ptr(), mode, rdev) })?;
    Ok(())
}

pub fn readlink_at(dir: BorrowedFd<'_>, name: &OsStr) -> Result<OsString> {
    let c = cname(name)?;
    let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
    // SAFETY: valid dirfd and C string; buf is writable for its length.
    let len = unsafe {
        libc::readlinkat(
            dir.as_raw_fd(),
            c.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if len < 0 {
        return Err(io::Error::last_os_error());
    }
    buf.truncate(len as usize);
    Ok(OsString::from_vec(buf))
}

pub fn symlink_at(target: &OsStr, dir: BorrowedFd<'_>, name: &OsStr) -> Result<()> {
    let (t, c) = (cname(target)?, cname(name)?);
    // SAFETY: valid C strings and dirfd.
    check(unsafe { libc::symlinkat(t.as_ptr(), dir.as_raw_fd(), c.as_ptr()) })?;
    Ok(())
}

/// A hard link `new` to the existing `old` (never following a symlink).
pub fn link_at(
    old_dir: BorrowedFd<'_>,
    old: &OsStr,
    new_dir: BorrowedFd<'_>,
    new: &OsStr,
) -> Result<()> {
    let (o, n) = (cname(old)?, cname(new)?);
    // SAFETY: valid dirfds and C strings.
    check(unsafe {
        libc::linkat(
            old_dir.as_raw_fd(),
            o.as_ptr(),
            new_dir.as_raw_fd(),
            n.as_ptr(),
            0,
        )
    })?;
    Ok(())
}

/// Owner of `name` in `dir` (a symlink itself, not its target).
pub fn chown_at(dir: BorrowedFd<'_>, name: &OsStr, uid: u32, gid: u32) -> Result<()> {
    let c = cname(name)?;
    // SAFETY: valid dirfd and C string.
    check(unsafe {
        libc::fchownat(
            dir.as_raw_fd(),
            c.as_ptr(),
            uid,
            gid,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })?;
    Ok(())
}

/// Mode of an open file or directory.
pub fn chmod_fd(fd: BorrowedFd<'_>, mode: u32) -> Result<()> {
    // SAFETY: valid fd.
    check(unsafe { libc::fchmod(fd.as_raw_fd(), mode) })?;
    Ok(())
}

/// Mode of a node that cannot be opened (device, FIFO, socket) by name.
pub fn chmod_at(dir: BorrowedFd<'_>, name: &OsStr, mode: u32) -> Result<()> {
    let c = cname(name)?;
    // SAFETY: valid dirfd and C string (fchmodat never follows here: the entry is no symlink).
    check(unsafe { libc::fchmodat(dir.as_raw_fd(), c.as_ptr(), mode, 0) })?;
    Ok(())
}

/// Access and modification times of `name` in `dir` (a symlink itself).
pub fn set_times_at(
    dir: BorrowedFd<'_>,
    name: &OsStr,
    atime: (i64, i64),
    mtime: (i64, i64),
) -> Result<()> {
    let c = cname(name)?;
    let times = [
        libc::timespec {
            tv_sec: atime.0,
            tv_nsec: atime.1,
        },
        libc::timespec {
            tv_sec: mtime.0,
            tv_nsec: mtime.1,
        },
    ];
    let flags = libc::AT_SYMLINK_NOFOLLOW
        | if name.is_empty() {
            libc::AT_EMPTY_PATH
        } else {
            0
        };
    // SAFETY: valid dirfd, C string and two timespecs.
    check(unsafe { libc::utimensat(dir.as_raw_fd(), c.as_ptr(), times.as_ptr(), flags) })?;
    Ok(())
}

/// The extended attributes of `name` in `dir` (a symlink itself): (name, value) pairs.
pub fn xattrs_at(dir: BorrowedFd<'_>, name: &OsStr) -> Result<Vec<(CString, Vec<u8>)>> {
    let path = entry_path(dir, name)?;
    let mut list = vec![0u8; 4096];
    let len = loop {
        // SAFETY: valid C string; list is writable for its length.
        let len = unsafe { libc::llistxattr(path.as_ptr(), list.as_mut_ptr().cast(), list.len()) };
        match io::Error::last_os_error().raw_os_error() {
            Some(libc::ERANGE) if len < 0 => list.resize(list.len() * 4, 0),
            Some(libc::ENOTSUP) if len < 0 => return Ok(Vec::new()),
            _ if len < 0 => return Err(io::Error::last_os_error()),
            _ => break len as usize,
        }
    };
    let mut out = Vec::new();
    for key in list[..len].split(|b| *b == 0).filter(|k| !k.is_empty()) {
        let key = CString::new(key).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
        let mut value = vec![0u8; 1024];
        let vlen = loop {
            // SAFETY: valid C strings; value is writable for its length.
            let vlen = unsafe {
                libc::lgetxattr(
                    path.as_ptr(),
                    key.as_ptr(),
                    value.as_mut_ptr().cast(),
                    value.len(),
                )
            };
            if vlen >= 0 {
                break vlen as usize;
            }
            match io::Error::last_os_error().raw_os_error() {
                Some(libc::ERANGE) => value.resize(value.len() * 8, 0),
                _ => return Err(io::Error::last_os_error()),
            }
        };
        value.truncate(vlen);
        out.push((key, value));
    }
    Ok(out)
}

pub fn set_xattr_at(dir: BorrowedFd<'_>, name: &OsStr, key: &CString, value: &[u8]) -> Result<()> {
    let path = entry_path(dir, name)?;
    // SAFETY: valid C strings; value points to value.len() readable bytes.
    check(unsafe {
        libc::lsetxattr(
            path.as_ptr(),
            key.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    })?;
    Ok(())
}

/// `/proc/self/fd/<dir>/<name>`: the entry named through the directory the fd holds (only
/// the last component is then looked up, and the l*xattr calls do not follow it).
fn entry_path(dir: BorrowedFd<'_>, name: &OsStr) -> Result<CString> {
    let mut p = crate::fs::fd_path(dir).into_bytes();
    p.push(b'/');
    // An empty name is the directory itself ("." past the fd's link, not the link).
    p.extend_from_slice(if name.is_empty() {
        b"."
    } else {
        name.as_bytes()
    });
    cpath(std::path::Path::new(OsStr::from_bytes(&p)))
}

/// Make `dst` share `src`'s extents (FICLONE): the copy-on-write copy btrfs and xfs offer.
pub fn reflink(src: BorrowedFd<'_>, dst: BorrowedFd<'_>) -> Result<()> {
    // SAFETY: FICLONE takes the source fd as its argument; both fds are valid.
    check(unsafe { libc::ioctl(dst.as_raw_fd(), libc::FICLONE, src.as_raw_fd()) })?;
    Ok(())
}

/// Copy up to `len` bytes at `offset` of `src` to the same offset of `dst`; bytes copied.
pub fn copy_range(src: BorrowedFd<'_>, dst: BorrowedFd<'_>, offset: u64, len: u64) -> Result<u64> {
    let (mut off_in, mut off_out) = (offset as i64, offset as i64);
    // SAFETY: valid fds and offset pointers; the kernel copies between the files.
    let n = unsafe {
        libc::copy_file_range(
            src.as_raw_fd(),
            &mut off_in,
            dst.as_raw_fd(),
            &mut off_out,
            len as usize,
            0,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as u64)
}

/// The next data at or after `offset` (None: only a hole up to the end).
pub fn next_data(fd: BorrowedFd<'_>, offset: u64) -> Result<Option<u64>> {
    // SAFETY: lseek on a valid fd.
    let at = unsafe { libc::lseek(fd.as_raw_fd(), offset as i64, libc::SEEK_DATA) };
    if at < 0 {
        return match io::Error::last_os_error().raw_os_error() {
            Some(libc::ENXIO) => Ok(None),
            _ => Err(io::Error::last_os_error()),
        };
    }
    Ok(Some(at as u64))
}

/// The next hole at or after `offset` (the end of the file counts as one).
pub fn next_hole(fd: BorrowedFd<'_>, offset: u64) -> Result<u64> {
    // SAFETY: lseek on a valid fd.
    let at = unsafe { libc::lseek(fd.as_raw_fd(), offset as i64, libc::SEEK_HOLE) };
    if at < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(at as u64)
}

pub fn truncate_fd(fd: BorrowedFd<'_>, len: u64) -> Result<()> {
    // SAFETY: valid fd.
    check(unsafe { libc::ftruncate(fd.as_raw_fd(), len as i64) })?;
    Ok(())
}

/// Remove `name` from `dir` (`is_dir`: an empty directory).
pub fn remove_at(dir: BorrowedFd<'_>, name: &OsStr, is_dir: bool) -> Result<()> {
    let c = cname(name)?;
    let flags = if is_dir { libc::AT_REMOVEDIR } else { 0 };
    // SAFETY: valid dirfd and C string.
    check(unsafe { libc::unlinkat(dir.as_raw_fd(), c.as_ptr(), flags) })?;
    Ok(())
}
