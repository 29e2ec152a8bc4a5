//! Storage backends. This step has the `dir` backend; the others come with the storage issue
//! and are refused with a clear error until then.

pub mod copy;

use crate::container::Container;
use crate::error::{io_err, Error, Result};
use std::path::{Path, PathBuf};

/// The backend type and path of an `lxc.rootfs.path` value (`[type:]path`).
pub use lxc_config::split_rootfs_path as parse_rootfs;

/// The host directory holding the rootfs of a `dir` container.
pub fn rootfs_dir(c: &Container) -> Result<Option<PathBuf>> {
    let Some(value) = c.config().rootfs_path.as_deref() else {
        return Ok(None);
    };
    match parse_rootfs(value) {
        ("dir", path) => Ok(Some(PathBuf::from(path))),
        (kind, _) => Err(Error::Unsupported {
            name: c.name().to_string(),
            key: format!("lxc.rootfs.path = {kind}:..."),
        }),
    }
}

/// Check a `-B` backend name before anything is created.
pub fn check_backend(name: &str, bdev: Option<&str>) -> Result<()> {
    match bdev.unwrap_or("dir") {
        "dir" | "none" => Ok(()),
        "best" => Ok(()),
        other
            if ["btrfs", "zfs", "lvm", "loop", "overlay", "overlayfs", "rbd"].contains(&other) =>
        {
            Err(Error::Unsupported {
                name: name.to_string(),
                key: format!("backing store {other}"),
            })
        }
        other => Err(Error::InvalidArgument(format!(
            "unknown backing store type \"{other}\""
        ))),
    }
}

/// Remove a container's managed rootfs.
pub fn destroy_rootfs(c: &Container) -> Result<()> {
    if !c.config().rootfs_managed {
        return Ok(());
    }
    if let Some(dir) = rootfs_dir(c)? {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
    }
    Ok(())
}

/// Best-effort removal during cleanup of a failed create (the error is logged, not raised).
pub fn destroy_rootfs_dir(dir: &Path) {
    if dir.exists() {
        if let Err(e) = std::fs::remove_dir_all(dir) {
            tracing::error!(path = %dir.display(), "cleanup failed: {e}");
        }
    }
}
