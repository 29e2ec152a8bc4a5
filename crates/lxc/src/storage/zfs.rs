//! The zfs backend (`zfs:<root>/<name>`): a dataset under the global `lxc.bdev.zfs.root`,
//! made, snapshotted (snapshot + clone) and destroyed with the `zfs` tool, mounted at start
//! as filesystem type zfs. The command lines are built apart from running them, so they
//! are tested where ZFS cannot run.

use super::block;
use crate::error::{Error, Result};
use std::process::Command;

/// `zfs list -H <root>`: does the parent dataset exist.
pub fn list_args(root: &str) -> Vec<String> {
    words(&["list", "-H", root])
}

/// `zfs create -o mountpoint=none <dataset>` (lxc mounts it, not zfs).
pub fn create_args(dataset: &str) -> Vec<String> {
    words(&["create", "-o", "mountpoint=none", dataset])
}

/// `zfs snapshot <origin>@<name>` and `zfs clone -o mountpoint=none <snap> <new>`.
pub fn snapshot_args(origin: &str, name: &str) -> (Vec<String>, Vec<String>, String) {
    let root = origin.rsplit_once('/').map_or(origin, |(r, _)| r);
    let snap = format!("{origin}@{name}");
    let dataset = format!("{root}/{name}");
    (
        words(&["snapshot", &snap]),
        words(&["clone", "-o", "mountpoint=none", &snap, &dataset]),
        dataset,
    )
}

/// `zfs destroy -r <dataset>`.
pub fn destroy_args(dataset: &str) -> Vec<String> {
    words(&["destroy", "-r", dataset])
}

fn words(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn zfs(args: &[String]) -> Command {
    let mut cmd = Command::new("zfs");
    cmd.args(args);
    cmd
}

/// Check the parent dataset exists before anything is made.
pub fn check_root(root: &str) -> Result<()> {
    let ok = crate::runner::run(&mut zfs(&list_args(root)), crate::runner::Capture::Discard)
        .map_err(|e| Error::Backend(format!("zfs: {e} (is zfsutils-linux installed?)")))?;
    if ok.status.success() {
        return Ok(());
    }
    Err(Error::Backend(format!(
        "zfs: dataset \"{root}\" not found (lxc.bdev.zfs.root or --zfsroot)"
    )))
}

/// A new dataset `<root>/<name>`.
pub fn create(root: &str, name: &str) -> Result<String> {
    check_root(root)?;
    let dataset = format!("{root}/{name}");
    block::run(&mut zfs(&create_args(&dataset)), "zfs create")?;
    Ok(dataset)
}

/// A copy-on-write clone of `origin` as `<root of origin>/<name>`.
pub fn snapshot(origin: &str, name: &str) -> Result<String> {
    let (snap, clone, dataset) = snapshot_args(origin, name);
    block::run(&mut zfs(&snap), "zfs snapshot")?;
    if let Err(e) = block::run(&mut zfs(&clone), "zfs clone") {
        let _ = block::run(
            &mut zfs(&destroy_args(&format!("{origin}@{name}"))),
            "zfs destroy",
        );
        return Err(e);
    }
    Ok(dataset)
}

pub fn destroy(dataset: &str) -> Result<()> {
    block::run(&mut zfs(&destroy_args(dataset)), "zfs destroy")
}

/// The dataset as a detached mount.
pub fn mount_detached(
    dataset: &str,
    data: &[lxc_sys::newmount::FsOption<'_>],
) -> Result<std::os::fd::OwnedFd> {
    lxc_sys::newmount::fs_mount("zfs", Some(dataset), data, 0).map_err(|source| Error::Sys {
        op: format!("mount zfs dataset {dataset}"),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_are_zfs_own() {
        assert_eq!(list_args("tank/lxc"), ["list", "-H", "tank/lxc"]);
        assert_eq!(
            create_args("tank/lxc/c1"),
            ["create", "-o", "mountpoint=none", "tank/lxc/c1"]
        );
        let (snap, clone, dataset) = snapshot_args("tank/lxc/c1", "c2");
        assert_eq!(snap, ["snapshot", "tank/lxc/c1@c2"]);
        assert_eq!(
            clone,
            [
                "clone",
                "-o",
                "mountpoint=none",
                "tank/lxc/c1@c2",
                "tank/lxc/c2"
            ]
        );
        assert_eq!(dataset, "tank/lxc/c2");
        assert_eq!(
            destroy_args("tank/lxc/c2"),
            ["destroy", "-r", "tank/lxc/c2"]
        );
    }
}
