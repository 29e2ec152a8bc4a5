//! Storage backends: where a container's rootfs lives and how it is made, copied,
//! snapshotted, mounted and destroyed. `dir`, `overlay` (LXC's `overlay:<lower>:<upper>`
//! with the upper in `delta0`) and `btrfs` (subvolumes) are built; the others are refused
//! with a clear error until they land.

pub mod btrfs;
pub mod copy;
pub mod loopback;
pub mod overlay;

use crate::clone::{CloneSpec, CLONE_MAYBE_SNAPSHOT, CLONE_SNAPSHOT};
use crate::container::Container;
use crate::error::{io_err, Error, Result};
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
}

/// A backend's settings at create (`struct bdev_specs`): `--fstype`, `--fssize`.
#[derive(Debug, Default, Clone)]
pub struct BdevSpecs {
    pub fstype: Option<String>,
    /// Bytes (0: the backend's default).
    pub fssize: u64,
}

/// How a clone gets its rootfs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// A full copy into a new directory (`dir`) or subvolume (`btrfs`).
    CopyDir,
    CopyBtrfs,
    /// A full copy into a new image (`loop`).
    CopyLoop,
    /// Copy-on-write: an overlay over the source, or a btrfs snapshot.
    OverlaySnapshot,
    BtrfsSnapshot,
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
        matches!(self, Rootfs::Overlay { .. } | Rootfs::Btrfs(_))
    }
}

/// The backing of a clone, decided before anything is made, as LXC decides it: an
/// explicit type; else for a snapshot the source's copy-on-write kind (overlay over a
/// `dir`); else a copy of the source's kind.
pub fn clone_backing(src: &Rootfs, spec: &CloneSpec) -> Result<Backing> {
    let snapshot = spec.flags & CLONE_SNAPSHOT != 0
        || (spec.flags & CLONE_MAYBE_SNAPSHOT != 0 && src.can_snapshot());
    let unsupported = |what: &str| Error::InvalidArgument(what.to_string());
    match spec.bdevtype.as_deref() {
        Some("overlay" | "overlayfs") => match src {
            Rootfs::Btrfs(_) | Rootfs::Dir(_) | Rootfs::Overlay { .. } => {
                Ok(Backing::OverlaySnapshot)
            }
            Rootfs::Loop(_) => Err(unsupported("an overlay over a loop image is not supported")),
        },
        Some("btrfs") => Ok(if snapshot && matches!(src, Rootfs::Btrfs(_)) {
            Backing::BtrfsSnapshot
        } else {
            Backing::CopyBtrfs
        }),
        Some("dir") if snapshot => Err(unsupported(
            "a dir backend cannot snapshot: use -B overlay or -B btrfs",
        )),
        Some("dir") => Ok(Backing::CopyDir),
        Some("loop") if snapshot => Err(unsupported("a loop backend cannot snapshot")),
        Some("loop") => Ok(Backing::CopyLoop),
        Some(other @ ("lvm" | "zfs" | "rbd" | "nbd")) => Err(Error::Unsupported {
            name: String::new(),
            key: format!("backing store {other}"),
        }),
        Some(other) => Err(unsupported(&format!(
            "unknown backing store type \"{other}\""
        ))),
        None => Ok(match (src, snapshot) {
            (Rootfs::Loop(_), _) if spec.flags & CLONE_SNAPSHOT != 0 => {
                return Err(unsupported("a loop backend cannot snapshot"))
            }
            (Rootfs::Loop(_), _) => Backing::CopyLoop,
            (Rootfs::Btrfs(_), true) => Backing::BtrfsSnapshot,
            (Rootfs::Dir(_) | Rootfs::Overlay { .. }, true) => Backing::OverlaySnapshot,
            (Rootfs::Btrfs(_), false) => Backing::CopyBtrfs,
            (_, false) => Backing::CopyDir,
        }),
    }
}

/// Make a clone's rootfs in its new directory `dir` from `src` (only read); `newsize`:
/// the size of a new image (0: the source's, else the default).
pub fn make_clone(src: &Rootfs, backing: &Backing, dir: &Path, newsize: u64) -> Result<Rootfs> {
    let rootfs = dir.join("rootfs");
    match backing {
        Backing::CopyLoop => {
            let image = dir.join("rootdev");
            let (size, fstype) = match src {
                Rootfs::Loop(p) => {
                    let len = std::fs::metadata(p).map_err(io_err(p))?.len();
                    let (_, fstype) = loopback::mount_detached(p)?;
                    (len, fstype)
                }
                _ => (loopback::DEFAULT_SIZE, loopback::DEFAULT_FSTYPE),
            };
            let size = if newsize > 0 { newsize } else { size };
            loopback::create_image(&image, size, fstype)?;
            std::fs::create_dir(&rootfs).map_err(io_err(&rootfs))?;
            let copy = Rootfs::Loop(image.clone());
            with_root(src, &mut |from| {
                with_root(&copy, &mut |to| copy::copy_into(from, to).map(drop))
            })?;
            Ok(copy)
        }
        Backing::CopyDir => {
            with_root(src, &mut |from| copy::copy_tree(from, &rootfs).map(drop))?;
            Ok(Rootfs::Dir(rootfs))
        }
        Backing::CopyBtrfs => {
            btrfs::create_subvolume(&rootfs)?;
            with_root(src, &mut |from| copy::copy_into(from, &rootfs).map(drop))?;
            Ok(Rootfs::Btrfs(rootfs))
        }
        Backing::BtrfsSnapshot => {
            let from = match src {
                Rootfs::Btrfs(p) | Rootfs::Dir(p) => p,
                Rootfs::Overlay { .. } | Rootfs::Loop(_) => {
                    return Err(Error::InvalidArgument(
                        "an overlay rootfs has no btrfs snapshot".into(),
                    ))
                }
            };
            btrfs::snapshot(from, &rootfs)?;
            Ok(Rootfs::Btrfs(rootfs))
        }
        Backing::OverlaySnapshot => overlay::snapshot(src, dir),
    }
}

/// Run `f` on a path showing the rootfs as the container sees it, writable: the directory
/// itself, or an overlay mounted detached (no mount appears anywhere on the host).
pub fn with_writable_root(rootfs: &Rootfs, f: &mut dyn FnMut(&Path) -> Result<()>) -> Result<()> {
    with_root(rootfs, f)
}

fn with_root(rootfs: &Rootfs, f: &mut dyn FnMut(&Path) -> Result<()>) -> Result<()> {
    match rootfs {
        Rootfs::Dir(p) | Rootfs::Btrfs(p) => f(p),
        Rootfs::Overlay { lower, upper } => {
            let mount = overlay::mount_detached(lower, upper)?;
            let path = PathBuf::from(format!(
                "/proc/{}/fd/{}",
                lxc_sys::getpid(),
                std::os::fd::AsRawFd::as_raw_fd(&mount)
            ));
            f(&path)
        }
        Rootfs::Loop(image) => {
            let (mount, _) = loopback::mount_detached(image)?;
            let path = PathBuf::from(format!(
                "/proc/{}/fd/{}",
                lxc_sys::getpid(),
                std::os::fd::AsRawFd::as_raw_fd(&mount)
            ));
            f(&path)
        }
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
        Rootfs::Overlay { .. } | Rootfs::Loop(_) => Ok(None),
    }
}

/// Check a `-B` backend name before anything is created.
pub fn check_backend(name: &str, bdev: Option<&str>) -> Result<()> {
    match bdev.unwrap_or("dir") {
        "dir" | "none" | "btrfs" | "overlay" | "overlayfs" | "loop" => Ok(()),
        "best" => Ok(()),
        other if ["zfs", "lvm", "rbd"].contains(&other) => Err(Error::Unsupported {
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
        Rootfs::Dir(dir) => remove_tree(&dir),
        Rootfs::Btrfs(dir) => btrfs::delete_subvolume(&dir),
        Rootfs::Overlay { upper, .. } => {
            remove_tree(&upper)?;
            remove_tree(&overlay::workdir_of(&upper))
        }
        Rootfs::Loop(image) => match std::fs::remove_file(&image) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(&image)(e)),
            _ => Ok(()),
        },
    }
}

fn remove_tree(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(dir)(e)),
        _ => Ok(()),
    }
}

/// Remove what a failed clone or snapshot made under its new directory `dir`.
pub fn destroy_made(new: &Container, dir: &Path) -> Result<()> {
    if let Ok(Rootfs::Btrfs(p)) = Rootfs::of(new) {
        if p.starts_with(dir) {
            btrfs::delete_subvolume(&p)?;
        }
    }
    let rootfs = dir.join("rootfs");
    if btrfs::is_subvolume(&rootfs) {
        btrfs::delete_subvolume(&rootfs)?;
    }
    remove_tree(dir)
}

/// Best-effort removal during cleanup of a failed create (the error is logged, not raised).
pub fn destroy_rootfs_dir(dir: &Path) {
    if dir.exists() {
        if let Err(e) = std::fs::remove_dir_all(dir) {
            tracing::error!(path = %dir.display(), "cleanup failed: {e}");
        }
    }
}
