//! What the block backends (loop, lvm) share: a filesystem made on a device or image, and
//! a device's filesystem mounted detached, its type found by trying the known ones.

use crate::error::{Error, Result};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::Command;

/// What LXC's `--fstype` and `--fssize` default to.
pub const DEFAULT_FSTYPE: &str = "ext4";
pub const DEFAULT_SIZE: u64 = 1 << 30;

/// The filesystems made and tried, in order, when mounting a device of unknown type.
pub const KNOWN_TYPES: &[&str] = &["ext4", "xfs", "btrfs", "ext3", "ext2"];

pub fn check_fstype(fstype: &str) -> Result<()> {
    if KNOWN_TYPES.contains(&fstype) {
        return Ok(());
    }
    Err(Error::InvalidArgument(format!(
        "--fstype {fstype}: one of {}",
        KNOWN_TYPES.join(", ")
    )))
}

/// Make an empty `fstype` filesystem on `target` (a device or an image file).
pub fn make_fs(target: &Path, fstype: &str) -> Result<()> {
    check_fstype(fstype)?;
    let mkfs = format!("mkfs.{fstype}");
    let mut cmd = Command::new(&mkfs);
    match fstype {
        "xfs" | "btrfs" => cmd.arg("-q"),
        _ => cmd.args(["-q", "-F"]),
    };
    cmd.arg(target);
    run(&mut cmd, &mkfs)
}

/// Run an outside tool; its stderr makes the error.
pub fn run(cmd: &mut Command, what: &str) -> Result<()> {
    let out = crate::runner::run(cmd, crate::runner::Capture::All)
        .map_err(|e| Error::Backend(format!("{what}: {e} (is it installed?)")))?;
    if out.status.success() {
        return Ok(());
    }
    Err(Error::Backend(format!(
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

/// The filesystem on `device` as a detached mount, and its type.
pub fn mount_device(
    device: &str,
    data: &[lxc_sys::newmount::FsOption<'_>],
) -> Result<(OwnedFd, &'static str)> {
    let mut last = None;
    for fstype in KNOWN_TYPES {
        match lxc_sys::newmount::fs_mount(fstype, Some(device), data, 0) {
            Ok(mount) => return Ok((mount, fstype)),
            Err(e) => last = Some(e),
        }
    }
    Err(Error::Sys {
        op: format!("mount {device}"),
        source: last.unwrap_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidData)),
    })
}
