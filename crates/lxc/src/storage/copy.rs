//! The one copy engine (clones and snapshots of `dir` containers, copies between backends):
//! reflinks where the filesystem shares extents, else copy_file_range over the data
//! segments only (holes stay holes). Owners, modes, times, xattrs (so ACLs and file
//! capabilities), device nodes, FIFOs, sockets, symlinks and hard links are kept. The
//! source is walked by directory fd and no symlink in it is ever followed, so a container
//! that changes its tree while it is copied cannot point the copy at the host.

use crate::error::{Error, Result};
use lxc_sys::tree::{self, Stat};
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

/// What a copy did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CopyStats {
    pub entries: u64,
    pub bytes: u64,
    /// Whether file data was shared by reflink rather than copied.
    pub reflinked: bool,
}

/// Copy the tree under directory `src` to `dst`, which must not exist yet (its parent
/// must).
pub fn copy_tree(src: &Path, dst: &Path) -> Result<CopyStats> {
    std::fs::create_dir(dst).map_err(crate::error::io_err(dst))?;
    copy_into(src, dst)
}

/// Copy the tree under directory `src` into the existing empty directory `dst` (which
/// takes `src`'s owner, mode and times).
pub fn copy_into(src: &Path, dst: &Path) -> Result<CopyStats> {
    let src_fd = lxc_sys::fs::open_dir(src).map_err(crate::error::io_err(src))?;
    let dst_fd = lxc_sys::fs::open_dir(dst).map_err(crate::error::io_err(dst))?;
    let mut copier = Copier {
        src_root: src.to_path_buf(),
        dst_root: dst_fd.try_clone().map_err(crate::error::io_err(dst))?,
        links: HashMap::new(),
        try_reflink: true,
        stats: CopyStats::default(),
    };
    copier.dir(src_fd.as_fd(), dst_fd.as_fd(), Path::new(""))?;
    let root = tree::stat_at(src_fd.as_fd(), OsStr::new("")).map_err(crate::error::io_err(src))?;
    copier
        .meta(
            src_fd.as_fd(),
            dst_fd.as_fd(),
            OsStr::new(""),
            &root,
            Some(dst_fd.as_fd()),
        )
        .map_err(|e| copier.err(Path::new(""), e))?;
    Ok(copier.stats)
}

struct Copier {
    src_root: PathBuf,
    dst_root: OwnedFd,
    /// Files with more than one link, by (device, inode): where their first copy went.
    links: HashMap<(u64, u64), PathBuf>,
    /// Cleared after the first refused reflink: the filesystems do not share extents.
    try_reflink: bool,
    stats: CopyStats,
}

impl Copier {
    fn err(&self, rel: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: self.src_root.join(rel).display().to_string(),
            source,
        }
    }

    fn dir(&mut self, src: BorrowedFd<'_>, dst: BorrowedFd<'_>, rel: &Path) -> Result<()> {
        let names = tree::list_dir(src).map_err(|e| self.err(rel, e))?;
        for name in names {
            let rel = rel.join(&name);
            self.entry(src, dst, &name, &rel)
                .map_err(|e| self.err(&rel, e))?;
        }
        Ok(())
    }

    fn entry(
        &mut self,
        src: BorrowedFd<'_>,
        dst: BorrowedFd<'_>,
        name: &OsString,
        rel: &Path,
    ) -> std::io::Result<()> {
        let st = tree::stat_at(src, name)?;
        self.stats.entries += 1;
        let kind = st.kind();
        if kind != libc::S_IFDIR && st.nlink > 1 {
            if let Some(first) = self.links.get(&(st.dev, st.ino)) {
                return tree::link_at(self.dst_root.as_fd(), first.as_os_str(), dst, name);
            }
            self.links.insert((st.dev, st.ino), rel.to_path_buf());
        }
        match kind {
            libc::S_IFDIR => {
                match tree::mkdir_at(dst, name, 0o700) {
                    // A directory the new filesystem already has (ext4's lost+found).
                    Err(e)
                        if e.kind() == std::io::ErrorKind::AlreadyExists
                            && tree::stat_at(dst, name)?.kind() == libc::S_IFDIR => {}
                    other => other?,
                }
                let from = tree::open_at(src, name, libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
                let to = tree::open_at(dst, name, libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
                self.dir(from.as_fd(), to.as_fd(), rel)
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                self.meta(src, dst, name, &st, Some(to.as_fd()))
            }
            libc::S_IFREG => {
                let from = tree::open_at(src, name, libc::O_RDONLY, 0)?;
                let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL;
                let to = tree::open_at(dst, name, flags, 0o600)?;
                self.data(from.as_fd(), to.as_fd(), st.size)?;
                self.meta(src, dst, name, &st, Some(to.as_fd()))
            }
            libc::S_IFLNK => {
                let target = tree::readlink_at(src, name)?;
                tree::symlink_at(&target, dst, name)?;
                self.meta(src, dst, name, &st, None)
            }
            _ => {
                // Devices, FIFOs and sockets: the node itself, with its type and numbers.
                tree::mknod_at(dst, name, kind | 0o600, st.rdev)?;
                self.meta(src, dst, name, &st, None)
            }
        }
    }

    /// The file's data: shared by reflink when the filesystems allow, else its data
    /// segments copied in the kernel, holes skipped.
    fn data(&mut self, from: BorrowedFd<'_>, to: BorrowedFd<'_>, size: u64) -> std::io::Result<()> {
        if self.try_reflink && size > 0 {
            match tree::reflink(from, to) {
                Ok(()) => {
                    self.stats.reflinked = true;
                    self.stats.bytes += size;
                    return Ok(());
                }
                Err(_) => self.try_reflink = false,
            }
        }
        let mut offset = 0;
        while offset < size {
            let Some(start) = tree::next_data(from, offset)? else {
                break;
            };
            let end = tree::next_hole(from, start)?.min(size);
            let mut at = start;
            while at < end {
                let n = match tree::copy_range(from, to, at, end - at) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e)
                        if matches!(
                            e.raw_os_error(),
                            Some(libc::EXDEV | libc::ENOSYS | libc::EINVAL | libc::EOPNOTSUPP)
                        ) =>
                    {
                        copy_by_hand(from, to, at, end - at)?
                    }
                    Err(e) => return Err(e),
                };
                if n == 0 {
                    break; // the source shrank while it was copied
                }
                at += n;
            }
            self.stats.bytes += end - start;
            offset = end;
        }
        // A file ending in a hole gets its length back.
        tree::truncate_fd(to, size)
    }

    /// Owner, then mode (a chown clears set-id bits), then xattrs (a chown clears
    /// `security.capability`), then times (every change before touches them).
    fn meta(
        &self,
        src: BorrowedFd<'_>,
        dst: BorrowedFd<'_>,
        name: &OsStr,
        st: &Stat,
        open: Option<BorrowedFd<'_>>,
    ) -> std::io::Result<()> {
        let (dir, entry) = match open {
            Some(fd) if name.is_empty() => (fd, OsStr::new("")),
            _ => (dst, name),
        };
        if name.is_empty() {
            // The root: by its fd.
            chown_fd(dir, st)?;
        } else {
            tree::chown_at(dst, name, st.uid, st.gid)?;
        }
        let mode = st.mode & 0o7777;
        match (st.kind(), open) {
            (libc::S_IFLNK, _) => {}
            (_, Some(fd)) => tree::chmod_fd(fd, mode)?,
            (_, None) => tree::chmod_at(dst, name, mode)?,
        }
        let src_entry = if name.is_empty() {
            OsStr::new("")
        } else {
            name
        };
        for (key, value) in tree::xattrs_at(src, src_entry)? {
            if let Err(e) = tree::set_xattr_at(dir, entry, &key, &value) {
                // Only what the destination cannot hold (e.g. user.* on a symlink) is skipped.
                if !matches!(e.raw_os_error(), Some(libc::EPERM | libc::ENOTSUP)) {
                    return Err(e);
                }
                tracing::debug!(?key, "xattr not kept: {e}");
            }
        }
        tree::set_times_at(dir, entry, st.atime, st.mtime)
    }
}

fn chown_fd(fd: BorrowedFd<'_>, st: &Stat) -> std::io::Result<()> {
    std::os::unix::fs::chown(lxc_sys::fs::fd_path(fd), Some(st.uid), Some(st.gid))
}

/// Where copy_file_range cannot go (across some filesystems): read and write.
fn copy_by_hand(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    at: u64,
    len: u64,
) -> std::io::Result<u64> {
    use std::os::unix::fs::FileExt;
    let src = std::fs::File::from(from.try_clone_to_owned()?);
    let dst = std::fs::File::from(to.try_clone_to_owned()?);
    let mut buf = vec![0u8; len.min(1 << 20) as usize];
    let n = src.read_at(&mut buf, at)?;
    dst.write_all_at(&buf[..n], at)?;
    Ok(n as u64)
}
