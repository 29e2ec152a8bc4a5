//! Unpacking an image tarball (`.tar.xz`) exactly and safely: owners, modes, mtimes,
//! xattrs (`security.capability` too), device nodes, FIFOs, hard links and symlinks, with
//! our own loop (the `tar` crate's unpack makes no device nodes). No entry may land outside
//! the target: a `..` component, or a path through a symlink (e.g. one the archive made
//! earlier pointing at `/etc`), is refused, naming the entry.

use crate::error::{Error, Result};
use lxc_config::idmap::IdMaps;
use lxc_config::IdMapKind;
use lxc_sys::tree;
use std::ffi::{CString, OsStr, OsString};
use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// How entries are placed: what to leave out, and which owners may appear.
#[derive(Debug, Default, Clone, Copy)]
pub struct Placement<'a> {
    /// Entries (as `./dev/null` or `dev/null`) left out, with everything below them.
    pub excludes: &'a [String],
    /// An unprivileged container's maps (unpacking as root of its user namespace): an
    /// owner they leave out is refused.
    pub allowed: Option<&'a IdMaps>,
    /// Files belong to whoever unpacks (the metadata, as tar does for a non-root user).
    pub own_files: bool,
}

/// Unpack the xz-compressed tarball `archive` into the directory `target`.
pub fn unpack(archive: &Path, target: &Path, how: Placement<'_>) -> Result<()> {
    let file = std::fs::File::open(archive).map_err(crate::error::io_err(archive))?;
    let mut reader = xz2::read::XzDecoder::new(std::io::BufReader::with_capacity(1 << 16, file));
    // Decompressing is half the work: a scoped thread does it while this one makes the
    // files (as `tar -xJ` pipes xz into tar). Nothing forks while it runs; it is joined
    // before this returns.
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(32);
    std::thread::scope(|scope| {
        scope.spawn(move || loop {
            let mut chunk = vec![0u8; 1 << 16];
            match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    chunk.truncate(n);
                    if tx.send(Ok(chunk)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                    break;
                }
            }
        });
        let stream = ChunkReader {
            rx,
            chunk: Vec::new(),
            at: 0,
        };
        unpack_from(stream, &archive.display().to_string(), target, how)
    })
}

/// Unpack the uncompressed tarball `tar` (the cache keeps one beside the `.tar.xz`, so a
/// cached create does not decompress again).
pub fn unpack_plain(tar: &Path, target: &Path, how: Placement<'_>, progress: bool) -> Result<()> {
    let file = std::fs::File::open(tar).map_err(crate::error::io_err(tar))?;
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    if progress {
        let length = std::fs::metadata(tar).ok().map(|m| m.len());
        let bar = super::fetch::bar(length, "unpacking");
        let done = unpack_from(
            bar.wrap_read(reader),
            &tar.display().to_string(),
            target,
            how,
        );
        bar.finish_and_clear();
        return done;
    }
    unpack_from(reader, &tar.display().to_string(), target, how)
}

/// Decompress the xz file `from` into `to`.
pub fn decompress(from: &Path, to: &Path) -> Result<()> {
    let file = std::fs::File::open(from).map_err(crate::error::io_err(from))?;
    let mut reader = xz2::read::XzDecoder::new(std::io::BufReader::with_capacity(1 << 16, file));
    let mut out = std::fs::File::create(to).map_err(crate::error::io_err(to))?;
    std::io::copy(&mut reader, &mut out).map_err(|e| Error::Template {
        name: String::new(),
        template: "download".into(),
        message: format!("{}: truncated or corrupt: {e}", from.display()),
    })?;
    Ok(())
}

/// The decompressed stream, as the decoding thread hands it over.
struct ChunkReader {
    rx: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    self.chunk = chunk?;
                    self.at = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Unpack an uncompressed tar stream (named `what` in errors).
pub fn unpack_from(reader: impl Read, what: &str, target: &Path, how: Placement<'_>) -> Result<()> {
    let root = lxc_sys::fs::open_dir(target).map_err(crate::error::io_err(target))?;
    let excludes: Vec<PathBuf> = how.excludes.iter().filter_map(|e| clean(e).ok()).collect();
    let bad = |entry: &str, message: String| Error::Template {
        name: String::new(),
        template: "download".into(),
        message: format!("{what}: {entry}: {message}"),
    };
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| bad("", format!("not a tar archive: {e}")))?;
    let mut dirs: Vec<(PathBuf, u32, u64)> = Vec::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| bad("", format!("truncated or corrupt: {e}")))?;
        let raw = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw).into_owned();
        let rel = clean(OsStr::from_bytes(&raw)).map_err(|m| bad(&shown, m))?;
        if rel.as_os_str().is_empty() || excludes.iter().any(|e| rel.starts_with(e)) {
            continue;
        }
        let done = place(&root, &rel, &mut entry, how).map_err(|e| bad(&shown, e.to_string()))?;
        if let Some(dir) = done {
            dirs.push(dir);
        }
    }
    // Directories get their modes and times last: files written into them touched both.
    for (rel, mode, mtime) in dirs.into_iter().rev() {
        let (parent, name) =
            parent_of(&root, &rel).map_err(|e| bad(&rel.display().to_string(), e.to_string()))?;
        let fd = tree::open_at(parent.as_fd(), &name, libc::O_RDONLY | libc::O_DIRECTORY, 0)
            .and_then(|fd| tree::chmod_fd(fd.as_fd(), mode).map(|()| fd))
            .map_err(|e| bad(&rel.display().to_string(), e.to_string()))?;
        drop(fd);
        let t = (mtime as i64, 0);
        tree::set_times_at(parent.as_fd(), &name, t, t)
            .map_err(|e| bad(&rel.display().to_string(), e.to_string()))?;
    }
    Ok(())
}

/// A relative path without `.` components; `..` and absolute paths are refused.
fn clean(path: impl AsRef<OsStr>) -> std::result::Result<PathBuf, String> {
    let path = path.as_ref();
    let mut out = PathBuf::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::RootDir => {}
            Component::ParentDir => return Err("a \"..\" path would leave the rootfs".into()),
            Component::Prefix(_) => return Err("not a relative path".into()),
        }
    }
    Ok(out)
}

/// The directory that holds `rel` (made as needed) and the entry's name. No component may
/// be a symlink: an archive cannot route a later entry through one it made.
fn parent_of(root: &OwnedFd, rel: &Path) -> std::io::Result<(OwnedFd, OsString)> {
    let name = rel.file_name().map(OsStr::to_os_string).unwrap_or_default();
    let mut dir = root.try_clone()?;
    if let Some(parent) = rel.parent() {
        for comp in parent.components() {
            let comp = comp.as_os_str();
            let flags = libc::O_RDONLY | libc::O_DIRECTORY;
            let next = match tree::open_at(dir.as_fd(), comp, flags, 0) {
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                    tree::mkdir_at(dir.as_fd(), comp, 0o755)?;
                    tree::open_at(dir.as_fd(), comp, flags, 0)?
                }
                Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP | libc::ENOTDIR)) => {
                    return Err(std::io::Error::other(format!(
                        "goes through {}, which is not a directory (a symlink?)",
                        comp.to_string_lossy()
                    )))
                }
                other => other?,
            };
            dir = next;
        }
    }
    Ok((dir, name))
}

/// Make one entry; a directory is returned for its mode and time to be set at the end.
fn place(
    root: &OwnedFd,
    rel: &Path,
    entry: &mut tar::Entry<'_, impl Read>,
    how: Placement<'_>,
) -> std::io::Result<Option<(PathBuf, u32, u64)>> {
    let header = entry.header().clone();
    let (parent, name) = parent_of(root, rel)?;
    let dir = parent.as_fd();
    let mode = header.mode()? & 0o7777;
    let pax = pax_records(entry)?;
    let id =
        |v: u64| u32::try_from(v).map_err(|_| std::io::Error::other(format!("id {v} too large")));
    let (uid, gid) = (
        id(pax.uid.map_or_else(|| header.uid(), Ok)?)?,
        id(pax.gid.map_or_else(|| header.gid(), Ok)?)?,
    );
    if let Some(maps) = how.allowed {
        let mapped = maps.to_host(IdMapKind::Uid, uid).is_some()
            && maps.to_host(IdMapKind::Gid, gid).is_some();
        if !mapped {
            return Err(std::io::Error::other(format!(
                "owner {uid}:{gid} is not mapped by the container's lxc.idmap"
            )));
        }
    }
    let mtime = pax.mtime.map_or_else(|| header.mtime(), Ok)?;
    let xattrs = pax.xattrs;
    let kind = header.entry_type();
    let known = matches!(
        kind,
        tar::EntryType::Directory
            | tar::EntryType::Regular
            | tar::EntryType::Continuous
            | tar::EntryType::GNUSparse
            | tar::EntryType::Symlink
            | tar::EntryType::Link
            | tar::EntryType::Char
            | tar::EntryType::Block
            | tar::EntryType::Fifo
    );
    if !known {
        // Metadata entries (PAX, GNU long names) are folded in by the tar crate; anything
        // else is not ours to guess at, and removes nothing.
        return Ok(None);
    }
    // An entry replaces what an earlier one left at its name (not a directory).
    if !kind.is_dir() {
        if let Ok(st) = tree::stat_at(dir, &name) {
            if st.kind() != libc::S_IFDIR {
                tree::remove_at(dir, &name, false)?;
            }
        }
    }
    let mut open_file = None;
    match kind {
        tar::EntryType::Directory => match tree::mkdir_at(dir, &name, 0o700) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if tree::stat_at(dir, &name)?.kind() != libc::S_IFDIR {
                    return Err(std::io::Error::other("exists and is not a directory"));
                }
            }
            other => other?,
        },
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
            let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL;
            let fd = tree::open_at(dir, &name, flags, 0o600)?;
            let mut file = std::fs::File::from(fd);
            std::io::copy(entry, &mut file)?;
            open_file = Some(file);
        }
        tar::EntryType::Symlink => {
            let target = entry
                .link_name_bytes()
                .ok_or_else(|| std::io::Error::other("symlink without a target"))?;
            tree::symlink_at(OsStr::from_bytes(&target), dir, &name)?;
        }
        tar::EntryType::Link => {
            let target = entry
                .link_name_bytes()
                .ok_or_else(|| std::io::Error::other("hard link without a target"))?;
            let target = clean(OsStr::from_bytes(&target)).map_err(std::io::Error::other)?;
            let (old_dir, old_name) = parent_of(root, &target)?;
            tree::link_at(old_dir.as_fd(), &old_name, dir, &name)?;
            return Ok(None);
        }
        tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
            let type_bits = match kind {
                tar::EntryType::Char => libc::S_IFCHR,
                tar::EntryType::Block => libc::S_IFBLK,
                _ => libc::S_IFIFO,
            };
            let major = header.device_major()?.unwrap_or(0);
            let minor = header.device_minor()?.unwrap_or(0);
            tree::mknod_at(dir, &name, type_bits | 0o600, libc::makedev(major, minor))?;
        }
        // PAX and GNU metadata entries are folded into the next entry by the tar crate.
        _ => return Ok(None),
    }
    if !how.own_files {
        tree::chown_at(dir, &name, uid, gid)?;
    }
    if kind.is_dir() {
        set_xattrs(dir, &name, &xattrs)?;
        return Ok(Some((rel.to_path_buf(), mode, mtime)));
    }
    if !kind.is_symlink() {
        match &open_file {
            Some(file) => tree::chmod_fd(file.as_fd(), mode)?,
            None => tree::chmod_at(dir, &name, mode)?,
        }
    }
    // After the chown, which would clear a file capability.
    set_xattrs(dir, &name, &xattrs)?;
    let t = (mtime as i64, 0);
    tree::set_times_at(dir, &name, t, t)?;
    Ok(None)
}

/// What an entry's PAX header says beyond the ustar fields (which it overrides).
#[derive(Default)]
struct Pax {
    xattrs: Vec<(CString, Vec<u8>)>,
    uid: Option<u64>,
    gid: Option<u64>,
    /// Whole seconds (a fraction is dropped, as the ustar field has none).
    mtime: Option<u64>,
}

fn pax_records(entry: &mut tar::Entry<'_, impl Read>) -> std::io::Result<Pax> {
    let mut pax = Pax::default();
    let Some(exts) = entry.pax_extensions()? else {
        return Ok(pax);
    };
    let number = |key: &[u8], value: &[u8]| -> std::io::Result<u64> {
        let text = std::str::from_utf8(value).unwrap_or("");
        let whole = text.split('.').next().unwrap_or("");
        whole.parse().map_err(|_| {
            std::io::Error::other(format!(
                "bad PAX {} record {text:?}",
                String::from_utf8_lossy(key)
            ))
        })
    };
    for ext in exts {
        let ext = ext?;
        let (key, value) = (ext.key_bytes(), ext.value_bytes());
        match key {
            b"uid" => pax.uid = Some(number(key, value)?),
            b"gid" => pax.gid = Some(number(key, value)?),
            b"mtime" => pax.mtime = Some(number(key, value)?),
            _ => {
                if let Some(name) = key.strip_prefix(b"SCHILY.xattr.") {
                    let name =
                        CString::new(name).map_err(|_| std::io::Error::other("bad xattr name"))?;
                    pax.xattrs.push((name, value.to_vec()));
                }
            }
        }
    }
    Ok(pax)
}

fn set_xattrs(
    dir: BorrowedFd<'_>,
    name: &OsStr,
    xattrs: &[(CString, Vec<u8>)],
) -> std::io::Result<()> {
    for (key, value) in xattrs {
        if let Err(e) = tree::set_xattr_at(dir, name, key, value) {
            // What the target cannot hold (user.* on a symlink, a filesystem without
            // xattrs) is skipped, as tar does; anything else is an error.
            if !matches!(e.raw_os_error(), Some(libc::EPERM | libc::ENOTSUP)) {
                return Err(e);
            }
            tracing::debug!(?key, "xattr not kept: {e}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::clean;
    use std::path::PathBuf;

    #[test]
    fn paths_stay_inside() {
        assert_eq!(
            clean("./etc/hostname").unwrap(),
            PathBuf::from("etc/hostname")
        );
        assert_eq!(clean("/etc/x").unwrap(), PathBuf::from("etc/x"));
        assert!(clean("./etc/../../x").is_err());
        assert_eq!(clean("./").unwrap(), PathBuf::new());
    }
}
