//! The loop backend (`loop:<image>`): the rootfs is a filesystem in an image file
//! (`<dir>/rootdev`), mounted through an autoclearing loop device, so the device goes by
//! itself once the mount does.

use crate::error::{io_err, Error, Result};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::process::Command;

/// What LXC's `--fstype` and `--fssize` default to.
pub const DEFAULT_FSTYPE: &str = "ext4";
pub const DEFAULT_SIZE: u64 = 1 << 30;

/// The filesystems tried, in order, when mounting an image of unknown type.
const KNOWN_TYPES: &[&str] = &["ext4", "xfs", "btrfs", "ext3", "ext2"];

/// A new image of `size` bytes holding an empty `fstype` filesystem.
pub fn create_image(image: &Path, size: u64, fstype: &str) -> Result<()> {
    if !KNOWN_TYPES.contains(&fstype) {
        return Err(Error::InvalidArgument(format!(
            "--fstype {fstype}: one of {}",
            KNOWN_TYPES.join(", ")
        )));
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(image)
        .map_err(io_err(image))?;
    file.set_len(size).map_err(io_err(image))?;
    drop(file);
    let mkfs = format!("mkfs.{fstype}");
    let mut cmd = Command::new(&mkfs);
    match fstype {
        "xfs" | "btrfs" => cmd.arg("-q"),
        _ => cmd.args(["-q", "-F"]),
    };
    cmd.arg(image);
    let out = crate::runner::run(&mut cmd, crate::runner::Capture::All)
        .map_err(|e| Error::InvalidArgument(format!("{mkfs}: {e}")))?;
    if !out.status.success() {
        return Err(Error::InvalidArgument(format!(
            "{mkfs} {}: {}",
            image.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// The image's filesystem as a detached mount (attached nowhere) and its type.
pub fn mount_detached(image: &Path) -> Result<(OwnedFd, &'static str)> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(image)
        .map_err(io_err(image))?;
    let (device, path) =
        lxc_sys::loopdev::attach(file.as_fd(), false).map_err(|source| Error::Sys {
            op: format!("attach {} to a loop device", image.display()),
            source,
        })?;
    let mut last = None;
    for fstype in KNOWN_TYPES {
        match lxc_sys::newmount::fs_mount(fstype, Some(&path), &[], 0) {
            Ok(mount) => {
                // The mount holds the device now; with autoclear it detaches when that goes.
                drop(device);
                return Ok((mount, fstype));
            }
            Err(e) => last = Some(e),
        }
    }
    Err(Error::Sys {
        op: format!("mount {} ({path})", image.display()),
        source: last.unwrap_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidData)),
    })
}
