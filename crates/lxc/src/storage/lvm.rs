//! The lvm backend (`lvm:/dev/<vg>/<lv>`): a logical volume (in a thin pool when there is
//! one) holding a filesystem, made, snapshotted and removed with LVM's own tools. The VG
//! defaults to the global `lxc.bdev.lvm.vg` and the pool to `lxc.bdev.lvm.thin_pool`.

use super::block;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where a new logical volume goes.
#[derive(Debug, Clone)]
pub struct Volume {
    pub vg: String,
    pub lv: String,
    /// Used when the VG has an LV of that name that is a thin pool.
    pub thinpool: Option<String>,
}

impl Volume {
    pub fn device(&self) -> PathBuf {
        Path::new("/dev").join(&self.vg).join(&self.lv)
    }
}

fn lvm(args: &[&str]) -> Command {
    let mut cmd = Command::new(args[0]);
    cmd.args(&args[1..]);
    // LVM's tools complain about every inherited fd.
    cmd.env("LVM_SUPPRESS_FD_WARNINGS", "1");
    cmd
}

fn succeeds(args: &[&str]) -> bool {
    crate::runner::run(&mut lvm(args), crate::runner::Capture::Discard)
        .is_ok_and(|o| o.status.success())
}

/// Check the volume group exists before anything is made.
pub fn check_vg(vg: &str) -> Result<()> {
    if succeeds(&["vgs", "--noheadings", vg]) {
        return Ok(());
    }
    Err(Error::Backend(format!(
        "lvm: volume group \"{vg}\" not found (lxc.bdev.lvm.vg or --vgname)"
    )))
}

fn is_thin_pool(vg: &str, pool: &str) -> bool {
    let mut cmd = lvm(&[
        "lvs",
        "--noheadings",
        "-o",
        "segtype",
        &format!("{vg}/{pool}"),
    ]);
    crate::runner::run(&mut cmd, crate::runner::Capture::All).is_ok_and(|o| {
        o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "thin-pool"
    })
}

/// A new volume of `size` bytes with an empty `fstype` filesystem; its device.
pub fn create(vol: &Volume, size: u64, fstype: &str) -> Result<PathBuf> {
    block::check_fstype(fstype)?;
    check_vg(&vol.vg)?;
    let size = format!("{size}b");
    let pool = vol
        .thinpool
        .as_deref()
        .filter(|p| is_thin_pool(&vol.vg, p))
        .map(|p| format!("{}/{p}", vol.vg));
    let mut cmd = match &pool {
        Some(pool) => lvm(&[
            "lvcreate", "-qq", "-y", "--thin", "-V", &size, "-n", &vol.lv, pool,
        ]),
        None => lvm(&["lvcreate", "-qq", "-y", "-L", &size, "-n", &vol.lv, &vol.vg]),
    };
    block::run(&mut cmd, "lvcreate")?;
    let device = vol.device();
    if let Err(e) = block::make_fs(&device, fstype) {
        let _ = destroy(&device);
        return Err(e);
    }
    Ok(device)
}

/// A snapshot of the volume `origin` as `new` in the same VG (thin volumes need no size).
pub fn snapshot(origin: &Path, new: &str, size: u64) -> Result<PathBuf> {
    let vg = origin
        .parent()
        .and_then(|p| p.file_name())
        .map(|v| v.to_string_lossy().into_owned())
        .ok_or_else(|| {
            Error::InvalidArgument(format!("{}: not /dev/<vg>/<lv>", origin.display()))
        })?;
    let origin_str = origin.display().to_string();
    let size = format!("{size}b");
    let thin = {
        let lv = origin
            .file_name()
            .map(|l| l.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut cmd = lvm(&[
            "lvs",
            "--noheadings",
            "-o",
            "pool_lv",
            &format!("{vg}/{lv}"),
        ]);
        crate::runner::run(&mut cmd, crate::runner::Capture::All).is_ok_and(|o| {
            o.status.success() && !String::from_utf8_lossy(&o.stdout).trim().is_empty()
        })
    };
    let mut cmd = if thin {
        lvm(&["lvcreate", "-qq", "-s", "-kn", "-n", new, &origin_str])
    } else {
        lvm(&["lvcreate", "-qq", "-s", "-L", &size, "-n", new, &origin_str])
    };
    block::run(&mut cmd, "lvcreate --snapshot")?;
    Ok(Path::new("/dev").join(vg).join(new))
}

/// The size of the volume at `device` in bytes, as LVM reports it.
pub fn size_of(device: &Path) -> Option<u64> {
    let dev = device.display().to_string();
    let mut cmd = lvm(&[
        "lvs",
        "--noheadings",
        "--units",
        "b",
        "--nosuffix",
        "-o",
        "lv_size",
        &dev,
    ]);
    let out = crate::runner::run(&mut cmd, crate::runner::Capture::All).ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

pub fn destroy(device: &Path) -> Result<()> {
    if !device.exists() && !succeeds(&["lvs", &device.display().to_string()]) {
        return Ok(());
    }
    block::run(
        &mut lvm(&["lvremove", "-f", "-qq", &device.display().to_string()]),
        "lvremove",
    )
}
