//! The zfs backend (`zfs:<root>/<name>`): a dataset under the global `lxc.bdev.zfs.root`,
//! made, snapshotted (snapshot + clone) and destroyed with the `zfs` tool, mounted at start
//! as filesystem type zfs.

use super::block;
use crate::error::{Error, Result};
use std::process::Command;

fn zfs(args: &[&str]) -> Command {
    let mut cmd = Command::new("zfs");
    cmd.args(args);
    cmd
}

/// Check the parent dataset exists before anything is made.
pub fn check_root(root: &str) -> Result<()> {
    let ok = crate::runner::run(
        &mut zfs(&["list", "-H", root]),
        crate::runner::Capture::Discard,
    )
    .map_err(|e| Error::Backend(format!("zfs: {e} (is zfsutils-linux installed?)")))?;
    if ok.status.success() {
        return Ok(());
    }
    Err(Error::Backend(format!(
        "zfs: dataset \"{root}\" not found (lxc.bdev.zfs.root or --zfsroot)"
    )))
}

/// A new dataset `<root>/<name>` (not mounted by zfs: lxc mounts it).
pub fn create(root: &str, name: &str) -> Result<String> {
    check_root(root)?;
    let dataset = format!("{root}/{name}");
    block::run(
        &mut zfs(&["create", "-o", "mountpoint=none", &dataset]),
        "zfs create",
    )?;
    Ok(dataset)
}

/// A copy-on-write clone of `origin` as `<root of origin>/<name>`.
pub fn snapshot(origin: &str, name: &str) -> Result<String> {
    let root = origin.rsplit_once('/').map_or(origin, |(r, _)| r);
    let snap = format!("{origin}@{name}");
    let dataset = format!("{root}/{name}");
    block::run(&mut zfs(&["snapshot", &snap]), "zfs snapshot")?;
    if let Err(e) = block::run(
        &mut zfs(&["clone", "-o", "mountpoint=none", &snap, &dataset]),
        "zfs clone",
    ) {
        let _ = block::run(&mut zfs(&["destroy", &snap]), "zfs destroy");
        return Err(e);
    }
    Ok(dataset)
}

pub fn destroy(dataset: &str) -> Result<()> {
    block::run(&mut zfs(&["destroy", "-r", dataset]), "zfs destroy")
}

/// The dataset as a detached mount.
pub fn mount_detached(dataset: &str) -> Result<std::os::fd::OwnedFd> {
    lxc_sys::newmount::fs_mount("zfs", Some(dataset), &[], 0).map_err(|source| Error::Sys {
        op: format!("mount zfs dataset {dataset}"),
        source,
    })
}
