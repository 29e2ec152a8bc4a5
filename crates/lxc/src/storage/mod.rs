//! Storage backends: where a container's rootfs lives and how it is made, copied,
//! snapshotted, mounted and destroyed. `dir`, `overlay` (LXC's `overlay:<lower>:<upper>`
//! with the upper in `delta0`) and `btrfs` (subvolumes) are built; the others are refused
//! with a clear error until they land.

pub mod as_root;
pub mod block;
pub mod btrfs;
pub mod clones;
pub mod copy;
pub mod loopback;
pub mod lvm;
pub mod overlay;
pub mod remove;
pub mod shift;
pub mod zfs;

use crate::container::Container;
use crate::error::{io_err, Error, Result};
pub use clones::{clone_backing, make_clone, Backing};
use lxc_sys::newmount::FsOption;
use std::path::{Path, PathBuf};

/// The backend type and path of an `lxc.rootfs.path` value (`[type:]path`).
pub use lxc_config::split_rootfs_path as parse_rootfs;

/// A container's rootfs, by backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rootfs {
    Dir(PathBuf),
    /// A read-only lower directory (another container's rootfs) under this container's
    /// own upper directory (`delta0`).
    Overlay {
        lower: PathBuf,
        upper: PathBuf,
    },
    /// A btrfs subvolume.
    Btrfs(PathBuf),
    /// A filesystem image mounted through a loop device.
    Loop(PathBuf),
    /// A logical volume (`/dev/<vg>/<lv>`) holding a filesystem.
    Lvm(PathBuf),
    /// A zfs dataset.
    Zfs(String),
}

/// Where new volumes and datasets go: the global `lxc.bdev.lvm.vg`,
/// `lxc.bdev.lvm.thin_pool` and `lxc.bdev.zfs.root` (each `lxc` by default).
#[derive(Debug, Clone)]
pub struct Defaults {
    pub vg: String,
    pub thinpool: String,
    pub zfsroot: String,
}

impl Defaults {
    pub fn load(paths: &lxc_config::Paths) -> Result<Defaults> {
        let global = lxc_config::GlobalConfig::load(paths)?;
        let get = |key: &str| global.get(key).unwrap_or_else(|| "lxc".to_string());
        Ok(Defaults {
            vg: get("lxc.bdev.lvm.vg"),
            thinpool: get("lxc.bdev.lvm.thin_pool"),
            zfsroot: get("lxc.bdev.zfs.root"),
        })
    }
}

/// A backend's settings at create (`struct bdev_specs`): `--fstype`, `--fssize`.
#[derive(Debug, Default, Clone)]
pub struct BdevSpecs {
    pub fstype: Option<String>,
    /// Bytes (0: the backend's default).
    pub fssize: u64,
    /// lvm: `--lvname` (default: the container's name), `--vgname`, `--thinpool`.
    pub lvname: Option<String>,
    pub vgname: Option<String>,
    pub thinpool: Option<String>,
    /// zfs: `--zfsroot`.
    pub zfsroot: Option<String>,
}

impl Rootfs {
    /// The rootfs of `c` as its configuration names it.
    pub fn of(c: &Container) -> Result<Rootfs> {
        let value = c.config().rootfs_path.as_deref().unwrap_or_default();
        Rootfs::parse(value).map_err(|key| Error::Unsupported {
            name: c.name().to_string(),
            key,
        })
    }

    /// Parse an `lxc.rootfs.path` value; Err names what is not supported.
    pub fn parse(value: &str) -> std::result::Result<Rootfs, String> {
        match parse_rootfs(value) {
            ("dir", path) if btrfs::is_subvolume(Path::new(path)) => Ok(Rootfs::Btrfs(path.into())),
            ("dir", path) => Ok(Rootfs::Dir(path.into())),
            ("btrfs", path) => Ok(Rootfs::Btrfs(path.into())),
            ("loop", path) => Ok(Rootfs::Loop(path.into())),
            ("lvm", path) => Ok(Rootfs::Lvm(path.into())),
            ("zfs", dataset) => Ok(Rootfs::Zfs(dataset.to_string())),
            ("overlay" | "overlayfs", rest) => {
                // lower[:lower...]:upper; one lower is what clones make.
                let (lower, upper) = rest.rsplit_once(':').ok_or_else(|| {
                    format!("lxc.rootfs.path = {value} (expected overlay:LOWER:UPPER)")
                })?;
                Ok(Rootfs::Overlay {
                    lower: lower.into(),
                    upper: upper.into(),
                })
            }
            (kind, _) => Err(format!("lxc.rootfs.path = {kind}:...")),
        }
    }

    /// The `lxc.rootfs.path` value.
    pub fn config_value(&self) -> String {
        match self {
            Rootfs::Dir(p) => format!("dir:{}", p.display()),
            Rootfs::Btrfs(p) => format!("btrfs:{}", p.display()),
            Rootfs::Loop(p) => format!("loop:{}", p.display()),
            Rootfs::Lvm(p) => format!("lvm:{}", p.display()),
            Rootfs::Zfs(d) => format!("zfs:{d}"),
            Rootfs::Overlay { lower, upper } => {
                format!("overlay:{}:{}", lower.display(), upper.display())
            }
        }
    }

    /// The value without its type (LXC_ROOTFS_PATH).
    pub fn path_value(&self) -> String {
        let value = self.config_value();
        parse_rootfs(&value).1.to_string()
    }

    pub fn can_snapshot(&self) -> bool {
        !matches!(self, Rootfs::Dir(_) | Rootfs::Loop(_))
    }

    /// Whether the rootfs is a directory on the host (else it is mounted at start).
    pub fn is_dir(&self) -> bool {
        matches!(self, Rootfs::Dir(_) | Rootfs::Btrfs(_))
    }
}

/// Run `f` on a path showing the rootfs as the container sees it, writable: the directory
/// itself, or an overlay mounted detached (no mount appears anywhere on the host).
pub fn with_writable_root(rootfs: &Rootfs, f: &mut dyn FnMut(&Path) -> Result<()>) -> Result<()> {
    with_root(rootfs, f)
}

pub(crate) fn with_root(rootfs: &Rootfs, f: &mut dyn FnMut(&Path) -> Result<()>) -> Result<()> {
    match rootfs {
        Rootfs::Dir(p) | Rootfs::Btrfs(p) => f(p),
        _ => {
            let mount = mount_detached(rootfs, &[])?;
            let path = PathBuf::from(format!(
                "/proc/{}/fd/{}",
                lxc_sys::getpid(),
                std::os::fd::AsRawFd::as_raw_fd(&mount)
            ));
            f(&path)
        }
    }
}

/// A rootfs that is not a host directory, mounted detached (attached nowhere): overlay,
/// loop image, volume or dataset. Start attaches it as the container's root.
/// `data`: the filesystem's own options (`lxc.rootfs.options`).
pub fn mount_detached(rootfs: &Rootfs, data: &[FsOption<'_>]) -> Result<std::os::fd::OwnedFd> {
    match rootfs {
        Rootfs::Overlay { lower, upper } => overlay::mount_detached(lower, upper, data),
        Rootfs::Loop(image) => loopback::mount_detached(image, data).map(|(m, _)| m),
        Rootfs::Lvm(dev) => block::mount_device(&dev.display().to_string(), data).map(|(m, _)| m),
        Rootfs::Zfs(dataset) => zfs::mount_detached(dataset, data),
        Rootfs::Dir(p) | Rootfs::Btrfs(p) => Err(Error::InvalidArgument(format!(
            "{} is a directory, not a mount",
            p.display()
        ))),
    }
}

/// The rootfs as a detached mount made from inside a non-root user's container (its user
/// namespace): only an overlay can be mounted there.
pub fn mount_detached_in_userns(
    rootfs: &Rootfs,
    data: &[FsOption<'_>],
) -> Result<std::os::fd::OwnedFd> {
    match rootfs {
        Rootfs::Overlay { lower, upper } => overlay::mount_detached_in_userns(lower, upper, data),
        other => Err(Error::InvalidArgument(format!(
            "{}: a non-root user's container cannot mount this storage",
            other.config_value()
        ))),
    }
}

/// The host directory holding the rootfs of a container, for backends whose rootfs is a
/// directory (dir, btrfs); None for the others and when none is configured.
pub fn rootfs_dir(c: &Container) -> Result<Option<PathBuf>> {
    if c.config().rootfs_path.is_none() {
        return Ok(None);
    }
    match Rootfs::of(c)? {
        Rootfs::Dir(p) | Rootfs::Btrfs(p) => Ok(Some(p)),
        _ => Ok(None),
    }
}

/// Check a `-B` backend name before anything is created.
pub fn check_backend(name: &str, bdev: Option<&str>) -> Result<()> {
    match bdev.unwrap_or("dir") {
        "dir" | "none" | "btrfs" | "overlay" | "overlayfs" | "loop" | "lvm" | "zfs" => Ok(()),
        "best" => Ok(()),
        other if ["rbd", "nbd"].contains(&other) => Err(Error::Unsupported {
            name: name.to_string(),
            key: format!("backing store {other}"),
        }),
        other => Err(Error::InvalidArgument(format!(
            "unknown backing store type \"{other}\""
        ))),
    }
}

/// Remove a container's managed rootfs: for an overlay only its own upper layer (the lower
/// belongs to the container it was cloned from).
pub fn destroy_rootfs(c: &Container) -> Result<()> {
    if !c.config().rootfs_managed || c.config().rootfs_path.is_none() {
        return Ok(());
    }
    match Rootfs::of(c)? {
        // An unprivileged container's files may need its user namespace to go.
        Rootfs::Dir(dir) => remove::remove_tree_for(&dir, &c.config().id_maps()),
        Rootfs::Overlay { upper, .. } => {
            let maps = c.config().id_maps();
            remove::remove_tree_for(&upper, &maps)?;
            remove::remove_tree_for(&overlay::workdir_of(&upper), &maps)
        }
        other => destroy_storage(&other),
    }
}

/// Remove a rootfs's storage (an overlay's own layers only).
pub fn destroy_storage(rootfs: &Rootfs) -> Result<()> {
    match rootfs {
        Rootfs::Dir(dir) => remove_tree(dir),
        Rootfs::Btrfs(dir) => btrfs::delete_subvolume(dir),
        Rootfs::Overlay { upper, .. } => {
            remove_tree(upper)?;
            remove_tree(&overlay::workdir_of(upper))
        }
        Rootfs::Loop(image) => match std::fs::remove_file(image) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(image)(e)),
            _ => Ok(()),
        },
        Rootfs::Lvm(dev) => lvm::destroy(dev),
        Rootfs::Zfs(dataset) => zfs::destroy(dataset),
    }
}

pub use remove::{remove_tree, remove_tree_for};

/// Remove what a failed clone or snapshot made under its new directory `dir`.
/// `src` is the source's rootfs: until the clone's own is set in its config, the config
/// still names the source's, which is never touched.
pub fn destroy_made(new: &Container, dir: &Path, src: &Rootfs) -> Result<()> {
    match Rootfs::of(new) {
        Ok(made) if made == *src => {}
        Ok(Rootfs::Btrfs(p)) if p.starts_with(dir) => btrfs::delete_subvolume(&p)?,
        Ok(made @ (Rootfs::Lvm(_) | Rootfs::Zfs(_))) if new.config().rootfs_path.is_some() => {
            destroy_storage(&made)?
        }
        _ => {}
    }
    let rootfs = dir.join("rootfs");
    if btrfs::is_subvolume(&rootfs) {
        btrfs::delete_subvolume(&rootfs)?;
    }
    remove_tree_for(dir, &new.config().id_maps())
}

/// Best-effort removal during cleanup of a failed create (the error is logged, not raised).
pub fn destroy_rootfs_dir(dir: &Path, maps: &lxc_config::idmap::IdMaps) {
    if let Err(e) = remove::remove_tree_for(dir, maps) {
        tracing::error!("cleanup failed: {e}");
    }
}
