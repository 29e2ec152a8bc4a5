//! Per-container locks: an OFD lock on `<rundir>/lxc/lock/<lxcpath>/.<name>`, as LXC places
//! them. The lock belongs to the open file, so it dies with whoever holds it.

use crate::error::{io_err, sys_err, Result};
use lxc_sys::fs::{ofd_lock, LockKind};
use std::fs::{File, OpenOptions};
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub struct ContainerLock {
    _file: File,
}

pub fn lock_path(runtime_dir: &Path, lxcpath: &str, name: &str) -> PathBuf {
    let rel = lxcpath.trim_start_matches('/');
    runtime_dir
        .join("lxc/lock")
        .join(rel)
        .join(format!(".{name}"))
}

/// Take the container's lock, waiting for other holders.
pub fn lock(
    runtime_dir: &Path,
    lxcpath: &str,
    name: &str,
    kind: LockKind,
) -> Result<ContainerLock> {
    let path = lock_path(runtime_dir, lxcpath, name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(io_err(&path))?;
    ofd_lock(file.as_fd(), kind, true).map_err(sys_err(format!("lock {}", path.display())))?;
    Ok(ContainerLock { _file: file })
}
