//! The btrfs backend: a rootfs is a subvolume, created, snapshotted and deleted by ioctl.
//! Subvolumes nested in it (a btrfs snapshot leaves them as empty directories) are
//! snapshotted and deleted along with it, deepest last and first respectively.

use crate::error::{io_err, Error, Result};
use lxc_sys::tree;
use std::ffi::OsStr;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

fn sys(op: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Sys { op, source }
}

fn parent_and_name(path: &Path) -> Result<(std::os::fd::OwnedFd, &OsStr)> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(Error::InvalidArgument(format!(
            "{}: not a subvolume path",
            path.display()
        )));
    };
    let fd = lxc_sys::fs::open_dir(parent).map_err(io_err(parent))?;
    Ok((fd, name))
}

pub fn is_subvolume(path: &Path) -> bool {
    lxc_sys::fs::open_dir(path).is_ok_and(|fd| lxc_sys::btrfs::is_subvolume(fd.as_fd()))
}

/// Whether `dir` is on btrfs (`-B best` picks btrfs there).
pub fn on_btrfs(dir: &Path) -> bool {
    lxc_sys::fs::open_dir(dir).is_ok_and(|fd| lxc_sys::btrfs::is_btrfs(fd.as_fd()))
}

pub fn create_subvolume(path: &Path) -> Result<()> {
    let (parent, name) = parent_and_name(path)?;
    lxc_sys::btrfs::create_subvolume(parent.as_fd(), name)
        .map_err(sys(format!("create btrfs subvolume {}", path.display())))
}

/// Snapshot subvolume `from` as `to`, with every subvolume nested in it.
pub fn snapshot(from: &Path, to: &Path) -> Result<()> {
    let source = lxc_sys::fs::open_dir(from).map_err(io_err(from))?;
    if !lxc_sys::btrfs::is_subvolume(source.as_fd()) {
        return Err(Error::InvalidArgument(format!(
            "{} is not a btrfs subvolume",
            from.display()
        )));
    }
    let (parent, name) = parent_and_name(to)?;
    let what = format!("snapshot {} as {}", from.display(), to.display());
    lxc_sys::btrfs::snapshot(source.as_fd(), parent.as_fd(), name).map_err(sys(what))?;
    // A snapshot holds an empty directory where each nested subvolume was.
    for rel in nested_subvolumes(source.as_fd(), from)? {
        let placeholder = to.join(&rel);
        std::fs::remove_dir(&placeholder).map_err(io_err(&placeholder))?;
        snapshot_one(&from.join(&rel), &placeholder)?;
    }
    Ok(())
}

fn snapshot_one(from: &Path, to: &Path) -> Result<()> {
    let source = lxc_sys::fs::open_dir(from).map_err(io_err(from))?;
    let (parent, name) = parent_and_name(to)?;
    let what = format!("snapshot {} as {}", from.display(), to.display());
    lxc_sys::btrfs::snapshot(source.as_fd(), parent.as_fd(), name).map_err(sys(what))
}

/// Delete subvolume `path` and the subvolumes nested in it (innermost first).
pub fn delete_subvolume(path: &Path) -> Result<()> {
    let Ok(root) = lxc_sys::fs::open_dir(path) else {
        return Ok(());
    };
    let mut nested = nested_subvolumes(root.as_fd(), path)?;
    nested.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    drop(root);
    for rel in nested {
        destroy_one(&path.join(rel))?;
    }
    destroy_one(path)
}

fn destroy_one(path: &Path) -> Result<()> {
    let (parent, name) = parent_and_name(path)?;
    lxc_sys::btrfs::destroy(parent.as_fd(), name)
        .map_err(sys(format!("delete btrfs subvolume {}", path.display())))
}

/// The subvolumes under `root` (relative paths, outermost first), found by walking it:
/// a directory on another device with a subvolume root's inode.
fn nested_subvolumes(root: BorrowedFd<'_>, root_path: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    walk(root, Path::new(""), &mut found).map_err(io_err(root_path))?;
    Ok(found)
}

fn walk(dir: BorrowedFd<'_>, rel: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let here = tree::stat_at(dir, OsStr::new(""))?;
    for name in tree::list_dir(dir)? {
        let st = tree::stat_at(dir, &name)?;
        if st.kind() != libc::S_IFDIR {
            continue;
        }
        let sub = tree::open_at(dir, &name, libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
        let child = rel.join(&name);
        if st.dev != here.dev {
            if !lxc_sys::btrfs::is_subvolume(sub.as_fd()) {
                continue; // another filesystem mounted here: not ours to walk
            }
            found.push(child.clone());
        }
        walk(sub.as_fd(), &child, found)?;
    }
    Ok(())
}
