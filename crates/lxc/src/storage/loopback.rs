//! The loop backend (`loop:<image>`): the rootfs is a filesystem in an image file
//! (`<dir>/rootdev`), mounted through an autoclearing loop device, so the device goes by
//! itself once the mount does.

use crate::error::{io_err, Error, Result};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

pub use super::block::{DEFAULT_FSTYPE, DEFAULT_SIZE};

/// A new image of `size` bytes holding an empty `fstype` filesystem.
pub fn create_image(image: &Path, size: u64, fstype: &str) -> Result<()> {
    super::block::check_fstype(fstype)?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(image)
        .map_err(io_err(image))?;
    file.set_len(size).map_err(io_err(image))?;
    drop(file);
    super::block::make_fs(image, fstype)
}

/// The image's filesystem as a detached mount (attached nowhere) and its type.
pub fn mount_detached(
    image: &Path,
    data: &[lxc_sys::newmount::FsOption<'_>],
) -> Result<(OwnedFd, &'static str)> {
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
    let mounted = super::block::mount_device(&path, data);
    // The mount holds the device now; with autoclear it detaches when that goes.
    drop(device);
    mounted.map_err(|e| match e {
        Error::Sys { source, .. } => Error::Sys {
            op: format!("mount {} ({path})", image.display()),
            source,
        },
        other => other,
    })
}
