//! Removing a container's trees without leaving their filesystem: a mount point found
//! inside (a bind mount someone left, a mounted image) stops the removal with an error that
//! names it, instead of deleting the mounted filesystem's files through it.

use crate::error::{io_err, Error, Result};
use lxc_sys::tree;
use std::ffi::OsStr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

/// `remove_tree` for an unprivileged container's files (`maps`: its `lxc.idmap`).
pub fn remove_tree_for(path: &Path, maps: &lxc_config::idmap::IdMaps) -> Result<()> {
    super::as_root::run_for(&super::as_root::FileOp::Remove(path.to_path_buf()), maps)
}

/// Remove `path` (file or tree); a missing `path` is not an error.
pub fn remove_tree(path: &Path) -> Result<()> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(Error::InvalidArgument(format!(
            "refusing to remove {}",
            path.display()
        )));
    };
    let parent_dir = match open_dir(parent) {
        Ok(fd) => fd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(parent)(e)),
    };
    let stat = match tree::stat_at(parent_dir.as_fd(), name) {
        Ok(st) => st,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(path)(e)),
    };
    if stat.kind() == libc::S_IFDIR {
        let top = tree::open_at(
            parent_dir.as_fd(),
            name,
            libc::O_RDONLY | libc::O_DIRECTORY,
            0,
        )
        .map_err(io_err(path))?;
        empty_dir(top.as_fd(), path)?;
    }
    remove_entry(parent_dir.as_fd(), name, stat.kind() == libc::S_IFDIR, path)
}

fn open_dir(path: &Path) -> std::io::Result<OwnedFd> {
    let dir = std::fs::File::open(path)?;
    Ok(OwnedFd::from(dir))
}

fn empty_dir(dir: BorrowedFd<'_>, shown: &Path) -> Result<()> {
    for (name, is_dir) in tree::list_dir_kinds(dir).map_err(io_err(shown))? {
        let path = shown.join(&name);
        if is_dir {
            let sub = tree::open_dir_same_mount(dir, &name).map_err(|e| {
                if e.raw_os_error() == Some(libc::EXDEV) {
                    Error::Io {
                        path: path.display().to_string(),
                        source: std::io::Error::other("a mount point: unmount it first"),
                    }
                } else {
                    io_err(&path)(e)
                }
            })?;
            empty_dir(sub.as_fd(), &path)?;
        }
        remove_entry(dir, &name, is_dir, &path)?;
    }
    Ok(())
}

fn remove_entry(dir: BorrowedFd<'_>, name: &OsStr, is_dir: bool, shown: &Path) -> Result<()> {
    match tree::remove_at(dir, name, is_dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(shown)(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_a_tree_without_following_symlinks() {
        let base = std::env::temp_dir().join(format!("lxc-rs-remove-{}", std::process::id()));
        let keep = base.join("keep");
        let tree = base.join("tree");
        std::fs::create_dir_all(keep.join("inner")).unwrap();
        std::fs::write(keep.join("inner/file"), "x").unwrap();
        std::fs::create_dir_all(tree.join("a/b/c")).unwrap();
        std::fs::write(tree.join("a/b/c/f"), "y").unwrap();
        std::os::unix::fs::symlink(&keep, tree.join("a/link")).unwrap();
        remove_tree(&tree).unwrap();
        assert!(!tree.exists());
        assert!(keep.join("inner/file").exists());
        remove_tree(&tree).unwrap();
        remove_tree(&base).unwrap();
        assert!(!base.exists());
    }
}
