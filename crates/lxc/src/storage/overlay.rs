//! The overlay backend (`overlay:` or `overlayfs:`): a read-only lower directory under a
//! container's own upper directory, LXC's `delta0`, with overlayfs' work directory beside
//! it. Snapshot clones of `dir` containers are made this way.

use super::Rootfs;
use crate::error::{io_err, Error, Result};
use lxc_config::idmap::IdMaps;
use lxc_sys::newmount::FsOption;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// overlayfs' work directory for `upper` (same filesystem, beside it).
pub fn workdir_of(upper: &Path) -> PathBuf {
    upper
        .parent()
        .map_or_else(|| PathBuf::from("olwork"), |p| p.join("olwork"))
}

/// A new, empty upper layer over `lower`. The merged root takes the upper's owner and
/// mode, so they are the lower root's (an unprivileged container's root owns its `/`).
pub fn make_upper(upper: &Path, lower: &Path) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    std::fs::create_dir(upper).map_err(io_err(upper))?;
    let below = std::fs::metadata(lower).map_err(io_err(lower))?;
    std::os::unix::fs::chown(upper, Some(below.uid()), Some(below.gid()))
        .and_then(|()| {
            std::fs::set_permissions(
                upper,
                std::fs::Permissions::from_mode(below.mode() & 0o7777),
            )
        })
        .map_err(io_err(upper))
}

/// A snapshot clone of `src` in the clone's directory `dir`: the same lower (a `dir`
/// source's rootfs is the lower itself) under a new `delta0` (a copy of an overlay source's
/// upper, so the clone sees what the source saw).
pub fn snapshot(src: &Rootfs, dir: &Path, maps: &IdMaps) -> Result<Rootfs> {
    let upper = dir.join("delta0");
    if users_unprivileged(maps) {
        return users_snapshot(src, dir, maps);
    }
    let lower = match src {
        Rootfs::Dir(p) | Rootfs::Btrfs(p) => {
            make_upper(&upper, p)?;
            p.clone()
        }
        Rootfs::Overlay { lower, upper: old } => {
            super::copy::copy_tree(old, &upper)?;
            lower.clone()
        }
        Rootfs::Loop(_) | Rootfs::Lvm(_) | Rootfs::Zfs(_) => {
            return Err(Error::InvalidArgument(
                "an overlay needs a directory below it (dir, btrfs or overlay source)".into(),
            ))
        }
    };
    let work = workdir_of(&upper);
    std::fs::create_dir(&work).map_err(io_err(&work))?;
    let rootfs = dir.join("rootfs");
    // The mount point the container's rootfs is mounted on at start, as LXC keeps it.
    std::fs::create_dir(&rootfs).map_err(io_err(&rootfs))?;
    Ok(Rootfs::Overlay { lower, upper })
}

/// A non-root user's unprivileged container: its files belong to the mapped ids.
fn users_unprivileged(maps: &IdMaps) -> bool {
    !maps.is_empty() && lxc_sys::geteuid() != 0
}

/// A user's snapshot of its directory container: the upper and work directories made by
/// the user, then given to the container's root (inside its user namespace), which mounts
/// the overlay there at start.
fn users_snapshot(src: &Rootfs, dir: &Path, maps: &IdMaps) -> Result<Rootfs> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Rootfs::Dir(lower) = src else {
        return Err(Error::InvalidArgument(
            "a user's overlay snapshot needs a directory container below it".into(),
        ));
    };
    let upper = dir.join("delta0");
    let work = workdir_of(&upper);
    let mode = std::fs::metadata(lower).map_err(io_err(lower))?.mode() & 0o7777;
    for made in [&upper, &work] {
        std::fs::create_dir(made).map_err(io_err(made))?;
    }
    std::fs::set_permissions(&upper, std::fs::Permissions::from_mode(mode))
        .map_err(io_err(&upper))?;
    for made in [&upper, &work] {
        crate::storage::shift::give_users_tree_to_mapped_root(made, maps)?;
    }
    let rootfs = dir.join("rootfs");
    std::fs::create_dir(&rootfs).map_err(io_err(&rootfs))?;
    Ok(Rootfs::Overlay {
        lower: lower.clone(),
        upper,
    })
}

/// The options overlayfs takes for this lower and upper.
pub fn options(lower: &Path, upper: &Path) -> Vec<(String, String)> {
    vec![
        ("lowerdir".into(), lower.display().to_string()),
        ("upperdir".into(), upper.display().to_string()),
        ("workdir".into(), workdir_of(upper).display().to_string()),
    ]
}

/// The overlay as a detached mount (attached nowhere): its fd.
pub fn mount_detached(lower: &Path, upper: &Path, data: &[FsOption<'_>]) -> Result<OwnedFd> {
    mount_with(lower, upper, false, data)
}

/// The same from inside a user namespace (a non-root user's container), where overlayfs
/// keeps its own attributes in `user.overlay.*` (`userxattr`).
pub fn mount_detached_in_userns(
    lower: &Path,
    upper: &Path,
    data: &[FsOption<'_>],
) -> Result<OwnedFd> {
    mount_with(lower, upper, true, data)
}

fn mount_with(
    lower: &Path,
    upper: &Path,
    userxattr: bool,
    data: &[FsOption<'_>],
) -> Result<OwnedFd> {
    let work = workdir_of(upper);
    if !work.is_dir() {
        std::fs::create_dir(&work).map_err(io_err(&work))?;
    }
    let opts = options(lower, upper);
    let mut fs_opts: Vec<FsOption<'_>> = opts
        .iter()
        .map(|(k, v)| FsOption::Value(k.as_str(), v.as_str()))
        .collect();
    if userxattr {
        fs_opts.push(FsOption::Flag("userxattr"));
    }
    fs_opts.extend_from_slice(data);
    lxc_sys::newmount::fs_mount("overlay", Some("overlay"), &fs_opts, 0).map_err(|e| Error::Sys {
        op: format!(
            "mount overlay of {} under {}",
            lower.display(),
            upper.display()
        ),
        source: e,
    })
}
