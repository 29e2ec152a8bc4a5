//! Giving a tree made by root to an unprivileged container: each entry's owner, a container
//! id, becomes the host id the container's `lxc.idmap` maps it to (root → e.g. 100000).
//! Walks by directory fd and never follows a symlink.

use crate::error::{io_err, Error, Result};
use lxc_config::idmap::IdMaps;
use lxc_config::IdMapKind;
use lxc_sys::tree;
use std::ffi::OsStr;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

/// The host ids of container ids `(uid, gid)`; an id the maps leave out is an error naming
/// `path` (a file owned by an unmapped id would belong to some other host user).
pub fn host_ids(maps: &IdMaps, (uid, gid): (u32, u32), path: &Path) -> Result<(u32, u32)> {
    match (
        maps.to_host(IdMapKind::Uid, uid),
        maps.to_host(IdMapKind::Gid, gid),
    ) {
        (Some(u), Some(g)) => Ok((u, g)),
        _ => Err(Error::InvalidArgument(format!(
            "{}: owner {uid}:{gid} is not mapped by the container's lxc.idmap",
            path.display()
        ))),
    }
}

/// Shift every entry below `root` (not `root` itself) from container ids to host ids.
pub fn shift_tree(root: &Path, maps: &IdMaps) -> Result<()> {
    let dir = lxc_sys::fs::open_dir(root).map_err(io_err(root))?;
    shift_dir(dir.as_fd(), root, maps)
}

fn shift_dir(dir: BorrowedFd<'_>, shown: &Path, maps: &IdMaps) -> Result<()> {
    for (name, is_dir) in tree::list_dir_kinds(dir).map_err(io_err(shown))? {
        let path = shown.join(&name);
        shift_entry(dir, &name, &path, maps)?;
        if is_dir {
            let sub = tree::open_dir_same_mount(dir, &name).map_err(io_err(&path))?;
            shift_dir(sub.as_fd(), &path, maps)?;
        }
    }
    Ok(())
}

fn shift_entry(dir: BorrowedFd<'_>, name: &OsStr, path: &Path, maps: &IdMaps) -> Result<()> {
    let st = tree::stat_at(dir, name).map_err(io_err(path))?;
    let (uid, gid) = host_ids(maps, (st.uid, st.gid), path)?;
    tree::chown_at(dir, name, uid, gid).map_err(io_err(path))?;
    // A chown drops the set-id bits; they belong to the file, whoever owns it now.
    if st.kind() != libc::S_IFLNK && st.mode & 0o6000 != 0 {
        tree::chmod_at(dir, name, st.mode & 0o7777).map_err(io_err(path))?;
    }
    Ok(())
}

/// Give `path` itself to the container's root (LXC's chown_mapped_root).
pub fn chown_to_mapped_root(path: &Path, maps: &IdMaps) -> Result<()> {
    chown_all_to_mapped_root(&[path.to_path_buf()], maps)
}

/// Give each of `paths` to the container's root. Root does it directly; another user, who
/// may not chown, as root of the container's user namespace (where the user is mapped
/// too), keeping the user's group.
pub fn chown_all_to_mapped_root(paths: &[std::path::PathBuf], maps: &IdMaps) -> Result<()> {
    if lxc_sys::geteuid() == 0 {
        for path in paths {
            let (uid, gid) = host_ids(maps, (0, 0), path)?;
            std::os::unix::fs::lchown(path, Some(uid), Some(gid)).map_err(io_err(path))?;
        }
        return Ok(());
    }
    let (_, _, users_group) = crate::userns::with_caller(maps)?;
    let owner = format!("0:{users_group}");
    let mut args = vec!["-h", owner.as_str()];
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    args.extend(shown.iter().map(String::as_str));
    chown_in_userns(maps, &args)
}

/// Give a tree a non-root user made (every entry its own) to the container's root, as
/// root of the container's user namespace.
pub fn give_users_tree_to_mapped_root(path: &Path, maps: &IdMaps) -> Result<()> {
    let shown = path.display().to_string();
    chown_in_userns(maps, &["-R", "-h", "0:0", &shown])
}

/// `chown ARGS` (the last one a path) as root of the container's user namespace, where the
/// calling user is mapped too.
fn chown_in_userns(maps: &IdMaps, args: &[&str]) -> Result<()> {
    let (all, _, _) = crate::userns::with_caller(maps)?;
    let mut argv = vec!["chown".to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let shown = PathBuf::from(args.last().copied().unwrap_or_default());
    let out = crate::userns::command(&all, &argv)?
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(io_err(&shown))?;
    if !out.status.success() {
        return Err(Error::Io {
            path: shown.display().to_string(),
            source: std::io::Error::other(format!(
                "chown to the container's root: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
        });
    }
    Ok(())
}
